"""Report tables: checked against the report's numbers and against plain pandas in the test."""

import pandas as pd
import pytest

from conftest import valid_rows, write_csv
from igb.analysis.tables import frequencies, report_tables, round_pct, suppress
from igb.report.labels import wide
from igb.survey.codebook import Codebook
from igb.survey.recode import load_recode, recode
from igb.survey.schema import validate_file


@pytest.fixture(scope="module")
def small():
    """A small wave made in the test: 4 municipalities x 5 sectors."""
    import tempfile
    from pathlib import Path

    rows = valid_rows(municipalities=("1", "2", "3", "4"), sectors=("vgz", "jeugd", "wonen", "sport", "milieu"), seed=11)
    with tempfile.TemporaryDirectory() as d:
        _, canonical = validate_file(write_csv(Path(d) / "r.csv", rows))
    return recode(canonical, wave="t", codebook=Codebook.load())


def test_round_half_up():
    assert round_pct(12.5) == 13 and round_pct(100 * 5 / 7) == 71 and round_pct(100 * 3 / 8) == 38


def test_conditional_denominators_match_plain_pandas(small):
    t = frequencies(small, ["target_groups_considered", "pos_resources", "health_work"], by="municipality",
                    categories=("yes", "dont_know"))
    for row in t.itertuples():
        group = small[small.municipality == row.unit]
        if row.item == "target_groups_considered":
            base = group[group.health_work == "yes"]
        elif row.item == "pos_resources":
            base = group[group.collaborates == "yes"]
        else:
            base = group
        assert row.n == len(base), row
        assert row.count == (base[row.item] == row.category).sum(), row


def test_with_total_adds_the_all_row(small):
    t = frequencies(small, ["collaborates"], by="sector", with_total=True)
    total = t[t.unit_type == "all"].iloc[0]
    assert total["count"] == (small.collaborates == "yes").sum() and total["n"] == len(small)


def test_min_cell_marks_and_keeps_cells(small):
    t = frequencies(small, ["health_work"], by="municipality", min_cell=6)
    assert len(t) == 4  # nothing dropped
    assert t["suppressed"].all() and t["count"].isna().all() and t["pct"].isna().all()
    t = frequencies(small, ["health_work"], by="municipality", min_cell=5)
    assert not t["suppressed"].any()


def test_suppress_uses_n_not_count():
    t = pd.DataFrame({"unit_type": ["all"] * 2, "unit": ["a", "b"], "item": ["x", "x"], "category": ["yes", "yes"],
                      "count": pd.array([0, 2], dtype="Int64"), "n": pd.array([10, 3], dtype="Int64"),
                      "pct": pd.array([0.0, 66.7], dtype="Float64")})
    out = suppress(t, 5)
    assert out["suppressed"].tolist() == [False, True]
    assert out.loc[0, "count"] == 0


def test_rivm2009_totals_are_the_reports(rivm2009_tables):
    t = rivm2009_tables
    # table 4.1 (n = 123): 73 (59%), 100 (81%), 52 (42%), 69 (56%)
    got = t[t.table == "4.1"].set_index("item")
    for item, (count, pct) in {"health_priority": (73, 59), "health_work": (100, 81),
                               "segv_priority": (52, 42), "segv_work": (69, 56)}.items():
        assert got.loc[item, "count"] == count and round_pct(got.loc[item, "pct"]) == pct and got.loc[item, "n"] == 123
    # table 4.2's denominators: 73 and 69
    tg = t[t.table == "4.2"].set_index("item")
    assert tg.loc["health_tg_low_ses", "n"] == 73 and tg.loc["segv_tg_low_ses", "n"] == 69
    # section 5.1: 98 collaborate; their factor questions have n = 98 (figure 6.1)
    assert t[(t.table == "VIII.2") & (t.unit_type == "all")]["count"].iloc[0] == 98
    assert (t[t.table == "fig6.1"]["n"] == 98).all()
    # figure 4.1's groups: n = 31, 41, 29 (section 4.2.2)
    groups = t[(t.table == "fig4.1") & (t.unit_type == "sector_group") & (t.item == "health_work")].set_index("unit")["n"]
    assert (groups["jeugd_onderwijs_sport"], groups["sociale_zaken_integratie_zorg"],
            groups["ruimte_wonen_milieu_mobiliteit"], groups["veiligheid"], groups["anders"]) == (31, 41, 29, 10, 12)
    # VI.1 with the wave's sent numbers: 123 of 155 = 79%
    total = t[(t.table == "VI.1") & (t.unit_type == "all")].iloc[0]
    assert (total["count"], total["n"], round_pct(total["pct"])) == (123, 155, 79)


def test_wide_prints_cells_like_the_report(rivm2009_tables):
    w = wide(rivm2009_tables[rivm2009_tables.table == "VIII.2"], lang="nl", codebook=Codebook.load(), recode=load_recode())
    assert w.loc["Gemeente 7"].iloc[0] == "75% (9)" and w.loc["Gemeente 7", "n"] == 12  # table VIII.2
    assert "Alle beleidsambtenaren" in w.index
    w = wide(rivm2009_tables[rivm2009_tables.table == "VIII.2"], lang="en", codebook=Codebook.load(), recode=load_recode())
    assert "All officers" in w.index


@pytest.fixture(scope="module")
def rivm2009_tables():
    from conftest import ROOT
    from igb.survey.wave import load_spec

    rows = pd.read_csv(ROOT / "data" / "raw" / "rivm2009" / "responses.csv", dtype=str, keep_default_na=False)
    _, canonical = validate_file(ROOT / "data" / "raw" / "rivm2009" / "responses.csv", spec=load_spec("rivm2009"))
    assert len(canonical) == len(rows)
    frame = recode(canonical, wave="rivm2009", codebook=Codebook.load())
    return report_tables(frame, sent=load_spec("rivm2009").sent)
