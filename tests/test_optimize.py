"""``spareopt optimize`` and the ``optimized`` policy of ``evaluate``: the most expected demand filled for a budget.

The kernel (spareopt.policy.budget) is checked against an enumeration of every plan of a tiny
catalogue and against pulp's integer optimum; the pipeline and the CLI on small networks.
"""

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
from spareopt import InfeasibleError
from spareopt.policy import budget as budget_kernel
from spareopt.policy.budget import Steps, efficient_curve, greedy_steps, integer_steps, pool_steps, service_steps
from spareopt.policy.service import implied_service

MONTH = 365.25 / 12

# a tiny catalogue: Poisson demand of 1, 0.5 and 0.25 a month, L = R = one month, so Q = 1 and, over L + R, L and R,
# the means 2 f, f and f
RATE = np.array([1.0, 0.5, 0.25])  # units a month
DEMAND = 12 * RATE  # units a year
MEAN = 2 * RATE  # over L + R
COST = np.array([3.0, 5.0, 2.0])


def _fill(row: int, s: int) -> float:
    """The policy's implied fill rate of (s, s + 1): what the optimizer must value a level at."""
    if s < 0:
        return 0.0
    return float(implied_service([s], [s + 1], RATE[row], RATE[row], MONTH, MONTH).implied_fill_rate[0])


def _enumerate(budget: float, top: int = 7) -> float:
    """The best sum D fill(s) over every plan with sum cost x S <= budget (S = s + 1, or 0 unstocked)."""
    best = 0.0
    for plan in itertools.product(range(-1, top), repeat=len(DEMAND)):
        cost = sum(COST[i] * (s + 1) for i, s in enumerate(plan) if s >= 0)
        if cost <= budget + 1e-9:
            best = max(best, sum(DEMAND[i] * _fill(i, s) for i, s in enumerate(plan)))
    return best


def _steps(pooled: bool = True):
    return service_steps(DEMAND, MEAN, MEAN, np.zeros(3, np.int8), np.ones(3), RATE, RATE, RATE, COST, pooled=pooled)


def test_golden_fill_rates_by_hand():
    """X_{L+R} ~ Poisson(2), X_L ~ Poisson(1), mu_R = 1, Q = 1:
    fill(s) = 1 / (1 + E[(X_{L+R} - s - 1)+] - E[(X_L - s - 1)+]).

    s = 0: E[(X_{L+R} - 1)+] = 2 - 1 + e^-2 and E[(X_L - 1)+] = e^-1, so fill(0) = 1 / (2 + e^-2 - e^-1) = 0.56578;
    s = 1: E[(X_{L+R} - 2)+] = 2 - 2 + 2 e^-2 + 2 e^-2 = 4 e^-2 and E[(X_L - 2)+] = 1 - 2 + 2 e^-1 + e^-1 = 3 e^-1 - 1,
    so fill(1) = 1 / (2 + 4 e^-2 - 3 e^-1) = 0.69555.  The steps' cumulative gains are D fill(s), D = 12.
    """
    e = np.exp
    assert _fill(0, 0) == pytest.approx(1 / (2 + e(-2) - e(-1)), rel=1e-12)
    assert _fill(0, 1) == pytest.approx(1 / (2 + 4 * e(-2) - 3 * e(-1)), rel=1e-12)
    assert (_fill(0, 0), _fill(0, 1)) == pytest.approx((0.56578, 0.69555), abs=1e-5)
    steps = _steps()
    mine = steps.row == 0
    assert np.cumsum(steps.gain[mine]) == pytest.approx(12 * np.array([_fill(0, s) for s in steps.level[mine]]))


@pytest.mark.parametrize("budget", [0.0, 5.0, 9.0, 14.0, 20.0, 31.0])
def test_tiny_budget_case_against_enumeration(budget):
    steps = _steps()
    taken = greedy_steps(steps, budget)
    gain = steps.gain[taken].sum()
    assert steps.cost[taken].sum() <= budget + 1e-9
    best = _enumerate(budget)
    assert gain <= best + 1e-9  # never better than the optimum ...
    assert gain >= best - steps.gain.max() - 1e-9  # ... and within one step of it
    every = _steps(pooled=False)  # one step per level: the integer programme needs no concave envelope
    exact = integer_steps(every, [(every.cost, budget)])
    assert every.gain[exact].sum() == pytest.approx(best, abs=1e-9)  # pulp finds the enumeration's optimum


def test_every_efficient_point_is_optimal():
    steps = _steps()
    ratio = steps.gain / steps.cost
    order = np.lexsort((steps.level, steps.row, -ratio))
    for spend in np.cumsum(steps.cost[order])[:10]:
        taken = greedy_steps(steps, float(spend))
        assert steps.gain[taken].sum() == pytest.approx(_enumerate(float(spend)), abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_greedy_against_pulp_on_random_instances(seed):
    rng = np.random.default_rng(seed)
    n = 5
    mean = rng.uniform(0.1, 3.0, n)
    lumpy = rng.random(n) < 0.5  # negative binomial rows, variance 2.5 x the mean
    var = np.where(lumpy, 2.5, 1.0) * mean
    steps = service_steps(12 * mean, mean, var, lumpy.astype(np.int8), np.ones(n), mean / 2, var / 2, mean / 2,
                          rng.uniform(1, 20, n))
    budget = float(rng.uniform(0.1, 0.6) * steps.cost.sum())
    greedy = steps.gain[greedy_steps(steps, budget)].sum()
    exact = steps.gain[integer_steps(steps, [(steps.cost, budget)])].sum()
    assert exact - steps.gain.max() - 1e-9 <= greedy <= exact + 1e-9


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.floats(0.0, 5.0), st.floats(0.5, 30.0)), min_size=1, max_size=8), st.floats(0, 200),
       st.floats(0, 200))
def test_fill_never_falls_as_the_budget_rises_and_the_budget_holds(rows, b1, b2):
    mean, cost = (np.array(c) for c in zip(*rows))
    steps = service_steps(12 * mean, mean, mean, np.zeros(len(mean), np.int8), np.ones(len(mean)), mean / 2, mean / 2,
                          mean / 2, cost)
    low, high = sorted((b1, b2))
    a, b = greedy_steps(steps, low), greedy_steps(steps, high)
    assert steps.cost[a].sum() <= low + 1e-9 and steps.cost[b].sum() <= high + 1e-9
    # efficient points are nested: at the higher of two prefix budgets the fill is at least as high
    value, fill = efficient_curve(steps, float((12 * mean).sum()) or 1.0)
    assert (np.diff(fill) >= -1e-12).all() and (np.diff(value) >= 0).all()
    assert not greedy_steps(steps, 0.0).any() or (steps.cost[greedy_steps(steps, 0.0)] == 0).all()
    assert not (b & (mean[steps.row] == 0)).any()  # a part without demand never gets stock


# -- the pipeline ---------------------------------------------------------------------------------


def _history() -> pd.DataFrame:
    months = pd.period_range("2024-01", periods=12, freq="M").astype(str)
    series = {("D1", "P"): [2] * 12, ("D1", "Q"): [1, 0] * 6, ("D2", "P"): [4] * 12, ("D2", "R"): [0] * 12,
              ("D2", "Q"): [0, 0, 3] * 4}
    return pd.DataFrame([(d, p, m, q) for (d, p), qs in series.items() for m, q in zip(months, qs)],
                        columns=["dealer", "part", "period", "quantity"])


def _master() -> pd.DataFrame:
    return pd.DataFrame({"part": ["P", "Q", "R"], "unit_cost": [10.0, 40.0, 5.0], "attribute": ["A", "B", "B"],
                         "lead_time_days": [MONTH] * 3, "order_cycle_days": [MONTH] * 3,
                         "reorder_point": [3, 1, 0], "max_stock": [6, 2, 0]})


def test_optimize_spends_at_most_the_budget_and_fills_more_with_more():
    fills = []
    for budget in (0.0, 100.0, 300.0, 1000.0):
        result = spareopt.optimize(_history(), _master(), budget=budget)
        table = result.table
        assert table["stock_value"].sum() <= budget + 1e-9
        fills.append(result.report["optimize"]["expected_fill_rate"])
        if budget == 0:
            assert (table["stock_level"] == 0).all()
        assert table.set_index(["dealer", "part"]).loc[("D2", "R"), "stock_level"] == 0  # no demand, no stock
    assert fills == sorted(fills)
    assert list(table.columns) == list(spareopt.jobs.optimize.OPTIMIZE_COLUMNS[:2]) + list(
        spareopt.jobs.optimize.OPTIMIZE_COLUMNS[3:])
    markers = result.markers.set_index("policy")
    assert set(markers.index) == {"optimized", "seed", "current"}


def test_budget_per_dealer_caps_each_dealer():
    table = spareopt.optimize(_history(), _master(), budget=120.0, budget_per="dealer").table
    assert (table.groupby("dealer")["stock_value"].sum() <= 120.0 + 1e-9).all()


def test_class_minimums_beyond_the_budget_are_infeasible():
    config = {"class_policy": [{"match": "?A?", "service_level": 0.99}]}
    with pytest.raises(InfeasibleError) as error:
        spareopt.optimize(_history(), _master(), config, budget=20.0, class_minimums=True)
    assert str(error.value).startswith("the budget 20.00 cannot meet the class minimums: they cost ")
    assert "'P'" in str(error.value)
    fine = spareopt.optimize(_history(), _master(), config, budget=2000.0, class_minimums=True).table
    assert (fine[fine["part"] == "P"]["expected_fill_rate"] > 0.9).all()


def test_evaluate_replays_the_optimized_policy_at_the_seed_investment():
    result = spareopt.evaluate(_history(), _master(), holdout_months=4, policies=["seed", "optimized"])
    table = result.table
    notes = result.report["evaluation"]["optimized"]
    totals = result.totals.set_index("policy")
    # the budget is the seed plan's investment, and the optimized plan spends no more
    assert notes["budget"] == pytest.approx(totals.loc["seed", "initial_investment"])
    assert totals.loc["optimized", "initial_investment"] <= notes["budget"] + 1e-9
    # the replayed levels are optimize()'s on the training months, for that budget
    levels = spareopt.optimize(_history(), _master(), as_of="2024-08", budget=notes["budget"]).table
    replayed = table[table["policy"] == "optimized"].set_index(["dealer", "part"])
    expected = levels.set_index(["dealer", "part"])
    for key in expected.index:
        assert replayed.loc[key, "max_stock"] == expected.loc[key, "stock_level"]
        assert replayed.loc[key, "reorder_point"] == (expected.loc[key, "reorder_point"]
                                                      if expected.loc[key, "stock_level"] > 0 else 0)


@pytest.fixture
def files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _history().to_csv("sales.csv", index=False)
    _master().to_csv("parts.csv", index=False)
    return tmp_path


def test_cli_optimize_writes_the_levels_the_curve_and_the_plot(files):
    result = run_cli("optimize", "sales.csv", "--parts", "parts.csv", "--budget", "300", "-o", "levels.csv",
                     "--curve", "curve.csv", "--plot", "curve.png")
    assert result.exit_code == 0, result.output
    levels = pd.read_csv("levels.csv")
    assert levels["stock_value"].sum() <= 300
    curve = pd.read_csv("curve.csv")
    assert {"efficient", "optimized", "seed", "current"} <= set(curve["plan"])
    assert Path("curve.png").read_bytes()[:4] == b"\x89PNG"
    assert "optimize (greedy): budget 300.00 per network, spent " in result.output


def test_cli_infeasible_minimums_exit_1_and_keep_the_output(files):
    Path("c.toml").write_text('[[class_policy]]\nmatch = "?A?"\nservice_level = 0.99\n', encoding="utf-8")
    Path("levels.csv").write_text("previous\n", encoding="utf-8")
    result = run_cli("optimize", "sales.csv", "--parts", "parts.csv", "--config", "c.toml", "--budget", "20",
                     "--class-minimums", "-o", "levels.csv")
    assert result.exit_code == 1
    assert result.output.startswith("Error: the budget 20.00 cannot meet the class minimums: they cost ")
    assert Path("levels.csv").read_text(encoding="utf-8") == "previous\n"
    assert run_cli("optimize", "sales.csv", "--budget", "-5").exit_code == 1
    assert run_cli("optimize", "sales.csv").exit_code == 2  # --budget is required


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.05, 0.3, 1.0, 4.0, 15.0, 40.0]), st.sampled_from([0.5, 1.0, 3.0]),
                          st.sampled_from([0.0, 10.0, 30.0, 56.0, 120.0]), st.sampled_from([0.0, 7.0, 30.0, 61.0]),
                          st.floats(0.5, 30.0)), min_size=1, max_size=6))
def test_steps_value_every_level_at_the_policy_fill_rate(rows):
    """The steps of all rows at once equal a loop of one-series implied_service calls: a row's cumulative gain up to a
    step is D fill(s) at the step's level, and after the pooling every row's gain per cost falls."""
    from spareopt.policy.service import lead_demand, model_codes, protection_arrays, review_quantity

    f, ratio, lead, cycle, cost = (np.array(c) for c in zip(*rows))
    v = f * ratio
    mu, var, mu_r, _ = protection_arrays(f, v, lead, cycle)
    quantity = review_quantity(f, mu_r).astype(np.float64)
    steps = service_steps(12 * f, mu, var, model_codes(mu, var, 10.0, 1.1), quantity, *lead_demand(f, v, lead), mu_r, cost)
    for i in range(len(f)):
        mine = steps.row == i
        if mu[i] == 0:  # no demand, or none over L + R = 0: nothing to stock for
            assert not mine.any()
            continue
        level = steps.level[mine]
        alone = implied_service(level, level + quantity[i], f[i], v[i], lead[i], cycle[i]).implied_fill_rate
        assert np.cumsum(steps.gain[mine]) == pytest.approx(12 * f[i] * alone, rel=1e-9, abs=1e-9)
        first_cost = cost[i] * (quantity[i] + level[0])
        assert steps.cost[mine] == pytest.approx(np.r_[first_cost, cost[i] * np.diff(level)])
        ratios = steps.gain[mine] / steps.cost[mine]
        assert np.all(np.diff(ratios) <= 1e-12 * ratios[0])
        assert steps.first[mine].tolist() == [True] + [False] * (mine.sum() - 1)


def test_rising_gains_are_pooled_into_one_step():
    """Poisson 1 a month, L = R = one month (service_steps' example): the gains of s = 1 and s = 2 are 1.56 and 1.70
    a unit; the second pays more, so the two are one step of 2 units, and the greedy never takes s = 2 before s = 1."""
    steps = service_steps([12.0], [2.0], [2.0], [0], [1], [1.0], [1.0], [1.0], [1.0])
    assert steps.level[:3].tolist() == [0, 2, 3]
    assert steps.cost[:3].tolist() == [1.0, 2.0, 1.0]
    assert steps.gain[1] == pytest.approx(12 * (_fill(0, 2) - _fill(0, 0)))


def _pool_every_row_every_round(steps: Steps) -> Steps:
    """Pool adjacent violators with every block of every row compared in every round (pool_steps before it looked
    only at the rows that changed)."""
    row, level, cost, gain = steps.row, steps.level, steps.cost, steps.gain
    head = np.ones(row.size, dtype=bool)
    while True:
        starts = np.flatnonzero(head)
        b_cost, b_gain = np.add.reduceat(cost, starts), np.add.reduceat(gain, starts)
        later = starts[1:]
        rises = (row[later] == row[starts[:-1]]) & (b_gain[1:] * b_cost[:-1] > b_gain[:-1] * b_cost[1:])
        if not rises.any():
            break
        head[later[rises]] = False
    starts = np.flatnonzero(head)
    last = np.r_[starts[1:], row.size] - 1
    first = np.r_[True, row[starts[1:]] != row[starts[:-1]]]
    return Steps(row[starts], level[last], np.add.reduceat(cost, starts), np.add.reduceat(gain, starts), first)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(st.integers(1, 4).map(float), st.floats(0.0, 10.0)), min_size=1, max_size=12),
                min_size=1, max_size=8))
def test_pooling_the_rows_that_changed_equals_pooling_every_row(rows):
    row = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    level = np.concatenate([np.arange(len(r)) for r in rows])
    cost, gain = (np.array([x[k] for r in rows for x in r]) for k in (0, 1))
    steps = Steps(row, level, cost, gain, level == 0)
    got, want = pool_steps(steps), _pool_every_row_every_round(steps)
    for name in ("row", "level", "cost", "gain", "first"):
        assert getattr(got, name).tolist() == getattr(want, name).tolist(), name


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0.0, 1.2), st.booleans())
def test_one_budget_takes_the_steps_of_one_group(seed, share, force):
    """greedy_steps without groups (the network's budget, a path of its own) takes what one group of every row takes."""
    rng = np.random.default_rng(seed)
    n = 12
    mean = rng.uniform(0.05, 4.0, n)
    lumpy = rng.random(n) < 0.5
    var = np.where(lumpy, 4.0, 1.0) * mean
    steps = service_steps(12 * mean, mean, var, lumpy.astype(np.int8), np.ones(n), mean / 2, var / 2, mean / 2,
                          rng.uniform(1, 20, n))
    forced = (steps.first & (rng.random(len(steps)) < 0.3)) if force else None
    budget = float(share * steps.cost.sum())
    one = greedy_steps(steps, budget, forced=forced)
    assert one.tolist() == greedy_steps(steps, budget, group=np.zeros(n, np.int64), forced=forced).tolist()
    assert steps.cost[one].sum() <= max(budget, steps.cost[forced].sum() if force else 0.0) + 1e-9


def test_steps_made_block_by_block_equal_one_block(monkeypatch):
    """service_steps makes and pools its steps a block of rows at a time: the blocks change nothing."""
    rng = np.random.default_rng(3)
    n = 9
    mean = rng.uniform(0.05, 4.0, n)
    lumpy = rng.random(n) < 0.5
    var = np.where(lumpy, 4.0, 1.0) * mean
    args = (12 * mean, mean, var, lumpy.astype(np.int8), np.ones(n), mean / 2, var / 2, mean / 2,
            rng.uniform(1, 20, n))
    whole = {pooled: service_steps(*args, pooled=pooled) for pooled in (True, False)}
    monkeypatch.setattr(budget_kernel, "_BLOCK_ROWS", 2)
    for pooled in (True, False):
        blocks = service_steps(*args, pooled=pooled)
        for name in ("row", "level", "cost", "gain", "first"):
            assert getattr(blocks, name).tolist() == getattr(whole[pooled], name).tolist(), name
    assert len(service_steps(*(np.zeros(n),) + args[1:])) == 0  # no demand, no steps


# -- two echelons (METRIC) --------------------------------------------------------------------------

def _ebo(s: float, mean: float) -> float:
    x = np.arange(0, 400)
    return float((np.maximum(x - s, 0) * __import__("scipy").stats.poisson.pmf(x, mean)).sum())


def test_golden_metric_two_dealers_one_central_warehouse():
    """lambda = 0.1 and 0.2 a day, T_0 = 30, T = 5, S_0 = 3, S = (1, 2), by summing the Poisson pmfs.

    Central pipeline Poisson(0.3 x 30 = 9): EBO_0(3) = 6.0076, a wait of 6.0076 / 0.3 = 20.025 days; the
    dealers' pipelines are 0.1 x 25.025 = 2.5025 and 0.2 x 25.025 = 5.0051, so EBO_1(1) = 1.5844 and
    EBO_2(2) = 3.0520.
    """
    from spareopt.policy.metric import metric_backorders

    plan = metric_backorders([0, 0], [0.1, 0.2], [1, 2], [3], [30.0], 5.0)
    ebo0 = _ebo(3, 9.0)
    assert plan.central_backorders[0] == pytest.approx(ebo0) and ebo0 == pytest.approx(6.0076, abs=1e-4)
    delay = ebo0 / 0.3
    assert plan.central_delay_days[0] == pytest.approx(delay)
    pipe = np.array([0.1, 0.2]) * (5 + delay)
    assert plan.dealer_backorders.tolist() == pytest.approx([_ebo(1, pipe[0]), _ebo(2, pipe[1])])
    assert plan.dealer_backorders.tolist() == pytest.approx([1.5844, 3.0520], abs=1e-4)
    assert plan.dealer_fill_rate.tolist() == pytest.approx([np.exp(-pipe[0]), np.exp(-pipe[1]) * (1 + pipe[1])])


def test_optimize_two_echelons_from_python_and_the_cli(files):
    plan = spareopt.optimize(_history(), _master(), budget=300.0, echelons=2, transfer_days=3)
    table = plan.table
    assert table["stock_value"].sum() <= 300.0 + 1e-9
    assert set(table["location"]) <= {"central", "dealer"}
    assert (table[table["location"] == "central"]["dealer"] == "(central)").all()
    comparison = plan.comparison.set_index("plan")
    assert comparison.loc["two echelons (optimized)", "stock_value"] <= 300.0 + 1e-9
    zero = spareopt.optimize(_history(), _master(), budget=0.0, echelons=2).table
    assert (zero["stock_level"] == 0).all()
    result = run_cli("optimize", "sales.csv", "--parts", "parts.csv", "--budget", "300", "--echelons", "2",
                     "--curve", "plans.csv", "-o", "network.csv")
    assert result.exit_code == 0, result.output
    assert "two echelons (optimized): stock value" in result.output
    assert len(pd.read_csv("plans.csv")) == 3
    result = run_cli("optimize", "sales.csv", "--parts", "parts.csv", "--budget", "300", "--echelons", "2",
                     "--plot", "network.png", "-o", "network.csv")
    assert result.exit_code == 0, result.output
    assert Path("network.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    curves = plan.echelon_curves
    assert set(curves["plan"]) == {"two echelons", "all stock at dealers"}
    for _, curve in curves.groupby("plan"):  # the default objective, fill: the fill rate rises with the stock
        assert (np.diff(curve["stock_value"]) >= 0).all() and (np.diff(curve["expected_fill_rate"]) >= -1e-12).all()
    assert comparison.loc["two echelons (optimized)", "expected_fill_rate"] >= \
        comparison.loc["all stock at dealers (optimized)", "expected_fill_rate"] - 1e-12
    assert plan.report["optimize"]["objective"] == "fill"
    assert run_cli("optimize", "sales.csv", "--budget", "1", "--echelons", "3").exit_code == 2


def test_optimize_two_echelons_objective_backorders(files):
    """--objective backorders: the fewest expected backorders, never more than the same budget at the dealers alone;
    the fill objective's plan meets at least the dealers-only fill; each objective wins on its own measure."""
    plans = {objective: spareopt.optimize(_history(), _master(), budget=300.0, echelons=2, objective=objective)
             for objective in ("fill", "backorders")}
    ours = {k: t.comparison.set_index("plan").loc["two echelons (optimized)"] for k, t in plans.items()}
    flat = plans["backorders"].comparison.set_index("plan").loc["all stock at dealers (optimized)"]
    assert ours["backorders"]["expected_backorders"] <= flat["expected_backorders"] + 1e-9
    assert ours["backorders"]["expected_backorders"] <= ours["fill"]["expected_backorders"] + 1e-9
    assert ours["fill"]["expected_fill_rate"] >= ours["backorders"]["expected_fill_rate"] - 1e-12
    wait = ours["backorders"]["expected_wait_days"]  # Little's law: backorders / demand a day
    demand = plans["backorders"].table.query("location == 'dealer'")["expected_demand"].sum() / 365.25
    assert wait == pytest.approx(ours["backorders"]["expected_backorders"] / demand)
    curves = plans["backorders"].echelon_curves
    for _, curve in curves.groupby("plan"):
        assert (np.diff(curve["stock_value"]) >= 0).all() and (np.diff(curve["expected_backorders"]) <= 1e-9).all()
    result = run_cli("optimize", "sales.csv", "--parts", "parts.csv", "--budget", "300", "--echelons", "2",
                     "--objective", "backorders", "--plot", "network.png", "-o", "network.csv")
    assert result.exit_code == 0, result.output
    assert "two echelons, objective backorders" in result.output and "waits" in result.output
    assert Path("network.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_optimize_objective_errors(files):
    """An objective that does not exist, or backorders with one echelon: a usage error, nothing written."""
    result = run_cli("optimize", "sales.csv", "--budget", "300", "--echelons", "2", "--objective", "cheapest",
                     "-o", "out.csv")
    assert result.exit_code == 2 and "cheapest" in result.output and not Path("out.csv").exists()
    result = run_cli("optimize", "sales.csv", "--budget", "300", "--objective", "backorders", "-o", "out.csv")
    assert result.exit_code == 2 and "two echelons" in result.output and not Path("out.csv").exists()
    assert "Traceback" not in result.output
    with pytest.raises(spareopt.ConfigError, match="objective must be one of fill, backorders"):
        spareopt.optimize(_history(), _master(), {"objective": "Cheapest"}, budget=1.0, echelons=2)
