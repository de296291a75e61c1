"""Property: whatever bytes or text a file holds, validation yields a report, never a traceback."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from igb.survey.codebook import Codebook
from igb.survey.schema import ValidationReport, validate_file

BOOK = Codebook.load()
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

cell = st.one_of(st.text(max_size=12), st.sampled_from(["Ja", "nee", "Weet niet", "", "1", "0", "vgz", "Sport", "x,y", '"']))
header = st.lists(st.one_of(st.sampled_from(["respondent_id", "municipality", "sector", "health_work",
                                              "collaborates", "pos_resources", "partner_vgz"]), st.text(max_size=8)),
                  min_size=0, max_size=8)


@SETTINGS
@given(data=st.binary(max_size=600), ext=st.sampled_from([".csv", ".xlsx", ".sav", ".txt"]),
       magic=st.sampled_from([b"", b"PK\x03\x04", b"$FL2", b"$FL3", b"\xff\xfe", b"\xef\xbb\xbf"]))
def test_random_bytes_give_a_report(tmp_path_factory, data, ext, magic):
    path = tmp_path_factory.mktemp("g") / f"responses{ext}"
    path.write_bytes(magic + data)
    report, frame = validate_file(path, codebook=BOOK)
    assert isinstance(report, ValidationReport)
    assert frame is None or report.ok


@SETTINGS
@given(columns=header, body=st.lists(st.lists(cell, max_size=9), max_size=6), sep=st.sampled_from([",", ";", "\t"]))
def test_random_csv_text_gives_a_report(tmp_path_factory, columns, body, sep):
    path = tmp_path_factory.mktemp("g") / "responses.csv"
    text = "\n".join(sep.join(c.replace("\r", " ") for c in line) for line in [columns, *body])
    path.write_text(text, encoding="utf-8")
    report, frame = validate_file(path, codebook=BOOK)
    assert isinstance(report, ValidationReport)
    if frame is not None:
        assert report.ok and len(frame) <= len(body)
