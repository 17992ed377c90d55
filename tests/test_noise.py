"""Differential privacy: calibrated noise on every published count, raw counts never published."""

from __future__ import annotations

import json
import statistics
from dataclasses import replace
from datetime import date

from campaign.config import PrivacySettings
from campaign.facts import Fact
from campaign.noise import noisy_count, privatise, unsupported
from campaign.run import find_facts, run_campaign


def cohort_fact(value: int = 500) -> Fact:
    day = date(2024, 2, 14)
    return Fact(
        "event_spike",
        "cohort",
        "event_spike",
        "GB",
        day,
        day,
        None,
        "track",
        "t",
        "Song",
        "A",
        "listeners",
        value,
        40.0,
        value,
        9000,
        {"level_variance": 12.0, "novelty": "x"},
    )


def test_noise_is_centred_with_the_calibrated_scale() -> None:
    draws = [noisy_count(1000, epsilon=0.5) - 1000 for _ in range(3000)]
    assert abs(statistics.mean(draws)) < 0.3
    # discrete Laplace with scale 1/0.5 = 2: mean absolute deviation close to 2
    assert 1.5 < statistics.mean(abs(d) for d in draws) < 2.5


def test_a_private_fact_publishes_only_noisy_counts() -> None:
    fact = cohort_fact()
    noisy = [privatise(fact, epsilon=0.2) for _ in range(50)]
    assert all(n.id == fact.id for n in noisy)
    assert any(n.value != fact.value for n in noisy)
    assert all(n.cohort_size == n.value for n in noisy)
    assert all("level_variance" not in n.detail and n.detail["novelty"] == "x" for n in noisy)


def test_privacy_flags_survive_the_noise() -> None:
    flagged = replace(cohort_fact(), detail={"sensitive": True, "pii": ["email"], "share": 0.4})
    assert privatise(flagged, epsilon=1.0).detail | {"noise": ""} == {
        "sensitive": True,
        "pii": ["email"],
        "noise": "",
    }


def test_facts_that_cannot_be_private_are_named() -> None:
    assert unsupported(cohort_fact()) is None
    assert "one listener" in unsupported(replace(cohort_fact(), audience="individual"))
    assert "unbounded" in unsupported(replace(cohort_fact(), measure="streams"))


def test_with_dp_no_raw_count_reaches_the_output(small_campaign) -> None:
    raw = find_facts(small_campaign)
    private = replace(small_campaign, privacy=PrivacySettings(noise="dp", epsilon=0.5))
    run = run_campaign(private, workers=1)
    manifest = json.loads((run.out_dir / "manifest.json").read_text())
    assert all(c["audience"] != "individual" for c in manifest["candidates"])
    assert manifest["data"]["withheld_by_noise"]["repeat_on_day"]["facts"] > 0
    raw_values = {c.id: c.fact.value for c in raw.candidates}
    published = {c["id"]: c["value"] for c in manifest["candidates"] if c["id"] in raw_values}
    assert published, "the cohort facts are still published"
    assert any(published[i] != raw_values[i] for i in published)
