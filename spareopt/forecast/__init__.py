"""Forecasts of monthly demand, vectorised over the series x months matrix."""

from .mad import MAD_DIVISOR, MAD_WEIGHTS, half_year_quantity, mad

__all__ = ["MAD_DIVISOR", "MAD_WEIGHTS", "mad", "half_year_quantity"]
