"""Replay a stocking plan (reorder point, maximum stock) on held-out demand, every series at once.

The plan comes from :mod:`spareopt.policy` fitted on the history up to ``as_of``;
the held-out months after it are the test.  :func:`replay` runs the dealer's
monthly (s, S) review with lost sales on that real demand and reports the fill
rate (满足率), the months served in full, the average stock and the orders, so
the seed's claim that its must-stock rules raise the fill rate can be measured.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .errors import InputError
from .policy.seed import CEIL_TOLERANCE
from .timing import DAYS_PER_MONTH
from .validate import matrix, nonnegative, number, per_series, require
from .validate import whole as whole_numbers  # replay_echelons has a local `whole`

__all__ = ["EchelonReplay", "Replay", "replay", "replay_echelons"]


@dataclass(frozen=True, eq=False)
class Replay:
    """Outcome of replaying a plan on held-out demand, one entry per series (:func:`replay`)."""

    demand: np.ndarray
    """Demand over the holdout, units (float64)."""
    filled: np.ndarray
    """Demand filled from the dealer's shelf over the holdout, units (float64)."""
    fill_rate: np.ndarray
    """``filled / demand`` in [0, 1] (float64); NaN when the holdout has no demand."""
    hits: np.ndarray
    """Months with demand > 0 (int64)."""
    hits_filled: np.ndarray
    """Months with demand > 0 that were filled completely from the shelf (int64)."""
    avg_on_hand: np.ndarray
    """Mean over the holdout months of the on-hand stock at the end of the month, after serving, units (float64)."""
    orders: np.ndarray
    """Replenishment orders placed (int64), including those due after the holdout."""
    central_demand: np.ndarray
    """Demand of series without dealer stock (``stocked`` False), units (float64); 0 for stocked series."""

    def to_frame(self) -> pd.DataFrame:
        """One row per series, one column per field, in the order of the series."""
        return pd.DataFrame({f.name: getattr(self, f.name) for f in fields(self)})


def replay(
    demand: ArrayLike,
    reorder_point: ArrayLike,
    max_stock: ArrayLike,
    *,
    lead_time_months: ArrayLike,
    pack_size: ArrayLike = 1,
    stocked: ArrayLike = True,
) -> Replay:
    """Replay an (s, S) stocking plan on held-out monthly demand with lost sales, vectorised over all series.

    Parameters
    ----------
    demand : array_like, shape (n_series, H)
        Demand d >= 0 in units in each of the H >= 1 held-out months, oldest
        first (normally whole numbers; fractions are allowed).
    reorder_point : array_like, shape (n_series,) or scalar
        Reorder point s, whole units >= 0.
    max_stock : array_like, shape (n_series,) or scalar
        Maximum stock (order-up-to level) S, whole units >= 0.
    lead_time_months : array_like, shape (n_series,) or scalar
        Lead time ell >= 0 in months, fractions allowed (``lead_time_days`` / D,
        :func:`spareopt.timing.lead_time_months`): an order placed at the review
        at the end of month t arrives ell months later (see Notes).
    pack_size : array_like, shape (n_series,) or scalar
        Order multiple p, whole units >= 1 (1: parts sold singly).
    stocked : array_like of bool, shape (n_series,) or scalar
        False for series that hold no dealer stock (decision ``none`` or
        ``central``): they have no shelf, and their demand goes to
        ``central_demand``.

    Returns
    -------
    Replay
        Per series (each shape (n_series,)): ``demand``, ``filled``,
        ``fill_rate``, ``hits``, ``hits_filled``, ``avg_on_hand``, ``orders``
        and ``central_demand``; ``.to_frame()`` gives one row per series.

    Raises
    ------
    InputError
        ``demand`` not 2-D, without months, negative or not finite; ``reorder_point``
        or ``max_stock`` not a whole number >= 0; ``lead_time_months`` negative or
        not finite; ``pack_size`` not a whole number >= 1; ``stocked`` not True/False; a per-series array
        whose shape is not (n_series,).  The message names the argument, the rule
        and the first offending row and value (:mod:`spareopt.validate`).

    Notes
    -----
    The simulation follows the timing model of :mod:`spareopt.timing`, per series:

    - Start of the holdout: on hand = ``max_stock``, nothing on order.
    - An order placed at the review at the end of month t arrives ell months
      later, at the point a fraction phi = ell - floor(ell) into month
      t + 1 + floor(ell).  Demand is spread evenly over a month, so that
      month's first phi x demand is served before the receipt, the rest after.
    - Each month t = 0 ... H-1, in this order:

      1. Serve the first phi x demand from on hand (0 when ell is whole).
      2. Receive what is due this month.
      3. Serve the rest of the demand.  Each part fills min(part, on_hand);
         what is short is lost (a dealer fills it by an emergency order
         outside the stock).
      4. End-of-month review: if on_hand + on_order <= reorder_point, order
         max_stock - (on_hand + on_order), rounded up to a multiple of
         pack_size (ceil(x / pack) * pack); an order quantity <= 0 is no order
         (orders due after the holdout are never received).

    .. math::

        f_t = \\min(d_t, I_t), \\qquad
        Q_t = p \\left\\lceil \\frac{S - (I_t - f_t + O_t)}{p} \\right\\rceil
        \\text{ if } I_t - f_t + O_t \\le s

    with :math:`I_t` the on hand after receiving and :math:`O_t` the quantity on
    order.  A series with ``stocked`` False replays as max_stock = 0: filled 0,
    on hand 0, no orders, and its demand is its ``central_demand``.

    ``avg_on_hand`` is the mean over the H months of the on hand at the end of
    each month, after serving (and before any receipt of the next month).
    ``hits_filled`` counts the months with d > 0 whose two parts were both
    filled in full.  ``orders`` counts every order placed, also those due after the
    holdout.

    Float noise: the review test and the ceiling treat a value within 1e-9 of
    a whole number as that number (as :func:`spareopt.policy.ceil_units`), so
    fractional demand such as 0.1 + 0.2 never adds a pack; with whole-number
    demand every quantity is exact and this changes nothing.

    Cost: one pass over the H months, each a handful of vector operations over
    all series; the orders in transit live in a (min(max floor(ell) + 1, H), n_series)
    ring indexed by arrival month mod its length.

    References
    ----------
    Silver, E. A., Pyke, D. F. & Thomas, D. J. (2017). *Inventory and Production
    Management in Supply Chains*, 4th ed., CRC Press: the periodic-review
    (R, s, S) system, here with review interval R = 1 month and lost sales.

    Haima after-sales parts case study (``shared/seed``), section 3: the claim,
    measured here, that the must-stock rules raise the fill rate (满足率).

    Examples
    --------
    s = 2, S = 5, ell = 0 (an order arrives before the next month's demand) on demand 3, 0, 4, 1, 6.  Month 0 serves 3 from 5 and
    orders 3 (position 2 <= 2); month 1 receives them; month 2 serves 4 and
    orders 4; month 3 receives them and serves 1; month 4 serves 4 of 6 and
    orders 5, due after the holdout.  End-of-month stock 2, 5, 1, 4, 0:

    >>> result = replay([[3, 0, 4, 1, 6]], [2], [5], lead_time_months=0)
    >>> result.filled, result.fill_rate.round(4), result.hits_filled, result.avg_on_hand, result.orders
    (array([12.]), array([0.8571]), array([3]), array([2.4]), array([3]))
    >>> print(result.to_frame().to_string())
       demand  filled  fill_rate  hits  hits_filled  avg_on_hand  orders  central_demand
    0    14.0    12.0   0.857143     4            3          2.4       3             0.0

    The same plan with ell = 0.5: each order arrives halfway through the next
    month.  Month 0 serves 3 and orders 3; month 1 has no demand and receives
    them (5 on hand); month 2 serves 4 and orders 4; month 3 serves 0.5 of 1
    before the receipt and 0.5 after it; month 4 serves 4 of 6:

    >>> replay([[3, 0, 4, 1, 6]], [2], [5], lead_time_months=0.5).filled
    array([12.])
    """
    q = _demand(demand)
    n, months = q.shape
    s = _per_series("reorder_point", reorder_point, n, least=0)
    top = _per_series("max_stock", max_stock, n, least=0)
    lead = _lead_time("lead_time_months", lead_time_months, n)
    pack = _per_series("pack_size", pack_size, n, least=1)
    shelf = _stocked(stocked, n)

    total = q.sum(axis=1)
    hits = np.count_nonzero(q > 0, axis=1).astype(np.int64)
    top = np.where(shelf, top, 0.0)  # no shelf: nothing on hand and S - position <= 0, so never an order
    s = s + CEIL_TOLERANCE  # the review test with the float-noise tolerance
    one_pack = bool(np.all(pack == 1))

    # An order of month t arrives in month t + L, L = floor(ell) + 1, a fraction phi into it.  Slot (t + L) mod K
    # holds it; K = max L suffices because slot t mod K is emptied in step 2 before step 4 writes; L is capped at
    # H (never received).
    whole = np.floor(lead + CEIL_TOLERANCE)
    phi = np.maximum(lead - whole, 0.0)  # the share of the arrival month's demand served before the receipt
    split = bool(np.any(phi > 0))
    phi = np.broadcast_to(phi, (n,))
    lead = np.minimum(whole + 1, months).astype(np.intp)
    ring = int(lead.max()) if lead.size else 1
    one_lead = lead.size <= 1 or bool(np.all(lead == lead.flat[0]))
    if one_lead:
        lead = int(lead.flat[0]) if lead.size else 1
    else:
        rows = np.arange(n, dtype=np.intp)
        slot = np.empty(n, dtype=np.intp)
    pipe = np.zeros((ring, n))

    on_hand = np.broadcast_to(top, (n,)).astype(np.float64)  # a fresh, writable copy
    on_order = np.zeros(n)
    filled = np.zeros(n)
    stock = np.zeros(n)
    served_in_full = np.zeros(n, dtype=np.int64)  # months with d <= on hand, d = 0 included
    orders = np.zeros(n, dtype=np.int64)
    d = np.empty(n)
    take = np.empty(n)
    qty = np.empty(n)
    full = np.empty(n, dtype=bool)
    place = np.empty(n, dtype=bool)
    before = np.empty(n) if split else None
    early = np.ones(n, dtype=bool)
    for t in range(months):
        np.copyto(d, q[:, t])  # one strided read of the column, then contiguous work
        if split:  # 1. the share of the month before the receipt
            np.multiply(d, phi, out=before)
            np.less_equal(before, on_hand, out=early)
            np.minimum(before, on_hand, out=take)
            on_hand -= take
            filled += take
            d -= before
        due = pipe[t % ring]  # 2. receive
        on_hand += due
        on_order -= due
        due[:] = 0.0
        np.less_equal(d, on_hand, out=full)  # 3. serve the rest
        full &= early
        served_in_full += full
        np.minimum(d, on_hand, out=take)
        on_hand -= take
        filled += take
        stock += on_hand
        np.add(on_hand, on_order, out=qty)  # 4. review: qty holds the position, then the order
        np.less_equal(qty, s, out=place)
        np.subtract(top, qty, out=qty)
        if one_pack:
            qty -= CEIL_TOLERANCE
            np.ceil(qty, out=qty)
        else:
            qty /= pack
            qty -= CEIL_TOLERANCE
            np.ceil(qty, out=qty)
            qty *= pack
        place &= qty > 0
        qty *= place
        on_order += qty
        orders += place
        if one_lead:
            pipe[(t + lead) % ring] = qty
        else:
            np.add(lead, t, out=slot)  # the flat index of slot (t + L) mod K in each row's column
            np.remainder(slot, ring, out=slot)
            slot *= n
            slot += rows
            np.put(pipe, slot, qty)

    with np.errstate(invalid="ignore", divide="ignore"):
        fill_rate = np.where(total > 0, filled / total, np.nan)
    return Replay(
        demand=total,
        filled=filled,
        fill_rate=fill_rate,
        hits=hits,
        hits_filled=served_in_full - (months - hits),
        avg_on_hand=stock / months,
        orders=orders,
        central_demand=np.where(shelf, 0.0, total),
    )


@dataclass(frozen=True, eq=False)
class EchelonReplay:
    """Outcome of replaying a two-echelon plan on held-out demand (:func:`replay_echelons`)."""

    dealers: Replay
    """Per dealer row, as :func:`replay` gives it: ``filled`` is the demand met at once from the dealer's shelf."""
    wait_days: np.ndarray
    """Per dealer row: the mean wait of a unit of its demand, days (0 for a unit met from the shelf); NaN without
    demand.  Little's law: the backorders summed over time, divided by the demand."""
    central_avg_on_hand: np.ndarray
    """Per part: the central warehouse's mean on hand at the month ends, units."""
    central_fill_rate: np.ndarray
    """Per part: the share of the dealers' orders the central warehouse shipped at once; NaN without orders."""


def replay_echelons(
    demand: ArrayLike,
    part: ArrayLike,
    dealer_stock: ArrayLike,
    central_stock: ArrayLike,
    *,
    central_lead_months: ArrayLike,
    transfer_months: float,
    steps_per_month: int = 30,
    seed: int | None = 0,
) -> EchelonReplay:
    r"""Replay a central warehouse + dealers base-stock plan on held-out monthly demand, every series at once.

    The plan of :func:`spareopt.optimize` with two echelons (Sherbrooke's METRIC): dealer j keeps S_j on
    its shelf and replaces every unit sold one for one from the central warehouse, which keeps S_0 and
    replaces every unit it ships one for one from the supplier.

    Parameters
    ----------
    demand : array_like, shape (n_series, H)
        Each dealer row's demand in each of the H held-out months, units >= 0.
    part : array_like of int, shape (n_series,)
        The part (0..k-1) of each row: rows of one part share its central stock.
    dealer_stock : array_like, shape (n_series,)
        S_j, whole units >= 0.
    central_stock : array_like, shape (k,)
        S_0, whole units >= 0.
    central_lead_months : array_like, shape (k,) or scalar
        T_0, supplier to the central warehouse, months >= 0 (``lead_time_days`` / D).
    transfer_months : float
        T, the central warehouse to a dealer, months >= 0 (``transfer_days`` / D).
    steps_per_month : int
        The clock: a month is this many steps (30: about a day each); lead and transfer times are
        rounded to whole steps, at least one.
    seed : int or None
        When within its month each unit of demand comes.  The history gives months only: each whole
        unit comes at a step drawn uniformly over its month (``numpy.random.default_rng(seed)``), which
        is exactly a Poisson process's timing when the month's total is Poisson, and the fraction of a
        unit, if any, evenly.  None: all of a month's demand evenly over its steps (a smoother demand
        than any real one, which flatters the plan).

    Returns
    -------
    EchelonReplay

    Raises
    ------
    InputError
        ``demand`` as for :func:`replay`; ``part`` not a whole number >= 0, ``dealer_stock`` or ``central_stock``
        not a whole number >= 0, ``central_lead_months`` negative or not finite, or a shape that does not fit.
    ConfigError
        ``transfer_months`` negative or not finite; ``steps_per_month`` not a whole number >= 1.

    Notes
    -----
    Demand waits when the shelf is empty (a backorder: the customer's unit comes with the dealer's
    next receipt), as METRIC assumes.  Each step, in this order:

    1. The dealers receive what is due this step.
    2. Each dealer meets the step's demand d from its shelf: min(d, on hand)
       (``filled``); the rest is backordered.  It orders d from the central warehouse.
    3. The central warehouse ships first come, first served: by step t it has shipped
       Ship(t) = min(A(t), S_0 + A(t - T_0)) units, A(t) the part's orders so far (each unit comes
       back from the supplier T_0 after its order), and those are the first Ship(t) units ordered
       (orders of one step in proportion).  A unit shipped arrives at the dealer T later.

    Start: every shelf at S_j, the central warehouse at S_0, nothing on the way, as :func:`replay`
    starts at the maximum stock.  ``avg_on_hand`` is the mean of each month's end; ``hits_filled``
    counts the months with demand met in full from the shelf; ``orders`` the steps with an order.

    References
    ----------
    Sherbrooke, C. C. (1968), "METRIC: A Multi-Echelon Technique for Recoverable Item Control",
    *Operations Research* 16(1), 122-141: the (S - 1, S) policies at both echelons.

    Examples
    --------
    One dealer with 1 unit, a central warehouse with 1, one step a month, T_0 = T = 1 month.  Month 0
    sells 1 from the shelf, which the central unit replaces in month 1.  Month 1 sells 2: one from the
    shelf, one waits a month (the central warehouse has 1 of the 2 it is asked for), so 2 of 3 units
    are met at once and the mean wait is 1 month x 30.44 days / 3 units:

    >>> r = replay_echelons([[1, 2]], [0], [1], [1], central_lead_months=1.0, transfer_months=1.0,
    ...                     steps_per_month=1)
    >>> r.dealers.filled.tolist(), r.dealers.fill_rate.round(3).tolist(), r.wait_days.round(2).tolist()
    ([2.0], [0.667], [10.15])
    """
    q = _demand(demand)
    n, months = q.shape
    p = np.asarray(part).reshape(-1)
    per_series("part", p.shape, n)
    p = np.broadcast_to(whole_numbers("part", p, hint="Number the parts 0, 1, ..., k - 1").astype(np.int64), (n,))
    k = int(p.max()) + 1 if n else 0
    s = np.broadcast_to(_per_series("dealer_stock", dealer_stock, n, least=0), (n,))
    s0 = np.asarray(central_stock).reshape(-1)
    if s0.shape != (k,):
        raise InputError(f"`central_stock` must have one value per part, shape ({k},) (the parts of `part` are "
                         f"0..{k - 1}); got shape {s0.shape}")
    s0 = whole_numbers("central_stock", s0, hint=_FIX["central_stock"])
    lead = np.broadcast_to(_lead_time("central_lead_months", central_lead_months, k, per="part"), (k,))
    number("transfer_months", transfer_months, least=0)
    per = number("steps_per_month", steps_per_month, least=1, whole=True)
    lead_steps = np.maximum(np.rint(lead * per), 1).astype(np.intp)
    transfer = max(int(np.rint(transfer_months * per)), 1)
    # FIFO at the central warehouse, from cumulative sums: by step t it has shipped Ship(t) = min(A(t), S_0 + A(t - T_0))
    # units (A: the part's orders so far; the supplier returns each unit T_0 steps after its order), and they are the
    # first Ship(t) units ordered.  A row's share is its own orders up to the step whose A reaches Ship(t), in
    # proportion within that step.  That step is at most T_0 + 1 back, so a ring of that depth keeps the sums.
    depth = int(lead_steps.max()) + 2 if k else 2
    row_sum = np.zeros((depth, n))  # C_j, each row's orders so far, by step mod depth (0 before the start)
    part_sum = np.zeros((depth, k))  # A, the part's
    transit = np.zeros((transfer + 1, n))  # units due at the dealers, by step mod (transfer + 1)
    rows = np.arange(n, dtype=np.intp)
    parts = np.arange(k, dtype=np.intp)

    net = s.astype(np.float64).copy()  # the dealer's on hand minus its customers' backorders
    ordered = np.zeros(n)  # C_j now
    shipped = np.zeros(n)  # what the central warehouse has shipped to each row so far
    shipped_part = np.zeros(k)
    filled = np.zeros(n)
    waiting = np.zeros(n)  # backorders summed over the steps
    stock = np.zeros(n)
    central_stock_sum = np.zeros(k)
    at_once = np.zeros(k)
    orders = np.zeros(n, dtype=np.int64)
    short_in_month = np.zeros(n)
    served_in_full = np.zeros(n, dtype=np.int64)
    rng = None if seed is None else np.random.default_rng(seed)
    whole = np.floor(q) if rng is not None else np.zeros_like(q)
    left = np.zeros(n, dtype=np.int64)  # whole units of the month not placed yet
    for t in range(months * per):
        month, within = divmod(t, per)
        d = (q[:, month] - whole[:, month]) / per  # the fractions, evenly
        if rng is not None:  # the whole units: step i of the m left gets Binomial(left, 1/m) of them
            if within == 0:
                left = whole[:, month].astype(np.int64)
            units = rng.binomial(left, 1.0 / (per - within)) if within < per - 1 else left
            left = left - units
            d = d + units
        net += transit[t % (transfer + 1)]  # 1. receive
        transit[t % (transfer + 1)] = 0.0
        take = np.clip(net, 0.0, None)  # 2. the shelf, then backorders
        np.minimum(take, d, out=take)
        filled += take
        short_in_month += d - take
        net -= d
        orders += d > 0
        ordered += d  # 3. the orders at the central warehouse, and what it ships (FIFO)
        before = part_sum[(t - 1) % depth].copy()  # A(t - 1)
        row_sum[t % depth] = ordered
        total_now = np.bincount(p, weights=ordered, minlength=k)
        part_sum[t % depth] = total_now
        returned = part_sum[(t - lead_steps) % depth, parts]  # A(t - T_0); a slot not written yet holds 0
        ship = np.minimum(total_now, s0 + returned)
        at_once += np.clip(ship - np.maximum(before, shipped_part), 0.0, None)
        behind = (part_sum < ship).sum(axis=0)  # steps of the window whose A is below Ship: the earliest ones
        last = t - depth + 1 + behind  # the first step whose A reaches Ship
        first = np.where(behind > 0, last - 1, last)
        a_lo, a_hi = part_sum[first % depth, parts], part_sum[last % depth, parts]
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(a_hi > a_lo, (ship - a_lo) / (a_hi - a_lo), 1.0)
        c_lo, c_hi = row_sum[(first % depth)[p], rows], row_sum[(last % depth)[p], rows]
        now = c_lo + w[p] * (c_hi - c_lo)
        transit[(t + transfer) % (transfer + 1)] += now - shipped
        shipped = now
        shipped_part = ship
        waiting += np.clip(-net, 0.0, None)
        if within == per - 1:  # the month's end
            stock += np.clip(net, 0.0, None)
            central_stock_sum += s0 + returned - ship
            served_in_full += short_in_month <= CEIL_TOLERANCE
            short_in_month[:] = 0.0
    total = q.sum(axis=1)
    hits = np.count_nonzero(q > 0, axis=1).astype(np.int64)
    asked = np.bincount(p, weights=total, minlength=k)
    with np.errstate(invalid="ignore", divide="ignore"):
        fill_rate = np.where(total > 0, filled / total, np.nan)
        wait = np.where(total > 0, waiting * (DAYS_PER_MONTH / per) / total, np.nan)
        central_fill = np.where(asked > 0, at_once / asked, np.nan)
    dealers = Replay(demand=total, filled=filled, fill_rate=fill_rate, hits=hits,
                     hits_filled=served_in_full - (months - hits), avg_on_hand=stock / months, orders=orders,
                     central_demand=np.where(s > 0, 0.0, total))
    return EchelonReplay(dealers, wait, central_stock_sum / months, central_fill)


_FIX = {
    "dealer_stock": "Round the plan up to whole units (spareopt.policy.ceil_units).",
    "reorder_point": "Round the plan up to whole units (spareopt.policy.ceil_units).",
    "max_stock": "Round the plan up to whole units (spareopt.policy.ceil_units).",
    "central_stock": "Round the plan up to whole units (spareopt.policy.ceil_units).",
    "pack_size": "Use 1 for parts ordered singly.",
}

_LEAD_FIX = ("An order placed at a review arrives that many months later (0: before the next month's demand); "
             "from days: lead_time_days / (365.25 / 12), spareopt.timing.lead_time_months")


def _demand(demand: ArrayLike) -> np.ndarray:
    """The demand as a float64 (n_series, H) array, checked finite and >= 0, with H >= 1."""
    return matrix("demand", demand, min_months=1, why=" held out")


def _per_series(name: str, value: ArrayLike, n: int, *, least: int) -> np.ndarray:
    """A whole-number argument >= least, as float64 of shape (n,) or 0-d (a scalar broadcasts)."""
    x = np.asarray(value)
    per_series(name, x.shape, n)
    return whole_numbers(name, x, least, hint=_FIX[name])


def _lead_time(name: str, value: ArrayLike, n: int, *, per: str = "series of `demand`") -> np.ndarray:
    """A lead time in months as float64 of shape (n,) or 0-d, checked finite and >= 0."""
    x = np.asarray(value)
    per_series(name, x.shape, n, per=per)
    return nonnegative(name, x, hint=_LEAD_FIX)


def _stocked(value: ArrayLike, n: int) -> np.ndarray:
    """``stocked`` as bool of shape (n,) or 0-d; integer 0/1 is accepted."""
    x = np.asarray(value)
    per_series("stocked", x.shape, n)
    if x.dtype.kind != "b":
        ok = np.isin(x, (0, 1)) if x.dtype.kind in "iuf" else np.zeros(x.shape, dtype=bool)  # NaN is not 0 or 1
        require(ok, "`stocked` must be True or False (dealer stock or not)", stocked=x)
        x = x.astype(bool)
    return x
