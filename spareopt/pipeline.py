"""The must-stock list in one call: history (+ parts master) -> one row per dealer x part.

read -> clean -> demand matrix -> **classify -> forecast -> policy -> must-stock list**
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
from .policy import DECISIONS, REASONS, max_stock, reorder_point, ssq, stocking_priority
from .policy.rules import DECISION_CODE_OF_REASON, reason_code

__all__ = ["must_stock", "OUTPUT_COLUMNS", "STAGES"]

OUTPUT_COLUMNS = (
    "dealer", "part", "description", "abc_class", "attribute", "unit_cost", "half_year_quantity", "mad", "ssq",
    "reorder_point", "max_stock", "decision", "reason", "priority",
)
"""Columns of the must-stock list, in order (``dealer`` and ``description`` only when known)."""

STAGES = ("read and check the history", "read the parts master", "demand matrix", "classify, forecast, decide")
"""The stages :func:`must_stock` reports to its ``progress`` callback, in order."""

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
    progress: Callable[[str], None] | None = None,
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
    progress : callable, optional
        Called with the name of each stage as it starts (:data:`STAGES`), e.g. to
        draw a progress bar.

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
    step = progress or (lambda stage: None)
    cfg = load_config(config)
    _check_column_names(columns)
    step(STAGES[0])
    hist = history if isinstance(history, History) else load_history(history, columns=columns, encoding=encoding)
    step(STAGES[1])
    master = parts if isinstance(parts, PartsMaster) or parts is None else load_parts(
        parts, columns=columns, encoding=encoding)
    _check_overrides_used(columns, hist, master)
    step(STAGES[2])
    matrix = demand_matrix(hist, as_of=as_of)
    price = _history_price(hist, matrix)
    history_report = hist.report
    del hist  # the lines are summed into the matrix: free them before the plan (when we read them)
    step(STAGES[3])
    table = _plan(matrix, history_report, price, master, cfg)
    if only_stocked:
        report = table.attrs["report"]
        table = table[table["decision"] != "none"].reset_index(drop=True)
        table.attrs["report"] = report
    return table


def _plan(matrix: DemandMatrix, history_report: dict[str, Any], history_price: pd.Series | None,
          master: PartsMaster | None, cfg: Config) -> pd.DataFrame:
    keys = matrix.keys
    part_code = keys["part"].cat.codes.to_numpy()  # categories are sorted: codes rank the part numbers
    part_names = keys["part"].cat.categories
    fields, parts_report = part_fields(np.asarray(part_names, dtype=object), master, cfg,
                                       history_price=None if history_price is None else
                                       history_price.reindex(part_names).to_numpy(dtype=np.float64))

    def per_series(column: str, dtype: Any = None) -> np.ndarray:
        return fields[column].to_numpy(dtype=dtype)[part_code]

    dealer = keys["dealer"].cat.codes.to_numpy() if matrix.has_dealer else None
    q = matrix.values
    mad_ = mad(q)
    hyq = half_year_quantity(q)
    lead = per_series("lead_time_days", np.float64)
    cycle = per_series("order_cycle_days", np.float64)
    ssq_ = ssq(mad_, cycle, lead, ssq_divisor=cfg.ssq_divisor)
    cost = per_series("unit_cost", np.float64)
    attribute = per_series("attribute", "<U1")

    window = matrix.last(cfg.abc_window_months).sum(axis=1)
    basis = "value" if np.isfinite(cost).any() else "quantity"
    abc_value = window * np.nan_to_num(cost, nan=0.0) if basis == "value" else window
    abc_class = abc(abc_value, group=dealer, order=part_code, abc_a=cfg.abc_a, abc_b=cfg.abc_b)

    high_value = _high_value_cost(cfg, master, fields["unit_cost"].to_numpy())
    reason = reason_code(
        order_cycle_days=cycle, lead_time_days=lead, attribute=attribute,
        unit_cost=cost, half_year_quantity=hyq, ssq=ssq_, high_value_cost=high_value,
        low_volume_max=cfg.low_volume_max, central_ssq_min=cfg.central_ssq_min,
    )
    decision = DECISION_CODE_OF_REASON[reason]
    priority = stocking_priority(decision == 0, ssq_, mad_, group=dealer, order=part_code)

    # rows are in (dealer, part) order: a stable sort on (dealer, decision, priority) keeps part order in ties
    rank = np.zeros(len(q), dtype=np.int64) if dealer is None else dealer.astype(np.int64) * len(DECISIONS)
    rank = (rank + decision) * (int(priority.max(initial=0)) + 1) + priority
    order = np.argsort(rank, kind="stable")
    out: dict[str, Any] = {}
    if dealer is not None:
        out["dealer"] = _text(dealer[order], keys["dealer"].cat.categories)
    out["part"] = _text(part_code[order], part_names)
    if "description" in fields:
        out["description"] = _text(part_code[order], fields["description"].to_numpy(dtype=object))
    max_stock_ = max_stock(mad_, lead, cycle, ssq_)
    out.update({
        "abc_class": _text(np.searchsorted(ATTRIBUTES, abc_class[order]), ATTRIBUTES),
        "attribute": _text(np.searchsorted(ATTRIBUTES, attribute[order]), ATTRIBUTES),
        "unit_cost": cost[order],
        "half_year_quantity": hyq[order],
        "mad": mad_[order],
        "ssq": ssq_[order],
        "reorder_point": reorder_point(mad_, lead, ssq_)[order],
        "max_stock": max_stock_[order],
        "decision": _text(decision[order], DECISIONS),
        "reason": _text(reason[order], list(REASONS)),
        "priority": pd.arrays.IntegerArray(priority[order], priority[order] == 0),
    })
    table = pd.DataFrame(out)
    stocked = decision == 0
    counts = _Counts(
        decisions=np.bincount(decision, minlength=len(DECISIONS)), reasons=np.bincount(reason, minlength=len(REASONS)),
        dealers=len(keys["dealer"].cat.categories) if dealer is not None else None, parts=len(part_names),
        stock_value=float(np.nansum(max_stock_[stocked] * cost[stocked])) if np.isfinite(cost).any() else None,
    )
    table.attrs["report"] = _report(matrix, history_report, master, cfg, parts_report, basis, high_value, counts)
    return table


@dataclass(frozen=True)
class _Counts:
    decisions: np.ndarray
    reasons: np.ndarray
    dealers: int | None
    parts: int
    stock_value: float | None


def _text(codes: np.ndarray, names: Any) -> pd.Series:
    """A text column from codes into names (None = missing), decoded by pyarrow (no Python string per row)."""
    import pyarrow as pa

    dictionary = pa.array(pd.Series(np.asarray(names, dtype=object), dtype=object), type=pa.string(), from_pandas=True)
    array = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), dictionary)
    return pd.Series(array.dictionary_decode().to_pandas(types_mapper={pa.string(): pd.StringDtype(
        "pyarrow", na_value=np.nan)}.get))


def _history_price(hist: History, matrix: DemandMatrix) -> pd.Series | None:
    """Quantity-weighted average ``unit_price`` of each part's sales up to as_of, by part (None: no prices)."""
    if "unit_price" not in hist.lines:
        return None
    price, qty, part = hist.lines["unit_price"], hist.lines["quantity"], hist.lines["part"]
    use = np.isfinite(price) & (qty > 0) & (hist.lines["month"] <= matrix.as_of.ordinal)
    n = len(hist.names["part"])
    units = np.bincount(part[use], weights=qty[use], minlength=n)
    value = np.bincount(part[use], weights=qty[use] * price[use], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        average = np.where(units > 0, value / units, np.nan)
    return pd.Series(average, index=pd.Index(hist.names["part"], dtype=object))


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


def _report(matrix: DemandMatrix, h: dict[str, Any], master: PartsMaster | None, cfg: Config,
            parts_report: dict[str, Any], basis: str, high_value: float, counts: _Counts) -> dict[str, Any]:
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
        "series": int(counts.decisions.sum()),
        "dealers": counts.dealers,
        "parts": counts.parts,
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
        "decisions": dict(zip(DECISIONS, counts.decisions.tolist())),
        "reasons": dict(zip(REASONS, counts.reasons.tolist())),
        "dealer_stock_value_at_max": counts.stock_value,
    }
