"""The maturity model's texts a reader sees are bilingual: every criterion's `rationale` and every proxy criterion's
`proxy` in nl and en (params/maturity.yaml read with plain yaml), as are the report's sources the comparison quotes;
load_model keeps them per language and refuses a proxy criterion without its Dutch (or English) proxy text."""

import pytest
import yaml

from conftest import ROOT
from igb.analysis.maturity import load_model
from igb.errors import ConfigError

PATH = ROOT / "params" / "maturity.yaml"
MODEL_YAML = yaml.safe_load(PATH.read_text(encoding="utf-8"))
CRITERIA = [c for s in MODEL_YAML["stages"] for c in s["criteria"]]


def bilingual(value) -> bool:
    return (isinstance(value, dict) and all(isinstance(value.get(k), str) and value[k].strip() for k in ("nl", "en")))


@pytest.mark.parametrize("c", CRITERIA, ids=lambda c: str(c["id"]))
def test_every_criterion_has_its_rationale_and_a_proxy_its_proxy_text_in_dutch_and_english(c):
    assert bilingual(c["rationale"]), c["id"]
    if c["evidence"] == "proxy":
        assert bilingual(c["proxy"]), c["id"]
    else:
        assert "proxy" not in c, c["id"]  # a survey criterion approximates nothing


def test_the_reports_sources_are_in_dutch_and_english():
    assert bilingual(MODEL_YAML["rivm2009"]["box_7_6"]["source"])
    assert bilingual(MODEL_YAML["rivm2009"]["selection"]["source"])


def test_load_model_keeps_the_texts_per_language_with_whitespace_normalised():
    model = load_model(PATH)
    by_id = {str(c["id"]): c for c in CRITERIA}
    for c in model.criteria:
        expected = by_id[c.id]
        for lang in ("nl", "en"):
            assert c.rationale_text(lang) == " ".join(expected["rationale"][lang].split())
            if c.evidence == "proxy":
                assert c.proxy_text(lang) == " ".join(expected["proxy"][lang].split())
        if c.evidence == "survey":
            assert not c.proxy and c.proxy_text("nl") == ""  # falsy: "no proxy"
    assert model.criterion("2.1").proxy_text("nl").startswith("De vragenlijst kan niet zien")
    assert model.criterion("2.1").proxy_text("en").startswith("The survey cannot see")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_load_model_refuses_a_proxy_criterion_without_its_proxy_text_in_a_language(tmp_path, lang):
    data = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    criterion = next(c for s in data["stages"] for c in s["criteria"] if str(c["id"]) == "2.1")
    del criterion["proxy"][lang]
    path = tmp_path / "maturity.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=rf"proxy criterion 2\.1 needs `proxy`.*missing: proxy\.{lang}"):
        load_model(path)


def test_load_model_refuses_a_proxy_text_that_is_not_per_language(tmp_path):
    data = yaml.safe_load(PATH.read_text(encoding="utf-8"))
    criterion = next(c for s in data["stages"] for c in s["criteria"] if str(c["id"]) == "3.4")
    criterion["proxy"] = criterion["proxy"]["en"]  # the old, English-only form
    path = tmp_path / "maturity.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"criterion 3\.4: `proxy` must be texts per language"):
        load_model(path)
