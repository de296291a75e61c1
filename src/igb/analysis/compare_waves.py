"""Two waves side by side: per item and unit the two percentages and their difference with an interval.

The interval is Newcombe's hybrid score interval for a difference of two independent proportions
(statsmodels `confint_proportions_2indep`, method "newcomb"), which behaves at 0% and 100% and with the
small n of a municipality. Waves are treated as independent samples; when the same officers answered
both, the interval is conservative. Stage transitions and changes in who answered are reported too,
because a difference between waves can be a difference in respondents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep


KEYS = ["table", "unit_type", "unit", "item", "category"]
DEFAULT_TABLES = ("4.1", "fig4.1", "VII.2", "VII.3", "VIII.2", "VIII.3", "IX.1", "IX.2", "IX.3")


def differences(baseline: pd.DataFrame, current: pd.DataFrame, *, tables=DEFAULT_TABLES, alpha: float = 0.05,
                unit_types=("all", "sector_group", "municipality")) -> pd.DataFrame:
    """Per table cell present in both waves: pct of each, difference (current minus baseline, points), interval.
    `tables` are names of the registry (params/tables.yaml); an unknown name is an error."""
    from igb.analysis.registry import load_registry

    unknown = [name for name in tables if name not in load_registry().tables]
    if unknown:
        raise KeyError(f"tables {unknown} are not in params/tables.yaml")
    def pick(t):
        t = t[t["table"].isin(tables) & t["unit_type"].isin(unit_types) & (t["category"] == "yes")]
        return t[~t["suppressed"] & t["count"].notna() & (t["n"] > 0)]

    merged = pick(baseline).merge(pick(current), on=KEYS, suffixes=("_baseline", "_current"))
    rows = []
    for r in merged.itertuples(index=False):
        c1, n1, c0, n0 = int(r.count_current), int(r.n_current), int(r.count_baseline), int(r.n_baseline)
        low, high = confint_proportions_2indep(c1, n1, c0, n0, method="newcomb", compare="diff", alpha=alpha)
        rows.append({**{k: getattr(r, k) for k in KEYS}, "pct_baseline": 100 * c0 / n0, "n_baseline": n0,
                     "pct_current": 100 * c1 / n1, "n_current": n1, "difference": 100 * (c1 / n1 - c0 / n0),
                     "ci_low": 100 * low, "ci_high": 100 * high})
    out = pd.DataFrame(rows, columns=[*KEYS, "pct_baseline", "n_baseline", "pct_current", "n_current", "difference",
                                      "ci_low", "ci_high"])
    out["interval_excludes_zero"] = (out["ci_low"] > 0) | (out["ci_high"] < 0)
    return out


def stage_transitions(baseline: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Cross-table of maturity stages (maturity.csv of each wave) for municipalities in both waves."""
    a = baseline.assign(municipality=baseline["municipality"].astype(str)).set_index("municipality")["stage"]
    b = current.assign(municipality=current["municipality"].astype(str)).set_index("municipality")["stage"]
    both = a.index.intersection(b.index)
    label = lambda s: "none" if pd.isna(s) else str(int(s))  # noqa: E731
    frame = pd.DataFrame({"baseline": [label(a[m]) for m in both], "current": [label(b[m]) for m in both]}, index=both)
    return pd.crosstab(frame["baseline"], frame["current"])


def respondent_changes(baseline: pd.DataFrame, current: pd.DataFrame) -> dict:
    """Who answered in one wave and not the other: the caveat every comparison needs."""
    def units(frame, column):
        return set(frame[column].astype(str).unique())

    return {
        "respondents": (len(baseline), len(current)),
        "municipalities_only_baseline": sorted(units(baseline, "municipality") - units(current, "municipality"), key=_key),
        "municipalities_only_current": sorted(units(current, "municipality") - units(baseline, "municipality"), key=_key),
        "sectors_only_baseline": sorted(units(baseline, "sector") - units(current, "sector")),
        "sectors_only_current": sorted(units(current, "sector") - units(baseline, "sector")),
        "sector_mix_changed": _sector_shares(baseline).round(3).to_dict() != _sector_shares(current).round(3).to_dict(),
    }


def _sector_shares(frame: pd.DataFrame) -> pd.Series:
    return frame["sector"].astype(str).value_counts(normalize=True).sort_index()


def _key(m: str):
    return (0, int(m)) if str(m).isdigit() else (1, str(m))


def forest_data(diff: pd.DataFrame, *, table: str = "4.1", unit_type: str = "all") -> pd.DataFrame:
    """The rows of one table and unit type, ordered by difference, for a forest plot."""
    rows = diff[(diff["table"] == table) & (diff["unit_type"] == unit_type)]
    return rows.sort_values("difference", kind="stable").reset_index(drop=True).assign(
        y=lambda f: np.arange(len(f)))
