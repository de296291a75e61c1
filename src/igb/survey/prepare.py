"""Prepare a wave: raw file -> validation -> recode -> data/processed/<wave>/respondents.parquet."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from igb.analysis.maturity import assess, load_model
from igb.analysis.tables import report_tables
from igb.config import Paths, paths as project_paths
from igb.errors import ConfigError, ValidationFailed
from igb.survey.codebook import Codebook
from igb.survey.io import write_csv, write_parquet
from igb.survey.wave import load_spec, raw_file


def prepare(wave: str, *, paths: Paths | None = None, out: str | Path | None = None):
    """Validate the wave's raw file and write its respondents.parquet (atomically).

    Also writes maturity.csv (stage per municipality, params/maturity.yaml) with maturity_evidence.csv,
    tables.parquet (every report table, unsuppressed: processed data stay internal;
    reports apply min_cell) and validation.csv. Returns (path written, validation report). On any validation error nothing is written
    and ValidationFailed carries the report. The raw file is only read.
    """
    from igb.survey.recode import load_recode, recode  # here, not at the top: `load_respondents` needs neither,
    from igb.survey.schema import validate_file        # and the schema library costs ≈0.3 s to import

    paths = paths or project_paths()
    spec = load_spec(wave, paths=paths)
    source = raw_file(wave, spec, paths=paths)
    codebook = Codebook.load(paths.codebook)
    report, canonical = validate_file(source, codebook=codebook, spec=spec)
    if canonical is None:
        raise ValidationFailed(report)
    frame = recode(canonical, wave=wave, codebook=codebook, recode=load_recode(paths.recode))
    target = Path(out) if out else paths.processed(wave) / "respondents.parquet"
    with ThreadPoolExecutor(1) as writer:  # arrow writes without the GIL: the tables are computed meanwhile
        written = writer.submit(write_parquet, frame, target)
        tables = report_tables(frame, codebook=codebook, sent=spec.sent or None)
        stages, evidence = assess(frame, load_model(paths.params / "maturity.yaml"))
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
