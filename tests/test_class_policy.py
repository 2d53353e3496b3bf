"""Three-in-one class codes and the class policy table, alone and in the must-stock list."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from spareopt_cli.main import main

import spareopt
from spareopt.errors import ConfigError
from spareopt.policy.class_policy import (
    ClassPolicyRule,
    all_class_codes,
    check_class_policy,
    class_code,
    class_code_index,
    cycle_band,
    match_class_policy,
)


def test_seed_example_aa1_is_a_high_value_wear_part_with_a_short_cycle():
    """The seed's three-in-one class: ABC value class x attribute x supply cycle (shared/seed, section 2)."""
    assert class_code(["A"], ["A"], [5]).tolist() == ["AA1"]
    assert class_code(["C", "B", "A"], ["C", "B", "A"], [0, 30, 30.5]).tolist() == ["CC0", "BB2", "AA3"]


def test_band_edges_are_config():
    assert cycle_band([0, 3, 4, 10, 11, 60, 61], edges=(3, 10, 60)).tolist() == [0, 1, 2, 2, 3, 3, 4]
    assert class_code(["A"], ["B"], [61], edges=(3, 10, 60)).tolist() == ["AB4"]
    assert len(all_class_codes((3, 10, 60))) == 3 * 3 * 5


@given(st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from("ABC"), st.floats(0, 400)), min_size=1))
def test_code_index_names_the_code(rows):
    value, kind, days = map(list, zip(*rows))
    index = class_code_index(value, kind, days)
    codes = np.asarray(all_class_codes())[index]
    assert [c[:2] for c in codes] == [a + b for a, b in zip(value, kind)]
    assert [int(c[2]) for c in codes] == [0 if d == 0 else 1 if d <= 7 else 2 if d <= 30 else 3 for d in days]


def test_first_matching_row_wins():
    rules = check_class_policy([{"match": "CC*", "decision": "none"}, {"match": "*a?", "decision": "dealer"},
                                {"match": "??0", "decision": "central"}])
    codes = all_class_codes()
    index = [codes.index(c) for c in ("CC3", "CA0", "BA2", "BB0", "BB2")]
    assert match_class_policy(index, rules).tolist() == [0, 1, 1, 2, -1]
    assert rules[1] == ClassPolicyRule("*A?", "dealer", None)
    assert rules[1].target is None


def test_a_row_carries_one_service_target():
    rules = check_class_policy([{"match": "A*", "service_level": 0.98}, {"match": "B*", "fill_rate": 0.9}])
    assert [r.target for r in rules] == [("csl", 0.98), ("fill_rate", 0.9)]


@pytest.mark.parametrize(("rows", "message"), [
    ([{"match": "XX1", "decision": "none"}],
     ("class_policy row 1: match 'XX1' matches no class code; a code is the ABC class (A, B, C), the attribute "
     "(A, B, C) and the supply-cycle band (0-3), e.g. AA1; use * for any run and ? for one character")),
    ([{"match": "AA12", "decision": "none"}], "class_policy row 1: match 'AA12' matches no class code"),
    ([{"match": "*", "decision": "dealer"}, {"match": "CC*", "decision": "none"}],
     ("class_policy row 2: match 'CC*' can never apply: the rows above it already match every code it matches "
     "(the first matching row wins); move it up or remove it")),
    ([{"match": "CC*", "decision": "maybe"}],
     "class_policy row 1 ('CC*'): decision must be dealer, central or none, got 'maybe'"),
    ([{"match": "CC*", "service_level": 1.5}],
     "class_policy row 1 ('CC*'): service_level must be a number in (0, 1), e.g. 0.95, got 1.5"),
    ([{"match": "CC*", "fill_rate": 0}],
     "class_policy row 1 ('CC*'): fill_rate must be a number in (0, 1), e.g. 0.95, got 0"),
    ([{"match": "CC*", "fill_rate": 0.9, "service_level": 0.9}],
     "class_policy row 1 ('CC*') gives both service_level and fill_rate; a class has one target, keep one of them"),
    ([{"match": "CC*"}],
     "class_policy row 1 ('CC*') sets nothing; give it a decision and/or a service_level (or fill_rate)"),
    ([{"match": "CC*", "decison": "none"}],
     "class_policy row 1 has an unknown key 'decison'; known keys: match, decision, service_level, fill_rate"),
    (["CC*"], "class_policy row 1 must be a table with match, decision and/or service_level or fill_rate, got 'CC*'"),
])
def test_bad_class_policy_rows(rows, message):
    with pytest.raises(ConfigError) as info:
        check_class_policy(rows)
    assert str(info.value).startswith(message)


def test_must_stock_applies_the_table_and_shows_the_row(sales, parts_master):
    plain = spareopt.must_stock(sales, parts_master).table
    result = spareopt.must_stock(sales, parts_master, config={"class_policy": [
        {"match": "AC*", "decision": "central"},  # the cylinder block C300 is AC3 at every dealer
        {"match": "?B?", "service_level": 0.9},  # matched, sets no decision: the rules decide
    ]})
    table = result.table
    c300 = table[table["part"] == "C300"]
    assert (c300["class_code"] == "AC3").all()
    assert (c300["decision"] == "central").all() and (c300["reason"] == "class_policy").all()
    assert (c300["policy_rule"] == "AC*").all()
    common = table[table["class_code"].str[1] == "B"]
    assert (common["policy_rule"] == "?B?").all()
    before = plain.set_index(["dealer", "part"]).loc[common.set_index(["dealer", "part"]).index]
    assert (common["decision"].to_numpy() == before["decision"].to_numpy()).all()
    assert table.loc[~table["part"].isin(["C300"]) & (table["class_code"].str[1] != "B"), "policy_rule"].isna().all()
    report = result.report
    assert report["class_policy"] == {"AC*": 3, "?B?": len(common)}
    assert report["reasons"]["class_policy"] == 3
    assert plain["policy_rule"].isna().all()


def test_must_stock_output_has_class_code_and_pattern(sales, parts_master):
    table = spareopt.must_stock(sales, parts_master).table
    assert list(table.columns) == [c for c in spareopt.OUTPUT_COLUMNS if c != "min_stock"]
    codes = table["abc_class"] + table["attribute"]
    assert (table["class_code"].str[:2] == codes).all()
    assert set(table["pattern"]) <= {"smooth", "erratic", "intermittent", "lumpy", "no_demand"}


def test_cli_class_policy_that_can_never_match_exits_1(tmp_path, monkeypatch, sales, parts_master):
    monkeypatch.chdir(tmp_path)
    sales.to_csv("sales.csv", index=False)
    Path("c.toml").write_text('[[class_policy]]\nmatch = "*"\ndecision = "dealer"\n\n'
                              '[[class_policy]]\nmatch = "CC*"\ndecision = "none"\n')
    result = CliRunner().invoke(main, ["must-stock", "sales.csv", "--config", "c.toml", "-o", "out.csv"])
    assert result.exit_code == 1
    assert result.stderr == ("Error: class_policy row 2: match 'CC*' can never apply: the rows above it already "
                             "match every code it matches (the first matching row wins); move it up or remove it "
                             "in c.toml\n")
    assert not Path("out.csv").exists()


def test_cli_class_policy_from_config(tmp_path, monkeypatch, sales, parts_master):
    monkeypatch.chdir(tmp_path)
    sales.to_csv("sales.csv", index=False)
    parts_master.to_csv("parts.csv", index=False)
    Path("c.toml").write_text('[[class_policy]]\nmatch = "?A0"\ndecision = "dealer"\n')
    result = CliRunner().invoke(main, ["must-stock", "sales.csv", "--parts", "parts.csv", "--config", "c.toml"])
    assert result.exit_code == 0
    assert "class policy rows used: ?A0 3" in result.stderr
    rows = [line.split(",") for line in result.stdout.splitlines()]
    oil = [r for r in rows if r[1] == "E500"]  # engine oil, direct supply: the table keeps it at every dealer
    assert len(oil) == 3 and all("dealer" in r and "class_policy" in r and "?A0" in r for r in oil)
