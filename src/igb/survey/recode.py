"""Canonical answers -> typed respondent frame with the derived variables of params/recode.yaml."""

from __future__ import annotations

import numpy as np
import pandas as pd

from igb.config import load_params, paths
from igb.survey.codebook import KEYS, Codebook


def load_recode(path=None) -> dict:
    """The recode parameters (params/recode.yaml)."""
    return load_params(path or paths().recode)


def sector_map(recode: dict, kind: str) -> dict[str, str]:
    """Sector id -> group id for `kind` in {'sector_group', 'domain'}."""
    return {s: group for group, d in recode[kind]["groups"].items() for s in d["sectors"]}


def recode(canonical: pd.DataFrame, *, wave: str, codebook: Codebook, recode: dict | None = None) -> pd.DataFrame:
    """Type the canonical answers and add derived variables.

    Items become categoricals over their value set; added are `wave`, `sector_group` and `domain`
    (from the sector), `albeda_<k>` (yes if any determinant of entry point k is yes, no if all
    answered and none yes) and `himmelman_level` (the highest Himmelman strategy among the ways of
    collaborating ticked, for those who collaborate).
    """
    recode = recode if recode is not None else load_recode()
    columns = {"wave": pd.Series(wave, index=canonical.index, dtype="string")}
    for key in KEYS:
        columns[key] = canonical[key].astype("string")
    if "source_row" in canonical:
        columns["source_row"] = canonical["source_row"].astype("int64")
    for item_id in codebook.item_ids:
        categories = codebook.allowed(item_id)
        if item_id in canonical:
            columns[item_id] = _categorical(canonical[item_id], categories)
        else:
            columns[item_id] = pd.Categorical([None] * len(canonical), categories=categories)
    out = pd.DataFrame(columns, index=canonical.index)  # one frame at once: column by column took 4x as long
    out["sector_group"] = out["sector"].map(sector_map(recode, "sector_group")).astype("string")
    out["domain"] = out["sector"].map(sector_map(recode, "domain")).astype("string")
    for point, d in recode["albeda_entry_point"]["points"].items():
        dets = [c for c in d["determinants"] if c in canonical]
        if dets:
            out[f"albeda_{point}"] = _any_yes(out[dets])
    levels = {way: int(level) for level, d in recode["himmelman"]["levels"].items() for way in d["ways"]}
    ways = [w for w in levels if w in canonical]
    if ways:
        ticked = pd.DataFrame({w: (out[w] == "yes").astype(int) * levels[w] for w in ways})
        answered = out[ways].notna().any(axis=1)
        out["himmelman_level"] = ticked.max(axis=1).where(answered).astype("Int64")
        out.loc[out["himmelman_level"] == 0, "himmelman_level"] = pd.NA
    return out.reset_index(drop=True)


def _categorical(values: pd.Series, categories) -> pd.Categorical:
    """pd.Categorical(values, categories): a value outside them (or missing) becomes missing. Coded through a dict:
    an item holds a handful of distinct answers, and the 74 items of a frame took 40 ms the general way."""
    code = {category: i for i, category in enumerate(categories)}
    codes = np.fromiter((code.get(v, -1) if isinstance(v, str) else -1 for v in values.to_numpy(dtype=object)),
                        dtype=np.int64, count=len(values))
    return pd.Categorical.from_codes(codes, categories=categories)


def _any_yes(block: pd.DataFrame) -> pd.Categorical:
    """yes if any cell is yes; no if all are answered and none is yes; missing otherwise."""
    yes = (block == "yes").any(axis=1)
    complete = block.notna().all(axis=1)
    values = pd.Series(None, index=block.index, dtype=object)
    values[yes] = "yes"
    values[~yes & complete] = "no"
    return pd.Categorical(values, categories=["yes", "no"])
