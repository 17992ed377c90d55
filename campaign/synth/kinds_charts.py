"""The chart kinds of `campaign synth --charts N`, registered like every other kind.

chart_release        anomaly   a new single debuts high on its (Friday) release day and decays
chart_revival        anomaly   three to six of an artist's catalogue tracks rise together and
                               stay up for a week, with no release behind it (how a death shows)
chart_artist_moment  anomaly   two to four of an artist's tracks jump on one day only (a
                               televised performance)
chart_reentry        anomaly   a catalogue track absent for four weeks returns from below the
                               floor for a day or two
chart_album_release  anomaly   an artist's three to five new tracks debut together on a Friday
chart_artefact       artefact  one version of a title drops out of the chart for one to three
                               days while its sibling (same artist, a remix or feat. suffix)
                               jumps by exactly its streams: a chart glitch, never a story.
                               Planted last (like albums, it adds tracks to the chart world)

Every jump is at least `ctx.ratio_min` (2.5 or more, above the natural chart's own jumps) times
its level as a reader can bound it (listed streams, the floor on days it was absent).
"""

from __future__ import annotations

import numpy as np

from campaign.synth.chart_plants import (
    CHART_VALUE_SQL,
    ChartContext,
    ChartPlant,
    register_chart,
)
from campaign.synth.names import spotify_ids, track_titles
from campaign.synth.plants import BASELINE_DAYS

RELEASE_DECAY_DAYS = 6.0  # a debut settles to RELEASE_STEADY of its first day within weeks
RELEASE_STEADY = 0.3
REVIVAL_DAYS = 7
REVIVAL_DECAY_DAYS = 2.5
VERSION_SUFFIXES = (" (Remix)", " - Remix", " (feat. {other})", " (with {other})")
MAX_TRIES = 40
ALBUM_SHARES = (1.6, 1.25, 1.0, 1.0, 1.0)  # an album's tracks debut as a share of the jump


def _debut(rng: np.random.Generator, peak: float, days: int) -> np.ndarray:
    """A new release's streams from its first day: the peak, then settling (with noise)."""
    age = np.arange(days)
    fade = RELEASE_STEADY + (1 - RELEASE_STEADY) * np.exp(-age / RELEASE_DECAY_DAYS)
    return peak * fade * rng.lognormal(0.0, 0.04, days)


def _market_turns(ctx: ChartContext, rng: np.random.Generator, n: int) -> list[int]:
    markets = ctx.world.counts.shape[0]
    start = int(rng.integers(markets))
    return [(start + i) % markets for i in range(n)]


@register_chart("chart_release", measure=CHART_VALUE_SQL)
def plant_releases(ctx: ChartContext, rng: np.random.Generator, n: int) -> list[ChartPlant]:
    """A single of the year, released on a free Friday and not charting much by itself, debuts
    well above the floor and decays. Every other one has its release date in `tracks`."""
    world, plants = ctx.world, []
    for m in _market_turns(ctx, rng, n):
        new = np.flatnonzero((world.source >= 0) & (world.release_day >= 0) & ~ctx.seasonal)
        new = new[~np.isin(new, list(ctx.used_tracks))]
        new = [int(t) for t in rng.permutation(new) if ctx.free_day(m, int(world.release_day[t]))]
        quiet = [t for t in new if not ctx.top[m, world.release_day[t] :, t][:7].any()]
        if not quiet:
            continue
        track = quiet[0]
        day = int(world.release_day[track])
        peak = ctx.ratio(rng) * ctx.bound(m, day, [track])
        debut = _debut(rng, peak, ctx.spec.days - day)
        for age, streams in enumerate(debut.tolist()):
            ctx.set_streams(m, day + age, track, max(streams, world.counts[m, day + age, track]))
        ctx.take(m, day, [track])
        known = len(plants) % 2 == 0
        plants.append(
            ChartPlant(
                "chart_release", "anomaly", m, day, world.titles[track],
                ctx.artists[world.artist[track]], [track], novelty="release",
                extra={"release_date_known": known},
            )
        )  # fmt: skip
    return plants


def _artist_tracks(
    ctx: ChartContext, rng: np.random.Generator, m: int, day: int, least: int
) -> tuple[int, list[int]] | None:
    """An unused artist with at least `least` back-catalogue tracks near the chart in market m
    (released long ago, none of theirs new within three months), their tracks by level."""
    world = ctx.world
    tracks = ctx.catalogue_tracks(m, day)
    recent = world.release_day > day - 90
    busy = set(world.artist[recent].tolist()) | ctx.used_artists
    level = ctx.natural[m, day - BASELINE_DAYS : day].mean(axis=0)
    near = tracks[level[tracks] >= 0.3 * ctx.floor[m, day - BASELINE_DAYS : day].mean()]
    artists, counts = np.unique(world.artist[near], return_counts=True)
    choices = [int(a) for a, c in zip(artists, counts, strict=True) if c >= least]
    choices = [a for a in choices if a not in busy]
    if not choices:
        return None
    artist = int(rng.choice(choices))
    theirs = near[world.artist[near] == artist]
    return artist, theirs[np.argsort(-level[theirs], kind="stable")].tolist()


def _artist_rise(
    ctx: ChartContext, rng: np.random.Generator, n: int, kind: str, least: int, days: int
) -> list[ChartPlant]:
    """Several of one artist's tracks rise together on a day, each by its own jump, and fade
    over `days` (1: that day only)."""
    world, plants = ctx.world, []
    for m in _market_turns(ctx, rng, n):
        for day in ctx.days_for(rng, m)[:MAX_TRIES]:
            found = _artist_tracks(ctx, rng, m, day, least)
            if found:
                break
        else:
            continue
        artist, theirs = found
        k = min(len(theirs), int(rng.integers(least, least + 4)))
        tracks = [int(t) for t in theirs[:k]]
        for track in tracks:
            level, jump = ctx.bound(m, day, [track]), ctx.ratio(rng, spread=2.0)
            for after in range(min(days, ctx.spec.days - day)):
                up = level * (1 + (jump - 1) * np.exp(-after / REVIVAL_DECAY_DAYS))
                ctx.set_streams(m, day + after, track, max(up, world.counts[m, day + after, track]))
        ctx.take(m, day, tracks, artist)
        plants.append(
            ChartPlant(
                kind, "anomaly", m, day, ctx.artists[artist], ctx.artists[artist], tracks,
                extra={"tracks": [world.titles[t] for t in tracks]},
            )
        )  # fmt: skip
    return plants


@register_chart("chart_revival", measure=CHART_VALUE_SQL)
def plant_revivals(ctx: ChartContext, rng: np.random.Generator, n: int) -> list[ChartPlant]:
    return _artist_rise(ctx, rng, n, "chart_revival", least=3, days=REVIVAL_DAYS)


@register_chart("chart_artist_moment", measure=CHART_VALUE_SQL)
def plant_artist_moments(ctx: ChartContext, rng: np.random.Generator, n: int) -> list[ChartPlant]:
    return _artist_rise(ctx, rng, n, "chart_artist_moment", least=2, days=1)


@register_chart("chart_reentry", measure=CHART_VALUE_SQL)
def plant_reentries(ctx: ChartContext, rng: np.random.Generator, n: int) -> list[ChartPlant]:
    """A catalogue track listed on none of the four weeks before, streamed at least a third of
    the floor, returns for a day (or two, the second lower)."""
    world, plants = ctx.world, []
    for m in _market_turns(ctx, rng, n):
        for day in ctx.days_for(rng, m)[:MAX_TRIES]:
            tracks = ctx.catalogue_tracks(m, day)
            absent = ~ctx.top[m, day - BASELINE_DAYS : day + 1][:, tracks].any(axis=0)
            level = ctx.natural[m, day - BASELINE_DAYS : day][:, tracks].mean(axis=0)
            near = level >= ctx.floor[m, day - BASELINE_DAYS : day].mean() / 3
            tracks = tracks[absent & near & ~np.isin(world.artist[tracks], list(ctx.used_artists))]
            if tracks.size:
                break
        else:
            continue
        track = int(rng.choice(tracks))
        back = ctx.ratio(rng) * ctx.bound(m, day, [track])
        ctx.set_streams(m, day, track, back)
        if rng.random() < 0.5 and day + 1 < ctx.spec.days:
            ctx.set_streams(m, day + 1, track, back * rng.uniform(0.35, 0.6))
        ctx.take(m, day, [track], int(world.artist[track]))
        plants.append(
            ChartPlant(
                "chart_reentry", "anomaly", m, day, world.titles[track],
                ctx.artists[world.artist[track]], [track], novelty="re-entry",
            )
        )  # fmt: skip
    return plants


@register_chart("chart_album_release", measure=CHART_VALUE_SQL)
def plant_album_releases(ctx: ChartContext, rng: np.random.Generator, n: int) -> list[ChartPlant]:
    """An artist who charts releases an album on a free Friday: three to five new tracks debut
    together (the lead single highest) and settle, in that market only."""
    world, plants = ctx.world, []
    for m in _market_turns(ctx, rng, n):
        for day in ctx.days_for(rng, m, fridays=True)[:MAX_TRIES]:
            found = _artist_tracks(ctx, rng, m, day, least=1)
            if found:
                break
        else:
            continue
        artist = found[0]
        k = int(rng.integers(3, 6))
        floor = float(ctx.floor[m, day - BASELINE_DAYS : day].mean())  # new: absent before
        jump = ctx.ratio(rng)
        tracks = []
        titles = track_titles(rng, np.zeros(k, dtype=np.int8))
        for i, (title, track_id) in enumerate(
            zip(titles, spotify_ids(rng, k, "track"), strict=True)
        ):
            counts = np.zeros(world.counts.shape[:2], dtype=np.int64)
            peak = jump * floor * ALBUM_SHARES[i]
            counts[m, day:] = np.round(_debut(rng, peak, ctx.spec.days - day)).astype(np.int64)
            tracks.append(world.add_track(track_id, title, artist, day, counts))
        ctx.take(m, day, tracks, artist)
        known = len(plants) % 2 == 0
        plants.append(
            ChartPlant(
                "chart_album_release", "anomaly", m, day, ctx.artists[artist], ctx.artists[artist],
                tracks, extra={"tracks": titles, "release_date_known": known},
            )
        )  # fmt: skip
    return plants


@register_chart("chart_artefact", measure=CHART_VALUE_SQL)
def plant_artefacts(ctx: ChartContext, rng: np.random.Generator, n: int) -> list[ChartPlant]:
    """A charting catalogue track gets a sibling version streamed a fifth to a half as much;
    on the artefact's days the chart books the original's streams on the sibling."""
    world, plants = ctx.world, []
    for m in _market_turns(ctx, rng, n):
        for day in ctx.days_for(rng, m)[:MAX_TRIES]:
            window = ctx.top[m, day - BASELINE_DAYS : day + 3]
            steady = ctx.catalogue_tracks(m, day)
            steady = steady[window[:, steady].all(axis=0)]  # charted all month and after
            if steady.size:
                break
        else:
            continue
        original = int(rng.choice(steady))
        share = rng.uniform(0.2, 0.5)
        noise = rng.lognormal(0.0, 0.08, world.counts.shape[:2])
        version = np.round(world.counts[:, :, original] * share * noise).astype(np.int64)
        others = [a for a in range(len(ctx.artists)) if a != world.artist[original]]
        suffix = str(rng.choice(VERSION_SUFFIXES)).format(other=ctx.artists[rng.choice(others)])
        track_id = spotify_ids(rng, 1, "track")[0]
        sibling = world.add_track(
            track_id, world.titles[original] + suffix, int(world.artist[original]),
            int(world.release_day[original]), version,
        )  # fmt: skip
        for after in range(int(rng.integers(1, 4))):
            moved = world.counts[m, day + after, original]
            world.counts[m, day + after, sibling] += moved
            world.counts[m, day + after, original] = 0
        ctx.take(m, day, [original, sibling])
        plants.append(
            ChartPlant(
                "chart_artefact", "artefact", m, day, world.titles[sibling],
                ctx.artists[world.artist[original]], [sibling], novelty="spike",
                extra={"dropped": world.titles[original]},
            )
        )  # fmt: skip
    return plants
