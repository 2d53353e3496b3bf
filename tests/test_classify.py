"""`spareopt.classes` and `spareopt classify`: every axis of the classification, end to end.

Hand-computed values use the shared fixture of ``conftest.py`` (3 dealers, 7 parts,
2024-01..2024-08; dealer D01 sells the base quantities, D02 twice them, D03 the same
as D01 without G700).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import run_cli as run

import spareopt
from spareopt.classify import abc
from spareopt.errors import ConfigError, InputError

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
PREVIOUS = b"dealer,part,abc_class\nOLD,00001,A\n"

# Flores, Olson & Dorai (1992), "Management of multicriteria inventory classification",
# Mathematical and Computer Modelling 16(12):71-82: annual dollar usage of the 47 items
# (text copy from gwr3n/inventoryanalytics, MIT license; see shared/data/flores_47/README.md).
FLORES_ANNUAL_DOLLAR_USAGE = [
    5840.64, 5670, 5037.12, 4769.56, 3478.8, 2936.67, 2820, 2640, 2423.52, 2407.5, 1075.2, 1043.5, 1038, 883.2,
    854.4, 810, 703.68, 594, 570, 467.6, 463.6, 455, 432.5, 398.4, 370.5, 338.4, 336.12, 313.6, 268.68, 224, 216,
    212.08, 197.92, 190.89, 181.8, 163.28, 150, 134.8, 119.2, 103.36, 79.2, 75.4, 59.78, 48.3, 34.4, 28.8, 25.38,
]


def d01(table: pd.DataFrame, column: str) -> dict[str, object]:
    rows = table[table["dealer"] == "D01"]
    return dict(zip(rows["part"], rows[column].tolist()))


# -- ABC variants --------------------------------------------------------------------------------------


def test_flores_annual_dollar_usage_by_item_count_20_30_50():
    """Flores, Olson & Dorai (1992): A = s1-s10, B = s11-s24, C = s25-s47."""
    classes = abc(FLORES_ANNUAL_DOLLAR_USAGE, abc_cutoff="count", abc_count_a=0.20, abc_count_b=0.50)
    assert "".join(classes) == "A" * 10 + "B" * 14 + "C" * 23


def test_abc_by_item_count_is_per_dealer_and_ties_go_by_order():
    classes = abc([5, 5, 5, 5, 5, 1, 2, 3, 4, 5], group=[0] * 5 + [1] * 5, order=[4, 3, 2, 1, 0] * 2,
                  abc_cutoff="count", abc_count_a=0.2, abc_count_b=0.6)
    # group 0, all equal: order 0 (the 5th item) is ranked first -> A, then order 1, 2 -> B
    assert "".join(classes) == "CCBBA" + "CCBBA"


@pytest.mark.parametrize(("options", "message"), [
    ({"abc_cutoff": "share"}, ("`abc_cutoff` must be one of value, count; got 'share'. value: cut at shares of the "
                               "group's value (abc_a, abc_b); count: at shares of its items (abc_count_a, "
                               "abc_count_b)")),
    ({"abc_cutoff": "count", "abc_count_a": 0.6, "abc_count_b": 0.5},
     ("`abc_count_b` must be in [`abc_count_a` (0.6), 1]; got 0.5. A is the first abc_count_a of the items, A and B "
      "the first abc_count_b, e.g. 0.2 and 0.5.")),
    ({"abc_a": 0.0}, ("`abc_a` must be in (0, 1]; got 0. A holds the first abc_a of the value, A and B the first "
                      "abc_b, e.g. 0.8 and 0.95 (the seed's).")),
])
def test_abc_bad_cutoffs(options, message):
    with pytest.raises(ConfigError) as info:
        abc([1.0, 2.0], **options)
    assert str(info.value) == message


def test_abc_bad_value_names_the_first_row():
    with pytest.raises(InputError, match=r"^`value` must be finite and >= 0; 2 of 3 rows break it \(first: row 1 = "
                                         r"-1\)$"):
        abc([1.0, -1.0, np.nan])
    with pytest.raises(InputError, match=r"^`value` must be 1-D, one usage value per item; got shape \(1, 2\)$"):
        abc([[1.0, 2.0]])


def test_class_code_and_abc_of_dealer_d01(sales, parts_master):
    table = spareopt.classes(sales, parts_master).table
    # D01 values over the 8 months: C300 3 x 5200 = 15,600; F600 88 x 65 = 5,720; 00123 252 x 12.5 = 3,150;
    # A100 41 x 40 = 1,640; E500 414 x 3.2 = 1,324.8; G700 23 x 21 = 483; B200 8 x 8 = 64 (total 27,981.8).
    # Share before: C300 0, F600 .557, 00123 .762 -> A; A100 .875, E500 .933 -> B; G700 .980, B200 -> C.
    assert d01(table, "abc_value") == pytest.approx({"C300": 15600, "F600": 5720, "00123": 3150, "A100": 1640,
                                                     "E500": 1324.8, "G700": 483, "B200": 64})
    # + attribute + band of O/C + L/T: 60 days -> 3, 14 -> 2, 12 -> 2, 0 -> 0, 2 -> 1, 24 -> 2
    assert d01(table, "class_code") == {"00123": "AA2", "A100": "BB2", "B200": "CB2", "C300": "AC3",
                                        "E500": "BA0", "F600": "AA2", "G700": "CB1"}
    assert list(table.columns) == list(spareopt.CLASS_COLUMNS)


def test_abc_by_hits_counts_order_lines_or_months(sales, sales_monthly, parts_master):
    lines = spareopt.classes(sales, parts_master, abc_basis="hits")
    # months of 10 units or more are two transaction lines in the fixture; A100's March return is no hit
    assert d01(lines.table, "abc_value") == {"00123": 16, "A100": 8, "B200": 6, "C300": 3, "E500": 16, "F600": 15,
                                       "G700": 8}
    assert lines.report["abc_hits"] == "order lines"
    months = spareopt.classes(sales_monthly, parts_master, abc_basis="hits")
    assert d01(months.table, "abc_value") == {"00123": 8, "A100": 8, "B200": 6, "C300": 3, "E500": 8, "F600": 8,
                                        "G700": 8}
    assert months.report["abc_hits"] == "months with demand"


def test_hits_criterion_counts_order_lines(sales, sales_monthly):
    lines = spareopt.classes(sales, criteria=["hits"], mc_method="ng")
    assert lines.report["mc"]["hits"] == "order lines"
    # network order lines over the 8 months: 00123 and E500 48 each (two lines every month at all three
    # dealers), the most, so both score 1; by months with demand every part but B200 and C300 would tie
    top = lines.table.drop_duplicates("part").set_index("part")["mc_score"]
    assert top[["00123", "E500"]].tolist() == [1.0, 1.0] and (top.drop(["00123", "E500"]) < 1).all()
    months = spareopt.classes(sales_monthly, criteria=["hits"], mc_method="ng")
    assert months.report["mc"]["hits"] == "months with demand"


def test_abc_by_quantity_and_by_item_count(sales, parts_master):
    table = spareopt.classes(sales, parts_master, config={"abc_basis": "quantity", "abc_cutoff": "count"}).table
    assert d01(table, "abc_value")["E500"] == 414
    # 7 parts: (r - 1) / 7 < 0.2 for r <= 2 -> A; < 0.5 for r <= 4 -> B.  By units: E500 414, 00123 252, F600 88,
    # A100 41, G700 23, B200 8, C300 3
    assert d01(table, "abc_class") == {"E500": "A", "00123": "A", "F600": "B", "A100": "B", "G700": "C",
                                       "B200": "C", "C300": "C"}


# -- XYZ, FSN, phase flags, pattern ------------------------------------------------------------------


def test_movement_and_pattern_of_dealer_d01(sales, parts_master):
    table = spareopt.classes(sales, parts_master).table
    # C300 sells 1 in months 2, 5 and 8: ADI = 7 months from the first sale / 3 = 2.33 > 1.32, CV2 = 0
    assert d01(table, "adi")["C300"] == pytest.approx(7 / 3)
    assert d01(table, "cv2")["C300"] == 0
    assert d01(table, "pattern")["C300"] == "intermittent"
    assert d01(table, "pattern")["00123"] == "smooth"
    # cv of [0,1,0,0,1,0,0,1]: mean 3/8, sample sd sqrt(1.875 / 7) -> 1.380 -> Z
    assert d01(table, "cv")["C300"] == pytest.approx(np.sqrt(1.875 / 7) / (3 / 8))
    assert d01(table, "xyz_class")["C300"] == "Z"
    assert d01(table, "xyz_class")["00123"] == "X"
    assert d01(table, "months_since_demand")["C300"] == 0
    assert d01(table, "hits_12m") == {"00123": 8, "A100": 8, "B200": 6, "C300": 3, "E500": 8, "F600": 8, "G700": 8}
    # last 4 months of C300: 1, 0, 0, 1 -> 2 hits < 3
    assert d01(table, "phase_in") == {"00123": True, "A100": True, "B200": True, "C300": False, "E500": True,
                                      "F600": True, "G700": True}
    assert not table["phase_out"].any()  # 8 months of history cannot show 12 months without demand


def test_fsn_and_phase_out_after_a_year_without_sales():
    months = pd.period_range("2023-01", periods=24, freq="M")
    sales = pd.DataFrame({"part": ["old"] * 24 + ["new"] * 24, "period": list(months) * 2,
                          "quantity": [4] * 8 + [0] * 16 + [0] * 20 + [2, 3, 0, 4]})
    table = spareopt.classes(sales).table.set_index("part")
    assert table.loc["old", "months_since_demand"] == 16 and table.loc["old", "fsn_class"] == "N"
    assert bool(table.loc["old", "phase_out"]) and not bool(table.loc["old", "phase_in"])
    assert table.loc["new", "months_since_demand"] == 0 and table.loc["new", "fsn_class"] == "F"
    assert bool(table.loc["new", "phase_in"]) and not bool(table.loc["new", "phase_out"])


# -- multi-criteria -----------------------------------------------------------------------------------


def test_multi_criteria_default_criteria_are_the_known_seed_dimensions(sales, parts_master):
    result = spareopt.classes(sales, parts_master)
    table = result.table
    report = result.report["mc"]
    assert report["method"] == "weighted" and report["criteria"] == ["unit_cost:max", "annual_value:max"]
    # network annual values (8 months x 12/8): C300 93,600, F600 34,320, 00123 18,900, A100 10,200, E500 7,948.8,
    # G700 2,173.5, B200 384; equal weights on min-max scaled unit_cost and annual_value:
    # C300 1, F600 .188, 00123 .100, A100 .056, E500 .041, G700 .011, B200 .0005 -> 2 A, 2 B, 3 C of 7 parts
    assert d01(table, "mc_class") == {"C300": "A", "F600": "A", "00123": "B", "A100": "B", "E500": "C",
                                      "G700": "C", "B200": "C"}
    assert d01(table, "mc_score")["F600"] == pytest.approx((33936 / 93216 + 61.8 / 5196.8) / 2)
    per_part = table.groupby("part", observed=True)["mc_class"].nunique()
    assert (per_part == 1).all()  # a property of the part, the same at every dealer


def test_multi_criteria_weights_and_master_columns(sales, parts_master):
    parts = parts_master.assign(criticality=[1, 0.5, 0.01, 1, 0.01, 0.5, np.nan])
    result = spareopt.classes(sales, parts, criteria=["unit_cost", "criticality"], weights=[1, 0])
    table = result.table
    # by unit cost only: C300, F600 | A100, G700 | 00123, B200, E500
    assert d01(table, "mc_class") == {"C300": "A", "F600": "A", "A100": "B", "G700": "B", "00123": "C",
                                      "B200": "C", "E500": "C"}
    assert result.report["mc"]["filled_least_important"] == {"criticality": 1}


@pytest.mark.parametrize("method", ["weighted", "ramanathan", "ng", "zhou_fan", "flores_whybark"])
def test_every_method_runs_and_gives_20_30_50(sales, parts_master, method):
    parts = parts_master.assign(criticality=[1, 0.5, 0.01, 1, 0.01, 0.5, 0.5])
    table = spareopt.classes(sales, parts, mc_method=method,
                             criteria=["annual_value", "criticality", "unit_cost"]).table
    per_part = table.drop_duplicates("part")
    assert per_part["mc_class"].isin(["A", "B", "C"]).all()
    assert per_part["mc_score"].between(0, 1).all()
    if method != "flores_whybark":
        assert per_part["mc_class"].value_counts().to_dict() == {"A": 2, "B": 2, "C": 3}


def test_classes_do_not_depend_on_row_order(sales, parts_master):
    first = spareopt.classes(sales, parts_master, mc_method="ramanathan").table
    shuffled = spareopt.classes(sales.sample(frac=1, random_state=7), parts_master.iloc[::-1],
                                mc_method="ramanathan").table
    pd.testing.assert_frame_equal(first, shuffled)


# -- the CLI end to end --------------------------------------------------------------------------------


def test_cli_classify_writes_the_table_and_the_report(cli_files):
    result = run("classify", "sales.csv", "--parts", "parts.csv", "-o", "classes.csv")
    assert result.exit_code == 0, result.output
    table = pd.read_csv("classes.csv", dtype={"part": str})
    assert list(table.columns) == ["dealer", "part", "description", *spareopt.CLASS_COLUMNS[3:]]
    assert len(table) == 20
    assert "multi-criteria ABC: weighted on unit_cost:max, annual_value:max" in result.stderr
    assert "pattern: " in result.stderr and "wrote 20 rows to classes.csv" in result.stderr


def test_cli_classify_options_override_the_config(cli_files):
    Path("c.toml").write_text('mc_method = "ng"\ncriteria = ["hits"]\n')
    result = run("classify", "sales.csv", "--parts", "parts.csv", "--config", "c.toml", "--mc-method", "weighted",
                 "--criteria", "unit_cost", "--criteria", "annual_value:min", "--weights", "3,1", "-q")
    assert result.exit_code == 0 and result.stderr == ""
    table = pd.read_csv(pd.io.common.StringIO(result.stdout), dtype={"part": str})
    assert table.loc[table["part"] == "C300", "mc_class"].iloc[0] == "A"


@pytest.mark.parametrize(("args", "extra", "message"), [
    (["--criteria", "foo"], {},
     ("unknown criterion 'foo': use annual_value, annual_quantity, hits (computed), or a numeric column of the parts "
     "master parts.csv ('part', 'description', 'unit_cost', 'lead_time_days', 'order_cycle_days', 'attribute')")),
    (["--criteria", "annual_value,criticality"], {"criticality": ["high", 1, 1, 1, 1, 1, 1]},
     ("parts.csv: `criticality` must be a finite number; 1 row(s) break it (first: row 2 'high'). "
     "Fix: correct the criticality (blank = the least important value)")),
    (["--criteria", "unit_cost,annual_value", "--weights", "1,2,3"], {},
     "weights must give one weight per criterion (2: unit_cost, annual_value), got [1.0, 2.0, 3.0]"),
    (["--weights", "1,2,3"], {},
     "weights must give one weight per criterion (2: unit_cost, annual_value), got [1.0, 2.0, 3.0]"),
    (["--criteria", "unit_cost,annual_value", "--weights", "1,-1"], {},
     "weights must be finite numbers >= 0, got [1.0, -1.0]"),
])
def test_cli_classify_bad_input_exits_1_and_writes_nothing(cli_files, args, extra, message):
    if extra:
        parts = pd.read_csv("parts.csv", dtype={"part": str})
        parts.assign(**extra).to_csv("parts.csv", index=False)
    Path("classes.csv").write_bytes(PREVIOUS)
    result = run("classify", "sales.csv", "--parts", "parts.csv", *args, "-o", "classes.csv")
    assert (result.exit_code, result.stderr) == (1, f"Error: {message}\n")
    assert Path("classes.csv").read_bytes() == PREVIOUS
    assert not [p for p in Path().iterdir() if p.name.endswith(".tmp")]


def test_cli_classify_infeasible_lp_exits_1(cli_files, parts_master):
    # B200 has the least annual value and the lowest criticality: 0 on both scaled criteria, so no weights make
    # it score >= 1 in Zhou & Fan's bad-index LP
    parts_master.assign(criticality=[1, 0.5, 0.01, 1, 0.5, 0.5, 1]).to_csv("parts.csv", index=False)
    result = run("classify", "sales.csv", "--parts", "parts.csv", "--mc-method", "zhou_fan",
                 "--criteria", "annual_value,criticality", "-o", "classes.csv")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "B200" in result.stderr and result.stderr.count("\n") == 1
    assert not Path("classes.csv").exists()


def test_cli_classify_usage_errors_exit_2(cli_files):
    assert run("classify", "sales.csv", "--mc-method", "topsis").exit_code == 2
    assert run("classify", "sales.csv", "--weights", "a,b").exit_code == 2


def test_cli_classify_help_has_an_example():
    result = run("classify", "--help")
    assert result.exit_code == 0 and "Example:" in result.output and "--mc-method" in result.output


# -- the published automotive data ---------------------------------------------------------------------


@pytest.mark.skipif(not (DATA / "auto_syntetos_boylan").is_dir(), reason="../shared/data is absent")
def test_cli_classify_on_the_automotive_data_gives_the_published_pattern_counts(tmp_path):
    """Syntetos & Boylan (2005), IJF 21(2):303-314; data via de Haan (2021), danieldehaan96/spdf."""
    out = tmp_path / "auto.parquet"
    result = run("classify", str(DATA / "auto_syntetos_boylan" / "auto_long.csv"), "--column", "part=part_id",
                 "-o", str(out), "-q")
    assert result.exit_code == 0, result.output
    table = pd.read_parquet(out)
    assert len(table) == 3000
    assert table["pattern"].value_counts().to_dict() == {"smooth": 1272, "intermittent": 974, "erratic": 440,
                                                         "lumpy": 314}
    reference = pd.read_csv(DATA / "auto_syntetos_boylan" / "auto_reference_properties.csv")
    merged = table.merge(reference, left_on="part", right_on="part_id")
    assert np.isclose(merged["adi"], merged["adi_authors"], atol=1e-5).sum() == 3000
    assert np.isclose(merged["cv2"], merged["cv2_authors"], atol=1e-5).sum() == 2998
