"""Larger than memory, larger than one machine: the ``stream`` and ``dask`` engines.

The local engine holds the whole network's demand matrix.  These two read a Parquet
history one **dealer set** (a partition) at a time and run the same vectorised job on
each, with the network-level inputs every partition needs computed first:

0. **Scan** (:mod:`spareopt.engine.scan`) every row group (in parallel on Dask): every row is checked as
   :func:`spareopt.load_history` checks it (an error names the file and its row), and the
   network's months, dealers, parts and run-report counts are reduced.
1. **Network sums**, when the job needs them: each partition's series sums (the history's
   unit price, the multi-criteria ABC's window quantity and hits) are folded into per-part
   totals **in dealer order**, the order the local engine sums its series in, so the float
   sums are bit for bit the local engine's.
2. **The job** on each partition, on its :class:`spareopt.inputs.Inputs`, which carry the :class:`Network`:
   the network's first month, as_of, parts, part fields (unit cost from the history's price, defaults) and
   multi-criteria classes.  Partitions are contiguous ranges of the sorted dealers, so
   their tables, concatenated, are the local engine's table row for row.

Dealers are independent in every supported job (ABC, the rules, the stock levels, the
replay, the order and the KPIs are per dealer); what crosses dealers is the network
aggregates above, the KPIs' network row (the sum of the dealer rows), and two network
steps run once on rows gathered from every partition:

- ``dead-stock``: the shelf rows with excess or need are matched across dealers
  (:func:`spareopt.jobs.dead_stock.settle_dead_stock`);
- ``evaluate --policy optimized``: the seed's investment is spent by one marginal analysis on
  every partition's budget steps (:func:`spareopt.engine.merge.spend`); each partition then replays
  the levels its steps were given.

References
----------
``docs/scale-out.md``: the plan for 3,000 dealers x 50k parts, with its arithmetic.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import itertools
import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..backtest import DemandInputs, choose, demand_inputs, installed_base
from ..classify.table import master_criteria, multi_criteria_classes, series_criteria
from ..columns import columns_of
from ..config import Config, load_config, with_options
from ..errors import UsageError
from ..history import (
    DemandMatrix,
    History,
    ReadLimits,
    as_of_gap,
    check_months,
    check_network_span,
    clean_lines,
    demand_matrix,
    month_ordinal,
)
from ..inputs import Inputs, average_price, load, resolution_at, supersession_table
from ..lang import Text
from ..parts import PartsMaster, load_parts, new_parts, part_fields
from ..stock import Stock, load_stock
from ..supersession import (
    SUPERSESSION_COLUMNS,
    Resolution,
    Supersessions,
    apply_to_history,
    apply_to_stock,
    history_moves,
    load_supersessions,
)
from .scan import Dataset, Partition, Scan, merge_scans, open_dataset, scan_piece

__all__ = ["ENGINES", "ENGINE_JOBS", "JOBS", "Network", "check_engine_options", "job_function", "partition_plan", "run"]

ENGINES = ("local", "stream", "dask")
"""``local``: the whole network in memory; ``stream``: one dealer set at a time on this machine;
``dask``: the dealer sets as tasks on a Dask cluster (a ``LocalCluster`` unless a scheduler is given)."""

ENGINE_JOBS = ("must-stock", "classify", "evaluate", "order", "dead-stock", "kpi")
"""The commands the stream and dask engines run (``optimize`` and ``last-buy`` need the whole network in
memory; see docs/scale-out.md)."""

JOBS = ("must-stock", "classify", "forecast", "evaluate", "optimize", "last-buy", "order", "dead-stock", "kpi", "report")
"""Every command, by its CLI name: the one dispatch (:func:`run`) of the CLI and of other programs."""

PARTITION_LINES = 8_000_000
"""Default lines per partition (about 0.6 GB of peak memory per task at 36-60 months)."""



# -- the network ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Network:
    """The network-level inputs of every partition (set while a partition runs; see the module notes)."""

    start: int  # first month (Period ordinal)
    end: int  # as_of
    parts: pd.Index  # every part sold up to as_of, sorted as the local engine sorts them
    dealers: pd.Index
    fields: pd.DataFrame  # part fields of every part (unit cost from the network's history price)
    parts_report: dict[str, Any]
    history_report: dict[str, Any]
    rows_after_as_of: int
    mc: tuple[Any, dict[str, Any]] | None = None
    resolution: Resolution | None = None  # supersessions in force at as_of, applied to each set's lines
    budget: tuple[float, float, np.ndarray | None] | None = None  # evaluate's optimized: budget, spent, set's steps
    demand: DemandInputs | None = None  # the lead-time demand model's priors and backtest, from the whole network
    new_part: np.ndarray | None = None  # bool per part: listed for its min_stock without any sale (planning jobs)

    @property
    def as_of(self) -> pd.Period:
        return pd.Period(ordinal=self.end, freq="M")

    def recode(self, matrix: DemandMatrix) -> DemandMatrix:
        """A partition's matrix with its part codes into the network's parts (the same row order)."""
        keys = matrix.keys.copy()
        part = keys["part"].cat
        position = self.parts.get_indexer(pd.Index(np.asarray(part.categories, dtype=object), dtype=object))
        keys["part"] = pd.Categorical.from_codes(position[part.codes.to_numpy()], categories=self.parts,
                                                 validate=False)
        return dataclasses.replace(matrix, keys=keys)


def partition_plan(dealers: pd.DataFrame, partitions: int | None, raw: Mapping[str, set[Any]],
                   files: Mapping[str, set[str]]) -> list[Partition]:
    """Contiguous runs of the sorted dealers with about equal lines (``partitions`` of them, or one per
    :data:`PARTITION_LINES` lines).

    >>> d = pd.DataFrame({"lines": [5, 5, 5, 5]}, index=["D1", "D2", "D3", "D4"])
    >>> [p.dealers for p in partition_plan(d, 2, {}, {})]
    [('D1', 'D2'), ('D3', 'D4')]
    """
    lines = dealers["lines"].to_numpy(dtype=np.int64)
    total = int(lines.sum())
    n = partitions or max(1, math.ceil(total / PARTITION_LINES))
    n = max(1, min(n, len(lines)))
    cut = np.searchsorted(np.cumsum(lines), total * np.arange(1, n) / n, side="left") + 1
    bounds = np.unique(np.clip(np.r_[0, cut, len(lines)], 0, len(lines)))
    names = dealers.index.to_numpy(dtype=object)
    out = []
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):  # per partition (tens), not per dealer or part
        chosen = tuple(str(d) for d in names[a:b])
        out.append(Partition(i, chosen, tuple(c for d in chosen for c in sorted(raw.get(d, ()), key=str)),
                             frozenset(f for d in chosen for f in files.get(d, ())), int(lines[a:b].sum())))
    return out


# -- the engines ---------------------------------------------------------------------------------------

class _Local:
    """Runs tasks one after another in this process (the stream engine)."""

    def map(self, function: Callable[..., Any], items: Sequence[Any], *args: Any) -> list[Any]:
        return [function(item, *args) for item in items]


class _Dask:
    """Runs tasks on a Dask cluster; results come back in task order."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def map(self, function: Callable[..., Any], items: Sequence[Any], *args: Any) -> list[Any]:
        shared = [self.client.scatter(a, broadcast=True, hash=False)
                  if isinstance(a, (Network, Dataset, Config)) else a for a in args]
        futures = self.client.map(function, list(items), *[[a] * len(items) for a in shared], pure=False)
        return self.client.gather(futures)


SCHEDULER_TIMEOUT = "20s"
"""How long ``--scheduler ADDRESS`` waits for the Dask scheduler to answer (dask's ``Client(timeout=...)``)."""


@contextlib.contextmanager
def _executor(engine: str, scheduler: str | None, workers: int | None) -> Iterator[Any]:
    if engine == "stream":
        yield _Local()
        return
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--engine dask needs dask: pip install 'spareopt[dask]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
        except OSError as exc:
            raise UsageError(f"no Dask scheduler answers at {scheduler} ({exc}); start one (dask scheduler) or "
                             "leave out --scheduler to run a LocalCluster here") from None
        with client:
            yield _Dask(client)
        return
    with LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                      dashboard_address=":0") as cluster, Client(cluster) as client:  # any free port: no clash
        yield _Dask(client)


def job_function(job: str) -> Callable[..., Any]:
    """The library function of ``job`` (one of :data:`JOBS`), e.g. ``job_function("must-stock")`` is
    :func:`spareopt.must_stock`.

    Raises
    ------
    UsageError
        An unknown job.
    """
    from ..jobs import classify, dead_stock, evaluate, forecast, kpi, last_buy, must_stock, optimize, order, report

    functions = {"must-stock": must_stock.must_stock, "classify": classify.classes, "forecast": forecast.forecasts,
                 "evaluate": evaluate.evaluate, "optimize": optimize.optimize, "last-buy": last_buy.last_buy,
                 "order": order.order, "dead-stock": dead_stock.dead_stock, "kpi": kpi.kpi,
                 "report": report.network_report}
    if job not in functions:
        raise UsageError(f"job must be one of {', '.join(JOBS)}; got {job!r}")
    return functions[job]


def check_engine_options(engine: str, scheduler: str | None = None, workers: int | None = None,
                         partitions: int | None = None) -> None:
    """The engine options checked against each other, for the CLI and Python callers alike.

    Raises
    ------
    UsageError
        ``scheduler`` without the dask engine; ``workers`` without the dask engine's own ``LocalCluster``
        (a scheduler's cluster has its own workers); ``partitions`` with the local engine.

    Examples
    --------
    >>> check_engine_options("stream", partitions=4)
    >>> check_engine_options("local", partitions=4)
    Traceback (most recent call last):
    ...
    spareopt.errors.UsageError: --partitions needs --engine stream or dask
    """
    if scheduler and engine != "dask":
        raise UsageError("--scheduler needs --engine dask")
    if workers and (engine != "dask" or scheduler):
        raise UsageError("--workers sizes the LocalCluster of --engine dask (a --scheduler's cluster has its own "
                         "workers)")
    if partitions and engine == "local":
        raise UsageError("--partitions needs --engine stream or dask")


def run(
    job: str,
    history: Any,
    parts: Any = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    engine: str = "stream",
    scheduler: str | None = None,
    workers: int | None = None,
    partitions: int | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> pd.DataFrame:
    """Run ``job`` on a network one dealer set at a time: the same table as the local engine, row for row.

    Parameters
    ----------
    job : str
        The command, one of :data:`JOBS` (the stream and dask engines run :data:`ENGINE_JOBS`);
        ``options`` are its library function's keyword arguments (``policy``, ``only_stocked``,
        ``holdout_months``, ``policies``, ``stock``, ``budget``, ...).
    history : path (or, on the local engine, anything :func:`spareopt.load` reads)
        A Parquet file, or a directory of Parquet files (one per dealer, ``dealer=D01/``
        directories, or any split) with the same columns.  Stored sorted by dealer, each
        partition reads only its row groups.
    parts, config, as_of, columns, encoding, sheet
        As for :func:`spareopt.must_stock` (``sheet`` on the local engine: the others read Parquet).  ``supersessions`` (an option) is resolved once for
        the network, at its as_of, as the local engine resolves it.
    engine : {"stream", "dask", "local"}
        ``stream``: partition after partition in this process; ``dask``: partitions as tasks
        on a Dask cluster; ``local``: the in-memory function itself.
    scheduler : str, optional
        A Dask scheduler's address (``tcp://host:8786``); default: start a ``LocalCluster``
        of ``workers`` processes here, and stop it at the end.
    workers : int, optional
        Workers of the ``LocalCluster`` (default 2, one thread each).
    partitions : int, optional
        Dealer sets; default one per :data:`PARTITION_LINES` lines.

    Returns
    -------
    DataFrame
        The job's :class:`spareopt.Result`, equal to the local engine's row for row.  The run
        report adds ``engine``: the engine, the partitions and their dealers and lines.

    Raises
    ------
    UsageError
        A history that is not Parquet or has no dealer column, a job these engines do not
        run (``optimize``, ``last-buy``), no Dask (``pip install 'spareopt[dask]'``) or no
        scheduler, engine options that do not fit together (:func:`check_engine_options`).
    InputError
        Every data error of the local engine, naming the file and row.

    Examples
    --------
    >>> table = run("must-stock", "history.parquet", "parts.csv", engine="stream")  # doctest: +SKIP
    >>> table = run("kpi", "history/", "parts.csv", stock="stock.csv", engine="dask",
    ...             scheduler="tcp://10.0.0.5:8786")  # doctest: +SKIP
    """
    from ..jobs import evaluate
    from . import merge

    check_engine_options(engine, scheduler, workers, partitions)
    if engine not in ENGINES:
        raise UsageError(f"engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    function = job_function(job)
    if job not in ENGINE_JOBS and engine != "local":
        raise UsageError(f"the {engine} engine runs {', '.join(ENGINE_JOBS)}; {job!r} needs the whole network in "
                         "memory: use --engine local")
    if job == "evaluate" and engine != "local":  # a bad budget fails before the scan, as it does locally
        policies = evaluate.check_policies(options.get("policies", ("seed",)))
        evaluate.check_budget(options.get("budget"), policies)
        if set(policies) & set(evaluate.ECHELON_POLICIES):
            raise UsageError(f"the {engine} engine replays one dealer set at a time; the two-echelon policies share "
                             "each part's central stock across the network: use --engine local")
    if engine == "local":
        return function(history, parts, config, as_of, columns=columns, encoding=encoding, sheet=sheet,
                        progress=progress, **options)
    if sheet is not None:
        raise UsageError(f"--sheet {sheet}: the {engine} engine reads a Parquet history, which has no sheets; "
                         "convert the workbook to Parquet, or use --engine local")
    step = progress or (lambda stage: None)
    overrides = {k: options[k] for k in ("policy", "abc_basis", "mc_method") if options.get(k) is not None}
    overrides.update({k: tuple(options[k]) for k in ("criteria", "weights") if options.get(k) is not None})
    cfg = with_options(load_config(config), **overrides)
    if cfg.skip_rows is not None:
        raise UsageError(f"--skip-rows {cfg.skip_rows}: the {engine} engine reads a Parquet history, which has no "
                         "title rows; leave out --skip-rows (config skip_rows), or use --engine local")
    supersessions = options.pop("supersessions", None)
    if supersessions is not None and not isinstance(supersessions, Supersessions):  # a bad file fails first
        supersessions = load_supersessions(supersessions, columns=columns_of(columns, SUPERSESSION_COLUMNS),
                                           encoding=encoding)
    dataset = open_dataset(history, columns, ReadLimits.of(cfg))
    master = parts if isinstance(parts, PartsMaster) or parts is None else load_parts(
        parts, columns=columns, encoding=encoding, numeric=master_criteria(cfg) if job == "classify" else (),
        max_id_length=cfg.max_id_length)
    stock = options.pop("stock", None)
    if stock is not None and not isinstance(stock, Stock):
        stock_columns = {k: v for k, v in (columns or {}).items() if k in ("on_hand", "on_order", "reserved")}
        stock = load_stock(stock, columns=stock_columns or None, encoding=encoding)
    with _executor(engine, scheduler, workers) as executor:
        step("scan the history")
        table = supersession_table(master, supersessions)
        old_parts = None if table is None else pd.Index(pd.unique(table.frame["old_part"].to_numpy(dtype=object)),
                                                        dtype=object)
        scan = merge_scans(executor.map(scan_piece, dataset.pieces, dataset, old_parts))
        end = _end(scan, job, as_of, options)
        check_network_span(np.arange(len(scan.month_lines)) + scan.month_first, scan.month_lines,
                           None if as_of is None else end, dataset.source, dataset.limits.max_history_months)
        dealers = scan.dealers[scan.dealers["first"] <= end]
        dealers = dealers.iloc[np.argsort(dealers.index.to_numpy(dtype=str), kind="stable")]
        plan = partition_plan(dealers, partitions, scan.raw, scan.files)
        resolution = None
        if table is not None:
            resolution, master = resolution_at(master, table, end)
        new_before = None if job not in DEMAND_JOBS else end - (int(options.get("holdout_months", 12))
                                                                  if job == "evaluate" else 0)
        network = _network(dataset, scan, end, master, cfg, dealers, resolution, new_before=new_before)
        last = int(scan.month_first + len(scan.month_lines) - 1)
        gap = None if job == "evaluate" else as_of_gap(end, last)
        network.history_report["as_of_gap"] = [end, last] if gap else None
        superseded = None
        if stock is not None:
            merge.check_stock(stock, network, dataset.source)
            if resolution is not None:  # old part numbers' stock counts toward the leading part, x factor
                stock, superseded, _ = apply_to_stock(stock, resolution)
        sums = None
        needs_price = "unit_price" in dataset.mapping
        if needs_price or job == "classify":
            step("network sums")
            sums = _fold(executor.map(_partition_sums, plan, dataset, network, cfg, needs_price, job == "classify"),
                         len(network.parts))
            network = _with_sums(network, sums, master, cfg, dataset)
        if job in DEMAND_JOBS:
            network = _network_demand(executor, plan, job, dataset, network, cfg, master, as_of,
                                      {**options, "columns": columns}, step)
        if job == "evaluate" and "optimized" in (options.get("policies") or ()):
            step("the network budget")
            ladders = executor.map(_in_network, plan, evaluate.optimized_steps, dataset, network, cfg, master, as_of,
                                   {**options, "columns": columns})
            budget, spent, taken = merge.spend(ladders, options.get("budget"))
            plan = [dataclasses.replace(p, taken=t) for p, t in zip(plan, taken)]
            network = dataclasses.replace(network, budget=(budget, spent, None))
        step(Text("{job} on {sets} dealer set(s)", job=job, sets=len(plan)))
        tables = executor.map(_run_partition, plan, job, dataset, network, cfg, master, as_of,
                              {**options, "columns": columns, **({"stock": stock} if stock is not None else {})})
    step("merge")
    result = merge.merge(job, tables, network, stock, superseded)
    result.report["engine"] = {
        "engine": engine, "scheduler": scheduler if engine == "dask" else None,
        "partitions": len(plan), "dealers_per_partition": [len(p.dealers) for p in plan],
        "lines_per_partition": [p.lines for p in plan], "files": len({p.path for p in dataset.pieces}),
        "scan_pieces": len(dataset.pieces),
    }
    return result


DEMAND_JOBS = ("must-stock", "evaluate", "order", "dead-stock", "kpi")
"""The jobs that plan stock levels, and so need the network's lead-time demand model."""


def _network_demand(executor: Any, plan: Sequence[Partition], job: str, dataset: Dataset, network: Network,
                    cfg: Config, master: PartsMaster | None, as_of: Any, options: Mapping[str, Any],
                    step: Callable[[str], None]) -> Network:
    """The network with the lead-time demand model's priors (one pass: every set's sums, added) and, for
    ``lead_time_demand = "auto"``, its backtest (a second pass with the priors set), as the local engine fits
    them on the whole matrix."""
    from . import merge

    if (cfg.lead_time_demand not in ("poisson_gamma", "auto") and cfg.low_volume_basis != "network"
            and cfg.obsolescence != "auto"):  # nothing the network decides: each set fits alone as the local engine
        return network
    step("the demand model: priors")
    function = merge.demand_function(job)
    sums = executor.map(_in_network, plan, function, dataset, network, cfg, master, as_of,
                        {**options, "stage": "sums"})
    inputs = demand_inputs(functools.reduce(operator.add, sums), installed_base(network.fields))
    network = dataclasses.replace(network, demand=inputs)
    if cfg.lead_time_demand == "auto" and inputs.origin_prior is not None:
        step("the demand model: backtest")
        parts = executor.map(_in_network, plan, function, dataset, network, cfg, master, as_of,
                             {**options, "stage": "backtest"})
        network = dataclasses.replace(network, demand=dataclasses.replace(inputs, calibration=choose(sum(parts))))
    return network


def _end(scan: Scan, job: str, as_of: Any, options: Mapping[str, Any]) -> int:
    """The network's as_of: the last month, or ``as_of`` (``as_of`` + holdout for evaluate)."""
    last = scan.month_first + len(scan.month_lines) - 1
    if as_of is None:
        return last
    end = month_ordinal(as_of)
    return end + int(options.get("holdout_months", 12)) if job == "evaluate" else end


def _network(dataset: Dataset, scan: Scan, end: int, master: PartsMaster | None, cfg: Config,
             dealers: pd.DataFrame, resolution: Resolution | None, *, new_before: int | None = None) -> Network:
    """The network's months, parts and part fields; ``new_before``: a planning job's last training month, with the
    master's new parts (:func:`spareopt.parts.new_parts`: no line up to it), as the local engine lists them."""
    months = np.arange(len(scan.month_lines)) + scan.month_first
    used = scan.month_lines[months <= end]
    start = int(months[np.flatnonzero(scan.month_lines)[0]]) if used.any() else end + 1
    check_months(int(months[scan.month_lines > 0].min()), start, end, dataset.source, any_used=bool(used.any()))
    report = {"source": dataset.source, "encoding": None, "sheet": None, **scan.report,
              "last_period": str(pd.Period(ordinal=int(months[-1]), freq="M"))}
    scanned = scan.parts.iloc[np.argsort(scan.parts.index.to_numpy(dtype=str), kind="stable")]  # as names sort
    names, first = scanned.index.to_numpy(dtype=object), scanned["first"].to_numpy(dtype=np.int64)
    if resolution is not None:  # the leading parts' first months: the earliest of the parts moved onto them
        report["supersession"], remap = history_moves(names, scanned["lines"].to_numpy(np.int64),
                                                      scanned["units"].to_numpy(np.float64), resolution)
        slot = np.repeat(np.arange(len(names)), remap.count)
        moved = np.full(len(remap.names), np.iinfo(np.int64).max)
        np.minimum.at(moved, remap.target, first[slot])
        names, first = remap.names, moved
    after = int(scan.month_lines[months > end].sum())
    if resolution is not None and scan.old_lines is not None and len(scan.old_lines):  # a split's copies too
        late = scan.old_lines[scan.old_lines.index.get_level_values(1) > end].groupby(level=0).sum()
        copies = remap.count[pd.Index(scanned.index.to_numpy(dtype=object), dtype=object).get_indexer(late.index)] - 1
        after += int((copies * late.to_numpy()).sum())
    parts = pd.Index(np.unique(names[first <= end].astype(str)).astype(object), dtype=object)
    added = () if new_before is None else new_parts(master, names[first <= new_before])
    new_part = None
    if len(added):
        parts = pd.Index(np.union1d(parts.to_numpy(dtype=str), added.astype(str)).astype(object), dtype=object)
        new_part = parts.isin(added)
    fields, parts_report = part_fields(parts.to_numpy(dtype=object), master, cfg)
    return Network(start, end, parts, pd.Index(dealers.index.to_numpy(dtype=object), dtype=object), fields,
                   parts_report, report, after, resolution=resolution, new_part=new_part)


def _partition_history(dataset: Dataset, partition: Partition, network: Network) -> History:
    """One dealer set's checked lines, its old part numbers moved to their leading parts."""
    hist = clean_lines(dataset.partition_table(partition), dataset.mapping, span=False, limits=dataset.limits)
    return hist if network.resolution is None else apply_to_history(hist, network.resolution)[0]


def _partition_sums(partition: Partition, dataset: Dataset, network: Network, cfg: Config, price: bool,
                    criteria: bool) -> dict[str, np.ndarray]:
    """One partition's series sums: part codes, priced units and value, window quantity and hits."""
    hist = _partition_history(dataset, partition, network)
    count_lines = criteria and "date" in dataset.mapping
    matrix = network.recode(demand_matrix(hist, as_of=network.as_of, start=network.start, count_lines=count_lines,
                                          price=price))
    out = {"part": matrix.keys["part"].cat.codes.to_numpy()}
    if matrix.priced is not None:
        out["units"], out["value"] = matrix.priced[0], matrix.priced[1]
    if criteria:
        run = Inputs(matrix, network.history_report, None, cfg, network.fields, network.parts_report, count_lines)
        out.update(series_criteria(run, matrix.last(cfg.abc_window_months)))
    return out


def _fold(partials: Sequence[Mapping[str, np.ndarray]], n_parts: int) -> dict[str, np.ndarray]:
    """Per-part totals, each part's series added one after another in dealer order (np.add.at is unbuffered
    and sequential: the same float sums as one ``np.bincount`` over the local engine's series)."""
    totals: dict[str, np.ndarray] = {}
    for partial in partials:  # partitions in dealer order
        for name, values in partial.items():
            if name != "part":
                np.add.at(totals.setdefault(name, np.zeros(n_parts)), partial["part"], values)
    return totals


def _with_sums(network: Network, sums: Mapping[str, np.ndarray], master: PartsMaster | None, cfg: Config,
               dataset: Dataset) -> Network:
    """The network with the history's unit price in its part fields, and its multi-criteria classes."""
    fields, parts_report = network.fields, network.parts_report
    if "units" in sums:
        fields, parts_report = part_fields(network.parts.to_numpy(dtype=object), master, cfg,
                                           history_price=average_price(sums["units"], sums["value"]))
    network = dataclasses.replace(network, fields=fields, parts_report=parts_report)
    if "quantity" not in sums:
        return network
    n_months = network.end - network.start + 1
    lines = np.zeros((0, n_months), dtype=np.int32) if "date" in dataset.mapping else None
    matrix = DemandMatrix(np.zeros((0, n_months)), pd.DataFrame({"part": pd.Categorical([], categories=network.parts)}),
                          pd.PeriodIndex.from_ordinals(np.arange(network.start, network.end + 1), freq="M"),
                          lines=lines)
    run = Inputs(matrix, network.history_report, master, cfg, fields, parts_report, lines is not None)
    return dataclasses.replace(network, mc=multi_criteria_classes(run, sums))


def _run_partition(partition: Partition, job: str, dataset: Dataset, network: Network, cfg: Config,
                   master: PartsMaster | None, as_of: Any, options: Mapping[str, Any]) -> Any:
    """The job on one dealer set, with the network set."""
    from . import merge

    return _in_network(partition, merge.partition_function(job), dataset, network, cfg, master, as_of, options)


def _in_network(partition: Partition, function: Callable[..., Any], dataset: Dataset, network: Network,
                cfg: Config, master: PartsMaster | None, as_of: Any, options: Mapping[str, Any]) -> Any:
    """``function`` (a job's library function) on one dealer set's inputs (:func:`spareopt.inputs.load` with the
    network: its months, parts and fields) and stock."""
    from . import merge

    options = {k: v for k, v in options.items() if k != "columns"}  # the files were read, their headers checked
    if options.get("stock") is not None:
        options["stock"] = merge.stock_of(options["stock"], partition.dealers)
    if network.budget is not None:
        network = dataclasses.replace(network, budget=(*network.budget[:2], partition.taken))
    inputs = load(_partition_history(dataset, partition, network), master, cfg, network=network)
    return function(inputs, None, cfg, as_of, **options)
