"""The seed method in DuckDB SQL: the second peer of ``spareopt must-stock`` (issue 26).

    python -m benchmarks.peer_duckdb HISTORY.parquet PARTS.parquet OUT.csv|OUT.parquet

The same columns, by the same rules, as :mod:`benchmarks.peer_polars` (its docstring states them), in one SQL
query over the Parquet files, written by DuckDB's ``COPY``.
"""

from __future__ import annotations

import sys

import duckdb

QUERY = """
WITH lines AS (
    SELECT CAST(dealer AS VARCHAR) AS dealer, CAST(part AS VARCHAR) AS part,
           year(date) * 12 + month(date) AS m, CAST(quantity AS DOUBLE) AS quantity
    FROM read_parquet($history)
),
last AS (SELECT max(m) AS t FROM lines),
series AS (SELECT DISTINCT dealer, part FROM lines),
recent AS (  -- a month's net below 0 counts as 0
    SELECT dealer, part, m, greatest(sum(quantity), 0) AS q
    FROM lines, last WHERE m > t - 12 GROUP BY dealer, part, m
),
usage AS (
    SELECT dealer, part,
           sum(q) FILTER (WHERE m > t - 6) AS half_year_quantity,
           sum((m - (t - 6)) * q) FILTER (WHERE m > t - 6) AS weighted,
           sum(q) AS year_quantity
    FROM recent, last GROUP BY dealer, part
),
master AS (
    SELECT CAST(part AS VARCHAR) AS part, unit_cost, CAST(lead_time_days AS DOUBLE) AS lead,
           CAST(order_cycle_days AS DOUBLE) AS cycle, attribute
    FROM read_parquet($parts)
),
high AS (SELECT quantile_cont(unit_cost, 0.95) AS high_value FROM master),
levels AS (
    SELECT s.dealer, s.part, p.unit_cost, p.attribute, p.lead, p.cycle,
           coalesce(u.half_year_quantity, 0) AS half_year_quantity,
           coalesce(u.weighted, 0) / 21 AS mad,
           coalesce(u.year_quantity, 0) * coalesce(nullif(p.unit_cost, 'NaN'), 0) AS value
    FROM series s LEFT JOIN usage u USING (dealer, part) LEFT JOIN master p USING (part)
),
planned AS (
    SELECT *, mad * (cycle + lead) / 6 AS ssq FROM levels
),
ranked AS (
    SELECT *,
           greatest(ceil(mad * lead / (365.25 / 12) + ssq - 1e-9), 0)::BIGINT AS reorder_point,
           greatest(ceil(mad * lead / (365.25 / 12) + ssq - 1e-9),
                    ceil(mad * (lead + cycle) / (365.25 / 12) + ssq - 1e-9), 0)::BIGINT AS max_stock,
           sum(half_year_quantity) OVER (PARTITION BY part) AS network_quantity,
           coalesce(sum(value) OVER (PARTITION BY dealer ORDER BY value DESC, part
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
           sum(value) OVER (PARTITION BY dealer) AS total
    FROM planned
),
decided AS (
    SELECT *,
           CASE WHEN value <= 0 OR total <= 0 THEN 'C' WHEN before / total < 0.80 THEN 'A'
                WHEN before / total < 0.95 THEN 'B' ELSE 'C' END AS abc_class,
           CASE WHEN cycle + lead = 0 THEN 'direct_supply'
                WHEN attribute = 'C' AND unit_cost >= (SELECT high_value FROM high) THEN 'high_value_assembly'
                WHEN half_year_quantity <= 0 THEN 'no_demand'
                WHEN network_quantity <= 12 THEN 'low_volume'
                WHEN ssq < 1 THEN 'low_ssq'
                ELSE 'stock' END AS reason
    FROM ranked
),
ties AS (  -- SSQs within 1e-9 of their neighbour among the stocked rows' are a tie (float noise)
    SELECT ssq, sum(new) OVER (ORDER BY ssq) AS tie
    FROM (SELECT ssq, CASE WHEN ssq - lag(ssq) OVER (ORDER BY ssq) <= 1e-9 THEN 0 ELSE 1 END AS new
          FROM (SELECT DISTINCT ssq FROM decided WHERE reason = 'stock'))
)
SELECT dealer, part, abc_class, attribute,
       abc_class || attribute || CASE WHEN cycle + lead <= 0 THEN 0 WHEN cycle + lead <= 7 THEN 1
                                      WHEN cycle + lead <= 30 THEN 2 ELSE 3 END AS class_code,
       unit_cost, half_year_quantity, mad, ssq, reorder_point, max_stock,
       CASE reason WHEN 'stock' THEN 'dealer' WHEN 'low_ssq' THEN 'central' ELSE 'none' END AS decision, reason,
       CASE WHEN reason = 'stock' THEN row_number() OVER (
            PARTITION BY dealer, reason = 'stock' ORDER BY tie DESC, mad DESC, part) END AS priority
FROM decided LEFT JOIN ties USING (ssq)
"""


def seed_plan(history: str, parts: str, out: str | None = None) -> object:
    """The seed's columns of every series: written to ``out`` (CSV or Parquet by its suffix), else returned as a
    pandas DataFrame."""
    with duckdb.connect() as con:
        con.execute("PRAGMA disable_progress_bar")
        plan = con.sql(QUERY, params={"history": str(history), "parts": str(parts)})
        if out is None:
            return plan.df()
        if out.endswith(".parquet"):
            plan.write_parquet(out)
        else:
            plan.write_csv(out)
        return None


def main(argv: list[str]) -> None:
    history, parts, out = argv
    seed_plan(history, parts, out)


if __name__ == "__main__":
    main(sys.argv[1:])
