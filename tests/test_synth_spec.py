"""Issue 8, defect 7: `campaign synth` refuses what it cannot honour in one sentence, up front,
never hangs, and leaves no .partial file behind whatever happens."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import campaign.synth as synth
from campaign.cli import app
from campaign.errors import ConfigError
from campaign.synth import SynthSpec, generate

runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--events", "-1"], "--events must be from 0 to"),
        (["--events", "100000"], "--events must be from 0 to 50"),
        (["--events", "300000"], "--events must be from 0 to 50"),
        (["--plays", "0"], "--plays must be from 1,000 to 120,000,000"),
        (["--plays", "1000000000000"], "--plays must be from 1,000 to 120,000,000"),
        (["--users", "0"], "--users must be from 300"),
        (["--users", "1"], "--users must be from 300"),
        (["--markets", ""], "--markets needs at least one market code"),
        (["--markets", "GB,GB"], "--markets names a market twice"),
        (["--year", "1"], "--year must be from 1,950 to 2,100"),
        (["--seed", "-4"], "--seed must be from 0"),
    ],
)
def test_a_spec_the_generator_cannot_honour_is_one_sentence(
    tmp_path: Path, args: list[str], message: str
) -> None:
    started = time.perf_counter()
    result = runner.invoke(app, ["synth", "--out", str(tmp_path / "x.parquet"), *args])
    assert time.perf_counter() - started < 10  # refused up front, never a long run
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and message in lines[0], lines
    assert list(tmp_path.iterdir()) == []


def test_out_on_a_folder_or_an_unwritable_path_is_one_sentence(tmp_path: Path) -> None:
    folder = tmp_path / "data.parquet"
    folder.mkdir()
    for out, message in [
        (folder, "is a folder"),
        (tmp_path, "must name a .parquet file"),
        (Path("/proc/nope/x.parquet"), "is not writable"),
    ]:
        result = runner.invoke(app, ["synth", "--out", str(out)])
        assert result.exit_code == 1 and message in result.output, result.output
        assert result.output.count("Error:") == 1
    blocked = tmp_path / "file"
    blocked.write_text("mine")
    result = runner.invoke(app, ["synth", "--out", str(blocked / "x.parquet")])
    assert result.exit_code == 1 and "is a file" in result.output
    assert blocked.read_text() == "mine"


def test_a_failure_midway_leaves_no_partial_file(tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(synth, "measure", broken)  # after every Parquet file was written aside
    spec = SynthSpec(plays=5_000, users=600, tracks=500, plants_per_kind=1, seed=2)
    with pytest.raises(ConfigError, match="does not fit in memory"):
        generate(spec, tmp_path / "listens.parquet")
    assert sorted(os.listdir(tmp_path)) == []


def test_the_smallest_spec_it_accepts_is_generated(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "synth",
            "--out",
            str(tmp_path / "l.parquet"),
            "--plays",
            "1000",
            "--users",
            "100",
            "--markets",
            "GB",
            "--events",
            "20",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "l.truth.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
