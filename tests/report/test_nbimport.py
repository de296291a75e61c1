"""nbimport: jsonschema imported without the slow `rfc3987_syntax`, and nothing else lost."""

import subprocess
import sys

CHECK = """
import sys
from igb.report import nbimport
nbimport.without_iri_checker()
import jsonschema, nbformat
print("rfc3987_syntax" in sys.modules, "iri" in jsonschema.FormatChecker.checkers,
      "uri" in jsonschema.FormatChecker.checkers)
nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
nbformat.validate(nb)  # raises if notebook validation broke
try:
    nbformat.validate({"nbformat": 4})
    print("invalid accepted")
except nbformat.ValidationError:
    print("invalid refused")
import importlib.util
print(importlib.util.find_spec("rfc3987_syntax") is not None and sys.modules.get("rfc3987_syntax", 1) is not None)
"""


def test_jsonschema_skips_only_the_iri_checker_and_notebooks_still_validate():
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "False False True"  # the slow module was not imported; "iri" skipped, "uri" kept
    assert out[1] == "invalid refused"
    assert out[2] == "True"  # hidden only during the import: it can still be imported later


def test_a_no_op_when_jsonschema_is_already_imported():
    code = ("import sys, jsonschema\nfrom igb.report import nbimport\nbefore = dict(sys.modules)\n"
            "nbimport.without_iri_checker()\nprint(sys.modules.keys() == before.keys())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
