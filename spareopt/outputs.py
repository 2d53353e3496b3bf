"""What a person reads: the display columns, the planner's column set, and the dealer packs.

One table, :data:`DISPLAY_COLUMNS`, gives every column a person may read its header and the kind of its values
(the number format of an XLSX: integers as integers, rates as percentages, money with thousands separators and
the config's ``currency``).  :data:`WHY` gives the plain words of each decision.  A translation (``--lang``) maps
these two tables and nothing else.

- :func:`table_view`: the table of one file (``-o FILE``): the full technical table (``column_set="all"``, the
  default: the column names as headers, so that programs read it as before) or the planner's set
  (``"planner"``: :data:`PLANNER_COLUMNS`, display headers).
- :func:`dealer_packs`: one file per dealer (``-o DIR --per-dealer``), its rows only, named after the dealer
  (and its name from a dealer master, :mod:`spareopt.dealers`), plus ``summary.xlsx``: the network summary, one
  row per dealer with its file, and the run facts.  The planner's set is the default there: a pack goes to a
  dealer's parts manager.

Packs are made from a job's merged table, so they are the same whatever engine ran the job.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .config import Config, load_config
from .dealers import DealerMaster
from .errors import InputError, UsageError
from .io import FolderFile, Layout, file_names, groups_of
from .lang import tr
from .report import summary_items
from .result import Result
from .run_report import RunReport
from .validate import instance

__all__ = ["COLUMN_SETS", "DISPLAY_COLUMNS", "PACK_JOBS", "PLANNER_COLUMNS", "WHY", "Display", "Packs", "View",
           "dealer_packs", "layout_of", "planner_table", "table_view"]


@dataclass(frozen=True)
class Display:
    """How a person reads one column: its header, and the kind of its values (:data:`spareopt.workbook.KINDS`:
    text, integer, quantity (whole numbers shown as integers), number, rate, money)."""

    header: str
    kind: str = "text"


DISPLAY_COLUMNS: dict[str, Display] = {
    # who and what
    "dealer": Display("Dealer"),
    "dealer_name": Display("Dealer name"),
    "region": Display("Region"),
    "part": Display("Part"),
    "description": Display("Part name"),
    "class_code": Display("Class"),
    "abc_class": Display("ABC class"),
    "attribute": Display("Attribute"),
    "pattern": Display("Demand pattern"),
    # the plan
    "reorder_point": Display("Min (reorder point)", "integer"),
    "max_stock": Display("Max", "integer"),
    "min_stock": Display("Planner's minimum", "integer"),
    "order_qty": Display("Suggested order", "integer"),
    "why": Display("Why"),
    "decision": Display("Kept at"),
    "reason": Display("Rule"),
    "priority": Display("Priority", "integer"),
    "unit_cost": Display("Unit cost", "money"),
    "half_year_quantity": Display("Sold, last 6 months", "quantity"),
    "mad": Display("Monthly demand (MAD)", "number"),
    "ssq": Display("Safety stock (SSQ)", "number"),
    "forecast": Display("Forecast per month", "number"),
    "target": Display("Service target", "rate"),
    "implied_csl": Display("Cycle service level", "rate"),
    "implied_fill_rate": Display("Fill rate", "rate"),
    # the stock and the order
    "on_hand": Display("On hand", "quantity"),
    "on_order": Display("On order", "quantity"),
    "reserved": Display("Reserved", "quantity"),
    "inventory_position": Display("Stock position", "quantity"),
    "pack_size": Display("Pack size", "integer"),
    "min_order_qty": Display("Minimum order", "quantity"),
    "order_value": Display("Order value", "money"),
    "stock_value": Display("Stock value", "money"),
    "excess_qty": Display("Excess", "quantity"),
    "excess_value": Display("Excess value", "money"),
    "expected_fill_rate": Display("Expected fill rate", "rate"),
    "fill_rate": Display("Fill rate", "rate"),
    "promised_fill_rate": Display("Promised fill rate", "rate"),
    # the network summary of the packs
    "file": Display("File"),
    "rows": Display("Parts listed", "integer"),
    "dealer_rows": Display("Stocked here", "integer"),
    "central_rows": Display("Central warehouse", "integer"),
    "none_rows": Display("On demand", "integer"),
    "dealer_stock_value_at_max": Display("Stock value at Max", "money"),
    "lines": Display("Order lines", "integer"),
    "units": Display("Units", "quantity"),
    "value": Display("Order value", "money"),
    "cut_lines": Display("Lines cut by the budget", "integer"),
    "cut_value": Display("Value cut by the budget", "money"),
    "budget": Display("Budget", "money"),
}
"""Every column a person may read: its header (English) and the kind of its values."""

WHY: dict[str, str] = {
    "stock": "Stock here",
    "min_stock": "Stock here: the planner's minimum",
    "low_ssq": "Order from the central warehouse: safety stock too low to keep here",
    "low_volume": "Order on demand: too few sales in the last 6 months",
    "no_demand": "Order on demand: no sale in the last 6 months",
    "high_value_assembly": "Order on demand: costly assembly that seldom fails",
    "direct_supply": "Order on demand: delivered at once",
    "class_policy:dealer": "Stock here: class policy",
    "class_policy:central": "Order from the central warehouse: class policy",
    "class_policy:none": "Order on demand: class policy",
    "reorder": "Stock position at or below Min: order up to Max",
    "budget_cut": "Cut: over the dealer's order budget",
}
"""The ``why`` of a planner's row, by the row's ``reason`` (a class policy's by its decision too)."""

TITLES = {"must-stock": "must-stock list", "order": "stock order"}
"""What a pack is, in its print header."""

PLANNER_COLUMNS: dict[str, tuple[str, ...]] = {
    "must-stock": ("part", "description", "class_code", "reorder_point", "max_stock", "why"),
    "order": ("part", "description", "reorder_point", "max_stock", "inventory_position", "order_qty", "order_value",
              "why"),
}
"""The planner's columns of each job (``description`` when the parts master has one).  ``must-stock`` has no
suggested order: the plan does not know the dealer's shelf; ``order`` (with the stock snapshot) has it, and no
class (its table has none)."""

PACK_JOBS = tuple(PLANNER_COLUMNS)
"""The jobs that write a planner's set and dealer packs."""

COLUMN_SETS = ("planner", "all")
"""``--columns``: the planner's set (:data:`PLANNER_COLUMNS`) or every column of the job's table."""

SUMMARY_NAME = "summary"
"""The network summary's file in a folder of packs (``summary.xlsx``)."""


@dataclass(frozen=True)
class View:
    """A table as one file shows it: its rows and columns, how they are laid out, the run facts of its summary
    sheet, and the run report (with the dealer master's facts)."""

    table: pd.DataFrame
    layout: Layout
    summary: dict[str, Any]
    report: RunReport


@dataclass(frozen=True)
class Packs:
    """One file per dealer and the network summary (``files``, the summary last), ready for
    :meth:`spareopt.io.Outputs.write_folder`.

    ``dealers``: the network summary, one row per dealer with its file; ``report``: the run report with the dealer
    master's facts."""

    files: list[FolderFile]
    dealers: pd.DataFrame
    report: RunReport
    rows: int = 0
    format: str = "xlsx"
    names: dict[str, str] = field(default_factory=dict)


def table_view(result: Result, job: str, *, column_set: str = "all", dealers: DealerMaster | None = None,
               config: Config | Mapping[str, Any] | str | None = None) -> View:
    """The table of one file (``-o FILE``): every column, or the planner's set; dealer names on its sheets.

    Parameters
    ----------
    result : Result
        What the job returned.
    job : str
        Its command, e.g. ``"must-stock"`` (the planner's set exists for :data:`PACK_JOBS`).
    column_set : {"all", "planner"}
        ``all``: the job's table as it is, headed by the column names (what programs read); ``planner``: the
        planner's columns with their display headers (:data:`PLANNER_COLUMNS`).
    dealers : DealerMaster, optional
        Puts each dealer's name on its sheet (and, in the planner's set, a ``dealer_name`` column).
    config : Config, mapping or TOML path, optional
        ``currency`` and ``csv_bom``.

    Raises
    ------
    UsageError
        ``column_set`` is not one of :data:`COLUMN_SETS`, or ``planner`` for a job without a planner's set.
    """
    cfg = load_config(config)
    _check_call(result, job, column_set, dealers)
    table = result.table
    report = _with_master(result.report, table, dealers)
    names = _dealer_titles(table, dealers)
    if column_set == "planner":
        table = planner_table(table, job, dealers=dealers, lang=cfg.lang)
    layout = dataclasses.replace(layout_of(table, cfg), headers=_headers(table, cfg.lang) if column_set == "planner" else {},
                                 sheet_titles=names)
    return View(table, layout, summary_items(report, cfg.lang), report)


def layout_of(table: pd.DataFrame, config: Config | Mapping[str, Any] | str | None = None) -> Layout:
    """How ``table`` is shown with its column names as headers: the number kinds of the columns
    :data:`DISPLAY_COLUMNS` knows, the config's ``currency``, and its ``csv_bom``."""
    cfg = load_config(config)
    return Layout(kinds=_kinds(table), currency=cfg.currency, bom=cfg.csv_bom,
                  summary=(tr("summary", cfg.lang), tr("item", cfg.lang), tr("value", cfg.lang)))


def dealer_packs(result: Result, job: str, *, column_set: str = "planner", dealers: DealerMaster | None = None,
                 config: Config | Mapping[str, Any] | str | None = None, format: str = "xlsx") -> Packs:
    """One file per dealer with its rows only, and the network summary: what a planner sends to the dealers.

    Each dealer's file is named ``<dealer>[ <dealer_name>].<format>`` (safe on Windows, unique ignoring case,
    :func:`spareopt.io.file_names`); a workbook has one sheet, named likewise, with a print header that says
    whose list it is and its ``as_of``.  ``summary.<format>`` comes last: one row per dealer (its file, its rows,
    and the job's totals: rows stocked here, centrally and on demand with the stock value at Max for
    ``must-stock``; lines, units and value for ``order``), and in a workbook, a ``summary`` sheet of the run
    facts.  ``order`` lists the dealers with nothing to order too, without a file.

    Raises
    ------
    InputError
        The table has no ``dealer`` column (a network total: one list, not one per dealer).
    UsageError
        As :func:`table_view`; ``format`` is not xlsx or csv.
    """
    cfg = load_config(config)
    _check_call(result, job, column_set, dealers)
    if format not in ("xlsx", "csv"):
        raise UsageError(f"dealer packs are written as xlsx or csv, not {format}")
    table = result.table
    if "dealer" not in table.columns:
        raise InputError("the history has no dealer column, so the plan is one list for the network, not one per "
                         "dealer: write it with -o FILE instead of --per-dealer, or map the dealer column with "
                         "--column dealer=HEADER")
    report = _with_master(result.report, table, dealers)
    table, groups = groups_of(table, "dealer")
    ids = [key for key, _, _ in groups]
    name = dealers.names(ids)[0] if dealers is not None else np.full(len(ids), "", dtype=object)
    stems = [f"{d} {n}".strip() for d, n in zip(ids, name)]  # one per dealer: its file's name
    suffix = f".{format}"
    files = file_names(stems, suffix, taken=[SUMMARY_NAME + suffix])
    shown = planner_table(table, job, lang=cfg.lang) if column_set == "planner" else table
    shown = shown.drop(columns=[c for c in ("dealer", "dealer_name", "region") if c in shown.columns])
    headers = _headers(shown, cfg.lang) if column_set == "planner" else {}
    kinds = _kinds(shown)
    as_of = result.report.get("as_of")
    what = tr(TITLES.get(job, job), cfg.lang) + (f", {tr('as of', cfg.lang)} {as_of}" if as_of else "")
    out: list[FolderFile] = []
    for stem, file, (_, start, stop) in zip(stems, files, groups):  # one file per dealer
        layout = dataclasses.replace(layout_of(shown, cfg), headers=headers, kinds=kinds, sheet_name=stem,
                                     title=f"{stem} · {what}")
        out.append(FolderFile(file, shown.iloc[start:stop], layout=layout))
    network = _network_summary(result, job, table, groups, dealers, dict(zip(ids, files)))
    summary_layout = dataclasses.replace(layout_of(network, cfg), headers=_headers(network, cfg.lang),
                                         sheet_name=tr("Dealer", cfg.lang) if cfg.lang != "en" else "dealers")
    facts = summary_items(report, cfg.lang) if format == "xlsx" else None
    out.append(FolderFile(SUMMARY_NAME + suffix, network, summary=facts, layout=summary_layout))
    return Packs(out, network, report, rows=len(table), format=format, names=dict(zip(ids, files)))


def planner_table(table: pd.DataFrame, job: str, *, dealers: DealerMaster | None = None,
                  lang: str | None = None) -> pd.DataFrame:
    """The planner's columns of a job's table (:data:`PLANNER_COLUMNS`), after ``dealer`` (and its
    ``dealer_name`` and ``region`` from ``dealers``), in the table's row order.

    ``why`` says where the part is kept and why, in words (:data:`WHY`).  For ``must-stock``, Min and Max are
    left empty where the part is not kept at the dealer (the plan's levels are the dealer's shelf).

    >>> table = pd.DataFrame({"dealer": ["D1", "D1"], "part": ["P1", "P2"], "class_code": ["AA2", "CB1"],
    ...                       "reorder_point": [4, 2], "max_stock": [6, 2], "decision": ["dealer", "central"],
    ...                       "reason": ["stock", "low_ssq"]})
    >>> planner = planner_table(table, "must-stock")
    >>> planner.columns.tolist(), planner["max_stock"].tolist()
    (['dealer', 'part', 'class_code', 'reorder_point', 'max_stock', 'why'], [6, <NA>])
    >>> planner["why"].tolist()
    ['Stock here', 'Order from the central warehouse: safety stock too low to keep here']
    """
    if job not in PLANNER_COLUMNS:
        raise UsageError(f"{job} has no planner's column set; use column_set='all' (the planner's set: "
                         f"{', '.join(PACK_JOBS)})")
    out: dict[str, Any] = {}
    if "dealer" in table.columns:
        out["dealer"] = table["dealer"]
        if dealers is not None:
            out["dealer_name"], out["region"], _ = dealers.names(table["dealer"].to_numpy(dtype=object))
    reason = table["reason"].astype(str)
    if "decision" in table.columns:
        reason = reason.where(reason != "class_policy", "class_policy:" + table["decision"].astype(str))
    why = reason.map({k: tr(v, lang) for k, v in WHY.items()}).fillna(reason)  # ``lang``: spareopt.lang
    kept_here = table["decision"].eq("dealer").to_numpy() if "decision" in table.columns else None
    for column in PLANNER_COLUMNS[job]:
        if column == "why":
            out[column] = why
        elif column in ("reorder_point", "max_stock") and kept_here is not None:
            out[column] = pd.array(np.where(kept_here, table[column].to_numpy(dtype=np.int64), 0), dtype="Int64")
            out[column][~kept_here] = pd.NA
        elif column in table.columns:
            out[column] = table[column]
    return pd.DataFrame(out, index=table.index).reset_index(drop=True)


# -- the pieces ----------------------------------------------------------------------------------------------------


def _check_call(result: Any, job: str, column_set: str, dealers: Any) -> None:
    """What a caller gives :func:`table_view` and :func:`dealer_packs`: a job's Result, its command, a column set,
    and a DealerMaster or None."""
    from .engine import JOBS

    instance("result", result, Result, "a spareopt.Result", hint="Pass what the job returned, e.g. spareopt.must_stock(...)")
    if job not in JOBS:
        raise UsageError(f"job must be one of {', '.join(JOBS)}; got {job!r}")
    instance("dealers", dealers, (DealerMaster, type(None)), "a spareopt.DealerMaster or None",
             hint="Pass spareopt.load_dealers(path or frame)")
    if column_set not in COLUMN_SETS:
        raise UsageError(f"column_set must be one of {', '.join(COLUMN_SETS)}; got {column_set!r}")
    if column_set == "planner" and job not in PLANNER_COLUMNS:
        raise UsageError(f"{job} has no planner's column set; use all (the planner's set: {', '.join(PACK_JOBS)})")


def _headers(table: pd.DataFrame, lang: str | None = None) -> dict[str, str]:
    return {c: tr(DISPLAY_COLUMNS[c].header, lang) for c in table.columns if c in DISPLAY_COLUMNS}


def _kinds(table: pd.DataFrame) -> dict[str, str]:
    return {c: DISPLAY_COLUMNS[c].kind for c in table.columns if c in DISPLAY_COLUMNS}


def _dealer_titles(table: pd.DataFrame, dealers: DealerMaster | None) -> dict[str, str]:
    """Each dealer's sheet title: its id and name (when the master names it)."""
    if dealers is None or "dealer" not in table.columns:
        return {}
    ids = pd.unique(table["dealer"].to_numpy(dtype=object))
    name, _, found = dealers.names(ids)
    named = found & (name != "")
    return dict(zip(ids[named].tolist(), (ids[named].astype(str) + " " + name[named].astype(str)).tolist()))


def _with_master(report: RunReport, table: pd.DataFrame, dealers: DealerMaster | None) -> RunReport:
    """The run report with the dealer master's facts: the dealers it names, and those it does not."""
    if dealers is None:
        return report
    ids = pd.unique(table["dealer"].to_numpy(dtype=object)) if "dealer" in table.columns else np.array([])
    name, _, found = dealers.names(ids)
    unnamed = ids[~found | (name == "")]
    listed = set(dealers.frame["dealer"].tolist())
    return {**report, "dealer_master": {
        "source": dealers.report.get("source"), "rows": len(dealers.frame), "dealers_named": int(len(ids) -
                                                                                               len(unnamed)),
        "dealers_unnamed": len(unnamed), "dealers_unnamed_first": [str(d) for d in unnamed[:5]],
        "rows_not_in_history": len(listed - set(ids.tolist())),
    }}


def _network_summary(result: Result, job: str, table: pd.DataFrame, groups: list[tuple[str, int, int]],
                     dealers: DealerMaster | None, files: dict[str, str]) -> pd.DataFrame:
    """One row per dealer: who it is, its file, and the job's totals (``order``: every dealer of its totals, with
    no file for a dealer with nothing to order)."""
    sizes = np.array([stop - start for _, start, stop in groups], dtype=np.int64)
    rows = dict(zip(files, sizes.tolist()))
    by_order = job == "order" and result.totals is not None and "dealer" in result.totals.columns
    ids = result.totals["dealer"].astype(str).tolist() if by_order else list(files)
    name, region, _ = dealers.names(ids) if dealers is not None else (np.full(len(ids), "", dtype=object),) * 3
    head = pd.DataFrame({"dealer": ids, "dealer_name": name, "region": region,
                         "file": [files.get(d, "") for d in ids]})
    head["rows"] = np.array([rows.get(d, 0) for d in ids], dtype=np.int64)
    head = head.drop(columns=[c for c in ("dealer_name", "region") if not (head[c] != "").any()])
    if by_order:
        totals = result.totals.reset_index(drop=True)
        return pd.concat([head.drop(columns=["rows"]), totals.drop(columns=["dealer"])], axis=1)
    group = np.repeat(np.arange(len(ids)), sizes)
    if job == "must-stock" and "decision" in table.columns:
        decision = table["decision"].to_numpy(dtype=object)
        for label in ("dealer", "central", "none"):
            head[f"{label}_rows"] = np.bincount(group, weights=decision == label, minlength=len(ids)).astype(np.int64)
        if "unit_cost" in table.columns and np.isfinite(table["unit_cost"].to_numpy(dtype=np.float64)).any():
            value = np.nan_to_num(table["max_stock"].to_numpy(dtype=np.float64) *
                                  table["unit_cost"].to_numpy(dtype=np.float64)) * (decision == "dealer")
            head["dealer_stock_value_at_max"] = np.bincount(group, weights=value, minlength=len(ids))
    return head
