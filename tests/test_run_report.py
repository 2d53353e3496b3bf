"""`spareopt.run_report`: every field of every job's run report is declared, with how the engines merge it.

Golden: the merge of two dealer sets' reports by hand.  Properties: the reports of every job, with the
optional sections switched on (supersessions, a floor, an installed base, caps, two echelons), hold no
undeclared field.  Bad input: an undeclared field is named by its path.
"""

from __future__ import annotations

from spareopt.engine.merge import merge_reports
from spareopt.run_report import NETWORK, ONCE, SUM, SUM_SORTED, RunReport, field_merge, undeclared


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


def test_every_jobs_report_is_declared(job_reports):
    reports = job_reports
    assert {name: undeclared(report) for name, report in reports.items()} == {name: [] for name in reports}
    seen = {key for report in reports.values() for key in report}
    for section in ("supersession", "min_stock", "installed_base", "evaluation", "optimize", "last_buy", "order",
                    "dead_stock", "kpi", "classes", "mc", "forecast", "stock", "service"):
        assert section in seen  # the optional sections were switched on, so their fields were checked
    assert reports["evaluate"]["installed_base"] and reports["must-stock"]["min_stock"]
    assert reports["last-buy"]["last_buy"].get("caps") and reports["two-echelon"]["evaluation"].get("two-echelon")
