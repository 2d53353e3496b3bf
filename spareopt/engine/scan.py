"""Pass 0 of the stream and dask engines: the Parquet history in pieces, every row checked, and the network's
months, dealers, parts and run-report counts reduced (:mod:`spareopt.engine`)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..columns import HISTORY_COLUMNS, resolve_columns
from ..errors import InputError, UsageError
from ..history import History, ReadLimits, clean_lines, identifier_text
from ..io import Table

__all__ = ["PIECE_ROWS", "Dataset", "Partition", "Piece", "Scan", "merge_scans", "open_dataset", "scan_piece"]

PIECE_ROWS = 4_000_000
"""Rows per scan task: consecutive row groups of one file up to this many rows."""


# -- the Parquet history, in pieces ------------------------------------------------------------------

@dataclass(frozen=True)
class Partition:
    """One dealer set: contiguous in the sorted dealers, so partitions concatenate in the local order."""

    index: int
    dealers: tuple[str, ...]
    raw: tuple[Any, ...]  # the dealer column's cells of these dealers
    files: frozenset[str]
    lines: int
    taken: np.ndarray | None = dataclasses.field(default=None, compare=False)  # its steps a network budget took


@dataclass(frozen=True)
class Piece:
    """Consecutive row groups of one file: a scan task."""

    path: str
    row_groups: tuple[int, ...]
    first_row: int  # the row number of its first row in the file (1-based, as the local engine counts)
    keys: tuple[tuple[str, str], ...]  # hive partition columns of the file: (header, value)


@dataclass(frozen=True)
class Dataset:
    """A Parquet history: one file, or a directory of files (``dealer=D01/part-0.parquet`` allowed)."""

    source: str
    pieces: tuple[Piece, ...]
    headers: tuple[str, ...]  # stripped, hive keys last
    by_header: dict[str, str]  # stripped header -> the file's column name
    mapping: dict[str, str]  # canonical -> header
    text: tuple[str, ...]  # file columns read as dictionaries
    limits: ReadLimits = field(default_factory=ReadLimits)  # since, max_id_length, max_history_months (the config)

    @property
    def dealer(self) -> str:
        return self.mapping["dealer"]

    def _read(self, path: str, keys: Sequence[tuple[str, str]], row_groups: Sequence[int] | None = None,
              dealers: Sequence[Any] | None = None) -> Any:
        """The mapped columns of one file (some row groups, or the rows of some dealers), hive keys added."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        wanted = [self.by_header[h] for h in self.mapping.values() if h in self.by_header]
        try:
            if row_groups is not None:
                arrow = pq.ParquetFile(path, read_dictionary=list(self.text)).read_row_groups(list(row_groups),
                                                                                              columns=wanted)
            else:
                filters = None if dealers is None else [(self.by_header[self.dealer], "in", list(dealers))]
                arrow = pq.read_table(path, columns=wanted, read_dictionary=list(self.text), filters=filters,
                                      partitioning=None)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"file {path} is not a readable Parquet file ({exc})") from None
        arrow = arrow.rename_columns([str(c).strip() for c in arrow.column_names])
        for header, value in keys:
            if header in self.mapping.values() and header not in self.by_header:
                arrow = arrow.append_column(header, pa.array([value] * arrow.num_rows, type=pa.string()))
        return arrow

    def piece_table(self, piece: Piece) -> Table:
        arrow = self._read(piece.path, piece.keys, row_groups=piece.row_groups)
        return Table(None, piece.path, headers=self.headers, arrow=arrow, first_row=piece.first_row)

    def partition_table(self, partition: Partition) -> Table:
        """The rows of one dealer set, in file order; a file of other dealers is not opened, and a row group
        whose statistics exclude the set is not read."""
        import pyarrow as pa

        tables = []
        for path, keys in dict.fromkeys((p.path, p.keys) for p in self.pieces):  # files, in order
            if path in partition.files:
                hive = self.dealer not in self.by_header  # the dealer is the file's directory: all its rows
                tables.append(self._read(path, keys, dealers=None if hive else partition.raw))
        arrow = pa.concat_tables(tables, promote_options="permissive") if len(tables) > 1 else tables[0]
        return Table(None, self.source, headers=self.headers, arrow=arrow, first_row=1)


def open_dataset(history: Any, columns: Mapping[str, str] | None, limits: ReadLimits | None = None) -> Dataset:
    """The Parquet files of a history, their row groups in pieces, its column mapping, and the limits it is read
    within (:class:`spareopt.history.ReadLimits`)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if not isinstance(history, (str, PathLike)):
        raise UsageError("the stream and dask engines read a Parquet file or a directory of Parquet files; "
                         f"got a {type(history).__name__} (use engine='local' for a DataFrame)")
    path = Path(history)
    if path.is_dir():
        files = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in (".parquet", ".parq", ".pq"))
        if not files:
            raise InputError(f"directory {path} holds no Parquet file (*.parquet); point to the history's files")
    elif path.suffix.lower() in (".parquet", ".parq", ".pq"):
        if not path.exists():
            raise InputError(f"file {path} does not exist; check the path")
        files = [path]
    else:
        raise UsageError(f"{path}: the stream and dask engines read Parquet (a file, or a directory of files, e.g. "
                         "one per dealer); convert it once, e.g. pandas.read_csv(...).to_parquet('history.parquet'), "
                         "or use --engine local")
    pieces, names = [], None
    for file in files:
        keys = tuple((m.group(1).strip(), m.group(2)) for part in file.relative_to(path).parts[:-1]
                     for m in [re.match(r"^([^=]+)=(.*)$", part)] if m) if path.is_dir() else ()
        try:
            meta = pq.ParquetFile(file).metadata
            schema = pq.read_schema(file)
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"file {file} is not a readable Parquet file ({exc})") from None
        file_names = list(schema.names)
        if names is None:
            names, first_schema, first_file = file_names, schema, file
        elif file_names != names:
            raise InputError(f"file {file} has columns {file_names}, but {files[0]} has {names}; write every file "
                             "of the history with the same columns")
        else:
            differ = [n for n in names if _kind_of(schema.field(n).type) != _kind_of(first_schema.field(n).type)]
            if differ:
                raise InputError(f"file {file} has column {differ[0]!r} as {schema.field(differ[0]).type}, but "
                                 f"{first_file} has it as {first_schema.field(differ[0]).type}; write every file of "
                                 "the history with the same column types (numbers as numbers, text as text)")
        row = 1
        group: list[int] = []
        rows = 0
        for i in range(meta.num_row_groups):
            n = meta.row_group(i).num_rows
            if n == 0:  # an empty row group (a file written with no rows): nothing to scan
                continue
            if group and rows + n > PIECE_ROWS:
                pieces.append(Piece(str(file), tuple(group), row, keys))
                row, group, rows = row + rows, [], 0
            group.append(i)
            rows += n
        if group:
            pieces.append(Piece(str(file), tuple(group), row, keys))
    if not pieces:
        raise InputError(f"{path}: the Parquet file(s) have columns ({', '.join(map(str, names or []))}) but no rows; "
                         "export the data rows too")
    hive = [k for k, _ in (pieces[0].keys if pieces else ())]
    headers = tuple([str(c).strip() for c in names] + [k for k in hive if k not in names])
    by_header = {str(c).strip(): c for c in names}
    mapping = resolve_columns(list(headers), HISTORY_COLUMNS, source=str(path), required=("part", "quantity"),
                              one_of=("date", "period"), overrides=columns)
    if "dealer" not in mapping:
        raise UsageError(f"{path}: the history has no dealer column (headers: {', '.join(map(repr, headers))}); the "
                         "stream and dask engines split the network by dealer. Use --engine local, or map the "
                         "dealer column with --column dealer=HEADER")
    text = tuple(by_header[h] for canonical, h in mapping.items() if canonical not in ("quantity", "unit_price")
                 and h in by_header and (pa.types.is_string(first_schema.field(by_header[h]).type)
                                         or pa.types.is_large_string(first_schema.field(by_header[h]).type)))
    return Dataset(str(path), tuple(pieces), headers, by_header, mapping, text, limits or ReadLimits())


def _kind_of(kind: Any) -> str:
    """A Parquet column type as the engines read it: text (any string or dictionary of strings), number (any
    integer or float), or the type itself."""
    import pyarrow as pa

    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return "text"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return "number"
    return str(kind)


# -- pass 0: scan ------------------------------------------------------------------------------------

@dataclass
class Scan:
    """What one piece (or the whole history, merged) tells about the network."""

    report: dict[str, Any]
    month_first: int
    month_lines: np.ndarray  # lines per month from month_first
    dealers: pd.DataFrame  # index dealer name: first (month), lines
    parts: pd.DataFrame  # index part name: first (month), lines, units
    raw: dict[str, set[Any]]  # dealer name -> raw cells (a file's dealer column, for the read filter)
    files: dict[str, set[str]]  # dealer name -> files holding its rows
    old_lines: pd.Series | None = None  # lines per (part, month) of the supersessions' old parts




def scan_piece(piece: Piece, dataset: Dataset, old_parts: pd.Index | None) -> Scan:
    import pyarrow.compute as pc

    table = dataset.piece_table(piece)
    hist = clean_lines(table, dataset.mapping, span=False, limits=dataset.limits)  # months: checked once merged
    month = hist.lines["month"]
    first = int(month.min()) if len(month) else dataset.limits.since or 0  # a piece all before since: no month
    dealer, dealer_names = hist.lines["dealer"], hist.names["dealer"]
    dealer_first = np.full(len(dealer_names), np.iinfo(np.int64).max)
    np.minimum.at(dealer_first, dealer, month)
    part_first = np.full(len(hist.names["part"]), np.iinfo(np.int64).max)
    np.minimum.at(part_first, hist.lines["part"], month)
    raw_cells = pc.unique(table.column(dataset.dealer)).to_pandas()
    raw_cells = raw_cells[raw_cells.notna()]
    clean = identifier_text(pd.Series(raw_cells.to_numpy(dtype=object), dtype=object))
    raw: dict[str, set[Any]] = {}
    for name, cell in zip(clean, raw_cells.tolist()):  # the distinct dealer cells of one piece
        raw.setdefault(str(name), set()).add(cell)
    return Scan(
        {k: hist.report[k] for k in ("rows_read", "rows_blank", "rows_blank_first", "rows_no_quantity",
                                     "rows_no_quantity_first", "rows_before_since", "return_lines", "return_units")}
        | {"columns_ignored": hist.report["columns_ignored"], "columns_missing": hist.report["columns_missing"],
           "columns": hist.report["columns"],
           "headers": list(dataset.headers)},
        first, np.bincount(month - first),
        pd.DataFrame({"first": dealer_first, "lines": np.bincount(dealer, minlength=len(dealer_names))},
                     index=pd.Index(dealer_names, dtype=object)),
        pd.DataFrame({"first": part_first, "lines": np.bincount(hist.lines["part"], minlength=len(part_first)),
                      "units": np.bincount(hist.lines["part"], weights=hist.lines["quantity"],
                                           minlength=len(part_first))},
                     index=pd.Index(hist.names["part"], dtype=object)),
        raw, {str(d): {piece.path} for d in dealer_names}, None if old_parts is None else _old_lines(hist, old_parts),
    )


def _old_lines(hist: History, old_parts: pd.Index) -> pd.Series:
    """Lines per (part, month) of the old part numbers (a split copies them: the counts after as_of)."""
    old = np.flatnonzero(old_parts.get_indexer(pd.Index(hist.names["part"], dtype=object)) >= 0)
    rows = np.isin(hist.lines["part"], old)
    names = np.asarray(hist.names["part"], dtype=object)[hist.lines["part"][rows]]
    return pd.Series(1, index=pd.MultiIndex.from_arrays([names, hist.lines["month"][rows]])).groupby(level=[0, 1]).sum()


def merge_scans(scans: Sequence[Scan]) -> Scan:
    """The pieces' scans, in file order: counts summed, first rows kept, months and keys united."""
    dated = [s for s in scans if len(s.month_lines)] or scans[:1]  # a piece all before since has no month
    first = min(s.month_first for s in dated)
    last = max(s.month_first + len(s.month_lines) for s in dated)
    lines = np.zeros(last - first, dtype=np.int64)
    for s in dated:
        lines[s.month_first - first: s.month_first - first + len(s.month_lines)] += s.month_lines
    report = dict(scans[0].report)
    for key in ("rows_read", "rows_blank", "rows_no_quantity", "rows_before_since", "return_lines", "return_units"):
        report[key] = sum(s.report[key] for s in scans)
    for key in ("rows_blank_first", "rows_no_quantity_first"):
        report[key] = [r for s in scans for r in s.report[key]][:5]
    report["return_units"] += 0.0
    dealers = pd.concat([s.dealers for s in scans]).groupby(level=0, sort=False).agg({"first": "min", "lines": "sum"})
    parts = pd.concat([s.parts for s in scans]).groupby(level=0, sort=False).agg(
        {"first": "min", "lines": "sum", "units": "sum"})
    raw: dict[str, set[Any]] = {}
    files: dict[str, set[str]] = {}
    for s in scans:  # per piece and dealer: thousands, not per line or part
        for name, cells in s.raw.items():
            raw.setdefault(name, set()).update(cells)
        for name, paths in s.files.items():
            files.setdefault(name, set()).update(paths)
    old = None if scans[0].old_lines is None else pd.concat([s.old_lines for s in scans]).groupby(level=[0, 1]).sum()
    return Scan(report, first, lines, dealers, parts, raw, files, old)
