"""Issue 8, defect 4: every setting has a range and a sentence naming the file, the key and the
range; settings weaker than the privacy policy run only when acknowledged, and are recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from campaign.cli import app
from campaign.config import load_config
from campaign.errors import CampaignError, ConfigError
from campaign.packs import load_campaign

runner = CliRunner()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "campaign.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[privacy]\nk_min = 1\n", "'k_min' must be at least 2"),
        ("[privacy]\nindividual_min_population = 0\n", "'individual_min_population' must be at"),
        ("[privacy]\nindividual_min_population = -1\n", "'individual_min_population' must be"),
        ("[privacy]\nmin_age = 0\n", "'min_age' must be from 13 to 120"),
        ("[privacy]\nmin_age = -3\n", "'min_age' must be from 13 to 120"),
        ("[privacy]\nepsilon_total = 0\n", "'epsilon_total' must be above 0 and at most 10"),
        ("[privacy]\nepsilon_total = -1\n", "'epsilon_total' must be above 0"),
        ("[privacy]\nepsilon_total = 1e308\n", "'epsilon_total' must be above 0 and at most 10"),
        ("[privacy]\nepsilon_total = nan\n", "'epsilon_total' must be above 0"),
        ("[privacy]\nepsilon = 1.0\n", "'epsilon' in \\[privacy\\] is now called 'epsilon_total'"),
        ("[privacy]\ndelta = 0.5\n", "'delta' must be from 1e-12 to 0.001"),
        ("[privacy]\ndelta = nan\n", "'delta' must be from"),
        ("[privacy]\nmax_facts = 0\n", "'max_facts' must be from 1"),
        ("[privacy]\nmax_plays_per_track_day = 0\n", "'max_plays_per_track_day' must be from 1"),
        ("[privacy]\nnoise = 'none'\n", 'noise = "none" \\(policy "dp"\\) is below the privacy'),
        ("[privacy]\ndelta = 1e-4\n", "delta = 0.0001 \\(policy at most 1e-06\\) is below"),
        ("[privacy]\nmin_ms_played = -5\n", "'min_ms_played' must be from 0"),
        ("[campaign]\nyear = 1\n", "'year' must be from 1,950 to 2,100"),
        ("[campaign]\nshortlist = 0\n", "'shortlist' must be from 1"),
        ("[campaign]\nname = '..'\n", "'name' must be a plain folder name"),
        ("[campaign]\nname = ''\n", "'name' must be a plain folder name"),
        ("[campaign]\nname = '../../x'\n", "'name' must be a plain folder name"),
        ("[campaign]\noutput = '/proc/nope'\n", "'output' is '/proc/nope', but '/proc' is not"),
        ("[privacy]\nk_min = 10\n", "k_min = 10 \\(policy 50\\) is below the privacy policy"),
        (
            "[privacy]\nindividual = true\nindividual_min_population = 5\n",
            "individual_min_population = 5 \\(policy 1000\\) is below",
        ),
        (
            "[privacy]\nnoise = 'dp'\nepsilon_total = 5.0\n",
            "epsilon_total = 5 \\(policy at most 1\\)",
        ),
        ("[params.event_spkie]\nmin_ratio = 2.0\n", "\\[params.event_spkie\\] names no pack"),
        ("[params.event_spike]\nmin_ratoi = 2.0\n", "has no parameter 'min_ratoi' \\(it has:"),
        ("[params.event_spike]\nmin_ratio = 'big'\n", "event_spike.min_ratio must be float"),
        ("privacy = 3\n", "\\[privacy\\] must be a table"),
    ],
)
def test_each_bad_setting_is_one_sentence_naming_file_key_and_range(
    tmp_path: Path, text: str, message: str
) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError, match=message) as info:
        load_campaign(path)
    assert info.value.describe().startswith(str(path))
    result = runner.invoke(app, ["facts", str(path), "--data", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.count("Error:") == 1 and "Traceback" not in result.output


def test_a_known_pack_parameter_in_the_file_is_accepted(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, "[params.event_spike]\nmin_ratio = 2\n"))
    assert config.params == {"event_spike": {"min_ratio": 2}}


def test_below_policy_settings_run_when_acknowledged_and_are_recorded(tmp_path: Path) -> None:
    text = (
        "[privacy]\nk_min = 10\nindividual = true\nindividual_min_population = 5\n"
        "acknowledge_below_policy = true\n"
    )
    config = load_config(_write(tmp_path, text))
    assert config.below_policy == (
        "k_min = 10 (policy 50)",
        "individual_min_population = 5 (policy 1000)",
    )
    assert load_config(_write(tmp_path, "[privacy]\nk_min = 80\n")).below_policy == ()


def test_non_utf8_campaign_file_is_one_sentence(tmp_path: Path) -> None:
    path = tmp_path / "campaign.toml"
    path.write_bytes("[campaign]\ntitle = 'Caf\u00e9'\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="is not UTF-8 text"):
        load_config(path)


def test_non_utf8_events_file_is_one_sentence(tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_bytes("date,name,markets\n2024-06-23,Caf\u00e9 day,GB\n".encode("latin-1"))
    result = runner.invoke(app, ["calendar", "--events", str(events), "--year", "2024"])
    assert result.exit_code == 1
    assert "events.csv: is not UTF-8 text" in result.output and "Traceback" not in result.output
    with pytest.raises(CampaignError, match="is not UTF-8"):
        from campaign.events import load_event_file

        load_event_file(events)
