"""What a command shows and writes besides its table: the progress bar, the run report, the superseded parts."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, Self

import click
import pandas as pd

from spareopt.io import Outputs, check_stream_format, write_table
from spareopt.jobs.optimize import curve_table
from spareopt.report import report_lines, summary_items
from spareopt.result import Result
from spareopt.supersession import superseded_mapping

from .options import OUTPUTS

INPUTS = ("history", "parts", "config", "stock", "supersessions")
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


def planned_outputs() -> Outputs:
    """Every file the current command writes, from its options, checked before the run reads anything: none may
    be one of its inputs or another output, each folder must exist and each format be known
    (:class:`spareopt.io.Outputs`)."""
    params = click.get_current_context().params
    if not params.get("output"):
        check_stream_format(params.get("fmt"))
    out = Outputs(inputs=[params.get(name) for name in INPUTS])
    click.get_current_context().meta[OUTPUTS] = out  # for the line an interruption prints
    if params.get("output"):
        out.add("-o", params["output"], format=params.get("fmt"), hint=", or pass --format")
    for name, (option, _) in TABLES.items():
        if params.get(name):
            out.add(option, params[name])
    for name, option in FIGURES.items():
        if params.get(name):
            out.add(option, params[name], figure=True)
    return out


def write_outputs(out: Outputs, result: Result, fmt: str | None,
                  figures: Mapping[str, Callable[[Result], Any]] | None = None, *, stdout: bool = True) -> None:
    """Write the run's table (to standard output without ``-o``, unless not ``stdout``), side tables and figures,
    and commit them together: a failure on any leaves every previous file as it was.  ``figures``: option ->
    drawer."""
    with out:
        drawn = {option: draw(result) for option, draw in (figures or {}).items() if option in out}
        if "-o" in out:
            out.write_table("-o", result.table, summary=summary_items(result.report), sheet_by="dealer")
        for option, table in TABLES.values():
            if option in out:
                out.write_table(option, table(result))
        for option, figure in drawn.items():
            out.write_figure(option, figure)
    if stdout and "-o" not in out:
        write_table(result.table, None, format=fmt, summary=summary_items(result.report), sheet_by="dealer")


def tell(result: Result, output: str | None, quiet: bool) -> None:
    """The run report on stderr, unless quiet."""
    if quiet:
        return
    for line in report_lines(result.report):
        click.echo(line, err=True)
    if output:
        click.echo(f"wrote {len(result.table):,} rows to {output}", err=True)


class Progress:
    """A one-line stage bar on stderr, redrawn every 0.2 s with the elapsed time.

    Drawn only when stderr is a terminal and the run has taken more than
    ``delay`` seconds (a quick run prints nothing); erased when the run ends.
    """

    def __init__(self, total: int, quiet: bool, delay: float = 1.0) -> None:
        self.total, self.delay = total, delay
        self.enabled = not quiet and sys.stderr.isatty()
        self.step, self.stage = 0, ""
        self._stop = threading.Event()
        self._drawn = False

    def __call__(self, stage: str) -> None:
        self.step, self.stage = self.step + 1, stage

    def __enter__(self) -> Self:
        self._start = time.monotonic()
        if self.enabled:
            self._thread = threading.Thread(target=self._run, daemon=True)
            self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.2):
            elapsed = time.monotonic() - self._start
            if elapsed >= self.delay:
                done = max(self.step - 1, 0)
                bar = "#" * (20 * done // self.total) + "-" * (20 - 20 * done // self.total)
                sys.stderr.write(f"\r\033[Kspareopt [{bar}] {self.step}/{self.total} {self.stage} ({elapsed:.0f} s)")
                sys.stderr.flush()
                self._drawn = True

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self._stop.set()
            self._thread.join()
            if self._drawn:
                sys.stderr.write("\r\033[K")
                sys.stderr.flush()

