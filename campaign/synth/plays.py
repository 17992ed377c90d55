"""Natural listening: sessions of consecutive plays, vectorised (no Python loop per play).

A play's time is kept as local wall-clock microseconds since 1 January 00:00 of the market
(`local_us`) until the very end, where it becomes UTC; so every rhythm is a local one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields

import numpy as np

from campaign.synth import names
from campaign.synth.population import PLATFORMS, Catalogue, Users, release_ramp
from campaign.synth.rhythm import hourly_profiles, theme_season
from campaign.synth.spec import DAY_US, HOUR_US, SynthSpec

SESSION_CONTINUE = 0.85  # chance that a session goes on after each play (mean ~6.7 plays)
MAX_SESSION = 60
REPLAY_SHARE = 0.07  # play the same track again right away
FAVOURITE_SHARE = 0.04  # play one's favourite track
SKIP_SHARE, REPLAY_SKIP_SHARE = 0.25, 0.08
LATE_SKIP_SHARE = 0.15  # of skips, those that come after 30 s (still a stream)
OTHER_DEVICE_SHARE = 0.12
# Nobody plays one track more than this many times on a normal day (real heavy listeners
# top out around 10–20); planted repeats start at 30.
NATURAL_REPEAT_CAP = 15
STREAM_CHUNKS = 300  # random stream family of the natural plays' chunks (see SynthSpec.rng)


@dataclass
class Plays:
    user: np.ndarray  # int32, index into Users
    track: np.ndarray  # int32, index into Catalogue
    market: np.ndarray  # int8, index into spec.markets
    local_us: np.ndarray  # int64, local wall clock since 1 January 00:00
    ms_played: np.ndarray  # int32
    skipped: np.ndarray  # bool
    platform: np.ndarray  # int8, index into PLATFORMS

    def __len__(self) -> int:
        return int(self.user.size)

    @property
    def local_day(self) -> np.ndarray:
        return self.local_us // DAY_US

    def take(self, index: np.ndarray) -> Plays:
        return Plays(*(getattr(self, f.name)[index] for f in fields(self)))

    @classmethod
    def concat(cls, parts: list[Plays]) -> Plays:
        return cls(*(np.concatenate([getattr(p, f.name) for p in parts]) for f in fields(cls)))


def play_rows(
    catalogue: Catalogue,
    users: Users,
    user: np.ndarray,
    track: np.ndarray,
    market: int,
    local_us: np.ndarray,
) -> Plays:
    """Full plays (not skipped, ≥ 30 s) on each listener's main device: what plants add."""
    user = np.asarray(user, dtype=np.int32)
    track = np.broadcast_to(np.asarray(track, dtype=np.int32), user.shape).copy()
    ms = catalogue.duration_ms[track] - (np.asarray(local_us) % 1500).astype(np.int32)
    return Plays(
        user=user,
        track=track,
        market=np.full(user.size, market, dtype=np.int8),
        local_us=np.asarray(local_us, dtype=np.int64),
        ms_played=ms.astype(np.int32),
        skipped=np.zeros(user.size, dtype=bool),
        platform=users.platform[user],
    )


CHUNK_PLAYS = 1_000_000  # plays generated (and held in full) at a time: what bounds memory


@dataclass
class Sessions:
    """Listening sessions, grouped by user: who, how many plays, from which local moment."""

    user: np.ndarray  # int32
    market: np.ndarray  # int8
    day: np.ndarray  # int16 local day index
    start_us: np.ndarray  # int64 local µs of the first play
    length: np.ndarray  # int16 plays (at most MAX_SESSION)

    def take(self, index: slice) -> Sessions:
        return Sessions(*(getattr(self, f.name)[index] for f in fields(self)))


def natural_sessions(
    spec: SynthSpec,
    users: Users,
    day_weights: list[np.ndarray],
    day_types: list[np.ndarray],
    rng: np.random.Generator,
) -> Sessions:
    """Sessions for spec.plays plays in all: who, which local day, which local hour."""
    n_plays = spec.plays
    length = np.minimum(rng.geometric(1 - SESSION_CONTINUE, n_plays // 3 + 100), MAX_SESSION)
    n_sessions = int(np.searchsorted(np.cumsum(length), n_plays)) + 1
    length = length[:n_sessions]
    length[-1] -= length.sum() - n_plays
    p_user = users.activity / users.activity.sum()
    s_user = rng.choice(len(users.ids), size=n_sessions, p=p_user).astype(np.int32)
    s_market = users.market[s_user]
    s_day = np.zeros(n_sessions, dtype=np.int64)
    s_hour = np.zeros(n_sessions, dtype=np.int64)
    for m, code in enumerate(spec.markets):
        rows = np.flatnonzero(s_market == m)
        cdf = np.cumsum(day_weights[m])
        s_day[rows] = np.minimum(
            np.searchsorted(cdf / cdf[-1], rng.random(rows.size), side="right"), spec.days - 1
        )
        kind = day_types[m][s_day[rows]]
        hour_cdf = np.cumsum(hourly_profiles(code), axis=1)
        hour_cdf = (hour_cdf / hour_cdf[:, -1:] + np.arange(4)[:, None]).ravel()
        u = kind + rng.random(rows.size) * (1 - 1e-12)
        s_hour[rows] = np.searchsorted(hour_cdf, u, side="right") - kind * 24
    s_start = s_day * DAY_US + s_hour * HOUR_US + rng.integers(0, HOUR_US, n_sessions)
    by_user = np.argsort(s_user, kind="stable")  # a user's sessions in one chunk (the repeat cap)
    return Sessions(
        s_user[by_user], s_market[by_user], s_day[by_user].astype(np.int16), s_start[by_user],
        length[by_user].astype(np.int16),
    )  # fmt: skip


def chunk_bounds(sessions: Sessions, chunk_plays: int) -> list[tuple[int, int]]:
    """Session ranges of about `chunk_plays` plays each, cut only between users, so that each
    user's plays (and the repeat cap on them) lie in one chunk."""
    ends = np.cumsum(sessions.length)
    user_ends = np.flatnonzero(np.r_[sessions.user[1:] != sessions.user[:-1], True]) + 1
    targets = np.arange(chunk_plays, int(ends[-1]) + chunk_plays, chunk_plays)
    at = np.minimum(np.searchsorted(ends[user_ends - 1], targets), user_ends.size - 1)
    cuts = np.unique(user_ends[at])
    starts = np.r_[0, cuts[:-1]]
    return list(zip(starts.tolist(), cuts.tolist(), strict=True))


def natural_chunks(
    spec: SynthSpec,
    users: Users,
    catalogue: Catalogue,
    sessions: Sessions,
) -> Iterator[Plays]:
    """The natural plays, a chunk of whole users at a time (CHUNK_PLAYS); each chunk has its
    own random stream, so a chunk's plays do not depend on what was drawn before it."""
    sampler = TrackSampler(spec, catalogue)
    favourite = _favourites(users, catalogue, spec.rng(STREAM_CHUNKS))
    for index, (lo, hi) in enumerate(chunk_bounds(sessions, CHUNK_PLAYS)):
        chunk_rng = spec.rng(STREAM_CHUNKS, index + 1)
        yield _session_plays(users, catalogue, sessions.take(slice(lo, hi)), sampler,
                             favourite, chunk_rng)  # fmt: skip


def _session_plays(
    users: Users,
    catalogue: Catalogue,
    sessions: Sessions,
    sampler: TrackSampler,
    favourite: np.ndarray,
    rng: np.random.Generator,
) -> Plays:
    """The plays of some sessions, one after another."""
    length = sessions.length
    n_plays = int(length.sum())
    session = np.repeat(np.arange(length.size), length)
    first = np.r_[0, np.cumsum(length)[:-1]]
    position = np.arange(n_plays) - first[session]
    user, market = sessions.user[session], sessions.market[session]
    day = sessions.day[session].astype(np.int64)

    track = sampler.draw(market, day, rng)
    fav = rng.random(n_plays) < FAVOURITE_SHARE
    track[fav] = favourite[user[fav]]
    replay = (rng.random(n_plays) < REPLAY_SHARE) & (position > 0)
    track = track[np.maximum.accumulate(np.where(replay, 0, np.arange(n_plays)))]

    duration = catalogue.duration_ms[track].astype(np.int64)
    skip = rng.random(n_plays) < np.where(replay, REPLAY_SKIP_SHARE, SKIP_SHARE)
    late = skip & (rng.random(n_plays) < LATE_SKIP_SHARE)
    ms = duration - rng.integers(0, 2500, n_plays)
    early = skip & ~late
    ms[early] = rng.integers(800, 30_000, early.sum())
    ms[late] = (30_000 + rng.random(late.sum()) * (0.9 * duration[late] - 30_000)).astype(int)

    # Each play starts when the previous one of its session ended, after a short gap.
    gap = rng.integers(0, 4_000_000, n_plays)
    pause = rng.random(n_plays) < 0.04
    gap[pause] = rng.integers(10_000_000, 900_000_000, pause.sum())
    step = ms * 1000 + gap
    ends = np.cumsum(step)
    offset = ends - step
    local_us = sessions.start_us[session] + offset - offset[first][session]

    platform = users.platform[user].copy()
    other = rng.random(n_plays) < OTHER_DEVICE_SHARE
    platform[other] = rng.integers(0, len(PLATFORMS), other.sum())
    plays = Plays(
        user=user,
        track=track.astype(np.int32),
        market=market.astype(np.int8),
        local_us=local_us.astype(np.int64),
        ms_played=ms.astype(np.int32),
        skipped=skip,
        platform=platform.astype(np.int8),
    )
    _cap_repeats(plays, catalogue, rng)
    return plays


class TrackSampler:
    """A track per play from its market's popularity on its day (`day_factors`): the cumulative
    table is built once per market and shared by every chunk."""

    def __init__(self, spec: SynthSpec, catalogue: Catalogue):
        factor = day_factors(spec, catalogue)
        self.n_tracks, self.n_days = len(catalogue), spec.days
        self.cdf = []
        for m in range(len(spec.markets)):
            cdf = np.cumsum(factor * catalogue.weight[m], axis=1)
            cdf /= cdf[:, -1:]
            cdf += np.arange(spec.days)[:, None]
            self.cdf.append(cdf.ravel())

    def draw(self, market: np.ndarray, day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        track = np.empty(market.size, dtype=np.int64)
        for m, cdf in enumerate(self.cdf):
            rows = np.flatnonzero(market == m)
            d = day[rows]
            u = d + rng.random(rows.size) * (1 - 1e-12)
            order = np.argsort(u)  # sorted needles: a cache-friendly search
            found = np.empty(rows.size, dtype=np.int64)
            found[order] = np.searchsorted(cdf, u[order], side="right")
            track[rows] = found - d * self.n_tracks
        return track


def day_factors(spec: SynthSpec, catalogue: Catalogue) -> np.ndarray:
    """(days, tracks): each track's popularity on each day relative to its Zipf weight: zero
    before a new release's day then ramping up, themed tracks in their season. The plays and
    the synthetic charts (charts.py) draw from the same factors."""
    factor = np.ones((spec.days, len(catalogue)))
    new = np.flatnonzero(catalogue.release_day >= 0)
    ages = np.arange(spec.days)[:, None] - catalogue.release_day[new][None, :]
    factor[:, new] = release_ramp(ages)
    for index, theme in enumerate(names.THEME_NAMES[1:], start=1):
        themed = np.flatnonzero(catalogue.theme == index)
        factor[:, themed] *= theme_season(spec, theme)[:, None]
    return factor


def back_catalogue_sampler(catalogue: Catalogue, m: int) -> np.ndarray:
    """Probabilities over tracks released before the year, by market m's popularity."""
    p = catalogue.weight[m] * (catalogue.release_day < 0)
    return p / p.sum()


def _favourites(users: Users, catalogue: Catalogue, rng: np.random.Generator) -> np.ndarray:
    favourite = np.zeros(len(users.ids), dtype=np.int64)
    for m in range(catalogue.weight.shape[0]):
        rows = np.flatnonzero(users.market == m)
        p = back_catalogue_sampler(catalogue, m)
        favourite[rows] = rng.choice(len(catalogue), size=rows.size, p=p)
    return favourite


def repeat_keys(plays: Plays, n_tracks: int) -> np.ndarray:
    """One int64 per user × track × local day."""
    return (plays.user.astype(np.int64) * n_tracks + plays.track) * 400 + plays.local_day


def _cap_repeats(plays: Plays, catalogue: Catalogue, rng: np.random.Generator) -> None:
    """Heavy listeners repeat their favourites, but no more than NATURAL_REPEAT_CAP times a day:
    plays past the cap get another track."""
    for _ in range(5):
        key = repeat_keys(plays, len(catalogue))
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        start = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
        rank = np.arange(key.size) - np.maximum.accumulate(np.where(start, np.arange(key.size), 0))
        excess = order[rank >= NATURAL_REPEAT_CAP]
        if excess.size == 0:
            return
        for m in range(catalogue.weight.shape[0]):
            rows = excess[plays.market[excess] == m]
            p = back_catalogue_sampler(catalogue, m)
            plays.track[rows] = rng.choice(len(catalogue), size=rows.size, p=p)
        new_ms = catalogue.duration_ms[plays.track[excess]]
        kept = np.minimum(plays.ms_played[excess], new_ms - 1000)
        plays.ms_played[excess] = np.where(plays.skipped[excess], kept, new_ms)
