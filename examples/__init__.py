"""Bundled example data for `spareopt demo` (see README.md in this folder)."""
