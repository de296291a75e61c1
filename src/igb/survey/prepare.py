"""Prepare a wave: raw file -> validation -> recode -> data/processed/<wave>/respondents.parquet."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from igb.analysis.maturity import assess, hidden_cells, load_model
from igb.analysis.tables import report_tables, suppress_tables
from igb.config import Paths, paths as project_paths
from igb.errors import ConfigError, ValidationFailed
from igb.survey.codebook import Codebook
from igb.survey.io import write_csv, write_parquet
from igb.survey.wave import load_spec, raw_file


def prepare(wave: str, *, paths: Paths | None = None, out: str | Path | None = None, min_cell: int | None = None):
    """Validate the wave's raw file and write its respondents.parquet (atomically).

    Also writes tables.parquet (every report table, suppressed by the privacy rule: `min_cell` if given, else the
    wave's, else the default; the value is kept in the file's metadata), maturity.csv (stage per municipality,
    params/maturity.yaml, none below min_cell) with maturity_evidence.csv, and validation.csv. Only
    respondents.parquet holds respondent rows: it is the researcher's own data, as the raw file is. Returns (path
    written, validation report). On any validation error nothing is written and ValidationFailed carries the
    report. The raw file is only read.
    """
    from igb.survey.recode import load_recode, recode  # here, not at the top: `load_respondents` needs neither,
    from igb.survey.schema import validate_file        # and the schema library costs ≈0.3 s to import

    paths = paths or project_paths()
    spec = load_spec(wave, paths=paths)
    min_cell = spec.min_cell_for(min_cell)
    source = raw_file(wave, spec, paths=paths)
    codebook = Codebook.load(paths.codebook)
    report, canonical = validate_file(source, codebook=codebook, spec=spec)
    if canonical is None:
        raise ValidationFailed(report)
    frame = recode(canonical, wave=wave, codebook=codebook, recode=load_recode(paths.recode))
    target = Path(out) if out else paths.processed(wave) / "respondents.parquet"
    with ThreadPoolExecutor(1) as writer:  # arrow writes without the GIL: the tables are computed meanwhile
        written = writer.submit(write_parquet, frame, target)
        tables = suppress_tables(report_tables(frame, codebook=codebook, sent=spec.sent or None), min_cell)
        tables.attrs["min_cell"] = min_cell
        stages, evidence = assess(frame, load_model(paths.params / "maturity.yaml"), min_cell=min_cell,
                                  hidden=hidden_cells(tables))
        written.result()
    write_parquet(tables, target.parent / "tables.parquet")
    write_csv(report.to_frame(), target.parent / "validation.csv")
    write_csv(stages, target.parent / "maturity.csv")
    write_csv(evidence, target.parent / "maturity_evidence.csv")
    return target, report


def load_respondents(wave: str, *, paths: Paths | None = None) -> pd.DataFrame:
    """The prepared respondents of a wave (run `igb prepare --wave W` first)."""
    paths = paths or project_paths()
    path = paths.processed(wave) / "respondents.parquet"
    if not path.exists():
        raise ConfigError(f"{path} does not exist; run `igb prepare --wave {wave}` first")
    return pd.read_parquet(path)


def load_tables(wave: str, min_cell: int, *, respondents: pd.DataFrame | None = None, spec=None,
                codebook: Codebook | None = None, paths: Paths | None = None) -> pd.DataFrame:
    """The wave's report tables suppressed with `min_cell` (already resolved by the privacy rule): tables.parquet
    when it was prepared under the same value, else computed from the respondents."""
    paths = paths or project_paths()
    stored = paths.processed(wave) / "tables.parquet"
    if stored.exists():
        tables = pd.read_parquet(stored)
        if tables.attrs.get("min_cell") == min_cell:
            return tables
    spec = spec or load_spec(wave, paths=paths)
    respondents = load_respondents(wave, paths=paths) if respondents is None else respondents
    tables = suppress_tables(report_tables(respondents, codebook=codebook or Codebook.load(paths.codebook),
                                           sent=spec.sent or None), min_cell)
    tables.attrs["min_cell"] = min_cell
    return tables
