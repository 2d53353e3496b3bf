"""The README's examples run, and its commands are the ones CI runs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.DOTALL)


def test_quick_start_has_exactly_two_commands() -> None:
    quick = _blocks("bash")[0]
    commands = [line for line in quick.splitlines() if line.strip() and not line.startswith("#")]
    assert len(commands) == 2
    assert "spareopt demo" in commands[0]
    assert commands[1].endswith("&& pytest")


def test_ci_runs_the_readme_test_command() -> None:
    quick = _blocks("bash")[0]
    test_command = next(line for line in quick.splitlines() if line.endswith("&& pytest"))
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci


def test_python_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")  # the example writes beside its data, not the repo
    monkeypatch.chdir(tmp_path)
    (code,) = _blocks("python")
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - the README's own example, run as a reader would
    out = capsys.readouterr().out
    assert "{'dealer': " in out and "'central': " in out
    assert "class_code" in out and "mc_class" in out
    assert "last_buy_qty" in out and "budget_cut" in out
    assert "inventory_position" in out and "aging_bucket" in out and "must_stock_coverage" in out
    assert "optimized" in out and "expected_fill_rate" in out
    assert (tmp_path / "must_stock.csv").read_text(encoding="utf-8").startswith("part,description,abc_class,")
    assert "'D0 北京东方4S店.xlsx'" in out and (tmp_path / "packs" / "summary.xlsx").is_file()


def test_error_example_is_the_real_message(tmp_path: Path) -> None:
    import spareopt

    (example,) = re.findall(r"^Error: (sales\.csv: .*)$", README, re.MULTILINE)
    sales = tmp_path / "sales.csv"
    lines = ["part,period,quantity"] + [f"p1,2024-0{m},1" for m in range(1, 6)]
    lines.insert(5, "p1,2024-06,abc")  # row 6 of the file
    sales.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(spareopt.InputError) as info:
        spareopt.must_stock(sales)
    message = str(info.value).replace(str(sales), "sales.csv")
    assert message.split(";")[0] == example.split(";")[0]
    assert "row 6 'abc'" in message
