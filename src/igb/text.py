"""The one text catalog: every label, message and sentence a person reads, per language.

Texts live in params/text/<lang>.yaml under dotted keys (`figures.title.4.1`); the languages igb speaks are the
list in params/text/languages.yaml, Dutch first (the report's language). Adding a language is one catalog file
and its name in that list: a key the new catalog lacks falls back to English, then Dutch, so a partial
translation still renders. Data carry their own labels ({nl: ..., en: ...} in the codebook and params): `label`
picks one the same way. The analysis returns codes and numbers; the report layer turns them into text here.
"""

from __future__ import annotations

import numbers
import os
import string
from functools import lru_cache
from pathlib import Path

from igb.config import load_params, paths as project_paths
from igb.errors import ConfigError

FALLBACK = ("en", "nl")  # a key or label missing in a language is taken from these, in this order


def _folder() -> Path:
    return project_paths().params / "text"


def languages() -> tuple[str, ...]:
    """The languages of params/text/languages.yaml, Dutch first."""
    listed = load_params(_folder() / "languages.yaml").get("languages")
    if not isinstance(listed, list) or not listed or not all(isinstance(x, str) for x in listed):
        raise ConfigError(f"{_folder() / 'languages.yaml'}: expected `languages:` a list of language codes")
    return tuple(listed)


def check_lang(lang: str) -> str:
    """`lang` if igb speaks it (params/text/languages.yaml), else a ValueError naming the languages."""
    known = languages()
    if lang not in known:
        raise ValueError(f"The value for `lang` must be one of {sorted(known)}, but {lang!r} was passed.")
    return lang


def catalog(lang: str) -> dict[str, str]:
    """Every text of a language, by dotted key (its own file, with the fallback languages' texts beneath)."""
    merged: dict[str, str] = {}
    for code in (*reversed(FALLBACK), lang):
        path = _folder() / f"{code}.yaml"
        if path.exists():
            merged.update(_flat(load_params(path), path))
    return merged


def _flat(tree: dict, path: Path, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, path, name + "."))
        elif isinstance(value, str):
            out[name] = value
        else:
            raise ConfigError(f"{path}: `{name}` must be text, not {value!r} (quote it)")
    return out


def t(key: str, lang: str, **fmt) -> str:
    """The text `key` in `lang`, with {placeholders} filled from `fmt`; numbers written as the language writes them
    (`number.thousands`, `number.decimal`: 1.234,5 in Dutch, 1,234.5 in English)."""
    texts = _cached(lang, _stamp(lang))
    if key not in texts:
        raise KeyError(f"no text {key!r} in params/text/{lang}.yaml (nor in {', '.join(FALLBACK)})")
    if not fmt:
        return texts[key]
    marks = {",": texts.get("number.thousands", ","), ".": texts.get("number.decimal", ".")}
    return texts[key].format(**{k: _local(v, marks) for k, v in fmt.items()})


def _local(value, marks: dict):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return value
    return _Localised(value, marks)


class _Localised:
    """A number written with its language's marks, whatever the text's format spec: `{n:,}` 1.234 and `{x:.1f}`
    0,5 in Dutch (the spec is formatted as Python does, then `,` and `.` are swapped for the language's)."""

    def __init__(self, value, marks: dict):
        self.value, self.marks = value, str.maketrans(marks)

    def __format__(self, spec: str) -> str:
        return format(self.value, spec).translate(self.marks)

    def __str__(self) -> str:
        return self.__format__("")


def every_language(key: str, **fmt) -> dict[str, str]:
    """The text `key` filled from `fmt` in every language igb speaks, numbers written as each language writes them:
    the message of an error raised before anyone knows the reader's language. {} in a project folder without
    params/text (the error then says its key and parameters)."""
    try:
        return {lang: t(key, lang, **fmt) for lang in languages()}
    except ConfigError:
        return {}


def texts(prefix: str, lang: str) -> dict[str, str]:
    """Every text under `prefix` (e.g. 'figures.title'), by the rest of its key."""
    cut = len(prefix) + 1
    return {k[cut:]: v for k, v in _cached(lang, _stamp(lang)).items() if k.startswith(prefix + ".")}


def label(labels: dict, lang: str) -> str:
    """A data label ({nl: ..., en: ...}) in `lang`, else in the fallback languages."""
    for code in (lang, *FALLBACK):
        if labels.get(code):
            return labels[code]
    raise KeyError(f"no label in {lang!r} or {FALLBACK} among {sorted(labels)}")


def placeholders(text: str) -> set[str]:
    """The {names} a text expects."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _stamp(lang: str) -> tuple:
    """When the files a language's texts come from last changed (its catalog, the fallbacks', the language list):
    the cache below holds until one of them does. Four stats, not a listing of the folder: `t` is called often."""
    folder = str(_folder())
    stamp = []
    for name in ("languages", *FALLBACK, lang):
        try:
            stamp.append(os.stat(os.path.join(folder, f"{name}.yaml")).st_mtime_ns)
        except OSError:
            stamp.append(None)
    return (folder, *stamp)


@lru_cache(maxsize=16)
def _cached(lang: str, stamp: tuple) -> dict[str, str]:
    check_lang(lang)
    return catalog(lang)
