"""A preset's value map (any case, '' for blanks, '*' for the rest) gives, row by row, what a
plain Python lookup gives, and its notes count rows, however often each value repeats."""
import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools import _derive

RAW = st.sampled_from(["Call", " call", "CALL ", "List Email", "Webinar", "webinar", "", "  ",
                       None, np.nan, 7])
MAPS = st.sampled_from([{"call": "call", "list email": "email"},
                        {"call": "call", "*": "other"},
                        {"Call": "call", "": "(blank)", "*": "other"},
                        {"": "(blank)"}])


def python_lookup(values, value_map):
    lowered = {k.lower(): v for k, v in value_map.items() if k != "*"}
    out, blank, other = [], 0, 0
    for value in values:
        if value is None or value != value:  # missing stays missing
            out.append(None)
            continue
        text = str(value).strip()
        blank += text == ""
        if text.lower() in lowered:
            out.append(lowered[text.lower()])
        elif "*" in value_map:
            out.append(value_map["*"])
            other += 1
        else:
            out.append(text)
    return out, blank, other


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(RAW, max_size=12), MAPS, st.booleans())
def test_value_map_is_a_row_by_row_lookup(raw, value_map, as_str):
    values = pd.Series(raw, dtype="str" if as_str else object)
    notes = []
    result = _derive._map_values(values, value_map, "f.csv", "activities.kind", notes)
    expected, blank, other = python_lookup(values.tolist(), value_map)
    assert [None if pd.isna(v) else v for v in result] == expected
    assert result.index.equals(values.index)
    counted = {"blank": blank if "" in value_map else 0, "other": other if "*" in value_map else 0}
    assert [n.split(": ")[1].split(" ")[0] for n in notes] == [
        str(counted[kind]) for kind in ("blank", "other") if counted[kind]]
