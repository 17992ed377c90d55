"""Review to print: `campaign explain` and `campaign export` on a real run's output."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from campaign.cli import app
from campaign.errors import InputError
from campaign.output.export import export_approved
from campaign.render import BILLBOARD_FORMATS
from campaign.run import run_campaign

runner = CliRunner()


def review(out_dir: Path, decisions: dict[str, str]) -> None:
    (out_dir / "review.json").write_text(
        json.dumps(
            {
                "campaign": "t",
                "decisions": {
                    i: {"decision": d, "note": f"note {i[:4]}", "time": "2024-01-01T00:00:00Z"}
                    for i, d in decisions.items()
                },
            }
        )
    )


@pytest.fixture
def run(small_campaign):
    return run_campaign(small_campaign, workers=1)


def test_export_writes_every_approved_billboard_and_the_copy_sheet(run, tmp_path: Path) -> None:
    shortlisted = next(c for c in run.facts.candidates if c.images)
    not_shortlisted = next(c for c in run.facts.candidates if c.eligible and not c.images)
    rejected = run.facts.candidates[1]
    review(
        run.out_dir,
        {shortlisted.id: "approved", not_shortlisted.id: "approved", rejected.id: "rejected"},
    )
    result = export_approved(run.out_dir, tmp_path / "print")
    assert (result.approved, result.billboards, result.rendered) == (2, 2, 1)
    for candidate in (shortlisted, not_shortlisted):
        with Image.open(
            tmp_path / "print" / "billboards" / f"{candidate.id}-square-en.png"
        ) as image:
            assert image.size == BILLBOARD_FORMATS["square"].size
    with (tmp_path / "print" / "copy-sheet.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["id"] for r in rows} == {shortlisted.id, not_shortlisted.id}
    assert rows[0]["headline"] and rows[0]["reviewer_note"].startswith("note ")
    approved = json.loads((tmp_path / "print" / "approved.json").read_text())
    assert len(approved["candidates"]) == 2
    # the decisions and their log travel with the export, as the reviewers saved them
    saved = (run.out_dir / "review.json").read_text(encoding="utf-8")
    assert (tmp_path / "print" / "review.json").read_text(encoding="utf-8") == saved


def test_export_refuses_what_cannot_be_printed(run, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no approved candidate"):
        export_approved(run.out_dir, tmp_path / "print")
    review(run.out_dir, {"0000000000000000": "approved"})
    with pytest.raises(InputError, match="did not find"):
        export_approved(run.out_dir, tmp_path / "print")
    blocked = [c for c in run.facts.candidates if not c.eligible]
    if blocked:
        review(run.out_dir, {blocked[0].id: "approved"})
        with pytest.raises(InputError, match="failed the privacy gate"):
            export_approved(run.out_dir, tmp_path / "print")


def test_explain_and_export_from_the_cli(run, tmp_path: Path) -> None:
    top = run.facts.candidates[0]
    explained = runner.invoke(app, ["explain", str(run.out_dir), top.id[:6]])
    assert explained.exit_code == 0, explained.output
    for fragment in (top.id, "surprise", "privacy passes", "not reviewed yet"):
        assert fragment in explained.output
    missing = runner.invoke(app, ["explain", str(run.out_dir), "zzzz"])
    assert missing.exit_code == 1 and "no candidate" in missing.output
    review(run.out_dir, {top.id: "approved"})
    exported = runner.invoke(app, ["export", str(run.out_dir), "--to", str(tmp_path / "p")])
    assert exported.exit_code == 0, exported.output
    assert (tmp_path / "p" / "copy-sheet.csv").is_file()
