"""The run report on stderr in the run's language (``--lang zh``, config ``lang``): every line a template of the one
translation table (:mod:`spareopt.lang`), the machine values in it untranslated, English unchanged.

Golden: ``must-stock`` on the bundled example, its stderr in Chinese and, with ``--lang en``, today's English lines.
Properties: every template the code passes to ``tr`` has its Chinese, with the same fields; every line of every
job's report is in Chinese.  The CLI's other lines: what was written, the progress bar, an interruption.
"""

from __future__ import annotations

import ast
import re
import shutil
import string
from collections import Counter
from pathlib import Path

import click
import pytest
from conftest import run_cli

from spareopt.calibration import TARGET_VERDICTS, VERDICTS
from spareopt.inputs import STAGES
from spareopt.jobs.last_buy import LAST_BUY_STAGES
from spareopt.lang import ZH, Text, missing, tr
from spareopt.position import OPERATIONS_STAGES
from spareopt.report import DECISION_WORDS, report_lines

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
TRANSLATING = ("_t", "tr", "Text", "step", "progress")
"""The calls whose first argument, a literal, is a text of the table: a template (``_t``, ``Text``), a text
(``tr``), a progress stage (``step``, ``progress``)."""


def _chinese(text: str) -> bool:
    return re.search("[\u4e00-\u9fff]", text) is not None


def _literals(path: Path) -> dict[str, list[str | None]]:
    """Per translating call, the first argument of each of its calls in ``path`` (None: not a literal)."""
    found: dict[str, list[str | None]] = {name: [] for name in TRANSLATING}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in found and node.args:
            first = node.args[0]
            found[node.func.id].append(first.value if isinstance(first, ast.Constant) and isinstance(
                first.value, str) else None)
    return found


def test_every_template_the_code_translates_has_its_chinese():
    """A new line of the report, a new warning or stage without its Chinese fails here, not in a planner's run."""
    texts = {text for path in sorted([*ROOT.glob("spareopt/**/*.py"), *ROOT.glob("cli/*.py")])
             for calls in _literals(path).values() for text in calls if text}
    assert missing(sorted(texts), "zh") == []
    report = _literals(ROOT / "spareopt" / "report.py")["_t"]
    assert None not in report and len(report) > 100  # each line of the report: a literal template, the table's key


def test_the_texts_a_run_passes_as_values_have_their_chinese(job_reports):
    plans = [row["plan"] for row in job_reports["optimize-2"]["optimize"]["comparison"]]
    values = [*STAGES, *LAST_BUY_STAGES, *OPERATIONS_STAGES, *VERDICTS, *filter(None, TARGET_VERDICTS),
              *DECISION_WORDS.values(), "order lines", "months with demand", *plans]
    assert missing(values, "zh") == []
    method = job_reports["optimize-2"]["optimize"]["method"]
    assert isinstance(method, Text) and tr(method, "zh") == "METRIC（按中转库库存水平的 Sherbrooke 凸包络），目标 fill"


def _fields(template: str) -> Counter:
    return Counter((name, conversion, spec) for _, name, spec, conversion in string.Formatter().parse(template)
                   if name is not None)


def test_each_translation_has_the_fields_of_its_english():
    """The whole table: a translation with a field missing, renamed or formatted otherwise would fail at a planner's
    run (a KeyError, a ValueError) or lose a number; an indented line keeps its indent."""
    assert {english: _fields(chinese) for english, chinese in ZH.items()} == {
        english: _fields(english) for english in ZH}
    indented = {english: chinese for english, chinese in ZH.items() if english.startswith("  ")}
    assert all(chinese.startswith("  ") and not chinese.startswith("   ") for chinese in indented.values())


def test_every_line_of_every_jobs_report_is_in_chinese(job_reports):
    for name, report in job_reports.items():
        english, chinese = report_lines(report), report_lines(report, "zh")
        assert report_lines(report, "en") == english and len(chinese) == len(english), name
        assert [line for line in chinese if not _chinese(line)] == [], name
        assert all(line[:2] != "  " or zh[:2] == "  " for line, zh in zip(english, chinese))
    text = "\n".join(report_lines(job_reports["evaluate"], "zh"))
    for value in ("seed", "service-level", "optimized", "current", "min_stock", "max_stock < reorder_point"):
        assert value in text  # the policies and keys a planner types back stay as they are


def test_a_warning_a_job_writes_follows_the_language():
    """The supersession table's part not in the history: a :class:`Text`, English in the report dict, Chinese on
    stderr; the first ones and '(+N more)' with it."""
    report = {"supersession": {"source": "subs.csv", "rows_in_force": 9, "old_parts": 9, "leading_parts": 9,
                               "longest_chain": 1, "splits": 0, "history": {"warnings": [Text(
                                   "{parts:,} part(s) of {source} are not in the history (first: {first}); they have "
                                   "no sales to move. Check the part numbers if you expected sales of them", parts=7,
                                   source="subs.csv", first=Text("{shown} (+{more:,} more)", shown="'A', 'B'",
                                                                 more=5))]}}}
    from spareopt.report import _supersession_lines

    english, chinese = _supersession_lines(report, None)[-1], _supersession_lines(report, "zh")[-1]
    assert english == ("  warning: 7 part(s) of subs.csv are not in the history (first: 'A', 'B' (+5 more)); they "
                       "have no sales to move. Check the part numbers if you expected sales of them")
    assert chinese == ("  警告: subs.csv 中有 7 个配件不在历史数据中（前几个：'A', 'B'（另有 5 个））；它们没有可转移的销售。"
                       "如果这些配件应有销售，请检查件号")


@pytest.fixture
def example(tmp_path, monkeypatch):
    """The bundled network example in the working folder, so that stderr names short files."""
    monkeypatch.chdir(tmp_path)
    for name in ("network_sample.csv", "parts_master.csv", "dealers.csv"):
        shutil.copy(EXAMPLES / name, name)
    return ["must-stock", "network_sample.csv", "--parts", "parts_master.csv", "--dealers", "dealers.csv", "-o",
            "packs", "--per-dealer"]


ENGLISH = """\
read 3,275 rows from network_sample.csv, utf-8
series 441 (3 dealers, 150 parts), months 51 (1998-01..2002-03), as_of 2002-03
parts master parts_master.csv: 5 parts in the history are not in it and took the defaults (first: 11040696, \
12137640, 15331575, 21071227, 21312690)
  defaults used for: lead_time_days 5, order_cycle_days 5, pack_size 5, attribute 5 parts
ABC by value over 12 months; 5 parts without unit_cost are C
decisions: dealer 80, central 31, none 330
reasons: direct_supply 8, high_value_assembly 23, no_demand 178, low_volume 121, low_ssq 31, stock 80
dealer stock value at max_stock: 14,133.06
policy seed; demand model: forecast auto (ses 1, croston 3, sba 23, tsb 61, poisson_gamma 353), lead-time demand \
auto (monthly_variance 27, poisson_gamma 414) over a 24-month window
  backtest over the last 12 months: smooth monthly_variance x0.5 (promised 0.995, achieved 1.000, 1 series); \
intermittent poisson_gamma x2.8 (promised 0.959, achieved 0.958, 213 series); lumpy monthly_variance x0.5 (promised \
0.964, achieved 0.995, 19 series)
  backtest, series whose demand had stopped: intermittent 56 series, 111 units came; error of the forecast 183 as it \
was, 104 with TSB's: tsb; lumpy 4 series, 8 units came; error of the forecast 7 as it was, 3 with TSB's: tsb
  obsolescence auto: 61 series whose demand stopped forecast by TSB (forecast_method tsb)
  dealer rows: negative_binomial 80; implied service: mean CSL 0.974, fill rate 0.786 (weighted by forecast)
dealer master dealers.csv: names 3 of the 3 dealers
wrote 3 dealer files (441 rows) and summary.xlsx to packs
"""
"""The stderr of the example's run in English, as it was before the report followed ``--lang``."""


def test_golden_must_stock_report_in_chinese_and_in_english(example):
    chinese = run_cli(*example, "--lang", "zh")
    assert chinese.exit_code == 0, chinese.output
    lines = chinese.stderr.splitlines()
    assert lines[0] == "读取 network_sample.csv（编码 utf-8）：3,275 行"
    assert lines[1] == "服务站×配件组合 441 个（3 个服务站，150 种配件），51 个月（1998-01..2002-03），as_of 2002-03"
    assert lines[5] == "储备决策：门店储备(dealer) 80, 中转库储备(central) 31, 按需订货(none) 330"
    assert lines[6] == "规则：direct_supply 8, high_value_assembly 23, no_demand 178, low_volume 121, low_ssq 31, stock 80"
    assert lines[-1] == "已写入 3 个服务站文件（441 行）和 summary.xlsx：packs"
    assert not any(re.match(r"(read|series|decisions|reasons|wrote) ", line) for line in lines)
    assert [line for line in lines if not _chinese(line)] == []
    english = run_cli(*example, "--lang", "en")
    assert (english.exit_code, english.stderr) == (0, ENGLISH)
    assert run_cli(*example).stderr == ENGLISH  # the default


def test_the_config_key_sets_the_language_of_stderr_and_of_an_interruption(example, monkeypatch):
    Path("zh.toml").write_text('lang = "zh"\n', encoding="utf-8")
    result = run_cli(*example, "--config", "zh.toml")
    assert result.stderr.startswith("读取 network_sample.csv") and "已写入 3 个服务站文件" in result.stderr

    def interrupted(*_: object, **__: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("spareopt_cli.output.write_table", interrupted)
    result = run_cli("must-stock", "network_sample.csv", "--config", "zh.toml")
    assert (result.exit_code, result.stderr) == (130, "已中止：运行被中断；未写入任何输出文件（原有文件未改动）。\n")
    assert run_cli("must-stock", "network_sample.csv", "--config", "zh.toml", "--lang", "en").stderr == (
        "Aborted: interrupted; no output file was written (previous files are unchanged).\n")


def test_errors_stay_english(example):
    result = run_cli("must-stock", "no_such.csv", "--lang", "zh")
    assert result.exit_code == 1 and result.stderr.startswith("Error: ") and not _chinese(result.stderr)


def test_the_progress_bar_shows_its_stages_in_the_runs_language(monkeypatch):
    import time

    from conftest import terminal as on_a_terminal
    from spareopt_cli.options import LANG
    from spareopt_cli.output import Progress

    terminal = on_a_terminal(monkeypatch)
    with click.Context(click.Command("must-stock")) as ctx:
        ctx.meta[LANG] = "zh"
        with Progress(2, quiet=False, delay=0.0) as progress:
            progress(STAGES[1])
            progress(Text("{job} on {sets} dealer set(s)", job="must-stock", sets=4))
            deadline = time.monotonic() + 10.0
            while "2/2 must-stock：4 个服务站分组" not in terminal.getvalue() and time.monotonic() < deadline:
                time.sleep(0.02)
    assert "2/2 must-stock：4 个服务站分组" in terminal.getvalue()
