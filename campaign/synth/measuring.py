"""Each plant's value, counted on the written Parquet the way its pack counts it.

Every fact kind registers a DuckDB query (`register(..., measure=SQL)`, see plants.py) over the
canonical tables as the workspace shows them to the packs: `listens`, `streams` (plays of at
least 30 s, with the market's local `day`), `users`, `user_markets`, `playlists` and
`playlist_tracks`, opted-out and under-age listeners already removed. The plant's keys are bound
as parameters: `$market`, `$tz`, `$day` (DATE, the fact's period_start), `$year`, `$track_id`,
`$user_id`, `$subject`, `$playlist_id` and whatever the plant adds in `params`. The query returns
one row: the value, and optionally a `day` that replaces the planned period_start (a streak's
first day is whatever the data says).

Plants of listeners the workspace removes (roles opted_out, under_age) are counted on everyone's
data instead, with the same query: the value they would have had.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb

from campaign.markets import market_timezone
from campaign.schema import LISTENS
from campaign.synth.plants import MEASURES, Plant
from campaign.synth.population import Catalogue, Users
from campaign.synth.spec import MIN_STREAM_MS, SynthSpec

REMOVED_ROLES = ("opted_out", "under_age")
MEASURE_MEMORY = "1GB"
_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")


def _views(con: duckdb.DuckDBPyConnection, scope: str, only_kept: bool) -> None:
    """The workspace's views of the data in schema `scope`, of kept listeners or of everyone."""
    columns = ", ".join(LISTENS.names)
    kept = "kept" if only_kept else "TRUE"
    owner_kept = "user_id IN (SELECT user_id FROM main.kept_users)" if only_kept else "TRUE"
    con.execute(f"CREATE SCHEMA {scope}")
    con.execute(f"CREATE VIEW {scope}.listens AS SELECT {columns} FROM main.plays WHERE {kept}")
    con.execute(
        f"""CREATE VIEW {scope}.streams AS SELECT {columns}, day FROM main.plays
            WHERE {kept} AND (ms_played >= {MIN_STREAM_MS} OR ms_played IS NULL)"""
    )
    con.execute(f"CREATE VIEW {scope}.users AS SELECT * FROM main.all_users")
    con.execute(  # the workspace's: users.market, else where most of their plays are
        f"""CREATE TABLE {scope}.user_markets AS
            WITH listeners AS (SELECT DISTINCT user_id FROM {scope}.listens)
            SELECT user_id, u.market FROM listeners JOIN main.all_users u USING (user_id)
            WHERE u.market IS NOT NULL
            UNION ALL
            SELECT user_id, mode(market) FROM {scope}.listens
            WHERE user_id NOT IN (SELECT user_id FROM main.all_users WHERE market IS NOT NULL)
            GROUP BY user_id"""
    )
    con.execute(
        f"CREATE VIEW {scope}.playlists AS SELECT * FROM main.all_playlists WHERE {owner_kept}"
    )
    con.execute(
        f"""CREATE VIEW {scope}.playlist_tracks AS SELECT t.* FROM main.all_playlist_tracks t
            SEMI JOIN {scope}.playlists p USING (playlist_id)"""
    )


def _connect(spec: SynthSpec, files: dict[str, Path], work: Path) -> duckdb.DuckDBPyConnection:
    """A database file in the work folder, held to MEASURE_MEMORY: the plays it copies are
    paged to disk, not held in memory, at any size."""
    con = duckdb.connect(str(work / "measure.duckdb"))
    con.execute(f"SET memory_limit = '{MEASURE_MEMORY}'")
    con.execute("SET enable_progress_bar = false")
    con.execute("SET temp_directory = ?", [str(work / "measure.tmp")])
    con.execute("CREATE TABLE market_tz (market VARCHAR, tz VARCHAR)")
    con.executemany(
        "INSERT INTO market_tz VALUES (?, ?)", [(m, market_timezone(m)) for m in spec.markets]
    )
    for table in ("users", "playlists", "playlist_tracks"):
        con.execute(
            f"CREATE TABLE all_{table} AS SELECT * FROM read_parquet(?)", [str(files[table])]
        )
    con.execute(
        "CREATE TABLE kept_users AS SELECT user_id FROM all_users "
        "WHERE NOT coalesce(opted_out, false) AND coalesce(birth_year, 0) <= ?",
        [spec.adult_born_by],
    )
    con.execute(
        """CREATE TABLE plays AS
           SELECT l.*, CAST(timezone(tz.tz, l.played_at) AS DATE) AS day,
                  k.user_id IS NOT NULL AS kept
           FROM read_parquet(?) l JOIN market_tz tz USING (market)
           LEFT JOIN kept_users k USING (user_id)""",
        [str(files["listens"])],
    )
    _views(con, "kept", only_kept=True)
    _views(con, "everyone", only_kept=False)
    return con


def plant_params(
    spec: SynthSpec, plant: Plant, users: Users, catalogue: Catalogue, playlist_ids: list[str]
) -> dict[str, Any]:
    """The keys a measure may bind, for one plant."""
    market = spec.markets[plant.market]
    return {
        "market": market,
        "tz": market_timezone(market),
        "day": date(spec.year, 1, 1) + timedelta(days=plant.day),
        "year": spec.year,
        "track_id": catalogue.ids[plant.track] if plant.track >= 0 else None,
        "user_id": users.ids[plant.user] if plant.user >= 0 else None,
        "subject": subject_name(plant, catalogue),
        "playlist_id": playlist_ids[plant.playlist] if plant.playlist >= 0 else None,
        **plant.params,
    }


def subject_name(plant: Plant, catalogue: Catalogue) -> str:
    """The fact's subject_name: a track's title unless the plant names another subject."""
    return plant.subject if plant.subject is not None else catalogue.titles[plant.track]


def bind(sql: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """A measure and the parameters it names (DuckDB refuses unused ones)."""
    return sql, {name: params[name] for name in _PARAM.findall(sql)}


def measure(
    spec: SynthSpec,
    plants: list[Plant],
    files: dict[str, Path],
    users: Users,
    catalogue: Catalogue,
    playlist_ids: list[str],
    work: Path,
) -> list[tuple[int | float, date | None]]:
    """(value, measured period_start or None) of each plant, by its kind's registered SQL;
    `work` is a folder for the database the plays are copied into."""
    if not plants:
        return []
    con = _connect(spec, files, work)
    results: list[tuple[int | float, date | None]] = []
    try:
        for plant in plants:
            sql = MEASURES[plant.kind]
            scope = "everyone" if plant.role in REMOVED_ROLES else "kept"
            con.execute(f"SET search_path = '{scope},main'")
            params = plant_params(spec, plant, users, catalogue, playlist_ids)
            rows = con.execute(*bind(sql, params)).fetchall()
            row = rows[0] if rows else None
            value = row[0] if row and row[0] is not None else 0
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            day = row[1] if row and len(row) > 1 else None
            results.append((value, day))
    finally:
        con.close()
    return results
