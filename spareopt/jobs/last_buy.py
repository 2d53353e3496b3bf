"""The last-time buy of a discontinued model's parts, in one call: history (+ master, stock) -> one row per part.

read -> clean -> demand matrix -> **network demand per part -> fit the decline -> quantity ->
net of stock -> budget -> outcome (-> backtest)**

The last buy is the network's final order to the supplier, so every part is
planned on its network demand: the dealers' series are summed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..columns import HISTORY_COLUMNS, PARTS_COLUMNS, STOCK_COLUMNS, text_column
from ..config import Config
from ..errors import ConfigError, InfeasibleError, InputError, format_examples
from ..history import History
from ..inputs import STAGES, Counts, Inputs, Source, job_config, load, run_report
from ..parts import DISCONTINUED, PartsMaster
from ..policy.allocate import Allocation, greedy_allocation, integer_allocation
from ..policy.decline import (
    DeclineFit,
    critical_ratio,
    decline_dispersion,
    fit_decline,
    horizon_args,
    horizon_demand,
    last_buy_outcome,
    last_buy_quantity,
)
from ..policy.service import NEGATIVE_BINOMIAL, POISSON, model_cdf
from ..result import Result
from ..stock import Stock, load_stock
from ..supersession import Supersessions, apply_to_stock
from .evaluate import split_holdout

__all__ = ["BACKTEST_COLUMNS", "FLAGS", "LAST_BUY_COLUMNS", "LAST_BUY_STAGES", "last_buy"]

LAST_BUY_COLUMNS = (
    "part", "description", "rate_now", "decay", "horizon_months", "expected_demand", "dispersion", "last_buy_qty",
    "on_hand", "on_order", "reserved", "buy_qty", "expected_shortage", "expected_leftover", "prob_no_shortage",
    "unit_cost", "buy_value", "expected_cost", "flag",
)
"""Columns of :func:`last_buy`, in order (``description`` only when the master has one)."""

BACKTEST_COLUMNS = ("actual_demand", "actual_shortage", "actual_leftover", "covered")
"""Columns ``backtest=True`` adds: the real demand of the horizon and what the stock would have done."""

FLAGS = ("no_history", "no_demand", "growing", "decay_capped", "excess_stock", "budget_cut")
"""What ``flag`` may say, ``;``-separated:

- ``no_history``: a discontinued part of the master that the history never sold (planned as 0 demand);
- ``no_demand``: no demand in the fit window (rate_now = 0);
- ``growing``: the fit says demand grows; held flat (decay = 0);
- ``decay_capped``: the decay reached its cap (all recent demand is gone);
- ``excess_stock``: the stock already held covers more than last_buy_qty (no buy; see expected_leftover);
- ``budget_cut``: ``--budget`` or ``--max-volume`` cut the buy below last_buy_qty.
"""

LAST_BUY_STAGES = (*STAGES[:3], "fit the decline and size the last buy")
"""The stages :func:`last_buy` reports to its ``progress`` callback."""


def last_buy(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    horizon_months: int,
    service_level: float | None = None,
    shortage_cost: float | str | None = None,
    holding_rate: float | None = None,
    salvage_value: float | str | None = None,
    distribution: str | None = None,
    dispersion: float | None = None,
    fit_months: int | None = None,
    stock: Source | Stock | None = None,
    budget: float | None = None,
    max_volume: float | None = None,
    all_parts: bool = False,
    backtest: bool = False,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    r"""The last-time buy of every discontinued part: how many to order so that service holds for the horizon.

    Parameters
    ----------
    history : path, DataFrame or History
        Sales lines or monthly totals, as for :func:`spareopt.must_stock`.
    parts : path, DataFrame or PartsMaster, optional
        The parts master.  The parts to plan are those whose ``status`` is
        ``discontinued`` (or :data:`spareopt.parts.DISCONTINUED`, e.g. 停产), or
        whose ``end_of_production`` month is at or before ``as_of``; a planned
        part the history never sold is planned with no demand.  Also
        ``unit_cost``, ``unit_volume`` and the cost-mode columns.
    config : Config, mapping or TOML path, optional
        Keys ``fit_months``, ``holding_rate``, ``distribution``, ``dispersion`` and ``[defaults]``.
    as_of : ``YYYY-MM``, optional
        The last month of history before the buy; the horizon starts the month
        after.  Default: the last month of the history (with ``backtest``: that
        month less ``horizon_months``).
    horizon_months : int
        H, the months the last buy has to serve (the committed service period), >= 1.
    service_level : float, optional
        Service mode: the target P(D <= Q), in (0, 1).
    shortage_cost : float or str, optional
        Cost mode: the cost of each unit demanded once the stock is gone; a
        number for every part, or the name of a parts-master column.
    holding_rate : float, optional
        Cost mode: yearly holding cost as a share of unit_cost (config ``holding_rate``, default 0).
    salvage_value : float or str, optional
        Cost mode: what a unit left at the end fetches; a number or a master
        column (blank = 0).  Default 0.
    distribution : {"poisson", "negative_binomial"}, optional
        Config ``distribution`` (default poisson).
    dispersion : float, optional
        Negative binomial: Var(D) / E[D] for every part; default (config
        ``dispersion`` unset) estimated per part (:func:`~spareopt.policy.decline.decline_dispersion`).
    fit_months : int, optional
        Months up to ``as_of`` the decline is fitted on (config ``fit_months``, default 24).
    stock : path, DataFrame or Stock, optional
        Stock snapshot (:func:`spareopt.stock.load_stock`): ``on_hand``,
        ``on_order`` and ``reserved``, summed over the dealers.
    budget : float, optional
        Cap on sum ``unit_cost`` x ``buy_qty``.
    max_volume : float, optional
        Cap on sum ``unit_volume`` x ``buy_qty`` (master column ``unit_volume``).
    all_parts : bool
        Plan every part the history sold (the CLI's ``--all``), not only the discontinued ones.
    backtest : bool
        Compare each plan with the real demand of the horizon, which the
        history must hold: adds :data:`BACKTEST_COLUMNS`.
    columns, encoding, sheet, progress
        As for :func:`spareopt.must_stock` (``columns`` also maps the stock file's headers).

    Returns
    -------
    Result
        ``table``: one row per planned part, sorted by part: :data:`LAST_BUY_COLUMNS`;
        ``report``: the run report.

    Raises
    ------
    ConfigError
        Both modes or neither; a horizon that is not a whole number >= 1; a
        service level outside (0, 1); a negative budget or volume; a config key out of range.
    InputError
        No part to plan; a cost-mode column or a unit_cost missing where it is
        needed; shortage_cost <= unit_cost; a salvage value too high; bad input
        files (the message names the file, rows, column and values).
    InfeasibleError
        The budget or the volume cannot even hold the units already promised to
        customers (``reserved`` beyond the stock); the message names the parts.

    Notes
    -----
    Per part, with the network's monthly demand (the dealers summed):

    1. lambda_0 (``rate_now``) and k (``decay``) by Poisson maximum likelihood over
       the last ``fit_months`` up to ``as_of`` (:func:`~spareopt.policy.decline.fit_decline`);
    2. ``expected_demand`` Lambda = lambda_0 sum_{t<H} e^{-kt};
    3. ``last_buy_qty`` Q, the smallest with P(D <= Q) >= the target: ``service_level``,
       or the critical ratio c_u / (c_u + c_o) with c_u = shortage_cost - unit_cost and
       c_o = unit_cost (1 + holding_rate H / 12) - salvage_value (the newsvendor
       approximation, :func:`~spareopt.policy.decline.critical_ratio`);
    4. ``buy_qty`` = max(0, Q - (on_hand + on_order - reserved)), rounded up to whole units;
    5. under ``budget`` (or ``max_volume``) the buys are trimmed by marginal analysis:
       units are kept in order of expected units filled (service mode) or
       expected cost saved (cost mode) per unit of money (or volume); with both
       caps, by an integer programme (pulp).  Units promised to customers
       beyond the stock are always bought;
    6. for the stock S = on_hand + on_order - reserved + buy_qty:
       ``expected_shortage`` E[(D - S)+], ``expected_leftover`` E[(S - D)+],
       ``prob_no_shortage`` P(D <= S), ``buy_value`` = unit_cost x buy_qty, and in cost mode
       ``expected_cost`` = c_u E[(D - S)+] + c_o E[(S - D)+].

    References
    ----------
    Teunter & Fortuin (1999), "End-of-life service", *IJPE* 59; Teunter & Klein
    Haneveld (2002), "Inventory control of service parts in the final phase",
    *EJOR* 137.  The seed: 末次订货 (``shared/seed``).

    Examples
    --------
    A part selling 4, 4, 3, 3, 2, 2 units, bought for the next 12 months at 90%:

    >>> sales = pd.DataFrame({"part": "P1", "period": pd.period_range("2024-01", periods=6, freq="M"),
    ...                       "quantity": [4, 4, 3, 3, 2, 2]})
    >>> row = last_buy(sales, all_parts=True, horizon_months=12, service_level=0.9).table.iloc[0]
    >>> round(float(row["decay"]), 3), round(float(row["expected_demand"]), 2), int(row["last_buy_qty"])
    (0.155, 9.93, 14)
    """
    step = progress or (lambda stage: None)
    cfg = job_config(history, config, fit_months=fit_months, holding_rate=holding_rate,
                    distribution=distribution, dispersion=dispersion)
    h = int(horizon_args(0.0, 0.0, _whole_months(horizon_months))[2])
    _check_mode(service_level, shortage_cost)
    if cfg.dispersion is not None and cfg.distribution == "poisson":
        raise ConfigError(f"dispersion {cfg.dispersion:g} applies to the negative binomial only; add --distribution "
                          "negative_binomial (config distribution), or drop the dispersion")
    _check_caps(budget, max_volume)
    numeric = tuple(c for c in (shortage_cost, salvage_value) if isinstance(c, str))
    load_columns, stock_columns = _split_columns(columns)
    if stock is not None and not isinstance(stock, Stock):  # a bad stock file fails before the long steps
        stock = load_stock(stock, columns=stock_columns, encoding=encoding)
    _check_stock_overrides(stock_columns, stock)
    if backtest:
        end = None if as_of is None else pd.Period(str(as_of), freq="M") + h
        full = load(history, parts, cfg, end, columns=load_columns, encoding=encoding, sheet=sheet,
                    supersessions=supersessions, holdout_months=h, plan_new=False, numeric=numeric, progress=step)
        run, future = split_holdout(full, h, as_of, option="--horizon-months")
    else:
        run, future = load(history, parts, cfg, as_of, columns=load_columns, encoding=encoding, sheet=sheet,
                           supersessions=supersessions, plan_new=False, numeric=numeric, progress=step), None
    step(LAST_BUY_STAGES[3])
    planned, selection = _planned(run, all_parts)
    network = _network(run.matrix.values, run.part_code, len(run.fields))
    rows = pd.Index(np.asarray(run.fields.index, dtype=object), dtype=object).get_indexer(planned)
    sold = rows >= 0
    window = np.zeros((len(planned), network.shape[1]))
    window[sold] = network[rows[sold]]
    fit = fit_decline(window, fit_months=cfg.fit_months)
    costs = _costs(run, planned, rows, cfg, service_level, shortage_cost, salvage_value, h)
    mean = horizon_demand(fit.rate_now, fit.decay, h)
    phi, phi_source = _dispersion(cfg, fit, h)
    quantity = last_buy_quantity(fit.rate_now, fit.decay, h, distribution=cfg.distribution, dispersion=phi,
                                 **costs.target)
    superseded = None
    if stock is not None and run.resolution is not None:  # old part numbers' stock counts for the leading part
        stock, superseded, _ = apply_to_stock(stock, run.resolution)
    held, stock_report = _stock(stock, planned)
    if stock_report is not None:
        stock_report["superseded_stock"] = superseded
    available = held["on_hand"] + held["on_order"] - held["reserved"]
    buy = np.maximum(np.ceil(quantity - available - 1e-9), 0.0)
    allocation = None
    if budget is not None or max_volume is not None:
        buy, allocation = _capped(run, planned, costs, mean, phi, available, buy, budget, max_volume)
    cover = np.floor(np.maximum(available + buy, 0.0) + 1e-9)
    outcome = last_buy_outcome(cover, mean, distribution=cfg.distribution, dispersion=phi)
    flags = _flags(sold, fit, available > quantity, buy < np.maximum(np.ceil(quantity - available - 1e-9), 0.0))
    out: dict[str, Any] = {"part": text_column(np.arange(len(planned)), planned)}
    if "description" in run.fields:
        out["description"] = _described(run, planned, rows)
    out.update({
        "rate_now": fit.rate_now, "decay": fit.decay, "horizon_months": np.full(len(planned), h, dtype=np.int64),
        "expected_demand": mean, "dispersion": np.broadcast_to(phi, mean.shape).astype(np.float64),
        "last_buy_qty": quantity.astype(np.int64), **{k: held[k] for k in ("on_hand", "on_order", "reserved")},
        "buy_qty": buy.astype(np.int64), "expected_shortage": outcome.expected_shortage,
        "expected_leftover": outcome.expected_leftover, "prob_no_shortage": outcome.prob_no_shortage,
        "unit_cost": costs.unit_cost, "buy_value": costs.unit_cost * buy,
        "expected_cost": (costs.under * outcome.expected_shortage + costs.over * outcome.expected_leftover
                          if costs.cost_mode else np.full(len(planned), np.nan)),
        "flag": flags,
    })
    if future is not None:
        actual = np.zeros(len(planned))
        actual[sold] = _network(future, run.part_code, len(run.fields))[rows[sold]].sum(axis=1)
        out.update({"actual_demand": actual, "actual_shortage": np.maximum(actual - cover, 0.0),
                    "actual_leftover": np.maximum(cover - actual, 0.0), "covered": actual <= cover})
    table = pd.DataFrame(out)
    report = run_report(run, None, Counts(None, None, len(run.matrix.keys["dealer"].cat.categories)
                                        if run.dealer is not None else None, len(run.fields), None))
    report["master_parts_without_history"] = None  # planned ones are listed; the rest do not matter here
    report["last_buy"] = _last_buy_report(table, run, fit, h, costs, cfg, phi_source, selection, stock_report,
                                          allocation, budget, max_volume, future is not None)
    return Result(table, report)


# -- checks ----------------------------------------------------------------------------------------

def _whole_months(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ConfigError(f"horizon_months must be a whole number of months >= 1; got {value!r}")
    return value


def _check_mode(service_level: float | None, shortage_cost: float | str | None) -> str:
    if service_level is not None and shortage_cost is not None:
        raise ConfigError("give one mode, not both: --service-level (service mode) or --shortage-cost-column "
                          "(cost mode, with --holding-rate and --salvage-column)")
    if service_level is None and shortage_cost is None:
        raise ConfigError("give a mode: --service-level A (the chance that the last buy covers all the "
                          "horizon's demand, e.g. 0.95), or --shortage-cost-column COL (cost mode)")
    if service_level is not None and (isinstance(service_level, bool) or not isinstance(
            service_level, (int, float, np.integer, np.floating)) or not 0 < service_level < 1):
        raise ConfigError(f"service_level must be in (0, 1), e.g. 0.95; got {service_level!r}")
    return "service" if service_level is not None else "cost"


def _check_caps(budget: float | None, max_volume: float | None) -> None:
    for name, value in (("budget", budget), ("max_volume", max_volume)):
        if value is not None and not (isinstance(value, (int, float)) and 0 <= value < np.inf):
            raise ConfigError(f"{name} must be a finite number >= 0; got {value!r}")


def _split_columns(columns: Mapping[str, str] | None) -> tuple[dict[str, str] | None, dict[str, str] | None]:
    """The ``--column`` overrides of the history and master, and those of the stock file."""
    if not columns:
        return None, None
    ours = set(HISTORY_COLUMNS) | set(PARTS_COLUMNS)
    stock_only = set(STOCK_COLUMNS) - ours
    read = {k: v for k, v in columns.items() if k not in stock_only}
    stock = {k: v for k, v in columns.items() if k in STOCK_COLUMNS}
    return read or None, stock or None


def _check_stock_overrides(columns: Mapping[str, str] | None, stock: Stock | None) -> None:
    """A ``--column`` of the stock file's own columns needs a stock file (load_stock checks its header)."""
    only = [f"{k}={v}" for k, v in (columns or {}).items() if k not in HISTORY_COLUMNS and k not in PARTS_COLUMNS]
    if only and stock is None:
        raise InputError(f"--column {only[0]}: {only[0].partition('=')[0]} is a column of the stock file, but no "
                         "--stock FILE is given")


# -- the parts to plan ------------------------------------------------------------------------------

def _planned(run: Inputs, all_parts: bool) -> tuple[np.ndarray, dict[str, Any]]:
    """Part numbers to plan, sorted, and how they were chosen."""
    sold_parts = np.asarray(run.fields.index, dtype=object)
    if all_parts:
        return sold_parts, {"by": "all", "parts": len(sold_parts)}
    master = run.master
    as_of = run.matrix.as_of
    if master is None:
        raise InputError("last-buy plans the discontinued parts, which the parts master marks (status = "
                         "discontinued, or an end_of_production month); give it with --parts FILE, or plan every "
                         "part of the history with --all")
    frame = master.frame
    if "status" not in frame and "end_of_production" not in frame:
        raise InputError(f"{master.report.get('source')}: the parts master has no status or end_of_production column "
                         f"(headers: {', '.join(map(repr, master.report.get('headers', [])))}), so no part is marked "
                         "discontinued. Add one (status = discontinued, or end_of_production = YYYY-MM), map it with "
                         "--column status=HEADER, or plan every part with --all")
    status = frame["status"].to_numpy(dtype=object) if "status" in frame else np.full(len(frame), None)
    by_status = pd.Series(status).isin(DISCONTINUED).to_numpy()
    eop = frame["end_of_production"].to_numpy(dtype=np.float64) if "end_of_production" in frame else \
        np.full(len(frame), np.nan)
    by_eop = eop <= as_of.ordinal
    later = int((eop > as_of.ordinal).sum())
    chosen = by_status | by_eop
    if not chosen.any():
        values = pd.Series(status).dropna().value_counts()
        seen = ", ".join(f"{k!r} {v:,}" for k, v in values.head(5).items()) or "none"
        raise InputError(f"{master.report.get('source')}: no part to plan: no row has status = discontinued "
                         f"(status values: {seen}) or an end_of_production month <= as_of {as_of}"
                         + (f" ({later:,} end later)" if later else "")
                         + ". Mark the discontinued parts, choose a later --as-of, or plan every part with --all")
    planned = np.sort(np.asarray(frame.index, dtype=object)[chosen])
    return planned, {"by": "master", "parts": len(planned), "by_status": int(by_status.sum()),
                     "by_end_of_production": int((by_eop & ~by_status).sum()), "end_of_production_later": later}


def _network(values: np.ndarray, part_code: np.ndarray, n_parts: int) -> np.ndarray:
    """The dealers' series summed per part: parts x months (one bincount per month)."""
    if len(part_code) == n_parts and (np.diff(part_code) > 0).all():
        return values  # one series per part already
    out = np.empty((n_parts, values.shape[1]))
    for month in range(values.shape[1]):
        out[:, month] = np.bincount(part_code, weights=values[:, month], minlength=n_parts)
    return out


def _described(run: Inputs, planned: np.ndarray, rows: np.ndarray) -> pd.Series:
    text = run.fields["description"].to_numpy(dtype=object)
    value = np.where(rows >= 0, text[np.maximum(rows, 0)], None)
    if run.master is not None and "description" in run.master.frame:
        master = run.master.frame["description"].reindex(pd.Index(planned, dtype=object)).to_numpy(dtype=object)
        value = np.where(rows >= 0, value, master)
    return text_column(np.arange(len(planned)), value)


# -- costs ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Costs:
    unit_cost: np.ndarray  # NaN = unknown
    under: np.ndarray | float  # c_u (cost mode), else NaN
    over: np.ndarray | float  # c_o (cost mode), else NaN
    target: dict[str, Any]  # keywords of last_buy_quantity: the mode and its parameters
    report: dict[str, Any]

    @property
    def cost_mode(self) -> bool:
        return "shortage_cost" in self.target


def _costs(run: Inputs, planned: np.ndarray, rows: np.ndarray, cfg: Config, service_level: float | None,
           shortage_cost: Any, salvage_value: Any, h: int) -> _Costs:
    """unit_cost of every planned part (master, history price, then default) and the mode's target."""
    master = run.master
    frame = master.frame.reindex(pd.Index(planned, dtype=object)) if master is not None else None
    known = run.fields["unit_cost"].to_numpy(dtype=np.float64)
    cost = np.where(rows >= 0, known[np.maximum(rows, 0)], np.nan)
    if frame is not None and "unit_cost" in frame:
        cost = np.where(rows >= 0, cost, frame["unit_cost"].to_numpy(dtype=np.float64))
    if cfg.defaults.unit_cost is not None:
        cost = np.where(np.isnan(cost), cfg.defaults.unit_cost, cost)
    if shortage_cost is None:
        return _Costs(cost, np.nan, np.nan, {"service_level": service_level},
                      {"mode": "service", "service_level": service_level})
    source = master.report.get("source") if master is not None else "the parts master"
    _require_known(planned, cost, "unit_cost", "cost mode needs the unit_cost of every planned part", source)
    short = _per_part(shortage_cost, frame, planned, "shortage_cost", source, blank=None)
    _require_known(planned, short, "shortage_cost", "cost mode needs the shortage_cost of every planned part", source)
    salvage = _per_part(salvage_value if salvage_value is not None else 0.0, frame, planned, "salvage_value", source,
                        blank=0.0)
    _reject(short <= cost, planned, source, "`shortage_cost` must be above unit_cost (a unit short costs "
            "shortage_cost - unit_cost more than one bought)",
            lambda i: f"shortage_cost {short[i]:g} <= unit_cost {cost[i]:g}", "correct the shortage costs")
    over = cost * (1 + cfg.holding_rate * h / 12) - salvage
    _reject(over <= 0, planned, source, "`salvage_value` must be below unit_cost x (1 + holding_rate x "
            "horizon_months / 12), else every unit bought pays for itself",
            lambda i: f"salvage_value {salvage[i]:g}, unit_cost {cost[i]:g}", "correct the salvage values")
    ratio = critical_ratio(cost, short, h, holding_rate=cfg.holding_rate, salvage_value=salvage)
    target = {"unit_cost": cost, "shortage_cost": short, "holding_rate": cfg.holding_rate, "salvage_value": salvage}
    return _Costs(cost, short - cost, over, target, {
        "mode": "cost", "critical_ratio_min": float(ratio.min()), "critical_ratio_max": float(ratio.max()),
        "holding_rate": cfg.holding_rate,
        "shortage_cost": shortage_cost if isinstance(shortage_cost, str) else float(shortage_cost),
        "salvage_value": salvage_value if isinstance(salvage_value, str) else float(salvage_value or 0.0)})


def _per_part(value: Any, frame: pd.DataFrame | None, planned: np.ndarray, name: str, source: str,
              blank: float | None) -> np.ndarray:
    """A number for every part, or the parts-master column of that header."""
    if not isinstance(value, str):
        number = float(value)
        if not 0 <= number < np.inf:
            raise ConfigError(f"{name} must be a finite number >= 0; got {value!r}")
        return np.full(len(planned), number)
    if frame is None or value not in frame:
        option = "--shortage-cost-column" if name == "shortage_cost" else "--salvage-column"
        raise InputError(f"{source}: no column {value!r} in the parts master for {option} ({name}); check the header")
    values = frame[value].to_numpy(dtype=np.float64)
    return values if blank is None else np.where(np.isnan(values), blank, values)


def _reject(bad: np.ndarray, planned: np.ndarray, source: str, rule: str, show: Callable[[int], str],
            fix: str) -> None:
    rows = np.flatnonzero(bad)
    if rows.size:
        examples = [f"{planned[i]!r} {show(i)}" for i in rows[:3]]
        raise InputError(f"{source}: {rule}; {rows.size:,} part(s) break it (first: "
                         f"{format_examples(examples, rows.size)}). Fix: {fix}")


def _require_known(planned: np.ndarray, values: np.ndarray, name: str, why: str, source: str) -> None:
    missing = np.isnan(values)
    if missing.any():
        examples = [repr(p) for p in planned[missing][:5]]
        raise InputError(f"{why}; {int(missing.sum()):,} part(s) have none in {source} (first: "
                         f"{format_examples(examples, int(missing.sum()))}). Fix: fill in {name}"
                         + (", or set [defaults] unit_cost in the config" if name == "unit_cost" else ""))


def _dispersion(cfg: Config, fit: DeclineFit, h: int) -> tuple[np.ndarray | float, str]:
    if cfg.distribution == "poisson":
        return 1.0, "poisson"
    if cfg.dispersion is not None:
        return cfg.dispersion, "given"
    return decline_dispersion(fit, h), "estimated"


# -- stock and caps ---------------------------------------------------------------------------------

def _stock(stock: Stock | None, planned: np.ndarray) -> tuple[dict[str, np.ndarray], dict[str, Any] | None]:
    if stock is None:
        zero = np.zeros(len(planned))
        return {"on_hand": zero, "on_order": zero, "reserved": zero}, None
    frame, counts = stock.by_part(planned)
    return {k: frame[k].to_numpy(dtype=np.float64) for k in frame.columns}, {**stock.report, **counts}


def _capped(run: Inputs, planned: np.ndarray, costs: _Costs, mean: np.ndarray, phi: Any,
            available: np.ndarray, wanted: np.ndarray, budget: float | None,
            max_volume: float | None) -> tuple[np.ndarray, Allocation]:
    """The buys trimmed to the budget and the volume by marginal analysis (or pulp, with both)."""
    source = run.master.report.get("source") if run.master is not None else "the parts master"
    must = np.maximum(np.ceil(-available - 1e-9), 0.0)  # units promised beyond the stock: bought whatever it costs
    need = wanted > 0
    caps: list[tuple[str, np.ndarray, float]] = []
    if budget is not None:
        cost = costs.unit_cost
        _require_known(planned[need], cost[need], "unit_cost", "a budget needs the unit_cost of every part it buys",
                       source)
        caps.append(("budget", np.nan_to_num(cost), float(budget)))
    if max_volume is not None:
        volume = np.full(len(planned), np.nan)
        if run.master is not None and "unit_volume" in run.master.frame:
            volume = run.master.frame["unit_volume"].reindex(pd.Index(planned, dtype=object)).to_numpy(np.float64)
        _require_known(planned[need], volume[need], "unit_volume",
                       "--max-volume needs the unit_volume of every part it buys", source)
        caps.append(("max_volume", np.nan_to_num(volume), float(max_volume)))
    for name, weight, cap in caps:
        used = float((weight * must).sum())
        if used > cap * (1 + 1e-12):
            short = np.flatnonzero(must > 0)
            order = short[np.argsort(-(weight * must)[short], kind="stable")]
            examples = [f"{planned[i]!r} {must[i]:g} units, {weight[i] * must[i]:,.2f}" for i in order[:5]]
            raise InfeasibleError(
                f"the {name.replace('_', ' ')} {cap:,.2f} cannot hold the units already promised to customers: "
                f"{len(short):,} part(s) have more reserved than on hand and on order, and buying them uses "
                f"{used:,.2f} (first: {format_examples(examples, len(short))}). Raise the "
                f"{'--budget' if name == 'budget' else '--max-volume'}, or release the reservations")
    start, limit = must.astype(np.int64), np.maximum(wanted, must).astype(np.int64)
    codes = np.where(np.broadcast_to(phi, mean.shape) > 1, NEGATIVE_BINOMIAL, POISSON).astype(np.int8)
    variance = mean * np.broadcast_to(phi, mean.shape)
    cost_mode = costs.cost_mode
    under = np.broadcast_to(costs.under, mean.shape)
    over = np.broadcast_to(costs.over, mean.shape)

    def gain(part: np.ndarray, units: np.ndarray) -> np.ndarray:
        level = np.floor(np.maximum(available[part] + units, 0.0) + 1e-9)
        covered = model_cdf(level, mean[part], variance[part], codes[part])  # P(D <= level)
        if cost_mode:  # expected cost saved by one more unit: c_u P(D > s) - c_o P(D <= s)
            return under[part] * (1.0 - covered) - over[part] * covered
        return 1.0 - covered  # expected units filled by one more unit: P(D > s)

    rest = [(w, cap - float((w * must).sum())) for _, w, cap in caps]
    if len(caps) == 1:
        allocation = greedy_allocation(start - start, limit - start, lambda p, u: gain(p, u + start[p]),
                                       rest[0][0], rest[0][1])
    else:
        allocation = integer_allocation(start - start, limit - start, lambda p, u: gain(p, u + start[p]),
                                        [w for w, _ in rest], [c for _, c in rest])
    return must + allocation.units, allocation


# -- flags and report -------------------------------------------------------------------------------

def _flags(sold: np.ndarray, fit: DeclineFit, excess: np.ndarray, cut: np.ndarray) -> pd.Series:
    """``;``-joined flags of every part, built from a bit mask (one string per distinct mask)."""
    bits = [~sold, sold & (fit.fit_demand == 0), fit.growing, fit.capped, excess, cut]
    mask = np.zeros(len(sold), dtype=np.int64)
    for i, bit in enumerate(bits):
        mask |= np.asarray(bit, dtype=np.int64) << i
    distinct, code = np.unique(mask, return_inverse=True)
    names = [";".join(f for i, f in enumerate(FLAGS) if m >> i & 1) or None for m in distinct.tolist()]
    return text_column(code.ravel(), names)


def _last_buy_report(table: pd.DataFrame, run: Inputs, fit: DeclineFit, h: int, costs: _Costs,
                     cfg: Config, phi_source: str, selection: dict[str, Any], stock: dict[str, Any] | None,
                     allocation: Allocation | None, budget: float | None, max_volume: float | None,
                     backtest: bool) -> dict[str, Any]:
    periods = run.matrix.periods
    flags = table["flag"].dropna().str.split(";").explode().value_counts()
    report: dict[str, Any] = {
        "planned": selection,
        "fit": f"{periods[max(0, len(periods) - cfg.fit_months)]}..{periods[-1]}",
        "fit_months": fit.fit_months,
        "horizon": f"{periods[-1] + 1}..{periods[-1] + h}",
        "horizon_months": h,
        "distribution": cfg.distribution,
        "dispersion": phi_source if cfg.distribution != "poisson" else None,
        **costs.report,
        "flags": {f: int(flags.get(f, 0)) for f in FLAGS},
        "expected_demand": float(table["expected_demand"].sum()),
        "last_buy_qty": float(table["last_buy_qty"].sum()),
        "buy_qty": float(table["buy_qty"].sum()),
        "buy_value": float(table["buy_value"].sum()) if table["unit_cost"].notna().any() else None,
        "expected_shortage": float(table["expected_shortage"].sum()),
        "expected_leftover": float(table["expected_leftover"].sum()),
        "prob_no_shortage_mean": float(table["prob_no_shortage"].mean()),
        "stock": stock,
    }
    if allocation is not None:
        cut = table["flag"].fillna("").str.contains("budget_cut")
        report["caps"] = {"budget": budget, "max_volume": max_volume, "method": allocation.method,
                          "parts_cut": int(cut.sum())}
        if budget is not None:
            report["caps"]["spent"] = float(np.nansum(table["unit_cost"] * table["buy_qty"]))
        if max_volume is not None and run.master is not None and "unit_volume" in run.master.frame:
            volume = run.master.frame["unit_volume"].reindex(pd.Index(table["part"].to_numpy(dtype=object),
                                                                      dtype=object)).to_numpy(np.float64)
            report["caps"]["volume_used"] = float(np.nansum(volume * table["buy_qty"].to_numpy()))
    if backtest:
        actual = table["actual_demand"].to_numpy()
        total = float(actual.sum())
        report["backtest"] = {
            "parts_covered": int(table["covered"].sum()),
            "share_covered": float(table["covered"].mean()),
            "share_covered_expected": float(table["prob_no_shortage"].mean()),
            "actual_demand": total,
            "unit_fill_rate": float((actual - table["actual_shortage"]).sum() / total) if total > 0 else None,
            "actual_leftover": float(table["actual_leftover"].sum()),
        }
    return report
