r"""Demand over the protection interval, with its uncertainty: the lead-time demand models.

The service-level policy, the implied service of every plan and the optimizer need, per series, the
mean and the variance of the demand over the protection interval P = (L + R) / D months
(:mod:`spareopt.timing`).  Each model here gives them as a monthly mean f and a monthly variance v
such that the demand over P has mean f P and variance v P (v may grow with P: it then carries the
uncertainty of the rate itself).  Vectorised over the series x months matrix; the recurrences loop
over months, never over series.

Models (config key ``lead_time_demand``, :data:`LEAD_TIME_DEMAND_MODELS`):

``monthly_variance``
    The forecast of ``forecast_method``, and the sample variance of monthly demand over the
    dispersion window.  Leaves out the error of the forecast itself.
``forecast_error``
    The same forecast, and the mean squared error of its one-step-ahead forecasts over the window
    (:func:`forecast_error_variance`): the demand's noise and the forecast's error together
    (Syntetos & Boylan 2005; Silver, Pyke & Thomas 2017, section 4.9).
``empirical``
    The same forecast, and the variance of the series' own sums over every run of P consecutive
    months in the window (:func:`lead_time_sums`; Porras & Dekker 2008's empirical lead-time demand).
``poisson_gamma``
    Each series' rate has a gamma prior fitted across similar parts (:func:`gamma_prior`); the
    posterior predictive of the demand over P months is negative binomial (:func:`poisson_gamma`).
    A slow mover's few sales are shrunk towards its group, and a part with no recent sale gets the
    small rate its group shows, not zero.
``auto``
    Each demand pattern takes the model, and a variance scale, that a rolling-origin backtest on
    the history itself finds calibrated at the least stock (:mod:`spareopt.backtest`).

References
----------
Porras, E. & Dekker, R. (2008). An inventory control system for spare parts at a refinery: an
empirical comparison of different re-order point methods. *EJOR* 184(1):101-132.

Willemain, T. R., Smart, C. N. & Schwarz, H. F. (2004). A new approach to forecasting intermittent
demand for service parts inventories. *IJF* 20(3):375-387.

Silver, E. A., Pyke, D. F. & Thomas, D. J. (2017). *Inventory and Production Management in Supply
Chains*, 4th ed., CRC Press.

Gelman, A. et al. (2013). *Bayesian Data Analysis*, 3rd ed., section 2.6: the Poisson model with a
gamma prior and its negative binomial predictive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError
from ..validate import number
from .intermittent import forecast

__all__ = [
    "LEAD_TIME_DEMAND_MODELS",
    "OBSOLESCENCE",
    "GammaPrior",
    "PoissonGamma",
    "forecast_error_variance",
    "gamma_prior",
    "lead_time_sums",
    "poisson_gamma",
    "poisson_gamma_predictive",
    "posterior",
]

LEAD_TIME_DEMAND_MODELS = ("monthly_variance", "forecast_error", "empirical", "poisson_gamma", "auto")
"""Models of the demand over the protection interval (config ``lead_time_demand``)."""

OBSOLESCENCE = ("auto", "none", "tsb")
"""Config ``obsolescence``: what a series whose demand has stopped (:func:`spareopt.backtest.stopped`) forecasts.
``none``: its forecast as it is; ``tsb``: Teunter-Syntetos-Babai's, which decays in every month without demand,
where lower; ``auto``: per demand pattern, whichever the backtest's held-back months found more accurate
(:func:`spareopt.backtest.obsolescence`)."""

_PRIOR_MIN_CV2 = 0.01
"""The gamma prior's squared coefficient of variation is at least this: a group whose rates scatter no more
than Poisson noise gets a prior worth 100 times its mean rate in months, not an infinitely sure one."""


@dataclass(frozen=True, eq=False)
class GammaPrior:
    """A gamma prior Gamma(shape a, rate b) of the monthly demand rate, one per series (:func:`gamma_prior`)."""

    shape: np.ndarray
    """a > 0 (float64); prior mean a / b, prior variance a / b^2."""
    rate: np.ndarray
    """b > 0, in months (float64): the prior is worth b months of history."""


@dataclass(frozen=True, eq=False)
class PoissonGamma:
    """The posterior of each series' monthly rate, and the monthly moments of its demand (:func:`poisson_gamma`)."""

    mean: np.ndarray
    """f = (a + k) / (b + n), the posterior mean rate, units/month."""
    variance: np.ndarray
    """f d, the variance of one month's demand given the rate, units^2 (d >= 1: the series' own dispersion)."""
    rate_variance: np.ndarray
    """(a + k) / (b + n)^2, the posterior variance of the rate, (units/month)^2."""

    def over(self, months: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
        """Mean and variance of the demand over ``months`` (P): f P and f d P + Var(rate) P^2."""
        p = np.asarray(months, dtype=np.float64)
        return self.mean * p, self.variance * p + self.rate_variance * p * p


def gamma_prior(units: ArrayLike, months: ArrayLike, group: ArrayLike) -> GammaPrior:
    r"""Fit a gamma prior of the monthly rate within each group by the method of moments.

    Parameters
    ----------
    units : array_like, shape (n,)
        k, units sold by each series over its window (>= 0).
    months : array_like, shape (n,) or scalar
        n, months in each series' window (> 0).
    group : array_like of int, shape (n,)
        The group of each series (similar parts: demand pattern, attribute, ...), codes >= 0.

    Returns
    -------
    GammaPrior
        The prior of each series' group, per series.  A group without any sale has a = 0 and
        b = 1: its predictive demand is 0.

    Notes
    -----
    With r_i = k_i / n_i, the rates scatter by the prior and by Poisson noise:
    E[r] = m = a / b and Var(r) = a / b^2 + E[r / n], so

    .. math::  V = \widehat{\mathrm{Var}}(r) - \overline{r / n}, \qquad a = m^2 / V, \qquad b = m / V,

    with V at least 0.01 m^2 (:data:`_PRIOR_MIN_CV2`).  Gelman et al. (2013), section 5.3.

    Examples
    --------
    Rates 0, 1 and 2 a month over 10 months: m = 1, Var(r) = 1 (n - 1), noise 0.1, V = 0.9,
    a = b = 1 / 0.9 = 1.1111:

    >>> prior = gamma_prior([0, 10, 20], 10, [0, 0, 0])
    >>> prior.shape.round(4).tolist(), prior.rate.round(4).tolist()
    ([1.1111, 1.1111, 1.1111], [1.1111, 1.1111, 1.1111])
    """
    k = np.asarray(units, dtype=np.float64)
    n = np.broadcast_to(np.asarray(months, dtype=np.float64), k.shape)
    g = np.asarray(group, dtype=np.int64)
    size = int(g.max(initial=-1)) + 1
    count = np.bincount(g, minlength=size).astype(np.float64)
    r = k / n
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.bincount(g, weights=r, minlength=size) / count
        var = np.bincount(g, weights=r * r, minlength=size) / count - m * m
        var *= np.where(count > 1, count / (count - 1), 0.0)  # the sample variance (n - 1)
        noise = np.bincount(g, weights=r / n, minlength=size) / count
        v = np.maximum(var - noise, _PRIOR_MIN_CV2 * m * m)
        a = np.where(m > 0, m * m / v, 0.0)
        b = np.where(m > 0, m / v, 1.0)
    return GammaPrior(a[g], b[g])


def poisson_gamma_predictive(units: ArrayLike, months: ArrayLike, shape: ArrayLike, rate: ArrayLike,
                             periods: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    r"""Mean and variance of the demand over ``periods`` months: the negative binomial posterior predictive.

    Parameters
    ----------
    units, months : array_like, shape (n,)
        k units observed over n months.
    shape, rate : array_like, shape (n,)
        The gamma prior Gamma(a, b) of the monthly rate (:func:`gamma_prior`).
    periods : array_like, shape (n,) or scalar
        P, months ahead.

    Returns
    -------
    mean, variance : ndarray
        Of the demand over P months, units and units^2.

    Notes
    -----
    The posterior of the rate is Gamma(a + k, b + n), and the demand over P months given the rate
    is Poisson(rate P), so the predictive is negative binomial with r = a + k and
    p = (b + n) / (b + n + P) (Gelman et al. 2013, section 2.6):

    .. math::  E = P \frac{a + k}{b + n}, \qquad \mathrm{Var} = E \left(1 + \frac{P}{b + n}\right).

    Examples
    --------
    Prior Gamma(1, 2); 3 units in 10 months; 2 months ahead: E = 2 x 4 / 12 = 0.6667,
    Var = 0.6667 x (1 + 2 / 12) = 0.7778.

    >>> mean, variance = poisson_gamma_predictive(3, 10, 1.0, 2.0, 2)
    >>> round(float(mean), 4), round(float(variance), 4)
    (0.6667, 0.7778)
    """
    k, n, a, b, p = (np.asarray(x, dtype=np.float64) for x in (units, months, shape, rate, periods))
    mean = p * (a + k) / (b + n)
    return mean, mean * (1.0 + p / (b + n))


def poisson_gamma(demand: ArrayLike, group: ArrayLike, *, window_months: int = 24) -> PoissonGamma:
    r"""The pooled Poisson-gamma model of every series: a rate shrunk towards its group, and its uncertainty.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months)
        Monthly demand >= 0, oldest month first.
    group : array_like of int, shape (n_series,)
        Similar parts pooled into one prior (codes >= 0).
    window_months : int
        The last months used (the dispersion window).

    Returns
    -------
    PoissonGamma
        ``mean`` f, ``variance`` f d and ``rate_variance``; ``.over(P)`` gives the mean and variance
        over P months.

    Notes
    -----
    Over the last n = min(window_months, months) months, with k the units sold and a, b the group's
    prior (:func:`gamma_prior`): f = (a + k) / (b + n) and Var(rate) = (a + k) / (b + n)^2.  Demand
    comes in orders of several units, so a month's demand given the rate has variance f d, d =
    max(1, s^2 / ybar) the series' own index of dispersion over the window (1 without a sale: a
    compound Poisson with unit orders).  Over P months:

    .. math::  E = f P, \qquad \mathrm{Var} = f d P + \mathrm{Var}(\lambda) P^2,

    which for d = 1 is the negative binomial of :func:`poisson_gamma_predictive`.

    Examples
    --------
    Two parts of one group: 4 units in 4 months, and none.  Rates 1 and 0: m = 0.5, Var(r) = 0.5,
    noise 0.125, V = 0.375, so a = 2/3 and b = 4/3; f = (2/3 + 4) / (4/3 + 4) = 0.875 and
    (2/3 + 0) / (16/3) = 0.125: the part without a sale gets a small rate, not 0.

    >>> pooled = poisson_gamma([[1, 1, 1, 1], [0, 0, 0, 0]], [0, 0], window_months=4)
    >>> pooled.mean.round(4).tolist()
    [0.875, 0.125]
    """
    q = np.asarray(demand, dtype=np.float64)
    window = q[:, max(0, q.shape[1] - window_months):]
    return posterior(window, gamma_prior(window.sum(axis=1), float(window.shape[1]), group))


def posterior(window: np.ndarray, prior: GammaPrior) -> PoissonGamma:
    """:func:`poisson_gamma` on the months of ``window`` with a given prior per series (fitted elsewhere, e.g. on
    a whole network's sums)."""
    n = float(window.shape[1])
    k = window.sum(axis=1)
    post_a, post_b = prior.shape + k, prior.rate + n
    mean = post_a / post_b
    ybar = k / n
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = window.var(axis=1, ddof=1) / ybar if n > 1 else np.zeros(len(window))
    d = np.where(ybar > 0, np.maximum(spread, 1.0), 1.0)
    return PoissonGamma(mean, mean * d, post_a / (post_b * post_b))


def forecast_error_variance(demand: ArrayLike, method: str = "sba", *, window_months: int = 24,
                            **params: Any) -> np.ndarray:
    r"""Mean squared error of each series' one-step-ahead forecasts over the last months.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months)
        Monthly demand >= 0, oldest month first.
    method : str
        A forecaster of :data:`spareopt.forecast.FORECASTERS` (not ``auto``).
    window_months : int
        The last months whose errors are averaged (at most n_months - 1: the first month has no
        forecast).
    **params
        The forecaster's parameters (``alpha``, ...).

    Returns
    -------
    ndarray, shape (n_series,)
        MSE in units^2 (0 for a series with fewer than two months).

    Notes
    -----
    e_t = y_t - F_t, with F_t the forecast made from the months before t, over the last W months:

    .. math::  \mathrm{MSE} = \frac{1}{W} \sum_{t = T - W + 1}^{T} e_t^2.

    The demand over P months then has variance MSE x P (errors taken independent from month to
    month; Silver, Pyke & Thomas 2017, eq. 4.28).  One forecaster call per month of the window, each
    vectorised over every series.

    Examples
    --------
    sma over 2 months on 2, 4, 0, 6: the forecasts of months 3 and 4 are 3 and 2, the errors -3 and 4,
    MSE = (9 + 16) / 2 = 12.5.

    >>> forecast_error_variance([[2.0, 4.0, 0.0, 6.0]], "sma", window_months=2, sma_months=2).tolist()
    [12.5]
    """
    q = np.asarray(demand, dtype=np.float64)
    months = q.shape[1]
    first = max(1, months - window_months)
    total = np.zeros(len(q))
    for t in range(first, months):  # one call per month, over every series
        error = q[:, t] - forecast(q[:, :t], method, **params)
        total += error * error
    return total / max(months - first, 1)


def lead_time_sums(demand: ArrayLike, months: int, *, window_months: int = 24) -> np.ndarray:
    """Every sum of ``months`` consecutive months in the window: the series' own lead-time demands.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months)
        Monthly demand >= 0, oldest month first.
    months : int
        P >= 1, whole months in one sum.
    window_months : int
        The last months used.

    Returns
    -------
    ndarray, shape (n_series, W - P + 1)
        The sums, oldest first (no column when the window is shorter than P).

    Raises
    ------
    InputError
        ``months`` not a whole number >= 1 (P comes from the lead and review times).

    Notes
    -----
    The empirical lead-time demand of Porras & Dekker (2008): every overlapping run of P months is
    one observation of the demand over the protection interval.  Its variance (scaled to the
    fractional P) is the ``empirical`` model's.

    Examples
    --------
    The 2-month sums of 1, 0, 3, 0: 1, 3 and 3, counted by hand.

    >>> lead_time_sums([[1, 0, 3, 0]], 2).tolist()
    [[1.0, 3.0, 3.0]]
    """
    q = np.asarray(demand, dtype=np.float64)
    window = q[:, max(0, q.shape[1] - window_months):]
    number("months", months, least=1, whole=True, error=InputError)
    cumulative = np.concatenate([np.zeros((len(q), 1)), np.cumsum(window, axis=1)], axis=1)
    return cumulative[:, months:] - cumulative[:, :-months]
