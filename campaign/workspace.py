"""The workspace: one DuckDB connection whose views make any dataset look canonical to the packs.

Data stays in Parquet and is read in place. Privacy filters (opt-outs, minimum age) are applied in
the `listens` view itself, so no pack can see a removed listener. Derived tables that several packs
share (daily rollups, local days, track names) are computed once here.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from campaign.config import CampaignConfig
from campaign.errors import InputError
from campaign.events import KIND_PRIORITY, Event, build_calendar
from campaign.pack_views import SHARED_VIEWS, create_pack_views
from campaign.schema import TABLES

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


def _sql_list(paths: Iterable[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def _parquet_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    try:
        rows = con.execute(
            "SELECT name FROM parquet_schema(?) "
            "WHERE name <> 'duckdb_schema' AND num_children IS NULL",
            [str(path)],
        ).fetchall()
    except duckdb.Error:
        raise InputError("is not a readable Parquet file", path) from None
    return [r[0] for r in rows]


def _classify(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Which canonical table a Parquet file holds, judged by its columns."""
    columns = set(_parquet_columns(con, path))
    # the most specific table first: playlist_tracks also has a track_id, playlists a user_id
    for table in sorted(TABLES.values(), key=lambda t: len(t.required), reverse=True):
        if set(table.required) <= columns:
            return table.name
    best = max(TABLES.values(), key=lambda t: len(set(t.required) & columns))
    missing = sorted(set(best.required) - columns)
    raise InputError(
        f"does not hold a canonical table (closest is '{best.name}', missing {', '.join(missing)})",
        path,
    )


def resolve_data(
    con: duckdb.DuckDBPyConnection, sources: Sequence[Path | str]
) -> dict[str, list[Path]]:
    """Sort data sources (ingested folders, Parquet files, globs) into canonical tables."""
    found: dict[str, list[Path]] = {}
    for source in sources:
        text = str(source)
        if any(ch in text for ch in "*?["):
            matches = [Path(p) for p in sorted(glob.glob(text, recursive=True))]
            if not matches:
                raise InputError("matches no file", text)
        else:
            path = Path(text)
            if not path.exists():
                raise InputError("does not exist", path)
            matches = [path]
        for match in matches:
            if match.is_dir():
                tables = [t for t in TABLES if (match / t).is_dir()]
                if tables:
                    for table in tables:
                        found.setdefault(table, []).extend(
                            sorted((match / table).glob("*.parquet"))
                        )
                    continue
                files = sorted(match.glob("*.parquet"))
                if not files:
                    raise InputError("holds no Parquet files and no ingested tables", match)
            else:
                files = [match]
            for file in files:
                found.setdefault(_classify(con, file), []).append(file)
    return {table: files for table, files in found.items() if files}


def open_workspace(
    config: CampaignConfig,
    data: Sequence[Path | str],
    memory_limit: str | None = None,
) -> Workspace:
    """Register the data as canonical views and build the shared derived tables."""
    if not data:
        raise InputError("no data given: pass --data PATH or set `data` in campaign.toml", "--data")
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    if memory_limit:
        con.execute(f"SET memory_limit = '{memory_limit}'")
    files = resolve_data(con, data)
    if "listens" not in files and "daily_streams" not in files:
        raise InputError("holds neither listens nor daily_streams", ", ".join(map(str, data)))

    for table in TABLES.values():
        if table.name in files:
            con.execute(
                f"CREATE VIEW raw_{table.name} AS SELECT {', '.join(table.names)} "
                f"FROM read_parquet({_sql_list(files[table.name])}, union_by_name = true)"
            )
        else:
            columns = ", ".join(f"NULL::{c.type} AS {c.name}" for c in table.columns)
            con.execute(f"CREATE VIEW raw_{table.name} AS SELECT {columns} LIMIT 0")

    markets = _markets(con, config)
    con.execute("CREATE TEMP TABLE market_tz (market VARCHAR, tz VARCHAR)")
    con.executemany(
        "INSERT INTO market_tz VALUES (?, ?)", [(m, config.timezone(m)) for m in markets]
    )
    _create_listens(con, config, markets)
    _create_rollups(con, config, has_listens="listens" in files)
    create_pack_views(con)
    if "playlists" in files:
        _create_user_markets(con)

    first, last = con.execute("SELECT min(day), max(day) FROM daily_streams").fetchone()
    years = range(first.year, last.year + 1) if first else range(0)
    events = build_calendar(markets, years, config.locales, config.events)
    _create_events(con, events)
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
    tables = {"daily_streams", "market_days", "events", "event_days", "market_tz", "track_names"}
    tables |= set(SHARED_VIEWS)
    if "listens" in files:
        tables |= {"listens", "streams", "listener_track_days", "market_years"}
    if "playlists" in files:
        tables |= {"user_markets"}
    return tables | (set(files) & {"users", "tracks", "playlists", "playlist_tracks"})


def _markets(con: duckdb.DuckDBPyConnection, config: CampaignConfig) -> list[str]:
    found = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT market FROM raw_listens "
            "UNION SELECT DISTINCT market FROM raw_daily_streams"
        ).fetchall()
        if r[0] is not None
    ]
    if config.markets:
        return sorted(set(config.markets) & set(found))
    return sorted(found)


def _period_filter(config: CampaignConfig, column: str) -> str:
    """A literal range on a timestamp or date column, so Parquet row groups can be skipped."""
    if config.year is None:
        return "TRUE"
    start = date(config.year, 1, 1).toordinal() - BASELINE_MARGIN_DAYS
    return (
        f"{column} >= DATE '{date.fromordinal(start).isoformat()}' "
        f"AND {column} < DATE '{config.year + 1}-01-02'"
    )


def _last_year(con: duckdb.DuckDBPyConnection) -> int:
    """The latest year in the plays (Parquet statistics make this cheap): ages are judged then."""
    last = con.execute(
        "SELECT year(max(played_at) AT TIME ZONE 'UTC') FROM raw_listens"
    ).fetchone()[0]
    return int(last) if last is not None else date.today().year


def _create_listens(
    con: duckdb.DuckDBPyConnection, config: CampaignConfig, markets: list[str]
) -> None:
    """`listens` without opted-out or under-age listeners, in the campaign's markets and period."""
    reference_year = config.year or _last_year(con)
    youngest_birth_year = int(reference_year) - int(config.privacy.min_age)
    con.execute(
        f"""
        CREATE VIEW excluded_users AS
        SELECT DISTINCT user_id FROM raw_users
        WHERE coalesce(opted_out, false) OR birth_year > {youngest_birth_year}
        """
    )
    market_list = ", ".join("'" + m.replace("'", "''") + "'" for m in markets) or "NULL"
    con.execute(
        f"""
        CREATE VIEW listens AS
        SELECT l.* FROM raw_listens l
        WHERE l.market IN ({market_list})
          AND {_period_filter(config, "l.played_at")}
          AND l.user_id NOT IN (SELECT user_id FROM excluded_users)
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
    con.execute("CREATE VIEW users AS SELECT * FROM raw_users")
    con.execute("CREATE VIEW tracks AS SELECT * FROM raw_tracks")
    con.execute(
        """
        CREATE VIEW playlists AS
        SELECT * FROM raw_playlists WHERE user_id NOT IN (SELECT user_id FROM excluded_users)
        """
    )
    con.execute(
        """
        CREATE VIEW playlist_tracks AS
        SELECT t.* FROM raw_playlist_tracks t SEMI JOIN playlists p USING (playlist_id)
        """
    )


def _create_user_markets(con: duckdb.DuckDBPyConnection) -> None:
    """Each active listener's market, read once for the playlist packs: the `users` table says
    it, else the market of most of their plays."""
    con.execute(
        """
        CREATE TEMP TABLE user_markets AS
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
    # come from it without a count(DISTINCT) over the plays. Under differential privacy a
    # listener's plays of a track on a day are clipped to the contribution bound here, so every
    # count of plays or streams a pack makes from the rollups has the sensitivity noise.py assumes.
    cap = config.privacy.max_plays_per_track_day if config.privacy.noise == "dp" else None
    plays = f"least(count(*), {int(cap)})" if cap else "count(*)"
    con.execute(
        f"""
        CREATE TEMP TABLE listener_track_days AS
        SELECT market, day, user_id, track_id, {plays} AS plays FROM streams GROUP BY ALL
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
