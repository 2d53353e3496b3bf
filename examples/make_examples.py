"""Rebuild the bundled example data from ../shared/data/carparts (run from the repository root).

    python examples/make_examples.py

carparts_sample.csv
    A real subset of the carparts data set (2,674 US car-maker parts x 51 months,
    Hyndman et al. 2008; Monash archive copy, CC BY 4.0): the 40 parts with the
    most units in the last 6 months, 100 other complete series drawn at random
    (seed SEED = 1), and 10 series that stop early (their empty quantity cells are kept,
    as "no record").  Values are unchanged.
parts_master.csv
    An ILLUSTRATIVE parts master for those parts: descriptions, costs, supply
    cycles, attributes, commonality and criticality are made up (seeded) to exercise every rule of the
    seed method; 5 parts are left out on purpose to show the defaults.  The last-buy columns
    (status, end_of_production, unit_volume, shortage_cost, salvage_value) mark 15 parts
    discontinued and 5 out of production from 2001-06.
stock.csv
    An ILLUSTRATIVE network stock snapshot of every part (on_hand, on_order, reserved).
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent
SEED = 1
SOURCE = HERE.parent.parent / "shared" / "data" / "carparts" / "carparts_long.csv"

NAMES = {
    "A": ["oil filter", "air filter", "cabin filter", "brake pad set", "wiper blade", "spark plug", "brake disc",
          "drive belt", "bulb H7", "fuel filter"],
    "B": ["reversing-light switch", "door handle", "mirror glass", "thermostat", "wheel bearing", "shock absorber",
          "radiator hose", "ignition coil", "horn", "window regulator"],
    "C": ["cylinder block assembly", "clutch housing assembly", "gearbox assembly", "steering rack assembly",
          "turbocharger assembly"],
}


def main() -> None:
    raw = pd.read_csv(SOURCE, dtype={"part_id": str})
    wide = raw.pivot(index="part_id", columns="period", values="quantity")
    complete = wide.notna().all(axis=1)
    last6 = wide.iloc[:, -6:].fillna(0).sum(axis=1)
    top = last6[complete].sort_values(ascending=False, kind="stable").index[:40]
    rng = np.random.default_rng(SEED)
    rest = wide.index[complete & ~wide.index.isin(top)]
    others = rng.choice(np.asarray(rest), size=100, replace=False)
    stopped = np.asarray(wide.index[~complete])[:10]
    chosen = sorted(set(top) | set(others) | set(stopped))
    sample = raw[raw["part_id"].isin(chosen)].astype({"quantity": "Int64"})
    sample.to_csv(HERE / "carparts_sample.csv", index=False)

    n = len(chosen)
    attribute = rng.choice(["A", "B", "C"], size=n, p=[0.50, 0.46, 0.04])
    cost = np.round(np.exp(rng.normal(3.5, 1.0, size=n)), 2)
    cost[attribute == "C"] = np.round(np.exp(rng.normal(7.5, 0.5, size=(attribute == "C").sum())), 2)
    lead = rng.choice([1, 2, 3, 5, 7, 10], size=n)
    cycle = rng.choice([1, 7, 14], size=n)
    oils = rng.choice(np.flatnonzero(attribute == "A"), size=3, replace=False)
    lead[oils] = 0
    cycle[oils] = 0
    description = [NAMES[a][i % len(NAMES[a])] for i, a in enumerate(attribute)]
    for i in oils:
        description[i] = "engine oil 5W-30 (direct supply)"
    extra = np.random.default_rng(SEED + 1)  # its own stream: the columns above stay as they were
    commonality = extra.integers(1, 13, size=n)  # car models using the part
    criticality = extra.choice([1.0, 0.5, 0.01], size=n, p=[0.2, 0.3, 0.5])  # high, moderate, low (as Flores 1992)
    master = pd.DataFrame({
        "part": chosen, "description": description, "unit_cost": cost, "lead_time_days": lead,
        "order_cycle_days": cycle, "attribute": attribute, "pack_size": 1, "commonality": commonality,
        "criticality": criticality,
    })
    master = master.drop(index=rng.choice(n, size=5, replace=False))
    master = _phase_out(master, set(stopped))
    master.to_csv(HERE / "parts_master.csv", index=False)
    stock = _stock(sample)
    stock.to_csv(HERE / "stock.csv", index=False)
    print(f"{len(sample):,} history rows, {len(chosen)} parts; master {len(master)} parts; stock {len(stock)} rows")


def _phase_out(master: pd.DataFrame, stopped: set[str]) -> pd.DataFrame:
    """The last-buy columns, from their own random stream (the columns above stay as they were).

    ``status`` discontinued for the parts whose series stop early and 5 others;
    ``end_of_production`` 2001-06 for 5 more (planned once as_of passes it);
    ``unit_volume`` in litres; ``shortage_cost`` 2-5 x unit_cost (an alternative
    source or a goodwill payment); ``salvage_value`` 10% of unit_cost.
    """
    late = np.random.default_rng(SEED + 2)
    n = len(master)
    in_stopped = master["part"].isin(stopped).to_numpy()
    others = late.choice(np.flatnonzero(~in_stopped), size=10, replace=False)
    status = np.where(in_stopped, "discontinued", "active").astype(object)
    status[others[:5]] = "discontinued"
    eop = np.full(n, "", dtype=object)
    eop[others[5:]] = "2001-06"
    cost = master["unit_cost"].to_numpy()
    return master.assign(
        status=status, end_of_production=eop,
        unit_volume=np.round(late.uniform(0.1, 5.0, size=n) * np.where(master["attribute"] == "C", 20, 1), 1),
        shortage_cost=np.round(cost * late.uniform(2.0, 5.0, size=n), 2),
        salvage_value=np.round(cost * 0.1, 2),
    )


def _stock(sample: pd.DataFrame) -> pd.DataFrame:
    """An ILLUSTRATIVE network stock snapshot (no dealer column: the sample has none) of every part.

    on_hand ~ Poisson(recent monthly demand x U(0, 3)), so some parts sit below their reorder point
    and some above their maximum; parts without demand in the last 12 months hold 1-5 units half of
    the time (dead stock); a few units are on order or reserved.
    """
    rng = np.random.default_rng(SEED + 3)
    wide = sample.pivot(index="part_id", columns="period", values="quantity").astype(float).fillna(0)
    recent = wide.iloc[:, -6:].mean(axis=1).to_numpy()
    idle = wide.iloc[:, -12:].sum(axis=1).to_numpy() == 0
    n = len(wide)
    on_hand = rng.poisson(recent * rng.uniform(0, 3, n))
    on_hand = np.where(idle, np.where(rng.random(n) < 0.5, rng.integers(1, 6, n), 0), on_hand)
    return pd.DataFrame({"part": wide.index, "on_hand": on_hand,
                         "on_order": np.where(rng.random(n) < 0.2, rng.integers(1, 4, n), 0),
                         "reserved": np.where(rng.random(n) < 0.1, 1, 0)})


if __name__ == "__main__":
    main()
