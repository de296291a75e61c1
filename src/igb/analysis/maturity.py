"""Place each municipality on the five-stage IGB maturity model of params/maturity.yaml, with the evidence.

Indicators are municipality-level shares and counts of survey answers; each stage is a set of criteria
(indicator, comparison, threshold); stages are cumulative. The output names, for each municipality, its
stage and every criterion met and missed with the figure and the threshold. A municipality with too few
respondents (or too few collaborators for the criteria that concern them) gets no stage and the reason.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, replace

import pandas as pd

from igb._checks import check_lang
from igb.config import load_params, paths
from igb.errors import ConfigError

OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt}
NO_STAGE_YET = {"nl": "nog geen stadium", "en": "no stage yet"}


@dataclass(frozen=True)
class Criterion:
    """One condition of a stage: indicator op threshold."""

    id: str
    stage: int
    indicator: str
    op: str
    threshold: float
    step: float
    rationale: str
    proxy: str = ""


@dataclass(frozen=True)
class Model:
    """The maturity model: indicators, stages with their criteria, and the minimum bases."""

    indicators: dict
    stages: list[dict]
    criteria: list[Criterion]
    min_respondents: int
    min_collaborators: int

    def stage_name(self, stage: int | None, lang: str = "nl") -> str:
        check_lang(lang)
        if stage is None or stage == 0:
            return NO_STAGE_YET[lang]
        return next(s["name"][lang] for s in self.stages if s["stage"] == stage)

    def with_threshold(self, criterion_id: str, threshold: float) -> "Model":
        """The same model with one threshold moved (for the sensitivity analysis)."""
        criteria = [replace(c, threshold=threshold) if c.id == criterion_id else c for c in self.criteria]
        return replace(self, criteria=criteria)


def load_model(path=None) -> Model:
    """Read params/maturity.yaml."""
    data = load_params(path or paths().params / "maturity.yaml")
    try:
        criteria = [Criterion(str(c["id"]), int(s["stage"]), c["indicator"], c["op"], float(c["threshold"]),
                              float(c.get("step", 0)), " ".join(str(c.get("rationale", "")).split()),
                              " ".join(str(c.get("proxy", "")).split()))
                    for s in data["stages"] for c in s["criteria"]]
        model = Model(data["indicators"], data["stages"], criteria, int(data["min_respondents"]), int(data["min_collaborators"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"maturity.yaml: missing or malformed entry {exc}") from None
    for c in criteria:
        if c.indicator not in model.indicators:
            raise ConfigError(f"maturity.yaml: criterion {c.id} uses unknown indicator {c.indicator!r}")
        if c.op not in OPS:
            raise ConfigError(f"maturity.yaml: criterion {c.id} has operator {c.op!r}; use one of {sorted(OPS)}")
    return model


def indicators(respondents: pd.DataFrame, model: Model) -> pd.DataFrame:
    """One row per municipality: its respondents, collaborators and every indicator of the model.

    Computed from one CountCube pass over the items the model uses (vectorised over respondents).
    """
    from igb.analysis.tables import CountCube

    items = sorted({i for spec in model.indicators.values() for i in (spec.get("items") or [spec["item"]])} | {"collaborates"})
    cube = CountCube(respondents, items)

    def per_municipality(item: str, category: str) -> pd.DataFrame:
        t = cube.table([item], by="municipality", categories=[category])
        return t.set_index("unit")[["count", "n"]].astype(float)

    sizes = respondents.groupby("municipality", sort=False, observed=True).size()
    out = pd.DataFrame({"municipality": [str(m) for m in sizes.index], "respondents": sizes.to_numpy()})
    out = out.set_index("municipality")
    collab = per_municipality("collaborates", "yes") if "collaborates" in cube.counts else None
    out["collaborators"] = (collab["count"].reindex(out.index).fillna(0) if collab is not None else 0).astype(int)
    for name, spec in model.indicators.items():
        kind, category = spec["kind"], spec.get("category", "yes")
        items_of = spec.get("items") or [spec["item"]]
        shares = []
        for item in items_of:
            if item not in cube.counts:
                shares.append(pd.Series(float("nan"), index=out.index))
                continue
            t = per_municipality(item, category).reindex(out.index)
            if kind == "count":
                shares.append(t["count"].fillna(0))
            else:
                shares.append((100 * t["count"] / t["n"]).where(t["n"] > 0))
        if kind in ("share", "count"):
            out[name] = shares[0]
        elif kind == "mean_share":
            out[name] = pd.concat(shares, axis=1).mean(axis=1, skipna=False)
        elif kind == "min_share":
            out[name] = pd.concat(shares, axis=1).min(axis=1, skipna=False)
        else:
            raise ConfigError(f"maturity.yaml: indicator {name} has unknown kind {kind!r}")
    out = out.reset_index()
    return out.sort_values("municipality", key=lambda s: s.map(lambda v: (0, int(v)) if v.isdigit() else (1, v))).reset_index(drop=True)


def needs_collaborators(model: Model, indicator: str) -> bool:
    """Whether an indicator is a share of the officers who collaborate (only they were asked its items)."""
    spec = model.indicators[indicator]
    items = spec.get("items") or [spec["item"]]
    return any(str(i).startswith(("way_", "pos_", "neg_", "pol_", "partner_", "ext_")) for i in items)


def assess(respondents: pd.DataFrame, model: Model | None = None, *, lang: str = "nl", min_cell: int = 1,
           hidden: set | None = None):
    """Stage per municipality and the evidence: returns (stages, evidence).

    stages: municipality, respondents, collaborators, stage (1-5; 0 = no stage yet; empty = not assessed),
    stage_name, reason. evidence: one row per municipality and criterion with value, threshold, met.
    `min_cell` is the privacy floor (`igb.privacy`): a municipality with fewer respondents gets no stage and shows
    no figure (its counts blank too), and a share of fewer collaborators than that is neither shown nor judged.
    `hidden`: (item, municipality) pairs the suppressed tables hide (`hidden_cells`; item "response" for the count
    of respondents): their figures are blanked here too, so no output gives back a cell the tables hide.
    """
    model = model or load_model()
    return judge(indicators(respondents, model), model, lang=lang, min_cell=min_cell, hidden=hidden)


def hidden_cells(tables: pd.DataFrame) -> set[tuple[str, str]]:
    """(item, municipality) of every municipality-level cell that suppressed report tables hide."""
    rows = tables[(tables["unit_type"] == "municipality") & tables["suppressed"].astype(bool)]
    return set(zip(rows["item"].astype(str), rows["unit"].astype(str)))


def _items_of(model: Model, indicator: str) -> list[str]:
    spec = model.indicators[indicator]
    return list(spec.get("items") or [spec["item"]])


def judge(ind: pd.DataFrame, model: Model, *, lang: str = "nl", min_cell: int = 1, hidden: set | None = None):
    """`assess` from the indicators (one row per municipality): the thresholds applied, stage by stage."""
    check_lang(lang)
    hidden = hidden or set()
    evidence, stages = [], []
    for row in ind.itertuples(index=False):
        row = row._asdict()
        code = str(row["municipality"])
        if row["respondents"] < min_cell:
            evidence += [{"municipality": row["municipality"], "stage": c.stage, "criterion": c.id, "indicator": c.indicator,
                          "label": model.indicators[c.indicator]["label"][lang], "value": float("nan"), "op": c.op,
                          "threshold": c.threshold, "met": None, "proxy": bool(c.proxy)} for c in model.criteria]
            stages.append(_not_shown(row, min_cell, lang))
            continue
        own = []
        for c in model.criteria:
            value = row[c.indicator]
            collaborators = needs_collaborators(model, c.indicator)
            private = (collaborators and row["collaborators"] < min_cell)
            too_few = (private or row["respondents"] < model.min_respondents
                       or (collaborators and row["collaborators"] < model.min_collaborators))
            met = None if too_few or pd.isna(value) else bool(OPS[c.op](value, c.threshold))
            own.append({"municipality": row["municipality"], "stage": c.stage, "criterion": c.id,
                        "indicator": c.indicator, "label": model.indicators[c.indicator]["label"][lang],
                        "value": value, "op": c.op, "threshold": c.threshold, "met": met, "proxy": bool(c.proxy)})
        said = {k: "—" for k, item in (("respondents", "response"), ("collaborators", "collaborates")) if (item, code) in hidden}
        stage = _stage_of(row, own, replace(model, min_collaborators=max(model.min_collaborators, min_cell)), lang,
                          shown=lambda e: not any((i, code) in hidden for i in _items_of(model, e["indicator"])), said=said)
        for e in own:  # a figure the tables hide (complementary suppression) is blanked here too
            if any((i, code) in hidden for i in _items_of(model, e["indicator"])):
                e["value"] = float("nan")
        if ("response", code) in hidden:
            stage["respondents"] = pd.NA
        if ("collaborates", code) in hidden:
            stage["collaborators"] = pd.NA
        evidence += own
        stages.append(stage)
    return pd.DataFrame(stages, columns=STAGE_COLUMNS), pd.DataFrame(evidence)


STAGE_COLUMNS = ["municipality", "respondents", "collaborators", "stage", "stage_name", "reason"]


def _not_shown(row: dict, min_cell: int, lang: str) -> dict:
    """A municipality below the privacy floor: no stage, no counts, a reason without numbers of its own."""
    reason = (f"minder dan {min_cell} respondenten: niet getoond (privacy)" if lang == "nl"
              else f"fewer than {min_cell} respondents: not shown (privacy)")
    return {"municipality": row["municipality"], "respondents": pd.NA, "collaborators": pd.NA, "stage": pd.NA,
            "stage_name": "", "reason": reason}


def _stage_of(row: dict, evidence: list[dict], model: Model, lang: str, *, shown=lambda e: True,
              said: dict | None = None) -> dict:
    """The stage reached and why. `shown(e)`: whether criterion e's figure may appear in the reason; `said`: the
    respondents' and collaborators' counts as the reason may print them ('—' where the tables hide them)."""
    base = {"municipality": row["municipality"], "respondents": row["respondents"], "collaborators": row["collaborators"]}
    said = {"respondents": row["respondents"], "collaborators": row["collaborators"], **(said or {})}
    nl = lang == "nl"
    if row["respondents"] < model.min_respondents:
        reason = (f"te weinig respondenten ({said['respondents']} < {model.min_respondents})" if nl
                  else f"too few respondents ({said['respondents']} < {model.min_respondents})")
        return {**base, "stage": pd.NA, "stage_name": "", "reason": reason}
    reached = 0
    for stage in sorted({c.stage for c in model.criteria}):
        results = [e for e in evidence if e["stage"] == stage]
        if any(e["met"] is None for e in results):
            unknown = ", ".join(e["criterion"] for e in results if e["met"] is None)
            if row["collaborators"] < model.min_collaborators:
                why = (f"te weinig samenwerkende respondenten ({said['collaborators']} < {model.min_collaborators}) voor criterium {unknown}"
                       if nl else f"too few collaborating respondents ({said['collaborators']} < {model.min_collaborators}) for criterion {unknown}")
            else:
                why = f"criterium {unknown} niet te meten" if nl else f"criterion {unknown} cannot be measured"
            if reached == 0:
                return {**base, "stage": pd.NA, "stage_name": "", "reason": why}
            return {**base, "stage": reached, "stage_name": model.stage_name(reached, lang),
                    "reason": (f"stadium {reached}; hoger niet te beoordelen: {why}" if nl else f"stage {reached}; higher cannot be assessed: {why}")}
        missed = [e for e in results if not e["met"]]
        if missed:
            names = "; ".join(f"{e['criterion']} {e['label']}: {_fmt(e['value'] if shown(e) else None)} (drempel {e['op']} {_fmt(e['threshold'])})"
                              if nl else f"{e['criterion']} {e['label']}: {_fmt(e['value'] if shown(e) else None)} (threshold {e['op']} {_fmt(e['threshold'])})"
                              for e in missed)
            prefix = (f"stadium {stage} niet bereikt: " if nl else f"stage {stage} not reached: ")
            return {**base, "stage": reached, "stage_name": model.stage_name(reached, lang), "reason": prefix + names}
        reached = stage
    return {**base, "stage": reached, "stage_name": model.stage_name(reached, lang),
            "reason": "alle criteria gehaald" if nl else "all criteria met"}


def _fmt(value) -> str:
    return "—" if pd.isna(value) else f"{value:.0f}"


def sensitivity(respondents: pd.DataFrame, model: Model | None = None, *, min_cell: int = 1) -> pd.DataFrame:
    """Move each threshold one step down and up: how many municipalities change stage (of those with a stage shown)."""
    model = model or load_model()
    ind = indicators(respondents, model)  # thresholds do not change the indicators: computed once
    base, _ = judge(ind, model, min_cell=min_cell)
    base_stage = base.set_index("municipality")["stage"]
    rows = []
    for c in model.criteria:
        for direction, threshold in (("down", c.threshold - c.step), ("up", c.threshold + c.step)):
            moved, _ = judge(ind, model.with_threshold(c.id, threshold), min_cell=min_cell)
            new = moved.set_index("municipality")["stage"]
            changed = [m for m in base_stage.index if not _same(base_stage[m], new[m])]
            rows.append({"criterion": c.id, "indicator": c.indicator, "threshold": c.threshold, "direction": direction,
                         "moved_to": threshold, "municipalities_changed": len(changed), "which": ", ".join(changed)})
    return pd.DataFrame(rows)


def _same(a, b) -> bool:
    return (pd.isna(a) and pd.isna(b)) or (not pd.isna(a) and not pd.isna(b) and a == b)


def stages_across(draws: list[pd.DataFrame], model: Model | None = None, *, min_cell: int = 1) -> pd.DataFrame:
    """Stage of each municipality in each of several respondent frames (e.g. an ensemble of reconstructions).

    Returns one row per municipality: the stages seen, how many draws gave each, and whether the stage
    is the same in every draw.
    """
    model = model or load_model()
    seen = []
    for k, frame in enumerate(draws):
        stages, _ = assess(frame, model, min_cell=min_cell)
        seen.append(stages[["municipality", "stage"]].assign(draw=k))
    long = pd.concat(seen)
    long["stage"] = long["stage"].astype("string").fillna("none")
    rows = []
    for municipality, group in long.groupby("municipality", sort=False):
        counts = group["stage"].value_counts()
        rows.append({"municipality": municipality, "stages_seen": ", ".join(f"{s} ({c}x)" for s, c in counts.items()),
                     "stable": len(counts) == 1, "draws": len(group)})
    return pd.DataFrame(rows)
