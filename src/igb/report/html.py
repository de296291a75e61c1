"""Executed notebooks to standalone HTML (nbconvert), one exporter per process and kind, kept warm.

Every page is post-processed in one place (`accessible`): each figure's <img alt> is set from the description its
figure function wrote into the PNG (`igb.report.style.save`: the PNG's `Description` text chunk, built from the
numbers it plots), so no nbconvert placeholder is left; each cell's code and output is focusable (tabindex, as
nbconvert's exporter makes it in a BeautifulSoup pass over the page that `_Exporter` leaves out); a link back to
the wave's landing page (and to the page's PDF) opens the page; print CSS keeps that navigation off paper.
"""

from __future__ import annotations

import base64
import io
import os
import re
from functools import lru_cache
from pathlib import Path

from igb.report import nbimport
from igb.survey.io import write_text


def to_html(ipynb: Path, html: Path, *, code: bool, lang: str = "en", home: Path | None = None,
            wave: str = "", pdf: Path | None = None) -> Path:
    """Render an executed notebook to standalone HTML, with or without its code cells.

    Cells tagged `remove_cell` (notes for developers, e.g. in the municipality template) are left out. `lang` is
    the page's language (`<html lang>`, read by screen readers and translation tools). `home`: the wave's landing
    page, linked at the top (relative to the page); `pdf`: the page's PDF, linked there too.
    """
    nbimport.without_iri_checker()
    import nbformat

    exporter = _exporter(code)
    exporter.language_code = lang  # set per page: a new exporter would compile its template again
    body, _ = exporter.from_notebook_node(nbformat.read(ipynb, as_version=4))
    return write_text(accessible(body, lang=lang, page=html, home=home, wave=wave, pdf=pdf), html)


PLACEHOLDER = "No description has been provided for this image"
_IMG = re.compile(r'<img\b[^>]*>', re.S)
_SRC = re.compile(r'src="data:image/png;base64,([^"]+)"')
_ALT = re.compile(r'\salt="[^"]*"')
# what nbconvert's HTMLExporter makes focusable (tabindex 0: a keyboard reaches each cell's code and output) in the
# pass over the page it makes with BeautifulSoup, which `_Exporter` leaves out: that pass was two thirds of its time
_FOCUSABLE = re.compile(r'<div\b(?![^>]*\btabindex=)[^>]*\bclass="[^"]*\b(?:jp-Cell-inputWrapper|jp-OutputArea-output)\b[^"]*"[^>]*>')
PRINT_CSS = """<style id="igb-print">
.igb-nav{font-family:sans-serif;margin:.5em 0 1em;padding:.4em 0;border-bottom:1px solid #ccc}
.igb-nav a{margin-right:1.5em}
@media print{.igb-nav{display:none}*{font-variant-ligatures:none}img{max-width:100%;break-inside:avoid}h1,h2,h3{break-after:avoid}
table{break-inside:auto}tr{break-inside:avoid}}
</style>"""


def png_description(data: bytes) -> str:
    """The `Description` text chunk of a PNG ('' if it has none).

    Read from the chunks before the pixels, as `figures.save` writes it: `Image.info` has them once the file is
    opened. Only a PNG that puts it after the pixels is decoded (`Image.text` reads to the end), which cost ≈30 ms
    a figure, a third of a page's rendering."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        found = image.info.get("Description")
        if found is None:
            found = getattr(image, "text", {}).get("Description", "")
        return str(found).strip()


def accessible(body: str, *, lang: str, page: Path | None = None, home: Path | None = None, wave: str = "",
               pdf: Path | None = None) -> str:
    """The page with each embedded figure's alt text from its PNG, the navigation bar and the print CSS."""
    from igb.safe import html_text
    from igb.text import t

    generic = t("pages.figure_alt", lang, title="—")

    def alt(match: re.Match) -> str:
        tag = match.group(0)
        src = _SRC.search(tag)
        if src is None:  # not a PNG of ours: keep its alt text, or give it the page's generic one
            return tag if _ALT.search(tag) else tag.replace("<img", f'<img alt="{html_text(generic)}"', 1)
        text = png_description(base64.b64decode(src.group(1))) or generic
        tag = _ALT.sub("", tag)
        return tag.replace("<img", f'<img alt="{html_text(text)}"', 1)

    body = _IMG.sub(alt, body)
    body = _FOCUSABLE.sub(lambda m: m.group(0)[:-1] + ' tabindex="0">', body)
    body = captioned(body)
    head = PRINT_CSS
    links = []
    if home is not None and page is not None:
        links.append(f'<a href="{_relative(home, page)}">{html_text(t("pages.home", lang, wave=wave))}</a>')
    if pdf is not None and page is not None:
        links.append(f'<a href="{_relative(pdf, page)}">{html_text(t("pages.pdf", lang))}</a>')
    nav = f'<nav class="igb-nav" aria-label="{html_text(t("pages.home", lang, wave=wave))}">{"".join(links)}</nav>' \
        if links else ""
    body = body.replace("</head>", head + "\n</head>", 1)
    return re.sub(r"(<body\b[^>]*>)", lambda m: m.group(1) + nav, body, count=1)


_HEADING = re.compile(r"<h([1-4])\b[^>]*>(.*?)</h\1>", re.S)
_TABLE = re.compile(r'<table\b[^>]*class="dataframe"[^>]*>', re.S)
_TAG = re.compile(r"<[^>]+>")


def captioned(body: str) -> str:
    """Give each pandas table without a caption the text of the heading above it as its <caption>."""
    from igb.safe import html_text
    import html as html_module

    out, last, heading = [], 0, ""
    events = sorted([(m.start(), "h", m) for m in _HEADING.finditer(body)] + [(m.start(), "t", m) for m in _TABLE.finditer(body)],
                    key=lambda e: e[0])
    for _, kind, m in events:
        if kind == "h":
            text = html_module.unescape(_TAG.sub("", m.group(2))).replace("¶", "").strip()
            heading = " ".join(text.split())
            continue
        if not heading or body[m.end():m.end() + 200].lstrip().startswith("<caption"):
            continue
        out += [body[last:m.end()], f"<caption>{html_text(heading)}</caption>"]
        last = m.end()
    return "".join(out) + body[last:]


def _relative(target: Path, page: Path) -> str:
    return Path(os.path.relpath(Path(target).resolve(), Path(page).resolve().parent)).as_posix()


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
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
    from traitlets.config import Config

    class _Exporter(HTMLExporter):
        """nbconvert's HTMLExporter (7.x) without its last pass, which parses the whole page with BeautifulSoup
        (≈60 ms a page of figures, two thirds of the export) only to add alt texts and tabindex: `accessible` does
        both, the alt texts from the PNGs. The rest is HTMLExporter.from_notebook_node as it is."""

        def from_notebook_node(self, nb, resources=None, **kw):
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                     resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = {"remove_cell"}  # notes for developers, not for readers
    return _Exporter(config=config, exclude_input=not code, exclude_input_prompt=not code, exclude_output_prompt=True)
