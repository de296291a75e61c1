"""Execute the analysis notebooks of a wave with papermill and render them to HTML with nbconvert.

Each notebook gives reports/<wave>/notebooks/<name>.ipynb (executed), reports/<wave>/<name>.html
(no code: for readers of results) and reports/<wave>/with-code/<name>.html (for students).
Notebooks run in worker processes that each keep one kernel (`kernels`); a failing notebook does not stop
the others, and a notebook whose inputs did not change since it was last rendered is not run again.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from igb.config import Paths, paths as project_paths
from igb.errors import ConfigError
from igb.report import nbimport
from igb.survey.io import atomic_path, write_text

NOTEBOOKS = ("01_response", "02_policy_content", "03_collaboration", "04_factors", "05_replication", "06_maturity",
             "07_compare_waves", "08_statistics")
ONLY_FOR = {"05_replication": "rivm2009"}  # the replication report compares with the 2009 publication
COMPARISON = "07_compare_waves"            # needs two waves: rendered by `igb compare`, not by `igb run`


@contextmanager
def project_env(root: Path):
    """IGB_ROOT set to `root` for code in this process that finds the project by itself, restored afterwards."""
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
    skipped: bool = False


def notebooks_for(wave: str) -> list[str]:
    """The analysis notebooks that apply to a wave."""
    return [n for n in NOTEBOOKS if ONLY_FOR.get(n, wave) == wave and n != COMPARISON]


def to_html(ipynb: Path, html: Path, *, code: bool, lang: str = "en") -> Path:
    """Render an executed notebook to standalone HTML, with or without its code cells.

    Cells tagged `remove_cell` (notes for developers, e.g. in the municipality template) are left out. `lang` is
    the page's language (`<html lang>`, read by screen readers and translation tools): a municipality report's
    language; the analysis notebooks are written in English.
    """
    nbimport.without_iri_checker()
    import nbformat

    exporter = _exporter(code)
    exporter.language_code = lang  # set per page: a new exporter would compile its template again
    body, _ = exporter.from_notebook_node(nbformat.read(ipynb, as_version=4))
    return write_text(body, html)


def warm_up_html() -> None:
    """Render a tiny notebook, with and without code, so the first real page does not wait for nbconvert's
    template to compile (≈0.4 s, once per process)."""
    nbimport.without_iri_checker()
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("*warm-up*"), nbformat.v4.new_code_cell("1")])
    for code in (False, True):
        _exporter(code).from_notebook_node(nb)


@lru_cache(maxsize=2)
def _exporter(code: bool):
    """One HTML exporter per process and kind, kept: their templates compile on first use."""
    nbimport.without_iri_checker()
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}  # notes for developers, not for readers
    return HTMLExporter(config=config, exclude_input=not code, exclude_input_prompt=not code, exclude_output_prompt=True)


def fingerprint(parameters: dict, notebook: Path, paths: Paths) -> str:
    """A digest of everything a rendered notebook depends on: the notebook, the wave's prepared data,
    the published tables, params, package code and the parameters."""
    digest = hashlib.sha256(json.dumps(parameters, sort_keys=True).encode())
    files = [notebook, *sorted(p for p in paths.processed(parameters["wave"]).glob("*") if p.is_file()),
             *sorted((paths.root / "data" / "published").glob("*.csv")),
             *sorted(paths.params.glob("*.yaml")), *sorted(paths.params.glob("waves/*.yaml")),
             *sorted(Path(__file__).resolve().parents[1].rglob("*.py"))]
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()


def last_seconds(executed: Path) -> float:
    """How long an executed notebook took last time (0 if unknown): longest jobs are started first."""
    try:
        return float(json.loads(executed.read_text())["metadata"]["papermill"]["duration"] or 0)
    except (OSError, ValueError, KeyError, TypeError):
        return 0.0


def wave_min_cell(wave: str, min_cell: int | None, paths: Paths) -> int:
    """The smallest n a notebook shows, by the one privacy rule (`igb.privacy`): as given, else the wave's, else 5."""
    from igb.survey.wave import load_spec

    return load_spec(wave, paths=paths).min_cell_for(min_cell)


def render(name: str, wave: str, *, lang: str = "nl", min_cell: int | None = None, paths: Paths | None = None,
           extra: dict | None = None, output_name: str | None = None) -> RenderResult:
    """Execute notebooks/<name>.ipynb for a wave and write its executed copy and two HTML versions.

    `extra` adds parameters (e.g. the comparison notebook's `baseline`); `output_name` names the outputs
    (default: the notebook's name).
    """
    from igb.report import kernels

    paths = paths or project_paths()
    source = paths.root / "notebooks" / f"{name}.ipynb"
    if not source.exists():
        raise ConfigError(f"unknown notebook {name!r}: no {source}; known: {list(NOTEBOOKS)}")
    out = paths.reports(wave)
    output_name = output_name or name
    executed = out / "notebooks" / f"{output_name}.ipynb"
    executed.parent.mkdir(parents=True, exist_ok=True)
    parameters = {"wave": wave, "lang": lang, "min_cell": wave_min_cell(wave, min_cell, paths), "output_dir": str(out),
                  **(extra or {})}
    started = time.perf_counter()
    try:  # the kernel runs with IGB_ROOT = paths.root
        execute_to(executed, out / "notebooks" / f"{output_name}.failed.ipynb",
                   lambda tmp: kernels.execute(source, tmp, parameters, root=paths.root))
        html = to_html(executed, out / f"{output_name}.html", code=False)
        to_html(executed, out / "with-code" / f"{output_name}.html", code=True)
        return RenderResult(name, True, time.perf_counter() - started, html)
    except Exception as exc:  # a notebook's failure is reported, never fatal to the batch
        message = f"{exc.ename}: {exc.evalue}" if hasattr(exc, "ename") else f"{type(exc).__name__}: {exc}"
        return RenderResult(name, False, time.perf_counter() - started, None, message.strip().splitlines()[0])


def execute_to(executed: Path, failed: Path, run) -> Path:
    """`run(tmp)` writes an executed notebook to a uniquely named temporary file, moved onto `executed` when it
    succeeds; when it fails, what ran is kept as `failed` (its traceback helps) and the error raised again.
    Two runs never share a temporary file, and a reader never sees half a notebook."""
    def write(tmp: Path) -> None:
        try:
            run(tmp)
        except BaseException:
            if tmp.exists() and tmp.stat().st_size:
                atomic_path(failed, lambda copy: shutil.copyfile(tmp, copy))
            raise

    atomic_path(executed, write)
    failed.unlink(missing_ok=True)  # an earlier failure no longer holds
    return executed


def stamp_path(out: Path, name: str) -> Path:
    """Where the digest of a page's inputs is kept once it rendered: <out>/.inputs/<name>.sha256."""
    return out / ".inputs" / f"{name}.sha256"


def up_to_date(page: Path, stamp: Path, digest: str) -> bool:
    """Whether `page` exists and was rendered from inputs with this digest: then it need not run again."""
    return page.exists() and stamp.exists() and stamp.read_text() == digest


def _render_job(name: str, wave: str, lang: str, min_cell: int | None, root: Path, digest: str) -> RenderResult:
    """Run in a worker: render one notebook and record the digest of its inputs when it succeeded."""
    paths = project_paths(root)
    result = render(name, wave, lang=lang, min_cell=min_cell, paths=paths)
    if result.ok:
        write_text(digest, stamp_path(paths.reports(wave), name))
    return result


def pending(wave: str, *, names=None, lang: str = "nl", min_cell: int | None = None, force: bool = False,
            paths: Paths | None = None) -> tuple[list, list[RenderResult]]:
    """(jobs for `kernels.run_jobs`, longest first; results of notebooks whose inputs did not change)."""
    paths = paths or project_paths()
    names = list(names or notebooks_for(wave))
    cell = wave_min_cell(wave, min_cell, paths)
    out = paths.reports(wave)
    jobs, done = [], []
    for name in names:
        source = paths.root / "notebooks" / f"{name}.ipynb"
        if not source.exists():
            raise ConfigError(f"unknown notebook {name!r}: no {source}; known: {list(NOTEBOOKS)}")
        digest = fingerprint({"wave": wave, "lang": lang, "min_cell": cell, "output_dir": str(out)}, source, paths)
        html = out / f"{name}.html"
        if not force and up_to_date(html, stamp_path(out, name), digest):
            done.append(RenderResult(name, True, 0.0, html, skipped=True))
        else:
            jobs.append((_render_job, (name, wave, lang, min_cell, paths.root, digest)))
    jobs.sort(key=lambda job: -last_seconds(out / "notebooks" / f"{job[1][0]}.ipynb"))
    return jobs, done
