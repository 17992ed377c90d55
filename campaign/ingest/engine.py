"""The one pipeline every format goes through, in DuckDB.

A format module turns a source file into one or more `Stage`s: a SELECT over DuckDB's own reader
(every field read as VARCHAR, then `TRY_CAST` in SQL) that yields the target table's columns plus
`_reason` (why the row is rejected, NULL when it is good) and `_skip` (not a row at all: a repeated
header, a blank line). The engine then, per stage:

1. writes that SELECT, in file order, to a staging Parquet file (one parse of the input);
2. counts the records read there (plus the lines the CSV reader itself rejected);
3. writes the good rows, de-duplicated where the stage asks, to `<table>/<key>.parquet`, and every
   other row to `rejects/<key>.csv` (file, table, line, record, reason; never the raw text);
4. checks rows_read == rows_loaded + rows_rejected.

Memory is bounded by DuckDB's memory limit, not by the input: the reader streams into Parquet
and DuckDB spills to disk past the limit.
"""

from __future__ import annotations

import html.entities
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from campaign.errors import ConfigError
from campaign.ingest.dataset_layout import (
    hmac_pads,
    publish,
    rejects_file,
    table_file,
    temp_name,
)
from campaign.ingest.line_numbers import LINE_SHIFTS, create_line_shifts
from campaign.ingest.rejects import RejectsOf, reject_select, structural_rejects
from campaign.ingest.report import TableCounts
from campaign.ingest.sql_text import ident, lit
from campaign.safetext import SQL_PATTERN, strip_unsafe_sql
from campaign.schema import TABLES, Column

if TYPE_CHECKING:
    from campaign.ingest.detect import Sniff

# DuckDB's buffer limit for one ingest: peak memory stays near it whatever the input's size
# (DuckDB spills to OUT/.ingest-tmp-*/spill past it). CAMPAIGN_INGEST_MEMORY overrides it.
MEMORY_LIMIT = "1GB"


def market_sql(expr: str) -> str:
    """SQL normalising a market column like `markets.normalise_market`; NULL when not a code."""
    up = f"upper(trim({expr}))"
    return (
        f"CASE WHEN {up} IN ('GLOBAL', 'WW', '*', 'XX') THEN '*' WHEN {up} = 'UK' THEN 'GB' "
        f"WHEN regexp_full_match({up}, '[A-Z]{{2}}') THEN {up} END"
    )


def start_sql(end: str, ms: str) -> str:
    """When a play started, from when it ended and how long it played (NULL/odd ms: the end)."""
    duration = f"CASE WHEN {ms} BETWEEN 0 AND 2147483647 THEN {ms} ELSE 0 END"
    return f"TRY({end} - to_milliseconds({duration}))"


def clean_sql(expr: str) -> str:
    """Trimmed text, NULL when empty."""
    return f"nullif(trim({expr}), '')"


@dataclass
class Source:
    """A source file about to be ingested."""

    path: Path
    scan_path: str  # the path DuckDB reads (a glob-safe link when the name has * ? [ ])
    sha256: str
    key: str
    sniff: Sniff

    @property
    def name(self) -> str:
        return self.path.name


@dataclass
class Context:
    """What a format needs beyond the file: options, the connection, a scratch folder."""

    con: duckdb.DuckDBPyConnection
    out: Path
    tmp: Path
    secret: bytes
    market: str | None = None
    user: str | None = None
    tz: str | None = None
    date_offset: int | None = None  # --date-offset: days a chart's dates lie after its chart day
    notes: list[str] = field(default_factory=list)  # said in the report, e.g. the zone assumed
    applied_date_offset: int | None = None  # what the current file's reader applied
    # The quote character of each multi-column CSV scan, by its rejects table: such a scan
    # skips blank lines and reads a quoted newline inside one record, so the file lines of its
    # rejects are found by campaign.ingest.line_numbers.
    csv_quotes: dict[str, str] = field(default_factory=dict)
    _counter: int = 0

    def unique(self, prefix: str) -> str:
        self._counter += 1
        return f"{prefix}_{self._counter}"


@dataclass
class Stage:
    table: str
    sql: str  # yields the table's columns + _reason VARCHAR + _skip BOOLEAN
    dedup: tuple[str, ...] = ()  # keep one good row per key ...
    dedup_order: str = ""  # ... the first by this ORDER BY
    dedup_reason: str = "duplicate row"
    csv_rejects: str | None = None  # the rejects table the CSV scan fills (structural errors)
    line_offset: int | None = None  # record r is on line r + offset, when known
    order_by: str = ""  # order of the output rows ("" = file order)


@dataclass
class FileOutcome:
    tables: dict[str, TableCounts] = field(default_factory=dict)
    rejects: dict[str, int] = field(default_factory=dict)
    first_day: str | None = None
    last_day: str | None = None
    markets: list[str] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)


def connect(tmp: Path, secret: bytes) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect(":memory:")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET temp_directory = {lit(str(tmp / 'spill'))}")
    limit = os.environ.get("CAMPAIGN_INGEST_MEMORY", MEMORY_LIMIT)
    try:
        con.execute(f"SET memory_limit = {lit(limit)}")
    except duckdb.Error as exc:
        raise ConfigError(f"CAMPAIGN_INGEST_MEMORY '{limit}' is not a size (e.g. 1GB)") from exc
    con.execute("SET enable_progress_bar = false")
    con.execute("SET preserve_insertion_order = true")
    ipad, opad = hmac_pads(secret)
    # The same keyed hash as dataset_layout.pseudonym, for sources that name many listeners.
    con.execute(
        "CREATE TEMP MACRO pseudonym(n) AS 'u:' || "
        f"sha256(unhex('{opad}') || unhex(sha256(unhex('{ipad}') || encode(n))))[1:16]"
    )
    return con


def ensure_html_unescape(con: duckdb.DuckDBPyConnection) -> None:
    """Create the `html_unescape(x)` macro (a few hundred entities: made only when needed)."""
    con.execute(f"CREATE TEMP MACRO IF NOT EXISTS html_unescape(x) AS {_html_unescape_sql()}")


def _html_unescape_sql() -> str:
    """SQL undoing HTML entities, also ones a publisher title-cased (`&Quot;`, `Se&Ntilde;Orita`).

    The HTML 4 named entities in their own, lower and capitalised spellings (a title-cased
    `&Ntilde;` most likely stood for `&ntilde;`), plus the usual numeric apostrophe and quote.
    """
    pairs: set[tuple[str, str]] = {("&#39;", "'"), ("&#039;", "'"), ("&#34;", '"'), ("&#x27;", "'")}
    for name, code in html.entities.name2codepoint.items():
        char = chr(html.entities.name2codepoint.get(name.lower(), code))
        for spelling in {name, name.lower(), name.capitalize()}:
            pairs.add((f"&{spelling};", char))
    items = ", ".join(f"{{'f': {lit(f)}, 't': {lit(t)}}}" for f, t in sorted(pairs))
    return (
        f"CASE WHEN x LIKE '%&%;%' THEN list_reduce([{items}], "
        "lambda acc, p: replace(acc, p.f, p.t), x) ELSE x END"
    )


# --- readers ------------------------------------------------------------------------------------


def columns_struct(names: list[str], types: dict[str, str] | None = None) -> str:
    types = types or {}
    return "{" + ", ".join(f"{lit(n)}: {lit(types.get(n, 'VARCHAR'))}" for n in names) + "}"


def csv_scan(
    src: Source,
    ctx: Context,
    ncols: int,
    *,
    header: bool,
    delim: str = ",",
    quote: str = '"',
) -> tuple[str, str]:
    """DuckDB's CSV reader with columns c0 … c{n-1}, all VARCHAR, bad lines kept aside.

    Returns the scan's SQL and the name of the table DuckDB stores its rejected lines in.
    """
    rejects = ctx.unique("csv_rejects")
    opts = [
        f"columns = {columns_struct([f'c{i}' for i in range(ncols)])}",
        f"header = {str(header).lower()}",
        "auto_detect = false",
        f"delim = {lit(delim)}",
        f"quote = {lit(quote)}",
        f"escape = {lit(quote)}",
        "store_rejects = true",
        f"rejects_table = {lit(rejects)}",
        f"rejects_scan = {lit(rejects + '_scan')}",
        f"encoding = {lit(src.sniff.encoding)}",
    ]
    ctx.csv_quotes[rejects] = quote
    return f"read_csv({lit(src.scan_path)}, {', '.join(opts)})", rejects


def _create_line_shifts(
    con: duckdb.DuckDBPyConnection, src: Source, rejects: str, quote: str
) -> None:
    """`LINE_SHIFTS` for the file's rejects (the SELECT `rejects`, which reads them): empty
    while the file is read up to the last reject's record (a line number never below it)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {LINE_SHIFTS} "
        "(record BIGINT, line_shift BIGINT, reader_line BIGINT)"
    )
    last = con.execute(f"SELECT max(line) FROM ({rejects})").fetchall()[0][0]
    if last is not None:
        create_line_shifts(con, src.path, src.sniff.encoding, quote, last)


def header_columns(header: list[str]) -> dict[str, str]:
    """Lower-cased header name -> positional column (c0, c1 …); the first of duplicates wins."""
    out: dict[str, str] = {}
    for i, name in enumerate(header):
        out.setdefault(name.strip().lower(), f"c{i}")
    return out


def pick(columns: dict[str, str], *names: str) -> str:
    """The column holding the first of `names` present, else a typed NULL."""
    for name in names:
        if name in columns:
            return columns[name]
    return "CAST(NULL AS VARCHAR)"


def lines_scan(src: Source, ctx: Context) -> tuple[str, str]:
    """Every line of a text file as one VARCHAR column `line` (for JSON lines)."""
    rejects = ctx.unique("csv_rejects")
    opts = [
        "columns = {'line': 'VARCHAR'}",
        "header = false",
        "auto_detect = false",
        # Three control characters no text holds; a line that does is rejected, not lost.
        f"delim = {lit(chr(30) + chr(31) + chr(29))}",
        "quote = ''",
        "escape = ''",
        "strict_mode = false",
        "store_rejects = true",
        f"rejects_table = {lit(rejects)}",
        f"rejects_scan = {lit(rejects + '_scan')}",
    ]
    return f"read_csv({lit(src.scan_path)}, {', '.join(opts)})", rejects


def json_array_scan(src: Source, names: list[str], types: dict[str, str] | None = None) -> str:
    """DuckDB's JSON reader over a top-level array of objects, the named keys as VARCHAR."""
    return (
        f"read_json({lit(src.scan_path)}, format = 'array', records = true, "
        f"columns = {columns_struct(names, types)}, maximum_object_size = 67108864)"
    )


# --- the pipeline -------------------------------------------------------------------------------


def run_stages(src: Source, ctx: Context, stages: list[Stage]) -> FileOutcome:
    """Stage, split, write and count every stage of one source file."""
    con = ctx.con
    outcome = FileOutcome()
    reject_parts: list[str] = []
    shifts_quote: str | None = None  # the file's CSV quote, when its rejects need line shifts
    staged: list[Path] = []
    tmp_outputs: list[tuple[Path, Path]] = []
    try:
        for i, stage in enumerate(stages):
            spec = TABLES[stage.table]
            stage_file = ctx.tmp / f"{src.key}-{i}.parquet"
            staged.append(stage_file)
            con.execute(
                f"COPY (SELECT * FROM ({stage.sql})) TO {lit(str(stage_file))} "
                "(FORMAT parquet, COMPRESSION snappy)"
            )
            staged_rel = f"read_parquet({lit(str(stage_file))}, file_row_number = true)"
            records = con.execute(f"SELECT count(*) FROM {staged_rel} WHERE NOT _skip").fetchone()
            quote = ctx.csv_quotes.get(stage.csv_rejects or "")
            shifted = quote is not None and stage.line_offset is not None
            shifts_quote = quote if shifted else shifts_quote
            of = RejectsOf(src.name, stage.table, stage.line_offset, stage.csv_rejects, shifted)
            structural, structural_sql = structural_rejects(con, of)
            counts = TableCounts(rows_read=(int(records[0]) if records else 0) + structural)

            good = f"SELECT * FROM {staged_rel} WHERE NOT _skip AND _reason IS NULL"
            if stage.dedup:
                keys = ", ".join(stage.dedup)
                order = f"{stage.dedup_order}, " if stage.dedup_order else ""
                con.execute(
                    f"CREATE OR REPLACE TEMP TABLE _ranked AS SELECT *, row_number() OVER "
                    f"(PARTITION BY {keys} ORDER BY {order}file_row_number) AS _rn FROM ({good})"
                )
                good = "SELECT * FROM _ranked WHERE _rn = 1"
                dup = con.execute("SELECT count(*) FROM _ranked WHERE _rn > 1").fetchone()
                if dup and dup[0]:
                    dup_file = ctx.tmp / f"{src.key}-{i}-dup.parquet"
                    staged.append(dup_file)
                    con.execute(
                        f"COPY (SELECT file_row_number, {lit(stage.dedup_reason)} AS _reason "
                        f"FROM _ranked WHERE _rn > 1) TO {lit(str(dup_file))} (FORMAT parquet)"
                    )
                    reject_parts.append(
                        reject_select(of, f"read_parquet({lit(str(dup_file))})", bool(structural))
                    )
            cols = ", ".join(_canonical_column(c) for c in spec.columns)
            _note_cleaned(con, good, stage.table, ctx)
            order = f" ORDER BY {stage.order_by}" if stage.order_by else ""
            final = table_file(ctx.out, stage.table, src.key)
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_name(final)
            loaded = con.execute(
                f"COPY (SELECT {cols} FROM ({good}){order}) TO {lit(str(tmp))} "
                "(FORMAT parquet, COMPRESSION zstd)"
            ).fetchone()
            counts.rows_loaded = int(loaded[0]) if loaded else 0
            if stage.dedup:
                con.execute("DROP TABLE IF EXISTS _ranked")
            if counts.rows_loaded:
                tmp_outputs.append((tmp, final))
                _stats(con, tmp, stage.table, outcome)
            else:
                tmp.unlink(missing_ok=True)

            reject_parts.append(
                reject_select(
                    of,
                    f"{staged_rel} WHERE NOT _skip AND _reason IS NOT NULL",
                    bool(structural),
                )
            )
            if structural_sql:
                reject_parts.append(structural_sql)
            outcome.tables[stage.table] = counts

        # The rejects of every stage of this file, in one CSV.
        rejected = 0
        if reject_parts:
            final = rejects_file(ctx.out, src.key)
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp = temp_name(final)
            union = " UNION ALL ".join(f"({p})" for p in reject_parts)
            if shifts_quote is not None:
                _create_line_shifts(con, src, union, shifts_quote)
            con.execute(f"CREATE OR REPLACE TEMP TABLE _rejects AS {union}")
            rejected = int(con.execute("SELECT count(*) FROM _rejects").fetchone()[0])  # type: ignore[index]
            if rejected:
                con.execute(
                    'COPY (SELECT * FROM _rejects ORDER BY "table", coalesce(line, record), '
                    f"record) TO {lit(str(tmp))} (FORMAT csv, HEADER true)"
                )
                tmp_outputs.append((tmp, final))
                for table, reason, n in con.execute(
                    'SELECT "table", reason, count(*) FROM _rejects GROUP BY ALL'
                ).fetchall():
                    outcome.rejects[reason] = outcome.rejects.get(reason, 0) + int(n)
                    outcome.tables[table].rows_rejected += int(n)
            con.execute("DROP TABLE IF EXISTS _rejects")
        for table, counts in outcome.tables.items():
            counts.check(f"{src.name} / {table}")
        for tmp, final in tmp_outputs:
            publish(tmp, final)
            outcome.written.append(final)
        return outcome
    except BaseException:
        for tmp, _ in tmp_outputs:
            tmp.unlink(missing_ok=True)
        raise
    finally:
        for path in staged:
            path.unlink(missing_ok=True)


def _canonical_column(column: Column) -> str:
    """A staged column cast to its canonical type; free text without unsafe characters."""
    cast = f"CAST({ident(column.name)} AS {column.type})"
    return f"{strip_unsafe_sql(cast) if column.free_text else cast} AS {ident(column.name)}"


def _note_cleaned(con: duckdb.DuckDBPyConnection, good: str, table: str, ctx: Context) -> None:
    """Say in the report how many text values lose bidi, private-use or control characters."""
    texts = [c.name for c in TABLES[table].columns if c.free_text]
    if not texts:
        return
    flags = " + ".join(
        f"count(*) FILTER (WHERE regexp_matches({ident(n)}, '{SQL_PATTERN}'))" for n in texts
    )
    cleaned = con.execute(f"SELECT {flags} FROM ({good})").fetchone()
    if cleaned and cleaned[0]:
        ctx.notes.append(
            f"{cleaned[0]:,} text values of {table} cleaned of bidi, private-use or control "
            "characters"
        )


def _stats(con: duckdb.DuckDBPyConnection, path: Path, table: str, outcome: FileOutcome) -> None:
    """Date range and markets of a written file, for the log."""
    rel = f"read_parquet({lit(str(path))})"
    day = {"listens": "CAST(played_at AS DATE)", "daily_streams": "day"}.get(table)
    if day:
        first, last = con.execute(
            f"SELECT min({day})::VARCHAR, max({day})::VARCHAR FROM {rel}"
        ).fetchone()  # type: ignore[misc]
        if first and (outcome.first_day is None or first < outcome.first_day):
            outcome.first_day = first
        if last and (outcome.last_day is None or last > outcome.last_day):
            outcome.last_day = last
    if table in ("listens", "daily_streams", "users"):
        markets = con.execute(
            f"SELECT DISTINCT market FROM {rel} WHERE market IS NOT NULL ORDER BY 1 LIMIT 500"
        ).fetchall()
        outcome.markets = sorted({*outcome.markets, *(m for (m,) in markets)})


def cleanup(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
