"""The seed method as a data engineer writes it with polars: the peer of ``spareopt must-stock`` (issue 26).

    python -m benchmarks.peer_polars HISTORY.parquet PARTS.parquet OUT.csv|OUT.parquet

It computes what the seed computes for every dealer x part series of the history, from the last month in it
(T), and nothing more (no demand model, no promise):

- months: a line's month; a month's net below 0 counts as 0;
- ``half_year_quantity`` = q[T-5] + ... + q[T]; ``mad`` = (1 q[T-5] + 2 q[T-4] + ... + 6 q[T]) / 21;
- ``ssq`` = MAD x (O/C + L/T) / 6; ``reorder_point`` = ceil(MAD L/T / D + SSQ);
  ``max_stock`` = max(ROP, ceil(MAD (L/T + O/C) / D + SSQ)), D = 365.25 / 12 days, ceilings with a 1e-9 tolerance
  (the seed, ``shared/seed``, section 3);
- ``abc_class`` per dealer by the value of the last 12 months (units x unit_cost): A while the share of the value
  ranked before a part is below 80 %, B below 95 %, else C (ties by part number); no value is C;
- ``decision`` and ``reason``, the first rule that holds: O/C + L/T = 0 -> none (direct_supply); attribute C and
  unit_cost at least the parts' 95th percentile -> none (high_value_assembly); no sale in 6 months -> none
  (no_demand); the part's half-year quantity over the network at most 12 -> none (low_volume); SSQ below 1 ->
  central (low_ssq); else dealer (stock);
- ``class_code``: ABC class, attribute, supply-cycle band (0: O/C + L/T = 0 days, 1: up to 7, 2: up to 30, 3: more);
- ``priority`` 1, 2, ... of each dealer's stocked parts by SSQ, then MAD, descending (ties by part number), SSQs
  within 1e-9 of their neighbour among the stocked rows' a tie (float noise: 15/21 x 64 / 6 and 160/21 x 6 / 6);
  empty for the others.

The parts master must give every part its ``unit_cost``, ``lead_time_days``, ``order_cycle_days`` and
``attribute`` (the benchmark's does); spareopt's defaults and checks for a missing one are not reproduced.
"""

from __future__ import annotations

import sys

import polars as pl

D = 365.25 / 12
TOLERANCE = 1e-9


def seed_plan(history: str, parts: str) -> pl.DataFrame:
    """The seed's columns of every dealer x part series (see the module's docstring)."""
    lines = pl.scan_parquet(history).select(  # dealer and part stay categorical until the lines are summed
        pl.col("dealer").cast(pl.Categorical), pl.col("part").cast(pl.Categorical),
        (pl.col("date").dt.year().cast(pl.Int32) * 12 + pl.col("date").dt.month().cast(pl.Int32)).alias("m"),
        pl.col("quantity").cast(pl.Float64))
    last = lines.select(pl.col("m").max()).collect().item()
    series = lines.select("dealer", "part").unique()
    recent = (lines.filter(pl.col("m") > last - 12)
              .group_by("dealer", "part", "m").agg(pl.col("quantity").sum().clip(lower_bound=0).alias("q")))
    half = pl.col("m") > last - 6
    usage = recent.group_by("dealer", "part").agg(
        pl.col("q").filter(half).sum().alias("half_year_quantity"),
        ((pl.col("m") - (last - 6)) * pl.col("q")).filter(half).sum().alias("weighted"),
        pl.col("q").sum().alias("year_quantity"))
    master = pl.scan_parquet(parts).select("part", "unit_cost", "lead_time_days", "order_cycle_days", "attribute")
    high_value = master.select(pl.col("unit_cost").quantile(0.95, interpolation="linear")).collect().item()
    lead, cycle = pl.col("lead_time_days").cast(pl.Float64), pl.col("order_cycle_days").cast(pl.Float64)

    def ceil(x: pl.Expr) -> pl.Expr:
        return (x - TOLERANCE).ceil().clip(lower_bound=0).cast(pl.Int64)

    plan = (series.join(usage, on=["dealer", "part"], how="left")
            .with_columns(pl.col("dealer", "part").cast(pl.String),
                          pl.col("half_year_quantity", "weighted", "year_quantity").fill_null(0.0))
            .join(master, on="part", how="left")
            .with_columns((pl.col("weighted") / 21).alias("mad"),
                          (pl.col("year_quantity") * pl.col("unit_cost").fill_nan(0.0)).alias("value"))
            .with_columns((pl.col("mad") * (cycle + lead) / 6).alias("ssq"))
            .with_columns(ceil(pl.col("mad") * lead / D + pl.col("ssq")).alias("reorder_point"),
                          ceil(pl.col("mad") * (lead + cycle) / D + pl.col("ssq")).alias("top"))
            .with_columns(pl.max_horizontal("reorder_point", "top").alias("max_stock"),
                          pl.col("half_year_quantity").sum().over("part").alias("network_quantity"))
            .sort(["dealer", "value", "part"], descending=[False, True, False])
            .with_columns(pl.col("value").shift(1, fill_value=0.0).over("dealer").cum_sum().over("dealer")
                          .alias("before"),
                          pl.col("value").sum().over("dealer").alias("total")))
    share = pl.when(pl.col("total") > 0).then(pl.col("before") / pl.col("total")).otherwise(float("inf"))
    plan = plan.with_columns(
        pl.when(pl.col("value") <= 0).then(pl.lit("C")).when(share < 0.80).then(pl.lit("A"))
        .when(share < 0.95).then(pl.lit("B")).otherwise(pl.lit("C")).alias("abc_class"),
        pl.when(cycle + lead == 0).then(pl.lit("direct_supply"))
        .when((pl.col("attribute") == "C") & (pl.col("unit_cost") >= high_value)).then(pl.lit("high_value_assembly"))
        .when(pl.col("half_year_quantity") <= 0).then(pl.lit("no_demand"))
        .when(pl.col("network_quantity") <= 12).then(pl.lit("low_volume"))
        .when(pl.col("ssq") < 1).then(pl.lit("low_ssq"))
        .otherwise(pl.lit("stock")).alias("reason"))
    band = (pl.when(cycle + lead <= 0).then(0).when(cycle + lead <= 7).then(1).when(cycle + lead <= 30).then(2)
            .otherwise(3))
    plan = plan.with_columns(
        pl.col("reason").replace_strict({"stock": "dealer", "low_ssq": "central"}, default="none").alias("decision"),
        pl.concat_str(pl.col("abc_class"), pl.col("attribute"), band.cast(pl.String)).alias("class_code"),
    ).collect()
    stocked = pl.col("decision") == "dealer"
    # SSQs within the tolerance of their neighbour (in the sorted SSQs of the stocked rows) are a tie
    ties = (plan.lazy().filter(stocked).select(pl.col("ssq").unique().sort())
            .with_columns((pl.col("ssq").diff() > TOLERANCE).fill_null(True).cum_sum().alias("tie")))
    return (plan.lazy().join(ties, on="ssq", how="left")
            .sort(["dealer", "tie", "mad", "part"], descending=[False, True, True, False], nulls_last=True)
            .with_columns(pl.when(stocked).then(stocked.cast(pl.Int64).cum_sum().over("dealer")).alias("priority"))
            .select("dealer", "part", "abc_class", "attribute", "class_code", "unit_cost", "half_year_quantity", "mad",
                    "ssq", "reorder_point", "max_stock", "decision", "reason", "priority").collect())


def main(argv: list[str]) -> None:
    history, parts, out = argv
    plan = seed_plan(history, parts)
    if out.endswith(".parquet"):
        plan.write_parquet(out)
    else:
        plan.write_csv(out)


if __name__ == "__main__":
    main(sys.argv[1:])
