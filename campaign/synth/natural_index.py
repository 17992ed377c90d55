"""The natural plays as the plants look at them, kept on disk so memory stays flat in the data.

Chunks of plays are appended (a user at a time, in the order they were made) to one raw file per
column; `finish` lays them out again ordered by market then local day (stable: a day's plays keep
the order they were made in), a chunk at a time, by counting sort. A plant asks for a market's
days and gets a contiguous range of positions; a column read maps its file, copies what was asked
and unmaps it, so only what a plant looks at is ever resident. Each play's place in the order it
was made (`seq`) stays with it: that is what a plant's dropped rows are named by.

What is per listener or per track (plays per user, plays per track, each user's streams' bounds)
is counted as the chunks come and kept in memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from campaign.synth.plays import Plays
from campaign.synth.spec import MIN_STREAM_MS

BLOCK_ROWS = 1 << 20  # rows laid out again at a time by `finish`
CELL_COLUMNS = ("market", "local_day")  # the cell a play is laid out in


class DiskColumn:
    """One column in a raw file, read on demand (slice or index array, like a numpy array)."""

    def __init__(self, path: Path, dtype: np.dtype, size: int):
        self.path, self.dtype, self.size = path, np.dtype(dtype), size

    def __len__(self) -> int:
        return self.size

    @property
    def shape(self) -> tuple[int]:
        return (self.size,)

    def __getitem__(self, key: slice | np.ndarray) -> np.ndarray:
        if self.size == 0:
            return np.zeros(0, self.dtype)[key]
        mapped = np.memmap(self.path, self.dtype, "r", shape=(self.size,))
        try:
            return np.array(mapped[key])
        finally:
            del mapped  # unmapped: the pages read leave the resident set

    def write_at(self, positions: np.ndarray, values: np.ndarray) -> None:
        """Scatter values into an existing file of `size` rows (left to the page cache to write
        back: a later read sees them)."""
        mapped = np.memmap(self.path, self.dtype, "r+", shape=(self.size,))
        try:
            mapped[positions] = values
        finally:
            del mapped


class _Appender:
    """A raw column file written a chunk at a time."""

    def __init__(self, path: Path, dtype: np.dtype):
        self.path, self.dtype, self.size = path, np.dtype(dtype), 0
        path.write_bytes(b"")

    def append(self, values: np.ndarray) -> None:
        with self.path.open("ab") as out:
            np.ascontiguousarray(values, dtype=self.dtype).tofile(out)
        self.size += len(values)

    def column(self) -> DiskColumn:
        return DiskColumn(self.path, self.dtype, self.size)


COLUMNS = {
    "user": np.int32,
    "track": np.int32,
    "market": np.int8,
    "local_day": np.int16,
    "ms_played": np.int32,
    "skipped": np.bool_,
}


@dataclass
class UserHistory:
    """Each user's natural streams, grouped by user: what a playlist of theirs is filled from."""

    track: DiskColumn | np.ndarray
    day: DiskColumn | np.ndarray
    bounds: np.ndarray  # int64, user u's streams are [bounds[u], bounds[u + 1])

    def count(self, users: np.ndarray) -> np.ndarray:
        return self.bounds[users + 1] - self.bounds[users]

    def tracks(self, user: int) -> np.ndarray:
        return self.track[self.bounds[user] : self.bounds[user + 1]]

    def sample(self, rng: np.random.Generator, users: np.ndarray) -> np.ndarray:
        """A random stream of each user's (users must have one): favourites come up more often."""
        pick = self.bounds[users] + (rng.random(users.size) * self.count(users)).astype(np.int64)
        return self.track[pick]


@dataclass
class NaturalIndex:
    """The natural plays ordered by market then local day; `bounds[m * n_days + d]` is where
    market m's day d begins (n_days = spec.days + 2: plays may spill past the year's end)."""

    user: DiskColumn
    track: DiskColumn
    ms_played: DiskColumn
    skipped: DiskColumn
    seq: DiskColumn  # int64: the play's place in the order it was made
    bounds: np.ndarray
    n_days: int
    plays_per_user: np.ndarray  # int64, all natural plays of each user
    plays_per_track: np.ndarray  # int64

    def positions(self, m: int, first_day: int, end_day: int) -> np.ndarray:
        """Positions of market m's plays on local days [first_day, end_day)."""
        lo, hi = max(first_day, 0), min(end_day, self.n_days)
        if hi <= lo:
            return np.zeros(0, dtype=np.int64)
        base = m * self.n_days
        return np.arange(self.bounds[base + lo], self.bounds[base + hi], dtype=np.int64)

    def seqs(self, positions: np.ndarray) -> np.ndarray:
        """The made-order seq of plays at these positions (what the listens writer drops)."""
        return self.seq[np.asarray(positions, dtype=np.int64)]


class NaturalIndexWriter:
    """Takes the natural chunks as they are made (a user at a time) and builds the index and
    the users' stream histories in `folder`."""

    def __init__(self, folder: Path, n_users: int, n_tracks: int, n_markets: int, n_days: int):
        self.folder, self.n_markets, self.n_days = folder, n_markets, n_days
        self.made = {name: _Appender(folder / f"made.{name}", t) for name, t in COLUMNS.items()}
        self.history_track = _Appender(folder / "history.track", np.int32)
        self.history_day = _Appender(folder / "history.day", np.int16)
        self.plays_per_user = np.zeros(n_users, np.int64)
        self.streams_per_user = np.zeros(n_users, np.int64)
        self.plays_per_track = np.zeros(n_tracks, np.int64)
        self.cells = np.zeros(n_markets * n_days, np.int64)
        self.last_user = -1

    def append(self, plays: Plays) -> None:
        if len(plays) == 0:
            return
        user = plays.user
        if user[0] < self.last_user or np.any(user[1:] < user[:-1]):
            raise ValueError("natural plays must come a user at a time, in user order")
        self.last_user = int(user[-1])
        day = plays.local_day.astype(np.int16)
        values = {"user": user, "track": plays.track, "market": plays.market, "local_day": day,
                  "ms_played": plays.ms_played, "skipped": plays.skipped}  # fmt: skip
        for name, appender in self.made.items():
            appender.append(values[name])
        streams = plays.ms_played >= MIN_STREAM_MS
        self.history_track.append(plays.track[streams])
        self.history_day.append(day[streams])
        n_users, n_tracks = self.plays_per_user.size, self.plays_per_track.size
        self.plays_per_user += np.bincount(user, minlength=n_users)
        self.streams_per_user += np.bincount(user[streams], minlength=n_users)
        self.plays_per_track += np.bincount(plays.track, minlength=n_tracks)
        cell = plays.market.astype(np.int64) * self.n_days + day
        self.cells += np.bincount(cell, minlength=self.cells.size)

    def finish(self) -> tuple[NaturalIndex, UserHistory]:
        """Lay the plays out by market then day (a block at a time) and hand the index over."""
        made = {name: appender.column() for name, appender in self.made.items()}
        n = made["user"].size
        # market and day are where a play goes (`bounds`), so they are not laid out again
        kept = {name: column for name, column in made.items() if name not in CELL_COLUMNS}
        sorted_cols = {}
        for name, column in (*kept.items(), ("seq", None)):
            path = self.folder / f"index.{name}"
            dtype = np.dtype(np.int64) if column is None else column.dtype
            with path.open("wb") as out:
                out.truncate(n * dtype.itemsize)
            sorted_cols[name] = DiskColumn(path, dtype, n)
        cursor = np.r_[0, np.cumsum(self.cells)[:-1]].astype(np.int64)
        for lo in range(0, n, BLOCK_ROWS):
            hi = min(lo + BLOCK_ROWS, n)
            cell = made["market"][lo:hi].astype(np.int64) * self.n_days + made["local_day"][lo:hi]
            order = np.argsort(cell, kind="stable")
            ordered = cell[order]
            at = np.arange(order.size)
            first = np.maximum.accumulate(np.where(np.r_[True, ordered[1:] != ordered[:-1]], at, 0))
            positions = cursor[ordered] + (at - first)
            cursor += np.bincount(cell, minlength=cursor.size)
            for name, column in kept.items():
                sorted_cols[name].write_at(positions, column[lo:hi][order])
            sorted_cols["seq"].write_at(positions, lo + order)
        for appender in self.made.values():
            appender.path.unlink()
        index = NaturalIndex(
            **sorted_cols,
            bounds=np.r_[0, np.cumsum(self.cells)],
            n_days=self.n_days,
            plays_per_user=self.plays_per_user,
            plays_per_track=self.plays_per_track,
        )
        history = UserHistory(
            self.history_track.column(),
            self.history_day.column(),
            np.r_[0, np.cumsum(self.streams_per_user)],
        )
        return index, history
