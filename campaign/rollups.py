"""The rollups read from `listener_track_days` rather than from the plays: each listener's active
days, their plays of each track per year, and the populations counted from them; and
`listener_markets`, the one listener-by-market pass over the plays that the listener counts
which include short plays (populations, playlist owners' markets, the summary) read.

Every one is one pass over the rollup below it, paid once per workspace (and kept in the
workspace cache), so no pack groups or counts distinct listeners over all plays itself: a
`count(DISTINCT user_id)` over every listener-track-day, or a year-long group by listener and
track, is what grew faster than the data when each pack did it on its own.
"""

from __future__ import annotations

from campaign.workspace_cache import WorkspaceCache

# Listener-level tables made here: filtered again to listeners of known age in `individual`.
LISTENER_ROLLUPS = ("listener_days", "listener_track_years_plays")


def create_listener_rollups(cache: WorkspaceCache) -> None:
    """`listener_days` (market, day, listener), `listener_track_years_plays` (market, year,
    track, listener: plays and active days), and from them `market_years` and `market_days`."""
    cache.table(
        "listener_days",
        "SELECT market, day, user_id, sum(plays) AS plays FROM listener_track_days GROUP BY ALL",
    )
    cache.table(
        "listener_track_years_plays",
        """
        SELECT market, year(day) AS year, track_id, user_id,
               sum(plays) AS plays, count(*) AS days
        FROM listener_track_days GROUP BY ALL
        """,
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
        SELECT d.day, d.market, sum(d.streams) AS streams, any_value(a.listeners) AS listeners
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
