"""Ranking within groups with as few sorts as possible (shared by ABC and the stocking priority)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from . import blocks


def group_codes(group: ArrayLike | None, n: int) -> np.ndarray:
    """Codes 0..k-1 of the groups, in the sorted order of the group labels.

    Small non-negative integers (dealer codes) are remapped in one pass; anything
    else is factorised.
    """
    if group is None:
        return np.zeros(n, dtype=np.int64)
    g = np.asarray(group)
    if g.dtype.kind in "iu" and n and g.min() >= 0 and g.max() < 4 * n + 1024:
        present = np.zeros(int(g.max()) + 1, dtype=bool)
        present[g] = True
        return (np.cumsum(present) - 1)[g]
    return pd.factorize(g, sort=True)[0].astype(np.int64)


def rank_within_groups(g: np.ndarray, descending: list[np.ndarray], order: ArrayLike | None) -> np.ndarray:
    """The permutation that sorts by group ascending, then each key of ``descending`` in
    turn descending, then ``order`` ascending (default: position).

    Equivalent to ``np.lexsort((order, -descending[-1], ..., -descending[0], g))``,
    with one stable sort per key instead of one per key plus two: the rows are put in
    (group, order) order first (free when they are in it already, as the pipeline's
    series are), and the group and the first key share one sort on a complex key
    (numpy orders complex numbers by real part, then imaginary part).

    Examples
    --------
    >>> rank_within_groups(np.array([0, 0, 1, 1]), [np.array([1.0, 2.0, 2.0, 2.0])], None).tolist()
    [1, 0, 2, 3]
    """
    n = len(g)
    o = np.arange(n) if order is None else np.asarray(order)
    in_order = n < 2 or bool(np.all((g[1:] > g[:-1]) | ((g[1:] == g[:-1]) & (o[1:] >= o[:-1]))))
    size = blocks.BLOCK_ROWS
    if in_order and n > 2 * size and not np.isnan(descending[0]).any():  # whole groups in blocks, sorted on the
        # cores: the same permutation (a NaN first key sorts after every group in the complex sort, not in its own)
        starts = np.flatnonzero(g[1:] != g[:-1]) + 1
        cuts = np.unique(np.r_[0, starts[np.searchsorted(starts, np.arange(size, n, size))
                                         .clip(max=len(starts) - 1)] if len(starts) else [], n]).astype(np.int64)
        out = np.empty(n, dtype=np.int64)

        def block(which: slice) -> None:
            for i in range(which.start, which.stop):
                rows = slice(int(cuts[i]), int(cuts[i + 1]))
                out[rows] = rows.start + _ranked(g[rows], [key[rows] for key in descending], np.arange(
                    rows.stop - rows.start))

        blocks.for_each_block(block, len(cuts) - 1, size=1)
        return out
    return _ranked(g, descending, np.arange(n) if in_order else np.lexsort((o, g)))


def _ranked(g: np.ndarray, descending: list[np.ndarray], idx: np.ndarray) -> np.ndarray:
    """rank_within_groups from ``idx``, the rows in (group, order) order."""
    n = len(g)
    for key in reversed(descending[1:]):
        idx = idx[np.argsort(-key[idx], kind="stable")]
    first = np.empty(n, dtype=np.complex128)
    first.real = g[idx]
    first.imag = -descending[0][idx]
    return idx[np.argsort(first, kind="stable")]


def rank_in_group(sorted_groups: np.ndarray) -> np.ndarray:
    """1, 2, ... within each run of equal groups of an array sorted by group."""
    n = len(sorted_groups)
    if not n:
        return np.zeros(0, dtype=np.int64)
    first = np.r_[True, sorted_groups[1:] != sorted_groups[:-1]]
    start = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    return np.arange(n) - start + 1
