"""Validation runs per distinct value; each problem must still land on every row that has it, as a row-wise check would."""

import random

import numpy as np
import pandas as pd
import pyreadstat
import pytest

from conftest import CODEBOOK, valid_rows, write_csv
from igb.survey.schema import validate_file

ITEMS = list(CODEBOOK["items"])
JUNK = ["misschien", "7", "maybe"]  # in no value set: each is exactly one value_not_allowed


def errors(report):
    return {(p.row, p.column, p.value, p.rule) for p in report.errors}


def test_distinct_validation_finds_what_a_row_by_row_check_expects(tmp_path):
    rng = random.Random(10)
    rows = valid_rows(municipalities=[str(m) for m in range(1, 201)], seed=10)
    expected = set()
    for _ in range(60):  # an invalid answer where an answer was given; its asked-if children are then not checked
        i, item = rng.randrange(len(rows)), rng.choice(ITEMS)
        if rows[i][item] and rows[i][item] not in JUNK:
            rows[i][item] = rng.choice(JUNK)
            expected.add((i + 2, item, rows[i][item], "value_not_allowed"))
    for _ in range(5):  # a second officer with another's id: both rows are named
        a, b = rng.sample(range(len(rows)), 2)
        rows[b]["respondent_id"] = rows[a]["respondent_id"]
    for _ in range(5):
        i = rng.randrange(len(rows))
        rows[i]["sector"] = "kunst"
    for _ in range(5):
        i = rng.randrange(len(rows))
        rows[i]["municipality"] = " "
    seen = {}
    for i, r in enumerate(rows):  # the expectations on keys, computed from the final cells
        seen.setdefault(r["respondent_id"], []).append(i)
        if r["sector"] == "kunst":
            expected.add((i + 2, "sector", "kunst", "sector_unknown"))
        if r["municipality"] == " ":
            expected.add((i + 2, "municipality", None, "key_missing"))
    for rid, where in seen.items():
        if len(where) > 1:
            expected |= {(i + 2, "respondent_id", rid, "respondent_id_duplicate") for i in where}
    report, frame = validate_file(write_csv(tmp_path / "r.csv", rows))
    assert frame is None
    assert errors(report) == expected


@pytest.mark.parametrize("ids", ["text", "numbers"])
def test_problems_deep_in_a_large_sav_keep_their_row(tmp_path, ids):
    n = 120_000
    municipality = (np.arange(n) % 300 + 1).astype(str)
    frame = pd.DataFrame({
        "respondent_id": [f"r{i}" for i in range(n)] if ids == "text" else np.arange(1, n + 1, dtype=float),
        "municipality": municipality, "sector": "vgz"})
    for item in ITEMS:  # everyone answers yes (code 1): every question is asked
        frame[item] = 1.0
    frame.loc[73_456, "health_work"] = 7.0            # case 73457: a code outside the value set
    frame.loc[100_000, "respondent_id"] = frame.loc[17, "respondent_id"]   # cases 18 and 100001
    frame.loc[119_999, "sector"] = ""                  # case 120000: no sector
    path = tmp_path / "r.sav"
    pyreadstat.write_sav(frame, str(path))
    report, got = validate_file(path)
    rid = "r17" if ids == "text" else "18"
    assert got is None
    assert errors(report) == {
        (73_457, "health_work", "7.0", "value_not_allowed"),
        (18, "respondent_id", rid, "respondent_id_duplicate"),
        (100_001, "respondent_id", rid, "respondent_id_duplicate"),
        (120_000, "sector", None, "key_missing"),
    }
