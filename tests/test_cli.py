"""The ``spareopt`` command end to end: CliRunner on spareopt_cli.main:main, plus real subprocesses."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import assert_same_table, run_cli
from spareopt_cli.main import main

import spareopt
from spareopt.io import write_table

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PREVIOUS = b"dealer,part,decision\nOLD,00001,dealer\n"


@pytest.fixture
def files(cli_files):
    return cli_files


run = run_cli


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _history(*extra: str, months: int = 8, header: str = "dealer,part,date,quantity") -> str:
    body = [f"D1,00123,2024-{m:02d}-03,5" for m in range(1, months + 1)]
    return "\n".join([header, *body, *extra]) + "\n"


# -- bad input: exit 1, one Error line, no output file ------------------------------------------------


def _empty_workbook(name):
    openpyxl.Workbook().save(name)


def _header_only_workbook(name):
    book = openpyxl.Workbook()
    book.active.append(["dealer", "part", "date", "quantity"])
    book.save(name)


BAD = {
    "missing_file": ({}, ["nofile.csv"], "file nofile.csv does not exist; check the path"),
    "missing_parts_file": ({}, ["sales.csv", "--parts", "nope.csv"], "file nope.csv does not exist; check the path"),
    "empty_file": ({"empty.csv": ""}, ["empty.csv"],
                   "file empty.csv is empty; export the data again with a header row and data rows"),
    "empty_parts_file": ({"empty.csv": ""}, ["sales.csv", "--parts", "empty.csv"],
                         "file empty.csv is empty; export the data again with a header row and data rows"),
    "header_no_rows": ({"header.csv": "dealer,part,date,quantity\n"}, ["header.csv"],
                       ("file header.csv has a header but no rows (columns: dealer, part, date, quantity); "
                       "export the data rows too")),
    "header_and_blank_lines": ({"blank.csv": "dealer,part,date,quantity\n\n,,,\n"}, ["blank.csv"],
                               "file blank.csv has a header but no rows (only blank lines); export the data rows too"),
    "missing_column": ({"noq.csv": "dealer,part,date\nD1,00123,2024-01-01\n"}, ["noq.csv"],
                       ("noq.csv: required column `quantity` is missing (headers in the file: 'dealer', 'part', "
                       "'date'). Rename it, or map it with --column quantity=HEADER")),
    "ambiguous_column": ({"amb.csv": "服务站,配件编号,日期,数量,销量\nD1,00123,2024-01-01,1,2\n"}, ["amb.csv"],
                         ("amb.csv: column `quantity` is ambiguous: headers '数量', '销量' all mean quantity. Choose "
                         "one with --column quantity=HEADER (headers in the file: '服务站', '配件编号', '日期', "
                         "'数量', '销量')")),
    "date_and_period": ({"dp.csv": "dealer,part,date,period,quantity\nD1,00123,2024-01-01,2024-01,1\n"}, ["dp.csv"],
                        ("dp.csv: columns 'date', 'period' all give the month (date and period); choose one with "
                        "--column date=HEADER (headers in the file: 'dealer', 'part', 'date', 'period', 'quantity')")),
    "quantity_text": ({"q.csv": _history("D1,00123,2024-08-09,abc", "D1,00124,2024-08-09,5pcs")}, ["q.csv"],
                      ("q.csv: `quantity` must be a finite number; 2 row(s) break it (first: row 10 'abc', "
                      "row 11 '5pcs'). Fix: correct the cells (an empty cell means no record)")),
    "quantity_nan": ({"q.csv": _history("D1,00123,2024-08-09,NaN")}, ["q.csv"],
                     ("q.csv: `quantity` must be a finite number; 1 row(s) break it (first: row 10 'NaN'). "
                     "Fix: correct the cells (an empty cell means no record)")),
    "quantity_inf": ({"q.csv": _history("D1,00123,2024-08-09,inf")}, ["q.csv"],
                     ("q.csv: `quantity` must be a finite number; 1 row(s) break it (first: row 10 'inf'). "
                     "Fix: correct the cells (an empty cell means no record)")),
    "quantity_inf_chinese_header": ({"q.csv": _history("D1,00123,2024-08-09,-inf", header="服务站,配件编号,日期,数量")},
                                    ["q.csv"],
                                    ("q.csv: `quantity` (header '数量') must be a finite number; 1 row(s) break it (first: row 10 '-inf'). "
                                    "Fix: correct the cells (an empty cell means no record)")),
    "unparseable_date": ({"d.csv": _history("D1,00123,2024-02-30,1", "D1,00123,yesterday,1")}, ["d.csv"],
                         ("d.csv: `date` must be a date (YYYY-MM-DD, YYYY/MM/DD, YYYY-MM or an Excel date); 2 row(s) "
                         "break it (first: row 10 '2024-02-30', row 11 'yesterday'). Fix: correct the cells, or map "
                         "another column with --column date=HEADER")),
    "fewer_than_6_months": ({"short.csv": _history(months=5)}, ["short.csv"],
                            ("short.csv: 5 month(s) of history end at as_of 2024-05 (2024-01..2024-05); the seed's MAD "
                            "needs at least 6. Give a longer history or a later --as-of")),
    "as_of_too_early_for_6_months": ({}, ["sales.csv", "--as-of", "2024-04"],
                                     ("sales.csv: 4 month(s) of history end at as_of 2024-04 (2024-01..2024-04); the "
                                     "seed's MAD needs at least 6. Give a longer history or a later --as-of")),
    "as_of_before_history": ({}, ["sales.csv", "--as-of", "2023-12"],
                             ("as_of 2023-12 is before the first month in the history (2024-01); choose a later "
                             "--as-of")),
    "negative_lead_time": ({"m.csv": "part,lead_time_days\n00123,7\nA100,-3\n"}, ["sales.csv", "--parts", "m.csv"],
                           ("m.csv: `lead_time_days` must be >= 0; 1 row(s) break it (first: row 3 '-3'). "
                           "Fix: correct the lead_time_days (blank = default)")),
    "negative_order_cycle": ({"m.csv": "配件编号,采购周期\n00123,-7\n"}, ["sales.csv", "--parts", "m.csv"],
                             ("m.csv: `order_cycle_days` (header '采购周期') must be >= 0; 1 row(s) break it "
                             "(first: row 2 '-7'). Fix: correct the order_cycle_days (blank = default)")),
    "unknown_attribute": ({"m.csv": "part,attribute\n00123,A\nA100,D\n"}, ["sales.csv", "--parts", "m.csv"],
                          ("m.csv: `attribute` must be A, B or C (three-in-one attribute: A wear, B common, "
                          "C assembly); 1 row(s) break it (first: row 3 'D'). Fix: correct the letter "
                          "(blank = default)")),
    "duplicate_master_parts": ({"m.csv": "part,unit_cost\n00123,1\nA100,2\n00123,3\n"},
                               ["sales.csv", "--parts", "m.csv"],
                               ("m.csv: `part` must be unique in the parts master; 1 part(s) are listed more than "
                               "once (first: '00123' at rows 2, 4). Fix: keep one row per part")),
    "xlsx_no_data_sheet": ({"book.xlsx": _empty_workbook}, ["book.xlsx"],
                           ("file book.xlsx has no sheet with data (sheets: Sheet); put the table with its header row "
                           "in the first sheet")),
    "parts_xlsx_no_data_sheet": ({"book.xlsx": _empty_workbook}, ["sales.csv", "--parts", "book.xlsx"],
                                 ("file book.xlsx has no sheet with data (sheets: Sheet); put the table with its "
                                 "header row in the first sheet")),
    "xlsx_header_no_rows": ({"header.xlsx": _header_only_workbook}, ["header.xlsx"],
                            ("file header.xlsx, sheet 'Sheet' has a header (row 1) but no rows; export the data rows "
                            "too")),
    "unknown_column_name": ({}, ["sales.csv", "--column", "foo=bar"],
                            ("--column foo=...: `foo` is not a column spareopt reads; use one of dealer, part, date, "
                            "period, quantity, unit_price, description, unit_cost, lead_time_days, order_cycle_days, "
                            "attribute, pack_size, min_order_qty, commonality, criticality, reorder_point, max_stock, "
                            "min_stock, installed_base, status, end_of_production, unit_volume, shortage_cost, salvage_value, replaced_by, "
                            "old_part, new_part, factor, effective, split")),
    "column_header_not_in_file": ({}, ["sales.csv", "--column", "part=零件代码"],
                                  ("--column part=零件代码: '零件代码' is not a header of sales.csv (headers: 'dealer', "
                                  "'part', 'date', 'quantity', 'unit_price'); check the spelling")),
    "unknown_encoding": ({}, ["sales.csv", "--encoding", "klingon"],
                         "unknown encoding 'klingon' for sales.csv; try utf-8, gbk or gb18030"),
    "config_unknown_key": ({"bad.toml": "abc_a = 0.7\nbogus = 1\n"}, ["sales.csv", "--config", "bad.toml"],
                           ("unknown config key bogus in bad.toml; known keys: ssq_divisor, abc_window_months, abc_a, "
                           "abc_b, high_value_cost, low_volume_max, central_ssq_min, low_volume_basis, abc_basis, "
                           "abc_cutoff, "
                           "abc_count_a, abc_count_b, xyz_x, xyz_y, fsn_fast_months, fsn_slow_months, phase_in_hits, "
                           "phase_in_months, phase_out_months, adi_cutoff, cv2_cutoff, pattern_window_months, "
                           "mc_method, criteria, weights, mc_a, mc_b, mc_lambda, mc_min_weight, mc_joint_table, "
                           "cycle_band_edges, class_policy, policy, forecast_method, alpha, alpha_d, alpha_p, "
                           "sma_months, auto_methods, service_level, fill_rate, fill_rate_scope, "
                           "dispersion_window_months, "
                           "lead_time_demand, obsolescence, backtest_months, normal_min_mean, overdispersion_min, fit_months, "
                           "holding_rate, distribution, dispersion, transfer_days, objective, since, max_id_length, max_history_months, currency, lang, csv_bom, skip_rows, "
                           "date_format, defaults")),
}


def _make(files: dict) -> None:
    for name, content in files.items():
        if callable(content):
            content(name)
        else:
            Path(name).write_bytes(content.encode())


@pytest.mark.parametrize("case", list(BAD))
@pytest.mark.parametrize("output", ["out.csv", "out.xlsx"])
def test_bad_input_exits_1_with_one_error_line_and_writes_nothing(files, case, output):
    make, args, message = BAD[case]
    _make(make)
    result = run("must-stock", *args, "-o", output)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {message}\n"
    assert result.stdout == ""
    assert not Path(output).exists()
    # a previous good output is left byte for byte as it was
    Path(output).write_bytes(PREVIOUS)
    again = run("must-stock", *args, "-o", output)
    assert (again.exit_code, again.stderr) == (1, f"Error: {message}\n")
    assert Path(output).read_bytes() == PREVIOUS
    assert _leftovers(files) == []


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "out.dat"], ("cannot tell the output format of -o out.dat: use a .csv, .xlsx, .parquet or .json suffix, "
                        "or pass --format")),
    (["-o", "nodir/out.csv"], ("cannot write -o nodir/out.csv: folder nodir does not exist; create it first, or name "
                               "a file in an existing folder")),
    (["--format", "parquet"], "parquet output needs a file: pass -o FILE.parquet"),
    (["--format", "xlsx"], "xlsx output needs a file: pass -o FILE.xlsx"),
])
def test_bad_output_exits_1(files, args, message):
    result = run("must-stock", "sales.csv", *args)
    assert (result.exit_code, result.stderr, result.stdout) == (1, f"Error: {message}\n", "")
    assert sorted(os.listdir(files)) == ["parts.csv", "sales.csv"]


def test_output_that_is_a_folder_is_an_error(files):
    Path("out.csv").mkdir()
    result = CliRunner().invoke(main, ["must-stock", "sales.csv", "-o", "out.csv"])
    assert result.exit_code == 1
    assert result.stderr == ("Error: cannot write -o out.csv: it is a folder; name a file, e.g. "
                             "out.csv/must_stock.csv\n")
    assert _leftovers(files) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--as-of", "2024-13"], "Invalid value for '--as-of': expected a month YYYY-MM, e.g. 2024-06; got '2024-13'"),
    (["--as-of", "2024-7"], "Invalid value for '--as-of': expected a month YYYY-MM, e.g. 2024-06; got '2024-7'"),
    (["--as-of", "202407"], "Invalid value for '--as-of': expected a month YYYY-MM, e.g. 2024-06; got '202407'"),
    (["--column", "part"], "Invalid value for '--column': expected CANONICAL=SOURCE, e.g. part=零件代码; got 'part'"),
    (["--column", "=part_id"], ("Invalid value for '--column': expected CANONICAL=SOURCE, e.g. part=零件代码; "
                               "got '=part_id'")),
    (["--format", "xls"], "Invalid value for '--format': 'xls' is not one of 'csv', 'xlsx', 'parquet', 'json'."),
])
def test_usage_errors_exit_2(files, args, message):
    result = run("must-stock", "sales.csv", *args, "-o", "out.csv")
    assert result.exit_code == 2
    assert result.stderr.endswith(f"\nError: {message}\n")
    assert result.stderr.startswith("Usage: spareopt must-stock [OPTIONS] HISTORY\n")
    assert not Path("out.csv").exists()


# -- the run report on stderr -------------------------------------------------------------------------


def test_run_report_counts_skipped_ignored_and_netted_rows(files):
    Path("h.csv").write_text(_history(
        "D1,00123,2024-08-09,",  # row 10: empty quantity, no record
        "",  # row 11: blank line
        ",,,",  # row 12: blank row
        "D1,00123,2024-06-19,  ",  # row 13: empty quantity
        "D1,00123,2024-07-20,-40",  # row 14: a return larger than the month's sales
        "D1,00123,2024-07-21,3",  # row 15
    ))
    result = run("must-stock", "h.csv", "--as-of", "2024-07")
    assert result.exit_code == 0
    lines = result.stderr.splitlines()
    assert lines[:7] == [
        "read 14 rows from h.csv, utf-8",
        "  skipped 2 rows with an empty quantity (no record; first rows 10, 13)",
        "  skipped 2 blank rows (first rows 11, 12)",
        "  ignored 1 rows after as_of 2024-07",
        "  netted 1 return lines (40 units) inside their months",
        "  counted 1 series-months with negative net demand as 0",
        "series 1 (1 dealers, 1 parts), months 7 (2024-01..2024-07), as_of 2024-07",
    ]
    assert result.stdout.splitlines()[1].startswith("D1,00123,")


def test_run_report_gives_the_first_blank_row_numbers(files):
    Path("h.csv").write_text(_history("", ",,,"))
    result = run("must-stock", "h.csv")
    assert "  skipped 2 blank rows (first rows 10, 11)" in result.stderr.splitlines()


def test_run_report_names_columns_encoding_master_and_decisions(files):
    result = run("must-stock", "sales.csv", "--parts", "parts.csv")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "read 217 rows from sales.csv, utf-8",
        "  netted 2 return lines (5 units) inside their months",
        "  counted 1 series-months with negative net demand as 0",
        "series 20 (3 dealers, 7 parts), months 8 (2024-01..2024-08), as_of 2024-08",
        "parts master parts.csv: 0 parts in the history are not in it and took the defaults",
        "  defaults used for: pack_size 7 parts",
        "ABC by value over 8 months",
        "decisions: dealer 13, central 1, none 6",
        "reasons: direct_supply 3, high_value_assembly 3, low_ssq 1, stock 13",
        "dealer stock value at max_stock: 15,147.00",
        ("policy seed; demand model: forecast auto (croston 14, poisson_gamma 6), lead-time demand auto "
        "(monthly_variance 14, poisson_gamma 6) over a 8-month window"),
        ("  backtest: the history is too short (backtest_months + 6 months); each pattern takes its default model, "
        "unscaled"),
        ("  dealer rows: poisson 9, negative_binomial 1, normal 3; implied service: mean CSL 0.999, fill rate 1.000 "
        "(weighted by forecast)"),
    ]


# -- output ---------------------------------------------------------------------------------------------


def _expected_csv(table: pd.DataFrame) -> str:
    buffer = io.StringIO()
    write_table(table, buffer)
    return buffer.getvalue()


def test_csv_on_stdout_without_output(files, sales, parts_master):
    result = run("must-stock", "sales.csv", "--parts", "parts.csv")
    assert result.exit_code == 0
    assert result.stdout == _expected_csv(spareopt.must_stock(sales, parts_master).table)
    assert result.stdout.splitlines()[1] == ("D01,00123,brake pad set,A,A,AA2,smooth,12.5,194,32.19047619,"
                                             "75.11111111,83,90,croston,30.9646668,normal,,,1,1,dealer,stock,,1")
    assert "wrote" not in result.stderr


def test_stdin_dash_reads_csv(files, sales):
    zh = sales.rename(columns={"part": "配件编号", "date": "日期", "quantity": "数量", "dealer": "服务站",
                               "unit_price": "单价"})
    from_file = run("must-stock", "sales.csv", "--parts", "parts.csv")
    from_stdin = run("must-stock", "-", "--parts", "parts.csv", input=zh.to_csv(index=False).encode("gbk"))
    assert from_stdin.exit_code == 0
    assert from_stdin.stdout == from_file.stdout
    assert from_stdin.stderr.splitlines()[0] == "read 217 rows from <stdin>, gb18030"


@pytest.mark.parametrize(("args", "fmt"), [
    (["-o", "out.csv"], "csv"), (["-o", "out.xlsx"], "xlsx"), (["-o", "out.parquet"], "parquet"),
    (["-o", "out.json"], "json"), (["-o", "out.dat", "--format", "json"], "json"),
    (["-o", "out.csv", "--format", "parquet"], "parquet"),
])
def test_output_format_from_suffix_or_format(files, sales, parts_master, args, fmt):
    result = run("must-stock", "sales.csv", "--parts", "parts.csv", *args)
    assert result.exit_code == 0
    out = Path(args[1])
    assert result.stderr.endswith(f"\nwrote 20 rows to {out}\n")
    assert result.stdout == ""
    expected = spareopt.must_stock(sales, parts_master).table
    if fmt == "csv":
        assert out.read_text(encoding="utf-8") == _expected_csv(expected)
    elif fmt == "parquet":
        assert_same_table(expected, pd.read_parquet(out))
    elif fmt == "json":
        records = json.loads(out.read_text(encoding="utf-8"))
        assert len(records) == 20 and list(records[0]) == [c for c in spareopt.OUTPUT_COLUMNS if c != "min_stock"]
        assert records[0]["part"] == "00123" and next(r for r in records if r["decision"] != "dealer")["priority"] is None
    else:
        book = openpyxl.load_workbook(out)
        assert book.sheetnames == ["summary", "D01", "D02", "D03"]
    assert _leftovers(files) == []


def test_xlsx_output_is_what_a_planner_opens(files, sales, parts_master):
    assert run("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "out.xlsx").exit_code == 0
    book = openpyxl.load_workbook("out.xlsx")
    assert book.sheetnames == ["summary", "D01", "D02", "D03"]
    expected = spareopt.must_stock(sales, parts_master).table
    for dealer in ("D01", "D02", "D03"):
        sheet = book[dealer]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[0] == tuple(c for c in spareopt.OUTPUT_COLUMNS if c != "min_stock")
        mine = expected[expected["dealer"] == dealer]
        assert [r[1] for r in rows[1:]] == mine["part"].tolist()
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == f"A1:X{len(mine) + 1}"
    assert book["D01"]["B2"].value == "00123" and book["D01"]["B2"].data_type == "s"
    assert book["D01"]["L2"].value == 83  # numbers stay numbers
    summary = dict(book["summary"].iter_rows(min_row=2, values_only=True))
    assert summary["as_of"] == "2024-08"
    assert (summary["decision: dealer"], summary["decision: central"], summary["decision: none"]) == (13, 1, 6)
    assert (summary["reason: direct_supply"], summary["reason: low_ssq"], summary["reason: stock"]) == (3, 1, 13)
    assert (summary["return lines netted"], summary["negative months counted as 0"]) == (2, 1)
    assert summary["rows ignored: after as_of"] == 0
    assert summary["dealer stock value at max_stock"] == 15147


def test_xlsx_without_dealer_column_has_one_network_sheet(files, sales):
    sales.drop(columns="dealer").to_csv("network.csv", index=False)
    assert run("must-stock", "network.csv", "-o", "out.xlsx").exit_code == 0
    book = openpyxl.load_workbook("out.xlsx")
    assert book.sheetnames == ["summary", "network"]
    header = next(book["network"].iter_rows(values_only=True))
    assert header == tuple(c for c in spareopt.OUTPUT_COLUMNS if c not in ("dealer", "description", "min_stock"))
    assert book["network"].freeze_panes == "A2"
    assert book["network"].auto_filter.ref == "A1:V8"
    assert dict(book["summary"].iter_rows(min_row=2, values_only=True))["dealers"] == "(no dealer column)"


@pytest.mark.parametrize(("history", "parts", "dropped"), [
    ("sales.csv", ["--parts", "parts.csv"], ()),
    ("sales.csv", [], ("description",)),
    ("network.csv", ["--parts", "parts.csv"], ("dealer",)),
    ("network.csv", [], ("dealer", "description")),
])
def test_output_columns_in_order(files, sales, history, parts, dropped):
    sales.drop(columns="dealer").to_csv("network.csv", index=False)
    result = run("must-stock", history, *parts)
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].split(",") == [c for c in spareopt.OUTPUT_COLUMNS
                                                        if c not in (*dropped, "min_stock")]


def test_only_stocked_keeps_dealer_and_central_rows(files):
    full = pd.read_csv(io.StringIO(run("must-stock", "sales.csv", "--parts", "parts.csv").stdout), dtype=str)
    result = run("must-stock", "sales.csv", "--parts", "parts.csv", "--only-stocked")
    assert result.exit_code == 0
    kept = pd.read_csv(io.StringIO(result.stdout), dtype=str)
    assert sorted(set(kept["decision"])) == ["central", "dealer"]
    assert len(kept) == 14
    pd.testing.assert_frame_equal(kept, full[full["decision"] != "none"].reset_index(drop=True))
    assert kept["part"].iloc[0] == "00123"  # leading zeros survive the CSV
    assert "decisions: dealer 13, central 1, none 6" in result.stderr.splitlines()  # the report counts all


def test_formulas_are_neutralised_in_csv_and_xlsx_not_parquet(files, parts_master):
    parts_master.loc[parts_master["part"] == "B200", "description"] = "-cable"
    parts_master.loc[parts_master["part"] == "C300", "description"] = "@SUM(1)"
    parts_master.to_csv("parts.csv", index=False)
    risky = {"F600": "=SUM(A1:A9)", "G700": "+wiper blade", "B200": "-cable", "C300": "@SUM(1)"}

    csv = pd.read_csv(io.StringIO(run("must-stock", "sales.csv", "--parts", "parts.csv").stdout), dtype=str)
    for part, text in risky.items():
        assert set(csv.loc[csv["part"] == part, "description"]) == {"'" + text}
    assert set(csv.loc[csv["part"] == "A100", "description"]) == {"air filter"}

    run("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "out.xlsx")
    sheet = openpyxl.load_workbook("out.xlsx")["D01"]
    cells = {row[1].value: row[2] for row in sheet.iter_rows(min_row=2)}
    for part, text in risky.items():
        assert (cells[part].value, cells[part].data_type) == ("'" + text, "s")

    run("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "out.parquet")
    parquet = pd.read_parquet("out.parquet")
    for part, text in risky.items():
        assert set(parquet.loc[parquet["part"] == part, "description"]) == {text}


def test_as_of_option(files):
    result = run("must-stock", "sales.csv", "--as-of", "2024-06")
    assert result.exit_code == 0
    assert "  ignored 56 rows after as_of 2024-06" in result.stderr.splitlines()
    assert "series 20 (3 dealers, 7 parts), months 6 (2024-01..2024-06), as_of 2024-06" in result.stderr.splitlines()


def test_column_option_maps_headers(files, sales):
    sales.rename(columns={"part": "零件代码", "quantity": "件数"}).to_csv("odd.csv", index=False)
    mapped = run("must-stock", "odd.csv", "--parts", "parts.csv", "--column", "part=零件代码", "--column", "quantity=件数")
    plain = run("must-stock", "sales.csv", "--parts", "parts.csv")
    assert mapped.exit_code == 0
    assert mapped.stdout == plain.stdout
    assert "  columns: part=零件代码, quantity=件数" in mapped.stderr.splitlines()


def test_column_option_chooses_between_date_and_period(files):
    rows = [f"00123,2024-{m:02d}-15,2024-{m + 1:02d},5" for m in range(1, 9)]
    Path("both.csv").write_text("part,date,period,quantity\n" + "\n".join(rows) + "\n")
    by_date = run("must-stock", "both.csv", "--column", "date=date")
    by_period = run("must-stock", "both.csv", "--column", "period=period")
    assert "months 8 (2024-01..2024-08), as_of 2024-08" in by_date.stderr
    assert "months 8 (2024-02..2024-09), as_of 2024-09" in by_period.stderr


def test_encoding_option(files, sales):
    sales.rename(columns={"part": "配件编号"}).to_csv("gbk.csv", index=False, encoding="gbk")
    result = run("must-stock", "gbk.csv", "--encoding", "gbk")
    assert result.exit_code == 0
    assert result.stderr.splitlines()[0] == "read 217 rows from gbk.csv, gbk"


def test_failed_write_keeps_the_previous_output(files, monkeypatch):
    from spareopt import io as spio

    Path("out.xlsx").write_bytes(PREVIOUS)

    def half_then_fail(frame, fh, *_):
        fh.write(b"PK\x03\x04 half a workbook")
        raise OSError("No space left on device")

    monkeypatch.setitem(spio._WRITERS, "xlsx", half_then_fail)
    result = run("must-stock", "sales.csv", "-o", "out.xlsx", "-q")
    assert (result.exit_code, result.stderr) == (1, "Error: cannot write -o out.xlsx: No space left on device\n")
    assert Path("out.xlsx").read_bytes() == PREVIOUS
    assert _leftovers(files) == []


# -- other commands ----------------------------------------------------------------------------------


def test_version():
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"spareopt, version {spareopt.__version__}\n")


def test_config_prints_toml_that_round_trips(tmp_path):
    result = run("config")
    assert result.exit_code == 0
    assert tomllib.loads(result.stdout)["abc_a"] == 0.8
    (tmp_path / "c.toml").write_text(result.stdout, encoding="utf-8")
    assert spareopt.load_config(tmp_path / "c.toml") == spareopt.Config()


def test_config_merges_a_config_file(tmp_path):
    (tmp_path / "my.toml").write_text('abc_a = 0.7\nhigh_value_cost = 3000\n\n[defaults]\nlead_time_days = 3\n'
                                      'unit_cost = 2.5\n')
    result = run("config", "--config", str(tmp_path / "my.toml"))
    assert result.exit_code == 0
    assert "abc_a = 0.7" in result.stdout.splitlines()
    (tmp_path / "back.toml").write_text(result.stdout)
    assert spareopt.load_config(tmp_path / "back.toml") == spareopt.load_config(tmp_path / "my.toml")
    assert spareopt.load_config(tmp_path / "back.toml").defaults.unit_cost == 2.5


@pytest.mark.parametrize(("toml", "message"), [
    ("abc_a = 0.7\nabc_bases = 1\n", ("unknown config key abc_bases in bad.toml; did you mean abc_basis? "
                                     "(`spareopt config` prints every key)")),
    ("[defaults]\nlead_time = 1\n", ("unknown config key defaults.lead_time in bad.toml; did you mean "
                                    "defaults.lead_time_days? (`spareopt config` prints every key)")),
])
def test_config_with_an_unknown_key(tmp_path, monkeypatch, toml, message):
    monkeypatch.chdir(tmp_path)
    Path("bad.toml").write_text(toml)
    result = run("config", "--config", "bad.toml")
    assert (result.exit_code, result.stderr, result.stdout) == (1, f"Error: {message}\n", "")


def test_config_file_changes_the_run(files):
    Path("c.toml").write_text("low_volume_max = 0\ncentral_ssq_min = 0\n")
    result = run("must-stock", "sales.csv", "--parts", "parts.csv", "--config", "c.toml")
    assert "decisions: dealer 14, central 0, none 6" in result.stderr.splitlines()


def test_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("demo")
    assert result.exit_code == 0
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"part": str})
    assert list(table.columns) == [c for c in spareopt.OUTPUT_COLUMNS if c not in ("dealer", "min_stock")]
    assert len(table) == int(result.stderr.split("series ")[1].split(" ")[0])
    assert set(table["decision"]) == {"dealer", "central", "none"}
    assert result.stderr.startswith("read ")
    assert "carparts_sample.csv" in result.stderr.splitlines()[0]
    stocked = run("demo", "--only-stocked", "-o", "demo.xlsx")
    assert stocked.exit_code == 0
    assert openpyxl.load_workbook("demo.xlsx").sheetnames == ["summary", "network"]


@pytest.mark.parametrize("command", [[], ["must-stock"], ["classify"], ["forecast"], ["evaluate"], ["last-buy"],
                                     ["order"], ["dead-stock"], ["kpi"], ["optimize"], ["report"], ["demo"], ["config"]])
def test_every_help_ends_with_an_example(command):
    result = run(*command, "--help")
    assert result.exit_code == 0
    description = result.stdout.split("\nOptions:")[0].rstrip()
    last_block = description.split("\n\n")[-1]
    assert last_block.lstrip().startswith("Example:")
    examples = last_block.strip().splitlines()[1:]
    assert examples and all(line.strip().startswith("spareopt ") for line in examples)


def test_every_command_is_covered_by_the_help_test():
    assert sorted(main.commands) == ["classify", "config", "dead-stock", "demo", "evaluate", "forecast", "kpi",
                                     "last-buy", "must-stock", "optimize", "order", "report"]


# -- real processes -------------------------------------------------------------------------------------


def _console_script() -> str:
    beside = Path(sys.executable).with_name("spareopt")
    found = str(beside) if beside.exists() else shutil.which("spareopt")
    if found is None:
        pytest.skip("the spareopt console script is not installed")
    return found


def test_python_dash_m_spareopt(files, sales, parts_master):
    proc = subprocess.run([sys.executable, "-m", "spareopt", "must-stock", "sales.csv", "--parts", "parts.csv",
                           "-o", "out.parquet"], capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.endswith("\nwrote 20 rows to out.parquet\n")
    assert_same_table(spareopt.must_stock(sales, parts_master), pd.read_parquet("out.parquet"))


def test_console_script_reads_stdin(files, sales):
    proc = subprocess.run([_console_script(), "must-stock", "-", "--only-stocked"],
                          input=sales.to_csv(index=False).encode("utf-8-sig"), capture_output=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr.decode()
    lines = proc.stdout.decode("utf-8").splitlines()
    assert lines[0] == ",".join(c for c in spareopt.OUTPUT_COLUMNS if c not in ("description", "min_stock"))
    assert lines[1] == ("D01,E500,B,B,BB2,smooth,3.2,312,52.42857143,122.3333333,135,147,croston,51.1181892,normal,"
                        ",,1,1,dealer,stock,,1")  # cost
    assert "D01,00123,A,B,AB2,smooth,12.5,194," in proc.stdout.decode("utf-8")  # leading zeros survive
    assert proc.stderr.decode().startswith("read 217 rows from <stdin>, utf-8\n")


def test_console_script_bad_input_has_no_traceback(files):
    Path("out.csv").write_bytes(PREVIOUS)
    Path("q.csv").write_text(_history("D1,00123,2024-08-09,inf"))
    proc = subprocess.run([_console_script(), "must-stock", "q.csv", "-o", "out.csv"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 1
    assert proc.stderr == ("Error: q.csv: `quantity` must be a finite number; 1 row(s) break it (first: row 10 'inf'). "
                           "Fix: correct the cells (an empty cell means no record)\n")
    assert proc.stdout == ""
    assert Path("out.csv").read_bytes() == PREVIOUS
    assert _leftovers(files) == []


def test_python_dash_m_usage_error_exits_2(files):
    proc = subprocess.run([sys.executable, "-m", "spareopt", "must-stock", "sales.csv", "--as-of", "June"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 2
    assert proc.stderr.endswith("Error: Invalid value for '--as-of': expected a month YYYY-MM, e.g. 2024-06; "
                                "got 'June'\n")
    assert "Traceback" not in proc.stderr


def test_closed_stdout_pipe_is_not_an_error(files):
    # `spareopt must-stock big.csv | head -1`: 3,000 series give ~200 kB of CSV, more than a pipe buffer holds
    rows = [f"P{p:05d},2024-{m:02d},{p % 7 + m}" for p in range(3000) for m in range(1, 9)]
    Path("big.csv").write_text("part,period,quantity\n" + "\n".join(rows) + "\n")
    proc = subprocess.Popen([sys.executable, "-m", "spareopt", "must-stock", "big.csv"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.stderr.close()
    assert proc.wait(timeout=60) == 0
    assert first.decode().startswith("part,abc_class,")
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr


# -- real data --------------------------------------------------------------------------------------------


def test_carparts_real_data(tmp_path):
    path = DATA / "carparts" / "carparts_long.csv"
    if not path.is_file():
        pytest.skip(f"{path} is absent (../shared/data is not part of the repository)")
    result = run("must-stock", str(path), "--column", "part=part_id", "-o", str(tmp_path / "carparts.parquet"))
    assert result.exit_code == 0, result.stderr
    lines = result.stderr.splitlines()
    assert lines[0] == f"read 136,374 rows from {path}, utf-8"
    assert "  skipped 6,122 rows with an empty quantity (no record; first rows 1444, 1445, 1446, 1447, 1448)" in lines
    assert "series 2,674 (2,674 parts), months 51 (1998-01..2002-03), as_of 2002-03" in lines
    table = pd.read_parquet(tmp_path / "carparts.parquet")
    assert len(table) == 2674
    assert list(table.columns) == [c for c in spareopt.OUTPUT_COLUMNS if c not in ("dealer", "description", "min_stock")]


# -- progress and --quiet -----------------------------------------------------------------------------


def test_quiet_prints_nothing_on_stderr_and_writes_the_same_table(files):
    loud = run("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "loud.csv")
    quiet = run("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "quiet.csv", "--quiet")
    assert loud.exit_code == quiet.exit_code == 0
    assert "wrote" in loud.stderr and quiet.stderr == ""
    assert Path("loud.csv").read_bytes() == Path("quiet.csv").read_bytes()


def test_quiet_still_shows_errors(files):
    result = run("must-stock", "missing.csv", "-q")
    assert result.exit_code == 1 and result.stderr.startswith("Error: file missing.csv does not exist")


def test_no_progress_bar_when_stderr_is_not_a_terminal(files):
    result = run("must-stock", "sales.csv", "-o", "out.csv")
    assert "\r" not in result.stderr and "[" not in result.stderr.splitlines()[0]


def test_must_stock_reports_its_stages_in_order(sales, parts_master):
    seen: list[str] = []
    spareopt.must_stock(sales, parts_master, progress=seen.append)
    assert tuple(seen) == spareopt.inputs.STAGES


def test_progress_bar_draws_on_a_terminal_and_erases_itself(monkeypatch):
    import time

    from conftest import terminal as on_a_terminal
    from spareopt_cli.output import Progress

    terminal = on_a_terminal(monkeypatch)
    with Progress(2, quiet=False, delay=0.0) as progress:
        progress("read")
        deadline = time.monotonic() + 10.0
        while "1/2 read" not in terminal.getvalue() and time.monotonic() < deadline:  # the first redraw, at 0.2 s
            time.sleep(0.02)
    text = terminal.getvalue()
    assert "spareopt [" in text and "1/2 read" in text
    assert text.endswith("\r\033[K")  # the line is erased when the run ends
    quiet = on_a_terminal(monkeypatch)
    with Progress(2, quiet=True, delay=0.0) as progress:
        progress("read")
        time.sleep(0.3)
    assert quiet.getvalue() == ""
