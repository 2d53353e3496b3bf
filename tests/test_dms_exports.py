"""Real DMS exports in (issue 24): a report's title rows above the header, its 合计 footer below the data, UTF-16
text, day-first dates, a unit in a header's brackets, and a --column to a header the file lacks.

A DMS-like export of the shared history (conftest's ``sales``) plans row for row as the same lines in a clean CSV,
whatever its layout; every case that cannot be read is one exact ``Error:`` line, exit code 1 or 2, and the
previous output byte for byte unchanged.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from conftest import run_cli

import spareopt
from spareopt.columns import normalise_header
from spareopt.io import read_table

PREVIOUS = b"previous output\n"
TITLE = "配件销售明细报表 导出时间:2024-09-01 08:30:00"
HEADER = ["序号", "服务站代码", "配件编号", "配件名称", "销售日期", "销售数量", "单价（元）", "备注"]
DAY_FIRST = ("--date-format", "%d/%m/%Y")


def _rows(sales: pd.DataFrame) -> list[list[object]]:
    """The export's data rows: a serial number, the lines' cells, dates day first, an empty remark."""
    dates = sales["date"].str[8:10] + "/" + sales["date"].str[5:7] + "/" + sales["date"].str[:4]
    return [[i, r.dealer, r.part, f"名称{r.part}", d, r.quantity, r.unit_price, ""]
            for i, (r, d) in enumerate(zip(sales.itertuples(), dates), start=1)]


def _text(sales: pd.DataFrame, sep: str = ",") -> str:
    """Two title rows and a blank one above the header; a blank row and the 合计 row (its label in the serial
    number's column, which is not read) below the data."""
    rows = [[TITLE], ["服务站: 全部"], [], HEADER, *_rows(sales), [], ["合计", "", "", "", "", sales["quantity"].sum()]]
    return "".join(sep.join(map(str, row)) + "\n" for row in rows)


def _xlsx(sales: pd.DataFrame, path: Path) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "配件销售明细"
    for row in ([TITLE], ["服务站: 全部"], [], HEADER, *_rows(sales), [], ["合 计", None, None, None, None,
                                                                        int(sales["quantity"].sum())]):
        sheet.append(row)
    book.save(path)
    return path


EXPORTS = {
    "utf8.csv": lambda sales, path: path.write_text(_text(sales), encoding="utf-8"),
    "gbk.csv": lambda sales, path: path.write_bytes(_text(sales).encode("gbk")),
    "utf16.txt": lambda sales, path: path.write_bytes(_text(sales, "\t").encode("utf-16")),  # Excel's Unicode text
    "gzip.csv.gz": lambda sales, path: path.write_bytes(gzip.compress(_text(sales).encode("utf-8"))),
    "export.xlsx": _xlsx,
}


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sales: pd.DataFrame) -> Path:
    monkeypatch.chdir(tmp_path)
    Path("out.csv").write_bytes(PREVIOUS)
    sales.to_csv("clean.csv", index=False)
    for name, make in EXPORTS.items():
        make(sales, Path(name))
    return tmp_path


def _fails(args: tuple[str, ...], message: str, code: int = 1) -> None:
    result = run_cli(*args, "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (code, f"Error: {message}\n"), result.output
    assert Path("out.csv").read_bytes() == PREVIOUS


@pytest.mark.parametrize("name", list(EXPORTS))
def test_a_dms_export_plans_as_its_clean_lines(desk, name):
    """Title rows, a 合计 footer, UTF-16 or GBK, day-first dates, 单价（元）: the plan of the clean lines."""
    assert run_cli("must-stock", "clean.csv", "-o", "clean_out.csv", "-q").exit_code == 0
    result = run_cli("must-stock", name, *DAY_FIRST, "-o", "out.csv")
    assert result.exit_code == 0, result.output
    assert Path("out.csv").read_bytes() == Path("clean_out.csv").read_bytes()
    lines = result.stderr.splitlines()
    encoding = {"gbk.csv": ", gb18030", "utf16.txt": ", utf-16", "export.xlsx": ""}.get(name, ", utf-8")
    sheet = " (sheet 配件销售明细)" if name == "export.xlsx" else ""
    total = "'合 计 3296'" if name == "export.xlsx" else "'合计 3296'"
    assert lines[:6] == [
        f"read 218 rows from {name}{sheet}{encoding}",
        "  columns: dealer=服务站代码, part=配件编号, date=销售日期, quantity=销售数量, unit_price=单价（元）",
        (f"  header at row 4: skipped 2 title rows above it (rows 1, 2; first '{TITLE}'); --skip-rows N sets "
        "where the header is"),
        (f"  dropped 1 footer rows of totals below the data (rows 223; first {total}), which would count every line "
        "again"),
        "  columns ignored: 序号, 配件名称, 备注",
        "  skipped 1 blank rows (first rows 222)",
    ]


def test_the_layout_is_in_the_run_report(desk):
    report = spareopt.must_stock("utf8.csv", config={"date_format": "%d/%m/%Y"}).report
    assert report["layout"] == {"header_row": 4, "rows_title": 2, "rows_title_first": [1, 2], "title": TITLE,
                                "rows_footer": 1, "rows_footer_first": [223], "footer": "合计 3296"}
    assert report["columns_missing"] == []


def test_skip_rows_forces_the_header(desk):
    result = run_cli("must-stock", "utf8.csv", *DAY_FIRST, "--skip-rows", "3", "-o", "out.csv", "-q")
    assert result.exit_code == 0, result.output
    assert run_cli("must-stock", "clean.csv", "-o", "clean_out.csv", "-q").exit_code == 0
    assert Path("out.csv").read_bytes() == Path("clean_out.csv").read_bytes()
    table = read_table("export.xlsx", skip_rows=2)  # the blank row 3 is passed over: the header is row 4
    assert (table.header_row, table.rows[0]) == (4, 5)


def test_skip_rows_on_a_title_row_names_it(desk):
    _fails(("must-stock", "utf8.csv", *DAY_FIRST, "--skip-rows", "1"),
           "file utf8.csv: line 2 ('服务站: 全部') has 1 cell but the rows below have more: a title above the header? "
           "Pass --skip-rows N, N the lines above the header row")


@pytest.mark.parametrize(("args", "message"), [
    (("must-stock", "utf8.csv", "--skip-rows", "-1"),
     ("Usage: spareopt must-stock [OPTIONS] HISTORY\nTry 'spareopt must-stock --help' for help.\n\nError: Invalid value "
     "for '--skip-rows': -1 is not in the range 0<=x<=10000.")),
    (("must-stock", "utf8.csv", "--date-format", "%d/%m"),
     ("Usage: spareopt must-stock [OPTIONS] HISTORY\nTry 'spareopt must-stock --help' for help.\n\nError: Invalid value "
     "for '--date-format': must be a strftime format with the year and the month, e.g. %d/%m/%Y (day first) or "
     "%m/%d/%Y (month first); got '%d/%m'")),
])
def test_bad_reading_options_are_usage_errors(desk, args, message):
    result = run_cli(*args, "-o", "out.csv", "-q")
    assert (result.exit_code, result.stderr) == (2, message + "\n")
    assert Path("out.csv").read_bytes() == PREVIOUS


def test_skip_rows_for_a_parquet_history_is_a_usage_error(desk, sales):
    sales.to_parquet("sales.parquet")
    _fails(("must-stock", "sales.parquet", "--skip-rows", "2"),
           "--skip-rows 2: file sales.parquet is a Parquet file, which has no title rows; leave out --skip-rows", 2)


@pytest.mark.parametrize("name", ["utf8.csv", "utf16.txt", "export.xlsx"])
def test_day_first_dates_without_date_format(desk, name):
    _fails(("must-stock", name),
           f"{name}: `date` (header '销售日期') must be a date (YYYY-MM-DD, YYYY/MM/DD, YYYY-MM or an Excel date); "
           "217 row(s) break it (first: row 5 '05/01/2024', row 6 '20/01/2024', row 7 '05/02/2024', row 8 "
           "'20/02/2024', row 9 '05/03/2024' (+212 more)). Fix: the dates are written day first (05/01/2024): pass "
           "--date-format %d/%m/%Y")


def test_a_date_format_from_the_config_file(desk):
    Path("dms.toml").write_text('date_format = "%d/%m/%Y"\nskip_rows = 3\n', encoding="utf-8")
    assert run_cli("must-stock", "utf8.csv", "--config", "dms.toml", "-o", "out.csv", "-q").exit_code == 0
    assert run_cli("must-stock", "clean.csv", "-o", "clean_out.csv", "-q").exit_code == 0
    assert Path("out.csv").read_bytes() == Path("clean_out.csv").read_bytes()


def test_a_mapping_to_a_header_the_file_lacks(desk):
    """The part column has a header no alias knows (物料编码), and the mapping misspells it."""
    Path("sales.csv").write_text(_text(pd.read_csv("clean.csv", dtype={"part": str})).replace("配件编号", "物料编码"),
                                 encoding="utf-8")
    listing = "'序号', '服务站代码', '物料编码', '配件名称', '销售日期', '销售数量', '单价（元）', '备注'"
    _fails(("must-stock", "sales.csv", *DAY_FIRST, "--column", "part=物料号"),
           f"sales.csv: --column part=物料号: '物料号' is not a header of the file (headers in the file: {listing}). "
           "Check the spelling of '物料号', or map --column part=HEADER to a header of the file")
    result = run_cli("must-stock", "sales.csv", *DAY_FIRST, "--column", "part=物料编码", "-o", "out.csv", "-q")
    assert result.exit_code == 0, result.output


def test_every_missing_column_at_once(desk):
    Path("sales.csv").write_text("服务站代码,物料编码,销售日期,出货\nD1,P1,2024-01-05,3\n", encoding="utf-8")
    _fails(("must-stock", "sales.csv", "--column", "part=物料号"),
           "sales.csv: --column part=物料号: '物料号' is not a header of the file, and required column `quantity` is "
           "missing (headers in the file: '服务站代码', '物料编码', '销售日期', '出货'). Check the spelling of '物料号', "
           "or map --column part=HEADER to a header of the file; Rename it, or map it with --column quantity=HEADER")


def test_a_master_header_with_a_unit_in_brackets(desk, parts_master):
    """到货周期(天) is lead_time_days: the parts take their own lead times, not the default."""
    parts_master = parts_master.drop(columns="description")  # "=SUM(A1:A9)" would be a formula in a workbook
    parts_master.to_csv("parts.csv", index=False)
    assert run_cli("must-stock", "clean.csv", "--parts", "parts.csv", "-o", "clean_out.csv", "-q").exit_code == 0
    dms = parts_master.rename(columns={"part": "配件编号", "unit_cost": "成本价（元）", "lead_time_days": "到货周期(天)",
                                       "order_cycle_days": "采购周期 [天]"}).assign(备注="")
    book = openpyxl.Workbook()
    book.active.append(["配件主数据 导出时间:2024-09-01"])
    for row in [list(dms.columns), *dms.itertuples(index=False)]:
        book.active.append(list(row))
    book.save("parts.xlsx")
    result = run_cli("must-stock", "clean.csv", "--parts", "parts.xlsx", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    assert Path("out.csv").read_bytes() == Path("clean_out.csv").read_bytes()
    lines = result.stderr.splitlines()
    assert "  header at row 2: skipped 1 title rows above it (rows 1; first '配件主数据 导出时间:2024-09-01')" in lines
    assert lines[0] == ("warning: parts master columns ignored: 备注; no column was found for pack_size (the defaults "
                        "were used): map one with --column pack_size=HEADER")
    assert [normalise_header(h) for h in ("到货周期(天)", "单价（元）", "Lead time [days]")] == [
        "到货周期", "单价", "lead_time"]


def test_a_total_row_with_lines_below_it_is_refused(desk):
    """Only the rows below the data are a footer: a subtotal between the lines stays an error."""
    text = _text(pd.read_csv("clean.csv", dtype={"part": str})).splitlines()
    text.insert(10, "小计,D01,小计,,,99,,")
    Path("sales.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
    _fails(("must-stock", "sales.csv", *DAY_FIRST),
           "sales.csv: `part` (header '配件编号') holds a total row's label, not a part; 1 row(s) break it (first: row 11 "
           "'小计'). Fix: delete the total rows (合计 / 小计 / Total) from the export")


def test_a_stock_export_with_a_title_and_a_total(desk, sales):
    """The stock snapshot is another DMS report: its title and 合计 rows are skipped, and named in the report."""
    stock = sales[["dealer", "part"]].drop_duplicates().assign(on_hand=2, 库位="A-01")
    lines = ["库存明细 导出时间:2024-09-01", "dealer,part,on_hand,库位",
             *[f"{r.dealer},{r.part},{r.on_hand},{r.库位}" for r in stock.itertuples()], f"合计,,{2 * len(stock)},"]
    Path("stock.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    stock.drop(columns="库位").to_csv("clean_stock.csv", index=False)
    assert run_cli("order", "clean.csv", "--stock", "clean_stock.csv", "-o", "clean_out.csv", "-q").exit_code == 0
    result = run_cli("order", "clean.csv", "--stock", "stock.csv", "-o", "out.csv")
    assert result.exit_code == 0, result.output
    assert Path("out.csv").read_bytes() == Path("clean_out.csv").read_bytes()
    lines = result.stderr.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("stock stock.csv: 20 rows"))
    assert lines[at + 1:at + 4] == [
        "  header at row 2: skipped 1 title rows above it (rows 1; first '库存明细 导出时间:2024-09-01')",
        ("  dropped 1 footer rows of totals below the data (rows 23; first '合计 40'), which would count every line "
        "again"),
        "  stock columns ignored: 库位",
    ]
