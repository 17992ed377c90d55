"""Playlists (schema.PLAYLISTS, PLAYLIST_TRACKS): who made which, called what, holding which tracks.

A realistic share of listeners (about a quarter, the heavier ones more often) own one to five
playlists, made on a day of the year and filled mostly with what the owner actually streams, the
rest with what their market likes. Titles are mostly generic and shared ("chill", "gym"), some
dated ("Summer 2024"), some personal ("songs for when the cat judges me"); see names.py.

Times are local wall-clock µs of the owner's market, as for plays, until they are written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from campaign.synth import names
from campaign.synth.natural_index import UserHistory
from campaign.synth.plays import back_catalogue_sampler
from campaign.synth.population import Catalogue, Users
from campaign.synth.spec import DAY_US, HOUR_US, SynthSpec

OWNER_SHARE = (0.08, 0.45)  # chance of owning playlists, from the lightest to the heaviest listener
PLAYLISTS_PER_OWNER = (0.42, 0.26, 0.16, 0.10, 0.06)  # 1, 2, 3, 4, 5
NATURAL_SIZE = (16, 0.75, 2, 70)  # lognormal median and sigma, clipped to [2, 70] tracks
FROM_HISTORY = 0.75  # share of a playlist's tracks taken from what its owner streams
FIRST_DAY, LAST_DAY_FROM_END = 1, 2  # playlists are made and filled 2 January … 30 December
FINISH_BLOCK = 1 << 22  # playlist entries put in order at a time (whole playlists)


@dataclass
class PlaylistBook:
    """Playlists as they are built, natural ones first, then the plants' (appended in order)."""

    owner: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    created_us: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    names: list[str] = field(default_factory=list)
    # entries: one per track put on a playlist
    playlist: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    track: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    added_us: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __len__(self) -> int:
        return len(self.names)

    def add(self, owner: np.ndarray, titles: list[str], created_us: np.ndarray) -> np.ndarray:
        """New playlists; returns their indices."""
        first = len(self.names)
        self.owner = np.concatenate([self.owner, np.asarray(owner, dtype=np.int32)])
        self.created_us = np.concatenate([self.created_us, np.asarray(created_us, np.int64)])
        self.names.extend(titles)
        return np.arange(first, len(self.names))

    def add_tracks(self, playlist: np.ndarray, track: np.ndarray, added_us: np.ndarray) -> None:
        self.playlist = np.concatenate([self.playlist, np.asarray(playlist, dtype=np.int32)])
        self.track = np.concatenate([self.track, np.asarray(track, dtype=np.int32)])
        self.added_us = np.concatenate([self.added_us, np.asarray(added_us, dtype=np.int64)])

    def normalised(self) -> list[str]:
        """Titles as the packs compare them: trimmed and case-folded."""
        return [t.strip().casefold() for t in self.names]

    def finish(self) -> None:
        """One entry per playlist and track (the first add wins), in playlist then time order:
        a block of whole playlists at a time, as there are tens of millions of entries at 100 M
        plays (each playlist's entries kept in the order they were added, for the ties)."""
        by_playlist = np.argsort(self.playlist, kind="stable")
        ends = np.cumsum(np.bincount(self.playlist, minlength=len(self)))
        n = by_playlist.size
        cuts = ends[np.searchsorted(ends, np.arange(FINISH_BLOCK, n, FINISH_BLOCK))]
        bounds = np.unique(np.r_[0, cuts, n])
        width = int(self.track.max(initial=0)) + 1
        keep, kept = np.empty(n, dtype=np.int64), 0
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            rows = by_playlist[lo:hi]
            mine = rows[
                _first_adds(self.playlist[rows], self.track[rows], self.added_us[rows], width)
            ]
            keep[kept : kept + mine.size] = mine
            kept += mine.size
        del by_playlist
        keep = keep[:kept]
        self.playlist = self.playlist[keep]
        self.track = self.track[keep]
        self.added_us = self.added_us[keep]


def _first_adds(
    playlist: np.ndarray, track: np.ndarray, added_us: np.ndarray, width: int
) -> np.ndarray:
    """Which entries stay, in playlist then time order: of a playlist and track, the earliest
    add (the first made of equals)."""
    key = playlist.astype(np.int64) * width + track
    order = np.lexsort((added_us, key))
    sorted_key = key[order]
    first = np.r_[True, sorted_key[1:] != sorted_key[:-1]]
    keep = order[first]
    return keep[np.lexsort((added_us[keep], playlist[keep]))]


def fill_tracks(
    rng: np.random.Generator,
    spec: SynthSpec,
    users: Users,
    catalogue: Catalogue,
    history: UserHistory,
    owner: np.ndarray,
    size: np.ndarray,
    from_history: float = FROM_HISTORY,
) -> tuple[np.ndarray, np.ndarray]:
    """(playlist position, track) for playlists of `size` tracks owned by `owner`: mostly from
    the owner's streams, the rest from the owner's market's favourites."""
    slot_owner = np.repeat(owner, size)
    slot_list = np.repeat(np.arange(owner.size, dtype=np.int32), size)
    track = np.empty(slot_owner.size, dtype=np.int32)
    own = (rng.random(slot_owner.size) < from_history) & np.repeat(history.count(owner) > 0, size)
    track[own] = history.sample(rng, slot_owner[own])
    slot_market = np.repeat(users.market[owner], size)
    for m in range(len(spec.markets)):
        rows = np.flatnonzero(~own & (slot_market == m))
        p = back_catalogue_sampler(catalogue, m)
        track[rows] = rng.choice(len(catalogue), size=rows.size, p=p)
    return slot_list, track


def fill_times(
    rng: np.random.Generator, spec: SynthSpec, created_us: np.ndarray, slot_list: np.ndarray
) -> np.ndarray:
    """When each track was added: most the day the playlist was made, a few minutes apart; the
    rest on later days of the year (a playlist made in its last days is filled at once)."""
    last = (spec.days - LAST_DAY_FROM_END) * DAY_US - 1
    start = created_us[slot_list]
    same_day = rng.random(slot_list.size) < 0.6
    # in place, a few arrays at a time: there are tens of millions of entries at 100 M plays
    room = rng.random(slot_list.size)
    room *= np.maximum(last - start, 0)
    added = room.astype(np.int64)
    del room
    added += start
    added[same_day] = start[same_day] + rng.integers(0, 40 * 60_000_000, slot_list.size)[same_day]
    np.clip(added, start, np.maximum(last, start), out=added)
    return added


def month_of(spec: SynthSpec, day: np.ndarray) -> np.ndarray:
    """Month (0–11) of local day indices."""
    starts = [(date(spec.year, m, 1) - date(spec.year, 1, 1)).days for m in range(1, 13)]
    return np.searchsorted(starts, day, side="right") - 1


def creation_times(rng: np.random.Generator, spec: SynthSpec, n: int) -> np.ndarray:
    """Local µs of n playlist creations: any day 2 January … 30 December, 8:00 to 23:00."""
    day = rng.integers(FIRST_DAY, spec.days - LAST_DAY_FROM_END, n)
    return day * DAY_US + (rng.uniform(8, 23, n) * HOUR_US).astype(np.int64)


def natural_playlists(
    spec: SynthSpec,
    users: Users,
    catalogue: Catalogue,
    history: UserHistory,
    rng: np.random.Generator,
) -> PlaylistBook:
    listeners = np.flatnonzero(history.count(np.arange(len(users.ids))) > 0)
    activity_rank = np.argsort(np.argsort(users.activity[listeners])) / max(listeners.size, 1)
    p_own = OWNER_SHARE[0] + (OWNER_SHARE[1] - OWNER_SHARE[0]) * activity_rank
    owners = listeners[rng.random(listeners.size) < p_own]
    per_owner = rng.choice(len(PLAYLISTS_PER_OWNER), owners.size, p=PLAYLISTS_PER_OWNER) + 1
    owner = np.repeat(owners, per_owner).astype(np.int32)
    created = creation_times(rng, spec, owner.size)
    jp = spec.markets.index("JP") if "JP" in spec.markets else -1
    month = month_of(spec, created // DAY_US)
    titles = names.playlist_titles(rng, owner.size, users.market[owner] == jp, month, spec.year)
    median, sigma, lo, hi = NATURAL_SIZE
    size = np.clip(rng.lognormal(np.log(median), sigma, owner.size), lo, hi).astype(np.int64)

    book = PlaylistBook()
    book.add(owner, titles, created)
    slot_list, track = fill_tracks(rng, spec, users, catalogue, history, owner, size)
    book.add_tracks(slot_list, track, fill_times(rng, spec, created, slot_list))
    return book
