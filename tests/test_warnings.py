"""A run report that warns (issue 24, item 6): its warnings come first, on stderr and on the summary sheet, and each
names what to check."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import run_cli

import spareopt.engine
from spareopt.history import as_of_gap, month_ordinal

GAP_3 = ("warning: as_of 2025-03 is 3 month(s) after the history's last month (2024-12): they count as months without "
         "demand (pass --as-of 2024-12 if the export is only older)")


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    rows = [(f"D{1 + i % 2}", f"P{i % 4}", f"2024-{1 + i % 12:02d}-05", 5 + i % 7) for i in range(480)]
    frame = pd.DataFrame(rows, columns=["dealer", "part", "date", "quantity"])
    frame.to_csv("sales.csv", index=False)
    frame.to_parquet("sales.parquet")
    return tmp_path


def _first_line(*args: str) -> str:
    """The first line of the run report of ``spareopt ARGS -o out.csv``, which must succeed."""
    result = run_cli(*args, "-o", "out.csv")
    assert result.exit_code == 0, result.output
    return result.stderr.splitlines()[0]


@pytest.mark.parametrize("history", ["sales.csv", "sales.parquet --engine stream"])
def test_an_as_of_past_the_data_is_the_first_line(desk, history):
    result = run_cli("must-stock", *history.split(), "--as-of", "2025-03", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == GAP_3


def test_an_as_of_six_months_past_the_data_says_every_series_is_no_demand(desk):
    assert _first_line("must-stock", "sales.csv", "--as-of", "2025-06") == (
        "warning: as_of 2025-06 is 6 month(s) after the history's last month (2024-12): they count as months without "
        "demand, so the seed's 6-month MAD sees no sale and every series is no_demand. Pass --as-of 2024-12, or a "
        "history that reaches 2025-06")
    assert set(pd.read_csv("out.csv")["reason"]) == {"no_demand"}


def test_an_as_of_within_the_data_and_evaluate_warn_of_nothing(desk):
    assert as_of_gap(month_ordinal("2024-12"), month_ordinal("2024-12")) is None
    for args in (("must-stock", "sales.csv", "--as-of", "2024-10"), ("evaluate", "sales.csv", "--holdout-months", "3")):
        result = run_cli(*args, "-o", "out.csv")
        assert result.exit_code == 0, result.output
        assert "as_of" not in " ".join(line for line in result.stderr.splitlines() if line.startswith("warning"))


def test_a_lead_time_in_hours_read_as_days_warns_of_safety_stock_above_a_year(desk):
    pd.DataFrame({"part": ["P0", "P1", "P2", "P3"], "lead_time_days": [480, 3, 3, 3]}).to_csv("parts.csv", index=False)
    assert _first_line("must-stock", "sales.csv", "--parts", "parts.csv") == (
        "warning: 1 dealer rows hold a safety stock (SSQ) above a year of their demand: their lead_time_days + "
        "order_cycle_days are that long. Check the parts master's lead_time_days and order_cycle_days (days, not hours "
        "or weeks?), or the config's [defaults]")
    table = pd.read_csv("out.csv")
    over = table[(table["decision"] == "dealer") & (table["ssq"] > 2 * table["half_year_quantity"])]
    assert over["part"].tolist() == ["P0"]  # P0 sells at D1 only
    same = spareopt.engine.run("must-stock", "sales.parquet", "parts.csv", engine="stream")
    assert same.report["stocking"]["rows_ssq_over_a_year"] == 1


def test_the_warnings_lead_the_summary_sheet(desk):
    result = run_cli("must-stock", "sales.csv", "--as-of", "2025-03", "-o", "out.xlsx", "-q")
    assert result.exit_code == 0, result.output
    summary = openpyxl.load_workbook("out.xlsx", read_only=True)["summary"]
    rows = list(summary.iter_rows(values_only=True))
    assert rows[1] == ("warning 1", GAP_3.removeprefix("warning: "))
    assert rows[2][0] == "as_of"


def test_kpi_says_what_its_projected_fill_rate_is(desk):
    pd.DataFrame({"dealer": ["D1", "D2"], "part": ["P0", "P0"], "on_hand": [1, 0]}).to_csv("stock.csv", index=False)
    result = run_cli("kpi", "sales.csv", "--stock", "stock.csv", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("kpi (network)"))
    assert lines[at + 1] == ("  the projected fill rate is what the plan's levels promise on the forecast once they "
                             "are kept, not the service of the stock on hand: `spareopt evaluate --policy current` "
                             "replays that")


def test_a_master_column_ignored_while_its_field_takes_the_default_is_a_warning(desk):
    """到货时间(天) is no alias of lead_time_days: every part took the default lead time, in silence before."""
    Path("parts.csv").write_text("part,到货时间(天),unit_cost\nP0,5,10\nP1,5,3\n", encoding="utf-8")
    result = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == (
        "warning: parts master columns ignored: 到货时间(天); no column was found for lead_time_days, "
        "order_cycle_days, pack_size, attribute (the defaults were used): map one with --column lead_time_days=HEADER")
    mapped = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "--column", "lead_time_days=到货时间(天)",
                     "-o", "out.csv")
    assert mapped.exit_code == 0 and "warning: parts master" not in mapped.stderr, mapped.output
