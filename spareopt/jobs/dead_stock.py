"""The ``dead-stock`` command: dead and excess stock by age, and the transfers between dealers that clear it
(:func:`dead_stock`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..columns import text_column
from ..config import Config
from ..history import History
from ..inputs import Source, job_config
from ..parts import DISCONTINUED, PartsMaster
from ..policy.rules import DECISIONS
from ..policy.seed import CEIL_TOLERANCE
from ..position import (
    months_since_demand,
    position_report,
    stock_position,
)
from ..result import Result
from ..stock import Stock
from ..supersession import Supersessions

__all__ = ["AGING_BUCKETS", "DEAD_STOCK_COLUMNS", "TRANSFER_COLUMNS", "aging_bucket", "dead_stock", "dead_stock_shelf",
           "match_transfers", "settle_dead_stock"]

AGING_BUCKETS = ("0-3", "4-6", "7-12", "13-24", ">24")
"""Months since the last demand (0 = sold in the as_of month); never sold is ``>24``."""


_BUCKET_EDGES = np.array([3, 6, 12, 24])


DEAD_STOCK_COLUMNS = (
    "dealer", "part", "description", "on_hand", "unit_cost", "stock_value", "months_since_demand", "aging_bucket",
    "decision", "max_stock", "excess_qty", "excess_value", "action", "transfer_qty", "transfer_to", "return_qty",
    "hold_qty", "scrap_review_qty", "flag",
)
"""Columns of :func:`dead_stock`."""


TRANSFER_COLUMNS = ("part", "description", "from_dealer", "to_dealer", "quantity", "unit_cost", "value")
"""Columns of the transfer suggestions (``transfers`` of :func:`dead_stock`'s result)."""


def aging_bucket(months_since_demand: Any) -> np.ndarray:
    """The aging bucket of each row (a position in :data:`AGING_BUCKETS`); NaN (never sold) is ``>24``.

    >>> [AGING_BUCKETS[b] for b in aging_bucket([0, 3, 4, 12, 13, 24, 25, np.nan])]
    ['0-3', '0-3', '4-6', '7-12', '13-24', '13-24', '>24', '>24']
    """
    m = np.asarray(months_since_demand, dtype=np.float64)
    return np.where(np.isnan(m), len(AGING_BUCKETS) - 1, np.searchsorted(_BUCKET_EDGES, m, side="left")).astype(
        np.int8)


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
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Dead and excess stock (呆滞件): how long each shelf item has waited, what is too much, and what to do.

    Parameters
    ----------
    history, parts, config, as_of, stock, policy, columns, encoding, sheet, progress
        As for :func:`order`.

    Returns
    -------
    Result
        ``table``: one row per dealer x part with stock on hand, columns :data:`DEAD_STOCK_COLUMNS`,
        sorted by dealer, then stock value (largest first), then part;
        ``aging``: units and value per dealer and aging bucket (and the network);
        ``transfers``: the transfer suggestions (:data:`TRANSFER_COLUMNS`); ``report``: the run report.

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
                              encoding=encoding, sheet=sheet, supersessions=supersessions, progress=progress)
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


_STOCK_ONLY = np.int64(1) << 62  # key bit of a stock row without a series (they follow every series, as in stock_position)


_SHELF = 40  # key bits of one shelf's rows: shelves follow one another in dealer order


def dead_stock_shelf(history: Source | History, parts: Source | PartsMaster | None = None, config: Any = None,
                      as_of: str | pd.Period | None = None, *, stock: Source | Stock, policy: str | None = None,
                      columns: Mapping[str, str] | None = None, encoding: str | None = None, sheet: str | None = None,
                      supersessions: Source | Supersessions | None = None,
                      progress: Callable[[str], None] | None = None) -> _Shelf:
    """The first step of :func:`dead_stock` (its parameters) on the dealers of ``history``: aging, excess and
    need per row."""
    cfg = job_config(history, config, policy=policy)
    pos = stock_position(history, parts, stock, cfg, as_of, columns, encoding, progress or (lambda stage: None), policy,
                           supersessions, sheet=sheet)
    plan = pos.plan
    series_since = months_since_demand(pos.run.matrix.values)
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
                  position_report(pos))


def settle_dead_stock(shelves: Sequence[_Shelf], report: dict[str, Any]) -> Result:
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
    bucket = frame["aging_bucket"].to_numpy(dtype=object)
    report["dead_stock"] = {
        "rows_with_stock": int(stocked.sum()), "stock_value": float(np.nansum(value[stocked])),
        "excess_units": float(excess.sum()), "excess_value": float(np.nansum(excess * cost)),
        "transfers": len(q), "transfer_units": float(q.sum()), "return_units": float(back.sum()),
        "hold_units": float(hold.sum()), "scrap_review_units": float(scrap.sum()),
        "never_sold_rows": int((frame["months_since_demand"].isna().to_numpy() & stocked).sum()),
        "aging_value": {b: float(np.nansum(value[stocked & (bucket == b)])) for b in AGING_BUCKETS},
    }
    aging = _aging_table(np.concatenate([s.dealers for s in shelves]), np.concatenate([s.units for s in shelves]),
                         np.concatenate([s.value for s in shelves]))
    return Result(table, report, aging=aging, transfers=_transfer_table(frame, dealer, f, t, q))


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

