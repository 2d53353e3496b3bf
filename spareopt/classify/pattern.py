"""Demand pattern (Syntetos, Boylan & Croston), XYZ by variability and FSN by movement, per series."""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..validate import matrix, number

__all__ = [
    "FSN_CLASSES",
    "HITS_MONTHS",
    "PATTERNS",
    "XYZ_CLASSES",
    "MovementResult",
    "PatternResult",
    "XYZResult",
    "demand_pattern",
    "fsn",
    "hits",
    "xyz",
]

PATTERNS = ("smooth", "erratic", "intermittent", "lumpy", "no_demand")
"""The SBC classes; a series' position here is 2 x (ADI above cut-off) + (CV2 above cut-off), 4 for no demand."""

XYZ_CLASSES = ("X", "Y", "Z")
"""XYZ by the coefficient of variation of monthly demand: X steady, Y varying, Z erratic or no demand."""

FSN_CLASSES = ("F", "S", "N")
"""FSN by the months since the last demand: fast, slow, non-moving."""

HITS_MONTHS = 12
"""The window of ``hits_12m``: the last 12 months up to as_of."""

_BLOCK_VALUES = 1 << 18
"""Values per block of series in the deviation pass: a 2 MB float64 temporary, not a copy of the matrix."""


@dataclass(frozen=True, eq=False)
class PatternResult:
    """Demand pattern of every series (:func:`demand_pattern`)."""

    adi: np.ndarray
    """Average inter-demand interval in months, >= 1; NaN for no demand."""
    cv2: np.ndarray
    """Squared coefficient of variation of the non-zero demand sizes, >= 0; NaN for no demand."""
    pattern: np.ndarray
    """One of :data:`PATTERNS` (object array of str)."""
    code: np.ndarray
    """The position of ``pattern`` in :data:`PATTERNS` (int8): the pattern without a string per series."""

    def to_frame(self) -> pd.DataFrame:
        """One row per series, columns adi, cv2, pattern."""
        return _frame(self)


@dataclass(frozen=True, eq=False)
class XYZResult:
    """XYZ class of every series (:func:`xyz`)."""

    cv: np.ndarray
    """Coefficient of variation of monthly demand, zeros included; NaN for no demand."""
    xyz_class: np.ndarray
    """``"X"``, ``"Y"`` or ``"Z"`` (str array)."""

    def to_frame(self) -> pd.DataFrame:
        """One row per series, columns cv, xyz_class."""
        return _frame(self)


@dataclass(frozen=True, eq=False)
class MovementResult:
    """Movement of every series (:func:`fsn`)."""

    months_since_demand: np.ndarray
    """Months from the last month with demand to as_of (0: demand in as_of); NaN if never."""
    fsn_class: np.ndarray
    """``"F"``, ``"S"`` or ``"N"`` (str array)."""
    hits_12m: np.ndarray
    """Months with demand among the last 12 (int64)."""
    phase_in: np.ndarray
    """At least ``phase_in_hits`` months with demand among the last ``phase_in_months`` (bool)."""
    phase_out: np.ndarray
    """No demand in the last ``phase_out_months`` months (bool); False when the history is shorter."""

    def to_frame(self) -> pd.DataFrame:
        """One row per series, one column per field."""
        return _frame(self)


def demand_pattern(demand: ArrayLike, *, adi_cutoff: float = 1.32, cv2_cutoff: float = 0.49) -> PatternResult:
    """Demand pattern of every series: smooth, erratic, intermittent or lumpy (SBC).

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand q >= 0 in units, oldest month first; the last column is
        ``as_of``.  Zeros are months without demand.
    adi_cutoff : float
        ADI above this is intermittent or lumpy, >= 1 (SBC: 1.32).
    cv2_cutoff : float
        CV² above this is erratic or lumpy, >= 0 (SBC: 0.49).

    Returns
    -------
    PatternResult
        ``adi`` and ``cv2`` (float64) and ``pattern`` (one of :data:`PATTERNS`),
        each of shape (n_series,), or 0-d for one series given as 1-D.

    Raises
    ------
    InputError
        Demand that is negative, NaN or infinite, or not 1-D or 2-D.
    ConfigError
        A cut-off out of range.

    Notes
    -----
    With :math:`t_0` the first month with demand, :math:`T` the last month of
    the matrix and :math:`k` the number of months with :math:`q_t > 0`:

    .. math::

        ADI = \\frac{T - t_0 + 1}{k}, \\qquad
        CV^2 = \\left(\\frac{s}{\\bar z}\\right)^2, \\quad
        \\bar z = \\frac{1}{k}\\sum_{q_t > 0} q_t, \\quad
        s^2 = \\frac{1}{k - 1}\\sum_{q_t > 0} (q_t - \\bar z)^2

    so the interval is counted from the first demand, not from the start of the
    matrix (leading zeros before a part's first sale do not count), and the
    variance of the k sizes divides by k - 1 (n - 1, DOMAIN.md "Conventions").  One month with
    demand gives CV² = 0; no demand gives ADI = CV² = NaN and ``"no_demand"``.

    ========================  =================  ================
    pattern                   CV² <= cv2_cutoff  CV² > cv2_cutoff
    ========================  =================  ================
    ADI <= adi_cutoff         smooth             erratic
    ADI > adi_cutoff          intermittent       lumpy
    ========================  =================  ================

    A value equal to a cut-off goes to the lower side.  The sum of squared
    deviations is the corrected two-pass sum of Chan, Golub & LeVeque (1983),
    :math:`\\sum d^2 - (\\sum d)^2 / k` with :math:`d = q_t - \\bar z` over the
    months with demand, never :math:`\\sum q^2 - (\\sum q)^2 / k`.

    References
    ----------
    Syntetos, A. A., Boylan, J. E. & Croston, J. D. (2005). On the categorization
    of demand patterns. *Journal of the Operational Research Society* 56(5):495-503
    (cut-offs ADI 1.32 and CV² 0.49).

    Syntetos, A. A. & Boylan, J. E. (2005). The accuracy of intermittent demand
    estimates. *International Journal of Forecasting* 21(2):303-314: the
    automotive data set whose per-SKU ADI and CV² these formulas reproduce
    (``shared/data/auto_syntetos_boylan``).

    Chan, T. F., Golub, G. H. & LeVeque, R. J. (1983). Algorithms for computing
    the sample variance: analysis and recommendations. *The American
    Statistician* 37(3):242-247 (the corrected two-pass algorithm).

    Examples
    --------
    Four parts over six months and one never sold.  The second part first sells
    in month 2, so ADI = 5 / 3; its sizes 3, 5, 4 have mean 4 and variance 1,
    so CV² = 1 / 16:

    >>> result = demand_pattern([[4, 6, 4, 6, 4, 6],
    ...                          [0, 3, 0, 0, 5, 4],
    ...                          [1, 9, 1, 9, 1, 9],
    ...                          [0, 0, 1, 0, 0, 9],
    ...                          [0, 0, 0, 0, 0, 0]])
    >>> result.adi.round(4)
    array([1.    , 1.6667, 1.    , 2.    ,    nan])
    >>> result.cv2
    array([0.048 , 0.0625, 0.768 , 1.28  ,    nan])
    >>> result.pattern.tolist()
    ['smooth', 'intermittent', 'erratic', 'lumpy', 'no_demand']
    """
    number("adi_cutoff", adi_cutoff, least=1, hint="An ADI (months per demand) is never below 1.")
    number("cv2_cutoff", cv2_cutoff, least=0)
    q, one = demand_rows(demand)
    n, months = q.shape
    nonzero = q > 0
    k = hits(nonzero)
    first = nonzero.argmax(axis=1) if months else np.zeros(n, dtype=np.intp)
    some = k > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        adi = np.where(some, (months - first) / k, np.nan)
        mean = q.sum(axis=1) / np.maximum(k, 1)  # zero months add nothing to the sum of sizes (q >= 0)
        squares = _sum_squared_deviations(q, mean, nonzero, k)
        cv2 = np.where(k > 1, squares / ((k - 1) * mean * mean), np.where(some, 0.0, np.nan))
    code = np.where(some, 2 * (adi > adi_cutoff) + (cv2 > cv2_cutoff), PATTERNS.index("no_demand"))
    code = code.astype(np.int8)
    pattern = np.asarray(PATTERNS, dtype=object)[code]
    return PatternResult(*_shaped(one, adi, cv2, pattern, code))


def xyz(demand: ArrayLike, *, xyz_x: float = 0.5, xyz_y: float = 1.0) -> XYZResult:
    """XYZ class of every series by the coefficient of variation of its monthly demand.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand q >= 0 in units over the months to measure (the ABC
        window), oldest first; zeros are months without demand.  At least 2 months.
    xyz_x : float
        X when cv <= this, >= 0.
    xyz_y : float
        Y when xyz_x < cv <= this, >= xyz_x; Z above.

    Returns
    -------
    XYZResult
        ``cv`` (float64) and ``xyz_class`` (``"X"``, ``"Y"`` or ``"Z"``), each of
        shape (n_series,), or 0-d for one series given as 1-D.

    Raises
    ------
    InputError
        Fewer than 2 months, demand that is negative, NaN or infinite, or not 1-D or 2-D.
    ConfigError
        Cut-offs out of order.

    Notes
    -----
    Over the n months given, zeros included:

    .. math::

        cv = \\frac{s}{\\bar q}, \\qquad \\bar q = \\frac{1}{n}\\sum_t q_t, \\qquad
        s^2 = \\frac{1}{n - 1}\\sum_t (q_t - \\bar q)^2

    The standard deviation uses n - 1, the same sample convention as the SBC
    CV² pinned in DOMAIN.md ("Conventions"); with n - 1 a series of n months is
    :math:`\\sqrt{n / (n - 1)}` times more variable than with n (1.02 for 24
    months).  X when :math:`cv \\le x`, Y when :math:`cv \\le y`, Z otherwise; a
    value equal to a cut-off goes to the lower side.  A series without demand
    has no mean to scale by: cv = NaN and class Z (nothing to forecast).  The
    sum of squares is the corrected two-pass sum, as in :func:`demand_pattern`.

    References
    ----------
    Scholz-Reiter, B., Heger, J., Meinecke, C. & Bergmann, J. (2012).
    Integration of demand forecasts in ABC-XYZ analysis: practical investigation
    at an industrial company. *International Journal of Productivity and
    Performance Management* 61(4):445-451 (XYZ by the coefficient of variation
    of demand).  The cut-offs 0.5 and 1.0 are spareopt's defaults (config keys
    ``xyz_x``, ``xyz_y``); published cut-offs vary by company.

    Examples
    --------
    Demand 1, 2, 3 has mean 2 and s = 1, so cv = 0.5 (X, on the cut-off);
    0, 1, 2 has mean 1 and s = 1, so cv = 1 (Y); 0, 0, 3 has cv = sqrt(3) (Z):

    >>> result = xyz([[1, 2, 3], [0, 1, 2], [0, 0, 3], [0, 0, 0]])
    >>> result.cv.round(4)
    array([0.5   , 1.    , 1.7321,    nan])
    >>> result.xyz_class.tolist()
    ['X', 'Y', 'Z', 'Z']
    """
    number("xyz_x", xyz_x, least=0)
    number("xyz_y", xyz_y, least=("xyz_x", xyz_x))
    q, one = demand_rows(demand, min_months=2, why=" to measure variation")
    _n, months = q.shape
    mean = q.sum(axis=1) / months
    squares = _sum_squared_deviations(q, mean, None, months)
    with np.errstate(invalid="ignore", divide="ignore"):
        cv = np.where(mean > 0, np.sqrt(squares / (months - 1)) / mean, np.nan)
    code = np.where(cv <= xyz_x, 0, np.where(cv <= xyz_y, 1, 2))  # NaN compares False: Z
    return XYZResult(*_shaped(one, cv, np.asarray(XYZ_CLASSES)[code]))


def fsn(
    demand: ArrayLike,
    *,
    fsn_fast_months: int = 3,
    fsn_slow_months: int = 12,
    phase_in_hits: int = 3,
    phase_in_months: int = 4,
    phase_out_months: int = 12,
) -> MovementResult:
    """FSN movement class, recent hits and phase-in / phase-out flags of every series.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand q >= 0 in units, oldest month first; the last column is
        ``as_of``.  Zeros are months without demand.
    fsn_fast_months : int
        F (fast) when the last demand is at most this many months before as_of, >= 0.
    fsn_slow_months : int
        S (slow) up to this many months, >= fsn_fast_months; N (non-moving) above.
    phase_in_hits : int
        ``phase_in`` needs at least this many months with demand, 0 <= phase_in_hits <= phase_in_months ...
    phase_in_months : int
        ... among the last this many months, >= 1.
    phase_out_months : int
        ``phase_out``: no demand in the last this many months, >= 1.

    Returns
    -------
    MovementResult
        ``months_since_demand`` (float64, NaN if never), ``fsn_class``
        (``"F"``, ``"S"`` or ``"N"``), ``hits_12m`` (int64), ``phase_in`` and
        ``phase_out`` (bool), each of shape (n_series,), or 0-d for one series
        given as 1-D.

    Raises
    ------
    InputError
        Demand that is negative, NaN or infinite, or not 1-D or 2-D.
    ConfigError
        A threshold that is not a whole number in range.

    Notes
    -----
    With :math:`t^*` the last month with :math:`q_t > 0` and :math:`T` the last
    month (as_of), months since demand :math:`m = T - t^*`:

    - F when :math:`m \\le` ``fsn_fast_months``, S when :math:`m \\le`
      ``fsn_slow_months``, N otherwise and for a series that never had demand;
    - ``hits_12m`` counts the months with demand among the last 12 (all the
      months when the matrix is shorter);
    - ``phase_in`` when at least ``phase_in_hits`` of the last ``phase_in_months``
      months have demand (the common DMS stocking criterion: 3 of the last 4);
      over all the months when the matrix is shorter;
    - ``phase_out`` when :math:`m \\ge` ``phase_out_months`` or there never was
      demand.  A matrix of fewer than ``phase_out_months`` months cannot tell a
      part that stopped selling from one that sells rarely, so ``phase_out`` is
      then False for every series.

    References
    ----------
    FSN (fast, slow, non-moving) analysis is textbook materials-management
    practice; its month thresholds, like the phase-in rule, are spareopt's
    defaults (config keys of the same names), not one source's.

    Examples
    --------
    Over 12 months: sold in as_of; last sold 5 months before as_of; sold only in
    the first month (11 months before); never sold:

    >>> result = fsn([[0] * 8 + [2, 0, 1, 3],
    ...               [1] * 7 + [0] * 5,
    ...               [4] + [0] * 11,
    ...               [0] * 12])
    >>> result.months_since_demand
    array([ 0.,  5., 11., nan])
    >>> result.fsn_class.tolist()
    ['F', 'S', 'S', 'N']
    >>> result.hits_12m.tolist(), result.phase_in.tolist(), result.phase_out.tolist()
    ([3, 7, 1, 0], [True, False, False, False], [False, False, False, True])
    """
    number("fsn_fast_months", fsn_fast_months, least=0, whole=True)
    number("fsn_slow_months", fsn_slow_months, least=("fsn_fast_months", fsn_fast_months), whole=True)
    number("phase_in_months", phase_in_months, least=1, whole=True)
    number("phase_in_hits", phase_in_hits, least=0, greatest=("phase_in_months", phase_in_months), whole=True)
    number("phase_out_months", phase_out_months, least=1, whole=True)
    q, one = demand_rows(demand)
    n, months = q.shape
    nonzero = q > 0
    if months:
        # argmax on the months reversed finds the latest month with demand (a view, no copy);
        # it lands on month 0 of the reversal when there is none, so look that month up.
        since = nonzero[:, ::-1].argmax(axis=1)
        seen = np.take_along_axis(nonzero, (months - 1 - since)[:, None], axis=1)[:, 0]
    else:
        since, seen = np.zeros(n, dtype=np.intp), np.zeros(n, dtype=bool)
    months_since = np.where(seen, since, np.nan)
    code = np.where(seen, (since > fsn_fast_months).astype(np.intp) + (since > fsn_slow_months), 2)
    hits_12m = hits(nonzero[:, max(0, months - HITS_MONTHS):])
    phase_in = hits(nonzero[:, max(0, months - int(phase_in_months)):]) >= phase_in_hits
    phase_out = ~seen | (since >= phase_out_months) if months >= phase_out_months else np.zeros(n, dtype=bool)
    return MovementResult(*_shaped(one, months_since, np.asarray(FSN_CLASSES)[code], hits_12m, phase_in,
                                   phase_out))


def hits(demand: ArrayLike) -> np.ndarray:
    """Months with demand (q > 0) of every series.

    Parameters
    ----------
    demand : array_like, shape (n_series, n_months) or (n_months,)
        Monthly demand q >= 0, or a boolean mask of the months with demand.

    Returns
    -------
    ndarray of int64, shape (n_series,) or 0-d

    Examples
    --------
    >>> hits([[0, 2, 0, 1], [0, 0, 0, 0]])
    array([2, 0])
    """
    mask = np.asarray(demand)
    if mask.dtype != np.bool_:
        mask = np.asarray(mask, dtype=np.float64) > 0
    return np.count_nonzero(mask, axis=-1).astype(np.int64, copy=False)


def _sum_squared_deviations(q: np.ndarray, mean: np.ndarray, mask: np.ndarray | None, k: np.ndarray | int
                            ) -> np.ndarray:
    """Corrected two-pass sum of squared deviations from ``mean`` over the months in ``mask`` (all if None).

    Runs over blocks of series so the float temporary stays about 2 MB whatever the
    matrix size (as scikit-learn's ``pairwise_distances_chunked`` bounds its working
    memory); every series is still computed by the same vector operations.
    """
    n, months = q.shape
    out = np.empty(n)
    rows = max(1, _BLOCK_VALUES // max(months, 1))
    for start in range(0, n, rows):
        block = slice(start, start + rows)
        d = q[block] - mean[block, None]
        if mask is not None:
            d *= mask[block]  # months without demand deviate by 0
        total = d.sum(axis=1)
        counts = k if np.ndim(k) == 0 else np.maximum(k[block], 1)
        out[block] = np.einsum("ij,ij->i", d, d) - total * total / counts
    return np.maximum(out, 0.0)  # a constant series can round to -0.0 or -1 ulp


def demand_rows(demand: ArrayLike, *, min_months: int = 0, why: str = "") -> tuple[np.ndarray, bool]:
    """The demand as a float64 (n_series, n_months) array (a view when it already is one), checked finite and
    >= 0 with at least ``min_months`` months (:func:`spareopt.validate.matrix`), and whether it was one 1-D
    series."""
    q = np.asarray(demand)
    return matrix("demand", q, min_months=min_months, one_series=True, why=why), q.ndim == 1


def _shaped(one: bool, *arrays: np.ndarray) -> list[np.ndarray]:
    """The per-series results, 0-d when the demand was one 1-D series."""
    if one:
        return [a.reshape(()) for a in arrays]
    return list(arrays)


def _frame(result: object) -> pd.DataFrame:
    return pd.DataFrame({f.name: np.atleast_1d(getattr(result, f.name))
                         for f in fields(result) if f.name != "code"})  # type: ignore
