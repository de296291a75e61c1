"""reports/<wave>/index.html: the wave's landing page, where an adviser, student or researcher starts.

In the wave's report language: what the wave is (synthetic or real, in the reports' own banner wording;
respondents, municipalities), one line per analysis page on what it shows and for whom, the municipality reports
with their stage (from `WaveContext.stages()`, under the privacy rule: no stage and no count it hides), and the
downloads (workbooks, PDFs, the wave's exports). Only files that exist are linked; every name and code is escaped.
Every rendered page links back here (`igb.report.html.accessible`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd

from igb.config import Paths, paths as project_paths
from igb.safe import html_text
from igb.survey.io import write_text
from igb.text import t

AUDIENCE = {  # who each analysis page is for
    "01_response": ("researcher", "student"),
    "02_policy_content": ("adviser", "researcher", "student"),
    "03_collaboration": ("adviser", "researcher", "student"),
    "04_factors": ("adviser", "researcher", "student"),
    "05_replication": ("researcher",),
    "06_maturity": ("adviser", "researcher"),
    "07_compare_waves": ("adviser", "researcher"),
    "08_statistics": ("researcher", "student"),
}

MARK = "\x00"  # where links go into an escaped sentence
STYLE = """body{font-family:sans-serif;max-width:62em;margin:2em auto;padding:0 1em;line-height:1.45;color:#1a1a1a}
table{border-collapse:collapse;margin:.5em 0 1.5em}caption{text-align:left;font-weight:bold;padding:.3em 0}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.synthetic{color:#8b0000;border:2px solid #8b0000;background:#fff2f2;padding:.6em .9em}
.synthetic h2{margin-top:0}a{color:#0645ad}"""


def _inline_markdown(text: str) -> str:
    """The banner's markdown (**bold**, `code`) as HTML, escaped first."""
    html = html_text(text)
    html = re.sub(r"\*\*(.+?)\*\*", r"<strong>\1</strong>", html)
    return re.sub(r"`(.+?)`", r"<code>\1</code>", html)


def _href(target: Path, base: Path) -> str:
    return html_text(Path(os.path.relpath(target, base)).as_posix())


def _link(target: Path, base: Path, text: str) -> str:
    return f'<a href="{_href(target, base)}">{html_text(text)}</a>'


def _code_key(code: str):
    return (0, int(code), code) if code.isdigit() else (1, 0, code)


def output_dir(wave: str, lang: str, paths: Paths) -> Path:
    """The municipality reports' folder (as `igb.report.batch.output_dir`, which imports this module)."""
    base = paths.reports(wave) / "municipalities"
    return base if lang == "nl" else base / lang


def write(wave: str, *, lang: str = "nl", min_cell: int | None = None, paths: Paths | None = None) -> Path:
    """Write reports/<wave>/index.html (the wave must be prepared); returns its path."""
    from igb.report import render
    from igb.report.context import load
    from igb.report.municipality import display_name

    paths = paths or project_paths()
    base = paths.reports(wave)
    ctx = load(wave, lang=lang, min_cell=min_cell, paths=paths)
    T = lambda key, **fmt: t(f"landing.{key}", lang, **fmt)  # noqa: E731
    title = T("title", wave=wave)
    parts = [f"<h1>{html_text(title)}</h1>", f"<p>{html_text(T('lead', wave=wave))}</p>"]

    if ctx.synthetic:
        parts.append(f'<section class="synthetic" aria-labelledby="synthetic"><h2 id="synthetic">'
                     f'{html_text(T("synthetic_heading"))}</h2><p>{_inline_markdown(ctx.banner(label=False))}</p></section>')
    else:
        parts.append(f"<p>{html_text(T('real', wave=wave))}</p>")
    facts = "facts" if ctx.min_cell > 1 else "facts_all_shown"  # min_cell 1 hides nothing: no "fewer than 1"
    parts.append(f"<p>{html_text(T(facts, respondents=len(ctx.respondents), min_cell=ctx.min_cell, municipalities=ctx.respondents['municipality'].nunique()))}</p>")

    # the analysis pages that exist, in the notebooks' order, then comparisons
    names = [n for n in render.NOTEBOOKS if (base / f"{n}.html").exists()]
    names += sorted(p.stem for p in base.glob("compare_with_*.html"))
    rows = []
    for name in names:
        key = render.COMPARISON if name.startswith("compare_with_") else name
        shows = t(f"landing.notebooks.{key}", lang) if key in AUDIENCE else name
        whom = ", ".join(T(f"audience.{a}") for a in AUDIENCE.get(key, ("researcher",)))
        extra = [_link(base / f"{name}.pdf", base, "PDF")] if (base / f"{name}.pdf").exists() else []
        if (base / "with-code" / f"{name}.html").exists():
            extra.append(_link(base / "with-code" / f"{name}.html", base, T("with_code")))
        rows.append(f"<tr><td>{_link(base / f'{name}.html', base, name)}</td><td>{html_text(shows)}</td>"
                    f"<td>{html_text(whom)}</td><td>{' · '.join(extra) or '—'}</td></tr>")
    if rows:
        parts.append(f'<h2>{html_text(T("analyses"))}</h2><p>{html_text(T("analyses_lead"))}</p>'
                     f'<table><caption class="sr">{html_text(T("analyses"))}</caption><thead><tr><th scope="col">'
                     f'{html_text(T("page"))}</th><th scope="col">{html_text(T("shows"))}</th><th scope="col">'
                     f'{html_text(T("for_whom"))}</th><th scope="col">{html_text(T("formats"))}</th></tr></thead>'
                     f'<tbody>{"".join(rows)}</tbody></table>')

    # the municipality reports, with their stage under the privacy rule
    folder, english = output_dir(wave, "nl", paths), output_dir(wave, "en", paths)
    own = output_dir(wave, lang, paths)
    stages, _ = ctx.stages()
    stages = stages.set_index(stages["municipality"].astype(str))
    rows, workbooks, pdfs = [], [], []
    for code in sorted(stages.index, key=_code_key):
        s = stages.loc[code]
        name = display_name(ctx, code)
        page = own / f"{code}.html"
        cell = _link(page, base, name) if page.exists() else f"{html_text(name)} ({html_text(T('not_rendered'))})"
        others = []
        if (own / f"{code}.pdf").exists():
            others.append(_link(own / f"{code}.pdf", base, "PDF"))
            pdfs.append(_link(own / f"{code}.pdf", base, code))
        other = english if own == folder else folder
        if (other / f"{code}.html").exists():
            others.append(_link(other / f"{code}.html", base, T("english") if other == english else T("dutch")))
        if (own / f"{code}.xlsx").exists():
            workbooks.append(_link(own / f"{code}.xlsx", base, code))
        count = "—" if pd.isna(s["respondents"]) else str(int(s["respondents"]))
        stage = T("no_stage") if pd.isna(s["stage"]) else f"{int(s['stage'])} {s['stage_name']}"
        rows.append(f"<tr><td>{html_text(code)}</td><td>{cell}{' · ' if others else ''}{' · '.join(others)}</td>"
                    f"<td>{count}</td><td>{html_text(stage)}</td></tr>")
    parts.append(f'<h2>{html_text(T("municipalities"))}</h2><p>{html_text(T("municipalities_lead"))}</p>')
    if (own / "index.html").exists():
        parts.append(f"<p>{_link(own / 'index.html', base, T('municipality_index'))}</p>")
    parts.append(f'<table><caption class="sr">{html_text(T("municipalities"))}</caption><thead><tr>'
                 + "".join(f'<th scope="col">{html_text(T(k))}</th>' for k in ("code", "report", "respondents", "stage"))
                 + f'</tr></thead><tbody>{"".join(rows)}</tbody></table>'
                 + (f'<p>{html_text(T("privacy", min_cell=ctx.min_cell))}</p>' if ctx.min_cell > 1 else ""))

    # downloads
    items = []
    if workbooks:
        items.append(f"<li>{html_text(T('workbooks', links=MARK)).replace(MARK, ' · '.join(workbooks))}</li>")
    if pdfs:
        items.append(f"<li>{html_text(T('pdfs', links=MARK)).replace(MARK, ' · '.join(pdfs))}</li>")
    export = paths.processed(wave) / "export"
    for file, key in (("tables.xlsx", "tables_xlsx"), ("respondents.sav", "respondents_sav")):
        if (export / file).exists():
            items.append(f"<li>{_link(export / file, base, T(key))}</li>")
    parts.append(f'<h2>{html_text(T("downloads"))}</h2><p>{html_text(T("downloads_lead"))}</p>'
                 + (f"<ul>{''.join(items)}</ul>" if items else f"<p>{html_text(T('none'))}</p>"))

    page = f"""<!DOCTYPE html>
<html lang="{html_text(lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html_text(title)}</title><style>{STYLE}</style></head><body><main>
{chr(10).join(parts)}
</main></body></html>
"""
    return write_text(page, base / "index.html")
