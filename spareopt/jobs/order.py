"""The ``order`` command: this week's stock order of every dealer (:func:`order`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..columns import text_column
from ..config import Config
from ..errors import ConfigError, InputError, format_examples
from ..history import History
from ..inputs import Source, job_config
from ..parts import PartsMaster
from ..policy.seed import CEIL_TOLERANCE
from ..position import (
    Position,
    position_report,
    stock_position,
)
from ..result import Result
from ..stock import Stock
from ..supersession import Supersessions
from ..validate import whole

__all__ = ["ORDER_COLUMNS", "ORDER_REASONS", "order", "order_quantity"]

ORDER_COLUMNS = (
    "dealer", "part", "description", "on_hand", "on_order", "reserved", "inventory_position", "reorder_point",
    "max_stock", "pack_size", "min_order_qty", "order_qty", "order_value", "priority", "reason",
)
"""Columns of :func:`order` (``dealer`` and ``description`` only when known)."""


ORDER_REASONS = ("reorder", "budget_cut")
"""``reason`` of an order line: the inventory position reached the reorder point; or a budget cut it."""


def order_quantity(
    inventory_position: Any,
    reorder_point: Any,
    max_stock: Any,
    *,
    pack_size: Any = 1,
    min_order_qty: Any = 0,
) -> np.ndarray:
    r"""The stock order of every row: up to ``max_stock`` when the inventory position is at or below the reorder point.

    Parameters
    ----------
    inventory_position : array_like
        IP = on_hand + on_order - reserved, units.
    reorder_point, max_stock : array_like
        s and S, whole units.
    pack_size : array_like
        Units per pack (whole, >= 1).
    min_order_qty : array_like
        The supplier's minimum order, units (>= 0).

    Returns
    -------
    ndarray of int64
        0 when IP > s, else

        .. math:: q = \text{pack} \cdot \left\lceil \max(S - IP, \text{min\_order\_qty}) / \text{pack} \right\rceil,

        and 0 when S - IP <= 0 (nothing to order, e.g. S = s = 0).

    Raises
    ------
    InputError
        A pack size that is not a whole number >= 1.

    Notes
    -----
    The (s, S) rule of the seed's plan and of DMS replenishment: order up to the maximum when the
    position reaches the reorder point.  The result is a multiple of the pack size and at least the
    minimum order; ceilings carry a 1e-9 tolerance (:data:`spareopt.policy.seed.CEIL_TOLERANCE`).

    Examples
    --------
    IP 3 against s = 4, S = 10 in packs of 4: 7 units round up to 8; IP 5 orders nothing.

    >>> order_quantity([3, 5], 4, 10, pack_size=4).tolist()
    [8, 0]
    """
    ip = np.asarray(inventory_position, dtype=np.float64)
    s, big_s = np.asarray(reorder_point, dtype=np.float64), np.asarray(max_stock, dtype=np.float64)
    pack = whole("pack_size", pack_size, least=1, hint="Use 1 for parts ordered singly.")
    least = np.asarray(min_order_qty, dtype=np.float64)
    short = big_s - ip
    due = (ip <= s + CEIL_TOLERANCE) & (short > CEIL_TOLERANCE)
    want = np.maximum(short, np.nan_to_num(least))
    packs = np.ceil(want / pack - CEIL_TOLERANCE)
    return np.where(due, packs * pack, 0).astype(np.int64)


def order(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    stock: Source | Stock,
    budget: float | None = None,
    policy: str | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """This week's suggested stock order of every dealer: the must-stock parts at or below their reorder point.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, sheet, progress
        As for :func:`spareopt.must_stock`; the plan (``reorder_point``, ``max_stock``,
        ``decision``, ``priority``) is the must-stock list's, under ``policy``.
    stock : path, DataFrame or Stock
        The stock snapshot (:func:`spareopt.load_stock`): ``dealer`` (when the history has
        one), ``part``, ``on_hand``, optional ``on_order`` and ``reserved``.
    budget : float, optional
        Cap on each dealer's order value (sum ``order_qty`` x ``unit_cost``).
    policy : {"seed", "service-level"}, optional
        The plan's stock levels (config ``policy``).

    Returns
    -------
    Result
        ``table``: one row per order line, columns :data:`ORDER_COLUMNS`, sorted by dealer, then
        order value (largest first), then part.  Lines a budget cut have ``reason``
        ``budget_cut`` and the quantity that was kept (0 when the whole line was cut).
        ``totals``: one row per dealer: ``lines``, ``value``, ``cut_lines``, ``cut_value``;
        ``report``: the run report.

    Raises
    ------
    InputError
        Bad input files; negative stock; a stock file whose dealers do not match the history;
        a budget without the unit_cost of the lines it has to price.
    ConfigError
        A negative budget; a config key out of range.

    Notes
    -----
    Per dealer x part with decision ``dealer``:

    - ``inventory_position`` IP = ``on_hand`` + ``on_order`` - ``reserved``;
    - when IP <= ``reorder_point``, order ``max_stock`` - IP, at least ``min_order_qty``, rounded
      up to a multiple of ``pack_size`` (:func:`order_quantity`);
    - rows kept centrally or not stocked (decision ``central`` or ``none``) and parts without
      history are never ordered for stock.

    With ``budget``, each dealer's lines are kept in priority order (the must-stock list's
    ``priority``, SSQ descending) while they fit; a line that does not fit is cut whole, and the
    lines after it that still fit are kept.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": "P1", "period": pd.period_range("2024-01", periods=6, freq="M"),
    ...                       "quantity": [20, 22, 18, 25, 21, 24]})
    >>> stock = pd.DataFrame({"part": ["P1"], "on_hand": [30], "on_order": [0]})
    >>> line = order(sales, config={"defaults": {"lead_time_days": 5, "pack_size": 10}}, stock=stock).table.iloc[0]
    >>> int(line["reorder_point"]), int(line["max_stock"]), int(line["order_qty"])
    (49, 54, 30)
    """
    step = progress or (lambda stage: None)
    if budget is not None and not (isinstance(budget, (int, float)) and 0 <= budget < np.inf):
        raise ConfigError(f"budget must be a finite number >= 0 (per dealer); got {budget!r}")
    cfg = job_config(history, config, policy=policy)
    pos = stock_position(history, parts, stock, cfg, as_of, columns, encoding, step, policy, supersessions, sheet=sheet)
    plan = pos.plan
    decision = pos.per_row(plan.decision, np.int8(2))
    rop = pos.per_row(plan.reorder_point.astype(np.float64), 0.0)
    top = pos.per_row(plan.max_stock.astype(np.float64), 0.0)
    priority = pos.per_row(plan.priority.astype(np.int64), np.int64(0))
    pack = np.nan_to_num(pos.part_field("pack_size").astype(np.float64), nan=float(cfg.defaults.pack_size))
    least = np.nan_to_num(pos.part_field("min_order_qty").astype(np.float64), nan=0.0)
    cost = pos.part_field("unit_cost").astype(np.float64)
    ip = pos.inventory_position
    wanted = np.where(decision == 0, order_quantity(ip, rop, top, pack_size=pack, min_order_qty=least), 0)
    lines = np.flatnonzero(wanted > 0)
    kept = wanted.copy()
    cut = np.zeros(pos.n, dtype=bool)
    if budget is not None and len(lines):
        unknown = lines[np.isnan(cost[lines])]
        if len(unknown):
            names = [repr(p) for p in pos.part_names[pos.part[unknown][:5]]]
            raise InputError(f"a budget needs the unit_cost of every part on the order; {len(unknown):,} line(s) "
                             f"have none (first: {format_examples(names, len(unknown))}). Fix: add unit_cost to the "
                             "parts master, or set [defaults] unit_cost in the config")
        group = pos.dealer[lines] if pos.dealer is not None else np.zeros(len(lines), dtype=np.int64)
        take = _keep_by_priority(group, priority[lines], wanted[lines] * cost[lines], float(budget))
        kept[lines[~take]] = 0
        cut[lines[~take]] = True
    value = kept * np.nan_to_num(cost)
    shown = lines
    order_by = np.lexsort((pos.part[shown], -value[shown], pos.dealer[shown] if pos.dealer is not None
                           else np.zeros(len(shown))))
    rows = shown[order_by]
    out: dict[str, Any] = pos.labels(rows)
    out.update({
        "on_hand": pos.on_hand[rows], "on_order": pos.on_order[rows], "reserved": pos.reserved[rows],
        "inventory_position": ip[rows], "reorder_point": rop[rows].astype(np.int64),
        "max_stock": top[rows].astype(np.int64), "pack_size": pack[rows].astype(np.int64),
        "min_order_qty": least[rows], "order_qty": kept[rows], "order_value": np.where(np.isnan(cost[rows]), np.nan,
                                                                                       value[rows]),
        "priority": priority[rows], "reason": text_column(cut[rows].astype(np.int8), ORDER_REASONS),
    })
    table = pd.DataFrame(out)
    report = position_report(pos)
    report["order"] = {
        "lines": int((kept[rows] > 0).sum()), "units": float(kept[rows].sum()),
        "value": float(np.nansum(value[rows])) if np.isfinite(cost[rows]).any() else None,
        "budget": budget, "cut_lines": int(cut.sum()), "cut_value": float(np.nansum((wanted * cost)[cut])),
        "not_ordered_above_reorder_point": int(((decision == 0) & (ip > rop + CEIL_TOLERANCE)).sum()),
        "dealer_rows": int((decision == 0).sum()),
    }
    return Result(table, report, totals=_order_totals(pos, rows, kept, wanted, cost, cut, budget))


def _keep_by_priority(group: np.ndarray, priority: np.ndarray, value: np.ndarray, budget: float) -> np.ndarray:
    """Which lines each group keeps: in priority order while they fit its budget.

    A line that does not fit is cut, and the lines after it that still fit are kept: each round
    takes every group's prefix that fits (one cumulative sum), then drops the lines heavier than
    what is left, which can never fit.
    """
    order_ = np.lexsort((priority, group))
    g, v = group[order_], value[order_]
    keep = np.zeros(len(g), dtype=bool)
    left = np.full(int(g.max(initial=-1)) + 1, float(budget))
    rest = np.arange(len(g))
    while rest.size:
        gi, vi = g[rest], v[rest]
        new = np.r_[True, gi[1:] != gi[:-1]]
        total = np.cumsum(vi)
        within = total - (total - vi)[new][np.cumsum(new) - 1]
        fits = within <= left[gi] * (1 + 1e-12) + 1e-9  # a prefix of each group: values are >= 0
        keep[order_[rest[fits]]] = True
        np.subtract.at(left, gi[fits], vi[fits])
        rest = rest[~fits]
        rest = rest[v[rest] <= left[g[rest]] * (1 + 1e-12) + 1e-9]
    return keep


def _order_totals(pos: Position, rows: np.ndarray, kept: np.ndarray, wanted: np.ndarray, cost: np.ndarray,
                  cut: np.ndarray, budget: float | None) -> pd.DataFrame:
    n_groups = len(pos.dealer_names) if pos.dealer is not None else 1
    group = pos.dealer if pos.dealer is not None else np.zeros(pos.n, dtype=np.int64)
    line = np.zeros(pos.n, dtype=bool)
    line[rows] = True
    ordered = line & (kept > 0)
    c = np.nan_to_num(cost)
    totals = pd.DataFrame({
        "dealer": pos.dealer_names if pos.dealer is not None else np.array(["(network)"], dtype=object),
        "lines": np.bincount(group[ordered], minlength=n_groups),
        "units": np.bincount(group[ordered], weights=kept[ordered], minlength=n_groups),
        "value": np.bincount(group[ordered], weights=(kept * c)[ordered], minlength=n_groups),
        "cut_lines": np.bincount(group[cut], minlength=n_groups),
        "cut_value": np.bincount(group[cut], weights=(wanted * c)[cut], minlength=n_groups),
    })
    if budget is not None:
        totals["budget"] = float(budget)
    return totals

