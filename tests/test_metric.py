"""Two echelons (spareopt.policy.metric): Sherbrooke's optimisation against exhaustive enumeration."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import spareopt
from spareopt.policy.budget import greedy_steps, step_order
from spareopt.policy.metric import TAILS, metric_backorders, metric_curves, metric_dealer_stock

TAIL = 1e-4


def _splits(total: int, bins: int) -> np.ndarray:
    """Every way of putting ``total`` units in ``bins`` places (rows)."""
    out = [np.array(c) for c in itertools.combinations_with_replacement(range(bins), total)]
    return np.array([np.bincount(c, minlength=bins) for c in out]) if total else np.zeros((1, bins), np.int64)


def _enumerated(rate: np.ndarray, lead: float, transfer: np.ndarray, most: int,
                objective: str = "backorders", dispersion: np.ndarray | float = 1.0) -> np.ndarray:
    """The least objective of one part for every total 0..most, over every (S_0; S_1..S_n) split: the dealers'
    backorders, or (``fill``) their demand missed at the shelf, sum_j lambda_j (1 - fill_j)."""
    n = len(rate)
    best = []
    for total in range(most + 1):
        plans = _splits(total, n + 1)  # column 0 is S_0
        k = len(plans)
        part = np.repeat(np.arange(k), n)
        plan = metric_backorders(part, np.tile(rate, k), plans[:, 1:].ravel(), plans[:, 0], np.full(k, lead),
                                 np.tile(transfer, k), np.tile(np.broadcast_to(dispersion, rate.shape), k))
        value = plan.dealer_backorders if objective == "backorders" else np.tile(rate, k) * (1 - plan.dealer_fill_rate)
        best.append(np.bincount(part, weights=value, minlength=k).min())
    return np.array(best)


# Sherbrooke (2004), Optimal Inventory Modeling of Systems, chapter 3: 5 identical bases of demand 23.2 a
# year, repaired at the base with chance 0.2 in 0.01 year, else ordered from the depot (order-and-ship 0.01
# year, depot turnaround 0.02531 year).  A base's pipeline 23.2 (0.2 x 0.01 + 0.8 (0.01 + delay)) is
# 18.56 (0.0125 + delay): a dealer of 18.56 a year, 0.0125 year from the central warehouse.
SHERBROOKE_RATE = np.full(5, 18.56)
SHERBROOKE_LEAD = 0.02531
SHERBROOKE_TRANSFER = np.full(5, 0.0125)
# total units: (S_0, EBO) at the optimum, as the book's table gives them
SHERBROOKE_OPTIMUM = {6: (1, 0.5743), 7: (2, 0.3269), 12: (2, 0.0393), 13: (3, 0.0197)}


def test_sherbrooke_chapter_3_five_bases_optimum_at_every_total():
    curves = metric_curves([0] * 5, SHERBROOKE_RATE, [SHERBROOKE_LEAD], SHERBROOKE_TRANSFER, [1.0])
    enumerated = _enumerated(SHERBROOKE_RATE, SHERBROOKE_LEAD, SHERBROOKE_TRANSFER, 16)
    assert curves.point_units[:17].tolist() == list(range(17))
    assert curves.point_value[:17] == pytest.approx(enumerated, rel=1e-9, abs=1e-12)
    for total, (central, ebo) in SHERBROOKE_OPTIMUM.items():
        assert curves.point_central[total] == central
        assert curves.point_value[total] == pytest.approx(ebo, abs=5e-5)
        assert curves.point_efficient[total]  # the book's four plans are vertices of the envelope
        dealers = metric_dealer_stock([0] * 5, SHERBROOKE_RATE, [SHERBROOKE_LEAD], SHERBROOKE_TRANSFER, [central],
                                      [total])
        assert dealers.sum() == total - central and dealers.max() - dealers.min() <= 1
        plan = metric_backorders([0] * 5, SHERBROOKE_RATE, dealers, [central], [SHERBROOKE_LEAD], SHERBROOKE_TRANSFER)
        assert plan.dealer_backorders.sum() == pytest.approx(curves.point_value[total], rel=1e-9)
    # the budget at 1 a unit buys the optimum at every total (one part: every total is a plan of its own)
    for total in range(1, 17):
        taken = greedy_steps(curves.steps, float(total))
        assert curves.steps.level[taken].max() == total


def _network(draw_parts, draw_dealers, rng):
    rates, leads, transfers, costs = [], [], [], []
    for _ in range(draw_parts):
        n = int(draw_dealers[len(rates)])
        rates.append(rng.uniform(0.002, 0.1, n))
        leads.append(rng.uniform(3.0, 40.0))
        transfers.append(rng.uniform(0.5, 10.0, n))
        costs.append(float(rng.integers(1, 4)))
    return rates, leads, transfers, costs


def _network_points(curves, n_parts: int):
    """The network's curve, the steps in marginal-analysis order: each prefix's cost, backorders removed, every
    part's total, and whether every part is at a vertex of its envelope (an efficient point of the network)."""
    order = step_order(curves.steps)
    spent = np.cumsum(curves.steps.cost[order])
    gained = np.cumsum(curves.steps.gain[order])
    totals = np.zeros((len(order), n_parts), dtype=np.int64)
    vertex = np.zeros((len(order), n_parts), dtype=bool)
    now = np.zeros(n_parts, dtype=np.int64)
    at = np.ones(n_parts, dtype=bool)
    for j, s in enumerate(order):
        row = curves.steps.row[s]
        now[row] = curves.steps.level[s]
        at[row] = curves.point_efficient[curves.step_point[s]]
        totals[j], vertex[j] = now, at
    return spent, gained, totals, vertex.all(axis=1)


def _part_value(curves, part: int, total: int) -> float:
    return float(curves.point_value[(curves.point_part == part) & (curves.point_units == total)][0])


@settings(max_examples=12, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(2, 4), min_size=3, max_size=3), st.integers(0, 2**32 - 1),
       st.sampled_from(["backorders", "fill"]))
def test_metric_curves_equal_enumeration_on_small_networks(n_parts, n_dealers, seed, objective):
    """Random small networks: every part's best plan per total equals enumeration (fill: at the envelope's
    vertices, and every other point is a real plan, no better than the optimum); at every efficient point of
    the network's curve (each part at a vertex) the objective equals the enumerated optimum for its cost, and
    between them the budget's plan is within one step of it."""
    rates, leads, transfers, costs = _network(n_parts, n_dealers, np.random.default_rng(seed))
    most = 8
    part = np.concatenate([np.full(len(r), i) for i, r in enumerate(rates)])
    curves = metric_curves(part, np.concatenate(rates), leads, np.concatenate(transfers), costs, objective=objective)
    enumerated = [_enumerated(r, lead, t, most, objective) for r, lead, t in zip(rates, leads, transfers)]
    # the curve stops where more units gain less than the tail; beyond it the enumeration still finds crumbs
    crumbs = [TAILS[objective] * most * (r.sum() if objective == "fill" else 1.0) for r in rates]
    for i in range(n_parts):
        mine = curves.point_part == i
        units, value, vertex = curves.point_units[mine], curves.point_value[mine], curves.point_efficient[mine]
        upto = units <= most
        exact = upto & (vertex if objective == "fill" else True)
        assert value[exact] == pytest.approx(enumerated[i][units[exact]], rel=1e-9, abs=crumbs[i])
        assert (value[upto] >= enumerated[i][units[upto]] - 1e-12).all()
        dealers = metric_dealer_stock(part, np.concatenate(rates), leads, np.concatenate(transfers),
                                      np.where(np.arange(n_parts) == i, curves.point_central[mine][-1], 0),
                                      np.where(np.arange(n_parts) == i, units[-1], 0), objective=objective)
        assert dealers[part == i].sum() == units[-1] - curves.point_central[mine][-1]
        assert (np.diff(curves.steps.gain[curves.steps.row == i]) <= 0).all()  # the envelope's gains fall
    spent, gained, totals, efficient = _network_points(curves, n_parts)
    start = sum(e[0] for e in enumerated)
    limit = most * min(costs)  # no plan within this cost has more than `most` units of a part
    # the value at the last efficient point at or before each step: a plan between two is no worse than it
    last = np.maximum.accumulate(np.where(efficient, np.arange(len(efficient)), -1))
    previous = np.where(last >= 0, start - gained[np.maximum(last, 0)], start)
    for j in np.flatnonzero(spent <= limit):
        best = min(sum(enumerated[i][x[i]] for i in range(n_parts))
                   for x in itertools.product(range(most + 1), repeat=n_parts)
                   if sum(costs[i] * x[i] for i in range(n_parts)) <= spent[j] + 1e-9)
        if efficient[j]:
            assert start - gained[j] == pytest.approx(best, rel=1e-9, abs=sum(crumbs))
        plan = sum(_part_value(curves, i, totals[j, i]) for i in range(n_parts))
        assert best - 1e-9 <= plan <= previous[j] + 1e-9


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 3), st.lists(st.integers(2, 4), min_size=3, max_size=3), st.integers(0, 2**32 - 1),
       st.sampled_from(["backorders", "fill"]))
def test_two_echelons_never_worse_than_the_dealers_alone(n_parts, n_dealers, seed, objective):
    """S_0 = 0 is one of the curves under the envelope: each part's best per total is at most the dealers-only
    one, and at every efficient point the network's objective is at most the dealers-only greedy's."""
    rates, leads, transfers, costs = _network(n_parts, n_dealers, np.random.default_rng(seed))
    part = np.concatenate([np.full(len(r), i) for i, r in enumerate(rates)])
    args = (part, np.concatenate(rates), leads, np.concatenate(transfers), costs)
    both, flat = metric_curves(*args, objective=objective), metric_curves(*args, central=False, objective=objective)
    assert (flat.point_central == 0).all()
    for i in range(n_parts):
        a = both.point_value[both.point_part == i]
        b = flat.point_value[flat.point_part == i]
        n = min(len(a), len(b))
        assert (a[:n] <= b[:n] + 1e-12).all()
    spent, _, totals, efficient = _network_points(both, n_parts)
    for j in np.flatnonzero(efficient):
        flat_taken = greedy_steps(flat.steps, float(spent[j]))
        flat_totals = np.zeros(n_parts, dtype=np.int64)
        np.maximum.at(flat_totals, flat.steps.row[flat_taken], flat.steps.level[flat_taken])
        ours = sum(_part_value(both, i, totals[j, i]) for i in range(n_parts))
        theirs = sum(_part_value(flat, i, flat_totals[i]) for i in range(n_parts))
        assert ours <= theirs + 1e-9


# -- the 8-dealer carparts network (README) ------------------------------------------------------------------

def test_two_echelons_on_the_8_dealer_carparts_network(tmp_path, monkeypatch):
    """carparts dealt to 8 dealers (examples/make_network.py): at every budget the two-echelon plan fills at
    least what the same budget at the dealers alone fills (objective fill), and leaves no more backorders than
    it (objective backorders); the CLI prints the comparison."""
    from spareopt.examples.make_network import SOURCE, dealer_network

    if not SOURCE.is_file():
        pytest.skip(f"{SOURCE} is absent (../shared/data is not part of the repository)")
    network = dealer_network(pd.read_csv(SOURCE, dtype={"part_id": str}))
    assert network["quantity"].sum() == 66_194 and network["dealer"].nunique() == 8
    path = tmp_path / "carparts_8_dealers.csv"
    network.to_csv(path, index=False)
    config = Path(__file__).resolve().parents[1] / "examples" / "carparts_evaluate.toml"
    for budget in (1_000.0, 5_000.0, 12_000.0):
        for objective in ("fill", "backorders"):
            optimized = spareopt.optimize(path, config=config, budget=budget, echelons=2, objective=objective)
            plans = optimized.comparison.set_index("plan")
            ours, flat = plans.loc["two echelons (optimized)"], plans.loc["all stock at dealers (optimized)"]
            assert ours["stock_value"] <= budget + 1e-9 and flat["stock_value"] <= budget + 1e-9
            if objective == "fill":
                assert ours["expected_fill_rate"] >= flat["expected_fill_rate"] - 1e-12, budget
            else:
                assert ours["expected_backorders"] <= flat["expected_backorders"] + 1e-9, budget
    monkeypatch.chdir(tmp_path)
    result = run_cli("optimize", str(path), "--budget", "5000", "--echelons", "2", "--config", str(config),
                     "-o", "network.csv")
    assert result.exit_code == 0, result.output
    assert "two echelons, objective fill, transfer 2 days" in result.output
    out = pd.read_csv("network.csv", dtype={"part": str})
    assert (out["stock_value"].sum()) <= 5000 + 1e-9 and set(out["location"]) == {"central", "dealer"}


# -- lumpy demand: the negative binomial pipelines ---------------------------------------------------------

def test_golden_negative_binomial_pipeline():
    """One dealer, no central stock: 0.05 units a day, T_0 = 30, T = 2, so the pipeline's mean is m = 1.6; variance
    3 x 1.6 (r = 3): NB(n = m / (r - 1) = 0.8, p = 1 / r).  P(0) = (1/3)^0.8 = 0.415244, P(1) = 0.8 (2/3) P(0) = 0.221463.

    EBO(2) = m - 2 + 2 P(0) + P(1) = 0.651951.  The shelf misses short(2) = 1 + sum_{x<2} (2 - x) P(x) g(x) with
    g(x) = (psi(n + x) - psi(n) + ln p) / (r - 1): g(0) = -ln 3 / 2 = -0.549306, g(1) = (1 / 0.8 - ln 3) / 2 = 0.075694,
    so short = 1 - 0.456192 + 0.016763 = 0.560572 and the fill rate is 0.439428 (Poisson's P(X <= 1) would promise
    0.524931)."""
    plan = metric_backorders([0], [0.05], [2], [0], [30.0], 2.0, dispersion=3.0)
    assert plan.dealer_backorders[0] == pytest.approx(0.651951, abs=1e-6)
    assert plan.dealer_fill_rate[0] == pytest.approx(0.439428, abs=1e-6)
    poisson = metric_backorders([0], [0.05], [2], [0], [30.0], 2.0)
    assert poisson.dealer_fill_rate[0] == pytest.approx(0.524931, abs=1e-6)
    same = metric_backorders([0], [0.05], [2], [0], [30.0], 2.0, dispersion=1.0)
    assert same.dealer_fill_rate[0] == poisson.dealer_fill_rate[0]  # r = 1 is Poisson, exactly


@settings(max_examples=8, deadline=None)
@given(st.integers(1, 2), st.lists(st.integers(2, 3), min_size=2, max_size=2), st.integers(0, 2**32 - 1),
       st.sampled_from(["backorders", "fill"]))
def test_lumpy_curves_equal_enumeration(n_parts, n_dealers, seed, objective):
    """With dispersions up to 4, each part's points are real plans no better than enumeration, and equal to it at
    the envelope's vertices (fill) or at every total (backorders, convex in each dealer's stock)."""
    rng = np.random.default_rng(seed)
    rates, leads, transfers, costs = _network(n_parts, n_dealers, rng)
    ratios = [rng.uniform(1.0, 4.0, len(r)) for r in rates]
    part = np.concatenate([np.full(len(r), i) for i, r in enumerate(rates)])
    curves = metric_curves(part, np.concatenate(rates), leads, np.concatenate(transfers), costs, objective=objective,
                           dispersion=np.concatenate(ratios))
    most = 6
    for i in range(n_parts):
        enumerated = _enumerated(rates[i], leads[i], transfers[i], most, objective, ratios[i])
        mine = (curves.point_part == i) & (curves.point_units <= most)
        units, value = curves.point_units[mine], curves.point_value[mine]
        crumbs = TAILS[objective] * most * (rates[i].sum() if objective == "fill" else 1.0)
        exact = curves.point_efficient[mine] if objective == "fill" else np.ones(len(units), bool)
        assert value[exact] == pytest.approx(enumerated[units[exact]], rel=1e-6, abs=crumbs)
        assert (value >= enumerated[units] - 1e-9).all()


def test_blocks_of_parts_give_the_same_curves(monkeypatch):
    """_dealer_units works through blocks of whole parts (small temporaries): the curves do not depend on them."""
    from spareopt.policy import metric

    rng = np.random.default_rng(11)
    part = np.repeat(np.arange(30), 4)
    args = (part, rng.uniform(0.01, 0.5, 120), rng.uniform(5, 40, 30), 2.0, rng.integers(1, 5, 30).astype(float))
    ratio = rng.uniform(1, 3, 120)
    for objective in ("fill", "backorders"):
        whole = metric_curves(*args, objective=objective, dispersion=ratio)
        monkeypatch.setattr(metric, "BLOCK_LEVELS", 17)
        blocked = metric_curves(*args, objective=objective, dispersion=ratio)
        monkeypatch.undo()
        for name in ("point_part", "point_units", "point_central", "step_point"):
            assert np.array_equal(getattr(whole, name), getattr(blocked, name)), name
        # the running sums start afresh in each block: the values agree to rounding
        assert blocked.point_value == pytest.approx(whole.point_value, rel=1e-9, abs=1e-10)
