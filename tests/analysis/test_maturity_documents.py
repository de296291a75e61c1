"""Document evidence (data/raw/<wave>/documents.csv): it decides the criteria it covers, raises a municipality
exactly as far as the other criteria allow, and a bad file is rejected with the place of every problem."""

import shutil

import pandas as pd
import pytest

from conftest import ROOT, valid_rows, write_csv
from igb.analysis.maturity import assess, load_model, read_documents
from igb.config import paths as make_paths
from igb.errors import ValidationFailed
from igb.pipeline import prepare
from test_maturity import in_words_of, municipality

SOURCE = "Nota lokaal gezondheidsbeleid 2008-2011, p. 12 (test)"


def documents(*rows):
    return pd.DataFrame([{"municipality": m, "criterion": c, "met": met, "source": SOURCE} for m, c, met in rows])


def stage_of(frame, docs=None):
    stages, evidence = in_words_of(frame, documents=docs)
    return stages.iloc[0], evidence.set_index("criterion")


def test_a_document_meeting_the_proxy_of_stage_2_raises_as_far_as_the_survey_can_establish():
    # 2.1's proxy (segv_priority 0%) holds A at stage 1; every other criterion is met. With the memorandum meeting
    # 2.1, stages 2 and 3 are met and observed; stage 4 rests on proxies alone: established 3, provisional 5.
    frame = municipality("A", 4, {"segv_priority": 0})
    before, _ = stage_of(frame)
    after, evidence = stage_of(frame, documents(("A", "2.1", True)))
    assert before["stage"] == 1
    assert after["stage"] == 3 and after["provisional_stage"] == 5
    e = evidence.loc["2.1"]
    assert (e["source"], e["met"], e["survey_met"], e["document"]) == ("document", True, False, SOURCE)
    assert "2.1" not in after["to_confirm"].split(", ")  # a document confirms it: no proxy left to confirm


def test_the_document_raises_no_further_than_the_next_missed_criterion():
    # as above, but only 1 of 4 works on SEGV (3.1: one sector < 3; 3.2: 25% < 50): the document lifts A from 1 to
    # 2, not to 3
    frame = municipality("A", 4, {"segv_priority": 0, "segv_work": 1})
    assert stage_of(frame)[0]["stage"] == 1
    after, _ = stage_of(frame, documents(("A", "2.1", True)))
    assert after["stage"] == 2 and after["reason"].startswith("stadium 3 niet bereikt: 3.1") and "3.2" in after["reason"]


def test_a_document_on_one_criterion_of_stage_4_establishes_it_when_the_proxies_agree():
    # survey alone: 3, provisionally 5. A document meeting 4.3 (written processes) makes stage 4 rest on more than
    # proxies: established 4; stage 5 still rests on proxies alone: provisional 5.
    frame = municipality("A", 4)
    after, _ = stage_of(frame, documents(("A", "4.3", True)))
    assert after["stage"] == 4 and after["stage_name"] == "Beleid" and after["provisional_stage"] == 5


def test_a_document_meeting_a_missed_proxy_of_stage_4_but_another_proxy_still_missing():
    # 4.1's proxy misses (2 of 4 = 50% < 75): a document meeting 4.3 does not lift A above 3
    frame = municipality("A", 4, {"way_common_goal": 2})
    after, _ = stage_of(frame, documents(("A", "4.3", True)))
    assert after["stage"] == 3 and pd.isna(after["provisional_stage"]) and "stadium 4 niet bereikt: 4.1" in after["reason"]
    # with both decided by documents, stage 4 is established and stage 5 follows on its proxies
    both, _ = stage_of(frame, documents(("A", "4.3", True), ("A", "4.1", True)))
    assert both["stage"] == 4 and both["provisional_stage"] == 5


def test_a_document_can_also_say_no():
    after, evidence = stage_of(municipality("A", 4), documents(("A", "3.2", False)))
    assert after["stage"] == 2 and "3.2 Draagvlak aanzienlijk vergroot: document: nee" in after["reason"]
    assert evidence.loc["3.2", "survey_met"] and not evidence.loc["3.2", "met"]


def test_documents_of_one_municipality_leave_the_others_alone():
    frame = pd.concat([municipality("A", 4, {"segv_priority": 0}), municipality("B", 4, {"segv_priority": 0})])
    stages, _ = assess(frame, documents=documents(("A", "2.1", True)))
    assert stages.set_index("municipality")["stage"].to_dict() == {"A": 3, "B": 1}


# -- validation ---------------------------------------------------------------------------------------------------
def read(tmp_path, text, municipalities=("1", "2")):
    path = tmp_path / "documents.csv"
    path.write_text(text, encoding="utf-8")
    return read_documents(path, model=load_model(), municipalities=municipalities)


def test_a_good_file_with_semicolons_dutch_answers_and_a_dutch_decimal_comma(tmp_path):
    report, frame = read(tmp_path, "municipality;criterion;met;source\n1;2,1;Ja;Nota LGB, p. 3\n2;4.3;nee;Interview VGZ\n")
    assert report.ok and not report.problems
    assert frame[["municipality", "criterion", "met", "source"]].values.tolist() == [
        ["1", "2.1", True, "Nota LGB, p. 3"], ["2", "4.3", False, "Interview VGZ"]]


def test_a_bad_file_is_rejected_with_file_row_column_value_and_rule(tmp_path):
    text = ("municipality,criterion,met,source\n"
            "9,2.1,yes,Nota\n"                      # row 2: not a municipality of the wave
            "1,6.1,yes,Nota\n"                      # row 3: not a criterion
            "1,2.1,maybe,Nota\n"                    # row 4: met is not yes/no
            "1,3.4,yes,\n"                          # row 5: no source
            "1,4.1,yes,=HYPERLINK(\"http://x\")\n"  # row 6: a formula
            "../x,4.2,yes,Nota\n"                   # row 7: a code that is no file name
            "2,5.3,yes,Nota\n"
            "2,5.3,no,Nota again\n")                # row 9: the same criterion twice
    report, frame = read(tmp_path, text)
    assert frame is None and not report.ok
    found = {(p.row, p.column, p.value, p.rule) for p in report.errors}
    assert found == {
        (2, "municipality", "9", "documents_municipality_unknown"),
        (3, "criterion", "6.1", "documents_criterion_unknown"),
        (4, "met", "maybe", "documents_met_invalid"),
        (5, "source", None, "documents_value_missing"),
        (6, "source", '=HYPERLINK("http://x")', "documents_source_invalid"),
        (7, "municipality", "../x", "documents_municipality_unsafe"),
        (9, "criterion", "5.3", "documents_duplicate"),
    }
    assert all(p.file == str(tmp_path / "documents.csv") for p in report.errors)
    lines = report.format("en").splitlines()
    assert f"ERROR [documents_municipality_unknown] {tmp_path / 'documents.csv'}, row 2, column municipality: " \
           "municipality '9' is not one of the wave's municipalities 1, 2" in lines
    assert any(line.startswith("FOUT [documents_met_invalid]") and "rij 4, kolom met" in line
               for line in report.format("nl").splitlines())


def test_a_missing_column_is_named(tmp_path):
    report, frame = read(tmp_path, "municipality,criterion,source\n1,2.1,Nota\n")
    assert frame is None
    assert [(p.row, p.column, p.rule) for p in report.errors] == [(1, "met", "documents_column_missing")]


def test_an_unreadable_file_is_an_error_not_a_crash(tmp_path):
    path = tmp_path / "documents.csv"
    path.write_bytes(b"municipality,criterion,met,source\n1,2.1,yes,Nota \xff\n")
    report, frame = read_documents(path, model=load_model(), municipalities=("1",))
    assert frame is None and [p.rule for p in report.errors] == ["encoding"]


# -- through igb prepare ------------------------------------------------------------------------------------------
@pytest.fixture
def project(tmp_path):
    shutil.copytree(ROOT / "params", tmp_path / "params")
    project = make_paths(tmp_path)
    (tmp_path / "data" / "raw" / "docs").mkdir(parents=True)
    sectors = ("vgz", "jeugd", "wonen", "sport", "milieu", "zorg")
    write_csv(project.raw("docs") / "responses.csv", valid_rows(municipalities=("1", "2"), sectors=sectors, seed=7))
    (tmp_path / "params" / "waves" / "docs.yaml").write_text("wave: docs\nmin_cell: 1\n", encoding="utf-8")
    return project


def test_prepare_uses_the_documents_and_says_which_source_decided(project):
    prepare("docs", paths=project)
    processed = project.processed("docs")
    survey_only = pd.read_csv(processed / "maturity_evidence.csv", dtype={"municipality": str, "criterion": str})
    assert set(survey_only["source"]) <= {"survey", "proxy"}
    (project.raw("docs") / "documents.csv").write_text(
        "municipality,criterion,met,source\n1,2.1,no,FICTIEF: testnota p. 1\n", encoding="utf-8")
    prepare("docs", paths=project)
    evidence = pd.read_csv(processed / "maturity_evidence.csv", dtype={"municipality": str, "criterion": str})
    row = evidence[(evidence.municipality == "1") & (evidence.criterion == "2.1")].iloc[0]
    assert (row.source, row.met, row.document) == ("document", False, "FICTIEF: testnota p. 1")
    stages = pd.read_csv(processed / "maturity.csv", dtype={"municipality": str}).set_index("municipality")
    # 2.1 decided "no": municipality 1 stops below stage 2, whatever the survey says
    assert stages.loc["1", "stage"] <= 1 and "2.1" in stages.loc["1", "reason"]
    assert {"stage_low", "stage_high", "stage_probability", "provisional_stage"} <= set(stages.columns)
    assert (processed / "documents.csv").exists()
    (project.raw("docs") / "documents.csv").unlink()
    prepare("docs", paths=project)
    assert not (processed / "documents.csv").exists()  # evidence taken away: none is used any more


def test_prepare_refuses_a_bad_documents_file_and_writes_nothing(project):
    (project.raw("docs") / "documents.csv").write_text(
        "municipality,criterion,met,source\n1,2.1,yes,Nota\n3,2.1,yes,Nota\n", encoding="utf-8")
    with pytest.raises(ValidationFailed) as failed:
        prepare("docs", paths=project)
    [problem] = failed.value.report.errors
    assert (problem.file, problem.row, problem.column, problem.value, problem.rule) == (
        str(project.raw("docs") / "documents.csv"), 3, "municipality", "3", "documents_municipality_unknown")
    assert not (project.processed("docs") / "respondents.parquet").exists()
    assert not (project.processed("docs") / "maturity.csv").exists()


def test_reports_read_the_stages_prepare_wrote_and_compute_them_only_under_another_min_cell(project, monkeypatch):
    # the documents make municipality 1's stage differ from what the survey alone gives, so reading maturity.csv
    # back is told apart from recomputing without them
    (project.raw("docs") / "documents.csv").write_text(
        "municipality,criterion,met,source\n1,2.1,no,FICTIEF: testnota p. 1\n", encoding="utf-8")
    prepare("docs", paths=project)
    from igb.analysis import maturity
    from igb.report import context

    expected = pd.read_csv(project.processed("docs") / "maturity.csv", dtype=str, keep_default_na=False)
    assert set(expected["min_cell"]) == {"1"}

    def refuse(*args, **kwargs):
        raise AssertionError("stages computed again although prepare wrote them under this min_cell")

    monkeypatch.setattr(maturity, "assess", refuse)
    stages, evidence = context.load("docs", lang="nl", paths=project).stages()
    for column in stages.columns:
        read = stages[column].astype(object).where(stages[column].notna(), "")
        assert read.astype(str).tolist() == expected[column].tolist(), column
    assert evidence.set_index(["municipality", "criterion"]).loc[("1", "2.1"), "source"] == "document"
    english, _ = context.load("docs", lang="en", paths=project).stages()  # the same codes, in other words
    assert english["stage"].tolist() == stages["stage"].tolist() and english["reason"].iloc[0].startswith("stage")
    with pytest.raises(AssertionError, match="computed again"):  # another min_cell: not what prepare wrote
        context.load("docs", lang="nl", min_cell=3, paths=project).stages()
    monkeypatch.undo()
    strict, _ = context.load("docs", lang="nl", min_cell=30, paths=project).stages()
    assert strict["stage"].isna().all() and strict["reason"].str.contains("minder dan 30").all()
