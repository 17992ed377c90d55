"""The synthetic charts on disk: `daily_streams`, `chart_floors` and `tracks` in one folder, and
their truth entries, each value measured on the written chart by its kind's SQL.

`FILE.charts/` beside `--out FILE.parquet` is a dataset `--data` reads as it is (each file is
told apart by its columns). The floors come from the same SQL chart ingest uses
(`campaign.floors.floor_sql`), so a synthetic chart and a real one are described alike.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from campaign.floors import floor_sql
from campaign.ingest.sql_text import lit
from campaign.schema import DAILY_STREAMS, TRACKS
from campaign.synth.chart_plants import CHART_MEASURES, ChartContext, ChartPlant, plant_charts
from campaign.synth.charts import ChartWorld, listed, natural_world
from campaign.synth.measuring import bind
from campaign.synth.output import write_parquet
from campaign.synth.population import Catalogue
from campaign.synth.spec import SynthSpec

STREAM_CHARTS = 7  # random streams of the chart world and of its catalogue's release dates
STREAM_RELEASE_DATES = 8
RELEASE_DATE_SHARE = 0.5  # tracks whose release date the synthetic catalogue knows
CHART_TABLES = ("daily_streams", "chart_floors", "tracks")


def chart_paths(out: Path) -> dict[str, Path]:
    """`--out FILE.parquet` → FILE.charts/daily_streams.parquet, chart_floors…, tracks…"""
    folder = Path(out).with_name(f"{Path(out).stem}.charts")
    return {name: folder / f"{name}.parquet" for name in CHART_TABLES}


def make_charts(
    spec: SynthSpec, catalogue: Catalogue, day_weights: list[np.ndarray]
) -> tuple[ChartWorld, list[ChartPlant]]:
    """The world's streams with every chart kind planted."""
    assert spec.charts is not None
    world = natural_world(spec, catalogue, day_weights, spec.charts, spec.rng(STREAM_CHARTS))
    ctx = ChartContext(spec, world, catalogue.artists)
    plants = plant_charts(ctx)
    return world, plants


def write_charts(
    spec: SynthSpec,
    world: ChartWorld,
    plants: list[ChartPlant],
    artists: list[str],
    files: dict[str, Path],
) -> list[dict[str, Any]]:
    """Write the three tables to `files` (partial paths) and return the plants' truth entries."""
    top = listed(world.counts, world.depth)
    write_parquet(_daily_streams(spec, world, top, artists), files["daily_streams"])
    write_parquet(_tracks(spec, world, top, plants), files["tracks"])
    con = duckdb.connect()
    try:
        rows = f"SELECT * FROM read_parquet({lit(str(files['daily_streams']))})"
        con.execute(
            f"COPY ({floor_sql(rows)}) TO {lit(str(files['chart_floors']))} "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
        return _entries(spec, world, plants, files, con)
    finally:
        con.close()


def _daily_streams(
    spec: SynthSpec, world: ChartWorld, top: np.ndarray, artists: list[str]
) -> pa.Table:
    """The listed rows, by day, market and streams (most first)."""
    m, d, t = np.nonzero(top)
    streams = world.counts[m, d, t]
    order = np.lexsort((t, -streams, m, d))
    m, d, t, streams = m[order], d[order], t[order], streams[order]
    first = np.datetime64(date(spec.year, 1, 1).isoformat(), "D")
    names = np.array(artists, dtype=object)[world.artist]
    arrays = [
        pa.array((first + d.astype("timedelta64[D]")).astype("datetime64[D]"), pa.date32()),
        pa.array(np.array(spec.markets, dtype=object)[m].tolist(), pa.string()),
        pa.array(np.array(world.ids, dtype=object)[t].tolist(), pa.string()),
        pa.array(np.array(world.titles, dtype=object)[t].tolist(), pa.string()),
        pa.array(names[t].tolist(), pa.string()),
        pa.array(streams, pa.int64()),
        pa.nulls(len(streams), pa.int64()),
    ]
    schema = pa.schema(
        pa.field(c.name, a.type, c.nullable)
        for c, a in zip(DAILY_STREAMS.columns, arrays, strict=True)
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def _tracks(
    spec: SynthSpec, world: ChartWorld, top: np.ndarray, plants: list[ChartPlant]
) -> pa.Table:
    """Every charted track, its release date known for some (for half of the planted releases,
    `release_date_known` in the truth) and unknown for the others."""
    charted = np.flatnonzero(top.any(axis=(0, 1)))
    known = spec.rng(STREAM_RELEASE_DATES).random(len(world.ids)) < RELEASE_DATE_SHARE
    for plant in plants:
        if "release_date_known" in plant.extra:
            known[plant.tracks] = plant.extra["release_date_known"]
    first = date(spec.year, 1, 1)
    released = [
        first + timedelta(days=int(world.release_day[t])) if known[t] else None
        for t in charted.tolist()
    ]
    arrays = [
        pa.array([world.ids[t] for t in charted.tolist()], pa.string()),
        pa.nulls(charted.size, pa.bool_()),
        pa.nulls(charted.size, pa.list_(pa.string())),
        pa.nulls(charted.size, pa.bool_()),
        pa.array(released, pa.date32()),
    ]
    schema = pa.schema(
        pa.field(c.name, a.type, c.nullable) for c, a in zip(TRACKS.columns, arrays, strict=True)
    )
    return pa.Table.from_arrays(arrays, schema=schema)


def _entries(
    spec: SynthSpec,
    world: ChartWorld,
    plants: list[ChartPlant],
    files: dict[str, Path],
    con: duckdb.DuckDBPyConnection,
) -> list[dict[str, Any]]:
    for name in ("daily_streams", "chart_floors"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet({lit(str(files[name]))})")
    first = date(spec.year, 1, 1)
    entries = []
    for plant in plants:
        day = first + timedelta(days=plant.day)
        params = {
            "market": spec.markets[plant.market],
            "day": day,
            "track_ids": [world.ids[t] for t in plant.tracks],
        }
        value, ratio = con.execute(*bind(CHART_MEASURES[plant.kind], params)).fetchone()  # type: ignore[misc]
        entry: dict[str, Any] = {
            "kind": plant.kind,
            "market": spec.markets[plant.market],
            "day": day.isoformat(),
            "track_name": plant.subject,
            "artist_name": plant.artist,
            "value": int(value),
            "ratio_lower_bound": float(ratio) if ratio is not None else None,
            "role": plant.role,
        }
        if plant.novelty:
            entry["novelty"] = plant.novelty
        entries.append(entry | plant.extra)
    return entries
