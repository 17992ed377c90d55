"""Whose year, which year, in which time zone: the choices a recap rests on, made once here.

A personal export is ingested into a scratch dataset through `campaign.ingest`; an ingested
dataset is read in place. Either way the one listener's plays are then copied into a Parquet file
of their own, so every later query (the cards, the packs) can only ever see that listener.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from campaign.datafiles import resolve_data
from campaign.errors import ConfigError, InputError
from campaign.ingest import ingest
from campaign.ingest.dataset_layout import load_secret, pseudonym
from campaign.markets import GLOBAL_MARKET, market_timezone, normalise_market
from campaign.schema import TABLES

# A year is "full" when the listener's history starts by its first week and ends no earlier than
# its last (and the year holds enough streams to tell).
FULL_YEAR_SLACK_DAYS = 7
# Without a full year, the latest year with at least this many streams is told.
MIN_YEAR_STREAMS = 100
# Each of Wrapped's DuckDB connections (and so each batch worker's) stays under this, spilling
# to disk beyond it: the batch's memory target is workers × this.
MEMORY_LIMIT = "1GB"


def connect() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection within Wrapped's memory target."""
    return duckdb.connect(config={"memory_limit": MEMORY_LIMIT})


@dataclass(frozen=True)
class Listener:
    """One listener's recap settings. `user_id` is a pseudonym and never leaves the workspace."""

    user_id: str
    market: str
    tz: str
    tz_source: str  # "--tz" or "market": what the cards say about the days
    year: int
    plays: Path  # the listener's own plays, one Parquet file


@dataclass(frozen=True)
class Dataset:
    """Canonical Parquet files by table, and the ingest secret that pseudonymised the names."""

    tables: dict[str, list[Path]]
    secret: Path | None = None

    def files(self, table: str) -> list[Path]:
        return self.tables.get(table, [])


def is_canonical(path: Path) -> bool:
    """An ingested dataset folder or canonical Parquet, as opposed to an export to ingest."""
    if path.is_file():
        return path.suffix == ".parquet"
    return path.is_dir() and (
        any((path / table).is_dir() for table in TABLES) or any(path.glob("*.parquet"))
    )


def read_dataset(sources: list[Path]) -> Dataset:
    """Sort canonical sources into tables, as a campaign's workspace does."""
    with connect() as con:
        tables = resolve_data(con, sources)
    secrets = [s / ".secret" for s in sources if (s / ".secret").is_file()]
    return Dataset(tables, secrets[0] if secrets else None)


def dataset_for(
    sources: list[Path], scratch: Path, market: str | None, user: str | None, tz: str | None
) -> Dataset:
    """The dataset to read: the one given, or the exports ingested into `scratch`."""
    canonical = [is_canonical(s) for s in sources]
    if all(canonical):
        return read_dataset(sources)
    if any(canonical):
        raise ConfigError("give either an ingested dataset (or Parquet) or export files, not both")
    folder = scratch / "dataset"
    try:
        ingest(sources, folder, market=market, user=user, tz=tz)
    except InputError as exc:
        if "--market" not in exc.message or market is not None:
            raise
        # An export that names no market (account data, Last.fm): tell it in UTC, and say so.
        folder = scratch / "dataset-global"  # a fresh folder: nothing half-read carried over
        ingest(sources, folder, market=GLOBAL_MARKET, user=user, tz=tz)
    return read_dataset([folder])


def listens_files(dataset: Dataset) -> list[Path]:
    files = dataset.files("listens")
    if not files:
        raise InputError("the data holds no listens (no plays to tell a year from)")
    return files


def sql_list(paths: list[Path]) -> str:
    """A DuckDB list literal of file paths (paths are not bindable in read_parquet)."""
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


def resolve_user(con: duckdb.DuckDBPyConnection, dataset: Dataset, user: str | None) -> str:
    """The listener's pseudonym: `--user` as stored or as named at ingest, else the only one."""
    if user is None:
        found = con.execute("SELECT DISTINCT user_id FROM all_listens LIMIT 2").fetchall()
        if len(found) != 1:
            raise ConfigError("the data holds more than one listener; pick one with --user")
        return str(found[0][0])
    candidates = [user]
    if dataset.secret is not None:
        candidates.append(pseudonym(load_secret(dataset.secret.parent, None), user))
    for candidate in candidates:
        hit = con.execute(
            "SELECT 1 FROM all_listens WHERE user_id = ? LIMIT 1", [candidate]
        ).fetchone()
        if hit:
            return candidate
    raise ConfigError(f"no listener '{user}' in the data", "--user")


def opted_out(con: duckdb.DuckDBPyConnection, user_id: str) -> bool:
    row = con.execute(
        "SELECT bool_or(coalesce(opted_out, false)) FROM all_users WHERE user_id = ?", [user_id]
    ).fetchone()
    return bool(row and row[0])


def listener_market(con: duckdb.DuckDBPyConnection, user_id: str, market: str | None) -> str:
    """`--market`, else the `users` table's, else the market of most of the listener's plays."""
    if market is not None:
        return normalise_market(market)
    row = con.execute(
        "SELECT any_value(market) FROM all_users WHERE user_id = ? AND market IS NOT NULL",
        [user_id],
    ).fetchone()
    if row and row[0]:
        return str(row[0])
    row = con.execute(
        "SELECT mode(market) FROM all_listens WHERE user_id = ?", [user_id]
    ).fetchone()
    return str(row[0]) if row and row[0] else GLOBAL_MARKET


def time_zone(tz: str | None, market: str) -> tuple[str, str]:
    """The zone of the listener's days and where it came from."""
    if tz is None:
        return market_timezone(market), "market"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"--tz '{tz}' is not a time zone (e.g. Europe/London)", "--tz") from None
    return tz, "--tz"


def choose_year(con: duckdb.DuckDBPyConnection, year: int | None, tz: str, min_ms: int) -> int:
    """`--year`, else the last full year of `my_listens`, else the latest with enough streams."""
    rows = con.execute(
        """
        SELECT year(day) AS y, min(day), max(day), count(*) FILTER (is_stream)
        FROM (SELECT CAST(timezone($tz, played_at) AS DATE) AS day,
                     coalesce(ms_played >= $min_ms, true) AS is_stream FROM my_listens)
        GROUP BY y ORDER BY y
        """,
        {"tz": tz, "min_ms": min_ms},
    ).fetchall()
    streams = {int(y): int(n) for y, _, _, n in rows}
    if year is not None:
        if streams.get(year, 0) == 0:
            known = ", ".join(str(y) for y in streams if streams[y]) or "none"
            raise ConfigError(f"--year {year} has no streams (years with streams: {known})")
        return year
    # A year the history spans from its first week to its last: a quiet January (no plays in
    # its first week) does not make the year partial, an export that ends in May does.
    started = min(first for _, first, _, _ in rows) if rows else None
    ended = max(last for _, _, last, _ in rows) if rows else None
    full = [
        int(y)
        for y, _, _, n in rows
        if n >= MIN_YEAR_STREAMS
        and (started - date(int(y), 1, 1)).days < FULL_YEAR_SLACK_DAYS
        and (date(int(y), 12, 31) - ended).days < FULL_YEAR_SLACK_DAYS
    ]
    if full:
        return full[-1]
    enough = [y for y, n in streams.items() if n >= MIN_YEAR_STREAMS]
    if not enough:
        raise InputError(
            f"no year holds {MIN_YEAR_STREAMS} streams (plays of at least {min_ms // 1000} s)"
        )
    return enough[-1]


def select_listener(
    dataset: Dataset,
    scratch: Path,
    user: str | None = None,
    year: int | None = None,
    tz: str | None = None,
    market: str | None = None,
    min_ms: int = 30000,
) -> Listener:
    """Pick the listener, copy their plays (all of them, for the history) into one file."""
    con = connect()
    try:
        con.execute(
            f"CREATE VIEW all_listens AS SELECT * FROM read_parquet("
            f"{sql_list(listens_files(dataset))}, union_by_name = true)"
        )
        users = dataset.files("users")
        con.execute(
            f"CREATE VIEW all_users AS SELECT user_id, market, opted_out FROM read_parquet("
            f"{sql_list(users)}, union_by_name = true)"
            if users
            else "CREATE VIEW all_users AS "
            "SELECT NULL::VARCHAR AS user_id, NULL::VARCHAR AS market, NULL::BOOLEAN AS opted_out "
            "LIMIT 0"
        )
        user_id = resolve_user(con, dataset, user)
        if opted_out(con, user_id):
            raise ConfigError("this listener opted out of personalised marketing", "--user")
        home = listener_market(con, user_id, market)
        zone, zone_source = time_zone(tz, home)
        # Every play counts towards the listener's year, wherever it was streamed: one market.
        plays = scratch / "listener" / "listens" / "plays.parquet"
        plays.parent.mkdir(parents=True, exist_ok=True)
        con.execute(
            "CREATE TEMP TABLE my_listens AS "
            "SELECT * REPLACE (CAST(? AS VARCHAR) AS market) FROM all_listens WHERE user_id = ?",
            [home, user_id],
        )
        con.execute(f"COPY my_listens TO '{str(plays).replace(chr(39), chr(39) * 2)}'")
        chosen = choose_year(con, year, zone, min_ms)
    finally:
        con.close()
    return Listener(user_id, home, zone, zone_source, chosen, plays)
