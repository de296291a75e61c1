"""Validate a raw respondent table against the codebook, reporting every problem, not the first.

The per-column rules (required keys, allowed values, unique ids) are a pandera schema built from
the codebook; the rules that span columns (asked-if logic, empty rows, one officer per sector per
municipality) are checked here. Each problem names file, row, column, value and rule, in Dutch
and English, as an error (nothing may be written) or a warning (written, but look).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from igb.imports import without

# pandera's checks import hypothesis when it is installed (the dev extras bring it, for the tests), to offer data
# synthesis igb never asks for: ≈0.6 s of imports in every process that validates (prepare, on the critical path)
without("hypothesis", "pandera.backends.pandas.builtin_checks")
import pandera.pandas as pa  # noqa: E402

from igb._checks import check_lang
from igb.errors import InputError
from igb.safe import NAME_RULE, is_safe_name
from igb.text import t
from igb.survey.codebook import KEYS, Codebook, _fold, key_text
from igb.survey.io import RawTable, read_raw
from igb.survey.platforms import recognise, wanted
from igb.survey.wave import WaveSpec

ERROR, WARNING = "error", "warning"

# rule -> severity; the message of each rule is the catalog's `validation.<rule>` (params/text/<lang>.yaml)
RULES: dict[str, str] = {
    "file_missing": ERROR,
    "file_empty": ERROR,
    "file_type_mismatch": ERROR,
    "unsupported_format": ERROR,
    "encoding": ERROR,
    "csv_syntax": ERROR,
    "limit_exceeded": ERROR,
    "column_duplicate": ERROR,
    "row_length": ERROR,
    "column_missing": ERROR,
    "item_missing": WARNING,
    "column_unknown": WARNING,
    "no_rows": ERROR,
    "empty_row": WARNING,
    "empty_rows": WARNING,
    "value_not_allowed": ERROR,
    "key_missing": ERROR,
    "respondent_id_duplicate": ERROR,
    "municipality_unknown": ERROR,
    "municipality_code_unsafe": ERROR,
    "sector_unknown": ERROR,
    "answer_not_asked": ERROR,
    "answer_missing": WARNING,
    "sector_repeated": WARNING,
    "platform_metadata": WARNING,
    "platform_respondent_id": WARNING,
    "incomplete_excluded": WARNING,
    "incomplete_included": WARNING,
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
        """One line for a terminal: control characters from a file's column names are shown escaped."""
        where = _printable(self.file)
        if self.row is not None:
            where += f", {t('problems.row', lang)} {self.row}"
        if self.column is not None:
            where += f", {t('problems.column', lang)} {_printable(self.column)}"
        return f"{t(f'problems.{self.severity}', lang)} [{self.rule}] {where}: {self.message(lang)}"


def _printable(text: str) -> str:
    """`text` with every non-printable character (a terminal escape, a newline) written as its escape."""
    return text if text.isprintable() else "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


MAX_EMPTY_ROW_WARNINGS = 100  # empty rows warned one by one; the rest in one warning


def make_problem(rule: str, file, *, row=None, column=None, value=None, severity: str | None = None,
                 message: str = "", **fmt) -> Problem:
    """A Problem with its messages from the catalog (`validation.<rule>`, or `validation.<rule>.<message>` where a rule
    has several); `severity` for a rule kept outside RULES (the maturity model's document evidence)."""
    value_text = None if value is None else str(value)
    fields = {"column": column, "value": value_text, **fmt}
    key = f"validation.{rule}" + (f".{message}" if message else "")
    return Problem(str(file), row, column, value_text, rule, severity or RULES[rule], t(key, "en", **fields),
                   t(key, "nl", **fields))


@dataclass
class ValidationReport:
    """Every problem found in one file."""

    file: str
    problems: list[Problem]
    n_rows: int = 0
    platform: str | None = None  # the survey platform whose export the file is (igb.survey.platforms), if any

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
        return t("problems.summary", check_lang(lang), file=self.file, errors=len(self.errors),
                 warnings=len(self.warnings), rows=self.n_rows)

    def format(self, lang: str = "en", limit: int | None = None) -> str:
        ordered = sorted(self.problems, key=lambda p: (p.severity != ERROR, p.row or 0, p.column or ""))
        shown = ordered if limit is None else ordered[:limit]
        lines = [p.format(lang) for p in shown]
        if limit is not None and len(ordered) > limit:
            lines.append(t("problems.more", lang, n=len(ordered) - limit))
        if self.platform:
            lines.append(t("problems.platform", lang, platform=self.platform))
        lines.append(self.summary(lang))
        return "\n".join(lines)


# -- the pandera schema ----------------------------------------------------------------------------
def build_schema(codebook: Codebook, spec: WaveSpec) -> pa.DataFrameSchema:
    """Rules on the distinct canonical values of a column: keys present, answers in their value set.

    The respondent id's rules (present, once only) concern rows and are checked on its codes (`_id_problems`).
    """
    columns = {
        "municipality": pa.Column(
            None, pa.Check.isin(list(spec.municipalities)) if spec.municipalities else None,
            nullable=False, required=False),
        "sector": pa.Column(None, pa.Check.isin(codebook.sector_ids), nullable=False, required=False),
    }
    for item_id in codebook.item_ids:
        columns[item_id] = pa.Column(None, pa.Check.isin(codebook.allowed(item_id)), nullable=True, required=False)
    return pa.DataFrameSchema(columns, strict=False, coerce=False)


# -- validation ------------------------------------------------------------------------------------
def validate_file(path: str | Path, *, codebook: Codebook | None = None, spec: WaveSpec | None = None):
    """Read and validate a respondent file; returns (report, canonical frame or None on errors)."""
    codebook = codebook or Codebook.load()
    spec = spec or WaveSpec(wave="")
    known = {*KEYS, *codebook.item_ids}
    try:
        raw = read_raw(path, encoding=spec.encoding, sheet=spec.sheet, keep=lambda c: wanted(c, spec, known))
    except InputError as exc:  # its message is the catalog's `input.<key>`, said in the report's language
        problem = Problem(str(path), None, None, None, exc.rule, ERROR, exc.message("en"), exc.message("nl"))
        return ValidationReport(str(path), [problem]), None
    return validate_raw(raw, codebook=codebook, spec=spec)


@dataclass
class _Column:
    """A column as distinct values: row i holds `written[codes[i]]`; the last distinct value is the empty cell.

    `canonical` holds each distinct value's canonical value (None if missing, _Invalid if not allowed).
    """

    codes: np.ndarray
    written: np.ndarray
    canonical: np.ndarray | None = None

    def rows_with(self, distinct: np.ndarray) -> np.ndarray:
        """Positions of the rows that hold any of the distinct values whose flag is set."""
        return np.flatnonzero(distinct[self.codes])


def _column(raw: RawTable, name: str) -> _Column:
    codes, uniques = pd.factorize(raw.frame[name], use_na_sentinel=True)
    written = np.empty(len(uniques) + 1, dtype=object)
    written[:-1] = raw.decode(name, uniques) if raw.format == "sav" else np.asarray(uniques, dtype=object)
    codes[codes < 0] = len(uniques)
    return _Column(codes, written)


def validate_raw(raw: RawTable, *, codebook: Codebook, spec: WaveSpec):
    """Validate a raw table; returns (report, canonical frame or None when there is an error).

    The canonical frame has the key columns (text) and one categorical column per codebook item present in
    the file, over the item's canonical values (`yes`, `no`, `dont_know`), and a `source_row` column. Every
    rule runs once per distinct value of a column; its failures are spread back to the rows that hold it.
    """
    file = str(raw.path)
    problems: list[Problem] = []
    found = recognise(raw, codebook=codebook, spec=spec)  # a platform's export: its names, codes, metadata, incomplete
    raw, spec = found.raw, found.spec
    problems += [make_problem(rule, file, **fields) for rule, fields in found.notes]
    for column in raw.header_duplicates:
        problems.append(make_problem("column_duplicate", file, row=1, column=column))
    for row, width in raw.ragged_rows:
        problems.append(make_problem("row_length", file, row=row, value=width))
    # Second and later copies of a duplicated header (name#2, ...) were reported above; drop them.
    copies = {f"{c}#{k}" for c in raw.header_duplicates for k in range(2, len(raw.frame.columns) + 2)}
    source: dict[str, str] = {}  # canonical name -> file column
    known, seen = set(KEYS) | set(codebook.item_ids), set()
    for column in [*raw.frame.columns, *raw.skipped]:
        name = spec.columns.get(column, column)
        if name in copies or name in seen:
            continue
        seen.add(name)
        if name in known:
            source[name] = column
        elif name != "wave" and column not in found.metadata:
            problems.append(make_problem("column_unknown", file, row=1, column=name))
    for item_id in codebook.item_ids:
        if item_id not in source:
            problems.append(make_problem("item_missing", file, column=item_id))
    for key in KEYS:
        if key not in source:
            problems.append(make_problem("column_missing", file, row=1, column=key))
    present_items = [i for i in codebook.item_ids if i in source]
    names = [k for k in KEYS if k in source] + present_items
    with ThreadPoolExecutor(min(4, os.cpu_count() or 1)) as pool:  # pandas factorizes without the GIL
        columns = dict(zip(names, pool.map(lambda name: _column(raw, source[name]), names)))
    rows = np.asarray(raw.rows, dtype=np.int64)
    for key in KEYS:
        if key in columns:
            columns[key].canonical = _key_texts(columns[key].written, codebook)

    # Empty rows are skipped with a warning.
    empty = np.ones(len(rows), dtype=bool)
    for name, col in columns.items():
        blank = pd.isna(col.canonical) if name in KEYS else _each(col.written, codebook.is_missing).astype(bool)
        empty &= blank[col.codes]
    blank_rows = np.flatnonzero(empty)
    for i in blank_rows[:MAX_EMPTY_ROW_WARNINGS]:  # one warning each, then one for the rest (a file of ",,,")
        problems.append(make_problem("empty_row", file, row=int(rows[i])))
    if len(blank_rows) > MAX_EMPTY_ROW_WARNINGS:
        rest = rows[blank_rows[MAX_EMPTY_ROW_WARNINGS:]]
        problems.append(make_problem("empty_rows", file, row=int(rest[0]), n=f"{len(rest):,}", last=int(rest[-1])))
    if empty.any():
        rows = rows[~empty]
        for col in columns.values():
            col.codes = col.codes[~empty]
    if not len(rows):
        problems.append(make_problem("no_rows", file))

    if "sector" in columns:
        col = columns["sector"]
        mapped = _apply_value_map(col.canonical, spec.values.get("sector"))
        col.canonical = _each(mapped, lambda v: _try(codebook.normalise_sector, v))
    if "municipality" in columns:
        columns["municipality"].canonical = _apply_value_map(columns["municipality"].canonical, spec.values.get("municipality"))
    for item_id in present_items:
        col = columns[item_id]
        mapped = _apply_value_map(col.written, spec.values.get(item_id) or spec.values.get("*"))
        col.canonical = _each(mapped, lambda v, i=item_id: _try(lambda x: codebook.normalise(i, x), v))

    if "respondent_id" in columns:
        problems += _id_problems(columns["respondent_id"], file, rows)
    if "municipality" in columns:
        problems += _unsafe_codes(columns["municipality"], file, rows)
    problems += _schema_problems(columns, codebook, spec, file, rows)
    problems += _asked_if_problems(columns, codebook, file, rows, present_items)
    problems += _sector_repeats(columns, file)

    report = ValidationReport(file, problems, n_rows=len(rows), platform=found.platform)
    if not report.ok:
        return report, None
    canonical = {"source_row": rows}
    for key in KEYS:
        canonical[key] = pd.Series(columns[key].canonical[columns[key].codes], dtype="str")
    for item_id in present_items:
        col, allowed = columns[item_id], codebook.allowed(item_id)
        position = {v: i for i, v in enumerate(allowed)}
        codes = np.array([position.get(v, -1) for v in col.canonical], dtype=np.int8)[col.codes]
        canonical[item_id] = pd.Categorical.from_codes(codes, categories=allowed)
    return report, pd.DataFrame(canonical)


class _Invalid(str):
    """A written value that failed normalisation; kept as written so the schema reports it."""


def _try(normalise, value):
    try:
        return normalise(value)
    except KeyError:
        return _Invalid(str(value).strip())


def _each(values: np.ndarray, func) -> np.ndarray:
    """`func` of each distinct value (a column holds a handful), as an object array so None stays None."""
    out = np.empty(len(values), dtype=object)
    out[:] = [func(v) for v in values]
    return out


_PLAIN = r"[0-9A-Za-z_\-]+"  # a key with nothing to strip or fold but case


def _key_texts(values: np.ndarray, codebook: Codebook) -> np.ndarray:
    """Each distinct key cell as text, None where it means no answer.

    Vectorised for plain ids and whole numbers (an id column has a million distinct values); any
    other value goes through `key_text` and `Codebook.is_missing` one by one, with the same result.
    """
    out = np.empty(len(values), dtype=object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    fast = np.zeros(len(values), dtype=bool)
    if kind == "string":
        text = pd.Series(values, dtype="str")
        fast = text.str.fullmatch(_PLAIN).fillna(False).to_numpy(bool)
        out[fast] = values[fast]
        out[fast & text.str.lower().isin(codebook.missing_spellings).to_numpy(bool)] = None
    elif kind == "floating" and not any(_is_number(s) for s in codebook.missing_spellings):
        numbers = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(float)
        fast = (numbers == np.round(numbers)) & (np.abs(numbers) < 2**53)
        out[fast] = pd.Series(numbers[fast].astype(np.int64)).astype(str).to_numpy(object)
    slow = np.flatnonzero(~fast)
    out[slow] = [None if codebook.is_missing(v) else key_text(v) for v in values[slow]]
    return out


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _apply_value_map(values: np.ndarray, mapping: dict[str, str] | None) -> np.ndarray:
    if not mapping:
        return values
    folded = {_fold(k): v for k, v in mapping.items()}
    return _each(values, lambda v: None if v is None else folded.get(_fold(key_text(v)), v))


def _unsafe_codes(col: _Column, file: str, rows: np.ndarray) -> list[Problem]:
    """Every row whose municipality code could not be a file name as it is (a code names its report's files)."""
    unsafe = np.array([v is not None and not is_safe_name(v) for v in col.canonical], dtype=bool)
    return [make_problem("municipality_code_unsafe", file, row=int(rows[i]), column="municipality",
                         value=col.canonical[col.codes[i]], allowed=NAME_RULE) for i in col.rows_with(unsafe)]


def _id_problems(col: _Column, file: str, rows: np.ndarray) -> list[Problem]:
    """Every row without a respondent id, and every row whose id another row has too."""
    ids, _ = pd.factorize(col.canonical, use_na_sentinel=True)
    ids = ids[col.codes]
    problems = [make_problem("key_missing", file, row=int(rows[i]), column="respondent_id") for i in np.flatnonzero(ids < 0)]
    repeated = (ids >= 0) & pd.Series(ids).duplicated(keep=False).to_numpy()
    problems += [make_problem("respondent_id_duplicate", file, row=int(rows[i]), column="respondent_id",
                              value=col.canonical[col.codes[i]]) for i in np.flatnonzero(repeated)]
    return problems


_CHECK_RULES = {"not_nullable": "key_missing"}


def _schema_problems(columns: dict[str, _Column], codebook: Codebook, spec: WaveSpec, file: str, rows: np.ndarray):
    """The pandera schema run on each column's distinct canonical values; each failure named for every row holding it."""
    checked = {name: col for name, col in columns.items() if name != "respondent_id"}
    if not checked:
        return []
    height = max(len(col.canonical) for col in checked.values())
    distinct = pd.DataFrame({name: np.concatenate([col.canonical, np.full(height - len(col.canonical), None)])
                             for name, col in checked.items()}, dtype=object)
    try:
        build_schema(codebook, spec).validate(distinct, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    problems = []
    for (column, check), failed in cases.groupby(["column", "check"], sort=False, dropna=False):
        col, check = checked.get(column), str(check)
        flags = np.zeros(height, dtype=bool)
        flags[failed["index"].dropna().astype(int).to_numpy()] = True
        positions = [None] if col is None or failed["index"].isna().all() else col.rows_with(flags[: len(col.canonical)])
        for i in positions:
            row = None if i is None else int(rows[i])
            value = None if i is None else col.canonical[col.codes[i]]
            problems.append(_problem(check, file, row, column, value, codebook, spec))
    return problems


def _problem(check: str, file: str, row, column, value, codebook: Codebook, spec: WaveSpec) -> Problem:
    if check in _CHECK_RULES:
        return make_problem(_CHECK_RULES[check], file, row=row, column=column)
    if check.startswith("isin"):
        if column == "sector":
            return make_problem("sector_unknown", file, row=row, column=column, value=value,
                                allowed=", ".join(codebook.sector_ids))
        if column == "municipality":
            return make_problem("municipality_unknown", file, row=row, column=column, value=value,
                                allowed=", ".join(spec.municipalities or ()))
        allowed = ", ".join(f"{v} ({codebook.value_label(column, v, 'nl')})" for v in codebook.allowed(column))
        return make_problem("value_not_allowed", file, row=row, column=column, value=value, allowed=allowed)
    # a pandera check we did not foresee: still reported, never swallowed
    return Problem(file, row, column, None if value is None else str(value), check, ERROR,
                   f"failed check {check}", f"controle {check} mislukt")


def _valid(col: _Column, allowed) -> np.ndarray:
    """Per distinct value: whether its canonical value is one of `allowed`."""
    return np.array([v in allowed for v in col.canonical], dtype=bool)


def _asked_if_problems(columns: dict[str, _Column], codebook: Codebook, file: str, rows: np.ndarray, present: list[str]):
    problems = []
    for item_id in present:
        rule = codebook.items[item_id].asked_if
        if rule is None or rule.item not in columns:
            continue
        parent, answer = columns[rule.item], columns[item_id]
        valid_parent = _valid(parent, set(codebook.allowed(rule.item)))[parent.codes]
        asked = np.array([v == rule.equals for v in parent.canonical], dtype=bool)[parent.codes]
        answered = np.array([v is not None for v in answer.canonical], dtype=bool)[answer.codes]
        for i in np.flatnonzero(valid_parent & ~asked & answered):
            problems.append(make_problem("answer_not_asked", file, row=int(rows[i]), column=item_id,
                                         value=answer.written[answer.codes[i]], parent=rule.item, equals=rule.equals))
        for i in np.flatnonzero(asked & ~answered):
            problems.append(make_problem("answer_missing", file, row=int(rows[i]), column=item_id,
                                         parent=rule.item, equals=rule.equals))
    return problems


def _sector_repeats(columns: dict[str, _Column], file: str):
    """Municipalities with two officers of one sector, found on the columns' codes."""
    if not {"municipality", "sector"} <= set(columns):
        return []
    municipality, sector = columns["municipality"], columns["sector"]
    m_ids, m_values = pd.factorize(municipality.canonical, use_na_sentinel=True)
    known = [v if v is not None and not isinstance(v, _Invalid) else None for v in sector.canonical]
    s_ids, s_values = pd.factorize(np.array(known, dtype=object), use_na_sentinel=True)
    pairs = pd.DataFrame({"m": m_ids[municipality.codes], "s": s_ids[sector.codes]})
    pairs = pairs[(pairs["m"] >= 0) & (pairs["s"] >= 0)]
    codes = pairs[pairs.duplicated(keep=False)].drop_duplicates()
    repeated = zip(m_values[codes["m"]], s_values[codes["s"]])
    return [make_problem("sector_repeated", file, column=s, value=m) for m, s in repeated]
