"""`distribution`: where a fact stands among everything of its kind in its market.

The market's quantiles of what the pack ranks (one listener's plays of one track in a day or a
year, the longest run of days in a row a listener kept to one track, the tracks of a playlist,
the minutes of a listening session),
with the fact's value beside them. Quantiles stop below the maximum: the maximum is one listener.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from campaign.scoring import Candidate
from campaign.series.query import SeriesQuery, as_date

QUANTILES = (0.5, 0.75, 0.9, 0.99, 0.999)


def _histogram(query: SeriesQuery, key: tuple[Any, ...], cells: str, args: list[Any]) -> Any:
    """How many cells hold each value of the column `n` of `cells`, once per market and kind:
    small (one row per distinct count), and every fact of the market reads its place from it."""
    return query.cached(
        key,
        lambda: query.rows(
            f"WITH cells AS ({cells}) SELECT n, count(*) FROM cells WHERE n IS NOT NULL "
            "GROUP BY n ORDER BY n",
            args,
        ),
    )


def _quantile(histogram: list[tuple[Any, int]], total: int, q: float) -> float:
    """The smallest value with at least a share `q` of the cells at or below it
    (DuckDB's `quantile_disc`)."""
    seen = 0
    for value, count in histogram:
        seen += count
        if seen >= q * total:
            return float(value)
    return float(histogram[-1][0])


def _series(
    histogram: list[tuple[Any, int]], candidate: Candidate, unit: str, value: Any, label: str
) -> dict[str, Any] | None:
    total = sum(count for _, count in histogram)
    if not total or not isinstance(value, int | float):
        return None
    share = candidate.fact.detail.get("tail_share")
    if not isinstance(share, int | float):  # the share of cells at least this high
        share = sum(count for n, count in histogram if n >= value) / total
    return {
        "kind": "distribution",
        "measure": candidate.fact.measure,
        "unit": unit,  # what one counted cell is
        "cells": total,
        "quantiles": [{"q": q, "value": _quantile(histogram, total, q)} for q in QUANTILES],
        "value": float(value),
        "value_label": label,
        "tail_share": share,
    }


def _year(start: date) -> tuple[date, date]:
    return date(start.year, 1, 1), date(start.year, 12, 31)


def plays_distribution(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """One listener's plays of one track, against every listener-track-day (or -year) of the
    market, as the repeat packs rank them."""
    fact = candidate.fact
    start, end = as_date(fact.period_start), as_date(fact.period_end)
    if (
        query.public_only
        or fact.audience != "individual"
        or fact.measure != "plays"
        or start is None
        or end is None
        or not query.has("listener_track_days")
    ):
        return None
    span = "day" if start == end else "year"
    first, last = (
        (query.ws.first_day or start, query.ws.last_day or end) if span == "day" else (_year(start))
    )
    per_day = ", day" if span == "day" else ""
    histogram = _histogram(
        query,
        ("plays", fact.audience, fact.market, span, first, last),
        "SELECT sum(plays) AS n FROM listener_track_days WHERE market = ? AND day BETWEEN ? AND ? "
        f"GROUP BY user_id, track_id{per_day}",
        [fact.market, first, last],
    )
    unit = f"a listener's plays of one track in a {span}"
    return _series(histogram, candidate, unit, fact.value, "this listener")


def streak_distribution(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The shortest streak of the fact's listeners against every listener-track's longest run of
    days in a row in the market: how rare a streak that long is."""
    fact = candidate.fact
    if query.public_only or not query.has("listener_track_days"):
        return None
    histogram = _histogram(
        query,
        ("streak", fact.market),
        """
        SELECT max(days) AS n FROM (
            SELECT user_id, track_id, count(*) AS days
            FROM (SELECT user_id, track_id,
                         day - CAST(row_number() OVER (PARTITION BY user_id, track_id ORDER BY day)
                                    AS INTEGER) AS island
                  FROM listener_track_days WHERE market = ?)
            GROUP BY user_id, track_id, island
        ) GROUP BY user_id, track_id
        """,
        [fact.market],
    )
    days = fact.detail.get("days")
    return _series(
        histogram,
        candidate,
        "a listener's longest run of days in a row with one track",
        days,
        f"the shortest streak of these {fact.value:,.0f} listeners",
    )


def playlist_distribution(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The playlist's tracks against every playlist of the market's owners."""
    fact = candidate.fact
    if query.public_only or not query.has("playlists", "playlist_tracks", "user_markets"):
        return None
    histogram = _histogram(
        query,
        ("playlist", fact.audience, fact.market),
        """
        SELECT count(DISTINCT t.track_id) AS n
        FROM playlists p JOIN user_markets m USING (user_id)
        LEFT JOIN playlist_tracks t USING (playlist_id)
        WHERE m.market = ?
        GROUP BY p.playlist_id
        """,
        [fact.market],
    )
    return _series(histogram, candidate, "the tracks of a playlist", fact.value, "this playlist")


def session_distribution(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The session's minutes against every listening session of the market, cut as
    `long_session` cuts them (a new session after `max_gap_minutes` of silence)."""
    fact = candidate.fact
    if query.public_only or not query.has("streams"):
        return None
    gap = query.param(fact.pack, "max_gap_minutes", 30)
    histogram = _histogram(
        query,
        ("session", fact.audience, fact.market, gap),
        """
        WITH ordered AS (
            SELECT user_id, played_at, coalesce(ms_played, 0) AS ms,
                   played_at - lag(played_at + to_milliseconds(coalesce(ms_played, 0)))
                       OVER (PARTITION BY user_id ORDER BY played_at) AS silence
            FROM streams WHERE market = ?
        ),
        numbered AS (
            SELECT user_id, ms,
                   sum(CASE WHEN silence IS NULL OR silence >= to_minutes(?) THEN 1 ELSE 0 END)
                       OVER (PARTITION BY user_id ORDER BY played_at
                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS session
            FROM ordered
        )
        SELECT CAST(floor(sum(ms) / 60000) AS INTEGER) AS n FROM numbered
        GROUP BY user_id, session
        """,
        [fact.market, gap],
    )
    unit = "the minutes of a listening session"
    return _series(histogram, candidate, unit, fact.value, "this session")


DISTRIBUTIONS: dict[str, Callable[[SeriesQuery, Candidate], dict[str, Any] | None]] = {
    "repeat_on_day": plays_distribution,
    "repeat_in_year": plays_distribution,
    "streak": streak_distribution,
    "playlist_title": playlist_distribution,
    "long_session": session_distribution,
}
