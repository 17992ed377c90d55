"""The workspace: one DuckDB connection whose views make any dataset look canonical to the packs.

Data stays in Parquet and is read in place; free text is read without unsafe characters
(campaign.safetext), whichever tool wrote the Parquet. Privacy filters (opt-outs, minimum age)
are applied once, in the allowed-listener set that every listener-level view reads, so no pack
can see a removed listener. Derived tables that several packs share (daily rollups, local days,
track names) are computed once here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from campaign.config import CampaignConfig
from campaign.datafiles import create_raw_views, resolve_data
from campaign.errors import ConfigError, InputError
from campaign.events import KIND_PRIORITY, Event, build_calendar
from campaign.locales import calendar_locales
from campaign.pack_views import SHARED_VIEWS, create_chart_floors, create_pack_views
from campaign.packguard import create_guard_tables

# Listener-level views and tables (one row per listener or play): filtered by the allowed-listener
# set, and again to listeners of known age in the `individual` schema.
LISTENER_VIEWS = (
    "listens",
    "streams",
    "listener_track_days",
    "users",
    "playlists",
    "playlist_tracks",
    "user_markets",
)
INDIVIDUAL_SCOPE = "individual"

# How far before the campaign period the data is kept, so baselines of early-January facts exist.
BASELINE_MARGIN_DAYS = 70


@dataclass
class Workspace:
    con: duckdb.DuckDBPyConnection
    tables: set[str]
    markets: list[str]
    first_day: date | None
    last_day: date | None
    market_population: dict[str, int] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    files: dict[str, list[Path]] = field(default_factory=dict)

    def close(self) -> None:
        self.con.close()


def open_workspace(
    config: CampaignConfig,
    data: Sequence[Path | str],
    memory_limit: str | None = None,
    connect: Callable[[], duckdb.DuckDBPyConnection] = duckdb.connect,
) -> Workspace:
    """Register the data as canonical views and build the shared derived tables. `connect`
    opens the connection (campaign.spark passes one that records the statements it builds with)."""
    if not data:
        raise InputError("no data given: pass --data PATH or set `data` in campaign.toml", "--data")
    con = connect()
    con.execute("SET preserve_insertion_order = false")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    files = resolve_data(con, data)
    if "listens" not in files and "daily_streams" not in files:
        raise InputError("holds neither listens nor daily_streams", ", ".join(map(str, data)))

    create_raw_views(con, files)

    markets = _markets(con, config, files)
    con.execute("CREATE TEMP TABLE market_tz (market VARCHAR, tz VARCHAR)")
    con.executemany(
        "INSERT INTO market_tz VALUES (?, ?)", [(m, config.timezone(m)) for m in markets]
    )
    _create_listens(con, config, markets)
    _create_rollups(con, config, has_listens="listens" in files)
    create_pack_views(con)
    create_chart_floors(con, _period_filter(config, "day"))
    if "playlists" in files:
        _create_user_markets(con)
    _create_individual_scope(con)

    first, last = con.execute("SELECT min(day), max(day) FROM daily_streams").fetchone()
    if first is None:
        period = f"year {config.year}" if config.year else "the data's period"
        raise ConfigError(
            f"no plays or daily counts are left in markets {', '.join(markets)} and {period} "
            "once opted-out and under-age listeners are removed",
            "year" if config.year else "markets",
        )
    years = range(first.year, last.year + 1)
    events = build_calendar(markets, years, calendar_locales(config, markets), config.events)
    _create_events(con, events)
    create_guard_tables(con)
    population = dict(
        con.execute(
            "SELECT market, count(DISTINCT user_id) FROM listens GROUP BY market"
        ).fetchall()
    )
    return Workspace(
        con=con,
        tables=_available_tables(files),
        markets=markets,
        first_day=first,
        last_day=last,
        market_population=population,
        events=events,
        files=files,
    )


def _available_tables(files: dict[str, list[Path]]) -> set[str]:
    """The tables and views a pack may name in `needs`."""
    tables = {
        "daily_streams",
        "chart_floors",
        "market_days",
        "events",
        "event_days",
        "market_tz",
        "track_names",
    }
    tables |= set(SHARED_VIEWS)
    if "listens" in files:
        tables |= {"listens", "streams", "listener_track_days", "market_years"}
    if "playlists" in files:
        tables |= {"user_markets"}
    return tables | (set(files) & {"users", "tracks", "playlists", "playlist_tracks"})


def _markets(
    con: duckdb.DuckDBPyConnection, config: CampaignConfig, files: dict[str, list[Path]]
) -> list[str]:
    """The campaign's markets that the data holds; none at all is an error saying why."""
    found = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT market FROM raw_listens "
            "UNION SELECT DISTINCT market FROM raw_daily_streams"
        ).fetchall()
        if r[0] is not None
    ]
    sources = [p for table in ("listens", "daily_streams") for p in files.get(table, [])]
    if not found:
        where = sources[0] if len(sources) == 1 else f"{sources[0].parent} ({len(sources)} files)"
        raise InputError(
            "holds no plays or daily counts with a market: the listens and daily_streams tables "
            "have no rows (or column 'market' is empty in every row)",
            where,
        )
    if not config.markets:
        return sorted(found)
    kept = sorted(set(config.markets) & set(found))
    if not kept:
        raise ConfigError(
            f"setting 'markets' asks for {', '.join(config.markets)}, but column 'market' of the "
            f"data holds only {', '.join(sorted(found)[:20])}",
            "markets",
        )
    return kept


def _period_filter(config: CampaignConfig, column: str) -> str:
    """A literal range on a timestamp or date column, so Parquet row groups can be skipped."""
    if config.year is None:
        return "TRUE"
    start = date(config.year, 1, 1).toordinal() - BASELINE_MARGIN_DAYS
    return (
        f"{column} >= DATE '{date.fromordinal(start).isoformat()}' "
        f"AND {column} < DATE '{config.year + 1}-01-02'"
    )


def _first_fact_day(con: duckdb.DuckDBPyConnection, config: CampaignConfig) -> date:
    """The earliest local day any fact can cover: the start of the plays in the campaign's
    markets and period, in each market's own time, and never before the campaign year."""
    first = con.execute(
        f"""
        SELECT min(CAST(timezone(tz.tz, f.first_play) AS DATE)) FROM (
            SELECT market, min(played_at) AS first_play FROM raw_listens l
            WHERE {_period_filter(config, "l.played_at")} GROUP BY market
        ) f JOIN market_tz tz USING (market)
        """
    ).fetchone()[0]
    if config.year is not None:
        return max(first, date(config.year, 1, 1)) if first else date(config.year, 1, 1)
    return first or date.today()


def youngest_allowed_birth_year(first_day: date, min_age: int) -> int:
    """The latest birth year of a listener who is surely `min_age` on every day from `first_day`:
    a birth year alone leaves the birthday open, so one born in year b is surely `a` years old on
    day d only when d.year - b - 1 >= a."""
    return first_day.year - 1 - min_age


_OPTED_OUT = "SELECT DISTINCT user_id FROM raw_users WHERE user_id IS NOT NULL AND opted_out"


def _create_allowed_listeners(con: duckdb.DuckDBPyConnection, config: CampaignConfig) -> None:
    """The one definition of who may be counted. `excluded_listeners`: opted out, or possibly
    under `min_age` on a day a fact can cover; they are removed from every view. `aged_listeners`:
    the rest of those whose birth year is known, the only ones an individual fact may be about
    (with `min_age = 0`, as for a listener's own Wrapped, age is not asked: every listener)."""
    if config.privacy.min_age == 0:
        con.execute("CREATE TABLE excluded_listeners AS " + _OPTED_OUT)
        con.execute(
            "CREATE TABLE aged_listeners AS SELECT DISTINCT user_id FROM raw_listens "
            "EXCEPT SELECT user_id FROM excluded_listeners"
        )
        return
    youngest = youngest_allowed_birth_year(_first_fact_day(con, config), config.privacy.min_age)
    con.execute(
        f"""
        CREATE TABLE excluded_listeners AS
        SELECT DISTINCT user_id FROM raw_users
        WHERE user_id IS NOT NULL AND (coalesce(opted_out, false) OR birth_year > {youngest})
        """
    )
    con.execute(
        f"""
        CREATE TABLE aged_listeners AS
        SELECT DISTINCT user_id FROM raw_users
        WHERE birth_year IS NOT NULL AND birth_year <= {youngest}
        EXCEPT SELECT user_id FROM excluded_listeners
        """
    )


def _create_listens(
    con: duckdb.DuckDBPyConnection, config: CampaignConfig, markets: list[str]
) -> None:
    """The listener-level views, every one filtered by the allowed-listener set."""
    _create_allowed_listeners(con, config)
    market_list = ", ".join("'" + m.replace("'", "''") + "'" for m in markets) or "NULL"
    con.execute(
        f"""
        CREATE VIEW listens AS
        SELECT l.* FROM raw_listens l ANTI JOIN excluded_listeners x USING (user_id)
        WHERE l.market IN ({market_list})
          AND {_period_filter(config, "l.played_at")}
        """
    )
    con.execute(
        f"""
        CREATE VIEW streams AS
        SELECT l.*, CAST(timezone(tz.tz, l.played_at) AS DATE) AS day
        FROM listens l JOIN market_tz tz USING (market)
        WHERE l.ms_played >= {int(config.privacy.min_ms_played)} OR l.ms_played IS NULL
        """
    )
    con.execute(
        "CREATE VIEW users AS "
        "SELECT u.* FROM raw_users u ANTI JOIN excluded_listeners USING (user_id)"
    )
    con.execute("CREATE VIEW tracks AS SELECT * FROM raw_tracks")
    con.execute(
        """
        CREATE VIEW playlists AS
        SELECT p.* FROM raw_playlists p ANTI JOIN excluded_listeners USING (user_id)
        """
    )
    con.execute(
        """
        CREATE VIEW playlist_tracks AS
        SELECT t.* FROM raw_playlist_tracks t SEMI JOIN playlists p USING (playlist_id)
        """
    )


def _create_individual_scope(con: duckdb.DuckDBPyConnection) -> None:
    """Schema `individual`: the same listener-level views, kept to listeners of known age.
    Individual packs run with it first on the search path (`pack_scope`)."""
    con.execute(f"CREATE SCHEMA {INDIVIDUAL_SCOPE}")
    for view in LISTENER_VIEWS:
        exists = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = ? "
            "UNION ALL SELECT count(*) FROM duckdb_views() "
            "WHERE schema_name = 'main' AND view_name = ?",
            [view, view],
        ).fetchall()
        if not any(n for (n,) in exists):
            continue
        kept = (
            "SEMI JOIN individual.playlists p USING (playlist_id)"
            if view == "playlist_tracks"
            else "SEMI JOIN aged_listeners a USING (user_id)"
        )
        con.execute(
            f"CREATE VIEW {INDIVIDUAL_SCOPE}.{view} AS SELECT t.* FROM main.{view} t {kept}"
        )


@contextmanager
def pack_scope(con: duckdb.DuckDBPyConnection, audience: str) -> Iterator[None]:
    """Run a pack of this audience against the views it may read: an individual pack sees only
    listeners of known age; every other pack the main views."""
    if audience != "individual":
        yield
        return
    con.execute(f"SET search_path = '{INDIVIDUAL_SCOPE},main'")
    try:
        yield
    finally:
        con.execute("RESET search_path")


def _create_user_markets(con: duckdb.DuckDBPyConnection) -> None:
    """Each active listener's market, read once for the playlist packs: the `users` table says
    it, else the market of most of their plays."""
    con.execute(
        """
        CREATE TABLE user_markets AS
        SELECT l.user_id, coalesce(any_value(u.market), mode(l.market)) AS market
        FROM listens l LEFT JOIN raw_users u USING (user_id)
        GROUP BY l.user_id
        """
    )


def _create_rollups(
    con: duckdb.DuckDBPyConnection, config: CampaignConfig, has_listens: bool
) -> None:
    """Daily counts per market-day-track, read from the plays once and shared by every pack."""
    market_list = "(SELECT market FROM market_tz)"
    con.execute(
        """
        CREATE TEMP TABLE track_names AS
        SELECT track_id, arg_max(track_name, played_at) AS track_name,
               arg_max(artist_name, played_at) AS artist_name
        FROM listens GROUP BY track_id
        """
        if has_listens
        else "CREATE TEMP TABLE track_names "
        "(track_id VARCHAR, track_name VARCHAR, artist_name VARCHAR)"
    )
    # One row per listener, track and local day: most packs start here, and the daily counts
    # come from it without a count(DISTINCT) over the plays.
    con.execute(
        """
        CREATE TABLE listener_track_days AS
        SELECT market, day, user_id, track_id, count(*) AS plays FROM streams GROUP BY ALL
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE daily_counts AS
        SELECT day, market, track_id, sum(plays) AS streams, count(*) AS listeners
        FROM listener_track_days GROUP BY ALL
        """
    )
    con.execute(
        f"""
        CREATE TEMP TABLE daily_streams AS
        SELECT c.day, c.market, c.track_id, n.track_name, n.artist_name, c.streams, c.listeners
        FROM daily_counts c JOIN track_names n USING (track_id)
        UNION ALL
        SELECT day, market, track_id, track_name, artist_name, streams, listeners
        FROM raw_daily_streams
        WHERE market IN {market_list} AND {_period_filter(config, "day")}
        """
    )
    con.execute("DROP TABLE daily_counts")
    # Distinct active listeners of each market-year: the population of the year-long facts.
    con.execute(
        """
        CREATE TEMP TABLE market_years AS
        SELECT market, year(day) AS year, count(DISTINCT user_id) AS listeners
        FROM listener_track_days GROUP BY ALL
        """
    )
    con.execute(
        """
        CREATE TEMP TABLE market_days AS
        WITH actives AS (
            SELECT day, market, count(DISTINCT user_id) AS listeners
            FROM listener_track_days GROUP BY ALL
        )
        SELECT d.day, d.market, sum(d.streams) AS streams, any_value(a.listeners) AS listeners
        FROM daily_streams d LEFT JOIN actives a USING (day, market)
        GROUP BY ALL
        """
    )


def _create_events(con: duckdb.DuckDBPyConnection, events: list[Event]) -> None:
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
