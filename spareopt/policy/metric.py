r"""Two echelons, the central transit warehouse (中转库) and its dealers: Sherbrooke's METRIC.

Each dealer j replenishes one for one, an (S - 1, S) policy, from the central warehouse, with
transport time T_j (``transfer_days``).  The central warehouse replenishes one for one from the
supplier with lead time T_0 (``lead_time_days``).  Demand is Poisson, lambda_j units a day at
dealer j, and the central warehouse sees their sum lambda_0 = sum_j lambda_j.

By Palm's theorem the units in the central pipeline are Poisson(lambda_0 T_0), so with central
stock S_0 its expected backorders are

.. math:: \text{EBO}_0(S_0) = E[(X_0 - S_0)^+], \qquad X_0 \sim \text{Poisson}(\lambda_0 T_0),

and a dealer order waits on average EBO_0 / lambda_0 days for a unit (Little's law).  METRIC
approximates the dealer's pipeline as Poisson with that mean:

.. math::

    X_j \sim \text{Poisson}\big(\lambda_j (T_j + \text{EBO}_0(S_0) / \lambda_0)\big), \qquad
    \text{EBO}_j = E[(X_j - S_j)^+], \qquad \text{fill}_j = P(X_j \le S_j - 1).

:func:`metric_backorders` evaluates any plan.  :func:`metric_curves` optimises, for every part at
once, by Sherbrooke's method: for each central level S_0 the dealers are allocated by marginal
analysis, the best plan for every total of units is the best over S_0, and the lower convex
envelope of these points gives the steps for the budget allocation of
:func:`spareopt.policy.budget.greedy_steps`.  :func:`metric_dealer_stock` turns a part's chosen
(S_0, total) back into its dealers' stock.

Two objectives (config ``objective``).  ``backorders`` minimises the dealers' expected backorders
sum_j EBO_j, Sherbrooke's measure: separable and convex in each S_j once S_0 is fixed, so the
dealers' marginal analysis is exact.  ``fill`` minimises the demand missed at the dealers' shelves,
sum_j lambda_j P(X_j >= S_j): the fill rate a planner promises, the measure of the one-echelon
optimizer.  Central stock cannot fill a dealer's shelf by itself (it shortens the dealers' waits),
so at a small budget the backorder optimum can hold every unit centrally and fill nothing from a
shelf; the fill optimum buys central stock only where it raises the dealers' fill.  Both keep S_0 = 0
among their candidates, so neither is worse by its own measure than the same budget at the dealers
alone.  Placing one unit at a time by the largest gain is not optimal, because central stock's
effect on the dealers is not convex in S_0 (Sherbrooke 2004, section 3.3): that was spareopt's method
before issue 21.

References
----------
Sherbrooke, C. C. (1968), "METRIC: A Multi-Echelon Technique for Recoverable Item Control",
*Operations Research* 16(1), 122-141.

Palm, C. (1938), "Analysis of the Erlang traffic formulae for busy-signal arrangements",
*Ericsson Technics* 4, 39-58.

Sherbrooke, C. C. (2004), *Optimal Inventory Modeling of Systems*, 2nd ed., Kluwer, chapter 3
(METRIC's optimisation: one dealer allocation per central level and the convex envelope over them;
the worked example of 5 bases) and chapter 5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ..errors import ConfigError
from .budget import Steps, pool_steps
from .service import POISSON, _cdf, _loss

__all__ = ["OBJECTIVES", "MetricCurves", "MetricPlan", "metric_backorders", "metric_curves", "metric_dealer_stock"]


@dataclass(frozen=True, eq=False)
class MetricPlan:
    """What a two-echelon plan gives (:func:`metric_backorders`)."""

    central_backorders: np.ndarray
    """EBO_0 per part."""
    central_delay_days: np.ndarray
    """EBO_0 / lambda_0 per part: the mean wait of a dealer order at the central warehouse."""
    dealer_pipeline: np.ndarray
    """lambda_j (T_j + delay) per dealer row: the mean units on their way to the dealer."""
    dealer_backorders: np.ndarray
    """EBO_j per dealer row."""
    dealer_fill_rate: np.ndarray
    """P(X_j <= S_j - 1) per dealer row: the share of demand met from the dealer's shelf."""


def metric_backorders(
    part: ArrayLike,
    dealer_rate: ArrayLike,
    dealer_stock: ArrayLike,
    central_stock: ArrayLike,
    central_lead_days: ArrayLike,
    transfer_days: ArrayLike,
) -> MetricPlan:
    """Expected backorders of a central warehouse + dealers plan, every part at once (METRIC).

    Parameters
    ----------
    part : array_like of int, shape (n,)
        The part (0..k-1) of each dealer row.
    dealer_rate : array_like, shape (n,)
        lambda_j, units a day.
    dealer_stock : array_like, shape (n,)
        S_j, whole units.
    central_stock, central_lead_days : array_like, shape (k,)
        S_0 and T_0 per part.
    transfer_days : array_like, shape (n,) or scalar
        T_j, central warehouse to dealer.

    Returns
    -------
    MetricPlan

    Examples
    --------
    Two dealers at 0.1 and 0.2 units a day, T_0 = 30 days, T_j = 5, S_0 = 3, S = (1, 2): the central
    pipeline is Poisson(9), EBO_0(3) = 9 - (0.99988 + 0.99877 + 0.99377) = 6.0076, so a dealer order waits
    6.0076 / 0.3 = 20.025 days.

    >>> plan = metric_backorders([0, 0], [0.1, 0.2], [1, 2], [3], [30.0], 5.0)
    >>> round(float(plan.central_backorders[0]), 4), round(float(plan.central_delay_days[0]), 3)
    (6.0076, 20.025)
    """
    p = np.asarray(part, dtype=np.int64)
    lam = np.asarray(dealer_rate, dtype=np.float64)
    s = np.asarray(dealer_stock, dtype=np.float64)
    s0 = np.asarray(central_stock, dtype=np.float64)
    t0 = np.asarray(central_lead_days, dtype=np.float64)
    t = np.broadcast_to(np.asarray(transfer_days, dtype=np.float64), lam.shape)
    lam0 = np.bincount(p, weights=lam, minlength=len(s0))
    ebo0, delay = _central(lam0, t0, s0)
    pipeline = lam * (t + delay[p])
    ebo = _poisson_loss(s, pipeline)
    fill = np.where(pipeline > 0, _cdf(np.maximum(s - 1, -1), pipeline, pipeline, np.full(len(s), POISSON, np.int8)),
                    1.0)
    return MetricPlan(ebo0, delay, pipeline, ebo, np.where(s > 0, fill, np.where(pipeline > 0, 0.0, 1.0)))


def _central(lam0: np.ndarray, t0: np.ndarray, s0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m0 = lam0 * t0
    ebo0 = _poisson_loss(s0, m0)
    with np.errstate(divide="ignore", invalid="ignore"):
        delay = np.where(lam0 > 0, ebo0 / lam0, 0.0)
    return ebo0, delay


def _poisson_loss(s: np.ndarray, mean: np.ndarray) -> np.ndarray:
    return _loss(np.asarray(s, dtype=np.float64), mean, mean, np.full(len(mean), POISSON, dtype=np.int8))


@dataclass(frozen=True, eq=False)
class MetricCurves:
    """Every part's best two-echelon plan for each total of units, and the steps of their convex envelopes.

    The points are flat arrays grouped by part, by total ascending: the total 0 up to the total where
    the part's objective is least (more units would gain less than ``tail`` each).
    """

    objective: str
    """What the plans minimise: ``backorders`` or ``fill`` (:func:`metric_curves`)."""

    point_part: np.ndarray
    """The part of each point."""
    point_units: np.ndarray
    """x: the part's total units, central + dealers."""
    point_central: np.ndarray
    """S_0 of the best plan with that total (the dealers take the other x - S_0 by marginal analysis)."""
    point_value: np.ndarray
    """The objective of the best plan with that total, least is best: the expected dealer backorders
    sum_j EBO_j (``backorders``), or the dealers' demand a day not met from their shelves,
    sum_j lambda_j P(X_j >= S_j) (``fill``)."""
    point_efficient: np.ndarray
    """The point is a vertex of the part's lower convex envelope (an efficient point)."""
    steps: Steps
    """One unit each along the envelope, for :func:`spareopt.policy.budget.greedy_steps` (row = part,
    level = the total once taken, gain = what the envelope's objective falls by with that unit)."""
    step_point: np.ndarray
    """The point of each step's total: the plan a part gets when its last step taken is that one."""


def _dealer_units(p: np.ndarray, lam: np.ndarray, t: np.ndarray, rows: np.ndarray, delay: np.ndarray,
                  tail: float, objective: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The dealers' units of the given rows at the given central wait, in marginal-analysis order per part.

    ``backorders``: a dealer's unit S + 1 removes P(X_j > S) backorders, falling in S; a row's units
    stop where that falls below ``tail``.  ``fill``: it meets lambda_j P(X_j = S) more demand a day from
    the shelf, which rises up to the pipeline's mode, so each row's units are pooled to the concave
    envelope of its fill (pool adjacent violators, :func:`spareopt.policy.budget.pool_steps`) and
    ordered by the pooled gain; a row's units stop where its shelf misses less than ``tail`` of its
    demand, P(X_j >= S) < tail.  Returns the pipeline mean of each row, and the row and true gain of
    every unit, by part, then ordering gain descending, then level (a row's units stay in order).
    """
    mean = lam[rows] * (t[rows] + delay[p[rows]])
    count = np.zeros(len(rows), dtype=np.int64)
    fill = objective == "fill"
    alive = np.flatnonzero(lam[rows] > 0) if fill else np.flatnonzero(mean > 0)
    level = 0
    while alive.size:
        # backorders: the unit level + 1 removes P(X > level); fill: it is worth taking while P(X >= level) >= tail
        keep = special.pdtrc(level - 1, mean[alive]) >= tail if fill and level else \
            (np.ones(alive.size, bool) if fill else special.pdtrc(level, mean[alive]) >= tail)
        alive = alive[keep]
        count[alive] += 1
        level += 1
    unit_at = np.repeat(np.arange(len(rows)), count)
    start = np.cumsum(count) - count
    unit_level = np.arange(len(unit_at)) - start[unit_at]
    m = mean[unit_at]
    if fill:
        with np.errstate(divide="ignore"):
            gain = lam[rows][unit_at] * np.exp(special.xlogy(unit_level, m) - m - special.gammaln(unit_level + 1.0))
        first = unit_level == 0
        blocks = pool_steps(Steps(unit_at, unit_level, np.ones(len(unit_at)), gain, first))
        order_gain = np.repeat(blocks.gain / blocks.cost, blocks.cost.astype(np.int64))
    else:
        gain = special.pdtrc(unit_level, m)
        order_gain = gain
    lay = np.lexsort((unit_level, -order_gain, p[rows][unit_at]))
    return mean, rows[unit_at[lay]], gain[lay]


def _lower_hull(group: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Which points (grouped, x ascending, y falling) are vertices of their group's lower convex envelope.

    Passes drop every point whose next unit gains as much per unit as its last, (y_i - y_{i+1}) /
    (x_{i+1} - x_i) >= (y_{i-1} - y_i) / (x_i - x_{i-1}) (on or above the chord of its two neighbours),
    until none is left; a dropped point lies above a chord of points of the set, so it is no vertex,
    and what remains is convex.  The gains are computed as the steps compute them, so the steps' gains
    strictly fall within a part, in floating point too.
    """
    keep = np.arange(len(x))
    while keep.size >= 3:
        g, xk, yk = group[keep], x[keep], y[keep]
        inner = (g[1:-1] == g[:-2]) & (g[1:-1] == g[2:])
        before = (yk[:-2] - yk[1:-1]) / (xk[1:-1] - xk[:-2])
        after = (yk[1:-1] - yk[2:]) / (xk[2:] - xk[1:-1])
        bad = inner & (after >= before)
        if not bad.any():
            break
        mask = np.ones(keep.size, dtype=bool)
        mask[1:-1] = ~bad
        keep = keep[mask]
    vertex = np.zeros(len(x), dtype=bool)
    vertex[keep] = True
    return vertex


def metric_curves(
    part: ArrayLike,
    dealer_rate: ArrayLike,
    central_lead_days: ArrayLike,
    transfer_days: ArrayLike,
    unit_cost: ArrayLike,
    *,
    tail: float = 1e-4,
    central: bool = True,
    objective: str = "backorders",
) -> MetricCurves:
    r"""Every part's optimal two-echelon plans and their convex envelope, all parts at once (Sherbrooke).

    Parameters
    ----------
    part, dealer_rate, central_lead_days, transfer_days
        As for :func:`metric_backorders` (``central_lead_days`` per part, any time unit matching
        ``dealer_rate``).
    unit_cost : array_like, shape (k,)
        c, the cost of one unit of each part, central or dealer (> 0).
    tail : float
        A dealer's units stop where the next removes less than this many backorders (``fill``: where
        its shelf misses less than this share of its demand); the central levels stop at the first
        S_0 with EBO_0(S_0) < ``tail``; a part's steps stop where one gains less than ``tail``
        (``fill``: ``tail`` times the part's demand).
    central : bool
        False: S_0 = 0 only (the "all stock at dealers" comparison).
    objective : {"backorders", "fill"}
        What the plans minimise.  ``backorders``: the dealers' expected backorders
        :math:`\sum_j \text{EBO}_j`, Sherbrooke's measure (a unit short waits; central stock shortens
        every wait).  ``fill``: the demand not met from the dealers' shelves,
        :math:`\sum_j \lambda_j P(X_j \ge S_j)`, so the most demand met at once, the fill rate a
        planner promises (central stock counts only as far as it raises the dealers' fill).

    Returns
    -------
    MetricCurves

    Notes
    -----
    For a fixed S_0 the dealers' backorders :math:`\sum_j \text{EBO}_j(S_j \mid S_0)` are separable
    and convex in each S_j, so marginal analysis (each next unit to the dealer whose
    :math:`P(X_j > S_j)` is largest) gives the least backorders for every number n of dealer units:

    .. math:: B(x) = \min_{S_0 \le x} \Big[\sum_j \lambda_j (T_j + \text{EBO}_0(S_0)/\lambda_0)
              - G_{S_0}(x - S_0)\Big],

    with :math:`G_{S_0}(n)` the sum of the n largest dealer gains at S_0, is then the optimum for
    every total x of the part's units (Sherbrooke 2004, section 3.3).

    With ``fill`` the dealer's term is :math:`\lambda_j P(X_j \ge S_j)`, whose gains
    :math:`\lambda_j P(X_j = S_j)` rise up to the pipeline's mode: each dealer's gains are pooled to
    their concave envelope (pool adjacent violators) and the units go by the pooled gain.  That is the
    optimum at the totals where every dealer sits at a vertex of its envelope (the Lagrangian
    argument of Fox 1966), which includes every vertex of B's envelope below; at the other totals the
    point is a real plan, its value computed exactly.  B is not convex in x (central
    stock's effect is not), so the budget is spent on its lower convex envelope: one step per unit,
    each gaining the envelope's slope, so a part's gains per cost fall and marginal analysis across
    parts is exact at the envelope's vertices.  A part whose last step taken lands between two
    vertices gets the plan of B at its total, the optimum for that total.

    The loop runs over central levels (S_0 = 0, 1, ... up to the part's bound), each one vector
    operation over the dealer rows of the parts still going; the best plan per (part, total) is kept
    in one flat array.

    References
    ----------
    Sherbrooke, C. C. (2004), *Optimal Inventory Modeling of Systems*, 2nd ed., Kluwer, section 3.3.

    Examples
    --------
    Sherbrooke's chapter-3 example: 5 bases of 18.56 units a year each, 0.0125 year from the depot,
    whose lead time is 0.02531 year.  With 7 units the optimum is 2 at the depot and 1 at each base,
    0.3269 backorders (the one-unit-at-a-time greedy gave 3; 1,1,1,1,0 and 0.4662).

    >>> c = metric_curves([0] * 5, [18.56] * 5, [0.02531], 0.0125, [1.0])
    >>> i = int(np.flatnonzero(c.point_units == 7)[0])
    >>> int(c.point_central[i]), round(float(c.point_value[i]), 4)
    (2, 0.3269)
    >>> metric_dealer_stock([0] * 5, [18.56] * 5, [0.02531], 0.0125, [2], [7]).tolist()
    [1.0, 1.0, 1.0, 1.0, 1.0]
    """
    _check_objective(objective)
    p = np.asarray(part, dtype=np.int64)
    lam = np.asarray(dealer_rate, dtype=np.float64)
    t0 = np.asarray(central_lead_days, dtype=np.float64)
    t = np.broadcast_to(np.asarray(transfer_days, dtype=np.float64), lam.shape)
    cost = np.asarray(unit_cost, dtype=np.float64)
    k = len(t0)
    lam0 = np.bincount(p, weights=lam, minlength=k)
    has = lam0 > 0
    # the central bound: the first S_0 whose EBO_0 is below the tail (parts without demand: none)
    bound = np.zeros(k, dtype=np.int64)
    going = np.flatnonzero(has)
    level = 0
    while going.size:
        ebo0 = _poisson_loss(np.full(going.size, float(level)), lam0[going] * t0[going])
        going = going[ebo0 >= tail]
        if not central:
            break
        level += 1
        bound[going] = level
    rows = np.argsort(p, kind="stable")
    rows = rows[has[p[rows]]]
    # S_0 = 0 first: it has the most dealer units, so it sizes each part's points (0 .. N(0) + bound)
    _, delay = _central(lam0, t0, np.zeros(k))
    mean, unit_row, gain = _dealer_units(p, lam, t, rows, delay, tail, objective)
    n0 = np.bincount(p[unit_row], minlength=k)
    size = np.where(has, n0 + bound + 1, 0)
    offset = np.cumsum(size) - size
    best = np.full(int(size.sum()), np.inf)
    best_central = np.zeros(len(best), dtype=np.int64)
    for s0 in range(int(bound.max()) + 1 if has.any() else 0):
        if s0 > 0:
            rows = rows[bound[p[rows]] >= s0]
            _, delay = _central(lam0, t0, np.full(k, float(s0)))
            mean, unit_row, gain = _dealer_units(p, lam, t, rows, delay, tail, objective)
        parts = np.unique(p[rows])
        # no dealer stock: EBO_j(0) = m_j, and every unit of demand misses the shelf
        start = np.bincount(p[rows], weights=lam[rows] if objective == "fill" else mean, minlength=k)
        up = p[unit_row]
        first = np.r_[True, up[1:] != up[:-1]] if up.size else np.zeros(0, bool)
        total = np.cumsum(gain)
        before = (total - gain)[first][np.cumsum(first) - 1] if up.size else total
        rank = np.arange(len(up)) - np.flatnonzero(first)[np.cumsum(first) - 1] + 1 if up.size else up
        at = np.r_[offset[parts] + s0, offset[up] + s0 + rank]
        value = np.r_[start[parts], start[up] - (total - before)]
        better = value < best[at]
        best[at[better]] = value[better]
        best_central[at[better]] = s0
    # the points: each part's totals up to its least value
    point_part = np.repeat(np.arange(k), size)
    point_units = np.arange(len(best)) - offset[point_part]
    filled = np.isfinite(best)
    least = np.full(k, np.inf)
    np.minimum.at(least, point_part[filled], best[filled])
    last = np.full(k, len(best))
    hit = np.flatnonzero(filled & (best <= least[point_part]))
    np.minimum.at(last, point_part[hit], hit)  # the first total reaching the least
    keep = filled & (np.arange(len(best)) <= last[point_part])
    point_part, point_units = point_part[keep], point_units[keep]
    point_central, point_value = best_central[keep], best[keep]
    vertex = _lower_hull(point_part, point_units.astype(np.float64), point_value)
    # the steps: every unit between two vertices gains the segment's slope
    v = np.flatnonzero(vertex)
    seg = np.flatnonzero(point_part[v][1:] == point_part[v][:-1])  # segment from v[seg] to v[seg + 1]
    width = point_units[v[seg + 1]] - point_units[v[seg]]
    slope = (point_value[v[seg]] - point_value[v[seg + 1]]) / width
    step_point = np.repeat(v[seg], width) + np.arange(int(width.sum())) \
        - np.repeat(np.cumsum(width) - width, width) + 1
    step_gain = np.repeat(slope, width)
    # the envelope's gains fall, so this drops each part's last steps
    useful = step_gain >= tail * (lam0[point_part[step_point]] if objective == "fill" else 1.0)
    step_point, step_gain = step_point[useful], step_gain[useful]
    step_row = point_part[step_point]
    step_first = np.r_[True, step_row[1:] != step_row[:-1]] if step_row.size else np.zeros(0, bool)
    steps = Steps(step_row, point_units[step_point].astype(np.int64), cost[step_row], step_gain, step_first)
    return MetricCurves(objective, point_part, point_units, point_central, point_value, vertex, steps, step_point)


def metric_dealer_stock(
    part: ArrayLike,
    dealer_rate: ArrayLike,
    central_lead_days: ArrayLike,
    transfer_days: ArrayLike,
    central_stock: ArrayLike,
    total_units: ArrayLike,
    *,
    tail: float = 1e-4,
    objective: str = "backorders",
) -> np.ndarray:
    """The dealers' stock of every part's plan with S_0 central units and a total of x units.

    The x - S_0 dealer units go by marginal analysis at S_0's wait, as in :func:`metric_curves`
    (give it that function's points' ``point_central`` and ``point_units``).

    Parameters
    ----------
    part, dealer_rate, central_lead_days, transfer_days
        As for :func:`metric_backorders`.
    central_stock, total_units : array_like of int, shape (k,)
        S_0 and x per part (x >= S_0).
    tail, objective
        As for :func:`metric_curves` (the same values give the same plans).

    Returns
    -------
    ndarray, shape (n,)
        S_j per dealer row.
    """
    _check_objective(objective)
    p = np.asarray(part, dtype=np.int64)
    lam = np.asarray(dealer_rate, dtype=np.float64)
    t0 = np.asarray(central_lead_days, dtype=np.float64)
    t = np.broadcast_to(np.asarray(transfer_days, dtype=np.float64), lam.shape)
    s0 = np.asarray(central_stock, dtype=np.float64)
    want = np.asarray(total_units, dtype=np.int64) - s0.astype(np.int64)
    k = len(t0)
    lam0 = np.bincount(p, weights=lam, minlength=k)
    rows = np.argsort(p, kind="stable")
    rows = rows[(lam0 > 0)[p[rows]] & (want > 0)[p[rows]]]
    _, delay = _central(lam0, t0, s0)
    _, unit_row, _ = _dealer_units(p, lam, t, rows, delay, tail, objective)
    up = p[unit_row]
    first = np.r_[True, up[1:] != up[:-1]] if up.size else np.zeros(0, bool)
    rank = np.arange(len(up)) - np.flatnonzero(first)[np.cumsum(first) - 1] if up.size else up
    return np.bincount(unit_row[rank < want[up]], minlength=len(lam)).astype(np.float64)


OBJECTIVES = ("fill", "backorders")
"""What a two-echelon plan minimises (config ``objective``): the demand missed at the dealers' shelves, or
their expected backorders."""


def _check_objective(objective: str) -> None:
    if objective not in OBJECTIVES:
        raise ConfigError(f"objective must be one of {', '.join(OBJECTIVES)}; got {objective!r}. Use fill for the "
                          "most demand met from the dealers' shelves, backorders for the least units waiting")
