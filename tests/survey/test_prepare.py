"""`igb prepare` and `igb validate`: write atomically on success, nothing on error, raw never changed."""

import hashlib
import shutil

import pandas as pd
import pytest

from conftest import ROOT, valid_rows, write_csv
from igb.cli import main
from igb.config import paths as make_paths
from igb.errors import ConfigError, ValidationFailed
from igb.pipeline import prepare


@pytest.fixture
def project(tmp_path):
    """A throw-away project folder with the real params and one wave."""
    shutil.copytree(ROOT / "params", tmp_path / "params")
    (tmp_path / "data" / "raw" / "w1").mkdir(parents=True)
    return make_paths(tmp_path)


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_prepare_writes_typed_respondents(project):
    rows = valid_rows()
    raw = write_csv(project.raw("w1") / "responses.csv", rows)
    before = digest(raw)
    target, report = prepare("w1", paths=project)
    assert target == project.processed("w1") / "respondents.parquet"
    frame = pd.read_parquet(target)
    assert len(frame) == len(rows)
    assert frame["respondent_id"].tolist() == [r["respondent_id"] for r in rows]
    assert {"sector_group", "domain", "albeda_1", "albeda_3", "albeda_4", "himmelman_level"} <= set(frame.columns)
    assert digest(raw) == before
    assert (project.processed("w1") / "validation.csv").exists()


def test_prepare_writes_nothing_when_validation_fails(project):
    rows = valid_rows()
    rows[0]["health_work"] = "misschien"
    write_csv(project.raw("w1") / "responses.csv", rows)
    with pytest.raises(ValidationFailed) as info:
        prepare("w1", paths=project)
    assert "value_not_allowed" in info.value.report.rules()
    assert not project.processed("w1").exists()


def test_prepare_uses_the_wave_mapping_file(project):
    rows = valid_rows()
    renamed = [{("GEM" if k == "municipality" else k): v for k, v in r.items()} for r in rows]
    write_csv(project.raw("w1") / "responses.csv", renamed)
    (project.params / "waves" / "w1.yaml").write_text("wave: w1\ncolumns:\n  GEM: municipality\nmunicipalities: ['1', '2', '3']\n")
    target, _ = prepare("w1", paths=project)
    assert sorted(pd.read_parquet(target)["municipality"].unique()) == ["1", "2", "3"]


def test_mapping_file_with_unknown_key_is_refused(project):
    write_csv(project.raw("w1") / "responses.csv", valid_rows())
    (project.params / "waves" / "w1.yaml").write_text("wave: w1\ncolums: {}\n")
    with pytest.raises(ConfigError, match="colums"):
        prepare("w1", paths=project)


def test_unknown_wave_names_the_known_ones(project):
    with pytest.raises(ConfigError, match=r"unknown wave 'w2'.*w1"):
        prepare("w2", paths=project)


def test_cli_validate_exits_1_and_writes_nothing(tmp_path, capsys):
    rows = valid_rows()
    rows[2]["sector"] = "kunst"
    path = write_csv(tmp_path / "responses.csv", rows)
    before = sorted(p.name for p in tmp_path.iterdir())
    assert main(["validate", str(path), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "sector_unknown" in out and "row 4" in out and "kunst" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_cli_validate_in_dutch_and_ok(tmp_path, capsys):
    path = write_csv(tmp_path / "responses.csv", valid_rows())
    assert main(["validate", str(path), "--lang", "nl"]) == 0
    assert "0 fout(en)" in capsys.readouterr().out


def test_cli_prepare_reports_and_exits_1(project, monkeypatch, capsys):
    monkeypatch.setenv("IGB_ROOT", str(project.root))
    rows = valid_rows()
    rows[0]["respondent_id"] = rows[1]["respondent_id"]
    write_csv(project.raw("w1") / "responses.csv", rows)
    assert main(["prepare", "--wave", "w1", "--lang", "en"]) == 1
    assert "respondent_id_duplicate" in capsys.readouterr().err
    assert not project.processed("w1").exists()
    # igb run and igb compare prepare first: the same report, exit 1, nothing written (one handler in cli.main)
    for command in (["run", "--wave", "w1", "--no-reports"], ["compare", "--wave", "w1", "--baseline", "w1"]):
        assert main([*command, "--lang", "en"]) == 1, command
        err = capsys.readouterr().err
        assert "respondent_id_duplicate" in err and "nothing written" in err, command
        assert not project.processed("w1").exists() and not project.reports("w1").exists(), command
