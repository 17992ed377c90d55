"""Where a CSV file's records start, for the file lines of its rejects.

DuckDB's CSV reader numbers records, not lines: it skips blank lines, reads a quoted field's
newlines inside one record, and numbers the lines it sets aside by a count of its own (blank
lines counted, a quoted field's newlines not). So a record's number and a set-aside line's number
each differ from the file line by what came before them. The file is read once more, only when it
has rejects, and only up to the last one; what is kept is where those differences change (for
most files a handful of rows), as table `LINE_SHIFTS`: `record` (the record's number, the header's
records included), `line_shift` (its file line minus that number) and `reader_line` (the reader's
number of its line), each shift holding from its record to the next row's.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

import duckdb

LINE_SHIFTS = "_line_shifts"


def record_shifts(lines: Iterator[str], quote: str, last: int) -> list[tuple[int, int, int]]:
    """(record, line shift, reader line) at the first record and wherever a blank line or a
    quoted newline before it moved the shifts; read until the record and the reader's line
    `last` are passed (a reject's record or reader line is never above its file line, and the
    file line not above `last`)."""
    shifts: list[tuple[int, int, int]] = []
    record = reader_line = 0
    inside = False  # within a quoted field, across a newline
    last_shift: tuple[int, int] | None = None
    for line, text in enumerate(lines, start=1):
        if not inside:
            reader_line += 1
            if text.strip("\r\n"):
                record += 1
                shift = (line - record, reader_line - record)
                if shift != last_shift:
                    shifts.append((record, shift[0], reader_line))
                    last_shift = shift
            if record > last and reader_line > last:
                break
        if quote and text.count(quote) % 2:
            inside = not inside
    return shifts


def create_line_shifts(
    con: duckdb.DuckDBPyConnection, path: Path, encoding: str, quote: str, last: int
) -> None:
    """Fill table `LINE_SHIFTS` (made empty by the caller) from the file at `path` (gzip when
    its name ends in .gz), read up to line `last` of the reader's numbering."""
    with _open_text(path, encoding) as handle:
        shifts = record_shifts(handle, quote, last)
    if shifts:
        columns = [list(column) for column in zip(*shifts, strict=True)]
        con.execute(f"INSERT INTO {LINE_SHIFTS} SELECT unnest($1), unnest($2), unnest($3)", columns)


def _open_text(path: Path, encoding: str) -> TextIO:
    """The file as text, lines split where the CSV reader splits them (\\n, \\r\\n); a byte the
    encoding cannot read is one replaced character, as it cannot move a line."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rt", encoding=encoding, errors="replace", newline="\n")
    return path.open(encoding=encoding, errors="replace", newline="\n")
