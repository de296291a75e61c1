"""The questionnaire for fieldwork, generated from the codebook, for survey platforms and for paper.

`igb questionnaire --to xlsform|limesurvey|html --out PATH [--wave W] [--lang nl|en]` writes

- an XLSForm (.xlsx: sheets survey, choices, settings) for KoboToolbox, ODK, SurveyCTO and Enketo: every item is a
  `select_one` question named by its item id, with the codebook's canonical values as choice names (`yes`, `no`,
  `dont_know`), Dutch and English labels, the asked-if logic as `relevant`, one group per report section;
- a LimeSurvey structure file (.lss, the XML LimeSurvey imports): one list question per item, coded
  `igb.survey.platforms.limesurvey_code(item id)`, answer options with the codebook's codes (1 = ja, 0 = nee,
  2 = weet niet), the asked-if logic as relevance equations, in Dutch and English;
- an HTML questionnaire (printable) as a respondent or an ethics committee reads it, with the routing written out.

Municipality and sector are asked first: from the wave's municipalities (`municipalities:` of its mapping file; a
text question when it lists none) and the codebook's sectors. What a platform exports from these forms reads back
with no mapping file (`igb.survey.platforms`). The question texts are appendix V's (Dutch); the codebook holds no
English question texts, so English versions show the Dutch question with the codebook's English item labels.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from igb._checks import check_argument, check_lang
from igb.errors import ConfigError
from igb.safe import html_text
from igb.text import t
from igb.survey.codebook import AskedIf, Codebook, Item
from igb.survey.io import write_text, write_workbook
from igb.survey.platforms import limesurvey_answer_codes, limesurvey_code
from igb.survey.wave import WaveSpec

FORMATS = {"xlsform": (".xlsx",), "limesurvey": (".lss",), "html": (".html", ".htm")}
LANGUAGES = {"nl": "Nederlands (nl)", "en": "English (en)"}  # XLSForm's language names: name and code



def _text(key: str, lang: str) -> str:
    return t(f"questionnaire.{key}", lang)


# -- the structure: parts, numbered questions, routing ------------------------------------------------------------
@dataclass(frozen=True)
class Block:
    """One numbered question as printed: its number (4.3.1), Dutch text and the items it asks (one, or one per
    answer option, each a question of its own), and the asked-if rule its items share (None if they differ)."""

    number: str
    section: str
    text_nl: str
    items: tuple[Item, ...]
    asked_if: AskedIf | None

    @property
    def grid(self) -> bool:
        """Whether the question lists options (each item a row) rather than being one item."""
        return len(self.items) > 1 or self.items[0].option_nl is not None


@dataclass(frozen=True)
class Instrument:
    """The questionnaire: parts (report section, blocks) in section order, and the wave's municipalities."""

    codebook: Codebook
    parts: tuple[tuple[str, tuple[Block, ...]], ...]
    municipalities: tuple[str, ...] | None
    municipality_names: dict[str, str]
    wave: str = ""

    @property
    def blocks(self) -> list[Block]:
        return [b for _, blocks in self.parts for b in blocks]

    def block_of(self, item_id: str) -> Block:
        return next(b for b in self.blocks if any(i.id == item_id for i in b.items))

    def part_title(self, section: str, lang: str) -> str:
        return self.codebook.section_title(section, lang) or f"{_text('part', lang)} {section}"

    def municipality_label(self, code: str) -> str:
        return self.municipality_names.get(code, code)


def _section_key(section: str):
    """4.2 before 4.10 before 5.1; a part that is not a number after the numbers at its level."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in section.split("."))


def build(codebook: Codebook, spec: WaveSpec | None = None) -> Instrument:
    """The questionnaire of a codebook (and a wave's municipalities): items in codebook order within report sections
    in numeric order; consecutive items of a section with one question text form one numbered question."""
    spec = spec or WaveSpec(wave="")
    items = sorted(codebook.items.values(), key=lambda i: _section_key(i.section))  # stable: codebook order within
    parts: dict[str, list[list[Item]]] = {}
    for item in items:
        blocks = parts.setdefault(item.section, [])
        if blocks and blocks[-1][0].question_nl == item.question_nl:
            blocks[-1].append(item)
        else:
            blocks.append([item])
    numbered = []
    for section, groups in parts.items():
        blocks = []
        for k, group in enumerate(groups, start=1):
            rules = {i.asked_if for i in group}
            blocks.append(Block(f"{section}.{k}", section, group[0].question_nl, tuple(group),
                                rules.pop() if len(rules) == 1 else None))
        numbered.append((section, tuple(blocks)))
    return Instrument(codebook, tuple(numbered), spec.municipalities, dict(spec.municipality_names), spec.wave)


def item_text(item: Item, block: Block, lang: str) -> str:
    """What an item is called where it is asked: its answer option (Dutch) or label in a listing, else the question."""
    if lang == "en":
        return item.label_en
    return (item.option_nl or item.label_nl) if block.grid else block.text_nl


def routing(instrument: Instrument, rule: AskedIf, lang: str) -> str:
    """The asked-if rule written out for a respondent: "Alleen als u bij 5.1.1 Ja antwoordde."."""
    parent = instrument.block_of(rule.item)
    where = parent.number
    if parent.grid:
        item = instrument.codebook.items[rule.item]
        where += f" ({item_text(item, parent, lang)})"
    answer = instrument.codebook.value_label(rule.item, rule.equals, lang)
    return t("questionnaire.routing", lang, where=where, answer=answer)


def _check_unique(names: list[str], what: str) -> None:
    seen: dict[str, int] = {}
    for name in names:
        seen[name.lower()] = seen.get(name.lower(), 0) + 1
    twice = sorted(n for n, k in seen.items() if k > 1)
    if twice:
        raise ConfigError(f"the codebook gives two questions one {what}: {twice}; rename an item id")


# -- XLSForm ----------------------------------------------------------------------------------------------------------
def xlsform_sheets(instrument: Instrument, lang: str = "nl") -> dict[str, pd.DataFrame]:
    """The sheets survey, choices and settings of the XLSForm (see the module); `lang` is the default language."""
    book = instrument.codebook
    nl, en = (f"label::{LANGUAGES[k]}" for k in ("nl", "en"))
    survey: list[dict] = [{"type": "start", "name": "start"}, {"type": "end", "name": "end"}]

    def row(kind, name, label_nl="", label_en="", relevant=None, appearance=None):
        survey.append({"type": kind, "name": name, nl: label_nl, en: label_en, "relevant": relevant,
                       "appearance": appearance})

    def relevant(rule: AskedIf | None):
        return None if rule is None else f"${{{rule.item}}} = '{rule.equals}'"

    row("begin_group", "respondent", _text("about_you", "nl"), _text("about_you", "en"))
    row("select_one municipality" if instrument.municipalities else "text", "municipality",
        _text("municipality", "nl"), _text("municipality", "en"))
    row("select_one sector", "sector", _text("sector", "nl"), _text("sector", "en"))
    row("end_group", "")
    for section, blocks in instrument.parts:
        row("begin_group", "s" + section.replace(".", "_"), f"{section} {instrument.part_title(section, 'nl')}",
            f"{section} {instrument.part_title(section, 'en')}")
        for block in blocks:
            if not block.grid:
                item = block.items[0]
                row(f"select_one {item.type}", item.id, f"{block.number} {block.text_nl}",
                    f"{block.number} {item.label_en}", relevant(item.asked_if))
                continue
            row("begin_group", "q" + block.number.replace(".", "_"), f"{block.number} {block.text_nl}",
                f"{block.number} {block.text_nl}", relevant(block.asked_if), "field-list")
            for item in block.items:
                row(f"select_one {item.type}", item.id, item_text(item, block, "nl"), item_text(item, block, "en"),
                    None if block.asked_if else relevant(item.asked_if))
            row("end_group", "")
        row("end_group", "")
    choices = [{"list_name": name, "name": o.value, nl: o.nl, en: o.en}
               for name, options in book.value_sets.items() for o in options.values()]
    choices += [{"list_name": "sector", "name": s, nl: book.sector_label(s, "nl"), en: book.sector_label(s, "en")}
                for s in book.sector_ids]
    choices += [{"list_name": "municipality", "name": m, nl: instrument.municipality_label(m),
                 en: instrument.municipality_label(m)} for m in instrument.municipalities or ()]
    form_id = re.sub(r"[^0-9A-Za-z_]", "_", "igb_" + instrument.wave if instrument.wave else "igb")
    settings = {"form_title": _text("title", lang), "form_id": form_id, "default_language": LANGUAGES[lang]}
    _check_unique([r["name"] for r in survey if r["name"]], "XLSForm name")
    columns = ["type", "name", nl, en, "relevant", "appearance"]
    return {"survey": pd.DataFrame(survey, columns=columns),
            "choices": pd.DataFrame(choices, columns=["list_name", "name", nl, en]),
            "settings": pd.DataFrame([settings])}


# -- LimeSurvey -------------------------------------------------------------------------------------------------------
LIMESURVEY_SID = 270161  # the survey id of the .lss (the report's number); LimeSurvey assigns another if it is taken
LIMESURVEY_DBVERSION = 480  # the structure of LimeSurvey 5 (l10n tables); LimeSurvey 5 and 6 import it


def limesurvey_codes(instrument: Instrument) -> dict[str, str]:
    """Question code of every question of the .lss: item id -> limesurvey_code, and the text display questions that
    carry a listing's shared question text (X4x3q1). Refuses a codebook where two questions would share a code."""
    codes = {name: limesurvey_code(name) for name in ("municipality", "sector", *instrument.codebook.item_ids)}
    for block in instrument.blocks:
        if block.grid:
            codes[f"block {block.number}"] = "X" + block.number.replace(".", "x")
    _check_unique(list(codes.values()), "LimeSurvey question code")
    return codes


def _lime_relevance(rule: AskedIf | None, book: Codebook) -> str:
    if rule is None:
        return "1"
    code = book.value_sets[book.items[rule.item].type][rule.equals].code
    return f'{limesurvey_code(rule.item)}.NAOK == "{code}"'


def limesurvey_xml(instrument: Instrument, lang: str = "nl") -> str:
    """The .lss document (LimeSurvey's survey structure XML) of the questionnaire; `lang` is its base language.

    Question and answer texts are HTML in LimeSurvey: every text from the codebook is escaped for HTML.
    """
    book = instrument.codebook
    languages = [lang, *(k for k in LANGUAGES if k != lang)]
    codes = limesurvey_codes(instrument)
    tables: dict[str, list[dict]] = {k: [] for k in ("answers", "answer_l10ns", "groups", "group_l10ns", "questions",
                                                     "question_l10ns")}
    counter = {"gid": 0, "qid": 0, "aid": 0, "l10n": 0}

    def next_id(kind):
        counter[kind] += 1
        return counter[kind]

    def group(names: dict[str, str]) -> int:
        gid = next_id("gid")
        tables["groups"].append({"gid": gid, "sid": LIMESURVEY_SID, "group_order": gid, "randomization_group": "",
                                 "grelevance": "1"})
        for language in languages:
            tables["group_l10ns"].append({"id": next_id("l10n"), "gid": gid, "group_name": html_text(names[language]),
                                          "description": "", "language": language})
        return gid

    def question(gid, code, kind, texts: dict[str, str], relevance="1", answers=()):
        qid = next_id("qid")
        order = sum(1 for q in tables["questions"] if q["gid"] == gid) + 1
        theme = {"L": "listradio", "X": "boilerplate", "S": "shorttext"}[kind]
        tables["questions"].append({"qid": qid, "parent_qid": 0, "sid": LIMESURVEY_SID, "gid": gid, "type": kind,
                                    "title": code, "preg": "", "other": "N", "mandatory": "N", "encrypted": "N",
                                    "question_order": order, "scale_id": 0, "same_default": 0,
                                    "relevance": relevance, "question_theme_name": theme, "modulename": ""})
        for language in languages:
            tables["question_l10ns"].append({"id": next_id("l10n"), "qid": qid, "question": html_text(texts[language]),
                                             "help": "", "language": language})
        for sortorder, (answer_code, labels) in enumerate(answers, start=1):
            aid = next_id("aid")
            tables["answers"].append({"aid": aid, "qid": qid, "code": answer_code, "sortorder": sortorder,
                                      "assessment_value": 0, "scale_id": 0})
            for language in languages:
                tables["answer_l10ns"].append({"id": next_id("l10n"), "aid": aid, "answer": html_text(labels[language]),
                                               "language": language})

    def both(key):
        return {k: _text(key, k) for k in LANGUAGES}

    gid = group(both("about_you"))
    if instrument.municipalities:
        municipality_codes = limesurvey_answer_codes(instrument.municipalities, "M", cut=False)
        question(gid, codes["municipality"], "L", both("municipality"), answers=[
            (municipality_codes[m], {k: instrument.municipality_label(m) for k in LANGUAGES})
            for m in instrument.municipalities])
    else:
        question(gid, codes["municipality"], "S", both("municipality"))
    sector_codes = limesurvey_answer_codes(book.sector_ids, "S")
    question(gid, codes["sector"], "L", both("sector"), answers=[
        (sector_codes[s], {k: book.sector_label(s, k) for k in LANGUAGES}) for s in book.sector_ids])
    for section, blocks in instrument.parts:
        gid = group({k: f"{section} {instrument.part_title(section, k)}" for k in LANGUAGES})
        for block in blocks:
            if block.grid:
                question(gid, codes[f"block {block.number}"], "X",
                         {k: f"{block.number} {block.text_nl}" for k in LANGUAGES},
                         _lime_relevance(block.asked_if, book))
            for item in block.items:
                texts = {k: item_text(item, block, k) for k in LANGUAGES}
                if not block.grid:
                    texts = {k: f"{block.number} {t}" for k, t in texts.items()}
                options = book.value_sets[item.type].values()
                question(gid, codes[item.id], "L", texts, _lime_relevance(item.asked_if, book),
                         answers=[(str(o.code), {"nl": o.nl, "en": o.en}) for o in options])
    survey = {"sid": LIMESURVEY_SID, "gsid": 1, "admin": "", "adminemail": "", "anonymized": "Y", "format": "G",
              "savetimings": "N", "template": "vanilla", "language": lang,
              "additional_languages": " ".join(languages[1:]), "datestamp": "Y", "usecookie": "N", "allowsave": "Y",
              "allowprev": "Y", "ipaddr": "N", "refurl": "N", "showqnumcode": "N", "shownoanswer": "Y",
              "showwelcome": "Y", "showprogress": "Y", "questionindex": 1, "tokenanswerspersistence": "N",
              "usetokens": "N"}
    wave = f" ({_text('wave', lang)} {instrument.wave})" if instrument.wave else ""
    settings = [{"surveyls_survey_id": LIMESURVEY_SID, "surveyls_language": k,
                 "surveyls_title": html_text(_text("title", k) + wave),
                 "surveyls_description": html_text(_text("source", k)),
                 "surveyls_welcometext": html_text(" ".join(filter(None, (_text("instructions", k),
                                                                          _text("dutch_only", k))))),
                 "surveyls_endtext": ""} for k in languages]
    root = ET.Element("document")
    ET.SubElement(root, "LimeSurveyDocType").text = "Survey"
    ET.SubElement(root, "DBVersion").text = str(LIMESURVEY_DBVERSION)
    listed = ET.SubElement(root, "languages")
    for language in languages:
        ET.SubElement(listed, "language").text = language
    for name, rows in [*tables.items(), ("surveys", [survey]), ("surveys_languagesettings", settings)]:
        _xml_table(root, name, rows)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _xml_table(root: ET.Element, name: str, rows: list[dict]) -> None:
    """One table as LimeSurvey writes it: <name><fields><fieldname>..</fields><rows><row><field>value</field>..."""
    table = ET.SubElement(root, name)
    fields = ET.SubElement(table, "fields")
    names = list(dict.fromkeys(k for r in rows for k in r))
    for field_name in names:
        ET.SubElement(fields, "fieldname").text = field_name
    body = ET.SubElement(table, "rows")
    for r in rows:
        element = ET.SubElement(body, "row")
        for field_name in names:
            ET.SubElement(element, field_name).text = "" if r.get(field_name) is None else str(r[field_name])


# -- HTML -------------------------------------------------------------------------------------------------------------
CSS = """
body { font-family: Georgia, "Times New Roman", serif; font-size: 11pt; line-height: 1.4; max-width: 46em;
       margin: 2em auto; padding: 0 1em; color: #000; }
h1 { font-size: 18pt; margin-bottom: 0; } h2 { font-size: 14pt; border-bottom: 1px solid #000; margin-top: 2em; }
h3 { font-size: 11pt; margin: 0 0 .3em; } .subtitle { font-size: 13pt; margin-top: .2em; }
.source, .variables { font-size: 9pt; color: #444; } .routing { font-style: italic; margin: 0 0 .4em; }
.question { margin: 1.2em 0; } .number { font-weight: bold; margin-right: .4em; }
.original { font-style: italic; } .choices { list-style: none; padding-left: 1.5em; margin: .3em 0; }
.choices li { margin: .15em 0; } .box { display: inline-block; width: .9em; height: .9em; border: 1px solid #000;
       margin-right: .5em; vertical-align: -.1em; }
table.answers { border-collapse: collapse; margin: .3em 0 0 1.5em; }
table.answers th, table.answers td { border: 1px solid #888; padding: .2em .5em; }
table.answers th[scope=row] { text-align: left; font-weight: normal; } table.answers td { text-align: center; }
.write-in { display: inline-block; min-width: 18em; border-bottom: 1px solid #000; }
@page { size: A4; margin: 2cm; }
@media print { body { margin: 0; max-width: none; } .question, table.answers tr { break-inside: avoid; }
               h2, h3 { break-after: avoid; } .variables { display: none; } }
"""


def _box() -> str:
    return '<span class="box" aria-hidden="true"></span>'


def _choices(labels: list[str]) -> str:
    return '<ul class="choices">' + "".join(f"<li>{_box()}{html_text(t)}</li>" for t in labels) + "</ul>"


def _html_block(instrument: Instrument, block: Block, lang: str) -> str:
    book = instrument.codebook
    options = list(book.value_sets[block.items[0].type].values())
    same_type = all(i.type == block.items[0].type for i in block.items)
    parts = [f'<div class="question" id="v{html_text(block.number.replace(".", "-"))}">']
    if lang == "en" and not block.grid:
        heading = html_text(block.items[0].label_en)
        original = f'<p class="original" lang="nl">{html_text(block.text_nl)}</p>'
    else:
        heading = html_text(block.text_nl) if lang == "nl" else f'<span lang="nl">{html_text(block.text_nl)}</span>'
        original = ""
    parts.append(f'<h3><span class="number">{html_text(block.number)}</span>{heading}</h3>{original}')
    if block.asked_if:
        parts.append(f'<p class="routing">{html_text(routing(instrument, block.asked_if, lang))}</p>')
    labels = [o.nl if lang == "nl" else o.en for o in options]
    if not block.grid:
        parts.append(_choices(labels))
    else:
        head = "".join(f'<th scope="col">{html_text(t)}</th>' for t in labels) if same_type else '<th scope="col"></th>'
        rows = []
        for item in block.items:
            own = "" if block.asked_if or not item.asked_if else \
                f' <span class="routing">({html_text(routing(instrument, item.asked_if, lang))})</span>'
            if same_type:
                cells = "".join(f"<td>{_box()}</td>" for _ in options)
            else:
                cells = "<td>" + _choices([o.nl if lang == "nl" else o.en
                                           for o in book.value_sets[item.type].values()]) + "</td>"
            rows.append(f'<tr><th scope="row">{html_text(item_text(item, block, lang))}{own}</th>{cells}</tr>')
        parts.append(f'<table class="answers"><thead><tr><th scope="col"></th>{head}</tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table>')
    ids = ", ".join(i.id for i in block.items)
    parts.append(f'<p class="variables">{_text("variables", lang)}: {html_text(ids)}</p></div>')
    return "".join(parts)


def html_document(instrument: Instrument, lang: str = "nl") -> str:
    """The questionnaire as a standalone, printable HTML page in Dutch (default) or English."""
    book = instrument.codebook
    wave = f'<p class="source">{_text("wave", lang)}: {html_text(instrument.wave)}</p>' if instrument.wave else ""
    note = f'<p class="source">{html_text(_text("dutch_only", lang))}</p>' if _text("dutch_only", lang) else ""
    out = [f'<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
           f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f'<title>{_text("heading", lang)}: {html_text(_text("title", lang))}</title>\n'
           f'<style>{CSS}</style>\n</head>\n<body>\n',
           f'<header><h1>{_text("heading", lang)}</h1><p class="subtitle">{html_text(_text("title", lang))}</p>'
           f'<p class="source">{html_text(_text("source", lang))}</p>{wave}{note}'
           f'<p>{html_text(_text("instructions", lang))}</p></header>\n']
    out.append(f'<section class="part" id="respondent"><h2>{_text("about_you", lang)}</h2>')
    if instrument.municipalities:
        municipality = _choices([instrument.municipality_label(m) for m in instrument.municipalities])
    else:
        municipality = f'<p><span class="write-in"></span> {_text("write_in", lang)}</p>'
    out.append(f'<div class="question" id="municipality"><h3>{_text("municipality", lang)}</h3>{municipality}'
               f'<p class="variables">{_text("variables", lang)}: municipality</p></div>')
    out.append(f'<div class="question" id="sector"><h3>{_text("sector", lang)}</h3>'
               f'{_choices([book.sector_label(s, lang) for s in book.sector_ids])}'
               f'<p class="variables">{_text("variables", lang)}: sector</p></div></section>\n')
    for section, blocks in instrument.parts:
        out.append(f'<section class="part" id="s{html_text(section.replace(".", "-"))}">'
                   f'<h2>{html_text(section)} {html_text(instrument.part_title(section, lang))}</h2>')
        out += [_html_block(instrument, b, lang) for b in blocks]
        out.append("</section>\n")
    out.append("</body>\n</html>\n")
    return "".join(out)


# -- writing ----------------------------------------------------------------------------------------------------------
def write(to: str, out: str | Path, *, codebook: Codebook, spec: WaveSpec | None = None, lang: str = "nl") -> Path:
    """Write the questionnaire as `to` (xlsform, limesurvey or html) to `out` (atomically), in `lang` by default.

    `out` must end in the format's extension (.xlsx, .lss, .html): platforms recognise their files by it.
    """
    check_argument("to", FORMATS, to)
    check_lang(lang)
    out = Path(out)
    if out.suffix.lower() not in FORMATS[to]:
        raise ConfigError(f"--out {out}: the {to} questionnaire is written to a {' or '.join(FORMATS[to])} file "
                          f"/ de vragenlijst wordt een {' of '.join(FORMATS[to])}-bestand")
    instrument = build(codebook, spec)
    if to == "xlsform":
        return write_workbook(xlsform_sheets(instrument, lang), out)
    if to == "limesurvey":
        return write_text(limesurvey_xml(instrument, lang), out)
    return write_text(html_document(instrument, lang), out)
