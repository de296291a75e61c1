"""Issue 15: small hostile respondent or mapping files fail fast with a clear error (file, place, limit).

Every file is written here, in tmp_path. Limits that would need large files are lowered with monkeypatch.
"""

import struct
import time
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pyreadstat
import pytest
import yaml

from conftest import ROOT, valid_rows, write_csv
from igb import config
from igb.errors import ConfigError, InputError
from igb.survey import io as survey_io
from igb.survey.io import read_raw
from igb.survey.schema import validate_file
from igb.survey.wave import WaveSpec


def refused(path, *needles, rule=None):
    """read_raw's InputError for `path`; its message holds the file name and every needle."""
    with pytest.raises(InputError) as caught:
        read_raw(path)
    message = str(caught.value)
    assert str(path) in message, message
    for needle in needles:
        assert needle in message, (needle, message)
    if rule:
        assert caught.value.rule == rule
    return message


# -- xlsx ------------------------------------------------------------------------------------------
def test_xlsx_whose_parts_inflate_beyond_the_limit_is_refused_before_openpyxl(tmp_path, monkeypatch):
    monkeypatch.setattr(survey_io, "MAX_XLSX_BYTES", 1_000_000)
    path = tmp_path / "responses.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as member:  # 3 MB of blanks, a few KB on disk
            for _ in range(3):
                member.write(b" " * 1_000_000)
    assert path.stat().st_size < 20_000
    refused(path, "3,000,008 bytes uncompressed", "1,000,000", "MAX_XLSX_BYTES", rule="limit_exceeded")
    report, frame = validate_file(path)
    assert frame is None and report.rules() == {"limit_exceeded"}


def test_zipfile_stops_a_member_at_its_declared_size(tmp_path):
    """The claim behind MAX_XLSX_BYTES: a member that lies about its size inflates no further than it says."""
    path = tmp_path / "liar.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.xml", b"A" * 5_000_000)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 22, 1000)  # local header: uncompressed size
    struct.pack_into("<I", data, data.rfind(b"PK\x01\x02") + 24, 1000)  # central directory: the same
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.infolist()[0].file_size == 1000
        with pytest.raises(zipfile.BadZipFile, match="CRC"):
            archive.read("x.xml")
        member = archive.open("x.xml")
        member._update_crc = lambda data: None  # without the CRC check: the declared 1,000 bytes, not 5 MB
        assert len(member.read()) == 1000


def test_xlsx_that_is_no_zip_is_refused_clearly(tmp_path):
    path = tmp_path / "responses.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    refused(path, "not a valid zip archive", rule="file_type_mismatch")


def test_sparse_xlsx_cell_far_away_is_refused_before_pandas_pads_it(tmp_path, monkeypatch):
    monkeypatch.setattr(survey_io, "MAX_XLSX_CELLS", 50_000)
    path = tmp_path / "responses.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"], book.active["A2"], book.active["ZZ200"] = "respondent_id", "r1", "x"
    book.save(path)
    refused(path, "sheet 'Sheet', row 200", "column ZZ (702 columns)", "140,400 cells", "50,000", "MAX_XLSX_CELLS",
            rule="limit_exceeded")


def test_xlsx_cells_come_back_as_pandas_read_excel_gives_them(tmp_path):
    """_read_xlsx reads the sheet itself (to bound it) but keeps pd.read_excel's values."""
    path = tmp_path / "responses.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [["respondent_id", "a", "b", "c"], ["NA", 1, 2.5, "Ja"], ["", " ", None, "=1/0"], [None] * 4,
                [pd.Timestamp("2020-01-02").to_pydatetime(), True, "null", 3.0], ["x", "#N/A", "None", "nan"]]:
        sheet.append(row)
    sheet["C9"] = "y"
    book.save(path)
    expected = pd.read_excel(path, header=None, dtype=object, engine="openpyxl").iloc[1:].reset_index(drop=True)
    expected = expected.astype(object).where(expected.notna(), None)
    raw = read_raw(path)
    assert raw.frame.values.tolist() == expected.values.tolist()
    assert list(raw.rows) == list(range(2, len(expected) + 2))


# -- csv -------------------------------------------------------------------------------------------
def test_csv_header_of_50_mb_fails_fast(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_bytes(b"a," * 25_000_000)
    start = time.perf_counter()
    refused(path, "line 1", "header line is longer than 1,000,000 characters", "MAX_HEADER_CHARS",
            rule="limit_exceeded")
    assert time.perf_counter() - start < 2


def test_csv_header_wider_than_the_limit_is_refused(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text(",".join(f"c{i}" for i in range(6000)) + "\n1,2\n")
    refused(path, "line 1", "6,000 columns", "5,000", "MAX_COLUMNS", rule="limit_exceeded")


def test_csv_header_of_quoted_lines_beyond_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(survey_io, "MAX_HEADER_CHARS", 1000)
    path = tmp_path / "responses.csv"
    path.write_text('"a\n",' * 500 + "\n1\n")  # each physical line is short; the header record is not
    refused(path, "line 1", "header is longer than 1,000 characters", "MAX_HEADER_CHARS", rule="limit_exceeded")


def test_csv_field_beyond_the_limit_is_reported_at_its_record(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text("respondent_id,a\n1,x\n2,\"" + "y" * 200_000 + "\"\n3,z\n")
    refused(path, "line 3", "longer than 131,072 characters", "MAX_FIELD_CHARS", rule="limit_exceeded")


def test_csv_row_of_millions_of_fields_is_refused_while_it_is_read(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text("respondent_id,a\n1,x\n2," + "x," * 1_100_000 + "\n")
    start = time.perf_counter()
    refused(path, "line 3", "longer than 2,000,000 characters", "MAX_RECORD_CHARS", rule="limit_exceeded")
    assert time.perf_counter() - start < 2


def test_csv_quote_never_closed_is_reported_where_it_opens(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text("respondent_id,a,b\n1,x,y\n2,\"open,z\n" + "".join(f"{i},p,q\n" for i in range(3, 53)))
    message = refused(path, "line 3", "never closed", "the file ends on line 53", rule="csv_syntax")
    assert "line 53:" not in message


def test_csv_quote_closed_many_lines_later_is_reported_where_it_opens(tmp_path):
    path = tmp_path / "responses.csv"
    lines = ["respondent_id,a,b", "1,x,y", '2,"open,z'] + [f"{i},p,q" for i in range(3, 30)] + ['30,close"', "31,p,q"]
    path.write_text("\n".join(lines) + "\n")
    refused(path, "line 3", "runs to line 31", "(29 lines, more than MAX_RECORD_LINES = 10)",
            "has 2 fields where the header has 3", rule="csv_syntax")


def test_csv_quoted_newlines_still_read_and_rows_are_where_records_start(tmp_path):
    rows = valid_rows()
    for i, row in enumerate(rows):
        row["opmerking"] = '"een\nlange\n\nopmerking, met komma"' if i % 2 else "kort"
    path = write_csv(tmp_path / "responses.csv", rows)
    raw = read_raw(path)
    assert raw.frame["opmerking"][1] == "een\nlange\n\nopmerking, met komma"
    starts = [2]
    for i in range(1, len(rows)):
        starts.append(starts[-1] + (4 if (i - 1) % 2 else 1))
    assert list(raw.rows) == starts
    report, frame = validate_file(path)
    assert report.ok and report.rules() == {"column_unknown"}
    assert frame["source_row"].tolist() == starts


def test_csv_ragged_rows_are_cut_to_the_header_and_still_reported(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text("respondent_id,a\n1,x,y\n2,x,,\n3," + "z," * 100_000 + "\n")
    raw = read_raw(path)
    assert raw.ragged_rows == [(2, 3), (4, 100_002)]
    assert raw.frame.shape == (3, 2)


# -- sav -------------------------------------------------------------------------------------------
NAMES = ["Amsterdam", "Utrecht", "Zoë", "Den Haag", "Delft", "Leiden", "Gouda_XYZQ", "Breda"]


def sav_with_bad_byte(path, **compression):
    """A UTF-8 .sav whose variable Gemeente holds b'\\xff' in case 7 (a byte no UTF-8 text has)."""
    frame = pd.DataFrame({"respondent_id": [f"r{i}" for i in range(1, 9)], "Gemeente": NAMES, "q": np.arange(8.0)})
    pyreadstat.write_sav(frame, str(path), **compression)
    data = bytearray(path.read_bytes())
    at = data.find(b"XYZQ")
    assert at > 0, "the text is stored as written (uncompressed or bytecode)"
    data[at + 1] = 0xFF
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("compression", [{}, {"row_compress": True}], ids=["uncompressed", "bytecode"])
def test_sav_text_with_a_byte_invalid_in_its_encoding_names_variable_and_case(tmp_path, compression):
    path = sav_with_bad_byte(tmp_path / "responses.sav", **compression)
    refused(path, "variable Gemeente, case 7", "b'Gouda_X\\xffZQ'", "cannot be decoded as UTF-8", rule="encoding")
    report, frame = validate_file(path, spec=WaveSpec(wave="t", columns={"Gemeente": "municipality"}))
    assert frame is None and report.rules() == {"encoding"}
    report, _ = validate_file(path)  # only the variables igb reads are checked
    assert "encoding" not in report.rules()


def test_the_readers_hide_the_bad_byte(tmp_path):
    """What the check guards against: polars-readstat keeps the valid prefix, pyreadstat says not where."""
    import polars_readstat

    path = sav_with_bad_byte(tmp_path / "responses.sav")
    values = polars_readstat.scan_readstat(str(path), preserve_order=True).collect()["Gemeente"].to_list()
    assert values[6] == "Gouda_X" and values[2] == "Zoë"
    with pytest.raises(pyreadstat.ReadstatError, match="Unable to convert string"):
        pyreadstat.read_sav(str(path))


def crash_like_a_c_library(path):
    """What a crafted variable record did to pyreadstat's C reader (a fuzzing finding): the process dies."""
    import os
    import signal

    os.kill(os.getpid(), signal.SIGSEGV)


def test_a_reader_that_crashes_on_the_variable_list_is_an_error_of_the_file_not_the_end_of_igb(tmp_path, monkeypatch):
    path = sav_with_bad_byte(tmp_path / "responses.sav")
    monkeypatch.setattr(survey_io, "_read_sav_metadata", crash_like_a_c_library)
    message = refused(path, "crashed on this file's variable list", "Save it again from SPSS or PSPP",
                      rule="file_type_mismatch")
    assert "liep vast" in message  # no language known here: Dutch / English
    report, frame = validate_file(path)  # and validation reports it as the file's error
    assert frame is None and report.rules() == {"file_type_mismatch"}
    monkeypatch.undo()
    assert read_raw(tmp_path / "responses.sav", keep=lambda c: c == "q").frame["q"].tolist() == list(np.arange(8.0))


def test_sav_in_a_legacy_encoding_is_checked_in_that_encoding(tmp_path):
    path = sav_with_bad_byte(tmp_path / "responses.sav")
    data = path.read_bytes()
    assert data.count(b"UTF-8") == 1
    path.write_bytes(data.replace(b"UTF-8", b"cp936"))  # the character-encoding record: GBK
    refused(path, "variable Gemeente, case 7", "cannot be decoded as cp936", rule="encoding")


def test_sav_with_valid_text_reads(tmp_path):
    frame = pd.DataFrame({"respondent_id": ["r-1", "Zoë-2", "", "€ 5"], "q": [1.0, 2.0, 3.0, 4.0]})
    for compression in ({}, {"row_compress": True}, {"compress": True}):
        path = tmp_path / "responses.sav"
        pyreadstat.write_sav(frame, str(path), **compression)
        assert read_raw(path).frame["respondent_id"].tolist() == ["r-1", "Zoë-2", "", "€ 5"]


def test_sav_with_more_variables_than_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(survey_io, "MAX_SAV_VARIABLES", 2)
    path = tmp_path / "responses.sav"
    pyreadstat.write_sav(pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3.0]}), str(path))
    refused(path, "3 variables", "more than 2", "MAX_SAV_VARIABLES", rule="limit_exceeded")


def test_sav_header_declaring_billions_of_values_per_case_is_refused_before_the_reader(tmp_path):
    """polars-readstat would abort the whole process trying to allocate for 2,000,000,000 values per case."""
    path = tmp_path / "responses.sav"
    pyreadstat.write_sav(pd.DataFrame({"a": [1.0], "b": ["x"]}), str(path))
    data = bytearray(path.read_bytes())
    struct.pack_into("<i", data, 68, 2_000_000_000)  # the header's nominal case size
    path.write_bytes(bytes(data))
    refused(path, "declares 2,000,000,000 values per case", "damaged", rule="file_type_mismatch")


def test_sav_reader_panic_on_a_damaged_name_is_an_input_error(tmp_path):
    """polars-readstat panics (pyo3's PanicException, a BaseException) on a NUL byte in a variable's short name."""
    path = tmp_path / "responses.sav"
    pyreadstat.write_sav(pd.DataFrame({"respondent_id": ["r1"], "sector": ["vgz"], "q": [1.0]}), str(path))
    data = bytearray(path.read_bytes())
    at = data.find(b"SECTOR  ")
    data[at + 4: at + 8] = b"\x00\x00\x01\x00"
    path.write_bytes(bytes(data))
    refused(path, "not readable as an SPSS .sav file", rule="file_type_mismatch")
    data[at: at + 4] = b"\x00\x00\x01\x00"  # the whole name NUL bytes: pyreadstat names the variable None
    path.write_bytes(bytes(data))
    refused(path, "variable 2 has no readable name", rule="file_type_mismatch")


# -- yaml ------------------------------------------------------------------------------------------
def test_yaml_above_the_size_limit_is_refused(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("wave: w\n" + "# padding\n" * 100_000)
    with pytest.raises(ConfigError, match=r"larger than 1,000,000 bytes \(limit MAX_YAML_BYTES\)") as caught:
        config.load_yaml(path)
    assert str(path) in str(caught.value)


def test_yaml_billion_laughs_is_refused_at_load(tmp_path):
    path = tmp_path / "w.yaml"
    levels = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join([f'*{chr(97 + i)}'] * 9)}]" for i in range(8)]
    path.write_text("\n".join(levels) + "\n")  # 9^9 = 387,420,489 "lol"s once walked
    start = time.perf_counter()
    with pytest.raises(ConfigError, match=r"line 3: more than 16 aliases .*MAX_YAML_ALIASES = 16") as caught:
        config.load_yaml(path)
    assert str(path) in str(caught.value) and time.perf_counter() - start < 1


def test_yaml_nested_too_deep_is_refused(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("a: " + "[" * 2000 + "]" * 2000 + "\n")
    with pytest.raises(ConfigError, match=r"line 1: nested more than 100 levels deep \(limit MAX_YAML_DEPTH") as caught:
        config.load_yaml(path)
    assert str(path) in str(caught.value)
    path.write_text("".join("  " * i + f"k{i}:\n" for i in range(150)) + "  " * 150 + "x\n")
    with pytest.raises(ConfigError, match=r"line 100: nested more than 100 levels"):
        config.load_yaml(path)


def test_yaml_nesting_is_refused_before_libyaml_composes_it(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("a: " + "[" * 100_000 + "]" * 100_000 + "\n")  # 200 KB; libyaml's composer overflows C's stack
    with pytest.raises(ConfigError, match=r"line 1: nested more than 100 levels deep"):
        config.load_yaml(path)


def test_yaml_recursion_error_becomes_a_config_error(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_YAML_DEPTH", 10**9)  # only Python's own recursion limit is left,
    monkeypatch.setattr(config, "_LOADER", yaml.SafeLoader)  # in the pure-Python loader (where libyaml is missing)
    path = tmp_path / "w.yaml"
    path.write_text("a: " + "[" * 1000 + "]" * 1000 + "\n")
    with pytest.raises(ConfigError, match="nested too deeply") as caught:
        config.load_yaml(path)
    assert str(path) in str(caught.value)


def test_yaml_bad_bytes_and_unreadable_values_are_config_errors(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_bytes(b"wave: w\nname: Gem\xe9ente\n")
    with pytest.raises(ConfigError, match=r"line 2: byte b'\\xe9' is not UTF-8"):
        config.load_yaml(path)
    path.write_text("wave: w\nsent: " + "9" * 5000 + "\n")
    with pytest.raises(ConfigError, match="a value cannot be read"):
        config.load_yaml(path)


def test_yaml_within_the_limits_loads_as_safe_load_does():
    for path in sorted((ROOT / "params").rglob("*.yaml")):
        assert config.load_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path
