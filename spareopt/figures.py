"""What every figure of a run shares: a caption that says what was run and on what as_of, money axes with thousands
separators and the currency, and a legend that never sits on the data.

The figures themselves belong to their jobs (:func:`spareopt.jobs.evaluate.plot_totals`,
:func:`spareopt.calibration.plot_calibration`, :func:`spareopt.jobs.optimize.plot_curve`,
:func:`spareopt.jobs.kpi.plot_kpi`); each takes ``caption`` and ``currency``, which :func:`figure_context` reads from
a run's :class:`spareopt.Result`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .lang import tr

__all__ = ["CJK_FONTS", "cjk_font", "figure_context", "font_warning", "legend_below", "money_axis", "run_caption",
           "set_titles"]

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN", "WenQuanYi Zen Hei",
             "WenQuanYi Micro Hei", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Noto Sans CJK JP",
             "AR PL UMing CN", "Droid Sans Fallback")
"""Fonts with Chinese glyphs, the first one installed is used for ``lang = "zh"`` figures."""


def run_caption(report: Mapping[str, Any], what: str | None = None, lang: str | None = None) -> str:
    """``what`` and the run it shows: the history's file name, its as_of, and its dealers and parts.

    >>> run_caption({"history": "data/sales.csv", "as_of": "2024-12", "dealers": 3, "parts": 7}, "spareopt kpi")
    'spareopt kpi on sales.csv, as_of 2024-12 (3 dealers, 7 parts)'
    >>> run_caption({"history": "data/sales.csv", "as_of": "2024-12", "dealers": 3, "parts": 7}, "spareopt kpi", "zh")
    'spareopt kpi · sales.csv, 截至 2024-12 (3 个服务站, 7 种配件)'
    """
    source = report.get("history")
    name = Path(str(source)).name if source else "the history"
    counts = [tr(f"{{n:,}} {k}", lang).format(n=report[k]) for k in ("dealers", "parts") if report.get(k) is not None]
    counted = f" ({', '.join(counts)})" if counts else ""
    if lang and lang != "en":
        return (f"{what} · " if what else "") + f"{name}, {tr('as of', lang)} {report.get('as_of')}{counted}"
    return (f"{what} on " if what else "") + f"{name}, as_of {report.get('as_of')}{counted}"


def cjk_font() -> str | None:
    """The first of :data:`CJK_FONTS` that matplotlib finds installed, or None."""
    from matplotlib import font_manager

    installed = {font.name for font in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def font_warning(lang: str | None) -> str | None:
    """For Chinese figures: use a CJK font when one is installed (None), else the run report's warning (in ``lang``)."""
    if lang != "zh":
        return None
    font = cjk_font()
    if font is None:
        return tr("no font with Chinese glyphs is installed: the figures' Chinese text shows as empty boxes. Install "
                  "one (Debian: apt-get install fonts-noto-cjk; Windows and macOS have one), or pass --lang en", lang)
    import matplotlib

    if font not in matplotlib.rcParams["font.sans-serif"]:
        matplotlib.rcParams["font.sans-serif"] = [font, *matplotlib.rcParams["font.sans-serif"]]
    return None


def figure_context(result: Any, what: str) -> dict[str, Any]:
    """The ``caption``, ``currency`` and ``lang`` of a run's figures (keywords of every plot function)."""
    report = result.report
    lang = report.get("lang")
    return {"caption": run_caption(report, what, lang), "currency": report.get("currency"), "lang": lang}


def money_axis(axis: Any, label: str, currency: str | None) -> None:
    """A money axis: thousands separators, no scientific offset ("1e6"), the currency in its label."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    axis.set_label_text(f"{label} ({currency})" if currency else label)


def legend_below(fig: Any, ax: Any, columns: int = 2) -> None:
    """The axis' legend outside it, under the figure: it never hides a point (a constrained-layout figure)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(columns, len(handles)), fontsize="small",
                   frameon=False)


def set_titles(fig: Any, ax: Any, title: str, caption: str | None) -> None:
    """The figure's title, and under it the caption of the run it shows (smaller, grey)."""
    if caption:
        fig.suptitle(title)
        ax.set_title(caption, fontsize="small", color="0.35")
    else:
        ax.set_title(title)
