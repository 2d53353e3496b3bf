"""The ``kpi`` command: how every dealer's stock performs, and the network's (:func:`kpi`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..columns import text_column
from ..config import Config
from ..figures import legend_below, money_axis
from ..history import History
from ..inputs import Source, job_config
from ..io import new_figure
from ..lang import tr
from ..parts import PartsMaster
from ..policy.rules import DECISIONS
from ..position import (
    DAYS_PER_YEAR,
    months_since_demand,
    position_report,
    stock_position,
)
from ..result import Result
from ..stock import Stock
from ..supersession import Supersessions
from .dead_stock import AGING_BUCKETS, aging_bucket

__all__ = ["KPI_COLUMNS", "kpi", "kpi_network", "kpi_table", "plot_kpi"]

KPI_COLUMNS = (
    "scope", "dealer", "parts_in_stock", "stock_units", "stock_value", "cogs_12m", "turns", "days_of_supply",
    *(f"value_share_{b}" for b in AGING_BUCKETS), "projected_fill_rate", "must_stock_parts", "must_stock_in_stock",
    "must_stock_coverage",
)
"""Columns of :func:`kpi`: one row per dealer (``scope`` = dealer), then the network (``scope`` = network)."""


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
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    r"""How the stock performs, per dealer and for the network.

    Parameters
    ----------
    history, parts, config, as_of, stock, policy, columns, encoding, sheet, progress
        As for :func:`order`.

    Returns
    -------
    Result
        ``table``: columns :data:`KPI_COLUMNS`, one row per dealer, then one ``network`` row;
        ``parts``: the days of supply of every dealer x part with stock or demand; ``by_class``: the
        stock value per ABC class; ``sums``: each dealer's sums (the engines add them); ``report``:
        the run report.

    Notes
    -----
    With the last 12 months up to as_of (fewer when the history is shorter, scaled to a year):

    - ``stock_value`` = sum on_hand x unit_cost (a part without unit_cost counts 0, and the
      report counts them);
    - ``cogs_12m`` = sum of the demand of the last 12 months x unit_cost, the cost of goods sold;
    - ``turns`` = cogs_12m / stock_value.  The textbook divides by the *average* stock value of
      the year; a stock file is one snapshot, so the snapshot stands in for the average;
    - ``days_of_supply`` = stock_value / (cogs_12m / 365.25) per dealer; per part (``parts``)
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
    pos = stock_position(history, parts, stock, cfg, as_of, columns, encoding, step, policy, supersessions, sheet=sheet)
    plan = pos.plan
    values = pos.run.matrix.values
    months = min(12, values.shape[1])
    demand = pos.per_row(values[:, -months:].sum(axis=1) * (12 / months), 0.0)
    cost = pos.part_field("unit_cost").astype(np.float64)
    c = np.nan_to_num(cost)
    since = pos.per_row(months_since_demand(values), np.nan)
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
    abc = pos.per_row(plan.classes.abc_class, "C")
    sums = pd.DataFrame({
        "parts_in_stock": per((on_hand > 0).astype(np.float64)), "stock_units": per(on_hand),
        "stock_value": per(on_hand * c), "cogs_12m": per(demand * c),
        **{f"value_{b}": per(on_hand * c, bucket == i) for i, b in enumerate(AGING_BUCKETS)},
        "forecast": per(forecast, stocked), "forecast_filled": per(forecast * fill, stocked),
        "must_stock_parts": per(stocked.astype(np.float64)),
        "must_stock_in_stock": per((stocked & (on_hand > 0)).astype(np.float64)),
        **{f"value_abc_{k}": per(on_hand * c, abc == k) for k in "ABC"},
    }, index=pd.Index(list(pos.dealer_names) if pos.dealer is not None else [None], dtype=object, name="dealer"))
    table, by_class = kpi_table(sums)
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
    report = position_report(pos)
    report["kpi"] = {"months": months, "unit_cost_unknown_rows": int((np.isnan(cost) & (on_hand > 0)).sum()),
                     "network": kpi_network(table)}
    return Result(table, report, parts=pd.DataFrame(part_table), by_class=by_class, sums=sums)


def kpi_table(sums: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The KPI table from each dealer's sums (index: dealer, None for a history without dealers), and the
    stock value per ABC class.

    The network row is the sum of the dealer rows, so a network split into dealer sets gets the
    same row from its sets' sums.
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
    by_class = pd.DataFrame({"abc_class": ["A", "B", "C"],
                             "stock_value": [float(network[f"value_abc_{k}"]) for k in "ABC"]})
    return table, by_class


def kpi_network(table: pd.DataFrame) -> dict[str, Any]:
    """The network row of a KPI table, for the run report."""
    return {k: (None if pd.isna(v) else v) for k, v in table.iloc[-1].items() if k not in ("scope", "dealer")}


def plot_kpi(result: Result, *, title: str | None = None, caption: str | None = None,
             currency: str | None = None, lang: str | None = None) -> Any:
    """The aging bars (stock value per dealer and bucket) and the stock value by ABC class (a matplotlib Figure).

    ``caption`` (the run) goes under the title, ``currency`` on the value axes; the buckets' legend sits under the
    bars.  Needs matplotlib (``pip install 'spareopt[plot]'``).
    """
    table = result.table
    fig = new_figure(figsize=(10, 5.4), layout="constrained")
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [3, 1]})
    rows = table[table["scope"] == "dealer"] if (table["scope"] == "dealer").any() else table
    labels = rows["dealer"].fillna("network").astype(str).tolist()
    bottom = np.zeros(len(rows))
    for b in AGING_BUCKETS:
        share = rows[f"value_share_{b}"].fillna(0).to_numpy() * rows["stock_value"].to_numpy()
        left.bar(labels, share, bottom=bottom, label=tr("{bucket} months", lang).format(bucket=b))
        bottom += share
    money_axis(left.yaxis, tr("stock value", lang), currency)
    left.set_title(tr("stock value by months since the last demand", lang))
    left.tick_params(axis="x", labelrotation=90 if len(labels) > 12 else 0)
    by_class = result.by_class
    if by_class is not None:
        right.bar(by_class["abc_class"], by_class["stock_value"], color="tab:gray")
        right.set_title(tr("stock value by ABC class", lang))
        money_axis(right.yaxis, "", None)
    legend_below(fig, left, columns=len(AGING_BUCKETS))
    if title or caption:
        fig.suptitle("\n".join(t for t in (title or tr("Stock on hand", lang), caption) if t))
    return fig

