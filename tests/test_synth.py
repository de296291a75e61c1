"""Synthetic waves: seeded, follow the questionnaire, look like 2009 on average, scale to the whole country."""

import pandas as pd
import pytest

from igb import synth
from igb.survey.codebook import Codebook

BOOK = Codebook.load()


def test_same_seed_same_wave_other_seed_other_wave():
    a, b, c = synth.generate(5, seed=1), synth.generate(5, seed=1), synth.generate(5, seed=2)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_asked_if_logic_and_one_officer_per_sector():
    frame = synth.generate(30, seed=3)
    assert not frame.duplicated(["municipality", "sector"]).any()
    for item_id, item in BOOK.items.items():
        if item.asked_if:
            not_asked = frame[item.asked_if.item] != item.asked_if.equals
            assert frame.loc[not_asked, item_id].isna().all(), item_id
            assert frame.loc[~not_asked, item_id].notna().all(), item_id
        values = set(frame[item_id].dropna())
        assert values <= set(BOOK.allowed(item_id)), item_id
    assert ((frame.pos_resources == "yes") & (frame.pos_resources == "dont_know")).sum() == 0


def test_national_scale_wave_resembles_2009_on_average():
    frame = synth.generate(342, seed=4)
    assert frame.municipality.nunique() == 342
    assert 342 * 12 * 0.7 < len(frame) < 342 * 12 * 0.9          # about 12 questionnaires, 79% returned
    assert abs((frame.collaborates == "yes").mean() - 0.80) < 0.08  # table VIII.2: 80%
    assert abs((frame.health_work == "yes").mean() - 0.81) < 0.08    # table 4.1: 81%
    collab = frame[frame.collaborates == "yes"]
    assert (collab.neg_resources == "yes").mean() > (collab.neg_good_relations == "yes").mean()  # figure 6.4's order


def test_dependence_within_municipalities_and_respondents():
    frame = synth.generate(200, seed=5)
    # municipalities with a high share working on SEGV also collaborate more (shared municipal propensity)
    per = frame.groupby("municipality").agg(segv=("segv_work", lambda s: (s == "yes").mean()),
                                            collab=("collaborates", lambda s: (s == "yes").mean()))
    assert per.corr().loc["segv", "collab"] > 0.2
    # social sectors work more on health inequalities than physical ones (sector effects, footnote 19's claim)
    social = frame.sector.isin(["jeugd", "onderwijs", "sport", "sociale_zaken", "zorg", "integratie"])
    physical = frame.sector.isin(["ruimte", "wonen", "milieu", "mobiliteit", "veiligheid"])
    assert (frame[social].segv_work == "yes").mean() > (frame[physical].segv_work == "yes").mean()


@pytest.mark.parametrize("fmt", ["sav", "csv"])
def test_written_waves_read_back_through_the_real_path(tmp_path, fmt):
    import shutil

    from conftest import ROOT
    from igb.config import paths as make_paths
    from igb.pipeline import prepare

    shutil.copytree(ROOT / "params", tmp_path / "params")
    paths = make_paths(tmp_path)
    frame = synth.generate(4, seed=6, paths=paths)
    written = synth.write_wave(frame, "gen", fmt=fmt, paths=paths)
    assert written[0].suffix == f".{fmt}" and "synthetic: generated" in written[1].read_text()
    target, report = prepare("gen", paths=paths)
    assert report.ok and not report.errors
    back = pd.read_parquet(target)
    assert back["respondent_id"].tolist() == frame["respondent_id"].tolist()
    for item in ("health_work", "pos_resources", "pol_3"):
        assert back[item].astype(object).where(back[item].notna(), None).tolist() == \
            frame[item].astype(object).where(frame[item].notna(), None).tolist()
