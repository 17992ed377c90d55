"""`chart_floors`: each chart's floor and depth per market-day, kept beside `daily_streams`.

A public chart lists only its top N, so a track absent on a market-day had at most that day's
floor (the lowest count listed), not zero. The floors are a property of the whole dataset, not of
one source file (two downloads may cover the same days), so they are rebuilt after every ingest
from the loaded rows of every chart source in the log: one row per market-day, the rows rejected
at ingest (duplicates, shifted or broken rows) never counted. `campaign.floors.floor_sql` is the one
definition, shared with `campaign synth --charts` and the workspace.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from campaign.floors import floor_sql
from campaign.ingest.dataset_layout import publish, temp_name
from campaign.ingest.sql_text import lit
from campaign.schema import CHART_FLOORS

TABLE_NAME = CHART_FLOORS.name
FILE_NAME = "chart_floors.parquet"


def chart_files(out: Path, log: dict[str, Any]) -> list[Path]:
    """The `daily_streams` files that chart sources wrote into the dataset."""
    files: list[Path] = []
    for entry in log.get("sources", {}).values():
        if entry.get("format") != "charts":
            continue
        for rel in entry.get("files", []):
            path = out / rel
            if path.parent.name == "daily_streams" and path.is_file():
                files.append(path)
    return sorted(files)


def rebuild(con: duckdb.DuckDBPyConnection, out: Path, log: dict[str, Any]) -> int | None:
    """Rewrite OUT/chart_floors/chart_floors.parquet from every chart source; its row count.

    None (and no file) when the dataset holds no chart rows. Written aside and renamed into
    place, like every other file of the dataset.
    """
    files = chart_files(out, log)
    if not files:
        return None
    final = out / TABLE_NAME / FILE_NAME
    rows = (
        "SELECT day, market, track_id, streams FROM read_parquet(["
        + ", ".join(lit(str(p)) for p in files)
        + "])"
    )
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = temp_name(final)
    try:
        written = con.execute(
            f"COPY ({floor_sql(rows)}) TO {lit(str(tmp))} (FORMAT parquet, COMPRESSION zstd)"
        ).fetchone()
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    publish(tmp, final)
    return int(written[0]) if written else 0
