"""Forecasts of monthly demand, vectorised over the series x months matrix."""

from .intermittent import (
    AUTO_METHODS,
    FORECAST_PARAMS,
    FORECASTERS,
    auto,
    croston,
    forecast,
    sba,
    sbj,
    ses,
    sma,
    tsb,
)
from .mad import MAD_DIVISOR, MAD_WEIGHTS, half_year_quantity, mad

__all__ = [
    "AUTO_METHODS",
    "FORECASTERS",
    "FORECAST_PARAMS",
    "MAD_DIVISOR",
    "MAD_WEIGHTS",
    "auto",
    "croston",
    "forecast",
    "half_year_quantity",
    "mad",
    "sba",
    "sbj",
    "ses",
    "sma",
    "tsb",
]
