"""The one checked boundary between text from outside (respondent files, mappings, wave names) and the places
where text becomes a path, HTML, Markdown, a plot label or a spreadsheet cell.

- Names that become paths (wave names, municipality codes) must match SAFE_NAME; `check_name` refuses others,
  and `inside` refuses a path that leaves its folder (symlinks resolved).
- `html_text`, `markdown_text` and `plot_text` escape text for the place it is shown.
- `starts_formula` tells text a spreadsheet would run; `igb.survey.io.write_workbook` types such cells as text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from igb.errors import ConfigError

MAX_NAME = 64
SAFE_NAME = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9_.-]{0,%d}" % (MAX_NAME - 1))  # letters, digits, - _ . ('.' not first)
NAME_RULE = "letters, digits, '-', '_' and '.' (not first), at most 64 characters"


def is_safe_name(name) -> bool:
    """Whether `name` can be a file or folder name as it is (no separators, no '..', no leading dot)."""
    return isinstance(name, str) and SAFE_NAME.fullmatch(name) is not None


def check_name(name, *, what: str = "name") -> str:
    """`name` if it is safe as a file or folder name, else a ConfigError saying what is allowed."""
    if not is_safe_name(name):
        raise ConfigError(f"{what} {name!r} is not allowed: use {NAME_RULE}")
    return name


def check_wave(wave) -> str:
    """A wave name (it names folders under data/raw, data/processed and reports, and a mapping file)."""
    return check_name(wave, what="wave name")


def inside(path: str | Path, folder: str | Path) -> Path:
    """`path`, resolved, if it lies inside `folder` (resolved); else a ConfigError: outputs stay in their folder."""
    target, base = Path(path).resolve(), Path(folder).resolve()
    if target != base and base not in target.parents:
        raise ConfigError(f"refusing to write {path}: it is outside {folder}")
    return target


def html_text(value) -> str:
    """Text for HTML (element content or a quoted attribute)."""
    return html.escape(str(value), quote=True)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~$])")  # '<', '>' and '&' are left to html.escape


def markdown_text(value) -> str:
    """Text for Markdown shown as HTML: Markdown's markup characters backslash-escaped, then HTML's (no tags, links
    or emphasis from a name)."""
    return html.escape(_MARKDOWN_SPECIAL.sub(r"\\\1", str(value)), quote=True)


def plot_text(value) -> str:
    """Text for a matplotlib label: '$' would start mathtext (a parse error or odd glyphs)."""
    return str(value).replace("$", r"\$")


FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def starts_formula(value) -> bool:
    """Whether a spreadsheet would read this text as a formula (or DDE command) if typed into a cell."""
    return isinstance(value, str) and value.startswith(FORMULA_START)
