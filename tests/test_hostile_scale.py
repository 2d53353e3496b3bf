"""Hostile input, the scale family (issue 23): sizes are bounded before they are allocated.

One part number of 100 KB in a 10 MB file would make every identifier array that wide (2.4 GB); one line dated
year 0001 would make a matrix of 24,288 months (12 GB).  Both now stop at the check, with the row named, and the
run's peak memory is measured: under 1 GB.  An XLSX whose used range is the whole sheet reads only its table,
and an XLSX output of many dealers is one sheet, not one per dealer.  (The generated files of
test_hostile_fuzz.py have their peak memory bounded by their size.)
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import run_cli
from hostile import BODY, HEADER, write

from spareopt.history import MAX_HISTORY_MONTHS, MAX_ID_LENGTH

PEAK_LIMIT_KB = 1 << 20  # 1 GB, as ru_maxrss counts it on Linux (KB)


def _ten_megabytes(path: Path, bad_line: str) -> Path:
    """About 10 MB of plain sales lines (20 dealers x 2,000 parts x 24 months, sampled), then ``bad_line``."""
    rng = np.random.default_rng(23)
    n = 420_000
    dealer = rng.integers(0, 20, n)
    part = rng.integers(0, 2000, n)
    month = rng.integers(0, 24, n)
    text = np.char.add(np.char.add(np.char.add("D", dealer.astype(str)), ",P"), part.astype(str))
    date = np.char.add(np.char.add(np.array(["2023-", "2024-"])[month // 12], np.char.zfill((month % 12 + 1).astype(str), 2)),
                       "-15")
    body = np.char.add(np.char.add(np.char.add(text, ","), date), ",1")
    path.write_text("dealer,part,date,quantity\n" + "\n".join(body.tolist()) + "\n" + bad_line + "\n",
                    encoding="utf-8")
    assert path.stat().st_size > 9_000_000
    return path


def _run_measured(path: Path) -> tuple[int, str, int]:
    """``spareopt must-stock PATH`` in a process of its own, with its peak resident memory (KB)."""
    probe = ("import resource, subprocess, sys; "
             "r = subprocess.run([sys.executable, '-m', 'spareopt', 'must-stock', sys.argv[1], '-q'], "
             "capture_output=True, text=True); "
             "sys.stdout.write(f'{r.returncode}\\n{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\\n'); "
             "sys.stdout.write(r.stderr)")
    done = subprocess.run([sys.executable, "-c", probe, str(path)], capture_output=True, text=True, check=True)
    code, peak, stderr = done.stdout.split("\n", 2)
    return int(code), stderr, int(peak)


@pytest.mark.skipif(sys.platform != "linux", reason="ru_maxrss in KB is Linux's")
@pytest.mark.parametrize(("bad_line", "message"), [
    ("D1," + "X" * 100_000 + ",2024-05-15,1",
     (f"`part` must be at most {MAX_ID_LENGTH} characters; 1 row(s) break it (first: row 420002 "
     f"'{'X' * 40}'... (100,000 characters)). Fix: correct the part cells (a whole row pasted into one cell?), or map "
     "another column, or raise max_id_length in the config")),
    ("D1,P7,0001-05-15,1",
     (f"`date` must be within {MAX_HISTORY_MONTHS // 12} years of the history's end (2024-12), from 1985-01 on; "
     "1 row(s) break it (first: row 420002 '0001-05-15'). Fix: correct the year (a typo?), or pass --since 1985-01 to "
     "leave out the lines before")),
])
def test_one_huge_cell_or_one_far_date_stops_at_the_check_under_1_gb(tmp_path, bad_line, message):
    path = _ten_megabytes(tmp_path / "sales.csv", bad_line)
    code, stderr, peak = _run_measured(path)
    assert (code, stderr) == (1, f"Error: {path}: {message}\n")
    assert peak < PEAK_LIMIT_KB, f"peak {peak / 1024:,.0f} MB"


def test_an_xlsx_whose_used_range_is_the_whole_sheet_reads_only_its_table(tmp_path):
    """A stray cell at XFD1048576 declares a used range of 16,384 x 1,048,576 cells (5.3 GB and 61 s to read it
    all): the header is looked for in the first rows and columns, and the rows are read as wide as the header."""
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["dealer", "part", "date", "quantity"])
    for m in range(1, 13):
        sheet.append(["D1", "P1", f"2024-{m:02d}-01", 3])
    sheet["XFD1048576"] = "stray"
    book.save(tmp_path / "far.xlsx")
    code, stderr, peak = _run_measured(tmp_path / "far.xlsx")
    assert (code, stderr) == (0, "")
    assert peak < PEAK_LIMIT_KB // 2, f"peak {peak / 1024:,.0f} MB"
    alone = openpyxl.Workbook()
    alone.active["XFD1048576"] = "stray"
    alone.save(tmp_path / "alone.xlsx")
    code, stderr, _ = _run_measured(tmp_path / "alone.xlsx")
    assert (code, stderr) == (1, (f"Error: file {tmp_path / 'alone.xlsx'} has no sheet with data (sheets: Sheet); put "
                                 "the table with its header row in the first sheet\n"))


def test_an_xlsx_output_of_many_dealers_is_one_sheet(here, monkeypatch):
    import openpyxl

    import spareopt.io

    monkeypatch.setattr(spareopt.io, "XLSX_MAX_SHEETS", 1)
    write("two.csv", HEADER + BODY + BODY.replace("D1,", "D2,"))
    assert run_cli("must-stock", "two.csv", "-o", "out.xlsx", "-q").exit_code == 0
    assert openpyxl.load_workbook("out.xlsx", read_only=True).sheetnames == ["summary", "network"]
