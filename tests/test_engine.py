"""Preset derivations give, row by row, what plain Python gives: value maps (any case, '' for
blanks, '*' for the rest) and record IDs (18-character Salesforce IDs cut to 15, values without
the ID prefix left out); their notes count rows, however often each value repeats."""
import re
from types import SimpleNamespace

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from kpitools.io import engine, labels
from kpitools.io.report import Log

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
    log = Log()
    result = labels.map_values(values, value_map, "f.csv", "activities.kind", log)
    expected, blank, other = python_lookup(values.tolist(), value_map)
    assert [None if pd.isna(v) else v for v in result] == expected
    assert result.index.equals(values.index)
    counted = {"blank": blank if "" in value_map else 0, "other": other if "*" in value_map else 0}
    assert [n.split(": ")[1].split(" ")[0] for n in log.notes] == [
        str(counted[kind]) for kind in ("blank", "other") if counted[kind]]


IDS = st.sampled_from(["0065g00000AbCd1AAF", " 0065g00000AbCd1AAF ", "0065g00000AbCd1", "006",
                       "00Q5g00000XyZ12EAF", "00Q5g00000XyZ12EA!", "", " ", None,
                       "a006b00000AbCd1AAF\n"])
SALESFORCE_18 = re.compile(r"[A-Za-z0-9]{18}")
CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"


def checksum(id15):
    """Salesforce's 3-character suffix: which letters of each 5 are upper case."""
    return "".join(CHECKSUM[sum(1 << i for i, c in enumerate(id15[k:k + 5]) if c.isupper())]
                   for k in (0, 5, 10))


def python_ids(values, prefix):
    out, cut, other = [], 0, 0
    for value in values:
        if value is None or value != value:
            out.append(None)
            continue
        text = value.strip()
        if prefix and text and not text.startswith(prefix):
            text, other = "", other + 1
        if SALESFORCE_18.fullmatch(text) and text[15:] == checksum(text[:15]):
            text, cut = text[:15], cut + 1
        out.append(text or None)  # blank: missing
    return out, cut, other


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.lists(IDS, max_size=12), st.sampled_from([None, "006", "00Q"]), st.booleans())
def test_record_ids_are_cut_and_filtered_like_python(raw, prefix, as_str):
    frame = pd.DataFrame({"What Id": pd.Series(raw, dtype="str" if as_str else object)})
    piece = SimpleNamespace(frame=frame, label="f.csv",
                            header=lambda name: name if name in frame else None)
    alt = {"header": "What Id"}
    alt.update({"keep_prefix": prefix} if prefix else {})
    log = Log()
    ctx = engine.Context(piece, "activities", {}, labels.StageLabels(()), log)
    values, header, copied = engine.evaluate(alt, ctx)
    values = engine.short_salesforce_ids(values, "f.csv", header, log)
    expected, cut, other = python_ids(frame["What Id"].tolist(), prefix)
    assert [None if pd.isna(v) else v for v in values] == expected
    assert (header, copied, values.dtype) == ("What Id", True, "str")
    assert [n.split(": ")[1].split(" ")[0] for n in log.notes] == [
        str(count) for count in (other, cut) if count]
