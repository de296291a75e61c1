"""The municipality report's advice (params/elements.yaml, report chapter 7): an element is recommended when one of
its conditions holds, each reason said; `stage_below` counts a provisional stage too (a survey alone establishes
at most stage 3, so the established stage alone would recommend element 7.10 to every municipality)."""

import dataclasses

import pytest
import yaml

from conftest import ROOT, small_project
from igb.report import context
from igb.report import municipality as report

ELEMENTS = yaml.safe_load((ROOT / "params" / "elements.yaml").read_text(encoding="utf-8"))["elements"]
STEP_BY_STEP = next(e for e in ELEMENTS if e["id"] == "7.10")


@pytest.fixture(scope="module")
def view(tmp_path_factory):
    paths = small_project(tmp_path_factory.mktemp("advice"), spec="min_cell: 1\n")
    return report.view(context.load("small", lang="nl", paths=paths), "1")


def with_stage(view, stage, provisional, met_4_1=True):
    """The view with its stage set and criterion 4.1 met or missed (the two conditions of element 7.10)."""
    evidence = view.evidence.copy()
    evidence["met"] = evidence["met"].astype(object)
    evidence.loc[evidence["criterion"] == "4.1", "met"] = met_4_1
    stage_row = view.stage.copy()
    stage_row["stage"], stage_row["provisional_stage"] = stage, provisional
    return dataclasses.replace(view, stage=stage_row, evidence=evidence)


def step_by_step(view):
    return next((e for e in report.advice(view) if e["id"] == "7.10"), None)


def test_the_conditions_of_7_10_are_read_from_elements_yaml():
    assert {"criterion_missed": "4.1"} in STEP_BY_STEP["when"] and {"stage_below": 4} in STEP_BY_STEP["when"]


def test_below_stage_4_with_nothing_provisional_the_step_by_step_advice_is_given(view):
    chosen = step_by_step(with_stage(view, 3, None))
    assert chosen is not None and chosen["reasons"] == ["stadium lager dan 4"]


def test_a_provisional_stage_4_does_not_count_as_below_4(view):
    assert step_by_step(with_stage(view, 3, 4)) is None
    assert step_by_step(with_stage(view, 4, None)) is None


def test_a_missed_criterion_still_triggers_it_with_its_figure(view):
    model = yaml.safe_load((ROOT / "params" / "maturity.yaml").read_text(encoding="utf-8"))
    c = next(c for s in model["stages"] for c in s["criteria"] if str(c["id"]) == "4.1")
    chosen = step_by_step(with_stage(view, 3, 5, met_4_1=False))
    assert chosen is not None and len(chosen["reasons"]) == 1
    assert chosen["reasons"][0].startswith("criterium 4.1 niet gehaald") and f"drempel {c['op']} {c['threshold']:g})" in chosen["reasons"][0]


def test_a_criterion_that_cannot_be_judged_gives_no_advice(view):
    assert step_by_step(with_stage(view, 3, 4, met_4_1=None)) is None
