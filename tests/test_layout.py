"""The house rules of the package, checked on its source: no private name crosses a module line, no hidden
control flow, no grab-bag module, the CLI package never installed as ``cli``, no bare ValueError or TypeError
(values are checked by :mod:`spareopt.validate`, which raises InputError or ConfigError)."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*(ROOT / "spareopt").rglob("*.py"), *(ROOT / "cli").rglob("*.py")])
MAX_LINES = 600


def _private_imports(path: Path, root: Path = ROOT) -> list[str]:
    """``from x import _name``, and ``module._name`` of a module imported by name, in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = _modules_imported(path, tree, root)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith(("spareopt", "cli"))):
            found += [f"{path.relative_to(root)}:{node.lineno} {alias.name}" for alias in node.names
                      if alias.name.startswith("_") and not alias.name.startswith("__")]
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Name) and node.value.id in modules):
            found.append(f"{path.relative_to(root)}:{node.lineno} {node.value.id}.{node.attr}")
    return found


def _modules_imported(path: Path, tree: ast.Module, root: Path) -> set[str]:
    """Names that ``path`` binds to modules of the project (``from . import merge``, ``import spareopt.io``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.asname or alias.name.split(".")[0] for alias in node.names
                      if alias.name.split(".")[0] in ("spareopt", "spareopt_cli")}
        elif isinstance(node, ast.ImportFrom):
            base = path.parent
            for _ in range(node.level - 1):
                base = base.parent
            if not node.level:
                base = root
            for part in (node.module or "").split("."):
                base = base / part if part else base
            names |= {alias.asname or alias.name for alias in node.names
                      if (base / f"{alias.name}.py").exists() or (base / alias.name / "__init__.py").exists()}
    return names


def test_no_private_name_crosses_a_module_line():
    found = [hit for path in SOURCES for hit in _private_imports(path)]
    assert found == []


def test_the_check_sees_a_private_import(tmp_path):
    (tmp_path / "merge.py").write_text("def _totals(x):\n    return x\n", encoding="utf-8")
    bad = tmp_path / "bad.py"
    bad.write_text("from .history import _clean\nfrom . import merge\nmerge._totals(1)\n", encoding="utf-8")
    assert [hit.split(" ")[1] for hit in _private_imports(bad, tmp_path)] == ["_clean", "merge._totals"]


BARE_RAISES_ALLOWED = [
    # Table(frame=..., arrow=...) called with both or neither: a programming error inside spareopt, never bad input
    "spareopt/io.py TypeError",
    # forecast(..., alpah=0.2): an unexpected keyword, a TypeError as Python's own; the message names the options
    "spareopt/forecast/intermittent.py TypeError",
]
"""Every ``raise ValueError`` / ``raise TypeError`` left in the source, with the reason it stays."""


def _bare_raises(path: Path, root: Path = ROOT) -> list[str]:
    """``raise ValueError(...)`` and ``raise TypeError(...)`` in ``path`` (bare or called), as ``path Name``."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id in ("ValueError", "TypeError"):
                found.append(f"{path.relative_to(root).as_posix()} {exc.id}")
    return found


def test_no_bare_value_or_type_error_is_raised():
    """Bad data raises InputError, a bad setting ConfigError (both ValueErrors), through spareopt.validate."""
    found = sorted(hit for path in SOURCES for hit in _bare_raises(path))
    assert found == sorted(BARE_RAISES_ALLOWED)


def test_the_check_sees_a_bare_raise(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x):\n    if x:\n        raise ValueError('x')\n    raise TypeError\n"
                   "def g():\n    raise InputError('fine')\n", encoding="utf-8")
    assert sorted(_bare_raises(bad, tmp_path)) == ["bad.py TypeError", "bad.py ValueError"]


def test_no_context_variable_steers_a_job():
    assert [str(p.relative_to(ROOT)) for p in SOURCES if "ContextVar" in p.read_text(encoding="utf-8")] == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_long_module_is_one_topic_and_says_so(path):
    text = path.read_text(encoding="utf-8")
    if text.count("\n") <= MAX_LINES:
        return
    docstring = ast.get_docstring(ast.parse(text)) or ""
    assert "One topic, one module" in docstring, f"{path.name}: {text.count(chr(10))} lines; split it by topic"


def test_the_cli_package_is_never_installed_as_cli():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["spareopt"].startswith("spareopt_cli.")
    assert not (ROOT / "pipeline.py").exists() and not (ROOT / "spareopt" / "pipeline.py").exists()


def test_ci_runs_the_linter_and_it_finds_nothing():
    assert "\nruff check\n" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ruff = pytest.importorskip("ruff", reason="ruff comes with the test extra: pip install -e '.[test]'")
    proc = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", str(ROOT)], capture_output=True,
                          text=True, timeout=120, check=False, cwd=ROOT)
    assert proc.returncode == 0, f"ruff {ruff.__name__}: {proc.stdout[-3000:]}"


def test_no_side_table_or_report_rides_in_attrs():
    """Jobs return :class:`spareopt.Result`: its side tables are named fields, never ``DataFrame.attrs``."""
    found = [f"{p.relative_to(ROOT)}:{n}" for p in SOURCES
             for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if ".attrs[" in line or ".attrs.get(" in line]
    assert found == []


def test_every_package_is_installed():
    """A package the list leaves out is there in an editable install, and missing from a wheel."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "spareopt").rglob("__init__.py")}
    assert found - listed == set()


def test_no_module_defines_a_name_twice():
    """Two helpers' branches once met with a function of one name each: the second hid the first, and only the
    benchmark run showed it."""
    twice = []
    for path in [*SOURCES, *sorted((ROOT / "benchmarks").glob("*.py")), *sorted((ROOT / "examples").glob("*.py"))]:
        names = [node.name for node in ast.parse(path.read_text(encoding="utf-8")).body
                 if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
        twice += [f"{path.relative_to(ROOT)}: {name}" for name in sorted({n for n in names if names.count(n) > 1})]
    assert twice == []
