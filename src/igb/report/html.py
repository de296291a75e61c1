"""Executed notebooks to standalone HTML (nbconvert), one exporter per process and kind, kept warm."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from igb.report import nbimport
from igb.survey.io import write_text


def to_html(ipynb: Path, html: Path, *, code: bool, lang: str = "en") -> Path:
    """Render an executed notebook to standalone HTML, with or without its code cells.

    Cells tagged `remove_cell` (notes for developers, e.g. in the municipality template) are left out. `lang` is
    the page's language (`<html lang>`, read by screen readers and translation tools).
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
