"""Shared fixtures: respondent files built in the test from the codebook YAML (not via igb's code)."""

from __future__ import annotations

import random
from pathlib import Path

import matplotlib
import pytest
import yaml

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = yaml.safe_load((ROOT / "params" / "codebook.yaml").read_text(encoding="utf-8"))
DUTCH = {"yes": "Ja", "no": "Nee", "dont_know": "Weet niet"}


def valid_rows(municipalities=("1", "2", "3"), sectors=("vgz", "jeugd", "wonen", "sport"), seed=0):
    """Respondent rows as a researcher's csv would hold them: Dutch answers, blanks where not asked."""
    rng = random.Random(seed)
    rows = []
    for m in municipalities:
        for s in sectors:
            row = {"respondent_id": f"{m}-{s}", "municipality": m, "sector": s}
            canonical = {}
            for item_id, item in CODEBOOK["items"].items():
                asked = item["asked_if"]
                if asked and canonical.get(asked["item"]) != asked["equals"]:
                    canonical[item_id] = None
                    row[item_id] = ""
                    continue
                options = list(CODEBOOK["value_sets"][item["type"]])
                value = rng.choice(options)
                # make sure every asked-if branch is exercised
                if item_id in ("health_work", "collaborates", "segv_work", "target_groups_considered"):
                    value = "yes" if rng.random() < 0.8 else "no"
                canonical[item_id] = value
                row[item_id] = DUTCH[value]
            rows.append(row)
    return rows


def write_csv(path: Path, rows, *, columns=None, sep=",", encoding="utf-8"):
    columns = columns or list(rows[0])
    lines = [sep.join(columns)]
    for r in rows:
        lines.append(sep.join(str(r.get(c, "")) for c in columns))
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


SIX_SECTORS = ("vgz", "jeugd", "wonen", "sport", "milieu", "zorg")


def small_project(root: Path, wave: str = "small", rows=None, *, spec: str | None = None):
    """A project folder with the repository's params and notebooks and one wave of `rows` (default: municipalities
    1-3 with six officers, 4 with two: too few to show under the default min_cell), prepared. Returns its Paths."""
    import shutil

    from igb.config import paths as make_paths
    from igb.pipeline import prepare

    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, root / folder)
    paths = make_paths(root)
    if spec is not None:
        (root / "params" / "waves" / f"{wave}.yaml").write_text(spec, encoding="utf-8")
    paths.raw(wave).mkdir(parents=True)
    if rows is None:
        rows = valid_rows(municipalities=("1", "2", "3"), sectors=SIX_SECTORS, seed=21) + valid_rows(
            municipalities=("4",), sectors=("vgz", "jeugd"), seed=22)
    write_csv(paths.raw(wave) / "responses.csv", rows)
    prepare(wave, paths=paths)
    return paths


@pytest.fixture
def rows():
    return valid_rows()


@pytest.fixture
def good_csv(tmp_path, rows):
    return write_csv(tmp_path / "responses.csv", rows)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
