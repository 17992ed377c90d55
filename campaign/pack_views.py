"""Tables and macros the packs share, so a quantity every pack needs is defined once.

Created by `open_workspace` after the rollups; a pack pasted into the DuckDB shell finds them as
it finds `daily_streams` (README, "Query packs"). Populations: a market's population over a
period is its distinct active listeners (`listener_track_days`: plays of at least the privacy
`min_ms_played`, opted-out and under-age listeners gone) in that period: `market_days.listeners`
for a day, `market_years.listeners` for a year, and the same count over a fact's own days where a
fact spans some other period (streak).
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from campaign.events import KIND_PRIORITY, Event
from campaign.floors import floor_sql

# Shared tables, each one aggregation that several packs read (and campaign.noise counts): made
# once per workspace (and kept in its cache) rather than re-aggregated by every pack reading it.
SHARED_TABLES = {
    # The name a market last streamed a track under (charts spell titles per market).
    "market_track_names": """
    SELECT market, track_id,
           arg_max(track_name, day) AS track_name, arg_max(artist_name, day) AS artist_name
    FROM daily_streams
    GROUP BY ALL
    """,
    # Distinct listeners of each track in each market-year (empty without listens): a yearly
    # fact's cohort.
    "listener_track_years": """
    SELECT market, year, track_id, count(*) AS listeners
    FROM listener_track_years_plays
    GROUP BY ALL
    """,
}
# Table macros: the first argument names the table (a view or one of the pack's own CTEs) read.
SHARED_MACROS = ("tail_rank",)

# The statements that define the shared macros.
_STATEMENTS = (
    # The tail rank of each value in its part (a market, or a market-year): how many cells of the
    # part reach at least that value (`at_least`, of `total`), and the part's 99.9th percentile
    # (`p999`). `cells` names a table or CTE, `part` and `val` are expressions over its columns:
    #   SELECT * FROM tail_rank(cells, market, plays)
    """
    CREATE MACRO tail_rank(cells, part, val) AS TABLE
    WITH distribution AS (
        SELECT part AS tail_part, val AS tail_value, count(*) AS n
        FROM query_table(cells)
        GROUP BY ALL
    ),
    tail AS (
        SELECT tail_part, tail_value,
               sum(n) OVER (PARTITION BY tail_part ORDER BY tail_value DESC) AS at_least,
               sum(n) OVER (PARTITION BY tail_part) AS total,
               sum(n) OVER (PARTITION BY tail_part ORDER BY tail_value)
                   / sum(n) OVER (PARTITION BY tail_part) AS cumulative_share
        FROM distribution
    )
    SELECT tail_part AS part, tail_value AS value, at_least, total,
           min(tail_value) FILTER (WHERE cumulative_share >= 0.999)
               OVER (PARTITION BY tail_part) AS p999
    FROM tail
    """,
    # Whether calendar month `m` (1-12) falls in a season from month `first` to month `last`,
    # which may wrap over New Year (11 to 1: November, December, January).
    """
    CREATE MACRO in_season(m, first, last) AS
    CASE WHEN first <= last THEN m BETWEEN first AND last ELSE m >= first OR m <= last END
    """,
    # A sum of fractions that is the same bits in whatever order the rows come (DuckDB sums
    # doubles in parallel, in no fixed order): each term as a decimal, summed exactly.
    # `exact_sum` for levels and variances of counts (up to 10^32, to 6 decimals),
    # `exact_share_sum` for shares and their squares (up to 10^8, to 30 decimals).
    """
    CREATE MACRO exact_sum(x) AS CAST(sum(CAST(x AS DECIMAL(38, 6))) AS DOUBLE)
    """,
    """
    CREATE MACRO exact_share_sum(x) AS CAST(sum(CAST(x AS DECIMAL(38, 30))) AS DOUBLE)
    """,
    # The sample variance of counts (var_samp's answer, NULL below two rows; integer `x` only)
    # from exact integer sums, so the same bits in whatever order the rows come: var_samp's
    # parallel double sums can put a variance such as 469.375 just under it, and its round(·, 2)
    # then flips. `count_square_sum` is the exact sum of squares inside it.
    """
    CREATE MACRO count_square_sum(x) AS sum(CAST(x AS DECIMAL(38, 0)) * CAST(x AS DECIMAL(38, 0)))
    """,
    """
    CREATE MACRO count_variance(x) AS
    CASE WHEN count(x) > 1
         THEN CAST(count(x) * count_square_sum(x)
                   - sum(CAST(x AS DECIMAL(38, 0))) * sum(CAST(x AS DECIMAL(38, 0))) AS DOUBLE)
              / (count(x) * (count(x) - 1)) END
    """,
)


def create_pack_views(
    con: duckdb.DuckDBPyConnection, keep: Callable[[str, str], None] | None = None
) -> None:
    """Define the shared tables and macros on a workspace connection: `keep(name, sql)` makes
    each table (the workspace cache's), else each is a view."""
    make = keep or (lambda name, sql: con.execute(f"CREATE VIEW {name} AS {sql}"))
    for name, sql in SHARED_TABLES.items():
        make(name, sql)
    for statement in _STATEMENTS:
        con.execute(statement)


def create_chart_floors(con: duckdb.DuckDBPyConnection, period_filter: str) -> None:
    """Each chart market-day's floor and depth: read from ingest's `chart_floors` where it wrote
    one, else derived from the chart rows themselves (older datasets), so an absent track is known
    to have had at most the floor. Rows with listener counts are complete data: no floor there.
    `period_filter` is the SQL condition on `day` that keeps the campaign's period."""
    derived = floor_sql(
        "SELECT day, market, track_id, streams FROM raw_daily_streams WHERE listeners IS NULL "
        "AND market NOT IN (SELECT DISTINCT market FROM raw_chart_floors)"
    )
    con.execute(
        f"""
        CREATE TEMP TABLE chart_floors AS
        SELECT * FROM (
            SELECT day, market, floor_streams, depth, cadence FROM raw_chart_floors
            UNION ALL BY NAME
            SELECT * FROM ({derived})
        )
        WHERE market IN (SELECT market FROM market_tz) AND {period_filter}
        """
    )


def create_event_tables(con: duckdb.DuckDBPyConnection, events: list[Event]) -> None:
    """The calendar as the packs read it: `events`, and `event_days` (each day's first event
    by kind priority). Rebuilt every run: it is small and follows the events files."""
    con.execute(
        """
        CREATE TEMP TABLE events (
            event_id VARCHAR, day DATE, market VARCHAR, kind VARCHAR, name VARCHAR,
            names MAP(VARCHAR, VARCHAR), source VARCHAR, priority INTEGER
        )
        """
    )
    con.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?, MAP(?, ?), ?, ?)",
        [
            (
                e.event_id,
                e.day,
                e.market,
                e.kind,
                e.name("en"),
                list(e.names.keys()),
                list(e.names.values()),
                e.source,
                KIND_PRIORITY[e.kind],
            )
            for e in events
        ],
    )
    con.execute(
        """
        CREATE VIEW event_days AS
        SELECT day, market, arg_min(event_id, priority) AS event_id FROM events GROUP BY ALL
        """
    )
