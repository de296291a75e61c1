"""Computed tables against the printed ones, cell by cell: the replication report.

Each printed cell is a `match` (computed count and rounded percentage equal what was printed),
`explained` (it differs, and the audit's errata say why), `unexplained` (it differs and nothing
explains it: the replication fails) or `not_computed` (not survey data, e.g. the interviews of table 3.1).
"""

from __future__ import annotations

import pandas as pd

from igb.analysis.tables import round_pct
from igb.rivm2009 import published as pub
from igb.rivm2009.audit import errata as audit_errata

KEYS = ["table", "unit_type", "unit", "item", "category"]
# printed table -> computed table, where the report prints a number in one place that we compute in another
ALIASES = {("sec5.1", "sector"): "fig5.1", ("sec5.1", "all"): "VIII.2"}


def _explanations(errata: pd.DataFrame) -> dict:
    """Which printed cells the errata explain, keyed like the published cells."""
    out = {}
    for r in errata.itertuples():
        if r.check == "rounding":
            out[(r.table, r.unit, r.item)] = f"{r.check}: {r.resolution}"
        elif r.check in ("column_sum", "figure_sum"):
            out[(r.table, "*", r.item)] = f"{r.check}: {r.resolution}"
    return out


def compare(computed: pd.DataFrame, *, published: pd.DataFrame | None = None, errata: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per printed cell: printed and computed count and percentage, status and explanation."""
    published = pub.load() if published is None else published
    errata = audit_errata(published) if errata is None else errata
    explained = _explanations(errata)
    lookup = computed.set_index(KEYS)
    rows = []
    for cell in published.itertuples():
        table = ALIASES.get((cell.table, cell.unit_type), cell.table)
        key = (table, cell.unit_type, cell.unit, cell.item, cell.category)
        record = {"table": cell.table, "unit_type": cell.unit_type, "unit": cell.unit, "item": cell.item,
                  "category": cell.category, "printed": cell.printed, "printed_count": cell.count,
                  "printed_pct": cell.pct, "printed_n": cell.n}
        if key not in lookup.index:
            rows.append({**record, "status": "not_computed", "explanation": "not survey data" if cell.table == "3.1" else "no computed cell"})
            continue
        got = lookup.loc[key]
        count, n, pct = got["count"], got["n"], got["pct"]
        pct_r = None if pd.isna(pct) else round_pct(float(pct))
        ok_count = pd.isna(cell.count) or count == cell.count
        ok_pct = pd.isna(cell.pct) or pct_r == cell.pct
        reason = explained.get((cell.table, cell.unit, cell.item)) or explained.get((cell.table, "*", cell.item))
        status = "match" if ok_count and ok_pct else "explained" if reason else "unexplained"
        rows.append({**record, "count": count, "n": n, "pct": pct_r, "status": status,
                     "explanation": reason if status == "explained" else ""})
    return pd.DataFrame(rows)


def summary(report: pd.DataFrame) -> pd.DataFrame:
    """Cells per table and status."""
    table = report.pivot_table(index="table", columns="status", values="item", aggfunc="count", fill_value=0)
    order = [t for t in pub.TABLES if t in table.index]
    table = table.reindex(order)
    for col in ("match", "explained", "unexplained", "not_computed"):
        if col not in table:
            table[col] = 0
    table = table[["match", "explained", "unexplained", "not_computed"]]
    table.loc["total"] = table.sum()
    table.columns.name = None
    return table
