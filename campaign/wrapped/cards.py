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
SELECT user_id, count(*) AS streams,
       CAST(round(sum(ms_played) / 60000) AS BIGINT) AS minutes,
       count(ms_played) AS timed_streams,
       count(DISTINCT day) AS days,
       count(DISTINCT artist_name) AS artists,
       count(DISTINCT track_id) AS tracks
FROM my_plays WHERE is_stream AND year(day) = $year GROUP BY user_id
"""

TOP_ARTISTS_SQL = """
SELECT user_id, artist_name AS name, count(*) AS streams,
       CAST(round(sum(ms_played) / 60000) AS BIGINT) AS minutes
FROM my_plays WHERE is_stream AND year(day) = $year
GROUP BY user_id, artist_name
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY streams DESC, name) <= $top
ORDER BY user_id, streams DESC, name
"""

TOP_TRACKS_SQL = """
SELECT user_id, arg_max(track_name, local_at) AS name, arg_max(artist_name, local_at) AS artist,
       count(*) AS streams
FROM my_plays WHERE is_stream AND year(day) = $year
GROUP BY user_id, track_id
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY streams DESC, name, artist) <= $top
ORDER BY user_id, streams DESC, name, artist
"""

TOP_ALBUMS_SQL = """
SELECT user_id, album_name AS name, artist_name AS artist, count(*) AS streams
FROM my_plays WHERE is_stream AND year(day) = $year AND album_name IS NOT NULL
GROUP BY user_id, album_name, artist_name
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY streams DESC, name, artist) <= $top
ORDER BY user_id, streams DESC, name, artist
"""

CLOCK_SQL = """
SELECT user_id, hour(local_at) AS hour, count(*) AS streams
FROM my_plays WHERE is_stream AND year(day) = $year
GROUP BY ALL ORDER BY user_id, hour
"""

BUSIEST_DAY_SQL = """
WITH days AS (
    SELECT user_id, day, count(*) AS streams,
           CAST(round(sum(ms_played) / 60000) AS BIGINT) AS minutes
    FROM my_plays WHERE is_stream AND year(day) = $year GROUP BY ALL
),
busiest AS (
    SELECT * FROM days
    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY streams DESC, day) = 1
),
tracks AS (
    SELECT p.user_id, arg_max(p.track_name, p.local_at) AS track,
           arg_max(p.artist_name, p.local_at) AS artist, count(*) AS plays
    FROM my_plays p JOIN busiest b ON p.user_id = b.user_id AND p.day = b.day
    WHERE p.is_stream GROUP BY p.user_id, p.track_id
    QUALIFY row_number() OVER (PARTITION BY p.user_id ORDER BY plays DESC, track) = 1
),
typical AS (SELECT user_id, round(avg(streams), 1) AS mean_streams FROM days GROUP BY user_id)
SELECT b.user_id, b.day, b.streams, b.minutes, t.track, t.artist, t.plays, m.mean_streams
FROM busiest b JOIN tracks t USING (user_id) JOIN typical m USING (user_id)
"""

STREAK_SQL = """
WITH days AS (SELECT DISTINCT user_id, day FROM my_plays WHERE is_stream AND year(day) = $year),
islands AS (
    SELECT user_id, day,
           day - CAST(row_number() OVER (PARTITION BY user_id ORDER BY day) AS INTEGER) AS island
    FROM days
)
SELECT user_id, min(day) AS first_day, max(day) AS last_day, count(*) AS days
FROM islands GROUP BY user_id, island
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY days DESC, first_day) = 1
"""

DISCOVERIES_SQL = """
WITH history AS (SELECT user_id, min(day) AS start FROM my_plays GROUP BY user_id),
firsts AS (
    SELECT user_id, artist_name, min(day) AS first_day FROM my_plays WHERE is_stream GROUP BY ALL
),
ranked AS (
    SELECT user_id, artist_name, count(*) AS streams,
           row_number() OVER (PARTITION BY user_id ORDER BY count(*) DESC, artist_name) AS rank
    FROM my_plays WHERE is_stream AND year(day) = $year GROUP BY user_id, artist_name
)
SELECT r.user_id, r.artist_name AS name, f.first_day, r.streams, r.rank
FROM ranked r JOIN firsts f USING (user_id, artist_name) JOIN history h USING (user_id)
WHERE year(f.first_day) = $year AND f.first_day >= h.start + $history_days
  AND r.rank <= $favourite_rank
QUALIFY row_number() OVER (PARTITION BY r.user_id ORDER BY r.rank) <= $top
ORDER BY r.user_id, r.rank
"""

SKIPS_SQL = """
WITH year_plays AS (SELECT * FROM my_plays WHERE year(day) = $year),
plays AS (
    SELECT user_id, track_id, track_name, artist_name, local_at,
           CASE WHEN bool_or(skipped IS NOT NULL) OVER (PARTITION BY user_id)
                THEN coalesce(skipped, false)
                ELSE ms_played < $min_ms END AS skip
    FROM year_plays WHERE skipped IS NOT NULL OR ms_played IS NOT NULL
),
marked AS (
    SELECT user_id, bool_or(skipped IS NOT NULL) AS marked FROM year_plays GROUP BY user_id
),
most AS (
    SELECT user_id, [arg_max(track_name, local_at), arg_max(artist_name, local_at),
                     CAST(count(*) AS VARCHAR)] AS most
    FROM plays WHERE skip GROUP BY user_id, track_id
    QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY count(*) DESC, most) = 1
)
SELECT p.user_id, count(*) AS plays, count_if(p.skip) AS skips,
       bool_or(p.skip IS NOT NULL) AS known, any_value(k.marked) AS marked,
       any_value(m.most) AS most
FROM plays p JOIN marked k USING (user_id) LEFT JOIN most m USING (user_id)
GROUP BY p.user_id
"""


def rows_by_user(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]
) -> dict[str, list[dict[str, Any]]]:
    """The query's rows, split per listener (their user_id taken out: it never reaches a card)."""
    relation = con.execute(sql, {k: v for k, v in params.items() if f"${k}" in sql})
    names = [d[0] for d in relation.description]
    split: dict[str, list[dict[str, Any]]] = {}
    for row in relation.fetchall():
        record = dict(zip(names, row, strict=True))
        split.setdefault(str(record.pop("user_id")), []).append(record)
    return split


def _card(
    kind: str,
    sql: str,
    params: dict[str, Any],
    counted: str,
    facts: dict[str, Any],
) -> Card:
    used = {k: v for k, v in params.items() if f"${k}" in sql}
    return Card(kind, facts, sql.strip(), used, counted)


def _skips_card(skips: dict[str, Any], params: dict[str, Any]) -> Card | None:
    if not (skips["plays"] and skips["known"]):
        return None
    most = skips.pop("most")
    skips["most"] = (
        {"name": most[0], "artist": most[1], "skips": int(most[2])}
        if most and int(most[2]) >= MIN_SKIPS
        else None
    )
    skips.pop("known")
    counted = "skips_marked" if skips.pop("marked") else "skips_short"
    return _card("skips", SKIPS_SQL, params, counted, skips)


def recap_cards(
    con: duckdb.DuckDBPyConnection, year: int, min_ms: int, users: list[str]
) -> dict[str, list[Card]]:
    """Every recap card each listener's year has data for, in story order: each query runs
    once over `my_plays`, for every listener told in `year` (`users`) at once."""
    params = {
        "year": year,
        "top": TOP_N,
        "min_ms": min_ms,
        "history_days": DISCOVERY_HISTORY_DAYS,
        "favourite_rank": FAVOURITE_RANK,
    }
    queries = {
        "minutes": MINUTES_SQL,
        "top_artists": TOP_ARTISTS_SQL,
        "top_tracks": TOP_TRACKS_SQL,
        "top_albums": TOP_ALBUMS_SQL,
        "clock": CLOCK_SQL,
        "busiest_day": BUSIEST_DAY_SQL,
        "days_in_a_row": STREAK_SQL,
        "discoveries": DISCOVERIES_SQL,
        "skips": SKIPS_SQL,
    }
    found = {kind: rows_by_user(con, sql, params) for kind, sql in queries.items()}
    return {user: _listener_cards(user, found, params) for user in users}


def _listener_cards(
    user: str, found: dict[str, dict[str, list[dict[str, Any]]]], params: dict[str, Any]
) -> list[Card]:
    """One listener's recap cards from the queries' rows."""
    cards: list[Card] = []
    mine = {kind: rows.get(user, []) for kind, rows in found.items()}
    if not mine["minutes"] or not mine["minutes"][0]["streams"]:
        return cards
    total = mine["minutes"][0]
    if not total["timed_streams"]:
        total["minutes"] = None  # scrobbles say that a track was played, not for how long
    cards.append(_card("minutes", MINUTES_SQL, params, "streams", total))
    for kind, sql in (
        ("top_artists", TOP_ARTISTS_SQL),
        ("top_tracks", TOP_TRACKS_SQL),
        ("top_albums", TOP_ALBUMS_SQL),
    ):
        if mine[kind]:
            cards.append(_card(kind, sql, params, "streams", {"items": mine[kind]}))
    hours = {row["hour"]: row["streams"] for row in mine["clock"]}
    clock = [hours.get(h, 0) for h in range(24)]
    peak = max(range(24), key=lambda h: (clock[h], -h))
    cards.append(_card("clock", CLOCK_SQL, params, "clock", {"hours": clock, "peak_hour": peak}))
    if mine["busiest_day"]:
        cards.append(
            _card("busiest_day", BUSIEST_DAY_SQL, params, "streams", mine["busiest_day"][0])
        )
    streak = mine["days_in_a_row"][0]
    if streak["days"] >= 2:
        cards.append(_card("days_in_a_row", STREAK_SQL, params, "days", streak))
    if mine["discoveries"]:
        items = {"items": mine["discoveries"]}
        cards.append(_card("discoveries", DISCOVERIES_SQL, params, "discoveries", items))
    if mine["skips"] and (skips := _skips_card(mine["skips"][0], params)) is not None:
        cards.append(skips)
    return cards
