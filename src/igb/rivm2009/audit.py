"""Check the published tables against themselves: every cell, every column sum, every cross-reference.

The result is an errata table: each inconsistency, what was printed, which readings are consistent,
the resolution the project uses and why. Rounding is half up (the report's rule: every cell it prints
that is consistent at all is consistent with it).
"""

from __future__ import annotations

from fractions import Fraction
from math import floor
from pathlib import Path

import pandas as pd

from igb.rivm2009 import published as pub

ERRATA_COLUMNS = ["check", "table", "unit_type", "unit", "item", "category", "printed", "found",
                  "readings", "resolution", "reason", "severity"]
# Tables whose municipality rows add up to an `all` row (same item, same category).
SUMMED = ["VII.2", "VII.3", "VIII.2", "VIII.3", "IX.1", "IX.2", "IX.3"]


def round_half_up(value: Fraction) -> int:
    """Round a percentage as the report does (x.5 goes up)."""
    return floor(value + Fraction(1, 2))


def pct_of(count: int, n: int) -> int:
    return round_half_up(Fraction(100 * count, n))


def pct_of_double(count: int, n: int) -> int:
    """Round to one decimal first, then to a whole percent (a spreadsheet's display rounding twice)."""
    one_decimal = Fraction(round_half_up(Fraction(1000 * count, n)), 10)
    return round_half_up(one_decimal)


def counts_for_pct(pct: float, n: int) -> list[int]:
    """Every count out of n that rounds to the printed percentage."""
    return [k for k in range(n + 1) if pct_of(k, n) == pct]


def check_cells(published: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per published cell with a percentage and n: is it consistent, and how.

    status: `consistent`; `double_rounding` (only if rounded to one decimal first); `inconsistent`;
    `pct_only_ok` / `pct_impossible` for cells without a printed count (is there any count out of
    n that gives the printed percentage?).
    """
    published = pub.load() if published is None else published
    cells = published[published["pct"].notna() & published["n"].notna()].copy()
    status, readings = [], []
    for row in cells.itertuples():
        n, pct = int(row.n), float(row.pct)
        ks = counts_for_pct(pct, n)
        if pd.isna(row.count):
            status.append("pct_only_ok" if ks else "pct_impossible")
            readings.append(_describe_counts(ks, n))
            continue
        count = int(row.count)
        if pct_of(count, n) == pct:
            status.append("consistent")
        elif pct_of_double(count, n) == pct:
            status.append("double_rounding")
        else:
            status.append("inconsistent")
        readings.append(_describe_counts(ks, n))
    cells["status"] = status
    cells["pct_readings"] = readings
    return cells


def _describe_counts(ks: list[int], n: int) -> str:
    if not ks:
        return f"no count out of {n} gives this percentage"
    return "count " + " or ".join(str(k) for k in ks) + f" of {n}"


def _col_sums(published: pd.DataFrame) -> pd.DataFrame:
    munis = published[(published["unit_type"] == "municipality") & published["table"].isin(SUMMED)]
    sums = munis.groupby(["table", "item", "category"], sort=False).agg(count_sum=("count", "sum"), n_sum=("n", "sum"))
    totals = published[(published["unit_type"] == "all") & published["table"].isin(SUMMED)]
    totals = totals.set_index(["table", "item", "category"])[["count", "n", "pct", "printed"]]
    return sums.join(totals, how="inner").reset_index()


def errata(published: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every inconsistency of the published tables, with readings and the resolution used."""
    published = pub.load() if published is None else published
    rows: list[dict] = []
    cells = check_cells(published)
    sums = _col_sums(published).set_index(["table", "item", "category"])
    n_respondents = _municipality_sizes(published)

    # 1. cells whose count, n and percentage disagree
    for cell in cells.itertuples():
        if cell.status in ("consistent", "pct_only_ok"):
            continue
        rows.append(_cell_erratum(cell, sums, n_respondents, published))

    # 2. columns whose municipality counts do not add up to the printed total, after step 1's resolutions
    resolved = {(r["table"], r["unit"], r["item"], r["category"]): r["_resolved_count"] for r in rows if "_resolved_count" in r}
    for (table, item, category), s in sums.iterrows():
        count_sum = int(s["count_sum"])
        adjusted = count_sum + sum(v - _printed_count(published, table, u, item, category)
                                   for (t, u, i, c), v in resolved.items() if (t, i, c) == (table, item, category) and u != "all")
        if adjusted != int(s["count"]):
            confirmed = _confirming_tables(published, table, item, category, s)
            rows.append(_row(
                "column_sum", table, "all", "all", item, category, printed=s["printed"],
                found=f"municipality counts add up to {count_sum}" + (f" ({adjusted} after the cell resolutions above)" if adjusted != count_sum else ""),
                readings=f"total {int(s['count'])} as printed; or total {adjusted} as the cells add up",
                resolution="total kept as printed; the reconstruction departs from the municipality cells where that costs least",
                reason=("the total is printed again in " + confirmed if confirmed else
                        "the total is the number the report's text and figures use; one cell per municipality is the smaller departure")
                + "; which cells depart is decided by the reconstruction's least-deviation fit (see its deviations)",
            ))
        if int(s["n_sum"]) != int(s["n"]):
            rows.append(_row("n_sum", table, "all", "all", item, category, printed=s["printed"],
                             found=f"municipality n add up to {int(s['n_sum'])}", readings="",
                             resolution="n of the totals row kept", reason="structural totals (123, 98) are fixed"))

    rows += _cross_table_errata(published)
    frame = pd.DataFrame(rows)
    return frame.reindex(columns=ERRATA_COLUMNS).reset_index(drop=True)


def write(folder: Path, published: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check every cell and write the audit into `folder` (audit_cells.csv, errata.csv); returns (cells, errata).
    `igb audit` writes it into data/processed/rivm2009, and so does preparing that wave (its notebooks read it)."""
    from igb.survey.io import write_csv

    published = pub.load() if published is None else published
    cells, table = check_cells(published), errata(published)
    write_csv(cells, Path(folder) / "audit_cells.csv")
    write_csv(table, Path(folder) / "errata.csv")
    return cells, table


def _row(check, table, unit_type, unit, item, category, *, printed, found, readings, resolution, reason,
         severity="inconsistent", **extra) -> dict:
    return {"check": check, "table": table, "unit_type": unit_type, "unit": unit, "item": item,
            "category": category, "printed": printed, "found": found, "readings": readings,
            "resolution": resolution, "reason": reason, "severity": severity, **extra}


def _printed_count(published, table, unit, item, category) -> int:
    m = published[(published.table == table) & (published.unit == unit) & (published.item == item) & (published.category == category)]
    return int(m["count"].iloc[0])


def _municipality_sizes(published) -> dict[str, int]:
    rows = published[(published.table == "VII.2") & (published.unit_type == "municipality") & (published.item == "health_priority")]
    return dict(zip(rows["unit"], rows["n"].astype(int)))


def _cell_erratum(cell, sums, n_respondents, published) -> dict:
    n, pct = int(cell.n), float(cell.pct)
    ks = counts_for_pct(pct, n)
    common = dict(check="rounding", table=cell.table, unit_type=cell.unit_type, unit=cell.unit, item=cell.item,
                  category=cell.category, printed=cell.printed)
    if pd.isna(cell.count):
        near = [k for k in range(n + 1) if abs(Fraction(100 * k, n) - Fraction(str(pct))) < 1]
        return _row(**common, found=f"no count out of {n} rounds to {pct:g}%",
                    readings="count " + " or ".join(f"{k} ({pct_of(k, n)}%)" for k in near),
                    resolution="the reconstruction takes whichever nearby count the other tables favour",
                    reason="the printed percentage cannot be met exactly")
    count = int(cell.count)
    implied = pct_of(count, n)
    if cell.status == "double_rounding":
        return _row(**common, found=f"{count}/{n} = {100 * count / n:.2f}% rounds to {implied}%",
                    readings=f"count {count} of {n}, rounded to one decimal ({100 * count / n:.1f}%) and then to {pct:g}%",
                    resolution=f"count {count} kept", reason="the count is consistent with a double rounding of the percentage",
                    severity="note", _resolved_count=count)
    readings = [f"count {count} as printed ({implied}%)"]
    if ks:
        readings.append(f"percentage as printed: {_describe_counts(ks, n)}")
    other_n = [m for m in sorted({n_respondents.get(cell.unit, 0), *range(1, 13)}) if m and m != n and pct_of(count, m) == pct]
    plausible_n = [m for m in other_n if m == n_respondents.get(cell.unit)]
    if plausible_n:
        readings.append(f"count {count} on another denominator: {count}/{plausible_n[0]} = {pct:g}% (the municipality's respondents)")
    key = (cell.table, cell.item, cell.category)
    if cell.unit_type == "municipality" and key in sums.index:
        s = sums.loc[key]
        gap = int(s["count"]) - int(s["count_sum"])  # how far the printed cells are from the printed total
        fitting = [k for k in ks if k - count == gap]
        if gap == 0:
            return _row(**common, found=f"{count}/{n} = {implied}%, printed {pct:g}%", readings="; ".join(readings),
                        resolution=f"count {count} kept" + (f" (percentage computed on {plausible_n[0]} respondents)" if plausible_n else " (percentage misprinted)"),
                        reason="with the printed count the column adds up to the printed total", _resolved_count=count)
        if fitting:
            return _row(**common, found=f"{count}/{n} = {implied}%, printed {pct:g}%", readings="; ".join(readings),
                        resolution=f"count {fitting[0]} (count misprinted)",
                        reason=f"count {fitting[0]} gives the printed percentage and makes the column add up to the printed total {int(s['count'])}",
                        _resolved_count=fitting[0])
    return _row(**common, found=f"{count}/{n} = {implied}%, printed {pct:g}%", readings="; ".join(readings),
                resolution=f"count {count} kept" + (f" (percentage computed on {plausible_n[0]} respondents)" if plausible_n else ""),
                reason="the column sum does not single out another count; a count is what a respondent file carries",
                _resolved_count=count)


def _confirming_tables(published, table, item, category, s) -> str:
    """Other places that print the same total (so it is confirmed twice)."""
    others = published[(published.unit_type == "all") & (published.item == item) & (published.category == category)
                       & (published.table != table)]
    same = others[(others["pct"] == s["pct"])]
    return ", ".join(sorted(set(same["table"])))


def _lookup(published, table, unit, item, category="yes"):
    m = published[(published.table == table) & (published.unit == unit) & (published.item == item) & (published.category == category)]
    return m.iloc[0] if len(m) else None


def _cross_table_errata(published) -> list[dict]:
    """Totals printed in more than one place must agree; so must the denominators tables share."""
    rows = []

    def compare(check, a, b, what, *, field="count"):
        if a is None or b is None:
            return
        va, vb = a[field], b[field]
        if pd.isna(va) or pd.isna(vb) or va == vb:
            return
        rows.append(_row(check, a["table"], a["unit_type"], a["unit"], a["item"], a["category"],
                         printed=f"{a['table']}: {a['printed']}; {b['table']}: {b['printed']}",
                         found=f"{what}: {va} versus {vb}", readings=f"{va} ({a['table']}) or {vb} ({b['table']})",
                         resolution=f"{a['table']} kept", reason="the table nearer the respondent level is used"))

    for item in ("health_priority", "health_work", "segv_priority", "segv_work"):
        compare("cross_table", _lookup(published, "VII.2", "all", item), _lookup(published, "4.1", "all", item), "totals row against table 4.1")
        compare("cross_table", _lookup(published, "VII.2", "all", item), _lookup(published, "4.1", "all", item), "percentage", field="pct")
    # table 4.2's denominators are counts of table VII.2: who considers target groups, who works on SEGV
    for prefix, parent, who in (("health_tg_", "target_groups_considered", "consider target groups"),
                                ("segv_tg_", "segv_work", "work on SEGV")):
        base = _lookup(published, "VII.2", "all", parent)
        for item in (f"{prefix}{g}" for g in ("low_ses", "migrants", "deprived_districts", "other")):
            cell = _lookup(published, "4.2", "all", item)
            if cell is not None and base is not None and cell["n"] != base["count"]:
                rows.append(_row("denominator", "4.2", "all", "all", item, "yes", printed=cell["printed"],
                                 found=f"n={cell['n']} but VII.2 counts {base['count']} who {who}",
                                 readings="", resolution="VII.2 kept", reason="respondent level"))
    collab = published[(published.table == "VIII.2") & (published.unit_type == "municipality")].set_index("unit")["count"]
    for table in ("VIII.3", "IX.1", "IX.2", "IX.3"):
        t = published[(published.table == table) & (published.unit_type == "municipality")]
        for unit, n in t.groupby("unit")["n"].first().items():
            if unit in collab.index and n != collab[unit]:
                rows.append(_row("denominator", table, "municipality", unit, "*", "yes", printed=f"(n={n})",
                                 found=f"VIII.2 counts {collab[unit]} collaborators in municipality {unit}",
                                 readings="", resolution="VIII.2 kept", reason="the questions were asked of collaborators only"))
    # the figures repeat the totals rows of IX.1 / IX.2
    for fig, table in (("fig6.1", "IX.1"), ("fig6.4", "IX.2")):
        for cell in published[(published.table == fig) & (published.category == "yes")].itertuples():
            total = _lookup(published, table, "all", cell.item)
            if total is not None and total["pct"] != cell.pct:
                rows.append(_row("cross_table", fig, "all", "all", cell.item, "yes", printed=f"{fig}: {cell.pct:g}%; {table}: {total['printed']}",
                                 found="figure and table disagree", readings="", resolution=f"{table} kept", reason="it prints the count"))
        rows += _figure_sums(published, fig)
    # collaborators: VIII.1, VIII.2 and the text of 5.1
    for a, b in (("VIII.1", "VIII.2"), ("VIII.1", "sec5.1")):
        compare("cross_table", _lookup(published, a, "all", "collaborates"), _lookup(published, b, "all", "collaborates"), "collaborators")
    # response: VI.1 per sector against VIII.1's n; municipality sizes against the 123
    vi = published[(published.table == "VI.1") & (published.unit_type == "sector")].set_index("unit")
    viii = published[(published.table == "VIII.1") & (published.unit_type == "sector")].set_index("unit")
    for unit in vi.index:
        if unit in viii.index and vi.loc[unit, "count"] != viii.loc[unit, "n"]:
            rows.append(_row("cross_table", "VIII.1", "sector", unit, "collaborates", "yes", printed=viii.loc[unit, "printed"],
                             found=f"n={viii.loc[unit, 'n']} but VI.1 received {vi.loc[unit, 'count']}", readings="",
                             resolution="VI.1 kept", reason="response table"))
    sizes = _municipality_sizes(published)
    if sum(sizes.values()) != 123:
        rows.append(_row("text", "VII.2", "all", "all", "*", "*", printed="Totaal", found=f"municipalities add up to {sum(sizes.values())}",
                         readings="", resolution="", reason=""))
    rows += _text_errata(published, sizes)
    return rows


def _figure_sums(published, fig) -> list[dict]:
    """Yes, don't know and no of a bar: is there any split of the 98 that rounds to the three printed numbers?"""
    rows = []
    figure = published[published.table == fig]
    for item, bar in figure.groupby("item", sort=False):
        pct = dict(zip(bar["category"], bar["pct"]))
        n = int(bar["n"].iloc[0])
        splits = [(y, d, n - y - d) for y in counts_for_pct(pct["yes"], n) for d in counts_for_pct(pct["dont_know"], n)
                  if n - y - d >= 0 and pct_of(n - y - d, n) == pct["no"]]
        total = sum(pct.values())
        if not splits:
            rows.append(_row("figure_sum", fig, "all", "all", item, "*", printed=f"Ja {pct['yes']:g}, Weet niet {pct['dont_know']:g}, Nee {pct['no']:g}",
                             found=f"no split of {n} officers rounds to all three (they add up to {total:g}%)", readings="",
                             resolution="yes and don't know kept; no is the rest", reason="the reconstruction keeps the first two shares"))
        elif total != 100:
            rows.append(_row("figure_sum", fig, "all", "all", item, "*", printed=f"Ja {pct['yes']:g}, Weet niet {pct['dont_know']:g}, Nee {pct['no']:g}",
                             found=f"the three add up to {total:g}%", readings="; ".join(f"{y}/{d}/{o}" for y, d, o in splits),
                             resolution="consistent: rounding", reason="a split of the officers gives all three printed numbers",
                             severity="note"))
    return rows


# Numbers printed in the running text, checked against the tables (source: section of the report).
TEXT_FACTS = [
    ("sent", 155, "section 3.2: 155 questionnaires sent"),
    ("received", 123, "section 3.2: 123 returned (79%)"),
    ("collaborates", 98, "section 5.1.1: 80% (98 of 123) collaborate"),
    ("health_work", 100, "section 4.2.1 and 4.5: 100 officers work on health (81%)"),
    ("target_groups_considered", 73, "section 4.5: 73 take disadvantaged groups into account"),
    ("segv_work", 69, "section 4.5: 69 work on reducing health inequalities"),
]


def _text_errata(published, sizes) -> list[dict]:
    rows = []
    vi_total = _lookup(published, "VI.1", "all", "response", "returned")
    values = {"sent": vi_total["n"] if vi_total is not None else None,
              "received": vi_total["count"] if vi_total is not None else None,
              "collaborates": _lookup(published, "VIII.2", "all", "collaborates")["count"]}
    for item in ("health_work", "target_groups_considered", "segv_work"):
        values[item] = _lookup(published, "VII.2", "all", item)["count"]
    for key, expected, source in TEXT_FACTS:
        if values.get(key) is not None and int(values[key]) != expected:
            rows.append(_row("text", "text", "all", "all", key, "*", printed=source, found=f"tables give {values[key]}",
                             readings="", resolution="tables kept", reason="respondent level"))
    rows.append(_row("text", "IX.3", "all", "all", "*", "*", printed="footnote: '96 v/d 123'",
                     found="IX.3 prints (n=98) in its totals row, its municipality n add up to 98 and its percentages are count/98",
                     readings="98 (table) or 96 (footnote)", resolution="98", reason="three facts in the table against one footnote",
                     severity="note"))
    largest = max(sizes.values())
    if largest > 11:
        rows.append(_row("text", "VII.2", "municipality", max(sizes, key=sizes.get), "*", "*",
                         printed="box 2.1 and section 2.4: questionnaires went to officers of 6 to 11 sectors per municipality",
                         found=f"a municipality returned {largest} questionnaires", readings="more than one officer in a sector, or 12 sectors",
                         resolution="at most one officer per sector per municipality is kept (13 sectors allow 12)",
                         reason="the design of the study: one officer per sector", severity="note"))
    return rows
