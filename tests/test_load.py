"""load_crm mechanics: files, encodings, delimiters, Excel/Parquet, report rows, mapping, errors."""
import copy
import hashlib
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import kpitools as kt

FIXTURES = Path(__file__).parent / "fixtures"
T = pd.Timestamp


def digest(folder: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def reasons(data, table=None):
    excluded = data.quality.excluded
    if table:
        excluded = excluded[excluded["table"] == table]
    return excluded["reason"].tolist()


@pytest.fixture(scope="module")
def canonical():
    return kt.load_crm(FIXTURES / "canonical")


def test_canonical_folder_feeds_tables_by_file_name(canonical):
    assert {t: len(f) for t, f in canonical.tables().items()} == {
        "leads": 4, "activities": 2, "opportunities": 3, "stage_history": 2, "quotas": 2}
    overview = canonical.quality.overview().set_index("table")
    assert (overview["read"] == overview["kept"] + overview["excluded"]).all()
    assert overview.loc["opportunities"].tolist() == [6, 3, 3, 0]


def test_ids_keep_leading_zeros_and_file_columns_are_kept(canonical):
    opps = canonical.opportunities
    assert opps["opportunity_id"].tolist() == ["004211", "004212", "004213"]
    assert opps["lead_id"].iloc[0] == "000123"
    assert "deal_notes" in opps and opps["deal_notes"].iloc[0] == "first deal"
    assert canonical.leads["lead_id"].tolist() == ["000123", "000124", "000125", "000126"]
    assert "employees" in canonical.leads  # a Parquet column no table asks for


def test_mixed_date_formats_and_time_zones_become_utc_naive(canonical):
    opps = canonical.opportunities.set_index("opportunity_id")
    assert opps.loc["004212", "created_at"] == T("2024-03-05")  # 03/05/2024, US order
    assert opps.loc["004213", "created_at"] == T("2024-03-07")  # "March 7, 2024"
    assert opps.loc["004211", "closed_at"] == T("2024-03-28 15:00")  # +02:00 → UTC
    assert opps["closed_at"].dt.tz is None
    leads = canonical.leads.set_index("lead_id")
    assert leads.loc["000123", "created_at"] == T("2024-02-20 08:00")  # Europe/Berlin in Parquet


def test_currency_strings_and_decimal_commas(canonical):
    assert canonical.opportunities["amount"].iloc[0] == 12000.0  # "$12,000.00"
    assert canonical.quotas["quota"].tolist() == [20000.5, 15000.0]  # 20.000,50 and 15.000


def test_blank_stays_distinct_from_literal_unknown(canonical):
    source = canonical.leads.set_index("lead_id")["source"]
    assert source["000125"] == "unknown"
    assert pd.isna(source["000124"]) and pd.isna(source["000126"])


def test_report_names_file_row_column_header_and_reason(canonical):
    excluded = canonical.quality.excluded
    assert list(excluded.columns) == ["table", "file", "row", "column", "header", "value",
                                      "reason"]
    rows = excluded.set_index(["file", "row"])["reason"].to_dict()
    assert rows == {("activities.tsv", 2): "unknown kind",
                    ("activities.tsv", 3): "orphan foreign key",
                    ("opportunities.csv", 3): "duplicate id",
                    ("opportunities.csv", 4): "negative amount",
                    ("opportunities.csv", 5): "unparseable date",
                    ("stage_history.csv", 2): "orphan foreign key"}
    assert "file" in canonical.quality._repr_html_()


def test_empty_and_unknown_files_get_notes(canonical):
    notes = " ".join(canonical.quality.notes)
    assert "leads_2023.csv is empty" in notes
    assert "README.txt: not a CSV, Excel or Parquet file" in notes


def test_single_file_and_list_of_files():
    one = kt.load_crm(FIXTURES / "canonical" / "opportunities.csv")
    assert len(one.opportunities) == 3 and len(one.leads) == 0
    two = kt.load_crm([FIXTURES / "canonical" / "opportunities.csv",
                       str(FIXTURES / "canonical" / "stage_history.csv")])
    assert len(two.stage_history) == 2


def test_files_and_presets_are_never_modified(tmp_path):
    before_files = {p: digest(FIXTURES / p) for p in ("canonical", "salesforce", "pipedrive")}
    before_presets = copy.deepcopy(kt.PRESETS)
    mapping = {"opportunities": {"amount": "Amount"}}
    kept = copy.deepcopy(mapping)
    kt.load_crm(FIXTURES / "canonical")
    kt.load_crm(FIXTURES / "salesforce", preset="salesforce", mapping=mapping)
    kt.load_crm(FIXTURES / "pipedrive", preset="pipedrive")
    assert {p: digest(FIXTURES / p) for p in before_files} == before_files
    assert kt.PRESETS == before_presets and mapping == kept


@pytest.mark.parametrize("encoding, bom", [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"),
                                           ("cp1252", b""), ("utf-16", b"")])
def test_encodings(tmp_path, encoding, bom):
    text = "lead_id,rep,created_at,source\nL1,Zoë Müller,2024-01-02,Café €\n"
    (tmp_path / "leads.csv").write_bytes(bom + text.encode(encoding))
    leads = kt.load_crm(tmp_path).leads
    assert leads[["rep", "source"]].iloc[0].tolist() == ["Zoë Müller", "Café €"]
    assert list(leads.columns[:4]) == ["lead_id", "rep", "created_at", "source"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path, delimiter):
    rows = [["quota", "rep", "period"], ["1.500,00" if delimiter == ";" else "1500", "Ann",
                                         "2024-01-01"]]
    (tmp_path / "quotas.csv").write_text("\n".join(delimiter.join(r) for r in rows) + "\n")
    assert kt.load_crm(tmp_path).quotas["quota"].tolist() == [1500.0]


def test_excel_sep_line_is_honoured(tmp_path):
    (tmp_path / "quotas.csv").write_text("sep=;\nrep;period;quota\nAnn;2024-01-01;1,5\n")
    data = kt.load_crm(tmp_path)
    assert data.quotas["quota"].tolist() == [1.5]
    assert any("names the delimiter" in n for n in data.quality.notes)


def test_excel_every_sheet_is_a_file(tmp_path):
    path = tmp_path / "crm.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"rep": ["Ann"], "period": ["2024-01-01"], "quota": [100]}).to_excel(
            writer, sheet_name="quotas", index=False)
        pd.DataFrame({"lead_id": ["007"], "rep": ["Ann"], "created_at": ["2024-01-02"],
                      "source": ["Web"]}).to_excel(writer, sheet_name="leads", index=False)
    data = kt.load_crm(path)
    assert data.quotas["quota"].tolist() == [100.0] and data.leads["lead_id"].tolist() == ["007"]


def test_parquet_typed_columns_become_canonical(tmp_path):
    pd.DataFrame({"activity_id": [1, 2], "rep": ["Ann", "Bo"], "at": pd.to_datetime(
        ["2024-01-01 10:00", None]).tz_localize("America/New_York"),
        "kind": ["call", "email"]}).to_parquet(tmp_path / "activities.parquet")
    data = kt.load_crm(tmp_path)
    assert data.activities["activity_id"].tolist() == ["1"]
    assert data.activities["at"].tolist() == [T("2024-01-01 15:00")]
    assert reasons(data) == ["missing value"]


def test_a_parquet_file_of_many_row_groups_loads_as_one_of_one_group(tmp_path):
    leads = pd.DataFrame({"lead_id": [f"L{i}" for i in range(7)], "rep": ["Ann", " Bo"] * 3 + [
        "N/A"], "created_at": pd.date_range("2024-01-01", periods=7), "source": "Web"})
    for folder, groups in (("one", None), ("many", 2)):
        (tmp_path / folder).mkdir()
        leads.to_parquet(tmp_path / folder / "leads.parquet", row_group_size=groups)
    one, many = (kt.load_crm(tmp_path / folder) for folder in ("one", "many"))
    pd.testing.assert_frame_equal(many.leads, one.leads)
    assert many.leads["rep"].tolist() == ["Ann", "Bo"] * 3
    assert many.quality.excluded.equals(one.quality.excluded)


def test_filled_means_something_other_than_blanks():
    cells = ["a", " ", "", "\t\n", "\u00a0", "\u3000", " b ", "\u200b", None]
    got = kt.io.files.filled(pd.Series(cells, dtype="str")).tolist()
    assert got == [cell is not None and cell.strip() != "" for cell in cells]


def _blank_and_footer_the_plain_way(frame, bad_lines):
    """Blank rows and a trailing footer, row by row: a footer starts at a blank row after the
    last row with data beyond its first cell and holds some line with only a first cell."""
    has = frame.map(lambda cell: isinstance(cell, str) and cell.strip() != "")
    first, rest_blank = has.iloc[:, 0].tolist(), (~has.iloc[:, 1:].any(axis=1)).tolist()
    blank = [not f and r and i not in bad_lines for i, (f, r) in enumerate(zip(first, rest_blank))]
    row = len(frame) - 1
    while row >= 0 and rest_blank[row] and row not in bad_lines:
        row -= 1
    gaps = [i for i in range(row + 1, len(frame)) if blank[i]]
    footer = set(range(gaps[0], len(frame))) if (
        frame.shape[1] > 1 and row >= 0 and gaps and any(first[gaps[0]:])) else set()
    return ({i: "blank row" for i, b in enumerate(blank) if b and i not in footer}
            | {i: "report footer" for i in footer})


@pytest.mark.parametrize("seed", range(40))
def test_blank_rows_and_footers_are_found_as_row_by_row(seed):
    rng = np.random.default_rng(seed)
    cells = ["", " ", "\u00a0", None, "x", "Grand Total", "Ünïcode"]
    weights = [0.1, 0.05, 0.05, 0.1, 0.5, 0.1, 0.1]
    body, columns = int(rng.integers(0, 400)), int(rng.integers(1, 4))
    grid = rng.choice(len(cells), size=(body, columns), p=weights)
    tail = [[int(rng.choice([0, 4, 5])), *[int(rng.choice([0, 3])) for _ in range(columns - 1)]]
            for _ in range(int(rng.choice([0, 3, 70, 600])))]  # longer than a first look
    grid = np.vstack([grid, np.array(tail, dtype=int).reshape(-1, columns)])
    frame = pd.DataFrame([[cells[c] for c in row] for row in grid],
                         columns=[f"c{i}" for i in range(columns)], dtype="str")
    bad_lines = set(rng.choice(len(frame), size=min(3, len(frame)), replace=False).tolist()) \
        if len(frame) and seed % 2 else set()
    piece = kt.io.files._finish("x.csv", Path("x.csv"), frame,
                                [(row, "", "wrong number of fields") for row in bad_lines])
    got = {row: reason for row, _, reason in piece.dropped if reason != "wrong number of fields"}
    assert got == _blank_and_footer_the_plain_way(frame, bad_lines)
    assert piece.rows.tolist() == sorted(set(range(len(frame))) - set(got) - bad_lines)


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_a_missing_date_shows_as_an_empty_value_in_the_report(tmp_path, suffix):
    leads = pd.DataFrame({"lead_id": ["L1", "L2"], "rep": ["Ann", "Bo"],
                          "created_at": ["2024-01-02", None], "source": ["Web", "Web"]})
    if suffix == "csv":
        leads.to_csv(tmp_path / "leads.csv", index=False)
    else:
        leads.assign(created_at=pd.to_datetime(leads["created_at"])).to_parquet(
            tmp_path / "leads.parquet")
    excluded = kt.load_crm(tmp_path).quality.excluded
    assert excluded[["row", "column", "value", "reason"]].values.tolist() == [
        [1, "created_at", "", "missing value"]]


def test_a_line_of_spaces_is_a_blank_row(tmp_path):
    (tmp_path / "leads.csv").write_text(
        "lead_id,rep,created_at,source\nL1,Ann,2024-01-01,Web\n  , ,\t,\u3000\n"
        "L3,Bo,2024-01-03,Web\n")
    data = kt.load_crm(tmp_path)
    assert data.leads["lead_id"].tolist() == ["L1", "L3"]
    assert data.quality.excluded.set_index("row")["reason"].to_dict() == {1: "blank row"}


def test_lines_with_too_many_fields_and_blank_lines_keep_row_numbers(tmp_path):
    (tmp_path / "leads.csv").write_text(
        "lead_id,rep,created_at,source\nL1,Ann,2024-01-01,Web\nL2,Ann,2024-01-02,Web,extra\n"
        "\nL3,Bo,2024-01-03,Web\n,,,\n")
    data = kt.load_crm(tmp_path)
    assert data.leads["lead_id"].tolist() == ["L1", "L3"]
    rows = data.quality.excluded.set_index("row")["reason"].to_dict()
    assert rows == {1: "wrong number of fields", 2: "blank row", 4: "blank row"}
    assert data.quality.overview().set_index("table").loc["leads"].tolist() == [5, 2, 3, 0]


@pytest.mark.parametrize("body, longer", [("1,2\n3,4,5\n", True), ("1,2\n3\n", False)])
def test_arrow_says_when_a_line_has_more_fields_than_the_header(body, longer):
    """Then pandas' reader, which refuses such a line too, is not tried before the ragged one."""
    frame, found = kt.io.files._read_regular(("a,b\n" + body).encode(), "a,b", ",")
    assert frame is None and found == longer


def test_header_only_file_is_loaded_empty_with_a_note(tmp_path):
    (tmp_path / "leads.csv").write_text("lead_id,rep,created_at,source\n")
    data = kt.load_crm(tmp_path)
    assert len(data.leads) == 0 and any("no rows" in n for n in data.quality.notes)


def test_headers_match_ignoring_case_spaces_and_underscores(tmp_path):
    (tmp_path / "leads.csv").write_text("Lead ID,REP,Created At,Source\nL1,Ann,2024-01-01,Web\n")
    assert kt.load_crm(tmp_path).leads["lead_id"].tolist() == ["L1"]


def test_mapping_flat_and_per_table(tmp_path):
    (tmp_path / "leads.csv").write_text("id,owner,signup,channel\nL1,Ann,2024-01-01,Web\n")
    flat = kt.load_crm(tmp_path, mapping={"lead_id": "id", "rep": "owner",
                                          "created_at": "signup", "source": "channel"})
    nested = kt.load_crm(tmp_path, mapping={"leads": {"lead_id": "id", "rep": "owner",
                                                      "created_at": "signup",
                                                      "source": ["origin", "channel"]}})
    for data in (flat, nested):
        assert data.leads[["lead_id", "rep", "source"]].iloc[0].tolist() == ["L1", "Ann", "Web"]
        assert "owner" in data.leads  # the file's own column stays


def test_mapping_overrides_a_preset_entry():
    data = kt.load_crm(FIXTURES / "pipedrive", preset="pipedrive",
                       mapping={"opportunities": {"rep": "Organization - Name"}})
    assert "Müller GmbH" in data.opportunities["rep"].tolist()


def test_stages_argument_overrides_the_preset():
    data = kt.load_crm(FIXTURES / "maven", preset="maven",
                       stages=["Prospecting", "Engaging", "Demo"])
    assert data.stages == ("Prospecting", "Engaging", "Demo")


def test_missing_required_column_error_names_everything(tmp_path):
    (tmp_path / "Opportunities.csv").write_text(
        "Opportunity ID,Opportunity Owner,Stage,Amount,Created Dt,Close Date,Won,Closed\n"
        "006A,Ann,Prospecting,10,2024-01-01,2024-02-01,0,0\n")
    with pytest.raises(kt.SchemaError) as error:
        kt.load_crm(tmp_path, preset="salesforce")
    message = str(error.value)
    for part in ("Opportunities.csv", "opportunities", "'created_at'", "'Created Date'",
                 "Headers found: ['Opportunity ID'", "Did you mean 'Created Date'?",
                 "mapping={'created_at': 'Created Dt'}"):
        assert part in message


def test_unrecognised_file_given_explicitly_is_an_error_in_a_folder_a_note(tmp_path):
    path = tmp_path / "weather.csv"
    path.write_text("city,temp\nOslo,3\n")
    with pytest.raises(kt.SchemaError, match="weather.csv: not recognised"):
        kt.load_crm(path)
    data = kt.load_crm(tmp_path)
    assert any("weather.csv: not recognised" in n for n in data.quality.notes)


def test_unknown_preset_and_missing_path_are_clear_errors(tmp_path):
    with pytest.raises(kt.SchemaError, match="Did you mean 'hubspot'"):
        kt.load_crm(tmp_path, preset="hubspt")
    with pytest.raises(FileNotFoundError, match="neither a file nor a folder"):
        kt.load_crm(tmp_path / "nope")


def test_empty_folder_gives_empty_tables(tmp_path):
    data = kt.load_crm(tmp_path)
    assert all(len(f) == 0 for f in data.tables().values())
    assert data.quality.overview()["read"].sum() == 0
    assert data.today == pd.Timestamp.now().normalize()  # always set, and said so
    assert any("computer's date" in g for g in data.quality.guessed)


def test_progress_bar_only_for_big_loads_unless_asked(capsys):
    folder = FIXTURES / "canonical"
    kt.load_crm(folder)
    assert "load_crm" not in capsys.readouterr().err  # a few KB: no bar by default
    kt.load_crm(folder, progress=True)
    bar = capsys.readouterr().err
    assert "load_crm" in bar and "100%" in bar and "checking rows" in bar
    for name in ("opportunities.csv", "stage_history.csv"):  # each file read, then mapped
        assert f"reading {name}" in bar and f"mapping {name}" in bar
    mapped = set(re.findall(r"mapping ([\w.]+)", bar))
    read = set(re.findall(r"reading ([\w.]+)", bar))
    done, total = re.findall(r"(\d+)/(\d+)", bar)[-1]
    assert done == total == str(len(read) + len(mapped) + 1)  # read, mapped, then the checks


# --- the allocator a load runs with (kpitools/io/_pool.py) --------------------------------
def tables_and_report(data):
    return [*data.tables().values(), data.quality.excluded, data.quality.flagged]


@pytest.mark.parametrize("folder", ["canonical", "salesforce", "real/salesforce_dataloader"])
def test_a_load_gives_the_same_with_arrows_default_allocator(folder, monkeypatch):
    path = FIXTURES / folder
    preset = None if folder == "canonical" else "salesforce"
    fast = kt.load_crm(path, preset=preset)
    monkeypatch.setattr("kpitools.io._pool.load_pool", lambda: None)  # the plain way
    plain = kt.load_crm(path, preset=preset)
    for mine, theirs in zip(tables_and_report(fast), tables_and_report(plain)):
        pd.testing.assert_frame_equal(mine, theirs)
    assert fast.quality.notes == plain.quality.notes


def test_a_load_allocates_from_jemalloc_and_gives_the_default_back(monkeypatch):
    pa = pytest.importorskip("pyarrow")
    try:
        pa.jemalloc_memory_pool()
    except NotImplementedError:
        pytest.skip("this pyarrow is built without jemalloc: loads use its default allocator")
    seen, read = [], kt.io.files.read
    monkeypatch.setattr(kt.io.files, "read", lambda path: (
        seen.append(pa.default_memory_pool().backend_name), read(path))[1])
    before = pa.default_memory_pool().backend_name
    kt.load_crm(FIXTURES / "canonical")
    assert set(seen) == {"jemalloc"} and pa.default_memory_pool().backend_name == before
    with pytest.raises(FileNotFoundError):
        kt.load_crm(FIXTURES / "no such folder")
    assert pa.default_memory_pool().backend_name == before
    monkeypatch.setenv("ARROW_DEFAULT_MEMORY_POOL", "system")  # the user's choice stands
    seen.clear()
    kt.load_crm(FIXTURES / "canonical")
    assert set(seen) == {before}
