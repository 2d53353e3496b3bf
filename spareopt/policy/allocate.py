r"""Share a budget (or a shelf) among parts, one unit at a time: marginal analysis, or an integer programme.

Each part p can go from a level a_p up to a level Q_p, one unit at a time; the
unit from level s to s + 1 gains g_p(s) (expected units filled, or expected cost
saved) and uses w_p of each constraint (its ``unit_cost`` against the budget, its
``unit_volume`` against the shelf).  The gains fall as the level rises
(g_p(s) >= g_p(s + 1): the objective is separable and concave).  Choose the
units to take so that the total gain is largest and no constraint is exceeded.

* One constraint: :func:`greedy_allocation`, marginal analysis.
* Several: :func:`integer_allocation`, a 0-1 programme solved by CBC through pulp.

References
----------
Fox, B. (1966), "Discrete optimization via marginal analysis", *Management
Science* 13(3), pp. 210-216.

Sherbrooke, C. C. (2004), *Optimal Inventory Modeling of Systems: Multi-Echelon
Techniques*, 2nd ed., Kluwer, chapter 2: marginal analysis and its efficient points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Allocation", "greedy_allocation", "increments", "integer_allocation"]

Gain = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``gain(part, level)``: the gain of the unit from ``level`` to ``level + 1`` of each ``part`` (arrays)."""


@dataclass(frozen=True, eq=False)
class Allocation:
    """Units taken per part, and what they cost."""

    units: np.ndarray
    """Units taken above the start level, per part (int64)."""
    used: np.ndarray
    """What the taken units use of each constraint (float64, one per constraint)."""
    gain: float
    """Total gain of the taken units."""
    method: str
    """``greedy`` or ``pulp``."""


def increments(start: ArrayLike, limit: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Every unit a part can take: its part index and the level it starts from, in part then level order.

    >>> part, level = increments([0, 2, 1], [2, 2, 4])
    >>> part.tolist(), level.tolist()
    ([0, 0, 2, 2, 2], [0, 1, 1, 2, 3])
    """
    a = np.asarray(start, dtype=np.int64)
    count = np.maximum(np.asarray(limit, dtype=np.int64) - a, 0)
    part = np.repeat(np.arange(len(a)), count)
    first = np.cumsum(count) - count  # position of each part's first unit
    level = a[part] + np.arange(part.size) - first[part]
    return part, level


def greedy_allocation(
    start: ArrayLike,
    limit: ArrayLike,
    gain: Gain,
    weight: ArrayLike,
    capacity: float,
) -> Allocation:
    r"""Marginal analysis: take the units in order of gain per unit of weight while they fit.

    Parameters
    ----------
    start, limit : array_like of int, shape (n,)
        a_p and Q_p: part p may take the units from level a_p up to Q_p.
    gain : callable
        ``gain(part, level)``, vectorised, non-increasing in the level of a part.
    weight : array_like, shape (n,)
        w_p >= 0, what one unit of part p uses of the capacity.
    capacity : float
        The budget (>= 0).

    Returns
    -------
    Allocation

    Notes
    -----
    Every unit is listed (:func:`increments`) with its ratio g / w (a unit of no
    weight comes first) and the list is sorted once by falling ratio, then part
    and level.  Because each part's gains fall with its level, the sorted list
    takes a part's units in order.  The greedy takes the longest prefix that
    fits; the unit that does not fit has w_p above what is left, so that part,
    and every part as heavy, is dropped, and the rest of the list is tried
    against the remainder, until nothing more fits.  No Python loop runs per
    unit or per part; each round is one cumulative sum over the units left, and
    there are at most as many rounds as distinct weights.

    **Why this is optimal.**  The problem is max sum_p G_p(x_p) subject to
    sum_p w_p x_p <= B, with every G_p concave.  Its continuous relaxation is a
    fractional knapsack whose optimum takes units in order of falling g / w and
    a fraction of the first one that does not fit (Dantzig's rule); concavity
    is what makes the ratio order respect each part's own order, so the prefix
    is a feasible choice of levels.  Hence the prefix is optimal for the budget
    it spends: every point the greedy passes is an efficient point, undominated
    in gain and cost (Fox 1966; Sherbrooke 2004).  For any other budget it is
    within the gain of one unit of the integer optimum, and it is exactly
    optimal when every unit weighs the same (then the budget only counts units).
    :func:`integer_allocation` gives the exact optimum when that last unit matters.

    Examples
    --------
    Two parts at cost 1 and 2; gains 0.9, 0.5 and 1.2, 0.2; budget 3.
    Ratios 0.9, 0.5, 0.6, 0.1: take 0.9 (part 0), 0.6 (part 1), and the budget is spent.

    >>> gains = np.array([[0.9, 0.5], [1.2, 0.2]])
    >>> a = greedy_allocation([0, 0], [2, 2], lambda p, s: gains[p, s], [1.0, 2.0], 3.0)
    >>> a.units.tolist(), a.used.tolist(), round(a.gain, 2)
    ([1, 1], [3.0], 2.1)
    """
    w = np.asarray(weight, dtype=np.float64)
    part, level = increments(start, limit)
    units = np.zeros(len(w), dtype=np.int64)
    if part.size == 0:
        return Allocation(units, np.zeros(1), 0.0, "greedy")
    g = np.asarray(gain(part, level), dtype=np.float64)
    unit_w = w[part]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(unit_w > 0, g / unit_w, np.inf)
    order = np.lexsort((level, part, -ratio))
    left = float(capacity)
    taken = np.zeros(part.size, dtype=bool)
    rest = order
    while rest.size:
        fits = np.cumsum(unit_w[rest]) <= left * (1 + 1e-12) + 1e-12
        stop = rest.size if fits.all() else int(np.argmin(fits))
        taken[rest[:stop]] = True
        left -= float(unit_w[rest[:stop]].sum())
        rest = rest[stop:]
        rest = rest[unit_w[rest] <= left * (1 + 1e-12) + 1e-12]  # too heavy now: too heavy for good
    np.add.at(units, part[taken], 1)
    return Allocation(units, np.array([float((unit_w * taken).sum())]), float(g[taken].sum()), "greedy")


def integer_allocation(
    start: ArrayLike,
    limit: ArrayLike,
    gain: Gain,
    weights: Sequence[ArrayLike],
    capacities: Sequence[float],
    *,
    time_limit: float | None = None,
) -> Allocation:
    r"""The exact optimum under several constraints: a 0-1 programme, solved by CBC through pulp.

    Parameters
    ----------
    start, limit, gain
        As for :func:`greedy_allocation`.
    weights : sequence of array_like, shape (n,) each
        w_{p,c}, one array per constraint c.
    capacities : sequence of float
        The capacity of each constraint.
    time_limit : float, optional
        Seconds CBC may take.

    Returns
    -------
    Allocation

    Raises
    ------
    InfeasibleError
        CBC finds no solution in the time limit.

    Notes
    -----
    One binary x_i per unit i (part p_i, gain g_i):

    .. math::

        \max \sum_i g_i x_i \quad \text{s.t.} \quad \sum_i w_{p_i, c} \, x_i \le B_c \;\; \forall c,
        \qquad x_i \in \{0, 1\}.

    Since a part's units weigh the same and its gains fall with the level, an
    optimum may always take a part's units in order; the count per part is its
    level.  x = 0 is always feasible, so the programme itself is never
    infeasible; minimums (units that must be bought) are taken off the
    capacities by the caller.

    Examples
    --------
    >>> gains = np.array([[0.9, 0.5], [1.2, 0.2]])
    >>> a = integer_allocation([0, 0], [2, 2], lambda p, s: gains[p, s], [[1.0, 2.0]], [3.0])
    >>> a.units.tolist(), round(a.gain, 2)
    ([1, 1], 2.1)
    """
    import pulp

    from .._lp import cbc, new_variable, solve
    from ..errors import InfeasibleError

    n = len(np.asarray(start))
    part, level = increments(start, limit)
    units = np.zeros(n, dtype=np.int64)
    ws = [np.asarray(w, dtype=np.float64) for w in weights]
    if part.size == 0:
        return Allocation(units, np.zeros(len(ws)), 0.0, "pulp")
    g = np.asarray(gain(part, level), dtype=np.float64)
    problem = pulp.LpProblem("allocation", pulp.LpMaximize)
    x = [new_variable(problem, f"x{i}", cat="Binary") for i in range(part.size)]  # pulp builds models in Python
    problem += pulp.lpDot(g.tolist(), x)
    for c, (w, cap) in enumerate(zip(ws, capacities)):
        problem += pulp.lpDot(w[part].tolist(), x) <= float(cap), f"capacity{c}"
    status = solve(problem, cbc(time_limit))
    if status != pulp.LpStatusOptimal:
        raise InfeasibleError(f"the integer programme of the allocation ended {pulp.LpStatus[status]!r} "
                              f"({part.size:,} units, {len(ws)} constraints)")
    chosen = np.array([v.varValue or 0.0 for v in x]) > 0.5
    np.add.at(units, part[chosen], 1)
    used = np.array([float((w[part] * chosen).sum()) for w in ws])
    return Allocation(units, used, float(g[chosen].sum()), "pulp")
