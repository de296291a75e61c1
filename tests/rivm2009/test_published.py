"""The transcription of the published tables: shape, and an independent double entry of some tables.

The numbers below were typed again from the report (RIVM 270161002) for this test, separately from
data/published/, so a wrong digit in either shows up here.
"""

import pytest

from igb.rivm2009.published import TABLES, load

# Table VII.2 (appendix VII): per municipality, (pct, count) for health_priority, health_work,
# target_groups_considered, segv_priority, segv_work, and the Totaal column.
VII_2 = {
    "1": [(75, 3), (100, 4), (100, 4), (75, 4), (100, 4), 4],
    "2": [(86, 6), (100, 7), (86, 6), (86, 6), (72, 5), 7],
    "3": [(83, 5), (83, 5), (83, 5), (33, 2), (67, 4), 6],
    "4": [(63, 5), (63, 5), (80, 4), (75, 6), (75, 6), 8],
    "5": [(56, 5), (78, 7), (57, 4), (44, 4), (44, 4), 9],
    "6": [(43, 3), (71, 5), (40, 2), (43, 3), (43, 3), 7],
    "7": [(50, 6), (83, 10), (90, 9), (25, 3), (67, 8), 12],
    "8": [(36, 4), (82, 9), (67, 6), (18, 2), (55, 6), 11],
    "9": [(75, 6), (88, 7), (86, 6), (50, 4), (63, 5), 8],
    "10": [(40, 4), (80, 8), (63, 5), (30, 3), (60, 6), 10],
    "11": [(56, 5), (78, 7), (71, 5), (22, 2), (33, 3), 9],
    "12": [(50, 4), (63, 5), (80, 4), (63, 5), (38, 3), 8],
    "13": [(75, 6), (88, 7), (71, 5), (38, 3), (63, 5), 8],
    "14": [(75, 6), (88, 7), (75, 6), (50, 4), (63, 5), 8],
    "15": [(57, 6), (86, 6), (17, 1), (14, 1), (14, 1), 7],
    "16": [(100, 1), (100, 1), (100, 1), (100, 1), (100, 1), 1],
}
VII_2_ITEMS = ["health_priority", "health_work", "target_groups_considered", "segv_priority", "segv_work"]
# Table VIII.2: collaborates per municipality (pct, count, total); VIII.1 per sector.
VIII_2 = {"1": (100, 4, 4), "2": (86, 6, 7), "3": (100, 6, 6), "4": (100, 8, 8), "5": (44, 4, 9), "6": (57, 4, 7),
          "7": (75, 9, 12), "8": (73, 8, 11), "9": (88, 7, 8), "10": (80, 8, 10), "11": (78, 7, 9), "12": (88, 7, 8),
          "13": (88, 7, 8), "14": (88, 7, 8), "15": (71, 5, 7), "16": (100, 1, 1)}
VIII_1 = {"vgz": (100, 14, 14), "onderwijs": (75, 6, 8), "jeugd": (85, 11, 13), "sociale_zaken": (100, 8, 8),
          "wonen": (71, 5, 7), "ruimte": (63, 5, 8), "sport": (100, 10, 10), "mobiliteit": (75, 3, 4),
          "integratie": (63, 5, 8), "milieu": (40, 4, 10), "zorg": (91, 10, 11), "veiligheid": (80, 8, 10),
          "anders": (75, 9, 12)}
# Table VI.1: sent, received, pct.
VI_1 = {"vgz": (16, 14, 88), "onderwijs": (11, 8, 73), "jeugd": (14, 13, 93), "sociale_zaken": (12, 8, 67),
        "wonen": (12, 7, 58), "ruimte": (9, 8, 89), "sport": (16, 10, 63), "mobiliteit": (6, 4, 67),
        "integratie": (9, 8, 89), "milieu": (13, 10, 77), "zorg": (13, 11, 85), "veiligheid": (12, 10, 83),
        "anders": (12, 12, 100)}
# Figures 6.1 and 6.4: (yes, don't know, no) per factor, in the figures' bar order.
FIG_6_1 = {"pos_uniform_language": (42, 20, 38), "pos_common_interest": (92, 7, 1), "pos_good_relations": (92, 7, 1),
           "pos_clear_contribution": (81, 11, 8), "pos_concrete_plans": (55, 16, 29), "pos_key_persons": (76, 11, 13),
           "pos_resources": (57, 10, 33), "pos_clear_roles": (56, 12, 32), "pos_structural_consultation": (61, 6, 33),
           "pos_experiences": (87, 9, 4)}
FIG_6_4 = {"neg_uniform_language": (32, 14, 54), "neg_opposing_interest": (33, 11, 56), "neg_good_relations": (17, 9, 74),
           "neg_clear_contribution": (12, 9, 79), "neg_concrete_plans": (37, 13, 50), "neg_key_persons": (31, 16, 53),
           "neg_resources": (63, 8, 29), "neg_clear_roles": (44, 11, 45), "neg_structural_consultation": (39, 7, 54),
           "neg_experiences": (20, 11, 68)}
# Table 4.1 and 4.2.
T_4_1 = {"health_priority": (73, 59), "health_work": (100, 81), "segv_priority": (52, 42), "segv_work": (69, 56)}
T_4_2 = {"health_tg_low_ses": 74, "health_tg_migrants": 60, "health_tg_deprived_districts": 60, "health_tg_other": 26,
         "segv_tg_low_ses": 61, "segv_tg_migrants": 55, "segv_tg_deprived_districts": 60, "segv_tg_other": 25}


@pytest.fixture(scope="module")
def published():
    return load()


def cell(published, table, unit, item, category="yes"):
    m = published[(published.table == table) & (published.unit == unit) & (published.item == item) & (published.category == category)]
    assert len(m) == 1, (table, unit, item, category)
    return m.iloc[0]


def test_common_table_shape(published):
    assert list(published.columns[:9]) == ["table", "unit_type", "unit", "item", "category", "count", "n", "pct", "suppressed"]
    assert set(published["table"]) == set(TABLES)
    assert not published.duplicated(["table", "unit_type", "unit", "item", "category"]).any()


def test_double_entry_vii2(published):
    for unit, cells in VII_2.items():
        *answers, total = cells
        for item, (pct, count) in zip(VII_2_ITEMS, answers):
            c = cell(published, "VII.2", unit, item)
            assert (c["pct"], c["count"]) == (pct, count), (unit, item)
        assert cell(published, "VII.2", unit, "health_work")["n"] == total


def test_double_entry_viii(published):
    for unit, (pct, count, n) in VIII_2.items():
        c = cell(published, "VIII.2", unit, "collaborates")
        assert (c["pct"], c["count"], c["n"]) == (pct, count, n), unit
    for unit, (pct, count, n) in VIII_1.items():
        c = cell(published, "VIII.1", unit, "collaborates")
        assert (c["pct"], c["count"], c["n"]) == (pct, count, n), unit


def test_double_entry_vi1(published):
    for unit, (sent, received, pct) in VI_1.items():
        c = cell(published, "VI.1", unit, "response", "returned")
        assert (c["n"], c["count"], c["pct"]) == (sent, received, pct), unit


@pytest.mark.parametrize("table, values", [("fig6.1", FIG_6_1), ("fig6.4", FIG_6_4)])
def test_double_entry_figures(published, table, values):
    for item, triple in values.items():
        got = tuple(cell(published, table, "all", item, cat)["pct"] for cat in ("yes", "dont_know", "no"))
        assert got == triple, item


def test_double_entry_tables_4(published):
    for item, (count, pct) in T_4_1.items():
        c = cell(published, "4.1", "all", item)
        assert (c["count"], c["pct"], c["n"]) == (count, pct, 123)
    for item, pct in T_4_2.items():
        c = cell(published, "4.2", "all", item)
        assert c["pct"] == pct and c["n"] == (73 if item.startswith("health") else 69)


def test_column_sums_of_clean_tables(published):
    # VIII.2 and VIII.1 add up to 98 of 123; VI.1 to 123 of 155 (section 3.2, 5.1.1)
    for table in ("VIII.1", "VIII.2"):
        rows = published[(published.table == table) & (published.unit_type != "all")]
        assert rows["count"].sum() == 98 and rows["n"].sum() == 123
    vi = published[(published.table == "VI.1") & (published.unit_type == "sector")]
    assert vi["count"].sum() == 123 and vi["n"].sum() == 155


def test_interview_table_adds_up(published):
    t = published[(published.table == "3.1")]
    total = t[(t.unit == "all") & (t.category == "total")]["count"].iloc[0]
    assert total == 32
    by_sector = t[(t.unit != "all") & (t.category == "total")]["count"].sum()
    assert by_sector == 32


def test_datapackages_describe_every_column():
    import json

    from conftest import ROOT

    for folder in ("data/published", "data/raw/rivm2009"):
        package = json.loads((ROOT / folder / "datapackage.json").read_text())
        for resource in package["resources"]:
            header = (ROOT / folder / resource["path"]).read_text(encoding="utf-8").splitlines()[0].split(",")
            assert [f["name"] for f in resource["schema"]["fields"]] == header, resource["path"]
    assert "SYNTHETIC" in json.loads((ROOT / "data/raw/rivm2009/datapackage.json").read_text())["title"]
