"""Load the transcription of the report's printed tables (data/published/) in the common table shape."""

from __future__ import annotations

import pandas as pd

from igb.config import Paths, paths as project_paths

SHAPE = ["unit_type", "unit", "item", "category", "count", "n", "pct", "suppressed"]
PRINTED = ["printed", "n_source", "column_position", "header_status", "location", "seed_line", "note"]
TABLES = ["3.1", "4.1", "4.2", "sec5.1", "fig6.1", "fig6.4", "VI.1", "VII.2", "VII.3",
          "VIII.1", "VIII.2", "VIII.3", "IX.1", "IX.2", "IX.3"]


def load(*, paths: Paths | None = None, tables: list[str] | None = None) -> pd.DataFrame:
    """Every published table in the common shape, with a `table` column.

    `count` and `pct` are as printed (never corrected; see `igb.rivm2009.audit` for the errata);
    `n` is printed or derived as `n_source` says. The transcription columns (`printed`,
    `location`, `seed_line`, `note`, ...) say where each cell stands in the report.
    """
    paths = paths or project_paths()
    frames = []
    for table in tables or TABLES:
        frame = pd.read_csv(paths.published / f"{table}.csv", dtype={"unit": str, "table": str},
                            keep_default_na=False, na_values={"count": [""], "n": [""], "pct": [""]})
        frames.append(frame)
    out = pd.concat(frames, ignore_index=True)
    for column in ("count", "n", "column_position", "seed_line"):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    out["pct"] = pd.to_numeric(out["pct"], errors="coerce").astype("Float64")
    out["suppressed"] = False
    return out[["table", *SHAPE, *PRINTED]]
