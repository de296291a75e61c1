"""The prepared respondents of a wave (data/processed/<wave>/respondents.parquet), as `igb prepare` wrote them."""

from __future__ import annotations

import pandas as pd

from igb.config import Paths, paths as project_paths
from igb.errors import ConfigError


def load_respondents(wave: str, *, paths: Paths | None = None) -> pd.DataFrame:
    """The prepared respondents of a wave (run `igb prepare --wave W` first)."""
    paths = paths or project_paths()
    path = paths.processed(wave) / "respondents.parquet"
    if not path.exists():
        raise ConfigError(f"{path} does not exist; run `igb prepare --wave {wave}` first")
    return pd.read_parquet(path)
