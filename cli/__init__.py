"""The ``spareopt`` command-line tool, installed as the package ``spareopt_cli``.

Each command parses its options, makes one call into the :mod:`spareopt`
library and writes the result; the library holds every rule and check.
"""
