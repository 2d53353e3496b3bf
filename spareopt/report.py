"""The run report: what was read, netted, ignored and defaulted, in words a planner reads.

:func:`report_lines` renders the run report (``Result.report``) of a job for
stderr; :func:`summary_items` gives the same facts as (item, value) pairs for the
XLSX summary sheet.  Nothing is dropped silently: every skipped row, netted
return, ignored line or defaulted field is counted here.

One topic, one module: the run report in a planner's words, one function per section, in the run's language
(:mod:`spareopt.lang`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .lang import tr
from .report_warnings import missing_text, report_warnings

__all__ = ["report_lines", "summary_items"]


def report_lines(report: Mapping[str, Any], lang: str | None = None) -> list[str]:
    """The run report as short lines for stderr, in ``lang`` (:mod:`spareopt.lang`): its warnings first
    (:func:`report_warnings`), then each section's lines, by its own function, in this order.

    Every line is a template whose fields are in braces (:func:`_t`): the words go through the translation table,
    the fields keep their machine values (numbers, months, files, config keys, rules and policies).
    """
    return [_warning(w, lang) for w in report_warnings(report, lang)] + [
        line for section in _SECTIONS for line in section(report, lang)]


def _t(template: str, lang: str | None, /, **fields: Any) -> str:
    """``template`` in ``lang`` (:func:`spareopt.lang.tr`), its fields filled in."""
    return tr(template, lang).format(**fields)


def _warning(text: str, lang: str | None, indent: str = "") -> str:
    """A warning line, its text already in ``lang``: ``warning: ...`` (``警告: ...``)."""
    return f"{indent}{tr('warning', lang)}: {text}"


def _counts(counts: Mapping[str, Any], spec: str = ",", words: Mapping[str, str] | None = None,
            lang: str | None = None) -> str:
    """``dealer 120, central 30``: each key (a machine value, kept) and its number; with ``words``, a key that has
    one reads ``门店储备(dealer) 120`` in another language than English."""
    words = words or {}
    return ", ".join(f"{_named(k, words.get(k), lang)} {v:{spec}}" for k, v in counts.items())


def _named(key: Any, word: str | None, lang: str | None) -> str:
    """A machine value with its word in ``lang`` before it (``门店储备(dealer)``), or alone (English, no word)."""
    said = tr(word, lang) if word else word
    return str(key) if said == word else f"{said}({key})"


DECISION_WORDS = {"dealer": "Stocked here", "central": "Central warehouse", "none": "On demand"}
"""The words of each decision (the summary's columns, DOMAIN.md's 门店储备, 中转库储备, 按需订货)."""


def _read_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """What was read from the history: rows, columns, and what was skipped, ignored or netted."""
    lines: list[str] = []
    where = r["history"] + (_t(" (sheet {sheet})", lang, sheet=r["sheet"]) if r.get("sheet") else "")
    encoding = _t(", {encoding}", lang, encoding=r["encoding"]) if r.get("encoding") else ""
    lines.append(_t("read {rows:,} rows from {where}{encoding}", lang, rows=r["rows_read"], where=where,
                    encoding=encoding))
    mapped = ", ".join(f"{k}={v}" for k, v in (r.get("columns") or {}).items() if k != v)
    if mapped:
        lines.append(_t("  columns: {columns}", lang, columns=mapped))
    lines += _layout_lines(r.get("layout"), lang, history=True)
    if r.get("columns_ignored"):
        lines.append(_t("  columns ignored: {columns}", lang, columns=", ".join(r["columns_ignored"]))
                     + missing_text(r.get("columns_missing"), lang=lang))
    if r.get("rows_no_quantity"):
        lines.append(_t("  skipped {rows:,} rows with an empty quantity (no record; first rows {first})", lang,
                        rows=r["rows_no_quantity"], first=", ".join(map(str, r["rows_no_quantity_first"]))))
    if r.get("rows_blank"):
        lines.append(_t("  skipped {rows:,} blank rows (first rows {first})", lang, rows=r["rows_blank"],
                        first=", ".join(map(str, r.get("rows_blank_first", [])))))
    if r.get("rows_before_since"):
        lines.append(_t("  ignored {rows:,} rows before since {since}", lang, rows=r["rows_before_since"],
                        since=r.get("since")))
    if r.get("rows_after_as_of"):
        lines.append(_t("  ignored {rows:,} rows after as_of {as_of}", lang, rows=r["rows_after_as_of"],
                        as_of=r["as_of"]))
    if r.get("return_lines"):
        lines.append(_t("  netted {lines:,} return lines ({units:,.0f} units) inside their months", lang,
                        lines=r["return_lines"], units=r["return_units"]))
    if r.get("negative_months"):
        lines.append(_t("  counted {months:,} series-months with negative net demand as 0", lang,
                        months=r["negative_months"]))
    return lines

def _layout_lines(layout: Mapping[str, Any] | None, lang: str | None, *, history: bool = False) -> list[str]:
    """The title rows skipped above a file's header and the footer rows of totals dropped below its data
    (``--skip-rows`` sets the history's header row)."""
    lines: list[str] = []
    if not layout:
        return lines
    if layout.get("rows_title"):
        lines.append(_t("  header at row {row}: skipped {rows:,} title rows above it (rows {first}; first {title!r})",
                        lang, row=layout["header_row"], rows=layout["rows_title"],
                        first=", ".join(map(str, layout["rows_title_first"])), title=layout["title"])
                     + (_t("; --skip-rows N sets where the header is", lang) if history else ""))
    if layout.get("rows_footer"):
        lines.append(_t("  dropped {rows:,} footer rows of totals below the data (rows {first}; first {footer!r}), "
                        "which would count every line again", lang, rows=layout["rows_footer"],
                        first=", ".join(map(str, layout["rows_footer_first"])), footer=layout["footer"]))
    return lines


def _engine_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """How the stream or dask engine split the network."""
    lines: list[str] = []
    if r.get("engine") and r["engine"]["engine"] != "local":
        e = r["engine"]
        where = _t(" on {scheduler}", lang, scheduler=e["scheduler"]) if e.get("scheduler") else (
            _t(" on a LocalCluster", lang) if e["engine"] == "dask" else "")
        lines.append(_t("engine {engine}{where}: {sets:,} dealer sets of {dealers_min:,}-{dealers_max:,} dealers and "
                        "{lines_min:,}-{lines_max:,} lines, read from {files:,} file(s) in {pieces:,} piece(s)", lang,
                        engine=e["engine"], where=where, sets=e["partitions"],
                        dealers_min=min(e["dealers_per_partition"]), dealers_max=max(e["dealers_per_partition"]),
                        lines_min=min(e["lines_per_partition"]), lines_max=max(e["lines_per_partition"]),
                        files=e["files"], pieces=e["scan_pieces"]))
    return lines

def _series_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The series, months and as_of, and what the parts master gave or defaulted."""
    lines: list[str] = []
    dealers = _t("{dealers:,} dealers, ", lang, dealers=r["dealers"]) if r.get("dealers") is not None else ""
    lines.append(_t("series {series:,} ({dealers}{parts:,} parts), months {months} ({first}..{as_of}), as_of {as_of}",
                    lang, series=r["series"], dealers=dealers, parts=r["parts"], months=r["months"],
                    first=r["first_period"], as_of=r["as_of"]))
    if r.get("parts_master"):
        lines.append(_t("parts master {source}: {parts:,} parts in the history are not in it and took the defaults",
                        lang, source=r["parts_master"], parts=r["parts_not_in_master"])
                     + _first(r.get("parts_not_in_master_first"), lang))
        lines += _layout_lines(r.get("parts_master_layout"), lang)
        if r.get("parts_master_columns_ignored") and not r.get("parts_master_columns_missing"):  # else a warning
            lines.append("  " + _t("parts master columns ignored: {columns}", lang,
                                   columns=", ".join(r["parts_master_columns_ignored"])))
    if r.get("new_parts"):
        lines.append(_t("  {parts:,} parts of the master have no sales up to as_of but a min_stock or an "
                        "installed_base: listed with zero demand at every dealer", lang, parts=r["new_parts"])
                     + _first(r.get("new_parts_first"), lang))
    if r.get("master_parts_without_history"):
        lines.append(_t("  {parts:,} parts of the master have no sales up to as_of and are not listed", lang,
                        parts=r["master_parts_without_history"]))
    defaulted = {k: v for k, v in (r.get("defaulted") or {}).items() if v}
    if defaulted:
        lines.append(_t("  defaults used for: {fields} parts", lang, fields=_counts(defaulted)))
    if r.get("unit_cost_from_history"):
        lines.append(_t("  unit_cost from the history's unit_price for {parts:,} parts", lang,
                        parts=r["unit_cost_from_history"]))
    return lines

def _abc_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The ABC basis, window and cut-off."""
    lines: list[str] = []
    cut = _t(" by item share", lang) if r.get("abc_cutoff") == "count" else ""
    months = r.get("abc_window_months")
    if r.get("abc_basis") is None:  # a job that ranks nothing (forecast, evaluate)
        pass
    elif r["abc_basis"] == "hits":
        lines.append(_t("ABC by hits ({hits}) over {months} months{cut}", lang, hits=tr(r.get("abc_hits"), lang),
                        months=months, cut=cut))
    elif r["abc_basis"] == "quantity":
        why = _t(": no unit_cost is known", lang) if r.get("unit_cost_unknown") == r.get("parts") else ""
        lines.append(_t("ABC by quantity over {months} months{cut}{why}", lang, months=months, cut=cut, why=why))
    else:
        unknown = _t("; {parts:,} parts without unit_cost are C", lang, parts=r["unit_cost_unknown"]) if r.get(
            "unit_cost_unknown") else ""
        lines.append(_t("ABC by value over {months} months{cut}{unknown}", lang, months=months, cut=cut,
                        unknown=unknown))
    return lines

def _mc_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The multi-criteria ABC's method, criteria and weights."""
    lines: list[str] = []
    if r.get("mc"):
        mc = r["mc"]
        weights = _t(", weights {weights}", lang, weights=", ".join(f"{w:g}" for w in mc["weights"])) if mc.get(
            "weights") else ""
        solves = _t(" ({solves:,} LP solves)", lang, solves=mc["lp_solves"]) if mc.get("lp_solves") else ""
        lines.append(_t("multi-criteria ABC: {method} on {criteria}{weights}{solves}", lang, method=mc["method"],
                        criteria=", ".join(mc["criteria"]), weights=weights, solves=solves))
        for name, count in (mc.get("filled_least_important") or {}).items():
            lines.append(_t("  criterion {name}: {parts:,} parts without a value were taken as the least important",
                            lang, name=name, parts=count))
    return lines

def _classes_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """Series per class of each axis."""
    lines: list[str] = []
    for column, counts in (r.get("classes") or {}).items():
        if isinstance(counts, dict):
            lines.append(_t("{column}: {counts}", lang, column=column, counts=_counts(counts)))
    if "phase_in" in (r.get("classes") or {}):
        lines.append(_t("phase_in {phase_in:,}, phase_out {phase_out:,}", lang, phase_in=r["classes"]["phase_in"],
                        phase_out=r["classes"]["phase_out"]))
    return lines

def _decisions_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """Decisions, reasons, the stocking warning, the class policy rows used and the stock value."""
    lines: list[str] = []
    if r.get("decisions"):
        lines.append(_t("decisions: {decisions}", lang,
                        decisions=_counts(r["decisions"], words=DECISION_WORDS, lang=lang)))
        lines.append(_t("reasons: {reasons}", lang, reasons=_counts({k: v for k, v in r["reasons"].items() if v})))
    if r.get("class_policy"):
        lines.append(_t("class policy rows used: {rows}", lang, rows=_counts(r["class_policy"])))
    if r.get("dealer_stock_value_at_max") is not None:
        lines.append(_t("dealer stock value at max_stock: {value:,.2f}", lang, value=r["dealer_stock_value_at_max"]))
    return lines

def _forecast_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The forecasters and their parameters."""
    lines: list[str] = []
    if r.get("forecast"):
        f = r["forecast"]
        auto = _t(" (auto: {methods})", lang, methods=_counts(f["auto_methods"])) if f.get("auto_methods") else ""
        lines.append(_t("forecasts: {methods}; {params}{auto}", lang, methods=", ".join(f["methods"]),
                        params=_counts(f["params"], "g"), auto=auto))
    return lines

def _optimize_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The optimizer's budget, what it bought, and the plans on its curve."""
    lines: list[str] = []
    if r.get("optimize"):
        o = r["optimize"]
        lines.append(_t("optimize ({method}): budget {budget:,.2f} per {per}, spent {spent:,.2f}; {rows:,} rows "
                        "stocked; expected unit fill rate {fill} of {demand:,.0f} units a year", lang,
                        method=tr(o["method"], lang), budget=o["budget"], per=o["budget_per"], spent=o["spent"],
                        rows=o["rows_stocked"], fill=_ratio(o.get("expected_fill_rate"), lang),
                        demand=o["expected_demand"]))
        for name, (value, rate) in o["markers"].items():
            lines.append(_t("  {name}: stock value {value:,.2f}, expected fill rate {rate:.3f}", lang, name=name,
                            value=value, rate=rate))
        if o.get("echelons") == 2:
            lines.append(_t("  two echelons, objective {objective}, transfer {days:g} days; {parts:,} parts held "
                            "centrally too", lang, objective=o["objective"], days=o["transfer_days"],
                            parts=o["central_parts"]))
            for row in o["comparison"]:
                lines.append(_t("  {plan}: stock value {value:,.2f} (central {central:,.2f}), fill rate {rate:.3f}, "
                                "expected dealer backorders {backorders:,.2f} (a unit of demand waits {wait:,.2f} "
                                "days on average)", lang, plan=tr(row["plan"], lang), value=row["stock_value"],
                                central=row["central_stock_value"], rate=row["expected_fill_rate"],
                                backorders=row["expected_backorders"], wait=row["expected_wait_days"]))
        if o.get("rows_without_unit_cost"):
            lines.append(_t("  {rows:,} rows with demand have no unit_cost and are not stocked", lang,
                            rows=o["rows_without_unit_cost"]))
        if o.get("min_stock"):
            f = o["min_stock"]
            unknown = _t("; {units:,} floor units have no unit_cost", lang, units=f["units_without_unit_cost"]) if (
                f.get("units_without_unit_cost")) else ""
            lines.append(_t("  min_stock: the planner's floor of {rows:,} rows was bought first, for {value:,.2f} of "
                            "the budget; the rest was optimised ({floor:,} rows hold only the floor){unknown}", lang,
                            rows=f["rows"], value=f["stock_value"], floor=f["rows_stocked_by_floor"],
                            unknown=unknown))
    return lines

def _evaluation_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The replay of held-out history: promised against achieved, per policy."""
    lines: list[str] = []
    if r.get("evaluation"):
        e = r["evaluation"]
        lines.append(_t("evaluation: trained on {train}, replayed {holdout} ({months} months); policies {policies}",
                        lang, train=e["train"], holdout=e["holdout"], months=e["holdout_months"],
                        policies=", ".join(e["policies"])))
        lines.append(_t("  lead time in the replay: {months}", lang, months=", ".join(
            _t("under 1 month {series:,} series", lang, series=v) if k == 0 else
            _t("{low} to {high} months {series:,} series", lang, low=k, high=k + 1, series=v)
            for k, v in e["lead_time_months"].items())))
        if e.get("review_below_a_month"):
            lines.append(_t("  {series:,} series have an order_cycle_days below a month: their plans protect that "
                            "shorter review, but the replay reviews monthly, so it is harsher than the plan", lang,
                            series=e["review_below_a_month"]))
        for policy, c in (e.get("calibration") or {}).items():
            promised, achieved = ("-" if v is None else f"{v:.1%}" for v in (c["promised_fill_rate"],
                                                                              c["achieved_fill_rate"]))
            line = _t("  {policy}: promised fill rate {promised}, achieved {achieved} on its stocked series "
                      "({verdict})", lang, policy=policy, promised=promised, achieved=achieved,
                      verdict=tr(c["verdict"], lang))
            if c.get("target_fill_rate") is not None:
                line += _t("; target {target:.1%} ({verdict})", lang, target=c["target_fill_rate"],
                           verdict=tr(c["target_verdict"], lang))
            lines.append(line + (_t(": {note}", lang, note=tr(c["note"], lang)) if c.get("note") else ""))
        for policy, f in (e.get("min_stock") or {}).items():
            if f["rows_only_for_min_stock"]:
                lines.append(_t("  {policy}: {rows:,} rows held only for the planner's min_stock (holdout demand "
                                "{demand:,.0f} units, {filled:,.0f} filled) are left out of the calibration: the "
                                "policy promised them nothing", lang, policy=policy, rows=f["rows_only_for_min_stock"],
                                demand=f["demand"], filled=f["filled"]))
        if e.get("optimized", {}).get("min_stock_bought_first"):
            lines.append(_t("  optimized: the planner's min_stock was bought first, for {value:,.2f} of the budget",
                            lang, value=e["optimized"]["min_stock_bought_first"]))
        for policy in ("two-echelon", "two-echelon-dealers"):
            if e.get(policy):
                c = e[policy]
                promised, waited = ("-" if c[k] is None else f"{c[k]:,.1f}" for k in ("promised_wait_days",
                                                                                      "wait_days"))
                lines.append(_t("  {policy} (objective {objective}, transfer {days:g} days): central stock "
                                "{value:,.2f} in {parts:,} parts; a unit of demand waited {waited} days on average "
                                "in the replay, METRIC expected {promised}", lang, policy=policy,
                                objective=c["objective"], days=c["transfer_days"], value=c["central_stock_value"],
                                parts=c["central_parts"], waited=waited, promised=promised))
        if e.get("current"):
            c = e["current"]
            lines.append(_t("  current: {series:,} series without a reorder_point or max_stock in the master hold no "
                            "stock; {below:,} have max_stock < reorder_point", lang,
                            series=c["series_without_current_levels"], below=c["series_max_below_reorder_point"]))
    return lines


def _min_stock_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """What the planner's min_stock did to the plan (must-stock; the optimizer's is in its own lines)."""
    floor = r.get("min_stock")
    if not floor or not floor.get("rows"):
        return []
    unknown = floor.get("units_added_without_unit_cost")
    return [_t("min_stock: {rows:,} rows have a planner's floor; it stocked {stocked:,} rows the policy would not "
               "({new:,} of new parts) and raised {raised:,}, adding {units:,} units at max_stock, stock value "
               "{value:,.2f}{unknown}", lang, rows=floor["rows"], stocked=floor["rows_stocked_by_floor"],
               new=floor["new_part_rows"], raised=floor["rows_raised"], units=floor["units_added"],
               value=floor["stock_value_added"],
               unknown=_t(" ({units:,} units without a unit_cost)", lang, units=unknown) if unknown else "")]


def _installed_base_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The failure rate fitted on the installed base, and where the demand model used it."""
    base = r.get("installed_base")
    if not base:
        return []
    if base.get("failure_rate") is None:
        return [_t("installed_base: {parts:,} parts have one, but none of them sold in the window: no failure rate "
                   "fitted, the demand model is the one without it", lang, parts=base["parts_with_installed_base"])]
    overall = _t(" (overall)", lang)
    rates = ", ".join(f"{g} {rate:.3g}" + ("" if base["failure_rate_own"][g] else overall)
                      for g, rate in base["failure_rate"].items())
    spread = _t(", spread c2 {c2:.3g}", lang, c2=base["dispersion"]) if base.get("dispersion") is not None else ""
    return [_t("installed_base: failure rate per unit in the field a month {rates}, fitted on {fitted:,} parts with "
               "both{spread}; it set the prior of {series:,} series ({rows:,} rows of parts never sold, {stocked:,} of "
               "them stocked)", lang, rates=rates, fitted=sum(base["parts_fitted"].values()), spread=spread,
               series=base["series_with_prior"], rows=base["new_part_rows"], stocked=base["new_part_rows_stocked"])]


def _supersession_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The supersession chains resolved at as_of, and the history lines they moved."""
    sup = r.get("supersession")
    if not sup:
        return []
    lines = [_t("supersessions {source}: {rows:,} rows in force, {old:,} old part numbers lead to {leading:,} parts "
                "(longest chain {chain}, splits {splits:,})", lang, source=sup["source"], rows=sup["rows_in_force"],
                old=sup["old_parts"], leading=sup["leading_parts"], chain=sup["longest_chain"], splits=sup["splits"])]
    lines += _layout_lines(sup.get("layout"), lang)
    if sup.get("rows_not_in_force"):
        lines.append(_t("  {rows:,} rows not in force yet at as_of (effective later)", lang,
                        rows=sup["rows_not_in_force"]) + _first(sup.get("rows_not_in_force_first"), lang))
    h = sup.get("history") or {}
    if h:
        lines.append(_t("  moved {lines:,} history lines of {old:,} old parts to their leading parts: {units:,.0f} "
                        "units, {realigned:,.0f} after the factors", lang, lines=h.get("lines_moved", 0),
                        old=h.get("old_parts_in_history", 0), units=h.get("units_moved", 0),
                        realigned=h.get("units_realigned", 0)))
        lines += [_warning(tr(warning, lang), lang, "  ") for warning in h.get("warnings", [])]
    if sup.get("master_rows_dropped"):
        lines.append(_t("  {rows:,} parts master rows of old parts left out", lang, rows=sup["master_rows_dropped"]))
    return lines


def _stock_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The stock file as read, and its rows without sales."""
    lines: list[str] = []
    st = r.get("stock")
    if st and "rows_without_history" in st:
        lines.append(_t("stock {source}: {rows:,} rows{summed}, plan policy {policy}", lang, source=st["source"],
                        rows=st["rows"], summed=_summed(st, lang), policy=r.get("policy")))
        lines += _layout_lines(st.get("layout"), lang)
        if st.get("columns_ignored"):
            lines.append(_t("  stock columns ignored: {columns}", lang, columns=", ".join(st["columns_ignored"])))
        lines += _blank_cells(st, lang)
        old = st.get("superseded_stock")
        if old is not None and len(old):
            lines.append(_t("  {rows:,} stock rows of old part numbers count toward their leading parts ({units:,.0f} "
                            "units after the factors): use them first", lang, rows=len(old),
                            units=old["equivalent_units"].sum()))
        if st.get("rows_without_history"):
            lines.append(_t("  {rows:,} stock rows have no sales up to as_of (flag no_history)", lang,
                            rows=st["rows_without_history"]) + _first(st.get("parts_without_history_first"), lang))
    return lines


def _summed(stock: Mapping[str, Any], lang: str | None) -> str:
    """`` (3 summed into their dealer and part)``: the stock rows of one dealer and part added (empty without)."""
    return _t(" ({rows:,} summed into their dealer and part)", lang, rows=stock["rows_summed"]) if stock.get(
        "rows_summed") else ""


def _blank_cells(stock: Mapping[str, Any], lang: str | None) -> list[str]:
    """The stock file's blank quantity cells, taken as 0, per column."""
    return [_t("  {cells:,} blank {name} cells taken as 0", lang, cells=count, name=name)
            for name, count in (stock.get("defaulted_to_zero") or {}).items()]


def _order_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """This week's order, and what the budget cut."""
    lines: list[str] = []
    if r.get("order"):
        o = r["order"]
        lines.append(_t("order: {lines:,} lines, {units:,.0f} units{value}; {rows:,} dealer-stocked rows, {above:,} "
                        "above their reorder point", lang, lines=o["lines"], units=o["units"],
                        value=_value(o.get("value"), lang), rows=o["dealer_rows"],
                        above=o["not_ordered_above_reorder_point"]))
        if o.get("budget") is not None:
            lines.append(_t("  budget {budget:,.2f} per dealer cut {lines:,} lines worth {value:,.2f} (reason "
                            "budget_cut)", lang, budget=o["budget"], lines=o["cut_lines"], value=o["cut_value"]))
    return lines


def _value(value: float | None, lang: str | None) -> str:
    """``, value 1,234.50`` (empty when no unit cost is known)."""
    return _t(", value {value:,.2f}", lang, value=value) if value is not None else ""


def _dead_stock_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The dead stock by age and what to do with the excess."""
    lines: list[str] = []
    if r.get("dead_stock"):
        d = r["dead_stock"]
        lines.append(_t("dead stock: {rows:,} rows on the shelf, value {value:,.2f}; by months since the last demand: "
                        "{aging}", lang, rows=d["rows_with_stock"], value=d["stock_value"],
                        aging=_counts(d["aging_value"], ",.0f")))
        lines.append(_t("  excess {units:,.0f} units ({value:,.2f}): transfer {transfer:,.0f} in {moves:,} moves, "
                        "return {returned:,.0f}, hold {hold:,.0f}, scrap review {scrap:,.0f}", lang,
                        units=d["excess_units"], value=d["excess_value"], transfer=d["transfer_units"],
                        moves=d["transfers"], returned=d["return_units"], hold=d["hold_units"],
                        scrap=d["scrap_review_units"]))
    return lines


def _kpi_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The network's KPIs."""
    lines: list[str] = []
    if r.get("kpi"):
        k = r["kpi"]["network"]
        lines.append(_t("kpi (network): stock value {value:,.2f}, turns {turns} (cost of goods sold over {months} "
                        "months, per year), projected fill rate {fill}, must-stock coverage {coverage}", lang,
                        value=k["stock_value"], turns=_ratio(k.get("turns"), lang, ".2f"), months=r["kpi"]["months"],
                        fill=_ratio(k.get("projected_fill_rate"), lang),
                        coverage=_ratio(k.get("must_stock_coverage"), lang)))
        lines.append(_t("  the projected fill rate is what the plan's levels promise on the forecast once they are "
                        "kept, not the service of the stock on hand: `spareopt evaluate --policy current` replays "
                        "that", lang))
        if r["kpi"].get("unit_cost_unknown_rows"):
            lines.append(_t("  {rows:,} stock rows without unit_cost count 0 in the values", lang,
                            rows=r["kpi"]["unit_cost_unknown_rows"]))
    return lines


def _ratio(value: float | None, lang: str | None, spec: str = ".3f") -> str:
    """A rate or ratio with its decimals, ``n/a`` when unknown."""
    return tr("n/a", lang) if value is None else f"{value:{spec}}"


def _last_buy_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The last buy: what was planned, the model, and the caps."""
    last_buy = r.get("last_buy")
    if not last_buy:
        return []
    b = last_buy
    p = b["planned"]
    if p["by"] == "all":
        lines = [_t("last buy: every part of the history, {parts:,} parts", lang, parts=p["parts"])]
    else:
        later = _t("; {parts:,} end production after as_of", lang, parts=p["end_of_production_later"]) if p.get(
            "end_of_production_later") else ""
        lines = [_t("last buy: {parts:,} discontinued parts ({status:,} by status, {end:,} by end_of_production"
                    "{later})", lang, parts=p["parts"], status=p["by_status"], end=p["by_end_of_production"],
                    later=later)]
    target = (_t("service level {level:g}", lang, level=b["service_level"]) if b["mode"] == "service" else
              _t("cost mode, critical ratio {low:.3f}..{high:.3f} (holding_rate {rate:g})", lang,
                 low=b["critical_ratio_min"], high=b["critical_ratio_max"], rate=b["holding_rate"]))
    model = b["distribution"] + (_t(", dispersion {dispersion}", lang, dispersion=b["dispersion"])
                                 if b.get("dispersion") else "")
    lines.append(_t("  fit {fit} ({fit_months} months), horizon {horizon} ({horizon_months} months), {target}, "
                    "{model}", lang, fit=b["fit"], fit_months=b["fit_months"], horizon=b["horizon"],
                    horizon_months=b["horizon_months"], target=target, model=model))
    flags = _counts({k: v for k, v in b["flags"].items() if v})
    if flags:
        lines.append(_t("  flags: {flags}", lang, flags=flags))
    lines.append(_t("  expected demand {demand:,.1f} units; last buy {last_buy:,.0f} units, to buy {buy:,.0f}{value}; "
                    "expected shortage {shortage:,.1f}, leftover {leftover:,.1f}", lang, demand=b["expected_demand"],
                    last_buy=b["last_buy_qty"], buy=b["buy_qty"], value=_value(b.get("buy_value"), lang),
                    shortage=b["expected_shortage"], leftover=b["expected_leftover"]))
    if b.get("stock"):
        st = b["stock"]
        lines.append(_t("  stock {source}: {rows:,} rows{summed}; {parts:,} planned parts have no row (0)", lang,
                        source=st["source"], rows=st["rows"], summed=_summed(st, lang),
                        parts=st["parts_without_stock_row"]))
        if st.get("stock_parts_not_planned"):
            lines.append(_t("  {parts:,} stock parts are not planned and were ignored ({units:,.0f} units on hand)",
                            lang, parts=st["stock_parts_not_planned"], units=st["stock_units_not_planned"])
                         + _first(st.get("stock_parts_not_planned_first"), lang))
        lines += _blank_cells(st, lang)
    if b.get("caps"):
        c = b["caps"]
        used = []
        if c.get("budget") is not None:
            used.append(_t("spent {spent:,.2f} of the budget {budget:,.2f}", lang, spent=c["spent"],
                           budget=c["budget"]))
        if c.get("max_volume") is not None:
            used.append(_t("volume {used:,.2f} of {max:,.2f}", lang, used=c.get("volume_used", 0),
                           max=c["max_volume"]))
        lines.append(_t("  caps ({method}): {used}; {parts:,} parts bought less than last_buy_qty (flag budget_cut)",
                        lang, method=c["method"], used=", ".join(used), parts=c["parts_cut"]))
    if b.get("backtest"):
        t = b["backtest"]
        fill = _t(", unit fill rate {rate:.3f}", lang, rate=t["unit_fill_rate"]) if t.get(
            "unit_fill_rate") is not None else ""
        lines.append(_t("  backtest: real demand {demand:,.0f} units; {parts:,} parts ({share:.3f}) covered, expected "
                        "{expected:.3f}{fill}; left over {leftover:,.0f} units", lang, demand=t["actual_demand"],
                        parts=t["parts_covered"], share=t["share_covered"], expected=t["share_covered_expected"],
                        fill=fill, leftover=t["actual_leftover"]))
    return lines


def _service_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The demand model of the plan and the service it implies."""
    s = r.get("service")
    if not s:
        return []
    ltd = s.get("lead_time_demand", "monthly_variance")
    used = _counts({k: v for k, v in s.get("lead_time_demand_models", {}).items() if v})
    lines = [_t("policy {policy}{target}; demand model: forecast {method} ({methods}), lead-time demand {ltd}{used} "
                "over a {window}-month window", lang, policy=s["policy"],
                target=_t(", target {target} by default", lang, target=s["target"]) if s.get("target") else "",
                method=s["forecast_method"], methods=_counts({k: v for k, v in s["forecast_methods"].items() if v}),
                ltd=ltd, used=_t(" ({models})", lang, models=used) if used else "", window=s["dispersion_window_months"])]
    if ltd == "auto":
        bt = s.get("backtest")
        if bt is None:
            lines.append(_t("  backtest: the history is too short (backtest_months + 6 months); each pattern takes "
                            "its default model, unscaled", lang))
        else:
            lines.append(_t("  backtest over the last {months} months: {patterns}", lang, months=bt["months"],
                            patterns=tr("; ", lang).join(
                                _t("{pattern} {model} x{scale:g} (promised {promised:.3f}, achieved {achieved:.3f}, "
                                   "{series:,} series)", lang, pattern=p, model=m["model"], scale=m["scale"],
                                   promised=m["promised_fill_rate"], achieved=m["achieved_fill_rate"],
                                   series=m["series"]) for p, m in bt["patterns"].items())))
            if bt.get("obsolescence"):
                lines.append(_t("  backtest, series whose demand had stopped: {patterns}", lang,
                                patterns=tr("; ", lang).join(
                                    _t("{pattern} {series:,} series, {demand:,.0f} units came; error of the forecast "
                                       "{error_none:,.0f} as it was, {error_tsb:,.0f} with TSB's: {chosen}", lang,
                                       pattern=p, series=o["stopped"], demand=o["demand"], error_none=o["error_none"],
                                       error_tsb=o["error_tsb"], chosen=o["chosen"])
                                    for p, o in bt["obsolescence"].items())))
    if s.get("declined_series"):
        lines.append(_t("  obsolescence {obsolescence}: {series:,} series whose demand stopped forecast by TSB "
                        "(forecast_method tsb)", lang, obsolescence=s.get("obsolescence"),
                        series=s["declined_series"]))
    if s.get("implied_csl_mean") is not None:
        fill = s.get("implied_fill_rate")
        lines.append(_t("  dealer rows: {models}; implied service: mean CSL {csl:.3f}{fill}", lang,
                        models=_counts({k: v for k, v in s["demand_models"].items() if v}), csl=s["implied_csl_mean"],
                        fill=_t(", fill rate {fill:.3f} (weighted by forecast)", lang, fill=fill)
                        if fill is not None else ""))
    return lines


def _dealer_master_lines(r: Mapping[str, Any], lang: str | None) -> list[str]:
    """The dealer master: the dealers it names, and those it does not (their files and sheets carry the id)."""
    m = r.get("dealer_master")
    if not m:
        return []
    lines = [_t("dealer master {source}: names {named:,} of the {dealers:,} dealers", lang, source=m["source"],
                named=m["dealers_named"], dealers=m["dealers_named"] + m["dealers_unnamed"])]
    if m["dealers_unnamed"]:
        lines.append(_warning(_t("{dealers:,} dealer(s) have no name in it{first}: their files and sheets carry the "
                                 "dealer id only", lang, dealers=m["dealers_unnamed"],
                                 first=_first(m["dealers_unnamed_first"], lang)), lang, "  "))
    return lines


_SECTIONS = (_read_lines, _engine_lines, _series_lines, _supersession_lines, _abc_lines, _mc_lines, _classes_lines,
             _decisions_lines, _min_stock_lines, _installed_base_lines, _service_lines, _forecast_lines,
             _last_buy_lines, _stock_lines, _order_lines, _dead_stock_lines, _kpi_lines, _optimize_lines,
             _evaluation_lines, _dealer_master_lines)
"""The report's sections, in the order :func:`report_lines` renders them (each takes the whole report and the
language)."""


def summary_items(report: Mapping[str, Any], lang: str | None = None) -> dict[str, Any]:
    """The run report as ``{item: value}`` for the XLSX summary sheet, its warnings first.

    ``lang`` (:mod:`spareopt.lang`): the warnings, the items' names and their text values in that language; the
    names of keys, rules and files stay as they are (``abc_basis``, ``low_volume``).
    """
    r = report
    items: dict[str, Any] = {f"warning {i}": text for i, text in enumerate(report_warnings(r, lang), start=1)}
    items |= {
        "as_of": r["as_of"],
        "first_period": r["first_period"],
        "months": r["months"],
        "history": r["history"],
        "parts_master": r.get("parts_master") or "(none: defaults for every part)",
        "rows_read": r["rows_read"],
        "rows skipped: empty quantity": r.get("rows_no_quantity", 0),
        "rows skipped: blank": r.get("rows_blank", 0),
        "rows ignored: before since": r.get("rows_before_since", 0),
        "rows ignored: after as_of": r.get("rows_after_as_of", 0),
        "return lines netted": r.get("return_lines", 0),
        "return units netted": r.get("return_units", 0.0),
        "negative months counted as 0": r.get("negative_months", 0),
        "series": r["series"],
        "dealers": r.get("dealers") if r.get("dealers") is not None else "(no dealer column)",
        "parts": r["parts"],
        "parts not in master (defaulted)": r.get("parts_not_in_master"),
        "master parts without sales (not listed)": r.get("master_parts_without_history"),
    }
    if r.get("new_parts"):
        items["new parts listed for their min_stock"] = r["new_parts"]
    for name, value in (r.get("min_stock") or {}).items():
        items[f"min_stock: {name}"] = value
    for name, value in (r.get("installed_base") or {}).items():
        if isinstance(value, dict):
            for group, number in value.items():
                items[f"installed_base: {name} {group}"] = number
        else:
            items[f"installed_base: {name}"] = value
    for field, count in (r.get("defaulted") or {}).items():
        items[f"defaulted: {field}"] = count
    if r.get("abc_basis") is not None:
        items["abc_basis"] = r["abc_basis"]
        items["abc_cutoff"] = r.get("abc_cutoff")
        items["abc_window_months"] = r["abc_window_months"]
    if r.get("mc"):
        items["mc_method"] = r["mc"]["method"]
        items["criteria"] = ", ".join(r["mc"]["criteria"])
        for name, count in (r["mc"].get("filled_least_important") or {}).items():
            items[f"criterion {name}: parts taken as least important"] = count
    for column, counts in (r.get("classes") or {}).items():
        for label, count in (counts.items() if isinstance(counts, dict) else [("", counts)]):
            items[f"{column}: {label}".rstrip(": ")] = count
    if "high_value_cost" in r:
        items["high_value_cost"] = r["high_value_cost"] if r["high_value_cost"] != float("inf") else "(no unit cost)"
    for decision, count in (r.get("decisions") or {}).items():
        items[f"decision: {decision}"] = count
    for reason, count in (r.get("reasons") or {}).items():
        items[f"reason: {reason}"] = count
    for match, count in (r.get("class_policy") or {}).items():
        items[f"class policy {match}"] = count
    if r.get("decisions"):
        items["dealer stock value at max_stock"] = r.get("dealer_stock_value_at_max")
    if r.get("evaluation"):
        e = r["evaluation"]
        items["trained on"] = e["train"]
        items["replayed"] = e["holdout"]
        items["holdout_months"] = e["holdout_months"]
        for policy, totals in (e.get("totals") or {}).items():
            for name, value in totals.items():
                items[f"{policy}: {name}"] = value
    if r.get("last_buy"):
        b = r["last_buy"]
        items["last buy: planned parts"] = b["planned"]["parts"]
        items["last buy: fit window"] = b["fit"]
        items["last buy: horizon"] = b["horizon"]
        items["last buy: mode"] = b["mode"]
        items["last buy: target"] = (b["service_level"] if b["mode"] == "service" else
                                     f"critical ratio {b['critical_ratio_min']:.3f}..{b['critical_ratio_max']:.3f}")
        items["last buy: distribution"] = b["distribution"] + (f" ({b['dispersion']})" if b.get("dispersion") else "")
        for name in ("expected_demand", "last_buy_qty", "buy_qty", "buy_value", "expected_shortage",
                     "expected_leftover"):
            items[f"last buy: {name}"] = b.get(name)
        for flag, count in b["flags"].items():
            items[f"last buy flag: {flag}"] = count
        for name, value in (b.get("caps") or {}).items():
            items[f"last buy cap: {name}"] = value
        for name, value in (b.get("backtest") or {}).items():
            items[f"backtest: {name}"] = value
    if r.get("dealer_master"):
        m = r["dealer_master"]
        items.update({"dealer master": m["source"], "dealers named by it": m["dealers_named"],
                      "dealers it does not name": ", ".join(m["dealers_unnamed_first"]) + " ..." * (
                          m["dealers_unnamed"] > len(m["dealers_unnamed_first"]))})
    if r.get("service"):
        s = r["service"]
        items["policy"] = s["policy"]
        items["service target (default)"] = s.get("target") or "(seed policy: none)"
        items["forecast_method"] = s["forecast_method"]
        items["dispersion_window_months"] = s["dispersion_window_months"]
        for model, count in s["demand_models"].items():
            items[f"demand model of dealer rows: {model}"] = count
        items["implied CSL of dealer rows (mean)"] = s.get("implied_csl_mean")
        items["implied fill rate of dealer rows (forecast-weighted)"] = s.get("implied_fill_rate")
    return {_item(k, lang): ("" if v is None else tr(v, lang) if isinstance(v, str) and v.startswith("(") else v)
            for k, v in items.items()}  # a value in brackets is a note, any other is data: a name, a month, a code


def _item(name: str, lang: str | None) -> str:
    """An item's name in ``lang``: whole (``rows_read``), or its kind before a colon (``decision: dealer``)."""
    if not lang or lang == "en" or tr(name, lang) != name:
        return tr(name, lang)
    kind, colon, rest = name.partition(": ")
    if colon:
        return f"{tr(kind, lang)}：{tr(rest, lang)}"
    number, space, words = name.partition(" ")  # "warning 2"
    return f"{tr(number, lang)} {words}" if space and words.isdigit() else name


def _first(items: list[Any] | None, lang: str | None) -> str:
    """`` (first: 00123, A100)``: the first few of what a line counts (empty without)."""
    return _t(" (first: {items})", lang, items=", ".join(map(str, items))) if items else ""
