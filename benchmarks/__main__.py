"""Time each must-stock stage on real data, with a peer and a floor in the same run.

    python -m benchmarks [--data PATH] [--repeat N]

Default data: ../shared/data/carparts/carparts_long.csv when present, else the bundled
example.  Prints one row per stage: best-of-N seconds and the ratio to the floor
(one pass over the matrix, ``matrix.sum()``) or to the peer (a pandas
``groupby().apply`` MAD, the script a planner would write).  Machines here are
small and noisy: read the ratios, not the seconds.  The full harness (a network
generator, medium and large sizes) is issue 3.
"""

from __future__ import annotations

import argparse
import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import spareopt
from spareopt.classify import abc
from spareopt.io import write_table
from spareopt.policy import decide

ROOT = Path(__file__).resolve().parents[1]
CARPARTS = ROOT.parent / "shared" / "data" / "carparts" / "carparts_long.csv"


def best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def pandas_peer_mad(path: Path) -> pd.Series:
    """What a planner writes: read, fill, groupby().apply the weighted average."""
    frame = pd.read_csv(path, dtype={"part_id": str}).fillna({"quantity": 0})
    weights = np.arange(1, 7) / 21
    return frame.sort_values(["part_id", "period"]).groupby("part_id")["quantity"].apply(
        lambda q: float(np.dot(q.to_numpy()[-6:], weights)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=CARPARTS if CARPARTS.exists() else
                        ROOT / "examples" / "carparts_sample.csv")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    r = args.repeat

    rows: list[tuple[str, float]] = []
    t, hist = best(lambda: spareopt.load_history(args.data), r)
    rows.append(("read + validate", t))
    t, matrix = best(lambda: spareopt.demand_matrix(hist), r)
    rows.append(("aggregate to matrix", t))
    q = matrix.values
    t, _ = best(lambda: q.sum(), r)
    floor = t
    rows.append(("floor: matrix.sum()", t))
    t, mad = best(lambda: spareopt.mad(q), r)
    rows.append(("mad", t))
    lead = np.full(len(q), 5.0)
    cycle = np.full(len(q), 7.0)
    t, ssq = best(lambda: spareopt.ssq(mad, cycle, lead), r)
    rows.append(("ssq", t))
    t, _ = best(lambda: (spareopt.reorder_point(mad, lead, ssq), spareopt.max_stock(mad, lead, cycle, ssq)), r)
    rows.append(("reorder_point + max_stock", t))
    t, _ = best(lambda: abc(matrix.last(12).sum(axis=1)), r)
    rows.append(("abc", t))
    hyq = spareopt.half_year_quantity(q)
    t, _ = best(lambda: decide(order_cycle_days=cycle, lead_time_days=lead, attribute=np.full(len(q), "B"),
                               unit_cost=np.full(len(q), np.nan), half_year_quantity=hyq, ssq=ssq,
                               high_value_cost=np.inf), r)
    rows.append(("must-stock rules", t))
    t, table = best(lambda: spareopt.must_stock(hist), r)
    rows.append(("must_stock (after read)", t))
    t, _ = best(lambda: write_table(table, io.StringIO(), format="csv"), r)
    rows.append(("write csv", t))
    t, _ = best(lambda: spareopt.must_stock(args.data), r)
    rows.append(("end to end (library)", t))
    t, peer = best(lambda: pandas_peer_mad(args.data), r)
    rows.append(("peer: pandas groupby-apply MAD (read included)", t))
    mad_time = dict(rows)["mad"]

    print(f"data: {args.data} ({q.shape[0]:,} series x {q.shape[1]} months), best of {r}")
    print(f"{'stage':<48}{'seconds':>12}{'x floor':>12}")
    for name, seconds in rows:
        print(f"{name:<48}{seconds:>12.6f}{seconds / floor:>12.1f}")
    print(f"\npandas groupby-apply MAD / spareopt mad on the matrix: {dict(rows)[rows[-1][0]] / mad_time:,.0f}x")
    agree = np.allclose(peer.reindex(matrix.keys["part"]).to_numpy(), mad) if not matrix.has_dealer else None
    if agree is not None:
        print(f"peer MAD equals spareopt MAD: {agree}")


if __name__ == "__main__":
    main()
