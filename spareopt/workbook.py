"""Writing XLSX workbooks: each sheet's rows as XML text built column by column, packaged by xlsxwriter.

Only :mod:`spareopt.io` calls :func:`write_xlsx`, on the temporary file it opened: io stays the one module that
decides which files are written; this one writes a workbook into the stream it is given.

Why not ``Worksheet.write_row``: xlsxwriter (and openpyxl) build one Python object per cell, 3.6 µs a cell,
about 90 s for 1M rows x 24 columns, and ``constant_memory`` bounds their memory, not their time.  Here each
column of a chunk of :data:`CHUNK_ROWS` rows becomes its cells' XML in a few pyarrow operations, and the row
strings are joined the same way: no Python object per cell, and memory bounded by the chunk, as constant_memory
bounds it.  xlsxwriter does everything else (styles and number formats, shared strings, the frozen header, the
filter, the print setup, the zip) through a :class:`xlsxwriter.worksheet.Worksheet` subclass, its documented
extension point (``add_worksheet(worksheet_class=...)``), whose ``sheetData`` is these rows.

The cells follow ECMA-376 Part 1, §18.3.1: text goes to the shared string table, numbers are written at full
precision (the shortest text that reads back as the same double), ±inf as ``#DIV/0!`` (xlsxwriter's
``nan_inf_to_errors``), and a missing value as a blank cell.  Cells carry no ``r`` reference (optional,
§18.3.1.4: Excel, LibreOffice, openpyxl and calamine place them in order), which halves the time spent deflating
the sheet.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from xlsxwriter import Workbook
from xlsxwriter.exceptions import FileCreateError
from xlsxwriter.worksheet import Worksheet

from .errors import InputError

__all__ = ["CHUNK_ROWS", "NUMBER_FORMATS", "Sheet", "write_xlsx"]

CHUNK_ROWS = 50_000
"""Rows rendered at a time: the memory of a write is a chunk's XML (about 30 MB at 24 columns), not the sheet's."""

NUMBER_FORMATS = {
    "integer": "#,##0",
    "number": "#,##0.00",
    "rate": "0.0%",
    "money": "#,##0.00",
    "date": "yyyy-mm-dd",
}
"""The Excel number format of each kind of column (``money`` is shown with the currency: :func:`number_format`;
``quantity`` is ``integer`` when every value is whole, else ``number``)."""

KINDS = (*NUMBER_FORMATS, "quantity", "text")
"""The kinds of column a :class:`Sheet` knows; any other column is shown as written (Excel's General)."""

MAX_CELL_TEXT = 32_767
"""The most characters Excel keeps in a cell."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_HEADER_LIMIT = 100  # characters of a print header's title (Excel's limit is 255 for the whole header)
_MAX_WIDTH, _MIN_WIDTH = 60.0, 5.0
_FILTER_BUTTON = 3.0  # the width the filter's drop-down takes in a header cell
_ZIP_SHARE = 0.6  # of a write's progress: deflating and zipping the rendered sheets
_ZIP64_CELLS = 60_000_000  # cells above which a sheet's XML may pass zip's 2 GB member limit
_IN_MEMORY_CELLS = 200_000  # a smaller workbook's parts are assembled in memory, a larger one's in temporary files


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: a table with its headers, the kind of each column, and its print setup.

    Attributes
    ----------
    name : str
        The sheet's tab (valid for Excel already: at most 31 characters, none of ``[]:*?/\\``, unique).
    frame : DataFrame
        The rows; its columns in order.  Text that would start a formula is written with a leading ``'``.
    headers : sequence of str
        The header of each column (default: the column names).
    kinds : mapping
        Column -> kind (:data:`KINDS`): its number format.  Columns not named are shown as written.
    currency : str
        Shown before every ``money`` value, e.g. ``CNY 1,234.50``; empty for none.
    title : str
        The print header, on the left of every printed page (``&`` is taken literally).
    landscape : bool
        Print across the page; every sheet prints fitted to one page wide, its header row on every page.
    filter : bool
        A filter on the header row.
    rows : (start, stop) or None
        The sheet's rows of ``frame`` (default: all).  Sheets that share one frame (one per dealer) share its
        preparation, done once: its text's shared strings, its number formats and its column widths.
    """

    name: str
    frame: pd.DataFrame
    headers: Sequence[str] = ()
    kinds: Mapping[str, str] = field(default_factory=dict)
    currency: str = ""
    title: str = ""
    landscape: bool = True
    filter: bool = True
    rows: tuple[int, int] | None = None

    @property
    def span(self) -> tuple[int, int]:
        return self.rows if self.rows is not None else (0, len(self.frame))


def number_format(kind: str, currency: str = "") -> str | None:
    """The Excel number format of a kind of column (None: General).

    >>> number_format("money", "CNY"), number_format("rate"), number_format("text")
    ('"CNY "#,##0.00', '0.0%', None)
    """
    if kind == "money" and currency:
        return f'"{currency} "' + NUMBER_FORMATS["money"]
    return NUMBER_FORMATS.get(kind)


def write_xlsx(target: IO[bytes], sheets: Sequence[Sheet], *,
               progress: Callable[[float], None] | None = None) -> None:
    """Write ``sheets`` as one workbook into the binary stream ``target``.

    ``progress`` is called with the share of the write done, from 0 to 1, as sheets are rendered and zipped.
    An interrupted or failed write (Ctrl-C, a full disk) stops at once and leaves nothing open on ``target``
    (:class:`_Releasable`), nor any of xlsxwriter's temporary files.

    Raises
    ------
    InputError
        A text cell longer than Excel keeps (:data:`MAX_CELL_TEXT`).
    OSError
        The stream could not be written (a full disk).
    """
    cells = sum((s.span[1] - s.span[0]) * max(len(s.frame.columns), 1) for s in sheets)
    scratch = tempfile.mkdtemp(prefix="spareopt-xlsx-")  # xlsxwriter's parts, deleted whatever happens
    zip_target = _Releasable(target)
    try:
        book = Workbook(zip_target, {"tmpdir": scratch, "in_memory": cells < _IN_MEMORY_CELLS,
                                     "strings_to_formulas": False, "strings_to_urls": False,
                                     "strings_to_numbers": False})
        if any((s.span[1] - s.span[0]) * len(s.frame.columns) > _ZIP64_CELLS for s in sheets):
            book.use_zip64()
        meter = _Meter(progress, cells)
        strings = _SharedStrings(book.str_table)
        bold = book.add_format({"bold": True, "bottom": 1})._get_xf_index()
        prepared: dict[tuple[int, tuple[str, ...]], _Table] = {}  # the sheets of one frame share its preparation
        for sheet in sheets:
            headers = tuple(str(h) for h in (sheet.headers or sheet.frame.columns))
            key = (id(sheet.frame), headers)
            if key not in prepared:
                prepared[key] = _prepare(sheet, headers, book, strings)
            _add_sheet(book, sheet, prepared[key], bold, meter)
        zip_target.counter = meter.zipped
        try:
            book.close()  # renders each sheet's rows (_TableSheet), then zips every part into zip_target
        except FileCreateError as exc:  # xlsxwriter wraps the OSError of a full disk
            raise (exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))) from None
        meter.done()
    finally:
        zip_target.release()
        shutil.rmtree(scratch, ignore_errors=True)


# -- one sheet -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    """A frame prepared once for every sheet that shows rows of it: its columns, the shared-string index of each
    header, and each column's width."""

    columns: list[_Column]
    header_index: np.ndarray
    widths: list[float]


def _prepare(sheet: Sheet, headers: tuple[str, ...], book: Any, strings: _SharedStrings) -> _Table:
    columns = [_column(sheet.frame[name], name, sheet, book, strings) for name in sheet.frame.columns]
    text = pd.Series(headers, dtype=object)
    header_widths = _text_widths(text) * 1.1 + (_FILTER_BUTTON if sheet.filter else 1.0)
    widths = [float(np.clip(max(h, c.width + 1.5), _MIN_WIDTH, _MAX_WIDTH)) for h, c in zip(header_widths, columns)]
    return _Table(columns, strings.add(text, len(headers)), widths)


def _add_sheet(book: Any, sheet: Sheet, table: _Table, bold: int, meter: _Meter) -> None:
    page = book.add_worksheet(sheet.name, worksheet_class=_TableSheet)
    start, stop = sheet.span
    page.spareopt_rows = _Rows(table.columns, start, stop, table.header_index, bold, meter)
    n, width = stop - start, len(table.columns)
    if width:
        page.dim_rowmin, page.dim_rowmax, page.dim_colmin, page.dim_colmax = 0, n, 0, width - 1
        for j, column_width in enumerate(table.widths):
            page.set_column(j, j, column_width)
        if sheet.filter:
            page.autofilter(0, 0, n, width - 1)
    page.freeze_panes(1, 0)
    if sheet.landscape:
        page.set_landscape()
    page.set_paper(9)  # A4
    page.fit_to_pages(1, 0)  # one page wide, as many long as the rows need
    page.repeat_rows(0)
    if sheet.title:
        page.set_header("&L" + sheet.title[:_HEADER_LIMIT].replace("&", "&&"))
    page.set_footer("&R&P / &N")


@dataclass
class _Column:
    """One column as the sources of its cells: numbers, shared-string indices and booleans (pyarrow arrays, null
    where the source has no value; a cell takes the first source with one, else it is blank)."""

    numbers: Any = None
    strings: Any = None
    booleans: Any = None
    infinite: bool = False
    style: int | None = None
    width: float = 0.0


def _column(values: pd.Series, name: Any, sheet: Sheet, book: Any, strings: _SharedStrings) -> _Column:
    kind = sheet.kinds.get(name, "")
    out = _Column()
    numbers: np.ndarray | None = None
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        categories = pd.Series(np.asarray(dtype.categories, dtype=object), dtype=object).astype(str)
        codes = values.cat.codes.to_numpy()
        out.strings = _string_source(codes, strings.add(categories, int((codes >= 0).sum())))
        out.width = _text_width(categories)
    elif pd.api.types.is_bool_dtype(dtype):
        out.booleans = pa.array(values, type=pa.bool_(), from_pandas=True)
        out.width = 5.0
    elif pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = pd.to_datetime(values).dt.tz_localize(None) if getattr(dtype, "tz", None) else values
        numbers = ((stamps - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)).to_numpy(dtype=np.float64,
                                                                                        na_value=np.nan)
        kind = "date"
    elif pd.api.types.is_numeric_dtype(dtype):
        numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)
        out.numbers = pa.array(values.to_numpy(dtype=np.int64) if pd.api.types.is_integer_dtype(dtype) and
                               not values.hasnans else numbers, from_pandas=True)
    else:
        inferred = pd.api.types.infer_dtype(values, skipna=True)
        if inferred in ("integer", "floating", "mixed-integer-float", "decimal"):
            numbers = pd.to_numeric(values).to_numpy(dtype=np.float64, na_value=np.nan)
            out.numbers = pa.array(numbers, from_pandas=True)
        elif inferred == "boolean":
            out.booleans = pa.array(values.astype("boolean"), type=pa.bool_(), from_pandas=True)
            out.width = 5.0
        else:  # text, or a mix (the summary's values): numbers as numbers, the rest as text
            is_number = (values.map(_is_number, na_action="ignore").fillna(False).to_numpy(dtype=bool)
                         if inferred not in ("string", "empty") else np.zeros(len(values), dtype=bool))
            if is_number.any():
                numbers = np.full(len(values), np.nan)
                numbers[is_number] = values[is_number].to_numpy(dtype=np.float64)
                out.numbers = pa.array(numbers, from_pandas=True)
            text = values.where(~is_number & values.notna() & (values != ""))  # empty text: a blank cell
            codes, uniques = pd.factorize(text)
            unique_text = pd.Series(uniques, dtype=object).astype(str)
            out.strings = _string_source(codes, strings.add(unique_text, int((codes >= 0).sum())))
            out.width = _text_width(unique_text)
    if numbers is not None:
        if out.numbers is None:
            out.numbers = pa.array(numbers, from_pandas=True)
        finite = numbers[np.isfinite(numbers)]
        out.infinite = len(finite) < int((~np.isnan(numbers)).sum())
        kind = kind if kind in KINDS else ""
        if kind == "quantity":
            kind = "integer" if np.array_equal(finite, np.round(finite)) else "number"
        out.width = max(out.width, _number_width(finite, kind, sheet.currency))
    chosen = number_format(kind, sheet.currency) if numbers is not None else None
    if chosen is not None:
        out.style = book.add_format({"num_format": chosen})._get_xf_index()
    return out


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_))


def _string_source(codes: np.ndarray, index: np.ndarray) -> Any:
    codes = np.asarray(codes)
    missing = codes < 0
    return pa.array(index[np.where(missing, 0, codes)] if len(index) else np.zeros(len(codes), dtype=np.int64),
                    mask=missing)


def _text_widths(text: pd.Series) -> np.ndarray:
    """The width of each of ``text`` in character widths (a CJK character takes two), at most the widest column."""
    wide = text.str.count(r"[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60"
                          r"\uffe0-\uffe6]")
    return np.minimum((text.str.len() + wide).to_numpy(dtype=np.float64), _MAX_WIDTH)


def _text_width(text: pd.Series) -> float:
    """The widest of ``text`` (0 for none)."""
    return float(_text_widths(text).max()) if len(text) else 0.0


def _number_width(finite: np.ndarray, kind: str, currency: str) -> float:
    if not len(finite):
        return 0.0
    largest = float(np.abs(finite).max())
    digits = len(f"{largest:,.0f}") + (finite < 0).any()
    if kind == "rate":
        return 7.0
    if kind in ("number", "money"):
        return digits + 3.0 + (len(currency) + 1 if kind == "money" and currency else 0)
    if kind in ("integer", "date"):
        return float(digits if kind == "integer" else 10)
    return 12.0 if not np.array_equal(finite, np.round(finite)) else float(len(f"{largest:.0f}"))


class _SharedStrings:
    """The workbook's shared string table (xlsxwriter's), filled with each column's distinct values at once."""

    def __init__(self, table: Any) -> None:
        self.table = table

    def add(self, text: pd.Series, references: int) -> np.ndarray:
        """The table's index of every value of ``text`` (distinct strings), referenced ``references`` times.

        Text that would start a formula gets a leading apostrophe; text that xlsxwriter would take for its own
        rich-string markup (``<r>...</r>``) is stored as one plain run, so that it reads back as written.
        """
        if text.empty:
            return np.zeros(0, dtype=np.int64)
        too_long = text.str.len() > MAX_CELL_TEXT
        if too_long.any():
            first = text[too_long].iloc[0]
            raise InputError(f"a text cell has {len(first):,} characters, more than an XLSX cell keeps "
                             f"({MAX_CELL_TEXT:,}; it starts {first[:40]!r}); write .csv or .parquet instead")
        risky = text.str.startswith(_FORMULA_START)
        text = text.where(~risky, "'" + text)
        markup = text.str.startswith("<r>") & text.str.endswith("</r>")
        if markup.any():
            escaped = text[markup].str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")
            text = text.where(~markup, '<r><t xml:space="preserve">' + escaped + "</t></r>")
        index = np.fromiter(map(self.table._get_shared_string_index, text.tolist()), dtype=np.int64,
                            count=len(text))
        self.table.count += max(references - len(text), 0)
        return index


# -- the rows, rendered when xlsxwriter writes the sheet -----------------------------------------------------------


class _Meter:
    """The share of a write done: rendering the cells, then zipping them (by the compressed bytes written against
    an estimate from the first chunk's compression ratio)."""

    def __init__(self, progress: Callable[[float], None] | None, cells: int) -> None:
        self.progress, self.cells = progress, max(cells, 1)
        self.rendered = 0
        self.xml_bytes = 0
        self.ratio: float | None = None
        self.written = 0
        self.shown = 0.0

    def render(self, cells: int, chunk: memoryview) -> None:
        self.rendered += cells
        self.xml_bytes += len(chunk)
        if self.ratio is None and len(chunk):
            sample = bytes(chunk[:1 << 20])
            self.ratio = len(zlib.compress(sample, 6)) / len(sample)
        self._show((1 - _ZIP_SHARE) * self.rendered / self.cells)

    def zipped(self, size: int) -> None:
        self.written += size
        expected = self.xml_bytes * (self.ratio or 0.1) + 1
        self._show(1 - _ZIP_SHARE + _ZIP_SHARE * min(self.written / expected, 0.99))

    def done(self) -> None:
        self._show(1.0)

    def _show(self, share: float) -> None:
        if self.progress is not None and (share - self.shown >= 0.005 or share == 1.0):
            self.shown = share
            self.progress(share)


class _Rows:
    """A sheet's header and rows, written as XML when xlsxwriter assembles the sheet."""

    def __init__(self, columns: list[_Column], start: int, stop: int, header_index: np.ndarray, bold: int,
                 meter: _Meter) -> None:
        self.columns, self.start, self.stop = columns, start, stop
        self.header_index, self.bold, self.meter = header_index, bold, meter

    def write(self, fh: IO[str]) -> None:
        if not self.columns:
            return
        header = "".join(f'<c s="{self.bold}" t="s"><v>{i}</v></c>' for i in self.header_index.tolist())
        fh.write(f'<row r="1">{header}</row>')
        for start in range(self.start, self.stop, CHUNK_ROWS):  # chunks of rows: each rendered column by column
            stop = min(start + CHUNK_ROWS, self.stop)
            chunk = self._render(start, stop)
            _write_text(fh, chunk)
            self.meter.render((stop - start) * len(self.columns), chunk)

    def _render(self, start: int, stop: int) -> memoryview:
        """The XML of rows ``start:stop`` of the frame (the sheet's rows 2, 3, ... from its first row)."""
        cells = [_cells(column, start, stop) for column in self.columns]
        first = start - self.start + 2
        numbers = pc.cast(pa.array(np.arange(first, first + stop - start)), pa.string())
        rows = pc.binary_join_element_wise('<row r="', numbers, '">', *cells, "</row>", "")
        offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32)
        data = rows.buffers()[2]
        return memoryview(data)[offsets[rows.offset]:offsets[rows.offset + len(rows)]] if data is not None \
            else memoryview(b"")


def _cells(column: _Column, start: int, stop: int) -> Any:
    """The XML of one column's cells in rows ``start:stop``: a pyarrow string array."""
    style = f' s="{column.style}"' if column.style is not None else ""
    choices = []
    if column.numbers is not None:
        values = column.numbers.slice(start, stop - start)
        cell = pc.binary_join_element_wise(f"<c{style}><v>", pc.cast(values, pa.string()), "</v></c>", "")
        if column.infinite:
            cell = pc.if_else(pc.is_inf(values), f'<c{style} t="e"><v>#DIV/0!</v></c>', cell)
        choices.append(cell)
    if column.strings is not None:
        index = column.strings.slice(start, stop - start)
        choices.append(pc.binary_join_element_wise(f'<c{style} t="s"><v>', pc.cast(index, pa.string()), "</v></c>",
                                                   ""))
    if column.booleans is not None:
        choices.append(pc.if_else(column.booleans.slice(start, stop - start), '<c t="b"><v>1</v></c>',
                                  '<c t="b"><v>0</v></c>'))
    blank = pa.scalar(f"<c{style}/>")
    return pc.coalesce(*choices, blank) if choices else pa.array([blank.as_py()] * (stop - start))


def _write_text(fh: IO[str], chunk: memoryview) -> None:
    """Write ASCII XML bytes to xlsxwriter's text file (straight to its byte buffer when it has one)."""
    raw = getattr(fh, "buffer", None)
    if raw is None:
        fh.write(bytes(chunk).decode("ascii"))
        return
    fh.flush()
    raw.write(chunk)


class _TableSheet(Worksheet):
    """A worksheet whose ``sheetData`` is one table's rows (:class:`_Rows`), rendered as it is assembled."""

    spareopt_rows: _Rows | None = None

    def _write_sheet_data(self) -> None:  # xlsxwriter's hook for the cells, called by _assemble_xml_file
        if self.spareopt_rows is None or not self.spareopt_rows.columns:
            super()._write_sheet_data()
            return
        self._xml_start_tag("sheetData")
        self.spareopt_rows.write(self.fh)
        self._xml_end_tag("sheetData")


# -- the file the workbook is zipped into --------------------------------------------------------------------------


class _Releasable(io.RawIOBase):
    """The file xlsxwriter zips a workbook into, released once the write ends, whether it finished or not.

    The zip writer opens a ``ZipFile`` on the file it saves to, and an interrupted save (Ctrl-C, a full disk)
    leaves it open, held by the traceback; collected after the temporary file was closed and deleted, it finished
    its archive on the closed file and printed ``Exception ignored in ZipFile.__del__`` with a traceback.
    Released, this file takes every later write and seek and keeps nothing (it counts the position, which the
    zip's end record is computed from), so that the ZipFile finishes into nothing, in silence.  ``counter`` is
    told the size of every write while the file is held (the progress of the zip).
    """

    def __init__(self, fh: IO[bytes]) -> None:
        super().__init__()
        self._fh: IO[bytes] | None = fh
        self._position = 0
        self.counter: Callable[[int], None] | None = None

    def release(self) -> None:
        self._fh = None

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        if self._fh is not None:
            written = self._fh.write(data)
            if self.counter is not None:
                self.counter(written or 0)
            return written
        size = memoryview(data).nbytes
        self._position += size
        return size

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        if self._fh is not None:
            return self._fh.seek(offset, whence)
        self._position = offset if whence == os.SEEK_SET else self._position + offset  # a zip is never SEEK_END
        return self._position

    def tell(self) -> int:
        return self._fh.tell() if self._fh is not None else self._position

    def flush(self) -> None:
        if self._fh is not None:
            self._fh.flush()
