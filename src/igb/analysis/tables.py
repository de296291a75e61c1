"""Frequency tables of a respondents frame in the common table shape, for every unit the report uses.

Every function returns a long frame with `unit_type, unit, item, category, count, n, pct, suppressed`.
The denominator `n` is the number of respondents of the unit who were asked the item and answered it,
which gives the report's conditional denominators: target groups among those who work on health,
ways of collaborating and factors among those who collaborate. Percentages are exact (not rounded);
`round_pct` rounds them half up, as the report prints them.
"""

from __future__ import annotations

from fractions import Fraction
from math import floor

import numpy as np
import pandas as pd

from igb._checks import check_argument
from igb.config import Paths, paths as project_paths
from igb.survey.codebook import Codebook

SHAPE = ["unit_type", "unit", "item", "category", "count", "n", "pct", "suppressed"]
from igb.analysis.registry import UNIT_TYPES


def round_pct(pct: float) -> int:
    """Round a percentage half up, as the report prints it (12.5 -> 13)."""
    return floor(Fraction(pct).limit_denominator(10**6) + Fraction(1, 2))


class CountCube:
    """Answer counts per cell (one combination of municipality, sector, sector group and domain) and item.

    Built in one pass per item (a bincount over cell x answer codes); every table of any unit type is then
    a sum over cells, so the cost of all tables grows with respondents x items once, not per table.
    """

    UNIT_COLUMNS = ("municipality", "sector", "sector_group", "domain")

    def __init__(self, frame: pd.DataFrame, items):
        columns = [c for c in self.UNIT_COLUMNS if c in frame]
        if columns:
            keys = frame[columns]
            cell = keys.groupby(columns, sort=False, dropna=False, observed=True).ngroup().to_numpy()
            first = pd.Series(np.arange(len(frame))).groupby(cell).min().to_numpy()
            self.cells = keys.iloc[first].reset_index(drop=True).astype(object)
        else:
            cell, self.cells = np.zeros(len(frame), dtype=np.int64), pd.DataFrame(index=[0])
        self.n_cells = len(self.cells)
        self.counts: dict[str, tuple[list[str], np.ndarray]] = {}
        for item in dict.fromkeys(items):
            if item not in frame:
                continue
            series = frame[item]
            if isinstance(series.dtype, pd.CategoricalDtype):
                answers, code = [str(c) for c in series.cat.categories], series.cat.codes.to_numpy()
            else:
                code, uniques = pd.factorize(series, sort=True, use_na_sentinel=True)
                answers = [str(u) for u in uniques]
            k = max(len(answers), 1)
            hit = code >= 0
            counts = np.bincount(cell[hit] * k + code[hit], minlength=self.n_cells * k).reshape(self.n_cells, k)
            self.counts[item] = (answers, counts)

    def unit_index(self, unit_type: str) -> tuple[np.ndarray, list[str]]:
        """Per cell, its unit of `unit_type` (-1 = none), and the units in order of first appearance."""
        check_argument("unit_type", UNIT_TYPES, unit_type)
        if unit_type == "all":
            return np.zeros(self.n_cells, dtype=np.int64), ["all"]
        if unit_type not in self.cells:
            return np.full(self.n_cells, -1), []
        codes, uniques = pd.factorize(self.cells[unit_type], sort=False, use_na_sentinel=True)
        return codes.astype(np.int64), [str(u) for u in uniques]

    def table(self, items, *, by: str, categories) -> pd.DataFrame:
        """Rows of the common shape for `items` per unit of `by` (unit by unit, items in the order given)."""
        unit, units = self.unit_index(by)
        keep = unit >= 0
        blocks = []
        for item in items:
            if item not in self.counts:
                continue
            answers, counts = self.counts[item]
            per_unit = np.zeros((len(units), counts.shape[1]), dtype=np.int64)
            np.add.at(per_unit, unit[keep], counts[keep])
            n = per_unit.sum(axis=1)
            picked = np.column_stack([per_unit[:, answers.index(c)] if c in answers else np.zeros(len(units), dtype=np.int64)
                                      for c in categories]) if len(units) else np.zeros((0, len(categories)), dtype=np.int64)
            with np.errstate(invalid="ignore", divide="ignore"):
                pct = 100 * picked / n[:, None]
            blocks.append(pd.DataFrame({
                "unit_type": by, "unit": np.repeat(units, len(categories)), "item": item,
                "category": np.tile(list(categories), len(units)), "count": picked.ravel(),
                "n": np.repeat(n, len(categories)), "pct": pct.ravel(),
                "_unit": np.repeat(np.arange(len(units)), len(categories))}))
        if not blocks:
            return pd.DataFrame(columns=SHAPE[:-1])
        return pd.concat(blocks, ignore_index=True).sort_values("_unit", kind="stable").drop(columns="_unit")


def frequencies(frame: pd.DataFrame, items, *, by: str = "all", categories=("yes",), min_cell: int = 0,
                with_total: bool = False, cube: CountCube | None = None) -> pd.DataFrame:
    """Count, n and percentage of each item's categories per unit of `by`.

    Parameters
    ----------
    frame : respondents (data/processed/<wave>/respondents.parquet).
    items : item ids (columns of `frame`).
    by : "all", "municipality", "sector", "sector_group" or "domain".
    categories : the answers to count (e.g. ("yes", "dont_know", "no")).
    min_cell : a cell whose n is below this is suppressed: count and pct blanked, `suppressed` True.
    with_total : also add the all-officers row (as the report's "Gemiddeld/Totaal").
    cube : counts already made for `frame` (see CountCube), to share one pass over the data among tables.
    """
    check_argument("by", UNIT_TYPES, by)
    items = [i for i in items if i in frame]
    cube = cube if cube is not None else CountCube(frame, items)
    unit_types = [by, "all"] if with_total and by != "all" else [by]
    parts = [cube.table(items, by=u, categories=list(categories)) for u in unit_types]
    out = pd.concat(parts, ignore_index=True)
    out["count"] = out["count"].astype("Int64")
    out["n"] = out["n"].astype("Int64")
    out["pct"] = out["pct"].astype("Float64")
    return suppress(out, min_cell)


def suppress(table: pd.DataFrame, min_cell: int, *, base: str = "n") -> pd.DataFrame:
    """Blank count, n and pct of every cell that rests on fewer than `min_cell` officers, and mark it `suppressed`
    (rows are kept, so a reader sees that something is hidden). `base` is the column that counts the officers
    behind a cell: `n` for shares, `count` for response tables.

    Primary suppression hides cells whose base is below `min_cell`. Complementary suppression then makes sure no
    hidden cell comes back by subtraction from a margin: within each table, item and unit type (the units of a
    unit type partition the officers, and their total is printed or printable), the hidden units together must
    rest on at least `min_cell` officers, else the smallest visible units are hidden too, until they do (the
    threshold rule of statistical disclosure control applied to the difference with the total, as tau-argus and
    sdcTable do for one-dimensional hierarchies). A unit with no officers (n = 0) reveals nothing and does not count.
    `min_cell` 0 or 1 hides only empty cells.
    """
    out = table.copy()
    size = out[base].astype("Float64").fillna(0).to_numpy(float)
    small = size < min_cell
    if min_cell > 1 and small.any():
        small |= _complementary(out, size, small, min_cell)
    out["suppressed"] = small
    out.loc[small, ["count", "n", "pct"]] = pd.NA
    return out


def suppress_tables(tables: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """`suppress` on a frame of report tables (as `report_tables` returns): response tables (VI.1, figure 3.1) by
    their count of returned questionnaires, every other table by n. Row order is kept."""
    response = (tables["item"] == "response").to_numpy()
    parts = [suppress(tables[~response], min_cell), suppress(tables[response], min_cell, base="count")]
    return pd.concat(parts).loc[tables.index]


def _complementary(frame: pd.DataFrame, size: np.ndarray, small: np.ndarray, min_cell: int) -> np.ndarray:
    """Rows to hide besides `small` so that the hidden units of each margin rest on >= min_cell officers together.

    Secondary cells are the smallest visible units (ties: first in the table), so the choice is the same in every
    table and category that shows one item by one unit type.
    """
    keys = [c for c in ("table", "item", "unit_type") if c in frame] + ["unit"]
    columns = [frame[k].astype(str).to_numpy() for k in keys]
    rows = np.flatnonzero(frame["unit_type"].to_numpy() != "all")
    groups: dict[tuple, dict[str, tuple[float, bool]]] = {}
    for i in rows:  # a unit's size is the same in every category of an item: its first row stands for all
        groups.setdefault(tuple(c[i] for c in columns[:-1]), {}).setdefault(columns[-1][i], (size[i], bool(small[i])))
    extra = set()
    for group, units in groups.items():
        total = sum(s for s, hidden in units.values() if hidden and s > 0)
        if total == 0 or total >= min_cell:
            continue
        visible = sorted(((s, u) for u, (s, hidden) in units.items() if not hidden and s > 0), key=lambda x: x[0])
        for s, unit in visible:
            extra.add((*group, unit))
            total += s
            if total >= min_cell:
                break
    marked = np.zeros(len(frame), dtype=bool)
    if extra:
        marked[rows] = [tuple(c[i] for c in columns) in extra for i in rows]
    return marked


def report_tables(frame: pd.DataFrame, *, codebook: Codebook | None = None, min_cell: int = 0,
                  sent: dict[str, int] | None = None, registry=None) -> pd.DataFrame:
    """Every table of the registry (params/tables.yaml: chapters 3 to 6 and appendices VI to IX), named as in the
    report, in one frame, from one count cube over all their items.

    `sent` (sector -> questionnaires sent) gives table VI.1 its response rate; without it VI.1 has counts only.
    Items the wave lacks are left out of their tables (`missing_items` names them; the notebooks say so).
    """
    from igb.analysis.registry import load_registry

    registry = registry or load_registry(codebook)
    cube = CountCube(frame, [i for i in registry.items() if i in frame])
    parts = []
    for spec in registry:
        if spec.kind == "response":
            table = response(frame, by=spec.by[0], sent=sent if spec.by == ("sector",) else None, min_cell=min_cell)
        else:
            table = _frequency_table(cube, spec, min_cell)
        parts.append(table.assign(table=spec.name))
    return pd.concat(parts, ignore_index=True)[["table", *SHAPE]]


def _frequency_table(cube: CountCube, spec, min_cell: int) -> pd.DataFrame:
    """One declared table from the cube: its items per unit of each unit type, in the declared order."""
    items = [i for i in spec.items if i in cube.counts]
    out = pd.concat([cube.table(items, by=u, categories=list(spec.categories)) for u in spec.unit_types],
                    ignore_index=True)
    out = out.astype({"count": "Int64", "n": "Int64", "pct": "Float64"})
    return suppress(out, min_cell)


def missing_items(frame: pd.DataFrame, *, codebook: Codebook | None = None, registry=None) -> dict[str, list[str]]:
    """Per table, the items it needs that the wave does not hold or nobody answered (empty tables are reported)."""
    from igb.analysis.registry import load_registry

    registry = registry or load_registry(codebook)
    answered = [c for c in frame.columns if frame[c].notna().any()]
    return {t.name: gone for t in registry if t.kind == "frequencies" and (gone := registry.missing(t.name, answered))}


def response(frame: pd.DataFrame, *, by: str = "sector", sent: dict[str, int] | None = None, min_cell: int = 0) -> pd.DataFrame:
    """Questionnaires returned per unit (table VI.1, figure 3.1); n = sent where known."""
    counts = frame.groupby(by, observed=True).size() if by != "all" else pd.Series({"all": len(frame)})
    rows = []
    for unit, count in counts.items():
        n = (sent or {}).get(str(unit))
        rows.append((by, str(unit), "response", "returned", int(count), n, 100 * count / n if n else float("nan")))
    if sent:
        total_sent = sum(sent.values())
        rows.append(("all", "all", "response", "returned", int(len(frame)), total_sent, 100 * len(frame) / total_sent))
    out = pd.DataFrame(rows, columns=SHAPE[:-1]).astype({"count": "Int64", "n": "Int64", "pct": "Float64"})
    out["suppressed"] = False
    return suppress(out, min_cell, base="count") if min_cell else out


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
    from igb.survey.processed import load_respondents
    from igb.survey.wave import load_spec

    spec = spec or load_spec(wave, paths=paths)
    respondents = load_respondents(wave, paths=paths) if respondents is None else respondents
    tables = suppress_tables(report_tables(respondents, codebook=codebook or Codebook.load(paths.codebook),
                                           sent=spec.sent or None), min_cell)
    tables.attrs["min_cell"] = min_cell
    return tables
