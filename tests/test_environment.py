"""pyproject.toml and environment.yml must list the same packages with the same minimum versions."""

import re
import tomllib

import yaml

from conftest import ROOT


def _split(spec: str):
    name, rest = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", spec).groups()
    return name.lower().replace("_", "-"), rest.replace(" ", "")


def test_pyproject_and_environment_list_the_same_packages():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_specs = dict(_split(s) for s in project["dependencies"] + project["optional-dependencies"]["dev"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip = [s for d in env["dependencies"] if isinstance(d, dict) for s in d.get("pip", [])]
    conda_specs = dict(_split(s) for s in env["dependencies"] + pip if isinstance(s, str))
    conda_specs.pop("python"), conda_specs.pop("pip")
    assert pip_specs == conda_specs


def test_required_packages_are_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_split(s)[0] for s in project["dependencies"] + project["optional-dependencies"]["dev"]}
    for required in ["jupyterlab", "pandas", "statsmodels", "seaborn", "pingouin", "papermill", "pytest",
                     "pyreadstat", "pandera", "scipy"]:
        assert required in names


def test_lock_file_pins_every_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    names = {_split(s)[0] for s in project["dependencies"] + project["optional-dependencies"]["dev"]}
    pinned = {_split(line.split("==")[0])[0] for line in (ROOT / "requirements.lock").read_text().splitlines()
              if "==" in line}
    assert names <= pinned, names - pinned
