"""The numbers behind each card's chart (campaign.series): aggregates that agree with the facts."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from campaign.config import PrivacySettings
from campaign.run import find_facts
from campaign.series import attach_series
from campaign.workspace import open_workspace


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


def _of(result, pack: str, kind: str) -> list:
    found = [c for c in result.candidates if c.fact.pack == pack]
    assert found, f"the synthetic data holds no {pack} fact"
    charted = [c for c in found if c.series]
    assert charted and all(c.series["kind"] == kind for c in charted), f"{pack} has no {kind}"
    return charted


@pytest.mark.parametrize("seed", [1, 5])
@pytest.mark.parametrize(
    "pack", ["repeat_on_day", "repeat_in_year", "streak", "playlist_title", "long_session"]
)
def test_a_distribution_places_the_fact_in_its_market(results, seed, pack) -> None:
    for c in _of(results[seed], pack, "distribution"):
        s = c.series
        values = [q["value"] for q in s["quantiles"]]
        assert values == sorted(values) and s["cells"] > 0
        placed = c.fact.detail["days"] if pack == "streak" else c.fact.value
        assert s["value"] == float(placed)
        if pack in ("repeat_on_day", "repeat_in_year", "long_session"):  # baseline: its p99.9
            assert values[-1] == pytest.approx(float(c.fact.baseline))
        if pack == "playlist_title":  # the pack's baseline is the market's median playlist
            assert values[0] == pytest.approx(float(c.fact.baseline), abs=1)


def _highlighted(series) -> dict:
    (bar,) = [b for b in series["bars"] if b["label"] == series["highlight"]]
    return bar


# packs whose highlighted bar is the fact's own value, counted as the pack counts it
SAME_VALUE = ["weekday_affinity", "market_total", "off_season", "skip_point", "hook_point"]


@pytest.mark.parametrize("seed", [1, 5])
@pytest.mark.parametrize("pack", SAME_VALUE)
def test_bars_hold_the_facts_value_where_the_pack_counted_it(results, seed, pack) -> None:
    for c in _of(results[seed], pack, "bars"):
        assert _highlighted(c.series)["value"] == pytest.approx(float(c.fact.value))
        assert all(b["value"] >= 0 for b in c.series["bars"])
        if pack == "market_total":  # the leader first, the runner-up (its baseline) second
            values = [b["value"] for b in c.series["bars"]]
            assert values == sorted(values, reverse=True) and values[1] == c.fact.baseline
        if pack == "weekday_affinity":  # expected streams share the track's out as the market's
            total = sum(b["value"] for b in c.series["bars"])
            assert sum(b["expected"] for b in c.series["bars"]) == pytest.approx(total)


@pytest.mark.parametrize("seed", [1, 5])
def test_market_contrast_bars_are_the_tracks_shares(results, seed) -> None:
    for c in _of(results[seed], "market_contrast", "bars"):
        assert _highlighted(c.series)["value"] == pytest.approx(
            100 * c.fact.detail["share"], abs=1e-3
        )
        assert c.series["baseline"] == pytest.approx(100 * c.fact.detail["other_share"], abs=1e-3)


@pytest.mark.parametrize("seed", [1, 5])
def test_a_trending_titles_weeks_hold_its_owners(results, seed) -> None:
    for c in _of(results[seed], "playlist_title_count", "bars"):
        weeks = [b["value"] for b in c.series["bars"]]
        assert sum(weeks) >= c.fact.value  # an owner may make the title in two weeks
        assert _highlighted(c.series)["value"] == max(weeks)


@pytest.mark.parametrize("seed", [1, 5])
def test_a_playlist_context_stands_above_its_expected_tick(results, seed) -> None:
    for c in _of(results[seed], "playlist_context", "bars"):
        bar = _highlighted(c.series)
        assert bar["label"] == c.fact.detail["context"]
        assert bar["value"] == pytest.approx(float(c.fact.value))  # its owners, as the pack counts
        assert bar["expected"] == pytest.approx(float(c.fact.baseline), abs=0.01)


def test_no_listener_id_or_raw_row_in_a_series(results) -> None:
    allowed = {"kind", "measure", "day", "baseline", "points", "unit", "cells", "quantiles"}
    allowed |= {"value", "value_label", "tail_share", "bars", "highlight"}
    for c in results[1].candidates:
        if c.series:
            assert set(c.series) <= allowed
            assert "user" not in repr(c.series)
            assert "spotify:" not in repr(c.series)  # no track ids either, only counts and labels


def test_under_dp_listening_data_is_never_charted(results) -> None:
    assert all(c.series is None for c in results["dp"].candidates)


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
    plain = find_facts(config)
    # the same candidates charted as a DP run would chart them (this DP withholds them all)
    dp = copy.deepcopy(plain.candidates)
    ws = open_workspace(config, list(config.data))
    try:
        attach_series(ws, dp, "dp", {r.pack.name: r.params for r in plain.runs})
    finally:
        ws.close()
    return {"plain": plain, "dp": dp}


def test_chart_days_below_the_floor_are_marked(charts_only) -> None:
    daily = [c for c in charts_only["plain"].candidates if c.series and c.series["kind"] == "daily"]
    assert daily, "no chart spike got a series"
    assert all(c.series["measure"] == "streams" for c in daily)
    floors = [p for c in daily for p in c.series["points"] if p["floor"] is not None]
    assert floors, "no chart day below the floor was marked"
    assert all(p["value"] is None and p["floor"] > 0 for p in floors)


def test_under_dp_public_chart_numbers_are_still_charted(charts_only) -> None:
    """Charts are published numbers: their pictures stay under DP, the same as without it."""
    plain = {c.id: c.series for c in charts_only["plain"].candidates}
    dp = [c for c in charts_only["dp"] if c.series]
    assert {c.series["kind"] for c in dp} >= {"daily", "bars"}
    for c in dp:
        assert c.series["measure"] == "streams"
        if c.id in plain and c.series["kind"] == "bars":  # the same published counts
            assert c.series["bars"] == plain[c.id]["bars"]
