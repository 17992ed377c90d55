"""What to generate (SynthSpec) and what was generated (SynthResult)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from campaign.errors import ConfigError

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MIN_STREAM_MS = 30_000  # a play counts as a stream from 30 s (DESIGN.md, `min_ms_played`)
ADULT_AGE = 18  # the workspace's default `min_age`

# What the generator can honour (each bound tried): beyond them it fails or runs without end.
# Natural plays are made and written in chunks; the plants read them from an index on disk
# (natural_index.py); what stays in memory grows with the listeners and playlists, not the plays.
MIN_PLAYS, MAX_PLAYS = 1_000, 120_000_000
MIN_USERS_PER_MARKET, MAX_USERS = 100, 10_000_000
MIN_TRACKS = 100
MAX_PLANTS_PER_KIND = 50
LISTENERS_PER_PLANT = 5  # each market's listeners per planted fact of a kind
YEARS = (1950, 2100)
MIN_CHART_DEPTH = 10  # a top 10 is the shortest chart with a floor worth the name


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
    charts: int | None = None  # `--charts N`: also write the world's top-N daily charts

    def __post_init__(self) -> None:
        self.markets = tuple(self.markets)
        check_spec(self)
        if self.charts is not None and not MIN_CHART_DEPTH <= self.charts <= self.tracks // 10:
            raise ConfigError(
                f"--charts {self.charts} is not a chart depth: give the number of positions "
                f"a chart lists, from {MIN_CHART_DEPTH} to {self.tracks // 10}"
            )

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


def _range(option: str, value: int, low: int, high: int, why: str = "") -> None:
    if not low <= value <= high:
        raise ConfigError(f"{option} must be from {low:,} to {high:,}{why}, not {value:,}")


def check_spec(spec: SynthSpec) -> None:
    """Refuse, before anything is generated, a spec the generator cannot honour; one sentence
    naming the `campaign synth` option."""
    if not spec.markets:
        raise ConfigError("--markets needs at least one market code, e.g. GB,US,JP")
    if len(set(spec.markets)) != len(spec.markets):
        raise ConfigError(f"--markets names a market twice ({', '.join(spec.markets)})")
    _range("--plays", spec.plays, MIN_PLAYS, MAX_PLAYS)
    n = len(spec.markets)
    _range(
        "--users", spec.users, MIN_USERS_PER_MARKET * n, MAX_USERS,
        f" ({MIN_USERS_PER_MARKET} per market at least)",
    )  # fmt: skip
    _range("tracks", spec.tracks, MIN_TRACKS, MAX_USERS)
    per_market = spec.users // n
    most = min(MAX_PLANTS_PER_KIND, per_market // LISTENERS_PER_PLANT)
    _range("--events", spec.plants_per_kind, 0, most, f" with {per_market:,} listeners a market")
    _range("--year", spec.year, *YEARS)
    _range("--seed", spec.seed, 0, 2**63 - 1)


def check_out(out: Path) -> None:
    """`--out` is a Parquet file that can be written: not a folder, in a folder we may write."""
    if out.suffix != ".parquet":
        raise ConfigError(f"--out must name a .parquet file, e.g. {out / 'listens.parquet'}")
    if out.is_dir():
        raise ConfigError(f"--out {out} is a folder; name the file, e.g. {out}/listens.parquet")
    existing = out.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ConfigError(f"--out {out} cannot be written: {existing} is a file")
    try:  # os.access says yes to root even where nothing can be written
        os.rmdir(tempfile.mkdtemp(prefix=".synth-probe-", dir=existing))
    except OSError:
        raise ConfigError(f"--out {out} cannot be written: {existing} is not writable") from None


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
    charts: Path | None = None  # the folder of daily_streams, chart_floors, tracks (--charts)
