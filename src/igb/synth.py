"""SYNTHETIC survey waves from a documented generative model (params/synth.yaml), for tests, demos and load.

Municipalities get correlated propensities (IGB culture, political support); sectors an effect by domain;
each officer a random effect shared by his answers (so items depend on each other within a respondent);
the questionnaire's asked-if logic is followed. Waves are written in the raw formats a researcher gets
(.csv with Dutch answers, or .sav with numeric codes and Dutch value labels), so they exercise the real
reading path. Nothing generated here is data about any real municipality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from igb.config import Paths, load_params, paths as project_paths
from igb.survey.codebook import Codebook
from igb.survey.io import write_text
from igb.survey.recode import load_recode, sector_map

DUTCH = {"yes": "Ja", "no": "Nee", "dont_know": "Weet niet"}


def _logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return float(np.log(p / (1 - p)))


def _expit(x):
    return 1 / (1 + np.exp(-x))


def generate(n_municipalities: int, *, seed: int | None = None, sectors_per_municipality: int | None = None,
             response_rate: float | None = None, codebook: Codebook | None = None, params: dict | None = None,
             paths: Paths | None = None) -> pd.DataFrame:
    """A synthetic wave in canonical codes (`yes`/`no`/`dont_know`, None where not asked).

    Parameters
    ----------
    n_municipalities : how many municipalities (342 for all Dutch municipalities of 2023; any number).
    seed : the one seed of the draw (default: params/synth.yaml).
    sectors_per_municipality : questionnaires per municipality before non-response (at most 13, one per sector).
    response_rate : share of questionnaires returned.
    """
    paths = paths or project_paths()
    params = params or load_params(paths.params / "synth.yaml")
    codebook = codebook or Codebook.load(paths.codebook)
    domain = sector_map(load_recode(paths.recode), "domain")
    rng = np.random.default_rng(params["seed"] if seed is None else seed)
    k = min(sectors_per_municipality or params["sectors_per_municipality"], len(codebook.sector_ids))
    rate = params["response_rate"] if response_rate is None else response_rate
    rho = params["culture_politics_correlation"]
    latent = rng.multivariate_normal([0, 0], [[1, rho], [rho, 1]], size=n_municipalities)

    rows = []
    for m in range(n_municipalities):
        culture, politics = latent[m]
        approached = ["vgz", *rng.choice([s for s in codebook.sector_ids if s != "vgz"], size=k - 1, replace=False)]
        answered = [s for s in approached if rng.random() < rate] or ["vgz"]
        for sector in answered:
            rows.append(_officer(str(m + 1), sector, culture, politics, rng, params, codebook, domain))
    return pd.DataFrame(rows, columns=["respondent_id", "municipality", "sector", *codebook.item_ids])


def _officer(municipality, sector, culture, politics, rng, params, codebook, domain) -> dict:
    kind = "vgz" if sector == "vgz" else {"social": "social", "physical": "physical"}.get(domain.get(sector), "other")
    shift = params["sector_effect"][kind] + rng.normal(0, params["officer_sd"])
    row = {"respondent_id": f"{municipality}-{sector}", "municipality": municipality, "sector": sector}
    base = params["base_rates"]
    for item_id, item in codebook.items.items():
        rule = item.asked_if
        if rule is not None and row.get(rule.item) != rule.equals:
            row[item_id] = None
            continue
        collaboration_part = item_id == "collaborates" or item_id.startswith(("way_", "pos_", "neg_", "pol_"))
        sign = params["negative_sign"] if item_id.startswith("neg_") else 1
        effect = sign * (params["culture_weight"] * culture
                         + (params["politics_weight"] * politics if collaboration_part else 0)) + shift
        if item.type == "yes_dk_no":
            p_yes, p_dk = params["factors"][item_id]
            yes = _expit(_logit(p_yes) + effect)
            dk = min(p_dk, 1 - yes)
            u = rng.random()
            row[item_id] = "yes" if u < yes else "dont_know" if u < yes + dk else "no"
            continue
        if item_id.startswith("partner_"):
            partner = item_id.removeprefix("partner_")
            if partner == sector:
                row[item_id] = "no"
                continue
            both_social = domain.get(partner) == "social" and domain.get(sector) in ("social", None) or partner == "vgz"
            logit = _logit(base["partner"]) + (base["partner_social_bonus"] if both_social else 0) + 0.5 * culture
        elif item_id.startswith("ext_"):
            logit = _logit(base.get(item_id, base["ext"])) + 0.5 * culture
        else:
            logit = _logit(base[item_id]) + effect
        row[item_id] = "yes" if rng.random() < _expit(logit) else "no"
    return row


def write_wave(frame: pd.DataFrame, wave: str, *, fmt: str = "sav", paths: Paths | None = None,
               codebook: Codebook | None = None, description: str = "") -> list[Path]:
    """Write a synthetic wave as a researcher would receive it, and its mapping file (synthetic: generated)."""
    import pyreadstat

    from igb._checks import check_argument
    from igb.survey.io import write_csv

    check_argument("fmt", ("sav", "csv"), fmt)
    paths = paths or project_paths()
    codebook = codebook or Codebook.load(paths.codebook)
    folder = paths.raw(wave)
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
        target = folder / "responses.sav"
        tmp = folder / ".responses.sav.tmp"
        pyreadstat.write_sav(coded, str(tmp), column_labels=[variable_labels.get(c, c) for c in coded.columns],
                             variable_value_labels=labels)
        tmp.replace(target)
    municipalities = sorted(frame["municipality"].unique(), key=int)
    spec = (f"# SYNTHETIC wave made by `igb synth` (igb.synth, params/synth.yaml): not survey data.\n"
            f"wave: {wave}\nsynthetic: generated\ndescription: \"{description or 'SYNTHETIC wave from igb.synth'}\"\n"
            f"file: {target.name}\nmunicipalities: [{', '.join(repr(m) for m in municipalities)}]\n")
    spec_path = write_text(spec, paths.wave_mapping(wave))
    return [target, spec_path]
