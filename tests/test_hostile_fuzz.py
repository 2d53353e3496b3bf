"""Hostile input, generated (issue 23): random CSV, XLSX and Parquet files never make a command print a
traceback or fail as an internal error, and no run's peak memory exceeds a bound set by the file's size.

Hypothesis draws headers (the canonical names, Chinese aliases, junk, duplicates), delimiters, encodings, row
lengths and cells (numbers, huge numbers, dates far and near, text, control characters, empty).  Every run must
end with exit code 0 (a result), 1 (a data error) or 2 (a usage error), with one ``Error:`` line on failure.
:func:`test_random_files_stay_within_a_memory_bound_set_by_their_size` runs each file in a forked child and
measures the child's peak resident memory (:func:`peak_rise_kb`).
"""

from __future__ import annotations

import csv
import io
import os
import pickle
import resource
import select
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
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
def tables(draw, plausible: bool = False):
    """Mostly a plausible history (the required columns, cells mostly valid, so that runs go deep), sometimes
    random headers; every cell may be hostile.  ``plausible``: always the required columns, and at most 1% hostile
    cells (most runs reach a plan)."""
    if not plausible and draw(st.booleans()):
        width = draw(st.integers(1, 6))
        headers = draw(st.lists(st.sampled_from(HEADERS), min_size=width, max_size=width))
        rows = draw(st.lists(st.lists(CELLS, min_size=0, max_size=width + 2), min_size=0, max_size=25))
        return headers, rows
    optional = [h for h in ("dealer", "unit_price") if draw(st.booleans())]
    headers = draw(st.permutations(["part", "date", "quantity", *optional]))
    hostile = draw(st.sampled_from([0.0, 0.01] if plausible else [0.0, 0.01, 0.05, 0.2]))
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


def _csv_file(folder: Path, table: tuple[list[str], list[list[str]]], delimiter: str, encoding: str) -> Path:
    headers, rows = table
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\n").writerows([headers, *rows])
    text = buffer.getvalue()
    path = folder / "sales.csv"
    try:
        path.write_bytes(text.encode(encoding))
    except UnicodeEncodeError:
        path.write_bytes(text.encode("utf-8", errors="replace"))
    return path


def _xlsx_file(folder: Path, table: tuple[list[str], list[list[str]]]) -> Path:
    import openpyxl
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    headers, rows = table
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [headers, *rows]:  # a worksheet cannot hold the C0 controls: Excel never writes them
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
    path = folder / "sales.xlsx"
    book.save(path)
    return path


def _parquet_file(folder: Path, table: tuple[list[str], list[list[str]]], numeric: bool) -> Path:
    headers, rows = table
    names = list(dict.fromkeys(h or "blank" for h in headers))
    frame = pd.DataFrame([(r + [""] * len(names))[:len(names)] for r in rows], columns=names, dtype=object)
    if numeric and "quantity" in frame:
        frame["quantity"] = pd.to_numeric(frame["quantity"], errors="coerce")
    path = folder / "sales.parquet"
    buffer = io.BytesIO()
    frame.astype({c: str for c in frame.columns if c != "quantity" or not numeric}).to_parquet(buffer)
    Path(path).write_bytes(buffer.getvalue())
    return path


@FUZZ
@given(table=tables(), delimiter=st.sampled_from([",", ";", "\t", "|"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gbk", "utf-16"]))
def test_random_csv_never_fails_as_a_bug(tmp_path_factory, table, delimiter, encoding):
    path = _csv_file(tmp_path_factory.mktemp("fuzz"), table, delimiter, encoding)
    _run(["must-stock", str(path), "-q", "-o", str(path.with_name("out.csv"))])


@FUZZ
@given(table=tables())
def test_random_xlsx_never_fails_as_a_bug(tmp_path_factory, table):
    path = _xlsx_file(tmp_path_factory.mktemp("fuzz"), table)
    _run(["must-stock", str(path), "-q", "-o", str(path.with_name("out.csv"))])


@FUZZ
@given(table=tables(), numeric=st.booleans())
def test_random_parquet_never_fails_as_a_bug(tmp_path_factory, table, numeric):
    path = _parquet_file(tmp_path_factory.mktemp("fuzz"), table, numeric)
    _run(["must-stock", str(path), "-q", "-o", str(path.with_name("out.csv"))])


# -- peak memory ----------------------------------------------------------------------------------------------------

LINUX = pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KB and fork are Linux's")

BASE_KB = 200 * 1024
"""What a run may add to its process whatever the file: the modules a command imports on first use (openpyxl,
pyarrow, scipy's special functions: about 60 MB together), numpy and pandas workspace, the run report."""

PER_BYTE = 50
"""What a run may hold per byte of its file: the text (1x), the cells as Python strings or Arrow buffers before
they are coded (about 10x for short cells), the coded columns, the demand matrix and the plan's copies.  A real
blow-up is orders of magnitude above it: one 100 KB part number made every identifier that wide (240x the file),
one line dated year 0001 a matrix of 24,288 months (1,200x a 10 MB file)."""


def memory_bound_kb(file_bytes: int) -> int:
    """The most a run on a file of ``file_bytes`` may raise its process's peak resident memory, in KB."""
    return BASE_KB + PER_BYTE * file_bytes // 1024


def peak_rise_kb(work: Callable[[], Any], timeout: float = 120.0) -> tuple[Any, int]:
    """``work()`` in a forked child: what it returns, and how far the child's peak resident memory rose (KB).

    A forked child's ``ru_maxrss`` starts at its resident size at the fork (the parent's pages it maps), not at 0,
    so the rise is the peak at the end less the peak at the start.  The result comes back pickled through a pipe;
    an exception in the child comes back as ``("raised", repr)``.  Linux only (``ru_maxrss`` in KB).
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 0
        try:
            os.close(read)
            start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                result = work()
            except BaseException as err:  # noqa: BLE001 - reported to the parent, which fails the test
                result = ("raised", repr(err))
            rise = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - start
            payload = pickle.dumps((result, rise))
            with os.fdopen(write, "wb") as pipe:
                pipe.write(payload)
        except BaseException:  # noqa: BLE001 - the parent sees the exit status
            status = 1
        finally:
            os._exit(status)
    os.close(write)
    chunks = []
    with os.fdopen(read, "rb") as pipe:
        while True:
            ready, _, _ = select.select([pipe], [], [], timeout)
            if not ready:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                raise AssertionError(f"the measured child ran over {timeout:.0f} s")
            chunk = os.read(pipe.fileno(), 1 << 16)
            if not chunk:
                break
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    assert status == 0 and chunks, f"the measured child failed (wait status {status})"
    return pickle.loads(b"".join(chunks))


def _measured_run(path: Path) -> tuple[int, str, str]:
    """``spareopt must-stock PATH -o out.csv -q`` in process (the child's): exit code, stderr, exception."""
    result = CliRunner().invoke(main, ["must-stock", str(path), "-q", "-o", str(path.with_name("out.csv"))],
                                prog_name="spareopt")
    exception = "" if result.exception is None or isinstance(result.exception, SystemExit) else repr(result.exception)
    return result.exit_code, result.stderr, exception


@LINUX
def test_the_memory_measure_sees_a_blow_up_and_not_the_parent():
    """The helper itself: 500 MB allocated in the child is a rise of 500 MB, over the bound of an empty file; a
    child that allocates nothing rises by little, though it maps all of the parent's pages."""
    held = np.ones(64 * 1024 * 1024 // 8)  # 64 MB in the parent: a child that maps it does not count it
    total, rise = peak_rise_kb(lambda: float(np.ones(500 * 1024 * 1024 // 8).sum()))
    assert total == 500 * 1024 * 1024 // 8 and rise > 480 * 1024, rise
    assert rise > memory_bound_kb(0)
    _, idle = peak_rise_kb(lambda: None)
    assert idle < 20 * 1024, idle
    del held


MEASURED = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


@LINUX
@MEASURED
@given(table=st.one_of(tables(), tables(plausible=True)), repeat=st.sampled_from([1, 1, 40]),
       delimiter=st.sampled_from([",", ";", "\t"]), encoding=st.sampled_from(["utf-8", "gbk", "utf-16"]))
def test_random_files_stay_within_a_memory_bound_set_by_their_size(tmp_path_factory, table, repeat, delimiter,
                                                                    encoding):
    """Each generated table as a CSV, an XLSX and a Parquet file (its rows ``repeat`` times, up to about 200 KB),
    each run in a child of its own: a result or one ``Error:`` line (exit 0, 1 or 2, never 3), and a peak memory
    rise under :func:`memory_bound_kb` of the file's size."""
    import openpyxl  # noqa: F401 - imported here once, not counted in every child
    import pyarrow.parquet  # noqa: F401

    headers, rows = table
    table = (headers, rows * repeat)
    folder = tmp_path_factory.mktemp("measured")
    for kind, make in (("csv", lambda: _csv_file(folder, table, delimiter, encoding)),
                       ("xlsx", lambda: _xlsx_file(folder, table)),
                       ("parquet", lambda: _parquet_file(folder, table, numeric=True))):
        path = make()
        (code, stderr, exception), rise = peak_rise_kb(lambda p=path: _measured_run(p))
        assert not exception and "Traceback" not in stderr, exception or stderr
        assert code in (0, 1, 2), stderr
        assert not code or stderr.startswith("Error: ") or "Usage:" in stderr, stderr
        size = path.stat().st_size
        bound = memory_bound_kb(size)
        assert rise < bound, f"peak rose {rise / 1024:,.0f} MB on a {size:,}-byte {kind}, over {bound / 1024:,.0f} MB"
