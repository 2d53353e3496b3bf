"""Sales history: clean the lines, then sum them into the dealer x part x month demand matrix.

read -> **clean** -> **demand matrix** -> classify -> forecast -> policy -> must-stock list

:func:`load_history` checks every cell once, vectorised, and keeps what it had to
skip in a report (nothing is dropped silently).  :func:`demand_matrix` nets
returns inside their month and sums transaction lines or monthly totals alike
into one float64 row per series.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from .columns import HISTORY_COLUMNS, resolve_columns
from .errors import InputError, format_examples
from .io import Table, read_stdin, read_table

__all__ = ["History", "DemandMatrix", "load_history", "demand_matrix", "parse_month", "MIN_HISTORY_MONTHS"]

MIN_HISTORY_MONTHS = 6
"""The seed's MAD weighs the last 6 months, so a run needs at least 6."""

_EPOCH_YEAR = 1970  # pandas monthly Period ordinal 0 is 1970-01


@dataclass(frozen=True)
class History:
    """Clean sales lines, one per usable input row.

    Attributes
    ----------
    frame : DataFrame
        ``dealer`` (when the source has one), ``part`` (str), ``month``
        (pandas monthly ordinal, int64), ``quantity`` (float64, negative =
        return), ``unit_price`` (float64, NaN when unknown; when the source has one).
    has_dealer : bool
        Whether the source had a dealer column.
    report : dict
        What was read, skipped or ignored, for the run report.
    """

    frame: pd.DataFrame
    has_dealer: bool
    report: dict[str, Any] = field(default_factory=dict)


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
    """

    values: np.ndarray
    keys: pd.DataFrame
    periods: pd.PeriodIndex
    negative_months: int = 0
    rows_after_as_of: int = 0

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
    counted (with its first row numbers) in ``report``; so is a blank line.
    """
    found: dict[str, str] = {}

    def select(headers: list[str]) -> dict[str, str]:
        found.update(resolve_columns(headers, HISTORY_COLUMNS, source=_source_name(source), required=("part", "quantity"),
                                     one_of=("date", "period"), overrides=columns))
        return {header: "number" if canonical in ("quantity", "unit_price") else "text"
                for canonical, header in found.items()}

    if isinstance(source, Table):
        select(list(source.frame.columns))
        return _clean(source, found)
    if isinstance(source, str) and source == "-":
        source = read_stdin()  # read once: an error is reported from a second, exact reading
    table = read_table(source, encoding=encoding, select=select)
    try:
        return _clean(table, found)
    except InputError:
        if table.exact:
            raise
        # the fast reader parsed the cells already; read them again as text to show them as written
        return _clean(read_table(source, encoding=encoding, select=select, fast=False), found)


def _clean(table: Table, mapping: dict[str, str]) -> History:
    raw = table.frame
    headers = list(table.headers or raw.columns)
    ignored_columns = [c for c in headers if c not in mapping.values()]

    quantity_raw = raw[mapping["quantity"]]
    empty_quantity = _is_empty(quantity_raw)
    blank = _all_empty(raw)
    skipped = empty_quantity | blank
    no_record_rows = table.rows[empty_quantity & ~blank]
    kept = table.take(~skipped)
    frame = kept.frame
    rows = kept.rows
    if len(frame) == 0:
        if blank.all():
            raise InputError(f"file {table.source} has a header but no rows (only blank lines); export the data rows too")
        raise InputError(f"{table.source}: no row has a quantity; every cell of the `quantity` column "
                         f"({mapping['quantity']!r}) is empty")

    out: dict[str, Any] = {}
    if "dealer" in mapping:
        out["dealer"] = _keys(frame[mapping["dealer"]], "dealer", mapping["dealer"], rows, table.source)
    out["part"] = _keys(frame[mapping["part"]], "part", mapping["part"], rows, table.source)
    time_col = "date" if "date" in mapping else "period"
    out["month"] = parse_month(frame[mapping[time_col]], column=mapping[time_col], rows=rows, source=table.source)
    out["quantity"] = parse_number(frame[mapping["quantity"]], column=mapping["quantity"], rows=rows,
                                   source=table.source, allow_empty=False, name="quantity")
    if "unit_price" in mapping:
        price = parse_number(frame[mapping["unit_price"]], column=mapping["unit_price"], rows=rows,
                             source=table.source, allow_empty=True, name="unit_price",
                             fix="correct the price (an empty cell means unknown)")
        _check_rows(price < 0, "unit_price", mapping["unit_price"], frame[mapping["unit_price"]], rows,
                    table.source, "must be >= 0", "correct the price")
        out["unit_price"] = price
    clean = pd.DataFrame(out)
    returns = clean["quantity"].to_numpy() < 0
    report = {
        "source": table.source,
        "encoding": table.encoding,
        "sheet": table.sheet,
        "headers": headers,
        "columns": dict(mapping),
        "columns_ignored": ignored_columns,
        "rows_read": int(len(raw)),
        "rows_blank": int(blank.sum()),
        "rows_blank_first": [_row_label(r) for r in table.rows[blank][:5]],
        "rows_no_quantity": int(len(no_record_rows)),
        "rows_no_quantity_first": [_row_label(r) for r in no_record_rows[:5]],
        "return_lines": int(returns.sum()),
        "return_units": float(np.abs(clean["quantity"].to_numpy()[returns]).sum()),
    }
    return History(clean, "dealer" in mapping, report)


def _source_name(source: object) -> str:
    if isinstance(source, pd.DataFrame):
        return "<DataFrame>"
    return "<stdin>" if isinstance(source, bytes) or source == "-" else str(source)


def demand_matrix(history: History, *, as_of: str | pd.Period | None = None) -> DemandMatrix:
    """Sum clean history lines into a series x months float64 matrix.

    Parameters
    ----------
    history : History
        From :func:`load_history`.
    as_of : str or Period, optional
        The last month used (``YYYY-MM``); later lines are ignored and counted.
        Default: the last month in the history.

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
    """
    frame = history.frame
    month = frame["month"].to_numpy()
    last = int(month.max())
    end = last if as_of is None else _as_of_ordinal(as_of)
    used = month <= end
    after = int((~used).sum())
    if not used.any():
        raise InputError(
            f"as_of {_label(end)} is before the first month in the history ({_label(int(month.min()))}); "
            "choose a later --as-of"
        )
    start = int(month[used].min())
    n_months = end - start + 1
    if n_months < MIN_HISTORY_MONTHS:
        source = history.report.get("source", "the history")
        raise InputError(
            f"{source}: {n_months} month(s) of history end at as_of {_label(end)} ({_label(start)}..{_label(end)}); "
            f"the seed's MAD needs at least {MIN_HISTORY_MONTHS}. Give a longer history or a later --as-of"
        )
    sub = frame[used] if after else frame
    part_codes, part_names = _sorted_codes(sub["part"])
    if history.has_dealer:
        dealer_codes, dealer_names = _sorted_codes(sub["dealer"])
        combined = dealer_codes * len(part_names) + part_codes
    else:
        combined = part_codes
    series_ids, series_index = _series_index(combined, len(part_names) * (len(dealer_names) if history.has_dealer
                                                                           else 1))
    flat = series_index * n_months + (sub["month"].to_numpy() - start)
    values = np.bincount(flat, weights=sub["quantity"].to_numpy(dtype=np.float64),
                         minlength=len(series_ids) * n_months).reshape(len(series_ids), n_months)
    negative = values < 0
    negative_months = int(negative.sum())
    values[negative] = 0.0
    keys: dict[str, Any] = {}
    if history.has_dealer:
        keys["dealer"] = _categorical(series_ids // len(part_names), dealer_names)
        keys["part"] = _categorical(series_ids % len(part_names), part_names)
    else:
        keys["part"] = _categorical(series_ids, part_names)
    periods = pd.PeriodIndex.from_ordinals(np.arange(start, end + 1), freq="M")
    return DemandMatrix(values, pd.DataFrame(keys), periods, negative_months, after)


def _sorted_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int64) into the distinct values sorted as text, and those values (object array)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = np.asarray(values.cat.categories, dtype=object)
        order = np.argsort(names.astype(str), kind="stable")
        rank = np.empty(len(names), dtype=np.int64)
        rank[order] = np.arange(len(names))
        return rank[values.cat.codes.to_numpy()], names[order]
    codes, uniques = pd.factorize(values, sort=True)
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


_DENSE_KEYS = 250_000_000


def _series_index(combined: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray]:
    """The sorted distinct series keys, and each line's row among them.

    A dense lookup (4 bytes per possible dealer x part key) when the key space is at
    most 250M, one pass; otherwise a hash factorisation and a sort of the distinct keys.
    """
    if space <= _DENSE_KEYS:
        present = np.zeros(space, dtype=bool)
        present[combined] = True
        series_ids = np.flatnonzero(present)
        lookup = np.zeros(space, dtype=np.int64 if len(series_ids) >= 2**31 else np.int32)
        lookup[series_ids] = np.arange(len(series_ids))
        return series_ids, lookup[combined].astype(np.int64)
    codes, uniques = pd.factorize(combined)
    order = np.argsort(uniques)
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    return uniques[order], rank[codes]


def _categorical(codes: np.ndarray, names: np.ndarray) -> pd.Categorical:
    """Keys as a Categorical over the names that occur, in sorted order."""
    used = np.unique(codes)
    remap = np.zeros(len(names), dtype=np.int64)
    remap[used] = np.arange(len(used))
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(names[used], dtype=object))


# -- cell parsing (vectorised over unique values) ---------------------------------------------------

_DATE_PATTERNS = (
    # 2023-01-15, 2023/1/5, 2023.01, 2023-01-15 08:30:00, 2023-01-15T08:30
    r"^(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d*)?)?)?$",
    # 2023年1月, 2023年1月15日
    r"^(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月(?:\s*(?P<d>\d{1,2})\s*日)?$",
    # 202301, 20230115
    r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?$",
)
_EXCEL_SERIAL = r"^(?P<serial>\d{5})(?:\.\d+)?$"  # 10000 (1927-05-18) .. 99999: a plausible sales date
_EXCEL_EPOCH = np.datetime64("1899-12-30")


def parse_month(
    values: pd.Series,
    *,
    column: str = "date",
    rows: np.ndarray | None = None,
    source: str = "<input>",
) -> np.ndarray:
    """Parse dates or months into pandas monthly ordinals (``(year - 1970) * 12 + month - 1``).

    Accepts ``YYYY-MM-DD``, ``YYYY/MM/DD``, ``YYYY-MM`` (any of ``-/.``, optional
    time), ``YYYY年M月[D日]``, ``YYYYMM``, ``YYYYMMDD``, an Excel date serial
    number, and datetime or Period values.  Each distinct value is parsed once.

    Raises
    ------
    InputError
        Names the rows, column and values that are not dates.
    """
    if isinstance(values.dtype, pd.PeriodDtype):
        return values.dt.asfreq("M").array.asi8.astype(np.int64)
    if pd.api.types.is_datetime64_any_dtype(values):
        if values.isna().any():
            _raise_rows(values.isna().to_numpy(), "date", column, values, rows, source,
                        "must be a date", "fill in the date")
        return ((values.dt.year - _EPOCH_YEAR) * 12 + values.dt.month - 1).to_numpy(dtype=np.int64)
    if isinstance(values.dtype, pd.CategoricalDtype):
        categories = pd.Series(np.append(values.cat.categories.astype(str).to_numpy(dtype=object), ""))
        codes = values.cat.codes.to_numpy().astype(np.int64)
        codes[codes < 0] = len(categories) - 1  # a missing cell is an empty one
        uniques = categories.str.strip().to_numpy(dtype=object)
    else:
        codes, uniques = pd.factorize(values.astype(str).str.strip(), use_na_sentinel=False)
    text = pd.Series(uniques, dtype=str)
    year = pd.Series(np.nan, index=text.index)
    month = year.copy()
    day = year.copy()
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
        dates = pd.Series(_EXCEL_EPOCH + serial[ok].to_numpy(dtype=np.int64).astype("timedelta64[D]"),
                          index=serial[ok].index)
        year = year.fillna(dates.dt.year.astype(float))
        month = month.fillna(dates.dt.month.astype(float))
    valid = year.notna() & month.between(1, 12)
    with_day = valid & day.notna()
    if with_day.any():
        stamp = pd.to_datetime(
            pd.DataFrame({"year": year[with_day], "month": month[with_day], "day": day[with_day]}), errors="coerce"
        )
        valid[with_day] = stamp.notna()
    bad = ~valid.to_numpy()[codes] if not valid.all() else None
    if bad is not None and bad.any():  # unused dictionary values may be invalid: only rows count
        _raise_rows(bad, "date", column, values, rows, source, "must be a date (YYYY-MM-DD, YYYY/MM/DD, YYYY-MM or "
                    "an Excel date)", "correct the cells, or map another column with --column date=HEADER")
    ordinal = ((year - _EPOCH_YEAR) * 12 + month - 1).where(valid, 0).to_numpy(dtype=np.int64)
    return ordinal[codes]


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

    Raises
    ------
    InputError
        A cell that is text, NaN or infinite (or empty when not allowed).
    """
    name = name or column
    if isinstance(values.dtype, pd.CategoricalDtype):  # text read dictionary-encoded: parse each distinct value once
        categories = pd.Series(values.cat.categories.astype(str))
        number = parse_number(categories, column=column, rows=np.arange(len(categories)), source=source,
                              allow_empty=True, name=name, fix=fix) if len(categories) else np.empty(0)
        codes = values.cat.codes.to_numpy()
        empty_category = (categories.str.strip() == "").to_numpy()
        bad_category = ~np.isfinite(number) & ~empty_category
        per_row = np.where(codes >= 0, number[np.maximum(codes, 0)], np.nan)
        empty = (codes < 0) | empty_category[np.maximum(codes, 0)]
        bad = (codes >= 0) & bad_category[np.maximum(codes, 0)] | (empty & (not allow_empty))
        if bad.any():
            _raise_rows(bad, name, column, values, rows, source, "must be a finite number", fix)
        return per_row
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        number = values.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isinf(number) | (np.isnan(number) & (not allow_empty))
    else:
        text = values.astype(str).str.strip()
        empty = (text == "").to_numpy()
        number = pd.to_numeric(text.where(~empty, None), errors="coerce").to_numpy(dtype=np.float64, copy=True)
        failed = ~np.isfinite(number) & ~empty
        if failed.any():  # "1,234": thousands separators
            retry = pd.to_numeric(text[failed].str.replace(",", "", regex=False).where(
                text[failed].str.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?"), None), errors="coerce")
            number[failed] = retry.to_numpy(dtype=np.float64)
            failed = ~np.isfinite(number) & ~empty
        bad = failed | (empty & (not allow_empty))
    if bad.any():
        _raise_rows(bad, name, column, values, rows, source, "must be a finite number", fix)
    return number


def _keys(values: pd.Series, name: str, column: str, rows: np.ndarray, source: str) -> np.ndarray:
    """Identifiers as trimmed strings; integral numbers lose a trailing ``.0``.

    Dictionary-encoded (Categorical) text stays Categorical: only its distinct
    values are trimmed, so a network-size column costs one pass over its codes.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        names = pd.Series(values.cat.categories.astype(str)).str.strip()
        code_of, merged = pd.factorize(names)  # trimming may merge two spellings
        codes = values.cat.codes.to_numpy()
        empty = (codes < 0) | (names.to_numpy(dtype=object) == "")[np.maximum(codes, 0)]
        if empty.any():
            _raise_rows(empty, name, column, values, rows, source, "must not be empty", f"fill in the {name}")
        return pd.Categorical.from_codes(code_of[codes], categories=pd.Index(merged, dtype=object))
    if pd.api.types.is_float_dtype(values):
        number = values.to_numpy(dtype=np.float64, na_value=np.nan)
        integral = np.isfinite(number) & (np.mod(number, 1) == 0)
        text = pd.Series(np.where(integral, pd.Series(number).map("{:.0f}".format), values.astype(str)))
        text[np.isnan(number)] = ""
    else:
        text = values.astype(str).str.strip().reset_index(drop=True)
        text[values.isna().to_numpy()] = ""
    empty = (text == "").to_numpy()
    if empty.any():
        _raise_rows(empty, name, column, values, rows, source, "must not be empty", f"fill in the {name}")
    return text.to_numpy(dtype=object)


def _is_empty(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes = values.cat.codes.to_numpy()
        blank = (pd.Series(values.cat.categories.astype(str)).str.strip() == "").to_numpy()
        return (codes < 0) | (blank[np.maximum(codes, 0)] if len(blank) else False)
    if not (values.dtype == object or pd.api.types.is_string_dtype(values)):
        return values.isna().to_numpy()  # numbers, datetimes, periods
    return (values.isna() | (values.astype(str).str.strip() == "")).to_numpy()


def _all_empty(frame: pd.DataFrame) -> np.ndarray:
    empty = np.ones(len(frame), dtype=bool)
    for column in frame.columns:
        empty &= _is_empty(frame[column])
    return empty


def _check_rows(bad: np.ndarray, name: str, column: str, values: pd.Series, rows: np.ndarray, source: str,
                rule: str, fix: str) -> None:
    if np.any(bad):
        _raise_rows(np.asarray(bad), name, column, values, rows, source, rule, fix)


def _raise_rows(bad: np.ndarray, name: str, column: str, values: pd.Series, rows: np.ndarray | None,
                source: str, rule: str, fix: str) -> None:
    where = np.flatnonzero(bad)
    cells = values.to_numpy()[where[:5]]
    labels = rows[where[:5]] if rows is not None else where[:5] + 1
    examples = [f"row {r} {_show(v)}" for r, v in zip(labels, cells)]
    header = f" (header {column!r})" if column != name else ""
    raise InputError(
        f"{source}: `{name}`{header} {rule}; {len(where):,} row(s) break it "
        f"(first: {format_examples(examples, len(where))}). Fix: {fix}"
    )


def _row_label(row: Any) -> Any:
    return int(row) if isinstance(row, (int, np.integer)) else row


def _show(value: Any) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return "(empty)"
    if isinstance(value, np.datetime64) and np.isnat(value):
        return "(empty)"
    text = str(value)
    return "(empty)" if text.strip() == "" else repr(text)


def _as_of_ordinal(as_of: str | pd.Period) -> int:
    try:
        period = as_of if isinstance(as_of, pd.Period) else pd.Period(str(as_of).strip(), freq="M")
    except (ValueError, TypeError):
        raise InputError(f"as_of must be a month YYYY-MM, got {as_of!r}") from None
    return int(period.asfreq("M").ordinal)


def _label(ordinal: int) -> str:
    return str(pd.Period(ordinal=ordinal, freq="M"))
