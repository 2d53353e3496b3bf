"""Hostile input, the malformed-files, values and config families (issue 23): a clear error, never a traceback.

Each case asserts the exact ``Error:`` line, the exit code, and that the previous output is byte for byte
unchanged (so no output was written).
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_cli

PREVIOUS = b"previous output\n"
BODY = "".join(f"D1,P{i % 5},2024-{1 + i % 12:02d}-03,{1 + i % 3}\n" for i in range(60))
HEADER = "dealer,part,date,quantity\n"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("out.csv").write_bytes(PREVIOUS)
    Path("ok.csv").write_text(HEADER + BODY, encoding="utf-8")
    return tmp_path


def _fails(args: tuple[str, ...], message: str, code: int = 1) -> None:
    result = run_cli(*args, "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (code, f"Error: {message}\n"), result.output
    assert Path("out.csv").read_bytes() == PREVIOUS


def _write(name: str, text: str) -> str:
    Path(name).write_text(text, encoding="utf-8")
    return name


# -- malformed files ------------------------------------------------------------------------------------------------


def test_random_bytes_named_gz(here):
    Path("sales.csv.gz").write_bytes(bytes(range(7, 207)))
    _fails(("must-stock", "sales.csv.gz"),
           "file sales.csv.gz cannot be read as a gz-compressed text table (Not a gzipped file (b'\\x07\\x08')); check "
           "the file (a truncated download?), or decompress it first")


def test_a_truncated_gzip(here):
    packed = gzip.compress((HEADER + BODY).encode())
    Path("sales.csv.gz").write_bytes(packed[: len(packed) // 2])
    _fails(("must-stock", "sales.csv.gz"),
           "file sales.csv.gz cannot be read as a gz-compressed text table (Compressed file ended before the "
           "end-of-stream marker was reached); check the file (a truncated download?), or decompress it first")


def test_a_title_row_read_as_the_header_by_skip_rows(here):
    """The title is found and skipped (test_dms_exports.py); --skip-rows 0 makes it the header, which the rows
    below it outgrow."""
    _write("sales.csv", "配件销售明细报表 导出时间:2024-06-30\n" + HEADER + BODY)
    _fails(("must-stock", "sales.csv", "--skip-rows", "0"),
           "file sales.csv: line 1 ('配件销售明细报表 导出时间:2024-06-30') has 1 cell but the rows below have more: a "
           "title above the header? Pass --skip-rows N, N the lines above the header row")


def test_every_row_longer_than_the_header_drops_no_cell(here):
    _write("sales.csv", HEADER + "".join(line + ",7\n" for line in BODY.splitlines()))
    _fails(("must-stock", "sales.csv"),
           "file sales.csv: the rows have more cells than the header's 4; a header cell is missing, or the rows end "
           "with an extra delimiter and a value. Fix the header row")


def test_a_parquet_column_of_lists(here):
    pq.write_table(pa.table({"dealer": ["D1"] * 8, "part": ["P1"] * 8, "date": [f"2024-0{i + 1}-01" for i in range(8)],
                             "quantity": [[1]] * 8}), "sales.parquet")
    _fails(("must-stock", "sales.parquet"),
           "file sales.parquet: column 'quantity' holds list<element: int64> values (a list or a record in each cell), "
           "not plain numbers or text; export it flat, or leave it out of the file")


def test_an_unused_parquet_column_of_lists_is_ignored(here):
    pq.write_table(pa.table({"dealer": ["D1"] * 8, "part": ["P1"] * 8, "date": [f"2024-0{i + 1}-01" for i in range(8)],
                             "quantity": [1.0] * 8, "tags": [[1, 2]] * 8}), "sales.parquet")
    result = run_cli("must-stock", "sales.parquet", "-q")
    assert result.exit_code == 0 and result.stdout.startswith("dealer,part,")


# -- values ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "message"), [
    ("D1,P1,2024-05-03,1e300\n", ("sales.csv: `quantity` must be at most 1,000,000,000,000,000 in size; 1 row(s) break "
                                 "it (first: row 62 '1e300'). Fix: correct the cells (an empty cell means no record)")),
    ("D1,P\x001,2024-05-03,1\n", ("sales.csv: `part` must not hold control characters (a NUL, tab or line break inside "
                                 "the cell); 1 row(s) break it (first: row 62 'P\\x001'). Fix: correct the part cells; "
                                 "a broken export or a pasted cell often leaves them")),
])
def test_absurd_values_in_the_history(here, extra, message):
    _write("sales.csv", HEADER + BODY + extra)
    _fails(("must-stock", "sales.csv"), message)


def test_a_lead_time_of_1e20_days(here):
    _write("parts.csv", "part,lead_time_days\nP1,1e20\n")
    _fails(("must-stock", "ok.csv", "--parts", "parts.csv"),
           "parts.csv: `lead_time_days` must be at most 1,000,000,000,000,000 in size; 1 row(s) break it (first: row 2 "
           "'1e20'). Fix: correct the lead_time_days (blank = default)")


def test_reserved_stock_of_1e20(here):
    _write("stock.csv", "dealer,part,on_hand,reserved\nD1,P1,1,1e20\n")
    _fails(("order", "ok.csv", "--stock", "stock.csv"),
           "stock.csv: `reserved` must be at most 1,000,000,000,000,000 in size; 1 row(s) break it (first: row 2 "
           "'1e20'). Fix: correct the reserved (blank = 0)")


# -- config ---------------------------------------------------------------------------------------------------------


def test_a_config_that_is_a_folder(here):
    os.mkdir("conf")
    _fails(("must-stock", "ok.csv", "--config", "conf"),
           "config file conf is a folder; give --config a TOML file, e.g. `spareopt config > spareopt.toml`")


# -- ambiguities are errors, not guesses ------------------------------------------------------------------------------


def test_two_columns_of_one_name_in_csv_xlsx_and_parquet(here):
    rows = [line.split(",") for line in BODY.splitlines()]
    _write("sales.csv", "dealer,part,part,date,quantity\n" + "".join(f"{d},{p},Q,{t},{q}\n" for d, p, t, q in rows))
    _fails(("must-stock", "sales.csv"), "file sales.csv has 2 columns named 'part' (columns 2 and 3); rename or "
                                        "delete all but one")
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["dealer", "quantity", "part", "date", "quantity"])
    for d, p, t, q in rows:
        book.active.append([d, q, p, t, q])
    book.save("sales.xlsx")
    _fails(("must-stock", "sales.xlsx"), "file sales.xlsx, sheet 'Sheet', has 2 columns named 'quantity' (columns 2 "
                                         "and 5); rename or delete all but one")
    columns = [pa.array([r[i] for r in rows]) for i in (0, 1, 1, 2, 3)]
    pq.write_table(pa.Table.from_arrays(columns, names=["dealer", "part", "part", "date", "quantity"]), "sales.parquet")
    _fails(("must-stock", "sales.parquet"), "file sales.parquet has 2 columns named 'part' (columns 2 and 3); "
                                            "rename or delete all but one")


def test_two_columns_of_one_name_from_python():
    import pandas as pd

    import spareopt

    frame = pd.DataFrame([["D1", "P1", "2024-01", 3]] * 8, columns=["dealer", "part", "part", "quantity"])
    with pytest.raises(spareopt.InputError, match=r"^the DataFrame has 2 columns named 'part' \(columns 2 and 3\)"):
        spareopt.must_stock(frame)


# -- dates far from the rest ----------------------------------------------------------------------------------------


def test_one_line_dated_2099_is_an_error_unless_as_of_says_where_the_history_ends(here):
    _write("sales.csv", HEADER + BODY + "D1,P1,2099-05-03,1\n")
    _fails(("must-stock", "sales.csv"),
           "sales.csv: `date` must not be more than a year after the rest of the history, which ends 2024-12; 1 row(s) "
           "break it (first: row 62 '2099-05-03'). Fix: correct the date (a typo in the year?), or pass --as-of "
           "2024-12 to plan at the end of the rest (later lines are then ignored)")
    result = run_cli("must-stock", "sales.csv", "--as-of", "2024-12")
    assert result.exit_code == 0 and "ignored 1 rows after as_of 2024-12" in result.stderr


def test_a_gap_inside_the_history_is_no_error(here):
    """Only the latest months can stand apart: a dealer that paused for two years is real history."""
    early = "".join(f"D2,P1,2021-{m:02d}-03,1\n" for m in range(1, 13))
    _write("sales.csv", HEADER + early + BODY)
    assert run_cli("must-stock", "sales.csv", "-q").exit_code == 0


@pytest.mark.parametrize(("extra", "message"), [
    (("D1", "P1", "2099-05-03", 1.0),
     ("sales.parquet: 1 line(s) dated 2099-05 are more than a year after the rest of the history, which ends 2024-12. "
     "Fix: correct the dates (a typo in the year?), or pass --as-of 2024-12 to plan at the end of the rest")),
    (("D1", "P1", "0222-05-03", 1.0),
     ("sales.parquet: 1 line(s) dated 0222-05 are more than 40 years before the history's end (2024-12). Fix: "
     "correct the year (a typo?), or pass --since 1985-01 to leave out the lines before")),
])
def test_the_stream_engine_checks_the_networks_months(here, extra, message):
    import pandas as pd

    rows = [line.split(",") for line in BODY.splitlines()] + [list(extra)]
    frame = pd.DataFrame(rows, columns=["dealer", "part", "date", "quantity"]).astype({"quantity": float})
    frame.to_parquet("sales.parquet")
    _fails(("must-stock", "sales.parquet", "--engine", "stream"), message)


# -- the Python API: InputError or ConfigError, never a bare exception ------------------------------------------------


def _sales():
    import pandas as pd

    return pd.DataFrame({"dealer": ["D1"] * 8, "part": ["P1"] * 8, "period": [f"2024-0{i + 1}" for i in range(8)],
                         "quantity": [1.0] * 8})


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda s, pd, so: so.must_stock(pd.DataFrame()), "InputError", "the DataFrame is empty (no columns and no rows)"),
    (lambda s, pd, so: so.must_stock(s.iloc[:0]), "InputError",
     "the DataFrame has columns (dealer, part, period, quantity) but no rows; pass the data rows too"),
    (lambda s, pd, so: so.must_stock(s, pd.DataFrame({"part": []})), "InputError",
     "the DataFrame has columns (part) but no rows; pass the data rows too"),
    (lambda s, pd, so: so.order(s, stock=s.iloc[:0, :2]), "InputError",
     "the DataFrame has columns (dealer, part) but no rows; pass the data rows too"),
    (lambda s, pd, so: so.must_stock(None), "InputError",
     "expected a file path, '-' (standard input) or a pandas DataFrame; got None (NoneType)"),
    (lambda s, pd, so: so.must_stock([1, 2, 3]), "InputError",
     "expected a file path, '-' (standard input) or a pandas DataFrame; got [1, 2, 3] (list)"),
    (lambda s, pd, so: so.must_stock(s, config=5), "ConfigError",
     "config must be a spareopt.Config, a mapping of keys or the path of a TOML file; got 5 (int)"),
])
def test_the_api_raises_its_own_errors(call, error, message):
    import pandas as pd

    import spareopt

    with pytest.raises(getattr(spareopt, error)) as err:
        call(_sales(), pd, spareopt)
    assert str(err.value) == message


def test_a_comma_in_a_number_of_a_semicolon_file_is_refused(here):
    """In a ;-separated export, 12,500 is 12.5 in a decimal-comma locale and 12500 with a thousands separator:
    the run refuses to guess (it read 12500)."""
    _write("sales.csv", HEADER.replace(",", ";") + "".join(line.replace(",", ";")[:-1] + ",500\n"
                                                           for line in BODY.splitlines(keepends=True)))
    _fails(("must-stock", "sales.csv"),
           "sales.csv: `quantity` holds a comma in a ;-separated file, where it may be a decimal comma (12,5) or a "
           "thousands separator (12,500); 60 row(s) break it (first: row 2 '1,500', row 3 '2,500', row 4 '3,500', "
           "row 5 '1,500', row 6 '2,500' (+55 more)). Fix: export the numbers with a decimal point and no thousands "
           "separator")
    _write("plain.csv", HEADER.replace(",", ";") + BODY.replace(",", ";"))
    assert run_cli("must-stock", "plain.csv", "-q").exit_code == 0


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
    assert lines[0] == "read 12 rows from sales.xlsx (sheet D1)"
    assert lines[1] == ("  warning: sheets not read: old (hidden, another header), D2 (the same header); the history is "
                        "sheet D1 (--sheet all stacks every sheet that has its columns, --sheet NAME reads one)")


# -- the stream engine's directories ----------------------------------------------------------------------------------


def _network_frame(dealer: str):
    import pandas as pd

    return pd.DataFrame([(dealer, "P1", f"2024-{m:02d}-15", 2.0 + m % 3) for m in range(1, 13)],
                        columns=["dealer", "part", "date", "quantity"])


def test_a_directory_whose_files_disagree_on_a_column_type(here):
    os.mkdir("history")
    _network_frame("D1").to_parquet("history/a.parquet")
    _network_frame("D2").astype({"quantity": str}).to_parquet("history/b.parquet")
    _fails(("must-stock", "history", "--engine", "stream"),
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
    _fails(("must-stock", "history", "--engine", "stream"),
           "history: the Parquet file(s) have columns (dealer, part, date, quantity) but no rows; export the data rows "
           "too")


@pytest.mark.parametrize(("line", "column"), [("D1,合计,2024-06-30,60\n", "part"), ("合计,,2024-06-30,60\n", "dealer"),
                                              ("D1,Total,2024-06-30,60\n", "part")])
def test_a_total_row_exported_with_the_data_is_refused(here, line, column):
    """A report's 合计 line would become a stocked part (reorder point 2,775 in the audit).  Below the data it is
    a footer, dropped and counted (test_dms_exports.py); with lines below it, it is refused."""
    _write("sales.csv", HEADER + BODY + line + BODY)
    label = line.split(",")[0 if column == "dealer" else 1]
    _fails(("must-stock", "sales.csv"),
           f"sales.csv: `{column}` holds a total row's label, not a {column}; 1 row(s) break it (first: row 62 "
           f"'{label}'). Fix: delete the total rows (合计 / 小计 / Total) from the export")


def test_an_xlsx_output_of_many_dealers_is_one_sheet(here, monkeypatch):
    import openpyxl

    import spareopt.io

    monkeypatch.setattr(spareopt.io, "XLSX_MAX_SHEETS", 1)
    _write("two.csv", HEADER + BODY + BODY.replace("D1,", "D2,"))
    assert run_cli("must-stock", "two.csv", "-o", "out.xlsx", "-q").exit_code == 0
    assert openpyxl.load_workbook("out.xlsx", read_only=True).sheetnames == ["summary", "network"]


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
    _fails(("must-stock", "sales.csv"),
           "file sales.csv mixes text encodings: its lines before row 21 are UTF-8, row 21 is not (invalid "
           "continuation byte at byte 485); save the file again in one encoding (UTF-8), or pass --encoding if all "
           "of it is in another")


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
    _fails(("must-stock", "sales.xlsx"),
           "file sales.xlsx, sheet 'Sheet': row 6, column 'quantity' holds the formula '=SUM(1,1)' without a stored "
           "value (the workbook was written by a program and never saved by Excel); open it in Excel and save it, "
           "or export the values as CSV")


JOBS = ("must_stock", "classes", "forecasts", "evaluate", "optimize", "last_buy", "order", "dead_stock", "kpi",
        "load")


@pytest.mark.parametrize("job", JOBS)
def test_every_public_job_raises_input_error_on_hostile_frames(job):
    """An empty frame, duplicate columns, a wrong dtype and an absurd value, given to every job of the API."""
    import numpy as np
    import pandas as pd

    import spareopt

    call = getattr(spareopt, job)
    extra = {"order": {"stock": _sales()[["dealer", "part"]].assign(on_hand=1)}, "optimize": {"budget": 100.0},
             "last_buy": {"horizon_months": 24, "service_level": 0.95}}.get(job, {})
    if job in ("dead_stock", "kpi"):
        extra = {"stock": _sales()[["dealer", "part"]].assign(on_hand=1)}
    duplicated = _sales().rename(columns={"dealer": "part"})
    hostile = [pd.DataFrame(), _sales().iloc[:0], duplicated, _sales().assign(quantity=[np.nan] * 8),
               _sales().assign(quantity=[1e300] * 8), _sales().assign(period=[object()] * 8)]
    for frame in hostile:
        with pytest.raises(spareopt.InputError):
            call(frame, **extra)


def test_a_workbook_on_standard_input_is_told_to_give_its_path(here):
    """It was told to pass --encoding."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["dealer", "part", "date", "quantity"])
    book.save("sales.xlsx")
    result = run_cli("must-stock", "-", "-q", input=Path("sales.xlsx").read_bytes())
    assert (result.exit_code, result.stderr) == (1, ("Error: standard input holds an XLSX workbook; give its path "
                                                    "instead of - (standard input takes CSV only)\n"))
