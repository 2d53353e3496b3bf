"""Sales history: clean the lines, then sum them into the dealer x part x month demand matrix.

read -> **clean** -> **demand matrix** -> classify -> forecast -> policy -> must-stock list

:func:`load_history` checks every cell once, vectorised, and keeps what it had to
skip in a report (nothing is dropped silently).  :func:`demand_matrix` nets
returns inside their month and sums transaction lines or monthly totals alike
into one float64 row per series.

One topic, one module: the sales history, from its cells (checked once, with the cell checks the
other files share) to the demand matrix.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import HISTORY_COLUMNS, resolve_columns
from .errors import ConfigError, InputError, format_examples
from .io import TOTAL_LABELS, Table, read_stdin, read_table
from .lang import tr
from .validate import instance

__all__ = [
    "MAX_HISTORY_MONTHS",
    "MAX_ID_LENGTH",
    "MAX_NUMBER",
    "MIN_HISTORY_MONTHS",
    "TOTAL_LABELS",
    "DemandMatrix",
    "History",
    "ReadLimits",
    "as_of_gap",
    "check_network_span",
    "clean_lines",
    "demand_matrix",
    "history_end",
    "load_history",
    "parse_month",
    "with_parts",
]

MIN_HISTORY_MONTHS = 6
"""The seed's MAD weighs the last 6 months, so a run needs at least 6."""

MAX_HISTORY_MONTHS = 480
"""The longest history a run takes, in months (40 years): a line dated far before the rest (year 0001, 0222, a
five-digit number read as an Excel serial) is a typo, which would otherwise stretch the matrix to thousands of
months (12 GB for year 0001)."""

MAX_NUMBER = 1e15
"""The largest number a cell may hold in size (quantities, prices, lead times, stock, factors): beyond it a whole
number is no longer exact in float64 (2^53 = 9.0e15) and a stock level overflows int64 downstream."""

_CONTROL = r"[\x00-\x1f\x7f]"  # the C0 controls (NUL, tab, line breaks) and DEL

MAX_ID_LENGTH = 256
"""The longest identifier (part, dealer, ...) a file may hold, in characters: a longer cell is a pasted row or a
broken export, and would make every identifier array that wide (2.4 GB for one part number of 100 KB)."""

_EPOCH_YEAR = 1970  # pandas monthly Period ordinal 0 is 1970-01

OPTIONAL_COLUMNS = ("dealer", "unit_price")
"""History columns that may be absent (one site; no price): the report names the ones not found, as a header
that was meant for one would be among the ignored columns."""


@dataclass(frozen=True)
class ReadLimits:
    """How a history is read, and the bounds it is read within: the config keys ``since``, ``max_id_length``,
    ``max_history_months``, ``skip_rows`` and ``date_format`` (:class:`spareopt.Config`); the bounds are checked
    before any array of that size is made.

    Attributes
    ----------
    since : int or None
        The first month read (a monthly ``Period`` ordinal): earlier lines are ignored and counted in the
        report (``rows_before_since``), before the history's span is checked.
    max_id_length : int
        The longest part or dealer cell, in characters (:data:`MAX_ID_LENGTH`).
    max_history_months : int
        The most months from a line to the history's end (:data:`MAX_HISTORY_MONTHS`).
    skip_rows : int or None
        The rows above the history's header (a DMS report's title rows), not read; None: the header is found
        (:func:`spareopt.io.header_at`).
    date_format : str or None
        The ``strftime`` format of the history's text dates that are not year first, e.g. ``%d/%m/%Y``
        (:func:`parse_month`); None: year-first dates only, as a day-first date is ambiguous.
    """

    since: int | None = None
    max_id_length: int = MAX_ID_LENGTH
    max_history_months: int = MAX_HISTORY_MONTHS
    skip_rows: int | None = None
    date_format: str | None = None

    def __post_init__(self) -> None:
        from .config import date_format_problem

        problem = None if self.date_format is None else date_format_problem(self.date_format)
        if problem:
            raise ConfigError(f"date_format {problem}, got {self.date_format!r}")

    @classmethod
    def of(cls, cfg: Any) -> ReadLimits:
        """The limits of a :class:`spareopt.Config`."""
        since = None if cfg.since is None else month_ordinal(cfg.since)
        return cls(since, cfg.max_id_length, cfg.max_history_months, cfg.skip_rows, cfg.date_format)


@dataclass(frozen=True, eq=False)
class History:
    """Clean sales lines, one per usable input row, as columns of arrays.

    Attributes
    ----------
    lines : dict of str -> ndarray
        One array per column, one element per line: ``part`` and ``dealer``
        (int32 codes into :attr:`names`, when the source has a dealer),
        ``month`` (pandas monthly ordinal, int32), ``quantity`` (float64,
        negative = return) and ``unit_price`` (float64, NaN when unknown; when
        the source has one).
    names : dict of str -> ndarray
        ``part`` and ``dealer``: the distinct identifiers, sorted as text, so that
        the codes rank them.
    has_dealer : bool
        Whether the source had a dealer column.
    report : dict
        What was read, skipped or ignored, for the run report.
    """

    lines: dict[str, np.ndarray]
    names: dict[str, np.ndarray]
    has_dealer: bool
    report: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.lines["quantity"])

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        """The lines as a frame: ``dealer`` and ``part`` (Categorical), ``month`` (int64), ``quantity``, ``unit_price``."""
        out: dict[str, Any] = {}
        for key in ("dealer", "part"):
            if key in self.lines:
                out[key] = pd.Categorical.from_codes(self.lines[key], categories=pd.Index(self.names[key], dtype=object),
                                                     validate=False)
        out["month"] = self.lines["month"].astype(np.int64)
        out["quantity"] = self.lines["quantity"]
        if "unit_price" in self.lines:
            out["unit_price"] = self.lines["unit_price"]
        return pd.DataFrame(out)


@dataclass(frozen=True)
class DemandMatrix:
    """Monthly demand, one float64 row per series and one column per month.

    Attributes
    ----------
    values : ndarray, shape (n_series, n_months)
        Net monthly quantity, negative months counted as 0.
    keys : DataFrame
        ``dealer`` (when present) and ``part`` of each row, sorted by dealer then part.
    periods : PeriodIndex
        The months of the columns, from the first month in the history to ``as_of``.
    negative_months : int
        Series-months whose net quantity was negative (returns exceeding sales), set to 0.
    rows_after_as_of : int
        History lines later than ``as_of``, ignored.
    lines : ndarray of int32, shape (n_series, n_months), optional
        Sales lines (quantity > 0) per cell, when asked for (``count_lines=True``):
        the order lines of a history with one row per order line.
    priced : ndarray, shape (2, n_series), optional
        Units and value (quantity x ``unit_price``) of each series' sales lines that
        carry a price, up to ``as_of`` (``price=True``): the history's unit price of
        a part is the sum of its series' value over the sum of their units.
    """

    values: np.ndarray
    keys: pd.DataFrame
    periods: pd.PeriodIndex
    negative_months: int = 0
    rows_after_as_of: int = 0
    lines: np.ndarray | None = None
    priced: np.ndarray | None = None

    @property
    def as_of(self) -> pd.Period:
        return self.periods[-1]

    @property
    def has_dealer(self) -> bool:
        return "dealer" in self.keys.columns

    def last(self, months: int) -> np.ndarray:
        """The last ``months`` columns (fewer when the history is shorter)."""
        return self.values[:, max(0, self.values.shape[1] - months):]

    def to_frame(self) -> pd.DataFrame:
        """Wide frame: one row per series (indexed by its keys), one column per month."""
        index = pd.MultiIndex.from_frame(self.keys) if self.has_dealer else pd.Index(self.keys["part"], name="part")
        return pd.DataFrame(self.values, index=index, columns=self.periods)


def load_history(
    source: str | PathLike[str] | pd.DataFrame | Table,
    *,
    columns: Mapping[str, str] | None = None,
    encoding: str | None = None,
    as_of: str | pd.Period | None = None,
    sheet: str | None = None,
    limits: ReadLimits | None = None,
) -> History:
    """Read and check a sales history: transaction lines or monthly totals.

    Parameters
    ----------
    source : path, ``"-"``, DataFrame or Table
        CSV/TSV, XLSX or Parquet; columns ``part``, ``date`` or ``period``,
        ``quantity``, and optionally ``dealer`` and ``unit_price`` (or any alias
        in :data:`spareopt.columns.HISTORY_COLUMNS`).
    columns : mapping, optional
        Canonical name -> header in the file, for headers with no known alias.
    encoding : str, optional
        Text encoding; default: detect UTF-8 (BOM allowed), else GB18030.
    as_of : ``YYYY-MM``, optional
        Where the history ends for the run: a line dated more than a year after
        the rest is then no error (the run ignores it), and the 40-year span is
        counted back from it.
    sheet : str, optional
        An XLSX workbook's sheet to read, or ``"all"``: every sheet that has the
        columns, stacked (a workbook of one sheet per dealer, month or year).
        Default: the first visible sheet with data (the report warns of the others).
    limits : ReadLimits, optional
        ``since``, ``max_id_length``, ``max_history_months``, ``skip_rows`` and ``date_format``
        (``ReadLimits.of(config)``); default: the config's defaults, no ``since``, the header found, year-first
        dates.

    Returns
    -------
    History

    Raises
    ------
    InputError
        Names the file, rows, column and values of anything that cannot be
        read: a missing or ambiguous column, a quantity that is text, NaN or
        infinite, a date that cannot be parsed, an empty part or dealer.

    Notes
    -----
    A row whose ``quantity`` cell is empty is "no record": it is skipped and
    counted (with its first row numbers) in ``report``; so is a blank line.  Title
    rows above the header and a footer of total rows below the data (a DMS
    report's layout, :func:`spareopt.io.read_table`) are skipped and counted in
    ``report["layout"]``.
    """
    found: dict[str, str] = {}

    def select(headers: list[str]) -> dict[str, str]:  # the columns of the last header given (a sheet's)
        found.clear()
        found.update(resolve_columns(headers, HISTORY_COLUMNS, source=_source_name(source), required=("part", "quantity"),
                                     one_of=("date", "period"), overrides=columns))
        return {header: "number" if canonical in ("quantity", "unit_price") else "text"
                for canonical, header in found.items()}

    end = None if as_of is None else month_ordinal(as_of)
    if isinstance(source, Table):
        select(source.columns)
        return clean_lines(source, found, as_of=end, limits=limits)
    if isinstance(source, str) and source == "-":
        source = read_stdin()  # read once: an error is reported from a second, exact reading
    skip_rows = limits.skip_rows if limits is not None else None
    table = read_table(source, encoding=encoding, select=select, sheet=sheet, skip_rows=skip_rows)
    try:
        return clean_lines(table, found, as_of=end, limits=limits)
    except InputError:
        if table.exact:
            raise
        # the fast reader parsed the cells already; read them again as text to show them as written
        return clean_lines(read_table(source, encoding=encoding, select=select, fast=False, skip_rows=skip_rows),
                           found, as_of=end, limits=limits)


def clean_lines(table: Table, mapping: dict[str, str], *, as_of: int | None = None, span: bool = True,
                limits: ReadLimits | None = None) -> History:
    """Check every cell once and turn the mapped columns into the arrays of a :class:`History`.

    Each column is checked on its distinct values where it is text (a dictionary or a
    factorisation), on the array where it is typed: a network-size file costs a few
    passes over integer codes, never a Python object per line.  ``span``: check the dates far from the rest
    (:func:`check_span`; the partitioned engines check the network's months instead, :func:`check_network_span`),
    with ``as_of`` (a month ordinal) where given.  ``limits``: :class:`ReadLimits` (default: the defaults); lines
    before ``limits.since`` are left out, and counted.  A piece of the partitioned engines (``span=False``) may
    hold no line from ``since`` on.
    """
    limits = limits or ReadLimits()
    headers = list(table.headers or table.columns)
    ignored_columns = [c for c in headers if c not in mapping.values()]
    n = len(table)
    cells = {canonical: table.column(header) for canonical, header in mapping.items()}

    empty_quantity = empty_cells(cells["quantity"])
    if empty_quantity is None:  # the usual case: every row has a quantity, and no row is blank
        keep = None
        blank = np.zeros(0, dtype=np.int64)
        no_record = np.zeros(0, dtype=np.int64)
    else:
        blank_mask = empty_quantity.copy()
        for canonical, column in cells.items():
            if canonical != "quantity":
                empty = empty_cells(column)
                blank_mask &= empty if empty is not None else False
        keep = ~empty_quantity
        blank = np.flatnonzero(blank_mask)
        no_record = np.flatnonzero(empty_quantity & ~blank_mask)
        if not keep.any():
            if len(blank) == n:
                raise InputError(f"file {table.source} has a header but no rows (only blank lines); export the data rows too")
            raise InputError(f"{table.source}: no row has a quantity; every cell of the `quantity` column "
                             f"({mapping['quantity']!r}) is empty")
    check = RowCheck(table, keep, max_id_length=limits.max_id_length)

    lines: dict[str, np.ndarray] = {}
    names: dict[str, np.ndarray] = {}
    for key in ("dealer", "part"):
        if key in mapping:
            lines[key], names[key] = key_codes(cells[key], key, mapping[key], check)
    time_col = "date" if "date" in mapping else "period"
    lines["month"] = _months(cells[time_col], mapping[time_col], check, limits.date_format)
    before_since = 0
    if limits.since is not None:
        early = lines["month"] < limits.since
        if keep is not None:
            early &= keep
        before_since = int(np.count_nonzero(early))
        if before_since:
            keep = ~early if keep is None else keep & ~early
            if span and not keep.any():
                raise InputError(f"{table.source}: no line is dated from since {_label(limits.since)} on (the last "
                                 f"is {_label(int(lines['month'].max()))}); pass an earlier --since (config since)")
    if span:
        _check_span(lines["month"], keep, time_col, mapping[time_col], cells[time_col], check, as_of,
                    limits.max_history_months)
    lines["quantity"] = number_cells(cells["quantity"], "quantity", mapping["quantity"], check, allow_empty=False,
                                 fix="correct the cells (an empty cell means no record)")
    if "unit_price" in mapping:
        price = number_cells(cells["unit_price"], "unit_price", mapping["unit_price"], check, allow_empty=True,
                         fix="correct the price (an empty cell means unknown)")
        check.fail(price < 0, "unit_price", mapping["unit_price"], cells["unit_price"], "must be >= 0",
                   "correct the price")
        lines["unit_price"] = price
    if keep is not None:
        lines = {k: v[keep] for k, v in lines.items()}
    quantity = lines["quantity"]
    returns = quantity < 0
    report = {
        "source": table.source,
        "encoding": table.encoding,
        "sheet": table.sheet,
        "sheets_ignored": list(getattr(table, "sheets_ignored", ())),
        "headers": headers,
        "columns": dict(mapping),
        "columns_ignored": ignored_columns,
        "columns_missing": [c for c in OPTIONAL_COLUMNS if c not in mapping],
        "layout": table.layout(),
        "rows_read": n,
        "rows_blank": len(blank),
        "rows_blank_first": [row_label(r) for r in table.row_labels(blank[:5])],
        "rows_no_quantity": len(no_record),
        "rows_no_quantity_first": [row_label(r) for r in table.row_labels(no_record[:5])],
        "rows_before_since": before_since,
        "return_lines": int(np.count_nonzero(returns)),
        "return_units": float(-quantity[returns].sum()) + 0.0,  # + 0.0: no "-0.0" without returns
    }
    return History(lines, names, "dealer" in mapping, report)


class RowCheck:
    """Raises :class:`InputError` for the kept rows that break a rule, naming their row numbers."""

    def __init__(self, table: Table, keep: np.ndarray | None, *, max_id_length: int = MAX_ID_LENGTH) -> None:
        self.table, self.keep, self.max_id_length = table, keep, max_id_length

    def fail(self, bad: np.ndarray | None, name: str, column: str, cells: Any, rule: str, fix: str) -> None:
        if bad is None or not np.any(bad):
            return
        if self.keep is not None:
            bad = bad & self.keep
            if not bad.any():
                return
        where = np.flatnonzero(bad)
        _raise_at(where, name, column, _cells_at(cells, where[:5]), self.table.row_labels(where[:5]),
                  self.table.source, rule, fix)


# -- one column, read by pyarrow (ChunkedArray) or pandas (Series) ----------------------------------


def _is_arrow(column: Any) -> bool:
    return not isinstance(column, (pd.Series, pd.Index, np.ndarray))


def empty_cells(column: Any) -> np.ndarray | None:
    """Which cells are empty (missing, or text of only spaces); None when none is."""
    if _is_arrow(column):
        import pyarrow as pa
        import pyarrow.compute as pc

        kind = column.type.value_type if pa.types.is_dictionary(column.type) else column.type
        is_text = pa.types.is_string(kind) or pa.types.is_large_string(kind)
        if column.null_count == 0 and not is_text and not pa.types.is_floating(kind):
            return None
        if is_text:
            codes, uniques = factorize_cells(column)
            blank = np.append((uniques.astype(str).str.strip() == "").to_numpy(dtype=bool), True)
            empty = blank[codes]  # code -1, a missing cell, is the last
        else:
            empty = pc.is_null(column, nan_is_null=True).to_numpy(zero_copy_only=False)
        return empty if empty.any() else None
    empty = _is_empty(column)
    return empty if empty.any() else None


def factorize_cells(column: Any) -> tuple[np.ndarray, pd.Series]:
    """Codes (int32, -1 for a missing cell) into the distinct values (object Series), in one pass."""
    distinct = _Distinct.of(column)
    return distinct.codes(), distinct.uniques


@dataclass(frozen=True, eq=False)
class _Distinct:
    """A column's distinct values, and where each cell stands among them, written only when asked.

    ``uniques``: the distinct values (an object Series; in order of first appearance in the dictionaries of an
    arrow column).  :meth:`codes` writes each cell's code in one pass over the cells, through a remap of the
    distinct values when given (a rank, :func:`key_codes`), so that a column is never coded twice.  ``missing``:
    some cell is missing (code -1).
    """

    uniques: pd.Series
    missing: bool
    pieces: tuple[tuple[Any, np.ndarray | None], ...]  # per chunk: its indices (arrow), or codes, and their transpose
    size: int

    @classmethod
    def of(cls, column: Any) -> _Distinct:
        if not _is_arrow(column):
            codes, uniques = _factorize_pandas(column)
            return cls(uniques, bool(len(codes) and codes.min() < 0), ((codes, None),), len(codes))
        import pyarrow as pa
        import pyarrow.compute as pc

        if not pa.types.is_dictionary(column.type):
            column = pc.dictionary_encode(column)
        if column.num_chunks == 0:
            return cls(pd.Series([], dtype=object), False, (), 0)
        dictionaries: list[Any] = []  # each chunk's dictionary, once for a run of chunks that share it
        which = []
        for chunk in column.chunks:  # a Parquet row group's batches share its dictionary; CSV blocks have their own
            if not dictionaries or not chunk.dictionary.equals(dictionaries[-1]):
                dictionaries.append(chunk.dictionary)
            which.append(len(dictionaries) - 1)
        transposes: list[np.ndarray | None] = [None]
        if len(dictionaries) > 1:  # their union, in order of first appearance, as pyarrow's unify_dictionaries
            union = pc.dictionary_encode(pa.concat_arrays(dictionaries))
            if union.null_count:  # a null inside a dictionary: pyarrow unifies it
                column = pa.table({"c": column}).unify_dictionaries().column(0)
                return cls.of(column)
            position = union.indices.to_numpy().astype(np.int32)
            ends = np.cumsum([len(d) for d in dictionaries])
            transposes = np.split(position, ends[:-1])
            dictionary = union.dictionary
        else:
            dictionary = dictionaries[0]
        pieces = tuple((chunk.indices, transposes[i]) for chunk, i in zip(column.chunks, which))
        return cls(pd.Series(dictionary.to_pylist(), dtype=object), column.null_count > 0, pieces, len(column))

    def codes(self, remap: np.ndarray | None = None, dtype: Any = np.int32) -> np.ndarray:
        """Each cell's code (int32; -1 for a missing cell), or its value in ``remap`` (one per distinct value: a
        rank, a month), as ``dtype``; a missing cell stays -1."""
        import pyarrow.compute as pc

        if len(self.pieces) == 1 and isinstance(self.pieces[0][0], np.ndarray):  # pandas: coded already
            codes = self.pieces[0][0]
            return codes if remap is None else np.take(np.append(remap, -1).astype(dtype), codes, mode="wrap")
        out = np.empty(self.size, dtype=np.int32 if remap is None else dtype)
        at = 0
        for indices, transpose in self.pieces:
            table = remap if transpose is None else transpose if remap is None else remap[transpose]
            cells = (pc.fill_null(indices, -1) if indices.null_count else indices).to_numpy(zero_copy_only=False)
            if table is None:
                out[at:at + len(cells)] = cells
            else:  # -1, a missing cell, wraps to the -1 appended
                np.take(np.append(table, -1).astype(out.dtype), cells, out=out[at:at + len(cells)], mode="wrap")
            at += len(cells)
        return out


def _factorize_pandas(column: pd.Series) -> tuple[np.ndarray, pd.Series]:
    if isinstance(column.dtype, pd.CategoricalDtype):
        return (column.cat.codes.to_numpy().astype(np.int32),
                pd.Series(np.asarray(column.cat.categories, dtype=object), dtype=object))
    try:
        codes, uniques = pd.factorize(column)
    except TypeError:  # a list, dict or set in a DataFrame's cell: unhashable, and no cell value of any file
        _raise_container(column)
    return codes.astype(np.int32), pd.Series(np.asarray(uniques, dtype=object), dtype=object)


def _raise_container(column: pd.Series) -> None:
    """The error for a frame's column whose cells hold containers (found only when one made factorize fail)."""
    bad = column.map(lambda v: isinstance(v, (list, tuple, dict, set, np.ndarray))).to_numpy(dtype=bool)
    where = np.flatnonzero(bad)
    first = column.iloc[where[0]] if len(where) else None
    raise InputError(f"column {column.name!r} holds {type(first).__name__} values in {len(where):,} row(s) (first: "
                     f"row {row_label(column.index[where[0]]) if len(where) else '?'} {_cell_text(first)}); a cell must "
                     "be text or a number: flatten the frame first (DataFrame.explode, or one column per field)")


def _kind(column: Any) -> str:
    """``number``, ``date`` (a timestamp or date type), ``period`` (pandas Period) or ``text`` (anything else)."""
    if _is_arrow(column):
        import pyarrow as pa

        t = column.type
        if pa.types.is_integer(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
            return "number"
        if pa.types.is_timestamp(t) or pa.types.is_date(t):
            return "date"
        return "text"
    if isinstance(column.dtype, pd.PeriodDtype):
        return "period"
    if pd.api.types.is_datetime64_any_dtype(column):
        return "date"
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        return "number"
    return "text"


def _cells_at(column: Any, where: np.ndarray) -> list[Any]:
    """The cells at some positions, to show in a message."""
    if _is_arrow(column):
        return column.take(where).to_pylist()
    return list(column.to_numpy()[where])


def _float64(column: Any) -> np.ndarray:
    """A numeric column as float64, NaN for a missing cell (one pass: each chunk is cast into place)."""
    if _is_arrow(column):
        import pyarrow as pa

        out = np.empty(len(column), dtype=np.float64)
        at = 0
        for chunk in column.chunks:
            if chunk.null_count or not (pa.types.is_integer(chunk.type) or pa.types.is_floating(chunk.type)):
                chunk = chunk.cast(pa.float64())
            out[at:at + len(chunk)] = chunk.to_numpy(zero_copy_only=False)
            at += len(chunk)
        return out
    return column.to_numpy(dtype=np.float64, na_value=np.nan)


def key_codes(column: Any, name: str, header: str, check: RowCheck) -> tuple[np.ndarray, np.ndarray]:
    """Identifier codes that rank the trimmed identifiers, and those identifiers sorted as text.

    Integral numbers lose a trailing ``.0``; two spellings that trim alike are one identifier.  The checks run on
    the distinct values; the cells are coded once, straight to their ranks.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    distinct = _Distinct.of(column)
    text = identifier_text(distinct.uniques)
    values = pa.array(text, type=pa.large_string())  # the checks in C++ on the distinct values: no Python per cell
    long = pc.utf8_length(values).to_numpy(zero_copy_only=False) > check.max_id_length
    if long.any():  # before any fixed-width copy: one long cell would make every identifier that wide
        check.fail(np.append(long, False)[distinct.codes()], name, header, column,
                   f"must be at most {check.max_id_length} characters", f"correct the {name} cells (a whole row "
                   "pasted into one cell?), or map another column, or raise max_id_length in the config")
    total = pc.is_in(pc.utf8_lower(values), pa.array(TOTAL_LABELS, type=pa.large_string())).to_numpy(
        zero_copy_only=False)  # ``text`` is trimmed already
    if total.any():  # a report's total line exported with the data: its quantity is every other line's sum
        check.fail(np.append(total, False)[distinct.codes()], name, header, column, "holds a total row's label, "
                   f"not a {name}", "delete the total rows (合计 / 小计 / Total) from the export")
    control = pc.match_substring_regex(values, _CONTROL).to_numpy(zero_copy_only=False)
    if control.any():  # a NUL or a line break inside an identifier: two spellings of one part that look alike
        check.fail(np.append(control, False)[distinct.codes()], name, header, column,
                   "must not hold control characters (a NUL, tab or line break inside the cell)",
                   f"correct the {name} cells; a broken export or a pasted cell often leaves them")
    empty = np.append(text == "", True)  # code -1, a missing cell, is the last
    if empty[:-1].any() or distinct.missing:
        check.fail(empty[distinct.codes()], name, header, column, "must not be empty", f"fill in the {name}")
    names, rank = np.unique(text.astype(str), return_inverse=True)
    if len(names) == len(text) and np.array_equal(rank, np.arange(len(text))):
        return distinct.codes(), names.astype(object)  # the dictionary is sorted and clean already
    return distinct.codes(rank), names.astype(object)


def identifier_text(values: pd.Series) -> np.ndarray:
    """Distinct identifier cells as trimmed text; integral floats without ``.0``; missing -> ``""``.

    Vectorised over the distinct values: a float column keeps ``123`` for ``123.0``.
    """
    missing = values.isna().to_numpy()
    if len(values) and pd.api.types.is_float_dtype(pd.Series(values[~missing].tolist(), dtype=object).infer_objects()):
        number = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
        integral = np.isfinite(number) & (np.mod(number, 1) == 0)
        text = np.where(integral, np.nan_to_num(number).astype(np.int64).astype(str), number.astype(str))
        return np.where(missing | ~np.isfinite(number), "", text).astype(object)
    text = values.astype(str).str.strip().to_numpy(dtype=object)
    text[missing] = ""
    return text


def _texts(values: pd.Series) -> pd.Series:
    """Distinct cells as text, ``""`` where missing (vectorised)."""
    return values.astype(str).where(values.notna(), "")


def _months(column: Any, header: str, check: RowCheck, date_format: str | None = None) -> np.ndarray:
    """Monthly ordinals (int32) of a date or period column; see :func:`parse_month`."""
    kind = _kind(column)
    if kind == "period":
        return column.dt.asfreq("M").array.asi8.astype(np.int32)
    if kind == "date":
        missing = empty_cells(column)
        check.fail(missing, "date", header, column, "must be a date", "fill in the date")
        return _temporal_months(column)
    distinct = _Distinct.of(column)
    text = _texts(distinct.uniques).str.strip()
    ordinal, valid = _month_of_text(text, _epoch(check), date_format)
    if valid.all() and not distinct.missing:  # every cell a date: each cell's month, in one pass
        return distinct.codes(ordinal, np.int64)  # int64: the dtype of ordinal[codes] below
    codes = distinct.codes()
    ordinal, valid = np.append(ordinal, 0), np.append(valid, False)  # code -1, a missing cell, is not a date
    bad = ~valid[codes]
    if bad.any():
        given = f"{date_format} as --date-format says, " if date_format else ""
        rule = f"must be a date ({given}YYYY-MM-DD, YYYY/MM/DD, YYYY-MM or an Excel date)"
        fix = (date_format_hint(text[~valid[:-1]]) if date_format is None else None) or (
            "correct the cells, or pass the --date-format they are written in" if date_format else
            "correct the cells, or map another column with --column date=HEADER")
        check.fail(bad, "date", header, column, rule, fix)
    return ordinal[codes]


_NOT_YEAR_FIRST = r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?$"


def date_format_hint(texts: pd.Series) -> str | None:
    """The ``--date-format`` that reads dates written day or month first (``15/03/2024``), from the dates that
    were not read: day first when a first number is above 12, month first when a second one is; None when they
    are not such dates (a two-digit year, ``24-01-05``, may be year first too: no hint).

    >>> date_format_hint(pd.Series(["15/03/2024", "01/04/2024"]))
    'the dates are written day first (15/03/2024): pass --date-format %d/%m/%Y'
    """
    found = pd.Series(np.asarray(texts, dtype=object), dtype=str).str.extract(_NOT_YEAR_FIRST).dropna()
    if found.empty:
        return None
    first, sep, second, year = (found[i] for i in range(4))
    example = f"{first.iloc[0]}{sep.iloc[0]}{second.iloc[0]}{sep.iloc[0]}{year.iloc[0]}"
    day_first = f"%d{sep.iloc[0]}%m{sep.iloc[0]}%Y"
    month_first = f"%m{sep.iloc[0]}%d{sep.iloc[0]}%Y"
    if (first.astype(int) > 12).any():
        return f"the dates are written day first ({example}): pass --date-format {day_first}"
    if (second.astype(int) > 12).any():
        return f"the dates are written month first ({example}): pass --date-format {month_first}"
    return (f"the dates are written day or month first ({example}): pass --date-format {day_first} (day first) or "
            f"--date-format {month_first} (month first)")


def month_cells(column: Any, name: str, header: str, check: RowCheck, fix: str) -> np.ndarray:
    """Monthly ordinals of an optional month column (``end_of_production``, ``effective``), float64, NaN when blank.

    Dates, periods, month texts and numbers such as 202403 (a float column reads 202403, not 202403.0).
    """
    empty = empty_cells(column)
    blank = np.zeros(len(column), dtype=bool) if empty is None else empty
    kind = _kind(column)
    if kind == "date":
        return np.where(blank, np.nan, _temporal_months(column).astype(np.float64))
    if kind == "period":
        return np.where(blank, np.nan, column.dt.asfreq("M").array.asi8.astype(np.float64))
    codes, uniques = factorize_cells(column)
    ordinal, valid = _month_of_text(pd.Series(identifier_text(pd.Series(uniques)), dtype=object), _epoch(check))
    ordinal, valid = np.append(ordinal, 0), np.append(valid, False)  # code -1: a missing cell
    check.fail(~valid[codes] & ~blank, name, header, column, "must be a month (YYYY-MM, YYYYMM) or a date", fix)
    return np.where(blank, np.nan, ordinal[codes].astype(np.float64))


def _temporal_months(column: Any) -> np.ndarray:
    """Monthly ordinals of a date or timestamp column (0 where missing).

    Arrow ``date32`` goes through a table of the months of the few distinct days in
    range (one gather per line, chunk by chunk, into the result); other types through
    their year and month fields.
    """
    if _is_arrow(column):
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_date32(column.type):
            bounds = pc.min_max(column)  # of the days present
            if bounds["min"].value is None:
                return np.zeros(len(column), dtype=np.int32)
            first, last = int(bounds["min"].value), int(bounds["max"].value)
            month_of_day = (np.arange(first, last + 1).astype("datetime64[D]").astype("datetime64[M]")
                            .astype(np.int64).astype(np.int32))
            out = np.empty(len(column), dtype=np.int32)
            at = 0
            for chunk in column.chunks:  # a missing day counts as the first
                days = pc.fill_null(chunk.view(pa.int32()), first) if chunk.null_count else chunk.view(pa.int32())
                np.take(month_of_day, days.to_numpy(zero_copy_only=False) - first, out=out[at:at + len(chunk)],
                        mode="clip")
                at += len(chunk)
            return out
        year = pc.fill_null(pc.year(column), _EPOCH_YEAR).to_numpy()
        month = pc.fill_null(pc.month(column), 1).to_numpy()
        return ((year - _EPOCH_YEAR) * 12 + month - 1).astype(np.int32)
    values = pd.Series(column)
    ordinal = (values.dt.year - _EPOCH_YEAR) * 12 + values.dt.month - 1
    return ordinal.fillna(0).to_numpy(dtype=np.int32)


def _small_integers(column: Any) -> bool:
    """Whether a column is arrow integers of at most 32 bits, none missing: finite, and within :data:`MAX_NUMBER`."""
    import pyarrow as pa

    return (_is_arrow(column) and pa.types.is_integer(column.type) and column.type.bit_width <= 32
            and column.null_count == 0)


def number_cells(column: Any, name: str, header: str, check: RowCheck, *, allow_empty: bool, fix: str) -> np.ndarray:
    """A numeric column as float64 (NaN for an empty cell); text is parsed on its distinct values."""
    rule = "must be a finite number"
    if _kind(column) == "number":
        number = _float64(column)
        if _small_integers(column):  # no cell is missing, infinite or beyond MAX_NUMBER: nothing to check
            return number
        check.fail(np.isinf(number) | (np.isnan(number) & (not allow_empty)), name, header, column, rule, fix)
    else:
        codes, uniques = factorize_cells(column)
        texts = _texts(uniques)
        if getattr(check.table, "delimiter", None) == ";":  # "12,500": 12500, or 12.5 with a decimal comma?
            comma = texts.str.contains(",", regex=False).to_numpy(dtype=bool) if len(texts) else np.zeros(0, bool)
            if comma.any():
                check.fail(np.append(comma, False)[codes], name, header, column,
                           "holds a comma in a ;-separated file, where it may be a decimal comma (12,5) or a "
                           "thousands separator (12,500)", "export the numbers with a decimal point and no "
                           "thousands separator")
        number, empty = _number_of_text(texts)
        safe = np.maximum(codes, 0)
        if not len(number):
            number, empty, safe = np.array([np.nan]), np.array([True]), np.zeros(len(codes), dtype=np.int32)
        missing = (codes < 0) | empty[safe]
        check.fail(np.isnan(number)[safe] & ~missing | (missing & (not allow_empty)), name, header, column, rule, fix)
        number = np.where(missing, np.nan, number[safe])
    if len(number) and (np.fmax.reduce(number) > MAX_NUMBER or np.fmin.reduce(number) < -MAX_NUMBER):
        # beyond what a count or an int64 level holds exactly: a typo or a broken cell (two reductions, no mask
        # unless one is there)
        with np.errstate(invalid="ignore"):
            check.fail(np.abs(number) > MAX_NUMBER, name, header, column, f"must be at most {MAX_NUMBER:,.0f} in size",
                       fix)
    return number


def _source_name(source: object) -> str:
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    return "<stdin>" if isinstance(source, bytes) or source == "-" else str(source)


def demand_matrix(history: History, *, as_of: str | pd.Period | None = None, count_lines: bool = False,
                  start: int | None = None, price: bool = False) -> DemandMatrix:
    """Sum clean history lines into a series x months float64 matrix.

    Parameters
    ----------
    history : History
        From :func:`load_history`.
    as_of : str or Period, optional
        The last month used (``YYYY-MM``); later lines are ignored and counted.
        Default: the last month in the history.
    count_lines : bool
        Also count the sales lines (quantity > 0) of each cell into
        ``DemandMatrix.lines`` (int32; half the matrix's memory again).
    start : int, optional
        The first month (a monthly ``Period`` ordinal), when the columns must span more
        than these lines: a partition of a network takes the network's first month.
    price : bool
        Also sum each series' priced units and value into ``DemandMatrix.priced``
        (lines with quantity > 0 and a ``unit_price``).

    Returns
    -------
    DemandMatrix
        One row per (dealer, part), or per part without a dealer column; one
        column per month from the first month in the history to ``as_of``.
        Months without lines are 0.  Returns are netted inside their month; a
        month whose net is negative counts as 0 and is counted in
        ``negative_months``.

    Raises
    ------
    InputError
        ``as_of`` is not a month, or fewer than 6 months end at ``as_of``.

    Notes
    -----
    Two passes over the lines, in blocks of :data:`BLOCK_LINES` so that the
    temporary index arrays stay small: the first marks which dealer x part
    series occur (key = dealer x n_parts + part), the second adds each line into
    its cell, row x n_months + month - start (one gather of row x n_months - start
    by key, then the month added), with ``np.add.at``, in line order.  Memory is the
    matrix plus one block.
    """
    instance("history", history, History, "a spareopt.history.History",
             hint="Pass load_history(...) of the lines (a DataFrame, a path)")
    lines = history.lines
    month = lines["month"]
    first, last = int(month.min()), int(month.max())
    end = last if as_of is None else month_ordinal(as_of)
    after = int(np.count_nonzero(month > end)) if end < last else 0
    used = month <= end if after else None
    if start is None and after < len(month):
        start = int(month[used].min()) if used is not None else first
    check_months(first, start, end, history.report.get("source", "the history"), any_used=after < len(month))
    n_months = end - start + 1
    part_names = history.names["part"]
    dealer_names = history.names["dealer"] if history.has_dealer else np.array([""], dtype=object)
    n_parts = len(part_names)
    blocks = [slice(i, i + BLOCK_LINES) for i in range(0, len(month), BLOCK_LINES)]

    space = len(dealer_names) * n_parts
    wide = np.int64 if space >= 2**31 else np.int32

    def series_key(block: slice) -> tuple[np.ndarray, np.ndarray | None]:
        if history.has_dealer:
            key = lines["dealer"][block] * wide(n_parts)
            key += lines["part"][block]
        else:
            key = lines["part"][block].astype(wide, copy=False)
        keep = used[block] if used is not None else None
        return (key[keep] if keep is not None else key), keep

    series_ids, first_cell = _series_index(series_key, blocks, space, n_months, start)
    values = _zeroed((len(series_ids), n_months), np.float64)
    flat_values = values.reshape(-1)
    line_counts = _zeroed(values.shape, np.int32) if count_lines else None
    negative_cells = []
    priced = np.zeros((2, len(series_ids))) if price and "unit_price" in lines else None
    for block in blocks:
        key, keep = series_key(block)
        flat = first_cell(key)  # the cell of the line's series in month 0, then its month's
        flat += month[block] if keep is None else month[block][keep]
        quantity = lines["quantity"][block] if keep is None else lines["quantity"][block][keep]
        np.add.at(flat_values, flat, quantity)
        if line_counts is not None:
            np.add.at(line_counts.reshape(-1), flat[quantity > 0], 1)
        negative_cells.append(flat[quantity < 0])
        if priced is not None:  # np.add.at adds in line order: a series sums the same in any partition
            unit_price = lines["unit_price"][block] if keep is None else lines["unit_price"][block][keep]
            sold = np.isfinite(unit_price) & (quantity > 0)
            row = flat[sold] // n_months
            np.add.at(priced[0], row, quantity[sold])
            np.add.at(priced[1], row, quantity[sold] * unit_price[sold])
    negative_months = 0
    returns = np.concatenate(negative_cells)
    if len(returns):  # only a cell with a return can be negative
        cells = np.unique(returns)
        negative = cells[flat_values[cells] < 0]
        negative_months = len(negative)
        flat_values[negative] = 0.0
    keys: dict[str, Any] = {}
    if history.has_dealer:
        keys["dealer"] = _categorical(series_ids // n_parts, dealer_names)
        keys["part"] = _categorical(series_ids % n_parts, part_names)
    else:
        keys["part"] = _categorical(series_ids, part_names)
    periods = pd.PeriodIndex.from_ordinals(np.arange(start, end + 1), freq="M")
    return DemandMatrix(values, pd.DataFrame(keys), periods, negative_months, after, line_counts, priced)


def with_parts(matrix: DemandMatrix, parts: Any) -> DemandMatrix:
    """The matrix with a row of zero demand for each of ``parts`` at every dealer that lacks one (one row without
    dealers).

    Parts a plan must list before their first sale (a planner's ``min_stock``,
    :func:`spareopt.parts.new_parts`): their rows join the others in (dealer, part) order, and
    their part numbers join the categories, sorted.  Rows they have already (a sale after the
    training months of :func:`spareopt.evaluate`) are kept as they are.

    Examples
    --------
    >>> lines = pd.DataFrame({"dealer": ["D1", "D2"], "part": ["P1", "P1"], "period": ["2024-01", "2024-06"],
    ...                       "quantity": [2, 3]})
    >>> wide = with_parts(demand_matrix(load_history(lines)), ["P0"])
    >>> wide.keys.astype(str).agg("/".join, axis=1).tolist(), wide.values[:, -1].tolist()
    (['D1/P0', 'D1/P1', 'D2/P0', 'D2/P1'], [0.0, 0.0, 0.0, 3.0])
    """
    names = np.asarray(parts, dtype=object)
    if not len(names):
        return matrix
    part = matrix.keys["part"].cat
    known = np.asarray(part.categories, dtype=object)
    every = pd.Index(np.union1d(known.astype(str), names.astype(str)).astype(object), dtype=object)
    old_part = every.get_indexer(known)[part.codes.to_numpy()].astype(np.int64)
    new_part = np.sort(every.get_indexer(names).astype(np.int64))
    old_dealer = new_dealer = None
    if matrix.has_dealer:
        dealer = matrix.keys["dealer"].cat
        old_dealer = dealer.codes.to_numpy().astype(np.int64)
        new_dealer = np.repeat(np.arange(len(dealer.categories), dtype=np.int64), len(new_part))
        new_part = np.tile(new_part, len(dealer.categories))
        old_key = old_dealer * len(every) + old_part
        new_key = new_dealer * len(every) + new_part
    else:
        old_key, new_key = old_part, new_part
    # the rows are sorted by key already: a new key is missing where the search does not land on it
    at = np.minimum(np.searchsorted(old_key, new_key), max(len(old_key) - 1, 0))
    missing = np.flatnonzero(old_key[at] != new_key) if len(old_key) else np.arange(len(new_key))
    key = np.concatenate([old_key, new_key[missing]])
    order = np.argsort(key, kind="stable")
    position = np.empty(len(key), dtype=np.int64)
    position[order] = np.arange(len(key))
    old = position[:len(old_key)]
    keys: dict[str, Any] = {}
    if matrix.has_dealer:
        codes = np.concatenate([old_dealer, new_dealer[missing]])[order]
        keys["dealer"] = pd.Categorical.from_codes(codes, categories=matrix.keys["dealer"].cat.categories,
                                                   validate=False)
    keys["part"] = pd.Categorical.from_codes(np.concatenate([old_part, new_part[missing]])[order], categories=every,
                                             validate=False)

    def grown(array: np.ndarray, axis: int = 0) -> np.ndarray:
        shape = list(array.shape)
        shape[axis] = len(key)
        out = np.zeros(shape, dtype=array.dtype)
        if axis == 0:
            out[old] = array
        else:
            out[:, old] = array
        return out

    return DemandMatrix(grown(matrix.values), pd.DataFrame(keys), matrix.periods, matrix.negative_months,
                        matrix.rows_after_as_of, None if matrix.lines is None else grown(matrix.lines),
                        None if matrix.priced is None else grown(matrix.priced, axis=1))


def check_months(first: int, start: int | None, end: int, source: str, *, any_used: bool = True) -> None:
    """The months ``start..end`` (Period ordinals) must hold a line and be at least 6 (the seed's MAD).

    ``first`` is the history's first month, for the message when every line is after ``end``.
    """
    if not any_used:
        raise InputError(
            f"as_of {_label(end)} is before the first month in the history ({_label(first)}); "
            "choose a later --as-of"
        )
    n_months = end - start + 1
    if n_months < MIN_HISTORY_MONTHS:
        raise InputError(
            f"{source}: {n_months} month(s) of history end at as_of {_label(end)} ({_label(start)}..{_label(end)}); "
            f"the seed's MAD needs at least {MIN_HISTORY_MONTHS}. Give a longer history or a later --as-of"
        )


def as_of_gap(as_of: int, last: int, lang: str | None = None) -> str | None:
    """The run report's warning for an as_of after the history's last month (Period ordinals): the months between
    are padded as months without demand (a stale export, or a history that only stopped).  When they fill the
    seed's MAD window (:data:`MIN_HISTORY_MONTHS`), every series is ``no_demand``, and the warning says so.  None
    when as_of is within the history.  ``lang``: :mod:`spareopt.lang` (the summary sheet of ``--lang zh``).

    >>> print(as_of_gap(month_ordinal("2025-03"), month_ordinal("2024-12")))
    as_of 2025-03 is 3 month(s) after the history's last month (2024-12): they count as months without demand (pass --as-of 2024-12 if the export is only older)
    """
    gap = as_of - last
    if gap <= 0:
        return None
    values = {"as_of": _label(as_of), "last": _label(last), "months": gap, "window": MIN_HISTORY_MONTHS}
    text = tr("as_of {as_of} is {months} month(s) after the history's last month ({last}): they count as months "
              "without demand", lang)
    if gap >= MIN_HISTORY_MONTHS:
        return (text + tr(", so the seed's {window}-month MAD sees no sale and every series is no_demand. Pass "
                          "--as-of {last}, or a history that reaches {as_of}", lang)).format(**values)
    return (text + tr(" (pass --as-of {last} if the export is only older)", lang)).format(**values)


BLOCK_LINES = 1 << 20
"""Lines per block in :func:`demand_matrix` (1M: 4 MB per temporary int32 array, which the allocator hands out again
block after block; 4M blocks of 16 MB cost 10k more page faults at medium)."""

_DENSE_KEYS = 250_000_000


def _series_index(series_key: Any, blocks: list[slice], space: int, n_months: int,
                  start: int) -> tuple[np.ndarray, Any]:
    """The sorted distinct series keys, and a function from keys to the flat index of their row's cell of month
    ordinal 0 in the series x ``n_months`` matrix from month ``start``: row x n_months - start (a line's cell is
    that plus its month).

    A dense lookup (4 bytes per possible dealer x part key) when the key space is at
    most 250M; otherwise the distinct keys of each block, merged, and a binary search.
    """
    if space <= _DENSE_KEYS:
        present = np.zeros(space, dtype=bool)
        for block in blocks:
            present[series_key(block)[0]] = True
        series_ids = np.flatnonzero(present)
        del present
        cell = _flat_type(len(series_ids), n_months, start)
        lookup = np.zeros(space, dtype=cell)
        lookup[series_ids] = np.arange(len(series_ids), dtype=cell) * cell(n_months) - cell(start)
        return series_ids, lambda key: lookup[key]
    series_ids = np.unique(np.concatenate([np.unique(series_key(block)[0]) for block in blocks]))
    cell = _flat_type(len(series_ids), n_months, start)
    return series_ids, lambda key: np.searchsorted(series_ids, key).astype(cell) * cell(n_months) - cell(start)


def _zeroed(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """An array of zeros written at once: ``np.add.at`` reads a cell before it writes it, and a fresh page of
    ``np.zeros`` (the kernel's zero page until written) read first faults twice, once to read and once to copy."""
    out = np.empty(shape, dtype=dtype)
    out.fill(0)
    return out


def _flat_type(n_series: int, n_months: int, start: int) -> type:
    """int32 when every flat cell index of the matrix, less ``start``, fits in it; else int64."""
    return np.int64 if n_series * n_months + abs(start) >= 2**31 else np.int32


def _categorical(codes: np.ndarray, names: np.ndarray) -> pd.Categorical:
    """Keys as a Categorical over the names that occur, in sorted order (``names`` are sorted)."""
    used = np.zeros(len(names), dtype=bool)
    used[codes] = True
    if used.all():
        return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object), validate=False)
    remap = np.cumsum(used) - 1
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(names[used], dtype=object), validate=False)


# -- cell parsing (vectorised over unique values) ---------------------------------------------------

_DATE_PATTERNS = (
    # 2023-01-15, 2023/1/5, 2023.01, 2023-01-15 08:30:00, 2023-01-15T08:30
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?$",
    # 2023年1月, 2023年1月15日
    r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?$",
    # 202301, 20230115
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?$",
)
_TIME_AFTER = r"[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?$"
_EXCEL_SERIAL = r"^(?P<serial>\d{5})(?:\.\d+)?$"  # 10000 (1927-05-18) .. 99999: a plausible sales date
_EXCEL_EPOCH = np.datetime64("1899-12-30")
_EXCEL_EPOCH_1904 = np.datetime64("1904-01-01")


def _epoch(check: RowCheck) -> np.datetime64:
    """Day 0 of the Excel serial numbers of the table ``check`` reads: 1904-01-01 for a workbook in the 1904
    date system (Excel for the Mac), else 1899-12-30."""
    return _EXCEL_EPOCH_1904 if getattr(check.table, "date_1904", False) else _EXCEL_EPOCH


def parse_month(
    values: pd.Series,
    *,
    column: str = "date",
    rows: np.ndarray | None = None,
    source: str = "<input>",
    date_format: str | None = None,
) -> np.ndarray:
    """Parse dates or months into pandas monthly ordinals (``(year - 1970) * 12 + month - 1``).

    Accepts ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY-MM`` (any of ``-/.``, optional
    time), ``YYYY年M月[D日]``, ``YYYYMM``, ``YYYYMMDD``, an Excel date serial
    number, and datetime or Period values.  Each distinct value is parsed once.
    A date written day or month first (``15/03/2024``) is ambiguous: it is read with
    ``date_format`` (a ``strftime`` format, e.g. ``%d/%m/%Y``; config ``date_format``,
    ``--date-format``), and is an error without it, whose fix names the format.

    Raises
    ------
    InputError
        Names the rows, column and values that are not dates.

    Examples
    --------
    >>> parse_month(pd.Series(["2024-01-15", "2024年2月", "202403", "45383"])).tolist()
    [648, 649, 650, 651]
    >>> parse_month(pd.Series(["15/01/2024", "03/02/2024 08:30", "2024-03-01"]), date_format="%d/%m/%Y").tolist()
    [648, 649, 650]
    """
    values = pd.Series(values).reset_index(drop=True)
    labels = np.arange(len(values)) + 1 if rows is None else np.asarray(rows)
    table = Table(values.to_frame("v"), source, labels)
    return _months(values, column, RowCheck(table, None), date_format).astype(np.int64)


def _month_of_text(text: pd.Series, epoch: np.datetime64 | None = None,
                   date_format: str | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Monthly ordinals (int32) of distinct trimmed date texts, and which of them are dates.

    ``epoch``: day 0 of an Excel serial number (the 1900 system's 1899-12-30 by default; a 1904 workbook's
    1904-01-01).  ``date_format``: a ``strftime`` format tried first (a time after the date is allowed), e.g.
    ``%d/%m/%Y``; the year-first forms are read as well."""
    epoch = _EXCEL_EPOCH if epoch is None else epoch
    text = pd.Series(np.asarray(text, dtype=object), dtype=str)
    year = pd.Series(np.nan, index=text.index)
    month = year.copy()
    day = year.copy()
    if date_format is not None and len(text):
        stamp = pd.to_datetime(text, format=date_format, errors="coerce")
        missing = stamp.isna()
        if missing.any():  # "15/03/2024 08:30" under %d/%m/%Y
            dated = text[missing].str.replace(_TIME_AFTER, "", regex=True)
            stamp[missing] = pd.to_datetime(dated, format=date_format, errors="coerce")
        year = year.mask(stamp.notna(), stamp.dt.year)
        month = month.mask(stamp.notna(), stamp.dt.month)
    for pattern in _DATE_PATTERNS:
        todo = year.isna()
        if not todo.any():
            break
        found = text[todo].str.extract(pattern)
        year = year.fillna(pd.to_numeric(found["y"]))
        month = month.fillna(pd.to_numeric(found["m"]))
        day = day.mask(todo & found["y"].notna(), pd.to_numeric(found["d"]))
    todo = year.isna()
    if todo.any():
        serial = pd.to_numeric(text[todo].str.extract(_EXCEL_SERIAL)["serial"])
        ok = serial.notna()
        dates = pd.Series(epoch + serial[ok].to_numpy(dtype=np.int64).astype("timedelta64[D]"),
                          index=serial[ok].index)
        year = year.fillna(dates.dt.year.astype(float))
        month = month.fillna(dates.dt.month.astype(float))
    valid = year.notna() & month.between(1, 12)
    with_day = valid & day.notna()
    if with_day.any():
        stamp = pd.to_datetime(
            pd.DataFrame({"year": year[with_day], "month": month[with_day], "day": day[with_day]}), errors="coerce"
        )
        valid = valid.copy()
        valid[with_day] = stamp.notna().to_numpy(dtype=bool)  # an array: no alignment, no upcast (pandas 2.x)
    ordinal = ((year - _EPOCH_YEAR) * 12 + month - 1).where(valid, 0).to_numpy(dtype=np.int32)
    return ordinal, valid.to_numpy(dtype=bool)


def parse_number(
    values: pd.Series,
    *,
    column: str,
    rows: np.ndarray,
    source: str,
    allow_empty: bool,
    name: str | None = None,
    fix: str = "correct the cells (an empty cell means no record)",
) -> np.ndarray:
    """Parse a numeric column to float64; empty cells give NaN when ``allow_empty``.

    Text may carry thousands separators (``1,234.5``); each distinct text is parsed once.

    Raises
    ------
    InputError
        A cell that is text, NaN or infinite (or empty when not allowed).
    """
    values = pd.Series(values).reset_index(drop=True)
    table = Table(values.to_frame("v"), source, np.asarray(rows))
    return number_cells(values, name or column, column, RowCheck(table, None), allow_empty=allow_empty, fix=fix)


def _number_of_text(text: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """float64 of distinct texts (NaN where empty or not a finite number), and which are empty."""
    text = pd.Series(np.asarray(text, dtype=object), dtype=str).str.strip()
    empty = (text == "").to_numpy()
    number = pd.to_numeric(text.where(~empty, None), errors="coerce").to_numpy(dtype=np.float64, copy=True)
    failed = ~np.isfinite(number) & ~empty
    if failed.any():  # "1,234": thousands separators
        retry = pd.to_numeric(text[failed].str.replace(",", "", regex=False).where(
            text[failed].str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?"), None), errors="coerce")
        number[failed] = retry.to_numpy(dtype=np.float64)
    number[~np.isfinite(number)] = np.nan
    return number, empty


def _is_empty(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        blank = (pd.Series(values.cat.categories.astype(str)).str.strip() == "").to_numpy()
        return (codes < 0) | (blank[np.maximum(codes, 0)] if len(blank) else False)
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return values.isna().to_numpy()  # numbers, datetimes, periods
    return (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()


def _raise_at(where: np.ndarray, name: str, column: str, cells: list[Any], labels: np.ndarray, source: str,
              rule: str, fix: str) -> None:
    examples = [f"row {row_label(r)} {_cell_text(v)}" for r, v in zip(labels, cells)]
    header = f" (header {column!r})" if column != name else ""
    raise InputError(
        f"{source}: `{name}`{header} {rule}; {len(where):,} row(s) break it "
        f"(first: {format_examples(examples, len(where))}). Fix: {fix}"
    )


def row_label(row: Any) -> Any:
    return int(row) if isinstance(row, (int, np.integer)) else row


def _cell_text(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    if isinstance(value, np.datetime64) and np.isnat(value):
        return "(empty)"
    text = str(value)
    if len(text) > _SHOWN_CHARACTERS:  # a message shows the start of a huge cell, and its length
        return f"{text[:_SHOWN_CHARACTERS]!r}... ({len(text):,} characters)"
    return "(empty)" if text.strip() == "" else repr(text)


_SHOWN_CHARACTERS = 40


def history_end(months: np.ndarray, lines: np.ndarray) -> int:
    """The month the history ends in: its latest month, unless that stands more than :data:`FAR_FUTURE_MONTHS`
    after every earlier month with lines (a date typed 2099, or a future year): then the latest month before
    such a gap, walking down.

    ``months``: distinct months (ordinals, ascending); ``lines``: lines in each.

    >>> history_end(np.array([648, 649, 650, 1548]), np.array([3, 5, 2, 1]))  # 2024-01..03, then 2099-01
    650
    """
    at = np.flatnonzero(lines > 0)
    top = len(at) - 1
    while top > 0 and months[at[top]] - months[at[top - 1]] > FAR_FUTURE_MONTHS:
        top -= 1
    return int(months[at[top]])


def check_network_span(months: np.ndarray, lines: np.ndarray, as_of: int | None, source: str,
                       max_history_months: int = MAX_HISTORY_MONTHS) -> None:
    """The rule of dates far from the rest on a network's lines per month (the stream and dask engines, which
    read the history in pieces): the months and their lines are named, not the rows.

    Raises
    ------
    InputError
        Lines more than a year after the rest (without ``as_of``), or more than :data:`MAX_HISTORY_MONTHS`
        before the history's end.
    """
    seen = lines > 0
    months, lines = months[seen], lines[seen]
    if not len(months):
        return
    end = history_end(months, lines) if as_of is None else as_of
    late = months > end
    if as_of is None and late.any():
        raise InputError(
            f"{source}: {int(lines[late].sum()):,} line(s) dated {_label(int(months[late][0]))}"
            + (f" to {_label(int(months[late][-1]))}" if late.sum() > 1 else "")
            + f" are more than a year after the rest of the history, which ends {_label(end)}. Fix: correct the "
            f"dates (a typo in the year?), or pass --as-of {_label(end)} to plan at the end of the rest")
    first = end - max_history_months + 1
    early = months < first
    if early.any():
        raise InputError(
            f"{source}: {int(lines[early].sum()):,} line(s) dated {_label(int(months[early][0]))}"
            + (f" to {_label(int(months[early][-1]))}" if early.sum() > 1 else "")
            + f" are more than {_span_text(max_history_months)} before the history's end ({_label(end)}). Fix: "
            f"correct the year (a typo?), or pass --since {_label(first)} to leave out the lines before")


FAR_FUTURE_MONTHS = 12
"""A latest month more than this after every earlier month with lines is a typo, unless ``as_of`` is given."""


def _check_span(month: np.ndarray, keep: np.ndarray | None, name: str, header: str, cells: Any, check: RowCheck,
                as_of: int | None, max_history_months: int = MAX_HISTORY_MONTHS) -> None:
    """Dates far from the rest, named by row: after the history's end by more than a year (unless ``as_of`` says
    where it ends; later lines are ignored), or more than :data:`MAX_HISTORY_MONTHS` before its end."""
    used = month if keep is None else month[keep]
    if not len(used):
        return
    low, top = int(used.min()), int(used.max())
    end = top if as_of is None else as_of
    near = np.count_nonzero(used >= top - FAR_FUTURE_MONTHS) - np.count_nonzero(used >= top)  # lines just before
    if as_of is None and low < top and near == 0:  # the latest month stands apart: where does the history end?
        if top - low < 1 << 24:
            end = history_end(np.arange(low, top + 1), np.bincount(used - low))
        else:
            distinct, lines = np.unique(used, return_counts=True)
            end = history_end(distinct, lines)
        if end < top:
            check.fail(month > end, name, header, cells,
                       f"must not be more than a year after the rest of the history, which ends {_label(end)}",
                       f"correct the date (a typo in the year?), or pass --as-of {_label(end)} to plan at the end "
                       "of the rest (later lines are then ignored)")
    first = end - max_history_months + 1
    if low < first:
        check.fail((month < first) if keep is None else (month < first) & keep, name, header, cells,
                   f"must be within {_span_text(max_history_months)} of the history's end ({_label(end)}), from "
                   f"{_label(first)} on", f"correct the year (a typo?), or pass --since {_label(first)} to leave out "
                   "the lines before")


def _span_text(months: int) -> str:
    return f"{months // 12} years" if months % 12 == 0 else f"{months} months"


def month_ordinal(as_of: str | pd.Period) -> int:
    try:
        period = as_of if isinstance(as_of, pd.Period) else pd.Period(str(as_of).strip(), freq="M")
    except (ValueError, TypeError):
        raise InputError(f"as_of must be a month YYYY-MM, got {as_of!r}") from None
    if period is pd.NaT or not isinstance(period, pd.Period):  # NaN, "nat": no month
        raise InputError(f"as_of must be a month YYYY-MM, got {as_of!r}")
    return int(period.asfreq("M").ordinal)


def _label(ordinal: int) -> str:
    return str(pd.Period(ordinal=ordinal, freq="M"))
