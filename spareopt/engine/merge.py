"""The jobs the partitioned engines run, and how their partitions' tables merge (:mod:`spareopt.engine`).

Partitions are contiguous runs of the sorted dealers and every job's table is sorted by
dealer first (evaluate: by policy, then dealer), so the merged table is the partitions'
tables concatenated.  Reports merge field by field as :mod:`spareopt.run_report` declares:
counts over series, dealers or rows are summed; what the network set (months, parts, the
history's rows) is taken once; the ratios and totals are recomputed from the merged table.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..calibration import calibration_summary, calibration_table
from ..jobs.dead_stock import dead_stock_shelf, settle_dead_stock
from ..jobs.evaluate import TOTALS_COLUMNS, TOTALS_SUMMARY, policy_totals
from ..jobs.evaluate import demand_part as evaluation_demand_part
from ..jobs.kpi import kpi_network, kpi_table
from ..jobs.must_stock import must_stock_demand_part
from ..jobs.optimize import FloorSteps, check_floor_budget
from ..policy.budget import Steps, greedy_steps, step_order
from ..position import check_stock_dealers
from ..result import Result
from ..run_report import SUM, SUM_SORTED, RunReport, field_merge
from ..stock import Stock

PARTIAL = {"dead-stock": dead_stock_shelf}
"""Jobs whose partitions run a first step only; :func:`merge` finishes them on the whole network (dead-stock:
each dealer set's shelf, then the network's transfers)."""


def demand_function(job: str) -> Any:
    """What one partition runs for the network's lead-time demand model (:func:`spareopt.plan.demand_part`)."""
    return evaluation_demand_part if job == "evaluate" else must_stock_demand_part


def partition_function(job: str) -> Any:
    """What one partition runs for ``job``."""
    from . import job_function

    return PARTIAL.get(job, job_function(job))

def spend(ladders: Sequence[tuple[np.ndarray, Steps, FloorSteps]], budget: float | None = None
          ) -> tuple[float, float, list[np.ndarray]]:
    """evaluate's ``optimized`` budget on the whole network: ``budget`` (default: the seed's investment), spent by
    marginal analysis on every dealer set's steps at once (the local engine's arrays, concatenated in dealer order).

    The planner's ``min_stock`` is bought first (:func:`spareopt.jobs.optimize.floor_steps`), as the local engine buys it.
    Returns the budget, what was spent, and each set's taken steps.
    """
    if budget is None:
        budget = float(np.nansum(np.concatenate([terms for terms, _, _ in ladders])))
    sets = [steps for _, steps, _ in ladders]
    # each set's rows after the sets before: greedy_steps reads a row as an identity, step_order a step's position
    offset = np.cumsum([0] + [int(s.row.max()) + 1 if len(s) else 0 for s in sets])
    steps = Steps(np.concatenate([s.row + o for s, o in zip(sets, offset)]),
                  *(np.concatenate([getattr(s, name) for s in sets]) for name in ("level", "cost", "gain", "first")))
    forced = np.concatenate([floor.forced for _, _, floor in ladders])
    check_floor_budget(budget, np.concatenate([floor.row_cost for _, _, floor in ladders]))
    outside = math.fsum(np.concatenate([floor.outside for _, _, floor in ladders]))  # exact: the local engine's sum
    floored = bool(forced.any()) or outside > 0
    taken = greedy_steps(steps, budget, order=step_order(steps), forced=forced if forced.any() else None,
                         reserved=outside if floored else None)
    return budget, float(steps.cost[taken].sum()) + outside, np.split(taken, np.cumsum([len(s) for s in sets])[:-1])


def stock_of(stock: Stock, dealers: Sequence[str]) -> Stock:
    """The stock rows of some dealers."""
    frame = stock.frame
    keep = frame["dealer"].isin(list(dealers)).to_numpy()
    return Stock(frame[keep].reset_index(drop=True), stock.report)


def check_stock(stock: Stock, network: Any, history_source: str) -> None:
    """The stock file's dealers must be the network's (the local engine's check, on the whole network)."""
    check_stock_dealers(stock.frame, network.dealers.to_numpy(dtype=object), stock.report.get("source"),
                         history_source)


def merge(job: str, results: Sequence[Any], network: Any, stock: Stock | None,
          superseded: pd.DataFrame | None = None) -> Result:
    """One result from the partitions' results: the local engine's rows, side tables and report."""
    report = merge_reports([r.report for r in results])
    report["rows_after_as_of"] = network.rows_after_as_of
    sides: dict[str, Any] = {}
    if job == "dead-stock":
        settled = settle_dead_stock(results, report)
        table, sides = settled.table, {"aging": settled.aging, "transfers": settled.transfers}
    elif job == "kpi":
        sums = pd.concat([r.sums for r in results])
        table, by_class = kpi_table(sums)
        sides = {"parts": _concat([r.parts for r in results]), "by_class": by_class, "sums": sums}
        report["kpi"]["network"] = kpi_network(table)
    else:
        table = _concat([r.table for r in results])
    if job == "must-stock":
        report["service"].update(_service(table))
    elif job == "evaluate":
        policies = report["evaluation"]["policies"]
        rank = pd.Index(policies).get_indexer(table["policy"].astype(object))
        table = table.iloc[np.argsort(rank, kind="stable")].reset_index(drop=True)
        months = report["evaluation"]["holdout_months"]
        totals = [policy_totals(p, table[rank[np.argsort(rank, kind="stable")] == i].reset_index(drop=True), months)
                  for i, p in enumerate(policies)]
        sides = {"totals": pd.DataFrame(totals, columns=list(TOTALS_COLUMNS)),
                 "calibration": calibration_table(table, holdout_months=months)}
        report["evaluation"]["totals"] = {row["policy"]: {k: row[k] for k in TOTALS_SUMMARY} for row in totals}
        report["evaluation"]["calibration"] = calibration_summary(sides["calibration"])
    elif job == "order":
        sides = {"totals": _concat([r.totals for r in results])}
    if stock is not None:  # the stock was re-keyed to the leading parts once, for the whole network
        report["stock"].update(_stock_without_history(stock, network), superseded_stock=superseded)
    return Result(table, report, **sides)


def _concat(tables: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The partitions' tables one after another (partitions: tens)."""
    return pd.concat(tables, ignore_index=True) if len(tables) > 1 else tables[0].reset_index(drop=True)


def _service(table: pd.DataFrame) -> dict[str, Any]:
    """The implied service of the dealer rows (the local engine's report, from the merged table)."""
    stocked = (table["decision"] == "dealer").to_numpy()
    expected = table["forecast"].to_numpy()[stocked]
    total = float(expected.sum())
    return {"implied_csl_mean": float(table["implied_csl"].to_numpy()[stocked].mean()) if stocked.any() else None,
            "implied_fill_rate": float((table["implied_fill_rate"].to_numpy()[stocked] * expected).sum() / total)
            if total > 0 else None}


def _stock_without_history(stock: Stock, network: Any) -> dict[str, Any]:
    """The stock's parts that the network never sold (a partition sees only its own dealers')."""
    parts = pd.unique(stock.frame["part"].to_numpy(dtype=object))
    extra = np.sort(np.asarray(parts[network.parts.get_indexer(pd.Index(parts, dtype=object)) < 0], dtype=object))
    return {"parts_without_history": len(extra), "parts_without_history_first": [str(p) for p in extra[:5]]}


def merge_reports(reports: Sequence[Mapping[str, Any]], section: type = RunReport) -> dict[str, Any]:
    """The partitions' run reports as one, each field as its declaration in :mod:`spareopt.run_report` says:
    counts (SUM) added, what the network set (ONCE, NETWORK) taken once, a section merged field by field.

    >>> merge_reports([{"series": 2, "parts": 5, "decisions": {"dealer": 1}},
    ...                {"series": 3, "parts": 5, "decisions": {"dealer": 2, "none": 1}}])
    {'series': 5, 'parts': 5, 'decisions': {'dealer': 3, 'none': 1}}
    """
    out: dict[str, Any] = {}
    for key in dict.fromkeys(k for r in reports for k in r):
        values = [r.get(key) for r in reports]
        how = field_merge(section, key)
        if how in (SUM, SUM_SORTED):
            out[key] = _sum(values, sort=how is SUM_SORTED)
        elif isinstance(how, type) and all(isinstance(v, dict) for v in values):
            out[key] = merge_reports(values, how)
        else:  # ONCE, NETWORK (set again by merge), or not declared (the tests keep every field declared)
            out[key] = values[0]
    return out


def _sum(values: Sequence[Any], sort: bool = False) -> Any:
    """Counts added: numbers summed, dicts of counts label by label (``sort``: the labels sorted); None where no
    partition has one."""
    known = [v for v in values if v is not None]
    if not known:
        return None
    if all(isinstance(v, dict) for v in known):
        merged = {k: _sum([d.get(k) for d in known]) for k in dict.fromkeys(k for d in known for k in d)}
        return dict(sorted(merged.items(), key=lambda kv: str(kv[0]))) if sort else merged
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in known):
        return sum(known)
    return known[0]
