"""Cross-check against GNU PSPP: its FREQUENCIES and CROSSTABS of the exported .sav equal igb's tables.

Runs when `pspp` is installed (`.ci/run` installs it with the system package manager); skipped otherwise.
"""

import shutil

import pandas as pd
import pytest

from conftest import ROOT
from igb import pspp, synth
from igb.analysis.tables import frequencies
from igb.config import paths as make_paths
from igb.export import export_wave
from igb.survey.codebook import Codebook
from igb.pipeline import prepare
from igb.survey.recode import load_recode

pytestmark = pytest.mark.skipif(not pspp.available(), reason="GNU PSPP (Debian package pspp) is not installed")


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    root = tmp_path_factory.mktemp("pspp")
    shutil.copytree(ROOT / "params", root / "params")
    paths = make_paths(root)
    synth.write_wave(synth.generate(8, seed=14, paths=paths), "w", fmt="sav", paths=paths)
    prepare("w", paths=paths)
    sav, syntax = export_wave("w", to="sav", paths=paths)
    output = pspp.run(syntax, syntax.with_name("crosscheck.csv"))
    respondents = pd.read_parquet(paths.processed("w") / "respondents.parquet")
    return respondents, pspp.crosstab_counts(output), pspp.frequency_counts(output), Codebook.load(paths.codebook), paths


def _unit(by, value, book, groups):
    number = int(float(value)) if value.replace(".", "").isdigit() else value
    if by == "sector":
        return book.sector_ids[number - 1]
    if by == "sector_group":
        return groups[number - 1]
    return str(value)


def test_crosstabs_equal_igb_tables_for_every_item(checked):
    respondents, crosstabs, _, book, paths = checked
    groups = list(load_recode(paths.recode)["sector_group"]["groups"])
    assert set(crosstabs["by"]) == {"municipality", "sector", "sector_group"}
    compared = 0
    for by in ("municipality", "sector", "sector_group"):
        ours = frequencies(respondents, book.item_ids, by=by, categories=("yes", "no", "dont_know"))
        ours = ours.set_index(["unit", "item", "category"])["count"]
        theirs = crosstabs[crosstabs["by"] == by]
        assert set(theirs["item"]) == set(book.item_ids)
        for row in theirs.itertuples():
            category = next(v for v, o in book.value_sets[book.items[row.item].type].items() if o.code == int(float(row.code)))
            assert ours[(_unit(by, row.unit, book, groups), row.item, category)] == row.count, row
            compared += 1
        # and the other way round: every non-zero igb count appears in PSPP's tables
        assert ours[ours > 0].sum() == theirs["count"].sum()
    assert compared > 1000


def test_frequencies_equal_igb_totals(checked):
    respondents, _, freqs, book, _ = checked
    ours = frequencies(respondents, book.item_ids, categories=("yes", "no", "dont_know")).set_index(["item", "category"])["count"]
    for row in freqs.itertuples():
        category = next(v for v, o in book.value_sets[book.items[row.item].type].items() if o.code == int(float(row.code)))
        assert ours[(row.item, category)] == row.count, row
    assert set(freqs["item"]) == set(book.item_ids)
