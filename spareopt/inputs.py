"""What every job reads, read once: ``load(...) -> Inputs``.

read -> clean -> **demand matrix + part fields** (-> classify -> forecast -> policy): the history, the parts
master and the supersessions are read and checked, old part numbers move to their leading parts, and the
series x months demand matrix and the per-part fields (unit cost, lead time, ...) are built.  Every job
(:mod:`spareopt.jobs`) takes the :class:`Inputs`; the run report's opening section (:func:`run_report`) is
written from them.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import HISTORY_COLUMNS, PARTS_COLUMNS, columns_of
from .config import Config, load_config, with_options
from .errors import InputError, UsageError
from .history import (
    DemandMatrix,
    History,
    ReadLimits,
    as_of_gap,
    demand_matrix,
    load_history,
    month_ordinal,
    with_parts,
)
from .io import Table
from .parts import PartsMaster, load_parts, new_parts, part_fields
from .policy import (
    DECISIONS,
)
from .run_report import RunReport
from .supersession import (
    SUPERSESSION_COLUMNS,
    Resolution,
    Supersessions,
    apply_to_history,
    apply_to_master,
    load_supersessions,
    resolve,
    supersessions_from_master,
)

STAGES = ("read and check the history", "read the parts master", "demand matrix", "classify, forecast, decide")
"""The stages :func:`must_stock` reports to its ``progress`` callback, in order."""


Source = str | PathLike[str] | pd.DataFrame | Table


@dataclass
class Inputs:
    """What every job reads, read and checked once (:func:`load`).

    Attributes
    ----------
    matrix : DemandMatrix
        The series x months demand (dealer x part rows, in dealer, part order).
    history_report, parts_report : dict
        What reading the history and the parts master found (the run report's opening).
    master : PartsMaster or None
        The parts master, without the rows of superseded part numbers.
    cfg : Config
        The thresholds the jobs run with (a job's ``config`` replaces them).
    fields : DataFrame
        One row per part of the matrix: unit cost, lead time, order cycle, attribute, ... with defaults.
    order_lines : bool
        The history has one row per order line (a ``date``), not monthly totals.
    resolution : Resolution or None
        The supersessions in force (old part numbers moved to their leading parts).
    new_part : ndarray of bool or None
        Per part: a new part of the master (a ``min_stock`` or ``installed_base``, no sale), planned with zero
        demand (None: none).
    network : spareopt.engine.Network or None
        Set by the stream and dask engines on one dealer set: the network's months, parts, part fields and
        aggregates, so that every dealer set plans as the whole network would.
    """

    matrix: DemandMatrix
    history_report: dict[str, Any]
    master: PartsMaster | None
    cfg: Config
    fields: pd.DataFrame
    parts_report: dict[str, Any]
    order_lines: bool
    resolution: Resolution | None = None
    new_part: np.ndarray | None = None  # bool per part code: listed for its min_stock, never sold (None: none)
    network: Any = None

    @functools.cached_property
    def part_code(self) -> np.ndarray:
        return self.matrix.keys["part"].cat.codes.to_numpy()  # categories are sorted: codes rank the part numbers

    @functools.cached_property
    def dealer(self) -> np.ndarray | None:
        return self.matrix.keys["dealer"].cat.codes.to_numpy() if self.matrix.has_dealer else None

    def per_series(self, column: str, dtype: Any = None) -> np.ndarray:
        """A part field (:attr:`fields`) of every series."""
        return self.fields[column].to_numpy(dtype=dtype)[self.part_code]

    @functools.cached_property
    def new_series(self) -> np.ndarray:
        """Which series are rows of a new part (:func:`spareopt.parts.new_parts`): zero demand, no history."""
        if self.new_part is None:
            return np.zeros(len(self.part_code), dtype=bool)
        return self.new_part[self.part_code]


def job_config(history: Any, config: Config | Mapping[str, Any] | str | PathLike[str] | None,
               **options: Any) -> Config:
    """The config a job runs with: ``config`` (a Config, mapping or TOML path; when None and ``history`` is
    :class:`Inputs`, the inputs' own), with the caller's options (:func:`spareopt.config.with_options`)."""
    base = history.cfg if isinstance(history, Inputs) and config is None else load_config(config)
    return with_options(base, **options)


def load(
    history: Source | History | Inputs,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    plan_new: bool = True,
    holdout_months: int = 0,
    numeric: tuple[str, ...] = (),
    network: Any = None,
    progress: Callable[[str], None] | None = None,
) -> Inputs:
    """Read the history and the parts master (and supersessions) once: the demand matrix and the part fields.

    Every job (:func:`spareopt.must_stock`, :func:`spareopt.classes`, :func:`spareopt.order`,
    :func:`spareopt.kpi`, ...) takes the result in place of its history, so that one read serves several.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, sheet, supersessions
        As for :func:`spareopt.must_stock`.  ``history`` may be :class:`Inputs` already: it is returned
        with ``config`` (when given) in place of its own; the file arguments must then be left out.
    plan_new : bool
        List the master's new parts (:func:`spareopt.parts.new_parts`: a ``min_stock`` or ``installed_base``,
        no history line up to as_of less ``holdout_months``) with zero demand at every dealer
        (:func:`spareopt.history.with_parts`), as the planning jobs do.  ``classes`` and ``forecasts`` read
        without them.
    holdout_months : int
        ``evaluate``'s holdout: a part first sold in it is new to the training months.
    numeric : tuple of str
        Other columns of the parts master to read as numbers (multi-criteria classes, last-buy costs).
    network : spareopt.engine.Network, optional
        One dealer set of a network (set by the stream and dask engines): its months, parts and fields.
    progress : callable, optional
        Called with each of the first three :data:`STAGES` as it starts.

    Returns
    -------
    Inputs

    Raises
    ------
    InputError
        Bad input; the message names the file, rows, column and values.
    UsageError
        File arguments given with :class:`Inputs` (they were read already), or an ``as_of`` other than theirs.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["oil filter"] * 6, "period": pd.period_range("2024-01", periods=6, freq="M"),
    ...                       "quantity": [20, 22, 18, 25, 21, 24]})
    >>> inputs = load(sales)
    >>> inputs.matrix.values.shape, str(inputs.matrix.as_of)
    ((1, 6), '2024-06')
    """
    step = progress or (lambda stage: None)
    if isinstance(history, Inputs):
        return _loaded(history, parts, config, as_of, columns=columns, encoding=encoding, sheet=sheet,
                       supersessions=supersessions)
    cfg = load_config(config)
    _check_column_names(columns)
    table = None
    if supersessions is not None and not isinstance(supersessions, Supersessions):  # a bad file fails first
        table = load_supersessions(supersessions, columns=columns_of(columns, SUPERSESSION_COLUMNS), encoding=encoding)
    step(STAGES[0])
    hist = history if isinstance(history, History) else load_history(history, columns=columns, encoding=encoding,
                                                                      as_of=as_of, sheet=sheet,
                                                                      limits=ReadLimits.of(cfg))
    step(STAGES[1])
    master = parts if isinstance(parts, PartsMaster) or parts is None else load_parts(
        parts, columns=columns, encoding=encoding, numeric=numeric, max_id_length=cfg.max_id_length)
    _check_overrides_used(columns, hist, master)
    if network is None:
        hist, master, resolution = _supersede(hist, master, table if table is not None else supersessions, as_of)
    else:  # the network's supersessions: resolved once, on its lines already, and the master given without old parts
        resolution = network.resolution
    step(STAGES[2])
    order_lines = "date" in (hist.report.get("columns") or {})  # one row per order line, not monthly totals
    count_lines = order_lines and (cfg.abc_basis == "hits" or "hits" in [c.partition(":")[0] for c in cfg.criteria])
    if network is not None:  # one dealer set of a network: the network's months, parts and fields
        matrix = network.recode(demand_matrix(hist, as_of=network.as_of, count_lines=count_lines,
                                              start=network.start))
        if network.new_part is not None:
            matrix = with_parts(matrix, network.parts[network.new_part])
        return Inputs(matrix, network.history_report, master, cfg, network.fields, network.parts_report, order_lines,
                      resolution, network.new_part, network)
    matrix = demand_matrix(hist, as_of=as_of, count_lines=count_lines, price="unit_price" in hist.lines)
    added = _new_parts(hist, matrix, master, holdout_months) if plan_new else ()
    matrix = with_parts(matrix, added)
    price = _history_price(matrix)
    last = int(hist.lines["month"].max())
    history_report = {**hist.report, "last_period": str(pd.Period(ordinal=last, freq="M"))}
    if holdout_months == 0:  # a plan at as_of (evaluate's and a last-buy backtest's months after it are checked apart)
        gap = as_of_gap(int(matrix.as_of.ordinal), last)  # the report keeps the months; its warning says them
        history_report["as_of_gap"] = [int(matrix.as_of.ordinal), last] if gap else None
    del hist  # the lines are summed into the matrix: free them before the plan (when we read them)
    part_names = matrix.keys["part"].cat.categories
    fields, parts_report = part_fields(np.asarray(part_names, dtype=object), master, cfg, history_price=price)
    new_part = pd.Index(np.asarray(part_names, dtype=object), dtype=object).isin(added) if len(added) else None
    return Inputs(matrix, history_report, master, cfg, fields, parts_report, order_lines, resolution, new_part)


def _loaded(inputs: Inputs, parts: Any, config: Any, as_of: Any, **files: Any) -> Inputs:
    """:func:`load` of :class:`Inputs`: the inputs, with a job's config."""
    given = [name for name, value in (("parts", parts), *files.items()) if value is not None]
    if given:
        raise UsageError(f"{', '.join(given)}: the inputs were read with their files already; give them to "
                         "spareopt.load(), or pass the paths in place of the inputs")
    if as_of is not None and month_ordinal(as_of) != inputs.matrix.as_of.ordinal:
        raise UsageError(f"as_of {as_of}: the inputs end at {inputs.matrix.as_of}; load them again with this as_of "
                         "(spareopt.load(..., as_of=...))")
    return dataclasses.replace(inputs, cfg=inputs.cfg if config is None else load_config(config))  # the job's own


def _new_parts(hist: History, matrix: DemandMatrix, master: PartsMaster | None, holdout_months: int) -> np.ndarray:
    """The master's new parts: a ``min_stock`` or an ``installed_base``, and no history line up to as_of less
    ``holdout_months``."""
    sold = matrix.keys["part"].cat.categories
    if holdout_months and master is not None and {"min_stock", "installed_base"} & set(master.frame):  # training
        early = hist.lines["month"] <= int(matrix.periods[-1].ordinal) - holdout_months
        sold = np.asarray(hist.names["part"], dtype=object)[np.unique(hist.lines["part"][early])]
    return new_parts(master, sold)


def _supersede(hist: History, master: PartsMaster | None, supersessions: Supersessions | None,
               as_of: str | pd.Period | None) -> tuple[History, PartsMaster | None, Resolution | None]:
    """Move the demand of replaced part numbers to their leading parts (the file's and the master's replaced_by)."""
    table = supersession_table(master, supersessions)
    if table is None:
        return hist, master, None
    end = month_ordinal(as_of) if as_of is not None else int(hist.lines["month"].max())
    resolution, master = resolution_at(master, table, end)
    hist, _ = apply_to_history(hist, resolution)
    return hist, master, resolution


def supersession_table(master: PartsMaster | None, supersessions: Supersessions | None) -> Supersessions | None:
    """The supersession rows of the file and of the master's replaced_by, as one table (None: there are none)."""
    tables = [] if supersessions is None else [supersessions]
    if master is not None and "replaced_by" in master.frame:
        tables.append(supersessions_from_master(master.frame, str(master.report.get("source"))))
    tables = [t for t in tables if len(t)]
    if not tables:
        return None
    return tables[0] if len(tables) == 1 else Supersessions(
        pd.concat([t.frame for t in tables]), {**tables[0].report, "source": " and ".join(
            str(t.report.get("source")) for t in tables)})


def resolution_at(master: PartsMaster | None, table: Supersessions, end: int) -> tuple[Resolution, PartsMaster | None]:
    """The supersessions in force at the month ``end`` and the master without the old parts' rows."""
    resolution = resolve(table, as_of_ordinal=end)
    if master is not None:
        frame, dropped = apply_to_master(master.frame, resolution)
        master = PartsMaster(frame, {**master.report, "superseded_rows": dropped})
    return resolution, master


def _history_price(matrix: DemandMatrix) -> np.ndarray | None:
    """Quantity-weighted average ``unit_price`` of each part's sales up to as_of (None: no prices).

    price = sum of the series' priced value / sum of their priced units (``DemandMatrix.priced``),
    summed over the series in (dealer, part) order: a partitioned run folds its partitions in
    the same order (:mod:`spareopt.engine`) and gets the same float sums.
    """
    if matrix.priced is None:
        return None
    part_code = matrix.keys["part"].cat.codes.to_numpy()
    n_parts = len(matrix.keys["part"].cat.categories)
    units = np.bincount(part_code, weights=matrix.priced[0], minlength=n_parts)
    value = np.bincount(part_code, weights=matrix.priced[1], minlength=n_parts)
    return average_price(units, value)


def average_price(units: np.ndarray, value: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(units > 0, value / units, np.nan)


def _check_column_names(columns: Mapping[str, str] | None) -> None:
    known = list(dict.fromkeys([*HISTORY_COLUMNS, *PARTS_COLUMNS, *SUPERSESSION_COLUMNS]))
    for canonical in columns or {}:
        if canonical not in known:
            raise InputError(f"--column {canonical}=...: `{canonical}` is not a column spareopt reads; "
                             f"use one of {', '.join(known)}")


def _check_overrides_used(columns: Mapping[str, str] | None, hist: History, master: PartsMaster | None) -> None:
    used = [hist.report.get("columns", {})] + ([master.report.get("columns", {})] if master is not None else [])
    for canonical, header in (columns or {}).items():
        if canonical not in HISTORY_COLUMNS and canonical not in PARTS_COLUMNS:
            continue  # a column of the supersession file: load_supersessions checks it
        if not any(mapping.get(canonical) == header for mapping in used):
            heads = hist.report.get("headers", [])
            raise InputError(
                f"--column {canonical}={header}: {header!r} is not a header of {hist.report.get('source')}"
                + (" or the parts master" if master is not None else "")
                + f" (headers: {', '.join(map(repr, heads))}); check the spelling"
            )


@dataclass(frozen=True)
class Counts:
    decisions: np.ndarray | None
    reasons: np.ndarray | None
    dealers: int | None
    parts: int
    stock_value: float | None


def run_report(run: Inputs, basis: str, counts: Counts) -> RunReport:
    matrix, h, master, cfg, parts_report = run.matrix, run.history_report, run.master, run.cfg, run.parts_report
    return {
        "history": h.get("source"),
        "encoding": h.get("encoding"),
        "sheet": h.get("sheet"),
        "sheets_ignored": h.get("sheets_ignored", []),
        "columns": h.get("columns"),
        "columns_ignored": h.get("columns_ignored", []),
        "columns_missing": h.get("columns_missing", []),
        "layout": h.get("layout"),
        "rows_read": h.get("rows_read"),
        "rows_blank": h.get("rows_blank", 0),
        "rows_blank_first": h.get("rows_blank_first", []),
        "rows_no_quantity": h.get("rows_no_quantity", 0),
        "rows_no_quantity_first": h.get("rows_no_quantity_first", []),
        "rows_before_since": h.get("rows_before_since", 0),
        "warnings": list(h.get("warnings", [])),
        "as_of_gap": h.get("as_of_gap"),
        "since": cfg.since,
        "currency": cfg.currency,
        "lang": cfg.lang,
        "rows_after_as_of": matrix.rows_after_as_of,
        "return_lines": h.get("return_lines", 0),
        "return_units": h.get("return_units", 0.0),
        "negative_months": matrix.negative_months,
        "series": len(matrix.values),
        "dealers": counts.dealers,
        "parts": counts.parts,
        "months": len(matrix.periods),
        "first_period": str(matrix.periods[0]),
        "as_of": str(matrix.as_of),
        "parts_master": master.report.get("source") if master is not None else None,
        "parts_master_sheets_ignored": master.report.get("sheets_ignored", []) if master is not None else [],
        "parts_master_columns_ignored": master.report.get("columns_ignored", []) if master is not None else [],
        "parts_master_columns_missing": master.report.get("columns_missing", []) if master is not None else [],
        "parts_master_layout": master.report.get("layout") if master is not None else None,
        "parts_not_in_master": parts_report["parts_not_in_master"],
        "parts_not_in_master_first": parts_report["parts_not_in_master_first"],
        "master_parts_without_history": parts_report["master_parts_without_history"],
        "new_parts": 0 if run.new_part is None else int(run.new_part.sum()),
        "new_parts_first": [] if run.new_part is None else [str(p) for p in np.asarray(
            matrix.keys["part"].cat.categories, dtype=object)[run.new_part][:5]],
        "defaulted": parts_report["defaulted"],
        "unit_cost_from_history": parts_report["unit_cost_from_history"],
        "unit_cost_unknown": parts_report["unit_cost_unknown"],
        "abc_basis": basis,
        "abc_hits": ("order lines" if run.matrix.lines is not None else "months with demand") if basis == "hits"
        else None,
        "abc_cutoff": cfg.abc_cutoff,
        "abc_window_months": min(cfg.abc_window_months, len(matrix.periods)),
        "decisions": dict(zip(DECISIONS, counts.decisions.tolist())) if counts.decisions is not None else None,
        "dealer_stock_value_at_max": counts.stock_value,
        "supersession": _supersession_report(run),
    }


def _supersession_report(run: Inputs) -> dict[str, Any] | None:
    if run.resolution is None:
        return None
    moved = run.history_report.get("supersession") or {}
    return {**run.resolution.report, "history": moved, "mapping": run.resolution.mapping_frame(),
            "master_rows_dropped": run.master.report.get("superseded_rows") if run.master is not None else None}

