"""The service-level policy in the must-stock list, and ``spareopt forecast``, from Python and the CLI.

The arithmetic of the distributions is tested in tests/test_service.py and the forecasters in
tests/test_forecast.py; here the pipeline: which forecast and variance reach the policy, the target of
each class, the columns, and bad settings.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from scipy import stats

import spareopt
from spareopt.forecast import FORECASTERS, croston, tsb

MONTH_DAYS = 365.25 / 12


def _steady(parts: dict[str, float], months: int = 12) -> pd.DataFrame:
    periods = pd.period_range("2024-01", periods=months, freq="M").astype(str)
    return pd.DataFrame([(p, m, q) for p, q in parts.items() for m in periods], columns=["part", "period", "quantity"])


SETUP = {"forecast_method": "sma", "defaults": {"lead_time_days": MONTH_DAYS, "order_cycle_days": MONTH_DAYS}}


def test_golden_poisson_reorder_point_for_a_95_percent_csl():
    """3 a month, every month: sma 3, variance 0 (Poisson); L + R = 2 months, so demand over them is Poisson(6).

    P(X <= 9) = 0.9161 < 0.95 <= P(X <= 10) = 0.9574: s = 10; S = s + ceil(3 x 1 month) = 13.
    """
    row = spareopt.must_stock(_steady({"P": 3.0}), config=SETUP, policy="service-level").table.iloc[0]
    assert stats.poisson.cdf(9, 6) < 0.95 <= stats.poisson.cdf(10, 6)
    assert (row["reorder_point"], row["max_stock"]) == (10, 13)
    assert (row["forecast_method"], row["forecast"], row["demand_model"]) == ("sma", 3.0, "poisson")
    assert (row["target_kind"], row["target"]) == ("csl", 0.95)
    assert row["implied_csl"] == pytest.approx(stats.poisson.cdf(10, 6))
    assert row["decision"] == "dealer"


def test_seed_plan_shows_the_service_it_buys():
    # the same part under the seed: MAD 3, SSQ = 3 x 60.875 / 6 = 30.44, ROP = ceil(3 + 30.44) = 34;
    # Poisson(6) over L + R never reaches 34: the seed's SSQ buys a CSL of 1 to 9 decimals
    row = spareopt.must_stock(_steady({"P": 3.0}), config=SETUP).table.iloc[0]
    assert row["reorder_point"] == 34
    assert row["implied_csl"] == pytest.approx(stats.poisson.cdf(34, 6), abs=1e-12)
    assert pd.isna(row["target_kind"]) and np.isnan(row["target"])


def test_each_class_takes_its_target_from_the_class_policy_table():
    parts = pd.DataFrame({"part": ["WEAR", "COMMON", "OTHER"], "attribute": ["A", "B", "C"]})
    config = {**SETUP, "class_policy": [{"match": "?A?", "service_level": 0.99}, {"match": "?B?", "fill_rate": 0.9}]}
    table = spareopt.must_stock(_steady({"WEAR": 3.0, "COMMON": 3.0, "OTHER": 3.0}), parts, config,
                                policy="service-level").table.set_index("part")
    assert table.loc["WEAR", ["target_kind", "target"]].tolist() == ["csl", 0.99]
    assert table.loc["COMMON", ["target_kind", "target"]].tolist() == ["fill_rate", 0.9]
    assert table.loc["OTHER", ["target_kind", "target"]].tolist() == ["csl", 0.95]  # the default
    assert table.loc["WEAR", "reorder_point"] > table.loc["OTHER", "reorder_point"]  # Poisson(6): s = 11 at 0.99
    assert table.loc["WEAR", "implied_csl"] >= 0.99
    assert table.loc["COMMON", "implied_fill_rate"] >= 0.9


def test_a_default_fill_rate_target_replaces_the_csl():
    table = spareopt.must_stock(_steady({"P": 3.0}), config={**SETUP, "fill_rate": 0.98}, policy="service-level").table
    assert table.loc[0, "target_kind"] == "fill_rate" and table.loc[0, "implied_fill_rate"] >= 0.98


def test_auto_forecast_picks_by_pattern_and_reaches_the_policy():
    sales = _steady({"GASKET": 0.0})
    sales.loc[0, "quantity"] = 3  # one sale of 3, then 11 zeros: Croston 3.0, TSB 3 x 0.9^11 (dead part)
    own = {"lead_time_demand": "monthly_variance"}  # the forecaster's mean (auto pools a slow mover's rate)
    row = spareopt.must_stock(sales, config={**own, "forecast_method": "tsb"}, policy="service-level").table.iloc[0]
    q = np.array([[3.0] + [0.0] * 11])
    assert row["forecast"] == pytest.approx(tsb(q)[0]) and row["forecast"] < 1
    assert spareopt.must_stock(sales, config={**own, "forecast_method": "croston", "obsolescence": "none"}).table.loc[
        0, "forecast"] == croston(q)[0] == 3
    # by default the dead part's Croston forecast is not kept: 11 empty months after 1 of 1 stopped it (TSB's)
    dead = spareopt.must_stock(sales, config={**own, "forecast_method": "croston"}).table.iloc[0]
    assert dead["forecast"] == pytest.approx(tsb(q)[0]) and dead["forecast_method"] == "tsb"


def test_service_level_properties_on_a_network(sales, parts_master):
    low = spareopt.must_stock(sales, parts_master, {"service_level": 0.8}, policy="service-level").table
    high = spareopt.must_stock(sales, parts_master, {"service_level": 0.99}, policy="service-level").table
    assert (high["reorder_point"].to_numpy() >= low["reorder_point"].to_numpy()).all()
    assert (high["max_stock"].to_numpy() >= high["reorder_point"].to_numpy()).all()
    for table, target in ((low, 0.8), (high, 0.99)):
        demand = table["forecast"].to_numpy() > 0
        assert (table["implied_csl"].to_numpy()[demand] >= target).all()
        assert (table.loc[~demand, ["reorder_point", "max_stock"]].to_numpy() == 0).all()
    # the policy sets the levels only: decisions and priorities are the seed's rules
    seed = spareopt.must_stock(sales, parts_master).table
    assert seed[["dealer", "part", "decision", "priority"]].equals(high[["dealer", "part", "decision", "priority"]])


def test_zero_demand_gives_zero_stock():
    sales = _steady({"P": 0.0, "Q": 5.0})
    table = spareopt.must_stock(sales, config=SETUP, policy="service-level").table.set_index("part")
    assert table.loc["P", ["reorder_point", "max_stock"]].tolist() == [0, 0]
    assert table.loc["P", "forecast"] == 0 and table.loc["P", "implied_csl"] == 1


# -- the CLI ------------------------------------------------------------------------------------------


@pytest.fixture
def files(cli_files):
    return cli_files


run = run_cli


def test_cli_must_stock_service_level(files, sales, parts_master):
    result = run("must-stock", "sales.csv", "--parts", "parts.csv", "--policy", "service-level", "-o", "out.csv")
    assert result.exit_code == 0
    table = pd.read_csv("out.csv", dtype={"part": str})
    assert list(table.columns) == [c for c in spareopt.OUTPUT_COLUMNS if c != "min_stock"]
    expected = spareopt.must_stock(sales, parts_master, policy="service-level").table
    assert table["reorder_point"].tolist() == expected["reorder_point"].tolist()
    assert set(table["target_kind"]) == {"csl"}
    assert "policy service-level, target csl 0.95 by default" in result.stderr


def test_cli_forecast_prints_one_column_per_method(files, sales):
    result = run("forecast", "sales.csv", "--method", "croston,tsb", "--method", "auto", "--alpha-d", "0.2")
    assert result.exit_code == 0
    table = pd.read_csv(__import__("io").StringIO(result.stdout), dtype={"part": str})
    assert list(table.columns) == ["dealer", "part", "pattern", "croston", "tsb", "auto", "auto_method"]
    matrix = spareopt.demand_matrix(spareopt.load_history(sales))
    assert table["croston"].to_numpy() == pytest.approx(croston(matrix.values), rel=1e-9)
    assert table["tsb"].to_numpy() == pytest.approx(tsb(matrix.values, alpha_d=0.2), rel=1e-9)
    assert set(table["auto_method"]) <= {"croston", "sba", "ses"}
    assert "forecasts: croston, tsb, auto; alpha 0.1, alpha_d 0.2, alpha_p 0.1" in result.stderr


def test_cli_forecast_defaults_to_every_method(files):
    result = run("forecast", "sales.csv", "--as-of", "2024-07", "-o", "f.parquet")
    assert result.exit_code == 0
    table = pd.read_parquet("f.parquet")
    assert list(table.columns) == ["dealer", "part", "pattern", *FORECASTERS]
    assert "ignored" in result.stderr  # the August lines, after as_of


@pytest.mark.parametrize(("args", "message"), [
    (["forecast", "sales.csv", "--alpha", "1.5"], "Error: alpha must be in (0, 1], got 1.5"),
    (["forecast", "sales.csv", "--alpha-p", "0"], "Error: alpha_p must be in (0, 1], got 0.0"),
    (["must-stock", "sales.csv", "--policy", "service-level", "--config", "bad.toml"],
     "Error: config key service_level must be in (0, 1), e.g. 0.95, got 1.5 in bad.toml"),
    (["must-stock", "sales.csv", "--config", "rule.toml"],
     "Error: class_policy row 1 ('*A?'): fill_rate must be a number in (0, 1), e.g. 0.95, got 1 in rule.toml"),
])
def test_cli_bad_settings_exit_1_and_write_nothing(files, args, message):
    Path("bad.toml").write_text("service_level = 1.5\n")
    Path("rule.toml").write_text('[[class_policy]]\nmatch = "*A?"\nfill_rate = 1\n')
    Path("out.csv").write_bytes(b"previous\n")
    result = run(*args, "-o", "out.csv")
    assert result.exit_code == 1
    assert result.stderr == message + "\n"
    assert Path("out.csv").read_bytes() == b"previous\n"


@pytest.mark.parametrize("args", [["forecast", "sales.csv", "--method", "prophet"],
                                  ["must-stock", "sales.csv", "--policy", "best"]])
def test_cli_unknown_method_or_policy_is_a_usage_error(files, args):
    result = run(*args)
    assert result.exit_code == 2


def test_class_scope_fills_the_class_target_with_less_stock_than_each_part_alone():
    # A steady part (3 a month) and a slow one (one unit every 6 months), one class, a 0.9 fill-rate target:
    # together the class reaches 0.9 of its expected units with less stock than each part held to 0.9.
    sales = _steady({"FAST": 3.0, "SLOW": 0.0}, months=24)
    sales.loc[(sales["part"] == "SLOW") & sales["period"].isin(["2024-03", "2024-09", "2025-03", "2025-09"]),
              "quantity"] = 1
    config = {**SETUP, "fill_rate": 0.9, "lead_time_demand": "monthly_variance", "low_volume_max": 0,
              "central_ssq_min": 0}
    alone = spareopt.must_stock(sales, config=config, policy="service-level").table.set_index("part")
    together = spareopt.must_stock(sales, config={**config, "fill_rate_scope": "class"},
                                   policy="service-level").table.set_index("part")
    weight = together["forecast"]
    assert (together["implied_fill_rate"] * weight).sum() / weight.sum() >= 0.9
    assert together["max_stock"].sum() < alone["max_stock"].sum()
    assert (alone["implied_fill_rate"] >= 0.9).all()
    assert (together["max_stock"] >= 1).all()  # every stocked part keeps its first step
