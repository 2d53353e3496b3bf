"""XLSX writing (spareopt.workbook, through spareopt.io.write_table): what a planner opens and what a program reads
back, cell by cell, with openpyxl and calamine."""

from __future__ import annotations

import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest

from spareopt import InputError
from spareopt.io import Layout, write_table
from spareopt.workbook import CHUNK_ROWS, MAX_CELL_TEXT, Sheet, write_xlsx

KINDS = {"unit_cost": "money", "mad": "number", "reorder_point": "integer", "implied_csl": "rate",
         "half_year_quantity": "quantity", "on_hand": "quantity"}


def _frame() -> pd.DataFrame:
    return pd.DataFrame({
        "dealer": ["D1", "D1", "D2"], "part": ["00123", "B200", "配件号很长的一个零件"],
        "unit_cost": [1234.5, np.nan, 3.0], "mad": [1.619047619047619, 0.0, 2.5],
        "reorder_point": np.array([83, 0, 12], dtype=np.int64), "implied_csl": [0.99437707, 1.0, 0.5],
        "half_year_quantity": [20.0, 0.0, 7.0], "on_hand": [1.5, 2.0, 0.0],
        "priority": pd.array([1, None, 2], dtype="Int64"), "stocked": [True, False, True],
    })


def test_number_formats_follow_the_kinds(tmp_path):
    write_table(_frame(), tmp_path / "o.xlsx", sheet_by="dealer", layout=Layout(kinds=KINDS, currency="CNY"))
    sheet = openpyxl.load_workbook(tmp_path / "o.xlsx")["D1"]
    cells = dict(zip([c.value for c in sheet[1]], sheet[2]))
    assert {name: cells[name].number_format for name in KINDS} == {
        "unit_cost": '"CNY "#,##0.00', "mad": "#,##0.00", "reorder_point": "#,##0", "implied_csl": "0.0%",
        "half_year_quantity": "#,##0",  # every value whole: shown as integers
        "on_hand": "#,##0.00"}  # a fraction somewhere: two decimals
    assert cells["mad"].value == 1.619047619047619  # the value keeps its precision; only its display is rounded
    assert (cells["reorder_point"].value, cells["priority"].value, cells["stocked"].value) == (83, 1, True)
    assert cells["part"].number_format == "General" and cells["priority"].number_format == "General"
    assert sheet["C3"].value is None and sheet["C3"].number_format == '"CNY "#,##0.00'  # a blank keeps its format


def test_a_sheet_is_laid_out_for_reading_and_printing(tmp_path):
    layout = Layout(kinds=KINDS, sheet_titles={"D1": "D1 北京东方 & Co"})
    write_table(_frame(), tmp_path / "o.xlsx", sheet_by="dealer", summary={"as_of": "2024-08"}, layout=layout)
    book = openpyxl.load_workbook(tmp_path / "o.xlsx")
    assert book.sheetnames == ["summary", "D1 北京东方 & Co", "D2"]
    sheet = book["D1 北京东方 & Co"]
    assert all(cell.font.b for cell in sheet[1]) and not sheet["A2"].font.b
    assert (sheet.freeze_panes, sheet.auto_filter.ref, sheet.print_title_rows) == ("A2", "A1:J3", "$1:$1")
    assert (sheet.page_setup.orientation, sheet.page_setup.paperSize) == ("landscape", 9)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToHeight == 0
    assert sheet.oddHeader.left.text == "D1 北京东方 && Co"  # && prints one &
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert widths["part"] > widths["dealer"] >= 5  # the widest text (CJK characters count twice) sets the width
    assert widths["implied_csl"] >= len("implied_csl")  # a header is never cut
    summary = book["summary"]
    assert summary.page_setup.orientation in (None, "portrait") and summary.sheet_properties.pageSetUpPr.fitToPage
    assert summary.auto_filter.ref is None


def test_hostile_cells_read_back_as_written(tmp_path):
    frame = pd.DataFrame({
        "text": ["<r>x</r>", "a & <b>", " lead", "_x0000_", "=SUM(A1)", None],
        "number": [np.inf, -np.inf, np.nan, 1e20, -0.5, 1e-7],
        "mixed": pd.Series([1, "x", 2.5, None, True, "2"], dtype=object),
        "category": pd.Categorical(["a", None, "b", "a", "a", "b"]),
        "when": pd.to_datetime(["2024-01-31", None, "2024-02-29", "2024-03-01", "2024-03-01", "2024-03-01"]),
    })
    write_table(frame, tmp_path / "o.xlsx")
    rows = list(openpyxl.load_workbook(tmp_path / "o.xlsx")["network"].iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == ["<r>x</r>", "a & <b>", " lead", "_x0000_", "'=SUM(A1)", None]
    assert [r[1] for r in rows] == ["#DIV/0!", "#DIV/0!", None, 1e20, -0.5, 1e-7]  # as nan_inf_to_errors writes inf
    assert [r[2] for r in rows] == [1, "x", 2.5, None, "True", "2"]  # numbers stay numbers, the rest is text
    assert [r[3] for r in rows] == ["a", None, "b", "a", "a", "b"]
    assert rows[0][4] == pd.Timestamp("2024-01-31") and rows[1][4] is None
    from python_calamine import CalamineWorkbook

    calamine = CalamineWorkbook.from_path(str(tmp_path / "o.xlsx")).get_sheet_by_name("network").to_python()
    assert [r[0] for r in calamine[1:]] == ["<r>x</r>", "a & <b>", " lead", "_x0000_", "'=SUM(A1)", ""]


def test_rows_past_a_chunk_are_numbered_on(tmp_path):
    n = CHUNK_ROWS + 7
    frame = pd.DataFrame({"dealer": np.repeat(["D1", "D2"], [3, n - 3]), "i": np.arange(n)})
    write_table(frame, tmp_path / "o.xlsx", sheet_by="dealer")
    book = openpyxl.load_workbook(tmp_path / "o.xlsx", read_only=True)
    d2 = list(book["D2"].iter_rows(values_only=True))
    assert len(d2) == n - 3 + 1 and d2[1] == ("D2", 3) and d2[-1] == ("D2", n - 1)
    assert book["D2"].max_row == n - 3 + 1
    with zipfile.ZipFile(tmp_path / "o.xlsx") as archive:
        xml = archive.read("xl/worksheets/sheet2.xml").decode()
    assert f'<dimension ref="A1:B{n - 3 + 1}"/>' in xml and f'<row r="{n - 3 + 1}">' in xml


def test_progress_rises_to_one(tmp_path):
    shares: list[float] = []
    with open(tmp_path / "o.xlsx", "wb") as fh:
        write_xlsx(fh, [Sheet("a", pd.DataFrame({"x": np.arange(120_000.0)}))], progress=shares.append)
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) > 3


def test_text_too_long_for_a_cell_is_refused(tmp_path):
    with pytest.raises(InputError) as err:
        write_table(pd.DataFrame({"description": ["x" * (MAX_CELL_TEXT + 1)]}), tmp_path / "o.xlsx")
    assert str(err.value) == ("a text cell has 32,768 characters, more than an XLSX cell keeps (32,767; it starts "
                              "'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'); write .csv or .parquet instead")
    assert list(tmp_path.iterdir()) == []


def test_sheet_names_excel_refuses_are_changed(tmp_path):
    frame = pd.DataFrame({"dealer": ["'quoted'", "History", "x\x01y", "😀" * 20], "part": ["1", "2", "3", "4"]})
    write_table(frame, tmp_path / "o.xlsx", sheet_by="dealer")
    names = openpyxl.load_workbook(tmp_path / "o.xlsx").sheetnames
    assert names == ["quoted", "History_", "x_y", "😀" * 15]


def test_csv_layout_headers_and_byte_order_mark(tmp_path):
    frame = pd.DataFrame({"part": ["00123"], "reorder_point": [3]})
    write_table(frame, tmp_path / "o.csv", layout=Layout(headers={"reorder_point": "Min (reorder point)"}, bom=True))
    assert (tmp_path / "o.csv").read_bytes() == "\ufeffpart,Min (reorder point)\n00123,3\n".encode()
    write_table(frame, tmp_path / "o.parquet", layout=Layout(headers={"reorder_point": "Min"}))
    assert pd.read_parquet(tmp_path / "o.parquet").columns.tolist() == ["part", "reorder_point"]  # programs' names
