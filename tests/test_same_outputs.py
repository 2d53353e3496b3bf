"""benchmarks/same_outputs.py, the byte-for-byte check of a restructure (issue 22): its comparison and catalogue."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

# benchmarks/ is a folder of scripts beside the package, not installed: load the module from its file
_spec = importlib.util.spec_from_file_location(
    "same_outputs", Path(__file__).resolve().parents[1] / "benchmarks" / "same_outputs.py")
same_outputs = importlib.util.module_from_spec(_spec)
sys.modules["same_outputs"] = same_outputs
_spec.loader.exec_module(same_outputs)
REPO, catalogue, compare, failed = same_outputs.REPO, same_outputs.catalogue, same_outputs.compare, same_outputs.failed


def test_compare_finds_every_difference(tmp_path: Path) -> None:
    old, new = tmp_path / "old", tmp_path / "new"
    old.mkdir()
    new.mkdir()
    for directory in (old, new):
        (directory / "same.csv").write_bytes(b"a,b\n1,2\n")
    (old / "changed.csv").write_bytes(b"a\n1\n")
    (new / "changed.csv").write_bytes(b"a\n1.0\n")
    (old / "gone.csv").write_text("x")
    (new / "added.csv").write_text("y")
    assert compare(old, new) == ["added.csv: only in new", "changed.csv: differs", "gone.csv: only in old"]
    assert compare(old, old) == []


def test_a_failing_run_of_this_checkout_is_reported(tmp_path: Path) -> None:
    (tmp_path / "good.status").write_text("0\n")
    (tmp_path / "bad.status").write_text("2\n")
    assert failed(tmp_path, ["good", "bad"]) == ["bad: exit 2 with this checkout (see bad.stderr)"]


def test_the_catalogue_covers_every_command() -> None:
    """Every command of the CLI is run at least once, each run writing its own files."""
    from spareopt_cli.main import main

    runs = catalogue(REPO / "examples", None)
    assert {args[0] for args in runs.values()} == set(main.commands)
    written = [a for args in runs.values() for a in args if a.endswith((".csv", ".parquet", ".json"))
               and not a.startswith(str(REPO))]
    assert len(written) == len(set(written))
