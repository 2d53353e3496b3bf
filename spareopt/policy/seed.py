"""The seed's stocking policy: safety stock SSQ, reorder point and maximum stock."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..timing import DAYS_PER_MONTH
from ..validate import nonnegative, number, per_series, require

__all__ = ["DAYS_PER_MONTH", "MAX_UNITS", "ceil_units", "max_stock", "reorder_point", "ssq"]

CEIL_TOLERANCE = 1e-9
"""A quantity within this of a whole number is that whole number (no ceiling of float noise)."""

MAX_UNITS = 2.0**53
"""The highest stock level, in units: a float64 holds every whole number up to 2**53 (9.0e15) exactly.  A level
above it comes from a quantity or a lead time in the wrong unit, and would not fit the int64 of the levels."""

LEVEL_FIX = "Check the demand, lead time and order cycle for a typo or a value in the wrong unit"
"""The hint of a stock level above :data:`MAX_UNITS`."""


def ssq(
    mad: ArrayLike,
    order_cycle_days: ArrayLike,
    lead_time_days: ArrayLike,
    *,
    ssq_divisor: float = 6.0,
) -> np.ndarray:
    """Safety stock quantity of the seed: SSQ = MAD x (O/C + L/T) / 6.

    Parameters
    ----------
    mad : array_like, shape (n,)
        Monthly average demand, units/month.
    order_cycle_days : array_like, shape (n,) or scalar
        O/C, the order cycle (采购周期), days.
    lead_time_days : array_like, shape (n,) or scalar
        L/T, the lead time (到货周期), days.
    ssq_divisor : float
        The seed's divisor, 6.

    Returns
    -------
    ndarray, shape (n,)
        SSQ in units (not rounded).

    Raises
    ------
    InputError
        An argument that is not numbers, negative, NaN or infinite, or not a scalar or one value per series; an
        SSQ too large for a float64.
    ConfigError
        ``ssq_divisor`` not a finite number > 0.

    Notes
    -----
    .. math:: SSQ = MAD \\times (O/C + L/T) / 6

    The seed applies the formula to O/C and L/T in days as they stand; it is
    linear in the supply cycle O/C + L/T.

    References
    ----------
    Haima after-sales parts case study (``shared/seed``), section 3 step (2):
    "SSQ=MAD×(O/C+L/T)/6".

    Examples
    --------
    MAD 6 with a 7-day order cycle and 5-day lead time:

    >>> ssq([6.0], 7, 5)
    array([12.])
    """
    m, cycle, lead = _per_series(mad=mad, order_cycle_days=order_cycle_days, lead_time_days=lead_time_days)
    divisor = number("ssq_divisor", ssq_divisor, least=0, open_low=True)
    with np.errstate(over="ignore"):
        out = m * (cycle + lead) / divisor
    if out.size and not out.max() < np.inf:
        require(out < np.inf, "`ssq` must be finite", hint=LEVEL_FIX, mad=m, order_cycle_days=cycle,
                lead_time_days=lead)
    return out


def reorder_point(mad: ArrayLike, lead_time_days: ArrayLike, ssq: ArrayLike) -> np.ndarray:
    """Reorder point: demand over the lead time plus safety stock, rounded up.

    Notes
    -----
    .. math:: ROP = \\lceil MAD \\cdot L/T / D + SSQ \\rceil, \\quad D = 365.25 / 12

    with the ceiling taken with a 1e-9 tolerance (:func:`ceil_units`).

    Raises
    ------
    InputError
        An argument that is not numbers, negative, NaN or infinite, or not a scalar or one value per series; a
        reorder point above :data:`MAX_UNITS`.

    Examples
    --------
    MAD 6, L/T 5 days, SSQ 12: 6 x 5 / 30.4375 + 12 = 12.99 -> 13.

    >>> reorder_point([6.0], 5, [12.0])
    array([13])

    A lead time of a year on a MAD of 1e15 units needs more units than a level can hold:

    >>> reorder_point([6.0, 1e15], [5, 365], [12.0, 0])
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `reorder_point` must be at most 9,007,199,254,740,992 units; 1 of 2 rows break it
    (first: row 1, mad 1000000000000000, lead_time_days 365, ssq 0). Check the demand, lead time and order cycle
    for a typo or a value in the wrong unit
    """
    m, lead, safety = _per_series(mad=mad, lead_time_days=lead_time_days, ssq=ssq)
    return _level("reorder_point", m, lead, safety, mad=m, lead_time_days=lead, ssq=safety)


def max_stock(
    mad: ArrayLike,
    lead_time_days: ArrayLike,
    order_cycle_days: ArrayLike,
    ssq: ArrayLike,
) -> np.ndarray:
    """Maximum stock (order-up-to level): demand over L/T + O/C plus safety stock.

    Notes
    -----
    .. math::

        MAX = \\max(ROP, \\lceil MAD (L/T + O/C) / D + SSQ \\rceil), \\quad D = 365.25 / 12

    Examples
    --------
    MAD 6, L/T 5, O/C 7, SSQ 12: 6 x 12 / 30.4375 + 12 = 14.37 -> 15.

    >>> max_stock([6.0], 5, 7, [12.0])
    array([15])

    Raises
    ------
    InputError
        As :func:`reorder_point`, for a maximum stock above :data:`MAX_UNITS`.
    """
    m, lead, cycle, safety = _per_series(mad=mad, lead_time_days=lead_time_days, order_cycle_days=order_cycle_days,
                                         ssq=ssq)
    top = _level("max_stock", m, lead + cycle, safety, mad=m, lead_time_days=lead, order_cycle_days=cycle,
                 ssq=safety)  # the reorder point is at most the maximum: it fits when the maximum does
    return np.maximum(_level("reorder_point", m, lead, safety), top)


def _per_series(**arrays: ArrayLike) -> list[np.ndarray]:
    """The arguments as float64, checked finite and >= 0, each a scalar or one value per series (as many as the
    first 1-D argument has)."""
    checked = {name: nonnegative(name, value) for name, value in arrays.items()}
    n = next((x.size for x in checked.values() if x.ndim == 1), 1)
    for name, x in checked.items():
        per_series(name, x.shape, n, per="series")
    return list(checked.values())


def _level(name: str, rate: np.ndarray, days: np.ndarray, safety: np.ndarray, /, **shown: np.ndarray) -> np.ndarray:
    """``ceil(rate x days / D + safety)`` in whole units, checked at most :data:`MAX_UNITS` (``shown`` name the
    arguments in the message; none when the caller checked a larger level already)."""
    with np.errstate(over="ignore"):
        level = rate * days / DAYS_PER_MONTH + safety
    if shown and level.size and not level.max() <= MAX_UNITS:
        require(level <= MAX_UNITS, f"`{name}` must be at most {MAX_UNITS:,.0f} units", hint=LEVEL_FIX, **shown)
    return ceil_units(level)


def ceil_units(x: ArrayLike) -> np.ndarray:
    """Round up to whole units, treating values within 1e-9 above an integer as that integer.

    >>> ceil_units([2.0000000001, 2.1, 0.0]).tolist()
    [2, 3, 0]
    """
    return np.maximum(np.ceil(np.asarray(x, dtype=np.float64) - CEIL_TOLERANCE), 0).astype(np.int64)
