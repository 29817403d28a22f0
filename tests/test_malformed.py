"""A corpus of malformed exports: each gives a clear SchemaError naming file and column, or a
reasoned exclusion (file, row, column, reason) or note in the quality report — never a crash,
never a silent drop."""
from dataclasses import dataclass, field

import pytest

import kpitools as kt

OPP = "opportunity_id,rep,created_at,amount,status,stage,closed_at"
GOOD = "O1,Ann,2024-01-01,100,open,Qualify,"
SF = ("Opportunity ID,Opportunity Name,Opportunity Owner,Stage,Amount,Close Date,Created Date,"
      "Won,Closed")
SF_GOOD = "0061,Acme,Ann,Prospecting,100,3/1/2024,1/1/2024,0,0"


def csv(header, *rows):
    return "\n".join((header,) + rows) + "\n"


def opps(*rows):
    return {"opportunities.csv": csv(OPP, GOOD, *rows)}


@dataclass
class Case:
    files: dict
    expect: tuple  # ("error", substrings...) | ("excluded", table, file, row, column, reason)
    #                | ("flagged", same as excluded) | ("note", substring)
    preset: str | None = None
    mapping: dict | None = field(default=None)


CASES = {
    # --- missing or misspelled columns: SchemaError naming file, table, column, headers ----
    "sf missing owner": Case(
        {"Opportunities.csv": csv(SF.replace("Opportunity Owner,", ""),
                                  SF_GOOD.replace("Ann,", ""))},
        ("note", "Opportunities.csv: no owner column, so every row's rep is '(unassigned)'"),
        "salesforce"),
    "sf amount typo": Case(
        {"Opportunities.csv": csv(SF.replace("Amount", "Amout"), SF_GOOD)},
        ("error", "Opportunities.csv", "'amount'", "Did you mean 'Amount'?",
         "mapping={'amount': 'Amout'}"), "salesforce"),
    "hubspot stage typo": Case(
        {"all-deals.csv": csv("Record ID,Deal Name,Deal Stge,Amount,Close Date,Create Date,"
                              "Deal owner", "1,A,Closed Won,10,2024-02-01,2024-01-01,Ann")},
        ("error", "all-deals.csv", "'stage'", "Did you mean 'Deal Stage'?"), "hubspot"),
    "pipedrive no owner": Case(
        {"deals.csv": csv("Deal - ID,Deal - Title,Deal - Value,Deal - Stage,Deal - Status,"
                          "Deal - Deal created", "1,A,10,Qualified,Open,2024-01-01")},
        ("note", "deals.csv: no owner column"), "pipedrive"),
    "canonical missing status": Case(
        {"opportunities.csv": csv(OPP.replace("status,", ""),
                                  GOOD.replace("open,", ""))},
        ("error", "opportunities.csv", "opportunities", "'status'", "Headers found: [")),
    "canonical created typo": Case(
        {"leads.csv": csv("lead_id,rep,created,source", "L1,Ann,2024-01-01,Web")},
        ("error", "leads.csv", "'created_at'", "Did you mean 'created_at'?",
         "Header 'created'")),
    "mapping header absent": Case(
        opps(), ("error", "mapping", "'Deal Size'", "'amount'", "opportunities.csv"),
        mapping={"opportunities": {"amount": "Deal Size"}}),
    "mapping unknown column": Case(
        opps(), ("error", "'amout' is not a canonical column", "Did you mean 'amount'?"),
        mapping={"amout": "amount"}),
    "unclosed quote": Case(
        {"leads.csv": 'lead_id,rep,created_at,source\nL1,"Ann,2024-01-01,Web\n'},
        ("error", "leads.csv", "could not be read", "never closed")),
    "unclosed quote after a long line": Case(
        {"leads.csv": 'lead_id,rep,created_at,source\nL1,Ann,2024-01-01,Web,x\n'
                      'L2,"Ann,2024-01-02,Web\nL3,Bo,2024-01-03,Web\n'},
        ("error", "leads.csv", "could not be read", "never closed")),
    "corrupt excel": Case(
        {"opportunities.xlsx": "this is not a workbook"},
        ("error", "opportunities.xlsx", "could not be read as XLSX")),
    # --- bad values: excluded with a reason, at the file's own row ------------------------
    "impossible date": Case(
        opps("O2,Ann,2024-02-30,100,open,Qualify,"),
        ("excluded", "opportunities", "opportunities.csv", 1, "created_at",
         "unparseable date")),
    "words for amount": Case(
        opps("O2,Ann,2024-01-02,ten thousand,open,Qualify,"),
        ("excluded", "opportunities", "opportunities.csv", 1, "amount", "non-numeric amount")),
    "negative amount": Case(
        opps("O2,Ann,2024-01-02,-5,open,Qualify,"),
        ("excluded", "opportunities", "opportunities.csv", 1, "amount", "negative amount")),
    "accounting negative": Case(
        opps('O2,Ann,2024-01-02,"(1,200.00)",open,Qualify,'),
        ("excluded", "opportunities", "opportunities.csv", 1, "amount", "negative amount")),
    "unknown status": Case(
        opps("O2,Ann,2024-01-02,5,pending,Qualify,"),
        ("excluded", "opportunities", "opportunities.csv", 1, "status", "unknown status")),
    "duplicate id": Case(
        opps("O1,Bo,2024-01-02,5,open,Qualify,"),
        ("excluded", "opportunities", "opportunities.csv", 1, "opportunity_id",
         "duplicate id")),
    "closed before created": Case(
        opps("O2,Ann,2024-03-01,5,won,Closed Won,2024-02-01"),
        ("flagged", "opportunities", "opportunities.csv", 1, "closed_at",
         "closed before created")),
    "won without close date": Case(
        opps("O2,Ann,2024-03-01,5,won,Closed Won,"),
        ("excluded", "opportunities", "opportunities.csv", 1, "closed_at",
         "closed deal without closed_at")),
    "open with close date": Case(
        opps("O2,Ann,2024-03-01,5,open,Qualify,2024-04-01"),
        ("excluded", "opportunities", "opportunities.csv", 1, "closed_at",
         "open deal with closed_at")),
    "unknown stage": Case(
        opps("O2,Ann,2024-03-01,5,open,Stage 7,"),
        ("excluded", "opportunities", "opportunities.csv", 1, "stage", "unknown stage")),
    "blank rep": Case(  # the CRM counts a deal without owner: so does the loader
        opps("O2,,2024-03-01,5,open,Qualify,"),
        ("note", "opportunities.csv: 1 rows without an owner are kept as rep '(unassigned)'")),
    "orphan history": Case(
        {**opps(), "stage_history.csv": csv("opportunity_id,stage,entered_at",
                                            "O1,Qualify,2024-01-01", "O9,Qualify,2024-01-02")},
        ("excluded", "stage_history", "stage_history.csv", 1, "opportunity_id",
         "orphan foreign key")),
    "unknown kind": Case(
        {"activities.csv": csv("activity_id,rep,at,kind", "a1,Ann,2024-01-01,fax")},
        ("excluded", "activities", "activities.csv", 0, "kind", "unknown kind")),
    "too many fields": Case(
        opps("O2,Ann,2024-01-02,5,open,Qualify,,surplus"),
        ("excluded", "opportunities", "opportunities.csv", 1, "(whole row)",
         "wrong number of fields")),
    "blank line": Case(
        {"opportunities.csv": csv(OPP, GOOD, "", "O2,Ann,2024-01-02,5,open,Qualify,")},
        ("excluded", "opportunities", "opportunities.csv", 1, "(whole row)", "blank row")),
    "report footer": Case(
        {"Opportunities.csv": csv(SF, SF_GOOD, "", '"Copyright (c) 2000-2024 salesforce.com"')},
        ("excluded", "opportunities", "Opportunities.csv", 2, "(whole row)", "report footer"),
        "salesforce"),
    "quota words": Case(
        {"quotas.csv": csv("rep,period,quota", "Ann,2024-01-01,lots")},
        ("excluded", "quotas", "quotas.csv", 0, "quota", "non-numeric quota")),
    "quota twice": Case(
        {"quotas.csv": csv("rep,period,quota", "Ann,2024-01-01,5", "Ann,2024-01-15,6")},
        ("excluded", "quotas", "quotas.csv", 1, "period", "duplicate id")),
    "quota blank": Case(
        {"quotas.csv": csv("rep,period,quota", "Ann,2024-01-01,")},
        ("excluded", "quotas", "quotas.csv", 0, "quota", "missing value")),
    "hubspot custom stage": Case(
        {"all-deals.csv": csv("Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,"
                              "Deal owner", "1,A,Custom Stage,10,2024-02-01,2024-01-01,Ann")},
        ("excluded", "opportunities", "all-deals.csv", 0, "stage", "unknown stage"), "hubspot"),
    "pipedrive deleted deal": Case(
        {"deals.csv": csv("Deal - ID;Deal - Title;Deal - Value;Deal - Owner;Deal - Stage;"
                          "Deal - Status;Deal - Deal created", "7;A;10;Ann;Qualified;Deleted;"
                          "2024-01-01").replace(",", ";")},
        ("excluded", "opportunities", "deals.csv", 0, "status", "unknown status"),
        "pipedrive"),
    "olist deal without mql": Case(
        {"olist_marketing_qualified_leads_dataset.csv": csv(
            "mql_id,first_contact_date,landing_page_id,origin", "m1,2018-01-01,lp,social"),
         "olist_closed_deals_dataset.csv": csv("mql_id,sr_id,won_date,business_segment",
                                               "m2,sr1,2018-02-01 10:00:00,pet")},
        ("excluded", "opportunities", "olist_closed_deals_dataset.csv", 0, "created_at",
         "missing value"), "olist"),
    # --- files that cannot be loaded: a note naming them --------------------------------
    "empty file": Case({**opps(), "leads.csv": ""}, ("note", "leads.csv is empty")),
    "whitespace file": Case({**opps(), "leads.csv": "\n\n  \n"},
                            ("note", "leads.csv is empty")),
    "unknown csv": Case({**opps(), "export (1).csv": csv("foo,bar", "1,2")},
                        ("note", "export (1).csv: not recognised")),
    "binary junk": Case({**opps(), "junk.csv": bytes(range(1, 256))},
                        ("note", "junk.csv: not recognised")),
    "excel lock file": Case({**opps(), "~$crm.xlsx": b"\x00lock"}, ("note", "~$crm.xlsx")),
    "pdf in folder": Case({**opps(), "report.pdf": b"%PDF-1.4"}, ("note", "report.pdf")),
}


def write(folder, files):
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


def test_corpus_is_large_enough():
    assert len(CASES) >= 25


@pytest.mark.parametrize("name", list(CASES))
def test_malformed_input(tmp_path, name):
    case = CASES[name]
    write(tmp_path, case.files)
    kind, *details = case.expect
    if kind == "error":
        with pytest.raises(kt.SchemaError) as error:
            kt.load_crm(tmp_path, preset=case.preset, mapping=case.mapping)
        for part in details:
            assert part in str(error.value), str(error.value)
        return
    data = kt.load_crm(tmp_path, preset=case.preset, mapping=case.mapping)
    overview = data.quality.overview().set_index("table")
    assert (overview["read"] == overview["kept"] + overview["excluded"]).all()
    if kind == "note":
        assert any(details[0] in note for note in data.quality.notes), data.quality.notes
        return
    table, file, row, column, reason = details
    lines = getattr(data.quality, kind)[["table", "file", "row", "column", "reason"]]
    assert (table, file, row, column, reason) in set(lines.itertuples(index=False, name=None)), \
        lines
    assert reason in data.quality.summary()["reason"].tolist()
    assert data.quality.summary().set_index("reason").loc[reason, "fix"] != ""
