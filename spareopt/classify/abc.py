"""ABC (Pareto) classification by annual usage value, per dealer."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from .._sort import group_codes, rank_in_group, rank_within_groups
from ..errors import InputError
from ..validate import nonnegative, number, one_of, require

__all__ = ["ABC_BASES", "ABC_CUTOFFS", "abc"]

ABC_CUTOFFS = ("value", "count")
"""Cut ABC at a share of the value (the seed) or at a share of the items (the classic 20 / 30 / 50 %)."""

ABC_BASES = ("value", "quantity", "hits")
"""What ABC ranks: usage value, units, or hits (months with demand, or order lines)."""

_CUTOFF_HINT = ("value: cut at shares of the group's value (abc_a, abc_b); count: at shares of its items "
                "(abc_count_a, abc_count_b)")

_SHARE_HINT = {
    "value": "A holds the first abc_a of the value, A and B the first abc_b, e.g. 0.8 and 0.95 (the seed's).",
    "count": "A is the first abc_count_a of the items, A and B the first abc_count_b, e.g. 0.2 and 0.5.",
}


def abc(
    value: ArrayLike,
    *,
    group: ArrayLike | None = None,
    order: ArrayLike | None = None,
    abc_a: float = 0.80,
    abc_b: float = 0.95,
    abc_cutoff: str = "value",
    abc_count_a: float = 0.20,
    abc_count_b: float = 0.50,
) -> np.ndarray:
    """ABC class of every item by its share of the cumulative value (or of the items) in its group.

    Parameters
    ----------
    value : array_like, shape (n,)
        Usage value v >= 0 of each item (unit_cost x quantity over the ABC
        window, or the quantity itself when no cost is known).
    group : array_like, shape (n,), optional
        Group of each item (the dealer); items are ranked within their group.
        Default: one group.
    order : array_like, shape (n,), optional
        Tie-break among equal values, ascending (e.g. the part number's rank).
        Default: input position.
    abc_a, abc_b : float
        Cumulative value-share cut-offs, 0 < abc_a <= abc_b <= 1
        (``abc_cutoff="value"``).
    abc_cutoff : {"value", "count"}
        ``"value"``: cut at a share of the group's total value (the seed's rule);
        ``"count"``: cut at a share of the group's items (the classic 20 / 30 / 50 %).
    abc_count_a, abc_count_b : float
        Cumulative item-share cut-offs, 0 < abc_count_a <= abc_count_b <= 1
        (``abc_cutoff="count"``): the first 20 % of the items are A, the next
        30 % (up to 50 %) B, the rest C.

    Returns
    -------
    ndarray of str, shape (n,)
        ``"A"``, ``"B"`` or ``"C"``.

    Raises
    ------
    InputError
        A value that is negative, NaN or infinite, or not 1-D.
    ConfigError
        An unknown ``abc_cutoff``, or cut-offs out of (0, 1] or out of order.

    Notes
    -----
    Within each group, sort by value descending (ties by ``order``).  With
    :math:`S_i` the share of the group's total value held by the items ranked
    before item i, the item is A while :math:`S_i < a`, B while :math:`S_i < b`,
    and C otherwise.  An item of zero value is C, so is every item of a group
    whose total is zero.  Consequently A's value share is at least ``abc_a``
    whenever A is not empty: the first item that is not A has
    :math:`S_i \\ge a`, and :math:`S_i` is exactly A's share.

    With ``abc_cutoff="count"`` the share before item i is its rank's:
    :math:`S_i = (r_i - 1) / n_g` for the item ranked :math:`r_i` (1, 2, ...)
    among the :math:`n_g` items of its group, against ``abc_count_a`` and
    ``abc_count_b``.  47 items at 20 / 30 / 50 % give 10 A
    (:math:`9/47 < 0.2 \\le 10/47`), 14 B and 23 C, as in Flores, Olson &
    Dorai (1992).  Zero value is still C.

    References
    ----------
    Haima after-sales parts case study (``shared/seed``), section 1.1: A holds
    about 80 % of the value with about 20 % of the items, B about 15 % with 30 %,
    C about 5 % with 50 %.

    Examples
    --------
    The seed's 80 / 95 split on four parts worth 50, 30, 15 and 5:

    >>> abc([50, 30, 15, 5]).tolist()
    ['A', 'A', 'B', 'C']

    By item count, the first 20 % of ten items are A and the next 30 % B:

    >>> "".join(abc([10, 9, 8, 7, 6, 5, 4, 3, 2, 1], abc_cutoff="count"))
    'AABBBCCCCC'
    """
    v = nonnegative("value", value)
    if v.ndim != 1:
        raise InputError(f"`value` must be 1-D, one usage value per item; got shape {v.shape}")
    one_of("abc_cutoff", abc_cutoff, ABC_CUTOFFS, hint=_CUTOFF_HINT)
    names = ("abc_a", "abc_b")
    if abc_cutoff == "count":
        names, abc_a, abc_b = ("abc_count_a", "abc_count_b"), abc_count_a, abc_count_b
    number(names[0], abc_a, least=0, greatest=1, open_low=True, hint=_SHARE_HINT[abc_cutoff])
    number(names[1], abc_b, least=(names[0], abc_a), greatest=1, hint=_SHARE_HINT[abc_cutoff])
    n = len(v)
    _check_labels("group", group, n)
    _check_labels("order", order, n)
    g = group_codes(group, n)
    idx = rank_within_groups(g, [v], order)
    vs, gs = v[idx], g[idx]
    first = np.r_[True, gs[1:] != gs[:-1]] if n else np.zeros(0, dtype=bool)
    if abc_cutoff == "count":
        size = np.bincount(gs)[gs] if n else np.zeros(0)
        share = (rank_in_group(gs) - 1) / size
        return _classes(share, vs, idx, abc_a, abc_b)
    previous = np.where(first, 0.0, np.r_[0.0, vs[:-1]])  # the value ranked just before, 0 at a group start
    before = pd.Series(previous).groupby(gs, sort=False).cumsum().to_numpy()  # a running sum, never a difference
    total = np.bincount(gs, weights=vs)[gs] if n else vs
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(total > 0, before / total, np.inf)
    return _classes(share, vs, idx, abc_a, abc_b)


def _check_labels(name: str, labels: ArrayLike | None, n: int) -> None:
    """``group`` or ``order``: none, or one label per item, none of them missing (NaN or None)."""
    if labels is None:
        return
    try:
        x = np.asarray(labels)
    except ValueError:  # numpy refuses a ragged sequence
        raise InputError(f"`{name}` must have shape ({n:,},), one label per item of `value`; got rows of "
                         "different lengths (a ragged sequence)") from None
    if x.shape != (n,):
        raise InputError(f"`{name}` must have shape ({n:,},), one label per item of `value`; got shape {x.shape}")
    if x.dtype.kind in "fO":  # a missing label has no group and no rank
        require(~pd.isna(x), f"`{name}` must not be missing (NaN or None)", **{name: x})


def _classes(share: np.ndarray, vs: np.ndarray, idx: np.ndarray, a: float, b: float) -> np.ndarray:
    """Classes of the ranked items from the share before each, put back in input order."""
    n = len(vs)
    cls = np.where(share < a, "A", np.where(share < b, "B", "C"))
    cls[vs <= 0] = "C"
    out = np.empty(n, dtype="<U1")
    out[idx] = cls
    return out
