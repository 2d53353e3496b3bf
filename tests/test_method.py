"""Unit tests of the seed method's building blocks (issue 2, section 3), with hand-computed values.

mad, half_year_quantity, ssq, reorder_point, max_stock, ceil_units, abc, decide,
stocking_priority, Config validation and demand_matrix.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import spareopt
from spareopt import Config, ConfigError, InputError, SpareoptError
from spareopt.policy import DAYS_PER_MONTH, ceil_units, decide, ssq, stocking_priority

D = 365.25 / 12  # 30.4375 days per month


# -- MAD and half-year quantity ---------------------------------------------------------------------

def test_mad_matrix_rows_are_series():
    # row 1: 1..6 -> (1 + 4 + 9 + 16 + 25 + 36) / 21 = 91 / 21 = 13/3
    # row 2: one sale of 21 in the latest month -> 6 x 21 / 21 = 6
    # row 3: one sale of 21 in the oldest month -> 1 x 21 / 21 = 1
    q = np.array([[1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 21], [21, 0, 0, 0, 0, 0]], dtype=float)
    result = spareopt.mad(q)
    assert result.shape == (3,)
    np.testing.assert_allclose(result, [13 / 3, 6.0, 1.0], rtol=1e-12, atol=0)


def test_mad_uses_only_the_last_six_columns():
    # 9 months; the first three are ignored: window 0, 0, 0, 0, 0, 7 -> 6 x 7 / 21 = 2
    q = np.array([[100, 100, 100, 0, 0, 0, 0, 0, 7]], dtype=float)
    np.testing.assert_allclose(spareopt.mad(q), [2.0], rtol=1e-12)
    np.testing.assert_array_equal(spareopt.half_year_quantity(q), [7.0])


def test_mad_one_dimensional_series_gives_a_scalar():
    # 4, 4, 4, 4, 4, 4 -> 4 x 21 / 21 = 4
    assert np.ndim(spareopt.mad([4, 4, 4, 4, 4, 4])) == 0
    assert float(spareopt.mad([4, 4, 4, 4, 4, 4])) == pytest.approx(4.0, rel=1e-12)


def test_mad_of_zero_demand_is_zero():
    assert spareopt.mad(np.zeros((3, 8))).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("months", [0, 1, 5])
def test_mad_needs_six_months(months):
    with pytest.raises(ValueError, match="6 months"):
        spareopt.mad(np.ones((2, months)))
    with pytest.raises(ValueError, match="6 months"):
        spareopt.half_year_quantity(np.ones((2, months)))


def test_half_year_quantity_sums_the_last_six_months():
    # last six of 9, 9, 1, 2, 3, 4, 5, 6 -> 1 + ... + 6 = 21; fractional units are kept
    q = np.array([[9, 9, 1, 2, 3, 4, 5, 6], [0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 10]])
    np.testing.assert_array_equal(spareopt.half_year_quantity(q), [21.0, 12.5])


# -- SSQ, reorder point, maximum ------------------------------------------------------------------

def test_ssq_is_mad_times_cycle_over_six():
    # 6 x (7 + 5) / 6 = 12; 3 x (0 + 0) / 6 = 0; 2.5 x (10 + 2) / 6 = 5
    np.testing.assert_allclose(spareopt.ssq([6.0, 3.0, 2.5], [7, 0, 10], [5, 0, 2]), [12.0, 0.0, 5.0],
                               rtol=1e-12, atol=0)


def test_ssq_broadcasts_a_scalar_cycle():
    # cycle 7 + 5 = 12 for every part: SSQ = 2 x MAD
    np.testing.assert_allclose(spareopt.ssq([1.0, 2.0, 4.5], 7, 5), [2.0, 4.0, 9.0], rtol=1e-12)


def test_ssq_divisor_is_configurable():
    # 6 x 12 / 4 = 18 instead of 12
    np.testing.assert_allclose(spareopt.ssq([6.0], 7, 5, ssq_divisor=4.0), [18.0], rtol=1e-12)


def test_days_per_month_is_365_25_over_12():
    assert DAYS_PER_MONTH == 365.25 / 12 == 30.4375


def test_reorder_point_hand_values():
    # MAD 6, L/T 5, SSQ 12: 30 / 30.4375 + 12 = 12.9856 -> 13
    # MAD 10, L/T 30.4375 (one month), SSQ 0: 10 x 1 + 0 = 10 exactly -> 10 (no rounding up)
    # MAD 3, L/T 0, SSQ 0.5: 0 + 0.5 -> 1
    # MAD 0, L/T 9, SSQ 0: 0 -> 0
    result = spareopt.reorder_point([6.0, 10.0, 3.0, 0.0], [5, D, 0, 9], [12.0, 0.0, 0.5, 0.0])
    assert result.tolist() == [13, 10, 1, 0]
    assert result.dtype.kind == "i"


def test_max_stock_hand_values():
    # MAD 6, L/T 5, O/C 7, SSQ 12: 6 x 12 / 30.4375 + 12 = 14.3655 -> 15 (ROP 13)
    # MAD 4, L/T 1, O/C 2, SSQ 2: 4 x 3 / 30.4375 + 2 = 2.394 -> 3 (ROP ceil(2.131) = 3)
    # MAD 10, L/T 0, O/C 30.4375, SSQ 0: 10 x 1 = 10 -> 10 (ROP 0)
    # MAD 0: everything 0
    result = spareopt.max_stock([6.0, 4.0, 10.0, 0.0], [5, 1, 0, 5], [7, 2, D, 7], [12.0, 2.0, 0.0, 0.0])
    assert result.tolist() == [15, 3, 10, 0]
    assert result.dtype.kind == "i"


def test_max_stock_is_never_below_reorder_point():
    mad_ = np.array([0.0, 1.0, 7.3, 50.0])
    lead = np.array([0.0, 3.0, 14.0, 60.0])
    cycle = np.array([0.0, 0.0, 7.0, 1.0])
    s = spareopt.ssq(mad_, cycle, lead)
    assert np.all(spareopt.max_stock(mad_, lead, cycle, s) >= spareopt.reorder_point(mad_, lead, s))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (3.0, 3),
        (3.0000000001, 3),    # 1e-10 above: float noise, within the 1e-9 tolerance
        (3.0000000005, 3),    # 5e-10 above: still within
        (3.000000002, 4),     # 2e-9 above: a real excess
        (3.01, 4),
        (2.9999999999, 3),
        (0.0, 0),
        (1e-12, 0),
        (0.2, 1),
    ],
)
def test_ceil_units_tolerance(value, expected):
    assert ceil_units([value]).tolist() == [expected]


def test_ceil_units_is_integer_and_elementwise():
    result = ceil_units(np.array([[0.5, 1.5], [2.0, 7.2]]))
    assert result.dtype == np.int64
    assert result.tolist() == [[1, 2], [2, 8]]


# -- ABC -----------------------------------------------------------------------------------------------

def test_abc_seed_80_95_split():
    # 50, 30, 15, 5 (total 100): before-shares 0, .50, .80, .95 -> A, A, B (0.80 is not < 0.80), C (0.95)
    assert spareopt.abc([50, 30, 15, 5]).tolist() == ["A", "A", "B", "C"]


def test_abc_input_order_does_not_matter():
    # same values shuffled: 15, 5, 50, 30
    assert spareopt.abc([15, 5, 50, 30]).tolist() == ["B", "C", "A", "A"]


def test_abc_ties_go_by_order_ascending():
    # 40, 40, 20 (total 100). The first of the tied pair has before-share 0 -> A; the second .40 -> A;
    # 20 has .80 -> B.  With cut-off abc_a = 0.3 the tie decides: first 0 -> A, second .40 -> B.
    values = [40, 40, 20]
    assert spareopt.abc(values, abc_a=0.3).tolist() == ["A", "B", "B"]
    # order says the second item comes first
    assert spareopt.abc(values, order=[1, 0, 2], abc_a=0.3).tolist() == ["B", "A", "B"]


def test_abc_per_group():
    # group g1: 90, 10 -> A (0), C? before .90 >= .80 and < .95 -> B
    # group g2: 1, 1, 1, 1 (total 4) -> before 0, .25, .50, .75 -> A, A, A, A
    # Pooled, the four 1s would be C (before-shares >= .95 of 104).
    value = [90, 1, 10, 1, 1, 1]
    group = ["g1", "g2", "g1", "g2", "g2", "g2"]
    assert spareopt.abc(value, group=group).tolist() == ["A", "A", "B", "A", "A", "A"]
    assert spareopt.abc(value).tolist() == ["A", "C", "B", "C", "C", "C"]


def test_abc_zero_value_is_c():
    # 10, 0, 0: 10 -> A; zero values -> C even though their before-share would be 1.0 anyway;
    # a group with zero total -> all C.
    assert spareopt.abc([10, 0, 0]).tolist() == ["A", "C", "C"]
    assert spareopt.abc([0, 0], group=["x", "x"]).tolist() == ["C", "C"]
    # with cut-offs of 1.0 every positive item is A (before-share < 1), zero still C
    assert spareopt.abc([5, 0, 3], abc_a=1.0, abc_b=1.0).tolist() == ["A", "C", "A"]


def test_abc_empty_input():
    assert spareopt.abc([]).tolist() == []


@pytest.mark.parametrize(
    ("value", "kwargs"),
    [
        ([1.0, -1.0], {}),
        ([1.0, np.nan], {}),
        ([1.0, np.inf], {}),
        ([[1.0, 2.0]], {}),
        ([1.0], {"abc_a": 0.9, "abc_b": 0.8}),
        ([1.0], {"abc_a": 0.0}),
        ([1.0], {"abc_b": 1.5}),
    ],
)
def test_abc_bad_input_raises_value_error(value, kwargs):
    with pytest.raises(ValueError):
        spareopt.abc(value, **kwargs)


# -- decide --------------------------------------------------------------------------------------------

def _decide(**overrides):
    """One row that would be dealer/stock, with some fields changed."""
    row = {"order_cycle_days": [7.0], "lead_time_days": [5.0], "attribute": ["A"], "unit_cost": [30.0],
               "half_year_quantity": [40.0], "ssq": [9.0], "high_value_cost": 1000.0}
    row.update(overrides)
    decision, reason = decide(**row)
    return decision[0], reason[0]


def test_decide_default_row_is_stocked():
    assert _decide() == ("dealer", "stock")


def test_decide_direct_supply():
    assert _decide(order_cycle_days=[0.0], lead_time_days=[0.0]) == ("none", "direct_supply")
    # only the sum matters; either alone > 0 is a supply cycle
    assert _decide(order_cycle_days=[0.0], lead_time_days=[0.5]) == ("dealer", "stock")
    assert _decide(order_cycle_days=[1.0], lead_time_days=[0.0]) == ("dealer", "stock")


def test_decide_direct_supply_wins_over_every_other_rule():
    assert _decide(order_cycle_days=[0.0], lead_time_days=[0.0], attribute=["C"], unit_cost=[5000.0],
                   half_year_quantity=[0.0], ssq=[0.0]) == ("none", "direct_supply")


def test_decide_high_value_boundary():
    # unit_cost exactly = high_value_cost -> high value (>=); one cent below -> not
    assert _decide(attribute=["C"], unit_cost=[1000.0]) == ("none", "high_value_assembly")
    assert _decide(attribute=["C"], unit_cost=[999.99]) == ("dealer", "stock")
    # only attribute C: an A or B part that costly is still stocked
    assert _decide(attribute=["A"], unit_cost=[5000.0]) == ("dealer", "stock")
    assert _decide(attribute=["B"], unit_cost=[5000.0]) == ("dealer", "stock")


def test_decide_nan_unit_cost_is_never_high_value():
    assert _decide(attribute=["C"], unit_cost=[np.nan]) == ("dealer", "stock")
    assert _decide(attribute=["C"], unit_cost=[np.nan], high_value_cost=0.0) == ("dealer", "stock")


def test_decide_high_value_wins_over_no_demand():
    assert _decide(attribute=["C"], unit_cost=[2000.0], half_year_quantity=[0.0], ssq=[0.0]) == \
        ("none", "high_value_assembly")


def test_decide_no_demand_before_low_volume():
    assert _decide(half_year_quantity=[0.0], ssq=[0.0]) == ("none", "no_demand")


def test_decide_low_volume_boundary():
    # the seed's switch: exactly 12 in the half year -> low volume; 12.5 -> not
    assert _decide(half_year_quantity=[12.0]) == ("none", "low_volume")
    assert _decide(half_year_quantity=[12.5]) == ("dealer", "stock")
    assert _decide(half_year_quantity=[0.5]) == ("none", "low_volume")
    # configurable
    assert _decide(half_year_quantity=[12.0], low_volume_max=11.0) == ("dealer", "stock")
    assert _decide(half_year_quantity=[20.0], low_volume_max=20.0) == ("none", "low_volume")


def test_decide_low_volume_wins_over_low_ssq():
    assert _decide(half_year_quantity=[12.0], ssq=[0.1]) == ("none", "low_volume")


def test_decide_central_boundary():
    # SSQ exactly 1.0 is not < 1.0 -> dealer; just below -> central
    assert _decide(ssq=[1.0]) == ("dealer", "stock")
    assert _decide(ssq=[0.999]) == ("central", "low_ssq")
    assert _decide(ssq=[0.0]) == ("central", "low_ssq")
    assert _decide(ssq=[1.5], central_ssq_min=2.0) == ("central", "low_ssq")


def test_decide_vectorised_rows():
    decision, reason = decide(
        order_cycle_days=[0, 7, 7, 7, 7, 7], lead_time_days=[0, 5, 5, 5, 5, 5],
        attribute=["A", "C", "B", "B", "A", "A"],
        unit_cost=[10.0, 1000.0, 10.0, 10.0, 10.0, 10.0],
        half_year_quantity=[40, 40, 0, 12, 13, 40], ssq=[0.0, 9.0, 0.0, 3.0, 0.5, 9.0],
        high_value_cost=1000.0,
    )
    assert list(reason) == ["direct_supply", "high_value_assembly", "no_demand", "low_volume", "low_ssq", "stock"]
    assert list(decision) == ["none", "none", "none", "none", "central", "dealer"]


# -- stocking priority -------------------------------------------------------------------------------

def test_stocking_priority_by_ssq_descending():
    # dealer rows: SSQ 2 (idx 0), 5 (idx 2), 3 (idx 3) -> 5 first, 3, 2; none/central rows get 0
    result = stocking_priority(["dealer", "none", "dealer", "dealer", "central"], [2.0, 9.0, 5.0, 3.0, 8.0],
                               [1.0] * 5)
    assert result.tolist() == [3, 0, 1, 2, 0]


def test_stocking_priority_ties_by_mad_then_order():
    # all SSQ 12: MAD 3, 6, 6, 6 -> the MAD-6 rows first, among them by order ascending
    # order: idx1 -> 7, idx2 -> 5, idx3 -> 6  => idx2 (1), idx3 (2), idx1 (3), idx0 (MAD 3) (4)
    result = stocking_priority(["dealer"] * 4, [12.0] * 4, [3.0, 6.0, 6.0, 6.0], order=[0, 7, 5, 6])
    assert result.tolist() == [4, 3, 1, 2]
    # without order: input position
    result = stocking_priority(["dealer"] * 4, [12.0] * 4, [3.0, 6.0, 6.0, 6.0])
    assert result.tolist() == [4, 1, 2, 3]


def test_stocking_priority_exact_ssq_tie_goes_by_mad():
    # SSQ = 15/21 x (0 + 64) / 6 and 160/21 x (0 + 6) / 6 are both 160/21 exactly; floating point gives
    # 7.6190476190476195 and 7.619047619047618, so sorting the floats put the smaller MAD first
    mad = np.array([15.0, 160.0]) / 21
    safety = ssq(mad, 0, [64, 6])
    assert safety[0] != safety[1] and safety == pytest.approx([160 / 21] * 2, rel=1e-15)
    assert stocking_priority(["dealer"] * 2, safety, mad).tolist() == [2, 1]
    assert stocking_priority(["dealer"] * 2, safety[::-1], mad[::-1]).tolist() == [1, 2]
    # a real difference above the tolerance still goes first, whatever the MAD
    assert stocking_priority(["dealer"] * 2, [160 / 21 + 1e-6, 160 / 21], mad).tolist() == [1, 2]


def test_stocking_priority_restarts_in_each_group():
    # group b: SSQ 4, 1 -> 1, 2;  group a: SSQ 3, 7, (none) -> 2, 1, 0
    result = stocking_priority(["dealer", "dealer", "dealer", "dealer", "none"], [4.0, 3.0, 1.0, 7.0, 99.0],
                               [1.0] * 5, group=["b", "a", "b", "a", "a"])
    assert result.tolist() == [1, 2, 2, 1, 0]


def test_stocking_priority_no_dealer_rows():
    assert stocking_priority(["none", "central"], [1.0, 2.0], [1.0, 1.0]).tolist() == [0, 0]
    assert stocking_priority([], [], []).tolist() == []


# -- Config ----------------------------------------------------------------------------------------------

def test_config_defaults():
    c = Config()
    assert (c.ssq_divisor, c.abc_window_months, c.abc_a, c.abc_b) == (6.0, 12, 0.80, 0.95)
    assert (c.low_volume_max, c.central_ssq_min) == (12.0, 1.0)
    assert c.high_value_cost == "p95" and c.high_value_percentile == 95.0
    assert (c.defaults.lead_time_days, c.defaults.order_cycle_days, c.defaults.attribute) == (7.0, 7.0, "B")
    assert c.defaults.unit_cost is None


def test_config_from_mapping():
    c = spareopt.load_config({"abc_a": 0.7, "high_value_cost": "P90", "defaults": {"attribute": " a ",
                                                                                   "lead_time_days": 3}})
    assert c.abc_a == 0.7
    assert c.high_value_percentile == 90.0
    assert c.defaults.attribute == "A"
    assert c.defaults.lead_time_days == 3.0
    assert spareopt.load_config({"high_value_cost": 5000}).high_value_percentile is None


def test_config_from_toml_file(tmp_path):
    path = tmp_path / "spareopt.toml"
    path.write_text('abc_a = 0.75\nlow_volume_max = 6\n\n[defaults]\norder_cycle_days = 14\n', encoding="utf-8")
    c = spareopt.load_config(path)
    assert (c.abc_a, c.low_volume_max, c.defaults.order_cycle_days) == (0.75, 6.0, 14.0)


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"abc_c": 0.99}, "abc_c"),                       # unknown key
        ({"defaults": {"colour": "red"}}, "defaults.colour"),
        ({"abc_a": 0.0}, "abc_a"),
        ({"abc_a": 1.2}, "abc_a"),
        ({"abc_a": 0.9, "abc_b": 0.8}, "abc_b"),
        ({"abc_b": 1.01}, "abc_b"),
        ({"abc_a": "0.8"}, "abc_a"),                      # text where a number is expected
        ({"abc_a": True}, "abc_a"),
        ({"abc_a": float("nan")}, "abc_a"),
        ({"ssq_divisor": 0}, "ssq_divisor"),
        ({"ssq_divisor": float("inf")}, "ssq_divisor"),
        ({"abc_window_months": 0}, "abc_window_months"),
        ({"low_volume_max": -1}, "low_volume_max"),
        ({"central_ssq_min": -0.5}, "central_ssq_min"),
        ({"high_value_cost": -1}, "high_value_cost"),
        ({"high_value_cost": "p101"}, "high_value_cost"),
        ({"high_value_cost": "expensive"}, "high_value_cost"),
        ({"defaults": {"lead_time_days": -1}}, "defaults.lead_time_days"),
        ({"defaults": {"order_cycle_days": -7}}, "defaults.order_cycle_days"),
        ({"defaults": {"attribute": "D"}}, "defaults.attribute"),
        ({"defaults": {"attribute": 1}}, "defaults.attribute"),
        ({"defaults": {"pack_size": 0}}, "defaults.pack_size"),
        ({"defaults": {"unit_cost": -5}}, "defaults.unit_cost"),
        ({"defaults": 3}, "defaults"),
    ],
)
def test_config_bad_key_or_value_raises_config_error(values, match):
    with pytest.raises(ConfigError, match=match) as info:
        spareopt.load_config(values)
    assert isinstance(info.value, SpareoptError) and isinstance(info.value, ValueError)


# Regression (found while writing these tests, fixed since): load_config coerces int fields with int(value),
#  so abc_window_months = 12.5 (or defaults.pack_size = 1.5) is silently truncated instead of raising 'must be
#  a whole number >= 1'
@pytest.mark.parametrize("values", [{"abc_window_months": 12.5}, {"defaults": {"pack_size": 1.5}}])
def test_config_fractional_whole_number_raises_config_error(values):
    with pytest.raises(ConfigError):
        spareopt.load_config(values)


def test_config_constructor_validates():
    with pytest.raises(ConfigError, match="abc_window_months"):
        Config(abc_window_months=12.5)
    with pytest.raises(ConfigError, match="abc_b"):
        Config(abc_a=0.9, abc_b=0.5)


# Regression (found while writing these tests, fixed since): Config(abc_window_months=6.0) passes validation
#  (6.0 is whole) but stays a float, and must_stock then fails with TypeError 'slice indices must be integers'
#  in DemandMatrix.last
def test_config_whole_float_window_is_usable():
    # 8 months of 1 unit, window 6.0 months: value = quantity of the last 6 months = 6 (no unit cost -> by
    # quantity); the single part is A.
    history = pd.DataFrame({"part": ["p"] * 8, "period": [f"2024-0{m}" for m in range(1, 9)], "quantity": [1] * 8})
    result = spareopt.must_stock(history, config=Config(abc_window_months=6.0))
    assert result.report["abc_window_months"] == 6
    assert result.table["abc_class"].tolist() == ["A"]


def test_config_missing_or_malformed_file(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        spareopt.load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("abc_a = = 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        spareopt.load_config(bad)


def test_must_stock_rejects_a_bad_config():
    history = pd.DataFrame({"part": ["p"] * 6, "period": [f"2024-0{m}" for m in range(1, 7)], "quantity": [1] * 6})
    with pytest.raises(ConfigError, match="low_volume_max"):
        spareopt.must_stock(history, config={"low_volume_max": -3})


# -- demand_matrix -------------------------------------------------------------------------------------

def _history(rows, columns=("part", "date", "quantity")):
    return spareopt.load_history(pd.DataFrame.from_records(rows, columns=list(columns)))


def test_demand_matrix_sums_lines_into_months():
    # P1: 2024-01 two lines 2 + 3 = 5; 2024-03 4; other months 0
    # P2: 2024-02 1; 2024-04 2 - 3 = -1 -> 0 (one negative month); 2024-06 7
    # months 2024-01 .. 2024-06 (the first month in the history .. the last)
    history = _history([
        ("P2", "2024-06-30", 7),
        ("P1", "2024-01-03", 2),
        ("P1", "2024-01-28", 3),
        ("P1", "2024-03-15", 4),
        ("P2", "2024-02-01", 1),
        ("P2", "2024-04-10", 2),
        ("P2", "2024-04-11", -3),
    ])
    matrix = spareopt.demand_matrix(history)
    np.testing.assert_array_equal(matrix.values, [[5, 0, 4, 0, 0, 0], [0, 1, 0, 0, 0, 7]])
    assert matrix.values.dtype == np.float64
    assert matrix.keys["part"].tolist() == ["P1", "P2"]
    assert not matrix.has_dealer
    assert [str(p) for p in matrix.periods] == ["2024-01", "2024-02", "2024-03", "2024-04", "2024-05", "2024-06"]
    assert str(matrix.as_of) == "2024-06"
    assert matrix.negative_months == 1
    assert matrix.rows_after_as_of == 0


def test_demand_matrix_monthly_totals_and_dealers():
    # monthly totals with a dealer column; keys sorted by dealer then part; missing months 0
    # D2/P1: 2024-01 3, 2024-06 1;  D1/P9: 2024-02 4;  D1/P1: 2024-01 1 + 1 (two total rows) = 2
    history = _history([
        ("D2", "P1", "2024-01", 3),
        ("D1", "P9", "2024-02", 4),
        ("D1", "P1", "2024-01", 1),
        ("D2", "P1", "2024-06", 1),
        ("D1", "P1", "2024-01", 1),
    ], columns=("dealer", "part", "period", "quantity"))
    matrix = spareopt.demand_matrix(history)
    assert matrix.keys.to_dict("list") == {"dealer": ["D1", "D1", "D2"], "part": ["P1", "P9", "P1"]}
    np.testing.assert_array_equal(matrix.values, [[2, 0, 0, 0, 0, 0], [0, 4, 0, 0, 0, 0], [3, 0, 0, 0, 0, 1]])
    assert matrix.negative_months == 0


def test_demand_matrix_as_of_ignores_and_counts_later_lines():
    # lines in 2024-07 and 2024-09 are after as_of 2024-06; P3 only sells in 2024-09 -> no series
    history = _history([
        ("P1", "2024-01-05", 1),
        ("P1", "2024-06-05", 2),
        ("P1", "2024-07-05", 50),
        ("P3", "2024-09-05", 9),
    ])
    matrix = spareopt.demand_matrix(history, as_of="2024-06")
    np.testing.assert_array_equal(matrix.values, [[1, 0, 0, 0, 0, 2]])
    assert matrix.keys["part"].tolist() == ["P1"]
    assert matrix.rows_after_as_of == 2
    assert str(matrix.as_of) == "2024-06"
    # as a Period too
    assert spareopt.demand_matrix(history, as_of=pd.Period("2024-06", freq="M")).rows_after_as_of == 2


def test_demand_matrix_as_of_later_than_the_data_pads_zeros():
    # data 2024-01..2024-06, as_of 2024-08: two trailing months of 0
    history = _history([("P1", "2024-01-05", 1), ("P1", "2024-06-05", 2)])
    matrix = spareopt.demand_matrix(history, as_of="2024-08")
    np.testing.assert_array_equal(matrix.values, [[1, 0, 0, 0, 0, 2, 0, 0]])


def test_demand_matrix_fewer_than_six_months_names_the_range():
    history = _history([("P1", "2024-01-05", 1), ("P1", "2024-05-20", 2)])
    with pytest.raises(InputError, match=r"2024-01\.\.2024-05") as info:
        spareopt.demand_matrix(history)
    assert "5 month" in str(info.value)
    # with a longer history, an early as_of also leaves too few months
    history = _history([("P1", "2024-01-05", 1), ("P1", "2024-12-20", 2)])
    with pytest.raises(InputError, match=r"2024-01\.\.2024-03"):
        spareopt.demand_matrix(history, as_of="2024-03")
    # exactly 6 months is enough
    assert spareopt.demand_matrix(history, as_of="2024-06").values.shape == (1, 6)


def test_demand_matrix_bad_as_of():
    history = _history([("P1", "2024-01-05", 1), ("P1", "2024-12-20", 2)])
    with pytest.raises(InputError, match="as_of"):
        spareopt.demand_matrix(history, as_of="not-a-month")
    with pytest.raises(InputError, match="2023-06"):
        spareopt.demand_matrix(history, as_of="2023-06")


def test_demand_matrix_to_frame():
    history = _history([("P1", "2024-01-05", 1), ("P1", "2024-06-05", 2), ("P2", "2024-03-01", 5)])
    frame = spareopt.demand_matrix(history).to_frame()
    assert frame.index.tolist() == ["P1", "P2"]
    assert frame.loc["P2", pd.Period("2024-03", freq="M")] == 5.0
    assert frame.loc["P1"].sum() == 3.0
    assert math.isclose(frame.to_numpy().sum(), 8.0)


# -- ABC inside must_stock: window and basis ---------------------------------------------------------------

def _two_part_history():
    # 8 months 2024-01..2024-08.  P1: 100 a month in 2024-01..05, then nothing; P2: 1 a month throughout.
    months = [f"2024-{m:02d}" for m in range(1, 9)]
    rows = [("P1", m, 100) for m in months[:5]] + [("P2", m, 1) for m in months]
    return pd.DataFrame.from_records(rows, columns=["part", "period", "quantity"])


def test_abc_window_months_limits_the_value_window():
    master = pd.DataFrame({"part": ["P1", "P2"], "unit_cost": [10.0, 10.0]})
    # default window 12 (all 8 months): P1 10 x 500 = 5000 -> A; P2 10 x 8 = 80, before 5000/5080 = .984 -> C
    table = spareopt.must_stock(_two_part_history(), parts=master).table.set_index("part")
    assert table.loc[["P1", "P2"], "abc_class"].tolist() == ["A", "C"]
    # window 3 (2024-06..08): P1 0 -> C; P2 10 x 3 = 30 -> A
    result = spareopt.must_stock(_two_part_history(), parts=master, config={"abc_window_months": 3})
    assert result.table.set_index("part").loc[["P1", "P2"], "abc_class"].tolist() == ["C", "A"]
    assert result.report["abc_window_months"] == 3


def test_abc_by_quantity_when_no_unit_cost_is_known():
    # no parts master: ABC on quantity; 12 months of 50, 30, 15, 5 units in total -> A, A, B, C
    months = [f"2024-{m:02d}" for m in range(1, 13)]
    totals = {"Q1": 50, "Q2": 30, "Q3": 15, "Q4": 5}
    rows = [(p, months[-1], q) for p, q in totals.items()] + [(p, months[0], 0) for p in totals]
    result = spareopt.must_stock(pd.DataFrame.from_records(rows, columns=["part", "period", "quantity"]))
    assert result.report["abc_basis"] == "quantity"
    assert result.table.set_index("part").loc[["Q1", "Q2", "Q3", "Q4"], "abc_class"].tolist() == ["A", "A", "B", "C"]
    # with a cost for one part only, the basis is value and parts without cost are worth 0 -> C
    master = pd.DataFrame({"part": ["Q4"], "unit_cost": [1.0]})
    result = spareopt.must_stock(pd.DataFrame.from_records(rows, columns=["part", "period", "quantity"]), parts=master)
    assert result.report["abc_basis"] == "value"
    assert result.table.set_index("part").loc[["Q1", "Q2", "Q3", "Q4"], "abc_class"].tolist() == ["C", "C", "C", "A"]
