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
CROWD_TABLE = "wrapped_crowd"  # a Dataset table the batch adds: CROWD_SQL's counts, made once

# Every market's streams per track and year, each play on its market's clock, and (the row
# marked `is_total`) the market-year's streams and distinct listeners. With $user set, the
# same count of that one listener's plays: the crowd minus it is "everyone else". The batch runs
# it once for every listener (`crowd_table`); one listener's run, on the dataset it reads.
CROWD_SQL = """
SELECT l.market, year(timezone(z.tz, l.played_at)) AS year, l.track_id,
       count(*) FILTER (WHERE l.ms_played >= $min_ms OR l.ms_played IS NULL) AS streams,
       count(DISTINCT l.user_id) AS listeners, grouping(l.track_id) = 1 AS is_total
FROM others l JOIN market_zones z USING (market)
WHERE $user IS NULL OR l.user_id = $user
GROUP BY GROUPING SETS ((l.market, year, l.track_id), (l.market, year))
"""

MARKET_TRACKS_SQL = """
SELECT track_id, sum(streams) AS streams FROM (
    SELECT c.track_id, c.streams - coalesce(o.streams, 0) AS streams
    FROM crowd c LEFT JOIN own o USING (market, year, track_id)
    WHERE c.market = $market AND c.year = $year AND NOT c.is_total
    UNION ALL
    SELECT track_id, streams FROM charts WHERE market = $market AND year(day) = $year
) GROUP BY track_id
"""

# The other listeners of the market that year: the crowd's, less the listener if they are in it.
OTHER_LISTENERS_SQL = """
SELECT (SELECT coalesce(sum(listeners), 0) FROM crowd
        WHERE market = $market AND year = $year AND is_total)
     - (SELECT coalesce(sum(listeners), 0) FROM own
        WHERE market = $market AND year = $year AND is_total)
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


def create_market_zones(con: duckdb.DuckDBPyConnection) -> None:
    """`market_zones`: each market of `others` with its time zone (a market's year is local)."""
    markets = [row[0] for row in con.execute("SELECT DISTINCT market FROM others").fetchall()]
    con.execute("CREATE OR REPLACE TEMP TABLE market_zones (market VARCHAR, tz VARCHAR)")
    if markets:
        con.executemany(
            "INSERT INTO market_zones VALUES (?, ?)", [[m, market_timezone(m)] for m in markets]
        )


def crowd_table(con: duckdb.DuckDBPyConnection, user: str | None, min_ms: int, name: str) -> None:
    """Table `name` with CROWD_SQL's counts over the connection's `others` view."""
    create_market_zones(con)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {name} AS {CROWD_SQL}", {"user": user, "min_ms": min_ms}
    )


def _crowd(con: duckdb.DuckDBPyConnection, market: str, year: int) -> bool:
    """Enough other listeners in the market that year, or its charts."""
    where = {"market": market, "year": year}
    listeners = con.execute(OTHER_LISTENERS_SQL, where).fetchone()[0]
    charted = con.execute(
        "SELECT count(*) > 0 FROM charts WHERE market = $market AND year(day) = $year", where
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
    crowd = dataset.files(CROWD_TABLE)
    if crowd:  # counted once for every listener by the batch
        con.execute(f"CREATE OR REPLACE VIEW crowd AS FROM read_parquet({sql_list(crowd)})")
    else:
        crowd_table(con, None, min_ms, "crowd")
    crowd_table(con, listener.user_id, min_ms, "own")
    params = {"market": listener.market, "year": listener.year, "min_ms": min_ms}
    if not _crowd(con, listener.market, listener.year):
        return None
    where = {"market": listener.market, "year": listener.year}
    con.execute(f"CREATE OR REPLACE TEMP TABLE market_tracks AS {MARKET_TRACKS_SQL}", where)
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
    sql = (
        CROWD_SQL.strip()
        + "\n\n-- crowd is the query above with $user NULL, own with $user the listener\n"
        + MARKET_TRACKS_SQL.strip()
        + "\n\n-- market_tracks is the query above\n"
        + MARKET_SHARE_SQL
    )
    # the listener's pseudonym is a parameter of the query, never written out
    shown = {**params, **share_params}
    return Card("market_share", facts, sql.strip(), shown, "market", "market", score.value)
