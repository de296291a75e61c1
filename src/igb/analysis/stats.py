"""Exploratory statistics the report left out on purpose, with the tools a careful analyst would choose.

The sixteen municipalities were chosen, not sampled, so nothing here generalises to Dutch municipalities;
intervals and tests describe how precise a share of a handful of officers is and whether a pattern is
larger than chance variation among these officers. Officers are clustered in municipalities (see `icc`),
which plain tests ignore; `gee` accounts for it. Many comparisons are corrected (Holm).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint



def holm(p) -> np.ndarray:
    """Holm-adjusted p-values (pingouin's; statsmodels' `multipletests` runs a full garbage collection on every
    Holm call, ≈ 0.1 s each in a kernel holding a report's figures, and 22 calls in notebook 08)."""
    from pingouin import multicomp

    return multicomp(np.asarray(p, dtype=float), method="holm")[1]

def wilson(table: pd.DataFrame, *, alpha: float = 0.05) -> pd.DataFrame:
    """Add a Wilson score interval (`ci_low`, `ci_high`, in percent) to every cell of a common-shape table."""
    out = table.copy()
    ok = out["count"].notna() & out["n"].notna() & (out["n"] > 0)
    low, high = proportion_confint(out.loc[ok, "count"].astype(int), out.loc[ok, "n"].astype(int), alpha=alpha, method="wilson")
    out["ci_low"] = np.nan
    out["ci_high"] = np.nan
    out.loc[ok, "ci_low"] = 100 * np.asarray(low)
    out.loc[ok, "ci_high"] = 100 * np.asarray(high)
    return out


def _yes(frame: pd.DataFrame, item: str) -> pd.Series:
    """1 for yes, 0 for any other answer, NaN where not asked."""
    values = frame[item].astype(object)
    return values.map(lambda v: np.nan if pd.isna(v) else float(v == "yes"))


def compare_groups(respondents: pd.DataFrame, items, *, by: str = "domain", groups=("social", "physical"),
                   alpha: float = 0.05) -> pd.DataFrame:
    """Two groups (default social versus physical sectors) per item: shares, difference, interval, Fisher's exact test.

    The difference is group 1 minus group 2 in percentage points with Newcombe's interval; p is the two-sided
    Fisher exact p; `p_holm` corrects for the number of items compared.
    """
    a, b = groups
    rows = []
    for item in items:
        ya = _yes(respondents[respondents[by] == a], item).dropna()
        yb = _yes(respondents[respondents[by] == b], item).dropna()
        ca, na, cb, nb = int(ya.sum()), len(ya), int(yb.sum()), len(yb)
        if not na or not nb:
            continue
        low, high = confint_proportions_2indep(ca, na, cb, nb, method="newcomb", compare="diff", alpha=alpha)
        p = sps.fisher_exact([[ca, na - ca], [cb, nb - cb]]).pvalue
        rows.append({"item": item, f"pct_{a}": 100 * ca / na, f"n_{a}": na, f"pct_{b}": 100 * cb / nb, f"n_{b}": nb,
                     "difference": 100 * (ca / na - cb / nb), "ci_low": 100 * low, "ci_high": 100 * high, "p": p})
    out = pd.DataFrame(rows)
    if len(out):
        out["p_holm"] = holm(out["p"])
    return out


def compare_many_groups(respondents: pd.DataFrame, items, *, by: str = "sector_group", groups=None) -> pd.DataFrame:
    """More than two groups per item: chi-square test of independence (and Fisher-free), Holm across items."""
    groups = list(groups or [g for g in respondents[by].dropna().unique()])
    rows = []
    for item in items:
        frame = respondents[respondents[by].isin(groups)]
        y = _yes(frame, item)
        table = pd.crosstab(frame.loc[y.notna(), by], y.dropna())
        if table.shape != (len(groups), 2):
            continue
        chi2, p, dof, expected = sps.chi2_contingency(table.values, correction=False)
        row = {"item": item, "chi2": chi2, "dof": dof, "p": p, "min_expected": expected.min()}
        row.update({f"pct_{g}": 100 * table.loc[g, 1.0] / table.loc[g].sum() for g in groups})
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out["p_holm"] = holm(out["p"])
    return out


def _complete_yes(respondents: pd.DataFrame, items) -> pd.DataFrame:
    """Respondents who answered every item, yes = 1, anything else 0."""
    matrix = pd.DataFrame({i: _yes(respondents, i) for i in items}).dropna()
    return matrix.astype(int)


def cochran_q(respondents: pd.DataFrame, items) -> dict:
    """Cochran's Q: do the items differ in how often they are named, by the same officers? (pingouin)"""
    import pingouin as pg

    matrix = _complete_yes(respondents, items)
    long = matrix.reset_index(names="officer").melt(id_vars="officer", var_name="item", value_name="yes")
    result = pg.cochran(data=long, dv="yes", within="item", subject="officer")
    return {"Q": float(result["Q"].iloc[0]), "dof": int(result["dof"].iloc[0]), "p": float(result["p_unc"].iloc[0]),
            "officers": len(matrix), "items": len(items)}


def mcnemar_pairs(respondents: pd.DataFrame, items) -> pd.DataFrame:
    """Exact McNemar test for every pair of items (same officers), Holm-corrected."""
    matrix = _complete_yes(respondents, items)
    rows = []
    for a, b in combinations(items, 2):
        table = pd.crosstab(matrix[a], matrix[b]).reindex(index=[0, 1], columns=[0, 1], fill_value=0)
        result = mcnemar(table.values, exact=True)
        rows.append({"item_a": a, "item_b": b, "pct_a": 100 * matrix[a].mean(), "pct_b": 100 * matrix[b].mean(),
                     "only_a": int(table.loc[1, 0]), "only_b": int(table.loc[0, 1]), "p": float(result.pvalue)})
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p"])
    return out


def cronbach_alpha(respondents: pd.DataFrame, items) -> dict:
    """Cronbach's alpha of a set of yes/no items (pingouin), with its 95% interval."""
    import pingouin as pg

    matrix = _complete_yes(respondents, items)
    value, ci = pg.cronbach_alpha(data=matrix)
    return {"alpha": float(value), "ci_low": float(ci[0]), "ci_high": float(ci[1]), "officers": len(matrix), "items": len(items)}


def icc(respondents: pd.DataFrame, item: str, *, cluster: str = "municipality") -> dict:
    """Intraclass correlation of a yes/no item within municipalities: one-way ANOVA estimator ICC(1).

    With unequal cluster sizes the average size is n0 = (N - sum(n_j^2)/N) / (J - 1).
    ICC = (MSB - MSW) / (MSB + (n0 - 1) MSW). Near 0: officers of one municipality answer like officers
    anywhere; larger: they answer alike, and tests that ignore the clustering are too confident.
    """
    frame = pd.DataFrame({"y": _yes(respondents, item), "g": respondents[cluster].astype(str)}).dropna()
    groups = frame.groupby("g")["y"]
    n_j, means = groups.size(), groups.mean()
    n, j = len(frame), len(n_j)
    grand = frame["y"].mean()
    ssb = float((n_j * (means - grand) ** 2).sum())
    ssw = float(((frame["y"] - frame["g"].map(means)) ** 2).sum())
    msb, msw = ssb / (j - 1), ssw / (n - j)
    n0 = (n - (n_j ** 2).sum() / n) / (j - 1)
    value = (msb - msw) / (msb + (n0 - 1) * msw) if (msb + (n0 - 1) * msw) > 0 else float("nan")
    return {"item": item, "icc": value, "msb": msb, "msw": msw, "n0": n0, "clusters": j, "officers": n}


def political_support(respondents: pd.DataFrame) -> pd.Series:
    """Per collaborating officer: the share of the six political factors he names as positive (0 to 1)."""
    pol = [c for c in respondents.columns if c.startswith("pol_")]
    matrix = pd.DataFrame({c: _yes(respondents, c) for c in pol})
    return matrix.mean(axis=1, skipna=False)


def gee(respondents: pd.DataFrame, *, outcome: str = "segv_work", cov_struct: str = "exchangeable") -> pd.DataFrame:
    """Logistic GEE of working on health inequalities on sector domain and political support, clustered by municipality.

    Among officers who collaborate (only they were asked the political factors). Returns odds ratios with
    95% intervals (robust standard errors). `cov_struct` "independence" gives plain logistic estimates.
    """
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    frame = pd.DataFrame({"y": _yes(respondents, outcome), "physical": (respondents["domain"] == "physical").astype(float),
                          "political_support": political_support(respondents),
                          "municipality": respondents["municipality"].astype(str)})
    frame = frame[respondents["domain"].isin(["social", "physical"])].dropna()
    structure = {"exchangeable": sm.cov_struct.Exchangeable(), "independence": sm.cov_struct.Independence()}[cov_struct]
    model = smf.gee("y ~ physical + political_support", groups="municipality", data=frame,
                    family=sm.families.Binomial(), cov_struct=structure)
    fit = model.fit()
    ci = fit.conf_int()
    out = pd.DataFrame({"coef": fit.params, "odds_ratio": np.exp(fit.params), "or_low": np.exp(ci[0]),
                        "or_high": np.exp(ci[1]), "p": fit.pvalues})
    out.attrs.update(officers=len(frame), municipalities=frame["municipality"].nunique(),
                     working_correlation=float(fit.cov_struct.dep_params) if cov_struct == "exchangeable" else 0.0)
    return out


def ensemble_range(values: list[float]) -> dict:
    """Lowest, median and highest of a statistic over an ensemble of reconstructions."""
    arr = np.asarray([v for v in values if v is not None and not np.isnan(v)], dtype=float)
    if not len(arr):
        return {"min": np.nan, "median": np.nan, "max": np.nan, "draws": 0}
    return {"min": float(arr.min()), "median": float(np.median(arr)), "max": float(arr.max()), "draws": len(arr)}
