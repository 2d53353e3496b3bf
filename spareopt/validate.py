"""One way to check a value, with one message style: the rule, how many rows break it, the first one, the fix.

The array kernels (:mod:`spareopt.policy`, :mod:`spareopt.replay`, :mod:`spareopt.classify`,
:mod:`spareopt.forecast`) check their arguments here, so that a negative lead time reads the same wherever it
is passed::

    `lead_time_days` must be finite and >= 0; 2 of 40 rows break it (first: row 7 = -1)

Bad data (demand, stock levels, lead times, pack sizes, shapes) is an :class:`spareopt.InputError`; a bad
setting (a scalar knob, an enumeration, a cut-off, a service target) is a :class:`spareopt.ConfigError`.  Both
subclass ``ValueError``, so ``except ValueError`` still catches them.

- :func:`nonnegative`: an array finite and >= 0 (InputError);
- :func:`whole`: an array of whole numbers >= ``least`` (InputError);
- :func:`matrix`: a demand matrix, 2-D (n_series, months) with enough months, finite and >= 0 (InputError);
- :func:`per_series`: a shape, a scalar or one value per series (InputError);
- :func:`require`: a rule between arrays that the caller computed, e.g. ``max_stock >= reorder_point``
  (InputError);
- :func:`fraction`: service targets in the open interval (0, 1) (ConfigError);
- :func:`number`: one scalar setting, a finite (whole) number within bounds (ConfigError);
- :func:`one_of`: an enumeration, a scalar setting or an array of codes (ConfigError);
- :func:`instance`: an argument of a type of spareopt's own, e.g. the ``Inputs`` of :func:`spareopt.load`
  (InputError).

Each message names the argument in backticks, states the rule, then either ``got <value>`` (a scalar) or
``<k> of <n> rows break it (first: row <i> = <value>)`` (an array), then the hint if the caller gave one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .errors import ConfigError, InputError, SpareoptError, format_examples

__all__ = ["DEMAND_FIX", "TARGET_FIX", "first_break", "fraction", "instance", "matrix", "nonnegative", "number",
           "one_of", "per_series", "require", "show", "whole"]

DEMAND_FIX = ("Net returns into their month and count a negative or missing month as 0, as spareopt.demand_matrix "
              "does.")
"""The hint of a demand matrix with a negative, NaN or infinite month (:func:`matrix`)."""

TARGET_FIX = "Give it as a fraction, e.g. 0.95 for 95%"
"""The hint of a service target outside (0, 1) (:func:`fraction`)."""

_NUMBERS = (int, float, np.integer, np.floating)


def show(value: Any) -> str:
    """A value as the user wrote it: ``3`` for a whole number, ``2.5``, ``nan`` or ``inf``; other values by repr.

    A whole number of 1e16 or more in size is written as a float (``1e+308``, not its 309 digits).

    >>> show(3.0), show(2.5), show(float("nan")), show(np.int64(-1)), show(1e308)
    ('3', '2.5', 'nan', '-1', '1e+308')
    >>> show(True), show("12"), show(np.str_("lumpy")), show(None)
    ('True', "'12'", "'lumpy'", 'None')
    """
    if isinstance(value, (np.ndarray, np.generic)) and np.ndim(value) == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return repr(value)
    v = float(value)
    return str(int(v)) if np.isfinite(v) and v.is_integer() and abs(v) < 1e16 else repr(v)


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
    first = show(value.ravel()[bad[0]])
    return f"{rule}; {bad.size:,} of {np.size(ok):,} rows break it (first: row {bad[0]} = {first})"


def nonnegative(name: str, value: ArrayLike, *, hint: str = "") -> np.ndarray:
    """``value`` as float64, checked finite and >= 0 (NaN fails).

    Parameters
    ----------
    name : str
        The argument's name, as the caller's signature spells it.
    value : array_like of numbers
        Any shape; a scalar gives a 0-d array.
    hint : str
        A sentence after the message: why the rule, or how to fix the value.

    Raises
    ------
    InputError
        Naming ``name``, how many rows break the rule, and the first; or the dtype of values that are not
        numbers (text, bool).

    >>> nonnegative("lead_time_days", [5, 0]).tolist()
    [5.0, 0.0]
    >>> nonnegative("lead_time_days", [5, -1, float("nan")])
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `lead_time_days` must be finite and >= 0; 2 of 3 rows break it (first: row 1 = -1)
    """
    rule = f"`{name}` must be finite and >= 0"
    x = _floats(rule, value, hint, InputError)
    if x.size and not (x.min() >= 0 and x.max() < np.inf):  # NaN fails the first test; no mask when all pass
        raise InputError(_hinted(first_break(rule, (x >= 0) & (x < np.inf), x), hint))
    return x


def whole(name: str, value: ArrayLike, least: float | None = 0, *, hint: str = "") -> np.ndarray:
    """``value`` as float64, checked finite whole numbers >= ``least`` (any whole number when ``least`` is None).

    Parameters
    ----------
    name : str
        The argument's name.
    value : array_like of numbers
        Stock levels, order quantities, pack sizes: any shape; a scalar gives a 0-d array.
    least : number or None
        The smallest whole number allowed (1 for a pack size).
    hint : str
        A sentence after the message, e.g. how to round a plan.

    Raises
    ------
    InputError
        Naming ``name``, how many rows break the rule, and the first; or the dtype of values that are not
        numbers (text, bool).

    >>> whole("pack_size", [1, 6, 12], least=1).tolist()
    [1.0, 6.0, 12.0]
    >>> whole("max_stock", [2, 2.5, -1, 3], hint="Round the plan up (spareopt.policy.ceil_units).")
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `max_stock` must be a whole number >= 0; 2 of 4 rows break it (first: row 1 = 2.5).
    Round the plan up (spareopt.policy.ceil_units).
    """
    rule = f"`{name}` must be a whole number" + ("" if least is None else f" >= {show(least)}")
    x = _floats(rule, value, hint, InputError)
    with np.errstate(invalid="ignore"):
        ok = (np.floor(x) == x) & np.isfinite(x)  # NaN fails the first test, inf the second
        if least is not None:
            ok &= x >= least
    if not ok.all():
        raise InputError(_hinted(first_break(rule, ok, x), hint))
    return x


def matrix(name: str, value: ArrayLike, *, min_months: int = 1, one_series: bool = False, why: str = ""
           ) -> np.ndarray:
    """A demand matrix as float64 (n_series, months), a view when it already is one, checked finite and >= 0.

    Parameters
    ----------
    name : str
        The argument's name (``demand``).
    value : array_like, shape (n_series, months), or (months,) with ``one_series``
        Monthly demand >= 0, oldest month first.
    min_months : int
        The fewest months (columns) the caller needs.
    one_series : bool
        Accept a 1-D array as one series: it is returned as shape (1, months).
    why : str
        Why the caller needs ``min_months``, e.g. ``" to measure variation"``.

    Raises
    ------
    InputError
        A shape that is not 2-D (or 1-D with ``one_series``); fewer months than ``min_months``; a month that is
        negative, NaN or infinite: how many series break it and the first five, with :data:`DEMAND_FIX`.

    >>> matrix("demand", [[1, 0, 2], [0, 0, 3]]).shape
    (2, 3)
    >>> matrix("demand", [[1, -1, 0], [0, 0, 0], [float("nan"), 1, 1]])
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `demand` must be finite and >= 0; 2 of 3 rows break it (first: row 0 month 1 = -1,
    row 2 month 0 = nan). Net returns into their month and count a negative or missing month as 0, as
    spareopt.demand_matrix does.
    >>> matrix("demand", [[5], [3]], min_months=2, why=" to measure variation")
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `demand` must have at least 2 months (columns) to measure variation; got shape (2, 1)
    """
    q = _floats(f"`{name}` must be finite and >= 0", value, "", InputError)
    shape = q.shape
    if one_series and q.ndim == 1:
        q = q.reshape(1, -1)
    if q.ndim != 2:
        shapes = "2-D (n_series, months)" + (" or 1-D (months,)" if one_series else "")
        hint = "" if one_series else f"Pass one series as {name}[None, :]"
        raise InputError(_hinted(f"`{name}` must be {shapes}; got shape {shape}", hint))
    if q.shape[1] < min_months:
        months = f"{min_months} month (column)" if min_months == 1 else f"{min_months} months (columns)"
        raise InputError(f"`{name}` must have at least {months}{why}; got shape {shape}")
    if q.size and not (q.min() >= 0 and q.max() < np.inf):  # NaN fails the first test; two reductions, no copy
        bad = ~((q >= 0) & (q < np.inf))
        rows = np.flatnonzero(bad.any(axis=1))
        first = [f"row {r} month {bad[r].argmax()} = {show(q[r, bad[r].argmax()])}" for r in rows[:5]]
        raise InputError(f"`{name}` must be finite and >= 0; {rows.size:,} of {len(q):,} rows break it "
                         f"(first: {format_examples(first, rows.size)}). {DEMAND_FIX}")
    return q


def per_series(name: str, shape: tuple[int, ...], n: int, *, per: str = "series of `demand`") -> None:
    """Check that an argument of ``shape`` is a scalar or has one value per series: shape (), (1,) or (n,).

    Raises
    ------
    InputError
        Naming ``name``, the shape wanted and the shape given.

    >>> per_series("pack_size", (4,), 4)
    >>> per_series("pack_size", (3,), 4)
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `pack_size` must be a scalar or have shape (4,), one value per series of `demand`;
    got shape (3,)
    """
    if len(shape) > 1 or (shape and shape[0] not in (1, n)):
        raise InputError(f"`{name}` must be a scalar or have shape ({n:,},), one value per {per}; got shape {shape}")


def require(ok: ArrayLike, rule: str, *, hint: str = "", error: type[SpareoptError] = InputError,
            **values: ArrayLike) -> None:
    """Raise when a rule the caller computed (``ok``, one entry per row) fails somewhere, showing ``values`` there.

    For rules between arguments (``max_stock >= reorder_point``) or of a kind no other checker has; ``values``
    broadcast to the shape of ``ok``, and the message shows each by its keyword at the first row that fails (one
    value: as :func:`first_break` shows it).

    Raises
    ------
    InputError (or ``error``)
        ``rule``; how many rows break it and the first, with ``values`` at that row; then ``hint``.

    >>> require(np.array([True, False]), "`max_stock` must be >= `reorder_point`", reorder_point=np.array([1, 5]),
    ...         max_stock=np.array([2, 4]))
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `max_stock` must be >= `reorder_point`; 1 of 2 rows break it (first: row 1,
    reorder_point 5, max_stock 4)
    >>> require(np.array(False), "`salvage_value` must be below `unit_cost`", salvage_value=10.0, unit_cost=8.0)
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `salvage_value` must be below `unit_cost`; got salvage_value 10, unit_cost 8
    """
    ok = np.asarray(ok, dtype=bool)
    if ok.all():
        return
    flat = [(key, np.broadcast_to(np.asarray(v), ok.shape).ravel()) for key, v in values.items()]
    if len(flat) == 1:  # one value: shown as first_break shows it
        raise error(_hinted(first_break(rule, ok, flat[0][1].reshape(ok.shape)), hint))
    if ok.ndim == 0:
        message = f"{rule}; got " + ", ".join(f"{key} {show(v[0])}" for key, v in flat)
    else:
        bad = np.flatnonzero(~ok.ravel())
        shown = "".join(f", {key} {show(v[bad[0]])}" for key, v in flat)
        message = f"{rule}; {bad.size:,} of {ok.size:,} rows break it (first: row {bad[0]}{shown})"
    raise error(_hinted(message, hint))


def fraction(name: str, value: ArrayLike, *, hint: str = TARGET_FIX) -> np.ndarray:
    """Service targets as float64, checked in the open interval (0, 1) (NaN fails): a share, never a percent.

    Raises
    ------
    ConfigError
        Naming ``name``, the value (a scalar) or how many rows break the rule and the first; then ``hint``.

    >>> fraction("service_level", [0.9, 0.95]).tolist()
    [0.9, 0.95]
    >>> fraction("target", 95)
    Traceback (most recent call last):
    ...
    spareopt.errors.ConfigError: `target` must be in (0, 1); got 95. Give it as a fraction, e.g. 0.95 for 95%
    >>> fraction("target", [0.9, 1.5, 0.95, 0])
    Traceback (most recent call last):
    ...
    spareopt.errors.ConfigError: `target` must be in (0, 1); 2 of 4 rows break it (first: row 1 = 1.5). Give it as a
    fraction, e.g. 0.95 for 95%
    """
    rule = f"`{name}` must be in (0, 1)"
    x = _floats(rule, value, hint, ConfigError)
    with np.errstate(invalid="ignore"):
        ok = (x > 0) & (x < 1)  # NaN is bad
    if not ok.all():
        raise ConfigError(_hinted(first_break(rule, ok, x), hint))
    return x


def number(
    name: str,
    value: Any,
    *,
    least: float | tuple[str, float] | None = None,
    greatest: float | tuple[str, float] | None = None,
    whole: bool = False,
    open_low: bool = False,
    open_high: bool = False,
    hint: str = "",
    error: type[SpareoptError] = ConfigError,
) -> Any:
    """One scalar setting, checked: a real number (not a bool, NaN or inf), whole if asked, within the bounds.

    Parameters
    ----------
    name : str
        The setting's name.
    value : object
        The value given.
    least, greatest : number, (name, number) or None
        The bounds, closed unless ``open_low`` / ``open_high``; a bound set by another setting is given as
        ``(its name, its value)`` and named in the message.  ``greatest=math.inf`` (closed) admits inf.
    whole : bool
        A whole number (``3`` or ``3.0``; returned as int).
    hint : str
        A sentence after the message: why the rule, or how to fix the value.
    error : SpareoptError subclass
        :class:`ConfigError` for a setting; :class:`InputError` for a scalar derived from the data.

    Returns
    -------
    int or float
        ``value`` as int when ``whole``, else as float.

    Raises
    ------
    ConfigError (or ``error``)
        ``name``, the rule and the value given (by repr when it is not a number), then ``hint``.

    >>> number("sma_months", 6.0, least=1, whole=True)
    6
    >>> number("alpha", 0, least=0, greatest=1, open_low=True, hint="Use a smoothing constant such as 0.1.")
    Traceback (most recent call last):
    ...
    spareopt.errors.ConfigError: `alpha` must be in (0, 1]; got 0. Use a smoothing constant such as 0.1.
    >>> number("xyz_y", 0.4, least=("xyz_x", 0.5))
    Traceback (most recent call last):
    ...
    spareopt.errors.ConfigError: `xyz_y` must be a finite number >= `xyz_x` (0.5); got 0.4
    >>> number("phase_in_hits", True, least=0, greatest=("phase_in_months", 4), whole=True)
    Traceback (most recent call last):
    ...
    spareopt.errors.ConfigError: `phase_in_hits` must be a whole number in [0, `phase_in_months` (4)]; got True
    """
    low, low_text = _bound(least)
    high, high_text = _bound(greatest)
    kind = "a whole number" if whole else ("a number" if high == math.inf and not open_high else "a finite number")
    if low is not None and high is not None:
        interval = f"in {'(' if open_low else '['}{low_text}, {high_text}{')' if open_high else ']'}"
        rule = f"`{name}` must be {kind + ' ' if whole else ''}{interval}"
    elif low is not None:
        rule = f"`{name}` must be {kind} {'>' if open_low else '>='} {low_text}"
    elif high is not None:
        rule = f"`{name}` must be {kind} {'<' if open_high else '<='} {high_text}"
    else:
        rule = f"`{name}` must be {kind}"
    ok = isinstance(value, _NUMBERS) and not isinstance(value, (bool, np.bool_))
    if ok:
        v = float(value)
        ok = ((math.isfinite(v) or (v == math.inf and high == math.inf and not open_high))
              and (not whole or v.is_integer())
              and (low is None or (v > low if open_low else v >= low))
              and (high is None or (v < high if open_high else v <= high)))
    if not ok:
        raise error(_hinted(f"{rule}; got {show(value)}", hint))
    return int(value) if whole else float(value)


def one_of(name: str, value: Any, choices: Any, *, hint: str = "", error: type[SpareoptError] = ConfigError) -> Any:
    """An enumeration: a scalar setting, or an array of codes or names (every entry), checked among ``choices``.

    Parameters
    ----------
    name : str
        The argument's name.
    value : object or ndarray
        A scalar (``objective="fill"``), or an ndarray whose every entry must be a choice (with integer
        ``choices``, it must hold integers).
    choices : iterable
        The values allowed, in the order the message lists them.
    hint : str
        A sentence after the message: what the choices mean.
    error : SpareoptError subclass
        :class:`ConfigError` for a setting; :class:`InputError` for an array of data.

    Returns
    -------
    ``value``, unchanged.

    Raises
    ------
    ConfigError (or ``error``)
        ``name``, the choices, the value given (or how many rows break the rule and the first), then ``hint``.

    >>> one_of("objective", "fill", ("fill", "backorders"))
    'fill'
    >>> one_of("objective", "x", ("fill", "backorders"), hint="Use fill for the most demand met.")
    Traceback (most recent call last):
    ...
    spareopt.errors.ConfigError: `objective` must be one of fill, backorders; got 'x'. Use fill for the most demand met.
    >>> one_of("model", np.array([0, 3, 1]), range(3), error=InputError)
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `model` must be one of 0, 1, 2; 1 of 3 rows break it (first: row 1 = 3)
    """
    choices = tuple(choices)
    rule = f"`{name}` must be one of {', '.join(str(c) for c in choices)}"
    if not isinstance(value, np.ndarray):
        try:
            ok = not isinstance(value, (bool, np.bool_)) and value in choices
        except TypeError:  # an unhashable or incomparable value
            ok = False
        if not ok:
            raise error(_hinted(f"{rule}; got {show(value)}", hint))
        return value
    codes = all(isinstance(c, (int, np.integer)) and not isinstance(c, bool) for c in choices)
    if codes and value.dtype.kind not in "iu":
        raise error(_hinted(f"{rule}; got {value.dtype} values", hint))
    ok = np.isin(value, choices)
    if not ok.all():
        raise error(_hinted(first_break(rule, ok, value), hint))
    return value


def instance(name: str, value: Any, kind: type | tuple[type, ...], label: str, *, hint: str = "",
             error: type[SpareoptError] = InputError) -> Any:
    """``value``, checked to be a ``kind`` (``label`` names it in the message).

    Raises
    ------
    InputError (or ``error``)
        Naming ``name``, ``label`` and what was given: a scalar as :func:`show` writes it, anything else by its
        type; then ``hint``.

    >>> instance("inputs", [1, 2], dict, "a spareopt.Inputs", hint="Pass spareopt.load(history).")
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `inputs` must be a spareopt.Inputs; got a list. Pass spareopt.load(history).
    >>> instance("inputs", None, dict, "a spareopt.Inputs")
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `inputs` must be a spareopt.Inputs; got None
    """
    if not isinstance(value, kind):
        if value is None or isinstance(value, (bool, int, float, str, np.generic)):
            given = show(value)
        else:
            given = type(value).__name__
            given = f"{'an' if given[0].lower() in 'aeiou' else 'a'} {given}"
        raise error(_hinted(f"`{name}` must be {label}; got {given}", hint))
    return value


def _floats(rule: str, value: ArrayLike, hint: str, error: type[SpareoptError]) -> np.ndarray:
    """``value`` as float64 (no copy when it already is), or ``error`` naming its dtype when it is not numbers.

    A sequence whose rows differ in length is no array at all; a single object that is not a number (None, a
    dict) is shown as given, not as the NaN it would convert to.

    >>> _floats("`x` must be numbers", [[1, 2], [3]], "", InputError)
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `x` must be numbers; got rows of different lengths (a ragged sequence), not an array
    >>> _floats("`x` must be numbers", None, "", InputError)
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: `x` must be numbers; got None
    """
    try:
        x = np.asarray(value)
    except ValueError:  # numpy refuses a ragged sequence ("inhomogeneous shape")
        raise error(_hinted(f"{rule}; got rows of different lengths (a ragged sequence), not an array", hint)
                    ) from None
    if x.dtype.kind in "iuf":
        return x.astype(np.float64, copy=False)
    if x.dtype.kind == "O":  # numbers in an object array (a pandas column): NaN for None
        if x.ndim == 0 and not isinstance(x.item(), _NUMBERS):
            raise error(_hinted(f"{rule}; got {show(x.item())}", hint))
        try:
            return x.astype(np.float64)
        except (TypeError, ValueError):
            pass
    raise error(_hinted(f"{rule}; got {x.dtype} values", hint))


def _bound(bound: float | tuple[str, float] | None) -> tuple[float | None, str]:
    """A bound's value and its text: ``1``, or ``(name, 0.5)`` as ``\\`name\\` (0.5)``."""
    if bound is None:
        return None, ""
    if isinstance(bound, tuple):
        label, limit = bound
        return float(limit), f"`{label}` ({show(limit)})"
    return float(bound), show(bound)


def _hinted(message: str, hint: str) -> str:
    return f"{message}. {hint}" if hint else message
