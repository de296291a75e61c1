"""igb.imports: a slow optional dependency hidden during one import, and nothing lost."""

import subprocess
import sys

from conftest import ROOT

# validation (pandera) in a process without hypothesis imported: pandera still refuses a bad value, hypothesis
# was not imported for it, and can be imported afterwards
PANDERA = f"""
import sys
from igb.survey.schema import validate_file
report, frame = validate_file({str(ROOT / 'data' / 'raw' / 'rivm2009' / 'responses.csv')!r})
print(not report.errors, len(frame), "hypothesis" in sys.modules)
import pandas as pd, pandera.pandas as pa
try:
    pa.DataFrameSchema({{"x": pa.Column(int, pa.Check.isin([1, 2]))}}).validate(pd.DataFrame({{"x": [1, 3]}}))
    print("bad value accepted")
except pa.errors.SchemaError:
    print("bad value refused")
import hypothesis
print(hypothesis.__name__)
"""


def test_pandera_validates_without_importing_hypothesis():
    out = subprocess.run([sys.executable, "-c", PANDERA], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.split("\n")
    assert out[:3] == ["True 123 False", "bad value refused", "hypothesis"]


def test_without_is_a_no_op_when_the_module_is_already_imported():
    code = ("import sys, json\nfrom igb.imports import without\nbefore = set(sys.modules)\n"
            "without('decimal', 'json')\nprint(set(sys.modules) == before)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "True"
