"""Each validation rule, on a malformed file made in the test from the codebook."""


from conftest import CODEBOOK, valid_rows, write_csv
from igb.survey.schema import RULES, validate_file
from igb.survey.wave import WaveSpec


def problems_of(report, rule):
    return [p for p in report.problems if p.rule == rule]


def validate_rows(tmp_path, rows, **kw):
    return validate_file(write_csv(tmp_path / "responses.csv", rows, columns=kw.pop("columns", None)), **kw)


def test_valid_file_has_no_problem(tmp_path, rows):
    report, frame = validate_rows(tmp_path, rows)
    assert report.problems == [] and report.ok
    assert len(frame) == len(rows)


def test_missing_key_column_is_an_error(tmp_path, rows):
    columns = [c for c in rows[0] if c != "municipality"]
    report, frame = validate_rows(tmp_path, rows, columns=columns)
    [p] = problems_of(report, "column_missing")
    assert p.column == "municipality" and p.severity == "error"
    assert frame is None


def test_missing_item_column_is_a_warning(tmp_path, rows):
    columns = [c for c in rows[0] if c != "det_lifestyle"]
    report, frame = validate_rows(tmp_path, rows, columns=columns)
    [p] = problems_of(report, "item_missing")
    assert p.column == "det_lifestyle" and p.severity == "warning"
    assert report.ok and "det_lifestyle" not in frame


def test_unknown_column_is_a_warning(tmp_path, rows):
    for r in rows:
        r["remarks"] = "x"
    report, _ = validate_rows(tmp_path, rows)
    [p] = problems_of(report, "column_unknown")
    assert p.column == "remarks" and p.severity == "warning"


def test_duplicate_header_is_an_error(tmp_path, rows):
    columns = list(rows[0]) + ["health_work"]
    report, _ = validate_rows(tmp_path, rows, columns=columns)
    [p] = problems_of(report, "column_duplicate")
    assert p.column == "health_work" and not report.ok


def test_value_outside_allowed_set_names_row_column_value(tmp_path, rows):
    rows[3]["health_priority"] = "misschien"
    rows[5]["segv_work"] = "Weet niet"  # yes/no item: don't know is not an answer
    report, frame = validate_rows(tmp_path, rows)
    found = {(p.row, p.column, p.value) for p in problems_of(report, "value_not_allowed")}
    assert found == {(5, "health_priority", "misschien"), (7, "segv_work", "Weet niet")}
    assert frame is None
    message = problems_of(report, "value_not_allowed")[0]
    assert "misschien" in message.message_en and "misschien" in message.message_nl
    assert "Ja" in message.message_nl  # the allowed answers are listed with their Dutch labels


def test_duplicate_respondent_id(tmp_path, rows):
    rows[4]["respondent_id"] = rows[1]["respondent_id"]
    report, _ = validate_rows(tmp_path, rows)
    assert {p.row for p in problems_of(report, "respondent_id_duplicate")} == {3, 6}


def test_blank_key_is_an_error(tmp_path, rows):
    rows[2]["sector"] = ""
    report, _ = validate_rows(tmp_path, rows)
    [p] = problems_of(report, "key_missing")
    assert (p.row, p.column) == (4, "sector")


def test_unknown_sector(tmp_path, rows):
    rows[0]["sector"] = "kunst en cultuur"
    report, _ = validate_rows(tmp_path, rows)
    [p] = problems_of(report, "sector_unknown")
    assert (p.row, p.value) == (2, "kunst en cultuur")


def test_unknown_municipality_when_the_wave_lists_them(tmp_path, rows):
    rows[6]["municipality"] = "99"
    spec = WaveSpec(wave="t", municipalities=("1", "2", "3"))
    report, _ = validate_rows(tmp_path, rows, spec=spec)
    [p] = problems_of(report, "municipality_unknown")
    assert (p.row, p.value) == (8, "99")


def _row_with(rows, item, value):
    return next(i for i, r in enumerate(rows) if r[item] == value)


def test_answer_where_the_question_was_not_asked(tmp_path):
    rows = valid_rows(seed=3)
    i = _row_with(rows, "collaborates", "Nee")
    rows[i]["way_common_goal"] = "Ja"
    j = next(k for k in range(len(rows)) if k != i)
    rows[j]["health_work"] = "Nee"
    for item in ("health_tg_low_ses", "health_tg_migrants", "health_tg_deprived_districts", "health_tg_other"):
        rows[j][item] = ""
    rows[j]["target_groups_considered"] = "Nee"  # asked only of those who worked on health
    report, frame = validate_rows(tmp_path, rows)
    found = {(p.row, p.column) for p in problems_of(report, "answer_not_asked")}
    assert found == {(i + 2, "way_common_goal"), (j + 2, "target_groups_considered")}
    assert frame is None


def test_blank_answer_where_asked_is_a_warning(tmp_path):
    rows = valid_rows(seed=4)
    i = _row_with(rows, "collaborates", "Ja")
    rows[i]["pos_resources"] = ""
    report, frame = validate_rows(tmp_path, rows)
    [p] = problems_of(report, "answer_missing")
    assert (p.row, p.column, p.severity) == (i + 2, "pos_resources", "warning")
    assert report.ok and frame is not None


def test_empty_rows_are_skipped_with_a_warning(tmp_path, rows):
    rows.insert(2, {k: "" for k in rows[0]})
    report, frame = validate_rows(tmp_path, rows)
    [p] = problems_of(report, "empty_row")
    assert p.row == 4 and report.ok
    assert len(frame) == len(rows) - 1
    assert 4 not in frame["source_row"].tolist()


def test_ragged_row_is_an_error(tmp_path, rows):
    path = write_csv(tmp_path / "responses.csv", rows)
    lines = path.read_text().splitlines()
    lines[3] += ",extra,cells"
    path.write_text("\n".join(lines) + "\n")
    report, _ = validate_file(path)
    [p] = problems_of(report, "row_length")
    assert p.row == 4


def test_second_officer_of_a_sector_in_a_municipality_is_a_warning(tmp_path, rows):
    rows[1]["sector"] = rows[0]["sector"]
    report, _ = validate_rows(tmp_path, rows)
    [p] = problems_of(report, "sector_repeated")
    assert (p.value, p.column, p.severity) == ("1", rows[0]["sector"], "warning")


def test_every_problem_is_reported_not_only_the_first(tmp_path, rows):
    rows[0]["health_work"] = "?"
    rows[1]["sector"] = "x"
    rows[2]["respondent_id"] = rows[3]["respondent_id"]
    report, _ = validate_rows(tmp_path, rows)
    assert {"value_not_allowed", "sector_unknown", "respondent_id_duplicate"} <= report.rules()


def test_file_level_problem_becomes_a_report(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_bytes(b"")
    report, frame = validate_file(path)
    assert frame is None and report.rules() == {"file_empty"}
    assert report.errors[0].file == str(path)


def test_mapping_renames_columns_and_recodes_values(tmp_path, rows):
    renamed = [{("Gemeente" if k == "municipality" else "Q_health" if k == "health_work" else k):
                ({"Ja": "1=ja", "Nee": "2=nee"}.get(v, v) if k == "health_work" else v) for k, v in r.items()}
               for r in rows]
    spec = WaveSpec(wave="t", columns={"Gemeente": "municipality", "Q_health": "health_work"},
                    values={"health_work": {"1=ja": "yes", "2=nee": "no"}})
    report, frame = validate_rows(tmp_path, renamed, spec=spec)
    assert report.ok, report.format()
    assert frame["health_work"].tolist() == [{"Ja": "yes", "Nee": "no"}[r["health_work"]] for r in rows]


def test_messages_exist_in_both_languages_for_every_rule():
    from igb.text import t

    for rule, severity in RULES.items():
        en, nl = t(f"validation.{rule}", "en"), t(f"validation.{rule}", "nl")
        assert severity in {"error", "warning"} and en and nl and en != nl, rule


def test_report_format_in_dutch(tmp_path, rows):
    rows[0]["health_work"] = "misschien"
    report, _ = validate_rows(tmp_path, rows)
    text = report.format("nl")
    assert "FOUT" in text and "rij 2" in text and "kolom health_work" in text


def test_every_item_column_validates_factor_codes(tmp_path):
    rows = valid_rows(seed=5)
    i = _row_with(rows, "collaborates", "Ja")
    rows[i]["pol_2"] = "Weet niet"
    rows[i]["neg_opposing_interest"] = "maybe"
    report, _ = validate_rows(tmp_path, rows)
    assert [(p.column, p.value) for p in problems_of(report, "value_not_allowed")] == [("neg_opposing_interest", "maybe")]
    assert "pol_2" in CODEBOOK["items"]


def test_header_without_respondents_is_an_error(tmp_path, rows):
    path = tmp_path / "responses.csv"
    path.write_text(",".join(rows[0]) + "\n")
    report, frame = validate_file(path)
    assert report.rules() == {"no_rows"} and frame is None


def test_many_empty_rows_are_warned_one_by_one_up_to_a_limit_then_once(tmp_path, rows):
    from igb.survey.schema import MAX_EMPTY_ROW_WARNINGS

    blank = {k: "" for k in rows[0]}
    extra = MAX_EMPTY_ROW_WARNINGS + 250
    report, frame = validate_rows(tmp_path, rows + [blank] * extra)
    assert report.ok and len(frame) == len(rows)
    single = problems_of(report, "empty_row")
    assert [p.row for p in single] == list(range(len(rows) + 2, len(rows) + 2 + MAX_EMPTY_ROW_WARNINGS))
    [rest] = problems_of(report, "empty_rows")
    assert rest.row == len(rows) + 2 + MAX_EMPTY_ROW_WARNINGS and rest.severity == "warning"
    assert "250 more empty rows" in rest.message_en and f"up to row {len(rows) + 1 + extra}" in rest.message_en
    assert "nog 250 lege rijen" in rest.message_nl
