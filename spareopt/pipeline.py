"""The must-stock list in one call: history (+ parts master) -> one row per dealer x part.

read -> clean -> demand matrix -> **classify -> forecast -> policy -> must-stock list**
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from os import PathLike
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
from .classify import abc
from .classify.multi import multi_criteria_abc
from .classify.pattern import FSN_CLASSES, PATTERNS, XYZ_CLASSES, demand_pattern, fsn, xyz
from .columns import HISTORY_COLUMNS, PARTS_COLUMNS
from .config import POLICIES, Config, load_config
from .errors import ConfigError, InputError
from .forecast import half_year_quantity, mad
from .forecast.intermittent import FORECAST_PARAMS, FORECASTERS, auto, forecast
from .history import DemandMatrix, History, _as_of_ordinal, demand_matrix, load_history, with_parts
from .io import Table
from .parts import ATTRIBUTES, PartsMaster, load_parts, new_parts, part_fields
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
from .policy.class_policy import all_class_codes, class_code_index, match_class_policy
from .policy.rules import DECISION_CODE_OF_REASON, reason_code
from .policy.service import DEMAND_MODELS, implied_service, reorder_point_for
from .supersession import (
    SUPERSESSION_COLUMNS,
    Resolution,
    Supersessions,
    apply_to_history,
    apply_to_master,
    load_supersessions,
    resolve,
    supersessions_from_master,
)

CLASS_POLICY_REASON = "class_policy"
"""The reason of a decision set by a row of the class policy table (its ``match`` is in ``policy_rule``)."""

PLAN_REASONS = (*REASONS, CLASS_POLICY_REASON, MIN_STOCK_REASON)
"""Every ``reason`` of a plan: the seed's rules, a class policy row, the planner's ``min_stock``."""

__all__ = ["must_stock", "classes", "forecasts", "OUTPUT_COLUMNS", "CLASS_COLUMNS", "FORECAST_COLUMNS", "STAGES"]

OUTPUT_COLUMNS = (
    "dealer", "part", "description", "abc_class", "attribute", "class_code", "pattern", "unit_cost",
    "half_year_quantity", "mad", "ssq", "reorder_point", "max_stock", "min_stock", "forecast_method", "forecast",
    "demand_model", "target_kind", "target", "implied_csl", "implied_fill_rate", "decision", "reason", "policy_rule",
    "priority",
)
"""Columns of the must-stock list, in order (``dealer``, ``description`` and ``min_stock`` only when known: a
dealer column, the master's descriptions and floors; ``target_kind`` and ``target`` empty under the seed
policy)."""

_NETWORK: ContextVar[Any] = ContextVar("spareopt_network", default=None)
"""The network a partition belongs to, set by :mod:`spareopt.engine` while it runs a job on one
dealer set: its months, parts, part fields and network aggregates (:class:`spareopt.engine.Network`),
so that every partition's rows equal the in-memory run's."""

STAGES = ("read and check the history", "read the parts master", "demand matrix", "classify, forecast, decide")
"""The stages :func:`must_stock` reports to its ``progress`` callback, in order."""

Source = str | PathLike[str] | pd.DataFrame | Table


def must_stock(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    only_stocked: bool = False,
    policy: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Every dealer's must-stock list from its sales history, by the seed's method.

    Parameters
    ----------
    history : path, DataFrame or History
        Sales lines or monthly totals: ``part``, ``date`` or ``period``,
        ``quantity``, optional ``dealer`` and ``unit_price``.
    parts : path, DataFrame or PartsMaster, optional
        The parts master: ``part``, optional ``description``, ``unit_cost``,
        ``lead_time_days``, ``order_cycle_days``, ``attribute``, ``pack_size``.
    config : Config, mapping or TOML path, optional
        Thresholds; see :class:`spareopt.Config` (``spareopt config`` prints them).
    as_of : ``YYYY-MM``, optional
        The last month used; default the last month in the history.
    columns : mapping, optional
        Canonical name -> header, for headers with no known alias (both files).
    encoding : str, optional
        Text encoding of the files; default: detect UTF-8 or GB18030.
    only_stocked : bool
        Keep only the ``dealer`` and ``central`` rows (the report still counts all).
    policy : {"seed", "service-level"}, optional
        Overrides the config key ``policy``: the seed's SSQ stock levels (default)
        or the smallest levels that meet each class's service target.
    supersessions : path, DataFrame or Supersessions, optional
        Part-number replacements (old_part, new_part, factor, effective, split;
        :func:`spareopt.supersession.load_supersessions`), with the master's
        ``replaced_by``: each old part's demand moves to its leading part (x factor)
        and the old part numbers leave the output.
    progress : callable, optional
        Called with the name of each stage as it starts (:data:`STAGES`), e.g. to
        draw a progress bar.

    Returns
    -------
    DataFrame
        One row per series, columns :data:`OUTPUT_COLUMNS`, sorted by dealer,
        then decision (dealer, central, none), then priority, then part.
        ``attrs["report"]`` holds the run report: rows read, skipped and
        ignored, returns netted, parts defaulted, the ABC basis, counts per
        decision and reason, and the stock value.

    Raises
    ------
    InputError
        Bad input; the message names the file, rows, column and values.
    ConfigError
        An unknown or out-of-range config key.

    Notes
    -----
    With q the monthly demand matrix and T = ``as_of``:

    - MAD = (1 q[T-5] + 2 q[T-4] + ... + 6 q[T]) / 21 (:func:`spareopt.mad`);
      ``half_year_quantity`` = q[T-5] + ... + q[T].
    - SSQ = MAD x (O/C + L/T) / 6 (:func:`spareopt.ssq`).
    - ``reorder_point`` = ceil(MAD x L/T / D + SSQ), ``max_stock`` = max(reorder_point,
      ceil(MAD x (L/T + O/C) / D + SSQ)), D = 365.25 / 12.
    - ABC per dealer on unit_cost x quantity of the last ``abc_window_months``
      (by quantity when no unit cost is known) (:func:`spareopt.abc`).
    - decision and reason by the seed's rules (:func:`spareopt.policy.decide`);
      ``priority`` by SSQ among each dealer's ``dealer`` rows.

    References
    ----------
    Haima after-sales parts case study, "汽车售后备件库存优化分析" (``shared/seed``).

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["oil filter"] * 6, "period": pd.period_range("2024-01", periods=6, freq="M"),
    ...                       "quantity": [20, 22, 18, 25, 21, 24]})
    >>> row = must_stock(sales, config={"defaults": {"lead_time_days": 5}}).iloc[0]
    >>> round(float(row["mad"]), 4), row["decision"], int(row["reorder_point"]), int(row["max_stock"])
    (22.2381, 'dealer', 49, 54)
    """
    step = progress or (lambda stage: None)
    cfg = _override(load_config(config), policy=policy)
    run = _load(history, parts, cfg, as_of, columns, encoding, step, supersessions=supersessions, plan_new=True)
    step(STAGES[3])
    table = _plan(run, free_matrix=True)
    del run
    if only_stocked:
        report = table.attrs["report"]
        table = table[table["decision"] != "none"].reset_index(drop=True)
        table.attrs["report"] = report
    return table


CLASS_COLUMNS = (
    "dealer", "part", "description", "abc_class", "abc_value", "xyz_class", "cv", "fsn_class", "months_since_demand",
    "hits_12m", "phase_in", "phase_out", "adi", "cv2", "pattern", "mc_score", "mc_class", "class_code",
)
"""Columns of :func:`classes`, in order (``dealer`` and ``description`` only when known)."""

COMPUTED_CRITERIA = ("annual_value", "annual_quantity", "hits")
"""Multi-criteria criteria computed from the history, per part over the network."""

MASTER_CRITERIA = ("commonality", "criticality", "unit_cost", "lead_time_days", "order_cycle_days", "pack_size")
"""Multi-criteria criteria read from the parts master's own columns (any other numeric column may be named)."""


def classes(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    abc_basis: str | None = None,
    mc_method: str | None = None,
    criteria: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Every series classified along every axis: ABC, XYZ, FSN, demand pattern, multi-criteria, three-in-one.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, progress
        As for :func:`must_stock`.
    abc_basis, mc_method, criteria, weights : optional
        Override the config keys of the same names (the CLI's ``--abc-basis``,
        ``--mc-method``, ``--criteria``, ``--weights``).

    Returns
    -------
    DataFrame
        One row per series (dealer x part), sorted by dealer then part, columns
        :data:`CLASS_COLUMNS`; ``attrs["report"]`` holds the run report with the
        counts per class and the multi-criteria set-up.

    Raises
    ------
    InputError
        Bad input, an unknown or non-numeric criterion.
    ConfigError
        A key out of range: weights of the wrong length or negative, a class
        policy row that can never match.
    InfeasibleError
        A multi-criteria linear programme without a solution (Ramanathan with a
        too high ``mc_min_weight``; Zhou & Fan with a part worst on every criterion).

    Notes
    -----
    Per series (dealer x part), with the ABC window W = ``abc_window_months``:

    - ``abc_class``, ``abc_value``: ABC per dealer on ``abc_basis`` (value, quantity
      or hits over W) and ``abc_cutoff`` (value share or item share), :func:`spareopt.abc`;
    - ``xyz_class``, ``cv``: coefficient of variation of the monthly demand over W,
      zeros included, X <= ``xyz_x`` < Y <= ``xyz_y`` < Z;
    - ``fsn_class``, ``months_since_demand``, ``hits_12m``, ``phase_in``,
      ``phase_out``: movement (:func:`spareopt.classify.pattern.fsn`);
    - ``adi``, ``cv2``, ``pattern``: Syntetos, Boylan & Croston (2005) over the last
      ``pattern_window_months`` (:func:`spareopt.classify.pattern.demand_pattern`);
    - ``class_code``: the seed's three-in-one code, ABC class + attribute + supply
      band of O/C + L/T.

    Per part over the network (so every dealer row of a part shows the same):
    ``mc_score`` and ``mc_class`` by ``mc_method`` on ``criteria``
    (:func:`spareopt.classify.multi.multi_criteria_abc`); the computed criteria are
    ``annual_quantity`` (units over W, scaled to 12 months, all dealers),
    ``annual_value`` (x unit_cost) and ``hits`` (the series' hits over W, summed).

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["filter"] * 8 + ["gasket"] * 8,
    ...                       "period": list(pd.period_range("2024-01", periods=8, freq="M")) * 2,
    ...                       "quantity": [5, 6, 5, 7, 6, 5, 6, 6] + [0, 0, 9, 0, 0, 0, 1, 0]})
    >>> classes(sales)[["part", "xyz_class", "fsn_class", "pattern"]].to_dict("list")
    {'part': ['filter', 'gasket'], 'xyz_class': ['X', 'Z'], 'fsn_class': ['F', 'F'], 'pattern': ['smooth', 'lumpy']}
    """
    step = progress or (lambda stage: None)
    cfg = _override(load_config(config), abc_basis=abc_basis, mc_method=mc_method,
                    criteria=None if criteria is None else tuple(criteria),
                    weights=None if weights is None else tuple(weights))
    run = _load(history, parts, cfg, as_of, columns, encoding, step, numeric=_master_criteria(cfg),
                supersessions=supersessions)
    step(STAGES[3])
    return _classify(run)


FORECAST_COLUMNS = ("dealer", "part", "description", "pattern")
"""The leading columns of :func:`forecasts`; one column per method follows, then ``auto`` and ``auto_method``."""


def forecasts(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    methods: Sequence[str] | None = None,
    alpha: float | None = None,
    alpha_d: float | None = None,
    alpha_p: float | None = None,
    sma_months: int | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Next month's demand forecast of every series by every method, side by side.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, progress
        As for :func:`must_stock`; the forecast is for the month after ``as_of``.
    methods : sequence of str, optional
        Names in :data:`spareopt.forecast.FORECASTERS` (``wma``, ``sma``, ``ses``,
        ``croston``, ``sba``, ``sbj``, ``tsb``) and ``auto``; default every
        forecaster, without ``auto``.
    alpha, alpha_d, alpha_p, sma_months : optional
        Override the config keys of the same names.

    Returns
    -------
    DataFrame
        One row per series, sorted by dealer then part: :data:`FORECAST_COLUMNS`
        (the demand pattern of the series), then one column per method named after
        it, in units per month; ``auto`` adds the columns ``auto`` and
        ``auto_method`` (the method the pattern chose, config ``auto_methods``).

    Raises
    ------
    ConfigError
        An unknown method, an alpha outside (0, 1], ``sma_months`` < 1.
    InputError
        Bad input, as for :func:`must_stock`.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["gasket"] * 12, "period": pd.period_range("2024-01", periods=12, freq="M"),
    ...                       "quantity": [3] + [0] * 11})
    >>> row = forecasts(sales, methods=["croston", "tsb", "auto"]).iloc[0]
    >>> float(row["croston"]), round(float(row["tsb"]), 4), row["auto_method"]
    (3.0, 0.9414, 'sba')
    """
    step = progress or (lambda stage: None)
    cfg = _override(load_config(config), alpha=alpha, alpha_d=alpha_d, alpha_p=alpha_p, sma_months=sma_months)
    methods = tuple(dict.fromkeys(methods or FORECASTERS))
    known = (*FORECASTERS, "auto")
    for method in methods:
        if method not in known:
            raise ConfigError(f"unknown forecast method {method!r}; use one of {', '.join(known)}")
    run = _load(history, parts, cfg, as_of, columns, encoding, step, supersessions=supersessions)
    step(STAGES[3])
    matrix = run.matrix
    pattern = demand_pattern(matrix.last(cfg.pattern_window_months), adi_cutoff=cfg.adi_cutoff,
                             cv2_cutoff=cfg.cv2_cutoff).code
    out: dict[str, Any] = {}
    if run.dealer is not None:
        out["dealer"] = _text(run.dealer, matrix.keys["dealer"].cat.categories)
    out["part"] = _text(run.part_code, matrix.keys["part"].cat.categories)
    if "description" in run.fields:
        out["description"] = _text(run.part_code, run.fields["description"].to_numpy(dtype=object))
    out["pattern"] = _text(pattern, PATTERNS)
    chosen = None
    for method in methods:
        if method == "auto":
            out["auto"], chosen, names = auto(matrix.values, pattern, table=cfg.auto_methods, **cfg.forecast_params)
            out["auto_method"] = _text(chosen, names)
        else:
            out[method] = forecast(matrix.values, method, **cfg.forecast_params)
    table = pd.DataFrame(out)
    report = _report(run, None, _Counts(None, None, len(matrix.keys["dealer"].cat.categories) if run.dealer
                                        is not None else None, len(matrix.keys["part"].cat.categories), None))
    params = {k: v for k, v in cfg.forecast_params.items()
              if any(k in FORECAST_PARAMS.get(m, ()) for m in (*methods, *cfg.auto_methods.values()))}
    report["forecast"] = {"methods": list(methods), "params": params,
                          "auto_methods": None if chosen is None else
                          table["auto_method"].value_counts(sort=False).sort_index().to_dict()}
    report["classes"] = {"pattern": table["pattern"].value_counts(sort=False).sort_index().to_dict()}
    table.attrs["report"] = report
    return table


def _master_criteria(cfg: Config) -> tuple[str, ...]:
    """The criteria that name other numeric columns of the parts master (read as numbers)."""
    return tuple(c.partition(":")[0] for c in cfg.criteria
                 if c.partition(":")[0] not in COMPUTED_CRITERIA + MASTER_CRITERIA)


def _override(cfg: Config, **changes: Any) -> Config:
    """The config with the keys that a caller (or a CLI option) gave; checked like a config file, named as the option."""
    changes = {k: v for k, v in changes.items() if v is not None}
    if not changes:
        return cfg
    try:
        return cfg.replace(**changes)
    except ConfigError as exc:
        raise ConfigError(str(exc).replace("config key ", "")) from None


def _classify(run: _Run) -> pd.DataFrame:
    matrix, cfg, fields = run.matrix, run.cfg, run.fields
    keys, part_code, dealer = matrix.keys, run.part_code, run.dealer
    part_names = keys["part"].cat.categories
    cost = run.per_series("unit_cost", np.float64)
    attribute = run.per_series("attribute", "<U1")
    cycle = run.per_series("order_cycle_days", np.float64) + run.per_series("lead_time_days", np.float64)
    abc_value, abc_class, basis = _abc(run, cost)
    window = matrix.last(cfg.abc_window_months)
    variation = xyz(window, xyz_x=cfg.xyz_x, xyz_y=cfg.xyz_y)
    movement = fsn(matrix.values, fsn_fast_months=cfg.fsn_fast_months, fsn_slow_months=cfg.fsn_slow_months,
                   phase_in_hits=cfg.phase_in_hits, phase_in_months=cfg.phase_in_months,
                   phase_out_months=cfg.phase_out_months)
    sbc = demand_pattern(matrix.last(cfg.pattern_window_months), adi_cutoff=cfg.adi_cutoff, cv2_cutoff=cfg.cv2_cutoff)
    network = _NETWORK.get()
    if network is not None:  # the network's multi-criteria classes, computed once from its aggregates
        mc, mc_report = network.mc
    else:
        mc, mc_report = _multi_criteria(run, _network_criteria(run, window))
    code = class_code_index(abc_class, attribute, cycle, cfg.cycle_band_edges)
    since = movement.months_since_demand
    out: dict[str, Any] = {}
    if dealer is not None:
        out["dealer"] = _text(dealer, keys["dealer"].cat.categories)
    out["part"] = _text(part_code, part_names)
    if "description" in fields:
        out["description"] = _text(part_code, fields["description"].to_numpy(dtype=object))
    out.update({
        "abc_class": _text(np.searchsorted(ATTRIBUTES, abc_class), ATTRIBUTES),
        "abc_value": abc_value,
        "xyz_class": _text(np.searchsorted(XYZ_CLASSES, variation.xyz_class), XYZ_CLASSES),
        "cv": variation.cv,
        "fsn_class": _text(_codes(movement.fsn_class, FSN_CLASSES), FSN_CLASSES),
        "months_since_demand": pd.arrays.IntegerArray(np.nan_to_num(since).astype(np.int64), np.isnan(since)),
        "hits_12m": movement.hits_12m,
        "phase_in": movement.phase_in,
        "phase_out": movement.phase_out,
        "adi": sbc.adi,
        "cv2": sbc.cv2,
        "pattern": _text(sbc.code, PATTERNS),
        "mc_score": mc.score[part_code],
        "mc_class": _text(np.searchsorted(ATTRIBUTES, mc.mc_class)[part_code], ATTRIBUTES),
        "class_code": _text(code, all_class_codes(cfg.cycle_band_edges)),
    })
    table = pd.DataFrame(out)
    counts = _Counts(decisions=None, reasons=None, dealers=len(keys["dealer"].cat.categories) if dealer is not None
                     else None, parts=len(part_names), stock_value=None)
    report = _report(run, basis, counts)
    report["classes"] = {column: table[column].value_counts(sort=False).sort_index().to_dict()
                         for column in ("abc_class", "xyz_class", "fsn_class", "pattern", "mc_class")}
    report["classes"]["phase_in"] = int(movement.phase_in.sum())
    report["classes"]["phase_out"] = int(movement.phase_out.sum())
    report["mc"] = {**{k: v for k, v in mc.report.items() if isinstance(v, (int, float, str))}, **mc_report}
    table.attrs["report"] = report
    return table


def _codes(labels: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Positions of text labels in ``names`` (a few distinct labels; one hash lookup)."""
    return pd.Index(list(names)).get_indexer(np.asarray(labels, dtype=object))


@dataclass(frozen=True)
class _Criteria:
    values: np.ndarray  # (n_parts, m)
    names: list[str]
    directions: list[str]


def _series_criteria(run: _Run, window: np.ndarray) -> dict[str, np.ndarray]:
    """Each series' share of the computed criteria: its window quantity and hits."""
    return {"quantity": window.sum(axis=1), "hits": hits_in_window(run.matrix, run.cfg.abc_window_months)}


def _network_criteria(run: _Run, window: np.ndarray) -> dict[str, np.ndarray]:
    """The computed criteria's sums over the network, per part.

    Summed over the series in (dealer, part) order, as :mod:`spareopt.engine` folds its partitions.
    """
    n_parts = len(run.fields)
    return {name: np.bincount(run.part_code, weights=value, minlength=n_parts)
            for name, value in _series_criteria(run, window).items()}


def _multi_criteria(run: _Run, sums: Mapping[str, np.ndarray]) -> tuple[Any, dict[str, Any]]:
    """The multi-criteria ABC of every part (config ``mc_method``) from the network's sums."""
    cfg = run.cfg
    criteria, report = _criteria(run, sums)
    mc = multi_criteria_abc(criteria.values, method=cfg.mc_method, directions=criteria.directions,
                            weights=cfg.weights or None, names=criteria.names, mc_a=cfg.mc_a, mc_b=cfg.mc_b,
                            mc_lambda=cfg.mc_lambda, mc_min_weight=cfg.mc_min_weight, joint_table=cfg.mc_joint_table,
                            labels=run.matrix.keys["part"].cat.categories)
    return mc, report


def _criteria(run: _Run, sums: Mapping[str, np.ndarray]) -> tuple[_Criteria, dict[str, Any]]:
    """The criteria matrix of the multi-criteria ABC, one row per part (sorted), with what was filled in."""
    cfg, fields, master, matrix = run.cfg, run.fields, run.master, run.matrix
    n_parts = len(fields)
    part_cost = fields["unit_cost"].to_numpy(dtype=np.float64)
    known_cost = bool(np.isfinite(part_cost).any())
    specs = list(cfg.criteria)
    if not specs:  # the seed's four dimensions, those that are known
        in_master = master.frame.columns if master is not None else []
        specs = [c for c in ("commonality", "criticality") if c in in_master]
        specs += ["unit_cost", "annual_value"] if known_cost else ["annual_quantity"]
    names = [c.partition(":")[0] for c in specs]
    directions = [c.partition(":")[2] or "max" for c in specs]
    if cfg.weights and len(cfg.weights) != len(names):
        raise ConfigError(f"weights must give one weight per criterion ({len(names)}: {', '.join(names)}), "
                          f"got {list(cfg.weights)!r}")
    months = min(cfg.abc_window_months, len(matrix.periods))
    quantity = sums["quantity"] * (12 / months)
    columns, filled = [], {}
    position = None
    if master is not None:  # one hash lookup, on object indexes (as part_fields does)
        position = pd.Index(master.frame.index.to_numpy(dtype=object), dtype=object).get_indexer(
            pd.Index(np.asarray(matrix.keys["part"].cat.categories, dtype=object), dtype=object))
    for name in names:
        if name == "annual_quantity":
            value = quantity
        elif name == "annual_value":
            value = quantity * part_cost
        elif name == "hits":
            value = sums["hits"]
        elif name in ("unit_cost", "lead_time_days", "order_cycle_days", "pack_size"):
            value = fields[name].to_numpy(dtype=np.float64)
        elif position is not None and name in master.frame.columns:
            column = master.frame[name].to_numpy(dtype=np.float64)
            value = np.where(position >= 0, column[np.maximum(position, 0)], np.nan)
        else:
            heads = list(master.report.get("headers", master.frame.columns)) if master is not None else []
            raise InputError(
                f"unknown criterion {name!r}: use {', '.join(COMPUTED_CRITERIA)} (computed)"
                + (f", or a numeric column of the parts master {master.report.get('source')} "
                   f"({', '.join(map(repr, heads))})" if master is not None else
                   ", or give a parts master (--parts) with that column")
            )
        value = np.asarray(value, dtype=np.float64)
        missing = ~np.isfinite(value)
        if missing.all():
            raise InputError(f"criterion {name!r} is unknown for every part"
                             + (" (no unit_cost in the parts master or the history)" if "cost" in name or
                                name == "annual_value" else "") + "; give its values or choose another criterion")
        if missing.any():  # the least important value, counted in the report
            known = value[~missing]
            value = np.where(missing, known.min() if directions[names.index(name)] == "max" else known.max(), value)
            filled[name] = int(missing.sum())
        columns.append(value)
    report = {"method": cfg.mc_method, "criteria": [f"{n}:{d}" for n, d in zip(names, directions)],
              "weights": list(cfg.weights) if cfg.weights else None, "filled_least_important": filled}
    if "hits" in names:
        report["hits"] = "order lines" if matrix.lines is not None else "months with demand"
    return _Criteria(np.column_stack(columns) if columns else np.zeros((n_parts, 0)), names, directions), report


@dataclass
class _Run:
    """What every job reads: the demand matrix, the run report so far, and the part fields."""

    matrix: DemandMatrix
    history_report: dict[str, Any]
    master: PartsMaster | None
    cfg: Config
    fields: pd.DataFrame
    parts_report: dict[str, Any]
    order_lines: bool
    resolution: Resolution | None = None
    new_part: np.ndarray | None = None  # bool per part code: listed for its min_stock, never sold (None: none)

    @functools.cached_property
    def part_code(self) -> np.ndarray:
        return self.matrix.keys["part"].cat.codes.to_numpy()  # categories are sorted: codes rank the part numbers

    @functools.cached_property
    def dealer(self) -> np.ndarray | None:
        return self.matrix.keys["dealer"].cat.codes.to_numpy() if self.matrix.has_dealer else None

    def per_series(self, column: str, dtype: Any = None) -> np.ndarray:
        return self.fields[column].to_numpy(dtype=dtype)[self.part_code]

    @functools.cached_property
    def new_series(self) -> np.ndarray:
        """Which series are rows of a new part (:func:`spareopt.parts.new_parts`): zero demand, no history."""
        if self.new_part is None:
            return np.zeros(len(self.part_code), dtype=bool)
        return self.new_part[self.part_code]


def _load(history: Source | History, parts: Source | PartsMaster | None, cfg: Config, as_of: str | pd.Period | None,
          columns: Mapping[str, str] | None, encoding: str | None, step: Callable[[str], None],
          numeric: tuple[str, ...] = (), supersessions: Source | Supersessions | None = None,
          plan_new: bool = False, holdout_months: int = 0) -> _Run:
    """Read the history and the parts master (and supersessions), build the demand matrix and the part fields.

    ``plan_new``: a planning job; the master's new parts (:func:`spareopt.parts.new_parts`: a ``min_stock``, no
    history line up to as_of less ``holdout_months``, evaluate's training months) get rows of zero demand at every
    dealer (:func:`spareopt.history.with_parts`).
    """
    _check_column_names(columns)
    table = None
    if supersessions is not None and not isinstance(supersessions, Supersessions):  # a bad file fails first
        table = load_supersessions(supersessions, columns=_only(columns, SUPERSESSION_COLUMNS), encoding=encoding)
    step(STAGES[0])
    hist = history if isinstance(history, History) else load_history(history, columns=columns, encoding=encoding)
    step(STAGES[1])
    master = parts if isinstance(parts, PartsMaster) or parts is None else load_parts(
        parts, columns=columns, encoding=encoding, numeric=numeric)
    _check_overrides_used(columns, hist, master)
    network = _NETWORK.get()
    if network is None:
        hist, master, resolution = _supersede(hist, master, table if table is not None else supersessions, as_of)
    else:  # the network's supersessions: resolved once, on its lines already, and the master given without old parts
        resolution = network.resolution
    step(STAGES[2])
    order_lines = "date" in (hist.report.get("columns") or {})  # one row per order line, not monthly totals
    count_lines = order_lines and (cfg.abc_basis == "hits" or "hits" in [c.partition(":")[0] for c in cfg.criteria])
    if network is not None:  # one dealer set of a network: the network's months, parts and fields
        matrix = network.recode(demand_matrix(hist, as_of=network.as_of, count_lines=count_lines,
                                              start=network.start))
        if network.new_part is not None:
            matrix = with_parts(matrix, network.parts[network.new_part])
        return _Run(matrix, network.history_report, master, cfg, network.fields, network.parts_report, order_lines,
                    resolution, network.new_part)
    matrix = demand_matrix(hist, as_of=as_of, count_lines=count_lines, price="unit_price" in hist.lines)
    added = _new_parts(hist, matrix, master, holdout_months) if plan_new else ()
    matrix = with_parts(matrix, added)
    price = _history_price(matrix)
    history_report = {**hist.report, "last_period": str(pd.Period(ordinal=int(hist.lines["month"].max()), freq="M"))}
    del hist  # the lines are summed into the matrix: free them before the plan (when we read them)
    part_names = matrix.keys["part"].cat.categories
    fields, parts_report = part_fields(np.asarray(part_names, dtype=object), master, cfg, history_price=price)
    new_part = pd.Index(np.asarray(part_names, dtype=object), dtype=object).isin(added) if len(added) else None
    return _Run(matrix, history_report, master, cfg, fields, parts_report, order_lines, resolution, new_part)


def _new_parts(hist: History, matrix: DemandMatrix, master: PartsMaster | None, holdout_months: int) -> np.ndarray:
    """The master's new parts: a ``min_stock`` or an ``installed_base``, and no history line up to as_of less
    ``holdout_months``."""
    sold = matrix.keys["part"].cat.categories
    if holdout_months and master is not None and {"min_stock", "installed_base"} & set(master.frame):  # training
        early = hist.lines["month"] <= int(matrix.periods[-1].ordinal) - holdout_months
        sold = np.asarray(hist.names["part"], dtype=object)[np.unique(hist.lines["part"][early])]
    return new_parts(master, sold)


def _only(columns: Mapping[str, str] | None, spec: Mapping[str, Any]) -> dict[str, str] | None:
    """The ``--column`` overrides of one file's own columns."""
    return {k: v for k, v in (columns or {}).items() if k in spec} or None


def _supersede(hist: History, master: PartsMaster | None, supersessions: Supersessions | None,
               as_of: str | pd.Period | None) -> tuple[History, PartsMaster | None, Resolution | None]:
    """Move the demand of replaced part numbers to their leading parts (the file's and the master's replaced_by)."""
    table = _supersession_table(master, supersessions)
    if table is None:
        return hist, master, None
    end = _as_of_ordinal(as_of) if as_of is not None else int(hist.lines["month"].max())
    resolution, master = _resolution(master, table, end)
    hist, _ = apply_to_history(hist, resolution)
    return hist, master, resolution


def _supersession_table(master: PartsMaster | None, supersessions: Supersessions | None) -> Supersessions | None:
    """The supersession rows of the file and of the master's replaced_by, as one table (None: there are none)."""
    tables = [] if supersessions is None else [supersessions]
    if master is not None and "replaced_by" in master.frame:
        tables.append(supersessions_from_master(master.frame, str(master.report.get("source"))))
    tables = [t for t in tables if len(t)]
    if not tables:
        return None
    return tables[0] if len(tables) == 1 else Supersessions(
        pd.concat([t.frame for t in tables]), {**tables[0].report, "source": " and ".join(
            str(t.report.get("source")) for t in tables)})


def _resolution(master: PartsMaster | None, table: Supersessions, end: int) -> tuple[Resolution, PartsMaster | None]:
    """The supersessions in force at the month ``end`` and the master without the old parts' rows."""
    resolution = resolve(table, as_of_ordinal=end)
    if master is not None:
        frame, dropped = apply_to_master(master.frame, resolution)
        master = PartsMaster(frame, {**master.report, "superseded_rows": dropped})
    return resolution, master


@dataclass(frozen=True)
class _Plan:
    """One stocking plan as arrays, one element per series (in the matrix's dealer, part order)."""

    policy: str
    decision: np.ndarray  # int8 into DECISIONS
    reason: np.ndarray  # int8 into REASONS + class_policy
    rule: np.ndarray  # int16, the class policy row that matched, -1 none
    priority: np.ndarray
    mad: np.ndarray
    half_year_quantity: np.ndarray
    ssq: np.ndarray
    reorder_point: np.ndarray
    max_stock: np.ndarray
    cost: np.ndarray
    attribute: np.ndarray
    abc_class: np.ndarray
    basis: str
    code: np.ndarray
    pattern: np.ndarray
    high_value: float
    demand: _DemandModel
    target_kind: np.ndarray | None  # int8 into TARGET_KINDS, service-level policy only
    target: np.ndarray | None
    implied_csl: np.ndarray
    implied_fill_rate: np.ndarray
    model: np.ndarray  # int8 into DEMAND_MODELS
    min_stock: np.ndarray  # the planner's floor m of every series (0: none)
    floor_raised: np.ndarray  # bool, a row the policy stocks whose s or S the floor raised
    floor_units: np.ndarray  # int64, the dealer stock (max_stock) the floor added: S' - S, or S' where it stocks


TARGET_KINDS = ("csl", "fill_rate")
"""Kinds of service target: a cycle service level or a fill rate."""


@dataclass(frozen=True)
class _DemandModel:
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


def _demand_model(run: _Run, pattern: np.ndarray, rule: np.ndarray) -> _DemandModel:
    """The lead-time demand model of every series (config ``lead_time_demand``, :mod:`spareopt.backtest`)."""
    cfg, q = run.cfg, run.matrix.values
    method = cfg.forecast_method
    if method == "auto":
        _, chosen, methods = auto(q[:, -1:], pattern, table=cfg.auto_methods, **cfg.forecast_params)  # codes only
    else:
        chosen, methods = np.zeros(len(q), np.int8), (method,)
    network = _NETWORK.get()
    demand, models, calibration = lead_time_demand(
        q, pattern.astype(np.int64), inputs=None if network is None else network.demand,
        new=None if run.new_part is None else run.new_series, base=_installed_base(run), **_demand_args(run, rule))
    methods = (*methods, "poisson_gamma")
    pooled = np.asarray(models)[demand.model] == "poisson_gamma"
    chosen = np.where(pooled, len(methods) - 1, chosen).astype(np.int8)
    if demand.declined is not None and demand.declined.any():  # stopped series forecast by TSB (obsolescence)
        if "tsb" not in methods:
            methods = (*methods, "tsb")
        chosen = np.where(demand.declined, methods.index("tsb"), chosen).astype(np.int8)
    return _DemandModel(demand.forecast, chosen, methods, demand.variance, demand.model, models, demand.scale,
                        calibration, 0 if demand.declined is None else int(demand.declined.sum()), demand.informed,
                        demand.failure_rate)


def _installed_base(run: _Run) -> Any:
    """The parts' installed base with the series' part and dealer codes (None without one)."""
    return installed_base(run.fields, run.part_code, run.dealer)


def installed_base_report(run: _Run, plan: _Plan, stocked: np.ndarray | None = None) -> dict[str, Any] | None:
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


def _demand_args(run: _Run, rule: np.ndarray) -> dict[str, Any]:
    """What the lead-time demand model reads of every series (:func:`spareopt.backtest.lead_time_demand`)."""
    kind, target = _targets(run.cfg, rule)
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


def _decide(run: _Run, policy: str | None = None) -> _Plan:
    """Decisions, reasons, priorities and stock levels of every series under ``policy`` (default: the config's)."""
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
    abc_value, abc_class, basis, code, rule = _class_rule(run, cost, attribute, lead, cycle)
    pattern = _pattern(run)

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

    demand = _demand_model(run, pattern, rule)
    service = {"normal_min_mean": cfg.normal_min_mean, "overdispersion_min": cfg.overdispersion_min}
    target_kind = target = None
    if policy == "seed":
        rop, top = reorder_point(mad_, lead, ssq_), max_stock(mad_, lead, cycle, ssq_)
    elif policy == "service-level":
        target_kind, target = _targets(cfg, rule)
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
    return _Plan(policy, final_decision, reason, rule, priority, mad_, hyq, ssq_, rop, top, cost, attribute, abc_class,
                 basis, code, pattern, high_value, demand, target_kind, target, csl, fill, model, floor, raised, added)


def _volume_quantity(run: _Run, hyq: np.ndarray) -> np.ndarray | None:
    """The half-year quantity rule 4 reads: the part's over the whole network (config ``low_volume_basis``
    ``network``, with dealers), else None (each series' own)."""
    if run.dealer is None or run.cfg.low_volume_basis != "network":
        return None
    network = _NETWORK.get()
    if network is not None and network.demand is not None and network.demand.part_half_year is not None:
        return network.demand.part_half_year[run.part_code]
    n_parts = len(run.matrix.keys["part"].cat.categories)
    return network_quantity(np.bincount(run.part_code, weights=hyq, minlength=n_parts))[run.part_code]


def _pattern(run: _Run) -> np.ndarray:
    cfg = run.cfg
    return demand_pattern(run.matrix.last(cfg.pattern_window_months), adi_cutoff=cfg.adi_cutoff,
                          cv2_cutoff=cfg.cv2_cutoff).code


def _class_rule(run: _Run, cost: np.ndarray, attribute: np.ndarray, lead: np.ndarray,
                cycle: np.ndarray) -> tuple[np.ndarray, np.ndarray, str, np.ndarray, np.ndarray]:
    """ABC value, class and basis, the three-in-one class code and the class policy row of every series."""
    abc_value, abc_class, basis = _abc(run, cost)
    code = class_code_index(abc_class, attribute, cycle + lead, run.cfg.cycle_band_edges)
    return abc_value, abc_class, basis, code, match_class_policy(code, run.cfg.class_policy, run.cfg.cycle_band_edges)


DEMAND_STAGES = ("sums", "backtest")
"""The network passes of the lead-time demand model on the stream and dask engines (:func:`demand_part`)."""


def demand_part(run: _Run, stage: str) -> Any:
    """One dealer set's share of the network's lead-time demand inputs (the stream and dask engines).

    ``stage`` ``"sums"``: its :class:`spareopt.backtest.DemandSums` (the priors' sums); ``"backtest"``: its
    :func:`spareopt.backtest.backtest_sums`, with the network's priors set.  The engines add them over the
    dealer sets, so that every set plans with the model the local engine fits on the whole network.
    """
    cost = run.per_series("unit_cost", np.float64)
    attribute = run.per_series("attribute", "<U1")
    lead = run.per_series("lead_time_days", np.float64)
    cycle = run.per_series("order_cycle_days", np.float64)
    rule = _class_rule(run, cost, attribute, lead, cycle)[4]
    pattern = _pattern(run).astype(np.int64)
    if stage == "sums":
        sums = demand_sums(run.matrix.values, pattern, attribute, run.cfg,
                           new=None if run.new_part is None else run.new_series, base=_installed_base(run))
        n_parts = len(run.matrix.keys["part"].cat.categories)
        return dataclasses.replace(sums, part_half_year=np.bincount(
            run.part_code, weights=half_year_quantity(run.matrix.values), minlength=n_parts))
    return backtest_sums(run.matrix.values, inputs=_NETWORK.get().demand, **_demand_args(run, rule))


def must_stock_demand_part(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    stage: str,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    supersessions: Source | Supersessions | None = None,
    **_: Any,
) -> Any:
    """:func:`demand_part` on the run of ``must_stock`` (and of ``order``, ``dead_stock`` and ``kpi``)."""
    load = {k: v for k, v in (columns or {}).items() if k not in ("on_hand", "on_order", "reserved")} or None
    run = _load(history, parts, load_config(config), as_of, load, encoding, lambda stage: None,
                supersessions=supersessions, plan_new=True)
    return demand_part(run, stage)


def _targets(cfg: Config, rule: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The service target of every series: its class policy row's, else the config's default."""
    rows = [r.target or cfg.service_target for r in cfg.class_policy] + [cfg.service_target]
    kinds = np.array([TARGET_KINDS.index(kind) for kind, _ in rows], dtype=np.int8)
    values = np.array([value for _, value in rows], dtype=np.float64)
    return kinds[rule], values[rule]  # rule -1 (no row) takes the last: the default


def _plan(run: _Run, policy: str | None = None, *, free_matrix: bool = False) -> pd.DataFrame:
    plan = _decide(run, policy)
    if free_matrix:  # the months are summed into the plan: free them before the table is built (the peak)
        run.matrix = dataclasses.replace(run.matrix, values=np.empty((len(run.matrix.values), 0)), lines=None)
    matrix, cfg, fields = run.matrix, run.cfg, run.fields
    keys = matrix.keys
    part_code, dealer = run.part_code, run.dealer
    part_names = keys["part"].cat.categories
    decision, reason, rule, priority, cost = plan.decision, plan.reason, plan.rule, plan.priority, plan.cost

    # rows are in (dealer, part) order: a stable sort on (dealer, decision, priority) keeps part order in ties
    rank = np.zeros(len(decision), dtype=np.int64) if dealer is None else dealer.astype(np.int64) * len(DECISIONS)
    rank = (rank + decision) * (int(priority.max(initial=0)) + 1) + priority
    order = np.argsort(rank, kind="stable")
    out: dict[str, Any] = {}
    if dealer is not None:
        out["dealer"] = _text(dealer[order], keys["dealer"].cat.categories)
    out["part"] = _text(part_code[order], part_names)
    if "description" in fields:
        out["description"] = _text(part_code[order], fields["description"].to_numpy(dtype=object))
    reasons = list(PLAN_REASONS)
    no_target = plan.target is None
    out.update({
        "abc_class": _text(np.searchsorted(ATTRIBUTES, plan.abc_class[order]), ATTRIBUTES),
        "attribute": _text(np.searchsorted(ATTRIBUTES, plan.attribute[order]), ATTRIBUTES),
        "class_code": _text(plan.code[order], all_class_codes(cfg.cycle_band_edges)),
        "pattern": _text(plan.pattern[order], PATTERNS),
        "unit_cost": cost[order],
        "half_year_quantity": plan.half_year_quantity[order],
        "mad": plan.mad[order],
        "ssq": plan.ssq[order],
        "reorder_point": plan.reorder_point[order],
        "max_stock": plan.max_stock[order],
        **({"min_stock": plan.min_stock[order].astype(np.int64)} if _has_min_stock(run) else {}),
        "forecast_method": _text(plan.demand.method[order], plan.demand.methods),
        "forecast": plan.demand.forecast[order],
        "demand_model": _text(plan.model[order], DEMAND_MODELS),
        "target_kind": _text(np.full(len(order), len(TARGET_KINDS)) if no_target else plan.target_kind[order],
                             [*TARGET_KINDS, None]),
        "target": np.full(len(order), np.nan) if no_target else plan.target[order],
        "implied_csl": plan.implied_csl[order],
        "implied_fill_rate": plan.implied_fill_rate[order],
        "decision": _text(decision[order], DECISIONS),
        "reason": _text(reason[order], reasons),
        "policy_rule": _text(np.where(rule < 0, len(cfg.class_policy), rule)[order],
                             [r.match for r in cfg.class_policy] + [None]),
        "priority": pd.arrays.IntegerArray(priority[order], priority[order] == 0),
    })
    table = pd.DataFrame(out)
    stocked = decision == 0
    counts = _Counts(
        decisions=np.bincount(decision, minlength=len(DECISIONS)), reasons=np.bincount(reason, minlength=len(reasons)),
        dealers=len(keys["dealer"].cat.categories) if dealer is not None else None, parts=len(part_names),
        stock_value=float(np.nansum(plan.max_stock[stocked] * cost[stocked])) if np.isfinite(cost).any() else None,
    )
    report = _report(run, plan.basis, counts)
    report["high_value_cost"] = plan.high_value
    report["reasons"] = dict(zip(reasons, counts.reasons.tolist()))
    report["stocking"] = stocking_sums(plan.half_year_quantity, decision, reason, reasons)
    if cfg.class_policy:
        used = np.bincount(rule[rule >= 0], minlength=len(cfg.class_policy))
        report["class_policy"] = {r.match: int(n) for r, n in zip(cfg.class_policy, used)}
    report["service"] = _service_report(cfg, plan, stocked, len(matrix.periods))
    report["min_stock"] = min_stock_report(run, plan) if _has_min_stock(run) else None
    report["installed_base"] = installed_base_report(run, plan)
    table.attrs["report"] = report
    return table


def _has_min_stock(run: _Run) -> bool:
    """Whether the parts master has a ``min_stock`` column (the plan then shows and reports the floor)."""
    return run.master is not None and "min_stock" in run.master.frame


def min_stock_report(run: _Run, plan: _Plan) -> dict[str, Any]:
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
                  reasons: Sequence[str]) -> dict[str, Any]:
    """The last half year's units by decision and by reason (sums: the engines add them over dealer sets)."""
    return {
        "half_year_quantity": dict(zip(DECISIONS, np.bincount(decision, weights=half_year,
                                                              minlength=len(DECISIONS)).tolist())),
        "by_reason": dict(zip(reasons, np.bincount(reason, weights=half_year, minlength=len(reasons)).tolist())),
    }


def _service_report(cfg: Config, plan: _Plan, stocked: np.ndarray, months: int) -> dict[str, Any]:
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


def _abc(run: _Run, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """ABC value and class of every series, per dealer, on the configured basis.

    ``value``: unit_cost x quantity over the last ``abc_window_months`` (by
    quantity when no unit cost is known at all; the report says so);
    ``quantity``: the quantity; ``hits``: the order lines when the history has
    one row per order line, else the months with demand.
    """
    cfg, matrix = run.cfg, run.matrix
    basis = cfg.abc_basis
    if basis == "hits":
        value = hits_in_window(matrix, cfg.abc_window_months).astype(np.float64)
    else:
        value = matrix.last(cfg.abc_window_months).sum(axis=1)
        if basis == "value" and not np.isfinite(cost).any():
            basis = "quantity"
        if basis == "value":
            value = value * np.nan_to_num(cost, nan=0.0)
    classes = abc(value, group=run.dealer, order=run.part_code, abc_a=cfg.abc_a, abc_b=cfg.abc_b,
                  abc_cutoff=cfg.abc_cutoff, abc_count_a=cfg.abc_count_a, abc_count_b=cfg.abc_count_b)
    return value, classes, basis


def hits_in_window(matrix: DemandMatrix, months: int) -> np.ndarray:
    """Hits of every series over the last ``months``: order lines when counted, else months with demand."""
    if matrix.lines is not None:
        return matrix.lines[:, max(0, matrix.lines.shape[1] - months):].sum(axis=1, dtype=np.int64)
    return np.count_nonzero(matrix.last(months) > 0, axis=1)


@dataclass(frozen=True)
class _Counts:
    decisions: np.ndarray | None
    reasons: np.ndarray | None
    dealers: int | None
    parts: int
    stock_value: float | None


def _text(codes: np.ndarray, names: Any) -> pd.Series:
    """A text column from codes into names (None = missing), decoded by pyarrow (no Python string per row)."""
    import pyarrow as pa

    dictionary = pa.array(pd.Series(np.asarray(names, dtype=object), dtype=object), type=pa.string(), from_pandas=True)
    array = pa.DictionaryArray.from_arrays(pa.array(np.asarray(codes, dtype=np.int32)), dictionary)
    return pd.Series(array.dictionary_decode().to_pandas(types_mapper={pa.string(): pd.StringDtype(
        "pyarrow", na_value=np.nan)}.get))


def _history_price(matrix: DemandMatrix) -> np.ndarray | None:
    """Quantity-weighted average ``unit_price`` of each part's sales up to as_of (None: no prices).

    price = sum of the series' priced value / sum of their priced units (``DemandMatrix.priced``),
    summed over the series in (dealer, part) order: a partitioned run folds its partitions in
    the same order (:mod:`spareopt.engine`) and gets the same float sums.
    """
    if matrix.priced is None:
        return None
    part_code = matrix.keys["part"].cat.codes.to_numpy()
    n_parts = len(matrix.keys["part"].cat.categories)
    units = np.bincount(part_code, weights=matrix.priced[0], minlength=n_parts)
    value = np.bincount(part_code, weights=matrix.priced[1], minlength=n_parts)
    return _average_price(units, value)


def _average_price(units: np.ndarray, value: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(units > 0, value / units, np.nan)


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


def _check_column_names(columns: Mapping[str, str] | None) -> None:
    known = list(dict.fromkeys([*HISTORY_COLUMNS, *PARTS_COLUMNS, *SUPERSESSION_COLUMNS]))
    for canonical in columns or {}:
        if canonical not in known:
            raise InputError(f"--column {canonical}=...: `{canonical}` is not a column spareopt reads; "
                             f"use one of {', '.join(known)}")


def _check_overrides_used(columns: Mapping[str, str] | None, hist: History, master: PartsMaster | None) -> None:
    used = [hist.report.get("columns", {})] + ([master.report.get("columns", {})] if master is not None else [])
    for canonical, header in (columns or {}).items():
        if canonical not in HISTORY_COLUMNS and canonical not in PARTS_COLUMNS:
            continue  # a column of the supersession file: load_supersessions checks it
        if not any(mapping.get(canonical) == header for mapping in used):
            heads = hist.report.get("headers", [])
            raise InputError(
                f"--column {canonical}={header}: no header {header!r} in {hist.report.get('source')}"
                + (" or the parts master" if master is not None else "")
                + f" (headers: {', '.join(map(repr, heads))}); check the spelling"
            )


def _report(run: _Run, basis: str, counts: _Counts) -> dict[str, Any]:
    matrix, h, master, cfg, parts_report = run.matrix, run.history_report, run.master, run.cfg, run.parts_report
    return {
        "history": h.get("source"),
        "encoding": h.get("encoding"),
        "sheet": h.get("sheet"),
        "columns": h.get("columns"),
        "columns_ignored": h.get("columns_ignored", []),
        "rows_read": h.get("rows_read"),
        "rows_blank": h.get("rows_blank", 0),
        "rows_blank_first": h.get("rows_blank_first", []),
        "rows_no_quantity": h.get("rows_no_quantity", 0),
        "rows_no_quantity_first": h.get("rows_no_quantity_first", []),
        "rows_after_as_of": matrix.rows_after_as_of,
        "return_lines": h.get("return_lines", 0),
        "return_units": h.get("return_units", 0.0),
        "negative_months": matrix.negative_months,
        "series": len(matrix.values),
        "dealers": counts.dealers,
        "parts": counts.parts,
        "months": len(matrix.periods),
        "first_period": str(matrix.periods[0]),
        "as_of": str(matrix.as_of),
        "parts_master": master.report.get("source") if master is not None else None,
        "parts_not_in_master": parts_report["parts_not_in_master"],
        "parts_not_in_master_first": parts_report["parts_not_in_master_first"],
        "master_parts_without_history": parts_report["master_parts_without_history"],
        "new_parts": 0 if run.new_part is None else int(run.new_part.sum()),
        "new_parts_first": [] if run.new_part is None else [str(p) for p in np.asarray(
            matrix.keys["part"].cat.categories, dtype=object)[run.new_part][:5]],
        "defaulted": parts_report["defaulted"],
        "unit_cost_from_history": parts_report["unit_cost_from_history"],
        "unit_cost_unknown": parts_report["unit_cost_unknown"],
        "abc_basis": basis,
        "abc_hits": ("order lines" if run.matrix.lines is not None else "months with demand") if basis == "hits"
        else None,
        "abc_cutoff": cfg.abc_cutoff,
        "abc_window_months": min(cfg.abc_window_months, len(matrix.periods)),
        "decisions": dict(zip(DECISIONS, counts.decisions.tolist())) if counts.decisions is not None else None,
        "dealer_stock_value_at_max": counts.stock_value,
        "supersession": _supersession_report(run),
    }


def _supersession_report(run: _Run) -> dict[str, Any] | None:
    if run.resolution is None:
        return None
    moved = run.history_report.get("supersession") or {}
    return {**run.resolution.report, "history": moved, "mapping": run.resolution.mapping_frame(),
            "master_rows_dropped": run.master.report.get("superseded_rows") if run.master is not None else None}
