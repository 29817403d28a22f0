"""The Arrow allocator a load runs with.

pyarrow's default allocator (mimalloc) is slow to hand out fresh memory on machines like the
benchmark's: it took three times as long as jemalloc or the C library's to join 500 MB of
text, and at scale 200 a Parquet load ran 40% slower and 11% bigger with it (6.7-7.0 s
against 4.8-5.0 s), a CSV load 36% slower (benchmarks/README.md). ``load_crm`` therefore allocates from jemalloc where pyarrow
has it (its Linux and macOS builds), and gives the default back afterwards: every buffer
remembers its allocator, so freeing one later is safe whichever is the default by then.
"""
from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import pyarrow as pa


def load_pool() -> pa.MemoryPool | None:
    """jemalloc, unless pyarrow lacks it or ARROW_DEFAULT_MEMORY_POOL chooses an allocator."""
    if os.environ.get("ARROW_DEFAULT_MEMORY_POOL"):
        return None
    try:
        return pa.jemalloc_memory_pool()
    except NotImplementedError:
        return None


@contextmanager
def allocating_for_a_load() -> Iterator[None]:
    """Arrow allocates from :func:`load_pool` inside the block, from its default after it.

    Examples
    --------
    >>> before = pa.default_memory_pool().backend_name
    >>> with allocating_for_a_load():
    ...     pass
    >>> pa.default_memory_pool().backend_name == before
    True
    """
    default = pa.default_memory_pool()
    pa.set_memory_pool(load_pool() or default)
    try:
        yield
    finally:
        pa.set_memory_pool(default)
