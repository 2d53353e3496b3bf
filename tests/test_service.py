"""Service-level (R, s, S) policy and the implied service of any plan (spareopt.policy.service).

Golden cases are computed by hand in the comments and cross-checked against scipy;
the properties assert the definitions: the target is met at s and missed at s - 1,
s does not fall as the target rises, the vectorised call is a loop of one-series calls,
and the closed-form loss equals a brute-force sum or integral.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import integrate, stats

from spareopt.errors import ConfigError
from spareopt.policy import seed
from spareopt.policy.service import (
    DEMAND_MODELS,
    NEGATIVE_BINOMIAL,
    NORMAL,
    POISSON,
    cdf,
    demand_model,
    implied_service,
    loss,
    protection_demand,
    reorder_point_for,
)

D = seed.DAYS_PER_MONTH  # 30.4375 days: L = R = D is one month each, P = 2 months
FAST = settings(max_examples=60, deadline=None)
KINDS = ["csl", "fill_rate"]


# -- golden cases ----------------------------------------------------------------------------------

def test_protection_demand_one_month_lead_and_cycle():
    # f = 2/month, v = 2: over L + R = 2 months mu = 4, sigma^2 = 4; over R = 1 month mu_R = 2, sigma_R^2 = 2
    d = protection_demand([2.0], [2.0], D, D)
    assert (d.mean.tolist(), d.variance.tolist(), d.review_mean.tolist(), d.review_variance.tolist()) == \
        ([4.0], [4.0], [2.0], [2.0])
    assert d.to_frame().columns.tolist() == ["mean", "variance", "review_mean", "review_variance"]


def test_demand_model_switch():
    # mu = 4, var/mu = 1 -> Poisson; 1.1 exactly is not above the threshold -> Poisson; 3 -> NB;
    # mu = 10 -> normal whatever the variance; mu = 0 -> Poisson(0)
    codes = demand_model([4.0, 4.0, 4.0, 10.0, 10.0, 0.0], [4.0, 4.4, 12.0, 1.0, 50.0, 3.0])
    assert codes.dtype == np.int8
    assert [DEMAND_MODELS[c] for c in codes] == ["poisson", "poisson", "negative_binomial", "normal", "normal",
                                                 "poisson"]
    assert demand_model([4.0], [12.0], normal_min_mean=4.0).tolist() == [NORMAL]
    assert demand_model([4.0], [12.0], overdispersion_min=3.0).tolist() == [POISSON]


def test_poisson_csl_golden():
    # f = 2/month, v = 2, L = R = 1 month: mu = 4, var/mu = 1 -> Poisson(4).
    # P(X <= 7) = e^-4 (1 + 4 + 8 + 10.667 + 10.667 + 8.533 + 5.689 + 3.251) = 0.018316 x 51.806 = 0.9489 < 0.95
    # P(X <= 8) = 0.9489 + e^-4 4^8 / 8! = 0.9489 + 0.0298 = 0.9786 >= 0.95  -> s = 8
    # Q = ceil(mu_R) = ceil(2) = 2 -> S = 10
    assert cdf([7, 8], 4.0, 4.0, POISSON) == pytest.approx([0.9489, 0.9786], abs=5e-5)
    assert cdf([7, 8], 4.0, 4.0, POISSON) == pytest.approx(stats.poisson.cdf([7, 8], 4.0), rel=1e-12)
    s, big_s, model = reorder_point_for(0.95, [2.0], [2.0], D, D)
    assert (s.tolist(), big_s.tolist(), model.tolist()) == ([8], [10], [POISSON])
    assert s.dtype == big_s.dtype == np.int64


def test_negative_binomial_csl_golden():
    # f = 2/month, v = 6: mu = 4, sigma^2 = 12, var/mu = 3 > 1.1 -> NB with n = 16 / 8 = 2, p = 4 / 12 = 1/3.
    # For n = 2, P(X > k) = P(< 2 successes in k + 2 trials) = q^(k+2) + (k+2) p q^(k+1) = (2/3)^(k+1) (k+4) / 3:
    # k = 10: (2/3)^11 x 14/3 = 0.011561 x 4.6667 = 0.05395 -> P(X <= 10) = 0.94605 < 0.95
    # k = 11: (2/3)^12 x 15/3 = 0.0077073 x 5 = 0.03854 -> P(X <= 11) = 0.96146 >= 0.95  -> s = 11, S = 11 + 2
    hand = [1 - (2 / 3) ** (k + 1) * (k + 4) / 3 for k in (10, 11)]
    assert cdf([10, 11], 4.0, 12.0, NEGATIVE_BINOMIAL) == pytest.approx(hand, rel=1e-12)
    assert cdf([10, 11], 4.0, 12.0, NEGATIVE_BINOMIAL) == pytest.approx(stats.nbinom.cdf([10, 11], 2, 1 / 3))
    s, big_s, model = reorder_point_for(0.95, [2.0], [6.0], D, D)
    assert (s.tolist(), big_s.tolist(), model.tolist()) == ([11], [13], [NEGATIVE_BINOMIAL])


def test_normal_csl_golden():
    # f = 20/month, v = 80: mu = 40 >= 10 -> normal, sigma^2 = 160 = 40 x 4, sigma = 12.649.
    # z_0.95 = 1.644854: mu + z sigma = 40 + 20.806 = 60.806 -> s = ceil(60.806) = 61; Q = 20 -> S = 81
    s, big_s, model = reorder_point_for(0.95, [20.0], [80.0], D, D)
    assert s.tolist() == [math.ceil(40 + stats.norm.ppf(0.95) * math.sqrt(160))] == [61]
    assert (big_s.tolist(), model.tolist()) == ([81], [NORMAL])


def test_poisson_fill_rate_golden():
    # Poisson(4) over L + R as above; Q = 2; E[U] = (sigma_R^2 + mu_R^2) / (2 mu_R) = (2 + 4) / 4 = 1.5; Q + E[U] = 3.5.
    # ESPRC = 4 P(X >= s) - s P(X >= s + 1) (the 5-digit tails give the 4th digit; unrounded in brackets):
    #   s = 6: 4 x 0.21487 - 6 x 0.11067 = 0.1955 (0.19543) -> fill 1 - 0.19543 / 3.5 = 0.94416
    #   s = 7: 4 x 0.11067 - 7 x 0.05113 = 0.0848 (0.08476) -> 1 - 0.08476 / 3.5 = 0.97578
    #   s = 8: 4 x 0.05113 - 8 x 0.02136 = 0.0336 (0.03363) -> 1 - 0.03363 / 3.5 = 0.99039
    assert loss([6, 7, 8], 4.0, 4.0, POISSON) == pytest.approx([0.19543, 0.08476, 0.03363], abs=1e-5)
    fill = implied_service([6, 7, 8], [8, 9, 10], 2.0, 2.0, D, D).implied_fill_rate
    assert fill == pytest.approx([0.94416, 0.97578, 0.99039], abs=2e-5)
    plan = reorder_point_for([0.95, 0.98], [2.0, 2.0], 2.0, D, D, kind="fill_rate")
    assert plan.reorder_point.tolist() == [7, 8]
    assert plan.max_stock.tolist() == [9, 10]


def test_implied_service_of_a_slow_mover_golden():
    # f = 0.3/month, v = 0.3, L = R = 1 month: mu = 0.6, Poisson; the plan (0, 1):
    # CSL = P(X <= 0) = e^-0.6 = 0.5488; ESPRC = E[X] = 0.6; E[U] = (0.3 + 0.09) / 0.6 = 0.65;
    # fill = 1 - 0.6 / (1 + 0.65) = 0.63636
    service = implied_service([0], [1], [0.3], [0.3], D, D)
    assert service.implied_csl == pytest.approx([math.exp(-0.6)], rel=1e-12)
    assert service.implied_fill_rate == pytest.approx([1 - 0.6 / 1.65], rel=1e-12)


def test_implied_service_of_the_seed_plan():
    # The seed's worked example: MAD 6, L/T 5, O/C 7 -> SSQ 12, ROP 13, MAX 15; with v = 6 (Poisson),
    # mu = 6 x 12 / 30.4375 = 2.3655 over L + R and mu_R = 6 x 7 / 30.4375 = 1.3799.
    ssq = seed.ssq([6.0], 7, 5)
    rop, top = seed.reorder_point([6.0], 5, ssq), seed.max_stock([6.0], 5, 7, ssq)
    assert (rop.tolist(), top.tolist()) == ([13], [15])
    service = implied_service(rop, top, [6.0], [6.0], 5, 7)
    mu, mu_r = 6 * 12 / D, 6 * 7 / D
    esprc = mu * stats.poisson.sf(12, mu) - 13 * stats.poisson.sf(13, mu)
    assert service.implied_csl == pytest.approx([stats.poisson.cdf(13, mu)], rel=1e-12)
    assert service.implied_fill_rate == pytest.approx([1 - esprc / (2 + (6 / 6 + mu_r) / 2)], rel=1e-12)
    assert service.demand_model.tolist() == [POISSON]


def test_implied_service_special_cases():
    # rows: no demand; empty shelf (S = 0) with demand; instant supply (L = R = 0) with stock;
    # S = s, which in whole units is the plan (S - 1, S)
    service = implied_service([0, 0, 0, 3], [3, 0, 1, 3], [0.0, 1.0, 1.0, 1.0], 1.0, [10, 10, 0, 10], [5, 5, 0, 5])
    assert service.implied_csl[:3].tolist() == [1.0, 0.0, 1.0]
    assert service.implied_fill_rate[:3].tolist() == [1.0, 0.0, 1.0]
    same = implied_service([2], [3], [1.0], 1.0, 10, 5)
    assert service.implied_csl[3] == same.implied_csl[0]
    assert service.implied_fill_rate[3] == same.implied_fill_rate[0]


def test_continuous_review_undershoot():
    # R = 0: mu_R = 0 and E[U] = (v / f + mu_R) / 2 = v / 2f = 1.5 for f = 1, v = 3; L = 1 month: mu = 1, sigma^2 = 3
    # -> NB. The plan (1, 2): fill = 1 - E[(X - 1)+] / (1 + 1.5).
    service = implied_service([1], [2], [1.0], [3.0], D, 0)
    assert service.demand_model.tolist() == [NEGATIVE_BINOMIAL]
    expected = 1 - loss(1, 1.0, 3.0, NEGATIVE_BINOMIAL) / 2.5
    assert service.implied_fill_rate == pytest.approx([expected], rel=1e-12)
    # the policy keeps S >= s + 1 when there is demand, so its CSL is the CSL it was sized for
    plan = reorder_point_for(0.9, [1.0], [3.0], D, 0)
    assert (plan.max_stock - plan.reorder_point).tolist() == [1]
    assert implied_service(plan.reorder_point, plan.max_stock, [1.0], [3.0], D, 0).implied_csl[0] >= 0.9


def test_fill_rate_close_to_exact_for_slow_movers():
    # With S - s = 1 every review with demand orders, so the position after review is always S and the exact
    # backorder fill rate of Poisson demand is 1 - (E[(X_{L+R} - S)+] - E[(X_L - S)+]) / mu_R.
    # The Notes of implied_service: within -0.062 .. +0.028 of it where the exact value is >= 0.9.
    def g(s, mu):
        return mu * stats.poisson.sf(s - 1, mu) - s * stats.poisson.sf(s, mu)

    checked = 0
    for f in (0.05, 0.1, 0.3, 0.5, 1.0):
        for lead in (0.1, 0.5, 1.0, 3.0):
            for cycle in (0.25, 1.0):
                for big_s in range(1, 12):
                    exact = 1 - (g(big_s, f * (lead + cycle)) - g(big_s, f * lead)) / (f * cycle)
                    if exact < 0.9:
                        continue
                    got = implied_service([big_s - 1], [big_s], f, f, lead * D, cycle * D).implied_fill_rate[0]
                    assert -0.062 <= got - exact <= 0.028, (f, lead, cycle, big_s, exact, got)
                    checked += 1
    assert checked > 100


def test_results_unpack_and_make_frames():
    plan = reorder_point_for(0.9, [0.0, 2.0, 20.0], [0.0, 6.0, 80.0], 30, 30)
    s, big_s, _ = plan
    frame = plan.to_frame()
    assert frame.columns.tolist() == ["reorder_point", "max_stock", "demand_model"]
    assert frame["reorder_point"].tolist() == s.tolist()
    assert frame["demand_model"].tolist() == ["poisson", "negative_binomial", "normal"]
    assert isinstance(frame["demand_model"].dtype, pd.CategoricalDtype)
    service = implied_service(s, big_s, [0.0, 2.0, 20.0], [0.0, 6.0, 80.0], 30, 30).to_frame()
    assert service.columns.tolist() == ["implied_csl", "implied_fill_rate", "demand_model"]


# -- the loss and the cdf against brute force ------------------------------------------------------

def _brute_loss(s: int, mu: float, var: float, code: int) -> float:
    if code == NORMAL:
        sd = math.sqrt(var)
        value, _ = integrate.quad(lambda x: (x - s) * stats.norm.pdf(x, mu, sd), s, mu + 40 * sd + 40)
        return value
    law = stats.poisson(mu) if code == POISSON else stats.nbinom(mu * mu / (var - mu), mu / var)
    top = int(mu + 40 * math.sqrt(var)) + 60
    while law.sf(top) > 1e-18:  # sum up to where the tail is below float noise (heavy NB tails)
        top *= 2
    x = np.arange(0, top + 1)
    return float(np.sum(np.maximum(x - s, 0) * law.pmf(x)))


@st.composite
def distributions(draw):
    """(mean, variance, code) of a valid row of each model."""
    code = draw(st.sampled_from([POISSON, NEGATIVE_BINOMIAL, NORMAL]))
    mu = draw(st.floats(0.01, 30.0))
    if code == NEGATIVE_BINOMIAL:
        var = mu * draw(st.floats(1.05, 6.0))
    elif code == NORMAL:
        var = mu * draw(st.floats(0.2, 5.0))
    else:
        var = mu
    return mu, var, code


@FAST
@given(distributions(), st.integers(0, 60))
def test_loss_equals_brute_force(dist, s):
    mu, var, code = dist
    assert loss(s, mu, var, code) == pytest.approx(_brute_loss(s, mu, var, code), rel=1e-7, abs=1e-10)


@FAST
@given(distributions())
def test_loss_is_non_increasing_and_cdf_matches_the_pmf(dist):
    mu, var, code = dist
    s = np.arange(0, 80)
    values = loss(s, mu, var, np.full(s.size, code))
    assert np.all(np.diff(values) <= 1e-12)
    assert values[0] == pytest.approx(mu if code != NORMAL else _brute_loss(0, mu, var, code), rel=1e-7)
    if code == POISSON:
        assert cdf(s, mu, var, code) == pytest.approx(np.cumsum(stats.poisson.pmf(s, mu)), abs=1e-12)
    elif code == NEGATIVE_BINOMIAL:
        pmf = stats.nbinom.pmf(s, mu * mu / (var - mu), mu / var)
        assert cdf(s, mu, var, code) == pytest.approx(np.cumsum(pmf), abs=1e-12)
    else:
        assert cdf(s, mu, var, code) == pytest.approx(stats.norm.cdf(s, mu, math.sqrt(var)), abs=1e-15)


def test_normal_without_variance_is_deterministic():
    assert cdf([39, 40], 40.0, 0.0, NORMAL).tolist() == [0.0, 1.0]
    assert loss([35, 40, 45], 40.0, 0.0, NORMAL).tolist() == [5.0, 0.0, 0.0]


# -- properties of the policy ----------------------------------------------------------------------

@st.composite
def series(draw, min_size=1, max_size=8):
    """Forecast, variance, lead time and order cycle of a few series: slow, lumpy, fast and zero demand."""
    n = draw(st.integers(min_size, max_size))
    rate = st.one_of(st.just(0.0), st.floats(0.01, 1.0), st.floats(0.01, 40.0))
    forecast = draw(hnp.arrays(np.float64, n, elements=rate))
    ratio = draw(hnp.arrays(np.float64, n, elements=st.one_of(st.just(1.0), st.floats(0.0, 5.0))))
    lead = draw(hnp.arrays(np.float64, n, elements=st.integers(0, 120).map(float)))
    cycle = draw(hnp.arrays(np.float64, n, elements=st.integers(0, 60).map(float)))
    return forecast, forecast * ratio, lead, cycle


targets = st.floats(0.01, 0.999)


@FAST
@pytest.mark.parametrize("kind", KINDS)
@given(data=series(), low=targets, high=targets)
def test_s_does_not_fall_as_the_target_rises(kind, data, low, high):
    low, high = sorted((low, high))
    s_low = reorder_point_for(low, *data, kind=kind).reorder_point
    s_high = reorder_point_for(high, *data, kind=kind).reorder_point
    assert np.all(s_low <= s_high)


@FAST
@pytest.mark.parametrize("kind", KINDS)
@given(data=series(), target=targets)
def test_the_policy_meets_its_target_and_s_minus_1_does_not(kind, data, target):
    s, big_s, _ = reorder_point_for(target, *data, kind=kind)
    field = "implied_csl" if kind == "csl" else "implied_fill_rate"
    met = getattr(implied_service(s, big_s, *data), field)
    assert np.all(met >= target)
    lower = s > 0
    if lower.any():  # the same Q, one unit less
        rows = [x[lower] for x in data]
        missed = getattr(implied_service(s[lower] - 1, big_s[lower] - 1, *rows), field)
        assert np.all(missed < target)


@FAST
@given(data=series(), target=targets)
def test_quantities_are_whole_and_ordered(data, target):
    forecast, _, _, cycle = data
    for kind in KINDS:
        s, big_s, model = reorder_point_for(target, *data, kind=kind)
        assert s.dtype == big_s.dtype == np.int64 and model.dtype == np.int8
        assert np.all(s >= 0) and np.all(big_s >= s)
        quantity = np.where(forecast > 0, np.maximum(seed.ceil_units(forecast * cycle / D), 1), 0)
        assert (big_s - s).tolist() == quantity.tolist()


@FAST
@given(data=series(), target=targets)
def test_zero_forecast_gives_zero_stock_and_full_service(data, target):
    _, variance, lead, cycle = data
    zero = np.zeros_like(variance)
    for kind in KINDS:
        s, big_s, _ = reorder_point_for(target, zero, variance, lead, cycle, kind=kind)
        assert s.tolist() == big_s.tolist() == [0] * len(zero)
    service = implied_service(np.zeros(len(zero)), np.zeros(len(zero)), zero, variance, lead, cycle)
    assert service.implied_csl.tolist() == service.implied_fill_rate.tolist() == [1.0] * len(zero)


@FAST
@given(data=series(), target=hnp.arrays(np.float64, 8, elements=targets))
def test_vectorised_equals_a_loop_of_one_series_calls(data, target):
    n = len(data[0])
    target = target[:n]
    for kind in KINDS:
        plan = reorder_point_for(target, *data, kind=kind)
        service = implied_service(plan.reorder_point, plan.max_stock, *data)
        for i in range(n):
            one = [x[i:i + 1] for x in data]
            single = reorder_point_for(target[i], *one, kind=kind)
            assert single.reorder_point[0] == plan.reorder_point[i]
            assert single.max_stock[0] == plan.max_stock[i]
            assert single.demand_model[0] == plan.demand_model[i]
            alone = implied_service(single.reorder_point, single.max_stock, *one)
            assert alone.implied_csl[0] == service.implied_csl[i]
            assert alone.implied_fill_rate[0] == service.implied_fill_rate[i]


@FAST
@given(data=series(max_size=1), extra=st.integers(0, 5))
def test_implied_fill_rate_is_non_decreasing_in_s_for_fixed_q(data, extra):
    forecast, variance, lead, cycle = (np.repeat(x, 40) for x in data)
    s = np.arange(40)
    for q in (1 + extra, extra):
        service = implied_service(s, s + q, forecast, variance, lead, cycle)
        assert np.all(np.diff(service.implied_fill_rate) >= 0)
        assert np.all(np.diff(service.implied_csl) >= 0)


# -- bad input -------------------------------------------------------------------------------------

@pytest.mark.parametrize("target, shown", [(0, "0"), (1, "1"), (1.5, "1.5"), (1.2, "1.2"), (float("nan"), "nan"),
                                           (-0.1, "-0.1")])
def test_target_outside_0_1_is_a_config_error(target, shown):
    with pytest.raises(ConfigError, match=rf"^service target must be in \(0, 1\); got {shown}\. "):
        reorder_point_for(target, [1.0], [1.0], 10, 10)


def test_one_bad_target_in_an_array_names_its_row():
    with pytest.raises(ConfigError, match=r"got 1\.5 \(row 1; 1 of 3 targets break it\)"):
        reorder_point_for([0.9, 1.5, 0.95], [1.0, 1.0, 1.0], 1.0, 10, 10)


def test_unknown_kind_and_bad_switch_are_config_errors():
    with pytest.raises(ConfigError, match="kind must be 'csl' or 'fill_rate'; got 'p2'"):
        reorder_point_for(0.9, [1.0], [1.0], 10, 10, kind="p2")
    with pytest.raises(ConfigError, match="overdispersion_min must be a finite number >= 1"):
        reorder_point_for(0.9, [1.0], [1.0], 10, 10, overdispersion_min=0.9)
    with pytest.raises(ConfigError, match="normal_min_mean must be >= 0"):
        implied_service([1], [2], [1.0], [1.0], 10, 10, normal_min_mean=float("nan"))


@pytest.mark.parametrize("name, position", [("forecast", 1), ("variance", 2)])
def test_negative_forecast_or_variance_is_a_value_error(name, position):
    args = [0.9, np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]), 10, 10]
    args[position] = np.array([1.0, -2.0, 3.0])
    with pytest.raises(ValueError, match=rf"^`{name}` must be finite and >= 0; 1 of 3 rows break it "
                                         r"\(first: row 1 = -2\)"):
        reorder_point_for(*args)
    with pytest.raises(ValueError, match=rf"^`{name}` must be finite and >= 0"):
        implied_service([1, 1, 1], [2, 2, 2], *args[1:])


def test_bad_plans_are_value_errors():
    with pytest.raises(ValueError, match=r"`max_stock` must be >= `reorder_point`; 1 of 2 rows break it "
                                         r"\(first: row 1, reorder_point 5, max_stock 4\)"):
        implied_service([1, 5], [2, 4], [1.0, 1.0], 1.0, 10, 10)
    with pytest.raises(ValueError, match=r"`reorder_point` must be whole units; 1 of 1 rows break it"):
        implied_service([1.5], [2], [1.0], 1.0, 10, 10)
    with pytest.raises(ValueError, match=r"`lead_time_days` must be finite and >= 0"):
        implied_service([1], [2], [1.0], 1.0, float("inf"), 10)


def test_bad_distribution_arguments_are_value_errors():
    with pytest.raises(ValueError, match="`model` must hold codes 0, 1 or 2"):
        cdf([1], [1.0], [1.0], [3])
    with pytest.raises(ValueError, match="a negative binomial row needs variance > mean > 0"):
        loss([1], [2.0], [2.0], [NEGATIVE_BINOMIAL])
    with pytest.raises(ValueError, match="`s` must be whole units"):
        loss([0.5], [2.0], [2.0], [POISSON])
