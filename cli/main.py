"""The click application behind the ``spareopt`` command: one click command per job, its options and its help.

One topic, one module: the commands (the shared options are in :mod:`spareopt_cli.options`, what a run shows
and writes besides its table in :mod:`spareopt_cli.output`)."""

from __future__ import annotations

from importlib import resources

import click

import spareopt
from spareopt.blocks import large_run_memory
from spareopt.calibration import plot_calibration
from spareopt.engine import run as run_job
from spareopt.figures import figure_context
from spareopt.forecast import FORECASTERS
from spareopt.inputs import STAGES
from spareopt.jobs.evaluate import format_totals, plot_totals
from spareopt.jobs.kpi import plot_kpi
from spareopt.jobs.last_buy import LAST_BUY_STAGES
from spareopt.jobs.optimize import BUDGET_SCOPES, plot_curve
from spareopt.lang import LANGS
from spareopt.policy.metric import OBJECTIVES
from spareopt.position import OPERATIONS_STAGES

from .options import (
    Group,
    comma_list,
    engine_choice,
    engine_options,
    history_options,
    html_option,
    method_list,
    number_list,
    only_stocked_option,
    output_options,
    pack_options,
    stock_options,
)
from .output import Progress, html_months, planned_outputs, tell, write_outputs


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(spareopt.__version__, "--version", prog_name="spareopt")
def main() -> None:
    """Dealer must-stock lists from after-sales parts sales history.

    Reads a DMS sales export (CSV, XLSX or Parquet, UTF-8 or GBK, English or
    Chinese headers), and gives every dealer the parts to stock, the safety
    stock SSQ = MAD x (O/C + L/T) / 6, the reorder point and maximum, where each
    part is kept (dealer, central warehouse, or on demand) and why.

    Large runs use every core the process may use; SPAREOPT_THREADS=N sets how
    many (the results are the same whatever N).

    \b
    Example:
      spareopt demo --only-stocked
      spareopt must-stock sales.csv --parts parts.xlsx -o must_stock.xlsx
    """
    large_run_memory()


@main.command("must-stock")
@click.argument("history", metavar="HISTORY")
@history_options
@click.option("--policy", type=click.Choice(spareopt.config.POLICIES),
              help="Stock levels: seed (SSQ = MAD x (O/C + L/T) / 6) or service-level (the smallest levels that meet "
                   "each class's target). Default: config policy (seed).")
@output_options
@pack_options
@html_option
@only_stocked_option
@engine_options
def must_stock(history: str, parts: str | None, config: str | None, as_of: str | None, columns: dict[str, str],
               encoding: str | None, sheet: str | None, supersessions: str | None, show_superseded: str | None, policy: str | None,
               output: str | None, fmt: str | None, only_stocked: bool, quiet: bool, engine: str, scheduler: str | None, workers: int | None, partitions: int | None, ) -> None:
    """Each dealer's must-stock list from a sales history (HISTORY; - reads CSV from stdin).

    HISTORY has columns part, date (or period = YYYY-MM) and quantity, and
    optionally dealer and unit_price. Transaction lines and monthly totals are
    both summed into months; returns (negative quantities) are netted.

    Output columns: dealer, part, description, abc_class, attribute, class_code,
    pattern, unit_cost, half_year_quantity, mad, ssq, reorder_point, max_stock,
    min_stock, forecast_method, forecast, demand_model, target_kind, target,
    implied_csl, implied_fill_rate, decision, reason, policy_rule, priority.
    implied_csl and implied_fill_rate are the service the row's levels give under
    the demand model, for either policy. A parts master's min_stock column is the
    planner's floor: the plan holds reorder_point >= min_stock - 1 and max_stock
    >= min_stock (reason min_stock where only the floor stocks a row), and a part
    with a floor and no sales is listed at every dealer. An installed_base
    column (units of the part's vehicles in the field) gives the pooled demand
    model a failure-rate prior where it predicts demand, and its new parts a
    small rate. The run report goes to stderr; on a terminal, a progress bar
    shows while a run takes more than a second (--quiet hides both).

    -o FOLDER --per-dealer writes one workbook per dealer, named after it,
    with its rows only and the planner's columns (part, name, class, Min,
    Max, why), and summary.xlsx, one row per dealer; --dealers FILE (dealer,
    name, region) puts the dealers' names on the files and sheets.

    \b
    Example:
      spareopt must-stock sales.csv --parts parts.csv -o must_stock.xlsx
      spareopt must-stock sales.csv --parts parts.csv --dealers dealers.csv -o packs/ --per-dealer
      spareopt must-stock sales.csv --parts parts.csv -o must_stock.xlsx --html must_stock.html
      spareopt must-stock dms_export.xlsx --sheet all --since 2022-01 -o packs_zh/ --per-dealer --lang zh
      spareopt must-stock sales.csv --parts parts.csv --policy service-level --only-stocked
      spareopt must-stock carparts_long.csv --column part=part_id --as-of 2001-12 --only-stocked
      spareopt must-stock history.parquet --parts parts.csv --engine dask --scheduler tcp://10.0.0.5:8786
    """
    how = engine_choice(engine, scheduler, workers, partitions)
    out = planned_outputs()
    with Progress(len(STAGES) + 1, quiet) as progress:
        result = run_job("must-stock", history, parts, config, as_of, columns=columns, encoding=encoding, sheet=sheet,
                        supersessions=supersessions, only_stocked=only_stocked, policy=policy, progress=progress,
                        **how, **({"months": True} if html_months(how["engine"]) else {}))
        progress("write the output")
        result = write_outputs(out, result, fmt, progress=progress.part)
    tell(result, output, quiet)


@main.command()
@click.argument("history", metavar="HISTORY")
@history_options
@click.option("--abc-basis", type=click.Choice(spareopt.config.ABC_BASES),
              help="What ABC ranks: value (unit_cost x quantity), quantity, or hits. Default: config abc_basis.")
@click.option("--mc-method", type=click.Choice(spareopt.config.MC_METHODS),
              help="Multi-criteria ABC method. Default: config mc_method (weighted).")
@click.option("--criteria", multiple=True, callback=comma_list, metavar="NAME[:min|:max]",
              help="Multi-criteria criteria in order of importance, comma-separated or repeated: annual_value, "
                   "annual_quantity, hits, or a parts-master column (commonality, criticality, unit_cost, "
                   "lead_time_days, ...); :min when less is more important.")
@click.option("--weights", callback=number_list, metavar="W,...",
              help="Weights of the criteria for --mc-method weighted, e.g. 0.5,0.3,0.2.")
@output_options
@engine_options
def classify(history: str, parts: str | None, config: str | None, as_of: str | None, columns: dict[str, str],
             encoding: str | None, sheet: str | None, supersessions: str | None, show_superseded: str | None, abc_basis: str | None,
             mc_method: str | None, criteria: tuple[str, ...] | None, weights: tuple[float, ...] | None,
             output: str | None, fmt: str | None, quiet: bool, engine: str, scheduler: str | None, workers: int | None, partitions: int | None, ) -> None:
    """Classify every dealer x part series along every axis (HISTORY; - reads CSV from stdin).

    ABC (by value, quantity or hits; value share or item share), XYZ (variation),
    FSN (fast / slow / non-moving) with the phase-in and phase-out flags, the
    Syntetos-Boylan demand pattern, a multi-criteria ABC class of the part, and
    the seed's three-in-one class code (ABC class + attribute + supply band).

    Output columns: dealer, part, abc_class, abc_value, xyz_class, cv, fsn_class,
    months_since_demand, hits_12m, phase_in, phase_out, adi, cv2, pattern,
    mc_score, mc_class, class_code.

    \b
    Example:
      spareopt classify sales.csv --parts parts.csv -o classes.xlsx
      spareopt classify sales.csv --parts parts.csv --mc-method ramanathan --criteria annual_value,criticality,lead_time_days
      spareopt classify sales.csv --mc-method weighted --criteria annual_value,hits --weights 0.7,0.3
    """
    how = engine_choice(engine, scheduler, workers, partitions)
    out = planned_outputs()
    with Progress(len(STAGES) + 1, quiet) as progress:
        result = run_job("classify", history, parts, config, as_of, columns=columns, encoding=encoding, sheet=sheet,
                        supersessions=supersessions, abc_basis=abc_basis, mc_method=mc_method, criteria=criteria,
                        weights=weights, progress=progress, **how)
        progress("write the output")
        result = write_outputs(out, result, fmt, progress=progress.part)
    tell(result, output, quiet)


@main.command()
@click.argument("history", metavar="HISTORY")
@history_options
@click.option("--method", "methods", multiple=True, callback=method_list, metavar="NAME",
              help=f"Forecast method, repeatable or comma-separated: {', '.join(FORECASTERS)}, or auto (by demand "
                   "pattern). Default: every method but auto.")
@click.option("--alpha", type=float, help="Smoothing constant of ses, croston, sba and sbj, in (0, 1]. Default: "
              "config alpha (0.1).")
@click.option("--alpha-d", type=float, help="tsb: smoothing constant of the demand sizes, in (0, 1]. Default 0.1.")
@click.option("--alpha-p", type=float, help="tsb: smoothing constant of the demand probability, in (0, 1]. "
              "Default 0.1.")
@click.option("--sma-months", type=int, help="sma: months averaged. Default 6.")
@output_options
def forecast(history: str, parts: str | None, config: str | None, as_of: str | None, columns: dict[str, str],
             encoding: str | None, sheet: str | None, supersessions: str | None, show_superseded: str | None, methods: tuple[str, ...] | None, alpha: float | None, alpha_d: float | None,
             alpha_p: float | None, sma_months: int | None, output: str | None, fmt: str | None,
             quiet: bool) -> None:
    """Next month's demand of every series by each forecasting method (HISTORY; - reads CSV from stdin).

    Methods: wma (the seed's 6-month weighted MAD), sma (moving average), ses
    (exponential smoothing), croston (Croston 1972), sba (Syntetos & Boylan
    2005), sbj (Shale, Boylan & Johnston 2006), tsb (Teunter, Syntetos & Babai
    2011), and auto, which picks by the demand pattern (config auto_methods).

    Output columns: dealer, part, pattern, then one column per method, in units
    per month; auto adds auto and auto_method.

    \b
    Example:
      spareopt forecast sales.csv -o forecasts.csv
      spareopt forecast carparts_long.csv --method croston,sba,tsb,auto --alpha-d 0.2
    """
    out = planned_outputs()
    with Progress(len(STAGES) + 1, quiet) as progress:
        result = run_job("forecast", history, parts, config, as_of, engine="local", methods=methods, alpha=alpha,
                        alpha_d=alpha_d, alpha_p=alpha_p, sma_months=sma_months, columns=columns, encoding=encoding, sheet=sheet,
                        supersessions=supersessions, progress=progress)
        progress("write the output")
        result = write_outputs(out, result, fmt, progress=progress.part)
    tell(result, output, quiet)


@main.command()
@click.argument("history", metavar="HISTORY")
@history_options
@click.option("--holdout-months", type=int, default=12, show_default=True, metavar="H",
              help="Months at the end of the history to replay; the plan is computed on the months before them.")
@click.option("--policy", "policies", multiple=True, callback=comma_list, metavar="NAME",
              help="Policy to replay, repeatable or comma-separated: seed, traditional, service-level, optimized "
                   "(the seed's investment spent where it fills the most expected demand), current "
                   "(the master's reorder_point and max_stock), two-echelon (the same investment in the central "
                   "warehouse and the dealers, optimize --echelons 2), two-echelon-dealers (the same method, every "
                   "unit at the dealers). Default: seed.")
@click.option("--budget", type=float, metavar="B", help="Stock value (sum of max_stock x unit_cost) the optimized "
              "and two-echelon policies spend. Default: the seed plan's investment.")
@click.option("--totals", metavar="FILE", help="Also write the per-policy totals to FILE (.csv .xlsx .parquet .json).")
@click.option("--calibration", metavar="FILE", help="Also write the calibration table, promised against achieved fill "
              "rate by policy and class, to FILE (.csv .xlsx .parquet .json).")
@click.option("--plot", metavar="FILE.png", help="Draw the fill rate against the stock value of every policy.")
@click.option("--calibration-plot", metavar="FILE.png", help="Draw the reliability plot: promised against achieved "
              "fill rate, one marker per policy and class.")
@output_options
@html_option
@engine_options
def evaluate(history: str, parts: str | None, config: str | None, as_of: str | None, columns: dict[str, str],
             encoding: str | None, sheet: str | None, supersessions: str | None, show_superseded: str | None, holdout_months: int,
             policies: tuple[str, ...] | None, budget: float | None, totals: str | None, calibration: str | None,
             plot: str | None, calibration_plot: str | None, output: str | None, fmt: str | None, quiet: bool,
             engine: str, scheduler: str | None, workers: int | None, partitions: int | None) -> None:
    """Replay the last months of real history against each policy's plan (HISTORY; - reads CSV from stdin).

    Each policy is computed on the history up to the last training month, then
    the next --holdout-months months of real demand are served from the shelf:
    which parts would have been there, how much demand was filled, at what
    stock value. --as-of is the last training month (default: the last month
    of the history less --holdout-months). The per-policy totals (fill rate,
    hit fill rate, average stock value, turns, parts stocked, initial
    investment, and the fill rate the plans promised) print to stdout as a
    table; -o writes the per-series table with a policy column (dealer, part,
    abc_class, pattern, decision, stocked, reorder_point, max_stock, target,
    promised_fill_rate, promised_csl, expected_demand, demand, filled,
    fill_rate, hits, hits_filled, months_in_stock, avg_on_hand,
    avg_stock_value, orders, central_demand).

    --calibration writes promised against achieved fill rate per policy, over
    the stocked series, for all of them and by ABC class and demand pattern,
    with a verdict (holds within 3 points, over-promises, under-promises) and
    a note when the holdout demand strayed from the forecast. --budget B makes
    the optimized policy spend B instead of the seed plan's investment. A parts
    master's min_stock (the planner's floor) is held by every policy but
    current; the rows held only for it (column min_stock_only) are left out of
    the calibration, and optimized buys the floor first out of its budget.

    The replay, each month: serve the share of the month's demand that comes
    before an order due that month, receive it, serve the rest from on hand (what
    is short is lost); if on hand + on order <= reorder_point, order up to
    max_stock in packs, arriving lead_time_days / 30.44 months later, fractions
    kept. Rows kept centrally or ordered on demand hold no dealer stock.

    The two-echelon policies replay one for one, day by day: each unit of a
    month's demand comes on a random day of it; a dealer serves it from its
    shelf or backorders it, and orders it again from the central warehouse,
    which ships first come, first served from its stock and orders it from the
    supplier (lead_time_days); a shipment reaches the dealer transfer_days later.

    \b
    Example:
      spareopt evaluate sales.csv --parts parts.csv --policy seed,traditional,service-level --plot fill.png
      spareopt evaluate sales.csv --parts parts.csv --holdout-months 6 --policy current -o replay.csv
      spareopt evaluate sales.csv --parts parts.csv --policy seed,optimized --budget 50000 --calibration cal.csv --calibration-plot cal.png
      spareopt evaluate sales.csv --parts parts.csv --policy two-echelon,two-echelon-dealers --budget 50000
      spareopt evaluate sales.csv --parts parts.csv --policy seed,optimized --html promise.html
    """
    how = engine_choice(engine, scheduler, workers, partitions)
    policies = policies or ("seed",)
    out = planned_outputs()
    with Progress(len(STAGES) + 1, quiet) as progress:
        result = run_job("evaluate", history, parts, config, as_of, holdout_months=holdout_months, policies=policies,
                        budget=budget, columns=columns, encoding=encoding, sheet=sheet, supersessions=supersessions,
                        progress=progress, **how)
        progress("write the output")
        result = write_outputs(out, result, fmt, {
            "--plot": lambda r: plot_totals(r.totals, **figure_context(r, "spareopt evaluate")),
            "--calibration-plot": lambda r: plot_calibration(r.calibration, **figure_context(r, "spareopt evaluate"))},
            stdout=False, progress=progress.part)
    click.echo(format_totals(result.totals))
    tell(result, output, quiet)


@main.command("last-buy")
@click.argument("history", metavar="HISTORY")
@history_options
@click.option("--horizon-months", type=int, required=True, metavar="N",
              help="Months the last buy has to serve after as_of (the committed service period).")
@click.option("--service-level", type=float, metavar="A",
              help="Service mode: the chance that the buy covers all the horizon's demand, e.g. 0.95.")
@click.option("--shortage-cost-column", metavar="COL",
              help="Cost mode: the parts-master column with the cost of each unit short (> unit_cost).")
@click.option("--holding-rate", type=float, metavar="R",
              help="Cost mode: yearly holding cost as a share of unit_cost. Default: config holding_rate (0).")
@click.option("--salvage-column", metavar="COL",
              help="Cost mode: the parts-master column with what a unit left at the end fetches (blank = 0).")
@click.option("--distribution", type=click.Choice(spareopt.policy.decline.DISTRIBUTIONS),
              help="Demand over the horizon: poisson, or negative_binomial for lumpy demand and an uncertain "
                   "decline. Default: config distribution (poisson).")
@click.option("--dispersion", type=float, metavar="PHI",
              help="negative_binomial: Var(D) / E[D] for every part (>= 1). Default: estimated per part.")
@click.option("--fit-months", type=int, metavar="M", help="Months up to as_of the decline is fitted on. "
              "Default: config fit_months (24).")
@click.option("--stock", metavar="FILE", help="Stock snapshot (CSV/XLSX/Parquet): part, on_hand, and optional "
              "dealer, on_order, reserved; summed over dealers and netted from the buy.")
@click.option("--budget", type=float, metavar="B", help="Cap on the buy's value (sum of unit_cost x buy_qty).")
@click.option("--max-volume", type=float, metavar="V", help="Cap on the buy's volume (sum of unit_volume x "
              "buy_qty; master column unit_volume).")
@click.option("--all", "all_parts", is_flag=True, help="Plan every part sold in the history, not only the "
              "discontinued ones.")
@click.option("--backtest", is_flag=True, help="Check each buy against the real demand of the horizon, which "
              "the history must hold (default as_of: its last month less --horizon-months).")
@output_options
def last_buy(history: str, parts: str | None, config: str | None, as_of: str | None, columns: dict[str, str],
             encoding: str | None, sheet: str | None, supersessions: str | None, show_superseded: str | None, horizon_months: int, service_level: float | None,
             shortage_cost_column: str | None, holding_rate: float | None, salvage_column: str | None,
             distribution: str | None, dispersion: float | None, fit_months: int | None, stock: str | None,
             budget: float | None, max_volume: float | None, all_parts: bool, backtest: bool, output: str | None,
             fmt: str | None, quiet: bool) -> None:
    """The last-time buy of a discontinued model's parts (HISTORY; - reads CSV from stdin).

    The parts to plan are those whose master row has status = discontinued (or
    停产), or an end_of_production month <= as_of; --all plans every part. Each
    part's network demand (dealers summed) is fitted as lambda_0 e^(-k t) by
    Poisson maximum likelihood over the last --fit-months, and the buy Q is the
    smallest with P(demand over the horizon <= Q) >= the target: --service-level,
    or in cost mode the critical ratio c_u / (c_u + c_o), c_u = shortage_cost -
    unit_cost, c_o = unit_cost (1 + holding_rate H / 12) - salvage_value. The
    stock (on_hand + on_order - reserved) is netted; --budget and --max-volume
    trim the buys by marginal analysis (both: an integer programme).

    Output columns: part, description, rate_now, decay, horizon_months,
    expected_demand, dispersion, last_buy_qty, on_hand, on_order, reserved,
    buy_qty, expected_shortage, expected_leftover, prob_no_shortage, unit_cost,
    buy_value, expected_cost (cost mode), flag; --backtest adds actual_demand,
    actual_shortage, actual_leftover, covered.

    \b
    Example:
      spareopt last-buy sales.csv --parts parts.csv --horizon-months 84 --service-level 0.95 -o last_buy.xlsx
      spareopt last-buy sales.csv --parts parts.csv --stock stock.csv --horizon-months 84 --budget 500000 --service-level 0.95
      spareopt last-buy sales.csv --parts parts.csv --horizon-months 84 --shortage-cost-column shortage_cost --holding-rate 0.2
      spareopt last-buy carparts_long.csv --column part=part_id --all --as-of 2000-03 --horizon-months 24 --service-level 0.9 --backtest
    """
    out = planned_outputs()
    with Progress(len(LAST_BUY_STAGES) + 1, quiet) as progress:
        result = run_job("last-buy", history, parts, config, as_of, engine="local", horizon_months=horizon_months,
                                  service_level=service_level, shortage_cost=shortage_cost_column,
                                  holding_rate=holding_rate, salvage_value=salvage_column, distribution=distribution,
                                  dispersion=dispersion, fit_months=fit_months, stock=stock, budget=budget,
                                  max_volume=max_volume, all_parts=all_parts, backtest=backtest, columns=columns,
                                  encoding=encoding, sheet=sheet, supersessions=supersessions, progress=progress)
        progress("write the output")
        result = write_outputs(out, result, fmt, progress=progress.part)
    tell(result, output, quiet)


@main.command("optimize")
@click.argument("history", metavar="HISTORY")
@history_options
@click.option("--budget", type=float, required=True, metavar="B", help="Stock value to spend: sum of unit_cost x "
              "stock_level.")
@click.option("--budget-per", type=click.Choice(BUDGET_SCOPES), default="network", show_default=True,
              help="Whether the budget is the network's or each dealer's.")
@click.option("--class-minimums", is_flag=True, help="Give every row at least the level its class policy row's "
              "service_level or fill_rate needs; rows the table keeps central or unstocked get no dealer stock.")
@click.option("--max-volume", type=float, metavar="V", help="Shelf capacity: sum of unit_volume x stock_level "
              "(master column unit_volume). Solved as an integer programme (pulp): for small catalogues.")
@click.option("--echelons", type=click.IntRange(1, 2), default=1, show_default=True,
              help="2: the central transit warehouse and the dealers together, one network budget (Sherbrooke's "
                   "METRIC).")
@click.option("--transfer-days", type=float, metavar="D", help="--echelons 2: days from the central warehouse to a "
              "dealer. Default: config transfer_days (2).")
@click.option("--objective", type=click.Choice(OBJECTIVES), help="--echelons 2: what the plan minimises. fill: the "
              "demand missed at the dealers' shelves (the highest expected fill rate); backorders: the dealers' "
              "expected backorders (Sherbrooke's measure: the fewest units waiting, central stock first). Default: "
              "config objective (fill).")
@click.option("--curve", metavar="FILE", help="Also write the stock-to-service curve (stock_value, "
              "expected_fill_rate) and the plans on it to FILE; with --echelons 2, the comparison of plans.")
@click.option("--plot", metavar="FILE.png", help="Draw the stock-to-service curve with the seed, current and "
              "optimised plans on it; with --echelons 2, the expected fill rate (or backorders) of the two-echelon "
              "and the dealers-only plans against the stock value, with the seed's plan.")
@output_options
@html_option
def optimize_command(history: str, parts: str | None, config: str | None, as_of: str | None,
                     columns: dict[str, str], encoding: str | None, sheet: str | None, supersessions: str | None,
                     show_superseded: str | None, budget: float, budget_per: str, class_minimums: bool,
                     max_volume: float | None, echelons: int, transfer_days: float | None, objective: str | None,
                     curve: str | None,
                     plot: str | None, output: str | None, fmt: str | None, quiet: bool) -> None:
    """The stock levels that fill the most expected demand for a budget (HISTORY; - reads CSV from stdin).

    Every dealer x part runs the service-level policy's (R, s, S) plan; its
    expected fill rate rises with the reorder point s, each unit less than the
    one before. Marginal analysis (Sherbrooke) spends the budget where one more
    unit of money fills the most expected demand, on the whole catalogue at once.
    The stock-to-service curve gives the best expected fill rate for every budget;
    the seed plan (and the master's current reorder_point and max_stock) are
    marked on it. A parts master's min_stock (the planner's floor) is bought
    first out of the budget, and the rest is optimised.

    Output columns: dealer, part, description, stock_level, reorder_point,
    unit_cost, stock_value, expected_demand (units a year), expected_filled,
    expected_fill_rate, location. With --echelons 2: one central row per part,
    then its dealer rows (dealer, part, description, location, stock_level,
    unit_cost, stock_value, expected_demand, expected_backorders,
    expected_fill_rate), compared in the report with the same budget all at the
    dealers and with the seed's rules: fill rate, backorders and the mean wait.
    The plan meets the most demand from the dealers' shelves (--objective fill)
    or leaves the fewest units waiting (--objective backorders), and is never
    worse by its objective than the same budget all at the dealers.

    \b
    Example:
      spareopt optimize sales.csv --parts parts.csv --budget 500000 -o optimized.xlsx --plot curve.png
      spareopt optimize sales.csv --parts parts.csv --budget 20000 --budget-per dealer --class-minimums --curve curve.csv
      spareopt optimize sales.csv --parts parts.csv --budget 500000 --echelons 2 --transfer-days 3 -o network.xlsx
      spareopt optimize sales.csv --parts parts.csv --budget 500000 -o optimized.xlsx --html what_if.html
    """
    out = planned_outputs()
    with Progress(len(STAGES) + 1, quiet) as progress:
        result = run_job("optimize", history, parts, config, as_of, engine="local", budget=budget, budget_per=budget_per,
                                  class_minimums=class_minimums, max_volume=max_volume, echelons=echelons,
                                  transfer_days=transfer_days, objective=objective, columns=columns,
                                  encoding=encoding, sheet=sheet, supersessions=supersessions, progress=progress,
                                  **({"months": True} if html_months() and echelons == 1 else {}))
        progress("write the output")
        result = write_outputs(out, result, fmt, {"--plot": lambda r: plot_curve(r, **figure_context(r, "spareopt optimize"))},
                               progress=progress.part)
    tell(result, output, quiet)


@main.command("report")
@click.argument("history", metavar="HISTORY")
@history_options
@click.option("--policy", type=click.Choice(spareopt.config.POLICIES),
              help="The plan's stock levels: seed or service-level. Default: config policy (seed).")
@click.option("--budget", type=float, metavar="B", help="The optimised plan's budget, where the what-if slider "
              "starts. Default: the seed plan's stock value at the dealers.")
@click.option("--holdout-months", type=click.IntRange(min=1), metavar="H", help="Also replay the last H months "
              "against plans trained on the months before them: the promised against achieved fill rate.")
@click.option("--policies", "policies", multiple=True, callback=comma_list, metavar="NAME",
              help="With --holdout-months: the policies replayed (as evaluate --policy). Default: seed,optimized.")
@click.option("-o", "--output", required=True, metavar="FILE.html", help="The report page (.html).")
@click.option("--dealers", metavar="FILE", help="Dealer master (CSV/XLSX/Parquet): dealer, and optional "
              "dealer_name (or name) and region. Names the dealers on the lists.")
@click.option("--lang", type=click.Choice(LANGS), help="Language of the page (config lang; default en).")
@click.option("-q", "--quiet", is_flag=True, help="No progress bar and no run report on stderr (errors still show).")
def report_command(history: str, parts: str | None, config: str | None, as_of: str | None,
                   columns: dict[str, str], encoding: str | None, sheet: str | None, supersessions: str | None,
                   show_superseded: str | None, policy: str | None, budget: float | None, holdout_months: int | None,
                   policies: tuple[str, ...] | None, output: str, dealers: str | None, lang: str | None,
                   quiet: bool) -> None:
    """The report page a parts director opens in a browser (HISTORY; - reads CSV from stdin).

    One self-contained HTML file (-o FILE.html) that opens offline, with no
    server: the network at a glance (stock value, expected fill rate, rows
    stocked, by dealer and by ABC class; decisions, reasons and the run's
    warnings); a what-if budget: optimize's stock-to-service curve with a
    slider that shows the expected fill rate, rows stocked and stock value
    at every budget, the seed plan and the master's current Min/Max marked;
    each dealer's list (the planner's columns, sortable and filterable), and
    a click on a row opens the part's card: its monthly demand, MAD,
    forecast and demand model, the levels, the rule that decided it with its
    threshold, and the implied service. With --holdout-months H, the last H
    months are replayed against plans trained before them, and the page
    shows the promised against achieved fill rate by class and the policies
    side by side. The page lists each dealer's first rows (stocked first, by
    priority; 40,000 rows at most in all): the whole list is must-stock's.

    \b
    Example:
      spareopt report sales.csv --parts parts.csv -o report.html
      spareopt report sales.csv --parts parts.csv --holdout-months 12 --dealers dealers.csv --lang zh -o report_zh.html
      spareopt report sales.csv --parts parts.csv --budget 400000 -o what_if.html
    """
    out = planned_outputs()
    with Progress(len(STAGES) + 2, quiet) as progress:
        result = run_job("report", history, parts, config, as_of, engine="local", policy=policy, budget=budget,
                         holdout_months=holdout_months, policies=policies or ("seed", "optimized"), columns=columns,
                         encoding=encoding, sheet=sheet, supersessions=supersessions, progress=progress)
        progress("write the report page")
        result = write_outputs(out, result, None, stdout=False)
    tell(result, output, quiet)


@main.command("order")
@click.argument("history", metavar="HISTORY")
@history_options
@stock_options
@click.option("--budget", type=float, metavar="B", help="Cap on each dealer's order value; lines are kept in "
              "priority order while they fit, and the report lists what was cut.")
@click.option("--totals", metavar="FILE", help="Also write the per-dealer totals (lines, units, value, cut) to FILE.")
@output_options
@pack_options
@engine_options
def order_command(history: str, parts: str | None, config: str | None, as_of: str | None, columns: dict[str, str],
                  encoding: str | None, sheet: str | None, supersessions: str | None, show_superseded: str | None, stock: str,
                  policy: str | None, budget: float | None, totals: str | None, output: str | None, fmt: str | None,
                  quiet: bool, engine: str, scheduler: str | None, workers: int | None, partitions: int | None, ) -> None:
    """This week's suggested stock order (HISTORY; - reads CSV from stdin).

    For every dealer x part that the must-stock plan keeps at the dealer: the
    inventory position IP = on_hand + on_order - reserved; when IP <= reorder_point,
    order max_stock - IP, at least the master's min_order_qty, rounded up to a
    multiple of pack_size. Parts kept centrally, not stocked, or never sold are
    never ordered for stock.

    Output columns: dealer, part, description, on_hand, on_order, reserved,
    inventory_position, reorder_point, max_stock, pack_size, min_order_qty,
    order_qty, order_value, priority, reason; sorted by dealer, then order value.
    -o FOLDER --per-dealer writes each dealer's order as a workbook of its own
    (part, name, Min, Max, stock position, suggested order, order value, why)
    and summary.xlsx, one row per dealer.

    \b
    Example:
      spareopt order sales.csv --parts parts.csv --stock stock.csv -o order.xlsx
      spareopt order sales.csv --parts parts.csv --stock stock.csv --dealers dealers.csv -o orders/ --per-dealer
      spareopt order sales.csv --parts parts.csv --stock stock.csv --budget 20000 --totals order_totals.csv
    """
    how = engine_choice(engine, scheduler, workers, partitions)
    out = planned_outputs()
    with Progress(len(OPERATIONS_STAGES) + 1, quiet) as progress:
        result = run_job("order", history, parts, config, as_of, stock=stock, budget=budget, policy=policy,
                        columns=columns, encoding=encoding, sheet=sheet, supersessions=supersessions, progress=progress, **how)
        progress("write the output")
        result = write_outputs(out, result, fmt, progress=progress.part)
    tell(result, output, quiet)


@main.command("dead-stock")
@click.argument("history", metavar="HISTORY")
@history_options
@stock_options
@click.option("--aging", metavar="FILE", help="Also write units and value per dealer and aging bucket to FILE.")
@click.option("--transfers", metavar="FILE", help="Also write the transfer suggestions (part, from_dealer, "
              "to_dealer, quantity, value) to FILE.")
@output_options
@engine_options
def dead_stock_command(history: str, parts: str | None, config: str | None, as_of: str | None,
                       columns: dict[str, str], encoding: str | None, sheet: str | None, supersessions: str | None,
                       show_superseded: str | None, stock: str, policy: str | None, aging: str | None,
                       transfers: str | None, output: str | None, fmt: str | None, quiet: bool, engine: str,
                       scheduler: str | None, workers: int | None, partitions: int | None) -> None:
    """Dead and excess stock (呆滞件) and what to do with it (HISTORY; - reads CSV from stdin).

    Every dealer x part on the shelf gets its months since the last demand and an
    aging bucket (0-3, 4-6, 7-12, 13-24, >24 months). Excess = on_hand -
    max_stock of the plan (0 for parts the plan keeps centrally or does not
    stock). The excess is transferred to dealers that need the part now (never
    more than they would order), else sent to scrap_review (no demand anywhere
    for 24 months), else returned (the part is current), else held (a
    discontinued part still sold).

    Output columns: dealer, part, description, on_hand, unit_cost, stock_value,
    months_since_demand, aging_bucket, decision, max_stock, excess_qty,
    excess_value, action, transfer_qty, transfer_to, return_qty, hold_qty,
    scrap_review_qty, flag.

    \b
    Example:
      spareopt dead-stock sales.csv --parts parts.csv --stock stock.csv -o dead_stock.xlsx --transfers transfers.csv
      spareopt dead-stock sales.csv --parts parts.csv --stock stock.csv --aging aging.csv
      spareopt dead-stock history.parquet --parts parts.csv --stock stock.csv --engine dask --transfers transfers.csv
    """
    how = engine_choice(engine, scheduler, workers, partitions)
    out = planned_outputs()
    with Progress(len(OPERATIONS_STAGES) + 1, quiet) as progress:
        result = run_job("dead-stock", history, parts, config, as_of, stock=stock, policy=policy, columns=columns,
                        encoding=encoding, sheet=sheet, supersessions=supersessions, progress=progress, **how)
        progress("write the output")
        result = write_outputs(out, result, fmt, progress=progress.part)
    tell(result, output, quiet)


@main.command("kpi")
@click.argument("history", metavar="HISTORY")
@history_options
@stock_options
@click.option("--by-part", metavar="FILE", help="Also write every dealer x part's days of supply to FILE.")
@click.option("--plot", metavar="FILE.png", help="Draw the stock value by aging bucket per dealer, and by ABC class.")
@output_options
@engine_options
def kpi_command(history: str, parts: str | None, config: str | None, as_of: str | None, columns: dict[str, str],
                encoding: str | None, sheet: str | None, supersessions: str | None, show_superseded: str | None, stock: str,
                policy: str | None, by_part: str | None, plot: str | None, output: str | None, fmt: str | None,
                quiet: bool, engine: str, scheduler: str | None, workers: int | None, partitions: int | None, ) -> None:
    """Stock KPIs per dealer and for the network (HISTORY; - reads CSV from stdin).

    Stock value; turns (the last 12 months' cost of goods sold / stock value, the
    snapshot standing in for the year's average); days of supply; the share of
    stock value by aging bucket; the projected fill rate of the plan (its implied
    fill rate, weighted by forecast); the must-stock coverage (the share of the
    plan's dealer parts with stock on hand).

    Output columns: scope, dealer, parts_in_stock, stock_units, stock_value,
    cogs_12m, turns, days_of_supply, value_share_0-3 .. value_share_>24,
    projected_fill_rate, must_stock_parts, must_stock_in_stock, must_stock_coverage.

    \b
    Example:
      spareopt kpi sales.csv --parts parts.csv --stock stock.csv --plot kpi.png
      spareopt kpi sales.csv --parts parts.csv --stock stock.csv -o kpi.xlsx --by-part days_of_supply.csv
    """
    how = engine_choice(engine, scheduler, workers, partitions)
    out = planned_outputs()
    with Progress(len(OPERATIONS_STAGES) + 1, quiet) as progress:
        result = run_job("kpi", history, parts, config, as_of, stock=stock, policy=policy, columns=columns,
                        encoding=encoding, sheet=sheet, supersessions=supersessions, progress=progress, **how)
        progress("write the output")
        result = write_outputs(out, result, fmt, {"--plot": lambda r: plot_kpi(r, **figure_context(r, "spareopt kpi"))},
                               progress=progress.part)
    tell(result, output, quiet)


@main.command()
@output_options
@only_stocked_option
def demo(output: str | None, fmt: str | None, only_stocked: bool, quiet: bool) -> None:
    """The must-stock run on the bundled example data.

    The history is a real subset of the carparts data set (Hyndman et al.
    2008, CC BY 4.0); the parts master beside it is illustrative.

    \b
    Example:
      spareopt demo --only-stocked
      spareopt demo -o demo.xlsx
    """
    out = planned_outputs()
    data = resources.files("spareopt.examples")
    with resources.as_file(data / "carparts_sample.csv") as history, \
            resources.as_file(data / "parts_master.csv") as parts:
        result = run_job("must-stock", history, parts, engine="local", only_stocked=only_stocked)
    result = write_outputs(out, result, fmt)
    tell(result, output, quiet)


@main.command()
@click.option("--config", metavar="FILE", help="TOML config to merge over the defaults.")
def config(config: str | None) -> None:
    """Print the effective configuration (defaults merged with --config) as TOML.

    \b
    Example:
      spareopt config > spareopt.toml   # edit, then: spareopt must-stock sales.csv --config spareopt.toml
    """
    click.echo(spareopt.load_config(config).to_toml(), nl=False)


