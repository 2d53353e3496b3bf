r"""Calibrate the lead-time demand models on the history itself: a rolling-origin backtest.

read -> demand matrix -> **as_of less ``backtest_months``: fit every lead-time demand model, plan every
series for its target, replay the months after -> per demand pattern, the model and variance scale whose
promised fill the replay delivers, at the least stock** -> the demand model of the plan

A service target is a promise, and the promise holds only when the demand model's uncertainty is the
uncertainty the series really show.  Spare-parts demand is lumpy and drifts, so no model is right
everywhere.  :func:`calibrate` asks the planner's own history which model to trust for each demand
pattern, and how much to widen (or narrow) its variance: it moves the forecast origin back
``backtest_months``, plans with each model and each scale, replays the held-back months with the
replay of :func:`spareopt.replay.replay` (the same timing model, :mod:`spareopt.timing`), and keeps, per
pattern, the smallest scale whose achieved fill reaches the fill the plan promised; among the
models so calibrated, the one that needs the least stock.  This is the rolling-origin evaluation
of statsforecast's ``cross_validation``, with one origin and a service score, vectorised over the
matrix; the principle is Gneiting, Balabdaoui & Raftery's (2007): maximise the sharpness of a
predictive distribution subject to its calibration.

References
----------
Gneiting, T., Balabdaoui, F. & Raftery, A. E. (2007). Probabilistic forecasts, calibration and
sharpness. *JRSS B* 69(2):243-268.

Tashman, L. J. (2000). Out-of-sample tests of forecasting accuracy: an analysis and review. *IJF*
16(4):437-450: rolling-origin evaluation.

One topic, one module: the lead-time demand model and its rolling-origin backtest.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from . import blocks as blockwise
from .classify.pattern import PATTERNS, demand_pattern
from .forecast.intermittent import auto, forecast, tsb
from .forecast.lead_time import (
    LEAD_TIME_DEMAND_MODELS,
    OBSOLESCENCE,
    GammaPrior,
    forecast_error_variance,
    lead_time_sums,
    posterior,
)
from .policy.service import fill_rate_plan, implied_service, reorder_point_for
from .replay import replay
from .timing import lead_time_months, protection_months
from .validate import one_of

__all__ = [
    "AUTO_CANDIDATES",
    "BATCH_ROWS",
    "OBSOLESCENCE",
    "SCALES",
    "STOPPED_ALPHA",
    "Calibration",
    "DemandInputs",
    "DemandSums",
    "FailureRate",
    "InstalledBase",
    "LeadTimeDemand",
    "Obsolescence",
    "backtest_sums",
    "calibrate",
    "choose",
    "demand_inputs",
    "demand_sums",
    "failure_rate",
    "installed_base",
    "installed_base_mean",
    "lead_time_demand",
    "network_quantity",
    "obsolescence",
    "sample_mask",
    "series_keys",
    "stopped",
]

AUTO_CANDIDATES = ("monthly_variance", "empirical", "poisson_gamma")
"""The models ``lead_time_demand = "auto"`` chooses among, per demand pattern."""

STOPPED_ALPHA = 0.05
"""A series has stopped when a gap as long as its months since the last sale had less than this probability."""

SCALES = (0.5, 0.7, 1.0, 1.4, 2.0, 2.8, 4.0, 5.6, 8.0, 11.0, 16.0, 22.0, 32.0)
"""Variance scales the backtest tries, smallest first."""

MAX_BACKTEST_SERIES = 30_000
"""The backtest replays at most about this many series (an even sample by a hash of dealer and part)."""

BATCH_ROWS = 1 << 16
"""The backtest plans and replays its models x scales in runs of about this many series: a small backtest (a few
hundred series x 39 models and scales) costs one vector call, not 39, and a large one stays small in memory.  Each
series is planned and replayed on its own, so the sums do not depend on it."""

CALIBRATION_TOLERANCE = 0.01
"""A pattern is calibrated when its achieved fill is at least the promised fill less this."""

MIN_GROUP_SERIES = 30
"""A pattern x attribute group with fewer series takes its pattern's prior."""

_SIX_MONTHS = 6
_FITTED_MODELS = tuple(model for model in LEAD_TIME_DEMAND_MODELS if model != "auto")  # what _fit_model fits
_ATTRIBUTES = np.array(["A", "B", "C"])
_N_GROUPS = len(PATTERNS) * len(_ATTRIBUTES)
_SUMS = ("weight", "promised", "filled", "demand", "stock", "series")  # the backtest's sums, in this order


@dataclass(frozen=True, eq=False)
class LeadTimeDemand:
    """The demand model of every series: monthly mean f and variance v, over P months f P and v P."""

    forecast: np.ndarray
    """f, units/month."""
    variance: np.ndarray
    """v, units^2/month, such that the demand over the protection interval P has variance v P."""
    model: np.ndarray
    """Code of each series' model, a position in the ``models`` it was chosen from (int8)."""
    scale: np.ndarray
    """The variance scale applied (1 without a backtest)."""
    declined: np.ndarray | None = None
    """The series whose demand stopped and whose forecast TSB's lowered (``obsolescence``; bool)."""
    informed: np.ndarray | None = None
    """bool per series: its poisson_gamma prior came from the installed base (None: no installed base)."""
    failure_rate: FailureRate | None = None
    """The failure rate fitted on the installed base (None: none fitted)."""


@dataclass(frozen=True, eq=False)
class InstalledBase:
    """The parts' installed base: units of the vehicles (or equipment) that carry each part, in the field.

    The parts master's ``installed_base`` column; :func:`installed_base` builds it from the part fields.
    """

    units: np.ndarray
    """Per part (the demand matrix's part codes), units in the field; NaN: unknown."""
    attribute: np.ndarray
    """Per part, the three-in-one attribute A, B or C (its failure-rate group)."""
    part: np.ndarray | None = None
    """Per series, its part code (None: only the network's inputs are wanted)."""
    dealer: np.ndarray | None = None
    """Per series, its dealer code (None: no dealers, one site or the network's total)."""


def installed_base(fields: pd.DataFrame, part: np.ndarray | None = None,
                   dealer: np.ndarray | None = None) -> InstalledBase | None:
    """The :class:`InstalledBase` of the part fields (:func:`spareopt.parts.part_fields`); None when no part has
    an installed base > 0 (then every result is the one without the column)."""
    if "installed_base" not in fields:
        return None
    units = fields["installed_base"].to_numpy(dtype=np.float64)
    if not (units > 0).any():
        return None
    return InstalledBase(units, fields["attribute"].to_numpy(dtype="<U1"), part, dealer)


@dataclass(frozen=True, eq=False)
class FailureRate:
    """Demand per unit in the field and month, fitted on the parts that have both an installed base and demand."""

    rate: np.ndarray
    """(3,): the rate r of attribute A, B and C: its own, or the overall rate where it has too few parts."""
    own: np.ndarray
    """(3,) bool: the attribute's own rate (at least :data:`MIN_GROUP_SERIES` parts), not the overall one."""
    overall: float
    """r over every attribute."""
    parts: np.ndarray
    """(3,) int: the parts the rate was fitted on, per attribute."""
    window_demand: float
    """The network's demand over the window, units: the denominator of a dealer's share."""
    shape: float
    """The gamma shape of the prior pooled over every series: the coefficient of variation kept where a group
    prior has none (a group without any sale)."""
    dispersion: float
    """c^2, the squared coefficient of variation of a part's rate about r x IB that the fitted parts show beyond
    Poisson noise (NaN: fewer than two parts).  A series takes the installed base's prior only where c^2 is at
    most its group prior's squared coefficient of variation 1 / a: where the base predicts its rate at least as
    well as the group does."""


@dataclass(frozen=True, eq=False)
class Calibration:
    """What the backtest chose for each demand pattern (:func:`choose`)."""

    model: np.ndarray
    """Per pattern (a position in :data:`PATTERNS`), the chosen model's position in the candidates (int8)."""
    scale: np.ndarray
    """Per pattern, the variance scale."""
    calibrated: np.ndarray
    """Per pattern, whether some scale made the promise hold in the backtest (bool)."""
    table: pd.DataFrame
    """One row per pattern and candidate model at its chosen scale: ``pattern``, ``model``, ``scale``,
    ``series``, ``demand``, ``promised_fill_rate``, ``achieved_fill_rate``, ``stock_value``, ``chosen``."""
    obsolescence: Obsolescence | None = None
    """What the backtest found for the stopped series (``obsolescence = "auto"``)."""


@dataclass(frozen=True, eq=False)
class DemandSums:
    """What the lead-time demand models need from the whole network, as sums over its series (additive: the
    stream and dask engines add the dealer sets' sums, :func:`demand_sums`)."""

    groups: np.ndarray
    """(pattern x attribute, 3): series, sum of k and of k^2 over the window up to as_of (k: units)."""
    origin_groups: np.ndarray | None
    """The same at the backtest's origin (None: no backtest)."""
    wake: np.ndarray
    """(3,): series without a sale in the window before the last ``backtest_months``, and the sums of k and k^2
    of what they sold in those months."""
    eligible: int
    """Series with a sale in the 6 months before the origin: the backtest's population."""
    months: int
    """n, months in the window."""
    origin_months: int
    wake_months: int
    part_half_year: np.ndarray | None = None
    """Per part (the network's part codes), units sold in the last 6 months over every dealer: the quantity the
    seed's rule 4 reads with ``low_volume_basis = "network"``."""
    part_window: np.ndarray | None = None
    """Per part, units sold over the window by every dealer: the failure rate's numerator (with an installed
    base only)."""
    decline: np.ndarray | None = None
    """(2, patterns, 4) at the backtest's origin, for ``obsolescence`` none and tsb: the stopped series, their
    absolute error sum |H f - y| over the held-back months, their forecast H f and their demand y (None: no
    backtest)."""

    def __add__(self, other: DemandSums) -> DemandSums:
        origin = None if self.origin_groups is None else self.origin_groups + other.origin_groups
        parts = None if self.part_half_year is None else self.part_half_year + other.part_half_year
        window = None if self.part_window is None else self.part_window + other.part_window
        decline = None if self.decline is None else self.decline + other.decline
        return DemandSums(self.groups + other.groups, origin, self.wake + other.wake, self.eligible + other.eligible,
                          self.months, self.origin_months, self.wake_months, parts, part_window=window,
                          decline=decline)


@dataclass(frozen=True, eq=False)
class DemandInputs:
    """The network-level inputs of the lead-time demand model (:func:`demand_inputs`)."""

    prior: GammaPrior
    """Per pattern x attribute group, the gamma prior at as_of."""
    origin_prior: GammaPrior | None
    """The same at the backtest's origin."""
    wake: tuple[float, float] | None
    """The gamma prior (a, b) of the rate of parts without a sale in the window, or None."""
    fraction: float
    """The share of the eligible series the backtest replays."""
    calibration: Calibration | None = None
    part_half_year: np.ndarray | None = None
    """Per part, the network's half-year quantity (:attr:`DemandSums.part_half_year`), rounded as the priors."""
    failure_rate: FailureRate | None = None
    """The installed base's failure rate (:func:`demand_inputs` with an installed base), or None."""
    obsolescence: Obsolescence | None = None
    """What the backtest found for the stopped series of each pattern (None: no backtest)."""


@dataclass(frozen=True, eq=False)
class Obsolescence:
    """Per demand pattern, whether a stopped series takes the TSB forecast (:func:`obsolescence`)."""

    tsb: np.ndarray
    """Per pattern (a position in :data:`PATTERNS`), True: the TSB forecast where lower (bool)."""
    table: pd.DataFrame
    """Per pattern and option (none, tsb): ``pattern``, ``obsolescence``, ``stopped`` (series), ``error`` (Σ |H f - y|
    over the stopped series), ``forecast`` (Σ H f), ``demand`` (Σ y), ``chosen``."""


def _round(x: np.ndarray) -> np.ndarray:
    """x to 30 significant bits, so that sums added in another order (the engines' dealer sets) give the same
    prior bit for bit."""
    mantissa, exponent = np.frexp(np.asarray(x, dtype=np.float64))
    return np.ldexp(np.round(mantissa * (1 << 30)) / (1 << 30), exponent)


def _prior_from(sums: np.ndarray, months: int) -> GammaPrior:
    """The method-of-moments gamma prior (:func:`spareopt.forecast.lead_time.gamma_prior`) of each group from its
    sums; a pattern x attribute group of fewer than :data:`MIN_GROUP_SERIES` series takes its pattern's."""
    by_pattern = sums.reshape(len(PATTERNS), len(_ATTRIBUTES), 3).sum(axis=1)
    small = sums[:, 0] < MIN_GROUP_SERIES
    return _moments_prior(np.where(small[:, None], np.repeat(by_pattern, len(_ATTRIBUTES), axis=0), sums), months)


def _moments_prior(use: np.ndarray, months: int) -> GammaPrior:
    """Gamma(a, b) from rows of (series, sum of k, sum of k^2) over ``months`` months each (method of moments)."""
    count, k, k2 = use[:, 0], use[:, 1], use[:, 2]
    n = float(months)
    with np.errstate(invalid="ignore", divide="ignore"):
        m = k / (count * n)
        var = np.where(count > 1, (k2 / (n * n) - count * m * m) / (count - 1), 0.0)
        noise = k / (count * n * n)
        v = np.maximum(var - noise, _PRIOR_MIN_CV2 * m * m)
        a = np.where(m > 0, m * m / v, 0.0)
        b = np.where(m > 0, m / v, 1.0)
    return GammaPrior(_round(np.nan_to_num(a)), _round(np.where(np.isfinite(b), b, 1.0)))


_PRIOR_MIN_CV2 = 0.01


def _group_code(pattern: np.ndarray, attribute: np.ndarray | None) -> np.ndarray:
    attr = np.ones(len(pattern), np.int64) if attribute is None else np.searchsorted(_ATTRIBUTES, attribute)
    return pattern.astype(np.int64) * len(_ATTRIBUTES) + np.minimum(attr, len(_ATTRIBUTES) - 1)


def _group_sums(window: np.ndarray, code: np.ndarray) -> np.ndarray:
    k = window.sum(axis=1)
    return np.stack([np.bincount(code, minlength=_N_GROUPS).astype(np.float64),
                     np.bincount(code, weights=k, minlength=_N_GROUPS),
                     np.bincount(code, weights=k * k, minlength=_N_GROUPS)], axis=1)


def _window(demand: np.ndarray, months: int) -> np.ndarray:
    return demand[:, max(0, demand.shape[1] - months):]


def _pattern(demand: np.ndarray, cfg: Any) -> np.ndarray:
    return demand_pattern(_window(demand, cfg.pattern_window_months), adi_cutoff=cfg.adi_cutoff,
                          cv2_cutoff=cfg.cv2_cutoff).code.astype(np.int64)


def demand_sums(demand: np.ndarray, pattern: np.ndarray, attribute: np.ndarray | None, cfg: Any, *,
                new: np.ndarray | None = None, base: InstalledBase | None = None) -> DemandSums:
    """The sums of :class:`DemandSums` over these series (one dealer set, or the whole network).

    ``new``: the rows of parts listed without any sale (a planner's ``min_stock``, an installed base;
    :func:`spareopt.history.with_parts`); they say nothing of similar parts' rates and are left out.
    ``base``: with the series' part codes, the per-part window sums of the failure rate are added.
    """
    size = blockwise.BLOCK_ROWS
    if base is None and len(demand) > size:  # additive: the blocks' sums, added in block order
        parts: list[DemandSums | None] = [None] * -(-len(demand) // size)

        def block(rows: slice) -> None:
            parts[rows.start // size] = demand_sums(demand[rows], pattern[rows],
                                                          None if attribute is None else attribute[rows], cfg,
                                                          new=None if new is None else new[rows])

        blockwise.for_each_block(block, len(demand), size)
        return functools.reduce(operator.add, parts)
    part = None if base is None else base.part
    if new is not None and new.any():
        keep = ~new
        demand, pattern = demand[keep], pattern[keep]
        attribute = None if attribute is None else attribute[keep]
        part = None if part is None else part[keep]
    part_window = None if part is None else np.bincount(
        part, weights=_window(demand, cfg.dispersion_window_months).sum(axis=1), minlength=len(base.units))
    months = demand.shape[1]
    window = cfg.dispersion_window_months
    horizon = int(cfg.backtest_months)
    groups = _group_sums(_window(demand, window), _group_code(pattern, attribute))
    origin, eligible, origin_months, decline = None, 0, 0, None
    if horizon >= 1 and months - horizon >= _SIX_MONTHS:
        train = demand[:, :months - horizon]
        origin_pattern = _pattern(train, cfg)
        origin = _group_sums(_window(train, window), _group_code(origin_pattern, attribute))
        eligible = int((train[:, -_SIX_MONTHS:].sum(axis=1) > 0).sum())
        origin_months = _window(train, window).shape[1]
        decline = _decline_sums(train, demand[:, months - horizon:], origin_pattern, cfg)
    wake_horizon = horizon or 12
    wake, wake_months = np.zeros(3), 0
    if months >= wake_horizon + 2:
        before = demand[:, max(0, months - wake_horizon - window):months - wake_horizon]
        after = demand[~(before > 0).any(axis=1), months - wake_horizon:].sum(axis=1)
        wake, wake_months = np.array([float(after.size), after.sum(), (after * after).sum()]), wake_horizon
    return DemandSums(groups, origin, wake, eligible, _window(demand, window).shape[1], origin_months, wake_months,
                      part_window=part_window, decline=decline)


def demand_inputs(sums: DemandSums, base: InstalledBase | None = None) -> DemandInputs:
    """The priors, and the backtest's sample share, from the network's :class:`DemandSums`; with ``base``, the
    installed base's failure rate (:func:`failure_rate`)."""
    wake = None
    if sums.wake_months and sums.wake[0] > 0 and sums.wake[1] > 0:
        prior = _moments_prior(np.array([sums.wake]), sums.wake_months)
        wake = (float(prior.shape[0]), float(prior.rate[0]))
    origin = None if sums.origin_groups is None else _prior_from(sums.origin_groups, sums.origin_months)
    fraction = 1.0 if sums.eligible <= MAX_BACKTEST_SERIES else MAX_BACKTEST_SERIES / sums.eligible
    parts = None if sums.part_half_year is None else network_quantity(sums.part_half_year)
    rate = None if base is None or sums.part_window is None else failure_rate(sums, base)
    decline = None if sums.decline is None else obsolescence(sums.decline)
    return DemandInputs(_prior_from(sums.groups, sums.months), origin, wake, fraction, part_half_year=parts,
                        failure_rate=rate, obsolescence=decline)


def failure_rate(sums: DemandSums, base: InstalledBase) -> FailureRate | None:
    r"""Demand per unit in the field and month, per attribute, on the parts that have an installed base and demand.

    Parameters
    ----------
    sums : DemandSums
        The network's sums, with ``part_window`` W_p (units sold over the n-month window, every dealer).
    base : InstalledBase
        IB_p and the attribute of every part.

    Returns
    -------
    FailureRate or None
        None when no part has both an installed base > 0 and demand in the window.

    Notes
    -----
    Over the parts p of attribute g with IB_p > 0 and W_p > 0 (W_p rounded as the priors, so that
    every engine fits the same rate):

    .. math::  r_g = \frac{\sum_p W_p}{n \sum_p \mathrm{IB}_p},

    the installed-base method of spare-parts demand: demand is the fleet in the field times a failure
    (replacement) rate per unit and period (Dekker, Pinçe, Zuidwijk & Jalil 2013, section 4.1;
    Jalil, Zuidwijk, Fleischmann & van Nunen 2011).  An attribute with fewer than
    :data:`MIN_GROUP_SERIES` such parts takes the rate of all of them together.

    How well the installed base predicts a part's demand is fitted too, by the method of moments of
    :func:`spareopt.forecast.lead_time.gamma_prior`: with theta_p = W_p / (n r_g IB_p), whose mean is
    about 1 and whose Poisson noise is theta_p / (n r_g IB_p),

    .. math::  c^2 = \max\left(\widehat{\mathrm{Var}}(\theta) - \overline{\theta / (n r \mathrm{IB})},
               \; 0.01\right),

    A series takes the installed base's prior mean only where c^2 <= 1 / a, its group prior's squared
    coefficient of variation: where the installed base predicts a part's rate at least as well as
    the part's group does.  Where it explains demand poorly (counts of installations of very
    different use), the group prior stays.

    References
    ----------
    Dekker, R., Pinçe, Ç., Zuidwijk, R. & Jalil, M. N. (2013). On the use of installed base information for
    spare parts logistics: a review of ideas and industry practice. *IJPE* 143(2):536-545.

    Jalil, M. N., Zuidwijk, R. A., Fleischmann, M. & van Nunen, J. A. E. E. (2011). Spare parts logistics and
    installed base information. *JORS* 62(3):442-457.

    Examples
    --------
    Three B parts over 10 months: 20 units sold on 100 vehicles, 6 on 50, and a part with no installed base:
    r = (20 + 6) / (10 x (100 + 50)) = 0.01733 a vehicle a month.

    >>> sums = DemandSums(np.zeros((_N_GROUPS, 3)), None, np.zeros(3), 0, 10, 0, 0, part_window=np.array([20.0, 6, 9]))
    >>> rate = failure_rate(sums, InstalledBase(np.array([100.0, 50, np.nan]), np.array(["B", "B", "B"])))
    >>> round(rate.overall, 5), rate.parts.tolist()
    (0.01733, [0, 2, 0])
    """
    window = network_quantity(sums.part_window)
    units = base.units
    use = np.isfinite(units) & (units > 0) & (window > 0)
    if not use.any():
        return None
    group = np.minimum(np.searchsorted(_ATTRIBUTES, base.attribute), len(_ATTRIBUTES) - 1)[use]
    demand = np.bincount(group, weights=window[use], minlength=len(_ATTRIBUTES))
    exposure = np.bincount(group, weights=units[use] * sums.months, minlength=len(_ATTRIBUTES))
    parts = np.bincount(group, minlength=len(_ATTRIBUTES))
    overall = float(demand.sum() / exposure.sum())
    own = parts >= MIN_GROUP_SERIES
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(own, demand / exposure, overall)
    pooled = _moments_prior(sums.groups.sum(axis=0)[None, :], sums.months)
    expected = sums.months * rate[group] * units[use]  # n r IB: each fitted part's expected units
    theta = window[use] / expected
    dispersion = np.nan
    if theta.size > 1:
        dispersion = float(_round(np.array([max(theta.var(ddof=1) - (theta / expected).mean(), _PRIOR_MIN_CV2)]))[0])
    return FailureRate(rate, own, overall, parts, float(window.sum()), float(pooled.shape[0]), dispersion)


def installed_base_mean(base: InstalledBase, rate: FailureRate, demand: np.ndarray, months: int) -> np.ndarray:
    r"""The prior mean of every series' monthly rate from its part's installed base: mu = r_g IB_p s_d.

    Parameters
    ----------
    base : InstalledBase
        With the series' ``part`` (and ``dealer``) codes.
    rate : FailureRate
        :func:`failure_rate` on the network.
    demand : ndarray, shape (n_series, n_months)
        The series' demand, for the dealers' shares.
    months : int
        The window (``dispersion_window_months``).

    Returns
    -------
    ndarray, shape (n_series,)
        mu in units a month; 0 where the part has no installed base (or it is 0).

    Notes
    -----
    The part's network rate r_g IB_p is split over the dealers in proportion to each dealer's
    share of the network's demand over the window, s_d = (demand of dealer d) / (network demand)
    (s_d = 1 without dealers, or with one).  A dealer without any sale in the window has s_d = 0, and
    its series keep their group's prior.
    """
    units = np.nan_to_num(base.units, nan=0.0)
    group = np.minimum(np.searchsorted(_ATTRIBUTES, base.attribute), len(_ATTRIBUTES) - 1)
    per_part = rate.rate[group] * units
    share = 1.0
    if base.dealer is not None and rate.window_demand > 0:
        dealer_demand = _round(np.bincount(base.dealer, weights=_window(demand, months).sum(axis=1)))
        share = np.minimum(dealer_demand / rate.window_demand, 1.0)[base.dealer]
    return per_part[base.part] * share


def stopped(demand: np.ndarray, window_months: int) -> np.ndarray:
    r"""Whether each series' demand has stopped: its months since the last sale are too many for its own history.

    Over the last ``window_months`` months, with h months with demand before a final run of z months without,
    the chance of a month with demand is estimated as p = (h + 1/2) / (n - z + 1) over the n - z months up to
    the last sale (shrunk from h / (n - z), so that a part sold every month may still miss one), and

    .. math::  \text{stopped} \iff z \ge 1 \text{ and } (1 - p)^z < \alpha = 0.05 \;(:data:`STOPPED_ALPHA`):

    a gap that long would happen less than 1 time in 20 if the part still sold as before.  A series without a
    sale in the window is not tested (it has no history to test against; :mod:`spareopt.forecast.lead_time`
    gives it the rate that such parts showed).  The geometric gap is the run test of demand occurrence behind
    Teunter, Syntetos & Babai (2011), whose TSB forecast decays the same probability month by month.

    >>> stopped(np.array([[1, 1, 1, 1, 1, 1, 0, 0], [0, 1, 0, 0, 1, 0, 0, 0], [0] * 8]), 8).tolist()
    [True, False, False]

    The first part sold in 6 months out of 6, then not for 2: p = 6.5 / 7, (1 - p)^2 = 0.005.  The second sold
    in 2 of 5 months, then not for 3: p = 2.5 / 6, (1 - p)^3 = 0.20.
    """
    q = _window(demand, window_months)
    n = q.shape[1]
    hit = q > 0
    sold = hit.any(axis=1)
    gap = np.where(sold, np.argmax(hit[:, ::-1], axis=1), n)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (hit.sum(axis=1) + 0.5) / (n - gap + 1.0)
        return sold & (gap >= 1) & (gap * np.log1p(-np.minimum(p, 1.0)) < np.log(STOPPED_ALPHA))


def _tsb(demand: np.ndarray, cfg: Any) -> np.ndarray:
    return tsb(demand, **{k: v for k, v in cfg.forecast_params.items() if k in ("alpha_d", "alpha_p")})


def _declined(demand: np.ndarray, f: np.ndarray, cfg: Any) -> np.ndarray:
    """Each series' forecast under ``obsolescence = "tsb"``: TSB's where the series stopped and TSB's is lower."""
    out = f.copy()
    rows = np.flatnonzero(stopped(demand, cfg.dispersion_window_months))
    if rows.size:
        out[rows] = np.minimum(f[rows], _tsb(demand[rows], cfg))
    return out


def _decline_sums(train: np.ndarray, held: np.ndarray, pattern: np.ndarray, cfg: Any) -> np.ndarray:
    """:attr:`DemandSums.decline` of these series: the stopped series' forecasts at the origin, none and tsb,
    against the held-back months."""
    out = np.zeros((2, len(PATTERNS), 4))
    rows = np.flatnonzero(stopped(train, cfg.dispersion_window_months))
    if rows.size == 0:
        return out
    horizon = held.shape[1]
    f = _point_forecast(train[rows], pattern[rows], cfg)
    y = held[rows].sum(axis=1)
    g = pattern[rows]
    for k, forecast_k in enumerate((f, np.minimum(f, _tsb(train[rows], cfg)))):
        for j, weights in enumerate((None, np.abs(horizon * forecast_k - y), horizon * forecast_k, y)):
            out[k, :, j] = np.bincount(g, weights=weights, minlength=len(PATTERNS))
    return out


def obsolescence(sums: np.ndarray) -> Obsolescence:
    """Per demand pattern, ``none`` or ``tsb`` for the stopped series: the one with the smaller absolute error of
    the held-back months' total (Σ |H f - y| over the pattern's stopped series at the backtest's origin; Tashman
    2000's rolling origin).  A pattern without stopped series, or a tie, takes ``tsb``: a part whose demand
    stopped does not keep its old forecast unless the backtest shows that it should."""
    count, error, fc, dem = np.moveaxis(sums, -1, 0)
    tsb_wins = error[1] <= error[0]
    rows = [(PATTERNS[p], name, int(count[k, p]), float(error[k, p]), float(fc[k, p]), float(dem[k, p]),
             bool(tsb_wins[p]) == (k == 1))
            for p in range(len(PATTERNS)) for k, name in enumerate(OBSOLESCENCE[1:]) if count[k, p] > 0]
    table = pd.DataFrame(rows, columns=["pattern", "obsolescence", "stopped", "error", "forecast", "demand", "chosen"])
    return Obsolescence(tsb_wins, table)


def network_quantity(per_part: np.ndarray) -> np.ndarray:
    """A per-part network sum rounded to 30 significant bits (:func:`_round`): the same whichever order the
    dealer sets were added in."""
    return _round(per_part)


def _fit(demand: np.ndarray, model: str, *, pattern: np.ndarray, code: np.ndarray, prior: GammaPrior | None,
         protection: np.ndarray, cfg: Any, wake: tuple[float, float] | None = None,
         decline: np.ndarray | None = None, new: np.ndarray | None = None, base_mean: np.ndarray | None = None,
         base_shape: float = 0.0, base_max_shape: float = np.inf) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """f and v of one model on ``demand`` (the months up to the forecast origin), and the series whose f TSB lowered.

    ``decline``: the series whose forecast, if their demand stopped, is TSB's where lower (``obsolescence``); the
    variance is scaled with the mean (a thinned demand process: v f'/f).  ``new``, ``base_mean``, ``base_shape``
    and ``base_max_shape``: as for :func:`_fit_model`.
    """
    f, v = _fit_model(demand, model, pattern=pattern, code=code, prior=prior, protection=protection, cfg=cfg,
                      wake=wake, new=new, base_mean=base_mean, base_shape=base_shape, base_max_shape=base_max_shape)
    lowered = np.zeros(len(f), dtype=bool)
    rows = np.flatnonzero(decline & (f > 0)) if decline is not None else np.zeros(0, np.int64)
    if rows.size:
        f, v = f.copy(), v.copy()
        lower = _declined(demand[rows], f[rows], cfg)
        v[rows] *= lower / f[rows]
        lowered[rows] = lower < f[rows]
        f[rows] = lower
    return f, v, lowered


def _fit_model(demand: np.ndarray, model: str, *, pattern: np.ndarray, code: np.ndarray, prior: GammaPrior | None,
               protection: np.ndarray, cfg: Any, wake: tuple[float, float] | None = None,
               new: np.ndarray | None = None, base_mean: np.ndarray | None = None,
               base_shape: float = 0.0, base_max_shape: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
    """f and v of one model on ``demand`` (the months up to the forecast origin).

    ``new``: rows of parts never sold (:func:`demand_sums`); poisson_gamma gives them no rate of their own.
    ``base_mean``: poisson_gamma's prior mean from the installed base (:func:`installed_base_mean`), with the
    group prior's shape a (``base_shape`` where the group has none), so the coefficient of variation is kept:
    Gamma(a, a / mu), where a <= ``base_max_shape`` (1 / c^2 of :class:`FailureRate`: the base predicts the
    rate at least as well as the group).  A new part's rate is that prior alone: it has no months of its own.
    """
    window = cfg.dispersion_window_months
    one_of("lead_time_demand", model, _FITTED_MODELS, hint="auto picks one of them per pattern before the fit")
    if model == "poisson_gamma":
        shape, rate = prior.shape[code], prior.rate[code]
        informed = _informed(shape, base_mean, base_shape, base_max_shape)
        if informed is not None:
            shape = np.where(informed & ~(shape > 0), base_shape, shape)
            rate = np.where(informed, shape / np.where(informed, base_mean, 1.0), rate)
        pooled = posterior(_window(demand, window), GammaPrior(shape, rate))
        mean, rate_var, var = pooled.mean, pooled.rate_variance, pooled.variance
        silent = pattern == PATTERNS.index("no_demand")
        if new is not None:  # the wake's rate is that of parts sold before; a new part has none
            silent &= ~new
        if informed is not None:  # the installed base says more than the wake of other parts
            silent &= ~informed
        if wake is not None and silent.any():  # no sale in the window: the rate such parts showed
            a, b = wake
            mean, var, rate_var = (np.where(silent, x, y) for x, y in ((a / b, mean), (a / b, var),
                                                                        (a / (b * b), rate_var)))
        if informed is not None and new is not None:  # never sold: the prior predictive, no month observed
            fresh = informed & new
            mean, var, rate_var = (np.where(fresh, x, y) for x, y in (
                (shape / rate, mean), (shape / rate, var), (shape / (rate * rate), rate_var)))
        return mean, var + rate_var * protection
    f = _point_forecast(demand, pattern, cfg)
    if model == "monthly_variance":
        q = _window(demand, window)
        v = q.var(axis=1, ddof=1) if q.shape[1] > 1 else np.zeros(len(q))
    elif model == "forecast_error":
        v = _forecast_error(demand, pattern, cfg)
    else:  # empirical
        v = _empirical(demand, protection, window)
    return f, v


def _fit_blocks(demand: np.ndarray, model: np.ndarray, names: tuple[str, ...],
                fit: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """:func:`_fit` of each series' model (a position in ``names``), in blocks of series
    (:func:`spareopt.blocks.for_each_block`).

    A series' fit is its own row's (given the priors in ``fit``), so the blocks change no value; they keep the
    temporaries small, and a model that covers most of a block is fitted on the block's view, not a copy."""
    n = len(demand)
    f, v, lowered = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)

    def fit_block(block: slice) -> None:
        part = {k: (x[block] if isinstance(x, np.ndarray) else x) for k, x in fit.items()}
        size = block.stop - block.start
        for m, name in enumerate(names):
            rows = np.flatnonzero(model[block] == m)
            if 2 * rows.size > size:
                fm, vm, lm = _fit(demand[block], name, **part)
                fm, vm, lm = fm[rows], vm[rows], lm[rows]
            elif rows.size:
                fm, vm, lm = _fit(demand[block][rows], name,
                                  **{k: (x[rows] if isinstance(x, np.ndarray) else x) for k, x in part.items()})
            else:
                continue
            at = block.start + rows
            f[at], v[at], lowered[at] = fm, vm, lm

    blockwise.for_each_block(fit_block, n)
    return f, v, lowered


def _informed(shape: np.ndarray, base_mean: np.ndarray | None, base_shape: float,
              base_max_shape: float = np.inf) -> np.ndarray | None:
    """The series whose poisson_gamma prior comes from the installed base: mu > 0, and a group shape to keep that
    is no surer than the base's own fit (a <= 1 / c^2)."""
    if base_mean is None:
        return None
    group = np.where(shape > 0, shape, base_shape)
    return (base_mean > 0) & (group > 0) & (group <= base_max_shape)


def _point_forecast(demand: np.ndarray, pattern: np.ndarray, cfg: Any) -> np.ndarray:
    if cfg.forecast_method == "auto":
        return auto(demand, pattern, table=cfg.auto_methods, **cfg.forecast_params)[0]
    return forecast(demand, cfg.forecast_method, **cfg.forecast_params)


def _forecast_error(demand: np.ndarray, pattern: np.ndarray, cfg: Any) -> np.ndarray:
    """The MSE of each series' own forecaster (``auto``: its pattern's)."""
    if cfg.forecast_method != "auto":
        return forecast_error_variance(demand, cfg.forecast_method, window_months=cfg.dispersion_window_months,
                                       **_params(cfg.forecast_method, cfg))
    out = np.zeros(len(demand))
    method_of = np.array([cfg.auto_methods[p] for p in PATTERNS], dtype=object)[pattern]
    for method in np.unique(method_of):  # a handful of methods, each over all its series
        rows = np.flatnonzero(method_of == method)
        out[rows] = forecast_error_variance(demand[rows], method, window_months=cfg.dispersion_window_months,
                                            **_params(method, cfg))
    return out


def _params(method: str, cfg: Any) -> dict[str, Any]:
    from .forecast.intermittent import FORECAST_PARAMS

    return {k: v for k, v in cfg.forecast_params.items() if k in FORECAST_PARAMS[method]}


def _empirical(demand: np.ndarray, protection: np.ndarray, window: int) -> np.ndarray:
    """v = Var(sums of round(P) months) / round(P): the series' own spread over the protection interval."""
    whole = np.maximum(np.rint(protection), 1).astype(np.int64)
    out = np.zeros(len(demand))
    for months in np.unique(whole):  # a few protection lengths, each over all its series
        rows = np.flatnonzero(whole == months)
        sums = lead_time_sums(demand[rows], int(months), window_months=window)
        if sums.shape[1] > 1:
            out[rows] = sums.var(axis=1, ddof=1) / months
    return out


def _without_backtest(models: tuple[str, ...]) -> np.ndarray:
    """Per pattern, the model used when the backtest cannot choose: the pooled Poisson-gamma for the slow
    patterns (intermittent, lumpy, no_demand), whose few sales say little alone, and the variance of monthly
    demand for the fast ones (smooth, erratic), whose own history is long enough."""
    fast = ("smooth", "erratic")
    pick = ["monthly_variance" if p in fast else "poisson_gamma" for p in PATTERNS]
    return np.array([models.index(m) if m in models else 0 for m in pick], dtype=np.int8)


def _plan(f: np.ndarray, v: np.ndarray, target: np.ndarray, kind: np.ndarray, lead: np.ndarray,
          cycle: np.ndarray, service: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Levels for each row's target (kind 0 CSL, 1 fill rate) and the fill rate they promise."""
    if (kind == 1).all():  # the backtest's case: the promise comes with the search
        plan = fill_rate_plan(target, f, v, lead, cycle, **service)
        return plan.reorder_point, plan.max_stock, plan.implied_fill_rate
    rop = np.zeros(len(f), np.int64)
    top = np.zeros(len(f), np.int64)
    for k, name in enumerate(("csl", "fill_rate")):
        rows = np.flatnonzero(kind == k)
        if rows.size:
            rop[rows], top[rows], _ = reorder_point_for(target[rows], f[rows], v[rows], lead[rows], cycle[rows],
                                                        kind=name, **service)
    promised = implied_service(rop, top, f, v, lead, cycle, **service).implied_fill_rate
    return rop, top, promised


def sample_mask(keys: np.ndarray, fraction: float) -> np.ndarray:
    """An even, reproducible sample: series whose key hash falls below ``fraction`` (the same series whichever
    dealer set they are read in)."""
    if fraction >= 1:
        return np.ones(len(keys), dtype=bool)
    return keys < np.uint64(fraction * 2.0**64)


def backtest_sums(demand: np.ndarray, *, keys: np.ndarray, lead_time_days: np.ndarray, order_cycle_days: np.ndarray,
                  target: np.ndarray, kind: np.ndarray, unit_cost: np.ndarray, attribute: np.ndarray | None, cfg: Any,
                  inputs: DemandInputs, models: tuple[str, ...] = AUTO_CANDIDATES) -> np.ndarray:
    """The backtest's sums over these series: (models, scales, patterns, 6) of :data:`_SUMS` (additive).

    ``keys``: a uint64 hash of each series' dealer and part (:func:`series_keys`), which picks the sample.
    """
    months = demand.shape[1]
    horizon = int(cfg.backtest_months)
    out = np.zeros((len(models), len(SCALES), len(PATTERNS), len(_SUMS)))
    train, held = demand[:, :months - horizon], demand[:, months - horizon:]
    rows = np.flatnonzero((train[:, -_SIX_MONTHS:].sum(axis=1) > 0) & sample_mask(keys, inputs.fraction))
    if rows.size == 0:
        return out
    train, held = train[rows], held[rows]
    lead, cycle = lead_time_days[rows], order_cycle_days[rows]
    ell, protection = lead_time_months(lead), protection_months(lead, cycle)
    # every series is planned for a fill rate of its target's value, whatever its kind: a CSL target met on a
    # wider variance can need less stock (the negative binomial's mass at 0 grows), which would make the least
    # stock reward the widest model; for a fill rate more variance always costs stock
    goal, how, cost = target[rows], np.ones(rows.size, np.int8), np.nan_to_num(unit_cost[rows], nan=1.0)
    pattern = _pattern(train, cfg)
    code = _group_code(pattern, None if attribute is None else attribute[rows])
    service = {"normal_min_mean": cfg.normal_min_mean, "overdispersion_min": cfg.overdispersion_min}
    decline = _decline_mask(cfg, inputs, pattern)
    blocks = []  # (model, scale, the rows with a forecast, f, scaled v): one plan and replay per block
    for m, name in enumerate(models):
        f, v, _ = _fit(train, name, pattern=pattern, code=code, prior=inputs.origin_prior, protection=protection,
                       cfg=cfg, decline=decline)
        live = np.flatnonzero(f > 0)
        blocks += [(m, c, live, f[live], scale * v[live]) for c, scale in enumerate(SCALES)]
    batches = _batches(blocks)

    def run(which: slice) -> None:  # each batch writes the sums of its own (model, scale) blocks
        for batch in batches[which]:
            _replay_batch(batch, out, held=held, goal=goal, how=how, lead=lead, cycle=cycle, ell=ell, cost=cost,
                          pattern=pattern, service=service)

    blockwise.for_each_block(run, len(batches), size=1)
    return out


def _replay_batch(batch: list[tuple], out: np.ndarray, *, held: np.ndarray, goal: np.ndarray, how: np.ndarray,
                  lead: np.ndarray, cycle: np.ndarray, ell: np.ndarray, cost: np.ndarray, pattern: np.ndarray,
                  service: Mapping[str, float]) -> None:
    """One run of blocks: plan, replay, and the sums into ``out[model, scale]`` of each block."""
    live = np.concatenate([b[2] for b in batch])
    f, v = np.concatenate([b[3] for b in batch]), np.concatenate([b[4] for b in batch])
    rop, top, promised = _plan(f, v, goal[live], how[live], lead[live], cycle[live], service)
    result = replay(held[live], rop, top, lead_time_months=ell[live])
    n_pat = len(PATTERNS)
    cell = np.repeat(np.arange(len(batch)) * n_pat, [b[2].size for b in batch]) + pattern[live]
    for j, weights in enumerate((f, f * promised, result.filled, result.demand, top * cost[live], None)):
        sums = np.bincount(cell, weights=weights, minlength=len(batch) * n_pat).reshape(len(batch), n_pat)
        for (m, c, *_), row in zip(batch, sums):
            out[m, c, :, j] = row


def _batches(blocks: list[tuple]) -> list[list[tuple]]:
    """The blocks in runs of about :data:`BATCH_ROWS` series."""
    rows = BATCH_ROWS
    batches: list[list[tuple]] = [[]]
    size = 0
    for block in blocks:
        if batches[-1] and size + block[2].size > rows:
            batches.append([])
            size = 0
        batches[-1].append(block)
        size += block[2].size
    return batches


def _decline_mask(cfg: Any, inputs: DemandInputs, pattern: np.ndarray) -> np.ndarray:
    """Per series, whether ``obsolescence`` gives a stopped series TSB's forecast (auto: the backtest's choice for
    its pattern; without a backtest, tsb)."""
    choice = getattr(cfg, "obsolescence", "auto")
    if choice == "auto" and inputs.obsolescence is not None:
        return inputs.obsolescence.tsb[pattern]
    return np.full(len(pattern), choice != "none")


def choose(sums: np.ndarray, models: tuple[str, ...] = AUTO_CANDIDATES) -> Calibration:
    r"""Per demand pattern, the model and scale whose promise the backtest's replay delivers, at the least stock.

    Notes
    -----
    For pattern g, model m and scale c (:data:`SCALES`), from the backtest's sums:

    .. math::  \text{promised} = \frac{\sum_i f_i \, \text{fill}_i(s_i, S_i)}{\sum_i f_i}, \qquad
               \text{achieved} = \frac{\sum_i \text{filled}_i}{\sum_i \text{demand}_i}.

    c_gm is the smallest scale with achieved >= promised - 0.01 (else the scale that comes closest); the
    model of g is the calibrated one with the least stock value, sum S_i x unit_cost_i (else the closest).
    A pattern without series in the backtest takes its default (:func:`_without_backtest`).
    """
    weight, prom, got, dem, stock, count = np.moveaxis(sums, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        promised = np.where(weight > 0, prom / weight, 1.0)
        achieved = np.where(dem > 0, got / dem, 1.0)
    gap = achieved - promised
    ok = (gap >= -CALIBRATION_TOLERANCE) & (count > 0)
    n_pat = len(PATTERNS)
    first_ok = np.argmax(ok, axis=1)  # (models, patterns): the smallest calibrated scale
    closest = np.argmax(gap, axis=1)
    pick = np.where(ok.any(axis=1), first_ok, closest)
    m_idx, p_idx = np.meshgrid(np.arange(len(models)), np.arange(n_pat), indexing="ij")
    value = stock[m_idx, pick, p_idx]
    fits = ok.any(axis=1)
    seen = count[:, 0, :] > 0
    model = _without_backtest(models)
    for p in range(n_pat):  # five patterns
        if fits[:, p].any():
            model[p] = int(np.argmin(np.where(fits[:, p], value[:, p], np.inf)))
        elif seen[:, p].any():
            model[p] = int(np.argmax(np.where(seen[:, p], gap[np.arange(len(models)), pick[:, p], p], -np.inf)))
    scale = np.where(seen.any(axis=0), np.array(SCALES)[pick[model, np.arange(n_pat)]], 1.0)
    rows = [(PATTERNS[p], models[m], SCALES[pick[m, p]], int(count[m, pick[m, p], p]), float(dem[m, pick[m, p], p]),
             float(promised[m, pick[m, p], p]), float(achieved[m, pick[m, p], p]), float(value[m, p]), m == model[p])
            for p in range(n_pat) for m in range(len(models)) if seen[m, p]]
    table = pd.DataFrame(rows, columns=["pattern", "model", "scale", "series", "demand", "promised_fill_rate",
                                        "achieved_fill_rate", "stock_value", "chosen"])
    return Calibration(model, scale, fits[model, np.arange(n_pat)], table)


def series_keys(dealer_names: np.ndarray | None, dealer: np.ndarray | None, part_names: np.ndarray,
                part: np.ndarray) -> np.ndarray:
    """A uint64 hash of each series' dealer and part names (the same in every dealer set)."""
    key = pd.util.hash_array(np.asarray(part_names, dtype=object))[part]
    if dealer is not None:
        key = key ^ (pd.util.hash_array(np.asarray(dealer_names, dtype=object))[dealer]
                     * np.uint64(0x9E3779B97F4A7C15))
    return pd.util.hash_array(key)  # mixed again, so the low and high bits are both even


def calibrate(demand: np.ndarray, *, keys: np.ndarray, lead_time_days: np.ndarray, order_cycle_days: np.ndarray,
              target: np.ndarray, kind: np.ndarray, unit_cost: np.ndarray, attribute: np.ndarray | None,
              cfg: Any, inputs: DemandInputs) -> Calibration | None:
    """:func:`backtest_sums` then :func:`choose` on one set of series; None without a backtest (the history is
    shorter than ``backtest_months`` + 6 months, or ``backtest_months`` = 0)."""
    if inputs.origin_prior is None:
        return None
    return choose(backtest_sums(demand, keys=keys, lead_time_days=lead_time_days, order_cycle_days=order_cycle_days,
                                target=target, kind=kind, unit_cost=unit_cost, attribute=attribute, cfg=cfg,
                                inputs=inputs))


def lead_time_demand(
    demand: np.ndarray,
    pattern: np.ndarray,
    *,
    keys: np.ndarray,
    lead_time_days: np.ndarray,
    order_cycle_days: np.ndarray,
    target: np.ndarray,
    kind: np.ndarray,
    unit_cost: np.ndarray,
    attribute: np.ndarray | None,
    cfg: Any,
    inputs: DemandInputs | None = None,
    new: np.ndarray | None = None,
    base: InstalledBase | None = None,
) -> tuple[LeadTimeDemand, tuple[str, ...], Calibration | None]:
    """The demand model of every series under config ``lead_time_demand`` (``auto``: calibrated by the backtest).

    ``inputs``: the network's priors and backtest (the engines); None computes them from these series.
    ``new``: the rows of parts never sold (:func:`demand_sums`).  ``base``: the parts' installed base, with
    the series' part and dealer codes: poisson_gamma's prior mean is then the failure rate's
    (:func:`installed_base_mean`) where the part has one.
    Returns the model, the names its codes refer to, and the backtest (None when there was none).
    """
    choice = cfg.lead_time_demand
    if inputs is None:
        inputs = demand_inputs(demand_sums(demand, pattern, attribute, cfg, new=new, base=base), base)
        if choice == "auto":
            inputs = dataclasses.replace(inputs, calibration=calibrate(
                demand, keys=keys, lead_time_days=lead_time_days, order_cycle_days=order_cycle_days, target=target,
                kind=kind, unit_cost=unit_cost, attribute=attribute, cfg=cfg, inputs=inputs))
    protection = protection_months(lead_time_days, order_cycle_days)
    code = _group_code(pattern, attribute)
    fit = {"pattern": pattern, "code": code, "prior": inputs.prior, "protection": protection, "cfg": cfg,
           "wake": inputs.wake, "decline": _decline_mask(cfg, inputs, pattern), "new": new}
    rate = inputs.failure_rate if base is not None else None
    if rate is not None:
        fit["base_mean"] = installed_base_mean(base, rate, demand, cfg.dispersion_window_months)
        fit["base_shape"] = rate.shape
        fit["base_max_shape"] = 1.0 / rate.dispersion if np.isfinite(rate.dispersion) else np.inf
        informed = _informed(inputs.prior.shape[code], fit["base_mean"], rate.shape, fit["base_max_shape"])
    if choice != "auto":
        f, v, lowered = _fit_blocks(demand, np.zeros(len(demand), np.int8), (choice,), fit)
        used = None if rate is None else informed & (choice == "poisson_gamma")
        return LeadTimeDemand(f, v, np.zeros(len(f), np.int8), np.ones(len(f)), lowered, informed=used,
                              failure_rate=rate), (choice,), None
    calibration = inputs.calibration
    if calibration is None:  # too little history to backtest: each pattern's default model, unscaled
        model, scale = _without_backtest(AUTO_CANDIDATES)[pattern], np.ones(len(demand))
    else:
        model, scale = calibration.model[pattern], calibration.scale[pattern]
    f, v, lowered = _fit_blocks(demand, model, AUTO_CANDIDATES, fit)
    if calibration is not None:
        calibration = dataclasses.replace(calibration, obsolescence=inputs.obsolescence)
    used = None if rate is None else informed & (model == AUTO_CANDIDATES.index("poisson_gamma"))
    return LeadTimeDemand(f, v * scale, model.astype(np.int8), scale, lowered, informed=used,
                          failure_rate=rate), AUTO_CANDIDATES, calibration
