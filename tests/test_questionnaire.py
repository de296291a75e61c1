"""`igb questionnaire`: the XLSForm converts with pyxform, the .lss parses back as the codebook says, the HTML page
reads as a questionnaire with its routing written out; every text checked against params/codebook.yaml itself."""

import html
import re
import shutil
import xml.etree.ElementTree as ET

import openpyxl
import pytest
import yaml
from pyxform import xls2xform

from conftest import CODEBOOK, ROOT
from igb.cli import main
from igb.errors import ConfigError
from igb.questionnaire import write
from igb.survey.codebook import Codebook
from igb.survey.wave import WaveSpec, load_spec

ITEMS = CODEBOOK["items"]
NL, EN = "label::Nederlands (nl)", "label::English (en)"
RIVM = yaml.safe_load((ROOT / "params" / "waves" / "rivm2009.yaml").read_text(encoding="utf-8"))


@pytest.fixture
def project(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "params", tmp_path / "params")
    monkeypatch.setenv("IGB_ROOT", str(tmp_path))
    return tmp_path


def sheet_rows(path, sheet):
    cells = openpyxl.load_workbook(path, read_only=True)[sheet].iter_rows(values_only=True)
    header = next(cells)
    return [dict(zip(header, r)) for r in cells if any(v is not None for v in r)]


def documented_code(name):
    """README's rule for LimeSurvey question codes: camelCase of the id's words, letters and digits, at most 20."""
    words = name.split("_")
    code = re.sub(r"[^0-9A-Za-z]", "", words[0] + "".join(w[:1].upper() + w[1:] for w in words[1:]))
    return ("q" + code if not code[:1].isalpha() else code)[:20]


# -- XLSForm -----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("wave", ["rivm2009", None])
def test_the_xlsform_converts_with_pyxform_with_no_error_and_no_warning(project, wave):
    path = project / "form.xlsx"
    assert main(["questionnaire", "--to", "xlsform", "--out", str(path), *(["--wave", wave] if wave else [])]) == 0
    warnings = []
    result = xls2xform.convert(str(path), warnings=warnings)
    assert warnings == []
    xform = ET.fromstring(result.xform)
    binds = {b.get("nodeset").rsplit("/", 1)[-1]: b for b in xform.iter("{http://www.w3.org/2002/xforms}bind")}
    assert {"municipality", "sector", *ITEMS} <= set(binds)
    assert binds["collaborates"].get("type") == "string" and binds["start"].get("type") == "dateTime"


def test_every_item_is_a_select_one_named_by_its_id_in_the_group_of_its_section(project):
    path = write("xlsform", project / "form.xlsx", codebook=Codebook.load(), spec=load_spec("rivm2009"))
    survey, groups, seen = sheet_rows(path, "survey"), [], {}
    for r in survey:
        if r["type"] == "begin_group":
            groups.append(r)
        elif r["type"] == "end_group":
            groups.pop()
        elif r["name"] in ITEMS:
            seen[r["name"]] = (r, list(groups))
    assert list(seen) == sorted(ITEMS, key=lambda i: [int(p) for p in ITEMS[i]["section"].split(".")])
    for item_id, (r, enclosing) in seen.items():
        item = ITEMS[item_id]
        assert r["type"] == f"select_one {item['type']}"
        section = item["section"]
        assert enclosing[0]["name"] == "s" + section.replace(".", "_")
        assert enclosing[0][NL] == f"{section} {CODEBOOK['sections'][section]['nl']}"
        texts = [r[NL], *(g[NL] for g in enclosing[1:])]
        assert any(item["question_nl"] in t for t in texts), item_id  # appendix V's question, on it or its group
        if item.get("option_nl"):
            assert r[NL] == item["option_nl"]
        assert r[EN] == item["label"]["en"] or r[EN].endswith(" " + item["label"]["en"])
        asked = item["asked_if"]
        relevant = [x["relevant"] for x in (r, *enclosing) if x["relevant"]]
        assert relevant == ([f"${{{asked['item']}}} = '{asked['equals']}'"] if asked else []), item_id


def test_the_choices_are_the_codebook_values_sectors_and_the_waves_municipalities(project):
    path = write("xlsform", project / "form.xlsx", codebook=Codebook.load(), spec=load_spec("rivm2009"))
    choices = {}
    for r in sheet_rows(path, "choices"):
        choices.setdefault(r["list_name"], []).append((str(r["name"]), r[NL], r[EN]))
    for name, options in CODEBOOK["value_sets"].items():
        assert choices[name] == [(v, o["nl"], o["en"]) for v, o in options.items()]
    assert choices["sector"] == [(s, d["nl"], d["en"]) for s, d in CODEBOOK["sectors"].items()]
    assert [c[0] for c in choices["municipality"]] == RIVM["municipalities"]
    survey = {r["name"]: r for r in sheet_rows(path, "survey")}
    assert survey["municipality"]["type"] == "select_one municipality"
    assert survey["sector"]["type"] == "select_one sector"
    settings = sheet_rows(path, "settings")[0]
    assert settings["default_language"] == "Nederlands (nl)" and settings["form_id"] == "igb_rivm2009"


def test_without_a_list_of_municipalities_the_municipality_is_written_in(project):
    path = write("xlsform", project / "form.xlsx", codebook=Codebook.load(), lang="en")
    survey = {r["name"]: r for r in sheet_rows(path, "survey")}
    assert survey["municipality"]["type"] == "text"
    assert "municipality" not in {r["list_name"] for r in sheet_rows(path, "choices")}
    assert sheet_rows(path, "settings")[0]["default_language"] == "English (en)"


# -- LimeSurvey --------------------------------------------------------------------------------------------------------
def lss(path):
    document = ET.parse(path).getroot()

    def table(name):
        return [{f.tag: f.text or "" for f in row} for row in document.find(name).find("rows")]

    return document, table


def test_the_lss_parses_back_with_every_item_its_code_answers_relevance_and_both_languages(project):
    path = write("limesurvey", project / "form.lss", codebook=Codebook.load(), spec=load_spec("rivm2009"))
    document, table = lss(path)
    assert document.tag == "document" and document.findtext("LimeSurveyDocType") == "Survey"
    assert [x.text for x in document.find("languages")] == ["nl", "en"]
    survey = table("surveys")[0]
    assert (survey["language"], survey["additional_languages"]) == ("nl", "en")
    questions = {q["title"]: q for q in table("questions")}
    assert len(questions) == len(table("questions"))  # codes are unique
    texts = {(t["qid"], t["language"]): html.unescape(t["question"]) for t in table("question_l10ns")}
    answers_by_aid = {a["aid"]: a for a in table("answers")}
    answers = {}
    for label in table("answer_l10ns"):
        answer = answers_by_aid[label["aid"]]
        labels = answers.setdefault(answer["qid"], {}).setdefault(answer["code"], {})
        labels[label["language"]] = html.unescape(label["answer"])
    for code in questions:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", code), code
    for item_id, item in ITEMS.items():
        q = questions[documented_code(item_id)]
        assert q["type"] == "L"
        options = CODEBOOK["value_sets"][item["type"]]
        assert answers[q["qid"]] == {str(o["code"]): {"nl": o["nl"], "en": o["en"]} for o in options.values()}
        shared = sum((i["section"], i["question_nl"]) == (item["section"], item["question_nl"]) for i in ITEMS.values())
        if item.get("option_nl") or shared > 1:  # one option of a question: the question is a text display before it
            assert texts[(q["qid"], "nl")] == (item.get("option_nl") or item["label"]["nl"])
            assert any(x["type"] == "X" and x["gid"] == q["gid"] and item["question_nl"] in texts[(x["qid"], "nl")]
                       and int(x["question_order"]) < int(q["question_order"]) for x in questions.values())
        else:
            assert item["question_nl"] in texts[(q["qid"], "nl")]
        assert item["label"]["en"] in texts[(q["qid"], "en")]
        asked = item["asked_if"]
        parent_code = asked and CODEBOOK["value_sets"][ITEMS[asked["item"]]["type"]][asked["equals"]]["code"]
        assert q["relevance"] == (f'{documented_code(asked["item"])}.NAOK == "{parent_code}"' if asked else "1")
    municipality = questions["municipality"]
    assert [c for c in answers[municipality["qid"]]] == RIVM["municipalities"]
    sectors = answers[questions["sector"]["qid"]]
    assert [v["nl"] for v in sectors.values()] == [d["nl"] for d in CODEBOOK["sectors"].values()]
    assert all(re.fullmatch(r"[A-Za-z0-9]{1,5}", c) for c in sectors)
    groups = {g["gid"]: g for g in table("group_l10ns") if g["language"] == "nl"}
    for item_id, item in ITEMS.items():
        assert groups[questions[documented_code(item_id)]["gid"]]["group_name"].startswith(item["section"] + " ")


def test_the_lss_in_english_has_english_as_its_base_language(project):
    path = write("limesurvey", project / "form.lss", codebook=Codebook.load(), lang="en")
    document, table = lss(path)
    assert [x.text for x in document.find("languages")] == ["en", "nl"]
    assert {q["title"]: q["type"] for q in table("questions")}["municipality"] == "S"  # no list: written in


def test_a_codebook_in_which_two_items_share_a_limesurvey_code_is_refused(project):
    data = yaml.safe_load((ROOT / "params" / "codebook.yaml").read_text(encoding="utf-8"))
    data["items"]["health_priorit_y"] = dict(data["items"]["health_priority"])  # camelCase: healthPrioritY
    data["items"]["health_prioritY"] = dict(data["items"]["health_priority"])
    with pytest.raises(ConfigError, match="LimeSurvey question code"):
        write("limesurvey", project / "form.lss", codebook=Codebook.from_dict(data))


# -- HTML --------------------------------------------------------------------------------------------------------------
def text_of(page):
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def test_the_html_questionnaire_is_dutch_by_default_with_the_routing_written_out(project):
    out = project / "vragenlijst.html"
    assert main(["questionnaire", "--to", "html", "--out", str(out), "--wave", "rivm2009"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="nl">' in page
    assert "@media print" in page and "@page" in page
    words = text_of(page)
    for item in ITEMS.values():
        assert item["question_nl"] in words and (item.get("option_nl") or "") in words
    for section, heading in CODEBOOK["sections"].items():
        assert f"{section} {heading['nl']}" in words
    assert "5.1.1 Is er vanuit uw eigen beleidsterrein(en) in het afgelopen jaar samengewerkt" in words
    assert "Alleen als u bij 5.1.1 Ja antwoordde." in words
    assert "Alleen als u bij 4.2.2 Ja antwoordde." in words  # target_groups_considered, asked if health_work = yes
    routed = {(i["section"], i["question_nl"]) for i in ITEMS.values() if i["asked_if"]}  # one line per question
    assert words.count("Alleen als u bij") == len(routed)
    for sector in CODEBOOK["sectors"].values():
        assert sector["nl"] in words


def test_the_html_questionnaire_in_english(project):
    out = write("html", project / "questionnaire.html", codebook=Codebook.load(), lang="en")
    page = out.read_text(encoding="utf-8")
    words = text_of(page)
    assert '<html lang="en">' in page and "Only if you answered Yes at 5.1.1." in words
    assert all(item["label"]["en"] in words for item in ITEMS.values())
    assert "(write in)" in words  # no wave: the municipality is written in


def test_every_text_from_the_codebook_and_the_wave_is_escaped(project):
    data = yaml.safe_load((ROOT / "params" / "codebook.yaml").read_text(encoding="utf-8"))
    data["items"]["health_priority"]["question_nl"] = "Is <script>alert(1)</script> & co een prioriteit?"
    data["sectors"]["vgz"]["nl"] = "<b>VGZ</b>"
    data["sections"]["4.2"]["nl"] = "Deel <i>een</i>"
    spec = WaveSpec(wave="w", municipalities=("1", "2"), municipality_names={"1": "<img src=x onerror=alert(1)>"})
    for to, name in (("html", "q.html"), ("limesurvey", "q.lss")):
        text = write(to, project / name, codebook=Codebook.from_dict(data), spec=spec).read_text(encoding="utf-8")
        for raw in ("<script>", "<b>VGZ", "<i>een", "<img"):
            assert raw not in text
            if to == "limesurvey":  # LimeSurvey shows its texts as HTML: escaped also once the XML is read
                assert raw not in "".join(ET.fromstring(text).itertext())
    page = (project / "q.html").read_text(encoding="utf-8")
    assert "Is &lt;script&gt;alert(1)&lt;/script&gt; &amp; co een prioriteit?" in page


def test_an_output_path_with_another_extension_is_refused_with_one_line(project, capsys):
    assert main(["questionnaire", "--to", "xlsform", "--out", str(project / "form.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("igb: --out") and ".xlsx" in err and not (project / "form.csv").exists()


def test_every_section_of_an_item_has_a_heading_and_a_codebook_without_headings_numbers_its_parts(project):
    assert {i["section"] for i in ITEMS.values()} <= set(CODEBOOK["sections"])
    assert all(h["nl"] and h["en"] and h["nl"] != h["en"] for h in CODEBOOK["sections"].values())
    data = yaml.safe_load((ROOT / "params" / "codebook.yaml").read_text(encoding="utf-8"))
    del data["sections"]
    words = text_of(write("html", project / "q.html", codebook=Codebook.from_dict(data)).read_text(encoding="utf-8"))
    assert "4.2 Onderdeel 4.2" in words and "6.2 Onderdeel 6.2" in words
    data["sections"] = {"4.2": {"nl": "Alleen Nederlands"}}
    with pytest.raises(ConfigError, match="malformed"):
        Codebook.from_dict(data)
