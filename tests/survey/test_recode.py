"""Derived variables follow params/recode.yaml; group sizes reproduce figure 4.1's n."""

import pandas as pd
import yaml

from conftest import ROOT, valid_rows, write_csv
from igb.survey.codebook import Codebook
from igb.survey.recode import recode
from igb.survey.schema import validate_file

RECODE = yaml.safe_load((ROOT / "params" / "recode.yaml").read_text())
RECEIVED_2009 = {"vgz": 14, "onderwijs": 8, "jeugd": 13, "sociale_zaken": 8, "wonen": 7, "ruimte": 8, "sport": 10,
                 "mobiliteit": 4, "integratie": 8, "milieu": 10, "zorg": 11, "veiligheid": 10, "anders": 12}  # table VI.1


def test_vng_groups_reproduce_the_n_of_figure_4_1():
    groups = RECODE["sector_group"]["groups"]
    size = {g: sum(RECEIVED_2009[s] for s in d["sectors"]) for g, d in groups.items()}
    assert size["jeugd_onderwijs_sport"] == 31
    assert size["sociale_zaken_integratie_zorg"] == 41
    assert size["ruimte_wonen_milieu_mobiliteit"] == 29
    assert size["veiligheid"] == 10 and size["anders"] == 12


def test_every_sector_has_exactly_one_group_and_at_most_one_domain():
    sectors = set(RECEIVED_2009)
    grouped = [s for d in RECODE["sector_group"]["groups"].values() for s in d["sectors"]]
    assert sorted(grouped) == sorted(sectors)
    domains = [s for d in RECODE["domain"]["groups"].values() for s in d["sectors"]]
    assert len(domains) == len(set(domains))
    assert set(domains) | set(RECODE["domain"]["unclassified"]) == sectors
    # footnote 19 names these five as the physical sectors
    assert set(RECODE["domain"]["groups"]["physical"]["sectors"]) == {"ruimte", "wonen", "milieu", "mobiliteit", "veiligheid"}


def test_albeda_entry_point_2_was_not_asked():
    assert RECODE["albeda_entry_point"]["points"]["2"]["determinants"] == []


def test_recode_derives_groups_albeda_and_himmelman(tmp_path):
    rows = valid_rows(sectors=("vgz", "wonen", "anders"), seed=7)
    report, canonical = validate_file(write_csv(tmp_path / "r.csv", rows))
    out = recode(canonical, wave="t", codebook=Codebook.load())
    assert out["wave"].unique().tolist() == ["t"]
    assert out.loc[out.sector == "vgz", "sector_group"].unique().tolist() == ["sociale_zaken_integratie_zorg"]
    assert out.loc[out.sector == "wonen", "domain"].unique().tolist() == ["physical"]
    assert out.loc[out.sector == "anders", "domain"].isna().all()
    # albeda_1 computed directly from the Dutch answers
    for r, (_, o) in zip(rows, out.iterrows()):
        dets = [r[d] for d in ("det_low_income", "det_unemployment", "det_low_education")]
        expected = "yes" if "Ja" in dets else "no"
        assert o["albeda_1"] == expected
        ways = {"way_information": 1, "way_separate_activities": 1, "way_align_activities": 2,
                "way_joint_activities": 3, "way_common_goal": 4}
        levels = [lvl for w, lvl in ways.items() if r[w] == "Ja"]
        if r["collaborates"] == "Ja" and levels:
            assert o["himmelman_level"] == max(levels)
        else:
            assert pd.isna(o["himmelman_level"])


def test_items_are_categoricals_over_their_value_set(tmp_path, rows):
    _, canonical = validate_file(write_csv(tmp_path / "r.csv", rows))
    out = recode(canonical, wave="t", codebook=Codebook.load())
    assert list(out["pos_resources"].cat.categories) == ["yes", "dont_know", "no"]
    assert list(out["health_work"].cat.categories) == ["yes", "no"]
