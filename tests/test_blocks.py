"""spareopt.blocks: blocks of series on a pool of threads, each writing its own rows."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spareopt.blocks import for_each_block, threads


@pytest.mark.parametrize(("n", "size"), [(0, 4), (1, 4), (10, 3), (12, 4), (1000, 7)])
def test_every_row_is_in_exactly_one_block(n, size):
    seen = np.zeros(n, dtype=np.int64)
    lock = threading.Lock()

    def visit(rows: slice) -> None:
        assert 0 < rows.stop - rows.start <= size
        with lock:
            seen[rows] += 1

    for_each_block(visit, n, size)
    assert (seen == 1).all()


@pytest.mark.parametrize("workers", ["1", "2", "5"])
def test_the_result_does_not_depend_on_the_threads(workers, monkeypatch):
    x = np.random.default_rng(0).gamma(0.5, 3.0, 100_003)
    out = np.empty_like(x)

    def block(rows: slice) -> None:
        out[rows] = np.log1p(x[rows]) * np.sqrt(x[rows])

    monkeypatch.setenv("SPAREOPT_THREADS", workers)
    for_each_block(block, x.size, 4_096)
    np.testing.assert_array_equal(out, np.log1p(x) * np.sqrt(x))


def test_a_failing_block_raises_in_the_caller(monkeypatch):
    monkeypatch.setenv("SPAREOPT_THREADS", "2")

    def block(rows: slice) -> None:
        if rows.start == 8:
            raise ValueError("block 8")

    with pytest.raises(ValueError, match="block 8"):
        for_each_block(block, 20, 4)


def test_the_callers_errstate_holds_in_every_thread(monkeypatch):
    monkeypatch.setenv("SPAREOPT_THREADS", "2")
    x = np.zeros(64)

    def block(rows: slice) -> None:
        np.log(x[rows])  # divide by zero: silenced by the caller's errstate

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="ignore"):
            for_each_block(block, x.size, 8)


@pytest.mark.parametrize(("value", "expected"), [("3", 3), ("1", 1), (" 2 ", 2)])
def test_threads_reads_spareopt_threads(value, expected, monkeypatch):
    monkeypatch.setenv("SPAREOPT_THREADS", value)
    assert threads() == expected


@pytest.mark.parametrize("value", ["", "0", "-2", "two"])
def test_threads_without_a_whole_number_uses_the_cores(value, monkeypatch):
    import os

    monkeypatch.setenv("SPAREOPT_THREADS", value)
    assert threads() == len(os.sched_getaffinity(0))


def test_large_run_memory_sets_small_pages_and_jemalloc_unless_the_environment_chose(monkeypatch):
    import pyarrow as pa

    from spareopt.blocks import large_run_memory

    switch = np._core.multiarray._set_madvise_hugepage
    before_pages, before_pool = switch(True), pa.default_memory_pool()
    try:
        monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
        monkeypatch.delenv("ARROW_DEFAULT_MEMORY_POOL", raising=False)
        done = large_run_memory()
        assert done.get("NUMPY_MADVISE_HUGEPAGE") == "0"
        assert switch(False) is False  # huge pages were off
        if "ARROW_DEFAULT_MEMORY_POOL" in done:
            assert pa.default_memory_pool().backend_name == "jemalloc"
        switch(True)
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")
        monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")
        assert large_run_memory() == {}
        assert switch(True) is True  # left as the environment chose
    finally:
        switch(before_pages)
        pa.set_memory_pool(before_pool)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 40), st.sampled_from([3, 8, 50]))
def test_ranking_whole_groups_in_blocks_is_the_ranking_of_all(seed, groups, block_rows):
    """rank_within_groups cuts rows already in (group, order) order into blocks of whole groups, sorted on the
    threads: the permutation is lexsort's, ties, a NaN second key and groups larger than a block included."""
    from spareopt import blocks
    from spareopt._sort import rank_within_groups

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 400))
    g = np.sort(rng.integers(0, groups, n))
    first = rng.choice([0.0, 1.0, 2.5, 7.0], n)
    second = rng.choice([0.0, 1.0, np.nan, 2.0], n)
    expected = np.lexsort((np.arange(n), -second, -first, g))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(blocks, "BLOCK_ROWS", block_rows)
        patch.setenv("SPAREOPT_THREADS", "2")
        got = rank_within_groups(g, [first, second], None)
    np.testing.assert_array_equal(got, expected)


def test_a_dask_workers_task_uses_one_thread(monkeypatch):
    import types

    monkeypatch.delenv("SPAREOPT_THREADS", raising=False)

    def in_a_task() -> object:
        return object()

    def not_in_a_task() -> object:
        raise ValueError("No worker found")

    monkeypatch.setitem(__import__("sys").modules, "distributed", types.SimpleNamespace(get_worker=in_a_task))
    assert threads() == 1
    monkeypatch.setitem(__import__("sys").modules, "distributed", types.SimpleNamespace(get_worker=not_in_a_task))
    assert threads() >= 1
    monkeypatch.setenv("SPAREOPT_THREADS", "3")
    monkeypatch.setitem(__import__("sys").modules, "distributed", types.SimpleNamespace(get_worker=in_a_task))
    assert threads() == 3
