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
from campaign.wrapped.select import Dataset, listens_files, sql_list

MIN_STREAMS = 10  # the listener's own streams of the track, at least
MIN_RATIO = 3.0  # their share of their streams over the market's share of its streams

# Every market's streams per track and year, each play on its market's clock, and (the row
# marked `is_total`) the market-year's streams and distinct listeners: `crowd`, over every
# opted-in listener of the dataset, counted once. `own` is the same count per told listener
# ({by} is their user_id): the crowd minus it is "everyone else".
CROWD_SQL = """
SELECT {by}l.market, year(timezone(z.tz, l.played_at)) AS year, l.track_id,
       count(*) FILTER (WHERE l.ms_played >= $min_ms OR l.ms_played IS NULL) AS streams,
       count(DISTINCT l.user_id) AS listeners, grouping(l.track_id) = 1 AS is_total
FROM {plays} l JOIN market_zones z USING (market)
GROUP BY GROUPING SETS (({by}l.market, year, l.track_id), ({by}l.market, year))
"""

# The market's streams per track that year: the crowd's and the public charts'.
MARKET_TRACKS_SQL = """
SELECT market, track_id, sum(streams) AS streams FROM (
    SELECT market, track_id, streams FROM crowd WHERE year = $year AND NOT is_total
    UNION ALL
    SELECT market, track_id, streams FROM charts WHERE year(day) = $year
) WHERE market IN (SELECT market FROM listeners) GROUP BY ALL
"""

# Per told listener: the track of theirs whose share of their streams is the furthest above its
# share of everyone else's in their market (the crowd less their own plays), where everyone
# else is at least $k_min listeners or the market has charts.
MARKET_SHARE_SQL = """
WITH mine AS (
    SELECT user_id, track_id, arg_max(track_name, local_at) AS track,
           arg_max(artist_name, local_at) AS artist, count(*) AS streams
    FROM my_plays WHERE is_stream AND year(day) = $year GROUP BY user_id, track_id
),
told AS (
    SELECT s.user_id, s.market, (SELECT sum(streams) FROM mine m WHERE m.user_id = s.user_id)
           AS mine,
           (SELECT sum(streams) FROM market_tracks k WHERE k.market = s.market)
           - coalesce(o.streams, 0) AS total
    FROM listeners s
    LEFT JOIN own o ON o.user_id = s.user_id AND o.market = s.market AND o.year = $year
                       AND o.is_total
    LEFT JOIN crowd c ON c.market = s.market AND c.year = $year AND c.is_total
    WHERE s.year = $year AND s.market <> $global_market
      AND (coalesce(c.listeners, 0) - coalesce(o.listeners, 0) >= $k_min
           OR s.market IN (SELECT market FROM charts WHERE year(day) = $year))
),
theirs AS (
    SELECT m.*, t.market, t.mine, t.total,
           k.streams - coalesce(o.streams, 0) AS market_streams
    FROM mine m JOIN told t USING (user_id)
    LEFT JOIN market_tracks k ON k.market = t.market AND k.track_id = m.track_id
    LEFT JOIN own o ON o.user_id = m.user_id AND o.market = t.market AND o.year = $year
                       AND o.track_id = m.track_id AND NOT o.is_total
    WHERE m.streams >= $min_streams
)
SELECT user_id, market, track, artist, streams,
       round(coalesce(market_streams, 0) / total * mine, 2) AS expected,
       -- a track the market never streamed counts as one stream there: a conservative floor
       (streams / mine) / (greatest(coalesce(market_streams, 0), 1) / total) AS ratio
FROM theirs
QUALIFY row_number() OVER (PARTITION BY user_id ORDER BY ratio DESC, streams DESC, track) = 1
"""


def _crowd_sql(plays: str, per_listener: bool) -> str:
    return CROWD_SQL.format(by="l.user_id, " if per_listener else "", plays=plays)


def create_crowd(con: duckdb.DuckDBPyConnection, dataset: Dataset, min_ms: int) -> None:
    """`others` (every opted-in listener's plays), `charts`, and `crowd`: counted once for every
    listener told on this connection."""
    opted = dataset.files("users")
    con.execute(
        f"CREATE OR REPLACE VIEW others AS SELECT user_id, market, track_id, ms_played, played_at "
        f"FROM read_parquet({sql_list(listens_files(dataset))}, union_by_name = true)"
        + (
            f" ANTI JOIN (SELECT user_id FROM read_parquet({sql_list(opted)}, "
            "union_by_name = true) WHERE coalesce(opted_out, false)) USING (user_id)"
            if opted
            else ""
        )
    )
    charts = dataset.files("daily_streams")
    con.execute(
        f"CREATE OR REPLACE VIEW charts AS SELECT market, day, track_id, streams "
        f"FROM read_parquet({sql_list(charts)}, union_by_name = true)"
        if charts
        else "CREATE OR REPLACE VIEW charts AS SELECT NULL::VARCHAR AS market, NULL::DATE AS day, "
        "NULL::VARCHAR AS track_id, NULL::BIGINT AS streams LIMIT 0"
    )
    markets = [row[0] for row in con.execute("SELECT DISTINCT market FROM others").fetchall()]
    con.execute("CREATE OR REPLACE TEMP TABLE market_zones (market VARCHAR, tz VARCHAR)")
    if markets:
        con.executemany(
            "INSERT INTO market_zones VALUES (?, ?)", [[m, market_timezone(m)] for m in markets]
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE crowd AS {_crowd_sql('others', False)}", {"min_ms": min_ms}
    )


def market_cards(con: duckdb.DuckDBPyConnection, year: int, min_ms: int) -> dict[str, Card]:
    """The card of every listener of `listeners` told in `year` who has a crowd to compare with
    and a track far above it, on a connection with `my_plays`, `all_listens` and `crowd`."""
    own = "(SELECT * FROM all_listens SEMI JOIN listeners USING (user_id))"
    con.execute(f"CREATE OR REPLACE TEMP TABLE own AS {_crowd_sql(own, True)}", {"min_ms": min_ms})
    where = {"year": year}
    con.execute(f"CREATE OR REPLACE TEMP TABLE market_tracks AS {MARKET_TRACKS_SQL}", where)
    share_params = {
        "year": year,
        "min_streams": MIN_STREAMS,
        "k_min": PrivacySettings().k_min,
        "global_market": GLOBAL_MARKET,
    }
    sql = (
        _crowd_sql("others", False).strip()
        + "\n\n-- crowd is the query above over every opted-in listener; own, the same per told "
        "listener\n"
        + MARKET_TRACKS_SQL.strip()
        + "\n\n-- market_tracks is the query above\n"
        + MARKET_SHARE_SQL
    )
    cards = {}
    rows = con.execute(MARKET_SHARE_SQL, share_params).fetchall()
    for user_id, market, track, artist, streams, expected, ratio in rows:
        if ratio < MIN_RATIO:
            continue
        score = count_surprise(streams, expected, None)
        facts = {
            "track": track,
            "artist": artist,
            "streams": streams,
            "times": int(ratio),
            "surprise_inputs": score.inputs,
        }
        # the listener's pseudonym is never a parameter of the query, nor written out
        params = {"market": market, "year": year, "min_ms": min_ms, "min_streams": MIN_STREAMS}
        cards[str(user_id)] = Card(
            "market_share", facts, sql.strip(), params, "market", "market", score.value
        )
    return cards
