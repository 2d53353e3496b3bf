"""`spareopt.forecast.lead_time` and `spareopt.backtest`: the demand over the protection interval and its
uncertainty, and the backtest that calibrates it.

Golden cases: the Poisson-gamma predictive against its closed form (and a numerical integral of the
mixture), the one-step forecast error hand-computed on a short series, and the empirical lead-time
demand of a tiny series counted by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

import spareopt
from spareopt.backtest import (
    AUTO_CANDIDATES,
    SCALES,
    choose,
    demand_inputs,
    demand_sums,
    lead_time_demand,
    series_keys,
)
from spareopt.config import Config
from spareopt.errors import ConfigError
from spareopt.forecast.lead_time import (
    forecast_error_variance,
    gamma_prior,
    lead_time_sums,
    poisson_gamma,
    poisson_gamma_predictive,
)

FAST = settings(max_examples=40, deadline=None)


# -- golden ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n", "a", "b", "p"),
                         [(3, 10, 1.0, 2.0, 2.0), (0, 24, 0.4, 8.0, 1.33), (17, 12, 2.5, 1.0, 3.0)])
def test_poisson_gamma_predictive_is_the_negative_binomial_of_the_mixture(k, n, a, b, p):
    # Gamma(a + k, b + n) posterior, Poisson(rate x P) demand: NB(r = a + k, p = (b + n) / (b + n + P)).
    mean, variance = poisson_gamma_predictive(k, n, a, b, p)
    nb = stats.nbinom(a + k, (b + n) / (b + n + p))
    assert float(mean) == pytest.approx(nb.mean(), rel=1e-12)
    assert float(variance) == pytest.approx(nb.var(), rel=1e-12)
    posterior = stats.gamma(a + k, scale=1 / (b + n))
    for x in range(6):  # the pmf as the integral of Poisson(x; lambda P) over the posterior
        mixed, _ = integrate.quad(lambda lam, x=x: stats.poisson.pmf(x, lam * p) * posterior.pdf(lam), 0, np.inf)
        assert nb.pmf(x) == pytest.approx(mixed, rel=1e-7)


def test_forecast_error_variance_by_hand_on_a_short_series():
    # ses, alpha 0.5, on 2, 4, 0, 6: level 2 forecasts month 2 (error 4 - 2 = 2); level 0.5 x 4 + 0.5 x 2 = 3
    # forecasts month 3 (error -3); level 0.5 x 0 + 0.5 x 3 = 1.5 forecasts month 4 (error 4.5).
    # MSE = (4 + 9 + 20.25) / 3 = 11.0833.
    mse = forecast_error_variance([[2.0, 4.0, 0.0, 6.0]], "ses", window_months=3, alpha=0.5)
    assert mse.tolist() == pytest.approx([33.25 / 3], abs=1e-12)


def test_empirical_lead_time_demand_counted_by_hand():
    # 1, 0, 3, 0, 2: the 2-month runs 1, 3, 3, 2 and the 3-month runs 4, 3, 5.
    assert lead_time_sums([[1, 0, 3, 0, 2]], 2).tolist() == [[1.0, 3.0, 3.0, 2.0]]
    assert lead_time_sums([[1, 0, 3, 0, 2]], 3).tolist() == [[4.0, 3.0, 5.0]]
    assert lead_time_sums([[1, 0, 3, 0, 2]], 2, window_months=3).tolist() == [[3.0, 2.0]]  # 3, 0, 2


def test_gamma_prior_method_of_moments_by_hand():
    # Rates 0.5, 1, 1.5 over 4 months: m = 1, Var(r) = 0.25, Poisson noise mean(r / 4) = 0.25, so V is floored at
    # 0.01 m^2 (a group no more scattered than Poisson noise): a = 100, b = 100.
    prior = gamma_prior([2, 4, 6], 4, [0, 0, 0])
    assert prior.shape.tolist() == pytest.approx([100.0] * 3) and prior.rate.tolist() == pytest.approx([100.0] * 3)


def test_a_part_without_a_sale_gets_its_groups_small_rate_not_zero():
    pooled = poisson_gamma([[1, 1, 1, 1], [0, 0, 0, 0], [0, 0, 0, 0]], [0, 0, 1], window_months=4)
    assert pooled.mean[1] > 0  # pooled with a part that sells
    assert pooled.mean[2] == 0  # a group that never sold: no demand, no stock
    mean, variance = pooled.over(2.0)
    assert (variance >= mean).all()  # parameter uncertainty on top of Poisson


# -- properties ------------------------------------------------------------------------------------------------


def _network(seed: int, n: int = 60, months: int = 30) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rate = rng.gamma(0.6, 1.0, size=(n, 1))
    q = rng.poisson(rate * rng.choice([0, 1], p=[0.6, 0.4], size=(n, months))).astype(np.float64)
    q[: n // 6] = 0.0  # parts that never sell
    return q


def _args(q: np.ndarray, cfg: Config) -> dict:
    n = len(q)
    return {"keys": series_keys(None, None, np.array([f"P{i:03d}" for i in range(n)], dtype=object), np.arange(n)),
            "lead_time_days": np.full(n, 20.0), "order_cycle_days": np.full(n, 30.4375), "target": np.full(n, 0.9),
            "kind": np.ones(n, np.int8), "unit_cost": np.full(n, 2.0), "attribute": np.full(n, "B"), "cfg": cfg}


@FAST
@given(st.integers(0, 10_000), st.sampled_from(["monthly_variance", "forecast_error", "empirical", "poisson_gamma",
                                                "auto"]))
def test_the_vectorised_models_equal_a_loop_of_one_series_calls(seed, model):
    cfg = Config(lead_time_demand=model, dispersion_window_months=12, backtest_months=6)
    q = _network(seed)
    args = _args(q, cfg)
    from spareopt.classify.pattern import demand_pattern

    pattern = demand_pattern(q[:, -24:]).code.astype(np.int64)
    inputs = demand_inputs(demand_sums(q, pattern, args["attribute"], cfg))
    whole, _, calibration = lead_time_demand(q, pattern, **args)
    if calibration is not None:
        import dataclasses

        inputs = dataclasses.replace(inputs, calibration=calibration)
    for i in range(0, len(q), 7):  # one series at a time, with the network's priors and backtest
        one = {k: (v[i:i + 1] if isinstance(v, np.ndarray) else v) for k, v in args.items()}
        alone, _, _ = lead_time_demand(q[i:i + 1], pattern[i:i + 1], inputs=inputs, **one)
        assert alone.forecast[0] == whole.forecast[i] and alone.variance[0] == whole.variance[i]


def test_zero_demand_everywhere_gives_zero_stock():
    sales = pd.DataFrame({"part": np.repeat(["A", "B"], 30), "period": list(pd.period_range("2022-01", periods=30,
                                                                                              freq="M").astype(str)) * 2,
                          "quantity": 0})
    for model in ("auto", "poisson_gamma", "monthly_variance"):
        table = spareopt.must_stock(sales, config={"lead_time_demand": model}, policy="service-level").table
        assert (table["reorder_point"] == 0).all() and (table["max_stock"] == 0).all()


def test_unknown_model_is_a_config_error():
    with pytest.raises(ConfigError, match="config key lead_time_demand must be one of monthly_variance, "
                                          "forecast_error, empirical, poisson_gamma, auto, got 'bootstrap'"):
        Config(lead_time_demand="bootstrap")


# -- the backtest's choice -------------------------------------------------------------------------------------


def test_choose_takes_the_calibrated_model_with_the_least_stock():
    # Sums (weight, promised, filled, demand, stock, series) for pattern intermittent (2) only:
    # monthly_variance reaches its promise 0.9 at scale index 3, empirical never (0.7 at best),
    # poisson_gamma at scale index 1 with less stock: poisson_gamma x SCALES[1].
    sums = np.zeros((3, len(SCALES), 5, 6))
    for m, (calibrated_at, stock) in enumerate([(3, 500.0), (None, 100.0), (1, 300.0)]):
        for c in range(len(SCALES)):
            good = calibrated_at is not None and c >= calibrated_at
            sums[m, c, 2] = [10.0, 9.0, 90.0 if good else 70.0, 100.0, stock + c, 5]
    picked = choose(sums)
    assert AUTO_CANDIDATES[picked.model[2]] == "poisson_gamma" and picked.scale[2] == SCALES[1]
    assert picked.calibrated[2]
    row = picked.table[(picked.table["pattern"] == "intermittent") & picked.table["chosen"]].iloc[0]
    assert (row["model"], row["promised_fill_rate"], row["achieved_fill_rate"]) == ("poisson_gamma", 0.9, 0.9)
    # patterns without series keep their defaults: smooth monthly_variance, no_demand poisson_gamma
    assert AUTO_CANDIDATES[picked.model[0]] == "monthly_variance"
    assert AUTO_CANDIDATES[picked.model[4]] == "poisson_gamma" and picked.scale[4] == 1.0


def test_achieved_fill_does_not_fall_as_the_target_rises():
    # The bundled example, every part sold in 6 months stocked, the default model (auto, with its backtest):
    # a higher fill-rate target never replays to a lower fill, nor holds less stock.
    root = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples"
    achieved, stock = [], []
    for target in (0.8, 0.9, 0.95, 0.99):
        table = spareopt.evaluate(root / "carparts_sample.csv", root / "parts_master.csv",
                                  config={"fill_rate": target, "low_volume_max": 0, "central_ssq_min": 0},
                                  policies=["service-level"]).table
        stocked = table[table["stocked"]]
        achieved.append(stocked["filled"].sum() / stocked["demand"].sum())
        stock.append(stocked["max_stock"].sum())
    assert achieved == sorted(achieved) and stock == sorted(stock)
    assert achieved[0] >= 0.77 and achieved[-1] >= 0.96  # and each near its target on this sample


def test_poisson_gamma_on_a_single_month_has_no_spread_to_measure():
    # one month of history: the dispersion d is 1 (no sample variance), the rate is still pooled
    pooled = poisson_gamma([[2.0], [0.0]], [0, 0], window_months=24)
    assert pooled.variance.tolist() == pooled.mean.tolist() and pooled.mean[1] > 0


# -- obsolescence: a part whose demand stopped --------------------------------------------------------------


def test_stopped_is_the_geometric_gap_test_by_hand():
    from spareopt.backtest import stopped

    q = np.array([
        [2, 1, 3, 1, 2, 1, 1, 2, 1, 1, 0, 0],  # 10 of 10 months, then 2 empty: p = 10.5 / 11, (1 - p)^2 = 0.002
        [0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0],  # 2 of 7, then 5 empty: p = 2.5 / 8, (1 - p)^5 = 0.153
        [0, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0],  # 4 of 8, then 4 empty: p = 4.5 / 9 = 0.5, 0.5^4 = 0.0625
        [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],  # sold last month: no gap
        [0] * 12,                                # never sold in the window: not tested
    ], dtype=float)
    assert stopped(q, 12).tolist() == [True, False, False, False, False]
    # the window counts: over the last 6 months the second part sold once in 1 month, then 5 empty months:
    # p = 1.5 / 2 = 0.75, 0.25^5 = 0.001
    assert stopped(q, 6).tolist() == [True, True, True, False, False]


def test_a_stopped_series_takes_tsbs_lower_forecast_and_a_scaled_variance():
    from spareopt.forecast.intermittent import tsb

    q = np.array([[2, 1, 3, 1, 2, 1, 1, 2, 1, 1] + [0] * 8] * 2 + [[1.0] * 18], dtype=float)
    q[1, -1] = 1.0  # the second sold last month: not stopped
    pattern = np.zeros(3, np.int64)
    args = {**_args(q, Config()), "order_cycle_days": np.full(3, 30.4375)}
    kept, _, _ = lead_time_demand(q, pattern, **{**args, "cfg": Config(lead_time_demand="monthly_variance",
                                                                      obsolescence="none")})
    cut, _, _ = lead_time_demand(q, pattern, **{**args, "cfg": Config(lead_time_demand="monthly_variance",
                                                                     obsolescence="tsb")})
    assert cut.forecast[0] == pytest.approx(float(tsb(q[0])))
    assert cut.forecast[0] < kept.forecast[0]
    assert cut.variance[0] == pytest.approx(kept.variance[0] * cut.forecast[0] / kept.forecast[0])
    assert cut.declined.tolist() == [True, False, False]
    assert (cut.forecast[1:] == kept.forecast[1:]).all() and (cut.variance[1:] == kept.variance[1:]).all()


def test_the_backtest_keeps_the_forecast_with_the_smaller_error_per_pattern():
    from spareopt.backtest import obsolescence

    # (none, tsb) x patterns x (stopped, |H f - y|, H f, y): intermittent (2) 10 stopped series whose TSB
    # forecast errs less (40 against 90); lumpy (3) where it errs more (50 against 30); smooth none stopped.
    sums = np.zeros((2, 5, 4))
    sums[:, 2] = [[10, 90.0, 100.0, 12.0], [10, 40.0, 45.0, 12.0]]
    sums[:, 3] = [[4, 30.0, 20.0, 30.0], [4, 50.0, 5.0, 30.0]]
    found = obsolescence(sums)
    assert found.tsb.tolist() == [True, True, True, False, True]  # no stopped series: tsb
    chosen = found.table[found.table["chosen"]].set_index("pattern")["obsolescence"].to_dict()
    assert chosen == {"intermittent": "tsb", "lumpy": "none"}


def test_obsolescence_on_the_bundled_example_reports_what_it_found():
    root = __import__("pathlib").Path(__file__).resolve().parents[1] / "examples"
    result = spareopt.must_stock(root / "carparts_sample.csv", root / "parts_master.csv", policy="service-level")
    table = result.table
    service = result.report["service"]
    declined = (table["forecast_method"] == "tsb").sum()
    assert service["obsolescence"] == "auto" and service["declined_series"] == declined > 0
    found = service["backtest"]["obsolescence"]  # the sample's stopped series: TSB erred less in the backtest
    assert found["intermittent"]["chosen"] == "tsb"
    assert found["intermittent"]["error_tsb"] < found["intermittent"]["error_none"]
    off = spareopt.must_stock(root / "carparts_sample.csv", root / "parts_master.csv", policy="service-level",
                              config={"obsolescence": "none"})
    assert off.report["service"]["declined_series"] == 0
    # the TSB forecast is never above the forecast it replaced
    assert (table["forecast"] <= off.table["forecast"] + 1e-12).all()


def test_unknown_obsolescence_is_a_config_error():
    with pytest.raises(ConfigError, match="config key obsolescence must be one of auto, none, tsb, got 'decay'"):
        Config(obsolescence="decay")


def test_the_backtest_calibrates_csl_targets_as_fill_rates_of_the_same_value():
    # A CSL target met on a wider variance can need less stock (the negative binomial's mass at 0 grows), so the
    # backtest plans every series for a fill rate: CSL 0.9 and fill rate 0.9 calibrate the same model.
    cfg = Config(dispersion_window_months=12, backtest_months=6)
    q = _network(7)
    from spareopt.classify.pattern import demand_pattern

    pattern = demand_pattern(q[:, -24:]).code.astype(np.int64)
    args = _args(q, cfg)
    as_fill, _, fill_cal = lead_time_demand(q, pattern, **args)
    as_csl, _, csl_cal = lead_time_demand(q, pattern, **{**args, "kind": np.zeros(len(q), np.int8)})
    assert fill_cal is not None and csl_cal is not None
    assert (as_fill.variance == as_csl.variance).all() and (fill_cal.scale == csl_cal.scale).all()


@settings(max_examples=6, deadline=None)
@given(st.integers(0, 10_000), st.sampled_from([1, 37, 500]))
def test_the_backtest_sums_do_not_depend_on_its_batch_size(seed, rows):
    # The 3 models x 13 scales are planned and replayed in runs of about BATCH_ROWS series: one series' plan and
    # replay never depend on the others in its run, so the sums are the same to the last bit whatever the runs.
    from spareopt import backtest
    from spareopt.classify.pattern import demand_pattern

    cfg = Config(dispersion_window_months=12, backtest_months=6)
    q = _network(seed, n=90)
    q[::5] *= 9  # some fast movers: order quantities above 1 (the walk's window of differences)
    pattern = demand_pattern(q[:, -24:]).code.astype(np.int64)
    args = {k: v for k, v in _args(q, cfg).items()}
    args["lead_time_days"] = np.resize([3.0, 20.0, 45.0, 90.0], len(q))
    inputs = demand_inputs(demand_sums(q, pattern, args["attribute"], cfg))
    whole = backtest.backtest_sums(q, inputs=inputs, **args)
    saved = backtest.BATCH_ROWS
    try:
        backtest.BATCH_ROWS = rows
        batched = backtest.backtest_sums(q, inputs=inputs, **args)
    finally:
        backtest.BATCH_ROWS = saved
    assert whole[..., -1].sum() > 0
    np.testing.assert_array_equal(batched, whole)


@pytest.mark.parametrize("model", ["auto", "poisson_gamma", "monthly_variance"])
def test_the_fit_in_blocks_of_series_is_the_fit_of_all(model, monkeypatch):
    # lead_time_demand fits its series in blocks of spareopt.blocks.BLOCK_ROWS (and a model that covers most of a
    # block on the block's view): each series' fit is its own, so the blocks change no bit
    from spareopt import blocks
    from spareopt.classify.pattern import demand_pattern

    cfg = Config(lead_time_demand=model, dispersion_window_months=12, backtest_months=6)
    q = _network(11, n=200)
    q[::4] *= 7
    pattern = demand_pattern(q[:, -24:]).code.astype(np.int64)
    args = _args(q, cfg)
    whole, _, _ = lead_time_demand(q, pattern, **args)
    monkeypatch.setattr(blocks, "BLOCK_ROWS", 7)
    blocked, _, _ = lead_time_demand(q, pattern, **args)
    assert whole.forecast.sum() > 0
    for name in ("forecast", "variance", "model", "scale", "declined"):
        np.testing.assert_array_equal(getattr(blocked, name), getattr(whole, name))


def test_the_demand_sums_in_blocks_are_the_sums_of_all(monkeypatch):
    # demand_sums adds its blocks' sums (as the engines add their dealer sets'): the priors and the backtest's
    # population are the same; the decline sums agree to float order
    from spareopt import blocks
    from spareopt.classify.pattern import demand_pattern

    cfg = Config(dispersion_window_months=12, backtest_months=6)
    q = _network(17, n=150)
    q[::3] *= 5
    pattern = demand_pattern(q[:, -24:]).code.astype(np.int64)
    attribute = np.resize(np.array(["A", "B", "C"]), len(q))
    new = np.zeros(len(q), dtype=bool)
    new[::11] = True
    whole = demand_sums(q, pattern, attribute, cfg, new=new)
    monkeypatch.setattr(blocks, "BLOCK_ROWS", 13)
    blocked = demand_sums(q, pattern, attribute, cfg, new=new)
    assert whole.groups.sum() > 0 and whole.eligible > 0
    np.testing.assert_array_equal(blocked.groups, whole.groups)
    np.testing.assert_array_equal(blocked.origin_groups, whole.origin_groups)
    np.testing.assert_array_equal(blocked.wake, whole.wake)
    assert (blocked.eligible, blocked.months, blocked.origin_months, blocked.wake_months) == (
        whole.eligible, whole.months, whole.origin_months, whole.wake_months)
    np.testing.assert_allclose(blocked.decline, whole.decline, rtol=1e-12)
