"""The text catalog: every language has every key, with the same placeholders; a missing key falls back."""

import yaml

from conftest import ROOT
from igb import text


def flat(tree, prefix=""):
    out = {}
    for key, value in tree.items():
        if isinstance(value, dict):
            out.update(flat(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


def catalog(lang):
    return flat(yaml.safe_load((ROOT / "params" / "text" / f"{lang}.yaml").read_text(encoding="utf-8")))


def test_every_language_has_every_key_with_the_same_placeholders():
    languages = yaml.safe_load((ROOT / "params" / "text" / "languages.yaml").read_text())["languages"]
    assert languages[0] == "nl" and "en" in languages
    dutch = catalog("nl")
    assert len(dutch) > 50
    for lang in languages[1:]:
        other = catalog(lang)
        assert set(other) == set(dutch), (lang, set(other) ^ set(dutch))
        for key, value in dutch.items():
            assert text.placeholders(other[key]) == text.placeholders(value), (lang, key)


def test_texts_come_from_the_catalog_with_their_placeholders_filled():
    assert text.t("labels.municipality", "nl") == "Gemeente"
    assert text.t("labels.municipality", "en") == "Municipality"
    assert text.t("compare.caveat.respondents", "en", a=1, b=2) == "number of respondents 1 → 2"
    assert text.label({"nl": "Ja", "en": "Yes"}, "en") == "Yes"


def test_numbers_are_written_as_each_language_writes_them(tmp_path, monkeypatch):
    folder = tmp_path / "params" / "text"
    folder.mkdir(parents=True)
    (folder / "languages.yaml").write_text("languages: [nl, en]\n")
    for lang, thousands, decimal in (("nl", ".", ","), ("en", ",", ".")):
        (folder / f"{lang}.yaml").write_text(
            f"number:\n  thousands: '{thousands}'\n  decimal: '{decimal}'\n"
            "x:\n  money: '{amount:,.2f} of {total:,} ({share}); {flag} {name} {count}'\n")
    monkeypatch.setenv("IGB_ROOT", str(tmp_path))
    fill = dict(amount=1234.5, total=1234567, share=0.25, flag=True, name="3.5", count=7)
    assert text.t("x.money", "nl", **fill) == "1.234,50 of 1.234.567 (0,25); True 3.5 7"
    assert text.t("x.money", "en", **fill) == "1,234.50 of 1,234,567 (0.25); True 3.5 7"
    assert text.every_language("x.money", **fill)["nl"].startswith("1.234,50")
