"""Adding a language is one catalog file plus its name in params/text/languages.yaml: a municipality report renders
in it, with the new catalog's prose; texts it lacks fall back to English."""

import re
import shutil

import yaml

from conftest import ROOT, valid_rows, write_csv
from igb.config import paths as make_paths
from igb.pipeline import prepare
from igb.report import batch


def frisian(tree):
    """A stand-in third language: every text of the English catalog marked [fy], placeholders kept."""
    if isinstance(tree, dict):
        return {k: frisian(v) for k, v in tree.items()}
    return "[fy] " + tree


def test_a_third_language_renders_a_municipality_report(tmp_path, monkeypatch):
    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    english = yaml.safe_load((tmp_path / "params" / "text" / "en.yaml").read_text(encoding="utf-8"))
    catalog = frisian(english)
    del catalog["municipality"]["about"]  # a text the new catalog lacks: English stands in
    (tmp_path / "params" / "text" / "fy.yaml").write_text(yaml.safe_dump(catalog, allow_unicode=True), encoding="utf-8")
    (tmp_path / "params" / "text" / "languages.yaml").write_text("languages: [nl, en, fy]\n", encoding="utf-8")
    monkeypatch.setenv("IGB_ROOT", str(tmp_path))  # the project whose catalog and language list are used
    paths = make_paths(tmp_path)
    (tmp_path / "data" / "raw" / "small").mkdir(parents=True)
    sectors = ("vgz", "jeugd", "wonen", "sport", "milieu", "zorg")
    write_csv(paths.raw("small") / "responses.csv", valid_rows(municipalities=("1", "2"), sectors=sectors, seed=7))
    prepare("small", paths=paths)
    [result] = batch.run("small", municipalities=["1"], lang="fy", jobs=1, progress=False, xlsx=False, paths=paths)
    assert result.ok, result.error
    page = (paths.reports("small") / "municipalities" / "fy" / "1.html").read_text(encoding="utf-8")
    assert '<html lang="fy">' in page
    title = english["municipality"]["title"].format(name=english["municipality"]["municipality"].format(code="1"))
    assert "[fy] " + title.split(":")[0] in page               # the report's own prose is the new language's
    assert english["municipality"]["about"].split("{")[0][:40].replace("*", "") in re.sub(r"<[^>]+>", "", page)
