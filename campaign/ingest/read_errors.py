"""DuckDB's read errors as one sentence about the file (DuckDB's own message may quote raw rows)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from campaign.errors import InputError

_BYTE = re.compile(r"at byte (\d+)")
_RECORD = re.compile(r"record/value (\d+)")


def translate(exc: duckdb.Error, path: Path) -> InputError:
    """One sentence about the file instead of DuckDB's message (which may quote raw rows)."""
    text = str(exc)
    lowered = text.lower()
    if "malformed json" in lowered:
        if "unexpected end of data" in lowered or "unexpected end" in lowered:
            return InputError("not valid JSON (it ends before the array is closed)", path)
        where = _BYTE.search(text)
        at = f" at byte {where.group(1)}" if where else ""
        return InputError(f"not valid JSON (a syntax error{at})", path)
    if "json transform error" in lowered or "expected object" in lowered:
        rec = _RECORD.search(text)
        which = f"record {rec.group(1)}" if rec else "a record"
        return InputError(f"not a JSON array of objects ({which} is not an object)", path)
    if "invalid unicode" in lowered or "utf-8" in lowered or "utf8" in lowered:
        return InputError("not valid UTF-8 text; convert it to UTF-8 first", path)
    if "gzip" in lowered or "zlib" in lowered or "compress" in lowered:
        return InputError("not a readable gzip file", path)
    if "maximum_object_size" in lowered or "object size" in lowered:
        return InputError("a JSON record is too large to read (over 64 MB)", path)
    if "no magic bytes" in lowered or "parquet" in lowered:
        return InputError("not a readable Parquet file", path)
    if "no such file" in lowered or "no files found" in lowered:
        return InputError("no such file, or it cannot be read", path)
    first = text.splitlines()[0] if text else type(exc).__name__
    for marker in ("Input:", "Original Line", "Line:", "\n"):
        first = first.split(marker)[0]
    first = first.strip().rstrip(".")
    return InputError(f"could not be read ({first[:160]})", path)
