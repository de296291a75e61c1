"""Small-cell suppression: primary (n < min_cell) and complementary (no hidden cell comes back from a margin)."""

import numpy as np
import pandas as pd
import pytest

from igb.analysis.maturity import assess, hidden_cells, load_model
from igb.report.stages import in_words
from igb.analysis.tables import report_tables, suppress, suppress_tables


def one_item(sizes: dict, yes: dict) -> pd.DataFrame:
    """Table rows of one item per municipality plus the total, as the common shape has them."""
    rows = [("municipality", m, "x", "yes", yes[m], n, 100 * yes[m] / n if n else np.nan) for m, n in sizes.items()]
    total = sum(sizes.values())
    rows.append(("all", "all", "x", "yes", sum(yes.values()), total, 100 * sum(yes.values()) / total))
    frame = pd.DataFrame(rows, columns=["unit_type", "unit", "item", "category", "count", "n", "pct"])
    return frame.astype({"count": "Int64", "n": "Int64", "pct": "Float64"})


def hidden(table: pd.DataFrame) -> list[str]:
    return table.loc[table["suppressed"], "unit"].tolist()


def test_a_small_cell_and_the_smallest_other_are_hidden_with_their_n():
    table = suppress(one_item({"a": 2, "b": 6, "c": 7, "d": 20}, {"a": 1, "b": 3, "c": 3, "d": 10}), 5)
    assert hidden(table) == ["a", "b"]  # a alone could be read off the total: b (the smallest visible) goes too
    assert table.loc[table["suppressed"], ["count", "n", "pct"]].isna().all().all()
    assert table.loc[~table["suppressed"], "n"].tolist() == [7, 20, 35]


def test_hidden_cells_that_together_reach_min_cell_need_no_partner():
    table = suppress(one_item({"a": 3, "b": 4, "c": 9, "d": 20}, {"a": 1, "b": 1, "c": 3, "d": 10}), 5)
    assert hidden(table) == ["a", "b"]  # 3 + 4 >= 5: the difference with the total is a cell of 7 officers


def test_many_tiny_cells_pull_in_as_many_as_needed():
    table = suppress(one_item({"a": 1, "b": 1, "c": 1, "d": 30, "e": 12}, {m: 1 for m in "abcde"}), 5)
    assert hidden(table) == ["a", "b", "c", "e"]  # 1 + 1 + 1 < 5: the smallest visible (12) joins; 30 stays


def test_an_empty_cell_reveals_nothing_and_pulls_in_nobody():
    table = suppress(one_item({"a": 0, "b": 6, "c": 7}, {"a": 0, "b": 3, "c": 3}), 5)
    assert hidden(table) == ["a"]


def test_min_cell_one_hides_only_empty_cells():
    table = suppress(one_item({"a": 0, "b": 1, "c": 2}, {"a": 0, "b": 1, "c": 1}), 1)
    assert hidden(table) == ["a"]


@pytest.mark.parametrize("min_cell", [3, 5, 8, 12])
def test_no_hidden_cell_of_a_real_table_comes_back_by_subtraction(min_cell):
    """Independent check on every table of a wave: per table, item and unit type, the hidden units with officers
    rest on >= min_cell officers together (or there are none), and no visible cell rests on fewer."""
    from conftest import valid_rows
    from igb.survey.codebook import Codebook
    from igb.survey.recode import load_recode, recode
    from igb.survey.schema import validate_raw
    from igb.survey.io import RawTable
    from igb.survey.wave import WaveSpec

    rows = valid_rows(municipalities=[str(m) for m in range(1, 9)], seed=3)
    rows = [r for i, r in enumerate(rows) if i % 5]  # uneven municipalities: 3 or 4 officers each
    raw = RawTable(path="t.csv", format="csv", frame=pd.DataFrame(rows, dtype=object), rows=list(range(2, len(rows) + 2)))
    report, canonical = validate_raw(raw, codebook=Codebook.load(), spec=WaveSpec(wave="t"))
    frame = recode(canonical, wave="t", codebook=Codebook.load(), recode=load_recode())
    raw_tables = report_tables(frame)
    shown = suppress_tables(raw_tables, min_cell)
    base = np.where(raw_tables["item"] == "response", raw_tables["count"], raw_tables["n"]).astype(float)
    merged = raw_tables.assign(base=base, hidden=shown["suppressed"].to_numpy())
    parts = merged[merged["unit_type"] != "all"].drop_duplicates(["table", "item", "unit_type", "unit"])
    for key, group in parts.groupby(["table", "item", "unit_type"]):
        hidden_base = group.loc[group["hidden"] & (group["base"] > 0), "base"].sum()
        assert hidden_base == 0 or hidden_base >= min_cell, key
        assert (group.loc[~group["hidden"], "base"] >= min_cell).all(), key
    assert shown.loc[shown["suppressed"], ["count", "n", "pct"]].isna().all().all()


def test_stages_follow_the_rule():
    """A municipality below min_cell has no stage and no counts; a figure the tables hide is blank in the evidence."""
    from conftest import valid_rows
    from igb.survey.codebook import Codebook
    from igb.survey.io import RawTable
    from igb.survey.recode import load_recode, recode
    from igb.survey.schema import validate_raw
    from igb.survey.wave import WaveSpec

    sectors = ("vgz", "jeugd", "wonen", "sport", "milieu", "zorg", "ruimte", "onderwijs")
    rows = valid_rows(municipalities=("1", "2"), sectors=sectors, seed=4) + valid_rows(
        municipalities=("3",), sectors=sectors[:3], seed=5)
    raw = RawTable(path="t.csv", format="csv", frame=pd.DataFrame(rows, dtype=object), rows=list(range(2, len(rows) + 2)))
    _, canonical = validate_raw(raw, codebook=Codebook.load(), spec=WaveSpec(wave="t"))
    frame = recode(canonical, wave="t", codebook=Codebook.load(), recode=load_recode())
    tables = suppress_tables(report_tables(frame), 5)
    stages, evidence = in_words(*assess(frame, load_model(), min_cell=5, hidden=hidden_cells(tables)), load_model())
    three = stages.set_index("municipality").loc["3"]
    assert pd.isna(three["stage"]) and pd.isna(three["respondents"]) and "3" not in three["reason"].replace("<", "")
    assert evidence.loc[evidence["municipality"] == "3", "value"].isna().all()
    # municipality 3 (3 officers) is hidden in fig3.1; the smaller of 1 and 2 (8 each: the first) joins it
    assert ("response", "3") in hidden_cells(tables) and ("response", "1") in hidden_cells(tables)
    assert pd.isna(stages.set_index("municipality").loc["1", "respondents"])
