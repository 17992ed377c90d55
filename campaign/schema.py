"""The canonical tables and the candidate-fact columns fixed by DESIGN.md, in one place.

Ingest writes these schemas, the workspace reads them, `packs lint` checks against them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a DuckDB type
    nullable: bool = True


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if not c.nullable]

    def duckdb_columns(self) -> dict[str, str]:
        """The `columns=` mapping DuckDB's CSV and JSON readers take."""
        return {c.name: c.type for c in self.columns}


LISTENS = Table(
    "listens",
    (
        Column("user_id", "VARCHAR", nullable=False),
        Column("played_at", "TIMESTAMPTZ", nullable=False),
        Column("track_id", "VARCHAR", nullable=False),
        Column("track_name", "VARCHAR", nullable=False),
        Column("artist_name", "VARCHAR", nullable=False),
        Column("album_name", "VARCHAR"),
        Column("market", "VARCHAR", nullable=False),
        Column("city", "VARCHAR"),
        Column("ms_played", "INTEGER"),
        Column("skipped", "BOOLEAN"),
        Column("platform", "VARCHAR"),
    ),
)

DAILY_STREAMS = Table(
    "daily_streams",
    (
        Column("day", "DATE", nullable=False),
        Column("market", "VARCHAR", nullable=False),
        Column("track_id", "VARCHAR", nullable=False),
        Column("track_name", "VARCHAR", nullable=False),
        Column("artist_name", "VARCHAR", nullable=False),
        Column("streams", "BIGINT", nullable=False),
        Column("listeners", "BIGINT"),
    ),
)

USERS = Table(
    "users",
    (
        Column("user_id", "VARCHAR", nullable=False),
        Column("market", "VARCHAR"),
        Column("birth_year", "INTEGER"),
        Column("opted_out", "BOOLEAN"),
    ),
)

TRACKS = Table(
    "tracks",
    (
        Column("track_id", "VARCHAR", nullable=False),
        Column("explicit", "BOOLEAN"),
        Column("genres", "VARCHAR[]"),
        Column("sensitive", "BOOLEAN"),
        Column("release_date", "DATE"),
    ),
)

# A public chart lists only its top N: per market-day, the lowest count it listed (a track absent
# that day had at most this many) and how many positions it listed; `cadence` is 'daily', or
# 'weekly' for files holding one snapshot a week.
CHART_FLOORS = Table(
    "chart_floors",
    (
        Column("day", "DATE", nullable=False),
        Column("market", "VARCHAR", nullable=False),
        Column("floor_streams", "BIGINT", nullable=False),
        Column("depth", "INTEGER", nullable=False),
        Column("cadence", "VARCHAR", nullable=False),
    ),
)

PLAYLISTS = Table(
    "playlists",
    (
        Column("playlist_id", "VARCHAR", nullable=False),
        Column("user_id", "VARCHAR", nullable=False),
        Column("name", "VARCHAR", nullable=False),
        Column("created_at", "TIMESTAMPTZ"),
    ),
)

PLAYLIST_TRACKS = Table(
    "playlist_tracks",
    (
        Column("playlist_id", "VARCHAR", nullable=False),
        Column("track_id", "VARCHAR", nullable=False),
        Column("added_at", "TIMESTAMPTZ"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (LISTENS, DAILY_STREAMS, USERS, TRACKS, PLAYLISTS, PLAYLIST_TRACKS, CHART_FLOORS)
}

# Every pack query returns these (DESIGN.md, "Query packs"); `detail` is optional.
FACT_COLUMNS: tuple[str, ...] = (
    "market",
    "period_start",
    "period_end",
    "event_id",
    "subject_kind",
    "subject_id",
    "subject_name",
    "artist_name",
    "measure",
    "value",
    "baseline",
    "cohort_size",
    "population",
)
OPTIONAL_FACT_COLUMNS: tuple[str, ...] = ("detail",)

# Columns that identify a person or a moment finer than a day: a pack must never return them.
FORBIDDEN_OUTPUT_COLUMNS: frozenset[str] = frozenset(
    {"user_id", "played_at", "city", "ip_addr", "username", "birth_year"}
)

# Sources without a track URI get an id derived from artist and title, the same way everywhere.
TRACK_ID_FROM_NAMES_SQL = "'name:' || md5(lower(trim({artist})) || chr(31) || lower(trim({title})))"


def track_id_from_names_sql(artist: str, title: str) -> str:
    """SQL that derives a stable track id from two column expressions."""
    return TRACK_ID_FROM_NAMES_SQL.format(artist=artist, title=title)
