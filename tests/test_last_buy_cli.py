"""``spareopt.last_buy`` and ``spareopt last-buy``: which parts, the network demand, stock, caps, cost mode, errors.

A hand-checked network: two dealers, 12 months (2024-01..2024-12), fitted on the last 4 (config
``fit_months = 4``) and bought for 12 months after as_of 2024-12:

- OLD1 (status discontinued): D1 sells 2 and D2 1 a month, a flat network 3/month, so Lambda = 36;
- OLD2 (end_of_production 2024-06): D1 6, 3, 1, 1 and D2 2, 1, 1, 0 in the last 4 months, a network
  8, 4, 2, 1 that halves every month: k = ln 2, lambda_0 = 1/2, Lambda = 1/2 (1 - 2^-12) / (1 - 1/2);
- NEW (active, no end of production): not planned;
- GONE (discontinued, never sold): planned with no demand, flagged no_history.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli
from scipy import stats

import spareopt
from spareopt import ConfigError, InfeasibleError, InputError

MONTHS = [f"2024-{m:02d}" for m in range(1, 13)]
SERIES = {
    ("D1", "OLD1"): [2] * 12, ("D2", "OLD1"): [1] * 12,
    ("D1", "OLD2"): [5] * 8 + [6, 3, 1, 1], ("D2", "OLD2"): [5] * 8 + [2, 1, 1, 0],
    ("D1", "NEW"): [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
}
SETUP = {"fit_months": 4}
LAMBDA_OLD2 = 0.5 * (1 - 2.0**-12) / 0.5


@pytest.fixture
def history() -> pd.DataFrame:
    return pd.DataFrame([(d, p, m, q) for (d, p), qs in SERIES.items() for m, q in zip(MONTHS, qs)],
                        columns=["dealer", "part", "period", "quantity"])


@pytest.fixture
def master() -> pd.DataFrame:
    return pd.DataFrame({
        "part": ["OLD1", "OLD2", "NEW", "GONE"],
        "description": ["door seal", "headlamp", "wiper", "trim clip"],
        "unit_cost": [10.0, 20.0, 5.0, 100.0],
        "status": ["Discontinued", "active", "active", "停产"],
        "end_of_production": ["", "2024-06", "", ""],
        "unit_volume": [1.0, 4.0, 0.5, 2.0],
        "shortage_cost": [40.0, 50.0, 9.0, 300.0],
        "salvage_value": [1.0, None, 0.0, 10.0],
    })


@pytest.fixture
def stock() -> pd.DataFrame:
    return pd.DataFrame({"dealer": ["D1", "D2", "D1", "D1"], "part": ["OLD1", "OLD1", "OLD2", "NEW"],
                         "on_hand": [5, 3, 10, 4], "on_order": [2, None, 0, 0], "reserved": [0, 1, 0, 0]})


def _plan(history, master, **kwargs) -> spareopt.Result:
    result = spareopt.last_buy(history, master, SETUP, horizon_months=12, **kwargs)
    return result.replace(table=result.table.set_index("part"))


# -- golden -----------------------------------------------------------------------------------------

def test_golden_plan_of_the_discontinued_parts(history, master):
    result = _plan(history, master, service_level=0.9)
    table = result.table
    assert table.index.tolist() == ["GONE", "OLD1", "OLD2"]
    assert list(table.reset_index().columns) == list(spareopt.LAST_BUY_COLUMNS)
    old1, old2, gone = table.loc["OLD1"], table.loc["OLD2"], table.loc["GONE"]
    assert (old1["rate_now"], old1["decay"], old1["expected_demand"]) == (pytest.approx(3.0), 0.0, pytest.approx(36))
    assert old1["last_buy_qty"] == stats.poisson.ppf(0.9, 36) == 44
    assert old2["decay"] == pytest.approx(np.log(2)) and old2["rate_now"] == pytest.approx(0.5)
    assert old2["expected_demand"] == pytest.approx(LAMBDA_OLD2)
    assert old2["last_buy_qty"] == stats.poisson.ppf(0.9, LAMBDA_OLD2) == 2
    assert (gone["last_buy_qty"], gone["flag"]) == (0, "no_history")
    assert pd.isna(old1["flag"]) and pd.isna(old2["flag"])
    assert old1["prob_no_shortage"] == pytest.approx(stats.poisson.cdf(44, 36))
    assert old1["buy_value"] == 440.0 and old1["description"] == "door seal"
    assert table["horizon_months"].tolist() == [12] * 3
    report = result.report["last_buy"]
    assert report["planned"] == {"by": "master", "parts": 3, "by_status": 2, "by_end_of_production": 1,
                                 "end_of_production_later": 0}
    assert (report["fit"], report["horizon"]) == ("2024-09..2024-12", "2025-01..2025-12")


def test_the_dealers_are_summed_into_the_network(history, master):
    network = history.groupby(["part", "period"], as_index=False)["quantity"].sum()
    by_dealer = _plan(history, master, service_level=0.9).table
    summed = _plan(network, master, service_level=0.9).table
    pd.testing.assert_frame_equal(by_dealer.drop(columns="flag"), summed.drop(columns="flag"))


def test_stock_is_netted_and_reported(history, master, stock):
    result = _plan(history, master, service_level=0.9, stock=stock)
    table = result.table
    old1, old2 = table.loc["OLD1"], table.loc["OLD2"]
    # OLD1: 5 + 3 on hand, 2 on order, 1 reserved: 9 units already cover part of Q = 44
    assert (old1["on_hand"], old1["on_order"], old1["reserved"], old1["buy_qty"]) == (8, 2, 1, 44 - 9)
    assert old1["buy_value"] == 350.0
    # OLD2: 10 on hand against Q = 2: nothing to buy, 8 units too many
    assert (old2["buy_qty"], old2["flag"]) == (0, "excess_stock")
    assert old2["expected_leftover"] == pytest.approx(10 - LAMBDA_OLD2 + old2["expected_shortage"])
    st = result.report["last_buy"]["stock"]
    assert (st["parts_without_stock_row"], st["stock_parts_not_planned"], st["stock_parts_not_planned_first"],
            st["stock_units_not_planned"]) == (1, 1, ["NEW"], 4.0)
    assert st["defaulted_to_zero"] == {"on_order": 1}


def test_all_plans_every_part_of_the_history(history):
    table = spareopt.last_buy(history, config=SETUP, horizon_months=12, service_level=0.9, all_parts=True).table
    assert table["part"].tolist() == ["NEW", "OLD1", "OLD2"]
    assert table.set_index("part").loc["NEW", "flag"] == "growing"


def test_cost_mode_buys_to_the_critical_ratio(history, master):
    result = _plan(history, master, shortage_cost="shortage_cost", salvage_value="salvage_value", holding_rate=0.2)
    table = result.table
    # OLD1: c_u = 40 - 10 = 30, c_o = 10 (1 + 0.2 x 12 / 12) - 1 = 11: ratio 30 / 41
    ratio = 30 / 41
    q = int(stats.poisson.ppf(ratio, 36))
    old1 = table.loc["OLD1"]
    assert old1["last_buy_qty"] == q
    assert old1["expected_cost"] == pytest.approx(30 * old1["expected_shortage"] + 11 * old1["expected_leftover"])
    # OLD2 has a blank salvage value: 0, so c_o = 24 and c_u = 30
    assert table.loc["OLD2", "last_buy_qty"] == stats.poisson.ppf(30 / 54, LAMBDA_OLD2)
    assert result.report["last_buy"]["critical_ratio_min"] == pytest.approx(30 / 54)


def test_a_negative_binomial_buys_at_least_the_poisson_quantity(history, master):
    poisson = _plan(history, master, service_level=0.9).table
    nb = _plan(history, master, service_level=0.9, distribution="negative_binomial").table
    assert (nb["last_buy_qty"] >= poisson["last_buy_qty"]).all()
    assert (nb.loc[["OLD1", "OLD2"], "dispersion"] > 1).all()
    given = _plan(history, master, service_level=0.9, distribution="negative_binomial", dispersion=3.0).table
    assert given.loc["OLD1", "last_buy_qty"] == stats.nbinom.ppf(0.9, 36 / 2, 1 / 3)


def test_budget_trims_by_marginal_analysis(history, master):
    full = _plan(history, master, service_level=0.9).table
    result = _plan(history, master, service_level=0.9, budget=300.0)
    cut = result.table
    assert (cut["buy_value"].sum()) <= 300.0
    assert (cut["buy_qty"] <= full["buy_qty"]).all()
    assert cut.loc["OLD1", "flag"] == "budget_cut"
    assert result.report["last_buy"]["caps"]["method"] == "greedy"
    # what the budget keeps fills more per unit of money than what it drops: P(D > s) / cost falls with s
    assert cut.loc["OLD1", "buy_qty"] >= 25
    zero = _plan(history, master, service_level=0.9, budget=0.0).table
    assert zero["buy_qty"].sum() == 0


def test_budget_and_volume_together_use_the_integer_programme(history, master):
    result = _plan(history, master, service_level=0.9, budget=400.0, max_volume=30.0)
    table = result.table
    volume = table["buy_qty"] * pd.Series({"OLD1": 1.0, "OLD2": 4.0, "GONE": 2.0})
    assert volume.sum() <= 30.0 and table["buy_value"].sum() <= 400.0
    assert result.report["last_buy"]["caps"]["method"] == "pulp"


def test_backtest_compares_with_the_real_demand(history, master):
    result = spareopt.last_buy(history, master, SETUP, as_of="2024-08", horizon_months=4, service_level=0.9,
                               backtest=True)
    table = result.table.set_index("part")
    # OLD1 sells 3 a month after 2024-08 too: 12 real units against Q = poisson.ppf(0.9, 12)
    assert table.loc["OLD1", "actual_demand"] == 12.0
    assert table.loc["OLD1", "covered"]
    assert table.loc["OLD1", "actual_leftover"] == stats.poisson.ppf(0.9, 12) - 12
    back = result.report["last_buy"]["backtest"]
    assert back["actual_demand"] == table["actual_demand"].sum()


# -- bad input --------------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, message", [
    ({"horizon_months": -3, "service_level": 0.9}, ConfigError, "horizon_months must be a whole number"),
    ({"horizon_months": 12}, ConfigError, "give a mode"),
    ({"horizon_months": 12, "service_level": 0.9, "shortage_cost": "shortage_cost"}, ConfigError,
     "give one mode, not both"),
    ({"horizon_months": 12, "service_level": 0.9, "budget": -1.0}, ConfigError, "budget must be a finite number"),
])
def test_bad_settings(history, master, kwargs, error, message):
    with pytest.raises(error, match=message):
        spareopt.last_buy(history, master, SETUP, **kwargs)


def test_shortage_cost_not_above_unit_cost(history, master):
    master.loc[0, "shortage_cost"] = 10.0
    with pytest.raises(InputError) as exc:
        _plan(history, master, shortage_cost="shortage_cost")
    assert str(exc.value) == ("<DataFrame>: `shortage_cost` must be above unit_cost (a unit short costs shortage_cost "
                              "- unit_cost more than one bought); 1 part(s) break it (first: 'OLD1' shortage_cost 10 "
                              "<= unit_cost 10). Fix: correct the shortage costs")


def test_missing_unit_cost_with_a_budget(history, master):
    master.loc[0, "unit_cost"] = None
    with pytest.raises(InputError, match=r"a budget needs the unit_cost of every part it buys; 1 part\(s\) have none "
                                         r"in <DataFrame> \(first: 'OLD1'\)"):
        _plan(history, master, service_level=0.9, budget=100.0)


def test_reserved_units_beyond_the_budget_are_infeasible(history, master):
    stock = pd.DataFrame({"part": ["GONE"], "on_hand": [0], "reserved": [3]})
    with pytest.raises(InfeasibleError, match=r"the budget 100.00 cannot hold the units already promised to "
                                              r"customers: 1 part\(s\).*uses 300.00 \(first: 'GONE' 3 units, 300.00\)"):
        _plan(history, master, service_level=0.9, stock=stock, budget=100.0)


def test_no_discontinued_part_is_a_clear_error(history, master):
    master["status"] = "active"
    master["end_of_production"] = ["", "2025-06", "", ""]
    with pytest.raises(InputError) as exc:
        _plan(history, master, service_level=0.9)
    assert str(exc.value) == (
        "<DataFrame>: no part to plan: no row has status = discontinued (status values: 'active' 4) or an "
        "end_of_production month <= as_of 2024-12 (1 end later). Mark the discontinued parts, choose a later "
        "--as-of, or plan every part with --all")
    with pytest.raises(InputError, match="the parts master has no status or end_of_production column"):
        _plan(history, master.drop(columns=["status", "end_of_production"]), service_level=0.9)
    with pytest.raises(InputError, match="give it with --parts FILE, or plan every part of the history with --all"):
        spareopt.last_buy(history, horizon_months=12, service_level=0.9)


def test_negative_stock_is_an_input_error(history, master):
    with pytest.raises(InputError, match=r"`on_hand` must be >= 0 \(units\); 1 row\(s\) break it"):
        _plan(history, master, service_level=0.9, stock=pd.DataFrame({"part": ["OLD1"], "on_hand": [-2]}))


# -- the CLI ----------------------------------------------------------------------------------------

@pytest.fixture
def files(tmp_path, monkeypatch, history, master, stock):
    monkeypatch.chdir(tmp_path)
    history.to_csv("sales.csv", index=False)
    master.to_csv("parts.csv", index=False)
    stock.to_csv("stock.csv", index=False)
    Path("setup.toml").write_text("fit_months = 4\n", encoding="utf-8")
    return tmp_path


BASE = ("last-buy", "sales.csv", "--parts", "parts.csv", "--config", "setup.toml", "--horizon-months", "12")


def test_cli_writes_the_plan_and_reports_it(files):
    result = run_cli(*BASE, "--service-level", "0.9", "--stock", "stock.csv", "-o", "buy.xlsx")
    assert result.exit_code == 0, result.output
    sheets = pd.read_excel("buy.xlsx", sheet_name=None)
    assert list(sheets) == ["summary", "network"]
    plan = sheets["network"]
    summary = dict(zip(sheets["summary"].iloc[:, 0], sheets["summary"].iloc[:, 1]))
    assert summary["last buy: planned parts"] == 3 and summary["last buy: buy_qty"] == 35
    assert plan["part"].tolist() == ["GONE", "OLD1", "OLD2"]
    assert plan["buy_qty"].tolist() == [0, 35, 0]
    assert "last buy: 3 discontinued parts (2 by status, 1 by end_of_production)" in result.output
    assert "flags: no_history 1, excess_stock 1" in result.output
    assert "1 stock parts are not planned and were ignored (4 units on hand) (first: NEW)" in result.output
    assert "wrote 3 rows to buy.xlsx" in result.output


def test_cli_cost_mode_with_caps(files):
    result = run_cli(*BASE, "--shortage-cost-column", "shortage_cost", "--salvage-column", "salvage_value",
                     "--holding-rate", "0.2", "--budget", "200", "--max-volume", "15", "-o", "buy.csv")
    assert result.exit_code == 0, result.output
    plan = pd.read_csv("buy.csv")
    assert (plan["buy_value"].sum() <= 200) and plan["expected_cost"].notna().all()
    assert "caps (pulp): spent" in result.output


@pytest.mark.parametrize("args, message", [
    (("--horizon-months", "-12", "--service-level", "0.9"),
     "Error: horizon_months must be a whole number of months >= 1 (the service period the last buy covers); got -12"),
    (("--service-level", "0.9", "--shortage-cost-column", "shortage_cost"),
     ("Error: give one mode, not both: --service-level (service mode) or --shortage-cost-column (cost mode, with "
     "--holding-rate and --salvage-column)")),
    ((), ("Error: give a mode: --service-level A (the chance that the last buy covers all the horizon's demand, e.g. "
         "0.95), or --shortage-cost-column COL (cost mode)")),
    (("--shortage-cost-column", "price"),
     ("Error: parts.csv: no column 'price' in the parts master for --shortage-cost-column (shortage_cost); check the "
     "header")),
    (("--service-level", "0.9", "--stock", "nowhere.csv"), "Error: file nowhere.csv does not exist; check the path"),
    (("--shortage-cost-column", "unit_cost"),
     ("Error: parts.csv: `shortage_cost` must be above unit_cost (a unit short costs shortage_cost - unit_cost more "
     "than one bought); 3 part(s) break it (first: 'GONE' shortage_cost 100 <= unit_cost 100, 'OLD1' shortage_cost "
     "10 <= unit_cost 10, 'OLD2' shortage_cost 20 <= unit_cost 20). Fix: correct the shortage costs")),
    (("--service-level", "0.9", "--dispersion", "3"),
     ("Error: dispersion 3 applies to the negative binomial only; add --distribution negative_binomial (config "
     "distribution), or drop the dispersion")),
])
def test_cli_errors_exit_1_and_keep_the_previous_output(files, args, message):
    Path("buy.csv").write_text("previous\n", encoding="utf-8")
    argv = [a for a in BASE if a not in ("--horizon-months", "12")] if "--horizon-months" in args else list(BASE)
    result = run_cli(*argv, *args, "-o", "buy.csv")
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert Path("buy.csv").read_text(encoding="utf-8") == "previous\n"


def test_cli_no_discontinued_part_is_an_error_not_an_empty_file(files, master):
    master.assign(status="active", end_of_production="").to_csv("parts.csv", index=False)
    result = run_cli(*BASE, "--service-level", "0.9", "-o", "buy.csv")
    assert result.exit_code == 1
    assert result.output == (
        "Error: parts.csv: no part to plan: no row has status = discontinued (status values: 'active' 4) or an "
        "end_of_production month <= as_of 2024-12. Mark the discontinued parts, choose a later --as-of, or plan "
        "every part with --all\n")
    assert not Path("buy.csv").exists()


def test_cli_missing_unit_cost_with_a_budget(files, master):
    master.loc[0, "unit_cost"] = None
    master.to_csv("parts.csv", index=False)
    result = run_cli(*BASE, "--service-level", "0.9", "--budget", "100")
    assert result.exit_code == 1
    assert result.output.startswith("Error: a budget needs the unit_cost of every part it buys; 1 part(s) have none "
                                    "in parts.csv (first: 'OLD1'). Fix: fill in unit_cost, or set [defaults] "
                                    "unit_cost in the config")


def test_cli_usage_errors_exit_2(files):
    assert run_cli(*BASE[:-2], "--service-level", "0.9").exit_code == 2  # --horizon-months is required
    assert run_cli(*BASE, "--service-level", "high").exit_code == 2
    assert run_cli(*BASE, "--service-level", "0.9", "--distribution", "normal").exit_code == 2


def test_cli_runs_on_the_bundled_example():
    from importlib import resources

    data = resources.files("spareopt.examples")
    with resources.as_file(data / "carparts_sample.csv") as sales, resources.as_file(data / "parts_master.csv") as \
            parts, resources.as_file(data / "stock.csv") as stock:
        result = run_cli("last-buy", str(sales), "--parts", str(parts), "--column", "part=part_id",
                         "--horizon-months", "60", "--service-level", "0.95", "--stock", str(stock), "-q")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("part,description,rate_now,decay,horizon_months,expected_demand")
    assert len(lines) == 1 + 20


# -- real data: the calibration the README reports -------------------------------------------------

CARPARTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "carparts" / "carparts_long.csv"

CALIBRATION = {  # (distribution, service level): share of the 2,674 parts whose real demand stayed <= Q
    ("poisson", 0.80): 0.530, ("poisson", 0.90): 0.569, ("poisson", 0.95): 0.607,
    ("negative_binomial", 0.80): 0.559, ("negative_binomial", 0.90): 0.654, ("negative_binomial", 0.95): 0.722,
}


@pytest.mark.skipif(not CARPARTS.exists(), reason="../shared/data/carparts is not beside the project")
def test_carparts_calibration_as_the_readme_reports_it():
    """Every series discontinued at 2000-03, fitted on 1998-04..2000-03, bought for 2000-04..2002-03."""
    history = spareopt.load_history(CARPARTS, columns={"part": "part_id"})
    for (distribution, level), share in CALIBRATION.items():
        result = spareopt.last_buy(history, all_parts=True, as_of="2000-03", horizon_months=24, service_level=level,
                                   distribution=distribution, backtest=True)
        table = result.table
        back = result.report["last_buy"]["backtest"]
        assert len(table) == 2674
        assert round(back["share_covered"], 3) == share
        assert back["actual_demand"] == 26803
    assert round(table["expected_demand"].sum()) == 19130  # the fits expect 29% less than was sold


# -- the stock file ---------------------------------------------------------------------------------

def test_stock_file_with_chinese_headers_in_gbk_sums_bins(text_file):
    path = text_file("服务站,配件编号,库存数量,在途数量,预留数量\nD1,007,2,1,\nD1,007,3,,1\nD2,007,1,0,0\n",
                     name="stock.csv", encoding="gbk")
    stock = spareopt.load_stock(path)
    assert stock.frame.to_dict("list") == {"dealer": ["D1", "D2"], "part": ["007", "007"], "on_hand": [5.0, 1.0],
                                           "on_order": [1.0, 0.0], "reserved": [1.0, 0.0]}
    assert (stock.report["rows_summed"], stock.report["defaulted_to_zero"]) == (1, {"on_order": 1, "reserved": 1})
    network, counts = stock.by_part(["007", "008"])
    assert network.loc["007"].tolist() == [6.0, 1.0, 1.0] and network.loc["008"].tolist() == [0.0, 0.0, 0.0]
    assert counts["parts_without_stock_row"] == 1


def test_stock_file_errors_name_the_row(text_file):
    with pytest.raises(InputError) as exc:
        spareopt.load_stock(text_file("part,on_hand\nA,1\nB,\n", name="stock.csv"))
    assert str(exc.value).endswith("stock.csv: `on_hand` must be a finite number; 1 row(s) break it (first: row 3 "
                                   "(empty)). Fix: correct the on_hand (fill in 0 for no stock)")
    with pytest.raises(InputError, match="required column `on_hand` is missing"):
        spareopt.load_stock(text_file("part,qty\nA,1\n", name="stock.csv"))


def test_cli_maps_a_stock_header(files):
    pd.DataFrame({"part": ["OLD1"], "Bestand": [9]}).to_csv("bestand.csv", index=False)
    result = run_cli(*BASE, "--service-level", "0.9", "--stock", "bestand.csv", "--column", "on_hand=Bestand", "-q")
    assert result.exit_code == 0, result.output
    plan = pd.read_csv(__import__("io").StringIO(result.output)).set_index("part")
    assert plan.loc["OLD1", "buy_qty"] == 44 - 9
    typo = run_cli(*BASE, "--service-level", "0.9", "--stock", "bestand.csv", "--column", "on_hand=Bestnd")
    assert typo.exit_code == 1
    assert typo.output == ("Error: --column on_hand=Bestnd: 'Bestnd' is not a header of bestand.csv (headers: 'part', "
                           "'Bestand'); check the spelling\n")
    alone = run_cli(*BASE, "--service-level", "0.9", "--column", "reserved=Promised")
    assert alone.output == ("Error: --column reserved=Promised: reserved is a column of the stock file, but no "
                            "--stock FILE is given\n")
