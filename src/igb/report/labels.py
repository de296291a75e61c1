"""Tables as people read them: labels of units, items and answers in the chosen language, and the report's layout
('72% (5)' cells, units as rows, items as columns). The analysis returns codes and numbers; this is their text."""

from __future__ import annotations

import pandas as pd

from igb._checks import check_lang
from igb.analysis.tables import round_pct
from igb.survey.codebook import Codebook
from igb.text import label, t


def with_labels(table: pd.DataFrame, *, codebook: Codebook, recode: dict, lang: str = "nl") -> pd.DataFrame:
    """Add `unit_label`, `item_label` and `category_label` in Dutch (default) or English, from the codebook's and
    recode's labels (a context's `codebook` and `recode`)."""
    check_lang(lang)
    groups = {g: label(d["label"], lang) for kind in ("sector_group", "domain") for g, d in recode[kind]["groups"].items()}
    albeda = {f"albeda_{k}": label(d["label"], lang) for k, d in recode["albeda_entry_point"]["points"].items()}
    everyone, municipality, response = (t(f"labels.{k}", lang) for k in ("all_officers", "municipality", "response"))

    def unit_label(row):
        if row.unit_type == "all":
            return everyone
        if row.unit_type == "municipality":
            return f"{municipality} {row.unit}"
        if row.unit_type == "sector":
            return codebook.sector_label(row.unit, lang)
        return groups.get(row.unit, row.unit)

    def item_label(item):
        if item in codebook.items:
            return codebook.item_label(item, lang)
        return albeda.get(item, response if item == "response" else item)

    def category_label(row):
        if row.item in codebook.items:
            return codebook.value_label(row.item, row.category, lang)
        return t(f"answers.{row.category}", lang) if row.category in ("yes", "no") else row.category

    out = table.copy()
    out["unit_label"] = [unit_label(r) for r in out.itertuples()]
    out["item_label"] = out["item"].map(item_label)
    out["category_label"] = [category_label(r) for r in out.itertuples()]
    return out


def printed_form(table: pd.DataFrame) -> pd.Series:
    """Cells as the report prints them: '72% (5)', or '—' when suppressed."""
    def fmt(row):
        if row.suppressed:
            return "—"
        if pd.isna(row.pct):
            return f"({row.count})"
        return f"{round_pct(float(row.pct))}% ({row.count})"
    return pd.Series([fmt(r) for r in table.itertuples()], index=table.index)


def wide(table: pd.DataFrame, *, codebook: Codebook, recode: dict, lang: str = "nl", value: str = "printed") -> pd.DataFrame:
    """One table as the report lays it out: units as rows, items as columns."""
    labelled = with_labels(table, lang=lang, codebook=codebook, recode=recode)
    labelled["printed"] = printed_form(labelled)
    labelled["pct_rounded"] = [pd.NA if pd.isna(p) else round_pct(float(p)) for p in labelled["pct"]]
    column = "printed" if value == "printed" else "pct_rounded"
    order_units = list(dict.fromkeys(labelled["unit_label"]))
    order_items = list(dict.fromkeys(labelled["item_label"]))
    out = labelled.pivot_table(index="unit_label", columns="item_label", values=column, aggfunc="first")
    n = labelled.groupby("unit_label")["n"].max()
    out = out.reindex(index=order_units, columns=order_items)
    n = n.reindex(order_units).astype(object).where(n.reindex(order_units).notna(), "—")  # hidden n: as its cells
    out.insert(len(out.columns), "n", n)
    out.index.name = None
    out.columns.name = None
    return out


def for_reading(frame: pd.DataFrame, *, columns: dict, codebook: Codebook, lang: str = "nl") -> pd.DataFrame:
    """A table of a notebook as a person reads it: every item id among its values, index and column names written
    as the item's label in `lang` (the codebook's), then columns and axes headed from `columns` (the notebook's
    catalog texts). For display only: the frame's codes stay as they are."""
    check_lang(lang)
    ids = set(codebook.item_ids)

    def words(value):
        return codebook.item_label(value, lang) if isinstance(value, str) and value in ids else value

    out = frame.copy()
    for name in out.columns:
        if out[name].dtype == object or pd.api.types.is_string_dtype(out[name]):
            out[name] = out[name].map(words)
    out = out.rename(index=words, columns=lambda c: columns.get(c, words(c)))
    return out.rename_axis(index=columns, columns=columns)
