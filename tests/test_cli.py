"""The CLI as a user meets it: help, exit codes, and one clear sentence for every mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from campaign.cli import app
from campaign.render import BILLBOARD_FORMATS
from tests.conftest import RAW_COUNTS_TOML

runner = CliRunner()
COMMANDS = [
    "demo",
    "synth",
    "init",
    "ingest",
    "calendar",
    "facts",
    "run",
    "explain",
    "export",
    "serve",
    "packs",
    "wrapped",
]


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_clear_error(result, *fragments: str) -> None:
    """Exit 1, one 'Error:' sentence naming what is wrong, and never a traceback."""
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def test_help_lists_every_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


def test_readme_mentions_every_command() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for command in COMMANDS:
        assert f"campaign {command}" in readme


def test_init_then_run_without_data_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke("init", tmp_path / "spring")
    assert result.exit_code == 0
    assert (tmp_path / "spring" / "campaign.toml").is_file()
    assert_clear_error(
        invoke("run", tmp_path / "spring" / "campaign.toml"), "data", "does not exist"
    )


def test_calendar_lists_holidays() -> None:
    result = invoke("calendar", "--markets", "GB,US", "--year", "2017")
    assert result.exit_code == 0
    assert "2017-12-25  GB  holiday   Christmas Day" in result.output
    assert "Thanksgiving" in result.output


def test_packs_list_and_lint() -> None:
    listed = invoke("packs", "list")
    assert (
        listed.exit_code == 0
        and "event_spike" in listed.output
        and "min_ratio=3.0" in listed.output
    )
    linted = invoke("packs", "lint")
    assert linted.exit_code == 0 and "all packs pass" in linted.output


def test_facts_json_has_the_contract_columns(synth_data, tmp_path: Path) -> None:
    files, _ = synth_data(0)
    campaign = tmp_path / "campaign.toml"
    campaign.write_text('[campaign]\nname = "t"\n' + RAW_COUNTS_TOML)
    result = invoke(
        "facts", campaign, *[a for f in files for a in ("--data", f)], "--top", "5", "--json", "-q"
    )
    assert result.exit_code == 0, result.output
    records = json.loads(result.stdout)
    assert len(records) == 5
    for record in records:
        for key in (
            "id",
            "pack",
            "rank",
            "scores",
            "privacy",
            "market",
            "period_start",
            "value",
            "baseline",
            "cohort_size",
            "population",
            "subject_name",
            "measure",
        ):
            assert key in record
    assert [r["rank"] for r in records] == [1, 2, 3, 4, 5]


def test_unknown_param_and_bad_param_syntax(synth_data) -> None:
    listens = synth_data(0)[0][0]
    assert_clear_error(
        invoke("facts", "--data", listens, "--param", "event_spike.min_ratoi=2"), "min_ratoi"
    )
    assert_clear_error(invoke("facts", "--data", listens, "--param", "nonsense"), "pack.name=value")
    assert_clear_error(invoke("facts", "--data", listens, "--param", "nopack.x=1"), "nopack")


def test_data_that_is_not_canonical(tmp_path: Path) -> None:
    bogus = tmp_path / "x.parquet"
    bogus.write_text("not parquet")
    assert_clear_error(invoke("facts", "--data", bogus), str(bogus), "Parquet")
    assert_clear_error(invoke("facts", "--data", tmp_path / "nothing-*.parquet"), "matches no file")


def test_ingest_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    assert_clear_error(invoke("ingest", missing, "--out", tmp_path / "ds"), str(missing))


def test_ingest_unknown_format(tmp_path: Path) -> None:
    source = tmp_path / "a.csv"
    source.write_text("a,b\n1,2\n")
    assert_clear_error(invoke("ingest", source, "--out", tmp_path / "ds", "--format", "mp3"), "mp3")


def test_ingest_truncated_json(tmp_path: Path) -> None:
    source = tmp_path / "Streaming_History_Audio_2024.json"
    source.write_text(
        '[{"ts": "2024-01-01T10:00:00Z", "ms_played": 200000, "master_metadata_track_name": "A"'
    )
    assert_clear_error(
        invoke("ingest", source, "--out", tmp_path / "ds", "--user", "me"), source.name
    )


def test_ingest_csv_with_wrong_columns(tmp_path: Path) -> None:
    source = tmp_path / "listens.csv"
    source.write_text("who,when,what\nx,2024-01-01,y\n")
    assert_clear_error(
        invoke("ingest", source, "--out", tmp_path / "ds", "--format", "canonical"), source.name
    )


@pytest.mark.slow
def test_demo_at_full_size(tmp_path: Path) -> None:
    """The README's first command: default size (1M plays, 50k listeners), whole pipeline."""
    result = invoke("demo", "--out", tmp_path, "-q")
    assert result.exit_code == 0, result.output
    gallery = Path(result.stdout.strip().splitlines()[-1])
    assert gallery == tmp_path.resolve() / "demo" / "index.html" and gallery.is_file()


def test_demo_small(tmp_path: Path) -> None:
    result = invoke("demo", "--out", tmp_path, "--plays", "120000", "--users", "6000", "-q")
    assert result.exit_code == 0, result.output
    gallery = Path(result.stdout.strip().splitlines()[-1])
    assert gallery.is_file()
    manifest = json.loads((gallery.parent / "manifest.json").read_text())
    assert any(c["images"] for c in manifest["candidates"])
    # the whole range: every format, in two locales, each with its gallery thumbnail
    shown = {
        (f, loc) for c in manifest["candidates"] for f, by in c["images"].items() for loc in by
    }
    assert {f for f, _ in shown} == set(BILLBOARD_FORMATS)
    assert len({loc for _, loc in shown}) >= 2
    for c in manifest["candidates"]:
        for fmt, by_locale in c["thumbs"].items():
            for locale, thumb in by_locale.items():
                assert (gallery.parent / thumb).is_file(), (fmt, locale)
