"""No traceback on any input in the tests (issue 24): every bad file the tests feed the CLI (``tests/data/bad/``,
collected by ``python tests/make_bad_corpus.py``) goes through every command that reads its kind of file.

Each run ends with a result (exit 0), one ``Error:`` line (exit 1, bad data; 2, bad usage), never a traceback or
an internal error (exit 3): :func:`conftest.run_cli` fails on either.  A bad history's read fails before any
computation, so the nine commands cost a few milliseconds each.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli

CORPUS = Path(__file__).resolve().parent / "data" / "bad"
FILES = sorted(CORPUS.iterdir()) if CORPUS.is_dir() else []

HISTORY_COMMANDS = (
    ("must-stock",), ("classify",), ("forecast",), ("evaluate", "--holdout-months", "3"),
    ("optimize", "--budget", "1000"), ("last-buy", "--parts", "{parts}", "--horizon-months", "12",
                                        "--service-level", "0.9"),
    ("order", "--stock", "{stock}"), ("dead-stock", "--stock", "{stock}"), ("kpi", "--stock", "{stock}"),
)
"""Every command that reads a history, with what else it needs (good files)."""

OPTION_COMMANDS = {
    "parts": [("must-stock", "{history}", "--parts", "{file}"), ("classify", "{history}", "--parts", "{file}"),
              ("last-buy", "{history}", "--parts", "{file}", "--horizon-months", "12", "--service-level", "0.9")],
    "stock": [("order", "{history}", "--stock", "{file}"), ("dead-stock", "{history}", "--stock", "{file}"),
              ("kpi", "{history}", "--stock", "{file}")],
    "config": [("must-stock", "{history}", "--config", "{file}")],
    "supersessions": [("must-stock", "{history}", "--supersessions", "{file}")],
    "dealers": [("must-stock", "{history}", "--dealers", "{file}", "--per-dealer")],
}
"""The commands that read each other kind of file, on a good history."""


@pytest.fixture
def good(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(tmp_path)
    rows = [(f"D{i % 2}", f"P{i % 5}", f"2024-{1 + i % 12:02d}-05", 1 + i % 4) for i in range(240)]
    pd.DataFrame(rows, columns=["dealer", "part", "date", "quantity"]).to_csv("history.csv", index=False)
    pd.DataFrame({"part": [f"P{i}" for i in range(5)], "unit_cost": 10.0, "status": "discontinued"}).to_csv(
        "parts.csv", index=False)
    pd.DataFrame({"dealer": ["D0", "D1"], "part": ["P0", "P1"], "on_hand": [3, 1]}).to_csv("stock.csv", index=False)
    return {"history": "history.csv", "parts": "parts.csv", "stock": "stock.csv"}


def test_the_corpus_is_there():
    assert len(FILES) > 100, "run: python tests/make_bad_corpus.py"
    assert {f.name.split("-")[0] for f in FILES} >= {"history", "parts", "stock", "config"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_command_prints_a_traceback_on_a_bad_file(good, path):
    kind = path.name.split("-")[0]
    runs = ([(command[0], str(path), *command[1:]) for command in HISTORY_COMMANDS] if kind == "history"
            else OPTION_COMMANDS[kind])
    for command in runs:
        args = [a.format(file=path, **good) for a in command]
        result = run_cli(*args, "-o", "out" if "--per-dealer" in args else "out.csv", "-q")
        assert result.exit_code in (0, 1, 2), (args, result.output)
        if result.exit_code:
            assert result.stderr.startswith("Error: ") or result.stderr.startswith("Usage: "), (args, result.output)
