"""Prove a plan on real history: compute it on the training months, replay the held-out months.

read -> clean -> demand matrix -> **split at as_of -> plan each policy -> replay the holdout -> totals**

The seed claims its method "raises the fill rate".  :func:`evaluate` measures that
claim on the planner's own data: every policy is computed with ``as_of`` = the last
training month, then the next ``holdout_months`` months of real demand are replayed
against it (:func:`spareopt.replay.replay`), all series at once.

One topic, one module: the ``evaluate`` command (the split, each policy's plan, the replay, the totals).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .._sort import group_codes, rank_in_group, rank_within_groups
from ..calibration import calibration_summary, calibration_table
from ..classify.pattern import PATTERNS
from ..columns import text_column
from ..config import Config
from ..errors import ConfigError, InputError, UsageError
from ..figures import legend_below, money_axis, set_titles
from ..history import MAX_HISTORY_MONTHS, MIN_HISTORY_MONTHS, DemandMatrix, History
from ..inputs import STAGES, Counts, Inputs, Source, job_config, load, run_report
from ..io import new_figure
from ..lang import tr
from ..parts import ATTRIBUTES
from ..plan import PLAN_REASONS, TARGET_KINDS, Plan, decide, installed_base_report
from ..plan import demand_part as plan_demand_part
from ..policy.budget import Steps
from ..policy.floor import MIN_STOCK_REASON
from ..policy.rules import DECISIONS
from ..policy.seed import CEIL_TOLERANCE, DAYS_PER_MONTH
from ..policy.service import implied_service
from ..replay import replay, replay_echelons
from ..result import Result
from ..supersession import Supersessions
from ..timing import lead_time_months
from .optimize import FloorSteps, budget_steps, echelon_levels, optimized_levels

__all__ = [
    "EVALUATION_POLICIES",
    "SERIES_COLUMNS",
    "TOTALS_COLUMNS",
    "calibration_table",
    "evaluate",
    "format_totals",
    "plot_totals",
]

EVALUATION_POLICIES = ("seed", "traditional", "service-level", "current", "optimized", "two-echelon",
                       "two-echelon-dealers")
"""Policies :func:`evaluate` compares: the seed's SSQ plan, the seed's old practice (top parts by half-year
quantity, then value), the service-level policy, the master's own reorder point and maximum, the levels
that fill the most expected demand for the seed plan's investment (:func:`spareopt.optimize`), and for the
same investment the central warehouse + dealers plan of ``optimize --echelons 2`` (``two-echelon``) and the
same method's plan with every unit at the dealers (``two-echelon-dealers``), both replayed one for one
through the central warehouse (:func:`spareopt.replay.replay_echelons`)."""

ECHELON_POLICIES = ("two-echelon", "two-echelon-dealers")
"""The policies planned by METRIC and replayed through the central warehouse."""

SERIES_COLUMNS = (
    "policy", "dealer", "part", "abc_class", "pattern", "decision", "stocked", "reorder_point", "max_stock",
    "min_stock", "min_stock_only", "unit_cost", "lead_time_months", "target_kind", "target", "promised_fill_rate",
    "promised_csl", "expected_demand", "demand", "demand_above_history", "filled", "fill_rate", "hits", "hits_filled",
    "months_in_stock", "avg_on_hand", "avg_stock_value", "orders", "central_demand",
)
"""Columns of the per-series replay table (``dealer`` only when the history has one; ``min_stock`` and
``min_stock_only`` when the parts master has a ``min_stock``): the plan, what it promised (``target_kind`` ..
``expected_demand``) and what the holdout achieved (``demand`` ..)."""

TOTALS_COLUMNS = (
    "policy", "parts_stocked", "initial_investment", "avg_stock_value", "demand", "filled", "promised_fill_rate",
    "fill_rate", "hits", "hits_filled", "hit_fill_rate", "turns", "orders", "central_demand",
)
"""Columns of the per-policy totals (``totals`` of :func:`evaluate`'s result)."""


def evaluate(
    history: Source | History,
    parts: Source | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    holdout_months: int = 12,
    policies: Sequence[str] = ("seed",),
    budget: float | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Replay the held-out months of real history against each policy's plan.

    Parameters
    ----------
    history, parts, config, columns, encoding, sheet, progress
        As for :func:`spareopt.must_stock`.  The ``current`` policy reads the
        parts master's ``reorder_point`` and ``max_stock`` columns.
    as_of : ``YYYY-MM``, optional
        The last training month; default: the history's last month minus
        ``holdout_months``.  The ``holdout_months`` after it must be in the history.
    holdout_months : int
        H, the months replayed (default 12).
    policies : sequence of str
        Any of :data:`EVALUATION_POLICIES`, each once.
    budget : float, optional
        B, the stock value (sum of ``max_stock`` x ``unit_cost``, with the central
        warehouse's) the ``optimized`` and two-echelon policies spend; default: the seed
        plan's investment.  Needs one of them among the policies.

    Returns
    -------
    Result
        ``table``: one row per policy and series (dealer x part), columns :data:`SERIES_COLUMNS`;
        ``totals``: one row per policy (:data:`TOTALS_COLUMNS`); ``calibration``: the promised
        against achieved service by policy and class (:func:`spareopt.calibration.calibration_table`);
        ``report``: the run report.

    Raises
    ------
    InputError
        A holdout too long for the history (fewer than 6 training months left, or
        months after ``as_of`` missing), a ``current`` policy without the master's
        ``reorder_point`` and ``max_stock``, and every error of :func:`spareopt.must_stock`.
    ConfigError
        An unknown policy, a holdout that is not a whole number >= 1, a config key
        out of range (a service target outside (0, 1), an alpha outside (0, 1]), a
        negative or non-finite ``budget``, or a ``budget`` without ``optimized``.

    Notes
    -----
    The replay (:func:`spareopt.replay.replay`): on hand starts at ``max_stock``
    with nothing on order; each month serves the share of its demand that comes
    before an order due that month, receives it, serves the rest from on hand (what
    is short is lost), then reviews: when on hand + on order <= ``reorder_point``,
    it orders ``max_stock`` - (on hand + on order), rounded up to ``pack_size``,
    arriving ``lead_time_days`` / D months later, fractions kept (the timing model
    of :mod:`spareopt.timing`).
    Rows whose decision is ``none`` or ``central`` hold no dealer stock; their
    demand is ``central_demand``.

    Per policy: ``fill_rate`` = sum filled / sum demand; ``hit_fill_rate`` = months
    filled completely / months with demand; ``avg_stock_value`` = sum of average
    on hand x ``unit_cost``; ``turns`` = filled value per year / average stock value;
    ``parts_stocked`` = series holding dealer stock (``max_stock`` > 0);
    ``initial_investment`` = sum of ``max_stock`` x ``unit_cost`` over them.

    What each plan promised, per stocked series (NaN where the dealer holds no
    stock): ``promised_fill_rate`` and ``promised_csl``, the service its levels
    imply under the demand model (:func:`spareopt.policy.implied_service`; for
    ``optimized`` the optimiser's expected fill rate), and ``expected_demand`` =
    H x the monthly forecast.  Achieved: ``fill_rate`` and ``months_in_stock`` =
    H - (``hits`` - ``hits_filled``), the months whose demand was all filled.

    ``traditional`` is the seed's old practice: each dealer ranks its parts by the
    half-year quantity, then by its value, and stocks as many top parts as ``seed``
    stocks there, with the seed's reorder point and maximum.

    References
    ----------
    Haima after-sales parts case study (``shared/seed``): the claim that the method
    raises the fill rate (满足率), and the traditional half-year ranking it replaces.

    Examples
    --------
    Four units a month for a year, then 3, 0, 4, 1, 6: the seed's plan (MAD 4, SSQ 24.67,
    L/T 30 days) has reorder point 29 and maximum 30, so the shelf ends the months at
    27, 30, 26, 29, 24 units after 4 orders, and fills all 14 units:

    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": "P1", "period": pd.period_range("2023-01", periods=17, freq="M"),
    ...                       "quantity": [4] * 12 + [3, 0, 4, 1, 6]})
    >>> result = evaluate(sales, holdout_months=5, config={"defaults": {"lead_time_days": 30}})
    >>> row = result.table.iloc[0]
    >>> int(row["reorder_point"]), int(row["max_stock"]), float(row["avg_on_hand"]), int(row["orders"])
    (29, 30, 27.2, 4)
    >>> float(result.totals["fill_rate"].iloc[0])
    1.0
    """
    step = progress or (lambda stage: None)
    policies = check_policies(policies)
    months = _check_holdout(holdout_months)
    budget = check_budget(budget, policies)
    full, train, holdout = _training(history, parts, config, as_of, months, columns, encoding, supersessions, step, sheet=sheet)
    step(STAGES[3])
    frames, totals, notes, floor_notes = [], [], {}, {}
    with_floor = train.master is not None and "min_stock" in train.master.frame
    lead = train.per_series("lead_time_days", np.float64)
    lead_in_months = lead_time_months(lead)
    cycle = train.per_series("order_cycle_days", np.float64)
    pack = train.per_series("pack_size", np.int64)
    cost = train.per_series("unit_cost", np.float64)
    above = demand_above_history(train.matrix.values, holdout)
    seed = alone = None
    part_cost = train.fields["unit_cost"].to_numpy(dtype=np.float64)  # per part: the central warehouse's
    part_lead = train.fields["lead_time_days"].to_numpy(dtype=np.float64)
    floor = train.per_series("min_stock", np.float64)
    floor_reason = PLAN_REASONS.index(MIN_STOCK_REASON)
    shared: dict[str, Any] = {}  # the classes and the demand model (its backtest): computed once, for every plan

    def planned(policy: str) -> Plan:
        plan = decide(train, policy, **shared)
        shared.update(classes=plan.classes, demand=plan.demand)
        return plan

    for policy in policies:
        if seed is None and policy != "service-level":  # current's promise, too, is valued on its demand model
            seed = planned("seed")
        plan, fill = seed, None
        if policy == "seed":
            decision, rop, top = seed.decision, seed.reorder_point, seed.max_stock
            stocked = decision == 0
            floor_only = seed.reason == floor_reason
        elif policy == "traditional":  # its top parts, and the planner's floor
            decision, rop, top = seed.decision, seed.reorder_point, seed.max_stock
            ranked = _traditional(train, seed, cost)
            stocked = ranked | (floor > 0)
            floor_only = stocked & ~ranked
            decision = np.where(stocked, 0, np.where(decision == 0, 2, decision)).astype(np.int8)
        elif policy == "service-level":
            plan = planned("service-level")
            decision, rop, top = plan.decision, plan.reorder_point, plan.max_stock
            stocked = decision == 0
            floor_only = plan.reason == floor_reason
        elif policy == "optimized":  # the seed's investment, spent where it fills the most expected demand
            network = train.network
            if network is not None and network.budget is not None:  # the network's marginal analysis, done
                spend, spent, taken = network.budget
                levels = optimized_levels(train, seed, spend, taken=taken)
            else:
                spend = float(np.nansum(_investment(seed, cost))) if budget is None else budget
                levels = optimized_levels(train, seed, spend)
                spent = levels.spent
            rop, top, fill = levels.reorder_point, levels.max_stock, levels.fill
            stocked = top > 0
            floor_only = levels.floor_only
            decision = np.where(stocked, 0, 2).astype(np.int8)
            notes["optimized"] = {"budget": spend, "spent": spent,
                                  "budget_from": "seed_investment" if budget is None else "budget"}
            if (floor > 0).any():
                notes["optimized"]["min_stock_bought_first"] = levels.floor.cost
        elif policy in ECHELON_POLICIES:  # METRIC's plan for the same investment, replayed through the central warehouse
            if (floor > 0).any():
                raise ConfigError(f"two echelons do not take a planner's min_stock yet ({int((floor > 0).sum()):,} "
                                  f"rows have one); replay {policy} without the min_stock column, or optimized")
            spend = float(np.nansum(_investment(seed, cost))) if budget is None else budget
            if alone is None:
                alone = echelon_levels(train, seed, spend, central=False)
            levels = alone if policy == "two-echelon-dealers" else echelon_levels(train, seed, spend, alone=alone)
            top, fill = levels.dealer, levels.result.dealer_fill_rate
            rop = np.maximum(top - 1, 0.0)  # one for one: every unit sold is ordered again
            stocked = top > 0
            floor_only = np.zeros(len(top), dtype=bool)
            decision = np.where(stocked, 0, np.where(levels.central[train.part_code] > 0, 1, 2)).astype(np.int8)
            echelons = replay_echelons(holdout, train.part_code, top, levels.central,
                                       central_lead_months=lead_time_months(part_lead),
                                       transfer_months=train.cfg.transfer_days / DAYS_PER_MONTH)
            central_value = (np.nan_to_num(part_cost) * levels.central, np.nan_to_num(part_cost)
                             * echelons.central_avg_on_hand)
            notes[policy] = _echelon_note(levels, echelons, spend, cost, part_cost, train.cfg)
        else:  # the master's own levels, as the company runs them: no floor added
            rop, top, notes["current"] = _current(train)
            stocked = top > 0
            floor_only = np.zeros(len(top), dtype=bool)
            decision = np.where(stocked, 0, 2).astype(np.int8)
        promise = _promise(train, plan, policy, rop, top, stocked & (top > 0), months, fill)
        if policy in ECHELON_POLICIES:
            result = echelons.dealers
        else:
            result = replay(holdout, rop, top, lead_time_months=lead_in_months, pack_size=pack, stocked=stocked)
            central_value = None
        held = stocked & (top > 0)
        frames.append(_series_frame(train, policy, decision, held, rop, top, cost, lead_in_months,
                                    result, promise, months, above, (floor, held & floor_only) if with_floor else None))
        totals.append(policy_totals(policy, frames[-1], months, central_value))
        if with_floor:
            only = held & floor_only
            floor_notes[policy] = {"rows_only_for_min_stock": int(only.sum()),
                                   "demand": float(result.demand[only].sum()),
                                   "filled": float(result.filled[only].sum())}
    table = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    calibration = calibration_table(table, holdout_months=months)
    keys = train.matrix.keys
    report = run_report(train, None, Counts(None, None, len(keys["dealer"].cat.categories) if train.matrix.has_dealer
                                          else None, len(keys["part"].cat.categories), None))
    report["evaluation"] = {
        "train": f"{train.matrix.periods[0]}..{train.matrix.as_of}",
        "holdout": f"{full.matrix.periods[-months]}..{full.matrix.periods[-1]}",
        "holdout_months": months,
        "policies": list(policies),
        "lead_time_months": _whole_months(lead_in_months),
        "review_below_a_month": int((cycle < DAYS_PER_MONTH - CEIL_TOLERANCE).sum()),
        **notes,
    }
    if with_floor:
        report["evaluation"]["min_stock"] = floor_notes
    report["installed_base"] = installed_base_report(train, plan)
    report["evaluation"]["totals"] = {  # for the summary sheet of an XLSX output
        row["policy"]: {k: row[k] for k in TOTALS_SUMMARY} for row in totals}
    report["evaluation"]["calibration"] = calibration_summary(calibration)
    return Result(table, report, totals=pd.DataFrame(totals, columns=list(TOTALS_COLUMNS)), calibration=calibration)


TOTALS_SUMMARY = ("parts_stocked", "initial_investment", "avg_stock_value", "promised_fill_rate", "fill_rate",
                  "hit_fill_rate", "turns")
"""The totals a run report carries (the summary sheet of an XLSX output)."""


def _training(history: Source | History, parts: Source | None, config: Any, as_of: Any, months: int,
              columns: Mapping[str, str] | None, encoding: str | None, supersessions: Any,
              step: Callable[[str], None], *, sheet: str | None = None) -> tuple[Inputs, Inputs, np.ndarray]:
    """The whole run up to as_of + the holdout, its training run and the holdout demand."""
    end = None if as_of is None else pd.Period(str(as_of), freq="M") + months
    full = load(history, parts, job_config(history, config), end, columns=columns, encoding=encoding, sheet=sheet,
                supersessions=supersessions, holdout_months=months, progress=step)
    return (full, *split_holdout(full, months, as_of))


def _investment(seed: Any, cost: np.ndarray) -> np.ndarray:
    """max_stock x unit_cost of each series the seed stocks at the dealer: the ``optimized`` policy's budget is
    their sum (NaN costs left out)."""
    return (cost * seed.max_stock)[seed.decision == 0]


def optimized_steps(
    history: Source | History,
    parts: Source | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    holdout_months: int = 12,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
    **_: Any,
) -> tuple[np.ndarray, Steps, FloorSteps]:
    """The ``optimized`` policy's inputs on some dealers: the seed investment's terms, the budget steps and what
    the planner's floor buys first (:func:`spareopt.jobs.optimize.floor_steps`).

    The stream and dask engines run this on each dealer set, spend the network's budget on all the
    steps at once (:func:`spareopt.policy.budget.greedy_steps`), then run :func:`evaluate` with each
    set's taken steps: the local engine's levels, row for row.
    """
    months = _check_holdout(holdout_months)
    _, train, _ = _training(history, parts, config, as_of, months, columns, encoding, supersessions,
                            progress or (lambda stage: None))
    seed = decide(train, "seed")
    return (_investment(seed, train.per_series("unit_cost", np.float64)), *budget_steps(train, seed))


def demand_part(
    history: Source | History,
    parts: Source | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    stage: str,
    holdout_months: int = 12,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    supersessions: Source | Supersessions | None = None,
    **_: Any,
) -> Any:
    """:func:`spareopt.plan.demand_part` on the training months of :func:`evaluate` (the engines' network
    pass of the lead-time demand model)."""
    months = _check_holdout(holdout_months)
    _, train, _ = _training(history, parts, config, as_of, months, columns, encoding, supersessions,
                            lambda stage: None)
    return plan_demand_part(train, stage)


def _whole_months(months: np.ndarray) -> dict[int, int]:
    """Series per whole month of lead time, floor(ell): {0: series under a month, 1: one to two months, ...}."""
    whole, count = np.unique(np.floor(months + CEIL_TOLERANCE).astype(np.int64), return_counts=True)
    return {int(k): int(v) for k, v in zip(whole, count)}


def check_policies(policies: Sequence[str] | str) -> tuple[str, ...]:
    policies = (policies,) if isinstance(policies, str) else tuple(policies)
    if not policies:
        raise ConfigError(f"no policy to evaluate; give one or more of {', '.join(EVALUATION_POLICIES)}")
    unknown = [p for p in policies if p not in EVALUATION_POLICIES]
    if unknown:
        raise ConfigError(f"unknown policy {unknown[0]!r}; use one of {', '.join(EVALUATION_POLICIES)}")
    if len(set(policies)) < len(policies):
        raise ConfigError(f"policies must each be named once, got {', '.join(policies)}")
    return policies


def check_budget(budget: Any, policies: Sequence[str]) -> float | None:
    """The ``optimized`` policy's budget: None (the seed plan's investment) or a finite number >= 0."""
    if budget is None:
        return None
    if isinstance(budget, bool) or not isinstance(budget, (int, float, np.integer, np.floating)) or \
            not np.isfinite(budget) or budget < 0:
        raise ConfigError(f"budget must be a finite stock value >= 0 (sum of max_stock x unit_cost), got {budget!r}; "
                          "give e.g. --budget 50000, or leave it out to spend the seed plan's investment")
    if not {"optimized", *ECHELON_POLICIES} & set(policies):
        raise UsageError(f"budget is what the optimized and two-echelon policies spend, but the policies are "
                         f"{', '.join(policies)}; add optimized (--policy optimized) or leave the budget out")
    return float(budget)


def _check_holdout(holdout_months: Any) -> int:
    if isinstance(holdout_months, bool) or not isinstance(holdout_months, (int, np.integer, float)) or \
            not float(holdout_months).is_integer() or holdout_months < 1:
        raise ConfigError(f"holdout_months must be a whole number >= 1, got {holdout_months!r}")
    if holdout_months > MAX_HISTORY_MONTHS:
        raise ConfigError(f"holdout_months must be at most {MAX_HISTORY_MONTHS} (the longest history), got "
                          f"{holdout_months!r}")
    return int(holdout_months)


def split_holdout(run: Inputs, months: int, as_of: Any, option: str = "--holdout-months") -> tuple[Inputs, np.ndarray]:
    """The training run (months up to the last training month) and the holdout demand (series x H).

    ``option`` names the months in the messages (``--horizon-months`` for a last-buy backtest).
    """
    matrix = run.matrix
    last = pd.Period(run.history_report["last_period"], freq="M")
    source = run.history_report.get("source")
    if matrix.as_of > last:
        raise InputError(
            f"{source}: {option} {months} after as_of {as_of} needs history up to {matrix.as_of}, but it "
            f"ends at {last}; choose an earlier --as-of or fewer {option}"
        )
    train_months = len(matrix.periods) - months
    if train_months < MIN_HISTORY_MONTHS:
        raise InputError(
            f"{source}: the holdout is too long for the history: {len(matrix.periods)} month(s) "
            f"({matrix.periods[0]}..{matrix.as_of}) less {option} {months} leave {max(train_months, 0)} "
            f"training month(s); the seed's MAD needs at least {MIN_HISTORY_MONTHS}. Give fewer {option}"
        )
    values = np.ascontiguousarray(matrix.values[:, :train_months])
    lines = None if matrix.lines is None else np.ascontiguousarray(matrix.lines[:, :train_months])
    train = DemandMatrix(values, matrix.keys, matrix.periods[:train_months], matrix.negative_months,
                         matrix.rows_after_as_of, lines)
    return dataclasses.replace(run, matrix=train), matrix.values[:, train_months:]


def _traditional(run: Inputs, seed: Any, cost: np.ndarray) -> np.ndarray:
    """The seed's old practice: per dealer, the top parts by half-year quantity, then value, as many as the seed's
    rules stock (not counting the rows stocked only for the planner's min_stock)."""
    n = len(seed.decision)
    g = group_codes(run.dealer, n)
    hyq = seed.half_year_quantity
    value = hyq * np.nan_to_num(cost, nan=0.0)
    order = rank_within_groups(g, [hyq, value], run.part_code)
    rank = np.empty(n, dtype=np.int64)
    rank[order] = rank_in_group(g[order])
    by_rules = (seed.decision == 0) & (seed.reason != PLAN_REASONS.index(MIN_STOCK_REASON))
    quota = np.bincount(g, weights=by_rules, minlength=int(g.max(initial=-1)) + 1)
    return rank <= quota[g]


def _current(run: Inputs) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The master's own reorder point and maximum, per series; parts without them hold no stock (counted)."""
    master = run.master
    have = [] if master is None else [c for c in ("reorder_point", "max_stock") if c in master.frame]
    if len(have) < 2:
        what = "no parts master (--parts)" if master is None else (
            f"the parts master {master.report.get('source')} has no "
            + " and no ".join(c for c in ("reorder_point", "max_stock") if c not in have)
            + f" column (headers: {', '.join(map(repr, master.report.get('headers', [])))})")
        raise InputError(f"the current policy replays the reorder_point and max_stock that the parts master holds, "
                         f"but there is {what}; add those columns, or map them, e.g. "
                         "--column reorder_point=Min --column max_stock=Max")
    names = pd.Index(np.asarray(run.matrix.keys["part"].cat.categories, dtype=object), dtype=object)
    frame = master.frame.reindex(names)
    rop = frame["reorder_point"].to_numpy(dtype=np.float64)[run.part_code]
    top = frame["max_stock"].to_numpy(dtype=np.float64)[run.part_code]
    missing = np.isnan(rop) | np.isnan(top)
    below = ~missing & (top < rop)
    note = {"series_without_current_levels": int(missing.sum()), "series_max_below_reorder_point": int(below.sum())}
    return np.where(missing, 0.0, rop), np.where(missing, 0.0, top), note


@dataclasses.dataclass(frozen=True)
class _Promise:
    """What one policy's plan promised for every series (NaN where the dealer holds no stock)."""

    plan: Plan  # the plan whose demand model (and classes) values the levels
    target_kind: np.ndarray  # int8 into TARGET_KINDS, len(TARGET_KINDS) = none (every policy but service-level)
    target: np.ndarray
    fill_rate: np.ndarray
    csl: np.ndarray
    expected_demand: np.ndarray  # units over the holdout: H x the monthly forecast


def _promise(run: Inputs, plan: Plan, policy: str, rop: np.ndarray, top: np.ndarray, stocked: np.ndarray,
             months: int, fill: np.ndarray | None = None) -> _Promise:
    """The fill rate and CSL that ``policy``'s levels imply under ``plan``'s demand model, and its targets.

    seed, traditional (the seed's levels) and service-level: the plan's own implied service; optimized:
    the optimiser's expected fill rate (``fill``) and the CSL of its levels; the two-echelon policies:
    METRIC's fill rate (``fill``), no CSL; current: the service the master's levels imply (s and S taken
    down to whole units; NaN where S < s, no (s, S) plan).
    """
    n = len(rop)
    if policy in ("seed", "traditional", "service-level"):
        csl, implied = plan.implied_csl, plan.implied_fill_rate
    elif policy in ECHELON_POLICIES:  # METRIC's fill rate; a one-for-one shelf has no review to give a CSL
        csl, implied = np.full(n, np.nan), fill
    else:
        s, big_s = np.floor(rop + CEIL_TOLERANCE), np.floor(top + CEIL_TOLERANCE)
        valid = big_s >= s
        cfg = run.cfg
        service = implied_service(np.where(valid, s, 0.0), np.where(valid, big_s, 0.0), plan.demand.forecast,
                                  plan.demand.variance, run.per_series("lead_time_days", np.float64),
                                  run.per_series("order_cycle_days", np.float64),
                                  normal_min_mean=cfg.normal_min_mean, overdispersion_min=cfg.overdispersion_min)
        csl = np.where(valid, service.implied_csl, np.nan)
        implied = np.where(valid, service.implied_fill_rate, np.nan) if fill is None else fill
    has_target = policy == "service-level" and plan.target is not None
    return _Promise(
        plan,
        plan.target_kind if has_target else np.full(n, len(TARGET_KINDS), dtype=np.int8),
        plan.target if has_target else np.full(n, np.nan),
        np.where(stocked, implied, np.nan),
        np.where(stocked, csl, np.nan),
        plan.demand.forecast * months,
    )


def _echelon_note(levels: Any, echelons: Any, spend: float, cost: np.ndarray, part_cost: np.ndarray,
                  cfg: Config) -> dict[str, Any]:
    """What a two-echelon policy's report says: its budget and central stock, and METRIC's wait against the
    replay's."""
    rate = levels.rate
    demand = echelons.dealers.demand
    waited = np.nansum(echelons.wait_days * demand)
    central_cost = np.nan_to_num(part_cost)
    return {
        "budget": spend, "objective": cfg.objective, "transfer_days": cfg.transfer_days,
        "spent": float(np.nansum(cost * levels.dealer) + (central_cost * levels.central).sum()),
        "central_stock_value": float((central_cost * levels.central).sum()),
        "central_parts": int((levels.central > 0).sum()),
        "promised_wait_days": float(levels.result.dealer_backorders.sum() / rate.sum()) if rate.sum() > 0 else None,
        "wait_days": float(waited / demand.sum()) if demand.sum() > 0 else None,
    }


def demand_above_history(train: np.ndarray, holdout: np.ndarray) -> np.ndarray:
    """Per series, the holdout units above the largest month of its training history: sum_t (d_t - max k)+.

    No demand model built on the history can promise those units at a high service: they are what a planner
    reads when a target is missed for a reason of the data (a maintenance withdrawal larger than any before).

    >>> demand_above_history(np.array([[1.0, 3.0, 0.0]]), np.array([[5.0, 2.0, 4.0]])).tolist()
    [3.0]
    """
    peak = train.max(axis=1, initial=0.0) if train.shape[1] else np.zeros(len(train))
    return np.maximum(holdout - peak[:, None], 0.0).sum(axis=1)


def _series_frame(run: Inputs, policy: str, decision: np.ndarray, stocked: np.ndarray, rop: np.ndarray,
                  top: np.ndarray, cost: np.ndarray, lead: np.ndarray, result: Any, promise: _Promise,
                  months: int, above: np.ndarray, floor: tuple[np.ndarray, np.ndarray] | None = None) -> pd.DataFrame:
    """``floor``: the planner's min_stock of every row, and the rows held only for it (their columns)."""
    keys = run.matrix.keys
    plan = promise.plan
    out: dict[str, Any] = {"policy": text_column(np.zeros(len(decision), np.int8), [policy])}
    if run.dealer is not None:
        out["dealer"] = text_column(run.dealer, keys["dealer"].cat.categories)
    out["part"] = text_column(run.part_code, keys["part"].cat.categories)
    out.update({
        "abc_class": text_column(np.searchsorted(ATTRIBUTES, plan.classes.abc_class), ATTRIBUTES),
        "pattern": text_column(plan.classes.pattern.code, PATTERNS),
        "decision": text_column(decision, DECISIONS),
        "stocked": stocked,
        "reorder_point": rop,
        "max_stock": top,
        **({} if floor is None else {"min_stock": floor[0].astype(np.int64), "min_stock_only": floor[1]}),
        "unit_cost": cost,
        "lead_time_months": lead,
        "target_kind": text_column(promise.target_kind, [*TARGET_KINDS, None]),
        "target": promise.target,
        "promised_fill_rate": promise.fill_rate,
        "promised_csl": promise.csl,
        "expected_demand": promise.expected_demand,
        "demand": result.demand,
        "demand_above_history": above,
        "filled": result.filled,
        "fill_rate": result.fill_rate,
        "hits": result.hits,
        "hits_filled": result.hits_filled,
        "months_in_stock": months - (result.hits - result.hits_filled),
        "avg_on_hand": result.avg_on_hand,
        "avg_stock_value": result.avg_on_hand * cost,
        "orders": result.orders,
        "central_demand": result.central_demand,
    })
    return pd.DataFrame(out)


def policy_totals(policy: str, frame: pd.DataFrame, months: int,
            central: tuple[np.ndarray, np.ndarray] | None = None) -> dict[str, Any]:
    """One policy's totals over every series; ``central``: the central warehouse's stock value per part, at the
    start and on average over the holdout (the two-echelon policies), counted in the investment and the stock."""
    cost = frame["unit_cost"].to_numpy()
    stocked = frame["stocked"].to_numpy()
    known = bool(np.isfinite(cost).any())
    demand, filled = float(frame["demand"].sum()), float(frame["filled"].sum())
    promised = frame["promised_fill_rate"].to_numpy(dtype=np.float64)
    expected = frame["expected_demand"].to_numpy(dtype=np.float64)
    promised_rows = stocked & np.isfinite(promised) & np.isfinite(expected)
    weight = float(expected[promised_rows].sum())
    promised_fill = float((promised[promised_rows] * expected[promised_rows]).sum()) / weight if weight > 0 else np.nan
    hits, hits_filled = int(frame["hits"].sum()), int(frame["hits_filled"].sum())
    start, held = (0.0, 0.0) if central is None else (float(central[0].sum()), float(central[1].sum()))
    stock_value = float(np.nansum(frame["avg_stock_value"].to_numpy())) + held if known else np.nan
    filled_value = float(np.nansum(frame["filled"].to_numpy() * cost)) * 12 / months if known else np.nan
    return {
        "policy": policy,
        "parts_stocked": int(stocked.sum()),
        "initial_investment": float(np.nansum(frame["max_stock"].to_numpy()[stocked] * cost[stocked])) + start
        if known else np.nan,
        "avg_stock_value": stock_value,
        "demand": demand,
        "filled": filled,
        "promised_fill_rate": promised_fill,
        "fill_rate": filled / demand if demand > 0 else np.nan,
        "hits": hits,
        "hits_filled": hits_filled,
        "hit_fill_rate": hits_filled / hits if hits > 0 else np.nan,
        "turns": filled_value / stock_value if known and stock_value > 0 else np.nan,
        "orders": int(frame["orders"].sum()),
        "central_demand": float(frame["central_demand"].sum()),
    }


def plot_totals(totals: pd.DataFrame, *, title: str | None = None, caption: str | None = None,
                currency: str | None = None, lang: str | None = None) -> Any:
    """Fill rate against average stock value, one labelled point per policy (a matplotlib Figure).

    ``caption`` (the run: :func:`spareopt.figures.figure_context`) goes under the title, ``currency`` on the
    money axis; the legend sits under the axes.  Needs matplotlib (``pip install 'spareopt[plot]'``).

    Raises
    ------
    ConfigError
        matplotlib is not installed.
    """
    fig = new_figure(figsize=(7.5, 5.6), layout="constrained")
    ax = fig.add_subplot()
    x = totals["avg_stock_value"].to_numpy(dtype=np.float64)
    y = totals["fill_rate"].to_numpy(dtype=np.float64) * 100
    markers = "osD^vP*X"
    for i, (name, n) in enumerate(zip(totals["policy"], totals["parts_stocked"])):
        # a legend, not labels on the points: policies that coincide (seed and traditional often do) stay readable
        ax.scatter(x[i], y[i], s=90 - 12 * i, marker=markers[i % len(markers)], zorder=3 + i,
                   label=f"{name}: {y[i]:.1f} % {tr('filled', lang)}, {tr('stock value', lang)} {x[i]:,.0f}, {n:,} "
                         f"{tr('stocked', lang)}")
    money_axis(ax.xaxis, tr("average stock value over the holdout", lang) + (
        "" if np.isfinite(x).any() else " " + tr("(no unit cost known)", lang)), currency)
    ax.set_ylabel(tr("fill rate: % of units filled from the shelf", lang))
    ax.set_ylim(0, 100)
    ax.set_xlim(left=0)
    set_titles(fig, ax, title or tr("Fill rate against stock value, by policy", lang), caption)
    ax.grid(True, alpha=0.3)
    legend_below(fig, ax, columns=1)
    return fig


def format_totals(totals: pd.DataFrame) -> str:
    """The per-policy totals as an aligned text table for a terminal (rates in %, values rounded).

    ``promised_fill_%`` is what the plan's levels promise on the stocked series, ``fill_rate_%``
    what the holdout achieved on every series.

    >>> print(format_totals(pd.DataFrame([{"policy": "seed", "parts_stocked": 3, "initial_investment": 1200.0,
    ...     "avg_stock_value": 800.0, "demand": 100.0, "filled": 90.0, "promised_fill_rate": 0.95, "fill_rate": 0.9,
    ...     "hits": 10, "hits_filled": 8, "hit_fill_rate": 0.8, "turns": 1.5, "orders": 4, "central_demand": 0.0}])))
    policy  parts_stocked initial_investment avg_stock_value promised_fill_% fill_rate_% hit_fill_rate_% turns demand filled  orders central_demand
      seed              3              1,200             800            95.0        90.0            80.0  1.50    100     90       4              0
    """
    out = pd.DataFrame({
        "policy": totals["policy"],
        "parts_stocked": totals["parts_stocked"],
        "initial_investment": totals["initial_investment"].round(0),
        "avg_stock_value": totals["avg_stock_value"].round(0),
        "promised_fill_%": (totals["promised_fill_rate"] * 100).round(1),
        "fill_rate_%": (totals["fill_rate"] * 100).round(1),
        "hit_fill_rate_%": (totals["hit_fill_rate"] * 100).round(1),
        "turns": totals["turns"].round(2),
        "demand": totals["demand"].round(0),
        "filled": totals["filled"].round(0),
        "orders": totals["orders"],
        "central_demand": totals["central_demand"].round(0),
    })
    formats = {"parts_stocked": "{:,}".format, "orders": "{:,}".format, "initial_investment": "{:,.0f}".format, "avg_stock_value": "{:,.0f}".format,
               "promised_fill_%": "{:.1f}".format, "fill_rate_%": "{:.1f}".format,
               "hit_fill_rate_%": "{:.1f}".format, "turns": "{:.2f}".format,
               "demand": "{:,.0f}".format, "filled": "{:,.0f}".format, "central_demand": "{:,.0f}".format}
    return out.to_string(index=False, formatters=formats, na_rep="-")
