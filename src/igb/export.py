"""Export a prepared wave for SPSS users: a labelled .sav of the respondents, and every table as an .xlsx sheet.

The .sav has numeric codes with Dutch (or English) value labels, the question as variable label, "not asked"
declared as a user-missing code, and the derived variables of params/recode.yaml. Read back through igb's own
reader it gives the same answers (tested), and PSPP/SPSS read it with every label (see `pspp_syntax`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from igb._checks import check_lang
from igb.config import Paths, paths as project_paths
from igb.survey.codebook import Codebook
from igb.survey.io import atomic_path, write_workbook
from igb.survey.recode import load_recode
from igb.text import label, t

NOT_ASKED = 9  # user-missing code of an item that was not asked
ITEMS_PER_LINE = 8


def to_spss_frame(respondents: pd.DataFrame, *, codebook: Codebook, recode: dict, lang: str = "nl"):
    """The coded frame and its metadata (variable labels, value labels, missing values) for pyreadstat."""
    check_lang(lang)
    out = pd.DataFrame({"respondent_id": respondents["respondent_id"].astype(str),
                        "wave": respondents["wave"].astype(str),
                        "municipality": respondents["municipality"].astype(str)})
    sectors = codebook.sector_ids
    out["sector"] = respondents["sector"].astype(str).map({s: float(i + 1) for i, s in enumerate(sectors)})
    labels = {"sector": {float(i + 1): codebook.sector_label(s, lang) for i, s in enumerate(sectors)}}
    variable = {k: t(f"export.variable.{k}", lang) for k in ("respondent_id", "wave", "municipality", "sector")}
    missing = {}
    for item_id, item in codebook.items.items():
        options = codebook.value_sets[item.type]
        values = respondents[item_id].astype(object) if item_id in respondents else pd.Series(None, index=respondents.index)
        out[item_id] = values.map(lambda v, o=options: float(NOT_ASKED) if pd.isna(v) else float(o[str(v)].code))
        labels[item_id] = {float(o.code): label({"nl": o.nl, "en": o.en}, lang) for o in options.values()}
        labels[item_id][float(NOT_ASKED)] = t("export.not_asked", lang)
        variable[item_id] = item.label(lang)[:255]
        missing[item_id] = [float(NOT_ASKED)]
    for kind in ("sector_group", "domain"):
        groups = list(recode[kind]["groups"])
        out[kind] = respondents[kind].astype(object).map(lambda v, g=groups: float(g.index(v) + 1) if isinstance(v, str) else np.nan)
        labels[kind] = {float(i + 1): label(recode[kind]["groups"][g]["label"], lang) for i, g in enumerate(groups)}
        variable[kind] = t(f"export.variable.{kind}", lang)
    yes_no = codebook.value_sets["yes_no"]
    for point, spec in recode["albeda_entry_point"]["points"].items():
        column = f"albeda_{point}"
        if column in respondents:
            out[column] = respondents[column].astype(object).map(lambda v: np.nan if pd.isna(v) else float(yes_no[str(v)].code))
            labels[column] = {float(o.code): label({"nl": o.nl, "en": o.en}, lang) for o in yes_no.values()}
            variable[column] = label(spec["label"], lang)[:255]
    if "himmelman_level" in respondents:
        out["himmelman_level"] = respondents["himmelman_level"].astype("Float64").astype(float)
        labels["himmelman_level"] = {float(k): label(d["label"], lang) for k, d in recode["himmelman"]["levels"].items()}
        variable["himmelman_level"] = t("export.variable.himmelman_level", lang)
    return out, variable, labels, missing


def export_sav(respondents: pd.DataFrame, path: str | Path, *, lang: str = "nl", codebook: Codebook | None = None,
               recode: dict | None = None) -> Path:
    """Write the respondents as a labelled SPSS file (atomically)."""
    import pyreadstat

    codebook = codebook or Codebook.load()
    frame, variable, labels, missing = to_spss_frame(respondents, codebook=codebook, recode=recode or load_recode(), lang=lang)
    return atomic_path(Path(path), lambda tmp: pyreadstat.write_sav(
        frame, str(tmp), column_labels=[variable.get(c, c) for c in frame.columns], variable_value_labels=labels,
        missing_ranges=missing, variable_measure={c: "nominal" for c in frame.columns if c != "respondent_id"}))


def export_xlsx(tables: pd.DataFrame, path: str | Path) -> Path:
    """Every table of a wave as a sheet of one workbook (atomically)."""
    return write_workbook({name: table.drop(columns="table") for name, table in tables.groupby("table", sort=False)}, path)


def pspp_syntax(sav: str, *, codebook: Codebook | None = None) -> str:
    """PSPP/SPSS syntax that reproduces the project's counts: FREQUENCIES of every item and CROSSTABS of every
    item by municipality, sector and sector group. Run it with `pspp -O format=csv -o out.csv file.sps`
    (or open it in SPSS) and compare the counts with igb's tables."""
    codebook = codebook or Codebook.load()
    items = codebook.item_ids
    lines = ["* Generated by igb (igb.export.pspp_syntax) from params/codebook.yaml.",
             "* Counts per answer for every item, overall and by municipality, sector and VNG sector group.",
             "* Code 9 = not asked is declared missing in the file, so it is left out, as in igb's tables.",
             "* TVARS/TNUMBERS make the output name variables and codes, for a machine comparison;",
             "* remove that line to see the Dutch labels.",
             f"GET FILE='{sav}'.", "SET FORMAT=F8.0.", "SET TVARS=NAMES TNUMBERS=VALUES.",
             "FREQUENCIES VARIABLES=" + _wrap(items) + "."]
    for by in ("municipality", "sector", "sector_group"):
        lines.append(f"CROSSTABS /TABLES={by} BY " + _wrap(items) + "\n  /CELLS=COUNT.")
    return "\n".join(lines) + "\n"


def _wrap(names) -> str:
    chunks = [" ".join(names[i:i + ITEMS_PER_LINE]) for i in range(0, len(names), ITEMS_PER_LINE)]
    return "\n    ".join(chunks)


def export_wave(wave: str, *, to: str = "sav", lang: str = "nl", min_cell: int | None = None,
                paths: Paths | None = None) -> list[Path]:
    """`igb export`: data/processed/<wave>/export/respondents.sav (+ the PSPP syntax) or tables.xlsx.

    The .sav keeps the respondent rows (it is the researcher's own file, like the raw one); the workbook of tables
    follows the privacy rule (`min_cell` if given, else the wave's, else 5), suppression included."""
    from igb._checks import check_argument
    from igb.analysis.tables import load_tables
    from igb.survey.processed import load_respondents
    from igb.survey.io import write_text
    from igb.survey.wave import load_spec

    check_argument("to", ("sav", "xlsx"), to)
    paths = paths or project_paths()
    folder = paths.processed(wave) / "export"
    if to == "xlsx":
        spec = load_spec(wave, paths=paths)
        tables = load_tables(wave, spec.min_cell_for(min_cell), spec=spec, paths=paths)
        return [export_xlsx(tables, folder / "tables.xlsx")]
    name = "respondents.sav" if lang == "nl" else f"respondents.{lang}.sav"
    sav = export_sav(load_respondents(wave, paths=paths), folder / name, lang=lang,
                     codebook=Codebook.load(paths.codebook), recode=load_recode(paths.recode))
    syntax = write_text(pspp_syntax(name, codebook=Codebook.load(paths.codebook)), folder / "crosscheck.sps")
    return [sav, syntax]
