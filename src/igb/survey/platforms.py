"""Survey platforms' exports, read with no mapping file: KoboToolbox/ODK and LimeSurvey.

A form made by `igb questionnaire` names every question after its codebook item: by the item id in an XLSForm
(KoboToolbox, ODK, SurveyCTO, Enketo), by `limesurvey_code(item id)` in LimeSurvey, whose question codes are
letters and digits only. What the platform exports then differs from the codebook's layout in known ways, which
`recognise` undoes before validation:

- KoboToolbox/ODK: a header carries the question's group path (`s4_2/health_priority`; ODK Central and Briefcase
  write `s4_2-health_priority`), and the export adds its own columns (`start`, `end`, `_id`, `_uuid`,
  `_submission_time`, `meta/instanceID`, ...).
- LimeSurvey: headers are question codes (`healthPriority`), answers are answer codes (`1`, `0`, `2`: the
  codebook's codes; sectors and long municipality codes as `limesurvey_answer_codes`), and the export adds `id`,
  `submitdate`, `lastpage`, `startlanguage`, `seed`, `startdate`, `datestamp`, ...; a response without `submitdate`
  was not completed.

A platform is recognised by columns only it writes. Its metadata columns are reported once (not as unknown
columns), its submission id becomes `respondent_id` when the file has none, and incomplete responses are left out
unless the wave's mapping says `incomplete: include`. A wave's own `columns:` and `values:` still win.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from igb.survey.codebook import KEYS, Codebook
from igb.survey.io import RawTable
from igb.survey.wave import WaveSpec

KOBO, LIMESURVEY = "KoboToolbox/ODK", "LimeSurvey"

# -- KoboToolbox / ODK ----------------------------------------------------------------------------------------------
# Columns only these platforms write: KoboToolbox's export fields, the XForm's meta block, ODK Central's CSV fields.
_KOBO_SIGNS = frozenset({
    "_uuid", "_submission_time", "_validation_status", "__version__", "_xform_id_string", "_submitted_by",
    "meta/instanceID", "meta-instanceID", "formhub/uuid", "formhub-uuid", "instanceID", "KEY", "SubmissionDate",
    "SubmitterID", "ReviewState",
})
# Every metadata column: the signs, the rest of Kobo's export fields, the XLSForm's metadata questions (start, end,
# today, deviceid, ...) and ODK Central's; columns in the `meta` and `formhub` groups are metadata too.
_KOBO_METADATA = _KOBO_SIGNS | {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber", "username", "email", "audit",
    "_id", "_notes", "_status", "_tags", "_index", "_attachments", "_geolocation", "_parent_table_name",
    "_parent_index", "_submission__id", "_submission__uuid", "_submission__submission_time",
    "SubmitterName", "AttachmentsPresent", "AttachmentsExpected", "Status", "DeviceID", "Edits", "FormVersion",
}
_KOBO_METADATA_GROUPS = ("meta/", "meta-", "formhub/", "formhub-")
# Submission ids, most readable first: Kobo's number, ODK Central's key, the XForm's instance id.
_KOBO_IDS = ("_id", "KEY", "meta/instanceID", "meta-instanceID", "instanceID", "_uuid")
_GROUP = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")  # an XLSForm group name (XML name, without '-' and ':')

# -- LimeSurvey -----------------------------------------------------------------------------------------------------
_LIME_SIGNS = frozenset({"submitdate", "lastpage", "startlanguage", "seed"})
_LIME_METADATA = _LIME_SIGNS | {"id", "token", "startdate", "datestamp", "ipaddr", "refurl", "interviewtime",
                                "quota_exit"}
_LIME_TIMING = re.compile(r"\d+X\d+(X\d+\w*)?time")  # the timings of groups and questions (SGQA codes)
_LIME_ID, _LIME_SUBMITTED = "id", "submitdate"
LIMESURVEY_CODE_MAX = 20  # LimeSurvey's Question model: title length 1..20, /^[a-zA-Z][[:alnum:]]*$/
LIMESURVEY_ANSWER_MAX = 5  # LimeSurvey's Answer model: code length 1..5, letters and digits

_NEEDED = frozenset({*_KOBO_IDS, _LIME_ID, _LIME_SUBMITTED})  # read from a .sav even when the codebook does not know them


def limesurvey_code(name: str) -> str:
    """The LimeSurvey question code of a codebook name: the words of the id joined in camelCase (`health_priority` ->
    `healthPriority`, `pol_1` -> `pol1`), anything but letters and digits dropped, `q` put first if it would start
    with a digit, cut to 20 characters (`pos_structural_consultation` -> `posStructuralConsult`).

    The reader maps a code back by computing the codes of every codebook name (`_limesurvey_names`); `igb
    questionnaire` refuses a codebook in which two names would get one code, so the shortening is reversible.
    """
    words = [w for w in str(name).split("_") if w]
    code = "".join([words[0], *(w[:1].upper() + w[1:] for w in words[1:])]) if words else ""
    code = re.sub(r"[^0-9A-Za-z]", "", code)
    if not code or not code[0].isalpha():
        code = "q" + code
    return code[:LIMESURVEY_CODE_MAX]


def limesurvey_answer_codes(values: Iterable[str], prefix: str = "A", *, cut: bool = True) -> dict[str, str]:
    """LimeSurvey answer codes (letters and digits, at most 5) for a list of values, in its order.

    The values themselves when each already is such a code (municipality codes 1..16); else, with `cut`, each value's
    letters and digits cut to 5 (`sociale_zaken` -> `socia`) when that keeps them apart; else `prefix` and the
    position (M1, M2, ...). The reader maps the codes back by computing them from the same list: the codebook's
    sectors (cut), the wave's municipalities (not cut: `GM036` would read as another municipality's code).
    """
    values = [str(v) for v in values]
    candidates = [values, [re.sub(r"[^0-9A-Za-z]", "", v)[:LIMESURVEY_ANSWER_MAX] for v in values]][: 2 if cut else 1]
    for candidate in candidates:
        if all(re.fullmatch(r"[0-9A-Za-z]{1,%d}" % LIMESURVEY_ANSWER_MAX, c) for c in candidate) \
                and len({c.lower() for c in candidate}) == len(candidate):
            return dict(zip(values, candidate))
    return {v: f"{prefix}{i}" for i, v in enumerate(values, start=1)}


@lru_cache(maxsize=8)
def _limesurvey_names(known: frozenset[str]) -> dict[str, str]:
    """LimeSurvey code (and its lower case) -> codebook name, for codes that only one name has."""
    by_code: dict[str, set[str]] = {}
    for name in known:
        for code in {limesurvey_code(name), limesurvey_code(name).lower()}:
            by_code.setdefault(code, set()).add(name)
    return {code: next(iter(names)) for code, names in by_code.items() if len(names) == 1}


def _kobo_name(column: str, known) -> str | None:
    """The codebook name a KoboToolbox/ODK header stands for: `group/.../name` (Kobo) or `group-...-name` (ODK)."""
    for separator in ("/", "-"):
        *groups, last = column.split(separator)
        if groups and last in known and all(_GROUP.fullmatch(g) for g in groups):
            return last
    return None


def wanted(column: str, spec: WaveSpec, known) -> bool:
    """Whether validation reads this column of a .sav: it maps to a codebook name, directly, through the wave's
    mapping or by a platform's naming, or it is a platform's submission id or completion date."""
    name = spec.columns.get(column, column)
    return (name in known or column in _NEEDED or _kobo_name(column, known) is not None
            or column in _limesurvey_names(frozenset(known)))


@dataclass(frozen=True)
class Recognition:
    """What `recognise` found: the platform (None for a plain file), the table and mapping to validate with, the
    file's metadata columns, and notes (rule, fields) for the validation report."""

    platform: str | None
    raw: RawTable
    spec: WaveSpec
    metadata: tuple[str, ...] = ()
    notes: list[tuple[str, dict]] = field(default_factory=list)


def platform_of(columns: Iterable[str]) -> str | None:
    """The platform whose own columns the file has, or None."""
    columns = set(columns)
    if len(columns & _LIME_SIGNS) >= 2:
        return LIMESURVEY
    if columns & _KOBO_SIGNS or any(c.startswith(_KOBO_METADATA_GROUPS) for c in columns):
        return KOBO
    return None


def _is_metadata(column: str, platform: str) -> bool:
    if platform == KOBO:
        return column in _KOBO_METADATA or column.startswith(_KOBO_METADATA_GROUPS)
    return column in _LIME_METADATA or bool(_LIME_TIMING.fullmatch(column))


def recognise(raw: RawTable, *, codebook: Codebook, spec: WaveSpec) -> Recognition:
    """Recognise the platform of a raw table and prepare it for validation with no mapping file (see the module)."""
    columns = [*raw.frame.columns, *raw.skipped]
    platform = platform_of(columns)
    if platform is None:
        return Recognition(None, raw, spec)
    known = frozenset({*KEYS, *codebook.item_ids})
    mapped = {c: spec.columns[c] for c in columns if c in spec.columns}
    codes = _limesurvey_names(known) if platform == LIMESURVEY else {}
    for column in columns:
        if column in mapped or column in known:
            continue
        name = _kobo_name(column, known) if platform == KOBO else codes.get(column) or codes.get(column.lower())
        if name is not None:
            mapped[column] = name
    notes: list[tuple[str, dict]] = []
    named = {mapped.get(c, c) for c in columns}
    if "respondent_id" not in named:
        ids = _KOBO_IDS if platform == KOBO else (_LIME_ID,)
        found = next((c for c in ids if c in columns and c not in mapped), None)
        if found is not None:
            mapped[found] = "respondent_id"
            notes.append(("platform_respondent_id", {"column": found, "platform": platform}))
    metadata = tuple(c for c in columns if c not in mapped and c not in known and _is_metadata(c, platform))
    notes.insert(0, ("platform_metadata", {"value": len(metadata), "platform": platform,
                                           "columns": _listed(metadata)}))
    raw, incomplete = _complete_only(raw, platform, spec)
    notes += incomplete
    spec = dataclasses.replace(spec, columns={**spec.columns, **mapped}, values=_values(platform, codebook, spec))
    return Recognition(platform, raw, spec, metadata, notes)


def _listed(names, limit: int = 40) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def _values(platform: str, codebook: Codebook, spec: WaveSpec) -> dict[str, dict[str, str]]:
    """The wave's `values:` with what the platform's answers need: municipality names (a labels export) and LimeSurvey's
    answer codes mapped back to codes and sector ids. The wave's own entries win."""
    auto: dict[str, dict[str, str]] = {"municipality": {name: code for code, name in spec.municipality_names.items()}}
    if platform == LIMESURVEY:
        if spec.municipalities:
            codes = limesurvey_answer_codes(spec.municipalities, "M", cut=False)
            auto["municipality"].update({c: m for m, c in codes.items()})
        auto["sector"] = {c: s for s, c in limesurvey_answer_codes(codebook.sector_ids, "S").items()}
    values = dict(spec.values)
    for column, mapping in auto.items():
        if mapping:
            values[column] = {**mapping, **spec.values.get(column, {})}
    return values


def _complete_only(raw: RawTable, platform: str, spec: WaveSpec) -> tuple[RawTable, list[tuple[str, dict]]]:
    """Leave out the responses the platform marks as not completed (LimeSurvey: blank `submitdate`), unless the wave
    says `incomplete: include`; either way a note says how many there were."""
    if platform != LIMESURVEY or _LIME_SUBMITTED not in raw.frame.columns:
        return raw, []
    dates = raw.frame[_LIME_SUBMITTED]
    blank = (pd.isna(dates) | dates.astype(str).str.strip().eq("")).to_numpy(bool)
    if not blank.any():
        return raw, []
    fields = {"value": int(blank.sum()), "column": _LIME_SUBMITTED, "platform": platform}
    if spec.incomplete == "include":
        return raw, [("incomplete_included", fields)]
    kept = dataclasses.replace(raw, frame=raw.frame[~blank].reset_index(drop=True),
                               rows=np.asarray(raw.rows)[~blank].tolist())
    return kept, [("incomplete_excluded", fields)]
