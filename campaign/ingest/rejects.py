"""The rows of a source's `rejects/<key>.csv` (file, table, line, record, reason; never the raw
text): the records a stage refused and the lines DuckDB's CSV reader could not split."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from campaign.ingest.sql_text import ident, lit


@dataclass(frozen=True)
class RejectsOf:
    """Whose rejects: the source file's name, the table its stage fills, the header's lines
    (None when records are not lines, as in JSON), and the table DuckDB's CSV reader set its
    unsplittable lines aside in (None for a scan that keeps none)."""

    file: str
    table: str
    line_offset: int | None
    set_aside: str | None


def reject_select(of: RejectsOf, rel: str, structural: bool) -> str:
    """One reject row per rejected record of `rel`, with its file line where it is known.

    Record r is on line r + offset (the header's lines) plus one for each line before it that
    the CSV reader set aside: the i-th set-aside line `l` precedes every record from
    `l - offset - (i - 1)` on, a bound that never falls as i grows, so an ASOF join finds each
    record's count in one pass. Two limits: a blank line is no record but is a line, and a quoted
    field's newline is counted as DuckDB counts it, so there the line is off by those lines."""
    record = "CAST(r.file_row_number + 1 AS BIGINT)"
    shift, join = "0", ""
    if of.line_offset is not None and structural and of.set_aside:
        numbered = (
            "SELECT line, row_number() OVER (ORDER BY line) AS before "
            f"FROM (SELECT DISTINCT line FROM {ident(of.set_aside)})"
        )
        bounds = (
            f"SELECT line - {of.line_offset} - before + 1 AS first, max(before) AS before "
            f"FROM ({numbered}) GROUP BY first"
        )
        join = f" ASOF LEFT JOIN ({bounds}) s ON {record} >= s.first"
        shift = "coalesce(s.before, 0)"
    line = (
        "CAST(NULL AS BIGINT)"
        if of.line_offset is None
        else f"{record} + {of.line_offset} + {shift}"
    )
    return (
        f'SELECT {lit(of.file)} AS file, {lit(of.table)} AS "table", {line} AS line, '
        f"{record} AS record, r._reason AS reason FROM (SELECT * FROM {rel}) r{join}"
    )


def structural_rejects(con: duckdb.DuckDBPyConnection, of: RejectsOf) -> tuple[int, str | None]:
    """Lines DuckDB's CSV reader could not split into the expected fields: how many, and a
    SELECT giving one reject row per line (DuckDB may log several errors for one line)."""
    if not of.set_aside:
        return 0, None
    table = ident(of.set_aside)
    try:
        row = con.execute(f"SELECT count(DISTINCT (file_id, line)) FROM {table}").fetchone()
    except duckdb.CatalogException:  # no line was rejected: DuckDB made no table
        return 0, None
    count = int(row[0]) if row else 0
    if not count:
        return 0, None
    return count, (
        f'SELECT {lit(of.file)} AS file, {lit(of.table)} AS "table", '
        "CAST(line AS BIGINT) AS line, CAST(NULL AS BIGINT) AS record, "
        f"lower(CAST(min(error_type) AS VARCHAR)) AS reason FROM {table} GROUP BY file_id, line"
    )
