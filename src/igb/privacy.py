"""The minimum cell size: one rule, decided here, that every command and every output takes its value from.

The rule: `--min-cell` (or a function's `min_cell` argument) if given, else the wave's `min_cell`
(params/waves/<wave>.yaml), else DEFAULT_MIN_CELL. The value must be a whole number of at least 1.
A figure resting on fewer officers than this is not shown anywhere: not in a notebook, report, workbook,
index, comparison or export table; a municipality with fewer respondents shows no stage.
"""

from __future__ import annotations

from numbers import Integral

from igb.errors import ConfigError

DEFAULT_MIN_CELL = 5  # the study's own convention for real waves; a wave's mapping may say otherwise


def check_min_cell(value, *, where: str = "min_cell") -> int:
    """`value` as an int if it is a whole number >= 1 (bools and strings are refused), else a ConfigError."""
    if isinstance(value, bool) or not isinstance(value, Integral) or int(value) < 1:
        raise ConfigError(f"{where}: min_cell must be a whole number of at least 1 (the smallest number of officers "
                          f"behind a figure that is shown), not {value!r}")
    return int(value)


def resolve_min_cell(given=None, wave_value=None, *, wave_source: str = "the wave's mapping") -> int:
    """The minimum cell size that applies: `given` if not None, else the wave's, else DEFAULT_MIN_CELL."""
    if given is not None:
        return check_min_cell(given, where="--min-cell")
    if wave_value is not None:
        return check_min_cell(wave_value, where=f"{wave_source}: min_cell")
    return DEFAULT_MIN_CELL
