"""The reconstructed wave: structure, agreement with print (by independent pandas code), determinism."""

import filecmp
import time
from fractions import Fraction
from math import floor

import pandas as pd
import pytest

from conftest import ROOT
from igb.rivm2009 import reconstruct as rc
from igb.rivm2009.audit import errata
from igb.rivm2009.published import load

RAW = ROOT / "data" / "raw" / "rivm2009" / "responses.csv"
YES_NO = "yes"


@pytest.fixture(scope="module")
def committed():
    return pd.read_csv(RAW, dtype=str, keep_default_na=False).replace("", None)


@pytest.fixture(scope="module")
def published():
    return load()


def pct(count, n):
    return floor(Fraction(100 * count, n) + Fraction(1, 2))


def test_committed_wave_regenerates_byte_for_byte(tmp_path):
    rec = rc.reconstruct(seed=rc.DEFAULT_SEED)
    rc.write(rec, tmp_path)
    assert filecmp.cmp(tmp_path / "responses.csv", RAW, shallow=False)
    assert filecmp.cmp(tmp_path / "deviations.csv", RAW.parent / "deviations.csv", shallow=False)


def test_structure(committed, published):
    assert len(committed) == 123
    sizes = committed.groupby("municipality").size()
    vii2 = published[(published.table == "VII.2") & (published.unit_type == "municipality") & (published.item == "health_work")]
    assert sizes.to_dict() == dict(zip(vii2.unit, vii2.n))
    vi1 = published[(published.table == "VI.1") & (published.unit_type == "sector")]
    assert committed.groupby("sector").size().to_dict() == dict(zip(vi1.unit, vi1["count"]))
    assert not committed.duplicated(["municipality", "sector"]).any()
    # asked-if: blank exactly where not asked
    assert committed.loc[committed.health_work == "no", "target_groups_considered"].isna().all()
    assert committed.loc[committed.health_work == "yes", "target_groups_considered"].notna().all()
    not_collab = committed.collaborates == "no"
    for col in [c for c in committed if c.startswith(("pos_", "neg_", "pol_", "way_", "partner_", "ext_"))]:
        assert committed.loc[not_collab, col].isna().all(), col
        assert committed.loc[~not_collab, col].notna().all(), col


def _computed(committed, row):
    """Count and n of a published cell, computed directly from the respondents."""
    frame = committed
    if row.unit_type == "municipality":
        frame = frame[frame.municipality == row.unit]
    elif row.unit_type == "sector":
        frame = frame[frame.sector == row.unit]
    if row.item == "target_groups_considered":
        base = frame[frame.health_work == "yes"]
    elif row.item.startswith("health_tg_"):
        base = frame[frame.target_groups_considered == "yes"]
    elif row.item.startswith("segv_tg_"):
        base = frame[frame.segv_work == "yes"]
    elif row.item.startswith(("pos_", "neg_", "pol_", "way_", "partner_")):
        base = frame[frame.collaborates == "yes"]
    else:
        base = frame
    return int((base[row.item] == row.category).sum()), len(base)


def _touched_by_errata(published):
    e = errata()
    cells = set(e[e.check.isin(["rounding"])][["table", "unit", "item"]].itertuples(index=False, name=None))
    columns = set(e[e.check.isin(["column_sum"])][["table", "item"]].itertuples(index=False, name=None))
    bars = set(e[(e.check == "figure_sum") & (e.severity == "inconsistent")][["table", "item"]].itertuples(index=False, name=None))
    resolved = {(r.table, r.unit, r.item): int(r.resolution.split()[1]) for r in e[e.check == "rounding"].itertuples()
                if r.resolution.startswith("count ")}
    return cells, columns, bars, resolved


def test_every_consistent_published_cell_is_reproduced(committed, published):
    cells, columns, bars, resolved = _touched_by_errata(published)
    checked = 0
    for row in published[published.table.isin(rc.TARGET_TABLES)].itertuples():
        if row.item not in committed.columns or pd.isna(row.pct):
            continue
        if (row.table, row.unit, row.item) in cells or (row.table, row.item) in columns or (row.table, row.item) in bars:
            continue
        if row.table == "sec5.1" and row.item == "collaborates":
            continue
        count, n = _computed(committed, row)
        if pd.notna(row.count):
            assert count == row.count, row
        assert pct(count, n) == row.pct, row
        checked += 1
    assert checked > 700


def test_errata_cells_differ_only_as_the_errata_say(committed, published):
    cells, columns, bars, resolved = _touched_by_errata(published)
    for (table, unit, item), count in resolved.items():
        if (table, item) in columns:  # the column's own erratum lets its cells depart
            continue
        row = next(published[(published.table == table) & (published.unit == unit) & (published.item == item)].itertuples())
        assert _computed(committed, row)[0] == count, (table, unit, item)
    # columns whose cells do not add up: the printed total is kept
    for table, item in columns:
        row = next(published[(published.table == table) & (published.unit == "all") & (published.item == item)].itertuples())
        assert _computed(committed, row)[0] == row.count, (table, item)


def test_departures_are_exactly_where_the_audit_found_trouble(published):
    dev = pd.read_csv(RAW.parent / "deviations.csv", dtype={"unit": str})
    cells, columns, bars, _ = _touched_by_errata(published)
    impossible = {("4.2", "all", "segv_tg_deprived_districts")}
    for row in dev[dev.departs].itertuples():
        assert ((row.table, row.unit, row.item) in cells | impossible or (row.table, row.item) in columns
                or (row.table, row.item) in bars), row


def test_other_seeds_give_other_valid_reconstructions(committed):
    other = rc.reconstruct(seed=7).respondents
    assert len(other) == 123
    assert not other.equals(committed)
    # but the published margins are the same: collaborators per municipality
    assert (other.groupby("municipality").collaborates.apply(lambda s: (s == "yes").sum()).to_dict()
            == committed.groupby("municipality").collaborates.apply(lambda s: (s == "yes").sum()).to_dict())


def test_ensemble_reports_pinned_shares():
    draws = rc.ensemble(3, jobs=1)
    table = rc.pinned(draws)
    assert set(table.municipality) == {str(m) for m in range(1, 17)} | {"all"}
    assert table.share_pinned.between(0, 1).all()
    # municipality 16 has one respondent who answered yes to everything the tables print at 100%
    m16 = table[table.municipality == "16"].iloc[0]
    assert m16.share_pinned > 0.5
    # an answer fixed by a 100% cell is pinned whatever the sector placement: municipality 1 works on health 100%
    for d in draws:
        assert (d[d.municipality == "1"].health_work == "yes").all()


def test_a_cached_ensemble_is_the_ensemble_and_the_second_call_draws_nothing(tmp_path, monkeypatch):
    drawn = rc.ensemble(2, jobs=1)
    cached = rc.ensemble(2, jobs=1, cache=tmp_path)  # draws and keeps them
    for a, b in zip(drawn, cached):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    monkeypatch.setattr(rc, "_draw", lambda seed: pytest.fail(f"seed {seed} drawn again"))
    for a, b in zip(drawn, rc.ensemble(2, jobs=1, cache=tmp_path)):  # read from the cache
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    # a third draw adds one seed; only it is drawn
    calls = []
    monkeypatch.setattr(rc, "_draw", lambda seed: calls.append(seed) or drawn[0])
    rc.ensemble(3, jobs=1, cache=tmp_path)
    assert calls == [rc.DEFAULT_SEED + 3]


def test_the_cache_starts_again_when_an_input_changes(tmp_path, monkeypatch):
    rc.ensemble(1, jobs=1, cache=tmp_path)
    before = [p.name for p in tmp_path.iterdir() if p.is_dir()]
    monkeypatch.setattr(rc, "inputs_digest", lambda paths=None: "f" * 64)  # e.g. a published table corrected
    calls = []
    monkeypatch.setattr(rc, "_draw", lambda seed: calls.append(seed) or rc.reconstruct(seed=seed).respondents)
    rc.ensemble(1, jobs=1, cache=tmp_path)
    assert calls == [rc.DEFAULT_SEED + 1]
    assert [p.name for p in tmp_path.iterdir() if p.is_dir()] == ["f" * 16]  # the old draws are gone
    assert len(before) == 1 and before != ["f" * 16]


def test_the_inputs_digest_follows_the_published_tables(tmp_path):
    import shutil

    from igb.config import paths

    for folder in ("data/published", "params"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    here = paths(tmp_path)
    first = rc.inputs_digest(here)
    table = next((tmp_path / "data" / "published").glob("*.csv"))
    table.write_text(table.read_text() + "\n")
    assert rc.inputs_digest(here) != first


def test_two_drawing_at_once_share_the_seeds(tmp_path, monkeypatch):
    import threading

    from igb import lock

    if lock.fcntl is None:
        pytest.skip("the seeds are shared through fcntl locks")
    drawn, start = [], threading.Barrier(2)

    def slow_draw(seed):
        drawn.append(seed)
        time.sleep(0.05)
        return rc.reconstruct(seed=rc.DEFAULT_SEED + 1).respondents  # (one frame for all: the sharing is tested)

    monkeypatch.setattr(rc, "_draw", slow_draw)
    results = []

    def one():
        start.wait()
        results.append(rc.ensemble(6, jobs=1, cache=tmp_path))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(drawn) == [rc.DEFAULT_SEED + k for k in range(1, 7)]  # each seed drawn once, by one of the two
    assert len(results) == 2 and all(len(r) == 6 for r in results)
