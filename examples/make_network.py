"""Deal the carparts history out to a network of dealers, for the two-echelon comparison of the README.

    python examples/make_network.py carparts_8_dealers.csv
    spareopt optimize carparts_8_dealers.csv --budget 5000 --echelons 2 --config examples/carparts_evaluate.toml

carparts (Hyndman et al. 2008; Monash archive copy, CC BY 4.0, in ``../shared/data/carparts``) is one
network total per part and month.  Each part-month's units are dealt to the dealers at random, each unit
to any dealer with the same chance (a multinomial draw, numpy's ``default_rng(seed)``): the network's
totals are the real ones, and each dealer sees a thinned, slower copy of the part's demand, as the dealers
of a real network do.  Empty quantity cells (no record) are left out; a dealer that gets no unit of a
part-month has no line for it.  The file is not committed: it is made from the data where it lies.  The
bundled ``network_sample.csv`` is ``carparts_sample.csv`` dealt out the same way (``--dealers 3 --source
examples/carparts_sample.csv``), for the README's dealer packs.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

SOURCE = Path(__file__).parent.parent.parent / "shared" / "data" / "carparts" / "carparts_long.csv"


def dealer_network(history: pd.DataFrame, dealers: int = 8, seed: int = 8) -> pd.DataFrame:
    """Deal every part-month's units of ``history`` (``part_id``, ``period``, ``quantity``) to ``dealers``
    dealers D0, D1, ..., each unit to each dealer with chance 1 / ``dealers``.

    Returns the lines ``dealer``, ``part``, ``period``, ``quantity`` with quantity > 0, by dealer, part and
    period.  The units of every part-month add up to the history's.

    >>> history = pd.DataFrame({"part_id": ["P", "P"], "period": ["2024-01", "2024-02"], "quantity": [5, 3]})
    >>> network = dealer_network(history, dealers=3, seed=1)
    >>> network.groupby("period")["quantity"].sum().tolist()
    [5, 3]
    """
    if dealers < 1:
        raise ValueError(f"dealers must be >= 1; got {dealers}")
    known = history[history["quantity"].notna()]
    units = known["quantity"].to_numpy(dtype=np.int64)
    if (units < 0).any():
        raise ValueError("the history has negative quantities; this deals out sales only")
    split = np.random.default_rng(seed).multinomial(units, np.full(dealers, 1.0 / dealers))  # (lines, dealers)
    line, dealer = np.nonzero(split)
    out = pd.DataFrame({
        "dealer": np.char.add("D", dealer.astype(str)),
        "part": known["part_id"].to_numpy()[line],
        "period": known["period"].to_numpy()[line],
        "quantity": split[line, dealer],
    })
    return out.sort_values(["dealer", "part", "period"], kind="stable").reset_index(drop=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", help="the network's history, a CSV file")
    parser.add_argument("--dealers", type=int, default=8, help="dealers in the network (default 8)")
    parser.add_argument("--seed", type=int, default=8, help="the random deal's seed (default 8)")
    parser.add_argument("--source", default=str(SOURCE), help="carparts_long.csv (default: ../shared/data)")
    args = parser.parse_args()
    network = dealer_network(pd.read_csv(args.source, dtype={"part_id": str}), args.dealers, args.seed)
    network.to_csv(args.output, index=False)
    print(f"{args.output}: {len(network):,} lines, {args.dealers} dealers, {network['part'].nunique():,} parts")


if __name__ == "__main__":
    main()
