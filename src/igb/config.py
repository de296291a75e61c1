"""Project paths (overridable with IGB_ROOT) and loading of params/*.yaml."""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from igb.errors import ConfigError
from igb.safe import check_wave


_HERE = Path(__file__).resolve().parents[2]  # src/igb/config.py -> project root (editable install)


@lru_cache(maxsize=32)
def _resolved(folder: str) -> Path:
    """An absolute IGB_ROOT, resolved once: `paths()` is called for every text a page reads (≈30 µs a call)."""
    return Path(folder).resolve()


def _default_root() -> Path:
    env = os.environ.get("IGB_ROOT")
    if env:
        return _resolved(env) if os.path.isabs(env) else Path(env).resolve()
    if (_HERE / "params" / "codebook.yaml").exists():
        return _HERE
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


# Limits on a params file or wave mapping, so that a hostile or broken YAML file fails at load with a clear error
# instead of exhausting memory or the stack. Our largest params file (codebook.yaml) is ~45 KB.
MAX_YAML_BYTES = 1_000_000  # 20x the codebook; a wave mapping naming all 342 municipalities is ~15 KB
MAX_YAML_ALIASES = 16  # our params use no anchors or aliases (*name); k nested aliases can make a walk of the
#                        document ~3^(k/3) times its size ("billion laughs": 9 levels of 10 expand to 10^9), 16 to ~200x
MAX_YAML_DEPTH = 100  # our params nest 5 levels; PyYAML's composer recurses per level and overflows at a few hundred


# libyaml's parser and composer where PyYAML was built with it (its wheels are): ≈10x faster than the pure-Python
# loader, which every process (prepare, the CLI, each worker and kernel) spent ≈0.2 s in reading params and texts
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NODE = (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


def _check_limits(text: str, path) -> None:
    """Refuse more than MAX_YAML_ALIASES aliases and nesting deeper than MAX_YAML_DEPTH (the document's top node
    is level 1, each node inside a collection one more). Counted on the parser's events, before anything is
    composed: nothing (the composer, the constructor, or code walking the result) expands the shared nodes that
    aliases create, or recurses into a deep document, before it is refused."""
    aliases = depth = 0
    for event in yaml.parse(text, Loader=_LOADER):
        if isinstance(event, yaml.AliasEvent):
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                raise ConfigError(
                    f"{path}, line {event.start_mark.line + 1}: more than {MAX_YAML_ALIASES} aliases "
                    f"(*{event.anchor}); igb's params files use none, and many aliases can expand a small file "
                    f"into billions of entries (limit MAX_YAML_ALIASES = {MAX_YAML_ALIASES})")
        elif isinstance(event, _NODE):
            if depth + 1 > MAX_YAML_DEPTH:
                raise ConfigError(
                    f"{path}, line {event.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} "
                    f"levels deep (limit MAX_YAML_DEPTH = {MAX_YAML_DEPTH})")
            depth += isinstance(event, _OPEN)
        elif isinstance(event, _CLOSE):
            depth -= 1


def _safe_load_limited(text: str, path) -> object:
    """yaml.safe_load(text) within the limits above; ConfigError naming `path` otherwise."""
    try:
        _check_limits(text, path)
        return yaml.load(text, Loader=_LOADER)
    except RecursionError:  # a nesting the depth count did not see (e.g. called with a deep stack already)
        raise ConfigError(f"{path}: nested too deeply to read (limit MAX_YAML_DEPTH = {MAX_YAML_DEPTH})") from None
    except (ValueError, OverflowError) as exc:  # a scalar SafeLoader cannot convert, e.g. an int of 5000 digits
        raise ConfigError(f"{path}: a value cannot be read: {exc}") from None


def load_yaml(path: Path) -> dict:
    """Read a YAML mapping, with an error that names the file when it is missing, malformed or too large.

    Same result as yaml.safe_load, but refuses files above MAX_YAML_BYTES, more than MAX_YAML_ALIASES aliases
    and nesting deeper than MAX_YAML_DEPTH (see `_check_limits`).
    """
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(MAX_YAML_BYTES + 1)  # bounded: a huge file (or a device) is not read whole
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc}") from None
    if len(data) > MAX_YAML_BYTES:
        raise ConfigError(f"{path}: the file is larger than {MAX_YAML_BYTES:,} bytes (limit MAX_YAML_BYTES); "
                          f"a params or mapping file is a few KB")
    try:
        text = data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")  # as read_text's universal newlines
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(f"{path}, line {line}: byte {data[exc.start:exc.start + 1]!r} is not UTF-8; "
                          f"save the file as UTF-8") from None
    try:
        data = _safe_load_limited(text, path)
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
