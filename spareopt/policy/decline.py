r"""Last-time buy for discontinued models: fit the declining demand, size the final order.

When a model goes out of production its parts supplier soon stops making the
parts, but the network must still serve the cars for a long committed period
(the seed: 末次订货).  The planner places one final order per part.

Demand model
------------
Demand of month t = 0, 1, ... after ``as_of`` is Poisson with a rate that
declines exponentially (Teunter & Fortuin 1999):

.. math:: \lambda_t = \lambda_0 \, e^{-k t}, \qquad k \ge 0,

``rate_now`` = lambda_0 (units/month, the month after ``as_of``) and ``decay`` = k
(per month).  Over a horizon of H months (``horizon_months``) the total demand
D has mean

.. math:: \Lambda = \lambda_0 \sum_{t=0}^{H-1} e^{-k t}
          = \lambda_0 \, \frac{1 - e^{-k H}}{1 - e^{-k}} \quad (\lambda_0 H \text{ when } k = 0),

and is Poisson(Lambda), or negative binomial with mean Lambda and variance
phi Lambda (``dispersion`` phi > 1) when the forecast itself is uncertain.

Fit
---
lambda_0 and k are the Poisson maximum-likelihood estimates over the last
``fit_months`` months up to ``as_of`` (:func:`fit_decline`).  The month d months
before the first month of the horizon (d = 1 is ``as_of``) has rate
lambda_0 e^{k d}.  For a fixed k the likelihood is maximal at
lambda_0 = Y / sum_d e^{k d} (Y = the demand of the window), and the profile
log-likelihood

.. math:: \ell(k) = k \sum_d y_d \, d - Y \log \sum_d e^{k d}

is concave in k.  Its maximum solves h(k) = \bar d, where \bar d = sum y_d d / Y is
the demand-weighted mean age of the window's demand and h(k) the mean age
under weights e^{k d}, which increases with k.  So one equation per series,
solved by safeguarded Newton steps on all series at once (no per-part
optimiser call).  Because ell is concave, the maximum under k >= 0 is the
unconstrained one clipped at 0: a series whose demand is younger than
uniform (growing) is held flat, k = 0 and lambda_0 = Y / months, and flagged.
k is also capped at :data:`MAX_DECAY` (a series whose demand all lies in the
oldest months would otherwise get k -> infinity; at the cap lambda_0 is already
negligible).

References
----------
Teunter, R. H. & Fortuin, L. (1999), "End-of-life service", *International
Journal of Production Economics* 59, pp. 487-497.

Teunter, R. H. & Klein Haneveld, W. K. (2002), "Inventory control of service
parts in the final phase", *European Journal of Operational Research* 137,
pp. 497-511.

McCullagh, P. & Nelder, J. A. (1989), *Generalized Linear Models*, 2nd ed.,
Chapman & Hall: the Poisson log-linear model, its Fisher information and the
Pearson estimate of the dispersion (quasi-likelihood).

One topic, one module: the decline fit and the last-buy quantity share the horizon demand's
distribution.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..errors import ConfigError, UsageError
from ..history import DemandMatrix
from ..validate import fraction, nonnegative, number, one_of, require, show, whole
from ..validate import matrix as checked_matrix  # `matrix` is an argument here
from .service import NEGATIVE_BINOMIAL, POISSON, model_cdf, model_loss, smallest_level

__all__ = [
    "DISTRIBUTIONS",
    "MAX_DECAY",
    "DeclineFit",
    "LastBuyOutcome",
    "critical_ratio",
    "decline_dispersion",
    "fit_decline",
    "horizon_demand",
    "last_buy_outcome",
    "last_buy_quantity",
]

DISTRIBUTIONS = ("poisson", "negative_binomial")
"""Distributions of the demand over the horizon."""

MAX_DECAY = 2.0
"""Cap on the decay k, per month: the rate falls by e^2 (86%) a month."""

_BLOCK = 1 << 16
"""Series per block of the fit: (block x fit_months) float64 temporaries stay a few MB."""

_TOLERANCE = 1e-10
"""Newton stops when the mean age is matched to this many months."""


@dataclass(frozen=True, eq=False)
class DeclineFit:
    """The fitted decline of every series (:func:`fit_decline`); unpacks as ``rate_now, decay``."""

    rate_now: np.ndarray
    """lambda_0, units/month in the first month after ``as_of`` (float64, >= 0)."""
    decay: np.ndarray
    """k, per month (float64, 0 <= k <= :data:`MAX_DECAY`)."""
    growing: np.ndarray
    """The unconstrained fit has k < 0 (demand growing): held flat, k = 0 (bool)."""
    capped: np.ndarray
    """k reached :data:`MAX_DECAY` (bool)."""
    fit_demand: np.ndarray
    """Y, units sold in the fit window (float64)."""
    pearson: np.ndarray
    """Pearson dispersion of the monthly demand around the fitted rates, at least 1 (float64)."""
    mean_age: np.ndarray
    """Mean age d of the fitted rates over the window, in months (1 = ``as_of``), weighted by rate (float64)."""
    age_variance: np.ndarray
    """Variance of that age, months^2 (float64); 0 for a series held flat or without demand."""
    fit_months: int
    """Months in the fit window (fewer than asked when the history is shorter)."""

    def __iter__(self) -> Iterator[np.ndarray]:
        return iter((self.rate_now, self.decay))


def fit_decline(
    matrix: DemandMatrix | ArrayLike,
    *,
    as_of: str | pd.Period | int | None = None,
    fit_months: int = 24,
    max_decay: float = MAX_DECAY,
) -> DeclineFit:
    r"""Fit lambda_t = lambda_0 e^{-k t} to every series by Poisson maximum likelihood, all series at once.

    Parameters
    ----------
    matrix : DemandMatrix or array_like, shape (n, months)
        Monthly demand, units >= 0, one row per series.
    as_of : ``YYYY-MM`` (DemandMatrix) or int (array column), optional
        The last month of the fit window; the horizon starts the month after.
        Default: the last month of the matrix.
    fit_months : int
        Months in the fit window (default 24); fewer when the matrix has fewer
        months up to ``as_of``.
    max_decay : float
        Cap on k, per month (default :data:`MAX_DECAY`).

    Returns
    -------
    DeclineFit
        Unpacks as ``rate_now, decay`` (arrays, shape (n,)); also the flags
        ``growing`` and ``capped`` and what :func:`decline_dispersion` needs.

    Raises
    ------
    ConfigError
        ``fit_months`` not a whole number >= 2; ``max_decay`` not > 0; ``as_of`` outside the matrix (a
        :class:`spareopt.UsageError`).
    InputError
        A demand that is negative or not finite, or a matrix that is not 1-D or 2-D.

    Notes
    -----
    With y_d the demand d months before the horizon (d = 1 .. m, d = 1 the
    month ``as_of``) and Y = sum y_d, the profile likelihood (module docstring)
    gives k from

    .. math:: \frac{\sum_d d \, e^{k d}}{\sum_d e^{k d}} = \bar d = \frac{\sum_d y_d \, d}{Y},
              \qquad \lambda_0 = \frac{Y}{\sum_d e^{k d}}.

    Newton steps on this equation are kept inside a bracket [low, high] of k
    that shrinks each step, and fall back to bisection when they leave it;
    each step is one vector operation over the unresolved series of a block.
    ``Y = 0`` gives lambda_0 = k = 0.  ``growing`` when \bar d < h(0), the
    mean age (m + 1) / 2 of a flat window: then k = 0, lambda_0 = Y / m.

    References
    ----------
    Teunter & Fortuin (1999); McCullagh & Nelder (1989), chapter 6.

    Examples
    --------
    Demand halving every month, 8, 4, 2, 1, gives k = ln 2 and lambda_0 = 0.5
    (the next month); a flat series gives k = 0:

    >>> rate_now, decay = fit_decline([[8.0, 4.0, 2.0, 1.0], [3.0, 3.0, 3.0, 3.0]], fit_months=4)
    >>> rate_now.round(4).tolist(), decay.round(4).tolist()
    ([0.5, 3.0], [0.6931, 0.0])
    """
    number("fit_months", fit_months, least=2, whole=True, hint="A decline needs two months.")
    number("max_decay", max_decay, least=0, greatest=np.inf, open_low=True, hint="The cap on k, per month.")
    window = _window(matrix, as_of, int(fit_months))
    n, m = window.shape
    age = np.arange(m, 0, -1, dtype=np.float64)  # column j is d = m - j months before the horizon
    out = {name: np.zeros(n) for name in ("rate_now", "decay", "fit_demand", "pearson", "mean_age", "age_variance")}
    growing, capped = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    for start in range(0, n, _BLOCK):
        block = slice(start, start + _BLOCK)
        y = window[block]
        fit = _fit_block(y, age, float(max_decay))
        for name, value in fit.items():
            if name == "growing":
                growing[block] = value
            elif name == "capped":
                capped[block] = value
            else:
                out[name][block] = value
    return DeclineFit(out["rate_now"], out["decay"], growing, capped, out["fit_demand"], out["pearson"],
                      out["mean_age"], out["age_variance"], m)


def _window(matrix: DemandMatrix | ArrayLike, as_of: str | pd.Period | int | None, fit_months: int) -> np.ndarray:
    """The fit window: the last ``fit_months`` columns up to ``as_of``, of the matrix checked finite and >= 0."""
    values = checked_matrix("matrix", matrix.values if isinstance(matrix, DemandMatrix) else matrix, min_months=0,
                            one_series=True)
    months = values.shape[1]
    if isinstance(matrix, DemandMatrix):
        periods = matrix.periods
        if as_of is None:
            end = len(periods) - 1
        else:
            month = as_of if isinstance(as_of, pd.Period) else pd.Period(str(as_of), freq="M")
            end = int(month.ordinal - periods[0].ordinal)
            if not 0 <= end < len(periods):
                raise UsageError(f"as_of {month} is outside the matrix ({periods[0]}..{periods[-1]})")
    else:
        end = months - 1 if as_of is None else int(as_of) % max(months, 1)
        if as_of is not None and not -months <= int(as_of) < months:
            raise UsageError(f"as_of column {as_of} is outside the matrix's {months} columns")
    return np.asarray(values[:, max(0, end - fit_months + 1):end + 1], dtype=np.float64)


def _fit_block(y: np.ndarray, age: np.ndarray, max_decay: float) -> dict[str, np.ndarray]:
    n, m = y.shape
    total = y.sum(axis=1)
    sold = total > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        target = np.where(sold, y @ age / np.where(sold, total, 1.0), 0.0)  # demand-weighted mean age
    flat_age = (m + 1) / 2
    growing = sold & (target < flat_age - _TOLERANCE)
    top = _mean_age(np.full(n, max_decay), age)[0]
    capped = sold & ~growing & (target >= top - _TOLERANCE)
    k = np.where(capped, max_decay, 0.0)
    low, high = np.zeros(n), np.full(n, max_decay)
    rows = np.flatnonzero(sold & ~growing & ~capped & (target > flat_age + _TOLERANCE))
    k[rows] = np.minimum(1.0, max_decay / 2)
    for _ in range(200):  # Newton steps in a shrinking bracket; bisection when a step leaves it
        if rows.size == 0:
            break
        h, slope = _mean_age(k[rows], age)
        miss = h - target[rows]  # h increases with k: miss < 0 means k is too small
        done = np.abs(miss) < _TOLERANCE
        low[rows] = np.where(miss < 0, k[rows], low[rows])
        high[rows] = np.where(miss > 0, k[rows], high[rows])
        with np.errstate(divide="ignore", invalid="ignore"):
            step = k[rows] - miss / slope
        inside = (step > low[rows]) & (step < high[rows])
        k[rows] = np.where(done, k[rows], np.where(inside, step, 0.5 * (low[rows] + high[rows])))
        done |= high[rows] - low[rows] < 1e-14
        rows = rows[~done]
    weight = np.exp(k[:, None] * (age - age[0]))  # e^{k d} / e^{k m} <= 1: no overflow
    scale = weight.sum(axis=1)
    rate_fit = np.where(sold[:, None], total[:, None] * weight / scale[:, None], 0.0)  # the fitted monthly rates
    rate_now = np.where(sold, total / scale * np.exp(-k * age[0]), 0.0)  # lambda_0 = Y / sum e^{k d}
    mean_age = np.where(sold, rate_fit @ age / np.where(sold, total, 1.0), 0.0)
    age_variance = np.where(sold & (k > 0), rate_fit @ (age * age) / np.where(sold, total, 1.0) - mean_age**2, 0.0)
    parameters = np.where(k > 0, 2, 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        residual = np.where(rate_fit > 0, (y - rate_fit) ** 2 / rate_fit, 0.0).sum(axis=1)
    pearson = np.where(sold, np.maximum(residual / np.maximum(m - parameters, 1), 1.0), 1.0)
    return {"rate_now": rate_now, "decay": k, "growing": growing, "capped": capped, "fit_demand": total,
            "pearson": pearson, "mean_age": mean_age, "age_variance": np.maximum(age_variance, 0.0)}


def _mean_age(k: np.ndarray, age: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """h(k), the mean age under weights e^{k d}, and its derivative, the variance of the age."""
    weight = np.exp(k[:, None] * (age - age[0]))
    scale = weight.sum(axis=1)
    mean = weight @ age / scale
    return mean, weight @ (age * age) / scale - mean * mean


def horizon_demand(rate_now: ArrayLike, decay: ArrayLike, horizon_months: ArrayLike) -> np.ndarray:
    r"""Expected demand over the horizon, Lambda = lambda_0 sum_{t=0}^{H-1} e^{-k t}.

    Parameters
    ----------
    rate_now : array_like
        lambda_0, units/month (>= 0).
    decay : array_like
        k, per month (>= 0).
    horizon_months : array_like
        H, whole months >= 1.

    Returns
    -------
    ndarray of float64
        Units, broadcast over the arguments.

    Notes
    -----
    The geometric sum in closed form, lambda_0 (1 - e^{-kH}) / (1 - e^{-k}),
    computed with ``expm1`` so that it stays exact as k -> 0 (lambda_0 H).

    Examples
    --------
    2 units/month for 12 months; the same rate halving every month:

    >>> horizon_demand(2.0, [0.0, np.log(2)], 12).round(4).tolist()
    [24.0, 3.999]
    """
    lam, k, h = horizon_args(rate_now, decay, horizon_months)
    return lam * _discounted_months(k, h)


def horizon_args(rate_now: ArrayLike, decay: ArrayLike, horizon_months: ArrayLike) -> list[np.ndarray]:
    lam = nonnegative("rate_now", rate_now)
    k = nonnegative("decay", decay)
    h = np.asarray(horizon_months, dtype=np.float64)
    bad = ~((h >= 1) & (np.floor(h) == h) & (h < np.inf))
    if bad.any():
        value = h.ravel()[np.flatnonzero(bad.ravel())[0]]
        raise ConfigError(f"horizon_months must be a whole number of months >= 1 (the service period the last "
                          f"buy covers); got {show(value)}")
    return np.broadcast_arrays(lam, k, h)


def _discounted_months(k: np.ndarray, h: np.ndarray) -> np.ndarray:
    """sum_{t=0}^{H-1} e^{-k t}: H when k = 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(k > 0, np.expm1(-k * h) / np.expm1(-np.where(k > 0, k, 1.0)), h)


def decline_dispersion(fit: DeclineFit, horizon_months: ArrayLike) -> np.ndarray:
    r"""Estimated dispersion phi = Var(D) / E[D] of the horizon demand: demand noise plus forecast uncertainty.

    Parameters
    ----------
    fit : DeclineFit
        From :func:`fit_decline`.
    horizon_months : array_like
        H, whole months >= 1.

    Returns
    -------
    ndarray of float64, shape (n,)
        phi >= 1; 1 for a series without demand.

    Notes
    -----
    Two sources of variance, added (the law of total variance):

    * the demand around the fitted rates: quasi-Poisson, Var(D | Lambda) =
      phi_P Lambda, with phi_P the Pearson statistic sum (y - lambda)^2 / lambda over
      the window, divided by (months - parameters), at least 1;
    * the error of the fitted Lambda itself (the delta method on the Fisher
      information of (log lambda_0, k), scaled by phi_P):

      .. math::

          \operatorname{Var}(\hat\Lambda) = \phi_P \frac{\Lambda^2}{Y}
              \left(1 + \frac{(\bar d + \tau)^2}{s_d^2}\right),

      where \bar d and s_d^2 are the mean and variance of the window's age under
      the fitted rates and tau = sum t e^{-kt} / sum e^{-kt} the mean month of
      the horizon: the usual widening of a regression's prediction with the
      distance it extrapolates.  A series held flat (k = 0) has one parameter,
      and the second term is 0.

    So phi = phi_P (1 + Lambda (1 + (d + tau)^2 / s_d^2) / Y).

    References
    ----------
    McCullagh & Nelder (1989), *Generalized Linear Models*: the Fisher
    information of a log-linear model and the Pearson dispersion.

    Examples
    --------
    A flat Poisson-like series, 2 units a month for 24 months, over 24 months:
    Lambda = Y = 48, so phi = 1 x (1 + 48 / 48) = 2.

    >>> fit = fit_decline([[2.0] * 24])
    >>> decline_dispersion(fit, 24).tolist()
    [2.0]
    """
    h = horizon_args(fit.rate_now, fit.decay, horizon_months)[2]
    k = fit.decay
    lam = fit.rate_now * _discounted_months(k, h)
    tau = _mean_month(k, h)
    with np.errstate(divide="ignore", invalid="ignore"):
        extrapolation = np.where(fit.age_variance > 0, (fit.mean_age + tau) ** 2 / fit.age_variance, 0.0)
        relative = np.where(fit.fit_demand > 0, lam * (1 + extrapolation) / fit.fit_demand, 0.0)
    return np.where(fit.fit_demand > 0, fit.pearson * (1 + relative), 1.0)


def _mean_month(k: np.ndarray, h: np.ndarray) -> np.ndarray:
    """tau = sum_{t<H} t e^{-kt} / sum_{t<H} e^{-kt}: (H - 1) / 2 when k = 0."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        q = np.exp(-k)
        # d/dk of log sum e^{-kt}, in closed form: q/(1-q) - H q^H / (1 - q^H)
        tail = h * np.exp(-k * h) / -np.expm1(-k * h)
        value = q / -np.expm1(-np.where(k > 0, k, 1.0)) - tail
    return np.where(k > 1e-8, value, (h - 1) / 2)


def critical_ratio(
    unit_cost: ArrayLike,
    shortage_cost: ArrayLike,
    horizon_months: ArrayLike,
    *,
    holding_rate: ArrayLike = 0.0,
    salvage_value: ArrayLike = 0.0,
) -> np.ndarray:
    r"""The newsvendor fractile c_u / (c_u + c_o) of a last buy.

    Parameters
    ----------
    unit_cost : array_like
        Purchase cost of one unit (>= 0).
    shortage_cost : array_like
        Cost of serving one unit of demand when the last buy has run out (from
        an alternative source, a remanufacture, or a goodwill payment); > unit_cost.
    horizon_months : array_like
        H, whole months >= 1.
    holding_rate : array_like
        Yearly holding cost as a share of unit_cost (>= 0).
    salvage_value : array_like
        What a unit left at the end of the horizon fetches (>= 0, may be 0 for scrap).

    Returns
    -------
    ndarray of float64, in (0, 1)

    Raises
    ------
    InputError
        shortage_cost <= unit_cost (then no unit is worth buying), or
        salvage_value >= unit_cost (1 + holding_rate H / 12) (then every unit is);
        a cost or rate that is negative or not finite.

    Notes
    -----
    .. math::

        c_u = \text{shortage\_cost} - \text{unit\_cost}, \qquad
        c_o = \text{unit\_cost}\,(1 + \text{holding\_rate}\, H / 12) - \text{salvage\_value},

    c_u the extra cost of each unit short, c_o the cost of each unit left over,
    held the whole horizon.  This is the newsvendor approximation: one period,
    all demand of the horizon in it; units used early cost less holding than
    c_o charges (Teunter & Fortuin 1999 value the holding exactly over the
    declining demand).

    Examples
    --------
    Cost 100, shortage 400, 20% a year for 24 months, no salvage:
    c_u = 300, c_o = 140, ratio 300 / 440:

    >>> round(float(critical_ratio(100.0, 400.0, 24, holding_rate=0.2)), 4)
    0.6818
    """
    cost = nonnegative("unit_cost", unit_cost)
    short = nonnegative("shortage_cost", shortage_cost)
    rate = nonnegative("holding_rate", holding_rate)
    salvage = nonnegative("salvage_value", salvage_value)
    h = horizon_args(0.0, 0.0, horizon_months)[2]
    cost, short, rate, salvage, h = np.broadcast_arrays(cost, short, rate, salvage, h)
    under = short - cost
    over = cost * (1 + rate * h / 12) - salvage
    require(under > 0, "`shortage_cost` must be above `unit_cost`", shortage_cost=short, unit_cost=cost,
            hint="The extra cost of a unit short is shortage_cost - unit_cost: without it no unit is worth buying.")
    require(over > 0, "`salvage_value` must be below `unit_cost` x (1 + `holding_rate` x `horizon_months` / 12)",
            salvage_value=salvage, unit_cost=cost, holding_rate=rate, horizon_months=h,
            hint="Else every unit bought pays for itself.")
    return under / (under + over)


def last_buy_quantity(
    rate_now: ArrayLike,
    decay: ArrayLike,
    horizon_months: ArrayLike,
    *,
    service_level: ArrayLike | None = None,
    unit_cost: ArrayLike | None = None,
    shortage_cost: ArrayLike | None = None,
    holding_rate: ArrayLike = 0.0,
    salvage_value: ArrayLike = 0.0,
    distribution: str = "poisson",
    dispersion: ArrayLike | None = None,
) -> np.ndarray:
    r"""The last-buy quantity Q of every part: the smallest Q with P(D <= Q) >= a target.

    Parameters
    ----------
    rate_now, decay : array_like
        lambda_0 (units/month) and k (per month), from :func:`fit_decline`.
    horizon_months : array_like
        H, the months the last buy has to serve (whole, >= 1).
    service_level : array_like, optional
        Service mode: the target P(D <= Q), in (0, 1).
    unit_cost, shortage_cost : array_like, optional
        Cost mode (give both, and no ``service_level``): the target is the
        critical ratio c_u / (c_u + c_o) (:func:`critical_ratio`).
    holding_rate, salvage_value : array_like
        Cost mode: yearly holding rate and the value of a unit left at the end.
    distribution : {"poisson", "negative_binomial"}
        D ~ Poisson(Lambda), or negative binomial with mean Lambda and variance
        ``dispersion`` x Lambda.
    dispersion : array_like, optional
        phi = Var(D) / E[D] >= 1 for the negative binomial (1 = Poisson);
        :func:`decline_dispersion` estimates it from the fit.

    Returns
    -------
    ndarray of int64
        Q, whole units >= 0; 0 where Lambda = 0.

    Raises
    ------
    ConfigError
        Both modes or neither; a service level outside (0, 1); an unknown
        distribution; a negative binomial without a dispersion; a horizon that
        is not a whole number >= 1.
    InputError
        A negative or non-finite rate, decay or cost; shortage_cost <= unit_cost;
        a dispersion < 1 or not finite.

    Notes
    -----
    Q does not fall as the service level, the horizon or lambda_0 rises, and
    does not rise as k rises (Lambda moves that way and the quantiles of both
    distributions rise with their mean).  The search is vectorised: a normal
    first guess, doubling steps, then bisection
    (:func:`spareopt.policy.service.reorder_point_for` uses the same one).

    Examples
    --------
    2 units/month for 12 months, flat: Lambda = 24, and P(D <= 31) = 0.9322 < 0.95 <=
    P(D <= 32) = 0.9533.  Halving every month: Lambda = 3.999, and P(D <= 7) = 0.9488 < 0.95 <=
    P(D <= 8) = 0.9786.

    >>> last_buy_quantity(2.0, [0.0, np.log(2)], 12, service_level=0.95).tolist()
    [32, 8]
    """
    goal = _goal(service_level, unit_cost, shortage_cost, holding_rate, salvage_value, horizon_months)
    mean = horizon_demand(rate_now, decay, horizon_months)
    variance, code = _distribution(mean, distribution, dispersion)
    shape = np.broadcast_shapes(mean.shape, goal.shape, variance.shape)
    mean, variance, code, goal = (np.broadcast_to(x, shape).ravel() for x in (mean, variance, code, goal))

    def meets(rows: np.ndarray, s: np.ndarray) -> np.ndarray:
        return model_cdf(s, mean[rows], variance[rows], code[rows]) >= goal[rows]

    from scipy import special

    guess = np.maximum(np.ceil(mean + special.ndtri(goal) * np.sqrt(variance)), 0).astype(np.int64)
    return smallest_level(meets, guess).reshape(shape)


def _goal(service_level: ArrayLike | None, unit_cost: ArrayLike | None, shortage_cost: ArrayLike | None,
          holding_rate: ArrayLike, salvage_value: ArrayLike, horizon_months: ArrayLike) -> np.ndarray:
    """The target P(D <= Q) of the mode given: the service level, or the critical ratio."""
    cost_mode = shortage_cost is not None
    if (service_level is None) == (not cost_mode):
        raise ConfigError("give either service_level (service mode) or shortage_cost with unit_cost (cost mode); "
                          + ("got both" if cost_mode else "got neither"))
    if cost_mode:
        if unit_cost is None:
            raise ConfigError("cost mode needs unit_cost as well as shortage_cost")
        return critical_ratio(unit_cost, shortage_cost, horizon_months, holding_rate=holding_rate,
                              salvage_value=salvage_value)
    return fraction("service_level", service_level)


def _distribution(mean: np.ndarray, distribution: str, dispersion: ArrayLike | None) -> tuple[np.ndarray, np.ndarray]:
    """Variance and model code (into DEMAND_MODELS) of the horizon demand."""
    one_of("distribution", distribution, DISTRIBUTIONS)
    if distribution == "poisson":
        return mean, np.full(mean.shape, POISSON, dtype=np.int8)
    if dispersion is None:
        raise ConfigError("the negative_binomial distribution needs a dispersion (Var(D) / E[D] > 1); give one, or "
                          "let spareopt.last_buy estimate it (decline_dispersion)")
    phi = np.asarray(dispersion, dtype=np.float64)
    require((phi >= 1) & (phi < np.inf), "`dispersion` must be finite and >= 1", dispersion=phi,
            hint="It is Var(D) / E[D]; 1 = Poisson.")
    mean, phi = np.broadcast_arrays(mean, phi)
    nb = (phi > 1) & (mean > 0)
    return mean * phi, np.where(nb, NEGATIVE_BINOMIAL, POISSON).astype(np.int8)


@dataclass(frozen=True, eq=False)
class LastBuyOutcome:
    """What a stock S held for the horizon gives (:func:`last_buy_outcome`)."""

    expected_shortage: np.ndarray
    """E[(D - S)+], units demanded after the stock ran out."""
    expected_leftover: np.ndarray
    """E[(S - D)+], units left at the end of the horizon."""
    prob_no_shortage: np.ndarray
    """P(D <= S)."""


def last_buy_outcome(
    stock: ArrayLike,
    expected_demand: ArrayLike,
    *,
    distribution: str = "poisson",
    dispersion: ArrayLike | None = None,
) -> LastBuyOutcome:
    r"""Expected shortage, leftover and the chance of no shortage, of a stock S for the horizon demand D.

    Parameters
    ----------
    stock : array_like
        S, whole units >= 0 (the last buy plus the stock already held).
    expected_demand : array_like
        Lambda = E[D] (:func:`horizon_demand`).
    distribution, dispersion
        As for :func:`last_buy_quantity`.

    Returns
    -------
    LastBuyOutcome

    Raises
    ------
    InputError
        ``stock`` not a whole number >= 0; ``expected_demand`` negative or not finite; a dispersion < 1.
    ConfigError
        An unknown distribution, or a negative binomial without a dispersion.

    Notes
    -----
    E[(D - S)+] is the first-order loss function in closed form
    (:func:`spareopt.policy.service.loss`), and

    .. math:: E[(S - D)^+] = S - \Lambda + E[(D - S)^+].

    Examples
    --------
    S = 32 against Poisson(24): E[(D - 32)+] = 24 P(D >= 32) - 32 P(D >= 33), and the
    leftover 32 - 24 + 0.1319:

    >>> out = last_buy_outcome(32, 24.0)
    >>> [round(float(x), 4) for x in (out.prob_no_shortage, out.expected_shortage, out.expected_leftover)]
    [0.9533, 0.1319, 8.1319]
    """
    s = whole("stock", stock, hint="S is the last buy plus the stock already held, in units.")
    mean = nonnegative("expected_demand", expected_demand)
    variance, code = _distribution(mean, distribution, dispersion)
    s, mean, variance, code = np.broadcast_arrays(s, mean, variance, code)
    shape = s.shape
    s, mean, variance, code = (x.ravel() for x in (s, mean, variance, code))
    short = model_loss(s, mean, variance, code)
    return LastBuyOutcome(short.reshape(shape), np.maximum(s - mean + short, 0.0).reshape(shape),
                          model_cdf(s, mean, variance, code).reshape(shape))
