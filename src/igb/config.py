"""Project paths (overridable with IGB_ROOT) and loading of params/*.yaml."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from igb.errors import ConfigError
from igb.safe import check_wave


def _default_root() -> Path:
    env = os.environ.get("IGB_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[2]  # src/igb/config.py -> project root (editable install)
    if (here / "params" / "codebook.yaml").exists():
        return here
    for candidate in [Path.cwd(), *Path.cwd().parents]:
        if (candidate / "params" / "codebook.yaml").exists():
            return candidate
    raise ConfigError(
        "Cannot find the igb project folder (params/codebook.yaml). Run igb from the project "
        "folder or set IGB_ROOT to it."
    )


@dataclass(frozen=True)
class Paths:
    """Every path the project reads or writes, derived from one root."""

    root: Path

    @property
    def params(self) -> Path:
        return self.root / "params"

    @property
    def codebook(self) -> Path:
        return self.params / "codebook.yaml"

    @property
    def recode(self) -> Path:
        return self.params / "recode.yaml"

    @property
    def published(self) -> Path:
        return self.root / "data" / "published"

    # A wave's name becomes folder and file names: every path of a wave is made here, from a checked name.
    def raw(self, wave: str) -> Path:
        return self.root / "data" / "raw" / check_wave(wave)

    def processed(self, wave: str) -> Path:
        return self.root / "data" / "processed" / check_wave(wave)

    def wave_mapping(self, wave: str) -> Path:
        return self.params / "waves" / f"{check_wave(wave)}.yaml"

    def reports(self, wave: str) -> Path:
        return self.root / "reports" / check_wave(wave)


def paths(root: str | Path | None = None) -> Paths:
    """The project's paths, rooted at `root`, IGB_ROOT or the project folder."""
    return Paths(Path(root).resolve() if root is not None else _default_root())


def load_yaml(path: Path) -> dict:
    """Read a YAML mapping, with an error that names the file when it is missing or malformed."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")
    return data


@lru_cache(maxsize=8)
def _cached_yaml(path: str, mtime: float) -> dict:
    return load_yaml(Path(path))


def load_params(path: Path) -> dict:
    """Load a params file, cached until it changes on disk."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    return _cached_yaml(str(path), mtime)
