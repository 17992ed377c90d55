"""A campaign's own theme and copy templates, found beside its campaign.toml, in run and export."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from PIL import Image

from campaign.config import load_config
from campaign.errors import InputError
from campaign.output.export import export_approved
from campaign.resources import bundled_dir
from campaign.run import run_campaign
from tests.conftest import square_campaign_toml

OWN_BACKGROUND = (18, 52, 86)  # #123456: no bundled theme uses it


def _own_templates(root: Path) -> None:
    """Every copy family rewritten with a marker, and a theme of the campaign's own."""
    for family in (bundled_dir("templates") / "copy").iterdir():
        if family.is_dir():
            folder = root / "templates" / "copy" / family.name
            folder.mkdir(parents=True)
            (folder / "en.j2").write_text(
                "## ours\nOurs: {{ value|number|em }}\n-- Our sign-off.\n"
            )
    default = (bundled_dir("templates") / "themes" / "default.toml").read_text(encoding="utf-8")
    theme = default.replace('background = "#4100F5"', 'background = "#123456"')
    assert theme != default
    for path in (root / "templates" / "themes" / "acme.toml", root / "looks" / "brand.toml"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(theme.replace('name = "default"', 'name = "own"'), encoding="utf-8")


def _write_campaign(root: Path, files: list[Path], theme: str, shortlist: int) -> Path:
    path = root / "campaign.toml"
    path.write_text(
        square_campaign_toml(root.name, files, shortlist, f'theme = "{theme}"\n'),
        encoding="utf-8",
    )
    return path


def _background(path: Path) -> tuple[int, int, int]:
    with Image.open(path) as image:
        return image.convert("RGB").getpixel((2, 2))


@pytest.mark.parametrize("theme", ["acme", "looks/brand.toml"])
def test_own_theme_and_copy_in_run_and_export(synth_data, tmp_path, monkeypatch, theme) -> None:
    files, _ = synth_data(0)
    root = tmp_path / "my-campaign"
    _own_templates(root)
    campaign_file = _write_campaign(root, files, theme, shortlist=2)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)  # a relative theme path is read from campaign.toml's folder
    run = run_campaign(load_config(campaign_file), workers=1)
    shortlisted = next(c for c in run.facts.candidates if c.images)
    not_shortlisted = next(c for c in run.facts.candidates if c.eligible and not c.images)
    assert all(c.copy["en"].signoff == "Our sign-off." for c in run.facts.candidates)
    assert _background(run.out_dir / shortlisted.images["square"]["en"]) == OWN_BACKGROUND

    decisions = {
        c.id: {"decision": "approved", "note": "", "time": "2024-01-01T00:00:00Z"}
        for c in (shortlisted, not_shortlisted)
    }
    (run.out_dir / "review.json").write_text(
        json.dumps({"campaign": "own", "decisions": decisions})
    )
    result = export_approved(run.out_dir, tmp_path / "print", workers=1)
    assert result.rendered == 1  # the one the run had not drawn is drawn now, in the same theme
    for candidate in (shortlisted, not_shortlisted):
        drawn = tmp_path / "print" / "billboards" / f"{candidate.id}-square-en.png"
        assert _background(drawn) == OWN_BACKGROUND
    with (tmp_path / "print" / "copy-sheet.csv").open(encoding="utf-8") as handle:
        assert {row["signoff"] for row in csv.DictReader(handle)} == {"Our sign-off."}


def test_export_names_a_theme_file_that_is_gone(synth_data, tmp_path) -> None:
    files, _ = synth_data(0)
    root = tmp_path / "c"
    _own_templates(root)
    campaign_file = _write_campaign(root, files, "looks/brand.toml", shortlist=1)
    run = run_campaign(load_config(campaign_file), workers=1)
    manifest = json.loads((run.out_dir / "manifest.json").read_text())
    assert manifest["campaign"]["theme_path"] == str((root / "looks" / "brand.toml").resolve())
    top = run.facts.candidates[0]
    decision = {"decision": "approved", "note": "", "time": "2024-01-01T00:00:00Z"}
    (run.out_dir / "review.json").write_text(json.dumps({"decisions": {top.id: decision}}))
    (root / "looks" / "brand.toml").unlink()
    with pytest.raises(InputError, match="theme file this run was drawn with"):
        export_approved(run.out_dir, tmp_path / "print", workers=1)
