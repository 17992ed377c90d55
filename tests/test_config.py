"""campaign.toml: the template loads as written, and every mistake names the setting and file."""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.config import load_config, write_template
from campaign.errors import ConfigError


def test_template_loads_with_the_documented_defaults(tmp_path: Path) -> None:
    path = tmp_path / "x" / "campaign.toml"
    write_template(path, "x")
    config = load_config(path)
    assert config.name == "x"
    assert config.privacy.k_min == 50
    assert config.data == (path.parent / "data",)
    assert config.out_dir == path.parent / "output" / "x"


def test_template_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "campaign.toml"
    write_template(path, "x")
    with pytest.raises(ConfigError, match="already exists"):
        write_template(path, "x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[campaign]\nnmae = 'x'\n", "unknown setting 'nmae' in \\[campaign\\]"),
        ("[privacy]\nk_min = 'fifty'\n", "'k_min' must be int"),
        ("[privacy]\nnoise = 'loud'\n", "privacy.noise must be one of"),
        ("[campaign]\nmarkets = ['Britain']\n", "'Britain' is not a market code"),
        ("[timezones]\nGB = 'Mars/Olympus'\n", "unknown time zone 'Mars/Olympus'"),
        ("[campaign\n", "not valid TOML"),
        ("[params]\nevent_spike = 3\n", "one table per pack"),
    ],
)
def test_mistakes_are_one_clear_sentence(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "campaign.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as info:
        load_config(path)
    assert str(path) in info.value.describe() or "Mars" in info.value.describe()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")
