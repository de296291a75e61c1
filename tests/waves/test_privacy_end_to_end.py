"""A real-style wave whose min_cell is above every municipality: no output holds a figure of any municipality.

Runs the commands a researcher runs (run: prepare, notebooks and municipality reports; compare; export) on a copy
of the project, with municipality names that are markup and formulas, and then reads every file they wrote under
reports/ and data/processed/ (respondents.parquet and the .sav export excepted: they are the researcher's own rows).
"""

import os
import re
import shutil
import stat
from html.parser import HTMLParser

import openpyxl
import pandas as pd
import pytest
import yaml

from conftest import ROOT, valid_rows, write_csv
from igb.cli import main

CODES = ("GM01", "GM02", "GM03", "GM04")
NAMES = {"GM01": "<img src=x onerror=alert(1)>", "GM02": '=HYPERLINK("http://evil","x")', "GM03": "*Gemeente* $3$"}
SECTORS = ("vgz", "jeugd", "wonen", "sport", "milieu", "zorg")  # 6 officers per municipality
MIN_CELL = 7  # above every municipality; the wave as a whole (24 officers) still shows its figures


class _Text(HTMLParser):
    """Table rows (data cells as text; header cells, such as a frame's row index, as `labels`) and the page's text
    outside <style> and <script>."""

    def __init__(self):
        super().__init__()
        self.rows, self.labels, self.text, self._row, self._cell, self._skip = [], [], [], None, None, 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "tr":
            self._row, self._label = [], []
        elif tag in ("td", "th") and self._row is not None:
            self._cell, self._th = [], tag == "th"

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        elif tag in ("td", "th") and self._cell is not None:
            (self._label if self._th else self._row).append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            self.rows.append(self._row)
            self.labels.append(self._label)
            self._row = None

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
            if self._cell is not None:
                self._cell.append(data)


def read_html(path):
    parser = _Text()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def is_figure(cell) -> bool:
    """A number shown as data: '83%', '5', '(4)', '72% (5)', 'n = 6', 4.0."""
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        return not pd.isna(cell)
    text = str(cell).strip()
    return "%" in text or bool(re.fullmatch(r"[\d.,\s()=n<>—-]*\d[\d.,\s()=n<>—-]*", text))


def mentions_municipality(cell) -> bool:
    text = str(cell)
    return any(code in text for code in CODES) or any(name in text for name in NAMES.values())


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("privacy")
    for folder in ("params", "notebooks"):
        shutil.copytree(ROOT / folder, root / folder)
    for wave, seed in (("real", 31), ("earlier", 32)):
        (root / "data" / "raw" / wave).mkdir(parents=True)
        write_csv(root / "data" / "raw" / wave / "responses.csv", valid_rows(municipalities=CODES, sectors=SECTORS, seed=seed))
    mapping = {"wave": "real", "municipality_names": NAMES, "min_cell": MIN_CELL}
    (root / "params" / "waves" / "real.yaml").write_text(yaml.safe_dump(mapping, allow_unicode=True), encoding="utf-8")
    (root / "params" / "waves" / "earlier.yaml").write_text("wave: earlier\nmin_cell: 1\n", encoding="utf-8")
    old_root, old_umask = os.environ.get("IGB_ROOT"), os.umask(0o022)
    os.environ["IGB_ROOT"] = str(root)
    try:
        # first with a low --min-cell, as a careless earlier run would: its figures must not survive the real run
        assert main(["prepare", "--wave", "real", "--min-cell", "3"]) == 0
        assert main(["reports", "--wave", "real", "--min-cell", "3"]) == 0
        assert list((root / "reports" / "real" / "municipalities" / "figures").glob("*.png"))
        assert main(["run", "--wave", "real"]) == 0
        assert main(["compare", "--wave", "real", "--baseline", "earlier"]) == 0
        assert main(["export", "--wave", "real", "--to", "xlsx"]) == 0
        assert main(["export", "--wave", "real"]) == 0
    finally:
        os.umask(old_umask)
        if old_root is None:
            os.environ.pop("IGB_ROOT", None)
        else:
            os.environ["IGB_ROOT"] = old_root
    return root


def outputs(root, pattern):
    found = [*(root / "reports" / "real").rglob(pattern), *(root / "data" / "processed" / "real").rglob(pattern)]
    return sorted(p for p in found if p.is_file())


def test_no_html_page_shows_a_figure_of_a_municipality(project):
    pages = outputs(project, "*.html")
    assert len(pages) > 15  # analysis pages (with and without code), 4 reports, index, comparison
    for page in pages:
        parsed = read_html(page)
        for labels, row in zip(parsed.labels, parsed.rows):
            if any(mentions_municipality(c) or c in CODES for c in labels + row):
                assert not [c for c in row if is_figure(c)], (page.name, labels, row)
        if page.parent.name == "municipalities":
            assert "%" not in "".join(parsed.text), page.name
        assert "<img src=x" not in page.read_text(encoding="utf-8"), page.name  # names are escaped


def test_the_comparison_shows_no_municipality(project):
    parsed = read_html(project / "reports" / "real" / "compare_with_earlier.html")
    assert not [row for row in parsed.rows if "municipality" in row]  # no row of a municipality-level difference


def test_no_table_stage_or_workbook_holds_a_figure_of_a_municipality(project):
    processed = project / "data" / "processed" / "real"
    tables = pd.read_parquet(processed / "tables.parquet")
    per_municipality = tables[tables["unit_type"] == "municipality"]
    assert len(per_municipality) and per_municipality[["count", "n", "pct"]].isna().all().all()
    assert tables.loc[tables["unit_type"] == "all", "count"].notna().any()  # the wave's own totals remain
    stages = pd.read_csv(processed / "maturity.csv")
    assert stages[["respondents", "collaborators", "stage"]].isna().all().all()
    assert pd.read_csv(processed / "maturity_evidence.csv")["value"].isna().all()
    workbooks = outputs(project, "*.xlsx")
    assert {p.name for p in workbooks} >= {f"{c}.xlsx" for c in CODES} | {"tables.xlsx"}
    for book in workbooks:
        for sheet in openpyxl.load_workbook(book):
            rows = list(sheet.iter_rows(values_only=True))
            header = rows[0] if rows else ()
            for row in rows[1:]:
                if "unit_type" in header and row[header.index("unit_type")] == "municipality":
                    assert all(row[header.index(c)] is None for c in ("count", "n", "pct")), (book.name, row)
                elif book.stem in CODES:
                    assert not [c for c in row if is_figure(c)], (book.name, sheet.title, row)
            for row in sheet.iter_rows():
                assert all(cell.data_type != "f" for cell in row), book.name  # no formula from a name


def test_no_stage_in_the_index_and_no_municipality_figure_file(project):
    index = read_html(project / "reports" / "real" / "municipalities" / "index.html")
    body = [labels + row for labels, row in zip(index.labels, index.rows) if row]
    assert len(body) == len(CODES)
    assert all(row[2] == "—" and row[3] == "geen stadium" for row in body), body
    assert not list((project / "reports" / "real" / "municipalities" / "figures").glob("*.png"))


def test_every_output_has_the_normal_file_mode(project):
    for path in [*outputs(project, "*")]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o644, path
