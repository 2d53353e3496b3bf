"""Reading and writing tables: the only module that touches files.

Reading
    :func:`read_table` reads CSV/TSV (also gzip-compressed), XLSX or Parquet, or ``-``
    for CSV on standard input, into a :class:`Table`: the raw cells plus the
    spreadsheet row number of every row, so that later checks can name the row.
    Text files are decoded as UTF-8 (with or without BOM) and fall back to
    GB18030 (a superset of GBK), the encodings of Chinese DMS exports; a file that
    starts with a UTF-16 byte-order mark (Excel's "Unicode text") is UTF-16; an
    explicit ``encoding`` overrides the detection.  The layout of a DMS report is
    read too: title rows above the header are skipped (the header is the first row
    that has the columns asked for) and a footer of total rows (合计, Total) below
    the data is dropped; the table records both (:meth:`Table.layout`).

Writing
    :func:`write_table` writes CSV, XLSX, Parquet or JSON atomically: to a
    temporary file in the target folder, renamed over the target only once it
    is complete.  A failed run never leaves a half file and never overwrites the
    previous good output.  Text cells that a spreadsheet would run as a formula
    (``=``, ``+``, ``-``, ``@``, tab, carriage return at the start) are neutralised
    with a leading apostrophe in CSV and XLSX.

One topic, one module: every file format read and written, behind two functions (the only file access).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import functools
import io
import logging
import lzma
import os
import posixpath
import re
import shlex
import shutil
import stat
import sys
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import IO, Any, Self

import numpy as np
import pandas as pd

from .errors import ConfigError, InputError, UsageError
from .validate import instance

__all__ = ["FIGURE_FORMATS", "FOLDER_FORMATS", "FORMATS", "FolderFile", "Layout", "Outputs", "Table", "file_names",
           "format_from_suffix", "groups_of", "read_table", "write_figure", "write_table"]

FORMATS = ("csv", "xlsx", "parquet", "json")
_TEXT_SUFFIXES = {".csv", ".tsv", ".tab", ".txt"}
_COMPRESSION_SUFFIXES = {".gz", ".bz2", ".zip", ".xz", ".zst"}
_XLSX_MAX_ROWS = 1_048_575  # one header row

XLSX_MAX_SHEETS = 500
"""An XLSX output has one sheet per dealer up to this many dealers; above, one ``network`` sheet."""

TOTAL_LABELS = ("合计", "总计", "小计", "合計", "總計", "小計", "total", "totals", "grand total", "subtotal", "sum")
"""Cells that label a report's total line (compared trimmed, without inner spaces or a closing colon, in lower
case): never a part number.  Trailing rows that hold one are a footer, dropped and counted; elsewhere such a
row is an error (:func:`spareopt.history.key_codes`)."""

_TOTALS = frozenset(re.sub(r"\s+", "", label) for label in TOTAL_LABELS)

HEADER_SEARCH_ROWS = 100
"""The header of a text file is looked for in its first rows (title rows may stand above it)."""

FOOTER_SEARCH_ROWS = 20
"""A footer of total rows is looked for in a table's last rows."""


class Table:
    """Raw cells read from one source, before any column is interpreted.

    Attributes
    ----------
    frame : DataFrame
        The cells.  Text formats give strings (``""`` for an empty cell);
        Parquet and in-memory frames keep their types.  A table read by pyarrow
        (Parquet, fast CSV) keeps its arrow columns (``arrow``) and converts them
        to this frame only when asked.
    source : str
        The name to show in messages (the path, ``<stdin>`` or ``<DataFrame>``).
    rows : ndarray
        For every row of ``frame``, the row number to show in messages: the
        spreadsheet row for CSV and XLSX (the header is row 1), the record
        number for Parquet, the index label for a DataFrame.
    encoding : str or None
        The text encoding that was used, for text formats.
    sheet : str or None
        The XLSX sheet that was read (several, ``--sheet all``: their names, shortened past five).
        ``sheets`` lists them all, ``sheets_ignored`` the sheets with data that were not read.
    headers : tuple of str
        Every header of the source, also those not read (``frame`` may hold a selection).
    exact : bool
        False when the fast CSV reader typed the cells (an error message should
        re-read them as text).
    arrow : pyarrow.Table or None
        The columns as pyarrow read them, named by their stripped headers.
    delimiter : str or None
        The delimiter of a text file (``;`` makes a comma in a number ambiguous).
    header_row : int or str
        The row number of the header (1 unless title rows stand above it; ``SHEET!ROW`` for stacked sheets).
    title_rows : tuple of (row, text)
        The rows with text above the header, skipped (a DMS report's title, its export time).
    footer : tuple of (row, text)
        The rows dropped below the data: a report's total rows (:data:`TOTAL_LABELS`) and the blank rows
        among them.
    """

    def __init__(self, frame: pd.DataFrame | None = None, source: str = "<input>", rows: np.ndarray | None = None,
                 encoding: str | None = None, sheet: str | None = None, headers: tuple[str, ...] = (),
                 exact: bool = True, *, arrow: Any = None, first_row: int = 1, delimiter: str | None = None) -> None:
        self.delimiter = delimiter
        self.sheets: tuple[str, ...] = ()  # the XLSX sheets read (stacked in this order)
        self.sheets_ignored: tuple[str, ...] = ()  # an XLSX's other sheets with data, not read
        self.date_1904 = False  # an XLSX in the 1904 date system (Excel for the Mac)
        self.header_row: Any = 1
        self.title_rows: tuple[tuple[Any, str], ...] = ()
        self.footer: tuple[tuple[Any, str], ...] = ()
        if (frame is None) == (arrow is None):  # a programming error inside spareopt, never bad input: a TypeError,
            raise TypeError("Table needs exactly one of frame and arrow")  # as Python raises for a wrong call
        self._frame, self.arrow = frame, arrow
        self.source, self._rows, self.first_row = source, rows, first_row
        self.encoding, self.sheet, self.headers, self.exact = encoding, sheet, tuple(headers), exact

    def __len__(self) -> int:
        return self.arrow.num_rows if self.arrow is not None else len(self._frame)

    @property
    def columns(self) -> list[str]:
        return list(self.arrow.column_names if self.arrow is not None else self._frame.columns)

    @functools.cached_property
    def frame(self) -> pd.DataFrame:
        if self._frame is not None:
            return self._frame
        frame = self.arrow.to_pandas(date_as_object=False)
        return frame if isinstance(frame.index, pd.RangeIndex) else frame.reset_index(drop=True)

    @property
    def rows(self) -> np.ndarray:
        """The row number of every row (built on demand for a table read by pyarrow)."""
        return self._rows if self._rows is not None else np.arange(len(self)) + self.first_row

    def row_labels(self, positions: np.ndarray) -> np.ndarray:
        """The row numbers of some rows, by position, without building :attr:`rows`."""
        return self._rows[positions] if self._rows is not None else np.asarray(positions) + self.first_row

    def column(self, header: str) -> Any:
        """One column: a pyarrow ChunkedArray when read by pyarrow, else a pandas Series."""
        return self.arrow.column(header) if self.arrow is not None else self._frame[header]

    def layout(self) -> dict[str, Any] | None:
        """The title rows skipped above the header and the footer rows dropped below the data, for a run report
        (None when there were none): ``header_row``, ``rows_title`` and ``rows_title_first`` with ``title`` (the
        first one's text), ``rows_footer`` and ``rows_footer_first`` with ``footer`` (the first total row's)."""
        if not self.title_rows and not self.footer:
            return None
        shown = [text for _, text in self.footer if text]
        return {"header_row": _label(self.header_row), "rows_title": len(self.title_rows),
                "rows_title_first": [_label(row) for row, _ in self.title_rows[:5]],
                "title": _shortened(self.title_rows[0][1]) if self.title_rows else None,
                "rows_footer": len(self.footer), "rows_footer_first": [_label(row) for row, _ in self.footer[:5]],
                "footer": _shortened(shown[0]) if shown else None}

    def carry(self, other: Table) -> Table:
        """``other`` with this table's sheets, date system and layout (a selection of this table)."""
        other.sheets, other.sheets_ignored, other.date_1904 = self.sheets, self.sheets_ignored, self.date_1904
        other.header_row, other.title_rows, other.footer = self.header_row, self.title_rows, self.footer
        return other


def _label(row: Any) -> Any:
    return int(row) if isinstance(row, (int, np.integer)) else row


def _shortened(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def is_total_label(text: Any) -> bool:
    """Whether a cell labels a report's total line (:data:`TOTAL_LABELS`): ``合 计``, ``Total:`` and ``总计：`` do.

    >>> [is_total_label(t) for t in ("合  计", "Total:", "P100", "")]
    [True, True, False, False]
    """
    return re.sub(r"\s+", "", str(text)).rstrip(":：").casefold() in _TOTALS


Select = Callable[[list[str]], Mapping[str, str]]
"""Given a source's headers, the headers to read, each with its kind: ``"text"`` or ``"number"``."""


def read_table(
    source: str | PathLike[str] | pd.DataFrame | bytes,
    *,
    encoding: str | None = None,
    select: Select | None = None,
    fast: bool = True,
    sheet: str | None = None,
    skip_rows: int | None = None,
) -> Table:
    """Read a CSV/TSV, XLSX or Parquet file, ``-`` (CSV on stdin) or a DataFrame.

    Parameters
    ----------
    source : path, ``"-"``, bytes or DataFrame
        The format comes from the file's first bytes (XLSX and Parquet
        signatures), then from its suffix; anything else is read as delimited
        text, the delimiter (comma, tab, semicolon or bar) sniffed from the header.
        ``"-"`` reads CSV from standard input; bytes are CSV content read already
        (named ``<stdin>`` in messages).
    encoding : str, optional
        Text encoding; default: UTF-8 (BOM allowed), else GB18030.
    select : callable, optional
        Called with the headers; returns the headers to read and their kinds
        (``"text"`` or ``"number"``).  Parquet and UTF-8 CSV then read only those
        columns, typed: text as dictionary-encoded (Categorical) columns, numbers as
        float64 with NaN for empty cells.  Default: every column, as read.
    fast : bool
        Whether UTF-8 CSV may be read by pyarrow (see Notes); False reads every
        cell as text, exactly as written.
    sheet : str, optional
        XLSX only: the sheet to read, or ``"all"`` to stack every sheet that has the
        columns ``select`` asks for (one sheet per dealer or month), with one header
        (in any order); their rows are named ``SHEET!ROW`` in messages.  Default: the
        first visible sheet with data; the other sheets with data are listed in
        ``Table.sheets_ignored``.
    skip_rows : int, optional
        CSV and XLSX: the rows above the header, which are not read (a DMS report's
        title rows); the header is the first row below them that is not blank.
        Default: the header is found, among the first :data:`HEADER_SEARCH_ROWS` rows
        (:data:`XLSX_HEADER_ROWS` of a sheet), as the first row that ``select`` accepts;
        without ``select``, or when no row has the columns, the first row with a
        value in at least half the columns that has rows below it.

    Notes
    -----
    UTF-8 CSV is read by pyarrow's multithreaded reader.  Whatever that fast path
    cannot read exactly (another encoding, a malformed row, text in a number
    column, a footer of total rows), pandas' C parser reads again cell by cell, so
    that every error names its row.  XLSX is read by calamine: a sheet's first
    :data:`XLSX_HEADER_ROWS` rows (where its header is looked for) by python-calamine,
    its columns below the header by fastexcel into Arrow, each turned into text on
    its distinct values (a number, date or true/false as python-calamine's value of
    it prints: ``3``, ``0.1``, ``2024-01-05``, ``True``).  A small sheet, or one
    with a column fastexcel cannot type so (text and numbers mixed, a time of day),
    is read whole by python-calamine, to the same texts.  A sheet that declares a
    used range too large for its cells to be held at once (a stray cell at
    XFD1048576), or none, is read row by row by openpyxl, as wide as its header.

    The rows of the footer are the last rows of the table from its first total row
    down (:func:`is_total_label` in any cell, blank rows among them): a report's
    totals, which would double every quantity.  A total row with data below it is
    not a footer and is read (the history refuses it).

    Raises
    ------
    InputError
        A missing, empty, undecodable or malformed file; a header with no rows;
        an XLSX with no sheet that holds data, or whose sheet lacks the columns
        (the message lists every sheet with its headers).
    UsageError
        ``sheet`` for a source that is not an XLSX workbook, or a sheet name the
        workbook does not have; ``skip_rows`` for a DataFrame or a Parquet file.
    """
    if sheet is not None:
        _check_sheet_source(source, sheet)
    if skip_rows is not None:
        _check_skip_rows(source, skip_rows)
    if isinstance(source, pd.DataFrame):
        return _selected(_from_frame(source), select)
    if not isinstance(source, (str, bytes, PathLike)):
        raise InputError(f"expected a file path, '-' (standard input) or a pandas DataFrame; got {source!r:.60} "
                         f"({type(source).__name__})")
    if isinstance(source, str) and source == "-":
        source = sys.stdin.buffer.read()
    if isinstance(source, bytes):
        kind = _kind(Path("stdin"), source[:8])
        if kind != "text":  # a workbook or Parquet piped in: not text in some encoding
            raise InputError(f"standard input holds {'an XLSX workbook' if kind == 'xlsx' else 'a ' + kind + ' file'}; "
                             "give its path instead of - (standard input takes CSV only)")
        return _read_text(source, "<stdin>", encoding, compression=None, select=select, fast=fast,
                          skip_rows=skip_rows)
    path = Path(source)
    if not path.is_file():
        what = "is a folder, not a file" if path.is_dir() else "does not exist"
        raise InputError(f"file {path} {what}; check the path")
    with path.open("rb") as fh:
        head = fh.read(8)
    if not head:
        raise InputError(f"file {path} is empty; export the data again with a header row and data rows")
    kind = _kind(path, head)
    named = {".xlsx": "an XLSX workbook", ".xlsm": "an XLSX workbook", ".parquet": "a Parquet file",
             ".pq": "a Parquet file"}.get(path.suffix.lower())
    if kind == "text" and named:  # random bytes, an HTML error page, a CSV renamed: not what its name says
        raise InputError(f"file {path} is named {path.suffix} but is not {named} (it does not start with the format's "
                         "signature): a damaged or partial download, or another format renamed; export it again")
    if kind == "xlsx":
        return _read_xlsx(path, sheet, select, skip_rows)
    if kind == "xls":
        raise InputError(f"file {path} is an old .xls workbook; save it as .xlsx or .csv and try again")
    if sheet is not None:
        raise UsageError(f"--sheet {sheet}: file {path} is a {'Parquet' if kind == 'parquet' else 'text'} file, "
                         "which has no sheets; leave out --sheet")
    if kind == "parquet":
        if skip_rows is not None:
            raise UsageError(f"--skip-rows {skip_rows}: file {path} is a Parquet file, which has no title rows; "
                             "leave out --skip-rows")
        return _read_parquet(path, select)
    try:
        return _read_text(path, str(path), encoding, compression="infer", select=select, fast=fast,
                          skip_rows=skip_rows)
    except (EOFError, OSError, zlib.error, lzma.LZMAError) as exc:  # a damaged or truncated compressed file
        packed = path.suffix.lower() in _COMPRESSION_SUFFIXES
        what = f"a {path.suffix.lower().lstrip('.')}-compressed" if packed else "a"
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise InputError(f"file {path} cannot be read as {what} text table ({reason}); check the file (a truncated "
                         "download?)" + (", or decompress it first" if packed else "")) from None


def _check_sheet_source(source: Any, sheet: Any) -> None:
    if not isinstance(sheet, str) or not sheet.strip():
        raise UsageError(f"sheet must be a sheet's name or {ALL_SHEETS!r}; got {sheet!r}")
    if not isinstance(source, (str, PathLike)) or str(source) == "-":
        what = "standard input" if isinstance(source, bytes) or str(source) == "-" else type(source).__name__
        raise UsageError(f"--sheet {sheet}: the history is read from {what}, which has no sheets; leave out --sheet")


def _check_skip_rows(source: Any, skip_rows: Any) -> None:
    if isinstance(skip_rows, bool) or not isinstance(skip_rows, (int, np.integer)) or skip_rows < 0:
        raise UsageError(f"skip_rows must be a whole number >= 0 (the rows above the header); got {skip_rows!r}")
    if isinstance(source, pd.DataFrame):
        raise UsageError(f"--skip-rows {skip_rows}: the history is a DataFrame, which has no title rows; leave out "
                         "--skip-rows")


def read_stdin() -> bytes:
    """All of standard input, as bytes (for :func:`read_table`)."""
    return sys.stdin.buffer.read()


def _selected(table: Table, select: Select | None) -> Table:
    headers = tuple(table.frame.columns)
    frame = table.frame if select is None else table.frame[list(select(list(headers)))]
    selected = Table(frame, table.source, table.rows, table.encoding, table.sheet, headers, delimiter=table.delimiter)
    return table.carry(selected)


def _kind(path: Path, head: bytes) -> str:
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSION_SUFFIXES:
        return "text"
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "xls"
    return "text"


def check_headers(headers: Sequence[Any], source: str) -> None:
    """Every non-empty header once: with two columns of one name, which one to read would be a guess.

    Raises
    ------
    InputError
        Naming the header and its column positions (1-based).

    >>> check_headers(["part", "qty", "part"], "sales.csv")
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: sales.csv has 2 columns named 'part' (columns 1 and 3); rename or delete all but one
    """
    names = [str(h).lstrip("\ufeff").strip() for h in headers]
    seen: dict[str, list[int]] = {}
    for position, name in enumerate(names, start=1):
        if name:
            seen.setdefault(name, []).append(position)
    twice = [(name, at) for name, at in seen.items() if len(at) > 1]
    if twice:
        name, at = twice[0]
        where = ", ".join(map(str, at[:-1])) + f" and {at[-1]}"
        more = f" (and {len(twice) - 1} more header(s) like it)" if len(twice) > 1 else ""
        raise InputError(f"{source} has {len(at)} columns named {name!r} (columns {where}){more}; rename or delete "
                         "all but one")


def _from_frame(frame: pd.DataFrame) -> Table:
    check_headers(list(frame.columns), "the DataFrame")
    if frame.empty:
        columns = ", ".join(map(str, frame.columns))
        raise InputError("the DataFrame is empty (no columns and no rows)" if not len(frame.columns) else
                         f"the DataFrame has columns ({columns}) but no rows; pass the data rows too")
    index = frame.index
    rows = np.asarray(index) if not isinstance(index, pd.RangeIndex) else np.arange(len(frame)) + index.start
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    return Table(frame, "<DataFrame>", rows)


# -- delimited text ---------------------------------------------------------------------------


def _read_text(data: Path | bytes, name: str, encoding: str | None, compression: str | None,
               select: Select | None = None, fast: bool = True, skip_rows: int | None = None) -> Table:
    if encoding is None and _bom(data) == "utf-16":
        encoding = "utf-16"  # Excel's "Unicode text": UTF-16 with a byte-order mark, tab-separated
    if fast and select is not None and (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        table = _read_text_fast(data, name, select, skip_rows)
        if table is not None:
            return table
    table = _read_text_exact(data, name, encoding, compression, select, skip_rows)
    return _selected(table, select)


@dataclass(frozen=True)
class _Layout:
    """Where the table of a text file starts: its delimiter, the lines above its header, and their text."""

    delimiter: str
    skip: int  # physical lines above the header
    titles: tuple[tuple[int, str], ...]  # (line number, text) of the lines with text among them


def _text_layout(data: Path | bytes, encoding: str, select: Select | None, skip_rows: int | None) -> _Layout:
    """The delimiter and the header's line, from the first lines only (never a pass over the file)."""
    lines = _head_lines(data, encoding, HEADER_SEARCH_ROWS + (skip_rows or 0))
    suffixes = [s.lower() for s in data.suffixes] if isinstance(data, Path) else []
    delimiter = "\t" if suffixes and suffixes[0] in {".tsv", ".tab"} else _delimiter(lines)
    rows, ends = [], []
    try:
        reader = csv.reader(lines, delimiter=delimiter)
        for cells in reader:
            rows.append([cell.strip() for cell in cells])
            ends.append(reader.line_num)
    except csv.Error:  # a quote the head cannot close: the readers report the file's own error
        return _Layout(delimiter, 0, ())
    if skip_rows is not None:
        first = next((i for i, cells in enumerate(rows) if i >= skip_rows and any(cells)), None)
        at = first if first is not None else skip_rows
        skip = ends[at - 1] if 0 < at <= len(ends) else at
    else:
        at = header_at(rows, select) or 0
        skip = ends[at - 1] if at else 0
    starts = [1] + [end + 1 for end in ends]
    titles = tuple((starts[i], " ".join(c for c in rows[i] if c)) for i in range(min(at, len(rows))) if any(rows[i]))
    return _Layout(delimiter, skip, titles)


def header_at(rows: Sequence[Sequence[str]], select: Select | None) -> int | None:
    """The header among a table's first rows (cells trimmed): its position, None when every row is blank.

    The first row that ``select`` accepts (title rows above it are skipped); without ``select``, or when no row
    fits, the first row that fills at least half the table's width (two cells at least) and has rows below it;
    failing that, the first row that is not blank.

    >>> header_at([["配件销售明细报表 导出时间:2024-07-01"], [], ["part", "qty"], ["P1", "2"]], None)
    2
    """
    filled = [sum(1 for cell in cells if cell) for cells in rows]
    candidates = [i for i, n in enumerate(filled) if n]
    if not candidates:
        return None
    if select is not None:
        for i in candidates:
            if _fits(select, _trimmed(rows[i])):
                return i
    need = max(2, (max(filled) + 1) // 2)
    below = {i: any(filled[i + 1:]) for i in candidates}
    return next((i for i in candidates if filled[i] >= need and below[i]), candidates[0])


def _trimmed(cells: Sequence[str]) -> list[str]:
    """A header row without its trailing empty cells."""
    texts = [str(cell).strip() for cell in cells]
    while texts and not texts[-1]:
        texts.pop()
    return texts


def footer_size(rows: Sequence[Sequence[Any]]) -> int:
    """How many of a table's last rows are its footer: from its first total row (:func:`is_total_label` in any
    cell) to the end, blank rows among them; 0 when the last rows that are not blank hold no total.

    >>> footer_size([["D1", "P1", "2"], [], ["合计", "", "2"], ["", "", ""]])  # the blank row above stays a blank row
    2
    """
    size = 0
    for back, cells in enumerate(reversed(rows), start=1):
        texts = ["" if cell is None else str(cell).strip() for cell in cells]
        if not any(texts):
            continue
        if not any(is_total_label(text) for text in texts if text):
            break
        size = back
    return size


def _row_text(cells: Sequence[Any]) -> str:
    return " ".join(text for text in ("" if cell is None else str(cell).strip() for cell in cells) if text)


def _delimiter(lines: Sequence[str]) -> str:
    """The delimiter most lines agree on: comma, tab, semicolon or bar, the one whose count is the same on the most
    of the first lines (title rows above the header count little), ties to the larger count; comma by default."""
    sample = [line for line in lines if line.strip()][:20]
    best, score = ",", (0, 0)
    for sep in (",", "\t", ";", "|"):
        counts = [line.count(sep) for line in sample]
        present = [n for n in counts if n]
        if not present:
            continue
        mode = max(set(present), key=lambda n: (present.count(n), n))
        if (present.count(mode), mode) > score:
            best, score = sep, (present.count(mode), mode)
    return best


_HEAD_CHUNK = 1 << 16
_HEAD_LIMIT = 1 << 24  # 16 MB: the lines above a header are never more


def _head_lines(data: Path | bytes, encoding: str, count: int) -> list[str]:
    """The first ``count`` lines of a text source, decoded (a byte-order mark dropped; a cut character replaced)."""
    if isinstance(data, bytes):
        head, whole = data[:_HEAD_LIMIT], len(data) <= _HEAD_LIMIT
    else:
        parts, size, whole = [], 0, False
        with _open_maybe_compressed(data) as fh:
            while size < _HEAD_LIMIT:
                chunk = fh.read(_HEAD_CHUNK)
                if not chunk:
                    whole = True
                    break
                parts.append(chunk)
                size += len(chunk)
                if sum(part.count(b"\n") for part in parts) > count:
                    break
        head = b"".join(parts)
    text = head.decode(encoding, errors="replace")
    lines = text.split("\n")
    if not whole or not lines[-1]:
        lines.pop()  # a line cut by the end of the head, or the empty string after the last line break
    return [line.rstrip("\r") for line in lines[:count]]


def _bom(data: Path | bytes) -> str | None:
    """``utf-8`` or ``utf-16`` when the text starts with that byte-order mark."""
    if isinstance(data, bytes):
        head = data[:4]
    else:
        with _open_maybe_compressed(data) as fh:
            head = fh.read(4)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return None


def _read_text_fast(data: Path | bytes, name: str, select: Select, skip_rows: int | None = None) -> Table | None:
    """pyarrow's multithreaded CSV reader, typed by ``select``; None where it cannot read the file exactly."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        layout = _text_layout(data, "utf-8-sig", select, skip_rows)
        sep, read = layout.delimiter, pacsv.ReadOptions(skip_rows=layout.skip)
        source = pa.BufferReader(data) if isinstance(data, bytes) else str(data)
        with pacsv.open_csv(source, read_options=read, parse_options=pacsv.ParseOptions(delimiter=sep)) as reader:
            headers = [str(h).lstrip("\ufeff").strip() for h in reader.schema.names]
        raw_names = reader.schema.names
        if len(set(headers) - {""}) < len([h for h in headers if h]):
            return None  # the exact reader names the duplicate header
        kinds = select(headers)
        by_header = dict(zip(headers, raw_names))
        types = {by_header[h]: (pa.float64() if kind == "number" else pa.dictionary(pa.int32(), pa.string()))
                 for h, kind in kinds.items()}
        source = pa.BufferReader(data) if isinstance(data, bytes) else str(data)
        arrow = pacsv.read_csv(
            source,
            read_options=read,
            parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=list(types), strings_can_be_null=True,
                quoted_strings_can_be_null=True, null_values=[""],
            ),
        )
    except (pa.ArrowException, UnicodeDecodeError, OSError, ValueError):
        return None
    if arrow.num_rows == 0 or _may_end_in_totals(arrow):
        return None
    import pyarrow.compute as pc

    for name_ in arrow.column_names:  # NaN or inf written as text: the exact reader names the rows
        column = arrow.column(name_)
        if pa.types.is_floating(column.type) and pc.any(pc.invert(pc.is_finite(column))).as_py():
            return None
    arrow = arrow.rename_columns(list(kinds))
    table = Table(None, name, encoding="utf-8", headers=tuple(headers), exact=False, arrow=arrow,
                  first_row=layout.skip + 2, delimiter=sep)
    table.header_row, table.title_rows = layout.skip + 1, layout.titles
    return table


def _may_end_in_totals(arrow: Any) -> bool:
    """Whether the last rows read by pyarrow may be a footer of total rows: a text cell holds a total's label, or
    the last row with a value leaves a text cell empty (the label may stand in a column not read).  The exact
    reader then reads every column and finds the footer."""
    import pyarrow as pa

    tail = arrow.slice(max(0, arrow.num_rows - FOOTER_SEARCH_ROWS))
    rows = list(zip(*[tail.column(i).to_pylist() for i in range(tail.num_columns)]))
    text = [i for i, field in enumerate(tail.schema) if pa.types.is_dictionary(field.type)]
    if any(is_total_label(row[i]) for row in rows for i in text if row[i] is not None):
        return True
    last = next((row for row in reversed(rows) if any(value is not None for value in row)), None)
    return last is not None and any(last[i] is None for i in text)


def _read_text_exact(data: Path | bytes, name: str, encoding: str | None, compression: str | None,
                     select: Select | None = None, skip_rows: int | None = None) -> Table:
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    errors = []
    for enc in candidates:
        if enc.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig") and _bom(data) == "utf-8":
            data, compression = _raw_bytes(data).removeprefix(codecs.BOM_UTF8), None  # a BOM before GBK text
        try:
            layout = _text_layout(data, enc, select, skip_rows)
            sep = layout.delimiter
            options = {"sep": sep, "dtype": str, "keep_default_na": False, "na_filter": False, "skip_blank_lines": False,
                       "encoding": enc, "compression": compression, "index_col": False, "skiprows": layout.skip}
            long_rows = False
            with warnings.catch_warnings():
                warnings.simplefilter("error", pd.errors.ParserWarning)
                try:
                    frame = pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else data, engine="c", **options)
                except pd.errors.ParserWarning:  # rows longer than the header: only empty extra cells are fine
                    long_rows = True
            if long_rows:
                frame = _read_long_rows(data, name, options)
        except LookupError:
            raise InputError(f"unknown encoding {encoding!r} for {name}; try utf-8, gbk or gb18030") from None
        except UnicodeDecodeError as exc:
            if enc == "utf-8-sig" and not encoding:
                _check_one_encoding(data, name)
            errors.append(f"{enc}: {exc.reason} at byte {exc.start}")
            continue
        except pd.errors.EmptyDataError:
            raise InputError(f"file {name} is empty; export the data again with a header row and data rows") from None
        except pd.errors.ParserError as exc:
            if _header_width(data, options) == 1:
                raise InputError(_title_message(data, name, options)) from None  # a title read as the header
            raise InputError(f"file {name} is not a well-formed table: {str(exc).strip()}. Check the delimiters and quotes") from None
        rows = np.arange(len(frame)) + layout.skip + 2
        tail = frame.iloc[len(frame) - min(len(frame), FOOTER_SEARCH_ROWS):].to_numpy(dtype=object).tolist()
        size = footer_size(tail)
        footer = tuple((int(row), _row_text(cells)) for row, cells in zip(rows[len(rows) - size:], tail[len(tail) - size:]))
        if size:
            frame, rows = frame.iloc[:len(frame) - size], rows[:len(rows) - size]
        if frame.empty:
            raise InputError(
                f"file {name} has a header but no rows (columns: {', '.join(map(str, frame.columns))}); "
                "export the data rows too"
            )
        raw = pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else data, header=None, nrows=1,
                          **{k: v for k, v in options.items() if k != "index_col"})
        check_headers(list(raw.iloc[0]), f"file {name}")  # pandas would rename a second `part` to `part.1`
        frame.columns = [str(c).lstrip("\ufeff").strip() for c in frame.columns]
        used = "utf-8" if enc == "utf-8-sig" else enc
        table = Table(frame.reset_index(drop=True), name, rows, encoding=used, headers=tuple(frame.columns),
                      delimiter=sep)
        table.header_row, table.title_rows, table.footer = layout.skip + 1, layout.titles, footer
        return table
    raise InputError(
        f"file {name} could not be decoded ({'; '.join(errors)}); pass --encoding with the file's encoding"
    )


def _read_long_rows(data: Path | bytes, name: str, options: dict[str, Any]) -> pd.DataFrame:
    """Re-read a file whose rows have more cells than the header: trailing empty cells
    (a trailing delimiter, as some DMS exports write) are dropped; anything else is an error."""
    width: list[int] = []

    def trim(cells: list[str]) -> list[str]:
        if any(cell.strip() for cell in cells[width[0]:]):
            raise _LongRow(cells)
        return cells[:width[0]]

    header = pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else data, nrows=0, **options)
    width.append(len(header.columns))
    title = _title_message(data, name, options)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else data, engine="python",
                               on_bad_lines=trim, **options)
    except pd.errors.ParserWarning:  # every row longer than the header: no cell may be dropped
        if width[0] == 1:
            raise InputError(title) from None
        raise InputError(f"file {name}: the rows have more cells than the header's {width[0]}; a header cell is "
                         "missing, or the rows end with an extra delimiter and a value. Fix the header row") from None
    except _LongRow as exc:
        cells = exc.args[0]
        if width[0] == 1:  # one cell in the header line, several below: a title above the header
            raise InputError(title) from None
        raise InputError(
            f"file {name}: a row has {len(cells)} cells but the header has {width[0]} "
            f"(cells: {', '.join(map(repr, cells[:8]))}); fix the delimiters or quotes in that row"
        ) from None


class _LongRow(Exception):
    pass


def _header_width(data: Path | bytes, options: dict[str, Any]) -> int | None:
    """The cells of the header line (None when even it cannot be parsed)."""
    try:
        return len(pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else data, nrows=0, **options).columns)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError):
        return None


def _title_message(data: Path | bytes, name: str, options: dict[str, Any]) -> str:
    """The error of a header of one cell above rows of more: a title row read as the header."""
    header = pd.read_csv(io.BytesIO(data) if isinstance(data, bytes) else data, nrows=0, **options)
    return (f"file {name}: line {options['skiprows'] + 1} ({str(header.columns[0]).lstrip(chr(0xfeff))[:60]!r}) has 1 "
            "cell but the rows below have more: a title above the header? Pass --skip-rows N, N the lines above the "
            "header row")


def _raw_bytes(data: Path | bytes) -> bytes:
    """The bytes of a text source, decompressed."""
    if isinstance(data, bytes):
        return data
    with _open_maybe_compressed(data) as fh:
        return fh.read()


def _check_one_encoding(data: Path | bytes, name: str) -> None:
    """A file that is UTF-8 up to some row and not after mixes encodings (two exports pasted together): decoding
    all of it as GB18030 would turn the UTF-8 rows into other characters, so the row where it changes is named."""
    raw = _raw_bytes(data).removeprefix(codecs.BOM_UTF8)  # a BOM says nothing of the text behind it
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[:raw.rfind(b"\n", 0, exc.start) + 1]  # the whole lines before the one that breaks
        if max(before, default=0) >= 0x80:  # whole lines of UTF-8 multi-byte characters: UTF-8 text, then not
            row = before.count(b"\n") + 1
            raise InputError(f"file {name} mixes text encodings: its lines before row {row} are UTF-8, row {row} is "
                             f"not ({exc.reason} at byte {exc.start:,}); save the file again in one encoding "
                             "(UTF-8), or pass --encoding if all of it is in another") from None


def _open_maybe_compressed(path: Path) -> IO[bytes]:
    suffix = path.suffix.lower()
    if suffix == ".gz":
        import gzip

        return gzip.open(path, "rb")  # type: ignore[return-value]
    if suffix == ".bz2":
        import bz2

        return bz2.open(path, "rb")  # type: ignore[return-value]
    if suffix == ".xz":
        import lzma

        return lzma.open(path, "rb")  # type: ignore[return-value]
    if suffix == ".zip":  # one CSV in a zip, as pandas reads it
        archive = zipfile.ZipFile(path)
        names = [name for name in archive.namelist() if not name.endswith("/")]
        return archive.open(names[0]) if names else io.BytesIO(b"")  # type: ignore[return-value]
    if suffix == ".zst":  # its head is not read (its layout is the default: the header on the first line)
        return io.BytesIO(b"")  # type: ignore[return-value]
    return path.open("rb")


# -- XLSX ---------------------------------------------------------------------------------------


XLSX_HEADER_ROWS = 1000
"""The header row of a sheet must be within its first rows (title lines may stand above it)."""

XLSX_MAX_COLUMNS = 1024
"""The header of a sheet is looked for in its first columns: a used range as wide as Excel allows is not read."""

XLSX_DENSE_CELLS = 1 << 26
"""calamine (in fastexcel or python-calamine) holds a sheet's used range whole (about 32 bytes a cell before its values
reach Arrow or Python): a sheet that declares more cells than this (or no used range) is read by openpyxl instead,
row by row, as wide as its header."""


ALL_SHEETS = "all"
"""``sheet=ALL_SHEETS`` (``--sheet all``) stacks every sheet of a workbook that holds the table (one per dealer,
month or year)."""

_SHEETS_LISTED = 12  # an error lists this many sheets, each with its first headers
_HEADERS_LISTED = 8
_PROLOG_BYTES = 4096  # where an XML part's DOCTYPE and a sheet's <dimension> stand


@dataclass
class _Sheet:
    """One worksheet and where its table starts: its header row and headers (None for a sheet without data)."""

    title: str
    hidden: bool
    part: str | None  # the sheet's XML in the zip
    rows: Callable[[int | None], list[list[Any]]]  # the first rows from row 1 (raw values; "" or None when empty)
    row: int | None = None
    header: list[str] | None = None
    titles: tuple[tuple[int, str], ...] = ()


class _Workbook:
    """An XLSX's structure from its zip (sheets, their XML parts, the date system), and its sheets' cells.

    Nothing of it is parsed before every XML part's prolog is checked: a DOCTYPE (an entity expansion, the
    billion laughs, or an external entity) is refused, as a spreadsheet never writes one.  The cells are read by
    calamine: a sheet's first :data:`XLSX_HEADER_ROWS` rows (its title rows and header) by python-calamine, from a
    copy of the workbook cut below them (the rest of the sheet is not parsed for them), its columns below the
    header by fastexcel into Arrow (:meth:`columns`; python-calamine again, the whole sheet, when fastexcel cannot
    type them exactly).  A sheet of at most :data:`_HELD_BYTES` is read whole by python-calamine (the copy holds
    it whole; a workbook of small sheets only is not copied).  A sheet that declares a used range too large to
    hold (:data:`XLSX_DENSE_CELLS`), or none, is read by openpyxl, row by row.
    """

    def __init__(self, path: Path) -> None:
        import python_calamine

        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise InputError(f"file {path} is not a readable XLSX workbook ({exc}); open and save it again in "
                             "Excel") from None
        self._openpyxl: Any = None
        self._handle: IO[bytes] | None = None
        self._whole: Any = None  # python-calamine on the whole workbook, opened when a sheet needs it
        self._fastexcel: Any = None
        self._parsed: dict[tuple[str, bool], Any] = {}
        self._held: set[str] = set()  # the sheets the copy holds whole
        try:
            self._check_prologs()
            workbook, self._root, parts = self._parts()
            self.date_1904 = re.search(rb'<(?:\w+:)?workbookPr\b[^>]*\bdate1904="(?:1|true)"', workbook) is not None
            sizes = {item.filename: item.file_size for item in self.zip.infolist()}
            dense = {part for part in parts.values() if self.dense(part)}
            self._held = {part for part in dense if sizes[part] <= _HELD_BYTES}
            if dense - self._held:  # a copy with the first rows of the large sheets (and the small ones whole)
                head = self._copy({part: None if part in self._held else _first_rows for part in dense})
                self.calamine = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(head or b""))
            else:  # every sheet small: read whole from the workbook itself
                self._handle = path.open("rb")  # a handle: the name's suffix does not matter
                self.calamine = python_calamine.CalamineWorkbook.from_filelike(self._handle)
            self.sheets = [
                _Sheet(meta.name, str(meta.visible).rsplit(".", 1)[-1] != "Visible", parts.get(meta.name),
                       functools.partial(self._rows, meta.name, parts.get(meta.name)))
                for meta in self.calamine.sheets_metadata if str(meta.typ).endswith("WorkSheet")]
        except InputError:
            self.close()
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged workbook raises many kinds; each is this error
            self.close()
            raise InputError(f"file {path} is not a readable XLSX workbook ({type(exc).__name__}: {exc}); open and "
                             "save it again in Excel") from None

    def close(self) -> None:
        self._parsed.clear()
        self._fastexcel = None
        for name in ("calamine", "_whole"):
            if getattr(self, name, None) is not None:
                getattr(self, name).close()
                setattr(self, name, None)
        if self._openpyxl is not None:
            self._openpyxl.close()
        for handle in (self._handle, getattr(self, "_whole_handle", None), getattr(self, "_openpyxl_handle", None)):
            if handle is not None:
                handle.close()
        self.zip.close()

    def _check_prologs(self) -> None:
        for item in self.zip.infolist():
            if item.filename.endswith((".xml", ".rels")):
                with self.zip.open(item) as fh:
                    head = fh.read(_PROLOG_BYTES)
                if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                    raise InputError(f"file {self.path} is not a readable XLSX workbook ({item.filename} declares a "
                                     "DTD); its XML declares entities, which a spreadsheet never writes: it is refused")

    def _parts(self) -> tuple[bytes, str, dict[str, str]]:
        """The workbook's XML and its part's name, and the XML part of each sheet by name (the relationships'
        targets)."""
        names = set(self.zip.namelist())
        root = "xl/workbook.xml"
        if "_rels/.rels" in names:
            found = re.search(rb'Target="/?([^"]+)"[^>]*Type="[^"]*/officeDocument"|Type="[^"]*/officeDocument"'
                              rb'[^>]*Target="/?([^"]+)"', self.zip.read("_rels/.rels"))
            root = (found.group(1) or found.group(2)).decode() if found else root
        workbook = self.zip.read(root)
        folder = root.rpartition("/")[0]
        rels_name = f"{folder}/_rels/{root.rpartition('/')[2]}.rels"
        targets = {}
        if rels_name in names:
            for attributes in re.findall(rb"<(?:\w+:)?Relationship\b([^>]*)>", self.zip.read(rels_name)):
                ident, target = re.search(rb'\bId="([^"]*)"', attributes), re.search(rb'\bTarget="([^"]*)"', attributes)
                if ident and target:
                    path = target.group(1).decode()
                    targets[ident.group(1).decode()] = (path.lstrip("/") if path.startswith("/") else
                                                        posixpath.normpath(f"{folder}/{path}"))
        parts = {}
        for attributes in re.findall(rb"<(?:\w+:)?sheet\b([^>]*)>", workbook):
            name, ident = re.search(rb'\bname="([^"]*)"', attributes), re.search(rb'\b\w*:?id="([^"]*)"', attributes)
            if name and ident and ident.group(1).decode() in targets:
                parts[_xml_text(name.group(1))] = targets[ident.group(1).decode()]
        return workbook, root, parts

    def _copy(self, sheets: Mapping[str, Callable[[int], int] | None], numbered: bool = False) -> bytes | None:
        """A workbook (zip) of what calamine reads to list the sheets and read their cells (the package's and the
        workbook's relationships, the workbook, its shared strings and styles) and the sheets ``sheets`` maps
        (part -> which rows to keep, as :meth:`_cut` takes it, or None for all), cut to those rows; None when
        ``numbered`` and a row kept has no number (calamine counts such rows: the ones left out would move it)."""
        folder = posixpath.dirname(self._root)
        base = f"{folder}/" if folder else ""
        wanted = {"[content_types].xml", "_rels/.rels", self._root.lower(), f"{base}workbook.xml",
                  f"{base}_rels/{posixpath.basename(self._root)}.rels".lower(), f"{base}_rels/workbook.xml.rels",
                  f"{base}sharedstrings.xml", f"{base}styles.xml"}
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as copy:
            for item in self.zip.infolist():
                keep = sheets.get(item.filename)
                if keep is not None:  # deflated as it is written: a sheet's cut is never held whole
                    with copy.open(item.filename, "w") as out, self.zip.open(item) as part:
                        if not self._cut(part, keep, out, numbered):
                            return None
                elif item.filename in sheets or item.filename.lower() in wanted:  # small, or held by calamine anyway
                    copy.writestr(item.filename, self.zip.read(item), compress_type=zipfile.ZIP_STORED)
        return buffer.getvalue()

    @staticmethod
    def _cut(fh: IO[bytes], keep: Callable[[int], int], out: IO[bytes], numbered: bool) -> bool:
        """Write a sheet's XML (read from ``fh``) with only some of its rows: ``keep(row)`` (1-based) is 1 to keep
        the row, 0 to leave it out, -1 to leave it and every row below it out (the rest of the part is not read).
        A row is numbered by its ``r``, or counted from the row above where it has none (False when ``numbered``
        and a row kept has none).  The XML is read a block at a time, written a run of rows kept at a time, and
        closed after the last row kept."""
        writing, number, opened, tail = True, 0, [], b""
        while True:
            chunk = fh.read(1 << 20)
            block, at, mark = tail + chunk, 0, 0  # at: where the run of rows kept (or left out) began
            for found in _ROW_OR_END.finditer(block):
                start = found.start()
                if not number:  # above the first row: the tags the cut closes
                    opened += _SHEET_TAGS.findall(block, at, start)
                if chunk and not found.group(1) and block.find(b">", start) < 0:
                    break  # the row's tag goes on in the next block
                tag = None if found.group(1) else _ROW_NUMBER.match(block, start)
                if tag is None and numbered and not found.group(1):
                    return False
                number = int(tag.group(1)) if tag else number + 1
                verdict = -1 if found.group(1) else keep(number)  # </sheetData>: no more rows
                if writing and verdict <= 0:
                    out.write(block[at:start])
                if verdict < 0:
                    out.write(b"".join(b"</" + prefix + name + b">" for prefix, name in reversed(opened)))
                    return True
                if writing != (verdict > 0):
                    writing, at = verdict > 0, start
                mark = start + 1
            if not chunk:  # the part ends inside its rows: left as it is, for calamine to refuse
                if writing:
                    out.write(block[at:])
                return True
            safe = block.rfind(b"<", max(at, mark))  # a tag is never split between two blocks
            safe = len(block) if safe < 0 else safe
            if writing:
                out.write(block[at:safe])
            if not number:
                opened += _SHEET_TAGS.findall(block, at, safe)
            tail = block[safe:]

    def dense(self, part: str | None) -> bool:
        """Whether calamine may hold the sheet: it declares a used range of at most :data:`XLSX_DENSE_CELLS`
        cells and :data:`XLSX_MAX_COLUMNS` columns."""
        if part is None or part not in self.zip.namelist():
            return False
        with self.zip.open(part) as fh:
            head = fh.read(_PROLOG_BYTES)
        found = re.search(rb'<(?:\w+:)?dimension\s+ref="([A-Z]{1,3})(\d+)(?::([A-Z]{1,3})(\d+))?"', head)
        if found is None:
            return False
        first_column, first_row, last_column, last_row = (None if g is None else g.decode() for g in found.groups())
        columns = _column_number(last_column or first_column) - _column_number(first_column) + 1
        rows = int(last_row or first_row)  # calamine's range starts at row 1 when read whole
        return _column_number(last_column or first_column) <= XLSX_MAX_COLUMNS and columns * rows <= XLSX_DENSE_CELLS

    def _rows(self, title: str, part: str | None, limit: int | None = None) -> list[list[Any]]:
        """The first ``limit`` rows of a sheet (every row: None), parsed once by calamine (or openpyxl): up to
        :data:`XLSX_HEADER_ROWS`, or all of a sheet the copy holds whole, from the copy; more from the whole
        workbook."""
        import python_calamine

        whole = (limit is None or limit > XLSX_HEADER_ROWS) and part not in self._held
        if (title, whole) not in self._parsed:
            if not self.dense(part):
                self._parsed[title, whole] = None
            else:
                if whole and self._whole is None:
                    self._whole_handle = self.path.open("rb")
                    self._whole = python_calamine.CalamineWorkbook.from_filelike(self._whole_handle)
                self._parsed[title, whole] = (self._whole if whole else self.calamine).get_sheet_by_name(title)
        parsed = self._parsed.pop((title, whole)) if whole else self._parsed[title, whole]
        if parsed is not None:
            return parsed.to_python(skip_empty_area=False, nrows=limit)
        return self._openpyxl_rows(title, limit)

    def by_column(self, part: str | None) -> bool:
        """Whether fastexcel reads a sheet's columns (:meth:`columns`): a dense sheet the copy does not hold whole
        (one larger than :data:`_HELD_BYTES`; a smaller one python-calamine read whole with its header rows)."""
        return self.dense(part) and part not in self._held

    def columns(self, one: _Sheet, width: int,
                typed: set[int]) -> tuple[int, dict[int, Any], dict[int, list[tuple[int, str]]]] | None:
        """A dense sheet's cells below its header, by fastexcel: their row count; each column of the first
        ``width`` (0-based, those the sheet holds) as an Arrow array, ``typed`` ones as fastexcel types them (all
        of a column's cells of one kind: text, number, date and time, duration or true/false), the others as text;
        and in typed columns the cells of text fastexcel leaves out (``NA``, blanks; position and text).

        None when fastexcel cannot read them so: a typed column with cells of two kinds (text and numbers), a
        cell fastexcel leaves out that is neither text nor an error value, an error value it refuses (``#NAME?``),
        a damaged sheet (python-calamine then reads it, or says what is wrong as it always has)."""
        import fastexcel

        try:
            if self._fastexcel is None:
                logging.getLogger("fastexcel").setLevel(logging.ERROR)  # not its note on a column without values
                self._fastexcel = fastexcel.read_excel(self.path)
            sheet = self._fastexcel.load_sheet(
                one.title, header_row=(one.row or 1) - 1, use_columns=lambda column: column.absolute_index < width,
                dtypes={j: "string" for j in range(width) if j not in typed} or None, schema_sample_rows=None,
                dtype_coercion="strict", whitespace_as_null=True)
            batch, errors = sheet.to_arrow_with_errors()
        except Exception:  # noqa: BLE001 - whatever fastexcel refuses, python-calamine reads (or explains)
            return None
        where = {info.index: info.absolute_index for info in sheet.selected_columns}
        texts: dict[int, list[tuple[int, str]]] = {}
        for error in errors.errors if errors is not None else ():
            row, column = error.offset_position
            if where.get(column) not in typed or _ERROR_VALUE.search(error.detail):
                continue  # an error value reads as empty, as python-calamine reads it (its text comes from the XML)
            text = _left_out(error.detail)
            if text is None:
                return None
            texts.setdefault(where[column], []).append((row, text))
        arrays = {info.absolute_index: batch.column(k) for k, info in enumerate(sheet.selected_columns)}
        return batch.num_rows, arrays, texts

    def exact_rows(self, one: _Sheet, numbers: Sequence[int], width: int) -> dict[int, list[Any]] | None:
        """Some rows of a dense sheet (1-based numbers, in order), each as its first ``width`` values as
        python-calamine reads them, from a copy of the workbook that holds only those rows of the sheet; None when
        one of them has no number in the XML."""
        import python_calamine

        wanted, last = set(numbers), max(numbers)
        cut = self._copy({one.part or "": lambda number: -1 if number > last else int(number in wanted)},
                         numbered=True)
        if cut is None:
            return None
        book = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(cut))
        try:
            sheet = book.get_sheet_by_name(one.title)
            values, (top, left) = sheet.to_python(skip_empty_area=True), sheet.start or (0, 0)
        finally:
            book.close()
        rows = {}
        for number in numbers:
            cells = [""] * left + list(values[number - 1 - top]) if 0 <= number - 1 - top < len(values) else []
            rows[number] = (cells + [""] * width)[:width]
        return rows

    def _openpyxl_rows(self, title: str, limit: int | None) -> list[list[Any]]:
        """The rows of a sheet whose used range is not declared, or is too large, read by openpyxl: its first
        :data:`XLSX_HEADER_ROWS` rows in its first :data:`XLSX_MAX_COLUMNS` columns, the rows below them as wide
        as those rows hold values, up to the last row with a value."""
        import openpyxl

        if self._openpyxl is None:
            self._openpyxl_handle = self.path.open("rb")
            self._openpyxl = openpyxl.load_workbook(self._openpyxl_handle, read_only=True, data_only=True)
        sheet = self._openpyxl[title]
        width = min(sheet.max_column or XLSX_MAX_COLUMNS, XLSX_MAX_COLUMNS)
        head = [list(values) for values in sheet.iter_rows(values_only=True, max_row=min(limit or XLSX_HEADER_ROWS,
                                                                                         XLSX_HEADER_ROWS),
                                                           max_col=width)]
        used = max((len(_trimmed([_cell_text(v) for v in values])) for values in head), default=0)
        rows, blank = head, 0
        if limit is None and used:
            for values in sheet.iter_rows(min_row=len(head) + 1, values_only=True, max_col=used):
                if any(v is not None and _cell_text(v) for v in values):
                    rows += [[None] * used] * blank + [list(values)]  # blank rows count only with data below
                    blank = 0
                else:
                    blank += 1
        while rows and not any(_cell_text(v) for v in rows[-1]):
            rows.pop()
        return rows

    def empty_cells_explained(self, one: _Sheet, first_row: int,
                              columns: Sequence[int]) -> tuple[tuple[int, int, str] | None, list[tuple[int, int, str]]]:
        """Cells that calamine reads as empty but are not, from row ``first_row`` down in ``columns`` (0-based),
        found in the sheet's XML: the first formula without a stored value (a workbook written by a program and
        never saved by Excel stores none), and every error value (``#N/A``, ``#DIV/0!``), each as (row, column,
        text).  The XML is searched only where it holds a formula or an error."""
        if one.part is None or one.part not in self.zip.namelist():
            return None, []
        wanted, overlap, carry, errors, seen = set(columns), 1 << 16, b"", [], set()
        with self.zip.open(one.part) as fh:
            while True:
                chunk = fh.read(1 << 22)
                block = carry + chunk
                for pattern, marks in ((_FORMULA_CELL, (b"<f", b":f")), (_ERROR_CELL, (b'"e"',))):
                    if not any(mark in block for mark in marks):
                        continue
                    for match in pattern.finditer(block):
                        row, column = int(match.group(2)), _column_number(match.group(1).decode()) - 1
                        if row < first_row or column not in wanted or (row, column) in seen:
                            continue
                        if pattern is _FORMULA_CELL:
                            return (row, column, "=" + _xml_text(match.group(3) or b"")), errors
                        seen.add((row, column))
                        errors.append((row, column, _xml_text(match.group(3))))
                if not chunk:
                    return None, errors
                carry = block[-overlap:]


_FORMULA_CELL = re.compile(  # a formula, then no value or an empty <v/> (an empty string result is <v></v>)
    rb'<(?:\w+:)?c\b[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)\s*'
    rb'(?:<(?:\w+:)?v\s*/>)?\s*</(?:\w+:)?c>')
_ERROR_CELL = re.compile(  # t="e": an error value, after its formula if any
    rb'<(?:\w+:)?c\b(?=[^>]*\bt="e")[^>]*?\br="([A-Z]{1,3})(\d+)"[^>]*>\s*'
    rb'(?:<(?:\w+:)?f\b[^>]*?(?:/>|>[^<]*</(?:\w+:)?f>)\s*)?<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>')


_ROW_OR_END = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]|<(/)(?:[\w.-]+:)?sheetData\s*>")  # a row's tag, the rows' end
_ROW_NUMBER = re.compile(rb"<(?:[\w.-]+:)?row\b[^>]*?\sr\s*=\s*[\"'](\d+)[\"']")
_SHEET_TAGS = re.compile(rb"<((?:[\w.-]+:)?)(worksheet|sheetData)[\s>/]")  # what a cut sheet closes
_ERROR_VALUE = re.compile(r"got '+Error\(")  # fastexcel's note on an error value (#N/A) in a typed column
_LEFT_OUT_TEXT = re.compile(r"Expected \w+ but got '(?:Shared)?String\(\"(.*)\"\)'?", re.DOTALL)
_RUST_ESCAPE = re.compile(r"\\(?:u\{([0-9a-fA-F]{1,6})\}|(.))", re.DOTALL)
_RUST_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "\\": "\\", '"': '"', "'": "'"}


def _left_out(detail: str) -> str | None:
    """The text of a cell fastexcel left out of a typed column (its note: ``Expected float but got
    'String("NA")'``, the text as Rust writes a string literal), as :func:`_cell_text` gives it; None for a cell
    that is not text, or a note not of that form."""
    found = _LEFT_OUT_TEXT.fullmatch(detail)
    if found is None:
        return None
    try:
        text = _RUST_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else _RUST_ESCAPES[m.group(2)],
                                found.group(1))
    except (KeyError, ValueError):
        return None
    return text.strip()


_HELD_BYTES = 1 << 20
"""A dense sheet whose XML is at most this size (some 5,000 rows of a few columns) is read whole by python-calamine
with its header rows: fastexcel's parse of it would save less than looking for its header costs."""


def _first_rows(number: int) -> int:
    """The rows a sheet's header is looked for in (:meth:`_Workbook._cut`): its first :data:`XLSX_HEADER_ROWS`."""
    return 1 if number <= XLSX_HEADER_ROWS else -1


def _column_number(letters: str) -> int:
    """``A`` -> 1, ``XFD`` -> 16384."""
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def _xml_text(raw: bytes) -> str:
    import html

    return html.unescape(raw.decode("utf-8", errors="replace"))


def _read_xlsx(path: Path, sheet: str | None = None, select: Select | None = None,
               skip_rows: int | None = None) -> Table:
    """Read one sheet of a workbook, or stack several (``sheet="all"``).

    ``sheet=None`` reads the first visible sheet that holds data; the other sheets with data are listed in
    ``Table.sheets_ignored`` (the run report warns of them: a workbook split by dealer or year is not read whole).
    A sheet name reads that sheet; ``"all"`` every sheet whose header has the columns ``select`` asks for, in
    workbook order, their rows labelled ``SHEET!ROW``.  When the sheet read lacks those columns, the error lists
    every sheet with its headers, and names the sheets that have them.  Each sheet's header is found as in a text
    file (:func:`header_at`; ``skip_rows`` forces it), and its footer of total rows dropped.
    """
    book = _Workbook(path)
    try:
        found = book.sheets

        def header(one: _Sheet) -> _Sheet:  # the sheet's first rows, its header and the title rows above it
            head = [_trimmed([_cell_text(v) for v in values[:XLSX_MAX_COLUMNS]])
                    for values in one.rows(XLSX_HEADER_ROWS)]
            if skip_rows is not None:
                at = next((i for i, texts in enumerate(head) if i >= skip_rows and any(texts)), None)
            else:
                at = header_at(head, select)
            if at is not None:
                one.row, one.header = at + 1, head[at]
                one.titles = tuple((i + 1, " ".join(t for t in head[i] if t)) for i in range(at) if any(head[i]))
            return one

        for one in found:
            header(one)
        chosen, ignored = _chosen_sheets(path, found, sheet, select)
        frames, labels, titles, footers = [], [], [], []
        for one in chosen:
            check_headers(one.header or [], f"file {path}, sheet {one.title!r},")
            frame, rows, footer = _sheet_table(book, one, select)
            frames.append(frame[list(frames[0].columns)] if frames else frame)
            if len(chosen) == 1:
                labels.append(rows)
                titles += one.titles
                footers += footer
            else:
                labels.append(np.char.add(f"{one.title}!", rows.astype(str)).astype(object))
                titles += [(f"{one.title}!{row}", text) for row, text in one.titles]
                footers += [(f"{one.title}!{row}", text) for row, text in footer]
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if frame.empty:
            where = f"sheet {chosen[0].title!r}" if len(chosen) == 1 else f"sheets {_titles(chosen)}"
            raise InputError(f"file {path}, {where} has a header (row {chosen[0].row}) but no rows; "
                             "export the data rows too")
        shown_titles = tuple(one.title for one in chosen)
        shown = (", ".join(shown_titles) if len(shown_titles) <= 5 else
                 f"{', '.join(shown_titles[:3])}, ... {shown_titles[-1]} ({len(shown_titles)} sheets)")
        headers = [str(h).strip() for h in chosen[0].header or ()]
        if select is not None:
            frame = frame[list(select(headers))]  # select maps the columns of the header it was given last
        table = Table(frame, str(path), np.concatenate(labels), sheet=shown, headers=tuple(headers))
        table.sheets, table.sheets_ignored = shown_titles, ignored
        table.date_1904 = book.date_1904  # its serial numbers count days from 1904-01-01
        table.header_row = chosen[0].row if len(chosen) == 1 else f"{chosen[0].title}!{chosen[0].row}"
        table.title_rows, table.footer = tuple(titles), tuple(footers)
        return table
    except (InputError, UsageError):
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet's XML is parsed as it is read: a damaged part
        raise InputError(f"file {path} is not a readable XLSX workbook ({type(exc).__name__}: {exc}); open and save "
                         "it again in Excel") from None
    finally:
        book.close()


def _chosen_sheets(path: Path, found: list[_Sheet], sheet: str | None,
                   select: Select | None) -> tuple[list[_Sheet], tuple[str, ...]]:
    """The sheets to read, and the other sheets with data (described) that are not read."""
    with_data = [one for one in found if one.header is not None]
    if sheet is not None and sheet != ALL_SHEETS:
        named = [one for one in found if one.title == sheet] or [
            one for one in found if one.title.strip().casefold() == sheet.strip().casefold()]
        if len(named) != 1:
            raise UsageError(f"--sheet {sheet}: file {path} has no sheet {sheet!r}; its sheets: {_listing(found)}. "
                             "Pass one of these names, or --sheet all")
        if named[0].header is None:
            raise InputError(f"file {path}, sheet {named[0].title!r} holds no data; its sheets: {_listing(found)}. "
                             "Pass another with --sheet NAME")
        _check_fits(path, named[0], found, select)
        return named, ()
    if not with_data:
        raise InputError(f"file {path} has no sheet with data (sheets: {', '.join(one.title for one in found)}); "
                         "put the table with its header row in the first sheet")
    if sheet == ALL_SHEETS:
        fitting = [one for one in with_data if select is None or _fits(select, one.header)]
        if not fitting:
            _check_fits(path, with_data[0], found, select)
        kinds = {frozenset(one.header) for one in fitting}
        if len(kinds) > 1:
            other = next(one for one in fitting if set(one.header) != set(fitting[0].header))
            raise InputError(
                f"file {path}: --sheet all stacks sheets of one header, but sheet {fitting[0].title!r} has "
                f"{_headers(fitting[0].header)} and sheet {other.title!r} has {_headers(other.header)}; give the "
                "sheets the same header, or read one with --sheet NAME")
        chosen = fitting
    else:
        visible = [one for one in with_data if not one.hidden] or with_data
        chosen = visible[:1]
        _check_fits(path, chosen[0], found, select)
    ignored = tuple(f"{one.title} ({'hidden, ' if one.hidden else ''}"
                    f"{'the same header' if one.header == chosen[0].header else 'another header'})"
                    if sheet is None else f"{one.title} (without the columns)" for one in with_data if one not in chosen)
    return chosen, ignored


def _fits(select: Select, header: list[str]) -> bool:
    """Whether a header has the columns ``select`` asks for."""
    try:
        select([str(h).strip() for h in header])
    except InputError:
        return False
    return True


def _check_fits(path: Path, chosen: _Sheet, found: list[_Sheet], select: Select | None) -> None:
    """``select``'s own error for the chosen sheet, with every sheet of the workbook and the ones that fit."""
    if select is None:
        return
    try:
        select([str(h).strip() for h in chosen.header or ()])
    except InputError as exc:
        if len(found) == 1:
            raise
        fitting = [one for one in found if one.header is not None and one is not chosen and _fits(select, one.header)]
        fix = "read another with --sheet NAME"
        if fitting:
            fix = (f"sheet {fitting[0].title!r} has them: pass --sheet {shlex.quote(fitting[0].title)}"
                   + (f", or --sheet all for the {len(fitting)} sheets that have them" if len(fitting) > 1 else ""))
        raise InputError(f"{str(exc).rstrip('.')}. That is sheet {chosen.title!r}; the workbook's {len(found)} sheets: "
                         f"{_listing(found)}; {fix}") from None
    # select is called again on the table read: each call maps the columns of the header it is given


def _listing(found: list[_Sheet]) -> str:
    """Every sheet with its headers, for an error: ``'Cover' (no data), 'Sales' (dealer, part, date, quantity)``."""
    shown = [f"{one.title!r} ({'hidden, ' if one.hidden else ''}"
             f"{'no data' if one.header is None else _headers(one.header)})" for one in found[:_SHEETS_LISTED]]
    more = f", and {len(found) - _SHEETS_LISTED} more" if len(found) > _SHEETS_LISTED else ""
    return ", ".join(shown) + more


def _headers(header: list[str]) -> str:
    names = [str(h) for h in header[:_HEADERS_LISTED]]
    more = f", ... {len(header) - _HEADERS_LISTED} more" if len(header) > _HEADERS_LISTED else ""
    return "headers " + ", ".join(names) + more


def _titles(sheets: list[_Sheet]) -> str:
    return ", ".join(repr(one.title) for one in sheets[:5]) + (f" ... ({len(sheets)})" if len(sheets) > 5 else "")


def _sheet_table(book: _Workbook, one: _Sheet,
                 select: Select | None) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str]]]:
    """The cells below a sheet's header, as wide as the header: the columns ``select`` reads (every column
    without it) as text (Categorical), the rows' numbers, and the footer dropped (row, text).

    The blank rows at the end are dropped; a blank row with data below it is kept (empty, reported as such).
    A dense sheet's columns are read by fastexcel into Arrow (:func:`_typed_sheet_cells`), another's, or one
    fastexcel cannot type exactly, by python-calamine or openpyxl as rows (:func:`_sheet_cells`): the same texts.
    """
    names = [str(h).strip() for h in one.header or ()]
    wanted = list(select(names)) if select is not None else names
    positions = [names.index(h) for h in wanted]
    return _typed_sheet_cells(book, one, positions) or _sheet_cells(book, one, one.rows(None), positions)


def _typed_sheet_cells(book: _Workbook, one: _Sheet,
                       positions: list[int]) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str]]] | None:
    """:func:`_sheet_table` by column: fastexcel reads the columns ``positions`` (0-based) typed, the header's other
    columns as text (they only tell which rows are blank, and the footer's text), and each column is turned into
    text on its distinct values (:func:`_arrow_texts`), never a Python call per cell.  None when fastexcel cannot
    type a column exactly (:meth:`_Workbook.columns`), or a date in it (:func:`_arrow_texts`)."""
    header, start = one.header or [], one.row or 0
    width = len(header)
    if not book.by_column(one.part):
        return None
    first = one.rows(XLSX_HEADER_ROWS)[start:]  # the first rows below the header, as python-calamine read them
    if any(len(kinds) > 1 or "time" in kinds for kinds in (
            _kinds(values[j] for values in first if j < len(values)) for j in positions)):
        return None  # fastexcel would refuse the column (or place its times otherwise): not parsed in vain
    read = book.columns(one, width, set(positions))
    if read is None:
        return None
    n, arrays, left_out = read

    def coded(j: int, low: int, high: int) -> tuple[np.ndarray, list[str]] | None:  # column j, rows low..high-1
        if j not in arrays:  # left of the sheet's used range: empty
            return np.zeros(high - low, dtype=np.int64), [""] if high > low else []
        return _arrow_texts(arrays[j].slice(low, high - low), book.date_1904,
                            [(at - low, text) for at, text in left_out.get(j, ()) if low <= at < high])

    def texts(j: int, low: int, high: int) -> np.ndarray | None:  # the same, a text a cell
        codes = coded(j, low, high)
        return None if codes is None else np.asarray(codes[1], dtype=object)[codes[0]]

    end, span = n, 64  # the last row that is not blank, looked for in ever longer tails
    while end:
        low = max(0, n - span)
        tail = [texts(j, low, n) for j in range(width)]
        if any(column is None for column in tail):
            return None
        filled = np.flatnonzero(np.logical_or.reduce([column != "" for column in tail])) if tail else []
        if len(filled) or not low:
            end = low + int(filled[-1]) + 1 if len(filled) else 0
            break
        span *= 16
    low = max(0, end - FOOTER_SEARCH_ROWS)
    tail = [texts(j, low, end) for j in range(width)]
    if any(column is None for column in tail):
        return None
    last = [list(cells) for cells in zip(*tail)]
    size = footer_size(last)
    kept = last[len(last) - size:] if size else []
    if any(_maybe_typed(cells[j]) for cells in kept for j in range(width) if j not in positions):
        exact = book.exact_rows(one, [start + 1 + i for i in range(end - size, end)], width)  # a total read as text
        if exact is None:
            return None
        kept = [[_cell_text(value) for value in exact[start + 1 + i]] for i in range(end - size, end)]
    footer = [(start + 1 + i, _row_text(cells)) for i, cells in zip(range(end - size, end), kept)]
    n = end - size
    columns = {}
    for j in positions:
        column = coded(j, 0, n)
        if column is None:
            return None
        columns[j] = _categorical(*column)
    return _explained(book, one, columns, n, footer)


_NULL_TEXTS = frozenset(("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
                         "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"))
"""The texts fastexcel counts as no value when it types a column (a column of numbers may hold them)."""


_KINDS = {bool: "bool", int: "number", float: "number", dt.datetime: "date", dt.date: "date", dt.time: "time",
          dt.timedelta: "duration"}


def _kinds(values: Iterable[Any]) -> set[str]:
    """The kinds of python-calamine's values of some cells, as fastexcel types a column: a column of more than one
    kind is refused (``"time"``, a time of day, is a date and time to fastexcel)."""
    values = list(values)
    kinds = {_KINDS.get(kind, kind.__name__) for kind in {type(value) for value in values} - {str, type(None)}}
    if any(isinstance(value, str) and value.strip() and value not in _NULL_TEXTS for value in values):
        kinds.add("text")
    return kinds


def _maybe_typed(text: str) -> bool:
    """Whether fastexcel's text of a cell (a column it reads as text) may be a number, a date, a duration or
    true/false it wrote otherwise than python-calamine's value does (3.0000000001 as ``3``)."""
    return any(c.isdigit() for c in text) or text in ("true", "false", "NaN", "inf", "-inf")


_EPOCH = dt.datetime(1970, 1, 1)
_LAST_MS = (dt.datetime(9999, 12, 31) - _EPOCH) // dt.timedelta(milliseconds=1) + 86_400_000  # 10000-01-01


def _arrow_texts(values: Any, date_1904: bool,
                 cells: Sequence[tuple[int, str]] = ()) -> tuple[np.ndarray, list[str]] | None:
    """A column as fastexcel typed it, as the text :func:`_cell_text` gives python-calamine's values of its cells:
    each cell's code and the text of each code (nulls, the empty cells, ``""``).  The texts are made on the
    distinct values (dictionary-encoded by pyarrow), so a column costs one Python call per distinct value.
    ``cells`` (position, text) are the texts fastexcel left out of the column (:meth:`_Workbook.columns`).

    None for a date fastexcel cannot place as python-calamine does: a serial number below 1, which python-calamine
    reads as a time of day (as it reads a date-and-time written as text), or past the year 9999."""
    import pyarrow as pa
    import pyarrow.compute as pc

    coded = pc.dictionary_encode(values, null_encoding="encode")
    codes = coded.indices.to_numpy(zero_copy_only=False)
    kind = coded.dictionary.type
    if pa.types.is_timestamp(kind):
        first = (dt.datetime(1904, 1, 2) if date_1904 else dt.datetime(1900, 1, 1)) - _EPOCH
        stamps = pc.cast(coded.dictionary, pa.int64()).to_pylist()
        if any(ms is not None and not first // dt.timedelta(milliseconds=1) < ms < _LAST_MS for ms in stamps):
            return None
        uniques = [None if ms is None else _EPOCH + dt.timedelta(milliseconds=ms) for ms in stamps]
    else:
        try:
            uniques = coded.dictionary.to_pylist()
        except (ValueError, OverflowError, pa.ArrowException):  # a date past the year 9999
            return None
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        texts = ["" if value is None else value.strip() for value in uniques]
    else:
        texts = [_cell_text(value) for value in uniques]
    if cells:  # each its own code, then every code renumbered in the order the cells come (as the texts are)
        codes = codes.copy()
        codes[[at for at, _ in cells]] = len(texts) + np.arange(len(cells))
        codes, order = pd.factorize(codes)
        texts = [(texts + [text for _, text in cells])[i] for i in order]
    return codes, texts


def _categorical(codes: np.ndarray, texts: Sequence[str]) -> pd.Categorical:
    """Cells coded by distinct value, and each value's text, as a Categorical of the texts (in the order they
    first come: ``3.0`` and ``"3"`` are one text)."""
    remap, names = pd.factorize(np.asarray(texts, dtype=object))
    return pd.Categorical.from_codes(remap[codes], categories=pd.Index(names, dtype=object), validate=False)


def _sheet_cells(book: _Workbook, one: _Sheet, rows: list[list[Any]],
                 positions: list[int]) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str]]]:
    """:func:`_sheet_table` from a sheet's rows (raw values, as python-calamine or openpyxl reads them).  Each column
    is turned into text on its distinct values: a million rows cost a factorisation per column, not a Python call
    per cell."""
    header, start = one.header or [], one.row or 0
    width = len(header)
    body = rows[start:]
    end = len(body)
    while end and not any(_cell_text(v) for v in body[end - 1][:width]):
        end -= 1
    size = footer_size([values[:width] for values in body[max(0, end - FOOTER_SEARCH_ROWS):end]])
    footer = [(start + 1 + i, _row_text([_cell_text(v) for v in body[i][:width]])) for i in range(end - size, end)]
    body = body[:end - size]
    grid = np.array(body, dtype=object) if body else np.empty((0, width), dtype=object)
    if grid.ndim != 2 or grid.shape[1] < width:  # calamine's rows are as wide as the used range; openpyxl's end
        grid = np.array([(list(values) + [""] * width)[:width] for values in body],  # at their last value
                        dtype=object).reshape(len(body), width)
    n = len(body)
    del body
    columns = {j: _text_column(grid[:, j]) for j in positions}
    del grid
    return _explained(book, one, columns, n, footer)


def _explained(book: _Workbook, one: _Sheet, columns: dict[int, pd.Categorical], n: int,
               footer: list[tuple[int, str]]) -> tuple[pd.DataFrame, np.ndarray, list[tuple[int, str]]]:
    """The columns read (by position) as the sheet's table, once its empty cells are explained: a formula
    without a stored value is refused, an error value (``#N/A``) is given its text."""
    header, start = one.header or [], one.row or 0
    empty = [j for j in columns if (columns[j] == "").any()]
    if empty:  # an empty cell may be a formula whose value was never stored, or an error value (#N/A)
        formula, errors = book.empty_cells_explained(one, start + 1, empty)
        if formula is not None:
            row, j, text = formula
            raise InputError(f"file {book.path}, sheet {one.title!r}: row {row}, column {header[j]!r} holds the "
                             f"formula {text[:40]!r} without a stored value (the workbook was written by a program "
                             "and never saved by Excel); open it in Excel and save it, or export the values as CSV")
        for j in {j for _, j, _ in errors}:
            cells = [(row - start - 1, text) for row, column, text in errors if column == j and row - start - 1 < n]
            columns[j] = _with_cells(columns[j], cells)
    names = [str(h).strip() for h in header]
    frame = pd.DataFrame({names[j]: column for j, column in columns.items()}, index=pd.RangeIndex(n))
    return frame, np.arange(start + 1, start + 1 + n, dtype=np.int64), footer


def _with_cells(column: pd.Categorical, cells: list[tuple[int, str]]) -> pd.Categorical:
    """``column`` with some cells (position, text) set: the error values calamine reads as empty."""
    if not cells:
        return column
    categories = pd.Index(column.categories, dtype=object)
    new = pd.Index([text for _, text in cells], dtype=object).unique().difference(categories)
    categories = categories.append(new)
    codes = column.codes.astype(np.int32)
    at = np.array([position for position, _ in cells])
    codes[at] = categories.get_indexer([text for _, text in cells])
    return pd.Categorical.from_codes(codes, categories=categories, validate=False)


def _text_column(values: np.ndarray) -> pd.Categorical:
    """A column of raw cell values as text (:func:`_cell_text`), by its distinct values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    if pd.api.types.infer_dtype(uniques, skipna=False) == "string":
        texts = pd.Series(uniques, dtype=object).str.strip().to_numpy(dtype=object)
    else:
        texts = np.array([_cell_text(v) for v in uniques], dtype=object)
    return _categorical(codes, texts)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != dt.time() else value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# -- Parquet ------------------------------------------------------------------------------------


def _read_parquet(path: Path, select: Select | None = None) -> Table:
    """Read a Parquet file by column: only the selected columns, text ones dictionary-encoded."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        names = list(schema.names)
        headers = [str(c).strip() for c in names]
        check_headers(headers, f"file {path}")
        by_header = dict(zip(headers, names))
        if select is None:
            wanted, text = names, []
        else:
            kinds = select(headers)
            wanted = [by_header[h] for h in kinds]
            text = [by_header[h] for h, kind in kinds.items() if kind == "text"
                    and (pa.types.is_string(schema.field(by_header[h]).type)
                         or pa.types.is_large_string(schema.field(by_header[h]).type))]
        nested = [(h, schema.field(by_header[h]).type) for h in headers if by_header[h] in wanted
                  and pa.types.is_nested(schema.field(by_header[h]).type)]
        if nested:  # a list, struct or map per cell: not a value a column of the tables can hold
            raise InputError(f"file {path}: column {nested[0][0]!r} holds {nested[0][1]} values (a list or a record "
                             "in each cell), not plain numbers or text; export it flat, or leave it out of the file")
        arrow = pq.read_table(path, columns=wanted, read_dictionary=text)
    except (pa.ArrowException, OSError) as exc:
        raise InputError(f"file {path} is not a readable Parquet file ({exc})") from None
    if arrow.num_rows == 0:
        raise InputError(f"file {path} has columns ({', '.join(map(str, headers))}) but no rows")
    arrow = arrow.rename_columns([str(c).strip() for c in arrow.column_names])
    return Table(None, str(path), headers=tuple(headers), arrow=arrow, first_row=1)


# -- writing ------------------------------------------------------------------------------------


_SUFFIX_FORMATS = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx", ".parquet": "parquet", ".pq": "parquet",
                   ".json": "json"}


def format_from_suffix(path: str | PathLike[str]) -> str:
    """The output format for a path's suffix: csv, xlsx, parquet or json."""
    suffix = Path(path).suffix.lower()
    formats = _SUFFIX_FORMATS
    if suffix not in formats:
        raise InputError(
            f"cannot tell the output format from {str(path)!r}; use a .csv, .xlsx, .parquet or .json "
            "suffix, or pass --format"
        )
    return formats[suffix]


@dataclass(frozen=True)
class Layout:
    """How a table is shown in a file that people open: its headers, number formats, sheets and print title.

    Attributes
    ----------
    headers : mapping
        Column -> the header written for it in CSV and XLSX (default: the column's name).  Parquet and JSON, read
        by programs, keep the column names.
    kinds : mapping
        Column -> the kind of its numbers in XLSX (:data:`spareopt.workbook.KINDS`: integer, quantity, number,
        rate, money, date): its number format.  Other columns are shown as written.
    currency : str
        Shown with every ``money`` value (``CNY 1,234.50``).
    sheet_titles : mapping
        XLSX split by ``sheet_by``: the value (a dealer) -> its sheet's tab and print title (the dealer and its
        name).  Default: the value.
    sheet_name : str
        XLSX not split: the name of its one sheet.
    title : str
        XLSX: the print header of a sheet that ``sheet_titles`` does not name.
    bom : bool
        CSV starts with a UTF-8 byte order mark: Excel on a Chinese (or any non-UTF-8) Windows reads a CSV without
        one in the ANSI code page, and shows its Chinese text garbled.
    """

    headers: Mapping[str, str] = field(default_factory=dict)
    kinds: Mapping[str, str] = field(default_factory=dict)
    currency: str = ""
    sheet_titles: Mapping[str, str] = field(default_factory=dict)
    sheet_name: str = "network"
    title: str = ""
    bom: bool = False
    summary: tuple[str, str, str] = ("summary", "item", "value")
    """XLSX: the name of the run facts' sheet and its two headers (``--lang``)."""


PLAIN = Layout()
"""Column names as headers, numbers as written, no BOM."""

Progress = Callable[[float], None]
"""Told the share of a write done, from 0 to 1 (a progress bar's last stage)."""


def write_table(
    frame: pd.DataFrame,
    path: str | PathLike[str] | IO[str] | None,
    *,
    format: str | None = None,
    summary: Mapping[str, Any] | None = None,
    sheet_by: str | None = None,
    layout: Layout = PLAIN,
    progress: Progress | None = None,
) -> None:
    """Write ``frame`` to ``path`` (stdout when None), atomically.

    Parameters
    ----------
    frame : DataFrame
        The table to write.
    path : path, text stream or None
        The destination; None writes CSV (or JSON) to standard output.
    format : {"csv", "xlsx", "parquet", "json"}, optional
        Default: from the suffix of ``path``, else CSV.
    summary : mapping, optional
        Run facts; XLSX gets them as a ``summary`` sheet.
    sheet_by : str, optional
        XLSX only: one sheet per distinct value of this column (e.g. ``dealer``), up to :data:`XLSX_MAX_SHEETS`.
    layout : Layout
        Headers, number formats, sheet titles and the CSV's byte order mark.
    progress : callable, optional
        Told the share of the write done (XLSX: as each chunk of rows is rendered and zipped; CSV: as each chunk
        of rows is written).

    Raises
    ------
    InputError
        ``frame`` is not a DataFrame, or has two columns of one name; ``path`` is neither a path, a text stream
        nor None; an unknown ``format``.
    """
    instance("frame", frame, pd.DataFrame, "a pandas DataFrame")
    check_headers(list(frame.columns), "the frame to write")
    if path is not None and not isinstance(path, (str, PathLike)) and not hasattr(path, "write"):
        raise InputError(f"cannot write to {path!r:.60} ({type(path).__name__}): give a file path, a text stream, or "
                         "None for standard output")
    if format is None:
        format = format_from_suffix(path) if isinstance(path, (str, PathLike)) else "csv"
    if format not in FORMATS:
        raise InputError(f"unknown output format {format!r}; use one of {', '.join(FORMATS)}")
    if path is None or not isinstance(path, (str, PathLike)):
        stream = path if path is not None else sys.stdout
        check_stream_format(format)
        _WRITERS[format](frame, stream, summary, sheet_by, layout, progress)
        return
    with _atomic(Path(path), binary=format in ("xlsx", "parquet")) as fh:
        _WRITERS[format](frame, fh, summary, sheet_by, layout, progress)


def check_stream_format(format: str | None) -> None:
    """A table written to a stream (standard output) must be text: CSV or JSON (``None``: CSV).

    >>> check_stream_format("xlsx")
    Traceback (most recent call last):
    ...
    spareopt.errors.InputError: xlsx output needs a file: pass -o FILE.xlsx
    """
    if format not in (None, "csv", "json"):
        raise InputError(f"{format} output needs a file: pass -o FILE.{format}")


FIGURE_FORMATS = ("png", "svg", "pdf")
"""Formats of :func:`write_figure`, from the file's suffix."""


def new_figure(**kwargs: Any) -> Any:
    """A matplotlib ``Figure`` (Agg, no display), or a :class:`ConfigError` saying how to install matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg", force=False)
        from matplotlib.figure import Figure
    except ImportError:
        raise ConfigError("--plot needs matplotlib; install it with: pip install 'spareopt[plot]'") from None
    return Figure(**kwargs)


def _save_figure(figure: Any, fh: IO[bytes], fmt: str) -> None:
    """``figure.savefig``, without matplotlib's one warning per glyph its font lacks: Chinese text without a CJK
    font is one warning of the run report instead (:func:`spareopt.figures.font_warning`)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing from", category=UserWarning)
        figure.savefig(fh, format=fmt, dpi=150)


def write_figure(figure: Any, path: str | PathLike[str]) -> None:
    """Save a matplotlib figure to ``path`` (PNG, SVG or PDF by suffix), atomically.

    Raises
    ------
    InputError
        An unknown suffix, a missing folder, or a path that cannot be written.
    """
    path = Path(path)
    fmt = check_figure_path(path)
    with _atomic(path, binary=True) as fh:
        _save_figure(figure, fh, fmt)


def check_figure_path(path: str | PathLike[str]) -> str:
    """The figure format of ``path`` from its suffix; an :class:`InputError` when it has none we write."""
    fmt = Path(path).suffix.lower().lstrip(".")
    if fmt not in FIGURE_FORMATS:
        raise InputError(f"cannot write a plot to {path}: name a .png, .svg or .pdf file, e.g. fill_rate.png")
    return fmt


@dataclass
class _Planned:
    option: str
    path: Path  # as given
    target: Path  # symlinks resolved: the file a rename replaces (a folder output: the folder)
    kind: str  # a table format, or "figure"
    temp: Path | None = None  # a folder output: the temporary folder its files are written into
    folder: bool = False
    files: list[str] = field(default_factory=list)  # a folder output: the names of the files written, in order
    others: list[str] = field(default_factory=list)  # a folder output: files already there that it does not write


FOLDER_FORMATS = ("xlsx", "csv")
"""Formats of a folder output (one file per dealer: files that people open)."""


@dataclass(frozen=True)
class FolderFile:
    """One file of a folder output (:meth:`Outputs.write_folder`): its name, its table, and how it is written.

    ``name`` is the file's name with its suffix, safe on every file system (:func:`file_names`).
    """

    name: str
    frame: pd.DataFrame
    summary: Mapping[str, Any] | None = None
    sheet_by: str | None = None
    layout: Layout = PLAIN


class Outputs:
    r"""Every file one run writes: checked before the run, written to temporary files, committed together.

    A run declares its outputs first (:meth:`add`); each is checked then, before anything is read or
    computed, so that a mistake costs nothing and writes nothing:

    - its format is known (a table's suffix, or ``format``; a figure's .png .svg .pdf);
    - its folder exists and the path is not a folder;
    - it is not one of the run's ``inputs`` (the same file, by path or by inode), nor another output's path;
    - it is absent or a regular file (a device, pipe or socket cannot take a rename).

    :meth:`write_table` and :meth:`write_figure` then write each to a temporary file beside its target, and
    :meth:`commit` renames them all over their targets once every one is complete.  A run that fails before
    the commit (an error, Ctrl-C) deletes its temporary files and leaves every previous output as it was;
    used as a context manager, the block's normal end commits and an exception discards.  A symlink is
    followed: its target is replaced and the link kept.  :attr:`written` lists the ``(option, path)`` of each
    output committed, in order (what a run interrupted while committing has replaced).

    A **folder output** (``add(..., folder=True)``, one file per dealer) is a folder that may exist or not; its
    parent must exist.  :meth:`write_folder` writes every file into a temporary folder (checking first that
    none is an input or another output): beside the folder when it does not exist yet, and the commit then
    renames it into place; else a hidden one inside it, and the commit moves each file over its namesake, one
    rename each (a file is never half written; the files named last replace theirs last).  Files already in the folder that the run
    does not write are kept, and listed in :attr:`others` (the packs of dealers gone since an earlier run).

    Examples
    --------
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> with Outputs(inputs=[folder / "sales.csv"]) as out:
    ...     out.add("-o", folder / "must_stock.csv")
    ...     out.write_table("-o", pd.DataFrame({"part": ["A"]}))
    >>> (folder / "must_stock.csv").read_text()
    'part\nA\n'
    >>> Outputs(inputs=[folder / "must_stock.csv"]).add("-o", folder / "must_stock.csv")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spareopt.errors.UsageError: cannot write -o ...must_stock.csv: it is an input of this run; name another file, e.g. must_stock_out.csv
    >>> with Outputs() as out:
    ...     out.add("-o", folder / "packs", folder=True, format="csv")
    ...     out.write_folder("-o", [FolderFile("D1.csv", pd.DataFrame({"part": ["A"]})),
    ...                             FolderFile("D2.csv", pd.DataFrame({"part": ["B"]}))])
    >>> sorted(p.name for p in (folder / "packs").iterdir())
    ['D1.csv', 'D2.csv']
    """

    def __init__(self, inputs: Iterable[str | PathLike[str] | None] = ()) -> None:
        self._inputs = [(Path(p), Path(os.path.realpath(p))) for p in inputs
                        if p is not None and isinstance(p, (str, PathLike)) and str(p) != "-"]
        self._planned: dict[str, _Planned] = {}
        self.written: list[tuple[str, Path]] = []

    def add(self, option: str, path: str | PathLike[str], *, format: str | None = None, figure: bool = False,
            hint: str = "", folder: bool = False, page: bool = False) -> None:
        """Declare and check the output of ``option`` (``-o``, ``--totals``, ...); see the class notes.

        ``folder``: a folder of files in ``format`` (:data:`FOLDER_FORMATS`, default xlsx), written by
        :meth:`write_folder`; ``page``: an HTML page (``.html``), written by :meth:`write_page`.

        Raises
        ------
        InputError
            An unknown format, a missing folder, a folder or a non-regular file as the target (a file as the
            target of a folder output).
        UsageError
            The path of one of the run's inputs, or of another output of the run; a folder output in a format
            that is not one of :data:`FOLDER_FORMATS`, or named like a file (``packs.xlsx``) that does not exist.
        """
        given = Path(path)
        if folder:
            self._add_folder(option, given, format or "xlsx", hint)
            return
        if figure:
            kind = check_figure_path(given)
        elif page:
            if given.suffix.lower() not in (".html", ".htm"):
                raise InputError(f"cannot write {option} {given}: a report page is an .html file; name one, e.g. "
                                 f"{given.with_suffix('.html').name}")
            kind = "html"
        elif format is not None:
            if format not in FORMATS:
                raise InputError(f"unknown output format {format!r}; use one of {', '.join(FORMATS)}")
            kind = format
        else:
            kind = _SUFFIX_FORMATS.get(given.suffix.lower())
            if kind is None:
                raise InputError(f"cannot tell the output format of {option} {given}: use a .csv, .xlsx, .parquet or "
                                 f".json suffix{hint}")
        target = Path(os.path.realpath(given))
        where = f"cannot write {option} {given}"
        folder_of = target.parent
        if not folder_of.is_dir():
            raise InputError(f"{where}: folder {given.parent} does not exist; create it first, or name a file "
                             "in an existing folder")
        if target.is_dir():
            raise InputError(f"{where}: it is a folder; name a file, e.g. {given / 'must_stock.csv'}")
        if target.exists() and not stat.S_ISREG(target.stat().st_mode):
            raise InputError(f"{where}: it is not a regular file (a device, pipe or socket), which a finished "
                             "output cannot replace; leave out -o to write CSV to standard output, or name a file")
        self._check_not_taken(option, given, target)
        self._planned[option] = _Planned(option, given, target, kind)

    def _add_folder(self, option: str, given: Path, kind: str, hint: str) -> None:
        where = f"cannot write {option} {given}"
        if kind not in FOLDER_FORMATS:
            raise UsageError(f"{where}: a folder of files is written as {' or '.join(FOLDER_FORMATS)}, not {kind}"
                             f"{hint}")
        target = Path(os.path.realpath(given))
        if target.exists() and not target.is_dir():
            raise InputError(f"{where}: it is a file, and this output is a folder of files (one per dealer); name a "
                             f"folder, e.g. {given.with_suffix('')}_packs/")
        if not target.exists() and given.suffix.lower() in _SUFFIX_FORMATS:
            raise UsageError(f"{where}: this output is a folder of files (one per dealer), and {given.name} names a "
                             f"file; name a folder, e.g. {given.with_suffix('')}/")
        if not target.parent.is_dir():
            raise InputError(f"{where}: folder {given.parent} does not exist; create it first (the run creates "
                             f"{given.name} in it)")
        self._check_not_taken(option, given, target)
        self._planned[option] = _Planned(option, given, target, kind, folder=True)

    def _check_not_taken(self, option: str, given: Path, target: Path) -> None:
        where = f"cannot write {option} {given}"
        for _, real in self._inputs:
            if real == target or (target.exists() and real.exists() and os.path.samefile(real, target)):
                raise UsageError(f"{where}: it is an input of this run; name another file, "
                                 f"e.g. {given.stem}_out{given.suffix}")
        for other in self._planned.values():
            if other.target == target:
                raise UsageError(f"{where}: {other.option} writes {other.path} already; give each output its own file")

    def __contains__(self, option: str) -> bool:
        return option in self._planned

    def format_of(self, option: str) -> str:
        """The format of a declared output (a figure's: ``figure``)."""
        return self._planned[option].kind

    def files(self, option: str) -> list[str]:
        """A folder output: the names of the files written into it, in order (after :meth:`write_folder`)."""
        return list(self._planned[option].files)

    def others(self, option: str) -> list[str]:
        """A folder output: the files already in its folder that this run does not write (after :meth:`write_folder`)."""
        return list(self._planned[option].others)

    def write_table(self, option: str, frame: pd.DataFrame, *, summary: Mapping[str, Any] | None = None,
                    sheet_by: str | None = None, layout: Layout = PLAIN, progress: Progress | None = None) -> None:
        """Write ``frame`` for the declared ``option`` to its temporary file (:func:`write_table`'s formats)."""
        planned = self._planned[option]
        with self._temporary(planned, binary=planned.kind in ("xlsx", "parquet")) as fh:
            _WRITERS[planned.kind](frame, fh, summary, sheet_by, layout, progress)

    def write_folder(self, option: str, files: Sequence[FolderFile], *, progress: Progress | None = None) -> None:
        """Write every file of the declared folder output ``option`` into its temporary folder, in order.

        Raises
        ------
        UsageError
            One of the files would replace an input of the run, or another output.
        InputError
            One of them would replace a folder or a device; the temporary folder cannot be written.
        """
        planned = self._planned[option]
        where = f"cannot write {option} {planned.path}"
        for one in files:
            target = planned.target / one.name
            for source, real in self._inputs:
                if real == target or (target.exists() and real.exists() and os.path.samefile(real, target)):
                    raise UsageError(f"{where}: its file {one.name} would replace {source}, an input of this run; "
                                     "name another folder")
            for other in self._planned.values():
                if other.target == target:
                    raise UsageError(f"{where}: its file {one.name} is {other.option} {other.path}; give each output "
                                     "its own file")
            if target.exists() and not stat.S_ISREG(target.stat().st_mode):
                raise InputError(f"{where}: {target} is a folder or a device, which its file {one.name} cannot "
                                 "replace; move it away, or name another folder")
        aside = planned.target if planned.target.is_dir() else planned.target.parent  # a hidden folder in it
        try:
            planned.temp = Path(tempfile.mkdtemp(dir=aside, prefix=f".{planned.target.name}.", suffix=".tmp"))
        except OSError as exc:
            raise InputError(f"{where}: {exc.strerror}") from None
        rows = max(sum(len(one.frame) for one in files), 1)
        done = 0
        for one in files:  # one file per dealer
            share = len(one.frame) / rows

            def told(part: float, before: int = done, share: float = share) -> None:
                if progress is not None:
                    progress(min((before + part * share * rows) / rows, 1.0))

            try:
                with open(planned.temp / one.name, "wb" if planned.kind == "xlsx" else "w",
                          **({} if planned.kind == "xlsx" else {"encoding": "utf-8", "newline": ""})) as fh:
                    _WRITERS[planned.kind](one.frame, fh, one.summary, one.sheet_by, one.layout, told)
            except OSError as exc:
                raise InputError(f"{where}: {exc.strerror or exc}") from None
            planned.files.append(one.name)
            done += len(one.frame)
            told(1.0)
        written = {name.lower() for name in planned.files}
        if planned.target.is_dir():
            planned.others = sorted(p.name for p in planned.target.iterdir()
                                    if p.is_file() and not p.name.startswith(".") and p.name.lower() not in written)

    def write_page(self, option: str, text: str) -> None:
        """Write the HTML ``text`` for the declared ``option`` to its temporary file (UTF-8)."""
        planned = self._planned[option]
        with self._temporary(planned, binary=False) as fh:
            fh.write(text)

    def write_figure(self, option: str, figure: Any) -> None:
        """Save a matplotlib ``figure`` for the declared ``option`` to its temporary file."""
        planned = self._planned[option]
        with self._temporary(planned, binary=True) as fh:
            _save_figure(figure, fh, planned.target.suffix.lower().lstrip("."))

    @contextlib.contextmanager
    def _temporary(self, planned: _Planned, *, binary: bool) -> Iterator[IO[Any]]:
        try:
            fd, tmp = tempfile.mkstemp(dir=planned.target.parent, prefix=f".{planned.target.name}.", suffix=".tmp")
        except OSError as exc:
            raise InputError(f"cannot write {planned.option} {planned.path}: {exc.strerror}") from None
        planned.temp = Path(tmp)
        try:
            with os.fdopen(fd, "wb" if binary else "w",
                           **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
                yield fh
        except OSError as exc:  # a full disk, a quota: the target is kept, the run stops with the reason
            raise InputError(f"cannot write {planned.option} {planned.path}: {exc.strerror or exc}") from None

    def commit(self) -> None:
        """Rename every written temporary file over its target (each keeps the target's permissions)."""
        for planned in self._planned.values():
            if planned.temp is None:
                continue
            if planned.folder:
                self._commit_folder(planned)
                continue
            target = planned.target
            os.chmod(planned.temp, target.stat().st_mode & 0o777 if target.exists() else 0o666 & ~_umask())
            try:
                os.replace(planned.temp, target)
            except OSError as exc:
                raise InputError(f"cannot write {planned.option} {planned.path}: {exc.strerror}") from None
            planned.temp = None
            self.written.append((planned.option, planned.path))

    def _commit_folder(self, planned: _Planned) -> None:
        temp, target = planned.temp, planned.target
        assert temp is not None
        try:
            if not target.exists():
                os.chmod(temp, 0o777 & ~_umask())
                os.rename(temp, target)  # the whole folder at once
            else:
                self.written.append((planned.option, planned.path))  # from the first file it replaces
                for name in planned.files:
                    mine, theirs = temp / name, target / name
                    os.chmod(mine, theirs.stat().st_mode & 0o777 if theirs.exists() else 0o666 & ~_umask())
                    os.replace(mine, theirs)
                shutil.rmtree(temp, ignore_errors=True)
        except OSError as exc:
            raise InputError(f"cannot write {planned.option} {planned.path}: {exc.strerror}") from None
        planned.temp = None
        if (planned.option, planned.path) not in self.written:
            self.written.append((planned.option, planned.path))

    def discard(self) -> None:
        """Delete the temporary files (and folders) not yet committed."""
        for planned in self._planned.values():
            if planned.temp is not None:
                if planned.folder:
                    shutil.rmtree(planned.temp, ignore_errors=True)
                else:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(planned.temp)
                planned.temp = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self.commit()
        finally:
            self.discard()


def file_names(stems: Sequence[str], suffix: str, *, taken: Iterable[str] = ()) -> list[str]:
    """File names for ``stems`` that every file system takes (Windows' too), unique ignoring case.

    Characters Windows refuses (``<>:"/\\|?*``, control characters) become ``_``; trailing dots and spaces are
    dropped; a device name (CON, NUL, COM1, ...) gets a ``_``; a name is cut to 80 characters (and 200 bytes);
    a name met before (or in ``taken``) gets ``~2``, ``~3``, ...

    >>> file_names(["D01 北京东方", "a/b: c?", "CON", "d01 北京东方", ""], ".xlsx", taken=["summary.xlsx"])
    ['D01 北京东方.xlsx', 'a_b_ c_.xlsx', 'CON_.xlsx', 'd01 北京东方~2.xlsx', '_.xlsx']
    """
    seen = {name.lower() for name in taken}
    out: list[str] = []
    for stem in stems:  # one per dealer: the files a run writes
        clean = "".join("_" if ch in '<>:"/\\|?*' or ord(ch) < 32 else ch for ch in str(stem)).strip()
        clean = clean[:80].rstrip(". ") or "_"
        while len(clean.encode("utf-8")) > 200:
            clean = clean[:-1]
        if clean.split(".")[0].upper() in _DEVICE_NAMES:
            clean += "_"
        candidate, n = clean, 1
        while (candidate + suffix).lower() in seen:
            n += 1
            candidate = f"{clean}~{n}"
        seen.add((candidate + suffix).lower())
        out.append(candidate + suffix)
    return out


_DEVICE_NAMES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}


@contextlib.contextmanager
def _atomic(path: Path, *, binary: bool) -> Iterator[IO[Any]]:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {path}: folder {folder} does not exist")
    if path.is_dir():
        raise InputError(f"cannot write {path}: it is a folder; name a file, e.g. {path / 'must_stock.csv'}")
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
            yield fh
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
        try:
            os.replace(tmp, path)
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror}") from None
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@functools.cache
def _umask() -> int:
    """The process umask, read once (reading it means setting it, so not on every write)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that start like a spreadsheet formula with an apostrophe.

    A text column (object or string) with such a cell comes back as pandas' ``string`` text; the others, and the
    input, are unchanged.  Vectorised: one pyarrow match per text column.
    """
    import pyarrow as pa

    from .csvtext import neutralised, risky

    out = frame.copy()
    for j, column in enumerate(out.columns):
        values = out.iloc[:, j]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype("string")
            arrow = pa.array(text, from_pandas=True)
            if risky(arrow).any():
                out.isetitem(j, pd.Series(text.dtype.__from_arrow__(neutralised(arrow)), index=out.index,
                                          name=column))
    return out


def _write_csv(frame: pd.DataFrame, fh: IO[str], summary: Any, sheet_by: Any, layout: Layout,
               progress: Progress | None) -> None:
    """The text of ``frame.to_csv(index=False, float_format="%.10g", lineterminator="\\n")`` after
    :func:`neutralise_formulas`, byte for byte, rendered by pyarrow (:mod:`spareopt.csvtext`)."""
    from .csvtext import write_csv

    headers = [layout.headers.get(c, c) for c in frame.columns] if layout.headers else None
    write_csv(fh, frame, headers, bom=layout.bom, progress=progress)


def _write_json(frame: pd.DataFrame, fh: IO[str], summary: Any, sheet_by: Any, layout: Any, progress: Any) -> None:
    fh.write(frame.to_json(orient="records", force_ascii=False, double_precision=10))
    fh.write("\n")


def _write_parquet(frame: pd.DataFrame, fh: IO[bytes], summary: Any, sheet_by: Any, layout: Any,
                   progress: Any) -> None:
    table = frame.copy(deep=False)
    table.attrs = {}  # a caller's attrs are not the table (pandas 3 would store them as JSON)
    table.to_parquet(fh, index=False)


def _write_xlsx(frame: pd.DataFrame, fh: IO[bytes], summary: Mapping[str, Any] | None, sheet_by: str | None,
                layout: Layout, progress: Progress | None) -> None:
    """A ``summary`` sheet of the run facts, then one sheet per value of ``sheet_by`` (or one sheet), each with a
    bold header row, frozen and filtered, the number formats of ``layout``, and a print setup (spareopt.workbook)."""
    from .workbook import Sheet, write_xlsx

    frame, groups = groups_of(frame, sheet_by) if sheet_by and sheet_by in frame.columns else (frame, None)
    if groups is None or len(groups) > XLSX_MAX_SHEETS:  # a workbook of 100,000 dealer sheets cannot be browsed
        groups = [(layout.sheet_name, 0, len(frame))]
    too_big = [name for name, start, stop in groups if stop - start > _XLSX_MAX_ROWS]
    if too_big:
        raise InputError(
            f"sheet {too_big[0]!r} would have more rows than Excel allows ({_XLSX_MAX_ROWS:,}); "
            "write .csv or .parquet instead"
        )
    titles = [layout.sheet_titles.get(key, key) for key, _, _ in groups]
    headers = [layout.headers.get(c, str(c)) for c in frame.columns]
    sheets = []
    if summary is not None:
        sheet, item, value = layout.summary
        facts = pd.DataFrame({item: list(summary), value: [_summary_text(v) for v in summary.values()]},
                             dtype=object)
        sheets.append(Sheet(sheet, facts, landscape=False, filter=False))
    for name, title, (_, start, stop) in zip(_sheet_names(titles), titles, groups):
        sheets.append(Sheet(name, frame, headers, layout.kinds, layout.currency, rows=(start, stop),
                            title=_printable(title if layout.sheet_titles else layout.title or title)))
    write_xlsx(fh, sheets, progress=progress)


def groups_of(frame: pd.DataFrame, by: str) -> tuple[pd.DataFrame, list[tuple[str, int, int]]]:
    """``frame`` sorted by ``by`` (itself when it is already), and the rows ``start:stop`` of each value, sorted.

    >>> frame, groups = groups_of(pd.DataFrame({"dealer": ["D2", "D1", "D1"], "q": [1, 2, 3]}), "dealer")
    >>> frame["q"].tolist(), groups
    ([2, 3, 1], [('D1', 0, 2), ('D2', 2, 3)])
    """
    codes, keys = pd.factorize(frame[by], sort=True)
    if len(codes) and not (np.diff(codes) >= 0).all():
        order = np.argsort(codes, kind="stable")
        frame, codes = frame.take(order), codes[order]
    bounds = np.searchsorted(codes, np.arange(len(keys) + 1))
    return frame, [(str(key), int(a), int(b)) for key, a, b in zip(keys, bounds[:-1], bounds[1:])]


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _summary_text(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return value


def _sheet_names(names: list[str]) -> list[str]:
    """Excel sheet names: at most 31 characters (UTF-16 units), none of ``[]:*?/\\`` nor a control character, no
    apostrophe at either end, not Excel's reserved ``History``, unique ignoring case (``summary`` is taken)."""
    out: list[str] = []
    seen: set[str] = {"summary"}
    for name in names:  # one per sheet
        clean = "".join("_" if ch in '[]:*?/\\' or not ch.isprintable() else ch for ch in name).strip("'")
        clean = _utf16_cut(clean, 31) or "_"
        if clean.lower() == "history":
            clean += "_"
        candidate, n = clean, 1
        while candidate.lower() in seen:
            n += 1
            candidate = f"{_utf16_cut(clean, 31 - len(str(n)) - 1).rstrip(chr(39))}~{n}"
        seen.add(candidate.lower())
        out.append(candidate)
    return out


def _utf16_cut(text: str, units: int) -> str:
    while len(text.encode("utf-16-le")) // 2 > units:
        text = text[:-1]
    return text


_WRITERS = {"csv": _write_csv, "json": _write_json, "parquet": _write_parquet, "xlsx": _write_xlsx}
