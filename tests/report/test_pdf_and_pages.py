"""Page post-processing (alt text from the PNG, navigation, captions) and the PDF step without a browser."""

import base64
import io
import logging

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
