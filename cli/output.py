"""What a command shows and writes besides its table: the progress bar, the run report, the superseded parts."""

from __future__ import annotations

import sys
import threading
import time
from typing import Self

import click

from spareopt.io import write_table
from spareopt.report import report_lines, summary_items
from spareopt.result import Result
from spareopt.supersession import superseded_mapping


def write_superseded(result: Result, path: str | None) -> None:
    """``--show-superseded FILE``: the old -> leading part mapping of the run."""
    if path:
        write_table(superseded_mapping(result.report), path)


def save_table(result: Result, output: str | None, fmt: str | None) -> None:
    """The job's table to ``output`` (stdout when None), with the run report's summary sheet in an XLSX."""
    write_table(result.table, output, format=fmt, summary=summary_items(result.report), sheet_by="dealer")


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

