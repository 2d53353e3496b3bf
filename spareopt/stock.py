"""The stock snapshot: what each dealer holds, has on order and has promised, per part.

A stock file (``--stock FILE``; CSV, XLSX or Parquet, the same encodings and
header aliases as the history, :data:`spareopt.columns.STOCK_COLUMNS`) has the
columns ``part`` and ``on_hand``, and optionally ``dealer``, ``on_order``
(default 0) and ``reserved`` (units promised to open repair orders, default 0).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import STOCK_COLUMNS, check_mapped_headers, resolve_columns
from .history import RowCheck, empty_cells, key_codes, number_cells
from .io import Table, read_table

__all__ = ["STOCK_QUANTITIES", "Stock", "load_stock"]

STOCK_QUANTITIES = ("on_hand", "on_order", "reserved")
"""The quantity columns of a stock snapshot, units."""


@dataclass(frozen=True)
class Stock:
    """A checked stock snapshot: one row per (dealer,) part, duplicates summed.

    ``frame`` has ``dealer`` (when the file has one), ``part`` (str) and
    ``on_hand``, ``on_order``, ``reserved`` (float64, >= 0); ``report`` says what
    was read, summed and defaulted.
    """

    frame: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)

    def by_part(self, parts: Any) -> tuple[pd.DataFrame, dict[str, Any]]:
        """The network's stock of each of ``parts`` (all dealers summed), 0 where the file has none.

        Returns the frame (index ``parts``, the three quantity columns) and the
        counts of parts without a stock row and of stock parts not asked for.
        """
        index = pd.Index(np.asarray(parts, dtype=object), dtype=object)
        total = self.frame.groupby("part", sort=False)[list(STOCK_QUANTITIES)].sum()
        position = pd.Index(total.index.to_numpy(dtype=object), dtype=object).get_indexer(index)
        found = position >= 0
        values = np.where(found[:, None], total.to_numpy(dtype=np.float64)[np.maximum(position, 0)], 0.0)
        asked = np.zeros(len(total), dtype=bool)
        asked[position[found]] = True
        unused = total.index[~asked]
        return pd.DataFrame(values, index=index, columns=list(STOCK_QUANTITIES)), {
            "parts_without_stock_row": int((~found).sum()),
            "stock_parts_not_planned": len(unused),
            "stock_parts_not_planned_first": [str(p) for p in unused[:5]],
            "stock_units_not_planned": float(total.loc[unused, "on_hand"].sum()) if len(unused) else 0.0,
        }


def load_stock(
    source: str | PathLike[str] | pd.DataFrame | Table,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> Stock:
    """Read and check a stock snapshot.

    Parameters
    ----------
    source : path, DataFrame or Table
        ``part``, ``on_hand``; optional ``dealer``, ``on_order``, ``reserved``.
    columns : mapping, optional
        Canonical name -> header, for headers with no known alias.
    encoding : str, optional
        Text encoding; default: detect UTF-8 or GB18030.

    Returns
    -------
    Stock
        Rows of the same (dealer, part) are summed (several bins of one part);
        the report counts them, and the blank ``on_order`` and ``reserved`` cells
        taken as 0.

    Raises
    ------
    InputError
        A missing ``part`` or ``on_hand`` column; an empty part; a blank
        ``on_hand``; a quantity that is text, negative or not finite.  The
        message names the file, rows, column and values.

    Examples
    --------
    >>> stock = load_stock(pd.DataFrame({"part": ["A", "A", "B"], "on_hand": [2, 1, 0], "on_order": [None, 3, 1]}))
    >>> stock.frame.to_dict("list")
    {'part': ['A', 'B'], 'on_hand': [3.0, 0.0], 'on_order': [3.0, 1.0], 'reserved': [0.0, 0.0]}
    """
    table = source if isinstance(source, Table) else read_table(source, encoding=encoding)
    # dealer and part overrides may be the history's only: the quantities' are the stock file's own
    check_mapped_headers(columns, STOCK_QUANTITIES, table.columns, table.source)
    mapping = resolve_columns(table.columns, STOCK_COLUMNS, source=table.source,
                              required=("part", "on_hand"), overrides=columns)
    blank = np.ones(len(table), dtype=bool)  # rows with every mapped cell empty: blank lines, skipped and counted
    for header in mapping.values():
        empty = empty_cells(table.column(header))
        blank &= empty if empty is not None else False
    keep = ~blank if blank.any() else None
    check = RowCheck(table, keep)
    keys: dict[str, np.ndarray] = {}
    for name in ("dealer", "part"):
        if name in mapping:
            codes, names = key_codes(table.column(mapping[name]), name, mapping[name], check)
            keys[name] = names[codes]
    out: dict[str, np.ndarray] = {}
    defaulted: dict[str, int] = {}
    for name in STOCK_QUANTITIES:
        if name not in mapping:
            out[name] = np.zeros(len(table))
            continue
        header = mapping[name]
        blank_means = "fill in 0 for no stock" if name == "on_hand" else "blank = 0"
        value = number_cells(table.column(header), name, header, check, allow_empty=name != "on_hand",
                         fix=f"correct the {name} ({blank_means})")
        check.fail(value < 0, name, header, table.column(header), "must be >= 0 (units)",
                   f"correct the {name}; a part owed to customers goes in reserved")
        missing = np.isnan(value)
        defaulted[name] = int(missing.sum())
        out[name] = np.where(missing, 0.0, value)
    frame = pd.DataFrame({**keys, **out})
    if keep is not None:
        frame = frame[keep].reset_index(drop=True)
    by = [k for k in ("dealer", "part") if k in keys]
    merged = frame.groupby(by, sort=True, as_index=False)[list(STOCK_QUANTITIES)].sum()
    report = {"source": table.source, "encoding": table.encoding, "columns": dict(mapping),
              "headers": list(table.columns), "sheet": table.sheet, "sheets_ignored": list(table.sheets_ignored),
              "columns_ignored": [h for h in table.columns if h and h not in mapping.values()],
              "layout": table.layout(), "rows": len(frame), "rows_blank": int(blank.sum()),
              "rows_summed": len(frame) - len(merged), "defaulted_to_zero": {k: v for k, v in defaulted.items() if v},
              "dealers": int(merged["dealer"].nunique()) if "dealer" in merged else None, "parts": int(
                  merged["part"].nunique())}
    return Stock(merged, report)
