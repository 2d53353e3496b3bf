"""The installed base (issue 20, item 5): units in the field x a failure rate fitted on the parts that have both."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spareopt
from spareopt import InputError, load_parts
from spareopt.backtest import DemandSums, InstalledBase, failure_rate, installed_base_mean
from spareopt.report import report_lines

MONTHS = [str(p) for p in pd.period_range("2024-01", periods=6, freq="M")]
POISSON_GAMMA = {"lead_time_demand": "poisson_gamma"}


def three_parts() -> tuple[pd.DataFrame, pd.DataFrame]:
    """P1 sells 3 a month on 100 vehicles, P2 1 a month on 50, P3 2 a month with no installed base; P4, on 30
    vehicles, has never sold."""
    rows = [(p, m, q) for p, q in (("P1", 3), ("P2", 1), ("P3", 2)) for m in MONTHS]
    history = pd.DataFrame(rows, columns=["part", "period", "quantity"])
    master = pd.DataFrame({"part": ["P1", "P2", "P3", "P4"], "unit_cost": 10.0, "attribute": "B",
                           "installed_base": [100, 50, None, 30]})
    return history, master


# -- golden ------------------------------------------------------------------------------------------


def test_failure_rate_and_prior_means_hand_computed():
    # r = (18 + 6) / (6 months x (100 + 50)) = 24 / 900; P3 has no installed base, P4 no demand: neither counts
    sums = DemandSums(np.zeros((15, 3)), None, np.zeros(3), 0, 6, 0, 0, part_window=np.array([18.0, 6, 12, 0]))
    base = InstalledBase(np.array([100.0, 50, np.nan, 30]), np.array(["B"] * 4), part=np.arange(4))
    rate = failure_rate(sums, base)
    assert rate.overall == pytest.approx(24 / 900)
    assert rate.parts.tolist() == [0, 2, 0] and not rate.own.any()  # 2 parts: too few for B's own rate
    assert rate.rate.tolist() == pytest.approx([24 / 900] * 3)
    # one site: mu = r x IB, and 0 where the installed base is unknown
    mean = installed_base_mean(base, rate, np.zeros((4, 6)), 24)
    assert mean.tolist() == pytest.approx([24 / 9, 24 / 18, 0.0, 0.8])


def test_a_dealers_share_of_the_network_demand_splits_the_parts_rate():
    # dealer 0 sold 30 units over the window, dealer 1 sold 10: shares 3/4 and 1/4 of r x IB
    sums = DemandSums(np.zeros((15, 3)), None, np.zeros(3), 0, 4, 0, 0, part_window=np.array([32.0, 8.0]))
    demand = np.array([[6.0, 6, 6, 6], [2, 2, 1, 1], [2, 2, 2, 2], [1, 1, 0, 0]])
    base = InstalledBase(np.array([200.0, 100.0]), np.array(["A", "A"]), part=np.array([0, 1, 0, 1]),
                         dealer=np.array([0, 0, 1, 1]))
    rate = failure_rate(sums, base)
    assert rate.overall == pytest.approx(40 / (4 * 300)) and rate.window_demand == 40.0
    mean = installed_base_mean(base, rate, demand, 4)
    r = 40 / 1200
    assert mean.tolist() == pytest.approx([r * 200 * 0.75, r * 100 * 0.75, r * 200 * 0.25, r * 100 * 0.25])


def test_must_stock_golden_posterior_with_the_installed_base():
    history, master = three_parts()
    result = spareopt.must_stock(history, master, config=POISSON_GAMMA)
    table = result.table.set_index("part")
    # The three sold series share one prior (smooth pattern, fewer than 30 series): rates 3, 1, 2 over n = 6
    # months, m = 2, Var(r) = 1, Poisson noise 2 / 6, V = 2 / 3: Gamma(a = 6, b = 3).
    # With the installed base the prior mean of P1 is mu = r IB = 24 / 9 (shape 6 kept: rate 6 / mu = 2.25),
    # so f = (6 + 18) / (2.25 + 6); P2: mu = 4 / 3, f = (6 + 6) / (4.5 + 6); P3 keeps Gamma(6, 3):
    # f = (6 + 12) / (3 + 6) = 2; P4 has never sold: its rate is the prior's mean, r x 30 = 0.8.
    assert table["forecast"].to_dict() == pytest.approx({"P1": 24 / 8.25, "P2": 12 / 10.5, "P3": 2.0, "P4": 0.8})
    without = spareopt.must_stock(history, master.drop(columns="installed_base"), config=POISSON_GAMMA).table
    assert without.set_index("part")["forecast"].to_dict() == pytest.approx({"P1": 24 / 9, "P2": 12 / 9, "P3": 2.0})
    assert table.loc["P4", ["half_year_quantity", "decision", "reason"]].tolist() == [0.0, "none", "no_demand"]
    report = result.report["installed_base"]
    assert report["failure_rate_overall"] == pytest.approx(24 / 900)
    assert report["parts_fitted"] == {"A": 0, "B": 2, "C": 0}
    assert (report["series_with_prior"], report["new_part_rows"], report["new_part_rows_stocked"]) == (3, 1, 0)
    # theta = 18 / 16 and 6 / 8: variance 0.0703 less Poisson noise 0.0820 -> the floor 0.01: shape <= 100 keeps 6
    assert report["dispersion"] == pytest.approx(0.01)
    assert ("installed_base: failure rate per unit in the field a month A 0.0267 (overall), B 0.0267 (overall), C "
            "0.0267 (overall), fitted on 2 parts with both, spread c2 0.01; it set the prior of 3 series (1 rows of "
            "parts never sold, 0 of them stocked)") in report_lines(result.report)


def test_a_new_part_is_stocked_only_where_a_policy_stocks_it_at_that_rate():
    history, master = three_parts()
    master.loc[master["part"] == "P4", "installed_base"] = 3000  # r x 3000 = 80 a month
    seed = spareopt.must_stock(history, master, config=POISSON_GAMMA).table.set_index("part")
    assert seed.loc["P4", "forecast"] == pytest.approx(80.0)
    assert seed.loc["P4", "decision"] == "none"  # the seed's rules read the history: no sale, no stock
    optimized = spareopt.optimize(history, master, config=POISSON_GAMMA, budget=2000.0).table.set_index("part")
    assert optimized.loc["P4", "stock_level"] > 0  # the optimizer stocks what it expects to sell


def test_without_any_sale_of_a_part_with_a_base_there_is_no_rate():
    history, master = three_parts()
    master["installed_base"] = [None, None, None, 30]
    result = spareopt.must_stock(history, master, config=POISSON_GAMMA)
    assert result.table.set_index("part").loc["P4", "forecast"] == 0.0
    report = result.report["installed_base"]
    assert report["failure_rate"] is None and report["series_with_prior"] == 0
    assert any(line.startswith("installed_base: 1 parts have one, but none of them sold in the window")
               for line in report_lines(result.report))


# -- properties --------------------------------------------------------------------------------------


@st.composite
def networks(draw):
    """Order lines of 1-3 dealers x 3-8 parts over 8-14 months, and an installed base on some parts."""
    n_parts = draw(st.integers(3, 8))
    months = [str(p) for p in pd.period_range("2023-01", periods=draw(st.integers(8, 14)), freq="M")]
    dealers = [f"D{d}" for d in range(draw(st.integers(1, 3)))]
    rows = [(d, f"P{p}", m, draw(st.sampled_from([0, 0, 0, 1, 1, 2, 5])))
            for d in dealers for p in range(n_parts) for m in months]
    history = pd.DataFrame(rows, columns=["dealer", "part", "period", "quantity"])
    history = history[(history["quantity"] > 0) | history["period"].isin([months[0], months[-1]])]
    base = draw(st.lists(st.sampled_from([None, 0, 20, 150, 1000]), min_size=n_parts + 1, max_size=n_parts + 1))
    master = pd.DataFrame({"part": [f"P{p}" for p in range(n_parts + 1)], "unit_cost": 10.0,
                           "attribute": draw(st.lists(st.sampled_from("ABC"), min_size=n_parts + 1,
                                                      max_size=n_parts + 1)),
                           "installed_base": base})
    return history, master


PROPERTY = settings(max_examples=20, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@PROPERTY
@given(case=networks(), config=st.sampled_from([{}, POISSON_GAMMA]))
def test_without_a_base_the_plan_is_bit_identical(case, config):
    history, master = case
    plain = spareopt.must_stock(history, master.drop(columns="installed_base"), config=config).table
    blank = spareopt.must_stock(history, master.assign(installed_base=None), config=config).table
    pd.testing.assert_frame_equal(plain, blank, check_exact=True)
    # with a base: the parts without one keep their rows bit for bit; new rows are the never-sold parts with one
    based = spareopt.must_stock(history, master, config=config).table
    known = master.set_index("part")["installed_base"].fillna(0) > 0
    keys = ["dealer", "part"]
    same = plain[~plain["part"].map(known).to_numpy()].merge(based, on=keys, suffixes=("", "_b"))
    for column in ("forecast", "reorder_point", "max_stock", "decision"):
        assert (same[column].to_numpy() == same[f"{column}_b"].to_numpy()).all(), column
    added = set(based["part"]) - set(plain["part"])
    assert added == {p for p in known.index[known] if p not in set(history["part"])}


# -- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "rule"), [("-5", "must be >= 0"), ("many", "must be a finite number")])
def test_bad_installed_base_is_a_clear_error(text_file, cell, rule):
    path = text_file(f"part,installed_base\nA,2\nB,{cell}\n", name="parts.csv")
    with pytest.raises(InputError) as err:
        load_parts(path)
    assert str(err.value) == (f"{path}: `installed_base` {rule}; 1 row(s) break it (first: row 3 '{cell}'). "
                              "Fix: correct the installed_base (blank = unknown)")


def test_cli_negative_installed_base_exits_1_and_writes_nothing(cli_files, parts_master):
    parts_master["保有量"] = [100, 50, -1, 20, 0, 30, None]
    parts_master.to_csv("parts.csv", index=False)
    result = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "out.csv")
    assert result.exit_code == 1
    assert result.stderr == ("Error: parts.csv: `installed_base` (header '保有量') must be >= 0; 1 row(s) break it "
                             "(first: row 4 '-1.0'). Fix: correct the installed_base (blank = unknown)\n")
    assert not Path("out.csv").exists()


# -- the CLI end to end ------------------------------------------------------------------------------


def test_cli_must_stock_with_an_installed_base(cli_files, parts_master):
    new = pd.DataFrame({"part": ["N900"], "unit_cost": [30.0], "lead_time_days": [7], "order_cycle_days": [7],
                        "attribute": ["B"]})
    master = pd.concat([parts_master, new], ignore_index=True)
    master["vehicles_in_field"] = [4000, 800, 600, 50, None, 1200, 300, 900]
    master.to_csv("parts.csv", index=False)
    Path("ltd.toml").write_text('lead_time_demand = "poisson_gamma"\n', encoding="utf-8")
    result = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "--config", "ltd.toml", "-o", "out.csv")
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv("out.csv", dtype={"part": str})
    new_rows = table[table["part"] == "N900"]
    assert new_rows["dealer"].tolist() == ["D01", "D02", "D03"]
    assert (new_rows["half_year_quantity"] == 0).all() and (new_rows["forecast"] > 0).all()
    assert set(new_rows["decision"]) == {"none"}
    line = [x for x in result.stderr.splitlines() if x.startswith("installed_base: failure rate per unit")]
    assert len(line) == 1 and "it set the prior of " in line[0] and "(3 rows of parts never sold" in line[0]


def test_on_a_simulated_fleet_the_base_brings_the_rates_closer():
    # 40 parts on 50..500 vehicles each, 0.002 failures a vehicle a month, two dealers with 2/3 and 1/3 of the fleet:
    # the posterior rates with the installed base are nearer the true rates than the pooled prior's alone
    rng = np.random.default_rng(0)
    months = [str(p) for p in pd.period_range("2022-01", periods=24, freq="M")]
    base = rng.integers(50, 500, 40).astype(float)
    truth = {}
    rows = []
    for dealer, share in (("D1", 2 / 3), ("D2", 1 / 3)):
        for p, units in enumerate(base):
            truth[(dealer, f"P{p:02d}")] = 0.002 * 1.5 * units * share
            for month, q in zip(months, rng.poisson(truth[(dealer, f"P{p:02d}")], len(months))):
                rows.append((dealer, f"P{p:02d}", month, int(q)))
    history = pd.DataFrame(rows, columns=["dealer", "part", "period", "quantity"])
    master = pd.DataFrame({"part": [f"P{p:02d}" for p in range(40)], "unit_cost": 10.0, "attribute": "B",
                           "installed_base": base})
    error = {}
    for name, parts in (("with", master), ("without", master.drop(columns="installed_base"))):
        table = spareopt.must_stock(history, parts, config=POISSON_GAMMA).table.set_index(["dealer", "part"])
        error[name] = np.mean([abs(table.loc[key, "forecast"] - rate) for key, rate in truth.items()])
    assert error["with"] < 0.9 * error["without"]


def test_an_installed_base_that_explains_little_leaves_the_group_prior():
    # P1 sells 10 a month on 10 units in the field, P2 1 a month on 1,000: the base predicts nothing.
    # r = 66 / (6 x 1010); theta = W / (n r IB) = 91.8 and 0.0918; c2 = Var(theta) - mean(theta / (n r IB)), about
    # 4,136, far wider than the group prior's 1 / a: every series keeps the group prior, as without the column
    rows = [(p, m, q) for p, q in (("P1", 10), ("P2", 1), ("P3", 2)) for m in MONTHS]
    history = pd.DataFrame(rows, columns=["part", "period", "quantity"])
    master = pd.DataFrame({"part": ["P1", "P2", "P3"], "unit_cost": 10.0, "attribute": "B",
                           "installed_base": [10, 1000, None]})
    r = 66 / (6 * 1010)
    expected = 6 * r * np.array([10.0, 1000.0])
    theta = np.array([60.0, 6.0]) / expected
    result = spareopt.must_stock(history, master, config=POISSON_GAMMA)
    table = result.table
    report = result.report["installed_base"]
    assert report["dispersion"] == pytest.approx(theta.var(ddof=1) - (theta / expected).mean(), rel=1e-6)
    assert report["series_with_prior"] == 0
    without = spareopt.must_stock(history, master.drop(columns="installed_base"), config=POISSON_GAMMA).table
    assert table["forecast"].tolist() == without["forecast"].tolist()
