"""The rows of a source's `rejects/<key>.csv` (file, table, line, record, reason; never the raw
text): the records a stage refused and the lines DuckDB's CSV reader could not split."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from campaign.ingest.line_numbers import LINE_SHIFTS
from campaign.ingest.sql_text import ident, lit


@dataclass(frozen=True)
class RejectsOf:
    """Whose rejects: the source file's name, the table its stage fills, the header's lines
    (None when records are not lines, as in JSON), the table DuckDB's CSV reader set its
    unsplittable lines aside in (None for a scan that keeps none), and whether the file's
    `LINE_SHIFTS` say where its records are (a CSV scan that skips blank lines and reads quoted
    newlines; without them record r is on line r + offset, as in a file of one text per line)."""

    file: str
    table: str
    line_offset: int | None
    set_aside: str | None
    shifted: bool = False


def reject_select(of: RejectsOf, rel: str, structural: bool) -> str:
    """One reject row per rejected record of `rel`, with its file line where it is known.

    The r-th record of `rel` is the file's record r + offset (the header's) + s, where s is the
    number of records the CSV reader set aside before it: the i-th set-aside record `q` precedes
    every record of `rel` from `q - offset - (i - 1)` on, a bound that never falls as i grows, so
    an ASOF join finds each record's s in one pass. Its line is that record's number plus the
    record's shift (campaign.ingest.line_numbers), or the number itself without shifts."""
    record = "CAST(r.file_row_number + 1 AS BIGINT)"
    before, join = "0", ""
    if of.line_offset is not None and structural and of.set_aside:
        numbered = (
            "SELECT file_record, row_number() OVER (ORDER BY file_record) AS before "
            f"FROM (SELECT DISTINCT file_record FROM ({_set_aside_lines(of)}))"
        )
        bounds = (
            f"SELECT file_record - {of.line_offset} - before + 1 AS first, max(before) AS before "
            f"FROM ({numbered}) GROUP BY first"
        )
        join = f" ASOF LEFT JOIN ({bounds}) s ON {record} >= s.first"
        before = "coalesce(s.before, 0)"
    rows = (
        f"SELECT {record} AS record, {record} + {of.line_offset or 0} + {before} AS file_record, "
        f"r._reason AS reason FROM (SELECT * FROM {rel}) r{join}"
    )
    line, shifts = "n.file_record", ""
    if of.line_offset is None:
        line = "CAST(NULL AS BIGINT)"
    elif of.shifted:
        line = "n.file_record + coalesce(b.line_shift, 0)"
        shifts = f" ASOF LEFT JOIN {LINE_SHIFTS} b ON n.file_record >= b.record"
    return (
        f'SELECT {lit(of.file)} AS file, {lit(of.table)} AS "table", {line} AS line, '
        f"n.record, n.reason FROM ({rows}) n{shifts}"
    )


def _set_aside_lines(of: RejectsOf) -> str:
    """The CSV reader's set-aside lines (one row per error), each with the file's record number
    `file_record` and its file line `file_line`: the reader's own number, moved by the shifts."""
    table = ident(of.set_aside or "")
    if not of.shifted:
        return f"SELECT *, line AS file_record, line AS file_line FROM {table}"
    record = "a.line - coalesce(b.reader_line - b.record, 0)"
    return (
        f"SELECT a.*, {record} AS file_record, {record} + coalesce(b.line_shift, 0) AS file_line "
        f"FROM {table} a ASOF LEFT JOIN {LINE_SHIFTS} b ON a.line >= b.reader_line"
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
        "CAST(any_value(file_line) AS BIGINT) AS line, CAST(NULL AS BIGINT) AS record, "
        "lower(CAST(min(error_type) AS VARCHAR)) AS reason "
        f"FROM ({_set_aside_lines(of)}) GROUP BY file_id, line"
    )
