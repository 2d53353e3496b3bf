"""Hostile input, the malformed-files family (issue 23): a file the run cannot read as a table gets a clear
error, never a traceback or a silent guess.

Random bytes or a truncated file named ``.gz``, a title line above the header, rows longer than the header, a
Parquet column of lists or records, two columns of one name, a workbook split over sheets or saved by a program
(1904 dates, formulas without a stored value), a workbook on standard input, text in two encodings, a stream
engine directory whose files disagree.  Each case asserts the exact ``Error:`` line (or the correct result), the
exit code, and that the previous output is byte for byte unchanged (helpers in tests/hostile.py).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli
from hostile import BODY, HEADER, fails, write

# -- malformed files ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "what"), [("sales.xlsx", "an XLSX workbook"), ("sales.parquet", "a Parquet file")])
def test_random_bytes_named_xlsx_or_parquet(here, name, what):
    """They were read as text, and told to pass --encoding."""
    Path(name).write_bytes(bytes(range(7, 207)))
    fails(("must-stock", name),
          f"file {name} is named {Path(name).suffix} but is not {what} (it does not start with the format's signature): "
          "a damaged or partial download, or another format renamed; export it again")


def test_random_bytes_named_gz(here):
    Path("sales.csv.gz").write_bytes(bytes(range(7, 207)))
    fails(("must-stock", "sales.csv.gz"),
          "file sales.csv.gz cannot be read as a gz-compressed text table (Not a gzipped file (b'\\x07\\x08')); check "
          "the file (a truncated download?), or decompress it first")


def test_a_truncated_gzip(here):
    packed = gzip.compress((HEADER + BODY).encode())
    Path("sales.csv.gz").write_bytes(packed[: len(packed) // 2])
    fails(("must-stock", "sales.csv.gz"),
          "file sales.csv.gz cannot be read as a gz-compressed text table (Compressed file ended before the "
          "end-of-stream marker was reached); check the file (a truncated download?), or decompress it first")


def test_a_title_row_read_as_the_header_by_skip_rows(here):
    """The title is found and skipped (test_dms_exports.py); --skip-rows 0 makes it the header, which the rows
    below it outgrow."""
    write("sales.csv", "配件销售明细报表 导出时间:2024-06-30\n" + HEADER + BODY)
    fails(("must-stock", "sales.csv", "--skip-rows", "0"),
          "file sales.csv: line 1 ('配件销售明细报表 导出时间:2024-06-30') has 1 cell but the rows below have more: a "
          "title above the header? Pass --skip-rows N, N the lines above the header row")


def test_every_row_longer_than_the_header_drops_no_cell(here):
    write("sales.csv", HEADER + "".join(line + ",7\n" for line in BODY.splitlines()))
    fails(("must-stock", "sales.csv"),
          "file sales.csv: the rows have more cells than the header's 4; a header cell is missing, or the rows end "
          "with an extra delimiter and a value. Fix the header row")


def test_a_parquet_column_of_lists(here):
    pq.write_table(pa.table({"dealer": ["D1"] * 8, "part": ["P1"] * 8, "date": [f"2024-0{i + 1}-01" for i in range(8)],
                             "quantity": [[1]] * 8}), "sales.parquet")
    fails(("must-stock", "sales.parquet"),
          "file sales.parquet: column 'quantity' holds list<element: int64> values (a list or a record in each cell), "
          "not plain numbers or text; export it flat, or leave it out of the file")


def test_an_unused_parquet_column_of_lists_is_ignored(here):
    pq.write_table(pa.table({"dealer": ["D1"] * 8, "part": ["P1"] * 8, "date": [f"2024-0{i + 1}-01" for i in range(8)],
                             "quantity": [1.0] * 8, "tags": [[1, 2]] * 8}), "sales.parquet")
    result = run_cli("must-stock", "sales.parquet", "-q")
    assert result.exit_code == 0 and result.stdout.startswith("dealer,part,")


def test_a_parquet_column_of_records(here):
    pq.write_table(pa.table({"dealer": ["D1"] * 8, "part": ["P1"] * 8, "date": [f"2024-0{i + 1}-01" for i in range(8)],
                             "quantity": [{"units": 1, "returned": 0}] * 8}), "sales.parquet")
    fails(("must-stock", "sales.parquet"),
          "file sales.parquet: column 'quantity' holds struct<units: int64, returned: int64> values (a list or a "
          "record in each cell), not plain numbers or text; export it flat, or leave it out of the file")


@pytest.mark.parametrize(("text", "message"), [
    ("", "file sales.csv is empty; export the data again with a header row and data rows"),
    (HEADER, ("file sales.csv has a header but no rows (columns: dealer, part, date, quantity); export the data "
              "rows too")),
])
def test_an_empty_file_or_a_header_without_rows(here, text, message):
    write("sales.csv", text)
    fails(("must-stock", "sales.csv"), message)


# -- ambiguities are errors, not guesses ------------------------------------------------------------------------------


def test_two_columns_of_one_name_in_csv_xlsx_and_parquet(here):
    rows = [line.split(",") for line in BODY.splitlines()]
    write("sales.csv", "dealer,part,part,date,quantity\n" + "".join(f"{d},{p},Q,{t},{q}\n" for d, p, t, q in rows))
    fails(("must-stock", "sales.csv"), "file sales.csv has 2 columns named 'part' (columns 2 and 3); rename or "
                                       "delete all but one")
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["dealer", "quantity", "part", "date", "quantity"])
    for d, p, t, q in rows:
        book.active.append([d, q, p, t, q])
    book.save("sales.xlsx")
    fails(("must-stock", "sales.xlsx"), "file sales.xlsx, sheet 'Sheet', has 2 columns named 'quantity' (columns 2 "
                                        "and 5); rename or delete all but one")
    columns = [pa.array([r[i] for r in rows]) for i in (0, 1, 1, 2, 3)]
    pq.write_table(pa.Table.from_arrays(columns, names=["dealer", "part", "part", "date", "quantity"]), "sales.parquet")
    fails(("must-stock", "sales.parquet"), "file sales.parquet has 2 columns named 'part' (columns 2 and 3); "
                                           "rename or delete all but one")



# -- workbooks: every sheet is considered ---------------------------------------------------------------------------


def test_a_workbook_split_by_sheet_says_which_sheets_it_did_not_read(here):
    """One sheet per dealer: the first visible sheet is the history, and the run report warns of the others (it
    read the first sheet in silence); a hidden sheet first in the book is passed over for the visible one."""
    import openpyxl

    book = openpyxl.Workbook()
    hidden = book.active
    hidden.title = "old"
    hidden.append(["note"])
    hidden.append(["kept for the audit"])
    hidden.sheet_state = "hidden"
    for dealer in ("D1", "D2"):
        sheet = book.create_sheet(dealer)
        sheet.append(["dealer", "part", "date", "quantity"])
        for m in range(1, 13):
            sheet.append([dealer, "P1", f"2024-{m:02d}-15", 2])
    book.save("sales.xlsx")
    result = run_cli("must-stock", "sales.xlsx", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0] == ("warning: sheets not read: old (hidden, another header), D2 (the same header); the history is "
                        "sheet D1 (--sheet all stacks every sheet that has its columns, --sheet NAME reads one)")
    assert "read 12 rows from sales.xlsx (sheet D1)" in lines



def test_a_cover_sheet_names_the_sheet_that_holds_the_table(here):
    """A report's cover sheet (a title, the export time) before the data sheet: the error said the header is
    '配件销售明细报表' and that `part` is missing; it now lists the sheets and names the one with the table."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Cover"
    for line in ("配件销售明细报表", "导出时间: 2024-12-31", "Prepared by: DMS"):
        book.active.append([line])
    sheet = book.create_sheet("Data")
    sheet.append(["dealer", "part", "date", "quantity"])
    for m in range(1, 13):
        sheet.append(["D1", "P1", f"2024-{m:02d}-15", 2])
    book.save("sales.xlsx")
    fails(("must-stock", "sales.xlsx"),
          "sales.xlsx: required columns `part`, `quantity` and `date or period` are missing (headers in the file: "
          "'配件销售明细报表'). Rename them, or map each with --column part=HEADER --column quantity=HEADER --column "
          "date=HEADER. That is sheet 'Cover'; the workbook's 2 sheets: 'Cover' (headers 配件销售明细报表), 'Data' "
          "(headers dealer, part, date, quantity); sheet 'Data' has them: pass --sheet Data")
    assert run_cli("must-stock", "sales.xlsx", "--sheet", "Data", "-o", "out.csv", "-q").exit_code == 0


def test_a_1904_workbook_counts_its_serial_dates_from_1904(here):
    """Excel for the Mac's 1904 date system: serial numbers typed in a General cell were read 4 years early."""
    import datetime as dt

    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = openpyxl.Workbook()
    book.epoch = CALENDAR_MAC_1904
    sheet = book.active
    sheet.append(["dealer", "part", "date", "quantity"])
    for m in range(1, 13):
        sheet.append(["D1", "P1", dt.datetime(2024, m, 15), 1 + m % 2])  # a date cell: openpyxl converts it
        sheet.append(["D2", "P1", (dt.datetime(2024, m, 15) - dt.datetime(1904, 1, 1)).days, 1 + m % 2])  # a number
    book.save("sales.xlsx")
    result = run_cli("must-stock", "sales.xlsx", "-q")
    assert result.exit_code == 0, result.output
    rows = [line.split(",", 2) for line in result.stdout.splitlines()[1:]]
    assert rows[0][2] == rows[1][2] and {r[0] for r in rows} == {"D1", "D2"}  # the same plan for both dealers


def test_a_formula_without_a_stored_value_is_an_error_not_no_record(here):
    """A workbook written by a program and never saved by Excel stores no value for its formulas: the cell read
    as empty, the row was skipped as "no record"."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["dealer", "part", "date", "quantity"])
    for m in range(1, 13):
        book.active.append(["D1", "P1", f"2024-{m:02d}-15", "=SUM(1,1)" if m == 5 else 2])
    book.save("sales.xlsx")
    fails(("must-stock", "sales.xlsx"),
          "file sales.xlsx, sheet 'Sheet': row 6, column 'quantity' holds the formula '=SUM(1,1)' without a stored "
          "value (the workbook was written by a program and never saved by Excel); open it in Excel and save it, "
          "or export the values as CSV")



def test_a_workbook_on_standard_input_is_told_to_give_its_path(here):
    """It was told to pass --encoding."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["dealer", "part", "date", "quantity"])
    book.save("sales.xlsx")
    result = run_cli("must-stock", "-", "-q", input=Path("sales.xlsx").read_bytes())
    assert (result.exit_code, result.stderr) == (1, ("Error: standard input holds an XLSX workbook; give its path "
                                                    "instead of - (standard input takes CSV only)\n"))


# -- the stream engine's directories ----------------------------------------------------------------------------------


def _network_frame(dealer: str):
    import pandas as pd

    return pd.DataFrame([(dealer, "P1", f"2024-{m:02d}-15", 2.0 + m % 3) for m in range(1, 13)],
                        columns=["dealer", "part", "date", "quantity"])


def test_a_directory_whose_files_disagree_on_a_column_type(here):
    os.mkdir("history")
    _network_frame("D1").to_parquet("history/a.parquet")
    _network_frame("D2").astype({"quantity": str}).to_parquet("history/b.parquet")
    fails(("must-stock", "history", "--engine", "stream"),
          "file history/b.parquet has column 'quantity' as large_string, but history/a.parquet has it as double; "
          "write every file of the history with the same column types (numbers as numbers, text as text)")


def test_an_empty_file_and_whole_numbers_in_a_directory_read_as_the_rest(here):
    import pandas as pd

    os.mkdir("history")
    _network_frame("D1").to_parquet("history/a.parquet")
    _network_frame("D2").astype({"quantity": int}).to_parquet("history/b.parquet")
    _network_frame("D3").iloc[:0].to_parquet("history/c.parquet")
    streamed = run_cli("must-stock", "history", "--engine", "stream", "-q", "-o", "streamed.csv")
    assert streamed.exit_code == 0, streamed.output
    together = pd.concat([_network_frame("D1"), _network_frame("D2")])
    together.to_parquet("together.parquet")
    assert run_cli("must-stock", "together.parquet", "-q", "-o", "local.csv").exit_code == 0
    assert Path("streamed.csv").read_bytes() == Path("local.csv").read_bytes()
    os.remove("history/a.parquet")
    os.remove("history/b.parquet")
    fails(("must-stock", "history", "--engine", "stream"),
          "history: the Parquet file(s) have columns (dealer, part, date, quantity) but no rows; export the data rows "
          "too")



# -- encodings ------------------------------------------------------------------------------------------------------


GBK_BODY = HEADER + "".join(f"D1,配件{i % 3},2024-{i % 12 + 1:02d}-03,2\n" for i in range(30))


@pytest.mark.parametrize("extra", [(), ("--encoding", "gbk")])
def test_a_bom_before_gbk_text_reads_as_gbk(here, extra):
    """Some exports write a UTF-8 BOM before GBK text: it could not be read at all (an internal error), and with
    --encoding gbk the BOM turned the first header into other characters and the dealer column was lost."""
    Path("sales.csv").write_bytes(b"\xef\xbb\xbf" + GBK_BODY.encode("gbk"))
    Path("plain.csv").write_bytes(GBK_BODY.encode("gbk"))
    assert run_cli("must-stock", "sales.csv", *extra, "-q", "-o", "bom.csv").exit_code == 0
    assert run_cli("must-stock", "plain.csv", "--encoding", "gbk", "-q", "-o", "plain_out.csv").exit_code == 0
    assert Path("bom.csv").read_bytes() == Path("plain_out.csv").read_bytes()
    assert Path("bom.csv").read_text(encoding="utf-8").startswith("dealer,part,")


def test_a_file_mixing_utf8_and_gbk_names_the_row_where_it_changes(here):
    lines = GBK_BODY.splitlines(keepends=True)
    Path("sales.csv").write_bytes("".join(lines[:20]).encode() + lines[20].encode("gbk") + "".join(lines[21:]).encode())
    fails(("must-stock", "sales.csv"),
          "file sales.csv mixes text encodings: its lines before row 21 are UTF-8, row 21 is not (invalid "
          "continuation byte at byte 485); save the file again in one encoding (UTF-8), or pass --encoding if all "
          "of it is in another")

