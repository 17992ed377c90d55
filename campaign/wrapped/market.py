"""A track that was far bigger in the listener's year than in their market's.

Only where the dataset holds a crowd to compare with: the other listeners of the market (at least
`k_min` of them, the billboards' own floor) or the market's public charts. The market's side is
one share per track; nothing about any other listener is shown.
"""

from __future__ import annotations

import duckdb

from campaign.config import PrivacySettings
from campaign.markets import GLOBAL_MARKET, market_timezone
from campaign.scoring import count_surprise
from campaign.wrapped.card import Card
from campaign.wrapped.select import Dataset, Listener, listens_files, sql_list

MIN_STREAMS = 10  # the listener's own streams of the track, at least
MIN_RATIO = 3.0  # their share of their streams over the market's share of its streams

MARKET_TRACKS_SQL = """
SELECT track_id, sum(streams) AS streams FROM (
    SELECT track_id, count(*) AS streams FROM others
    WHERE market = $market AND user_id <> $user
      AND (ms_played >= $min_ms OR ms_played IS NULL)
      AND year(timezone($market_tz, played_at)) = $year
    GROUP BY track_id
    UNION ALL
    SELECT track_id, streams FROM charts WHERE market = $market AND year(day) = $year
) GROUP BY track_id
"""

MARKET_SHARE_SQL = """
WITH mine AS (
    SELECT track_id, arg_max(track_name, local_at) AS track,
           arg_max(artist_name, local_at) AS artist, count(*) AS streams
    FROM my_plays WHERE is_stream AND year(day) = $year GROUP BY track_id
),
totals AS (
    SELECT (SELECT sum(streams) FROM mine) AS mine,
           (SELECT sum(streams) FROM market_tracks) AS market
)
SELECT m.track, m.artist, m.streams,
       round(coalesce(k.streams, 0) / t.market * t.mine, 2) AS expected,
       -- a track the market never streamed counts as one stream there: a conservative floor
       (m.streams / t.mine) / (greatest(coalesce(k.streams, 0), 1) / t.market) AS ratio
FROM mine m CROSS JOIN totals t LEFT JOIN market_tracks k USING (track_id)
WHERE m.streams >= $min_streams
ORDER BY ratio DESC, m.streams DESC, m.track
LIMIT 1
"""


def _crowd(con: duckdb.DuckDBPyConnection, params: dict) -> bool:
    """Enough other listeners in the market that year, or its charts."""
    listeners = con.execute(
        "SELECT count(DISTINCT user_id) FROM others WHERE market = $market AND user_id <> $user "
        "AND year(timezone($market_tz, played_at)) = $year",
        {k: params[k] for k in ("market", "user", "market_tz", "year")},
    ).fetchone()[0]
    charted = con.execute(
        "SELECT count(*) > 0 FROM charts WHERE market = $market AND year(day) = $year",
        {k: params[k] for k in ("market", "year")},
    ).fetchone()[0]
    return listeners >= PrivacySettings().k_min or bool(charted)


def market_share_card(
    con: duckdb.DuckDBPyConnection, dataset: Dataset, listener: Listener, min_ms: int
) -> Card | None:
    """The card, on a connection that has `my_plays`; None without a crowd to compare with."""
    if listener.market == GLOBAL_MARKET:
        return None
    con.execute(
        f"CREATE OR REPLACE VIEW others AS SELECT user_id, market, track_id, ms_played, played_at "
        f"FROM read_parquet({sql_list(listens_files(dataset))}, union_by_name = true)"
    )
    charts = dataset.files("daily_streams")
    con.execute(
        f"CREATE OR REPLACE VIEW charts AS SELECT market, day, track_id, streams "
        f"FROM read_parquet({sql_list(charts)}, union_by_name = true)"
        if charts
        else "CREATE OR REPLACE VIEW charts AS SELECT NULL::VARCHAR AS market, NULL::DATE AS day, "
        "NULL::VARCHAR AS track_id, NULL::BIGINT AS streams LIMIT 0"
    )
    params = {
        "market": listener.market,
        "user": listener.user_id,
        "market_tz": market_timezone(listener.market),
        "year": listener.year,
        "min_ms": min_ms,
    }
    if not _crowd(con, params):
        return None
    con.execute(f"CREATE OR REPLACE TEMP TABLE market_tracks AS {MARKET_TRACKS_SQL}", params)
    share_params = {"year": listener.year, "min_streams": MIN_STREAMS}
    row = con.execute(MARKET_SHARE_SQL, share_params).fetchone()
    if row is None or row[4] < MIN_RATIO:
        return None
    track, artist, streams, expected, ratio = row
    score = count_surprise(streams, expected, None)
    facts = {
        "track": track,
        "artist": artist,
        "streams": streams,
        "times": int(ratio),
        "surprise_inputs": score.inputs,
    }
    sql = MARKET_TRACKS_SQL.strip() + "\n\n-- market_tracks is the query above\n" + MARKET_SHARE_SQL
    # the listener's pseudonym is a parameter of the query, never written out
    shown = {k: v for k, v in {**params, **share_params}.items() if k != "user"}
    return Card("market_share", facts, sql.strip(), shown, "market", "market", score.value)
