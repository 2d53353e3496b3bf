"""The parts desk's weekly jobs: this week's stock order, dead and excess stock, and the stock KPIs.

read history + master + stock -> demand matrix -> **the must-stock plan (seed or service-level) ->
the stock joined to the plan, dealer x part -> order / dead-stock / kpi**

A must-stock list is planned twice a year; the parts desk works every week.  These jobs follow
dealer (DMS) practice and the parts supervisor's duties in the seed's job descriptions: what to put
on the stock order, what is rotting on the shelf (呆滞件), how the stock performs.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import text_column
from .config import Config
from .errors import ConfigError, InputError, format_examples
from .history import History
from .inputs import STAGES, Counts, Inputs, Source, job_config, load, run_report
from .io import new_figure
from .parts import DISCONTINUED, PartsMaster
from .plan import Plan, decide
from .policy.rules import DECISIONS
from .policy.seed import CEIL_TOLERANCE
from .stock import Stock, load_stock
from .supersession import Supersessions, apply_to_stock

__all__ = ["AGING_BUCKETS", "DEAD_STOCK_COLUMNS", "KPI_COLUMNS", "OPERATIONS_STAGES", "ORDER_COLUMNS",
           "TRANSFER_COLUMNS", "aging_bucket", "dead_stock", "kpi", "match_transfers", "order", "order_quantity"]

OPERATIONS_STAGES = (*STAGES[:3], "plan and join the stock")
"""The stages :func:`order`, :func:`dead_stock` and :func:`kpi` report to their ``progress`` callback."""

AGING_BUCKETS = ("0-3", "4-6", "7-12", "13-24", ">24")
"""Months since the last demand (0 = sold in the as_of month); never sold is ``>24``."""

_BUCKET_EDGES = np.array([3, 6, 12, 24])

ORDER_COLUMNS = (
    "dealer", "part", "description", "on_hand", "on_order", "reserved", "inventory_position", "reorder_point",
    "max_stock", "pack_size", "min_order_qty", "order_qty", "order_value", "priority", "reason",
)
"""Columns of :func:`order` (``dealer`` and ``description`` only when known)."""

DEAD_STOCK_COLUMNS = (
    "dealer", "part", "description", "on_hand", "unit_cost", "stock_value", "months_since_demand", "aging_bucket",
    "decision", "max_stock", "excess_qty", "excess_value", "action", "transfer_qty", "transfer_to", "return_qty",
    "hold_qty", "scrap_review_qty", "flag",
)
"""Columns of :func:`dead_stock`."""

TRANSFER_COLUMNS = ("part", "description", "from_dealer", "to_dealer", "quantity", "unit_cost", "value")
"""Columns of the transfer suggestions (``attrs["transfers"]`` of :func:`dead_stock`)."""

KPI_COLUMNS = (
    "scope", "dealer", "parts_in_stock", "stock_units", "stock_value", "cogs_12m", "turns", "days_of_supply",
    *(f"value_share_{b}" for b in AGING_BUCKETS), "projected_fill_rate", "must_stock_parts", "must_stock_in_stock",
    "must_stock_coverage",
)
"""Columns of :func:`kpi`: one row per dealer (``scope`` = dealer), then the network (``scope`` = network)."""

ORDER_REASONS = ("reorder", "budget_cut")
"""``reason`` of an order line: the inventory position reached the reorder point; or a budget cut it."""

DAYS_PER_YEAR = 365.25


# -- the position: plan + stock, one row per dealer x part ----------------------------------------

@dataclass(frozen=True)
class _Position:
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


def _position(history: Source | History, parts: Source | PartsMaster | None, stock: Source | Stock,
              cfg: Config, as_of: str | pd.Period | None, columns: Mapping[str, str] | None, encoding: str | None,
              step: Callable[[str], None], policy: str | None,
              supersessions: Source | Supersessions | None = None) -> _Position:
    stock_columns = {k: v for k, v in (columns or {}).items() if k in ("on_hand", "on_order", "reserved")}
    load_columns = {k: v for k, v in (columns or {}).items() if k not in stock_columns} or None
    snapshot = stock if isinstance(stock, Stock) else load_stock(stock, columns=stock_columns or None,
                                                                 encoding=encoding)
    run = load(history, parts, cfg, as_of, columns=load_columns, encoding=encoding, supersessions=supersessions,
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
    for name in out:
        value = frame[name].to_numpy(dtype=np.float64)
        out[name][match[~only]] = value[~only]
        out[name][n_series:] = value[only]
    dealer = None if dealer_names is None else np.concatenate([run.dealer.astype(np.int64), stock_dealer[only]])
    part = np.concatenate([series_part, code[only].astype(np.int64)])
    series = np.concatenate([np.arange(n_series), np.full(int(only.sum()), -1)])
    report = {**snapshot.report, "superseded_stock": superseded, "rows_without_history": int(only.sum()),
              "parts_without_history": int(len(extra)), "parts_without_history_first": [str(p) for p in extra[:5]]}
    return _Position(run, plan, dealer, part, dealer_names, all_parts, series, out["on_hand"], out["on_order"],
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


# -- order --------------------------------------------------------------------------------------------

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
    pack = np.asarray(pack_size, dtype=np.float64)
    least = np.asarray(min_order_qty, dtype=np.float64)
    if np.any(~(pack >= 1)):
        raise ValueError("pack_size must be a whole number >= 1")
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
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """This week's suggested stock order of every dealer: the must-stock parts at or below their reorder point.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, progress
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
    DataFrame
        One row per order line, columns :data:`ORDER_COLUMNS`, sorted by dealer, then
        order value (largest first), then part.  Lines a budget cut have ``reason``
        ``budget_cut`` and the quantity that was kept (0 when the whole line was cut).
        ``attrs["totals"]`` has one row per dealer: ``lines``, ``value``, ``cut_lines``,
        ``cut_value``; ``attrs["report"]`` the run report.

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
    >>> line = order(sales, config={"defaults": {"lead_time_days": 5, "pack_size": 10}}, stock=stock).iloc[0]
    >>> int(line["reorder_point"]), int(line["max_stock"]), int(line["order_qty"])
    (49, 54, 30)
    """
    step = progress or (lambda stage: None)
    if budget is not None and not (isinstance(budget, (int, float)) and 0 <= budget < np.inf):
        raise ConfigError(f"budget must be a finite number >= 0 (per dealer); got {budget!r}")
    cfg = job_config(history, config, policy=policy)
    pos = _position(history, parts, stock, cfg, as_of, columns, encoding, step, policy, supersessions)
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
    table.attrs["totals"] = _order_totals(pos, rows, kept, wanted, cost, cut, budget)
    report = _ops_report(pos)
    report["order"] = {
        "lines": int((kept[rows] > 0).sum()), "units": float(kept[rows].sum()),
        "value": float(np.nansum(value[rows])) if np.isfinite(cost[rows]).any() else None,
        "budget": budget, "cut_lines": int(cut.sum()), "cut_value": float(np.nansum((wanted * cost)[cut])),
        "not_ordered_above_reorder_point": int(((decision == 0) & (ip > rop + CEIL_TOLERANCE)).sum()),
        "dealer_rows": int((decision == 0).sum()),
    }
    table.attrs["report"] = report
    return table


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


def _order_totals(pos: _Position, rows: np.ndarray, kept: np.ndarray, wanted: np.ndarray, cost: np.ndarray,
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


# -- dead and excess stock ---------------------------------------------------------------------------

def aging_bucket(months_since_demand: Any) -> np.ndarray:
    """The aging bucket of each row (a position in :data:`AGING_BUCKETS`); NaN (never sold) is ``>24``.

    >>> [AGING_BUCKETS[b] for b in aging_bucket([0, 3, 4, 12, 13, 24, 25, np.nan])]
    ['0-3', '0-3', '4-6', '7-12', '13-24', '13-24', '>24', '>24']
    """
    m = np.asarray(months_since_demand, dtype=np.float64)
    return np.where(np.isnan(m), len(AGING_BUCKETS) - 1, np.searchsorted(_BUCKET_EDGES, m, side="left")).astype(
        np.int8)


def _months_since_demand(matrix_values: np.ndarray) -> np.ndarray:
    """Months from each series' last month with demand to as_of (0 = as_of); NaN when it never sold."""
    sold = matrix_values > 0
    last = sold.shape[1] - 1 - np.argmax(sold[:, ::-1], axis=1)
    return np.where(sold.any(axis=1), (sold.shape[1] - 1 - last).astype(np.float64), np.nan)


def match_transfers(
    part: Any,
    sender: Any,
    excess: Any,
    receiver: Any,
    need: Any,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""Match every part's excess to the dealers that need it, on all parts at once.

    Parameters
    ----------
    part : array_like of int, shape (n,)
        The part of each row (any integer codes).
    sender, receiver : array_like of bool, shape (n,)
        Rows that can give (excess > 0) and rows that need stock (need > 0).
    excess, need : array_like, shape (n,)
        Whole units a row can give, and whole units it needs.

    Returns
    -------
    from_row, to_row, quantity : ndarrays
        One element per transfer.  A sender never gives more than its excess, a receiver
        never gets more than its need, and per part the total moved is
        min(sum excess, sum need).

    Notes
    -----
    Per part, senders (largest excess first) and receivers (largest need first) are laid
    end to end on one line of units, at cumulative positions; each stretch where one
    sender's units meet one receiver's units is a transfer of its length (the north-west
    corner rule of the transportation problem).  Every part's line is offset so that one
    ``searchsorted`` serves all parts.

    Examples
    --------
    Part 0: dealer rows 0 and 1 have 3 and 2 too many; row 2 needs 4.

    >>> f, t, q = match_transfers([0, 0, 0], [True, True, False], [3, 2, 0], [False, False, True], [0, 0, 4])
    >>> f.tolist(), t.tolist(), q.tolist()
    ([0, 1], [2, 2], [3.0, 1.0])
    """
    part = np.asarray(part, dtype=np.int64)
    give = np.where(np.asarray(sender, dtype=bool), np.floor(np.asarray(excess, dtype=np.float64)), 0.0)
    take = np.where(np.asarray(receiver, dtype=bool), np.floor(np.asarray(need, dtype=np.float64)), 0.0)
    s_rows, r_rows = np.flatnonzero(give > 0), np.flatnonzero(take > 0)
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    if not len(s_rows) or not len(r_rows):
        return empty
    codes, inverse = np.unique(part, return_inverse=True)
    k = len(codes)
    supply = np.bincount(inverse[s_rows], weights=give[s_rows], minlength=k)
    demand = np.bincount(inverse[r_rows], weights=take[r_rows], minlength=k)
    moved = np.minimum(supply, demand)
    offset = np.r_[0.0, np.cumsum(np.maximum(supply, demand) + 1.0)][:k]  # +1: a gap between parts
    s_rows = s_rows[np.lexsort((s_rows, -give[s_rows], inverse[s_rows]))]
    r_rows = r_rows[np.lexsort((r_rows, -take[r_rows], inverse[r_rows]))]
    s_end = _ends(inverse[s_rows], give[s_rows], offset)
    r_end = _ends(inverse[r_rows], take[r_rows], offset)
    cap = offset + moved
    points = np.unique(np.concatenate([offset, cap, np.minimum(s_end, cap[inverse[s_rows]]),
                                       np.minimum(r_end, cap[inverse[r_rows]])]))
    lo, hi = points[:-1], points[1:]
    mid = 0.5 * (lo + hi)
    owner = np.searchsorted(offset, mid, side="right") - 1
    inside = mid < cap[owner]
    lo, hi, mid = lo[inside], hi[inside], mid[inside]
    si = np.searchsorted(s_end, mid, side="right")
    ri = np.searchsorted(r_end, mid, side="right")
    pairs = pd.DataFrame({"f": s_rows[si], "t": r_rows[ri], "q": hi - lo}).groupby(["f", "t"], sort=True)["q"].sum()
    return (pairs.index.get_level_values(0).to_numpy(np.int64), pairs.index.get_level_values(1).to_numpy(np.int64),
            np.round(pairs.to_numpy(np.float64), 9))


def _ends(group: np.ndarray, amount: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Cumulative end position of each row on its group's line (rows sorted by group)."""
    total = np.cumsum(amount)
    start = np.r_[0, np.flatnonzero(group[1:] != group[:-1]) + 1]
    run = np.cumsum(np.r_[True, group[1:] != group[:-1]]) - 1
    before = np.r_[0.0, total][start][run]
    return offset[group] + total - before


def dead_stock(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    stock: Source | Stock,
    policy: str | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Dead and excess stock (呆滞件): how long each shelf item has waited, what is too much, and what to do.

    Parameters
    ----------
    history, parts, config, as_of, stock, policy, columns, encoding, progress
        As for :func:`order`.

    Returns
    -------
    DataFrame
        One row per dealer x part with stock on hand, columns :data:`DEAD_STOCK_COLUMNS`,
        sorted by dealer, then stock value (largest first), then part.
        ``attrs["aging"]``: units and value per dealer and aging bucket (and the network);
        ``attrs["transfers"]``: the transfer suggestions (:data:`TRANSFER_COLUMNS`);
        ``attrs["report"]``: the run report.

    Notes
    -----
    - ``months_since_demand``: months from the last month with demand of the dealer x part
      to as_of (0 = sold in the as_of month); ``aging_bucket`` 0-3, 4-6, 7-12, 13-24, >24
      (never sold in the history: >24, flagged ``no_history`` when the dealer never sold it).
    - ``excess_qty`` = ``on_hand`` - ``max_stock`` when positive, where ``max_stock`` is the
      plan's for a ``dealer`` decision and 0 otherwise (a part kept centrally or not stocked
      should not sit on the dealer's shelf).
    - The excess goes, in this order, to:

      1. ``transfer``: dealers of the file that need the part now (decision ``dealer`` and IP <=
         reorder point), at most what each would order (``max_stock`` - IP), largest excess to
         largest need (:func:`match_transfers`);
      2. ``scrap_review``: no demand anywhere in the network for 24 months;
      3. ``return``: the part is current for the maker (its master ``status`` is not discontinued);
      4. ``hold``: a discontinued part still sold in the network (the maker takes no returns;
         keep it for the cars still on the road).

      ``action`` is the first of these with a quantity; ``transfer_to`` lists the receivers
      (``D02 x3; D05 x1``).
    - Two steps: each dealer's shelf is planned on its own (:func:`_shelf`), then the transfers
      are matched and the actions settled across the network (:func:`settle_dead_stock`); the
      stream and dask engines run the first per dealer set and the second once, on the rows
      with stock or a need.
    """
    shelf = dead_stock_shelf(history, parts, config, as_of, stock=stock, policy=policy, columns=columns,
                              encoding=encoding, supersessions=supersessions, progress=progress)
    return settle_dead_stock([shelf], shelf.report)


@dataclass(frozen=True)
class _Shelf:
    """One dealer set's dead-stock rows before the network's transfers (:func:`dead_stock`'s first step)."""

    frame: pd.DataFrame  # rows with stock or a need, by dealer, value (largest first), part; hidden columns _key, _need
    dealers: np.ndarray  # the aging rows' dealers (empty: a history without dealers)
    units: np.ndarray  # units per dealer (or the network) and aging bucket
    value: np.ndarray
    since: pd.Series  # months since each part's last demand in these dealers (parts sold only)
    report: dict[str, Any]


_STOCK_ONLY = np.int64(1) << 62  # key bit of a stock row without a series (they follow every series, as in _position)
_SHELF = 40  # key bits of one shelf's rows: shelves follow one another in dealer order


def dead_stock_shelf(history: Source | History, parts: Source | PartsMaster | None = None, config: Any = None,
                      as_of: str | pd.Period | None = None, *, stock: Source | Stock, policy: str | None = None,
                      columns: Mapping[str, str] | None = None, encoding: str | None = None,
                      supersessions: Source | Supersessions | None = None,
                      progress: Callable[[str], None] | None = None) -> _Shelf:
    """The first step of :func:`dead_stock` (its parameters) on the dealers of ``history``: aging, excess and
    need per row."""
    cfg = job_config(history, config, policy=policy)
    pos = _position(history, parts, stock, cfg, as_of, columns, encoding, progress or (lambda stage: None), policy,
                    supersessions)
    plan = pos.plan
    series_since = _months_since_demand(pos.run.matrix.values)
    since = pos.per_row(series_since, np.nan)
    bucket = aging_bucket(since)
    decision = pos.per_row(plan.decision, np.int8(2))
    top = np.where(decision == 0, pos.per_row(plan.max_stock.astype(np.float64), 0.0), 0.0)
    rop = pos.per_row(plan.reorder_point.astype(np.float64), 0.0)
    cost = pos.part_field("unit_cost").astype(np.float64)
    on_hand = pos.on_hand
    excess = np.maximum(on_hand - top, 0.0)
    ip = pos.inventory_position
    receiver = (decision == 0) & (ip <= rop + CEIL_TOLERANCE) & (excess == 0)
    need = np.where(receiver, np.maximum(top - ip, 0.0), 0.0)
    value = on_hand * cost
    rows = np.flatnonzero((on_hand > 0) | (need >= 1))
    group = pos.dealer[rows] if pos.dealer is not None else np.zeros(len(rows))
    rows = rows[np.lexsort((pos.part[rows], -np.nan_to_num(value[rows]), group))]
    status = pd.Series(pos.part_field("status", None)[rows])
    frame = pd.DataFrame({
        **pos.labels(rows),
        "on_hand": on_hand[rows], "unit_cost": cost[rows], "stock_value": value[rows],
        "months_since_demand": pd.arrays.IntegerArray(np.nan_to_num(since[rows]).astype(np.int64),
                                                      np.isnan(since[rows])),
        "aging_bucket": text_column(bucket[rows], AGING_BUCKETS),
        "decision": text_column(decision[rows], DECISIONS),
        "max_stock": top[rows].astype(np.int64), "excess_qty": excess[rows], "excess_value": (excess * cost)[rows],
        "flag": text_column(((pos.series < 0) | np.isnan(since))[rows].astype(np.int8), [None, "no_history"]),
        "_key": np.where(pos.series[rows] >= 0, rows, _STOCK_ONLY | rows).astype(np.int64),
        "_need": need[rows], "_discontinued": status.isin(DISCONTINUED).to_numpy(),
    })
    sold = ~np.isnan(series_since)
    recent = np.full(len(pos.part_names), np.inf)
    np.minimum.at(recent, pos.run.part_code.astype(np.int64)[sold], series_since[sold])
    known = np.isfinite(recent)
    k = len(AGING_BUCKETS)
    groups = len(pos.dealer_names) if pos.dealer is not None else 1
    cell = (pos.dealer if pos.dealer is not None else np.zeros(pos.n, dtype=np.int64)) * k + bucket
    units = np.bincount(cell, weights=on_hand, minlength=groups * k).reshape(groups, k)
    stock_value = np.bincount(cell, weights=np.nan_to_num(value), minlength=groups * k).reshape(groups, k)
    return _Shelf(frame, np.asarray(pos.dealer_names if pos.dealer is not None else [], dtype=object), units,
                  stock_value, pd.Series(recent[known], index=pd.Index(pos.part_names[known], dtype=object)),
                  _ops_report(pos))


def settle_dead_stock(shelves: Sequence[_Shelf], report: dict[str, Any]) -> pd.DataFrame:
    """The second step of :func:`dead_stock`: the network's transfers and every row's action.

    ``shelves`` are dealer sets in dealer order (one for the local engine); the rows of all of
    them are matched at once (:func:`match_transfers`, ties in the local engine's row order),
    and the 24-month rule reads each part's last demand anywhere in the network.
    """
    frame = _concat_frames([s.frame for s in shelves])
    shelf = np.repeat(np.arange(len(shelves), dtype=np.int64), [len(s.frame) for s in shelves])
    key = frame["_key"].to_numpy(np.int64) | (shelf << _SHELF)
    order = np.argsort(key, kind="stable")
    code, parts = pd.factorize(frame["part"])
    excess, need = frame["excess_qty"].to_numpy(np.float64), frame["_need"].to_numpy(np.float64)
    f, t, q = match_transfers(code[order], excess[order] > 0, excess[order], need[order] > 0, need[order])
    f, t = order[f], order[t]
    sent = np.bincount(f, weights=q, minlength=len(frame))
    rest = excess - sent
    since = shelves[0].since if len(shelves) == 1 else pd.concat([s.since for s in shelves]).groupby(level=0).min()
    position = since.index.get_indexer(pd.Index(np.asarray(parts, dtype=object), dtype=object))[code]
    network_since = np.where(position >= 0, since.to_numpy(np.float64)[np.maximum(position, 0)], np.nan)
    dead = ~(network_since < 24)  # NaN (never sold anywhere) is dead too
    discontinued = frame["_discontinued"].to_numpy(bool)
    scrap = np.where(dead, rest, 0.0)
    back = np.where(~dead & ~discontinued, rest, 0.0)
    hold = np.where(~dead & discontinued, rest, 0.0)
    action = np.select([sent > 0, scrap > 0, back > 0, hold > 0], [1, 2, 3, 4], 0).astype(np.int8)
    moves = np.unique(np.concatenate([f, t]))  # the rows in a transfer: their dealers, as text
    dealer = np.full(len(frame), "(network)", dtype=object)
    if "dealer" in frame:
        dealer[moves] = frame["dealer"].iloc[moves].to_numpy(dtype=object)
    receivers = _receivers(dealer, f, t, q)
    frame = frame.assign(
        action=text_column(action, [None, "transfer", "scrap_review", "return", "hold"]), transfer_qty=sent,
        transfer_to=text_column(np.arange(len(frame)), receivers), return_qty=back, hold_qty=hold, scrap_review_qty=scrap)
    on_hand = frame["on_hand"].to_numpy(np.float64)
    stocked = on_hand > 0
    table = frame[stocked][[c for c in DEAD_STOCK_COLUMNS if c in frame]].reset_index(drop=True)
    cost, value = frame["unit_cost"].to_numpy(np.float64), frame["stock_value"].to_numpy(np.float64)
    table.attrs["aging"] = _aging_table(np.concatenate([s.dealers for s in shelves]),
                                        np.concatenate([s.units for s in shelves]),
                                        np.concatenate([s.value for s in shelves]))
    table.attrs["transfers"] = _transfer_table(frame, dealer, f, t, q)
    bucket = frame["aging_bucket"].to_numpy(dtype=object)
    report["dead_stock"] = {
        "rows_with_stock": int(stocked.sum()), "stock_value": float(np.nansum(value[stocked])),
        "excess_units": float(excess.sum()), "excess_value": float(np.nansum(excess * cost)),
        "transfers": len(q), "transfer_units": float(q.sum()), "return_units": float(back.sum()),
        "hold_units": float(hold.sum()), "scrap_review_units": float(scrap.sum()),
        "never_sold_rows": int((frame["months_since_demand"].isna().to_numpy() & stocked).sum()),
        "aging_value": {b: float(np.nansum(value[stocked & (bucket == b)])) for b in AGING_BUCKETS},
    }
    table.attrs["report"] = report
    return table


def _concat_frames(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _receivers(dealer: np.ndarray, f: np.ndarray, t: np.ndarray, q: np.ndarray) -> np.ndarray:
    """``D02 x3; D05 x1`` per sending row (a string per sender, built on the transfers only)."""
    text = np.full(len(dealer), None, dtype=object)
    if len(f):  # the transfers come sorted by sender: one string concatenation per sender (np.add.reduceat)
        first = np.r_[True, f[1:] != f[:-1]]
        pieces = (np.where(first, "", "; ").astype(object) + dealer[t].astype(str).astype(object) + " x"
                  + pd.Series(q).map("{:g}".format).to_numpy(dtype=object))
        text[f[first]] = np.add.reduceat(pieces, np.flatnonzero(first))
    return text


def _aging_table(dealers: np.ndarray, units: np.ndarray, value: np.ndarray) -> pd.DataFrame:
    """Units and value per dealer and aging bucket, then the network (the dealers' sum); without dealers,
    ``units`` and ``value`` are the network's one row."""
    k = len(AGING_BUCKETS)
    if len(dealers):
        names = np.concatenate([dealers, np.array(["(network)"], dtype=object)])
        units, value = np.vstack([units, units.sum(axis=0)]), np.vstack([value, value.sum(axis=0)])
    else:
        names = np.array(["(network)"], dtype=object)
    frame = pd.DataFrame({"dealer": np.repeat(names, k), "aging_bucket": np.tile(np.array(AGING_BUCKETS, dtype=object),
                                                                                len(names)),
                          "units": units.ravel(), "value": value.ravel()})
    total = frame.groupby("dealer", sort=False)["value"].transform("sum")
    frame["value_share"] = np.where(total > 0, frame["value"] / total.where(total > 0, 1.0), 0.0)
    return frame


def _transfer_table(frame: pd.DataFrame, dealer: np.ndarray, f: np.ndarray, t: np.ndarray,
                    q: np.ndarray) -> pd.DataFrame:
    description = frame["description"].iloc[f].to_numpy(dtype=object) if "description" in frame else np.full(
        len(f), None, dtype=object)
    cost = frame["unit_cost"].to_numpy(np.float64)[f]
    table = pd.DataFrame({
        "part": text_column(np.arange(len(f)), frame["part"].iloc[f].to_numpy(dtype=object)),
        "description": text_column(np.arange(len(f)), description),
        "from_dealer": text_column(np.arange(len(f)), dealer[f]), "to_dealer": text_column(np.arange(len(t)), dealer[t]),
        "quantity": q, "unit_cost": cost, "value": q * cost,
    })
    return table.sort_values(["part", "from_dealer", "to_dealer"], kind="stable").reset_index(drop=True)


# -- KPIs -------------------------------------------------------------------------------------------

def kpi(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    stock: Source | Stock,
    policy: str | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    r"""How the stock performs, per dealer and for the network.

    Parameters
    ----------
    history, parts, config, as_of, stock, policy, columns, encoding, progress
        As for :func:`order`.

    Returns
    -------
    DataFrame
        Columns :data:`KPI_COLUMNS`: one row per dealer, then one ``network`` row.
        ``attrs["parts"]`` has the days of supply of every dealer x part with stock or demand;
        ``attrs["by_class"]`` the stock value per ABC class; ``attrs["report"]`` the run report.

    Notes
    -----
    With the last 12 months up to as_of (fewer when the history is shorter, scaled to a year):

    - ``stock_value`` = sum on_hand x unit_cost (a part without unit_cost counts 0, and the
      report counts them);
    - ``cogs_12m`` = sum of the demand of the last 12 months x unit_cost, the cost of goods sold;
    - ``turns`` = cogs_12m / stock_value.  The textbook divides by the *average* stock value of
      the year; a stock file is one snapshot, so the snapshot stands in for the average;
    - ``days_of_supply`` = stock_value / (cogs_12m / 365.25) per dealer; per part (``attrs["parts"]``)
      on_hand / (demand_12m / 365.25), empty when the part had no demand;
    - ``value_share_<bucket>``: the share of stock value by aging bucket (:data:`AGING_BUCKETS`);
    - ``projected_fill_rate``: the plan's implied fill rate of the ``dealer`` rows, weighted by
      their forecast (:func:`spareopt.policy.implied_service`), i.e. the service the plan gives once
      its levels are on the shelf;
    - ``must_stock_coverage`` = must_stock_in_stock / must_stock_parts: the share of the
      ``dealer``-decision parts with stock on hand.
    """
    step = progress or (lambda stage: None)
    cfg = job_config(history, config, policy=policy)
    pos = _position(history, parts, stock, cfg, as_of, columns, encoding, step, policy, supersessions)
    plan = pos.plan
    values = pos.run.matrix.values
    months = min(12, values.shape[1])
    demand = pos.per_row(values[:, -months:].sum(axis=1) * (12 / months), 0.0)
    cost = pos.part_field("unit_cost").astype(np.float64)
    c = np.nan_to_num(cost)
    since = pos.per_row(_months_since_demand(values), np.nan)
    bucket = aging_bucket(since)
    decision = pos.per_row(plan.decision, np.int8(2))
    forecast = pos.per_row(plan.demand.forecast, 0.0)
    fill = pos.per_row(plan.implied_fill_rate, 0.0)
    on_hand = pos.on_hand
    groups = len(pos.dealer_names) if pos.dealer is not None else 1
    g = pos.dealer if pos.dealer is not None else np.zeros(pos.n, dtype=np.int64)

    def per(weights: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        return np.bincount(g if mask is None else g[mask], weights=weights if mask is None else weights[mask],
                           minlength=groups)

    stocked = decision == 0
    abc = pos.per_row(plan.abc_class, "C")
    sums = pd.DataFrame({
        "parts_in_stock": per((on_hand > 0).astype(np.float64)), "stock_units": per(on_hand),
        "stock_value": per(on_hand * c), "cogs_12m": per(demand * c),
        **{f"value_{b}": per(on_hand * c, bucket == i) for i, b in enumerate(AGING_BUCKETS)},
        "forecast": per(forecast, stocked), "forecast_filled": per(forecast * fill, stocked),
        "must_stock_parts": per(stocked.astype(np.float64)),
        "must_stock_in_stock": per((stocked & (on_hand > 0)).astype(np.float64)),
        **{f"value_abc_{k}": per(on_hand * c, abc == k) for k in "ABC"},
    }, index=pd.Index(list(pos.dealer_names) if pos.dealer is not None else [None], dtype=object, name="dealer"))
    table = kpi_table(sums)
    rows = np.flatnonzero((on_hand > 0) | (demand > 0))
    if pos.dealer is not None:  # by dealer, then part (a part the dealer never sold after those it sold)
        rows = rows[np.argsort(pos.dealer[rows], kind="stable")]
    part_table: dict[str, Any] = pos.labels(rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        part_table.update({
            "on_hand": on_hand[rows], "stock_value": (on_hand * cost)[rows], "demand_12m": demand[rows],
            "days_of_supply": np.where(demand[rows] > 0, on_hand[rows] / (demand[rows] / DAYS_PER_YEAR), np.nan),
            "aging_bucket": text_column(bucket[rows], AGING_BUCKETS),
            "decision": text_column(decision[rows], DECISIONS),
        })
    table.attrs["parts"] = pd.DataFrame(part_table)
    report = _ops_report(pos)
    report["kpi"] = {"months": months, "unit_cost_unknown_rows": int((np.isnan(cost) & (on_hand > 0)).sum()),
                     "network": kpi_network(table)}
    table.attrs["report"] = report
    return table


def kpi_table(sums: pd.DataFrame) -> pd.DataFrame:
    """The KPI table from each dealer's sums (index: dealer, None for a history without dealers).

    The network row is the sum of the dealer rows, so a network split into dealer sets gets the
    same row from its sets' sums.  ``attrs``: ``sums``, ``by_class`` (stock value per ABC class).
    """
    network = pd.Series(np.ascontiguousarray(sums.to_numpy(dtype=np.float64).T).sum(axis=1), index=sums.columns)
    dealers = sums.index[0] is not None
    both = pd.concat([sums, network.to_frame().T]) if dealers else sums
    value, cogs, weight = (both[k].to_numpy() for k in ("stock_value", "cogs_12m", "forecast"))
    with np.errstate(divide="ignore", invalid="ignore"):
        table = pd.DataFrame({
            "scope": ["dealer"] * len(sums) + ["network"] if dealers else ["network"],
            "dealer": list(sums.index) + [None] if dealers else [None],
            "parts_in_stock": both["parts_in_stock"].to_numpy().astype(np.int64),
            "stock_units": both["stock_units"].to_numpy(),
            "stock_value": value,
            "cogs_12m": cogs,
            "turns": np.where(value > 0, cogs / value, np.nan),
            "days_of_supply": np.where(cogs > 0, value / (cogs / DAYS_PER_YEAR), np.nan),
            **{f"value_share_{b}": np.where(value > 0, both[f"value_{b}"].to_numpy() / value, np.nan)
               for b in AGING_BUCKETS},
            "projected_fill_rate": np.where(weight > 0, both["forecast_filled"].to_numpy() / weight, np.nan),
            "must_stock_parts": both["must_stock_parts"].to_numpy().astype(np.int64),
            "must_stock_in_stock": both["must_stock_in_stock"].to_numpy().astype(np.int64),
        })
        table["must_stock_coverage"] = np.where(table["must_stock_parts"] > 0,
                                                table["must_stock_in_stock"] / table["must_stock_parts"], np.nan)
    table.attrs["sums"] = sums
    table.attrs["by_class"] = pd.DataFrame({"abc_class": ["A", "B", "C"],
                                            "stock_value": [float(network[f"value_abc_{k}"]) for k in "ABC"]})
    return table


def kpi_network(table: pd.DataFrame) -> dict[str, Any]:
    """The network row of a KPI table, for the run report."""
    return {k: (None if pd.isna(v) else v) for k, v in table.iloc[-1].items() if k not in ("scope", "dealer")}


def plot_kpi(table: pd.DataFrame, *, title: str | None = None) -> Any:
    """The aging bars (stock value per dealer and bucket) and the stock value by ABC class (a matplotlib Figure).

    Needs matplotlib (``pip install 'spareopt[plot]'``).
    """
    fig = new_figure(figsize=(10, 4.8), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    rows = table[table["scope"] == "dealer"] if (table["scope"] == "dealer").any() else table
    labels = rows["dealer"].fillna("network").astype(str).tolist()
    bottom = np.zeros(len(rows))
    for b in AGING_BUCKETS:
        share = rows[f"value_share_{b}"].fillna(0).to_numpy() * rows["stock_value"].to_numpy()
        left.bar(labels, share, bottom=bottom, label=f"{b} months")
        bottom += share
    left.set_ylabel("stock value")
    left.set_title("stock value by months since the last demand")
    left.legend(fontsize="small")
    left.tick_params(axis="x", labelrotation=90 if len(labels) > 12 else 0)
    by_class = table.attrs.get("by_class")
    if by_class is not None:
        right.bar(by_class["abc_class"], by_class["stock_value"], color="tab:gray")
        right.set_title("stock value by ABC class")
    if title:
        fig.suptitle(title)
    return fig


def _ops_report(pos: _Position) -> dict[str, Any]:
    run = pos.run
    keys = run.matrix.keys
    report = run_report(run, pos.plan.basis, Counts(None, None, len(keys["dealer"].cat.categories)
                                                  if run.dealer is not None else None, len(pos.run.fields), None))
    report["policy"] = pos.plan.policy
    report["stock"] = pos.stock_report
    return report
