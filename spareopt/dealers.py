"""The dealer master: each dealer's name and region (``--dealers FILE``), for the names on files and sheets.

A dealer master (CSV, XLSX or Parquet, the same encodings as every input) has a ``dealer`` column, the dealer's id
as the history spells it, and optionally ``dealer_name`` (``name``, 经销商名称, 服务站名称, ...) and ``region``
(区域, 大区, ...).  It changes no number of a plan: it names the dealer packs (``D01 北京东方.xlsx``), their sheets
and print titles, and the rows of the network summary.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import HISTORY_COLUMNS, resolve_columns
from .history import RowCheck, empty_cells, factorize_cells, key_codes
from .io import Table, read_table

__all__ = ["DEALER_COLUMNS", "DealerMaster", "load_dealers"]

DEALER_COLUMNS: dict[str, tuple[str, ...]] = {
    "dealer": HISTORY_COLUMNS["dealer"],
    "dealer_name": ("dealer_name", "name", "site_name", "经销商名称", "服务站名称", "门店名称", "名称", "简称"),
    "region": ("region", "area", "zone", "区域", "大区", "片区", "省份"),
}
"""Canonical dealer-master columns and the headers accepted for each."""


@dataclass(frozen=True)
class DealerMaster:
    """A checked dealer master: one row per dealer.

    ``frame`` has ``dealer`` (str, as the history's dealer ids are read), ``dealer_name`` and ``region`` (str,
    ``""`` where the file has none); ``report`` says what was read.
    """

    frame: pd.DataFrame
    report: dict[str, Any] = field(default_factory=dict)

    def names(self, dealers: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The name and region of each of ``dealers`` (``""`` for a dealer the master does not list), and which
        of them it lists."""
        index = pd.Index(self.frame["dealer"].to_numpy(dtype=object), dtype=object)
        position = index.get_indexer(pd.Index(np.asarray(dealers, dtype=object), dtype=object))
        found = position >= 0
        at = np.maximum(position, 0)
        name = np.where(found, self.frame["dealer_name"].to_numpy(dtype=object)[at] if len(index) else "", "")
        region = np.where(found, self.frame["region"].to_numpy(dtype=object)[at] if len(index) else "", "")
        return name.astype(object), region.astype(object), found


def load_dealers(
    source: str | PathLike[str] | pd.DataFrame | Table,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
) -> DealerMaster:
    """Read and check a dealer master.

    Parameters
    ----------
    source : path, DataFrame or Table
        ``dealer``; optional ``dealer_name`` and ``region`` (:data:`DEALER_COLUMNS` lists the headers accepted).
    columns : mapping, optional
        Canonical name -> header, for headers with no known alias.
    encoding : str, optional
        Text encoding; default: detect UTF-8 or GB18030.

    Raises
    ------
    InputError
        A missing ``dealer`` column; an empty dealer cell; a dealer listed twice.  The message names the file,
        rows, column and values.

    Examples
    --------
    >>> master = load_dealers(pd.DataFrame({"dealer": ["D02", "D01"], "name": ["上海二店", "北京一店"]}))
    >>> master.frame.to_dict("list")
    {'dealer': ['D01', 'D02'], 'dealer_name': ['北京一店', '上海二店'], 'region': ['', '']}
    """
    table = source if isinstance(source, Table) else read_table(source, encoding=encoding)
    mapping = resolve_columns(table.columns, DEALER_COLUMNS, source=table.source, required=("dealer",),
                              overrides=columns)
    blank = np.ones(len(table), dtype=bool)  # rows with every mapped cell empty: blank lines, skipped
    for header in mapping.values():
        empty = empty_cells(table.column(header))
        blank &= empty if empty is not None else False
    keep = ~blank if blank.any() else None
    check = RowCheck(table, keep)
    codes, dealers = key_codes(table.column(mapping["dealer"]), "dealer", mapping["dealer"], check)
    listed = codes if keep is None else np.where(keep, codes, -1)
    seen = pd.Series(listed).duplicated(keep="first").to_numpy() & (listed >= 0)
    check.fail(seen, "dealer", mapping["dealer"], table.column(mapping["dealer"]),
               "must list each dealer once (this dealer is listed in an earlier row too)",
               "keep one row per dealer")
    out: dict[str, Any] = {"dealer": dealers[codes]}
    for name in ("dealer_name", "region"):
        if name in mapping:
            cell_codes, uniques = factorize_cells(table.column(mapping[name]))
            text = np.append(uniques.astype(str).str.strip().to_numpy(dtype=object), "")  # code -1: no value
            out[name] = text[cell_codes]
        else:
            out[name] = np.full(len(table), "", dtype=object)
    frame = pd.DataFrame(out)
    if keep is not None:
        frame = frame[keep]
    frame = frame.sort_values("dealer", kind="stable").reset_index(drop=True)
    report = {"source": table.source, "columns": dict(mapping), "rows": len(frame), "rows_blank": int(blank.sum()),
              "named": int((frame["dealer_name"] != "").sum())}
    return DealerMaster(frame, report)
