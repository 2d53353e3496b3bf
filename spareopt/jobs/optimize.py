"""The best must-stock list for a budget: where the network's stock should sit so that most demand is filled.

read -> clean -> demand matrix -> the demand model of every dealer x part (forecast, variance, model
over L/T + O/C) -> **every row's fill-rate curve -> marginal analysis under the budget -> levels,
expected fill, and the stock-to-service curve with the seed and current plans on it**

The seed's rules decide *whether* a part is stocked, one rule at a time.  A parts director asks
how much demand ¥X of stock can fill straight from a shelf; :func:`optimize` answers it for every
budget at once (:mod:`spareopt.policy.budget`).

One topic, one module: the ``optimize`` command (curves, the budget's marginal analysis, its
report and plot; the kernels are in :mod:`spareopt.policy.budget` and :mod:`spareopt.policy.metric`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..columns import text_column
from ..config import Config
from ..errors import ConfigError, InfeasibleError, InputError, UsageError, format_examples
from ..figures import legend_below, money_axis, set_titles
from ..history import History
from ..inputs import STAGES, Counts, Inputs, Source, job_config, load, run_report
from ..io import new_figure
from ..lang import Text, tr
from ..parts import PartsMaster
from ..plan import Plan, decide, installed_base_report, targets
from ..policy.budget import (
    Steps,
    curve_points,
    efficient_curve,
    greedy_steps,
    integer_steps,
    pool_steps,
    service_steps,
    step_order,
)
from ..policy.class_policy import ClassPolicyRule
from ..policy.floor import min_stock_levels
from ..policy.metric import MetricPlan, metric_backorders, metric_curves, metric_dealer_stock
from ..policy.seed import DAYS_PER_MONTH
from ..policy.service import (
    implied_service,
    lead_demand,
    model_codes,
    plan_fill_rate,
    protection_arrays,
    reorder_point_for,
    review_quantity,
)
from ..result import Result
from ..supersession import Supersessions

__all__ = ["BUDGET_SCOPES", "CURVE_COLUMNS", "OPTIMIZE_COLUMNS", "EchelonLevels", "FloorSteps", "budget_curve", "check_budget", "check_floor_budget",
           "curve_table", "demand_dispersion", "echelon_levels", "floor_steps", "optimize", "optimized_levels", "plot_curve"]

OPTIMIZE_COLUMNS = (
    "dealer", "part", "description", "stock_level", "reorder_point", "unit_cost", "stock_value", "expected_demand",
    "expected_filled", "expected_fill_rate", "location",
)
"""Columns of :func:`optimize` (``dealer`` and ``description`` only when known)."""

CURVE_COLUMNS = ("stock_value", "expected_fill_rate")
"""Columns of the stock-to-service curve (``curve`` of :func:`optimize`'s result)."""

BUDGET_SCOPES = ("network", "dealer")
"""What ``budget`` caps: the network's stock value, or each dealer's."""


@dataclass(frozen=True)
class _Levels:
    """The optimised plan of every series, in the matrix's order."""

    reorder_point: np.ndarray  # int64; 0 where not stocked
    max_stock: np.ndarray  # int64 S = s + Q; 0 where not stocked
    fill: np.ndarray  # expected fill rate of each row
    demand: np.ndarray  # units a year
    cost: np.ndarray
    steps: Steps
    taken: np.ndarray
    spent: float
    no_cost: int
    order: np.ndarray | None  # rows with demand and no unit_cost: left unstocked
    floor: FloorSteps  # what the planner's min_stock bought first
    floor_only: np.ndarray  # bool, rows stocked only for the floor (no step of their own bought)


@dataclass(frozen=True)
class FloorSteps:
    """What a planner's ``min_stock`` buys first out of a budget (:func:`floor_steps`)."""

    forced: np.ndarray
    """bool per step: the steps up to the floor's reorder point m - 1."""
    units: np.ndarray
    """int64 per series: the floor's units beyond its steps (all m of a row without steps)."""
    outside: np.ndarray
    """float per series: what those units cost (a unit without a unit_cost counts 0)."""
    row_cost: np.ndarray
    """float per series: what the forced steps and those units cost."""

    @property
    def cost(self) -> float:
        """The floor's whole cost (an exact sum: the same in any order of the series)."""
        return math.fsum(self.row_cost)

    @property
    def outside_cost(self) -> float:
        """The cost of its units beyond the steps (an exact sum)."""
        return math.fsum(self.outside)


def floor_steps(steps: Steps, quantity: np.ndarray, min_stock: np.ndarray, unit_cost: np.ndarray) -> FloorSteps:
    r"""The steps and units a planner's floor m takes before the marginal analysis spends the rest.

    Parameters
    ----------
    steps : Steps
        Every row's steps (:func:`spareopt.policy.budget.service_steps`).
    quantity : ndarray, shape (n,)
        Q of every row: a step to reorder point s gives S = s + Q.
    min_stock : ndarray, shape (n,)
        m of every row, 0 = no floor.
    unit_cost : ndarray, shape (n,)
        NaN: unknown (its units are held, and count 0 in the budget).

    Returns
    -------
    FloorSteps

    Notes
    -----
    The floor needs s >= m - 1 and S >= m (:func:`spareopt.policy.min_stock_levels`).  A row's steps
    reach s = m - 1 through every step whose level before it is below m - 1 (the first step from
    "not stocked" included): those are forced.  Where the steps end lower (a row without demand
    has none), the floor's units beyond S_f (the forced steps' S, 0 without any) are bought as they
    are: max(m - S_f, 0) units at ``unit_cost``.

    Examples
    --------
    A row of Poisson demand 1 a month with a floor of 3: the steps to s = 0, 2 are forced (s = 2 = m - 1,
    S = 3); a row without demand and a floor of 2 takes its 2 units outside the steps:

    >>> from spareopt.policy.budget import service_steps
    >>> steps = service_steps([12.0, 0.0], [2.0, 0.0], [2.0, 0.0], [0, 0], [1, 0], [1.0, 0.0], [1.0, 0.0],
    ...                       [1.0, 0.0], [1.0, 5.0])
    >>> floor = floor_steps(steps, np.array([1, 0]), np.array([3.0, 2.0]), np.array([1.0, 5.0]))
    >>> steps.level[floor.forced].tolist(), floor.units.tolist(), floor.row_cost.tolist()
    ([0, 2], [0, 2], [3.0, 10.0])
    """
    m = np.nan_to_num(np.asarray(min_stock, dtype=np.float64)).astype(np.int64)
    n = len(m)
    before = np.where(steps.first, -1, np.r_[-1, steps.level[:-1]])  # the row's level before each step
    forced = (m[steps.row] > 0) & (before < m[steps.row] - 1)
    s = np.full(n, -1, dtype=np.int64)
    np.maximum.at(s, steps.row[forced], steps.level[forced])
    top = np.where(s >= 0, s + np.asarray(quantity).astype(np.int64), 0)
    units = np.where(m > 0, np.maximum(m - top, 0), 0)
    outside = np.nan_to_num(np.asarray(unit_cost, dtype=np.float64) * units)
    row_cost = np.bincount(steps.row[forced], weights=steps.cost[forced], minlength=n) + outside
    return FloorSteps(forced, units, outside, row_cost)


def check_floor_budget(budget: float, row_cost: np.ndarray, names: np.ndarray | None = None,
                       group: np.ndarray | None = None, group_names: Any = None) -> None:
    """Raise :class:`InfeasibleError` when the planner's floor costs more than the budget (of some group).

    ``names``: the part of every row, for the message; ``group``: the dealer of every row (a budget per dealer).
    """
    g = np.zeros(len(row_cost), dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)
    need = np.bincount(g, weights=row_cost, minlength=int(g.max(initial=0)) + 1)
    over = np.flatnonzero(need > budget * (1 + 1e-12) + 1e-9)
    if not over.size:
        return
    worst = over[np.argmax(need[over])]
    rows = np.flatnonzero((g == worst) & (row_cost > 0))
    rows = rows[np.argsort(-row_cost[rows], kind="stable")]
    examples = [f"{names[r]!r} {row_cost[r]:,.2f}" for r in rows[:5]] if names is not None else []
    where = "" if group is None else f" at dealer {group_names[worst]!r}"
    raise InfeasibleError(f"the budget {budget:,.2f} cannot cover the planner's min_stock{where}: it costs "
                          f"{need[worst]:,.2f} over {len(rows):,} row(s)"
                          + (f" (first: {format_examples(examples, len(rows))})" if examples else "")
                          + ". Raise the budget, or lower the min_stock of those parts in the parts master")


def optimize(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    budget: float,
    budget_per: str = "network",
    class_minimums: bool = False,
    max_volume: float | None = None,
    echelons: int = 1,
    transfer_days: float | None = None,
    objective: str | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    months: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Result:
    r"""The stock level of every dealer x part that fills the most expected demand for a budget.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, sheet, supersessions, progress
        As for :func:`spareopt.must_stock`.  The demand model is the service-level policy's
        (config ``forecast_method``, ``dispersion_window_months``, ``normal_min_mean``,
        ``overdispersion_min``).
    budget : float
        Cap on sum ``unit_cost`` x ``stock_level`` (>= 0).
    budget_per : {"network", "dealer"}
        Whether ``budget`` caps the network's stock value or each dealer's.
    class_minimums : bool
        Rows whose class policy row (``[[class_policy]]``) gives a ``service_level`` or
        ``fill_rate`` get at least the level that meets it, whatever it costs; rows whose row
        says ``decision = "none"`` or ``"central"`` get no dealer stock.
    max_volume : float, optional
        Cap on sum ``unit_volume`` x ``stock_level`` (master column ``unit_volume``): the shelf.
        With it, the levels come from an integer programme (pulp) instead of the greedy.
    echelons : {1, 2}
        2: the central transit warehouse and the dealers, optimised jointly under one network
        budget (Sherbrooke's METRIC, :mod:`spareopt.policy.metric`); one extra row per part has
        ``location`` = ``central``.
    transfer_days : float, optional
        Two echelons: days from the central warehouse to a dealer (config ``transfer_days``, 2).
    objective : {"fill", "backorders"}, optional
        Two echelons: what the plan minimises (config ``objective``, ``fill``).  ``fill``: the
        demand missed at the dealers' shelves, so the highest expected fill rate, the measure of one
        echelon; central stock is bought where it raises the dealers' fill.  ``backorders``: the
        dealers' expected backorders (Sherbrooke's measure), the fewest units waiting, which at a
        small budget can put every unit at the central warehouse and fill nothing from a shelf.
    months : bool
        Keep the monthly demand of the rows a report page lists (``Result.months``, :mod:`spareopt.page`).

    Returns
    -------
    Result
        ``table``: one row per dealer x part, columns :data:`OPTIMIZE_COLUMNS`, sorted by dealer,
        then stock value (largest first), then part; ``curve``: the stock-to-service curve
        (:data:`CURVE_COLUMNS`); ``markers``: the seed, current (when the master has
        ``reorder_point`` and ``max_stock``) and optimised plans on it (``policy``, ``stock_value``,
        ``expected_fill_rate``); ``report``: the run report.  With two echelons, ``comparison``
        (the plans compared) and ``echelon_curves`` (both plans' curves) in place of the curve and
        markers.

    Raises
    ------
    InfeasibleError
        The class minimums cost more than the budget (the message names the parts and the cost).
    InputError
        No ``unit_volume`` where ``max_volume`` needs it.  (Rows without ``unit_cost`` have no
        place in a budget: they are left unstocked and counted in the report.)
    ConfigError
        A negative budget, an unknown ``budget_per``.

    Notes
    -----
    Every row runs an (R, s, S) plan with S = s + Q, Q = ceil(mu_R) (the service-level policy's).
    Its expected fill rate at reorder point s is the policy's implied fill rate
    (:func:`spareopt.policy.implied_service`), fill(s) = mu_R / (mu_R + short(s)) with the shortage
    per review short(s) = mean over k = s + 1..S of E[(X - k)+] - E[(X_L - k)+], X the demand of
    L/T + O/C and X_L of L/T alone; the expected units filled a year are D fill(s), D = 12 x the
    monthly forecast.  Marginal analysis (:func:`spareopt.policy.budget.greedy_steps`) maximises
    sum D fill(s) subject to sum unit_cost x S <= budget; ``stock_level`` is S, 0 for a row left
    unstocked, and ``location`` is ``dealer``.  The curve's points are the efficient points of the
    same sorted steps: the best expected fill rate for each investment.

    References
    ----------
    Sherbrooke, C. C. (2004), *Optimal Inventory Modeling of Systems*, 2nd ed., chapter 2;
    Fox (1966), "Discrete optimization via marginal analysis".

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["P"] * 12 + ["Q"] * 12,
    ...                       "period": list(pd.period_range("2024-01", periods=12, freq="M").astype(str)) * 2,
    ...                       "quantity": [2] * 12 + [1, 0] * 6})
    >>> parts = pd.DataFrame({"part": ["P", "Q"], "unit_cost": [10.0, 10.0]})
    >>> table = optimize(sales, parts, budget=60.0).table
    >>> bool(table["stock_value"].sum() <= 60.0), sorted(table["part"])
    (True, ['P', 'Q'])
    """
    step = progress or (lambda stage: None)
    check_budget(budget, budget_per, max_volume)
    if echelons not in (1, 2):
        raise ConfigError(f"echelons must be 1 (dealers) or 2 (central transit warehouse + dealers); got {echelons!r}")
    if echelons == 2 and (budget_per != "network" or max_volume is not None or class_minimums):
        raise UsageError("two echelons take one network budget, without max_volume or class minimums")
    cfg = job_config(history, config, transfer_days=transfer_days, objective=objective)
    if echelons == 1 and cfg.objective != "fill":
        raise UsageError(f"objective {cfg.objective} is for two echelons (echelons = 2); one echelon maximises the "
                          "expected fill rate")
    run = load(history, parts, cfg, as_of, columns=columns, encoding=encoding, sheet=sheet, supersessions=supersessions,
               progress=step)
    step(STAGES[3])
    plan = decide(run, "seed")
    if echelons == 2:
        if (plan.min_stock > 0).any():
            raise ConfigError(f"two echelons do not take a planner's min_stock yet ({int((plan.min_stock > 0).sum()):,} "
                              "rows have one); optimise the dealers alone (echelons = 1), which buys the floor first, "
                              "or drop the min_stock column")
        return _two_echelons(run, plan, float(budget))
    levels = optimized_levels(run, plan, budget, budget_per=budget_per, class_minimums=class_minimums,
                              max_volume=max_volume)
    table, order = _table(run, levels)
    keys = run.matrix.keys
    report = run_report(run, plan.classes.basis, Counts(None, None, len(keys["dealer"].cat.categories) if run.dealer is not None
                                              else None, len(keys["part"].cat.categories), None))
    curve, markers, report["optimize"] = budget_curve(run, plan, levels, budget, budget_per=budget_per,
                                                      max_volume=max_volume, class_minimums=class_minimums)
    report["installed_base"] = installed_base_report(run, plan, levels.max_stock > 0)
    if not months:
        return Result(table, report, curve=curve, markers=markers)
    from ..page import months_table, shown_rows

    rows = shown_rows(table["dealer"].to_numpy(dtype=object) if "dealer" in table else np.zeros(len(table)))
    return Result(table, report, curve=curve, markers=markers,
                  months=months_table(run.matrix.values, run.matrix.periods, rows, order[rows]))


def budget_curve(run: Inputs, plan: Plan, levels: _Levels, budget: float, *, budget_per: str = "network",
                 max_volume: float | None = None,
                 class_minimums: bool = False) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """The stock-to-service curve of optimised ``levels`` (:data:`CURVE_COLUMNS` and ``rows_stocked``, the rows
    stocked at each point), the seed, current and optimised plans on it, and the report's ``optimize`` section."""
    total = float(levels.demand.sum())
    steps = levels.steps if max_volume is None else pool_steps(levels.steps)  # pulp took from every level
    value, fill, rows = curve_points(steps, total, order=levels.order)
    markers = _markers(run, plan, levels)
    report = {
        "budget": float(budget), "budget_per": budget_per, "spent": levels.spent,
        "method": "pulp" if max_volume is not None else "greedy", "max_volume": max_volume,
        "class_minimums": class_minimums, "rows_stocked": int((levels.max_stock > 0).sum()),
        "expected_fill_rate": float((levels.fill * levels.demand).sum() / total) if total > 0 else None,
        "expected_demand": total, "steps": len(levels.steps), "rows_without_unit_cost": levels.no_cost,
        "min_stock": _floor_report(plan, levels) if (plan.min_stock > 0).any() else None,
        "markers": {row["policy"]: (row["stock_value"], row["expected_fill_rate"]) for _, row in markers.iterrows()},
    }
    return pd.DataFrame({"stock_value": value, "expected_fill_rate": fill, "rows_stocked": rows}), markers, report


def _floor_report(plan: Plan, levels: _Levels) -> dict[str, Any]:
    """The planner's floor in an optimised plan: bought first, out of the budget."""
    floor = levels.floor
    return {"rows": int((plan.min_stock > 0).sum()), "rows_stocked_by_floor": int(levels.floor_only.sum()),
            "stock_value": floor.cost, "units_without_unit_cost": int(floor.units[np.isnan(levels.cost)].sum())}


def check_budget(budget: Any, budget_per: str = "network", max_volume: Any = None) -> None:
    """A budget, its scope and a shelf volume, checked (a :class:`ConfigError` names the bad one)."""
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or not 0 <= budget < np.inf:
        raise ConfigError(f"budget must be a finite number >= 0 (the stock value to spend); got {budget!r}")
    if budget_per not in BUDGET_SCOPES:
        raise ConfigError(f"budget_per must be one of {', '.join(BUDGET_SCOPES)}; got {budget_per!r}")
    if max_volume is not None and not (isinstance(max_volume, (int, float)) and 0 <= max_volume < np.inf):
        raise ConfigError(f"max_volume must be a finite number >= 0; got {max_volume!r}")
    if max_volume is not None and budget_per == "dealer":
        raise ConfigError("max_volume works with a network budget only (budget_per = network)")


@dataclass(frozen=True)
class _Ladder:
    """Every series' (R, s, S) demand model and its steps of stock, before a budget is spent on them."""

    steps: Steps
    mu: np.ndarray  # demand over L + R
    var: np.ndarray
    code: np.ndarray  # demand model
    quantity: np.ndarray  # Q
    lead_mean: np.ndarray  # demand over L alone
    lead_var: np.ndarray
    review_mean: np.ndarray  # mu_R, demand over R
    demand: np.ndarray  # units a year
    cost: np.ndarray  # unit cost (NaN: unknown, no steps)
    excluded: np.ndarray  # rows without steps: no unit cost, or kept off the shelf by the class policy


def _ladder(run: Inputs, plan: Plan, class_minimums: bool = False, pooled: bool = True) -> _Ladder:
    f, v = plan.demand.forecast, plan.demand.variance
    lead = run.per_series("lead_time_days", np.float64)
    mu, var, mu_r, _ = protection_arrays(f, v, lead, run.per_series("order_cycle_days", np.float64))
    code = model_codes(mu, var, run.cfg.normal_min_mean, run.cfg.overdispersion_min)
    quantity = review_quantity(f, mu_r).astype(np.float64)
    mu_l, var_l = lead_demand(f, v, lead)
    demand = 12.0 * f
    cost = run.per_series("unit_cost", np.float64)
    excluded = np.isnan(cost)  # no price, no place in a budget: left unstocked, and counted
    if class_minimums:
        excluded |= _excluded_by_class(run.cfg.class_policy, plan.classes.rule)
    steps = service_steps(np.where(excluded, 0.0, demand), mu, var, code, quantity, mu_l, var_l, mu_r,
                          np.nan_to_num(cost), pooled=pooled)
    return _Ladder(steps, mu, var, code, quantity, mu_l, var_l, mu_r, demand, cost, excluded)


def budget_steps(run: Inputs, plan: Plan) -> tuple[Steps, FloorSteps]:
    """The steps of every series of ``run`` that :func:`optimized_levels` spends a network budget on
    (``row``: the series), before the marginal analysis, and what the planner's floor buys first of them."""
    ladder = _ladder(run, plan)
    return ladder.steps, floor_steps(ladder.steps, ladder.quantity, plan.min_stock, ladder.cost)


def optimized_levels(run: Inputs, plan: Plan, budget: float, *, budget_per: str = "network",
                     class_minimums: bool = False, max_volume: float | None = None,
                     taken: np.ndarray | None = None) -> _Levels:
    """The optimised (s, S) of every series of ``run`` for ``budget`` (shared with ``evaluate``'s ``optimized``).

    ``taken``: the steps (:func:`budget_steps`) a network budget took, when the marginal analysis ran on the
    whole network's steps elsewhere (the stream and dask engines); then only the levels are computed here.

    A planner's ``min_stock`` is bought first (:func:`floor_steps`): its steps are forced and its units beyond
    them come off the budget, then the marginal analysis spends what is left; the levels are raised to the
    floor at the end (:func:`spareopt.policy.min_stock_levels`).
    """
    ladder = _ladder(run, plan, class_minimums, pooled=max_volume is None or taken is not None)  # pulp: every level
    steps, cost, quantity = ladder.steps, ladder.cost, ladder.quantity
    m = plan.min_stock
    floor = floor_steps(steps, quantity, m, cost)
    forced = None
    group = run.dealer if budget_per == "dealer" and run.dealer is not None else None
    reserved = None
    if taken is None and (m > 0).any():
        names = np.asarray(run.matrix.keys["part"].cat.categories, dtype=object)[run.part_code]
        check_floor_budget(budget, floor.row_cost, names, group,
                           None if group is None else run.matrix.keys["dealer"].cat.categories)
        reserved = floor.outside_cost if group is None else np.bincount(
            group, weights=floor.outside, minlength=int(group.max(initial=0)) + 1)
    if class_minimums:
        f, v = plan.demand.forecast, plan.demand.variance
        floor_rop = _class_floor(run, plan, f, v, run.per_series("lead_time_days", np.float64),
                                 run.per_series("order_cycle_days", np.float64), ladder.excluded)
        forced = (floor_rop[steps.row] >= 0) & (steps.first | (steps.level <= floor_rop[steps.row]))
        _check_minimums(run, steps, forced | floor.forced, budget, group, reserved)
    order = None
    if taken is not None:
        taken = np.asarray(taken, dtype=bool)
    elif max_volume is not None:
        volume = _unit_volume(run, ladder.demand)
        before = np.r_[-1, steps.level[:-1]]  # the level before the step (a pooled step holds several units)
        units = np.where(steps.first, quantity[steps.row] + steps.level, steps.level - before)
        spare = 0.0 if reserved is None else float(np.sum(reserved))
        capacities = [(steps.cost, float(budget) - spare),
                      (volume[steps.row] * units, float(max_volume) - float((volume * floor.units).sum()))]
        taken = integer_steps(steps, capacities, forced=floor.forced if floor.forced.any() else None)
        if forced is not None and not taken[forced].all():
            raise InfeasibleError("the class minimums do not fit the shelf (max_volume) together with the budget")
    else:
        order = step_order(steps)
        must = floor.forced if forced is None else forced | floor.forced
        taken = greedy_steps(steps, float(budget), group=group, forced=must if must.any() else None, order=order,
                             reserved=reserved)
    s = np.full(len(cost), -1, dtype=np.int64)
    np.maximum.at(s, steps.row[taken], steps.level[taken])
    stocked = s >= 0
    top = np.where(stocked, s + quantity.astype(np.int64), 0)
    rop, top = min_stock_levels(np.maximum(s, 0), top, m)
    held = stocked | (m > 0)
    fill = np.where(held, plan_fill_rate(rop.astype(np.float64), quantity, ladder.mu, ladder.var, ladder.code,
                                     ladder.lead_mean, ladder.lead_var, ladder.review_mean), 0.0)
    demand = ladder.demand
    fill = np.where(demand > 0, fill, 0.0)
    own = np.zeros(len(cost), dtype=bool)  # rows that bought a step beyond the floor's
    own[steps.row[taken & ~floor.forced]] = True
    spent = float(steps.cost[taken].sum()) + floor.outside_cost
    return _Levels(rop, top, fill, demand, cost, steps, taken, spent, int((np.isnan(cost) & (demand > 0)).sum()),
                   order, floor, (m > 0) & ~own)


def _excluded_by_class(rules: tuple[ClassPolicyRule, ...], rule: np.ndarray) -> np.ndarray:
    """Rows whose class policy row keeps them off the dealer's shelf (decision none or central)."""
    off = np.array([r.decision in ("none", "central") for r in rules] + [False], dtype=bool)
    return off[rule]


def _class_floor(run: Inputs, plan: Plan, f: np.ndarray, v: np.ndarray, lead: np.ndarray, cycle: np.ndarray,
                 excluded: np.ndarray) -> np.ndarray:
    """The smallest reorder point that meets the row's class target; -1 for rows without one."""
    cfg = run.cfg
    floor = np.full(len(f), -1, dtype=np.int64)
    has = np.array([r.target is not None for r in cfg.class_policy] + [False], dtype=bool)[plan.classes.rule] & ~excluded
    has &= f > 0
    if has.any():
        kind, target = targets(cfg, plan.classes.rule)
        for k, name in enumerate(("csl", "fill_rate")):
            rows = np.flatnonzero(has & (kind == k))
            if rows.size:
                floor[rows] = reorder_point_for(target[rows], f[rows], v[rows], lead[rows], cycle[rows], kind=name,
                                                normal_min_mean=cfg.normal_min_mean,
                                                overdispersion_min=cfg.overdispersion_min).reorder_point
    return floor


def _check_minimums(run: Inputs, steps: Steps, forced: np.ndarray, budget: float, group: np.ndarray | None,
                    reserved: Any = None) -> None:
    """The class minimums (and a planner's floor: its forced steps, and ``reserved``, its cost outside the steps per
    group) must fit the budget."""
    g = np.zeros(len(steps), dtype=np.int64) if group is None else np.asarray(group, dtype=np.int64)[steps.row]
    size = max(int(g.max(initial=0)), 0 if group is None else int(np.max(group, initial=0))) + 1
    need = np.bincount(g[forced], weights=steps.cost[forced], minlength=size)
    if reserved is not None:
        need = need + np.resize(np.asarray(reserved, dtype=np.float64), size)
    over = np.flatnonzero(need > budget * (1 + 1e-12) + 1e-9)
    if not over.size:
        return
    worst = over[np.argmax(need[over])]
    rows = steps.row[forced & (g == worst)]
    per_row = pd.Series(steps.cost[forced & (g == worst)]).groupby(rows).sum().sort_values(ascending=False)
    names = np.asarray(run.matrix.keys["part"].cat.categories, dtype=object)[run.part_code[per_row.index]]
    examples = [f"{p!r} {c:,.2f}" for p, c in zip(names[:5], per_row.to_numpy()[:5])]
    where = "" if group is None else f" at dealer {run.matrix.keys['dealer'].cat.categories[worst]!r}"
    also = "" if reserved is None else " with the planner's min_stock"
    raise InfeasibleError(f"the budget {budget:,.2f} cannot meet the class minimums{also}{where}: they cost "
                          f"{need[worst]:,.2f} over {len(per_row):,} row(s) (first: "
                          f"{format_examples(examples, len(per_row))}). Raise the budget, or lower the class "
                          "policy's service targets")


def _unit_volume(run: Inputs, demand: np.ndarray) -> np.ndarray:
    master = run.master
    names = pd.Index(np.asarray(run.matrix.keys["part"].cat.categories, dtype=object), dtype=object)
    volume = np.full(len(names), np.nan)
    if master is not None and "unit_volume" in master.frame:
        volume = master.frame["unit_volume"].reindex(names).to_numpy(dtype=np.float64)
    per = volume[run.part_code]
    missing = np.isnan(per) & (demand > 0)
    if missing.any():
        parts = pd.unique(np.asarray(names, dtype=object)[run.part_code[missing]])
        raise InputError(f"max_volume needs the unit_volume of every part with demand; {len(parts):,} part(s) have "
                         f"none (first: {format_examples([repr(p) for p in parts[:5]], len(parts))}). Fix: add "
                         "unit_volume to the parts master")
    return np.nan_to_num(per)


def _table(run: Inputs, levels: _Levels) -> tuple[pd.DataFrame, np.ndarray]:
    """The optimised table, and the series of each of its rows."""
    keys = run.matrix.keys
    value = levels.cost * levels.max_stock
    group = run.dealer if run.dealer is not None else np.zeros(len(value), dtype=np.int64)
    order = np.lexsort((run.part_code, -np.nan_to_num(value), group))
    out: dict[str, Any] = {}
    if run.dealer is not None:
        out["dealer"] = text_column(run.dealer[order], keys["dealer"].cat.categories)
    out["part"] = text_column(run.part_code[order], keys["part"].cat.categories)
    if "description" in run.fields:
        out["description"] = text_column(run.part_code[order], run.fields["description"].to_numpy(dtype=object))
    out.update({
        "stock_level": levels.max_stock[order], "reorder_point": levels.reorder_point[order],
        "unit_cost": levels.cost[order], "stock_value": np.nan_to_num(value)[order],
        "expected_demand": levels.demand[order], "expected_filled": (levels.demand * levels.fill)[order],
        "expected_fill_rate": np.where(levels.demand > 0, levels.fill, np.nan)[order],
        "location": text_column(np.zeros(len(order), dtype=np.int8), ["dealer"]),
    })
    return pd.DataFrame(out), order


def _markers(run: Inputs, plan: Plan, levels: _Levels) -> pd.DataFrame:
    """The seed, current and optimised plans' stock value and expected fill rate, on the curve's axes."""
    cfg = run.cfg
    total = float(levels.demand.sum())
    cost = np.nan_to_num(levels.cost)
    lead = run.per_series("lead_time_days", np.float64)
    cycle = run.per_series("order_cycle_days", np.float64)
    rows = [("optimized", levels.spent, float((levels.fill * levels.demand).sum() / total) if total else np.nan)]
    stocked = plan.decision == 0
    rows.append(("seed", float((cost * plan.max_stock)[stocked].sum()),
                 float((plan.implied_fill_rate * levels.demand)[stocked].sum() / total) if total else np.nan))
    master = run.master
    if master is not None and {"reorder_point", "max_stock"} <= set(master.frame.columns):
        names = pd.Index(np.asarray(run.matrix.keys["part"].cat.categories, dtype=object), dtype=object)
        frame = master.frame.reindex(names)
        rop = np.nan_to_num(frame["reorder_point"].to_numpy(dtype=np.float64))[run.part_code]
        top = np.nan_to_num(frame["max_stock"].to_numpy(dtype=np.float64))[run.part_code]
        top = np.maximum(np.ceil(top), np.ceil(rop))
        service = implied_service(np.ceil(rop), top, plan.demand.forecast, plan.demand.variance, lead, cycle,
                                  normal_min_mean=cfg.normal_min_mean, overdispersion_min=cfg.overdispersion_min)
        held = top > 0
        rows.append(("current", float((cost * top)[held].sum()),
                     float((service.implied_fill_rate * levels.demand)[held].sum() / total) if total else np.nan))
    return pd.DataFrame(rows, columns=["policy", "stock_value", "expected_fill_rate"])


def curve_table(result: Result) -> pd.DataFrame:
    """What ``--curve FILE`` writes: the curve's points (``plan`` = efficient) and the plans on it; with two
    echelons, the comparison of plans."""
    if result.comparison is not None:
        return result.comparison
    markers = result.markers.rename(columns={"policy": "plan"})
    points = pd.concat([result.curve.assign(plan="efficient"), markers], ignore_index=True)
    return points[["plan", "stock_value", "expected_fill_rate"]]


def plot_curve(result: Result, *, title: str | None = None, caption: str | None = None,
               currency: str | None = None, lang: str | None = None) -> Any:
    """The stock-to-service curve with the seed, current and optimised plans marked (a matplotlib Figure).

    With two echelons: the expected fill rate at the dealers (objective ``fill``) or the expected
    backorders (``backorders``) against the stock value, of the two-echelon plans and of the plans with
    all stock at the dealers, with the comparison's three plans marked.
    """
    if result.echelon_curves is not None:
        return _plot_echelons(result, title, caption, currency, lang)
    curve, markers = result.curve, result.markers
    fig = new_figure(figsize=(7.5, 5.6), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(curve["stock_value"], curve["expected_fill_rate"] * 100, color="tab:blue",
            label=tr("best for each budget", lang))
    for (_, row), marker in zip(markers.iterrows(), "o^sD"):
        ax.plot(row["stock_value"], row["expected_fill_rate"] * 100, marker, markersize=8,
                label=f"{row['policy']}: {row['expected_fill_rate']:.1%} at {row['stock_value']:,.0f}")
    reach = curve["expected_fill_rate"].to_numpy()
    value = curve["stock_value"].to_numpy()
    knee = value[np.argmax(reach >= 0.99 * reach.max())] if len(reach) and reach.max() > 0 else value.max(initial=1)
    ax.set_xlim(0, max(knee, 1.5 * float(markers["stock_value"].max()), 1.0))  # the tail only adds decimals
    money_axis(ax.xaxis, tr("stock value", lang), currency)
    ax.set_ylabel(tr("expected unit fill rate (%)", lang))
    set_titles(fig, ax, title or tr("stock-to-service curve", lang), caption)
    ax.grid(alpha=0.3)
    legend_below(fig, ax)
    return fig


def _plot_echelons(result: Result, title: str | None, caption: str | None, currency: str | None,
                   lang: str | None) -> Any:
    curves, comparison = result.echelon_curves, result.comparison
    fill = "expected_fill_rate" in curves
    fig = new_figure(figsize=(7.5, 5.8), layout="constrained")
    ax = fig.add_subplot()
    for name, color in (("two echelons", "tab:blue"), ("all stock at dealers", "tab:orange")):
        curve = curves[curves["plan"] == name]
        y = curve["expected_fill_rate"] * 100 if fill else curve["expected_backorders"]
        ax.plot(curve["stock_value"], y, color=color, label=f"{tr(name, lang)}: {tr('best for each budget', lang)}")
    for (_, row), marker in zip(comparison.iterrows(), "o^s"):
        label = (f"{row['plan']}: fill {row['expected_fill_rate']:.1%}, wait {row['expected_wait_days']:,.1f} days"
                 if fill else f"{row['plan']}: {row['expected_backorders']:,.2f} backorders")
        ax.plot(row["stock_value"], row["expected_fill_rate"] * 100 if fill else row["expected_backorders"], marker,
                markersize=8, label=f"{label} at {row['stock_value']:,.0f}")
    ax.set_xlim(0, max(2.0 * float(comparison["stock_value"].max()), 1.0))  # the tail only adds decimals
    ax.set_ylim(bottom=0)
    money_axis(ax.xaxis, tr("stock value", lang), currency)
    ax.set_ylabel(tr("expected unit fill rate at the dealers (%)" if fill else "expected dealer backorders", lang))
    set_titles(fig, ax, title or tr("two echelons: stock-to-service curves" if fill else
                                     "two echelons: stock-to-backorders curves", lang), caption)
    ax.grid(alpha=0.3)
    legend_below(fig, ax, columns=1)
    return fig


# -- two echelons ------------------------------------------------------------------------------------

METRIC_COLUMNS = (
    "dealer", "part", "description", "location", "stock_level", "unit_cost", "stock_value", "expected_demand",
    "expected_backorders", "expected_fill_rate",
)
"""Columns of :func:`optimize` with two echelons: a ``central`` row per part, then its dealer rows."""


@dataclass(frozen=True, eq=False)
class EchelonLevels:
    """A two-echelon plan for a budget (:func:`echelon_levels`)."""

    central: np.ndarray
    """S_0 per part."""
    dealer: np.ndarray
    """S_j per dealer row (the run's series)."""
    rate: np.ndarray
    """lambda_j per dealer row, units a day (0 for rows without unit_cost: they take no stock)."""
    dispersion: np.ndarray
    """r_j per dealer row, the variance-to-mean ratio of its demand model (:func:`demand_dispersion`)."""
    result: MetricPlan
    """What METRIC expects of the plan: the dealers' fill rates and backorders."""
    curve: pd.DataFrame
    """The network's curve along the envelopes' steps (:func:`_metric_plan`)."""
    steps: int
    """Steps of the envelopes."""


def echelon_levels(run: Inputs, plan: Plan, budget: float, *, central: bool = True,
                   alone: EchelonLevels | None = None) -> EchelonLevels:
    """The central and dealer stock for a network budget by the config's ``objective`` (Sherbrooke's method on
    METRIC, :func:`spareopt.policy.metric.metric_curves`); ``central`` False: S_0 = 0 (the dealers alone).

    With ``central``, the plan is never worse by its objective than the dealers-alone plan of the same budget
    (``alone``, when at hand already): a budget between two efficient points of a part's envelope can leave the
    network short of it, and then that plan, S_0 = 0 everywhere, is returned.
    """
    cfg = run.cfg
    n_parts = len(run.matrix.keys["part"].cat.categories)
    part = run.part_code.astype(np.int64)
    cost_part = run.fields["unit_cost"].to_numpy(dtype=np.float64)
    rate = np.where(np.isnan(cost_part[part]), 0.0, plan.demand.forecast / DAYS_PER_MONTH)  # units a day
    lead = run.fields["lead_time_days"].to_numpy(dtype=np.float64)
    ratio = demand_dispersion(plan.demand.forecast, plan.demand.variance)
    args = (part, rate, lead, cfg.transfer_days, np.nan_to_num(cost_part), budget, ratio)
    s0, dealer, steps, curve = _metric_plan(*args, central=central, objective=cfg.objective)
    result = metric_backorders(part, rate, dealer, s0, lead, cfg.transfer_days, ratio)
    if central:
        alone = echelon_levels(run, plan, budget, central=False) if alone is None else alone
        if _objective(alone.result, rate, cfg.objective) < _objective(result, rate, cfg.objective):
            s0, dealer, result = np.zeros(n_parts), alone.dealer, alone.result
    return EchelonLevels(s0, dealer, rate, ratio, result, curve, steps)


def _two_echelons(run: Inputs, plan: Plan, budget: float) -> Result:
    """Central warehouse + dealers under one budget, by the config's ``objective`` (METRIC, Sherbrooke's method)."""
    cfg = run.cfg
    keys = run.matrix.keys
    n_parts = len(keys["part"].cat.categories)
    part = run.part_code.astype(np.int64)
    cost_part = run.fields["unit_cost"].to_numpy(dtype=np.float64)
    lead = run.fields["lead_time_days"].to_numpy(dtype=np.float64)
    c = np.nan_to_num(cost_part)
    alone = echelon_levels(run, plan, budget, central=False)
    ours = echelon_levels(run, plan, budget, alone=alone)
    central, dealer, result, rate = ours.central, ours.dealer, ours.result, ours.rate
    # the comparisons: the same budget with every unit at the dealers, and the seed's own plan
    seed_stock = np.where(plan.decision == 0, plan.max_stock, 0).astype(np.float64)
    seed = metric_backorders(part, rate, seed_stock, np.zeros(n_parts), lead, cfg.transfer_days, ours.dispersion)
    demand = rate * 365.25
    plans = (result, alone.result, seed)
    comparison = pd.DataFrame({
        "plan": ["two echelons (optimized)", "all stock at dealers (optimized)", "seed rules"],
        "stock_value": [float((c * central).sum() + (c[part] * dealer).sum()), float((c[part] * alone.dealer).sum()),
                        float((c[part] * seed_stock).sum())],
        "central_stock_value": [float((c * central).sum()), 0.0, 0.0],
        "expected_backorders": [float(r.dealer_backorders.sum()) for r in plans],
        "expected_fill_rate": [_weighted(r.dealer_fill_rate, demand) for r in plans],
        # Little's law: the mean wait of a unit of demand, backorders / demand rate (0 when met from the shelf)
        "expected_wait_days": [float(r.dealer_backorders.sum() / rate.sum()) if rate.sum() > 0 else float("nan")
                               for r in plans],
    })
    table = _metric_table(run, part, central, dealer, result, c, demand)
    curves = pd.concat([ours.curve.assign(plan="two echelons"), alone.curve.assign(plan="all stock at dealers")],
                       ignore_index=True)
    report = run_report(run, plan.classes.basis, Counts(None, None, len(keys["dealer"].cat.categories) if run.dealer is not None
                                              else None, n_parts, None))
    report["optimize"] = {
        "budget": budget, "budget_per": "network", "spent": float(comparison["stock_value"].iloc[0]),
        "method": Text("METRIC (Sherbrooke's convex envelope over central levels), objective {objective}",
                       objective=cfg.objective),
        "echelons": 2, "objective": cfg.objective, "transfer_days": cfg.transfer_days,
        "rows_stocked": int((dealer > 0).sum()), "central_parts": int((central > 0).sum()),
        "expected_fill_rate": comparison["expected_fill_rate"].iloc[0], "expected_demand": float(demand.sum()),
        "steps": ours.steps, "rows_without_unit_cost": int(np.isnan(cost_part[part]).sum()),
        "comparison": comparison.to_dict("records"), "markers": {},
    }
    return Result(table, report, curve=pd.DataFrame(columns=list(CURVE_COLUMNS)),
                  markers=pd.DataFrame(columns=["policy", "stock_value", "expected_fill_rate"]), comparison=comparison,
                  echelon_curves=curves)


def _objective(plan: MetricPlan, rate: np.ndarray, objective: str) -> float:
    """What the two-echelon plan minimises: the dealers' backorders, or their demand a day missed at the shelf."""
    if objective == "backorders":
        return float(plan.dealer_backorders.sum())
    return float((rate * (1.0 - plan.dealer_fill_rate)).sum())


def demand_dispersion(forecast: np.ndarray, variance: np.ndarray) -> np.ndarray:
    """r = variance / forecast of each series' monthly demand model, at least 1 (1: Poisson; 1 without demand).

    The two-echelon plans keep it over every pipeline (:func:`spareopt.policy.metric.metric_backorders`): lumpy
    demand needs more stock than Poisson's for the same fill, as the one-echelon policy's negative binomial.

    >>> demand_dispersion(np.array([2.0, 2.0, 0.0]), np.array([1.0, 6.0, 0.0])).tolist()
    [1.0, 3.0, 1.0]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(forecast > 0, variance / forecast, 1.0)
    return np.where(np.isfinite(ratio), np.maximum(ratio, 1.0), 1.0)


def _metric_plan(part: np.ndarray, rate: np.ndarray, lead: np.ndarray, transfer: float, cost: np.ndarray,
                 budget: float, dispersion: np.ndarray, *, central: bool,
                 objective: str) -> tuple[np.ndarray, np.ndarray, int, pd.DataFrame]:
    """The central and dealer stock that marginal analysis on the parts' METRIC envelopes buys with the budget,
    and the network's curve along the envelopes' steps: stock value against the expected backorders
    (objective ``backorders``) or the expected fill rate (``fill``)."""
    curves = metric_curves(part, rate, lead, transfer, cost, central=central, objective=objective,
                           dispersion=dispersion)
    order = step_order(curves.steps)
    taken = greedy_steps(curves.steps, budget, order=order)
    start = float(curves.point_value[curves.point_units == 0].sum())  # no stock anywhere
    value, gained = efficient_curve(curves.steps, 1.0, order=order)
    left = np.maximum(start - gained, 0.0)
    if objective == "fill":
        demand = float(rate.sum())
        curve = pd.DataFrame({"stock_value": value, "expected_fill_rate": 1.0 - left / demand if demand > 0 else left})
    else:
        curve = pd.DataFrame({"stock_value": value, "expected_backorders": left})
    n_parts = len(lead)
    # each part's plan is the point of its last step taken (a part's steps are taken as a prefix)
    point = np.full(n_parts, -1)
    np.maximum.at(point, curves.steps.row[taken], curves.step_point[taken])
    has = point >= 0
    s0 = np.zeros(n_parts)
    units = np.zeros(n_parts, dtype=np.int64)
    s0[has] = curves.point_central[point[has]]
    units[has] = curves.point_units[point[has]]
    dealer = metric_dealer_stock(part, rate, lead, transfer, s0, units, objective=objective, dispersion=dispersion,
                                 limit=curves.dealer_units)
    return s0, dealer, len(curves.steps), curve


def _weighted(rate: np.ndarray, weight: np.ndarray) -> float:
    total = float(weight.sum())
    return float((rate * weight).sum() / total) if total > 0 else float("nan")


def _metric_table(run: Inputs, part: np.ndarray, central: np.ndarray, dealer: np.ndarray, result: MetricPlan,
                  cost: np.ndarray, demand: np.ndarray) -> pd.DataFrame:
    keys = run.matrix.keys
    n_parts = len(central)
    part_names = keys["part"].cat.categories
    central_demand = np.bincount(part, weights=demand, minlength=n_parts)
    dealer_names = list(keys["dealer"].cat.categories) if run.dealer is not None else []
    # rows: every part's central row, then its dealer rows (the matrix's order is dealer, part)
    order = np.lexsort((np.arange(len(part)), part))
    codes = np.r_[np.arange(n_parts), part[order]]
    position = np.argsort(np.r_[np.arange(n_parts) * 2.0, part[order] * 2.0 + 1.0], kind="stable")
    is_central = np.r_[np.ones(n_parts, bool), np.zeros(len(part), bool)][position]
    out: dict[str, Any] = {}
    if run.dealer is not None:
        d = np.r_[np.full(n_parts, len(dealer_names)), run.dealer[order]][position]
        out["dealer"] = text_column(d, [*dealer_names, "(central)"])
    out["part"] = text_column(codes[position], part_names)
    if "description" in run.fields:
        out["description"] = text_column(codes[position], run.fields["description"].to_numpy(dtype=object))
    level = np.r_[central, dealer[order]][position]
    c = cost[codes[position]]
    with np.errstate(invalid="ignore"):
        out.update({
            "location": text_column(np.where(is_central, 1, 0).astype(np.int8), ["dealer", "central"]),
            "stock_level": level.astype(np.int64), "unit_cost": c, "stock_value": level * c,
            "expected_demand": np.r_[central_demand, demand[order]][position],
            "expected_backorders": np.r_[result.central_backorders, result.dealer_backorders[order]][position],
            "expected_fill_rate": np.r_[np.full(n_parts, np.nan), result.dealer_fill_rate[order]][position],
        })
    table = pd.DataFrame(out)
    keep = (table["expected_demand"] > 0) | (table["stock_level"] > 0)
    return table[keep].reset_index(drop=True)
