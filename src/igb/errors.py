"""The small exception tree of igb: every failure the user can act on is an IgbError."""


class IgbError(Exception):
    """Base class of all errors igb raises on purpose."""


class ConfigError(IgbError):
    """A params file or wave mapping is missing or malformed."""


class InputError(IgbError):
    """A respondent file cannot be read at all (missing, empty, wrong type, bad encoding)."""

    def __init__(self, message: str, *, path=None, rule: str = "input"):
        super().__init__(message)
        self.path = path
        self.rule = rule


class ValidationFailed(IgbError):
    """A wave did not pass validation; carries the full report."""

    def __init__(self, report):
        super().__init__(report.summary())
        self.report = report
