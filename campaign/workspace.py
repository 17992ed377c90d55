"""The workspace: one DuckDB connection whose views make any dataset look canonical to the packs.

Data stays in Parquet and is read in place; free text is read without unsafe characters
(campaign.safetext), whichever tool wrote the Parquet. Privacy filters (opt-outs, minimum age)
are applied once, in the allowed-listener set that every listener-level view reads, so no pack
can see a removed listener. Derived tables that several packs share (the rollups of
campaign.rollups, local days) are computed once, as the workspace is built.
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
from campaign.duckdb_settings import connect, release
from campaign.errors import ConfigError, InputError
from campaign.events import Event, build_calendar
from campaign.locales import calendar_locales
from campaign.pack_views import (
    SHARED_TABLES,
    create_chart_floors,
    create_event_tables,
    create_pack_views,
)
from campaign.packguard import create_guard_tables
from campaign.rollups import (
    LISTENER_ROLLUPS,
    create_daily_streams,
    create_listener_markets,
    create_listener_rollups,
    create_track_day_rollup,
    create_track_keys,
    create_user_markets,
)
from campaign.workspace_cache import WorkspaceCache, cache_folder, cache_path, workspace_key

CalendarMaker = Callable[[duckdb.DuckDBPyConnection, range], list[Event]]  # events, event_days

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
    "listener_markets",
    *LISTENER_ROLLUPS,
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
    cache: WorkspaceCache | None = None
    scratch: Path | None = None  # DuckDB's spill folder when this workspace made it

    @property
    def plays(self) -> int:
        """The plays the data holds, all of them (Parquet keeps the count): progress's tally.
        (Fetched to the end: a result left open makes DuckDB refuse the Spark runner's
        `register` of a pack's rows on this connection.)"""
        return self.con.execute("SELECT count(*) FROM raw_listens").fetchall()[0][0]

    def close(self) -> None:
        release(self.con, self.scratch)


def open_workspace(
    config: CampaignConfig,
    data: Sequence[Path | str],
    memory_limit: str | None = None,
    fresh: bool = False,
    wrap: Callable[[duckdb.DuckDBPyConnection], duckdb.DuckDBPyConnection] | None = None,
    calendar: CalendarMaker | None = None,
) -> Workspace:
    """Register the data as canonical views and build the shared derived tables, or read them
    from the workspace cache when the data and settings are unchanged (`fresh` rebuilds).
    `wrap` wraps the connection the workspace is built on (campaign.spark records the
    statements with it): such a build runs every statement, so it bypasses the cache.
    `calendar` makes the event tables in place of the markets' own (wrapped: the homes')."""
    if not data:
        raise InputError("no data given: pass --data PATH or set `data` in campaign.toml", "--data")
    folder = cache_folder(config, data)
    con, scratch = connect(config.duckdb, memory_limit or config.duckdb.memory_limit, folder)
    if wrap is not None:
        con = wrap(con)
    cache = None
    try:
        files = resolve_data(con, data)
        cached = folder is not None and wrap is None
        key_path = cache_path(folder, workspace_key(config, files)) if cached else None
        cache = WorkspaceCache(con, key_path, fresh)
        ws = _build(con, config, files, data, cache, calendar)
        cache.finish()
    except BaseException:
        if cache is not None:
            cache.abandon()
        release(con, scratch)
        raise
    ws.scratch = scratch
    return ws


def _build(
    con: duckdb.DuckDBPyConnection,
    config: CampaignConfig,
    files: dict[str, list[Path]],
    data: Sequence[Path | str],
    cache: WorkspaceCache,
    calendar: CalendarMaker | None = None,
) -> Workspace:
    """The views and shared tables over the resolved files, through the cache."""
    if "listens" not in files and "daily_streams" not in files:
        raise InputError("holds neither listens nor daily_streams", ", ".join(map(str, data)))

    create_raw_views(con, files)

    markets = _markets(con, config, files, cache)
    con.execute("CREATE TEMP TABLE market_tz (market VARCHAR, tz VARCHAR)")
    con.executemany(
        "INSERT INTO market_tz VALUES (?, ?)", [(m, config.timezone(m)) for m in markets]
    )
    _create_listens(con, config, markets, cache)
    create_listener_markets(cache)
    _create_rollups(con, config, cache, has_listens="listens" in files)
    create_pack_views(con, lambda name, sql: cache.table(name, sql, temp=True))
    create_chart_floors(con, _period_filter(config, "day"))
    if "playlists" in files:
        create_user_markets(cache)
    _create_individual_scope(con)

    first, last = con.execute("SELECT min(day), max(day) FROM daily_streams").fetchall()[0]
    if first is None:
        period = f"year {config.year}" if config.year else "the data's period"
        raise ConfigError(
            f"no plays or daily counts are left in markets {', '.join(markets)} and {period} "
            "once opted-out and under-age listeners are removed",
            "year" if config.year else "markets",
        )
    years = range(first.year, last.year + 1)
    if calendar is None:
        events = build_calendar(markets, years, calendar_locales(config, markets), config.events)
        create_event_tables(con, events)
    else:
        events = calendar(con, years)
    create_guard_tables(con, lambda name, sql: cache.table(name, sql, temp=True))
    cache.table(
        "market_listeners",
        "SELECT market, count(user_id) AS listeners FROM listener_markets GROUP BY market",
        temp=True,
    )
    population = dict(con.execute("SELECT market, listeners FROM market_listeners").fetchall())
    return Workspace(
        con=con,
        tables=_available_tables(files),
        markets=markets,
        first_day=first,
        last_day=last,
        market_population=population,
        events=events,
        files=files,
        cache=cache,
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
    tables |= set(SHARED_TABLES)
    if "listens" in files:
        tables |= {"listens", "streams", "listener_track_days", "market_years", *LISTENER_ROLLUPS}
    if "playlists" in files:
        tables |= {"user_markets"}
    return tables | (set(files) & {"users", "tracks", "playlists", "playlist_tracks"})


def _markets(
    con: duckdb.DuckDBPyConnection,
    config: CampaignConfig,
    files: dict[str, list[Path]],
    cache: WorkspaceCache,
) -> list[str]:
    """The campaign's markets that the data holds; none at all is an error saying why."""
    cache.table(
        "data_markets",
        "SELECT DISTINCT market FROM raw_listens "
        "UNION SELECT DISTINCT market FROM raw_daily_streams",
        temp=True,
    )
    found = [
        r[0] for r in con.execute("SELECT market FROM data_markets").fetchall() if r[0] is not None
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


def _first_fact_day(
    con: duckdb.DuckDBPyConnection, config: CampaignConfig, cache: WorkspaceCache
) -> date:
    """The earliest local day any fact can cover: the start of the plays in the campaign's
    markets and period, in each market's own time, and never before the campaign year."""
    cache.table(
        "first_plays",
        "SELECT market, min(played_at) AS first_play FROM raw_listens l "
        f"WHERE {_period_filter(config, 'l.played_at')} GROUP BY market",
        temp=True,
    )
    first = con.execute(
        """
        SELECT min(CAST(timezone(tz.tz, f.first_play) AS DATE))
        FROM first_plays f JOIN market_tz tz USING (market)
        """
    ).fetchall()[0][0]
    if config.year is not None:
        return max(first, date(config.year, 1, 1)) if first else date(config.year, 1, 1)
    return first or date.today()


def youngest_allowed_birth_year(first_day: date, min_age: int) -> int:
    """The latest birth year of a listener who is surely `min_age` on every day from `first_day`:
    a birth year alone leaves the birthday open, so one born in year b is surely `a` years old on
    day d only when d.year - b - 1 >= a."""
    return first_day.year - 1 - min_age


_OPTED_OUT = "SELECT DISTINCT user_id FROM raw_users WHERE user_id IS NOT NULL AND opted_out"


def _create_allowed_listeners(
    con: duckdb.DuckDBPyConnection, config: CampaignConfig, cache: WorkspaceCache
) -> None:
    """The one definition of who may be counted. `excluded_listeners`: opted out, or possibly
    under `min_age` on a day a fact can cover; they are removed from every view. `aged_listeners`:
    the rest of those whose birth year is known, the only ones an individual fact may be about
    (with `min_age = 0`, as for a listener's own Wrapped, age is not asked: every listener)."""
    if config.privacy.min_age == 0:
        cache.table("excluded_listeners", _OPTED_OUT)
        cache.table(
            "aged_listeners",
            "SELECT DISTINCT user_id FROM raw_listens "
            "EXCEPT SELECT user_id FROM excluded_listeners",
        )
        return
    first_day = _first_fact_day(con, config, cache)
    youngest = youngest_allowed_birth_year(first_day, config.privacy.min_age)
    cache.table(
        "excluded_listeners",
        f"""
        SELECT DISTINCT user_id FROM raw_users
        WHERE user_id IS NOT NULL AND (coalesce(opted_out, false) OR birth_year > {youngest})
        """,
    )
    cache.table(
        "aged_listeners",
        f"""
        SELECT DISTINCT user_id FROM raw_users
        WHERE birth_year IS NOT NULL AND birth_year <= {youngest}
        EXCEPT SELECT user_id FROM excluded_listeners
        """,
    )


def _create_listens(
    con: duckdb.DuckDBPyConnection,
    config: CampaignConfig,
    markets: list[str],
    cache: WorkspaceCache,
) -> None:
    """The listener-level views, every one filtered by the allowed-listener set."""
    _create_allowed_listeners(con, config, cache)
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
        # aged_listeners holds each id once (a set difference), so an inner join keeps the same
        # rows as a semi join; DuckDB built a semi join's hash table over every play instead
        kept = (
            "SEMI JOIN individual.playlists p USING (playlist_id)"
            if view == "playlist_tracks"
            else "JOIN aged_listeners a USING (user_id)"
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


def _create_rollups(
    con: duckdb.DuckDBPyConnection,
    config: CampaignConfig,
    cache: WorkspaceCache,
    has_listens: bool,
) -> None:
    """Daily counts per market-day-track, read from the plays once and shared by every pack."""
    # Under differential privacy a listener's plays of a track on a day are clipped in
    # listener_track_days to the contribution bound, so every count of plays a pack makes from
    # the rollups has the sensitivity campaign/noise assumes.
    bound = config.privacy.max_plays_per_track_day if config.privacy.noise == "dp" else None
    plays = f"least(count(*), {int(bound)})" if bound else "count(*)"
    create_track_keys(con, cache, has_listens)
    create_track_day_rollup(con, cache, plays)
    create_daily_streams(
        cache, f"market IN (SELECT market FROM market_tz) AND {_period_filter(config, 'day')}"
    )
    create_listener_rollups(con, cache)
