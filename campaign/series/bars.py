"""`bars`: a fact's value beside the values it was judged against, one bar each.

The weekdays of a weekday affinity, the months of an off-season theme, the markets of a market
contrast, the year's leading tracks of a market total, the skip windows of a skip point, the hook
plays of a hook point, the weeks of a playlist title that trended, the contexts of a track's
playlists. `highlight` names the fact's bar; `expected` (per bar) and `baseline` (one level) are
what the pack expected. Counts come from the views the pack read; no bar names a listener.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from campaign.scoring import Candidate
from campaign.series.query import SeriesQuery, as_date

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TOP_TRACKS = 5  # a market total: the leader and the tracks behind it
MAX_MARKETS = 12  # a market contrast: the markets with the largest shares, the fact's among them
MAX_BARS = 8  # a playlist context: the contexts with the most owners, the fact's among them


def _bars(
    candidate: Candidate,
    unit: str,
    bars: list[dict[str, Any]],
    highlight: str | None,
    baseline: float | None = None,
) -> dict[str, Any] | None:
    if not bars or highlight not in {b["label"] for b in bars}:
        return None
    return {
        "kind": "bars",
        "measure": candidate.fact.measure,
        "unit": unit,  # what one bar counts
        "bars": bars,
        "highlight": highlight,
        "baseline": baseline,
    }


def _bar(label: str, value: Any, expected: Any = None) -> dict[str, Any]:
    return {
        "label": label,
        "value": float(value or 0),
        "expected": None if expected is None else round(float(expected), 4),
    }


def _year(candidate: Candidate) -> tuple[date, date] | None:
    start = as_date(candidate.fact.period_start)
    return None if start is None else (date(start.year, 1, 1), date(start.year, 12, 31))


def weekday_bars(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The track's streams per weekday of the year, and what the market's weekly rhythm predicts
    for each (the track's streams shared out as the market's days are)."""
    fact, year = candidate.fact, _year(candidate)
    if year is None or (query.public_only and not query.is_public(fact.market)):
        return None
    rows = query.rows(
        """
        WITH market_days AS (
            SELECT day, isodow(day) AS weekday, sum(streams) AS total FROM daily_streams
            WHERE market = ? AND day BETWEEN ? AND ? GROUP BY ALL
        ),
        own AS (
            SELECT day, sum(streams) AS streams FROM daily_streams
            WHERE market = ? AND track_id = ? AND day BETWEEN ? AND ? GROUP BY ALL
        ),
        life AS (
            SELECT m.weekday, m.total, coalesce(o.streams, 0) AS streams
            FROM market_days m LEFT JOIN own o USING (day)
            WHERE m.day BETWEEN (SELECT min(day) FROM own) AND (SELECT max(day) FROM own)
        )
        SELECT weekday, sum(streams),
               sum(sum(streams)) OVER () * sum(total) / sum(sum(total)) OVER ()
        FROM life GROUP BY weekday ORDER BY weekday
        """,
        [fact.market, *year, fact.market, fact.subject_id, *year],
    )
    bars = [_bar(WEEKDAYS[w - 1], streams, expected) for w, streams, expected in rows]
    weekday = fact.detail.get("weekday_number")
    highlight = WEEKDAYS[weekday - 1] if isinstance(weekday, int) and 1 <= weekday <= 7 else None
    return _bars(candidate, "the track's streams on each weekday of the year", bars, highlight)


def top_tracks_bars(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The year's leading tracks of the market, the fact's first: by how much it led."""
    fact, year = candidate.fact, _year(candidate)
    if year is None or (query.public_only and not query.is_public(fact.market)):
        return None
    rows = query.rows(
        """
        SELECT track_id, any_value(track_name), sum(streams) AS streams FROM daily_streams
        WHERE market = ? AND day BETWEEN ? AND ?
        GROUP BY track_id ORDER BY streams DESC, track_id LIMIT ?
        """,
        [fact.market, *year, TOP_TRACKS],
    )
    labels = {track_id: f"#{i}" for i, (track_id, _, _) in enumerate(rows, 1)}
    bars = [_bar(labels[track_id], streams) for track_id, _, streams in rows]
    return _bars(
        candidate,
        "the year's streams of the market's leading tracks",
        bars,
        labels.get(fact.subject_id),
        None if fact.baseline is None else float(fact.baseline),
    )


def market_share_bars(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The track's share of each market's streams in the year: the fact's market against the
    rest of the world (the dashed line: its pooled share elsewhere)."""
    fact, year = candidate.fact, _year(candidate)
    if year is None or (query.public_only and not query.is_public(None)):
        return None
    rows = query.rows(
        """
        WITH totals AS (
            SELECT market, sum(streams) AS total FROM daily_streams
            WHERE day BETWEEN ? AND ? GROUP BY ALL
        ),
        own AS (
            SELECT market, sum(streams) AS streams FROM daily_streams
            WHERE track_id = ? AND day BETWEEN ? AND ? GROUP BY ALL
        )
        SELECT market, round(100 * coalesce(o.streams, 0) / t.total, 4) AS share
        FROM totals t LEFT JOIN own o USING (market)
        ORDER BY market = ? DESC, share DESC, market LIMIT ?
        """,
        [*year, fact.subject_id, *year, fact.market, MAX_MARKETS],
    )
    other = fact.detail.get("other_share")
    bars = sorted((_bar(m, share) for m, share in rows), key=lambda b: (-b["value"], b["label"]))
    return _bars(
        candidate,
        "the track's share of each market's streams in the year, in %",
        bars,
        fact.market,
        100 * other if isinstance(other, int | float) else None,
    )


def month_bars(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The theme's listeners in each month of the year, the season's months named in the unit;
    the dashed line is the off-season level the pack expected."""
    fact, start = candidate.fact, as_date(candidate.fact.period_start)
    if query.public_only or start is None or not query.has("listener_track_days", "track_names"):
        return None
    pattern = query.param(fact.pack, "title_pattern", None)
    if not isinstance(pattern, str):
        return None
    rows = query.rows(
        """
        SELECT month(s.day) AS month,
               count(DISTINCT s.user_id) FILTER (WHERE regexp_matches(n.track_name, ?, 'i'))
        FROM listener_track_days s JOIN track_names n USING (track_id)
        WHERE s.market = ? AND year(s.day) = ?
        GROUP BY ALL ORDER BY month
        """,
        [pattern, fact.market, start.year],
    )
    bars = [_bar(MONTHS[m - 1], n) for m, n in rows]
    first, last = fact.detail.get("season_start_month"), fact.detail.get("season_end_month")
    season = (
        f" (its season: {MONTHS[first - 1]}–{MONTHS[last - 1]})"
        if isinstance(first, int) and isinstance(last, int) and 1 <= first <= 12 and 1 <= last <= 12
        else ""
    )
    return _bars(
        candidate,
        f"listeners of the theme in each month of the year{season}",
        bars,
        MONTHS[start.month - 1],
        None if fact.baseline is None else float(fact.baseline),
    )


def skip_bars(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The track's skippers in each window of seconds (from `min_second` on), the fact's window
    highlighted; the dashed line is the level of skips spread evenly over the windows."""
    fact, start = candidate.fact, as_date(candidate.fact.period_start)
    width = fact.detail.get("bucket_seconds")
    if query.public_only or start is None or not isinstance(width, int) or width <= 0:
        return None
    if not query.has("listens", "market_tz"):
        return None
    min_second = query.param(fact.pack, "min_second", 30)
    rows = query.rows(
        """
        SELECT l.ms_played // (? * 1000) * ? AS second, count(DISTINCT l.user_id)
        FROM listens l JOIN market_tz tz USING (market)
        WHERE l.market = ? AND l.track_id = ? AND l.skipped AND l.ms_played >= ? * 1000
          AND year(timezone(tz.tz, l.played_at)) = ?
        GROUP BY ALL ORDER BY second
        """,
        [width, width, fact.market, fact.subject_id, min_second, start.year],
    )
    counts = dict(rows)  # a window between skipped ones that nobody skipped in is a zero
    seconds = range(min(counts, default=0), max(counts, default=-1) + 1, width)
    bars = [_bar(f"{second}s", counts.get(second, 0)) for second in seconds]
    return _bars(
        candidate,
        f"listeners who skipped in each {width}-second window",
        bars,
        f"{fact.detail.get('second')}s",
        None if fact.baseline is None else float(fact.baseline),
    )


def hook_bars(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The track's hooked listeners by the play that hooked them (streams before their first
    day of `binge_day_streams`), the fact's hook play highlighted."""
    fact, start = candidate.fact, as_date(candidate.fact.period_start)
    if query.public_only or start is None or not query.has("listener_track_days"):
        return None
    min_streams = query.param(fact.pack, "min_streams", 20)
    binge = query.param(fact.pack, "binge_day_streams", 3)
    rows = query.rows(
        """
        WITH days AS (
            SELECT user_id, plays,
                   coalesce(sum(plays) OVER (PARTITION BY user_id ORDER BY day
                            ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) AS before,
                   sum(plays) OVER (PARTITION BY user_id) AS total
            FROM listener_track_days WHERE market = ? AND track_id = ? AND year(day) = ?
        ),
        hooked AS (
            SELECT user_id, min(before) FILTER (WHERE plays >= ?) AS hook_play
            FROM days WHERE total >= ? GROUP BY user_id
        )
        SELECT hook_play, count(*) FROM hooked WHERE hook_play IS NOT NULL
        GROUP BY ALL ORDER BY hook_play
        """,
        [fact.market, fact.subject_id, start.year, binge, min_streams],
    )
    bars = [_bar(str(play), n) for play, n in rows]
    return _bars(
        candidate,
        "hooked listeners by the number of plays before they were hooked",
        bars,
        str(fact.detail.get("plays")),
    )


def title_week_bars(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """New owners of the playlist title in each week of the year: the burst that made it trend."""
    fact, start = candidate.fact, as_date(candidate.fact.period_start)
    if (
        query.public_only
        or start is None
        or not query.has("playlists", "user_markets", "market_tz")
    ):
        return None
    rows = query.rows(
        """
        WITH created AS (
            SELECT p.user_id, CAST(timezone(tz.tz, p.created_at) AS DATE) AS day,
                   lower(regexp_replace(trim(p.name), '\\s+', ' ', 'g')) AS title
            FROM playlists p JOIN user_markets m USING (user_id)
            JOIN market_tz tz ON tz.market = m.market
            WHERE m.market = ? AND p.created_at IS NOT NULL
        )
        SELECT date_trunc('week', day)::DATE AS week, count(DISTINCT user_id)
        FROM created WHERE title = lower(?) AND year(day) = ?
        GROUP BY ALL ORDER BY week
        """,
        [fact.market, fact.subject_name, start.year],
    )
    if not rows:
        return None
    peak = max(rows, key=lambda r: (r[1], r[0]))[0].isoformat()
    bars = [_bar(week.isoformat(), n) for week, n in rows]
    return _bars(candidate, "owners who made a playlist of the title, per week", bars, peak)


def context_bars(query: SeriesQuery, candidate: Candidate) -> dict[str, Any] | None:
    """The track's owners per playlist context in the year, each against what the context's
    share of the market's playlists predicts (ticks): one context far above its tick is the fact,
    many are a track that is simply on many playlists."""
    fact, start = candidate.fact, as_date(candidate.fact.period_start)
    context = fact.detail.get("context")
    contexts = query.param(fact.pack, "contexts", None)
    if query.public_only or start is None or not isinstance(contexts, str):
        return None
    if not query.has("playlists", "playlist_tracks", "user_markets", "market_tz"):
        return None
    rows = query.rows(
        r"""
        WITH owned AS (
            SELECT p.playlist_id, p.user_id, p.created_at, tz.tz,
                   nullif(regexp_extract(lower(p.name),
                                         '(^|[^\pL\pN])(' || ? || ')($|[^\pL\pN])', 2), '')
                       AS context
            FROM playlists p JOIN user_markets m USING (user_id)
            JOIN market_tz tz ON tz.market = m.market
            WHERE m.market = ?
        ),
        adds AS (
            SELECT DISTINCT o.playlist_id, o.user_id, o.context, t.track_id
            FROM playlist_tracks t JOIN owned o USING (playlist_id)
            WHERE year(CAST(timezone(o.tz, coalesce(t.added_at, o.created_at)) AS DATE)) = ?
        ),
        shares AS (
            SELECT context,
                   count(DISTINCT playlist_id) / (SELECT count(DISTINCT playlist_id) FROM adds)
                       AS share
            FROM adds WHERE context IS NOT NULL GROUP BY context
        ),
        owners AS (
            SELECT context, count(DISTINCT user_id) AS owners FROM adds
            WHERE track_id = ? AND context IS NOT NULL GROUP BY context
        )
        SELECT s.context, coalesce(o.owners, 0) AS owners,
               s.share * (SELECT count(DISTINCT user_id) FROM adds WHERE track_id = ?)
        FROM shares s LEFT JOIN owners o USING (context)
        ORDER BY s.context = ? DESC, owners DESC, s.context LIMIT ?
        """,
        [contexts, fact.market, start.year, fact.subject_id, fact.subject_id, context, MAX_BARS],
    )
    bars = sorted(
        (_bar(name, owners, expected) for name, owners, expected in rows),
        key=lambda b: (-b["value"], b["label"]),
    )
    unit = "the track's owners on playlists of each context, in the year"
    return _bars(candidate, unit, bars, context)


BARS: dict[str, Callable[[SeriesQuery, Candidate], dict[str, Any] | None]] = {
    "weekday_affinity": weekday_bars,
    "market_total": top_tracks_bars,
    "market_contrast": market_share_bars,
    "off_season": month_bars,
    "skip_point": skip_bars,
    "hook_point": hook_bars,
    "playlist_title_count": title_week_bars,
    "playlist_context": context_bars,
}
