"""Forecasts for intermittent demand (SMA, SES, Croston, SBA, SBJ, TSB), vectorised over the series x months matrix.

Every forecaster takes the demand matrix (series x months, oldest month first) and
returns the one-step-ahead forecast of every series: the mean demand expected in
the month after the last one observed.  Recurrences loop over the months, each step
one vector operation across a block of series; no loop runs over the series.

The smoothing recurrences are written the way statsforecast 2.1.1 writes them
(``statsforecast/_lib``'s ``ses_forecast``: ``alpha * x + (1 - alpha) * level``,
the level starting at the first value), so that the forecasts agree with
statsforecast's ``SimpleExponentialSmoothing``, ``CrostonClassic``, ``CrostonSBA``
and ``TSB`` to the last bit (on the 2,674 carparts series: a difference of 0.0),
and ``sma`` agrees with ``WindowAverage`` to the rounding of the sum.

The sizes of a part with no demand are undefined; every method forecasts 0 for
it, as statsforecast does (its Croston falls back to the naive forecast, 0).

One topic, one module: the intermittent-demand forecasters, one recursion over the months each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from ..classify.pattern import PATTERNS, demand_rows
from ..errors import ConfigError, InputError
from ..validate import number, one_of
from .mad import mad

__all__ = [
    "AUTO_METHODS",
    "FORECASTERS",
    "FORECAST_PARAMS",
    "auto",
    "croston",
    "forecast",
    "sba",
    "sbj",
    "ses",
    "sma",
    "tsb",
]

_BLOCK_ROWS = 1 << 14
"""Series per block: the block is transposed once to (months, series) so that every month is a contiguous
row, and the dozen state vectors of one block (16,384 x 8 bytes each) stay in the CPU cache."""


# -- the forecasters ---------------------------------------------------------------------------------------


def sma(demand: ArrayLike, *, sma_months: int = 6) -> np.ndarray:
    """Simple moving average: the mean demand of the last ``sma_months`` months.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand y >= 0 in units, oldest month first; the last column is
        the last month observed (T).  Zeros are months without demand.
    sma_months : int
        Months in the average, n >= 1.  A series of fewer months is averaged
        over the months it has.

    Returns
    -------
    ndarray, shape (n_series,) or 0-d
        Forecast of the demand in month T + 1, units per month.

    Raises
    ------
    ConfigError
        ``sma_months`` not a whole number >= 1.
    InputError
        Demand that is negative, NaN or infinite, or no months.

    Notes
    -----
    .. math::

        \\hat y_{T+1} = \\frac{1}{n} \\sum_{t=T-n+1}^{T} y_t, \\qquad n = \\min(\\text{sma\\_months}, T)

    This is statsforecast's ``WindowAverage(window_size=sma_months)``, except
    that statsforecast returns NaN for a series shorter than the window.

    References
    ----------
    Hyndman, R. J. & Athanasopoulos, G. (2021). *Forecasting: Principles and
    Practice*, 3rd ed., OTexts, section 5.2 (the average method over a window).

    Examples
    --------
    Demand 0, 2, 0, 0, 4, 0: the last six months sum to 6, the last three to 4:

    >>> sma([[0, 2, 0, 0, 4, 0]])
    array([1.])
    >>> round(float(sma([0, 2, 0, 0, 4, 0], sma_months=3)), 6)
    1.333333
    """
    window = number("sma_months", sma_months, least=1, whole=True)
    return _by_block(demand, _window_mean, last=window)


def ses(demand: ArrayLike, *, alpha: float = 0.1) -> np.ndarray:
    """Simple exponential smoothing with a fixed smoothing constant.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand y >= 0 in units, oldest month first; the last column is
        the last month observed (T).  Zeros are months without demand.
    alpha : float
        Smoothing constant α in (0, 1].

    Returns
    -------
    ndarray, shape (n_series,) or 0-d
        Forecast of the demand in month T + 1, units per month.

    Raises
    ------
    ConfigError
        ``alpha`` outside (0, 1].
    InputError
        Demand that is negative, NaN or infinite, or no months.

    Notes
    -----
    The level starts at the first month's demand:

    .. math::

        \\ell_1 = y_1, \\qquad \\ell_t = \\alpha y_t + (1 - \\alpha) \\ell_{t-1}, \\qquad
        \\hat y_{T+1} = \\ell_T

    computed as statsforecast 2.1.1 computes ``SimpleExponentialSmoothing(alpha)``:
    in that product-sum form, the first month smoothed into a level that is
    already :math:`y_1` (which can move it by one unit in the last place), and a
    one-month series returned as it is.

    References
    ----------
    Brown, R. G. (1959). *Statistical Forecasting for Inventory Control*.
    McGraw-Hill (exponential smoothing).

    Hyndman, R. J. & Athanasopoulos, G. (2021). *Forecasting: Principles and
    Practice*, 3rd ed., OTexts, section 8.1, equation (8.1).

    Examples
    --------
    Demand 0, 2, 0, 0, 4, 0 with α = 0.1: the level is 0, 0.2, 0.18, 0.162,
    0.1 x 4 + 0.9 x 0.162 = 0.5458 and 0.9 x 0.5458 = 0.49122:

    >>> ses([[0, 2, 0, 0, 4, 0]]).round(6)
    array([0.49122])
    """
    _alpha("alpha", alpha)
    return _by_block(demand, lambda y: _smooth(y, alpha))


def croston(demand: ArrayLike, *, alpha: float = 0.1) -> np.ndarray:
    """Croston's method: smoothed demand size over smoothed interval between demands.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand y >= 0 in units, oldest month first; the last column is
        the last month observed (T).  Zeros are months without demand.
    alpha : float
        Smoothing constant α in (0, 1] of both the sizes and the intervals.

    Returns
    -------
    ndarray, shape (n_series,) or 0-d
        Forecast of the mean demand per month after T, units per month; 0 for a
        series without demand.

    Raises
    ------
    ConfigError
        ``alpha`` outside (0, 1].
    InputError
        Demand that is negative, NaN or infinite, or no months.

    Notes
    -----
    With :math:`z_1, z_2, \\dots` the non-zero demand sizes and :math:`p_1,
    p_2, \\dots` the intervals between them in months (the first interval counts
    from the start of the matrix: a first demand in month i gives :math:`p_1 = i`),
    each smoothed by SES starting at its first value:

    .. math::

        \\hat z_j = \\alpha z_j + (1 - \\alpha) \\hat z_{j-1}, \\qquad
        \\hat p_j = \\alpha p_j + (1 - \\alpha) \\hat p_{j-1}, \\qquad
        \\hat y_{T+1} = \\frac{\\hat z}{\\hat p}

    updated only in the months with demand.  One sale of size z in month i gives
    z / i; no demand gives 0.  This is statsforecast's ``CrostonClassic()`` when
    α = 0.1 (statsforecast fixes α at 0.1).

    References
    ----------
    Croston, J. D. (1972). Forecasting and stock control for intermittent
    demands. *Operational Research Quarterly* 23(3):289-303.

    Examples
    --------
    Demand 0, 2, 0, 0, 4, 0: sizes 2 then 4, so :math:`\\hat z = 0.1 \\times 4 +
    0.9 \\times 2 = 2.2`; intervals 2 (from the start) then 3, so :math:`\\hat p =
    0.1 \\times 3 + 0.9 \\times 2 = 2.1`; the forecast is 2.2 / 2.1:

    >>> croston([[0, 2, 0, 0, 4, 0], [3, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]).round(6)
    array([1.047619, 3.      , 0.      ])
    """
    _alpha("alpha", alpha)
    return _by_block(demand, lambda y: _croston_ratio(y, alpha))


def sba(demand: ArrayLike, *, alpha: float = 0.1) -> np.ndarray:
    """Syntetos-Boylan approximation: Croston's forecast times (1 - α/2), which removes most of its bias.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand y >= 0 in units, oldest month first; the last column is
        the last month observed (T).  Zeros are months without demand.
    alpha : float
        Smoothing constant α in (0, 1] of both the sizes and the intervals.

    Returns
    -------
    ndarray, shape (n_series,) or 0-d
        Forecast of the mean demand per month after T, units per month; 0 for a
        series without demand.

    Raises
    ------
    ConfigError
        ``alpha`` outside (0, 1].
    InputError
        Demand that is negative, NaN or infinite, or no months.

    Notes
    -----
    .. math::

        \\hat y_{T+1} = \\left(1 - \\frac{\\alpha}{2}\\right) \\frac{\\hat z}{\\hat p}

    with :math:`\\hat z / \\hat p` Croston's forecast (:func:`croston`).  At α = 0.1
    the factor is 0.95: statsforecast's ``CrostonSBA()``.

    References
    ----------
    Syntetos, A. A. & Boylan, J. E. (2005). The accuracy of intermittent demand
    estimates. *International Journal of Forecasting* 21(2):303-314.

    Examples
    --------
    The Croston example (2.2 / 2.1) times 0.95:

    >>> sba([[0, 2, 0, 0, 4, 0]]).round(6)
    array([0.995238])
    """
    _alpha("alpha", alpha)
    return _by_block(demand, lambda y: _croston_ratio(y, alpha) * (1.0 - alpha / 2.0))


def sbj(demand: ArrayLike, *, alpha: float = 0.1) -> np.ndarray:
    """Shale-Boylan-Johnston: Croston's forecast times (1 - α/(2 - α)), unbiased for Poisson demand arrivals.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand y >= 0 in units, oldest month first; the last column is
        the last month observed (T).  Zeros are months without demand.
    alpha : float
        Smoothing constant α in (0, 1] of both the sizes and the intervals.

    Returns
    -------
    ndarray, shape (n_series,) or 0-d
        Forecast of the mean demand per month after T, units per month; 0 for a
        series without demand.

    Raises
    ------
    ConfigError
        ``alpha`` outside (0, 1].
    InputError
        Demand that is negative, NaN or infinite, or no months.

    Notes
    -----
    .. math::

        \\hat y_{T+1} = \\left(1 - \\frac{\\alpha}{2 - \\alpha}\\right) \\frac{\\hat z}{\\hat p}

    with :math:`\\hat z / \\hat p` Croston's forecast (:func:`croston`); at
    α = 0.1 the factor is 1 - 0.1 / 1.9 = 18 / 19.

    References
    ----------
    Shale, E. A., Boylan, J. E. & Johnston, F. R. (2006). Forecasting for
    intermittent demand: the estimation of an unbiased average. *Journal of the
    Operational Research Society* 57(5):588-592.

    Examples
    --------
    The Croston example (2.2 / 2.1) times 18 / 19:

    >>> sbj([[0, 2, 0, 0, 4, 0]]).round(6)
    array([0.992481])
    """
    _alpha("alpha", alpha)
    return _by_block(demand, lambda y: _croston_ratio(y, alpha) * (1.0 - alpha / (2.0 - alpha)))


def tsb(demand: ArrayLike, *, alpha_d: float = 0.1, alpha_p: float = 0.1) -> np.ndarray:
    """Teunter-Syntetos-Babai: smoothed probability of demand times smoothed demand size.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand y >= 0 in units, oldest month first; the last column is
        the last month observed (T).  Zeros are months without demand.
    alpha_d : float
        Smoothing constant :math:`\\alpha_d` in (0, 1] of the demand sizes.
    alpha_p : float
        Smoothing constant :math:`\\alpha_p` in (0, 1] of the probability of demand.

    Returns
    -------
    ndarray, shape (n_series,) or 0-d
        Forecast of the mean demand per month after T, units per month; 0 for a
        series without demand.

    Raises
    ------
    ConfigError
        ``alpha_d`` or ``alpha_p`` outside (0, 1].
    InputError
        Demand that is negative, NaN or infinite, or no months.

    Notes
    -----
    With :math:`o_t = 1` when :math:`y_t > 0` and 0 otherwise, smoothed every
    month, and the non-zero sizes :math:`z_j` smoothed in the months with demand,
    each SES starting at its first value:

    .. math::

        \\hat p_t = \\alpha_p o_t + (1 - \\alpha_p) \\hat p_{t-1}, \\qquad
        \\hat z_j = \\alpha_d z_j + (1 - \\alpha_d) \\hat z_{j-1}, \\qquad
        \\hat y_{T+1} = \\hat p_T \\hat z

    Unlike Croston's, the forecast decays in every month without demand, so a
    part that stopped selling (a dead part) forecasts towards 0.  This is
    statsforecast's ``TSB(alpha_d, alpha_p)``.

    References
    ----------
    Teunter, R. H., Syntetos, A. A. & Babai, M. Z. (2011). Intermittent demand:
    linking forecasting to inventory obsolescence. *European Journal of
    Operational Research* 214(3):606-615.

    Examples
    --------
    Demand 0, 2, 0, 0, 4, 0: :math:`\\hat p` runs 0, 0.1, 0.09, 0.081, 0.1729,
    0.15561 and :math:`\\hat z = 0.1 \\times 4 + 0.9 \\times 2 = 2.2`, so the
    forecast is 0.15561 x 2.2 = 0.342342.  One sale of 3 followed by 11 empty
    months decays to 3 x 0.9^11:

    >>> tsb([[0, 2, 0, 0, 4, 0]]).round(6)
    array([0.342342])
    >>> round(float(tsb([3] + [0] * 11)), 6)
    0.941432
    """
    _alpha("alpha_d", alpha_d)
    _alpha("alpha_p", alpha_p)
    return _by_block(demand, lambda y: _tsb_product(y, alpha_d, alpha_p))


# -- the registry ------------------------------------------------------------------------------------------

FORECASTERS: dict[str, Callable[..., np.ndarray]] = {
    "wma": mad,
    "sma": sma,
    "ses": ses,
    "croston": croston,
    "sba": sba,
    "sbj": sbj,
    "tsb": tsb,
}
"""The forecasters by method name; ``wma`` is the seed's 6-month weighted moving average (:func:`mad`)."""

FORECAST_PARAMS: dict[str, tuple[str, ...]] = {
    "wma": (),
    "sma": ("sma_months",),
    "ses": ("alpha",),
    "croston": ("alpha",),
    "sba": ("alpha",),
    "sbj": ("alpha",),
    "tsb": ("alpha_d", "alpha_p"),
}
"""The keyword options each forecaster accepts."""

AUTO_METHODS: dict[str, str] = {
    "smooth": "croston",
    "intermittent": "sba",
    "lumpy": "sba",
    "erratic": "ses",
    "no_demand": "tsb",
}
"""The default method of each demand pattern of :data:`spareopt.classify.pattern.PATTERNS` (see :func:`auto`)."""

_PARAM_NAMES = ("alpha", "alpha_d", "alpha_p", "sma_months")


def forecast(demand: ArrayLike, method: str, **params: Any) -> np.ndarray:
    """Forecast with the method named, passing it only the options it accepts.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand y >= 0 in units, oldest month first.
    method : str
        A key of :data:`FORECASTERS`: wma, sma, ses, croston, sba, sbj or tsb.
    **params
        Any of ``alpha``, ``alpha_d``, ``alpha_p`` and ``sma_months``; each is
        checked, and only those in ``FORECAST_PARAMS[method]`` are passed on, so
        one call site can pass the whole configuration to any method.

    Returns
    -------
    ndarray, shape (n_series,) or 0-d
        The method's forecast for the month after the last one observed.

    Raises
    ------
    ConfigError
        An unknown method (a ``ValueError``), or an option out of range.
    TypeError
        An option that no forecaster accepts (as Python's own unexpected keyword argument); the message names
        the options they accept.
    InputError
        Demand that is negative, NaN or infinite, or no months.

    Examples
    --------
    >>> forecast([[0, 2, 0, 0, 4, 0]], "croston", alpha=0.1, alpha_p=0.2, sma_months=6).round(6)
    array([1.047619])
    >>> forecast([[0, 2, 0, 0, 4, 0]], "sma", alpha=0.1, alpha_p=0.2, sma_months=6)
    array([1.])
    """
    function = _forecaster(method)
    _check_params(params)
    return function(demand, **{name: params[name] for name in FORECAST_PARAMS[method] if name in params})


def auto(
    demand: ArrayLike,
    pattern: ArrayLike,
    *,
    table: Mapping[str, str] = AUTO_METHODS,
    **params: Any,
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Forecast every series with the method its demand pattern calls for.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand y >= 0 in units, oldest month first.
    pattern : array_like, shape (n_series,) or scalar
        The demand pattern of every series: the int codes of
        ``demand_pattern(...).code`` (positions in :data:`PATTERNS
        <spareopt.classify.pattern.PATTERNS>`) or the pattern names.
    table : mapping of str to str
        Method of each pattern; patterns it leaves out keep the default of
        :data:`AUTO_METHODS`.  The run configuration's ``auto_methods`` key
        overrides the default table this way.
    **params
        ``alpha``, ``alpha_d``, ``alpha_p``, ``sma_months``, as for :func:`forecast`.

    Returns
    -------
    values : ndarray of float64, shape (n_series,) or 0-d
        The forecast of every series, units per month.
    method_index : ndarray of int8, shape (n_series,) or 0-d
        The method of every series, as a position in ``method_names``.
    method_names : tuple of str
        The methods of the table, in the order of :data:`FORECASTERS`.

    Raises
    ------
    ConfigError
        A table with an unknown pattern or method, or an option out of range.
    InputError
        A pattern that is not a pattern code or name, or a pattern array whose
        length is not the number of series; demand as for :func:`forecast`.

    Notes
    -----
    The default table (Syntetos, Boylan & Croston 2005, who show that SBA
    beats Croston on the intermittent and lumpy quadrants and Croston is
    better on the smooth one; SES for erratic demand that is rarely zero; TSB
    for a series with no demand in the pattern window, as its demand
    probability decays while sales stop, where Croston-type levels freeze at
    their last values (Teunter, Syntetos & Babai 2011, built for obsolescence)):

    ============  ========
    pattern       method
    ============  ========
    smooth        croston
    erratic       ses
    intermittent  sba
    lumpy         sba
    no_demand     tsb
    ============  ========

    Each method runs once, on the series that need it, block by block of
    series.

    References
    ----------
    Syntetos, A. A., Boylan, J. E. & Croston, J. D. (2005). On the
    categorization of demand patterns. *Journal of the Operational Research
    Society* 56(5):495-503.

    Examples
    --------
    A smooth series (demand every month: Croston is SES of the demand), an
    intermittent one (SBA: the Croston example times 0.95) and one never sold (0):

    >>> values, index, names = auto([[4, 6, 4, 6, 4, 6], [0, 2, 0, 0, 4, 0], [0, 0, 0, 0, 0, 0]],
    ...                             ["smooth", "intermittent", "no_demand"])
    >>> values.round(6)
    array([4.49322 , 0.995238, 0.      ])
    >>> names, [names[i] for i in index]
    (('ses', 'croston', 'sba', 'tsb'), ['croston', 'sba', 'tsb'])

    A table from the configuration overrides the default per pattern:

    >>> auto([[4, 6, 4, 6, 4, 6]], [0], table={"smooth": "sma"})[0]
    array([5.])
    """
    lookup, names = _auto_table(table)
    _check_params(params)
    q, one = demand_rows(demand)
    codes = _pattern_codes(pattern, len(q))
    index = lookup[codes]
    values = np.zeros(len(q))
    for start in range(0, len(q), _BLOCK_ROWS):
        block = slice(start, start + _BLOCK_ROWS)
        for k, method in enumerate(names):
            rows = np.flatnonzero(index[block] == k) + start
            if len(rows) == len(index[block]):
                values[block] = forecast(q[block], method, **params)
            elif len(rows):
                values[rows] = forecast(q[rows], method, **params)
    if one:
        return values.reshape(()), index.reshape(()), names
    return values, index, names


# -- the kernels: one block of series, transposed to (months, series) ----------------------------------


def _by_block(demand: ArrayLike, kernel: Callable[[np.ndarray], np.ndarray], last: int | None = None
              ) -> np.ndarray:
    """Apply ``kernel`` to the (months, series) transpose of each block of series; ``last`` months only if given."""
    q, one = demand_rows(demand, min_months=1, why=" to forecast")
    n, months = q.shape
    first = 0 if last is None else max(0, months - last)
    out = np.empty(n)
    for start in range(0, n, _BLOCK_ROWS):
        block = slice(start, start + _BLOCK_ROWS)
        # one strided copy per block; every month is then a contiguous row of the block's series
        out[block] = kernel(np.ascontiguousarray(q[block, first:].T))
    return out.reshape(()) if one else out


def _window_mean(y: np.ndarray) -> np.ndarray:
    total = y[0].copy()
    for t in range(1, len(y)):
        total += y[t]
    return total / len(y)


def _smooth(y: np.ndarray, alpha: float) -> np.ndarray:
    """SES of every column of y (months, series), the level starting at the first row (statsforecast's arithmetic)."""
    level = y[0].copy()
    if len(y) == 1:
        return level
    keep = 1.0 - alpha
    step = np.empty_like(level)
    for t in range(len(y)):  # statsforecast smooths the first value into itself too
        np.multiply(y[t], alpha, out=step)
        level *= keep
        level += step
    return level


def _croston_ratio(y: np.ndarray, alpha: float) -> np.ndarray:
    size, interval, _ = _intermittent_levels(y, alpha, intervals=True)
    return size / interval  # interval >= 1: never a division by zero


def _tsb_product(y: np.ndarray, alpha_d: float, alpha_p: float) -> np.ndarray:
    size, _, probability = _intermittent_levels(y, alpha_d, alpha_p=alpha_p)
    return probability * size


def _intermittent_levels(y: np.ndarray, alpha: float, *, intervals: bool = False, alpha_p: float | None = None
                         ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """The smoothed size, interval (if asked) and probability of demand (if ``alpha_p``) of every column of y.

    Every month, with the gain a = α where there is demand and 0 elsewhere, one
    update serves all series: ``level = a * x + (1 - a) * level`` leaves the
    series without demand exactly as they were (0 * x + 1 * level) and is
    statsforecast's ``alpha * x + (1 - alpha) * level`` for the others.  Until
    its first demand a series' size level is 0 and its interval level counts the
    months, so its first demand is smoothed into itself, as statsforecast does;
    a series with exactly one demand gets that size and interval as they are, as
    statsforecast returns a one-value SES.  Masks are 0/1 floats: arithmetic on
    them is several times faster than masked assignment (``np.copyto(where=)``).
    """
    months, n = y.shape
    size = np.zeros(n)
    interval = np.zeros(n) if intervals else None
    since = np.zeros(n)  # months since the last demand, counting the current one
    unseen = np.ones(n)  # 1 until the first demand, then 0
    demand = np.empty(n)  # 1 in a month with demand, else 0
    gain = np.empty(n)
    keep = np.empty(n)
    step = np.empty(n)
    probability = None
    if alpha_p is not None:
        probability = np.greater(y[0], 0.0).astype(np.float64)
        keep_p = 1.0 - alpha_p
    for t in range(months):
        yt = y[t]
        np.greater(yt, 0.0, out=demand)
        np.multiply(demand, alpha, out=gain)
        np.subtract(1.0, gain, out=keep)
        size += np.multiply(unseen, yt, out=step)  # a first demand starts the level at itself
        size *= keep
        size += np.multiply(gain, yt, out=step)
        if interval is not None:
            since += 1.0
            interval += unseen  # the interval level of a series not yet seen is the months so far
            interval *= keep
            interval += np.multiply(gain, since, out=step)
            np.subtract(1.0, demand, out=step)
            since *= step  # 0 after a demand
            unseen *= step
        else:
            unseen *= np.subtract(1.0, demand, out=step)
        if probability is not None and months > 1:  # statsforecast returns a one-value SES as it is
            probability *= keep_p
            probability += np.multiply(demand, alpha_p, out=step)
    single = np.count_nonzero(y, axis=0) == 1  # y >= 0: non-zero is demand
    if single.any():
        size = np.where(single, y.sum(axis=0), size)  # the one size: the other months are 0
        if interval is not None:
            interval = np.where(single, months - since, interval)  # the first interval: the month of the sale
    return size, interval, probability


# -- checks ------------------------------------------------------------------------------------------------


def _forecaster(method: object) -> Callable[..., np.ndarray]:
    return FORECASTERS[one_of("method", method, FORECASTERS)]


def _check_params(params: Mapping[str, Any]) -> None:
    """Each option a forecaster takes, checked; an option none takes is a TypeError, as Python raises for an
    unexpected keyword argument (the options are keywords of :func:`forecast` and :func:`auto`)."""
    unknown = [name for name in params if name not in _PARAM_NAMES]
    if unknown:
        raise TypeError(f"unexpected forecast option {unknown[0]!r}; the forecasters accept "
                        f"{', '.join(_PARAM_NAMES)}")
    for name, value in params.items():
        if name == "sma_months":
            number(name, value, least=1, whole=True)
        else:
            _alpha(name, value)


def _alpha(name: str, value: object) -> None:
    number(name, value, least=0, greatest=1, open_low=True,
           hint="Use a smoothing constant such as 0.1 (small: slow to react, 1: the last value).")


def _auto_table(table: Mapping[str, str]) -> tuple[np.ndarray, tuple[str, ...]]:
    """The method position of every pattern code, and the methods' names in FORECASTERS order."""
    merged = dict(AUTO_METHODS)
    for pattern, method in dict(table).items():
        if pattern not in PATTERNS:
            raise ConfigError(f"the auto forecast table has an unknown demand pattern {pattern!r}; "
                              f"the patterns are {', '.join(PATTERNS)}")
        if method not in FORECASTERS:
            raise ConfigError(f"the auto forecast table maps {pattern!r} to an unknown method {method!r}; "
                              f"choose one of {', '.join(FORECASTERS)}")
        merged[pattern] = method
    names = tuple(method for method in FORECASTERS if method in merged.values())
    lookup = np.array([names.index(merged[pattern]) for pattern in PATTERNS], dtype=np.int8)
    return lookup, names


def _pattern_codes(pattern: ArrayLike, n: int) -> np.ndarray:
    """The pattern codes (positions in PATTERNS) of n series, from codes or names."""
    given = np.atleast_1d(np.asarray(pattern))
    if given.shape != (n,):
        raise InputError(f"`pattern` must have shape ({n:,},), one demand pattern per series of `demand`; got shape "
                         f"{np.shape(pattern)}")
    if given.dtype.kind in "iu":
        one_of("pattern", given, range(len(PATTERNS)), hint=f"Codes are positions in {PATTERNS}.", error=InputError)
        return given.astype(np.intp)
    names, inverse = np.unique(one_of("pattern", given.astype(str), PATTERNS, error=InputError), return_inverse=True)
    return np.array([PATTERNS.index(name) for name in names], dtype=np.intp)[inverse.reshape(-1)]
