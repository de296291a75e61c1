"""Identifiers from outside never become paths: unsafe codes are validation errors, wave names are checked before
anything is written, and no command replaces an existing wave unless told to."""

import shutil

import pytest

from conftest import ROOT, valid_rows, write_csv
from igb import synth
from igb.cli import main
from igb.config import paths as make_paths
from igb.errors import ConfigError
from igb.report.batch import remove_stale
from igb.survey.codebook import Codebook
from igb.survey.schema import validate_file
from igb.survey.wave import WaveSpec


@pytest.mark.parametrize("code", ["../../x", "<img src=x onerror=alert(1)>", "a/b", ".x", "Den Haag"])
def test_an_unsafe_municipality_code_is_an_error_naming_row_and_value(code, tmp_path):
    rows = valid_rows()
    rows[2]["municipality"] = code
    report, frame = validate_file(write_csv(tmp_path / "r.csv", rows), codebook=Codebook.load(), spec=WaveSpec(wave="w"))
    assert frame is None
    [problem] = [p for p in report.errors if p.rule == "municipality_code_unsafe"]
    assert problem.row == 4 and problem.column == "municipality" and problem.value == code
    assert "values: municipality:" in problem.message_en  # how to fix it: map the written value to a code


def test_a_mapped_name_becomes_a_safe_code(tmp_path):
    rows = valid_rows()
    for r in rows:
        r["municipality"] = {"1": "Den Haag", "2": "'s-Hertogenbosch", "3": "Aa en Hunze"}[r["municipality"]]
    spec = WaveSpec(wave="w", values={"municipality": {"Den Haag": "gm0518", "'s-Hertogenbosch": "gm0796",
                                                       "Aa en Hunze": "gm1680"}})
    report, frame = validate_file(write_csv(tmp_path / "r.csv", rows), codebook=Codebook.load(), spec=spec)
    assert report.ok and set(frame["municipality"]) == {"gm0518", "gm0796", "gm1680"}


def small_root(tmp_path):
    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    return make_paths(tmp_path)


def test_synth_never_replaces_an_existing_wave_unless_told(tmp_path):
    paths = small_root(tmp_path)
    paths.raw("real").mkdir(parents=True)
    original = write_csv(paths.raw("real") / "responses.csv", valid_rows()).read_bytes()
    frame = synth.generate(3, seed=1)
    with pytest.raises(ConfigError, match="exists .*--overwrite"):
        synth.write_wave(frame, "real", fmt="csv", paths=paths)
    assert (paths.raw("real") / "responses.csv").read_bytes() == original
    assert not paths.wave_mapping("real").exists()
    paths.wave_mapping("mapped").write_text("wave: mapped\n")  # a mapping alone is a wave too
    with pytest.raises(ConfigError, match="exists"):
        synth.write_wave(frame, "mapped", fmt="csv", paths=paths)
    written = synth.write_wave(frame, "real", fmt="csv", paths=paths, overwrite=True)
    assert (paths.raw("real") / "responses.csv").read_bytes() != original and paths.wave_mapping("real") in written


@pytest.mark.parametrize("wave", ["../x", ".", "", "a/b", ".x"])
def test_bad_wave_names_are_refused_before_anything_is_written(wave, tmp_path, monkeypatch, capsys):
    small_root(tmp_path)
    monkeypatch.setenv("IGB_ROOT", str(tmp_path))
    for command in (["synth", "--wave", wave, "--format", "csv"], ["prepare", "--wave", wave],
                    ["run", "--wave", wave], ["compare", "--wave", "ok", "--baseline", wave]):
        with pytest.raises(SystemExit) as exit_:
            main(command)
        assert exit_.value.code == 2
        assert "not allowed" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notebooks", "params"]


def test_reconstruct_does_not_replace_raw_data_unless_told(tmp_path, monkeypatch, capsys):
    paths = small_root(tmp_path)
    monkeypatch.setenv("IGB_ROOT", str(tmp_path))
    paths.raw("rivm2009").mkdir(parents=True)
    (paths.raw("rivm2009") / "responses.csv").write_text("kept")
    assert main(["reconstruct", "--out", str(paths.raw("rivm2009"))]) == 2
    assert "--overwrite" in capsys.readouterr().err
    assert (paths.raw("rivm2009") / "responses.csv").read_text() == "kept"


def test_stale_outputs_of_departed_failed_and_small_municipalities_are_removed(tmp_path):
    for name in ["index.html", "1.html", "1.xlsx", "2.html", "2.xlsx", "9.html", "9.xlsx", "9.pdf", "figures/1.png",
                 "figures/2.png", "figures/9.png", "notebooks/9.ipynb", "notebooks/9.failed.ipynb", "logs/9.log",
                 ".inputs/9.sha256", "logs/1.log", "en/1.html", "3.html", "figures/3.png"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("x")
    gone = remove_stale(tmp_path, ["1", "2", "3"], failed=["3"], too_few=["2"])
    left = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    # 9 left the wave: everything of it goes; 3 failed: its page and figure showed an earlier state; 2 is now
    # below min_cell: its figure goes (its report says so instead); a report in another language is not touched
    assert left == ["1.html", "1.xlsx", "2.html", "2.xlsx", "en/1.html", "figures/1.png", "index.html", "logs/1.log"]
    assert tmp_path / "9.pdf" in gone
