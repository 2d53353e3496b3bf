"""A planner's floor (issue 20, item 5): the parts master's ``min_stock``, respected and reported by every plan."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

import spareopt
from spareopt import InputError, load_parts
from spareopt.errors import InfeasibleError
from spareopt.policy import min_stock_levels
from spareopt.replay import replay
from spareopt.report import report_lines

MONTHS = [str(p) for p in pd.period_range("2024-01", periods=8, freq="M")]


def golden_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    """D1 sells A 6 a month and B once, in 2024-01; D2 sells C 3 a month; N is new (never sold)."""
    rows = [("D1", "A", m, 6) for m in MONTHS] + [("D1", "B", MONTHS[0], 1)] + [("D2", "C", m, 3) for m in MONTHS]
    history = pd.DataFrame(rows, columns=["dealer", "part", "period", "quantity"])
    master = pd.DataFrame({"part": ["A", "B", "C", "N"], "unit_cost": [10.0, 50.0, 5.0, 100.0],
                           "lead_time_days": 7, "order_cycle_days": 7, "attribute": "A",
                           "min_stock": [20, 2, None, 3]})
    return history, master


# -- the rule ----------------------------------------------------------------------------------------


def test_min_stock_levels_hand_computed():
    s, big_s = min_stock_levels([16, 0, 8, 5, 3], [17, 0, 9, 9, 3], [20, 2, 0, 2, 4])
    # s' = max(s, m - 1), S' = max(S, m) where m > 0; no floor: unchanged
    assert s.tolist() == [19, 1, 8, 5, 3]
    assert big_s.tolist() == [20, 2, 9, 9, 4]


@pytest.mark.parametrize("floor", [1, 2, 5])
@pytest.mark.parametrize("lead", [0.0, 0.4, 1.0, 2.5])
def test_the_replay_restocks_a_sporadic_part_to_the_floor(floor, lead):
    # (s, S) = (m - 1, m): a sale of 1 in month 1 and of 2 in month 5; each review after a sale puts the
    # position below m and orders it back to m, which has arrived before the next sale
    demand = np.array([[0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0]], dtype=float)
    s, big_s = min_stock_levels([0], [0], [floor])
    result = replay(demand, s, big_s, lead_time_months=lead)
    assert result.orders[0] == 2
    assert result.filled[0] == min(1, floor) + min(2, floor)
    # without a sale the shelf holds exactly the floor, and orders nothing
    idle = replay(np.zeros((1, 12)), s, big_s, lead_time_months=lead)
    assert (idle.avg_on_hand[0], idle.orders[0]) == (floor, 0)


def test_a_reorder_point_at_the_floor_would_hold_one_more():
    # the documented reason for s' = m - 1: with s = m a part that does not sell is topped up beyond m
    demand = np.array([[1.0, 0, 0, 0, 0, 0]])
    at_floor = replay(demand, [2], [3], lead_time_months=0)
    exact = replay(demand, *min_stock_levels([0], [0], [2]), lead_time_months=0)
    # month-end stock: 2 after the sale, then 3 (reordered at position 2 <= s = 2) against 1, then 2
    assert at_floor.avg_on_hand[0] == pytest.approx((2 + 3 * 5) / 6)
    assert exact.avg_on_hand[0] == pytest.approx((1 + 2 * 5) / 6)


# -- golden: must_stock ------------------------------------------------------------------------------


def test_must_stock_golden_with_a_floor_and_a_new_part():
    history, master = golden_case()
    result = spareopt.must_stock(history, master)
    table = result.table
    columns = ["dealer", "part", "half_year_quantity", "reorder_point", "max_stock", "min_stock", "decision",
               "reason", "priority"]
    # A: MAD 6, SSQ 6 x 14 / 6 = 14, s = ceil(6 x 7 / 30.4375 + 14) = 16, S = ceil(6 x 14 / 30.4375 + 14) = 17,
    #    raised to (max(16, 19), max(17, 20)) = (19, 20);
    # B: sold only in 2024-01, so no half-year demand (rule no_demand), held for its floor 2 at (1, 2);
    # C: MAD 3, SSQ 7, s = ceil(0.69 + 7) = 8, S = ceil(1.38 + 7) = 9, no floor;
    # N: never sold, listed at both dealers with zero demand and held at (2, 3).
    assert table[columns].astype(object).values.tolist() == [
        ["D1", "A", 36.0, 19, 20, 20, "dealer", "stock", 1],
        ["D1", "B", 0.0, 1, 2, 2, "dealer", "min_stock", 2],
        ["D1", "N", 0.0, 2, 3, 3, "dealer", "min_stock", 3],
        ["D2", "C", 18.0, 8, 9, 0, "dealer", "stock", 1],
        ["D2", "N", 0.0, 2, 3, 3, "dealer", "min_stock", 2],
    ]
    report = result.report
    assert report["min_stock"] == {"rows": 4, "rows_stocked_by_floor": 3, "rows_raised": 1, "new_part_rows": 2,
                                   "units_added": 3 + 2 + 3 + 3, "stock_value_added": 30.0 + 100.0 + 600.0,
                                   "units_added_without_unit_cost": 0}
    assert report["new_parts"] == 1 and report["new_parts_first"] == ["N"]
    assert report["master_parts_without_history"] == 0
    assert report["reasons"]["min_stock"] == 3
    assert report["dealer_stock_value_at_max"] == 20 * 10 + 2 * 50 + 3 * 100 + 9 * 5 + 3 * 100
    lines = report_lines(report)
    assert ("  1 parts of the master have no sales up to as_of but a min_stock or an installed_base: listed with zero "
            "demand at every dealer (first: N)") in lines
    assert ("min_stock: 4 rows have a planner's floor; it stocked 3 rows the policy would not (2 of new parts) and "
            "raised 1, adding 11 units at max_stock, stock value 730.00") in lines


def test_without_the_column_nothing_changes_and_nothing_is_added():
    history, master = golden_case()
    result = spareopt.must_stock(history, master.drop(columns="min_stock"))
    table = result.table
    assert "min_stock" not in table.columns
    assert table["part"].tolist() == ["A", "B", "C"]  # N is not listed: no floor, no sale
    assert result.report["min_stock"] is None
    assert result.report["master_parts_without_history"] == 1


@pytest.mark.parametrize("header", ["min_stock", "minimum_stock", "最低库存", "最低库存量"])
def test_min_stock_headers(header):
    master = load_parts(pd.DataFrame({"part": ["A"], header: [3]}))
    assert master.report["columns"]["min_stock"] == header
    assert "reorder_point" not in master.report["columns"]  # no longer an alias of the company's Min


def test_every_policy_respects_the_floor():
    history, master = golden_case()
    master["attribute"] = ["A", "B", "C", "C"]
    config = {"class_policy": [{"match": "?C?", "decision": "none"}]}
    for policy in ("seed", "service-level"):
        table = spareopt.must_stock(history, master, config=config, policy=policy).table.set_index(["dealer", "part"])
        # the class policy keeps C-attribute parts off the shelf; the planner's floor wins over it
        assert table.loc[("D1", "N"), "decision"] == "dealer" and table.loc[("D1", "N"), "reason"] == "min_stock"
        assert table.loc[("D2", "C"), "decision"] == "none"
        floored = table[table["min_stock"] > 0]
        assert (floored["max_stock"] >= floored["min_stock"]).all()
        assert (floored["reorder_point"] >= floored["min_stock"] - 1).all()


def test_order_buys_the_floor_of_a_new_part(tmp_path):
    history, master = golden_case()
    stock = pd.DataFrame({"dealer": ["D1", "D2"], "part": ["A", "C"], "on_hand": [20, 9]})
    orders = spareopt.order(history, master, stock=stock).table
    new = orders[orders["part"] == "N"].set_index("dealer")
    assert new["order_qty"].tolist() == [3, 3]  # position 0 <= s = 2: up to S = 3


# -- evaluate and optimize ---------------------------------------------------------------------------


def _long_case() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(3)
    months = [str(p) for p in pd.period_range("2022-01", periods=24, freq="M")]
    rows = [(d, p, m, int(q)) for d in ("D1", "D2") for p, rate in (("A", 4.0), ("B", 0.3))
            for m, q in zip(months, rng.poisson(rate, len(months)))]
    rows += [("D1", "L", months[20], 2)]  # L first sells in the holdout: a new part in training
    history = pd.DataFrame(rows, columns=["dealer", "part", "period", "quantity"])
    master = pd.DataFrame({"part": ["A", "B", "L", "N"], "unit_cost": [10.0, 40.0, 25.0, 100.0],
                           "lead_time_days": 10, "order_cycle_days": 30.4375, "min_stock": [0, 3, 2, 1]})
    return history, master


def test_evaluate_keeps_floor_only_rows_out_of_the_calibration():
    history, master = _long_case()
    evaluated = spareopt.evaluate(history, master, holdout_months=6,
                                  policies=("seed", "traditional", "service-level", "optimized"))
    result = evaluated.table
    assert {"min_stock", "min_stock_only"} <= set(result.columns)
    for policy, rows in result.groupby("policy", sort=False):
        floored = rows[rows["min_stock"] > 0]
        assert floored["stocked"].all(), policy
        assert (floored["max_stock"] >= floored["min_stock"]).all(), policy
        only = rows[rows["min_stock_only"]]
        assert set(only["part"]) <= {"B", "L", "N"}, policy
        assert (only["stocked"]).all()
    # L is sold in the holdout only: held for its floor, it fills what came, but made no promise
    seed = result[result["policy"] == "seed"].set_index(["dealer", "part"])
    assert seed.loc[("D1", "L"), "min_stock_only"] and seed.loc[("D1", "L"), "filled"] == 2.0
    # new in the training months, L is planned at every dealer, as must_stock would have planned it then
    assert seed.loc[("D2", "L"), "min_stock_only"] and seed.loc[("D2", "L"), "demand"] == 0.0
    calibration = evaluated.calibration
    stocked = result[result["stocked"] & ~result["min_stock_only"]]
    for policy, rows in stocked.groupby("policy", sort=False):
        row = calibration[(calibration["policy"] == policy) & (calibration["group"] == "all")].iloc[0]
        assert row["series"] == len(rows)
        assert row["demand"] == rows["demand"].sum()
    notes = evaluated.report["evaluation"]["min_stock"]
    assert notes["seed"]["rows_only_for_min_stock"] == int(result[result["policy"] == "seed"]["min_stock_only"].sum())
    assert notes["seed"]["filled"] >= 2.0
    assert evaluated.report["evaluation"]["optimized"]["min_stock_bought_first"] > 0


def test_optimize_buys_the_floor_first_and_spends_the_rest():
    history, master = _long_case()
    free = spareopt.optimize(history, master.drop(columns="min_stock"), budget=800.0).table
    result = spareopt.optimize(history, master, budget=800.0)
    table = result.table
    report = result.report["optimize"]
    assert report["spent"] <= 800.0 + 1e-9
    floored = table.merge(master[["part", "min_stock"]], on="part")
    floored = floored[floored["min_stock"] > 0]
    assert (floored["stock_level"] >= floored["min_stock"]).all()
    assert (floored["reorder_point"] >= floored["min_stock"] - 1).all()
    assert set(table["part"]) == {"A", "B", "L", "N"} and set(free["part"]) == {"A", "B", "L"}
    # B and N at both dealers, L only where it sold (a part with history is planned where it has rows)
    assert report["min_stock"]["rows"] == 5
    assert report["min_stock"]["stock_value"] > 0
    # the floor's money is not spent on A: A gets no more than without the floor
    a = table[table["part"] == "A"].set_index("dealer")["stock_level"]
    assert (a <= free[free["part"] == "A"].set_index("dealer")["stock_level"]).all()
    lines = report_lines(result.report)
    assert any(line.startswith("  min_stock: the planner's floor of 5 rows was bought first, for ") for line in lines)


def test_optimize_refuses_a_budget_below_the_floor():
    history, master = _long_case()
    with pytest.raises(InfeasibleError, match=r"^the budget 50\.00 cannot cover the planner's min_stock: it costs "):
        spareopt.optimize(history, master, budget=50.0)


def test_two_echelons_refuse_a_floor_they_cannot_buy():
    history, master = _long_case()
    with pytest.raises(spareopt.ConfigError, match="two echelons do not take a planner's min_stock yet"):
        spareopt.optimize(history, master, budget=5000.0, echelons=2)


# -- bad input ---------------------------------------------------------------------------------------


WHOLE = "`min_stock` must be a whole number of units >= 0 (the planner's floor); 1 row(s) break it (first: row 3 "
FIX = "Fix: correct the min_stock (blank = no floor)"


@pytest.mark.parametrize(("cell", "message"), [
    ("-1", f"{WHOLE}'-1'). {FIX}"),
    ("1.5", f"{WHOLE}'1.5'). {FIX}"),
    ("two", f"`min_stock` must be a finite number; 1 row(s) break it (first: row 3 'two'). {FIX}"),
])
def test_bad_min_stock_is_a_clear_error(text_file, cell, message):
    path = text_file(f"part,min_stock\nA,2\nB,{cell}\nC,\n", name="parts.csv")
    with pytest.raises(InputError) as err:
        load_parts(path)
    assert str(err.value) == f"{path}: {message}"


@pytest.mark.parametrize("cell", ["-2", "lots"])
def test_cli_bad_min_stock_exits_1_and_writes_nothing(cli_files, parts_master, cell):
    parts_master["min_stock"] = ["1"] * 6 + [cell]
    parts_master.to_csv("parts.csv", index=False)
    result = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "out.csv")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: parts.csv: `min_stock` must be ")
    assert "row 8 " in result.stderr and result.stderr.count("\n") == 1
    assert not Path("out.csv").exists()


# -- the CLI end to end ------------------------------------------------------------------------------


def test_cli_must_stock_with_a_floor_and_a_new_part(cli_files, parts_master):
    new = pd.DataFrame({"part": ["N900"], "description": ["new model's door seal"], "unit_cost": [30.0],
                        "lead_time_days": [7], "order_cycle_days": [7], "attribute": ["B"]})
    master = pd.concat([parts_master, new], ignore_index=True)
    master["最低库存"] = [None, None, 4, None, None, None, None, 2]  # B200 (low volume) and the new N900
    master.to_csv("parts.csv", index=False)
    result = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "out.csv")
    assert result.exit_code == 0, result.stderr
    table = pd.read_csv("out.csv", dtype={"part": str})
    new_rows = table[table["part"] == "N900"]
    assert new_rows["dealer"].tolist() == ["D01", "D02", "D03"]
    assert (new_rows[["reorder_point", "max_stock", "half_year_quantity"]].values == [1, 2, 0]).all()
    assert set(new_rows["reason"]) == {"min_stock"} and set(new_rows["decision"]) == {"dealer"}
    b200 = table[table["part"] == "B200"]
    assert (b200["max_stock"] >= 4).all() and (b200["reorder_point"] >= 3).all()
    assert (b200["decision"] == "dealer").all()
    assert ("  1 parts of the master have no sales up to as_of but a min_stock or an installed_base: listed with zero "
            "demand at every dealer (first: N900)") in result.stderr.splitlines()
    assert any(line.startswith("min_stock: 6 rows have a planner's floor; it stocked ")
               for line in result.stderr.splitlines())


def test_the_readme_example_runs_and_prints_what_the_readme_shows(tmp_path):
    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert ("spareopt must-stock examples/carparts_sample.csv --parts examples/parts_min_stock.csv --only-stocked "
            "-o plan.csv") in readme
    out = tmp_path / "plan.csv"
    result = run_cli("must-stock", str(root / "examples" / "carparts_sample.csv"), "--parts",
                     str(root / "examples" / "parts_min_stock.csv"), "--only-stocked", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    shown = [line.strip() for line in result.stderr.splitlines()
             if line.lstrip().startswith(("2 parts of the master have no sales", "min_stock: "))]
    assert len(shown) == 2 and all(line in readme for line in shown)
    plan = pd.read_csv(out, dtype={"part": str}).set_index("part")
    assert plan.loc[["90000001", "90000002"], "reason"].tolist() == ["min_stock", "min_stock"]
    assert plan.loc["11526471", ["reorder_point", "max_stock"]].tolist() == [3, 4]
