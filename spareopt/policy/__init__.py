"""Stocking policy: the seed's SSQ, reorder point, maximum and must-stock rules."""

from .rules import DECISIONS, REASONS, decide, stocking_priority
from .seed import DAYS_PER_MONTH, ceil_units, max_stock, reorder_point, ssq

__all__ = ["DAYS_PER_MONTH", "DECISIONS", "REASONS", "ceil_units", "decide", "max_stock", "reorder_point", "ssq",
           "stocking_priority"]
