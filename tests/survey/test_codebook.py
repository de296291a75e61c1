"""The codebook holds every closed item of chapters 4 to 6 with the design's canonical ids."""

import pytest

from conftest import CODEBOOK
from igb.errors import ConfigError
from igb.survey.codebook import Codebook

SECTORS = ["vgz", "onderwijs", "jeugd", "sociale_zaken", "wonen", "ruimte", "sport", "mobiliteit",
           "integratie", "milieu", "zorg", "veiligheid", "anders"]
FACTORS = ["uniform_language", "good_relations", "clear_contribution", "concrete_plans", "key_persons",
           "resources", "clear_roles", "structural_consultation", "experiences"]
EXPECTED = (
    ["health_priority", "health_work", "segv_priority", "segv_work", "target_groups_considered"]
    + [f"{p}_tg_{g}" for p in ("health", "segv") for g in ("low_ses", "migrants", "deprived_districts", "other")]
    + [f"det_{d}" for d in ("low_income", "unemployment", "low_education", "housing", "working_conditions",
                            "social_exclusion", "lifestyle", "care_quality")]
    + ["collaborates"] + [f"partner_{s}" for s in SECTORS]
    + [f"ext_{e}" for e in ("ggd", "schools", "companies", "sports_clubs", "other")]
    + [f"way_{w}" for w in ("information", "separate_activities", "align_activities", "joint_activities", "common_goal")]
    + [f"pos_{f}" for f in FACTORS + ["common_interest"]]
    + [f"neg_{f}" for f in FACTORS + ["opposing_interest"]]
    + [f"pol_{i}" for i in range(1, 7)]
)


def test_every_design_item_is_in_the_codebook():
    assert sorted(CODEBOOK["items"]) == sorted(EXPECTED)


def test_every_item_has_question_labels_type_section_and_tables():
    for item_id, item in CODEBOOK["items"].items():
        assert item["question_nl"].strip(), item_id
        assert item["label"]["nl"] and item["label"]["en"], item_id
        assert item["type"] in CODEBOOK["value_sets"], item_id
        assert item["section"] in {"4.2", "4.3", "4.5", "5.1", "5.3", "6.1", "6.2"}, item_id
        assert "tables" in item, item_id


def test_factor_items_allow_dont_know_and_yes_no_items_do_not():
    book = Codebook.load()
    assert book.allowed("pos_resources") == ["yes", "dont_know", "no"]
    assert book.allowed("pol_3") == ["yes", "dont_know", "no"]
    assert book.allowed("health_work") == ["yes", "no"]


def test_asked_if_logic_follows_the_questionnaire():
    items = CODEBOOK["items"]
    assert items["target_groups_considered"]["asked_if"] == {"item": "health_work", "equals": "yes"}
    assert items["segv_tg_low_ses"]["asked_if"] == {"item": "segv_work", "equals": "yes"}
    for prefix in ("partner_", "ext_", "way_", "pos_", "neg_", "pol_"):
        for item_id in [i for i in items if i.startswith(prefix)]:
            assert items[item_id]["asked_if"] == {"item": "collaborates", "equals": "yes"}, item_id
    for item_id in ("health_priority", "health_work", "segv_priority", "segv_work", "collaborates", "det_lifestyle"):
        assert items[item_id]["asked_if"] is None


def test_political_factor_labels_are_marked_unknown_not_invented():
    for i in range(1, 7):
        item = CODEBOOK["items"][f"pol_{i}"]
        assert "UNKNOWN" in item["label_source"] or "label_candidates" in item
        assert "onbekend" in item["label"]["nl"]


def test_dutch_answer_spellings_map_to_canonical_codes():
    book = Codebook.load()
    for written, expected in [("Ja", "yes"), ("nee", "no"), ("Weet niet", "dont_know"), ("weet niet", "dont_know"),
                              (" JA ", "yes"), ("1", "yes"), (0.0, "no"), ("2", "dont_know")]:
        assert book.normalise("pos_resources", written) == expected
    assert book.normalise("health_work", "") is None
    with pytest.raises(KeyError):
        book.normalise("health_work", "Weet niet")  # yes/no items have no don't-know


def test_sector_names_and_aliases():
    book = Codebook.load()
    assert book.normalise_sector("Sociale zaken") == "sociale_zaken"
    assert book.normalise_sector("Volksgezondheid") == "vgz"
    assert book.normalise_sector("VGZ") == "vgz"
    with pytest.raises(KeyError):
        book.normalise_sector("kunst")


def test_rivm2009_wave_sent_matches_table_vi1():
    from igb.survey.wave import load_spec

    sent = load_spec("rivm2009").sent
    assert sent == {"vgz": 16, "onderwijs": 11, "jeugd": 14, "sociale_zaken": 12, "wonen": 12, "ruimte": 9, "sport": 16,
                    "mobiliteit": 6, "integratie": 9, "milieu": 13, "zorg": 13, "veiligheid": 12, "anders": 12}
    assert sum(sent.values()) == 155  # section 3.2


def test_unquoted_yes_in_yaml_is_refused():
    data = {"value_sets": {"yes_no": {True: {"code": 1, "nl": "Ja", "en": "Yes"}}}, "items": {}, "sectors": {}}
    with pytest.raises(ConfigError, match="quote"):
        Codebook.from_dict(data)


def test_labels_in_both_languages():
    book = Codebook.load()
    assert book.item_label("health_work", "nl") == "Werken aan gezondheid vanuit de eigen beleidssector"
    assert book.item_label("health_work", "en") == "Worked on health from own sector"
    assert book.value_label("pos_resources", "dont_know", "nl") == "Weet niet"
    with pytest.raises(ValueError, match="`lang` must be one of"):
        book.item_label("health_work", "de")
