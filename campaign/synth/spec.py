"""What to generate (SynthSpec) and what was generated (SynthResult)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MIN_STREAM_MS = 30_000  # a play counts as a stream from 30 s (DESIGN.md, `min_ms_played`)
ADULT_AGE = 18  # the workspace's default `min_age`


@dataclass
class SynthSpec:
    """The size and shape of a synthetic dataset; the same spec and seed give the same bytes."""

    plays: int = 1_000_000  # natural plays; planted ones come on top
    users: int = 50_000
    tracks: int = 20_000
    markets: tuple[str, ...] = ("GB", "US", "JP")
    year: int = 2024
    plants_per_kind: int = 5  # `campaign synth --events N`
    seed: int = 0

    def __post_init__(self) -> None:
        self.markets = tuple(self.markets)
        if self.plays < 1 or self.users < 1 or self.tracks < 100:
            raise ValueError("synth needs at least 1 play, 1 user and 100 tracks")
        if not self.markets or len(set(self.markets)) != len(self.markets):
            raise ValueError("synth needs one or more distinct markets")
        if self.plants_per_kind < 0:
            raise ValueError("plants_per_kind cannot be negative")

    @property
    def adult_born_by(self) -> int:
        """Born in or before this year = surely ADULT_AGE on 1 January, the first day of the
        data, as the workspace judges it (a birth year leaves the birthday open)."""
        return self.year - ADULT_AGE - 1

    @property
    def days(self) -> int:
        """Days in the calendar year."""
        return 366 if self.year % 4 == 0 and (self.year % 100 or self.year % 400 == 0) else 365

    def rng(self, *stream: int) -> np.random.Generator:
        """An independent generator per stream, so that one part of the data can change (a new
        plant kind, say) without reshuffling every other part."""
        return np.random.Generator(np.random.PCG64([self.seed, *stream]))


@dataclass
class SynthResult:
    listens: Path
    truth: Path
    users: Path
    playlists: Path
    playlist_tracks: Path
    data_files: list[Path]  # every canonical table written: listens, users, playlists, tracks
    plays: int  # rows in listens, planted rows included
    planted_plays: int
    user_count: int
    track_count: int
    playlist_count: int
    anomalies: int  # truth entries with role "anomaly"
    decoys: int  # every other truth entry
    seconds: float
