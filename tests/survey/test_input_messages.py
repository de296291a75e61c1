"""Messages about unreadable files (and the lock and command line) come from the text catalog, in the reader's language.

The keys are read from the source (ast) and the catalogs from params/text/*.yaml (yaml), not through igb.text, so a
message whose key or placeholder is missing in a catalog fails here and not in front of a user.
"""

import ast
import pickle
import string

import openpyxl
import pytest
import yaml

from conftest import ROOT
from igb.cli import main
from igb.errors import InputError
from igb.survey import io as survey_io
from igb.survey.io import read_raw
from igb.survey.schema import validate_file

SRC = ROOT / "src" / "igb"


def catalog(lang):
    tree = yaml.safe_load((ROOT / "params" / "text" / f"{lang}.yaml").read_text(encoding="utf-8"))
    out = {}

    def walk(node, prefix):
        for key, value in node.items():
            if isinstance(value, dict):
                walk(value, f"{prefix}{key}.")
            else:
                out[f"{prefix}{key}"] = value

    walk(tree, "")
    return out


def calls(module, function, section, implicit=()):
    """(key, the keywords passed) of every call `function("key", ...)` in src/igb/<module>."""
    found = []
    for node in ast.walk(ast.parse((SRC / module).read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == function:
            first = node.args[0]
            assert isinstance(first, ast.Constant) and isinstance(first.value, str), ast.unparse(node)
            keywords = {k.arg for k in node.keywords if k.arg}
            splat = any(k.arg is None for k in node.keywords)  # **held: checked by the tests that raise it
            found.append((f"{section}.{first.value}", keywords | set(implicit), splat))
    return found


def placeholders(text):
    return {name.split(".")[0].split("[")[0] for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("module, function, section, implicit", [
    ("survey/io.py", "_error", "input", {"file"}),
    ("lock.py", "_busy", "lock", set()),
    ("cli.py", "_say", "cli", set()),
])
def test_every_message_key_in_the_source_is_in_both_catalogs_with_what_it_needs(module, function, section, implicit):
    used = calls(module, function, section, implicit)
    assert len(used) >= {"input": 25, "lock": 4, "cli": 15}[section]
    for lang in ("nl", "en"):
        texts = catalog(lang)
        for key, keywords, splat in used:
            assert key in texts, (lang, key)
            if not splat:
                assert placeholders(texts[key]) <= keywords, (lang, key, placeholders(texts[key]) - keywords)
    # and no text of the section is left that nothing uses
    unused = {k for k in catalog("en") if k.startswith(section + ".")} - {k for k, _, _ in used}
    assert not unused, unused


def test_io_raises_no_input_error_with_a_message_of_its_own():
    tree = ast.parse((SRC / "survey" / "io.py").read_text(encoding="utf-8"))
    direct = [ast.unparse(n) for n in ast.walk(tree)
              if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "InputError"]
    assert direct == ["InputError(key, every_language(f'input.{key}', **params), path=path, rule=rule, **params)"]  # only _error makes them


def refused(path):
    with pytest.raises(InputError) as caught:
        read_raw(path)
    return caught.value


def test_a_missing_file_is_said_in_both_languages(tmp_path):
    error = refused(tmp_path / "nope.csv")
    assert error.rule == "file_missing" and error.key == "file_missing"
    assert error.message("en") == f"{tmp_path / 'nope.csv'}: file not found"
    assert error.message("nl") == f"{tmp_path / 'nope.csv'}: bestand niet gevonden"
    assert str(error) == f"{error.message('nl')} / {error.message('en')}"  # no reader's language known: both
    copy = pickle.loads(pickle.dumps(error))  # as from a worker process
    assert (copy.rule, copy.path, copy.message("nl"), str(copy)) == (error.rule, error.path, error.message("nl"), str(error))


def test_a_quote_never_closed_is_said_in_both_languages_at_its_line(tmp_path):
    path = tmp_path / "responses.csv"
    path.write_text("respondent_id,a,b\n1,x,y\n2,\"open,z\n" + "".join(f"{i},p,q\n" for i in range(3, 53)))
    error = refused(path)
    assert error.rule == "csv_syntax"
    assert error.message("en") == (f'{path}, line 3: a quote (") opened in the record starting on line 3 is never '
                                   f"closed (the file ends on line 53)")
    assert error.message("nl") == (f'{path}, regel 3: een aanhalingsteken (") dat geopend wordt in het record dat op '
                                   f"regel 3 begint, wordt nooit gesloten (het bestand eindigt op regel 53)")


def test_a_sheet_with_too_many_rows_is_said_in_both_languages_with_numbers_as_each_writes_them(tmp_path, monkeypatch):
    monkeypatch.setattr(survey_io, "MAX_XLSX_ROWS", 1000)
    path = tmp_path / "responses.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"], book.active["A1500"] = "respondent_id", "r1"
    book.save(path)
    error = refused(path)
    assert error.rule == "limit_exceeded" and error.params["limit"] == 1000
    assert error.message("en") == (f"{path}, sheet 'Sheet', row 1,001: more rows than 1,000 "
                                   f"(limit MAX_XLSX_ROWS, Excel's own)")
    assert error.message("nl") == (f"{path}, werkblad 'Sheet', rij 1.001: meer rijen dan 1.000 "
                                   f"(grens MAX_XLSX_ROWS, die van Excel zelf)")


def test_validation_says_an_unreadable_file_in_the_report_language(tmp_path):
    report, frame = validate_file(tmp_path / "nope.csv")
    assert frame is None and report.rules() == {"file_missing"}
    assert report.format("en").splitlines()[0] == f"ERROR [file_missing] {tmp_path / 'nope.csv'}: " \
                                                  f"{tmp_path / 'nope.csv'}: file not found"
    dutch = report.format("nl")
    assert "bestand niet gevonden" in dutch and "file not found" not in dutch


@pytest.mark.parametrize("lang, said, other", [("en", "file not found", "niet gevonden"),
                                                ("nl", "bestand niet gevonden", "not found")])
def test_the_command_line_says_it_in_the_language_of_lang(tmp_path, capsys, lang, said, other):
    assert main(["validate", str(tmp_path / "nope.csv"), "--lang", lang]) == 1
    out = capsys.readouterr().out
    assert f"{tmp_path / 'nope.csv'}: {said}" in out and other not in out


def test_a_shortened_report_says_how_many_more_and_the_platform_in_its_language():
    from igb.survey.schema import ValidationReport, make_problem

    problems = [make_problem("file_empty", "r.csv") for _ in range(3)]
    report = ValidationReport("r.csv", problems, n_rows=0, platform="kobo")
    dutch, english = report.format("nl", limit=1).splitlines(), report.format("en", limit=1).splitlines()
    assert len(dutch) == len(english) == 4  # one problem, the rest counted, the platform, the summary
    assert dutch[1] == "... en nog 2" and english[1] == "... 2 more"
    assert dutch[2] == english[2] == "platform: kobo"
