"""The guard on every pack, built-in or a campaign's own (DESIGN.md, "Privacy").

Before a pack runs, its query is read as a syntax tree: one SELECT, reading only the views meant
for packs (never the raw tables, another schema or a file). After it runs, its output is checked
by value, in SQL, before anything else sees it: no cell (nor any key or value inside `detail`)
that equals or contains a listener id or a hash of one, no time of day, no timestamp column, and
on an individual fact no city, device or other attribute of the listener.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import duckdb

from campaign.errors import PackError
from campaign.pack_views import SHARED_MACROS, SHARED_TABLES
from campaign.schema import PACK_TABLES

# Every view a pack may read: the canonical ones and those the packs share.
READABLE = PACK_TABLES | frozenset(SHARED_TABLES)


class GuardedPack(Protocol):
    """What the guard reads of a pack (campaign.packs.Pack has it all)."""

    path: Path
    sql: str
    sql_line: int
    audience: str


# Table functions a pack may call: they generate rows and read nothing.
ALLOWED_TABLE_FUNCTIONS = frozenset({"range", "generate_series", "unnest"})
# Ids at least this long are looked for inside longer texts, not only as a whole cell.
MIN_CONTAINED_ID = 8
# Words of a detail key that name an attribute of one listener or a moment finer than a day.
PERSONAL_KEY_WORDS = frozenset(
    {
        "user",
        "userid",
        "city",
        "town",
        "postcode",
        "zip",
        "hour",
        "minute",
        "time",
        "timestamp",
        "clock",
        "age",
        "birth",
        "birthyear",
        "born",
        "gender",
        "device",
        "platform",
        "ip",
        "email",
    }
)
_TIME_OF_DAY = r"(^|[^0-9])([01]?[0-9]|2[0-3]):[0-5][0-9]([^0-9]|$)"
_TIME_TYPES = re.compile(r"^(TIME|TIMESTAMP|INTERVAL)")
TOKENS_TABLE = "guard_listener_tokens"
LENGTHS_TABLE = "guard_token_lengths"  # the lengths of the tokens looked for inside texts
KNOWN_TABLE = "guard_known_texts"
ATTRIBUTES_TABLE = "guard_listener_attributes"


def create_guard_tables(con: duckdb.DuckDBPyConnection, keep: Callable[[str, str], None]) -> None:
    """Built once per workspace: every listener id in the raw data with the pseudonyms a pack
    could make of one (md5, sha1, sha256, DuckDB's hash), lower case; the cities and devices of
    the plays; the names a fact may quote whole. The first two depend on the data alone, so
    `keep(name, sql)` makes them (the workspace cache keeps them: 14 s of every run at 10 M
    plays); the names include the calendar, rebuilt every run."""
    keep(
        TOKENS_TABLE,
        f"""
        WITH ids AS (
            SELECT DISTINCT user_id AS id FROM (
                SELECT user_id FROM raw_listens UNION ALL SELECT user_id FROM raw_users
                UNION ALL SELECT user_id FROM raw_playlists
            ) WHERE user_id IS NOT NULL AND user_id <> ''
        ),
        tokens AS (
            SELECT lower(id) AS token, NOT regexp_full_match(id, '[0-9]{{1,5}}') AS whole,
                   length(id) >= 4 AND regexp_matches(id, '[0-9]')
                       AND regexp_matches(id, '[A-Za-z]') AS word
            FROM ids
            UNION ALL SELECT md5(id), true, true FROM ids
            UNION ALL SELECT sha1(id), true, true FROM ids
            UNION ALL SELECT sha256(id), true, true FROM ids
            UNION ALL SELECT CAST(hash(id) AS VARCHAR), true, true FROM ids
        )
        -- a token can come twice (ids that differ in case, an id that is another's digest):
        -- a piece is matched against each of its rows, as good as one row with the flags
        -- or-ed, and no group-by of every token (24–35 s at 100 M plays)
        SELECT token, whole, word, length(token) >= {MIN_CONTAINED_ID} AS contained FROM tokens
        """,
    )
    keep(LENGTHS_TABLE, f"SELECT DISTINCT length(token) AS k FROM {TOKENS_TABLE} WHERE contained")
    keep(
        ATTRIBUTES_TABLE,
        """
        SELECT DISTINCT lower(text) AS text FROM (
            SELECT city AS text FROM raw_listens UNION ALL SELECT platform FROM raw_listens
        ) WHERE text IS NOT NULL
        """,
    )
    _create_known_texts(con)


def check_query(pack: GuardedPack) -> None:
    """Refuse, before it runs, a query that is not one SELECT over the views meant for packs."""
    con = duckdb.connect()
    try:
        tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [pack.sql]).fetchone()[0])
    finally:
        con.close()
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        why = str(tree.get("error_message") or "").splitlines()[:1]
        raise PackError(
            "the query must be one SELECT statement (no other statement, no second query, "
            f"no PIVOT){': ' + why[0] if why else ''}",
            pack.path,
            pack.sql_line,
        )
    ctes: set[str] = set()
    refs: list[dict[str, Any]] = []
    _walk(tree, ctes, refs)
    for ref in refs:
        if ref["type"] == "TABLE_FUNCTION":
            name = ref["function"].get("function_name", "")
            if name.lower() in SHARED_MACROS:
                _check_macro_source(pack, name, ref["function"], ctes)
                continue
            if name.lower() not in ALLOWED_TABLE_FUNCTIONS:
                raise PackError(
                    f"the query calls the table function '{name}'; a pack reads only the "
                    "workspace's views",
                    pack.path,
                    pack.sql_line,
                )
            continue
        table, schema = ref.get("table_name", ""), ref.get("schema_name", "")
        if schema or ref.get("catalog_name"):
            raise PackError(
                f"the query names '{schema}.{table}'; a pack reads its views unqualified",
                pack.path,
                pack.sql_line,
            )
        if table.lower() not in ctes and table.lower() not in READABLE:
            raise PackError(
                f"the query reads '{table}', which is not one of the views a pack may read "
                f"({', '.join(sorted(READABLE))})",
                pack.path,
                pack.sql_line,
            )


def _check_macro_source(pack: GuardedPack, name: str, call: dict[str, Any], ctes: set[str]) -> None:
    """A shared table macro reads the table its first argument names: a view or a CTE only."""
    arguments = call.get("arguments") or call.get("children") or []
    first = (arguments[0].get("expression", arguments[0]) if arguments else {}) or {}
    names = first.get("column_names") or []
    source = names[0].lower() if first.get("class") == "COLUMN_REF" and len(names) == 1 else ""
    if source not in ctes and source not in READABLE:
        raise PackError(
            f"the query calls '{name}' on something other than one of its CTEs or the views a "
            "pack may read",
            pack.path,
            pack.sql_line,
        )


def _walk(node: Any, ctes: set[str], refs: list[dict[str, Any]]) -> None:
    if isinstance(node, dict):
        if node.get("type") in {"BASE_TABLE", "TABLE_FUNCTION"}:
            refs.append(node)
        for entry in (node.get("cte_map") or {}).get("map", []):
            ctes.add(str(entry.get("key", "")).lower())
        for value in node.values():
            _walk(value, ctes, refs)
    elif isinstance(node, list):
        for value in node:
            _walk(value, ctes, refs)


def check_output(con: duckdb.DuckDBPyConnection, pack: GuardedPack, table: str) -> None:
    """Refuse a pack whose output (materialised as `table`) holds a listener id, a pseudonym,
    a time finer than a day or, on an individual fact, an attribute of the listener."""
    described = con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {table})").fetchall()
    for column, kind in described:
        if _TIME_TYPES.match(kind):
            raise PackError(
                f"returns '{column}' as {kind}, finer than a day; facts are dated by DATE",
                pack.path,
            )
    con.execute(f"CREATE OR REPLACE TEMP TABLE guard_cells AS {_cells_sql(table, described)}")
    try:
        # the pieces are materialised first, so the join knows they are few and builds its
        # hash table over them, not over the millions of tokens (0.5 s a pack at 10 M plays)
        con.execute(f"CREATE OR REPLACE TEMP TABLE guard_pieces AS {_PIECES_SQL}")
        _refuse(con, pack, _ID_HIT_SQL, "holds a listener id or a pseudonym of one")
        _refuse(con, pack, _TIME_HIT_SQL, "holds a time of day, finer than a day")
        if pack.audience == "individual":
            _refuse(
                con, pack, _PERSONAL_HIT_SQL, "tells one listener's city, device or personal data"
            )
    finally:
        con.execute("DROP TABLE guard_cells")
        con.execute("DROP TABLE IF EXISTS guard_pieces")


# How a key inside `detail` is named in an error: only a plain word, never what could be an id.
_SHOWN_KEY = "CASE WHEN regexp_full_match(j.key, '[A-Za-z_]{1,40}') THEN j.key ELSE '?' END"


def _cells_sql(table: str, described: list[tuple[str, str]]) -> str:
    """One row per cell: (row_no, col, text, key, is_text), text in lower case; `detail` gives
    one row per key and per value, wherever they sit inside it."""
    numbered = f"(SELECT row_number() OVER () AS row_no, * FROM {table})"
    parts = []
    for column, kind in described:
        quoted = '"' + column.replace('"', '""') + '"'
        name = column.replace("'", "''")
        if kind.startswith(("STRUCT", "MAP")) or kind.endswith("]") or kind == "JSON":
            tree = f"json_tree(to_json({quoted}))" if kind != "JSON" else f"json_tree({quoted})"
            parts.append(
                f"SELECT t.row_no, '{name}.' || {_SHOWN_KEY}, lower(j.atom ->> '$'), "
                f"lower(coalesce(j.key, '')), j.type = 'VARCHAR' FROM {numbered} t, {tree} j "
                "WHERE j.atom IS NOT NULL"
            )
            parts.append(
                f"SELECT t.row_no, '{name}.' || {_SHOWN_KEY} || ' (a key)', lower(j.key), "
                "lower(j.key), true "
                f"FROM {numbered} t, {tree} j WHERE j.key IS NOT NULL"
            )
        elif kind.startswith(("VARCHAR", "ENUM", "UUID")):
            parts.append(
                f"SELECT row_no, '{name}', lower(CAST({quoted} AS VARCHAR)), '', true "
                f"FROM {numbered} WHERE {quoted} IS NOT NULL"
            )
    union = " UNION ALL ".join(f"({p})" for p in parts) or "SELECT NULL, '', '', '', false LIMIT 0"
    return f"SELECT * FROM ({union}) AS cells(row_no, col, text, key, is_text)"


def _create_known_texts(con: duckdb.DuckDBPyConnection) -> None:
    """Texts a fact may quote whole even when they look like a time ("4:44") or a city
    ("London"): the names in the catalogue, the charts, the playlists and the calendar."""
    con.execute(
        f"""
        CREATE TEMP TABLE {KNOWN_TABLE} AS
        SELECT DISTINCT {_folded("text")} AS text FROM (
            SELECT track_name AS text FROM track_names UNION ALL SELECT artist_name FROM track_names
            UNION ALL SELECT track_name FROM raw_daily_streams
            UNION ALL SELECT artist_name FROM raw_daily_streams
            UNION ALL SELECT name FROM raw_playlists UNION ALL SELECT name FROM events
        ) WHERE text IS NOT NULL
        """
    )


def _folded(expression: str) -> str:
    """SQL: lower case, white space folded, as facts quote names."""
    return f"lower(trim(regexp_replace({expression}, '\\s+', ' ', 'g')))"


def _refuse(con: duckdb.DuckDBPyConnection, pack: GuardedPack, sql: str, what: str) -> None:
    hit = con.execute(sql).fetchone()
    if hit is not None:
        raise PackError(
            f"column '{hit[0]}' {what} (row {hit[1]}); the pack is refused and nothing it "
            "returned is used",
            pack.path,
        )


# Each cell whole, its words, and its substrings of every length a contained token has.
_PIECES_SQL = f"""
    SELECT col, row_no, text AS piece, 'whole' AS how FROM guard_cells
    UNION ALL
    SELECT col, row_no, unnest(regexp_split_to_array(text, '[^0-9a-z_]+')), 'word'
    FROM guard_cells
    UNION ALL
    SELECT c.col, c.row_no, substr(c.text, unnest(range(1, length(c.text) - l.k + 2)), l.k),
           'contained'
    FROM guard_cells c JOIN {LENGTHS_TABLE} l ON length(c.text) > l.k
"""

_ID_HIT_SQL = f"""
    SELECT c.col, c.row_no FROM guard_pieces c JOIN {TOKENS_TABLE} t ON c.piece = t.token
    WHERE (c.how = 'whole' AND t.whole) OR (c.how = 'word' AND t.word)
       OR (c.how = 'contained' AND t.contained)
    ORDER BY c.row_no, c.col LIMIT 1
"""

_TIME_HIT_SQL = f"""
    SELECT col, row_no FROM guard_cells
    WHERE is_text AND regexp_matches(text, '{_TIME_OF_DAY}')
      AND {_folded("text")} NOT IN (SELECT text FROM {KNOWN_TABLE})
    ORDER BY row_no, col LIMIT 1
"""

_PERSONAL_HIT_SQL = f"""
    WITH by_key AS (
        SELECT col, row_no FROM guard_cells
        WHERE len(list_intersect(
            regexp_split_to_array(key, '[^a-z]+'), {sorted(PERSONAL_KEY_WORDS)}
        )) > 0
    ),
    by_value AS (
        SELECT c.col, c.row_no FROM guard_cells c SEMI JOIN {ATTRIBUTES_TABLE} a USING (text)
        WHERE {_folded("c.text")} NOT IN (SELECT text FROM {KNOWN_TABLE})
    )
    SELECT col, row_no FROM (SELECT * FROM by_key UNION ALL SELECT * FROM by_value)
    ORDER BY row_no, col LIMIT 1
"""
