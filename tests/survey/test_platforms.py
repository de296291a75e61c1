"""Survey platforms' exports read with no mapping file: recognised, metadata reported once, ids, codes, incomplete."""

import re

import pytest

from conftest import CODEBOOK, DUTCH, valid_rows, write_csv
from igb.errors import ConfigError
from igb.survey.codebook import Codebook
from igb.survey.platforms import KOBO, LIMESURVEY, limesurvey_answer_codes, limesurvey_code
from igb.survey.schema import validate_file
from igb.survey.wave import WaveSpec, spec_from_dict

ITEMS = list(CODEBOOK["items"])
CANONICAL = {v: k for k, v in DUTCH.items()}


def kobo_rows(rows, *, separator="/"):
    """valid_rows as a KoboToolbox export: group paths, Kobo's columns, no respondent_id (it is `_id`)."""
    out = []
    for i, r in enumerate(rows):
        row = {"start": "2026-03-02T09:00:00", "end": "2026-03-02T09:20:00",
               f"respondent{separator}municipality": r["municipality"], f"respondent{separator}sector": r["sector"]}
        row |= {f"s{CODEBOOK['items'][k]['section'].replace('.', '_')}{separator}{k}": r[k] for k in ITEMS}
        row |= {"_id": 900 + i, "_uuid": f"uuid-{i}", "_submission_time": "2026-03-02T09:21:00", "__version__": "v1",
                "meta/instanceID": f"uuid:{i}"}
        out.append(row)
    return out


def problems(report, rule):
    return [p for p in report.problems if p.rule == rule]


def answers(frame, rows):
    """Each row's answers in the frame equal what the rows hold (Dutch words) as canonical values."""
    for item in ITEMS:
        got = frame[item].astype(object).where(frame[item].notna(), "").tolist()
        assert got == [CANONICAL.get(r[item], "") for r in rows], item


def test_a_kobo_export_is_recognised_its_metadata_reported_once_and_its_id_used(tmp_path):
    rows = valid_rows()
    path = write_csv(tmp_path / "responses.csv", kobo_rows(rows), sep=";")
    report, frame = validate_file(path, codebook=Codebook.load())
    assert report.ok, report.format()
    assert report.platform == KOBO and "platform: KoboToolbox/ODK" in report.format()
    [metadata] = problems(report, "platform_metadata")
    assert metadata.value == "6" and metadata.severity == "warning"
    for column in ("start", "end", "_uuid", "_submission_time", "__version__", "meta/instanceID"):
        assert column in metadata.message_en and column in metadata.message_nl
    assert not problems(report, "column_unknown") and not problems(report, "item_missing")
    assert [p.column for p in problems(report, "platform_respondent_id")] == ["_id"]
    assert frame["respondent_id"].tolist() == [str(900 + i) for i in range(len(rows))]
    assert frame["municipality"].tolist() == [r["municipality"] for r in rows]
    answers(frame, rows)


def test_odk_central_headers_with_dashes_and_its_submission_key(tmp_path):
    rows = valid_rows(seed=3)
    central = []
    for i, r in enumerate(kobo_rows(rows, separator="-")):
        r = {k: v for k, v in r.items() if not k.startswith("_") and k not in ("meta/instanceID",)}
        central.append({"SubmissionDate": "2026-03-02T09:21:00.000Z", **r, "meta-instanceID": f"uuid:{i}",
                        "KEY": f"uuid:{i}", "SubmitterID": "5", "ReviewState": ""})
    report, frame = validate_file(write_csv(tmp_path / "responses.csv", central), codebook=Codebook.load())
    assert report.ok and report.platform == KOBO, report.format()
    assert frame["respondent_id"].tolist() == [f"uuid:{i}" for i in range(len(rows))]
    assert not problems(report, "column_unknown")
    answers(frame, rows)


def test_a_respondent_id_of_the_file_is_kept_and_unknown_columns_are_still_reported(tmp_path):
    rows = valid_rows(seed=4)
    export = [{"respondent_id": r["respondent_id"], **k, "opmerking": "x"} for r, k in zip(rows, kobo_rows(rows))]
    report, frame = validate_file(write_csv(tmp_path / "responses.csv", export), codebook=Codebook.load())
    assert report.ok, report.format()
    assert frame["respondent_id"].tolist() == [r["respondent_id"] for r in rows]
    assert not problems(report, "platform_respondent_id")
    assert "_id" in problems(report, "platform_metadata")[0].message_en
    assert [p.column for p in problems(report, "column_unknown")] == ["opmerking"]


def test_a_plain_file_names_no_platform(tmp_path, good_csv):
    report, frame = validate_file(good_csv, codebook=Codebook.load())
    assert report.ok and frame is not None
    assert report.platform is None and "platform:" not in report.format()
    assert not {"platform_metadata", "platform_respondent_id"} & report.rules()


def test_the_wave_mapping_still_wins_over_the_platform(tmp_path):
    rows = valid_rows(seed=5)
    export = kobo_rows(rows)
    for r in export:
        r["V1"] = r.pop("s4_2/health_work")
    spec = WaveSpec(wave="w", columns={"V1": "health_work"})
    report, frame = validate_file(write_csv(tmp_path / "responses.csv", export), codebook=Codebook.load(), spec=spec)
    assert report.ok, report.format()
    assert frame["health_work"].tolist() == [CANONICAL[r["health_work"]] for r in rows]


def test_limesurvey_codes_are_letters_and_digits_at_most_20_and_tell_the_items_apart():
    names = ["respondent_id", "municipality", "sector", *ITEMS]
    codes = [limesurvey_code(n) for n in names]
    for code in codes:
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9]{0,19}", code), code
    assert len({c.lower() for c in codes}) == len(names)
    assert limesurvey_code("health_priority") == "healthPriority" and limesurvey_code("pol_1") == "pol1"
    assert limesurvey_code("pos_structural_consultation") == "posStructuralConsult"
    assert limesurvey_code("9lives") == "q9lives"


def test_limesurvey_answer_codes_keep_short_codes_and_shorten_others_reversibly():
    assert limesurvey_answer_codes([str(i) for i in range(1, 17)]) == {str(i): str(i) for i in range(1, 17)}
    sectors = limesurvey_answer_codes(CODEBOOK["sectors"])
    assert sectors["sociale_zaken"] == "socia" and sectors["vgz"] == "vgz"
    assert len(set(sectors.values())) == len(CODEBOOK["sectors"])
    assert limesurvey_answer_codes(["GM0363", "GM0518"], "M", cut=False) == {"GM0363": "M1", "GM0518": "M2"}
    assert limesurvey_answer_codes(["x_1", "x_2", "x-1"], "S") == {"x_1": "S1", "x_2": "S2", "x-1": "S3"}


def limesurvey_rows(rows, *, incomplete=()):
    """valid_rows as LimeSurvey's CSV export: question codes, answer codes (1 = ja, 0 = nee, 2 = weet niet)."""
    code = {"Ja": "1", "Nee": "0", "Weet niet": "2", "": ""}
    out = []
    for i, r in enumerate(rows, start=1):
        row = {"id": i, "submitdate": "" if i in incomplete else "2026-03-02 10:00:00", "lastpage": 8,
               "startlanguage": "nl", "seed": 123456 + i, "startdate": "2026-03-02 09:40:00",
               "datestamp": "2026-03-02 10:00:00", "municipality": r["municipality"],
               "sector": limesurvey_answer_codes(CODEBOOK["sectors"])[r["sector"]]}
        out.append(row | {limesurvey_code(k): code[r[k]] for k in ITEMS})
    return out


def test_limesurvey_incomplete_responses_are_left_out_and_counted(tmp_path):
    rows = valid_rows(seed=6)
    path = write_csv(tmp_path / "responses.csv", limesurvey_rows(rows, incomplete={2, 5}))
    report, frame = validate_file(path, codebook=Codebook.load())
    assert report.ok and report.platform == LIMESURVEY, report.format()
    [left] = problems(report, "incomplete_excluded")
    assert left.value == "2" and "incomplete: include" in left.message_en
    kept = [r for i, r in enumerate(rows, start=1) if i not in {2, 5}]
    assert frame["respondent_id"].tolist() == [str(i) for i in range(1, len(rows) + 1) if i not in {2, 5}]
    assert frame["source_row"].tolist() == [i + 1 for i in range(1, len(rows) + 1) if i not in {2, 5}]
    assert frame["sector"].tolist() == [r["sector"] for r in kept]
    answers(frame, kept)
    report, frame = validate_file(path, codebook=Codebook.load(), spec=WaveSpec(wave="w", incomplete="include"))
    assert report.ok and len(frame) == len(rows)
    assert [p.value for p in problems(report, "incomplete_included")] == ["2"]
    assert "LimeSurvey" in report.format("nl") and "niet afgerond" in report.format("nl")


def test_municipalities_come_back_from_limesurvey_codes_and_from_labels(tmp_path):
    codes, names = ["GM0363", "GM0518"], {"GM0363": "Amsterdam", "GM0518": "'s-Gravenhage"}
    spec = WaveSpec(wave="w", municipalities=tuple(codes), municipality_names=names)
    rows = valid_rows(municipalities=codes, seed=7)
    lime = limesurvey_rows(rows)
    for r, original in zip(lime, rows):
        r["municipality"] = {"GM0363": "M1", "GM0518": "M2"}[original["municipality"]]
    report, frame = validate_file(write_csv(tmp_path / "lime.csv", lime), codebook=Codebook.load(), spec=spec)
    assert report.ok, report.format()
    assert frame["municipality"].tolist() == [r["municipality"] for r in rows]
    kobo = kobo_rows(rows)
    for r, original in zip(kobo, rows):
        r["respondent/municipality"] = names[original["municipality"]]
    report, frame = validate_file(write_csv(tmp_path / "kobo.csv", kobo, sep=";"), codebook=Codebook.load(), spec=spec)
    assert report.ok, report.format()
    assert frame["municipality"].tolist() == [r["municipality"] for r in rows]


@pytest.mark.parametrize("value", ["maybe", True, 1, ["exclude"]])
def test_a_wrong_incomplete_key_names_file_key_value_and_what_is_allowed(tmp_path, value):
    source = tmp_path / "w.yaml"
    with pytest.raises(ConfigError) as caught:
        spec_from_dict({"incomplete": value}, wave="w", source=source)
    text = str(caught.value)
    assert str(source) in text and "`incomplete`" in text and repr(value) in text
    assert "exclude" in text and "include" in text


def test_the_incomplete_key_defaults_to_exclude():
    assert spec_from_dict({}, wave="w").incomplete == "exclude"
    assert spec_from_dict({"incomplete": "include"}, wave="w").incomplete == "include"
