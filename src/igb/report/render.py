"""Execute the analysis notebooks of a wave with papermill and render them to HTML with nbconvert.

Each notebook gives reports/<wave>/notebooks/<name>.ipynb (executed), reports/<wave>/<name>.html
(no code: for readers of results) and reports/<wave>/with-code/<name>.html (for students).
Notebooks run in separate processes; a failing notebook does not stop the others.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from igb.config import Paths, paths as project_paths
from igb.errors import ConfigError
from igb.survey.io import write_text

NOTEBOOKS = ("01_response", "02_policy_content", "03_collaboration", "04_factors", "05_replication", "06_maturity",
             "07_compare_waves", "08_statistics")
ONLY_FOR = {"05_replication": "rivm2009"}  # the replication report compares with the 2009 publication
COMPARISON = "07_compare_waves"            # needs two waves: rendered by `igb compare`, not by `igb run`


@contextmanager
def project_env(root: Path):
    """IGB_ROOT set to `root` while a kernel starts (the kernel inherits it), restored afterwards."""
    before = os.environ.get("IGB_ROOT")
    os.environ["IGB_ROOT"] = str(root)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("IGB_ROOT", None)
        else:
            os.environ["IGB_ROOT"] = before


@dataclass
class RenderResult:
    """What happened to one notebook."""

    name: str
    ok: bool
    seconds: float
    html: Path | None = None
    error: str = ""


def notebooks_for(wave: str) -> list[str]:
    """The analysis notebooks that apply to a wave."""
    return [n for n in NOTEBOOKS if ONLY_FOR.get(n, wave) == wave and n != COMPARISON]


def to_html(ipynb: Path, html: Path, *, code: bool) -> Path:
    """Render an executed notebook to standalone HTML, with or without its code cells.

    Cells tagged `remove_cell` (notes for developers, e.g. in the municipality template) are left out.
    """
    import nbformat
    from nbconvert import HTMLExporter

    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}  # notes for developers, not for readers
    exporter = HTMLExporter(config=config, exclude_input=not code, exclude_input_prompt=not code, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nbformat.read(ipynb, as_version=4))
    return write_text(body, html)


def render(name: str, wave: str, *, lang: str = "nl", min_cell: int | None = None, paths: Paths | None = None,
           extra: dict | None = None, output_name: str | None = None) -> RenderResult:
    """Execute notebooks/<name>.ipynb for a wave and write its executed copy and two HTML versions.

    `extra` adds parameters (e.g. the comparison notebook's `baseline`); `output_name` names the outputs
    (default: the notebook's name).
    """
    import papermill

    from igb.survey.wave import load_spec

    paths = paths or project_paths()
    source = paths.root / "notebooks" / f"{name}.ipynb"
    if not source.exists():
        raise ConfigError(f"unknown notebook {name!r}: no {source}; known: {list(NOTEBOOKS)}")
    out = paths.reports(wave)
    output_name = output_name or name
    executed = out / "notebooks" / f"{output_name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    spec = load_spec(wave, paths=paths)
    min_cell = min_cell if min_cell is not None else (spec.min_cell if spec.min_cell is not None else 5)
    parameters = {"wave": wave, "lang": lang, "min_cell": int(min_cell), "output_dir": str(out), **(extra or {})}
    started = time.perf_counter()
    tmp = executed.with_suffix(".running.ipynb")
    try:
        with project_env(paths.root):  # the kernel reads this project
            papermill.execute_notebook(str(source), str(tmp), parameters=parameters, cwd=str(paths.root),
                                       progress_bar=False, log_output=False, kernel_name="python3")
        tmp.replace(executed)
        html = to_html(executed, out / f"{output_name}.html", code=False)
        to_html(executed, out / "with-code" / f"{output_name}.html", code=True)
        return RenderResult(name, True, time.perf_counter() - started, html)
    except Exception as exc:  # a notebook's failure is reported, never fatal to the batch
        if tmp.exists():
            tmp.replace(out / "notebooks" / f"{output_name}.failed.ipynb")
        message = f"{exc.ename}: {exc.evalue}" if hasattr(exc, "ename") else f"{type(exc).__name__}: {exc}"
        return RenderResult(name, False, time.perf_counter() - started, None, message.strip().splitlines()[0])


def _render_job(args) -> RenderResult:
    name, wave, lang, min_cell, root = args
    return render(name, wave, lang=lang, min_cell=min_cell, paths=project_paths(root))


def render_all(wave: str, *, names=None, lang: str = "nl", min_cell: int | None = None, jobs: int = 2,
               paths: Paths | None = None) -> list[RenderResult]:
    """Render several notebooks in parallel processes; returns one result per notebook."""
    paths = paths or project_paths()
    names = list(names or notebooks_for(wave))
    args = [(n, wave, lang, min_cell, paths.root) for n in names]
    if jobs <= 1 or len(args) == 1:
        return [_render_job(a) for a in args]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_render_job, args))
