"""Reading and writing tables: the only module that touches files.

Reading
    :func:`read_table` reads CSV/TSV (also gzip-compressed), XLSX or Parquet, or ``-``
    for CSV on standard input, into a :class:`Table`: the raw cells plus the
    spreadsheet row number of every row, so that later checks can name the row.
    Text files are decoded as UTF-8 (with or without BOM) and fall back to
    GB18030 (a superset of GBK), the encodings of Chinese DMS exports; an
    explicit ``encoding`` overrides the detection.

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
import datetime as dt
import functools
import io
import lzma
import os
import shlex
import shutil
import stat
import sys
import tempfile
import warnings
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
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_XLSX_MAX_ROWS = 1_048_575  # one header row

XLSX_MAX_SHEETS = 500
"""An XLSX output has one sheet per dealer up to this many dealers; above, one ``network`` sheet."""


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
    """

    def __init__(self, frame: pd.DataFrame | None = None, source: str = "<input>", rows: np.ndarray | None = None,
                 encoding: str | None = None, sheet: str | None = None, headers: tuple[str, ...] = (),
                 exact: bool = True, *, arrow: Any = None, first_row: int = 1, delimiter: str | None = None) -> None:
        self.delimiter = delimiter
        self.sheets: tuple[str, ...] = ()  # the XLSX sheets read (stacked in this order)
        self.sheets_ignored: tuple[str, ...] = ()  # an XLSX's other sheets with data, not read
        self.date_1904 = False  # an XLSX in the 1904 date system (Excel for the Mac)
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


Select = Callable[[list[str]], Mapping[str, str]]
"""Given a source's headers, the headers to read, each with its kind: ``"text"`` or ``"number"``."""


def read_table(
    source: str | PathLike[str] | pd.DataFrame | bytes,
    *,
    encoding: str | None = None,
    select: Select | None = None,
    fast: bool = True,
    sheet: str | None = None,
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

    Notes
    -----
    UTF-8 CSV is read by pyarrow's multithreaded reader.  Whatever that fast path
    cannot read exactly (another encoding, a malformed row, text in a number
    column), pandas' C parser reads again cell by cell, so that every error names
    its row.

    Raises
    ------
    InputError
        A missing, empty, undecodable or malformed file; a header with no rows;
        an XLSX with no sheet that holds data, or whose sheet lacks the columns
        (the message lists every sheet with its headers).
    UsageError
        ``sheet`` for a source that is not an XLSX workbook, or a sheet name the
        workbook does not have.
    """
    if sheet is not None:
        _check_sheet_source(source, sheet)
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
        return _read_text(source, "<stdin>", encoding, compression=None, select=select, fast=fast)
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
        return _selected(_read_xlsx(path, sheet, select), select)
    if kind == "xls":
        raise InputError(f"file {path} is an old .xls workbook; save it as .xlsx or .csv and try again")
    if sheet is not None:
        raise UsageError(f"--sheet {sheet}: file {path} is a {'Parquet' if kind == 'parquet' else 'text'} file, "
                         "which has no sheets; leave out --sheet")
    if kind == "parquet":
        return _read_parquet(path, select)
    try:
        return _read_text(path, str(path), encoding, compression="infer", select=select, fast=fast)
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


def read_stdin() -> bytes:
    """All of standard input, as bytes (for :func:`read_table`)."""
    return sys.stdin.buffer.read()


def _selected(table: Table, select: Select | None) -> Table:
    headers = tuple(table.frame.columns)
    frame = table.frame if select is None else table.frame[list(select(list(headers)))]
    selected = Table(frame, table.source, table.rows, table.encoding, table.sheet, headers, delimiter=table.delimiter)
    selected.sheets, selected.sheets_ignored, selected.date_1904 = table.sheets, table.sheets_ignored, table.date_1904
    return selected


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
               select: Select | None = None, fast: bool = True) -> Table:
    if fast and select is not None and (encoding or "utf-8").lower().replace("_", "-") in ("utf-8", "utf8", "utf-8-sig"):
        fast = _read_text_fast(data, name, select)
        if fast is not None:
            return fast
    table = _read_text_exact(data, name, encoding, compression)
    return _selected(table, select)


def _read_text_fast(data: Path | bytes, name: str, select: Select) -> Table | None:
    """pyarrow's multithreaded CSV reader, typed by ``select``; None where it cannot read the file exactly."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    try:
        sep = _sniff_delimiter(data, "utf-8-sig", name)
        source = pa.BufferReader(data) if isinstance(data, bytes) else str(data)
        with pacsv.open_csv(source, parse_options=pacsv.ParseOptions(delimiter=sep)) as reader:
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
            parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=list(types), strings_can_be_null=True,
                quoted_strings_can_be_null=True, null_values=[""],
            ),
        )
    except (pa.ArrowException, UnicodeDecodeError, OSError, ValueError):
        return None
    if arrow.num_rows == 0:
        return None
    import pyarrow.compute as pc

    for name_ in arrow.column_names:  # NaN or inf written as text: the exact reader names the rows
        column = arrow.column(name_)
        if pa.types.is_floating(column.type) and pc.any(pc.invert(pc.is_finite(column))).as_py():
            return None
    arrow = arrow.rename_columns(list(kinds))
    return Table(None, name, encoding="utf-8", headers=tuple(headers), exact=False, arrow=arrow, first_row=2,
                 delimiter=sep)


def _read_text_exact(data: Path | bytes, name: str, encoding: str | None, compression: str | None) -> Table:
    candidates = [encoding] if encoding else ["utf-8-sig", "gb18030"]
    errors = []
    for enc in candidates:
        if enc.lower().replace("_", "-") not in ("utf-8", "utf8", "utf-8-sig") and _starts_with_bom(data):
            data, compression = _raw_bytes(data).removeprefix(codecs.BOM_UTF8), None  # a BOM before GBK text
        try:
            sep = _sniff_delimiter(data, enc, name)
            options = {"sep": sep, "dtype": str, "keep_default_na": False, "na_filter": False, "skip_blank_lines": False,
                           "encoding": enc, "compression": compression, "index_col": False}
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
            raise InputError(f"file {name} is not a well-formed table: {str(exc).strip()}. Check the delimiters and quotes") from None
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
        return Table(frame, name, np.arange(len(frame)) + 2, encoding=used, headers=tuple(frame.columns),
                     delimiter=sep)
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
    title = (f"file {name}: the first line ({str(header.columns[0])[:60]!r}) has 1 cell but the rows below have "
             "more: a title above the header? Delete the lines above the header row and try again")
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
        if width[0] == 1:  # one cell in the first line, several below: a title above the header
            raise InputError(title) from None
        raise InputError(
            f"file {name}: a row has {len(cells)} cells but the header has {width[0]} "
            f"(cells: {', '.join(map(repr, cells[:8]))}); fix the delimiters or quotes in that row"
        ) from None


class _LongRow(Exception):
    pass


def _sniff_delimiter(data: Path | bytes, encoding: str, name: str) -> str:
    if isinstance(data, Path):
        if data.suffixes and data.suffixes[0].lower() in {".tsv", ".tab"}:
            return "\t"
        opener = _open_maybe_compressed(data)
        with opener as fh:
            head = fh.read(65536)
    else:
        head = data[:65536]
    text = head.decode(encoding, errors="ignore")
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: first.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] > 0 else ","


def _raw_bytes(data: Path | bytes) -> bytes:
    """The bytes of a text source, decompressed."""
    if isinstance(data, bytes):
        return data
    with _open_maybe_compressed(data) as fh:
        return fh.read()


def _starts_with_bom(data: Path | bytes) -> bool:
    if isinstance(data, bytes):
        return data.startswith(codecs.BOM_UTF8)
    with _open_maybe_compressed(data) as fh:
        return fh.read(3) == codecs.BOM_UTF8


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
    return path.open("rb")


# -- XLSX ---------------------------------------------------------------------------------------


XLSX_HEADER_ROWS = 1000
"""The header row of a sheet must be within its first rows (title lines may stand above it)."""

XLSX_MAX_COLUMNS = 1024
"""The header of a sheet is looked for in its first columns: a used range as wide as Excel allows is not read."""


ALL_SHEETS = "all"
"""``sheet=ALL_SHEETS`` (``--sheet all``) stacks every sheet of a workbook that holds the table (one per dealer,
month or year)."""

_SHEETS_LISTED = 12  # an error lists this many sheets, each with its first headers
_HEADERS_LISTED = 8


@dataclass
class _Sheet:
    """One worksheet and where its table starts: its header row and headers (None for a sheet without data)."""

    ws: Any
    row: int | None
    header: list[str] | None

    @property
    def title(self) -> str:
        return str(self.ws.title)

    @property
    def hidden(self) -> bool:
        return self.ws.sheet_state != "visible"


def _read_xlsx(path: Path, sheet: str | None = None, select: Select | None = None) -> Table:
    """Read one sheet of a workbook, or stack several (``sheet="all"``).

    ``sheet=None`` reads the first visible sheet that holds data; the other sheets with data are listed in
    ``Table.sheets_ignored`` (the run report warns of them: a workbook split by dealer or year is not read whole).
    A sheet name reads that sheet; ``"all"`` every sheet whose header has the columns ``select`` asks for, in
    workbook order, their rows labelled ``SHEET!ROW``.  When the sheet read lacks those columns, the error lists
    every sheet with its headers, and names the sheets that have them.
    """
    import openpyxl

    handle = path.open("rb")  # a handle, so that the name's suffix does not matter to openpyxl
    try:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a damaged file; each is this error
        handle.close()
        raise InputError(f"file {path} is not a readable XLSX workbook ({exc}); open and save it again in Excel") from None
    try:
        found = [_Sheet(ws, *_xlsx_header(ws)) for ws in book.worksheets]
        chosen, ignored = _chosen_sheets(path, found, sheet, select)
        frames, labels = [], []
        for one in chosen:
            check_headers(one.header, f"file {path}, sheet {one.title!r},")
            frame, rows = _sheet_cells(path, one)
            frames.append(frame[chosen[0].header] if one is not chosen[0] else frame)
            labels.append(rows if len(chosen) == 1 else np.char.add(f"{one.title}!", rows.astype(str)).astype(object))
        frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
        if frame.empty:
            where = f"sheet {chosen[0].title!r}" if len(chosen) == 1 else f"sheets {_titles(chosen)}"
            raise InputError(f"file {path}, {where} has a header (row {chosen[0].row}) but no rows; "
                             "export the data rows too")
        frame.columns = [str(c).strip() for c in frame.columns]
        titles = tuple(one.title for one in chosen)
        shown = ", ".join(titles) if len(titles) <= 5 else f"{', '.join(titles[:3])}, ... {titles[-1]} ({len(titles)} sheets)"
        table = Table(frame, str(path), np.concatenate(labels), sheet=shown)
        table.sheets, table.sheets_ignored = titles, ignored
        table.date_1904 = book.epoch.year == 1904  # its serial numbers count days from 1904-01-01
        return table
    except (InputError, UsageError):
        raise
    except Exception as exc:  # noqa: BLE001 - a sheet's XML is parsed as it is read: a damaged or hostile part
        refused = "entit" in str(exc).lower()  # an entity expansion (billion laughs) or an external entity (XXE)
        raise InputError(f"file {path} is not a readable XLSX workbook ({type(exc).__name__}: {exc})"
                         + ("; its XML declares entities, which a spreadsheet never writes: it is refused"
                            if refused else "; open and save it again in Excel")) from None
    finally:
        book.close()
        handle.close()


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


def _sheet_cells(path: Path, one: _Sheet) -> tuple[pd.DataFrame, np.ndarray]:
    """The cells below a sheet's header as text, as wide as the header, the empty tail dropped; and their rows.

    A blank row is kept (an empty row, reported as such) only where data follows it.
    """
    header, width = one.header or [], len(one.header or ())
    cells, rows, blank = [], [], []
    data = one.ws.iter_rows(min_row=(one.row or 0) + 1, values_only=True, max_col=width)
    for number, values in enumerate(data, start=(one.row or 0) + 1):
        texts = [_cell_text(v) for v in values]
        if not any(texts):
            blank.append(number)  # kept (and reported) only when data follows: not the empty tail
            continue
        if blank:
            cells += [[""] * width for _ in blank]
            rows += blank
            blank = []
        cells.append(texts)
        rows.append(number)
    frame = pd.DataFrame([(r + [""] * width)[:width] for r in cells], columns=header, dtype=str)
    if (frame == "").to_numpy().any():  # an empty cell may be a formula whose value was never stored
        _check_formulas(path, one.title, one.row or 0, width, frame, header)
    return frame, np.asarray(rows, dtype=np.int64)


def _check_formulas(path: Path, title: str, header_row: int, width: int, frame: pd.DataFrame,
                    header: list[str]) -> None:
    """Empty cells that hold a formula: a workbook written by a program, never opened in Excel, stores no value
    for them; read as empty they would be "no record", and the rows would be lost in silence."""
    import openpyxl

    with path.open("rb") as handle:
        book = openpyxl.load_workbook(handle, read_only=True, data_only=False)
        try:
            sheet = book[title]
            empty = (frame == "").to_numpy()
            found = []
            for i, values in enumerate(sheet.iter_rows(min_row=header_row + 1, values_only=True, max_col=width)):
                if i < len(empty) and empty[i].any():
                    found += [(header_row + 1 + i, j, v) for j, v in enumerate(values)
                              if empty[i, j] and isinstance(v, str) and v.startswith("=")]
                if len(found) >= 5:
                    break
        finally:
            book.close()
    if found:
        row, j, formula = found[0]
        raise InputError(f"file {path}, sheet {title!r}: row {row}, column {header[j]!r} holds the formula "
                         f"{formula[:40]!r} without a stored value (the workbook was written by a program and never "
                         "saved by Excel); open it in Excel and save it, or export the values as CSV")


def _xlsx_header(sheet: Any) -> tuple[int | None, list[str] | None]:
    """The first row with a value among the first :data:`XLSX_HEADER_ROWS` rows and :data:`XLSX_MAX_COLUMNS`
    columns, trailing empty cells dropped; (None, None) for a sheet without one.

    The used range a sheet declares may be huge (one stray cell at XFD1048576): it is never read whole.
    """
    search = sheet.iter_rows(values_only=True, max_row=XLSX_HEADER_ROWS,
                             max_col=min(sheet.max_column or XLSX_MAX_COLUMNS, XLSX_MAX_COLUMNS))
    for number, values in enumerate(search, start=1):
        texts = [_cell_text(v) for v in values]
        if any(texts):
            while texts and texts[-1] == "":
                texts.pop()
            return number, texts
    return None, None


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
        Told the share of the write done (XLSX: as each chunk of rows is rendered and zipped).

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
        figure.savefig(fh, format=fmt, dpi=150)


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
            hint: str = "", folder: bool = False) -> None:
        """Declare and check the output of ``option`` (``-o``, ``--totals``, ...); see the class notes.

        ``folder``: a folder of files in ``format`` (:data:`FOLDER_FORMATS`, default xlsx), written by
        :meth:`write_folder`.

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

    def write_figure(self, option: str, figure: Any) -> None:
        """Save a matplotlib ``figure`` for the declared ``option`` to its temporary file."""
        planned = self._planned[option]
        with self._temporary(planned, binary=True) as fh:
            figure.savefig(fh, format=planned.target.suffix.lower().lstrip("."), dpi=150)

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
    """Prefix text cells that start like a spreadsheet formula with an apostrophe."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype("string")
            risky = text.str.startswith(_FORMULA_START, na=False)
            if risky.any():
                out[column] = text.where(~risky, "'" + text)
    return out


def _write_csv(frame: pd.DataFrame, fh: IO[str], summary: Any, sheet_by: Any, layout: Layout, progress: Any) -> None:
    if layout.bom:
        fh.write("\ufeff")
    table = neutralise_formulas(frame)
    if layout.headers:
        table.columns = [layout.headers.get(c, c) for c in table.columns]
    table.to_csv(fh, index=False, float_format="%.10g", lineterminator="\n")


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
        facts = pd.DataFrame({"item": list(summary), "value": [_summary_text(v) for v in summary.values()]},
                             dtype=object)
        sheets.append(Sheet("summary", facts, landscape=False, filter=False))
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
