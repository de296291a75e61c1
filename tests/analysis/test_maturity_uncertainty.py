"""How firm a stage is: stage_low, stage_high and stage_probability on municipalities with known shares.

Expected values are computed here, independently of igb: the share of each item is Beta(k + prior, n - k + prior)
after the prior of params/maturity.yaml, shares independent; a stage comes out when every criterion up to it is met.
"""

import numpy as np
import pandas as pd
import pytest
import yaml
from scipy import stats

from conftest import ROOT
from igb.analysis.maturity import assess
from test_maturity import municipality

MODEL = yaml.safe_load((ROOT / "params" / "maturity.yaml").read_text())
PRIOR = MODEL["uncertainty"]["prior"]
LEVEL = MODEL["uncertainty"]["level"]
CRITERIA = [(s["stage"], c) for s in MODEL["stages"] for c in s["criteria"]]


def p_met_up_to(stage, n, yes, skip=()):
    """P(every criterion of stages 1..stage is met) for n officers, yes[item] of them saying yes (default n), when
    each criterion is a lower bound on one item's share (the criteria of stages 1-4); `skip`: criteria a document
    decides (met)."""
    bounds = {}
    for s, c in CRITERIA:
        if s > stage or str(c["id"]) in skip:
            continue
        spec = MODEL["indicators"][c["indicator"]]
        assert spec["kind"] in ("share", "count") and c["op"] == ">="
        bound = c["threshold"] / n if spec["kind"] == "count" else c["threshold"] / 100
        bounds[spec["item"]] = max(bounds.get(spec["item"], 0.0), bound)
    p = 1.0
    for item, bound in bounds.items():
        k = yes.get(item, n)
        p *= stats.beta.sf(bound, k + PRIOR, n - k + PRIOR)
    return p


def row_of(frame, **kwargs):
    return assess(frame, **kwargs)[0].iloc[0]


def test_far_from_every_threshold_the_stage_is_nearly_certain():
    # 60 officers, all yes: every share 100%, every threshold at most 75%
    row = row_of(municipality("A", 60))
    expected = p_met_up_to(3, 60, {})  # stage 4 cannot be established on the survey: P(stage = 3) = P(stage >= 3)
    assert expected > 0.99
    assert row["stage"] == 3 and row["stage_probability"] == pytest.approx(expected, abs=5e-4)
    assert (row["stage_low"], row["stage_high"]) == (3, 3)


def test_exactly_on_a_threshold_the_stage_is_a_coin_toss():
    # 20 of 40 work on health: 50%, exactly criterion 1.1's threshold (>= 50); everything else far above
    yes = {"health_work": 20}
    row = row_of(municipality("A", 40, yes))
    p3 = p_met_up_to(3, 40, yes)
    p_stage_0 = 1 - stats.beta.sf(0.5, 20 + PRIOR, 20 + PRIOR)  # 1.1 missed: no stage yet
    assert p_stage_0 == pytest.approx(0.5)
    assert row["stage"] == 3 and row["stage_probability"] == pytest.approx(p3, abs=5e-4)
    assert 0.4 < row["stage_probability"] < 0.6
    # 90% needs stage 0 as well as 3: the range runs from 0 to 3
    assert p3 < LEVEL and p3 + p_stage_0 < 1
    assert (row["stage_low"], row["stage_high"]) == (0, 3)


def test_four_officers_who_all_agree_still_leave_doubt():
    # a resampling of these four officers would always give the same answers; the posterior of each share does not
    row = row_of(municipality("A", 4))
    expected = p_met_up_to(3, 4, {})
    assert row["stage_probability"] == pytest.approx(expected, abs=5e-4) and expected < 0.8


def test_the_distribution_sums_to_one_and_the_range_holds_at_least_the_level():
    frame = pd.concat([municipality("A", 8, {"segv_work": 4, "pos_key_persons": 4}), municipality("B", 11, {"health_work": 6})])
    from igb.analysis.maturity import distribution

    dist = distribution(frame)
    stages = assess(frame)[0].set_index("municipality")
    for m in ("A", "B"):
        assert dist.loc[m].sum() == pytest.approx(1.0)
        low, high = stages.loc[m, "stage_low"], stages.loc[m, "stage_high"]
        assert low <= stages.loc[m, "stage"] <= high
        assert dist.loc[m, low:high].sum() >= LEVEL
        assert stages.loc[m, "stage_probability"] == pytest.approx(dist.loc[m, stages.loc[m, "stage"]], abs=5e-4)


def test_where_a_criterion_averages_shares_the_seeded_draws_agree_with_an_independent_simulation():
    # documents for 4.3 and 5.3 let stages 4 and 5 be established; 5.2 averages the six political shares
    n, yes = 40, {"pol_3": 12, "pol_4": 12, "pol_5": 12, "pol_6": 12}
    frame = municipality("A", n, yes)
    docs = pd.DataFrame([{"municipality": "A", "criterion": c, "met": True, "source": "test"} for c in ("4.3", "5.3")])
    row = row_of(frame, documents=docs)
    assert row["stage"] == 5
    rng = np.random.default_rng(1)
    pol = {f"pol_{i}": rng.beta(yes.get(f"pol_{i}", n) + PRIOR, n - yes.get(f"pol_{i}", n) + PRIOR, 400_000) for i in range(1, 7)}
    top = {str(c["id"]): c["threshold"] / 100 for _, c in CRITERIA if str(c["id"]) in ("5.1", "5.2")}
    political = np.mean((np.minimum(pol["pol_1"], pol["pol_2"]) >= top["5.1"])
                        & (np.mean([pol[f"pol_{i}"] for i in range(1, 7)], axis=0) >= top["5.2"]))
    others = p_met_up_to(4, n, yes, skip=("4.3",))  # stage 1-4 criteria on items other than pol_; 5.3 is the document
    assert 0.3 < political < 0.95  # not a trivial check
    assert row["stage_probability"] == pytest.approx(others * political, abs=0.03)
    assert assess(frame, documents=docs)[0].iloc[0]["stage_probability"] == row["stage_probability"]  # seeded


def test_the_uncertainty_depends_only_on_the_count_per_item():
    # shuffling each item across a municipality's officers keeps every count and breaks how answers combine within
    # an officer (which the 2009 report does not publish): nothing changes
    frame = pd.concat([municipality("A", 9, {"segv_work": 5, "pos_key_persons": 5, "collaborates": 7}),
                       municipality("B", 7, {"health_work": 4})]).reset_index(drop=True)
    rng = np.random.default_rng(3)
    shuffled = frame.copy()
    for m, idx in frame.groupby("municipality").groups.items():
        for item in frame.columns[2:]:
            shuffled.loc[idx, item] = rng.permutation(frame.loc[idx, item].to_numpy())
    columns = ["stage", "stage_low", "stage_high", "stage_probability"]
    assert assess(frame)[0][columns].equals(assess(shuffled)[0][columns])


def test_below_the_privacy_floor_there_is_no_stage_and_no_range():
    row = row_of(municipality("A", 4), min_cell=5)
    assert pd.isna(row["stage"]) and pd.isna(row["stage_low"]) and pd.isna(row["stage_high"])
    assert pd.isna(row["stage_probability"]) and pd.isna(row["provisional_stage"]) and row["to_confirm"] == ""
