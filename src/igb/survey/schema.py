"""Validate a raw respondent table against the codebook, reporting every problem, not the first.

The per-column rules (required keys, allowed values, unique ids) are a pandera schema built from
the codebook; the rules that span columns (asked-if logic, empty rows, one officer per sector per
municipality) are checked here. Each problem names file, row, column, value and rule, in Dutch
and English, as an error (nothing may be written) or a warning (written, but look).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa

from igb._checks import check_lang
from igb.errors import InputError
from igb.survey.codebook import KEYS, Codebook, _fold
from igb.survey.io import RawTable, read_raw
from igb.survey.wave import WaveSpec

ERROR, WARNING = "error", "warning"

# rule -> (severity, English template, Dutch template)
RULES: dict[str, tuple[str, str, str]] = {
    "file_missing": (ERROR, "file not found", "bestand niet gevonden"),
    "file_empty": (ERROR, "the file is empty", "het bestand is leeg"),
    "file_type_mismatch": (ERROR, "the file is not what its extension says", "het bestand is niet wat de extensie zegt"),
    "unsupported_format": (ERROR, "unsupported file type", "bestandstype niet ondersteund"),
    "encoding": (ERROR, "text encoding cannot be decoded", "tekstcodering onleesbaar"),
    "csv_syntax": (ERROR, "not readable as csv", "niet leesbaar als csv"),
    "column_duplicate": (ERROR, "column {column!r} appears more than once in the header",
                         "kolom {column!r} staat meer dan eens in de kopregel"),
    "row_length": (ERROR, "the row has {value} fields, more than the header's",
                   "de rij heeft {value} velden, meer dan de kopregel"),
    "column_missing": (ERROR, "required column {column!r} is missing",
                       "verplichte kolom {column!r} ontbreekt"),
    "item_missing": (WARNING, "item {column!r} of the codebook is not in the file; analyses that need it are skipped",
                     "vraag {column!r} uit het codeboek ontbreekt; analyses die haar nodig hebben vervallen"),
    "column_unknown": (WARNING, "column {column!r} is not in the codebook and is ignored (map it in the wave's mapping file if it is an item)",
                       "kolom {column!r} staat niet in het codeboek en wordt genegeerd"),
    "no_rows": (ERROR, "the file has a header but no respondents", "het bestand heeft een kopregel maar geen respondenten"),
    "empty_row": (WARNING, "the row is empty and is skipped", "de rij is leeg en wordt overgeslagen"),
    "value_not_allowed": (ERROR, "value {value!r} is not allowed for {column!r}; allowed: {allowed}",
                          "waarde {value!r} is niet toegestaan voor {column!r}; toegestaan: {allowed}"),
    "key_missing": (ERROR, "{column!r} is empty", "{column!r} is leeg"),
    "respondent_id_duplicate": (ERROR, "respondent id {value!r} occurs more than once",
                                "respondentnummer {value!r} komt meer dan eens voor"),
    "municipality_unknown": (ERROR, "municipality {value!r} is not one of the wave's municipalities {allowed}",
                             "gemeente {value!r} hoort niet bij de gemeenten van deze ronde {allowed}"),
    "sector_unknown": (ERROR, "sector {value!r} is unknown; known sectors: {allowed}",
                       "sector {value!r} is onbekend; bekende sectoren: {allowed}"),
    "answer_not_asked": (ERROR, "{column!r} holds {value!r}, but the question is asked only if {parent} = {equals}",
                         "{column!r} bevat {value!r}, maar de vraag wordt alleen gesteld als {parent} = {equals}"),
    "answer_missing": (WARNING, "{column!r} is blank although the question was asked ({parent} = {equals})",
                       "{column!r} is leeg hoewel de vraag gesteld is ({parent} = {equals})"),
    "sector_repeated": (WARNING, "municipality {value!r} has more than one officer of sector {column!r}; the study assumes one",
                        "gemeente {value!r} heeft meer dan een ambtenaar van sector {column!r}; het onderzoek gaat uit van een"),
}


@dataclass(frozen=True)
class Problem:
    """One problem: where it is (file, row, column), what was found (value) and which rule it breaks."""

    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    severity: str
    message_en: str
    message_nl: str

    def message(self, lang: str = "en") -> str:
        return self.message_nl if check_lang(lang) == "nl" else self.message_en

    def format(self, lang: str = "en") -> str:
        where = self.file
        if self.row is not None:
            where += f", {'rij' if lang == 'nl' else 'row'} {self.row}"
        if self.column is not None:
            where += f", {'kolom' if lang == 'nl' else 'column'} {self.column}"
        kind = {"error": "FOUT", "warning": "WAARSCHUWING"}[self.severity] if lang == "nl" else self.severity.upper()
        return f"{kind} [{self.rule}] {where}: {self.message(lang)}"


def make_problem(rule: str, file, *, row=None, column=None, value=None, **fmt) -> Problem:
    severity, en, nl = RULES[rule]
    value_text = None if value is None else str(value)
    fields = {"column": column, "value": value_text, **fmt}
    return Problem(str(file), row, column, value_text, rule, severity, en.format(**fields), nl.format(**fields))


@dataclass
class ValidationReport:
    """Every problem found in one file."""

    file: str
    problems: list[Problem]
    n_rows: int = 0

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        """True when there is no error (warnings allowed)."""
        return not self.errors

    def rules(self) -> set[str]:
        return {p.rule for p in self.problems}

    def to_frame(self) -> pd.DataFrame:
        columns = list(Problem.__dataclass_fields__)
        return pd.DataFrame([asdict(p) for p in self.problems], columns=columns)

    def summary(self, lang: str = "en") -> str:
        if check_lang(lang) == "nl":
            return f"{self.file}: {len(self.errors)} fout(en), {len(self.warnings)} waarschuwing(en) in {self.n_rows} rijen"
        return f"{self.file}: {len(self.errors)} error(s), {len(self.warnings)} warning(s) in {self.n_rows} rows"

    def format(self, lang: str = "en", limit: int | None = None) -> str:
        ordered = sorted(self.problems, key=lambda p: (p.severity != ERROR, p.row or 0, p.column or ""))
        shown = ordered if limit is None else ordered[:limit]
        lines = [p.format(lang) for p in shown]
        if limit is not None and len(ordered) > limit:
            lines.append(f"... {len(ordered) - limit} more")
        lines.append(self.summary(lang))
        return "\n".join(lines)


# -- the pandera schema ----------------------------------------------------------------------------
def build_schema(codebook: Codebook, spec: WaveSpec) -> pa.DataFrameSchema:
    """Per-column rules of the codebook as a pandera schema over normalised cells."""
    columns = {
        "respondent_id": pa.Column(None, nullable=False, unique=True, required=True),
        "municipality": pa.Column(
            None, pa.Check.isin(list(spec.municipalities)) if spec.municipalities else None,
            nullable=False, required=True),
        "sector": pa.Column(None, pa.Check.isin(codebook.sector_ids), nullable=False, required=True),
    }
    for item_id in codebook.item_ids:
        columns[item_id] = pa.Column(None, pa.Check.isin(codebook.allowed(item_id)), nullable=True, required=False)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


# -- validation ------------------------------------------------------------------------------------
def validate_file(path: str | Path, *, codebook: Codebook | None = None, spec: WaveSpec | None = None):
    """Read and validate a respondent file; returns (report, canonical frame or None on errors)."""
    codebook = codebook or Codebook.load()
    spec = spec or WaveSpec(wave="")
    try:
        raw = read_raw(path, encoding=spec.encoding, sheet=spec.sheet)
    except InputError as exc:
        severity = ERROR
        problem = Problem(str(path), None, None, None, exc.rule, severity, str(exc), str(exc))
        return ValidationReport(str(path), [problem]), None
    return validate_raw(raw, codebook=codebook, spec=spec)


def validate_raw(raw: RawTable, *, codebook: Codebook, spec: WaveSpec):
    """Validate a raw table; returns (report, canonical frame or None when there is an error).

    The canonical frame has the key columns and one column per codebook item present in the file,
    holding canonical values (`yes`, `no`, `dont_know`) or None, and a `source_row` column.
    """
    file = str(raw.path)
    problems: list[Problem] = []
    frame = raw.frame.copy()
    if raw.value_labels or raw.user_missing:  # SPSS: codes -> labels, user-missing -> None
        for column in frame.columns:
            if column in raw.value_labels or column in raw.user_missing:
                frame[column] = _map(frame[column], lambda v, c=column: raw.decode(c, v))
    frame.columns = [spec.columns.get(c, c) for c in frame.columns]
    for column in raw.header_duplicates:
        problems.append(make_problem("column_duplicate", file, row=1, column=column))
    for row, width in raw.ragged_rows:
        problems.append(make_problem("row_length", file, row=row, value=width))
    # Second and later copies of a duplicated header (name#2, ...) were reported above; drop them.
    copies = {f"{c}#{k}" for c in raw.header_duplicates for k in range(2, len(raw.frame.columns) + 2)}
    frame = frame.loc[:, [c not in copies for c in frame.columns]]
    frame = frame.loc[:, ~pd.Index(frame.columns).duplicated()]

    known = set(KEYS) | set(codebook.item_ids)
    for column in frame.columns:
        if column not in known and column != "wave":
            problems.append(make_problem("column_unknown", file, row=1, column=column))
    for item_id in codebook.item_ids:
        if item_id not in frame.columns:
            problems.append(make_problem("item_missing", file, column=item_id))
    present_items = [i for i in codebook.item_ids if i in frame.columns]
    frame = frame[[c for c in frame.columns if c in known]]
    rows = pd.Series(raw.rows, index=frame.index, dtype="int64")

    # Empty rows are skipped with a warning.
    missing = pd.DataFrame({c: _map(frame[c], codebook.is_missing).astype(bool) for c in frame.columns}, index=frame.index)
    empty = missing.all(axis=1) if len(frame.columns) else pd.Series(True, index=frame.index)
    for idx in frame.index[empty]:
        problems.append(make_problem("empty_row", file, row=int(rows[idx])))
    frame, missing, rows = frame[~empty], missing[~empty], rows[~empty]

    if frame.empty:
        problems.append(make_problem("no_rows", file))

    canonical = pd.DataFrame(index=frame.index)
    for key in KEYS:
        if key in frame.columns:
            canonical[key] = _map(frame[key], lambda v: None if codebook.is_missing(v) else _key_text(v))
    if "sector" in canonical:
        canonical["sector"] = _apply_value_map(canonical["sector"], spec.values.get("sector"))
        canonical["sector"] = _map(canonical["sector"], lambda v: _try(codebook.normalise_sector, v))
    if "municipality" in canonical:
        canonical["municipality"] = _apply_value_map(canonical["municipality"], spec.values.get("municipality"))
    for item_id in present_items:
        mapped = _apply_value_map(frame[item_id], spec.values.get(item_id) or spec.values.get("*"))
        canonical[item_id] = _map(mapped, lambda v, i=item_id: _try(lambda x: codebook.normalise(i, x), v))

    problems += _schema_problems(canonical, codebook, spec, file, rows)
    problems += _asked_if_problems(canonical, frame, codebook, file, rows, present_items)
    problems += _sector_repeats(canonical, file)

    report = ValidationReport(file, problems, n_rows=len(frame))
    if not report.ok:
        return report, None
    canonical.insert(0, "source_row", rows.astype("int64"))
    return report, canonical.reset_index(drop=True)


class _Invalid(str):
    """A written value that failed normalisation; kept as written so the schema reports it."""


def _try(normalise, value):
    try:
        return normalise(value)
    except KeyError:
        return _Invalid(str(value).strip())


def _key_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _apply_value_map(series: pd.Series, mapping: dict[str, str] | None) -> pd.Series:
    if not mapping:
        return series
    folded = {_fold(k): v for k, v in mapping.items()}

    def lookup(value):
        if value is None:
            return None
        key = _fold(_key_text(value))
        return folded.get(key, value)

    return _map(series, lookup)


def _map(series: pd.Series, func) -> pd.Series:
    """Map each distinct value once and spread the results (object dtype, so None stays None).

    A survey column holds a handful of distinct answers, so this costs one call per distinct value
    plus one vectorised take, instead of one Python call per cell.
    """
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    results = np.empty(len(uniques) + 1, dtype=object)
    results[:-1] = [func(u) for u in uniques]
    results[-1] = func(None)
    return pd.Series(results[codes], index=series.index, dtype=object)


_CHECK_RULES = {"not_nullable": "key_missing", "field_uniqueness": "respondent_id_duplicate"}


def _schema_problems(canonical: pd.DataFrame, codebook: Codebook, spec: WaveSpec, file: str, rows: pd.Series):
    schema = build_schema(codebook, spec)
    try:
        schema.validate(canonical, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    problems = []
    for case in cases.itertuples(index=False):
        column, check, value, idx = case.column, str(case.check), case.failure_case, case.index
        row = int(rows[idx]) if idx is not None and idx in rows.index else None
        if check == "column_in_dataframe":
            problems.append(make_problem("column_missing", file, row=1, column=value))
        elif check in _CHECK_RULES:
            problems.append(make_problem(_CHECK_RULES[check], file, row=row, column=column,
                                         value=None if check == "not_nullable" else value))
        elif check.startswith("isin"):
            if column == "sector":
                problems.append(make_problem("sector_unknown", file, row=row, column=column, value=value,
                                             allowed=", ".join(codebook.sector_ids)))
            elif column == "municipality":
                problems.append(make_problem("municipality_unknown", file, row=row, column=column, value=value,
                                             allowed=", ".join(spec.municipalities or ())))
            else:
                allowed = ", ".join(f"{v} ({codebook.value_label(column, v, 'nl')})" for v in codebook.allowed(column))
                problems.append(make_problem("value_not_allowed", file, row=row, column=column, value=value, allowed=allowed))
        else:  # a pandera check we did not foresee: still reported, never swallowed
            problems.append(Problem(file, row, column, str(value), check, ERROR, f"failed check {check}", f"controle {check} mislukt"))
    return problems


def _asked_if_problems(canonical: pd.DataFrame, written: pd.DataFrame, codebook: Codebook, file: str,
                       rows: pd.Series, present: list[str]):
    problems = []
    for item_id in present:
        rule = codebook.items[item_id].asked_if
        if rule is None or rule.item not in canonical:
            continue
        parent = canonical[rule.item]
        valid_parent = _map(parent, lambda v: v is not None and not isinstance(v, _Invalid)).astype(bool)
        asked = pd.Series(parent.to_numpy() == rule.equals, index=parent.index)
        answer = canonical[item_id]
        present_answer = pd.Series(pd.notna(answer.to_numpy()), index=answer.index)
        for idx in canonical.index[valid_parent & ~asked & present_answer]:
            problems.append(make_problem("answer_not_asked", file, row=int(rows[idx]), column=item_id,
                                         value=written.at[idx, item_id], parent=rule.item, equals=rule.equals))
        for idx in canonical.index[asked & ~present_answer]:
            problems.append(make_problem("answer_missing", file, row=int(rows[idx]), column=item_id,
                                         parent=rule.item, equals=rule.equals))
    return problems


def _sector_repeats(canonical: pd.DataFrame, file: str):
    if not {"municipality", "sector"} <= set(canonical.columns):
        return []
    pairs = canonical[["municipality", "sector"]].dropna()
    pairs = pairs[[not isinstance(v, _Invalid) for v in pairs["sector"]]]
    repeated = pairs[pairs.duplicated(keep=False)].drop_duplicates()
    return [make_problem("sector_repeated", file, column=s, value=m) for m, s in repeated.itertuples(index=False)]
