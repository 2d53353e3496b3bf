"""Shared fixtures: one small sales history and parts master used by the I/O, history, parts and CLI tests.

The history has 3 dealers, 7 parts (one with leading zeros, ``00123``), 8 months
(2024-01..2024-08) of transaction lines, several lines per month for some
series, and two return lines (negative quantities), one of which makes a month's
net negative.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import spareopt

DEALERS = ("D01", "D02", "D03")
PARTS = ("00123", "A100", "B200", "C300", "E500", "F600", "G700")
MONTHS = tuple(f"2024-{m:02d}" for m in range(1, 9))

# part -> monthly quantity for dealer D01 (other dealers scale it)
_BASE = {
    "00123": [30, 28, 35, 31, 29, 33, 36, 30],  # wear part, high volume
    "A100": [4, 6, 5, 7, 6, 5, 4, 6],  # common part
    "B200": [1, 0, 2, 1, 0, 1, 2, 1],  # low volume
    "C300": [0, 1, 0, 0, 1, 0, 0, 1],  # expensive assembly
    "E500": [50, 52, 49, 55, 51, 50, 53, 54],  # oil: direct supply
    "F600": [10, 12, 9, 11, 10, 13, 12, 11],
    "G700": [3, 3, 2, 4, 3, 3, 2, 3],
}
_SCALE = {"D01": 1, "D02": 2, "D03": 1}


def _sales_lines() -> pd.DataFrame:
    rows = []
    for dealer in DEALERS:
        for part in PARTS:
            if dealer == "D03" and part == "G700":
                continue  # D03 never sold G700: not every dealer has every part
            for i, month in enumerate(MONTHS):
                qty = _BASE[part][i] * _SCALE[dealer]
                if qty == 0:
                    continue
                # split larger months into two transaction lines on different days
                if qty >= 10:
                    first = qty // 3
                    rows.append((dealer, part, f"{month}-05", first, 1.0))
                    rows.append((dealer, part, f"{month}-20", qty - first, 1.0))
                else:
                    rows.append((dealer, part, f"{month}-11", qty, 1.0))
    # returns: one netted inside a month that still has sales, one making the month negative
    rows.append(("D01", "A100", "2024-03-25", -2, 1.0))
    rows.append(("D02", "B200", "2024-02-14", -3, 1.0))  # D02/B200 sold 0 in 2024-02 -> net -3
    frame = pd.DataFrame(rows, columns=["dealer", "part", "date", "quantity", "unit_price"])
    prices = {"00123": 12.5, "A100": 40.0, "B200": 8.0, "C300": 5200.0, "E500": 3.2, "F600": 65.0, "G700": 21.0}
    frame["unit_price"] = frame["part"].map(prices)
    return frame


@pytest.fixture
def sales() -> pd.DataFrame:
    """Transaction lines: dealer, part (str), date (YYYY-MM-DD str), quantity (int), unit_price (float)."""
    return _sales_lines()


@pytest.fixture
def sales_monthly(sales: pd.DataFrame) -> pd.DataFrame:
    """The same sales pre-summed into monthly totals with a ``period`` column (YYYY-MM)."""
    frame = sales.assign(period=sales["date"].str[:7])
    return (frame.groupby(["dealer", "part", "period"], as_index=False)["quantity"].sum()
            [["dealer", "part", "period", "quantity"]])


def _parts_master() -> pd.DataFrame:
    """A small parts master.

    F600 and G700 descriptions start with ``=`` and ``+`` (formulas in a spreadsheet); G700 has a
    2-day supply cycle, so D01 keeps it centrally (SSQ < 1) while D02 stocks it.
    """
    return pd.DataFrame({
        "part": ["00123", "A100", "B200", "C300", "E500", "F600", "G700"],
        "description": ["brake pad set", "air filter", "reversing light switch", "cylinder block",
                        "engine oil 4L", "=SUM(A1:A9)", "+wiper blade"],
        "unit_cost": [12.5, 40.0, 8.0, 5200.0, 3.2, 65.0, 21.0],
        "lead_time_days": [7, 5, 10, 30, 0, 7, 1],
        "order_cycle_days": [7, 7, 14, 30, 0, 7, 1],
        "attribute": ["A", "B", "B", "C", "A", "A", "B"],
    })


@pytest.fixture
def parts_master() -> pd.DataFrame:
    return _parts_master()


def write_csv(frame: pd.DataFrame, path: Path, **kwargs) -> Path:
    """Write a frame as CSV without the index (a DMS export)."""
    frame.to_csv(path, index=False, **kwargs)
    return path


@pytest.fixture
def sales_csv(tmp_path: Path, sales: pd.DataFrame) -> Path:
    return write_csv(sales, tmp_path / "sales.csv")


@pytest.fixture
def parts_csv(tmp_path: Path, parts_master: pd.DataFrame) -> Path:
    return write_csv(parts_master, tmp_path / "parts.csv")


def assert_same_table(left: pd.DataFrame | spareopt.Result, right: pd.DataFrame | spareopt.Result) -> None:
    """Equal tables (of two results: their tables; the run report names the file, so it is not compared)."""
    left = left.table if isinstance(left, spareopt.Result) else left
    right = right.table if isinstance(right, spareopt.Result) else right
    pd.testing.assert_frame_equal(left, right)


@pytest.fixture
def text_file(tmp_path):
    """Write ``text`` to ``tmp_path / name`` in ``encoding`` and return the path."""

    def make(text: str, name: str = "sales.csv", encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return path

    return make


def run_cli(*args: str, input: bytes | None = None):
    """Run ``spareopt ARGS`` in-process; a traceback or an unexpected exception fails the test."""
    from spareopt_cli.main import main

    result = CliRunner().invoke(main, list(args), input=input, prog_name="spareopt")
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code != 3, result.output  # an internal error (a bug) fails every CLI test
    if result.exit_code == 1 and os.environ.get(CORPUS_VARIABLE):
        _keep_inputs(args, Path(os.environ[CORPUS_VARIABLE]))
    return result


CORPUS_VARIABLE = "SPAREOPT_BAD_CORPUS"
"""Set to a folder: every input file of a CLI run that a test saw fail with exit 1 is copied there
(``tests/make_bad_corpus.py``; ``tests/test_no_traceback.py`` runs them through every command)."""

_KINDS = {"--parts": "parts", "--stock": "stock", "--config": "config", "--supersessions": "supersessions",
          "--dealers": "dealers"}
_CORPUS_MAX_BYTES = 64 * 1024


def _keep_inputs(args: tuple[str, ...], corpus: Path) -> None:
    """The run's input files, by kind (the history: the command's argument), named by their content."""
    import hashlib
    import shutil

    for i, arg in enumerate(args):
        kind = "history" if i == 1 and not arg.startswith("-") else _KINDS.get(args[i - 1]) if i else None
        path = Path(arg)
        if kind is None or not path.is_file() or path.stat().st_size > _CORPUS_MAX_BYTES:
            continue
        digest = hashlib.sha1(path.read_bytes()).hexdigest()[:12]
        corpus.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, corpus / f"{kind}-{digest}{''.join(path.suffixes[-2:])}")


class Terminal(io.StringIO):
    """A text stream that says it is a terminal (what the progress bar draws on)."""

    def isatty(self) -> bool:
        return True


def terminal(monkeypatch: pytest.MonkeyPatch) -> Terminal:
    """Standard error as a terminal, kept in memory (set in the test itself: pytest's capture resets sys.stderr
    between a fixture and the test)."""
    stream = Terminal()
    monkeypatch.setattr(sys, "stderr", stream)
    return stream


@pytest.fixture
def cli_files(tmp_path, monkeypatch, sales, parts_master):
    """Run in tmp_path, holding sales.csv and parts.csv, so that messages show short names."""
    monkeypatch.chdir(tmp_path)
    sales.to_csv("sales.csv", index=False)
    parts_master.to_csv("parts.csv", index=False)
    return tmp_path


def make_history(rng: np.random.Generator, n_dealers: int = 12, n_parts: int = 40, n_months: int = 30) -> pd.DataFrame:
    """Order lines in no particular order, with decimal prices and quantities, returns and a few late dealers."""
    rows = []
    months = pd.period_range("2021-01", periods=n_months, freq="M")
    for d in range(n_dealers):  # test data: a loop is fine here
        sold = rng.choice(n_parts, size=rng.integers(8, n_parts), replace=False)
        for p in sold:
            rate = rng.gamma(0.6, 2.0)
            counts = rng.poisson(rate, n_months)
            for m in np.flatnonzero(counts):
                for _ in range(counts[m]):
                    rows.append((f"D{d:02d}", f"P{p:03d}", months[m].to_timestamp() + pd.Timedelta(days=int(
                        rng.integers(0, 27))), float(rng.choice([1, 1, 1, 2, 0.5, 3, -1])),
                        round(float(rng.uniform(3, 400)), 2) if rng.random() > 0.1 else np.nan))
    frame = pd.DataFrame(rows, columns=["dealer", "part", "date", "quantity", "unit_price"])
    frame = frame.iloc[rng.permutation(len(frame))].reset_index(drop=True)
    frame.loc[frame["dealer"] == "D11", "date"] += pd.Timedelta(days=400)  # a dealer partly after as_of
    return frame


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in tmp_path, holding the hostile-input tests' plain history ok.csv and an earlier output out.csv
    (tests/hostile.py)."""
    from hostile import BODY, HEADER, PREVIOUS

    monkeypatch.chdir(tmp_path)
    Path("out.csv").write_bytes(PREVIOUS)
    Path("ok.csv").write_text(HEADER + BODY, encoding="utf-8")
    return tmp_path


@pytest.fixture(scope="session")
def job_reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """The run report of every job on the bundled example, with its optional sections switched on: a floor, an
    installed base, current levels and a supersession chain in the master; caps; two echelons."""
    examples = Path(__file__).resolve().parents[1] / "examples"
    history, plain, stock = examples / "carparts_sample.csv", examples / "parts_master.csv", examples / "stock.csv"
    folder = tmp_path_factory.mktemp("rich")
    parts = pd.read_csv(plain, dtype={"part": str})
    sold = pd.read_csv(history, dtype={"part_id": str})["part_id"].drop_duplicates().tolist()
    parts["min_stock"] = [2 if i % 9 == 0 else None for i in range(len(parts))]
    parts["installed_base"] = [None if i % 4 == 0 else 500 + 10 * i for i in range(len(parts))]
    parts["reorder_point"], parts["max_stock"] = 1, 3
    parts.to_csv(folder / "parts.csv", index=False)
    pd.DataFrame({"old_part": [sold[0]], "new_part": [sold[1]]}).to_csv(folder / "sup.csv", index=False)
    parts, common = folder / "parts.csv", {"supersessions": folder / "sup.csv"}
    costs = {"defaults": {"unit_cost": 10.0}}  # a budget needs every part's unit_cost
    runs = {
        "must-stock": spareopt.must_stock(history, parts, **common),
        "must-stock-sl": spareopt.must_stock(history, parts, policy="service-level",
                                             config={"lead_time_demand": "poisson_gamma"}, **common),
        "classify": spareopt.classes(history, parts, mc_method="ramanathan", **common),
        "forecast": spareopt.forecasts(history, parts, methods=["ses", "auto"], **common),
        "evaluate": spareopt.evaluate(history, parts, holdout_months=6, **common,
                                      policies=["seed", "traditional", "service-level", "current", "optimized"]),
        "optimize": spareopt.optimize(history, parts, budget=3000.0, **common),
        "last-buy": spareopt.last_buy(history, parts, horizon_months=24, service_level=0.95, stock=stock,
                                      budget=500.0, all_parts=True, config=costs, **common),
        "order": spareopt.order(history, parts, stock=stock, budget=200.0, config=costs, **common),
        "dead-stock": spareopt.dead_stock(history, parts, stock=stock, **common),
        "kpi": spareopt.kpi(history, parts, stock=stock, **common),
        "two-echelon": spareopt.evaluate(history, plain, holdout_months=6,
                                         policies=["seed", "two-echelon", "two-echelon-dealers"]),
        "optimize-2": spareopt.optimize(history, plain, budget=3000.0, echelons=2),
    }
    return {name: result.report for name, result in runs.items()}
