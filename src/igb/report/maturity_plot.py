"""The evidence behind the maturity stages: municipalities x criteria, each cell the figure, coloured met or missed."""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from igb._checks import check_lang
from igb.analysis.tables import round_pct
from igb.report.figures import _unit_key
from igb.report.style import COLOUR_MAIN, COLOUR_MISSING, COLOUR_SECOND, finish, new_figure
from igb.text import t

MET, MISSED, UNKNOWN = 2, 1, 0
COLOURS = ListedColormap(["0.9", COLOUR_SECOND, COLOUR_MAIN])  # unknown, missed, met (colour-blind safe pair)
ROW_INCH = 0.38          # height per municipality row, inches
COL_INCH = 0.9           # width per criterion column, inches
MARGIN_INCH = 5.2        # room for the row labels (stage, range, provisional stage) and the legend, inches
EXTRA_INCH = 2.6         # room for title, headers and footnotes, inches
WRAP_HEADER = 13         # characters per line of a criterion header


def _row_label(s: pd.Series, m: str, lang: str) -> str:
    if pd.isna(s["stage"]):
        stage = t('maturity_plot.none', lang)
    else:
        stage = f"{t('maturity_plot.stage', lang)} {int(s['stage'])} {s['stage_name']}"
        if "stage_low" in s and pd.notna(s["stage_low"]) and pd.notna(s["stage_probability"]):
            low, high = int(s["stage_low"]), int(s["stage_high"])
            p = round_pct(100 * float(s["stage_probability"]))
            stage += f" ({low}–{high}, {p}%)" if low != high else f" ({low}, {p}%)"
        if "provisional_stage" in s and pd.notna(s["provisional_stage"]):
            stage += "; " + t('maturity_plot.provisional', lang, stage=int(s["provisional_stage"]))
    n = "—" if pd.isna(s["respondents"]) else s["respondents"]  # hidden by the privacy rule
    return f"{t('maturity_plot.municipality', lang)} {m} (n = {n}): {stage}"


def evidence_heatmap(stages: pd.DataFrame, evidence: pd.DataFrame, *, lang: str = "nl", synthetic: bool = False) -> Figure:
    """Municipalities (rows, with their stage, its range and a provisional stage) x criteria (columns): the figure,
    coloured met / missed / unknown; hatched where a proxy decides, framed where a document does."""
    check_lang(lang)
    criteria = list(dict.fromkeys(evidence["criterion"]))
    labels = evidence.drop_duplicates("criterion").set_index("criterion")["label"]
    municipalities = sorted(stages["municipality"].astype(str), key=_unit_key)
    cell = evidence.assign(municipality=evidence["municipality"].astype(str)).set_index(["municipality", "criterion"])
    status = np.full((len(municipalities), len(criteria)), UNKNOWN)
    values = np.full(status.shape, np.nan)
    source = np.full(status.shape, "", dtype=object)
    for i, m in enumerate(municipalities):
        for j, c in enumerate(criteria):
            row = cell.loc[(m, c)]
            values[i, j] = row["value"]
            status[i, j] = UNKNOWN if row["met"] is None or pd.isna(row["met"]) else (MET if row["met"] else MISSED)
            source[i, j] = row.get("source") if isinstance(row.get("source"), str) else ""
    stage_of = stages.set_index(stages["municipality"].astype(str))
    row_labels = [_row_label(stage_of.loc[m], m, lang) for m in municipalities]
    fig, ax = new_figure(MARGIN_INCH + COL_INCH * len(criteria), EXTRA_INCH + ROW_INCH * len(municipalities))
    ax.imshow(status, cmap=COLOURS, vmin=0, vmax=2, aspect="auto")
    for i in range(status.shape[0]):
        for j in range(status.shape[1]):
            if status[i, j] == UNKNOWN:  # too few respondents: their answers are not shown (privacy)
                ax.text(j, i, "—", ha="center", va="center", fontsize=8, color="black")
                continue
            if source[i, j] == "proxy":
                ax.add_patch(Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, hatch="///", edgecolor="white",
                                       linewidth=0, alpha=0.55))
            if source[i, j] == "document":
                ax.add_patch(Rectangle((j - 0.45, i - 0.45), 0.9, 0.9, fill=False, edgecolor="black", linewidth=1.6))
                ax.text(j, i, "doc", ha="center", va="center", fontsize=8, color="white", fontweight="bold")
            else:  # judged; the figure itself may be hidden (complementary suppression in the tables)
                shown = "—" if np.isnan(values[i, j]) else f"{values[i, j]:.0f}"
                ax.text(j, i, shown, ha="center", va="center", fontsize=8, color="white", fontweight="bold")
    ax.set_xticks(range(len(criteria)), [f"{c}\n" + textwrap.fill(labels[c], WRAP_HEADER) for c in criteria],
                  fontsize=7, rotation=0)
    ax.xaxis.tick_top()
    ax.set_yticks(range(len(municipalities)), row_labels, fontsize=8)
    ax.set_xticks(np.arange(-0.5, len(criteria)), minor=True)
    ax.set_yticks(np.arange(-0.5, len(municipalities)), minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.grid(which="major", visible=False)
    ax.tick_params(which="both", length=0)
    ax.legend(handles=[Patch(color=COLOUR_MAIN, label=t('maturity_plot.met', lang)), Patch(color=COLOUR_SECOND, label=t('maturity_plot.missed', lang)),
                       Patch(facecolor="0.9", edgecolor=COLOUR_MISSING, label=t('maturity_plot.unknown', lang)),
                       Patch(facecolor=COLOUR_MAIN, hatch="///", edgecolor="white", label=t('maturity_plot.proxy', lang)),
                       Patch(facecolor=COLOUR_MAIN, edgecolor="black", linewidth=1.6, label=t('maturity_plot.document', lang))],
              loc="upper left", bbox_to_anchor=(0, -0.02), ncol=5, frameon=False, fontsize=8)
    fig = finish(fig, t('maturity_plot.title', lang), lang=lang, synthetic=synthetic,
                  notes=[t('maturity_plot.note', lang), t('maturity_plot.note_evidence', lang), t('maturity_plot.note_range', lang)])
    rows = [t("maturity_plot.alt_row", lang, row=row_labels[i], met=int((status[i] == MET).sum()),
              missed=int((status[i] == MISSED).sum()), unknown=int((status[i] == UNKNOWN).sum()))
            for i in range(len(municipalities))]  # the figure in words, for its alt text: the same rows and cells
    fig.igb_alt = f"{t('maturity_plot.title', lang)}. " + "; ".join(rows) + "."
    return fig
