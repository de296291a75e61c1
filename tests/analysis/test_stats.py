"""Exploratory statistics checked against textbook formulas computed in the test."""

from math import comb, sqrt

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from igb.analysis import stats as S

Z = 1.959963984540054


def yes_no(values):
    return ["yes" if v else "no" for v in values]


def test_wilson_interval_matches_the_formula():
    table = pd.DataFrame({"count": pd.array([5, 0, 7], dtype="Int64"), "n": pd.array([7, 4, 7], dtype="Int64")})
    out = S.wilson(table)
    for row in out.itertuples():
        n, p = row.n, row.count / row.n
        centre = (p + Z**2 / (2 * n)) / (1 + Z**2 / n)
        half = Z * sqrt(p * (1 - p) / n + Z**2 / (4 * n**2)) / (1 + Z**2 / n)
        assert row.ci_low == pytest.approx(100 * (centre - half), abs=1e-6)
        assert row.ci_high == pytest.approx(100 * (centre + half), abs=1e-6)


def test_fisher_exact_against_the_hypergeometric_sum():
    # social 9 of 10 yes, physical 3 of 8 yes
    frame = pd.DataFrame({"domain": ["social"] * 10 + ["physical"] * 8,
                          "x": yes_no([1] * 9 + [0] + [1] * 3 + [0] * 5)})
    row = S.compare_groups(frame, ["x"]).iloc[0]
    a, b, c, d = 9, 1, 3, 5
    n1, n2, k, n = a + b, c + d, a + c, a + b + c + d

    def prob(x):
        return comb(n1, x) * comb(n2, k - x) / comb(n, k)

    observed = prob(a)
    p = sum(prob(x) for x in range(max(0, k - n2), min(k, n1) + 1) if prob(x) <= observed * (1 + 1e-7))
    assert row["p"] == pytest.approx(p)
    assert row["difference"] == pytest.approx(90 - 37.5)


def test_holm_correction_is_applied_across_items():
    frame = pd.DataFrame({"domain": ["social"] * 10 + ["physical"] * 10,
                          "x": yes_no([1] * 10 + [0] * 10), "y": yes_no([1] * 6 + [0] * 4 + [1] * 5 + [0] * 5)})
    out = S.compare_groups(frame, ["x", "y"]).set_index("item")
    ps = sorted(out["p"])
    assert out["p_holm"].min() == pytest.approx(min(1, 2 * ps[0]))


def test_cochran_q_matches_the_formula():
    rng = np.random.default_rng(1)
    data = rng.integers(0, 2, size=(30, 4))
    frame = pd.DataFrame({f"i{j}": yes_no(data[:, j]) for j in range(4)})
    k, cols, rows = 4, data.sum(axis=0), data.sum(axis=1)
    q = (k - 1) * (k * (cols ** 2).sum() - cols.sum() ** 2) / (k * rows.sum() - (rows ** 2).sum())
    assert S.cochran_q(frame, list(frame))["Q"] == pytest.approx(q)


def test_cronbach_alpha_matches_the_formula():
    rng = np.random.default_rng(2)
    base = rng.integers(0, 2, size=(40, 1))
    data = (base + rng.integers(0, 2, size=(40, 5)) > 0).astype(int)
    frame = pd.DataFrame({f"i{j}": yes_no(data[:, j]) for j in range(5)})
    k = 5
    expected = k / (k - 1) * (1 - data.var(axis=0, ddof=1).sum() / data.sum(axis=1).var(ddof=1))
    assert S.cronbach_alpha(frame, list(frame))["alpha"] == pytest.approx(expected)


def test_icc_zero_and_one_at_the_extremes_and_the_anova_formula():
    alike = pd.DataFrame({"municipality": ["a"] * 4 + ["b"] * 4, "x": yes_no([1] * 4 + [0] * 4)})
    assert S.icc(alike, "x")["icc"] == pytest.approx(1.0)
    frame = pd.DataFrame({"municipality": list("aaabbbbcc"), "x": yes_no([1, 0, 1, 0, 0, 1, 0, 1, 1])})
    y = np.array([1, 0, 1, 0, 0, 1, 0, 1, 1.0])
    groups = {"a": y[:3], "b": y[3:7], "c": y[7:]}
    grand, n, j = y.mean(), len(y), 3
    msb = sum(len(g) * (g.mean() - grand) ** 2 for g in groups.values()) / (j - 1)
    msw = sum(((g - g.mean()) ** 2).sum() for g in groups.values()) / (n - j)
    n0 = (n - sum(len(g) ** 2 for g in groups.values()) / n) / (j - 1)
    assert S.icc(frame, "x")["icc"] == pytest.approx((msb - msw) / (msb + (n0 - 1) * msw))


def test_gee_with_independence_equals_plain_logistic_regression():
    rng = np.random.default_rng(3)
    n = 200
    domain = rng.choice(["social", "physical"], size=n)
    pol = {f"pol_{i}": yes_no(rng.random(n) < 0.6) for i in range(1, 7)}
    y = rng.random(n) < np.where(domain == "social", 0.7, 0.4)
    frame = pd.DataFrame({"domain": domain, "municipality": rng.integers(1, 20, n).astype(str), "segv_work": yes_no(y), **pol})
    out = S.gee(frame, cov_struct="independence")
    support = pd.DataFrame({k: [v == "yes" for v in vals] for k, vals in pol.items()}).mean(axis=1)
    X = sm.add_constant(pd.DataFrame({"physical": (domain == "physical").astype(float), "political_support": support}))
    logit = sm.Logit(y.astype(float), X).fit(disp=0)
    assert out.loc["physical", "coef"] == pytest.approx(logit.params["physical"], abs=1e-6)
    assert out.loc["political_support", "coef"] == pytest.approx(logit.params["political_support"], abs=1e-6)


def test_mcnemar_exact_p_is_the_binomial_tail():
    # 8 officers name a but not b, 1 names b but not a: exact two-sided p = 2 * P(X <= 1 | n=9, 1/2)
    rows = [(1, 0)] * 8 + [(0, 1)] * 1 + [(1, 1)] * 5 + [(0, 0)] * 6
    frame = pd.DataFrame({"a": yes_no([r[0] for r in rows]), "b": yes_no([r[1] for r in rows])})
    row = S.mcnemar_pairs(frame, ["a", "b"]).iloc[0]
    assert (row.only_a, row.only_b) == (8, 1)
    assert row.p == pytest.approx(2 * (comb(9, 0) + comb(9, 1)) / 2**9)


def test_ensemble_range():
    assert S.ensemble_range([0.3, 0.1, float("nan"), 0.2]) == {"min": 0.1, "median": 0.2, "max": 0.3, "draws": 3}
