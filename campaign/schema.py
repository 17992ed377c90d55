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
    free_text: bool = False  # typed by people (titles, names): cleaned by campaign.safetext


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


LISTENS = Table(
    "listens",
    (
        Column("user_id", "VARCHAR", nullable=False),
        Column("played_at", "TIMESTAMPTZ", nullable=False),
        Column("track_id", "VARCHAR", nullable=False),
        Column("track_name", "VARCHAR", nullable=False, free_text=True),
        Column("artist_name", "VARCHAR", nullable=False, free_text=True),
        Column("album_name", "VARCHAR", free_text=True),
        Column("market", "VARCHAR", nullable=False),
        Column("city", "VARCHAR", free_text=True),
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
        Column("track_name", "VARCHAR", nullable=False, free_text=True),
        Column("artist_name", "VARCHAR", nullable=False, free_text=True),
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
        Column("release_date", "DATE"),  # the catalogue's release day, where known
    ),
)

# A chart lists only its top N: a track absent on a market-day had at most that day's floor.
# Written by chart ingest (one row per market-day over every chart file of a dataset) and by
# `campaign synth --charts`; `day` is the market-local chart day after any date offset.
CHART_FLOORS = Table(
    "chart_floors",
    (
        Column("day", "DATE", nullable=False),
        Column("market", "VARCHAR", nullable=False),
        Column("floor_streams", "BIGINT", nullable=False),  # the lowest count listed
        Column("depth", "INTEGER", nullable=False),  # how many positions were listed
        Column("cadence", "VARCHAR", nullable=False),  # 'daily' | 'weekly' (one day a week)
    ),
)

PLAYLISTS = Table(
    "playlists",
    (
        Column("playlist_id", "VARCHAR", nullable=False),
        Column("user_id", "VARCHAR", nullable=False),
        Column("name", "VARCHAR", nullable=False, free_text=True),
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
    for t in (LISTENS, DAILY_STREAMS, CHART_FLOORS, USERS, TRACKS, PLAYLISTS, PLAYLIST_TRACKS)
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

# The views and tables a pack may read (`needs`); the raw tables behind them are not among them.
PACK_TABLES: frozenset[str] = frozenset(
    {
        "listens",
        "streams",
        "listener_track_days",
        "listener_days",
        "listener_track_years_plays",
        "daily_streams",
        "chart_floors",
        "market_days",
        "market_years",
        "market_tz",
        "events",
        "event_days",
        "track_names",
        "users",
        "tracks",
        "playlists",
        "playlist_tracks",
        "user_markets",
    }
)

# Columns that identify a person or a moment finer than a day: a pack must never return them.
FORBIDDEN_OUTPUT_COLUMNS: frozenset[str] = frozenset(
    {"user_id", "played_at", "city", "ip_addr", "username", "birth_year"}
)

# Sources without a track URI get an id derived from artist and title, the same way everywhere.
TRACK_ID_FROM_NAMES_SQL = "'name:' || md5(lower(trim({artist})) || chr(31) || lower(trim({title})))"


def track_id_from_names_sql(artist: str, title: str) -> str:
    """SQL that derives a stable track id from two column expressions."""
    return TRACK_ID_FROM_NAMES_SQL.format(artist=artist, title=title)
