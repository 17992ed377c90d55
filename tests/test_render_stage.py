"""When a billboard breaks for a reason other than its copy (a file that cannot be written, a
worker that dies): the batch stops with one sentence naming the candidate and the format, the
CLI exits 1 without a traceback, and the previous output stays as it was."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from campaign.billboard_copy import BillboardCopy
from campaign.cli import app
from campaign.output.folder import RUN_FOLDER, write_marker
from campaign.render import RenderCrash, Theme, load_theme, render_all
from tests.conftest import square_campaign_toml

COPY = BillboardCopy("Dear 3,749 people who streamed “Hang On” the day of the vote,", "Hi.", "en")


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme("coral")


@dataclass(frozen=True)
class DiesInTheWorker(BillboardCopy):
    """Copy whose unpickling ends the process that receives it: a worker killed mid-batch."""

    def __reduce__(self) -> tuple[object, tuple[int]]:
        return os._exit, (3,)


@pytest.mark.parametrize("workers", [1, 2])
def test_a_billboard_that_cannot_be_written_stops_the_batch_naming_it(
    theme: Theme, tmp_path: Path, workers: int
) -> None:
    (tmp_path / "taken").write_text("a file where a folder should be")
    jobs = [
        (COPY, "square", theme, tmp_path / "a.png"),
        (COPY, "dooh-landscape", theme, tmp_path / "taken" / "b.png"),
        (COPY, "square", theme, tmp_path / "c.png"),
    ]
    with pytest.raises(RenderCrash) as caught:
        render_all(jobs, workers=workers)
    assert caught.value.job == 1
    message = caught.value.describe()
    assert message.startswith("the dooh-landscape billboard b.png could not be drawn: ")
    assert "Error" in message and "\n" not in message  # FileExistsError / NotADirectoryError
    assert not list(tmp_path.rglob("*.tmp"))


def test_a_worker_that_dies_stops_the_batch_with_one_sentence(theme: Theme, tmp_path: Path) -> None:
    jobs = [
        (COPY, "square", theme, tmp_path / "a.png"),
        (DiesInTheWorker(COPY.headline, COPY.signoff, "en"), "square", theme, tmp_path / "b.png"),
    ]
    with pytest.raises(RenderCrash, match=r"billboard .\.png could not be drawn: a render worker"):
        render_all(jobs, workers=2)


def test_campaign_run_names_the_candidate_and_format_and_keeps_the_last_output(
    synth_data, tmp_path: Path
) -> None:
    files, _ = synth_data(0)
    toml = tmp_path / "campaign.toml"
    output = f'output = "{tmp_path / "output"}"\n'
    toml.write_text(square_campaign_toml("t", files, 2, output), encoding="utf-8")
    # the last output, damaged by hand: where the thumbnails go there is a file
    last = tmp_path / "output" / "t"
    (last / "billboards").mkdir(parents=True)
    write_marker(last, RUN_FOLDER)
    (last / "billboards" / "thumbs").write_text("not a folder")
    (last / "index.html").write_text("the last gallery")
    before = {p.relative_to(last): p.read_bytes() for p in last.rglob("*") if p.is_file()}

    result = CliRunner().invoke(app, ["run", str(toml), "-q"])

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    (line,) = [x for x in result.output.splitlines() if x.startswith("Error:")]
    assert "the square billboard of candidate " in line and "could not be drawn" in line
    after = {p.relative_to(last): p.read_bytes() for p in last.rglob("*") if p.is_file()}
    assert after == before
    assert not list(last.parent.glob(".t.stage-*"))
