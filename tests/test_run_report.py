"""`spareopt.run_report`: every field of every job's run report is declared, with how the engines merge it.

Golden: the merge of two dealer sets' reports by hand.  Properties: the reports of every job, with the
optional sections switched on (supersessions, a floor, an installed base, caps, two echelons), hold no
undeclared field.  Bad input: an undeclared field is named by its path.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import spareopt
from spareopt.engine.merge import merge_reports
from spareopt.run_report import NETWORK, ONCE, SUM, SUM_SORTED, RunReport, field_merge, undeclared

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HISTORY, PARTS, STOCK = EXAMPLES / "carparts_sample.csv", EXAMPLES / "parts_master.csv", EXAMPLES / "stock.csv"


def test_golden_merge_of_two_dealer_sets_by_hand():
    """Series and decisions add up; the parts and months (the network's) are taken once; the class counts add
    up with their labels sorted; the order's budget is a setting, its lines a count; the implied fill rate is
    the network's, set again after the merge (taken once here)."""
    first = {"series": 4, "parts": 3, "months": 24, "decisions": {"dealer": 3, "none": 1},
             "classes": {"pattern": {"smooth": 2, "lumpy": 2}, "phase_in": 1},
             "order": {"lines": 2, "budget": 100.0}, "service": {"policy": "seed", "implied_fill_rate": 0.9,
                                                               "demand_models": {"poisson": 3}}}
    second = {"series": 2, "parts": 3, "months": 24, "decisions": {"dealer": 1, "central": 1},
              "classes": {"pattern": {"erratic": 1, "smooth": 1}, "phase_in": 0},
              "order": {"lines": 5, "budget": 100.0}, "service": {"policy": "seed", "implied_fill_rate": 0.5,
                                                                "demand_models": {"normal": 1, "poisson": 1}}}
    merged = merge_reports([first, second])
    assert merged == {"series": 6, "parts": 3, "months": 24, "decisions": {"dealer": 4, "none": 1, "central": 1},
                      "classes": {"pattern": {"erratic": 1, "lumpy": 2, "smooth": 3}, "phase_in": 1},
                      "order": {"lines": 7, "budget": 100.0},
                      "service": {"policy": "seed", "implied_fill_rate": 0.9,
                                  "demand_models": {"poisson": 4, "normal": 1}}}
    assert list(merged["classes"]["pattern"]) == ["erratic", "lumpy", "smooth"]


def test_each_field_says_how_it_merges():
    assert field_merge(RunReport, "series") is SUM and field_merge(RunReport, "parts") is ONCE
    assert field_merge(RunReport, "rows_after_as_of") is NETWORK
    classes = field_merge(RunReport, "classes")
    assert field_merge(classes, "pattern") is SUM_SORTED
    assert field_merge(field_merge(RunReport, "evaluation"), "totals") is NETWORK
    assert field_merge(RunReport, "no_such_field") is None


def test_an_undeclared_field_is_named_by_its_path():
    report = {"series": 1, "service": {"policy": "seed", "backtest": {"months": 6, "mood": "good"}},
              "evaluation": {"calibration": {"seed": {"verdict": "kept", "colour": 1}}}, "extra": 2}
    assert undeclared(report) == ["service.backtest.mood", "evaluation.calibration.seed.colour", "extra"]


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The bundled example with every optional column: a floor, an installed base, current levels, a chain."""
    folder = tmp_path_factory.mktemp("rich")
    parts = pd.read_csv(PARTS, dtype={"part": str})
    sold = pd.read_csv(HISTORY, dtype={"part_id": str})["part_id"].drop_duplicates().tolist()
    parts["min_stock"] = [2 if i % 9 == 0 else None for i in range(len(parts))]
    parts["installed_base"] = [None if i % 4 == 0 else 500 + 10 * i for i in range(len(parts))]
    parts["reorder_point"], parts["max_stock"] = 1, 3
    parts.to_csv(folder / "parts.csv", index=False)
    pd.DataFrame({"old_part": [sold[0]], "new_part": [sold[1]]}).to_csv(folder / "sup.csv", index=False)
    return {"parts": folder / "parts.csv", "sup": folder / "sup.csv"}


def _reports(rich: dict[str, Path]) -> dict[str, dict]:
    parts, sup = rich["parts"], rich["sup"]
    common = {"supersessions": sup}
    costs = {"defaults": {"unit_cost": 10.0}}  # a budget needs every part's unit_cost
    plain = {"two-echelon": spareopt.evaluate(HISTORY, PARTS, holdout_months=6,
                                             policies=["seed", "two-echelon", "two-echelon-dealers"]),
             "optimize-2": spareopt.optimize(HISTORY, PARTS, budget=3000.0, echelons=2)}
    runs = {
        "must-stock": spareopt.must_stock(HISTORY, parts, **common),
        "must-stock-sl": spareopt.must_stock(HISTORY, parts, policy="service-level",
                                             config={"lead_time_demand": "poisson_gamma"}, **common),
        "classify": spareopt.classes(HISTORY, parts, mc_method="ramanathan", **common),
        "forecast": spareopt.forecasts(HISTORY, parts, methods=["ses", "auto"], **common),
        "evaluate": spareopt.evaluate(HISTORY, parts, holdout_months=6, **common,
                                      policies=["seed", "traditional", "service-level", "current", "optimized"]),
        "optimize": spareopt.optimize(HISTORY, parts, budget=3000.0, **common),
        "last-buy": spareopt.last_buy(HISTORY, parts, horizon_months=24, service_level=0.95, stock=STOCK,
                                      budget=500.0, all_parts=True, config=costs,
                                      **common),
        "order": spareopt.order(HISTORY, parts, stock=STOCK, budget=200.0, config=costs, **common),
        "dead-stock": spareopt.dead_stock(HISTORY, parts, stock=STOCK, **common),
        "kpi": spareopt.kpi(HISTORY, parts, stock=STOCK, **common),
    }
    return {name: result.report for name, result in {**runs, **plain}.items()}


def test_every_jobs_report_is_declared(rich):
    reports = _reports(rich)
    assert {name: undeclared(report) for name, report in reports.items()} == {name: [] for name in reports}
    seen = {key for report in reports.values() for key in report}
    for section in ("supersession", "min_stock", "installed_base", "evaluation", "optimize", "last_buy", "order",
                    "dead_stock", "kpi", "classes", "mc", "forecast", "stock", "service"):
        assert section in seen  # the optional sections were switched on, so their fields were checked
    assert reports["evaluate"]["installed_base"] and reports["must-stock"]["min_stock"]
    assert reports["last-buy"]["last_buy"].get("caps") and reports["two-echelon"]["evaluation"].get("two-echelon")
