"""The house: import-linter's contracts in pyproject.toml (layers import only from below; no cycle) hold."""

import shutil
import subprocess
import sys

from conftest import ROOT


def lint(root) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", "import sys; from importlinter.cli import lint_imports_command; "
                           "sys.exit(lint_imports_command())", "--config", str(root / "pyproject.toml"), "--no-cache"],
                          cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root / "src"), "PATH": ""})


def test_the_layers_and_no_cycles_hold():
    result = lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken" in result.stdout


def test_an_import_against_the_layers_is_caught(tmp_path):
    """The contract is not vacuous: a survey module that imports the report layer breaks it."""
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("*.egg-info", "__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    (tmp_path / "src" / "igb" / "survey" / "wrong.py").write_text("import igb.report.context\n")
    result = lint(tmp_path)
    assert result.returncode != 0
    assert "igb.survey is not allowed to import igb.report" in result.stdout
