r"""Service-level stocking policy, and the service that any stocking plan implies.

The plan is a periodic-review (R, s, S) policy: every order cycle R
(``order_cycle_days``) the dealer looks at the inventory position (on hand + on
order - backorders) and, if it is at or below the reorder point s, orders up to
the maximum stock S.  An order arrives a lead time L (``lead_time_days``) later.
Stock has to cover the protection interval L + R: after a review that leaves
the position just above s, the next order is placed at most R later and arrives
L after that.  With D = 365.25 / 12 days per month, a monthly forecast f
(units/month) and a monthly variance v (units\ :sup:`2`, the sample variance of
monthly demand), and independent months,

.. math::

    P = (L + R) / D, \qquad \mu = f P, \qquad \sigma^2 = v P, \qquad
    \mu_R = f R / D, \qquad \sigma_R^2 = v R / D.

Demand model
------------
Demand over L + R is one of :data:`DEMAND_MODELS`, chosen per series from its
mean and variance over L + R (:func:`demand_model`), in the spirit of the
normal / Poisson switch of SAP Service Parts Planning:

1. ``mu == 0``: Poisson(0).  No demand, so no stock: every quantity is 0.
2. ``mu >= normal_min_mean`` (default 10 units): **normal** (mu, sigma^2).  A fast
   mover: over 10 or more units the Poisson and negative binomial are close to
   the normal (the central limit theorem), and the normal is the model of the
   textbook formulas (Silver, Pyke & Peterson 1998).
3. ``sigma^2 / mu > overdispersion_min`` (default 1.1): **negative binomial**
   with mean mu and variance sigma^2.  A slow mover whose demand is lumpier than
   Poisson (several units per customer, or a rate that varies): the Poisson
   would understate the tail.  The negative binomial keeps whole units and
   matches both moments (Axsäter 2006).  The threshold sits a little above 1
   because the sample variance of a Poisson series scatters around its mean: a
   ratio of 1.05 is noise, and a negative binomial that close to Poisson is a
   Poisson in all but name (n -> infinity).
4. Otherwise **Poisson** (mu): the law of rare, independent single-unit demands,
   the usual model of slow-moving spare parts.  Series with a variance below
   the mean also land here: the Poisson is then slightly cautious.

SAP SPP decides between the normal and the Poisson by a rule table keyed on the
forecast number of order items per month ("Min. No. Order Items (Month) >="), a
product group and the forecast model.  Here the switch is on units over the
protection interval, the quantity the stock has to cover, so that one part is
normal at a dealer with a long supply cycle and Poisson at one with a short one.

Codes are int8 positions into :data:`DEMAND_MODELS`, so no string is made per
series.  Every function is vectorised over all series: scipy's distributions
are called once per model on that model's rows, the searches loop over
iterations (at most about 64), and the level walks of the fill rate
(:func:`fill_rate_levels`) over stock levels, never over series.

References
----------
SAP SE, SAP SCM 7.0 EhP1 help, Service Parts Planning, "Decision Between Normal
and Poisson Distribution",
https://help.sap.com/saphelp_scm700_ehp01/helpdata/en/8e/2bc95360267614e10000000a174cb4/content.htm

Silver, E. A., Pyke, D. F. & Peterson, R. (1998). *Inventory Management and
Production Planning and Scheduling*, 3rd ed., Wiley, chapters 7-8.

Axsäter, S. (2006). *Inventory Control*, 2nd ed., Springer.

One topic, one module: the (R, s, S) policy's distributions, levels for a target and implied
service, which share the protection demand and its three models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import special  # the distributions' functions themselves: scipy.stats costs 1.5 s to import

from ..blocks import for_each_block
from ..errors import InputError
from ..timing import lead_time_months, protection_months, review_months
from ..validate import fraction, nonnegative, number, one_of, require, whole
from .seed import LEVEL_FIX, MAX_UNITS, ceil_units

__all__ = [
    "DEMAND_MODELS",
    "NEGATIVE_BINOMIAL",
    "NORMAL",
    "POISSON",
    "SERVICE_KINDS",
    "FillRatePlan",
    "ImpliedService",
    "LevelFill",
    "ProtectionDemand",
    "ServicePolicy",
    "cdf",
    "demand_model",
    "fill_rate_levels",
    "fill_rate_plan",
    "implied_service",
    "loss",
    "protection_demand",
    "reorder_point_for",
    "second_order_loss",
]

DEMAND_MODELS = ("poisson", "negative_binomial", "normal")
"""Demand models over the protection interval; a series' code is its position here (int8)."""

POISSON, NEGATIVE_BINOMIAL, NORMAL = 0, 1, 2
"""The codes of :data:`DEMAND_MODELS`."""

SERVICE_KINDS = ("csl", "fill_rate")
"""Service targets of :func:`reorder_point_for`: cycle service level (P1) or fill rate (P2)."""

_MAX_STEPS = 64
"""Bound on the iterations of a vectorised search (each doubles a step or halves an interval)."""

_CDF_BAND = 1e-10
"""The level walks' P(X <= s) is a running sum: within this of a cut-off, the closed form decides."""

_FILL_BAND = 1e-8
"""Likewise for the walks' fill rate against a target (its running sums of losses, over mu_R)."""

_MAX_LEVELS = 10**7

_TAIL_ROWS = 512
"""A walk with a goal moves its last rows (at most this many) many levels per step (:func:`_walk_tail`)."""
_TAIL_CELLS = 1 << 15
_TAIL_LEVELS = 512
"""The tail's step: about ``_TAIL_CELLS`` row-levels, 16 to ``_TAIL_LEVELS`` levels."""
"""Bound on the levels of a walk (a plan of ten million units is no plan)."""

_LOG_TINY = -600.0
"""A walk whose p(0) = exp(log p(0)) is below exp(this) takes its pmf in log-gamma form (no underflow)."""


# -- results ---------------------------------------------------------------------------------------

class _Result:
    """Fields unpack in order (``s, S, model = reorder_point_for(...)``) and make one frame row per series."""

    def __iter__(self) -> Iterator[np.ndarray]:
        return (getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]

    def to_frame(self) -> pd.DataFrame:
        """One row per series, one column per field; ``demand_model`` as a categorical of its names."""
        columns = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = np.atleast_1d(getattr(self, f.name))
            if f.name == "demand_model":
                value = pd.Categorical.from_codes(value, categories=list(DEMAND_MODELS))
            columns[f.name] = value
        return pd.DataFrame(columns)


@dataclass(frozen=True, eq=False)
class ProtectionDemand(_Result):
    """Demand over the protection interval L + R and over one review period R (:func:`protection_demand`)."""

    mean: np.ndarray
    """mu = f (L + R) / D, units (float64)."""
    variance: np.ndarray
    """sigma^2 = v (L + R) / D, units^2 (float64)."""
    review_mean: np.ndarray
    """mu_R = f R / D, units (float64)."""
    review_variance: np.ndarray
    """sigma_R^2 = v R / D, units^2 (float64)."""


@dataclass(frozen=True, eq=False)
class ServicePolicy(_Result):
    """An (R, s, S) plan sized for a service target (:func:`reorder_point_for`)."""

    reorder_point: np.ndarray
    """s, whole units >= 0 (int64)."""
    max_stock: np.ndarray
    """S = s + Q, whole units >= s (int64)."""
    demand_model: np.ndarray
    """Code of the demand model over L + R, a position in :data:`DEMAND_MODELS` (int8)."""


@dataclass(frozen=True, eq=False)
class FillRatePlan(_Result):
    """An (R, s, S) plan sized for a fill rate target, and the fill rate it gives (:func:`fill_rate_plan`)."""

    reorder_point: np.ndarray
    """s, whole units >= 0 (int64)."""
    max_stock: np.ndarray
    """S = s + Q, whole units >= s (int64)."""
    demand_model: np.ndarray
    """Code of the demand model over L + R, a position in :data:`DEMAND_MODELS` (int8)."""
    implied_fill_rate: np.ndarray
    """The fill rate of (s, S), in [0, 1] (float64): :func:`implied_service`'s, as the search found it."""


@dataclass(frozen=True, eq=False)
class ImpliedService(_Result):
    """The service an (R, s, S) plan gives (:func:`implied_service`)."""

    implied_csl: np.ndarray
    """Cycle service level P(X_{L+R} <= s), in [0, 1] (float64)."""
    implied_fill_rate: np.ndarray
    """Fill rate, the share of demand met from the shelf, in [0, 1] (float64)."""
    demand_model: np.ndarray
    """Code of the demand model over L + R, a position in :data:`DEMAND_MODELS` (int8)."""


@dataclass(frozen=True, eq=False)
class LevelFill(_Result):
    """The fill rate of every reorder point of every series, up to its demand's tail (:func:`fill_rate_levels`)."""

    row: np.ndarray
    """Position of the series in the arguments (int64): series after series, in their order."""
    reorder_point: np.ndarray
    """s = 0, 1, ..., the series' last level (int64), rising within a series."""
    fill_rate: np.ndarray
    """Implied fill rate of the plan (s, s + Q), in [0, 1] (float64)."""


# -- demand ----------------------------------------------------------------------------------------

def demand_model(
    mean: ArrayLike,
    variance: ArrayLike,
    *,
    normal_min_mean: float = 10.0,
    overdispersion_min: float = 1.1,
) -> np.ndarray:
    r"""Choose the demand model of each series from its mean and variance over the protection interval.

    Parameters
    ----------
    mean : array_like, shape (n,)
        mu, demand over L + R, units (>= 0).
    variance : array_like, shape (n,)
        sigma^2, variance of demand over L + R, units^2 (>= 0).
    normal_min_mean : float
        A mean of at least this many units is normal (a fast mover).
    overdispersion_min : float
        Below ``normal_min_mean``, a variance-to-mean ratio above this (>= 1) is
        negative binomial, else Poisson.

    Returns
    -------
    ndarray of int8, shape (n,)
        Positions in :data:`DEMAND_MODELS`: 0 Poisson, 1 negative binomial, 2 normal.

    Raises
    ------
    InputError
        A mean or variance that is negative or not finite.
    ConfigError
        ``normal_min_mean`` not >= 0, or ``overdispersion_min`` not >= 1 (the
        negative binomial needs a variance above its mean).

    Notes
    -----
    .. math::

        \text{model} = \begin{cases}
            \text{Poisson} & \mu = 0 \\
            \text{normal} & \mu \ge \text{normal\_min\_mean} \\
            \text{negative binomial} & \sigma^2 / \mu > \text{overdispersion\_min} \\
            \text{Poisson} & \text{otherwise}
        \end{cases}

    The rules are tried in this order; the module docstring gives the reasons.

    Examples
    --------
    A slow mover with Poisson-like variance, a lumpy slow mover, a fast mover and no demand:

    >>> demand_model([4.0, 4.0, 40.0, 0.0], [4.0, 12.0, 160.0, 0.0]).tolist()
    [0, 1, 2, 0]
    """
    _model_switch(normal_min_mean, overdispersion_min)
    mu, var = np.broadcast_arrays(nonnegative("mean", mean), nonnegative("variance", variance))
    return model_codes(mu, var, normal_min_mean, overdispersion_min)


def protection_demand(
    forecast: ArrayLike,
    variance: ArrayLike,
    lead_time_days: ArrayLike,
    order_cycle_days: ArrayLike,
) -> ProtectionDemand:
    r"""Mean and variance of demand over the protection interval L + R and over one review period R.

    Parameters
    ----------
    forecast : array_like, shape (n,)
        f, monthly demand forecast, units/month (>= 0).
    variance : array_like, shape (n,) or scalar
        v, variance of monthly demand, units^2 (>= 0).
    lead_time_days : array_like, shape (n,) or scalar
        L, the lead time (到货周期), days (>= 0).
    order_cycle_days : array_like, shape (n,) or scalar
        R, the order cycle or review period (采购周期), days (>= 0).

    Returns
    -------
    ProtectionDemand
        ``mean``, ``variance`` over L + R and ``review_mean``, ``review_variance`` over R.

    Raises
    ------
    InputError
        An argument that is negative or not finite.

    Notes
    -----
    With D = 365.25 / 12 days per month and independent months,

    .. math::

        \mu = f \, \frac{L + R}{D}, \quad \sigma^2 = v \, \frac{L + R}{D}, \quad
        \mu_R = f \, \frac{R}{D}, \quad \sigma_R^2 = v \, \frac{R}{D}.

    Examples
    --------
    2 units/month with variance 2, L = R = one month (30.4375 days):

    >>> d = protection_demand([2.0], [2.0], 30.4375, 30.4375)
    >>> d.mean, d.variance, d.review_mean, d.review_variance
    (array([4.]), array([4.]), array([2.]), array([2.]))
    """
    return protection_arrays(*_demand_args(forecast, variance, lead_time_days, order_cycle_days))


# -- distribution functions ------------------------------------------------------------------------

def cdf(s: ArrayLike, mean: ArrayLike, variance: ArrayLike, model: ArrayLike) -> np.ndarray:
    r"""P(X <= s) for demand X over the protection interval, each row with its own model.

    Parameters
    ----------
    s : array_like, shape (n,) or scalar
        Stock level, whole units.
    mean, variance : array_like, shape (n,)
        mu and sigma^2 of X, units and units^2.
    model : array_like of int, shape (n,) or scalar
        Positions in :data:`DEMAND_MODELS` (:func:`demand_model`).

    Returns
    -------
    ndarray of float64, shape (n,)

    Raises
    ------
    InputError
        s not whole; a mean or variance negative or not finite; an unknown model
        code; a negative binomial row whose variance is not above its mean.

    Notes
    -----
    Poisson(mu); negative binomial with n = mu^2 / (sigma^2 - mu) and
    p = mu / sigma^2 (scipy's ``nbinom(n, p)``: mean n(1 - p)/p = mu, variance
    n(1 - p)/p^2 = sigma^2); normal Phi((s - mu) / sigma), with no continuity
    correction, and the step at mu when sigma = 0.

    Examples
    --------
    Poisson with mean 4: P(X <= 7) = 0.9489 and P(X <= 8) = 0.9786.

    >>> cdf([7, 8], 4.0, 4.0, 0).round(4).tolist()
    [0.9489, 0.9786]
    """
    s, mu, var, code = _distribution_args(s, mean, variance, model)
    return model_cdf(s.ravel(), mu.ravel(), var.ravel(), code.ravel()).reshape(s.shape)


def loss(s: ArrayLike, mean: ArrayLike, variance: ArrayLike, model: ArrayLike) -> np.ndarray:
    r"""First-order loss E[(X - s)+], the expected demand above s, each row with its own model.

    Parameters
    ----------
    s : array_like, shape (n,) or scalar
        Stock level, whole units.
    mean, variance : array_like, shape (n,)
        mu and sigma^2 of X, units and units^2.
    model : array_like of int, shape (n,) or scalar
        Positions in :data:`DEMAND_MODELS` (:func:`demand_model`).

    Returns
    -------
    ndarray of float64, shape (n,)
        Units (>= 0, non-increasing in s).

    Raises
    ------
    InputError
        As :func:`cdf`.

    Notes
    -----
    Exact closed forms for whole s, with no sum over x:

    * Poisson, from x p(x) = mu p(x - 1):

      .. math:: E[(X - s)^+] = \mu \, P(X \ge s) - s \, P(X \ge s + 1)

    * negative binomial NB(n, p), from x p_{NB}(x; n, p) = mu p_{NB}(x - 1; n + 1, p),
      so E[X 1{X >= s + 1}] = mu P(Y >= s) with Y ~ NB(n + 1, p):

      .. math:: E[(X - s)^+] = \mu \, P(Y \ge s) - s \, P(X \ge s + 1)

    * normal, with the standard normal loss G(z) = phi(z) - z (1 - Phi(z)):

      .. math:: E[(X - s)^+] = \sigma \, G\!\left(\frac{s - \mu}{\sigma}\right)

      and (mu - s)+ when sigma = 0.

    References
    ----------
    Silver, Pyke & Peterson (1998), *Inventory Management and Production
    Planning and Scheduling*, 3rd ed., chapter 7: the normal loss G_u(k).

    Axsäter (2006), *Inventory Control*, 2nd ed.: Poisson and negative binomial
    (compound Poisson with logarithmic order sizes) demand.

    Pauly, S. R. (2025), "Loss Functions for Inventory Control", arXiv:2502.05212:
    analytic first-order loss functions of the common distributions.

    Examples
    --------
    Poisson with mean 4 above s = 8: 4 x P(X >= 8) - 8 x P(X >= 9) = 4 x 0.05113 - 8 x 0.02136:

    >>> round(float(loss(8, 4.0, 4.0, 0)), 4)
    0.0336
    """
    s, mu, var, code = _distribution_args(s, mean, variance, model)
    return model_loss(s.ravel(), mu.ravel(), var.ravel(), code.ravel()).reshape(s.shape)


def second_order_loss(s: ArrayLike, mean: ArrayLike, variance: ArrayLike, model: ArrayLike) -> np.ndarray:
    r"""Second-order loss B(s) = sum over k >= s of E[(X - k)+], each row with its own model.

    Parameters
    ----------
    s : array_like, shape (n,) or scalar
        Stock level, whole units.
    mean, variance : array_like, shape (n,)
        mu and sigma^2 of X, units and units^2.
    model : array_like of int, shape (n,) or scalar
        Positions in :data:`DEMAND_MODELS` (:func:`demand_model`).

    Returns
    -------
    ndarray of float64, shape (n,)
        Units^2 (>= 0, non-increasing in s); B(s) - B(s + 1) = :func:`loss` (s).

    Raises
    ------
    InputError
        As :func:`cdf`.

    Notes
    -----
    For whole-unit X, summing the loss over k >= s counts every unit of X above k once per k:

    .. math::

        B(s) = \sum_{k \ge s} E[(X - k)^+] = 	frac{1}{2} E[(X - s)(X - s + 1); X \ge s]
             = 	frac{1}{2}\left(E[X(X - 1); X \ge s] - 2 (s - 1) E[X; X \ge s]
               + s (s - 1) P(X \ge s)
ight),

    with B(0) = E[X (X + 1)] / 2 = (sigma^2 + mu^2 + mu) / 2 when X >= 0.  Exact closed forms, with
    no sum over x:

    * Poisson, from x p(x) = mu p(x - 1): E[X; X >= s] = mu P(X >= s - 1) and
      E[X(X - 1); X >= s] = mu^2 P(X >= s - 2).
    * negative binomial NB(n, p), from x p_{NB}(x; n, p) = mu p_{NB}(x - 1; n + 1, p) and
      x (x - 1) p_{NB}(x; n, p) = mu mu_1 p_{NB}(x - 2; n + 2, p), mu_1 = (n + 1)(1 - p) / p:
      E[X; X >= s] = mu P(Y_1 >= s - 1) and E[X(X - 1); X >= s] = mu mu_1 P(Y_2 >= s - 2),
      Y_j ~ NB(n + j, p).
    * normal, the sum over whole k >= s as the integral of the loss from s - 1/2 (a continuity
      correction), with G_2(z) = ((1 + z^2)(1 - Phi(z)) - z phi(z)) / 2:

      .. math:: B(s) = \sigma^2 \, G_2\!\left(rac{s - 	frac12 - \mu}{\sigma}
ight)

      and ((mu - s + 1/2)+)^2 / 2 when sigma = 0.

    The fill rate of an (R, s, S) plan (:func:`implied_service`) is a difference of B's.

    References
    ----------
    Zipkin, P. H. (2000), *Foundations of Inventory Management*, McGraw-Hill, section 6.2: the
    second-order loss function and the (r, q) policy's backorders.

    Hadley, G. & Whitin, T. M. (1963), *Analysis of Inventory Systems*, Prentice-Hall, chapter 4:
    the Poisson sums.

    Examples
    --------
    Poisson(1): B(0) = E[X (X + 1) / 2] = (1 + 1 + 1) / 2 = 1.5, and B(1) = B(0) - E[X] = 0.5:

    >>> second_order_loss([0, 1], 1.0, 1.0, 0).tolist()
    [1.5, 0.5]
    """
    s, mu, var, code = _distribution_args(s, mean, variance, model)
    return _second_loss(s.ravel(), mu.ravel(), var.ravel(), code.ravel()).reshape(s.shape)


# -- policy ----------------------------------------------------------------------------------------

def reorder_point_for(
    target: ArrayLike,
    forecast: ArrayLike,
    variance: ArrayLike,
    lead_time_days: ArrayLike,
    order_cycle_days: ArrayLike,
    *,
    kind: str = "csl",
    normal_min_mean: float = 10.0,
    overdispersion_min: float = 1.1,
) -> ServicePolicy:
    r"""The smallest (R, s, S) plan that meets a service target, for every series at once.

    Parameters
    ----------
    target : float or array_like, shape (n,)
        Service target in (0, 1), one for all series or one per series (targets
        come per class).
    forecast : array_like, shape (n,)
        f, monthly demand forecast, units/month (>= 0).
    variance : array_like, shape (n,) or scalar
        v, variance of monthly demand, units^2 (>= 0).
    lead_time_days : array_like, shape (n,) or scalar
        L, lead time, days (>= 0).
    order_cycle_days : array_like, shape (n,) or scalar
        R, order cycle (review period), days (>= 0).
    kind : {"csl", "fill_rate"}
        ``"csl"``: cycle service level P1; ``"fill_rate"``: fill rate P2.
    normal_min_mean, overdispersion_min : float
        The demand model switch (:func:`demand_model`).

    Returns
    -------
    ServicePolicy
        ``reorder_point`` s and ``max_stock`` S (int64, 0 <= s <= S) and the
        ``demand_model`` codes (int8).

    Raises
    ------
    ConfigError
        A target outside (0, 1) or NaN, an unknown ``kind``, a bad model switch.
    InputError
        A negative or non-finite forecast, variance, lead time or order cycle.

    Notes
    -----
    The order quantity is the mean demand of one review period, rounded up to
    whole units (with a 1e-9 tolerance, :func:`~spareopt.policy.seed.ceil_units`),
    and at least one unit when there is demand:

    .. math:: Q = \max(\lceil \mu_R \rceil, 1) \text{ if } f > 0, \text{ else } 0; \qquad S = s + Q.

    (With R = 0, continuous review, mu_R = 0; an order-up-to level equal to s
    would be the same policy as s - 1 in whole units and miss the target.)

    ``"csl"``: s is the smallest whole number >= 0 with

    .. math:: P(X_{L+R} \le s) \ge \text{target}.

    ``"fill_rate"``: s is the smallest whole number >= 0 whose implied fill rate
    (:func:`implied_service`) with S = s + Q meets the target,

    .. math:: \frac{\mu_R}{\mu_R + \text{short}(s, s + Q)} \ge \text{target}.

    For fixed Q the fill rate is non-decreasing in s (the shortage per review is
    the mean over k = s + 1..s + Q of E[(X_{L+R} - k)+] - E[(X_L - k)+], and each
    term falls as k rises, X_{L+R} being X_L plus the review period's demand), so
    the smallest s is well defined.

    Both searches are vectorised.  The CSL, and the fill rate of normal
    demand, take a normal-approximation first guess, then doubling steps until
    each series has a failing and a passing level, then bisection, each
    iteration one vector call per demand model over the unresolved series.  The
    fill rate of Poisson and negative binomial demand walks the levels s = 0,
    1, ... of all those series together, one vector step per level, by the
    running sums of :func:`fill_rate_levels`, and each series stops at its first
    level that meets the target; where the walk's fill rate is within 1e-8 of
    the target (the walk agrees with the closed form to about 1e-11), the
    closed form decides.  The result is exact for the functions :func:`cdf` and
    :func:`implied_service` compute: the target holds at s and fails at s - 1.
    A series without demand gets s = S = 0.

    References
    ----------
    Silver, Pyke & Peterson (1998), *Inventory Management and Production
    Planning and Scheduling*, 3rd ed., chapters 7-8: the service measures P1
    and P2 and the (R, s, S) system protected over R + L.

    Examples
    --------
    2 units/month, variance 2 (Poisson), L = R = one month: X ~ Poisson(4) over
    L + R; P(X <= 7) = 0.9489 < 0.95 <= P(X <= 8) = 0.9786, so s = 8, and
    Q = ceil(2) = 2 gives S = 10.

    >>> plan = reorder_point_for(0.95, [2.0], [2.0], 30.4375, 30.4375)
    >>> plan.reorder_point, plan.max_stock, plan.demand_model
    (array([8]), array([10]), array([0], dtype=int8))
    """
    one_of("kind", kind, SERVICE_KINDS, hint="csl: the cycle service level P1; fill_rate: the fill rate P2")
    s, big_s, code, _ = _sized(target, forecast, variance, lead_time_days, order_cycle_days, kind, normal_min_mean,
                               overdispersion_min)
    return ServicePolicy(s, big_s, code)


def fill_rate_plan(
    target: ArrayLike,
    forecast: ArrayLike,
    variance: ArrayLike,
    lead_time_days: ArrayLike,
    order_cycle_days: ArrayLike,
    *,
    normal_min_mean: float = 10.0,
    overdispersion_min: float = 1.1,
) -> FillRatePlan:
    r"""The smallest (R, s, S) plan that meets a fill rate target, and the fill rate it gives, for every series.

    The plan is :func:`reorder_point_for` with ``kind="fill_rate"``; the fill rate comes from the same search, so
    a planner's promise costs no second pass (the backtest sums it for every model and scale it tries).

    Notes
    -----
    ``implied_fill_rate`` is :func:`implied_service`'s fill rate of (s, S): for Poisson and negative binomial demand
    the value of the walk up the levels that found s (its running sums agree with the closed form to about 1e-11;
    where the walk's value was within 1e-8 of the target, the closed form's own), for normal demand the closed
    form; 1 without demand.

    Examples
    --------
    The plan of :func:`implied_service`'s example, (8, 10), is the smallest one for a 99.5 % fill rate:

    >>> plan = fill_rate_plan(0.995, [2.0], [2.0], 30.4375, 30.4375)
    >>> plan.reorder_point, plan.max_stock, plan.implied_fill_rate.round(4)
    (array([8]), array([10]), array([0.9959]))
    """
    s, big_s, code, fill = _sized(target, forecast, variance, lead_time_days, order_cycle_days, "fill_rate",
                                  normal_min_mean, overdispersion_min)
    return FillRatePlan(s, big_s, code, fill)


def _sized(target: ArrayLike, forecast: ArrayLike, variance: ArrayLike, lead_time_days: ArrayLike,
           order_cycle_days: ArrayLike, kind: str, normal_min_mean: float,
           overdispersion_min: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """reorder_point_for's search: s, S and the model codes, and for a fill rate target the fill rate at s."""
    _model_switch(normal_min_mean, overdispersion_min)
    goal = fraction("target", target)
    args = _demand_args(forecast, variance, lead_time_days, order_cycle_days)
    shape = np.broadcast_shapes(args[0].shape, goal.shape)
    f, v, lead, cycle, goal = (np.broadcast_to(x, shape).ravel() for x in (*args, goal))
    with np.errstate(over="ignore"):
        mu, var, mu_r, _ = protection_arrays(f, v, lead, cycle)
    _check_levels(goal, mu, var, forecast=f, lead_time_days=lead, order_cycle_days=cycle)
    code = model_codes(mu, var, normal_min_mean, overdispersion_min)
    quantity = review_quantity(f, mu_r)

    if kind == "csl":
        def meets(rows: np.ndarray, s: np.ndarray) -> np.ndarray:
            return model_cdf(s, mu[rows], var[rows], code[rows]) >= goal[rows]

        s = smallest_level(meets, _normal_guess(goal, mu, var))
        fill = None
    else:
        mu_l, var_l = lead_demand(f, v, lead)
        q = quantity.astype(np.float64)
        s = np.zeros(f.size, dtype=np.int64)
        fill = np.ones(f.size)
        walk = np.flatnonzero(code != NORMAL)  # Poisson and NB: up the levels, to the first that meets the target
        if walk.size:
            s[walk], fill[walk] = _walk(q[walk], mu[walk], var[walk], code[walk], mu_l[walk], var_l[walk],
                                        mu_r[walk], goal=goal[walk])
        normal = np.flatnonzero(code == NORMAL)
        if normal.size:
            m, sd2, c, ml, vl, mr, g, qn = (x[normal] for x in (mu, var, code, mu_l, var_l, mu_r, goal, q))

            def meets(rows: np.ndarray, s: np.ndarray) -> np.ndarray:
                return plan_fill_rate(s, qn[rows], m[rows], sd2[rows], c[rows], ml[rows], vl[rows], mr[rows]) >= g[rows]

            s[normal] = smallest_level(meets, _normal_guess(g, m, sd2))
            fill[normal] = plan_fill_rate(s[normal].astype(np.float64), qn, m, sd2, c, ml, vl, mr)
        fill = np.where(f == 0, 1.0, fill).reshape(shape)
    return s.reshape(shape), (s + quantity).reshape(shape), code.reshape(shape), fill


def implied_service(
    reorder_point: ArrayLike,
    max_stock: ArrayLike,
    forecast: ArrayLike,
    variance: ArrayLike,
    lead_time_days: ArrayLike,
    order_cycle_days: ArrayLike,
    *,
    normal_min_mean: float = 10.0,
    overdispersion_min: float = 1.1,
) -> ImpliedService:
    r"""Cycle service level and fill rate of any (R, s, S) plan, the seed's SSQ plan included.

    Parameters
    ----------
    reorder_point : array_like, shape (n,)
        s, whole units >= 0: order when the inventory position is <= s.
    max_stock : array_like, shape (n,)
        S, whole units >= s: order up to S.
    forecast : array_like, shape (n,)
        f, monthly demand forecast, units/month (>= 0).
    variance : array_like, shape (n,) or scalar
        v, variance of monthly demand, units^2 (>= 0).
    lead_time_days : array_like, shape (n,) or scalar
        L, lead time, days (>= 0).
    order_cycle_days : array_like, shape (n,) or scalar
        R, order cycle (review period), days (>= 0).
    normal_min_mean, overdispersion_min : float
        The demand model switch (:func:`demand_model`).

    Returns
    -------
    ImpliedService
        ``implied_csl`` and ``implied_fill_rate`` in [0, 1] (float64) and the
        ``demand_model`` codes (int8).

    Raises
    ------
    InputError
        s or S not whole numbers >= 0, S < s, or a negative or non-finite
        forecast, variance, lead time or order cycle.
    ConfigError
        A bad model switch.

    Notes
    -----
    **Cycle service level** (P1), the chance that a replenishment cycle ends
    without the shelf running empty.  The lowest position a review leaves
    without ordering is s + 1; the next order is placed at most R later and
    arrives L after that, so the shelf stays stocked when X_{L+R} < s + 1:

    .. math:: \text{CSL} = P(X_{L+R} \le s).

    **Fill rate** (P2), the share of demand met from the shelf.  With the
    demand X_{L+R} over the protection interval (mean mu, variance sigma^2,
    model as above), the demand X_L over the lead time alone (mean f L / D,
    variance v L / D, the same model family: normal if X_{L+R} is normal, else
    negative binomial or Poisson by the same v / f ratio) and the position after
    a review taken uniform on s + 1..S, a review's order arrives L later and
    the shelf runs short in the review period after it by, on average,

    .. math::

        \text{short} = \frac{1}{Q} \sum_{k=s+1}^{S}
            \left(E[(X_{L+R} - k)^+] - E[(X_L - k)^+]\right)
          = \frac{B_{L+R}(s + 1) - B_{L+R}(S + 1) - B_L(s + 1) + B_L(S + 1)}{Q},

    Q = S - s, with the second-order loss B (:func:`second_order_loss`), exact
    closed forms with no sum.  Demand that finds the shelf empty is lost (the
    dealer does not re-order it), so of the mu_R = f R / D units of a review
    period, mu_R are met for every short units:

    .. math:: \text{fill rate} = \frac{\mu_R}{\mu_R + \text{short}} \in [0, 1].

    (The backorder fill rate would be 1 - short / mu_R.)  With R = 0
    (continuous review) it is the limit R -> 0, short / mu_R =
    (E[(X_L - s)+] - E[(X_L - S)+]) / Q, exact for Poisson demand.

    Special cases:

    * f = 0: CSL = fill rate = 1 (no demand, nothing short).
    * S = 0 with f > 0: CSL = fill rate = 0 (nothing is ever on the shelf).
    * S = s > 0: in whole units, "order up to S when the position is <= S" is
      the same policy as s = S - 1 (a position of exactly S orders nothing), so
      the plan is valued as (S - 1, S).  The seed's plan has S = s when the
      order cycle is 0.

    How good is it?  With S - s = 1 (the order quantity of every slow mover,
    mu_R <= 1) each review with demand orders, the position after a review is
    always S, and short / mu_R = (E[(X_{L+R} - S)+] - E[(X_L - S)+]) / mu_R is the
    exact backorder shortage.  Against a replay of simulated demand (lost sales,
    monthly review, fractional lead time, 1,000 series x 240 months), plans for
    fill rates 0.9 and 0.95 with Poisson and negative binomial (variance 3 x
    the mean) demand of 0.1 to 20 units a month and L of 0 to 1.84 months
    deliver within -0.01 and +0.03 of the promised fill rate, except Poisson
    0.1/month with L = 10 days at (0, 1) (-0.05: the replay spreads a month's
    whole unit over the month and keeps a fraction on the shelf) and the fast,
    lumpy movers at 0.9 (+0.04 with L = 1.84 months: when a review period's
    demand is about Q, the position after a review is mostly S rather than
    uniform on s + 1..S, so the formula is cautious).  The fill rate of a
    plan far below its target (a shelf of one unit with a long lead time)
    is optimistic: the lost-sales conversion assumes short stays small.

    References
    ----------
    Silver, Pyke & Peterson (1998), *Inventory Management and Production
    Planning and Scheduling*, 3rd ed., chapters 7-8: P1 and P2 and the
    (R, s, S) system protected over R + L.

    Zipkin, P. H. (2000), *Foundations of Inventory Management*, McGraw-Hill,
    chapter 6: the second-order loss function, and the position after an order
    uniform over s + 1..S.

    Examples
    --------
    The plan (s, S) = (8, 10) for 2 units/month, variance 2, L = R = one month:
    CSL = P(Poisson(4) <= 8) = 0.9786.  X_{L+R} ~ Poisson(4), X_L ~ Poisson(2),
    Q = 2, mu_R = 2: short = (B_{L+R}(9) - B_{L+R}(11) - B_L(9) + B_L(11)) / 2 =
    (0.018200 - 0.001805 - 0.000068 + 0.000002) / 2 = 0.008164, and the fill rate
    is 2 / (2 + 0.008164) = 0.9959.

    >>> service = implied_service([8], [10], [2.0], [2.0], 30.4375, 30.4375)
    >>> service.implied_csl.round(4), service.implied_fill_rate.round(4)
    (array([0.9786]), array([0.9959]))
    """
    _model_switch(normal_min_mean, overdispersion_min)
    s_in = whole("reorder_point", reorder_point, hint=_ROUND_PLAN)
    big_s = whole("max_stock", max_stock, hint=_ROUND_PLAN)
    args = _demand_args(forecast, variance, lead_time_days, order_cycle_days)
    shape = np.broadcast_shapes(s_in.shape, big_s.shape, args[0].shape)
    s_in, big_s, f, v, lead, cycle = (np.broadcast_to(x, shape).ravel() for x in (s_in, big_s, *args))
    require(big_s >= s_in, "`max_stock` must be >= `reorder_point`", reorder_point=s_in, max_stock=big_s,
            hint="An order-up-to level below the reorder point is not an (s, S) plan.")
    mu, var, mu_r, _ = protection_arrays(f, v, lead, cycle)
    code = model_codes(mu, var, normal_min_mean, overdispersion_min)
    csl = np.where(f == 0, 1.0, 0.0)  # no demand: nothing short; S = 0 with demand: nothing on the shelf
    fill = csl.copy()
    rows = np.flatnonzero((big_s >= 1) & (f > 0))

    def value(block: slice) -> None:  # each series is valued alone
        r = rows[block]
        s = np.minimum(s_in[r], big_s[r] - 1).astype(np.float64)  # S = s is the plan (S - 1, S)
        m, sd2, c = mu[r], var[r], code[r]
        csl[r] = model_cdf(s, m, sd2, c)
        fill[r] = plan_fill_rate(s, big_s[r] - s, m, sd2, c, *lead_demand(f[r], v[r], lead[r]), mu_r[r])

    for_each_block(value, rows.size)
    return ImpliedService(csl.reshape(shape), fill.reshape(shape), code.reshape(shape))


def fill_rate_levels(
    quantity: ArrayLike,
    mean: ArrayLike,
    variance: ArrayLike,
    model: ArrayLike,
    lead_mean: ArrayLike,
    lead_variance: ArrayLike,
    review_mean: ArrayLike,
    *,
    tail: float = 1e-6,
) -> LevelFill:
    r"""The implied fill rate of every reorder point s = 0, 1, ... of every series, up to its demand's tail.

    Parameters
    ----------
    quantity : array_like, shape (n,)
        Q, whole units, of the (R, s, S) plan, S = s + Q (below 1 counts as 1).
    mean, variance, model : array_like, shape (n,)
        mu and sigma^2 of the demand X_{L+R} over the protection interval, units and units^2, and its
        model code (:func:`demand_model`).
    lead_mean, lead_variance : array_like, shape (n,)
        Mean f L / D and variance v L / D of the demand X_L over the lead time alone, units and units^2.
    review_mean : array_like, shape (n,)
        mu_R = f R / D, the mean demand of one review period, units (0: continuous review).
    tail : float
        A series' levels end at the smallest s with P(X_{L+R} <= s) >= 1 - tail, in (0, 1): the level
        where one more unit would fill almost nothing.

    Returns
    -------
    LevelFill
        ``row``, ``reorder_point`` and ``fill_rate`` of every level, series after series, levels rising.
        A series with mean 0 has no levels.

    Raises
    ------
    InputError
        Q not a whole number >= 0; a mean or variance negative or not finite; an unknown model code; a
        negative binomial row whose variance is not above its mean.
    ConfigError
        ``tail`` outside (0, 1).

    Notes
    -----
    fill(s) is the implied fill rate of :func:`implied_service`, mu_R / (mu_R + short(s)), with

    .. math::

        Q \, \text{short}(s) = B_{L+R}(s + 1) - B_{L+R}(S + 1) - B_L(s + 1) + B_L(S + 1)
            = \sum_{k=s+1}^{s+Q} \left(L_{L+R}(k) - L_L(k)\right),

    L(k) = E[(X - k)^+] the first-order loss and B the second-order loss (:func:`second_order_loss`,
    B(k) - B(k + 1) = L(k)); with R = 0, Q short(s) / mu_R becomes L_L(s) - L_L(S) = sum over
    k = s..S - 1 of P(X_L > k).

    Poisson and negative binomial series walk their levels k = 0, 1, ... together, one vector step
    per level over the series still walking, each series leaving once past its last level.  The
    pmf comes from Panjer's recursion for the (a, b, 0) class, and the cdf and the loss from running
    sums:

    .. math::

        p(k) = \left(a + \frac{b}{k}\right) p(k - 1), \qquad F(k) = F(k - 1) + p(k), \qquad
        L(k + 1) = L(k) - (1 - F(k)), \quad L(0) = \mu,

    Poisson(mu): a = 0, b = mu, p(0) = e^{-mu}; negative binomial NB(n, p) (:func:`cdf`):
    a = 1 - p, b = (n - 1)(1 - p), p(0) = p^n (a series whose p(0) underflows takes its pmf in
    log-gamma form).  The walk keeps the difference d(k) = L_{L+R}(k) - L_L(k) itself,
    d(k + 1) = d(k) - (F_L(k) - F_{L+R}(k)), d(0) = mu - mu_L (two running losses would cancel when
    R is short next to L), and Q short(s) is the sum of the last Q differences, so no incomplete
    gamma or beta function is called per level.  The fill rates agree with the closed form of
    :func:`implied_service` to about 1e-11 (2.7e-11 at most over the 36 million levels of the
    medium benchmark's network); where the running P(X <= s) falls within 1e-10 of the tail's
    cut-off, the closed form :func:`cdf` decides, so the last level is the closed form's.  Normal
    series keep the closed form (its continuity-corrected B is an integral, not a sum of losses),
    evaluated at every level at once.

    References
    ----------
    Panjer, H. H. (1981), "Recursive evaluation of a family of compound distributions", *ASTIN
    Bulletin* 12(1), 22-26: p(k) = (a + b / k) p(k - 1).

    Klugman, S. A., Panjer, H. H. & Willmot, G. E. (2012), *Loss Models: From Data to Decisions*,
    4th ed., Wiley, section 6.5: the (a, b, 0) class (Poisson, negative binomial, binomial).

    Zipkin, P. H. (2000), *Foundations of Inventory Management*, McGraw-Hill, section 6.2: the
    loss functions of a discrete demand as running sums of its complementary cdf.

    Examples
    --------
    Poisson demand of 1 a month, L = R = one month: X_{L+R} ~ Poisson(2), X_L ~ Poisson(1),
    mu_R = 1, Q = 1.  fill(0) = 1 / (1 + E[(X_{L+R} - 1)+] - E[(X_L - 1)+]) = 1 / (1 + 1.1353 -
    0.3679) = 0.5658, then 0.6956, 0.8370, 0.9339; with a 5 % tail the levels end at s = 5, the
    first with P(X_{L+R} <= s) >= 0.95 (P(X_{L+R} <= 4) = 0.9473, P(X_{L+R} <= 5) = 0.9834):

    >>> levels = fill_rate_levels([1], [2.0], [2.0], [0], [1.0], [1.0], [1.0], tail=0.05)
    >>> levels.reorder_point.tolist(), levels.fill_rate.round(4).tolist()
    ([0, 1, 2, 3, 4, 5], [0.5658, 0.6956, 0.837, 0.9339, 0.9787, 0.9942])
    """
    number("tail", tail, least=0, greatest=1, open_low=True, open_high=True,
           hint="The probability of demand above a series' last level (default 1e-6).")
    q = whole("quantity", quantity, hint="Q = ceil(mu_R), at least 1 with demand (review_quantity).")
    _, mu, var, code = _distribution_args(0, mean, variance, model)
    mu_l, var_l, mu_r = (nonnegative(name, x) for name, x in (("lead_mean", lead_mean),
                                                                 ("lead_variance", lead_variance),
                                                                 ("review_mean", review_mean)))
    q, mu, var, code, mu_l, var_l, mu_r = (np.broadcast_to(x, np.broadcast_shapes(
        q.shape, mu.shape, mu_l.shape, var_l.shape, mu_r.shape)).ravel() for x in (q, mu, var, code, mu_l, var_l, mu_r))
    return _levels(q, mu, var, code.astype(np.int8), mu_l, var_l, mu_r, 1.0 - tail)


# -- internals (flat float64 arrays, already checked) -----------------------------------------------

def _demand_args(forecast: ArrayLike, variance: ArrayLike, lead_time_days: ArrayLike,
                 order_cycle_days: ArrayLike) -> list[np.ndarray]:
    """f, v, L, R checked finite and >= 0, as float64 arrays broadcast to one shape."""
    return np.broadcast_arrays(
        nonnegative("forecast", forecast), nonnegative("variance", variance),
        nonnegative("lead_time_days", lead_time_days), nonnegative("order_cycle_days", order_cycle_days))


def protection_arrays(f: np.ndarray, v: np.ndarray, lead: np.ndarray, cycle: np.ndarray) -> ProtectionDemand:
    months = protection_months(lead, cycle)
    review = review_months(cycle)
    return ProtectionDemand(f * months, v * months, f * review, v * review)


def model_codes(mu: np.ndarray, var: np.ndarray, normal_min_mean: float, overdispersion_min: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        lumpy = var > overdispersion_min * mu  # sigma^2 / mu > threshold, without dividing by 0
    code = np.where(mu >= normal_min_mean, NORMAL, np.where(lumpy, NEGATIVE_BINOMIAL, POISSON))
    return np.where(mu == 0, POISSON, code).astype(np.int8)


def _nb_params(mu: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scipy's nbinom(n, p) with mean mu and variance var > mu."""
    return mu * mu / (var - mu), mu / var


def model_cdf(s: np.ndarray, mu: np.ndarray, var: np.ndarray, code: np.ndarray) -> np.ndarray:
    out = np.empty(s.shape, dtype=np.float64)
    rows = code == POISSON
    if rows.any():
        out[rows] = _poisson_cdf(s[rows], mu[rows])
    rows = code == NEGATIVE_BINOMIAL
    if rows.any():
        n, p = _nb_params(mu[rows], var[rows])
        out[rows] = _nbinom_cdf(s[rows], n, p)
    rows = code == NORMAL
    if rows.any():
        x, m, sd = s[rows], mu[rows], np.sqrt(var[rows])
        z = (x - m) / np.where(sd > 0, sd, 1.0)
        out[rows] = np.where(sd > 0, special.ndtr(z), (x >= m).astype(np.float64))
    return out


def _poisson_cdf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """P(X <= k), X ~ Poisson(mu): the regularised incomplete gamma (scipy.stats.poisson.cdf's own)."""
    k = np.floor(k)
    return np.where(k >= 0, special.pdtr(np.maximum(k, 0), mu), 0.0)


def _poisson_sf(k: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """P(X > k), X ~ Poisson(mu), computed directly (no 1 - cdf cancellation in the tail)."""
    k = np.floor(k)
    return np.where(k >= 0, special.pdtrc(np.maximum(k, 0), mu), 1.0)


def _nbinom_cdf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X <= k), X ~ NB(n, p) (failures before the n-th success): I_p(n, k + 1)."""
    k = np.floor(k)
    return np.where(k >= 0, special.betainc(n, np.maximum(k, 0) + 1, p), 0.0)


def _nbinom_sf(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """P(X > k), X ~ NB(n, p): I_{1-p}(k + 1, n)."""
    k = np.floor(k)
    return np.where(k >= 0, special.betainc(np.maximum(k, 0) + 1, n, 1.0 - p), 1.0)


def model_loss(s: np.ndarray, mu: np.ndarray, var: np.ndarray, code: np.ndarray) -> np.ndarray:
    out = np.empty(s.shape, dtype=np.float64)
    rows = code == POISSON
    if rows.any():
        x, m = s[rows], mu[rows]
        out[rows] = m * _poisson_sf(x - 1, m) - x * _poisson_sf(x, m)
    rows = code == NEGATIVE_BINOMIAL
    if rows.any():
        x, m = s[rows], mu[rows]
        n, p = _nb_params(m, var[rows])
        out[rows] = m * _nbinom_sf(x - 1, n + 1, p) - x * _nbinom_sf(x, n, p)
    rows = code == NORMAL
    if rows.any():
        x, m, sd = s[rows], mu[rows], np.sqrt(var[rows])
        z = (x - m) / np.where(sd > 0, sd, 1.0)
        zc = np.clip(z, -40.0, 40.0)  # phi(40) underflows to 0 anyway
        g = np.exp(-0.5 * zc * zc) / np.sqrt(2.0 * np.pi) - z * special.ndtr(-z)
        out[rows] = np.where(sd > 0, sd * g, np.maximum(m - x, 0.0))
    return np.maximum(out, 0.0)  # float noise far in the tail


def review_quantity(f: np.ndarray, mu_r: np.ndarray) -> np.ndarray:
    """Q = ceil(mu_R), at least 1 when there is demand; 0 without demand (int64)."""
    return np.where(f > 0, np.maximum(ceil_units(mu_r), 1), 0)


def _undershoot(f: np.ndarray, v: np.ndarray, mu_r: np.ndarray) -> np.ndarray:
    """E[U] = (sigma_R^2 + mu_R^2) / (2 mu_R) = (v / f + mu_R) / 2, the renewal approximation of the mean
    undershoot of s; 0 without demand.  (No longer part of the fill rate, which counts the shortage exactly.)"""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(f > 0, 0.5 * (v / f + mu_r), 0.0)


def lead_demand(f: np.ndarray, v: np.ndarray, lead: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean f ell and variance v ell of the demand over the lead time alone, ell = L / D months."""
    months = lead_time_months(lead)
    return f * months, v * months


def _lead_codes(code: np.ndarray, mu_l: np.ndarray, var_l: np.ndarray) -> np.ndarray:
    """The model of the lead-time demand: the family of the protection demand's model (the same v / f ratio);
    Poisson where it has no mean, or where the negative binomial's variance is not above its mean in floats."""
    nb = (code == NEGATIVE_BINOMIAL) & (var_l > mu_l)
    return np.where(code == NORMAL, NORMAL, np.where(nb, NEGATIVE_BINOMIAL, POISSON)).astype(np.int8)


def plan_fill_rate(s: np.ndarray, quantity: np.ndarray, mu: np.ndarray, var: np.ndarray, code: np.ndarray,
               mu_l: np.ndarray, var_l: np.ndarray, mu_r: np.ndarray) -> np.ndarray:
    """Lost-sales fill rate mu_R / (mu_R + short) of the plan (s, s + Q), Q >= 1, in [0, 1] (implied_service's Notes).

    ``mu, var, code``: demand over L + R and its model; ``mu_l, var_l``: over L alone; ``mu_r``: over R.
    1 where nothing is short; R = 0 (mu_R = 0) is the limit R -> 0, short / mu_R -> (loss_L(s) - loss_L(S)) / Q.
    """
    q = np.maximum(quantity, 1.0)
    big_s = s + q
    code_l = _lead_codes(code, mu_l, var_l)
    periodic = mu_r > 0
    ratio = np.empty(s.shape, dtype=np.float64)  # short / mu_R: expected units short per unit of demand
    rows = np.flatnonzero(periodic)
    if rows.size:
        a, b = s[rows] + 1.0, big_s[rows] + 1.0
        m, v, c = mu[rows], var[rows], code[rows]
        ml, vl, cl = mu_l[rows], var_l[rows], code_l[rows]
        short = (_second_loss(a, m, v, c) - _second_loss(b, m, v, c)
                 - _second_loss(a, ml, vl, cl) + _second_loss(b, ml, vl, cl)) / q[rows]
        ratio[rows] = np.maximum(short, 0.0) / mu_r[rows]
    rows = np.flatnonzero(~periodic)
    if rows.size:
        ml, vl, cl = mu_l[rows], var_l[rows], code_l[rows]
        ratio[rows] = np.maximum(model_loss(s[rows], ml, vl, cl) - model_loss(big_s[rows], ml, vl, cl), 0.0) / q[rows]
    return np.where(ratio > 0, 1.0 / (1.0 + ratio), 1.0)


def _second_loss(y: np.ndarray, mu: np.ndarray, var: np.ndarray, code: np.ndarray) -> np.ndarray:
    """B(y) = sum_{k >= y} E[(X - k)+] for whole y (second_order_loss's Notes); 0 where the mean is 0."""
    out = np.zeros(y.shape, dtype=np.float64)
    rows = (code == POISSON) & (mu > 0)
    if rows.any():
        x, m = y[rows], mu[rows]
        out[rows] = 0.5 * (m * m * _poisson_sf(x - 3, m) - 2.0 * (x - 1) * m * _poisson_sf(x - 2, m)
                           + x * (x - 1) * _poisson_sf(x - 1, m))
    rows = (code == NEGATIVE_BINOMIAL) & (mu > 0)
    if rows.any():
        x, m = y[rows], mu[rows]
        n, p = _nb_params(m, var[rows])
        m1 = (n + 1.0) * (1.0 - p) / p  # the mean of NB(n + 1, p)
        out[rows] = 0.5 * (m * m1 * _nbinom_sf(x - 3, n + 2.0, p) - 2.0 * (x - 1) * m * _nbinom_sf(x - 2, n + 1.0, p)
                           + x * (x - 1) * _nbinom_sf(x - 1, n, p))
    rows = code == NORMAL
    if rows.any():
        x, m, sd = y[rows] - 0.5, mu[rows], np.sqrt(var[rows])  # the sum over k >= y as the integral from y - 1/2
        d = x - m
        z = d / np.where(sd > 0, sd, 1.0)
        zc = np.clip(z, -40.0, 40.0)  # phi(40) underflows to 0 anyway
        # sigma^2 G_2(z) = ((sigma^2 + d^2) (1 - Phi(z)) - d sigma phi(z)) / 2, with no z^2 to overflow
        g2 = 0.5 * ((var[rows] + d * d) * special.ndtr(-z) - d * sd * np.exp(-0.5 * zc * zc) / np.sqrt(2.0 * np.pi))
        out[rows] = np.where(sd > 0, g2, 0.5 * np.maximum(-d, 0.0) ** 2)
    return np.maximum(out, 0.0)  # float noise far in the tail


def _levels(q: np.ndarray, mu: np.ndarray, var: np.ndarray, code: np.ndarray, mu_l: np.ndarray, var_l: np.ndarray,
            mu_r: np.ndarray, cut: float) -> LevelFill:
    """fill_rate_levels on checked flat arrays; ``cut`` = 1 - tail."""
    n = mu.size
    top = np.full(n, -1, dtype=np.int64)  # the last level; -1: no levels (no demand)
    walk = np.flatnonzero((mu > 0) & (code != NORMAL))
    chunks: list[tuple[int, np.ndarray, np.ndarray]] = []
    if walk.size:
        top[walk], chunks = _walk(q[walk], mu[walk], var[walk], code[walk], mu_l[walk], var_l[walk], mu_r[walk],
                                  cut=cut)
    normal = np.flatnonzero((mu > 0) & (code == NORMAL))
    if normal.size:  # the closed form, as cdf() at every level: the smallest s past the cut
        m, v, c = mu[normal], var[normal], code[normal]
        top[normal] = smallest_level(lambda rows, s: model_cdf(s, m[rows], v[rows], c[rows]) >= cut,
                                np.ceil(m + 5 * np.sqrt(v)).astype(np.int64))
    count = top + 1
    start = np.cumsum(count) - count
    row = np.repeat(np.arange(n), count)
    level = np.arange(row.size) - start[row]
    fill = np.empty(row.size, dtype=np.float64)
    if walk.size:
        first = start[walk]
        lag = (np.maximum(q[walk], 1.0) - 1.0 + (mu_r[walk] > 0)).astype(np.int64)  # fill(s) comes at level s + lag
        for y, rows, values in chunks:
            fill[first[rows] + (y - lag[rows])] = values
    if normal.size:
        steps = np.flatnonzero(code[row] == NORMAL)
        r, s = row[steps], level[steps].astype(np.float64)
        fill[steps] = plan_fill_rate(s, q[r], mu[r], var[r], code[r], mu_l[r], var_l[r], mu_r[r])
    return LevelFill(row, level, fill)


def _panjer(mu: np.ndarray, var: np.ndarray, code: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Poisson or NB(n, p) as p(k + 1) = p(k) (alpha + beta k) / (k + 1) (Panjer's a = beta, b = alpha - beta),
    and log p(0): Poisson alpha = mu, beta = 0, log p(0) = -mu; NB alpha = n (1 - p), beta = 1 - p, n log p."""
    alpha, beta, log0 = mu.copy(), np.zeros(mu.size), -mu
    nb = np.flatnonzero(code == NEGATIVE_BINOMIAL)
    if nb.size:
        n, p = _nb_params(mu[nb], var[nb])
        beta[nb] = 1.0 - p
        alpha[nb] = n * beta[nb]
        log0[nb] = n * np.log(p)
    return alpha, beta, log0


def _log_pmf(k: float, mu: np.ndarray, var: np.ndarray, code: np.ndarray) -> np.ndarray:
    """log P(X = k), Poisson or negative binomial, in log-gamma form (for the walks whose p(0) underflows)."""
    out = -mu + k * np.log(mu) - special.gammaln(k + 1.0)  # Poisson (mu > 0 where p(0) underflows)
    nb = np.flatnonzero(code == NEGATIVE_BINOMIAL)
    if nb.size:
        n, p = _nb_params(mu[nb], var[nb])
        out[nb] = special.gammaln(k + n) - special.gammaln(n) - special.gammaln(k + 1.0) + n * np.log(p) + k * np.log1p(-p)
    return out


def _walk(quantity: np.ndarray, mu: np.ndarray, var: np.ndarray, code: np.ndarray, mu_l: np.ndarray,
          var_l: np.ndarray, mu_r: np.ndarray, *, cut: float | None = None,
          goal: np.ndarray | None = None) -> tuple[np.ndarray, list[tuple[int, np.ndarray, np.ndarray]] | np.ndarray]:
    """The fill rate of the plans (s, s + Q) of Poisson and NB rows, by walking their levels (fill_rate_levels' Notes).

    One vector step per level k = 0, 1, ... over the rows still walking: p(k) by Panjer's recursion and F(k) by a
    running sum, for X_{L+R} and X_L, and the loss difference d(k) = L_{L+R}(k) - L_L(k) by its own running sum;
    fill(s) once the window of Q differences k = s + 1..s + Q is known (R = 0: P(X_L > k), k = s..s + Q - 1), at
    level k = s + lag.

    ``cut``: a row walks up to its last level, the smallest s with P(X_{L+R} <= s) >= cut; returns that level per
    row, and the fills as chunks (level k, rows, fill(k - lag)) of the rows with k - lag >= 0.
    ``goal``: a row stops at the smallest s with fill(s) >= goal; returns s per row and the fill rate at it (the
    walk's value, within about 1e-11 of :func:`plan_fill_rate`; the closed form's where it decided).
    Where a running value falls within a band of its cut-off or goal, the closed form decides.
    """
    n = mu.size
    q = np.maximum(quantity, 1.0)
    periodic = mu_r > 0
    width = int(q.max(initial=1.0))  # a ring of the last Q differences, when some Q > 1
    code_l = _lead_codes(code, mu_l, var_l)
    a_p, b_p, log0_p = _panjer(mu, var, code)
    a_l, b_l, log0_l = _panjer(mu_l, var_l, code_l)
    tiny = [(name, log0 < _LOG_TINY, m, v, c) for name, log0, m, v, c in (("p_p", log0_p, mu, var, code),
                                                                         ("p_l", log0_l, mu_l, var_l, code_l))]
    tiny = [(name, rows, m, v, c) for name, rows, m, v, c in tiny if rows.any()]  # p(0) underflows: log-gamma form
    found = np.full(n, -1, dtype=np.int64)  # the last level (cut) or the chosen s (goal), per row
    promise = np.full(n, np.nan)  # goal: the fill rate at the chosen s
    live = {  # per row still walking, compacted together as rows leave
        "idx": np.arange(n, dtype=np.int32 if n < 2**31 else np.int64), "q": q, "qi": q.astype(np.int64),
        "lag": (q - 1.0 + periodic).astype(np.int64), "per": np.where(periodic, mu_r, 1.0), "periodic": periodic,
        "a_p": a_p, "b_p": b_p, "a_l": a_l, "b_l": b_l, "p_p": np.exp(log0_p), "p_l": np.exp(log0_l),
        "c_p": np.zeros(n), "c_l": np.zeros(n), "g": np.zeros(n), "d": mu - mu_l, "w": np.zeros(n),
        "top": np.full(n, -1, dtype=np.int64),
    }
    for name, rows, m, v, c in tiny:
        live[name][rows] = np.exp(_log_pmf(0.0, m[rows], v[rows], c[rows]))
        live["tiny_" + name] = rows
    if goal is not None:
        live["goal"] = goal
    ring = np.zeros(0)
    if width > 1:  # each row's last Q differences, slot k mod Q of its own stretch of one flat array
        ring = np.zeros(int(live["qi"].sum()))
        live["slot0"] = np.cumsum(live["qi"]) - live["qi"]
    chunks: list[tuple[int, np.ndarray, np.ndarray]] = []
    alive = np.ones(n, dtype=bool)  # rows not yet done (the done ones leave at the next compaction)
    k = 0
    while True:
        idx, q, lag, top = live["idx"], live["q"], live["lag"], live["top"]
        c_p, c_l = live["c_p"], live["c_l"]
        c_p += live["p_p"]  # F(k)
        c_l += live["p_l"]
        live["g"] += live["p_l"] - live["p_p"]  # F_L(k) - F_{L+R}(k) = P(X_{L+R} > k) - P(X_L > k)
        d = np.where(live["periodic"], live["d"], 1.0 - c_l)  # L_{L+R}(k) - L_L(k), or P(X_L > k)
        if width > 1:  # the window of the last Q differences: exact for Q = 1, a running sum above
            at = live["slot0"] + k % live["qi"]
            old = ring[at]  # the difference at k - Q, leaving the window (0 before level 0)
            ring[at] = d
            live["w"] = np.where(q == 1.0, d, live["w"] + d - old)
        else:
            live["w"] = d
        ratio = np.maximum(live["w"] / q, 0.0) / live["per"]  # short(s) / mu_R
        fill = np.where(ratio > 0, 1.0 / (1.0 + ratio), 1.0)
        s = k - lag  # the level whose fill is known now
        ready = alive & (s >= 0)
        if cut is not None:
            new = alive & (top < 0)
            hit = new & (c_p >= cut)
            near = np.flatnonzero(new & (np.abs(c_p - cut) <= _CDF_BAND))
            if near.size:
                r = idx[near]
                hit[near] = model_cdf(np.full(near.size, float(k)), mu[r], var[r], code[r]) >= cut
            top[hit] = k
            chunks.append((k, idx[ready], fill[ready]))
            done = ready & (s == top)
        else:
            g = live["goal"]
            done = ready & (fill >= g)
            near = np.flatnonzero(ready & (np.abs(fill - g) <= _FILL_BAND))
            if near.size:
                r = idx[near]
                fill[near] = plan_fill_rate(s[near].astype(np.float64), quantity[r], mu[r], var[r], code[r], mu_l[r],
                                            var_l[r], mu_r[r])
                done[near] = fill[near] >= g[near]
            promise[idx[done]] = fill[done]
        found[idx[done]] = s[done]
        alive &= ~done
        left = int(np.count_nonzero(alive))
        if left == 0:
            return found, (chunks if goal is None else promise)
        live["d"] -= live["g"]  # d(k + 1) = d(k) - (F_L(k) - F_{L+R}(k))
        step = 1.0 / (k + 1.0)
        live["p_p"] *= (live["a_p"] + live["b_p"] * k) * step  # p(k + 1) = p(k) (alpha + beta k) / (k + 1)
        live["p_l"] *= (live["a_l"] + live["b_l"] * k) * step
        k += 1
        for name, _, m, v, c in tiny:
            rows = np.flatnonzero(live["tiny_" + name])
            if rows.size:
                r = idx[rows]
                live[name][rows] = np.exp(_log_pmf(float(k), m[r], v[r], c[r]))
        if k > _MAX_LEVELS:
            raise RuntimeError(f"the walk of the stock levels passed {_MAX_LEVELS:,} levels")  # pragma: no cover
        if left < 0.75 * alive.size or (goal is not None and left <= _TAIL_ROWS):  # let the done rows go
            live = {key: value[alive] for key, value in live.items()}
            alive = np.ones(left, dtype=bool)
        if goal is not None and left <= _TAIL_ROWS:  # the few rows left walk many levels per step
            _walk_tail(live, k, width, ring, tiny, found, promise, (quantity, mu, var, code, mu_l, var_l, mu_r))
            return found, promise


def _walk_tail(live: dict[str, np.ndarray], k: int, width: int, ring: np.ndarray, tiny: list[tuple],
               found: np.ndarray, promise: np.ndarray, model: tuple[np.ndarray, ...]) -> None:
    """:func:`_walk` with a goal, from level k on, for the rows in ``live``: the same steps, many levels at a time.

    The running values of K levels come from accumulations along each row (``np.multiply.accumulate`` and
    ``np.add.accumulate`` apply the walk's own operations in its own order: p(j + 1) = p(j) x factor(j), F(j) =
    F(j - 1) + p(j), and so on), so every value, and so every s and fill, is the level-by-level walk's to the
    last bit; a row's levels past its s are computed and dropped.  ``found``, ``promise``: written per row.
    """
    quantity, mu, var, code, mu_l, var_l, mu_r = model
    if width > 1:  # the ring of the last Q differences as a history: d at levels k - width .. k - 1, of which a
        x = (k - width + np.arange(width))[None, :]  # row reads its last Q (0 before level 0)
        qi = live["qi"][:, None]
        held = ring[live.pop("slot0")[:, None] + x % qi]
        live["hist"] = np.where((x >= 0) & (x >= k - qi), held, 0.0)
    while live["idx"].size:
        n = live["idx"].size
        depth = int(min(_TAIL_LEVELS, max(16, _TAIL_CELLS // n)))
        levels = k + np.arange(depth + 1)
        kf = levels.astype(np.float64)
        step = 1.0 / (kf[:depth] + 1.0)
        pmf = {}
        for name, a, b in (("p_p", "a_p", "b_p"), ("p_l", "a_l", "b_l")):  # p at levels k .. k + depth
            chain = np.empty((n, depth + 1))
            chain[:, 0] = live[name]
            chain[:, 1:] = (live[a][:, None] + live[b][:, None] * kf[None, :depth]) * step[None, :]
            pmf[name] = np.multiply.accumulate(chain, axis=1)
        for name, _, m, v, c in tiny:
            rows = np.flatnonzero(live["tiny_" + name])
            if rows.size:
                r = live["idx"][rows]
                pmf[name][rows, 1:] = np.exp(_log_pmf(kf[None, 1:], m[r][:, None], v[r][:, None], c[r][:, None]))
        p_p, p_l = pmf["p_p"][:, :depth], pmf["p_l"][:, :depth]

        def run(start: np.ndarray, terms: np.ndarray) -> np.ndarray:  # start, start + t0, (start + t0) + t1, ...
            return np.add.accumulate(np.concatenate([start[:, None], terms], axis=1), axis=1)

        c_l = run(live["c_l"], p_l)[:, 1:]  # F_L(k + j)
        c_p = run(live["c_p"], p_p)[:, 1:]
        g = run(live["g"], p_l - p_p)[:, 1:]
        d_state = run(live["d"], -g)  # d(k + j) - g(k + j) is d(k + j) + (-g(k + j)), bit for bit
        d = np.where(live["periodic"][:, None], d_state[:, :depth], 1.0 - c_l)
        q = live["q"][:, None]
        if width > 1:
            seq = np.concatenate([live["hist"], d], axis=1)
            old = np.take_along_axis(seq, width + np.arange(depth)[None, :] - live["qi"][:, None], axis=1)
            terms = np.empty((n, 2 * depth))
            terms[:, 0::2], terms[:, 1::2] = d, -old  # w + d - old, as the walk adds and subtracts
            w = np.where(q == 1.0, d, run(live["w"], terms)[:, 2::2])
        else:
            w = d
        ratio = np.maximum(w / q, 0.0) / live["per"][:, None]
        fill = np.where(ratio > 0, 1.0 / (1.0 + ratio), 1.0)
        s = levels[None, :depth] - live["lag"][:, None]
        goal = live["goal"][:, None]
        ready = s >= 0
        done = ready & (fill >= goal)
        rr, jj = np.nonzero(ready & (np.abs(fill - goal) <= _FILL_BAND))
        if rr.size:  # within the band: the closed form decides, as in the walk
            r = live["idx"][rr]
            fill[rr, jj] = plan_fill_rate(s[rr, jj].astype(np.float64), quantity[r], mu[r], var[r], code[r], mu_l[r],
                                          var_l[r], mu_r[r])
            done[rr, jj] = fill[rr, jj] >= live["goal"][rr]
        first = np.argmax(done, axis=1)
        ended = np.flatnonzero(done.any(axis=1))
        found[live["idx"][ended]] = s[ended, first[ended]]
        promise[live["idx"][ended]] = fill[ended, first[ended]]
        live.update(p_p=pmf["p_p"][:, depth], p_l=pmf["p_l"][:, depth], c_p=c_p[:, -1], c_l=c_l[:, -1], g=g[:, -1],
                    d=d_state[:, depth], w=w[:, -1])
        if width > 1:
            live["hist"] = seq[:, -width:]
        kept = ~done.any(axis=1)
        live = {key: value[kept] for key, value in live.items()}
        k += depth
        if k > _MAX_LEVELS:
            raise RuntimeError(f"the walk of the stock levels passed {_MAX_LEVELS:,} levels")  # pragma: no cover


def _check_levels(goal: np.ndarray, mu: np.ndarray, var: np.ndarray, **shown: np.ndarray) -> None:
    """The normal guess of every reorder point at most :data:`~spareopt.policy.seed.MAX_UNITS`: beyond it no whole
    level fits the int64 of the levels (the search ran out of doublings, an internal error)."""
    with np.errstate(over="ignore", invalid="ignore"):
        guess = mu + special.ndtri(goal) * np.sqrt(var)
    if guess.size and not guess.max() <= MAX_UNITS:
        require(guess <= MAX_UNITS, f"`reorder_point` must be at most {MAX_UNITS:,.0f} units", hint=LEVEL_FIX,
                **shown)


def _normal_guess(goal: np.ndarray, mu: np.ndarray, var: np.ndarray) -> np.ndarray:
    """First guess of the smallest s: the normal quantile ceil(mu + z sigma), at least 0 (int64)."""
    return ceil_units(mu + special.ndtri(goal) * np.sqrt(var))


def smallest_level(meets: Callable[[np.ndarray, np.ndarray], np.ndarray], guess: np.ndarray) -> np.ndarray:
    """The smallest whole s >= 0 with ``meets(rows, s)`` True, per row; ``meets`` is non-decreasing in s.

    Keeps ``low`` (every level below it fails) and ``high`` (a level that passes), found by
    doubling steps down from a passing guess or up from a failing one, then halves [low, high].
    """
    every = np.arange(guess.size)
    high = guess.astype(np.int64)
    ok = meets(every, high.astype(np.float64))
    low = np.where(ok, 0, high + 1)
    high = np.where(ok, high, -1)  # -1: no passing level known yet
    step = 1
    for _ in range(_MAX_STEPS - 2):  # up from failing guesses (2^62 units: int64 stays exact)
        rows = np.flatnonzero(high < 0)
        if rows.size == 0:
            break
        probe = low[rows] + step - 1
        ok = meets(rows, probe.astype(np.float64))
        high[rows[ok]] = probe[ok]
        low[rows[~ok]] = probe[~ok] + 1
        step *= 2
    else:
        raise RuntimeError("no stock level meets the target after 62 doublings")  # pragma: no cover
    step = 1
    unsure = low < high  # passing guesses: is a lower level enough?
    for _ in range(_MAX_STEPS):  # down from passing guesses, while the probe still passes
        rows = np.flatnonzero(unsure)
        if rows.size == 0:
            break
        probe = np.maximum(high[rows] - step, low[rows])
        ok = meets(rows, probe.astype(np.float64))
        high[rows[ok]] = probe[ok]
        low[rows[~ok]] = probe[~ok] + 1
        unsure[rows[~ok | (probe == low[rows])]] = False
        step *= 2
    for _ in range(_MAX_STEPS):  # bisection of [low, high]
        rows = np.flatnonzero(low < high)
        if rows.size == 0:
            return high
        mid = (low[rows] + high[rows]) // 2
        ok = meets(rows, mid.astype(np.float64))
        high[rows[ok]] = mid[ok]
        low[rows[~ok]] = mid[~ok] + 1
    raise RuntimeError("the bisection of the stock level did not converge")  # pragma: no cover


# -- checks ----------------------------------------------------------------------------------------

_ROUND_PLAN = "Round the plan up to whole units (spareopt.policy.ceil_units)."


def _model_switch(normal_min_mean: float, overdispersion_min: float) -> None:
    """The demand model switch of :func:`demand_model`, checked as settings."""
    number("normal_min_mean", normal_min_mean, least=0, greatest=np.inf,
           hint="The mean demand over the protection interval, in units, from which the normal model is used "
                "(default 10; inf: never).")
    number("overdispersion_min", overdispersion_min, least=1,
           hint="The negative binomial needs a variance above its mean (default 1.1).")


def _distribution_args(s: ArrayLike, mean: ArrayLike, variance: ArrayLike,
                       model: ArrayLike) -> tuple[np.ndarray, ...]:
    x = whole("s", s, least=None)
    code = one_of("model", np.asarray(model), (POISSON, NEGATIVE_BINOMIAL, NORMAL), error=InputError,
                  hint=f"Codes are positions in {DEMAND_MODELS} (see demand_model).")
    x, mu, var, code = np.broadcast_arrays(x, nonnegative("mean", mean), nonnegative("variance", variance), code)
    require(~((code == NEGATIVE_BINOMIAL) & ~((var > mu) & (mu > 0))), "a negative binomial row needs variance > "
            "mean > 0", mean=mu, variance=var, hint="Choose the model with demand_model")
    return x, mu, var, code
