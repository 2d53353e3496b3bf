"""`spareopt.replay`: the (s, S) lost-sales replay of a stocking plan on held-out demand.

Golden cases are traced by hand month by month (start on hand = S; each month 1. serve the share of
the month before an arrival, 2. receive, 3. serve the rest, 4. review).  The vectorised replay is
checked against a scalar loop that follows the docstring's rules word for word, on random plans and
demand.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spareopt.replay import Replay, replay

FAST = settings(max_examples=100, deadline=None)  # small plans (<= 8 series x 10 months): 100 cover them
FIELDS = ("demand", "filled", "fill_rate", "hits", "hits_filled", "avg_on_hand", "orders", "central_demand")


# -- the reference: one series, plain Python, the docstring's rules literally ----------------------------


def reference(demand: list[float], s: int, big_s: int, lead: float, pack: int = 1, stocked: bool = True) -> dict:
    """Replay one series by the rules as written (no vectorisation, no ring buffer)."""
    months = len(demand)
    if not stocked:
        total = float(sum(demand))
        return {"demand": total, "filled": 0.0, "fill_rate": 0.0 if total > 0 else math.nan,
                "hits": sum(d > 0 for d in demand), "hits_filled": 0, "avg_on_hand": 0.0, "orders": 0,
                "central_demand": total}
    on_hand = float(big_s)  # start of the holdout: on hand = max_stock, nothing on order
    arrivals: dict[int, float] = {}  # month -> quantity arriving in it, a fraction phi into the month
    whole = math.floor(lead + 1e-9)
    phi = max(lead - whole, 0.0)
    filled = 0.0
    hits = hits_filled = orders = 0
    end_stock = []
    for t in range(months):
        before = demand[t] * phi  # 1. the first phi of the month's demand, before the receipt
        early = min(before, on_hand)
        on_hand -= early
        on_hand += arrivals.pop(t, 0.0)  # 2. receive what is due
        rest = demand[t] - before  # 3. serve the rest; what is short is lost
        late = min(rest, on_hand)
        on_hand -= late
        filled += early
        filled += late
        if demand[t] > 0:
            hits += 1
            hits_filled += early == before and late == rest
        end_stock.append(on_hand)
        position = on_hand + sum(arrivals.values())  # 3. review
        if position <= s:
            quantity = math.ceil((big_s - position) / pack) * pack
            if quantity > 0:
                arrivals[t + whole + 1] = arrivals.get(t + whole + 1, 0.0) + quantity  # due after the holdout: never received
                orders += 1
    total = float(sum(demand))
    return {"demand": total, "filled": filled, "fill_rate": filled / total if total > 0 else math.nan,
            "hits": hits, "hits_filled": hits_filled, "avg_on_hand": sum(end_stock) / months, "orders": orders,
            "central_demand": 0.0}


def assert_matches_reference(result: Replay, expected: list[dict]) -> None:
    for name in FIELDS:
        want = np.array([row[name] for row in expected], dtype=getattr(result, name).dtype)
        np.testing.assert_array_equal(getattr(result, name), want, err_msg=name)


# -- golden cases, traced by hand ------------------------------------------------------------------------


def test_s2_max5_lead1_worked_example():
    # s = 2, S = 5, ell = 0 (arrives before the next month), demand 3 0 4 1 6.       on hand after: receive  serve  | position  order (arrives)
    # month 0: start 5, serve 3                              5        2     | 2 <= 2    5 - 2 = 3 (month 1)
    # month 1: receive 3, demand 0                           5        5     | 5         -
    # month 2: serve 4                                       5        1     | 1 <= 2    5 - 1 = 4 (month 3)
    # month 3: receive 4, serve 1                            5        4     | 4         -
    # month 4: serve 4 of 6, 2 lost                          4        0     | 0 <= 2    5 (month 5: never)
    # filled 3 + 4 + 1 + 4 = 12 of 14; hits 4, in full 3 (months 0, 2, 3); end stock 2 5 1 4 0 -> 12 / 5
    result = replay(np.array([[3.0, 0, 4, 1, 6]]), 2, 5, lead_time_months=0)
    assert result.demand.tolist() == [14.0]
    assert result.filled.tolist() == [12.0]
    assert result.fill_rate.tolist() == [12 / 14]
    assert result.hits.tolist() == [4]
    assert result.hits_filled.tolist() == [3]
    assert result.avg_on_hand.tolist() == [2.4]
    assert result.orders.tolist() == [3]
    assert result.central_demand.tolist() == [0.0]


def test_pack_size_rounds_the_order_up_and_can_overshoot_max_stock():
    # s = 3, S = 10, ell = 0, pack 4, demand 8 2 5 0.
    # month 0: start 10, serve 8 -> 2;  position 2 <= 3: 10 - 2 = 8 -> ceil(8 / 4) * 4 = 8 (month 1)
    # month 1: receive 8 -> 10, serve 2 -> 8;  position 8 > 3
    # month 2: serve 5 -> 3;  position 3 <= 3: 10 - 3 = 7 -> ceil(7 / 4) * 4 = 8 (month 3)
    # month 3: receive 8 -> 11 (above S: the pack), demand 0 -> 11
    # filled 15 of 15; end stock 2 8 3 11 -> 24 / 4 = 6; 2 orders
    result = replay([[8, 2, 5, 0]], 3, 10, lead_time_months=0, pack_size=4)
    assert result.filled.tolist() == [15.0]
    assert result.fill_rate.tolist() == [1.0]
    assert (result.hits.tolist(), result.hits_filled.tolist()) == ([3], [3])
    assert result.avg_on_hand.tolist() == [6.0]
    assert result.orders.tolist() == [2]


def test_lead_two_counts_the_order_in_the_pipe():
    # s = 3, S = 6, ell = 1, demand 4 2 3 2 5 0.   on order is part of the position.
    # month 0: start 6, serve 4 -> 2;  position 2 <= 3: order 4 (month 2)
    # month 1: serve 2 -> 0;  position 0 + 4 = 4 > 3: no order although the shelf is empty
    # month 2: receive 4 -> 4, serve 3 -> 1;  position 1 <= 3: order 5 (month 4)
    # month 3: serve 1 of 2 -> 0, 1 lost;  position 0 + 5 = 5 > 3
    # month 4: receive 5 -> 5, serve 5 -> 0;  position 0 <= 3: order 6 (month 6: never)
    # month 5: demand 0;  position 0 + 6 = 6 > 3
    # filled 4 + 2 + 3 + 1 + 5 = 15 of 16; hits 5, in full 4; end stock 2 0 1 0 0 0 -> 3 / 6; 3 orders
    result = replay([[4, 2, 3, 2, 5, 0]], 3, 6, lead_time_months=1)
    assert result.filled.tolist() == [15.0]
    assert result.fill_rate.tolist() == [15 / 16]
    assert (result.hits.tolist(), result.hits_filled.tolist()) == ([5], [4])
    assert result.avg_on_hand.tolist() == [0.5]
    assert result.orders.tolist() == [3]


def test_max_stock_zero_never_stocks():
    # s = 0, S = 0: on hand 0, and S - position = 0 is no order; all demand lost, none of it central
    result = replay([[1, 0, 2]], 0, 0, lead_time_months=0)
    assert result.filled.tolist() == [0.0]
    assert result.fill_rate.tolist() == [0.0]
    assert (result.hits.tolist(), result.hits_filled.tolist()) == ([2], [0])
    assert (result.avg_on_hand.tolist(), result.orders.tolist()) == ([0.0], [0])
    assert result.central_demand.tolist() == [0.0]


def test_unstocked_row_goes_to_central_demand():
    # the plan says s = 2, S = 5, but the row holds no dealer stock: no shelf, no orders
    result = replay([[1, 2, 0], [1, 2, 0]], 2, 5, lead_time_months=0, stocked=[False, True])
    assert result.demand.tolist() == [3.0, 3.0]
    assert result.filled.tolist() == [0.0, 3.0]
    assert result.central_demand.tolist() == [3.0, 0.0]
    assert result.hits_filled.tolist() == [0, 2]
    assert result.avg_on_hand.tolist() == [0.0, (4 + 2 + 5) / 3]  # stocked: 4, 2 (order 3 -> month 2), 2 + 3
    assert result.orders.tolist() == [0, 1]


def test_zero_demand_gives_nan_fill_rate_and_no_hits():
    result = replay(np.zeros((2, 4)), [1, 0], [3, 0], lead_time_months=[0, 2])
    assert np.isnan(result.fill_rate).all()
    assert result.hits.tolist() == [0, 0]
    assert result.hits_filled.tolist() == [0, 0]
    assert result.avg_on_hand.tolist() == [3.0, 0.0]  # the shelf stays at S
    assert result.orders.tolist() == [0, 0]


def test_reorder_point_above_max_stock_orders_up_to_max_stock():
    # s = 5 > S = 3: every month with position < 3 orders 3 - position; position 3 orders 3 - 3 = 0, no order
    # month 0: 3 -> serve 1 -> 2, order 1 (month 1); month 1: 3 -> 3 (demand 0), no order; month 2: serve 3 -> 0,
    # order 3 (month 3: never)
    result = replay([[1, 0, 3]], 5, 3, lead_time_months=0)
    assert result.orders.tolist() == [2]
    assert result.avg_on_hand.tolist() == [(2 + 3 + 0) / 3]


def test_lead_longer_than_holdout_is_never_received():
    # s = 2, S = 4, ell = 11 in a 3-month holdout, demand 2 1 2:
    # month 0: serve 2 -> 2;  position 2 <= 2: order 2 (month 12: never)
    # month 1: serve 1 -> 1;  position 1 + 2 = 3 > 2: the order in the pipe holds back a new one
    # month 2: serve 1 of 2 -> 0;  position 0 + 2 = 2 <= 2: order 4 - 2 = 2 (never)
    result = replay([[2, 1, 2]], 2, 4, lead_time_months=11)
    assert result.filled.tolist() == [4.0]
    assert result.orders.tolist() == [2]
    assert result.avg_on_hand.tolist() == [(2 + 1 + 0) / 3]


def test_fractional_demand_float_noise_adds_no_pack():
    # 5 - 0.1 - 0.1 - 0.8 = 4.000000000000001 and 5 - 0.2 - 0.2 - 0.6 = 3.9999999999999996 in float64; both are 4:
    # with s = 4 both order exactly 5 - 4 = 1 in month 2 (not "no order" and not 2), received in month 3
    result = replay([[0.1, 0.1, 0.8, 0], [0.2, 0.2, 0.6, 0]], 4, 5, lead_time_months=0)
    assert result.orders.tolist() == [1, 1]
    np.testing.assert_allclose(result.avg_on_hand, [(4.9 + 4.8 + 4 + 5) / 4, (4.8 + 4.6 + 4 + 5) / 4])
    assert result.fill_rate.tolist() == [1.0, 1.0]


def test_to_frame_has_one_row_per_series_and_every_field():
    result = replay([[3, 0, 4, 1, 6], [0, 0, 0, 0, 0]], [2, 1], [5, 2], lead_time_months=0)
    frame = result.to_frame()
    assert list(frame.columns) == list(FIELDS)
    assert len(frame) == 2
    assert frame["filled"].tolist() == [12.0, 0.0]
    assert frame.dtypes.astype(str).to_dict() == {
        "demand": "float64", "filled": "float64", "fill_rate": "float64", "hits": "int64", "hits_filled": "int64",
        "avg_on_hand": "float64", "orders": "int64", "central_demand": "float64"}


def test_no_series():
    result = replay(np.zeros((0, 6)), [], [], lead_time_months=[], pack_size=[], stocked=np.array([], dtype=bool))
    assert all(getattr(result, name).shape == (0,) for name in FIELDS)


# -- the vectorised replay equals the scalar reference ---------------------------------------------------


@st.composite
def plans(draw, max_lead: int = 4):
    """Whole-number demand with many zeros, s <= S, ell in 0..max_lead - 0.5 (quarters and halves), pack 1..5, some rows unstocked."""
    n = draw(st.integers(1, 8))
    months = draw(st.integers(1, 10))
    size = st.one_of(st.just(0), st.just(0), st.integers(1, 3), st.integers(0, 12))
    demand = [[draw(size) for _ in range(months)] for _ in range(n)]
    top = [draw(st.integers(0, 10)) for _ in range(n)]
    s = [draw(st.integers(0, t)) for t in top]
    lead = [draw(st.integers(0, max_lead - 1)) + draw(st.sampled_from([0.0, 0.0, 0.25, 0.5])) for _ in range(n)]
    pack = [draw(st.integers(1, 5)) for _ in range(n)]
    stocked = [draw(st.booleans() | st.just(True)) for _ in range(n)]
    return demand, s, top, lead, pack, stocked


def run(plan) -> Replay:
    demand, s, top, lead, pack, stocked = plan
    return replay(np.array(demand, dtype=np.float64), np.array(s), np.array(top), lead_time_months=np.array(lead),
                  pack_size=np.array(pack), stocked=np.array(stocked))


@FAST
@given(plans())
def test_vectorised_equals_reference_loop(plan):
    demand, s, top, lead, pack, stocked = plan
    expected = [reference([float(x) for x in d], *row) for d, *row in zip(demand, s, top, lead, pack, stocked)]
    assert_matches_reference(run(plan), expected)


@FAST
@given(plans(max_lead=15))
def test_vectorised_equals_reference_loop_with_leads_beyond_the_holdout(plan):
    demand, s, top, lead, pack, stocked = plan
    expected = [reference([float(x) for x in d], *row) for d, *row in zip(demand, s, top, lead, pack, stocked)]
    assert_matches_reference(run(plan), expected)


@FAST
@given(plans(), st.integers(0, 3), st.integers(1, 4), st.integers(1, 4))
def test_scalars_broadcast_like_full_arrays(plan, lead, pack, s_extra):
    demand, _, top, _, _, _ = plan
    n = len(demand)
    q = np.array(demand, dtype=np.float64)
    top = np.array(top) + s_extra
    scalar = replay(q, s_extra, top, lead_time_months=lead, pack_size=pack, stocked=True)
    full = replay(q, np.full(n, s_extra), top, lead_time_months=np.full(n, lead), pack_size=np.full(n, pack),
                  stocked=np.ones(n, dtype=bool))
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(scalar, name), getattr(full, name), err_msg=name)


# -- properties ------------------------------------------------------------------------------------------


@FAST
@given(plans(max_lead=6))
def test_bounds(plan):
    result = run(plan)
    months = len(plan[0][0])
    stocked = np.array(plan[5])
    assert (result.filled <= result.demand).all()
    some = result.demand > 0
    assert np.isnan(result.fill_rate[~some]).all()
    assert ((result.fill_rate[some] >= 0) & (result.fill_rate[some] <= 1)).all()
    assert (result.hits_filled <= result.hits).all() and (result.hits <= months).all()
    assert (result.avg_on_hand >= 0).all() and (result.orders <= months).all()
    np.testing.assert_array_equal(result.central_demand, np.where(stocked, 0.0, result.demand))
    assert (result.filled[~stocked] == 0).all() and (result.orders[~stocked] == 0).all()


@FAST
@given(plans(), st.randoms(use_true_random=False))
def test_permuting_the_series_permutes_the_result(plan, rnd):
    order = list(range(len(plan[0])))
    rnd.shuffle(order)
    permuted = tuple([column[i] for i in order] for column in plan)
    result, shuffled = run(plan), run(permuted)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(shuffled, name), getattr(result, name)[order], err_msg=name)


@FAST
@given(plans(), st.integers(2, 5))
def test_scaling_demand_and_plan_by_k_scales_quantities_by_k(plan, k):
    # every step is homogeneous: min, the review test and ceil(k x / (k p)) k p = k ceil(x / p) p
    demand, s, top, lead, pack, stocked = plan
    base = run(plan)
    scaled = run(([[k * x for x in d] for d in demand], [k * x for x in s], [k * x for x in top], lead,
                  [k * p for p in pack], stocked))
    for name in ("demand", "filled", "central_demand"):
        np.testing.assert_array_equal(getattr(scaled, name), k * getattr(base, name), err_msg=name)
    np.testing.assert_allclose(scaled.avg_on_hand, k * base.avg_on_hand, rtol=1e-15)  # k (x / H) vs (k x) / H
    for name in ("fill_rate", "hits", "hits_filled", "orders"):
        np.testing.assert_array_equal(getattr(scaled, name), getattr(base, name), err_msg=name)


@FAST
@given(plans())
def test_unstocked_is_max_stock_zero_plus_central_demand(plan):
    demand, s, top, lead, pack, _ = plan
    n = len(demand)
    unstocked = run((demand, s, top, lead, pack, [False] * n))
    empty = run((demand, [0] * n, [0] * n, lead, pack, [True] * n))
    for name in ("demand", "filled", "fill_rate", "hits", "hits_filled", "avg_on_hand", "orders"):
        np.testing.assert_array_equal(getattr(unstocked, name), getattr(empty, name), err_msg=name)
    np.testing.assert_array_equal(unstocked.central_demand, unstocked.demand)


@FAST
@given(plans())
def test_one_month_fills_min_of_demand_and_max_stock(plan):
    demand, s, top, lead, pack, stocked = plan
    first = [d[:1] for d in demand]
    result = run((first, s, top, lead, pack, stocked))
    want = np.where(stocked, np.minimum([d[0] for d in demand], top), 0)
    np.testing.assert_array_equal(result.filled, want)


@FAST
@given(plans(), st.integers(1, 9))
def test_a_prefix_of_the_holdout_replays_the_same_months(plan, cut):
    # the replay is causal: later months change nothing before them, so the longer holdout fills and orders
    # at least as much, and the extra fill is at most the extra demand
    demand, *rest = plan
    cut = min(cut, len(demand[0]))
    short, full = run(([d[:cut] for d in demand], *rest)), run(plan)
    assert (full.filled >= short.filled).all()
    assert (full.filled - short.filled <= full.demand - short.demand).all()
    assert (full.orders >= short.orders).all() and (full.hits_filled >= short.hits_filled).all()


# -- bad input -------------------------------------------------------------------------------------------


GOOD = {"demand": np.ones((4, 3)), "reorder_point": 1, "max_stock": 2, "lead_time_months": 0}


@pytest.mark.parametrize(
    "change, message",
    [
        ({"lead_time_months": [1, -1, 2, -0.5]},
         ("`lead_time_months` must be finite and >= 0; 2 of 4 rows break it (first: row 1 = -1). An order placed at "
         "a review arrives that many months later")),
        ({"lead_time_months": -1}, "`lead_time_months` must be finite and >= 0; got -1."),
        ({"lead_time_months": [1, np.nan, 1, 1]}, ("`lead_time_months` must be finite and >= 0; 1 of 4 rows break it "
                                                  "(first: row 1 = nan)")),
        ({"pack_size": 2.5}, "`pack_size` must be a whole number >= 1; got 2.5. Use 1 for parts ordered singly."),
        ({"pack_size": [1, 1, 1, 0]}, ("`pack_size` must be a whole number >= 1; 1 of 4 rows break it "
                                      "(first: row 3 = 0)")),
        ({"reorder_point": [0, -1, 0, -2]}, ("`reorder_point` must be a whole number >= 0; 2 of 4 rows break it "
                                            "(first: row 1 = -1). Round the plan up to whole units")),
        ({"max_stock": [1, 2, np.nan, 3]}, ("`max_stock` must be a whole number >= 0; 1 of 4 rows break it "
                                           "(first: row 2 = nan)")),
        ({"max_stock": [1, 2.5, np.inf, 3]}, ("`max_stock` must be a whole number >= 0; 2 of 4 rows break it "
                                             "(first: row 1 = 2.5)")),
        ({"demand": [[1, 0, 1], [1, 1, 1], [1, -1, 1], [np.nan, 0, 0]]},
         ("`demand` must be finite and >= 0; 2 of 4 rows break it (first: row 2 month 1 = -1, row 3 month 0 = nan). "
          "Net returns into their month and count a negative or missing month as 0, as spareopt.demand_matrix does.")),
        ({"demand": [[1, 0, np.inf], [1, 1, 1], [1, 1, 1], [1, 1, 1]]},
         "`demand` must be finite and >= 0; 1 of 4 rows break it (first: row 0 month 2 = inf)"),
        ({"demand": [1, 0, 1]}, ("`demand` must be 2-D (n_series, months); got shape (3,). Pass one series as "
                                "demand[None, :]")),
        ({"demand": np.zeros((4, 0))}, "`demand` must have at least 1 month (column) held out; got shape (4, 0)"),
        ({"reorder_point": [1, 2, 3]}, ("`reorder_point` must be a scalar or have shape (4,), one value per series "
                                       "of `demand`; got shape (3,)")),
        ({"stocked": [True, False, 2, True]}, ("`stocked` must be True or False (dealer stock or not); 1 of 4 rows "
                                              "break it (first: row 2 = 2)")),
        ({"stocked": "yes"}, "`stocked` must be True or False (dealer stock or not); got 'yes'"),
        ({"lead_time_months": ["1", "2", "1", "1"]}, ("`lead_time_months` must be finite and >= 0; got <U1 values. "
                                                     "An order placed at a review arrives that many months later")),
        ({"pack_size": True}, ("`pack_size` must be a whole number >= 1; got bool values. Use 1 for parts ordered "
                               "singly.")),
    ],
)
def test_bad_input_names_argument_rule_row_and_value(change, message):
    args = {**GOOD, **change}
    with pytest.raises(ValueError, match=re.escape(message)):
        replay(args.pop("demand"), args.pop("reorder_point"), args.pop("max_stock"), **args)


def test_integer_zero_one_stocked_is_accepted():
    result = replay(np.ones((2, 2)), 1, 2, lead_time_months=0, stocked=[0, 1])
    assert result.central_demand.tolist() == [2.0, 0.0]
