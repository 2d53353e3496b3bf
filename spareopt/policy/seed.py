"""The seed's stocking policy: safety stock SSQ, reorder point and maximum stock."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..timing import DAYS_PER_MONTH

__all__ = ["DAYS_PER_MONTH", "ceil_units", "max_stock", "reorder_point", "ssq"]

CEIL_TOLERANCE = 1e-9
"""A quantity within this of a whole number is that whole number (no ceiling of float noise)."""


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
    return np.asarray(mad, dtype=np.float64) * (np.asarray(order_cycle_days, dtype=np.float64)
                                                + np.asarray(lead_time_days, dtype=np.float64)) / ssq_divisor


def reorder_point(mad: ArrayLike, lead_time_days: ArrayLike, ssq: ArrayLike) -> np.ndarray:
    """Reorder point: demand over the lead time plus safety stock, rounded up.

    Notes
    -----
    .. math:: ROP = \\lceil MAD \\cdot L/T / D + SSQ \\rceil, \\quad D = 365.25 / 12

    with the ceiling taken with a 1e-9 tolerance (:func:`ceil_units`).

    Examples
    --------
    MAD 6, L/T 5 days, SSQ 12: 6 x 5 / 30.4375 + 12 = 12.99 -> 13.

    >>> reorder_point([6.0], 5, [12.0])
    array([13])
    """
    mad = np.asarray(mad, dtype=np.float64)
    return ceil_units(mad * np.asarray(lead_time_days, dtype=np.float64) / DAYS_PER_MONTH
                      + np.asarray(ssq, dtype=np.float64))


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
    """
    mad = np.asarray(mad, dtype=np.float64)
    lead = np.asarray(lead_time_days, dtype=np.float64)
    cycle = np.asarray(order_cycle_days, dtype=np.float64)
    top = ceil_units(mad * (lead + cycle) / DAYS_PER_MONTH + np.asarray(ssq, dtype=np.float64))
    return np.maximum(reorder_point(mad, lead, ssq), top)


def ceil_units(x: ArrayLike) -> np.ndarray:
    """Round up to whole units, treating values within 1e-9 above an integer as that integer.

    >>> ceil_units([2.0000000001, 2.1, 0.0]).tolist()
    [2, 3, 0]
    """
    return np.maximum(np.ceil(np.asarray(x, dtype=np.float64) - CEIL_TOLERANCE), 0).astype(np.int64)
