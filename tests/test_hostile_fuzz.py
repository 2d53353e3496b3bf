"""Hostile input, generated (issue 23): random CSV, XLSX and Parquet files never make a command print a
traceback or fail as an internal error.

Hypothesis draws headers (the canonical names, Chinese aliases, junk, duplicates), delimiters, encodings, row
lengths and cells (numbers, huge numbers, dates far and near, text, control characters, empty).  Every run must
end with exit code 0 (a result), 1 (a data error) or 2 (a usage error), with one ``Error:`` line on failure.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spareopt_cli.main import main

HEADERS = ["dealer", "part", "date", "period", "quantity", "unit_price", "配件编号", "数量", "日期", "经销商", "",
           "x", "part ", "Quantity", "qty"]
CELLS = st.one_of(
    st.sampled_from(["", " ", "D1", "D2", "P1", "P2", "0", "1", "3", "-2", "2.5", "1e300", "1e20", "nan", "inf",
                     "12,500", "2024-01-03", "2024-13-01", "2099-05-01", "0001-01-01", "202403", "45000", "合计",
                     "=1+1", "P\x001", "a\tb", "中文", "2024/02/03"]),
    st.text(max_size=12),
    st.integers(-10**20, 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])


VALID = {
    "dealer": st.sampled_from(["D1", "D2", "D3"]),
    "part": st.sampled_from(["P1", "P2", "0042", "滤清器"]),
    "date": st.builds(lambda y, m: f"{y}-{m:02d}-15", st.integers(2022, 2024), st.integers(1, 12)),
    "quantity": st.one_of(st.integers(-3, 40).map(str), st.sampled_from(["1.5", "0", ""])),
    "unit_price": st.sampled_from(["10", "2.5", "", "0"]),
}


@st.composite
def tables(draw):
    """Mostly a plausible history (the required columns, cells mostly valid, so that runs go deep), sometimes
    random headers; every cell may be hostile."""
    if draw(st.booleans()):
        width = draw(st.integers(1, 6))
        headers = draw(st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width))
        rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=width + 2), min_size=0, max_size=25))
        return headers, rows
    optional = [h for h in ("dealer", "unit_price") if draw(st.booleans())]
    headers = draw(st.permutations(["part", "date", "quantity", *optional]))
    hostile = draw(st.sampled_from([0.0, 0.01, 0.05, 0.2]))
    rows = []
    for _ in range(draw(st.integers(12, 80))):
        rows.append([draw(CELLS) if draw(st.floats(0, 1)) < hostile else draw(VALID[h]) for h in headers])
    return headers, rows


def _run(args: list[str]) -> None:
    result = CliRunner().invoke(main, args, prog_name="spareopt")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code:
        assert result.stderr.startswith("Error: ") or "Usage:" in result.stderr, result.output


@FUZZ
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))
def test_random_csv_never_fails_as_a_bug(tmp_path_factory, table, delimiter, encoding):
    headers, rows = table
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows([headers, *rows])
    text = buffer.getvalue()
    path = tmp_path_factory.mktemp("fuzz") / "sales.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8", errors="replace"))
    _run(["must-stock", str(path), "-q", "-o", str(path.with_name("out.csv"))])


@FUZZ
@given(table=tables())
def test_random_xlsx_never_fails_as_a_bug(tmp_path_factory, table):
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    headers, rows = table
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [headers, *rows]:  # a worksheet cannot hold the C0 controls: Excel never writes them
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
    path = tmp_path_factory.mktemp("fuzz") / "sales.xlsx"
    book.save(path)
    _run(["must-stock", str(path), "-q", "-o", str(path.with_name("out.csv"))])


@FUZZ
@given(table=tables(), numeric=st.booleans())
def test_random_parquet_never_fails_as_a_bug(tmp_path_factory, table, numeric):
    headers, rows = table
    names = list(dict.fromkeys(h or "blank" for h in headers))
    frame = pd.DataFrame([(r + [""] * len(names))[:len(names)] for r in rows], columns=names, dtype=object)
    if numeric and "quantity" in frame:
        frame["quantity"] = pd.to_numeric(frame["quantity"], errors="coerce")
    path = tmp_path_factory.mktemp("fuzz") / "sales.parquet"
    buffer = io.BytesIO()
    frame.astype({c: str for c in frame.columns if c != "quantity" or not numeric}).to_parquet(buffer)
    Path(path).write_bytes(buffer.getvalue())
    _run(["must-stock", str(path), "-q", "-o", str(path.with_name("out.csv"))])
