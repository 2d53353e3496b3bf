"""Hand-computed golden cases of the seed method (Haima case study, ``shared/seed``).

Every expected number below was worked out by hand from the definitions in
issue 2, section 3 ("The method"); the arithmetic is written next to it.  Nothing
here was pasted from a run of the code.

Shared constants of the arithmetic:

- MAD = (1 q[T-5] + 2 q[T-4] + 3 q[T-3] + 4 q[T-2] + 5 q[T-1] + 6 q[T]) / 21
- SSQ = MAD x (O/C + L/T) / 6
- D = 365.25 / 12 = 30.4375 days per month
- reorder_point = ceil(MAD x L/T / D + SSQ)
- max_stock = max(reorder_point, ceil(MAD x (L/T + O/C) / D + SSQ))
- ABC: value = unit_cost x quantity of the last 12 months; sort by value descending
  (ties by part ascending); A while the cumulative share *before* the part is
  < 0.80, B while < 0.95, else C; zero value -> C.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import spareopt
import spareopt.report
from spareopt.policy import ceil_units

FLOAT_COLUMNS = ["mad", "ssq"]


def expected_frame(columns: list[str], rows: list[tuple]) -> pd.DataFrame:
    """A literal expected must-stock table with the documented dtypes."""
    frame = pd.DataFrame.from_records(rows, columns=columns)
    return frame.astype({
        "unit_cost": "float64", "half_year_quantity": "float64", "mad": "float64", "ssq": "float64",
        "reorder_point": "int64", "max_stock": "int64", "priority": "Int64",
    })


def assert_table(actual: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Exact on keys, classes, integers and decisions (and row order); 1e-12 relative on MAD and SSQ."""
    classification = ("class_code", "pattern", "policy_rule",  # checked by tests/test_class_policy.py
                      # the demand model and the implied service: tests/test_service_policy.py
                      "forecast_method", "forecast", "demand_model", "target_kind", "target", "implied_csl",
                      "implied_fill_rate")
    assert [c for c in actual.columns if c not in classification] == list(expected.columns)
    exact = [c for c in expected.columns if c not in FLOAT_COLUMNS]
    pd.testing.assert_frame_equal(actual[exact], expected[exact], check_exact=True, check_dtype=False)
    for column in ("reorder_point", "max_stock"):
        assert actual[column].dtype.kind == "i", column
    assert str(actual["priority"].dtype) == "Int64"
    pd.testing.assert_frame_equal(actual[FLOAT_COLUMNS], expected[FLOAT_COLUMNS], check_exact=False,
                                  rtol=1e-12, atol=0)


# ---------------------------------------------------------------------------------------------------
# (a) The seed's 13-part network example (seed section 3, tables 3-5, in spirit)
# ---------------------------------------------------------------------------------------------------

# History: 13 months, 2023-12 .. 2024-12; as_of = 2024-12 (the last month).
# MAD window = 2024-07 .. 2024-12 (weights 1..6); ABC window = 2024-01 .. 2024-12 (12 months),
# so the 2023-12 month is in the matrix but in neither window.
SEED13_MONTHS = ["2023-12"] + [f"2024-{m:02d}" for m in range(1, 13)]

# part -> quantities of 2023-12, then 2024-01 .. 2024-12 (13 numbers)
SEED13_SALES = {
    "10001": [0] + [40] * 12,                                     # engine oil
    "10002": [0] + [10] * 12,                                     # gear oil
    "10003": [0] + [20] * 12,                                     # antifreeze
    "20001": [0, 0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0],             # cylinder block: 2024-02, -05, -09
    "30001": [0] + [3] * 6 + [2] * 6,                             # reversing-light switch: 12 in the half year
    "30002": [1000, 1, 0, 2, 0, 1, 0] + [0] * 6,                  # fog lamp: nothing in the half year
    "40001": [0] + [3] * 12,                                      # door handle
    "40002": [0] + [0] * 6 + [6, 5, 2, 0, 0, 0],                  # mirror glass
    "50001": [0] + [3] * 12,                                      # oil filter
    "50002": [0] + [6] * 12,                                      # air filter
    "50003": [0] + [5] * 6 + [6, 7, 8, 9, 10, 11],                # brake pads (2024-12 is 13 - 2 returned)
    "50004": [0] + [3] * 12,                                      # wiper blade
    "50005": [0] + [3] * 12,                                      # spark plug
}

SEED13_MASTER = pd.DataFrame.from_records(
    [
        # part,   description,  unit_cost, lead_time_days, order_cycle_days, attribute
        ("10001", "机油 engine oil", 50.0, 0, 0, "A"),
        ("10002", "中负荷齿轮油 gear oil", 60.0, 0, 0, "A"),
        ("10003", "防冻液 antifreeze", 30.0, 0, 0, "A"),
        ("20001", "缸体总成 cylinder block assembly", 12000.0, 30, 30, "C"),
        ("30001", "倒车灯开关 reversing-light switch", 46.0, 7, 7, "B"),
        ("30002", "雾灯 fog lamp", 100.0, 7, 7, "B"),
        ("40001", "门把手 door handle", 80.0, 0, 1, "B"),
        ("40002", "后视镜片 mirror glass", 150.0, 2, 2, "B"),
        ("50001", "机油滤清器 oil filter", 20.0, 10, 14, "A"),
        ("50002", "空气滤清器 air filter", 30.0, 5, 7, "A"),
        ("50003", "刹车片 brake pads", 170.0, 7, 7, "A"),
        ("50004", "雨刮片 wiper blade", 40.0, 7, 7, "A"),
        ("50005", "火花塞 spark plug", 25.0, 7, 7, "A"),
    ],
    columns=["part", "description", "unit_cost", "lead_time_days", "order_cycle_days", "attribute"],
)
DESCRIPTION = dict(zip(SEED13_MASTER["part"], SEED13_MASTER["description"]))


def seed13_history() -> pd.DataFrame:
    """Transaction lines: engine oil is sold on two lines a month (25 + 15), brake pads have a
    return of 2 in 2024-12 (13 - 2 = 11 net); zero months have no line at all."""
    rows = []
    for part, quantities in SEED13_SALES.items():
        for month, quantity in zip(SEED13_MONTHS, quantities):
            if quantity == 0:
                continue
            if part == "10001":
                rows += [(part, month, 25), (part, month, 15)]
            elif part == "50003" and month == "2024-12":
                rows += [(part, month, 13), (part, month, -2)]
            else:
                rows.append((part, month, quantity))
    return pd.DataFrame.from_records(rows, columns=["part", "period", "quantity"])


# ABC values (unit_cost x quantity 2024-01..2024-12), sorted descending, ties by part:
#   20001 block       12000 x 3   = 36000   before 0                -> A
#   10001 engine oil     50 x 480 = 24000   before 36000  = 0.3600  -> A
#   50003 brake pads    170 x 81  = 13770   before 60000  = 0.6000  -> A   (81 = 6 x 5 + 6+7+8+9+10+11)
#   10002 gear oil       60 x 120 =  7200   before 73770  = 0.7377  -> A   (tie on 7200: 10002 first)
#   10003 antifreeze     30 x 240 =  7200   before 80970  = 0.8097  -> B   (same value, other class)
#   40001 door handle    80 x 36  =  2880   before 88170  = 0.8817  -> B
#   50002 air filter     30 x 72  =  2160   before 91050  = 0.9105  -> B
#   40002 mirror glass  150 x 13  =  1950   before 93210  = 0.9321  -> B
#   50004 wiper blade    40 x 36  =  1440   before 95160  = 0.9516  -> C
#   30001 switch         46 x 30  =  1380   before 96600  = 0.9660  -> C
#   50005 spark plug     25 x 36  =   900   before 97980  = 0.9798  -> C
#   50001 oil filter     20 x 36  =   720   before 98880  = 0.9888  -> C
#   30002 fog lamp      100 x 4   =   400   before 99600  = 0.9960  -> C
#   total                          = 100000
# (Were the 2023-12 fog-lamp month counted, the fog lamp alone would be worth 100400: class A.)
#
# Per part, window 2024-07..2024-12 (q1..q6), MAD = sum(i * q_i) / 21:
#   10001 oil    40 x6: MAD 40, hyq 240; O/C+L/T 0 -> SSQ 0, ROP ceil(0) = 0, max 0        -> none/direct_supply
#   10002 gear   10 x6: MAD 10, hyq  60; cycle 0    -> SSQ 0, ROP 0, max 0                  -> none/direct_supply
#   10003 antifr 20 x6: MAD 20, hyq 120; cycle 0    -> SSQ 0, ROP 0, max 0                  -> none/direct_supply
#   20001 block  0,0,1,0,0,0: MAD 3/21 = 1/7, hyq 1; SSQ = 1/7 x 60/6 = 10/7 = 1.428571
#                ROP = ceil(1/7 x 30/30.4375 + 10/7) = ceil(0.140792 + 1.428571 = 1.569363) = 2
#                max = ceil(1/7 x 60/30.4375 + 10/7) = ceil(0.281584 + 1.428571 = 1.710155) = 2
#                C and 12000 >= high_value_cost                                         -> none/high_value_assembly
#   30001 switch 2 x6: MAD 2, hyq 12; SSQ = 2 x 14/6 = 14/3 = 4.666667
#                ROP = ceil(2 x 7/30.4375 + 4.666667) = ceil(0.459959 + 4.666667 = 5.126626) = 6
#                max = ceil(2 x 14/30.4375 + 4.666667) = ceil(0.919918 + 4.666667 = 5.586585) = 6
#                hyq 12 <= 12 (SSQ >= 1 would otherwise stock it)                        -> none/low_volume
#   30002 fog    0 x6: MAD 0, hyq 0, SSQ 0, ROP 0, max 0                                  -> none/no_demand
#   40001 door   3 x6: MAD 3, hyq 18; cycle 0+1: SSQ = 3 x 1/6 = 0.5
#                ROP = ceil(3 x 0/30.4375 + 0.5) = 1; max = ceil(3 x 1/30.4375 + 0.5 = 0.598563) = 1
#                SSQ 0.5 < 1                                                            -> central/low_ssq
#   40002 mirror 6,5,2,0,0,0: MAD (6 + 10 + 6)/21 = 22/21 = 1.047619, hyq 13; SSQ = 22/21 x 4/6 = 44/63 = 0.698413
#                ROP = ceil(22/21 x 2/30.4375 + 0.698413 = 0.767250) = 1
#                max = ceil(22/21 x 4/30.4375 + 0.698413 = 0.836087) = 1               -> central/low_ssq
#   50001 oil f. 3 x6: MAD 3, hyq 18; cycle 14+10 = 24: SSQ = 3 x 24/6 = 12
#                ROP = ceil(3 x 10/30.4375 + 12 = 12.985626) = 13
#                max = ceil(3 x 24/30.4375 + 12 = 14.365503) = 15                        -> dealer/stock
#   50002 air f. 6 x6: MAD 6, hyq 36; cycle 7+5 = 12: SSQ = 6 x 12/6 = 12 (tie with 50001)
#                ROP = ceil(6 x 5/30.4375 + 12 = 12.985626) = 13
#                max = ceil(6 x 12/30.4375 + 12 = 14.365503) = 15                        -> dealer/stock
#   50003 brake  6,7,8,9,10,11: MAD (6+14+24+36+50+66)/21 = 196/21 = 28/3 = 9.333333, hyq 51
#                SSQ = 28/3 x 14/6 = 196/9 = 21.777778
#                ROP = ceil(28/3 x 7/30.4375 + 21.777778 = 2.146475 + 21.777778 = 23.924253) = 24
#                max = ceil(28/3 x 14/30.4375 + 21.777778 = 4.292950 + 21.777778 = 26.070728) = 27 -> dealer/stock
#   50004 wiper  3 x6: MAD 3, hyq 18; cycle 14: SSQ = 3 x 14/6 = 7
#                ROP = ceil(3 x 7/30.4375 + 7 = 7.689938) = 8; max = ceil(3 x 14/30.4375 + 7 = 8.379877) = 9
#   50005 spark  identical to 50004 (MAD 3, SSQ 7, ROP 8, max 9)                          -> dealer/stock
#
# Priority among the dealer rows, SSQ descending, then MAD descending, then part:
#   1 50003 (SSQ 21.78); 2 50002 (SSQ 12, MAD 6); 3 50001 (SSQ 12, MAD 3: the MAD tie-break goes
#   against part order); 4 50004 (SSQ 7, MAD 3); 5 50005 (same SSQ and MAD: part order).
SEED13_COLUMNS = ["part", "description", "abc_class", "attribute", "unit_cost", "half_year_quantity", "mad", "ssq",
                  "reorder_point", "max_stock", "decision", "reason", "priority"]


def seed13_expected(block_reason: str = "high_value_assembly") -> pd.DataFrame:
    d = DESCRIPTION
    rows = [
        ("50003", d["50003"], "A", "A", 170.0, 51, 196 / 21, 196 / 9, 24, 27, "dealer", "stock", 1),
        ("50002", d["50002"], "B", "A", 30.0, 36, 6.0, 12.0, 13, 15, "dealer", "stock", 2),
        ("50001", d["50001"], "C", "A", 20.0, 18, 3.0, 12.0, 13, 15, "dealer", "stock", 3),
        ("50004", d["50004"], "C", "A", 40.0, 18, 3.0, 7.0, 8, 9, "dealer", "stock", 4),
        ("50005", d["50005"], "C", "A", 25.0, 18, 3.0, 7.0, 8, 9, "dealer", "stock", 5),
        ("40001", d["40001"], "B", "B", 80.0, 18, 3.0, 0.5, 1, 1, "central", "low_ssq", None),
        ("40002", d["40002"], "B", "B", 150.0, 13, 22 / 21, 44 / 63, 1, 1, "central", "low_ssq", None),
        ("10001", d["10001"], "A", "A", 50.0, 240, 40.0, 0.0, 0, 0, "none", "direct_supply", None),
        ("10002", d["10002"], "A", "A", 60.0, 60, 10.0, 0.0, 0, 0, "none", "direct_supply", None),
        ("10003", d["10003"], "B", "A", 30.0, 120, 20.0, 0.0, 0, 0, "none", "direct_supply", None),
        ("20001", d["20001"], "A", "C", 12000.0, 1, 1 / 7, 10 / 7, 2, 2, "none", block_reason, None),
        ("30001", d["30001"], "C", "B", 46.0, 12, 2.0, 14 / 3, 6, 6, "none", "low_volume", None),
        ("30002", d["30002"], "C", "B", 100.0, 0, 0.0, 0.0, 0, 0, "none", "no_demand", None),
    ]
    return expected_frame(SEED13_COLUMNS, rows)


def test_seed_13_parts_network_default_p95_high_value_cost():
    # high_value_cost = "p95" (default): unit costs of the master sorted
    #   20, 25, 30, 30, 40, 46, 50, 60, 80, 100, 150, 170, 12000  (n = 13)
    # numpy linear interpolation: position 0.95 x (13 - 1) = 11.4
    #   -> 170 + 0.4 x (12000 - 170) = 170 + 4732 = 4902; the block (12000 >= 4902) is high value.
    result = spareopt.must_stock(seed13_history(), parts=SEED13_MASTER, config={"abc_window_months": 12})
    table = result.table
    assert_table(table, seed13_expected())

    report = result.report
    assert report["high_value_cost"] == pytest.approx(4902.0, rel=1e-12)
    assert report["as_of"] == "2024-12"
    assert report["first_period"] == "2023-12"
    assert report["months"] == 13
    assert report["series"] == 13
    assert report["parts"] == 13
    assert report["dealers"] is None
    assert report["abc_basis"] == "value"
    assert report["abc_window_months"] == 12
    assert report["rows_read"] == len(seed13_history())
    assert report["rows_after_as_of"] == 0
    assert report["return_lines"] == 1          # brake pads -2 in 2024-12
    assert report["return_units"] == 2.0
    assert report["negative_months"] == 0       # 13 - 2 = 11 is not negative
    assert report["parts_not_in_master"] == 0
    assert report["decisions"] == {"dealer": 5, "central": 2, "none": 6}
    assert report["reasons"] == {"direct_supply": 3, "high_value_assembly": 1, "no_demand": 1, "low_volume": 1,
                                 "low_ssq": 2, "stock": 5, "class_policy": 0, "min_stock": 0}
    # stock value at max_stock of the dealer rows:
    # 27 x 170 + 15 x 30 + 15 x 20 + 9 x 40 + 9 x 25 = 4590 + 450 + 300 + 360 + 225 = 5925
    assert report["dealer_stock_value_at_max"] == pytest.approx(5925.0, rel=1e-12)


def test_seed_13_parts_network_high_value_cost_equal_to_block_cost():
    # high_value_cost = 12000 exactly: rule 2 is unit_cost >= high_value_cost, so the block still matches.
    result = spareopt.must_stock(seed13_history(), parts=SEED13_MASTER, config={"high_value_cost": 12000})
    table = result.table
    assert_table(table, seed13_expected())
    assert result.report["high_value_cost"] == 12000.0


def test_seed_13_parts_network_high_value_cost_above_block_cost():
    # high_value_cost = 20000: the block (12000) is no longer high value; its half year is
    # 1 unit (2024-09), so rule 3 (0?) does not match and rule 4 (1 <= 12) does -> none/low_volume.
    # It stays among the `none` rows, ordered by part, so the row order is unchanged.
    result = spareopt.must_stock(seed13_history(), parts=SEED13_MASTER, config={"high_value_cost": 20000.0})
    table = result.table
    assert_table(table, seed13_expected(block_reason="low_volume"))
    report = result.report
    assert report["reasons"]["high_value_assembly"] == 0
    assert report["reasons"]["low_volume"] == 2


def test_seed_13_parts_only_stocked_keeps_dealer_and_central_rows():
    result = spareopt.must_stock(seed13_history(), parts=SEED13_MASTER, only_stocked=True)
    table = result.table
    expected = seed13_expected().iloc[:7].reset_index(drop=True)  # 5 dealer + 2 central rows
    assert_table(table, expected)
    # the report still counts every row
    assert result.report["decisions"] == {"dealer": 5, "central": 2, "none": 6}


# ---------------------------------------------------------------------------------------------------
# Rule 5 boundary through the whole pipeline: SSQ exactly 1.0 is not "< 1.0"
# ---------------------------------------------------------------------------------------------------

# Regression (found while writing these tests, fixed since): mad() multiplies by the rounded weights
#  np.arange(1, 7) / 21 instead of dividing sum(i * q_i) by 21, so MAD of [5, 10, 13, 6, 4, 3] is
#  5.999999999999999, SSQ just below 1.0 < central_ssq_min and the part goes to central
def test_seed_rule5_ssq_exactly_one_is_stocked_at_the_dealer():
    # Part 60001, window 5, 10, 13, 6, 4, 3:
    #   sum(i q_i) = 5 + 20 + 39 + 24 + 20 + 18 = 126 = 6 x 21 -> MAD = 6 exactly; hyq = 41 > 12
    #   O/C 1, L/T 0: SSQ = 6 x 1 / 6 = 1.0, and rule 5 is SSQ < 1.0 -> not central -> dealer/stock
    #   ROP = ceil(6 x 0 / 30.4375 + 1) = 1; max = ceil(6 x 1 / 30.4375 + 1 = 1.197125) = 2
    history = pd.DataFrame({
        "part": ["60001"] * 6,
        "period": [f"2024-{m:02d}" for m in range(1, 7)],
        "quantity": [5, 10, 13, 6, 4, 3],
    })
    master = pd.DataFrame({"part": ["60001"], "unit_cost": [10.0], "lead_time_days": [0], "order_cycle_days": [1],
                           "attribute": ["A"]})
    row = spareopt.must_stock(history, parts=master, config={"high_value_cost": 1e6}).table.iloc[0]
    assert (row["decision"], row["reason"], row["priority"]) == ("dealer", "stock", 1)
    assert row["mad"] == 6.0
    assert row["ssq"] == 1.0
    assert (row["reorder_point"], row["max_stock"]) == (1, 2)


# Regression (found while writing these tests, fixed since): mad() of the constant series 4 is
#  3.9999999999999996 (rounded weights np.arange(1, 7) / 21), so SSQ 11.999999999999998 loses the SSQ tie with
#  12.0 and the MAD tie-break (4 > 3) is never reached
def test_seed_priority_ssq_tie_broken_by_mad():
    # Y4: 4 a month, O/C 10, L/T 8: MAD 4 x 21 / 21 = 4, SSQ 4 x 18 / 6 = 12
    # X3: 3 a month, O/C 14, L/T 10: MAD 3, SSQ 3 x 24 / 6 = 12
    # SSQ tie -> MAD descending: Y4 priority 1, X3 priority 2 (part order alone would put X3 first).
    months = [f"2024-{m:02d}" for m in range(1, 7)]
    history = pd.DataFrame([(p, m, q) for p, q in (("Y4", 4), ("X3", 3)) for m in months],
                           columns=["part", "period", "quantity"])
    master = pd.DataFrame({"part": ["Y4", "X3"], "unit_cost": [10.0, 10.0], "lead_time_days": [8, 10],
                           "order_cycle_days": [10, 14], "attribute": ["A", "A"]})
    table = spareopt.must_stock(history, parts=master, config={"high_value_cost": 1e6}).table
    assert table["part"].tolist() == ["Y4", "X3"]
    assert table["priority"].tolist() == [1, 2]
    assert table["ssq"].tolist() == [12.0, 12.0]


# ---------------------------------------------------------------------------------------------------
# (b) A 3-dealer network: ABC and priority per dealer, returns, lines after as_of
# ---------------------------------------------------------------------------------------------------

# Months 2024-01 .. 2024-07 are used (as_of = 2024-07); lines of 2024-08 are ignored.
# MAD window 2024-02 .. 2024-07; ABC window = all 7 months (fewer than 12 exist).
THREE_DEALER_MASTER = pd.DataFrame({
    "part": ["A100", "B200", "C300", "D400"],
    "description": ["机油滤清器 oil filter", "刹车片 brake pads", "火花塞 spark plug", "空调滤芯 cabin filter"],
    "unit_cost": [20.0, 100.0, 10.0, 50.0],
    "lead_time_days": [5, 5, 5, 1],
    "order_cycle_days": [7, 7, 7, 2],
    "attribute": ["A", "A", "A", "B"],
})

# dealer -> part -> quantities 2024-01 .. 2024-07 (net per month)
THREE_DEALER_SALES = {
    "D01": {"A100": [6] * 7, "B200": [3] * 7, "C300": [10] * 7, "D400": [4] * 7},
    "D02": {"A100": [2] * 7, "B200": [5] * 7, "C300": [6] * 7},            # D02 never sells D400
    "D03": {"A100": [8, 8, 8, 8, None, 8, 8], "B200": [1] * 7,             # D03 never sells C300 (until 08)
            "D400": [0, 0, 0, 2, 4, 6, 8]},
}


def three_dealer_history() -> pd.DataFrame:
    rows = []
    for dealer, parts in THREE_DEALER_SALES.items():
        for part, quantities in parts.items():
            for m, quantity in enumerate(quantities, start=1):
                if quantity is None or quantity == 0:
                    continue
                if (dealer, part, m) == ("D01", "B200", 3):
                    # a return netted inside a month that stays positive: 5 - 2 = 3
                    rows += [(dealer, part, f"2024-{m:02d}-04", 5), (dealer, part, f"2024-{m:02d}-18", -2)]
                else:
                    rows.append((dealer, part, f"2024-{m:02d}-15", quantity))
    # D03 A100 in 2024-05: 2 sold, 5 returned -> net -3 -> counts as 0 (one negative month)
    rows += [("D03", "A100", "2024-05-06", 2), ("D03", "A100", "2024-05-27", -5)]
    # after as_of (2024-07): ignored and counted; D03 C300 would otherwise create a new series
    rows += [("D01", "A100", "2024-08-02", 100), ("D02", "C300", "2024-08-03", 50), ("D03", "C300", "2024-08-09", 4)]
    return pd.DataFrame.from_records(rows, columns=["dealer", "part", "date", "quantity"])


# Per dealer (MAD window 2024-02..07; O/C+L/T = 12 for A100, B200, C300 and 3 for D400):
#
# D01  ABC values (7 months): B200 100 x 21 = 2100, D400 50 x 28 = 1400, A100 20 x 42 = 840,
#      C300 10 x 70 = 700; total 5040.  Before-shares: B200 0 -> A, D400 2100/5040 = .417 -> A,
#      A100 3500/5040 = .694 -> A, C300 4340/5040 = .861 -> B.
#   A100 6 x6: MAD 6, hyq 36, SSQ 6 x 12/6 = 12, ROP ceil(6 x 5/30.4375 + 12 = 12.99) = 13,
#        max ceil(6 x 12/30.4375 + 12 = 14.37) = 15
#   B200 3 x6: MAD 3, hyq 18, SSQ 6, ROP ceil(3 x 5/30.4375 + 6 = 6.49) = 7, max ceil(3 x 12/30.4375 + 6 = 7.18) = 8
#   C300 10 x6: MAD 10, hyq 60, SSQ 20, ROP ceil(50/30.4375 + 20 = 21.64) = 22, max ceil(120/30.4375 + 20 = 23.94) = 24
#   D400 4 x6: MAD 4, hyq 24, SSQ 4 x 3/6 = 2, ROP ceil(4 x 1/30.4375 + 2 = 2.13) = 3,
#        max ceil(4 x 3/30.4375 + 2 = 2.39) = 3
#   all dealer/stock; priority by SSQ: C300 (20) 1, A100 (12) 2, B200 (6) 3, D400 (2) 4.
#
# D02  ABC values: B200 100 x 35 = 3500, C300 10 x 42 = 420, A100 20 x 14 = 280; total 4200.
#      B200 0 -> A, C300 3500/4200 = .833 -> B, A100 3920/4200 = .933 -> B.
#   A100 2 x6: MAD 2, hyq 12 -> none/low_volume; SSQ 4, ROP ceil(10/30.4375 + 4 = 4.33) = 5,
#        max ceil(24/30.4375 + 4 = 4.79) = 5
#   B200 5 x6: MAD 5, hyq 30, SSQ 10, ROP ceil(25/30.4375 + 10 = 10.82) = 11, max ceil(60/30.4375 + 10 = 11.97) = 12
#   C300 6 x6: MAD 6, hyq 36, SSQ 12, ROP 13, max 15 (as D01 A100)
#   priority: C300 (12) 1, B200 (10) 2.
#
# D03  A100 months: 8, 8, 8, 8, max(2 - 5, 0) = 0, 8, 8 -> 7-month quantity 48
#      ABC values: D400 50 x 20 = 1000, A100 20 x 48 = 960, B200 100 x 7 = 700; total 2660.
#      D400 0 -> A, A100 1000/2660 = .376 -> A, B200 1960/2660 = .737 -> A.
#      (Over the whole network B200 of D03 would be B: per-dealer ABC matters.)
#   A100 window 8, 8, 8, 0, 8, 8: MAD 8 x (1+2+3+5+6)/21 = 136/21 = 6.476190, hyq 40,
#        SSQ 136/21 x 12/6 = 272/21 = 12.952381,
#        ROP ceil(136/21 x 5/30.4375 + 12.952381 = 1.063850 + 12.952381 = 14.016231) = 15,
#        max ceil(136/21 x 12/30.4375 + 12.952381 = 2.553241 + 12.952381 = 15.505622) = 16
#   B200 1 x6: MAD 1, hyq 6 -> none/low_volume; SSQ 2, ROP ceil(5/30.4375 + 2 = 2.16) = 3,
#        max ceil(12/30.4375 + 2 = 2.39) = 3
#   D400 window 0, 0, 2, 4, 6, 8: MAD (6 + 16 + 30 + 48)/21 = 100/21 = 4.761905, hyq 20,
#        SSQ 100/21 x 3/6 = 50/21 = 2.380952, ROP ceil(100/21/30.4375 + 2.380952 = 2.537401) = 3,
#        max ceil(100/21 x 3/30.4375 + 2.380952 = 2.850298) = 3
#   priority: A100 (12.95) 1, D400 (2.38) 2.
THREE_DEALER_COLUMNS = ["dealer"] + SEED13_COLUMNS


def three_dealer_expected() -> pd.DataFrame:
    d = dict(zip(THREE_DEALER_MASTER["part"], THREE_DEALER_MASTER["description"]))
    rows = [
        ("D01", "C300", d["C300"], "B", "A", 10.0, 60, 10.0, 20.0, 22, 24, "dealer", "stock", 1),
        ("D01", "A100", d["A100"], "A", "A", 20.0, 36, 6.0, 12.0, 13, 15, "dealer", "stock", 2),
        ("D01", "B200", d["B200"], "A", "A", 100.0, 18, 3.0, 6.0, 7, 8, "dealer", "stock", 3),
        ("D01", "D400", d["D400"], "A", "B", 50.0, 24, 4.0, 2.0, 3, 3, "dealer", "stock", 4),
        ("D02", "C300", d["C300"], "B", "A", 10.0, 36, 6.0, 12.0, 13, 15, "dealer", "stock", 1),
        ("D02", "B200", d["B200"], "A", "A", 100.0, 30, 5.0, 10.0, 11, 12, "dealer", "stock", 2),
        ("D02", "A100", d["A100"], "B", "A", 20.0, 12, 2.0, 4.0, 5, 5, "none", "low_volume", None),
        ("D03", "A100", d["A100"], "A", "A", 20.0, 40, 136 / 21, 272 / 21, 15, 16, "dealer", "stock", 1),
        ("D03", "D400", d["D400"], "A", "B", 50.0, 20, 100 / 21, 50 / 21, 3, 3, "dealer", "stock", 2),
        ("D03", "B200", d["B200"], "A", "A", 100.0, 6, 1.0, 2.0, 3, 3, "none", "low_volume", None),
    ]
    return expected_frame(THREE_DEALER_COLUMNS, rows)


SEED_PER_DEALER = {"low_volume_basis": "series"}
"""The seed's rules read literally at each dealer (rule 4 on the dealer's own half-year quantity)."""


def test_network_volume_rule_reads_the_parts_network_quantity():
    # Two dealers each sell 8 reversing-light switches in the half year: 8 <= 12 at each dealer, but 16 > 12 in
    # the network.  MAD = (1 + 2 + ... + 6) x 8/6 / 21 = 1.333 (8 units spread 1.333 a month); O/C 30, L/T 30:
    # SSQ = 1.333 x 60 / 6 = 13.3 >= 1, so the network basis stocks it at both, the dealer basis at neither.
    months = [f"2024-{m:02d}" for m in range(1, 7)]
    history = pd.DataFrame([(d, "SW1", m, 8 / 6) for d in ("D01", "D02") for m in months],
                           columns=["dealer", "part", "period", "quantity"])
    master = pd.DataFrame({"part": ["SW1"], "lead_time_days": [30], "order_cycle_days": [30], "attribute": ["B"]})
    network = spareopt.must_stock(history, parts=master)
    dealer = spareopt.must_stock(history, parts=master, config=SEED_PER_DEALER)
    assert network.table["reason"].tolist() == ["stock", "stock"]
    assert dealer.table["reason"].tolist() == ["low_volume", "low_volume"]
    assert network.report["stocking"]["half_year_quantity"]["dealer"] == pytest.approx(16.0)
    assert "warning: the dealers stock 0.0% of the last half year's demand (0 of 16 units); rule low_volume " \
           "removed the most" in "\n".join(spareopt.report.report_lines(dealer.report))


def test_three_dealer_network_per_dealer_abc_and_priority():
    history = three_dealer_history()
    result = spareopt.must_stock(history, parts=THREE_DEALER_MASTER, as_of="2024-07", config=SEED_PER_DEALER)
    table = result.table
    assert_table(table, three_dealer_expected())

    report = result.report
    assert report["rows_read"] == len(history)
    assert report["rows_after_as_of"] == 3
    assert report["negative_months"] == 1        # D03 A100 2024-05
    assert report["return_lines"] == 2           # D01 B200 -2, D03 A100 -5
    assert report["return_units"] == 7.0
    assert report["series"] == 10                # D02 x D400 and D03 x C300 do not exist
    assert report["dealers"] == 3
    assert report["parts"] == 4
    assert report["months"] == 7
    assert (report["first_period"], report["as_of"]) == ("2024-01", "2024-07")
    assert report["abc_window_months"] == 7
    # p95 of unit costs 10, 20, 50, 100: position 0.95 x 3 = 2.85 -> 50 + 0.85 x 50 = 92.5
    assert report["high_value_cost"] == pytest.approx(92.5, rel=1e-12)
    assert report["decisions"] == {"dealer": 8, "central": 0, "none": 2}
    assert report["reasons"]["low_volume"] == 2
    assert report["reasons"]["stock"] == 8
    # D01 24x10 + 15x20 + 8x100 + 3x50 = 1490; D02 15x10 + 12x100 = 1350; D03 16x20 + 3x50 = 470
    assert report["dealer_stock_value_at_max"] == pytest.approx(3310.0, rel=1e-12)


def test_three_dealer_network_default_as_of_uses_the_last_month():
    # Without as_of the last month is 2024-08: nothing is ignored, the matrix has 8 months and
    # D03 x C300 (4 units in 2024-08) becomes a series: 11 rows.
    result = spareopt.must_stock(three_dealer_history(), parts=THREE_DEALER_MASTER, config=SEED_PER_DEALER)
    table = result.table
    report = result.report
    assert report["as_of"] == "2024-08"
    assert report["rows_after_as_of"] == 0
    assert report["series"] == 11
    row = table[(table["dealer"] == "D03") & (table["part"] == "C300")].iloc[0]
    # window 2024-03..2024-08 = 0, 0, 0, 0, 0, 4: MAD 6 x 4/21 = 24/21, hyq 4 -> none/low_volume
    assert row["mad"] == pytest.approx(24 / 21, rel=1e-12)
    assert row["half_year_quantity"] == 4.0
    assert (row["decision"], row["reason"]) == ("none", "low_volume")


# ---------------------------------------------------------------------------------------------------
# (c) The seed's weights and the ceiling tolerance
# ---------------------------------------------------------------------------------------------------

def test_seed_mad_formula_single_series():
    # MAD = {1 x q(N-6) + 2 x q(N-5) + ... + 6 x q(N-1)} / 21, the seed's step (2), oldest first:
    #   q = 12, 15, 9, 20, 18, 21
    #   12 + 30 + 27 + 80 + 90 + 126 = 365 -> MAD = 365 / 21 = 17.380952...
    #   half year = 12 + 15 + 9 + 20 + 18 + 21 = 95
    q = [12, 15, 9, 20, 18, 21]
    assert spareopt.mad(q) == pytest.approx(365 / 21, rel=1e-12)
    assert spareopt.half_year_quantity(q) == 95.0
    # Older months do not count: prepend a year of huge sales.
    assert spareopt.mad([1000] * 12 + q) == pytest.approx(365 / 21, rel=1e-12)
    # The most recent month weighs 6, the oldest 1: reversing the series changes MAD.
    #   21 x 1 + 18 x 2 + 20 x 3 + 9 x 4 + 15 x 5 + 12 x 6 = 21 + 36 + 60 + 36 + 75 + 72 = 300
    assert spareopt.mad(q[::-1]) == pytest.approx(300 / 21, rel=1e-12)


def test_seed_mad_weights_are_one_to_six_over_21():
    # A single unit in month k (k = 1 oldest .. 6 latest) gives MAD k / 21.
    unit = np.eye(6)
    np.testing.assert_allclose(spareopt.mad(unit), np.arange(1, 7) / 21, rtol=1e-15, atol=0)


def test_seed_ssq_and_stock_levels_single_part():
    # MAD 365/21, O/C 7, L/T 5: SSQ = 365/21 x 12/6 = 730/21 = 34.761905
    # ROP = ceil(365/21 x 5/30.4375 + 34.761905) = ceil(2.855167 + 34.761905 = 37.617072) = 38
    # max = ceil(365/21 x 12/30.4375 + 34.761905) = ceil(6.852401 + 34.761905 = 41.614306) = 42
    m = spareopt.mad([12, 15, 9, 20, 18, 21])
    s = spareopt.ssq(m, 7, 5)
    assert s == pytest.approx(730 / 21, rel=1e-12)
    assert int(spareopt.reorder_point(m, 5, s)) == 38
    assert int(spareopt.max_stock(m, 5, 7, s)) == 42


def test_seed_ceil_tolerance():
    # A float-noise excess of 1e-10 over a whole number is that number; a real excess rounds up.
    assert ceil_units([3.0000000001, 3.01, 3.0, 2.9999999999, 0.0]).tolist() == [3, 4, 3, 3, 0]
    # The same through reorder_point: MAD 0 (no lead-time demand) + SSQ 3.0000000001 -> 3; 3.01 -> 4.
    assert spareopt.reorder_point([0.0, 0.0], 5, [3.0000000001, 3.01]).tolist() == [3, 4]


# ---------------------------------------------------------------------------------------------------
# Real data: Hyndman's carparts (2,674 parts x 51 months, 1998-01..2002-03), ../shared/data/carparts
# ---------------------------------------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
CARPARTS = DATA / "carparts" / "carparts_long.csv"


@pytest.fixture(scope="module")
def carparts():
    if not CARPARTS.is_file():
        pytest.skip(f"real data not available: {CARPARTS}")
    raw = pd.read_csv(CARPARTS, dtype={"part_id": str, "period": str})
    result = spareopt.must_stock(CARPARTS, columns={"part": "part_id"})
    return raw, result


def _weighted_mad_from_raw(raw: pd.DataFrame) -> pd.DataFrame:
    """The seed's MAD straight from the file: empty cells are no record (0), last 6 months 2001-10..2002-03
    weighted 1..6, divided by 21."""
    wide = raw.pivot(index="part_id", columns="period", values="quantity").fillna(0.0)
    last6 = wide[sorted(wide.columns)[-6:]]
    assert list(last6.columns) == ["2001-10", "2001-11", "2001-12", "2002-01", "2002-02", "2002-03"]
    weighted = sum(last6[c] * w for c, w in zip(last6.columns, range(1, 7)))
    return pd.DataFrame({"mad": weighted / 21, "half_year_quantity": last6.sum(axis=1)})


def test_carparts_must_stock_runs_on_the_real_file(carparts):
    _raw, result = carparts
    table = result.table
    report = result.report
    assert len(table) == 2674
    assert table["part"].nunique() == 2674
    assert table["part"].str.fullmatch(r"\d{8}").all()          # 8-digit part numbers kept as text
    assert report["rows_read"] == 136_374
    assert report["rows_no_quantity"] == 6122                   # the README's missing cells
    assert (report["months"], report["first_period"], report["as_of"]) == (51, "1998-01", "2002-03")
    assert report["abc_basis"] == "quantity"                    # no unit cost anywhere
    assert report["negative_months"] == 0 and report["return_lines"] == 0
    assert sum(report["decisions"].values()) == 2674


def test_carparts_total_demand_of_the_matrix():
    if not CARPARTS.is_file():
        pytest.skip(f"real data not available: {CARPARTS}")
    history = spareopt.load_history(CARPARTS)
    matrix = spareopt.demand_matrix(history)
    assert matrix.values.shape == (2674, 51)
    assert matrix.values.sum() == 66_194
    assert history.report["rows_no_quantity"] == 6122


def test_carparts_mad_equals_the_weighted_formula_on_the_raw_file(carparts):
    raw, result = carparts
    table = result.table
    expected = _weighted_mad_from_raw(raw)
    got = table.set_index("part").loc[expected.index]
    # a few parts by name: the first part of the file and the three best sellers of the last half year
    few = ["10055165"] + list(expected["half_year_quantity"].nlargest(3).index)
    np.testing.assert_allclose(got.loc[few, "mad"], expected.loc[few, "mad"], rtol=1e-12, atol=0)
    # and every part
    np.testing.assert_allclose(got["mad"], expected["mad"], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(got["half_year_quantity"], expected["half_year_quantity"])


def test_carparts_discontinued_series_have_no_demand(carparts):
    # 165 series stop in 1998-12..1999-02 (README): their last half year is empty -> none/no_demand
    raw, result = carparts
    table = result.table
    stopped = raw.groupby("part_id")["quantity"].apply(lambda q: q.isna().any())
    stopped = stopped[stopped].index
    assert len(stopped) == 165
    rows = table.set_index("part").loc[stopped]
    assert (rows["mad"] == 0).all()
    assert (rows["reason"] == "no_demand").all()
