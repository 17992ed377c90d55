"""The data a recap reads, and whose it is: the dataset's files, the listener named, the zone.

A personal export is ingested into a scratch dataset through `campaign.ingest`; an ingested
dataset is read in place. `cohort` then copies the told listeners' plays, and only theirs.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import duckdb

from campaign.datafiles import resolve_data
from campaign.duckdb_settings import DuckDBSettings, connect, release
from campaign.errors import ConfigError, InputError
from campaign.ingest import ingest
from campaign.ingest.dataset_layout import load_secret, pseudonym
from campaign.markets import GLOBAL_MARKET, market_timezone
from campaign.schema import TABLES


@contextmanager
def connection(spill_beside: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """The campaign's DuckDB connection (its `[duckdb]` memory limit, a spill folder of its own,
    inside `spill_beside` when given: spilled rows hold listener ids), released on exit."""
    settings = DuckDBSettings()
    con, scratch = connect(settings, settings.memory_limit, spill_beside)
    try:
        yield con
    finally:
        release(con, scratch)


@dataclass(frozen=True)
class Listener:
    """One listener's recap settings. `user_id` is a pseudonym and never leaves the workspace."""

    user_id: str
    market: str
    tz: str
    tz_source: str  # "--tz" or "market": what the cards say about the days
    year: int


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
    with connection() as con:
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


def time_zone(tz: str | None, market: str) -> tuple[str, str]:
    """The zone of the listener's days and where it came from."""
    if tz is None:
        return market_timezone(market), "market"
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"--tz '{tz}' is not a time zone (e.g. Europe/London)", "--tz") from None
    return tz, "--tz"
