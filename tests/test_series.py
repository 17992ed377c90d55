"""The numbers behind each card's chart (campaign.series): aggregates that agree with the facts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from campaign.config import PrivacySettings
from campaign.run import find_facts


@pytest.fixture(scope="module")
def results(synth_data, tmp_path_factory):
    """Facts with their series, for two seeds (neither tuned on) and under DP."""
    from campaign.config import CampaignConfig

    made = {}
    for seed in (1, 5):
        files, _ = synth_data(seed)
        root = tmp_path_factory.mktemp(f"series{seed}")
        config = CampaignConfig(
            name="s",
            year=2024,
            data=files,
            output=root / "out",
            root=root,
            privacy=PrivacySettings(noise="none", individual=True),  # the raw series, explicitly
        )
        made[seed] = find_facts(config)
        if seed == 1:
            dp = replace(config, privacy=PrivacySettings())  # the default: DP
            made["dp"] = find_facts(dp)
    return made


@pytest.mark.parametrize("seed", [1, 5])
def test_a_daily_series_holds_the_fact_on_its_day(results, seed) -> None:
    daily = [c for c in results[seed].candidates if c.series and c.series["kind"] == "daily"]
    assert daily, "no candidate got a daily series"
    for c in daily:
        s = c.series
        on_day = [p for p in s["points"] if p["day"] == s["day"]]
        assert len(on_day) == 1 and on_day[0]["value"] is not None
        if c.fact.pack == "event_spike" and c.fact.subject_kind == "track":
            assert on_day[0]["value"] == pytest.approx(float(c.fact.value))
        assert s["baseline"] == (None if c.fact.baseline is None else float(c.fact.baseline))
        days = [p["day"] for p in s["points"]]
        assert days == sorted(set(days))
        for p in s["points"]:  # a day below the chart floor has a floor and no value
            assert (p["value"] is None) == (p["floor"] is not None)


@pytest.mark.parametrize("seed", [1, 5])
def test_a_distribution_places_the_fact_above_the_market(results, seed) -> None:
    dists = [c for c in results[seed].candidates if c.series and c.series["kind"] == "distribution"]
    assert dists, "no one-listener fact got a distribution"
    for c in dists:
        s = c.series
        values = [q["value"] for q in s["quantiles"]]
        assert values == sorted(values)
        assert s["cells"] > 0 and s["value"] == float(c.fact.value)
        if c.fact.pack in ("repeat_on_day", "repeat_in_year"):  # the pack's baseline is its p99.9
            assert values[-1] == pytest.approx(float(c.fact.baseline))


def test_no_listener_id_or_raw_row_in_a_series(results) -> None:
    allowed = {"kind", "measure", "day", "baseline", "points", "per", "cells", "quantiles"}
    allowed |= {"value", "tail_share"}
    for c in results[1].candidates:
        if c.series:
            assert set(c.series) <= allowed
            assert "user" not in repr(c.series)


def test_under_dp_only_public_chart_numbers_are_charted(results) -> None:
    for c in results["dp"].candidates:
        if c.series is not None:
            assert c.series["kind"] == "daily" and c.series["measure"] == "streams"


@pytest.fixture(scope="module")
def charts_only(tmp_path_factory):
    """A campaign on synthetic top-50 charts only: public numbers with censored days."""
    from campaign.config import CampaignConfig
    from campaign.synth import SynthSpec, generate
    from tests.conftest import SMALL

    root = tmp_path_factory.mktemp("charts")
    made = generate(SynthSpec(seed=11, charts=50, **SMALL), root / "listens.parquet")
    charts = tuple(p for p in made.data_files if p.parent.name == "listens.charts")
    config = CampaignConfig(name="c", year=2024, data=charts, output=root / "out", root=root)
    return find_facts(config)


def test_chart_days_below_the_floor_are_marked(charts_only) -> None:
    daily = [c for c in charts_only.candidates if c.series]
    assert daily, "no chart spike got a series"
    assert all(c.series["kind"] == "daily" and c.series["measure"] == "streams" for c in daily)
    floors = [p for c in daily for p in c.series["points"] if p["floor"] is not None]
    assert floors, "no chart day below the floor was marked"
    assert all(p["value"] is None and p["floor"] > 0 for p in floors)
