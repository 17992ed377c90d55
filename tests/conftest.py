"""Shared fixtures: small synthetic datasets, generated once per session."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from campaign.config import CampaignConfig
from campaign.events import Event
from campaign.synth import SynthSpec, generate

SMALL = {"plays": 150_000, "users": 8_000}


def valentines_day(year: int) -> Event:
    """Valentine's Day in GB, named in the four shipped locales: the copy tests' event."""
    names = {
        "en": "Valentine's Day",
        "nl": "Valentijnsdag",
        "fr": "la Saint-Valentin",
        "fi": "ystävänpäivä",
    }
    return Event(date(year, 2, 14), "GB", "cultural", names, "x")


@pytest.fixture(scope="session")
def synth_data(tmp_path_factory: pytest.TempPathFactory):
    """A factory: (seed) → (every data file written, truth list), cached per seed."""
    cache: dict[int, tuple[tuple[Path, ...], list[dict]]] = {}

    def make(seed: int = 0) -> tuple[tuple[Path, ...], list[dict]]:
        if seed not in cache:
            folder = tmp_path_factory.mktemp(f"synth{seed}")
            result = generate(SynthSpec(seed=seed, **SMALL), folder / "listens.parquet")
            truth = json.loads(result.truth.read_text())
            cache[seed] = (tuple(result.data_files), truth)
        return cache[seed]

    return make


@pytest.fixture
def small_campaign(synth_data, tmp_path: Path) -> CampaignConfig:
    files, _ = synth_data(0)
    return CampaignConfig(
        name="t",
        year=2024,
        data=files,
        formats=("square",),
        shortlist=4,
        output=tmp_path / "output",
        root=tmp_path,
    )
