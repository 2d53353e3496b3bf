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

:func:`metric_backorders` evaluates any plan; :func:`metric_steps` builds, for every part at
once, the marginal-analysis sequence of its units (each next unit goes where it removes the most
dealer backorders: to the central warehouse, or to one dealer), ready for the budget allocation
of :func:`spareopt.policy.budget.greedy_steps`.

References
----------
Sherbrooke, C. C. (1968), "METRIC: A Multi-Echelon Technique for Recoverable Item Control",
*Operations Research* 16(1), 122-141.

Palm, C. (1938), "Analysis of the Erlang traffic formulae for busy-signal arrangements",
*Ericsson Technics* 4, 39-58.

Sherbrooke, C. C. (2004), *Optimal Inventory Modeling of Systems*, 2nd ed., Kluwer, chapter 5.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from .budget import Steps
from .service import POISSON, _cdf, _loss

__all__ = ["MetricPlan", "metric_backorders", "metric_steps"]


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
class MetricSteps:
    """Every part's units in marginal-analysis order: where each goes and what it removes."""

    steps: Steps
    """Blocks of units for :func:`spareopt.policy.budget.greedy_steps` (row = part)."""
    unit_part: np.ndarray
    """The part of every single unit, in each part's order."""
    unit_where: np.ndarray
    """Where each unit goes: -1 the central warehouse, else the dealer row."""
    unit_block: np.ndarray
    """The block (step) of each unit."""


def metric_steps(
    part: ArrayLike,
    dealer_rate: ArrayLike,
    central_lead_days: ArrayLike,
    transfer_days: ArrayLike,
    unit_cost: ArrayLike,
    *,
    tail: float = 1e-4,
    max_units: int = 10_000,
    central: bool = True,
) -> MetricSteps:
    r"""The marginal-analysis sequence of every part's units, central or dealer, all parts at once.

    Parameters
    ----------
    part, dealer_rate, central_lead_days, transfer_days
        As for :func:`metric_backorders` (``central_lead_days`` per part).
    unit_cost : array_like, shape (k,)
        Cost of one unit of each part (> 0).
    tail : float
        A part stops once its next unit removes less than this many backorders.
    max_units : int
        Bound on the units of one part.
    central : bool
        False: every unit goes to a dealer (the "all stock at dealers" comparison).

    Returns
    -------
    MetricSteps

    Notes
    -----
    Starting from no stock, each pass gives every part its next unit where it removes the most
    expected dealer backorders: the central warehouse (it shortens every dealer's wait) or a
    dealer, whose next unit removes P(X_j > S_j) (Sherbrooke's METRIC marginal analysis).  When a
    dealer unit wins, every dealer of the part whose next unit beats the central unit gets it in
    the same pass (the central unit's gain can only fall as the dealers fill), so a part with
    many dealers needs about as many passes as its deepest dealer has units.  The loop runs over
    passes, each one vector operation over the dealer rows of the parts still going.
    """
    p = np.asarray(part, dtype=np.int64)
    lam = np.asarray(dealer_rate, dtype=np.float64)
    t0 = np.asarray(central_lead_days, dtype=np.float64)
    t = np.broadcast_to(np.asarray(transfer_days, dtype=np.float64), lam.shape).copy()
    cost = np.asarray(unit_cost, dtype=np.float64)
    k = len(t0)
    lam0 = np.bincount(p, weights=lam, minlength=k)
    s0 = np.zeros(k)
    s = np.zeros(len(lam))
    order = np.argsort(p, kind="stable")  # dealer rows grouped by part
    units_part, units_where, units_gain = [], [], []
    active = np.flatnonzero(lam0 > 0)
    live = np.zeros(k, dtype=bool)
    rows = order
    for _ in range(max_units):
        if active.size == 0:
            break
        live[:] = False
        live[active] = True
        rows = rows[live[p[rows]]]  # the dealer rows of the parts still going: the set only shrinks
        pr = p[rows]
        start = np.flatnonzero(np.r_[True, pr[1:] != pr[:-1]])  # rows are grouped by part: one segment each
        _, delay = _central(lam0, t0, s0)
        _, delay_up = _central(lam0, t0, s0 + 1)
        now = lam[rows] * (t[rows] + delay[pr])
        up = lam[rows] * (t[rows] + delay_up[pr])
        level = s[rows]
        sf_now = special.pdtrc(level, now)  # P(X_j > S_j): the dealer's next unit
        # E[(X - S)+] = m P(X >= S) - S P(X > S), at the wait of S_0 and of S_0 + 1
        loss_now = now * np.where(level > 0, special.pdtrc(np.maximum(level - 1, 0), now), 1.0) - level * sf_now
        loss_up = up * np.where(level > 0, special.pdtrc(np.maximum(level - 1, 0), up), 1.0) \
            - level * special.pdtrc(level, up)
        central_gain = np.zeros(k)
        central_gain[pr[start]] = np.add.reduceat(loss_now - loss_up, start)
        best = np.full(k, -1.0)
        best[pr[start]] = np.maximum.reduceat(sf_now, start)
        go_central = (central_gain[active] > best[active]) if central else np.zeros(len(active), dtype=bool)
        to_central = active[go_central]
        # every dealer whose next unit beats its part's central unit gets it in this pass: a dealer unit
        # cannot raise the central unit's gain, so these units come before the next central one anyway
        bar = np.full(k, np.inf)
        bar[active[~go_central]] = central_gain[active[~go_central]] if central else -1.0
        win = sf_now > bar[pr]
        winners = rows[win]
        units_part.append(np.r_[to_central, p[winners]])
        units_where.append(np.r_[np.full(len(to_central), -1), winners])
        units_gain.append(np.r_[central_gain[to_central], sf_now[win]])
        s0[to_central] += 1
        s[winners] += 1
        gained = np.zeros(k)
        gained[to_central] = central_gain[to_central]
        if win.any():
            w_start = np.flatnonzero(np.r_[True, pr[win][1:] != pr[win][:-1]])
            gained[pr[win][w_start]] = np.maximum.reduceat(sf_now[win], w_start)
        active = active[gained[active] >= tail]
    unit_part = np.concatenate(units_part) if units_part else np.zeros(0, np.int64)
    unit_where = np.concatenate(units_where) if units_where else np.zeros(0, np.int64)
    unit_gain = np.concatenate(units_gain) if units_gain else np.zeros(0)
    # every part's units by gain, descending: a location's units already fall in gain (a dealer's next unit
    # removes P(X_j > S_j), smaller as S_j grows and the wait shrinks; a central unit's gain falls as S_0 and
    # the dealers' stock grow), so any prefix is a plan; lexsort is stable, so ties keep the passes' order
    lay = np.lexsort((-unit_gain, unit_part))
    unit_part, unit_where, unit_gain = unit_part[lay], unit_where[lay], unit_gain[lay]
    block = np.arange(len(unit_part))
    n_blocks = len(block)
    b_gain, b_units, b_part = unit_gain, np.ones(n_blocks), unit_part
    b_first = np.r_[True, b_part[1:] != b_part[:-1]] if n_blocks else np.zeros(0, bool)
    level = np.zeros(n_blocks, dtype=np.int64)
    if n_blocks:
        first_at = np.flatnonzero(b_first)
        level = np.arange(n_blocks) - first_at[np.cumsum(b_first) - 1] + 1  # units of the part so far
    steps = Steps(b_part, level, b_units * cost[b_part], b_gain, b_first)
    return MetricSteps(steps, unit_part, unit_where, block)
