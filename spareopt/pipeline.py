"""The must-stock list in one call: history (+ parts master) -> one row per dealer x part.

read -> clean -> demand matrix -> **classify -> forecast -> policy -> must-stock list**
"""

from __future__ import annotations

from collections.abc import Mapping
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .classify import abc
from .columns import HISTORY_COLUMNS, PARTS_COLUMNS
from .config import Config, load_config
from .errors import InputError
from .forecast import half_year_quantity, mad
from .history import DemandMatrix, History, demand_matrix, load_history
from .io import Table
from .parts import ATTRIBUTES, PartsMaster, load_parts, part_fields
from .policy import DECISIONS, REASONS, decide, max_stock, reorder_point, ssq, stocking_priority

__all__ = ["must_stock", "OUTPUT_COLUMNS"]

OUTPUT_COLUMNS = (
    "dealer", "part", "description", "abc_class", "attribute", "unit_cost", "half_year_quantity", "mad", "ssq",
    "reorder_point", "max_stock", "decision", "reason", "priority",
)
"""Columns of the must-stock list, in order (``dealer`` and ``description`` only when known)."""

Source = str | PathLike[str] | pd.DataFrame | Table


def must_stock(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    only_stocked: bool = False,
) -> pd.DataFrame:
    """Every dealer's must-stock list from its sales history, by the seed's method.

    Parameters
    ----------
    history : path, DataFrame or History
        Sales lines or monthly totals: ``part``, ``date`` or ``period``,
        ``quantity``, optional ``dealer`` and ``unit_price``.
    parts : path, DataFrame or PartsMaster, optional
        The parts master: ``part``, optional ``description``, ``unit_cost``,
        ``lead_time_days``, ``order_cycle_days``, ``attribute``, ``pack_size``.
    config : Config, mapping or TOML path, optional
        Thresholds; see :class:`spareopt.Config` (``spareopt config`` prints them).
    as_of : ``YYYY-MM``, optional
        The last month used; default the last month in the history.
    columns : mapping, optional
        Canonical name -> header, for headers with no known alias (both files).
    encoding : str, optional
        Text encoding of the files; default: detect UTF-8 or GB18030.
    only_stocked : bool
        Keep only the ``dealer`` and ``central`` rows (the report still counts all).

    Returns
    -------
    DataFrame
        One row per series, columns :data:`OUTPUT_COLUMNS`, sorted by dealer,
        then decision (dealer, central, none), then priority, then part.
        ``attrs["report"]`` holds the run report: rows read, skipped and
        ignored, returns netted, parts defaulted, the ABC basis, counts per
        decision and reason, and the stock value.

    Raises
    ------
    InputError
        Bad input; the message names the file, rows, column and values.
    ConfigError
        An unknown or out-of-range config key.

    Notes
    -----
    With q the monthly demand matrix and T = ``as_of``:

    - MAD = (1 q[T-5] + 2 q[T-4] + ... + 6 q[T]) / 21 (:func:`spareopt.mad`);
      ``half_year_quantity`` = q[T-5] + ... + q[T].
    - SSQ = MAD x (O/C + L/T) / 6 (:func:`spareopt.ssq`).
    - ``reorder_point`` = ceil(MAD x L/T / D + SSQ), ``max_stock`` = max(reorder_point,
      ceil(MAD x (L/T + O/C) / D + SSQ)), D = 365.25 / 12.
    - ABC per dealer on unit_cost x quantity of the last ``abc_window_months``
      (by quantity when no unit cost is known) (:func:`spareopt.abc`).
    - decision and reason by the seed's rules (:func:`spareopt.policy.decide`);
      ``priority`` by SSQ among each dealer's ``dealer`` rows.

    References
    ----------
    Haima after-sales parts case study, "汽车售后备件库存优化分析" (``shared/seed``).

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["oil filter"] * 6, "period": pd.period_range("2024-01", periods=6, freq="M"),
    ...                       "quantity": [20, 22, 18, 25, 21, 24]})
    >>> row = must_stock(sales, config={"defaults": {"lead_time_days": 5}}).iloc[0]
    >>> round(float(row["mad"]), 4), row["decision"], int(row["reorder_point"]), int(row["max_stock"])
    (22.2381, 'dealer', 49, 54)
    """
    cfg = load_config(config)
    _check_column_names(columns)
    hist = history if isinstance(history, History) else load_history(history, columns=columns, encoding=encoding)
    master = parts if isinstance(parts, PartsMaster) or parts is None else load_parts(
        parts, columns=columns, encoding=encoding)
    _check_overrides_used(columns, hist, master)
    matrix = demand_matrix(hist, as_of=as_of)
    table = _plan(matrix, hist, master, cfg)
    if only_stocked:
        report = table.attrs["report"]
        table = table[table["decision"] != "none"].reset_index(drop=True)
        table.attrs["report"] = report
    return table


def _plan(matrix: DemandMatrix, hist: History, master: PartsMaster | None, cfg: Config) -> pd.DataFrame:
    keys = matrix.keys
    part = keys["part"].astype("category")
    part_code = part.cat.codes.to_numpy()  # categories are sorted: codes rank the part numbers
    part_names = part.cat.categories
    fields, parts_report = part_fields(np.asarray(part_names, dtype=object), master, cfg,
                                       history_price=_history_price(hist, matrix, part_names))
    per_series = fields.iloc[part_code].reset_index(drop=True)
    dealer = keys["dealer"].astype("category").cat.codes.to_numpy() if matrix.has_dealer else None

    q = matrix.values
    mad_ = mad(q)
    hyq = half_year_quantity(q)
    lead = per_series["lead_time_days"].to_numpy()
    cycle = per_series["order_cycle_days"].to_numpy()
    ssq_ = ssq(mad_, cycle, lead, ssq_divisor=cfg.ssq_divisor)
    cost = per_series["unit_cost"].to_numpy()

    window = matrix.last(cfg.abc_window_months).sum(axis=1)
    basis = "value" if np.isfinite(cost).any() else "quantity"
    abc_value = window * np.nan_to_num(cost, nan=0.0) if basis == "value" else window
    abc_class = abc(abc_value, group=dealer, order=part_code, abc_a=cfg.abc_a, abc_b=cfg.abc_b)

    high_value = _high_value_cost(cfg, master, fields["unit_cost"].to_numpy())
    decision, reason = decide(
        order_cycle_days=cycle, lead_time_days=lead, attribute=per_series["attribute"].to_numpy(),
        unit_cost=cost, half_year_quantity=hyq, ssq=ssq_, high_value_cost=high_value,
        low_volume_max=cfg.low_volume_max, central_ssq_min=cfg.central_ssq_min,
    )
    priority = stocking_priority(decision, ssq_, mad_, group=dealer, order=part_code)

    out: dict[str, Any] = {}
    if matrix.has_dealer:
        dealers = keys["dealer"].astype("category")
        out["dealer"] = _text(dealer, dealers.cat.categories)
    out["part"] = _text(part_code, part_names)
    if "description" in per_series:
        out["description"] = per_series["description"].to_numpy()
    out.update({
        "abc_class": _text(np.searchsorted(ATTRIBUTES, abc_class), ATTRIBUTES),
        "attribute": _text(np.searchsorted(ATTRIBUTES, per_series["attribute"].to_numpy().astype(str)), ATTRIBUTES),
        "unit_cost": cost,
        "half_year_quantity": hyq,
        "mad": mad_,
        "ssq": ssq_,
        "reorder_point": reorder_point(mad_, lead, ssq_),
        "max_stock": max_stock(mad_, lead, cycle, ssq_),
        "decision": _text(pd.Categorical(decision, categories=DECISIONS).codes, DECISIONS),
        "reason": _text(pd.Categorical(reason, categories=list(REASONS)).codes, list(REASONS)),
        "priority": pd.arrays.IntegerArray(priority, priority == 0),
    })
    table = pd.DataFrame(out)
    rank = pd.Categorical(decision, categories=DECISIONS).codes
    dealer_code = dealer if dealer is not None else np.zeros(len(table), dtype=np.int64)
    order = np.lexsort((part_code, priority, rank, dealer_code))
    table = table.iloc[order].reset_index(drop=True)
    table.attrs["report"] = _report(matrix, hist, master, cfg, parts_report, basis, high_value, table)
    return table


def _text(codes: np.ndarray, names: Any) -> pd.Series:
    """A text column from codes into names, decoded by pyarrow (no Python string per row)."""
    import pyarrow as pa

    array = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)),
                                           pa.array(np.asarray(names, dtype=object).astype(str)))
    return pd.Series(array.dictionary_decode().to_pandas(types_mapper={pa.string(): pd.StringDtype(
        "pyarrow", na_value=np.nan)}.get))


def _history_price(hist: History, matrix: DemandMatrix, part_names: pd.Index) -> np.ndarray | None:
    """Quantity-weighted average ``unit_price`` of each part's sales up to as_of."""
    if "unit_price" not in hist.frame.columns:
        return None
    frame = hist.frame
    price = frame["unit_price"].to_numpy()
    qty = frame["quantity"].to_numpy()
    use = np.isfinite(price) & (qty > 0) & (frame["month"].to_numpy() <= matrix.as_of.ordinal)
    code = pd.Index(part_names).get_indexer(frame["part"].to_numpy()[use])
    units = np.bincount(code, weights=qty[use], minlength=len(part_names))
    value = np.bincount(code, weights=qty[use] * price[use], minlength=len(part_names))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(units > 0, value / units, np.nan)


def _high_value_cost(cfg: Config, master: PartsMaster | None, part_costs: np.ndarray) -> float:
    """Rule 2 threshold: the configured number, or a percentile of the master's unit costs."""
    percentile = cfg.high_value_percentile
    if percentile is None:
        return float(cfg.high_value_cost)
    costs = np.empty(0)
    if master is not None and "unit_cost" in master.frame:
        costs = master.frame["unit_cost"].to_numpy(dtype=np.float64)
    costs = costs[np.isfinite(costs)]
    if costs.size == 0:
        costs = part_costs[np.isfinite(part_costs)]
    return float(np.percentile(costs, percentile)) if costs.size else float("inf")


def _check_column_names(columns: Mapping[str, str] | None) -> None:
    known = list(dict.fromkeys([*HISTORY_COLUMNS, *PARTS_COLUMNS]))
    for canonical in columns or {}:
        if canonical not in known:
            raise InputError(f"--column {canonical}=...: `{canonical}` is not a column spareopt reads; "
                             f"use one of {', '.join(known)}")


def _check_overrides_used(columns: Mapping[str, str] | None, hist: History, master: PartsMaster | None) -> None:
    used = [hist.report.get("columns", {})] + ([master.report.get("columns", {})] if master is not None else [])
    for canonical, header in (columns or {}).items():
        if not any(mapping.get(canonical) == header for mapping in used):
            heads = hist.report.get("headers", [])
            raise InputError(
                f"--column {canonical}={header}: no header {header!r} in {hist.report.get('source')}"
                + (" or the parts master" if master is not None else "")
                + f" (headers: {', '.join(map(repr, heads))}); check the spelling"
            )


def _report(matrix: DemandMatrix, hist: History, master: PartsMaster | None, cfg: Config,
            parts_report: dict[str, Any], basis: str, high_value: float, table: pd.DataFrame) -> dict[str, Any]:
    h = hist.report
    decisions = table["decision"].value_counts()
    reasons = table["reason"].value_counts()
    stocked = table["decision"] == "dealer"
    value = (table["max_stock"] * table["unit_cost"])[stocked]
    return {
        "history": h.get("source"),
        "encoding": h.get("encoding"),
        "sheet": h.get("sheet"),
        "columns": h.get("columns"),
        "columns_ignored": h.get("columns_ignored", []),
        "rows_read": h.get("rows_read"),
        "rows_blank": h.get("rows_blank", 0),
        "rows_blank_first": h.get("rows_blank_first", []),
        "rows_no_quantity": h.get("rows_no_quantity", 0),
        "rows_no_quantity_first": h.get("rows_no_quantity_first", []),
        "rows_after_as_of": matrix.rows_after_as_of,
        "return_lines": h.get("return_lines", 0),
        "return_units": h.get("return_units", 0.0),
        "negative_months": matrix.negative_months,
        "series": len(table),
        "dealers": int(table["dealer"].nunique()) if "dealer" in table else None,
        "parts": int(table["part"].nunique()),
        "months": len(matrix.periods),
        "first_period": str(matrix.periods[0]),
        "as_of": str(matrix.as_of),
        "parts_master": master.report.get("source") if master is not None else None,
        "parts_not_in_master": parts_report["parts_not_in_master"],
        "parts_not_in_master_first": parts_report["parts_not_in_master_first"],
        "master_parts_without_history": parts_report["master_parts_without_history"],
        "defaulted": parts_report["defaulted"],
        "unit_cost_from_history": parts_report["unit_cost_from_history"],
        "unit_cost_unknown": parts_report["unit_cost_unknown"],
        "abc_basis": basis,
        "abc_window_months": min(cfg.abc_window_months, len(matrix.periods)),
        "high_value_cost": high_value,
        "decisions": {d: int(decisions.get(d, 0)) for d in DECISIONS},
        "reasons": {r: int(reasons.get(r, 0)) for r in REASONS},
        "dealer_stock_value_at_max": float(np.nansum(value)) if np.isfinite(table["unit_cost"]).any() else None,
    }
