"""Timed stages of spareopt against peers in the same run (``python -m benchmarks``)."""
