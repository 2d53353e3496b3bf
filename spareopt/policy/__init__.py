"""Stocking policy: the seed's SSQ, reorder point, maximum and must-stock rules; the service-level policy; the last buy."""

from .allocate import greedy_allocation, integer_allocation
from .decline import (
                      DISTRIBUTIONS,
                      critical_ratio,
                      decline_dispersion,
                      fit_decline,
                      horizon_demand,
                      last_buy_outcome,
                      last_buy_quantity,
)
from .floor import MIN_STOCK_REASON, min_stock_levels
from .rules import DECISIONS, REASONS, decide, stocking_priority
from .seed import DAYS_PER_MONTH, ceil_units, max_stock, reorder_point, ssq
from .service import DEMAND_MODELS, demand_model, implied_service, reorder_point_for

__all__ = ["DAYS_PER_MONTH", "DECISIONS", "DEMAND_MODELS", "DISTRIBUTIONS", "MIN_STOCK_REASON", "REASONS", "ceil_units",
           "critical_ratio", "decide", "decline_dispersion", "demand_model", "fit_decline", "greedy_allocation",
           "horizon_demand", "implied_service", "integer_allocation", "last_buy_outcome", "last_buy_quantity",
           "max_stock", "min_stock_levels", "reorder_point", "reorder_point_for", "ssq", "stocking_priority"]
