"""The options the commands share, their checks, and the group that turns library errors into exit codes."""

from __future__ import annotations

import functools
import os
import re
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

import spareopt
from spareopt.columns import parse_column_option
from spareopt.config import MAX_SKIP_ROWS, date_format_problem, load_config, with_options
from spareopt.engine import ENGINES, check_engine_options
from spareopt.forecast import FORECASTERS
from spareopt.io import FORMATS
from spareopt.lang import LANGS, tr
from spareopt.outputs import COLUMN_SETS

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


INTERNAL_ERROR_EXIT = 3
"""The exit code of an error spareopt did not expect (a bug): neither bad data (1) nor bad usage (2)."""

INTERRUPTED_EXIT = 130
"""The exit code of a run stopped by Ctrl-C (SIGINT): 128 + 2, as a shell reports a process the signal ended."""

OUTPUTS = "spareopt.outputs"
"""The key of the run's :class:`spareopt.io.Outputs` in the click context's ``meta``: what an interruption kept."""

LANG = "spareopt.lang"
"""The key of the run's language (:func:`run_lang`) in the click context's ``meta``: the line an interruption
prints follows it."""

DEBUG_VARIABLE = "SPAREOPT_DEBUG"
"""Set to 1 to get the traceback of an internal error instead of its one line."""


class Group(click.Group):
    """Turns every :class:`spareopt.SpareoptError` into ``Error: ...`` and exit code 1 (2 for a usage error).

    The backstop: any other exception that escapes a command (a bug: every bad input has its own error) becomes
    ``Error: internal error ...`` with exit code 3 and where to report it, not a traceback; a run out of memory
    says so, with exit code 1.  ``SPAREOPT_DEBUG=1`` lets the exception through, with its traceback.  Ctrl-C is
    one ``Aborted: interrupted; ...`` line that says which files the run replaced (none unless it was already
    committing its outputs), with exit code 130.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except spareopt.UsageError as exc:  # options that do not fit together or the input: a usage error
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(2)
        except spareopt.SpareoptError as exc:
            click.echo(f"Error: {exc}", err=True)
            ctx.exit(1)
        except BrokenPipeError:  # `spareopt ... | head`
            sys.stderr.close()
            ctx.exit(0)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:  # click would print a blank line and "Aborted!", with exit code 1
            out = ctx.meta.get(OUTPUTS)
            written = ", ".join(f"{option} {path}" for option, path in (out.written if out is not None else ()))
            click.echo(tr("Aborted: interrupted after writing {written} (other files are unchanged)." if written else
                          "Aborted: interrupted; no output file was written (previous files are unchanged).",
                          ctx.meta.get(LANG)).format(written=written), err=True)
            ctx.exit(INTERRUPTED_EXIT)
        except MemoryError:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            click.echo("Error: out of memory; run on a machine with more memory, or on a part of the data "
                       "(--as-of, fewer dealers), or with --engine stream for a Parquet network", err=True)
            ctx.exit(1)
        except Exception as exc:
            if os.environ.get(DEBUG_VARIABLE):
                raise
            where = traceback.extract_tb(exc.__traceback__)[-1]
            click.echo(f"Error: internal error: {type(exc).__name__}: {exc} (at {Path(where.filename).name}:"
                       f"{where.lineno}). This is a bug in spareopt {spareopt.__version__}, not in your data or "
                       f"options; please report it with the command line (rerun with {DEBUG_VARIABLE}=1 for the "
                       "traceback)", err=True)
            ctx.exit(INTERNAL_ERROR_EXIT)


def run_lang(ctx: click.Context) -> str:
    """The language of what the run prints on stderr: ``--lang``, else the config's ``lang``; read once, into the
    context's ``meta``.  English while the config cannot be read: the run reads it again, and its error says why."""
    if LANG not in ctx.meta:
        try:
            ctx.meta[LANG] = with_options(load_config(ctx.params.get("config")), lang=ctx.params.get("lang")).lang
        except spareopt.SpareoptError:
            return ctx.params.get("lang") or "en"
    return str(ctx.meta[LANG])


def month_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not MONTH.match(value.strip()):
        raise click.BadParameter(f"expected a month YYYY-MM, e.g. 2024-06; got {value!r}")
    return value.strip() if value else None


def date_format_value(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    problem = None if value is None else date_format_problem(value)
    if problem:
        raise click.BadParameter(f"{problem}; got {value!r}")
    return value


def column_pairs(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> dict[str, str]:
    try:
        return parse_column_option(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def history_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options of every command that reads a sales history."""
    options = [
        click.option("--parts", metavar="FILE", help="Parts master (CSV/XLSX/Parquet): part, unit_cost, "
                     "lead_time_days, order_cycle_days, attribute, description, pack_size, commonality, "
                     "criticality, reorder_point, max_stock."),
        click.option("--config", metavar="FILE", help="TOML config; `spareopt config` prints the keys."),
        click.option("--as-of", callback=month_value, metavar="YYYY-MM",
                     help="Last month used; later rows are ignored. Default: the last month in the history."),
        click.option("--column", "columns", multiple=True, callback=column_pairs, metavar="CANONICAL=SOURCE",
                     help="Map a header with no known alias, e.g. --column part=零件代码. Repeatable."),
        click.option("--encoding", metavar="ENC", help="Text encoding of the files. Default: UTF-8 (with or "
                     "without BOM), UTF-16 with a BOM, else GB18030/GBK."),
        click.option("--since", callback=month_value, metavar="YYYY-MM",
                     help="First month used; earlier rows are ignored, and counted in the report (config since). "
                     "Default: every row; a row more than 40 years before the history's end is an error."),
        click.option("--skip-rows", type=click.IntRange(0, MAX_SKIP_ROWS), metavar="N",
                     help="The rows above the history's header, not read (a DMS report's title rows; config "
                     "skip_rows). Default: the header is found, the first of the first rows that has the history's "
                     "columns; the report counts the rows above it."),
        click.option("--date-format", callback=date_format_value, metavar="FMT",
                     help="How the history's text dates are written when not year first, e.g. %d/%m/%Y (day first) "
                     "or %m/%d/%Y (month first); config date_format. Default: YYYY-MM-DD and the other year-first "
                     "forms only."),
        click.option("--sheet", metavar="NAME|all", help="The sheet of an XLSX history to read, or `all` to stack "
                     "every sheet that has the history's columns (one sheet per dealer, month or year). Default: "
                     "the first visible sheet with data; the report warns of the others."),
        click.option("--supersessions", metavar="FILE", help="Part-number replacements: old_part, new_part, optional "
                     "factor, effective (month) and split. Old parts' demand and stock move to the leading part "
                     "(x factor); the master's replaced_by column counts too."),
        click.option("--show-superseded", metavar="FILE", help="Also write the old -> leading part mapping "
                     "(old_part, leading_part, factor, chain) to FILE."),
    ]

    @functools.wraps(f)
    def with_reading(*args: Any, since: str | None = None, skip_rows: int | None = None,
                     date_format: str | None = None, **kwargs: Any) -> Any:  # each is the config key of its name
        reading = {"since": since, "skip_rows": skip_rows, "date_format": date_format}
        if any(value is not None for value in reading.values()):
            kwargs["config"] = with_options(load_config(kwargs.get("config")), **reading)
        return f(*args, **kwargs)

    for option in reversed(options):
        with_reading = option(with_reading)
    return with_reading


def engine_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """How a command runs: in memory, streamed one dealer set at a time, or on a Dask cluster."""
    options = [
        click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True,
                     help="local: the whole network in memory; stream: one dealer set at a time (a Parquet "
                          "history larger than memory); dask: the dealer sets as tasks on a Dask cluster "
                          "(pip install 'spareopt[dask]'). The results are the same, row for row."),
        click.option("--scheduler", metavar="ADDRESS", help="With --engine dask: the scheduler of a running "
                     "cluster, e.g. tcp://10.0.0.5:8786. Default: start a LocalCluster here and stop it at the end."),
        click.option("--workers", type=click.IntRange(1), metavar="N",
                     help="With --engine dask and no --scheduler: the LocalCluster's worker processes (default 2)."),
        click.option("--partitions", type=click.IntRange(1), metavar="N",
                     help="With --engine stream or dask: dealer sets (default: one per 8M history lines)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def engine_choice(engine: str, scheduler: str | None, workers: int | None, partitions: int | None) -> dict[str, Any]:
    """The engine options, checked against each other by the library (spareopt.engine.check_engine_options)."""
    try:
        check_engine_options(engine, scheduler, workers, partitions)
    except spareopt.UsageError as exc:
        raise click.UsageError(str(exc)) from None
    return {"engine": engine, "scheduler": scheduler, "workers": workers, "partitions": partitions}


only_stocked_option = click.option("--only-stocked", is_flag=True,
                                   help="Keep only the rows kept at a dealer or centrally.")


def output_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options of every command that writes a table (``--bom`` is read where the table is written:
    :func:`spareopt_cli.output.write_outputs`)."""
    options = [
        click.option("-o", "--output", metavar="OUT", help="Output file; the format follows the suffix "
                     "(.csv .xlsx .parquet .json). Default: CSV on stdout."),
        click.option("--format", "fmt", type=click.Choice(FORMATS), help="Output format, overriding the suffix."),
        click.option("--bom", "csv_bom", is_flag=True, help="CSV outputs start with a UTF-8 byte order mark, so that "
                     "Excel on a Chinese Windows opens them as UTF-8, not GBK (config csv_bom)."),
        click.option("--lang", type=click.Choice(LANGS), help="Language of what a person reads in the outputs: "
                     "headers, the why of each row, sheet names, the summary sheet, figure labels, and the run "
                     "report on stderr (config lang; default en). Error messages stay English."),
        click.option("-q", "--quiet", is_flag=True, help="No progress bar and no run report on stderr "
                     "(errors still show)."),
    ]
    return _options(f, options, read_later=("csv_bom", "lang"))


def html_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """``--html FILE``: the run's report page too (read where the outputs are written)."""
    options = [click.option("--html", metavar="FILE.html", help="Also write the report page: one self-contained "
                            "HTML file that opens offline in a browser (the network summary, the dealers' lists "
                            "with each part's card, and what this command adds: optimize's what-if budget, "
                            "evaluate's promise kept). spareopt report draws all of them at once.")]
    return _options(f, options, read_later=("html",))


def pack_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options of the commands whose table goes to the dealers: dealer packs, the dealer master, the column set
    (read where the table is written: :func:`spareopt_cli.output.write_outputs`)."""
    options = [
        click.option("--per-dealer", is_flag=True, help="Write one file per dealer into the folder that -o names "
                     "(created if absent): '<dealer>[ <name>].xlsx' with that dealer's rows only, and summary.xlsx, "
                     "one row per dealer and the run facts. --format csv writes CSV files."),
        click.option("--dealers", metavar="FILE", help="Dealer master (CSV/XLSX/Parquet): dealer, and optional "
                     "dealer_name (or name) and region. Names the packs, the sheets and the summary's rows."),
        click.option("--columns", "column_set", type=click.Choice(COLUMN_SETS), help="planner: the columns a "
                     "planner sends (part, name, class, Min, Max, suggested order, why) with readable headers; "
                     "all: every column of the table, named as programs read them. Default: planner with "
                     "--per-dealer, else all."),
    ]
    return _options(f, options, read_later=("per_dealer", "dealers", "column_set"))


def _options(f: Callable[..., Any], options: list[Callable[..., Any]], read_later: tuple[str, ...]) -> Any:
    """``f`` with ``options``; the parameters in ``read_later`` are not passed to it (the output code reads
    them from the click context)."""

    @functools.wraps(f)
    def command(*args: Any, **kwargs: Any) -> Any:
        for name in read_later:
            kwargs.pop(name, None)
        return f(*args, **kwargs)

    for option in reversed(options):
        command = option(command)
    return command


def comma_list(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    items = tuple(item.strip() for text in value for item in text.split(",") if item.strip())
    return items or None


def number_list(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[float, ...] | None:
    if value is None:
        return None
    try:
        return tuple(float(w) for w in value.split(","))
    except ValueError:
        raise click.BadParameter(f"expected numbers separated by commas, e.g. 0.5,0.3,0.2; got {value!r}") from None


def method_list(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> tuple[str, ...] | None:
    items = comma_list(ctx, param, value)
    known = (*FORECASTERS, "auto")
    for item in items or ():
        if item not in known:
            raise click.BadParameter(f"unknown method {item!r}; use one of {', '.join(known)}")
    return items


def stock_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options of the parts-desk commands: the stock snapshot and the plan's policy."""
    options = [
        click.option("--stock", required=True, metavar="FILE", help="Stock snapshot (CSV/XLSX/Parquet): dealer (when "
                     "the history has one), part, on_hand, and optional on_order and reserved."),
        click.option("--policy", type=click.Choice(spareopt.config.POLICIES),
                     help="The plan's stock levels: seed or service-level. Default: config policy (seed)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f

