"""Notebooks: output-free, a parseable `parameters` cell of literals, no definitions; one renders end to end."""

import json
import shutil

import nbformat
import pytest
from papermill.translators import PythonTranslator

from conftest import ROOT, valid_rows, write_csv
from igb.config import paths as make_paths
from igb.report.render import NOTEBOOKS, render
from igb.pipeline import prepare

NOTEBOOK_FILES = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_every_notebook_is_known_to_the_renderer():
    assert [p.stem for p in NOTEBOOK_FILES] == sorted(NOTEBOOKS)


@pytest.mark.parametrize("path", NOTEBOOK_FILES, ids=lambda p: p.stem)
def test_notebook_is_clean_and_parameterised(path):
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code)
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    names = [p.name for p in PythonTranslator.inspect(tagged[0])]
    assert names[:4] == ["wave", "lang", "min_cell", "output_dir"]
    for c in code:
        lines = c.source.splitlines()
        assert not any(line.lstrip().startswith(("def ", "class ")) for line in lines), path.name
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")


def small_project(tmp_path):
    """A copy of params/ and notebooks/ with a prepared wave `small` of two municipalities."""
    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    project = make_paths(tmp_path)
    (tmp_path / "data" / "raw" / "small").mkdir(parents=True)
    write_csv(project.raw("small") / "responses.csv", valid_rows(municipalities=("1", "2"), seed=5))
    prepare("small", paths=project)
    return project


def test_a_notebook_renders_for_a_small_wave(tmp_path):
    project = small_project(tmp_path)
    result = render("03_collaboration", "small", lang="en", min_cell=3, paths=project)
    assert result.ok, result.error
    html = (tmp_path / "reports" / "small" / "03_collaboration.html").read_text()
    with_code = (tmp_path / "reports" / "small" / "with-code" / "03_collaboration.html").read_text()
    assert "Collaboration between sectors" in html
    code_marker = "highlight hl-ipython3"  # nbconvert's highlighted code cell
    assert code_marker not in html and code_marker in with_code  # advisers' version has no code
    assert "SYNTHETIC DATA" not in html  # a real (non-synthetic) wave carries no banner
    assert (tmp_path / "reports" / "small" / "figures" / "fig5_2_ways.png").exists()


def test_a_failing_notebook_is_reported_not_raised(tmp_path):
    shutil.copytree(ROOT / "params", tmp_path / "params")
    (tmp_path / "notebooks").mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('wave = "x"\nlang = "nl"\nmin_cell = 1\noutput_dir = "r"', metadata={"tags": ["parameters"]}),
                nbformat.v4.new_code_cell("raise RuntimeError('boom')")]
    nbformat.write(nb, tmp_path / "notebooks" / "01_response.ipynb")
    result = render("01_response", "x", paths=make_paths(tmp_path))
    assert not result.ok and "boom" in result.error
    assert (tmp_path / "reports" / "x" / "notebooks" / "01_response.failed.ipynb").exists()
    assert json.loads((tmp_path / "reports" / "x" / "notebooks" / "01_response.failed.ipynb").read_text())


def test_unchanged_notebooks_are_not_rendered_again(tmp_path):
    from igb.report.jobs import run as run_jobs
    from igb.report.render import pending

    project = small_project(tmp_path)
    todo, done = pending("small", names=["03_collaboration"], paths=project)
    assert len(todo) == 1 and not done
    assert [r.ok for r in run_jobs(todo, 1, root=project.root)] == [True]
    todo, done = pending("small", names=["03_collaboration"], paths=project)
    assert not todo and done[0].skipped
    assert len(pending("small", names=["03_collaboration"], force=True, paths=project)[0]) == 1
    assert len(pending("small", names=["03_collaboration"], lang="en", paths=project)[0]) == 1  # other parameters
    source = tmp_path / "notebooks" / "03_collaboration.ipynb"
    source.write_text(source.read_text().replace("Collaboration", "Samenwerking", 1))
    assert len(pending("small", names=["03_collaboration"], paths=project)[0]) == 1  # the notebook changed
