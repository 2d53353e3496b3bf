"""The seed's MAD: a 6-month weighted moving average of monthly demand."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from ..validate import matrix

__all__ = ["MAD_DIVISOR", "MAD_WEIGHTS", "half_year_quantity", "mad"]

MAD_WEIGHTS = np.arange(1, 7)
"""Whole weights 1..6 over the last 6 months, oldest first."""

MAD_DIVISOR = 21
"""The sum of the weights; the weighted sum is divided by it once, at the end."""


def mad(demand: ArrayLike) -> np.ndarray:
    """Monthly average demand (MAD): the seed's 6-month weighted moving average.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand q, oldest month first; the last column is ``as_of`` (T).
        Months with no sales are zeros.  Needs at least 6 months.

    Returns
    -------
    ndarray, shape (n_series,) or scalar array
        MAD in units per month.

    Raises
    ------
    InputError
        Fewer than 6 months; demand that is NaN or infinite in the last 6 months, or not 1-D or 2-D.

    Notes
    -----
    .. math::

        MAD = (1 q_{T-5} + 2 q_{T-4} + 3 q_{T-3} + 4 q_{T-2} + 5 q_{T-1} + 6 q_T) / 21

    References
    ----------
    Haima after-sales parts case study, "汽车售后备件库存优化分析", section 3 step (2):
    MAD = {(N-6) x sales + ... + (N-1) x sales} / 21 (``shared/seed``).

    Examples
    --------
    A constant series gives the constant; one sale in the latest month weighs 6/21:

    >>> mad([[4, 4, 4, 4, 4, 4], [0, 0, 0, 0, 0, 21]])
    array([4., 6.])
    """
    q = _last_six(demand)
    # Whole weights, one division at the end: exact for whole quantities (a constant
    # series gives the constant to the bit), and the same bits for one series or many,
    # since each step is one elementwise vector operation over the series.
    total = np.zeros(q.shape[:-1])
    term = np.empty(q.shape[:-1])  # one buffer for the six terms: no fresh memory per month
    for month, weight in enumerate(MAD_WEIGHTS):
        total += np.multiply(weight, q[..., month], out=term)
    _check_window(demand, q, total)
    return total / MAD_DIVISOR


def half_year_quantity(demand: ArrayLike) -> np.ndarray:
    """Units sold in the last 6 months, q[T-5] + ... + q[T] (the seed's half-year usage).

    Examples
    --------
    >>> half_year_quantity([[0, 1, 2, 3, 4, 5, 6]])
    array([21.])
    """
    q = _last_six(demand)
    total = q.sum(axis=-1)
    _check_window(demand, q, total)
    return total


def _last_six(demand: ArrayLike) -> np.ndarray:
    """The last 6 months of the demand, checked (:func:`spareopt.validate.matrix`), in the shape it was given.

    Only the window is checked: the months before it do not enter the MAD, and a check of the whole matrix would
    cost two more passes over it on the hot path."""
    try:
        q = np.asarray(demand)
    except ValueError:  # a ragged sequence: the check names it
        matrix("demand", demand, min_months=6, one_series=True, why=" for the MAD")
        raise
    if q.ndim not in (1, 2) or q.shape[-1] < 6 or q.dtype.kind not in "fiu":
        matrix("demand", q, min_months=6, one_series=True, why=" for the MAD")  # raises, naming the rule
    return q[..., -6:].astype(np.float64, copy=False)


def _check_window(demand: ArrayLike, window: np.ndarray, total: np.ndarray) -> None:
    """The window's values must be finite: checked on the series' sums (a NaN or inf month makes its series' sum
    so), which costs one pass over a column, not over the matrix; the message comes from
    :func:`spareopt.validate.matrix`.  A negative month (a net return) is taken as given: the matrix the jobs build
    counts it as 0 already, and checking it here would cost a pass over the window on the hot path."""
    if window.size and not np.isfinite(total).all():
        q = np.asarray(demand)
        matrix("demand", q[..., -6:], min_months=6, one_series=True, why=" for the MAD")
