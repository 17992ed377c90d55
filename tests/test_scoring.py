"""Scores: always in [0, 1], monotonic where they should be, and not fooled by big markets."""

from __future__ import annotations

import math
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from campaign import scoring
from campaign.config import PrivacySettings
from campaign.events import Event
from campaign.facts import Fact
from campaign.privacy import judge
from campaign.resources import bundled_dir
from campaign.scoring import (
    VARIETY_PENALTY,
    count_surprise,
    load_themes,
    rerank_for_variety,
    story,
    surprise,
    tail_surprise,
)

counts = st.integers(min_value=0, max_value=10**9)
levels = st.floats(min_value=0.0, max_value=1e8, allow_nan=False)


@settings(max_examples=200)
@given(value=counts, expected=levels, variance=st.none() | levels)
def test_count_surprise_lies_in_unit_interval(
    value: int, expected: float, variance: float | None
) -> None:
    score = count_surprise(value, expected, variance)
    assert 0.0 <= score.value <= 1.0
    assert score.inputs["model"] in {"poisson", "negative binomial"}


@settings(max_examples=100)
@given(expected=st.floats(min_value=1, max_value=1e6), bump=st.floats(min_value=1.01, max_value=50))
def test_count_surprise_grows_with_the_value(expected: float, bump: float) -> None:
    low = count_surprise(expected * 2, expected, expected * 3)
    high = count_surprise(expected * 2 * bump, expected, expected * 3)
    assert high.value >= low.value


def test_big_markets_do_not_saturate_on_small_effects() -> None:
    """A 10 % rise on a million streams is 'significant' but not a story; a 5x jump on 60 is."""
    tiny_effect = count_surprise(1_100_000, 1_000_000, None)
    assert tiny_effect.inputs["significance"] == 1.0
    assert tiny_effect.value < 0.3
    big_effect = count_surprise(300, 60, 120)
    assert big_effect.value > tiny_effect.value


def test_overdispersion_lowers_surprise() -> None:
    assert count_surprise(60, 20, 400).value < count_surprise(60, 20, None).value


@settings(max_examples=100)
@given(
    value=st.integers(min_value=1, max_value=10_000),
    typical=st.none() | st.floats(min_value=0.1, max_value=1000),
    share=st.none() | st.floats(min_value=0, max_value=1),
)
def test_tail_surprise_lies_in_unit_interval(
    value: int, typical: float | None, share: float | None
) -> None:
    assert 0.0 <= tail_surprise(value, typical, share).value <= 1.0


def spike(
    title: str, market_population: int = 0, cohort: int | None = 300, audience: str = "cohort"
) -> Fact:
    day = date(2024, 12, 25)
    return Fact(
        "event_spike",
        audience,
        "event_spike",
        "GB",
        day,
        day,
        "e",
        "track",
        "t",
        title,
        "A",
        "listeners",
        300,
        20.0,
        cohort,
        market_population,
        {},
    )


def chart_spike(value: int, baseline: float, variance: float, censored_days: int) -> Fact:
    """A chart fact: streams against a floor-filled baseline with `censored_days` absent days."""
    fact = spike("T")
    detail = {"floor": 1000, "censored_days": censored_days, "level_variance": variance}
    return Fact(**{**fact.__dict__, "measure": "streams", "value": value, "baseline": baseline,
                   "cohort_size": None, "detail": detail})  # fmt: skip


@settings(max_examples=200)
@given(
    baseline=st.floats(min_value=100.0, max_value=1e7),
    low=st.floats(min_value=1.0, max_value=30.0),
    bump=st.floats(min_value=0.01, max_value=10.0),
    variances=st.tuples(levels, levels),
    censored=st.integers(min_value=1, max_value=28),
)
def test_censored_chart_spikes_rank_by_their_lower_bound_ratio(
    baseline: float, low: float, bump: float, variances: tuple[float, float], censored: int
) -> None:
    """Whatever the floor-filled variances, the larger lower-bound ratio scores at least as
    high: the variance of a series that is mostly the floor is not the track's."""
    weaker = surprise(chart_spike(round(baseline * low), baseline, variances[0], censored))
    stronger = surprise(
        chart_spike(round(baseline * (low + bump)), baseline, variances[1], censored)
    )
    assert 0.0 <= weaker.value <= stronger.value <= 1.0
    assert stronger.inputs["model"] == "censored lower bound"


def test_fully_listed_chart_spikes_keep_the_count_model() -> None:
    """No day below the floor: the history is the track's own, its variance honest."""
    score = surprise(chart_spike(5000, 1000.0, 4e6, 0))
    assert score.inputs["model"] == "negative binomial"


def test_story_rewards_named_days_known_subjects_and_fitting_titles() -> None:
    themes = load_themes([bundled_dir("templates") / "story_themes.toml"])
    christmas = Event(date(2024, 12, 25), "GB", "holiday", {"en": "Christmas Day"}, "holidays")
    fitting = story(spike("Last Christmas"), christmas, (5, 1000), themes)
    plain = story(spike("Tuesday Song"), christmas, (5, 1000), themes)
    obscure = story(spike("Tuesday Song"), christmas, (900, 1000), themes)
    no_day = story(spike("Tuesday Song"), None, (5, 1000), themes)
    assert fitting.value > plain.value > obscure.value
    assert plain.value > no_day.value
    assert fitting.inputs["theme"].startswith("christmas")
    for s in (fitting, plain, obscure, no_day):
        assert 0 <= s.value <= 1


def test_privacy_gate() -> None:
    settings_ = PrivacySettings(k_min=50, individual=True, individual_min_population=1000)
    assert judge(spike("x", cohort=300), settings_, 10_000).passed
    small = judge(spike("x", cohort=49), settings_, 10_000)
    assert not small.passed and "below k_min 50" in small.reasons[0]
    individual = spike("x", cohort=1, audience="individual")
    assert judge(individual, settings_, 5_000).passed
    assert not judge(individual, settings_, 999).passed
    assert not judge(individual, PrivacySettings(individual=False), 10**6).passed
    finer = Fact(**{**individual.__dict__, "detail": {"city": "Leeds"}})
    verdict = judge(finer, settings_, 10**6)
    assert not verdict.passed and "finer than the market" in verdict.reasons[0]
    chart = spike("x", cohort=None)
    assert judge(chart, settings_, None).passed  # public aggregates carry no listener data


def test_variety_rerank_spreads_subjects() -> None:
    items = [
        (f"a{i}", {"subject": "same song", "market": "GB", "pack": "p", "event": ""}, 0.9 - i / 100)
        for i in range(5)
    ]
    items.append(("b", {"subject": "other song", "market": "US", "pack": "p", "event": ""}, 0.7))
    order = rerank_for_variety(items)
    assert order[0] == "a0" and order[1] == "b"
    assert sorted(order) == sorted(i[0] for i in items)


def adjusted_scores(
    remaining: list[tuple[str, dict[str, str], float]], seen: dict[tuple[str, str], int]
) -> dict[str, float]:
    """The greedy rule written out plainly: every earlier pick sharing a key lowers a score."""
    return {
        item_id: score
        * math.prod(VARIETY_PENALTY[k] ** seen.get((k, v), 0) for k, v in keys.items() if v)
        for item_id, keys, score in remaining
    }


variety_items = st.lists(
    st.tuples(
        st.sampled_from(["s1", "s2", "s3", "s4", "s5", "s6"]),
        st.sampled_from(["GB", "US", "DE"]),
        st.sampled_from(["p", "q"]),
        st.sampled_from(["", "e1", "e2"]),
        st.sampled_from(["", "a", "b", "c"]),
        st.floats(0, 1, allow_nan=False),
    ),
    max_size=40,
)


@given(variety_items)
@settings(max_examples=300)
def test_variety_rerank_always_picks_the_best_adjusted_score(rows) -> None:
    items = [
        (f"id{i}", {"subject": s, "market": m, "pack": p, "event": e, "artist": a}, score)
        for i, (s, m, p, e, a, score) in enumerate(rows)
    ]
    order = rerank_for_variety(items)
    assert sorted(order) == sorted(i[0] for i in items)
    by_id = {i[0]: i for i in items}
    remaining, seen = list(items), {}
    for item_id in order:
        scores = adjusted_scores(remaining, seen)
        assert scores[item_id] >= max(scores.values()) * (1 - 1e-12)
        remaining.remove(by_id[item_id])
        for kind, key in by_id[item_id][1].items():
            if key:
                seen[(kind, key)] = seen.get((kind, key), 0) + 1


def test_variety_rerank_of_many_candidates_is_not_quadratic(monkeypatch) -> None:
    """5,000 candidates over 20 markets and 200 events: the re-rank evaluates a few penalties per
    candidate, not one per pair (a count, not a clock: bench/bench_rerank.py measures the time)."""
    calls = 0
    penalty = scoring._penalty

    def counted(*args, **kwargs):
        nonlocal calls
        calls += 1
        return penalty(*args, **kwargs)

    monkeypatch.setattr(scoring, "_penalty", counted)
    n = 5_000
    items = [
        (
            f"f{i:05d}",
            {
                "subject": f"song {i % 1250}",
                "market": f"M{i % 20}",
                "pack": "event_spike",
                "event": f"e{i % 200}" if i % 3 else "",
                "artist": f"artist {i % 400}",
            },
            (i * 7919 % 10007) / 10007,
        )
        for i in range(n)
    ]
    order = rerank_for_variety(items)
    assert len(set(order)) == len(items)
    assert calls < 60 * n  # the pairwise re-rank made about n * n / 2 = 12,500,000
