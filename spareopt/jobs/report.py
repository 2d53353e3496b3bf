"""The ``report`` command: what a parts director's page shows, from one read of the history
(:func:`network_report`); :func:`spareopt.page.report_page` turns it into the HTML file.

read -> clean -> demand matrix -> **the must-stock plan (the config's policy) -> the seed plan's budget ->
optimize's stock-to-service curve with the seed, current and optimised plans on it -> (with a holdout) the
replay of the held-out months: promised against achieved**
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config
from ..errors import ConfigError
from ..history import History, ReadLimits, load_history
from ..inputs import STAGES, Source, job_config, load
from ..parts import PartsMaster
from ..plan import decide, plan_table
from ..result import Result
from ..supersession import Supersessions
from .evaluate import evaluate
from .optimize import budget_curve, check_budget, optimized_levels

__all__ = ["network_report", "replay_by_dealer"]


def network_report(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    budget: float | None = None,
    holdout_months: int | None = None,
    policies: Sequence[str] = ("seed", "optimized"),
    policy: str | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Everything a report page shows of a network: the must-stock plan, the what-if curve and, with a holdout,
    the promise kept.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, sheet, supersessions, progress, policy
        As for :func:`spareopt.must_stock`.
    budget : float, optional
        The optimised plan's budget, where the page's budget slider starts (default: the seed plan's stock value
        at the dealers, sum ``unit_cost`` x ``max_stock``).
    holdout_months : int, optional
        H: also replay the last H months up to as_of against plans trained on the months before them
        (:func:`spareopt.evaluate` with ``as_of`` H months earlier), for the promised against achieved fill,
        on the history read once.
    policies : sequence of str
        The policies replayed (with ``holdout_months``).

    Returns
    -------
    Result
        ``table``: the must-stock list (:data:`spareopt.OUTPUT_COLUMNS`); ``curve`` (with ``rows_stocked``) and
        ``markers``: optimize's; ``months``: the monthly demand of the rows the page lists; with a holdout,
        ``calibration`` and ``totals``: evaluate's, and ``by_dealer``: the replay by dealer
        (:func:`replay_by_dealer`).  ``report``: the must-stock run report with the
        ``optimize`` section (and ``evaluation``).

    Examples
    --------
    >>> sales = pd.DataFrame({"part": ["P"] * 12 + ["Q"] * 12,
    ...                       "period": list(pd.period_range("2024-01", periods=12, freq="M").astype(str)) * 2,
    ...                       "quantity": [4] * 12 + [1, 0] * 6})
    >>> parts = pd.DataFrame({"part": ["P", "Q"], "unit_cost": [10.0, 10.0]})
    >>> result = network_report(sales, parts)
    >>> sorted(result.table["part"]), list(result.curve.columns)
    (['P', 'Q'], ['stock_value', 'expected_fill_rate', 'rows_stocked'])
    """
    step = progress or (lambda stage: None)
    if budget is not None:
        check_budget(budget)
    if holdout_months is not None and (isinstance(holdout_months, bool) or not isinstance(holdout_months, int)
                                       or holdout_months < 1):
        raise ConfigError(f"holdout_months must be a whole number of months >= 1; got {holdout_months!r}")
    cfg = job_config(history, config, policy=policy)
    if holdout_months is not None and not isinstance(history, History):  # read once for the plan and the replay
        history = load_history(history, columns=columns, encoding=encoding, as_of=as_of, sheet=sheet,
                               limits=ReadLimits.of(cfg))
    run = load(history, parts, cfg, as_of, columns=columns, encoding=encoding, sheet=sheet, supersessions=supersessions,
               progress=step)
    step(STAGES[3])
    plan = decide(run)
    seed = plan if plan.policy == "seed" else decide(run, "seed")
    result = plan_table(run, months=True, plan=plan)
    stocked = seed.decision == 0
    seed_value = float(np.nansum((seed.cost * seed.max_stock)[stocked]))
    spend = seed_value if budget is None else float(budget)
    levels = optimized_levels(run, seed, spend)
    curve, markers, optimized = budget_curve(run, seed, levels, spend)
    report = {**result.report, "optimize": optimized}
    calibration = totals = by_dealer = None
    if holdout_months is not None:
        last = run.matrix.periods[-1]
        replay = evaluate(history, parts, config, str(last - holdout_months), holdout_months=holdout_months,
                          policies=policies, columns=columns, encoding=encoding, sheet=sheet,
                          supersessions=supersessions)
        calibration, totals, by_dealer = replay.calibration, replay.totals, replay_by_dealer(replay.table,
                                                                                             holdout_months)
        report["evaluation"] = replay.report.get("evaluation")
    return result.replace(report=report, curve=curve, markers=markers, calibration=calibration, totals=totals,
                          by_dealer=by_dealer)


def replay_by_dealer(replay: pd.DataFrame, months: int) -> pd.DataFrame | None:
    """The replay's sums by policy and dealer, from :func:`spareopt.evaluate`'s per-series table: ``demand`` and
    ``filled`` (units), ``stocked_demand`` and ``stocked_filled`` (on the stocked rows: what the plan promised
    on), ``filled_value`` (a year: ``filled`` x ``unit_cost`` x 12 / ``months``) and ``avg_stock_value``; then
    ``achieved_fill_rate`` (stocked rows), ``achieved_fill_rate_all`` and ``turns`` (filled value a year over
    the average stock value), as evaluate's totals define them.  None without a dealer column.

    >>> replay = pd.DataFrame({"policy": "seed", "dealer": ["D1", "D1", "D2"], "stocked": [True, False, True],
    ...                        "demand": [10.0, 5.0, 4.0], "filled": [9.0, 0.0, 2.0], "unit_cost": [2.0, 1.0, 5.0],
    ...                        "avg_stock_value": [6.0, 0.0, 10.0]})
    >>> replay_by_dealer(replay, 12)[["dealer", "achieved_fill_rate", "achieved_fill_rate_all", "turns"]].round(3)
      dealer  achieved_fill_rate  achieved_fill_rate_all  turns
    0     D1                 0.9                     0.6    3.0
    1     D2                 0.5                     0.5    1.0
    """
    if "dealer" not in replay.columns:
        return None
    stocked = replay["stocked"].to_numpy(dtype=bool)
    demand, filled = replay["demand"].to_numpy(dtype=np.float64), replay["filled"].to_numpy(dtype=np.float64)
    frame = pd.DataFrame({
        "policy": replay["policy"].to_numpy(), "dealer": replay["dealer"].to_numpy(),
        "demand": demand, "filled": filled,
        "stocked_demand": np.where(stocked, demand, 0.0), "stocked_filled": np.where(stocked, filled, 0.0),
        "filled_value": filled * replay["unit_cost"].to_numpy(dtype=np.float64) * 12 / months,
        "avg_stock_value": replay["avg_stock_value"].to_numpy(dtype=np.float64),
    })
    sums = frame.groupby(["policy", "dealer"], sort=True).sum(min_count=1).reset_index()
    sums["achieved_fill_rate"] = sums["stocked_filled"] / sums["stocked_demand"].where(sums["stocked_demand"] > 0)
    sums["achieved_fill_rate_all"] = sums["filled"] / sums["demand"].where(sums["demand"] > 0)
    sums["turns"] = sums["filled_value"] / sums["avg_stock_value"].where(sums["avg_stock_value"] > 0)
    return sums
