"""One module per command: each takes the :class:`spareopt.inputs.Inputs` (or the paths to read them from) and
returns its table.

``must_stock``, ``classify``, ``forecast`` here; ``evaluate`` (:mod:`spareopt.evaluation`), ``optimize``
(:mod:`spareopt.frontier`), ``last-buy`` (:mod:`spareopt.phaseout`), ``order``, ``dead-stock`` and ``kpi``
(:mod:`spareopt.operations`).
"""
