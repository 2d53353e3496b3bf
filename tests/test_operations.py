"""``spareopt order``, ``dead-stock`` and ``kpi``: the parts desk's weekly jobs, from Python and the CLI.

A hand-checked two-dealer network.  Every part sells the same every month for 12 months
(2024-01..2024-12) and the config makes the seed's plan plain: SSQ ~ 0 (``ssq_divisor`` 1e12, below the 1e-9 ceiling tolerance),
L/T = O/C = one month (30.4375 days), so reorder_point = MAD and max_stock = 2 MAD:

- P: 3 a month at both dealers (s = 3, S = 6), packs of 4;
- Q: 10 a month at both dealers (s = 10, S = 20), minimum order 25;
- R: sold once, 5 units in 2024-01 at D1 (11 months before as_of; half-year quantity 0: not stocked);
- S: never sold (only in the stock file).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import spareopt
from spareopt.jobs.dead_stock import AGING_BUCKETS, aging_bucket, match_transfers
from spareopt.jobs.kpi import KPI_COLUMNS
from spareopt.jobs.order import ORDER_COLUMNS, order_quantity

MONTH = 365.25 / 12
SETUP = {"ssq_divisor": 1e12, "central_ssq_min": 0,
         "defaults": {"lead_time_days": MONTH, "order_cycle_days": MONTH}}
MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]


def _history() -> pd.DataFrame:
    rows = [(d, p, m, q) for d in ("D1", "D2") for p, q in (("P", 3), ("Q", 10)) for m in MONTHS]
    rows.append(("D1", "R", "2024-01", 5))
    return pd.DataFrame(rows, columns=["dealer", "part", "period", "quantity"])


def _master() -> pd.DataFrame:
    return pd.DataFrame({"part": ["P", "Q", "R", "S"], "description": ["filter", "pad", "bracket", "badge"],
                         "unit_cost": [10.0, 4.0, 50.0, 7.0], "pack_size": [4, 1, 1, 1],
                         "min_order_qty": [None, 25, None, None],
                         "status": ["active", "active", "discontinued", "active"]})


@pytest.fixture
def history() -> pd.DataFrame:
    return _history()


@pytest.fixture
def master() -> pd.DataFrame:
    return _master()


def _stock(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["dealer", "part", "on_hand", "on_order", "reserved"])


# -- order ------------------------------------------------------------------------------------------

def test_golden_order_with_pack_and_minimum(history, master):
    stock = _stock([("D1", "P", 1, 0, 0), ("D2", "P", 4, 0, 0), ("D1", "Q", 12, 0, 0), ("D2", "Q", 8, 0, 3)])
    result = spareopt.order(history, master, SETUP, stock=stock)
    table = result.table
    assert list(table.columns) == list(ORDER_COLUMNS)
    lines = table.set_index(["dealer", "part"])
    # D1/P: IP 1 <= s 3: S - IP = 5 rounds up to 2 packs of 4 = 8
    assert lines.loc[("D1", "P"), ["inventory_position", "reorder_point", "max_stock", "order_qty"]].tolist() == \
        [1.0, 3, 6, 8]
    assert lines.loc[("D1", "P"), "order_value"] == 80.0
    # D2/Q: IP = 8 - 3 reserved = 5 <= 10: S - IP = 15, raised to the minimum order 25
    assert lines.loc[("D2", "Q"), ["inventory_position", "order_qty", "reason"]].tolist() == [5.0, 25, "reorder"]
    # D2/P (IP 4 > 3) and D1/Q (IP 12 > 10) are not ordered; R is not stocked; S has no history
    assert sorted(lines.index) == [("D1", "P"), ("D2", "Q")]
    assert table["dealer"].tolist() == ["D1", "D2"]
    totals = result.totals.set_index("dealer")
    assert totals.loc["D1", ["lines", "units", "value"]].tolist() == [1, 8.0, 80.0]
    assert totals.loc["D2", ["lines", "units", "value"]].tolist() == [1, 25.0, 100.0]


def test_order_sorts_by_value_and_budget_cuts_by_priority(history, master):
    stock = _stock([("D1", "P", 0, 0, 0), ("D1", "Q", 0, 0, 0)])
    full = spareopt.order(history, master, SETUP, stock=stock).table
    d1 = full[full["dealer"] == "D1"]
    # P: 6 -> 8 units x 10 = 80; Q: 20 -> 25 units x 4 = 100; value order: Q first
    assert d1["part"].tolist() == ["Q", "P"] and d1["order_value"].tolist() == [100.0, 80.0]
    # priority by SSQ: Q (MAD 10) before P (MAD 3); a budget of 90 cuts Q (100) and keeps P (80)
    assert d1.set_index("part")["priority"].to_dict() == {"Q": 1, "P": 2}
    cut = spareopt.order(history, master, SETUP, stock=stock, budget=90.0)
    lines = cut.table[cut.table["dealer"] == "D1"].set_index("part")
    assert lines.loc["Q", ["order_qty", "reason"]].tolist() == [0, "budget_cut"]
    assert lines.loc["P", ["order_qty", "reason"]].tolist() == [8, "reorder"]
    totals = cut.totals.set_index("dealer")
    assert totals.loc["D1", ["lines", "value", "cut_lines", "cut_value", "budget"]].tolist() == [1, 80.0, 1, 100.0, 90.0]
    assert cut.report["order"]["cut_lines"] >= 1


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(-20, 60), st.integers(0, 40), st.integers(0, 40), st.integers(1, 12),
                          st.integers(0, 30)), min_size=1, max_size=30))
def test_order_quantity_properties(rows):
    ip, s, extra, pack, least = (np.array(c, dtype=np.float64) for c in zip(*rows))
    big_s = s + extra
    q = order_quantity(ip, s, big_s, pack_size=pack, min_order_qty=least)
    assert (q >= 0).all() and (q % pack == 0).all()
    assert (q[ip > s + 1e-9] == 0).all()  # no order above the reorder point (1e-9: the ceiling tolerance)
    ordered = q > 0
    assert (ip[ordered] + q[ordered] >= big_s[ordered] - 1e-9).all()
    assert (q[ordered] >= least[ordered]).all()
    assert (q[ordered] - pack[ordered] < np.maximum(big_s - ip, least)[ordered] + 1e-9).all()  # the smallest pack


# -- dead stock -------------------------------------------------------------------------------------

def test_golden_transfer_between_two_dealers(history, master):
    # D2 holds 14 P (S = 6: 8 too many); D1 holds 1 (IP 1 <= s 3) and would order 6 - 1 = 5
    stock = _stock([("D1", "P", 1, 0, 0), ("D2", "P", 14, 0, 0)])
    result = spareopt.dead_stock(history, master, SETUP, stock=stock)
    row = result.table.set_index(["dealer", "part"]).loc[("D2", "P")]
    assert row[["excess_qty", "transfer_qty", "transfer_to", "return_qty", "action"]].tolist() == \
        [8.0, 5.0, "D1 x5", 3.0, "transfer"]
    transfers = result.transfers
    assert transfers[["part", "from_dealer", "to_dealer", "quantity", "value"]].values.tolist() == \
        [["P", "D2", "D1", 5.0, 50.0]]


def test_aging_buckets_actions_and_flags(history, master):
    stock = _stock([("D1", "R", 4, 0, 0), ("D2", "S", 2, 0, 0), ("D1", "Q", 30, 0, 0)])
    result = spareopt.dead_stock(history, master, SETUP, stock=stock)
    table = result.table.set_index(["dealer", "part"])
    r, s_, q = table.loc[("D1", "R")], table.loc[("D2", "S")], table.loc[("D1", "Q")]
    # R: last sold 2024-01, 11 months before as_of; not stocked (max 0), discontinued, sold within 24 months: hold
    assert (r["months_since_demand"], r["aging_bucket"], r["decision"]) == (11, "7-12", "none")
    assert r[["excess_qty", "hold_qty", "action"]].tolist() == [4.0, 4.0, "hold"]
    # S: never sold: >24, no history anywhere, so scrap review
    assert pd.isna(s_["months_since_demand"]) and s_["aging_bucket"] == ">24" and s_["flag"] == "no_history"
    assert s_[["scrap_review_qty", "action"]].tolist() == [2.0, "scrap_review"]
    # Q: 30 against S = 20 at D1; D2 has no Q row, so IP 0 <= 10: it takes the 10 units
    assert q[["excess_qty", "transfer_qty", "transfer_to"]].tolist() == [10.0, 10.0, "D2 x10"]
    aging = result.aging
    network = aging[aging["dealer"] == "(network)"].set_index("aging_bucket")
    assert network.loc["7-12", "value"] == 200.0 and network.loc[">24", "value"] == 14.0
    assert network.loc["0-3", "value"] == 120.0


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["D1", "D2"]), st.sampled_from(["P", "Q", "R", "S"]),
                          st.integers(0, 60), st.integers(0, 5), st.integers(0, 3)), min_size=1, max_size=8,
                unique_by=lambda r: r[:2]))
def test_dead_stock_properties(rows):
    history, master = _history(), _master()
    result = spareopt.dead_stock(history, master, SETUP, stock=_stock(rows))
    table, aging = result.table, result.aging
    network = aging[aging["dealer"] == "(network)"]
    assert network["value"].sum() == pytest.approx(np.nansum(table["stock_value"]))  # buckets sum to the value
    split = table["transfer_qty"] + table["return_qty"] + table["hold_qty"] + table["scrap_review_qty"]
    assert np.allclose(split, table["excess_qty"])
    transfers = result.transfers
    if len(transfers):
        sent = transfers.groupby(["from_dealer", "part"])["quantity"].sum()
        excess = table.set_index(["dealer", "part"])["excess_qty"]
        assert all(sent[k] <= excess[k] + 1e-9 for k in sent.index)
        order = spareopt.order(history, master, SETUP, stock=_stock(rows)).table
        need = order.set_index(["dealer", "part"])
        got = transfers.groupby(["to_dealer", "part"])["quantity"].sum()
        for key, qty in got.items():  # never more than the receiver would order before rounding
            assert qty <= need.loc[key, "max_stock"] - need.loc[key, "inventory_position"] + 1e-9


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=25))
def test_match_transfers_never_exceeds_either_side(rows):
    part, excess, need = (np.array(c) for c in zip(*rows))
    sender, receiver = excess > 0, (need > 0) & (excess == 0)
    f, t, q = match_transfers(part, sender, excess, receiver, need)
    assert (q > 0).all() and (part[f] == part[t]).all()
    assert (np.bincount(f, weights=q, minlength=len(part)) <= excess + 1e-9).all()
    assert (np.bincount(t, weights=q, minlength=len(part)) <= np.where(receiver, need, 0) + 1e-9).all()
    for p in np.unique(part):
        moved = q[part[f] == p].sum()
        assert moved == min(excess[(part == p) & sender].sum(), need[(part == p) & receiver].sum())


def test_aging_bucket_edges():
    assert [AGING_BUCKETS[b] for b in aging_bucket([0, 3, 4, 6, 7, 12, 13, 24, 25, np.nan])] == \
        ["0-3", "0-3", "4-6", "4-6", "7-12", "7-12", "13-24", "13-24", ">24", ">24"]


# -- KPIs -------------------------------------------------------------------------------------------

def test_golden_kpi(history, master):
    stock = _stock([("D1", "P", 6, 0, 0), ("D1", "Q", 0, 0, 0), ("D1", "R", 2, 0, 0), ("D2", "Q", 40, 0, 0)])
    result = spareopt.kpi(history, master, SETUP, stock=stock)
    table = result.table
    assert list(table.columns) == list(KPI_COLUMNS)
    d1, _d2, network = (table.iloc[i] for i in range(3))
    assert (d1["scope"], d1["dealer"], network["scope"]) == ("dealer", "D1", "network")
    # D1: stock 6 x 10 + 2 x 50 = 160; COGS 12 months: 36 x 10 + 120 x 4 + 5 x 50 = 1,090
    assert (d1["stock_value"], d1["cogs_12m"]) == (160.0, 1090.0)
    assert d1["turns"] == pytest.approx(1090 / 160)
    assert d1["days_of_supply"] == pytest.approx(160 / (1090 / 365.25))
    assert (d1["value_share_0-3"], d1["value_share_7-12"]) == (pytest.approx(60 / 160), pytest.approx(100 / 160))
    # must-stock parts at D1: P and Q; only P has stock
    assert (d1["must_stock_parts"], d1["must_stock_in_stock"], d1["must_stock_coverage"]) == (2, 1, 0.5)
    assert network["stock_value"] == 160.0 + 160.0
    assert sum(network[f"value_share_{b}"] for b in AGING_BUCKETS) == pytest.approx(1.0)
    assert 0 < network["projected_fill_rate"] <= 1
    parts = result.parts.set_index(["dealer", "part"])
    assert parts.loc[("D2", "Q"), "days_of_supply"] == pytest.approx(40 / (120 / 365.25))


# -- bad input and the CLI ------------------------------------------------------------------------

@pytest.fixture
def files(tmp_path, monkeypatch, history, master):
    monkeypatch.chdir(tmp_path)
    history.to_csv("sales.csv", index=False)
    master.to_csv("parts.csv", index=False)
    _stock([("D1", "P", 1, 0, 0), ("D2", "P", 14, 0, 0), ("D2", "S", 2, 0, 0)]).to_csv("stock.csv", index=False)
    Path("setup.toml").write_text("ssq_divisor = 1e12\ncentral_ssq_min = 0\n[defaults]\nlead_time_days = 30.4375\n"
                                  "order_cycle_days = 30.4375\n", encoding="utf-8")
    return tmp_path


BASE = ("sales.csv", "--parts", "parts.csv", "--config", "setup.toml", "--stock", "stock.csv")


def test_cli_order_dead_stock_and_kpi(files):
    result = run_cli("order", *BASE, "-o", "order.csv", "--totals", "totals.csv")
    assert result.exit_code == 0, result.output
    # Q is a must-stock part with no stock row: IP 0, so both dealers order it (25, the minimum order)
    assert pd.read_csv("order.csv")[["dealer", "part", "order_qty"]].values.tolist() == \
        [["D1", "Q", 25], ["D1", "P", 8], ["D2", "Q", 25]]
    assert "order: 3 lines, 58 units, value 280.00" in result.output
    assert "1 stock rows have no sales up to as_of (flag no_history) (first: S)" in result.output
    assert pd.read_csv("totals.csv")["lines"].tolist() == [2, 1]
    dead = run_cli("dead-stock", *BASE, "-o", "dead.xlsx", "--transfers", "moves.csv", "--aging", "aging.csv")
    assert dead.exit_code == 0, dead.output
    assert pd.read_csv("moves.csv")[["from_dealer", "to_dealer", "quantity"]].values.tolist() == [["D2", "D1", 5.0]]
    assert "excess 10 units (94.00): transfer 5 in 1 moves, return 3, hold 0, scrap review 2" in dead.output
    assert set(pd.read_csv("aging.csv")["aging_bucket"]) == set(AGING_BUCKETS)
    kpi = run_cli("kpi", *BASE, "-o", "kpi.csv", "--plot", "kpi.png", "--by-part", "dos.csv")
    assert kpi.exit_code == 0, kpi.output
    assert pd.read_csv("kpi.csv")["scope"].tolist() == ["dealer", "dealer", "network"]
    assert Path("kpi.png").read_bytes()[:4] == b"\x89PNG" and Path("dos.csv").exists()


@pytest.mark.parametrize("command", ["order", "dead-stock", "kpi"])
def test_cli_parquet_output_is_the_table_alone(files, command):
    """The results carry side tables (totals, aging, transfers); Parquet gets the table only."""
    for out in ("out.csv", "out.parquet"):
        result = run_cli(command, *BASE, "-o", out, "-q")
        assert result.exit_code == 0, result.output
    parquet = pd.read_parquet("out.parquet")
    assert parquet.attrs == {}
    pd.testing.assert_frame_equal(parquet.astype(object).where(parquet.notna(), None).reset_index(drop=True),
                                  pd.read_csv("out.csv").astype(object).where(pd.read_csv("out.csv").notna(), None),
                                  check_dtype=False)


@pytest.mark.parametrize("stock, message", [
    ("dealer,part,on_hand\nD1,P,-2\n",
     ("Error: stock.csv: `on_hand` must be >= 0 (units); 1 row(s) break it (first: row 2 '-2'). Fix: correct the "
     "on_hand; a part owed to customers goes in reserved")),
    ("dealer,part,on_hand\nD9,P,2\n",
     ("Error: stock.csv: 1 dealer(s) of the stock file are not in the history sales.csv (first: 'D9'; the history "
     "has 'D1', 'D2'). Fix: use the same dealer codes in both files")),
    ("part,on_hand\nP,2\n",
     ("Error: stock.csv: the stock file has no dealer column but the history sales.csv has dealers ('D1', 'D2'); "
     "add a dealer column (or map it with --column dealer=HEADER)")),
])
def test_cli_bad_stock_exits_1_and_keeps_the_output(files, stock, message):
    Path("stock.csv").write_text(stock, encoding="utf-8")
    Path("out.csv").write_text("previous\n", encoding="utf-8")
    for command in ("order", "dead-stock", "kpi"):
        result = run_cli(command, *BASE, "-o", "out.csv")
        assert result.exit_code == 1
        assert result.output == message + "\n"
        assert Path("out.csv").read_text(encoding="utf-8") == "previous\n"


def test_cli_bad_pack_size_exits_1(files, master):
    master.loc[0, "pack_size"] = 0
    master.to_csv("parts.csv", index=False)
    result = run_cli("order", *BASE)
    assert result.exit_code == 1
    assert result.output.startswith("Error: parts.csv: `pack_size` must be a whole number >= 1; 1 row(s) break it")


def test_cli_stock_is_required_and_a_budget_must_be_a_number(files):
    assert run_cli("order", "sales.csv").exit_code == 2
    assert run_cli("order", *BASE, "--budget", "lots").exit_code == 2
    negative = run_cli("order", *BASE, "--budget", "-5")
    assert negative.exit_code == 1 and negative.output == "Error: budget must be a finite number >= 0 (per dealer); " \
                                                          "got -5.0\n"


def test_operations_run_on_the_bundled_example():
    from importlib import resources

    data = resources.files("spareopt.examples")
    with resources.as_file(data / "carparts_sample.csv") as sales, resources.as_file(data / "parts_master.csv") as \
            parts, resources.as_file(data / "stock.csv") as stock:
        for command in ("order", "dead-stock", "kpi"):
            result = run_cli(command, str(sales), "--parts", str(parts), "--stock", str(stock), "-q")
            assert result.exit_code == 0, result.output
            assert len(result.output.splitlines()) > 1
