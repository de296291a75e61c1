"""Page post-processing (alt text from the PNG, navigation, captions) and the PDF step without a browser."""

import base64
import logging
import os
import subprocess
import sys

import nbformat
import numpy as np
import pandas as pd

from igb.report.context import of_tables
from igb.report import figures, pdf
from igb.report.html import PLACEHOLDER, accessible, png_description
from igb.report.style import new_figure, save


def _page(png: bytes) -> str:
    data = base64.b64encode(png).decode()
    return (f'<!DOCTYPE html><html lang="nl"><head><title>x</title></head><body><h2>Respons per sector</h2>'
            f'<table border="1" class="dataframe"><thead><tr><th>a</th></tr></thead></table>'
            f'<img alt="{PLACEHOLDER}" src="data:image/png;base64,{data}"></body></html>')


def test_the_image_gets_the_alt_text_its_figure_function_wrote(tmp_path):
    fig, ax = new_figure(3, 2)
    ax.bar([0], [1])
    fig.igb_alt = "Figuur 1 <test>: Gemeente 3 83%; Gemeente 4 niet getoond — privacy."
    png = save(fig, tmp_path / "f.png").read_bytes()
    assert png_description(png) == fig.igb_alt
    page = accessible(_page(png), lang="nl", page=tmp_path / "r" / "p.html", home=tmp_path / "r" / "index.html",
                      wave="w", pdf=tmp_path / "r" / "p.pdf")
    assert PLACEHOLDER not in page
    assert 'alt="Figuur 1 &lt;test&gt;: Gemeente 3 83%; Gemeente 4 niet getoond — privacy."' in page
    assert '<a href="index.html">Overzicht van golf w</a>' in page and '<a href="p.pdf">' in page
    assert "<caption>Respons per sector</caption>" in page
    assert "@media print" in page


def test_a_figure_describes_its_numbers_and_says_which_are_not_shown():
    tables = pd.DataFrame({
        "table": "fig3.1", "unit_type": "municipality", "unit": ["1", "2"], "item": "returned",
        "category": "returned", "count": [7, np.nan], "n": [7, np.nan], "pct": np.nan, "suppressed": [False, True]})
    fig = figures.fig3_1_response(of_tables(tables, lang="nl", synthetic=True))
    assert "Gemeente 1: 7" in fig.igb_alt and "Gemeente 2: niet getoond" in fig.igb_alt
    assert fig.igb_alt.startswith("Figuur 3.1") and "SYNTHETISCHE" in fig.igb_alt
    assert "Municipality 2: not shown" in figures.fig3_1_response(of_tables(tables, lang="en")).igb_alt


def test_without_chromium_no_pdf_is_made_and_one_notice_says_why(monkeypatch, caplog):
    monkeypatch.setenv("IGB_CHROMIUM", "/nonexistent/chromium")
    pdf.enabled.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="igb.report.pdf"):
            assert not pdf.enabled() and not pdf.enabled()
        assert len([r for r in caplog.records if "no PDFs" in r.getMessage()]) == 1
    finally:
        pdf.enabled.cache_clear()


def test_the_header_and_footer_escape_the_banner_and_number_the_pages():
    header, footer = pdf.header_footer("SYNTHETISCH <b>", "Pagina", "van")
    assert "SYNTHETISCH &lt;b&gt;" in header
    assert 'class="pageNumber"' in footer and 'class="totalPages"' in footer and "van" in footer
    assert pdf.header_footer("", "Page", "of")[0] == "<div></div>"


def test_a_page_is_nbconverts_own_without_its_soup_pass(tmp_path):
    # html._exporter leaves out nbconvert's BeautifulSoup pass; `accessible` adds what it added (tabindex, alt)
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    from igb.report import html

    fig, ax = new_figure(3, 2)
    ax.bar([0], [1])
    fig.igb_alt = "Figuur 2: Gemeente 1 50%."
    png = base64.b64encode(save(fig, tmp_path / "f.png").read_bytes()).decode()
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("## Respons"),
        nbformat.v4.new_code_cell("1 + 1", execution_count=1, outputs=[
            nbformat.v4.new_output("execute_result", {"text/plain": "2"}, execution_count=1),
            nbformat.v4.new_output("display_data", {"image/png": png, "text/plain": "<Figure>"})])])
    for code in (False, True):
        exporter = html._exporter(code)
        exporter.language_code = "nl"  # as `to_html` sets it per page (the exporter is kept between pages)
        ours = accessible(exporter.from_notebook_node(nb)[0], lang="nl")
        theirs = accessible(HTMLExporter(exclude_input=not code, exclude_input_prompt=not code, language_code="nl",
                                         exclude_output_prompt=True).from_notebook_node(nb)[0], lang="nl")
        assert str(BeautifulSoup(ours, "html.parser")) == str(BeautifulSoup(theirs, "html.parser"))
        assert 'alt="Figuur 2: Gemeente 1 50%."' in ours and PLACEHOLDER not in ours
        assert ours.count('tabindex="0"') == theirs.count('tabindex="0"') >= 2


def test_the_devtools_pipe_reaches_chromium_even_where_descriptors_3_and_4_were_free():
    # Chromium reads the DevTools pipe on fds 3 and 4, which the child moves there before exec. Where 3 and 4 were
    # free (a process without a pool's descriptors: igb run --jobs 1, igb compare), os.dup put the pipe there
    # itself and dup2 onto itself kept close-on-exec: Chromium found no pipe. Run in a process of its own.
    script = """
import os
os.closerange(3, 256)
r, w = os.pipe()                      # on 3 and 4
r2, w2 = os.dup(r), os.dup(w)         # elsewhere; 3 and 4 free again
os.close(r); os.close(w)
from igb.report import pdf
pdf._pipe_fds(r2, w2)()               # what the child runs before exec
print(os.get_inheritable(3), os.get_inheritable(4))
"""
    out = subprocess.run([sys.executable, "-c", script], check=True, capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["True", "True"]


def test_an_empty_profile_is_removed_only_when_its_worker_has_ended(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf.tempfile, "gettempdir", lambda: str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    mine = tmp_path / f"igb-chromium-{os.getpid()}-abc"  # a browser of a running worker, about to start
    gone = tmp_path / f"igb-chromium-{ended.stdout.strip()}-def"  # left by a worker that was stopped
    kept = tmp_path / f"igb-chromium-{ended.stdout.strip()}-ghi"  # not empty: never removed here
    for folder in (mine, gone, kept):
        folder.mkdir()
    (kept / "Local State").write_text("{}")
    pdf._remove_empty_profiles()
    assert mine.exists() and not gone.exists() and kept.exists()


def test_a_browser_that_dies_while_printing_is_replaced_once(tmp_path, monkeypatch):
    made = []

    class Dying:
        def __init__(self):
            made.append(self)

        def print_pdf(self, page, out, **words):
            if len(made) == 1:
                raise RuntimeError("Chromium closed the DevTools pipe")
            return out

        def close(self):
            pass

    def browser():  # as pdf.browser: this process's browser, a new one once `close` dropped it
        if pdf._browser is None:
            pdf._browser = Dying()
        return pdf._browser

    monkeypatch.setattr(pdf, "_browser", None)
    monkeypatch.setattr(pdf, "browser", browser)
    assert pdf.print_pdf(tmp_path / "p.html", tmp_path / "p.pdf") == tmp_path / "p.pdf"
    assert len(made) == 2  # the dead one closed, a new one printed
