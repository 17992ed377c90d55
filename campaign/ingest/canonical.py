"""Files already in a canonical schema (Parquet, CSV, JSON lines): listens, daily_streams, users,
tracks. The table is picked by the columns (or by a file name starting with the table's name);
a file lacking a table's required columns is an InputError naming them.

Values are cast with `TRY_CAST`, so a value of the wrong type rejects its row with the column's
name instead of failing the file. Columns the table does not have are ignored (and said so).
`user_id` is taken as given: the canonical schema already holds pseudonymous ids.
"""

from __future__ import annotations

import duckdb

from campaign.errors import InputError
from campaign.ingest.detect import base_name, canonical_table, closest_canonical
from campaign.ingest.engine import (
    Context,
    Source,
    Stage,
    csv_scan,
    header_columns,
    json_array_scan,
    lines_scan,
    market_sql,
)
from campaign.ingest.sql_text import ident, lit
from campaign.schema import TABLES, Table

_TYPE_WORDS = {
    "TIMESTAMPTZ": "a timestamp",
    "DATE": "a date",
    "INTEGER": "an integer",
    "BIGINT": "an integer",
    "BOOLEAN": "a boolean",
    "VARCHAR[]": "a list",
    "VARCHAR": "text",
}


def _columns(src: Source, ctx: Context, dialect: str) -> list[str]:
    if dialect == "parquet":
        rows = ctx.con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({lit(src.scan_path)})"
        ).fetchall()
        return [str(r[0]) for r in rows]
    if dialect == "csv":
        return list(src.sniff.header)
    return list(src.sniff.keys)


def pick_table(src: Source, columns: list[str]) -> Table:
    hint = base_name(src.name).split(".")[0].lower()
    name = canonical_table(columns, hint)
    if name is not None:
        return TABLES[name]
    have = {c.strip().lower() for c in columns}
    closest = closest_canonical(columns)
    missing = [c for c in closest.required if c not in have]
    raise InputError(
        f"not a canonical {closest.name} table: the column{'s' if len(missing) > 1 else ''} "
        f"{', '.join(missing)} {'are' if len(missing) > 1 else 'is'} missing",
        src.path,
    )


def _typed(raw: str, col_type: str, *, json_list: str | None = None) -> str:
    if col_type == "VARCHAR":
        return raw
    if col_type == "VARCHAR[]":
        if json_list is not None:
            return f"TRY_CAST({json_list} AS VARCHAR[])"
        as_json = f"TRY_CAST(TRY_CAST({raw} AS JSON) AS VARCHAR[])"
        return f"coalesce({as_json}, TRY_CAST({raw} AS VARCHAR[]))"
    if col_type in ("INTEGER", "BIGINT", "BOOLEAN", "DATE"):
        return f"TRY_CAST(trim(CAST({raw} AS VARCHAR)) AS {col_type})"
    return f"TRY_CAST({raw} AS {col_type})"


def stages(src: Source, ctx: Context, dialect: str) -> list[Stage]:
    try:
        columns = _columns(src, ctx, dialect)
    except duckdb.Error as exc:
        raise InputError("not a readable Parquet file", src.path) from exc
    table = pick_table(src, columns)
    extra = sorted({c.strip().lower() for c in columns} - set(table.names) - {""})
    if extra:
        ctx.notes.append(f"columns not in {table.name} were ignored: {', '.join(extra)}")

    csv_rejects = None
    line_offset: int | None = None
    pre_reasons: list[str] = []
    skip = "false"
    raw_of: dict[str, str] = {}
    json_list: dict[str, str] = {}
    if dialect == "csv":
        cols = header_columns(src.sniff.header)
        scan, csv_rejects = csv_scan(
            src, ctx, len(src.sniff.header), header=True, delim=src.sniff.delimiter
        )
        base = f"SELECT * FROM {scan}"
        raw_of = {c: cols[c] for c in table.names if c in cols}
        line_offset = 1
    elif dialect == "parquet":
        present = {c.strip().lower(): c for c in columns}
        base = f"SELECT * FROM read_parquet({lit(src.scan_path)})"
        raw_of = {c: ident(present[c]) for c in table.names if c in present}
    elif dialect == "json":
        base = f"SELECT * FROM {json_array_scan(src, table.names, {'genres': 'JSON'})}"
        raw_of = {c: ident(c) for c in table.names}
        json_list = {"genres": "genres"}
    else:  # JSON lines: one object per line, read as text so a bad line is one reject
        scan, csv_rejects = lines_scan(src, ctx)
        paths = ", ".join(lit("$." + c) for c in table.names)
        base = f"SELECT line, TRY_CAST(line AS JSON) AS _j FROM {scan}"
        base = f"SELECT *, json_extract_string(_j, [{paths}]) AS _v FROM ({base})"
        raw_of = {c: f"_v[{i + 1}]" for i, c in enumerate(table.names)}
        json_list = {"genres": "json_extract(_j, '$.genres')"}
        skip = "line IS NULL OR trim(line) = ''"
        pre_reasons = [
            "WHEN _j IS NULL THEN 'not valid JSON'",
            "WHEN json_type(_j) <> 'OBJECT' THEN 'not a JSON object'",
        ]
        line_offset = 0

    selects: list[str] = []
    reasons: list[str] = list(pre_reasons)
    for col in table.columns:
        raw = raw_of.get(col.name)
        if raw is None:
            selects.append(f"CAST(NULL AS {col.type}) AS {ident(col.name)}")
            continue
        if col.name == "market":
            typed = market_sql(raw)
        else:
            typed = _typed(raw, col.type, json_list=json_list.get(col.name))
        selects.append(f"{typed} AS {ident(col.name)}")
        raw_text = f"CAST({raw} AS VARCHAR)" if dialect == "parquet" else raw
        if not col.nullable:
            reasons.append(f"WHEN {raw} IS NULL OR trim({raw_text}) = '' THEN 'missing {col.name}'")
        if typed != raw:
            what = "a market code" if col.name == "market" else _TYPE_WORDS[col.type]
            reasons.append(
                f"WHEN {raw} IS NOT NULL AND {typed} IS NULL THEN '{col.name} is not {what}'"
            )
    sql = f"""
    SELECT {", ".join(selects)},
        CASE {" ".join(reasons)} END AS _reason,
        coalesce({skip}, false) AS _skip
    FROM ({base})
    """
    return [Stage(table.name, sql, csv_rejects=csv_rejects, line_offset=line_offset)]
