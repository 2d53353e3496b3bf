"""``spareopt.calibration_table`` and ``spareopt evaluate --calibration``: promised against achieved service.

The golden table is summed by hand from the README's definitions (the plan's expected demand weights the
promised fill rate); the promised figures of a plan are the README's Poisson formulas worked by hand; the
real-data test reads ``../shared/data/carparts`` and skips when it is absent.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import spareopt
from spareopt.calibration import CALIBRATION_COLUMNS, calibration_table
from spareopt.jobs.evaluate import SERIES_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
D = 365.25 / 12


def _series(**columns: list) -> pd.DataFrame:
    return pd.DataFrame(columns)


# Three stocked series of the seed plan, one unstocked series (left out), and a policy that stocks nothing.
# H = 12 months.
GOLDEN = _series(
    policy=["seed", "seed", "seed", "seed", "current"],
    stocked=[True, True, True, False, False],
    abc_class=["A", "A", "B", "C", "A"],
    pattern=["smooth", "lumpy", "lumpy", "smooth", "smooth"],
    expected_demand=[12.0, 6.0, 2.0, 5.0, 12.0],
    promised_fill_rate=[0.95, 0.80, 0.50, np.nan, np.nan],
    promised_csl=[0.90, 0.70, 0.40, np.nan, np.nan],
    demand=[10.0, 18.0, 2.0, 7.0, 10.0],
    filled=[10.0, 9.0, 1.0, 0.0, 0.0],
    months_in_stock=[12, 8, 11, 9, 8],
)


def test_calibration_table_golden_three_series():
    """Sums by hand over the stocked rows.

    all:     promised (0.95 x 12 + 0.80 x 6 + 0.50 x 2) / 20 = 17.2 / 20 = 0.86; achieved 20 / 30;
             CSL (0.9 + 0.7 + 0.4) / 3; in stock 31 / 36; demand / forecast 30 / 20 = 1.5, inside the band.
    A:       (11.4 + 4.8) / 18 = 0.9 against 19 / 28; demand 28 / 18 = 1.56x the forecast.
    B:       0.5 against 1 / 2: holds exactly.
    smooth:  0.95 against 10 / 10: 5 points better than promised.
    lumpy:   (4.8 + 1.0) / 8 = 0.725 against 10 / 20; demand 20 / 8 = 2.5x the forecast.
    current: stocks nothing; its all row is empty.
    """
    table = calibration_table(GOLDEN, holdout_months=12)
    assert list(table.columns) == list(CALIBRATION_COLUMNS)
    assert table[["policy", "group", "class"]].to_numpy().tolist() == [
        ["seed", "all", "all"], ["seed", "abc_class", "A"], ["seed", "abc_class", "B"],
        ["seed", "pattern", "smooth"], ["seed", "pattern", "lumpy"], ["current", "all", "all"]]
    assert table["series"].tolist() == [3, 2, 1, 1, 2, 0]
    assert table["demand"].tolist() == [30.0, 28.0, 2.0, 10.0, 20.0, 0.0]
    assert table["expected_demand"].tolist() == [20.0, 18.0, 2.0, 12.0, 8.0, 0.0]
    expected = {
        "promised_fill_rate": [0.86, 0.9, 0.5, 0.95, 0.725, np.nan],
        "achieved_fill_rate": [20 / 30, 19 / 28, 0.5, 1.0, 0.5, np.nan],
        "fill_gap": [20 / 30 - 0.86, 19 / 28 - 0.9, 0.0, 0.05, -0.225, np.nan],
        "promised_csl": [2 / 3, 0.8, 0.4, 0.9, 0.55, np.nan],
        "achieved_in_stock": [31 / 36, 20 / 24, 11 / 12, 1.0, 19 / 24, np.nan],
    }
    for column, values in expected.items():
        np.testing.assert_allclose(table[column].to_numpy(dtype=float), values, rtol=1e-12, err_msg=column)
    assert table["verdict"].tolist() == ["over-promises", "over-promises", "holds", "under-promises",
                                         "over-promises", "no demand"]
    assert table["note"].tolist() == ["", "demand 1.6x the forecast", "", "", "demand 2.5x the forecast", ""]


@pytest.mark.parametrize(("filled", "verdict"), [(87.0, "holds"), (86.0, "over-promises"), (93.0, "holds"),
                                                 (94.0, "under-promises")])
def test_the_verdict_holds_within_three_points(filled, verdict):
    """Promised 0.90: achieved 0.87 and 0.93 hold (|gap| <= 0.03), 0.86 over-promises, 0.94 under-promises."""
    frame = _series(policy=["seed"], stocked=[True], abc_class=["A"], pattern=["smooth"], expected_demand=[100.0],
                    promised_fill_rate=[0.9], promised_csl=[0.9], demand=[100.0], filled=[filled],
                    months_in_stock=[12])
    assert calibration_table(frame, holdout_months=12)["verdict"].tolist() == [verdict] * 3


def test_demand_without_a_forecast_is_named():
    frame = _series(policy=["seed"], stocked=[True], abc_class=["B"], pattern=["lumpy"], expected_demand=[0.0],
                    promised_fill_rate=[1.0], promised_csl=[1.0], demand=[12.0], filled=[3.0], months_in_stock=[9])
    row = calibration_table(frame, holdout_months=12).iloc[0]
    assert (row["verdict"], row["note"]) == ("no forecast", "demand 12 units, none forecast")
    assert row["achieved_fill_rate"] == 0.25 and math.isnan(row["promised_fill_rate"])


def test_holdout_months_come_from_the_report_or_are_asked_for():
    with pytest.raises(spareopt.ConfigError, match=r"holdout_months must be a whole number >= 1 .* got None"):
        calibration_table(GOLDEN)
    table = spareopt.Result(GOLDEN.copy(), {"evaluation": {"holdout_months": 12}})
    pd.testing.assert_frame_equal(calibration_table(table), calibration_table(GOLDEN, holdout_months=12))


# -- properties ------------------------------------------------------------------------------------------

@st.composite
def series_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 30))
    ints = st.lists(st.integers(0, 40), min_size=n, max_size=n)
    demand = np.array(draw(ints), dtype=float)
    share = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    promised = np.array(draw(st.lists(st.floats(0, 1), min_size=n, max_size=n)))
    stocked = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    return pd.DataFrame({
        "policy": draw(st.lists(st.sampled_from(["seed", "optimized", "current"]), min_size=n, max_size=n)),
        "stocked": stocked,
        "abc_class": draw(st.lists(st.sampled_from("ABC"), min_size=n, max_size=n)),
        "pattern": draw(st.lists(st.sampled_from(["smooth", "erratic", "intermittent", "lumpy"]), min_size=n,
                                 max_size=n)),
        "expected_demand": np.array(draw(ints), dtype=float) / 4,
        "promised_fill_rate": np.where(stocked, promised, np.nan),
        "promised_csl": np.where(stocked, promised ** 2, np.nan),
        "demand": demand,
        "filled": np.where(stocked, np.floor(demand * share), 0.0),
        "months_in_stock": draw(st.lists(st.integers(0, 12), min_size=n, max_size=n)),
    })


@settings(max_examples=80, deadline=None)
@given(table=series_tables(), seed=st.integers(0, 2**32 - 1))
def test_calibration_properties(table, seed):
    """The all row is the stocked rows' fill rate; each group's classes add up to it; row order does not matter."""
    cal = calibration_table(table, holdout_months=12)
    stocked = table[table["stocked"]]
    for policy, rows in stocked.groupby("policy"):
        mine = cal[cal["policy"] == policy].set_index(["group", "class"])
        demand, filled = rows["demand"].sum(), rows["filled"].sum()
        if demand > 0:
            assert mine.loc[("all", "all"), "achieved_fill_rate"] == pytest.approx(filled / demand, rel=1e-12)
        for group in ("abc_class", "pattern"):
            part = mine.loc[group]
            assert part["demand"].sum() == pytest.approx(mine.loc[("all", "all"), "demand"], rel=1e-12)
            assert part["series"].sum() == mine.loc[("all", "all"), "series"] == len(rows)
    assert set(cal.loc[cal["group"] == "all", "policy"]) == set(table["policy"])
    shuffled = table.iloc[np.random.default_rng(seed).permutation(len(table))].reset_index(drop=True)
    other = calibration_table(shuffled, holdout_months=12)
    # policies are listed in their order of appearance: compare in one order
    key = ["policy", "group", "class"]
    pd.testing.assert_frame_equal(cal.sort_values(key).reset_index(drop=True),
                                  other.sort_values(key).reset_index(drop=True), rtol=1e-12)


def _sales(training: list[float], holdout: list[float], part: str = "P1") -> pd.DataFrame:
    months = pd.period_range("2023-01", periods=len(training) + len(holdout), freq="M").astype(str)
    return pd.DataFrame({"part": part, "period": months, "quantity": training + holdout})


@settings(max_examples=15, deadline=None, derandomize=True)
@given(rows=st.lists(st.lists(st.integers(0, 9), min_size=14, max_size=14), min_size=2, max_size=5))
def test_evaluate_calibration_all_row_is_the_totals_over_stocked_rows(rows):
    sales = pd.concat([_sales([float(q) for q in r[:10]], [float(q) for q in r[10:]], part=f"P{i}")
                       for i, r in enumerate(rows)])
    result = spareopt.evaluate(sales, holdout_months=4, policies=["seed", "service-level", "optimized"],
                               config={"defaults": {"unit_cost": 5.0}, "low_volume_max": 0, "central_ssq_min": 0})
    table = result.table
    cal = result.calibration.set_index(["policy", "group", "class"])
    totals = result.totals.set_index("policy")
    for policy in ("seed", "service-level", "optimized"):
        mine = table[(table["policy"] == policy) & table["stocked"]]
        demand = mine["demand"].sum()
        row = cal.loc[(policy, "all", "all")]
        assert row["series"] == totals.loc[policy, "parts_stocked"] == len(mine)
        if demand > 0:
            assert row["achieved_fill_rate"] == pytest.approx(totals.loc[policy, "filled"] / demand, rel=1e-12)
        if row["expected_demand"] > 0:
            assert row["promised_fill_rate"] == pytest.approx(totals.loc[policy, "promised_fill_rate"], rel=1e-12)
        np.testing.assert_array_equal(mine["months_in_stock"], 4 - (mine["hits"] - mine["hits_filled"]))


# -- the promised figures of evaluate -----------------------------------------------------------------------

def test_current_promise_is_the_poisson_service_of_the_masters_levels():
    """The master's (s, S) = (2, 5) for 12 months of 4 units: forecast 4, variance 0, L = 30 days, R = 7.

    Poisson over P = 37 / 30.4375 months (mu_P = 4.8624) and over L alone (mu_L = 3.9425); mu_R = 0.9199.
    CSL = P(X_P <= 2) = 0.1367.  With B(y) = sum over k >= y of E[(X - k)+] (the second-order loss):
    B_P(3) = 5.0359, B_P(6) = 0.8446, B_L(3) = 2.7520, B_L(6) = 0.3090, so the shortage per review is
    (5.0359 - 0.8446 - 2.7520 + 0.3090) / 3 = 0.5828 and the lost-sales fill mu_R / (mu_R + 0.5828) = 0.6122.
    The holdout 3, 0, 4, 1, 6 runs short in one month of five.
    """
    mu, mu_l, mu_r = 4 * 37 / D, 4 * 30 / D, 4 * 7 / D

    def pmf(x: int, m: float) -> float:
        return math.exp(-m + x * math.log(m) - math.lgamma(x + 1))

    def second_order(y: int, m: float) -> float:  # sum over k >= y of E[(X - k)+] = E[(X - y)(X - y + 1) / 2]
        return sum(0.5 * (x - y) * (x - y + 1) * pmf(x, m) for x in range(y, 120))

    csl = sum(pmf(k, mu) for k in range(3))
    short = (second_order(3, mu) - second_order(6, mu) - second_order(3, mu_l) + second_order(6, mu_l)) / 3
    fill = mu_r / (mu_r + short)
    assert (round(csl, 4), round(short, 4), round(fill, 4)) == (0.1367, 0.5828, 0.6122)
    parts = pd.DataFrame({"part": ["P1"], "unit_cost": [10.0], "lead_time_days": [30], "reorder_point": [2],
                          "max_stock": [5]})
    result = spareopt.evaluate(_sales([4] * 12, [3, 0, 4, 1, 6]), parts, holdout_months=5,
                               policies=["current", "service-level"])
    table = result.table
    assert list(table.columns) == [c for c in SERIES_COLUMNS if c not in ("dealer", "min_stock", "min_stock_only")]
    current, service = table.iloc[0], table.iloc[1]
    assert current["promised_csl"] == pytest.approx(csl, rel=1e-9)
    assert current["promised_fill_rate"] == pytest.approx(fill, rel=1e-9)
    assert (current["abc_class"], current["pattern"], current["expected_demand"]) == ("A", "smooth", 20.0)
    assert (current["months_in_stock"], service["months_in_stock"]) == (4, 5)
    assert math.isnan(current["target"]) and pd.isna(current["target_kind"])
    assert (service["target_kind"], service["target"]) == ("csl", 0.95)
    row = result.calibration.set_index(["policy", "group"]).loc[("current", "all")]
    assert (row["promised_fill_rate"], row["achieved_fill_rate"]) == (pytest.approx(fill), 12 / 14)
    assert row["verdict"] == "under-promises" and row["achieved_in_stock"] == 4 / 5
    assert result.report["evaluation"]["calibration"]["current"] == {
        "promised_fill_rate": pytest.approx(fill), "achieved_fill_rate": 12 / 14, "verdict": "under-promises",
        "target_fill_rate": None, "target_verdict": "", "note": ""}


def test_seed_promise_is_the_must_stock_lists_implied_service(sales, parts_master):
    """What evaluate calls promised is what the must-stock list printed for the same as_of."""
    table = spareopt.evaluate(sales, parts_master, holdout_months=2, policies=["seed", "traditional"]).table
    plan = spareopt.must_stock(sales, parts_master, as_of="2024-06").table.set_index(["dealer", "part"])
    seed = table[table["policy"] == "seed"].set_index(["dealer", "part"])
    on_shelf = seed["stocked"].to_numpy()
    assert on_shelf.sum() > 3
    mine = plan.loc[seed.index]
    np.testing.assert_array_equal(seed["promised_fill_rate"].to_numpy()[on_shelf],
                                  mine["implied_fill_rate"].to_numpy()[on_shelf])
    np.testing.assert_array_equal(seed["promised_csl"].to_numpy()[on_shelf], mine["implied_csl"].to_numpy()[on_shelf])
    assert seed["promised_fill_rate"][~on_shelf].isna().all()
    np.testing.assert_allclose(seed["expected_demand"].to_numpy(), mine["forecast"].to_numpy() * 2)
    assert (seed["abc_class"].to_numpy() == mine["abc_class"].to_numpy()).all()
    assert (seed["pattern"].to_numpy() == mine["pattern"].to_numpy()).all()


# -- the CLI ---------------------------------------------------------------------------------------------


def test_cli_calibration_end_to_end_on_the_bundled_example(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("evaluate", str(ROOT / "examples" / "carparts_sample.csv"), "--parts",
                     str(ROOT / "examples" / "parts_master.csv"), "--policy", "seed,service-level,optimized",
                     "--calibration", "cal.csv", "--calibration-plot", "cal.png", "-q")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0].split()[4:6] == ["promised_fill_%", "fill_rate_%"]
    cal = pd.read_csv("cal.csv", keep_default_na=False, na_values=[""])
    assert list(cal.columns) == list(CALIBRATION_COLUMNS)
    assert cal.loc[cal["group"] == "all", "policy"].tolist() == ["seed", "service-level", "optimized"]
    assert set(cal["group"]) == {"all", "abc_class", "pattern"}
    assert set(cal["verdict"]) <= {"holds", "over-promises", "under-promises", "no demand"}
    assert Path("cal.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(("args", "message", "code"), [
    (["--calibration", "out.dat"], ("Error: cannot tell the output format of --calibration out.dat: use a .csv, "
                                   ".xlsx, .parquet or .json suffix"), 1),
    (["--calibration-plot", "cal.csv"], ("Error: cannot write a plot to cal.csv: name a .png, .svg or .pdf file, "
                                        "e.g. fill_rate.png"), 1),
    (["--policy", "seed,optimized", "--budget", "-1"],
     ("Error: budget must be a finite stock value >= 0 (sum of max_stock x unit_cost), got -1.0; give e.g. --budget "
     "50000, or leave it out to spend the seed plan's investment"), 1),
    (["--policy", "optimized", "--budget", "inf"],
     "Error: budget must be a finite stock value >= 0 (sum of max_stock x unit_cost), got inf;", 1),
    (["--policy", "seed,service-level", "--budget", "100"],
     ("Error: budget is what the optimized and two-echelon policies spend, but the policies are seed, "
     "service-level; add optimized (--policy optimized) or leave the budget out"),
     2),
])
def test_cli_bad_calibration_and_budget_options_write_nothing(cli_files, args, message, code):
    result = run_cli("evaluate", "sales.csv", "--holdout-months", "2", *args, "-o", "replay.csv", "--totals",
                     "totals.csv")
    assert result.exit_code == code
    assert result.stderr.splitlines()[-1].startswith(message)
    assert sorted(p.name for p in cli_files.iterdir()) == ["parts.csv", "sales.csv"]


def test_cli_budget_is_what_optimized_spends(cli_files):
    result = run_cli("evaluate", "sales.csv", "--parts", "parts.csv", "--holdout-months", "2", "--policy",
                     "seed,optimized", "--budget", "300", "--totals", "totals.csv", "--calibration", "cal.xlsx", "-q")
    assert result.exit_code == 0, result.output
    totals = pd.read_csv("totals.csv").set_index("policy")
    assert 250 < totals.loc["optimized", "initial_investment"] <= 300
    assert totals.loc["seed", "initial_investment"] > 1000
    assert pd.read_excel("cal.xlsx").columns.tolist() == list(CALIBRATION_COLUMNS)


def test_library_budget_is_checked():
    sales = _sales([4] * 12, [3, 0, 4, 1, 6])
    with pytest.raises(spareopt.ConfigError, match="budget is what the optimized and two-echelon policies spend, but "
                                                   "the policies are seed; add optimized"):
        spareopt.evaluate(sales, holdout_months=5, budget=100.0)
    with pytest.raises(spareopt.ConfigError, match="budget must be a finite stock value >= 0"):
        spareopt.evaluate(sales, holdout_months=5, policies=["optimized"], budget=float("nan"))
    result = spareopt.evaluate(sales, holdout_months=5, policies=["seed", "optimized"], budget=40.0,
                               config={"defaults": {"unit_cost": 10.0}})
    notes = result.report["evaluation"]["optimized"]
    assert (notes["budget"], notes["budget_from"]) == (40.0, "budget")
    assert result.totals.set_index("policy").loc["optimized", "initial_investment"] <= 40.0


# -- real data -------------------------------------------------------------------------------------------


@pytest.mark.skipif(not (DATA / "carparts").is_dir(), reason="../shared/data/carparts is absent")
def test_carparts_every_part_service_level_calibration():
    """carparts, every part sold in the last 6 months, CSL 0.95 (README, Results on real data)."""
    result = spareopt.evaluate(DATA / "carparts" / "carparts_long.csv", None, ROOT / "examples" /
                               "carparts_every_part.toml", holdout_months=12, policies=["service-level"])
    table = result.table
    cal = result.calibration.set_index(["group", "class"])
    totals = result.totals.iloc[0]
    stocked = table[table["stocked"]]
    assert cal.loc[("all", "all"), "series"] == totals["parts_stocked"] == len(stocked)
    assert cal.loc[("all", "all"), "achieved_fill_rate"] == pytest.approx(totals["filled"] / stocked["demand"].sum(),
                                                                         rel=1e-12)
    assert cal.loc[("all", "all"), "demand"] == stocked["demand"].sum() == pytest.approx(
        totals["demand"] - totals["central_demand"])
    assert cal.loc[("all", "all"), "promised_fill_rate"] == pytest.approx(totals["promised_fill_rate"], rel=1e-12)
    assert set(cal.loc["pattern"].index) <= {"smooth", "erratic", "intermittent", "lumpy"}
    assert cal.loc["abc_class", "series"].sum() == len(stocked)


def test_calibration_target_columns_name_the_reason_a_target_is_missed():
    """The service-level policy's fill-rate targets against what it achieved, by hand.

    Two classes of one policy, H = 12, target 0.80 on every row:
    A (whole units): promised (0.90 x 10 + 0.86 x 10) / 20 = 0.88, achieved 17.6 / 20 = 0.88: above the target by
      8 points because the promise is (the least whole stock that meets 0.80 promises 0.88).
    B (lumps): promised 0.80, achieved 12 / 20 = 0.60: below the target; 6 of its 20 units came above the largest
      training month (30 %, over the 10 % threshold).
    all: target 0.80, promised (17.6 + 8) / 30, achieved 29.6 / 40.
    A row without a target (the seed policy) gets no target verdict.
    """
    table = _series(
        policy=["service-level"] * 3 + ["seed"],
        stocked=[True, True, True, True],
        abc_class=["A", "A", "B", "A"],
        pattern=["smooth", "smooth", "lumpy", "smooth"],
        target_kind=["fill_rate", "fill_rate", "fill_rate", None],
        target=[0.80, 0.80, 0.80, np.nan],
        expected_demand=[10.0, 10.0, 10.0, 10.0],
        promised_fill_rate=[0.90, 0.86, 0.80, 0.9],
        promised_csl=[0.9, 0.9, 0.9, 0.9],
        demand=[10.0, 10.0, 20.0, 10.0],
        demand_above_history=[0.0, 0.0, 6.0, 0.0],
        filled=[9.0, 8.6, 12.0, 9.0],
        months_in_stock=[12, 12, 8, 12],
    )
    cal = calibration_table(table, holdout_months=12).set_index(["policy", "class"])
    a, b, every = cal.loc[("service-level", "A")], cal.loc[("service-level", "B")], cal.loc[("service-level", "all")]
    assert a["target_fill_rate"] == pytest.approx(0.80) and a["target_gap"] == pytest.approx(0.08)
    assert a["target_verdict"] == "above target" and a["verdict"] == "holds"
    assert "whole units" in a["note"] and "88.0%" in a["note"]
    assert b["target_verdict"] == "below target" and b["demand_above_history"] == 6.0
    assert "30% of the demand (6 units) came above the largest month" in b["note"]
    assert every["target_fill_rate"] == pytest.approx(0.80)
    assert every["achieved_fill_rate"] == pytest.approx(29.6 / 40)
    seed = cal.loc[("seed", "all")]
    assert np.isnan(seed["target_fill_rate"]) and seed["target_verdict"] == ""


def test_demand_above_history_counts_units_over_the_training_peak():
    from spareopt.jobs.evaluate import demand_above_history

    train = np.array([[1.0, 3.0, 0.0], [0.0, 0.0, 0.0], [5.0, 5.0, 5.0]])
    holdout = np.array([[5.0, 2.0, 4.0], [1.0, 0.0, 2.0], [5.0, 4.0, 6.0]])
    assert demand_above_history(train, holdout).tolist() == [3.0, 3.0, 1.0]
