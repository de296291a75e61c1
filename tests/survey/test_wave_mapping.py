"""Every wrong value in a wave's mapping file is an error that names the file, the key, the value and what is allowed."""

import pytest

from igb.errors import ConfigError
from igb.survey.wave import spec_from_dict

BAD = [
    ({"file": "../../etc/passwd"}, "file", "'../../etc/passwd'"),
    ({"file": 3}, "file", "3"),
    ({"encoding": "klingon-8"}, "encoding", "'klingon-8'"),
    ({"encoding": 5}, "encoding", "5"),
    ({"sheet": -1}, "sheet", "-1"),
    ({"sheet": [0]}, "sheet", "[0]"),
    ({"columns": ["a", "b"]}, "columns", "['a', 'b']"),
    ({"columns": {"Gemeente": ["municipality"]}}, "columns.Gemeente", "['municipality']"),
    ({"values": {"*": ["Ja"]}}, "values.*", "['Ja']"),
    ({"values": {"*": {"Ja": True}}}, "values.*.Ja", "True"),  # an unquoted yes in YAML
    ({"municipalities": "1, 2"}, "municipalities", "'1, 2'"),
    ({"municipalities": ["1", "../x"]}, "municipalities", "'../x'"),
    ({"municipalities": [{"a": 1}]}, "municipalities", "{'a': 1}"),
    ({"municipality_names": {"1": ""}}, "municipality_names.1", "''"),
    ({"municipality_names": {"1": 42}}, "municipality_names.1", "42"),
    ({"municipality_names": {"1": "x" * 300}}, "municipality_names.1", "'xxxx"),
    ({"municipality_names": {"<b>": "Bee"}}, "municipality_names", "'<b>'"),
    ({"sent": {"vgz": -3}}, "sent.vgz", "-3"),
    ({"sent": {"vgz": "ten"}}, "sent.vgz", "'ten'"),
    ({"sent": {"vgz": 2.5}}, "sent.vgz", "2.5"),
    ({"description": ["a"]}, "description", "['a']"),
    ({"synthetic": "maybe"}, "synthetic", "'maybe'"),
    ({"min_cell": "ten"}, "min_cell", "'ten'"),
    ({"wave": "other"}, "wave", "'other'"),
]


@pytest.mark.parametrize("data, key, value", BAD, ids=[k for _, k, _ in BAD])
def test_a_wrong_value_names_file_key_and_value(data, key, value, tmp_path):
    source = tmp_path / "w.yaml"
    with pytest.raises(ConfigError) as err:
        spec_from_dict(data, wave="w", source=source)
    message = str(err.value)
    assert str(source) in message and f"`{key}`" in message and value in message, message
    assert "allowed" in message or "expected" in message or "must" in message, message


def test_an_unknown_key_is_named():
    with pytest.raises(ConfigError, match=r"unknown key\(s\) \['colour'\]"):
        spec_from_dict({"colour": "red"}, wave="w")


def test_good_values_are_read_as_text():
    spec = spec_from_dict({"municipalities": [1, "2"], "municipality_names": {1: "Aa en Hunze"}, "sent": {"vgz": 3},
                           "values": {"*": {1: "yes", "Nee": "no"}}, "columns": {"V1": "health_work"}, "sheet": "Blad1"},
                          wave="w")
    assert spec.municipalities == ("1", "2") and spec.municipality_names == {"1": "Aa en Hunze"}
    assert spec.values == {"*": {"1": "yes", "Nee": "no"}} and spec.sent == {"vgz": 3} and spec.sheet == "Blad1"
