"""Reading .sav values: every compression, text and numbers, user-missing codes, legacy encodings, no rows."""

import shutil
import subprocess

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from conftest import CODEBOOK, valid_rows
from igb.survey.io import read_raw
from igb.survey.schema import validate_file

ITEMS = list(CODEBOOK["items"])


@pytest.mark.parametrize("compression", ["none", "bytecode", "zlib"])
def test_sav_cells_come_back_as_written_with_user_missing_as_missing(tmp_path, compression):
    written = pd.DataFrame({
        "respondent_id": ["r-1", "Zoë-2", "", "  x", "€ 5"],
        "municipality": [1.0, 9.0, np.nan, 7.2, 1e15],
        "sector": ["vgz", "onbekend", "", "jeugd", "Súdwest"],
    })
    path = tmp_path / "r.sav"
    pyreadstat.write_sav(written, str(path), compress=compression == "zlib", row_compress=compression == "bytecode",
                         missing_ranges={"municipality": [9.0, {"lo": 7.0, "hi": 7.5}], "sector": ["onbekend"]})
    raw = read_raw(path)
    assert list(raw.frame.columns) == ["respondent_id", "municipality", "sector"]
    assert raw.frame["municipality"].dtype == np.float64
    assert raw.frame["respondent_id"].dtype == "str" and raw.frame["sector"].dtype == "str"
    assert raw.frame["respondent_id"].tolist() == ["r-1", "Zoë-2", "", "  x", "€ 5"]  # leading blanks and "" kept
    np.testing.assert_array_equal(raw.frame["municipality"].to_numpy(), [1.0, np.nan, np.nan, np.nan, 1e15])
    assert raw.frame["sector"].isna().tolist() == [False, True, False, False, False]  # declared missing text
    assert raw.frame["sector"].dropna().tolist() == ["vgz", "", "jeugd", "Súdwest"]
    assert raw.rows.tolist() == [1, 2, 3, 4, 5]


def test_sav_in_a_legacy_encoding_keeps_its_names_and_text(tmp_path):
    if not shutil.which("pspp"):
        pytest.skip("pspp writes the windows-1252 file")
    path = tmp_path / "r.sav"
    syntax = tmp_path / "w.sps"
    syntax.write_text(
        "SET LOCALE='windows-1252'.\n"
        "DATA LIST LIST /gemeente_naam (A20) vraag_é (F8.0) vraag_ë (F8.0).\n"
        "BEGIN DATA\n\"Súdwest-Fryslân\" 1 2\n\"Zoë\" 3 9\nEND DATA.\n"
        "MISSING VALUES vraag_ë (9).\n"
        f"SAVE OUTFILE='{path}'.\n", encoding="windows-1252")
    subprocess.run(["pspp", str(syntax)], check=True, capture_output=True)
    assert pyreadstat.read_sav(str(path), metadataonly=True)[1].file_encoding == "WINDOWS-1252"
    raw = read_raw(path)
    assert list(raw.frame.columns) == ["gemeente_naam", "vraag_é", "vraag_ë"]
    assert raw.frame["gemeente_naam"].tolist() == ["Súdwest-Fryslân", "Zoë"]
    np.testing.assert_array_equal(raw.frame["vraag_ë"].to_numpy(), [2.0, np.nan])
    raw = read_raw(path, keep=lambda c: c == "vraag_ë")
    assert list(raw.frame.columns) == ["vraag_ë"] and raw.skipped == ["gemeente_naam", "vraag_é"]
    np.testing.assert_array_equal(raw.frame["vraag_ë"].to_numpy(), [2.0, np.nan])


def test_sav_without_cases_reports_no_rows(tmp_path):
    frame = pd.DataFrame(valid_rows()).iloc[:0]
    for item in ITEMS:
        frame[item] = frame[item].astype(float)
    path = tmp_path / "r.sav"
    pyreadstat.write_sav(frame, str(path))
    raw = read_raw(path)
    assert raw.frame.shape == (0, len(frame.columns))
    report, got = validate_file(path)
    assert got is None
    assert [p.rule for p in report.errors] == ["no_rows"]


def test_sav_columns_outside_the_codebook_are_reported(tmp_path):
    frame = pd.DataFrame(valid_rows())
    frame["opmerking_ë"] = "x"
    path = tmp_path / "r.sav"
    pyreadstat.write_sav(frame, str(path))
    report, got = validate_file(path)
    assert got is not None
    assert [(p.column, p.rule) for p in report.problems] == [("opmerking_ë", "column_unknown")]
