"""What remains of the old value parsers, for modules outside the loader that still import it.

The loader parses values with :mod:`kpitools.io.values`.
"""
from __future__ import annotations

import pandas as pd
import pyarrow as pa

from kpitools.schema import TEXT  # noqa: F401  (imported from here by kpitools.sample)


def arrow_text(values: pd.Series) -> pa.Array:
    """A text column as an Arrow array for Arrow's kernels (no copy for pandas' "str" dtype).

    Examples
    --------
    >>> arrow_text(pd.Series(["a", None])).to_pylist()
    ['a', None]
    """
    return pa.array(values.astype("str").array)
