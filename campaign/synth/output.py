"""Canonical Parquet (schema.LISTENS, USERS, PLAYLISTS, PLAYLIST_TRACKS) and the truth file, byte
for byte repeatable."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from campaign.schema import PLAYLIST_TRACKS, PLAYLISTS, USERS, Table
from campaign.synth.measuring import subject_name
from campaign.synth.plants import Plant
from campaign.synth.playlists import PlaylistBook
from campaign.synth.population import Catalogue, Users
from campaign.synth.spec import SynthSpec

ROW_GROUP_SIZE = 1 << 18  # a few row groups at 1M plays: parallel scans, time-range skipping
BATCH_ROWS = 4 * ROW_GROUP_SIZE  # rows named and written at a time (whole row groups)
# Fixed writer options: same table, same bytes (no timestamps, no pandas or Arrow metadata).
PARQUET_OPTIONS = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": True,
    "write_statistics": True,
    "store_schema": False,
    "version": "2.6",
    "data_page_version": "1.0",
}
Batch = TypeVar("Batch", np.ndarray, pa.Table)
_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
}


def take_names(indices: np.ndarray, values: list[str] | pa.Array) -> pa.Array:
    """values[indices] as plain strings, null where an index is negative (unknown). Plain, not
    dictionary arrays: the writer would repeat a dictionary of millions of ids (users,
    playlists) in every row group; its own dictionary encoding is per row group, and repeatable."""
    if not isinstance(values, pa.Array):
        values = pa.array(values, pa.string())
    indices = np.asarray(indices, dtype=np.int32)
    return values.take(pa.array(indices, mask=indices < 0))


def plain_schema(table: Table) -> pa.Schema:
    """The Arrow schema of a canonical table whose strings are plain (not dictionary) arrays."""
    return pa.schema(pa.field(c.name, _ARROW_TYPES[c.type], c.nullable) for c in table.columns)


def write_playlists(
    book: PlaylistBook,
    ids: list[str],
    to_utc: Callable[[np.ndarray, np.ndarray], np.ndarray],
    users: Users,
    catalogue: Catalogue,
    paths: tuple[Path, Path],
) -> None:
    """Write (playlists, playlist_tracks) of a finished book: playlists in creation order,
    tracks by playlist then time (UTC: `to_utc(local_us, market)`). The tracks are put in order,
    named and written a batch of playlists at a time, in whole row groups so that the bytes are
    those of one table: there are tens of millions of entries at 100 M plays."""
    owner_market = users.market[book.owner]
    utc_created = to_utc(book.created_us, owner_market)
    order = np.lexsort((np.arange(len(book)), utc_created))
    titles = np.array(book.names, dtype=object)
    playlists = [
        pa.array([ids[i] for i in order.tolist()], pa.string()),
        take_names(book.owner[order], users.ids),
        pa.array(titles[order].tolist(), pa.string()),
        pa.array(utc_created[order], pa.timestamp("us", tz="UTC")),
    ]
    write_parquet(pa.Table.from_arrays(playlists, schema=plain_schema(PLAYLISTS)), paths[0])
    del playlists, titles
    playlist_ids, track_ids = pa.array(ids, pa.string()), pa.array(catalogue.ids, pa.string())
    schema = plain_schema(PLAYLIST_TRACKS)

    def table(entries: np.ndarray) -> pa.Table:
        market = owner_market[book.playlist[entries]]
        tracks = [
            take_names(book.playlist[entries], playlist_ids),
            take_names(book.track[entries], track_ids),
            pa.array(to_utc(book.added_us[entries], market), pa.timestamp("us", tz="UTC")),
        ]
        return pa.Table.from_arrays(tracks, schema=schema)

    with pq.ParquetWriter(paths[1], schema, **PARQUET_OPTIONS) as writer:
        written = 0
        entries = _entry_order(book, order, to_utc, owner_market)
        for batch in exact_batches(entries, BATCH_ROWS, np.concatenate):
            writer.write_table(table(batch), row_group_size=ROW_GROUP_SIZE)
            written += batch.size
        if not written:  # as one empty table is written
            writer.write_table(table(np.zeros(0, np.int64)), row_group_size=ROW_GROUP_SIZE)


def _entry_order(
    book: PlaylistBook,
    order: np.ndarray,
    to_utc: Callable[[np.ndarray, np.ndarray], np.ndarray],
    owner_market: np.ndarray,
) -> Iterator[np.ndarray]:
    """The book's entries by playlist (in `order`) then UTC time added, ties in book order, a
    group of playlists at a time: the book holds each playlist's entries together (finish)."""
    sizes_by_playlist = np.bincount(book.playlist, minlength=len(book))
    starts = np.r_[0, np.cumsum(sizes_by_playlist)]
    ends = np.cumsum(sizes_by_playlist[order])
    total = int(ends[-1]) if ends.size else 0
    cuts = np.unique(np.searchsorted(ends, np.arange(BATCH_ROWS, total, BATCH_ROWS)))
    for group in np.split(order, cuts + 1):
        length = sizes_by_playlist[group]
        rank = np.repeat(np.arange(group.size), length)
        first = np.r_[0, np.cumsum(length)[:-1]]
        entries = np.repeat(starts[group] - first, length) + np.arange(int(length.sum()))
        market = owner_market[book.playlist[entries]]
        utc = to_utc(book.added_us[entries], market)
        yield entries[np.lexsort((utc, rank))]


def exact_batches(parts: Iterable[Batch], size: int, join: Callable[[list[Batch]], Batch]
                  ) -> Iterator[Batch]:  # fmt: skip
    """The parts' rows (arrays or Arrow tables, joined with `join`) in batches of exactly `size`
    rows, the last one shorter, whatever the parts' sizes: whole row groups, hence the same
    bytes, every run."""
    pending: list[Batch] = []
    held = 0
    for part in parts:
        pending.append(part)
        held += len(part)
        while held >= size:
            joined = join(pending)
            yield joined[:size]
            pending, held = [joined[size:]], len(joined) - size
    if held:
        yield join(pending)


def users_table(spec: SynthSpec, users: Users) -> pa.Table:
    arrays = [
        pa.array(users.ids, pa.string()),
        take_names(users.market.astype(np.int32), list(spec.markets)),
        pa.array(users.birth_year, pa.int32()),
        pa.array(users.opted_out, pa.bool_()),
    ]
    return pa.Table.from_arrays(arrays, schema=plain_schema(USERS))


def write_parquet(table: pa.Table, path: Path) -> None:
    pq.write_table(table, path, row_group_size=ROW_GROUP_SIZE, **PARQUET_OPTIONS)


def truth_entries(
    spec: SynthSpec,
    plants: list[Plant],
    values: list[tuple[int | float, date | None]],
    catalogue: Catalogue,
) -> list[dict]:
    """The truth file's entries, sorted; no user ids, no times finer than the day. `values` are
    the measured (value, period_start or None to keep the planned day) of each plant."""
    first = date(spec.year, 1, 1)
    entries = [
        {
            "kind": p.kind,
            "market": spec.markets[p.market],
            "day": (day or first + timedelta(days=p.day)).isoformat(),
            "track_name": subject_name(p, catalogue),
            "value": value,
            "role": p.role,
        }
        for p, (value, day) in zip(plants, values, strict=True)
    ]
    return sort_entries(entries)


def sort_entries(entries: list[dict]) -> list[dict]:
    """The truth file's order: kind, role, market, day, subject."""
    return sorted(
        entries, key=lambda e: (e["kind"], e["role"], e["market"], e["day"], e["track_name"])
    )


def write_json(entries: list[dict], path: Path) -> None:
    path.write_text(json.dumps(entries, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def aside(path: Path) -> Path:
    """Where a file is written before it replaces `path` (an interrupted run keeps the old one)."""
    return path.with_name(f".{path.name}.partial")


def swap_in(pairs: list[tuple[Path, Path]]) -> None:
    for partial, final in pairs:
        os.replace(partial, final)
