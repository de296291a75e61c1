"""What every analysis page says of its wave first (`WaveContext.facts`): respondents, municipalities and the
privacy rule, in the page's language; under min_cell 1 nothing is hidden and it says so (no "fewer than 1")."""

import pytest

from conftest import small_project
from igb.report import context


@pytest.fixture(scope="module")
def paths(tmp_path_factory):
    return small_project(tmp_path_factory.mktemp("facts"))  # 3 x 6 officers and 1 x 2: 20 in 4 municipalities


def test_facts_name_the_counts_and_the_floor_in_each_language(paths):
    dutch = context.load("small", lang="nl", paths=paths).facts()
    english = context.load("small", lang="en", min_cell=3, paths=paths).facts()
    assert dutch.startswith("Golf `small`: 20 respondenten in 4 gemeenten") and "minder dan 5 ambtenaren" in dutch
    assert english.startswith("Wave `small`: 20 respondents in 4 municipalities") and "fewer than 3 officers" in english


def test_under_min_cell_1_every_figure_is_shown_and_said(paths):
    for lang, words in (("nl", "elk cijfer wordt getoond"), ("en", "every figure is shown")):
        facts = context.load("small", lang=lang, min_cell=1, paths=paths).facts()
        assert words in facts and " 1 " not in facts.replace("(minimale celgrootte 1)", "").replace("(minimum cell size 1)", "")
