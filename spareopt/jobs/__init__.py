"""One module per command.  Each job takes :class:`spareopt.inputs.Inputs` (or the paths to read them from) and
returns its table:

- :mod:`~spareopt.jobs.must_stock` (``must-stock``), :mod:`~spareopt.jobs.classify` (``classify``),
  :mod:`~spareopt.jobs.forecast` (``forecast``);
- :mod:`~spareopt.jobs.evaluate` (``evaluate``, the replay of held-out history);
- :mod:`~spareopt.jobs.optimize` (``optimize``, the best stock for a budget, one or two echelons);
- :mod:`~spareopt.jobs.last_buy` (``last-buy``);
- :mod:`~spareopt.jobs.order`, :mod:`~spareopt.jobs.dead_stock`, :mod:`~spareopt.jobs.kpi` (the parts desk's
  weekly jobs, on the stock joined to the plan: :mod:`spareopt.position`).
"""
