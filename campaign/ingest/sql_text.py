"""SQL text built from Python values: a quoted literal and a quoted identifier, so ingest's
generated SQL never splices a file name or a column name in raw."""

from __future__ import annotations


def lit(value: str | None) -> str:
    """A SQL string literal (or NULL)."""
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'
