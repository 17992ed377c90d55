"""Which canonical table each data file holds, checked by column and type, read as raw views.

A dataset is any mix of folders written by `campaign ingest`, loose Parquet files and globs; each
file is sorted into its table by its columns, and a column of the wrong type is one sentence
naming the file, the table and the column before anything runs. The raw views cast to the
canonical types and read free text without unsafe characters (campaign.safetext).
"""

from __future__ import annotations

import glob
from collections.abc import Iterable, Sequence
from pathlib import Path

import duckdb

from campaign.errors import InputError
from campaign.safetext import strip_unsafe_sql
from campaign.schema import TABLES


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


_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER")
# The Parquet types each canonical type is read from; a number written as a float (pandas does
# that to a column with gaps) still reads as a count.
_NUMBERS = (*_INTEGERS, "UBIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")
_READABLE_AS: dict[str, tuple[str, ...]] = {
    "VARCHAR": ("VARCHAR", *_INTEGERS, "UBIGINT", "HUGEINT", "UUID"),
    "TIMESTAMPTZ": ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS",
                    "TIMESTAMP_S"),
    "DATE": ("DATE",),
    "INTEGER": _NUMBERS,
    "BIGINT": _NUMBERS,
    "BOOLEAN": ("BOOLEAN",),
    "VARCHAR[]": ("VARCHAR[]",),
}  # fmt: skip


def _check_types(con: duckdb.DuckDBPyConnection, path: Path, table: str) -> None:
    """Every canonical column of the file has a type it can be read as, else one sentence naming
    the file, the table and the column (rather than a DuckDB error mid-run)."""
    literal = "'" + str(path).replace("'", "''") + "'"
    found = dict(
        con.execute(
            f"SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet({literal}))"
        ).fetchall()
    )
    for column in TABLES[table].columns:
        kind = found.get(column.name)
        if kind is None or kind.strip('"') == "NULL":  # absent, or a column of nothing but NULL
            continue
        if kind.split("(")[0] not in _READABLE_AS[column.type]:
            raise InputError(
                f"column '{column.name}' of table {table} is {kind}, but must be {column.type}",
                path,
            )


def _classify(con: duckdb.DuckDBPyConnection, path: Path) -> str:
    """Which canonical table a Parquet file holds, judged by its columns and checked by type."""
    columns = set(_parquet_columns(con, path))
    # the most specific table first: playlist_tracks also has a track_id, playlists a user_id
    for table in sorted(TABLES.values(), key=lambda t: len(t.required), reverse=True):
        if set(table.required) <= columns:
            _check_types(con, path, table.name)
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


def create_raw_views(con: duckdb.DuckDBPyConnection, files: dict[str, list[Path]]) -> None:
    """One `raw_<table>` view per canonical table: its files, or no rows where it has none."""
    for table in TABLES.values():
        if table.name in files:
            # a file written before a nullable column existed (tracks.release_date) reads as NULL
            present = set().union(*(_parquet_columns(con, f) for f in files[table.name]))
            columns = ", ".join(
                f"{strip_unsafe_sql(c.name) if c.free_text else c.name}::{c.type} AS {c.name}"
                if c.name in present
                else f"NULL::{c.type} AS {c.name}"
                for c in table.columns
            )
            con.execute(
                f"CREATE VIEW raw_{table.name} AS SELECT {columns} "
                f"FROM read_parquet({_sql_list(files[table.name])}, union_by_name = true)"
            )
        else:
            columns = ", ".join(f"NULL::{c.type} AS {c.name}" for c in table.columns)
            con.execute(f"CREATE VIEW raw_{table.name} AS SELECT {columns} LIMIT 0")
