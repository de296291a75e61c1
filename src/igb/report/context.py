"""What a notebook needs of a wave, in one call: respondents, tables, labels, and whether it is synthetic."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from igb._checks import check_lang
from igb.analysis.tables import report_tables, suppress, wide
from igb.config import Paths, paths as project_paths
from igb.survey.codebook import Codebook
from igb.survey.prepare import load_respondents
from igb.survey.wave import WaveSpec, load_spec

SYNTHETIC_BANNER = {
    "nl": ("**SYNTHETISCHE GEGEVENS.** De respondenten van golf `{wave}` zijn gereconstrueerd uit de "
           "gepubliceerde tabellen van RIVM-rapport 270161002; het zijn niet de onderzoeksgegevens. Alleen "
           "getallen die het rapport zelf publiceert, zijn bevindingen van het onderzoek uit 2009; wat alleen "
           "de reconstructie bepaalt (combinaties van antwoorden, antwoorden per sector), is dat niet."),
    "en": ("**SYNTHETIC DATA.** The respondents of wave `{wave}` are reconstructed from the tables published in "
           "RIVM report 270161002; they are not the study's data. Only numbers the report itself publishes are "
           "findings of the 2009 study; what only the reconstruction determines (combinations of answers, answers "
           "per sector) is not."),
}


@dataclass
class WaveContext:
    """A prepared wave with its tables (cells below `min_cell` suppressed) for one language."""

    wave: str
    spec: WaveSpec
    respondents: pd.DataFrame
    tables: pd.DataFrame
    codebook: Codebook
    lang: str
    min_cell: int
    paths: Paths | None = None

    @property
    def synthetic(self) -> bool:
        return self.spec.synthetic

    def banner(self) -> str:
        """Markdown to show at the top of every output of a synthetic wave ('' for a real wave)."""
        return SYNTHETIC_BANNER[self.lang].format(wave=self.wave) if self.synthetic else ""

    def table(self, name: str, *, unit_type: str | None = None) -> pd.DataFrame:
        """One table in the common shape (optionally one unit type)."""
        t = self.tables[self.tables["table"] == name]
        if unit_type is not None:
            t = t[t["unit_type"].isin([unit_type, "all"])]
        if t.empty:
            raise KeyError(f"no table {name!r} for wave {self.wave!r}; known: {sorted(self.tables['table'].unique())}")
        return t

    def show(self, name: str, *, unit_type: str | None = None) -> pd.DataFrame:
        """A table laid out as the report prints it: units as rows, items as columns, '72% (5)' cells."""
        return wide(self.table(name, unit_type=unit_type), lang=self.lang, codebook=self.codebook)

    def missing_items(self, items) -> list[str]:
        """Items a notebook section needs that this wave did not ask (all answers blank)."""
        return [i for i in items if i not in self.respondents or self.respondents[i].isna().all()]


def load(wave: str, *, lang: str = "nl", min_cell: int = 0, paths: Paths | None = None) -> WaveContext:
    """Load a prepared wave (run `igb prepare --wave W` first) and its tables."""
    check_lang(lang)
    paths = paths or project_paths()
    spec = load_spec(wave, paths=paths)
    codebook = Codebook.load(paths.codebook)
    respondents = load_respondents(wave, paths=paths)
    tables_path = paths.processed(wave) / "tables.parquet"
    if tables_path.exists():
        tables = pd.read_parquet(tables_path)
    else:
        tables = report_tables(respondents, codebook=codebook, sent=spec.sent or None)
    keep = tables["table"].isin(["VI.1", "fig3.1"])  # response counts are not shares of a small base
    tables = pd.concat([tables[keep], suppress(tables[~keep], min_cell)]) if min_cell else tables
    return WaveContext(wave, spec, respondents, tables.reset_index(drop=True), codebook, lang, min_cell, paths)
