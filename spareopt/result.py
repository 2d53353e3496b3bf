"""What every job returns: its table, its run report, and its side tables, each a named field.

A job's main table is a plain DataFrame; nothing rides in ``DataFrame.attrs`` (which pandas documents as
experimental, and which a Parquet or JSON writer would store with the table).  The side tables are typed
fields of :class:`Result`, None when the job has no such table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .run_report import RunReport

__all__ = ["SIDE_TABLES", "Result"]


@dataclass(frozen=True)
class Result:
    """A job's output.

    Attributes
    ----------
    table : DataFrame
        The job's rows (the must-stock list, the classes, the replay, ...): what ``-o`` writes.
    report : RunReport
        The run report: what was read, netted, ignored or defaulted, and the job's own counts and
        totals.  A typed dict whose every field is declared, with how the engines merge it, in
        :mod:`spareopt.run_report`; :func:`spareopt.report.report_lines` renders it, one function per section.
    totals : DataFrame or None
        ``evaluate``: one row per policy (:data:`spareopt.jobs.evaluate.TOTALS_COLUMNS`);
        ``order``: one row per dealer (lines, units, value, cut).
    calibration : DataFrame or None
        ``evaluate``: promised against achieved service, by policy and class
        (:func:`spareopt.calibration.calibration_table`).
    curve, markers : DataFrame or None
        ``optimize``: the stock-to-service curve and the plans on it (seed, current, optimized).
    comparison, echelon_curves : DataFrame or None
        ``optimize --echelons 2``: the plans compared, and the two-echelon and dealers-only curves.
    aging, transfers : DataFrame or None
        ``dead-stock``: units and value by aging bucket; the transfer suggestions.
    parts, by_class : DataFrame or None
        ``kpi``: the days of supply of every dealer x part; the stock value per ABC class.
    sums : DataFrame or None
        ``kpi`` on one dealer set of the stream and dask engines: the sums the network row is made of.
    by_dealer : DataFrame or None
        ``network_report`` with a holdout: the replay's sums by policy and dealer (:func:`spareopt.jobs.report.replay_by_dealer`), the
        achieved fill rates and turns of the report page's dealers.
    months : DataFrame or None
        ``must_stock``, ``optimize`` and ``network_report`` with ``months=True``: the monthly demand of the rows
        a report page lists (:func:`spareopt.page.months_table`): ``row``, the row's position in ``table``, then
        one column per month.

    Examples
    --------
    >>> result = Result(pd.DataFrame({"part": ["A"]}), {"rows_read": 1})
    >>> len(result.table), result.report["rows_read"], result.totals is None
    (1, 1, True)
    >>> [name for name, _ in result.side_tables()]
    []
    """

    table: pd.DataFrame
    report: RunReport
    totals: pd.DataFrame | None = None
    calibration: pd.DataFrame | None = None
    curve: pd.DataFrame | None = None
    markers: pd.DataFrame | None = None
    comparison: pd.DataFrame | None = None
    echelon_curves: pd.DataFrame | None = None
    aging: pd.DataFrame | None = None
    transfers: pd.DataFrame | None = None
    parts: pd.DataFrame | None = None
    by_class: pd.DataFrame | None = None
    sums: pd.DataFrame | None = None
    by_dealer: pd.DataFrame | None = None
    months: pd.DataFrame | None = None

    def side_tables(self) -> Iterator[tuple[str, pd.DataFrame]]:
        """The side tables this job has, by name, in the order of :data:`SIDE_TABLES`."""
        for name in SIDE_TABLES:
            value = getattr(self, name)
            if value is not None:
                yield name, value

    def replace(self, **changes: Any) -> Result:
        """A copy with some fields changed (e.g. ``result.replace(table=result.table.head())``)."""
        return dataclasses.replace(self, **changes)


SIDE_TABLES = tuple(f.name for f in dataclasses.fields(Result) if f.name not in ("table", "report"))
"""The names of the side tables a :class:`Result` can carry."""
