"""Sales history (spareopt.history): load_history, parse_month and demand_matrix."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pandas as pd
import pytest

import spareopt
from spareopt import InputError, demand_matrix, load_history
from spareopt.history import MIN_HISTORY_MONTHS, parse_month


def _month(label: str) -> int:
    return pd.Period(label, freq="M").ordinal


def _lines(*extra: str, header: str = "dealer,part,date,quantity", months: int = 8) -> str:
    """A CSV text: one line of 5 units per month for D1/00123 from 2024-01, then ``extra`` lines."""
    body = [f"D1,00123,2024-{m:02d}-03,5" for m in range(1, months + 1)]
    return "\n".join([header, *body, *extra]) + "\n"


@pytest.fixture
def csv_file(text_file):
    return text_file


# -- load_history: columns ---------------------------------------------------------------------------


def test_load_history_cleans_the_lines(sales):
    history = load_history(sales)
    assert history.has_dealer
    assert list(history.frame.columns) == ["dealer", "part", "month", "quantity", "unit_price"]
    first = history.frame.iloc[0]
    assert (first["dealer"], first["part"], first["month"], first["quantity"], first["unit_price"]) == (
        "D01", "00123", _month("2024-01"), 10.0, 12.5)
    assert history.frame["quantity"].dtype == np.float64
    assert history.frame["month"].dtype == np.int64
    report = history.report
    assert (report["rows_read"], report["return_lines"], report["return_units"]) == (217, 2, 5.0)
    assert report["columns"] == {"dealer": "dealer", "part": "part", "date": "date", "quantity": "quantity",
                                 "unit_price": "unit_price"}


@pytest.mark.parametrize("mapping", [
    {"part": "part_id", "date": "date", "quantity": "qty"},
    {"part": "part_no", "period": "month", "quantity": "quantity"},
    {"part": "part_number", "date": "date", "quantity": "quantity", "dealer": "site"},
    {"part": "sku", "date": "date", "quantity": "quantity"},
    {"part": "item", "date": "date", "quantity": "quantity"},
    {"part": "Part No.", "period": "Month", "quantity": "QTY"},
    {"part": "Part-Number", "date": "DATE", "quantity": "Qty", "dealer": "Dealer ID"},
    {"part": "配件编号", "date": "日期", "quantity": "数量", "dealer": "服务站", "unit_price": "单价"},
    {"part": "零件号", "period": "月份", "quantity": "销量", "dealer": "经销商"},
    {"part": "配件号", "date": "日期", "quantity": "数量"},
], ids=lambda m: "+".join(m.values()))
def test_header_aliases(csv_file, mapping):
    cells = {"part": "00123", "date": "2024-{m:02d}-03", "period": "2024-{m:02d}", "quantity": "5",
             "dealer": "D1", "unit_price": "2.5"}
    rows = [",".join(cells[c].format(m=m) for c in mapping) for m in range(1, 9)]
    history = load_history(csv_file("\n".join([",".join(mapping.values()), *rows]) + "\n"))
    assert history.report["columns"] == mapping
    assert history.has_dealer == ("dealer" in mapping)
    assert history.frame["part"].tolist() == ["00123"] * 8
    assert history.frame["month"].tolist() == list(range(_month("2024-01"), _month("2024-09")))
    assert history.frame["quantity"].tolist() == [5.0] * 8


def test_columns_override_maps_an_unknown_header(csv_file):
    path = csv_file(_lines(header="站点,零件代码,出货日,件数"))
    history = load_history(path, columns={"dealer": "站点", "part": "零件代码", "date": "出货日", "quantity": "件数"})
    assert history.report["columns"] == {"dealer": "站点", "part": "零件代码", "date": "出货日", "quantity": "件数"}
    assert history.frame["quantity"].sum() == 40.0


def test_columns_override_wins_over_an_alias(csv_file):
    text = "part,date,quantity,net_qty\n" + "".join(f"00123,2024-{m:02d}-03,5,4\n" for m in range(1, 9))
    history = load_history(csv_file(text), columns={"quantity": "net_qty"})
    assert history.report["columns"]["quantity"] == "net_qty"
    assert history.report["columns_ignored"] == ["quantity"]
    assert history.frame["quantity"].sum() == 32.0


def test_ambiguous_header_lists_the_headers(csv_file):
    path = csv_file("服务站,配件编号,日期,数量,销量\nD1,00123,2024-01-01,1,2\n", name="amb.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value) == (
        f"{path}: column `quantity` is ambiguous: headers '数量', '销量' all mean quantity. Choose one with "
        "--column quantity=HEADER (headers in the file: '服务站', '配件编号', '日期', '数量', '销量')")


def test_override_resolves_an_ambiguous_header(csv_file):
    text = "配件编号,日期,数量,销量\n" + "".join(f"00123,2024-{m:02d}-01,1,2\n" for m in range(1, 9))
    history = load_history(csv_file(text), columns={"quantity": "销量"})
    assert history.frame["quantity"].sum() == 16.0
    assert history.report["columns_ignored"] == ["数量"]


@pytest.mark.parametrize(("header", "missing"), [
    ("dealer,part,date", "quantity"),
    ("dealer,date,quantity", "part"),
])
def test_missing_required_column_lists_the_headers(csv_file, header, missing):
    row = {"dealer,part,date": "D1,00123,2024-01-01", "dealer,date,quantity": "D1,2024-01-01,3"}[header]
    path = csv_file(f"{header}\n{row}\n", name="miss.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    listing = ", ".join(repr(h) for h in header.split(","))
    assert str(err.value) == (f"{path}: required column `{missing}` is missing (headers in the file: {listing}). "
                              f"Rename it, or map it with --column {missing}=HEADER")


def test_missing_date_and_period(csv_file):
    path = csv_file("part,quantity\n00123,3\n", name="miss.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value) == (f"{path}: required column `date or period` is missing (headers in the file: 'part', "
                              "'quantity'). Rename it, or map it with --column date=HEADER")


def _date_and_period() -> str:
    # the date says 2024-MM, the period one month later: which one was used shows in the months
    rows = [f"00123,2024-{m:02d}-15,2024-{m + 1:02d},5" for m in range(1, 9)]
    return "part,date,period,quantity\n" + "\n".join(rows) + "\n"


def test_date_and_period_both_present_is_an_error(csv_file):
    path = csv_file(_date_and_period(), name="both.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value).startswith(f"{path}: columns 'date', 'period' all give the month (date and period); "
                                     "choose one with --column date=HEADER")


def test_date_and_period_error_lists_the_headers(csv_file):
    with pytest.raises(InputError) as err:
        load_history(csv_file(_date_and_period(), name="both.csv"))
    assert "headers in the file: 'part', 'date', 'period', 'quantity'" in str(err.value)


@pytest.mark.parametrize(("choice", "first"), [("date", "2024-01"), ("period", "2024-02")])
def test_date_or_period_chosen_by_override(csv_file, choice, first):
    history = load_history(csv_file(_date_and_period()), columns={choice: choice})
    assert history.frame["month"].min() == _month(first)
    assert history.report["columns"][choice] == choice
    assert ({"date", "period"} - {choice}).pop() not in history.report["columns"]


# -- load_history: cells ---------------------------------------------------------------------------


def test_empty_quantity_and_blank_lines_are_skipped_and_counted(csv_file):
    path = csv_file(_lines("D1,00123,2024-08-09,", "", ",,,", "D1,00123,2024-08-19,  ", "D1,00123,2024-08-20,1"))
    history = load_history(path)
    report = history.report
    assert report["rows_read"] == 13
    assert report["rows_no_quantity"] == 2
    assert report["rows_no_quantity_first"] == [10, 13]  # spreadsheet rows: header = 1
    assert report["rows_blank"] == 2
    assert len(history.frame) == 9
    assert history.frame["quantity"].sum() == 41.0


def test_rows_without_quantity_report_the_first_five(csv_file):
    path = csv_file(_lines(*[f"D1,00123,2024-08-{d:02d}," for d in range(10, 17)]))
    report = load_history(path).report
    assert report["rows_no_quantity"] == 7
    assert report["rows_no_quantity_first"] == [10, 11, 12, 13, 14]


def test_no_row_with_a_quantity(csv_file):
    path = csv_file("part,date,quantity\n00123,2024-01-01,\n00124,2024-01-01, \n", name="none.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value) == f"{path}: no row has a quantity; every cell of the `quantity` column ('quantity') is empty"


@pytest.mark.parametrize(("cell", "shown"), [
    ("abc", "'abc'"), ("nan", "'nan'"), ("NaN", "'NaN'"), ("inf", "'inf'"), ("-Infinity", "'-Infinity'"),
    ("1e400", "'1e400'"), ("5 pcs", "'5 pcs'"),
])
def test_quantity_must_be_a_finite_number(csv_file, cell, shown):
    path = csv_file(_lines(f"D1,00123,2024-08-09,{cell}"), name="bad.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value) == (f"{path}: `quantity` must be a finite number; 1 row(s) break it (first: row 10 {shown}). "
                              "Fix: correct the cells (an empty cell means no record)")


def test_quantity_error_names_the_source_header_and_counts_all_rows(csv_file):
    extra = [f"D1,00123,2024-08-{d:02d},x{d}" for d in range(10, 17)]
    path = csv_file(_lines(*extra, header="服务站,配件编号,日期,数量"), name="bad.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value) == (
        f"{path}: `quantity` (header '数量') must be a finite number; 7 row(s) break it (first: row 10 'x10', "
        "row 11 'x11', row 12 'x12', row 13 'x13', row 14 'x14' (+2 more)). "
        "Fix: correct the cells (an empty cell means no record)")


def test_quantity_error_in_xlsx_names_the_spreadsheet_row(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    for column, header in enumerate(["服务站", "配件编号", "日期", "数量"], start=1):
        sheet.cell(row=3, column=column, value=header)  # rows 1-2 are empty: the header is on row 3
    for m in range(1, 9):
        sheet.append(["D1", "00123", dt.datetime(2024, m, 3), 5])
    sheet.append(["D1", "00123", dt.datetime(2024, 8, 9), "#N/A"])
    book.save(tmp_path / "s.xlsx")
    with pytest.raises(InputError) as err:
        load_history(tmp_path / "s.xlsx")
    assert str(err.value).startswith(f"{tmp_path / 's.xlsx'}: `quantity` (header '数量') must be a finite number; "
                                     "1 row(s) break it (first: row 12 '#N/A')")


def test_thousands_separators_and_spaces_in_quantity(csv_file):
    history = load_history(csv_file(_lines('D1,00123,2024-08-09,"1,234"', "D1,00123,2024-08-10, 7 ")))
    assert history.frame["quantity"].tolist()[-2:] == [1234.0, 7.0]


def test_part_and_dealer_are_trimmed_strings(csv_file):
    history = load_history(csv_file(_lines(" D1 , 00123 ,2024-08-09,1")))
    assert history.frame["part"].iloc[-1] == "00123"
    assert history.frame["dealer"].iloc[-1] == "D1"
    assert history.frame["part"].nunique() == 1


@pytest.mark.parametrize(("extra", "name"), [("D1,,2024-08-09,3", "part"), (",00123,2024-08-09,3", "dealer")])
def test_empty_part_or_dealer_is_an_error(csv_file, extra, name):
    path = csv_file(_lines(extra), name="keys.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value) == (f"{path}: `{name}` must not be empty; 1 row(s) break it (first: row 10 (empty)). "
                              f"Fix: fill in the {name}")


def test_negative_unit_price_is_an_error(csv_file):
    path = csv_file(_lines("D1,00123,2024-08-09,3,-2", header="dealer,part,date,quantity,单价").replace(
        ",5\n", ",5,2\n"), name="price.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value) == (f"{path}: `unit_price` (header '单价') must be >= 0; 1 row(s) break it "
                              "(first: row 10 '-2'). Fix: correct the price")


def test_numeric_part_numbers_lose_only_a_trailing_zero_decimal():
    frame = pd.DataFrame({"part": [123.0, 11040696.0] * 4, "period": [f"2024-0{m}" for m in range(1, 9)],
                          "quantity": [1] * 8})
    assert load_history(frame).frame["part"].tolist() == ["123", "11040696"] * 4


def test_nan_quantity_in_a_typed_frame_is_no_record_but_inf_is_an_error():
    frame = pd.DataFrame({"part": ["p"] * 9, "period": [f"2024-0{m}" for m in range(1, 10)],
                          "quantity": [1.0] * 8 + [np.nan]}, index=range(100, 109))
    report = load_history(frame).report
    assert (report["rows_no_quantity"], report["rows_no_quantity_first"]) == (1, [108])
    frame.loc[105, "quantity"] = np.inf
    with pytest.raises(InputError) as err:
        load_history(frame)
    assert str(err.value) == ("<DataFrame>: `quantity` must be a finite number; 1 row(s) break it (first: row 105 "
                              "'inf'). Fix: correct the cells (an empty cell means no record)")


# -- parse_month --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "month"), [
    ("2024-01-15", "2024-01"), ("2024/1/5", "2024-01"), ("2024.03.31", "2024-03"), ("2024-02", "2024-02"),
    ("2024/12", "2024-12"), ("2024-01-15 08:30:00", "2024-01"), ("2024-01-15T08:30", "2024-01"),
    ("2024年1月", "2024-01"), ("2024年11月3日", "2024-11"), ("202407", "2024-07"), ("20240229", "2024-02"),
    ("45296", "2024-01"), ("45296.75", "2024-01"), (" 2024-05 ", "2024-05"), ("1999-12-31", "1999-12"),
])
def test_parse_month_accepts(text, month):
    assert parse_month(pd.Series([text])).tolist() == [_month(month)]


def test_parse_month_maps_each_row():
    values = pd.Series(["2024-01-15", "2024-02", "2024-01-15", "45352"])  # 45352 = 2024-03-01
    assert parse_month(values).tolist() == [_month("2024-01"), _month("2024-02"), _month("2024-01"),
                                             _month("2024-03")]


def test_parse_month_of_datetimes_and_periods():
    stamps = pd.Series(pd.to_datetime(["2023-12-31 23:59", "2024-01-01 00:00"]))
    periods = pd.Series(pd.PeriodIndex(["2023-12", "2024-01"], freq="M"))
    daily = pd.Series(pd.PeriodIndex(["2023-12-31", "2024-01-01"], freq="D"))
    expected = [_month("2023-12"), _month("2024-01")]
    assert parse_month(stamps).tolist() == expected
    assert parse_month(periods).tolist() == expected
    assert parse_month(daily).tolist() == expected


@pytest.mark.parametrize("bad", ["2024-13", "2024-02-30", "yesterday", "", "24-01-05", "2024-00-10"])
def test_parse_month_rejects(bad):
    values = pd.Series(["2024-01-05", bad, "2024-01-06"])
    with pytest.raises(InputError) as err:
        parse_month(values, column="日期", rows=np.array([2, 3, 4]), source="s.csv")
    shown = "(empty)" if bad == "" else repr(bad)
    assert str(err.value) == (
        f"s.csv: `date` (header '日期') must be a date (YYYY-MM-DD, YYYY/MM/DD, YYYY-MM or an Excel date); "
        f"1 row(s) break it (first: row 3 {shown}). Fix: correct the cells, or map another column with "
        "--column date=HEADER")


@pytest.mark.parametrize(("bad", "fix"), [
    ("13/01/2024", "the dates are written day first (13/01/2024): pass --date-format %d/%m/%Y"),
    ("01.13.2024", "the dates are written month first (01.13.2024): pass --date-format %m.%d.%Y"),
    ("01/02/2024", ("the dates are written day or month first (01/02/2024): pass --date-format %d/%m/%Y (day first) "
                    "or --date-format %m/%d/%Y (month first)")),
])
def test_a_date_not_year_first_names_the_date_format_that_reads_it(bad, fix):
    values = pd.Series(["2024-01-05", bad, "2024-01-06"])
    with pytest.raises(InputError) as err:
        parse_month(values, column="日期", rows=np.array([2, 3, 4]), source="s.csv")
    assert str(err.value) == (
        f"s.csv: `date` (header '日期') must be a date (YYYY-MM-DD, YYYY/MM/DD, YYYY-MM or an Excel date); "
        f"1 row(s) break it (first: row 3 {bad!r}). Fix: {fix}")
    read = parse_month(values, date_format=fix.split("--date-format ")[1].split(" ")[0]).tolist()
    assert read == [648, 649 if bad == "01/02/2024" else 648, 648]  # 1 February, read day first


def test_parse_month_without_row_numbers_counts_from_one():
    with pytest.raises(InputError, match=r"2 row\(s\) break it \(first: row 2 'x', row 4 'x'\)"):
        parse_month(pd.Series(["2024-01", "x", "2024-02", "x"]))


def test_parse_month_rejects_missing_datetimes():
    with pytest.raises(InputError, match=r"^<input>: `date` must be a date; 1 row\(s\) break it \(first: row 2 "):
        parse_month(pd.Series(pd.to_datetime(["2024-01-01", None])))


def test_missing_datetime_is_shown_as_empty():
    with pytest.raises(InputError, match=r"\(first: row 2 \(empty\)\)\. Fix: fill in the date$"):
        parse_month(pd.Series(pd.to_datetime(["2024-01-01", None])))


def test_unparseable_date_through_load_history(csv_file):
    path = csv_file(_lines("D1,00123,2024-13-09,1", "D1,00123,yesterday,1"), name="dates.csv")
    with pytest.raises(InputError) as err:
        load_history(path)
    assert str(err.value) == (
        f"{path}: `date` must be a date (YYYY-MM-DD, YYYY/MM/DD, YYYY-MM or an Excel date); 2 row(s) break it "
        "(first: row 10 '2024-13-09', row 11 'yesterday'). Fix: correct the cells, or map another column with "
        "--column date=HEADER")


# -- demand_matrix ------------------------------------------------------------------------------------


def test_demand_matrix_sums_lines_into_months(sales):
    matrix = demand_matrix(load_history(sales))
    assert matrix.values.shape == (20, 8)
    assert matrix.values.dtype == np.float64
    assert list(matrix.periods.astype(str)) == [f"2024-{m:02d}" for m in range(1, 9)]
    assert str(matrix.as_of) == "2024-08"
    frame = matrix.to_frame()
    assert frame.loc[("D01", "00123")].tolist() == [30, 28, 35, 31, 29, 33, 36, 30]  # two lines a month, summed
    assert frame.loc[("D02", "00123")].tolist() == [60, 56, 70, 62, 58, 66, 72, 60]
    assert frame.loc[("D01", "C300")].tolist() == [0, 1, 0, 0, 1, 0, 0, 1]  # months with no line are 0


def test_demand_matrix_nets_returns_and_counts_negative_months(sales):
    matrix = demand_matrix(load_history(sales))
    frame = matrix.to_frame()
    assert frame.loc[("D01", "A100")].tolist() == [4, 6, 3, 7, 6, 5, 4, 6]  # 5 sold, 2 returned in 2024-03
    assert frame.loc[("D02", "B200")].tolist() == [2, 0, 4, 2, 0, 2, 4, 2]  # net -3 in 2024-02 counts as 0
    assert matrix.negative_months == 1


def test_demand_matrix_keys_are_sorted_by_dealer_then_part(sales):
    keys = demand_matrix(load_history(sales)).keys
    assert list(keys.columns) == ["dealer", "part"]
    assert keys.values.tolist()[:8] == [["D01", p] for p in ("00123", "A100", "B200", "C300", "E500", "F600",
                                                              "G700")] + [["D02", "00123"]]
    assert ["D03", "G700"] not in keys.values.tolist()  # never sold: no row


def test_demand_matrix_transactions_equal_monthly_totals(sales, sales_monthly):
    lines = demand_matrix(load_history(sales))
    totals = demand_matrix(load_history(sales_monthly))
    np.testing.assert_array_equal(lines.values, totals.values)
    pd.testing.assert_frame_equal(lines.keys, totals.keys)
    assert lines.negative_months == totals.negative_months == 1


def test_demand_matrix_without_dealer(sales):
    matrix = demand_matrix(load_history(sales.drop(columns="dealer")))
    assert not matrix.has_dealer
    assert matrix.keys["part"].tolist() == ["00123", "A100", "B200", "C300", "E500", "F600", "G700"]
    frame = matrix.to_frame()
    assert frame.index.name == "part"
    assert frame.loc["00123"].tolist() == [120, 112, 140, 124, 116, 132, 144, 120]  # 1 + 2 + 1 times D01
    assert frame.loc["B200"].tolist() == [4, 0, 8, 4, 0, 4, 8, 4]  # network net of 2024-02 is 1 + 0 + 1 - 3 < 0


def test_as_of_ignores_and_counts_later_rows(sales):
    history = load_history(sales)
    matrix = demand_matrix(history, as_of="2024-06")
    assert list(matrix.periods.astype(str)) == [f"2024-{m:02d}" for m in range(1, 7)]
    later = int((history.frame["month"] > _month("2024-06")).sum())
    assert later == 56
    assert matrix.rows_after_as_of == later
    assert matrix.to_frame().loc[("D01", "00123")].tolist() == [30, 28, 35, 31, 29, 33]


def test_as_of_accepts_a_period_and_extends_past_the_last_month(sales):
    matrix = demand_matrix(load_history(sales), as_of=pd.Period("2024-10", freq="M"))
    assert matrix.values.shape == (20, 10)
    assert matrix.values[:, -2:].sum() == 0.0
    assert matrix.rows_after_as_of == 0
    np.testing.assert_array_equal(matrix.last(3)[:, 0], matrix.values[:, 7])
    assert matrix.last(99).shape == (20, 10)


def test_history_months_start_at_the_first_month_of_any_series(csv_file):
    text = "part,period,quantity\nA,2024-01,1\nB,2024-06,2\nB,2024-08,3\n"
    matrix = demand_matrix(load_history(csv_file(text)))
    assert matrix.to_frame().values.tolist() == [[1, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 2, 0, 3]]


@pytest.mark.parametrize(("as_of", "message"), [
    ("2024-13", "as_of must be a month YYYY-MM, got '2024-13'"),
    ("soon", "as_of must be a month YYYY-MM, got 'soon'"),
    ("2023-12", "as_of 2023-12 is before the first month in the history (2024-01); choose a later --as-of"),
])
def test_as_of_errors(sales, as_of, message):
    with pytest.raises(InputError) as err:
        demand_matrix(load_history(sales), as_of=as_of)
    assert str(err.value) == message


def test_fewer_than_six_months_is_an_error(csv_file):
    path = csv_file(_lines(months=5), name="short.csv")
    with pytest.raises(InputError) as err:
        demand_matrix(load_history(path))
    assert str(err.value) == (f"{path}: 5 month(s) of history end at as_of 2024-05 (2024-01..2024-05); the seed's "
                              "MAD needs at least 6. Give a longer history or a later --as-of")


def test_six_months_are_enough(csv_file):
    assert MIN_HISTORY_MONTHS == 6
    matrix = demand_matrix(load_history(csv_file(_lines(months=6))))
    assert matrix.values.tolist() == [[5.0] * 6]


def test_as_of_can_make_the_history_too_short(sales):
    with pytest.raises(InputError, match=r"^<DataFrame>: 5 month\(s\) of history end at as_of 2024-05 "
                                         r"\(2024-01\.\.2024-05\)"):
        demand_matrix(load_history(sales), as_of="2024-05")


def test_must_stock_report_counts_what_the_history_skipped(csv_file):
    path = csv_file(_lines("D1,00123,2024-08-09,", "", "D1,00123,2024-07-09,-40"))
    report = spareopt.must_stock(path, as_of="2024-07").report
    assert {k: report[k] for k in ("rows_read", "rows_no_quantity", "rows_no_quantity_first", "rows_blank",
                                   "rows_after_as_of", "return_lines", "return_units", "negative_months",
                                   "months", "as_of")} == {
        "rows_read": 11, "rows_no_quantity": 1, "rows_no_quantity_first": [10], "rows_blank": 1,
        "rows_after_as_of": 1, "return_lines": 1, "return_units": 40.0, "negative_months": 1, "months": 7,
        "as_of": "2024-07"}


# -- the pyarrow path: Parquet columns checked as arrow arrays ---------------------------------------


def _parquet(tmp_path, columns: dict, row_group_size: int | None = None, name: str = "h.parquet"):
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / name
    pq.write_table(pa.table(columns), path, row_group_size=row_group_size)
    return path


def _eight_months(**extra):
    base = {
        "dealer": ["D2", "D1"] * 4,
        "part": ["P9", "00123"] * 4,
        "date": [dt.date(2024, m, 3) for m in range(1, 9)],
        "quantity": [5.0] * 8,
    }
    base.update(extra)
    return base


def test_parquet_row_groups_with_their_own_dictionaries_give_one_set_of_names(tmp_path):
    # four row groups of two lines: each has a dictionary of its own, in another order
    path = _parquet(tmp_path, _eight_months(), row_group_size=2)
    history = load_history(path)
    assert history.names["part"].tolist() == ["00123", "P9"]
    assert history.names["dealer"].tolist() == ["D1", "D2"]
    frame = history.frame
    assert frame["part"].tolist() == ["P9", "00123"] * 4
    assert frame["month"].tolist() == list(range(_month("2024-01"), _month("2024-09")))
    matrix = demand_matrix(history)
    assert matrix.keys.astype(str).values.tolist() == [["D1", "00123"], ["D2", "P9"]]


def test_parquet_null_and_nan_quantities_are_no_record(tmp_path):
    path = _parquet(tmp_path, _eight_months(quantity=[5.0, None, 5.0, float("nan"), 5.0, 5.0, 5.0, 5.0]))
    history = load_history(path)
    assert len(history) == 6
    assert history.report["rows_no_quantity"] == 2
    assert history.report["rows_no_quantity_first"] == [2, 4]  # Parquet rows are record numbers


def test_parquet_missing_date_in_a_kept_row_names_the_record(tmp_path):
    dates = [dt.date(2024, m, 3) for m in range(1, 9)]
    dates[5] = None
    path = _parquet(tmp_path, _eight_months(date=dates))
    with pytest.raises(InputError, match=r"`date` must be a date; 1 row\(s\).*row 6 \(empty\)"):
        load_history(path)


def test_parquet_missing_date_in_a_skipped_row_is_no_error(tmp_path):
    dates = [dt.date(2024, m, 3) for m in range(1, 9)] + [None]
    columns = {k: v + [v[0]] for k, v in _eight_months().items()}
    columns.update(date=dates, quantity=[5.0] * 8 + [None])
    assert load_history(_parquet(tmp_path, columns)).report["rows_no_quantity"] == 1


def test_parquet_empty_part_names_the_record(tmp_path):
    path = _parquet(tmp_path, _eight_months(part=["P9", "00123", "  ", "P9", "P9", None, "P9", "P9"]))
    with pytest.raises(InputError, match=r"`part` must not be empty; 2 row\(s\).*row 3 \(empty\).*row 6 \(empty\)"):
        load_history(path)


@pytest.mark.parametrize("dates", [
    [dt.datetime(2024, m, 3, 12, 30) for m in range(1, 9)],
    [f"2024-{m:02d}-03" for m in range(1, 9)],
    [f"2024年{m}月" for m in range(1, 9)],
    [202400 + m for m in range(1, 9)],
])
def test_parquet_dates_as_timestamps_text_or_numbers(tmp_path, dates):
    history = load_history(_parquet(tmp_path, _eight_months(date=dates)))
    assert history.frame["month"].tolist() == list(range(_month("2024-01"), _month("2024-09")))


def test_parquet_integer_part_numbers_and_text_quantities(tmp_path):
    path = _parquet(tmp_path, _eight_months(part=[123] * 8, quantity=["5", "1,200", "2", "2", "2", "2", "2", "2"]))
    history = load_history(path)
    assert history.names["part"].tolist() == ["123"]
    assert history.frame["quantity"].tolist()[:2] == [5.0, 1200.0]


def test_parquet_text_quantity_that_is_no_number_names_record_and_value(tmp_path):
    path = _parquet(tmp_path, _eight_months(quantity=["5", "5", "five", "5", "5", "5", "5", "5"]))
    with pytest.raises(InputError, match=r"`quantity` must be a finite number; 1 row\(s\).*row 3 'five'"):
        load_history(path)


def test_parquet_infinite_quantity_is_an_error(tmp_path):
    path = _parquet(tmp_path, _eight_months(quantity=[5.0, 5.0, 5.0, float("inf"), 5.0, 5.0, 5.0, 5.0]))
    with pytest.raises(InputError, match=r"row 4"):
        load_history(path)


def test_arrow_and_pandas_paths_give_the_same_history(tmp_path, sales):
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = load_history(sales).frame
    parquet = tmp_path / "sales.parquet"
    pq.write_table(pa.Table.from_pandas(sales, preserve_index=False), parquet)
    pd.testing.assert_frame_equal(load_history(parquet).frame.astype({"dealer": str, "part": str}),
                                  frame.astype({"dealer": str, "part": str}))


@pytest.mark.parametrize("dates", ["text", "date32"])
def test_arrow_chunks_with_dictionaries_of_their_own_give_the_pandas_history(sales, dates):
    """Chunks whose dictionaries differ, are unsorted or are shared, a blank row of missing cells: each cell coded
    once, straight to the rank of its identifier, and the same months (:class:`spareopt.history._Distinct`)."""
    import pyarrow as pa

    from spareopt.io import Table

    blank = pd.DataFrame({"dealer": [None], "part": [None], "date": [None], "quantity": [np.nan],
                          "unit_price": [np.nan]})
    lines = pd.concat([sales.iloc[::-1], blank, sales], ignore_index=True)
    expected = load_history(lines)
    pieces = []
    for piece in (lines.iloc[:7], lines.iloc[7:10], lines.iloc[10:]):
        arrow = pa.Table.from_pandas(piece, preserve_index=False)
        columns = {name: pa.chunked_array([arrow.column(name).combine_chunks().dictionary_encode()])
                   for name in ("dealer", "part")}  # in order of appearance: not sorted, not alike
        if dates == "date32":
            columns["date"] = pa.chunked_array([pa.array(pd.to_datetime(piece["date"]).dt.date, pa.date32())])
        else:
            columns["date"] = arrow.column("date").dictionary_encode()
        pieces.append(pa.table({**columns, "quantity": arrow.column("quantity"), "unit_price": arrow.column("unit_price")}))
    shared = pieces[2].slice(0, 4), pieces[2].slice(4)  # two chunks that share one dictionary
    table = pa.concat_tables([pieces[0], pieces[1], *shared])
    assert table.column("part").num_chunks == 4
    got = load_history(Table(None, "<arrow>", arrow=table))
    for key in ("dealer", "part"):
        np.testing.assert_array_equal(got.lines[key], expected.lines[key])
        assert got.lines[key].dtype == np.int32
        np.testing.assert_array_equal(got.names[key], expected.names[key])
    np.testing.assert_array_equal(got.lines["month"], expected.lines["month"])
    if dates == "text":
        assert got.lines["month"].dtype == expected.lines["month"].dtype
    np.testing.assert_array_equal(got.lines["quantity"], expected.lines["quantity"])
    for key in ("rows_read", "rows_blank", "rows_no_quantity", "return_lines", "return_units"):
        assert got.report[key] == expected.report[key]


@pytest.mark.parametrize("block, dense", [(1, True), (3, False), (1 << 22, False)])
def test_demand_matrix_is_the_same_in_any_block_size_and_key_lookup(sales, monkeypatch, block, dense):
    import spareopt.history as sh

    expected = demand_matrix(load_history(sales))
    monkeypatch.setattr(sh, "BLOCK_LINES", block)
    monkeypatch.setattr(sh, "_DENSE_KEYS", 250_000_000 if dense else 0)
    got = demand_matrix(load_history(sales))
    np.testing.assert_array_equal(got.values, expected.values)
    pd.testing.assert_frame_equal(got.keys, expected.keys)
    assert got.negative_months == expected.negative_months
