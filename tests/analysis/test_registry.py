"""The table registry (params/tables.yaml): items come from the codebook's `tables:` field, the municipality report's
sections from `report:`, and a declaration that contradicts the codebook is refused with the table named.

Expectations are read here from the two YAML files with yaml, not through igb."""

import pytest
import yaml

from conftest import ROOT
from igb.analysis.registry import load_registry
from igb.errors import ConfigError
from igb.survey.codebook import Codebook

CODEBOOK = yaml.safe_load((ROOT / "params" / "codebook.yaml").read_text(encoding="utf-8"))
DECLARED = yaml.safe_load((ROOT / "params" / "tables.yaml").read_text(encoding="utf-8"))["tables"]


def codebook_items(table):
    return [k for k, i in CODEBOOK["items"].items() if table in [str(t) for t in i.get("tables") or []]]


def test_items_are_the_codebooks_in_the_declared_order():
    registry = load_registry()
    for name, spec in DECLARED.items():
        items = list(registry[str(name)].items)
        if spec.get("kind") == "response":
            assert items == ["response"]
        elif spec.get("derived") or spec.get("items"):
            assert items == [str(i) for i in spec["items"]]
        else:
            assert items == codebook_items(str(name)), name


def test_the_municipality_report_sections_follow_the_declarations():
    expected = [(str(name), tuple(spec["report"].get("items") or load_registry()[str(name)].items), spec["report"]["section"])
                for name, spec in DECLARED.items() if spec.get("report")]
    assert load_registry().report_sections() == expected
    assert [s for _, _, s in expected] == ["policy", "collaboration", "ways", "positive", "negative", "political"]
    # the policy section leaves out what the report did not show per municipality in its key figures
    assert "target_groups_considered" in load_registry()["VII.2"].items
    assert "target_groups_considered" not in dict((t, i) for t, i, _ in expected)["VII.2"]


@pytest.mark.parametrize("edit, message", [
    ("  VIII.2: {by: [municipality], total: true, report: {section: collaboration, items: [nonsense]}}",
     "report.items"),
    ("  VIII.2: {by: [sector], report: {section: collaboration}}", "by` municipality"),
    ("  VIII.2: {by: [municipality], report: [collaboration]}", "`report` is a mapping"),
    ("  VIII.2: {by: [everywhere]}", "`by` a list"),
])
def test_a_bad_declaration_names_the_table(tmp_path, edit, message):
    text = (ROOT / "params" / "tables.yaml").read_text(encoding="utf-8")
    lines = [edit if line.startswith("  VIII.2:") else line for line in text.splitlines()]
    path = tmp_path / "tables.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="table VIII.2") as caught:
        load_registry(Codebook.load(), path)
    assert message in str(caught.value)
