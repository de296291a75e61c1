"""Argument checks with actionable messages (after seaborn's _check_argument)."""

from __future__ import annotations

def check_argument(param: str, options, value):
    """Raise ValueError naming the parameter, the allowed options and the value passed."""
    if value not in options:
        raise ValueError(
            f"The value for `{param}` must be one of {sorted(options)}, but {value!r} was passed."
        )
    return value


def check_lang(lang: str) -> str:
    """A language igb speaks (params/text/languages.yaml; see igb.text)."""
    from igb.text import check_lang as known

    return known(lang)
