"""The analysis notebooks of a wave as jobs (`igb.report.jobs`): which apply, with what parameters.

Each notebook gives reports/<wave>/notebooks/<name>.ipynb (executed), reports/<wave>/<name>.html (no code: for
readers of results) and reports/<wave>/with-code/<name>.html (for students), and reports/<wave>/<name>.pdf (printed from the page without
code, when Chromium is installed: `igb.report.pdf`). Every sentence of a notebook comes from the text catalog
(params/text, `notebooks.<name>.*`), so a page speaks its `lang` parameter: <html lang>, prose, labels.
"""

from __future__ import annotations

from igb.config import Paths, paths as project_paths
from igb.errors import ConfigError
from igb.report import pdf
from igb.report.jobs import Job, Result, fingerprint, run_one, split

NOTEBOOKS = ("01_response", "02_policy_content", "03_collaboration", "04_factors", "05_replication", "06_maturity",
             "07_compare_waves", "08_statistics")
ONLY_FOR = {"05_replication": "rivm2009"}  # the replication report compares with the 2009 publication
COMPARISON = "07_compare_waves"            # needs two waves: rendered by `igb compare`, not by `igb run`


def notebooks_for(wave: str) -> list[str]:
    """The analysis notebooks that apply to a wave."""
    return [n for n in NOTEBOOKS if ONLY_FOR.get(n, wave) == wave and n != COMPARISON]


def notebook_job(name: str, wave: str, *, lang: str = "nl", min_cell: int | None = None, paths: Paths | None = None,
                 extra: dict | None = None, output_name: str | None = None) -> Job:
    """The job of notebooks/<name>.ipynb for a wave; `extra` adds parameters (the comparison's `baseline`),
    `output_name` names its outputs (default: the notebook's name). An unknown notebook is an error."""
    paths = paths or project_paths()
    source = paths.root / "notebooks" / f"{name}.ipynb"
    if not source.exists():
        raise ConfigError(f"unknown notebook {name!r}: no {source}; known: {list(NOTEBOOKS)}")
    out = paths.reports(wave)
    from igb.survey.wave import load_spec

    min_cell = load_spec(wave, paths=paths).min_cell_for(min_cell)  # the one privacy rule (igb.privacy)
    parameters = {"wave": wave, "lang": lang, "min_cell": min_cell, "output_dir": str(out), **(extra or {})}
    return Job(name, source, out, parameters, fingerprint(parameters, source, paths), output_name or "",
               code_page=True, lang=lang, pdf=pdf.enabled(), banner=pdf_banner(wave, lang, paths))


def pdf_banner(wave: str, lang: str, paths: Paths) -> str:
    """The line on every PDF page of a synthetic wave (the figures' wording), '' for a real wave."""
    from igb.survey.wave import load_spec
    from igb.text import t

    return t("figures.footer.synthetic", lang) if load_spec(wave, paths=paths).synthetic else ""


def notebook_jobs(wave: str, *, names=None, lang: str = "nl", min_cell: int | None = None,
                  paths: Paths | None = None) -> list[Job]:
    """The jobs of the wave's analysis notebooks (or of `names`)."""
    return [notebook_job(n, wave, lang=lang, min_cell=min_cell, paths=paths) for n in (names or notebooks_for(wave))]


def render(name: str, wave: str, *, lang: str = "nl", min_cell: int | None = None, paths: Paths | None = None,
           extra: dict | None = None, output_name: str | None = None) -> Result:
    """Execute one notebook for a wave here and now (on this process's kernel) and write its outputs."""
    paths = paths or project_paths()
    job = notebook_job(name, wave, lang=lang, min_cell=min_cell, paths=paths, extra=extra, output_name=output_name)
    return run_one(job, paths.root)


def pending(wave: str, *, names=None, lang: str = "nl", min_cell: int | None = None, force: bool = False,
            paths: Paths | None = None) -> tuple[list[Job], list[Result]]:
    """(notebook jobs to run, longest first; results of notebooks whose inputs did not change)."""
    return split(notebook_jobs(wave, names=names, lang=lang, min_cell=min_cell, paths=paths), force=force)
