"""What a notebook needs of a wave, in one call: respondents, tables, labels, and whether it is synthetic."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from igb._checks import check_lang
from igb.analysis import maturity
from igb.analysis.registry import Registry, load_registry
from igb.report.labels import wide
from igb.report.stages import in_words
from igb.config import Paths, paths as project_paths
from igb.survey.codebook import Codebook
from igb.analysis.tables import load_tables
from igb.survey.processed import load_respondents
from igb.survey.recode import load_recode
from igb.survey.wave import WaveSpec, load_spec
from igb.text import t


@dataclass
class WaveContext:
    """A prepared wave with its tables (cells below `min_cell` suppressed, complementary suppression included) and
    its maturity stages under the same rule, for one language."""

    wave: str
    spec: WaveSpec
    respondents: pd.DataFrame
    tables: pd.DataFrame
    codebook: Codebook
    lang: str
    min_cell: int
    paths: Paths | None = None
    _stages: tuple | None = None

    def stages(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(stages, evidence) of params/maturity.yaml under this context's min_cell, in this context's language:
        those `igb prepare` computed (maturity.csv, with the wave's document evidence and each stage's uncertainty),
        or, when it prepared under another min_cell, computed here the same way. A municipality below min_cell has
        no stage and no range, and no figure the tables hide appears in the evidence."""
        if self._stages is None:
            paths = self.paths or project_paths()
            model = maturity.load_model(paths.params / "maturity.yaml")
            codes = maturity.load_stages(self.wave, self.min_cell, paths=paths)
            if codes is None:  # prepared under another min_cell: the same computation as `igb prepare`'s
                documents = maturity.load_documents(self.wave, model, self.respondents["municipality"].astype(str).unique(),
                                                    paths=paths)
                codes = maturity.assess(self.respondents, model, min_cell=self.min_cell,
                                        hidden=maturity.hidden_cells(self.tables), documents=documents)
            self._stages = in_words(*codes, model, self.lang)
        return self._stages

    @cached_property
    def registry(self) -> Registry:
        """Every table of params/tables.yaml, with its items (`igb.analysis.registry`)."""
        return load_registry(self.codebook, (self.paths or project_paths()).params / "tables.yaml")

    @cached_property
    def recode(self) -> dict:
        """params/recode.yaml: sector groups, the Albeda entry points, the factor groups (their labels too)."""
        return load_recode((self.paths or project_paths()).recode)

    @property
    def synthetic(self) -> bool:
        return self.spec.synthetic

    def banner(self, *, label: bool = True) -> str:
        """Markdown to show at the top of every output of a synthetic wave ('' for a real wave): the bold label
        ('SYNTHETISCHE GEGEVENS.') and what the data are; without the label under a heading that says it."""
        if not self.synthetic:
            return ""
        kind = "reconstructed" if self.spec.synthetic_kind == "reconstructed" else "generated"
        body = t(f"context.banner_{kind}", self.lang, wave=self.wave)
        return f"**{t('context.banner_label', self.lang)}** {body}" if label else body

    def facts(self) -> str:
        """Markdown: the wave, its respondents and municipalities, and what the privacy rule hides (nothing under
        min_cell 1)."""
        key = "context.facts" if self.min_cell > 1 else "context.facts_all_shown"
        return t(key, self.lang, wave=self.wave, respondents=len(self.respondents), min_cell=self.min_cell,
                 municipalities=self.respondents["municipality"].nunique() if len(self.respondents) else 0)

    def table(self, name: str, *, unit_type: str | None = None) -> pd.DataFrame:
        """One table in the common shape (optionally one unit type)."""
        t = self.tables[self.tables["table"] == name]
        if unit_type is not None:
            t = t[t["unit_type"].isin([unit_type, "all"])]
        if t.empty:
            if name in self.registry.tables:  # declared, but the wave lacks what it needs: say which, never empty
                raise KeyError(f"table {name!r} is empty for wave {self.wave!r}: it lacks "
                               f"{self.missing_items(table=name) or self.registry[name].items}")
            raise KeyError(f"no table {name!r} in params/tables.yaml; known: {list(self.registry.tables)}")
        return t

    def show(self, name: str, *, unit_type: str | None = None) -> pd.DataFrame:
        """A table laid out as the report prints it: units as rows, items as columns, '72% (5)' cells."""
        return wide(self.table(name, unit_type=unit_type), lang=self.lang, codebook=self.codebook, recode=self.recode)

    def missing_items(self, items=None, *, table: str | None = None) -> list[str]:
        """Items a notebook section needs (`items`, or those of `table`: a table of the registry, or a figure the
        codebook's `tables:` field names) that this wave did not ask (all answers blank)."""
        if table is not None:
            items = self.registry[table].items if table in self.registry.tables else self.codebook.items_of(table)
        return [i for i in items if i not in self.respondents or self.respondents[i].isna().all()]

    def has(self, items=None, *, table: str | None = None) -> bool:
        """Whether this wave holds every item a section needs (`items`, or those of a registry `table`)."""
        return not self.missing_items(items, table=table)

    def skip_note(self, items=None, *, table: str | None = None) -> str:
        """Markdown that says a section is skipped, and which items it misses."""
        missing = ", ".join(f"`{i}`" for i in self.missing_items(items, table=table))
        return t("context.skipped", self.lang, wave=self.wave, missing=missing)


def comparison_min_cell(wave: str, baseline: str, min_cell: int | None = None, *, paths: Paths | None = None) -> int:
    """The minimum cell size of a comparison of two waves: `min_cell` if given, else the stricter of the two waves'
    own rules (both waves' figures appear side by side in one output)."""
    paths = paths or project_paths()
    if min_cell is not None:
        return load_spec(wave, paths=paths).min_cell_for(min_cell)
    return max(load_spec(w, paths=paths).min_cell_for(None) for w in (wave, baseline))


def load(wave: str, *, lang: str = "nl", min_cell: int | None = None, paths: Paths | None = None) -> WaveContext:
    """Load a prepared wave (run `igb prepare --wave W` first) with its tables suppressed by the privacy rule:
    `min_cell` if given, else the wave's `min_cell`, else the default (`igb.privacy`)."""
    check_lang(lang)
    paths = paths or project_paths()
    spec = load_spec(wave, paths=paths)
    min_cell = spec.min_cell_for(min_cell)
    codebook = Codebook.load(paths.codebook)
    respondents = load_respondents(wave, paths=paths)
    tables = load_tables(wave, min_cell, respondents=respondents, spec=spec, codebook=codebook, paths=paths)
    return WaveContext(wave, spec, respondents, tables.reset_index(drop=True), codebook, lang, min_cell, paths)


def of_tables(tables: pd.DataFrame, *, lang: str = "nl", synthetic: bool = False, wave: str = "tables",
              paths: Paths | None = None) -> WaveContext:
    """A context holding only a tables frame (`report_tables`' shape, suppressed as the caller chose), for drawing
    figures from tables one computed oneself; it has no respondents and no stages."""
    check_lang(lang)
    paths = paths or project_paths()
    spec = WaveSpec(wave=wave, synthetic=synthetic, synthetic_kind="generated" if synthetic else "")
    min_cell = int(tables.attrs.get("min_cell", 1))
    return WaveContext(wave, spec, pd.DataFrame(), tables, Codebook.load(paths.codebook), lang, min_cell, paths)
