"""The audit finds the report's known inconsistencies and passes its consistent cells."""

from fractions import Fraction

import pytest

from igb.rivm2009.audit import check_cells, counts_for_pct, errata, pct_of, pct_of_double, round_half_up


def test_round_half_up_is_the_reports_rule():
    assert round_half_up(Fraction(5, 2)) == 3      # 2.5 -> 3 (Python's round would give 2)
    assert round_half_up(Fraction(7, 2)) == 4
    assert pct_of(1, 8) == 13                      # 12.5% printed as 13% (VII.2 row 13, SEGV priority 3 of 8 is 37.5 -> 38)
    assert pct_of(3, 8) == 38
    assert pct_of(5, 7) == 71
    assert pct_of_double(35, 123) == 29            # 28.455 -> 28.5 -> 29
    assert counts_for_pct(72, 7) == []
    assert counts_for_pct(75, 4) == [3]


@pytest.fixture(scope="module")
def table():
    return errata()


def find(table, check, t, unit, item):
    m = table[(table.check == check) & (table.table == t) & (table.unit == unit) & (table.item == item)]
    return m.iloc[0] if len(m) else None


def test_the_reports_example_is_flagged(table):
    # The issue's own example: VII.2, municipality 2, 'Werken aan SEGV': 72% (5) of 7.
    row = find(table, "rounding", "VII.2", "2", "segv_work")
    assert row is not None and "5/7" in row["found"]
    assert row["resolution"].startswith("count 5 kept")


def test_count_misprint_resolved_by_the_column_total(table):
    # 75% (4) of 4: 3 gives 75% and makes the column add up to the printed 52.
    row = find(table, "rounding", "VII.2", "1", "segv_priority")
    assert row["resolution"].startswith("count 3")
    row = find(table, "rounding", "IX.1", "11", "pos_clear_contribution")  # 100% (0) of 7
    assert row["resolution"].startswith("count 7")


def test_unexplained_column_sums_are_listed(table):
    flagged = set(table[table.check == "column_sum"][["table", "item"]].itertuples(index=False, name=None))
    assert {("IX.2", "neg_experiences"), ("IX.2", "neg_resources"), ("IX.2", "neg_clear_contribution"),
            ("IX.3", "pol_1"), ("IX.3", "pol_2"), ("IX.3", "pol_4"), ("IX.3", "pol_6")} == flagged


def test_columns_fixed_by_a_cell_resolution_are_not_listed_as_sums(table):
    # VII.2 SEGV priority adds up once municipality 1's count is read as 3
    assert find(table, "column_sum", "VII.2", "all", "segv_priority") is None


def test_figure_bars_that_cannot_add_up(table):
    assert find(table, "figure_sum", "fig6.4", "all", "neg_good_relations")["severity"] == "inconsistent"
    assert find(table, "figure_sum", "fig6.4", "all", "neg_experiences")["severity"] == "note"


def test_text_notes(table):
    assert find(table, "text", "IX.3", "all", "*") is not None  # the 96 v/d 123 footnote


def test_consistent_cells_are_not_errata(table):
    cells = check_cells()
    ok = cells[cells.status == "consistent"]
    flagged = set(table[table.check == "rounding"][["table", "unit", "item"]].itertuples(index=False, name=None))
    assert not flagged & set(ok[["table", "unit", "item"]].itertuples(index=False, name=None))
    assert len(ok) > 700
