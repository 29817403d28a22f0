"""Work on big columns spread over the machine's CPUs (private): the loader parses a table's
text and date columns side by side and looks foreign keys up in pieces (at scale 200 on 2
CPUs, a Parquet load takes 4.7 s instead of 5.5-6.5 s, a CSV load 7.8 s instead of 8.9 s;
benchmarks/README.md).

Arrow's compute kernels and most NumPy operations let go of Python's GIL, so threads run them
side by side. Results always come back in the order the work was given: what the caller
records (problems, notes) does not depend on which thread finished first.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# The CPUs this process may use (a container or `taskset` can allow fewer than the machine has).
THREADS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
              else os.cpu_count() or 1)
ROWS_PER_THREAD = 1_000_000  # below this, handing work to threads costs more than it saves


def each(func, items: list, rows: int) -> list:
    """``[func(item) for item in items]``, run in threads when the items hold ``rows`` rows
    in all, enough to be worth it.

    Examples
    --------
    >>> each(len, ["ab", "c"], rows=3)
    [2, 1]
    """
    if THREADS == 1 or len(items) < 2 or rows < ROWS_PER_THREAD:
        return [func(item) for item in items]
    with ThreadPoolExecutor(min(THREADS, len(items))) as pool:
        return list(pool.map(func, items))


def pieces(rows: int) -> list[tuple[int, int]]:
    """(start, length) of near-equal pieces of ``rows`` rows, one per CPU for big work.

    Examples
    --------
    >>> pieces(10)
    [(0, 10)]
    """
    parts = THREADS if rows >= ROWS_PER_THREAD else 1
    edges = np.linspace(0, rows, parts + 1).astype(int)
    return [(int(a), int(b - a)) for a, b in zip(edges[:-1], edges[1:])]
