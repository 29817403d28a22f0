"""What real exports mean: outcome flags, closed labels, API-name Salesforce files, stage entries,
directions, goals, today, settings, mapping rules, and the messy values of real files."""
import os
from pathlib import Path

import pandas as pd
import pytest

import kpitools as kt

T = pd.Timestamp
HUBSPOT = ("Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner,"
           "Is Closed Won,Is closed lost")


def write(folder: Path, name: str, text: str, encoding="utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def reasons(data, table):
    ex = data.quality.excluded
    return ex[ex["table"] == table].set_index("row")["reason"].to_dict()


# --- outcome ------------------------------------------------------------------------------
def test_hubspot_flags_decide_the_outcome_of_renamed_closed_stages(tmp_path):
    write(tmp_path, "deals.csv", "\n".join([
        HUBSPOT,
        "1,A,Closed: won,100,2024-02-01,2024-01-01,Ann,true,false",
        "2,B,Dead Deals,50,2024-02-02,2024-01-01,Ann,false,true",
        "3,C,Dead Deals,50,2024-02-03,2024-01-01,Bo,false,true",
        "4,D,Appointment Scheduled,70,2024-03-01,2024-01-01,Bo,false,false",
        "5,E,Closed: won,10,2024-02-05,2024-01-01,Bo,maybe,false"]) + "\n")
    data = kt.load_crm(tmp_path, preset="hubspot")
    opps = data.opportunities.set_index("opportunity_id")
    assert opps["status"].to_dict() == {"1": "won", "2": "lost", "3": "lost", "4": "open"}
    assert opps.loc["1", "stage"] == "Closed Won" and opps.loc["2", "stage"] == "Closed Lost"
    assert reasons(data, "opportunities") == {4: "unknown status"}  # "maybe" is not a flag
    assert any("lost ['Dead Deals']" in g for g in data.quality.guessed)


@pytest.mark.parametrize("closed", [{}, {"closed_lost": ["Verloren"]}])
def test_user_named_closed_labels_and_advice_that_never_opens_a_closed_deal(tmp_path, closed):
    write(tmp_path, "deals.csv",
          "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner\n"
          "1,A,Gewonnen,100,2024-02-01,2024-01-01,Ann\n2,B,Verloren,50,2024-02-02,2024-01-01,Ann\n"
          "3,C,Erstgespräch,70,2024-03-01,2024-01-01,Ann\n")
    data = kt.load_crm(tmp_path, preset="hubspot", stages=["Erstgespräch", "Verloren"],
                       closed_won=["Gewonnen"], **closed)
    status = data.opportunities.set_index("opportunity_id")["status"].to_dict()
    if closed:  # named as closed: lost, whatever stages= says
        assert status == {"1": "won", "2": "lost", "3": "open"}
    else:  # stages= lists a closed-looking label: counted open, and the report says so
        assert status["2"] == "open"
        assert any("'Verloren', which reads like a closed stage" in n and
                   "closed_lost=['Verloren']" in n for n in data.quality.notes)
    data = kt.load_crm(tmp_path, preset="hubspot", closed_won="Gewonnen")
    # Without stages= the unknown labels are excluded, with advice naming both ways out.
    assert set(reasons(data, "opportunities")) == {1, 2}
    fix = data.quality.summary().set_index("reason").loc["unknown stage", "fix"]
    assert "stages=" in fix and "closed_lost=" in fix


def test_stages_given_as_one_string_is_one_stage(tmp_path):
    write(tmp_path, "opportunities.csv",
          "opportunity_id,rep,created_at,amount,status,stage\n1,Ann,2024-01-01,5,open,Qualify\n")
    data = kt.load_crm(tmp_path, stages="Qualify")
    assert data.stages == ("Qualify",) and len(data.opportunities) == 1


# --- Salesforce API-name exports ----------------------------------------------------------
def salesforce_api(folder: Path, users=True):
    write(folder, "Opportunity.csv",
          '"Id","OwnerId","Name","StageName","Amount","CloseDate","CreatedDate","IsWon","IsClosed",'
          '"CurrencyIsoCode","IsDeleted"\n'
          '"0065g00000AbCd1AAF","0055g00000Us001AAB","A","Closed Won","100","2024-03-01",'
          '"2024-03-01T15:00:00.000Z","true","true","USD","false"\n'
          '"0065g00000AbCd2AAF","0055g00000Us001AAB","B","Qualification","50","2024-05-01",'
          '"2024-02-01T10:00:00.000Z","false","false","EUR","false"\n'
          '"0065g00000AbCd3AAF","0055g00000Us002AAB","C","Closed Won","70","2024-03-01",'
          '"2024-02-01T10:00:00.000Z","true","true","USD","true"\n')
    write(folder, "OpportunityHistory.csv",
          '"Id","OpportunityId","StageName","Amount","CreatedDate","IsDeleted"\n'
          '"0085g1","0065g00000AbCd2AAF","Prospecting","50","2024-02-01T10:00:00.000Z","false"\n'
          '"0085g2","0065g00000AbCd2","Prospecting","60","2024-02-05T10:00:00.000Z","false"\n'
          '"0085g3","0065g00000AbCd2AAF","Qualification","60","2024-02-09T10:00:00.000Z","false"\n'
          '"0085g4","0065g00000AbCd2AAF","Needs Analysis","60","2024-02-10T10:00:00.000Z","true"\n')
    write(folder, "Task.csv",
          '"Id","OwnerId","Subject","ActivityDate","TaskSubtype","Type","CallType","WhatId"\n'
          '"00T5g00000Tk001EAB","0055g00000Us001AAB","Call","2024-02-02","Call","Call",'
          '"Inbound","0065g00000AbCd2AAF"\n'
          '"00T5g00000Tk002EAB","0055g00000Us002","Mail","2024-02-03","Email","","",'
          '"0065g00000AbCd3AAF"\n')
    if users:
        write(folder, "User.csv", '"Id","Name"\n"0055g00000Us001AAB","Ann Lee"\n'
                                  '"0055g00000Us002","Bo Chen"\n')


def test_salesforce_api_name_export_loads_with_flags_users_and_15_character_ids(tmp_path):
    salesforce_api(tmp_path)
    data = kt.load_crm(tmp_path, preset="salesforce")
    opps = data.opportunities.set_index("opportunity_id")
    assert opps["status"].to_dict() == {"0065g00000AbCd1": "won", "0065g00000AbCd2": "open"}
    assert opps["rep"].tolist() == ["Ann Lee", "Ann Lee"]  # OwnerId looked up in User.csv
    assert opps["currency"].tolist() == ["USD", "EUR"]
    assert opps.loc["0065g00000AbCd1", "closed_at"] == T("2024-03-01")  # same day: fine
    ex = data.quality.excluded
    assert dict(zip(zip(ex["table"], ex["row"]), ex["reason"])) == {
        ("opportunities", 2): "deleted in the CRM",
        ("stage_history", 1): "not a stage change",  # an amount edit, 15-character ID
        ("stage_history", 3): "deleted in the CRM"}
    assert data.stage_history["stage"].tolist() == ["Prospecting", "Qualification"]
    acts = data.activities.set_index("activity_id")
    assert acts["direction"].iloc[0] == "inbound" and pd.isna(acts["direction"].iloc[1])
    assert acts.loc["00T5g00000Tk002", "rep"] == "Bo Chen"  # 15-character OwnerId matched
    assert pd.isna(acts.loc["00T5g00000Tk002", "opportunity_id"])  # its deal was deleted
    assert ("activities: 1 row refers to opportunities deleted in the CRM: kept, without the "
            "opportunity_id.") in data.quality.notes


def test_salesforce_owner_ids_kept_with_a_note_without_a_user_file(tmp_path):
    salesforce_api(tmp_path, users=False)
    data = kt.load_crm(tmp_path, preset="salesforce")
    assert set(data.opportunities["rep"]) == {"0055g00000Us001AAB"}
    assert any("export that file too" in n for n in data.quality.notes)


# --- no ID, no owner, goals ----------------------------------------------------------------
def test_a_report_without_record_ids_numbers_rows_and_keeps_repeated_names(tmp_path):
    write(tmp_path, "Opportunities.csv",
          "Opportunity Name,Stage,Amount,Close Date,Created Date,Won,Closed\n"
          "Acme renewal,Closed Won,10,3/1/2024,1/1/2024,1,1\n"
          "Acme renewal,Closed Won,20,4/1/2024,2/1/2024,1,1\n")
    data = kt.load_crm(tmp_path, preset="salesforce")
    opps = data.opportunities
    assert opps["opportunity_id"].tolist() == ["Opportunities.csv#0", "Opportunities.csv#1"]
    assert opps["rep"].tolist() == ["(unassigned)"] * 2 and data.quality.excluded.empty
    assert any("numbered" in g for g in data.quality.guessed)
    assert any("no owner column" in n for n in data.quality.notes)


def test_dynamics_goals_that_others_roll_up_into_are_not_quotas(tmp_path):
    goals = pd.DataFrame({"(Do Not Modify) Goal": ["g1", "g2", "g3"],
                          "Name": ["Team Q1", "Ann Q1", "Bo Q1"],
                          "Goal Owner": ["Mia Boss", "Ann", "Bo"],
                          "Parent Goal": ["", "Team Q1", "Team Q1"],
                          "From": ["2024-01-01"] * 3, "Target (Money)": ["300", "100", "200"]})
    goals.to_excel(tmp_path / "Goals.xlsx", index=False)
    data = kt.load_crm(tmp_path, preset="dynamics365")
    assert data.quotas["rep"].tolist() == ["Ann", "Bo"]
    assert reasons(data, "quotas") == {0: "team roll-up"}


def test_salesforce_metrics_give_quotas_without_team_goals_or_count_targets(tmp_path):
    write(tmp_path, "Metric.csv",
          "Id,OwnerId,IsDeleted,GoalId,StartDate,MetricType,TargetValue\n"
          "m1,u1,0,gTeam,2024-04-01 00:00:00,Currency,300\n"
          "m2,u2,0,gAnn,2024-04-01 00:00:00,Currency,100\n"
          "m3,u2,0,gAnn,2024-04-01 00:00:00,Number,40\n"
          "m4,u3,0,gBo,2024-04-01 00:00:00,Currency,200\n")
    write(tmp_path, "GoalLink.csv", "Id,ParentGoalId,SubgoalId\nl1,gTeam,gAnn\nl2,gTeam,gBo\n")
    write(tmp_path, "User.csv", "Id,Name\nu1,Mia Boss\nu2,Ann\nu3,Bo\n")
    data = kt.load_crm(tmp_path, preset="salesforce")
    assert data.quotas["rep"].tolist() == ["Ann", "Bo"]
    assert data.quotas["quota"].tolist() == [100, 200]
    assert reasons(data, "quotas") == {0: "team roll-up", 2: "not a money target"}

# --- today and settings ---------------------------------------------------------------------
def test_today_is_given_or_the_latest_plausible_record_date(tmp_path):
    write(tmp_path, "opportunities.csv",
          "opportunity_id,rep,created_at,amount,status,stage,expected_close\n"
          "1,Ann,2024-03-01,5,open,Qualify,2025-06-30\n2,Ann,2099-01-01,5,open,Qualify,\n"
          "3,Ann,2024-02-01,5,open,Qualify,\n")
    data = kt.load_crm(tmp_path)
    assert data.today == T("2024-03-01")  # not the 2099 typo, not the planned close
    assert reasons(data, "opportunities") == {1: "implausible date"}
    assert any("today is 2024-03-01" in g for g in data.quality.guessed)
    assert kt.load_crm(tmp_path, today="2024-06-30").today == T("2024-06-30")


def test_settings_give_the_source_and_options(tmp_path):
    write(tmp_path, "deals.csv",
          "Record ID,Deal Name,Deal Stage,Amount,Close Date,Create Date,Deal owner\n"
          "1,A,Gewonnen,100,2024-02-01,2024-01-01,Ann\n")
    settings = kt.Settings(source=str(tmp_path), preset="hubspot", closed_won=["Gewonnen"],
                           today="2024-05-01")
    path = settings.save(tmp_path / "settings.json")
    for given in (settings, settings.to_dict(), path):
        data = kt.load_crm(settings=given)
        assert data.opportunities["status"].tolist() == ["won"]
        assert data.today == T("2024-05-01")


# --- mapping rules --------------------------------------------------------------------------
def test_mapping_takes_constants_value_maps_and_row_numbers(tmp_path):
    write(tmp_path, "verkauf.csv", "Verkäufer;Phase;Wert;Angelegt;Abschluss\n"
                                   "Ann;Gewonnen;100;2024-01-02;2024-02-01\n"
                                   "Ann;Verloren;50;2024-01-03;2024-02-02\n"
                                   "Bo;Angebot;70;2024-01-04;\n")
    mapping = {"opportunities": {
        "opportunity_id": kt.io.row_number(), "rep": "Verkäufer",
        "status": kt.io.value_map("Phase", {"Gewonnen": "won", "Verloren": "lost"},
                                  default="open"),
        "stage": kt.io.value_map("Phase", {"Gewonnen": "Closed Won", "Verloren": "Closed Lost",
                                           "Angebot": "Propose"}),
        "amount": "Wert", "created_at": "Angelegt", "closed_at": "Abschluss",
        "source": kt.io.const("Messe")}}
    data = kt.load_crm(tmp_path / "verkauf.csv", mapping=mapping)
    opps = data.opportunities
    assert opps["status"].tolist() == ["won", "lost", "open"]
    assert opps["stage"].tolist() == ["Closed Won", "Closed Lost", "Propose"]
    assert opps["source"].tolist() == ["Messe"] * 3
    assert opps["opportunity_id"].tolist() == [f"verkauf.csv#{i}" for i in range(3)]


def test_did_you_mean_never_suggests_a_header_whose_values_do_not_fit(tmp_path):
    write(tmp_path, "opportunities.csv",
          "opportunity_idx,rep,created_at,amount,status,stage,Opportunity Rating\n"
          "1,Ann,2024-01-01,5,open,Qualify,4\n")
    with pytest.raises(kt.SchemaError) as error:
        kt.load_crm(tmp_path, mapping={"opportunity_id": "Opportunity Ratin"})
    assert "Did you mean" not in str(error.value)


# --- messy files and values -----------------------------------------------------------------
def test_day_first_is_decided_for_the_whole_export(tmp_path):
    write(tmp_path, "opportunities.csv",
          "opportunity_id,rep,created_at,amount,status,stage,closed_at\n"
          "1,Ann,03/02/2024,5,won,Closed Won,13/02/2024\n")
    write(tmp_path, "activities.csv", "activity_id,rep,at,kind\na1,Ann,04/02/2024,call\n")
    data = kt.load_crm(tmp_path)
    assert data.opportunities["created_at"].tolist() == [T("2024-02-03")]
    assert data.activities["at"].tolist() == [T("2024-02-04")]
    assert any("Dates of this export read as day/month/year" in n for n in data.quality.notes)


def test_one_stray_windows_byte_does_not_redecode_a_utf8_file(tmp_path):
    text = "lead_id,rep,created_at,source\nL1,Zoë,2024-01-01,Web\n".encode()
    write(tmp_path, "leads.csv", text + b"L2,Zo\xeb,2024-01-02,Caf\xe9\n")
    data = kt.load_crm(tmp_path)
    assert data.leads["rep"].tolist() == ["Zoë", "Zoë"]
    assert data.leads["source"].tolist() == ["Web", "Café"]


def test_unicode_look_alikes_are_one_rep(tmp_path):
    write(tmp_path, "leads.csv", "lead_id,rep,created_at,source\nL1,José Ruiz,2024-01-01,Web\n"
                                 "L2,Jose\u0301 Ruiz,2024-01-01,Web\n"
                                 "L3,José\u00a0Ruiz,2024-01-01,Web\n")
    assert kt.load_crm(tmp_path).leads["rep"].nunique() == 1


@pytest.mark.parametrize("word, flag", [("WAHR", True), ("ja", True), ("oui", True),
                                        ("✓", True), ("nein", False), ("", False)])
def test_flags_in_other_languages(tmp_path, word, flag):
    write(tmp_path, "activities.csv", "activity_id,rep,at,kind,is_first_meeting\n"
                                      f"a1,Ann,2024-01-01,meeting,{word}\n")
    assert kt.load_crm(tmp_path).activities["is_first_meeting"].tolist() == [flag]


def test_an_unknown_flag_word_is_excluded_not_false(tmp_path):
    write(tmp_path, "activities.csv", "activity_id,rep,at,kind,is_first_meeting\n"
                                      "a1,Ann,2024-01-01,meeting,vielleicht\n")
    data = kt.load_crm(tmp_path)
    assert reasons(data, "activities") == {0: "unreadable flag"} and data.activities.empty


def test_links_out_of_the_folder_are_not_followed(tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text("lead_id,rep,created_at,source\nSECRET-LINE,x,2024-01-01,y\n")
    folder = tmp_path / "export"
    folder.mkdir()
    os.symlink(outside, folder / "leads.csv")
    data = kt.load_crm(folder)
    assert data.leads.empty
    assert any("outside the folder" in n for n in data.quality.notes)
    assert "SECRET" not in repr(data.quality)


def test_hidden_excel_sheets_are_not_loaded(tmp_path):
    path = tmp_path / "crm.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"rep": ["Ann"], "period": ["2024-01-01"], "quota": [100]}).to_excel(
            writer, sheet_name="quotas", index=False)
        pd.DataFrame({"rep": ["Ann"], "period": ["2023-01-01"], "quota": [1]}).to_excel(
            writer, sheet_name="old quotas", index=False)
        writer.book["old quotas"].sheet_state = "hidden"
    data = kt.load_crm(path)
    assert data.quotas["quota"].tolist() == [100.0]
    assert any("hidden sheet(s) ['old quotas']" in n for n in data.quality.notes)


@pytest.mark.parametrize("by", ["file", "column"])
def test_the_newest_copy_of_a_record_wins(tmp_path, by):
    header = "opportunity_id,rep,created_at,amount,status,stage" + (
        ",modified_at" if by == "column" else "")
    old = write(tmp_path, "opportunities_old.csv", header + "\n1,Ann,2024-01-01,5,open,Qualify"
                + (",2024-03-01" if by == "column" else "") + "\n")
    new = write(tmp_path, "opportunities_new.csv", header + "\n1,Ann,2024-01-01,9,open,Qualify"
                + (",2024-04-01" if by == "column" else "") + "\n")
    times = (1.7e9, 1.7e9) if by == "column" else None
    os.utime(old, times or (1.6e9, 1.6e9))
    os.utime(new, times or (1.7e9, 1.7e9))
    data = kt.load_crm(tmp_path)
    assert data.opportunities["amount"].tolist() == [9.0]
    ex = data.quality.excluded
    assert ex[["file", "reason"]].values.tolist() == [["opportunities_old.csv", "older copy"]]


def test_the_report_escapes_user_text_in_html(tmp_path):
    write(tmp_path, "opportunities.csv", "opportunity_id,rep,created_at,amount,status,stage\n"
                                         "1,Ann,2024-01-01,5,open,"
                                         "<img src=x onerror=alert(1)>\n")
    html = kt.load_crm(tmp_path).quality._repr_html_()
    assert "<img" not in html and "&lt;img" in html


def test_a_label_on_won_and_lost_deals_alike_follows_each_deals_flag(tmp_path):
    write(tmp_path, "deals.csv", "\n".join([
        HUBSPOT, "1,A,Done,100,2024-02-01,2024-01-01,Ann,true,false",
        "2,B,Done,50,2024-02-02,2024-01-01,Ann,false,true"]) + "\n")
    data = kt.load_crm(tmp_path, preset="hubspot")
    assert data.quality.excluded.empty
    assert data.opportunities[["status", "stage"]].values.tolist() == [
        ["won", "Closed Won"], ["lost", "Closed Lost"]]
