"""The pages in a real browser: Debian's headless Chromium, driven by Selenium through /usr/bin/chromedriver
(nothing downloaded at run time), and the PDFs printed from them.

A small SYNTHETIC wave (municipalities 1-3 with six officers, 4 with two: below min_cell) is rendered in a copy of
the project: one analysis page, every municipality report (Dutch, and one English), the landing page. Then the
landing page, the analysis page and a municipality report load; every link resolves to a file; every image has
alt text that is not nbconvert's placeholder; axe-core (`make axe`, pinned in .ci/axe/package-lock.json) finds no
violation of WCAG 2.1 A/AA; and each municipality PDF has the municipality's name and its key figures as text.
Skipped, saying why, when Chromium, chromedriver or axe-core is missing.
"""

import json
import shutil
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import ROOT, small_project
from igb.config import paths as make_paths
from igb.report import batch, landing, pdf, render

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = ROOT / ".ci" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
PLACEHOLDER = "No description has been provided for this image"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage")

needs_chromium = pytest.mark.skipif(pdf.chromium() is None, reason="headless Chromium is not installed "
                                    "(Debian: apt-get install chromium; .ci/run installs it)")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The small synthetic wave rendered: one analysis page, the municipality reports, the landing page."""
    paths = small_project(tmp_path_factory.mktemp("site"), spec="synthetic: generated\n")
    result = render.render("02_policy_content", "small", lang="nl", paths=paths)
    assert result.ok, result.error
    assert all(r.ok for r in batch.run("small", jobs=2, progress=False, paths=paths))
    assert all(r.ok for r in batch.run("small", municipalities=["1"], lang="en", jobs=1, progress=False, paths=paths))
    landing.write("small", lang="nl", paths=paths)
    pdf.close()  # this process's Chromium (render.render printed here)
    return paths.reports("small")


def test_the_landing_page_lists_pages_reports_and_downloads_under_the_privacy_rule(site):
    html = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in html and '<h2 id="synthetic">Synthetische gegevens</h2>' in html
    assert "igb synth" in html and "SYNTHETISCHE GEGEVENS" not in html  # said once, in the box's heading
    assert 'href="02_policy_content.html"' in html and "beleidsadviseur" in html
    assert 'href="municipalities/1.html"' in html and 'href="municipalities/index.html"' in html
    assert 'href="municipalities/en/1.html"' in html and 'href="municipalities/1.xlsx"' in html
    row4 = html.split("<td>4</td>", 1)[1].split("</tr>", 1)[0]
    assert "—" in row4 and "geen stadium" in row4  # municipality 4: fewer than min_cell, no count and no stage
    assert "Cijfers van minder dan 5 ambtenaren worden niet getoond" in html


def test_a_landing_page_under_min_cell_1_does_not_speak_of_fewer_than_1(site, tmp_path):
    from igb.report import landing

    paths = make_paths(site.parent.parent)
    try:
        html = landing.write("small", lang="nl", min_cell=1, paths=paths).read_text(encoding="utf-8")
        assert "minder dan 1" not in html and "Elk cijfer wordt getoond (minimale celgrootte 1)" in html
        assert "<td>2</td>" in html.split("<td>4</td>", 1)[1].split("</tr>", 1)[0]  # its two officers: shown
    finally:
        landing.write("small", lang="nl", paths=paths)  # the module's other tests read the page under min_cell 5
    for page in (site / "02_policy_content.html", site / "municipalities" / "1.html",
                 site / "municipalities" / "en" / "1.html", site / "with-code" / "02_policy_content.html",
                 site / "municipalities" / "index.html"):
        text = page.read_text(encoding="utf-8")
        assert 'class="igb-nav"' in text and "index.html" in text, page
        assert PLACEHOLDER not in text, page


@needs_chromium
def test_each_municipality_pdf_has_its_name_key_figures_banner_and_page_numbers(site):
    from pypdf import PdfReader

    from igb.report import context
    from igb.report import municipality as report

    ctx = context.load("small", lang="nl", paths=make_paths(site.parents[1]))
    for code in ("1", "2", "3", "4"):
        reader = PdfReader(site / "municipalities" / f"{code}.pdf")
        pages = [" ".join(p.extract_text().split()) for p in reader.pages]
        text = " ".join(pages)
        view = report.view(ctx, code)
        assert view.name in text
        table = report.key_figures_table(view)
        if table is not None:
            for value in table.iloc[:, 0]:  # this municipality's percentages
                assert str(value) in text, (code, value)
        for i, page in enumerate(pages, 1):
            assert "SYNTHETISCHE gegevens" in page and f"Pagina {i} van {len(pages)}" in page, (code, i)
        assert reader.trailer["/Root"].get("/MarkInfo") is not None  # tagged
        assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4
    english = PdfReader(site / "municipalities" / "en" / "1.pdf")
    assert "Page 1 of" in english.pages[0].extract_text()
    assert "Pagina 1 van" in PdfReader(site / "02_policy_content.pdf").pages[0].extract_text() or \
        "Page 1 of" in PdfReader(site / "02_policy_content.pdf").pages[0].extract_text()


@pytest.fixture(scope="module")
def driver():
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        pytest.skip("headless Chromium or chromedriver is not installed (Debian: chromium, chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (dev dependency)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = Path(__import__("tempfile").mkdtemp(prefix="igb-test-chromium-"))
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={profile}")
    options.add_argument("--window-size=1280,1024")
    browser = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    browser.set_script_timeout(60)
    yield browser
    browser.quit()
    shutil.rmtree(profile, ignore_errors=True)


PAGES = ("index.html", "02_policy_content.html", "municipalities/1.html")


@pytest.mark.parametrize("name", PAGES)
def test_the_page_loads_its_links_resolve_and_its_images_are_described(site, driver, name):
    page = site / name
    driver.get(page.as_uri())
    assert driver.title
    links = driver.execute_script("return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")
    assert links
    for href in links:
        url = urlparse(href)
        if url.scheme != "file":
            continue  # none are made, but an external link is not a file to check
        assert Path(unquote(url.path)).is_file(), (name, href)
    alts = driver.execute_script("return Array.from(document.images).map(i => i.getAttribute('alt'))")
    for alt in alts:
        assert alt and alt.strip() and PLACEHOLDER not in alt, (name, alt)
    if name != "index.html":
        assert alts, name  # the analysis page and the report have figures


@pytest.mark.parametrize("name", PAGES)
def test_axe_core_finds_no_wcag_2_1_a_or_aa_violation(site, driver, name):
    if not AXE.exists():
        pytest.skip(f"axe-core is not installed ({AXE.relative_to(ROOT)}): run `make axe` (npm ci in .ci/axe)")
    driver.get((site / name).as_uri())
    driver.execute_script(AXE.read_text(encoding="utf-8"))
    result = driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}}).then(r => done(r.violations))"
        ".catch(e => done([{id: 'axe-error', help: String(e), nodes: []}]));", WCAG)
    summary = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:5]) for v in result]
    assert not result, json.dumps(summary, indent=1)
