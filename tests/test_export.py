"""Export for SPSS users: the .sav round-trips through igb's reader; labels and missing values are declared."""

import shutil

import pandas as pd
import pyreadstat
import pytest

from conftest import ROOT
from igb import synth
from igb.config import paths as make_paths
from igb.export import NOT_ASKED, export_wave, pspp_syntax
from igb.survey.codebook import Codebook
from igb.pipeline import prepare
from igb.survey.schema import validate_file


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("export")
    shutil.copytree(ROOT / "params", root / "params")
    paths = make_paths(root)
    synth.write_wave(synth.generate(6, seed=13, paths=paths), "w", fmt="csv", paths=paths)
    prepare("w", paths=paths)
    return paths


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_sav_round_trip_loses_nothing(project, lang):
    sav, syntax = export_wave("w", to="sav", lang=lang, paths=project)
    original = pd.read_parquet(project.processed("w") / "respondents.parquet")
    report, back = validate_file(sav, codebook=Codebook.load(project.codebook))
    assert report.ok and not report.errors
    assert {p.rule for p in report.warnings} <= {"column_unknown"}  # the derived variables are extra columns
    for column in ["respondent_id", "municipality", "sector", *Codebook.load(project.codebook).item_ids]:
        got = back[column].astype(object).where(back[column].notna(), None).tolist()
        want = original[column].astype(object).where(original[column].notna(), None).tolist()
        assert got == [None if w is None else str(w) for w in want], column


def test_sav_carries_labels_missing_values_and_derived_variables(project):
    sav, _ = export_wave("w", to="sav", paths=project)
    frame, meta = pyreadstat.read_sav(str(sav), user_missing=True)
    labels = dict(zip(meta.column_names, meta.column_labels))
    assert labels["health_work"] == "Werken aan gezondheid vanuit de eigen beleidssector"
    assert meta.variable_value_labels["pos_resources"] == {1.0: "Ja", 0.0: "Nee", 2.0: "Weet niet", 9.0: "Niet gevraagd"}
    assert meta.missing_ranges["partner_vgz"] == [{"lo": float(NOT_ASKED), "hi": float(NOT_ASKED)}]
    assert {"sector_group", "domain", "albeda_1", "himmelman_level"} <= set(frame.columns)
    assert meta.variable_value_labels["sector"][1.0] == "VGZ (volksgezondheid)"


def test_every_table_is_a_sheet(project):
    [xlsx] = export_wave("w", to="xlsx", paths=project)
    sheets = pd.read_excel(xlsx, sheet_name=None)
    tables = pd.read_parquet(project.processed("w") / "tables.parquet")
    assert set(sheets) == set(tables["table"].unique())
    assert sheets["VIII.2"]["count"].sum() == tables[tables.table == "VIII.2"]["count"].sum()


def test_syntax_names_every_item():
    syntax = pspp_syntax("respondents.sav")
    for item in Codebook.load().item_ids:
        assert item in syntax
    assert syntax.count("CROSSTABS") == 3 and "FREQUENCIES" in syntax


def test_shipped_syntax_is_the_generated_one():
    assert (ROOT / "spss" / "crosscheck.sps").read_text() == pspp_syntax("respondents.sav")
