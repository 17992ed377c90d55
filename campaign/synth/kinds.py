"""The built-in plant kinds, registered exactly as a new kind would be (see plants.py).

event_spike   anomaly  a mid-popularity track streamed by many more listeners on an event day
repeat_on_day anomaly  one listener plays one track 30–60 times in a local day
release_decoy decoy    a new track whose release day is an event day: a jump from nothing
top_track_decoy decoy  a top-10 track on an ordinary good day
opted_out_decoy / under_age_decoy   extreme repeats by listeners who must never surface
"""

from __future__ import annotations

import numpy as np

from campaign.events import Event
from campaign.synth.names import holiday_titles
from campaign.synth.plants import (
    BASELINE_DAYS,
    MarketEvents,
    Plant,
    PlantContext,
    decoys,
    register,
    register_with_privacy_decoys,
)
from campaign.synth.plays import Plays, back_catalogue_sampler
from campaign.synth.population import Catalogue
from campaign.synth.spec import SynthSpec

SPIKE_MIN_LISTENERS = 70  # above the 60 the truth promises, with room for the privacy filter
SPIKE_RANKS = (100, 2000)  # popularity rank band of a spiking track: known, not a hit
REPEAT_PLAYS = (30, 60)
PRIVACY_REPEAT_PLAYS = (70, 95)
THEMED_SHARE = 0.4  # how often an event-day plant picks a title that speaks to the event
FIRST_SPIKE_DAY = BASELINE_DAYS + 7
MIN_HISTORY_DAYS = 7  # the spike pack's: a track first seen fewer days before is a new release

# How the packs count these facts (docs/fact-kinds.md), over the workspace's `streams`.
EVENT_SPIKE_SQL = """
SELECT count(DISTINCT user_id) FROM streams
WHERE market = $market AND track_id = $track_id AND day = $day
"""
REPEAT_ON_DAY_SQL = """
SELECT count(*) FROM streams
WHERE market = $market AND track_id = $track_id AND user_id = $user_id AND day = $day
"""


def _spike_size(ctx: PlantContext, rng: np.random.Generator, m: int, day: int) -> int:
    """How many listeners a planted jump reaches: 70 and up, more in a busier market-day."""
    extra = int(0.3 * ctx.active_listeners(m, day))
    return int(rng.integers(SPIKE_MIN_LISTENERS, SPIKE_MIN_LISTENERS + extra + 1))


@register("event_spike", measure=EVENT_SPIKE_SQL)
def plant_event_spikes(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    cat, plants = ctx.catalogue, []
    hi = min(SPIKE_RANKS[1], len(cat) // 2)
    lo = min(SPIKE_RANKS[0], hi // 10)
    for m, day, event in ctx.event_cells(rng, n, first_day=FIRST_SPIKE_DAY):
        if ctx.listeners_pool(m).size < 2 * SPIKE_MIN_LISTENERS:
            continue  # too few listeners in the market for a cohort fact
        band = np.flatnonzero(
            (cat.rank[m] >= lo) & (cat.rank[m] < hi) & (cat.release_day <= day - FIRST_SPIKE_DAY)
        )
        band = ctx.free(band)
        # known: streamed in the weeks before, first a week or more before (the pack takes a
        # track first seen fewer than `min_history_days` before for a new release)
        history = ctx.stream_counts(m, day - BASELINE_DAYS, day)[band]
        early = ctx.stream_counts(m, day - BASELINE_DAYS, day - MIN_HISTORY_DAYS)[band] > 0
        known = band[early & (history >= 2)] if (early & (history >= 2)).any() else band[early]
        theme = ctx.themed(event)
        themed = known[cat.theme[known] == theme] if theme else known[:0]
        if themed.size and rng.random() < THEMED_SHARE:
            track = int(rng.choice(themed))
        elif known.size:
            track = int(rng.choice(known))
        else:
            track = int(rng.choice(band))
        ctx.used_tracks.add(track)
        parts = [ctx.add_listeners(rng, m, day, track, _spike_size(ctx, rng, m, day), moment=0.5)]
        if not known.size:  # too small a dataset to have history: give it a little
            before = np.arange(day - BASELINE_DAYS, day - MIN_HISTORY_DAYS)
            for d in rng.choice(before, size=4, replace=False):
                parts.append(ctx.add_listeners(rng, m, int(d), track, 1))
        drop = ctx.ineligible_rows(m, day, track)
        plants.append(
            Plant(
                "event_spike",
                "anomaly",
                m,
                day,
                track,
                rows=Plays.concat(parts),
                drop=drop,
            )
        )
    return plants


def _repeat_days(
    ctx: PlantContext, rng: np.random.Generator, n: int
) -> list[tuple[int, int, Event | None]]:
    """About half on event days, the rest on ordinary days, markets in turn."""
    n_event = (n + 1) // 2
    cells: list[tuple[int, int, Event | None]] = list(ctx.event_cells(rng, n_event))
    n_markets = len(ctx.spec.markets)
    start = int(rng.integers(n_markets))
    for i in range(n - len(cells)):
        m = (start + i) % n_markets
        event_days = {d for d, _ in ctx.events[m]}
        while True:
            day = int(rng.integers(1, ctx.spec.days - 1))
            if day not in event_days and (m, day) not in ctx.used_cells:
                break
        ctx.used_cells.add((m, day))
        cells.append((m, day, None))
    return cells


def _repeat_track(
    ctx: PlantContext, rng: np.random.Generator, m: int, day: int, user: int, event: Event | None
) -> int:
    """A track that speaks to the event (sometimes), one from the listener's own history
    (often), or one the market likes."""
    cat = ctx.catalogue
    theme = ctx.themed(event)
    if theme and rng.random() < THEMED_SHARE:
        themed = ctx.free(
            np.flatnonzero((cat.theme == theme) & (cat.release_day <= day) & (cat.rank[m] < 5000))
        )
        if themed.size:
            return int(rng.choice(themed))
    own = ctx.free(ctx.history_tracks(user, day))
    if own.size and rng.random() < 0.6:
        return int(rng.choice(own))
    while True:
        track = int(rng.choice(len(cat), p=back_catalogue_sampler(cat, m)))
        if track not in ctx.used_tracks:
            return track


def _plant_repeats(
    ctx: PlantContext, rng: np.random.Generator, n: int, role: str, plays: tuple[int, int]
) -> list[Plant]:
    plants = []
    for m, day, event in _repeat_days(ctx, rng, n):
        pool = ctx.listeners_pool(m, eligible=role == "anomaly")
        if role == "under_age":
            pool = pool[ctx.users.birth_year[pool] > ctx.users.adult_born_by]
        elif role == "opted_out":
            pool = pool[ctx.users.opted_out[pool]]
        pool = pool[~np.isin(pool, list(ctx.used_users))]
        if not pool.size:
            continue
        # an active listener: one with more plays than most
        counts = ctx.natural.plays_per_user[pool]
        active = pool[counts >= np.quantile(counts, 0.5)]
        user = int(rng.choice(active))
        ctx.used_users.add(user)
        track = _repeat_track(ctx, rng, m, day, user, event)
        ctx.used_tracks.add(track)
        rows, drop = ctx.repeat_run(
            rng, m, day, user, track, int(rng.integers(*plays, endpoint=True))
        )
        plants.append(Plant("repeat_on_day", role, m, day, track, user, rows, drop))
    return plants


register_with_privacy_decoys(
    "repeat_on_day",
    _plant_repeats,
    REPEAT_PLAYS,
    PRIVACY_REPEAT_PLAYS,
    REPEAT_ON_DAY_SQL,
    decoy_names=("opted_out_decoy", "under_age_decoy"),
)


def _prepare_releases(
    spec: SynthSpec, cat: Catalogue, events: MarketEvents, rng: np.random.Generator, n: int
) -> list[tuple[int, int, int]]:
    """Move n new releases onto event days (after the first month, before the last three weeks),
    so their first day is an event day: a jump from nothing that is a release, not a spike."""
    cells = [
        (m, d)
        for m, days in enumerate(events)
        for d, _ in days
        if FIRST_SPIKE_DAY <= d < spec.days - 21
    ]
    chosen: list[tuple[int, int, int]] = []
    taken: set[int] = set()
    everyday = ~holiday_titles(cat.titles)  # a Christmas song released in May: off season
    for i in rng.permutation(len(cells))[:n].tolist():
        m, day = cells[i]
        candidates = np.flatnonzero(
            (cat.release_day >= 0) & (cat.rank[m] >= 20) & (cat.rank[m] < 800) & everyday
        )
        candidates = candidates[~np.isin(candidates, list(taken))]
        if not candidates.size:
            continue
        track = int(rng.choice(candidates))
        cat.release_day[track] = day
        taken.add(track)
        chosen.append((m, day, track))
    return chosen


@register("release_decoy", count=decoys, prepare=_prepare_releases)
def plant_release_jumps(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    plants = []
    for m, day, track in ctx.prepared.get("release_decoy", []):
        ctx.used_cells.add((m, day))
        size = _spike_size(ctx, rng, m, day)
        parts = [ctx.add_listeners(rng, m, day, track, size)]
        for after in range(1, 22):  # and then it settles, as releases do
            parts.append(
                ctx.add_listeners(
                    rng, m, day + after, track, round(size * 0.45 * np.exp(-after / 10))
                )
            )
        drop = ctx.ineligible_rows(m, day, track)
        plants.append(
            Plant(
                "event_spike",
                "decoy",
                m,
                day,
                track,
                rows=Plays.concat(parts),
                drop=drop,
            )
        )
    return plants


@register("top_track_decoy", count=decoys)
def plant_top_track_days(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    """A hit on an event day, a little above its usual: a big number, but nothing unusual."""
    cat, plants = ctx.catalogue, []
    for m, day, _ in ctx.event_cells(rng, n, first_day=FIRST_SPIKE_DAY):
        # a top-ten track of the weeks before (in season: not a Christmas song in February)
        recent = ctx.stream_counts(m, day - BASELINE_DAYS, day)
        top = np.argsort(-recent, kind="stable")[:10]
        top = ctx.free(top[(cat.release_day[top] <= day - FIRST_SPIKE_DAY) & (recent[top] > 0)])
        if not top.size:
            continue
        track = int(rng.choice(top))
        ctx.used_tracks.add(track)
        usual = ctx.daily_listeners(m, track, day - BASELINE_DAYS, day).mean()
        target = int(np.ceil(usual * rng.uniform(1.2, 1.6)))
        extra = max(target - ctx.listeners(m, day, track).size, 0)
        rows = ctx.add_listeners(rng, m, day, track, extra)
        drop = ctx.ineligible_rows(m, day, track)
        plants.append(Plant("event_spike", "decoy", m, day, track, rows=rows, drop=drop))
    return plants
