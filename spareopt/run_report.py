"""The run report's fields: their types, and how the stream and dask engines merge them.

Every job returns its run report as ``Result.report``, a :class:`RunReport`: a typed dict (so that
``report["decisions"]`` reads as before) whose fields are declared here, each section a typed dict of its own.
Each field's annotation says how the partitioned engines merge the dealer sets' reports
(:func:`spareopt.engine.merge.merge_reports`):

- :data:`SUM`: a count over series, dealers or rows (or a dict of such counts, by label): added;
- :data:`SUM_SORTED`: as SUM, the labels then sorted (the class counts);
- :data:`ONCE`: what the whole network sets (the months, the parts, a setting): the same in every set, taken once;
- :data:`NETWORK`: taken once, then recomputed from the merged table or set from the network by
  :func:`spareopt.engine.merge.merge` (a ratio, a total, the engine's own section);
- a section (a typed dict): merged field by field.

:func:`undeclared` lists the paths of a report that this schema does not declare; the tests run it on every
job's report, so a new field is declared (with its merge) when it is added.  :mod:`spareopt.report` renders
the report as text, one function per section.
"""

from __future__ import annotations

import enum
import functools
import types
import typing
from collections.abc import Mapping
from typing import Annotated, Any, TypedDict, Union

import pandas as pd

__all__ = ["NETWORK", "ONCE", "SUM", "SUM_SORTED", "Merge", "RunReport", "field_merge", "undeclared"]


class Merge(enum.Enum):
    """How the engines merge one field of the dealer sets' run reports."""

    SUM = "sum"
    SUM_SORTED = "sum, labels sorted"
    ONCE = "once"
    NETWORK = "network"


SUM, SUM_SORTED, ONCE, NETWORK = Merge.SUM, Merge.SUM_SORTED, Merge.ONCE, Merge.NETWORK

Counts = dict[str, int]
Amounts = dict[str, float]


# -- sections -------------------------------------------------------------------------------------------------------


class LayoutReport(TypedDict, total=False):
    """A DMS report's layout around a file's table (:meth:`spareopt.io.Table.layout`): the title rows skipped
    above its header and the footer of total rows dropped below its data."""

    header_row: Annotated[int | str, ONCE]
    rows_title: Annotated[int, ONCE]
    rows_title_first: Annotated[list[int | str], ONCE]
    title: Annotated[str | None, ONCE]
    rows_footer: Annotated[int, ONCE]
    rows_footer_first: Annotated[list[int | str], ONCE]
    footer: Annotated[str | None, ONCE]


class SupersessionHistory(TypedDict, total=False):
    """The history's lines moved to their leading parts (resolved once for the network)."""

    lines_moved: Annotated[int, ONCE]
    lines_added: Annotated[int, ONCE]
    units_moved: Annotated[float, ONCE]
    units_realigned: Annotated[float, ONCE]
    old_parts_in_history: Annotated[int, ONCE]
    old_parts_in_history_first: Annotated[list[str], ONCE]
    leading_parts_new: Annotated[int, ONCE]
    leading_parts_new_first: Annotated[list[str], ONCE]
    supersession_parts_not_in_history: Annotated[int, ONCE]
    supersession_parts_not_in_history_first: Annotated[list[str], ONCE]
    warnings: Annotated[list[str], ONCE]


class SupersessionReport(TypedDict, total=False):
    """The supersession file and the parts master's ``replaced_by``, resolved at as_of."""

    source: Annotated[str | None, ONCE]
    as_of_ordinal: Annotated[int, ONCE]
    rows_in_force: Annotated[int, ONCE]
    rows_not_in_force: Annotated[int, ONCE]
    rows_not_in_force_first: Annotated[list[str], ONCE]
    chains: Annotated[int, ONCE]
    longest_chain: Annotated[int, ONCE]
    old_parts: Annotated[int, ONCE]
    leading_parts: Annotated[int, ONCE]
    splits: Annotated[int, ONCE]
    mapping: Annotated[pd.DataFrame, ONCE]
    layout: Annotated[LayoutReport | None, ONCE]
    master_rows_dropped: Annotated[int | None, ONCE]
    history: SupersessionHistory


class Stocking(TypedDict, total=False):
    """The last half year's demand by decision and by reason (the warning when dealers stock little of it)."""

    half_year_quantity: Annotated[Amounts, SUM]
    by_reason: Annotated[Amounts, SUM]
    rows_ssq_over_a_year: Annotated[int, SUM]


class BacktestPattern(TypedDict, total=False):
    model: str
    scale: float
    series: int
    promised_fill_rate: float
    achieved_fill_rate: float


class BacktestObsolescence(TypedDict, total=False):
    stopped: int
    demand: float
    error_none: float
    error_tsb: float
    chosen: str


class BacktestReport(TypedDict, total=False):
    """The lead-time demand model's backtest, on the network's sums (the same in every dealer set)."""

    months: Annotated[int, ONCE]
    patterns: Annotated[dict[str, BacktestPattern], ONCE]
    obsolescence: Annotated[dict[str, BacktestObsolescence], ONCE]


class ServiceReport(TypedDict, total=False):
    """The demand model and the service the plan implies."""

    policy: Annotated[str, ONCE]
    target: Annotated[str | None, ONCE]
    forecast_method: Annotated[str, ONCE]
    forecast_methods: Annotated[Counts, SUM]
    dispersion_window_months: Annotated[int, ONCE]
    lead_time_demand: Annotated[str, ONCE]
    lead_time_demand_models: Annotated[Counts, SUM]
    obsolescence: Annotated[str, ONCE]
    declined_series: Annotated[int, SUM]
    backtest: BacktestReport | None
    demand_models: Annotated[Counts, SUM]
    implied_csl_mean: Annotated[float | None, NETWORK]
    implied_fill_rate: Annotated[float | None, NETWORK]


class MinStockReport(TypedDict, total=False):
    """What the planner's floor (``min_stock``) changed: counts over series, added."""

    rows: Annotated[int, SUM]
    new_part_rows: Annotated[int, SUM]
    rows_raised: Annotated[int, SUM]
    rows_stocked_by_floor: Annotated[int, SUM]
    units_added: Annotated[int, SUM]
    units_added_without_unit_cost: Annotated[int, SUM]
    stock_value_added: Annotated[float, SUM]


class InstalledBaseReport(TypedDict, total=False):
    """The failure rate fitted on the installed base (the network's) and the series it informed (added)."""

    parts_with_installed_base: Annotated[int, ONCE]
    failure_rate: Annotated[Amounts | None, ONCE]
    failure_rate_own: Annotated[dict[str, bool] | None, ONCE]
    failure_rate_overall: Annotated[float | None, ONCE]
    parts_fitted: Annotated[Counts | None, ONCE]
    dispersion: Annotated[float | None, ONCE]
    series_with_prior: Annotated[int, SUM]
    new_part_rows: Annotated[int, SUM]
    new_part_rows_stocked: Annotated[int, SUM]


class ClassCounts(TypedDict, total=False):
    """Series per class of each axis (``classify``; ``forecast``: the pattern only)."""

    abc_class: Annotated[Counts, SUM_SORTED]
    xyz_class: Annotated[Counts, SUM_SORTED]
    fsn_class: Annotated[Counts, SUM_SORTED]
    pattern: Annotated[Counts, SUM_SORTED]
    mc_class: Annotated[Counts, SUM_SORTED]
    phase_in: Annotated[int, SUM]
    phase_out: Annotated[int, SUM]


class MultiCriteriaReport(TypedDict, total=False):
    """The multi-criteria ABC's set-up and its LPs (computed once, on the network's sums)."""

    method: Annotated[str, ONCE]
    items: Annotated[int, ONCE]
    criteria: Annotated[list[str], ONCE]
    weights: Annotated[list[float] | str | None, ONCE]
    filled_least_important: Annotated[Counts, ONCE]
    hits: Annotated[str, ONCE]
    unique_rows: Annotated[int, ONCE]
    constraints_kept: Annotated[int, ONCE]
    constraints_kept_good: Annotated[int, ONCE]
    constraints_kept_bad: Annotated[int, ONCE]
    lp_solves: Annotated[int, ONCE]
    lp_solves_good: Annotated[int, ONCE]
    lp_solves_bad: Annotated[int, ONCE]
    min_weight: Annotated[float, ONCE]
    mc_lambda: Annotated[float, ONCE]
    joint_table: Annotated[str, ONCE]


class ForecastReport(TypedDict, total=False):
    methods: Annotated[list[str], ONCE]
    params: Annotated[Amounts, ONCE]
    auto_methods: Annotated[Counts | None, ONCE]


class OptimizeMinStock(TypedDict, total=False):
    rows: int
    rows_stocked_by_floor: int
    stock_value: float
    units_without_unit_cost: int


class OptimizeReport(TypedDict, total=False):
    """``optimize`` (the local engine only)."""

    budget: Annotated[float, ONCE]
    budget_per: Annotated[str, ONCE]
    spent: Annotated[float, ONCE]
    method: Annotated[str, ONCE]
    max_volume: Annotated[float | None, ONCE]
    class_minimums: Annotated[bool, ONCE]
    rows_stocked: Annotated[int, ONCE]
    expected_fill_rate: Annotated[float | None, ONCE]
    expected_demand: Annotated[float, ONCE]
    steps: Annotated[int, ONCE]
    rows_without_unit_cost: Annotated[int, ONCE]
    min_stock: Annotated[OptimizeMinStock | None, ONCE]
    markers: Annotated[dict[str, tuple[float, float]], ONCE]
    echelons: Annotated[int, ONCE]
    objective: Annotated[str, ONCE]
    transfer_days: Annotated[float, ONCE]
    central_parts: Annotated[int, ONCE]
    comparison: Annotated[list[dict[str, Any]], ONCE]


class LastBuyPlanned(TypedDict, total=False):
    by: str
    parts: int
    by_status: int
    by_end_of_production: int
    end_of_production_later: int


class LastBuyCaps(TypedDict, total=False):
    budget: float
    max_volume: float | None
    method: str
    parts_cut: int
    spent: float
    volume_used: float


class LastBuyBacktest(TypedDict, total=False):
    actual_demand: float
    actual_leftover: float
    parts_covered: int
    share_covered: float
    share_covered_expected: float
    unit_fill_rate: float


class StockReport(TypedDict, total=False):
    """The stock file as read (``order``, ``dead-stock``, ``kpi``, ``last-buy``)."""

    source: Annotated[str | None, ONCE]
    encoding: Annotated[str | None, ONCE]
    columns: Annotated[dict[str, str], ONCE]
    headers: Annotated[list[str], ONCE]
    sheet: Annotated[str | None, ONCE]
    sheets_ignored: Annotated[list[str], ONCE]
    columns_ignored: Annotated[list[str], ONCE]
    layout: Annotated[LayoutReport | None, ONCE]
    rows: Annotated[int, ONCE]
    rows_blank: Annotated[int, ONCE]
    rows_summed: Annotated[int, ONCE]
    defaulted_to_zero: Annotated[Counts, ONCE]
    dealers: Annotated[int | None, ONCE]
    parts: Annotated[int, ONCE]
    supersession: Annotated[dict[str, Any], ONCE]
    superseded_stock: Annotated[pd.DataFrame | None, NETWORK]
    rows_without_history: Annotated[int, SUM]
    parts_without_history: Annotated[int, NETWORK]
    parts_without_history_first: Annotated[list[str], NETWORK]
    parts_without_stock_row: Annotated[int, ONCE]
    stock_parts_not_planned: Annotated[int, ONCE]
    stock_parts_not_planned_first: Annotated[list[str], ONCE]
    stock_units_not_planned: Annotated[float, ONCE]


class LastBuyReport(TypedDict, total=False):
    """``last-buy`` (the local engine only)."""

    planned: Annotated[LastBuyPlanned, ONCE]
    fit: Annotated[str, ONCE]
    fit_months: Annotated[int, ONCE]
    horizon: Annotated[str, ONCE]
    horizon_months: Annotated[int, ONCE]
    distribution: Annotated[str, ONCE]
    dispersion: Annotated[str | None, ONCE]
    mode: Annotated[str, ONCE]
    service_level: Annotated[float, ONCE]
    holding_rate: Annotated[float, ONCE]
    shortage_cost: Annotated[str, ONCE]
    salvage_value: Annotated[str, ONCE]
    critical_ratio_min: Annotated[float, ONCE]
    critical_ratio_max: Annotated[float, ONCE]
    flags: Annotated[Counts, ONCE]
    expected_demand: Annotated[float, ONCE]
    last_buy_qty: Annotated[float, ONCE]
    buy_qty: Annotated[float, ONCE]
    buy_value: Annotated[float | None, ONCE]
    expected_shortage: Annotated[float, ONCE]
    expected_leftover: Annotated[float, ONCE]
    prob_no_shortage_mean: Annotated[float, ONCE]
    stock: Annotated[StockReport | None, ONCE]
    caps: Annotated[LastBuyCaps, ONCE]
    backtest: Annotated[LastBuyBacktest, ONCE]


class OrderReport(TypedDict, total=False):
    """This week's order: counts and sums over the dealers' rows, added; the budget is the setting."""

    lines: Annotated[int, SUM]
    units: Annotated[float, SUM]
    value: Annotated[float | None, SUM]
    budget: Annotated[float | None, ONCE]
    cut_lines: Annotated[int, SUM]
    cut_value: Annotated[float, SUM]
    not_ordered_above_reorder_point: Annotated[int, SUM]
    dealer_rows: Annotated[int, SUM]


class DeadStockReport(TypedDict, total=False):
    """The dead stock, settled on the whole network (its transfers cross the dealer sets)."""

    rows_with_stock: Annotated[int, NETWORK]
    stock_value: Annotated[float, NETWORK]
    excess_units: Annotated[float, NETWORK]
    excess_value: Annotated[float, NETWORK]
    transfers: Annotated[int, NETWORK]
    transfer_units: Annotated[float, NETWORK]
    return_units: Annotated[float, NETWORK]
    hold_units: Annotated[float, NETWORK]
    scrap_review_units: Annotated[float, NETWORK]
    never_sold_rows: Annotated[int, NETWORK]
    aging_value: Annotated[Amounts, NETWORK]


class KpiReport(TypedDict, total=False):
    months: Annotated[int, ONCE]
    unit_cost_unknown_rows: Annotated[int, SUM]
    network: Annotated[dict[str, float | int | None], NETWORK]


class CalibrationNote(TypedDict, total=False):
    promised_fill_rate: float | None
    achieved_fill_rate: float | None
    verdict: str
    target_fill_rate: float | None
    target_verdict: str
    note: str


class FloorNote(TypedDict, total=False):
    rows_only_for_min_stock: int
    demand: float
    filled: float


class CurrentNote(TypedDict, total=False):
    series_without_current_levels: int
    series_max_below_reorder_point: int


class OptimizedNote(TypedDict, total=False):
    budget: Annotated[float, ONCE]
    spent: Annotated[float, ONCE]
    budget_from: Annotated[str, ONCE]
    min_stock_bought_first: Annotated[float, SUM]


class EchelonNote(TypedDict, total=False):
    budget: float
    spent: float
    objective: str
    transfer_days: float
    central_parts: int
    central_stock_value: float
    promised_wait_days: float | None
    wait_days: float | None


EvaluationReport = TypedDict("EvaluationReport", {  # "two-echelon" is not a Python name
    "train": Annotated[str, ONCE],
    "holdout": Annotated[str, ONCE],
    "holdout_months": Annotated[int, ONCE],
    "policies": Annotated[list[str], ONCE],
    "lead_time_months": Annotated[dict[int, int], SUM],
    "review_below_a_month": Annotated[int, SUM],
    "current": Annotated[CurrentNote, SUM],
    "min_stock": Annotated[dict[str, FloorNote], SUM],
    "optimized": OptimizedNote,
    "two-echelon": Annotated[EchelonNote, ONCE],
    "two-echelon-dealers": Annotated[EchelonNote, ONCE],
    "totals": Annotated[dict[str, dict[str, float]], NETWORK],
    "calibration": Annotated[dict[str, CalibrationNote], NETWORK],
}, total=False)
"""The replay of held-out history (``evaluate``)."""


class EngineReport(TypedDict, total=False):
    """How the stream or dask engine split the network (set by :func:`spareopt.engine.run`)."""

    engine: str
    scheduler: str | None
    partitions: int
    dealers_per_partition: list[int]
    lines_per_partition: list[int]
    files: int
    scan_pieces: int


class DealerMasterReport(TypedDict, total=False):
    """The dealer master (``--dealers``), matched to the table's dealers when the output is written (after the
    engines merged the dealer sets: set once, never merged)."""

    source: Annotated[str | None, ONCE]
    rows: Annotated[int, ONCE]
    dealers_named: Annotated[int, ONCE]
    dealers_unnamed: Annotated[int, ONCE]
    dealers_unnamed_first: Annotated[list[str], ONCE]
    rows_not_in_history: Annotated[int, ONCE]


class PageReport(TypedDict, total=False):
    """The report page (``spareopt report``, ``--html``), written after the run: set once, never merged."""

    rows_listed: Annotated[int, ONCE]
    rows: Annotated[int, ONCE]
    bytes: Annotated[int, ONCE]
    missing: Annotated[list[str], ONCE]


# -- the report ----------------------------------------------------------------------------------------------------


class RunReport(TypedDict, total=False):
    """A job's run report: what was read, netted, ignored and defaulted, and the job's own sections."""

    history: Annotated[str | None, ONCE]
    encoding: Annotated[str | None, ONCE]
    sheet: Annotated[str | None, ONCE]
    sheets_ignored: Annotated[list[str], ONCE]
    columns: Annotated[dict[str, str] | None, ONCE]
    columns_ignored: Annotated[list[str], ONCE]
    columns_missing: Annotated[list[str], ONCE]
    layout: Annotated[LayoutReport | None, ONCE]
    rows_read: Annotated[int | None, ONCE]
    rows_blank: Annotated[int, ONCE]
    rows_blank_first: Annotated[list[int], ONCE]
    rows_no_quantity: Annotated[int, ONCE]
    rows_no_quantity_first: Annotated[list[int], ONCE]
    rows_before_since: Annotated[int, ONCE]
    warnings: Annotated[list[str], ONCE]
    as_of_gap: Annotated[list[int] | None, ONCE]
    since: Annotated[str | None, ONCE]
    currency: Annotated[str, ONCE]
    lang: Annotated[str, ONCE]
    rows_after_as_of: Annotated[int, NETWORK]
    return_lines: Annotated[int, ONCE]
    return_units: Annotated[float, ONCE]
    negative_months: Annotated[int, SUM]
    series: Annotated[int, SUM]
    dealers: Annotated[int | None, SUM]
    parts: Annotated[int, ONCE]
    months: Annotated[int, ONCE]
    first_period: Annotated[str, ONCE]
    as_of: Annotated[str, ONCE]
    parts_master: Annotated[str | None, ONCE]
    parts_master_sheets_ignored: Annotated[list[str], ONCE]
    parts_master_columns_ignored: Annotated[list[str], ONCE]
    parts_master_columns_missing: Annotated[list[str], ONCE]
    parts_master_layout: Annotated[LayoutReport | None, ONCE]
    parts_not_in_master: Annotated[int | None, ONCE]
    parts_not_in_master_first: Annotated[list[str], ONCE]
    master_parts_without_history: Annotated[int | None, ONCE]
    new_parts: Annotated[int, ONCE]
    new_parts_first: Annotated[list[str], ONCE]
    defaulted: Annotated[Counts, ONCE]
    unit_cost_from_history: Annotated[int, ONCE]
    unit_cost_unknown: Annotated[int, ONCE]
    abc_basis: Annotated[str | None, ONCE]
    abc_hits: Annotated[str | None, ONCE]
    abc_cutoff: Annotated[str, ONCE]
    abc_window_months: Annotated[int, ONCE]
    decisions: Annotated[Counts | None, SUM]
    dealer_stock_value_at_max: Annotated[float | None, SUM]
    supersession: SupersessionReport | None
    high_value_cost: Annotated[float, ONCE]
    reasons: Annotated[Counts, SUM]
    stocking: Annotated[Stocking, SUM]
    class_policy: Annotated[Counts, SUM]
    service: ServiceReport
    min_stock: Annotated[MinStockReport | None, SUM]
    installed_base: InstalledBaseReport | None
    classes: ClassCounts
    mc: MultiCriteriaReport
    forecast: ForecastReport
    optimize: OptimizeReport
    last_buy: LastBuyReport
    policy: Annotated[str, ONCE]
    stock: StockReport
    order: OrderReport
    dead_stock: DeadStockReport
    kpi: KpiReport
    evaluation: EvaluationReport
    engine: Annotated[EngineReport, NETWORK]
    dealer_master: DealerMasterReport
    page: PageReport


# -- reading the schema --------------------------------------------------------------------------------------------


@functools.cache
def _fields(section: type) -> dict[str, Any]:
    return typing.get_type_hints(section, include_extras=True)


def _section(hint: Any) -> type | None:
    """The typed dict a field holds (``X`` or ``X | None``), None for a plain value."""
    if typing.get_origin(hint) in (Union, types.UnionType):
        inner = [a for a in typing.get_args(hint) if a is not type(None)]
        hint = inner[0] if len(inner) == 1 else None
    return hint if typing.is_typeddict(hint) else None


def field_merge(section: type, key: str) -> Merge | type | None:
    """How ``key`` of ``section`` merges: a :class:`Merge`, or the section's typed dict when it merges field by
    field; None when the section does not declare it.

    >>> field_merge(RunReport, "series"), field_merge(RunReport, "service").__name__
    (<Merge.SUM: 'sum'>, 'ServiceReport')
    """
    hint = _fields(section).get(key)
    if hint is None:
        return None
    if typing.get_origin(hint) is Annotated:
        return next(a for a in hint.__metadata__ if isinstance(a, Merge))
    return _section(hint) or ONCE


def undeclared(report: Mapping[str, Any], section: type = RunReport, path: str = "") -> list[str]:
    """The dotted paths of ``report`` that the schema does not declare (empty: the report is all declared).

    >>> undeclared({"series": 3, "service": {"policy": "seed", "colour": "red"}, "mood": 1})
    ['service.colour', 'mood']
    """
    out = []
    hints = _fields(section)
    for key, value in report.items():
        here = f"{path}{key}"
        if key not in hints:
            out.append(here)
            continue
        hint = hints[key]
        value_type = typing.get_args(hint)[0] if typing.get_origin(hint) is Annotated else hint
        inner = _section(value_type)
        if isinstance(value, Mapping) and inner is not None:
            out += undeclared(value, inner, here + ".")
        elif isinstance(value, Mapping) and typing.get_origin(value_type) is dict:
            item = _section(typing.get_args(value_type)[1])
            for label, sub in value.items():  # a dict by label (policy, pattern) of typed sections
                if item is not None and isinstance(sub, Mapping):
                    out += undeclared(sub, item, f"{here}.{label}.")
    return out
