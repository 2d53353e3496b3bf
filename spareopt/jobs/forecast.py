"""The ``forecast`` command: every series' monthly forecast (:func:`forecasts`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from typing import Any

import pandas as pd

from ..classify.pattern import PATTERNS
from ..classify.series import series_pattern
from ..columns import text_column
from ..config import Config
from ..errors import ConfigError
from ..forecast.intermittent import FORECAST_PARAMS, FORECASTERS, auto, forecast
from ..history import History
from ..inputs import STAGES, Counts, Source, job_config, load, run_report
from ..parts import PartsMaster
from ..result import Result
from ..supersession import (
    Supersessions,
)

FORECAST_COLUMNS = ("dealer", "part", "description", "pattern")
"""The leading columns of :func:`forecasts`; one column per method follows, then ``auto`` and ``auto_method``."""


def forecasts(
    history: Source | History,
    parts: Source | PartsMaster | None = None,
    config: Config | Mapping[str, Any] | str | PathLike[str] | None = None,
    as_of: str | pd.Period | None = None,
    *,
    methods: Sequence[str] | None = None,
    alpha: float | None = None,
    alpha_d: float | None = None,
    alpha_p: float | None = None,
    sma_months: int | None = None,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    supersessions: Source | Supersessions | None = None,
    progress: Callable[[str], None] | None = None,
) -> Result:
    """Next month's demand forecast of every series by every method, side by side.

    Parameters
    ----------
    history, parts, config, as_of, columns, encoding, sheet, progress
        As for :func:`must_stock`; the forecast is for the month after ``as_of``.
    methods : sequence of str, optional
        Names in :data:`spareopt.forecast.FORECASTERS` (``wma``, ``sma``, ``ses``,
        ``croston``, ``sba``, ``sbj``, ``tsb``) and ``auto``; default every
        forecaster, without ``auto``.
    alpha, alpha_d, alpha_p, sma_months : optional
        Override the config keys of the same names.

    Returns
    -------
    Result
        ``table``: one row per series, sorted by dealer then part: :data:`FORECAST_COLUMNS`
        (the demand pattern of the series), then one column per method named after
        it, in units per month; ``auto`` adds the columns ``auto`` and
        ``auto_method`` (the method the pattern chose, config ``auto_methods``).
        ``report``: the run report.

    Raises
    ------
    ConfigError
        An unknown method, an alpha outside (0, 1], ``sma_months`` < 1.
    InputError
        Bad input, as for :func:`must_stock`.

    Examples
    --------
    >>> import pandas as pd
    >>> sales = pd.DataFrame({"part": ["gasket"] * 12, "period": pd.period_range("2024-01", periods=12, freq="M"),
    ...                       "quantity": [3] + [0] * 11})
    >>> row = forecasts(sales, methods=["croston", "tsb", "auto"]).table.iloc[0]
    >>> float(row["croston"]), round(float(row["tsb"]), 4), row["auto_method"]
    (3.0, 0.9414, 'sba')
    """
    step = progress or (lambda stage: None)
    cfg = job_config(history, config, alpha=alpha, alpha_d=alpha_d, alpha_p=alpha_p, sma_months=sma_months)
    methods = tuple(dict.fromkeys(methods or FORECASTERS))
    known = (*FORECASTERS, "auto")
    for method in methods:
        if method not in known:
            raise ConfigError(f"unknown forecast method {method!r}; use one of {', '.join(known)}")
    run = load(history, parts, cfg, as_of, columns=columns, encoding=encoding, sheet=sheet, supersessions=supersessions,
               plan_new=False, progress=step)
    step(STAGES[3])
    matrix = run.matrix
    pattern = series_pattern(run).code
    out: dict[str, Any] = {}
    if run.dealer is not None:
        out["dealer"] = text_column(run.dealer, matrix.keys["dealer"].cat.categories)
    out["part"] = text_column(run.part_code, matrix.keys["part"].cat.categories)
    if "description" in run.fields:
        out["description"] = text_column(run.part_code, run.fields["description"].to_numpy(dtype=object))
    out["pattern"] = text_column(pattern, PATTERNS)
    chosen = None
    for method in methods:
        if method == "auto":
            out["auto"], chosen, names = auto(matrix.values, pattern, table=cfg.auto_methods, **cfg.forecast_params)
            out["auto_method"] = text_column(chosen, names)
        else:
            out[method] = forecast(matrix.values, method, **cfg.forecast_params)
    table = pd.DataFrame(out)
    report = run_report(run, None, Counts(None, None, len(matrix.keys["dealer"].cat.categories) if run.dealer
                                        is not None else None, len(matrix.keys["part"].cat.categories), None))
    params = {k: v for k, v in cfg.forecast_params.items()
              if any(k in FORECAST_PARAMS.get(m, ()) for m in (*methods, *cfg.auto_methods.values()))}
    report["forecast"] = {"methods": list(methods), "params": params,
                          "auto_methods": None if chosen is None else
                          table["auto_method"].value_counts(sort=False).sort_index().to_dict()}
    report["classes"] = {"pattern": table["pattern"].value_counts(sort=False).sort_index().to_dict()}
    return Result(table, report)

