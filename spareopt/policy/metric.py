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

One topic, one module: METRIC's pipelines, ladders and marginal analysis share their arrays and
notation (lambda, T, r, S).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from ..errors import ConfigError
from ..validate import one_of
from .budget import Steps, pool_steps
from .service import NEGATIVE_BINOMIAL, POISSON, model_loss

__all__ = ["MAX_UNITS", "OBJECTIVES", "TAILS", "WAIT_SHARE", "MetricCurves", "MetricPlan", "central_levels", "metric_backorders", "metric_curves",
           "metric_dealer_stock"]


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
    dispersion: ArrayLike = 1.0,
) -> MetricPlan:
    r"""Expected backorders of a central warehouse + dealers plan, every part at once (METRIC).

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
    dispersion : array_like, shape (n,) or scalar
        r_j >= 1, the variance-to-mean ratio of each dealer's demand (1: Poisson).  Above 1 the
        pipelines are negative binomial with variance r times their mean (see Notes).

    Returns
    -------
    MetricPlan

    Notes
    -----
    Lumpy demand (r > 1) is a compound Poisson process: its demand over any time T has variance
    r lambda T.  The pipelines keep that ratio, as VARI-METRIC does (Sherbrooke 1986), with negative
    binomial laws: X_j of mean m_j = lambda_j (T_j + EBO_0 / lambda_0) and variance r_j m_j, X_0 of
    mean lambda_0 T_0 and variance sum_j r_j lambda_j T_0.  A unit of demand then finds the shelf
    empty with probability :math:`\partial E[(X_j - S_j)^+] / \partial m_j` (the shortage a little more
    demand adds; P(X_j >= S_j) for Poisson), so fill_j is one minus that.

    Examples
    --------
    Two dealers at 0.1 and 0.2 units a day, T_0 = 30 days, T_j = 5, S_0 = 3, S = (1, 2): the central
    pipeline is Poisson(9), EBO_0(3) = 9 - (0.99988 + 0.99877 + 0.99377) = 6.0076, so a dealer order waits
    6.0076 / 0.3 = 20.025 days.

    >>> plan = metric_backorders([0, 0], [0.1, 0.2], [1, 2], [3], [30.0], 5.0)
    >>> round(float(plan.central_backorders[0]), 4), round(float(plan.central_delay_days[0]), 3)
    (6.0076, 20.025)
    """
    p, lam, t0, t, r, lam0, r0, _ = _network(part, dealer_rate, central_lead_days, transfer_days, dispersion,
                                             "backorders", None)
    s = np.asarray(dealer_stock, dtype=np.float64)
    s0 = np.asarray(central_stock, dtype=np.float64)
    ebo0, delay = _central(lam0, t0, s0, r0)
    pipeline = lam * (t + delay[p])
    ebo = _pipe_loss(s, pipeline, r)
    fill = np.where(pipeline > 0, 1.0 - _exact_short(s, pipeline, r), 1.0)
    return MetricPlan(ebo0, delay, pipeline, ebo, np.where(s > 0, fill, np.where(pipeline > 0, 0.0, 1.0)))


def _central(lam0: np.ndarray, t0: np.ndarray, s0: np.ndarray, r0: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    m0 = lam0 * t0
    ebo0 = _pipe_loss(s0, m0, r0)
    with np.errstate(divide="ignore", invalid="ignore"):
        delay = np.where(lam0 > 0, ebo0 / lam0, 0.0)
    return ebo0, delay


EVERY_CENTRAL_LEVEL = 8
"""Central levels up to this are each tried; above it, 15 % apart (:func:`central_levels`)."""

WAIT_SHARE = 0.01
"""The central levels of a part stop where a dealer order's mean wait is below this share of its transfer time."""

TAILS = {"backorders": 1e-4, "fill": 1e-3}
"""The default ``tail`` of each objective: backorders a unit removes, or the share of a dealer's demand."""

MAX_UNITS = 5_000
"""Bound on the units of one location (a dealer, or the central warehouse) of one part."""

_LUMPY = 1e-9
"""A dispersion within this of 1 is Poisson."""

def _dispersion(value: ArrayLike, shape: tuple[int, ...]) -> np.ndarray:
    r = np.broadcast_to(np.asarray(value, dtype=np.float64), shape)
    if not np.all(np.isfinite(r) & (r >= 1.0 - _LUMPY)):
        bad = np.flatnonzero(~(np.isfinite(r) & (r >= 1.0 - _LUMPY)))
        raise ConfigError(f"dispersion must be a finite variance-to-mean ratio >= 1 (1: Poisson); {bad.size:,} rows "
                          f"break it (first: row {bad[0]} = {r[bad[0]]!r})")
    return np.maximum(r, 1.0)


def _central_dispersion(p: np.ndarray, lam: np.ndarray, r: np.ndarray, lam0: np.ndarray) -> np.ndarray:
    """r_0 = sum_j r_j lambda_j / lambda_0: the central warehouse's demand, the sum of independent dealers'."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lam0 > 0, np.bincount(p, weights=r * lam, minlength=len(lam0)) / lam0, 1.0)


def _codes(mean: np.ndarray, r: np.ndarray) -> np.ndarray:
    return np.where((r > 1.0 + _LUMPY) & (mean > 0), NEGATIVE_BINOMIAL, POISSON).astype(np.int8)


def _pipe_loss(s: ArrayLike, mean: np.ndarray, r: np.ndarray) -> np.ndarray:
    """E[(X - s)+], X of the given mean and variance r x mean (Poisson or negative binomial)."""
    s = np.broadcast_to(np.asarray(s, dtype=np.float64), mean.shape)
    return model_loss(s, mean, r * mean, _codes(mean, r))


def _exact_short(s: np.ndarray, mean: np.ndarray, r: np.ndarray) -> np.ndarray:
    """The share of a unit of demand a shelf of s misses, d E[(X - s)+] / d mean: P(X >= s) for Poisson, the
    negative binomial's from its ladder (:func:`_ladder`, up to each level)."""
    out = np.where(s > 0, special.pdtrc(np.maximum(s - 1, 0), mean), 1.0)
    lumpy = np.flatnonzero((_codes(mean, r) == NEGATIVE_BINOMIAL) & (s > 0))
    if lumpy.size:
        level = np.minimum(s[lumpy], MAX_UNITS).astype(np.int64)
        short = _ladder(mean[lumpy], r[lumpy], level, fill=True)
        out[lumpy] = short[np.cumsum(level + 1) - 1]  # each ladder's last level
    return out


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
    dealer_units: np.ndarray
    """Per dealer row, its units at S_0 = 0 (the longest wait): a bound on its units at any S_0, which spares
    :func:`metric_dealer_stock` its search (its ``limit``)."""


def _dealer_units(p: np.ndarray, lam: np.ndarray, t: np.ndarray, r: np.ndarray, rows: np.ndarray, delay: np.ndarray,
                  tail: float, objective: str,
                  limit: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The dealers' units of the given rows at the given central wait, in marginal-analysis order per part.

    ``backorders``: a dealer's unit S + 1 removes P(X_j > S) backorders, falling in S; a row's units
    stop where that falls below ``tail``.  ``fill``: it meets lambda_j (short(S) - short(S + 1)) more
    demand a day from the shelf (short: the share the shelf misses, P(X_j >= S) for Poisson), which
    rises up to the pipeline's mode, so each row's units are pooled to the concave envelope of its fill
    (pool adjacent violators, :func:`spareopt.policy.budget.pool_steps`) and ordered by the pooled
    gain; a row's units stop where its shelf misses less than ``tail`` of its demand.  ``limit``: a bound
    on each row's units known already (its units at a longer wait), which spares the search.  Returns the
    pipeline mean and the units of each row, and the row and true gain of every unit, by part, then
    ordering gain descending (a row's units stay in order: the sort is stable).
    """
    mean = lam[rows] * (t[rows] + delay[p[rows]])
    fill = objective == "fill"
    most = _units(mean, r[rows], lam[rows], tail, fill) if limit is None else limit
    # blocks of whole parts of about BLOCK_LEVELS ladder levels: small temporaries, reused rather than mapped afresh
    size = np.cumsum(most + 1)
    part_start = np.flatnonzero(np.r_[True, p[rows][1:] != p[rows][:-1]]) if rows.size else np.zeros(0, np.intp)
    cuts = np.unique(part_start[np.searchsorted(part_start, np.searchsorted(
        size, np.arange(BLOCK_LEVELS, int(size[-1]) if size.size else 0, BLOCK_LEVELS)), side="right") - 1])
    edges = np.r_[0, cuts[cuts > 0], rows.size]
    count = np.zeros(len(rows), dtype=np.int64)
    unit_rows, gains = [], []
    for lo, hi in itertools.pairwise(edges):
        block = slice(lo, hi)
        count[block], unit_row, gain = _dealer_block(p[rows[block]], lam[rows[block]], r[rows[block]], mean[block],
                                                     most[block], tail, fill)
        unit_rows.append(rows[block][unit_row])
        gains.append(gain)
    if not gains:
        return mean, count, np.zeros(0, np.int64), np.zeros(0)
    return mean, count, np.concatenate(unit_rows), np.concatenate(gains)


BLOCK_LEVELS = 1 << 21
"""Ladder levels per block of :func:`_dealer_units` (2M: temporaries of 16 MB)."""


def _dealer_block(part: np.ndarray, lam: np.ndarray, rr: np.ndarray, mean: np.ndarray, most: np.ndarray, tail: float,
                  fill: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_dealer_units` on rows of whole parts: the units of each row, and the (local) row and gain of every
    unit in the order of marginal analysis."""
    ladder = _ladder(mean, rr, most, fill)  # levels 0..most of each row, most + 1 each: short(S) or P(X > S)
    level_row = np.repeat(np.arange(len(mean)), most + 1)
    level = np.arange(len(level_row)) - (np.cumsum(most + 1) - (most + 1))[level_row]
    # a unit at each level below the row's bound that still gains at least the tail (the tests fall in the level)
    unit = (level < most[level_row]) & ((level == 0) | (ladder >= tail) if fill else (ladder >= tail))
    unit &= ((lam > 0) if fill else (mean > 0))[level_row]
    at = np.flatnonzero(unit)
    unit_at, unit_level = level_row[at], level[at]
    count = np.bincount(unit_at, minlength=len(mean))
    if fill:
        gain = lam[unit_at] * np.maximum(ladder[at] - ladder[at + 1], 0.0)
        blocks = pool_steps(Steps(unit_at, unit_level, np.ones(len(unit_at)), gain, unit_level == 0))
        order_gain = np.repeat(blocks.gain / blocks.cost, blocks.cost.astype(np.int64))
    else:
        gain = ladder[at]
        order_gain = gain
    # by part, then ordering gain descending: one stable sort of part + (1 - gain / the part's most) / 2, whose
    # rounding keeps a row's falling gains in their order (ties keep the level order)
    unit_part = part[unit_at]  # grouped by part: the rows are
    if not unit_part.size:
        return count, unit_at, gain
    start = np.flatnonzero(np.r_[True, unit_part[1:] != unit_part[:-1]])
    top = np.repeat(np.maximum.reduceat(order_gain, start), np.diff(np.r_[start, unit_part.size]))
    with np.errstate(invalid="ignore", divide="ignore"):
        key = unit_part + 0.5 * (1.0 - np.where(top > 0, order_gain / top, 0.0))
    lay = np.argsort(key, kind="stable")
    return count, unit_at[lay], gain[lay]


def central_levels(most: int) -> np.ndarray:
    """The central levels S_0 that :func:`metric_curves` tries, up to ``most``: every one up to
    :data:`EVERY_CENTRAL_LEVEL`, then 15 % apart (every total still gets the best plan over these levels).

    >>> central_levels(3).tolist(), central_levels(30).tolist()
    ([0, 1, 2, 3], [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 17, 19, 22, 25, 29, 30])
    """
    if most < 0:
        return np.zeros(0, dtype=np.int64)
    every = np.arange(min(most, EVERY_CENTRAL_LEVEL) + 1)
    if most <= EVERY_CENTRAL_LEVEL:
        return every
    sparse = np.ceil(EVERY_CENTRAL_LEVEL * 1.15 ** np.arange(1, int(np.log(most / EVERY_CENTRAL_LEVEL)
                                                                         / np.log(1.15)) + 2))
    return np.unique(np.r_[every, np.minimum(sparse, most).astype(np.int64), most])


def _ladder(mean: np.ndarray, r: np.ndarray, count: np.ndarray, fill: bool) -> np.ndarray:
    r"""P(X > S) (``fill`` False) or short(S) = d E[(X - S)+] / d mean at the levels S = 0..count of every
    location, flat.

    From the pmf along each ladder, by running sums (the pmf from the ratios of its successive terms):
    F = the running sum of the pmf, and with d pmf(x) / d mean = pmf(x) g(x),

    .. math:: \text{short}(S) = 1 + \sum_{x < S} (S - x)\, \text{pmf}(x)\, g(x), \qquad
              g(x) = x / m - 1 \ \text{(Poisson)}, \quad
              g(x) = \frac{\psi(n + x) - \psi(n) + \ln p}{r - 1} \ \text{(negative binomial } n = m / (r - 1), p = 1 / r).
    """
    size = count + 1
    row = np.repeat(np.arange(len(mean)), size)
    first = np.cumsum(size) - size
    x = (np.arange(len(row)) - first[row]).astype(np.float64)
    m, rr = mean[row], r[row]
    lumpy = _codes(m, rr) == NEGATIVE_BINOMIAL
    live = m > 0
    # log pmf(x) = log pmf(0) + sum_{i <= x} log(pmf(i) / pmf(i - 1)): m / i (Poisson), (n + i - 1) (1 - p) / i
    # (negative binomial); psi(n + x) - psi(n) = sum_{i <= x} 1 / (n + i - 1).  Running sums along each ladder.
    with np.errstate(divide="ignore", invalid="ignore"):
        n = np.where(lumpy, m / (rr - 1.0), 1.0)
        log_p = np.where(lumpy, -np.log(rr), 0.0)
        step = np.where(lumpy, np.log(n + x - 1.0) + np.log1p(-np.exp(log_p)), np.log(m)) - np.log(x)
        step[first] = np.where(lumpy, n * log_p, -m)[first]
        step = np.where(live, step, 0.0)
        pmf = np.exp(_segment_cumsum(step, first))
        if fill:
            inverse = np.where(lumpy & (x > 0), 1.0 / (n + x - 1.0), 0.0)
            g = np.where(lumpy, (_segment_cumsum(inverse, first) + log_p) / (rr - 1.0),
                         np.where(live, x / m - 1.0, 0.0))
    pmf = np.where(live, pmf, (x == 0).astype(np.float64))  # no pipeline: X = 0
    if not fill:
        return np.clip(1.0 - _segment_cumsum(pmf, first), 0.0, 1.0)
    a = pmf * g
    sum_a, sum_xa = _segment_cumsum(a, first), _segment_cumsum(x * a, first)
    short = 1.0 + x * np.r_[0.0, sum_a[:-1]] - np.r_[0.0, sum_xa[:-1]]  # the sums over x < S
    short[first] = 1.0  # S = 0: every unit of demand misses the shelf
    short = np.where(live, short, (x == 0).astype(np.float64))
    return np.clip(short, 0.0, 1.0)


def _segment_cumsum(values: np.ndarray, first: np.ndarray) -> np.ndarray:
    """The running sum of each segment (segments start at ``first``)."""
    total = np.cumsum(values)
    offset = np.r_[0.0, total[first[1:] - 1]] if first.size else np.zeros(0)
    return total - np.repeat(offset, np.diff(np.r_[first, len(values)]))


def _units(mean: np.ndarray, r: np.ndarray, lam: np.ndarray, tail: float, fill: bool) -> np.ndarray:
    """How many units each location takes: backorders, the levels S whose next unit removes P(X > S) >= tail;
    fill, the first unit and the levels whose shelf still misses short(S) >= tail of the demand (at most
    :data:`MAX_UNITS`).  Ladders (:func:`_ladder`) up to a first guess, then twice as high for the locations
    still above the tail at its top, since a lumpy pipeline's tail is long."""
    alive = np.flatnonzero(lam > 0) if fill else np.flatnonzero(mean > 0)
    count = np.zeros(len(mean), dtype=np.int64)
    top = np.minimum(np.ceil(mean[alive] + 4.0 * np.sqrt(r[alive] * mean[alive])) + 4, MAX_UNITS).astype(np.int64)
    while alive.size:
        ladder = _ladder(mean[alive], r[alive], top, fill)
        row = np.repeat(np.arange(alive.size), top + 1)
        level = np.arange(len(row)) - (np.cumsum(top + 1) - (top + 1))[row]
        worth = (level < top[row]) & ((level == 0) | (ladder >= tail) if fill else ladder >= tail)
        found = np.bincount(row, weights=worth, minlength=alive.size).astype(np.int64)
        done = (found < top) | (top >= MAX_UNITS)  # the ladder's top is above the last unit worth taking
        count[alive[done]] = np.minimum(found[done], MAX_UNITS)
        alive, top = alive[~done], np.minimum(2 * top[~done], MAX_UNITS)
    return count


def _central_bound(mean: np.ndarray, r: np.ndarray, below: np.ndarray) -> np.ndarray:
    """The first S_0 with EBO_0(S_0) = mean - sum_{x < S_0} P(X_0 > x) below ``below`` (at most :data:`MAX_UNITS`),
    from ladders of P(X_0 > x) as :func:`_units` does."""
    bound = np.zeros(len(mean), dtype=np.int64)
    alive = np.flatnonzero(mean > 0)
    top = np.minimum(np.ceil(mean[alive] + 4.0 * np.sqrt(r[alive] * mean[alive])) + 4, MAX_UNITS).astype(np.int64)
    while alive.size:
        sf = _ladder(mean[alive], r[alive], top, fill=False)
        row = np.repeat(np.arange(alive.size), top + 1)
        first = np.cumsum(top + 1) - (top + 1)
        ebo = mean[alive][row] - (_segment_cumsum(sf, first) - sf)  # E[(X - S)+] at each level S of the ladder
        level = np.arange(len(row)) - first[row]
        high = np.bincount(row, weights=(ebo >= below[alive][row]) & (level <= top[row]),
                           minlength=alive.size).astype(np.int64)  # the levels still above: the first below is next
        done = (high <= top) | (top >= MAX_UNITS)
        bound[alive[done]] = np.minimum(high[done], MAX_UNITS)
        alive, top = alive[~done], np.minimum(2 * top[~done], MAX_UNITS)
    return bound


def metric_curves(
    part: ArrayLike,
    dealer_rate: ArrayLike,
    central_lead_days: ArrayLike,
    transfer_days: ArrayLike,
    unit_cost: ArrayLike,
    *,
    tail: float | None = None,
    central: bool = True,
    objective: str = "backorders",
    dispersion: ArrayLike = 1.0,
) -> MetricCurves:
    r"""Every part's optimal two-echelon plans and their convex envelope, all parts at once (Sherbrooke).

    Parameters
    ----------
    part, dealer_rate, central_lead_days, transfer_days
        As for :func:`metric_backorders` (``central_lead_days`` per part, any time unit matching
        ``dealer_rate``).
    unit_cost : array_like, shape (k,)
        c, the cost of one unit of each part, central or dealer (> 0).
    tail : float, optional
        A dealer's units stop where the next removes less than this many backorders (``fill``: where
        its shelf misses less than this share of its demand); a part's steps stop where one gains less
        than ``tail`` (``fill``: ``tail`` times the part's demand).  Default: :data:`TAILS`.  The central
        levels stop at the first S_0 with EBO_0(S_0) < ``tail`` or a wait EBO_0 / lambda_0 below
        :data:`WAIT_SHARE` of the transfer time.
    central : bool
        False: S_0 = 0 only (the "all stock at dealers" comparison).
    objective : {"backorders", "fill"}
        What the plans minimise.  ``backorders``: the dealers' expected backorders
        :math:`\sum_j \text{EBO}_j`, Sherbrooke's measure (a unit short waits; central stock shortens
        every wait).  ``fill``: the demand not met from the dealers' shelves,
        :math:`\sum_j \lambda_j P(X_j \ge S_j)`, so the most demand met at once, the fill rate a
        planner promises (central stock counts only as far as it raises the dealers' fill).
    dispersion : array_like, shape (n,) or scalar
        r_j >= 1, each dealer's variance-to-mean ratio, as for :func:`metric_backorders`.

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
    p, lam, t0, t, r, lam0, r0, tail = _network(part, dealer_rate, central_lead_days, transfer_days, dispersion,
                                                objective, tail)
    cost = np.asarray(unit_cost, dtype=np.float64)
    k = len(t0)
    has = lam0 > 0
    # the central bound: the first S_0 whose EBO_0 is below the tail, or whose wait EBO_0 / lambda_0 is below
    # WAIT_SHARE of the part's mean transfer time (more central stock would not change its dealers' pipelines)
    bound = np.zeros(k, dtype=np.int64)
    going = np.flatnonzero(has)
    if central and going.size:
        transfer = np.bincount(p, weights=lam * t, minlength=k)[going] / lam0[going]  # demand-weighted
        bound[going] = _central_bound(lam0[going] * t0[going], r0[going],
                                      np.maximum(tail, WAIT_SHARE * transfer * lam0[going]))
    rows = np.argsort(p, kind="stable")
    rows = rows[has[p[rows]]]
    # S_0 = 0 first: it has the most dealer units, so it sizes each part's points (0 .. N(0) + bound)
    _, delay = _central(lam0, t0, np.zeros(k), r0)
    mean, most, unit_row, gain = _dealer_units(p, lam, t, r, rows, delay, tail, objective)
    limit = np.zeros(len(lam), dtype=np.int64)
    limit[rows] = most  # the wait falls as S_0 grows, and with it the units: each level bounds the next
    dealer_bound = limit.copy()
    n0 = np.bincount(p[unit_row], minlength=k)
    size = np.where(has, n0 + bound + 1, 0)
    offset = np.cumsum(size) - size
    best = np.full(int(size.sum()), np.inf)
    best_central = np.zeros(len(best), dtype=np.int64)
    for s0 in central_levels(int(bound.max()) if has.any() else -1):
        if s0 > 0:
            rows = rows[bound[p[rows]] >= s0]
            _, delay = _central(lam0, t0, np.full(k, float(s0)), r0)
            mean, most, unit_row, gain = _dealer_units(p, lam, t, r, rows, delay, tail, objective, limit[rows])
            limit[rows] = most  # a shorter wait yet at the next level: no more units than these
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
    # the lower convex envelope: pool adjacent violators on the slopes between successive points (a point is a
    # vertex where a block ends); every unit of a block gains the block's slope
    n_points = len(point_part)
    head = np.r_[True, point_part[1:] != point_part[:-1]] if n_points else np.zeros(0, bool)
    seg = np.flatnonzero(~head)  # the segment from point seg - 1 to point seg
    width = (point_units[seg] - point_units[seg - 1]).astype(np.float64)
    blocks = pool_steps(Steps(point_part[seg], point_units[seg].astype(np.int64), width,
                              point_value[seg - 1] - point_value[seg], head[seg - 1]))
    span = float(point_units.max()) + 2.0 if n_points else 1.0
    key = point_part.astype(np.float64) * span + point_units  # points by part, then total: ascending
    vertex = head.copy()
    vertex[np.searchsorted(key, blocks.row * span + blocks.level)] = True
    units = blocks.cost.astype(np.int64)
    step_row = np.repeat(blocks.row, units)
    step_units = np.repeat(blocks.level - units, units) + 1 + np.arange(int(units.sum())) \
        - np.repeat(np.cumsum(units) - units, units)  # each unit's total: the block's first .. its last
    step_gain = np.repeat(blocks.gain / np.maximum(blocks.cost, 1.0), units)
    # the envelope's gains fall, so this drops each part's last steps
    useful = step_gain >= tail * (lam0[step_row] if objective == "fill" else 1.0)
    step_row, step_units, step_gain = step_row[useful], step_units[useful], step_gain[useful]
    # a total between two points (S_0 on the grid) takes the plan of the largest point below it
    step_point = np.searchsorted(key, step_row * span + step_units, side="right") - 1
    step_first = np.r_[True, step_row[1:] != step_row[:-1]] if step_row.size else np.zeros(0, bool)
    steps = Steps(step_row, step_units.astype(np.int64), cost[step_row], step_gain, step_first)
    return MetricCurves(objective, point_part, point_units, point_central, point_value, vertex, steps, step_point,
                        dealer_bound)


def metric_dealer_stock(
    part: ArrayLike,
    dealer_rate: ArrayLike,
    central_lead_days: ArrayLike,
    transfer_days: ArrayLike,
    central_stock: ArrayLike,
    total_units: ArrayLike,
    *,
    tail: float | None = None,
    objective: str = "backorders",
    dispersion: ArrayLike = 1.0,
    limit: ArrayLike | None = None,
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
    tail, objective, dispersion
        As for :func:`metric_curves` (the same values give the same plans).
    limit : array_like of int, shape (n,), optional
        A bound on each dealer row's units, :attr:`MetricCurves.dealer_units` (else searched for).

    Returns
    -------
    ndarray, shape (n,)
        S_j per dealer row.
    """
    p, lam, t0, t, r, lam0, r0, tail = _network(part, dealer_rate, central_lead_days, transfer_days, dispersion,
                                                objective, tail)
    s0 = np.asarray(central_stock, dtype=np.float64)
    want = np.asarray(total_units, dtype=np.int64) - s0.astype(np.int64)
    rows = np.argsort(p, kind="stable")
    rows = rows[(lam0 > 0)[p[rows]] & (want > 0)[p[rows]]]
    _, delay = _central(lam0, t0, s0, r0)
    bound = None if limit is None else np.asarray(limit, dtype=np.int64)[rows]
    _, _, unit_row, _ = _dealer_units(p, lam, t, r, rows, delay, tail, objective, bound)
    up = p[unit_row]
    first = np.r_[True, up[1:] != up[:-1]] if up.size else np.zeros(0, bool)
    rank = np.arange(len(up)) - np.flatnonzero(first)[np.cumsum(first) - 1] if up.size else up
    return np.bincount(unit_row[rank < want[up]], minlength=len(lam)).astype(np.float64)


OBJECTIVES = ("fill", "backorders")
"""What a two-echelon plan minimises (config ``objective``): the demand missed at the dealers' shelves, or
their expected backorders."""


def _network(part: ArrayLike, dealer_rate: ArrayLike, central_lead_days: ArrayLike, transfer_days: ArrayLike,
             dispersion: ArrayLike, objective: str, tail: float | None) -> tuple[np.ndarray, ...]:
    """The network arguments every function here shares, as arrays: part, lambda_j, T_0, T_j, r_j, lambda_0,
    r_0, and the objective's tail."""
    one_of("objective", objective, OBJECTIVES, hint="Use fill for the most demand met from the dealers' shelves, "
           "backorders for the least units waiting")
    p = np.asarray(part, dtype=np.int64)
    lam = np.asarray(dealer_rate, dtype=np.float64)
    t0 = np.asarray(central_lead_days, dtype=np.float64)
    t = np.broadcast_to(np.asarray(transfer_days, dtype=np.float64), lam.shape)
    r = _dispersion(dispersion, lam.shape)
    lam0 = np.bincount(p, weights=lam, minlength=len(t0))
    return p, lam, t0, t, r, lam0, _central_dispersion(p, lam, r, lam0), TAILS[objective] if tail is None else tail
