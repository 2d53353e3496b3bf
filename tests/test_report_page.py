"""The report page (spareopt.page, ``spareopt report``, ``--html``): what it carries, without a browser.

The browser's side (the slider, the cards, sorting and filtering, offline) is tests/test_report_browser.py.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli

import spareopt
from spareopt.jobs.report import network_report
from spareopt.lang import missing
from spareopt.page import CARD_TITLES, LABELS, PROMISE_HEADERS, curve_at, months_table, report_page, shown_rows

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NETWORK = EXAMPLES / "network_sample.csv"
MASTER = EXAMPLES / "parts_master.csv"


@pytest.fixture(scope="module")
def network() -> spareopt.Result:
    return network_report(NETWORK, MASTER, holdout_months=6)


def decoded(column):
    """A page column as a list (a column of repeated texts is carried as its values and codes)."""
    return [column["values"][i] for i in column["codes"]] if isinstance(column, dict) else column


def page_data(html: str) -> dict:
    """The JSON a page carries, read back from its file."""
    found = re.search(r'<script type="application/json" id="spareopt-data">(.*?)</script>', html, re.DOTALL)
    assert found is not None
    return json.loads(found.group(1))


# -- golden values ------------------------------------------------------------------------------------------------


def test_curve_at_is_the_last_point_within_the_budget():
    curve = pd.DataFrame({"stock_value": [0.0, 100.0, 250.0, 400.0], "expected_fill_rate": [0.0, 0.4, 0.7, 0.8],
                          "rows_stocked": [0, 3, 5, 6]})
    assert curve_at(curve, 0.0).tolist() == [0.0, 0.0, 0.0]
    assert curve_at(curve, 249.99).tolist() == [100.0, 0.4, 3.0]
    assert curve_at(curve, 250.0).tolist() == [250.0, 0.7, 5.0]
    assert curve_at(curve, 1e9).tolist() == [400.0, 0.8, 6.0]


def test_shown_rows_golden():
    dealer = np.array(["D1"] * 30 + ["D2"] * 5 + ["D3"] * 25)
    rows = shown_rows(dealer, per_dealer=1000, total=60)  # 60 // 3 = 20 a dealer
    assert rows.tolist() == list(range(20)) + list(range(30, 35)) + list(range(35, 55))


def test_rule_text_names_the_threshold_and_the_value(network):
    table = network.table
    page = report_page(network, "report")
    lists = page.data["lists"]
    rows = shown_rows(table["dealer"].to_numpy(dtype=object))
    shown = table.iloc[rows].reset_index(drop=True)
    rules = pd.Series(lists["card"]["rule"])
    why = pd.Series(decoded(lists["card"]["why"]))
    low_ssq = shown.index[shown["reason"] == "low_ssq"]
    assert len(low_ssq)
    i = int(low_ssq[0])
    assert f"ssq {shown.loc[i, 'ssq']:.4g} < central_ssq_min 1" in rules[i]
    assert rules[i].startswith("low_ssq: ")
    assert why[i] == "Order from the central warehouse: safety stock too low to keep here"
    stock = shown.index[shown["reason"] == "stock"]
    network_hyq = table.groupby("part", observed=True)["half_year_quantity"].sum()
    j = int(stock[0])
    assert f"network_half_year_quantity {network_hyq[shown.loc[j, 'part']]:.4g} > low_volume_max 12" in rules[j]
    hv = shown.index[shown["reason"] == "high_value_assembly"]
    k = int(hv[0])
    threshold = network.report["high_value_cost"]
    assert f"unit_cost {shown.loc[k, 'unit_cost']:.4g} >= high_value_cost {threshold:.4g}" in rules[k]


def test_class_policy_rule_names_its_row_and_the_code():
    config = {"class_policy": [{"match": "C*", "decision": "none"}]}
    result = network_report(NETWORK, MASTER, config)
    data = report_page(result, "report", config=config).data["lists"]
    rules = pd.Series(data["card"]["rule"])
    shown = result.table.iloc[shown_rows(result.table["dealer"].to_numpy(dtype=object))].reset_index(drop=True)
    by_class = shown.index[shown["reason"] == "class_policy"]
    assert len(by_class)
    i = int(by_class[0])
    assert rules[i] == f"class policy row C*: class_code {shown.loc[i, 'class_code']} matches it"
    assert decoded(data["card"]["why"])[i] == "Order on demand: class policy"


# -- properties -----------------------------------------------------------------------------------------------------


def test_shown_rows_keep_each_dealers_first_rows_in_order():
    rng = np.random.default_rng(5)
    for _ in range(30):
        counts = rng.integers(1, 80, size=rng.integers(1, 9))
        dealer = np.repeat([f"D{i}" for i in range(len(counts))], counts)
        per, total = int(rng.integers(1, 50)), int(rng.integers(1, 400))
        rows = shown_rows(dealer, per_dealer=per, total=total)
        keep = min(per, max(20, total // len(counts)))
        assert (np.diff(rows) > 0).all()
        starts = np.r_[0, np.cumsum(counts)[:-1]]
        for start, n in zip(starts, counts):
            mine = rows[(rows >= start) & (rows < start + n)]
            assert mine.tolist() == list(range(start, start + min(n, keep)))


def test_months_are_the_rows_own_history(network):
    """A card's months are the demand matrix of its dealer x part: checked against the history summed by month."""
    sales = pd.read_csv(NETWORK, dtype={"dealer": str, "part": str})
    sums = sales.groupby(["dealer", "part", "period"])["quantity"].sum()
    months = network.months
    names = [c for c in months.columns if c != "row"]
    assert len(names) == 24 and names[-1] == network.report["as_of"]
    table = network.table
    for _, line in months.sample(40, random_state=1).iterrows():
        row = table.iloc[int(line["row"])]
        for name in names:
            expected = max(float(sums.get((row["dealer"], row["part"], name), 0.0)), 0.0)
            assert line[name] == pytest.approx(expected), (row["dealer"], row["part"], name)


def test_months_follow_only_stocked_rows():
    full = spareopt.must_stock(NETWORK, MASTER, months=True)
    kept = spareopt.must_stock(NETWORK, MASTER, months=True, only_stocked=True)
    assert (kept.table["decision"] != "none").all()
    for result in (full, kept):
        rows = result.months["row"].to_numpy()
        assert rows.max() < len(result.table)
    key = ["dealer", "part"]
    left = full.table.iloc[full.months["row"]][key].reset_index(drop=True).join(full.months.drop(columns="row"))
    right = kept.table.iloc[kept.months["row"]][key].reset_index(drop=True).join(kept.months.drop(columns="row"))
    merged = right.merge(left, on=key, suffixes=("", "_full"))
    assert len(merged) == len(right)
    for name in [c for c in kept.months.columns if c != "row"]:
        np.testing.assert_array_equal(merged[name], merged[f"{name}_full"])


def test_headline_figures_are_the_plans(network):
    """Every tile is a figure of the run: the stock value and rows stocked of the must-stock report, the expected
    fill of all demand as optimize marks the plan on its curve, the achieved fill as the replay's totals say."""
    tiles = {t["key"]: t["value"] for t in report_page(network, "report").data["summary"]["tiles"]}
    report = network.report
    assert tiles["stock_value"] == pytest.approx(report["dealer_stock_value_at_max"])
    assert tiles["rows_stocked"] == report["decisions"]["dealer"]
    markers = network.markers.set_index("policy")
    assert tiles["expected_fill_all"] == pytest.approx(markers.loc["seed", "expected_fill_rate"])
    table = network.table
    dealer_rows = table[table["decision"] == "dealer"]
    weighted = (dealer_rows["implied_fill_rate"] * dealer_rows["forecast"]).sum() / dealer_rows["forecast"].sum()
    assert tiles["expected_fill"] == pytest.approx(weighted)
    totals = network.totals.set_index("policy")
    assert tiles["achieved_fill_all"] == pytest.approx(totals.loc["seed", "fill_rate"])
    cal = network.calibration
    seed_all = cal[(cal["policy"] == "seed") & (cal["group"] == "all")]
    assert tiles["achieved_fill"] == pytest.approx(seed_all["achieved_fill_rate"].iloc[0])


def test_by_dealer_sums_to_the_network(network):
    data = report_page(network, "report").data["summary"]
    by = pd.DataFrame(data["by_dealer"])
    tiles = {t["key"]: t["value"] for t in data["tiles"]}
    assert by["stock_value"].sum() == pytest.approx(tiles["stock_value"])
    assert by["rows_stocked"].sum() == tiles["rows_stocked"]
    assert by["rows"].sum() == len(network.table)


def test_achieved_by_dealer_adds_up_to_the_replays_totals(network):
    """The dealers' achieved fill rates and turns are the replay's, summed by dealer: weighted by the dealers'
    demand they give the network's totals back."""
    rows = pd.DataFrame(report_page(network, "report").data["summary"]["by_dealer"])
    sums = network.by_dealer[network.by_dealer["policy"] == "seed"].set_index("dealer")
    totals = network.totals.set_index("policy").loc["seed"]
    assert (sums["filled"].sum() / sums["demand"].sum()) == pytest.approx(totals["fill_rate"])
    assert (sums["filled_value"].sum() / sums["avg_stock_value"].sum()) == pytest.approx(totals["turns"])
    mine = rows.set_index("dealer")
    np.testing.assert_allclose(mine["achieved_fill_rate_all"], (sums["filled"] / sums["demand"]).reindex(mine.index),
                               atol=1e-6)
    np.testing.assert_allclose(mine["turns"], sums["turns"].reindex(mine.index), atol=1e-6)
    stocked = sums["stocked_filled"].sum() / sums["stocked_demand"].sum()
    cal = network.calibration
    assert stocked == pytest.approx(cal[(cal["policy"] == "seed") & (cal["group"] == "all")]["achieved_fill_rate"]
                                    .iloc[0])


def test_curve_rows_stocked_rise_with_the_budget(network):
    curve = network.curve
    assert list(curve.columns) == ["stock_value", "expected_fill_rate", "rows_stocked"]
    assert (np.diff(curve["stock_value"]) >= 0).all() and (np.diff(curve["rows_stocked"]) >= 0).all()
    assert curve["rows_stocked"].iloc[0] == 0
    at = curve_at(curve, network.report["optimize"]["budget"])
    assert at["rows_stocked"] <= network.report["optimize"]["rows_stocked"]


# -- the file -----------------------------------------------------------------------------------------------------


def test_page_is_self_contained(network):
    html = report_page(network, "report").html
    assert html.startswith("<!DOCTYPE html>")
    assert not re.search(r"<script[^>]+\bsrc=", html), "a script is fetched"
    assert not re.search(r"<link[^>]+\bhref=", html), "a stylesheet is fetched"
    assert "import('http" not in html and 'import("http' not in html
    assert "Plotly" in html and "datatables-src" in html


def test_page_data_survives_the_file(network):
    page = report_page(network, "report")
    assert page_data(page.html) == json.loads(json.dumps(page.data))


def test_every_page_word_has_a_chinese_text():
    assert missing(LABELS.values(), "zh") == []
    assert missing(PROMISE_HEADERS.values(), "zh") == []
    assert missing(CARD_TITLES.values(), "zh") == []


def test_page_in_chinese(network):
    page = report_page(network, "report", config={"lang": "zh"})
    assert page.data["labels"]["whatif"] != LABELS["whatif"]
    assert '<html lang="zh-CN">' in page.html
    headers = [c["title"] for c in page.data["lists"]["columns"]]
    assert "配件编号" in headers and "说明" in headers
    assert any("门店储备" in text for text in decoded(page.data["lists"]["rows"]["why"]))


def test_must_stock_page_says_what_it_lacks():
    result = spareopt.must_stock(NETWORK)  # no parts master, no months
    page = report_page(result, "must-stock")
    text = " ".join(page.data["missing"])
    assert "no what-if budget" in text and "no promise kept" in text
    assert "no parts master" in text and "no monthly demand" in text
    assert page.data["whatif"] is None and page.data["lists"]["count"] == len(result.table)


def test_evaluate_page_has_the_promise_not_lists():
    result = spareopt.evaluate(NETWORK, MASTER, holdout_months=6, policies=["seed", "optimized"])
    page = report_page(result, "evaluate")
    assert page.data["lists"] is None and page.data["promise"]["calibration"]
    assert {t["key"] for t in page.data["summary"]["tiles"]} >= {"achieved_fill_all", "turns"}


def test_optimize_page_lists_the_optimised_levels():
    result = spareopt.optimize(NETWORK, MASTER, budget=10_000.0, months=True)
    page = report_page(result, "optimize")
    keys = [c["key"] for c in page.data["lists"]["columns"]]
    assert keys[:3] == ["dealer", "part", "description"] and "stock_level" in keys
    assert page.data["whatif"]["budget"] == 10_000.0
    assert page.data["lists"]["history"] is not None


# -- bad input ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"result": None, "job": "must-stock"}, "`result` must be a spareopt.Result; got None"),
    ({"job": "kpi"}, "job must be one of must-stock, optimize, evaluate, report"),
    ({"job": "report", "evaluation": "x.csv"}, "`evaluation` must be a spareopt.Result of evaluate or None"),
    ({"job": "report", "config": {"lang": "fr"}}, "lang must be one of en, zh"),
])
def test_bad_calls_are_clear(network, kwargs, message):
    kwargs = {"result": network, **kwargs}
    with pytest.raises(spareopt.SpareoptError, match=re.escape(message)):
        report_page(kwargs.pop("result"), **kwargs)


def test_bad_holdout_and_budget():
    with pytest.raises(spareopt.ConfigError, match="holdout_months must be a whole number"):
        network_report(NETWORK, MASTER, holdout_months=0)
    with pytest.raises(spareopt.ConfigError, match="budget must be a finite number"):
        network_report(NETWORK, MASTER, budget=-1.0)


def test_months_table_of_no_month():
    frame = months_table(np.zeros((3, 0)), pd.PeriodIndex([], freq="M"), np.array([0, 2]), np.array([0, 2]))
    assert frame.columns.tolist() == ["row"] and frame["row"].tolist() == [0, 2]


# -- the CLI end to end -------------------------------------------------------------------------------------------


def test_cli_report_writes_one_page(tmp_path, monkeypatch, network):
    monkeypatch.chdir(tmp_path)
    result = run_cli("report", str(NETWORK), "--parts", str(MASTER), "--holdout-months", "6", "-o", "report.html")
    assert result.exit_code == 0, result.output
    assert "wrote the report page to report.html" in result.output
    assert re.search(r"report page: 441 of 441 rows listed, \d+\.\d MB", result.output)
    data = page_data(Path("report.html").read_text(encoding="utf-8"))
    assert data["whatif"]["stock_value"] == pytest.approx(network.curve["stock_value"].tolist())
    assert data["promise"]["totals"][0]["policy"] == "seed"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_cli_html_beside_the_table(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("must-stock", str(NETWORK), "--parts", str(MASTER), "-o", "plan.csv", "--html", "plan.html",
                     "--lang", "zh")
    assert result.exit_code == 0, result.output
    data = page_data(Path("plan.html").read_text(encoding="utf-8"))
    assert data["lang"] == "zh" and data["lists"]["history"] is not None
    assert len(pd.read_csv("plan.csv")) == data["lists"]["total"]
    result = run_cli("optimize", str(NETWORK), "--parts", str(MASTER), "--budget", "9000", "-o", "opt.csv",
                     "--html", "opt.html")
    assert result.exit_code == 0, result.output
    assert page_data(Path("opt.html").read_text(encoding="utf-8"))["whatif"]["budget"] == 9000.0


def test_cli_evaluate_and_two_echelon_pages(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("evaluate", str(NETWORK), "--parts", str(MASTER), "--holdout-months", "6", "--policy",
                     "seed,optimized", "--html", "promise.html", "-q")
    assert result.exit_code == 0, result.output
    data = page_data(Path("promise.html").read_text(encoding="utf-8"))
    assert [row["policy"] for row in data["promise"]["totals"]] == ["seed", "optimized"]
    assert data["lists"] is None and any("no dealer lists" in m for m in data["missing"])
    result = run_cli("optimize", str(NETWORK), "--parts", str(MASTER), "--budget", "9000", "--echelons", "2",
                     "-o", "network.csv", "--html", "network.html", "-q")
    assert result.exit_code == 0, result.output
    data = page_data(Path("network.html").read_text(encoding="utf-8"))
    assert data["whatif"] is None and any("two-echelon plans are compared" in m for m in data["missing"])
    assert data["lists"]["total"] == len(pd.read_csv("network.csv"))


@pytest.mark.parametrize(("args", "code", "message"), [
    (["-o", "report.csv"], 1, "a report page is an .html file; name one, e.g. report.html"),
    (["-o", "missing/report.html"], 1, "folder missing does not exist"),
    ([], 2, "Missing option '-o'"),
    (["-o", "report.html", "--holdout-months", "0"], 2, "0 is not in the range x>=1"),
])
def test_cli_report_bad_options(tmp_path, monkeypatch, args, code, message):
    monkeypatch.chdir(tmp_path)
    result = run_cli("report", str(NETWORK), "--parts", str(MASTER), *args)
    assert result.exit_code == code and message in result.output, result.output
    assert list(tmp_path.iterdir()) == []


def test_failed_run_keeps_the_previous_page(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("report.html").write_text("the previous page", encoding="utf-8")
    Path("bad.csv").write_text("dealer,part,date,quantity\nD1,P1,2024-01-05,abc\n", encoding="utf-8")
    result = run_cli("report", "bad.csv", "-o", "report.html")
    assert result.exit_code == 1 and "Error:" in result.output and "'abc'" in result.output
    assert Path("report.html").read_text(encoding="utf-8") == "the previous page"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv", "report.html"]


def test_report_without_a_parts_master_renders(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("report", str(NETWORK), "-o", "report.html")
    assert result.exit_code == 0, result.output
    data = page_data(Path("report.html").read_text(encoding="utf-8"))
    assert any("no parts master" in m for m in data["missing"])
    assert "no parts master" in result.output


# -- real data ------------------------------------------------------------------------------------------------------

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.mark.skipif(not (DATA / "refinery_oil").exists(), reason="../shared/data/refinery_oil is absent")
def test_refinery_page_marks_the_companys_min_max_and_its_replay():
    """The refinery (7,024 parts, its own Min/Max in the master): every part listed, the company's current
    Min/Max on the curve, and each policy's promise beside what its replay of the last 12 months achieved."""
    columns = {"part": "part_id", "lead_time_days": "delivery_time_days", "unit_cost": "unit_price",
               "reorder_point": "reorder_point_min", "max_stock": "max_stock_level"}
    result = network_report(DATA / "refinery_oil" / "refinery_long.csv.gz", DATA / "refinery_oil" / "refinery_items.csv",
                            EXAMPLES / "oil_plant_evaluate.toml", holdout_months=12,
                            policies=["seed", "optimized", "current"], columns=columns)
    page = report_page(result, "report")
    assert page.data["lists"]["count"] == len(result.table) == 7_024
    markers = {m["key"]: m for m in page.data["whatif"]["markers"]}
    assert set(markers) == {"seed", "optimized", "current"}
    assert markers["current"]["stock_value"] == pytest.approx(5_971_735.36, rel=1e-6)
    totals = {row["policy"]: row for row in page.data["promise"]["totals"]}
    assert set(totals) == {"seed", "optimized", "current"}
    calibration = pd.DataFrame(page.data["promise"]["calibration"])
    overall = calibration[calibration["group"] == "all"].set_index("policy")
    assert overall["promised_fill_rate"].notna().all() and overall["achieved_fill_rate"].notna().all()
    tiles = {t["key"]: t["value"] for t in page.data["summary"]["tiles"]}
    assert tiles["achieved_fill"] == pytest.approx(overall.loc["seed", "achieved_fill_rate"], abs=1e-6)


def test_network_report_is_must_stock_and_optimize_from_one_read(network):
    """The page's list is must-stock's table, its curve and marks optimize's at the seed plan's budget."""
    plan = spareopt.must_stock(NETWORK, MASTER)
    pd.testing.assert_frame_equal(network.table, plan.table)
    budget = network.report["optimize"]["budget"]
    assert budget == pytest.approx(plan.report["dealer_stock_value_at_max"])
    optimized = spareopt.optimize(NETWORK, MASTER, budget=budget)
    pd.testing.assert_frame_equal(network.curve, optimized.curve)
    pd.testing.assert_frame_equal(network.markers, optimized.markers)
    assert network.report["optimize"] == optimized.report["optimize"]
