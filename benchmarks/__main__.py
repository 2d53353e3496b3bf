"""Time every must-stock stage on a generated network, against floors and peers in the same run.

    python -m benchmarks [--size small|medium|large|carparts] [--repeat N] [--quiet]

Sizes (``spareopt.synth.make_network``, 36 months, density 0.1):

=========  ==================================  ===============================
small      50 dealers x 2,000 parts             ~9k series: seconds; CI runs it
medium     500 dealers x 25,000 parts           ~1.0M series
large      2,000 dealers x 60,000 parts         ~10M series
carparts   ../shared/data/carparts (real, CSV)  2,674 series x 51 months
=========  ==================================  ===============================

The data is generated once into ``benchmarks/data/<size>/`` (git-ignored).  Each
stage prints its best-of-N seconds, its ratio to a floor, and its peak RSS (this
process's, sampled; for the end-to-end CLI, the child's own peak from ``wait4``,
which is the figure the memory target uses):

- **I/O floor**: pyarrow reading the same input and writing a Parquet table the
  size of the output;
- **compute floor**: one pass over the matrix, ``matrix.sum()``;
- **peer**: the pandas script a planner writes (``groupby().apply`` for the MAD,
  a per-dealer ``groupby().apply`` for ABC), run on up to 100k series; and
  statsforecast 2.1.1 (CrostonClassic, CrostonSBA, TSB, SES, one model at a time,
  ``n_jobs=1``) on the first 100k series of the same matrix, its values compared
  with ours (the ``peers`` extra; skipped with a note when it is not installed).

Machines here are small (2 cores) and noisy: read the ratios, not the seconds.
The targets (issue 3): end-to-end from Parquet <= 2x the I/O floor, compute
stages <= 10x the compute floor, peak memory <= 3x the dense matrix.  Issue 5:
every forecaster >= 20x faster than statsforecast with equal values; the replay
of every series x 12 months within seconds.  Issue 6: the last-buy fit and
quantities for 100k parts x 36 months within seconds (a seeded declining-Poisson
matrix, as no size has 100k parts), checked against scipy.optimize per part and
``scipy.stats.poisson.ppf`` (floor ``peer-fit``), and the greedy budget allocation
against pulp's integer optimum on 300 parts.  Issue 7: ``order`` and ``dead_stock`` on a stock row per
series (1M at medium).  Issue 8: ``optimize`` at the seed plan's investment on every series, and the
greedy against pulp's optimum on a 200-row sample.  Issue 9: ``must_stock`` on the ``stream`` engine
and on the ``dask`` engine with a LocalCluster of 1 and then 2 workers (started outside the timed
run; its workers' peak memory read from their ``VmHWM``), each table checked equal to the local
one; and the end-to-end CLI with ``--engine stream`` next to the local one (Parquet sizes only).
Issue 20: the lead-time demand model's priors, fits and backtest, on the same matrix as the other compute
stages (CSL 0.95 for every series): the network's gamma priors (``demand_sums`` + ``demand_inputs``); the
``poisson_gamma``, ``forecast_error`` and ``empirical`` fits (``lead_time_demand`` given those priors, as the
engines give them); ``lead_time_demand = "auto"`` whole, as a plan pays it (the priors, the backtest of 3
models x 13 variance scales on at most 30k sampled series, and the chosen fits); and the levels of the
auto model.  Peer: statsforecast's ``cross_validation`` (CrostonSBA, h = 12, one window) on the first 10k
series, its per-series time against the backtest's, its forecasts at the origin compared with our sba.
Issue 23: an XLSX of one sheet per dealer (the history's first ``XLSX_LINES`` lines) read with ``--sheet all``
(every cell as text), against pandas' ``read_excel(sheet_name=None, dtype=str, engine="calamine")`` and a concat
(peer: the same reader as ours).
Issue 24: the history's first ``SHEET_LINES`` lines (1M at medium) as one XLSX sheet and as a CSV, each read by
``read_table`` as the history is (target: the XLSX at most 3x the CSV).  The XLSX is written once by xlsxwriter's
constant_memory mode, which stores every text cell inline (a larger sheet than Excel's shared strings).
Issue 24: the must-stock table written as CSV and as XLSX (``--columns all``: every column, one sheet per dealer,
the summary sheet, number formats), as ``-o`` writes them; target: the XLSX at most 4x the CSV.  Then the dealer
packs (``--per-dealer``): one workbook per dealer and the network summary, committed into a folder.
Issue 26 (``benchmarks/e2e.py``, last): ``spareopt must-stock`` as a whole command, CSV and Parquet out, against
its I/O floor and a polars script and DuckDB SQL of the seed method, each a child process, their seed columns
checked equal to spareopt's.
Issue 25: the report page of the network (``spareopt report``: ``network_report`` + ``report_page``, the plan, the
optimize curve and the lists in one self-contained HTML file), its size (target: at most 20 MB at medium) and its
time against the ``optimize`` run it reports on (target: at most 2x).
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import numpy as np
import pandas as pd

import spareopt
from spareopt.classify import abc
from spareopt.classify.multi import multi_criteria_abc
from spareopt.classify.pattern import demand_pattern, fsn, xyz
from spareopt.forecast import FORECASTERS, forecast
from spareopt.history import clean_lines, demand_matrix
from spareopt.io import read_table, write_table
from spareopt.plan import monthly_variance
from spareopt.policy import stocking_priority
from spareopt.policy.rules import DECISION_CODE_OF_REASON, reason_code
from spareopt.policy.service import implied_service, reorder_point_for
from spareopt.replay import replay
from spareopt.synth import make_network
from spareopt.timing import lead_time_months

from .child import run_child

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
CARPARTS = ROOT.parent / "shared" / "data" / "carparts" / "carparts_long.csv"
SIZES = {"small": (50, 2_000), "medium": (500, 25_000), "large": (2_000, 60_000)}
MONTHS = 36
PEER_SERIES = 100_000
XLSX_LINES = 30_000
"""Lines of the workbook stages: the history's first lines as an XLSX of one sheet per dealer (a dealer group's DMS
export), read with ``--sheet all`` against pandas' ``read_excel(sheet_name=None)`` and a concat (issue 23)."""
SHEET_LINES = {"small": 100_000, "medium": 1_000_000, "large": 1_000_000, "carparts": 100_000}
"""Lines of the spreadsheet stage: one XLSX sheet and the same lines as CSV, both read by ``read_table`` (issue 24's
target: the XLSX at most 3x the CSV at medium)."""
PEER_CV_SERIES = 10_000
"""Series of the statsforecast ``cross_validation`` peer of the backtest (one fit per series and window)."""
MC_PARTS = {"small": 10_000, "medium": 100_000, "large": 100_000, "carparts": 100_000}
"""Parts in the Ramanathan stage (the issue's target: 100k parts)."""
PEER_LP_PARTS = 50
LAST_BUY_PARTS = 100_000
"""Parts in the last-buy stages, at every size (the issue's target: 100k parts x 36 months within seconds)."""
LAST_BUY_FIT_MONTHS = 24
LAST_BUY_HORIZON = 24
PEER_FIT_PARTS = 300
PEER_TRANSFER_PARTS = 300
PEER_BUDGET_ROWS = 200
"""Rows of the pulp peer of the budget optimisation (one binary per step)."""
"""Parts of the pandas transfer peer (a Python loop per part and per sender)."""
"""Parts of the scipy.optimize peer (one minimize call a part) and of the greedy-vs-pulp allocation."""




class PeakRSS:
    """Peak resident memory of this process during a block, sampled every 5 ms from /proc."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()

    @staticmethod
    def now() -> int:
        try:
            with open("/proc/self/statm") as fh:
                return int(fh.read().split()[1]) * 4096
        except OSError:  # not Linux: no sampling
            return 0

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.now())
            time.sleep(0.005)

    def __enter__(self) -> Self:
        self.peak = self.now()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


@dataclass
class Run:
    repeat: int
    quiet: bool
    rows: list[tuple[str, float, str, float]] = field(default_factory=list)
    step: int = 0
    steps: int = 0
    child_peak: int = 0

    def time(self, name: str, fn: Callable[[], Any], floor: str, repeat: int | None = None) -> Any:
        self.step += 1
        self._progress(name)
        best, out, peak = float("inf"), None, 0
        for _ in range(repeat or self.repeat):
            out = None
            with PeakRSS() as rss:
                start = time.perf_counter()
                out = fn()
                best = min(best, time.perf_counter() - start)
            peak = max(peak, rss.peak)
        if self.child_peak:  # a child process: its peak, not this process's
            peak, self.child_peak = self.child_peak, 0
        self.rows.append((name, best, floor, peak / 1e9))
        return out

    def child(self, command: list[str]) -> None:
        """Run ``python -m spareopt ARGS``; its own peak RSS (:func:`benchmarks.child.run_child`) replaces the
        sampled one of this stage."""
        self.child_peak = max(self.child_peak, run_child("spareopt", command)[1])

    def _progress(self, name: str) -> None:
        if not self.quiet and sys.stderr.isatty():
            sys.stderr.write(f"\r\033[K[{self.step}/{self.steps}] {name} ...")
            sys.stderr.flush()

    def done(self) -> None:
        if not self.quiet and sys.stderr.isatty():
            sys.stderr.write("\r\033[K")


def dataset(size: str, quiet: bool) -> tuple[Path, Path | None]:
    """The history and parts files of a size, generated on first use."""
    if size == "carparts":
        if not CARPARTS.exists():
            raise SystemExit(f"carparts is not available at {CARPARTS}")
        return CARPARTS, None
    folder = DATA / size
    history, parts = folder / "history.parquet", folder / "parts.parquet"
    if not history.exists():
        if not quiet:
            print(f"generating the {size} network into {folder} ...", file=sys.stderr)
        n_dealers, n_parts = SIZES[size]
        make_network(n_dealers, n_parts, MONTHS, seed=42, path=folder)
    return history, parts


def pandas_peer(history: pd.DataFrame, n_series: int) -> Callable[[], Any]:
    """The script a planner writes: monthly totals, then groupby().apply for MAD and for ABC."""
    keys = history[["dealer", "part"]].drop_duplicates().head(n_series)
    lines = history.merge(keys, on=["dealer", "part"])

    def run() -> Any:
        frame = lines.assign(period=lines["date"].dt.to_period("M"))
        monthly = frame.groupby(["dealer", "part", "period"], observed=True)["quantity"].sum().clip(lower=0)
        last = monthly.index.get_level_values("period").max()
        weights = np.arange(1, 7) / 21

        def mad(q: pd.Series) -> float:
            q = q.droplevel([0, 1]).reindex(pd.period_range(last - 5, last, freq="M"), fill_value=0)
            return float(np.dot(q.to_numpy(), weights))

        mads = monthly.groupby(level=["dealer", "part"], observed=True).apply(mad)

        def abc_class(values: pd.Series) -> pd.Series:
            ordered = values.sort_values(ascending=False)
            before = (ordered.cumsum() - ordered) / ordered.sum()
            return pd.Series(np.where(before < 0.8, "A", np.where(before < 0.95, "B", "C")), index=ordered.index)

        return mads.groupby(level="dealer", group_keys=False).apply(abc_class)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", choices=[*SIZES, "carparts"], default="small")
    parser.add_argument("--repeat", type=int, default=None, help="best of N (default 3; 1 for large)")
    parser.add_argument("--quiet", action="store_true", help="no progress line on stderr")
    args = parser.parse_args()
    repeat = args.repeat or (1 if args.size == "large" else 3)
    history_path, parts_path = dataset(args.size, args.quiet)
    is_csv = history_path.suffix == ".csv"
    run = Run(repeat, args.quiet, steps=26 + len(FORECASTERS) + 3 + 4 + 9 + 3 + 4 + 7 + (0 if is_csv else 4))
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    reader = (lambda: pacsv.read_csv(history_path)) if is_csv else (lambda: pq.read_table(history_path))
    arrow = run.time("floor: pyarrow read", reader, "io")
    n_lines = arrow.num_rows
    del arrow

    select_holder: dict[str, Any] = {}

    def read() -> Any:
        return read_table(history_path, select=_history_select(select_holder))

    table = run.time("read (typed, by column)", read, "io")
    workbook = _workbook_stages(run, history_path) | _sheet_read_stages(run, history_path, args.size)

    def validate_and_aggregate() -> Any:
        return demand_matrix(clean_lines(table, dict(select_holder["mapping"])))

    matrix = run.time("validate + aggregate to matrix", validate_and_aggregate, "compute")
    table = None  # freed (a name the timed closures read: rebound, not deleted)
    q = matrix.values
    n_series = q.shape[0]
    run.time("floor: matrix.sum()", lambda: q.sum(), "compute")
    parts = spareopt.load_parts(parts_path) if parts_path else None
    part_code = matrix.keys["part"].cat.codes.to_numpy()
    dealer = matrix.keys["dealer"].cat.codes.to_numpy() if matrix.has_dealer else None
    fields = (parts.frame.reindex(pd.Index(matrix.keys["part"])) if parts else pd.DataFrame(index=range(n_series)))
    cost = fields.get("unit_cost", pd.Series(np.nan, index=fields.index)).to_numpy(dtype=np.float64)
    lead = fields.get("lead_time_days", pd.Series(7.0, index=fields.index)).fillna(7).to_numpy(dtype=np.float64)
    cycle = fields.get("order_cycle_days", pd.Series(7.0, index=fields.index)).fillna(7).to_numpy(dtype=np.float64)
    attribute = fields.get("attribute", pd.Series("B", index=fields.index)).fillna("B").to_numpy(dtype="<U1")
    value = matrix.last(12).sum(axis=1) * np.nan_to_num(cost)
    run.time("abc", lambda: abc(value, group=dealer, order=part_code), "compute")
    mad = run.time("mad", lambda: spareopt.mad(q), "compute")
    ssq = spareopt.ssq(mad, cycle, lead)
    run.time("ssq + reorder_point + max_stock", lambda: (spareopt.ssq(mad, cycle, lead),
                                                          spareopt.reorder_point(mad, lead, ssq),
                                                          spareopt.max_stock(mad, lead, cycle, ssq)), "compute")
    hyq = spareopt.half_year_quantity(q)

    high_value = float(np.nanpercentile(cost, 95)) if np.isfinite(cost).any() else float("inf")

    def rules() -> Any:
        reason = reason_code(order_cycle_days=cycle, lead_time_days=lead, attribute=attribute, unit_cost=cost,
                             half_year_quantity=hyq, ssq=ssq, high_value_cost=high_value)
        return stocking_priority(DECISION_CODE_OF_REASON[reason] == 0, ssq, mad, group=dealer, order=part_code)

    run.time("must-stock rules + priority", rules, "compute")
    window = matrix.last(12)
    run.time("classify: xyz (cv over 12 months)", lambda: xyz(window), "compute")
    run.time("classify: fsn + phase flags", lambda: fsn(q), "compute")
    pattern = run.time("classify: demand pattern (ADI, CV2, 24 months)", lambda: demand_pattern(matrix.last(24)),
                       "compute").code
    forecasts = {}
    for method in FORECASTERS:
        forecasts[method] = run.time(f"forecast: {method}", lambda m=method: forecast(q, m), "compute")
    variance = monthly_variance(matrix.last(24))
    mean = forecasts["sba"]
    rop, top, _ = run.time("service-level: reorder point + max (CSL 0.95)",
                           lambda: reorder_point_for(0.95, mean, variance, lead, cycle), "compute")
    run.time("service-level: implied CSL + fill rate of the seed plan",
             lambda: implied_service(spareopt.reorder_point(mad, lead, ssq), spareopt.max_stock(mad, lead, cycle, ssq),
                                     mean, variance, lead, cycle), "compute")
    lead_time = _lead_time_stages(run, matrix, q, pattern, lead, cycle, cost, attribute)
    holdout = np.ascontiguousarray(q[:, -12:])
    run.time("replay: 12 months, every series", lambda: replay(holdout, rop, top, lead_time_months=lead_time_months(lead)),
             "compute")
    peer_series = min(PEER_SERIES, n_series)
    cv_series = min(PEER_CV_SERIES, n_series)
    sf_rows = [SF_MISSING] if _statsforecast() is None else [
        *_statsforecast_peer(run, q[:peer_series], forecasts, peer_series),
        _cross_validation_peer(run, q[:cv_series], lead_time)]
    last_buy = last_buy_matrix(q, part_code, LAST_BUY_PARTS)
    desk_stock = stock_snapshot(matrix, mad)
    budget_steps = catalogue_steps(mean, variance, lead, cycle, cost)
    q = matrix = fields = window = holdout = forecasts = None  # freed before the end-to-end runs
    planned = run.time("must_stock() from the file", lambda: spareopt.must_stock(history_path, parts_path), "io")
    out, plan_report = planned.table, planned.report
    del planned
    engines: dict[str, Any] = {}
    if not is_csv:  # the stream and dask engines read Parquet
        with tempfile.TemporaryDirectory() as tmp:  # the local table waits on disk: the engines' peaks as local's
            local_table = Path(tmp) / "local.pickle"
            with open(local_table, "wb") as fh:
                pickle.dump(out, fh, protocol=pickle.HIGHEST_PROTOCOL)
            out = None
            engines = _engine_stages(run, history_path, parts_path, local_table)
            with open(local_table, "rb") as fh:
                out = pickle.load(fh)
    rows = f"{len(desk_stock.frame):,} stock rows"
    run.time(f"order() from the file + stock ({rows})",
             lambda: spareopt.order(history_path, parts_path, stock=desk_stock), "io")
    dead = run.time(f"dead_stock() from the file + stock ({rows})",
                    lambda: spareopt.dead_stock(history_path, parts_path, stock=desk_stock), "io")
    desk = {"rows": len(desk_stock.frame), "transfers": len(dead.transfers),
            "units": float(dead.transfers["quantity"].sum())}
    if not is_csv:  # the transfers across dealer sets: the network step of the stream engine
        from spareopt.engine import run as run_engine

        streamed = run.time(f"{DEAD_STREAM} ({rows})", lambda: run_engine(
            "dead-stock", history_path, parts_path, stock=desk_stock, engine="stream", partitions=4), "io")
        for got, expected in ((streamed.table, dead.table), (streamed.transfers, dead.transfers)):
            try:
                pd.testing.assert_frame_equal(got, expected, check_exact=True)
            except AssertionError as exc:
                raise AssertionError(f"dead_stock on the stream engine differs from the local engine's: {exc}") \
                    from None
        desk["stream_equal"] = True
        del streamed
    peer_parts = transfer_peer_sample(dead.table, PEER_TRANSFER_PARTS)
    desk["peer"] = run.time(f"peer: pandas groupby-apply transfers ({PEER_TRANSFER_PARTS:,} parts)",
                            lambda: pandas_transfer_peer(peer_parts), "peer-desk", repeat=1)
    desk["peer_parts"] = int(dead.table["part"].nunique())
    dead = desk_stock = None
    seed_budget = float(np.nansum((out["max_stock"] * out["unit_cost"])[out["decision"] == "dealer"]))
    best = run.time(f"optimize() from the file (budget = the seed's {seed_budget:,.0f})",
                    lambda: spareopt.optimize(history_path, parts_path, budget=seed_budget), "io")
    opt = {"budget": seed_budget, "rows": len(best.table), **best.report["optimize"]}
    del best
    page = run.time("report page: network_report() + report_page() from the file",
                    lambda: spareopt.report_page(spareopt.network_report(history_path, parts_path), "report"), "io")
    opt["page_bytes"] = len(page.html.encode("utf-8"))
    opt["page_rows"] = page.data["lists"]["count"]
    del page
    two = run.time(f"optimize(echelons=2) from the file (METRIC, budget {seed_budget:,.0f})",
                   lambda: spareopt.optimize(history_path, parts_path, budget=seed_budget, echelons=2), "io",
                   repeat=1)
    opt["metric"] = two.comparison.to_dict("records")
    del two
    replayed = run.time("evaluate(policies=['two-echelon']) from the file (METRIC, day-by-day replay)",
                        lambda: spareopt.evaluate(history_path, parts_path, policies=["two-echelon"]), "io", repeat=1)
    opt["metric_replay"] = {**replayed.totals.iloc[0].to_dict(), **replayed.report["evaluation"]["two-echelon"]}
    del replayed
    opt.update(_budget_peer(run, budget_steps))
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / "out.parquet"
        arrow_out = pa.Table.from_pandas(out, preserve_index=False)
        run.time("floor: pyarrow write of the output", lambda: pq.write_table(arrow_out, target), "io")
        arrow_out = None
        run.time("write (parquet)", lambda: write_table(out, target), "io")
        spreadsheets = _spreadsheet_stages(run, out, plan_report, Path(tmp))
        out = None
        cli = ["must-stock", str(history_path), "-o", str(target)]
        if parts_path:
            cli[2:2] = ["--parts", str(parts_path)]
        run.time("end-to-end CLI (with interpreter start)", lambda: run.child(cli), "io")
        if not is_csv:
            stream_cli = [*cli[:-1], str(Path(tmp) / "out-stream.parquet"), "--engine", "stream", "-q"]
            run.time(STREAM_CLI, lambda: run.child(stream_cli), "io")
        classify_cli = ["classify", *cli[1:]]
        run.time("end-to-end CLI classify (weighted)", lambda: run.child(classify_cli), "io")
    mc_parts = MC_PARTS[args.size]
    criteria = mc_criteria(mc_parts)
    solved = run.time(f"ramanathan, {mc_parts:,} parts x 4 criteria (pulp)",
                      lambda: multi_criteria_abc(criteria, method="ramanathan"), "mc", repeat=1)
    peer_parts = min(PEER_LP_PARTS, mc_parts)
    run.time(f"peer: pulp, one LP per part, all constraints ({peer_parts} parts)",
             lambda: pulp_peer(criteria[:peer_parts]), "peer-lp", repeat=1)
    lp_solves = solved.report.get("lp_solves", 0)
    last_buy_checks = _last_buy_stages(run, last_buy)
    del last_buy
    if not is_csv:
        history = pq.read_table(history_path).to_pandas(date_as_object=False)
        peer_series = min(PEER_SERIES, n_series)
        run.time(f"peer: pandas groupby-apply MAD + ABC ({peer_series:,} series)",
                 pandas_peer(history, peer_series), "peer", repeat=1)
        del history
    run.done()
    report(args.size, history_path, n_lines, n_series, repeat, run.rows, last_buy_checks, desk, opt, engines,
           workbook, spreadsheets)
    print(_lead_time_line(run.rows, lead_time))
    for line in sf_rows:
        print(line)
    peer_row = next((name, seconds) for name, seconds, floor, _ in run.rows if floor == "peer-lp")
    ours = next(seconds for name, seconds, floor, _ in run.rows if floor == "mc")
    per_lp = peer_row[1] / peer_parts
    print(f"ramanathan on {mc_parts:,} parts: {ours:.2f} s with {lp_solves:,} pulp solves; the peer (one pulp LP "
          f"per part with all {peer_parts} constraints) takes {per_lp * 1000:.0f} ms a part on {peer_parts} parts, "
          f"so at least {per_lp * mc_parts:,.0f} s for {mc_parts:,} ({per_lp * mc_parts / ours:,.0f}x), before "
          f"its constraints grow to {mc_parts:,}")
    if not is_csv and parts_path is not None:  # issue 26: the whole command against its floor and its peers
        print()
        from .e2e import end_to_end

        end_to_end(history_path, parts_path, repeat, label=str(history_path.parent))


STREAM = "must_stock(engine='stream') from the file"
DEAD_STREAM = "dead_stock(engine='stream', partitions=4) from the file + stock"
STREAM_CLI = "end-to-end CLI --engine stream (with interpreter start)"


def dask_stage(workers: int) -> str:
    return f"must_stock(engine='dask'), LocalCluster of {workers} worker{'s' if workers > 1 else ''}"


def _vm_hwm() -> int:
    """This process's peak resident memory in bytes (``VmHWM``); run on each Dask worker."""
    with open("/proc/self/status") as fh:
        return int(next(line for line in fh if line.startswith("VmHWM")).split()[1]) * 1024


def _warm() -> None:
    """Import what a task imports, once per worker, so that a best of 1 does not time the imports."""
    import spareopt.engine
    import spareopt.engine.merge  # noqa: F401


def _engine_stages(run: Run, history: Path, parts: Path | None, local_table: Path) -> dict[str, Any]:
    """``must_stock`` on the stream engine, then on Dask LocalClusters of 1 and 2 workers, each table checked
    against the local engine's (pickled in ``local_table``); the partitions and the workers' peaks.

    Every engine runs the default plan (one dealer set per ``PARTITION_LINES`` lines), so the
    2-worker cluster has something to share only when there are two sets or more.  A cluster
    starts, and its workers import spareopt, before its timed run, and closes after it.
    """
    from spareopt.engine import run as run_engine

    def check(table: pd.DataFrame, label: str) -> None:
        with open(local_table, "rb") as fh:
            expected = pickle.load(fh)
        try:
            pd.testing.assert_frame_equal(table, expected, check_exact=True)
        except AssertionError as exc:
            raise AssertionError(f"must_stock on the {label} differs from the local engine's table: {exc}") from None

    table = run.time(STREAM, lambda: run_engine("must-stock", history, parts, engine="stream"), "io")
    info: dict[str, Any] = {"partitions": table.report["engine"]["partitions"]}
    check(table.table, "stream engine")
    del table
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        info["note"] = "dask is not installed (pip install 'spareopt[dask]'); its stages are skipped"
        return info
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=":0") as cluster, Client(cluster) as client:
            client.run(_warm)
            table = run.time(dask_stage(workers),
                             lambda a=cluster.scheduler_address: run_engine("must-stock", history, parts,
                                                                            engine="dask", scheduler=a), "io")
            info[f"workers_{workers}"] = sorted(client.run(_vm_hwm).values())
        check(table.table, f"dask engine with {workers} worker(s)")
        del table
    return info


def _report_engines(rows: list[tuple[str, float, str, float]], engines: dict[str, Any], matrix_gb: float) -> None:
    """Issue 9: the engines' seconds and peaks, and their ratios."""
    if not engines:
        print("engines: the stream and dask engines read Parquet; this history is CSV, so their stages are skipped")
        return
    t = {name: seconds for name, seconds, _, _ in rows}
    peak = {name: p for name, _, _, p in rows}
    local, stream = "must_stock() from the file", STREAM
    cli, cli_stream = "end-to-end CLI (with interpreter start)", STREAM_CLI
    n = engines["partitions"]
    times = f"local {t[local]:.2f} s, stream {t[stream]:.2f} s"
    if "workers_1" in engines:
        times += f", dask 1 worker {t[dask_stage(1)]:.2f} s, dask 2 workers {t[dask_stage(2)]:.2f} s"
    print(f"engines: must_stock from the file on {n} dealer set{'s' if n > 1 else ''} (the default plan): {times}; "
          "every table equals the local one (assert_frame_equal, exact)")
    print(f"engines: stream / local: time {t[stream] / t[local]:.2f}x, peak RSS of this process "
          f"{peak[stream] / peak[local]:.2f}x ({peak[stream]:.2f} GB vs {peak[local]:.2f} GB); end-to-end CLI "
          f"--engine stream / local: time {t[cli_stream] / t[cli]:.2f}x, the child's peak "
          f"{peak[cli_stream] / peak[cli]:.2f}x ({peak[cli_stream]:.2f} GB vs {peak[cli]:.2f} GB"
          + (f", {peak[cli_stream] / matrix_gb:.2f}x dense matrix)" if matrix_gb else ")"))
    if "workers_1" not in engines:
        print(f"engines: {engines['note']}")
        return
    one, two = dask_stage(1), dask_stage(2)
    w1, w2 = np.array(engines["workers_1"]) / 1e9, np.array(engines["workers_2"]) / 1e9
    print(f"engines: dask 2 workers / 1 worker: time {t[two] / t[one]:.2f}x; peak RSS of this process "
          f"{peak[two] / peak[one]:.2f}x ({peak[two]:.2f} GB vs {peak[one]:.2f} GB), of the largest worker "
          f"{w2.max() / w1.max():.2f}x ({w2.max():.2f} GB vs {w1.max():.2f} GB), of the workers together "
          f"{w2.sum() / w1.sum():.2f}x ({w2.sum():.2f} GB vs {w1.sum():.2f} GB); dask 1 worker / stream: time "
          f"{t[one] / t[stream]:.2f}x (the clusters' start-up not timed)")


SF_MISSING = "peer: statsforecast is not installed (pip install 'spareopt[peers]'); its stages are skipped"


def _statsforecast() -> Any:
    """The statsforecast module (the ``peers`` extra), or None when it is not installed: its stages are skipped."""
    try:
        import statsforecast
    except ImportError:
        return None
    return statsforecast


def _long_frame(q: np.ndarray, ds: Any) -> pd.DataFrame:
    """The series of q in statsforecast's long format: ``unique_id`` (the row), ``ds`` (``ds`` a month), ``y``."""
    n, months = q.shape
    return pd.DataFrame({"unique_id": np.repeat(np.arange(n), months), "ds": np.tile(ds, n), "y": q.reshape(-1)})


def _statsforecast_peer(run: Run, q: np.ndarray, ours: dict[str, np.ndarray], n: int) -> list[str]:
    """statsforecast 2.1.1 on the same n series: one model at a time, its per-series loop; the values compared."""
    import statsforecast
    from statsforecast import StatsForecast
    from statsforecast.models import TSB, CrostonClassic, CrostonSBA, SimpleExponentialSmoothing

    months = q.shape[1]
    frame = _long_frame(q, pd.date_range("2020-01-01", periods=months, freq="MS"))
    models = {"croston": CrostonClassic(), "sba": CrostonSBA(), "tsb": TSB(alpha_d=0.1, alpha_p=0.1),
              "ses": SimpleExponentialSmoothing(alpha=0.1)}
    lines = []
    for method, model in models.items():
        fc = run.time(f"peer: statsforecast {type(model).__name__} ({n:,} series)",
                      lambda m=model: StatsForecast(models=[m], freq="MS", n_jobs=1).forecast(df=frame, h=1),
                      "peer-sf", repeat=1)
        theirs = fc.sort_values("unique_id").iloc[:, -1].to_numpy(dtype=np.float64)
        ours_t = next(s for name, s, _, _ in run.rows if name == f"forecast: {method}") * n / len(ours[method])
        peer_t = run.rows[-1][1]
        diff = float(np.max(np.abs(theirs - ours[method][:n])))
        lines.append(f"peer: statsforecast {statsforecast.__version__} {type(model).__name__} on {n:,} series "
                     f"{peer_t:.2f} s; spareopt {method} {ours_t:.4f} s for as many ({peer_t / ours_t:,.0f}x), "
                     f"max |difference| {diff:.1e}")
    return lines


def _lead_time_stages(run: Run, matrix: Any, q: np.ndarray, pattern: np.ndarray, lead: np.ndarray,
                      cycle: np.ndarray, cost: np.ndarray, attribute: np.ndarray) -> dict[str, Any]:
    """Issue 20: the lead-time demand model on every series, CSL 0.95 (kind 0) for each, its arguments built as
    ``spareopt.plan`` builds them; the priors, three fits, ``auto`` whole, the auto levels."""
    from spareopt.backtest import (
        AUTO_CANDIDATES,
        MAX_BACKTEST_SERIES,
        SCALES,
        demand_inputs,
        demand_sums,
        lead_time_demand,
        sample_mask,
        series_keys,
    )

    n = len(q)
    keys = matrix.keys
    dealer = keys["dealer"].cat.codes.to_numpy() if matrix.has_dealer else None
    args = {"keys": series_keys(keys["dealer"].cat.categories if dealer is not None else None, dealer,
                                keys["part"].cat.categories, keys["part"].cat.codes.to_numpy()),
            "lead_time_days": lead, "order_cycle_days": cycle, "target": np.full(n, 0.95),
            "kind": np.zeros(n, np.int8), "unit_cost": cost, "attribute": attribute}
    pattern = pattern.astype(np.int64)
    auto_cfg = spareopt.Config(lead_time_demand="auto")
    inputs = run.time("lead-time demand: priors (demand_sums + demand_inputs)",
                      lambda: demand_inputs(demand_sums(q, pattern, attribute, auto_cfg)), "compute")
    for model in ("poisson_gamma", "forecast_error", "empirical"):  # given the priors, as the engines fit
        cfg = spareopt.Config(lead_time_demand=model)
        run.time(f"lead-time demand: {model} fit",
                 lambda c=cfg: lead_time_demand(q, pattern, cfg=c, inputs=inputs, **args), "compute")
    backtest = (f"lead-time demand: backtest (auto, {len(AUTO_CANDIDATES)} models x {len(SCALES)} scales, "
                f"<= {MAX_BACKTEST_SERIES // 1000}k series)")
    auto, _, calibration = run.time(backtest, lambda: lead_time_demand(q, pattern, cfg=auto_cfg, **args), "compute")
    run.time("service-level: calibrated levels (auto model, CSL 0.95)",
             lambda: reorder_point_for(0.95, auto.forecast, auto.variance, lead, cycle), "compute")
    horizon = auto_cfg.backtest_months
    replayed = int(((q[:, -horizon - 6:-horizon].sum(axis=1) > 0) & sample_mask(args["keys"], inputs.fraction)).sum())
    return {"backtest": backtest, "series": n, "replayed": replayed, "calibration": calibration,
            "horizon": horizon}


def _lead_time_line(rows: list[tuple[str, float, str, float]], lt: dict[str, Any]) -> str:
    """Issue 20's summary: the lead-time demand stages against the compute floor and must_stock, and what auto chose."""
    from spareopt.backtest import AUTO_CANDIDATES
    from spareopt.classify.pattern import PATTERNS

    t = {name: seconds for name, seconds, _, _ in rows}
    floor, plan, backtest = t["floor: matrix.sum()"], t["must_stock() from the file"], t[lt["backtest"]]
    fits = ", ".join(f"{m} {t[f'lead-time demand: {m} fit']:.2f} s"
                     for m in ("poisson_gamma", "forecast_error", "empirical"))
    cal = lt["calibration"]
    chose = "no backtest" if cal is None else ", ".join(
        f"{p} {AUTO_CANDIDATES[m]} x{s:g}{'' if ok else ' (uncalibrated)'}"
        for p, m, s, ok in zip(PATTERNS, cal.model, cal.scale, cal.calibrated))
    return (f"lead-time demand on {lt['series']:,} series: priors "
            f"{t['lead-time demand: priors (demand_sums + demand_inputs)']:.2f} s, fits {fits}; auto (priors, "
            f"backtest replaying {lt['replayed']:,} series x {lt['horizon']} months, fits) {backtest:.2f} s = "
            f"{backtest / floor:,.0f}x compute floor, {backtest / plan:.2f}x must_stock() from the file "
            f"({plan:.2f} s, auto included); auto chose: {chose}")


def _cross_validation_peer(run: Run, q: np.ndarray, lt: dict[str, Any]) -> str:
    """statsforecast's ``cross_validation`` (CrostonSBA, h = the backtest's months, one window) on the first series:
    the rolling-origin evaluation the backtest vectorises; per series against the backtest, values at the origin."""
    import statsforecast
    from statsforecast import StatsForecast
    from statsforecast.models import CrostonSBA

    n, months = q.shape
    h = lt["horizon"]
    frame = _long_frame(q, np.arange(months))
    fc = run.time(f"peer: statsforecast cross_validation CrostonSBA ({n:,} series, 1 window)",
                  lambda: StatsForecast(models=[CrostonSBA()], freq=1, n_jobs=1).cross_validation(
                      df=frame, h=h, n_windows=1), "peer-sf", repeat=1)
    peer_t = run.rows[-1][1]
    theirs = fc[fc["ds"] == months - h].sort_values("unique_id")["CrostonSBA"].to_numpy(dtype=np.float64)
    diff = float(np.max(np.abs(theirs - forecast(q[:, :months - h], "sba"))))
    ours_t = next(s for name, s, _, _ in run.rows if name == lt["backtest"])
    ours, peer = ours_t / lt["series"], peer_t / n
    return (f"peer: statsforecast {statsforecast.__version__} cross_validation CrostonSBA (h={h}, 1 window) on {n:,} "
            f"series {peer_t:.2f} s, {peer * 1000:.3f} ms a series; spareopt's backtest (auto whole: priors, every "
            f"model x scale replayed, fits) {ours * 1000:.4f} ms a series of the matrix ({ours / peer:.2f}x the peer's "
            f"per series), {ours_t / max(lt['replayed'], 1) * 1000:.4f} ms a series replayed; "
            f"CrostonSBA at the origin vs our sba: max |difference| {diff:.1e}")


def catalogue_steps(f: np.ndarray, v: np.ndarray, lead: np.ndarray, cycle: np.ndarray, cost: np.ndarray) -> Any:
    """The budget steps of the first PEER_BUDGET_ROWS rows with demand and a price (the pulp peer's sample)."""
    from spareopt.policy.budget import service_steps
    from spareopt.policy.service import lead_demand, model_codes, protection_arrays, review_quantity

    rows = np.flatnonzero((f > 0) & np.isfinite(cost) & (cost > 0))[:PEER_BUDGET_ROWS]
    f, v, lead, cycle, cost = f[rows], v[rows], lead[rows], cycle[rows], cost[rows]
    mu, var, mu_r, _ = protection_arrays(f, v, lead, cycle)
    return service_steps(12 * f, mu, var, model_codes(mu, var, 10.0, 1.1), review_quantity(f, mu_r).astype(float),
                         *lead_demand(f, v, lead), mu_r, cost)


def _budget_peer(run: Run, steps: Any) -> dict[str, Any]:
    """The greedy against pulp's integer optimum on the same sample, at a third of its full value."""
    from spareopt.policy.budget import greedy_steps, integer_steps

    budget = float(steps.cost.sum()) / 3
    greedy = run.time("budget: greedy on the sample", lambda: greedy_steps(steps, budget), "alloc")
    exact = run.time("peer: pulp integer programme on the sample",
                     lambda: integer_steps(steps, [(steps.cost, budget)]), "peer-alloc", repeat=1)
    g, p = float(steps.gain[greedy].sum()), float(steps.gain[exact].sum())
    return {"peer_rows": int(steps.row.max()) + 1 if len(steps) else 0, "peer_steps": len(steps),
            "greedy_gain": g, "pulp_gain": p, "gap": (p - g) / p if p else 0.0,
            "largest": float(steps.gain.max(initial=0.0))}


def stock_snapshot(matrix: Any, mad: np.ndarray) -> spareopt.Stock:
    """A stock file of every series: on hand ~ Poisson(3 x MAD), so that some rows sit below their reorder point,
    some above their maximum (excess to transfer or return), and idle rows keep a unit or two (dead stock)."""
    rng = np.random.default_rng(21)
    n = len(mad)
    on_hand = rng.poisson(3.0 * mad) + np.where(mad == 0, rng.integers(0, 3, n), 0)
    frame = pd.DataFrame({"part": matrix.keys["part"].astype(str), "on_hand": on_hand,
                          "on_order": np.where(rng.random(n) < 0.1, 1, 0)})
    if matrix.has_dealer:
        frame.insert(0, "dealer", matrix.keys["dealer"].astype(str))
    return spareopt.load_stock(frame)


def transfer_peer_sample(dead: pd.DataFrame, n_parts: int) -> pd.DataFrame:
    """The rows of the first n parts with excess, and the receivers a planner would list for them."""
    parts = dead.loc[dead["excess_qty"] > 0, "part"].drop_duplicates().head(n_parts)
    return dead[dead["part"].isin(parts)][["dealer", "part", "excess_qty", "max_stock", "on_hand"]] \
        if "dealer" in dead else dead.iloc[:0]


def pandas_transfer_peer(rows: pd.DataFrame) -> Any:
    """The planner's script: per part, walk the senders and the receivers in Python (groupby-apply)."""
    def match(group: pd.DataFrame) -> list[tuple[str, str, float]]:
        senders = group[group["excess_qty"] > 0].sort_values("excess_qty", ascending=False)
        receivers = group[group["on_hand"] < group["max_stock"]].assign(
            need=lambda g: g["max_stock"] - g["on_hand"]).sort_values("need", ascending=False)
        moves, needs = [], dict(zip(receivers["dealer"], receivers["need"]))
        for dealer, excess in zip(senders["dealer"], senders["excess_qty"]):
            for to, need in list(needs.items()):
                qty = min(excess, need)
                if qty <= 0:
                    continue
                moves.append((dealer, to, qty))
                excess -= qty
                needs[to] = need - qty
        return moves

    return rows.groupby("part", observed=True).apply(match, include_groups=False)


def last_buy_matrix(q: np.ndarray, part_code: np.ndarray, n: int) -> np.ndarray:
    """A parts x months matrix of n parts for the last-buy stages.

    A network of at least n parts gives its own: the dealer x part matrix summed over
    the dealers of each part (returns netted below 0 count as no demand), its first
    n parts.  Every size here has fewer than 100k parts (small 2,000, medium 25,000,
    large 60,000, carparts 2,674), so every size uses the other one: a seeded
    declining-Poisson matrix, MONTHS months, rate_now ~ gamma(0.6, 2) units a month
    the month after the last, decay ~ uniform(0, 0.1) a month.
    """
    n_parts = int(part_code.max()) + 1 if part_code.size else 0
    if n_parts >= n:
        return np.column_stack([np.maximum(np.bincount(part_code, weights=q[:, m], minlength=n_parts)[:n], 0.0)
                                for m in range(q.shape[1])])
    rng = np.random.default_rng(6)
    rate_now, decay = rng.gamma(0.6, 2.0, n), rng.uniform(0.0, 0.1, n)
    age = np.arange(MONTHS, 0, -1, dtype=np.float64)  # the last month is 1 month before the horizon
    return rng.poisson(rate_now[:, None] * np.exp(decay[:, None] * age)).astype(np.float64)


def _last_buy_stages(run: Run, y: np.ndarray) -> dict[str, Any]:
    """Fit, quantities and the budget allocation of the last buy, each against its peer; what the report prints."""
    from scipy import stats

    from spareopt.policy.allocate import greedy_allocation, integer_allocation
    from spareopt.policy.decline import decline_dispersion, fit_decline, horizon_demand, last_buy_quantity

    n, months = y.shape
    h = LAST_BUY_HORIZON
    run.time(f"floor: last-buy matrix.sum() ({n:,} x {months})", lambda: y.sum(), "lb-floor")
    fit = run.time(f"last buy: fit_decline ({n:,} parts x {LAST_BUY_FIT_MONTHS} of {months} months)",
                   lambda: fit_decline(y, fit_months=LAST_BUY_FIT_MONTHS), "lb")
    rate_now, decay = fit
    quantity = run.time(f"last buy: quantities, Poisson (CSL 0.95, {h} months)",
                        lambda: last_buy_quantity(rate_now, decay, h, service_level=0.95), "lb")
    run.time("last buy: dispersion + quantities, negative binomial",
             lambda: last_buy_quantity(rate_now, decay, h, service_level=0.95, distribution="negative_binomial",
                                       dispersion=decline_dispersion(fit, h)), "lb")
    every_mean = horizon_demand(rate_now, decay, h)
    every_cost = np.exp(np.random.default_rng(12).normal(3.5, 1.2, n))

    def every_filled(part: np.ndarray, level: np.ndarray) -> np.ndarray:
        return stats.poisson.sf(level, every_mean[part])

    run.time(f"last buy: greedy budget allocation ({n:,} parts, {int(quantity.sum()):,} units)",
             lambda: greedy_allocation(np.zeros(n, dtype=np.int64), quantity, every_filled, every_cost,
                                       0.5 * float(quantity @ every_cost)), "lb")
    k = min(PEER_FIT_PARTS, n)
    theirs = run.time(f"peer: scipy.optimize per part ({k} parts)",
                      lambda: scipy_decline_peer(y[:k, -LAST_BUY_FIT_MONTHS:]), "peer-fit", repeat=1)
    sold = fit.fit_demand[:k] > 0
    rate_diff = np.abs(theirs[:, 0] - rate_now[:k]) / np.maximum(rate_now[:k], 1e-300)
    decay_diff = np.abs(theirs[:, 1] - decay[:k]) / np.maximum(decay[:k], 1e-3)  # absolute below k = 0.001
    ppf = run.time(f"peer: scipy.stats.poisson.ppf ({n:,} parts)",
                   lambda: stats.poisson.ppf(0.95, horizon_demand(rate_now, decay, h)), "peer-fit")
    # the allocation: the first parts that buy anything, random unit costs, half the value of the unconstrained buy
    chosen = np.flatnonzero(quantity > 0)[:PEER_FIT_PARTS]
    limit, mean = quantity[chosen], horizon_demand(rate_now[chosen], decay[chosen], h)
    cost = np.exp(np.random.default_rng(11).normal(3.5, 1.2, len(chosen)))
    budget = 0.5 * float(limit @ cost)
    start = np.zeros(len(chosen), dtype=np.int64)

    def filled(part: np.ndarray, level: np.ndarray) -> np.ndarray:  # P(D > level): units filled by one more
        return stats.poisson.sf(level, mean[part])

    greedy = run.time(f"last buy: greedy budget allocation ({len(chosen)} parts)",
                      lambda: greedy_allocation(start, limit, filled, cost, budget), "alloc")
    exact = run.time(f"peer: pulp integer programme (same {len(chosen)} parts)",
                     lambda: integer_allocation(start, limit, filled, [cost], [budget]), "peer-alloc", repeat=1)
    return {"parts": n, "months": months, "peer_parts": k, "peer_sold": int(sold.sum()),
            "rate_diff": float(rate_diff[sold].max(initial=0.0)),
            "decay_diff": float(decay_diff[sold].max(initial=0.0)),
            "ppf_differ": int((ppf != quantity).sum()), "alloc_parts": len(chosen), "alloc_units": int(limit.sum()),
            "greedy_gain": greedy.gain, "greedy_used": float(greedy.used[0]), "pulp_gain": exact.gain,
            "pulp_used": float(exact.used[0]), "budget": budget}


def scipy_decline_peer(window: np.ndarray) -> np.ndarray:
    """The textbook way: a Poisson regression per part, log rate = a + k d, scipy.optimize (L-BFGS-B, 0 <= k <= 2).

    d is the age of a month (1 = the last month of the window) and exp(a) the rate the month
    after it, as in ``fit_decline``; the analytic gradient, tolerances tight enough to compare.
    Returns rate_now and decay per part, 0 and 0 for a part without demand.
    """
    from scipy import optimize

    age = np.arange(window.shape[1], 0, -1, dtype=np.float64)
    out = np.zeros((len(window), 2))
    for i, y in enumerate(window):  # the peer's loop over parts, timed on purpose
        total = y.sum()
        if total == 0:
            continue

        def nll(x: np.ndarray, y: np.ndarray = y, total: float = total) -> tuple[float, np.ndarray]:
            rate = np.exp(x[0] + x[1] * age)
            return rate.sum() - total * x[0] - x[1] * (y @ age), np.array([rate.sum() - total, rate @ age - y @ age])

        fit = optimize.minimize(nll, [np.log(total / len(y)), 0.0], jac=True, method="L-BFGS-B",
                                bounds=[(None, None), (0.0, 2.0)], options={"ftol": 1e-15, "gtol": 1e-10})
        out[i] = np.exp(fit.x[0]), fit.x[1]
    return out


def mc_criteria(n: int) -> np.ndarray:
    """Criteria of n parts like a parts master's: annual value, unit cost (lognormal), criticality, commonality."""
    rng = np.random.default_rng(7)
    cost = np.exp(rng.normal(3.5, 1.2, n))
    return np.column_stack([cost * rng.gamma(0.6, 40, n), cost, rng.choice([0.01, 0.5, 1.0], n, p=[.5, .3, .2]),
                            rng.integers(1, 13, n)]).astype(np.float64)


def pulp_peer(criteria: np.ndarray) -> np.ndarray:
    """The textbook way: one pulp LP per part over every part's constraint (Ramanathan 2006 as written)."""
    import pulp

    from spareopt.classify.multi import min_max_scale

    y = min_max_scale(criteria)
    scores = np.empty(len(y))
    for i in range(len(y)):  # the peer's loop over parts, timed on purpose
        problem = pulp.LpProblem("ramanathan", pulp.LpMaximize)
        w = [pulp.LpVariable(f"w{j}", lowBound=0) for j in range(y.shape[1])]
        problem += pulp.lpDot(y[i].tolist(), w)
        for k in range(len(y)):
            problem += pulp.lpDot(y[k].tolist(), w) <= 1
        problem.solve(pulp.PULP_CBC_CMD(msg=False))
        scores[i] = pulp.value(problem.objective)
    return scores


def dealer_workbook(history_path: Path) -> Path:
    """The history's first :data:`XLSX_LINES` lines as an XLSX of one sheet per dealer (one sheet without a dealer
    column), written once beside the history."""
    path = history_path.with_name(f"{history_path.stem}_{XLSX_LINES}_by_dealer.xlsx")
    if path.exists():
        return path
    if history_path.suffix == ".csv":
        frame = pd.read_csv(history_path, nrows=XLSX_LINES, dtype=str)
    else:
        import pyarrow.parquet as pq

        frame = next(pq.ParquetFile(history_path).iter_batches(batch_size=XLSX_LINES)).to_pandas().astype(str)
    groups = frame.groupby("dealer", sort=True) if "dealer" in frame else [("history", frame)]
    temporary = path.with_suffix(".tmp")
    with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
        for name, lines in groups:
            lines.to_excel(writer, sheet_name=str(name)[:31], index=False)
    temporary.replace(path)
    return path


def _workbook_stages(run: Run, history_path: Path) -> dict[str, Any]:
    """The XLSX reading of ``--sheet all`` on a workbook of one sheet per dealer, and the pandas peer."""
    path = dealer_workbook(history_path)
    ours = run.time(f"read XLSX, a sheet per dealer (--sheet all, {XLSX_LINES:,} lines)",
                    lambda: read_table(path, sheet="all", select=_history_select({})), "xlsx")
    peer = run.time("peer: pandas read_excel(sheet_name=None, calamine) + concat",
                    lambda: pd.concat(pd.read_excel(path, sheet_name=None, dtype=str, engine="calamine"),
                                      ignore_index=True), "peer-xlsx", repeat=1)
    assert len(ours) == len(peer), (len(ours), len(peer))  # the same lines, every sheet
    return {"lines": len(ours), "sheets": len(ours.sheets)}


WRITE_CSV, WRITE_XLSX, WRITE_PACKS = "write (csv)", "write (xlsx, --columns all, a sheet per dealer)", "dealer packs"


def _spreadsheet_stages(run: Run, table: pd.DataFrame, plan_report: dict[str, Any], folder: Path) -> dict[str, Any]:
    """The must-stock table as CSV and as XLSX, as ``-o`` writes them (issue 24), and as dealer packs."""
    from spareopt.io import Outputs
    from spareopt.outputs import dealer_packs, table_view

    result = spareopt.Result(table, plan_report)
    view = table_view(result, "must-stock")
    run.time(WRITE_CSV, lambda: write_table(view.table, folder / "out.csv", layout=view.layout), "io")
    run.time(WRITE_XLSX, lambda: write_table(view.table, folder / "out.xlsx", summary=view.summary, sheet_by="dealer",
                                             layout=view.layout), "io")
    packs = dealer_packs(result, "must-stock") if "dealer" in table.columns else None

    def write_packs() -> None:
        with Outputs() as out:
            out.add("-o", folder / "packs", folder=True)
            out.write_folder("-o", packs.files)

    if packs is not None:
        run.time(f"{WRITE_PACKS} ({len(packs.files) - 1:,} workbooks + summary)", write_packs, "io", repeat=1)
    else:
        run.step += 1
    return {"rows": len(table), "sheets": int(table["dealer"].nunique()) if "dealer" in table.columns else 1,
            "packs": len(packs.files) - 1 if packs is not None else 0,
            "xlsx_mb": (folder / "out.xlsx").stat().st_size / 1e6, "csv_mb": (folder / "out.csv").stat().st_size / 1e6}


def _report_spreadsheets(rows: list[tuple[str, float, str, float]], sheets: dict[str, Any]) -> None:
    stage = {name.split(" (")[0]: seconds for name, seconds, _, _ in rows}
    csv_s = next(seconds for name, seconds, _, _ in rows if name == WRITE_CSV)
    xlsx_s = next(seconds for name, seconds, _, _ in rows if name == WRITE_XLSX)
    print(f"XLSX: {sheets['rows']:,} must-stock rows, every column, {sheets['sheets']:,} dealer sheets: {xlsx_s:.2f} s "
          f"({sheets['xlsx_mb']:.1f} MB); CSV {csv_s:.2f} s ({sheets['csv_mb']:.1f} MB); target: XLSX <= 4x CSV: "
          f"{xlsx_s / csv_s:.2f}x")
    if sheets["packs"]:
        print(f"dealer packs: {sheets['packs']:,} workbooks + summary.xlsx in {stage[WRITE_PACKS]:.2f} s "
              f"({stage[WRITE_PACKS] / sheets['packs'] * 1000:.1f} ms a dealer)")


def line_files(history_path: Path, lines: int) -> tuple[Path, Path]:
    """The history's first ``lines`` lines as one XLSX sheet and as a CSV (text dates, numbers as numbers), written
    once beside the history: the XLSX by xlsxwriter's constant_memory mode, row by row."""
    csv_path = history_path.with_name(f"{history_path.stem}_{lines}.csv")
    xlsx_path = csv_path.with_suffix(".xlsx")
    if csv_path.exists() and xlsx_path.exists():
        return xlsx_path, csv_path
    import xlsxwriter

    if history_path.suffix == ".csv":
        frame = pd.read_csv(history_path, nrows=lines, dtype=str)
    else:
        import pyarrow.parquet as pq

        batches = pq.ParquetFile(history_path).iter_batches(batch_size=min(lines, 1 << 20))
        frame = pd.concat([b.to_pandas() for b in _first_rows(batches, lines)], ignore_index=True).head(lines)
    for column in frame.columns:  # dates as the text a DMS writes: 2024-03-15
        if pd.api.types.is_datetime64_any_dtype(frame[column]):
            frame[column] = frame[column].dt.strftime("%Y-%m-%d")
        elif pd.api.types.infer_dtype(frame[column], skipna=True) == "date":
            frame[column] = frame[column].astype(str)
    temporary = csv_path.with_suffix(".tmp")
    frame.to_csv(temporary, index=False)
    temporary.replace(csv_path)
    book = xlsxwriter.Workbook(str(temporary), {"constant_memory": True})
    sheet = book.add_worksheet("history")
    sheet.write_row(0, 0, list(frame.columns))
    numbers = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    columns = [frame[c].to_numpy(dtype=np.float64 if n else object) for c, n in zip(frame.columns, numbers)]
    for i in range(len(frame)):  # a generator's loop over rows, written once: not a computation of spareopt's
        for j, (values, number) in enumerate(zip(columns, numbers)):
            (sheet.write_number if number else sheet.write_string)(i + 1, j, values[i])
    book.close()
    temporary.replace(xlsx_path)
    return xlsx_path, csv_path


def _first_rows(batches: Any, lines: int) -> Any:
    seen = 0
    for batch in batches:
        yield batch
        seen += batch.num_rows
        if seen >= lines:
            return


def _sheet_read_stages(run: Run, history_path: Path, size: str) -> dict[str, Any]:
    """One XLSX sheet against the same lines as CSV, each read by ``read_table`` as the history is."""
    xlsx_path, csv_path = line_files(history_path, SHEET_LINES[size])
    with csv_path.open("rb") as fh:
        lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b"")) - 1  # the header
    from_csv = run.time(f"read CSV ({lines:,} lines)", lambda: read_table(
        csv_path, select=_history_select({})), "sheet-csv")
    from_xlsx = run.time(f"read XLSX, one sheet ({lines:,} lines)", lambda: read_table(
        xlsx_path, select=_history_select({})), "sheet-xlsx")
    assert len(from_csv) == len(from_xlsx), (len(from_csv), len(from_xlsx))  # the same lines
    return {"sheet_lines": len(from_xlsx)}


def _history_select(holder: dict[str, Any]) -> Callable[[list[str]], dict[str, str]]:
    from spareopt.columns import HISTORY_COLUMNS, resolve_columns

    def select(headers: list[str]) -> dict[str, str]:
        mapping = resolve_columns(headers, HISTORY_COLUMNS, source="history", required=("part", "quantity"),
                                  one_of=("date", "period"))
        holder["mapping"] = mapping
        return {h: "number" if c in ("quantity", "unit_price") else "text" for c, h in mapping.items()}

    return select


def report(size: str, path: Path, n_lines: int, n_series: int, repeat: int,
           rows: list[tuple[str, float, str, float]], last_buy: dict[str, Any] | None = None,
           desk: dict[str, Any] | None = None, opt: dict[str, Any] | None = None,
           engines: dict[str, Any] | None = None, workbook: dict[str, Any] | None = None,
           spreadsheets: dict[str, Any] | None = None) -> None:
    t = {name: seconds for name, seconds, _, _ in rows}
    io_floor = t["floor: pyarrow read"] + t["floor: pyarrow write of the output"]
    compute_floor = t["floor: matrix.sum()"]
    lb_floor = next((seconds for name, seconds, floor, _ in rows if floor == "lb-floor"), None)
    matrix_gb = n_series * MONTHS * 8 / 1e9 if size != "carparts" else n_series * 51 * 8 / 1e9
    print(f"size {size}: {path.name}, {n_lines:,} lines, {n_series:,} series; best of {repeat}")
    print(f"{'stage':<64}{'seconds':>10}{'ratio':>14}{'peak RSS GB':>13}")
    for name, seconds, floor, peak in rows:
        if floor == "io":
            ratio = f"{seconds / io_floor:.2f}x io"
        elif floor == "compute":
            ratio = f"{seconds / compute_floor:,.1f}x sum"
        elif floor == "lb" and lb_floor:
            ratio = f"{seconds / lb_floor:,.1f}x sum"
        else:
            ratio = ""
        print(f"{name:<64} {seconds:>9.4f} {ratio:>13}{peak:>13.2f}")
    compute = sum(t[k] for k in ("abc", "mad", "ssq + reorder_point + max_stock", "must-stock rules + priority"))
    peak = next(p for name, _, _, p in rows if name.startswith("end-to-end CLI"))
    e2e = t["must_stock() from the file"] + t["write (parquet)"]
    print()
    print(f"I/O floor (read + write) {io_floor:.3f} s; compute floor {compute_floor:.5f} s; "
          f"dense matrix {matrix_gb:.2f} GB")
    print(f"target: read + must_stock + write <= 2x I/O floor: {e2e / io_floor:.2f}x")
    print(f"target: compute stages <= 10x compute floor: {compute / compute_floor:.1f}x")
    classify = sum(seconds for name, seconds, _, _ in rows if name.startswith("classify: "))
    print(f"classify stages (xyz + fsn + pattern) on the matrix: {classify:.3f} s, "
          f"{classify / compute_floor:.1f}x compute floor")
    print(f"target: peak memory of the CLI run <= 3x dense matrix: {peak / matrix_gb:.2f}x ({peak:.2f} GB)"
          if matrix_gb else "")
    peer = [(name, s) for name, s, floor, _ in rows if floor == "peer"]
    if peer:
        name, seconds = peer[0]
        series = int(name.split("(")[1].split(" ")[0].replace(",", ""))
        ours = (t["mad"] + t["abc"]) * series / n_series
        print(f"peer: pandas groupby-apply MAD + ABC takes {seconds:.2f} s for {series:,} series; spareopt's "
              f"mad + abc on the matrix {ours:.4f} s for as many ({seconds / ours:,.0f}x)")
    if workbook:
        ours = next(seconds for _, seconds, floor, _ in rows if floor == "xlsx")
        pandas_s = next(seconds for _, seconds, floor, _ in rows if floor == "peer-xlsx")
        print(f"XLSX: --sheet all reads {workbook['lines']:,} lines from {workbook['sheets']:,} dealer sheets in "
              f"{ours:.2f} s, every cell as text; pandas read_excel(sheet_name=None, engine='calamine') + concat "
              f"{pandas_s:.2f} s "
              f"({pandas_s / ours:.2f}x ours)")
        from_csv = next(seconds for _, seconds, floor, _ in rows if floor == "sheet-csv")
        from_xlsx = next(seconds for _, seconds, floor, _ in rows if floor == "sheet-xlsx")
        print(f"target: reading a {workbook['sheet_lines']:,}-line XLSX <= 3x the same CSV (read_table): "
              f"{from_xlsx / from_csv:.1f}x ({from_xlsx:.2f} s vs {from_csv:.2f} s)")
    if spreadsheets:
        _report_spreadsheets(rows, spreadsheets)
    if engines is not None:
        _report_engines(rows, engines, matrix_gb)
    if last_buy:
        _report_last_buy(rows, last_buy)
    if opt:
        stage = {name.split(" (")[0]: seconds for name, seconds, _, _ in rows}
        print(f"optimize: {opt['rows']:,} dealer x part rows, {opt['steps']:,} steps, budget {opt['budget']:,.0f} "
              f"(the seed plan's): {stage['optimize() from the file']:.2f} s from the file (must_stock alone "
              f"{t['must_stock() from the file']:.2f} s); expected fill {opt['expected_fill_rate']:.3f} against the "
              f"seed's {opt['markers']['seed'][1]:.3f}")
        generation = stage["report page: network_report() + report_page() from the file"]
        print(f"report page: {opt['page_bytes'] / 1e6:.1f} MB (target <= 20 MB), {opt['page_rows']:,} rows listed; "
              f"generated in {generation:.2f} s = {generation / stage['optimize() from the file']:.2f}x the optimize "
              "run it reports on (target <= 2x)")
        for row in opt.get("metric", []):
            print(f"optimize --echelons 2 ({stage['optimize(echelons=2) from the file']:.2f} s): {row['plan']}: "
                  f"stock value {row['stock_value']:,.0f} (central {row['central_stock_value']:,.0f}), expected "
                  f"dealer backorders {row['expected_backorders']:,.1f}, fill rate {row['expected_fill_rate']:.3f}, "
                  f"wait {row['expected_wait_days']:.2f} days")
        if opt.get("metric_replay"):
            m = opt["metric_replay"]
            seconds = stage["evaluate(policies=['two-echelon']) from the file"]
            print(f"evaluate two-echelon ({seconds:.2f} s): promised fill {m['promised_fill_rate']:.3f} on the stocked "
                  f"series, network fill {m['fill_rate']:.3f} in the replay; wait {m['promised_wait_days']:.2f} days "
                  f"expected, "
                  f"{m['wait_days']:.2f} replayed")
        print(f"optimize peer: on {opt['peer_rows']} rows ({opt['peer_steps']:,} steps) the greedy takes "
              f"{stage['budget: greedy on the sample'] * 1000:.1f} ms and fills {opt['greedy_gain']:,.3f} units a "
              f"year; pulp's optimum {stage['peer: pulp integer programme on the sample']:.2f} s, "
              f"{opt['pulp_gain']:,.3f}: gap {opt['gap']:.1e} (the largest step gains {opt['largest']:,.3f})")
    if desk:
        stage = {name.split(" (")[0]: seconds for name, seconds, _, _ in rows}
        plan = t["must_stock() from the file"]
        order_s, dead_s = stage["order() from the file + stock"], stage["dead_stock() from the file + stock"]
        peer = desk["peer"]
        print(f"parts desk: order {order_s:.2f} s and dead_stock {dead_s:.2f} s on {desk['rows']:,} stock rows "
              f"(must_stock alone {plan:.2f} s: the stock join and the jobs add {order_s - plan:+.2f} s and "
              f"{dead_s - plan:+.2f} s); {desk['transfers']:,} transfers, {desk['units']:,.0f} units")
        if peer is not None and PEER_TRANSFER_PARTS:
            per = stage["peer: pandas groupby-apply transfers"] / PEER_TRANSFER_PARTS
            print(f"peer: pandas groupby-apply transfer matching takes {per * 1000:.2f} ms a part, "
                  f"{per * desk['peer_parts']:,.1f} s for the {desk['peer_parts']:,} parts on the shelf, against "
                  f"dead_stock's whole run {dead_s:.2f} s")
        if desk.get("stream_equal"):
            streamed = stage[DEAD_STREAM]
            print(f"dead_stock on the stream engine, 4 dealer sets: {streamed:.2f} s ({streamed / dead_s:.2f}x the "
                  "local run); its table and transfers equal the local engine's")

def _report_last_buy(rows: list[tuple[str, float, str, float]], lb: dict[str, Any]) -> None:
    stage = {name.split(" (")[0]: seconds for name, seconds, _, _ in rows}
    fit, poisson = stage["last buy: fit_decline"], stage["last buy: quantities, Poisson"]
    nb = stage["last buy: dispersion + quantities, negative binomial"]
    ours = fit + poisson + nb
    peer = stage["peer: scipy.optimize per part"] / lb["peer_parts"] * lb["parts"]
    print(f"last buy: fit + quantities for {lb['parts']:,} parts x {lb['months']} months: {ours:.2f} s (fit "
          f"{fit:.2f} s, Poisson {poisson:.2f} s, negative binomial {nb:.2f} s; target: within seconds); "
          f"scipy.optimize per part would take {peer:,.0f} s for the fit alone ({peer / ours:,.0f}x all of ours, "
          f"{peer / fit:,.0f}x our fit)")
    agree = "yes" if max(lb["rate_diff"], lb["decay_diff"]) < 1e-4 else "NO"
    ppf = stage["peer: scipy.stats.poisson.ppf"]
    print(f"last buy: scipy.optimize on {lb['peer_parts']} parts ({lb['peer_sold']} with demand), max relative "
          f"difference rate_now {lb['rate_diff']:.1e}, decay {lb['decay_diff']:.1e} (< 1e-4: {agree}); "
          f"scipy.stats.poisson.ppf {ppf:.2f} s vs our Poisson quantities {poisson:.2f} s "
          f"({ppf / poisson:.1f}x), {lb['ppf_differ']:,} of {lb['parts']:,} quantities differ")
    greedy, pulp = stage["last buy: greedy budget allocation"], stage["peer: pulp integer programme"]
    gap = (lb["pulp_gain"] - lb["greedy_gain"]) / lb["pulp_gain"] if lb["pulp_gain"] else 0.0
    print(f"last buy: greedy budget allocation on {lb['alloc_parts']} parts ({lb['alloc_units']:,} units, budget "
          f"{lb['budget']:,.0f} = half the unconstrained buy) {greedy * 1000:.1f} ms, {lb['greedy_gain']:,.3f} "
          f"units filled using {lb['greedy_used']:,.0f}; pulp's optimum {pulp:.2f} s, {lb['pulp_gain']:,.3f} using "
          f"{lb['pulp_used']:,.0f}: gap {gap:.1e}, greedy {pulp / greedy:,.0f}x faster")


if __name__ == "__main__":
    main()
