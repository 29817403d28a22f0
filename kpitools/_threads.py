"""Work on big columns spread over the machine's CPUs (private).

Arrow's compute kernels and most NumPy operations let go of Python's GIL, so threads run them
side by side. Results always come back in the order the work was given: what the caller
records (problems, notes) does not depend on which thread finished first.
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pyarrow as pa

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


def piecewise(func, values: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """``func`` (an Arrow array in, one of the same length out, row by row) applied to one
    piece of ``values`` per CPU side by side, the pieces joined back in order.

    Examples
    --------
    >>> import pyarrow.compute as pc
    >>> piecewise(pc.utf8_upper, pa.array(["a", None, "b"])).to_pylist()
    ['A', None, 'B']
    """
    parts = each(lambda piece: func(values.slice(*piece)), pieces(len(values)), len(values))
    return pa.chunked_array([chunk for part in parts for chunk in (
        part.chunks if isinstance(part, pa.ChunkedArray) else [part])], type=parts[0].type)
