"""The synthetic network looks like carparts, and is reproducible (spareopt.synth)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import spareopt
from spareopt.synth import CALIBRATION, make_network


@pytest.fixture(scope="module")
def network():
    return make_network(40, 1_500, 36, seed=3)


@pytest.fixture(scope="module")
def matrix(network):
    return spareopt.demand_matrix(spareopt.load_history(network.history))


def test_zero_share_matches_carparts(matrix):
    # carparts: 74.8 % of its monthly cells are 0
    assert abs((matrix.values == 0).mean() - CALIBRATION["carparts_zero_share"]) < 0.03


def test_nonzero_sizes_match_carparts_quantiles(matrix):
    # carparts non-zero sizes: 1 / 1 / 1 / 2 / 4 / 5 / 10 at 10/25/50/75/90/95/99 %
    sizes = matrix.values[matrix.values > 0]
    for q, expected in CALIBRATION["carparts_size_quantiles"].items():
        assert abs(np.quantile(sizes, q) - expected) <= (1 if q < 0.99 else 2), q


def test_most_parts_are_slow(matrix):
    # carparts: the median series sells in about 1 month out of 5; a slow part here = demand in < half the months
    share_of_months_with_demand = (matrix.values > 0).mean(axis=1)
    assert np.median(share_of_months_with_demand) < 0.3
    assert (share_of_months_with_demand < 0.5).mean() > 0.8


def test_dealers_sell_different_sparse_subsets(network):
    pairs = network.history[["dealer", "part"]].drop_duplicates()
    per_dealer = pairs.groupby("dealer")["part"].agg(frozenset)
    assert per_dealer.nunique() == len(per_dealer) == 40
    share = pairs.groupby("dealer").size() / 1_500
    assert share.max() < 0.5 and share.mean() < 0.15  # density 0.1: sparse


def test_returns_are_about_one_percent_of_lines(network):
    assert 0.007 < (network.history["quantity"] < 0).mean() < 0.013


def test_master_varies_prices_attributes_and_cycles(network):
    parts = network.parts
    assert len(parts) == 1_500 and parts["part"].str.len().eq(8).all() and parts["part"].iloc[0] == "00000001"
    log_cost = np.log(parts.loc[parts["attribute"] != "C", "unit_cost"])
    assert abs(log_cost.median() - np.log(60)) < 0.15 and 1.0 < log_cost.std() < 1.4  # lognormal(log 60, 1.2)
    assert set(parts["attribute"]) == {"A", "B", "C"}
    assert parts["lead_time_days"].nunique() > 4 and (parts["order_cycle_days"] == 0).any()


def test_same_seed_same_network_other_seed_other_network():
    a, b, c = (make_network(5, 200, 12, seed=s).history for s in (1, 1, 2))
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


@pytest.mark.parametrize("format", ["parquet", "csv"])
def test_written_network_reads_back_as_the_returned_one(tmp_path, format):
    written = make_network(6, 300, 12, seed=5, path=tmp_path, format=format)
    returned = make_network(6, 300, 12, seed=5)
    assert written.n_lines == returned.n_lines and written.n_series == returned.n_series
    from_file = spareopt.must_stock(written.history_path, written.parts_path).table
    in_memory = spareopt.must_stock(returned.history, returned.parts).table
    pd.testing.assert_frame_equal(from_file, in_memory)
    assert len(from_file) == returned.n_series


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="density"):
        make_network(2, 10, 12, density=0)
    with pytest.raises(ValueError, match=">= 1"):
        make_network(0, 10, 12)
