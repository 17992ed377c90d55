"""Plant kinds about one listener: a year-long obsession, a marathon session.

repeat_in_year   anomaly  one listener streams one track 300–900 times over the year, on many
                          days but never more than 12 a day nor 10 days in a row
long_session     anomaly  one listener plays one artist 5–8 hours without a break on one day
                          (half of them on event days)
*_opted_out / *_under_age  the same, more extreme, by listeners the workspace removes
"""

from __future__ import annotations

import numpy as np

from campaign.synth.kinds import _repeat_days
from campaign.synth.plants import (
    Plant,
    PlantContext,
    above_background,
    register_with_privacy_decoys,
)
from campaign.synth.plays import Plays
from campaign.synth.spec import DAY_US, HOUR_US

# ---- repeat_in_year ---------------------------------------------------------------------------
REPEAT_IN_YEAR_SQL = """
SELECT count(*) FROM streams
WHERE market = $market AND track_id = $track_id AND user_id = $user_id AND year(day) = $year
"""
YEAR_PLAYS = (300, 900)
PRIVACY_YEAR_PLAYS = (950, 1300)
DAILY_CAP = 12  # streams of the track a day, natural ones included: never a repeat_on_day fact
MAX_RUN = 9  # days in a row at most: never a streak
OBSESSION_RANKS = (30, 3000)  # not a hit: the listener's own


def _days_without_long_runs(days: np.ndarray) -> np.ndarray:
    """Sorted distinct days, every run of more than MAX_RUN consecutive days broken."""
    days = np.unique(days)
    keep = np.ones(days.size, dtype=bool)
    run = 1
    for i in range(1, days.size):
        run = run + 1 if days[i] == days[i - 1] + 1 and keep[i - 1] else 1
        if run > MAX_RUN:
            keep[i] = False
    return days[keep]


def _spread(rng: np.random.Generator, total: int, room: np.ndarray) -> np.ndarray:
    """Split `total` plays over days with at most room[d] each: one or more a day, some heavy."""
    counts = np.minimum(room, 1)
    weight = rng.lognormal(0.0, 0.8, room.size)
    for _ in range(50):
        left = total - int(counts.sum())
        free = room - counts
        if left <= 0 or not free.any():
            break
        p = weight * (free > 0)
        counts += np.minimum(rng.multinomial(left, p / p.sum()), free)
    return counts


def _year_track(ctx: PlantContext, rng: np.random.Generator, m: int, user: int) -> int:
    """One of the listener's own tracks when they have one that is not a hit, else one the
    market likes."""
    cat = ctx.catalogue
    lo, hi = OBSESSION_RANKS
    own = ctx.year_round(ctx.history_tracks(user, ctx.spec.days))
    own = own[(cat.rank[m][own] >= lo) & (cat.rank[m][own] < hi) & (cat.release_day[own] < 0)]
    if own.size:
        return int(rng.choice(own))
    band = ctx.year_round(
        np.flatnonzero((cat.rank[m] >= lo) & (cat.rank[m] < hi) & (cat.release_day < 0))
    )
    p = cat.weight[m][band]
    return int(rng.choice(band, p=p / p.sum()))


def _unheard_tracks(ctx: PlantContext) -> np.ndarray:
    """Back-catalogue tracks nobody streams and no playlist holds: a removed listener's
    obsession with one of them leaves nothing any pack could report."""
    heard = ctx.natural.plays_per_track > 0
    heard[ctx.playlists.track] = True
    return ctx.year_round(np.flatnonzero(~heard & (ctx.catalogue.release_day < 0)))


def _plant_year_repeats(
    ctx: PlantContext, rng: np.random.Generator, n: int, role: str, plays: tuple[int, int]
) -> list[Plant]:
    plants = []
    markets = ctx.markets_by_size()
    for i in range(n):
        m = markets[i % len(markets)]
        pool = ctx.active_pool(m) if role == "anomaly" else ctx.privacy_pool(m, role)
        pool = pool[~np.isin(pool, list(ctx.used_users))]
        if not pool.size:
            continue
        user = int(rng.choice(pool))
        if role == "anomaly":
            track = _year_track(ctx, rng, m, user)
        else:
            unheard = _unheard_tracks(ctx)
            if not unheard.size:
                continue
            track = int(rng.choice(unheard))
        ctx.used_users.add(user)
        ctx.used_tracks.add(track)
        plays_range = above_background(plays, int(ctx.background.top_year_streams[m]))
        total = int(rng.integers(*plays_range, endpoint=True))
        mine = ctx.history.tracks(user)
        natural = np.bincount(
            ctx.history.day[ctx.history.bounds[user] : ctx.history.bounds[user + 1]][mine == track],
            minlength=ctx.spec.days + 2,
        )
        n_days = min(int(total / rng.uniform(3.0, 6.0)), int(0.6 * ctx.spec.days))
        days = _days_without_long_runs(ctx.pick_days(rng, m, n_days))
        days = days[natural[days] < DAILY_CAP]
        counts = _spread(rng, total, DAILY_CAP - natural[days])
        day_of_play = np.repeat(days, counts)
        rows = ctx.streams_on(rng, m, np.full(day_of_play.size, user), track, day_of_play)
        plants.append(Plant("repeat_in_year", role, m, 0, track, user, rows=rows))
    return plants


register_with_privacy_decoys(
    "repeat_in_year", _plant_year_repeats, YEAR_PLAYS, PRIVACY_YEAR_PLAYS, REPEAT_IN_YEAR_SQL
)


# ---- long_session -----------------------------------------------------------------------------
# A session is a run of one listener's streams, each starting less than 30 minutes after the one
# before it ended; it belongs to the local day it starts on; its minutes are the whole minutes
# listened (a planted session is back to back, so they are also its minutes from first start to
# last end); its artist holds at least 80 % of its plays.
LONG_SESSION_SQL = """
WITH mine AS (
    SELECT played_at, played_at + to_milliseconds(ms_played) AS ended, ms_played, artist_name
    FROM streams
    WHERE user_id = $user_id AND market = $market AND day BETWEEN $day - 1 AND $day + 1
),
marked AS (
    SELECT *, coalesce(played_at - lag(ended) OVER (ORDER BY played_at)
                       >= INTERVAL 30 MINUTE, true) AS starts
    FROM mine
),
numbered AS (SELECT *, sum(starts::INT) OVER (ORDER BY played_at) AS session FROM marked),
sessions AS (
    SELECT CAST(timezone($tz, min(played_at)) AS DATE) AS day,
           floor(sum(ms_played) / 60000) AS minutes,
           count(*) FILTER (WHERE artist_name = $subject) / count(*) AS share
    FROM numbered GROUP BY session
)
SELECT max(minutes) FROM sessions WHERE day = $day AND share >= 0.8
"""
SESSION_MINUTES = (300, 480)
PRIVACY_SESSION_MINUTES = (510, 600)
ARTIST_SHARE = 0.92  # of the session's plays; the rest are other artists' hits
MIN_ARTIST_TRACKS = 12  # so that no track is played more than about 12 times in the session
PRIVACY_MIN_ARTIST_TRACKS = 6
MIN_PLAY_MS = 30_000


def _playable(ctx: PlantContext, day: int) -> np.ndarray:
    """Tracks a session may play that day: released, no Christmas song, none another plant is
    about (a session would add to its count)."""
    return ctx.year_round(np.flatnonzero(ctx.catalogue.release_day <= day))


def _session_artist(
    ctx: PlantContext, rng: np.random.Generator, m: int, day: int, user: int, role: str
) -> int:
    """An artist with enough released songs for a whole day, the listener's own if possible;
    for a removed listener one nobody else plays that day, so no fact can name it."""
    cat = ctx.catalogue
    playable = _playable(ctx, day)
    tracks = np.bincount(cat.artist[playable], minlength=len(cat.artists))
    wanted = MIN_ARTIST_TRACKS if role == "anomaly" else PRIVACY_MIN_ARTIST_TRACKS
    ok = tracks >= min(wanted, tracks.max())
    ok[list(ctx.used_artists)] = False
    if role != "anomaly":
        markets = range(len(ctx.spec.markets))
        played = np.concatenate([ctx.natural.track[ctx.rows(o, day - 1, day + 2)] for o in markets])
        ok[cat.artist[played]] = False
        candidates = np.flatnonzero(ok)
        return int(rng.choice(candidates)) if candidates.size else -1
    own = np.unique(cat.artist[ctx.history_tracks(user, day)])
    own = own[ok[own]]
    if own.size and rng.random() < 0.7:
        return int(rng.choice(own))
    liked = np.bincount(cat.artist, weights=cat.weight[m], minlength=len(cat.artists)) * ok
    return int(rng.choice(liked.size, p=liked / liked.sum()))


def session_plays(
    ctx: PlantContext,
    rng: np.random.Generator,
    m: int,
    day: int,
    user: int,
    artist: int,
    minutes: int,
) -> Plays:
    """Back-to-back streams (each starts the moment the one before ends) of one artist's songs,
    a few hits of others between them, lasting exactly `minutes`: the last song is stopped at
    the minute, or the others' few seconds of fade-out are trimmed."""
    cat = ctx.catalogue
    playable = _playable(ctx, day)
    own = playable[cat.artist[playable] == artist]
    others = ctx.year_round(np.flatnonzero(cat.rank[m] < 200))
    target = minutes * 60_000
    track, ms = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    while ms.sum() < target + 600_000:  # the artist's songs shuffled, again and again
        batch = rng.permutation(own)
        other = (rng.random(batch.size) > ARTIST_SHARE) & (others.size > 0)
        batch[other] = rng.choice(others, size=int(other.sum())) if others.size else batch[other]
        track = np.r_[track, batch]
        full = cat.duration_ms[batch].astype(np.int64)
        ms = np.r_[ms, full - rng.integers(0, 2500, batch.size)]
    k = int(np.searchsorted(np.cumsum(ms), target))  # play k ends at or after the target
    ms, track = ms[: k + 1], track[: k + 1]
    over = int(ms.sum()) - target
    if ms[k] - over >= MIN_PLAY_MS:
        ms[k] -= over  # the listener stops mid-song, on the minute
    else:  # the last song would be too short to stream: drop it, play the others to the end
        ms, track = ms[:k], track[:k]
        short = target - int(ms.sum())
        fade = cat.duration_ms[track].astype(np.int64) - ms
        ms += np.floor(fade * short / max(int(fade.sum()), 1)).astype(np.int64)
        ms[np.argmax(cat.duration_ms[track] - ms)] += target - int(ms.sum())
    start = day * DAY_US + int(rng.uniform(8.5, 13.5) * HOUR_US)
    local = start + np.r_[0, np.cumsum(ms[:-1])] * 1000
    rows = Plays(
        user=np.full(track.size, user, dtype=np.int32),
        track=track.astype(np.int32),
        market=np.full(track.size, m, dtype=np.int8),
        local_us=local.astype(np.int64),
        ms_played=ms.astype(np.int32),
        skipped=np.zeros(track.size, dtype=bool),
        platform=np.full(track.size, ctx.users.platform[user], dtype=np.int8),
    )
    return rows


def _plant_sessions(
    ctx: PlantContext, rng: np.random.Generator, n: int, role: str, minutes: tuple[int, int]
) -> list[Plant]:
    plants = []
    for m, day, _ in _repeat_days(ctx, rng, n):
        pool = ctx.active_pool(m) if role == "anomaly" else ctx.privacy_pool(m, role)
        busy = [p.rows.user[p.rows.local_us // DAY_US == day] for p in ctx.plants if p.rows]
        pool = pool[~np.isin(pool, [*ctx.used_users, *np.concatenate([[], *busy]).tolist()])]
        if not pool.size:
            continue
        user = int(rng.choice(pool))
        artist = _session_artist(ctx, rng, m, day, user, role)
        if artist < 0:
            continue
        ctx.used_users.add(user)
        ctx.used_artists.add(artist)
        rows = session_plays(
            ctx, rng, m, day, user, artist, int(rng.integers(*minutes, endpoint=True))
        )
        today = ctx.rows(m, day, day + 1)
        drop = today[ctx.natural.user[today] == user]  # nothing else that day: one clean session
        plants.append(
            Plant(
                "long_session", role, m, day, user=user, rows=rows, drop=drop,
                subject=ctx.catalogue.artists[artist],
            )
        )  # fmt: skip
    return plants


register_with_privacy_decoys(
    "long_session", _plant_sessions, SESSION_MINUTES, PRIVACY_SESSION_MINUTES, LONG_SESSION_SQL
)
