"""The tool only ever replaces a folder it made (issue 8, defect 2): the reproductions, and more.

Each case puts files the tool did not make where a setting sends the output, runs the command and
checks that it refused with one sentence and that every file is still there, byte for byte.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from campaign.cli import app
from campaign.errors import ConfigError
from campaign.output.folder import MARKER, check_replaceable, marker_kind, staged, write_marker
from campaign.output.review import REVIEW_FILE
from campaign.run import run_campaign

runner = CliRunner()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (the tool's own stages excluded) with its bytes."""
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".stage-" not in str(p)
    }


def write_campaign(folder: Path, name: str, data: tuple[Path, ...]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    toml = folder / "campaign.toml"
    files = ", ".join(json.dumps(str(p)) for p in data)
    toml.write_text(
        f"[campaign]\nname = {json.dumps(name)}\nyear = 2024\ndata = [{files}]\n"
        'formats = ["square"]\nshortlist = 2\n',
        encoding="utf-8",
    )
    (folder / "notes.md").write_text("the team's notes\n", encoding="utf-8")
    return toml


def refused(result) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, result.output


@pytest.mark.parametrize("name", ["..", ""])
def test_a_name_that_points_at_a_campaign_folder_deletes_nothing(
    name: str, synth_data, tmp_path: Path
) -> None:
    files, _ = synth_data(0)
    toml = write_campaign(tmp_path / "camp", name, files)
    other = tmp_path / "camp" / "output" / "other"
    other.mkdir(parents=True)
    (other / REVIEW_FILE).write_text('{"decisions": {}}\n', encoding="utf-8")
    before = snapshot(tmp_path)
    refused(runner.invoke(app, ["run", str(toml)]))
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("how", ["relative", "absolute"])
def test_a_name_that_leads_outside_output_never_replaces_the_users_folder(
    how: str, synth_data, tmp_path: Path
) -> None:
    files, _ = synth_data(0)
    victim = tmp_path / "a" / "x"  # where camp/output/../../x leads
    victim.mkdir(parents=True)
    (victim / "thesis.txt").write_text("years of work\n", encoding="utf-8")
    name = "../../x" if how == "relative" else str(victim)
    toml = write_campaign(tmp_path / "a" / "camp", name, files)
    before = snapshot(tmp_path)
    refused(runner.invoke(app, ["run", str(toml)]))
    assert snapshot(tmp_path) == before


@pytest.fixture
def approved_run(small_campaign):
    run = run_campaign(small_campaign, workers=1)
    top = next(c for c in run.facts.candidates if c.eligible and c.images)
    (run.out_dir / REVIEW_FILE).write_text(
        json.dumps({"campaign": "t", "decisions": {top.id: {"decision": "approved", "note": ""}}}),
        encoding="utf-8",
    )
    return run


def test_export_to_an_existing_folder_of_files_empties_nothing(approved_run, tmp_path) -> None:
    dest = tmp_path / "Documents"
    dest.mkdir()
    (dest / "taxes.pdf").write_bytes(b"%PDF-1.4 mine")
    before = snapshot(dest)
    result = runner.invoke(app, ["export", str(approved_run.out_dir), "--to", str(dest)])
    refused(result)
    assert MARKER in result.output and "was not made by campaign" in result.output
    assert snapshot(dest) == before


def test_export_never_replaces_the_run_it_exports(approved_run) -> None:
    before = snapshot(approved_run.out_dir)
    refused(
        runner.invoke(app, ["export", str(approved_run.out_dir), "--to", str(approved_run.out_dir)])
    )
    assert snapshot(approved_run.out_dir) == before


def test_export_replaces_its_own_folder_and_adopts_an_empty_one(approved_run, tmp_path) -> None:
    dest = tmp_path / "print"
    dest.mkdir()
    for _ in range(2):  # an empty folder, then the export's own
        result = runner.invoke(app, ["export", str(approved_run.out_dir), "--to", str(dest)])
        assert result.exit_code == 0, result.output
        assert marker_kind(dest) == "export"
    assert (dest / "copy-sheet.csv").is_file()


def test_every_folder_the_tool_writes_is_marked_and_rerun_in_place(small_campaign) -> None:
    run = run_campaign(small_campaign, workers=1)
    assert marker_kind(run.out_dir) == "run"
    (run.out_dir / REVIEW_FILE).write_text('{"decisions": {}}\n', encoding="utf-8")
    again = run_campaign(small_campaign, workers=1)
    assert marker_kind(again.out_dir) == "run" and (again.out_dir / REVIEW_FILE).is_file()
    assert not list(run.out_dir.parent.glob(".*stage-*"))
    assert not list(run.out_dir.parent.glob(".*old-*"))


def test_an_interrupted_run_leaves_the_last_output_intact(small_campaign, monkeypatch) -> None:
    run = run_campaign(small_campaign, workers=1)
    before = snapshot(run.out_dir)

    def crash(*args, **kwargs):
        raise KeyboardInterrupt  # the user pressed Ctrl-C while the gallery was written

    monkeypatch.setattr("campaign.run.write_gallery", crash)
    with pytest.raises(KeyboardInterrupt):
        run_campaign(small_campaign, workers=1)
    assert snapshot(run.out_dir) == before
    assert not list(run.out_dir.parent.glob(".*stage-*"))


def test_the_stage_refuses_what_it_did_not_make(tmp_path: Path) -> None:
    plain_file = tmp_path / "file"
    plain_file.write_text("x")
    link = tmp_path / "link"
    link.symlink_to(tmp_path)
    for dest in (plain_file, link):
        with pytest.raises(ConfigError, match="not a folder that campaign made"):
            check_replaceable(dest, "run")
    full = tmp_path / "full"
    full.mkdir()
    (full / "a").write_text("a")
    with pytest.raises(ConfigError, match="was not made by campaign"), staged(full, "run"):
        pytest.fail("the block must not run")
    assert (full / "a").read_text() == "a" and not list(tmp_path.glob(".full.stage-*"))


def test_a_folder_put_in_place_during_the_run_is_not_replaced(tmp_path: Path) -> None:
    dest = tmp_path / "out"
    with (
        pytest.raises(ConfigError, match="was not made by campaign"),
        staged(dest, "run") as stage,
    ):
        (stage / "manifest.json").write_text("{}")
        dest.mkdir()
        (dest / "mine.txt").write_text("mine")
    assert (dest / "mine.txt").read_text() == "mine"


def test_leftover_stages_are_removed_only_when_marked(tmp_path: Path) -> None:
    ours = tmp_path / ".out.stage-1-dead"
    ours.mkdir()
    write_marker(ours, "run")
    theirs = tmp_path / ".out.stage-2-mine"
    theirs.mkdir()
    (theirs / "keep.txt").write_text("keep")
    with staged(tmp_path / "out", "run") as stage:
        (stage / "manifest.json").write_text("{}")
    assert not ours.exists() and (theirs / "keep.txt").is_file()
    assert marker_kind(tmp_path / "out") == "run"


def test_a_marker_of_another_kind_or_in_free_text(tmp_path: Path) -> None:
    folder = tmp_path / "wrapped"
    folder.mkdir()
    (folder / "x").write_text("x")
    (folder / MARKER).write_text("made by campaign wrapped; campaign may replace this folder\n")
    assert marker_kind(folder) == ""
    check_replaceable(folder, "run")  # free text: the tool's own, of no named kind
    write_marker(folder, "export")
    with pytest.raises(ConfigError, match="campaign export folder"):
        check_replaceable(folder, "run")
