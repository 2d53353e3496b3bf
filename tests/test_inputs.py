"""``spareopt.load``: read once, run every job on the same :class:`spareopt.Inputs`.

Golden: the seed's worked oil-filter example through load -> plan_stock.  Properties: every job on the
Inputs equals the same job on the files, and leaves the Inputs as they were.  Bad input: file arguments
with Inputs, an as_of other than theirs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_same_table

import spareopt
from spareopt.inputs import Inputs


@pytest.fixture
def stock(sales: pd.DataFrame) -> pd.DataFrame:
    series = sales[["dealer", "part"]].drop_duplicates().reset_index(drop=True)
    return series.assign(on_hand=np.arange(len(series)) % 7, on_order=0, reserved=0)


def test_golden_load_then_plan_is_the_seed_example():
    """MAD = (20 + 2x22 + 3x18 + 4x25 + 5x21 + 6x24) / 21 = 22.2381; with L/T 5 days and O/C 7 days,
    SSQ = 22.2381 x 12 / 6 = 44.48, ROP = ceil(22.2381 x 5 / 30.4375 + 44.48) = 49, max = 54."""
    sales = pd.DataFrame({"part": ["oil filter"] * 6, "period": pd.period_range("2024-01", periods=6, freq="M"),
                          "quantity": [20, 22, 18, 25, 21, 24]})
    inputs = spareopt.load(sales, config={"defaults": {"lead_time_days": 5, "order_cycle_days": 7}})
    assert isinstance(inputs, Inputs)
    plan = spareopt.plan_stock(inputs)
    assert plan.mad == pytest.approx([22.238095238], abs=1e-8)
    assert plan.reorder_point.tolist() == [49] and plan.max_stock.tolist() == [54]
    row = plan.to_frame().iloc[0]
    assert (row["decision"], row["reason"]) == ("dealer", "stock")


def test_every_job_on_inputs_equals_the_job_on_the_files(sales, parts_master, stock):
    config = {"low_volume_max": 6}
    inputs = spareopt.load(sales, parts_master, config=config)
    before = inputs.matrix.values.copy()
    pairs = [
        (spareopt.must_stock(inputs), spareopt.must_stock(sales, parts_master, config)),
        (spareopt.plan_stock(inputs).to_result(), spareopt.must_stock(sales, parts_master, config)),
        (spareopt.must_stock(inputs, policy="service-level"),
         spareopt.must_stock(sales, parts_master, config, policy="service-level")),
        (spareopt.order(inputs, stock=stock), spareopt.order(sales, parts_master, config, stock=stock)),
        (spareopt.kpi(inputs, stock=stock), spareopt.kpi(sales, parts_master, config, stock=stock)),
        (spareopt.dead_stock(inputs, stock=stock), spareopt.dead_stock(sales, parts_master, config, stock=stock)),
        (spareopt.evaluate(inputs, holdout_months=2), spareopt.evaluate(sales, parts_master, config, "2024-06",
                                                                        holdout_months=2)),
        (spareopt.optimize(inputs, budget=500.0), spareopt.optimize(sales, parts_master, config, budget=500.0)),
    ]
    for on_inputs, on_files in pairs:
        assert_same_table(on_inputs, on_files)
        assert repr(on_inputs.report) == repr(on_files.report)  # NaN-safe, tables by their text
        for (name, mine), (_, theirs) in zip(on_inputs.side_tables(), on_files.side_tables(), strict=True):
            pd.testing.assert_frame_equal(mine, theirs, obj=name)
    np.testing.assert_array_equal(inputs.matrix.values, before)  # no job changed the inputs
    assert inputs.cfg.low_volume_max == 6


def test_classify_and_forecast_read_without_new_parts(sales, parts_master):
    inputs = spareopt.load(sales, parts_master, plan_new=False)
    assert_same_table(spareopt.classes(inputs), spareopt.classes(sales, parts_master))
    assert_same_table(spareopt.forecasts(inputs), spareopt.forecasts(sales, parts_master))


def test_a_jobs_config_replaces_the_inputs_own(sales, parts_master):
    inputs = spareopt.load(sales, parts_master)
    assert_same_table(spareopt.must_stock(inputs, config={"low_volume_max": 6}),
                      spareopt.must_stock(sales, parts_master, {"low_volume_max": 6}))
    assert inputs.cfg.low_volume_max != 6


def test_the_first_read_as_of_holds(sales):
    inputs = spareopt.load(sales, as_of="2024-06")
    assert str(inputs.matrix.as_of) == "2024-06" and inputs.matrix.values.shape[1] == 6
    assert_same_table(spareopt.must_stock(inputs, as_of="2024-06"), spareopt.must_stock(sales, as_of="2024-06"))


@pytest.mark.parametrize("given", [{"parts": "parts.csv"}, {"columns": {"part": "sku"}}, {"encoding": "gbk"},
                                   {"supersessions": "subs.csv"}])
def test_file_arguments_with_inputs_are_a_usage_error(sales, given):
    inputs = spareopt.load(sales)
    with pytest.raises(spareopt.UsageError, match=f"{next(iter(given))}: the inputs were read"):
        spareopt.must_stock(inputs, **given)


def test_an_other_as_of_with_inputs_is_a_usage_error(sales):
    inputs = spareopt.load(sales)
    with pytest.raises(spareopt.UsageError, match=r"as_of 2024-05: the inputs end at 2024-08"):
        spareopt.must_stock(inputs, as_of="2024-05")


def test_load_reports_its_stages(sales):
    seen: list[str] = []
    spareopt.load(sales, progress=seen.append)
    assert seen == list(spareopt.inputs.STAGES[:3])


def test_a_malformed_as_of_with_inputs_is_a_clear_error(sales):
    inputs = spareopt.load(sales)
    with pytest.raises(spareopt.InputError, match=r"as_of must be a month YYYY-MM, got '2024-13x'"):
        spareopt.must_stock(inputs, as_of="2024-13x")


# -- classify once, plan on the classes ----------------------------------------------------------------------------


def _four_parts() -> spareopt.Inputs:
    """24 months of four parts; ABC over the last 12 months by value = units x unit_cost."""
    months = pd.period_range("2023-01", periods=24, freq="M")
    every_third = [6 if m % 3 == 2 else 0 for m in range(24)]
    twice = [0] * 24
    twice[15], twice[21] = 1, 7
    sales = pd.DataFrame({"part": np.repeat(["P1", "P2", "P3", "P4"], 24), "period": list(months) * 4,
                          "quantity": [10] * 24 + [2] * 24 + every_third + twice})
    parts = pd.DataFrame({"part": ["P1", "P2", "P3", "P4"], "unit_cost": [5.0, 10.0, 5.0, 5.0],
                          "attribute": ["A", "B", "C", "A"], "lead_time_days": [5, 0, 20, 30],
                          "order_cycle_days": [0, 0, 7, 7]})
    config = {"class_policy": [{"match": "*A?", "decision": "dealer"}, {"match": "BC*", "decision": "none"}]}
    return spareopt.load(sales, parts, config=config)


def test_golden_classify_series_by_hand():
    """Values over the last 12 months: P1 120 x 5 = 600, P2 24 x 10 = 240, P3 24 x 5 = 120, P4 8 x 5 = 40 (of
    1,000). The share before each: 0, 0.60, 0.84, 0.96 against 0.80 / 0.95: A, A, B, C. Supply cycles O/C + L/T:
    5, 0, 27, 37 days, bands 1, 0, 2, 3: codes AA1, AB0, BC2, CA3. The first class policy row "*A?" takes P1 and
    P4, the second "BC*" P3, none P2. Patterns over 24 months: P1 and P2 every month (ADI 1, CV2 0) smooth; P3 6
    units every third month (ADI 3, CV2 0) intermittent; P4 1 and 7 units, 6 months apart, lumpy."""
    classes = spareopt.classify_series(_four_parts())
    assert classes.abc_value.tolist() == [600.0, 240.0, 120.0, 40.0] and classes.basis == "value"
    assert classes.abc_class.tolist() == ["A", "A", "B", "C"]
    codes = spareopt.policy.class_policy.all_class_codes()
    assert [codes[c] for c in classes.code] == ["AA1", "AB0", "BC2", "CA3"]
    assert classes.rule.tolist() == [0, -1, 1, 0]
    assert classes.pattern.pattern.tolist() == ["smooth", "smooth", "intermittent", "lumpy"]


def test_the_plan_and_the_class_table_read_the_classes_of_classify_series():
    inputs = _four_parts()
    classes = spareopt.classify_series(inputs)
    plan = spareopt.plan_stock(inputs, classes=classes)
    assert plan.classes is classes
    table = plan.to_frame().set_index("part")
    assert table.loc[["P1", "P2", "P3", "P4"], "class_code"].tolist() == ["AA1", "AB0", "BC2", "CA3"]
    assert table.loc[["P1", "P3", "P4"], "reason"].tolist() == ["class_policy"] * 3
    assert table.loc[["P1", "P3"], "decision"].tolist() == ["dealer", "none"]
    shown = spareopt.classes(inputs).table.set_index("part")
    assert shown["abc_class"].tolist() == classes.abc_class.tolist()
    assert shown["pattern"].tolist() == classes.pattern.pattern.tolist()


def test_a_plan_on_given_classes_and_demand_equals_the_plan_that_computes_them(sales, parts_master):
    inputs = spareopt.load(sales, parts_master, config={"low_volume_max": 6})
    seed = spareopt.plan_stock(inputs, "seed")
    for policy in ("seed", "service-level"):
        reused = spareopt.plan_stock(inputs, policy, classes=seed.classes, demand=seed.demand)
        assert_same_table(reused.to_result(), spareopt.must_stock(inputs, policy=policy))


def test_evaluate_fits_the_demand_model_once_for_every_policy(sales, parts_master, monkeypatch):
    import spareopt.plan

    calls = []
    fit = spareopt.plan.lead_time_demand
    monkeypatch.setattr(spareopt.plan, "lead_time_demand", lambda *a, **k: calls.append(1) or fit(*a, **k))
    spareopt.evaluate(sales, parts_master, holdout_months=2, policies=["seed", "traditional", "service-level", "optimized"])
    assert len(calls) == 1


def test_classes_of_other_inputs_are_a_usage_error(sales):
    inputs = spareopt.load(sales)
    other = spareopt.load(sales[sales["part"] != sales["part"].iloc[0]])
    with pytest.raises(spareopt.UsageError, match="classify_series of the same inputs"):
        spareopt.plan_stock(inputs, classes=spareopt.classify_series(other))
    with pytest.raises(spareopt.UsageError, match="demand of a plan of the same inputs"):
        spareopt.plan_stock(inputs, demand=spareopt.plan_stock(other).demand)
