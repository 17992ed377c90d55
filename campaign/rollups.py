"""The rollups read from `listener_track_days` rather than from the plays: each listener's active
days, their plays of each track per year, and the populations counted from them.

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
