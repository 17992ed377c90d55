"""Plant kinds about playlists: a title no one expected, a title many typed, a song in a context.

playlist_title        anomaly  one listener's playlist with an odd, unique title and 80–150 tracks,
                               made on an event day half of the time
playlist_title_pii    pii      the same, its title holding an e-mail address or a phone number:
                               it must never surface
playlist_context      anomaly  60–120 owners put one (not top) track on playlists whose titles hold
                               a context word ("running", "workout", …); they stream it too
playlist_title_count  anomaly  60–120 owners (more where a natural title is that common) make a
                               playlist of the same meme title within a few weeks

A playlist's market is its owner's; its day is the owner's local day, and planted playlists are
made between 10:00 and 18:00 local time, when that day is also the UTC day in every market.
"""

from __future__ import annotations

import math
import re
from collections import Counter

import numpy as np

from campaign.synth import names
from campaign.synth.kinds import _repeat_days
from campaign.synth.plants import Plant, PlantContext, decoys, register
from campaign.synth.playlists import LAST_DAY_FROM_END, fill_times, fill_tracks
from campaign.synth.spec import DAY_US, HOUR_US

# ---- playlist_title ---------------------------------------------------------------------------
PLAYLIST_TITLE_SQL = "SELECT count(*) FROM playlist_tracks WHERE playlist_id = $playlist_id"
ODD_PLAYLIST_TRACKS = (80, 150)


def _made_at(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Local µs on each day between 10:00 and 18:00."""
    days = np.asarray(days, dtype=np.int64)
    return days * DAY_US + (rng.uniform(10, 18, days.size) * HOUR_US).astype(np.int64)


def _distinct_tracks(
    ctx: PlantContext, rng: np.random.Generator, owner: int, size: int
) -> np.ndarray:
    """`size` different tracks for one owner's playlist, most of them from their streams."""
    _, track = fill_tracks(
        rng, ctx.spec, ctx.users, ctx.catalogue, ctx.history, np.array([owner]),
        np.array([4 * size]), from_history=0.6,
    )  # fmt: skip
    _, first = np.unique(track, return_index=True)
    return track[np.sort(first)][:size]


def _plant_odd_playlists(
    ctx: PlantContext, rng: np.random.Generator, n: int, role: str, titles: tuple[str, ...]
) -> list[Plant]:
    plants = []
    picked = rng.permutation(np.array(titles, dtype=object))[:n].tolist()
    for title, (m, day, _) in zip(picked, _repeat_days(ctx, rng, len(picked)), strict=False):
        pool = ctx.active_pool(m)
        pool = pool[~np.isin(pool, list(ctx.used_users))]
        if not pool.size:
            continue
        owner = int(rng.choice(pool))
        ctx.used_users.add(owner)
        created = _made_at(rng, [day])
        index = int(ctx.playlists.add(np.array([owner]), [title], created)[0])
        size = int(rng.integers(*ODD_PLAYLIST_TRACKS, endpoint=True))
        track = _distinct_tracks(ctx, rng, owner, size)
        added = np.sort(fill_times(rng, ctx.spec, created, np.zeros(track.size, dtype=np.int64)))
        ctx.playlists.add_tracks(np.full(track.size, index), track, added)
        plants.append(
            Plant("playlist_title", role, m, day, user=owner, subject=title, playlist=index)
        )
    return plants


@register("playlist_title", measure=PLAYLIST_TITLE_SQL)
def plant_playlist_titles(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    return _plant_odd_playlists(ctx, rng, n, "anomaly", names.ODD_PLAYLIST_TITLES)


@register("playlist_title_pii", count=decoys)
def plant_pii_titles(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    return _plant_odd_playlists(ctx, rng, n, "pii", names.PII_PLAYLIST_TITLES)


# ---- playlist_context -------------------------------------------------------------------------
PLAYLIST_CONTEXT_SQL = """
SELECT count(DISTINCT p.user_id)
FROM playlist_tracks t JOIN playlists p USING (playlist_id) JOIN user_markets m USING (user_id)
WHERE m.market = $market AND t.track_id = $track_id
  AND regexp_matches(p.name, $context_pattern, 'i')
  AND year(timezone($tz, t.added_at)) = $year
"""
# Context word → titles of new playlists it makes ({year} filled in).
CONTEXT_TITLES: dict[str, tuple[str, ...]] = {
    "running": ("Running", "running mix", "Running Playlist", "sunday running", "running songs",
                "running {year}", "morning running", "running tunes", "easy running", "RUNNING 🏃"),
    "workout": ("Workout", "workout mix", "WORKOUT {year}", "morning workout", "workout bangers",
                "home workout", "workout songs", "workout playlist", "workout hype"),
    "sleep": ("Sleep", "sleep mix", "deep sleep", "sleep songs", "sleep {year}", "sleep sounds",
              "sleep playlist", "sleep time"),
    "study": ("Study", "study mix", "study music", "study {year}", "exam study", "study session",
              "study playlist", "late night study"),
    "party": ("Party", "party mix", "house party", "party {year}", "PARTY TIME", "party playlist",
              "birthday party", "party songs"),
    "wedding": ("Wedding", "wedding mix", "our wedding", "wedding {year}", "wedding dance floor",
                "wedding playlist", "wedding songs", "wedding reception"),
}  # fmt: skip
CONTEXT_OWNERS = (60, 120)
CONTEXT_RANKS = (200, 3000)
CONTEXT_MIN_RATIO = 3.0  # the pack's min_ratio: owners / (the track's owners × context share)
CONTEXT_RATIO_MARGIN = 1.5  # a planted track's ratio is at least this many times min_ratio


def _owner_markets(ctx: PlantContext) -> np.ndarray:
    """Market of each playlist (its owner's)."""
    return ctx.users.market[ctx.playlists.owner]


def _track_owners(ctx: PlantContext, m: int) -> np.ndarray:
    """Distinct owners of market m who put each track on a playlist: the pack's all_owners, or
    a few more (it does not see opted-out or under-age owners)."""
    book, n_tracks = ctx.playlists, len(ctx.catalogue)
    owner = book.owner[book.playlist]
    entries = np.flatnonzero(ctx.users.market[owner] == m)
    pairs = np.unique(owner[entries].astype(np.int64) * n_tracks + book.track[entries])
    return np.bincount(pairs % n_tracks, minlength=n_tracks)


def _context_share(ctx: PlantContext, m: int, matches: re.Pattern) -> float:
    """Share of market m's playlists whose title holds the context word (the pack's share)."""
    mine = np.flatnonzero(_owner_markets(ctx) == m)
    hits = sum(1 for i in mine.tolist() if matches.search(ctx.playlists.names[i]))
    return hits / max(mine.size, 1)


def context_owners_needed(owners: int, share: float) -> int | None:
    """Planted owners s that keep a track's ratio s / ((owners + s) × share) at the margin
    over min_ratio, `owners` being its natural owners; None when no cohort can."""
    k = CONTEXT_RATIO_MARGIN * CONTEXT_MIN_RATIO * share
    if k >= 1:
        return None
    # (a whole number of owners computed a hair above itself, 9.000000000000002 for one owner
    # at share 0.2, is that number: the pack's ratio, in floats too, meets the margin with it)
    return math.ceil(owners * k / (1 - k) * (1 - 1e-12))


@register("playlist_context", measure=PLAYLIST_CONTEXT_SQL)
def plant_playlist_contexts(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    cat, book, plants = ctx.catalogue, ctx.playlists, []
    n_markets = len(ctx.spec.markets)
    contexts = list(CONTEXT_TITLES)
    for i, m in enumerate(ctx.markets_in_turn(rng, n)):
        word = contexts[(i // n_markets) % len(contexts)]
        pattern = rf"\b{word}\b"
        hi = min(CONTEXT_RANKS[1], len(cat) // 2)
        band = ctx.year_round(
            np.flatnonzero(
                (cat.rank[m] >= min(CONTEXT_RANKS[0], hi // 4)) & (cat.rank[m] < hi)
                & (cat.release_day < 0)
            )
        )  # fmt: skip
        # on nobody's playlist in the market yet, or (a big dataset lists every track) on the
        # fewest owners', with enough planted owners that its ratio still stands out
        owners = _track_owners(ctx, m)
        band = band[owners[band] == owners[band].min()] if band.size else band
        matches = re.compile(pattern, re.IGNORECASE)
        needed = context_owners_needed(
            int(owners[band].min(initial=0)), _context_share(ctx, m, matches)
        )
        pool = ctx.active_pool(m, 0.3)
        pool = pool[~np.isin(pool, list(ctx.used_users))]
        drawn = int(rng.integers(*CONTEXT_OWNERS, endpoint=True))
        size = min(max(drawn, needed or 0), pool.size)
        if not band.size or needed is None or size < max(CONTEXT_OWNERS[0], needed):
            continue
        track = int(rng.choice(band))
        ctx.used_tracks.add(track)
        who = rng.choice(pool, size=size, replace=False)
        # their own playlist of that context if they have one, else a new one
        fitting = {}
        for index in np.flatnonzero(np.isin(book.owner, who)).tolist():
            if matches.search(book.names[index]):
                fitting.setdefault(int(book.owner[index]), index)
        new_owners = np.array([u for u in who.tolist() if u not in fitting], dtype=np.int64)
        titles = [
            str(rng.choice(CONTEXT_TITLES[word])).format(year=ctx.spec.year) for _ in new_owners
        ]
        created = _made_at(rng, rng.integers(1, ctx.spec.days - 30, new_owners.size))
        made = book.add(new_owners, titles, created)
        size_new = rng.integers(8, 31, new_owners.size)
        slot, tracks = fill_tracks(rng, ctx.spec, ctx.users, cat, ctx.history, new_owners, size_new)
        book.add_tracks(made[slot], tracks, fill_times(rng, ctx.spec, created, slot))
        target = np.array([fitting.get(u, -1) for u in who.tolist()])
        target[target < 0] = made
        last = (ctx.spec.days - LAST_DAY_FROM_END) * DAY_US - 1
        start = book.created_us[target]
        added = start + (rng.random(who.size) * (last - start)).astype(np.int64)
        book.add_tracks(target, np.full(who.size, track), added)
        # and they play it, now and then
        listeners = np.repeat(who, rng.choice([1, 2, 3], size=who.size, p=[0.5, 0.3, 0.2]))
        rows = ctx.streams_on(rng, m, listeners, track, ctx.pick_days(rng, m, listeners.size))
        plants.append(
            Plant(
                "playlist_context", "anomaly", m, 0, track, rows=rows,
                params={"context_pattern": pattern},
            )
        )  # fmt: skip
    return plants


# ---- playlist_title_count ---------------------------------------------------------------------
PLAYLIST_TITLE_COUNT_SQL = """
SELECT count(DISTINCT p.user_id) FROM playlists p JOIN user_markets m USING (user_id)
WHERE m.market = $market AND lower(trim(p.name)) = $subject
  AND year(timezone($tz, p.created_at)) = $year
"""
MEME_OWNERS = (60, 120)
MEME_MARGIN = 1.25  # over the market's most common natural title
MEME_WAVE_DAYS = 30


def title_owners(ctx: PlantContext, m: int) -> Counter[str]:
    """Kept owners of market m per normalised playlist title."""
    book = ctx.playlists
    kept = ctx.users.eligible[book.owner] & (ctx.users.market[book.owner] == m)
    titles = book.normalised()
    return Counter(
        title for title, _ in {(titles[i], int(book.owner[i])) for i in np.flatnonzero(kept)}
    )


def _spellings(title: str) -> tuple[list[str], list[float]]:
    """How people type the same title."""
    variants = [title, title.title(), title.capitalize(), title.upper(), title + " ",
                " " + title, title.title() + " "]  # fmt: skip
    return variants, [0.35, 0.25, 0.15, 0.08, 0.07, 0.05, 0.05]


@register("playlist_title_count", measure=PLAYLIST_TITLE_COUNT_SQL)
def plant_title_counts(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    book, plants = ctx.playlists, []
    memes = rng.permutation(np.array(names.MEME_PLAYLIST_TITLES, dtype=object)).tolist()
    for meme, m in zip(memes, ctx.markets_in_turn(rng, min(n, len(memes))), strict=False):
        common = max(title_owners(ctx, m).values(), default=0)
        wanted = max(int(rng.integers(*MEME_OWNERS, endpoint=True)), int(MEME_MARGIN * common) + 1)
        pool = ctx.active_pool(m, 0.3)
        pool = pool[~np.isin(pool, list(ctx.used_users))]
        size = min(wanted, pool.size)
        if size < MEME_OWNERS[0]:
            continue
        who = rng.choice(pool, size=size, replace=False)
        variants, p = _spellings(meme)
        titles = [variants[k] for k in rng.choice(len(variants), size=size, p=p).tolist()]
        wave = int(rng.integers(30, ctx.spec.days - MEME_WAVE_DAYS - 10))
        days = wave + np.minimum(rng.gamma(2.0, 4.0, size).astype(np.int64), MEME_WAVE_DAYS)
        created = _made_at(rng, days)
        made = book.add(who, titles, created)
        slot, tracks = fill_tracks(
            rng, ctx.spec, ctx.users, ctx.catalogue, ctx.history, who,
            rng.integers(5, 26, size),
        )  # fmt: skip
        book.add_tracks(made[slot], tracks, fill_times(rng, ctx.spec, created, slot))
        plants.append(Plant("playlist_title_count", "anomaly", m, 0, subject=meme))
    return plants
