"""New waves as a researcher brings them: an SPSS file end to end, its own names and codes, missing items."""

import shutil

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from conftest import ROOT
from igb import synth
from igb.analysis import compare_waves
from igb.cli import main
from igb.config import paths as make_paths
from igb.report import comparison
from igb.survey.codebook import Codebook


@pytest.fixture
def project(tmp_path, monkeypatch):
    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    monkeypatch.setenv("IGB_ROOT", str(tmp_path))
    return make_paths(tmp_path)


def test_synthetic_sav_wave_runs_end_to_end_through_igb_run(project):
    synth.write_wave(synth.generate(4, seed=8, paths=project), "spss", fmt="sav", paths=project)
    assert main(["run", "--wave", "spss", "--jobs", "2"]) == 0
    out = project.reports("spss")
    for name in ("01_response", "02_policy_content", "03_collaboration", "04_factors", "06_maturity"):
        assert (out / f"{name}.html").exists() and (out / "with-code" / f"{name}.html").exists(), name
    assert not (out / "05_replication.html").exists()  # the replication is for rivm2009 only
    assert (out / "municipalities" / "index.html").exists()
    assert len(pd.read_csv(project.processed("spss") / "maturity.csv")) == 4
    page = (out / "02_policy_content.html").read_text()
    assert "SYNTHETISCHE GEGEVENS" in page and "igb synth" in page
    statistics = (out / "08_statistics.html").read_text()  # a generated wave is no reconstruction: no claim about one
    assert "Cochran" in statistics and "in elke reconstructie" not in statistics


def test_a_wave_compared_with_itself_shows_no_differences(project):
    synth.write_wave(synth.generate(5, seed=9, paths=project), "same", fmt="csv", paths=project)
    from igb.pipeline import prepare

    prepare("same", paths=project)
    tables = pd.read_parquet(project.processed("same") / "tables.parquet")
    diff = compare_waves.differences(tables, tables)
    assert len(diff) > 100
    assert (diff["difference"].abs() < 1e-9).all() and not diff["interval_excludes_zero"].any()
    respondents = pd.read_parquet(project.processed("same") / "respondents.parquet")
    assert comparison.caveat_text(compare_waves.respondent_changes(respondents, respondents)) == ""
    stages = pd.read_csv(project.processed("same") / "maturity.csv", dtype={"municipality": str})
    transitions = compare_waves.stage_transitions(stages, stages)
    assert (np.diag(transitions.values).sum()) == transitions.values.sum()
    assert main(["compare", "--wave", "same", "--baseline", "same", "--no-prepare"]) == 0
    assert (project.reports("same") / "compare_with_same.html").exists()


def test_interval_of_a_difference_against_a_direct_computation():
    # Newcombe (1998) method 10 for 56/70 versus 48/80: interval 0.0524 to 0.3339 (his example (a))
    base = pd.DataFrame({"table": ["4.1"], "unit_type": ["all"], "unit": ["all"], "item": ["x"], "category": ["yes"],
                         "count": [48], "n": [80], "pct": [60.0], "suppressed": [False]})
    current = base.assign(count=[56], n=[70], pct=[80.0])
    row = compare_waves.differences(base, current, tables=("4.1",)).iloc[0]
    assert row["difference"] == pytest.approx(20.0)
    assert (row["ci_low"], row["ci_high"]) == (pytest.approx(5.24, abs=0.01), pytest.approx(33.39, abs=0.01))


def test_a_wave_with_its_own_column_names_and_codes_runs_through_its_mapping_file(project):
    book = Codebook.load(project.codebook)
    frame = synth.generate(3, seed=10, paths=project)
    # the researcher's export: own variable names, sector as numbers, answers coded 1 = ja, 2 = nee, 3 = weet niet
    codes = {"yes": 1.0, "no": 2.0, "dont_know": 3.0}
    sector_codes = {s: float(i + 1) for i, s in enumerate(book.sector_ids)}
    export = pd.DataFrame({"RESPNR": frame["respondent_id"], "GEMCODE": frame["municipality"],
                           "SECTOR": frame["sector"].map(sector_codes)})
    names = {}
    for k, item in enumerate(book.item_ids, start=1):
        names[f"V{k:02d}"] = item
        export[f"V{k:02d}"] = frame[item].map(lambda v: np.nan if pd.isna(v) else codes[v])
    project.raw("own").mkdir(parents=True)
    pyreadstat.write_sav(export, str(project.raw("own") / "responses.sav"),
                         variable_value_labels={"SECTOR": {v: book.sectors[s]["nl"] for s, v in sector_codes.items()}})
    mapping = ["wave: own", "columns:", "  RESPNR: respondent_id", "  GEMCODE: municipality", "  SECTOR: sector",
               *[f"  {col}: {item}" for col, item in names.items()],
               "values:", '  "*": {"1": "yes", "2": "no", "3": "dont_know"}']
    (project.params / "waves" / "own.yaml").write_text("\n".join(mapping) + "\n")
    assert main(["run", "--wave", "own", "--notebook", "03_collaboration", "--jobs", "1"]) == 0
    back = pd.read_parquet(project.processed("own") / "respondents.parquet")
    assert back["sector"].tolist() == frame["sector"].tolist()
    assert back["collaborates"].astype(str).tolist() == frame["collaborates"].astype(str).tolist()


def test_a_wave_missing_items_says_which_and_skips_that_part(project):
    frame = synth.generate(3, seed=11, paths=project)
    frame = frame.drop(columns=[c for c in frame.columns if c.startswith("pol_")])
    project.raw("nopol").mkdir(parents=True)
    dutch = frame.copy()
    for c in dutch.columns[3:]:
        dutch[c] = dutch[c].map(lambda v: "" if pd.isna(v) else {"yes": "Ja", "no": "Nee", "dont_know": "Weet niet"}[v])
    dutch.to_csv(project.raw("nopol") / "responses.csv", index=False)
    assert main(["run", "--wave", "nopol", "--notebook", "04_factors", "--jobs", "1"]) == 0
    validation = pd.read_csv(project.processed("nopol") / "validation.csv")
    assert set(validation.loc[validation.rule == "item_missing", "column"]) == {f"pol_{i}" for i in range(1, 7)}
    page = (project.reports("nopol") / "04_factors.html").read_text()
    assert "Overgeslagen" in page and "pol_1" in page
    figures = project.reports("nopol") / "figures"
    assert (figures / "fig6_1_positive.png").exists() and (figures / "fig6_4_negative.png").exists()  # the rest renders
    assert not (figures / "fig6_5_political.png").exists() and not (figures / "fig6_6_political.png").exists()
