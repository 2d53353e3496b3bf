"""``spareopt must-stock`` end to end against its I/O floor and its peers, each a whole command (issue 26).

    python -m benchmarks.e2e [--size small|medium|large] [--repeat N] [--data DIR]

Every command runs as a child process with its own interpreter start, on the size's generated network
(``benchmarks/data/<size>``, made on first use; ``--data`` for another folder with ``history.parquet`` and
``parts.parquet``), N times in turn (round robin, so that a slow spell of the machine hits them alike); the
table gives the median wall time, its ratio to the I/O floor, and the child's peak resident memory (its
``VmHWM``, written as it exits):

- **I/O floor**: pyarrow reads the history and writes must-stock's table, as CSV (the floor of every ratio)
  and as Parquet (:mod:`benchmarks.io_floor`);
- **polars**: the seed method as a polars script (:mod:`benchmarks.peer_polars`), CSV and Parquet out;
- **DuckDB**: the same in SQL (:mod:`benchmarks.peer_duckdb`);
- **spareopt**: ``spareopt must-stock HISTORY --parts PARTS -o OUT -q``, CSV and Parquet out.

The peers compute the seed's columns only; spareopt computes them and the calibrated demand model behind each
row's promise (forecast, implied CSL and fill rate, the backtest of 3 models x 13 scales).  Each peer's table
is checked against spareopt's on the seed's columns (``SEED_COLUMNS``); a peer whose package is missing (the
``peers`` extra) is skipped with a note.  Issue 26's targets close the output: spareopt with CSV out at most 2x
the floor and faster than the polars script, with Parquet out at most 1.5x.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .__main__ import DATA, dataset
from .child import run_child

SEED_COLUMNS = ("abc_class", "attribute", "class_code", "half_year_quantity", "mad", "ssq", "reorder_point",
                "max_stock", "decision", "reason", "priority")
"""The columns the peers compute, compared with spareopt's (floats to 1e-9 relative, the rest exactly)."""

def compare(reference: pd.DataFrame, peer: pd.DataFrame) -> str:
    """"equal", or how the peer's seed columns differ from spareopt's (rows matched on dealer and part)."""
    if len(peer) != len(reference):
        return f"{len(peer):,} rows against spareopt's {len(reference):,}"
    both = reference.merge(peer, on=["dealer", "part"], suffixes=("", "_peer"), how="inner")
    if len(both) != len(reference):
        return f"{len(reference) - len(both):,} of spareopt's series are missing"
    out = []
    for column in SEED_COLUMNS:
        ours, theirs = both[column], both[column + "_peer"]
        if column == "priority":
            bad = ours.fillna(0).astype(np.int64).to_numpy() != theirs.fillna(0).astype(np.int64).to_numpy()
        elif ours.dtype.kind == "f":
            bad = ~np.isclose(ours.to_numpy(np.float64), theirs.to_numpy(np.float64), rtol=1e-9, atol=0.0)
        else:
            bad = ours.astype(str).to_numpy() != theirs.astype(str).to_numpy()
        if bad.any():
            first = both.loc[bad].iloc[0]
            out.append(f"{column}: {int(bad.sum()):,} rows differ (first {first['dealer']} {first['part']}: "
                       f"{_shown(first[column])} against {_shown(first[column + '_peer'])})")
    return "equal" if not out else "; ".join(out)


def _shown(value: object) -> str:
    """A cell as Python writes it: 2 and 'A', not np.int64(2) and np.str_('A')."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.e2e", description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=["small", "medium", "large"], default="small")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data", type=Path, help="a folder with history.parquet and parts.parquet")
    args = parser.parse_args(argv)
    if args.data:
        history, parts = args.data / "history.parquet", args.data / "parts.parquet"
    else:
        history, parts = dataset(args.size, quiet=True)
    return end_to_end(history, parts, args.repeat, label=str(args.data or DATA / args.size))


def end_to_end(history: Path, parts: Path, repeat: int, *, label: str) -> dict[str, float]:
    """Time the commands, print the table and the checks; the median seconds by command."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        reference = folder / "reference.parquet"
        base = ["must-stock", str(history), "--parts", str(parts), "-q", "-o"]
        run_child("spareopt", [*base, str(reference)])  # untimed: the table the floor writes and peers are checked on
        plan = pq.read_table(reference)
        with pa.OSFile(str(folder / "table.arrow"), "wb") as sink, pa.ipc.new_file(sink, plan.schema) as writer:
            writer.write_table(plan)
        n_rows = plan.num_rows
        del plan
        commands = {
            "I/O floor: pyarrow read + CSV write": ("benchmarks.io_floor", [str(history), str(folder / "table.arrow")],
                                                    "floor.csv"),
            "I/O floor: pyarrow read + Parquet write": ("benchmarks.io_floor",
                                                        [str(history), str(folder / "table.arrow")], "floor.parquet"),
        }
        notes = []
        for peer, package in (("polars", "polars"), ("DuckDB", "duckdb")):
            if importlib.util.find_spec(package) is None:
                notes.append(f"{peer}: skipped, {package} is not installed (pip install -e '.[peers]')")
                continue
            for suffix, kind in (("csv", "CSV"), ("parquet", "Parquet")):
                commands[f"peer: {peer} script of the seed method, {kind} out"] = (
                    f"benchmarks.peer_{package}", [str(history), str(parts)], f"{package}.{suffix}")
        for suffix, kind in (("csv", "CSV"), ("parquet", "Parquet")):
            commands[f"spareopt must-stock, {kind} out"] = ("spareopt", base, f"spareopt.{suffix}")
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
        for _ in range(repeat):
            for name, (module, head, out) in commands.items():
                wall, peak = run_child(module, [*head, str(folder / out)])
                seconds[name].append(wall)
                peaks[name] = max(peaks[name], peak / 1e9)
        checks = {}
        ours = pd.read_parquet(reference, columns=["dealer", "part", *SEED_COLUMNS])
        for peer, package in (("polars", "polars"), ("DuckDB", "duckdb")):
            if (folder / f"{package}.parquet").exists():
                checks[peer] = compare(ours, pd.read_parquet(folder / f"{package}.parquet"))
                with open(folder / f"{package}.csv", "rb") as text:
                    csv_rows = sum(1 for _ in text) - 1
                if csv_rows != n_rows:
                    checks[peer] += f"; its CSV has {csv_rows:,} rows"
    median = {name: statistics.median(values) for name, values in seconds.items()}
    floor = median["I/O floor: pyarrow read + CSV write"]
    print(f"end to end, {label}: must-stock's table {n_rows:,} rows; median of {repeat}, each a child process")
    print(f"{'command':60s} {'seconds':>8s} {'x floor':>8s} {'peak RSS GB':>12s}")
    for name in commands:
        print(f"{name:60s} {median[name]:8.2f} {median[name] / floor:7.2f}x {peaks[name]:12.2f}")
    for note in notes:
        print(note)
    for peer, verdict in checks.items():
        print(f"check: the {peer} script's seed columns against spareopt's: {verdict}")
    csv_out, parquet_out = median["spareopt must-stock, CSV out"], median["spareopt must-stock, Parquet out"]
    print(f"target: spareopt CSV out <= 2x I/O floor: {csv_out / floor:.2f}x")
    polars = median.get("peer: polars script of the seed method, CSV out")
    if polars is not None:
        print(f"target: spareopt faster than the polars script (CSV out): {'yes' if csv_out < polars else 'no'} "
              f"({csv_out:.2f} s against {polars:.2f} s)")
    print(f"target: spareopt Parquet out <= 1.5x I/O floor: {parquet_out / floor:.2f}x")
    return median


if __name__ == "__main__":
    main()
