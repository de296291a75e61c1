"""The municipality report's figure describes itself in words: its own shares and the others' median."""

import pandas as pd

from igb.analysis.tables import round_pct
from igb.report import context
from igb.report import municipality as report


def test_the_key_figures_plot_says_its_numbers():
    ctx = context.load("rivm2009", lang="nl")  # SYNTHETIC reconstruction
    fig = report.key_figures_plot(report.view(ctx, "3"))
    respondents = ctx.respondents
    own = respondents[respondents["municipality"].astype(str) == "3"]
    share = round_pct(100 * (own["health_work"] == "yes").mean())  # computed here, from the respondents
    others = [100 * (g["health_work"] == "yes").mean() for m, g in respondents.groupby("municipality", observed=True)
              if str(m) != "3"]
    label = ctx.codebook.item_label("health_work", "nl")
    assert f"{label} {share}% (mediaan andere gemeenten {round_pct(pd.Series(others).median())}%)" in fig.igb_alt
    assert fig.igb_alt.startswith("Gemeente 3 naast de andere gemeenten: ")
    assert "SYNTHETISCHE" in fig.igb_alt


def test_the_maturity_figure_says_each_municipality_in_words():
    from igb.report import maturity_plot

    ctx = context.load("rivm2009", lang="en")  # SYNTHETIC reconstruction
    stages, evidence = ctx.stages()
    fig = maturity_plot.evidence_heatmap(stages, evidence, lang="en", synthetic=True)
    for municipality, rows in evidence.groupby(evidence["municipality"].astype(str)):
        met = int((rows["met"] == True).sum())  # noqa: E712  (None = cannot be judged)
        missed = int((rows["met"] == False).sum())  # noqa: E712
        assert f"Municipality {municipality} (n = " in fig.igb_alt
        assert f": {met} criteria met, {missed} missed, {len(rows) - met - missed} not assessable" in fig.igb_alt
