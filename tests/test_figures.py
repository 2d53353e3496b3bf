"""Presentable figures (issue 24, item 7): a caption naming the run and its as_of, money axes with thousands
separators and the currency, no "1e6" offset, and a legend under the axes, never over the data."""

from __future__ import annotations

import pandas as pd
import pytest

from spareopt.figures import figure_context, run_caption

pytest.importorskip("matplotlib")


def _money(ax) -> list[str]:
    ax.figure.canvas.draw()
    return [t.get_text() for t in ax.xaxis.get_ticklabels() if t.get_text()]


def test_the_evaluate_figure_names_its_run_and_keeps_its_legend_off_the_data():
    from spareopt.jobs.evaluate import plot_totals

    totals = pd.DataFrame({"policy": ["seed", "service-level"], "parts_stocked": [9, 9],
                           "avg_stock_value": [1_373_000.0, 527_000.0], "fill_rate": [0.121, 0.061]})
    fig = plot_totals(totals, caption="spareopt evaluate on sales.csv, as_of 2024-12", currency="CNY")
    ax = fig.axes[0]
    assert ax.get_legend() is None and len(fig.legends) == 1
    assert next(t.get_text() for t in fig.legends[0].get_texts()) == (
        "seed: 12.1 % filled, stock value 1,373,000, 9 stocked")
    assert fig.get_suptitle() == "Fill rate against stock value, by policy"
    assert ax.get_title() == "spareopt evaluate on sales.csv, as_of 2024-12"
    assert ax.get_xlabel() == "average stock value over the holdout (CNY)"
    labels = _money(ax)
    assert "1,000,000" in labels and not ax.xaxis.get_offset_text().get_text()


def test_the_caption_of_a_run():
    report = {"history": "/data/dms/sales.xlsx", "as_of": "2024-12", "dealers": 8, "parts": 15_859, "currency": "CNY"}
    assert run_caption(report) == "sales.xlsx, as_of 2024-12 (8 dealers, 15,859 parts)"

    class Result:
        pass

    result = Result()
    result.report = report
    assert figure_context(result, "spareopt kpi") == {
        "caption": "spareopt kpi on sales.xlsx, as_of 2024-12 (8 dealers, 15,859 parts)", "currency": "CNY", "lang": None}
