"""An independent brute force of chart spikes, to audit the `event_spike` pack's recall.

Why: the pack's SQL is clever (window frames, censoring, weekday factors, novelty); this is the
plain definition written separately, so a fact the pack misses or ranks low shows up as a
difference. It reads only `daily_streams` (floors are recomputed here, not read from ingest):

- a track is a title of an artist (case and spaces aside): ids re-issued for one title are one
  track, named by its most streamed id, their streams of a day added;
- a market's chart days are the days it has rows; it is weekly when its chart days are a median of
  6 days or more apart;
- a track listed on day d with n streams has, on each chart day w of its baseline (daily: the chart
  days in [d − 28, d − 1]; weekly: the 8 previous chart days), its listed streams, or the floor of
  w (the lowest count listed that day) when it was absent: an upper bound on the level;
- level = the mean over the baseline days, needing at least 4 of them; a spike has n ≥ 2.5 × level;
- an artist spike: the artist's listed tracks of the day summed, against the same tracks' levels
  summed, with at least 2 tracks.

`recall` then asks, per market-day, whether the strongest 5 brute-force spikes (their own fact,
or the artist moment they belong to) rank in the top 5 of the pack's facts of that day.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

MIN_RATIO = 2.5
TOP = 5

BRUTE_FORCE_SQL = """
WITH rows AS (
    SELECT *, lower(trim(artist_name)) AS artist_key, lower(trim(track_name)) AS name_key
    FROM read_parquet($files) WHERE listeners IS NULL
),
songs AS (
    SELECT artist_key, name_key, arg_min(track_id, (-total, track_id)) AS song_id
    FROM (SELECT artist_key, name_key, track_id, sum(streams) AS total FROM rows GROUP BY ALL)
    GROUP BY ALL
),
listed AS (
    SELECT day, market, coalesce(s.song_id, r.track_id) AS track_id,
           any_value(track_name) AS track_name, any_value(r.artist_key) AS artist_key,
           sum(streams) AS n
    FROM rows r LEFT JOIN songs s USING (artist_key, name_key)
    GROUP BY day, market, coalesce(s.song_id, r.track_id)
),
chart_days AS (
    SELECT day, market, min(n) AS floor FROM listed GROUP BY day, market
),
cadence AS (
    SELECT market, coalesce(median(gap), 1) >= 6 AS weekly FROM (
        SELECT market, day - lag(day) OVER (PARTITION BY market ORDER BY day) AS gap
        FROM chart_days) GROUP BY market
),
numbered AS (
    SELECT c.*, k.weekly, row_number() OVER (PARTITION BY c.market ORDER BY c.day) AS k
    FROM chart_days c JOIN cadence k USING (market)
),
windows AS (
    -- every (chart day, baseline day) pair of a market
    SELECT d.market, d.day, w.day AS w_day, w.floor AS w_floor
    FROM numbered d JOIN numbered w ON w.market = d.market
     AND ((NOT d.weekly AND w.day BETWEEN d.day - 28 AND d.day - 1)
          OR (d.weekly AND w.k BETWEEN d.k - 8 AND d.k - 1))
),
track_levels AS (
    SELECT l.market, l.day, l.track_id, any_value(l.track_name) AS track_name,
           any_value(l.artist_key) AS artist_key, any_value(l.n) AS n,
           avg(coalesce(p.n, w.w_floor)) AS level, count(*) AS baseline_days,
           count(*) FILTER (WHERE p.n IS NULL) AS censored_days
    FROM listed l
    JOIN windows w ON w.market = l.market AND w.day = l.day
    LEFT JOIN listed p ON p.market = l.market AND p.track_id = l.track_id AND p.day = w.w_day
    GROUP BY l.market, l.day, l.track_id
    HAVING count(*) >= 4
),
artist_levels AS (
    SELECT market, day, 'artist:' || artist_key AS subject_id, artist_key AS subject_name,
           artist_key, sum(n) AS n, sum(level) AS level, max(baseline_days) AS baseline_days,
           sum(censored_days) AS censored_days
    FROM track_levels GROUP BY market, day, artist_key HAVING count(*) >= 2
)
SELECT 'track' AS subject_kind, market, day, track_id AS subject_id, track_name AS subject_name,
       artist_key, n, level, n / level AS ratio, baseline_days, censored_days
FROM track_levels WHERE n >= $min_ratio * level
UNION ALL
SELECT 'artist', market, day, subject_id, subject_name, artist_key, n, level, n / level,
       baseline_days, censored_days
FROM artist_levels WHERE n >= $min_ratio * level
ORDER BY market, day, ratio DESC
"""


@dataclass(frozen=True)
class Ranked:
    """One of the pack's facts as the comparison needs it."""

    market: str
    day: str
    subject_id: str
    total: float
    artefact: str | None


@dataclass(frozen=True)
class Recall:
    """How many standout brute-force spikes rank in the top 5 of their market-day."""

    spikes: int
    in_top: int
    misses: list[dict]

    @property
    def share(self) -> float:
        """The fraction found (1.0 when there is nothing to find)."""
        return self.in_top / self.spikes if self.spikes else 1.0


def brute_force(data: Path, min_ratio: float = MIN_RATIO) -> list[dict]:
    """Every track and artist of a chart dataset at least `min_ratio` × its floor-filled level."""
    files = [str(p) for p in sorted((data / "daily_streams").glob("*.parquet"))]
    con = duckdb.connect()
    try:
        cur = con.execute(BRUTE_FORCE_SQL, {"files": files, "min_ratio": min_ratio})
        names = [c[0] for c in cur.description]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]
    finally:
        con.close()


def from_json(facts: list[dict]) -> list[Ranked]:
    """The event_spike facts of `campaign facts --json`."""
    return [
        Ranked(
            f["market"],
            str(f["period_start"]),
            f["subject_id"],
            f["scores"]["total"]["value"],
            (f.get("detail") or {}).get("artefact"),
        )
        for f in facts
        if f.get("pack") == "event_spike"
    ]


def recall(spikes: list[dict], facts: list[Ranked], top: int = TOP) -> Recall:
    """Per market-day, the `top` strongest brute-force spikes (by ratio) that the pack did not
    flag as artefacts: how many rank in the pack's top `top` of that day, by total score.

    Only the strongest `top` of a day are asked for, since a day with 30 spikes (Christmas) has
    room for 5. A track counts as found when its own fact or its artist's moment is in the top;
    an artist when its moment or one of its tracks is (the same story, told by its evidence).
    """
    positions: dict[tuple[str, str, str], int] = {}
    flagged: set[tuple[str, str, str]] = set()
    by_day: dict[tuple[str, str], list[Ranked]] = {}
    for fact in facts:
        by_day.setdefault((fact.market, fact.day), []).append(fact)
    for (market, day), ranked in by_day.items():
        ranked.sort(key=lambda f: -f.total)
        for i, fact in enumerate(ranked, 1):
            positions.setdefault((market, day, fact.subject_id), i)
            if fact.artefact:
                flagged.add((market, day, fact.subject_id))
    spikes_by_day: dict[tuple[str, str], list[dict]] = {}
    for spike in spikes:
        key = (spike["market"], str(spike["day"]))
        if (*key, spike["subject_id"]) not in flagged:
            spikes_by_day.setdefault(key, []).append(spike)
    counted = found = 0
    misses: list[dict] = []
    for key, day_spikes in spikes_by_day.items():
        day_spikes.sort(key=lambda s: -s["ratio"])
        for spike in day_spikes[:top]:
            artist = spike["artist_key"]
            subjects = {spike["subject_id"], "artist:" + artist}
            if spike["subject_kind"] == "artist":
                subjects |= {s["subject_id"] for s in day_spikes if s["artist_key"] == artist}
            best = min((positions.get((*key, s), 10**9) for s in subjects), default=10**9)
            counted += 1
            if best <= top:
                found += 1
            else:
                misses.append({**spike, "position": best if best < 10**9 else None})
    return Recall(counted, found, misses)
