"""`daily`: a track's or an artist's daily count in its market in the weeks around a one-day fact.

The fact's baseline and day come along, and for chart data each absent day's chart floor (the
subject was listed below it, so the true count is at most the floor). An artist's day is the sum
of its tracks' days, as the artist moment of `event_spike` counts it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from campaign.scoring import Candidate
from campaign.series.query import SeriesQuery, as_date

WINDOW_DAYS = 28  # days charted either side of the fact's day
DAILY_MEASURES = ("streams", "listeners")
ARTIST_PREFIX = "artist:"  # event_spike's artist ids: 'artist:' and the folded artist name


def _subject_filter(kind: str, subject_id: str) -> tuple[str, str] | None:
    if kind == "track":
        return "track_id = ?", subject_id
    if kind == "artist" and subject_id.startswith(ARTIST_PREFIX):
        return "lower(trim(artist_name)) = ?", subject_id.removeprefix(ARTIST_PREFIX)
    return None


def daily_series(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    fact = candidate.fact
    day = as_date(fact.period_start)
    subject = _subject_filter(fact.subject_kind, fact.subject_id)
    if (
        subject is None
        or fact.measure not in DAILY_MEASURES
        or day is None
        or as_date(fact.period_end) != day
        or not query.has("daily_streams")
    ):
        return None
    ws = query.ws
    first, last = day - timedelta(days=WINDOW_DAYS), day + timedelta(days=WINDOW_DAYS)
    complete = fact.measure == "listeners"  # listener data: a day without a row is a zero
    if query.public_only and complete:
        return None
    where, key = subject
    rows = query.rows(
        f"""
        WITH days AS (
            SELECT unnest(generate_series(?::DATE, ?::DATE, INTERVAL 1 DAY))::DATE AS day
        ),
        own AS (
            SELECT day, sum({fact.measure}) AS value, bool_and(listeners IS NULL) AS public
            FROM daily_streams
            WHERE market = ? AND {where} AND day BETWEEN ? AND ?
            GROUP BY day
        ),
        floors AS (
            SELECT day, min(floor_streams) AS floor FROM chart_floors
            WHERE market = ? AND day BETWEEN ? AND ? GROUP BY day
        )
        SELECT day, own.value, own.public, floors.floor
        FROM days LEFT JOIN own USING (day) LEFT JOIN floors USING (day)
        WHERE own.value IS NOT NULL OR floors.floor IS NOT NULL OR ?
        ORDER BY day
        """,
        [
            max(first, ws.first_day or first),
            min(last, ws.last_day or last),
            fact.market,
            key,
            first,
            last,
            fact.market,
            first,
            last,
            complete,
        ],
    )
    if not rows or (query.public_only and not all(public is not False for _, _, public, _ in rows)):
        return None
    points = [
        {
            "day": d.isoformat(),
            "value": float(value) if value is not None else (None if floor is not None else 0.0),
            "floor": None if value is not None or floor is None else float(floor),
        }
        for d, value, _, floor in rows
    ]
    if not any(p["value"] is not None for p in points):
        return None
    return {
        "kind": "daily",
        "measure": fact.measure,
        "day": day.isoformat(),
        "baseline": None if fact.baseline is None else float(fact.baseline),
        "points": points,
    }
