"""Writing CSV text: the bytes of pandas' ``to_csv(index=False, float_format="%.10g", lineterminator="\\n")``,
rendered column by column with pyarrow.

Only :mod:`spareopt.io` calls :func:`write_csv`, on the stream it opened: io stays the one module that decides
which files are written; this one writes a table's text into the stream it is given.

Why not ``DataFrame.to_csv``: pandas formats every float with ``"%.10g" % value`` and hands every row to the
``csv`` module, one Python object per cell, about 6 s for the 1M rows x 24 columns of a must-stock table.  Why not
``pyarrow.csv.write_csv`` either: its quoting is not pandas' (``quoting_style="needed"`` quotes every text cell,
``"none"`` refuses a comma or a quote in one), its floats are the shortest round trip, not ``%.10g``, and its
booleans are ``true``/``false``.  So each column of a chunk of :data:`CHUNK_ROWS` rows becomes its cells' text in
a few pyarrow operations, and the rows are joined the same way, as the XLSX writer does (:mod:`spareopt.workbook`):
no Python object per cell, memory bounded by the chunk.

The text is the same as pandas', byte for byte, for every kind of column:

- float (numpy, nullable ``Float64``, Arrow): ``%.10g`` (:func:`format_floats`), NaN and NA empty, ``inf``;
- integer (numpy, nullable ``Int64``, Arrow): the integer, NA empty;
- boolean: ``True``/``False``, NA empty;
- text (``str``, ``string``, object columns of strings): as is, NA empty; a cell that starts like a spreadsheet
  formula (``=``, ``+``, ``-``, ``@``, tab, carriage return) gets a leading apostrophe (:func:`neutralised`), as
  :func:`spareopt.io.neutralise_formulas` does;
- categorical: the text pandas writes for each category (rendered once), taken by code;
- anything else (dates, periods, durations, intervals, object columns mixing types): pandas writes that column's
  text, chunk by chunk as ``to_csv`` would (a column of dates is written as dates where every one of pandas' chunks
  is midnight), and pyarrow reads it back: only that column pays pandas' price;
- quoting is the ``csv`` module's ``QUOTE_MINIMAL``, as pandas uses it: a cell with a comma, a quote or a line end
  is quoted, its quotes doubled (whether a bare carriage return counts is asked of the running Python's ``csv``
  module: 3.11.9 and later quote it); in a one-column table an empty cell is ``""``;
- the header row is pandas' own (written by ``to_csv`` for the table's first zero rows); lines end with ``\\n``.
"""

from __future__ import annotations

import codecs
import contextvars
import csv
import functools
import io
import math
import os
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .blocks import threads

__all__ = ["CHUNK_ROWS", "format_floats", "neutralised", "risky", "write_csv"]

CHUNK_ROWS = 50_000
"""Rows rendered at a time (rounded to whole chunks of pandas' ``to_csv``): the memory of a write is a chunk's
text, about 8 MB at 24 columns, not the table's."""

FORMULA_START = "=+-@\t\r"
"""The first characters of a text cell that a spreadsheet would run as a formula."""

_PANDAS_CHUNK_CELLS = 100_000  # pandas' to_csv formats this many cells at a time (csvs._DEFAULT_CHUNKSIZE_CELLS)

# %.10g: the decimal exponent range written without an exponent, and 10.0 ** k for every k needed (correctly
# rounded: float() of the decimal literal)
_FIXED = (-4, 9)
_POW_LOW, _POW_HIGH = -300, 300
_POW10 = np.array([float(f"1e{k}") for k in range(_POW_LOW, _POW_HIGH + 1)])
_SMALLEST = 1e-290  # below (subnormal territory) the scaling of format_floats would leave _POW10
_TIE = 1e-5  # a scaled value this close to a half: rounded by Python instead (its error is below 2.3e-6)


def write_csv(fh: IO[str], frame: pd.DataFrame, headers: Sequence[Any] | None = None, *, bom: bool = False,
              progress: Callable[[float], None] | None = None) -> None:
    """Write ``frame`` as CSV text to ``fh``: a byte order mark if ``bom``, the header row (``headers``, default
    the column names), then the rows.

    The text is the same, byte for byte, as ``frame.to_csv(fh, index=False, float_format="%.10g",
    lineterminator="\\n")`` once its text cells are neutralised (a leading apostrophe before a formula), written
    in chunks of :data:`CHUNK_ROWS` rows.  ``progress`` is told the share of the rows written after each chunk.
    """
    table = frame.copy(deep=False)
    if headers is not None:
        table.columns = list(headers)
    head = io.StringIO()
    if bom:
        head.write("\ufeff")
    table.iloc[:0].to_csv(head, index=False, float_format="%.10g", lineterminator="\n")
    rows, width = table.shape
    if width == 0:  # the csv module writes an empty row as an empty line
        head.write("\n" * rows)
    fh.write(head.getvalue())
    if width:
        columns = [_plan(table.iloc[:, j]) for j in range(width)]
        pandas_chunk = max(_PANDAS_CHUNK_CELLS // width, 1)
        step = pandas_chunk * max(CHUNK_ROWS // pandas_chunk, 1)
        raw = _utf8_bytes(fh)
        if raw is not None:
            fh.flush()
        starts = range(0, rows, step)
        workers = min(threads(), len(starts))
        with ThreadPoolExecutor(max_workers=max(workers, 1), thread_name_prefix="spareopt-csv") as pool:
            ahead: deque = deque()  # chunks rendered on the pool while the earlier ones are written, in order
            for start in starts:
                stop = min(start + step, rows)
                ahead.append((stop, pool.submit(contextvars.copy_context().run, _render, table, columns, start, stop,
                                                pandas_chunk)))
                while len(ahead) > 2 * workers or (ahead and stop == rows):
                    done, text = ahead.popleft()
                    if raw is not None:  # the UTF-8 bytes as they are: no decoding to str and encoding back
                        raw.write(text.result())
                    else:
                        fh.write(str(text.result(), "utf-8"))
                    if progress is not None:
                        progress(done / rows)
    if progress is not None and rows == 0:
        progress(1.0)


def _utf8_bytes(fh: IO[str]) -> Any:
    """The binary stream under a text file that writes UTF-8 with ``\n`` line ends as they are, else None."""
    raw = getattr(fh, "buffer", None)
    encoding = getattr(fh, "encoding", None)
    if raw is None or encoding is None or os.linesep != "\n" or getattr(fh, "errors", "strict") != "strict":
        return None
    try:
        return raw if codecs.lookup(encoding).name == "utf-8" else None
    except LookupError:
        return None


# -- text ----------------------------------------------------------------------------------------------------------


def risky(text: Any) -> np.ndarray:
    """Which cells of the pyarrow text array ``text`` start like a spreadsheet formula (a missing one does not).

    >>> risky(pa.array(["=SUM(A1)", "a=b", None, "-1", ""])).tolist()
    [True, False, False, True, False]
    """
    text = _contiguous(text)
    offsets, data = _buffers(text)
    starts, lengths = offsets[:-1], np.diff(offsets)
    flags = np.zeros(len(text), dtype=bool)
    filled = np.flatnonzero(lengths > 0)
    flags[filled] = _FORMULA_BYTES[data[starts[filled]]]  # the first byte is the first character (all ASCII)
    return flags & _valid(text)


def neutralised(text: Any) -> Any:
    """The pyarrow text array ``text`` with a leading apostrophe before each cell that starts like a formula.

    >>> neutralised(pa.array(["=SUM(A1)", "a=b", None, "-1"])).to_pylist()
    ["'=SUM(A1)", 'a=b', None, "'-1"]
    """
    text = _contiguous(text)
    flags = risky(text)
    return pc.if_else(flags, _joined("'", text), text) if flags.any() else text


def _quoted(text: Any) -> tuple[Any, bool]:
    """QUOTE_MINIMAL: a cell with a comma, a quote or a line end between quotes, its quotes doubled; and whether
    ``text`` is plain, without any of these characters (pyarrow's CSV writer refuses them unquoted)."""
    offsets, data = _buffers(text)
    region = data[offsets[0]:offsets[-1]]
    raw = region.tobytes()  # a copy, but searching it is memchr: 0.4 ms for 10 MB
    if not any(char in raw for char in _STRUCTURAL):
        return text, True
    special = np.flatnonzero(_byte_set(_quote_chars().decode())[region]) + offsets[0]
    if not len(special):  # a bare carriage return, which this Python's csv module does not quote
        return text, False
    needs = np.zeros(len(text), dtype=bool)
    needs[np.searchsorted(offsets, special, side="right") - 1] = True  # the cell of each such byte
    return pc.if_else(needs & _valid(text), _joined('"', pc.replace_substring(text, '"', '""'), '"'), text), False


def _joined(*parts: Any) -> Any:
    """The pieces (text arrays and strings) joined cell by cell, in the text type of the arrays."""
    kind = next(part.type for part in parts if not isinstance(part, str))
    return pc.binary_join_element_wise(*(pa.scalar(p, kind) if isinstance(p, str) else p for p in parts),
                                       pa.scalar("", kind))


def _contiguous(text: Any) -> Any:
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _buffers(text: Any) -> tuple[np.ndarray, np.ndarray]:
    """The offsets of the cells of the pyarrow text array ``text`` (one more than its cells) and its bytes."""
    _, offsets, data = text.buffers()
    width = np.int64 if pa.types.is_large_string(text.type) else np.int32
    offsets = np.frombuffer(offsets, dtype=width)[text.offset:text.offset + len(text) + 1] if offsets is not None \
        else np.zeros(1, dtype=width)
    return offsets, np.frombuffer(data, dtype=np.uint8) if data is not None else np.zeros(0, dtype=np.uint8)


def _valid(text: Any) -> Any:
    return pc.is_valid(text).to_numpy(zero_copy_only=False) if text.null_count else True


def _byte_set(chars: str) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[[ord(c) for c in chars]] = True
    return table


_FORMULA_BYTES = _byte_set(FORMULA_START)
_STRUCTURAL = b',"\n\r'


@functools.cache
def _quote_chars() -> bytes:
    """The characters that make the running Python's csv module quote a cell (a bare ``\\r``: since 3.11.9)."""
    probe = io.StringIO()
    csv.writer(probe, lineterminator="\n").writerow(["a\rb"])
    return b',"\n' + (b"\r" if probe.getvalue().startswith('"') else b"")


# -- floats --------------------------------------------------------------------------------------------------------


def format_floats(values: Any) -> Any:
    """``"%.10g" % v`` for each of ``values`` (floats), as a pyarrow string array, null for NaN.

    Vectorised: each value is scaled to ten digits before the point and rounded to an integer ``q`` (an exact
    integer below 1e10); ``q`` scaled back is the double nearest the rounded decimal, which pyarrow writes as its
    shortest text, i.e. exactly those digits without trailing zeros.  pyarrow writes the decimal exponents -4 to 9
    without an exponent, as ``%g`` does at ten digits; outside, the ten digits are written as ``d.ddd`` and the
    exponent added as C does it (``e+20``, ``e-07``: a sign and at least two digits, where pyarrow writes ``e-7``).
    Zero keeps its sign (``-0``), infinities are ``inf``/``-inf``.  The scaling is exact to 2.3e-6 of a unit of the
    tenth digit, so only a value within 1e-5 of a half unit (a tie, such as ``0.12345678905``) could round either
    way: those few, and values below 1e-290, are formatted by Python, one by one.

    >>> format_floats(np.array([0.1, 1 / 3, 1e20, 1.5e-7, -0.0, np.inf, np.nan, 12345678905.0])).to_pylist()
    ['0.1', '0.3333333333', '1e+20', '1.5e-07', '-0', 'inf', None, '1.23456789e+10']
    """
    v = np.asarray(values, dtype=np.float64)
    if not _arrow_writes_shortest():
        return pa.array([None if math.isnan(x) else f"{x:.10g}" for x in v.tolist()], pa.string())
    magnitude = np.abs(v)
    regular = (magnitude >= _SMALLEST) & (magnitude <= np.finfo(np.float64).max)
    magnitude = np.where(regular, magnitude, 1.0)
    exponent = np.floor(np.log10(magnitude)).astype(np.int64)
    tie = np.zeros(len(v), dtype=bool)
    for _ in range(3):  # log10 may be one off at a power of ten, and rounding may carry to the next one
        scaled = magnitude * _POW10[9 - exponent - _POW_LOW]
        digits = np.rint(scaled)
        tie |= np.abs(scaled - np.floor(scaled) - 0.5) < _TIE
        up, down = digits >= 1e10, digits < 1e9
        if not (up.any() or down.any()):
            break
        exponent += up
        exponent -= down
    fixed = (exponent >= _FIXED[0]) & (exponent <= _FIXED[1])
    unit = np.where(fixed, _POW10[np.clip(9 - exponent, 0, 9 - _FIXED[0]) - _POW_LOW], 1e9)
    shown = np.where(regular, np.copysign(digits / unit, v), v)
    text = pc.cast(pa.array(shown, from_pandas=True), pa.string())
    by_python = (regular & tie) | (~regular & np.isfinite(v) & (v != 0))
    scientific = regular & ~fixed & ~by_python
    if scientific.any():
        where = np.flatnonzero(scientific)
        power = exponent[where]
        suffix = pc.binary_join_element_wise(pa.array(np.where(power < 0, "e-", "e+")),
                                             pc.utf8_lpad(pc.cast(pa.array(np.abs(power)), pa.string()), 2, "0"), "")
        text = pc.replace_with_mask(text, pa.array(scientific),
                                    pc.binary_join_element_wise(text.take(pa.array(where)), suffix, ""))
    if by_python.any():
        text = pc.replace_with_mask(text, pa.array(by_python), pa.array([f"{x:.10g}" for x in v[by_python].tolist()]))
    return text


@functools.cache
def _arrow_writes_shortest() -> bool:
    """Whether this pyarrow writes a double as :func:`format_floats` expects: its shortest text, without an exponent
    from 1e-4 to 9999999999 (pyarrow 26 does; asked once; if not, Python formats every float)."""
    probe = [1234567890.0, 9999999999.0, 0.0001234, 1.5, 123.25, 0.1, -0.0, np.inf, -np.inf]
    return pc.cast(pa.array(probe), pa.string()).to_pylist() == [
        "1234567890", "9999999999", "0.0001234", "1.5", "123.25", "0.1", "-0", "inf", "-inf"]


# -- columns -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """How one column becomes text: its ``kind`` and its values, sliced chunk by chunk (converted then)."""

    kind: str  # "float", "integer", "boolean", "text", "object text", "category" or "pandas"
    values: Any = None  # the column (a pandas Series), or its text as a pyarrow array, or its categories' codes
    categories: Any = None  # the text of each category
    plain: bool = True  # the categories have no comma, quote or line end


def _plan(values: pd.Series) -> _Column:
    dtype = values.dtype
    if dtype == object or pd.api.types.is_string_dtype(values):  # the columns neutralise_formulas looks at
        text = _text(values)
        if text is not None:
            return text
    if isinstance(dtype, pd.SparseDtype):
        return _Column("pandas")
    if isinstance(dtype, pd.CategoricalDtype):
        if dtype.categories.dtype.kind in "Mm":  # pandas writes these as its dates, chunk by chunk
            return _Column("pandas")
        each = pd.Series(pd.Categorical.from_codes(np.arange(len(dtype.categories)), dtype=dtype))
        text = _by_pandas(each.to_frame(), len(each))[0] if len(each) else pa.array([], pa.string())
        return _Column("category", values.cat.codes.to_numpy(), *_quoted(text))
    kind = getattr(dtype, "kind", "O")
    if kind in ("f", "i", "u", "b"):
        return _Column({"f": "float", "b": "boolean"}.get(kind, "integer"), values)
    return _Column("pandas")


def _text(values: pd.Series) -> _Column | None:
    """A text column: text as it is (neutralised as it is written), or a column of other values with a formula
    among them as pandas' ``string`` text, as :func:`spareopt.io.neutralise_formulas` makes it; None for a column
    of other values without one."""
    dtype = values.dtype
    if isinstance(dtype, pd.StringDtype) or (isinstance(dtype, pd.ArrowDtype) and (
            pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype))):
        return _Column("text", values)
    if dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return _Column("object text", values)  # strings, and missing values of any kind
    if isinstance(dtype, pd.CategoricalDtype) and not risky(_arrow(dtype.categories.astype("string"))).any():
        return None  # no category starts like a formula
    text = _arrow(values.astype("string"))
    return _Column("text", text) if risky(text).any() else None


def _arrow(values: Any) -> Any:
    """A pandas column as one pyarrow array (its missing values null)."""
    array = pa.array(values, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        return array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    return array


# -- rows ----------------------------------------------------------------------------------------------------------


def _render(table: pd.DataFrame, columns: list[_Column], start: int, stop: int, pandas_chunk: int) -> Any:
    """The CSV text of rows ``start:stop`` of ``table``, UTF-8: a buffer.

    pyarrow's CSV writer writes the cells (unquoted) when none has a comma, a quote or a line end, the rows are
    joined cell by cell otherwise (the same text; the writer is twice as fast, but refuses them).
    """
    hard = [j for j, column in enumerate(columns) if column.kind == "pandas"]
    by_pandas = iter(_by_pandas(table.iloc[start:stop, hard], pandas_chunk) if hard else [])
    fields, plain = [], True
    for column in columns:
        text, clean = _field(column, start, stop) if column.kind != "pandas" else _quoted(next(by_pandas))
        fields.append(pc.cast(text, pa.large_string()))
        plain &= clean
    if len(fields) == 1:  # the csv module writes a row of one empty cell as ""
        only = pc.fill_null(fields[0], "")
        empty = pc.equal(pc.binary_length(only), 0)
        if pc.any(empty).as_py():
            fields[0], plain = pc.if_else(empty, '""', only), False
    if plain:
        sink = pa.BufferOutputStream()
        pacsv.write_csv(pa.table(fields, names=[str(j) for j in range(len(fields))]), sink,
                        pacsv.WriteOptions(include_header=False, quoting_style="none"))
        return sink.getvalue()
    fields[-1] = _joined(pc.fill_null(fields[-1], ""), "\n")
    rows = pc.binary_join_element_wise(*fields, pa.scalar(",", pa.large_string()), null_handling="replace",
                                       null_replacement="")
    offsets, _ = _buffers(rows)
    data = rows.buffers()[2]
    return memoryview(data)[offsets[0]:offsets[-1]] if data is not None else b""


def _field(column: _Column, start: int, stop: int) -> tuple[Any, bool]:
    """The text of one column's cells in rows ``start:stop`` (a pyarrow text array, null for an empty cell), and
    whether it is plain (no comma, quote or line end)."""
    if column.kind == "category":
        codes = column.values[start:stop]
        return pc.take(column.categories, pa.array(codes, mask=codes < 0).cast(pa.int64())), column.plain
    if isinstance(column.values, (pa.Array, pa.ChunkedArray)):
        values = _contiguous(column.values.slice(start, stop - start))
    else:
        values = column.values.iloc[start:stop]
    if column.kind == "float":
        return format_floats(values.to_numpy(dtype=np.float64, na_value=np.nan)), True
    if column.kind == "integer":
        return pc.cast(_arrow(values), pa.string()), True
    if column.kind == "boolean":
        return pc.if_else(_arrow(values), "True", "False"), True
    if column.kind == "object text":
        cells = values.to_numpy(dtype=object, copy=True)
        cells[values.isna().to_numpy()] = None
        values = pa.array(cells, type=pa.large_string())
    elif not isinstance(values, pa.Array):
        values = _arrow(values)
    return _quoted(neutralised(values))


def _by_pandas(frame: pd.DataFrame, chunk: int) -> list[Any]:
    """The text pandas writes for each cell of ``frame``, chunk by chunk as its to_csv does, as pyarrow arrays."""
    text = frame.to_csv(index=False, header=False, float_format="%.10g", lineterminator="\n", chunksize=chunk,
                        quoting=csv.QUOTE_ALL)
    names = [f"c{j}" for j in range(frame.shape[1])]
    parsed = pacsv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=names),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), null_values=[],
                                             strings_can_be_null=False, quoted_strings_can_be_null=False))
    return [parsed.column(j).combine_chunks() for j in range(frame.shape[1])]
