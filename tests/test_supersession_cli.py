"""Supersession in every command: the demand and stock of old part numbers move to the leading part.

History: one dealer, 8 months (2024-01..2024-08), a chain A -> B (x2) -> C (x0.5) -> D (x3), so one A is
2 x 0.5 x 3 = 3 D, one B is 1.5 D and one C is 3 D.  A sells 1 a month, B 2, C 1 and D 4:
D's realigned demand is 4 + 1 x 3 + 2 x 1.5 + 1 x 3 = 13 a month.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli

import spareopt

MONTHS = [f"2024-{m:02d}" for m in range(1, 9)]
CHAIN = pd.DataFrame({"old_part": ["A", "B", "C"], "new_part": ["B", "C", "D"], "factor": [2.0, 0.5, 3.0]})


@pytest.fixture
def history() -> pd.DataFrame:
    return pd.DataFrame([("D1", p, m, q) for p, q in (("A", 1), ("B", 2), ("C", 1), ("D", 4), ("E", 5))
                         for m in MONTHS], columns=["dealer", "part", "period", "quantity"])


def test_three_step_chain_with_factors_in_the_must_stock_list(history):
    result = spareopt.must_stock(history, supersessions=CHAIN)
    table = result.table
    assert sorted(table["part"]) == ["D", "E"]
    row = table.set_index("part").loc["D"]
    assert row["mad"] == pytest.approx(13.0) and row["half_year_quantity"] == pytest.approx(78.0)
    report = result.report["supersession"]
    assert (report["old_parts"], report["leading_parts"], report["longest_chain"]) == (3, 1, 3)
    mapping = report["mapping"].set_index("old_part")
    assert mapping.loc["A", ["leading_part", "factor", "chain"]].tolist() == ["D", 3.0, "A > B > C > D"]


def test_every_command_sees_the_leading_part_only(history):
    stock = pd.DataFrame({"dealer": ["D1", "D1"], "part": ["A", "D"], "on_hand": [2, 1]})
    for table in (spareopt.classes(history, supersessions=CHAIN).table,
                  spareopt.forecasts(history, supersessions=CHAIN).table,
                  spareopt.kpi(history, stock=stock, supersessions=CHAIN).parts,
                  spareopt.dead_stock(history, stock=stock, supersessions=CHAIN).table):
        assert set(table["part"]) <= {"D", "E"}
    # the old part's 2 units count as 2 x 3 = 6 D in the inventory position, next to D's own 1
    order = spareopt.order(history, stock=stock, supersessions=CHAIN, config={"central_ssq_min": 0})
    assert order.table.set_index("part").loc["D", "on_hand"] == 7.0
    old = order.report["stock"]["superseded_stock"]
    assert old[["old_part", "leading_part", "on_hand", "equivalent_units"]].values.tolist() == [["A", "D", 2.0, 6.0]]


def test_network_demand_is_unchanged_when_every_factor_is_1(history):
    plain = CHAIN.assign(factor=1.0)
    before = spareopt.forecasts(history, methods=["sma"], config={"sma_months": 8}).table
    after = spareopt.forecasts(history, methods=["sma"], config={"sma_months": 8}, supersessions=plain).table
    assert after["sma"].sum() == pytest.approx(before["sma"].sum())


def test_the_master_replaced_by_column_supersedes_too(history):
    master = pd.DataFrame({"part": ["A", "B", "D"], "replaced_by": ["B", "D", None], "unit_cost": [9.0, 9.0, 10.0]})
    table = spareopt.must_stock(history, master).table.set_index("part")
    assert sorted(table.index) == ["C", "D", "E"]
    assert table.loc["D", "mad"] == pytest.approx(4 + 1 + 2)


@pytest.fixture
def files(tmp_path, monkeypatch, history):
    monkeypatch.chdir(tmp_path)
    history.to_csv("sales.csv", index=False)
    CHAIN.to_csv("subs.csv", index=False)
    return tmp_path


def test_cli_supersessions_and_the_mapping_table(files):
    result = run_cli("must-stock", "sales.csv", "--supersessions", "subs.csv", "--show-superseded", "map.csv",
                     "-o", "out.csv")
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_csv("out.csv")["part"]) == ["D", "E"]
    mapping = pd.read_csv("map.csv")
    assert mapping.values.tolist() == [["A", "D", 3.0, "A > B > C > D"], ["B", "D", 1.5, "B > C > D"],
                                       ["C", "D", 3.0, "C > D"]]
    assert ("supersessions subs.csv: 3 rows in force, 3 old part numbers lead to 1 parts (longest chain 3, "
            "splits 0)") in result.output


def test_cli_a_cycle_is_rejected_and_nothing_is_written(files):
    Path("subs.csv").write_text("old_part,new_part\nA,B\nB,A\n", encoding="utf-8")
    Path("out.csv").write_text("previous\n", encoding="utf-8")
    result = run_cli("must-stock", "sales.csv", "--supersessions", "subs.csv", "-o", "out.csv")
    assert result.exit_code == 1
    assert result.output == ("Error: supersession cycle: A -> B -> A (rows 2, 3 of subs.csv); a part cannot replace "
                             "itself through a chain. Fix: remove one of these rows\n")
    assert Path("out.csv").read_text(encoding="utf-8") == "previous\n"


def test_cli_an_unknown_part_is_a_warning_not_an_error(files):
    Path("subs.csv").write_text("old_part,new_part\nA,D\nTYPO,D\n", encoding="utf-8")
    result = run_cli("must-stock", "sales.csv", "--supersessions", "subs.csv", "-o", "out.csv")
    assert result.exit_code == 0
    assert "warning: 1 part(s) of subs.csv are not in the history (first: 'TYPO')" in result.output
