"""The stock joined to the plan, one row per dealer x part: what ``order``, ``dead-stock`` and ``kpi`` share.

read history + master + stock -> demand matrix -> **the must-stock plan (seed or service-level) ->
the stock joined to the plan, dealer x part** -> order / dead-stock / kpi (:mod:`spareopt.jobs`).

A must-stock list is planned twice a year; the parts desk works every week.  These jobs follow
dealer (DMS) practice and the parts supervisor's duties in the seed's job descriptions: what to put
on the stock order, what is rotting on the shelf (呆滞件), how the stock performs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .columns import text_column
from .config import Config
from .errors import InputError, format_examples
from .history import History
from .inputs import STAGES, Counts, Inputs, Source, load, run_report
from .parts import PartsMaster
from .plan import Plan, decide
from .stock import Stock, load_stock
from .supersession import Supersessions, apply_to_stock

__all__ = ["DAYS_PER_YEAR", "OPERATIONS_STAGES", "Position", "check_stock_dealers", "months_since_demand", "position_report",
           "stock_position"]

OPERATIONS_STAGES = (*STAGES[:3], "plan and join the stock")
"""The stages :func:`order`, :func:`dead_stock` and :func:`kpi` report to their ``progress`` callback."""


DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class Position:
    """The plan of every series and the stock of every (dealer, part), on one set of rows.

    Rows 0..n_series-1 are the demand matrix's series in its order; the stock rows that match no
    series (a part the dealer never sold up to as_of) follow, flagged ``no_history``.
    """

    run: Inputs
    plan: Plan
    dealer: np.ndarray | None  # int64 codes into dealer_names, per row
    part: np.ndarray  # int64 codes into part_names, per row
    dealer_names: np.ndarray | None
    part_names: np.ndarray
    series: np.ndarray  # row of the matrix, -1 for a stock-only row
    on_hand: np.ndarray
    on_order: np.ndarray
    reserved: np.ndarray
    stock_report: dict[str, Any]

    @property
    def n(self) -> int:
        return len(self.part)

    def per_row(self, values: np.ndarray, missing: Any) -> np.ndarray:
        """A per-series array extended to every row (``missing`` for stock-only rows)."""
        out = np.full(self.n, missing, dtype=np.asarray(values).dtype if missing is not None else object)
        has = self.series >= 0
        out[has] = np.asarray(values)[self.series[has]]
        return out

    def part_field(self, column: str, missing: Any = np.nan) -> np.ndarray:
        """A parts-master field per row, by part: the defaulted fields of the run, then the master."""
        fields = self.run.fields
        if column in fields:
            known = fields[column].to_numpy()
            position = pd.Index(np.asarray(fields.index, dtype=object), dtype=object).get_indexer(
                pd.Index(self.part_names, dtype=object))
            values = np.where(position >= 0, known[np.maximum(position, 0)], missing)
        else:
            values = np.full(len(self.part_names), missing, dtype=object)
        master = self.run.master
        if master is not None and column in master.frame:
            from_master = master.frame[column].reindex(pd.Index(self.part_names, dtype=object)).to_numpy()
            values = np.where(pd.isna(values), from_master, values)
        return values[self.part]

    @property
    def inventory_position(self) -> np.ndarray:
        """IP = on_hand + on_order - reserved."""
        return self.on_hand + self.on_order - self.reserved

    def labels(self, rows: np.ndarray) -> dict[str, pd.Series]:
        """``dealer`` (when known), ``part`` and ``description`` (when the master has one) of ``rows``."""
        out: dict[str, pd.Series] = {}
        if self.dealer is not None:
            out["dealer"] = text_column(self.dealer[rows], self.dealer_names)
        out["part"] = text_column(self.part[rows], self.part_names)
        if "description" in self.run.fields:
            out["description"] = text_column(np.arange(len(rows)), self.part_field("description", None)[rows])
        return out


def stock_position(history: Source | History, parts: Source | PartsMaster | None, stock: Source | Stock,
              cfg: Config, as_of: str | pd.Period | None, columns: Mapping[str, str] | None, encoding: str | None,
              step: Callable[[str], None], policy: str | None,
              supersessions: Source | Supersessions | None = None, *, sheet: str | None = None) -> Position:
    stock_columns = {k: v for k, v in (columns or {}).items() if k in ("on_hand", "on_order", "reserved")}
    load_columns = {k: v for k, v in (columns or {}).items() if k not in stock_columns} or None
    snapshot = stock if isinstance(stock, Stock) else load_stock(stock, columns=stock_columns or None,
                                                                 encoding=encoding)
    run = load(history, parts, cfg, as_of, columns=load_columns, encoding=encoding, sheet=sheet, supersessions=supersessions,
               progress=step)
    step(OPERATIONS_STAGES[3])
    superseded = None
    if run.resolution is not None and run.network is None:  # old part numbers' stock counts toward the leading
        # part, x factor (the stream and dask engines re-key the whole stock once, before the dealer sets)
        snapshot, superseded, _ = apply_to_stock(snapshot, run.resolution)
    plan = decide(run, policy)
    keys = run.matrix.keys
    part_names = np.asarray(keys["part"].cat.categories, dtype=object)
    dealer_names = np.asarray(keys["dealer"].cat.categories, dtype=object) if run.dealer is not None else None
    frame = snapshot.frame
    source = snapshot.report.get("source")
    check_stock_dealers(frame, dealer_names, source, run.history_report.get("source"))
    # part codes: the history's parts first, then the stock's parts the history never sold
    stock_parts = frame["part"].to_numpy(dtype=object)
    code = pd.Index(part_names, dtype=object).get_indexer(stock_parts)
    extra = pd.unique(stock_parts[code < 0])
    extra = np.sort(np.asarray(extra, dtype=object))
    if len(extra):
        code = np.where(code >= 0, code, len(part_names) + pd.Index(extra, dtype=object).get_indexer(stock_parts))
    all_parts = np.concatenate([part_names, extra]) if len(extra) else part_names
    n_parts = len(all_parts)
    series_part = run.part_code.astype(np.int64)
    if dealer_names is not None:
        stock_dealer = pd.Index(dealer_names, dtype=object).get_indexer(frame["dealer"].to_numpy(dtype=object))
        series_key = run.dealer.astype(np.int64) * n_parts + series_part
        stock_key = stock_dealer.astype(np.int64) * n_parts + code
    else:
        series_key, stock_key = series_part, code.astype(np.int64)
    match = pd.Index(series_key).get_indexer(stock_key)  # series keys are unique
    only = match < 0
    n_series = len(series_key)
    rows = n_series + int(only.sum())
    out = {name: np.zeros(rows) for name in ("on_hand", "on_order", "reserved")}
    for name, column in out.items():
        value = frame[name].to_numpy(dtype=np.float64)
        column[match[~only]] = value[~only]
        column[n_series:] = value[only]
    dealer = None if dealer_names is None else np.concatenate([run.dealer.astype(np.int64), stock_dealer[only]])
    part = np.concatenate([series_part, code[only].astype(np.int64)])
    series = np.concatenate([np.arange(n_series), np.full(int(only.sum()), -1)])
    report = {**snapshot.report, "superseded_stock": superseded, "rows_without_history": int(only.sum()),
              "parts_without_history": len(extra), "parts_without_history_first": [str(p) for p in extra[:5]]}
    return Position(run, plan, dealer, part, dealer_names, all_parts, series, out["on_hand"], out["on_order"],
                     out["reserved"], report)


def check_stock_dealers(frame: pd.DataFrame, dealer_names: np.ndarray | None, stock_source: str | None,
                         history_source: str | None) -> None:
    """The stock file's dealers must be the history's: same column, known codes."""
    has = "dealer" in frame
    if dealer_names is None and has:
        raise InputError(f"{stock_source}: the stock file has a dealer column but the history {history_source} has "
                         "none; drop the stock's dealer column (network stock), or give the history's dealers")
    if dealer_names is not None and not has:
        raise InputError(f"{stock_source}: the stock file has no dealer column but the history {history_source} has "
                         f"dealers ({format_examples([repr(d) for d in dealer_names[:3]], len(dealer_names))}); add "
                         "a dealer column (or map it with --column dealer=HEADER)")
    if has:
        dealers = frame["dealer"].to_numpy(dtype=object)
        unknown = pd.unique(dealers[pd.Index(dealer_names, dtype=object).get_indexer(dealers) < 0])
        if len(unknown):
            raise InputError(
                f"{stock_source}: {len(unknown):,} dealer(s) of the stock file are not in the history "
                f"{history_source} (first: {format_examples([repr(d) for d in unknown[:3]], len(unknown))}; the "
                f"history has {format_examples([repr(d) for d in dealer_names[:3]], len(dealer_names))}). Fix: use "
                "the same dealer codes in both files")


def months_since_demand(matrix_values: np.ndarray) -> np.ndarray:
    """Months from each series' last month with demand to as_of (0 = as_of); NaN when it never sold."""
    sold = matrix_values > 0
    last = sold.shape[1] - 1 - np.argmax(sold[:, ::-1], axis=1)
    return np.where(sold.any(axis=1), (sold.shape[1] - 1 - last).astype(np.float64), np.nan)


def position_report(pos: Position) -> dict[str, Any]:
    run = pos.run
    keys = run.matrix.keys
    report = run_report(run, pos.plan.classes.basis, Counts(None, None, len(keys["dealer"].cat.categories)
                                                  if run.dealer is not None else None, len(pos.run.fields), None))
    report["policy"] = pos.plan.policy
    report["stock"] = pos.stock_report
    return report

