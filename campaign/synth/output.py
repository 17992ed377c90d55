"""Canonical Parquet (schema.LISTENS, USERS, PLAYLISTS, PLAYLIST_TRACKS) and the truth file, byte
for byte repeatable."""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path

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
_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "TIMESTAMPTZ": pa.timestamp("us", tz="UTC"),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
}


def _dictionary(indices: np.ndarray, values: list[str]) -> pa.DictionaryArray:
    """Strings as a dictionary: written as Parquet dictionary pages, read back as VARCHAR."""
    indices = indices.astype(np.int32)
    if len(set(values)) != len(values):
        # Repeated values (album names) would make the writer's dictionary depend on memory
        # layout, and the bytes change from run to run: map them to one entry each.
        unique, inverse = np.unique(np.array(values, dtype=object), return_inverse=True)
        values = unique.tolist()
        indices = np.where(indices < 0, -1, inverse[indices]).astype(np.int32)
    missing = indices < 0
    if missing.any():  # a validity bitmap (pa.array(mask=...) is slow on a million rows)
        validity = pa.py_buffer(np.packbits(~missing, bitorder="little"))
        idx = pa.Array.from_buffers(pa.int32(), indices.size, [validity, pa.py_buffer(indices)])
    else:
        idx = pa.array(indices)
    return pa.DictionaryArray.from_arrays(idx, pa.array(values, pa.string()), safe=False)


def plain_schema(table: Table) -> pa.Schema:
    """The Arrow schema of a canonical table whose strings are plain (not dictionary) arrays."""
    return pa.schema(pa.field(c.name, _ARROW_TYPES[c.type], c.nullable) for c in table.columns)


def _schema(table: Table, arrays: list[pa.Array]) -> pa.Schema:
    return pa.schema(
        pa.field(
            c.name, a.type if pa.types.is_dictionary(a.type) else _ARROW_TYPES[c.type], c.nullable
        )
        for c, a in zip(table.columns, arrays, strict=True)
    )


def playlist_tables(
    book: PlaylistBook,
    ids: list[str],
    utc_created: np.ndarray,
    utc_added: np.ndarray,
    users: Users,
    catalogue: Catalogue,
) -> tuple[pa.Table, pa.Table]:
    """(playlists, playlist_tracks): playlists in creation order, tracks by playlist then time."""
    order = np.lexsort((np.arange(len(book)), utc_created))
    rank = np.empty(len(book), dtype=np.int64)
    rank[order] = np.arange(len(book))
    titles = np.array(book.names, dtype=object)
    playlists = [
        pa.array([ids[i] for i in order.tolist()], pa.string()),
        _dictionary(book.owner[order], users.ids),
        _dictionary(np.arange(len(book)), titles[order].tolist()),
        pa.array(utc_created[order], pa.timestamp("us", tz="UTC")),
    ]
    entries = np.lexsort((utc_added, rank[book.playlist]))
    tracks = [
        _dictionary(book.playlist[entries], ids),
        _dictionary(book.track[entries], catalogue.ids),
        pa.array(utc_added[entries], pa.timestamp("us", tz="UTC")),
    ]
    return (
        pa.Table.from_arrays(playlists, schema=_schema(PLAYLISTS, playlists)),
        pa.Table.from_arrays(tracks, schema=_schema(PLAYLIST_TRACKS, tracks)),
    )


def users_table(spec: SynthSpec, users: Users) -> pa.Table:
    arrays = [
        pa.array(users.ids, pa.string()),
        _dictionary(users.market.astype(np.int32), list(spec.markets)),
        pa.array(users.birth_year, pa.int32()),
        pa.array(users.opted_out, pa.bool_()),
    ]
    return pa.Table.from_arrays(arrays, schema=_schema(USERS, arrays))


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
