"""An analysis page speaks its `lang`: prose, headings and table headers from the text catalog (`notebooks.<name>.*`),
and <html lang> to match. Rendered here: the comparison page (07), the cheapest of 06-08, for a small wave compared
with itself."""

import re

import pytest

from conftest import small_project, valid_rows
from igb.report.render import render
from igb.text import t

KEYS = ("notebooks.07_compare_waves.same",                     # a sentence
        "notebooks.07_compare_waves.who",                      # a heading
        "notebooks.07_compare_waves.col.interval_excludes_zero")  # a table's column header
OTHER = {"nl": "en", "en": "nl"}


def visible(page: str) -> str:
    """The page's words: markup dropped, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def words(key: str, lang: str) -> str:
    return t(key, lang).lstrip("# ")


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    """07_compare_waves rendered in Dutch and in English (no PDFs: only the pages are read)."""
    paths = small_project(tmp_path_factory.mktemp("languages"), rows=valid_rows(municipalities=("1", "2"), seed=5))
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("IGB_PDF", "0")
        for lang in ("nl", "en"):
            result = render("07_compare_waves", "small", lang=lang, min_cell=3, paths=paths,
                            extra={"baseline": "small"}, output_name=f"compare_{lang}")
            assert result.ok, result.error
            out[lang] = (paths.reports("small") / f"compare_{lang}.html").read_text(encoding="utf-8")
    return out


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_comparison_page_speaks_its_language(pages, lang):
    page = pages[lang]
    text = visible(page)
    assert f'<html lang="{lang}">' in page
    for key in KEYS:
        assert words(key, lang) in text, (lang, key)
        assert words(key, OTHER[lang]) not in text, (lang, key, "the other language's text")
