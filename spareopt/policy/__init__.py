"""Stocking policy: the seed's SSQ, reorder point, maximum and must-stock rules; the service-level policy."""

from .rules import DECISIONS, REASONS, decide, stocking_priority
from .seed import DAYS_PER_MONTH, ceil_units, max_stock, reorder_point, ssq
from .service import DEMAND_MODELS, demand_model, implied_service, reorder_point_for

__all__ = ["DAYS_PER_MONTH", "DECISIONS", "DEMAND_MODELS", "REASONS", "ceil_units", "decide", "demand_model",
           "implied_service", "max_stock", "reorder_point", "reorder_point_for", "ssq", "stocking_priority"]
