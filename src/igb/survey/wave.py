"""A wave: where its respondent file lies and how its columns and codes map to the codebook."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from pathlib import Path

from igb.config import Paths, load_yaml, paths as project_paths
from igb.errors import ConfigError
from igb.survey.codebook import key_text
from igb.privacy import check_min_cell, resolve_min_cell
from igb.safe import NAME_RULE, is_safe_name

_SPEC_KEYS = {"wave", "description", "synthetic", "file", "encoding", "sheet", "columns", "values",
              "municipalities", "municipality_names", "min_cell", "sent", "incomplete"}
RAW_NAMES = ("responses.csv", "responses.xlsx", "responses.sav")
# What to do with responses a survey platform marks as not completed (a LimeSurvey response without submitdate):
# leave them out (the default: the respondent did not finish, and their blanks are not answers) or keep them.
INCOMPLETE = ("exclude", "include")


@dataclass(frozen=True)
class WaveSpec:
    """The optional mapping file params/waves/<wave>.yaml, with defaults when there is none.

    columns: file column -> canonical column; values: canonical column (or "*" for every item)
    -> {written answer -> canonical value}; municipalities: the known municipality codes
    (anything else is an error); municipality_names: code -> name, shown only when given; incomplete: whether
    responses a survey platform marks as not completed are left out ("exclude", the default) or kept ("include").
    """

    wave: str
    file: str | None = None
    encoding: str | None = None
    sheet: str | int = 0
    columns: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    municipalities: tuple[str, ...] | None = None
    municipality_names: dict[str, str] = field(default_factory=dict)
    synthetic: bool = False
    synthetic_kind: str = ""          # "reconstructed" (from published tables) or "generated" (igb.synth)
    description: str = ""
    min_cell: int | None = None
    sent: dict[str, int] = field(default_factory=dict)
    incomplete: str = "exclude"
    source: Path | None = None

    def min_cell_for(self, given=None) -> int:
        """The minimum cell size of this wave's outputs: `given` (e.g. --min-cell) if not None, else this mapping's
        `min_cell`, else the default (`igb.privacy.resolve_min_cell`, the one rule)."""
        return resolve_min_cell(given, self.min_cell, wave_source=str(self.source or f"mapping of wave {self.wave}"))


def load_spec(wave: str, *, paths: Paths | None = None) -> WaveSpec:
    """Read params/waves/<wave>.yaml if it exists; a wave without one uses the canonical names."""
    paths = paths or project_paths()
    path = paths.wave_mapping(wave)
    if not path.exists():
        return WaveSpec(wave=wave)
    return spec_from_dict(load_yaml(path), wave=wave, source=path)


def spec_from_dict(data: dict, *, wave: str, source: Path | None = None) -> WaveSpec:
    """A WaveSpec from a mapping file's contents; every wrong key or value is a ConfigError naming the file, the
    key, the value and what is allowed."""
    where = source or f"mapping of wave {wave}"

    def bad(key, value, allowed):
        return ConfigError(f"{where}: `{key}`: {_shown(value)} is not allowed; {allowed}")

    unknown = set(data) - _SPEC_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(map(str, unknown))}; allowed keys are {sorted(_SPEC_KEYS)}")
    if data.get("wave", wave) != wave:
        raise bad("wave", data["wave"], f"the file is used for wave {wave!r} and must say that or nothing")
    file = data.get("file")
    if file is not None and not is_safe_name(file):
        raise bad("file", file, f"expected a file name in data/raw/{wave}/ ({NAME_RULE})")
    encoding = data.get("encoding")
    if encoding is not None:
        try:
            codecs.lookup(encoding if isinstance(encoding, str) else "")
        except LookupError:
            raise bad("encoding", encoding, "expected a text encoding Python knows, e.g. utf-8 or cp1252") from None
    sheet = data.get("sheet", 0)
    if isinstance(sheet, bool) or not (isinstance(sheet, str) or (isinstance(sheet, int) and sheet >= 0)):
        raise bad("sheet", sheet, "expected a worksheet name or a 0-based index")
    columns = _text_mapping(data, "columns", bad)
    values = {}
    for column, mapping in _mapping(data, "values", bad).items():
        if not isinstance(mapping, dict):
            raise bad(f"values.{column}", mapping, "expected a mapping of written answer -> canonical value")
        values[_scalar(column, f"values.{column}", bad)] = {
            _scalar(k, f"values.{column}", bad): _scalar(v, f"values.{column}.{k}", bad) for k, v in mapping.items()}
    munis = data.get("municipalities")
    if munis is not None:
        if not isinstance(munis, list):
            raise bad("municipalities", munis, "expected a list of municipality codes")
        munis = tuple(_code(m, "municipalities", bad) for m in munis)
    names = {_code(k, "municipality_names", bad): _name(v, f"municipality_names.{k}", bad)
             for k, v in _mapping(data, "municipality_names", bad).items()}
    sent = {}
    for sector, count in _mapping(data, "sent", bad).items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise bad(f"sent.{sector}", count, "expected the number of questionnaires sent, a whole number >= 0")
        sent[_scalar(sector, "sent", bad)] = count
    description = data.get("description", "")
    if not isinstance(description, str):
        raise bad("description", description, "expected text")
    min_cell = data.get("min_cell")
    if min_cell is not None:
        min_cell = check_min_cell(min_cell, where=f"{where}: `min_cell`")
    incomplete = data.get("incomplete", "exclude")
    if isinstance(incomplete, bool) or incomplete not in INCOMPLETE:
        raise bad("incomplete", incomplete, "expected exclude (leave out responses the survey platform marks as not "
                                            "completed, e.g. LimeSurvey's without submitdate; the default) or include")
    return WaveSpec(
        wave=wave, file=file, encoding=encoding, sheet=sheet, columns=columns, values=values, municipalities=munis,
        municipality_names=names, synthetic=bool(data.get("synthetic", False)),
        synthetic_kind=_synthetic_kind(data.get("synthetic", False), where), description=description,
        min_cell=min_cell, sent=sent, incomplete=incomplete, source=source)


def _shown(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _mapping(data: dict, key: str, bad) -> dict:
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise bad(key, value, "expected a mapping (key: value lines)")
    return value


def _scalar(value, key: str, bad) -> str:
    """A mapping's key or value as text: strings and numbers; YAML's unquoted yes/no/on/off (booleans) are refused."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        hint = " (YAML reads unquoted yes/no/on/off as true/false: put it in quotes)" if isinstance(value, bool) else ""
        raise bad(key, value, "expected text or a number" + hint)
    return key_text(value)


def _text_mapping(data: dict, key: str, bad) -> dict[str, str]:
    return {_scalar(k, key, bad): _scalar(v, f"{key}.{k}", bad) for k, v in _mapping(data, key, bad).items()}


def _code(value, key: str, bad) -> str:
    """A municipality code: it names report files, so it must be a safe name."""
    code = _scalar(value, key, bad)
    if not is_safe_name(code):
        raise bad(key, value, f"a municipality code names its report files: use {NAME_RULE}")
    return code


MAX_DISPLAY_NAME = 200  # characters of a municipality's name: a heading, not a document


def _name(value, key: str, bad) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_DISPLAY_NAME:
        raise bad(key, value, f"expected a municipality's name: text of 1 to {MAX_DISPLAY_NAME} characters")
    return value.strip()


def _synthetic_kind(value, where) -> str:
    """`synthetic:` is false, "reconstructed" or "generated" (true counts as "generated")."""
    if value in (False, None):
        return ""
    if value is True:
        return "generated"
    if value in ("reconstructed", "generated"):
        return value
    raise ConfigError(f"{where}: `synthetic`: {value!r} is not allowed; expected false, reconstructed or generated")


def raw_file(wave: str, spec: WaveSpec | None = None, *, paths: Paths | None = None) -> Path:
    """The respondent file of a wave: the mapping's `file`, or the one responses.* in data/raw/<wave>/."""
    paths = paths or project_paths()
    folder = paths.raw(wave)
    if not folder.is_dir():
        known = sorted(p.name for p in folder.parent.iterdir() if p.is_dir()) if folder.parent.is_dir() else []
        raise ConfigError(f"unknown wave {wave!r}: no folder {folder}; known waves: {known}")
    if spec and spec.file:
        path = folder / spec.file
        if not path.exists():
            raise ConfigError(f"{spec.source}: file {spec.file!r} not found in {folder}")
        return path
    found = [folder / name for name in RAW_NAMES if (folder / name).exists()]
    if not found:
        raise ConfigError(f"{folder}: no respondent file; expected one of {list(RAW_NAMES)} "
                          f"(or name it with `file:` in {paths.wave_mapping(wave)})")
    if len(found) > 1:
        raise ConfigError(f"{folder}: several respondent files {[p.name for p in found]}; "
                          f"keep one or name it with `file:` in {paths.wave_mapping(wave)}")
    return found[0]
