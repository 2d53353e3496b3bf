"""The seed's must-stock rules: where each part is kept, why, and in what priority."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from .._sort import group_codes, rank_in_group, rank_within_groups
from .seed import CEIL_TOLERANCE

__all__ = ["DECISIONS", "REASONS", "RULE_TESTS", "decide", "stocking_priority"]

DECISIONS = ("dealer", "central", "none")
"""Stocked at the dealer, kept at the central transit warehouse (中转库), or ordered on demand."""

REASONS = {
    "direct_supply": "none",
    "high_value_assembly": "none",
    "no_demand": "none",
    "low_volume": "none",
    "low_ssq": "central",
    "stock": "dealer",
}
"""Each reason, in the order the rules are tried, with the decision it gives."""

RULE_TESTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "high_value_assembly": (("unit_cost", ">=", "high_value_cost"),),
    "no_demand": (("half_year_quantity", "<=", "zero"),),
    "low_volume": (("network_half_year_quantity", "<=", "low_volume_max"),),
    "low_ssq": (("ssq", "<", "central_ssq_min"),),
    "stock": (("network_half_year_quantity", ">", "low_volume_max"), ("ssq", ">=", "central_ssq_min")),
    "min_stock": (("min_stock", ">", "zero"),),
}
"""What each reason tested, as (column, comparison, threshold) triples, the threshold a config key (``zero``: 0):
what a report shows beside a row's reason, the row's value against the key's.  ``network_half_year_quantity``
is the part's half-year quantity over the network (config ``low_volume_basis = "network"``), else the row's own.
``direct_supply`` tests order_cycle_days + lead_time_days = 0, and ``class_policy`` names its row."""


REASON_NAMES = np.array(list(REASONS), dtype=object)
DECISION_OF_REASON = np.array(list(REASONS.values()), dtype=object)
DECISION_CODE_OF_REASON = np.array([DECISIONS.index(d) for d in REASONS.values()], dtype=np.int8)


def decide(
    *,
    order_cycle_days: ArrayLike,
    lead_time_days: ArrayLike,
    attribute: ArrayLike,
    unit_cost: ArrayLike,
    half_year_quantity: ArrayLike,
    ssq: ArrayLike,
    high_value_cost: float,
    low_volume_max: float = 12.0,
    central_ssq_min: float = 1.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Decision and reason for every series; the first rule that matches wins.

    Parameters
    ----------
    order_cycle_days, lead_time_days : array_like, shape (n,)
        O/C and L/T, days.
    attribute : array_like of str, shape (n,)
        Three-in-one attribute A, B or C.
    unit_cost : array_like, shape (n,)
        NaN when unknown (never high value).
    half_year_quantity : array_like, shape (n,)
        Units sold in the last 6 months.
    ssq : array_like, shape (n,)
        Safety stock of the seed.
    high_value_cost, low_volume_max, central_ssq_min : float
        Thresholds of rules 2, 4 and 5 (config keys of the same names).

    Returns
    -------
    decision : ndarray of str
        ``dealer``, ``central`` or ``none``.
    reason : ndarray of str
        The rule that matched.

    Notes
    -----
    1. O/C + L/T = 0 -> ``none``, ``direct_supply`` (oils, antifreeze: delivered at once).
    2. attribute C and unit_cost >= high_value_cost -> ``none``, ``high_value_assembly``
       (the cylinder block: costly, rarely fails).
    3. half_year_quantity = 0 -> ``none``, ``no_demand``.
    4. half_year_quantity <= low_volume_max -> ``none``, ``low_volume``
       (the reversing-light switch: 12 pieces in a half year).
    5. SSQ < central_ssq_min -> ``central``, ``low_ssq`` (kept at the central
       transit warehouse, "available when needed").
    6. otherwise -> ``dealer``, ``stock``.

    References
    ----------
    Haima after-sales parts case study (``shared/seed``), section 3 step (3) and
    the paragraph on the central transit warehouse (配件中转库).

    Examples
    --------
    >>> decide(order_cycle_days=[0, 7], lead_time_days=[0, 5], attribute=["A", "A"],
    ...        unit_cost=[30.0, 30.0], half_year_quantity=[40, 40], ssq=[0.0, 9.0],
    ...        high_value_cost=1000.0)[1].tolist()
    ['direct_supply', 'stock']
    """
    code = reason_code(order_cycle_days=order_cycle_days, lead_time_days=lead_time_days, attribute=attribute,
                       unit_cost=unit_cost, half_year_quantity=half_year_quantity, ssq=ssq,
                       high_value_cost=high_value_cost, low_volume_max=low_volume_max, central_ssq_min=central_ssq_min)
    return DECISION_OF_REASON[code], REASON_NAMES[code]


def reason_code(*, order_cycle_days: ArrayLike, lead_time_days: ArrayLike, attribute: ArrayLike,
                unit_cost: ArrayLike, half_year_quantity: ArrayLike, ssq: ArrayLike, high_value_cost: float,
                low_volume_max: float = 12.0, central_ssq_min: float = 1.0,
                volume_quantity: ArrayLike | None = None) -> np.ndarray:
    """:func:`decide` as int8 codes into :data:`REASONS` (no string per row).

    ``volume_quantity``: the half-year quantity rule 4 (``low_volume_max``) reads, e.g. the part's over the
    whole network (config ``low_volume_basis``); default the series' own ``half_year_quantity``.
    """
    cycle = np.asarray(order_cycle_days, dtype=np.float64) + np.asarray(lead_time_days, dtype=np.float64)
    cost = np.asarray(unit_cost, dtype=np.float64)
    hyq = np.asarray(half_year_quantity, dtype=np.float64)
    volume = hyq if volume_quantity is None else np.asarray(volume_quantity, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        conditions = [
            cycle == 0,
            (np.asarray(attribute) == "C") & (cost >= high_value_cost),
            hyq <= 0,
            volume <= low_volume_max,
            np.asarray(ssq, dtype=np.float64) < central_ssq_min,
        ]
    return np.select(conditions, np.arange(len(conditions), dtype=np.int8), default=np.int8(len(conditions)))


def stocking_priority(
    decision: ArrayLike,
    ssq: ArrayLike,
    mad: ArrayLike,
    *,
    group: ArrayLike | None = None,
    order: ArrayLike | None = None,
) -> np.ndarray:
    """Stocking priority 1, 2, ... among the ``dealer`` rows of each group, by SSQ descending.

    Ties go by MAD descending, then by ``order`` ascending (the part number's
    rank).  Rows that are not ``dealer`` get 0 (no priority).  The seed ranks the
    parts it keeps by SSQ: "以安全库存值高低对必备储备件的优先级进行制定".

    SSQs within the ceilings' float tolerance (``CEIL_TOLERANCE``, 1e-9) of each other
    are a tie: 15/21 x 64 / 6 and 160/21 x 6 / 6 are both 160/21 exactly, but come out
    of floating point as 7.6190476190476195 and 7.619047619047618, and MAD decides.

    Examples
    --------
    >>> stocking_priority(["dealer", "none", "dealer"], [2.0, 9.0, 5.0], [1.0, 1.0, 1.0]).tolist()
    [2, 0, 1]
    """
    decision = np.asarray(decision)
    stocked = decision if decision.dtype == bool else decision == "dealer"
    n = len(stocked)
    g = group_codes(group, n)
    o = np.arange(n) if order is None else np.asarray(order)
    rows = np.flatnonzero(stocked)
    idx = rows[rank_within_groups(g[rows], [_tie_classes(np.asarray(ssq, dtype=np.float64)[rows]),
                                            np.asarray(mad, dtype=np.float64)[rows]], o[rows])]
    out = np.zeros(n, dtype=np.int64)
    out[idx] = rank_in_group(g[idx])
    return out


def _tie_classes(value: np.ndarray) -> np.ndarray:
    """The values' ranks (float, ascending) where values within ``CEIL_TOLERANCE`` of their neighbour share one.

    NaN stays NaN.
    """
    ordered = np.sort(value)  # NaN last
    known = ~np.isnan(ordered)
    new = np.r_[True, np.diff(ordered) > CEIL_TOLERANCE] & known
    rank = np.cumsum(new).astype(np.float64)
    out = rank[np.searchsorted(ordered, value)]
    out[np.isnan(value)] = np.nan
    return out
