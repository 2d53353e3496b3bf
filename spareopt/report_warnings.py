"""The warnings of a run report: what a planner must read before its figures.

:func:`report_warnings` collects them from the report (the run's own, as an as_of past the data; sheets of an
input not read; a plan that stocks little of the demand, with the rule and the config key that removed the most;
safety stocks above a year of demand).  :func:`spareopt.report.report_lines` prints them first, and the XLSX
summary sheet lists them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["RULE_KEYS", "STOCKING_WARNING_SHARE", "missing_text", "report_warnings", "stocking_warning"]


STOCKING_WARNING_SHARE = 0.05
"""A plan whose dealer rows hold less than this share of the last half year's demand is warned about."""

RULE_KEYS = {
    "direct_supply": "lead_time_days and order_cycle_days (O/C + L/T = 0 is supplied at once; give the master's "
                     "real supply cycle, or [defaults])",
    "high_value_assembly": "high_value_cost",
    "no_demand": "as_of (these series sold nothing in the last 6 months)",
    "low_volume": "low_volume_max (and low_volume_basis)",
    "low_ssq": "central_ssq_min",
    "class_policy": "the [[class_policy]] rows' decision",
}
"""The config key that changes what each rule removes."""


def stocking_warning(stocking: Mapping[str, Any] | None) -> str | None:
    """A warning when the dealer rows hold under :data:`STOCKING_WARNING_SHARE` of the half year's demand,
    naming the rule that removed the most and the key that changes it; None otherwise.

    >>> print(stocking_warning({"half_year_quantity": {"dealer": 2.0, "central": 8.0, "none": 90.0},
    ...                         "by_reason": {"low_volume": 70.0, "low_ssq": 8.0, "no_demand": 0.0, "stock": 2.0}}))
    the dealers stock 2.0% of the last half year's demand (2 of 100 units); rule low_volume removed the most (70 units, 70.0%): see config key low_volume_max (and low_volume_basis)
    """
    if not stocking:
        return None
    by_decision = stocking["half_year_quantity"]
    total = sum(by_decision.values())
    dealer = by_decision.get("dealer", 0.0)
    if total <= 0 or dealer / total >= STOCKING_WARNING_SHARE:
        return None
    removed = {k: v for k, v in stocking["by_reason"].items() if k not in ("stock", "min_stock") and v > 0}
    text = (f"the dealers stock {dealer / total:.1%} of the last half year's demand ({dealer:,.0f} of {total:,.0f} "
            "units)")
    if removed:
        rule = max(removed, key=removed.get)
        text += (f"; rule {rule} removed the most ({removed[rule]:,.0f} units, {removed[rule] / total:.1%}): see "
                 f"config key {RULE_KEYS.get(rule, rule)}")
    return text


def report_warnings(report: Mapping[str, Any]) -> list[str]:
    """What a planner must read before the figures: the run's own warnings (an as_of past the data), the input
    sheets not read, a plan that stocks little of the demand, safety stocks above a year of demand."""
    r = report
    found = list(r.get("warnings") or [])
    if r.get("sheets_ignored"):
        found.append(f"sheets not read: {', '.join(r['sheets_ignored'])}; the history is sheet {r.get('sheet')} "
                     "(--sheet all stacks every sheet that has its columns, --sheet NAME reads one)")
    if r.get("parts_master_sheets_ignored"):
        found.append(_sheets_warning("parts master", r["parts_master_sheets_ignored"]))
    stock = r.get("stock") or (r.get("last_buy") or {}).get("stock")
    if stock and stock.get("sheets_ignored"):
        found.append(_sheets_warning("stock file", stock["sheets_ignored"]))
    if r.get("parts_master_columns_ignored") and r.get("parts_master_columns_missing"):  # 到货周期(天) unread, and
        # every part took the default lead time: a header among the ignored is likely meant for a missing field
        found.append(f"parts master columns ignored: {', '.join(r['parts_master_columns_ignored'])}"
                     + missing_text(r["parts_master_columns_missing"], " (the defaults were used)"))
    stocking = stocking_warning(r.get("stocking"))
    if stocking:
        found.append(stocking)
    over = (r.get("stocking") or {}).get("rows_ssq_over_a_year")
    if over:
        found.append(f"{over:,} dealer rows hold a safety stock (SSQ) above a year of their demand: their "
                     "lead_time_days + order_cycle_days are that long. Check the parts master's lead_time_days and "
                     "order_cycle_days (days, not hours or weeks?), or the config's [defaults]")
    return found


def _sheets_warning(what: str, ignored: list[str]) -> str:
    """A parts master's or stock file's other sheets with data: only its first visible sheet is read."""
    return (f"{what} sheets not read: {', '.join(ignored)}; only the first visible sheet with data is read "
            "(put the table in one sheet)")


def missing_text(missing: list[str] | None, note: str = "") -> str:
    """``; no column was found for dealer, unit_price: map one with --column dealer=HEADER`` (empty without)."""
    if not missing:
        return ""
    return f"; no column was found for {', '.join(missing)}{note}: map one with --column {missing[0]}=HEADER"
