"""The warnings of a run report: what a planner must read before its figures.

:func:`report_warnings` collects them from the report (the run's own, as an as_of past the data; sheets of an
input not read; a plan that stocks little of the demand, with the rule and the config key that removed the most;
safety stocks above a year of demand).  :func:`spareopt.report.report_lines` prints them first, and the XLSX
summary sheet lists them first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .history import as_of_gap
from .lang import tr

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


def stocking_warning(stocking: Mapping[str, Any] | None, lang: str | None = None) -> str | None:
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
    text = tr("the dealers stock {share:.1%} of the last half year's demand ({dealer:,.0f} of {total:,.0f} units)",
              lang).format(share=dealer / total, dealer=dealer, total=total)
    if removed:
        rule = max(removed, key=removed.get)
        text += tr("; rule {rule} removed the most ({units:,.0f} units, {rule_share:.1%}): see config key {key}",
                   lang).format(rule=rule, units=removed[rule], rule_share=removed[rule] / total,
                                key=RULE_KEYS.get(rule, rule))
    return text


def report_warnings(report: Mapping[str, Any], lang: str | None = None) -> list[str]:
    """What a planner must read before the figures: an as_of past the data, the input sheets not read, master
    columns ignored while their fields took defaults, a plan that stocks little of the demand, safety stocks above
    a year of demand; then the run's other warnings.  ``lang``: the language of the texts (:mod:`spareopt.lang`:
    the summary sheet and the report on stderr of ``--lang zh``)."""
    r = report
    found = []
    if r.get("as_of_gap"):
        found.append(as_of_gap(*r["as_of_gap"], lang))
    if r.get("sheets_ignored"):
        found.append(tr("sheets not read: {sheets}; the history is sheet {sheet} (--sheet all stacks every sheet that "
                        "has its columns, --sheet NAME reads one)", lang).format(
            sheets=", ".join(r["sheets_ignored"]), sheet=r.get("sheet")))
    if r.get("parts_master_sheets_ignored"):
        found.append(_sheets_warning("parts master", r["parts_master_sheets_ignored"], lang))
    stock = r.get("stock") or (r.get("last_buy") or {}).get("stock")
    if stock and stock.get("sheets_ignored"):
        found.append(_sheets_warning("stock file", stock["sheets_ignored"], lang))
    if r.get("parts_master_columns_ignored") and r.get("parts_master_columns_missing"):  # 到货周期(天) unread, and
        # every part took the default lead time: a header among the ignored is likely meant for a missing field
        found.append(tr("parts master columns ignored: {columns}", lang).format(
            columns=", ".join(r["parts_master_columns_ignored"]))
            + missing_text(r["parts_master_columns_missing"], tr(" (the defaults were used)", lang), lang))
    stocking = stocking_warning(r.get("stocking"), lang)
    if stocking:
        found.append(stocking)
    over = (r.get("stocking") or {}).get("rows_ssq_over_a_year")
    if over:
        found.append(tr("{rows:,} dealer rows hold a safety stock (SSQ) above a year of their demand: their "
                        "lead_time_days + order_cycle_days are that long. Check the parts master's lead_time_days "
                        "and order_cycle_days (days, not hours or weeks?), or the config's [defaults]", lang).format(
            rows=over))
    return found + [tr(w, lang) for w in r.get("warnings") or []]  # a job's own: a Text renders in lang


def _sheets_warning(what: str, ignored: list[str], lang: str | None = None) -> str:
    """A parts master's or stock file's other sheets with data: only its first visible sheet is read."""
    return tr("{what} sheets not read: {sheets}; only the first visible sheet with data is read (put the table in "
              "one sheet)", lang).format(what=tr(what, lang), sheets=", ".join(ignored))


def missing_text(missing: list[str] | None, note: str = "", lang: str | None = None) -> str:
    """``; no column was found for dealer, unit_price: map one with --column dealer=HEADER`` (empty without)."""
    if not missing:
        return ""
    return tr("; no column was found for {fields}{note}: map one with --column {first}=HEADER", lang).format(
        fields=", ".join(missing), note=note, first=missing[0])
