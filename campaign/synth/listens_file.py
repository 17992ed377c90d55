"""The listens file at any size: plays are appended to a work file chunk by chunk as integer
codes, then DuckDB sorts them by time on disk (within a memory limit) and they are written out
with their names a batch at a time, so memory holds a batch, never the whole table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from campaign.duckdb_settings import DuckDBSettings, connect
from campaign.schema import LISTENS
from campaign.synth.output import (
    BATCH_ROWS,
    PARQUET_OPTIONS,
    ROW_GROUP_SIZE,
    exact_batches,
    plain_schema,
    take_names,
)
from campaign.synth.plays import Plays
from campaign.synth.population import PLATFORMS, Catalogue, Users
from campaign.synth.spec import SynthSpec

SORT_MEMORY = "1GB"  # DuckDB's limit while it sorts the plays; beyond it, it spills to disk
_CODES = pa.schema(
    [
        ("seq", pa.int64()),  # the play's place in the order it was made: ties keep it
        ("user", pa.int32()),
        ("track", pa.int32()),
        ("market", pa.int8()),
        ("utc_us", pa.int64()),
        ("ms_played", pa.int32()),
        ("skipped", pa.bool_()),
        ("platform", pa.int8()),
    ]
)


class PlayCodes:
    """A work file of plays as integer codes, appended to chunk by chunk."""

    def __init__(self, path: Path):
        self.path = path
        self.rows = 0
        self._writer = pq.ParquetWriter(path, _CODES, compression="zstd", compression_level=1)

    def append(self, plays: Plays, utc_us: np.ndarray) -> None:
        n = len(plays)
        seq = np.arange(self.rows, self.rows + n, dtype=np.int64)
        columns = [seq, plays.user, plays.track, plays.market, utc_us, plays.ms_played,
                   plays.skipped, plays.platform]  # fmt: skip
        self._writer.write_table(pa.Table.from_arrays(columns, schema=_CODES))
        self.rows += n

    def close(self) -> None:
        self._writer.close()


def write_listens(
    spec: SynthSpec,
    codes: Path,
    dropped: np.ndarray,
    users: Users,
    catalogue: Catalogue,
    out: Path,
    work: Path,
) -> int:
    """Write the plays of `codes` except the `dropped` seqs to `out` (schema.LISTENS) in time
    order; returns the rows written."""
    con, _ = connect(DuckDBSettings(temp_directory=work), SORT_MEMORY, None)
    try:
        con.execute("SET enable_progress_bar = false")
        con.register("dropped", pa.table({"seq": pa.array(dropped, pa.int64())}))
        reader = con.sql(
            """SELECT user, track, market, utc_us, ms_played, skipped, platform
               FROM read_parquet($codes) ANTI JOIN dropped USING (seq) ORDER BY utc_us, seq""",
            params={"codes": str(codes)},
        ).to_arrow_reader(BATCH_ROWS)
        names = _Names(spec, users, catalogue)
        rows = 0
        with pq.ParquetWriter(out, names.schema, **PARQUET_OPTIONS) as writer:
            tables = (pa.Table.from_batches([batch]) for batch in reader)
            for batch in exact_batches(tables, BATCH_ROWS, _join):
                writer.write_table(names.table(batch), row_group_size=ROW_GROUP_SIZE)
                rows += batch.num_rows
        return rows
    finally:
        con.close()


def _join(tables: list[pa.Table]) -> pa.Table:
    return pa.concat_tables(tables).combine_chunks()


class _Names:
    """Integer codes → the canonical columns, by taking from each name list once built."""

    def __init__(self, spec: SynthSpec, users: Users, catalogue: Catalogue):
        self.user_ids = pa.array(users.ids, pa.string())
        self.city = take_names(users.city, users.cities)
        self.track_ids = pa.array(catalogue.ids, pa.string())
        self.titles = pa.array(catalogue.titles, pa.string())
        self.artist = take_names(catalogue.artist, catalogue.artists)
        self.album = take_names(catalogue.album, catalogue.albums)
        self.markets = pa.array(list(spec.markets), pa.string())
        self.platforms = pa.array(list(PLATFORMS), pa.string())
        self.schema = plain_schema(LISTENS)

    def table(self, codes: pa.Table) -> pa.Table:
        user, track = codes["user"].chunk(0), codes["track"].chunk(0)
        arrays = [
            self.user_ids.take(user),
            codes["utc_us"].chunk(0).view(pa.timestamp("us", tz="UTC")),
            self.track_ids.take(track),
            self.titles.take(track),
            self.artist.take(track),
            self.album.take(track),
            self.markets.take(codes["market"].chunk(0)),
            self.city.take(user),
            codes["ms_played"].chunk(0),
            codes["skipped"].chunk(0),
            self.platforms.take(codes["platform"].chunk(0)),
        ]
        return pa.Table.from_arrays(arrays, schema=self.schema)
