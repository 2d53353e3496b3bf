"""The two-echelon replay (spareopt.replay.replay_echelons) against hand-worked cases and METRIC's own figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import spareopt
from spareopt.policy.metric import metric_backorders
from spareopt.replay import replay_echelons
from spareopt.timing import DAYS_PER_MONTH


def test_golden_one_dealer_one_step_a_month():
    """Hand-worked: S_j = 1, S_0 = 1, T_0 = T = 1 month, demand 1 then 2.  Month 0 sells the shelf's unit, and the
    central unit goes out to replace it.  Month 1 receives it and sells it; the second unit is backordered.  The
    central warehouse, its unit back from the supplier, ships 1 of the 2 ordered at once, which reaches the dealer a
    month later.  2 of 3 units met at once from the shelf, 1 unit-month waited; 2 of 3 shipped at once centrally."""
    r = replay_echelons([[1, 2]], [0], [1], [1], central_lead_months=1.0, transfer_months=1.0, steps_per_month=1)
    assert r.dealers.filled.tolist() == [2.0]
    assert r.dealers.fill_rate.tolist() == pytest.approx([2 / 3])
    assert r.wait_days.tolist() == pytest.approx([DAYS_PER_MONTH / 3])
    assert r.dealers.hits.tolist() == [2] and r.dealers.hits_filled.tolist() == [1]
    assert r.central_fill_rate.tolist() == pytest.approx([2 / 3])
    assert r.central_avg_on_hand.tolist() == pytest.approx([0.0])


def test_first_come_first_served_at_the_central_warehouse():
    """Two dealers of one part, no central stock: each unit reaches its dealer T_0 + T after its sale, whatever the
    other dealer ordered since (FIFO, not shared in proportion).  Dealer 0 sells 1 unit in month 0, dealer 1 sells
    3 in month 1; with T_0 = 1 and T = 1 month, dealer 0's unit is back in month 2, before its next sale."""
    demand = [[1, 0, 1], [0, 3, 0]]
    r = replay_echelons(demand, [0, 0], [1, 0], [0], central_lead_months=1.0, transfer_months=1.0, steps_per_month=1)
    assert r.dealers.filled.tolist() == [2.0, 0.0]
    # dealer 1 holds nothing: its 3 units wait T_0 + T = 2 months each, 1 month of it inside the holdout's last step
    assert r.wait_days[1] == pytest.approx(2 * DAYS_PER_MONTH)


def test_no_central_stock_every_order_waits_the_lead_time_and_the_transfer():
    """S_0 = 0, S_j = 0: every unit waits T_0 + T (whole steps), met at once never."""
    rng = np.random.default_rng(3)
    demand = rng.poisson(2.0, size=(5, 24)).astype(float)
    demand[:, -3:] = 0.0  # every backorder is served before the end
    r = replay_echelons(demand, np.zeros(5, int), np.zeros(5), [0], central_lead_months=1.0, transfer_months=0.5)
    assert (r.dealers.filled == 0).all() and (r.dealers.fill_rate == 0).all()
    assert r.wait_days == pytest.approx(np.full(5, 1.5 * DAYS_PER_MONTH), rel=0.03)


def test_plenty_of_stock_fills_everything():
    demand = np.random.default_rng(4).poisson(3.0, size=(4, 12))
    r = replay_echelons(demand, [0, 0, 1, 1], [500] * 4, [500, 0], central_lead_months=[2.0, 0.5],
                        transfer_months=0.1)
    assert r.dealers.filled == pytest.approx(demand.sum(axis=1))
    assert (r.wait_days == 0).all() and (r.dealers.hits_filled == r.dealers.hits).all()


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 2**32 - 1))
def test_replay_properties(n_dealers, n_parts, seed):
    """Filled is at most demanded; fill and central fill in [0, 1]; more stock anywhere never fills less."""
    rng = np.random.default_rng(seed)
    n = n_dealers * n_parts
    part = np.repeat(np.arange(n_parts), n_dealers)
    demand = rng.poisson(rng.uniform(0.2, 4.0, n)[:, None], size=(n, 8)).astype(float)
    stock, central = rng.integers(0, 4, n), rng.integers(0, 4, n_parts)
    lead = rng.uniform(0.1, 2.0, n_parts)
    base = replay_echelons(demand, part, stock, central, central_lead_months=lead, transfer_months=0.1, seed=seed)
    assert (base.dealers.filled <= base.dealers.demand + 1e-9).all()
    known = base.dealers.demand > 0
    assert ((base.dealers.fill_rate[known] >= 0) & (base.dealers.fill_rate[known] <= 1 + 1e-12)).all()
    ordered = np.isfinite(base.central_fill_rate)
    assert ((base.central_fill_rate[ordered] >= 0) & (base.central_fill_rate[ordered] <= 1 + 1e-12)).all()
    more = replay_echelons(demand, part, stock + 1, central + 1, central_lead_months=lead, transfer_months=0.1,
                           seed=seed)
    assert more.dealers.filled.sum() >= base.dealers.filled.sum() - 1e-9


def _replicated_fill(replayed: object, copies: int, dealers: int) -> np.ndarray:
    """The fill rate of each dealer position over the network's copies (each copy is a part of its own)."""
    filled = replayed.dealers.filled.reshape(copies, dealers).sum(axis=0)
    return filled / replayed.dealers.demand.reshape(copies, dealers).sum(axis=0)


COPIES = 20  # the network replayed as 20 parts of 200 months each: 4,000 months of each dealer, one vector step


@pytest.mark.parametrize("central, stock", [(0, [3, 1, 2, 4]), (2, [2, 1, 1, 3]), (1, [2, 1, 1, 3])])
def test_replay_of_poisson_demand_meets_metric(central, stock):
    """Poisson demand over 4,000 months (20 copies of the network, 200 months each): with S_0 = 0 METRIC is exact
    (every order waits T_0), and the replay's fill matches it within sampling noise; with central stock METRIC's
    Poisson wait is an approximation, within 0.04."""
    rate = np.array([2.0, 0.5, 1.0, 3.0])  # units a month
    demand = np.random.default_rng(1).poisson(np.tile(rate, COPIES)[:, None], size=(4 * COPIES, 4000 // COPIES))
    part = np.repeat(np.arange(COPIES), 4)
    replayed = replay_echelons(demand, part, np.tile(stock, COPIES), [central] * COPIES, central_lead_months=1.0,
                               transfer_months=2 / DAYS_PER_MONTH)
    metric = metric_backorders([0] * 4, rate / DAYS_PER_MONTH, stock, [central], [DAYS_PER_MONTH], 2.0)
    assert _replicated_fill(replayed, COPIES, 4) == pytest.approx(metric.dealer_fill_rate,
                                                                  abs=0.02 if central == 0 else 0.04)


def test_lumpy_demand_needs_the_negative_binomial():
    """Monthly demand with variance 4x its mean: the negative binomial METRIC promises what the replay delivers
    (within 0.04), the Poisson one over-promises."""
    rng = np.random.default_rng(2)
    mean, ratio = 1.5, 4.0
    n_shape = mean / (ratio - 1)
    demand = rng.negative_binomial(n_shape, 1 / ratio, size=(3 * COPIES, 4000 // COPIES))
    stock = [3, 5, 8]
    replayed = replay_echelons(demand, np.arange(3 * COPIES), np.tile(stock, COPIES), [0] * (3 * COPIES),
                               central_lead_months=1.0, transfer_months=2 / DAYS_PER_MONTH)
    args = ([0, 1, 2], np.full(3, mean / DAYS_PER_MONTH), stock, [0, 0, 0], np.full(3, DAYS_PER_MONTH), 2.0)
    lumpy, poisson = metric_backorders(*args, dispersion=ratio), metric_backorders(*args)
    fill = _replicated_fill(replayed, COPIES, 3)
    assert fill == pytest.approx(lumpy.dealer_fill_rate, abs=0.04)
    assert (poisson.dealer_fill_rate > fill + 0.04).all()


@pytest.mark.parametrize("kwargs, message", [
    ({"demand": [[1, -1]]}, "`demand` must be finite and >= 0"),
    ({"part": [0, 1]}, "`part` must be a scalar or have shape (1,)"),
    ({"part": [-1]}, "`part` must be a whole number >= 0; 1 of 1 rows break it (first: row 0 = -1). Number the parts"),
    ({"dealer_stock": [1.5]}, "`dealer_stock` must be a whole number >= 0"),
    ({"central_stock": [-1]}, "`central_stock` must be a whole number >= 0; 1 of 1 rows break it (first: row 0 = -1)"),
    ({"central_stock": [1, 1]}, ("`central_stock` must have one value per part, shape (1,) (the parts of `part` "
                                 "are 0..0); got shape (2,)")),
    ({"central_lead_months": -1.0}, "`central_lead_months` must be finite and >= 0; got -1. An order placed"),
    ({"central_lead_months": [1.0, 1.0]}, ("`central_lead_months` must be a scalar or have shape (1,), one value "
                                           "per part; got shape (2,)")),
    ({"transfer_months": float("nan")}, "`transfer_months` must be a finite number >= 0; got nan"),
    ({"steps_per_month": 0}, "`steps_per_month` must be a whole number >= 1; got 0"),
    ({"steps_per_month": 2.5}, "`steps_per_month` must be a whole number >= 1; got 2.5"),
])
def test_bad_arguments_name_the_argument(kwargs, message):
    args = {"demand": [[1, 2]], "part": [0], "dealer_stock": [1], "central_stock": [1], "central_lead_months": 1.0,
            "transfer_months": 0.1, **kwargs}
    demand, part, stock, central = (args.pop(k) for k in ("demand", "part", "dealer_stock", "central_stock"))
    with pytest.raises(ValueError, match=__import__("re").escape(message)):
        replay_echelons(demand, part, stock, central, **args)


# -- evaluate --policy two-echelon, two-echelon-dealers ------------------------------------------------------

def test_evaluate_two_echelon_policies_from_python(sales, parts_master):
    """Both plans spend the same investment (central stock counted); the replay's rows carry METRIC's promise;
    the report gives METRIC's wait against the replay's."""
    result = spareopt.evaluate(sales, parts_master, holdout_months=2, policies=["two-echelon", "two-echelon-dealers"],
                               budget=2000.0)
    table = result.table
    totals = result.totals.set_index("policy")
    assert (totals["initial_investment"] <= 2000.0 + 1e-9).all()
    notes = result.report["evaluation"]
    assert notes["two-echelon-dealers"]["central_stock_value"] == 0.0
    assert notes["two-echelon"]["spent"] == pytest.approx(totals.loc["two-echelon", "initial_investment"])
    for policy in ("two-echelon", "two-echelon-dealers"):
        rows = table[table["policy"] == policy]
        stocked = rows["stocked"].to_numpy()
        assert rows["promised_fill_rate"][stocked].between(0, 1).all() and rows["promised_csl"].isna().all()
        assert (rows["reorder_point"][stocked] == rows["max_stock"][stocked] - 1).all()  # one for one
        assert notes[policy]["wait_days"] is not None
    assert set(result.calibration["policy"]) == {"two-echelon", "two-echelon-dealers"}


def test_evaluate_two_echelon_from_the_cli(cli_files):
    result = run_cli("evaluate", "sales.csv", "--parts", "parts.csv", "--holdout-months", "2", "--policy",
                     "seed,two-echelon,two-echelon-dealers", "--budget", "2000", "--totals", "totals.csv",
                     "-o", "replay.csv")
    assert result.exit_code == 0, result.output
    assert "two-echelon (objective fill, transfer 2 days): central stock" in result.output
    assert "waited" in result.output and "METRIC expected" in result.output
    totals = pd.read_csv("totals.csv")
    assert totals["policy"].tolist() == ["seed", "two-echelon", "two-echelon-dealers"]


def test_two_echelon_policies_refuse_what_they_cannot_do(cli_files, sales, parts_master):
    """A planner's min_stock, and the stream engine (each part's central stock spans the network): clear errors."""
    with pytest.raises(spareopt.ConfigError, match="two echelons do not take a planner's min_stock yet"):
        spareopt.evaluate(sales, parts_master.assign(min_stock=1), holdout_months=2, policies=["two-echelon"])
    sales.to_parquet("sales.parquet")
    result = run_cli("evaluate", "sales.parquet", "--holdout-months", "2", "--policy", "two-echelon", "--engine",
                     "stream", "-o", "replay.csv")
    assert result.exit_code == 2 and "use --engine local" in result.output and not Path("replay.csv").exists()
