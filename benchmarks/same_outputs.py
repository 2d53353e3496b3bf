"""Every command's output files, written by two versions of spareopt and compared byte for byte (issue 22).

A restructure must leave what spareopt writes unchanged.  This runs a catalogue of commands (every
command, each output format that is deterministic: CSV, JSON and Parquet, and the run report on stderr)
on the bundled examples, and on the small benchmark network when ``benchmarks/data/small`` exists, with
the code of a checkout, and compares the files::

    python -m benchmarks.same_outputs check main        # a worktree of main against this checkout
    python -m benchmarks.same_outputs write DIR [--root CHECKOUT]
    python -m benchmarks.same_outputs compare OLD_DIR NEW_DIR

XLSX and PNG files carry the time they were written, so they are left out; their tables are the CSV's.
Exit status: 0 when every file is the same, 1 when one differs or is missing (listed on stdout).
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
SMALL = HERE / "data" / "small"

_RUN = """
import importlib.util, sys
root = sys.argv[1]
sys.path.insert(0, root)
spec = importlib.util.spec_from_file_location("spareopt_cli", root + "/cli/__init__.py",
                                              submodule_search_locations=[root + "/cli"])
module = importlib.util.module_from_spec(spec)
sys.modules["spareopt_cli"] = module
spec.loader.exec_module(module)
from spareopt_cli.main import main
main(args=sys.argv[2:], prog_name="spareopt")
"""
"""Runs the CLI of the checkout given first (its spareopt and its cli/), whatever is installed."""


def catalogue(examples: Path, small: Path | None) -> dict[str, list[str]]:
    """The commands, by the name of their run: the arguments after ``spareopt``, writing into the working
    directory."""
    sales, parts, stock = (str(examples / name) for name in ("carparts_sample.csv", "parts_master.csv", "stock.csv"))
    carparts = [sales, "--column", "part=part_id", "--parts", parts]
    runs = {
        "must_stock": ["must-stock", *carparts, "-o", "must_stock.csv"],
        "must_stock_parquet": ["must-stock", *carparts, "-o", "must_stock.parquet"],
        "must_stock_json": ["must-stock", *carparts, "--policy", "service-level", "-o", "must_stock.json"],
        "classify": ["classify", *carparts, "-o", "classify.csv"],
        "forecast": ["forecast", *carparts, "-o", "forecast.csv"],
        "evaluate": ["evaluate", *carparts, "--policy", "seed,traditional,service-level,optimized,two-echelon",
                     "-o", "evaluate.csv", "--totals", "evaluate_totals.csv", "--calibration",
                     "evaluate_calibration.csv"],
        "optimize": ["optimize", *carparts, "--budget", "20000", "-o", "optimize.csv", "--curve", "optimize_curve.csv"],
        "optimize_echelons": ["optimize", *carparts, "--budget", "20000", "--echelons", "2", "-o",
                              "optimize_echelons.csv", "--curve", "optimize_echelons_curve.csv"],
        "last_buy": ["last-buy", *carparts, "--stock", stock, "--horizon-months", "84", "--service-level", "0.95",
                     "-o", "last_buy.csv"],
        "order": ["order", *carparts, "--stock", stock, "-o", "order.csv", "--totals", "order_totals.csv"],
        "dead_stock": ["dead-stock", *carparts, "--stock", stock, "-o", "dead_stock.csv", "--aging",
                       "dead_stock_aging.csv"],
        "kpi": ["kpi", *carparts, "--stock", stock, "-o", "kpi.csv", "--by-part", "kpi_by_part.csv"],
        "report": ["report", *carparts, "--holdout-months", "6", "-o", "report.html"],
        "demo": ["demo", "-o", "demo.csv"],
        "config": ["config"],
    }
    if small is not None:
        history, master = str(small / "history.parquet"), str(small / "parts.parquet")
        runs["small_must_stock"] = ["must-stock", history, "--parts", master, "-o", "small_must_stock.parquet"]
        runs["small_evaluate"] = ["evaluate", history, "--parts", master, "--policy", "seed,optimized",
                                  "--totals", "small_evaluate_totals.csv", "-o", "small_evaluate.parquet"]
    return runs


def write(directory: Path, root: Path = REPO, *, small: bool = True) -> list[str]:
    """Run the catalogue with the code of ``root`` in ``directory``; each run's stdout, stderr and exit code go to
    ``NAME.stdout``, ``NAME.stderr`` and ``NAME.status``.  Returns the names of the runs."""
    directory.mkdir(parents=True, exist_ok=True)
    runs = catalogue(REPO / "examples", SMALL if small and (SMALL / "history.parquet").is_file() else None)
    for name, args in runs.items():
        # not --quiet: the run report on stderr is compared too (both versions read the same input files)
        done = subprocess.run([sys.executable, "-c", _RUN, str(root), *args], cwd=directory, capture_output=True,
                              check=False)
        (directory / f"{name}.stdout").write_bytes(done.stdout)
        (directory / f"{name}.stderr").write_bytes(done.stderr)
        (directory / f"{name}.status").write_text(f"{done.returncode}\n")
    return list(runs)


def compare(old: Path, new: Path) -> list[str]:
    """The files that differ between two directories written by :func:`write` (or exist in one only)."""
    names = {p.name for p in old.iterdir()} | {p.name for p in new.iterdir()}
    differ = []
    for name in sorted(names):
        a, b = old / name, new / name
        if not (a.is_file() and b.is_file()):
            differ.append(f"{name}: only in {'new' if b.is_file() else 'old'}")
        elif _digest(a) != _digest(b):
            differ.append(f"{name}: differs")
    return differ


def failed(directory: Path, names: list[str]) -> list[str]:
    """The runs of this checkout that did not exit 0: the catalogue itself is broken (both versions failing
    alike would otherwise read as the same outputs)."""
    return [f"{name}: exit {status} with this checkout (see {name}.stderr)" for name in names
            if (status := (directory / f"{name}.status").read_text().strip()) != "0"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def check(reference: str, *, small: bool = True) -> list[str]:
    """Write the catalogue with a worktree of ``reference`` and with this checkout, and compare."""
    with tempfile.TemporaryDirectory(prefix="same_outputs_") as tmp:
        tree = Path(tmp) / "reference"
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), reference], check=True,
                       capture_output=True)
        try:
            write(Path(tmp) / "old", tree, small=small)
            names = write(Path(tmp) / "new", REPO, small=small)
            return failed(Path(tmp) / "new", names) + compare(Path(tmp) / "old", Path(tmp) / "new")
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False,
                           capture_output=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("check", help="a git reference (e.g. main) against this checkout")
    one.add_argument("reference")
    one.add_argument("--no-small", action="store_true", help="leave out the small benchmark network")
    two = sub.add_parser("write", help="write the outputs into DIR")
    two.add_argument("directory", type=Path)
    two.add_argument("--root", type=Path, default=REPO, help="the checkout whose code runs (default: this one)")
    two.add_argument("--no-small", action="store_true")
    three = sub.add_parser("compare", help="compare two directories of outputs")
    three.add_argument("old", type=Path)
    three.add_argument("new", type=Path)
    args = parser.parse_args(argv)
    if args.what == "write":
        names = write(args.directory, args.root.resolve(), small=not args.no_small)
        broken = failed(args.directory, names)
        print("\n".join([*broken, f"wrote {len(names)} runs to {args.directory}"]))
        return 1 if broken else 0
    differ = check(args.reference, small=not args.no_small) if args.what == "check" else compare(args.old, args.new)
    for line in differ:
        print(line)
    print("same outputs" if not differ else f"{len(differ)} files differ")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
