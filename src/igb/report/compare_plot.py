"""Forest plot of the differences between two waves, with their intervals."""

from __future__ import annotations

import textwrap

import pandas as pd
from matplotlib.figure import Figure

from igb._checks import check_lang
from igb.analysis.compare_waves import forest_data
from igb.report.style import COLOUR_MAIN, finish, new_figure
from igb.text import t, texts

ROW_INCH = 0.36   # height per item, inches
WRAP = 45         # characters per line of an item label


def forest(diff: pd.DataFrame, *, baseline: str, current: str, codebook, table: str = "4.1", unit_type: str = "all",
           lang: str = "nl", synthetic: bool = False) -> Figure:
    """Each item's difference as a dot with its interval; zero marked."""
    check_lang(lang)
    rows = forest_data(diff, table=table, unit_type=unit_type)
    fig, ax = new_figure(9.0, 1.8 + ROW_INCH * max(len(rows), 1))
    ax.axvline(0, color="0.4", linewidth=1)
    for r in rows.itertuples():
        ax.plot([r.ci_low, r.ci_high], [r.y, r.y], color="0.6", linewidth=2.5, solid_capstyle="round")
        ax.plot([r.difference], [r.y], "o", color=COLOUR_MAIN, markersize=7)
    ax.set_yticks(rows["y"], [textwrap.fill(codebook.item_label(i, lang), WRAP) for i in rows["item"]], fontsize=8)
    ax.set_xlabel(t('compare.axis', lang))
    return finish(fig, t('compare.title', lang, topic=texts('compare.topic', lang).get(table, table), current=current, baseline=baseline), lang=lang, synthetic=synthetic)
