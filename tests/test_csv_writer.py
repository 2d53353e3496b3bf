"""The CSV writer on pyarrow (:mod:`spareopt.csvtext`, issue 26) writes the bytes the pandas writer wrote.

The reference is that writer, kept here as it was: ``neutralise_formulas`` (a per-column pandas loop), the display
headers, then ``to_csv(index=False, float_format="%.10g", lineterminator="\\n")``.  Compared on a frame of every
hard case, on the real outputs of every command on the bundled examples, on random frames (hypothesis), and on
the float formatting alone over millions of values.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spareopt
from spareopt import csvtext
from spareopt.io import PLAIN, Layout, neutralise_formulas, write_table
from spareopt.outputs import dealer_packs, table_view

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

# -- the reference: the writer before issue 26, as it was ----------------------------------------------------------

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def pandas_neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if values.dtype == object or pd.api.types.is_string_dtype(values):
            text = values.astype("string")
            risky = text.str.startswith(_FORMULA_START, na=False)
            if risky.any():
                out[column] = text.where(~risky, "'" + text)
    return out


def pandas_csv(frame: pd.DataFrame, layout: Layout = PLAIN) -> str:
    fh = io.StringIO()
    if layout.bom:
        fh.write("\ufeff")
    table = pandas_neutralise(frame)
    if layout.headers:
        table.columns = [layout.headers.get(c, c) for c in table.columns]
    table.to_csv(fh, index=False, float_format="%.10g", lineterminator="\n")
    return fh.getvalue()


def percent_g(values) -> list:
    """pandas' float_format on each value: ``"%.10g" % x``, None for NaN (an empty cell)."""
    return [None if np.isnan(x) else "%.10g" % x for x in values]  # noqa: UP031 - pandas' own formatting


def arrow_csv(frame: pd.DataFrame, layout: Layout = PLAIN, **kwargs) -> str:
    fh = io.StringIO()
    write_table(frame, fh, layout=layout, **kwargs)
    return fh.getvalue()


def assert_same(frame: pd.DataFrame, layout: Layout = PLAIN) -> None:
    expected, got = pandas_csv(frame, layout), arrow_csv(frame, layout)
    if got != expected:  # the first line that differs, not two walls of text
        pairs = zip(expected.splitlines(keepends=True), got.splitlines(keepends=True))
        first = next(((n, e, g) for n, (e, g) in enumerate(pairs) if e != g), None)
        pytest.fail(f"the CSV text differs at line {first}" if first else "the CSV text differs in length")


# -- every hard case -------------------------------------------------------------------------------------------------

FLOATS = [0.1, 1.619047619, 1e20, 1.5e-7, -0.0, 0.0, np.inf, -np.inf, np.nan, 1 / 3, 2 / 3, -1 / 3, 1e-5, 1e-4,
          0.0001234, 123456789.0, 1234567890.0, 9999999999.0, 12345678901.0, 1e10, 1e15, 1e16, 1e17, 1e22, 1e23,
          1e100, 1e-100, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 12345678905.0, 0.12345678905,
          9.9999999995, 9.99999999949, 99999.999995, 122.75, 56.56, 39.0, -2.5, 0.3, 1.1, 100.0]
TEXT = ["a,b", 'say "hi"', "two\nlines", "cr\rinside", "crlf\r\nend", "tab\tinside", " padded ", "", None,
        "=SUM(A1:A9)", "+wiper", "-cable", "@cmd", "\tlead", "\rlead", "'quoted", "=a,b", "中文配件", "机油滤清器,原厂",
        "a=b", "oil", "\"", ",", "\n"]


def _pad(values: list, n: int) -> list:
    return (values * (n // len(values) + 1))[:n]


def hard_frame(n: int = len(FLOATS)) -> pd.DataFrame:
    with np.errstate(over="ignore"):  # 1e100 as a float32 is inf
        single = np.array(_pad(FLOATS, n)).astype(np.float32)
    return pd.DataFrame({
        "float": _pad(FLOATS, n),
        "float32": single,
        "Float64": pd.array(_pad([1.5, None, 1 / 3, np.inf], n), dtype="Float64"),
        "int": _pad([0, -1, 2**62, -(2**63)], n),
        "uint8": np.array(_pad([0, 255], n), dtype=np.uint8),
        "Int64": pd.array(_pad([1, None, -3], n), dtype="Int64"),
        "bool": _pad([True, False], n),
        "boolean": pd.array(_pad([True, None, False], n), dtype="boolean"),
        "text": _pad(TEXT, n),
        "object_text": pd.Series(_pad(TEXT, n), dtype=object),
        "string": pd.array(_pad(TEXT, n), dtype="string"),
        "mixed": pd.Series(_pad([1.5, "x", None, np.nan, True, 3, 1 / 3, pd.Timestamp("2024-01-31"), pd.NaT,
                                 "a,b"], n), dtype=object),
        "mixed_formula": pd.Series(_pad([1.5, "=x", None, 7, -2.5], n), dtype=object),
        "category": pd.Categorical(_pad(["A", None, "B,C", "=D"], n)),
        "category_numbers": pd.Categorical(_pad([1 / 3, None, 2.0, -1.0], n)),
        "date": pd.to_datetime(_pad(["2024-01-31", None, "2001-12-01"], n)),
        "datetime": pd.to_datetime(_pad(["2024-01-31 12:30", None], n)),
        "period": pd.period_range("2001-01", periods=n, freq="M"),
        "timedelta": pd.to_timedelta(_pad([1, None, 2.5], n), unit="D"),
        "中文列": _pad(["经销商", "D1"], n),
    })


def test_every_hard_case_is_written_as_pandas_wrote_it():
    assert_same(hard_frame())


@pytest.mark.parametrize("name", list(hard_frame().columns))
def test_each_kind_of_column_alone_as_pandas(name):
    """One column alone: a row of one empty cell is ``""``, as the csv module writes it."""
    assert_same(hard_frame()[[name]])


def test_headers_bom_and_odd_frames():
    frame = hard_frame()
    assert_same(frame, Layout(headers={"float": "数量", "text": "a,b", "int": '"q"'}, bom=True))
    for odd in [pd.DataFrame(), pd.DataFrame(index=range(3)), pd.DataFrame({"a": []}), pd.DataFrame({"": [1, 2]}),
                pd.DataFrame({1.5: [1], 2: [2], "=x": [3]}), pd.DataFrame({"e": pd.Series([], dtype=object)}),
                pd.DataFrame({"c": pd.Categorical([None, None], categories=[])}),
                pd.DataFrame({"o": pd.Series([None, None], dtype=object), "s": ["", ""]}),
                pd.DataFrame({"sparse": pd.arrays.SparseArray([0.5, np.nan, 1 / 3])}),
                pd.DataFrame({"utc": pd.to_datetime(["2024-01-01 00:00", None], utc=True)}),
                pd.DataFrame({"interval": pd.arrays.IntervalArray.from_breaks([0, 1, 2]), "c": [1 + 2j, np.nan]}),
                pd.DataFrame({"arrow": pd.array(["=a", None], dtype=pd.ArrowDtype(pa.string())),
                              "arrow_float": pd.array([1 / 3, None], dtype=pd.ArrowDtype(pa.float64())),
                              "arrow_bool": pd.array([True, None], dtype=pd.ArrowDtype(pa.bool_()))})]:
        assert_same(odd)


def test_a_file_gets_the_same_bytes(tmp_path):
    frame = hard_frame(200)
    write_table(frame, tmp_path / "t.csv", layout=Layout(bom=True))
    assert (tmp_path / "t.csv").read_bytes() == pandas_csv(frame, Layout(bom=True)).encode("utf-8")


@pytest.mark.parametrize("encoding", ["utf-8", "UTF8", "utf-8-sig", "gb18030"])
def test_a_text_stream_gets_the_bytes_of_its_encoding_in_every_chunk(encoding, monkeypatch):
    """Under a UTF-8 text stream the chunks go to its bytes as rendered, after the header it holds; any other
    encoding gets the text."""
    monkeypatch.setattr(csvtext, "CHUNK_ROWS", 70)
    frame = hard_frame(300)
    raw = io.BytesIO()
    fh = io.TextIOWrapper(raw, encoding=encoding, newline="")
    write_table(frame, fh, layout=Layout(bom=True))
    fh.flush()
    assert raw.getvalue() == pandas_csv(frame, Layout(bom=True)).encode(encoding)


def test_chunks_and_progress(monkeypatch):
    """Rows are rendered a chunk at a time, each chunk a whole number of pandas' own chunks (100,000 cells), so that
    a column of dates is written as dates exactly where pandas' chunk of it is all midnights."""
    monkeypatch.setattr(csvtext, "CHUNK_ROWS", 3000)
    n = 5000
    frame = pd.DataFrame({f"x{j}": np.arange(n) / 7 for j in range(48)})
    frame["text"] = _pad(TEXT, n)
    stamps = pd.Series(pd.Timestamp("2024-01-01"), index=range(n))
    stamps[4500] = pd.Timestamp("2024-01-01 06:00")  # pandas' third chunk (rows 4000-5999 at 50 columns)
    frame["stamp"] = stamps
    shares: list[float] = []
    assert arrow_csv(frame, progress=shares.append) == pandas_csv(frame)
    assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) == 3  # 2000 rows a chunk
    empty: list[float] = []
    arrow_csv(frame.iloc[:0], progress=empty.append)
    assert empty == [1.0]


def test_neutralise_formulas_is_unchanged():
    frame = hard_frame()
    out, expected = neutralise_formulas(frame), pandas_neutralise(frame)
    pd.testing.assert_frame_equal(out, expected)
    assert frame["text"].iloc[9] == "=SUM(A1:A9)"  # the input is not changed


# -- the real outputs of every command ---------------------------------------------------------------------------------


def _runs() -> dict:
    sales, parts, stock = (str(EXAMPLES / n) for n in ("carparts_sample.csv", "parts_master.csv", "stock.csv"))
    network = str(EXAMPLES / "network_sample.csv")
    carparts = {"columns": {"part": "part_id"}}
    shelves = pd.read_csv(stock, dtype={"part": str})
    network_stock = pd.concat([shelves.assign(dealer=d) for d in ("D0", "D1", "D2")], ignore_index=True)
    return {
        "must-stock": lambda: spareopt.must_stock(network, parts),
        "must-stock service-level": lambda: spareopt.must_stock(sales, parts, policy="service-level", **carparts),
        "classify": lambda: spareopt.classes(sales, parts, **carparts),
        "forecast": lambda: spareopt.forecasts(sales, parts, **carparts),
        "evaluate": lambda: spareopt.evaluate(
            sales, parts, policies=["seed", "traditional", "service-level", "optimized", "two-echelon"], **carparts),
        "optimize": lambda: spareopt.optimize(sales, parts, budget=20000, **carparts),
        "optimize echelons": lambda: spareopt.optimize(sales, parts, budget=20000, echelons=2, **carparts),
        "last-buy": lambda: spareopt.last_buy(sales, parts, stock=stock, horizon_months=84, service_level=0.95,
                                              **carparts),
        "order": lambda: spareopt.order(sales, parts, stock=stock, **carparts),
        "order dealers": lambda: spareopt.order(network, parts, stock=network_stock),
        "dead-stock": lambda: spareopt.dead_stock(sales, parts, stock=stock, **carparts),
        "kpi": lambda: spareopt.kpi(sales, parts, stock=stock, **carparts),
        "report": lambda: spareopt.network_report(network, parts, holdout_months=6),
    }


@pytest.mark.parametrize("job", list(_runs()))
def test_every_command_output_is_written_as_pandas_wrote_it(job):
    result = _runs()[job]()
    tables = [("table", result.table), *result.side_tables()]
    assert len(tables) >= 1
    for _, table in tables:
        assert_same(table)
    command = job.split(" ")[0]
    if command in ("must-stock", "order") and "dealer" in result.table.columns:  # the planner's columns, display headers, Chinese, BOM; the dealer packs
        dealers = spareopt.load_dealers(str(EXAMPLES / "dealers.csv"))
        for lang in ("en", "zh"):
            config = {"lang": lang, "csv_bom": lang == "zh"}
            view = table_view(result, command, column_set="planner", dealers=dealers, config=config)
            assert_same(view.table, view.layout)
            for one in dealer_packs(result, command, dealers=dealers, config=config, format="csv").files:
                assert_same(one.frame, one.layout)


# -- random frames -----------------------------------------------------------------------------------------------------

_CHARS = st.sampled_from(list('ab,"\n\r\t =+-@\'中文 0.9e'))
_TEXT = st.one_of(st.none(), st.text(_CHARS, max_size=6), st.text(max_size=4))
_FLOAT = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(FLOATS),
                   st.integers(-10**12, 10**12).map(lambda i: i / 10 ** (i % 7)))
_INT = st.integers(-(2**63), 2**63 - 1)


@st.composite
def frames(draw) -> pd.DataFrame:
    rows = draw(st.integers(0, 12))
    kinds = draw(st.lists(st.sampled_from(["float", "int", "Int64", "text", "object", "bool"]), min_size=1,
                          max_size=4))
    data = {}
    for j, kind in enumerate(kinds):
        if kind == "float":
            values = pd.Series(draw(st.lists(_FLOAT, min_size=rows, max_size=rows)), dtype=np.float64)
        elif kind == "int":
            values = pd.Series(draw(st.lists(_INT, min_size=rows, max_size=rows)), dtype=np.int64)
        elif kind == "Int64":
            values = pd.Series(draw(st.lists(st.one_of(st.none(), _INT), min_size=rows, max_size=rows)),
                               dtype="Int64")
        elif kind == "bool":
            values = pd.Series(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)), dtype=bool)
        else:
            cells = draw(st.lists(_TEXT, min_size=rows, max_size=rows))
            values = pd.Series(cells, dtype=object if kind == "object" else "str")
        data[draw(st.text(_CHARS, max_size=3)) + f"_{j}"] = values
    return pd.DataFrame(data)


@settings(max_examples=300, deadline=None)
@given(frames())
def test_random_frames_are_written_as_pandas_wrote_them(frame):
    assert arrow_csv(frame) == pandas_csv(frame)


@settings(max_examples=500, deadline=None)
@given(st.lists(_FLOAT, max_size=20))
def test_floats_are_written_as_percent_10g(values):
    assert csvtext.format_floats(np.array(values, dtype=np.float64)).to_pylist() == percent_g(values)


def test_floats_over_every_exponent_and_every_tie():
    """200,000 doubles of each family, against ``"%.10g" % x``: any bit pattern, every power of ten, prices, the
    halves of the tenth digit (the ties, and a double away from them), and the edges of the range."""
    rng = np.random.default_rng(26)
    n = 200_000
    ties = (rng.integers(10**9, 10**10, n) + 0.5) * 10.0 ** rng.integers(-15, 5, n)
    families = [
        rng.integers(0, 2**64, n, dtype=np.uint64).view(np.float64),
        10.0 ** rng.integers(-300, 300, n) * (1 + rng.integers(-3, 4, n) * 2.2e-16),
        np.round(rng.random(n) * 1000, 2),
        rng.lognormal(0, 30, n) * rng.choice([-1, 1], n),
        ties,
        np.nextafter(ties, rng.choice([-np.inf, np.inf], n)),
        (rng.integers(10**9, 10**10, n) * 10 + 5) * 10.0 ** rng.integers(-20, 20, n),
        rng.integers(-(10**12), 10**12, n).astype(np.float64),
    ]
    for values in families:
        assert csvtext.format_floats(values).to_pylist() == percent_g(values.tolist())
