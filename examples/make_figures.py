"""Regenerate the README's figures from the bundled example data (run from the repository root):

    python examples/make_figures.py

docs/figures/evaluate.png, calibration.png
    ``spareopt evaluate`` on carparts_sample.csv (12 holdout months; seed, service-level and traditional).
docs/figures/optimize.png
    ``spareopt optimize`` on the same parts, for a budget of 5,000.
docs/figures/kpi.png
    ``spareopt kpi`` with the illustrative stock snapshot.
docs/figures/dealer_page.png
    The first rows of one dealer's pack (``must-stock --per-dealer`` on network_sample.csv with dealers.csv),
    as the workbook shows them: a preview drawn by matplotlib, not a screenshot of Excel.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import spareopt
from spareopt.calibration import plot_calibration
from spareopt.figures import figure_context, font_warning
from spareopt.io import new_figure, write_figure
from spareopt.jobs.evaluate import plot_totals
from spareopt.jobs.kpi import plot_kpi
from spareopt.jobs.optimize import plot_curve

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "docs" / "figures"
SALES, PARTS, STOCK = HERE / "carparts_sample.csv", HERE / "parts_master.csv", HERE / "stock.csv"
COLUMNS = {"part": "part_id"}
PAGE_ROWS = 14


def dealer_page() -> object:
    """The first rows of dealer D0's pack, its headers and number formats as the workbook writes them."""
    result = spareopt.must_stock(HERE / "network_sample.csv", PARTS)
    dealers = spareopt.load_dealers(HERE / "dealers.csv")
    packs = spareopt.dealer_packs(result, "must-stock", dealers=dealers)
    page = packs.files[0]
    kept = page.frame["reorder_point"].notna().to_numpy()  # rows kept here, then the others: every kind of why
    shown = pd.concat([page.frame[kept].head(PAGE_ROWS // 2), page.frame[~kept].head(PAGE_ROWS - PAGE_ROWS // 2)])
    table = shown.astype(object).where(shown.notna(), "")
    headers = [page.layout.headers.get(c, c) for c in table.columns]
    warning = font_warning("zh")  # the dealer names are Chinese
    if warning:
        print(f"warning: {warning}")
    fig = new_figure(figsize=(9, 0.24 * (PAGE_ROWS + 2)), layout="constrained")
    ax = fig.add_subplot()
    ax.axis("off")
    cells = ax.table(cellText=table.astype(str).to_numpy().tolist(), colLabels=headers, loc="upper center",
                     cellLoc="left")
    cells.auto_set_font_size(False)
    cells.set_fontsize(8)
    cells.auto_set_column_width(list(range(len(headers))))
    for (row, _), cell in cells.get_celld().items():
        if row == 0:
            cell.set_text_props(weight="bold")
            cell.set_facecolor("0.9")
    ax.set_title(page.layout.title + f" ({len(table)} of its {len(page.frame)} rows)", fontsize="small")
    return fig


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    evaluated = spareopt.evaluate(SALES, PARTS, columns=COLUMNS, holdout_months=12,
                                  policies=("seed", "service-level", "traditional"))
    context = figure_context(evaluated, "spareopt evaluate")
    write_figure(plot_totals(evaluated.totals, **context), OUT / "evaluate.png")
    write_figure(plot_calibration(evaluated.calibration, **context), OUT / "calibration.png")
    optimized = spareopt.optimize(SALES, PARTS, columns=COLUMNS, budget=5000)
    write_figure(plot_curve(optimized, **figure_context(optimized, "spareopt optimize")), OUT / "optimize.png")
    stocked = spareopt.kpi(SALES, PARTS, stock=STOCK, columns=COLUMNS)
    write_figure(plot_kpi(stocked, **figure_context(stocked, "spareopt kpi")), OUT / "kpi.png")
    write_figure(dealer_page(), OUT / "dealer_page.png")
    print(f"wrote {', '.join(sorted(p.name for p in OUT.glob('*.png')))} to {OUT.relative_to(HERE.parent)}")


if __name__ == "__main__":
    main()
