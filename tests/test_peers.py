"""The peers of issue 26's end-to-end benchmark: a polars script and DuckDB SQL of the seed method.

Each must compute spareopt's seed columns, or the benchmark would time a different job.  Skipped without the
``peers`` extra (polars, duckdb).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest

import spareopt
from spareopt.synth import make_network

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.e2e import SEED_COLUMNS, compare, end_to_end


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    folder = tmp_path_factory.mktemp("network")
    make_network(15, 400, 24, seed=5, path=folder)
    history, parts = folder / "history.parquet", folder / "parts.parquet"
    table = spareopt.must_stock(history, parts).table
    return history, parts, table[["dealer", "part", *SEED_COLUMNS]]


def test_the_polars_script_computes_spareopts_seed_columns(network):
    pl = pytest.importorskip("polars")
    from benchmarks.peer_polars import seed_plan

    history, parts, ours = network
    theirs = seed_plan(str(history), str(parts))
    assert isinstance(theirs, pl.DataFrame)
    assert compare(ours, theirs.to_pandas()) == "equal"
    assert set(ours["decision"]) == {"dealer", "central", "none"}  # every kind of row is compared


def test_the_duckdb_sql_computes_spareopts_seed_columns(network):
    pytest.importorskip("duckdb")
    from benchmarks.peer_duckdb import seed_plan

    history, parts, ours = network
    assert compare(ours, seed_plan(history, parts)) == "equal"


@pytest.fixture(scope="module")
def near_tie(tmp_path_factory):
    """Dealer D1's P1 (MAD 2, O/C + L/T 30 days: SSQ 10) and P2 (MAD 1, 60.000000003 days: SSQ 10.0000000005): SSQs
    within 1e-9 are a tie, which MAD breaks (P1 first, though P2's SSQ is the larger)."""
    folder = tmp_path_factory.mktemp("near_tie")
    month = pd.date_range("2024-01-01", periods=6, freq="MS") + pd.Timedelta(days=14)
    lines = pd.DataFrame([("D1", "P1", month[5], 7), ("D1", "P2", month[3], 1), ("D1", "P2", month[4], 1),
                          ("D1", "P2", month[5], 2), ("D2", "P1", month[0], 20), ("D2", "P2", month[0], 20)],
                         columns=["dealer", "part", "date", "quantity"])
    lines.to_parquet(folder / "history.parquet", index=False)
    pd.DataFrame({"part": ["P1", "P2"], "unit_cost": [10.0, 20.0], "lead_time_days": [25.0, 55.000000003],
                  "order_cycle_days": [5, 5], "attribute": ["A", "B"]}).to_parquet(folder / "parts.parquet",
                                                                                  index=False)
    history, parts = folder / "history.parquet", folder / "parts.parquet"
    table = spareopt.must_stock(history, parts).table
    d1 = table[table["dealer"] == "D1"].set_index("part")
    assert d1.loc["P2", "ssq"] > d1.loc["P1", "ssq"] and d1.loc["P1", "priority"] == 1  # the case holds
    return history, parts, table[["dealer", "part", *SEED_COLUMNS]]


@pytest.mark.parametrize("peer", ["polars", "duckdb"])
def test_the_peers_take_ssqs_within_the_tolerance_as_a_tie(near_tie, peer):
    pytest.importorskip(peer)
    seed_plan = __import__(f"benchmarks.peer_{peer}", fromlist=["seed_plan"]).seed_plan
    history, parts, ours = near_tie
    theirs = seed_plan(str(history), str(parts))
    assert compare(ours, theirs if isinstance(theirs, pd.DataFrame) else theirs.to_pandas()) == "equal"


def test_compare_names_the_column_and_rows_that_differ(network):
    _, _, ours = network
    theirs = ours.copy()
    stocked = theirs.index[theirs["decision"] == "dealer"][:3]
    theirs.loc[stocked, "max_stock"] += 1
    verdict = compare(ours, theirs)
    assert verdict.startswith("max_stock: 3 rows differ (first ")
    assert compare(ours, theirs.iloc[1:]).endswith("rows against spareopt's " + f"{len(ours):,}")
    shifted = theirs.assign(mad=theirs["mad"] * (1 + 1e-6))
    assert "mad:" in compare(ours, shifted)


def test_the_end_to_end_run_times_every_command_and_checks_the_peers(network, capsys):
    pytest.importorskip("polars")
    pytest.importorskip("duckdb")
    history, parts, _ = network
    median = end_to_end(history, parts, 1, label="test")
    out = capsys.readouterr().out
    assert set(median) >= {"I/O floor: pyarrow read + CSV write", "spareopt must-stock, CSV out",
                           "spareopt must-stock, Parquet out", "peer: polars script of the seed method, CSV out",
                           "peer: DuckDB script of the seed method, Parquet out"}
    assert all(seconds > 0 for seconds in median.values())
    assert "check: the polars script's seed columns against spareopt's: equal" in out
    assert "check: the DuckDB script's seed columns against spareopt's: equal" in out
    assert "target: spareopt CSV out <= 2x I/O floor: " in out
