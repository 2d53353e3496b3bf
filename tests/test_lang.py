"""The language of the outputs (issue 24, item 2): ``--lang zh|en`` and config ``lang``, from one translation table
(:mod:`spareopt.lang`)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import run_cli

import spareopt
from spareopt.figures import cjk_font, run_caption
from spareopt.lang import ZH, missing, tr
from spareopt.outputs import DISPLAY_COLUMNS, TITLES, WHY

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_every_text_a_person_reads_has_its_chinese():
    texts = [d.header for d in DISPLAY_COLUMNS.values()] + list(WHY.values()) + list(TITLES.values())
    assert missing(texts, "zh") == []
    assert tr("Why", "zh") == "说明" and tr("Why", "en") == "Why" and tr("no such text", "zh") == "no such text"
    assert len(set(ZH.values())) > 60  # one table, not a handful of strings


def test_chinese_dealer_packs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("must-stock", str(EXAMPLES / "network_sample.csv"), "--parts", str(EXAMPLES / "parts_master.csv"),
                     "--dealers", str(EXAMPLES / "dealers.csv"), "-o", "packs", "--per-dealer", "--lang", "zh", "-q")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook("packs/D0 北京东方4S店.xlsx")
    rows = list(book["D0 北京东方4S店"].iter_rows(values_only=True))
    assert rows[0] == ("配件编号", "配件名称", "分类", "最低库存(订货点)", "最高库存", "说明")
    assert {row[5] for row in rows[1:]} <= {tr(text, "zh") for text in WHY.values()}
    assert "门店储备" in {row[5] for row in rows[1:]}
    summary = openpyxl.load_workbook("packs/summary.xlsx")
    assert summary.sheetnames == ["汇总", "服务站"]
    assert next(summary["汇总"].iter_rows(values_only=True)) == ("项目", "数值")
    assert [c.value for c in summary["服务站"][1]][:5] == ["服务站", "服务站名称", "区域", "文件", "配件数"]


def test_english_stays_the_default_and_a_config_key_sets_the_language(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sample = str(EXAMPLES / "network_sample.csv")
    assert run_cli("must-stock", sample, "-o", "en", "--per-dealer", "-q").exit_code == 0
    assert next(openpyxl.load_workbook("en/D0.xlsx")["D0"].iter_rows(values_only=True))[0] == "Part"
    Path("zh.toml").write_text('lang = "zh"\n', encoding="utf-8")
    assert run_cli("must-stock", sample, "--config", "zh.toml", "-o", "zh", "--per-dealer", "-q").exit_code == 0
    assert next(openpyxl.load_workbook("zh/D0.xlsx")["D0"].iter_rows(values_only=True))[0] == "配件编号"
    table = spareopt.must_stock(sample)
    view = spareopt.table_view(table, "must-stock", column_set="planner", config={"lang": "zh"})
    assert view.table["why"].isin([tr(text, "zh") for text in WHY.values()]).all()


def test_a_language_spareopt_does_not_have(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("must-stock", str(EXAMPLES / "network_sample.csv"), "--lang", "fr", "-q")
    assert result.exit_code == 2 and "Invalid value for '--lang'" in result.stderr
    with pytest.raises(spareopt.ConfigError, match="config key lang must be one of en, zh, got 'fr'"):
        spareopt.load_config({"lang": "fr"})


def test_chinese_figures_and_the_font_they_need(tmp_path, monkeypatch):
    pytest.importorskip("matplotlib")
    monkeypatch.chdir(tmp_path)
    pd.DataFrame({"dealer": ["D0", "D1"], "part": ["11040696", "11040696"], "on_hand": [2, 0]}).to_csv(
        "stock.csv", index=False)
    result = run_cli("kpi", str(EXAMPLES / "network_sample.csv"), "--stock", "stock.csv", "--plot", "kpi.png",
                     "--lang", "zh", "-o", "kpi.csv")
    assert result.exit_code == 0, result.output
    first = result.stderr.splitlines()[0]
    if cjk_font() is None:
        assert first.startswith("警告: 未安装含中文字形的字体")
    else:
        assert "Chinese glyphs" not in result.stderr
    assert Path("kpi.png").stat().st_size > 0
    from spareopt.jobs.evaluate import plot_totals

    totals = pd.DataFrame({"policy": ["seed"], "parts_stocked": [9], "avg_stock_value": [1373.0], "fill_rate": [0.121]})
    fig = plot_totals(totals, lang="zh", caption=run_caption({"history": "x.csv", "as_of": "2024-12"}, "spareopt", "zh"))
    assert fig.get_suptitle() == "各策略的满足率与库存金额"
    assert fig.axes[0].get_xlabel() == "验证期平均库存金额"
    assert fig.axes[0].get_title() == "spareopt · x.csv, 截至 2024-12"


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_summary_sheet_and_its_warnings_in_chinese(tmp_path, monkeypatch):
    """The run facts go to the dealers with the packs: in Chinese, the warnings first.  On stderr the whole report is
    in Chinese too (tests/test_report_lang.py)."""
    monkeypatch.chdir(tmp_path)
    result = run_cli("must-stock", str(EXAMPLES / "network_sample.csv"), "--as-of", "2002-05", "--lang", "zh",
                     "-o", "out.xlsx")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert lines[0].startswith("警告: as_of 2002-05 比历史数据的最后一个月（2002-03）晚 2 个月")
    assert lines[1].startswith("读取 ") and lines[1].endswith("（编码 utf-8）：3,275 行")
    rows = list(openpyxl.load_workbook("out.xlsx")["汇总"].iter_rows(values_only=True))
    assert rows[0] == ("项目", "数值")
    assert rows[1] == ("警告 1", ("as_of 2002-05 比历史数据的最后一个月（2002-03）晚 2 个月：这些月份按无需求计"
                                 "（如果只是导出的数据较旧，请传 --as-of 2002-03）"))
    names = [row[0] for row in rows[1:]]
    assert "读取行数" in names and "储备决策：dealer" in names


def test_every_warning_has_its_chinese():
    from spareopt.report_warnings import report_warnings

    report = {"as_of_gap": [400, 393], "sheets_ignored": ["2023 (the same header)"],
              "sheet": "2024", "parts_master_sheets_ignored": ["old (another header)"],
              "stock": {"sheets_ignored": ["D2 (the same header)"]},
              "parts_master_columns_ignored": ["到货时间(天)"], "parts_master_columns_missing": ["lead_time_days"],
              "stocking": {"half_year_quantity": {"dealer": 1.0, "central": 0.0, "none": 99.0},
                           "by_reason": {"low_volume": 99.0, "stock": 1.0}, "rows_ssq_over_a_year": 3}}
    english, chinese = report_warnings(report), report_warnings(report, "zh")
    assert len(english) == len(chinese) == 7
    assert not any(_chinese(w) for w in english[:1]) and all(_chinese(w) for w in chinese)
