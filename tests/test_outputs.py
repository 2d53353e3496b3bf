"""What a planner sends to the dealers (spareopt.outputs, issue 24): the planner's column set, the dealer packs
(``-o DIR --per-dealer``) with the dealer master's names, and the CSV's byte order mark."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from conftest import run_cli

import spareopt
from spareopt.dealers import load_dealers
from spareopt.outputs import DISPLAY_COLUMNS, PLANNER_COLUMNS, WHY, dealer_packs, planner_table, table_view

DEALERS_CSV = "dealer,name,region\nD01,北京东方,华北\nD02,Shanghai A/B: Pudong,华东\n"
"""A dealer master naming two of the three dealers (D03 has no row); D02's name has characters Windows refuses."""

PACK_HEADERS = ["Part", "Part name", "Class", "Min (reorder point)", "Max", "Why"]
PACK_FORMATS = ["General", "General", "General", "#,##0", "#,##0", "General"]


@pytest.fixture
def desk(cli_files: Path, sales: pd.DataFrame) -> Path:
    Path("dealers.csv").write_text(DEALERS_CSV, encoding="utf-8")
    sales[["dealer", "part"]].drop_duplicates().assign(on_hand=1).to_csv("stock.csv", index=False)
    return cli_files


def _rows(sheet) -> list[tuple]:
    return list(sheet.iter_rows(min_row=2, values_only=True))


def test_per_dealer_writes_one_workbook_per_dealer(desk, sales, parts_master):
    result = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "--dealers", "dealers.csv", "-o", "packs",
                     "--per-dealer")
    assert result.exit_code == 0, result.output
    files = {"D01": "D01 北京东方.xlsx", "D02": "D02 Shanghai A_B_ Pudong.xlsx", "D03": "D03.xlsx"}
    assert sorted(p.name for p in Path("packs").iterdir()) == sorted([*files.values(), "summary.xlsx"])
    assert result.stderr.endswith("dealer master dealers.csv: names 2 of the 3 dealers\n"
                                  "  warning: 1 dealer(s) have no name in it (first: D03): their files and sheets "
                                  "carry the dealer id only\n"
                                  "wrote 3 dealer files (20 rows) and summary.xlsx to packs\n")
    table = spareopt.must_stock(sales, parts_master).table
    for dealer, file in files.items():
        book = openpyxl.load_workbook(Path("packs") / file)
        (sheet,) = book.worksheets
        assert sheet.title == file.removesuffix(".xlsx")
        assert [c.value for c in sheet[1]] == PACK_HEADERS and all(c.font.b for c in sheet[1])
        assert [c.number_format for c in sheet[2]] == PACK_FORMATS
        assert (sheet.freeze_panes, sheet.print_title_rows) == ("A2", "$1:$1")
        assert sheet.page_setup.orientation == "landscape" and sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth in (None, 1)) and sheet.page_setup.fitToHeight == 0
        assert sheet.oddHeader.left.text.startswith(file.removesuffix(".xlsx").split(" ")[0])
        assert sheet.oddHeader.left.text.endswith("must-stock list, as of 2024-08")
        mine = table[table["dealer"] == dealer]
        rows = _rows(sheet)
        assert [r[0] for r in rows] == mine["part"].tolist()  # only this dealer's rows, in the plan's order
        here = (mine["decision"] == "dealer").to_numpy()
        assert [r[3] for r in rows] == [int(v) if h else None for v, h in zip(mine["reorder_point"], here)]
        assert [r[4] for r in rows] == [int(v) if h else None for v, h in zip(mine["max_stock"], here)]
        assert [r[2] for r in rows] == mine["class_code"].tolist()
    summary = openpyxl.load_workbook("packs/summary.xlsx")
    assert summary.sheetnames == ["summary", "dealers"]
    assert [c.value for c in summary["dealers"][1]] == [
        "Dealer", "Dealer name", "Region", "File", "Parts listed", "Stocked here", "Central warehouse", "On demand",
        "Stock value at Max"]
    dealers = _rows(summary["dealers"])
    assert [(d[0], d[1], d[2], d[3]) for d in dealers] == [
        ("D01", "北京东方", "华北", files["D01"]), ("D02", "Shanghai A/B: Pudong", "华东", files["D02"]),
        ("D03", None, None, files["D03"])]
    counts = table.groupby("dealer")["decision"].value_counts().unstack(fill_value=0)
    assert [d[4:8] for d in dealers] == [(int(counts.loc[d].sum()), int(counts.loc[d, "dealer"]),
                                          int(counts.loc[d, "central"]), int(counts.loc[d, "none"]))
                                         for d in files]
    stocked = table[table["decision"] == "dealer"]
    value = (stocked["max_stock"] * stocked["unit_cost"]).groupby(stocked["dealer"]).sum()
    assert [d[8] for d in dealers] == pytest.approx(value.tolist())
    assert summary["dealers"]["I2"].number_format == '"CNY "#,##0.00'
    facts = dict(_rows(summary["summary"]))
    assert facts["as_of"] == "2024-08" and facts["decision: dealer"] == 13 and facts["dealer master"] == "dealers.csv"
    assert facts["dealers it does not name"] == "D03"


def test_the_why_of_each_row_is_in_words(desk, sales, parts_master):
    table = spareopt.must_stock(sales, parts_master).table
    planner = planner_table(table, "must-stock")
    assert planner.columns.tolist() == ["dealer", *PLANNER_COLUMNS["must-stock"]]
    assert dict(zip(table["reason"], planner["why"])) == {reason: WHY[reason] for reason in table["reason"].unique()}
    assert set(planner["why"]) >= {"Stock here", "Order on demand: delivered at once",
                                   "Order from the central warehouse: safety stock too low to keep here"}


def test_a_class_policy_row_says_where_it_keeps_the_part(sales, parts_master):
    result = spareopt.must_stock(sales, parts_master, config={"class_policy": [{"match": "C*", "decision": "central"}]})
    planner = planner_table(result.table, "must-stock")
    policy = (result.table["reason"] == "class_policy").to_numpy()
    assert policy.any() and set(planner["why"][policy]) == {"Order from the central warehouse: class policy"}
    assert planner["reorder_point"][policy].isna().all()  # kept centrally: no Min at the dealer


def test_every_planner_column_has_a_header_in_the_one_table():
    for job, columns in PLANNER_COLUMNS.items():
        missing = [c for c in columns if c not in DISPLAY_COLUMNS]
        assert missing == [], job
    assert {d.kind for d in DISPLAY_COLUMNS.values()} <= {"text", "integer", "quantity", "number", "rate", "money"}


def test_order_packs_carry_the_suggested_order(desk):
    Path("cost.toml").write_text('currency = "¥"\n', encoding="utf-8")
    result = run_cli("order", "sales.csv", "--parts", "parts.csv", "--stock", "stock.csv", "--config", "cost.toml",
                     "--dealers", "dealers.csv", "-o", "orders", "--per-dealer", "--budget", "200", "-q")
    assert result.exit_code == 0, result.output
    expected = spareopt.order("sales.csv", "parts.csv", stock="stock.csv", budget=200)
    book = openpyxl.load_workbook("orders/D01 北京东方.xlsx")
    assert [c.value for c in book.active[1]] == ["Part", "Part name", "Min (reorder point)", "Max", "Stock position",
                                                 "Suggested order", "Order value", "Why"]
    mine = expected.table[expected.table["dealer"] == "D01"]
    rows = _rows(book.active)
    assert [(r[0], r[5]) for r in rows] == list(zip(mine["part"], mine["order_qty"].astype(int)))
    assert {r[7] for r in rows} <= {WHY["reorder"], WHY["budget_cut"]}
    assert book.active["G2"].number_format == '"¥ "#,##0.00'
    dealers = _rows(openpyxl.load_workbook("orders/summary.xlsx")["dealers"])
    totals = expected.totals
    assert [(d[0], d[4]) for d in dealers] == list(zip(totals["dealer"], totals["lines"]))
    assert [d[6] for d in dealers] == pytest.approx(totals["value"].tolist())


def test_csv_packs_and_the_byte_order_mark(desk, sales, parts_master):
    result = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "packs", "--per-dealer", "--format",
                     "csv", "--bom", "-q")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in Path("packs").iterdir()) == ["D01.csv", "D02.csv", "D03.csv", "summary.csv"]
    raw = Path("packs/D02.csv").read_bytes()
    assert raw.startswith("\ufeffPart,Part name,Class,Min (reorder point),Max,Why\n".encode())
    back = pd.read_csv("packs/D02.csv", dtype=str, encoding="utf-8-sig")
    table = spareopt.must_stock(sales, parts_master).table
    assert back["Part"].tolist() == table.loc[table["dealer"] == "D02", "part"].tolist()
    assert Path("packs/summary.csv").read_text(encoding="utf-8-sig").startswith(
        "Dealer,File,Parts listed,Stocked here,Central warehouse,On demand,Stock value at Max\nD01,D01.csv,")


def test_csv_bom_from_the_config_and_the_default_csv_unchanged(desk, sales, parts_master):
    plain = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "plain.csv", "-q")
    Path("bom.toml").write_text("csv_bom = true\n", encoding="utf-8")
    marked = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "--config", "bom.toml", "-o", "bom.csv",
                     "--dealers", "dealers.csv", "-q")
    assert plain.exit_code == marked.exit_code == 0
    text = Path("plain.csv").read_text(encoding="utf-8")
    assert text.startswith("dealer,part,description,abc_class,")  # the technical table, as programs read it
    assert Path("bom.csv").read_bytes() == b"\xef\xbb\xbf" + text.encode()  # --dealers names sheets, not columns


def test_one_workbook_with_the_planner_columns_and_dealer_names(desk):
    result = run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "--dealers", "dealers.csv", "-o", "out.xlsx",
                     "--columns", "planner", "-q")
    assert result.exit_code == 0, result.output
    book = openpyxl.load_workbook("out.xlsx")
    assert book.sheetnames == ["summary", "D01 北京东方", "D02 Shanghai A_B_ Pudong", "D03"]
    assert [c.value for c in book["D03"][1]] == ["Dealer", "Dealer name", "Region", *PACK_HEADERS]
    assert _rows(book["D01 北京东方"])[0][:3] == ("D01", "北京东方", "华北")


def test_the_technical_workbook_keeps_its_names_and_formats_its_numbers(desk):
    assert run_cli("must-stock", "sales.csv", "--parts", "parts.csv", "-o", "out.xlsx", "-q").exit_code == 0
    sheet = openpyxl.load_workbook("out.xlsx")["D01"]
    formats = {c.value: f.number_format for c, f in zip(sheet[1], sheet[2])}
    assert list(formats)[:3] == ["dealer", "part", "description"]
    assert (formats["mad"], formats["implied_csl"], formats["unit_cost"], formats["reorder_point"]) == (
        "#,##0.00", "0.0%", '"CNY "#,##0.00', "#,##0")
    assert formats["half_year_quantity"] == "#,##0"  # whole numbers: shown as integers


def test_old_packs_are_replaced_and_other_files_named(desk):
    Path("packs").mkdir()
    Path("packs/D01.xlsx").write_bytes(b"old")
    Path("packs/D99.xlsx").write_bytes(b"old")
    result = run_cli("must-stock", "sales.csv", "-o", "packs", "--per-dealer")
    assert result.exit_code == 0, result.output
    assert result.stderr.endswith("wrote 3 dealer files (20 rows) and summary.xlsx to packs\n"
                                  "  note: packs also holds 1 file(s) this run did not write: D99.xlsx; files of an "
                                  "earlier run, for dealers not in this one?\n")
    assert Path("packs/D99.xlsx").read_bytes() == b"old" and Path("packs/D01.xlsx").read_bytes() != b"old"
    assert sorted(p.name for p in desk.iterdir() if p.name.startswith(".")) == []


def test_a_failed_pack_leaves_the_old_packs(desk, monkeypatch):
    Path("packs").mkdir()
    Path("packs/D01.xlsx").write_bytes(b"old")
    written: list[int] = []

    def full_on_the_second(frame, fh, *_):
        written.append(len(frame))
        if len(written) == 2:
            raise OSError(28, "No space left on device")
        fh.write(b"new")

    monkeypatch.setitem(spareopt.io._WRITERS, "xlsx", full_on_the_second)
    result = run_cli("must-stock", "sales.csv", "-o", "packs", "--per-dealer")
    assert (result.exit_code, result.stderr) == (1, "Error: cannot write -o packs: No space left on device\n")
    assert [p.name for p in Path("packs").iterdir()] == ["D01.xlsx"] and Path("packs/D01.xlsx").read_bytes() == b"old"
    assert sorted(p.name for p in desk.iterdir() if p.name.startswith(".")) == []


@pytest.mark.parametrize(("args", "code", "message"), [
    (("--per-dealer",), 2, "--per-dealer writes one file per dealer into a folder: pass -o FOLDER, e.g. -o packs/"),
    (("-o", "packs.xlsx", "--per-dealer"), 2, ("cannot write -o packs.xlsx: this output is a folder of files (one per "
                                              "dealer), and packs.xlsx names a file; name a folder, e.g. packs/")),
    (("-o", "packs", "--per-dealer", "--format", "json"), 2, ("cannot write -o packs: a folder of files is written as "
                                                             "xlsx or csv, not json (--per-dealer writes xlsx or csv)")),
    (("-o", "parts.csv", "--per-dealer"), 1, ("cannot write -o parts.csv: it is a file, and this output is a folder of "
                                             "files (one per dealer); name a folder, e.g. parts_packs/")),
    (("-o", "packs", "--per-dealer", "--dealers", "twice.csv"), 1,
     ("twice.csv: `dealer` must list each dealer once (this dealer is listed in an earlier row too); 1 row(s) break it "
     "(first: row 3 'D01'). Fix: keep one row per dealer")),
    (("--columns", "some"), 2, None),
])
def test_pack_options_are_checked_before_the_run(desk, args, code, message):
    Path("twice.csv").write_text("dealer,name\nD01,a\nD01,b\n", encoding="utf-8")
    before = sorted(p.name for p in desk.iterdir())
    result = run_cli("must-stock", "sales.csv", *args)
    assert result.exit_code == code
    if message is not None:
        assert result.stderr == f"Error: {message}\n"
    assert sorted(p.name for p in desk.iterdir()) == before


def test_a_network_history_has_no_dealer_packs(desk, sales):
    sales.drop(columns="dealer").to_csv("network.csv", index=False)
    result = run_cli("must-stock", "network.csv", "-o", "packs", "--per-dealer")
    assert (result.exit_code, result.stderr) == (1, (
        "Error: the history has no dealer column, so the plan is one list for the network, not one per dealer: write "
        "it with -o FILE instead of --per-dealer, or map the dealer column with --column dealer=HEADER\n"))
    assert not Path("packs").exists()


def test_packs_are_the_same_on_the_stream_engine(desk, sales, parts_master):
    sales.to_parquet("sales.parquet", index=False)
    for engine, folder in (("local", "local"), ("stream", "stream")):
        result = run_cli("must-stock", "sales.parquet", "--parts", "parts.csv", "-o", folder, "--per-dealer",
                         "--format", "csv", "--engine", engine, "--partitions", "2", "-q") if engine == "stream" else \
            run_cli("must-stock", "sales.parquet", "--parts", "parts.csv", "-o", folder, "--per-dealer", "--format",
                    "csv", "-q")
        assert result.exit_code == 0, result.output
    for name in ("D01.csv", "D02.csv", "D03.csv", "summary.csv"):
        assert Path("stream", name).read_bytes() == Path("local", name).read_bytes()


def test_the_library_gives_the_same_packs(sales, parts_master):
    result = spareopt.must_stock(sales, parts_master)
    master = load_dealers(pd.DataFrame({"dealer": ["D01"], "dealer_name": ["北京东方"]}))
    packs = dealer_packs(result, "must-stock", dealers=master, config={"currency": "USD"})
    assert [f.name for f in packs.files] == ["D01 北京东方.xlsx", "D02.xlsx", "D03.xlsx", "summary.xlsx"]
    assert packs.files[0].layout.sheet_name == "D01 北京东方" and packs.files[0].layout.currency == "USD"
    assert sum(len(f.frame) for f in packs.files[:-1]) == len(result.table)
    view = table_view(result, "must-stock", column_set="planner")
    assert view.table.columns.tolist() == ["dealer", *PLANNER_COLUMNS["must-stock"]]
    assert view.layout.headers["reorder_point"] == "Min (reorder point)" and view.layout.kinds["max_stock"] == "integer"
    with pytest.raises(spareopt.UsageError, match="classify has no planner's column set"):
        table_view(result, "classify", column_set="planner")
    assert np.array_equal(view.table["part"], result.table["part"])


def test_the_progress_bar_moves_while_the_output_is_written(monkeypatch, tmp_path):
    import time

    from conftest import terminal as on_a_terminal
    from spareopt_cli.output import Progress

    terminal = on_a_terminal(monkeypatch)
    with Progress(2, quiet=False, delay=0.0) as progress:
        progress("read")
        progress("write the output")
        frame = pd.DataFrame({"dealer": np.repeat(["D1", "D2"], 60_000), "x": np.arange(120_000.0)})
        spareopt.io.write_table(frame, tmp_path / "o.xlsx", sheet_by="dealer", progress=progress.part)
        assert progress.share == 1.0
        progress.part(0.5)
        deadline = time.monotonic() + 10.0
        while "50%" not in terminal.getvalue() and time.monotonic() < deadline:  # the next redraw, at 0.2 s
            time.sleep(0.02)
    assert "spareopt [###############-----] 2/2 write the output 50%" in terminal.getvalue()


def test_the_readmes_dealer_packs_example_runs(tmp_path, monkeypatch):
    import re
    import shlex
    import shutil

    root = Path(__file__).resolve().parents[1]
    readme = (root / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Dealer packs"):readme.index("## Python")]
    command, listing = re.findall(r"```(?:bash)?\n(.*?)```", section, re.DOTALL)[:2]
    shutil.copytree(root / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    args = shlex.split(command.strip())
    assert args[:2] == ["spareopt", "must-stock"] and "--per-dealer" in args
    result = run_cli(*args[1:])
    assert result.exit_code == 0, result.output
    assert sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "packs").iterdir()) == listing.splitlines()
