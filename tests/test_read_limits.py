"""The bounds a history is read within, as config keys (issue 23): ``since`` (``--since``) leaves out the lines
before a month, and counts them; ``max_id_length`` and ``max_history_months`` bound the arrays a file can make."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

import spareopt
from spareopt.history import ReadLimits

PREVIOUS = b"previous output\n"


def _lines(extra: list[tuple[str, str, str, int]] = ()) -> pd.DataFrame:
    rows = [("D1", f"P{i % 4}", f"2024-{1 + i % 12:02d}-05", 1 + i % 3) for i in range(96)]
    rows += [("D2", f"P{i % 3}", f"2023-{1 + i % 12:02d}-09", 2) for i in range(48)]
    return pd.DataFrame(rows + list(extra), columns=["dealer", "part", "date", "quantity"])


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("out.csv").write_bytes(PREVIOUS)
    typo = _lines([("D1", "P1", "0222-05-05", 5), ("D2", "P7", "1999-05-05", 4)])
    typo.to_csv("sales.csv", index=False)
    typo.to_parquet("sales.parquet")
    return tmp_path


def test_a_year_typo_names_since_as_the_fix(desk):
    result = run_cli("must-stock", "sales.csv", "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (1, (
        "Error: sales.csv: `date` must be within 40 years of the history's end (2024-12), from 1985-01 on; 1 row(s) "
        "break it (first: row 146 '0222-05-05'). Fix: correct the year (a typo?), or pass --since 1985-01 to leave "
        "out the lines before\n"))
    assert Path("out.csv").read_bytes() == PREVIOUS


@pytest.mark.parametrize("engine", ["local", "stream"])
def test_since_leaves_out_the_lines_before_and_counts_them(desk, engine):
    """The plan with --since is the plan of the history without those lines, on both engines."""
    history = "sales.csv" if engine == "local" else "sales.parquet"
    result = run_cli("must-stock", history, "--since", "2000-01", "--engine", engine, "-o", "out.csv")
    assert result.exit_code == 0, result.output
    assert "  ignored 2 rows before since 2000-01" in result.stderr.splitlines()
    _lines().to_csv("clean.csv", index=False)
    assert run_cli("must-stock", "clean.csv", "-o", "clean_out.csv", "-q").exit_code == 0
    assert Path("out.csv").read_bytes() == Path("clean_out.csv").read_bytes()


def test_since_from_python_and_from_the_config_file(desk):
    by_key = spareopt.must_stock("sales.csv", config={"since": "2023-06"})
    Path("since.toml").write_text('since = "2023-06"\n', encoding="utf-8")
    by_file = run_cli("must-stock", "sales.csv", "--config", "since.toml", "-o", "out.csv", "-q")
    assert by_file.exit_code == 0, by_file.output
    assert by_key.report["rows_before_since"] == 2 + 5 * 4  # the two typos, and D2's 2023-01..05 lines
    assert by_key.report["since"] == "2023-06" and by_key.report["first_period"] == "2023-06"
    pd.testing.assert_frame_equal(pd.read_csv("out.csv", dtype={"part": str}),
                                  pd.read_csv(_written(by_key.table), dtype={"part": str}))


def _written(frame: pd.DataFrame) -> str:
    spareopt.write_table(frame, "expected.csv")
    return "expected.csv"


def test_since_after_every_line(desk):
    result = run_cli("must-stock", "sales.csv", "--since", "2030-01", "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (1, (
        "Error: sales.csv: no line is dated from since 2030-01 on (the last is 2024-12); pass an earlier --since "
        "(config since)\n"))
    assert Path("out.csv").read_bytes() == PREVIOUS


@pytest.mark.parametrize(("toml", "message"), [
    ('since = "2024"', "config key since must be a month YYYY-MM, got '2024'"),
    ("max_id_length = 0", "config key max_id_length must be a whole number in [1, 100,000], got 0"),
    ("max_history_months = 5000", "config key max_history_months must be a whole number in [12, 2,400], got 5000"),
])
def test_bad_limits_in_the_config(desk, toml, message):
    Path("bad.toml").write_text(toml + "\n", encoding="utf-8")
    result = run_cli("must-stock", "sales.csv", "--config", "bad.toml", "-o", "out.csv", "-q")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and message in result.stderr, result.output
    assert Path("out.csv").read_bytes() == PREVIOUS


def test_max_id_length_is_the_bound_of_a_part_number(desk):
    _lines([("D1", "P" + "X" * 299, "2024-03-03", 1)]).to_csv("long.csv", index=False)
    result = run_cli("must-stock", "long.csv", "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (1, (
        "Error: long.csv: `part` must be at most 256 characters; 1 row(s) break it (first: row 146 "
        f"'P{'X' * 39}'... (300 characters)). Fix: correct the part cells (a whole row pasted into one cell?), or map "
        "another column, or raise max_id_length in the config\n"))
    Path("long.toml").write_text("max_id_length = 300\n", encoding="utf-8")
    result = run_cli("must-stock", "long.csv", "--config", "long.toml", "-o", "out.csv", "-q")
    assert result.exit_code == 0, result.output
    assert ("P" + "X" * 299) in pd.read_csv("out.csv")["part"].tolist()


def test_max_history_months_bounds_the_span(desk):
    frame = _lines([("D1", "P2", "2019-06-05", 1)])
    with pytest.raises(spareopt.InputError, match=r"must be within 5 years of the history's end \(2024-12\), from "
                                                  r"2020-01 on; 1 row\(s\) break it"):
        spareopt.load_history(frame, limits=ReadLimits(max_history_months=60))
    with pytest.raises(spareopt.InputError, match=r"must be within 61 months of the history's end"):
        spareopt.load_history(frame, limits=ReadLimits(max_history_months=61))
    assert len(spareopt.load_history(frame, limits=ReadLimits(max_history_months=72)).lines["part"]) == 145


def test_the_limits_of_a_config():
    cfg = spareopt.Config(since="2020-3", max_id_length=40, max_history_months=120)
    assert cfg.since == "2020-03"
    assert ReadLimits.of(cfg) == ReadLimits(int(pd.Period("2020-03", freq="M").ordinal), 40, 120)
    assert ReadLimits.of(spareopt.Config()) == ReadLimits()
    assert np.iinfo(np.int64).max > ReadLimits().max_history_months
