"""Plant kinds about a market's whole year: a weekday habit, a local hit, the number one.

weekday_affinity  anomaly  70–110 listeners stream one track on its weekday (a "Friday" song on
                           Fridays) on 3–10 weeks of the year, and more for 0.6–1 times its
                           natural streams: most of its streams on that day
market_contrast   anomaly  a local track breaks out in one market, among its few most streamed of
                           the year (75–95 % of its second, and 1.15–1.4 times the market's
                           biggest natural contrast), and is barely heard elsewhere (one stream
                           at most)
market_total      anomaly  one of a market's top five, liked elsewhere too, becomes its number one
                           of the year, 30–50 % ahead of the runner-up; the other markets stream it
                           enough that it is a global hit, not a market contrast (its share at
                           home at most 2.5 times its share elsewhere); planted last, so that its
                           margin holds over every track the other kinds made big

All of them grow over weeks, never in a day: no spike comes with them.
"""

from __future__ import annotations

import re

import numpy as np

from campaign.synth.kinds_cohort import _band, _cohort
from campaign.synth.plants import Plant, PlantContext, register
from campaign.synth.plays import Plays
from campaign.synth.rhythm import weekday_of

# ---- weekday_affinity -------------------------------------------------------------------------
WEEKDAY_AFFINITY_SQL = """
SELECT max(streams) FROM (
    SELECT dayofweek(day) AS weekday, count(*) AS streams FROM streams
    WHERE market = $market AND track_id = $track_id AND year(day) = $year
    GROUP BY weekday
)
"""
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAY_LISTENERS = (70, 110)  # listeners beyond the lift
# More listeners still, for this share of the track's natural streams in the market (which
# grow with the data): its weekday then stays about 3 times what its total predicts, the pack's
# min_ratio being 1.8. Each listener streams it some 7.8 times (6.5 weeks, 1.2 a day, and now
# and then on another day).
WEEKDAY_LIFT = (0.6, 1.0)
WEEKDAY_STREAMS_PER_LISTENER = 7.8
WEEKDAY_WEEKS = (3, 10)  # weeks of the year each listener plays it on its day
WEEKDAY_RANKS = (100, 2000)


def _weekday_track(ctx: PlantContext, rng: np.random.Generator, m: int) -> tuple[int, int] | None:
    """(track, weekday): a title that names its day when there is one ("Friday Heart" on
    Fridays), else any track, on Fridays."""
    band = _band(ctx, m, WEEKDAY_RANKS)
    if not band.size:
        return None
    named = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b")
    for track in rng.permutation(band).tolist():
        hit = named.search(ctx.catalogue.titles[track])
        if hit:
            return track, WEEKDAYS.index(hit.group(1))
    return int(rng.choice(band)), 4


@register("weekday_affinity", measure=WEEKDAY_AFFINITY_SQL)
def plant_weekday_affinity(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    plants = []
    weekday = weekday_of(ctx.spec)[: ctx.spec.days]
    for m in ctx.markets_in_turn(rng, n):
        picked = _weekday_track(ctx, rng, m)
        if picked is None:
            continue
        track, day_of_week = picked
        # the track's own streams set what its weekday is compared with: outnumber them
        natural = int(ctx.kept_streams(m)[track]) * rng.uniform(*WEEKDAY_LIFT)
        extra = int(natural / WEEKDAY_STREAMS_PER_LISTENER)
        who = _cohort(ctx, rng, m, (WEEKDAY_LISTENERS[0] + extra, WEEKDAY_LISTENERS[1] + extra))
        if not who.size:
            continue
        ctx.used_tracks.add(track)
        its_days = np.flatnonzero(weekday == day_of_week)
        weeks = rng.integers(*WEEKDAY_WEEKS, endpoint=True, size=who.size)
        user = np.repeat(who, weeks)
        days = np.concatenate([rng.choice(its_days, size=k, replace=False) for k in weeks.tolist()])
        times = rng.choice([1, 2], size=user.size, p=[0.8, 0.2])
        user, days = np.repeat(user, times), np.repeat(days, times)
        # now and then on another day
        other = who[rng.random(who.size) < 0.3]
        user = np.r_[user, other]
        days = np.r_[days, ctx.pick_days(rng, m, other.size)]
        plants.append(
            Plant(
                "weekday_affinity", "anomaly", m, 0, track,
                rows=ctx.streams_on(rng, m, user, track, days),
            )
        )  # fmt: skip
    return plants


# ---- market_contrast, market_total ------------------------------------------------------------
MARKET_STREAMS_SQL = """
SELECT count(*) FROM streams
WHERE market = $market AND track_id = $track_id AND year(day) = $year
"""
CONTRAST_SIZE = (0.75, 0.95)  # of the market's second most streamed track
CONTRAST_ELSEWHERE = 1  # stream left in the other markets, at most
# A market's own favourites are contrasts too, and theirs grow with the data: a plant streams
# 1.15–1.4 times the biggest of them (found as the pack finds them: its min_ratio, min_streams)
CONTRAST_LIFT = (1.15, 1.4)
CONTRAST_RATIO, CONTRAST_MIN_STREAMS = 3.0, 1000
TOTAL_MARGIN = (1.3, 1.5)  # over the runner-up
GLOBAL_RATIO = 2.5  # its share at home / its share elsewhere, at most (a contrast is 3+)
ELSEWHERE_CAP = 0.9  # of each other market's top track (other hits aside)
STREAMS_PER_LISTENER = (2.0, 4.0)  # mean streams of the track per new listener: most a few


def _listeners_for(ctx: PlantContext, rng: np.random.Generator, m: int, streams: int) -> np.ndarray:
    """Eligible listeners of market m for `streams` more streams of a track, one listener per
    stream: many people, most of them a few times, some many times."""
    pool = ctx.listeners_pool(m)
    pool = pool[~np.isin(pool, list(ctx.used_users))]  # not the single listeners of other plants
    wanted = int(streams / rng.uniform(*STREAMS_PER_LISTENER))
    people = rng.choice(pool, size=min(max(wanted, 60), pool.size), replace=False)
    weight = rng.lognormal(0.0, 0.9, people.size)
    counts = 1 + rng.multinomial(max(streams - people.size, 0), weight / weight.sum())
    return np.repeat(people, counts)[:streams]


def _breakout_days(
    ctx: PlantContext, rng: np.random.Generator, m: int, user: np.ndarray
) -> np.ndarray:
    """A day per stream: each listener finds the track some day of a two-month breakout, then
    plays it on days after that."""
    start = int(rng.integers(20, max(ctx.spec.days // 3, 21)))
    people, first_of = np.unique(user, return_inverse=True)
    found = start + (rng.beta(2.0, 2.0, people.size) * 60).astype(np.int64)
    found = found[first_of]
    span = ctx.spec.days - found
    return found + (rng.random(user.size) * span).astype(np.int64)


def _biggest_contrast(ctx: PlantContext, m: int) -> int:
    """The most streams of a track in market m that the pack would call a contrast (CONTRAST_RATIO
    times what its share of the other markets' streams predicts), as the data stands."""
    counts = np.array([ctx.kept_streams(o) for o in range(len(ctx.spec.markets))], np.float64)
    here = counts[m]
    elsewhere = counts.sum(axis=0) - here
    other_total = max(elsewhere.sum(), 1.0)
    expected = elsewhere / other_total * here.sum()
    contrasts = here[(here >= CONTRAST_RATIO * expected) & (here >= CONTRAST_MIN_STREAMS)]
    return int(contrasts.max(initial=0))


@register("market_contrast", measure=MARKET_STREAMS_SQL)
def plant_market_contrast(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    cat, plants = ctx.catalogue, []
    n_markets = len(ctx.spec.markets)
    if n_markets < 2:
        return []
    for m in ctx.markets_in_turn(rng, n):
        elsewhere = np.delete(cat.rank, m, axis=0).min(axis=0)
        band = _band(ctx, m, (100, 3000))
        band = band[elsewhere[band] >= len(cat) // 2]  # a local artist's song
        if not band.size:
            continue
        track = int(rng.choice(band))
        ctx.used_tracks.add(track)
        counts = ctx.kept_streams(m)
        second = np.sort(counts)[-2]
        # above the biggest contrast the data already holds there, which grows with the data
        natural = _biggest_contrast(ctx, m) * rng.uniform(*CONTRAST_LIFT)
        target = int(max(second * rng.uniform(*CONTRAST_SIZE), natural)) + 1
        user = _listeners_for(ctx, rng, m, max(target - int(counts[track]), 0))
        rows = ctx.streams_on(rng, m, user, track, _breakout_days(ctx, rng, m, user))
        away = np.concatenate(
            [ctx.track_rows(o, track) for o in range(n_markets) if o != m]
        ).astype(np.int64)
        drop = rng.permutation(away)[CONTRAST_ELSEWHERE:]  # barely heard elsewhere
        plants.append(Plant("market_contrast", "anomaly", m, 0, track, rows=rows, drop=drop))
    return plants


def _global_hit(
    ctx: PlantContext, rng: np.random.Generator, m: int, counts: list[np.ndarray]
) -> int:
    """One of market m's tracks just below its number one, the one best liked elsewhere."""
    order = np.argsort(-counts[m], kind="stable")
    top = ctx.year_round(order[1:5])
    top = top[ctx.catalogue.release_day[top] < 0]
    if not top.size:
        top = ctx.year_round(order[1:])[:1]
    others = [c / max(c.sum(), 1) for o, c in enumerate(counts) if o != m]
    elsewhere = np.min(others, axis=0)[top] if others else np.zeros(top.size)
    return int(top[np.argmax(elsewhere)])


@register("market_total", count=lambda spec: min(spec.plants_per_kind, len(spec.markets)),
          measure=MARKET_STREAMS_SQL)  # fmt: skip
def plant_market_totals(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]:
    """Each hit tops its own market by TOTAL_MARGIN; where its share elsewhere is too small for
    a global hit, the other markets stream it more too (never up to their own top tracks), so
    that it is no market contrast."""
    n_markets = len(ctx.spec.markets)
    counts = [ctx.kept_streams(o) for o in range(n_markets)]
    homes = rng.permutation(n_markets)[:n].tolist()
    hits = []
    for m in homes:
        hits.append(_global_hit(ctx, rng, m, counts))
        ctx.used_tracks.add(hits[-1])
    runner_up = [int(np.delete(c, hits).max()) for c in counts]  # every other track
    totals = np.array([c.sum() for c in counts], dtype=np.float64)
    plants = []
    for m, track in zip(homes, hits, strict=True):
        extra = np.zeros(n_markets, dtype=np.int64)
        target = int(runner_up[m] * rng.uniform(*TOTAL_MARGIN)) + 1
        extra[m] = max(target - int(counts[m][track]), 0)
        away = [o for o in range(n_markets) if o != m]
        if away:
            share_here = target / (totals[m] + extra[m])
            wanted = share_here / GLOBAL_RATIO * totals[away].sum()
            have = sum(int(counts[o][track]) for o in away)
            for o in away:
                more = (wanted - have) * totals[o] / totals[away].sum()
                room = ELSEWHERE_CAP * runner_up[o] - counts[o][track]
                extra[o] = int(max(min(more, room), 0))
        parts = []
        for o in range(n_markets):
            user = _listeners_for(ctx, rng, o, int(extra[o]))
            parts.append(ctx.streams_on(rng, o, user, track, ctx.pick_days(rng, o, user.size)))
        plants.append(Plant("market_total", "anomaly", m, 0, track, rows=Plays.concat(parts)))
    return plants
