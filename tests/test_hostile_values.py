"""Hostile input, the values family (issue 23): a value no real history holds stops the run with the row
named, where it overflowed, was read as something else, or became a stocked part.

Numbers beyond 1e15 in size (quantities, lead times, pack sizes, unit costs, reserved stock), levels that
overflow although each input is in range, NUL and control characters in identifiers, a date far from the rest
(2099, a five-digit number read as an Excel serial from 1933, 1899, year 0222) unless ``--as-of`` says where the
history ends, a comma inside a number of a ``;``-separated file, a total row exported with the data.  Each case
asserts the exact ``Error:`` line (or the correct result), the exit code, and that the previous output is byte
for byte unchanged (helpers in tests/hostile.py).
"""

from __future__ import annotations

import pytest
from conftest import run_cli
from hostile import BODY, HEADER, fails, write

# -- numbers --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("extra", "message"), [
    ("D1,P1,2024-05-03,1e300\n", ("sales.csv: `quantity` must be at most 1,000,000,000,000,000 in size; 1 row(s) break "
                                 "it (first: row 62 '1e300'). Fix: correct the cells (an empty cell means no record)")),
    ("D1,P\x001,2024-05-03,1\n", ("sales.csv: `part` must not hold control characters (a NUL, tab or line break inside "
                                 "the cell); 1 row(s) break it (first: row 62 'P\\x001'). Fix: correct the part cells; "
                                 "a broken export or a pasted cell often leaves them")),
    ("D1,P1,2024-05-03,-1e20\n", ("sales.csv: `quantity` must be at most 1,000,000,000,000,000 in size; 1 row(s) "
                                 "break it (first: row 62 '-1e20'). Fix: correct the cells (an empty cell means no "
                                 "record)")),
    ("D1,P1,2024-05-03,inf\n", ("sales.csv: `quantity` must be a finite number; 1 row(s) break it (first: row 62 "
                               "'inf'). Fix: correct the cells (an empty cell means no record)")),
    ("D\x001,P1,2024-05-03,1\n", ("sales.csv: `dealer` must not hold control characters (a NUL, tab or line break "
                                 "inside the cell); 1 row(s) break it (first: row 62 'D\\x001'). Fix: correct the "
                                 "dealer cells; a broken export or a pasted cell often leaves them")),
    ('D1,"P\n1",2024-05-03,1\n', ("sales.csv: `part` must not hold control characters (a NUL, tab or line break "
                                 "inside the cell); 1 row(s) break it (first: row 62 'P\\n1'). Fix: correct the part "
                                 "cells; a broken export or a pasted cell often leaves them")),
])
def test_absurd_values_in_the_history(here, extra, message):
    write("sales.csv", HEADER + BODY + extra)
    fails(("must-stock", "sales.csv"), message)


def test_a_lead_time_of_1e20_days(here):
    write("parts.csv", "part,lead_time_days\nP1,1e20\n")
    fails(("must-stock", "ok.csv", "--parts", "parts.csv"),
          "parts.csv: `lead_time_days` must be at most 1,000,000,000,000,000 in size; 1 row(s) break it (first: row 2 "
          "'1e20'). Fix: correct the lead_time_days (blank = default)")


def test_reserved_stock_of_1e20(here):
    write("stock.csv", "dealer,part,on_hand,reserved\nD1,P1,1,1e20\n")
    fails(("order", "ok.csv", "--stock", "stock.csv"),
          "stock.csv: `reserved` must be at most 1,000,000,000,000,000 in size; 1 row(s) break it (first: row 2 "
          "'1e20'). Fix: correct the reserved (blank = 0)")


@pytest.mark.parametrize(("column", "value", "fix"), [
    ("pack_size", "1e20", "correct the pack_size (blank = default)"),
    ("unit_cost", "1e308", "correct the unit_cost (blank = default)"),
    ("unit_cost", "-1e300", "correct the unit_cost (blank = default)"),
])
def test_a_pack_size_or_unit_cost_beyond_1e15_in_the_parts_master(here, column, value, fix):
    """A unit cost of 1e308 was taken as no cost at all (the part's value unknown), silently."""
    write("parts.csv", f"part,{column}\nP1,{value}\n")
    fails(("must-stock", "ok.csv", "--parts", "parts.csv"),
          f"parts.csv: `{column}` must be at most 1,000,000,000,000,000 in size; 1 row(s) break it (first: row 2 "
          f"'{value}'). Fix: {fix}")


@pytest.mark.parametrize(("policy", "shown"), [
    ("seed", "mad 100000000000002.19, lead_time_days 1000000000000000, ssq 1.6666666666667148e+28"),
    ("service-level", "forecast 100000000000001.78, lead_time_days 1000000000000000, order_cycle_days 7"),
])
def test_a_stock_level_beyond_2_to_the_53_units_is_refused(here, policy, shown):
    """1e14 units a month over a lead time of 1e15 days: each value is within the bound, the reorder point is
    not.  The seed's level was cast to int64 as -9223372036854775808 (a RuntimeWarning on stderr and a message
    about a negative reorder point), the service level's search ran out of doublings (exit 3, internal error)."""
    write("sales.csv", HEADER + BODY + "".join(f"D1,P1,2024-{m:02d}-15,1e14\n" for m in range(1, 13)))
    write("parts.csv", "part,lead_time_days\nP1,1e15\n")
    fails(("must-stock", "sales.csv", "--parts", "parts.csv", "--policy", policy),
          "`reorder_point` must be at most 9,007,199,254,740,992 units; 1 of 5 rows break it (first: row 1, "
          f"{shown}). Check the demand, lead time and order cycle for a typo or a value in the wrong unit")


# -- dates far from the rest ----------------------------------------------------------------------------------------


def test_one_line_dated_2099_is_an_error_unless_as_of_says_where_the_history_ends(here):
    write("sales.csv", HEADER + BODY + "D1,P1,2099-05-03,1\n")
    fails(("must-stock", "sales.csv"),
          "sales.csv: `date` must not be more than a year after the rest of the history, which ends 2024-12; 1 row(s) "
          "break it (first: row 62 '2099-05-03'). Fix: correct the date (a typo in the year?), or pass --as-of "
          "2024-12 to plan at the end of the rest (later lines are then ignored)")
    result = run_cli("must-stock", "sales.csv", "--as-of", "2024-12")
    assert result.exit_code == 0 and "ignored 1 rows after as_of 2024-12" in result.stderr


def test_a_gap_inside_the_history_is_no_error(here):
    """Only the latest months can stand apart: a dealer that paused for two years is real history."""
    early = "".join(f"D2,P1,2021-{m:02d}-03,1\n" for m in range(1, 13))
    write("sales.csv", HEADER + early + BODY)
    assert run_cli("must-stock", "sales.csv", "-q").exit_code == 0


@pytest.mark.parametrize("date", ["12345", "1899-12-30", "0222-05-03"])
def test_a_line_dated_more_than_40_years_before_the_end(here, date):
    """12345 is an Excel serial (1933-10-18), 1899-12-30 Excel's day 0, 0222 a typo: each would stretch the
    matrix over decades of empty months."""
    write("sales.csv", HEADER + BODY + f"D1,P1,{date},1\n")
    fails(("must-stock", "sales.csv"),
          "sales.csv: `date` must be within 40 years of the history's end (2024-12), from 1985-01 on; 1 row(s) break "
          f"it (first: row 62 '{date}'). Fix: correct the year (a typo?), or pass --since 1985-01 to leave out the "
          "lines before")


@pytest.mark.parametrize(("extra", "message"), [
    (("D1", "P1", "2099-05-03", 1.0),
     ("sales.parquet: 1 line(s) dated 2099-05 are more than a year after the rest of the history, which ends 2024-12. "
     "Fix: correct the dates (a typo in the year?), or pass --as-of 2024-12 to plan at the end of the rest")),
    (("D1", "P1", "0222-05-03", 1.0),
     ("sales.parquet: 1 line(s) dated 0222-05 are more than 40 years before the history's end (2024-12). Fix: "
     "correct the year (a typo?), or pass --since 1985-01 to leave out the lines before")),
])
def test_the_stream_engine_checks_the_networks_months(here, extra, message):
    import pandas as pd

    rows = [line.split(",") for line in BODY.splitlines()] + [list(extra)]
    frame = pd.DataFrame(rows, columns=["dealer", "part", "date", "quantity"]).astype({"quantity": float})
    frame.to_parquet("sales.parquet")
    fails(("must-stock", "sales.parquet", "--engine", "stream"), message)


# -- ambiguities are errors, not guesses ----------------------------------------------------------------------------


def test_a_comma_in_a_number_of_a_semicolon_file_is_refused(here):
    """In a ;-separated export, 12,500 is 12.5 in a decimal-comma locale and 12500 with a thousands separator:
    the run refuses to guess (it read 12500)."""
    write("sales.csv", HEADER.replace(",", ";") + "".join(line.replace(",", ";")[:-1] + ",500\n"
                                                          for line in BODY.splitlines(keepends=True)))
    fails(("must-stock", "sales.csv"),
          "sales.csv: `quantity` holds a comma in a ;-separated file, where it may be a decimal comma (12,5) or a "
          "thousands separator (12,500); 60 row(s) break it (first: row 2 '1,500', row 3 '2,500', row 4 '3,500', "
          "row 5 '1,500', row 6 '2,500' (+55 more)). Fix: export the numbers with a decimal point and no thousands "
          "separator")
    write("plain.csv", HEADER.replace(",", ";") + BODY.replace(",", ";"))
    assert run_cli("must-stock", "plain.csv", "-q").exit_code == 0


@pytest.mark.parametrize(("line", "column"), [("D1,合计,2024-06-30,60\n", "part"), ("合计,,2024-06-30,60\n", "dealer"),
                                              ("D1,Total,2024-06-30,60\n", "part")])
def test_a_total_row_exported_with_the_data_is_refused(here, line, column):
    """A report's 合计 line would become a stocked part (reorder point 2,775 in the audit).  Below the data it is
    a footer, dropped and counted (test_dms_exports.py); with lines below it, it is refused."""
    write("sales.csv", HEADER + BODY + line + BODY)
    label = line.split(",")[0 if column == "dealer" else 1]
    fails(("must-stock", "sales.csv"),
          f"sales.csv: `{column}` holds a total row's label, not a {column}; 1 row(s) break it (first: row 62 "
          f"'{label}'). Fix: delete the total rows (合计 / 小计 / Total) from the export")
