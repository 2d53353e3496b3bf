r"""A planner's floor: the ``min_stock`` of the parts master, which every plan holds at least.

A planner knows things the history does not: a new model is launched next month, a recall
needs a part on every shelf, a safety part must never be missing.  The parts master's
``min_stock`` m says so, and every policy (the seed's rules, the service-level and class
policies, the optimizer) respects it: the plan's levels are raised to the floor after the
policy has set them, and a row that the policy would not stock is stocked at the dealer with
reason ``min_stock``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["MIN_STOCK_REASON", "min_stock_levels"]

MIN_STOCK_REASON = "min_stock"
"""The reason of a row stocked at the dealer only because of the planner's ``min_stock``."""


def min_stock_levels(reorder_point: ArrayLike, max_stock: ArrayLike,
                     min_stock: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""The plan's reorder point s and maximum S raised to the planner's floor m.

    Parameters
    ----------
    reorder_point, max_stock : array_like of int, shape (n,)
        s and S of the policy, whole units.
    min_stock : array_like, shape (n,)
        m, the planner's floor in whole units; 0 = no floor.

    Returns
    -------
    reorder_point, max_stock : ndarray of int64, shape (n,)

    Notes
    -----
    Where m > 0:

    .. math::  s' = \max(s, m - 1), \qquad S' = \max(S, m),

    and s, S unchanged where m = 0.  The reason is the order rule of the replay
    (:func:`spareopt.replay.replay`) and of the stock order (:func:`spareopt.jobs.order.order_quantity`):
    at a review, when the position IP (on hand + on order) is at or below s, order up to S
    (rounded *up* to the pack).  The position after every review is then at least m exactly when

    - every position below the floor triggers an order: IP <= m - 1 implies IP <= s, so s >= m - 1;
    - that order reaches the floor: S >= m.

    s' and S' are the least levels with both.  (A reorder point of m would order at IP = m too, and
    hold m + 1 on a part that does not sell: more than the planner asked.)  Where the
    policy's own levels are higher, they stand: the floor never lowers a level.  As on any (s, S)
    shelf, the units on hand dip below m between a sale and the receipt of its replenishment
    (the lead time); the replay starts every row at S' >= m.

    Examples
    --------
    A new part (the policy plans 0, 0) with a floor of 2 gets s = 1, S = 2: the first review
    orders 2, and every sale is replaced.  A part planned at (5, 9) keeps its levels:

    >>> s, big_s = min_stock_levels([0, 5, 3], [0, 9, 3], [2, 2, 0])
    >>> s.tolist(), big_s.tolist()
    ([1, 5, 3], [2, 9, 3])
    """
    s = np.asarray(reorder_point).astype(np.int64)
    top = np.asarray(max_stock).astype(np.int64)
    m = np.asarray(min_stock, dtype=np.float64)
    floor = np.where(m > 0, m, 0).astype(np.int64)
    return np.where(floor > 0, np.maximum(s, floor - 1), s), np.maximum(top, floor)
