"""A wave: where its respondent file lies and how its columns and codes map to the codebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from igb.config import Paths, load_yaml, paths as project_paths
from igb.errors import ConfigError

_SPEC_KEYS = {"wave", "description", "synthetic", "file", "encoding", "sheet", "columns", "values",
              "municipalities", "municipality_names", "min_cell", "sent"}
RAW_NAMES = ("responses.csv", "responses.xlsx", "responses.sav")


@dataclass(frozen=True)
class WaveSpec:
    """The optional mapping file params/waves/<wave>.yaml, with defaults when there is none.

    columns: file column -> canonical column; values: canonical column (or "*" for every item)
    -> {written answer -> canonical value}; municipalities: the known municipality codes
    (anything else is an error); municipality_names: code -> name, shown only when given.
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
    source: Path | None = None


def load_spec(wave: str, *, paths: Paths | None = None) -> WaveSpec:
    """Read params/waves/<wave>.yaml if it exists; a wave without one uses the canonical names."""
    paths = paths or project_paths()
    path = paths.wave_mapping(wave)
    if not path.exists():
        return WaveSpec(wave=wave)
    return spec_from_dict(load_yaml(path), wave=wave, source=path)


def spec_from_dict(data: dict, *, wave: str, source: Path | None = None) -> WaveSpec:
    where = source or f"mapping of wave {wave}"
    unknown = set(data) - _SPEC_KEYS
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {sorted(unknown)}; allowed keys are {sorted(_SPEC_KEYS)}")
    if data.get("wave", wave) != wave:
        raise ConfigError(f"{where}: says wave {data['wave']!r}, but is used for wave {wave!r}")
    for key in ("columns", "values", "municipality_names", "sent"):
        if not isinstance(data.get(key) or {}, dict):
            raise ConfigError(f"{where}: `{key}` must be a mapping")
    values = {str(col): {str(k): str(v) for k, v in (m or {}).items()} for col, m in (data.get("values") or {}).items()}
    munis = data.get("municipalities")
    return WaveSpec(
        wave=wave,
        file=data.get("file"),
        encoding=data.get("encoding"),
        sheet=data.get("sheet", 0),
        columns={str(k): str(v) for k, v in (data.get("columns") or {}).items()},
        values=values,
        municipalities=tuple(str(m) for m in munis) if munis is not None else None,
        municipality_names={str(k): str(v) for k, v in (data.get("municipality_names") or {}).items()},
        synthetic=bool(data.get("synthetic", False)),
        synthetic_kind=_synthetic_kind(data.get("synthetic", False), where),
        description=str(data.get("description", "")),
        min_cell=data.get("min_cell"),
        sent={str(k): int(v) for k, v in (data.get("sent") or {}).items()},
        source=source,
    )


def _synthetic_kind(value, where) -> str:
    """`synthetic:` is false, "reconstructed" or "generated" (true counts as "generated")."""
    if value in (False, None):
        return ""
    if value is True:
        return "generated"
    if value in ("reconstructed", "generated"):
        return value
    raise ConfigError(f"{where}: `synthetic` must be false, reconstructed or generated, not {value!r}")


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
