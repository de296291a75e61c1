"""Render one report per municipality from the template notebook: validated first, parallel, failures collected.

Parameters are checked before any kernel starts (unknown wave, municipality or parameter: a clear error,
nothing run). Reports run in separate processes with a progress bar; each keeps its log; a failing
report does not stop the others and is listed at the end. A report whose inputs (template, prepared
data, parameters, params/, package code) are unchanged since it was last rendered is not rendered again.
Output names are deterministic: reports/<wave>/municipalities/<code>.html (English: .../en/<code>.html), with its
workbook <code>.xlsx and, when Chromium is installed, its PDF <code>.pdf (`igb.report.pdf`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from igb._checks import check_lang
from igb.config import Paths, paths as project_paths
from igb.errors import ConfigError
from igb.report import nbimport, pdf, render
from igb.report.jobs import Job, Result, fingerprint, progress_bar, split
from igb.report.jobs import run as run_jobs
from igb.safe import check_name, html_text, inside
from igb.survey.io import write_text, write_workbook
from igb.survey.wave import load_spec
from igb.text import texts

TEMPLATE = Path("notebooks") / "templates" / "municipality.ipynb"


def output_dir(wave: str, lang: str, paths: Paths) -> Path:
    base = paths.reports(wave) / "municipalities"
    return base if lang == "nl" else base / lang


def template_parameters(path: Path) -> list[str]:
    """Names in the template's `parameters` cell."""
    nbimport.without_iri_checker()
    import nbformat
    from papermill.translators import PythonTranslator

    nb = nbformat.read(path, as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    if cell is None:
        raise ConfigError(f"{path}: no cell tagged 'parameters'")
    return [p.name for p in PythonTranslator.inspect(cell)]


def plan(wave: str, *, municipalities=None, lang: str = "nl", min_cell: int | None = None, extra: dict | None = None,
         paths: Paths | None = None) -> list[dict]:
    """The parameters of every report to render; raises ConfigError before anything runs if one is wrong."""
    paths = paths or project_paths()
    check_lang(lang)
    template = paths.root / TEMPLATE
    if not template.exists():
        raise ConfigError(f"template notebook {template} not found")
    respondents = paths.processed(wave) / "respondents.parquet"
    if not respondents.exists():
        known = sorted(p.name for p in (paths.root / "data" / "processed").glob("*") if (p / "respondents.parquet").exists())
        raise ConfigError(f"unknown or unprepared wave {wave!r}: no {respondents}; prepared waves: {known} "
                          f"(run `igb prepare --wave {wave}`)")
    codes = sorted(pd.read_parquet(respondents, columns=["municipality"])["municipality"].astype(str).unique(),
                   key=lambda m: (0, int(m)) if m.isdigit() else (1, m))
    for code in codes:  # validation refuses such codes; a processed file from elsewhere must not make a path either
        check_name(code, what=f"municipality code in {respondents}")
    wanted = [str(m) for m in municipalities] if municipalities else codes
    unknown = [m for m in wanted if m not in codes]
    if unknown:
        raise ConfigError(f"unknown municipality {unknown} in wave {wave!r}; known: {codes}")
    extra = dict(extra or {})
    allowed = template_parameters(template) if extra else []  # reading them imports papermill: only when needed
    bad = sorted(set(extra) - set(allowed))
    if bad:
        raise ConfigError(f"unknown report parameter(s) {bad}; the template takes {allowed}")
    out = output_dir(wave, lang, paths)
    min_cell = load_spec(wave, paths=paths).min_cell_for(min_cell)  # the one privacy rule (igb.privacy)
    return [{"wave": wave, "municipality": m, "lang": lang, "min_cell": min_cell, "output_dir": str(out), **extra}
            for m in wanted]


def _workbook(job: Job, paths: Paths) -> None:
    """A report's step after its pages: the municipality's key figures and stage evidence as <code>.xlsx."""
    from igb.report import context
    from igb.report import municipality as report

    p = job.parameters
    ctx = context.load(p["wave"], lang=p["lang"], min_cell=p["min_cell"], paths=paths)
    write_workbook(report.tables_for_excel(report.view(ctx, p["municipality"])), job.out / f"{job.name}.xlsx")


def report_jobs(wave: str, *, municipalities=None, lang: str = "nl", min_cell: int | None = None, xlsx: bool = True,
                extra: dict | None = None, paths: Paths | None = None) -> list[Job]:
    """One job per municipality report, its parameters checked first (`plan`)."""
    paths = paths or project_paths()
    template = paths.root / TEMPLATE
    banner = render.pdf_banner(wave, lang, paths)
    jobs = []
    for parameters in plan(wave, municipalities=municipalities, lang=lang, min_cell=min_cell, extra=extra, paths=paths):
        code = check_name(parameters["municipality"], what="municipality code")
        out = inside(parameters["output_dir"], paths.reports(wave))
        jobs.append(Job(code, template, out, parameters, fingerprint(parameters, template, paths), lang=lang, log=True,
                        after=_workbook if xlsx else None, pdf=pdf.enabled(), banner=banner))
    return jobs


def pending(wave: str, *, municipalities=None, lang: str = "nl", min_cell: int | None = None, xlsx: bool = True,
            force: bool = False, extra: dict | None = None, paths: Paths | None = None) -> tuple[list[Job], list[Result]]:
    """(report jobs to run; results of reports whose inputs did not change). Checks parameters first."""
    return split(report_jobs(wave, municipalities=municipalities, lang=lang, min_cell=min_cell, xlsx=xlsx, extra=extra,
                             paths=paths), force=force)


def finish(wave: str, results: list[Result], *, lang: str = "nl", min_cell: int | None = None,
           extra: dict | None = None, paths: Paths | None = None) -> list[Result]:
    """Sort the results by municipality and write the index, which lists every municipality of the wave."""
    paths = paths or project_paths()
    everyone = plan(wave, lang=lang, min_cell=min_cell, extra=extra, paths=paths)
    order = [p["municipality"] for p in everyone]
    results = sorted(results, key=lambda r: order.index(r.municipality))
    latest = {r.municipality: r for r in results}
    out = output_dir(wave, lang, paths)
    min_cell = everyone[0]["min_cell"] if everyone else load_spec(wave, paths=paths).min_cell_for(min_cell)
    remove_stale(out, order, failed=[r.municipality for r in results if not r.ok],
                 too_few=_below(paths.processed(wave) / "respondents.parquet", min_cell))
    index = write_index(wave, [latest.get(code) or _on_disk(code, out) for code in order], lang=lang, paths=paths,
                        out=out, min_cell=min_cell)
    _link_home(index, wave, lang, paths)
    return results


def _link_home(page: Path, wave: str, lang: str, paths: Paths) -> None:
    """The index's link back to the wave's landing page (reports/<wave>/index.html), as every page has."""
    from igb.report.html import accessible

    write_text(accessible(page.read_text(encoding="utf-8"), lang=lang, page=page, wave=wave,
                          home=paths.reports(wave) / "index.html"), page)


REPORT_FILES = ("{code}.html", "{code}.xlsx", "{code}.pdf", "figures/{code}.png", "notebooks/{code}.ipynb",
                "notebooks/{code}.failed.ipynb", "logs/{code}.log", ".inputs/{code}.sha256")
FIGURES_AND_PAGES = REPORT_FILES[:4]


def remove_stale(out: Path, codes: list[str], *, failed=(), too_few=()) -> list[Path]:
    """Remove what no longer holds: every output of a municipality that is not in the wave any more, the page,
    workbook and figure of a report that failed this time (they showed an earlier state), and the figure of a
    municipality now below min_cell (its report says so instead). Returns the files removed."""
    keep = set(codes)
    gone = []
    for pattern in REPORT_FILES:
        folder = (out / pattern).parent
        suffix = pattern.split("{code}")[1]
        for path in folder.glob("*" + suffix) if folder.is_dir() else []:
            code = path.name[: -len(suffix)]
            if code not in keep and code != "index" and not (suffix == ".ipynb" and code.endswith(".failed")):
                gone.append(path)
    for code in failed:
        gone += [out / p.format(code=code) for p in FIGURES_AND_PAGES]
    for code in too_few:
        gone.append(out / "figures" / f"{code}.png")
    for path in gone:
        path.unlink(missing_ok=True)
    return gone


def _below(respondents: Path, min_cell: int) -> list[str]:
    """Municipalities with fewer respondents than min_cell."""
    counts = pd.read_parquet(respondents, columns=["municipality"])["municipality"].astype(str).value_counts()
    return sorted(counts[counts < min_cell].index)


def run(wave: str, *, municipalities=None, lang: str = "nl", min_cell: int | None = None, jobs: int = 2,
        xlsx: bool = True, force: bool = False, progress: bool = True, extra: dict | None = None,
        paths: Paths | None = None) -> list[Result]:
    """Render the reports of a wave (all municipalities, or some); returns one result per municipality."""
    paths = paths or project_paths()
    options = dict(lang=lang, min_cell=min_cell, extra=extra, paths=paths)
    todo, done = pending(wave, municipalities=municipalities, xlsx=xlsx, force=force, **options)
    with progress_bar(len(todo), f"reports {wave}", progress, unit="report") as bar:
        results = run_jobs(todo, jobs, root=paths.root, on_done=bar.update)
    results = finish(wave, done + results, **options)
    from igb.report import landing

    landing.write(wave, lang=lang, min_cell=min_cell, paths=paths)  # the wave's start page lists the reports
    return results


def _on_disk(code: str, out: Path) -> Result:
    """The state of a report this run did not touch: rendered earlier, or failed/never rendered."""
    page = out / f"{code}.html"
    if page.exists():
        return Result(code, True, True, 0.0, page)
    return Result(code, False, False, 0.0, None, out / "logs" / f"{code}.log", "not rendered")




def write_index(wave: str, results: list[Result], *, lang: str, paths: Paths, out: Path,
                min_cell: int | None = None) -> Path:
    """index.html: every municipality with its stage and a link to its report (or the failure), under the privacy
    rule: no stage and no count of a municipality the tables hide. Every name and code is escaped."""
    from igb.report.context import load
    from igb.report.municipality import certainty_words, display_name, text

    ctx = load(wave, lang=lang, paths=paths, min_cell=min_cell)
    stages, _ = ctx.stages()
    stages = stages.set_index(stages["municipality"].astype(str))
    t = texts("index", lang)
    rows = []
    for r in results:
        s = stages.loc[r.municipality]
        code, name = html_text(r.municipality), html_text(display_name(ctx, r.municipality))
        stage = t["none"] if pd.isna(s["stage"]) else f"{int(s['stage'])} {html_text(s['stage_name'])}"
        certainty = html_text(certainty_words(s, lang))  # '—' for a municipality without a stage
        provisional = ("—" if pd.isna(s["stage"]) or pd.isna(s["provisional_stage"]) else
                       f"{int(s['provisional_stage'])} {html_text(s['provisional_name'])}")
        link = (f'<a href="{code}.html">{name}</a>' if r.ok
                else f'{name}: <strong>{t["failed"]}</strong> <a href="logs/{code}.log">log</a>')
        count = "—" if pd.isna(s["respondents"]) else int(s["respondents"])
        rows.append(f"<tr><td>{code}</td><td>{link}</td><td>{count}</td><td>{stage}</td><td>{certainty}</td>"
                    f"<td>{provisional}</td></tr>")
    headers = [html_text(text("index_certainty", lang)), html_text(text("index_provisional", lang))]
    banner = f'<p class="synthetic">{t["synthetic"]}</p>' if ctx.synthetic else ""
    title = html_text(t['title'].format(wave=wave))
    note = html_text(t["privacy"].format(min_cell=ctx.min_cell))
    page = f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}table{{border-collapse:collapse}}
td,th{{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}}.synthetic{{color:#8b0000;font-weight:bold;
border:1px solid #8b0000;background:#fff2f2;padding:.5em}}</style></head><body>
<h1>{title}</h1>
{banner}
<table><thead><tr><th>#</th><th>{t['report']}</th><th>{t['respondents']}</th><th>{t['stage']}</th><th>{headers[0]}</th><th>{headers[1]}</th></tr></thead>
<tbody>
{chr(10).join(rows)}
</tbody></table>
<p>{note}</p></body></html>
"""
    return write_text(page, out / "index.html")
