"""Promised against achieved: the calibration of every service figure a plan shows a planner.

read -> clean -> demand matrix -> plan -> replay the holdout -> **calibration table**

Every number spareopt shows is a promise: a fill-rate or CSL target, the implied service
of a plan, the expected fill of the optimiser.  :func:`spareopt.evaluate` replays real
held-out demand against each plan and records, per series, what the plan promised
(``promised_fill_rate``, ``promised_csl``, ``expected_demand``) beside what the shelf did
(``filled``, ``demand``, ``months_in_stock``).  :func:`calibration_table` sums those
columns per policy and class (a reliability table), so a planner sees where the promises
hold and where, and why, they do not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .classify.pattern import PATTERNS
from .errors import ConfigError, InputError
from .figures import legend_below, set_titles
from .history import MAX_HISTORY_MONTHS
from .io import check_headers, new_figure
from .lang import Text, tr
from .parts import ATTRIBUTES
from .result import Result
from .validate import instance, require

__all__ = [
    "ABOVE_HISTORY_SHARE",
    "CALIBRATION_COLUMNS",
    "CALIBRATION_GROUPS",
    "DEMAND_RATIO_BAND",
    "FILL_TOLERANCE",
    "TARGET_VERDICTS",
    "calibration_table",
    "plot_calibration",
]

CALIBRATION_COLUMNS = (
    "policy", "group", "class", "series", "demand", "expected_demand", "target_fill_rate", "promised_fill_rate",
    "achieved_fill_rate", "fill_gap", "target_gap", "promised_csl", "achieved_in_stock", "demand_above_history",
    "verdict", "target_verdict", "note",
)
"""Columns of :func:`calibration_table`."""

CALIBRATION_GROUPS = ("all", "abc_class", "pattern")
"""How the stocked series are grouped: all of them, by ABC value class, by demand pattern (SBC)."""

FILL_TOLERANCE = 0.03
"""A promise holds when the achieved fill rate is within 3 points of the promised one."""

DEMAND_RATIO_BAND = (0.67, 1.5)
"""Holdout demand ÷ the plan's expected demand outside this band is named in the ``note`` column."""

ABOVE_HISTORY_SHARE = 0.10
"""A class missing its target names the share of its demand above the series' history from this share up."""

TARGET_VERDICTS = ("meets", "above target", "below target", "")
"""``target_verdict`` texts: achieved within :data:`FILL_TOLERANCE` of the fill-rate target, above or below it; empty
where the class has no fill-rate target (every policy but ``service-level`` with ``fill_rate`` set) or no demand."""

VERDICTS = ("holds", "over-promises", "under-promises", "no demand", "no forecast")
"""``verdict`` texts: within the tolerance, achieved below or above it; no holdout demand (nothing to achieve) or
no expected demand (nothing promised)."""

_CLASS_ORDER = {name: i for i, name in enumerate(("all", *ATTRIBUTES, *PATTERNS))}
_TABLE_FIX = "Pass spareopt.evaluate's result or its table"
_REQUIRED = ("policy", "stocked", "abc_class", "pattern", "expected_demand", "promised_fill_rate", "promised_csl",
             "demand", "filled", "months_in_stock")
_SUMS = ("series", "demand", "expected_demand", "promised_units", "promised_weight", "filled", "csl_sum", "csl_n",
         "months_in_stock", "target_units", "target_weight", "demand_above_history")


def calibration_table(series_table: pd.DataFrame | Result, *, holdout_months: int | None = None) -> pd.DataFrame:
    """Promised against achieved service of every policy, over the series it stocks, by class.

    Parameters
    ----------
    series_table : DataFrame or Result
        :func:`spareopt.evaluate`'s result, or its per-series table: ``policy``, ``stocked``,
        ``abc_class``, ``pattern``, ``expected_demand`` (units over the holdout),
        ``promised_fill_rate``, ``promised_csl``, ``demand``, ``filled``
        (units) and ``months_in_stock``; optionally ``target_kind`` and
        ``target`` (the service-level policy's target) and
        ``demand_above_history`` (units).
    holdout_months : int, optional
        H, the months replayed; default: the run report's, when ``series_table`` is
        evaluate's result (``report["evaluation"]["holdout_months"]``).

    Returns
    -------
    DataFrame
        Columns :data:`CALIBRATION_COLUMNS`, one row per policy (in the table's
        order) x group (:data:`CALIBRATION_GROUPS`) x class present among the
        stocked series; every policy has its ``all`` row (``series`` 0 when it
        stocks nothing).  Rows held only for a planner's ``min_stock``
        (``min_stock_only`` True) made no promise of service and are left out.

    Raises
    ------
    ConfigError
        No ``holdout_months`` given and none in the result's report, or one that is not a whole number in
        [1, 480].
    InputError
        Not a DataFrame or a Result; a column it reads missing or given twice; text in a column of numbers; a
        ``demand``, ``filled`` or ``months_in_stock`` of a stocked row that is negative, NaN or infinite.

    Notes
    -----
    Over the stocked rows i of a class (``stocked`` True), with e_i the plan's
    expected demand over the holdout (H x the monthly forecast), p_i the
    promised fill rate, d_i and y_i the holdout demand and the units filled:

    * ``promised_fill_rate`` = Σ p_i e_i / Σ e_i (the plan's own expected fill;
      rows without a promise, NaN, are left out of both sums);
    * ``achieved_fill_rate`` = Σ y_i / Σ d_i; ``fill_gap`` = achieved - promised;
    * ``promised_csl`` = the mean of the rows' ``promised_csl``;
    * ``achieved_in_stock`` = Σ ``months_in_stock`` / (series x H): the share
      of series-months without a stock-out (a month without demand is in stock);
    * ``verdict``: ``holds`` when |gap| <= :data:`FILL_TOLERANCE` (0.03),
      ``over-promises`` when achieved < promised - 0.03, ``under-promises``
      when achieved > promised + 0.03; ``no demand`` or ``no forecast`` when
      either sum is 0;
    * ``target_fill_rate`` = Σ t_i e_i / Σ e_i over the rows with a fill-rate
      target t_i; ``target_gap`` = achieved - target; ``target_verdict``:
      ``meets`` within 0.03, else ``above target`` or ``below target``;
    * ``demand_above_history`` = Σ_i Σ_t (d_it - max_k k_ik)+, the holdout
      units above the largest training month of each series;
    * ``note``: ``demand 1.8x the forecast`` when Σ d_i / Σ e_i is outside
      :data:`DEMAND_RATIO_BAND`: the demand moved, the plan did not see it.
      Where the target is missed, the reason the data gives: ``whole units``
      when the promise itself is over the target by more than 0.03 (the least
      whole stock that meets each part's target fills more, as promised), or
      the share of the demand above the series' history when it is at least
      :data:`ABOVE_HISTORY_SHARE` (no model of the history promises it).

    Examples
    --------
    Two stocked series of one policy: A promised 0.9 on 10 expected units and
    filled 9 of 10; B promised 0.5 on 10 and filled 2 of 6. Promised
    (0.9 x 10 + 0.5 x 10) / 20 = 0.70, achieved 11 / 16 = 0.6875: within 3 points, the promise holds.

    >>> table = pd.DataFrame({"policy": "seed", "stocked": True, "abc_class": ["A", "B"],
    ...     "pattern": "smooth", "expected_demand": [10.0, 10.0], "promised_fill_rate": [0.9, 0.5],
    ...     "promised_csl": [0.8, 0.4], "demand": [10.0, 6.0], "filled": [9.0, 2.0], "months_in_stock": [4, 2]})
    >>> all_row = calibration_table(table, holdout_months=5).iloc[0]
    >>> float(all_row["promised_fill_rate"]), float(all_row["achieved_fill_rate"]), all_row["verdict"]
    (0.7, 0.6875, 'holds')
    """
    months = _holdout_months(series_table, holdout_months)
    instance("series_table", series_table, (pd.DataFrame, Result), "spareopt.evaluate's result or its table",
             error=InputError)
    if isinstance(series_table, Result):
        series_table = series_table.table
    _check_table(series_table)
    policies = pd.unique(series_table["policy"].to_numpy(dtype=object))
    stocked = series_table["stocked"].to_numpy(dtype=bool)
    if "min_stock_only" in series_table:  # the planner's floor, not the policy, holds them: no promise
        stocked = stocked & ~series_table["min_stock_only"].to_numpy(dtype=bool)
    rows = series_table[stocked]
    promised = _numbers(rows, "promised_fill_rate")
    expected = _numbers(rows, "expected_demand")
    csl = _numbers(rows, "promised_csl")
    known = np.isfinite(promised) & np.isfinite(expected)
    target = _optional(rows, "target", np.nan)
    aims = known & np.isfinite(target) & (_optional(rows, "target_kind", None) == "fill_rate")
    with np.errstate(over="ignore", invalid="ignore"):  # absurd promises give inf or NaN ratios, not warnings
        terms = pd.DataFrame({
            "series": np.ones(len(rows), dtype=np.int64),
            "demand": _amounts(series_table, "demand", stocked),
            "expected_demand": expected,
            "promised_units": np.where(known, promised * np.where(known, expected, 0.0), 0.0),
            "promised_weight": np.where(known, expected, 0.0),
            "filled": _amounts(series_table, "filled", stocked),
            "csl_sum": np.where(np.isfinite(csl), csl, 0.0),
            "csl_n": np.isfinite(csl).astype(np.int64),
            "months_in_stock": _amounts(series_table, "months_in_stock", stocked),
            "target_units": np.where(aims, target * np.where(known, expected, 0.0), 0.0),
            "target_weight": np.where(aims, expected, 0.0),
            "demand_above_history": _optional(rows, "demand_above_history", 0.0),
        })
    policy = rows["policy"].to_numpy(dtype=object)
    parts = []
    for group in CALIBRATION_GROUPS:  # three groupings of the same sums, never a loop over series
        label = np.full(len(rows), "all", dtype=object) if group == "all" else rows[group].to_numpy(dtype=object)
        sums = terms.groupby([policy, label], sort=False).sum()
        if group == "all":  # every policy has its all row, also one that stocks nothing
            sums = sums.reindex(pd.MultiIndex.from_arrays([policies, np.full(len(policies), "all", dtype=object)]),
                                fill_value=0)
        sums.index = sums.index.set_names(["policy", "class"])
        parts.append(sums.reset_index().assign(group=group))
    sums = pd.concat(parts, ignore_index=True)
    classes = sums["class"].astype(str)
    order = np.lexsort((classes.to_numpy(), classes.map(_CLASS_ORDER).fillna(len(_CLASS_ORDER)).to_numpy(),
                        pd.Index(CALIBRATION_GROUPS).get_indexer(sums["group"]),
                        pd.Index(policies).get_indexer(sums["policy"])))
    sums = sums.iloc[order]
    return _finish(sums.reset_index(drop=True), months)


def _check_table(table: pd.DataFrame) -> None:
    """Every column the sums read, each once."""
    check_headers(list(table.columns), "the series table")
    missing = [c for c in _REQUIRED if c not in table.columns]
    if missing:
        raise InputError(f"the series table lacks column(s) {', '.join(missing)} (it has: "
                         f"{', '.join(map(str, table.columns)) or 'none'}). {_TABLE_FIX}")


def _numbers(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A column of numbers as float64 (NaN where the plan has none); text or objects are an InputError."""
    values = rows[column].to_numpy()
    try:
        return values.astype(np.float64)
    except (TypeError, ValueError):
        raise InputError(f"`{column}` of the series table must be numbers (NaN where unknown); got "
                         f"{values.dtype} values. {_TABLE_FIX}") from None


def _amounts(table: pd.DataFrame, column: str, stocked: np.ndarray) -> np.ndarray:
    """A column of units or months of the stocked rows, checked finite and >= 0 (a row is named by its position
    in the table)."""
    values = _numbers(table, column)
    with np.errstate(invalid="ignore"):
        ok = ~stocked | ((values >= 0) & (values < np.inf))  # NaN fails
    require(ok, f"`{column}` of a stocked row must be finite and >= 0", hint=_TABLE_FIX, **{column: values})
    return values[stocked]


def _optional(rows: pd.DataFrame, column: str, default: Any) -> np.ndarray:
    """A column of the series table that older or hand-made tables may lack (then ``default`` everywhere)."""
    if column in rows:
        return rows[column].to_numpy(dtype=object) if default is None else _numbers(rows, column)
    return np.full(len(rows), default, dtype=object if default is None else np.float64)


def _holdout_months(table: pd.DataFrame | Result, months: int | None) -> int:
    if months is None and isinstance(table, Result):
        months = (table.report.get("evaluation") or {}).get("holdout_months")
    if (not isinstance(months, (int, float, np.integer, np.floating)) or isinstance(months, bool)
            or not float(months).is_integer() or months < 1):
        raise ConfigError(f"holdout_months must be a whole number >= 1 (the months replayed), got {months!r}; pass "
                          "calibration_table(table, holdout_months=H), or give it evaluate's result")
    if months > MAX_HISTORY_MONTHS:
        raise ConfigError(f"holdout_months must be at most {MAX_HISTORY_MONTHS} (the longest history, "
                          f"spareopt.history.MAX_HISTORY_MONTHS), got {months!r}; pass the months evaluate replayed")
    return int(months)


def _finish(sums: pd.DataFrame, months: int) -> pd.DataFrame:
    """The ratios, the verdict and the note from the summed columns (vectorised over the table's rows)."""
    demand, expected = sums["demand"].to_numpy(np.float64), sums["expected_demand"].to_numpy(np.float64)
    weight, series = sums["promised_weight"].to_numpy(np.float64), sums["series"].to_numpy(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        promised = np.where(weight > 0, sums["promised_units"].to_numpy(np.float64) / weight, np.nan)
        achieved = np.where(demand > 0, sums["filled"].to_numpy(np.float64) / demand, np.nan)
        csl_n = sums["csl_n"].to_numpy(np.int64)
        csl = np.where(csl_n > 0, sums["csl_sum"].to_numpy(np.float64) / csl_n, np.nan)
        in_stock = np.where(series > 0, sums["months_in_stock"].to_numpy(np.float64) / (series * months), np.nan)
    gap = achieved - promised
    tolerance = FILL_TOLERANCE + 1e-9  # a gap of 0.03 written in decimals holds
    verdict = np.select(
        [demand <= 0, ~np.isfinite(promised), np.abs(gap) <= tolerance, gap < 0],
        ["no demand", "no forecast", "holds", "over-promises"], "under-promises")
    target_weight = sums["target_weight"].to_numpy(np.float64)
    above = sums["demand_above_history"].to_numpy(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        target = np.where(target_weight > 0, sums["target_units"].to_numpy(np.float64) / target_weight, np.nan)
    target_gap = achieved - target
    target_verdict = np.select([~np.isfinite(target_gap), np.abs(target_gap) <= tolerance, target_gap > 0],
                               ["", "meets", "above target"], "below target")
    out = pd.DataFrame({
        "policy": sums["policy"].to_numpy(dtype=object),
        "group": sums["group"].to_numpy(dtype=object),
        "class": sums["class"].to_numpy(dtype=object),
        "series": series,
        "demand": demand,
        "expected_demand": expected,
        "target_fill_rate": target,
        "promised_fill_rate": promised,
        "achieved_fill_rate": achieved,
        "fill_gap": gap,
        "target_gap": target_gap,
        "promised_csl": csl,
        "achieved_in_stock": in_stock,
        "demand_above_history": above,
        "verdict": verdict.astype(object),
        "target_verdict": target_verdict.astype(object),
        "note": _notes(demand, expected, promised, achieved, target, above),
    })
    return out


def _notes(demand: np.ndarray, expected: np.ndarray, promised: np.ndarray, achieved: np.ndarray, target: np.ndarray,
           above: np.ndarray) -> np.ndarray:
    """Each row's note ("" for none): its demand far from the forecast (or none forecast), then why it missed its
    target (demand above the history) or beat it (whole units).  :class:`spareopt.lang.Text`: the run report shows
    them in its language.  The cases are vectorised; a text is made for each noted row only."""
    tolerance = FILL_TOLERANCE + 1e-9
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = demand / expected
        above_share = np.where(demand > 0, above / demand, 0.0)
    low, high = DEMAND_RATIO_BAND
    moved = (expected > 0) & ((ratio < low) | (ratio > high))
    unforecast = (expected <= 0) & (demand > 0)
    target_gap = achieved - target
    aimed = np.isfinite(target_gap)
    whole_units = aimed & (target_gap > tolerance) & (promised - target > tolerance)
    lumps = aimed & (target_gap < -tolerance) & (above_share >= ABOVE_HISTORY_SHARE)
    notes = np.full(len(demand), "", dtype=object)
    for i in np.flatnonzero(moved | unforecast | whole_units | lumps):
        said = [Text("demand {ratio:.1f}x the forecast", ratio=ratio[i]) if moved[i] else
                Text("demand {units:,.0f} units, none forecast", units=demand[i]) if unforecast[i] else "",
                Text("{share:.0%} of the demand ({units:,.0f} units) came above the largest month of its series' "
                     "history", share=above_share[i], units=above[i]) if lumps[i] else
                Text("whole units: the least stock that meets each part's target promises {promised:.1%}",
                     promised=promised[i]) if whole_units[i] else ""]
        notes[i] = Text("{note}; {reason}", note=said[0], reason=said[1]) if all(said) else said[0] or said[1]
    return notes


def calibration_summary(calibration: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Each policy's overall promise (its ``all`` row), for the run report."""
    rows = calibration[calibration["group"] == "all"]
    notes = _notes(*(rows[name].to_numpy(np.float64) for name in (  # its Texts (the table holds their English)
        "demand", "expected_demand", "promised_fill_rate", "achieved_fill_rate", "target_fill_rate",
        "demand_above_history")))
    return {row["policy"]: {"promised_fill_rate": _number(row["promised_fill_rate"]),
                            "achieved_fill_rate": _number(row["achieved_fill_rate"]),
                            "verdict": row["verdict"],
                            "target_fill_rate": _number(row["target_fill_rate"]),
                            "target_verdict": row["target_verdict"], "note": note}
            for row, note in zip(rows.to_dict("records"), notes)}


def _number(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def plot_calibration(calibration: pd.DataFrame, *, title: str | None = None, caption: str | None = None,
                     currency: str | None = None, lang: str | None = None) -> Any:
    """The reliability plot: promised fill rate (x) against achieved (y), one marker per policy x class.

    The diagonal is a promise kept; the shaded band is :data:`FILL_TOLERANCE` either side
    of it.  A colour per policy, a marker shape per group (all, ABC class, pattern).
    Needs matplotlib (``pip install 'spareopt[plot]'``).

    Raises
    ------
    ConfigError
        matplotlib is not installed.
    """
    fig = new_figure(figsize=(7.5, 7.2), layout="constrained")
    ax = fig.add_subplot()
    line = np.array([0.0, 100.0])
    band = FILL_TOLERANCE * 100
    ax.fill_between(line, line - band, line + band, color="0.85", zorder=1,
                    label=tr(f"promise kept (within {band:g} points)", lang))
    ax.plot(line, line, color="0.4", linewidth=1, zorder=2)
    markers = dict(zip(CALIBRATION_GROUPS, "o^s"))
    colours = [f"C{i}" for i in range(10)]
    points = calibration[np.isfinite(calibration["promised_fill_rate"].to_numpy(np.float64))
                         & np.isfinite(calibration["achieved_fill_rate"].to_numpy(np.float64))]
    policies = pd.unique(calibration["policy"].to_numpy(dtype=object))
    for i, policy in enumerate(policies):  # a handful of policies x groups: one scatter call each
        for group in CALIBRATION_GROUPS:
            rows = points[(points["policy"] == policy).to_numpy() & (points["group"] == group).to_numpy()]
            if rows.empty:
                continue
            x = rows["promised_fill_rate"].to_numpy(np.float64) * 100
            y = rows["achieved_fill_rate"].to_numpy(np.float64) * 100
            size = max(25, (110 if group == "all" else 60) - 15 * i)  # policies that coincide stay visible
            ax.scatter(x, y, s=size, marker=markers[group], color=colours[i % len(colours)], edgecolor="black",
                       linewidth=0.5, zorder=3, label=f"{policy}, {tr(group, lang)}" if group == "all" else None)
            if group != "all":
                for cls, px, py in zip(rows["class"], x, y):  # class labels: a few per policy
                    ax.annotate(str(cls), (px, py), textcoords="offset points", xytext=(4, 3), fontsize="x-small")
    for group in CALIBRATION_GROUPS[1:]:  # the shapes' legend entries
        ax.scatter([], [], marker=markers[group], color="white", edgecolor="black", label=f"{tr('by', lang)} {group}")
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    ax.set_xlabel(tr("promised fill rate, % (the plan's demand model)", lang))
    ax.set_ylabel(tr("achieved fill rate, % (the holdout replay)", lang))
    set_titles(fig, ax, title or tr("Promised against achieved fill rate, stocked series", lang), caption)
    ax.grid(True, alpha=0.3)
    legend_below(fig, ax, columns=3)  # ``currency``: no money axis here (one signature for every figure)
    return fig
