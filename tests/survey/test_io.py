"""Reading csv, xlsx and sav: each round-trips to the same canonical answers."""

import pandas as pd
import pyreadstat
import pytest

from conftest import CODEBOOK, write_csv
from igb.errors import InputError
from igb.survey.io import read_raw, write_parquet
from igb.survey.schema import validate_file

CODE = {"Ja": 1, "Nee": 0, "Weet niet": 2, "": None}
CANON = {"Ja": "yes", "Nee": "no", "Weet niet": "dont_know", "": None}
ITEMS = list(CODEBOOK["items"])


def expected_frame(rows):
    """Canonical answers computed directly from the Dutch answers in the test rows."""
    return pd.DataFrame([{k: (CANON[v] if k in ITEMS else v) for k, v in r.items()} for r in rows])


def check_matches(frame, rows):
    expected = expected_frame(rows)
    got = frame.drop(columns="source_row")[expected.columns].astype(object)
    got = got.where(got.notna(), None)
    exp = expected.astype(object).where(expected.notna(), None)
    assert got.values.tolist() == exp.values.tolist()


def test_csv_round_trip(tmp_path, rows):
    report, frame = validate_file(write_csv(tmp_path / "r.csv", rows))
    assert report.ok and not report.problems
    check_matches(frame, rows)
    assert frame["source_row"].tolist() == list(range(2, len(rows) + 2))


def test_semicolon_csv_with_bom_as_dutch_excel_writes_it(tmp_path, rows):
    path = tmp_path / "r.csv"
    write_csv(path, rows, sep=";")
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    report, frame = validate_file(path)
    assert report.ok
    check_matches(frame, rows)


def test_cp1252_csv_reads_when_the_mapping_names_the_encoding(tmp_path, rows):
    from igb.survey.wave import WaveSpec

    rows[0]["respondent_id"] = "Ré-1"
    path = write_csv(tmp_path / "r.csv", rows, encoding="cp1252")
    report, _ = validate_file(path)
    assert report.rules() == {"encoding"}
    report, frame = validate_file(path, spec=WaveSpec(wave="x", encoding="cp1252"))
    assert report.ok and frame["respondent_id"][0] == "Ré-1"


def test_xlsx_round_trip(tmp_path, rows):
    path = tmp_path / "r.xlsx"
    pd.DataFrame(rows).to_excel(path, index=False)
    report, frame = validate_file(path)
    assert report.ok, report.format()
    check_matches(frame, rows)
    assert frame["source_row"].tolist()[:2] == [2, 3]  # sheet rows under the header


def test_sav_round_trip_with_value_labels_and_user_missing(tmp_path, rows):
    frame = pd.DataFrame(rows)
    for item in ITEMS:
        frame[item] = frame[item].map(CODE).astype(float)
    # Declare 9 as user-missing and use it for a couple of unasked answers.
    first_unasked = next(i for i in ITEMS if rows[0][i] == "")
    frame.loc[0, first_unasked] = 9.0
    labels = {item: {1.0: "Ja", 0.0: "Nee", 2.0: "Weet niet", 9.0: "Niet gevraagd"} for item in ITEMS}
    path = tmp_path / "r.sav"
    pyreadstat.write_sav(frame, str(path), variable_value_labels=labels,
                         missing_ranges={item: [9.0] for item in ITEMS})
    report, got = validate_file(path)
    assert report.ok, report.format(limit=5)
    check_matches(got, rows)
    assert got["source_row"].tolist()[:2] == [1, 2]  # SPSS case numbers


def test_sav_numeric_codes_without_labels_use_codebook_codes(tmp_path, rows):
    frame = pd.DataFrame(rows)
    for item in ITEMS:
        frame[item] = frame[item].map(CODE).astype(float)
    path = tmp_path / "r.sav"
    pyreadstat.write_sav(frame, str(path))
    report, got = validate_file(path)
    assert report.ok
    check_matches(got, rows)


@pytest.mark.parametrize("name, content, rule", [
    ("r.csv", b"", "file_empty"),
    ("r.csv", b"  \n\n", "file_empty"),
    ("r.sav", b"respondent_id,municipality\n1,2\n", "file_type_mismatch"),
    ("r.xlsx", b"respondent_id,municipality\n1,2\n", "file_type_mismatch"),
    ("r.csv", b"PK\x03\x04rest of a zip", "file_type_mismatch"),
    ("r.csv", b"$FL2@(#) SPSS DATA FILE", "file_type_mismatch"),
    ("r.csv", b"a,b\n\x00\x01\x02\n", "file_type_mismatch"),
    ("r.csv", b"respondent_id,sector\n1,\xe9\xe9n\n", "encoding"),
    ("r.json", b"{}", "unsupported_format"),
])
def test_unreadable_files_raise_input_error_with_rule(tmp_path, name, content, rule):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError) as info:
        read_raw(path)
    assert info.value.rule == rule
    assert str(path) in str(info.value)


def test_utf16_with_byte_order_mark_is_read(tmp_path, rows):
    path = write_csv(tmp_path / "r.csv", rows, sep="\t", encoding="utf-16")
    report, frame = validate_file(path)
    assert report.ok
    check_matches(frame, rows)


def test_missing_file(tmp_path):
    with pytest.raises(InputError) as info:
        read_raw(tmp_path / "nope.csv")
    assert info.value.rule == "file_missing"


def test_encoding_error_names_the_line(tmp_path, rows):
    rows[2]["respondent_id"] = "caf\xe9"
    path = write_csv(tmp_path / "r.csv", rows, encoding="latin-1")
    with pytest.raises(InputError, match=r"line 4"):
        read_raw(path)


def test_atomic_write_leaves_no_partial_file(tmp_path):
    class Boom(pd.DataFrame):
        def to_parquet(self, *a, **k):
            raise RuntimeError("disk full")

    target = tmp_path / "out.parquet"
    write_parquet(pd.DataFrame({"a": [1]}), target)
    before = target.read_bytes()
    with pytest.raises(RuntimeError):
        write_parquet(Boom({"a": [2]}), target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out.parquet"]
