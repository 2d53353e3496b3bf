"""The ``must-stock`` command: every dealer's must-stock list (:func:`must_stock`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from ..config import Config
from ..history import History
from ..inputs import STAGES, Source, job_config, load
from ..parts import PartsMaster
from ..plan import (
    demand_part,
    plan_table,
)
from ..result import Result
from ..supersession import (
    Supersessions,
)


def must_stock(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    only_stocked: bool = False,
    policy: str | None = None,
    supersessions: Source | Supersessions | None = None,
    months: bool = False,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Every dealer's must-stock list from its sales history, by the seed's method.

    Parameters
    ----------
    history : path, DataFrame or History
        Sales lines or monthly totals: ``part``, ``date`` or ``period``,
        ``quantity``, optional ``dealer`` and ``unit_price``.
    parts : path, DataFrame or PartsMaster, optional
        The parts master: ``part``, optional ``description``, ``unit_cost``,
        ``lead_time_days``, ``order_cycle_days``, ``attribute``, ``pack_size``.
    config : Config, mapping or TOML path, optional
        Thresholds; see :class:`spareopt.Config` (``spareopt config`` prints them).
    as_of : ``YYYY-MM``, optional
        The last month used; default the last month in the history.
    columns : mapping, optional
        Canonical name -> header, for headers with no known alias (both files).
    encoding : str, optional
        Text encoding of the files; default: detect UTF-8 or GB18030.
    sheet : str, optional
        The sheet of an XLSX history to read, or ``"all"`` to stack every sheet that has
        the history's columns (one sheet per dealer, month or year).  Default: the first
        visible sheet with data; the run report warns of the other sheets with data.
    only_stocked : bool
        Keep only the ``dealer`` and ``central`` rows (the report still counts all).
    policy : {"seed", "service-level"}, optional
        Overrides the config key ``policy``: the seed's SSQ stock levels (default)
        or the smallest levels that meet each class's service target.
    supersessions : path, DataFrame or Supersessions, optional
        Part-number replacements (old_part, new_part, factor, effective, split;
        :func:`spareopt.supersession.load_supersessions`), with the master's
        ``replaced_by``: each old part's demand moves to its leading part (x factor)
        and the old part numbers leave the output.
    months : bool
        Keep the monthly demand of the rows a report page lists (``Result.months``,
        :func:`spareopt.page.report_page`).
    progress : callable, optional
        Called with the name of each stage as it starts (:data:`STAGES`), e.g. to
        draw a progress bar.

    Returns
    -------
    Result
        ``table``: one row per series, columns :data:`OUTPUT_COLUMNS`, sorted by
        dealer, then decision (dealer, central, none), then priority, then part.
        ``report``: the run report: rows read, skipped and ignored, returns
        netted, parts defaulted, the ABC basis, counts per decision and reason,
        and the stock value.

    Raises
    ------
    InputError
        Bad input; the message names the file, rows, column and values.
    ConfigError
        An unknown or out-of-range config key.

    Notes
    -----
    With q the monthly demand matrix and T = ``as_of``:

    - MAD = (1 q[T-5] + 2 q[T-4] + ... + 6 q[T]) / 21 (:func:`spareopt.mad`);
      ``half_year_quantity`` = q[T-5] + ... + q[T].
    - SSQ = MAD x (O/C + L/T) / 6 (:func:`spareopt.ssq`).
    - ``reorder_point`` = ceil(MAD x L/T / D + SSQ), ``max_stock`` = max(reorder_point,
      ceil(MAD x (L/T + O/C) / D + SSQ)), D = 365.25 / 12.
    - ABC per dealer on unit_cost x quantity of the last ``abc_window_months``
      (by quantity when no unit cost is known) (:func:`spareopt.abc`).
    - decision and reason by the seed's rules (:func:`spareopt.policy.decide`);
      ``priority`` by SSQ among each dealer's ``dealer`` rows.

    References
    ----------
    Haima after-sales parts case study, "汽车售后备件库存优化分析" (``shared/seed``).

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["oil filter"] * 6, "period": pd.period_range("2024-01", periods=6, freq="M"),
    ...                       "quantity": [20, 22, 18, 25, 21, 24]})
    >>> row = must_stock(sales, config={"defaults": {"lead_time_days": 5}}).table.iloc[0]
    >>> round(float(row["mad"]), 4), row["decision"], int(row["reorder_point"]), int(row["max_stock"])
    (22.2381, 'dealer', 49, 54)
    """
    step = progress or (lambda stage: None)
    cfg = job_config(history, config, policy=policy)
    run = load(history, parts, cfg, as_of, columns=columns, encoding=encoding, sheet=sheet, supersessions=supersessions,
               progress=step)
    step(STAGES[3])
    result = plan_table(run, free_matrix=True, months=months)
    del run
    if only_stocked:
        table = result.table
        kept = (table["decision"] != "none").to_numpy()
        result = result.replace(table=table[kept].reset_index(drop=True), months=kept_months(result.months, kept))
    return result


def kept_months(months: pd.DataFrame | None, kept: np.ndarray) -> pd.DataFrame | None:
    """``Result.months`` of the table's ``kept`` rows, their positions renumbered."""
    if months is None:
        return None
    position = np.cumsum(kept) - 1
    rows = months["row"].to_numpy(dtype=np.int64)
    on = kept[rows]
    return months[on].assign(row=position[rows[on]]).reset_index(drop=True)


def must_stock_demand_part(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    stage: str,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    supersessions: Source | Supersessions | None = None,
    **_: Any,
) -> Any:
    """:func:`demand_part` on the run of ``must_stock`` (and of ``order``, ``dead_stock`` and ``kpi``)."""
    read = {k: v for k, v in (columns or {}).items() if k not in ("on_hand", "on_order", "reserved")} or None
    run = load(history, parts, job_config(history, config), as_of, columns=read, encoding=encoding,
               supersessions=supersessions)
    return demand_part(run, stage)

