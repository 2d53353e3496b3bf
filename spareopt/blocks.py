"""Blocks of series, computed on the machine's cores.

A computation whose every series is its own (a fit, a plan's service) runs over the catalogue in blocks of
rows: each block's temporaries stay small enough for the allocator to reuse (a fresh page costs more than
the arithmetic on it), and the blocks run on a pool of threads, as numpy and scipy release the GIL inside
their loops.  Each block writes its own rows of arrays allocated beforehand, so the result is the same, bit
for bit, whatever the number of threads or the order the blocks finish in.

The number of threads is the ``SPAREOPT_THREADS`` environment variable, else the cores this process may use.
"""

from __future__ import annotations

import contextvars
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

__all__ = ["BLOCK_ROWS", "for_each_block", "threads"]

BLOCK_ROWS = 1 << 16
"""Series in a block: 65,536 rows of 24 months of float64 are 12.6 MB, below glibc's largest mmap threshold
(32 MB), so a block's temporaries come from the heap and are reused by the next block."""


def threads() -> int:
    """Worker threads for blocks of series: ``SPAREOPT_THREADS`` (a whole number >= 1), else the cores this
    process may run on."""
    value = os.environ.get("SPAREOPT_THREADS", "").strip()
    if value.isdigit() and int(value) >= 1:
        return int(value)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def for_each_block(fn: Callable[[slice], None], n: int, size: int = BLOCK_ROWS) -> None:
    """Call ``fn(rows)`` for every block ``rows = slice(start, start + size)`` of ``range(n)``, on :func:`threads`
    threads when there is more than one block.  ``fn`` writes its results into its own rows; it runs in a copy of
    the caller's context (numpy's ``errstate`` holds in every thread); an exception in any block is raised here."""
    blocks = [slice(start, min(start + size, n)) for start in range(0, n, size)]
    workers = min(threads(), len(blocks))
    if workers <= 1:
        for rows in blocks:
            fn(rows)
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="spareopt-block") as pool:
        for future in [pool.submit(contextvars.copy_context().run, fn, rows) for rows in blocks]:
            future.result()
