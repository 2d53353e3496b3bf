"""`spareopt.validate`: each checker's exact message (golden), and properties of the rules it checks.

The golden strings are the house style: the argument in backticks, the rule, then ``got <value>`` (a scalar)
or ``<k> of <n> rows break it (first: row <i> = <value>)`` (an array), then the hint.  Bad data is an
InputError, a bad setting a ConfigError; both are ValueErrors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spareopt.errors import ConfigError, InputError
from spareopt.validate import (
    DEMAND_FIX,
    first_break,
    fraction,
    matrix,
    nonnegative,
    number,
    one_of,
    per_series,
    require,
    show,
    whole,
)

FEW = settings(max_examples=30, deadline=None)


def message(kind: type[Exception], function, /, *args, **kwargs) -> str:
    """The message of the error ``function(*args, **kwargs)`` raises, checked to be exactly ``kind``."""
    with pytest.raises(kind) as info:
        function(*args, **kwargs)
    assert type(info.value) is kind
    return str(info.value)


# -- golden messages ---------------------------------------------------------------------------------------


def test_show_writes_values_as_the_user_wrote_them():
    assert [show(v) for v in (3.0, 2.5, -1, np.int64(7), np.float64(0.25), float("nan"), -math.inf)] == [
        "3", "2.5", "-1", "7", "0.25", "nan", "-inf"]
    assert [show(v) for v in (True, np.bool_(False), "12", np.str_("lumpy"), None, np.array(4.0))] == [
        "True", "False", "'12'", "'lumpy'", "None", "4"]


def test_nonnegative_messages():
    assert message(InputError, nonnegative, "lead_time_days", [5, -1, float("nan"), -3]) == (
        "`lead_time_days` must be finite and >= 0; 3 of 4 rows break it (first: row 1 = -1)")
    assert message(InputError, nonnegative, "decay", -0.5, hint="k is a rate of decline.") == (
        "`decay` must be finite and >= 0; got -0.5. k is a rate of decline.")
    assert message(InputError, nonnegative, "forecast", ["1", "2"]) == (
        "`forecast` must be finite and >= 0; got <U1 values")
    assert message(InputError, nonnegative, "forecast", [True, False]) == (
        "`forecast` must be finite and >= 0; got bool values")


def test_nonnegative_reads_numbers_in_an_object_array():
    with pytest.raises(InputError, match=r"^`mean` must be finite and >= 0; 1 of 2 rows break it \(first: row 1 = "
                                         r"nan\)$"):
        nonnegative("mean", np.array([1, None], dtype=object))
    assert nonnegative("mean", np.array([1, 2.5], dtype=object)).tolist() == [1.0, 2.5]


def test_whole_messages():
    assert message(InputError, whole, "pack_size", [1, 0, 2.5], least=1, hint="Use 1 for parts ordered singly.") == (
        "`pack_size` must be a whole number >= 1; 2 of 3 rows break it (first: row 1 = 0). Use 1 for parts ordered "
        "singly.")
    assert message(InputError, whole, "max_stock", math.inf) == "`max_stock` must be a whole number >= 0; got inf"
    assert message(InputError, whole, "s", [-2, 0.5], least=None) == (
        "`s` must be a whole number; 1 of 2 rows break it (first: row 1 = 0.5)")
    assert message(InputError, whole, "pack_size", True, least=1) == (
        "`pack_size` must be a whole number >= 1; got bool values")
    assert whole("s", [-2, 3], least=None).tolist() == [-2.0, 3.0]


def test_matrix_messages():
    assert message(InputError, matrix, "demand", [1, 0, 1]) == (
        "`demand` must be 2-D (n_series, months); got shape (3,). Pass one series as demand[None, :]")
    assert message(InputError, matrix, "demand", np.zeros((2, 3, 4)), one_series=True) == (
        "`demand` must be 2-D (n_series, months) or 1-D (months,); got shape (2, 3, 4)")
    assert message(InputError, matrix, "demand", [1.0, 2.0], min_months=6, one_series=True, why=" for the MAD") == (
        "`demand` must have at least 6 months (columns) for the MAD; got shape (2,)")
    assert message(InputError, matrix, "demand", np.zeros((4, 0))) == (
        "`demand` must have at least 1 month (column); got shape (4, 0)")
    bad = np.ones((8, 3))
    bad[1:8, 2] = -1.0
    bad[5, 0] = np.inf
    assert message(InputError, matrix, "demand", bad) == (
        "`demand` must be finite and >= 0; 7 of 8 rows break it (first: row 1 month 2 = -1, row 2 month 2 = -1, "
        "row 3 month 2 = -1, row 4 month 2 = -1, row 5 month 0 = inf (+2 more)). " + DEMAND_FIX)


def test_matrix_is_a_view_of_a_float_matrix_and_one_series_is_one_row():
    q = np.arange(6.0).reshape(2, 3)
    assert np.shares_memory(matrix("demand", q), q)
    assert matrix("demand", [1, 0, 2], one_series=True).tolist() == [[1.0, 0.0, 2.0]]


def test_per_series_messages():
    for shape in ((), (1,), (4,)):
        per_series("pack_size", shape, 4)
    assert message(InputError, per_series, "pack_size", (3,), 4) == (
        "`pack_size` must be a scalar or have shape (4,), one value per series of `demand`; got shape (3,)")
    assert message(InputError, per_series, "central_lead_months", (2, 1), 2, per="part") == (
        "`central_lead_months` must be a scalar or have shape (2,), one value per part; got shape (2, 1)")


def test_require_messages():
    assert message(InputError, require, np.array([True, False, False]), "`max_stock` must be >= `reorder_point`",
                   reorder_point=np.array([1, 5, 7]), max_stock=np.array([2, 4, 6]),
                   hint="An order-up-to level below the reorder point is not an (s, S) plan.") == (
        "`max_stock` must be >= `reorder_point`; 2 of 3 rows break it (first: row 1, reorder_point 5, max_stock 4). "
        "An order-up-to level below the reorder point is not an (s, S) plan.")
    assert message(InputError, require, np.array(False), "`salvage_value` must be below `unit_cost`",
                   salvage_value=10.0, unit_cost=8.0) == (
        "`salvage_value` must be below `unit_cost`; got salvage_value 10, unit_cost 8")
    assert message(ConfigError, require, [True, False], "`dispersion` must be finite and >= 1", error=ConfigError,
                   dispersion=np.array([1.0, 0.5])) == (
        "`dispersion` must be finite and >= 1; 1 of 2 rows break it (first: row 1 = 0.5)")
    require(np.ones(3, dtype=bool), "never shown", x=np.zeros(3))


def test_fraction_messages():
    assert message(ConfigError, fraction, "target", 95) == (
        "`target` must be in (0, 1); got 95. Give it as a fraction, e.g. 0.95 for 95%")
    assert message(ConfigError, fraction, "service_level", [0.9, float("nan"), 1.0]) == (
        "`service_level` must be in (0, 1); 2 of 3 rows break it (first: row 1 = nan). Give it as a fraction, e.g. "
        "0.95 for 95%")
    assert message(ConfigError, fraction, "target", "95%") == (
        "`target` must be in (0, 1); got <U3 values. Give it as a fraction, e.g. 0.95 for 95%")


@pytest.mark.parametrize(("kwargs", "value", "expected"), [
    ({"least": 1, "whole": True}, 0, "`n` must be a whole number >= 1; got 0"),
    ({"least": 1, "whole": True}, 2.5, "`n` must be a whole number >= 1; got 2.5"),
    ({"least": 1, "whole": True}, True, "`n` must be a whole number >= 1; got True"),
    ({"least": 1, "whole": True}, "12", "`n` must be a whole number >= 1; got '12'"),
    ({"least": 0}, float("nan"), "`n` must be a finite number >= 0; got nan"),
    ({"least": 0}, math.inf, "`n` must be a finite number >= 0; got inf"),
    ({"least": 0, "open_low": True}, 0, "`n` must be a finite number > 0; got 0"),
    ({"greatest": 1, "open_high": True}, 1, "`n` must be a finite number < 1; got 1"),
    ({"least": 0, "greatest": 1, "open_low": True}, 0, "`n` must be in (0, 1]; got 0"),
    ({"least": 0, "greatest": 1, "open_low": True, "open_high": True}, 1.0, "`n` must be in (0, 1); got 1"),
    ({"least": 0, "greatest": math.inf}, -1, "`n` must be in [0, inf]; got -1"),
    ({"least": ("m", 0.5)}, 0.4, "`n` must be a finite number >= `m` (0.5); got 0.4"),
    ({"least": 0, "greatest": ("m", 4), "whole": True}, 5, "`n` must be a whole number in [0, `m` (4)]; got 5"),
    ({}, None, "`n` must be a finite number; got None"),
    ({"least": 1, "hint": "A decline needs two months."}, 0,
     "`n` must be a finite number >= 1; got 0. A decline needs two months."),
])
def test_number_messages(kwargs, value, expected):
    assert message(ConfigError, number, "n", value, **kwargs) == expected


def test_number_returns_the_value_and_admits_inf_only_when_asked():
    assert number("n", 6.0, least=1, whole=True) == 6 and type(number("n", 6.0, least=1, whole=True)) is int
    assert number("n", np.int64(3)) == 3.0 and type(number("n", 3)) is float
    assert number("n", math.inf, least=0, greatest=math.inf) == math.inf
    assert message(InputError, number, "months", 0, least=1, whole=True, error=InputError) == (
        "`months` must be a whole number >= 1; got 0")


def test_one_of_messages():
    hint = "Use fill for the most demand met from the dealers' shelves, backorders for the least units waiting"
    assert message(ConfigError, one_of, "objective", "cheapest", ("fill", "backorders"), hint=hint) == (
        f"`objective` must be one of fill, backorders; got 'cheapest'. {hint}")
    assert message(ConfigError, one_of, "objective", ["fill"], ("fill", "backorders")) == (
        "`objective` must be one of fill, backorders; got ['fill']")
    assert message(ConfigError, one_of, "model", True, (0, 1, 2)) == "`model` must be one of 0, 1, 2; got True"
    assert message(InputError, one_of, "model", np.array([0.0, 1.0]), (0, 1, 2), error=InputError) == (
        "`model` must be one of 0, 1, 2; got float64 values")
    assert message(InputError, one_of, "pattern", np.array(["smooth", "sporadic"]), ("smooth", "lumpy"),
                   error=InputError) == (
        "`pattern` must be one of smooth, lumpy; 1 of 2 rows break it (first: row 1 = 'sporadic')")
    assert one_of("objective", np.str_("fill"), ("fill", "backorders")) == "fill"
    assert one_of("model", np.array([2, 0]), range(3)).tolist() == [2, 0]


def test_first_break_of_a_scalar_and_of_rows():
    assert first_break("`s` must be whole", np.array([True, False]), np.array([1.0, 0.5])) == (
        "`s` must be whole; 1 of 2 rows break it (first: row 1 = 0.5)")
    assert first_break("`s` must be whole", np.array(False), np.array(0.5)) == "`s` must be whole; got 0.5"


def test_the_errors_are_value_errors():
    assert issubclass(InputError, ValueError) and issubclass(ConfigError, ValueError)


# -- properties -------------------------------------------------------------------------------------------

finite = st.floats(-1e6, 1e6, allow_nan=False)
arrays = hnp.arrays(np.float64, st.integers(1, 40), elements=finite)


@FEW
@given(arrays)
def test_a_negative_value_names_the_first_negative_row(x):
    negative = np.flatnonzero(x < 0)
    if negative.size == 0:
        assert nonnegative("x", x).tolist() == x.tolist()
        return
    with pytest.raises(InputError) as info:
        nonnegative("x", x)
    assert str(info.value) == (f"`x` must be finite and >= 0; {negative.size} of {x.size} rows break it "
                               f"(first: row {negative[0]} = {show(x[negative[0]])})")


@FEW
@given(hnp.arrays(np.int64, st.integers(1, 40), elements=st.integers(-5, 50)), st.integers(0, 3))
def test_whole_numbers_pass_and_the_first_below_least_is_named(x, least):
    below = np.flatnonzero(x < least)
    if below.size == 0:
        assert whole("x", x, least=least).tolist() == x.astype(float).tolist()
        return
    with pytest.raises(InputError, match=rf"; {below.size} of {x.size} rows break it \(first: row {below[0]} = "
                                         rf"{x[below[0]]}\)$"):
        whole("x", x, least=least)


@FEW
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=st.integers(0, 100).map(float)),
       st.floats(0.01, 0.99), st.data())
def test_a_fraction_in_a_whole_array_is_named(x, part, data):
    row = data.draw(st.integers(0, x.size - 1))
    y = x.copy()
    y[row] += part
    with pytest.raises(InputError, match=rf"\(first: row {row} = "):
        whole("x", y)


@FEW
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 6)), elements=st.floats(0, 100)),
       st.data())
def test_a_bad_month_is_named_by_its_row_and_month(q, data):
    assert np.array_equal(matrix("demand", q), q)
    row, month = data.draw(st.integers(0, q.shape[0] - 1)), data.draw(st.integers(0, q.shape[1] - 1))
    value = data.draw(st.sampled_from([-1.0, np.nan, np.inf]))
    bad = q.copy()
    bad[row, month] = value
    with pytest.raises(InputError) as info:
        matrix("demand", bad)
    assert str(info.value).startswith(f"`demand` must be finite and >= 0; 1 of {q.shape[0]} rows break it (first: "
                                      f"row {row} month {month} = {show(value)}). ")


@FEW
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-2, 3)))
def test_fraction_passes_exactly_the_open_interval(x):
    inside = (x > 0) & (x < 1)
    if inside.all():
        assert fraction("target", x).tolist() == x.tolist()
    else:
        with pytest.raises(ConfigError, match=rf"^`target` must be in \(0, 1\); {(~inside).sum()} of {x.size} rows"):
            fraction("target", x)


@FEW
@given(st.one_of(st.integers(-10, 10), st.floats(allow_nan=True, allow_infinity=True), st.booleans(), st.text()))
def test_number_accepts_exactly_finite_numbers_within_the_bounds(value):
    ok = (isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
          and 0 < value <= 1)
    if ok:
        assert number("alpha", value, least=0, greatest=1, open_low=True) == float(value)
    else:
        with pytest.raises(ConfigError, match=r"^`alpha` must be in \(0, 1\]; got "):
            number("alpha", value, least=0, greatest=1, open_low=True)


@FEW
@given(hnp.arrays(np.bool_, st.integers(1, 30)))
def test_require_counts_the_rows_that_break_the_rule(ok):
    if ok.all():
        require(ok, "never", x=np.arange(ok.size))
        return
    with pytest.raises(InputError) as info:
        require(ok, "`x` must hold", x=np.arange(ok.size) * 10, y=np.arange(ok.size))
    first = np.flatnonzero(~ok)[0]
    assert str(info.value) == (f"`x` must hold; {(~ok).sum()} of {ok.size} rows break it (first: row {first}, "
                               f"x {first * 10}, y {first})")


@FEW
@given(hnp.arrays(np.int64, st.integers(1, 30), elements=st.integers(-2, 6)))
def test_one_of_names_the_first_code_outside_the_choices(codes):
    outside = np.flatnonzero((codes < 0) | (codes > 2))
    if outside.size == 0:
        assert one_of("model", codes, range(3)) is codes
        return
    with pytest.raises(ConfigError, match=rf"^`model` must be one of 0, 1, 2; {outside.size} of {codes.size} rows "
                                          rf"break it \(first: row {outside[0]} = {codes[outside[0]]}\)$"):
        one_of("model", codes, range(3))
