"""`spareopt.forecast.intermittent`: SMA, SES, Croston, SBA, SBJ, TSB and the auto choice.

Golden values are computed by hand on short series (the arithmetic is in the
comments) from the defining equations of Croston (1972), Syntetos & Boylan (2005),
Shale, Boylan & Johnston (2006) and Teunter, Syntetos & Babai (2011).  The real-data
test compares every forecast with statsforecast 2.1.1 on Hyndman's carparts data
(``../shared/data/carparts``), and skips when either is absent.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from spareopt.classify.pattern import PATTERNS, demand_pattern
from spareopt.errors import ConfigError, InputError
from spareopt.forecast import (
    AUTO_METHODS,
    FORECAST_PARAMS,
    FORECASTERS,
    auto,
    croston,
    forecast,
    intermittent,
    mad,
    sba,
    sbj,
    ses,
    sma,
    tsb,
)

CARPARTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "carparts" / "carparts_long.csv"

FAST = settings(max_examples=60, deadline=None)

METHODS = tuple(FORECASTERS)
SMOOTHED = ("ses", "croston", "sba", "sbj", "tsb")

# -- golden values, by hand ----------------------------------------------------------------------------------

# Demand in 8 months: sales of 1, 3, 2, 5 in months 1, 3, 6, 8 (indices 0, 2, 5, 7).
SERIES = [1, 0, 3, 0, 0, 2, 0, 5]


def test_croston_by_hand():
    """Croston (1972): SES (α = 0.1) of the sizes over SES of the intervals, each starting at its first value."""
    # sizes 1, 3, 2, 5:       z = 1 -> 0.1*3 + 0.9*1 = 1.2 -> 0.1*2 + 0.9*1.2 = 1.28 -> 0.1*5 + 0.9*1.28 = 1.652
    # intervals 1, 2, 3, 2:   p = 1 -> 0.1*2 + 0.9*1 = 1.1 -> 0.1*3 + 0.9*1.1 = 1.29 -> 0.1*2 + 0.9*1.29 = 1.361
    # (the first interval counts from the start of the series: a first sale in month 1 gives 1)
    assert float(croston(SERIES)) == pytest.approx(1.652 / 1.361, abs=1e-12)  # 1.2138133725...


def test_croston_first_interval_counts_from_the_start():
    # first sale (2) at index 1: interval 2; second (4) at index 4: interval 3
    # z = 0.1*4 + 0.9*2 = 2.2, p = 0.1*3 + 0.9*2 = 2.1
    assert float(croston([0, 2, 0, 0, 4, 0])) == pytest.approx(2.2 / 2.1, abs=1e-12)


def test_sba_by_hand():
    """Syntetos & Boylan (2005): (1 - α/2) x Croston = 0.95 x 1.652 / 1.361 at α = 0.1."""
    assert float(sba(SERIES)) == pytest.approx(0.95 * 1.652 / 1.361, abs=1e-12)  # 1.1531227...


def test_sbj_by_hand():
    """Shale, Boylan & Johnston (2006): (1 - α/(2 - α)) x Croston = (1 - 0.1/1.9) = 18/19 of it at α = 0.1."""
    assert float(sbj(SERIES)) == pytest.approx(18 / 19 * 1.652 / 1.361, abs=1e-12)  # 1.1499284...
    # α = 0.5: factor 1 - 0.5/1.5 = 2/3; sizes 1, 3, 2, 5: z = 1 -> 2 -> 2 -> 3.5; intervals 1, 2, 3, 2: p = 1 -> 1.5
    # -> 2.25 -> 2.125; forecast 2/3 x 3.5 / 2.125
    assert float(sbj(SERIES, alpha=0.5)) == pytest.approx(2 / 3 * 3.5 / 2.125, abs=1e-12)


def test_tsb_by_hand():
    """Teunter, Syntetos & Babai (2011): SES (α_p) of the occurrence every month x SES (α_d) of the sizes."""
    # occurrence 1 0 1 0 0 1 0 1, α_p = 0.1, p starts at 1:
    #   1 -> 0.9 -> 0.1 + 0.81 = 0.91 -> 0.819 -> 0.7371 -> 0.1 + 0.66339 = 0.76339 -> 0.687051
    #   -> 0.1 + 0.6183459 = 0.7183459
    # sizes 1, 3, 2, 5, α_d = 0.2: z = 1 -> 0.6 + 0.8 = 1.4 -> 0.4 + 1.12 = 1.52 -> 1 + 1.216 = 2.216
    # forecast 0.7183459 x 2.216 = 1.5918545144
    assert float(tsb(SERIES, alpha_d=0.2, alpha_p=0.1)) == pytest.approx(1.5918545144, abs=1e-12)


def test_ses_by_hand():
    """SES (Brown 1959) with α = 0.1, the level starting at the first value."""
    # level 1 -> 0.9 -> 0.3 + 0.81 = 1.11 -> 0.999 -> 0.8991 -> 0.2 + 0.80919 = 1.00919 -> 0.908271
    #   -> 0.5 + 0.8174439 = 1.3174439
    assert float(ses(SERIES)) == pytest.approx(1.3174439, abs=1e-12)
    # α = 1: the last value
    assert float(ses(SERIES, alpha=1)) == 5.0


def test_sma_by_hand():
    # last 6 months 3, 0, 0, 2, 0, 5 -> 10 / 6; last 3: 2, 0, 5 -> 7 / 3; a window longer than the
    # series averages all 8 months: 11 / 8
    assert float(sma(SERIES)) == pytest.approx(10 / 6, abs=1e-15)
    assert float(sma(SERIES, sma_months=3)) == pytest.approx(7 / 3, abs=1e-15)
    assert float(sma(SERIES, sma_months=20)) == 11 / 8


def test_wma_is_the_seed_mad():
    # (1*0 + 2*0 + 3*2 + 4*0 + 5*5 + 6*0 ... ) the seed's weights 1..6 over the last 6 months: 3,0,0,2,0,5
    # (3*1 + 2*4 + 5*6) / 21 = 41 / 21
    assert FORECASTERS["wma"] is mad
    assert float(forecast(SERIES, "wma", alpha=0.3)) == pytest.approx(41 / 21, abs=1e-15)


# -- the dead part, zero and one sale ----------------------------------------------------------------------


def test_dead_part_croston_keeps_the_last_size_and_tsb_decays():
    """One sale of 3 then 11 empty months: Croston is exactly 3 (size 3 over interval 1); TSB is 3 x 0.9^11."""
    dead = [3] + [0] * 11
    assert float(croston(dead)) == 3.0
    # p = 1 after the sale, then x 0.9 in each of the 11 empty months: 0.9^11 = 0.31381059609 exactly in
    # decimals, 3 x that = 0.94143178827; in floats the 11 products give 0.9414317882700005 (statsforecast's
    # TSB gives the same bits; 3 * 0.9 ** 11 rounds once less and gives ...0002)
    value = float(tsb(dead))
    p = 1.0
    for _ in range(11):
        p *= 0.9
    assert value == 3 * p == 0.9414317882700005
    assert value == pytest.approx(0.94143178827, abs=1e-15) and value < 1


@pytest.mark.parametrize("method", METHODS)
def test_zero_demand_forecasts_zero(method):
    zero = np.zeros((3, 12))
    assert forecast(zero, method).tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("month", [0, 5, 11])
def test_one_sale_is_finite(method, month):
    demand = np.zeros(12)
    demand[month] = 7.0
    value = float(forecast(demand, method))
    assert math.isfinite(value) and value >= 0


@pytest.mark.parametrize("month", [0, 5, 11])
def test_one_sale_croston_is_the_size_over_its_month(month):
    # one sale of 7 in month i (1-based): size 7, interval i
    demand = np.zeros(12)
    demand[month] = 7.0
    assert float(croston(demand)) == 7.0 / (month + 1)


def test_one_month():
    assert [float(forecast([4.0], method)) for method in SMOOTHED + ("sma",)] == [4.0, 4.0, 3.8, 4.0 * 18 / 19, 4.0, 4.0]
    with pytest.raises(InputError, match=r"^`demand` must have at least 1 month \(column\) to forecast; got shape "
                                         r"\(2, 0\)$"):
        croston(np.zeros((2, 0)))
    with pytest.raises(InputError, match=r"^`demand` must have at least 6 months \(columns\) for the MAD; got shape "
                                         r"\(2,\)$"):
        forecast([1.0, 2.0], "wma")


def test_shapes():
    assert croston([1, 0, 2]).shape == ()
    assert croston([[1, 0, 2]]).shape == (1,)
    assert croston(np.zeros((0, 5))).shape == (0,)


def test_blocks_give_the_same_bits(monkeypatch):
    rng = np.random.default_rng(3)
    demand = np.where(rng.random((50, 24)) < 0.7, 0.0, rng.poisson(3.0, (50, 24)) + 1.0)
    whole = {method: forecast(demand, method) for method in METHODS}
    monkeypatch.setattr(intermittent, "_BLOCK_ROWS", 7)
    for method in METHODS:
        np.testing.assert_array_equal(forecast(demand, method), whole[method])


# -- hypothesis properties ---------------------------------------------------------------------------------

sizes = st.one_of(st.just(0.0), st.integers(1, 60).map(float), st.floats(0.01, 1000.0))
alphas = st.floats(0.01, 1.0)


def matrices(min_months: int = 1):
    shape = st.tuples(st.integers(1, 8), st.integers(min_months, 30))
    return hnp.arrays(np.float64, shape, elements=sizes)


def _params(alpha: float) -> dict[str, float]:
    return {"alpha": alpha, "alpha_d": alpha, "alpha_p": min(1.0, alpha * 1.5), "sma_months": 4}


@FAST
@given(matrices(min_months=6), alphas, st.sampled_from(METHODS))
def test_vectorised_equals_a_loop_of_one_series_calls(demand, alpha, method):
    params = _params(alpha)
    together = forecast(demand, method, **params)
    one_by_one = [float(forecast(row, method, **params)) for row in demand]
    assert together.tolist() == one_by_one  # the same bits


@FAST
@given(matrices(min_months=6), st.randoms(use_true_random=False), st.sampled_from(METHODS))
def test_permuting_the_series_permutes_the_forecasts(demand, random, method):
    order = np.arange(len(demand))
    random.shuffle(order)
    assert forecast(demand[order], method).tolist() == forecast(demand, method)[order].tolist()


@FAST
@given(st.floats(0.01, 1000.0), st.integers(1, 36), alphas)
def test_a_constant_series_forecasts_the_constant(level, months, alpha):
    demand = np.full(months, level)
    for method in ("ses", "sma", "croston", "tsb"):
        assert float(forecast(demand, method, **_params(alpha))) == pytest.approx(level, rel=1e-12), method


@FAST
@given(matrices(min_months=6), alphas)
def test_forecasts_are_non_negative_and_finite(demand, alpha):
    for method in METHODS:
        values = forecast(demand, method, **_params(alpha))
        assert np.all(np.isfinite(values)) and np.all(values >= 0), method


@FAST
@given(matrices())
def test_sba_is_095_croston(demand):
    assert sba(demand).tolist() == (0.95 * croston(demand)).tolist()


@FAST
@given(matrices(), alphas)
def test_bias_factors(demand, alpha):
    base = croston(demand, alpha=alpha)
    np.testing.assert_allclose(sba(demand, alpha=alpha), (1 - alpha / 2) * base, rtol=1e-15, atol=0)
    np.testing.assert_allclose(sbj(demand, alpha=alpha), (1 - alpha / (2 - alpha)) * base, rtol=1e-15, atol=0)


@FAST
@given(matrices(min_months=6), st.floats(0.001, 1000.0), alphas)
def test_scaling_the_demand_scales_every_forecast(demand, scale, alpha):
    for method in METHODS:
        params = _params(alpha)
        np.testing.assert_allclose(forecast(demand * scale, method, **params),
                                   scale * forecast(demand, method, **params), rtol=1e-12, atol=0, err_msg=method)


@FAST
@given(hnp.arrays(np.float64, st.integers(1, 30), elements=sizes), alphas, alphas)
def test_equals_the_textbook_recursions_one_value_at_a_time(demand, alpha, alpha_p):
    """Croston and TSB against their definitions written as plain loops over the values (no vector tricks)."""
    sizes, intervals, occurrence = [], [], []
    last = -1
    for t, value in enumerate(demand):
        occurrence.append(1.0 if value > 0 else 0.0)
        if value > 0:
            sizes.append(value)
            intervals.append(t - last)  # the first interval counts from the start: t - (-1)
            last = t

    def smooth(values: list[float], a: float) -> float:
        level = values[0]
        for value in values[1:]:
            level = a * value + (1 - a) * level
        return level

    if sizes:
        expected_croston = smooth(sizes, alpha) / smooth(intervals, alpha)
        expected_tsb = smooth(occurrence, alpha_p) * smooth(sizes, alpha)
    else:
        expected_croston = expected_tsb = 0.0
    assert float(croston(demand, alpha=alpha)) == pytest.approx(expected_croston, rel=1e-12, abs=1e-300)
    assert float(tsb(demand, alpha_d=alpha, alpha_p=alpha_p)) == pytest.approx(expected_tsb, rel=1e-12,
                                                                               abs=1e-300)


# -- statsforecast 2.1.1 on the carparts data ---------------------------------------------------------------


@pytest.fixture(scope="module")
def carparts() -> pd.DataFrame:
    """Hyndman's carparts as a 2,674 x 51 frame (parts x months, oldest first).

    165 series stop early (trailing empty quantities); they are filled with 0, which
    makes the Monash "without missing values" version of the data: a part that stopped
    selling sold nothing, and every series has the same 51 months.
    """
    if not CARPARTS.is_file():
        pytest.skip(f"the carparts data is absent ({CARPARTS})")
    long = pd.read_csv(CARPARTS, dtype={"part_id": str, "period": str})
    wide = long.pivot(index="part_id", columns="period", values="quantity").sort_index(axis=1).fillna(0.0)
    assert wide.shape == (2674, 51) and wide.columns[0] == "1998-01" and wide.columns[-1] == "2002-03"
    return wide


def test_carparts_agree_with_statsforecast(carparts):
    """CrostonClassic, CrostonSBA, TSB(0.2, 0.1), SES(0.1) and WindowAverage(6) of statsforecast, to 1e-9."""
    pytest.importorskip("statsforecast")
    from statsforecast import StatsForecast
    from statsforecast.models import TSB, CrostonClassic, CrostonSBA, SimpleExponentialSmoothing, WindowAverage

    frame = carparts.stack().rename("y").reset_index()
    frame.columns = ["unique_id", "ds", "y"]
    frame["ds"] = pd.PeriodIndex(frame["ds"], freq="M").to_timestamp()
    models = [CrostonClassic(), CrostonSBA(), TSB(alpha_d=0.2, alpha_p=0.1), SimpleExponentialSmoothing(alpha=0.1),
              WindowAverage(window_size=6)]
    reference = StatsForecast(models=models, freq="MS", n_jobs=1).forecast(h=1, df=frame)
    reference = reference.set_index("unique_id").loc[carparts.index]
    demand = carparts.to_numpy()
    ours = {
        "CrostonClassic": croston(demand),
        "CrostonSBA": sba(demand),
        "TSB": tsb(demand, alpha_d=0.2, alpha_p=0.1),
        "SES": ses(demand, alpha=0.1),
        "WindowAverage": sma(demand, sma_months=6),
    }
    for name, values in ours.items():
        np.testing.assert_allclose(values, reference[name].to_numpy(), rtol=0, atol=1e-9, err_msg=name)


# -- the registry, forecast() and auto() -------------------------------------------------------------------


def test_registry():
    assert set(FORECASTERS) == {"wma", "sma", "ses", "croston", "sba", "sbj", "tsb"} == set(FORECAST_PARAMS)
    assert FORECAST_PARAMS["tsb"] == ("alpha_d", "alpha_p") and FORECAST_PARAMS["wma"] == ()
    assert set(AUTO_METHODS) == set(PATTERNS) and set(AUTO_METHODS.values()) <= set(FORECASTERS)


def test_forecast_passes_only_the_options_a_method_accepts():
    params = {"alpha": 0.3, "alpha_d": 0.2, "alpha_p": 0.4, "sma_months": 3}
    assert float(forecast(SERIES, "ses", **params)) == float(ses(SERIES, alpha=0.3))
    assert float(forecast(SERIES, "tsb", **params)) == float(tsb(SERIES, alpha_d=0.2, alpha_p=0.4))
    assert float(forecast(SERIES, "sma", **params)) == float(sma(SERIES, sma_months=3))


@pytest.mark.parametrize("value", [0, 1.5, float("nan"), -0.1, "0.1", True])
@pytest.mark.parametrize("name", ["alpha", "alpha_d", "alpha_p"])
def test_bad_smoothing_constants(name, value):
    message = f"`{name}` must be in (0, 1]; got {value!r}"
    with pytest.raises(ConfigError) as caught:
        forecast(SERIES, "tsb", **{name: value})
    assert str(caught.value).startswith(message)
    function = tsb if name != "alpha" else croston
    with pytest.raises(ConfigError, match=r"must be in \(0, 1\]"):
        function(SERIES, **{name: value})


@pytest.mark.parametrize("function", [ses, croston, sba, sbj])
def test_bad_alpha_in_every_function(function):
    with pytest.raises(ConfigError, match=r"^`alpha` must be in \(0, 1\]; got 1.5"):
        function(SERIES, alpha=1.5)
    assert isinstance(ConfigError("x"), ValueError)


@pytest.mark.parametrize("value", [0, 2.5, -1, float("inf"), True, "6"])
def test_bad_sma_months(value):
    with pytest.raises(ConfigError, match=r"^`sma_months` must be a whole number >= 1; got "):
        sma(SERIES, sma_months=value)
    assert float(sma(SERIES, sma_months=6.0)) == float(sma(SERIES))


def test_unknown_method_and_option():
    with pytest.raises(ConfigError, match=r"^`method` must be one of wma, sma, ses, croston, sba, sbj, tsb; "
                                          r"got 'holt'$"):
        forecast(SERIES, "holt")
    with pytest.raises(TypeError, match=r"^unexpected forecast option 'alpah'; the forecasters accept alpha, alpha_d, "
                                        r"alpha_p, sma_months$"):
        forecast(SERIES, "ses", alpah=0.2)


def test_bad_demand():
    with pytest.raises(ValueError, match="finite and >= 0"):
        croston([1, -1, 2])
    with pytest.raises(ValueError, match="finite and >= 0"):
        tsb([1, float("nan"), 2])


def test_auto_picks_the_method_of_each_pattern():
    rng = np.random.default_rng(7)
    demand = np.where(rng.random((40, 24)) < rng.random((40, 1)), 0.0, rng.poisson(4.0, (40, 24)) + 1.0)
    demand[:3] = 0.0
    codes = demand_pattern(demand).code
    assert len(set(codes.tolist())) >= 3
    values, index, names = auto(demand, codes, alpha=0.2)
    assert index.dtype == np.int8 and names == ("ses", "croston", "sba", "tsb")
    for row, code in enumerate(codes):
        method = AUTO_METHODS[PATTERNS[code]]
        assert names[index[row]] == method
        assert values[row] == float(forecast(demand[row], method, alpha=0.2))
    by_name = auto(demand, [PATTERNS[c] for c in codes], alpha=0.2)
    assert by_name[0].tolist() == values.tolist() and by_name[1].tolist() == index.tolist()


def test_auto_in_blocks_gives_the_same_bits(monkeypatch):
    rng = np.random.default_rng(8)
    demand = np.where(rng.random((30, 12)) < 0.6, 0.0, rng.poisson(2.0, (30, 12)) + 1.0)
    codes = rng.integers(0, len(PATTERNS), 30).astype(np.int8)
    whole = auto(demand, codes, table={"lumpy": "tsb", "erratic": "wma"})
    monkeypatch.setattr(intermittent, "_BLOCK_ROWS", 4)
    blocked = auto(demand, codes, table={"lumpy": "tsb", "erratic": "wma"})
    assert blocked[0].tolist() == whole[0].tolist() and blocked[2] == whole[2] == ("wma", "croston", "sba", "tsb")


def test_auto_table_overrides_per_pattern():
    values, index, names = auto([[4, 6, 4, 6, 4, 6]], ["smooth"], table={"smooth": "sma"})
    assert values.tolist() == [5.0] and names[index[0]] == "sma"
    value, one_index, _ = auto([0, 2, 0, 0, 4, 0], "intermittent")  # one series: 0-d results
    assert value.shape == one_index.shape == () and float(value) == float(sba([0, 2, 0, 0, 4, 0]))


def test_auto_bad_table_and_patterns():
    with pytest.raises(ConfigError, match="maps 'lumpy' to an unknown method 'holt'; choose one of wma, sma"):
        auto(SERIES, 3, table={"lumpy": "holt"})
    with pytest.raises(ConfigError, match="unknown demand pattern 'sporadic'"):
        auto(SERIES, 3, table={"sporadic": "ses"})
    with pytest.raises(InputError, match=r"^`pattern` must be one of smooth, erratic, intermittent, lumpy, no_demand; "
                                         r"1 of 1 rows break it \(first: row 0 = 'sporadic'\)$"):
        auto([SERIES], ["sporadic"])
    with pytest.raises(InputError, match=r"^`pattern` must be one of 0, 1, 2, 3, 4; 1 of 1 rows break it \(first: "
                                         r"row 0 = 5\)\. Codes are positions in \('smooth', "):
        auto([SERIES], [5])
    with pytest.raises(InputError, match=r"^`pattern` must have shape \(2,\), one demand pattern per series of "
                                         r"`demand`; got shape \(1,\)$"):
        auto([SERIES, SERIES], [0])
    with pytest.raises(ConfigError, match="`alpha` must be in"):
        auto([SERIES], [0], alpha=0)
