"""The report's figures (chapters 3 to 6) re-drawn in Dutch or English from a wave's tables.

Each figure takes a `WaveContext` (`igb.report.context.load`, or `of_tables` for a tables frame of one's own) and
draws from what it holds: the suppressed tables, the codebook's and recode's labels, the language, whether the
wave is synthetic. It carries its numbers in words as `fig.igb_alt`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import FuncFormatter

from igb._checks import check_argument
from igb.analysis.tables import round_pct
from igb.report.labels import with_labels
from igb.report.style import (  # the visual grammar: palette, sizes, figure kit, save
    COLOUR_MAIN, COLOUR_SECOND, COLOUR_THIRD, COLOUR_DONT_KNOW, COLOUR_MISSING, CELL_GAP, HEATMAP_CMAP,
    ANNOT_SIZE, BELOW_BARS, HATCH, BLANK_BOX, SUPPRESSED, WRAP_GROUP, WRAP_HEADER, WRAP_LEGEND, PCT_MAX,
    LABEL_ROOM, PCT_TICK, LABEL_PAD, MIN_SEGMENT_LABEL, BAR_THICKNESS, GROUP_THICKNESS, ROW_INCH, GROUP_ROW_INCH,
    HEATMAP_ROW_INCH, HEATMAP_COL_INCH, HEATMAP_MARGIN_INCH, HEATMAP_HEADER_INCH, HEATMAP_MIN_WIDTH,
    FIG3_1_HEIGHT, FIG4_1_HEIGHT, DIVERGING_EXTRA_WIDTH, LEGEND_ROW_INCH, SEPARATOR_WIDTH, FIG_WIDTH, EXTRA_INCH,
    finish, legend_above, new_figure, pct_axis, save, styled, text_colour, wrap,
)
from igb.text import label, t

if TYPE_CHECKING:  # figures read a context's tables, labels and language; they never load a wave themselves
    from igb.report.context import WaveContext

# `save` is imported for the notebooks, which write a figure with figures.save(fig, path).


DIVERGING_TABLES = {"fig6.1": "6.1", "fig6.4": "6.4", "fig6.5": "6.5"}  # table -> report figure
DIVERGING_CATEGORIES = ("yes", "dont_know", "no")
HEATMAP_TABLES = ("IX.1", "IX.2", "IX.3")
ENTRY_POINT_FIGURES = {"1": "4.4", "3": "4.5"}  # Albeda entry point -> report figure
FIG4_2_ITEMS = ("health_work", "segv_work")
FIG4_1_ITEMS = ("health_work", "segv_work", "target_groups_considered")
VGZ = "vgz"
PARTNER_PREFIX = "partner_"


# --- Helpers ------------------------------------------------------------------------------------------




def _rows(tables: pd.DataFrame, table: str, *, unit_type: str | None = None, category: str | None = "yes") -> pd.DataFrame:
    """The rows of one table (optionally one unit type and category); ValueError when there are none."""
    if "table" not in getattr(tables, "columns", ()):
        raise ValueError("`tables` must be the frame of igb.analysis.tables.report_tables (it has no `table` column)")
    sub = tables[tables["table"] == table]
    if unit_type is not None:
        sub = sub[sub["unit_type"] == unit_type]
    if category is not None:
        sub = sub[sub["category"] == category]
    if sub.empty:
        what = f"table {table!r}" + (f", unit_type {unit_type!r}" if unit_type else "") + (f", category {category!r}" if category else "")
        raise ValueError(f"The tables frame has no rows for {what}; build it with igb.analysis.tables.report_tables")
    return sub


def _value(row, column: str = "pct") -> float:
    """The cell's value, or NaN when it is suppressed or empty (drawn as a blank with the mark —)."""
    if bool(row["suppressed"]) or pd.isna(row[column]):
        return float("nan")
    return float(row[column])


def _pct_label(value: float) -> str:
    return SUPPRESSED if np.isnan(value) else f"{round_pct(value)}%"


def _count_label(value: float) -> str:
    return SUPPRESSED if np.isnan(value) else f"{int(value)}"


def _n_text(n) -> str:
    return f"n = {SUPPRESSED}" if pd.isna(n) else f"n = {int(n)}"  # hidden by the privacy rule


def _unit_key(unit: str):
    """Municipalities in numeric order (1..16) as the report lists them; the all-officers row last."""
    unit = str(unit)
    if unit == "all":
        return (2, 0, unit)
    return (0, int(unit), unit) if unit.isdigit() else (1, 0, unit)


def _item_labels(rows: pd.DataFrame, ctx: WaveContext) -> dict[str, str]:
    labelled = with_labels(rows.drop_duplicates("item"), lang=ctx.lang, codebook=ctx.codebook, recode=ctx.recode)
    return dict(zip(labelled["item"], labelled["item_label"]))


def _unit_label(unit: str, n, lang: str) -> str:
    name = t('figures.all_municipalities', lang) if unit == "all" else f"{t('figures.municipality', lang)} {unit}"
    return f"{name} ({_n_text(n)})"


def _alt_pct(value: float, lang: str) -> str:
    """A percentage as the alt text says it: '83%', or 'niet getoond' for a suppressed cell."""
    return t('figures.alt.not_shown', lang) if np.isnan(value) else f"{round_pct(value)}%"


def _alt_count(value: float, lang: str) -> str:
    return t('figures.alt.not_shown', lang) if np.isnan(value) else f"{int(value)}"


def _described(fig: Figure, parts: list[str], *, lang: str, synthetic: bool) -> Figure:
    """Attach the figure's text alternative (`fig.igb_alt`, written into its PNG by `save`): its title, then
    each plotted value in words, from the same numbers the bars and cells are drawn from."""
    title = " ".join(fig._suptitle.get_text().split()) if fig._suptitle is not None else ""
    words = [title.rstrip(".") + "." if title else "", "; ".join(" ".join(p.split()) for p in parts) + "." if parts else ""]
    if synthetic:
        words.append(t('figures.footer.synthetic', lang) + ".")
    fig.igb_alt = " ".join(w for w in words if w)
    return fig


def _title(number: str, key: str, lang: str, *, word: str = "figures.figure", suffix: str = "", **fmt) -> str:
    return f"{t(word, lang)} {number} {t(f'figures.title.{key}', lang, **fmt)}{suffix}"








def _bars(ax, positions, values, *, horizontal: bool, thickness: float, colour, label=None, gids=None,
          fmt=_pct_label, blank_length: float = PCT_MAX):
    """Bars with their value at the end; a NaN value becomes a hatched blank with the mark —."""
    values = np.asarray(values, dtype=float)
    sizes = np.nan_to_num(values, nan=0.0)
    draw = ax.barh if horizontal else ax.bar
    container = draw(positions, sizes, thickness, color=colour, label=label)
    for patch, gid in zip(container.patches, gids or []):
        patch.set_gid(gid)
    for pos, value in zip(positions, values):
        if np.isnan(value):
            xy = (0, pos - thickness / 2) if horizontal else (pos - thickness / 2, 0)
            size = (blank_length, thickness) if horizontal else (thickness, blank_length)
            ax.add_patch(Rectangle(xy, *size, fill=False, hatch=HATCH, edgecolor=COLOUR_MISSING, linewidth=0))
    texts = ax.bar_label(container, labels=[fmt(v) for v in values], padding=LABEL_PAD, fontsize=ANNOT_SIZE)
    for text, value in zip(texts, values):
        if np.isnan(value):
            text.set_bbox(BLANK_BOX)
    return container






def _matrix(rows: pd.DataFrame, items: list[str]) -> tuple[list[str], np.ndarray, dict[str, object]]:
    """Units (numeric order, all last) x items of yes percentages (NaN = blank) and each unit's n."""
    units = sorted(rows["unit"].astype(str).unique(), key=_unit_key)
    cells = {(str(r["unit"]), r["item"]): _value(r) for _, r in rows.iterrows()}
    values = np.array([[cells.get((u, i), np.nan) for i in items] for u in units], dtype=float)
    n = rows.assign(unit=rows["unit"].astype(str)).groupby("unit")["n"].max()
    return units, values, n.to_dict()


def _heatmap(ax, values: np.ndarray, row_labels, col_labels, *, lang: str) -> bool:
    """Annotated heatmap of percentages; blank cells hatched with —. Returns whether any cell is blank."""
    mask = np.isnan(values)
    annot = np.array([[_pct_label(v) for v in row] for row in values], dtype=object)
    frame = pd.DataFrame(values, index=row_labels, columns=[wrap(c, WRAP_HEADER) for c in col_labels])
    sns.heatmap(frame, ax=ax, mask=mask, annot=annot, fmt="", vmin=0, vmax=PCT_MAX, cmap=HEATMAP_CMAP,
                linewidths=CELL_GAP, linecolor="white", annot_kws={"fontsize": ANNOT_SIZE},
                cbar_kws={"label": t('figures.pct_yes', lang), "shrink": 0.6, "format": FuncFormatter(lambda v, _: f"{v:.0f}%")})
    for i, j in zip(*np.nonzero(mask)):
        ax.add_patch(Rectangle((j, i), 1, 1, fill=False, hatch=HATCH, edgecolor=COLOUR_MISSING, linewidth=0))
        ax.text(j + 0.5, i + 0.5, SUPPRESSED, ha="center", va="center", fontsize=ANNOT_SIZE, color="black",
                bbox=BLANK_BOX)
    ax.grid(False)
    ax.xaxis.tick_top()
    ax.tick_params(axis="x", rotation=0, length=0)
    ax.tick_params(axis="y", rotation=0, length=0)
    ax.set_xlabel("")
    ax.set_ylabel("")
    return bool(mask.any())


def _municipality_heatmap(ctx: WaveContext, table: str, items: list[str], title: str) -> Figure:
    lang, synthetic = ctx.lang, ctx.synthetic
    rows = _rows(ctx.tables, table)
    rows = rows[rows["unit_type"].isin(["municipality", "all"]) & rows["item"].isin(items)]
    units, values, n = _matrix(rows, items)
    if "all" in units:  # columns ordered by the all-officers percentage, highest first
        total = values[units.index("all")]
        order = sorted(range(len(items)), key=lambda j: -np.nan_to_num(total[j], nan=-1))
        items, values = [items[j] for j in order], values[:, order]
    labels = _item_labels(rows, ctx)
    width = max(HEATMAP_MIN_WIDTH, len(items) * HEATMAP_COL_INCH + HEATMAP_MARGIN_INCH)
    fig, ax = new_figure(width, len(units) * HEATMAP_ROW_INCH + EXTRA_INCH + HEATMAP_HEADER_INCH)
    blank = _heatmap(ax, values, [_unit_label(u, n.get(u), lang) for u in units],
                     [labels[i] for i in items], lang=lang)
    if "all" in units and len(units) > 1:
        ax.axhline(units.index("all"), color="black", linewidth=SEPARATOR_WIDTH)
    parts = [f"{_unit_label(u, n.get(u), lang)}: " + ", ".join(f"{labels[i]} {_alt_pct(values[r, j], lang)}"
                                                               for j, i in enumerate(items))
             for r, u in enumerate(units)]
    return _described(finish(fig, title, lang=lang, synthetic=synthetic, any_blank=blank), parts, lang=lang,
                      synthetic=synthetic)


# --- Figures ------------------------------------------------------------------------------------------
@styled
def fig3_1_response(ctx: WaveContext) -> Figure:
    """Figure 3.1: questionnaires returned per municipality (bars in numeric order, counts on the bars)."""
    tables, lang, synthetic = ctx.tables, ctx.lang, ctx.synthetic
    rows = _rows(tables, "fig3.1", unit_type="municipality", category="returned")
    rows = rows.assign(unit=rows["unit"].astype(str)).sort_values("unit", key=lambda s: s.map(_unit_key))
    counts = np.array([_value(r, "count") for _, r in rows.iterrows()])
    total = None
    if "VI.1" in set(tables["table"]):
        everyone = tables[(tables["table"] == "VI.1") & (tables["unit_type"] == "all")]
        if len(everyone) and not bool(everyone["suppressed"].iloc[0]):
            total = int(everyone["count"].iloc[0])
    if total is None and not np.isnan(counts).any():
        total = int(counts.sum())
    fig, ax = new_figure(FIG_WIDTH, FIG3_1_HEIGHT)
    top = np.nanmax(counts) if np.isfinite(counts).any() else 1
    x = np.arange(len(rows))
    _bars(ax, x, counts, horizontal=False, thickness=BAR_THICKNESS, colour=COLOUR_MAIN, fmt=_count_label,
          gids=list(rows["unit"]), blank_length=top)
    ax.set_xticks(x, list(rows["unit"]))
    ax.set_xlabel(t('figures.municipality', lang))
    ax.set_ylabel(t('figures.returned', lang))
    ax.set_ylim(0, top * LABEL_ROOM)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="x", visible=False)
    suffix = f" ({_n_text(total)})" if total is not None else ""
    parts = [f"{t('figures.municipality', lang)} {u}: {_alt_count(c, lang)}" for u, c in zip(rows["unit"], counts)]
    return _described(finish(fig, _title("3.1", "3.1", lang, suffix=suffix), lang=lang, synthetic=synthetic,
                             any_blank=bool(np.isnan(counts).any())), parts, lang=lang, synthetic=synthetic)


@styled
def fig4_1_sector_groups(ctx: WaveContext) -> Figure:
    """Figure 4.1: % working on health, on health inequalities and considering target groups, per VNG sector group."""
    tables, lang, synthetic, recode = ctx.tables, ctx.lang, ctx.synthetic, ctx.recode
    groups = list(recode["sector_group"]["in_figure_4_1"])
    rows = _rows(tables, "fig4.1", unit_type="sector_group")
    rows = rows[rows["unit"].isin(groups) & rows["item"].isin(FIG4_1_ITEMS)]
    cells = {(r["unit"], r["item"]): r for _, r in rows.iterrows()}
    labels = _item_labels(rows, ctx)
    group_n = {g: cells[(g, FIG4_1_ITEMS[0])]["n"] if (g, FIG4_1_ITEMS[0]) in cells else pd.NA for g in groups}
    fig, ax = new_figure(FIG_WIDTH, FIG4_1_HEIGHT)
    x = np.arange(len(groups))
    width = GROUP_THICKNESS / len(FIG4_1_ITEMS)
    blank = False
    plotted = {}
    for k, (item, colour) in enumerate(zip(FIG4_1_ITEMS, (COLOUR_MAIN, COLOUR_SECOND, COLOUR_THIRD))):
        values = [_value(cells[(g, item)]) if (g, item) in cells else np.nan for g in groups]
        plotted[item] = values
        blank |= bool(np.isnan(values).any())
        mark = "¹" if item == "target_groups_considered" else ""
        _bars(ax, x + (k - (len(FIG4_1_ITEMS) - 1) / 2) * width, values, horizontal=False, thickness=width,
              colour=colour, label=wrap(labels.get(item, item) + mark, WRAP_LEGEND),
              gids=[f"{g}/{item}" for g in groups])
    names = {g: label(d["label"], lang) for g, d in recode["sector_group"]["groups"].items()}
    ax.set_xticks(x, [f"{wrap(names[g], WRAP_GROUP)}\n({_n_text(group_n[g])})" for g in groups])
    ax.set_ylim(0, PCT_MAX * LABEL_ROOM)
    pct_axis(ax.yaxis)
    ax.set_ylabel(t('figures.pct_officers', lang))
    ax.grid(axis="x", visible=False)
    legend_above(ax)
    notes = ["¹ " + t('figures.tg_note', lang), t('figures.groups_note', lang)]
    parts = [f"{names[g]} ({_n_text(group_n[g])}): " + ", ".join(f"{labels.get(i, i)} {_alt_pct(plotted[i][k], lang)}"
                                                                 for i in FIG4_1_ITEMS)
             for k, g in enumerate(groups)]
    return _described(finish(fig, _title("4.1", "4.1", lang), lang=lang, synthetic=synthetic, notes=notes,
                             any_blank=blank), parts, lang=lang, synthetic=synthetic)


@styled
def fig4_2_municipalities(ctx: WaveContext) -> Figure:
    """Figure 4.2 (table VII.2): % working on health and on health inequalities per municipality."""
    tables, lang, synthetic = ctx.tables, ctx.lang, ctx.synthetic
    rows = _rows(tables, "VII.2")
    rows = rows[rows["unit_type"].isin(["municipality", "all"]) & rows["item"].isin(FIG4_2_ITEMS)]
    units, values, n = _matrix(rows, list(FIG4_2_ITEMS))
    labels = _item_labels(rows, ctx)
    fig, ax = new_figure(FIG_WIDTH, len(units) * GROUP_ROW_INCH + EXTRA_INCH)
    y = np.arange(len(units))
    width = GROUP_THICKNESS / len(FIG4_2_ITEMS)
    for k, (item, colour) in enumerate(zip(FIG4_2_ITEMS, (COLOUR_MAIN, COLOUR_SECOND))):
        _bars(ax, y + (k - (len(FIG4_2_ITEMS) - 1) / 2) * width, values[:, k], horizontal=True, thickness=width,
              colour=colour, label=wrap(labels.get(item, item), WRAP_LEGEND), gids=[f"{u}/{item}" for u in units])
    ax.set_yticks(y, [_unit_label(u, n.get(u), lang) for u in units])
    ax.set_ylim(len(units) - 0.5, -0.5)  # municipality 1 at the top, all municipalities at the bottom
    if "all" in units and len(units) > 1:
        ax.axhline(units.index("all") - 0.5, color="black", linewidth=SEPARATOR_WIDTH)
    ax.set_xlim(0, PCT_MAX * LABEL_ROOM)
    pct_axis(ax.xaxis)
    ax.set_xlabel(t('figures.pct_officers', lang))
    ax.grid(axis="y", visible=False)
    legend_above(ax)
    parts = [f"{_unit_label(u, n.get(u), lang)}: " + ", ".join(f"{labels.get(i, i)} {_alt_pct(values[r, k], lang)}"
                                                               for k, i in enumerate(FIG4_2_ITEMS))
             for r, u in enumerate(units)]
    return _described(finish(fig, _title("4.2", "4.2", lang), lang=lang, synthetic=synthetic,
                             any_blank=bool(np.isnan(values).any())), parts, lang=lang, synthetic=synthetic)


def _ordered_hbars(ctx: WaveContext, table: str, number: str, *, who: str) -> Figure:
    """One horizontal bar per item of an all-officers table, highest first; n in the title."""
    lang, synthetic = ctx.lang, ctx.synthetic
    rows = _rows(ctx.tables, table)
    rows = rows[rows["unit_type"] == "all"].copy()
    rows["value"] = [_value(r) for _, r in rows.iterrows()]
    rows = rows.sort_values("value", ascending=False, na_position="last", kind="stable")
    labels = _item_labels(rows, ctx)
    fig, ax = new_figure(FIG_WIDTH, len(rows) * ROW_INCH + EXTRA_INCH)
    y = np.arange(len(rows))
    _bars(ax, y, rows["value"], horizontal=True, thickness=BAR_THICKNESS, colour=COLOUR_MAIN, gids=list(rows["item"]))
    ax.set_yticks(y, [wrap(labels[i]) for i in rows["item"]])
    ax.set_ylim(len(rows) - 0.5, -0.5)  # highest at the top
    ax.set_xlim(0, PCT_MAX * LABEL_ROOM)
    pct_axis(ax.xaxis)
    ax.set_xlabel(f"% {t(f'figures.{who}', lang)}")
    ax.grid(axis="y", visible=False)
    n = rows["n"].max()
    title = _title(number, number, lang, suffix=f" ({_n_text(n)} {t(f'figures.{who}', lang)})")
    parts = [f"{labels[i]}: {_alt_pct(v, lang)}" for i, v in zip(rows["item"], rows["value"].astype(float))]
    return _described(finish(fig, title, lang=lang, synthetic=synthetic, any_blank=bool(rows["value"].isna().any())),
                      parts, lang=lang, synthetic=synthetic)


@styled
def fig4_3_determinants(ctx: WaveContext) -> Figure:
    """Figure 4.3: % of all officers working on each of the eight determinants, highest first."""
    return _ordered_hbars(ctx, "fig4.3", "4.3", who="officers")


@styled
def fig4_4_entry_point(ctx: WaveContext, *, point: str = "1") -> Figure:
    """Figures 4.4 (point "1") and 4.5 (point "3"): municipalities x the entry point's determinants (table VII.3)."""
    lang = ctx.lang
    point = check_argument("point", ENTRY_POINT_FIGURES, str(point))
    entry = ctx.recode["albeda_entry_point"]["points"][point]
    number = ENTRY_POINT_FIGURES[point]
    title = _title(number, "4.4", lang, entry=t('figures.entry_point', lang).format(point=point),
                   label=label(entry["label"], lang), suffix=f" ({t('figures.pct_officers', lang)})")
    return _municipality_heatmap(ctx, "VII.3", list(entry["determinants"]), title)


@styled
def fig5_1_vgz_partners(ctx: WaveContext) -> Figure:
    """Figure 5.1: per other sector, % of VGZ collaborators naming it next to % of its collaborators naming VGZ."""
    tables, lang, synthetic, codebook = ctx.tables, ctx.lang, ctx.synthetic, ctx.codebook
    rows = _rows(tables, "fig5.1", unit_type="sector")
    cells = {(str(r["unit"]), r["item"]): r for _, r in rows.iterrows()}
    sectors = [i.removeprefix(PARTNER_PREFIX) for i in rows.loc[rows["unit"] == VGZ, "item"]
               if i.startswith(PARTNER_PREFIX) and i != PARTNER_PREFIX + VGZ]
    if not sectors:
        raise ValueError("Table 'fig5.1' has no partner_<sector> rows for unit 'vgz'")
    vgz_names = [_value(cells[(VGZ, PARTNER_PREFIX + s)]) for s in sectors]
    names_vgz = [_value(cells[(s, PARTNER_PREFIX + VGZ)]) if (s, PARTNER_PREFIX + VGZ) in cells else np.nan
                 for s in sectors]
    sector_n = {s: cells[(s, PARTNER_PREFIX + VGZ)]["n"] if (s, PARTNER_PREFIX + VGZ) in cells else pd.NA for s in sectors}
    order = sorted(range(len(sectors)), key=lambda k: (-np.nan_to_num(vgz_names[k], nan=-1),
                                                       -np.nan_to_num(names_vgz[k], nan=-1)))
    sectors = [sectors[k] for k in order]
    series = [np.array(vgz_names)[order], np.array(names_vgz)[order]]
    vgz_n = cells[(VGZ, PARTNER_PREFIX + sectors[0])]["n"]
    fig, ax = new_figure(FIG_WIDTH, len(sectors) * GROUP_ROW_INCH + EXTRA_INCH)
    y = np.arange(len(sectors))
    width = GROUP_THICKNESS / 2
    legend = [t('figures.vgz_names', lang).format(n=_n_text(vgz_n).removeprefix("n = ")), t('figures.sector_names', lang)]
    for k, (values, colour, entry, kind) in enumerate(zip(series, (COLOUR_MAIN, COLOUR_SECOND), legend,
                                                          ("vgz_names", "names_vgz"))):
        _bars(ax, y + (k - 0.5) * width, values, horizontal=True, thickness=width, colour=colour,
              label=wrap(entry, WRAP_LEGEND), gids=[f"{s}/{kind}" for s in sectors])
    ax.set_yticks(y, [f"{codebook.sector_label(s, lang)} ({_n_text(sector_n[s])})" for s in sectors])
    ax.set_ylim(len(sectors) - 0.5, -0.5)
    ax.set_xlim(0, PCT_MAX * LABEL_ROOM)
    pct_axis(ax.xaxis)
    ax.set_xlabel(f"% {t('figures.collaborators', lang)}")
    ax.grid(axis="y", visible=False)
    legend_above(ax)
    blank = bool(np.isnan(series[0]).any() or np.isnan(series[1]).any())
    parts = [f"{codebook.sector_label(s, lang)} ({_n_text(sector_n[s])}): {legend[0]} {_alt_pct(series[0][k], lang)}, "
             f"{legend[1]} {_alt_pct(series[1][k], lang)}" for k, s in enumerate(sectors)]
    return _described(finish(fig, _title("5.1", "5.1", lang), lang=lang, synthetic=synthetic, any_blank=blank),
                      parts, lang=lang, synthetic=synthetic)


@styled
def fig5_2_ways(ctx: WaveContext) -> Figure:
    """Figure 5.2: the five ways of collaborating, % of officers who collaborate, highest first."""
    return _ordered_hbars(ctx, "fig5.2", "5.2", who="collaborators")


@styled
def fig6_diverging(ctx: WaveContext, *, table: str = "fig6.1") -> Figure:
    """Figures 6.1, 6.4, 6.5: diverging bars, yes right of 0, no left, don't know centred on 0; ordered by yes."""
    lang, synthetic = ctx.lang, ctx.synthetic
    check_argument("table", DIVERGING_TABLES, table)
    rows = _rows(ctx.tables, table, unit_type="all", category=None)
    items = list(dict.fromkeys(rows["item"]))
    cells = {(r["item"], r["category"]): _value(r) for _, r in rows.iterrows()}
    share = {c: np.array([cells.get((i, c), np.nan) for i in items]) for c in DIVERGING_CATEGORIES}
    blank = np.isnan(share["yes"]) | np.isnan(share["no"]) | np.isnan(share["dont_know"])
    order = sorted(range(len(items)), key=lambda k: (blank[k], -np.nan_to_num(share["yes"][k], nan=0)))
    items = [items[k] for k in order]
    share = {c: np.nan_to_num(v[order], nan=0.0) for c, v in share.items()}
    blank = blank[order]
    labels = _item_labels(rows, ctx)
    half = share["dont_know"] / 2
    fig, ax = new_figure(FIG_WIDTH + DIVERGING_EXTRA_WIDTH, len(items) * ROW_INCH + EXTRA_INCH + LEGEND_ROW_INCH)
    y = np.arange(len(items))
    segments = {"no": (-half - share["no"], share["no"], COLOUR_SECOND),
                "dont_know": (-half, share["dont_know"], COLOUR_DONT_KNOW),
                "yes": (half, share["yes"], COLOUR_MAIN)}
    for category, (left, width, colour) in segments.items():
        container = ax.barh(y, width, BAR_THICKNESS, left=left, color=colour, label=t(f'answers.{category}', lang))
        for patch, item, b in zip(container.patches, items, blank):
            patch.set_gid(f"{category}/{item}")
            if b:
                patch.set_visible(False)
        text = [_pct_label(w) if (w >= MIN_SEGMENT_LABEL and not b) else "" for w, b in zip(width, blank)]
        ax.bar_label(container, labels=text, label_type="center", fontsize=ANNOT_SIZE, color=text_colour(colour))
    # each side runs to the next tick past its longest bar (same scale both sides, no empty half)
    left, right = (max(np.ceil(float(np.max(half + share[c], initial=0)) / PCT_TICK), 1) * PCT_TICK for c in ("no", "yes"))
    for k in np.nonzero(blank)[0]:
        ax.add_patch(Rectangle((-left, k - BAR_THICKNESS / 2), left + right, BAR_THICKNESS, fill=False, hatch=HATCH,
                               edgecolor=COLOUR_MISSING, linewidth=0))
        ax.text(0, k, SUPPRESSED, ha="center", va="center", fontsize=ANNOT_SIZE, bbox=BLANK_BOX)
    ax.axvline(0, color="black", linewidth=1, zorder=BELOW_BARS)  # under the bars: never crosses a label
    ax.set_yticks(y, [wrap(labels[i]) for i in items])
    ax.set_ylim(len(items) - 0.5, -0.5)
    ax.set_xlim(-left, right)
    pct_axis(ax.xaxis)
    ax.set_xlabel(f"← {t('answers.no', lang)}    % {t('figures.collaborators', lang)}    {t('answers.yes', lang)} →")
    ax.grid(axis="y", visible=False)
    handles = [Patch(color=segments[c][2], label=t(f'answers.{c}', lang)) for c in ("no", "dont_know", "yes")]
    legend_above(ax, handles=handles, ncol=len(handles))
    n = rows["n"].max()
    number = DIVERGING_TABLES[table]
    title = _title(number, number, lang, suffix=f" ({_n_text(n)} {t('figures.collaborators', lang)})")
    parts = [f"{labels[i]}: " + (t('figures.alt.not_shown', lang) if b else ", ".join(
        f"{t(f'answers.{c}', lang)} {_alt_pct(share[c][k], lang)}" for c in DIVERGING_CATEGORIES))
        for k, (i, b) in enumerate(zip(items, blank))]
    return _described(finish(fig, title, lang=lang, synthetic=synthetic, notes=[t('figures.dont_know_note', lang)],
                             any_blank=bool(blank.any())), parts, lang=lang, synthetic=synthetic)


@styled
def fig6_heatmap(ctx: WaveContext, *, table: str = "IX.1", items: list[str] | None = None) -> Figure:
    """Municipalities x factors heatmap of the yes % (6.2/6.3 = IX.1 individual/organisational, 6.6 = IX.3)."""
    lang = ctx.lang
    check_argument("table", HEATMAP_TABLES, table)
    available = list(dict.fromkeys(_rows(ctx.tables, table)["item"]))
    items = list(available if items is None else items)
    if not items:
        raise ValueError("`items` must name at least one factor")
    for item in items:
        check_argument("items", available, item)
    number = _heatmap_figure(ctx.recode, table, items, available)
    suffix = f" ({t('figures.pct_yes', lang)}, {t('figures.collaborators', lang)})"
    title = _title(number, number, lang, suffix=suffix) if number else \
        _title(table, table, lang, word="figures.table", suffix=suffix)
    return _municipality_heatmap(ctx, table, items, title)


def _heatmap_figure(recode: dict, table: str, items: list[str], available: list[str]) -> str | None:
    """The report's figure number of a municipality heatmap, if the table and items make one."""
    groups = recode["positive_factor_group"]["groups"]
    if table == "IX.1":
        for group, number in (("individual", "6.2"), ("organisational", "6.3")):
            if set(items) == set(groups[group]["factors"]):
                return number
    if table == "IX.3" and set(items) == set(available):
        return "6.6"
    return None


def _positive_group(ctx: WaveContext, group: str) -> list[str]:
    return list(ctx.recode["positive_factor_group"]["groups"][group]["factors"])


def fig6_2_individual(ctx: WaveContext) -> Figure:
    """Figure 6.2: individual positive factors per municipality (table IX.1)."""
    return fig6_heatmap(ctx, table="IX.1", items=_positive_group(ctx, "individual"))


def fig6_3_organisational(ctx: WaveContext) -> Figure:
    """Figure 6.3: organisational positive factors per municipality (table IX.1)."""
    return fig6_heatmap(ctx, table="IX.1", items=_positive_group(ctx, "organisational"))


def fig6_6_political(ctx: WaveContext) -> Figure:
    """Figure 6.6: political factors per municipality (table IX.3)."""
    return fig6_heatmap(ctx, table="IX.3")


