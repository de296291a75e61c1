"""The one minimum-cell rule: --min-cell, else the wave's min_cell, else 5; a whole number >= 1 everywhere."""

import pytest

from igb.cli import main
from igb.errors import ConfigError
from igb.privacy import DEFAULT_MIN_CELL, check_min_cell, resolve_min_cell
from igb.survey.wave import spec_from_dict


def test_given_beats_the_wave_which_beats_the_default():
    assert DEFAULT_MIN_CELL == 5
    assert resolve_min_cell(None, None) == 5
    assert resolve_min_cell(None, 8) == 8
    assert resolve_min_cell(3, 8) == 3
    assert spec_from_dict({"min_cell": 12}, wave="w").min_cell_for(None) == 12
    assert spec_from_dict({}, wave="w").min_cell_for(None) == 5
    assert spec_from_dict({"min_cell": 12}, wave="w").min_cell_for(2) == 2


@pytest.mark.parametrize("value", [-1, 0, 2.5, "ten", "5", True, None, [5]])
def test_values_outside_the_rule_are_refused(value):
    with pytest.raises(ConfigError, match="whole number of at least 1"):
        check_min_cell(value)


@pytest.mark.parametrize("value", [-1, 0, 2.5, "ten", True])
def test_a_mapping_with_a_bad_min_cell_names_file_key_and_value(value, tmp_path):
    source = tmp_path / "w.yaml"
    with pytest.raises(ConfigError) as err:
        spec_from_dict({"min_cell": value}, wave="w", source=source)
    message = str(err.value)
    assert str(source) in message and "min_cell" in message and repr(value) in message


@pytest.mark.parametrize("value", ["-1", "0", "2.5", "ten"])
def test_the_command_line_refuses_a_bad_min_cell(value, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["reports", "--wave", "rivm2009", "--min-cell", value])
    assert exit_.value.code == 2
    assert "--min-cell" in capsys.readouterr().err
