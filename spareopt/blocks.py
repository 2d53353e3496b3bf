"""Blocks of series, computed on the machine's cores.

A computation whose every series is its own (a fit, a plan's service) runs over the catalogue in blocks of
rows: each block's temporaries stay small enough for the allocator to reuse (a fresh page costs more than
the arithmetic on it), and the blocks run on a pool of threads, as numpy and scipy release the GIL inside
their loops.  Each block writes its own rows of arrays allocated beforehand, so the result is the same, bit
for bit, whatever the number of threads or the order the blocks finish in.

The number of threads is the ``SPAREOPT_THREADS`` environment variable, else the cores this process may use.

:func:`large_run_memory` sets a process's allocators for a run over a whole network (the command-line tool
calls it first): on the 2-core virtual machines measured, a fresh transparent huge page cost 2 to 6 times the
small pages it replaces, and the first touch of fresh memory was a third of must-stock's wall time.
"""

from __future__ import annotations

import contextvars
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["BLOCK_ROWS", "for_each_block", "large_run_memory", "threads"]

BLOCK_ROWS = 1 << 16
"""Series in a block: 65,536 rows of 24 months of float64 are 12.6 MB, below glibc's largest mmap threshold
(32 MB), so a block's temporaries come from the heap and are reused by the next block."""


def threads() -> int:
    """Worker threads for blocks of series: ``SPAREOPT_THREADS`` (a whole number >= 1), else one inside a Dask
    worker (its own threads run the tasks side by side), else the cores this process may run on."""
    value = os.environ.get("SPAREOPT_THREADS", "").strip()
    if value.isdigit() and int(value) >= 1:
        return int(value)
    distributed = sys.modules.get("distributed")  # imported only where Dask runs already
    if distributed is not None:
        try:
            distributed.get_worker()
            return 1
        except (ValueError, AttributeError):  # not in a worker's task
            pass
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def for_each_block(fn: Callable[[slice], None], n: int, size: int | None = None) -> None:
    """Call ``fn(rows)`` for every block ``rows = slice(start, start + size)`` of ``range(n)`` (``size`` default
    :data:`BLOCK_ROWS`), on :func:`threads`
    threads when there is more than one block.  ``fn`` writes its results into its own rows; it runs in a copy of
    the caller's context (numpy's ``errstate`` holds in every thread); an exception in any block is raised here."""
    size = size or BLOCK_ROWS
    blocks = [slice(start, min(start + size, n)) for start in range(0, n, size)]
    workers = min(threads(), len(blocks))
    if workers <= 1:
        for rows in blocks:
            fn(rows)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="spareopt-block") as pool:
        for future in [pool.submit(contextvars.copy_context().run, fn, rows) for rows in blocks]:
            future.result()


def large_run_memory() -> dict[str, str]:
    """Set this process's allocators for a large run, unless its environment already chose; returns what it set.

    - numpy's large arrays without ``madvise(MADV_HUGEPAGE)`` (numpy's own switch, ``NUMPY_MADVISE_HUGEPAGE=0``):
      320 MB of fresh float64 took 0.23 to 0.65 s in huge pages against 0.10 s in small ones, and must-stock at
      medium 6.7 to 7.7 s against 5.5 to 5.8 s;
    - pyarrow's default memory pool jemalloc (``ARROW_DEFAULT_MEMORY_POOL``), which kept must-stock's peak
      memory about 0.2 GB lower than mimalloc.

    A process-wide choice: a program that imports spareopt as a library keeps its own unless it calls this.
    """
    done = {}
    if "NUMPY_MADVISE_HUGEPAGE" not in os.environ:
        import numpy as np

        switch = getattr(getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None)
        if switch is not None:
            switch(False)
            done["NUMPY_MADVISE_HUGEPAGE"] = "0"
    if "ARROW_DEFAULT_MEMORY_POOL" not in os.environ:
        import pyarrow as pa

        try:
            pa.set_memory_pool(pa.jemalloc_memory_pool())
            done["ARROW_DEFAULT_MEMORY_POOL"] = "jemalloc"
        except (NotImplementedError, pa.ArrowException):  # a build without jemalloc keeps its default
            pass
    return done
