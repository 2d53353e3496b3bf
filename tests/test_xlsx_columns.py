"""A sheet's columns are read by fastexcel into Arrow (issue 24's XLSX read), and give exactly the texts that
python-calamine's values of the same cells give (:func:`spareopt.io._cell_text`): each workbook here is read twice,
once as the reader reads it and once with the fastexcel path turned off (python-calamine's rows, the path every
sheet took before), and the two tables must be equal, categories in the same order, row numbers, footer and title
rows alike.  A few cells are also checked against fixed texts, and each case says whether fastexcel read it or
declined it (a column of two kinds, a time of day, an error value it refuses): declined, python-calamine reads it."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pytest
import xlsxwriter
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

import spareopt.io as sio
from spareopt.columns import HISTORY_COLUMNS, resolve_columns
from spareopt.errors import InputError

HEADER = ["dealer", "part", "date", "quantity", "note"]


@pytest.fixture(autouse=True)
def by_column(monkeypatch):
    """Every sheet read by column, however small (a sheet under 1 MB is read whole by python-calamine)."""
    monkeypatch.setattr(sio, "_HELD_BYTES", 0)


def _select(headers: list[str]) -> dict[str, str]:
    """The history's selection (as ``must-stock`` reads it): note is not read."""
    mapping = resolve_columns(headers, HISTORY_COLUMNS, source="history", required=("part", "quantity"),
                              one_of=("date", "period"))
    return {h: "number" if c == "quantity" else "text" for c, h in mapping.items()}


def _read(path: Path, typed: bool, **options: Any) -> tuple[Any, list[str]]:
    """``read_table(path)``, by the fastexcel path (``typed``) or python-calamine's rows only; and which path each
    sheet took (``typed``, ``rows``)."""
    taken: list[str] = []
    typed_cells = sio._typed_sheet_cells

    def by_column(*args: Any) -> Any:
        read = typed_cells(*args) if typed else None
        taken.append("typed" if read is not None else "rows")
        return read

    sio._typed_sheet_cells = by_column
    try:
        return sio.read_table(path, **options), taken
    except InputError as exc:
        return exc, taken
    finally:
        sio._typed_sheet_cells = typed_cells


def _same(path: Path, *, taken: str | None = "typed", **options: Any) -> Any:
    """The table read both ways, checked equal (or the same error); ``taken``: the path the reader must take."""
    new, paths = _read(path, True, **options)
    old, _ = _read(path, False, **options)
    if isinstance(old, InputError):
        assert isinstance(new, InputError) and str(new) == str(old), (new, old)
        return new
    assert not isinstance(new, InputError), new
    assert list(new.frame.columns) == list(old.frame.columns)
    for name in old.frame.columns:
        assert list(new.frame[name].cat.categories) == list(old.frame[name].cat.categories), name
        assert np.array_equal(new.frame[name].cat.codes, old.frame[name].cat.codes), name
    assert list(new.rows) == list(old.rows)
    assert (new.footer, new.title_rows, new.header_row, new.sheets) == (old.footer, old.title_rows, old.header_row,
                                                                          old.sheets)
    if taken is not None:
        assert set(paths) == {taken}, paths
    return new


# -- every kind of cell ---------------------------------------------------------------------------------------------

TEXTS = ["P1", " P2 ", "NA", "null", "nan", "NaN", "", "true", "3", "3.0", "0.1", "2024-01-05 00:00:00", "-0",
         "0.00001", "#N/A", "None", "\u3000x\u3000", "\x1fy", "合计x", "a\nb", 'q"uote\\']
NUMBERS = [3.0, 0.1, 1e20, 1e-5, 29.020000000000003, -0.0, 1 / 3, 12345678901234567890.0, 5.0000000001, 1e16,
           1.5e16, 123456.7, -2.5, 0.0, 1e-10, 100.0]
DATES = [dt.datetime(2024, 1, 5), dt.datetime(1900, 3, 1), dt.datetime(2024, 1, 5, 10, 30),
         dt.datetime(2024, 1, 5, 10, 30, 0, 500000), dt.datetime(2024, 12, 31, 23, 59, 59, 999000)]
DURATIONS = [dt.timedelta(hours=26), dt.timedelta(minutes=30), dt.timedelta(days=3, seconds=1)]
BLANKS = ["", "  ", "\t", "NA", "N/A", "null", "\u3000", "#N/A!"]  # cells of text a column of numbers may hold
ERROR = "!"  # a value ending so is written as an error value (a formula that yields it)


def _write(sheet: Any, row: int, column: int, value: Any, formats: dict[str, Any]) -> None:
    """One cell by xlsxwriter: dates and durations with a number format, ``#N/A!`` as the error value ``#N/A``."""
    if value is None:
        return
    if isinstance(value, bool):
        sheet.write_boolean(row, column, value)
    elif isinstance(value, dt.datetime):
        sheet.write_datetime(row, column, value, formats["datetime" if value.time() != dt.time() else "date"])
    elif isinstance(value, (dt.time, dt.timedelta)):
        sheet.write_datetime(row, column, value, formats["time" if isinstance(value, dt.time) else "duration"])
    elif isinstance(value, str) and value.startswith("#") and value.endswith(ERROR):
        sheet.write_formula(row, column, "=NA()", None, value[:-1])
    elif isinstance(value, str):
        sheet.write_string(row, column, value)
    else:
        sheet.write_number(row, column, value)


def _xlsxwriter(path: Path, rows: list[list[Any]], *, inline: bool = False, date_1904: bool = False,
                sheets: int = 1) -> Path:
    """A workbook by xlsxwriter, rows written in order: shared strings, or every text inline (``inline``, the
    constant-memory mode a DMS export of a million lines uses), in the 1900 or 1904 date system."""
    book = xlsxwriter.Workbook(path, {"constant_memory": inline, "date_1904": date_1904, "strings_to_numbers": False,
                                      "strings_to_formulas": False})
    formats = {"date": book.add_format({"num_format": "yyyy-mm-dd"}),
               "datetime": book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"}),
               "time": book.add_format({"num_format": "hh:mm"}), "duration": book.add_format({"num_format": "[h]:mm"})}
    for number in range(sheets):
        sheet = book.add_worksheet(f"S{number + 1}")
        for i, values in enumerate(rows):
            for j, value in enumerate(values):
                _write(sheet, i, j, value, formats)
    book.close()
    return path


def _table(column: str, values: list[Any], n: int = 40) -> list[list[Any]]:
    """The history's header and ``n`` lines, ``values`` (repeated) in ``column``, the others plain."""
    lines = [HEADER]
    for i in range(n):
        line = [f"D{i % 3}", f"P{i % 7}", dt.datetime(2024, 1 + i % 12, 1), float(i % 5), f"n{i}"]
        line[HEADER.index(column)] = values[i % len(values)]
        lines.append(line)
    return lines


KINDS = [("part", TEXTS), ("part", NUMBERS), ("quantity", NUMBERS), ("date", DATES), ("quantity", DURATIONS),
         ("quantity", [True, False]), ("date", TEXTS), ("quantity", [1.0, None, 2.0, None]),
         ("quantity", [1.0, "#N/A!", 2.0, "#DIV/0!!"]), ("quantity", [1.0, 2.0, *BLANKS]),
         ("date", [dt.datetime(2024, 1, 5), "", "  ", "NA"]), ("part", [True, "NA", False, " "]),
         ("quantity", [dt.timedelta(hours=1), "n/a", ""])]


@pytest.mark.parametrize("writer", ["shared", "inline", "1904"])
@pytest.mark.parametrize(("column", "values"), KINDS)
def test_every_kind_of_cell_reads_as_python_calamine_reads_it(tmp_path, writer, column, values):
    path = _xlsxwriter(tmp_path / "kinds.xlsx", _table(column, values), inline=writer == "inline",
                       date_1904=writer == "1904")
    taken = "rows" if values is DATES and writer == "1904" else "typed"  # 1900-03-01 before 1904: a time of day
    _same(path, select=_select, taken=taken)
    _same(path, taken=taken)  # every column typed, note too


def _column(path: Path, name: str) -> list[str]:
    table, paths = _read(path, True, select=_select)
    assert paths == ["typed"], paths
    return list(table.frame[name].astype(str))


def test_the_texts_are_python_calamines(tmp_path):
    """Fixed texts, so that both paths cannot be wrong alike: fastexcel writes 5.0000000001 as ``5`` and a date as
    ``2024-01-05 00:00:00`` when it reads a cell as text; the texts are those of python-calamine's values (xlsxwriter
    writes a number in 16 digits: 29.020000000000003 is 29.02 in the file)."""
    path = _xlsxwriter(tmp_path / "n.xlsx", _table("quantity", NUMBERS, n=len(NUMBERS)))
    assert _column(path, "quantity") == ["3", "0.1", "100000000000000000000", "1e-05", "29.02", "0",
                                         "0.3333333333333333", "12345678901234569216", "5.0000000001",
                                         "10000000000000000", "15000000000000000", "123456.7", "-2.5", "0", "1e-10",
                                         "100"]
    path = _xlsxwriter(tmp_path / "d.xlsx", _table("date", DATES[2:] + DATES[:1], n=4), date_1904=True)
    assert _column(path, "date") == ["2024-01-05 10:30:00", "2024-01-05 10:30:00", "2024-12-31 23:59:59",
                                     "2024-01-05"]
    path = _xlsxwriter(tmp_path / "b.xlsx", _table("part", [True, False], n=2))
    assert _column(path, "part") == ["True", "False"]
    path = _xlsxwriter(tmp_path / "q.xlsx", _table("quantity", [1.0, "  ", "NA", 2.5, "n/a"], n=5))
    assert _column(path, "quantity") == ["1", "", "NA", "2.5", "n/a"]


def test_rich_text_formula_results_and_a_table_away_from_a1_by_openpyxl(tmp_path):
    book = openpyxl.Workbook()
    cover, sheet = book.active, book.create_sheet("Data")
    cover.title, cover["A1"] = "Cover", "DMS export"
    for i, values in enumerate(_table("quantity", [1.0, 2.0]), start=4):
        for j, value in enumerate(values, start=3):
            sheet.cell(i, j, value)
    sheet["D6"] = CellRichText([TextBlock(InlineFont(b=True), " ri"), "ch "])
    book.save(tmp_path / "o.xlsx")
    table = _same(tmp_path / "o.xlsx", select=_select, sheet="Data")
    assert table.frame["part"][1] == "rich" and table.header_row == 4


@pytest.mark.parametrize(("column", "values", "message"), [
    ("part", ["A-1", 12345.0, " x ", 0.5], "text and numbers"),
    ("quantity", [1.0, True], "numbers and true/false"),
    ("date", [dt.time(10, 30), dt.time(0, 0)], "times of day"),
    ("date", [dt.datetime(2024, 1, 5), "2024-02-01"], "dates and text"),
    ("quantity", [1.0, "#NAME?!"], "an error value fastexcel refuses")])
def test_what_fastexcel_cannot_type_exactly_is_read_by_python_calamine(tmp_path, column, values, message):
    path = _xlsxwriter(tmp_path / "x.xlsx", _table(column, values))
    _same(path, select=_select, taken="rows")


def test_a_column_of_two_kinds_past_the_first_rows_is_read_by_python_calamine(tmp_path):
    lines = _table("part", ["P1"], n=1500)
    lines[1400][1] = 1234.0  # fastexcel tries (the first rows are text only) and declines
    _same(_xlsxwriter(tmp_path / "late.xlsx", lines), select=_select, taken="rows")


# -- the table's layout ---------------------------------------------------------------------------------------------


def test_titles_a_footer_with_a_total_not_read_and_blank_rows(tmp_path):
    """A total in a column not read (1/3 is ``0.333333333`` as fastexcel's text) is written as python-calamine
    reads it; a blank row inside the table is kept, blank rows at its end are not."""
    lines = [["配件销售明细 导出时间 2024-07-01"], [], *_table("quantity", [1.0, 2.0])]
    lines[10] = [None] * 5
    lines += [["合计", "", None, 123.0, 12345.678901234], [], ["总计", None, None, 1.0, 1 / 3], [], []]
    table = _same(_xlsxwriter(tmp_path / "r.xlsx", lines), select=_select)
    assert table.footer == ((44, "合计 123 12345.678901234"), (45, ""), (46, "总计 1 0.3333333333333333"))
    assert table.title_rows == ((1, "配件销售明细 导出时间 2024-07-01"),) and len(table) == 40


@pytest.mark.parametrize("footer", [["Total:", "", None, 9.0, "all"], [None, "合计", None, 9.0]])
def test_a_footer_of_text_or_in_the_columns_read(tmp_path, footer):
    table = _same(_xlsxwriter(tmp_path / "f.xlsx", [*_table("quantity", [1.0]), footer]), select=_select)
    assert len(table.footer) == 1 and len(table) == 40


def test_rows_with_data_beyond_the_header_only_are_blank(tmp_path):
    lines = [*_table("quantity", [1.0]), [None, None, None, None, None, "beyond"], [None] * 6 + ["more"]]
    table = _same(_xlsxwriter(tmp_path / "b.xlsx", lines), select=_select)
    assert len(table) == 40


def test_sheets_stacked(tmp_path):
    table = _same(_xlsxwriter(tmp_path / "s.xlsx", _table("quantity", [1.0, "NA", 2.0]), sheets=3), sheet="all",
                  select=_select)
    assert list(table.rows[:2]) == ["S1!2", "S1!3"] and len(table) == 120


def _edited(path: Path, change: Callable[[bytes], bytes], part: str = "xl/worksheets/sheet1.xml") -> Path:
    with zipfile.ZipFile(path) as source:
        parts = {name: source.read(name) for name in source.namelist()}
    parts[part] = change(parts[part])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for name, data in parts.items():
            out.writestr(name, data)
    return path


def _prefixed(xml: bytes) -> bytes:
    """The sheet's XML with its tags prefixed (``<x:row>``), as some .NET writers write it."""
    xml = re.sub(rb"<(/?)(\w+)([\s>/])", rb"<\1x:\2\3", xml)
    return xml.replace(b'xmlns="', b'xmlns:x="')


@pytest.mark.parametrize(("change", "taken"), [
    (_prefixed, "typed"), (lambda xml: re.sub(rb' r="[A-Z]+\d+"', b"", xml), "typed"),
    (lambda xml: re.sub(rb'<row r="\d+"', b"<row", xml), "rows")],  # the footer's total: its row has no number
    ids=["prefixed tags", "cells not named", "rows not numbered"])
def test_sheet_xml_written_otherwise(tmp_path, change, taken):
    lines = [["title"], *_table("quantity", [1.0, "NA"], n=1200), ["合计", " ", " ", 5.0, 7.5]]  # every cell
    table = _same(_edited(_xlsxwriter(tmp_path / "o.xlsx", lines, inline=True), change), select=_select, taken=taken)
    assert table.footer == ((1203, "合计 5 7.5"),) and table.header_row == 2


# -- errors ---------------------------------------------------------------------------------------------------------


def test_a_formula_without_a_value_is_refused_alike(tmp_path):
    book = openpyxl.Workbook()
    for line in _table("quantity", [1.0, "=SUM(1,2)"]):
        book.active.append(line)
    book.save(tmp_path / "f.xlsx")  # openpyxl stores no value for a formula
    error = _same(tmp_path / "f.xlsx", select=_select)
    assert isinstance(error, InputError)
    assert "row 3, column 'quantity' holds the formula '=SUM(1,2)' without a stored value" in str(error)


def test_a_sheet_damaged_below_its_first_rows_says_what_python_calamine_says(tmp_path):
    path = _xlsxwriter(tmp_path / "d.xlsx", _table("quantity", [1.0], n=1500))
    _edited(path, lambda xml: xml.replace(b'<row r="1400"', b'<row r="x"><c r="A<<'))
    error = _same(path, select=_select, taken=None)
    assert isinstance(error, InputError) and "is not a readable XLSX workbook (" in str(error)


def test_fastexcel_says_nothing(tmp_path, capfd, caplog):
    lines = _table("quantity", [1.0])
    for line in lines[1:]:
        line[4] = None  # a column without a value: fastexcel notes it (a log record) when it types it
    sio.read_table(_xlsxwriter(tmp_path / "q.xlsx", lines))
    assert capfd.readouterr().err == ""
    assert not [record for record in caplog.records if record.name.startswith("fastexcel")]


def test_a_small_sheet_is_read_whole_by_python_calamine(tmp_path, monkeypatch):
    monkeypatch.setattr(sio, "_HELD_BYTES", 1 << 20)
    _same(_xlsxwriter(tmp_path / "s.xlsx", _table("quantity", [1.0, 2.0])), select=_select, taken="rows")
