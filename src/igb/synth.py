"""SYNTHETIC survey waves from a documented generative model (params/synth.yaml), for tests, demos and load.

Municipalities get correlated propensities (IGB culture, political support); sectors an effect by domain;
each officer a random effect shared by his answers (so items depend on each other within a respondent);
the questionnaire's asked-if logic is followed. Waves are written in the raw formats a researcher gets
(.csv with Dutch answers, or .sav with numeric codes and Dutch value labels), so they exercise the real
reading path. Nothing generated here is data about any real municipality.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from igb.config import Paths, load_params, paths as project_paths
from igb.survey.codebook import Codebook
from igb.survey.io import atomic_path, write_text
from igb.survey.recode import load_recode, sector_map

DUTCH = {"yes": "Ja", "no": "Nee", "dont_know": "Weet niet"}


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def _expit(x):
    return 1 / (1 + np.exp(-x))


def generate(n_municipalities: int, *, seed: int | None = None, sectors_per_municipality: int | None = None,
             response_rate: float | None = None, officers_per_municipality: int | None = None,
             codebook: Codebook | None = None, params: dict | None = None, paths: Paths | None = None) -> pd.DataFrame:
    """A synthetic wave in canonical codes (`yes`/`no`/`dont_know`, missing where not asked).

    Parameters
    ----------
    n_municipalities : how many municipalities (342 for all Dutch municipalities of 2023; any number).
    seed : the one seed of the draw (default: params/synth.yaml).
    sectors_per_municipality : questionnaires per municipality before non-response (at most 13, one per sector).
    response_rate : share of questionnaires returned.
    officers_per_municipality : for load tests only: this many officers per municipality, sectors drawn with
        replacement (so several officers share a sector, unlike the study's design).
    """
    paths = paths or project_paths()
    params = params or load_params(paths.params / "synth.yaml")
    codebook = codebook or Codebook.load(paths.codebook)
    domain = sector_map(load_recode(paths.recode), "domain")
    rng = np.random.default_rng(params["seed"] if seed is None else seed)
    sectors = np.array(codebook.sector_ids)
    rho = params["culture_politics_correlation"]
    latent = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n_municipalities)

    if officers_per_municipality:  # load: many officers per municipality, sectors with replacement
        muni = np.repeat(np.arange(n_municipalities), officers_per_municipality)
        sector = sectors[rng.integers(0, len(sectors), size=len(muni))]
        ids = (pd.Series(muni + 1).astype(str) + "-" + pd.Series(np.tile(np.arange(officers_per_municipality), n_municipalities)).astype(str)).to_numpy()
    else:  # the study's design: VGZ and k - 1 other sectors approached, one officer each, some do not answer
        k = min(sectors_per_municipality or params["sectors_per_municipality"], len(sectors))
        rate = params["response_rate"] if response_rate is None else response_rate
        others = np.array([s for s in sectors if s != "vgz"])
        picked = np.argsort(rng.random((n_municipalities, len(others))), axis=1)[:, : k - 1]
        approached = np.column_stack([np.full(n_municipalities, "vgz", dtype=object), others[picked]])
        answered = rng.random(approached.shape) < rate
        answered[~answered.any(axis=1), 0] = True  # every municipality keeps at least its VGZ officer
        muni = np.repeat(np.arange(n_municipalities), answered.sum(axis=1))
        sector = approached[answered].astype(str)
        ids = [f"{m + 1}-{s}" for m, s in zip(muni, sector)]
    return _answers(muni, sector, ids, latent, rng, params, codebook, domain)


def _answers(muni, sector, ids, latent, rng, params, codebook, domain) -> pd.DataFrame:
    """Every item for every officer, drawn column by column (vectorised over officers, int8 codes)."""
    n = len(muni)
    culture, politics = latent[muni, 0], latent[muni, 1]
    sector_ids = np.array(codebook.sector_ids)
    sector_code = pd.Categorical(sector, categories=sector_ids).codes
    kind_of = np.array(["vgz" if s == "vgz" else {"social": "social", "physical": "physical"}.get(domain.get(s), "other")
                        for s in sector_ids])
    kind = kind_of[sector_code]
    effect_of = np.array([params["sector_effect"][k] for k in kind_of])
    shift = effect_of[sector_code] + rng.normal(0, params["officer_sd"], size=n)
    social = np.isin(kind, ["social", "vgz"]) & (kind != "vgz")
    base = params["base_rates"]
    codes: dict[str, np.ndarray] = {}  # per item: 0 = first category of its value set (yes), ...; -1 = not asked
    for item_id, item in codebook.items.items():
        categories = codebook.allowed(item_id)
        rule = item.asked_if
        asked = np.ones(n, dtype=bool) if rule is None else (codes[rule.item] == codebook.allowed(rule.item).index(rule.equals))
        collaboration_part = item_id == "collaborates" or item_id.startswith(("way_", "pos_", "neg_", "pol_"))
        sign = params["negative_sign"] if item_id.startswith("neg_") else 1
        effect = sign * (params["culture_weight"] * culture
                         + (params["politics_weight"] * politics if collaboration_part else 0)) + shift
        u = rng.random(n)
        yes, no = categories.index("yes"), categories.index("no")
        if item.type == "yes_dk_no":
            p_yes, p_dk = params["factors"][item_id]
            p1 = _expit(_logit(p_yes) + effect)
            dk = np.minimum(p_dk, 1 - p1)
            values = np.where(u < p1, yes, np.where(u < p1 + dk, categories.index("dont_know"), no)).astype(np.int8)
        else:
            if item_id.startswith("partner_"):
                partner = item_id.removeprefix("partner_")
                both_social = (partner == "vgz") | ((domain.get(partner) == "social") & (social | (kind == "other")))
                logit = _logit(base["partner"]) + np.where(both_social, base["partner_social_bonus"], 0) + 0.5 * culture
            elif item_id.startswith("ext_"):
                logit = _logit(base.get(item_id, base["ext"])) + 0.5 * culture
            else:
                logit = _logit(base[item_id]) + effect
            values = np.where(u < _expit(logit), yes, no).astype(np.int8)
            if item_id.startswith("partner_"):
                values[sector == item_id.removeprefix("partner_")] = no  # nobody names his own sector
        values[~asked] = -1
        codes[item_id] = values
    frame = pd.DataFrame({"respondent_id": ids, "municipality": pd.Categorical((muni + 1).astype(str)),
                          "sector": pd.Categorical(sector, categories=sector_ids)})
    items = pd.DataFrame({item_id: pd.Categorical.from_codes(values, categories=codebook.allowed(item_id))
                          for item_id, values in codes.items()})
    return pd.concat([frame, items], axis=1)


def write_wave(frame: pd.DataFrame, wave: str, *, fmt: str = "sav", paths: Paths | None = None,
               codebook: Codebook | None = None, description: str = "", overwrite: bool = False) -> list[Path]:
    """Write a synthetic wave as a researcher would receive it, and its mapping file (synthetic: generated).

    An existing wave (a respondent file in data/raw/<wave>/ or params/waves/<wave>.yaml) is never replaced unless
    `overwrite` is true: the name may be a real wave's.
    """
    import pyreadstat

    from igb._checks import check_argument
    from igb.errors import ConfigError
    from igb.survey.io import write_csv
    from igb.survey.wave import RAW_NAMES

    check_argument("fmt", ("sav", "csv"), fmt)
    paths = paths or project_paths()
    codebook = codebook or Codebook.load(paths.codebook)
    folder = paths.raw(wave)
    existing = [p for p in (*(folder / n for n in RAW_NAMES), paths.wave_mapping(wave)) if p.exists()]
    if existing and not overwrite:
        raise ConfigError(f"wave {wave!r} exists ({', '.join(str(p) for p in existing)}); choose another name, or pass "
                          f"--overwrite to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        dutch = frame.copy()
        for item in codebook.item_ids:
            dutch[item] = dutch[item].map(lambda v: "" if pd.isna(v) else DUTCH[v])
        target = write_csv(dutch, folder / "responses.csv")
    else:
        coded = frame.copy()
        labels, variable_labels = {}, {}
        for item_id, item in codebook.items.items():
            options = codebook.value_sets[item.type]
            coded[item_id] = frame[item_id].map(lambda v, o=options: np.nan if pd.isna(v) else float(o[v].code))
            labels[item_id] = {float(o.code): o.nl for o in options.values()}
            variable_labels[item_id] = item.label_nl[:255]
        target = atomic_path(folder / "responses.sav", lambda tmp: pyreadstat.write_sav(
            coded, str(tmp), column_labels=[variable_labels.get(c, c) for c in coded.columns], variable_value_labels=labels))
    municipalities = sorted(frame["municipality"].unique(), key=int)
    spec = (f"# SYNTHETIC wave made by `igb synth` (igb.synth, params/synth.yaml): not survey data.\n"
            f"wave: {json.dumps(wave)}\nsynthetic: generated\n"
            f"description: {json.dumps(description or 'SYNTHETIC wave from igb.synth')}\n"
            f"file: {target.name}\nmunicipalities: [{', '.join(repr(m) for m in municipalities)}]\n")
    spec_path = write_text(spec, paths.wave_mapping(wave))
    return [target, spec_path]
