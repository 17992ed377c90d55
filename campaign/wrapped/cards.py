"""The recap cards, each one SQL query over `my_plays` (the listener's plays in their time zone).

Every query is kept as text beside its numbers in wrapped.json, so a listener (or a test) can run
it again. Streams are plays of at least `min_ms` (or of unknown length: a scrobble).
"""

from __future__ import annotations

from typing import Any

import duckdb

from campaign.wrapped.card import Card

TOP_N = 5
# A discovery is an artist first heard this year who made the year's top this many.
FAVOURITE_RANK = 20
# ... and first heard at least this long after the history starts (else everything is "new").
DISCOVERY_HISTORY_DAYS = 30
MIN_SKIPS = 3  # the most-skipped track is named only with at least this many skips

MINUTES_SQL = """
SELECT count(*) AS streams,
       CAST(round(sum(ms_played) / 60000) AS BIGINT) AS minutes,
       count(ms_played) AS timed_streams,
       count(DISTINCT day) AS days,
       count(DISTINCT artist_name) AS artists,
       count(DISTINCT track_id) AS tracks
FROM my_plays WHERE is_stream AND year(day) = $year
"""

TOP_ARTISTS_SQL = """
SELECT artist_name AS name, count(*) AS streams,
       CAST(round(sum(ms_played) / 60000) AS BIGINT) AS minutes
FROM my_plays WHERE is_stream AND year(day) = $year
GROUP BY ALL ORDER BY streams DESC, name LIMIT $top
"""

TOP_TRACKS_SQL = """
SELECT arg_max(track_name, local_at) AS name, arg_max(artist_name, local_at) AS artist,
       count(*) AS streams
FROM my_plays WHERE is_stream AND year(day) = $year
GROUP BY track_id ORDER BY streams DESC, name, artist LIMIT $top
"""

TOP_ALBUMS_SQL = """
SELECT album_name AS name, artist_name AS artist, count(*) AS streams
FROM my_plays WHERE is_stream AND year(day) = $year AND album_name IS NOT NULL
GROUP BY ALL ORDER BY streams DESC, name, artist LIMIT $top
"""

CLOCK_SQL = """
SELECT hour(local_at) AS hour, count(*) AS streams
FROM my_plays WHERE is_stream AND year(day) = $year
GROUP BY ALL ORDER BY hour
"""

BUSIEST_DAY_SQL = """
WITH days AS (
    SELECT day, count(*) AS streams, CAST(round(sum(ms_played) / 60000) AS BIGINT) AS minutes
    FROM my_plays WHERE is_stream AND year(day) = $year GROUP BY ALL
),
busiest AS (SELECT * FROM days ORDER BY streams DESC, day LIMIT 1),
tracks AS (
    SELECT arg_max(p.track_name, p.local_at) AS track, arg_max(p.artist_name, p.local_at) AS artist,
           count(*) AS plays
    FROM my_plays p JOIN busiest b ON p.day = b.day
    WHERE p.is_stream GROUP BY p.track_id ORDER BY plays DESC, track LIMIT 1
)
SELECT b.day, b.streams, b.minutes, t.track, t.artist, t.plays,
       (SELECT round(avg(streams), 1) FROM days) AS mean_streams
FROM busiest b, tracks t
"""

STREAK_SQL = """
WITH days AS (SELECT DISTINCT day FROM my_plays WHERE is_stream AND year(day) = $year),
islands AS (SELECT day, day - CAST(row_number() OVER (ORDER BY day) AS INTEGER) AS island FROM days)
SELECT min(day) AS first_day, max(day) AS last_day, count(*) AS days
FROM islands GROUP BY island ORDER BY days DESC, first_day LIMIT 1
"""

DISCOVERIES_SQL = """
WITH history AS (SELECT min(day) AS start FROM my_plays),
firsts AS (SELECT artist_name, min(day) AS first_day FROM my_plays WHERE is_stream GROUP BY ALL),
ranked AS (
    SELECT artist_name, count(*) AS streams,
           row_number() OVER (ORDER BY count(*) DESC, artist_name) AS rank
    FROM my_plays WHERE is_stream AND year(day) = $year GROUP BY artist_name
)
SELECT r.artist_name AS name, f.first_day, r.streams, r.rank
FROM ranked r JOIN firsts f USING (artist_name), history h
WHERE year(f.first_day) = $year AND f.first_day >= h.start + $history_days
  AND r.rank <= $favourite_rank
ORDER BY r.rank LIMIT $top
"""

SKIPS_SQL = """
WITH plays AS (
    SELECT track_id, track_name, artist_name, local_at,
           CASE WHEN bool_or(skipped IS NOT NULL) OVER () THEN coalesce(skipped, false)
                ELSE ms_played < $min_ms END AS skip
    FROM my_plays WHERE year(day) = $year AND (skipped IS NOT NULL OR ms_played IS NOT NULL)
)
SELECT count(*) AS plays, count_if(skip) AS skips,
       bool_or(skip IS NOT NULL) AS known,
       (SELECT bool_or(skipped IS NOT NULL) FROM my_plays WHERE year(day) = $year) AS marked,
       (SELECT [arg_max(track_name, local_at), arg_max(artist_name, local_at),
                CAST(count(*) AS VARCHAR)]
        FROM plays WHERE skip GROUP BY track_id ORDER BY count(*) DESC, 1 LIMIT 1) AS most
FROM plays
"""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> list[dict]:
    relation = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    names = [d[0] for d in relation.description]
    return [dict(zip(names, row, strict=True)) for row in relation.fetchall()]


def _card(
    kind: str,
    sql: str,
    params: dict[str, Any],
    counted: str,
    facts: dict[str, Any],
) -> Card:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return Card(kind, facts, sql.strip(), used, counted)


def recap_cards(con: duckdb.DuckDBPyConnection, year: int, min_ms: int) -> list[Card]:
    """Every recap card the listener's year has data for, in story order."""
    params = {
        "year": year,
        "top": TOP_N,
        "min_ms": min_ms,
        "history_days": DISCOVERY_HISTORY_DAYS,
        "favourite_rank": FAVOURITE_RANK,
    }
    cards: list[Card] = []
    total = _rows(con, MINUTES_SQL, params)[0]
    if not total["streams"]:
        return cards
    if not total["timed_streams"]:
        total["minutes"] = None  # scrobbles say that a track was played, not for how long
    cards.append(_card("minutes", MINUTES_SQL, params, "streams", total))
    for kind, sql in (
        ("top_artists", TOP_ARTISTS_SQL),
        ("top_tracks", TOP_TRACKS_SQL),
        ("top_albums", TOP_ALBUMS_SQL),
    ):
        items = _rows(con, sql, params)
        if items:
            cards.append(_card(kind, sql, params, "streams", {"items": items}))
    hours = {row["hour"]: row["streams"] for row in _rows(con, CLOCK_SQL, params)}
    clock = [hours.get(h, 0) for h in range(24)]
    peak = max(range(24), key=lambda h: (clock[h], -h))
    cards.append(_card("clock", CLOCK_SQL, params, "clock", {"hours": clock, "peak_hour": peak}))
    busiest = _rows(con, BUSIEST_DAY_SQL, params)
    if busiest:
        cards.append(_card("busiest_day", BUSIEST_DAY_SQL, params, "streams", busiest[0]))
    streak = _rows(con, STREAK_SQL, params)[0]
    if streak["days"] >= 2:
        cards.append(_card("days_in_a_row", STREAK_SQL, params, "days", streak))
    found = _rows(con, DISCOVERIES_SQL, params)
    if found:
        cards.append(_card("discoveries", DISCOVERIES_SQL, params, "discoveries", {"items": found}))
    skips = _rows(con, SKIPS_SQL, params)[0]
    if skips["plays"] and skips["known"]:
        most = skips.pop("most")
        skips["most"] = (
            {"name": most[0], "artist": most[1], "skips": int(most[2])}
            if most and int(most[2]) >= MIN_SKIPS
            else None
        )
        skips.pop("known")
        counted = "skips_marked" if skips.pop("marked") else "skips_short"
        cards.append(_card("skips", SKIPS_SQL, params, counted, skips))
    return cards
