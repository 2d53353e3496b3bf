"""Supersession (spareopt.supersession): reading, chain resolution and the realignment of history, stock and master.

Golden cases are worked by hand on SAP SPP's one-to-one substitution rule,
``DemHist_B = Demand_B + Demand_A * SuQuaFact_B / PrQuaFact_A`` (SAP SCM 7.0 EhP1 Service
Parts Planning, "Handling Supersession"), applied along each chain.
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from spareopt import InputError, demand_matrix, load_history, load_stock, supersession
from spareopt.supersession import (
    SUPERSESSION_COLUMNS,
    Resolution,
    Supersessions,
    apply_to_history,
    apply_to_master,
    apply_to_stock,
    load_supersessions,
    resolve,
    supersessions_from_master,
)

FAST = settings(max_examples=60, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _month(label: str) -> int:
    return pd.Period(label, freq="M").ordinal


@pytest.fixture
def subs_file(text_file, tmp_path, monkeypatch):
    """Write a supersession CSV (``subs.csv`` unless named) in the working folder; return its short path."""
    monkeypatch.chdir(tmp_path)
    return lambda text, name="subs.csv", encoding="utf-8": Path(text_file(text, name, encoding).name)


def _resolve(text_file, text: str, **kwargs) -> Resolution:
    return resolve(load_supersessions(text_file(text, "subs.csv")), **kwargs)


def _columns(sup: Supersessions) -> dict[str, list]:
    """The frame's columns as lists, a NaN ``effective`` (always in force) as None, so that lists compare."""
    out = sup.frame.reset_index(drop=True).to_dict("list")
    out["effective"] = [None if np.isnan(e) else e for e in out["effective"]]
    return out


def policy_totals(history) -> dict[tuple[str, int], float]:
    """Quantity per (part, month) of a history."""
    frame = history.frame.astype({"part": str})
    return frame.groupby(["part", "month"])["quantity"].sum().to_dict()


# -- golden: a 3-step chain with factors ----------------------------------------------------------------------

GOLDEN = "old_part,new_part,factor\nA,B,2\nB,C,0.5\nC,D,3\n"
"""A -> B x2, B -> C x0.5, C -> D x3: one A is 2 B = 1 C = 3 D; one B is 1.5 D; one C is 3 D."""


def test_golden_chain_resolves_to_the_leading_part_with_the_product_of_factors(subs_file):
    resolution = resolve(load_supersessions(subs_file(GOLDEN)))
    assert resolution.mapping_frame().to_dict("list") == {
        "old_part": ["A", "B", "C"],
        "leading_part": ["D", "D", "D"],
        "factor": [3.0, 1.5, 3.0],
        "chain": ["A > B > C > D", "B > C > D", "C > D"],
    }
    assert list(resolution.mapping_frame().columns) == ["old_part", "leading_part", "factor", "chain"]
    report = resolution.report
    assert (report["rows_in_force"], report["rows_not_in_force"], report["chains"], report["longest_chain"],
            report["splits"], report["old_parts"], report["leading_parts"]) == (3, 0, 1, 3, 0, 3, 1)


def test_golden_chain_realigns_the_history(subs_file):
    # D1 sold A 10 (2024-01, 6.0 each), B 4 (2024-02), C 2 and D 1 (2024-03); E is not superseded.
    history = load_history(pd.DataFrame({
        "dealer": ["D1", "D1", "D1", "D1", "D1"],
        "part": ["A", "B", "C", "D", "E"],
        "period": ["2024-01", "2024-02", "2024-03", "2024-03", "2024-03"],
        "quantity": [10, 4, 2, 1, 5],
        "unit_price": [6.0, 3.0, 6.0, 2.0, 1.0],
    }))
    realigned, report = apply_to_history(history, resolve(load_supersessions(subs_file(GOLDEN))))
    # by hand: D gets 10 x 3 = 30 in 2024-01, 4 x 1.5 = 6 in 2024-02, 2 x 3 + 1 = 7 in 2024-03
    assert policy_totals(realigned) == {("D", _month("2024-01")): 30.0, ("D", _month("2024-02")): 6.0,
                                  ("D", _month("2024-03")): 7.0, ("E", _month("2024-03")): 5.0}
    assert realigned.names["part"].tolist() == ["D", "E"]
    assert realigned.names["dealer"].tolist() == ["D1"]
    assert realigned.lines["part"].dtype == np.int32
    frame = realigned.frame
    # unit_price / factor: every line keeps its value (A: 10 x 6.0 = 30 x 2.0)
    np.testing.assert_allclose((frame["quantity"] * frame["unit_price"]).to_numpy(), [60.0, 12.0, 12.0, 2.0, 5.0])
    assert frame["unit_price"].tolist() == [2.0, 2.0, 2.0, 2.0, 1.0]
    assert (report["lines_moved"], report["lines_added"], report["units_moved"], report["units_realigned"]) == (
        3, 0, 16.0, 42.0)
    assert report["old_parts_in_history"] == 3 and report["old_parts_in_history_first"] == ["A", "B", "C"]
    assert report["leading_parts_new"] == 0
    assert report["warnings"] == []
    assert realigned.report["supersession"] == report
    assert realigned.report["source"] == "<DataFrame>"
    # the input history is not touched
    assert history.names["part"].tolist() == ["A", "B", "C", "D", "E"]
    assert history.lines["quantity"].tolist() == [10.0, 4.0, 2.0, 1.0, 5.0]


def test_a_leading_part_without_history_appears(subs_file):
    history = load_history(pd.DataFrame({"part": ["A", "A", "Z"], "period": ["2024-01", "2024-02", "2024-02"],
                                         "quantity": [1, 2, 7]}))
    realigned, report = apply_to_history(history, resolve(load_supersessions(subs_file(GOLDEN))))
    assert realigned.names["part"].tolist() == ["D", "Z"]
    assert not realigned.has_dealer and "dealer" not in realigned.lines
    assert policy_totals(realigned) == {("D", _month("2024-01")): 3.0, ("D", _month("2024-02")): 6.0,
                                  ("Z", _month("2024-02")): 7.0}
    assert (report["leading_parts_new"], report["leading_parts_new_first"]) == (1, ["D"])
    # B and C are in the supersession table but never sold: a warning, not an error
    assert report["supersession_parts_not_in_history"] == 3
    assert report["supersession_parts_not_in_history_first"] == ["B", "C", "D"]


def test_realigned_history_feeds_the_demand_matrix(subs_file):
    months = [f"2024-{m:02d}" for m in range(1, 7)]
    history = load_history(pd.DataFrame({
        "dealer": ["D1"] * 12, "part": ["A"] * 3 + ["D"] * 3 + ["C"] * 6,
        "period": months[:3] + months[3:] + months, "quantity": [1, 2, 3, 4, 5, 6] + [1] * 6}))
    realigned, _ = apply_to_history(history, resolve(load_supersessions(subs_file(GOLDEN))))
    matrix = demand_matrix(realigned)
    assert matrix.keys.astype(str).to_dict("list") == {"dealer": ["D1"], "part": ["D"]}
    # A x 3 in Jan..Mar, D's own from Apr, C x 3 every month
    np.testing.assert_array_equal(matrix.values, [[6.0, 9.0, 12.0, 7.0, 8.0, 9.0]])


# -- cycles ---------------------------------------------------------------------------------------------------


def test_a_two_cycle_is_rejected_listing_it(subs_file):
    with pytest.raises(InputError) as info:
        resolve(load_supersessions(subs_file("old_part,new_part\nP9,Q1\nQ1,P9\n")))
    assert str(info.value) == (
        "supersession cycle: P9 -> Q1 -> P9 (rows 2, 3 of subs.csv); a part cannot replace itself through a chain. "
        "Fix: remove one of these rows"
    )


def test_a_three_cycle_is_rejected_listing_it_from_its_first_part(subs_file):
    # written from B on, with an unrelated chain in front; the cycle is shown from A, rows in its order
    subs_file("old_part,new_part,factor\nX,Y,1\nB,C,2\nC,A,1\nA,B,1\n")
    with pytest.raises(InputError) as info:
        resolve(load_supersessions("subs.csv"))
    assert str(info.value) == (
        "supersession cycle: A -> B -> C -> A (rows 5, 3, 4 of subs.csv); a part cannot replace itself through a "
        "chain. Fix: remove one of these rows"
    )


def test_a_chain_running_into_a_cycle_is_rejected(subs_file):
    with pytest.raises(InputError, match=r"^supersession cycle: B -> C -> B \(rows 3, 4 of .*subs\.csv\)"):
        resolve(load_supersessions(subs_file("old_part,new_part\nA,B\nB,C\nC,B\n")))


def test_two_cycles_are_both_named(subs_file):
    with pytest.raises(InputError) as info:
        resolve(load_supersessions(subs_file("old_part,new_part\nA,B\nB,A\nC,D\nD,C\nE,F\n")))
    assert "supersession cycle: A -> B -> A (rows 2, 3 of " in str(info.value)
    assert str(info.value).endswith(", and 1 more: C -> D -> C (rows 4, 5); a part cannot replace itself through "
                                    "a chain. Fix: remove one of the rows of each cycle")


def test_a_cycle_not_yet_in_force_is_no_cycle(subs_file):
    resolution = _resolve(subs_file, "old_part,new_part,effective\nA,B,\nB,A,2030-01\n", as_of_ordinal=_month("2024-06"))
    assert resolution.mapping_frame()[["old_part", "leading_part"]].to_dict("list") == {
        "old_part": ["A"], "leading_part": ["B"]}


# -- several new parts: split ---------------------------------------------------------------------------------


def test_an_old_part_with_two_new_parts_unmarked_is_rejected(subs_file):
    subs_file("old_part,new_part,split\nA,B,yes\nA,C,\nE,F,\n")
    with pytest.raises(InputError) as info:
        resolve(load_supersessions("subs.csv"))
    assert str(info.value) == (
        "subs.csv: old part 'A' has 2 new parts ('B' at row 2, 'C' at row 3); its rows are not all marked `split`. "
        "An old part has one new part, unless it is split into several new parts that are all needed. Fix: keep one "
        "of these rows (a later change goes on its own row, new_part -> newer part), or, when all the new parts are "
        "needed together, mark each of these rows yes in a `split` column"
    )


def test_a_marked_split_duplicates_the_demand_onto_each_new_part(subs_file):
    # A (a kit) is split into B x1 and C x2, both needed; C is later replaced by D x3
    resolution = _resolve(subs_file, "旧件号,新件号,替代系数,拆分\nA,B,1,是\nA,C,2,x\nC,D,3,\n")
    assert resolution.mapping_frame().to_dict("list") == {
        "old_part": ["A", "A", "C"], "leading_part": ["B", "D", "D"], "factor": [1.0, 6.0, 3.0],
        "chain": ["A > B", "A > C > D", "C > D"]}
    assert resolution.report["splits"] == 1
    history = load_history(pd.DataFrame({"dealer": ["D1", "D2", "D1"], "part": ["A", "A", "B"],
                                         "period": ["2024-01", "2024-02", "2024-02"], "quantity": [3, 1, 5],
                                         "unit_price": [12.0, 12.0, 4.0]}))
    realigned, report = apply_to_history(history, resolution)
    frame = realigned.frame.astype({"dealer": str, "part": str})
    assert sorted(frame.itertuples(index=False, name=None)) == [
        ("D1", "B", _month("2024-01"), 3.0, 12.0),
        ("D1", "B", _month("2024-02"), 5.0, 4.0),
        ("D1", "D", _month("2024-01"), 18.0, 2.0),
        ("D2", "B", _month("2024-02"), 1.0, 12.0),
        ("D2", "D", _month("2024-02"), 6.0, 2.0),
    ]
    assert (report["lines_moved"], report["lines_added"], report["units_moved"], report["units_realigned"]) == (
        2, 2, 4.0, 28.0)


def test_split_paths_that_meet_again_add_up(subs_file):
    # A needs B and C; both are replaced by D: one A is 1 + 2 = 3 D
    resolution = _resolve(subs_file, "old,new,ratio,split\nA,B,1,y\nA,C,2,TRUE\nB,D,1,\nC,D,1,\n")
    assert resolution.mapping_frame().to_dict("list") == {
        "old_part": ["A", "B", "C"], "leading_part": ["D", "D", "D"], "factor": [3.0, 1.0, 1.0],
        "chain": ["A > B > D; A > C > D", "B > D", "C > D"]}


# -- effective month ------------------------------------------------------------------------------------------


def test_a_row_effective_after_as_of_is_ignored_and_counted(subs_file):
    sup = load_supersessions(subs_file("old_part,new_part,effective_month\nA,B,2024-03\nB,C,2024-07\nX,Y,\n"))
    assert np.isnan(sup.frame["effective"].iloc[2])
    assert sup.frame["effective"].iloc[:2].tolist() == [_month("2024-03"), _month("2024-07")]
    resolution = resolve(sup, as_of_ordinal=_month("2024-06"))
    assert resolution.mapping_frame()[["old_part", "leading_part"]].to_dict("list") == {
        "old_part": ["A", "X"], "leading_part": ["B", "Y"]}
    assert resolution.report["rows_in_force"] == 2
    assert resolution.report["rows_not_in_force"] == 1
    assert resolution.report["rows_not_in_force_first"] == [f"row 3 of {sup.report['source']}: 'B' -> 'C' from 2024-07"]
    # without as_of every row is in force; in the month itself it is in force
    assert resolve(sup).mapping_frame()["leading_part"].tolist() == ["C", "C", "Y"]
    assert resolve(sup, as_of_ordinal=_month("2024-07")).report["rows_not_in_force"] == 0


@pytest.mark.parametrize("effective", [
    ["2024-03-15", None], [dt.datetime(2024, 3, 15), None], [202403, np.nan], ["2024年3月", ""], ["45366", " "],
    [pd.Period("2024-03", "M"), pd.NaT],
])
def test_effective_accepts_months_and_dates_of_every_kind(effective):
    sup = load_supersessions(pd.DataFrame({"old_part": ["A", "C"], "new_part": ["B", "D"], "valid_from": effective}))
    assert sup.frame["effective"].iloc[0] == _month("2024-03")
    assert np.isnan(sup.frame["effective"].iloc[1])


# -- the parts master's replaced_by ---------------------------------------------------------------------------


def test_the_master_replaced_by_column_gives_supersessions(parts_master):
    master = parts_master.set_index("part").assign(replaced_by=["", "A200", None, "  ", "", "G700", ""])
    sup = supersessions_from_master(master, "parts.csv")
    assert _columns(sup) == {
        "old_part": ["A100", "F600"], "new_part": ["A200", "G700"], "factor": [1.0, 1.0],
        "effective": [None, None], "split": [False, False]}
    assert sup.report == {"source": "parts.csv", "rows": 2, "replaced_by_column": True, "parts": 7}
    resolution = resolve(sup)
    frame, dropped = apply_to_master(master, resolution)
    assert dropped == 2
    assert frame.index.tolist() == ["00123", "B200", "C300", "E500", "G700"]  # A200 has no master row: none is made
    assert "A100" in master.index  # the input frame is not touched


def test_the_master_replaced_by_may_not_name_the_part_itself(parts_master):
    master = parts_master.set_index("part").assign(replaced_by=["00123", "", "", "", "", "", ""])
    with pytest.raises(InputError) as info:
        supersessions_from_master(master, "parts.csv")
    assert str(info.value) == (
        "parts.csv: `replaced_by` must differ from the part (a part cannot replace itself); 1 part(s) break it "
        "(first: '00123'). Fix: blank their replaced_by, or correct it"
    )


def test_a_master_cycle_names_the_replaced_by_cells():
    master = pd.DataFrame({"replaced_by": ["B", "A"]}, index=pd.Index(["A", "B"], name="part"))
    with pytest.raises(InputError) as info:
        resolve(supersessions_from_master(master, "parts.csv"))
    assert str(info.value) == (
        "supersession cycle: A -> B -> A (the replaced_by of parts 'A', 'B' in parts.csv); a part cannot replace "
        "itself through a chain. Fix: remove one of these replaced_by cells"
    )


def test_a_master_without_replaced_by_replaces_nothing(parts_master):
    sup = supersessions_from_master(parts_master.set_index("part"), "parts.csv")
    assert len(sup) == 0 and sup.report["replaced_by_column"] is False
    resolution = resolve(sup)
    assert len(resolution.mapping_frame()) == 0 and resolution.report["chains"] == 0


# -- stock ----------------------------------------------------------------------------------------------------


def test_stock_of_an_old_part_counts_toward_its_leading_part_times_the_factor(subs_file):
    stock = load_stock(pd.DataFrame({
        "dealer": ["D1", "D1", "D1", "D2", "D2"],
        "part": ["A", "D", "E", "B", "C"],
        "on_hand": [4, 1, 9, 2, 0],
        "on_order": [1, 0, 0, 0, 5],
        "reserved": [0, 1, 0, 2, 0],
    }))
    before = stock.frame.copy()
    new_stock, superseded, report = apply_to_stock(stock, resolve(load_supersessions(subs_file(GOLDEN))))
    # by hand: D1/D = 1 + 4 x 3 on hand, 0 + 1 x 3 on order; D2/D = 2 x 1.5 + 0 x 3, 0 + 5 x 3, 2 x 1.5
    assert new_stock.frame.astype({"dealer": str, "part": str}).to_dict("list") == {
        "dealer": ["D1", "D1", "D2"], "part": ["D", "E", "D"], "on_hand": [13.0, 9.0, 3.0],
        "on_order": [3.0, 0.0, 15.0], "reserved": [1.0, 0.0, 3.0]}
    assert superseded.astype({"dealer": str, "old_part": str, "leading_part": str}).to_dict("list") == {
        "dealer": ["D1", "D2", "D2"], "old_part": ["A", "B", "C"], "leading_part": ["D", "D", "D"],
        "on_hand": [4.0, 2.0, 0.0], "factor": [3.0, 1.5, 3.0], "equivalent_units": [12.0, 3.0, 0.0]}
    assert report == {"rows_rekeyed": 3, "old_parts_in_stock": 3, "old_parts_in_stock_first": ["A", "B", "C"],
                      "old_units_on_hand": 6.0, "equivalent_units": 15.0}
    assert new_stock.report["supersession"] == report and new_stock.report["parts"] == 2
    pd.testing.assert_frame_equal(stock.frame, before)  # the input stock is not touched


def test_stock_of_a_split_part_counts_toward_each_new_part(subs_file):
    stock = load_stock(pd.DataFrame({"part": ["A", "B"], "on_hand": [2, 1]}))
    resolution = _resolve(subs_file, "old,new,factor,split\nA,B,1,yes\nA,C,4,yes\n")
    new_stock, superseded, _ = apply_to_stock(stock, resolution)
    assert new_stock.frame[["part", "on_hand"]].astype({"part": str}).to_dict("list") == {
        "part": ["B", "C"], "on_hand": [3.0, 8.0]}
    assert superseded[["old_part", "leading_part", "equivalent_units"]].astype(str).to_dict("list") == {
        "old_part": ["A", "A"], "leading_part": ["B", "C"], "equivalent_units": ["2.0", "8.0"]}


def test_stock_without_old_parts_is_returned_as_it_is(subs_file):
    stock = load_stock(pd.DataFrame({"part": ["X"], "on_hand": [2]}))
    new_stock, superseded, report = apply_to_stock(stock, resolve(load_supersessions(subs_file(GOLDEN))))
    assert new_stock.frame is stock.frame
    assert len(superseded) == 0 and list(superseded.columns) == [
        "old_part", "leading_part", "on_hand", "factor", "equivalent_units"]
    assert report["rows_rekeyed"] == 0


# -- reading: headers, encodings, types -----------------------------------------------------------------------


@pytest.mark.parametrize(("header", "columns"), [
    ("旧件号,新件号,替代系数,生效月份,拆分",
     {"old_part": "旧件号", "new_part": "新件号", "factor": "替代系数", "effective": "生效月份", "split": "拆分"}),
    ("原配件号,替代配件号,换算系数,生效日期,拆分",
     {"old_part": "原配件号", "new_part": "替代配件号", "factor": "换算系数", "effective": "生效日期", "split": "拆分"}),
    ("被替代件,替代件,qty_factor,valid_from,split",
     {"old_part": "被替代件", "new_part": "替代件", "factor": "qty_factor", "effective": "valid_from", "split": "split"}),
    ("From Part,To Part,Ratio,Effective,Split",
     {"old_part": "From Part", "new_part": "To Part", "factor": "Ratio", "effective": "Effective", "split": "Split"}),
])
def test_chinese_and_english_headers_in_a_gbk_file(subs_file, header, columns):
    path = subs_file(f"{header}\n00123,00124,2,2024年3月,是\n00123,00125,1,2024-03,否\n", encoding="gbk")
    with pytest.raises(InputError, match="its rows are not all marked `split`"):
        resolve(load_supersessions(path))  # 是 and 否: one split row is not enough
    path = subs_file(f"{header}\n00123,00124,2,2024年3月,是\n00123,00125,1,2024-03,是\n", encoding="gbk")
    sup = load_supersessions(path)
    assert sup.report["encoding"] == "gb18030"
    assert sup.report["columns"] == columns
    assert _columns(sup) == {
        "old_part": ["00123", "00123"], "new_part": ["00124", "00125"], "factor": [2.0, 1.0],  # leading zeros kept
        "effective": [float(_month("2024-03"))] * 2, "split": [True, True]}
    assert sup.frame.index.tolist() == [2, 3]


def test_replaced_by_is_an_alias_of_new_part():
    assert "replaced_by" in SUPERSESSION_COLUMNS["new_part"]
    sup = load_supersessions(pd.DataFrame({"part_old": ["A"], "replaced_by": ["B"]}), columns={"old_part": "part_old"})
    assert sup.frame[["old_part", "new_part"]].values.tolist() == [["A", "B"]]


def test_a_column_override_naming_no_header_is_an_error(subs_file):
    subs_file(GOLDEN)
    with pytest.raises(InputError) as info:
        load_supersessions("subs.csv", columns={"factor": "系数", "part": "ignored: not a supersession column"})
    assert str(info.value) == ("--column factor=系数: '系数' is not a header of subs.csv (headers: 'old_part', 'new_part', "
                               "'factor'); check the spelling")


def test_typed_columns_from_a_frame_and_parquet(tmp_path):
    frame = pd.DataFrame({"old_part": [123.0, 7.0], "new_part": ["124", "8"], "factor": [0.5, np.nan],
                          "effective": pd.to_datetime(["2024-02-10", None]), "split": [False, False]})
    for source in (frame, tmp_path / "subs.parquet"):
        if not isinstance(source, pd.DataFrame):
            frame.to_parquet(source, index=False)
        sup = load_supersessions(source)
        assert _columns(sup) == {
            "old_part": ["123", "7"], "new_part": ["124", "8"], "factor": [0.5, 1.0],
            "effective": [float(_month("2024-02")), None], "split": [False, False]}
        assert sup.report["factor_defaulted"] == 1


def test_an_xlsx_with_date_cells(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["旧件号", "替代件", "换算系数", "生效日期", "拆分"])
    sheet.append(["00123", "00124", 2, dt.datetime(2024, 5, 20), None])
    sheet.append([None, None, None, None, None])
    sheet.append(["00124", "00125", None, None, True])
    book.save(tmp_path / "subs.xlsx")
    sup = load_supersessions(tmp_path / "subs.xlsx")
    assert _columns(sup) == {"old_part": ["00123", "00124"], "new_part": ["00124", "00125"], "factor": [2.0, 1.0],
                             "effective": [float(_month("2024-05")), None], "split": [False, True]}
    assert sup.frame.index.tolist() == [2, 4] and sup.report["rows_blank"] == 1


def test_blank_lines_are_skipped_and_counted(subs_file):
    sup = load_supersessions(subs_file("old_part,new_part,factor\nA,B,2\n,,\n\nC,D,\n"))
    assert sup.frame.index.tolist() == [2, 5]
    assert (sup.report["rows"], sup.report["rows_blank"], sup.report["factor_defaulted"]) == (2, 2, 1)


# -- reading: errors naming rows ------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "message"), [
    ("A,B,2\nC,D,0\nE,F,-1.5\n",
     ("`factor` must be > 0 (units of the new part that replace one unit of the old part); 2 row(s) break it "
     "(first: row 3 '0', row 4 '-1.5'). Fix: correct the factor (blank = 1)")),
    ("A,B,2\nC,D,two\n",
     "`factor` must be a finite number; 1 row(s) break it (first: row 3 'two'). Fix: correct the factor (blank = 1)"),
    ("A,B,2\nC,D,1\nA,B,3\n",
     ("each (old_part, new_part) pair must be listed once; 1 pair(s) are listed more than once "
     "(first: 'A' -> 'B' at rows 2, 4). Fix: keep one of these rows per pair")),
    ("A,B,2\nC,C,1\n",
     ("`new_part` must differ from `old_part` (a part cannot replace itself); 1 row(s) break it (first: row 3 "
     "'C -> C'). Fix: delete the row, or correct the new part number")),
    ("A,B,2\n,D,1\n",
     "`old_part` must not be empty; 1 row(s) break it (first: row 3 (empty)). Fix: fill in the old_part"),
    ("A, ,2\n",
     "`new_part` must not be empty; 1 row(s) break it (first: row 2 (empty)). Fix: fill in the new_part"),
])
def test_bad_rows_are_named(subs_file, body, message):
    subs_file("old_part,new_part,factor\n" + body)
    with pytest.raises(InputError) as info:
        load_supersessions("subs.csv")
    assert str(info.value) == f"subs.csv: {message}"


def test_bad_effective_and_split_cells_are_named(subs_file):
    subs_file("old_part,new_part,effective,split\nA,B,2024-13,\nC,D,,\n")
    with pytest.raises(InputError) as info:
        load_supersessions("subs.csv")
    assert str(info.value) == ("subs.csv: `effective` must be a month (YYYY-MM, YYYYMM) or a date; 1 row(s) break it "
                               "(first: row 2 '2024-13'). Fix: correct the cells (blank = always in force)")
    subs_file("old_part,new_part,effective,拆分\nA,B,2024-01,maybe\n")
    with pytest.raises(InputError) as info:
        load_supersessions("subs.csv")
    assert str(info.value) == (
        "subs.csv: `split` (header '拆分') must be one of yes/true/1/y/是/x (a split: the old part needs every one "
        "of its new parts) or no/false/0/n/否 (blank = no split); 1 row(s) break it (first: row 2 'maybe'). "
        "Fix: correct the cells")


def test_missing_column_is_named(subs_file):
    with pytest.raises(InputError, match=r"required column `new_part` is missing \(headers in the file: 'old', "
                                         r"'factor'\)"):
        load_supersessions(subs_file("old,factor\nA,2\n"))


# -- unknown parts: a warning ---------------------------------------------------------------------------------


def test_parts_of_the_supersession_file_unknown_to_the_history_are_a_warning(subs_file):
    subs_file("old_part,new_part\nA,B\nTYPO1,TYPO2\n")
    history = load_history(pd.DataFrame({"part": ["A", "B"], "period": ["2024-01"] * 2, "quantity": [1, 2]}))
    realigned, report = apply_to_history(history, resolve(load_supersessions("subs.csv")))
    assert policy_totals(realigned) == {("B", _month("2024-01")): 3.0}
    assert report["supersession_parts_not_in_history"] == 2
    assert report["supersession_parts_not_in_history_first"] == ["TYPO1", "TYPO2"]
    assert report["warnings"] == [
        ("2 part(s) of subs.csv are not in the history (first: 'TYPO1', 'TYPO2'); they have no sales to move. "
        "Check the part numbers if you expected sales of them")]


def test_a_history_without_old_parts_is_unchanged(subs_file):
    history = load_history(pd.DataFrame({"part": ["X", "Y"], "period": ["2024-01"] * 2, "quantity": [1, 2]}))
    realigned, report = apply_to_history(history, resolve(load_supersessions(subs_file(GOLDEN))))
    assert realigned.names["part"].tolist() == ["X", "Y"]
    assert realigned.lines["quantity"] is history.lines["quantity"]
    assert report["lines_moved"] == 0 and report["supersession_parts_not_in_history"] == 4


# -- properties -----------------------------------------------------------------------------------------------

PART_POOL = ["0007", "1001", "1002", "A-20", "B30", "C300", "Z9", "Z91"]


@st.composite
def chains_and_history(draw, *, unit_factors: bool):
    """Random acyclic supersessions (no split) over the pool, and a random history of some pool parts.

    Acyclic by construction: the parts are drawn in a random order, and a part may only be replaced by
    one that comes later in it.
    """
    order = draw(st.permutations(PART_POOL))
    rows = []
    for i, old in enumerate(order[:-1]):
        j = draw(st.one_of(st.none(), st.integers(i + 1, len(order) - 1)))
        if j is not None:
            factor = 1.0 if unit_factors else draw(st.sampled_from([0.5, 1.0, 2.0, 3.0, 0.25]))
            rows.append((old, order[j], factor))
    rows = draw(st.permutations(rows))
    n = draw(st.integers(1, 40))
    lines = pd.DataFrame({
        "dealer": draw(st.lists(st.sampled_from(["D1", "D2", "D3"]), min_size=n, max_size=n)),
        "part": draw(st.lists(st.sampled_from(PART_POOL), min_size=n, max_size=n)),
        "period": draw(st.lists(st.sampled_from(["2024-01", "2024-02", "2024-03"]), min_size=n, max_size=n)),
        "quantity": draw(st.lists(st.integers(-3, 20), min_size=n, max_size=n)),
    })
    table = pd.DataFrame(rows, columns=["old_part", "new_part", "factor"])
    return table, lines


def _leading_by_loop(table: pd.DataFrame) -> dict[str, tuple[str, float]]:
    """The reference: walk each chain one part at a time (plain Python)."""
    step = {o: (n, f) for o, n, f in table.itertuples(index=False, name=None)}
    out = {}
    for part in step:
        factor, at = 1.0, part
        while at in step:
            at, f = step[at]
            factor *= f
        out[part] = (at, factor)
    return out


@FAST
@given(case=chains_and_history(unit_factors=True))
def test_network_demand_is_unchanged_when_every_factor_is_1(case):
    table, lines = case
    assume(len(table))  # an empty supersession table is an error of its own
    history = load_history(lines)
    resolution = resolve(load_supersessions(table))
    realigned, report = apply_to_history(history, resolution)
    before = history.frame.astype({"dealer": str}).groupby(["dealer", "month"])["quantity"].sum()
    after = realigned.frame.astype({"dealer": str}).groupby(["dealer", "month"])["quantity"].sum()
    pd.testing.assert_series_equal(before, after)
    assert realigned.lines["quantity"].sum() == history.lines["quantity"].sum()
    assert report["units_moved"] == report["units_realigned"]
    names = realigned.names["part"]
    assert names.tolist() == sorted(names.tolist())
    assert not set(names) & set(resolution.mapping_frame()["old_part"])


@FAST
@given(case=chains_and_history(unit_factors=False))
def test_realignment_equals_a_loop_over_the_chains(case):
    table, lines = case
    assume(len(table))
    resolution = resolve(load_supersessions(table))
    reference = _leading_by_loop(table)
    got = {o: (lp, f) for o, lp, f, _ in resolution.mapping_frame().itertuples(index=False, name=None)}
    assert got.keys() == reference.keys()
    for part, (leading, factor) in reference.items():
        assert got[part][0] == leading and got[part][1] == pytest.approx(factor)
    # the history: each line of a part goes to its leading part, quantity x factor
    history = load_history(lines)
    realigned, _ = apply_to_history(history, resolution)
    expected: dict[tuple[str, str, int], float] = {}
    for dealer, part, month, quantity in history.frame.astype({"dealer": str, "part": str}).itertuples(index=False):
        leading, factor = reference.get(part, (part, 1.0))
        key = (dealer, leading, month)
        expected[key] = expected.get(key, 0.0) + quantity * factor
    frame = realigned.frame.astype({"dealer": str, "part": str})
    got_lines = frame.groupby(["dealer", "part", "month"])["quantity"].sum().to_dict()
    assert got_lines.keys() == expected.keys()
    for key, value in expected.items():
        assert got_lines[key] == pytest.approx(value)
    # the row order of the file does not matter
    shuffled = resolve(load_supersessions(table.iloc[::-1].reset_index(drop=True)))
    pd.testing.assert_frame_equal(shuffled.mapping_frame(), resolution.mapping_frame())


def test_the_supersessions_frame_dtypes(subs_file):
    sup = load_supersessions(subs_file(GOLDEN))
    assert isinstance(sup, Supersessions) and len(sup) == 3
    assert list(sup.frame.columns) == ["old_part", "new_part", "factor", "effective", "split"]
    assert sup.frame["factor"].dtype == np.float64 and sup.frame["effective"].dtype == np.float64
    assert sup.frame["split"].dtype == bool
    assert sup.frame.index.name == "row"


# -- long chains: jumps past the middle, linear time (issue 23) -----------------------------------------------------


@FAST
@given(case=chains_and_history(unit_factors=False), shown=st.integers(1, 3))
def test_jumps_past_the_middle_equal_a_loop_over_the_chains(case, shown):
    """With CHAIN_SHOWN cut to 1-3 links, every longer chain finishes by pointer doubling: the same leading part
    and factor as the plain walk, and its text is its first links, then '…' and the leading part."""
    table, _ = case
    assume(len(table))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(supersession, "CHAIN_SHOWN", shown)
        got = resolve(load_supersessions(table)).mapping_frame()
    reference = _leading_by_loop(table)
    step = dict(zip(table["old_part"], table["new_part"]))
    assert set(got["old_part"]) == set(reference)
    for old, leading, factor, chain in got.itertuples(index=False, name=None):
        assert (leading, factor) == (reference[old][0], pytest.approx(reference[old][1]))
        path = [old]
        while path[-1] in step:
            path.append(step[path[-1]])
        if len(path) - 1 <= shown + 1:  # shown whole (one link past the cut has nothing to leave out)
            assert chain == " > ".join(path)
        else:
            assert chain == " > ".join(path[:shown + 1]) + " > … > " + leading


def test_a_chain_of_100000_links_resolves_in_linear_time():
    names = [f"P{i:06d}" for i in range(100_001)]
    table = pd.DataFrame({"old_part": names[:-1], "new_part": names[1:], "factor": [1.0, 2.0, 0.5, 1.0] * 25_000})
    start = time.perf_counter()
    resolution = resolve(load_supersessions(table))
    seconds = time.perf_counter() - start
    mapping = resolution.mapping_frame()
    assert resolution.report["longest_chain"] == 100_000 and len(mapping) == 100_000
    assert set(mapping["leading_part"]) == {"P100000"} and (mapping["factor"] == 1.0).sum() > 0
    first = mapping.iloc[0]
    assert first["chain"] == " > ".join(names[:supersession.CHAIN_SHOWN + 1]) + " > … > P100000"
    assert first["factor"] == 1.0  # (1 x 2 x 0.5 x 1) ^ 25,000
    assert seconds < 5, f"{seconds:.1f} s"  # the bound; about 1 s here (was 118 s for 2,000 links)


def test_a_long_chain_through_a_split_branches_at_the_split():
    """P00 -> ... -> P30 (30 links), P30 split into X and Y, Y -> Z: the long paths branch at the split."""
    chain = [f"P{i:02d}" for i in range(31)]
    table = pd.DataFrame({"old_part": chain[:-1] + ["P30", "P30", "Y"], "new_part": chain[1:] + ["X", "Y", "Z"],
                          "factor": [1.0] * 30 + [2.0, 3.0, 0.5], "split": [""] * 30 + ["yes", "yes", ""]})
    mapping = resolve(load_supersessions(table)).mapping_frame().set_index(["old_part", "leading_part"])
    assert mapping.loc[("P00", "X"), "factor"] == 2.0 and mapping.loc[("P00", "Z"), "factor"] == 1.5
    assert mapping.loc[("P00", "Z"), "chain"].endswith(" > … > Z")
    assert mapping.loc[("P10", "X"), "chain"] == " > ".join(chain[10:]) + " > X"  # 21 links: shown whole


def test_a_cycle_longer_than_the_chains_shown_is_listed_from_its_smallest_part():
    ring = [f"Q{i:02d}" for i in range(25)]
    table = pd.DataFrame({"old_part": ["A0"] + ring, "new_part": [ring[7]] + ring[1:] + ring[:1]})
    with pytest.raises(InputError) as err:
        resolve(load_supersessions(table))
    assert str(err.value) == (
        "supersession cycle: " + " -> ".join(ring + ring[:1]) + " (rows " + ", ".join(map(str, range(1, 26)))
        + " of <DataFrame>); a part cannot replace itself through a chain. Fix: remove one of these rows")
