"""Argument checks with actionable messages (after seaborn's _check_argument)."""

from __future__ import annotations

LANGS = ("nl", "en")


def check_argument(param: str, options, value):
    """Raise ValueError naming the parameter, the allowed options and the value passed."""
    if value not in options:
        raise ValueError(
            f"The value for `{param}` must be one of {sorted(options)}, but {value!r} was passed."
        )
    return value


def check_lang(lang: str) -> str:
    """Labels exist in Dutch (the report's language) and English."""
    return check_argument("lang", LANGS, lang)
