"""Fieldwork round trip: the questionnaire igb generates, answered with the rivm2009 wave (SYNTHETIC) and exported as
KoboToolbox/ODK and LimeSurvey export it, reads back with no mapping file into the very tables of rivm2009.

Each export is built here from the generated form (the XLSForm's names, groups and choices; the .lss's question
and answer codes, parsed with the standard library's XML parser) and the platform's documented export layout, not
with igb's own code. The expected tables are rivm2009's own, prepared from data/raw/rivm2009/responses.csv with its
mapping file; a few counts are also computed here directly from that file.
"""

import csv
import html
import re
import shutil
import uuid
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml

from conftest import CODEBOOK, ROOT
from igb.cli import main

ANSWERS = list(csv.DictReader((ROOT / "data" / "raw" / "rivm2009" / "responses.csv").open(encoding="utf-8")))
KOBO_BEFORE = ["start", "end"]  # the form's own metadata questions
KOBO_AFTER = ["_id", "_uuid", "_submission_time", "_validation_status", "_notes", "_status", "_submitted_by",
              "__version__", "_tags", "_index", "meta/instanceID"]  # what KoboToolbox adds to every export
LIME_META = ["id", "submitdate", "lastpage", "startlanguage", "seed", "startdate", "datestamp"]
INCOMPLETE = 7  # responses started in LimeSurvey and never submitted
KEY = ["table", "unit_type", "unit", "item", "category"]
VALUES = {item_id: CODEBOOK["value_sets"][item["type"]] for item_id, item in CODEBOOK["items"].items()}
START = datetime(2026, 3, 2, 9, 0)


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("fieldwork")
    for folder in ("params", "notebooks", "data/raw/rivm2009"):
        shutil.copytree(ROOT / folder, root / folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("IGB_ROOT", str(root))
        assert main(["prepare", "--wave", "rivm2009"]) == 0
        for to, name in (("xlsform", "form.xlsx"), ("limesurvey", "form.lss")):
            assert main(["questionnaire", "--to", to, "--out", str(root / "forms" / name), "--wave", "rivm2009"]) == 0
        yield root


# -- the generated forms, read as a platform reads them ------------------------------------------------------------
def xlsform(root):
    """Each question of the XLSForm -> (its group path, its choice list or None); each list -> {name: Dutch label}."""
    book = openpyxl.load_workbook(root / "forms" / "form.xlsx", read_only=True)

    def rows(sheet):
        cells = book[sheet].iter_rows(values_only=True)
        header = next(cells)
        return [dict(zip(header, r)) for r in cells if any(v is not None for v in r)]

    questions, groups = {}, []
    for r in rows("survey"):
        if r["type"] == "begin_group":
            groups.append(r["name"])
        elif r["type"] == "end_group":
            groups.pop()
        elif r["type"] not in ("start", "end"):
            listed = r["type"].split()[1] if r["type"].startswith("select_one") else None
            questions[r["name"]] = ("/".join([*groups, r["name"]]), listed)
    choices = {}
    for r in rows("choices"):
        choices.setdefault(r["list_name"], {})[str(r["name"])] = r["label::Nederlands (nl)"]
    return questions, choices


def documented_code(name):
    """README's rule for LimeSurvey question codes: camelCase of the id's words, letters and digits, at most 20."""
    words = name.split("_")
    code = re.sub(r"[^0-9A-Za-z]", "", words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]))
    return ("q" + code if not code[:1].isalpha() else code)[:20]


def limesurvey_form(root):
    """The .lss: its questions in order [(code, type, Dutch text)] and each question's answers {Dutch label: code}."""
    document = ET.parse(root / "forms" / "form.lss").getroot()

    def table(name):
        return [{field.tag: field.text or "" for field in row} for row in document.find(name).find("rows")]

    answers_by_aid = {a["aid"]: a for a in table("answers")}
    answers = {}
    for label in table("answer_l10ns"):
        if label["language"] == "nl":
            answer = answers_by_aid[label["aid"]]
            answers.setdefault(answer["qid"], {})[html.unescape(label["answer"])] = answer["code"]
    texts = {t["qid"]: html.unescape(t["question"]) for t in table("question_l10ns") if t["language"] == "nl"}
    questions = [(q["title"], q["type"], texts[q["qid"]], answers.get(q["qid"], {}))
                 for q in sorted(table("questions"), key=lambda q: (int(q["gid"]), int(q["question_order"])))]
    return questions


# -- the exports, in each platform's layout ------------------------------------------------------------------------
def kobo_table(root, *, groups=True, labels=False):
    """Header and rows of a KoboToolbox export of the rivm2009 answers: XML values or choice labels as values, group
    paths in the headers or not, the form's and Kobo's metadata columns."""
    questions, choices = xlsform(root)
    assert set(questions) == {"municipality", "sector", *CODEBOOK["items"]}  # every item is a question named by its id
    header = [*KOBO_BEFORE, *(path if groups else name for name, (path, _) in questions.items()), *KOBO_AFTER]
    rows = []
    for i, answer in enumerate(ANSWERS):
        cells = []
        for name, (_, listed) in questions.items():
            value = answer[name]
            if value:
                assert value in choices[listed], (name, value)  # the codebook's value is the form's choice name
                value = choices[listed][value] if labels else value
            cells.append(value)
        began, submission = START + timedelta(minutes=9 * i), str(uuid.UUID(int=i + 1))
        rows.append([began.isoformat(), (began + timedelta(minutes=8)).isoformat(), *cells, 41_000_000 + i, submission,
                     (began + timedelta(minutes=9)).isoformat(), "", "", "submitted_via_web", "", "vJ3kXYz8", "", i + 1,
                     f"uuid:{submission}"])
    return header, rows


def limesurvey_table(root):
    """Header and rows of a LimeSurvey export (headings: question code; answers: answer codes) of the rivm2009
    answers, in the .lss's question order, with INCOMPLETE responses never submitted (no submitdate) among them."""
    questions = [q for q in limesurvey_form(root) if q[1] != "X"]  # text display questions hold no answer
    by_code = {documented_code(n): n for n in ["municipality", "sector", *CODEBOOK["items"]]}
    assert sorted(q[0] for q in questions) == sorted(by_code)  # one question per item, coded as documented
    names = [by_code[q[0]] for q in questions]
    labels = {"municipality": lambda v: v, "sector": lambda v: CODEBOOK["sectors"][v]["nl"]}
    rng = np.random.default_rng(17)
    starts = set(rng.choice(len(ANSWERS) + INCOMPLETE, INCOMPLETE, replace=False).tolist())
    complete, rows = iter(ANSWERS), []
    for k in range(len(ANSWERS) + INCOMPLETE):
        began = START + timedelta(minutes=11 * k)
        stamp = (began + timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M:%S")
        if k in starts:  # started: municipality, sector and one question answered, then left
            answer, kept = ANSWERS[int(rng.integers(len(ANSWERS)))], {"municipality", "sector", "health_priority"}
            submitted, lastpage = "", 1
        else:
            answer, kept = next(complete), set(names)
            submitted, lastpage = stamp, 8
        cells = []
        for (code, _, _, answers), name in zip(questions, names):
            value = answer[name] if name in kept else ""
            if value:
                value = answers[labels[name](value) if name in labels else VALUES[name][value]["nl"]]
                if name in VALUES:
                    assert value == str(VALUES[name][answer[name]]["code"])  # the codebook's code is the answer code
            cells.append(value)
        rows.append([k + 1, submitted, lastpage, "nl", str(rng.integers(10**8, 10**9)),
                     began.strftime("%Y-%m-%d %H:%M:%S"), stamp, *cells])
    return [*LIME_META, *(q[0] for q in questions)], rows


def write_csv(path, header, rows, *, sep, quote_all):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=sep, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        writer.writerow(header)
        writer.writerows(rows)


def write_limesurvey_sav(root, path):
    """As LimeSurvey's SPSS .sav export writes it: numeric answer codes as numbers with the answers as value labels,
    non-numeric codes (the sectors) replaced by the full answer, dates as SPSS dates, the question as variable label."""
    header, rows = limesurvey_table(root)
    questions = {q[0]: q for q in limesurvey_form(root) if q[1] != "X"}
    frame = pd.DataFrame(rows, columns=header)
    data = {"id": frame["id"].astype(float)}
    for column in ("submitdate", "startdate", "datestamp"):
        data[column] = pd.to_datetime(frame[column].replace("", None))
    data |= {"lastpage": frame["lastpage"].astype(float), "startlanguage": frame["startlanguage"],
             "seed": frame["seed"]}
    value_labels, variable_labels = {}, {}
    for code, (_, _, text, answers) in questions.items():
        by_code = {c: label for label, c in answers.items()}
        if all(c.isdigit() for c in by_code):
            data[code] = frame[code].map(lambda v: float(v) if v != "" else np.nan)
            value_labels[code] = {float(c): label for c, label in by_code.items()}
        else:
            data[code] = frame[code].map(lambda v, m=by_code: m.get(v, ""))
        variable_labels[code] = text[:255]
    out = pd.DataFrame(data)
    path.parent.mkdir(parents=True, exist_ok=True)
    pyreadstat.write_sav(out, str(path), column_labels=[variable_labels.get(c, c) for c in out.columns],
                         variable_value_labels=value_labels)
    return header, rows


def write_kobo_xlsx(path, header, rows):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Intersectoraal samenwerken in d"  # KoboToolbox names the sheet after the form (31 characters)
    sheet.append(header)
    for r in rows:
        sheet.append([None if v == "" else v for v in r])
    path.parent.mkdir(parents=True, exist_ok=True)
    book.save(path)


# -- the comparison ----------------------------------------------------------------------------------------------------
def tables(root, wave):
    frame = pd.read_parquet(root / "data" / "processed" / wave / "tables.parquet")
    return frame.sort_values(KEY).reset_index(drop=True)


def assert_tables_of_rivm2009(root, wave, *, with_sent=False):
    """Every cell of every table equals rivm2009's. Table VI.1's n (and so its percentage) is the number of
    questionnaires sent, a fact of the fieldwork no export holds: without `sent:` only its counts are compared."""
    ours, expected = tables(root, wave), tables(root, "rivm2009")
    if not with_sent:
        ours_vi, expected_vi = (t[(t.table == "VI.1") & (t.unit_type == "sector")] for t in (ours, expected))
        assert dict(zip(ours_vi.unit, ours_vi["count"])) == dict(zip(expected_vi.unit, expected_vi["count"]))
        ours, expected = (t[t.table != "VI.1"].reset_index(drop=True) for t in (ours, expected))
    assert len(ours) > 1000
    pd.testing.assert_frame_equal(ours, expected)


def assert_respondents_of_rivm2009(root, wave, ids):
    ours = pd.read_parquet(root / "data" / "processed" / wave / "respondents.parquet")
    assert ours["respondent_id"].tolist() == [str(i) for i in ids]
    for column in ["municipality", "sector", *CODEBOOK["items"]]:
        assert ours[column].astype(object).where(ours[column].notna(), "").astype(str).tolist() == \
            [a[column] for a in ANSWERS], column


def validation(root, wave):
    return pd.read_csv(root / "data" / "processed" / wave / "validation.csv")


def prepare(root, wave, *extra):
    return main(["prepare", "--wave", wave, "--min-cell", "1", *extra])


# -- the round trips ---------------------------------------------------------------------------------------------------
def test_kobo_csv_with_semicolons_group_paths_and_metadata_reads_back_with_no_mapping(project):
    header, rows = kobo_table(project, groups=True)
    assert any("/" in h for h in header if h not in KOBO_AFTER)
    write_csv(project / "data" / "raw" / "kobo_csv" / "responses.csv", header, rows, sep=";", quote_all=True)
    assert not (project / "params" / "waves" / "kobo_csv.yaml").exists()
    assert prepare(project, "kobo_csv") == 0
    assert_tables_of_rivm2009(project, "kobo_csv")
    assert_respondents_of_rivm2009(project, "kobo_csv", [r[header.index("_id")] for r in rows])
    report = validation(project, "kobo_csv")
    assert "column_unknown" not in set(report.rule) and "item_missing" not in set(report.rule)
    metadata = report[report.rule == "platform_metadata"]
    assert len(metadata) == 1 and "KoboToolbox/ODK" in metadata.message_en.iloc[0]
    assert metadata.value.iloc[0] == len(KOBO_BEFORE) + len(KOBO_AFTER) - 1  # all but _id, which is respondent_id
    for column in [*KOBO_BEFORE, *KOBO_AFTER[1:]]:
        assert column in metadata.message_en.iloc[0]
    # counts computed here from the rivm2009 file: every item's answers among all officers
    got = tables(project, "kobo_csv")
    everyone = got[(got.unit_type == "all") & got.item.isin(list(CODEBOOK["items"]))]
    assert len(everyone) > 50
    for row in everyone.itertuples():
        assert row.count == sum(a[row.item] == row.category for a in ANSWERS), (row.table, row.item, row.category)


def test_kobo_xlsx_without_group_paths_reads_back_with_no_mapping(project):
    header, rows = kobo_table(project, groups=False)
    write_kobo_xlsx(project / "data" / "raw" / "kobo_xlsx" / "responses.xlsx", header, rows)
    assert prepare(project, "kobo_xlsx") == 0
    assert_tables_of_rivm2009(project, "kobo_xlsx")
    assert_respondents_of_rivm2009(project, "kobo_xlsx", [r[header.index("_id")] for r in rows])


def test_an_export_with_choice_labels_reads_back_with_no_mapping(project):
    header, rows = kobo_table(project, groups=True, labels=True)
    cells = {v for r in rows for v in r}
    assert {"Ja", "Nee", "Weet niet", "Sociale zaken"} <= cells and "dont_know" not in cells
    write_csv(project / "data" / "raw" / "labels" / "responses.csv", header, rows, sep=",", quote_all=False)
    assert prepare(project, "labels") == 0
    assert_tables_of_rivm2009(project, "labels")


def test_a_mapping_with_only_the_facts_of_fieldwork_gives_table_vi1_too(project):
    header, rows = kobo_table(project, groups=True)
    write_csv(project / "data" / "raw" / "facts" / "responses.csv", header, rows, sep=";", quote_all=True)
    facts = yaml.safe_load((ROOT / "params" / "waves" / "rivm2009.yaml").read_text(encoding="utf-8"))
    mapping = {"wave": "facts", "sent": facts["sent"], "min_cell": facts["min_cell"]}  # no columns, no values
    (project / "params" / "waves" / "facts.yaml").write_text(yaml.safe_dump(mapping), encoding="utf-8")
    assert main(["prepare", "--wave", "facts"]) == 0
    assert_tables_of_rivm2009(project, "facts", with_sent=True)


def test_limesurvey_csv_reads_back_with_no_mapping_and_leaves_out_incomplete_responses(project):
    header, rows = limesurvey_table(project)
    assert sum(r[1] == "" for r in rows) == INCOMPLETE
    write_csv(project / "data" / "raw" / "lime_csv" / "responses.csv", header, rows, sep=",", quote_all=True)
    assert prepare(project, "lime_csv") == 0
    assert_tables_of_rivm2009(project, "lime_csv")
    assert_respondents_of_rivm2009(project, "lime_csv", [r[0] for r in rows if r[1]])
    report = validation(project, "lime_csv")
    left_out = report[report.rule == "incomplete_excluded"]
    assert left_out.value.tolist() == [INCOMPLETE] and "LimeSurvey" in left_out.message_en.iloc[0]
    assert "column_unknown" not in set(report.rule)
    metadata = report[report.rule == "platform_metadata"]
    assert len(metadata) == 1 and metadata.value.iloc[0] == len(LIME_META) - 1  # all but id, the respondent_id


def test_limesurvey_sav_runs_through_igb_run_with_no_mapping(project):
    header, rows = write_limesurvey_sav(project, project / "data" / "raw" / "lime_sav" / "responses.sav")
    assert main(["run", "--wave", "lime_sav", "--min-cell", "1", "--notebook", "03_collaboration", "--jobs", "1"]) == 0
    assert_tables_of_rivm2009(project, "lime_sav")
    assert_respondents_of_rivm2009(project, "lime_sav", [r[0] for r in rows if r[1]])
    report = validation(project, "lime_sav")
    assert report[report.rule == "incomplete_excluded"].value.tolist() == [INCOMPLETE]
    assert "column_unknown" not in set(report.rule)
    assert (project / "reports" / "lime_sav" / "03_collaboration.html").exists()


def test_incomplete_limesurvey_responses_are_kept_when_the_mapping_says_include(project):
    header, rows = limesurvey_table(project)
    write_csv(project / "data" / "raw" / "lime_keep" / "responses.csv", header, rows, sep=",", quote_all=True)
    (project / "params" / "waves" / "lime_keep.yaml").write_text("wave: lime_keep\nincomplete: include\n")
    assert prepare(project, "lime_keep") == 0
    respondents = pd.read_parquet(project / "data" / "processed" / "lime_keep" / "respondents.parquet")
    assert len(respondents) == len(ANSWERS) + INCOMPLETE
    assert validation(project, "lime_keep").query("rule == 'incomplete_included'").value.tolist() == [INCOMPLETE]
