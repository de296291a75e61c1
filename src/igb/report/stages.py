"""The maturity stages in words: stage names, criterion names and reasons from the analysis' codes, in one language.

`igb.analysis.maturity.assess` returns codes and numbers (a stage, the criteria, `reasons` as codes); this module
is where they become text, through the catalog (`maturity.reason.*`) and the model's own names.
"""

from __future__ import annotations

import pandas as pd

from igb._checks import check_lang
from igb.analysis.maturity import Model, reasons_of
from igb.text import label, t

STAGE_COLUMNS = ["municipality", "respondents", "collaborators", "stage", "stage_name", "stage_low", "stage_high",
                 "stage_probability", "provisional_stage", "provisional_name", "to_confirm", "to_settle", "reason"]
EVIDENCE_COLUMNS = ["municipality", "stage", "criterion", "name", "indicator", "label", "evidence", "value", "op",
                    "threshold", "survey_met", "met", "source", "document", "proxy"]


def in_words(stages: pd.DataFrame, evidence: pd.DataFrame, model: Model, lang: str = "nl"):
    """(stages, evidence) of `assess` with their names and reasons in `lang`: stages gain stage_name,
    provisional_name and reason (STAGE_COLUMNS; the codes' `reasons` column is dropped), evidence gains each
    criterion's name and its indicator's label (EVIDENCE_COLUMNS)."""
    check_lang(lang)
    criteria = {c.id: c for c in model.criteria}
    stages = stages.assign(
        stage_name=[_stage_name(model, s, lang) for s in stages["stage"]],
        provisional_name=[_stage_name(model, s, lang) if not pd.isna(s) else "" for s in stages["provisional_stage"]],
        reason=[reason(reasons_of(row), model, lang) for _, row in stages.iterrows()])
    evidence = evidence.assign(
        name=[criteria[str(c)].title(lang) for c in evidence["criterion"]],
        label=[label(model.indicators[i]["label"], lang) for i in evidence["indicator"]])
    return stages[STAGE_COLUMNS], evidence[EVIDENCE_COLUMNS]


def _stage_name(model: Model, stage, lang: str) -> str:
    return "" if pd.isna(stage) else model.stage_name(stage, lang)


def reason(parts: list[dict], model: Model, lang: str) -> str:
    """One municipality's reasons (`maturity.reasons_of`) as a sentence: the parts joined by '; '."""
    return "; ".join(_part(p, model, lang) for p in parts)


def _part(p: dict, model: Model, lang: str) -> str:
    T = lambda key, **fmt: t(f"maturity.reason.{key}", lang, **fmt)
    key = p["key"]
    if key == "not_shown":
        return T(key, min_cell=p["min_cell"])
    if key in ("too_few", "too_few_collaborators"):
        return T(key, n=_fmt(p["n"]), minimum=p["minimum"], criteria=", ".join(p.get("criteria", [])))
    if key == "not_measurable":
        return T(key, criteria=", ".join(p["criteria"]))
    if key == "provisional":
        stages = f"{p['low']}" if p["low"] == p["high"] else T("range", low=p["low"], high=p["high"])
        return T(key, stages=stages, ids=", ".join(p["criteria"]))
    if key in ("higher_unknown", "higher_unknown_provisional"):
        return T(key, stage=p.get("stage"), why=_part(p["why"], model, lang))
    if key == "not_reached":
        return T(key, stage=p["stage"], criteria="; ".join(_missed(m, model, lang) for m in p["missed"]))
    return T(key)  # all_met


def _missed(m: dict, model: Model, lang: str) -> str:
    c = model.criterion(m["criterion"])
    if m["source"] == "document":
        return t("maturity.reason.missed_document", lang, criterion=c.id, name=c.title(lang))
    key = "missed_proxy" if m["source"] == "proxy" else "missed"
    return t(f"maturity.reason.{key}", lang, criterion=c.id, label=label(model.indicators[c.indicator]["label"], lang),
             value=_fmt(m["value"]), op=m["op"], threshold=_fmt(m["threshold"]))


def _fmt(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.0f}"


def for_files(stages: pd.DataFrame, evidence: pd.DataFrame, model: Model, min_cell: int, lang: str = "nl"):
    """(maturity.csv, maturity_evidence.csv) as `igb prepare` writes them: the stages in words for a reader, with
    the codes (`reasons`) and the privacy floor they were computed under (`min_cell`) for the programs that read
    them back (`igb.analysis.maturity.load_stages`)."""
    words, evidence_words = in_words(stages, evidence, model, lang)
    return words.assign(reasons=stages["reasons"].to_numpy(), min_cell=min_cell), evidence_words
