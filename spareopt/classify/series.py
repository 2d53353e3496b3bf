"""The classes a plan reads, once per run: ``classify_series(inputs) -> Classes``.

(read -> demand matrix ->) **classify** -> forecast -> policy: every series' ABC class per dealer, the seed's
three-in-one class code (ABC x attribute x supply band), the class policy row it matches and its demand
pattern.  :func:`spareopt.plan_stock` and every job that plans take them from here, so each is computed once
per run; the ``classify`` command's table adds the axes only it shows (XYZ, FSN, multi-criteria,
:func:`spareopt.classify.table.class_table`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..blocks import for_each_block
from ..history import DemandMatrix
from ..policy.class_policy import class_code_index, match_class_policy
from ..validate import instance
from .abc import abc
from .pattern import PATTERNS, PatternResult, demand_pattern

if TYPE_CHECKING:
    from ..inputs import Inputs

__all__ = ["INPUTS_FIX", "Classes", "abc_classes", "classify_series", "hits_in_window", "series_pattern"]

INPUTS_FIX = "Pass spareopt.load(history, parts, config): the history, parts master and settings, read and checked"
"""The hint of a function of the run's series given something else than the :class:`spareopt.Inputs` it needs."""


@dataclass(frozen=True, eq=False)
class Classes:
    """The classes of every series, one element per series (in the matrix's dealer, part order)."""

    abc_value: np.ndarray
    """The ABC basis' value over the last ``abc_window_months`` (float64): value, quantity or hits."""
    abc_class: np.ndarray
    """``"A"``, ``"B"`` or ``"C"`` per dealer (<U1)."""
    basis: str
    """The ABC basis used: the config's ``abc_basis``, or ``quantity`` where no unit cost is known at all."""
    code: np.ndarray
    """The three-in-one class code, as its position in :func:`spareopt.policy.class_policy.all_class_codes`."""
    rule: np.ndarray
    """The row of the config's ``class_policy`` the series matches (int16; -1: none)."""
    pattern: PatternResult
    """The demand pattern over the last ``pattern_window_months`` (Syntetos, Boylan & Croston 2005)."""


def classify_series(inputs: Inputs) -> Classes:
    r"""ABC, class code, class policy row and demand pattern of every series of ``inputs``.

    Notes
    -----
    - ABC per dealer on ``abc_basis`` over the last ``abc_window_months`` (:func:`abc_classes`).
    - The class code is the seed's three-in-one class: ABC class + ``attribute`` + the supply band of
      the supply cycle O/C + L/T against ``cycle_band_edges``
      (:func:`spareopt.policy.class_policy.class_code_index`).
    - The class policy row is the first row of ``class_policy`` whose ``match`` the code meets
      (:func:`spareopt.policy.class_policy.match_class_policy`).
    - The pattern is SBC's over the last ``pattern_window_months`` (:func:`series_pattern`).

    Examples
    --------
    >>> import pandas as pd
    >>> from spareopt.inputs import load
    >>> sales = pd.DataFrame({"part": ["filter"] * 6 + ["gasket"] * 6,
    ...                       "period": list(pd.period_range("2024-01", periods=6, freq="M")) * 2,
    ...                       "quantity": [20, 22, 18, 25, 21, 24] + [0, 0, 2, 0, 0, 2]})
    >>> classes = classify_series(load(sales))
    >>> classes.abc_class.tolist(), classes.basis, classes.pattern.pattern.tolist()
    (['A', 'C'], 'quantity', ['smooth', 'intermittent'])
    """
    from ..inputs import Inputs  # a cycle at import time: inputs needs the classifiers

    instance("inputs", inputs, Inputs, "a spareopt.Inputs", hint=INPUTS_FIX)
    cfg = inputs.cfg
    cost = inputs.per_series("unit_cost", np.float64)
    attribute = inputs.per_series("attribute", "<U1")
    supply_cycle = inputs.per_series("order_cycle_days", np.float64) + inputs.per_series("lead_time_days", np.float64)
    abc_value, abc_class, basis = abc_classes(inputs, cost)
    code = class_code_index(abc_class, attribute, supply_cycle, cfg.cycle_band_edges)
    rule = match_class_policy(code, cfg.class_policy, cfg.cycle_band_edges)
    return Classes(abc_value, abc_class, basis, code, rule, series_pattern(inputs))


def series_pattern(inputs: Inputs) -> PatternResult:
    """The SBC demand pattern of every series over the last ``pattern_window_months`` (``adi_cutoff``,
    ``cv2_cutoff``; :func:`spareopt.classify.pattern.demand_pattern`)."""
    cfg = inputs.cfg
    window = inputs.matrix.last(cfg.pattern_window_months)
    n = len(window)
    adi, cv2, code = np.empty(n), np.empty(n), np.empty(n, dtype=np.int8)

    def block(rows: slice) -> None:  # each series' pattern is its own: blocks of series on the cores
        part = demand_pattern(window[rows], adi_cutoff=cfg.adi_cutoff, cv2_cutoff=cfg.cv2_cutoff)
        adi[rows], cv2[rows], code[rows] = part.adi, part.cv2, part.code

    for_each_block(block, n)
    return PatternResult(adi, cv2, np.array(PATTERNS, dtype=object)[code], code)


def abc_classes(inputs: Inputs, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """ABC value and class of every series, per dealer, on the configured basis.

    ``value``: unit_cost x quantity over the last ``abc_window_months`` (by
    quantity when no unit cost is known at all; the report says so);
    ``quantity``: the quantity; ``hits``: the order lines when the history has
    one row per order line, else the months with demand.
    """
    cfg, matrix = inputs.cfg, inputs.matrix
    basis = cfg.abc_basis
    if basis == "hits":
        value = hits_in_window(matrix, cfg.abc_window_months).astype(np.float64)
    else:
        value = matrix.last(cfg.abc_window_months).sum(axis=1)
        if basis == "value" and not np.isfinite(cost).any():
            basis = "quantity"
        if basis == "value":
            value = value * np.nan_to_num(cost, nan=0.0)
    classes = abc(value, group=inputs.dealer, order=inputs.part_code, abc_a=cfg.abc_a, abc_b=cfg.abc_b,
                  abc_cutoff=cfg.abc_cutoff, abc_count_a=cfg.abc_count_a, abc_count_b=cfg.abc_count_b)
    return value, classes, basis


def hits_in_window(matrix: DemandMatrix, months: int) -> np.ndarray:
    """Hits of every series over the last ``months``: order lines when counted, else months with demand."""
    if matrix.lines is not None:
        return matrix.lines[:, max(0, matrix.lines.shape[1] - months):].sum(axis=1, dtype=np.int64)
    return np.count_nonzero(matrix.last(months) > 0, axis=1)
