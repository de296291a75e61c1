"""One municipality's report for policy advisers: key figures against the others, stage, factors, advice.

Everything is per municipality, never per sector within it (one officer per sector would make a sector cell
one person's answer). Shares with a base below `min_cell` are not shown; a municipality with fewer
respondents than `min_cell` gets a report that says so instead of numbers. Texts in Dutch or English.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from igb.analysis import maturity
from igb.analysis.tables import round_pct
from igb.config import load_params, paths as project_paths
from igb.report.context import WaveContext
from igb.safe import markdown_text, plot_text
from igb.text import label, t

if TYPE_CHECKING:  # only in annotations: the index of reports imports this module without matplotlib
    from matplotlib.figure import Figure

TOP = 3  # strongest / weakest factors listed


def text(key: str, lang: str, **fmt) -> str:
    """A report text in the chosen language."""
    return t(f"municipality.{key}", lang, **fmt)


@dataclass
class MunicipalityView:
    """What the report of one municipality is made of."""

    ctx: WaveContext
    code: str
    name: str
    respondents: int
    collaborators: int
    stage: pd.Series
    evidence: pd.DataFrame
    elements: list[dict]
    model: maturity.Model
    key_rows: pd.DataFrame | None = field(default=None, repr=False, compare=False)  # key_figures, once computed

    @property
    def lang(self) -> str:
        return self.ctx.lang

    @property
    def min_cell(self) -> int:
        return self.ctx.min_cell

    @property
    def too_few(self) -> bool:
        return self.respondents < max(self.min_cell, 1)


def display_name(ctx: WaveContext, code: str) -> str:
    """The municipality's name if the wave's mapping gives one, else its pseudonymous code (as plain text: escape it
    for where it is shown, with `igb.safe`)."""
    return ctx.spec.municipality_names.get(code) or text("municipality", ctx.lang, code=code)


def view(ctx: WaveContext, municipality: str) -> MunicipalityView:
    """Collect one municipality's figures, stage and evidence; KeyError for an unknown municipality."""
    code = str(municipality)
    known = sorted(ctx.respondents["municipality"].astype(str).unique(), key=lambda m: (len(m), m))
    if code not in known:
        raise KeyError(f"municipality {code!r} is not in wave {ctx.wave!r}; known: {known}")
    model = maturity.load_model((ctx.paths or project_paths()).params / "maturity.yaml")
    stages, evidence = ctx.stages()
    own = ctx.respondents[ctx.respondents["municipality"].astype(str) == code]
    elements = load_params((ctx.paths or project_paths()).params / "elements.yaml")["elements"]
    return MunicipalityView(ctx, code, display_name(ctx, code), len(own),
                            int((own["collaborates"].astype(str) == "yes").sum()),
                            stages.set_index(stages["municipality"].astype(str)).loc[code],
                            evidence[evidence["municipality"].astype(str) == code].reset_index(drop=True), elements, model)


def title(v: MunicipalityView) -> str:
    return "# " + text("title", v.lang, name=markdown_text(v.name))


def intro(v: MunicipalityView) -> str:
    """The opening: the synthetic-data banner if any, what the report is, or the too-few notice."""
    parts = [title(v)]
    if v.ctx.banner():
        parts.append(v.ctx.banner())
    others = v.ctx.respondents["municipality"].nunique() - 1
    name = markdown_text(v.name)
    if v.too_few:
        parts.append(text("too_few", v.lang, name=name, min_cell=v.min_cell))
    else:
        officers = (text("officers_hidden", v.lang) if pd.isna(v.stage["respondents"])  # the tables hide this count
                    else text("officers", v.lang, n=v.respondents))
        parts.append(text("intro", v.lang, officers=officers, name=name, wave=markdown_text(v.ctx.wave), others=others))
    return "\n\n".join(parts)


def key_figures(v: MunicipalityView) -> pd.DataFrame | None:
    """This municipality's shares next to the lowest, median and highest of the other municipalities."""
    if v.too_few:
        return None
    if v.key_rows is None:  # the table, the plot and the workbook all use them: computed once per view
        v.key_rows = _key_rows(v)
    return v.key_rows.copy()


def _key_rows(v: MunicipalityView) -> pd.DataFrame:
    sections = v.ctx.registry.report_sections()  # params/tables.yaml, `report:`
    tables = v.ctx.tables
    yes = tables[tables["table"].isin([table for table, _, _ in sections]) & (tables["unit_type"] == "municipality")
                 & (tables["category"] == "yes")]
    by_item = dict(list(yes.assign(unit=yes["unit"].astype(str)).groupby(["table", "item"], sort=False)))
    col = {key: text(key, v.lang) for key in ("col_section", "col_topic", "col_here", "col_n", "col_min",
                                              "col_median", "col_max")}
    pct_text = lambda value: f"{round_pct(value)}%"  # noqa: E731
    rows = []
    for table, items, heading in sections:
        for item in [i for i in items if (table, i) in by_item]:
            cells = by_item[(table, item)]  # one row per municipality: arrays, not frames (36 topics a report)
            mine = cells["unit"].to_numpy() == v.code
            hidden = cells["suppressed"].to_numpy(dtype=bool)
            pct = cells["pct"].to_numpy(dtype=float, na_value=np.nan)
            others = pct[~mine & ~hidden]
            others = others[~np.isnan(others)]
            at = np.flatnonzero(mine)
            shown = len(at) > 0 and not hidden[at[0]] and not np.isnan(pct[at[0]])
            rows.append({col["col_section"]: text(heading, v.lang),
                         col["col_topic"]: v.ctx.codebook.item_label(item, v.lang),
                         col["col_here"]: pct_text(pct[at[0]]) if shown else "—",
                         col["col_n"]: int(cells["n"].iloc[at[0]]) if shown else "—",
                         col["col_min"]: pct_text(others.min()) if len(others) else "—",
                         col["col_median"]: pct_text(np.median(others)) if len(others) else "—",
                         col["col_max"]: pct_text(others.max()) if len(others) else "—",
                         "_item": item, "_pct": float(pct[at[0]]) if shown else np.nan,
                         "_others": others.tolist()})
    return pd.DataFrame(rows)


def key_figures_table(v: MunicipalityView) -> pd.DataFrame | None:
    """key_figures without the helper columns, for display."""
    frame = key_figures(v)
    if frame is None:
        return None
    return frame[[c for c in frame.columns if not c.startswith("_")]].set_index(
        [text("col_section", v.lang), text("col_topic", v.lang)])


def key_figures_plot(v: MunicipalityView, *, sections=("policy", "collaboration", "positive", "negative")) -> Figure | None:
    """Dot plot: this municipality's share, the others' range and median, per topic."""
    from igb.report.style import COLOUR_MAIN, finish, new_figure

    frame = key_figures(v)
    if frame is None:
        return None
    headings = {text(s, v.lang) for s in sections}
    frame = frame[frame[text("col_section", v.lang)].isin(headings)].reset_index(drop=True)
    fig, ax = new_figure(10.5, 1.8 + 0.32 * len(frame))
    y = np.arange(len(frame))[::-1]
    for yi, row in zip(y, frame.itertuples(index=False)):
        others = row[-1]
        if others:
            ax.plot([min(others), max(others)], [yi, yi], color="0.75", linewidth=6, solid_capstyle="round", zorder=1)
            ax.plot([np.median(others)], [yi], marker="|", color="0.3", markersize=14, zorder=2)
        if not np.isnan(row[-2]):
            ax.plot([row[-2]], [yi], marker="o", color=COLOUR_MAIN, markersize=9, zorder=3)
    ax.set_yticks(y, [f"{t}" for t in frame[text("col_topic", v.lang)]], fontsize=8)
    section = frame[text("col_section", v.lang)].tolist()
    for i, name in enumerate(section):  # a line and the section's name where a section starts
        if i == 0 or name != section[i - 1]:
            if i:
                ax.axhline(y[i] + 0.5, color="0.6", linewidth=0.8)
            ax.text(103, y[i], name, fontsize=8, style="italic", va="center", ha="left", color="0.3")
    ax.set_xlim(-2, 102)
    ax.set_xlabel(text("plot_pct", v.lang))
    ax.plot([], [], color="0.75", linewidth=6, label=text("plot_range", v.lang))
    ax.plot([], [], marker="|", color="0.3", linestyle="none", markersize=12, label=text("plot_median", v.lang))
    ax.plot([], [], marker="o", color=COLOUR_MAIN, linestyle="none", label=plot_text(v.name))
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=3, frameon=False, fontsize=8)
    fig = finish(fig, text("plot_title", v.lang, name=plot_text(v.name)), lang=v.lang, synthetic=v.ctx.synthetic)
    fig.igb_alt = _plot_description(v, frame)  # the same numbers in words, for the image's alt text
    return fig


def _plot_description(v: MunicipalityView, frame: pd.DataFrame) -> str:
    """'Gemeente 3 naast de andere gemeenten: werkt aan gezondheid 83% (mediaan andere gemeenten 82%); ...'."""
    hidden = t("figures.alt.not_shown", v.lang)
    shown = lambda cell: hidden if cell == "—" else cell  # noqa: E731
    items = [text("plot_alt_item", v.lang, topic=row[text("col_topic", v.lang)],
                  here=shown(row[text("col_here", v.lang)]), median=shown(row[text("col_median", v.lang)]))
             for _, row in frame.iterrows()]
    words = text("plot_title", v.lang, name=v.name) + ": " + "; ".join(items) + "."
    return words + (" " + t("figures.footer.synthetic", v.lang) + "." if v.ctx.synthetic else "")


def _range_text(low, high, lang: str) -> str:
    return text("range_one", lang, low=int(low)) if int(low) == int(high) else text("range_two", lang, low=int(low), high=int(high))


def stage_words(stage: pd.Series, lang: str = "nl") -> str:
    """The stage and how firm it is, in words: 'stadium 3, waarschijnlijk 2 tot 3' ('' without a stage)."""
    if pd.isna(stage["stage"]):
        return ""
    if pd.isna(stage.get("stage_low")) or pd.isna(stage.get("stage_high")):
        return (text("stage_words", lang, stage=int(stage["stage"]), range=int(stage["stage"])) if stage["stage"]
                else t("maturity.no_stage_yet", lang))
    key = "stage_words" if stage["stage"] else "no_stage_words"
    return text(key, lang, stage=int(stage["stage"]), range=_range_text(stage["stage_low"], stage["stage_high"], lang))


def certainty_words(stage: pd.Series, lang: str = "nl") -> str:
    """'waarschijnlijk 2 tot 3 (kans 38%)' for the index ('—' without a stage or a range)."""
    if pd.isna(stage["stage"]) or pd.isna(stage.get("stage_low")) or pd.isna(stage.get("stage_probability")):
        return "—"
    return text("certainty_short", lang, range=_range_text(stage["stage_low"], stage["stage_high"], lang),
                p=round_pct(100 * float(stage["stage_probability"])))


def _criteria_list(model: maturity.Model, ids: str, lang: str) -> str:
    items = [i.strip() for i in str(ids or "").split(",") if i.strip()]
    return "\n".join(f"- {i} {model.criterion(i).title(lang)}: {label(model.criterion(i).document, lang) if model.criterion(i).document else ''}" for i in items)


def stage_text(v: MunicipalityView) -> str:
    """The stage, how firm it is, a provisional higher stage and the documents that would confirm or decide it."""
    if v.too_few:
        return ""
    s = v.stage
    reason = markdown_text(s["reason"])
    if pd.isna(s["stage"]):
        return text("stage_intro", v.lang) + "\n\n" + text("no_stage", v.lang, reason=reason)
    certainty = ""
    if pd.notna(s.get("stage_low")) and pd.notna(s.get("stage_probability")):
        certainty = text("certainty", v.lang, range=_range_text(s["stage_low"], s["stage_high"], v.lang),
                         stage=int(s["stage"]), p=round_pct(100 * float(s["stage_probability"])))
    parts = [text("stage_intro", v.lang),
             text("stage", v.lang, stage=int(s["stage"]), name=s["stage_name"], certainty=certainty, reason=reason)]
    if pd.notna(s.get("provisional_stage")):
        top, first = int(s["provisional_stage"]), int(s["stage"]) + 1
        stages = str(top) if top == first else _range_text(first, top, v.lang)
        parts.append(text("provisional", v.lang, stage=top, name=s["provisional_name"], stages=stages))
    if s.get("to_confirm"):
        parts.append(text("to_confirm", v.lang) + "\n\n" + _criteria_list(v.model, s["to_confirm"], v.lang))
    if s.get("to_settle"):
        parts.append(text("to_settle", v.lang) + "\n\n" + _criteria_list(v.model, s["to_settle"], v.lang))
    if certainty:
        parts.append(text("certainty_note", v.lang, low=int(s["stage_low"]), high=int(s["stage_high"]),
                          level=round_pct(100 * v.model.uncertainty["level"])))
    return "\n\n".join(parts)


def stage_evidence(v: MunicipalityView) -> pd.DataFrame | None:
    """Every criterion with this municipality's figure, the threshold, whether it is met and what decided it."""
    if v.too_few:
        return None
    rows = []
    for e in v.evidence.itertuples():  # values the privacy rule hides are blank in the evidence (ctx.stages)
        judged = e.met is not None and not pd.isna(e.met)
        surveyed = e.survey_met is not None and not pd.isna(e.survey_met)
        source = ("—" if not judged else text("source_document", v.lang, document=e.document) if e.source == "document"
                  else text(f"source_{e.source}", v.lang))
        rows.append({text("crit", v.lang): f"{e.criterion} {e.name}",
                     text("col_measure", v.lang): e.label,
                     text("value", v.lang): text("hidden", v.lang) if pd.isna(e.value) or not surveyed else f"{e.value:.0f}",
                     text("threshold", v.lang): f"{e.op} {e.threshold:g}",
                     text("met", v.lang): text("yes" if e.met else "no", v.lang) if judged else "—",
                     text("col_source", v.lang): source})
    return pd.DataFrame(rows).set_index(text("crit", v.lang))


def _factor_shares(v: MunicipalityView, prefix: str) -> pd.Series:
    table = {"pos_": "IX.1", "neg_": "IX.2"}[prefix]
    t = v.ctx.tables[(v.ctx.tables["table"] == table) & (v.ctx.tables["unit"].astype(str) == v.code)
                     & (v.ctx.tables["category"] == "yes") & ~v.ctx.tables["suppressed"]]
    return t.set_index("item")["pct"].dropna().astype(float)


def factors_text(v: MunicipalityView) -> str:
    """Strongest and weakest positive factors, and the main obstacles."""
    if v.too_few:
        return ""
    if v.collaborators < v.min_cell:
        return text("factors_hidden", v.lang, min_cell=v.min_cell)
    pos, neg = _factor_shares(v, "pos_"), _factor_shares(v, "neg_")

    def listing(series):
        return "; ".join(f"{v.ctx.codebook.item_label(i, v.lang).lower()} ({round_pct(p)}%)" for i, p in series.items())

    strong = pos.sort_values(ascending=False, kind="stable").head(TOP)
    weak = pos.sort_values(ascending=True, kind="stable").head(TOP)
    obstacles = neg.sort_values(ascending=False, kind="stable").head(TOP)
    return "\n\n".join([text("strong", v.lang, items=listing(strong)), text("weak", v.lang, items=listing(weak)),
                        text("obstacles", v.lang, items=listing(obstacles))])


def advice(v: MunicipalityView) -> list[dict]:
    """The chapter 7 elements this municipality should work on, each with the reasons that triggered it."""
    if v.too_few:
        return []
    shares = pd.concat([_factor_shares(v, "pos_"), _factor_shares(v, "neg_")]) if v.collaborators >= v.min_cell else pd.Series(dtype=float)
    evidence = v.evidence.set_index("criterion")
    stage = v.stage["stage"]
    reached = max(stage, v.stage["provisional_stage"]) if pd.notna(v.stage["provisional_stage"]) else stage
    chosen = []
    for element in v.elements:
        reasons = []
        for cond in element["when"]:
            if "criterion_missed" in cond:
                e = evidence.loc[cond["criterion_missed"]]
                if e["met"] is False or e["met"] == False:  # noqa: E712  (None = not assessable: no advice on it)
                    value = text("hidden", v.lang) if pd.isna(e["value"]) else f"{e['value']:.0f}"
                    reasons.append(text("criterion_missed", v.lang, id=cond["criterion_missed"], label=e["label"],
                                        value=value, op=e["op"], threshold=f"{e['threshold']:g}"))
            elif "item" in cond and cond["item"] in shares.index:
                value = shares[cond["item"]]
                if maturity.OPS[cond["op"]](value, cond["threshold"]):
                    reasons.append(text("item_cond", v.lang, label=v.ctx.codebook.item_label(cond["item"], v.lang), value=round_pct(value)))
            elif "stage_below" in cond and pd.notna(reached) and int(reached) < cond["stage_below"]:
                reasons.append(text("stage_cond", v.lang, stage=cond["stage_below"]))
        if reasons:
            chosen.append({**element, "reasons": reasons})
    return chosen


def advice_text(v: MunicipalityView) -> str:
    """Markdown: each recommended element with its reasons and the report's examples."""
    if v.too_few:
        return ""
    chosen = advice(v)
    if not chosen:
        return text("no_advice", v.lang)
    parts = [text("advice_intro", v.lang)]
    for e in chosen:
        block = [f"### {e['id']} {label(e['title'], v.lang)}", label(e["summary"], v.lang),
                 f"*{text('because', v.lang)}:* " + "; ".join(e["reasons"]) + "."]
        if e.get("examples"):
            block.append(f"*{text('examples', v.lang, box=e['box'])}:*\n" + "\n".join(f"- {x}" for x in e["examples"]))
        parts.append("\n\n".join(block))
    return "\n\n".join(parts)


def about(v: MunicipalityView) -> str:
    return text("about", v.lang, min_cell=v.min_cell)


def tables_for_excel(v: MunicipalityView) -> dict[str, pd.DataFrame]:
    """The municipality's sheets: key figures and maturity evidence (nothing per sector)."""
    if v.too_few:
        return {"info": pd.DataFrame({"": [text("too_few", v.lang, name=v.name, min_cell=v.min_cell).replace("**", "")]})}
    return {text("sheet_key_figures", v.lang): key_figures_table(v).reset_index(),
            text("sheet_stage", v.lang): stage_evidence(v).reset_index()}
