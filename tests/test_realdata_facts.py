"""The packs on real public chart data: a known holiday surfaces with the songs people play on it.

General properties only (DESIGN: never special cases keyed to one title or date): on every
market-day of Christmas Day with a month of chart history before it, the strongest spike is a
track whose title speaks to Christmas (the story themes that marketers edit).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from campaign.config import CampaignConfig
from campaign.ingest import ingest
from campaign.resources import bundled_dir
from campaign.run import find_facts
from campaign.scoring import load_themes
from tests.conftest import REALDATA

CHRISTMAS_DATASETS = [
    ("kaggle2017_us_daily", {"fmt": "charts", "market": "US"}),
    ("uk_daily_xmas2019_ww2020w52", {"fmt": "charts", "market": "GB"}),
]

pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not here")


def christmas_theme():
    themes = load_themes([bundled_dir("templates") / "story_themes.toml"])
    return next(t for t in themes if t.name == "christmas")


@pytest.mark.parametrize(("folder", "options"), CHRISTMAS_DATASETS)
def test_the_strongest_spike_on_christmas_day_is_a_christmas_song(
    tmp_path: Path, folder: str, options: dict
) -> None:
    dataset = tmp_path / "ds"
    report = ingest([REALDATA / folder], dataset, **options)
    assert report.to_json()["tables"]["daily_streams"]["rows_loaded"] > 0
    result = find_facts(CampaignConfig(packs=("core",)), [dataset])
    christmas_days = [
        c
        for c in result.candidates
        if c.fact.pack == "event_spike" and c.event and c.event.name("en") == "Christmas Day"
    ]
    assert christmas_days, "no spike on Christmas Day"
    by_day: dict = {}
    for candidate in christmas_days:
        by_day.setdefault((candidate.fact.market, candidate.fact.period_start), []).append(
            candidate
        )
    theme = christmas_theme()
    for (market, day), spikes in by_day.items():
        strongest = max(spikes, key=lambda c: c.scores["surprise"].value)
        assert theme.title_pattern.search(strongest.fact.subject_name), (
            f"{market} {day}: strongest spike is {strongest.fact.subject_name!r}"
        )
