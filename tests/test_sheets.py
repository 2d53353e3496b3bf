"""Every sheet of a workbook is considered (issue 23): ``--sheet NAME`` reads one, ``--sheet all`` stacks the sheets
that have the history's columns, and a workbook whose first sheet lacks them lists every sheet with its headers."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import run_cli

import spareopt
from spareopt.io import read_table

PREVIOUS = b"previous output\n"
HEADER = ["dealer", "part", "date", "quantity"]


def _lines(dealer: str) -> list[list[object]]:
    scale = {"D01": 1, "D02": 2, "D03": 3}[dealer]
    return [[dealer, f"P{i % 3}", f"2024-{1 + i % 8:02d}-05", (1 + i % 4) * scale] for i in range(16)]


def _workbook(path: Path, *, cover: bool = True, hidden: str | None = None) -> Path:
    """A DMS export of one sheet per dealer, the second with its columns in another order, after a cover sheet."""
    book = openpyxl.Workbook()
    first = book.active
    if cover:
        first.title = "说明"
        first.append(["DMS export 2024"])
        first.append(["exported by", "parts desk"])
    for dealer in ("D01", "D02", "D03"):
        sheet = book.create_sheet(dealer) if cover or dealer != "D01" else first
        sheet.title = dealer
        order = [1, 0, 3, 2] if dealer == "D02" else [0, 1, 2, 3]
        sheet.append([HEADER[i] for i in order])
        for line in _lines(dealer):
            sheet.append([line[i] for i in order])
    if hidden:
        book[hidden].sheet_state = "hidden"
    book.save(path)
    return path


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("out.csv").write_bytes(PREVIOUS)
    _workbook(tmp_path / "sales.xlsx")
    return tmp_path


def _fails(args: tuple[str, ...], message: str, code: int) -> None:
    result = run_cli(*args, "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (code, f"Error: {message}\n"), result.output
    assert Path("out.csv").read_bytes() == PREVIOUS


def _edit(change) -> None:
    """sales.xlsx with ``change(book)`` applied."""
    book = openpyxl.load_workbook("sales.xlsx")
    change(book)
    book.save("sales.xlsx")


LISTING = ("'说明' (headers DMS export 2024), 'D01' (headers dealer, part, date, quantity), "
           "'D02' (headers part, dealer, quantity, date), 'D03' (headers dealer, part, date, quantity)")


def test_a_cover_sheet_first_lists_every_sheet_and_the_ones_that_have_the_columns(desk):
    _fails(("must-stock", "sales.xlsx"),
           "sales.xlsx: required columns `part`, `quantity` and `date or period` are missing (headers in the file: "
           "'DMS export 2024'). Rename them, or map each with --column part=HEADER --column quantity=HEADER --column "
           f"date=HEADER. That is sheet '说明'; the workbook's 4 sheets: {LISTING}; sheet 'D01' has them: pass "
           "--sheet D01, or --sheet all for the 3 sheets that have them", 1)


def test_all_stacks_the_sheets_with_the_columns_in_any_order(desk):
    result = run_cli("must-stock", "sales.xlsx", "--sheet", "all", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[:2] == [("warning: sheets not read: 说明 (without the columns); the history is sheet D01, D02, D03 "
                          "(--sheet all stacks every sheet that has its columns, --sheet NAME reads one)"),
                         "read 48 rows from sales.xlsx (sheet D01, D02, D03)"]
    assert sorted(pd.read_csv("out.csv")["dealer"].unique()) == ["D01", "D02", "D03"]


def test_all_plans_as_the_same_lines_in_one_sheet(desk):
    """Stacking is reading: the plan of the split workbook is the plan of its lines in one CSV, row for row."""
    lines = pd.DataFrame([line for d in ("D01", "D02", "D03") for line in _lines(d)], columns=HEADER)
    lines.to_csv("sales.csv", index=False)
    stacked = spareopt.must_stock("sales.xlsx", sheet="all")
    whole = spareopt.must_stock("sales.csv")
    pd.testing.assert_frame_equal(stacked.table, whole.table)
    assert stacked.report["sheet"] == "D01, D02, D03"


def test_a_named_sheet_is_read_alone_and_names_match_without_case(desk):
    table = read_table("sales.xlsx", sheet="d02 ")
    assert (table.sheet, table.sheets, table.sheets_ignored) == ("D02", ("D02",), ())
    assert table.rows.tolist() == list(range(2, 18))
    assert table.frame.columns.tolist() == ["part", "dealer", "quantity", "date"]
    result = run_cli("must-stock", "sales.xlsx", "--sheet", "D02", "-o", "out.csv", "-q")
    assert result.exit_code == 0, result.output
    assert pd.read_csv("out.csv")["dealer"].unique().tolist() == ["D02"]


def test_an_error_in_a_stacked_sheet_names_the_sheet_and_its_row(desk):
    _edit(lambda book: book["D03"].cell(5, 4, "twelve"))
    _fails(("must-stock", "sales.xlsx", "--sheet", "all"),
           "sales.xlsx: `quantity` must be a finite number; 1 row(s) break it (first: row D03!5 'twelve'). Fix: "
           "correct the cells (an empty cell means no record)", 1)


def test_a_sheet_the_workbook_does_not_have(desk):
    _fails(("must-stock", "sales.xlsx", "--sheet", "D09"),
           f"--sheet D09: file sales.xlsx has no sheet 'D09'; its sheets: {LISTING}. Pass one of these names, or "
           "--sheet all", 2)


def test_an_empty_sheet_by_name(desk):
    _edit(lambda book: book.create_sheet("blank"))
    _fails(("must-stock", "sales.xlsx", "--sheet", "blank"),
           f"file sales.xlsx, sheet 'blank' holds no data; its sheets: {LISTING}, 'blank' (no data). Pass another "
           "with --sheet NAME", 1)


def test_all_refuses_sheets_of_two_headers(desk):
    _edit(lambda book: book["D03"].cell(1, 5, "unit_price"))
    _fails(("must-stock", "sales.xlsx", "--sheet", "all"),
           "file sales.xlsx: --sheet all stacks sheets of one header, but sheet 'D01' has headers dealer, part, date, "
           "quantity and sheet 'D03' has headers dealer, part, date, quantity, unit_price; give the sheets the same "
           "header, or read one with --sheet NAME", 1)


def test_all_skips_a_sheet_with_a_header_and_no_rows(desk):
    _edit(lambda book: book.create_sheet("D04").append(HEADER))

    def select(headers: list[str]) -> dict[str, str]:
        if "part" not in headers:
            raise spareopt.InputError("no part")
        return dict.fromkeys(headers, "text")

    table = read_table("sales.xlsx", sheet="all", select=select)
    assert table.sheets == ("D01", "D02", "D03", "D04") and len(table) == 48


def test_a_hidden_sheet_is_read_when_named_and_by_all(tmp_path):
    path = _workbook(tmp_path / "sales.xlsx", cover=False, hidden="D01")
    assert read_table(path).sheet == "D02"  # the first visible sheet, by default
    assert read_table(path).sheets_ignored == ("D01 (hidden, another header)", "D03 (another header)")
    assert len(spareopt.load_history(path, sheet="all").lines["part"]) == 48


@pytest.mark.parametrize(("args", "message"), [
    (("must-stock", "sales.csv", "--sheet", "D01"),
     "--sheet D01: file sales.csv is a text file, which has no sheets; leave out --sheet"),
    (("must-stock", "sales.parquet", "--sheet", "all"),
     "--sheet all: file sales.parquet is a Parquet file, which has no sheets; leave out --sheet"),
    (("must-stock", "sales.parquet", "--sheet", "all", "--engine", "stream"),
     ("--sheet all: the stream engine reads a Parquet history, which has no sheets; convert the workbook to Parquet, "
     "or use --engine local")),
    (("must-stock", "-", "--sheet", "all"),
     "--sheet all: the history is read from standard input, which has no sheets; leave out --sheet"),
])
def test_a_sheet_for_a_history_without_sheets_is_a_usage_error(desk, args, message):
    lines = pd.DataFrame(_lines("D01"), columns=HEADER)
    lines.to_csv("sales.csv", index=False)
    lines.to_parquet("sales.parquet")
    result = run_cli(*args, "-o", "out.csv", "-q", input="dealer,part,date,quantity\n")
    assert (result.exit_code, result.stderr) == (2, f"Error: {message}\n"), result.output
    assert Path("out.csv").read_bytes() == PREVIOUS


def test_a_sheet_from_python_for_a_frame():
    with pytest.raises(spareopt.UsageError, match="the history is read from DataFrame, which has no sheets"):
        spareopt.must_stock(pd.DataFrame(_lines("D01"), columns=HEADER), sheet="D01")
    with pytest.raises(spareopt.UsageError, match="sheet must be a sheet's name or 'all'; got 3"):
        spareopt.load_history("sales.xlsx", sheet=3)


def test_a_parts_master_or_stock_workbook_warns_of_the_sheets_it_did_not_read(tmp_path, monkeypatch):
    """Only the history takes --sheet; a parts master's or a stock file's other sheets are named, never dropped in
    silence."""
    monkeypatch.chdir(tmp_path)
    for name, header, rows in (("parts.xlsx", ["part", "unit_cost"], [["P0", 10], ["P1", 5], ["P2", 2]]),
                               ("stock.xlsx", ["dealer", "part", "on_hand"], [["D01", "P0", 3]])):
        book = openpyxl.Workbook()
        book.active.title = "current"
        for sheet in (book.active, book.create_sheet("2023")):
            sheet.append(header)
            for row in rows:
                sheet.append(row)
        book.save(name)
    pd.DataFrame(_lines("D01"), columns=HEADER).to_csv("sales.csv", index=False)
    result = run_cli("order", "sales.csv", "--parts", "parts.xlsx", "--stock", "stock.xlsx", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[:2] == [f"warning: {what} sheets not read: 2023 (the same header); only the first visible sheet with "
                         "data is read (put the table in one sheet)" for what in ("parts master", "stock file")]
