"""The class table of every series: ABC, XYZ, FSN, demand pattern, multi-criteria class and class
code (the ``classify`` command; :func:`class_table`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..columns import text_column
from ..config import Config
from ..errors import ConfigError, InputError
from ..inputs import Counts, Inputs, run_report
from ..parts import ATTRIBUTES
from ..policy.class_policy import all_class_codes
from ..result import Result
from .multi import multi_criteria_abc
from .pattern import FSN_CLASSES, PATTERNS, XYZ_CLASSES, fsn, xyz
from .series import Classes, classify_series, hits_in_window

CLASS_COLUMNS = (
    "dealer", "part", "description", "abc_class", "abc_value", "xyz_class", "cv", "fsn_class", "months_since_demand",
    "hits_12m", "phase_in", "phase_out", "adi", "cv2", "pattern", "mc_score", "mc_class", "class_code",
)
"""Columns of :func:`classes`, in order (``dealer`` and ``description`` only when known)."""


COMPUTED_CRITERIA = ("annual_value", "annual_quantity", "hits")
"""Multi-criteria criteria computed from the history, per part over the network."""


MASTER_CRITERIA = ("commonality", "criticality", "unit_cost", "lead_time_days", "order_cycle_days", "pack_size")
"""Multi-criteria criteria read from the parts master's own columns (any other numeric column may be named)."""


def master_criteria(cfg: Config) -> tuple[str, ...]:
    """The criteria that name other numeric columns of the parts master (read as numbers)."""
    return tuple(c.partition(":")[0] for c in cfg.criteria
                 if c.partition(":")[0] not in COMPUTED_CRITERIA + MASTER_CRITERIA)


def class_table(run: Inputs, classes: Classes | None = None) -> Result:
    """The ``classify`` command's table and run report: ``classes`` (default :func:`classify_series`) with the
    XYZ, FSN and multi-criteria classes added."""
    matrix, cfg, fields = run.matrix, run.cfg, run.fields
    keys, part_code, dealer = matrix.keys, run.part_code, run.dealer
    part_names = keys["part"].cat.categories
    classes = classify_series(run) if classes is None else classes
    window = matrix.last(cfg.abc_window_months)
    variation = xyz(window, xyz_x=cfg.xyz_x, xyz_y=cfg.xyz_y)
    movement = fsn(matrix.values, fsn_fast_months=cfg.fsn_fast_months, fsn_slow_months=cfg.fsn_slow_months,
                   phase_in_hits=cfg.phase_in_hits, phase_in_months=cfg.phase_in_months,
                   phase_out_months=cfg.phase_out_months)
    sbc = classes.pattern
    network = run.network
    if network is not None:  # the network's multi-criteria classes, computed once from its aggregates
        mc, mc_report = network.mc
    else:
        mc, mc_report = multi_criteria_classes(run, _network_criteria(run, window))
    since = movement.months_since_demand
    out: dict[str, Any] = {}
    if dealer is not None:
        out["dealer"] = text_column(dealer, keys["dealer"].cat.categories)
    out["part"] = text_column(part_code, part_names)
    if "description" in fields:
        out["description"] = text_column(part_code, fields["description"].to_numpy(dtype=object))
    out.update({
        "abc_class": text_column(np.searchsorted(ATTRIBUTES, classes.abc_class), ATTRIBUTES),
        "abc_value": classes.abc_value,
        "xyz_class": text_column(np.searchsorted(XYZ_CLASSES, variation.xyz_class), XYZ_CLASSES),
        "cv": variation.cv,
        "fsn_class": text_column(_codes(movement.fsn_class, FSN_CLASSES), FSN_CLASSES),
        "months_since_demand": pd.arrays.IntegerArray(np.nan_to_num(since).astype(np.int64), np.isnan(since)),
        "hits_12m": movement.hits_12m,
        "phase_in": movement.phase_in,
        "phase_out": movement.phase_out,
        "adi": sbc.adi,
        "cv2": sbc.cv2,
        "pattern": text_column(sbc.code, PATTERNS),
        "mc_score": mc.score[part_code],
        "mc_class": text_column(np.searchsorted(ATTRIBUTES, mc.mc_class)[part_code], ATTRIBUTES),
        "class_code": text_column(classes.code, all_class_codes(cfg.cycle_band_edges)),
    })
    table = pd.DataFrame(out)
    counts = Counts(decisions=None, reasons=None, dealers=len(keys["dealer"].cat.categories) if dealer is not None
                     else None, parts=len(part_names), stock_value=None)
    report = run_report(run, classes.basis, counts)
    report["classes"] = {column: table[column].value_counts(sort=False).sort_index().to_dict()
                         for column in ("abc_class", "xyz_class", "fsn_class", "pattern", "mc_class")}
    report["classes"]["phase_in"] = int(movement.phase_in.sum())
    report["classes"]["phase_out"] = int(movement.phase_out.sum())
    report["mc"] = {**{k: v for k, v in mc.report.items() if isinstance(v, (int, float, str))}, **mc_report}
    return Result(table, report)


def _codes(labels: np.ndarray, names: Sequence[str]) -> np.ndarray:
    """Positions of text labels in ``names`` (a few distinct labels; one hash lookup)."""
    return pd.Index(list(names)).get_indexer(np.asarray(labels, dtype=object))


@dataclass(frozen=True)
class _Criteria:
    values: np.ndarray  # (n_parts, m)
    names: list[str]
    directions: list[str]


def series_criteria(run: Inputs, window: np.ndarray) -> dict[str, np.ndarray]:
    """Each series' share of the computed criteria: its window quantity and hits."""
    return {"quantity": window.sum(axis=1), "hits": hits_in_window(run.matrix, run.cfg.abc_window_months)}


def _network_criteria(run: Inputs, window: np.ndarray) -> dict[str, np.ndarray]:
    """The computed criteria's sums over the network, per part.

    Summed over the series in (dealer, part) order, as :mod:`spareopt.engine` folds its partitions.
    """
    n_parts = len(run.fields)
    return {name: np.bincount(run.part_code, weights=value, minlength=n_parts)
            for name, value in series_criteria(run, window).items()}


def multi_criteria_classes(run: Inputs, sums: Mapping[str, np.ndarray]) -> tuple[Any, dict[str, Any]]:
    """The multi-criteria ABC of every part (config ``mc_method``) from the network's sums."""
    cfg = run.cfg
    criteria, report = _criteria(run, sums)
    mc = multi_criteria_abc(criteria.values, method=cfg.mc_method, directions=criteria.directions,
                            weights=cfg.weights or None, names=criteria.names, mc_a=cfg.mc_a, mc_b=cfg.mc_b,
                            mc_lambda=cfg.mc_lambda, mc_min_weight=cfg.mc_min_weight, joint_table=cfg.mc_joint_table,
                            labels=run.matrix.keys["part"].cat.categories)
    return mc, report


def _criteria(run: Inputs, sums: Mapping[str, np.ndarray]) -> tuple[_Criteria, dict[str, Any]]:
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

