"""Properties of load_crm on random mixes of good and bad rows: for every table rows read =
kept + excluded, every file row is kept or excluded with the expected reason (never both, never
neither), and the files are left unchanged."""
import csv
import os
import hashlib
import io
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kpitools as kt

# Each example loads real files (~0.1-0.3 s): few, deterministic examples keep this < 20 s.
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])
HEADER = ["opportunity_id", "rep", "created_at", "amount", "status", "stage", "closed_at",
          "lead_id"]
# defect -> (how the row is written, the reason expected in the report; None = kept)
DEFECTS = {
    "good": None, "good_won": None, "bad_date": "unparseable date",
    "negative": "negative amount", "words": "non-numeric amount",
    "status": "unknown status", "stage": "unknown stage", "early_close": None,
    "no_rep": None,  # kept as rep "(unassigned)", as the CRM counts it "orphan": "orphan foreign key", "duplicate": "duplicate id",
    "blank": "blank row", "extra_field": "wrong number of fields",
}
FLAGGED = {"early_close": "closed before created"}  # kept, with a warning
LEADS = ["000001", "000002", "000003"]


def make_row(i, defect, good_ids, draw_amount):
    row = {"opportunity_id": f"{i:05d}", "rep": "Ann", "created_at": "2024-01-05",
           "amount": draw_amount, "status": "open", "stage": "Qualify", "closed_at": "",
           "lead_id": LEADS[i % 3]}
    if defect == "good_won":
        row.update(status="won", stage="Closed Won", closed_at="05.02.2024"
                   if i % 2 else "2024-02-05T10:00:00+01:00")
    elif defect == "bad_date":
        row["created_at"] = "31/31/2024"
    elif defect == "negative":
        row["amount"] = "-250" if i % 2 else "-$1,250.00"
    elif defect == "words":
        row["amount"] = "a lot"
    elif defect == "status":
        row["status"] = "maybe"
    elif defect == "stage":
        row["stage"] = "Limbo"
    elif defect == "early_close":
        row.update(status="lost", stage="Closed Lost", closed_at="2023-12-31")
    elif defect == "no_rep":
        row["rep"] = ""
    elif defect == "orphan":
        row["lead_id"] = "999999"
    elif defect == "duplicate" and good_ids:
        row["opportunity_id"] = good_ids[i % len(good_ids)]
    return row


@st.composite
def exports(draw):
    defects = draw(st.lists(st.sampled_from(list(DEFECTS)), min_size=1, max_size=25))
    amounts = draw(st.lists(st.sampled_from(["100", "$1,250.50", "0", "  42 ", ""]),
                            min_size=len(defects), max_size=len(defects)))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    split = draw(st.integers(0, len(defects)))
    return defects, amounts, delimiter, encoding, split


def join(delimiter, fields):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="").writerow(fields)
    return buffer.getvalue()


def write_files(folder: Path, defects, amounts, delimiter, encoding, split):
    """Returns {(file, row): (id or None, expected reason or None)}."""
    expected, good_ids, files = {}, [], {"opportunities_a.csv": [], "opportunities_b.csv": []}
    for i, (defect, amount) in enumerate(zip(defects, amounts)):
        name = "opportunities_a.csv" if i < split else "opportunities_b.csv"
        row = make_row(i, defect, good_ids, amount)
        if defect == "duplicate" and not good_ids:
            defect = "good"
        line = join(delimiter, [row[c] for c in HEADER])
        if defect == "blank":
            line = ""
        elif defect == "extra_field":
            line += delimiter + "surplus"
        expected[(name, len(files[name]))] = (row["opportunity_id"], DEFECTS[defect],
                                              FLAGGED.get(defect))
        if DEFECTS[defect] is None:
            good_ids.append(row["opportunity_id"])
        files[name].append(line)
    for name, lines in files.items():
        if lines:
            text = "\n".join([join(delimiter, HEADER)] + lines) + "\n"
            (folder / name).write_bytes(text.encode(encoding))
            os.utime(folder / name, (1.7e9, 1.7e9))  # one export: no copy is newer
    (folder / "leads.csv").write_text("lead_id,rep,created_at,source\n" + "".join(
        f"{lead},Ann,2024-01-01,{'unknown' if lead.endswith('1') else ''}\n" for lead in LEADS))
    return expected


def digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@SETTINGS
@given(exports())
def test_every_row_is_kept_or_excluded_with_its_reason(export):
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        expected = write_files(folder, *export)
        before = digest(folder)
        data = kt.load_crm(folder)
        assert digest(folder) == before
    overview = data.quality.overview().set_index("table")
    assert (overview["read"] == overview["kept"] + overview["excluded"]).all()
    assert overview.loc["opportunities", "read"] == len(expected)
    excluded = data.quality.excluded
    opp_lines = excluded[excluded["table"] == "opportunities"]
    reasons = opp_lines.groupby(["file", "row"])["reason"].apply(set).to_dict()
    kept = data.opportunities["opportunity_id"].tolist()
    assert len(kept) + len(reasons) == len(expected)
    flagged = data.quality.flagged
    flagged = dict(zip(zip(flagged["file"], flagged["row"]), flagged["reason"]))
    for key, (opp_id, reason, warning) in expected.items():
        if reason is None:
            assert key not in reasons and opp_id in kept, (key, reasons.get(key))
            assert flagged.get(key) == warning, (key, warning)
        else:
            assert reason in reasons.get(key, set()), (key, reason, reasons.get(key))
    assert len(set(kept)) == len(kept)
    assert data.leads["source"].isna().sum() == 2  # blank stays blank, apart from 'unknown'


ids = st.lists(st.text("0123456789", min_size=1, max_size=8), min_size=1, max_size=10,
               unique=True)


@settings(SETTINGS, max_examples=9)
@given(ids, st.sampled_from(["csv", "parquet", "xlsx"]))
def test_ids_survive_every_format_as_written(lead_ids, fmt):
    frame = pd.DataFrame({"lead_id": lead_ids, "rep": "Ann", "created_at": "2024-01-01",
                          "source": "Web"})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"leads.{fmt}"
        {"csv": lambda: frame.to_csv(path, index=False),
         "parquet": lambda: frame.to_parquet(path, index=False),
         "xlsx": lambda: frame.to_excel(path, index=False)}[fmt]()
        copy = frame.copy()
        data = kt.load_crm(path)
    pd.testing.assert_frame_equal(frame, copy)
    assert data.leads["lead_id"].tolist() == lead_ids


LINES = st.lists(st.lists(st.text("ab1 ", max_size=3).map(
    lambda f: f'"{f},{f}"' if f.startswith("a") else f), max_size=5), max_size=12)


@SETTINGS
@given(LINES, st.sampled_from([",", ";"]), st.sampled_from(["\n", "\r\n"]))
def test_ragged_lines_read_by_arrow_as_by_the_exact_path(lines, delimiter, newline):
    """A file whose lines are its records (quoted delimiters, no quoted line break): Arrow's
    reader with its skipped lines put back in place gives the exact path's rows and reports."""
    from kpitools.io import files

    text = newline.join(delimiter.join(["x", "y", "z"]) if i == 0 else delimiter.join(fields)
                        for i, fields in enumerate([[], *lines])) + newline
    fast, slow = files._read_ragged(text, delimiter), files._read_records(text, delimiter)
    assert fast is not None
    assert files.as_text_columns(fast[0]).equals(files.as_text_columns(slow[0]))
    assert fast[1] == slow[1]
    assert files._read_ragged('x,y\n"1\n2",3\n4,5,6\n', ",") is None  # a quoted line break


@pytest.mark.parametrize("seed", range(6))
def test_not_a_stage_change_is_found_as_by_sorting_rows(seed):
    """The rule compares deals and stages as numbers and skips sorting ordered history; the
    plain way sorts the rows by deal, time and row and compares each with the one before."""
    rng = np.random.default_rng(seed)
    n = 400
    history = pd.DataFrame({
        "opportunity_id": rng.choice([f"D{i}" for i in range(25)] + [None], n),
        "stage": rng.choice(["Qualify", "Discover", "Propose", "Nowhere", None], n),
        "entered_at": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 12, n), "D")})
    if seed % 2:  # in order already, as most exports are
        history = history.sort_values(["opportunity_id", "entered_at"], kind="stable",
                                      ignore_index=True)
    opportunities = pd.DataFrame({"opportunity_id": [f"D{i}" for i in range(25)], "rep": "Ann",
                                  "created_at": "2023-12-01", "amount": "1",
                                  "status": "open", "stage": "Qualify"})
    excluded = kt.clean({"stage_history": history, "opportunities": opportunities}
                        ).quality.excluded.query("table == 'stage_history'")
    reasons = excluded.groupby("row")["reason"].agg(set)
    got = set(reasons[reasons.map(lambda r: "not a stage change" in r)].index)
    other = set(reasons[reasons.map(lambda r: bool(r - {"not a stage change",
                                                         "orphan foreign key"}))].index)
    rows = history.drop(index=list(other)).assign(row=lambda f: f.index).sort_values(
        ["opportunity_id", "entered_at", "row"], kind="stable")
    same = (rows["opportunity_id"].eq(rows["opportunity_id"].shift())
            & rows["stage"].eq(rows["stage"].shift()))
    assert got == set(rows["row"][same.fillna(False)])
    assert got  # the random history has repeats to find
