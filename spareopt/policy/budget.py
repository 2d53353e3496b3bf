r"""The best stock levels for a budget: every row's fill-rate curve, and marginal analysis over the catalogue.

Each dealer x part row runs the (R, s, S) plan of :mod:`spareopt.policy.service`: order quantity
Q = ceil(mu_R) (at least 1 when there is demand), S = s + Q.  Its fill rate at reorder point s is
the implied fill rate of :func:`spareopt.policy.service.implied_service`, the policy's own model,

.. math::

    \text{fill}(s) = \frac{\mu_R}{\mu_R + \text{short}(s)}, \qquad
    \text{short}(s) = \frac{1}{Q} \sum_{k=s+1}^{s+Q} \left(E[(X_{L+R} - k)^+] - E[(X_L - k)^+]\right),

and the expected units filled per year are D fill(s), D = 12 f the yearly demand.  Raising s by one
unit costs ``unit_cost``; the first step, from "not stocked" (S = 0) to s = 0 (S = Q), costs Q units
at once.  The gains are not always falling: with a lead time, short(s) first falls slowly (the
units below the lead-time demand are gone before the order arrives), then fast, then slowly again.
:func:`service_steps` therefore pools a row's adjacent steps wherever the later one pays more per
unit of cost (pool adjacent violators): the concave envelope of the row's curve from the origin.
After it, every row's steps fall in gain per cost.

:func:`greedy_steps` then sorts every step of the catalogue by gain per cost, once, and takes them
while they fit the budget (per dealer or for the network): Fox's (1966) marginal analysis, the
method of Sherbrooke's (1968, 2004) spare-parts optimisation.  Every prefix of the sorted steps is
an efficient point (no plan fills more for its cost), so the cumulative sums of the sorted steps
are the stock-to-service curve, from one pass (:func:`efficient_curve`).  For a budget between two
such points the greedy is within one step's gain of the integer optimum; :func:`integer_steps`
gives that optimum with pulp, on small instances and for side constraints.

References
----------
Fox, B. (1966), "Discrete optimization via marginal analysis", *Management Science* 13(3), 210-216.

Sherbrooke, C. C. (1968), "METRIC: A Multi-Echelon Technique for Recoverable Item Control",
*Operations Research* 16(1), 122-141; (2004) *Optimal Inventory Modeling of Systems*, 2nd ed.,
Kluwer, chapter 2.

Silver, Pyke & Peterson (1998), chapter 7: the fill rate of an (s, Q) system.

Barlow, R. E., Bartholomew, D. J., Bremner, J. M. & Brunk, H. D. (1972), *Statistical Inference under Order
Restrictions*, Wiley: pool adjacent violators.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .service import fill_rate_levels

__all__ = ["Steps", "curve_points", "efficient_curve", "fill_target_levels", "greedy_steps", "integer_steps", "pool_steps", "service_steps",
           "step_order"]

_TAIL = 1e-6
"""Steps stop once P(X > s) <= this: the next unit would fill almost nothing."""

_BLOCK_ROWS = 1 << 17
"""Rows whose steps are made and pooled together: the memory of a block's levels, not of the catalogue's."""


@dataclass(frozen=True, eq=False)
class Steps:
    """Every row's steps in its order: the first (a bundle) from not stocked to ``level``, then one unit each."""

    row: np.ndarray  # int64, the row of each step
    level: np.ndarray  # int64, the reorder point s once the step is taken
    cost: np.ndarray  # float64, what the step adds to the stock value
    gain: np.ndarray  # float64, what it adds to the expected units filled a year
    first: np.ndarray  # bool, the row's first step (the bundle)

    def __len__(self) -> int:
        return len(self.row)


def service_steps(
    demand: ArrayLike,
    mean: ArrayLike,
    variance: ArrayLike,
    model: ArrayLike,
    quantity: ArrayLike,
    lead_mean: ArrayLike,
    lead_variance: ArrayLike,
    review_mean: ArrayLike,
    unit_cost: ArrayLike,
    *,
    pooled: bool = True,
) -> Steps:
    r"""Every row's steps of stock, from not stocked up to the level where one more unit fills almost nothing.

    Parameters
    ----------
    demand : array_like, shape (n,)
        D, units a year (0: the row never gets stock).
    mean, variance, model : array_like, shape (n,)
        Demand over L + R and its model code (:func:`spareopt.policy.service.demand_model`).
    quantity : array_like, shape (n,)
        Q, whole units (>= 1 where D > 0), of the (R, s, S) plan.
    lead_mean, lead_variance : array_like, shape (n,)
        Mean f L / D and variance v L / D of the demand over the lead time alone, units and units^2.
    review_mean : array_like, shape (n,)
        mu_R = f R / D, the mean demand of one review period, units.
    unit_cost : array_like, shape (n,)
        Cost of one unit (> 0).
    pooled : bool
        Pool the steps whose gain per cost rises (below), as :func:`greedy_steps` and
        :func:`efficient_curve` need; False keeps one step per level, for :func:`integer_steps`,
        whose order constraints need no concavity.

    Returns
    -------
    Steps

    Notes
    -----
    fill(s) is the implied fill rate of :func:`spareopt.policy.service.implied_service` at every
    level s = 0, 1, ..., top of every row, top the smallest s with P(X_{L+R} <= s) >= 1 - 1e-6, from
    :func:`spareopt.policy.service.fill_rate_levels`.  With the first-order loss L(k) = E[(X - k)+]
    and the second-order loss B, B(k) - B(k + 1) = L(k), so

    .. math::

        Q \, \text{short}(s) = \sum_{k=s+1}^{s+Q} \left(L_{L+R}(k) - L_L(k)\right),
        \qquad L(k + 1) = L(k) - P(X > k).

    Poisson and negative binomial rows walk their levels together, one vector step per level: the
    pmf by Panjer's (1981) recursion p(k) = (a + b / k) p(k - 1), the cdf and the loss difference
    by running sums, with no incomplete gamma or beta function per step (normal rows keep the
    closed form).  The walk agrees with the closed form to about 1e-11.  The rows go
    ``_BLOCK_ROWS`` (131,072) at a time, each block's steps made and pooled before the next, so
    that memory holds one block's levels, not the catalogue's.  The steps are pooled into blocks
    wherever a row's gain per cost rises (pool adjacent violators: the concave envelope of the
    row's curve, from the origin), so that every row's steps fall in gain per cost.

    Examples
    --------
    Poisson demand of 1 a month, L = R = one month: X_{L+R} ~ Poisson(2), X_L ~ Poisson(1),
    mu_R = 1, Q = 1, 12 units a year at cost 1.  fill(s) = 1 / (1 + E[(X_{L+R} - s - 1)+] -
    E[(X_L - s - 1)+]): at s = 0, 1, 2, 3 the shortages are 1.1353 - 0.3679 = 0.7675,
    0.5413 - 0.1036 = 0.4377, 0.2180 - 0.0233 = 0.1947 and 0.0751 - 0.0043 = 0.0708, so fill(s)
    = 0.5658, 0.6956, 0.8370, 0.9339 and the steps gain 6.79 (S = 1, cost 1), then 1.56, 1.70,
    1.16 units a year for 1 each.  The third pays more than the second, so the two pool into one
    step to s = 2 (cost 2, 3.26, 1.63 a unit), and the gains per cost fall from there:

    >>> steps = service_steps([12.0], [2.0], [2.0], [0], [1], [1.0], [1.0], [1.0], [1.0])
    >>> steps.level[:3].tolist(), steps.cost[:3].tolist(), steps.gain[:3].round(2).tolist()
    ([0, 2, 3], [1.0, 2.0, 1.0], [6.79, 3.26, 1.16])
    """
    d, mu, var, mu_l, var_l, mu_r = (np.asarray(x, dtype=np.float64)
                                     for x in (demand, mean, variance, lead_mean, lead_variance, review_mean))
    code = np.asarray(model).astype(np.int8)
    q, c = (np.asarray(x, dtype=np.float64) for x in (quantity, unit_cost))
    live = np.flatnonzero((d > 0) & (mu > 0))
    blocks = []
    for start in range(0, live.size, _BLOCK_ROWS):  # a block of rows at a time: its steps, then its pooled steps
        rows = live[start:start + _BLOCK_ROWS]
        levels = fill_rate_levels(q[rows], mu[rows], var[rows], code[rows], mu_l[rows], var_l[rows], mu_r[rows],
                                  tail=_TAIL)
        row, level, fill = rows[levels.row], levels.reorder_point, levels.fill_rate
        first = level == 0
        gain = np.empty(row.size)
        np.subtract(fill[1:], fill[:-1], out=gain[1:])  # fill(s) - fill(s - 1), and fill(0) from not stocked
        gain[first] = fill[first]
        gain *= d[row]
        cost = c[row]
        cost[first] *= q[row[first]]  # the first step stocks S = Q at once
        steps = Steps(row, level, cost, gain, first)
        blocks.append(pool_steps(steps) if pooled else steps)
    if not blocks:
        return Steps(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0, bool))
    parts = [vars(b).copy() for b in blocks]
    del blocks
    columns = {}
    for name in ("row", "level", "cost", "gain", "first"):  # one column at a time, each block's copy let go at once
        columns[name] = np.concatenate([part.pop(name) for part in parts])
    return Steps(**columns)


def pool_steps(steps: Steps) -> Steps:
    """Pool adjacent steps of a row while the later one pays more per cost: the concave envelope of each row.

    Every round merges each block into the one before it (same row) when its gain per cost is higher;
    merging adjacent violators in any order ends at the one envelope (the isotonic regression of the
    ratios, weighted by cost).  A round after the first looks only at the rows that merged in the one
    before (the others' blocks did not change).  A block keeps the level of its last step; the row's
    first block holds its first step.  Steps laid out row after row, levels rising, as
    :func:`service_steps` makes them.

    >>> flat = Steps(np.array([0, 0, 0]), np.array([0, 1, 2]), np.ones(3), np.array([3.0, 1.0, 2.0]),
    ...              np.array([True, False, False]))
    >>> pooled = pool_steps(flat)
    >>> pooled.level.tolist(), pooled.cost.tolist(), pooled.gain.tolist()
    ([0, 2], [1.0, 2.0], [3.0, 3.0])
    """
    row, level, cost, gain = steps.row, steps.level, steps.cost, steps.gain
    if not row.size:
        return Steps(row, level, cost, gain, np.zeros(0, dtype=bool))
    head = np.ones(row.size, dtype=bool)  # the step starts a block
    review = None  # the steps of the rows that changed in the last round (None: every step)
    touched = np.zeros(int(row.max()) + 1, dtype=bool)
    while True:
        if review is None:  # the first round: every step is a block of its own
            r, starts, b_cost, b_gain = row, np.arange(row.size), cost, gain
        else:
            r = row[review]
            starts = np.flatnonzero(head[review])
            b_cost, b_gain = np.add.reduceat(cost[review], starts), np.add.reduceat(gain[review], starts)
        later = starts[1:]
        rises = (r[later] == r[starts[:-1]]) & (b_gain[1:] * b_cost[:-1] > b_gain[:-1] * b_cost[1:])
        if not rises.any():
            break
        merged = later[rises]
        head[merged if review is None else review[merged]] = False
        touched[r[merged]] = True  # only these rows' blocks changed: the others' comparisons stay as they were
        again = touched[r]
        review = np.flatnonzero(again) if review is None else review[again]
        touched[r[merged]] = False
    starts = np.flatnonzero(head)
    last = np.r_[starts[1:], row.size] - 1
    first = np.r_[True, row[starts[1:]] != row[starts[:-1]]]
    return Steps(row[starts], level[last], np.add.reduceat(cost, starts), np.add.reduceat(gain, starts), first)


def greedy_steps(steps: Steps, budget: float, *, group: ArrayLike | None = None,
                 forced: ArrayLike | None = None, order: np.ndarray | None = None,
                 reserved: ArrayLike | None = None) -> np.ndarray:
    """Which steps marginal analysis takes: by gain per cost, while they fit each group's budget.

    Parameters
    ----------
    steps : Steps
    budget : float
        For each group (each dealer), or for the network when ``group`` is None.
    group : array_like of int, shape (n_rows,), optional
        The group of each row.
    forced : array_like of bool, shape (len(steps),), optional
        Steps taken whatever they cost (a class minimum); their cost comes off the budget first.
    order : ndarray, optional
        The network's step order (:func:`step_order`), when it is at hand already.
    reserved : array_like, optional
        Cost already spent in each group (one value per group code, or a scalar for the network) on
        stock outside the steps, e.g. a planner's ``min_stock`` on rows without demand.

    Returns
    -------
    ndarray of bool, shape (len(steps),)

    Notes
    -----
    One sort of all steps (gain / cost descending, then row, then level); a row's steps stay in
    their order because their ratios fall (:func:`pool_steps`).  Each round takes, per group, the
    prefix that fits, then drops the steps that cost more than what is left, and the steps of a row
    above one that was dropped; rounds end when nothing is left.

    Examples
    --------
    >>> steps = service_steps([12.0, 3.0], [2.0, 0.5], [2.0, 0.5], [0, 0], [1, 1], [1.0, 0.25], [1.0, 0.25],
    ...                       [1.0, 0.25], [1.0, 1.0])
    >>> taken = greedy_steps(steps, 3.0)
    >>> float(steps.cost[taken].sum()) <= 3.0
    True
    """
    n = len(steps)
    taken = np.zeros(n, dtype=bool)
    if n == 0:
        return taken
    order = step_order(steps) if order is None else order
    if group is None:
        spent = 0.0 if reserved is None else float(np.sum(reserved))
        return _greedy_one_budget(steps, float(budget) - spent, forced, order, taken)
    g = np.asarray(group, dtype=np.int64)[steps.row]
    order = order[np.argsort(g[order], kind="stable")]
    left = np.full(int(g.max()) + 1, float(budget))
    if reserved is not None:
        spent = np.asarray(reserved, dtype=np.float64).reshape(-1)
        left -= spent[:len(left)] if spent.size > 1 else spent
    if forced is not None:
        must = np.asarray(forced, dtype=bool)
        taken[must] = True
        np.subtract.at(left, g[must], steps.cost[must])
        order = order[~must[order]]
    rows = int(steps.row.max()) + 1
    rest = order
    while rest.size:
        gi, ci = g[rest], steps.cost[rest]
        new = np.r_[True, gi[1:] != gi[:-1]]
        total = np.cumsum(ci)
        within = total - (total - ci)[new][np.cumsum(new) - 1]
        fits = _prefix_per_group(within <= left[gi] * (1 + 1e-12) + 1e-9, new)
        taken[rest[fits]] = True
        np.subtract.at(left, gi[fits], ci[fits])
        rest = rest[~fits]
        # what costs more than is left never fits; a row loses the steps above one that goes (a pooled step of
        # several units, or its first step)
        affordable = steps.cost[rest] <= left[g[rest]] * (1 + 1e-12) + 1e-9
        cut = np.full(rows, np.iinfo(np.int64).max)
        np.minimum.at(cut, steps.row[rest[~affordable]], steps.level[rest[~affordable]])
        rest = rest[affordable & (steps.level[rest] < cut[steps.row[rest]])]
    return taken


def _greedy_one_budget(steps: Steps, budget: float, forced: ArrayLike | None, order: np.ndarray,
                       taken: np.ndarray) -> np.ndarray:
    """greedy_steps for one budget (the network's): the rounds of the groups' version, with no per-group arrays."""
    left = np.array([budget])
    if forced is not None:
        must = np.asarray(forced, dtype=bool)
        taken[must] = True
        np.subtract.at(left, np.zeros(int(must.sum()), dtype=np.intp), steps.cost[must])  # in order, as one by one
        order = order[~must[order]]
    rows = int(steps.row.max()) + 1
    rest = order
    while rest.size:
        cost = steps.cost[rest]
        fits = np.cumsum(cost) <= left[0] * (1 + 1e-12) + 1e-9
        k = fits.size if fits.all() else int(fits.argmin())  # the prefix that fits
        taken[rest[:k]] = True
        np.subtract.at(left, np.zeros(k, dtype=np.intp), cost[:k])
        rest = rest[k:]
        affordable = cost[k:] <= left[0] * (1 + 1e-12) + 1e-9
        cut = np.full(rows, np.iinfo(np.int64).max)
        np.minimum.at(cut, steps.row[rest[~affordable]], steps.level[rest[~affordable]])
        rest = rest[affordable & (steps.level[rest] < cut[steps.row[rest]])]
    return taken


def step_order(steps: Steps) -> np.ndarray:
    """The steps by gain per cost, descending; ties in the steps' own (row, level) order.

    One unstable sort on a unique complex key (real: -gain/cost, imaginary: the step's position),
    which numpy orders lexicographically: a row's steps, whose ratios fall, stay in their order.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(steps.cost > 0, steps.gain / steps.cost, np.inf)
    key = np.empty(len(ratio), dtype=np.complex128)
    key.real = -np.where(np.isinf(ratio), np.finfo(np.float64).max, ratio)
    key.imag = np.arange(len(ratio))
    return np.argsort(key)


def _prefix_per_group(fits: np.ndarray, new: np.ndarray) -> np.ndarray:
    """``fits`` cut at each group's first False (the steps after it wait for the next round)."""
    run = np.cumsum(new) - 1
    bad = np.where(~fits, np.arange(len(fits)), len(fits))
    first_bad = np.full(run[-1] + 1 if len(run) else 0, len(fits))
    np.minimum.at(first_bad, run, bad)
    return np.arange(len(fits)) < first_bad[run]


def efficient_curve(steps: Steps, total_demand: float, *, points: int = 200,
                    order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The stock-to-service curve: the best expected fill rate for every investment, from one sort.

    Returns the investments (stock value) and the expected unit fill rates of ``points`` points
    along the cumulative sums of the steps in gain-per-cost order (every one an efficient point),
    from 0 to the plan that stocks every step.

    >>> steps = service_steps([12.0], [2.0], [2.0], [0], [1], [1.0], [1.0], [1.0], [1.0])
    >>> value, fill = efficient_curve(steps, 12.0, points=3)
    >>> float(value[0]), float(fill[0]), bool(fill[-1] > 0.99)
    (0.0, 0.0, True)
    """
    value, fill, _ = curve_points(steps, total_demand, points=points, order=order)
    return value, fill


def curve_points(steps: Steps, total_demand: float, *, points: int = 200,
                 order: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`efficient_curve`'s points, and the rows stocked at each (the rows whose first step is taken: a row's
    steps are taken in order, so its first step counts it once).

    >>> steps = service_steps([12.0, 1.0], [2.0, 0.1], [2.0, 0.1], [0, 0], [1, 1], [1.0] * 2, [1.0] * 2,
    ...                       [1.0] * 2, [1.0] * 2)
    >>> value, fill, rows = curve_points(steps, 13.0, points=1000)
    >>> int(rows[0]), int(rows[-1]), bool((np.diff(rows) >= 0).all())
    (0, 2, True)
    """
    order = step_order(steps) if order is None else order
    value = np.r_[0.0, np.cumsum(steps.cost[order])]
    filled = np.r_[0.0, np.cumsum(steps.gain[order])]
    rows = np.r_[0, np.cumsum(steps.first[order], dtype=np.int64)]
    pick = np.unique(np.linspace(0, len(value) - 1, min(points, len(value))).round().astype(np.int64))
    return value[pick], (filled[pick] / total_demand if total_demand > 0 else np.zeros(len(pick))), rows[pick]


def integer_steps(steps: Steps, capacities: list[tuple[np.ndarray, float]], *,
                  time_limit: float | None = None, forced: ArrayLike | None = None) -> np.ndarray:
    """The exact optimum with pulp (CBC): a binary per step, a row's steps in order, every capacity met.

    ``capacities`` are (weight per step, capacity) pairs, e.g. (steps.cost, budget) and the
    shelf volume; ``forced`` steps are taken whatever they gain (a planner's floor).  Small
    instances only: one variable per step.

    >>> steps = service_steps([12.0], [2.0], [2.0], [0], [1], [1.0], [1.0], [1.0], [1.0])
    >>> integer_steps(steps, [(steps.cost, 3.0)]).tolist()[:3]
    [True, True, False]
    """
    import pulp

    from .._lp import cbc, new_variable, solve
    from ..errors import InfeasibleError

    problem = pulp.LpProblem("stock_for_a_budget", pulp.LpMaximize)
    x = [new_variable(problem, f"x{i}", cat="Binary") for i in range(len(steps))]  # pulp builds models in Python
    problem += pulp.lpDot(steps.gain.tolist(), x)
    for c, (weight, cap) in enumerate(capacities):
        problem += pulp.lpDot(np.asarray(weight, dtype=np.float64).tolist(), x) <= float(cap), f"capacity{c}"
    follows = np.flatnonzero(~steps.first)  # a unit step needs the step before it (same row, sorted by level)
    for i in follows.tolist():
        problem += x[i] <= x[i - 1]
    for i in ([] if forced is None else np.flatnonzero(np.asarray(forced, dtype=bool)).tolist()):
        problem += x[i] == 1
    status = solve(problem, cbc(time_limit))
    if status != pulp.LpStatusOptimal:
        raise InfeasibleError(f"the integer programme of the stock levels ended {pulp.LpStatus[status]!r}")
    return np.array([(v.varValue or 0.0) > 0.5 for v in x], dtype=bool)


def fill_target_levels(
    forecast: ArrayLike,
    variance: ArrayLike,
    lead_time_days: ArrayLike,
    order_cycle_days: ArrayLike,
    target: ArrayLike,
    group: ArrayLike,
    unit_cost: ArrayLike,
    *,
    normal_min_mean: float = 10.0,
    overdispersion_min: float = 1.1,
) -> tuple[np.ndarray, np.ndarray]:
    r"""The least stock whose expected fill, over each group's demand together, meets the group's fill-rate target.

    Parameters
    ----------
    forecast, variance, lead_time_days, order_cycle_days : array_like, shape (n,)
        f, v, L and R of every series (:func:`spareopt.policy.service.reorder_point_for`).
    target : array_like, shape (n,)
        The fill-rate target of each series' group, in (0, 1) (one value per group).
    group : array_like of int, shape (n,)
        The group: a dealer's series under one class policy row.
    unit_cost : array_like, shape (n,)
        Cost of a unit; NaN or 0 counts as 1 (the stock is then measured in units).

    Returns
    -------
    reorder_point, max_stock : ndarray of int64, shape (n,)
        Every series with demand holds at least its first step (s >= 0, S = s + Q).

    Notes
    -----
    A planner's fill-rate target is a share of a class's units (满足率), not of each part's: the
    cheapest way to fill 95 % of a dealer's class mixes a deep stock of cheap, steady parts with one
    unit of a dear, slow one, where every part held to 95 % alone overshoots (a slow mover's fill
    jumps from 0.6 at s = 0 to 0.9 at s = 1).  Marginal analysis (Fox 1966; Sherbrooke 2004): with
    D_i = 12 f_i and fill_i(s) the plan's fill rate (:func:`spareopt.policy.service.implied_service`),
    every series first takes its first step, then the steps of the group are taken by expected
    units filled per unit of money, D_i (fill_i(s + 1) - fill_i(s)) / c_i, until

    .. math::  \sum_{i \in g} D_i \, \text{fill}_i(s_i) \ge T_g \sum_{i \in g} D_i .

    Examples
    --------
    Two parts of one class, 2 and 0.2 units a month (Poisson), L = R = one month, a 0.9 target: the
    slow part keeps its first unit, (s, S) = (0, 1), fill 0.795, and the fast part carries the class
    at (5, 7), fill 0.936: together (0.936 x 24 + 0.795 x 2.4) / 26.4 = 0.923 >= 0.9 with 8 units.
    Holding each part to 0.9 alone takes (5, 7) and (1, 2), 9 units; (4, 6) and (1, 2) fill 0.882.

    >>> s, big_s = fill_target_levels([2.0, 0.2], [2.0, 0.2], 30.4375, 30.4375, 0.9, [0, 0], [1.0, 1.0])
    >>> s.tolist(), big_s.tolist()
    ([5, 0], [7, 1])
    """
    from .service import lead_demand, model_codes, protection_arrays, review_quantity

    f = np.asarray(forecast, dtype=np.float64)
    n = f.size
    v, lead, cycle, goal, cost = (np.broadcast_to(np.asarray(x, dtype=np.float64), (n,))
                                  for x in (variance, lead_time_days, order_cycle_days, target, unit_cost))
    g = np.broadcast_to(np.asarray(group, dtype=np.int64), (n,))
    mu, var, mu_r, _ = protection_arrays(f, v, lead, cycle)
    code = model_codes(mu, var, normal_min_mean, overdispersion_min)
    quantity = review_quantity(f, mu_r)
    mu_l, var_l = lead_demand(f, v, lead)
    demand = 12.0 * f
    price = np.where(np.isfinite(cost) & (cost > 0), cost, 1.0)
    steps = service_steps(demand, mu, var, code, quantity.astype(np.float64), mu_l, var_l, mu_r, price)
    order = step_order(steps)
    row = steps.row[order]
    gain = steps.gain[order]
    first = steps.first[order]
    size = int(g.max(initial=-1)) + 1
    need = np.bincount(g, weights=goal * demand, minlength=size) - np.bincount(
        g[row[first]], weights=gain[first], minlength=size)  # what the groups need beyond the first steps
    rest = np.flatnonzero(~first)
    rest = rest[np.argsort(g[row[rest]], kind="stable")]  # each group's steps, still by gain per cost
    grouped = g[row[rest]]
    done = np.cumsum(gain[rest])
    start = np.searchsorted(grouped, np.arange(size))
    before = done - gain[rest] - np.r_[0.0, done][start[grouped]]  # the group's gain before this step
    taken = first.copy()
    taken[rest] = before < need[grouped] - 1e-9
    s = np.full(n, -1, dtype=np.int64)
    np.maximum.at(s, row[taken], steps.level[order][taken])
    stocked = s >= 0
    return np.maximum(s, 0), np.where(stocked, np.maximum(s, 0) + quantity, 0)
