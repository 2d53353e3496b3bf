"""The parts master (spareopt.parts): load_parts and part_fields."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest

import spareopt
from spareopt import Config, InputError, load_config, load_parts
from spareopt.parts import part_fields


@pytest.fixture
def master_file(text_file):
    return lambda text, name="parts.csv", encoding="utf-8": text_file(text, name, encoding)


# -- load_parts -----------------------------------------------------------------------------------------


def test_load_parts_from_a_frame(parts_master):
    master = load_parts(parts_master)
    frame = master.frame
    assert frame.index.name == "part"
    assert frame.index.tolist() == ["00123", "A100", "B200", "C300", "E500", "F600", "G700"]
    assert frame.loc["C300", ["unit_cost", "lead_time_days", "order_cycle_days"]].tolist() == [5200.0, 30.0, 30.0]
    assert frame.loc["C300", "attribute"] == "C"
    assert frame.loc["F600", "description"] == "=SUM(A1:A9)"  # text is kept as is; only writers neutralise
    assert frame["lead_time_days"].dtype == np.float64
    assert master.report["parts"] == 7
    assert master.report["source"] == "<DataFrame>"


@pytest.mark.parametrize(("header", "columns"), [
    ("Part No.,L/T,O/C,成本价,属性,配件名称,包装数",
     {"part": "Part No.", "lead_time_days": "L/T", "order_cycle_days": "O/C", "unit_cost": "成本价",
      "attribute": "属性", "description": "配件名称", "pack_size": "包装数"}),
    ("配件编号,到货周期,采购周期,采购价,备件属性,零件名称,最小包装",
     {"part": "配件编号", "lead_time_days": "到货周期", "order_cycle_days": "采购周期", "unit_cost": "采购价",
      "attribute": "备件属性", "description": "零件名称", "pack_size": "最小包装"}),
    ("part_number,lead_time,order_cycle,cost,attribute,part_name,pack_size",
     {"part": "part_number", "lead_time_days": "lead_time", "order_cycle_days": "order_cycle", "unit_cost": "cost",
      "attribute": "attribute", "description": "part_name", "pack_size": "pack_size"}),
])
def test_load_parts_header_aliases_in_gbk(master_file, header, columns):
    path = master_file(f"{header}\n00123,3,7,1.5,a,刹车片,10\n", encoding="gbk")
    master = load_parts(path)
    assert master.report["columns"] == columns
    assert master.report["encoding"] == "gb18030"
    assert master.frame.reset_index().to_dict("records") == [{
        "part": "00123", "unit_cost": 1.5, "lead_time_days": 3.0, "order_cycle_days": 7.0, "pack_size": 10.0,
        "attribute": "A", "description": "刹车片"}]  # the attribute letter is upper-cased


def test_load_parts_columns_override(master_file):
    master = load_parts(master_file("零件代码,到货天数\n00123,4\n"), columns={"part": "零件代码",
                                                                           "lead_time_days": "到货天数"})
    assert master.frame.loc["00123", "lead_time_days"] == 4.0


def test_load_parts_blank_cells_are_missing(master_file):
    master = load_parts(master_file("part,unit_cost,lead_time_days,attribute\n00123,,,\n00124,2,3,b\n"))
    frame = master.frame
    assert np.isnan(frame.loc["00123", "unit_cost"]) and np.isnan(frame.loc["00123", "lead_time_days"])
    assert pd.isna(frame.loc["00123", "attribute"])
    assert frame.loc["00124", "attribute"] == "B"


def test_blank_description_is_missing_whatever_the_format(tmp_path, sales, parts_master):
    parts_master.loc[1, "description"] = None
    parts_master.to_csv(tmp_path / "parts.csv", index=False)
    parts_master.to_parquet(tmp_path / "parts.parquet", index=False)
    assert pd.isna(load_parts(tmp_path / "parts.csv").frame.loc["A100", "description"])
    from_csv = spareopt.must_stock(sales, tmp_path / "parts.csv").table
    from_parquet = spareopt.must_stock(sales, tmp_path / "parts.parquet").table
    pd.testing.assert_series_equal(from_csv["description"], from_parquet["description"])


def test_load_parts_keeps_leading_zeros_and_matches_numeric_xlsx_part_numbers(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["配件编号", "成本价"])
    book.active.append(["00123", 1.5])
    book.active.append([11040696, 2.0])  # a part number typed as a number in Excel
    book.save(tmp_path / "parts.xlsx")
    master = load_parts(tmp_path / "parts.xlsx")
    assert master.frame.index.tolist() == ["00123", "11040696"]


def test_duplicate_parts_are_an_error(master_file):
    path = master_file("part,unit_cost\n00123,1\nA100,2\n 00123 ,3\nA100,4\nB200,5\nA100,6\n", name="dup.csv")
    with pytest.raises(InputError) as err:
        load_parts(path)
    assert str(err.value) == (f"{path}: `part` must be unique in the parts master; 2 part(s) are listed more than "
                              "once (first: '00123' at rows 2, 4, 'A100' at rows 3, 5, 7). Fix: keep one row per part")


def test_leading_zeros_make_different_parts(master_file):
    master = load_parts(master_file("part,unit_cost\n00123,1\n123,2\n0123,3\n"))
    assert master.frame["unit_cost"].to_dict() == {"00123": 1.0, "123": 2.0, "0123": 3.0}


@pytest.mark.parametrize(("text", "message"), [
    ("part,lead_time_days\n00123,7\nA100,-3\n",
     ("`lead_time_days` must be >= 0; 1 row(s) break it (first: row 3 '-3'). "
     "Fix: correct the lead_time_days (blank = default)")),
    ("part,采购周期\n00123,-7\nA100,7\nB200,-0.5\n",
     ("`order_cycle_days` (header '采购周期') must be >= 0; 2 row(s) break it (first: row 2 '-7', row 4 '-0.5'). "
     "Fix: correct the order_cycle_days (blank = default)")),
    ("part,unit_cost\n00123,-1\n",
     "`unit_cost` must be >= 0; 1 row(s) break it (first: row 2 '-1'). Fix: correct the unit_cost (blank = default)"),
    ("part,pack_size\n1,0\n2,1.5\n3,2\n",
     ("`pack_size` must be a whole number >= 1; 2 row(s) break it (first: row 2 '0', row 3 '1.5'). "
     "Fix: correct the pack size (blank = default)")),
    ("part,attribute\n00123,A\nA100,D\nB200,\nC300,AB\n",
     ("`attribute` must be A, B or C (three-in-one attribute: A wear, B common, C assembly); 2 row(s) break it "
     "(first: row 3 'D', row 5 'AB'). Fix: correct the letter (blank = default)")),
    ("part,unit_cost\n,1\n2,3\n",
     "`part` must not be empty; 1 row(s) break it (first: row 2 (empty)). Fix: fill in the part"),
    ("description,unit_cost\npad,1\n",
     ("required column `part` is missing (headers in the file: 'description', 'unit_cost'). "
     "Rename it, or map it with --column part=HEADER")),
])
def test_load_parts_errors(master_file, text, message):
    path = master_file(text, name="master.csv")
    with pytest.raises(InputError) as err:
        load_parts(path)
    assert str(err.value) == f"{path}: {message}"


@pytest.mark.parametrize("cell", ["x", "inf", "nan"])
def test_load_parts_numbers_must_be_finite(master_file, cell):
    path = master_file(f"part,lead_time_days\n00123,7\nA100,{cell}\n", name="master.csv")
    with pytest.raises(InputError) as err:
        load_parts(path)
    assert str(err.value).startswith(f"{path}: `lead_time_days` must be a finite number; 1 row(s) break it "
                                     f"(first: row 3 '{cell}'). Fix: ")


def test_load_parts_number_error_gives_the_master_fix(master_file):
    with pytest.raises(InputError) as err:
        load_parts(master_file("part,lead_time_days\n00123,x\n"))
    assert "no record" not in str(err.value)
    assert "blank = default" in str(err.value)


# -- part_fields --------------------------------------------------------------------------------------------


def test_part_fields_fills_defaults_and_counts_them(parts_master):
    master = load_parts(parts_master.drop(columns="order_cycle_days"))
    fields, report = part_fields(np.array(["00123", "C300", "Z999"], dtype=object), master, Config())
    assert fields.index.tolist() == ["00123", "C300", "Z999"]
    assert fields["lead_time_days"].tolist() == [7.0, 30.0, 7.0]  # Z999: default 7
    assert fields["order_cycle_days"].tolist() == [7.0, 7.0, 7.0]  # no column: default for all
    assert fields["attribute"].tolist() == ["A", "C", "B"]
    assert fields["pack_size"].tolist() == [1, 1, 1] and fields["pack_size"].dtype == np.int64
    assert fields["unit_cost"].tolist()[:2] == [12.5, 5200.0] and np.isnan(fields["unit_cost"].iloc[2])
    assert fields["description"].tolist()[:2] == ["brake pad set", "cylinder block"]
    assert report == {
        "parts_not_in_master": 1, "parts_not_in_master_first": ["Z999"], "master_parts_without_history": 5,
        "unit_cost_from_history": 0, "unit_cost_unknown": 1,
        "defaulted": {"lead_time_days": 1, "order_cycle_days": 3, "pack_size": 3, "attribute": 1},
    }


def test_part_fields_defaults_come_from_the_config(parts_master):
    config = load_config({"defaults": {"unit_cost": 1.5, "lead_time_days": 2, "order_cycle_days": 0,
                                       "attribute": "c", "pack_size": 6}})
    fields, report = part_fields(np.array(["00123", "Z999"], dtype=object), load_parts(parts_master), config)
    assert fields.loc["Z999", ["unit_cost", "lead_time_days", "order_cycle_days", "pack_size"]].tolist() == [
        1.5, 2.0, 0.0, 6]
    assert fields.loc["Z999", "attribute"] == "C"
    assert fields.loc["00123", "unit_cost"] == 12.5
    assert report["defaulted"]["unit_cost"] == 1
    assert report["unit_cost_unknown"] == 0


def test_part_fields_without_master_uses_the_history_price():
    fields, report = part_fields(np.array(["00123", "Z999"], dtype=object), None, Config(),
                                 history_price=np.array([3.0, np.nan]))
    assert fields["unit_cost"].tolist()[0] == 3.0 and np.isnan(fields["unit_cost"].iloc[1])
    assert "description" not in fields
    assert report["parts_not_in_master"] is None
    assert (report["unit_cost_from_history"], report["unit_cost_unknown"]) == (1, 1)
    assert report["defaulted"] == {"lead_time_days": 2, "order_cycle_days": 2, "pack_size": 2, "attribute": 2}


def test_master_cost_wins_over_the_history_price(parts_master):
    fields, report = part_fields(np.array(["00123", "Z999"], dtype=object), load_parts(parts_master), Config(),
                                 history_price=np.array([99.0, 4.0]))
    assert fields["unit_cost"].tolist() == [12.5, 4.0]
    assert report["unit_cost_from_history"] == 1


def test_must_stock_reports_parts_not_in_master(sales, parts_master):
    report = spareopt.must_stock(sales, parts_master[parts_master["part"] != "G700"]).report
    assert report["parts_not_in_master"] == 1
    assert report["parts_not_in_master_first"] == ["G700"]
    assert report["defaulted"]["lead_time_days"] == 1


def test_master_parts_never_sold_are_counted_not_dropped_silently():
    # the master lists P1, P2 and P3; only P1 is sold: P2 and P3 are counted in the report
    master = load_parts(pd.DataFrame({"part": ["P1", "P2", "P3"], "unit_cost": [1.0, 2.0, 3.0]}))
    history = pd.DataFrame({"part": ["P1"] * 6, "period": [f"2024-0{m}" for m in range(1, 7)], "quantity": [1] * 6})
    result = spareopt.must_stock(history, master)
    assert result.table["part"].tolist() == ["P1"]
    assert result.report["master_parts_without_history"] == 2
    from spareopt.report import report_lines

    assert "  2 parts of the master have no sales up to as_of and are not listed" in report_lines(result.report)
