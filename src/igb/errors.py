"""The small exception tree of igb: every failure the user can act on is an IgbError."""

from __future__ import annotations

from collections.abc import Mapping


class IgbError(Exception):
    """Base class of all errors igb raises on purpose.

    An error whose message comes from the text catalog (params/text) carries it per language in `texts`, rendered
    where it is raised (igb.text imports this module, so this one cannot render): `message(lang)` says it in the
    reader's language, str() in Dutch, then English. An error outside the catalog says str() in every language.
    """

    texts: Mapping[str, str] = {}

    def message(self, lang: str) -> str:
        """The message in `lang`, else English, else Dutch; str(self) for a message outside the catalog."""
        for code in (lang, "en", "nl"):
            if self.texts.get(code):
                return self.texts[code]
        return str(self)


class ConfigError(IgbError):
    """A params file or wave mapping is missing or malformed."""


class CatalogError(IgbError):
    """An error whose message is the catalog's text `key` filled with `params`, in every language (`texts`)."""

    def __init__(self, key: str = "", texts: Mapping[str, str] | None = None, **params):
        super().__init__(key, dict(texts or {}))  # args: what pickle passes back (then the rest of __dict__)
        self.key, self.params, self.texts = key, params, dict(texts or {})

    def __str__(self) -> str:
        said = dict.fromkeys(self.texts[c] for c in ("nl", "en") if self.texts.get(c))
        # without a catalog (a project folder lacking params/text) the key and its parameters still say what happened
        return " / ".join(said) or f"{self.key}: {self.params}"


class InputError(CatalogError):
    """A respondent file cannot be read at all (missing, empty, wrong type, bad encoding).

    `key` names the message (the catalog's `input.<key>`), `rule` the validation rule it breaks (igb.survey.schema).
    """

    def __init__(self, key: str = "", texts: Mapping[str, str] | None = None, *, path=None, rule: str = "input",
                 **params):
        super().__init__(key, texts, **params)
        self.path = path
        self.rule = rule


class ValidationFailed(IgbError):
    """A wave did not pass validation; carries the full report."""

    def __init__(self, report):
        super().__init__(report.summary())
        self.report = report

    def message(self, lang: str) -> str:
        return self.report.summary(lang)
