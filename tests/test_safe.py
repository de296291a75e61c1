"""Text from outside passes one checked boundary before it is a path, HTML, Markdown, a label or a cell."""

import os
import stat

import openpyxl
import pandas as pd
import pytest

from igb.config import paths as make_paths
from igb.errors import ConfigError
from igb.safe import check_wave, html_text, inside, is_safe_name, markdown_text, plot_text
from igb.survey.io import write_csv, write_text, write_workbook

ATTACKS = ["../../x", "..", ".", "", "a/b", "a\\b", ".hidden", "x" * 65, "<img src=x onerror=alert(1)>", "a b", "é"]


@pytest.mark.parametrize("name", ATTACKS)
def test_unsafe_names_are_refused_as_waves_and_paths(name, tmp_path):
    assert not is_safe_name(name)
    with pytest.raises(ConfigError, match="not allowed"):
        check_wave(name)
    with pytest.raises(ConfigError, match="not allowed"):
        make_paths(tmp_path).raw(name)
    with pytest.raises(ConfigError, match="not allowed"):
        make_paths(tmp_path).reports(name)


@pytest.mark.parametrize("name", ["rivm2009", "wave-2026_a", "GM0363", "2026.1", "_x"])
def test_safe_names_pass(name):
    assert check_wave(name) == name


def test_inside_refuses_a_path_that_leaves_its_folder(tmp_path):
    assert inside(tmp_path / "a" / "b.html", tmp_path) == (tmp_path / "a" / "b.html").resolve()
    with pytest.raises(ConfigError, match="outside"):
        inside(tmp_path / "a" / ".." / ".." / "x", tmp_path)
    (tmp_path / "link").symlink_to("/tmp")
    with pytest.raises(ConfigError, match="outside"):
        inside(tmp_path / "link" / "x", tmp_path)


def test_markup_in_names_is_shown_as_text():
    attack = '<img src=x onerror=alert(1)> *b* [l](http://e) "q"'
    for escaped in (html_text(attack), markdown_text(attack)):
        assert "<" not in escaped and ">" not in escaped and '"' not in escaped
    assert "\\*b\\*" in markdown_text(attack) and "\\[l\\]\\(http" in markdown_text(attack)
    assert plot_text("$x$") == "\\$x\\$"


def test_workbook_cells_that_would_start_a_formula_are_text(tmp_path):
    frame = pd.DataFrame({"name": ['=HYPERLINK("http://e","x")', "+1", "-2+3", "@SUM(A1)", "plain"], "n": [1, 2, 3, 4, 5]})
    path = write_workbook({"names": frame}, tmp_path / "t.xlsx")
    cells = [row[0] for row in openpyxl.load_workbook(path)["names"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == frame["name"].tolist()
    assert all(c.data_type == "s" for c in cells)  # text, never 'f' (formula)
    numbers = [row[1] for row in openpyxl.load_workbook(path)["names"].iter_rows(min_row=2)]
    assert [c.value for c in numbers] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_outputs_get_the_normal_mode_for_the_umask(umask, mode, tmp_path):
    old = os.umask(umask)
    try:
        written = [write_text("x", tmp_path / "a.txt"), write_csv(pd.DataFrame({"a": [1]}), tmp_path / "a.csv"),
                   write_workbook({"s": pd.DataFrame({"a": [1]})}, tmp_path / "a.xlsx")]
    finally:
        os.umask(old)
    assert [stat.S_IMODE(p.stat().st_mode) for p in written] == [mode] * 3
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "a.txt", "a.xlsx"]  # no temporary left
