"""What a command shows and writes besides its table: the progress bar, the run report, the superseded parts,
and how its table is shown (the column set, the dealer packs: :mod:`spareopt.outputs`)."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Self

import click
import pandas as pd

import spareopt
from spareopt.columns import columns_of
from spareopt.config import load_config, with_options
from spareopt.dealers import DEALER_COLUMNS, load_dealers
from spareopt.figures import font_warning
from spareopt.io import Outputs, check_stream_format, write_table
from spareopt.jobs.optimize import curve_table
from spareopt.lang import tr
from spareopt.outputs import dealer_packs, layout_of, table_view
from spareopt.page import Page, report_page
from spareopt.report import report_lines
from spareopt.result import Result
from spareopt.supersession import superseded_mapping

from .options import OUTPUTS, run_lang

INPUTS = ("history", "parts", "config", "stock", "supersessions", "dealers")
"""The options that name a file the command reads: no output may replace one."""

TABLES: dict[str, tuple[str, Callable[[Result], pd.DataFrame]]] = {
    "show_superseded": ("--show-superseded", lambda result: superseded_mapping(result.report)),
    "totals": ("--totals", lambda result: result.totals),
    "calibration": ("--calibration", lambda result: result.calibration),
    "curve": ("--curve", curve_table),
    "aging": ("--aging", lambda result: result.aging),
    "transfers": ("--transfers", lambda result: result.transfers),
    "by_part": ("--by-part", lambda result: result.parts),
}
"""The side tables a command writes, by parameter: the option and what it writes of the result."""

FIGURES = {"plot": "--plot", "calibration_plot": "--calibration-plot"}
"""The figures a command draws, by parameter."""

DEALERS = "spareopt.dealers"
"""The key of the run's dealer master (``--dealers``, read before the run) in the click context's ``meta``."""


def planned_outputs() -> Outputs:
    """Every file the current command writes, from its options, checked before the run reads anything: none may
    be one of its inputs or another output, each folder must exist and each format be known
    (:class:`spareopt.io.Outputs`).  ``--per-dealer`` makes ``-o`` a folder; ``--dealers`` is read here too, so
    that a bad dealer master stops the run before it starts."""
    ctx = click.get_current_context()
    params = ctx.params
    if not params.get("output"):
        if params.get("per_dealer"):
            raise spareopt.UsageError("--per-dealer writes one file per dealer into a folder: pass -o FOLDER, "
                                      "e.g. -o packs/")
        check_stream_format(params.get("fmt"))
    out = Outputs(inputs=[params.get(name) for name in INPUTS])
    ctx.meta[OUTPUTS] = out  # for the line an interruption prints
    run_lang(ctx)  # and its language
    if params.get("output") and ctx.info_name == "report":
        out.add("-o", params["output"], page=True)
    elif params.get("output"):
        out.add("-o", params["output"], format=params.get("fmt"), folder=bool(params.get("per_dealer")),
                hint=" (--per-dealer writes xlsx or csv)" if params.get("per_dealer") else ", or pass --format")
    if params.get("html"):
        out.add("--html", params["html"], page=True)
    for name, (option, _) in TABLES.items():
        if params.get(name):
            out.add(option, params[name])
    for name, option in FIGURES.items():
        if params.get(name):
            out.add(option, params[name], figure=True)
    if params.get("dealers"):
        ctx.meta[DEALERS] = load_dealers(params["dealers"], columns=columns_of(params.get("columns"), DEALER_COLUMNS),
                                         encoding=params.get("encoding"))
    return out


def write_outputs(out: Outputs, result: Result, fmt: str | None,
                  figures: Mapping[str, Callable[[Result], Any]] | None = None, *, stdout: bool = True,
                  progress: Callable[[float], None] | None = None) -> Result:
    """Write the run's table (to standard output without ``-o``, unless not ``stdout``; one file per dealer with
    ``--per-dealer``), side tables and figures, and commit them together: a failure on any leaves every previous
    file as it was.  ``figures``: option -> drawer; ``progress``: told the share of the table's write done.
    Returns the result whose report has what the writing added (the dealer master's facts)."""
    ctx = click.get_current_context()
    params = ctx.params
    job = "must-stock" if ctx.info_name == "demo" else str(ctx.info_name)
    cfg = load_config(params.get("config"))
    cfg = with_options(cfg, csv_bom=True if params.get("csv_bom") else None, lang=params.get("lang"))
    warning = font_warning(cfg.lang) if any(option in out for option in (figures or {})) else None
    result = result.replace(report={**result.report, "lang": cfg.lang,
                                    "warnings": [*result.report.get("warnings", []), *([warning] if warning else [])]})
    dealers = ctx.meta.get(DEALERS)
    column_set = params.get("column_set") or ("planner" if params.get("per_dealer") else "all")
    if job == "report":  # the page is the output
        page = report_page(result, job, config=cfg, dealers=dealers)
        with out:
            out.write_page("-o", page.html)
        return result.replace(report={**result.report, "page": page_facts(page)})
    with out:
        drawn = {option: draw(result) for option, draw in (figures or {}).items() if option in out}
        if params.get("per_dealer"):
            packs = dealer_packs(result, job, column_set=column_set, dealers=dealers, config=cfg,
                                 format=out.format_of("-o"))
            result = result.replace(report=packs.report)
            out.write_folder("-o", packs.files, progress=progress)
        else:
            view = table_view(result, job, column_set=column_set, dealers=dealers, config=cfg)
            result = result.replace(report=view.report)
            if "-o" in out:
                out.write_table("-o", view.table, summary=view.summary, sheet_by="dealer", layout=view.layout,
                                progress=progress)
        for option, table in TABLES.values():
            if option in out:
                side = table(result)
                out.write_table(option, side, layout=layout_of(side, cfg))
        for option, figure in drawn.items():
            out.write_figure(option, figure)
        if "--html" in out:
            page = report_page(result, job, config=cfg, dealers=dealers)
            out.write_page("--html", page.html)
            result = result.replace(report={**result.report, "page": page_facts(page)})
    if stdout and "-o" not in out:
        write_table(view.table, None, format=fmt, summary=view.summary, sheet_by="dealer", layout=view.layout)
    return result


def page_facts(page: Page) -> dict[str, Any]:
    """What the run report says of a report page: its rows listed, its size, the sections it lacks."""
    lists = page.data["lists"] or {"count": 0, "total": 0}
    return {"rows_listed": lists["count"], "rows": lists["total"], "bytes": len(page.html.encode("utf-8")),
            "missing": page.data["missing"]}


def html_months(engine: str | None = "local") -> bool:
    """Whether the job keeps the months of the rows a report page lists: ``--html`` on the local engine."""
    return bool(click.get_current_context().params.get("html")) and engine in (None, "local")


def tell(result: Result, output: str | None, quiet: bool) -> None:
    """The run report on stderr, unless quiet; then what was written (a folder of packs: its files, and the files
    already there that the run did not write)."""
    if quiet:
        return
    lang = result.report.get("lang")
    for line in report_lines(result.report, lang):
        click.echo(line, err=True)
    if not output:
        return
    out = click.get_current_context().meta.get(OUTPUTS)
    page = result.report.get("page")
    if page is not None:
        missing = tr("; not in it: {missing}", lang).format(missing="; ".join(page["missing"])) if page["missing"] else ""
        click.echo(tr("report page: {listed:,} of {rows:,} rows listed, {mb:.1f} MB", lang).format(
            listed=page["rows_listed"], rows=page["rows"], mb=page["bytes"] / 1e6) + missing, err=True)
    if out is not None and "-o" in out and out.format_of("-o") == "html":
        click.echo(tr("wrote the report page to {output}", lang).format(output=output), err=True)
        return
    if out is None or "-o" not in out or not out.files("-o"):
        click.echo(tr("wrote {rows:,} rows to {output}", lang).format(rows=len(result.table), output=output), err=True)
        return
    files = out.files("-o")
    click.echo(tr("wrote {files:,} dealer files ({rows:,} rows) and {summary} to {output}", lang).format(
        files=len(files) - 1, rows=len(result.table), summary=files[-1], output=output), err=True)
    others = out.others("-o")
    if others:
        more = tr(" (and {more:,} more)", lang).format(more=len(others) - 5) if len(others) > 5 else ""
        click.echo(tr("  note: {output} also holds {files:,} file(s) this run did not write: {names}{more}; files of "
                      "an earlier run, for dealers not in this one?", lang).format(
            output=output, files=len(others), names=", ".join(others[:5]), more=more), err=True)


class Progress:
    """A one-line stage bar on stderr, redrawn every 0.2 s with the elapsed time.

    Drawn only when stderr is a terminal and the run has taken more than
    ``delay`` seconds (a quick run prints nothing); erased when the run ends.  Its stages are in the run's language.
    """

    def __init__(self, total: int, quiet: bool, delay: float = 1.0) -> None:
        self.total, self.delay = total, delay
        self.enabled = not quiet and sys.stderr.isatty()
        self.step, self.stage, self.share, self.lang = 0, "", 0.0, "en"
        self._stop = threading.Event()
        self._drawn = False

    def __call__(self, stage: str) -> None:
        self.step, self.stage, self.share = self.step + 1, stage, 0.0

    def part(self, share: float) -> None:
        """The share of the current stage done (0 to 1): the bar moves within a long stage (writing an XLSX)."""
        self.share = share

    def __enter__(self) -> Self:
        self._start = time.monotonic()
        if self.enabled:
            ctx = click.get_current_context(silent=True)  # a command's: its language
            self.lang = run_lang(ctx) if ctx is not None else "en"
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            elapsed = time.monotonic() - self._start
            if elapsed >= self.delay:
                done = max(self.step - 1, 0) + (self.share if self.step else 0.0)
                filled = min(int(20 * done / self.total), 20)
                bar = "#" * filled + "-" * (20 - filled)
                share = f" {self.share:.0%}" if self.share else ""
                stage = tr(self.stage, self.lang)
                sys.stderr.write(f"\r\033[Kspareopt [{bar}] {self.step}/{self.total} {stage}{share} ({elapsed:.0f} s)")
                sys.stderr.flush()
                self._drawn = True

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()
            if self._drawn:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()

