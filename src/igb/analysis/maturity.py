"""Place each municipality on the five-stage IGB maturity model of params/maturity.yaml, with the evidence.

Indicators are municipality-level shares and counts of survey answers; each stage is a set of criteria
(indicator, comparison, threshold); stages are cumulative. The output names, for each municipality, its
stage and every criterion met and missed with the figure and the threshold. A municipality with too few
respondents (or too few collaborators for the criteria that concern them) gets no stage and the reason.

Evidence. Each criterion is marked in params/maturity.yaml as one the survey observes (`evidence: survey`) or one
it can only approximate (`evidence: proxy`: the local health memorandum, an IGB lead, a vision, anchoring). A wave
may add document and interview evidence, `data/raw/<wave>/documents.csv` (`read_documents`): for a criterion with
document evidence the document decides; otherwise the survey indicator, or its proxy, does. A stage is
established (`stage`) when every criterion of it and of the stages below is met and at least one of its criteria
through the survey's own observation or a document. A stage whose criteria are met only through proxies is
provisional (`provisional_stage`), never claimed, and `to_confirm` names the proxies that documents would have to
confirm. So a survey-only wave claims no stage the survey cannot establish: on the questionnaire of 2009 no
criterion of stages 4 and 5 is observed, and stages above 3 are at most provisional.

Uncertainty (`stage_low`, `stage_high`, `stage_probability`): see `distribution`.
"""

from __future__ import annotations

import json
import operator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from igb._checks import check_lang
from igb.config import load_params, paths
from igb.errors import ConfigError, InputError
from igb.text import label, t

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
EVIDENCE_KINDS = ("survey", "proxy")
SOURCES = ("survey", "proxy", "document")  # what decided a criterion: an observation, a proxy, a document
DEFAULT_UNCERTAINTY = {"prior": 0.5, "level": 0.9, "draws": 4000, "seed": 270161002}


@dataclass(frozen=True)
class Criterion:
    """One condition of a stage: indicator op threshold. `evidence`: survey (observed) or proxy (approximated).
    Its texts are {lang: text}: `name`, `rationale` (why the criterion measures the stage), `proxy` (for a proxy
    criterion, what the survey figure approximates; empty, so falsy, otherwise) and `document` (the document
    evidence that would decide it); read them in a language with `title`, `rationale_text`, `proxy_text`."""

    id: str
    stage: int
    indicator: str
    op: str
    threshold: float
    step: float
    rationale: dict = field(default_factory=dict, compare=False, hash=False)
    proxy: dict = field(default_factory=dict, compare=False, hash=False)
    evidence: str = "survey"
    name: dict = field(default_factory=dict, compare=False, hash=False)
    document: dict = field(default_factory=dict, compare=False, hash=False)

    def title(self, lang: str = "nl") -> str:
        """What the criterion stands for (the stage's own words), in the language asked."""
        return label(self.name, lang) if self.name else ""

    def rationale_text(self, lang: str = "nl") -> str:
        """Why the criterion measures its stage (the passage it rests on), in the language asked ('' if none)."""
        return label(self.rationale, lang) if self.rationale else ""

    def proxy_text(self, lang: str = "nl") -> str:
        """What the survey figure of a proxy criterion approximates, in the language asked ('' for a survey one)."""
        return label(self.proxy, lang) if self.proxy else ""


@dataclass(frozen=True)
class Model:
    """The maturity model: indicators, stages with their criteria, the minimum bases and the uncertainty settings."""

    indicators: dict
    stages: list[dict]
    criteria: list[Criterion]
    min_respondents: int
    min_collaborators: int
    uncertainty: dict = field(default_factory=lambda: dict(DEFAULT_UNCERTAINTY), compare=False, hash=False)

    def stage_name(self, stage: int | None, lang: str = "nl") -> str:
        """The stage's name in params/maturity.yaml ('no stage yet' for 0 or none), in the language asked."""
        check_lang(lang)
        if stage is None or pd.isna(stage) or stage == 0:
            return t("maturity.no_stage_yet", lang)
        return next(label(s["name"], lang) for s in self.stages if s["stage"] == stage)

    def criterion(self, criterion_id: str) -> Criterion:
        return next(c for c in self.criteria if c.id == str(criterion_id))

    def with_threshold(self, criterion_id: str, threshold: float) -> "Model":
        """The same model with one threshold moved (for the sensitivity analysis)."""
        criteria = [replace(c, threshold=threshold) if c.id == criterion_id else c for c in self.criteria]
        return replace(self, criteria=criteria)

    def stage_numbers(self) -> list[int]:
        return sorted({c.stage for c in self.criteria})


def _texts(criterion: dict, key: str) -> dict:
    """A criterion's {lang: text} entry `key`, whitespace normalised ({} when absent)."""
    value = criterion.get(key) or {}
    if not isinstance(value, dict):
        raise ConfigError(f"maturity.yaml: criterion {criterion.get('id')}: `{key}` must be texts per language "
                          f"({{nl: ..., en: ...}}), not {value!r}")
    return {str(k): " ".join(str(v).split()) for k, v in value.items() if v is not None}


def load_model(path=None) -> Model:
    """Read params/maturity.yaml."""
    data = load_params(path or paths().params / "maturity.yaml")
    try:
        criteria = [Criterion(str(c["id"]), int(s["stage"]), c["indicator"], c["op"], float(c["threshold"]),
                              float(c.get("step", 0)), _texts(c, "rationale"), _texts(c, "proxy"), str(c["evidence"]),
                              _texts(c, "name"), _texts(c, "document"))
                    for s in data["stages"] for c in s["criteria"]]
        uncertainty = {**DEFAULT_UNCERTAINTY, **(data.get("uncertainty") or {})}
        uncertainty = {"prior": float(uncertainty["prior"]), "level": float(uncertainty["level"]),
                       "draws": int(uncertainty["draws"]), "seed": int(uncertainty["seed"])}
        model = Model(data["indicators"], data["stages"], criteria, int(data["min_respondents"]),
                      int(data["min_collaborators"]), uncertainty)
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"maturity.yaml: missing or malformed entry {exc}") from None
    if not (0 < model.uncertainty["level"] < 1 and model.uncertainty["prior"] > 0 and model.uncertainty["draws"] >= 1):
        raise ConfigError(f"maturity.yaml: uncertainty needs 0 < level < 1, prior > 0, draws >= 1; got {model.uncertainty}")
    for c in criteria:
        if c.indicator not in model.indicators:
            raise ConfigError(f"maturity.yaml: criterion {c.id} uses unknown indicator {c.indicator!r}")
        if c.op not in OPS:
            raise ConfigError(f"maturity.yaml: criterion {c.id} has operator {c.op!r}; use one of {sorted(OPS)}")
        if c.evidence not in EVIDENCE_KINDS:
            raise ConfigError(f"maturity.yaml: criterion {c.id} has evidence {c.evidence!r}; use one of {list(EVIDENCE_KINDS)}")
        if c.evidence == "proxy" and not all(c.proxy.get(k) and c.document.get(k) for k in ("nl", "en")):
            missing = [f"{key}.{k}" for key, texts in (("proxy", c.proxy), ("document", c.document))
                       for k in ("nl", "en") if not texts.get(k)]
            raise ConfigError(f"maturity.yaml: proxy criterion {c.id} needs `proxy` (nl, en: what the survey figure "
                              "approximates) and `document` (nl, en: the evidence that would decide it); missing: "
                              + ", ".join(missing))
        if not (c.name.get("nl") and c.name.get("en")):
            raise ConfigError(f"maturity.yaml: criterion {c.id} needs a `name` in nl and en")
    if len({c.id for c in criteria}) != len(criteria):
        raise ConfigError("maturity.yaml: criterion ids must be unique")
    return model


# -- counts and indicators ---------------------------------------------------------------------------------------
@dataclass
class Counts:
    """Per municipality (in `municipalities` order): respondents, collaborators and, for every (item, category) the
    model uses, the count k answering the category and the number n who answered the item."""

    municipalities: list[str]
    respondents: np.ndarray
    collaborators: np.ndarray
    cells: dict  # (item, category) -> (k, n) arrays, or None when the wave lacks the item


def _keys_of(spec: dict) -> list[tuple[str, str]]:
    return [(str(i), spec.get("category", "yes")) for i in (spec.get("items") or [spec["item"]])]


def _municipality_key(m: str):
    return (0, int(m)) if m.isdigit() else (1, m)


def count(respondents: pd.DataFrame, model: Model) -> Counts:
    """One CountCube pass over the items the model uses (vectorised over respondents)."""
    from igb.analysis.tables import CountCube

    keys = list(dict.fromkeys(k for spec in model.indicators.values() for k in _keys_of(spec)))
    cube = CountCube(respondents, sorted({i for i, _ in keys} | {"collaborates"}))
    unit, units = cube.unit_index("municipality")  # per cell of the cube, its municipality
    units = [str(u) for u in units]
    municipalities = sorted(units, key=_municipality_key)
    position = np.array([units.index(m) for m in municipalities], dtype=int)
    keep = unit >= 0

    def per_municipality(item: str, category: str):
        if item not in cube.counts:
            return None
        answers, cells = cube.counts[item]
        per_unit = np.zeros((len(units), cells.shape[1]), dtype=np.int64)
        np.add.at(per_unit, unit[keep], cells[keep])
        k = per_unit[:, answers.index(category)] if category in answers else np.zeros(len(units), dtype=np.int64)
        return k[position].astype(float), per_unit.sum(axis=1)[position].astype(float)

    by = respondents.groupby("municipality", sort=False, observed=True).size()
    sizes = pd.Series(by.to_numpy(), index=[str(m) for m in by.index]).reindex(municipalities).fillna(0).to_numpy()
    collab = per_municipality("collaborates", "yes")
    cells = {key: per_municipality(*key) for key in keys}
    return Counts(municipalities, np.asarray(sizes).astype(int),
                  (collab[0] if collab is not None else np.zeros(len(municipalities))).astype(int), cells)


def _indicator_frame(counts: Counts, model: Model) -> pd.DataFrame:
    out = pd.DataFrame({"municipality": counts.municipalities, "respondents": counts.respondents,
                        "collaborators": counts.collaborators})
    for name, spec in model.indicators.items():
        kind = spec["kind"]
        shares = []
        for key in _keys_of(spec):
            cell = counts.cells[key]
            if cell is None:
                shares.append(np.full(len(out), np.nan))
                continue
            k, n = cell
            if kind == "count":
                shares.append(k.copy())
            else:
                with np.errstate(invalid="ignore", divide="ignore"):
                    shares.append(np.where(n > 0, 100 * k / np.where(n > 0, n, 1), np.nan))
        stacked = np.column_stack(shares)
        if kind in ("share", "count"):
            out[name] = stacked[:, 0]
        elif kind == "mean_share":
            out[name] = stacked.mean(axis=1)  # NaN if any share is missing (skipna=False)
        elif kind == "min_share":
            out[name] = stacked.min(axis=1)
        else:
            raise ConfigError(f"maturity.yaml: indicator {name} has unknown kind {kind!r}")
    return out


def indicators(respondents: pd.DataFrame, model: Model) -> pd.DataFrame:
    """One row per municipality: its respondents, collaborators and every indicator of the model."""
    return _indicator_frame(count(respondents, model), model)


def needs_collaborators(model: Model, indicator: str) -> bool:
    """Whether an indicator is a share of the officers who collaborate (only they were asked its items)."""
    spec = model.indicators[indicator]
    items = spec.get("items") or [spec["item"]]
    return any(str(i).startswith(("way_", "pos_", "neg_", "pol_", "partner_", "ext_")) for i in items)


# -- document evidence -------------------------------------------------------------------------------------------
DOCUMENT_COLUMNS = ("municipality", "criterion", "met", "source")
DOCUMENTS_FILE = "documents.csv"
MAX_SOURCE_CHARS = 300  # a title and a page; it is quoted in every report of the municipality
MET_VALUES = {"yes": True, "ja": True, "no": False, "nee": False}
# rule -> (severity, English template, Dutch template), in the style of igb.survey.schema.RULES
DOCUMENT_RULES: dict[str, str] = {  # rule -> severity; messages: the catalog's validation.<rule>
    "documents_column_missing": "error",
    "documents_column_duplicate": "error",
    "documents_column_unknown": "warning",
    "documents_row_length": "error",
    "documents_no_rows": "warning",
    "documents_empty_row": "warning",
    "documents_value_missing": "error",
    "documents_municipality_unsafe": "error",
    "documents_municipality_unknown": "error",
    "documents_criterion_unknown": "error",
    "documents_met_invalid": "error",
    "documents_source_invalid": "error",
    "documents_duplicate": "error",
}


def _doc_problem(rule: str, file, **where):
    from igb.survey.schema import make_problem

    return make_problem(rule, file, severity=DOCUMENT_RULES[rule], **where)


def _listing(values, limit: int = 20) -> str:
    values = list(values)
    return ", ".join(values[:limit]) + (f", ... ({len(values)})" if len(values) > limit else "")


def _cell(value) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()


def read_documents(path: str | Path, *, model: Model, municipalities) -> tuple:
    """Read and validate a documents.csv: (ValidationReport, frame or None when there is an error).

    Columns `municipality, criterion, met, source`: the municipality's code in the wave, a criterion id of
    params/maturity.yaml (`2.1`; `2,1` as a Dutch spreadsheet writes it is read as 2.1), whether the document shows
    the criterion met (yes/no, ja/nee, any case) and what the evidence is (a document's title and page, an
    interview), quoted in the reports. Read like a respondent file (`igb.survey.io.read_raw`: UTF-8 with or without
    BOM or UTF-16, comma or semicolon, the same limits); everything in it is untrusted: codes are checked with
    `igb.safe`, and a source may not hold control characters, start like a spreadsheet formula or be longer than
    MAX_SOURCE_CHARS. Every problem names file, row, column, value and rule. The frame has one row per
    (municipality, criterion): municipality, criterion, met (bool), source, row.
    """
    from igb.safe import NAME_RULE, is_safe_name, starts_formula
    from igb.survey.io import read_raw
    from igb.survey.schema import Problem, ValidationReport

    path = Path(path)
    file = str(path)
    try:
        raw = read_raw(path)
    except InputError as exc:
        return ValidationReport(file, [Problem(file, None, None, None, exc.rule, "error", exc.message("en"),
                                               exc.message("nl"))]), None
    problems = []
    allowed_columns = ", ".join(DOCUMENT_COLUMNS)
    columns = [str(c).strip().lower() for c in raw.frame.columns]
    frame = raw.frame.set_axis(columns, axis=1)
    for name in raw.header_duplicates:
        problems.append(_doc_problem("documents_column_duplicate", file, row=1, column=str(name)))
    for row, n in raw.ragged_rows:
        problems.append(_doc_problem("documents_row_length", file, row=row, value=n))
    missing = [c for c in DOCUMENT_COLUMNS if c not in columns]
    for c in missing:
        problems.append(_doc_problem("documents_column_missing", file, row=1, column=c, allowed=allowed_columns))
    for c in columns:
        if c not in DOCUMENT_COLUMNS:
            problems.append(_doc_problem("documents_column_unknown", file, row=1, column=c, allowed=allowed_columns))
    if missing or raw.header_duplicates:
        return ValidationReport(file, problems, len(frame)), None
    known = [str(m) for m in municipalities]
    known_set, ids = set(known), [c.id for c in model.criteria]
    shown_known = _listing(sorted(known, key=_municipality_key))
    rows, first_row = [], {}
    for i, line in enumerate(raw.rows):
        cells = {c: _cell(frame[c].iat[i]) for c in DOCUMENT_COLUMNS}
        if not any(_cell(v) for v in frame.iloc[i]):
            problems.append(_doc_problem("documents_empty_row", file, row=line))
            continue
        ok = True
        for c in DOCUMENT_COLUMNS:
            if not cells[c]:
                problems.append(_doc_problem("documents_value_missing", file, row=line, column=c))
                ok = False
        code, criterion, met, source = (cells[c] for c in DOCUMENT_COLUMNS)
        if code and not is_safe_name(code):
            problems.append(_doc_problem("documents_municipality_unsafe", file, row=line, column="municipality",
                                         value=code, allowed=NAME_RULE))
            ok = False
        elif code and code not in known_set:
            problems.append(_doc_problem("documents_municipality_unknown", file, row=line, column="municipality",
                                         value=code, allowed=shown_known))
            ok = False
        criterion = criterion.replace(",", ".")
        if cells["criterion"] and criterion not in ids:
            problems.append(_doc_problem("documents_criterion_unknown", file, row=line, column="criterion",
                                         value=cells["criterion"], allowed=", ".join(ids)))
            ok = False
        if met and met.lower() not in MET_VALUES:
            problems.append(_doc_problem("documents_met_invalid", file, row=line, column="met", value=met))
            ok = False
        why = None
        if source and len(source) > MAX_SOURCE_CHARS:
            why = "long"
        elif source and not source.isprintable():
            why = "control"
        elif starts_formula(source):
            why = "formula"
        if why:
            problems.append(_doc_problem("documents_source_invalid", file, row=line, column="source", value=source[:80],
                                         message=why, limit=MAX_SOURCE_CHARS, length=len(source)))
            ok = False
        if not ok:
            continue
        key = (code, criterion)
        if key in first_row:
            problems.append(_doc_problem("documents_duplicate", file, row=line, column="criterion", value=criterion,
                                         municipality=code, criterion=criterion, first=first_row[key]))
            continue
        first_row[key] = line
        rows.append({"municipality": code, "criterion": criterion, "met": MET_VALUES[met.lower()], "source": source,
                     "row": line})
    if not rows and not any(p.severity == "error" for p in problems):
        problems.append(_doc_problem("documents_no_rows", file))
    report = ValidationReport(file, problems, len(frame))
    if not report.ok:
        return report, None
    return report, pd.DataFrame(rows, columns=["municipality", "criterion", "met", "source", "row"])


def documents_frame_for_file(documents: pd.DataFrame) -> pd.DataFrame:
    """Validated document evidence as the prepared copy stores it (met as yes/no)."""
    return documents.assign(met=documents["met"].map({True: "yes", False: "no"}))[list(DOCUMENT_COLUMNS)]


def load_documents(wave: str, model: Model, municipalities, *, paths=None) -> pd.DataFrame | None:
    """The document evidence `igb prepare` validated for a wave (data/processed/<wave>/documents.csv), or None."""
    from igb.config import paths as project_paths

    path = (paths or project_paths()).processed(wave) / DOCUMENTS_FILE
    if not path.exists():
        return None
    report, documents = read_documents(path, model=model, municipalities=municipalities)
    if documents is None:
        raise ConfigError(f"{path} does not pass validation (run `igb prepare --wave {wave}`):\n{report.format()}")
    return documents


# -- stages ------------------------------------------------------------------------------------------------------
STAGE_COLUMNS = ["municipality", "respondents", "collaborators", "stage", "stage_low", "stage_high",
                 "stage_probability", "provisional_stage", "to_confirm", "to_settle", "reasons"]
EVIDENCE_COLUMNS = ["municipality", "stage", "criterion", "indicator", "evidence", "value", "op", "threshold",
                    "survey_met", "met", "source", "document", "proxy"]


def assess(respondents: pd.DataFrame, model: Model | None = None, *, min_cell: int = 1,
           hidden: set | None = None, documents: pd.DataFrame | None = None, uncertainty: bool = True):
    """Stage per municipality and the evidence, as codes and numbers: returns (stages, evidence).

    stages (STAGE_COLUMNS): municipality, respondents, collaborators, stage (the established stage, 1-5; 0 = no
    stage yet; empty = not assessed), stage_low, stage_high, stage_probability (how firm: `distribution`),
    provisional_stage (a higher stage met only through proxies, else empty), to_confirm (the proxy criteria the
    stage and the provisional stage rest on: documents would confirm them), to_settle (proxy criteria that stop the
    next stage: a document could decide them), reasons (why, as codes: `reasons_of`; `igb.report.stages` puts them
    in words). evidence (EVIDENCE_COLUMNS): one row per municipality and criterion with the survey's value,
    threshold, survey_met (what the survey indicator or proxy says), met (what decides), source (survey, proxy or
    document) and document (the quoted source).
    `documents`: validated document evidence (`read_documents`). `min_cell` is the privacy floor (`igb.privacy`):
    a municipality with fewer respondents gets no stage, no range and shows no figure (its counts blank too), and
    a share of fewer collaborators than that is neither shown nor judged. `hidden`: (item, municipality) pairs the
    suppressed tables hide (`hidden_cells`; item "response" for the count of respondents): their figures are
    blanked here too, so no output gives back a cell the tables hide. `uncertainty=False` leaves the three
    uncertainty columns empty.
    """
    model = model or load_model()
    counts = count(respondents, model)
    stages, evidence = judge(_indicator_frame(counts, model), model, min_cell=min_cell, hidden=hidden,
                             documents=documents)
    if uncertainty:
        dist = _distribution(stages, evidence, counts, model)
        stages = _with_uncertainty(stages, dist, model.uncertainty["level"])
    return stages, evidence


def reasons_of(stages_row) -> list[dict]:
    """The reasons of one stages row: a list of parts, each a dict with a `key` (its text in the catalog,
    `maturity.reason.<key>`) and the numbers and criterion ids the text needs."""
    return json.loads(stages_row["reasons"])


def hidden_cells(tables: pd.DataFrame) -> set[tuple[str, str]]:
    """(item, municipality) of every municipality-level cell that suppressed report tables hide."""
    rows = tables[(tables["unit_type"] == "municipality") & tables["suppressed"].astype(bool)]
    return set(zip(rows["item"].astype(str), rows["unit"].astype(str)))


STAGES_FILE, EVIDENCE_FILE = "maturity.csv", "maturity_evidence.csv"  # written by `igb prepare` (igb.pipeline)
_STAGE_TYPES = {"municipality": "str", "respondents": "Int64", "collaborators": "Int64", "stage": "Int64",
                "stage_low": "Int64", "stage_high": "Int64", "stage_probability": "float64",
                "provisional_stage": "Int64", "to_confirm": "str", "to_settle": "str", "reasons": "str"}
_EVIDENCE_TYPES = {"municipality": "str", "stage": "int64", "criterion": "str", "indicator": "str", "evidence": "str",
                   "value": "float64", "op": "str", "threshold": "float64", "survey_met": "boolean",
                   "met": "boolean", "source": "str", "document": "str", "proxy": "bool"}


def load_stages(wave: str, min_cell: int, *, paths=None):
    """(stages, evidence) as `assess` returns them, read from the files `igb prepare` wrote for the wave, when it
    prepared them under the same `min_cell` (the files' `min_cell` column); None otherwise (then `assess`)."""
    from igb.config import paths as project_paths

    folder = (paths or project_paths()).processed(wave)
    if not (folder / STAGES_FILE).exists() or not (folder / EVIDENCE_FILE).exists():
        return None
    stages = pd.read_csv(folder / STAGES_FILE, dtype=str, keep_default_na=False)
    if "reasons" not in stages or "min_cell" not in stages or set(stages["min_cell"]) != {str(min_cell)}:
        return None  # prepared under another privacy floor (or by an older igb): compute them again
    evidence = pd.read_csv(folder / EVIDENCE_FILE, dtype=str, keep_default_na=False)
    return _typed(stages, _STAGE_TYPES), _typed(evidence, _EVIDENCE_TYPES)


def _typed(frame: pd.DataFrame, types: dict) -> pd.DataFrame:
    """A frame read as text with the given column types; '' is missing for every type but text."""
    out = {}
    for column, kind in types.items():
        text = frame[column]
        if kind == "str":
            out[column] = text
        elif kind in ("boolean", "bool"):
            out[column] = text.map({"True": True, "False": False, "": None}).astype(object if kind == "boolean" else bool)
        else:
            out[column] = pd.to_numeric(text.replace("", None)).astype(kind)
    return pd.DataFrame(out)


def _items_of(model: Model, indicator: str) -> list[str]:
    spec = model.indicators[indicator]
    return list(spec.get("items") or [spec["item"]])


def _document_index(documents: pd.DataFrame | None) -> dict:
    if documents is None or not len(documents):
        return {}
    return {(str(m), str(c)): (bool(met), str(src)) for m, c, met, src in
            documents[["municipality", "criterion", "met", "source"]].itertuples(index=False)}


def judge(ind: pd.DataFrame, model: Model, *, min_cell: int = 1, hidden: set | None = None,
          documents: pd.DataFrame | None = None):
    """`assess` from the indicators (one row per municipality): the thresholds applied, stage by stage, documents
    deciding the criteria they cover. The uncertainty columns are left empty."""
    hidden = hidden or set()
    docs = _document_index(documents)
    evidence, stages = [], []
    for row in ind.itertuples(index=False):
        row = row._asdict()
        code = str(row["municipality"])
        if row["respondents"] < min_cell:
            evidence += [_evidence_row(row["municipality"], c, value=float("nan"), survey_met=None, met=None,
                                       source=None, document=None) for c in model.criteria]
            stages.append(_not_shown(row, min_cell))
            continue
        own = []
        for c in model.criteria:
            value = row[c.indicator]
            collaborators = needs_collaborators(model, c.indicator)
            private = (collaborators and row["collaborators"] < min_cell)
            too_few = (private or row["respondents"] < model.min_respondents
                       or (collaborators and row["collaborators"] < model.min_collaborators))
            survey_met = None if too_few or pd.isna(value) else bool(OPS[c.op](value, c.threshold))
            if (code, c.id) in docs:
                met, document = docs[(code, c.id)]
                source = "document"
            else:
                met, document, source = survey_met, "", c.evidence
            own.append(_evidence_row(row["municipality"], c, value=value, survey_met=survey_met, met=met,
                                     source=source, document=document))
        said = {k: None for k, item in (("respondents", "response"), ("collaborators", "collaborates")) if (item, code) in hidden}
        stage = _stage_of(row, own, replace(model, min_collaborators=max(model.min_collaborators, min_cell)),
                          shown=lambda e: not any((i, code) in hidden for i in _items_of(model, e["indicator"])), said=said)
        for e in own:  # a figure the tables hide (complementary suppression) is blanked here too
            if any((i, code) in hidden for i in _items_of(model, e["indicator"])):
                e["value"] = float("nan")
        if ("response", code) in hidden:
            stage["respondents"] = pd.NA
        if ("collaborates", code) in hidden:
            stage["collaborators"] = pd.NA
        evidence += own
        stages.append(stage)
    return (pd.DataFrame(stages, columns=STAGE_COLUMNS).astype({"stage_probability": float}),
            pd.DataFrame(evidence, columns=EVIDENCE_COLUMNS))


def _evidence_row(municipality, c: Criterion, *, value, survey_met, met, source, document) -> dict:
    return {"municipality": municipality, "stage": c.stage, "criterion": c.id, "indicator": c.indicator,
            "evidence": c.evidence, "value": value, "op": c.op, "threshold": c.threshold, "survey_met": survey_met,
            "met": met, "source": source, "document": document, "proxy": c.evidence == "proxy"}


def _blank_stage(row: dict) -> dict:
    return {"municipality": row["municipality"], "stage_low": pd.NA, "stage_high": pd.NA, "stage_probability": np.nan,
            "provisional_stage": pd.NA, "to_confirm": "", "to_settle": ""}


def _reasons(*parts: dict) -> str:
    return json.dumps(list(parts), ensure_ascii=False, separators=(",", ":"))


def _not_shown(row: dict, min_cell: int) -> dict:
    """A municipality below the privacy floor: no stage, no range, no counts, a reason without numbers of its own."""
    return {**_blank_stage(row), "respondents": pd.NA, "collaborators": pd.NA, "stage": pd.NA,
            "reasons": _reasons({"key": "not_shown", "min_cell": min_cell})}


@dataclass
class Walk:
    """Where the stage-by-stage walk over one municipality's evidence ended."""

    established: int = 0                 # highest stage whose criteria are all met, each stage with an observation or document
    provisional: int = 0                 # highest stage above it met only through proxies (0: none)
    stop: int | None = None              # the stage not reached (None: every stage reached)
    kind: str | None = None              # "missed" or "unknown"
    in_provisional: bool = False         # whether the walk was past the established stage when it stopped
    rows: list = field(default_factory=list)  # the criteria of `stop` that are missed or cannot be judged


def walk(evidence: list[dict], stage_numbers: list[int]) -> Walk:
    """The stages one municipality reaches, from its evidence rows (met, source per criterion).

    A stage is reached when every criterion is met (whatever decides it); it is established when, in addition, at
    least one of its criteria is decided by the survey's own observation or by a document, and every stage below is
    established; a stage reached only through proxies is provisional, and so is every stage above it.
    """
    out = Walk()
    for stage in stage_numbers:
        results = [e for e in evidence if e["stage"] == stage]
        unknown = [e for e in results if e["met"] is None or pd.isna(e["met"])]
        if unknown:
            out.stop, out.kind, out.rows = stage, "unknown", unknown
            return out
        missed = [e for e in results if not e["met"]]
        if missed:
            out.stop, out.kind, out.rows = stage, "missed", missed
            return out
        if not out.in_provisional and any(e["source"] in ("survey", "document") for e in results):
            out.established = stage
        else:
            out.in_provisional, out.provisional = True, stage
    return out


def _count(value):
    """A count as a reason may print it: None where the tables hide it."""
    return None if value is None or pd.isna(value) else int(value)


def _stage_of(row: dict, evidence: list[dict], model: Model, *, shown=lambda e: True, said: dict | None = None) -> dict:
    """The stage reached and why. `shown(e)`: whether criterion e's figure may appear in the reason; `said`: the
    respondents' and collaborators' counts as the reason may print them (None where the tables hide them)."""
    base = {**_blank_stage(row), "respondents": row["respondents"], "collaborators": row["collaborators"]}
    said = {"respondents": row["respondents"], "collaborators": row["collaborators"], **(said or {})}
    if row["respondents"] < model.min_respondents:
        why = {"key": "too_few", "n": _count(said["respondents"]), "minimum": model.min_respondents}
        return {**base, "stage": pd.NA, "reasons": _reasons(why)}
    w = walk(evidence, model.stage_numbers())
    top = max(w.established, w.provisional)
    confirm = [e["criterion"] for e in evidence if e["source"] == "proxy" and e["stage"] <= top]
    settle = [e["criterion"] for e in w.rows if e["source"] == "proxy"] if w.kind == "missed" else []
    parts = []
    if w.provisional:
        parts.append({"key": "provisional", "low": w.established + 1, "high": w.provisional,
                      "criteria": [e["criterion"] for e in evidence if w.established < e["stage"] <= w.provisional]})
    if w.kind == "unknown":
        unknown = [e["criterion"] for e in w.rows]
        if row["collaborators"] < model.min_collaborators:
            why = {"key": "too_few_collaborators", "n": _count(said["collaborators"]),
                   "minimum": model.min_collaborators, "criteria": unknown}
        else:
            why = {"key": "not_measurable", "criteria": unknown}
        if top == 0:
            return {**base, "stage": pd.NA, "reasons": _reasons(why)}
        parts.append({"key": "higher_unknown", "stage": top, "why": why} if not w.provisional
                     else {"key": "higher_unknown_provisional", "why": why})
    elif w.kind == "missed":
        parts.append({"key": "not_reached", "stage": w.stop, "missed": [_missed(e, shown(e)) for e in w.rows]})
    elif not w.provisional:
        parts.append({"key": "all_met"})
    return {**base, "stage": w.established, "provisional_stage": w.provisional or pd.NA,
            "to_confirm": ", ".join(confirm), "to_settle": ", ".join(settle), "reasons": _reasons(*parts)}


def _missed(e: dict, shown: bool) -> dict:
    """A missed criterion as a reason names it: its id, what decided it, and (if shown) its figure and threshold."""
    value = e["value"] if shown and not pd.isna(e["value"]) else None
    return {"criterion": e["criterion"], "source": e["source"], "value": None if value is None else float(value),
            "op": e["op"], "threshold": float(e["threshold"])}


# -- uncertainty -------------------------------------------------------------------------------------------------
def _distribution(stages: pd.DataFrame, evidence: pd.DataFrame, counts: Counts, model: Model) -> np.ndarray:
    """P(established stage = s) for s = 0..5, one row per row of `stages` (NaN where no stage is reported); the
    method is `distribution`'s."""
    crit = model.criteria
    numbers = model.stage_numbers()
    order = {m: i for i, m in enumerate(counts.municipalities)}
    prior, draws, seed = model.uncertainty["prior"], model.uncertainty["draws"], model.uncertainty["seed"]
    rows = stages["municipality"].astype(str).tolist()
    at = np.array([order[m] for m in rows], dtype=int)
    M, C, K = len(rows), len(crit), len(numbers)
    ordered = (len(evidence) == M * C and (evidence["criterion"].to_numpy(object).reshape(M, C) == [c.id for c in crit]).all()
               and (evidence["municipality"].astype(str).to_numpy(object).reshape(M, C)[:, 0] == rows).all())
    if not ordered:  # `judge` writes municipality by municipality, criteria in model order; anything else is looked up
        ev = evidence.assign(municipality=evidence["municipality"].astype(str)).set_index(["municipality", "criterion"])
        evidence = ev.reindex(pd.MultiIndex.from_product([rows, [c.id for c in crit]])).reset_index()
    source = evidence["source"].to_numpy(object).reshape(M, C)
    met = evidence["met"].to_numpy(object).reshape(M, C)
    unknown = pd.isna(met)
    decisive = np.isin(source, ["survey", "document"])
    random = np.isin(source, ["survey", "proxy"]) & ~unknown
    fixed_false = (source == "document") & ~unknown & (met == False)  # noqa: E712
    reported = pd.to_numeric(stages["stage"], errors="coerce").to_numpy(float)

    keys = list(dict.fromkeys(k for spec in model.indicators.values() for k in _keys_of(spec)))
    block = {k for spec in model.indicators.values() if spec["kind"] == "mean_share" for k in _keys_of(spec)}
    block |= {k for c in crit for k in _keys_of(model.indicators[c.indicator])
              if model.indicators[c.indicator]["kind"] == "min_share" and c.op in ("<=", "<")}

    def ab(key):
        cell = counts.cells.get(key)
        if cell is None:
            return np.full(M, prior), np.full(M, prior), np.zeros(M)
        k, n = cell[0][at], cell[1][at]
        return k + prior, n - k + prior, n

    shape = {key: ab(key) for key in keys}
    lo = {key: np.zeros(M) for key in keys if key not in block}
    hi = {key: np.ones(M) for key in keys if key not in block}
    block_keys = [k for k in keys if k in block]
    block_crit = [j for j, c in enumerate(crit) if any(k in block for k in _keys_of(model.indicators[c.indicator]))]
    possible_upto, possible = {}, np.ones(M, bool)  # whether stage s can be established at all (fixed by the evidence)
    for stage in numbers:
        members = [j for j, c in enumerate(crit) if c.stage == stage]
        possible = possible & ~unknown[:, members].any(axis=1) & decisive[:, members].any(axis=1) & ~fixed_false[:, members].any(axis=1)
        possible_upto[stage] = possible
    sample = None
    if block_crit:  # joint draws, only for municipalities where a block criterion can count
        need = np.zeros(M, bool)
        for j in block_crit:
            need |= random[:, j] & possible_upto[crit[j].stage]
        if need.any():
            rng = np.random.default_rng(seed)
            sel = np.flatnonzero(need)
            sample = {key: rng.beta(shape[key][0][sel, None], shape[key][1][sel, None], size=(len(sel), draws))
                      for key in block_keys}
            block_ok = np.ones((len(sel), draws), bool)

    from scipy.special import betainc

    p_ge = np.zeros((M, K + 2))
    p_ge[:, 0] = 1.0
    for s_i, stage in enumerate(numbers, start=1):
        members = [j for j, c in enumerate(crit) if c.stage == stage]
        for j in members:
            c, spec = crit[j], model.indicators[crit[j].indicator]
            rnd = random[:, j]
            if j in block_crit:
                if sample is not None:
                    values = []
                    for key in _keys_of(spec):
                        share = sample[key] * (shape[key][2][sel, None] if spec["kind"] == "count" else 100.0)
                        values.append(share)
                    stacked = np.stack(values)
                    value = {"mean_share": stacked.mean(axis=0), "min_share": stacked.min(axis=0)}.get(spec["kind"], stacked[0])
                    block_ok &= OPS[c.op](value, c.threshold) | ~rnd[sel, None]
                continue
            for key in _keys_of(spec):
                n = shape[key][2]
                with np.errstate(divide="ignore", invalid="ignore"):
                    bound = c.threshold / n if spec["kind"] == "count" else np.full(M, c.threshold / 100.0)
                bound = np.where(np.isfinite(bound), bound, 1.0)
                if c.op in (">=", ">"):
                    lo[key] = np.where(rnd, np.maximum(lo[key], bound), lo[key])
                else:
                    hi[key] = np.where(rnd, np.minimum(hi[key], bound), hi[key])
        prob = np.ones(M)
        for key in lo:
            a, b, _ = shape[key]
            low, high = np.clip(lo[key], 0, 1), np.clip(hi[key], 0, 1)
            prob *= np.where(high > low, betainc(a, b, high) - betainc(a, b, low), 0.0)
        if sample is not None:
            prob[sel] *= block_ok.mean(axis=1)
        p_ge[:, s_i] = np.where(possible_upto[stage], prob, 0.0)
    dist = np.clip(p_ge[:, :K + 1] - p_ge[:, 1:K + 2], 0.0, 1.0)
    dist[np.isnan(reported)] = np.nan
    return dist


def stage_range(dist: np.ndarray, stage: int, level: float) -> tuple[int, int]:
    """The narrowest run of stages around `stage` that holds at least `level` of the distribution: grown from the
    reported stage one stage at a time, towards the more probable neighbour (the lower one on a tie)."""
    low = high = int(stage)
    mass = dist[low]
    while mass < level - 1e-12 and (low > 0 or high < len(dist) - 1):
        left = dist[low - 1] if low > 0 else -1.0
        right = dist[high + 1] if high < len(dist) - 1 else -1.0
        if left >= right:
            low -= 1
            mass += left
        else:
            high += 1
            mass += right
    return low, high


def _with_uncertainty(stages: pd.DataFrame, dist: np.ndarray, level: float) -> pd.DataFrame:
    stages = stages.copy()
    low, high, prob = [], [], []
    for i, s in enumerate(pd.to_numeric(stages["stage"], errors="coerce")):
        if pd.isna(s) or np.isnan(dist[i]).any():
            low.append(pd.NA), high.append(pd.NA), prob.append(np.nan)
            continue
        a, b = stage_range(dist[i], int(s), level)
        low.append(a), high.append(b), prob.append(round(float(dist[i, int(s)]), 3))
    stages["stage_low"], stages["stage_high"], stages["stage_probability"] = low, high, prob
    return stages


def distribution(respondents: pd.DataFrame, model: Model | None = None, *, min_cell: int = 1,
                 documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """P(established stage = s) per municipality (rows) and stage 0-5 (columns); empty for a municipality without a
    stage (below min_cell, too few respondents). `assess` reports from it stage_probability (the probability of
    exactly the reported stage) and stage_low..stage_high (`stage_range`: the narrowest run of stages around the
    reported one holding at least `level`, 90%, of it).

    The uncertainty is that of each share the criteria use: with k of n officers answering, the share's posterior
    after the Jeffreys prior is Beta(k + 1/2, n - k + 1/2) (`prior` in maturity.yaml), the shares independent of
    one another. Why a posterior of each share and not a resampling of the municipality's officers: with four
    officers who all said yes, every resample says yes again (no uncertainty where it is largest); and how answers
    combine within an officer is not published for 2009 (it is random in the rivm2009 reconstruction), while the
    count per item and municipality is, so the ranges of rivm2009 rest on published margins only. Independence is
    an assumption: where a real municipality's shares go together, its stage is somewhat firmer than this says.

    Established stage >= s holds when every criterion of stages 1 to s is met; what a document decides, and
    whether a stage can be established at all (an observed or documented criterion; nothing unmeasurable), is
    fixed. A criterion on one share (or on the smallest of several, or a count: n times the share) is met on an
    interval of that share, so P(stage >= s) is a product of beta probabilities of intervals, computed exactly
    and vectorised over municipalities; where a criterion averages several shares (5.2, and the criteria sharing
    its shares) that factor is the fraction of `draws` joint draws that meet it, from a generator seeded with
    `seed` (both in maturity.yaml), drawn only for municipalities where that stage can be established.
    """
    model = model or load_model()
    counts = count(respondents, model)
    stages, evidence = judge(_indicator_frame(counts, model), model, min_cell=min_cell, documents=documents)
    dist = _distribution(stages, evidence, counts, model)
    return pd.DataFrame(dist, index=stages["municipality"].astype(str), columns=[0, *model.stage_numbers()])


# -- sensitivity and stability -----------------------------------------------------------------------------------
def sensitivity(respondents: pd.DataFrame, model: Model | None = None, *, min_cell: int = 1,
                documents: pd.DataFrame | None = None) -> pd.DataFrame:
    """Move each threshold one step down and up: how many municipalities change stage (of those with a stage shown)."""
    model = model or load_model()
    ind = indicators(respondents, model)  # thresholds do not change the indicators: computed once
    base, _ = judge(ind, model, min_cell=min_cell, documents=documents)
    base_stage = base.set_index("municipality")["stage"]
    rows = []
    for c in model.criteria:
        for direction, threshold in (("down", c.threshold - c.step), ("up", c.threshold + c.step)):
            moved, _ = judge(ind, model.with_threshold(c.id, threshold), min_cell=min_cell, documents=documents)
            new = moved.set_index("municipality")["stage"]
            changed = [m for m in base_stage.index if not _same(base_stage[m], new[m])]
            rows.append({"criterion": c.id, "indicator": c.indicator, "threshold": c.threshold, "direction": direction,
                         "moved_to": threshold, "municipalities_changed": len(changed), "which": ", ".join(changed)})
    return pd.DataFrame(rows)


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b)


def stages_across(draws: list[pd.DataFrame], model: Model | None = None, *, min_cell: int = 1) -> pd.DataFrame:
    """Stage of each municipality in each of several respondent frames (e.g. an ensemble of reconstructions).

    Returns one row per municipality: the stages seen, how many draws gave each, and whether the stage
    is the same in every draw.
    """
    model = model or load_model()
    seen = []
    for k, frame in enumerate(draws):
        stages, _ = assess(frame, model, min_cell=min_cell, uncertainty=False)
        seen.append(stages[["municipality", "stage"]].assign(draw=k))
    long = pd.concat(seen)
    long["stage"] = long["stage"].astype("string").fillna("none")
    rows = []
    for municipality, group in long.groupby("municipality", sort=False):
        counts = group["stage"].value_counts()
        rows.append({"municipality": municipality, "stages_seen": ", ".join(f"{s} ({c}x)" for s, c in counts.items()),
                     "stable": len(counts) == 1, "draws": len(group)})
    return pd.DataFrame(rows)
