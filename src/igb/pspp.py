"""Run GNU PSPP on the exported .sav and read its counts back, to check igb's tables against an SPSS clone."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pandas as pd

from igb.errors import IgbError


def available() -> bool:
    """Whether the `pspp` command is installed (Debian package `pspp`)."""
    return shutil.which("pspp") is not None


def run(syntax: Path, output: Path) -> Path:
    """Run a syntax file with PSPP, writing its tables as CSV; raises IgbError with PSPP's message on failure."""
    result = subprocess.run(["pspp", "-O", "format=csv", "-o", str(output), str(syntax)], cwd=syntax.parent,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise IgbError(f"pspp failed on {syntax}: {result.stderr.strip() or result.stdout.strip()}")
    return output


def _tables(text: str):
    """(title, rows) for each table of PSPP's CSV output."""
    for block in text.split("\n\n"):
        lines = block.strip("\n").splitlines()
        if lines and lines[0].startswith("Table: "):
            yield lines[0][len("Table: "):], list(csv.reader(io.StringIO("\n".join(lines[1:]))))


def crosstab_counts(output: Path) -> pd.DataFrame:
    """Counts of every CROSSTABS table (printed with SET TVARS=NAMES TNUMBERS=VALUES): by, unit, item, code, count."""
    records = []
    for title, rows in _tables(Path(output).read_text(encoding="utf-8")):
        if " × " not in title:
            continue
        by, item = [part.strip() for part in title.split(" × ", 1)]
        codes = rows[1][3:-1]  # second header row: the item's codes, then the Total column
        unit = None
        for row in rows[2:]:
            if row[0] == "Total" or len(row) < 4:
                continue
            unit = row[1] if row[1] else unit
            for code, count in zip(codes, row[3:-1]):
                records.append((by, unit, item, code, int(count)))
    return pd.DataFrame(records, columns=["by", "unit", "item", "code", "count"])


def frequency_counts(output: Path) -> pd.DataFrame:
    """Valid counts of every FREQUENCIES table: item, code, count."""
    records = []
    for title, rows in _tables(Path(output).read_text(encoding="utf-8")):
        if " × " in title or title == "Statistics":
            continue
        for row in rows[1:]:
            if row[0] in ("Valid", "") and len(row) > 2 and row[1] and row[2].isdigit():
                records.append((title, row[1], int(row[2])))
    return pd.DataFrame(records, columns=["item", "code", "count"])
