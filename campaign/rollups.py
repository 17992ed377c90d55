"""The rollups every pack starts from, each computed once per workspace (and kept in the
workspace cache): `listener_track_days` (one row per listener, track and local day, from the
plays), `daily_streams` and the listener rollups read from it rather than from the plays (each
listener's active days, their plays of each track per year, the populations counted from them),
and `listener_markets`, the one listener-by-market pass over the plays that the listener counts
which include short plays (populations, playlist owners' markets, the summary) read. So no pack
groups or counts distinct listeners over all plays itself: a `count(DISTINCT user_id)` over every
listener-track-day, or a year-long group by listener and track, is what grew faster than the data
when each pack did it on its own.

The per-track rollups are grouped and kept by an integer key per track (`track_keys`, one pass
over the plays that also names each track), and read through views that join the track ids back:
ids such as 'spotify:track:…' are too long for DuckDB to inline, so building
`listener_track_days` from 120 M plays (grouping, and writing the cache file) took 64 s by id and
takes 41 s by key, and the year rollup over its 88 M rows 45 s against 24 s.
"""

from __future__ import annotations

import duckdb

from campaign.workspace_cache import WorkspaceCache

# Listener-level rollups made here (`listener_track_years_plays` a view of its keyed table):
# filtered again to listeners of known age in `individual`.
LISTENER_ROLLUPS = ("listener_days", "listener_track_years_plays")
# Each track's id, integer key and name (`track_names` is a view of it).
TRACK_KEYS = "track_keys"
# The rollups as kept, by track key: read through `listener_track_days` and
# `listener_track_years_plays`, which carry the track ids.
KEYED_TRACK_DAYS = "listener_track_day_keys"
KEYED_TRACK_YEARS = "listener_track_year_keys"


def create_track_keys(
    con: duckdb.DuckDBPyConnection, cache: WorkspaceCache, has_listens: bool
) -> None:
    """`track_keys` (each played track's id, integer key and latest name) and its view
    `track_names`; empty without plays."""
    if has_listens:
        cache.table(
            TRACK_KEYS,
            """
            SELECT track_id, CAST(row_number() OVER (ORDER BY track_id) AS INTEGER) AS track_key,
                   track_name, artist_name
            FROM (
                SELECT track_id, arg_max(track_name, played_at) AS track_name,
                       arg_max(artist_name, played_at) AS artist_name
                FROM listens GROUP BY track_id
            )
            """,
            temp=True,
        )
    else:
        con.execute(
            f"CREATE TEMP TABLE {TRACK_KEYS} (track_id VARCHAR, track_key INTEGER, "
            "track_name VARCHAR, artist_name VARCHAR)"
        )
    con.execute(
        "CREATE TEMP VIEW track_names AS "
        f"SELECT track_id, track_name, artist_name FROM {TRACK_KEYS}"
    )


def create_track_day_rollup(
    con: duckdb.DuckDBPyConnection, cache: WorkspaceCache, plays: str
) -> None:
    """`listener_track_days` (market, day, listener, track: `plays`, the count expression, which
    clips a listener's plays under differential privacy)."""
    cache.table(
        KEYED_TRACK_DAYS,
        f"""
        SELECT s.market, s.day, s.user_id, k.track_key, {plays} AS plays
        FROM streams s JOIN {TRACK_KEYS} k ON s.track_id IS NOT DISTINCT FROM k.track_id
        GROUP BY ALL
        """,
    )
    _with_track_ids(
        con, "listener_track_days", KEYED_TRACK_DAYS, ("market", "day", "user_id"), ("plays",)
    )


def create_daily_streams(cache: WorkspaceCache, charts_kept: str) -> None:
    """`daily_streams`: each market-day-track's streams and listeners from the listener rollup
    (a play without a track id counts for no track), and the chart rows where `charts_kept`."""
    cache.table(
        "daily_streams",
        f"""
        WITH daily_counts AS (
            SELECT day, market, track_key, CAST(sum(plays) AS BIGINT) AS streams,
                   count(*) AS listeners
            FROM {KEYED_TRACK_DAYS} GROUP BY ALL
        )
        SELECT c.day, c.market, n.track_id, n.track_name, n.artist_name, c.streams, c.listeners
        FROM daily_counts c JOIN {TRACK_KEYS} n USING (track_key)
        WHERE n.track_id IS NOT NULL
        UNION ALL
        SELECT day, market, track_id, track_name, artist_name, streams, listeners
        FROM raw_daily_streams
        WHERE {charts_kept}
        """,
        temp=True,
    )


def create_listener_rollups(con: duckdb.DuckDBPyConnection, cache: WorkspaceCache) -> None:
    """`listener_days` (market, day, listener), `listener_track_years_plays` (market, year,
    track, listener: plays and active days), and from them `market_years` and `market_days`."""
    cache.table(
        "listener_days",
        "SELECT market, day, user_id, CAST(sum(plays) AS BIGINT) AS plays "
        f"FROM {KEYED_TRACK_DAYS} GROUP BY ALL",
    )
    cache.table(
        KEYED_TRACK_YEARS,
        f"""
        SELECT market, year(day) AS year, track_key, user_id,
               CAST(sum(plays) AS BIGINT) AS plays, count(*) AS days
        FROM {KEYED_TRACK_DAYS} GROUP BY ALL
        """,
    )
    _with_track_ids(
        con,
        "listener_track_years_plays",
        KEYED_TRACK_YEARS,
        ("market", "year"),
        ("user_id", "plays", "days"),
    )
    # Distinct active listeners of each market-year: the population of the year-long facts.
    cache.table(
        "market_years",
        """
        SELECT market, year(day) AS year, count(DISTINCT user_id) AS listeners
        FROM listener_days GROUP BY ALL
        """,
        temp=True,
    )
    cache.table(
        "market_days",
        """
        WITH actives AS (
            SELECT day, market, count(*) AS listeners FROM listener_days GROUP BY ALL
        )
        SELECT d.day, d.market, CAST(sum(d.streams) AS BIGINT) AS streams,
               any_value(a.listeners) AS listeners
        FROM daily_streams d LEFT JOIN actives a USING (day, market)
        GROUP BY ALL
        """,
        temp=True,
    )


def create_listener_markets(cache: WorkspaceCache) -> None:
    """Each listener's plays in each market: the one pass over every play that the listener
    populations (`market_listeners`), the playlist owners' markets (`user_markets`) and the data
    summary's clipped play count all read, instead of each grouping the plays itself."""
    cache.table(
        "listener_markets",
        "SELECT user_id, market, count(*) AS plays FROM listens GROUP BY ALL",
    )


def create_user_markets(cache: WorkspaceCache) -> None:
    """Each active listener's market, read once for the playlist packs: the `users` table says
    it, else the market of most of their plays (the first by name on a tie)."""
    cache.table(
        "user_markets",
        """
        SELECT l.user_id,
               coalesce(any_value(u.market), min(l.market) FILTER (WHERE l.plays = l.most))
                   AS market
        FROM (SELECT *, max(plays) OVER (PARTITION BY user_id) AS most FROM listener_markets) l
        LEFT JOIN raw_users u USING (user_id)
        GROUP BY l.user_id
        """,
    )


def _with_track_ids(
    con: duckdb.DuckDBPyConnection,
    view: str,
    keyed: str,
    before: tuple[str, ...],
    after: tuple[str, ...],
) -> None:
    """View `view` of the keyed rollup `keyed`: its columns `before`, the track id, then its
    columns `after` (the order packs have always read)."""
    columns = ", ".join([*(f"r.{c}" for c in before), "k.track_id", *(f"r.{c}" for c in after)])
    con.execute(
        f"CREATE VIEW {view} AS SELECT {columns} "
        f"FROM {keyed} r JOIN {TRACK_KEYS} k USING (track_key)"
    )
