"""The run report: what was read, netted, ignored and defaulted, in words a planner reads.

:func:`report_lines` renders the run report (``Result.report``) of a job for
stderr; :func:`summary_items` gives the same facts as (item, value) pairs for the
XLSX summary sheet.  Nothing is dropped silently: every skipped row, netted
return, ignored line or defaulted field is counted here.

One topic, one module: the run report in a planner's words, one function per section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .lang import tr
from .report_warnings import missing_text, report_warnings

__all__ = ["report_lines", "summary_items"]


def report_lines(report: Mapping[str, Any], lang: str | None = None) -> list[str]:
    """The run report as short lines for stderr: its warnings first (:func:`report_warnings`, in ``lang``), then
    each section's lines, by its own function, in this order (in English: a log, searched and pasted into issues).
    """
    return [f"{tr('warning', lang)}: {w}" for w in report_warnings(report, lang)] + [
        line for section in _SECTIONS for line in section(report)]


def _read_lines(r: Mapping[str, Any]) -> list[str]:
    """What was read from the history: rows, columns, and what was skipped, ignored or netted."""
    lines: list[str] = []
    where = r["history"] + (f" (sheet {r['sheet']})" if r.get("sheet") else "")
    encoding = f", {r['encoding']}" if r.get("encoding") else ""
    lines.append(f"read {r['rows_read']:,} rows from {where}{encoding}")
    if r.get("columns"):
        lines.append("  columns: " + ", ".join(f"{k}={v}" for k, v in r["columns"].items() if k != v))
        if lines[-1] == "  columns: ":
            lines.pop()
    lines += _layout_lines(r.get("layout"), history=True)
    if r.get("columns_ignored"):
        lines.append(f"  columns ignored: {', '.join(r['columns_ignored'])}"
                     + missing_text(r.get("columns_missing")))
    if r.get("rows_no_quantity"):
        first = ", ".join(map(str, r["rows_no_quantity_first"]))
        lines.append(f"  skipped {r['rows_no_quantity']:,} rows with an empty quantity (no record; first rows {first})")
    if r.get("rows_blank"):
        first = ", ".join(map(str, r.get("rows_blank_first", [])))
        lines.append(f"  skipped {r['rows_blank']:,} blank rows (first rows {first})")
    if r.get("rows_before_since"):
        lines.append(f"  ignored {r['rows_before_since']:,} rows before since {r.get('since')}")
    if r.get("rows_after_as_of"):
        lines.append(f"  ignored {r['rows_after_as_of']:,} rows after as_of {r['as_of']}")
    if r.get("return_lines"):
        lines.append(f"  netted {r['return_lines']:,} return lines ({r['return_units']:,.0f} units) inside their months")
    if r.get("negative_months"):
        lines.append(f"  counted {r['negative_months']:,} series-months with negative net demand as 0")
    return lines

def _layout_lines(layout: Mapping[str, Any] | None, *, history: bool = False) -> list[str]:
    """The title rows skipped above a file's header and the footer rows of totals dropped below its data
    (``--skip-rows`` sets the history's header row)."""
    lines: list[str] = []
    if not layout:
        return lines
    if layout.get("rows_title"):
        first = ", ".join(map(str, layout["rows_title_first"]))
        lines.append(f"  header at row {layout['header_row']}: skipped {layout['rows_title']:,} title rows above it "
                     f"(rows {first}; first {layout['title']!r})"
                     + ("; --skip-rows N sets where the header is" if history else ""))
    if layout.get("rows_footer"):
        first = ", ".join(map(str, layout["rows_footer_first"]))
        lines.append(f"  dropped {layout['rows_footer']:,} footer rows of totals below the data (rows {first}; "
                     f"first {layout['footer']!r}), which would count every line again")
    return lines


def _engine_lines(r: Mapping[str, Any]) -> list[str]:
    """How the stream or dask engine split the network."""
    lines: list[str] = []
    if r.get("engine") and r["engine"]["engine"] != "local":
        e = r["engine"]
        where = f" on {e['scheduler']}" if e.get("scheduler") else (" on a LocalCluster" if e["engine"] == "dask"
                                                                  else "")
        lines.append(f"engine {e['engine']}{where}: {e['partitions']:,} dealer sets of "
                     f"{min(e['dealers_per_partition']):,}-{max(e['dealers_per_partition']):,} dealers and "
                     f"{min(e['lines_per_partition']):,}-{max(e['lines_per_partition']):,} lines, "
                     f"read from {e['files']:,} file(s) in {e['scan_pieces']:,} piece(s)")
    return lines

def _series_lines(r: Mapping[str, Any]) -> list[str]:
    """The series, months and as_of, and what the parts master gave or defaulted."""
    lines: list[str] = []
    dealers = f"{r['dealers']:,} dealers, " if r.get("dealers") is not None else ""
    lines.append(
        f"series {r['series']:,} ({dealers}{r['parts']:,} parts), months {r['months']} "
        f"({r['first_period']}..{r['as_of']}), as_of {r['as_of']}"
    )
    if r.get("parts_master"):
        lines.append(f"parts master {r['parts_master']}: {r['parts_not_in_master']:,} parts in the history are not in "
                     f"it and took the defaults" + _first(r.get("parts_not_in_master_first")))
        lines += _layout_lines(r.get("parts_master_layout"))
        if r.get("parts_master_columns_ignored") and not r.get("parts_master_columns_missing"):  # else a warning
            lines.append(f"  parts master columns ignored: {', '.join(r['parts_master_columns_ignored'])}")
    if r.get("new_parts"):
        lines.append(f"  {r['new_parts']:,} parts of the master have no sales up to as_of but a min_stock or an "
                     "installed_base: listed with zero demand at every dealer" + _first(r.get("new_parts_first")))
    if r.get("master_parts_without_history"):
        lines.append(f"  {r['master_parts_without_history']:,} parts of the master have no sales up to as_of "
                     "and are not listed")
    defaulted = {k: v for k, v in (r.get("defaulted") or {}).items() if v}
    if defaulted:
        lines.append("  defaults used for: " + ", ".join(f"{k} {v:,}" for k, v in defaulted.items()) + " parts")
    if r.get("unit_cost_from_history"):
        lines.append(f"  unit_cost from the history's unit_price for {r['unit_cost_from_history']:,} parts")
    return lines

def _abc_lines(r: Mapping[str, Any]) -> list[str]:
    """The ABC basis, window and cut-off."""
    lines: list[str] = []
    cut = " by item share" if r.get("abc_cutoff") == "count" else ""
    if r.get("abc_basis") is None:  # a job that ranks nothing (forecast, evaluate)
        pass
    elif r["abc_basis"] == "hits":
        lines.append(f"ABC by hits ({r.get('abc_hits')}) over {r['abc_window_months']} months{cut}")
    elif r["abc_basis"] == "quantity":
        why = ": no unit_cost is known" if r.get("unit_cost_unknown") == r.get("parts") else ""
        lines.append(f"ABC by quantity over {r['abc_window_months']} months{cut}{why}")
    else:
        unknown = f"; {r['unit_cost_unknown']:,} parts without unit_cost are C" if r.get("unit_cost_unknown") else ""
        lines.append(f"ABC by value over {r['abc_window_months']} months{cut}{unknown}")
    return lines

def _mc_lines(r: Mapping[str, Any]) -> list[str]:
    """The multi-criteria ABC's method, criteria and weights."""
    lines: list[str] = []
    if r.get("mc"):
        mc = r["mc"]
        lines.append(f"multi-criteria ABC: {mc['method']} on {', '.join(mc['criteria'])}"
                     + (f", weights {', '.join(f'{w:g}' for w in mc['weights'])}" if mc.get("weights") else "")
                     + (f" ({mc['lp_solves']:,} LP solves)" if mc.get("lp_solves") else ""))
        for name, count in (mc.get("filled_least_important") or {}).items():
            lines.append(f"  criterion {name}: {count:,} parts without a value were taken as the least important")
    return lines

def _classes_lines(r: Mapping[str, Any]) -> list[str]:
    """Series per class of each axis."""
    lines: list[str] = []
    for column, counts in (r.get("classes") or {}).items():
        if isinstance(counts, dict):
            lines.append(f"{column}: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    if "phase_in" in (r.get("classes") or {}):
        lines.append(f"phase_in {r['classes']['phase_in']:,}, phase_out {r['classes']['phase_out']:,}")
    return lines

def _decisions_lines(r: Mapping[str, Any]) -> list[str]:
    """Decisions, reasons, the stocking warning, the class policy rows used and the stock value."""
    lines: list[str] = []
    if r.get("decisions"):
        lines.append("decisions: " + ", ".join(f"{k} {v:,}" for k, v in r["decisions"].items()))
        lines.append("reasons: " + ", ".join(f"{k} {v:,}" for k, v in r["reasons"].items() if v))
    if r.get("class_policy"):
        lines.append("class policy rows used: " + ", ".join(f"{k} {v:,}" for k, v in r["class_policy"].items()))
    if r.get("dealer_stock_value_at_max") is not None:
        lines.append(f"dealer stock value at max_stock: {r['dealer_stock_value_at_max']:,.2f}")
    return lines

def _forecast_lines(r: Mapping[str, Any]) -> list[str]:
    """The forecasters and their parameters."""
    lines: list[str] = []
    if r.get("forecast"):
        f = r["forecast"]
        lines.append(f"forecasts: {', '.join(f['methods'])}; " + ", ".join(f"{k} {v:g}" for k, v in f["params"].items())
                     + (" (auto: " + ", ".join(f"{k} {v:,}" for k, v in f["auto_methods"].items()) + ")"
                        if f.get("auto_methods") else ""))
    return lines

def _optimize_lines(r: Mapping[str, Any]) -> list[str]:
    """The optimizer's budget, what it bought, and the plans on its curve."""
    lines: list[str] = []
    if r.get("optimize"):
        o = r["optimize"]
        fill = f"{o['expected_fill_rate']:.3f}" if o.get("expected_fill_rate") is not None else "n/a"
        lines.append(f"optimize ({o['method']}): budget {o['budget']:,.2f} per {o['budget_per']}, spent "
                     f"{o['spent']:,.2f}; {o['rows_stocked']:,} rows stocked; expected unit fill rate {fill} of "
                     f"{o['expected_demand']:,.0f} units a year")
        for name, (value, rate) in o["markers"].items():
            lines.append(f"  {name}: stock value {value:,.2f}, expected fill rate {rate:.3f}")
        if o.get("echelons") == 2:
            lines.append(f"  two echelons, objective {o['objective']}, transfer {o['transfer_days']:g} days; "
                         f"{o['central_parts']:,} parts held centrally too")
            for row in o["comparison"]:
                lines.append(f"  {row['plan']}: stock value {row['stock_value']:,.2f} (central "
                             f"{row['central_stock_value']:,.2f}), fill rate {row['expected_fill_rate']:.3f}, "
                             f"expected dealer backorders {row['expected_backorders']:,.2f} (a unit of demand waits "
                             f"{row['expected_wait_days']:,.2f} days on average)")
        if o.get("rows_without_unit_cost"):
            lines.append(f"  {o['rows_without_unit_cost']:,} rows with demand have no unit_cost and are not stocked")
        if o.get("min_stock"):
            f = o["min_stock"]
            lines.append(f"  min_stock: the planner's floor of {f['rows']:,} rows was bought first, for "
                         f"{f['stock_value']:,.2f} of the budget; the rest was optimised ({f['rows_stocked_by_floor']:,} "
                         "rows hold only the floor)" + (f"; {f['units_without_unit_cost']:,} floor units have no "
                                                        "unit_cost" if f.get("units_without_unit_cost") else ""))
    return lines

def _evaluation_lines(r: Mapping[str, Any]) -> list[str]:
    """The replay of held-out history: promised against achieved, per policy."""
    lines: list[str] = []
    if r.get("evaluation"):
        e = r["evaluation"]
        lines.append(f"evaluation: trained on {e['train']}, replayed {e['holdout']} ({e['holdout_months']} months); "
                     f"policies {', '.join(e['policies'])}")
        lines.append("  lead time in the replay: " + ", ".join(
            f"{'under 1 month' if k == 0 else f'{k} to {k + 1} months'} {v:,} series"
            for k, v in e["lead_time_months"].items()))
        if e.get("review_below_a_month"):
            lines.append(f"  {e['review_below_a_month']:,} series have an order_cycle_days below a month: their plans "
                         "protect that shorter review, but the replay reviews monthly, so it is harsher than the plan")
        for policy, c in (e.get("calibration") or {}).items():
            rates = [("-" if v is None else f"{v:.1%}") for v in (c["promised_fill_rate"], c["achieved_fill_rate"])]
            line = (f"  {policy}: promised fill rate {rates[0]}, achieved {rates[1]} on its stocked series "
                    f"({c['verdict']})")
            if c.get("target_fill_rate") is not None:
                line += f"; target {c['target_fill_rate']:.1%} ({c['target_verdict']})"
            lines.append(line + (f": {c['note']}" if c.get("note") else ""))
        for policy, f in (e.get("min_stock") or {}).items():
            if f["rows_only_for_min_stock"]:
                lines.append(f"  {policy}: {f['rows_only_for_min_stock']:,} rows held only for the planner's "
                             f"min_stock (holdout demand {f['demand']:,.0f} units, {f['filled']:,.0f} filled) are "
                             "left out of the calibration: the policy promised them nothing")
        if e.get("optimized", {}).get("min_stock_bought_first"):
            lines.append(f"  optimized: the planner's min_stock was bought first, for "
                         f"{e['optimized']['min_stock_bought_first']:,.2f} of the budget")
        for policy in ("two-echelon", "two-echelon-dealers"):
            if e.get(policy):
                c = e[policy]
                waits = ("-" if c[k] is None else f"{c[k]:,.1f}" for k in ("promised_wait_days", "wait_days"))
                lines.append(f"  {policy} (objective {c['objective']}, transfer {c['transfer_days']:g} days): central "
                             f"stock {c['central_stock_value']:,.2f} in {c['central_parts']:,} parts; a unit of demand "
                             "waited {1} days on average in the replay, METRIC expected {0}".format(*waits))
        if e.get("current"):
            c = e["current"]
            lines.append(f"  current: {c['series_without_current_levels']:,} series without a reorder_point or "
                         f"max_stock in the master hold no stock; {c['series_max_below_reorder_point']:,} have "
                         "max_stock < reorder_point")
    return lines


def _min_stock_lines(r: Mapping[str, Any]) -> list[str]:
    """What the planner's min_stock did to the plan (must-stock; the optimizer's is in its own lines)."""
    floor = r.get("min_stock")
    if not floor or not floor.get("rows"):
        return []
    unknown = floor.get("units_added_without_unit_cost")
    return [f"min_stock: {floor['rows']:,} rows have a planner's floor; it stocked {floor['rows_stocked_by_floor']:,} "
            f"rows the policy would not ({floor['new_part_rows']:,} of new parts) and raised "
            f"{floor['rows_raised']:,}, adding {floor['units_added']:,} units at max_stock, stock value "
            f"{floor['stock_value_added']:,.2f}" + (f" ({unknown:,} units without a unit_cost)" if unknown else "")]


def _installed_base_lines(r: Mapping[str, Any]) -> list[str]:
    """The failure rate fitted on the installed base, and where the demand model used it."""
    base = r.get("installed_base")
    if not base:
        return []
    if base.get("failure_rate") is None:
        return [(f"installed_base: {base['parts_with_installed_base']:,} parts have one, but none of them sold in "
                 "the window: no failure rate fitted, the demand model is the one without it")]
    rates = ", ".join(f"{g} {r:.3g}" + ("" if base["failure_rate_own"][g] else " (overall)")
                      for g, r in base["failure_rate"].items())
    fitted = sum(base["parts_fitted"].values())
    spread = f", spread c2 {base['dispersion']:.3g}" if base.get("dispersion") is not None else ""
    return [(f"installed_base: failure rate per unit in the field a month {rates}, fitted on {fitted:,} parts with "
             f"both{spread}; it set the prior of {base['series_with_prior']:,} series ({base['new_part_rows']:,} rows "
             f"of parts never sold, {base['new_part_rows_stocked']:,} of them stocked)")]


def _supersession_lines(r: Mapping[str, Any]) -> list[str]:
    """The supersession chains resolved at as_of, and the history lines they moved."""
    sup = r.get("supersession")
    if not sup:
        return []
    lines = [(f"supersessions {sup['source']}: {sup['rows_in_force']:,} rows in force, {sup['old_parts']:,} old part "
             f"numbers lead to {sup['leading_parts']:,} parts (longest chain {sup['longest_chain']}, splits "
             f"{sup['splits']:,})")]
    lines += _layout_lines(sup.get("layout"))
    if sup.get("rows_not_in_force"):
        lines.append(f"  {sup['rows_not_in_force']:,} rows not in force yet at as_of (effective later)"
                     + _first(sup.get("rows_not_in_force_first")))
    h = sup.get("history") or {}
    if h:
        lines.append(f"  moved {h.get('lines_moved', 0):,} history lines of {h.get('old_parts_in_history', 0):,} old "
                     f"parts to their leading parts: {h.get('units_moved', 0):,.0f} units, "
                     f"{h.get('units_realigned', 0):,.0f} after the factors")
        for warning in h.get("warnings", []):
            lines.append(f"  warning: {warning}")
    if sup.get("master_rows_dropped"):
        lines.append(f"  {sup['master_rows_dropped']:,} parts master rows of old parts left out")
    return lines


def _stock_lines(r: Mapping[str, Any]) -> list[str]:
    """The stock file as read, and its rows without sales."""
    lines: list[str] = []
    st = r.get("stock")
    if st and "rows_without_history" in st:
        lines.append(f"stock {st['source']}: {st['rows']:,} rows" + (f" ({st['rows_summed']:,} summed into their "
                     "dealer and part)" if st.get("rows_summed") else "") + f", plan policy {r.get('policy')}")
        lines += _layout_lines(st.get("layout"))
        if st.get("columns_ignored"):
            lines.append(f"  stock columns ignored: {', '.join(st['columns_ignored'])}")
        for name, count in (st.get("defaulted_to_zero") or {}).items():
            lines.append(f"  {count:,} blank {name} cells taken as 0")
        old = st.get("superseded_stock")
        if old is not None and len(old):
            lines.append(f"  {len(old):,} stock rows of old part numbers count toward their leading parts "
                         f"({old['equivalent_units'].sum():,.0f} units after the factors): use them first")
        if st.get("rows_without_history"):
            lines.append(f"  {st['rows_without_history']:,} stock rows have no sales up to as_of (flag no_history)"
                         + _first(st.get("parts_without_history_first")))
    return lines


def _order_lines(r: Mapping[str, Any]) -> list[str]:
    """This week's order, and what the budget cut."""
    lines: list[str] = []
    if r.get("order"):
        o = r["order"]
        value = f", value {o['value']:,.2f}" if o.get("value") is not None else ""
        lines.append(f"order: {o['lines']:,} lines, {o['units']:,.0f} units{value}; {o['dealer_rows']:,} dealer-stocked "
                     f"rows, {o['not_ordered_above_reorder_point']:,} above their reorder point")
        if o.get("budget") is not None:
            lines.append(f"  budget {o['budget']:,.2f} per dealer cut {o['cut_lines']:,} lines worth "
                         f"{o['cut_value']:,.2f} (reason budget_cut)")
    return lines


def _dead_stock_lines(r: Mapping[str, Any]) -> list[str]:
    """The dead stock by age and what to do with the excess."""
    lines: list[str] = []
    if r.get("dead_stock"):
        d = r["dead_stock"]
        aging = ", ".join(f"{k} {v:,.0f}" for k, v in d["aging_value"].items())
        lines.append(f"dead stock: {d['rows_with_stock']:,} rows on the shelf, value {d['stock_value']:,.2f}; by months "
                     f"since the last demand: {aging}")
        lines.append(f"  excess {d['excess_units']:,.0f} units ({d['excess_value']:,.2f}): transfer "
                     f"{d['transfer_units']:,.0f} in {d['transfers']:,} moves, return {d['return_units']:,.0f}, hold "
                     f"{d['hold_units']:,.0f}, scrap review {d['scrap_review_units']:,.0f}")
    return lines


def _kpi_lines(r: Mapping[str, Any]) -> list[str]:
    """The network's KPIs."""
    lines: list[str] = []
    if r.get("kpi"):
        k = r["kpi"]["network"]
        turns = f"{k['turns']:.2f}" if k.get("turns") is not None else "n/a"
        fill = f"{k['projected_fill_rate']:.3f}" if k.get("projected_fill_rate") is not None else "n/a"
        cover = f"{k['must_stock_coverage']:.3f}" if k.get("must_stock_coverage") is not None else "n/a"
        lines.append(f"kpi (network): stock value {k['stock_value']:,.2f}, turns {turns} (cost of goods sold over "
                     f"{r['kpi']['months']} months, per year), projected fill rate {fill}, must-stock coverage {cover}")
        lines.append("  the projected fill rate is what the plan's levels promise on the forecast once they are kept, "
                     "not the service of the stock on hand: `spareopt evaluate --policy current` replays that")
        if r["kpi"].get("unit_cost_unknown_rows"):
            lines.append(f"  {r['kpi']['unit_cost_unknown_rows']:,} stock rows without unit_cost count 0 in the values")
    return lines


def _last_buy_lines(r: Mapping[str, Any]) -> list[str]:
    """The last buy: what was planned, the model, and the caps."""
    last_buy = r.get("last_buy")
    if not last_buy:
        return []
    b = last_buy
    p = b["planned"]
    if p["by"] == "all":
        lines = [f"last buy: every part of the history, {p['parts']:,} parts"]
    else:
        later = f"; {p['end_of_production_later']:,} end production after as_of" if p.get(
            "end_of_production_later") else ""
        lines = [(f"last buy: {p['parts']:,} discontinued parts ({p['by_status']:,} by status, "
                 f"{p['by_end_of_production']:,} by end_of_production{later})")]
    target = (f"service level {b['service_level']:g}" if b["mode"] == "service" else
              f"cost mode, critical ratio {b['critical_ratio_min']:.3f}..{b['critical_ratio_max']:.3f} "
              f"(holding_rate {b['holding_rate']:g})")
    model = b["distribution"] + (f", dispersion {b['dispersion']}" if b.get("dispersion") else "")
    lines.append(f"  fit {b['fit']} ({b['fit_months']} months), horizon {b['horizon']} ({b['horizon_months']} "
                 f"months), {target}, {model}")
    flags = ", ".join(f"{k} {v:,}" for k, v in b["flags"].items() if v)
    if flags:
        lines.append(f"  flags: {flags}")
    value = f", value {b['buy_value']:,.2f}" if b.get("buy_value") is not None else ""
    lines.append(f"  expected demand {b['expected_demand']:,.1f} units; last buy {b['last_buy_qty']:,.0f} units, "
                 f"to buy {b['buy_qty']:,.0f}{value}; expected shortage {b['expected_shortage']:,.1f}, leftover "
                 f"{b['expected_leftover']:,.1f}")
    if b.get("stock"):
        st = b["stock"]
        lines.append(f"  stock {st['source']}: {st['rows']:,} rows" + (f" ({st['rows_summed']:,} summed into "
                     "their dealer and part)" if st.get("rows_summed") else "")
                     + f"; {st['parts_without_stock_row']:,} planned parts have no row (0)")
        if st.get("stock_parts_not_planned"):
            lines.append(f"  {st['stock_parts_not_planned']:,} stock parts are not planned and were ignored "
                         f"({st['stock_units_not_planned']:,.0f} units on hand)" + _first(
                             st.get("stock_parts_not_planned_first")))
        for name, count in (st.get("defaulted_to_zero") or {}).items():
            lines.append(f"  {count:,} blank {name} cells taken as 0")
    if b.get("caps"):
        c = b["caps"]
        used = []
        if c.get("budget") is not None:
            used.append(f"spent {c['spent']:,.2f} of the budget {c['budget']:,.2f}")
        if c.get("max_volume") is not None:
            used.append(f"volume {c.get('volume_used', 0):,.2f} of {c['max_volume']:,.2f}")
        lines.append(f"  caps ({c['method']}): {', '.join(used)}; {c['parts_cut']:,} parts bought less than "
                     "last_buy_qty (flag budget_cut)")
    if b.get("backtest"):
        t = b["backtest"]
        fill = f", unit fill rate {t['unit_fill_rate']:.3f}" if t.get("unit_fill_rate") is not None else ""
        lines.append(f"  backtest: real demand {t['actual_demand']:,.0f} units; {t['parts_covered']:,} parts "
                     f"({t['share_covered']:.3f}) covered, expected {t['share_covered_expected']:.3f}{fill}; "
                     f"left over {t['actual_leftover']:,.0f} units")
    return lines


def _service_lines(r: Mapping[str, Any]) -> list[str]:
    """The demand model of the plan and the service it implies."""
    s = r.get("service")
    if not s:
        return []
    methods = ", ".join(f"{k} {v:,}" for k, v in s["forecast_methods"].items() if v)
    ltd = s.get("lead_time_demand", "monthly_variance")
    used = ", ".join(f"{k} {v:,}" for k, v in s.get("lead_time_demand_models", {}).items() if v)
    lines = [f"policy {s['policy']}" + (f", target {s['target']} by default" if s.get("target") else "")
             + f"; demand model: forecast {s['forecast_method']} ({methods}), lead-time demand {ltd}"
             + (f" ({used})" if used else "") + f" over a {s['dispersion_window_months']}-month window"]
    if ltd == "auto":
        bt = s.get("backtest")
        if bt is None:
            lines.append("  backtest: the history is too short (backtest_months + 6 months); each pattern takes "
                         "its default model, unscaled")
        else:
            lines.append(f"  backtest over the last {bt['months']} months: " + "; ".join(
                f"{p} {r['model']} x{r['scale']:g} (promised {r['promised_fill_rate']:.3f}, achieved "
                f"{r['achieved_fill_rate']:.3f}, {r['series']:,} series)" for p, r in bt["patterns"].items()))
            if bt.get("obsolescence"):
                lines.append("  backtest, series whose demand had stopped: " + "; ".join(
                    f"{p} {r['stopped']:,} series, {r['demand']:,.0f} units came; error of the forecast "
                    f"{r['error_none']:,.0f} as it was, {r['error_tsb']:,.0f} with TSB's: {r['chosen']}"
                    for p, r in bt["obsolescence"].items()))
    if s.get("declined_series"):
        lines.append(f"  obsolescence {s.get('obsolescence')}: {s['declined_series']:,} series whose demand stopped "
                     "forecast by TSB (forecast_method tsb)")
    models = ", ".join(f"{k} {v:,}" for k, v in s["demand_models"].items() if v)
    if s.get("implied_csl_mean") is not None:
        fill = s.get("implied_fill_rate")
        lines.append(f"  dealer rows: {models}; implied service: mean CSL {s['implied_csl_mean']:.3f}"
                     + (f", fill rate {fill:.3f} (weighted by forecast)" if fill is not None else ""))
    return lines


def _dealer_master_lines(r: Mapping[str, Any]) -> list[str]:
    """The dealer master: the dealers it names, and those it does not (their files and sheets carry the id)."""
    m = r.get("dealer_master")
    if not m:
        return []
    lines = [(f"dealer master {m['source']}: names {m['dealers_named']:,} of the "
             f"{m['dealers_named'] + m['dealers_unnamed']:,} dealers")]
    if m["dealers_unnamed"]:
        lines.append(f"  warning: {m['dealers_unnamed']:,} dealer(s) have no name in it"
                     f"{_first(m['dealers_unnamed_first'])}: their files and sheets carry the dealer id only")
    return lines


_SECTIONS = (_read_lines, _engine_lines, _series_lines, _supersession_lines, _abc_lines, _mc_lines, _classes_lines,
             _decisions_lines, _min_stock_lines, _installed_base_lines, _service_lines, _forecast_lines,
             _last_buy_lines, _stock_lines, _order_lines, _dead_stock_lines, _kpi_lines, _optimize_lines,
             _evaluation_lines, _dealer_master_lines)
"""The report's sections, in the order :func:`report_lines` renders them (each takes the whole report)."""


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


def _first(items: list[Any] | None) -> str:
    return f" (first: {', '.join(map(str, items))})" if items else ""
