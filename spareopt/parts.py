"""The parts master: cost, supply cycle and three-in-one attribute of every part.

Required column ``part``; optional ``description``, ``unit_cost``,
``lead_time_days``, ``order_cycle_days``, ``attribute`` (A/B/C) and ``pack_size``
(aliases in :data:`spareopt.columns.PARTS_COLUMNS`).  Blank cells, and parts in the
history that the master does not list, take the values of ``[defaults]`` in the
config, and :func:`part_fields` counts every value it defaulted.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import PARTS_COLUMNS, resolve_columns
from .config import Config
from .errors import InputError, format_examples
from .history import (
    MAX_ID_LENGTH,
    RowCheck,
    identifier_text,
    key_codes,
    month_cells,
    number_cells,
)
from .io import Table, read_table

__all__ = ["ATTRIBUTES", "DISCONTINUED", "NUMERIC_FIELDS", "PartsMaster", "load_parts", "new_parts", "part_fields"]

ATTRIBUTES = ("A", "B", "C")
"""Three-in-one attribute: A wear/consumable, B common, C high-value assembly (the seed)."""

NUMERIC_FIELDS = ("unit_cost", "lead_time_days", "order_cycle_days", "pack_size", "min_order_qty", "commonality",
                  "criticality", "reorder_point", "max_stock", "unit_volume", "shortage_cost", "salvage_value",
                  "min_stock", "installed_base")
"""Numeric master columns; ``reorder_point`` and ``max_stock`` are the planner's current settings (the
``current`` policy of :func:`spareopt.evaluate`); ``unit_volume``, ``shortage_cost`` and ``salvage_value``
serve the last buy (:func:`spareopt.last_buy`); ``min_stock`` is the planner's floor of every plan
(:func:`spareopt.policy.min_stock_levels`); ``installed_base``, the units of the part's vehicles in the field,
gives the demand model a failure-rate prior (:class:`spareopt.backtest.InstalledBase`)."""

DEFAULTED_FIELDS = ("unit_cost", "lead_time_days", "order_cycle_days", "pack_size", "attribute")
"""The master's fields that a part without them takes from ``[defaults]`` (unit_cost: from the history's price
first): a master without one of these columns is named in the run report, as its header may be among the
ignored ones (map it with ``--column``)."""

DISCONTINUED = ("discontinued", "obsolete", "停产", "已停产", "停售", "淘汰")
"""``status`` values (trimmed, lower-cased) that mark a part as discontinued: its last buy is due."""


@dataclass(frozen=True)
class PartsMaster:
    """A checked parts master, indexed by ``part`` (str).

    Columns present in the source among ``description``, ``unit_cost``,
    ``lead_time_days``, ``order_cycle_days``, ``attribute``, ``pack_size``;
    blank cells are NaN (numbers) or missing (text).
    """

    frame: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)


def load_parts(
    source: str | PathLike[str] | pd.DataFrame | Table,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    numeric: Sequence[str] = (),
    max_id_length: int = MAX_ID_LENGTH,
) -> PartsMaster:
    """Read and check a parts master.

    ``numeric`` names further columns (headers as written, e.g. multi-criteria
    criteria) to read as numbers; each one the file has is kept in ``frame``
    under its header.  ``max_id_length``: the config key, the longest part number.

    Raises
    ------
    InputError
        A missing ``part`` column; an empty or duplicate part; a number that is
        text, NaN or infinite; a negative ``unit_cost``, ``lead_time_days`` or
        ``order_cycle_days``; a ``pack_size`` that is not a whole number >= 1; an
        ``attribute`` other than A, B or C; a ``numeric`` column that holds text.  The message names the rows and values.
    """
    table = source if isinstance(source, Table) else read_table(source, encoding=encoding)
    mapping = resolve_columns(table.columns, PARTS_COLUMNS, source=table.source,
                              required=("part",), overrides=columns)
    raw, rows, name = table.frame, table.rows, table.source
    check = RowCheck(table, None, max_id_length=max_id_length)
    codes, names = key_codes(table.column(mapping["part"]), "part", mapping["part"], check)
    part = names[codes]
    duplicated = pd.Series(part).duplicated(keep=False).to_numpy()
    if duplicated.any():
        first = pd.Series(rows[duplicated]).groupby(part[duplicated], sort=False).agg(list)
        examples = [f"{p!r} at rows {', '.join(map(str, r[:3]))}" for p, r in first.items()]
        raise InputError(
            f"{name}: `part` must be unique in the parts master; {len(first):,} part(s) are listed more than once "
            f"(first: {format_examples(examples, len(first))}). Fix: keep one row per part"
        )
    out: dict[str, Any] = {}
    for column in NUMERIC_FIELDS:
        if column not in mapping:
            continue
        header = mapping[column]
        blank = ("the least important value" if column in ("commonality", "criticality") else
                 "not stocked" if column in ("reorder_point", "max_stock") else
                 "unknown" if column in ("unit_volume", "shortage_cost") else
                 "no floor" if column == "min_stock" else
                 "unknown" if column == "installed_base" else
                 "0" if column in ("salvage_value", "min_order_qty") else "default")
        value = number_cells(table.column(header), column, header, check, allow_empty=True,
                         fix=f"correct the {column} (blank = {blank})")
        if column == "pack_size":
            bad = ~np.isnan(value) & ((value < 1) | (np.mod(value, 1) != 0))
            rule, fix = "must be a whole number >= 1", "correct the pack size (blank = default)"
        elif column == "min_stock":
            bad = ~np.isnan(value) & ((value < 0) | (np.mod(value, 1) != 0))
            rule, fix = ("must be a whole number of units >= 0 (the planner's floor)",
                         "correct the min_stock (blank = no floor)")
        else:
            bad = value < 0
            rule, fix = "must be >= 0", f"correct the {column} (blank = {blank})"
        check.fail(bad, column, header, table.column(header), rule, fix)
        out[column] = value
    canonical_of = {h: c for c, h in mapping.items()}
    for header in numeric:
        if header in out:
            continue
        if canonical_of.get(header) in out:  # e.g. "cost", read as unit_cost already
            out[header] = out[canonical_of[header]]
            continue
        if header not in table.columns:
            continue  # the caller names what it asked for and did not get
        out[header] = number_cells(table.column(header), header, header, check, allow_empty=True,
                               fix=f"correct the {header} (blank = the least important value)")
    if "attribute" in mapping:
        header = mapping["attribute"]
        text = raw[header].astype(str).str.strip().str.upper()
        text[raw[header].isna().to_numpy()] = ""
        bad = ~text.isin(ATTRIBUTES + ("",)).to_numpy()
        check.fail(bad, "attribute", header, raw[header], "must be A, B or C (three-in-one attribute: A wear, "
                   "B common, C assembly)", "correct the letter (blank = default)")
        out["attribute"] = text.where(text != "", None).to_numpy(dtype=object)
    if "status" in mapping:
        header = mapping["status"]
        text = raw[header].astype(str).str.strip().str.lower()
        out["status"] = text.where(raw[header].notna() & (text != ""), None).to_numpy(dtype=object)
    if "end_of_production" in mapping:
        out["end_of_production"] = month_cells(table.column(mapping["end_of_production"]), "end_of_production",
                                                 mapping["end_of_production"], check,
                                                 "correct the cells (blank = still in production)")
    if "replaced_by" in mapping:
        text = identifier_text(raw[mapping["replaced_by"]])
        out["replaced_by"] = np.where(text == "", None, text).astype(object)
    if "description" in mapping:
        description = raw[mapping["description"]]
        text = description.astype(str).str.strip()
        out["description"] = text.where(description.notna() & (text != ""), None).to_numpy(dtype=object)
    frame = pd.DataFrame(out, index=pd.Index(part, name="part"))
    read = set(mapping.values()) | {h for h in numeric if h in table.columns}
    report = {"source": name, "encoding": table.encoding, "columns": dict(mapping), "parts": len(frame),
              "headers": list(table.columns), "sheet": table.sheet, "sheets_ignored": list(table.sheets_ignored),
              "columns_ignored": [h for h in table.columns if h and h not in read],
              "columns_missing": [c for c in DEFAULTED_FIELDS if c not in mapping], "layout": table.layout()}
    return PartsMaster(frame, report)


def part_fields(
    parts: np.ndarray,
    master: PartsMaster | None,
    config: Config,
    *,
    history_price: np.ndarray | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The master fields of each part, with defaults filled in and counted.

    Parameters
    ----------
    parts : ndarray of str, shape (n_parts,)
        Distinct part numbers (of the demand matrix).
    master : PartsMaster or None
    config : Config
        ``[defaults]`` supply what the master lacks.
    history_price : ndarray, shape (n_parts,), optional
        Average unit price from the sales history; used as ``unit_cost`` where
        the master gives none.

    Returns
    -------
    frame : DataFrame
        One row per part: ``description`` (if the master has it), ``unit_cost``
        (NaN = unknown), ``lead_time_days``, ``order_cycle_days``, ``pack_size``,
        ``min_stock`` (the planner's floor, 0 = none), ``installed_base`` (NaN = unknown), ``attribute``.
    report : dict
        ``parts_not_in_master`` (count and first parts), ``master_parts_without_history``
        (listed in the master, never sold up to as_of: not in the output) and, per
        field, how many parts took the default.
    """
    index = pd.Index(np.asarray(parts, dtype=object), dtype=object, name="part")
    in_master = np.zeros(len(index), dtype=bool)
    source = pd.DataFrame(index=index)
    if master is not None:  # one hash lookup, on object indexes (pyarrow-backed ones are slow at it)
        position = pd.Index(master.frame.index.to_numpy(dtype=object), dtype=object).get_indexer(index)
        in_master = position >= 0
        source = master.frame.iloc[np.maximum(position, 0)].set_axis(index)
        source = source.where(pd.Series(in_master, index=index), axis=0) if not in_master.all() else source
    defaults = config.defaults
    out = pd.DataFrame(index=index)
    defaulted: dict[str, int] = {}
    if "description" in source.columns:
        out["description"] = source["description"].to_numpy(dtype=object)
    cost = source["unit_cost"].to_numpy(dtype=np.float64) if "unit_cost" in source else np.full(len(index), np.nan)
    from_history = np.zeros(len(index), dtype=bool)
    if history_price is not None:
        from_history = np.isnan(cost) & np.isfinite(history_price)
        cost = np.where(from_history, history_price, cost)
    missing_cost = np.isnan(cost)
    if defaults.unit_cost is not None:
        cost = np.where(missing_cost, defaults.unit_cost, cost)
        defaulted["unit_cost"] = int(missing_cost.sum())
    out["unit_cost"] = cost
    for column in ("lead_time_days", "order_cycle_days", "pack_size"):
        value = source[column].to_numpy(dtype=np.float64) if column in source else np.full(len(index), np.nan)
        missing = np.isnan(value)
        defaulted[column] = int(missing.sum())
        out[column] = np.where(missing, float(getattr(defaults, column)), value)
    out["pack_size"] = out["pack_size"].astype(np.int64)
    floor = source["min_stock"].to_numpy(dtype=np.float64) if "min_stock" in source else np.zeros(len(index))
    out["min_stock"] = np.nan_to_num(floor, nan=0.0)  # blank: no floor
    out["installed_base"] = (source["installed_base"].to_numpy(dtype=np.float64) if "installed_base" in source
                             else np.full(len(index), np.nan))  # blank: unknown
    attribute = source["attribute"].to_numpy(dtype=object) if "attribute" in source else np.full(len(index), None)
    missing_attribute = pd.isna(attribute)
    defaulted["attribute"] = int(missing_attribute.sum())
    out["attribute"] = np.where(missing_attribute, defaults.attribute, attribute).astype(object)
    not_in = index[~in_master]
    report = {
        "parts_not_in_master": len(not_in) if master is not None else None,
        "parts_not_in_master_first": list(not_in[:5]) if master is not None else [],
        "master_parts_without_history": len(master.frame) - int(in_master.sum()) if master is not None else None,
        "unit_cost_from_history": int(from_history.sum()),
        "unit_cost_unknown": int(np.isnan(cost).sum()),
        "defaulted": defaulted,
    }
    return out, report


def new_parts(master: PartsMaster | None, sold: Sequence[str] | np.ndarray | pd.Index) -> np.ndarray:
    """The parts a plan lists without any sales: the master's parts with a ``min_stock`` > 0 or an
    ``installed_base`` > 0 that ``sold`` lacks.

    A planner who gives a new part a floor wants it on the shelf before its first sale, and a part
    with vehicles in the field may fail before it first sells; the planning jobs
    (:func:`spareopt.must_stock`, :func:`spareopt.evaluate`, :func:`spareopt.optimize`, the parts
    desk) give each such part a row of zero demand at every dealer of the run.

    Parameters
    ----------
    master : PartsMaster or None
    sold : sequence of str
        The parts of the demand matrix (sold up to as_of).

    Returns
    -------
    ndarray of object (str), sorted
        Empty without a master or without the column.

    Examples
    --------
    >>> master = load_parts(pd.DataFrame({"part": ["P1", "P2", "P3"], "min_stock": [2, 0, 1]}))
    >>> new_parts(master, ["P1"]).tolist()
    ['P3']
    """
    columns = [c for c in ("min_stock", "installed_base") if master is not None and c in master.frame]
    if not columns:
        return np.empty(0, dtype=object)
    frame = master.frame
    wanted = np.logical_or.reduce([frame[c].to_numpy(dtype=np.float64) > 0 for c in columns])
    names = pd.Index(frame.index.to_numpy(dtype=object)[wanted], dtype=object)
    missing = names[~names.isin(np.asarray(sold, dtype=object))]
    return np.sort(missing.to_numpy(dtype=object).astype(str)).astype(object)
