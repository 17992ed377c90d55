"""Plant kinds about a group of listeners and one track (or theme) over weeks or the whole year.

off_season  anomaly  60–120 more listeners stream Christmas songs in June or July, plus
                     1.5–2.5 times the mean of the other off-season months (the pack's level)
streak      anomaly  60–90 listeners stream one (not top) track every day for 18–25 days, their
                     streaks starting over five weeks (so the track never jumps in one day)
skip_point  anomaly  60–100 listeners skip one track (one skipped 20–60 times after its intro
                     anyway) at the same second (a 2.5-second window inside one 5-second bin,
                     whichever way the bins are cut), over the year
hook_point  anomaly  60–80 listeners stream a track once on two separate days, then binge it
                     (3–5 a day on 4–7 days), 20 streams or more in all: hooked after 2 plays

Each is spread over many days, so that no day holds a spike, and every listener streams the
track at most a few times a day, so that nobody repeats it as on a repeat_on_day.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from campaign.synth.background import HOOK_MIN_STREAMS, STREAK_MIN_DAYS
from campaign.synth.names import HOLIDAY_TITLES
from campaign.synth.plants import Plant, PlantContext, above_background, register
from campaign.synth.plays import Plays
from campaign.synth.rhythm import day_of

# ---- off_season -------------------------------------------------------------------------------
HOLIDAY_SUBJECT = "holiday music"
OFF_SEASON_SQL = """
SELECT count(DISTINCT user_id) FROM streams
WHERE market = $market AND day >= $day AND day < $day + INTERVAL 1 MONTH
  AND regexp_matches(track_name, $pattern, 'i')
"""
OFF_SEASON_MONTHS = (7, 6)  # July ("Christmas in July"), then June
OFF_SEASON_LISTENERS = (60, 120)  # listeners beyond the lift
OFF_SEASON = range(2, 11)  # the months outside the pack's season (November to January)
# more listeners still, as a multiple of the mean of the other off-season months: the pack's
# level, which grows with the data (its min_ratio is 2)
OFF_SEASON_LIFT = (1.5, 2.5)


def _holiday_listeners(ctx: PlantContext, m: int, month: int, holiday: np.ndarray) -> np.ndarray:
    """Listeners of market m who streamed a holiday song that month, in the natural plays."""
    rows = ctx.rows(m, *_month(ctx, month))
    rows = rows[ctx.streams(rows) & np.isin(ctx.natural.track[rows], holiday)]
    return np.unique(ctx.natural.user[rows])


def _month(ctx: PlantContext, month: int) -> tuple[int, int]:
    """[first, end) local day indices of a month of the year."""
    year = ctx.spec.year
    end = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return day_of(ctx.spec, date(year, month, 1)), day_of(ctx.spec, end)


@register("off_season", measure=OFF_SEASON_SQL)
def plant_off_season(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    cat, plants = ctx.catalogue, []
    holiday = np.flatnonzero(ctx.seasonal & (cat.release_day < 0))
    if not holiday.size:
        return []
    n_markets = len(ctx.spec.markets)
    n = min(n, n_markets * len(OFF_SEASON_MONTHS))
    by_market: dict[int, dict[int, np.ndarray]] = {}  # natural: read once per market and month
    for i, m in enumerate(ctx.markets_in_turn(rng, n)):
        month = OFF_SEASON_MONTHS[i // n_markets]
        first, end = _month(ctx, month)
        listeners = by_market.setdefault(
            m, {o: _holiday_listeners(ctx, m, o, holiday) for o in OFF_SEASON}
        )
        pool = np.setdiff1d(ctx.listeners_pool(m), listeners[month])
        pool = pool[~np.isin(pool, list(ctx.used_users))]
        # on top of what the other off-season months hold (the pack's level), at any size
        others = [listeners[o].size for o in OFF_SEASON if o != month]
        lift = rng.uniform(*OFF_SEASON_LIFT) * float(np.mean(others))
        size = int(rng.integers(*OFF_SEASON_LISTENERS, endpoint=True)) + int(lift)
        size = min(size, pool.size)
        if size < OFF_SEASON_LISTENERS[0]:
            continue
        who = rng.choice(pool, size=size, replace=False)
        # each streams one to three of the market's favourite Christmas songs, once or a few times
        songs = rng.choice([1, 2, 3], size=size, p=[0.5, 0.3, 0.2])
        user = np.repeat(who, songs)
        p = cat.weight[m][holiday]
        track = rng.choice(holiday, size=user.size, p=p / p.sum())
        times = rng.choice([1, 2, 3], size=user.size, p=[0.6, 0.3, 0.1])
        user, track = np.repeat(user, times), np.repeat(track, times)
        days = ctx.pick_days(rng, m, user.size, first, end)
        plants.append(
            Plant(
                "off_season", "anomaly", m, first, rows=ctx.streams_on(rng, m, user, track, days),
                subject=HOLIDAY_SUBJECT, params={"pattern": HOLIDAY_TITLES},
            )
        )  # fmt: skip
    return plants


def _band(ctx: PlantContext, m: int, ranks: tuple[int, int], released_by: int = 0) -> np.ndarray:
    """Unused tracks of market m in a popularity rank band, released before a day."""
    cat = ctx.catalogue
    hi = min(ranks[1], len(cat) // 2)
    lo = min(ranks[0], hi // 4)
    return ctx.year_round(
        np.flatnonzero((cat.rank[m] >= lo) & (cat.rank[m] < hi) & (cat.release_day < released_by))
    )


def _cohort(
    ctx: PlantContext, rng: np.random.Generator, m: int, size: tuple[int, int]
) -> np.ndarray:
    """A cohort of active, eligible listeners of market m not planted on yet as individuals;
    empty when the market has too few."""
    pool = ctx.active_pool(m, 0.3)
    pool = pool[~np.isin(pool, list(ctx.used_users))]
    n = min(int(rng.integers(*size, endpoint=True)), pool.size)
    return rng.choice(pool, size=n, replace=False) if n >= size[0] else pool[:0]


# ---- streak -----------------------------------------------------------------------------------
STREAK_SQL = """
WITH days AS (
    SELECT DISTINCT user_id, day FROM streams WHERE market = $market AND track_id = $track_id
),
runs AS (
    SELECT user_id, min(day) AS first_day, count(*) AS days
    FROM (SELECT user_id, day,
                 day - CAST(row_number() OVER (PARTITION BY user_id ORDER BY day) AS INTEGER) AS run
          FROM days)
    GROUP BY user_id, run
)
SELECT count(DISTINCT user_id), min(first_day) AS day FROM runs
WHERE days >= $min_days AND year(first_day) = $year
"""
STREAK_LISTENERS = (60, 90)
STREAK_DAYS = (18, 25)
STREAK_JOIN_DAYS = 35  # listeners start their streaks over this many days
STREAK_RANKS = (100, 1500)


@register("streak", measure=STREAK_SQL)
def plant_streaks(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    plants = []
    last_start = ctx.spec.days - STREAK_JOIN_DAYS - STREAK_DAYS[1] - 5
    for m in ctx.markets_in_turn(rng, n):
        start = int(rng.integers(45, max(last_start, 46)))
        band = _band(ctx, m, STREAK_RANKS, released_by=start - 60)
        who = _cohort(ctx, rng, m, above_background(STREAK_LISTENERS, ctx.background.top_streak(m)))
        if not band.size or not who.size:
            continue
        track = int(rng.choice(band))
        ctx.used_tracks.add(track)
        first = start + np.minimum(
            (rng.random(who.size) * STREAK_JOIN_DAYS).astype(np.int64), STREAK_JOIN_DAYS - 1
        )
        first[0] = start
        length = rng.integers(STREAK_DAYS[0], STREAK_DAYS[1], who.size, endpoint=True)
        user = np.repeat(who, length)
        nth = np.arange(user.size) - np.repeat(np.cumsum(length) - length, length)
        day = np.repeat(first, length) + nth
        times = rng.choice([1, 2], size=user.size, p=[0.9, 0.1])
        user, day = np.repeat(user, times), np.repeat(day, times)
        plants.append(
            Plant(
                "streak", "anomaly", m, start, track, rows=ctx.streams_on(rng, m, user, track, day),
                params={"min_days": STREAK_MIN_DAYS},
            )
        )  # fmt: skip
    return plants


# ---- skip_point -------------------------------------------------------------------------------
SKIP_POINT_SQL = """
SELECT count(DISTINCT user_id) FROM listens
WHERE market = $market AND track_id = $track_id AND skipped
  AND ms_played >= $second * 1000 AND ms_played < ($second + 5) * 1000
  AND year(timezone($tz, played_at)) = $year
"""
SKIP_LISTENERS = (60, 100)
SKIP_SECONDS = (35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 90)
# The track's own natural skips after the intro (≥ 30 s, where a skip point can be): enough of
# them, spread over the song, that one second stands out against an even spread however the
# windows are counted; and few enough skips in all that no window, not even in the intro where
# most skips are, holds as many listeners as the planted second.
LATE_SKIPS = (20, 60)
MAX_SKIPS = 400
BACKGROUND_SKIPS = 25  # skips after the intro a planted track has at least, the planted aside


def _skip_track(ctx: PlantContext, rng: np.random.Generator, m: int) -> int:
    rows = ctx.rows(m, 0, ctx.spec.days + 2)
    rows = rows[ctx.natural.skipped[rows]]
    n = len(ctx.catalogue)
    skips = np.bincount(ctx.natural.track[rows], minlength=n)
    late_rows = rows[ctx.natural.ms_played[rows] >= 30_000]
    late = np.bincount(ctx.natural.track[late_rows], minlength=n)
    cat = ctx.catalogue
    ok = np.zeros(n, dtype=bool)
    ok[ctx.year_round(np.flatnonzero((cat.duration_ms >= 150_000) & (cat.release_day < 0)))] = True
    ok &= skips <= MAX_SKIPS
    band = np.flatnonzero(ok & (late >= LATE_SKIPS[0]) & (late <= LATE_SKIPS[1]))
    if not band.size:  # a small dataset: the tracks skipped most after the intro
        band = np.flatnonzero(ok & (late > 0))
        band = band[np.argsort(-late[band], kind="stable")[:10]]
    return int(rng.choice(band)) if band.size else -1


@register("skip_point", measure=SKIP_POINT_SQL)
def plant_skip_points(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    plants = []
    for m in ctx.markets_in_turn(rng, n):
        track = _skip_track(ctx, rng, m)
        who = _cohort(ctx, rng, m, SKIP_LISTENERS)
        if track < 0 or not who.size:
            continue
        ctx.used_tracks.add(track)
        second = int(rng.choice(SKIP_SECONDS))
        # every skip in [second + 2.5, second + 5): one 5-second bin whether bins start at whole
        # multiples of 5 s or are centred on them
        skips = ctx.streams_on(rng, m, who, track, ctx.pick_days(rng, m, who.size))
        skips.ms_played[:] = second * 1000 + rng.integers(2500, 5000, who.size)
        skips.skipped[:] = True
        # some of them play it through on other days too
        again = np.repeat(who, rng.choice([0, 1, 2, 3], size=who.size, p=[0.55, 0.25, 0.12, 0.08]))
        full = ctx.streams_on(rng, m, again, track, ctx.pick_days(rng, m, again.size))
        # natural skips near that second would blur the point: they go
        natural = ctx.track_rows(m, track)
        ms = ctx.natural.ms_played[natural]
        near = (ms >= second * 1000 - 2500) & (ms < second * 1000 + 7500)
        drop = natural[ctx.natural.skipped[natural] & near]
        late = int((ctx.natural.skipped[natural] & (ms >= 30_000) & ~near).sum())
        scattered = _scattered_skips(ctx, rng, m, track, second, BACKGROUND_SKIPS - late)
        plants.append(
            Plant(
                "skip_point", "anomaly", m, 0, track, drop=drop, params={"second": second},
                rows=Plays.concat([skips, full, scattered]),
            )
        )  # fmt: skip
    return plants


def _scattered_skips(
    ctx: PlantContext, rng: np.random.Generator, m: int, track: int, second: int, n: int
) -> Plays:
    """n more listeners who skip the track somewhere after its intro, away from the planted
    second: the even spread that second stands out against (a small dataset has too few)."""
    pool = ctx.listeners_pool(m)
    who = rng.choice(pool, size=min(max(n, 0), pool.size), replace=False)
    rows = ctx.streams_on(rng, m, who, track, ctx.pick_days(rng, m, who.size))
    end = int(0.9 * ctx.catalogue.duration_ms[track])
    at = rng.integers(30_000, end - 15_000, who.size)
    at[at >= second * 1000 - 2500] += 15_000  # jump over [second - 2.5 s, second + 12.5 s)
    rows.ms_played[:] = at
    rows.skipped[:] = True
    return rows


# ---- hook_point -------------------------------------------------------------------------------
HOOK_POINT_SQL = """
WITH daily AS (
    SELECT user_id, day, count(*) AS n FROM streams
    WHERE market = $market AND track_id = $track_id AND year(day) = $year
    GROUP BY ALL
),
hooked AS (SELECT user_id FROM daily GROUP BY user_id HAVING sum(n) >= $min_streams),
first_binge AS (
    SELECT user_id, min(day) AS day FROM daily SEMI JOIN hooked USING (user_id)
    WHERE n >= 3 GROUP BY user_id
),
hooks AS (
    SELECT f.user_id, coalesce(sum(d.n) FILTER (WHERE d.day < f.day), 0) AS plays
    FROM first_binge f JOIN daily d USING (user_id) GROUP BY f.user_id
),
modal AS (SELECT plays FROM hooks GROUP BY plays ORDER BY count(*) DESC, plays LIMIT 1)
SELECT count(*) FROM hooks WHERE plays = (SELECT plays FROM modal)
"""
HOOK_LISTENERS = (60, 80)
HOOK_RANKS = (50, 1500)
BINGE_DAYS = (4, 7)
BINGE_PER_DAY = (3, 5)


def _hook_days(ctx: PlantContext, rng: np.random.Generator, m: int) -> np.ndarray:
    """One listener's days with this track, a day per stream: two single days, then a binge
    of BINGE_DAYS days with 3–5 streams each within three weeks, 20 or more in all, then now
    and then one more."""
    d0 = int(ctx.pick_days(rng, m, 1, 5, ctx.spec.days - 80)[0])
    d1 = d0 + int(rng.integers(1, 11))
    b0 = d1 + int(rng.integers(1, 15))
    k = int(rng.integers(*BINGE_DAYS, endpoint=True))
    binge = np.r_[b0, b0 + np.sort(rng.choice(np.arange(1, 21), size=k - 1, replace=False))]
    per_day = rng.integers(*BINGE_PER_DAY, endpoint=True, size=k)
    while 2 + per_day.sum() < HOOK_MIN_STREAMS:
        room = np.flatnonzero(per_day < BINGE_PER_DAY[1])
        per_day[rng.choice(room)] += 1
    after = np.arange(binge[-1] + 2, ctx.spec.days)
    tail = rng.choice(after, size=min(int(rng.integers(0, 4)), after.size), replace=False)
    return np.r_[d0, d1, np.repeat(binge, per_day), np.sort(tail)]


@register("hook_point", measure=HOOK_POINT_SQL)
def plant_hook_points(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    plants = []
    for m in ctx.markets_in_turn(rng, n):
        band = _band(ctx, m, HOOK_RANKS)
        # a track nobody is hooked on yet: no listener streams it 8 times or more
        rows = ctx.rows(m, 0, ctx.spec.days + 2)
        rows = rows[np.isin(ctx.natural.track[rows], band)]
        pairs, n_plays = np.unique(
            ctx.natural.track[rows].astype(np.int64) << 32 | ctx.natural.user[rows],
            return_counts=True,
        )
        fresh = np.setdiff1d(band, pairs[n_plays >= 8] >> 32)
        who = _cohort(ctx, rng, m, above_background(HOOK_LISTENERS, ctx.background.top_hook(m)))
        if not fresh.size or not who.size:
            continue
        track = int(rng.choice(fresh))
        ctx.used_tracks.add(track)
        days = [_hook_days(ctx, rng, m) for _ in who]
        user = np.repeat(who, [d.size for d in days])
        rows = ctx.streams_on(rng, m, user, track, np.concatenate(days))
        natural = ctx.track_rows(m, track)
        drop = natural[np.isin(ctx.natural.user[natural], who)]  # their story starts with us
        plants.append(
            Plant(
                "hook_point", "anomaly", m, 0, track, rows=rows, drop=drop,
                params={"min_streams": HOOK_MIN_STREAMS},
            )
        )  # fmt: skip
    return plants
