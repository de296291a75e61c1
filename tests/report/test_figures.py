"""The report's figures show the numbers of the respondents, in order, in both languages, and mark blanks."""

from __future__ import annotations

from fractions import Fraction
from math import floor

import matplotlib as mpl
import pandas as pd
import pytest
from matplotlib.text import Text

from igb.analysis.tables import report_tables
from igb.config import paths
from igb.report import figures as F
from igb.report.context import of_tables
from igb.survey.codebook import Codebook
from igb.pipeline import prepare
from igb.survey.processed import load_respondents
from igb.survey.recode import load_recode
from igb.survey.wave import load_spec

WAVE = "rivm2009"
SMALL = 5  # min_cell for the suppression tests: municipalities 1 (n = 4) and 16 (n = 1) are blanked
SYNTHETIC_NL = "SYNTHETISCHE gegevens, geen onderzoeksdata"
SYNTHETIC_EN = "SYNTHETIC data, not study data"

# every public figure, its options and the start of its English title
ALL_FIGURES = [
    (F.fig3_1_response, {}, "Figure 3.1 "),
    (F.fig4_1_sector_groups, {}, "Figure 4.1 "),
    (F.fig4_2_municipalities, {}, "Figure 4.2 "),
    (F.fig4_3_determinants, {}, "Figure 4.3 "),
    (F.fig4_4_entry_point, {"point": "1"}, "Figure 4.4 "),
    (F.fig4_4_entry_point, {"point": "3"}, "Figure 4.5 "),
    (F.fig5_1_vgz_partners, {}, "Figure 5.1 "),
    (F.fig5_2_ways, {}, "Figure 5.2 "),
    (F.fig6_diverging, {"table": "fig6.1"}, "Figure 6.1 "),
    (F.fig6_diverging, {"table": "fig6.4"}, "Figure 6.4 "),
    (F.fig6_diverging, {"table": "fig6.5"}, "Figure 6.5 "),
    (F.fig6_2_individual, {}, "Figure 6.2 "),
    (F.fig6_3_organisational, {}, "Figure 6.3 "),
    (F.fig6_6_political, {}, "Figure 6.6 "),
    (F.fig6_heatmap, {"table": "IX.2"}, "Table IX.2 "),  # no figure in the report: named after its table
]
FIGURE_IDS = [title.strip() for _, _, title in ALL_FIGURES]
DUTCH_WORDS = {"Figure": "Figuur", "Table": "Tabel"}


# --- fixtures and independent computations -------------------------------------------------------------
@pytest.fixture(scope="module")
def resp(tmp_path_factory):
    if (paths().processed(WAVE) / "respondents.parquet").exists():
        return load_respondents(WAVE)
    target, _ = prepare(WAVE, out=tmp_path_factory.mktemp("prepared") / "respondents.parquet")
    return pd.read_parquet(target)


@pytest.fixture(scope="module")
def tables(resp):
    return report_tables(resp, sent=load_spec(WAVE).sent)


@pytest.fixture(scope="module")
def small_tables(resp):
    return report_tables(resp, sent=load_spec(WAVE).sent, min_cell=SMALL)


@pytest.fixture(scope="module")
def codebook():
    return Codebook.load()


def yes_share(frame: pd.DataFrame, column: str, category: str = "yes") -> tuple[int, int]:
    """(count of `category`, number who answered) with plain pandas."""
    answers = frame[column].dropna().astype(str)
    return int((answers == category).sum()), len(answers)


def pct(count: int, n: int) -> float:
    return 100 * count / n


def printed(count: int, n: int) -> str:
    """The report's rounding (half up) computed exactly, independently of igb."""
    return f"{floor(Fraction(100 * count, n) + Fraction(1, 2))}%"


def texts(fig) -> list[str]:
    return [t.get_text() for t in fig.findobj(Text)]


def one_line(text: str) -> str:
    return " ".join(text.split())


def row_texts(ax, row: int) -> list[str]:
    """Annotations of heatmap row `row` (cell centres sit at row + 0.5), left to right."""
    found = [t for t in ax.texts if abs(t.get_position()[1] - (row + 0.5)) < 1e-9]
    return [t.get_text() for t in sorted(found, key=lambda t: t.get_position()[0])]


# --- values and order -----------------------------------------------------------------------------------
def test_fig4_3_bars_are_ordered_and_equal_the_respondents_percentages(resp, tables, codebook):
    fig = F.fig4_3_determinants(of_tables(tables))
    ax = fig.axes[0]
    bars = list(ax.containers[0])
    dets = [c for c in resp.columns if c.startswith("det_")]
    assert len(bars) == len(dets) == 8
    expected = {c: yes_share(resp, c) for c in dets}
    widths = [b.get_width() for b in bars]
    assert widths == sorted(widths, reverse=True)                      # highest first (at the top)
    assert ax.yaxis_inverted() or ax.get_ylim()[0] > ax.get_ylim()[1]  # first bar drawn at the top
    for bar in bars:
        count, n = expected[bar.get_gid()]
        assert bar.get_width() == pytest.approx(pct(count, n))
    labels = [t.get_text() for t in ax.texts]
    assert labels == [printed(*expected[b.get_gid()]) for b in bars]
    ticks = [one_line(t.get_text()) for t in ax.get_yticklabels()]
    assert ticks == [codebook.item_label(b.get_gid(), "nl") for b in bars]
    assert "n = 123" in fig.get_suptitle()


def test_fig3_1_counts_in_municipality_order(resp, tables):
    fig = F.fig3_1_response(of_tables(tables))
    ax = fig.axes[0]
    bars = list(ax.containers[0])
    assert [b.get_gid() for b in bars] == [str(m) for m in range(1, 17)]
    counts = resp.groupby("municipality", observed=True).size()
    assert [b.get_height() for b in bars] == [counts[b.get_gid()] for b in bars]
    assert [t.get_text() for t in ax.texts] == [str(counts[b.get_gid()]) for b in bars]
    assert f"n = {len(resp)}" in fig.get_suptitle()


def test_fig4_1_shows_only_the_three_groups_with_their_n(resp, tables):
    groups = load_recode()["sector_group"]["in_figure_4_1"]
    fig = F.fig4_1_sector_groups(of_tables(tables))
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert len(ticks) == len(groups) == 3
    by_gid = {p.get_gid(): p for c in ax.containers for p in c}
    for group, tick in zip(groups, ticks):
        members = resp[resp["sector_group"] == group]
        assert f"(n = {len(members)})" in tick
        for item, frame in (("health_work", members), ("segv_work", members),
                            ("target_groups_considered", members[members["health_work"] == "yes"])):
            assert by_gid[f"{group}/{item}"].get_height() == pytest.approx(pct(*yes_share(frame, item)))
    assert not any(gid.startswith(("veiligheid", "anders")) for gid in by_gid)


def test_fig4_2_bars_and_n_per_municipality(resp, tables):
    fig = F.fig4_2_municipalities(of_tables(tables))
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert len(ticks) == 17 and ticks[-1] == f"Alle gemeenten (n = {len(resp)})"
    assert ticks[6] == f"Gemeente 7 (n = {(resp['municipality'] == '7').sum()})"
    by_gid = {p.get_gid(): p for c in ax.containers for p in c}
    seven = resp[resp["municipality"] == "7"]
    assert by_gid["7/segv_work"].get_width() == pytest.approx(pct(*yes_share(seven, "segv_work")))
    # every label is the report's half-up rounding (5 of 8 = 62.5 -> 63%, where round() would give 62)
    def officers(unit):
        return resp if unit == "all" else resp[resp["municipality"] == unit]

    gids = [p.get_gid().split("/") for c in ax.containers for p in c]
    expected = [printed(*yes_share(officers(unit), item)) for unit, item in gids]
    assert [t.get_text() for t in ax.texts] == expected
    assert "63%" in [t.get_text() for t in ax.texts]


def test_fig4_2_suppressed_municipalities_keep_their_row_with_dashes(small_tables):
    ax = F.fig4_2_municipalities(of_tables(small_tables)).axes[0]
    labels = dict(zip((p.get_gid() for c in ax.containers for p in c), (t.get_text() for t in ax.texts)))
    for unit in ("1", "16"):
        assert labels[f"{unit}/health_work"] == labels[f"{unit}/segv_work"] == F.SUPPRESSED
    assert all(v.endswith("%") for k, v in labels.items() if k.split("/")[0] not in ("1", "16"))


def test_fig5_1_vgz_partners_against_the_respondents(resp, tables):
    fig = F.fig5_1_vgz_partners(of_tables(tables))
    ax = fig.axes[0]
    by_gid = {p.get_gid(): p for c in ax.containers for p in c}
    collaborators = resp[resp["collaborates"] == "yes"]
    vgz = collaborators[collaborators["sector"] == "vgz"]
    sectors = [g.removesuffix("/vgz_names") for g in by_gid if g.endswith("/vgz_names")]
    assert "vgz" not in sectors and len(sectors) == 12
    for s in sectors:
        assert by_gid[f"{s}/vgz_names"].get_width() == pytest.approx(pct(*yes_share(vgz, f"partner_{s}")))
        own = collaborators[collaborators["sector"] == s]
        assert by_gid[f"{s}/names_vgz"].get_width() == pytest.approx(pct(*yes_share(own, "partner_vgz")))
    first = [by_gid[f"{s}/vgz_names"].get_width() for s in sectors]
    assert first == sorted(first, reverse=True)


def test_fig5_2_ordered_with_n_of_collaborators(resp, tables):
    fig = F.fig5_2_ways(of_tables(tables))
    widths = [b.get_width() for b in fig.axes[0].containers[0]]
    assert len(widths) == 5 and widths == sorted(widths, reverse=True)
    assert f"n = {(resp['collaborates'] == 'yes').sum()}" in fig.get_suptitle()


@pytest.mark.parametrize("table", ["fig6.1", "fig6.4", "fig6.5"])
def test_diverging_segments_equal_the_table(tables, table):
    fig = F.fig6_diverging(of_tables(tables), table=table)
    ax = fig.axes[0]
    rows = tables[(tables["table"] == table)]
    share = {(r.item, r.category): float(r.pct) for r in rows.itertuples()}
    patches = {p.get_gid(): p for c in ax.containers for p in c}
    items = list(dict.fromkeys(rows["item"]))
    for item in items:
        yes, dk, no = (patches[f"{c}/{item}"] for c in ("yes", "dont_know", "no"))
        assert yes.get_width() == pytest.approx(share[(item, "yes")])
        assert no.get_width() == pytest.approx(share[(item, "no")])
        assert dk.get_x() == pytest.approx(-dk.get_width() / 2)        # don't know centred on zero
        assert yes.get_x() == pytest.approx(dk.get_width() / 2)        # yes right of it
        assert no.get_x() + no.get_width() == pytest.approx(-dk.get_width() / 2)  # no left of it
    order = sorted(items, key=lambda i: patches[f"yes/{i}"].get_y())
    assert [share[(i, "yes")] for i in order] == sorted((share[(i, "yes")] for i in order), reverse=True)
    assert "n = 98" in fig.get_suptitle()


def test_heatmap_cells_equal_the_respondents(resp, tables, codebook):
    fig = F.fig6_6_political(of_tables(tables))
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    row = ticks.index(f"Gemeente 7 (n = {((resp['municipality'] == '7') & (resp['collaborates'] == 'yes')).sum()})")
    columns = [one_line(t.get_text()) for t in ax.get_xticklabels()]
    items = {codebook.item_label(i, "nl"): i for i in resp.columns if i.startswith("pol_")}
    seven = resp[resp["municipality"] == "7"]
    assert row_texts(ax, row) == [printed(*yes_share(seven, items[c])) for c in columns]


def test_heatmap_figure_numbers_and_columns(tables):
    groups = load_recode()["positive_factor_group"]["groups"]
    individual = F.fig6_2_individual(of_tables(tables))
    assert individual.get_suptitle().startswith("Figuur 6.2")
    assert len(individual.axes[0].get_xticklabels()) == len(groups["individual"]["factors"])
    organisational = F.fig6_3_organisational(of_tables(tables, lang="en"))
    assert organisational.get_suptitle().startswith("Figure 6.3")
    assert len(organisational.axes[0].get_xticklabels()) == len(groups["organisational"]["factors"])
    assert F.fig6_6_political(of_tables(tables)).get_suptitle().startswith("Figuur 6.6")
    assert F.fig6_heatmap(of_tables(tables), table="IX.1").get_suptitle().startswith("Tabel IX.1")
    assert F.fig4_4_entry_point(of_tables(tables), point="3").get_suptitle().startswith("Figuur 4.5")


# --- language and synthetic note ------------------------------------------------------------------------
@pytest.mark.parametrize(("function", "kw", "title"), ALL_FIGURES, ids=FIGURE_IDS)
def test_titles_in_both_languages_and_the_synthetic_note(tables, function, kw, title):
    english = function(of_tables(tables, lang="en", synthetic=True), **kw)
    assert english.get_suptitle().startswith(title)
    assert any(SYNTHETIC_EN in t for t in texts(english))
    assert not any("Figuur" in t or "Gemeente" in t for t in texts(english))
    word, number = title.split(" ", 1)
    dutch = function(of_tables(tables), **kw)  # Dutch and not synthetic by default
    assert dutch.get_suptitle().startswith(f"{DUTCH_WORDS[word]} {number}")
    assert not any("SYNTHETI" in t for t in texts(dutch))


def test_dutch_synthetic_note_and_labels(tables):
    marked = F.fig6_diverging(of_tables(tables, synthetic=True))
    assert any(SYNTHETIC_NL in t for t in texts(marked))
    assert [t.get_text() for t in marked.axes[0].get_legend().get_texts()] == ["Nee", "Weet niet", "Ja"]


@pytest.mark.parametrize(("function", "kw", "title"), ALL_FIGURES, ids=FIGURE_IDS)
def test_invalid_language_is_refused(tables, function, kw, title):
    with pytest.raises(ValueError, match="lang"):
        function(of_tables(tables, lang="de"), **kw)


@pytest.mark.parametrize(("function", "kw", "match"), [
    (F.fig6_diverging, {"table": "IX.1"}, "table"),
    (F.fig6_heatmap, {"table": "fig6.1"}, "table"),
    (F.fig6_heatmap, {"items": ["pos_resources", "no_such_factor"]}, "items"),
    (F.fig4_4_entry_point, {"point": "2"}, "point"),
])
def test_invalid_options_are_refused(tables, function, kw, match):
    with pytest.raises(ValueError, match=match):
        function(of_tables(tables), **kw)


def test_a_frame_without_the_table_is_refused(tables):
    with pytest.raises(ValueError, match="fig4.3"):
        F.fig4_3_determinants(of_tables(tables[tables["table"] != "fig4.3"]))


# --- suppressed cells -----------------------------------------------------------------------------------
def test_suppressed_heatmap_cells_show_a_dash_not_a_number(small_tables):
    fig = F.fig4_4_entry_point(of_tables(small_tables), point="1")
    ax = fig.axes[0]
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    # not dropped, and their n hidden with their cells (n = 1 and 4 would say how many answered)
    assert "Gemeente 16 (n = —)" in ticks and "Gemeente 1 (n = —)" in ticks
    determinants = load_recode()["albeda_entry_point"]["points"]["1"]["determinants"]
    for label in ("Gemeente 16 (n = —)", "Gemeente 1 (n = —)"):
        assert row_texts(ax, ticks.index(label)) == [F.SUPPRESSED] * len(determinants)
    shown = row_texts(ax, ticks.index("Gemeente 7 (n = 12)"))
    assert all(t.endswith("%") for t in shown)
    assert any(t.startswith(F.SUPPRESSED + " = niet getoond") for t in texts(fig))


def test_suppressed_bars_show_a_dash(small_tables):
    fig = F.fig3_1_response(of_tables(small_tables))
    ax = fig.axes[0]
    labels = dict(zip((b.get_gid() for b in ax.containers[0]), (t.get_text() for t in ax.texts)))
    assert labels["16"] == F.SUPPRESSED and labels["1"] == F.SUPPRESSED
    assert labels["7"] == "12"
    assert len(labels) == 16                                         # no municipality dropped
    assert any(t.startswith(F.SUPPRESSED + " = ") for t in texts(fig))


def test_fully_suppressed_diverging_chart_has_dashes_and_no_numbers(resp):
    fig = F.fig6_diverging(of_tables(report_tables(resp, min_cell=99), lang="en"), table="fig6.4")
    ax = fig.axes[0]
    shown = [t.get_text() for t in ax.texts if t.get_text()]
    assert shown == [F.SUPPRESSED] * 10
    assert not any(p.get_visible() for c in ax.containers for p in c)


# --- save -----------------------------------------------------------------------------------------------
def test_save_writes_a_png_atomically(tables, tmp_path):
    fig = F.fig5_2_ways(of_tables(tables, lang="en", synthetic=True))
    target = tmp_path / "new" / "folder" / "fig5_2.png"
    assert F.save(fig, target) == target
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in target.parent.iterdir()] == ["fig5_2.png"]  # no temp file left
    with pytest.raises(ValueError, match="png"):
        F.save(fig, tmp_path / "fig.pdf")


def test_drawing_leaves_rcparams_alone(tables):
    before = dict(mpl.rcParams)
    F.fig4_3_determinants(of_tables(tables))
    assert dict(mpl.rcParams) == before
