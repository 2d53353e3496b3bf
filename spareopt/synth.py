"""A realistic synthetic dealer network: transaction log and parts master, for benchmarks and tests.

Calibration (against ``shared/data/carparts``, 2,674 US car parts x 51 months)
-------------------------------------------------------------------------------
carparts has 74.8 % zero months; its per-series share of non-zero months has
quantiles 0.06 / 0.10 / 0.22 / 0.37 / 0.53 (10/25/50/75/90 %), which a
Beta(1.50, 4.33) fits (maximum likelihood: 0.06 / 0.12 / 0.23 / 0.36 / 0.50); its
non-zero monthly sizes are 1 (52.9 %), 2 (25.4 %), 3 (9.4 %), 4 (5.2 %), with
quantiles 1 / 1 / 1 / 2 / 4 / 5 / 10 (10/25/50/75/90/95/99 %) and a mean of 2.01.
The generator draws, for every dealer x part series s,

- p_s ~ Beta(1.50, 4.33), the chance that a month has demand (so most parts are slow);
- mu_s ~ LogNormal(log 0.55, 1.0), the series' mean extra units in a month with demand;
- each month: demand with probability p_s, of size 1 + NegBin(r = 2, mean mu_s).

``tests/test_synth.py`` checks the result against those carparts figures.  The
network around it:

- part popularity ~ LogNormal(0, 1.5) and dealer size ~ LogNormal(0, 0.6); a dealer
  sells a part with probability min(1, density x popularity x size), so each
  dealer sells a different, sparse subset (``density`` is the mean share);
- a month's demand is one line, or two lines (20 % of months with 2+ units), on
  random days; about 1 % of lines are returns (a negative line of 1-2 units in
  the same month as a sale, netted by the reader);
- unit costs are lognormal (median 60, sigma 1.2; C assemblies x e^2), attributes
  A/B/C 40/45/15 %, lead times 1-30 days, order cycles 1-14 days and 0 (direct
  supply) for 3 % of parts; pack sizes 1, 2, 4 or 10.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from .validate import number, one_of

__all__ = ["CALIBRATION", "Network", "make_network"]

CALIBRATION = {
    "carparts_zero_share": 0.748,
    "carparts_size_quantiles": {0.10: 1, 0.25: 1, 0.50: 1, 0.75: 2, 0.90: 4, 0.95: 5, 0.99: 10},
    "occurrence_beta": (1.50, 4.33),
    "size_log_mean": float(np.log(0.55)),
    "size_log_sigma": 1.0,
    "size_dispersion": 2.0,
}
"""The figures the generator was fitted to, and the fitted parameters."""

_CHUNK_PAIRS = 8_000_000


@dataclass(frozen=True)
class Network:
    """A generated network: the transaction log and the parts master.

    ``history`` has ``dealer``, ``part``, ``date`` (datetime64) and ``quantity``;
    ``parts`` has ``part``, ``description``, ``unit_cost``, ``lead_time_days``,
    ``order_cycle_days``, ``attribute``, ``pack_size``.  When written to a folder,
    ``history`` and ``parts`` are None and ``history_path``/``parts_path`` are set.
    """

    history: pd.DataFrame | None
    parts: pd.DataFrame | None
    n_series: int
    n_lines: int
    history_path: Path | None = None
    parts_path: Path | None = None


def make_network(
    n_dealers: int,
    n_parts: int,
    n_months: int,
    *,
    seed: int = 0,
    density: float = 0.1,
    start: str = "2022-01",
    path: str | PathLike[str] | None = None,
    format: str = "parquet",
) -> Network:
    """Generate a dealer network's sales lines and parts master (see the module notes).

    Parameters
    ----------
    n_dealers, n_parts, n_months : int
        Network size; about ``density x n_dealers x n_parts`` dealer x part series.
    seed : int
        Everything is reproducible from it.
    density : float
        Mean share of the parts a dealer sells, in (0, 1].
    start : ``YYYY-MM``
        The first month.
    path : folder, optional
        Write ``history.<format>`` and ``parts.<format>`` there, streaming series in
        chunks so that memory stays bounded; otherwise return DataFrames.
    format : {"parquet", "csv"}

    Returns
    -------
    Network

    Raises
    ------
    ConfigError
        A size that is not a whole number >= 1, a density outside (0, 1], an unknown format.

    Examples
    --------
    >>> net = make_network(3, 50, 12, seed=1)
    >>> sorted(net.history.columns), net.history["dealer"].nunique()
    (['date', 'dealer', 'part', 'quantity'], 3)
    """
    for name, value in (("n_dealers", n_dealers), ("n_parts", n_parts), ("n_months", n_months)):
        number(name, value, least=1, whole=True)
    number("density", density, least=0, greatest=1, open_low=True, hint="The mean share of the parts a dealer sells.")
    one_of("format", format, ("parquet", "csv"))
    rng = np.random.default_rng(seed)
    dealers = np.array([f"D{i:04d}" for i in range(1, n_dealers + 1)], dtype=object)
    parts = _part_numbers(n_parts)
    master = _parts_master(parts, rng)
    first = pd.Period(start, freq="M")
    month_start = pd.period_range(first, periods=n_months, freq="M").to_timestamp().to_numpy().astype("datetime64[D]")

    chunks = _history_chunks(n_dealers, n_parts, n_months, density, rng)
    if path is None:
        frames, n_series = [], 0
        for dealer_code, part_code, month, day, quantity, count in chunks:
            frames.append((dealer_code, part_code, month_start[month] + day, quantity))
            n_series += count
        dealer_code, part_code, date, quantity = (np.concatenate(x) for x in zip(*frames))
        history = pd.DataFrame({
            "dealer": pd.Categorical.from_codes(dealer_code, categories=dealers),
            "part": pd.Categorical.from_codes(part_code, categories=parts),
            "date": date.astype("datetime64[ns]"),
            "quantity": quantity,
        })
        history["dealer"] = history["dealer"].astype(str)
        history["part"] = history["part"].astype(str)
        return Network(history, master, n_series, len(history))
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    history_path = folder / f"history.{format}"
    parts_path = folder / f"parts.{format}"
    n_series, n_lines = _write_history(chunks, history_path, format, dealers, parts, month_start)
    if format == "parquet":
        master.to_parquet(parts_path, index=False)
    else:
        master.to_csv(parts_path, index=False)
    return Network(None, None, n_series, n_lines, history_path, parts_path)


def _part_numbers(n_parts: int) -> np.ndarray:
    """Zero-padded 8-digit part numbers (leading zeros, as in real catalogues)."""
    return np.char.zfill(np.arange(1, n_parts + 1).astype(str), 8).astype(object)


def _parts_master(parts: np.ndarray, rng: np.random.Generator) -> pd.DataFrame:
    n = len(parts)
    attribute = rng.choice(np.array(["A", "B", "C"]), size=n, p=[0.40, 0.45, 0.15])
    cost = np.exp(rng.normal(np.log(60.0), 1.2, size=n)) * np.where(attribute == "C", np.e ** 2, 1.0)
    lead = rng.choice([1, 2, 3, 5, 7, 10, 14, 30], size=n, p=[0.05, 0.10, 0.15, 0.20, 0.20, 0.15, 0.10, 0.05])
    cycle = rng.choice([1, 7, 14], size=n, p=[0.2, 0.6, 0.2])
    direct = rng.random(n) < 0.03
    lead[direct] = 0
    cycle[direct] = 0
    names = {"A": "wear part", "B": "common part", "C": "assembly"}
    return pd.DataFrame({
        "part": parts.astype(str),
        "description": [names[a] for a in attribute],
        "unit_cost": np.round(cost, 2),
        "lead_time_days": lead,
        "order_cycle_days": cycle,
        "attribute": attribute,
        "pack_size": rng.choice([1, 2, 4, 10], size=n, p=[0.7, 0.15, 0.1, 0.05]),
    })


def _history_chunks(
    n_dealers: int, n_parts: int, n_months: int, density: float, rng: np.random.Generator
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]]:
    """Yield (dealer code, part code, month, day offset, quantity, series count) line blocks."""
    popularity = np.exp(rng.normal(0.0, 1.5, size=n_parts))
    popularity /= popularity.mean()
    size = np.exp(rng.normal(0.0, 0.6, size=n_dealers))
    size /= size.mean()
    block = max(1, _CHUNK_PAIRS // n_parts)  # dealers per block: bounds the dealer x part chance matrix
    a, b = CALIBRATION["occurrence_beta"]
    r = CALIBRATION["size_dispersion"]
    for d0 in range(0, n_dealers, block):
        d1 = min(n_dealers, d0 + block)
        chance = np.minimum(1.0, density * size[d0:d1, None] * popularity[None, :])
        dealer_code, part_code = np.nonzero(rng.random(chance.shape) < chance)
        dealer_code = (dealer_code + d0).astype(np.int32)
        part_code = part_code.astype(np.int32)
        count = len(dealer_code)
        if count == 0:
            continue
        occurrence = rng.beta(a, b, size=count)
        mean_extra = np.exp(rng.normal(CALIBRATION["size_log_mean"], CALIBRATION["size_log_sigma"], size=count))
        series, month = np.nonzero(rng.random((count, n_months)) < occurrence[:, None])
        count = len(np.unique(series))  # a series with no demand in any month has no line: it does not exist
        extra = mean_extra[series]
        quantity = 1 + rng.negative_binomial(r, r / (r + extra)).astype(np.int64)
        # a month's demand is one line, or two lines for 20 % of the months with 2+ units
        split = (quantity >= 2) & (rng.random(len(quantity)) < 0.2)
        first = np.where(split, rng.integers(1, np.maximum(quantity, 2)), quantity)
        series = np.concatenate([series, series[split]])
        month = np.concatenate([month, month[split]])
        quantity = np.concatenate([first, quantity[split] - first[split]])
        # about 1 % of all lines are returns: a negative line of 1-2 units after a sale of that month
        n_returns = rng.binomial(len(quantity), 0.01 / 0.99)
        picked = rng.integers(0, len(quantity), size=n_returns)
        series = np.concatenate([series, series[picked]])
        month = np.concatenate([month, month[picked]])
        quantity = np.concatenate([quantity, -np.minimum(quantity[picked], rng.integers(1, 3, size=n_returns))])
        day = rng.integers(0, 28, size=len(quantity)).astype("timedelta64[D]")
        order = np.lexsort((day, month, series))
        yield (dealer_code[series[order]], part_code[series[order]], month[order], day[order],
               quantity[order].astype(np.int32), count)


def _write_history(chunks: Iterator[tuple[np.ndarray, ...]], path: Path, format: str, dealers: np.ndarray,
                   parts: np.ndarray, month_start: np.ndarray) -> tuple[int, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    dealer_dict = pa.array(dealers.astype(str))
    part_dict = pa.array(parts.astype(str))
    n_series = n_lines = 0
    writer = None
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with open(tmp, "wb") as fh:
            for dealer_code, part_code, month, day, quantity, count in chunks:
                date = month_start[month] + day
                table = pa.table({
                    "dealer": pa.DictionaryArray.from_arrays(pa.array(dealer_code), dealer_dict),
                    "part": pa.DictionaryArray.from_arrays(pa.array(part_code), part_dict),
                    "date": pa.array(date, type=pa.date32()),
                    "quantity": pa.array(quantity),
                })
                if format == "parquet":
                    if writer is None:
                        writer = pq.ParquetWriter(fh, table.schema)
                    writer.write_table(table)
                else:
                    import pyarrow.csv as pacsv

                    plain = table.cast(pa.schema([("dealer", pa.string()), ("part", pa.string()),
                                                  ("date", pa.date32()), ("quantity", pa.int32())]))
                    pacsv.write_csv(plain, fh, pacsv.WriteOptions(include_header=n_lines == 0))
                n_series += count
                n_lines += len(quantity)
            if writer is not None:
                writer.close()
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return n_series, n_lines
