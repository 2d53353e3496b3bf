"""Reading and writing tables (spareopt.io), and the acceptance rule of issue 2:
"the same rows must come out whatever the input looks like"."""

from __future__ import annotations

import gzip
import io
import json
import os
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import assert_same_table

import spareopt
from spareopt import InputError
from spareopt.io import format_from_suffix, neutralise_formulas, read_table, write_table

ZH = {"dealer": "服务站", "part": "配件编号", "date": "日期", "quantity": "数量", "unit_price": "单价"}
EXCEL_EPOCH = pd.Timestamp("1899-12-30")


# -- the same rows whatever the input looks like ---------------------------------------------------


def _csv(tmp, sales, monthly):
    sales.to_csv(tmp / "sales.csv", index=False)
    return tmp / "sales.csv"


def _tsv(tmp, sales, monthly):
    sales.to_csv(tmp / "sales.tsv", index=False, sep="\t")
    return tmp / "sales.tsv"


def _tab_sniffed(tmp, sales, monthly):  # tab-separated under a .txt name: the delimiter is sniffed
    sales.to_csv(tmp / "sales.txt", index=False, sep="\t")
    return tmp / "sales.txt"


def _semicolon(tmp, sales, monthly):
    sales.to_csv(tmp / "sales.csv", index=False, sep=";")
    return tmp / "sales.csv"


def _utf8_bom(tmp, sales, monthly):
    sales.to_csv(tmp / "sales.csv", index=False, encoding="utf-8-sig")
    assert (tmp / "sales.csv").read_bytes().startswith(b"\xef\xbb\xbfdealer,")
    return tmp / "sales.csv"


def _gbk_chinese(tmp, sales, monthly):
    frame = sales.rename(columns=ZH)
    frame["服务站"] = frame["服务站"].map({"D01": "北京一店", "D02": "上海二店", "D03": "广州三店"})
    frame.to_csv(tmp / "销售.csv", index=False, encoding="gbk")
    assert (tmp / "销售.csv").read_bytes().startswith("服务站".encode("gbk"))
    return tmp / "销售.csv"


def _utf8_bom_chinese(tmp, sales, monthly):
    sales.rename(columns=ZH).to_csv(tmp / "sales.csv", index=False, encoding="utf-8-sig")
    return tmp / "sales.csv"


def _gzip(tmp, sales, monthly):
    with gzip.open(tmp / "sales.csv.gz", "wt", encoding="utf-8", newline="") as fh:
        sales.to_csv(fh, index=False)
    return tmp / "sales.csv.gz"


def _xlsx_text_dates(tmp, sales, monthly):
    sales.to_excel(tmp / "sales.xlsx", index=False)
    return tmp / "sales.xlsx"


def _xlsx_date_cells(tmp, sales, monthly):
    frame = sales.assign(date=pd.to_datetime(sales["date"]))
    frame.to_excel(tmp / "sales.xlsx", index=False)
    cell = openpyxl.load_workbook(tmp / "sales.xlsx")["Sheet1"]["C2"]
    assert cell.is_date  # a real Excel date, not text
    return tmp / "sales.xlsx"


def _xlsx_serial_numbers(tmp, sales, monthly):
    frame = sales.assign(date=(pd.to_datetime(sales["date"]) - EXCEL_EPOCH).dt.days)
    frame.to_excel(tmp / "sales.xlsx", index=False)
    assert openpyxl.load_workbook(tmp / "sales.xlsx")["Sheet1"]["C2"].value == 45296  # 2024-01-05
    return tmp / "sales.xlsx"


def _xlsx_chinese_headers(tmp, sales, monthly):
    sales.rename(columns=ZH).to_excel(tmp / "sales.xlsx", index=False, sheet_name="销售明细")
    return tmp / "sales.xlsx"


def _parquet(tmp, sales, monthly):
    sales.to_parquet(tmp / "sales.parquet", index=False)
    return tmp / "sales.parquet"


def _parquet_datetime(tmp, sales, monthly):
    sales.assign(date=pd.to_datetime(sales["date"])).to_parquet(tmp / "sales.parquet", index=False)
    return tmp / "sales.parquet"


def _monthly_csv(tmp, sales, monthly):
    monthly.to_csv(tmp / "monthly.csv", index=False)
    return tmp / "monthly.csv"


def _monthly_xlsx_chinese(tmp, sales, monthly):
    monthly.rename(columns={"dealer": "经销商", "part": "零件号", "period": "月份", "quantity": "销量"}).to_excel(
        tmp / "monthly.xlsx", index=False)
    return tmp / "monthly.xlsx"


def _monthly_frame_period_dtype(tmp, sales, monthly):
    return monthly.assign(period=pd.PeriodIndex(monthly["period"], freq="M"))


def _frame_datetime(tmp, sales, monthly):
    return sales.assign(date=pd.to_datetime(sales["date"]))


LOOKS = {
    "csv": _csv, "tsv": _tsv, "tab_sniffed_txt": _tab_sniffed, "semicolon": _semicolon,
    "utf8_bom": _utf8_bom, "gbk_chinese_headers": _gbk_chinese, "utf8_bom_chinese_headers": _utf8_bom_chinese,
    "gzip_csv": _gzip, "xlsx_text_dates": _xlsx_text_dates, "xlsx_date_cells": _xlsx_date_cells,
    "xlsx_excel_serials": _xlsx_serial_numbers, "xlsx_chinese_headers": _xlsx_chinese_headers,
    "parquet": _parquet, "parquet_datetime": _parquet_datetime, "monthly_totals_csv": _monthly_csv,
    "monthly_totals_xlsx_chinese": _monthly_xlsx_chinese, "monthly_frame_period_dtype": _monthly_frame_period_dtype,
    "frame_datetime": _frame_datetime,
}


@pytest.mark.parametrize("look", list(LOOKS))
def test_same_rows_whatever_the_input_looks_like(look, tmp_path, sales, sales_monthly, parts_master):
    expected = spareopt.must_stock(sales, parts_master).table
    source = LOOKS[look](tmp_path, sales, sales_monthly)
    got = spareopt.must_stock(source, parts_master).table
    if look == "gbk_chinese_headers":  # same rows, dealers named in Chinese
        got["dealer"] = got["dealer"].map({"北京一店": "D01", "上海二店": "D02", "广州三店": "D03"})
        order = expected.set_index(["dealer", "part"]).index
        got = got.set_index(["dealer", "part"]).loc[order].reset_index()
    assert_same_table(expected, got)
    assert "00123" in set(got["part"])  # leading zeros survive every format


def test_reference_table_keeps_leading_zeros_and_every_series(sales, parts_master):
    table = spareopt.must_stock(sales, parts_master).table
    assert sorted(table["part"].unique()) == ["00123", "A100", "B200", "C300", "E500", "F600", "G700"]
    assert len(table) == 20  # 3 dealers x 7 parts, minus D03/G700 never sold
    assert table.loc[table["part"] == "00123", "half_year_quantity"].tolist() == [194.0, 388.0, 194.0]


def test_parts_master_reads_the_same_from_gbk_xlsx_and_parquet(tmp_path, sales, parts_master):
    # pandas would write "=SUM(A1:A9)" into the XLSX as a formula without a cached value
    parts_master["description"] = parts_master["description"].str.lstrip("=+")
    expected = spareopt.must_stock(sales, parts_master)
    zh = parts_master.rename(columns={"part": "配件编号", "description": "配件名称", "unit_cost": "成本价",
                                      "lead_time_days": "到货周期", "order_cycle_days": "采购周期",
                                      "attribute": "属性"})
    zh.to_csv(tmp_path / "parts_gbk.csv", index=False, encoding="gbk")
    parts_master.to_excel(tmp_path / "parts.xlsx", index=False)
    parts_master.to_parquet(tmp_path / "parts.parquet", index=False)
    for path in ("parts_gbk.csv", "parts.xlsx", "parts.parquet"):
        assert_same_table(expected, spareopt.must_stock(sales, tmp_path / path))


# -- read_table ---------------------------------------------------------------------------------------


def test_read_csv_keeps_cells_as_text_and_numbers_rows_like_a_spreadsheet(tmp_path):
    (tmp_path / "s.csv").write_text("part,qty\n00123,5\n\n0042,\n", encoding="utf-8")
    table = read_table(tmp_path / "s.csv")
    assert table.frame["part"].tolist() == ["00123", "", "0042"]
    assert table.frame["qty"].tolist() == ["5", "", ""]
    assert table.rows.tolist() == [2, 3, 4]  # header is row 1; the blank line keeps its number
    assert (table.source, table.encoding, table.sheet) == (str(tmp_path / "s.csv"), "utf-8", None)


def test_read_csv_trims_headers_and_strips_bom(tmp_path):
    (tmp_path / "s.csv").write_bytes("\ufeff part , qty \n1,2\n".encode())
    table = read_table(tmp_path / "s.csv")
    assert list(table.frame.columns) == ["part", "qty"]
    assert table.encoding == "utf-8"


@pytest.mark.parametrize(("encoding", "expected"), [(None, "gb18030"), ("gbk", "gbk")])
def test_read_gbk_is_detected_or_forced(tmp_path, encoding, expected):
    (tmp_path / "s.csv").write_bytes("配件编号,数量\n00123,5\n".encode("gbk"))
    table = read_table(tmp_path / "s.csv", encoding=encoding)
    assert list(table.frame.columns) == ["配件编号", "数量"]
    assert table.frame.iloc[0].tolist() == ["00123", "5"]
    assert table.encoding == expected


def test_read_wrong_explicit_encoding_names_the_file_and_the_fix(tmp_path):
    (tmp_path / "s.csv").write_bytes("配件编号,数量\n00123,5\n".encode("gbk"))
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "s.csv", encoding="utf-8")
    assert str(err.value) == (f"file {tmp_path / 's.csv'} could not be decoded "
                              "(utf-8: invalid continuation byte at byte 0); pass --encoding with the file's encoding")


def test_read_unknown_encoding(tmp_path):
    (tmp_path / "s.csv").write_text("part,qty\n1,2\n")
    with pytest.raises(InputError, match=r"^unknown encoding 'klingon' for .*s\.csv; try utf-8, gbk or gb18030$"):
        read_table(tmp_path / "s.csv", encoding="klingon")


def test_parquet_is_recognised_by_its_first_bytes_whatever_the_name(tmp_path, sales):
    sales.to_parquet(tmp_path / "export.dat", index=False)
    table = read_table(tmp_path / "export.dat")
    assert table.frame["quantity"].dtype == np.int64
    assert table.frame["part"].iloc[0] == "00123"
    assert table.rows[:3].tolist() == [1, 2, 3]  # Parquet rows are record numbers


@pytest.mark.parametrize("name", ["export.xls", "export.csv"])
def test_xlsx_is_recognised_by_its_first_bytes_whatever_the_name(tmp_path, sales, name):
    sales.to_excel(tmp_path / "real.xlsx", index=False)
    (tmp_path / "real.xlsx").rename(tmp_path / name)
    table = read_table(tmp_path / name)
    assert table.sheet == "Sheet1"
    assert table.frame["part"].iloc[0] == "00123"


def test_read_xlsx_finds_the_header_below_blank_rows_and_skips_empty_sheets(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "notes"  # empty first sheet
    sheet = book.create_sheet("data")
    sheet.append([])
    sheet.append(["part", "qty", None])
    sheet.append(["00123", 5])
    sheet.append([11040696, 2.0])  # numbers become text without ".0"
    book.save(tmp_path / "s.xlsx")
    table = read_table(tmp_path / "s.xlsx")
    assert table.sheet == "data"
    assert list(table.frame.columns) == ["part", "qty"]
    assert table.frame.values.tolist() == [["00123", "5"], ["11040696", "2"]]
    assert table.rows.tolist() == [3, 4]


def test_read_dataframe_rows_are_its_index_labels():
    frame = pd.DataFrame({"part": ["a", "b"]}, index=[10, 20])
    table = read_table(frame)
    assert table.source == "<DataFrame>"
    assert table.rows.tolist() == [10, 20]
    assert table.frame.index.tolist() == [0, 1]


def _empty_workbook(path):
    openpyxl.Workbook().save(path)


def _header_only_workbook(path):
    book = openpyxl.Workbook()
    book.active.append(["part", "date", "quantity"])
    book.save(path)


@pytest.mark.parametrize(("name", "make", "message"), [
    ("missing.csv", None, "file {p} does not exist; check the path"),
    ("empty.csv", lambda p: p.write_bytes(b""),
     "file {p} is empty; export the data again with a header row and data rows"),
    ("header.csv", lambda p: p.write_text("part,date,quantity\n"),
     "file {p} has a header but no rows (columns: part, date, quantity); export the data rows too"),
    ("book.xlsx", _empty_workbook,
     "file {p} has no sheet with data (sheets: Sheet); put the table with its header row in the first sheet"),
    ("header.xlsx", _header_only_workbook,
     "file {p}, sheet 'Sheet' has a header (row 1) but no rows; export the data rows too"),
    ("old.xls", lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100)),
     "file {p} is an old .xls workbook; save it as .xlsx or .csv and try again"),
    ("broken.xlsx", lambda p: p.write_bytes(b"PK\x03\x04garbage"),
     "file {p} is not a readable XLSX workbook (File is not a zip file); open and save it again in Excel"),
    ("quote.csv", lambda p: p.write_text('part,quantity\n1,"2\n3,4\n'),
     ("file {p} is not a well-formed table: Error tokenizing data. C error: EOF inside string starting at row 1. "
     "Check the delimiters and quotes")),
])
def test_read_bad_files(tmp_path, name, make, message):
    path = tmp_path / name
    if make is not None:
        make(path)
    with pytest.raises(InputError) as err:
        read_table(path)
    assert str(err.value) == message.format(p=path)


def test_read_zero_row_parquet(tmp_path, sales):
    sales.iloc[:0].to_parquet(tmp_path / "s.parquet")
    with pytest.raises(InputError) as err:
        read_table(tmp_path / "s.parquet")
    assert str(err.value) == (f"file {tmp_path / 's.parquet'} has columns (dealer, part, date, quantity, unit_price) "
                              "but no rows")


def test_read_damaged_parquet(tmp_path):
    (tmp_path / "s.parquet").write_bytes(b"PAR1garbage")
    with pytest.raises(InputError, match=r"s\.parquet is not a readable Parquet file \("):
        read_table(tmp_path / "s.parquet")


def test_read_folder(tmp_path):
    with pytest.raises(InputError) as err:
        read_table(tmp_path)
    assert str(err.value) == f"file {tmp_path} is a folder, not a file; check the path"


def test_trailing_delimiter_on_every_data_row_reads_like_without(tmp_path, sales, parts_master):
    text = sales.to_csv(index=False, lineterminator="\n")
    header, *lines = text.splitlines()
    (tmp_path / "trailing.csv").write_text("\n".join([header] + [line + "," for line in lines]) + "\n")
    assert_same_table(spareopt.must_stock(sales, parts_master),
                      spareopt.must_stock(tmp_path / "trailing.csv", parts_master))


# -- write_table --------------------------------------------------------------------------------------

RISKY = pd.DataFrame({
    "part": ["P1", "P2", "P3", "P4", "P5", "P6"],
    "description": ["=SUM(A1:A9)", "+wiper", "-cable", "@cmd", "a=b", "oil"],
    "quantity": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0],
})


def test_neutralise_formulas_prefixes_risky_text_only():
    out = neutralise_formulas(RISKY)
    assert out["description"].tolist() == ["'=SUM(A1:A9)", "'+wiper", "'-cable", "'@cmd", "a=b", "oil"]
    assert out["quantity"].tolist() == [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]  # numbers are not text
    assert RISKY["description"].iloc[0] == "=SUM(A1:A9)"  # the input is not changed


def test_write_csv_neutralises_formulas(tmp_path):
    write_table(RISKY, tmp_path / "o.csv")
    assert (tmp_path / "o.csv").read_text(encoding="utf-8") == (
        "part,description,quantity\nP1,'=SUM(A1:A9),-1.5\nP2,'+wiper,2\nP3,'-cable,3\nP4,'@cmd,4\nP5,a=b,5\nP6,oil,6\n"
    )


def test_write_xlsx_neutralises_formulas_and_keeps_numbers(tmp_path):
    write_table(RISKY, tmp_path / "o.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "o.xlsx")["network"]
    cells = [sheet.cell(row=r, column=2) for r in range(2, 8)]
    assert [c.value for c in cells] == ["'=SUM(A1:A9)", "'+wiper", "'-cable", "'@cmd", "a=b", "oil"]
    assert {c.data_type for c in cells} == {"s"}  # none is a formula
    assert sheet["C2"].value == -1.5


@pytest.mark.parametrize("suffix", ["parquet", "json"])
def test_write_parquet_and_json_keep_text_as_is(tmp_path, suffix):
    write_table(RISKY, tmp_path / f"o.{suffix}")
    back = pd.read_parquet(tmp_path / "o.parquet") if suffix == "parquet" else pd.DataFrame(
        json.loads((tmp_path / "o.json").read_text(encoding="utf-8")))
    assert back["description"].tolist() == RISKY["description"].tolist()


def test_write_parquet_round_trips_the_must_stock_table(tmp_path, sales, parts_master):
    table = spareopt.must_stock(sales, parts_master).table
    write_table(table, tmp_path / "o.parquet")
    assert_same_table(table, pd.read_parquet(tmp_path / "o.parquet"))


def test_write_json_records(tmp_path):
    frame = pd.DataFrame({"part": ["00123", "配件"], "priority": pd.array([1, None], dtype="Int64")})
    write_table(frame, tmp_path / "o.json")
    assert (tmp_path / "o.json").read_text(encoding="utf-8") == (
        '[{"part":"00123","priority":1},{"part":"配件","priority":null}]\n')


def test_write_csv_to_stdout_when_no_path(capsys):
    write_table(pd.DataFrame({"part": ["00123"], "mad": [1 / 3]}), None)
    assert capsys.readouterr().out == "part,mad\n00123,0.3333333333\n"


def test_write_to_a_text_stream():
    buffer = io.StringIO()
    write_table(pd.DataFrame({"part": ["=1"]}), buffer)
    assert buffer.getvalue() == "part\n'=1\n"


def test_write_xlsx_one_sheet_per_dealer_with_summary(tmp_path):
    frame = pd.DataFrame({"dealer": ["D2", "D1", "D1"], "part": ["a", "b", "c"], "q": [1, 2, 3]})
    write_table(frame, tmp_path / "o.xlsx", sheet_by="dealer", summary={"as_of": "2024-08", "first": [1, 2]})
    book = openpyxl.load_workbook(tmp_path / "o.xlsx")
    assert book.sheetnames == ["summary", "D1", "D2"]
    assert list(book["summary"].iter_rows(values_only=True)) == [("item", "value"), ("as_of", "2024-08"),
                                                                 ("first", "1, 2")]
    assert list(book["D1"].iter_rows(values_only=True)) == [("dealer", "part", "q"), ("D1", "b", 2), ("D1", "c", 3)]
    for name in ("D1", "D2"):
        assert book[name].freeze_panes == "A2"
    assert book["D1"].auto_filter.ref == "A1:C3"
    assert book["D2"].auto_filter.ref == "A1:C2"


def test_write_xlsx_sheet_names_are_valid_and_unique(tmp_path):
    frame = pd.DataFrame({"dealer": ["A/B", "A:B", "X" * 40, "Summary"], "part": ["1", "2", "3", "4"]})
    write_table(frame, tmp_path / "o.xlsx", sheet_by="dealer", summary={"as_of": "2024-08"})
    assert openpyxl.load_workbook(tmp_path / "o.xlsx").sheetnames == [
        "summary", "A_B", "A_B~2", "Summary~2", "X" * 31]


@pytest.mark.parametrize(("path", "expected"), [
    ("o.csv", "csv"), ("o.TXT", "csv"), ("o.xlsx", "xlsx"), ("dir/o.parquet", "parquet"), ("o.pq", "parquet"),
    ("o.json", "json"),
])
def test_format_from_suffix(path, expected):
    assert format_from_suffix(path) == expected


def test_format_from_unknown_suffix():
    with pytest.raises(InputError) as err:
        format_from_suffix("out.dat")
    assert str(err.value) == ("cannot tell the output format from 'out.dat'; use a .csv, .xlsx, .parquet or .json "
                              "suffix, or pass --format")


def test_write_format_overrides_the_suffix(tmp_path):
    write_table(pd.DataFrame({"part": ["1"]}), tmp_path / "o.dat", format="json")
    assert (tmp_path / "o.dat").read_text() == '[{"part":"1"}]\n'


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"path": None, "format": "xlsx"}, "xlsx output needs a file: pass -o FILE.xlsx"),
    ({"path": "o.csv", "format": "xml"}, "unknown output format 'xml'; use one of csv, xlsx, parquet, json"),
])
def test_write_refuses(kwargs, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as err:
        write_table(pd.DataFrame({"part": ["1"]}), **kwargs)
    assert str(err.value) == message
    assert list(tmp_path.iterdir()) == []


def test_write_into_a_missing_folder(tmp_path):
    with pytest.raises(InputError) as err:
        write_table(pd.DataFrame({"part": ["1"]}), tmp_path / "nope" / "o.csv")
    assert str(err.value) == f"cannot write {tmp_path / 'nope' / 'o.csv'}: folder {tmp_path / 'nope'} does not exist"


# -- atomic writes ------------------------------------------------------------------------------------

PREVIOUS = b"part,decision\nOLD,dealer\n"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "json"])
def test_failed_write_keeps_the_previous_file_and_leaves_no_temp_file(tmp_path, monkeypatch, fmt):
    from spareopt import io as spio

    target = tmp_path / f"out.{fmt}"
    target.write_bytes(PREVIOUS)
    seen = []

    def half_then_fail(frame, fh, *_):
        fh.write(b"half a file" if "b" in fh.mode else "half a file")
        fh.flush()
        seen.extend(_leftovers(tmp_path))
        raise OSError("disk full")

    monkeypatch.setitem(spio._WRITERS, fmt, half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        write_table(pd.DataFrame({"part": ["NEW"]}), target)
    assert seen and seen[0].startswith(f".out.{fmt}.")  # the half file went to a temporary name ...
    assert target.read_bytes() == PREVIOUS  # ... the previous output is intact ...
    assert _leftovers(tmp_path) == []  # ... and the temporary file is gone
    assert sorted(os.listdir(tmp_path)) == [f"out.{fmt}"]


def test_successful_write_replaces_the_file_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "out.csv"
    target.write_bytes(PREVIOUS)
    write_table(pd.DataFrame({"part": ["NEW"]}), target)
    assert target.read_text() == "part\nNEW\n"
    assert os.listdir(tmp_path) == ["out.csv"]


def test_xlsx_summary_sheet_is_neutralised_too(tmp_path):
    write_table(pd.DataFrame({"part": ["1"]}), tmp_path / "o.xlsx", summary={"history": "=1+2.csv"})
    cell = openpyxl.load_workbook(tmp_path / "o.xlsx")["summary"]["B2"]
    assert (cell.value, cell.data_type) == ("'=1+2.csv", "s")
