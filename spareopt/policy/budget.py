r"""The best stock levels for a budget: every row's fill-rate curve, and marginal analysis over the catalogue.

Each dealer x part row runs the (R, s, S) plan of :mod:`spareopt.policy.service`: order quantity
Q = ceil(mu_R) (at least 1 when there is demand), S = s + Q.  Its fill rate at reorder point s is

.. math:: \text{fill}(s) = \max\!\left(0,\; 1 - \frac{E[(X_{L+R} - s)^+]}{Q + E[U]}\right),

and the expected units filled per year are D fill(s), D = 12 f the yearly demand.  Raising s by one
unit costs ``unit_cost`` and fills D P(X > s) / (Q + E[U]) more units a year: the gains fall as s
rises (the loss function is convex), so the objective is concave in s.  The first step, from "not
stocked" (S = 0) to s = 0 (S = Q), costs Q units at once; where the fill rate is clipped at 0 the
first steps gain nothing.  :func:`service_steps` therefore merges the first steps into one bundle
while the next step's gain per unit of cost beats the bundle's: the concave envelope of the
curve from the origin.  After it, every row's steps fall in gain per cost.

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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .service import NEGATIVE_BINOMIAL, NORMAL, POISSON, _cdf, _loss, _nb_params, _smallest

__all__ = ["Steps", "efficient_curve", "greedy_steps", "integer_steps", "service_steps", "step_order"]

_TAIL = 1e-6
"""Steps stop once P(X > s) <= this: the next unit would fill almost nothing."""


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
    undershoot: ArrayLike,
    unit_cost: ArrayLike,
) -> Steps:
    """Every row's steps of stock, from not stocked up to the level where one more unit fills almost nothing.

    Parameters
    ----------
    demand : array_like, shape (n,)
        D, units a year (0: the row never gets stock).
    mean, variance, model : array_like, shape (n,)
        Demand over L + R and its model code (:func:`spareopt.policy.service.demand_model`).
    quantity, undershoot : array_like, shape (n,)
        Q (whole units, >= 1 where D > 0) and E[U] of the (R, s, S) plan.
    unit_cost : array_like, shape (n,)
        Cost of one unit (> 0).

    Returns
    -------
    Steps

    Examples
    --------
    Poisson(2) over L + R, Q = 1, E[U] = 1, 24 units a year at cost 1.  The fill rates at
    s = 0, 1, 2, 3 are 0, 0.4323, 0.7293, 0.8910 (loss 2, 1.1353, 0.5413, 0.2180), so the steps
    gain 0, 10.38, 7.13, 3.88 units a year for 1 each.  The bundle starts at s = 0 (gain 0), takes
    s = 1 (5.19 a unit on average) and s = 2 (7.13 > 5.19; now 17.50 for 3, 5.83 a unit), and
    stops before s = 3 (3.88 < 5.83):

    >>> steps = service_steps([24.0], [2.0], [2.0], [0], [1], [1.0], [1.0])
    >>> steps.level[:3].tolist(), steps.cost[:2].tolist(), steps.gain[:2].round(2).tolist()
    ([2, 3, 4], [3.0, 1.0], [17.5, 3.88])
    """
    d, mu, var = (np.asarray(x, dtype=np.float64) for x in (demand, mean, variance))
    code = np.asarray(model).astype(np.int8)
    q, eu, c = (np.asarray(x, dtype=np.float64) for x in (quantity, undershoot, unit_cost))
    live = np.flatnonzero((d > 0) & (mu > 0))
    top = np.zeros(len(d), dtype=np.int64)
    if live.size:  # the last level worth a step: P(X > s) <= _TAIL
        top[live] = _smallest(lambda rows, s: _cdf(s, mu[live][rows], var[live][rows], code[live][rows]) >= 1 - _TAIL,
                              np.ceil(mu[live] + 5 * np.sqrt(var[live])).astype(np.int64))
    count = np.where((d > 0) & (mu > 0), top + 1, 0)  # levels 0..top
    row = np.repeat(np.arange(len(d)), count)
    start = np.cumsum(count) - count
    level = np.arange(row.size) - start[row]
    fill = _fill_by_levels(row, level, start, q, mu, var, code, eu)
    previous = np.where(level > 0, np.r_[0.0, fill[:-1]], 0.0)
    gain = d[row] * (fill - previous)
    cost = np.where(level == 0, c[row] * q[row], c[row])
    # the concave envelope from the origin: merge the next step into the bundle while it pays more
    bundle = start[count > 0]
    merged = np.zeros(row.size, dtype=bool)
    b_cost, b_gain = cost[bundle].copy(), gain[bundle].copy()
    nxt = bundle + 1
    end = start[count > 0] + count[count > 0]
    active = np.flatnonzero(nxt < end)
    while active.size:
        i = nxt[active]
        better = (gain[i] * b_cost[active] > b_gain[active] * cost[i]) | (b_gain[active] <= 0)
        take = active[better]
        j = nxt[take]
        merged[j] = True
        b_cost[take] += cost[j]
        b_gain[take] += gain[j]
        nxt[take] += 1
        active = take[nxt[take] < end[take]]
    cost[bundle], gain[bundle] = b_cost, b_gain
    level[bundle] = level[nxt - 1]
    keep = ~merged
    first = np.zeros(row.size, dtype=bool)
    first[bundle] = True
    return Steps(row[keep], level[keep], cost[keep], gain[keep], first[keep])


def _fill_by_levels(row: np.ndarray, level: np.ndarray, start: np.ndarray, q: np.ndarray, mu: np.ndarray,
                    var: np.ndarray, code: np.ndarray, eu: np.ndarray) -> np.ndarray:
    """fill(s) at every step: levels 0, 1, ... of each row, laid out row after row.

    Poisson and negative binomial rows walk their levels: the pmf in closed form (log-gamma), its
    running sum within the row gives P(X > s), and loss(s) = mu - sum_{k<s} P(X > k) (loss(0) = mu,
    loss(s + 1) = loss(s) - P(X > s)); no incomplete beta or gamma per step.  Normal rows use the
    closed-form loss of :func:`spareopt.policy.service.loss`.
    """
    from scipy import special

    m, v, c = mu[row], var[row], code[row]
    k = level.astype(np.float64)
    logp = np.full(len(row), -np.inf)
    pois = (c == POISSON) & (m > 0)
    logp[pois] = -m[pois] + k[pois] * np.log(m[pois]) - special.gammaln(k[pois] + 1)
    nb = c == NEGATIVE_BINOMIAL
    if nb.any():
        n, p = _nb_params(m[nb], v[nb])
        logp[nb] = (special.gammaln(k[nb] + n) - special.gammaln(n) - special.gammaln(k[nb] + 1) + n * np.log(p)
                    + k[nb] * np.log1p(-p))
    total = np.cumsum(np.exp(logp))
    first = start[row]
    cdf = total - np.r_[0.0, total][first]  # the running sum within the row
    sf = np.maximum(1.0 - cdf, 0.0)
    done = np.cumsum(sf)
    before = done - sf - np.r_[0.0, done][first]  # sum of P(X > k) over the row's levels below s
    loss = np.maximum(m - before, 0.0)
    normal = c == NORMAL
    if normal.any():
        loss[normal] = _loss(k[normal], m[normal], v[normal], c[normal])
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = 1.0 - loss / (q[row] + eu[row])
    return np.where(loss > 0, np.clip(rate, 0.0, 1.0), 1.0)


def greedy_steps(steps: Steps, budget: float, *, group: ArrayLike | None = None,
                 forced: ArrayLike | None = None, order: np.ndarray | None = None) -> np.ndarray:
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

    Returns
    -------
    ndarray of bool, shape (len(steps),)

    Notes
    -----
    One sort of all steps (gain / cost descending, then row, then level); a row's steps stay in
    their order because their ratios fall.  Each round takes, per group, the prefix that fits, then
    drops the steps that cost more than what is left, and the steps of rows whose first step was
    not taken; rounds end when nothing is left.

    Examples
    --------
    >>> steps = service_steps([24.0, 6.0], [2.0, 0.5], [2.0, 0.5], [0, 0], [1, 1], [1.0, 1.0], [1.0, 1.0])
    >>> taken = greedy_steps(steps, 3.0)
    >>> float(steps.cost[taken].sum()) <= 3.0
    True
    """
    n = len(steps)
    taken = np.zeros(n, dtype=bool)
    if n == 0:
        return taken
    g = np.zeros(n, dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)[steps.row]
    order = step_order(steps) if order is None else order
    if group is not None:
        order = order[np.argsort(g[order], kind="stable")]
    left = np.full(int(g.max()) + 1, float(budget))
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
        # what costs more than is left never fits; a row whose first step goes loses its other steps
        affordable = steps.cost[rest] <= left[g[rest]] * (1 + 1e-12) + 1e-9
        gone = np.zeros(rows, dtype=bool)
        gone[steps.row[rest[~affordable & steps.first[rest]]]] = True
        rest = rest[affordable & ~gone[steps.row[rest]]]
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

    >>> steps = service_steps([24.0], [2.0], [2.0], [0], [1], [1.0], [1.0])
    >>> value, fill = efficient_curve(steps, 24.0, points=3)
    >>> float(value[0]), float(fill[0]), bool(fill[-1] > 0.99)
    (0.0, 0.0, True)
    """
    order = step_order(steps) if order is None else order
    value = np.r_[0.0, np.cumsum(steps.cost[order])]
    filled = np.r_[0.0, np.cumsum(steps.gain[order])]
    pick = np.unique(np.linspace(0, len(value) - 1, min(points, len(value))).round().astype(np.int64))
    return value[pick], (filled[pick] / total_demand if total_demand > 0 else np.zeros(len(pick)))


def integer_steps(steps: Steps, capacities: list[tuple[np.ndarray, float]], *,
                  time_limit: float | None = None) -> np.ndarray:
    """The exact optimum with pulp (CBC): a binary per step, a row's steps in order, every capacity met.

    ``capacities`` are (weight per step, capacity) pairs, e.g. (steps.cost, budget) and the
    shelf volume.  Small instances only: one variable per step.

    >>> steps = service_steps([24.0], [2.0], [2.0], [0], [1], [1.0], [1.0])
    >>> integer_steps(steps, [(steps.cost, 4.0)]).tolist()[:3]
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
    status = solve(problem, cbc(time_limit))
    if status != pulp.LpStatusOptimal:
        raise InfeasibleError(f"the integer programme of the stock levels ended {pulp.LpStatus[status]!r}")
    return np.array([(v.varValue or 0.0) > 0.5 for v in x], dtype=bool)
