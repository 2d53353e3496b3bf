"""One way to check a value, with one message style: the rule, how many rows break it, the first one.

The array kernels (:mod:`spareopt.policy`, :mod:`spareopt.replay`) check their arguments here, so that a
negative lead time reads the same wherever it is passed::

    `lead_time_days` must be finite and >= 0; 2 of 40 rows break it (first: row 7 = -1)

Bad values are data: the error is an :class:`spareopt.InputError` (a ``ValueError``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .errors import InputError

__all__ = ["first_break", "nonnegative", "show"]


def show(value: Any) -> str:
    """A number as the user wrote it: ``0`` for a whole number, ``2.5``, ``nan`` or ``inf`` otherwise.

    >>> show(3.0), show(2.5), show(float("nan"))
    ('3', '2.5', 'nan')
    """
    v = float(value)
    return str(int(v)) if np.isfinite(v) and v.is_integer() else repr(v)


def first_break(rule: str, ok: np.ndarray, value: np.ndarray) -> str:
    """The message of a rule that some rows of ``value`` break (``ok`` False): how many, and the first.

    >>> first_break("`s` must be whole units", np.array([True, False, False]), np.array([1.0, 2.5, 0.5]))
    '`s` must be whole units; 2 of 3 rows break it (first: row 1 = 2.5)'
    >>> first_break("`decay` must be finite and >= 0", np.array(False), np.array(-1.0))
    '`decay` must be finite and >= 0; got -1'
    """
    if np.ndim(value) == 0:
        return f"{rule}; got {show(value)}"
    bad = np.flatnonzero(~np.asarray(ok).ravel())
    return f"{rule}; {bad.size:,} of {np.size(ok):,} rows break it (first: row {bad[0]} = {show(value.ravel()[bad[0]])})"


def nonnegative(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as float64, checked finite and >= 0 (NaN fails).

    Raises
    ------
    InputError
        Naming ``name``, how many rows break the rule, and the first.

    >>> nonnegative("lead_time_days", [5, 0]).tolist()
    [5.0, 0.0]
    >>> nonnegative("lead_time_days", [5, -1, float("nan")])
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `lead_time_days` must be finite and >= 0; 2 of 3 rows break it (first: row 1 = -1)
    """
    x = np.asarray(value, dtype=np.float64)
    if x.size and not (x.min() >= 0 and x.max() < np.inf):  # NaN fails the first test; no mask when all pass
        raise InputError(first_break(f"`{name}` must be finite and >= 0", (x >= 0) & (x < np.inf), x))
    return x
