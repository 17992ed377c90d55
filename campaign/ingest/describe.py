"""`describe_dataset`: what an ingested dataset holds (for `campaign ingest --list DIR`)."""

from __future__ import annotations

from pathlib import Path

import duckdb

from campaign.errors import InputError
from campaign.ingest.dataset_layout import LOG_NAME, read_log
from campaign.ingest.report import DatasetSummary
from campaign.ingest.sql_text import lit
from campaign.schema import TABLES


def describe_dataset(out: Path) -> DatasetSummary:
    """Files (from the log), rows per table (from the Parquet footers), dates and markets."""
    out = Path(out)
    if not out.is_dir():
        raise InputError("no such dataset folder", out)
    if not (out / LOG_NAME).exists():
        raise InputError(f"not an ingested dataset (it has no {LOG_NAME})", out)
    log = read_log(out)
    files = []
    firsts: list[str] = []
    lasts: list[str] = []
    markets: set[str] = set()
    for key, entry in sorted(log["sources"].items(), key=lambda kv: kv[1].get("ingested_at", "")):
        files.append(
            {
                "source_key": key,
                "name": entry.get("name"),
                "format": entry.get("format"),
                "ingested_at": entry.get("ingested_at"),
                "tables": entry.get("tables", {}),
                "date_range": [entry.get("first_day"), entry.get("last_day")],
                "markets": entry.get("markets", []),
            }
        )
        if entry.get("first_day"):
            firsts.append(entry["first_day"])
        if entry.get("last_day"):
            lasts.append(entry["last_day"])
        markets.update(entry.get("markets", []))
    tables: dict[str, int] = {}
    con = duckdb.connect(":memory:")
    try:
        for name in TABLES:
            folder = out / name
            if not folder.is_dir() or not any(folder.glob("*.parquet")):
                continue
            pattern = str(folder / "*.parquet")
            try:
                row = con.execute(
                    f"SELECT sum(num_rows) FROM parquet_file_metadata({lit(pattern)})"
                ).fetchone()
            except duckdb.Error as exc:
                raise InputError("a Parquet file in this folder cannot be read", folder) from exc
            tables[name] = int(row[0] or 0) if row else 0
    finally:
        con.close()
    return DatasetSummary(
        out=out,
        files=files,
        tables=tables,
        first_day=min(firsts) if firsts else None,
        last_day=max(lasts) if lasts else None,
        markets=sorted(markets),
    )
