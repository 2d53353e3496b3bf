"""Header aliases: map a file's own column names onto spareopt's vocabulary.

Headers are compared after trimming, lower-casing, dropping a unit in brackets at
the end (``到货周期(天)``, ``单价（元）``, ``Lead time [days]``) and turning spaces,
dots and hyphens into underscores, so ``Part No.`` matches ``part_no``.  Chinese DMS
headers are matched as written.  ``--column CANONICAL=SOURCE`` (``columns=`` in
Python) maps anything else and wins over every alias.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError

__all__ = ["HISTORY_COLUMNS", "PARTS_COLUMNS", "STOCK_COLUMNS", "check_mapped_headers", "normalise_header", "parse_column_option",
           "resolve_columns"]

_PART = ("part", "part_id", "part_no", "part_number", "partnumber", "sku", "item",
         "配件编号", "零件号", "配件号", "零件编号", "配件代码", "零件代码")

HISTORY_COLUMNS: dict[str, tuple[str, ...]] = {
    "dealer": ("dealer", "site", "dealer_id", "服务站", "经销商", "服务站代码", "经销商代码"),
    "part": _PART,
    "date": ("date", "日期", "销售日期", "出库日期"),
    "period": ("period", "month", "月份", "年月"),
    "quantity": ("quantity", "qty", "数量", "销量", "销售数量", "出库数量"),
    "unit_price": ("unit_price", "单价", "销售单价"),
}
"""Canonical history columns and the headers accepted for each."""

PARTS_COLUMNS: dict[str, tuple[str, ...]] = {
    "part": _PART,
    "description": ("description", "part_name", "配件名称", "零件名称", "名称"),
    "unit_cost": ("unit_cost", "cost", "成本价", "采购价", "成本单价"),
    "lead_time_days": ("lead_time_days", "lead_time", "l/t", "lt", "到货周期"),
    "order_cycle_days": ("order_cycle_days", "order_cycle", "o/c", "oc", "采购周期"),
    "attribute": ("attribute", "属性", "备件属性", "配件属性"),
    "pack_size": ("pack_size", "包装数", "最小包装", "包装数量"),
    "min_order_qty": ("min_order_qty", "moq", "minimum_order_quantity", "最小订货量", "起订量"),
    "commonality": ("commonality", "models_used", "通用性", "适用车型数"),
    "criticality": ("criticality", "critical", "关键性", "重要度"),
    "reorder_point": ("reorder_point", "rop", "reorder_level", "再订货点", "订货点"),
    "max_stock": ("max_stock", "max_stock_level", "maximum_stock", "最大库存", "最高库存"),
    "min_stock": ("min_stock", "minimum_stock", "min_stock_qty", "stock_floor", "最低库存", "最低库存量", "最小库存"),
    "installed_base": ("installed_base", "vehicles_in_field", "units_in_field", "保有量", "车辆保有量", "在用数量"),
    "status": ("status", "part_status", "状态", "配件状态", "零件状态"),
    "end_of_production": ("end_of_production", "eop", "eop_date", "停产日期", "停产时间", "停产月份"),
    "unit_volume": ("unit_volume", "volume", "体积", "单件体积"),
    "shortage_cost": ("shortage_cost", "缺货成本"),
    "salvage_value": ("salvage_value", "salvage", "残值"),
    "replaced_by": ("replaced_by", "superseded_by", "successor", "替代件号", "新件号"),
}
"""Canonical parts-master columns and the headers accepted for each."""

STOCK_COLUMNS: dict[str, tuple[str, ...]] = {
    "dealer": HISTORY_COLUMNS["dealer"],
    "part": _PART,
    "on_hand": ("on_hand", "stock", "qty_on_hand", "on_hand_qty", "库存", "库存数量", "现有库存", "在库数量"),
    "on_order": ("on_order", "qty_on_order", "in_transit", "在途", "在途数量", "已订未到"),
    "reserved": ("reserved", "allocated", "预留", "预留数量", "占用数量"),
}
"""Canonical stock-snapshot columns and the headers accepted for each."""

_SEPARATORS = re.compile(r"[\s.\-]+")
_UNIT = re.compile(r"\s*[(\[（【][^()\[\]（）【】]*[)\]）】]$")


def normalise_header(header: str) -> str:
    """The form in which headers are compared: trimmed, lower case, a unit in brackets at the end dropped,
    spaces, dots and hyphens as ``_``.

    >>> [normalise_header(h) for h in (" Part No. ", "到货周期(天)", "单价（元）", "Lead time [days]", "(天)")]
    ['part_no', '到货周期', '单价', 'lead_time', '(天)']
    """
    text = str(header).strip().lstrip("\ufeff").lower()
    text = _UNIT.sub("", text) or text
    return _SEPARATORS.sub("_", text).strip("_")


def parse_column_option(items: Iterable[str]) -> dict[str, str]:
    """Parse ``CANONICAL=SOURCE`` strings (the ``--column`` option) into a dict.

    Raises
    ------
    ConfigError
        For an item without ``=`` or with an empty side (a ``ValueError``: the CLI turns it into a usage error).
    """
    out: dict[str, str] = {}
    for item in items:
        canonical, sep, source = item.partition("=")
        if not sep or not canonical.strip() or not source.strip():
            raise ConfigError(f"expected CANONICAL=SOURCE, e.g. part=零件代码; got {item!r}")
        out[canonical.strip()] = source.strip()
    return out


def resolve_columns(
    headers: Sequence[str],
    spec: Mapping[str, tuple[str, ...]],
    *,
    source: str,
    required: Sequence[str] = (),
    one_of: Sequence[str] = (),
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Map canonical names to the file's headers.

    Parameters
    ----------
    headers : sequence of str
        The file's headers, as read.
    spec : mapping
        Canonical name -> accepted aliases (:data:`HISTORY_COLUMNS`, :data:`PARTS_COLUMNS`).
    source : str
        The file name, for messages.
    required : sequence of str
        Canonical names that must be found.
    one_of : sequence of str
        Canonical names of which exactly one must be found (``date`` or ``period``).
    overrides : mapping, optional
        Canonical name -> header, from ``--column``; an override whose header is
        not in this file is left for the caller to check.

    Returns
    -------
    dict
        Canonical name -> header, for the columns found.

    Raises
    ------
    InputError
        A required column is missing, or two headers claim the same name.
    """
    listing = ", ".join(repr(h) for h in headers)
    mapping: dict[str, str] = {}
    for canonical, header in (overrides or {}).items():
        if canonical in spec and header in headers:
            mapping[canonical] = header
    taken = set(mapping.values())
    by_norm: dict[str, list[str]] = {}
    for header in headers:
        if header not in taken:
            by_norm.setdefault(normalise_header(header), []).append(header)
    for canonical, aliases in spec.items():
        if canonical in mapping:
            continue
        found = [h for alias in aliases for h in by_norm.get(normalise_header(alias), [])]
        found = list(dict.fromkeys(found))
        if len(found) > 1:
            raise InputError(
                f"{source}: column `{canonical}` is ambiguous: headers {', '.join(map(repr, found))} all mean "
                f"{canonical}. Choose one with --column {canonical}=HEADER (headers in the file: {listing})"
            )
        if found:
            mapping[canonical] = found[0]
    missing = [c for c in required if c not in mapping]
    if one_of and not any(c in mapping for c in one_of):
        missing.append(" or ".join(one_of))
    if missing:
        raise InputError(_missing_message(missing, source, listing, headers, overrides or {}))
    if one_of:
        present = [c for c in one_of if c in mapping]
        explicit = [c for c in present if overrides and c in overrides]
        if len(present) > 1 and len(explicit) == 1:
            for c in present:
                if c != explicit[0]:
                    del mapping[c]
        elif len(present) > 1:
            raise InputError(
                f"{source}: columns {', '.join(repr(mapping[c]) for c in present)} all give the month "
                f"({' and '.join(present)}); choose one with --column {present[0]}=HEADER "
                f"(headers in the file: {listing})"
            )
    return mapping


def _missing_message(missing: list[str], source: str, listing: str, headers: Sequence[str],
                     overrides: Mapping[str, str]) -> str:
    """Every required column a file lacks, in one message: a ``--column`` whose header the file does not have is
    named as such (its spelling is the fix), the others with the mapping that fixes each.

    >>> print(_missing_message(["part", "quantity"], "sales.csv", "'物料号', 'qty'", ["物料号", "qty"], {}))
    sales.csv: required columns `part` and `quantity` are missing (headers in the file: '物料号', 'qty'). Rename them, or map each with --column part=HEADER --column quantity=HEADER
    """
    mapped: list[tuple[str, str]] = []
    unmapped: list[str] = []
    for name in missing:  # a name is "date or period" for one of several
        given = next(((c, overrides[c]) for c in name.split(" or ") if c in overrides and overrides[c] not in headers),
                     None)
        if given is None:
            unmapped.append(name)
        else:
            mapped.append(given)
    said, fixes = [], []
    if mapped:
        said += [f"--column {c}={h}: {h!r} is not a header of the file" for c, h in mapped]
        fixes.append("Check the spelling of " + " and ".join(repr(h) for _, h in mapped) + ", or map "
                     + " and ".join(f"--column {c}=HEADER" for c, _ in mapped) + " to a header of the file")
    if len(unmapped) == 1:
        said.append(f"required column `{unmapped[0]}` is missing")
        fixes.append(f"Rename it, or map it with --column {unmapped[0].split(' or ')[0]}=HEADER")
    elif unmapped:
        said.append("required columns " + ", ".join(f"`{c}`" for c in unmapped[:-1]) + f" and `{unmapped[-1]}` are "
                    "missing")
        fixes.append("Rename them, or map each with " + " ".join(f"--column {c.split(' or ')[0]}=HEADER"
                                                                 for c in unmapped))
    return f"{source}: {', and '.join(said)} (headers in the file: {listing}). {'; '.join(fixes)}"


def check_mapped_headers(columns: Mapping[str, str] | None, spec: Mapping[str, Any], headers: Sequence[str],
                         source: str) -> None:
    """Every ``--column CANONICAL=HEADER`` of a file's columns (``spec``) names one of its ``headers``.

    >>> check_mapped_headers({"factor": "系数"}, {"factor": ()}, ["old_part", "new_part"], "subs.csv")
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: --column factor=系数: '系数' is not a header of subs.csv (headers: 'old_part', 'new_part'); check the spelling
    """
    for canonical, header in (columns or {}).items():  # the mapping may carry other files' overrides too
        if canonical in spec and header not in headers:
            raise InputError(f"--column {canonical}={header}: {header!r} is not a header of {source} (headers: "
                             f"{', '.join(map(repr, headers))}); check the spelling")


def columns_of(columns: Mapping[str, str] | None, spec: Mapping[str, Any]) -> dict[str, str] | None:
    """The ``--column`` overrides of one file's own columns."""
    return {k: v for k, v in (columns or {}).items() if k in spec} or None


def text_column(codes: np.ndarray, names: Any) -> pd.Series:
    """A text column from codes into names (None = missing), decoded by pyarrow (no Python string per row)."""
    import pyarrow as pa

    dictionary = pa.array(pd.Series(np.asarray(names, dtype=object), dtype=object), type=pa.string(), from_pandas=True)
    array = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), dictionary)
    return pd.Series(array.dictionary_decode().to_pandas(types_mapper={pa.string(): pd.StringDtype(
        "pyarrow", na_value=np.nan)}.get))

