"""The last-buy kernels: the fitted decline, the horizon demand, the quantity, the outcome and the allocation.

Golden values are hand-computed (the docstrings of spareopt.policy.decline show the arithmetic) and
checked against scipy's Poisson and negative binomial quantiles and scipy.optimize's likelihood fit.
The pipeline, the CLI and the real-data calibration are in tests/test_last_buy_cli.py.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, stats

from spareopt import ConfigError, InputError, UsageError
from spareopt.policy import (
    critical_ratio,
    decline_dispersion,
    fit_decline,
    greedy_allocation,
    horizon_demand,
    integer_allocation,
    last_buy_outcome,
    last_buy_quantity,
)
from spareopt.policy.allocate import increments
from spareopt.policy.decline import MAX_DECAY

# -- golden: horizon demand and quantities ------------------------------------------------------------


def test_horizon_demand_flat_and_declining_by_hand():
    # k = 0: 3/month x 24 = 72; k = ln 2 over 4 months: 3 (1 + 1/2 + 1/4 + 1/8) = 5.625
    assert horizon_demand(3.0, 0.0, 24) == 72.0
    assert horizon_demand(3.0, np.log(2), 4) == pytest.approx(5.625, abs=1e-12)
    # k = 0.1 over 12 months, the geometric sum term by term
    assert horizon_demand(2.0, 0.1, 12) == pytest.approx(2.0 * sum(np.exp(-0.1 * t) for t in range(12)), rel=1e-12)
    # k -> 0 joins the flat case continuously
    assert horizon_demand(2.0, 1e-12, 12) == pytest.approx(24.0, rel=1e-9)


def test_golden_poisson_quantity_flat_and_declining():
    """Lambda = 24 (2/month, 12 months): P(D <= 31) = 0.9322 < 0.95 <= P(D <= 32) = 0.9533, so Q = 32.

    Halving each month, Lambda = 2 (1 - 2^-12) / (1 - 1/2) = 3.9990: P(D <= 7) = 0.9489 < 0.95 <= 0.9787, Q = 8.
    """
    assert stats.poisson.cdf(31, 24) < 0.95 <= stats.poisson.cdf(32, 24)
    lam = 2 * (1 - 2**-12) / 0.5
    assert stats.poisson.cdf(7, lam) < 0.95 <= stats.poisson.cdf(8, lam)
    assert last_buy_quantity(2.0, [0.0, np.log(2)], 12, service_level=0.95).tolist() == [32, 8]


def test_golden_negative_binomial_quantity():
    """Lambda = 24 with dispersion 3: variance 72, NB(n = 24 / 2 = 12, p = 1/3); scipy's quantile is 39."""
    n, p = 24 / (3 - 1), 1 / 3
    assert stats.nbinom.mean(n, p) == pytest.approx(24) and stats.nbinom.var(n, p) == pytest.approx(72)
    q = int(stats.nbinom.ppf(0.95, n, p))
    assert stats.nbinom.cdf(q - 1, n, p) < 0.95 <= stats.nbinom.cdf(q, n, p)
    assert q == 39
    assert int(last_buy_quantity(2.0, 0.0, 12, service_level=0.95, distribution="negative_binomial",
                                 dispersion=3.0)) == 39


def test_quantities_equal_scipy_quantiles_on_random_parts():
    rng = np.random.default_rng(7)
    n = 2_000
    rate, decay = rng.gamma(0.7, 3.0, n), rng.uniform(0, 0.3, n)
    horizon, level = rng.integers(1, 120, n), rng.uniform(0.5, 0.995, n)
    phi = rng.uniform(1.01, 8.0, n)
    lam = horizon_demand(rate, decay, horizon)
    poisson = last_buy_quantity(rate, decay, horizon, service_level=level)
    assert np.array_equal(poisson, stats.poisson.ppf(level, lam).astype(np.int64))
    nb = last_buy_quantity(rate, decay, horizon, service_level=level, distribution="negative_binomial",
                           dispersion=phi)
    assert np.array_equal(nb, stats.nbinom.ppf(level, lam / (phi - 1), 1 / phi).astype(np.int64))


def test_cost_mode_is_the_newsvendor_fractile():
    """Cost 100, shortage 400, holding 20%/year over 24 months, no salvage: c_u 300, c_o 140, ratio 300/440."""
    assert critical_ratio(100.0, 400.0, 24, holding_rate=0.2) == pytest.approx(300 / 440)
    # salvage 40 lowers c_o to 100: ratio 0.75
    assert critical_ratio(100.0, 400.0, 24, holding_rate=0.2, salvage_value=40.0) == pytest.approx(0.75)
    q = last_buy_quantity(1.0, 0.0, 24, unit_cost=100.0, shortage_cost=400.0, holding_rate=0.2)
    assert stats.poisson.cdf(25, 24) < 300 / 440 <= stats.poisson.cdf(26, 24)
    assert int(q) == 26


def test_outcome_equals_summation_over_the_distribution():
    x = np.arange(0, 400)
    for stock, lam, phi in [(32, 24.0, 1.0), (10, 3.5, 1.0), (40, 24.0, 3.0), (0, 2.0, 1.0), (5, 0.0, 1.0)]:
        pmf = (stats.poisson.pmf(x, lam) if phi == 1 else stats.nbinom.pmf(x, lam / (phi - 1), 1 / phi))
        out = last_buy_outcome(stock, lam, distribution="poisson" if phi == 1 else "negative_binomial",
                               dispersion=phi)
        assert out.expected_shortage == pytest.approx((np.maximum(x - stock, 0) * pmf).sum(), abs=1e-9)
        assert out.expected_leftover == pytest.approx((np.maximum(stock - x, 0) * pmf).sum(), abs=1e-9)
        assert out.prob_no_shortage == pytest.approx(pmf[: stock + 1].sum(), abs=1e-12)


# -- golden: the fit --------------------------------------------------------------------------------


def test_fit_of_an_exact_exponential_decline():
    """8, 4, 2, 1: the rate halves each month, so k = ln 2 and the next month's rate is 1/2."""
    rate_now, decay = fit_decline([[8.0, 4.0, 2.0, 1.0]], fit_months=4)
    assert decay[0] == pytest.approx(np.log(2), abs=1e-9)
    assert rate_now[0] == pytest.approx(0.5, abs=1e-9)


def _scipy_fit(y: np.ndarray) -> tuple[float, float]:
    """The Poisson log-linear MLE of lambda_0 e^{k d} (d = months before the horizon), k in [0, MAX_DECAY]."""
    age = np.arange(len(y), 0, -1, dtype=float)

    def nll(p: np.ndarray) -> tuple[float, np.ndarray]:
        """The negative log-likelihood and its exact gradient (no finite differences: 3x fewer evaluations)."""
        eta = p[0] + p[1] * age
        residual = np.exp(eta) - y
        return float((np.exp(eta) - y * eta).sum()), np.array([residual.sum(), (age * residual).sum()])

    best = optimize.minimize(nll, [np.log(max(y.mean(), 1e-3)), 0.05], jac=True, bounds=[(-50, 20), (0, MAX_DECAY)],
                             method="L-BFGS-B", options={"ftol": 1e-15, "gtol": 1e-12, "maxiter": 10_000})
    return float(np.exp(best.x[0])), float(best.x[1])


def test_fit_equals_scipy_maximum_likelihood_on_random_series():
    rng = np.random.default_rng(3)
    age = np.arange(24, 0, -1)
    rate = rng.gamma(1.0, 3.0, 200)
    decay = rng.uniform(0, 0.15, 200)
    y = rng.poisson(rate[:, None] * np.exp(decay[:, None] * age)).astype(float)
    fit = fit_decline(y)
    for i in range(len(y)):
        if y[i].sum() == 0:
            continue
        lam0, k = _scipy_fit(y[i])
        assert fit.decay[i] == pytest.approx(k, abs=2e-4), i
        assert fit.rate_now[i] == pytest.approx(lam0, rel=2e-3, abs=1e-6), i


def test_growing_demand_is_held_flat_and_flagged():
    fit = fit_decline([[1.0, 1.0, 2.0, 3.0, 5.0, 8.0]], fit_months=6)
    assert fit.growing.tolist() == [True] and fit.decay.tolist() == [0.0]
    assert fit.rate_now[0] == pytest.approx(20 / 6)  # the mean of the window


def test_no_demand_gives_zero_rate_and_a_quantity_of_zero():
    fit = fit_decline(np.zeros((3, 12)))
    assert fit.rate_now.tolist() == [0.0] * 3 and fit.decay.tolist() == [0.0] * 3
    assert last_buy_quantity(fit.rate_now, fit.decay, 60, service_level=0.99).tolist() == [0, 0, 0]


def test_demand_only_long_ago_reaches_the_cap():
    fit = fit_decline([[9.0] + [0.0] * 23])
    assert fit.capped.tolist() == [True] and fit.decay[0] == MAX_DECAY
    assert fit.rate_now[0] < 1e-18


def test_window_is_the_last_fit_months_up_to_as_of():
    q = np.array([[50.0, 50.0, 8.0, 4.0, 2.0, 1.0, 99.0]])
    rate_now, decay = fit_decline(q, as_of=5, fit_months=4)  # columns 2..5
    assert decay[0] == pytest.approx(np.log(2)) and rate_now[0] == pytest.approx(0.5)


def test_fit_on_a_demand_matrix_takes_a_month_as_as_of():
    import pandas as pd

    from spareopt import demand_matrix, load_history

    sales = pd.DataFrame({"part": "P", "period": pd.period_range("2024-01", periods=8, freq="M").astype(str),
                          "quantity": [50, 50, 8, 4, 2, 1, 99, 99]})
    matrix = demand_matrix(load_history(sales))
    rate_now, decay = fit_decline(matrix, as_of="2024-06", fit_months=4)
    assert decay[0] == pytest.approx(np.log(2)) and rate_now[0] == pytest.approx(0.5)
    with pytest.raises(UsageError, match=r"^as_of 2025-01 is outside the matrix \(2024-01..2024-08\)$"):
        fit_decline(matrix, as_of="2025-01")


def test_dispersion_adds_the_fit_error_to_the_demand_noise():
    """Flat 2/month for 24 months: Pearson 0 -> 1; Lambda = Y = 48 so phi = 1 x (1 + 48/48) = 2.

    Declining: phi = phi_P (1 + Lambda (1 + (d + tau)^2 / s^2) / Y), computed here from the Fisher
    information of (log lambda_0, k) directly (delta method).
    """
    assert decline_dispersion(fit_decline([[2.0] * 24]), 24).tolist() == [2.0]
    y = np.array([[9.0, 7, 8, 6, 7, 5, 6, 4, 5, 3, 4, 3]])
    fit = fit_decline(y, fit_months=12)
    lam0, k = fit.rate_now[0], fit.decay[0]
    age = np.arange(12, 0, -1)
    rates = lam0 * np.exp(k * age)
    info = np.array([[rates.sum(), (rates * age).sum()], [(rates * age).sum(), (rates * age**2).sum()]])
    t = np.arange(24)
    lam = lam0 * np.exp(-k * t).sum()
    grad = np.array([lam, -lam0 * (t * np.exp(-k * t)).sum()])
    pearson = max(((y[0] - rates) ** 2 / rates).sum() / (12 - 2), 1.0)
    expected = pearson * (lam + grad @ np.linalg.solve(info, grad)) / lam
    assert decline_dispersion(fit, 24)[0] == pytest.approx(expected, rel=1e-9)


# -- bad arguments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs, message", [
    ({}, "give either service_level (service mode) or shortage_cost with unit_cost (cost mode); got neither"),
    ({"service_level": 0.9, "shortage_cost": 5.0, "unit_cost": 1.0}, "got both"),
    ({"service_level": 1.0}, "`service_level` must be in (0, 1); got 1. Give it as a fraction, e.g. 0.95 for 95%"),
    ({"service_level": [0.9, 95]}, "`service_level` must be in (0, 1); 1 of 2 rows break it (first: row 1 = 95)."),
    ({"service_level": 0.9, "distribution": "normal"},
     "`distribution` must be one of poisson, negative_binomial; got 'normal'"),
    ({"service_level": 0.9, "distribution": "negative_binomial"}, "needs a dispersion"),
    ({"shortage_cost": 5.0}, "cost mode needs unit_cost as well as shortage_cost"),
])
def test_bad_modes_are_config_errors(kwargs, message):
    with pytest.raises(ConfigError, match=None) as error:
        last_buy_quantity(1.0, 0.0, 12, **kwargs)
    assert message in str(error.value)


def test_bad_horizon_and_costs():
    with pytest.raises(ConfigError, match="horizon_months must be a whole number of months >= 1.*got -3"):
        last_buy_quantity(1.0, 0.0, -3, service_level=0.9)
    with pytest.raises(InputError, match=r"^`shortage_cost` must be above `unit_cost`; 1 of 2 rows break it \(first: "
                                         r"row 1, shortage_cost 5, unit_cost 8\)\. The extra cost of a unit short"):
        critical_ratio([10.0, 8.0], [20.0, 5.0], 12)
    with pytest.raises(InputError, match=r"^`salvage_value` must be below `unit_cost` x \(1 \+ `holding_rate` x "
                                         r"`horizon_months` / 12\); got salvage_value 10, unit_cost 10, "
                                         r"holding_rate 0, horizon_months 12\. Else every unit bought pays for "
                                         r"itself\.$"):
        critical_ratio(10.0, 20.0, 12, salvage_value=10.0)
    with pytest.raises(InputError, match=r"^`dispersion` must be finite and >= 1; got 0\.5\. It is Var\(D\) / E\[D\]; "
                                         r"1 = Poisson\.$"):
        last_buy_quantity(1.0, 0.0, 12, service_level=0.9, distribution="negative_binomial", dispersion=0.5)
    with pytest.raises(InputError, match="`rate_now` must be finite and >= 0"):
        last_buy_quantity(-1.0, 0.0, 12, service_level=0.9)
    with pytest.raises(InputError, match=r"^`matrix` must be finite and >= 0; 1 of 1 rows break it \(first: row 0 "
                                         r"month 1 = nan\)\. Net returns into their month"):
        fit_decline([[1.0, np.nan, 2.0]])
    with pytest.raises(ConfigError, match=r"^`fit_months` must be a whole number >= 2; got 1\. A decline needs two "
                                          r"months\.$"):
        fit_decline([[1.0, 2.0]], fit_months=1)
    with pytest.raises(InputError, match=r"^`stock` must be a whole number >= 0; 1 of 2 rows break it \(first: row 1 = "
                                         r"2\.5\)\. S is the last buy"):
        last_buy_outcome([3, 2.5], 2.0)


# -- properties -------------------------------------------------------------------------------------

rates = st.floats(0, 50, allow_nan=False)
decays = st.floats(0, 1, allow_nan=False)
horizons = st.integers(1, 240)
levels = st.floats(0.01, 0.995, allow_nan=False)


@settings(max_examples=100, deadline=None)
@given(rates, rates, decays, decays, horizons, horizons, levels, levels)
def test_quantity_is_monotone(r1, r2, k1, k2, h1, h2, a1, a2):
    """Q does not fall as the service level, the horizon or lambda_0 rises; it does not rise as k rises."""
    r_lo, r_hi = sorted((r1, r2))
    k_lo, k_hi = sorted((k1, k2))
    h_lo, h_hi = sorted((h1, h2))
    a_lo, a_hi = sorted((a1, a2))

    def q(r: float, k: float, h: int, a: float, **kw) -> int:
        return int(last_buy_quantity(r, k, h, service_level=a, **kw))

    for kw in ({}, {"distribution": "negative_binomial", "dispersion": 2.5}):
        base = q(r_lo, k_hi, h_lo, a_lo, **kw)
        assert q(r_lo, k_hi, h_lo, a_hi, **kw) >= base
        assert q(r_lo, k_hi, h_hi, a_lo, **kw) >= base
        assert q(r_hi, k_hi, h_lo, a_lo, **kw) >= base
        assert q(r_lo, k_lo, h_lo, a_lo, **kw) >= base
        assert q(0.0, k_lo, h_hi, a_hi, **kw) == 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 30), min_size=2, max_size=36))
def test_fit_is_a_likelihood_maximum(series):
    """No small move of (log lambda_0, k) inside k in [0, MAX_DECAY] raises the Poisson likelihood."""
    y = np.asarray(series, dtype=float)
    fit = fit_decline(y[None, :], fit_months=len(y))
    assert 0 <= fit.decay[0] <= MAX_DECAY and fit.rate_now[0] >= 0
    if y.sum() == 0:
        assert fit.rate_now[0] == 0
        return
    age = np.arange(len(y), 0, -1)

    def loglik(log_rate: float, k: float) -> float:
        eta = log_rate + k * age
        return float((y * eta - np.exp(eta)).sum())

    best = loglik(np.log(fit.rate_now[0]), fit.decay[0]) if fit.rate_now[0] > 0 else None
    if best is None:
        return
    for dr, dk in [(1e-4, 0), (-1e-4, 0), (0, 1e-4), (0, -1e-4), (1e-4, 1e-4), (-1e-4, -1e-4)]:
        k = fit.decay[0] + dk
        if 0 <= k <= MAX_DECAY:
            assert loglik(np.log(fit.rate_now[0]) + dr, k) <= best + 1e-7 * max(1.0, abs(best))


# -- the allocation ---------------------------------------------------------------------------------


def _instance(rng: np.random.Generator, n: int, same_cost: bool):
    lam = rng.uniform(0.2, 6.0, n)
    limit = stats.poisson.ppf(0.99, lam).astype(np.int64)
    start = np.minimum(rng.integers(0, 3, n), limit)
    cost = np.full(n, 7.0) if same_cost else np.round(rng.uniform(1, 20, n), 2)

    def gain(part: np.ndarray, level: np.ndarray) -> np.ndarray:
        return stats.poisson.sf(level, lam[part])  # P(D > s): expected units filled by one more unit

    return start, limit, gain, cost


def _all_gains(start, limit, gain):
    part, level = increments(start, limit)
    return gain(part, level), part


@pytest.mark.parametrize("seed", range(12))
def test_greedy_equals_pulp_when_every_unit_costs_the_same(seed):
    rng = np.random.default_rng(seed)
    start, limit, gain, cost = _instance(rng, 6, same_cost=True)
    budget = float(rng.uniform(0, 1) * ((limit - start) * cost).sum())
    greedy = greedy_allocation(start, limit, gain, cost, budget)
    exact = integer_allocation(start, limit, gain, [cost], [budget])
    assert greedy.used[0] <= budget + 1e-9
    assert greedy.gain == pytest.approx(exact.gain, abs=1e-9)


@pytest.mark.parametrize("seed", range(12))
def test_greedy_against_pulp_with_different_costs(seed):
    """Within one unit's gain of the optimum; equal to it at the budgets its prefix spends (efficient points)."""
    rng = np.random.default_rng(100 + seed)
    start, limit, gain, cost = _instance(rng, 6, same_cost=False)
    budget = float(rng.uniform(0, 1) * ((limit - start) * cost).sum())
    greedy = greedy_allocation(start, limit, gain, cost, budget)
    exact = integer_allocation(start, limit, gain, [cost], [budget])
    g, part = _all_gains(start, limit, gain)
    assert greedy.used[0] <= budget + 1e-9
    assert exact.gain - g.max() - 1e-9 <= greedy.gain <= exact.gain + 1e-9
    ratio = g / cost[part]
    prefix = np.cumsum(cost[part][np.lexsort((part, -ratio))])
    for spend in prefix[:: max(1, len(prefix) // 5)]:
        at = greedy_allocation(start, limit, gain, cost, float(spend))
        assert at.gain == pytest.approx(integer_allocation(start, limit, gain, [cost], [float(spend)]).gain,
                                        abs=1e-9)


@settings(max_examples=100, deadline=None)
@given(st.integers(0, 2**32 - 1), st.floats(0, 1))
def test_greedy_never_exceeds_the_budget_and_keeps_each_part_in_range(seed, share):
    rng = np.random.default_rng(seed)
    start, limit, gain, cost = _instance(rng, 20, same_cost=False)
    budget = share * float(((limit - start) * cost).sum())
    result = greedy_allocation(start, limit, gain, cost, budget)
    assert (result.units * cost).sum() <= budget + 1e-9
    assert ((result.units >= 0) & (result.units <= limit - start)).all()
    # whatever is left cannot buy one more unit of any part that still wants one
    left = budget - (result.units * cost).sum()
    wants = result.units < limit - start
    assert not (cost[wants] <= left - 1e-9).any()


def test_zero_budget_buys_nothing_and_free_units_come_first():
    start, limit = np.zeros(2, np.int64), np.array([3, 2])
    gains = np.array([[0.9, 0.5, 0.1], [0.8, 0.3, 0.0]])
    result = greedy_allocation(start, limit, lambda p, s: gains[p, s], [1.0, 1.0], 0.0)
    assert result.units.tolist() == [0, 0]
    free = greedy_allocation(start, limit, lambda p, s: gains[p, s], [0.0, 1.0], 0.0)
    assert free.units.tolist() == [3, 0]
