"""The report a parts director opens in a browser: one self-contained HTML file (``spareopt report``, ``--html``).

One page answers what a parts director asks, from what a job returned (:class:`spareopt.Result`):

- **the network at a glance**: stock value, expected fill (and, where the history was replayed, the achieved
  fill and turns), rows stocked, by dealer and by ABC class; the decisions and reasons; the run's warnings;
- **what if the budget changes**: the stock-to-service curve of ``optimize`` with a slider over the budget that
  shows, at every budget, the curve's expected fill, rows stocked and stock value, computed in the page from the
  curve's points (the last point whose stock value is within the budget: the best plan that fits); the seed plan
  and the planner's current Min/Max marked on it;
- **each dealer's list**, sortable and filterable, in the planner's columns and language, and a click on a row
  opens the part's card: its monthly demand, MAD, forecast and demand model, the levels, the rule that decided
  it with its threshold and the row's value, and the implied service;
- **did it keep its promise**: with ``evaluate``, the promised against achieved fill rate by class, and the
  policies side by side.

The file carries its data and its scripts: plotly.js (``plotly``'s bundle) draws the charts, DataTables
(``itables``' bundle) the tables, Jinja2 lays out the page; nothing is fetched, so it opens offline.  It holds
summaries and the top rows of each dealer (:data:`ROWS_PER_DEALER`, at most :data:`PAGE_ROWS` in all), not a
million rows: the whole list is the must-stock workbook's.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .config import Config, load_config
from .dealers import DealerMaster
from .errors import UsageError
from .lang import tr
from .outputs import DISPLAY_COLUMNS, WHY, planner_table
from .policy.rules import RULE_TESTS
from .report_warnings import report_warnings
from .result import Result
from .validate import instance

__all__ = ["MONTHS_SHOWN", "PAGE_ROWS", "ROWS_PER_DEALER", "Page", "curve_at", "months_table", "report_page",
           "shown_rows"]

ROWS_PER_DEALER = 10_000
"""A dealer's list in the page holds at most its first rows (stocked first, by priority)."""

PAGE_ROWS = 40_000
"""The lists of all dealers hold at most this many rows: each dealer gets an equal share of it (at least 20)."""

MONTHS_SHOWN = 24
"""A part's card shows its demand of the last months up to as_of."""

_CARD_COLUMNS = ("class_code", "abc_class", "attribute", "pattern", "unit_cost", "half_year_quantity", "mad",
                 "forecast_method", "forecast", "demand_model", "ssq", "reorder_point", "max_stock", "min_stock",
                 "implied_csl", "implied_fill_rate", "decision", "reason", "policy_rule", "stock_level",
                 "stock_value", "expected_demand", "expected_fill_rate", "location", "target_kind", "target")
"""The facts a part's card shows, when the job's table has them."""


@dataclass(frozen=True)
class Page:
    """A report page: its ``html`` (the whole file) and the ``data`` it carries (what the page shows, as JSON)."""

    html: str
    data: dict[str, Any]


def shown_rows(dealer: np.ndarray, *, per_dealer: int = ROWS_PER_DEALER, total: int = PAGE_ROWS) -> np.ndarray:
    """The positions of the rows a page lists: the first rows of each dealer, in the table's order (a job's table
    is sorted by dealer, then its rows stocked first, by priority).  ``dealer``: each row's dealer (any labels,
    rows of a dealer together); each dealer gets ``min(per_dealer, max(20, total // dealers))`` rows.

    >>> shown_rows(np.array(["D1", "D1", "D1", "D2"]), per_dealer=2).tolist()
    [0, 1, 3]
    """
    codes = pd.factorize(np.asarray(dealer, dtype=object))[0]
    if len(codes) == 0:
        return np.zeros(0, dtype=np.int64)
    dealers = int(codes.max()) + 1
    keep = min(per_dealer, max(20, total // dealers))
    starts = np.r_[0, np.flatnonzero(codes[1:] != codes[:-1]) + 1]
    rank = np.arange(len(codes)) - np.repeat(starts, np.diff(np.r_[starts, len(codes)]))
    return np.flatnonzero(rank < keep).astype(np.int64)


def months_table(values: np.ndarray, periods: pd.PeriodIndex, rows: np.ndarray, series: np.ndarray,
                 months: int = MONTHS_SHOWN) -> pd.DataFrame:
    """The monthly demand of the rows a page lists (``Result.months``): column ``row`` (the row's position in
    the job's table), then one column per month (``YYYY-MM``), the last ``months`` up to as_of.

    ``values``: the demand matrix (series x months); ``rows``: the table positions shown; ``series``: the matrix
    row of each of them.
    """
    last = values[np.asarray(series, dtype=np.int64)][:, -months:] if values.shape[1] else np.zeros((len(rows), 0))
    names = [str(p) for p in periods[-last.shape[1]:]] if last.shape[1] else []
    return pd.DataFrame({"row": np.asarray(rows, dtype=np.int64),
                         **{name: last[:, j] for j, name in enumerate(names)}})


def curve_at(curve: pd.DataFrame, budget: float) -> pd.Series:
    """The stock-to-service curve at a budget: its last point whose stock value is within ``budget`` (the best
    plan that fits), as the page's slider shows it.

    >>> curve = pd.DataFrame({"stock_value": [0.0, 10.0, 30.0], "expected_fill_rate": [0.0, 0.5, 0.9],
    ...                       "rows_stocked": [0, 1, 2]})
    >>> curve_at(curve, 29.0).tolist()
    [10.0, 0.5, 1.0]
    """
    value = curve["stock_value"].to_numpy(dtype=np.float64)
    at = max(int(np.searchsorted(value, float(budget), side="right")) - 1, 0)
    return curve.iloc[at].astype(np.float64)


def report_page(result: Result, job: str, *, config: Config | Mapping[str, Any] | str | None = None,
                dealers: DealerMaster | None = None, caption: str | None = None,
                evaluation: Result | None = None) -> Page:
    """The report page of a job's result: one self-contained HTML file (see the module notes).

    Parameters
    ----------
    result : Result
        What ``must_stock``, ``optimize``, ``evaluate`` or :func:`spareopt.network_report` returned.  The page
        shows what the result holds: its table as the dealers' lists (``must-stock`` and ``optimize``), its
        ``curve`` and ``markers`` as the what-if, its ``calibration`` and ``totals`` as the promise kept, its
        ``months`` on the part cards.  A section the result cannot fill says what is missing and how to get it.
    job : str
        The command that made it (``must-stock``, ``optimize``, ``evaluate``, ``report``).
    config : Config, mapping or TOML path, optional
        ``lang`` (the page's language) and ``currency``; the rules' thresholds on the cards.
    dealers : DealerMaster, optional
        The dealers' names on the lists.
    caption : str, optional
        What was run on what (default: from the report, :func:`spareopt.figures.run_caption`).
    evaluation : Result, optional
        An ``evaluate`` result to show beside ``result`` (``network_report`` attaches its own).

    Examples
    --------
    >>> import spareopt
    >>> sales = pd.DataFrame({"dealer": ["D1"] * 12, "part": ["P"] * 12, "quantity": [3] * 12,
    ...                       "period": [f"2024-{m:02d}" for m in range(1, 13)]})
    >>> page = report_page(spareopt.must_stock(sales), "must-stock")
    >>> page.html.startswith("<!DOCTYPE html>"), page.data["lists"]["count"]
    (True, 1)
    """
    from .figures import run_caption

    instance("result", result, Result, "a spareopt.Result", hint="Pass what the job returned, e.g. spareopt.must_stock(...)")
    instance("evaluation", evaluation, (Result, type(None)), "a spareopt.Result of evaluate or None",
             hint="Pass spareopt.evaluate(...)")
    instance("dealers", dealers, (DealerMaster, type(None)), "a spareopt.DealerMaster or None",
             hint="Pass spareopt.load_dealers(path or frame)")
    if job not in PAGE_JOBS:
        raise UsageError(f"job must be one of {', '.join(PAGE_JOBS)}; got {job!r}")
    cfg = load_config(config)
    lang = cfg.lang
    report = result.report
    calibration = evaluation.calibration if evaluation is not None else result.calibration
    totals = evaluation.totals if evaluation is not None else result.totals
    data: dict[str, Any] = {
        "title": tr("Parts stocking report", lang),
        "caption": caption or run_caption(report, f"spareopt {job}", lang),
        "lang": lang, "currency": cfg.currency, "job": job,
        "labels": {key: tr(text, lang) for key, text in LABELS.items()},
        "warnings": report_warnings(report, lang),
        "missing": [],
    }
    lists = _lists(result, job, cfg, dealers) if job != "evaluate" and _has_rows(result.table) else None
    data["summary"] = _summary(result, lists, calibration, totals, lang, dealers)
    data["lists"] = lists
    data["whatif"] = _whatif(result, lang)
    data["promise"] = _promise(calibration, totals, lang)
    data["missing"] = _missing(result, job, data, lang)
    return Page(_render(data), data)


PAGE_JOBS = ("must-stock", "optimize", "evaluate", "report")
"""The jobs whose results make a page."""

LABELS = {
    "network": "The network at a glance", "whatif": "What if the budget changes", "lists": "Each dealer's list",
    "promise": "Did the plan keep its promise", "warnings": "Warnings", "missing": "Not in this report",
    "budget": "Budget", "dealer_name": "Dealer name", "expected_fill": "Expected fill rate", "rows_stocked": "Rows stocked",
    "expected_fill_stocked": "Expected fill rate, stocked rows", "expected_fill_all": "Expected fill rate, all demand",
    "achieved_fill_stocked": "Achieved fill rate, stocked rows (replayed)",
    "achieved_fill_all": "Achieved fill rate, all demand (replayed)", "turns": "Turns (replayed)",
    "stock_value": "Stock value", "dealer": "Dealer", "showing": "Showing the first {shown:,} of {total:,} rows",
    "card": "Why this part", "monthly": "Demand per month", "rule": "Rule", "close": "Close",
    "by_dealer": "By dealer", "by_class": "By ABC class", "decisions": "Decisions", "reasons": "Reasons",
    "whatif_note": "The best expected fill rate that the budget buys (the curve's last point within it), from "
                   "optimize's marginal analysis; the seed plan and the current Min/Max are marked.",
    "promise_note": "Promised: the fill rate the plan's demand model expects on the stocked rows. Achieved: the "
                    "fill rate the replay of the held-out months delivered on the same rows.",
    "expected_note": "Expected fill rate: what the plan's demand model promises (forecast-weighted): on the rows "
                     "stocked at the dealers, and on all the demand (the rows not stocked fill nothing from a "
                     "dealer's shelf). Achieved: what the replay of held-out months delivered.",
    "no_rows": "No rows", "rows": "Rows planned",
}
"""The page's own words, translated by :func:`spareopt.lang.tr`."""


# -- the sections ---------------------------------------------------------------------------------------------------


def _has_rows(table: pd.DataFrame) -> bool:
    return "part" in table.columns and ("decision" in table.columns or "stock_level" in table.columns)


def _row_measures(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each row's stocked flag, stock value, expected fill rate and weight (its expected demand), from a
    must-stock table (the dealer rows at max_stock, the implied fill rate, the forecast) or an optimize table."""
    if "decision" in table.columns:
        stocked = table["decision"].astype(str).to_numpy() == "dealer"
        cost = np.nan_to_num(table["unit_cost"].to_numpy(dtype=np.float64)) if "unit_cost" in table else 0.0
        value = np.where(stocked, cost * table["max_stock"].to_numpy(dtype=np.float64), 0.0)
        fill = table["implied_fill_rate"].to_numpy(dtype=np.float64) if "implied_fill_rate" in table else \
            np.full(len(table), np.nan)
        weight = table["forecast"].to_numpy(dtype=np.float64) if "forecast" in table else np.ones(len(table))
    else:
        stocked = table["stock_level"].to_numpy(dtype=np.float64) > 0
        value = np.nan_to_num(table["stock_value"].to_numpy(dtype=np.float64))
        fill = table["expected_fill_rate"].to_numpy(dtype=np.float64)
        weight = table["expected_demand"].to_numpy(dtype=np.float64)
    return stocked, value, fill, np.nan_to_num(weight)


def _grouped(table: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    """Per value of ``by``: rows, rows stocked, stock value, and the expected fill rate of the stocked rows and of
    all the demand (the unstocked rows fill nothing), forecast-weighted."""
    stocked, value, fill, weight = _row_measures(table)
    use = stocked & np.isfinite(fill)
    frame = pd.DataFrame({by: table[by].astype(str).to_numpy(), "rows": np.ones(len(table), dtype=np.int64),
                          "rows_stocked": stocked.astype(np.int64), "stock_value": value,
                          "filled": np.where(use, fill * weight, 0.0), "stocked_weight": np.where(use, weight, 0.0),
                          "weight": weight})
    sums = frame.groupby(by, sort=True).sum()
    sums["expected_fill_rate"] = sums["filled"] / sums["stocked_weight"].where(sums["stocked_weight"] > 0)
    sums["expected_fill_rate_all"] = sums["filled"] / sums["weight"].where(sums["weight"] > 0)
    return sums.reset_index()[[by, "rows", "rows_stocked", "stock_value", "expected_fill_rate",
                               "expected_fill_rate_all"]]


def _summary(result: Result, lists: Mapping[str, Any] | None, calibration: pd.DataFrame | None,
             totals: pd.DataFrame | None, lang: str | None, dealers: DealerMaster | None) -> dict[str, Any]:
    """The headline figures (each named for what it measures: the plan's promise on its stocked rows, or on all
    the demand; the replay's achieved fill), and the sums by dealer and by class."""
    table, report = result.table, result.report
    tiles: list[dict[str, Any]] = []
    out: dict[str, Any] = {"tiles": tiles, "by_dealer": None, "by_class": None,
                           "decisions": report.get("decisions"), "reasons": report.get("reasons")}
    if lists is not None:
        (network,) = _records(_grouped(table.assign(network="network"), "network"))
        plan = str(report.get("policy") or "seed")
        markers = result.markers
        if markers is not None and (markers["policy"] == plan).any() and "decision" in table.columns:
            network["expected_fill_rate_all"] = _number(markers.loc[markers["policy"] == plan,
                                                                    "expected_fill_rate"].iloc[0])
        tiles += [
            {"key": "stock_value", "label": tr("Stock value at Max", lang), "value": network["stock_value"],
             "kind": "money"},
            {"key": "expected_fill", "label": tr("Expected fill rate, stocked rows", lang), "kind": "rate",
             "value": network["expected_fill_rate"]},
            {"key": "expected_fill_all", "label": tr("Expected fill rate, all demand", lang), "kind": "rate",
             "value": network["expected_fill_rate_all"]},
            {"key": "rows_stocked", "label": tr("Rows stocked", lang), "value": network["rows_stocked"],
             "kind": "count"},
            {"key": "rows", "label": tr("Rows planned", lang), "value": network["rows"], "kind": "count"},
        ]
        if "dealer" in table.columns:
            by_dealer = _grouped(table, "dealer")
            replayed = result.by_dealer
            if replayed is not None and (replayed["policy"] == plan).any():
                achieved = ["achieved_fill_rate", "achieved_fill_rate_all", "turns"]
                mine = replayed.loc[replayed["policy"] == plan, ["dealer", *achieved]].astype({"dealer": str})
                by_dealer = by_dealer.merge(mine, on="dealer", how="left")
            if dealers is not None:
                by_dealer.insert(1, "dealer_name", dealers.names(by_dealer["dealer"].to_numpy(dtype=object))[0])
            out["by_dealer"] = _records(by_dealer)
        if "abc_class" in table.columns:
            out["by_class"] = _records(_grouped(table, "abc_class"))
    if totals is not None and len(totals):
        first = totals.iloc[0]
        policy = first["policy"]
        if calibration is not None and "group" in calibration.columns:
            mine = calibration[(calibration["policy"] == policy) & (calibration["group"] == "all")]
            if len(mine):
                tiles.append({"key": "achieved_fill", "kind": "rate",
                              "label": tr("Achieved fill rate, stocked rows ({policy}, replayed)", lang).format(
                                  policy=policy), "value": _number(mine["achieved_fill_rate"].iloc[0])})
        tiles += [
            {"key": "achieved_fill_all", "label": tr("Achieved fill rate, all demand ({policy}, replayed)",
                                                     lang).format(policy=policy),
             "value": _number(first.get("fill_rate")), "kind": "rate"},
            {"key": "turns", "label": tr("Turns ({policy}, replayed)", lang).format(policy=policy),
             "value": _number(first.get("turns")), "kind": "number"},
        ]
    return out


def _whatif(result: Result, lang: str | None) -> dict[str, Any] | None:
    curve = result.curve
    if curve is None or not len(curve):
        return None
    markers = result.markers if result.markers is not None else pd.DataFrame(columns=["policy", "stock_value",
                                                                                     "expected_fill_rate"])
    budget = float(result.report.get("optimize", {}).get("budget", curve["stock_value"].iloc[-1]))
    value = curve["stock_value"].to_numpy(dtype=np.float64)
    fill = curve["expected_fill_rate"].to_numpy(dtype=np.float64)
    knee = float(value[np.argmax(fill >= 0.99 * fill.max())]) if len(fill) and fill.max() > 0 else 0.0
    top = max(knee, 2 * budget, 1.5 * float(markers["stock_value"].max()) if len(markers) else 0.0)
    top = top or float(value.max(initial=0.0)) or 1.0  # the slider's range: up to where the curve flattens
    step = budget / 200 if budget > 0 else top / 1000  # the budget is on the slider's grid
    return {
        "stock_value": value.tolist(),
        "expected_fill_rate": curve["expected_fill_rate"].to_numpy(dtype=np.float64).tolist(),
        "rows_stocked": (curve["rows_stocked"].to_numpy(dtype=np.int64).tolist() if "rows_stocked" in curve
                         else None),
        "markers": [{"policy": tr(str(row.policy), lang), "key": str(row.policy),
                     "stock_value": _number(row.stock_value), "expected_fill_rate": _number(row.expected_fill_rate)}
                    for row in markers.itertuples(index=False)],  # the three plans on the curve
        "budget": budget, "step": step, "max": step * np.ceil(top / step),
    }


def _promise(calibration: pd.DataFrame | None, totals: pd.DataFrame | None, lang: str | None) -> dict[str, Any] | None:
    if calibration is None and totals is None:
        return None
    keep = ["policy", "group", "class", "series", "demand", "promised_fill_rate", "achieved_fill_rate", "verdict"]
    cal = None if calibration is None else calibration[[c for c in keep if c in calibration.columns]]
    per = ["policy", "parts_stocked", "avg_stock_value", "demand", "promised_fill_rate", "fill_rate", "turns"]
    tot = None if totals is None else totals[[c for c in per if c in totals.columns]]
    return {"calibration": None if cal is None else _records(cal), "totals": None if tot is None else _records(tot),
            "headers": {c: tr(PROMISE_HEADERS.get(c, c), lang) for c in (*keep, *per)}}


CARD_TITLES = {"forecast_method": "Forecast method", "demand_model": "Demand model", "policy_rule": "Class policy row",
               "stock_level": "Stock level", "expected_demand": "Expected demand a year", "location": "Kept at",
               "target_kind": "Target kind", "rule": "Rule"}
"""The titles of a card's facts that are not display columns of the tables (:data:`spareopt.outputs.DISPLAY_COLUMNS`)."""

PROMISE_HEADERS = {"policy": "Policy", "group": "Group", "class": "Class", "series": "Series", "demand": "Demand",
                   "promised_fill_rate": "Promised fill rate", "achieved_fill_rate": "Achieved fill rate",
                   "verdict": "Verdict", "parts_stocked": "Parts stocked", "avg_stock_value": "Average stock value",
                   "fill_rate": "Achieved fill rate", "turns": "Turns"}


def _lists(result: Result, job: str, cfg: Config, dealers: DealerMaster | None) -> dict[str, Any]:
    """The dealers' lists (the planner's columns, display headers) and the facts of each row's card."""
    table, lang = result.table, cfg.lang
    dealer = table["dealer"].astype(str).to_numpy() if "dealer" in table.columns else np.full(len(table), "")
    rows = shown_rows(dealer)
    shown = table.iloc[rows].reset_index(drop=True)
    if job in ("must-stock", "report") and "decision" in table.columns:
        view = planner_table(shown, "must-stock", dealers=dealers, lang=lang)
    else:
        keep = [c for c in ("dealer", "part", "description", "stock_level", "reorder_point", "stock_value",
                            "expected_fill_rate", "location") if c in shown.columns]
        view = shown[keep].copy()
        if dealers is not None and "dealer" in view.columns:
            view.insert(1, "dealer_name", dealers.names(view["dealer"].to_numpy(dtype=object))[0])
    columns = [{"key": c, "title": tr(DISPLAY_COLUMNS[c].header, lang) if c in DISPLAY_COLUMNS else c,
                "kind": DISPLAY_COLUMNS[c].kind if c in DISPLAY_COLUMNS else "text"} for c in view.columns]
    card = {c: _compact(_column(shown[c])) for c in _CARD_COLUMNS if c in shown.columns}
    card["rule"] = _rule_texts(table, rows, result.report, cfg)
    if "reason" in shown.columns:
        reason = shown["reason"].astype(str)
        if "decision" in shown.columns:  # a class policy row's why is its decision's (WHY's class_policy:DECISION)
            reason = reason.where(reason != "class_policy", "class_policy:" + shown["decision"].astype(str))
        card["why"] = _compact(reason.map({k: tr(v, lang) for k, v in WHY.items()}).fillna(reason).tolist())
    card_titles = {c: tr(DISPLAY_COLUMNS[c].header if c in DISPLAY_COLUMNS else CARD_TITLES[c], lang) for c in card}
    counts = pd.Series(dealer).value_counts(sort=False)
    months = result.months
    history = None
    if months is not None and len(months):
        at = pd.Index(months["row"].to_numpy(dtype=np.int64)).get_indexer(rows)
        names = [c for c in months.columns if c != "row"]
        grid = months[names].to_numpy(dtype=np.float64)
        values = _months_json(np.nan_to_num(grid[np.maximum(at, 0)]))
        history = {"months": names, "values": values if (at >= 0).all() else
                   [None if missing else row for missing, row in zip((at < 0).tolist(), values)]}
    return {
        "columns": columns,
        "rows": {c["key"]: _compact(_column(view[c["key"]])) for c in columns},
        "card": card, "card_titles": card_titles,
        "dealer": _compact(shown["dealer"].astype(str).tolist()) if "dealer" in shown.columns else None,
        "dealer_rows": {str(k): int(v) for k, v in counts.items()},
        "count": len(rows), "total": len(table),
        "history": history,
    }


def _rule_texts(table: pd.DataFrame, rows: np.ndarray, report: Mapping[str, Any], cfg: Config) -> list[str] | None:
    """The rule that decided each shown row, with its threshold (a config key) and the row's value
    (:data:`spareopt.policy.rules.RULE_TESTS`), e.g. ``low_ssq: ssq 0.4 < central_ssq_min 1`` (the card puts the
    why's words before it)."""
    if "reason" not in table.columns:
        return None
    lang = cfg.lang
    shown = table.iloc[rows]
    reason = shown["reason"].astype(str).to_numpy()
    values: dict[str, np.ndarray] = {c: shown[c].to_numpy(dtype=np.float64) for c in ("ssq", "unit_cost",
                                     "half_year_quantity", "min_stock") if c in shown.columns}
    if "dealer" in table.columns and cfg.low_volume_basis == "network" and "half_year_quantity" in table.columns:
        network = table.groupby(table["part"].astype(str).to_numpy())["half_year_quantity"].sum()
        values["network_half_year_quantity"] = network.reindex(shown["part"].astype(str).to_numpy()).to_numpy()
    thresholds = {"high_value_cost": report.get("high_value_cost"), "low_volume_max": cfg.low_volume_max,
                  "central_ssq_min": cfg.central_ssq_min, "zero": 0.0}
    out = reason.astype(object)
    for name, tests in RULE_TESTS.items():
        at = reason == name
        if not at.any():
            continue
        parts = []
        for column, sign, key in tests:
            if column == "network_half_year_quantity" and column not in values:
                column = "half_year_quantity"
            if column not in values:
                continue
            threshold = thresholds.get(key)
            shown_key = "" if key == "zero" else f"{key} "
            parts.append(np.char.add(np.char.add(f"{column} ", _fmt(values[column][at])),
                                     f" {sign} {shown_key}{_fmt_one(threshold)}"))
        if parts:
            joined = functools.reduce(lambda a, b: np.char.add(np.char.add(a, "; "), b), parts)
            out[at] = np.char.add(f"{name}: ", joined.astype(str)).astype(object)
    if "policy_rule" in shown.columns:
        rule = shown["policy_rule"].astype(str).to_numpy()
        by_class = (reason == "class_policy") & (rule != "") & (rule != "nan")
        code = shown["class_code"].astype(str).to_numpy() if "class_code" in shown.columns else np.full(len(rule), "")
        fields = {"{match}": pd.Series(rule[by_class], dtype=object), "{code}": pd.Series(code[by_class], dtype=object)}
        text = pd.Series("", index=fields["{code}"].index, dtype=object)
        for piece in re.split(r"(\{match\}|\{code\})", tr("class policy row {match}: class_code {code} matches it",
                                                             lang)):
            text = text + fields.get(piece, piece)  # the template's pieces, each added to every row at once
        out[by_class] = text.to_numpy(dtype=object)
    return [f"{t}" for t in out.tolist()]


def _missing(result: Result, job: str, data: Mapping[str, Any], lang: str | None) -> list[str]:
    """What a section lacks, and how to get it."""
    out = []
    report = result.report
    if data["lists"] is None:
        out.append(tr("no dealer lists: {job} has no per-row plan (run must-stock, optimize or spareopt report)",
                      lang).format(job=job))
    elif data["lists"]["history"] is None:
        out.append(tr("no monthly demand on the part cards: the run kept no months (the stream and dask engines "
                      "and optimize --echelons 2 keep none); run with --engine local", lang))
    if data["whatif"] is None and result.echelon_curves is not None:
        out.append(tr("no what-if budget: the two-echelon plans are compared at one budget (optimize --plot draws "
                      "their curves); the what-if is the dealers' curve (optimize without --echelons 2)", lang))
    elif data["whatif"] is None:
        out.append(tr("no what-if budget: {job} computes no stock-to-service curve (spareopt report or optimize "
                      "--html draws it)", lang).format(job=job))
    if data["promise"] is None:
        out.append(tr("no promise kept: nothing was replayed (spareopt report --holdout-months 12, or evaluate "
                      "--html)", lang))
    if report.get("parts_master") is None and data["lists"] is not None:
        out.append(tr("no parts master: every part took the default unit_cost, lead_time_days and "
                      "order_cycle_days, so the stock values are 0 and ABC is by quantity (pass --parts FILE)", lang))
    return out


# -- rendering ------------------------------------------------------------------------------------------------------


def _render(data: Mapping[str, Any]) -> str:
    """The page: the template with the data, plotly.js and DataTables inlined."""
    template = _environment().get_template("report.html.j2")
    payload = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":")).replace("</", "<\\/")
    return template.render(data=data, payload=payload, plotly_js=_plotly_js(), tables_js=_tables_js(),
                           tables_css=_tables_css())


@functools.cache
def _environment() -> Any:
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("spareopt", "templates"),
                              autoescape=jinja2.select_autoescape(["html", "j2"]), undefined=jinja2.StrictUndefined)


@functools.cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs().replace("</script", "<\\/script")


@functools.cache
def _tables_js() -> str:
    """DataTables (itables' ES module bundle), base64: the page imports it from a blob, as itables' offline mode
    does."""
    import importlib.resources

    return base64.b64encode((importlib.resources.files("itables") / "html" / "dt_bundle.js").read_bytes()).decode()


@functools.cache
def _tables_css() -> str:
    import importlib.resources

    return (importlib.resources.files("itables") / "html" / "dt_bundle.css").read_text(encoding="utf-8") \
        .replace("</", "<\\/")


# -- values -----------------------------------------------------------------------------------------------------------


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _column(series: pd.Series) -> list[Any]:
    """A column as JSON values: numbers (None for NaN), or text ("" for a missing value)."""
    if pd.api.types.is_bool_dtype(series.dtype):
        return series.astype(bool).tolist()
    if pd.api.types.is_numeric_dtype(series.dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
        out = np.round(values, 6).astype(object)
        out[~np.isfinite(values)] = None
        whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2 ** 53)
        out[whole] = values[whole].astype(np.int64)
        return out.tolist()
    return series.astype(object).where(series.notna(), "").astype(str).tolist()


def _compact(values: list[Any]) -> list[Any] | dict[str, list[Any]]:
    """A column of many repeated texts as its distinct ``values`` and each row's ``codes`` into them (the page
    decodes it); other columns as they are."""
    if not values or not isinstance(values[0], str):
        return values
    codes, uniques = pd.factorize(pd.Series(values, dtype=object))
    if 4 * len(uniques) > len(values):
        return values
    return {"values": uniques.tolist(), "codes": codes.tolist()}


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = {c: _column(frame[c]) for c in frame.columns}
    return [dict(zip(columns, values)) for values in zip(*columns.values())]


def _months_json(grid: np.ndarray) -> list[list[float | int]]:
    """The months of the rows listed as JSON lists: whole numbers as integers (the usual monthly demand), else
    rounded to 3 decimals, the whole matrix at once.

    >>> _months_json(np.array([[1.0, 0.0], [2.0, 3.0]])), _months_json(np.array([[0.12345, 2.0]]))
    ([[1, 0], [2, 3]], [[0.123, 2.0]])
    """
    if grid.size and np.array_equal(grid, np.round(grid)) and np.abs(grid).max() < 2 ** 53:
        return grid.astype(np.int64).tolist()
    return np.round(grid, 3).tolist()


def _fmt(values: np.ndarray) -> np.ndarray:
    """Numbers as short text (4 significant digits, integers whole), one array operation."""
    values = np.asarray(values, dtype=np.float64)
    return np.where(np.isfinite(values), np.char.mod("%.4g", np.nan_to_num(values)), "-").astype(str)


def _fmt_one(value: Any) -> str:
    number = _number(value)
    return "-" if number is None else f"{number:.4g}"
