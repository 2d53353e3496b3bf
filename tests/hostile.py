"""Shared by the hostile-input tests of issue 23, one file per family: test_hostile_files.py (malformed files),
test_hostile_values.py, test_hostile_config.py, test_hostile_api.py (the Python API), test_hostile_outputs.py,
test_hostile_security.py, test_hostile_scale.py and test_hostile_fuzz.py (generated files).

A CLI case runs in the ``here`` fixture's folder (conftest.py): ``ok.csv`` holds a plain history (:data:`HEADER`
and :data:`BODY`) and ``out.csv`` an earlier output (:data:`PREVIOUS`), which a failed run must leave byte for
byte as it was.
"""

from __future__ import annotations

from pathlib import Path

from conftest import run_cli

PREVIOUS = b"previous output\n"
"""What ``out.csv`` holds before a case runs."""

HEADER = "dealer,part,date,quantity\n"
BODY = "".join(f"D1,P{i % 5},2024-{1 + i % 12:02d}-03,{1 + i % 3}\n" for i in range(60))
"""60 sales lines of dealer D1, parts P0..P4, 2024-01..2024-12 (rows 2 to 61 of a file under :data:`HEADER`)."""


def fails(args: tuple[str, ...], message: str, code: int = 1) -> None:
    """``spareopt ARGS -o out.csv -q`` ends with exactly ``Error: MESSAGE`` and exit ``code``, out.csv unchanged."""
    result = run_cli(*args, "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (code, f"Error: {message}\n"), result.output
    assert Path("out.csv").read_bytes() == PREVIOUS


def write(name: str, text: str) -> str:
    """``text`` in the file ``name`` (UTF-8); its name."""
    Path(name).write_text(text, encoding="utf-8")
    return name
