"""The stocking plan: ``decide(inputs) -> Plan``, and the must-stock list it becomes.

(read -> demand matrix ->) **classify -> forecast -> policy -> must-stock list**: every series' ABC class,
class code and class-policy row, the seed's rules, the demand model (:mod:`spareopt.backtest`), the stock
levels of the seed or the service-level policy, the planner's floor and the implied service, as arrays
(:class:`Plan`); :func:`plan_table` turns them into the must-stock table with its run report.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .backtest import (
    Calibration,
    FailureRate,
    backtest_sums,
    demand_sums,
    installed_base,
    lead_time_demand,
    network_quantity,
    series_keys,
)
from .classify.pattern import PATTERNS
from .classify.series import INPUTS_FIX, Classes, classify_series
from .columns import text_column
from .config import POLICIES, Config
from .errors import ConfigError, UsageError
from .forecast import half_year_quantity, mad
from .forecast.intermittent import auto
from .history import DemandMatrix
from .inputs import Counts, Inputs, run_report
from .parts import ATTRIBUTES, PartsMaster
from .policy import (
    DECISIONS,
    MIN_STOCK_REASON,
    REASONS,
    max_stock,
    min_stock_levels,
    reorder_point,
    ssq,
    stocking_priority,
)
from .policy.budget import fill_target_levels
from .policy.class_policy import all_class_codes
from .policy.rules import DECISION_CODE_OF_REASON, reason_code
from .policy.service import DEMAND_MODELS, implied_service, reorder_point_for
from .result import Result
from .validate import instance

CLASS_POLICY_REASON = "class_policy"
"""The reason of a decision set by a row of the class policy table (its ``match`` is in ``policy_rule``)."""


PLAN_REASONS = (*REASONS, CLASS_POLICY_REASON, MIN_STOCK_REASON)
"""Every ``reason`` of a plan: the seed's rules, a class policy row, the planner's ``min_stock``."""


OUTPUT_COLUMNS = (
    "dealer", "part", "description", "abc_class", "attribute", "class_code", "pattern", "unit_cost",
    "half_year_quantity", "mad", "ssq", "reorder_point", "max_stock", "min_stock", "forecast_method", "forecast",
    "demand_model", "target_kind", "target", "implied_csl", "implied_fill_rate", "decision", "reason", "policy_rule",
    "priority",
)
"""Columns of the must-stock list, in order (``dealer``, ``description`` and ``min_stock`` only when known: a
dealer column, the master's descriptions and floors; ``target_kind`` and ``target`` empty under the seed
policy)."""


TARGET_KINDS = ("csl", "fill_rate")
"""Kinds of service target: a cycle service level or a fill rate."""


@dataclass(frozen=True)
class Plan:
    """One stocking plan as arrays, one element per series (in the matrix's dealer, part order).

    :meth:`to_frame` is the must-stock list (:data:`OUTPUT_COLUMNS`) with its run report.
    """

    policy: str
    decision: np.ndarray  # int8 into DECISIONS
    reason: np.ndarray  # int8 into REASONS + class_policy
    priority: np.ndarray
    mad: np.ndarray
    half_year_quantity: np.ndarray
    ssq: np.ndarray
    reorder_point: np.ndarray
    max_stock: np.ndarray
    cost: np.ndarray
    attribute: np.ndarray
    classes: Classes  # ABC, class code, class policy row and demand pattern (spareopt.classify_series)
    high_value: float
    demand: DemandModel
    target_kind: np.ndarray | None  # int8 into TARGET_KINDS, service-level policy only
    target: np.ndarray | None
    implied_csl: np.ndarray
    implied_fill_rate: np.ndarray
    model: np.ndarray  # int8 into DEMAND_MODELS
    min_stock: np.ndarray  # the planner's floor m of every series (0: none)
    floor_raised: np.ndarray  # bool, a row the policy stocks whose s or S the floor raised
    floor_units: np.ndarray  # int64, the dealer stock (max_stock) the floor added: S' - S, or S' where it stocks
    inputs: Any = dataclasses.field(default=None, repr=False, compare=False)  # what it was decided on

    def to_frame(self) -> pd.DataFrame:
        """The must-stock list: one row per series, columns :data:`OUTPUT_COLUMNS`, sorted by dealer, decision
        and priority (the ``table`` of :func:`spareopt.must_stock`)."""
        return _plan_frame(self.inputs, self).table

    def to_result(self) -> Result:
        """The must-stock list with its run report, as :func:`spareopt.must_stock` returns it."""
        return _plan_frame(self.inputs, self)


@dataclass(frozen=True)
class DemandModel:
    forecast: np.ndarray  # units/month: the mean of the lead-time demand model
    method: np.ndarray  # int8 into methods: the forecaster, or poisson_gamma
    methods: tuple[str, ...]
    variance: np.ndarray  # units^2/month, such that the demand over P months has variance v P
    model: np.ndarray  # int8 into models: the lead-time demand model of each series
    models: tuple[str, ...]
    scale: np.ndarray  # the variance scale of the backtest (1 without one)
    calibration: Calibration | None
    declined: int = 0  # series whose demand stopped and whose forecast TSB lowered (config obsolescence)
    informed: np.ndarray | None = None  # bool: the prior came from the installed base (None: no installed base)
    failure_rate: FailureRate | None = None


def decide(run: Inputs, policy: str | None = None, *, classes: Classes | None = None,
           demand: DemandModel | None = None) -> Plan:
    """Decisions, reasons, priorities and stock levels of every series under ``policy`` (default: the config's).

    ``classes`` and ``demand``: the run's classes and demand model when already computed (a job that plans
    several policies computes them once); by default computed here.
    """
    matrix, cfg, master, fields = run.matrix, run.cfg, run.master, run.fields
    policy = policy or cfg.policy
    part_code, dealer = run.part_code, run.dealer
    q = matrix.values
    mad_ = mad(q)
    hyq = half_year_quantity(q)
    lead = run.per_series("lead_time_days", np.float64)
    cycle = run.per_series("order_cycle_days", np.float64)
    ssq_ = ssq(mad_, cycle, lead, ssq_divisor=cfg.ssq_divisor)
    cost = run.per_series("unit_cost", np.float64)
    attribute = run.per_series("attribute", "<U1")
    classes = classify_series(run) if classes is None else classes
    rule = classes.rule

    high_value = _high_value_cost(cfg, master, fields["unit_cost"].to_numpy())
    reason = reason_code(
        order_cycle_days=cycle, lead_time_days=lead, attribute=attribute,
        unit_cost=cost, half_year_quantity=hyq, ssq=ssq_, high_value_cost=high_value,
        low_volume_max=cfg.low_volume_max, central_ssq_min=cfg.central_ssq_min,
        volume_quantity=_volume_quantity(run, hyq),
    )
    decision = DECISION_CODE_OF_REASON[reason]
    if cfg.class_policy:
        rule_decision = np.array([-1 if r.decision is None else DECISIONS.index(r.decision)
                                  for r in cfg.class_policy] + [-1], dtype=np.int8)[rule]
        overridden = rule_decision >= 0
        decision = np.where(overridden, rule_decision, decision).astype(np.int8)
        reason = np.where(overridden, np.int8(PLAN_REASONS.index(CLASS_POLICY_REASON)), reason).astype(np.int8)
    floor = run.per_series("min_stock", np.float64)
    by_floor = (floor > 0) & (decision != 0)  # the planner's floor stocks what the rules would not
    final_decision = np.where(by_floor, np.int8(0), decision).astype(np.int8)
    reason = np.where(by_floor, np.int8(PLAN_REASONS.index(MIN_STOCK_REASON)), reason).astype(np.int8)
    priority = stocking_priority(final_decision == 0, ssq_, mad_, group=dealer, order=part_code)

    demand = demand_model(run, classes) if demand is None else demand
    service = {"normal_min_mean": cfg.normal_min_mean, "overdispersion_min": cfg.overdispersion_min}
    target_kind = target = None
    if policy == "seed":
        rop, top = reorder_point(mad_, lead, ssq_), max_stock(mad_, lead, cycle, ssq_)
    elif policy == "service-level":
        target_kind, target = targets(cfg, rule)
        rop, top = np.zeros(len(q), np.int64), np.zeros(len(q), np.int64)
        together = (target_kind == TARGET_KINDS.index("fill_rate")) & (decision == 0) & (
            cfg.fill_rate_scope == "class")
        for k, kind in enumerate(TARGET_KINDS):
            rows = np.flatnonzero((target_kind == k) & ~together)
            if len(rows):
                rop[rows], top[rows], _ = reorder_point_for(
                    target[rows], demand.forecast[rows], demand.variance[rows], lead[rows], cycle[rows], kind=kind,
                    **service)
        rows = np.flatnonzero(together)
        if len(rows):  # each dealer's class together: the least stock that fills the target share of its demand
            group = rule[rows].astype(np.int64) + 1 + (0 if dealer is None else
                                                       dealer[rows].astype(np.int64) * (len(cfg.class_policy) + 1))
            rop[rows], top[rows] = fill_target_levels(
                demand.forecast[rows], demand.variance[rows], lead[rows], cycle[rows], target[rows], group,
                cost[rows], **service)
    else:
        raise ConfigError(f"policy must be one of {', '.join(POLICIES)}; got {policy!r}")
    planned_rop, planned_top = rop, top
    rop, top = min_stock_levels(rop, top, floor)
    raised = (decision == 0) & ((rop > planned_rop) | (top > planned_top))  # a stocked row, raised by the floor
    added = np.where(final_decision == 0, top, 0) - np.where(decision == 0, planned_top, 0)
    csl, fill, model = implied_service(rop, top, demand.forecast, demand.variance, lead, cycle, **service)
    return Plan(policy, final_decision, reason, priority, mad_, hyq, ssq_, rop, top, cost, attribute, classes,
                high_value, demand, target_kind, target, csl, fill, model, floor, raised, added,
                run)


def demand_model(run: Inputs, classes: Classes) -> DemandModel:
    """The lead-time demand model of every series (config ``lead_time_demand``, :mod:`spareopt.backtest`)."""
    cfg, q = run.cfg, run.matrix.values
    pattern, rule = classes.pattern.code, classes.rule
    method = cfg.forecast_method
    if method == "auto":
        _, chosen, methods = auto(q[:, -1:], pattern, table=cfg.auto_methods, **cfg.forecast_params)  # codes only
    else:
        chosen, methods = np.zeros(len(q), np.int8), (method,)
    network = run.network
    demand, models, calibration = lead_time_demand(
        q, pattern.astype(np.int64), inputs=None if network is None else network.demand,
        new=None if run.new_part is None else run.new_series, base=_installed_base(run), **_demand_args(run, rule))
    methods = (*methods, "poisson_gamma")
    pooled = (np.asarray(models) == "poisson_gamma")[demand.model]  # per model, then per series: no text per row
    chosen = np.where(pooled, len(methods) - 1, chosen).astype(np.int8)
    if demand.declined is not None and demand.declined.any():  # stopped series forecast by TSB (obsolescence)
        if "tsb" not in methods:
            methods = (*methods, "tsb")
        chosen = np.where(demand.declined, methods.index("tsb"), chosen).astype(np.int8)
    return DemandModel(demand.forecast, chosen, methods, demand.variance, demand.model, models, demand.scale,
                        calibration, 0 if demand.declined is None else int(demand.declined.sum()), demand.informed,
                        demand.failure_rate)


def _installed_base(run: Inputs) -> Any:
    """The parts' installed base with the series' part and dealer codes (None without one)."""
    return installed_base(run.fields, run.part_code, run.dealer)


def installed_base_report(run: Inputs, plan: Plan, stocked: np.ndarray | None = None) -> dict[str, Any] | None:
    """The failure rate fitted on the installed base and the series whose demand model used it (None without the
    master column).  ``stocked``: the rows a policy stocks (default: the plan's dealer rows).  Counts are sums over
    the series (the engines add them); the rate is the network's."""
    if run.master is None or "installed_base" not in run.master.frame:
        return None
    demand = plan.demand
    rate = demand.failure_rate
    informed = np.zeros(len(plan.decision), dtype=bool) if demand.informed is None else demand.informed
    known = np.isfinite(run.fields["installed_base"].to_numpy(dtype=np.float64))
    return {
        "parts_with_installed_base": int(known.sum()),
        "failure_rate": None if rate is None else dict(zip(ATTRIBUTES, rate.rate.tolist())),
        "failure_rate_own": None if rate is None else dict(zip(ATTRIBUTES, rate.own.tolist())),
        "failure_rate_overall": None if rate is None else rate.overall,
        "parts_fitted": None if rate is None else dict(zip(ATTRIBUTES, rate.parts.tolist())),
        "dispersion": None if rate is None or not np.isfinite(rate.dispersion) else rate.dispersion,
        "series_with_prior": int(informed.sum()),
        "new_part_rows": int((informed & run.new_series).sum()),
        "new_part_rows_stocked": int((informed & run.new_series & (plan.decision == 0 if stocked is None
                                                                    else stocked)).sum()),
    }


def _demand_args(run: Inputs, rule: np.ndarray) -> dict[str, Any]:
    """What the lead-time demand model reads of every series (:func:`spareopt.backtest.lead_time_demand`)."""
    kind, target = targets(run.cfg, rule)
    keys = run.matrix.keys
    return {
        "keys": series_keys(keys["dealer"].cat.categories if run.dealer is not None else None, run.dealer,
                            keys["part"].cat.categories, run.part_code),
        "lead_time_days": run.per_series("lead_time_days", np.float64),
        "order_cycle_days": run.per_series("order_cycle_days", np.float64), "target": target, "kind": kind,
        "unit_cost": run.per_series("unit_cost", np.float64), "attribute": run.per_series("attribute", "<U1"),
        "cfg": run.cfg,
    }


def monthly_variance(demand: np.ndarray) -> np.ndarray:
    """Sample variance (n - 1) of each series' monthly demand, zeros included; 0 for a single month.

    The dispersion of the demand model: the variance of monthly demand, not of the
    forecast error (see the README, "Service-level policy").

    >>> monthly_variance(np.array([[1.0, 3.0, 2.0], [0.0, 0.0, 0.0]])).tolist()
    [1.0, 0.0]
    """
    n = demand.shape[1]
    out = np.zeros(len(demand))
    if n < 2:
        return out
    for start in range(0, len(demand), _VARIANCE_BLOCK):  # blocks of series: temporaries of a few MB
        block = slice(start, start + _VARIANCE_BLOCK)
        out[block] = demand[block].var(axis=1, ddof=1)
    return out


_VARIANCE_BLOCK = 1 << 16


def _volume_quantity(run: Inputs, hyq: np.ndarray) -> np.ndarray | None:
    """The half-year quantity rule 4 reads: the part's over the whole network (config ``low_volume_basis``
    ``network``, with dealers), else None (each series' own)."""
    if run.dealer is None or run.cfg.low_volume_basis != "network":
        return None
    network = run.network
    if network is not None and network.demand is not None and network.demand.part_half_year is not None:
        return network.demand.part_half_year[run.part_code]
    n_parts = len(run.matrix.keys["part"].cat.categories)
    return network_quantity(np.bincount(run.part_code, weights=hyq, minlength=n_parts))[run.part_code]


def targets(cfg: Config, rule: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The service target of every series: its class policy row's, else the config's default."""
    rows = [r.target or cfg.service_target for r in cfg.class_policy] + [cfg.service_target]
    kinds = np.array([TARGET_KINDS.index(kind) for kind, _ in rows], dtype=np.int8)
    values = np.array([value for _, value in rows], dtype=np.float64)
    return kinds[rule], values[rule]  # rule -1 (no row) takes the last: the default


def _high_value_cost(cfg: Config, master: PartsMaster | None, part_costs: np.ndarray) -> float:
    """Rule 2 threshold: the configured number, or a percentile of the master's unit costs."""
    percentile = cfg.high_value_percentile
    if percentile is None:
        return float(cfg.high_value_cost)
    costs = np.empty(0)
    if master is not None and "unit_cost" in master.frame:
        costs = master.frame["unit_cost"].to_numpy(dtype=np.float64)
    costs = costs[np.isfinite(costs)]
    if costs.size == 0:
        costs = part_costs[np.isfinite(part_costs)]
    return float(np.percentile(costs, percentile)) if costs.size else float("inf")


DEMAND_STAGES = ("sums", "backtest")
"""The network passes of the lead-time demand model on the stream and dask engines (:func:`demand_part`)."""


def demand_part(run: Inputs, stage: str) -> Any:
    """One dealer set's share of the network's lead-time demand inputs (the stream and dask engines).

    ``stage`` ``"sums"``: its :class:`spareopt.backtest.DemandSums` (the priors' sums); ``"backtest"``: its
    :func:`spareopt.backtest.backtest_sums`, with the network's priors set.  The engines add them over the
    dealer sets, so that every set plans with the model the local engine fits on the whole network.
    """
    attribute = run.per_series("attribute", "<U1")
    classes = classify_series(run)
    pattern = classes.pattern.code.astype(np.int64)
    if stage == "sums":
        sums = demand_sums(run.matrix.values, pattern, attribute, run.cfg,
                           new=None if run.new_part is None else run.new_series, base=_installed_base(run))
        n_parts = len(run.matrix.keys["part"].cat.categories)
        return dataclasses.replace(sums, part_half_year=np.bincount(
            run.part_code, weights=half_year_quantity(run.matrix.values), minlength=n_parts))
    return backtest_sums(run.matrix.values, inputs=run.network.demand, **_demand_args(run, classes.rule))


def plan_stock(inputs: Inputs, policy: str | None = None, *, classes: Classes | None = None,
               demand: DemandModel | None = None) -> Plan:
    """Decide every series of ``inputs``: decision, reason, priority, stock levels and implied service.

    ``policy`` (``seed`` or ``service-level``) overrides the config's.  ``classes``: the run's classes
    (:func:`spareopt.classify_series` of the same ``inputs``), and ``demand``: a plan's ``demand`` model, when
    already computed; each plan of the same inputs then reuses them instead of classifying and fitting (the
    lead-time demand model's backtest) again.  ``plan_stock(inputs).to_frame()`` is ``spareopt.must_stock(inputs)``;
    the method is :func:`spareopt.must_stock`'s (see its Notes).

    Examples
    --------
    >>> import pandas as pd
    >>> from spareopt.inputs import load
    >>> sales = pd.DataFrame({"part": ["oil filter"] * 6, "period": pd.period_range("2024-01", periods=6, freq="M"),
    ...                       "quantity": [20, 22, 18, 25, 21, 24]})
    >>> plan = plan_stock(load(sales, config={"defaults": {"lead_time_days": 5}}))
    >>> plan.reorder_point.tolist(), plan.max_stock.tolist()
    ([49], [54])
    """
    instance("inputs", inputs, Inputs, "a spareopt.Inputs", hint=INPUTS_FIX)
    if classes is not None:
        instance("classes", classes, Classes, "a spareopt.Classes",
                 hint="Pass spareopt.classify_series of the same inputs, or leave it out")
    if demand is not None:
        instance("demand", demand, DemandModel, "a plan's demand model (spareopt.Plan.demand)",
                 hint="Pass the demand of a plan of the same inputs, or leave it out")
    if classes is not None and len(classes.rule) != len(inputs.matrix.values):
        raise UsageError(f"classes has {len(classes.rule):,} series and the inputs {len(inputs.matrix.values):,}; "
                         "pass spareopt.classify_series of the same inputs")
    if demand is not None and len(demand.forecast) != len(inputs.matrix.values):
        raise UsageError(f"demand has {len(demand.forecast):,} series and the inputs {len(inputs.matrix.values):,}; "
                         "pass the demand of a plan of the same inputs")
    return decide(inputs, policy, classes=classes, demand=demand)


def plan_table(run: Inputs, policy: str | None = None, *, free_matrix: bool = False, months: bool = False,
               plan: Plan | None = None) -> Result:
    """The must-stock list of ``run`` under ``policy`` (or its ``plan``, already decided); ``free_matrix``: drop the
    months once they are summed into the plan, before the table is built (the peak of memory; ``run`` is the job's
    own copy); ``months``: keep the monthly demand of the rows a report page lists (``Result.months``)."""
    plan = decide(run, policy) if plan is None else plan
    kept = None
    if months:
        kept = run.matrix
    if free_matrix:
        run.matrix = dataclasses.replace(run.matrix, values=np.empty((len(run.matrix.values), 0)), lines=None)
    return _plan_frame(run, plan, kept)


def _plan_frame(run: Inputs, plan: Plan, months: DemandMatrix | None = None) -> Result:
    matrix, cfg, fields = run.matrix, run.cfg, run.fields
    keys = matrix.keys
    part_code, dealer = run.part_code, run.dealer
    part_names = keys["part"].cat.categories
    decision, reason, rule, priority, cost = plan.decision, plan.reason, plan.classes.rule, plan.priority, plan.cost

    # rows are in (dealer, part) order: a stable sort on (dealer, decision, priority) keeps part order in ties
    rank = np.zeros(len(decision), dtype=np.int64) if dealer is None else dealer.astype(np.int64) * len(DECISIONS)
    rank = (rank + decision) * (int(priority.max(initial=0)) + 1) + priority
    order = np.argsort(rank, kind="stable")
    out: dict[str, Any] = {}
    if dealer is not None:
        out["dealer"] = text_column(dealer[order], keys["dealer"].cat.categories)
    out["part"] = text_column(part_code[order], part_names)
    if "description" in fields:
        out["description"] = text_column(part_code[order], fields["description"].to_numpy(dtype=object))
    reasons = list(PLAN_REASONS)
    no_target = plan.target is None
    out.update({
        "abc_class": text_column(np.searchsorted(ATTRIBUTES, plan.classes.abc_class[order]), ATTRIBUTES),
        "attribute": text_column(np.searchsorted(ATTRIBUTES, plan.attribute[order]), ATTRIBUTES),
        "class_code": text_column(plan.classes.code[order], all_class_codes(cfg.cycle_band_edges)),
        "pattern": text_column(plan.classes.pattern.code[order], PATTERNS),
        "unit_cost": cost[order],
        "half_year_quantity": plan.half_year_quantity[order],
        "mad": plan.mad[order],
        "ssq": plan.ssq[order],
        "reorder_point": plan.reorder_point[order],
        "max_stock": plan.max_stock[order],
        **({"min_stock": plan.min_stock[order].astype(np.int64)} if has_min_stock(run) else {}),
        "forecast_method": text_column(plan.demand.method[order], plan.demand.methods),
        "forecast": plan.demand.forecast[order],
        "demand_model": text_column(plan.model[order], DEMAND_MODELS),
        "target_kind": text_column(np.full(len(order), len(TARGET_KINDS)) if no_target else plan.target_kind[order],
                             [*TARGET_KINDS, None]),
        "target": np.full(len(order), np.nan) if no_target else plan.target[order],
        "implied_csl": plan.implied_csl[order],
        "implied_fill_rate": plan.implied_fill_rate[order],
        "decision": text_column(decision[order], DECISIONS),
        "reason": text_column(reason[order], reasons),
        "policy_rule": text_column(np.where(rule < 0, len(cfg.class_policy), rule)[order],
                             [r.match for r in cfg.class_policy] + [None]),
        "priority": pd.arrays.IntegerArray(priority[order], priority[order] == 0),
    })
    table = pd.DataFrame(out)
    stocked = decision == 0
    counts = Counts(
        decisions=np.bincount(decision, minlength=len(DECISIONS)), reasons=np.bincount(reason, minlength=len(reasons)),
        dealers=len(keys["dealer"].cat.categories) if dealer is not None else None, parts=len(part_names),
        stock_value=float(np.nansum(plan.max_stock[stocked] * cost[stocked])) if np.isfinite(cost).any() else None,
    )
    report = run_report(run, plan.classes.basis, counts)
    report["high_value_cost"] = plan.high_value
    report["reasons"] = dict(zip(reasons, counts.reasons.tolist()))
    report["stocking"] = stocking_sums(plan.half_year_quantity, decision, reason, reasons, plan.ssq)
    if cfg.class_policy:
        used = np.bincount(rule[rule >= 0], minlength=len(cfg.class_policy))
        report["class_policy"] = {r.match: int(n) for r, n in zip(cfg.class_policy, used)}
    report["service"] = _service_report(cfg, plan, stocked, len(matrix.periods))
    report["min_stock"] = min_stock_report(run, plan) if has_min_stock(run) else None
    report["installed_base"] = installed_base_report(run, plan)
    if months is None:
        return Result(table, report)
    from .page import months_table, shown_rows  # the page's rows; the page module draws on the outputs'

    rows = shown_rows(dealer[order] if dealer is not None else np.zeros(len(order)))
    return Result(table, report, months=months_table(months.values, months.periods, rows, order[rows]))


def has_min_stock(run: Inputs) -> bool:
    """Whether the parts master has a ``min_stock`` column (the plan then shows and reports the floor)."""
    return run.master is not None and "min_stock" in run.master.frame


def min_stock_report(run: Inputs, plan: Plan) -> dict[str, Any]:
    """What the planner's floor did to a plan: the rows it stocked or raised, and the units and value it added.

    Counts and sums only (the engines add them over the dealer sets).
    """
    by_floor = plan.reason == PLAN_REASONS.index(MIN_STOCK_REASON)
    added = plan.floor_units
    cost = plan.cost
    return {
        "rows": int((plan.min_stock > 0).sum()),
        "rows_stocked_by_floor": int(by_floor.sum()),
        "rows_raised": int(plan.floor_raised.sum()),
        "new_part_rows": int((by_floor & run.new_series).sum()),
        "units_added": int(added.sum()),
        "stock_value_added": float(np.nansum(added * cost)),
        "units_added_without_unit_cost": int(added[np.isnan(cost)].sum()),
    }


def stocking_sums(half_year: np.ndarray, decision: np.ndarray, reason: np.ndarray,
                  reasons: Sequence[str], ssq: np.ndarray | None = None) -> dict[str, Any]:
    """The last half year's units by decision and by reason, and the dealer rows whose SSQ is above a year of their
    demand (``ssq > 2 x half_year_quantity``: a lead time in hours or weeks read as days?).  Sums: the engines
    add them over dealer sets."""
    over = 0 if ssq is None else int(np.count_nonzero((decision == 0) & (half_year > 0) & (ssq > 2 * half_year)))
    return {
        "half_year_quantity": dict(zip(DECISIONS, np.bincount(decision, weights=half_year,
                                                              minlength=len(DECISIONS)).tolist())),
        "by_reason": dict(zip(reasons, np.bincount(reason, weights=half_year, minlength=len(reasons)).tolist())),
        "rows_ssq_over_a_year": over,
    }


def _service_report(cfg: Config, plan: Plan, stocked: np.ndarray, months: int) -> dict[str, Any]:
    """Policy, demand model and the implied service of the dealer-stocked rows, for the run report."""
    demand = plan.demand
    expected = demand.forecast[stocked]
    total = float(expected.sum())
    return {
        "policy": plan.policy,
        "forecast_method": cfg.forecast_method,
        "forecast_methods": dict(zip(demand.methods, np.bincount(demand.method, minlength=len(demand.methods))
                                     .tolist())),
        "dispersion_window_months": min(cfg.dispersion_window_months, months),
        "lead_time_demand": cfg.lead_time_demand,
        "lead_time_demand_models": dict(zip(demand.models, np.bincount(demand.model, minlength=len(demand.models))
                                            .tolist())),
        "obsolescence": cfg.obsolescence,
        "declined_series": demand.declined,
        "backtest": None if demand.calibration is None else {
            "months": cfg.backtest_months,
            "obsolescence": _obsolescence_report(demand.calibration),
            "patterns": {row["pattern"]: {k: row[k] for k in ("model", "scale", "series", "promised_fill_rate",
                                                             "achieved_fill_rate")}
                         for row in demand.calibration.table[demand.calibration.table["chosen"]]
                         .to_dict("records")},
        },
        "demand_models": dict(zip(DEMAND_MODELS, np.bincount(plan.model[stocked], minlength=len(DEMAND_MODELS))
                                  .tolist())),
        "target": None if plan.target is None else f"{cfg.service_target[0]} {cfg.service_target[1]:g}",
        "implied_csl_mean": float(plan.implied_csl[stocked].mean()) if stocked.any() else None,
        "implied_fill_rate": float((plan.implied_fill_rate[stocked] * expected).sum() / total) if total > 0 else None,
    }


def _obsolescence_report(calibration: Calibration) -> dict[str, Any] | None:
    """Per pattern, the backtest's stopped series and the error of their forecasts with and without TSB's."""
    found = calibration.obsolescence
    if found is None:
        return None
    out: dict[str, Any] = {}
    for row in found.table.to_dict("records"):  # at most 2 rows a pattern
        entry = out.setdefault(row["pattern"], {"stopped": row["stopped"], "demand": row["demand"]})
        entry[f"error_{row['obsolescence']}"] = row["error"]
        if row["chosen"]:
            entry["chosen"] = row["obsolescence"]
    return out

