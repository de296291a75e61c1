"""Municipality reports in batch: validated first, failures collected, no code, no small cells, an index."""

import re
import shutil

import nbformat
import pytest

from conftest import small_project
from igb.config import paths as make_paths
from igb.errors import ConfigError
from igb.privacy import DEFAULT_MIN_CELL
from igb.report import batch


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A small real-style wave: municipalities 1-3 with 6 officers, 4 with 2 (too few to show)."""
    return small_project(tmp_path_factory.mktemp("proj"))


def test_unknown_wave_municipality_or_parameter_is_refused_before_anything_runs(project):
    with pytest.raises(ConfigError, match="unknown or unprepared wave 'nope'"):
        batch.plan("nope", paths=project)
    with pytest.raises(ConfigError, match=r"unknown municipality \['99'\]"):
        batch.plan("small", municipalities=["99"], paths=project)
    with pytest.raises(ConfigError, match=r"unknown report parameter\(s\) \['colour'\]"):
        batch.plan("small", extra={"colour": "red"}, paths=project)
    with pytest.raises(ValueError, match="`lang` must be one of"):
        batch.plan("small", lang="de", paths=project)
    assert not (project.reports("small")).exists()


def test_a_failing_report_does_not_stop_the_others(project, tmp_path):
    # a copy of the project whose template fails for municipality 2
    root = tmp_path / "proj"
    shutil.copytree(project.root, root)
    template = root / batch.TEMPLATE
    nb = nbformat.read(template, as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell('if municipality == "2":\n    raise RuntimeError("injected failure")'))
    nbformat.write(nb, template)
    paths = make_paths(root)
    results = batch.run("small", jobs=2, progress=False, xlsx=False, paths=paths)
    status = {r.municipality: r.ok for r in results}
    assert status == {"1": True, "2": False, "3": True, "4": True}
    failed = next(r for r in results if not r.ok)
    assert "injected failure" in failed.error and failed.log.exists()
    index = (paths.reports("small") / "municipalities" / "index.html").read_text()
    assert "MISLUKT" in index and 'href="1.html"' in index and 'href="logs/2.log"' in index

    from igb.cli import main

    import os
    os.environ["IGB_ROOT"] = str(root)
    try:
        assert main(["reports", "--wave", "small", "--no-xlsx"]) == 1  # 2 fails again; the rest is up to date
    finally:
        os.environ.pop("IGB_ROOT")


@pytest.fixture(scope="module")
def rendered(project):
    results = batch.run("small", jobs=2, progress=False, paths=project)
    assert all(r.ok for r in results)
    return project.reports("small") / "municipalities"


def test_reports_have_no_code_and_the_index_links_every_one(rendered):
    index = (rendered / "index.html").read_text()
    for code in ("1", "2", "3", "4"):
        page = (rendered / f"{code}.html").read_text()
        assert "highlight hl-ipython3" not in page  # no code cell
        assert "report.view(" not in page and "Municipality report (template)" not in page
        assert f'href="{code}.html"' in index
        assert '<html lang="nl">' in page  # the page says it is Dutch (screen readers, translation tools)
    assert (rendered / "1.xlsx").exists()


def visible_text(page: str) -> str:
    """The text a reader sees: no style, script or tags."""
    page = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", page)


def test_a_municipality_with_too_few_respondents_gets_no_numbers(rendered):
    text = visible_text((rendered / "4.html").read_text())
    assert "Te weinig respondenten" in text
    assert not re.search(r"\d+\s*%", text)
    assert "Kerncijfers" not in text and "Stadium" not in text


def test_no_share_is_shown_on_fewer_than_min_cell_officers(project, rendered):
    import pandas as pd

    respondents = pd.read_parquet(project.processed("small") / "respondents.parquet")
    collaborators = respondents[respondents.collaborates == "yes"].groupby("municipality").size()
    hidden_somewhere = False
    for code in ("1", "2", "3"):
        sheet = pd.read_excel(rendered / f"{code}.xlsx", sheet_name="kerncijfers")
        shown = sheet[sheet["Deze gemeente"] != "—"]
        assert (pd.to_numeric(shown["n"]) >= DEFAULT_MIN_CELL).all(), code
        factor_rows = sheet["Onderdeel"].isin(["Positieve factoren", "Negatieve factoren", "Politieke factoren"])
        if collaborators.get(code, 0) < DEFAULT_MIN_CELL:
            hidden_somewhere = True
            assert (sheet.loc[factor_rows, "Deze gemeente"] == "—").all()
            assert "ambtenaren werken samen: te weinig om de factoren te tonen" in visible_text((rendered / f"{code}.html").read_text())
    assert hidden_somewhere, "the test wave should have a municipality with few collaborators"


def test_unchanged_reports_are_not_rendered_again(project, rendered):
    results = batch.run("small", jobs=1, progress=False, paths=project)
    assert all(r.skipped for r in results)
    results = batch.run("small", municipalities=["1"], jobs=1, progress=False, force=True, paths=project)
    assert [r.skipped for r in results] == [False]


def test_the_index_lists_every_municipality_after_a_partial_run(project, rendered):
    batch.run("small", municipalities=["3"], jobs=1, progress=False, force=True, xlsx=False, paths=project)
    index = (rendered / "index.html").read_text()
    assert all(f'href="{code}.html"' in index for code in ("1", "2", "3", "4"))


def test_english_reports_go_to_their_own_folder(project):
    results = batch.run("small", municipalities=["1"], lang="en", jobs=1, progress=False, xlsx=False, paths=project)
    assert results[0].ok
    page = (project.reports("small") / "municipalities" / "en" / "1.html").read_text()
    assert "Key figures" in page and "Kerncijfers" not in page
    assert '<html lang="en">' in page
