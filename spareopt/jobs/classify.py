"""The ``classify`` command: every series' classes (:func:`classes`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from os import PathLike
from typing import Any

import pandas as pd

from ..classify.table import class_table, master_criteria
from ..config import Config
from ..history import History
from ..inputs import STAGES, Source, job_config, load
from ..parts import PartsMaster
from ..result import Result
from ..supersession import (
    Supersessions,
)


def classes(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    abc_basis: str | None = None,
    mc_method: str | None = None,
    criteria: Sequence[str] | None = None,
    weights: Sequence[float] | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Every series classified along every axis: ABC, XYZ, FSN, demand pattern, multi-criteria, three-in-one.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, sheet, progress
        As for :func:`must_stock`.
    abc_basis, mc_method, criteria, weights : optional
        Override the config keys of the same names (the CLI's ``--abc-basis``,
        ``--mc-method``, ``--criteria``, ``--weights``).

    Returns
    -------
    Result
        ``table``: one row per series (dealer x part), sorted by dealer then part,
        columns :data:`CLASS_COLUMNS`; ``report``: the run report with the counts
        per class and the multi-criteria set-up.

    Raises
    ------
    InputError
        Bad input, an unknown or non-numeric criterion.
    ConfigError
        A key out of range: weights of the wrong length or negative, a class
        policy row that can never match.
    InfeasibleError
        A multi-criteria linear programme without a solution (Ramanathan with a
        too high ``mc_min_weight``; Zhou & Fan with a part worst on every criterion).

    Notes
    -----
    Per series (dealer x part), with the ABC window W = ``abc_window_months``:

    - ``abc_class``, ``abc_value``: ABC per dealer on ``abc_basis`` (value, quantity
      or hits over W) and ``abc_cutoff`` (value share or item share), :func:`spareopt.abc`;
    - ``xyz_class``, ``cv``: coefficient of variation of the monthly demand over W,
      zeros included, X <= ``xyz_x`` < Y <= ``xyz_y`` < Z;
    - ``fsn_class``, ``months_since_demand``, ``hits_12m``, ``phase_in``,
      ``phase_out``: movement (:func:`spareopt.classify.pattern.fsn`);
    - ``adi``, ``cv2``, ``pattern``: Syntetos, Boylan & Croston (2005) over the last
      ``pattern_window_months`` (:func:`spareopt.classify.pattern.demand_pattern`);
    - ``class_code``: the seed's three-in-one code, ABC class + attribute + supply
      band of O/C + L/T.

    Per part over the network (so every dealer row of a part shows the same):
    ``mc_score`` and ``mc_class`` by ``mc_method`` on ``criteria``
    (:func:`spareopt.classify.multi.multi_criteria_abc`); the computed criteria are
    ``annual_quantity`` (units over W, scaled to 12 months, all dealers),
    ``annual_value`` (x unit_cost) and ``hits`` (the series' hits over W, summed).

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["filter"] * 8 + ["gasket"] * 8,
    ...                       "period": list(pd.period_range("2024-01", periods=8, freq="M")) * 2,
    ...                       "quantity": [5, 6, 5, 7, 6, 5, 6, 6] + [0, 0, 9, 0, 0, 0, 1, 0]})
    >>> classes(sales).table[["part", "xyz_class", "fsn_class", "pattern"]].to_dict("list")
    {'part': ['filter', 'gasket'], 'xyz_class': ['X', 'Z'], 'fsn_class': ['F', 'F'], 'pattern': ['smooth', 'lumpy']}
    """
    step = progress or (lambda stage: None)
    cfg = job_config(history, config, abc_basis=abc_basis, mc_method=mc_method, criteria=_listed(criteria),
                     weights=_listed(weights))
    run = load(history, parts, cfg, as_of, columns=columns, encoding=encoding, sheet=sheet, supersessions=supersessions,
               plan_new=False, numeric=master_criteria(cfg), progress=step)
    step(STAGES[3])
    return class_table(run)


def _listed(values: Any) -> Any:
    """A list or another sequence as a tuple; a scalar or text as it is, for the config to refuse by name."""
    if values is None or isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Iterable):
        return values
    return tuple(values)
