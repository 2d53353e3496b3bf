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

from .policy.seed import CEIL_TOLERANCE

__all__ = ["Replay", "replay"]


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
    ValueError
        ``demand`` not 2-D, without months, negative or not finite; ``reorder_point``
        or ``max_stock`` not a whole number >= 0; ``lead_time_months`` negative or
        not finite; ``pack_size`` not a whole number >= 1; ``stocked`` not True/False; a per-series array
        whose shape is not (n_series,).  The message names the argument, the rule
        and the first offending row and value.

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
    lead = _lead_time(lead_time_months, n)
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


_FIX = {
    "reorder_point": "Round the plan up to whole units (spareopt.policy.ceil_units).",
    "max_stock": "Round the plan up to whole units (spareopt.policy.ceil_units).",
    "pack_size": "Use 1 for parts ordered singly.",
}


def _demand(demand: ArrayLike) -> np.ndarray:
    """The demand as a float64 (n_series, H) array, checked finite and >= 0, with H >= 1."""
    q = np.asarray(demand, dtype=np.float64)
    if q.ndim != 2:
        raise ValueError(f"`demand` must be 2-D (n_series, months), got shape {q.shape}; "
                         "pass one series as demand[None, :]")
    if q.shape[1] == 0:
        raise ValueError(f"`demand` must have at least 1 held-out month (column), got shape {q.shape}")
    if q.size and not (q.min() >= 0 and q.max() < np.inf):  # NaN fails the first test
        bad = ~((q >= 0) & (q < np.inf))
        rows = np.flatnonzero(bad.any(axis=1))
        row = int(rows[0])
        month = int(bad[row].argmax())
        raise ValueError(
            f"`demand` must be finite and >= 0; {len(rows):,} of {len(q):,} rows break it "
            f"(first: row {row} month {month} = {q[row, month].item()!r}). Count a negative month (net returns) "
            "as 0 and a missing month as 0, as spareopt.demand_matrix does."
        )
    return q


def _per_series(name: str, value: ArrayLike, n: int, *, least: int) -> np.ndarray:
    """A whole-number argument >= least, as float64 of shape (n,) or 0-d (a scalar broadcasts)."""
    x = np.asarray(value)
    if x.dtype.kind not in "iuf":
        raise ValueError(f"`{name}` must be a whole number >= {least}, got {x.dtype} values; {_FIX[name]}")
    _check_shape(name, x.shape, n)
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(x) & (x >= least) & (np.floor(x) == x))
    if bad.any():
        rule = f"`{name}` must be a whole number >= {least}"
        if x.ndim == 0 or (x.size == 1 and n != 1):
            raise ValueError(f"{rule}; got {_show(x.flat[0])}. {_FIX[name]}")
        rows = np.flatnonzero(bad)
        raise ValueError(f"{rule}; {len(rows):,} of {x.size:,} rows break it "
                         f"(first: row {rows[0]} = {_show(x[rows[0]])}). {_FIX[name]}")
    return x


def _lead_time(value: ArrayLike, n: int) -> np.ndarray:
    """``lead_time_months`` as float64 of shape (n,) or 0-d, checked finite and >= 0."""
    x = np.asarray(value)
    if x.dtype.kind not in "iuf":
        raise ValueError(f"`lead_time_months` must be a number of months >= 0, got {x.dtype} values; "
                         "give lead_time_days / (365.25 / 12) (spareopt.timing.lead_time_months)")
    _check_shape("lead_time_months", x.shape, n)
    x = x.astype(np.float64)
    with np.errstate(invalid="ignore"):
        bad = ~(np.isfinite(x) & (x >= 0))
    if bad.any():
        rule = "`lead_time_months` must be finite and >= 0"
        if x.ndim == 0 or (x.size == 1 and n != 1):
            raise ValueError(f"{rule}; got {_show(x.flat[0])}. An order placed at a review arrives that many months "
                             "later (0: before the next month's demand)")
        rows = np.flatnonzero(bad)
        raise ValueError(f"{rule}; {len(rows):,} of {x.size:,} rows break it (first: row {rows[0]} = "
                         f"{_show(x[rows[0]])}). An order placed at a review arrives that many months later")
    return x


def _stocked(value: ArrayLike, n: int) -> np.ndarray:
    """``stocked`` as bool of shape (n,) or 0-d; integer 0/1 is accepted."""
    x = np.asarray(value)
    _check_shape("stocked", x.shape, n)
    if x.dtype.kind != "b":
        ok = x.dtype.kind in "iu" or (x.dtype.kind == "f" and bool(np.all(np.isfinite(x))))
        bad = ~np.isin(x, (0, 1)) if ok else np.ones(x.shape, dtype=bool)
        if bad.any():
            rule = "`stocked` must be True or False (dealer stock or not)"
            if x.ndim == 0 or (x.size == 1 and n != 1):
                raise ValueError(f"{rule}; got {x.flat[0].item()!r}")
            rows = np.flatnonzero(np.atleast_1d(bad))
            raise ValueError(f"{rule}; {len(rows):,} of {x.size:,} rows break it "
                             f"(first: row {rows[0]} = {x[rows[0]].item()!r})")
        x = x.astype(bool)
    return x


def _check_shape(name: str, shape: tuple[int, ...], n: int) -> None:
    if len(shape) > 1 or (shape and shape[0] not in (1, n)):
        raise ValueError(f"`{name}` must be a scalar or have shape ({n:,},), one value per series of `demand`; "
                         f"got shape {shape}")


def _show(value: np.floating) -> str:
    """A value as the user wrote it: 0 for a whole number, 2.5 or nan otherwise."""
    v = float(value)
    return str(int(v)) if np.isfinite(v) and v.is_integer() else repr(v)
