"""Planted anomalies and decoys: a registry of kinds, and the context a kind plants with.

A kind is a function that gets a PlantContext (the users, the catalogue, the natural plays, the
calendar) and returns Plants: the rows it adds, the natural rows it removes, and the truth entry
it stands for. Its value is measured afterwards on the written data, never taken from the plan.

To add a kind (repeat_in_year, streak, long_session, …), write one function and register it:

    @register("streak", role="anomaly")
    def plant_streak(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]: ...

A kind gets its own random stream, so adding one does not reshuffle the others.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from campaign.events import Event
from campaign.synth.names import THEME_NAMES, event_theme
from campaign.synth.plays import Plays, play_rows
from campaign.synth.population import Catalogue, Users
from campaign.synth.rhythm import hourly_profiles
from campaign.synth.spec import DAY_US, HOUR_US, MIN_STREAM_MS, SynthSpec

STREAM_PLANTS = 100  # random stream family of the plants (see SynthSpec.rng)
BASELINE_DAYS = 28  # the spike pack compares a day with the 28 before it

MarketEvents = list[list[tuple[int, Event]]]  # per market: (day index, event), in the year


@dataclass
class Plant:
    kind: str  # the pack that must find it (or could be fooled by it)
    role: str  # anomaly | decoy | opted_out | under_age
    market: int
    day: int  # the market's local day index
    track: int
    measure: str  # "listeners": distinct streamers that day; "repeat": one user's streams
    user: int = -1  # for "repeat"; internal only, never written to the truth file
    rows: Plays | None = None
    drop: np.ndarray | None = None  # natural row indices removed


@dataclass(frozen=True)
class PlantKind:
    name: str
    plant: Callable[[PlantContext, np.random.Generator, int], list[Plant]]
    count: Callable[[SynthSpec], int]
    # Runs on the catalogue before natural plays exist (e.g. to move a release day); its
    # return value reaches `plant` as ctx.prepared[name].
    prepare: Callable[[SynthSpec, Catalogue, MarketEvents, np.random.Generator, int], Any] | None


REGISTRY: dict[str, PlantKind] = {}


def per_kind(spec: SynthSpec) -> int:
    return spec.plants_per_kind


def decoys(spec: SynthSpec) -> int:
    """One decoy of each kind for every three plants, and at least one when anything is planted."""
    return math.ceil(spec.plants_per_kind / 3)


def register(
    name: str,
    count: Callable[[SynthSpec], int] = per_kind,
    prepare: Callable[..., Any] | None = None,
) -> Callable[[Callable[..., list[Plant]]], Callable[..., list[Plant]]]:
    def decorate(fn: Callable[..., list[Plant]]) -> Callable[..., list[Plant]]:
        if name in REGISTRY:
            raise ValueError(f"plant kind '{name}' is registered twice")
        REGISTRY[name] = PlantKind(name, fn, count, prepare)
        return fn

    return decorate


def kind_rng(spec: SynthSpec, name: str, phase: int) -> np.random.Generator:
    return spec.rng(STREAM_PLANTS, zlib.crc32(name.encode()), phase)


def prepare_all(spec: SynthSpec, catalogue: Catalogue, events: MarketEvents) -> dict[str, Any]:
    prepared: dict[str, Any] = {}
    for kind in REGISTRY.values():
        n = kind.count(spec)
        if kind.prepare is not None and n > 0:
            prepared[kind.name] = kind.prepare(
                spec, catalogue, events, kind_rng(spec, kind.name, 0), n
            )
    return prepared


def plant_all(ctx: PlantContext) -> list[Plant]:
    plants: list[Plant] = []
    for kind in REGISTRY.values():
        n = kind.count(ctx.spec)
        if n > 0:
            plants.extend(kind.plant(ctx, kind_rng(ctx.spec, kind.name, 1), n))
    return plants


@dataclass
class PlantContext:
    spec: SynthSpec
    users: Users
    catalogue: Catalogue
    natural: Plays
    events: MarketEvents
    day_types: list[np.ndarray]
    prepared: dict[str, Any] = field(default_factory=dict)
    used_tracks: set[int] = field(default_factory=set)
    used_users: set[int] = field(default_factory=set)
    used_cells: set[tuple[int, int]] = field(default_factory=set)  # (market, day)

    def __post_init__(self) -> None:
        n = self.spec.days + 2
        self._day = self.natural.local_day
        key = self.natural.market.astype(np.int64) * n + self._day
        self._order = np.argsort(key, kind="stable")
        self._bounds = np.searchsorted(key[self._order], np.arange(len(self.spec.markets) * n + 1))
        self._stream = self.natural.ms_played >= MIN_STREAM_MS
        self._plays_per_user = np.bincount(self.natural.user, minlength=len(self.users.ids))
        self._eligible = self.users.eligible
        for reserved in self.prepared.values():
            self.used_tracks.update(track for _, _, track in reserved)

    # ---- the natural data -------------------------------------------------------------------
    def rows(self, m: int, first_day: int, end_day: int) -> np.ndarray:
        """Natural row indices of market m on local days [first_day, end_day)."""
        n = self.spec.days + 2
        lo, hi = max(first_day, 0), min(end_day, n)
        if hi <= lo:
            return np.zeros(0, dtype=np.int64)
        return self._order[self._bounds[m * n + lo] : self._bounds[m * n + hi]]

    def stream_counts(self, m: int, first_day: int, end_day: int) -> np.ndarray:
        rows = self.rows(m, first_day, end_day)
        rows = rows[self._stream[rows]]
        return np.bincount(self.natural.track[rows], minlength=len(self.catalogue))

    def listeners(self, m: int, day: int, track: int) -> np.ndarray:
        """Distinct users streaming `track` on market m's local day (natural plays)."""
        rows = self.rows(m, day, day + 1)
        rows = rows[self._stream[rows] & (self.natural.track[rows] == track)]
        return np.unique(self.natural.user[rows])

    def daily_listeners(self, m: int, track: int, first_day: int, end_day: int) -> np.ndarray:
        return np.array([self.listeners(m, d, track).size for d in range(first_day, end_day)])

    def active_listeners(self, m: int, day: int) -> int:
        return int(np.unique(self.natural.user[self.rows(m, day, day + 1)]).size)

    def ineligible_rows(self, m: int, day: int, track: int) -> np.ndarray:
        """Natural plays of a track that day by listeners the workspace will remove."""
        rows = self.rows(m, day, day + 1)
        rows = rows[self.natural.track[rows] == track]
        return rows[~self._eligible[self.natural.user[rows]]]

    def user_rows(self, m: int, day: int, user: int, track: int) -> np.ndarray:
        rows = self.rows(m, day, day + 1)
        return rows[(self.natural.user[rows] == user) & (self.natural.track[rows] == track)]

    def streams(self, rows: np.ndarray) -> np.ndarray:
        return self._stream[rows]

    def history_tracks(self, user: int, before_day: int) -> np.ndarray:
        """Tracks a user streamed before a day."""
        rows = np.flatnonzero((self.natural.user == user) & self._stream & (self._day < before_day))
        return np.unique(self.natural.track[rows])

    # ---- choosing ---------------------------------------------------------------------------
    def listeners_pool(self, m: int, eligible: bool = True) -> np.ndarray:
        """Users of market m with some listening, eligible (or not) for facts."""
        ok = (self.users.market == m) & (self._plays_per_user > 0)
        return np.flatnonzero(ok & (self._eligible if eligible else ~self._eligible))

    def event_cells(
        self, rng: np.random.Generator, n: int, first_day: int = 0, last_day: int | None = None
    ) -> list[tuple[int, int, Event]]:
        """n (market, day, event) picks on distinct market-days, markets taken in turn."""
        last_day = self.spec.days - 1 if last_day is None else last_day
        n_markets = len(self.spec.markets)
        pools = [
            [(d, e) for d, e in self.events[m] if first_day <= d <= last_day]
            for m in range(n_markets)
        ]
        cells: list[tuple[int, int, Event]] = []
        start = int(rng.integers(n_markets))
        for i in range(2 * n * n_markets):
            if len(cells) == n:
                break
            m = (start + i) % n_markets
            unused = [(d, e) for d, e in pools[m] if (m, d) not in self.used_cells]
            # once every event day has a plant, days are shared (by different tracks)
            pool = unused or (pools[m] if i >= n * n_markets else [])
            if pool:
                d, event = pool[int(rng.integers(len(pool)))]
                self.used_cells.add((m, d))
                cells.append((m, d, event))
        return cells

    def themed(self, event: Event | None) -> int:
        """The theme index of titles that speak to an event (0 = none)."""
        theme = event_theme(event.name("en")) if event is not None else None
        return THEME_NAMES.index(theme) if theme else 0

    def free(self, tracks: np.ndarray) -> np.ndarray:
        return tracks[~np.isin(tracks, list(self.used_tracks))] if self.used_tracks else tracks

    # ---- planting ---------------------------------------------------------------------------
    def times(
        self, rng: np.random.Generator, m: int, day: int, n: int, moment: float = 0.0
    ) -> np.ndarray:
        """n local times on a day, from the market's hourly rhythm; a share `moment` of them
        gathered around one hour (a broadcast, a countdown)."""
        profile = hourly_profiles(self.spec.markets[m])[self.day_types[m][day]]
        hours = rng.choice(24, size=n, p=profile).astype(np.float64) + rng.random(n)
        around = rng.random(n) < moment
        centre = 12 + 9 * rng.random()
        hours[around] = np.clip(rng.normal(centre, 1.2, around.sum()), 0, 23.99)
        return day * DAY_US + (hours * HOUR_US).astype(np.int64)

    def add_listeners(
        self, rng: np.random.Generator, m: int, day: int, track: int, n: int, moment: float = 0.0
    ) -> Plays:
        """Streams of a track on a day by n more eligible listeners of the market, who did not
        stream it yet that day; most play it once, some two or three times."""
        pool = np.setdiff1d(self.listeners_pool(m), self.listeners(m, day, track))
        who = rng.choice(pool, size=min(n, pool.size), replace=False)
        who = np.repeat(who, rng.choice([1, 2, 3], size=who.size, p=[0.75, 0.2, 0.05]))
        return play_rows(
            self.catalogue, self.users, who, track, m, self.times(rng, m, day, who.size, moment)
        )

    def repeat_run(
        self, rng: np.random.Generator, m: int, day: int, user: int, track: int, plays: int
    ) -> tuple[Plays, np.ndarray]:
        """One listener streams a track `plays` times that local day, spread over hours. Their
        natural skips of it that day are removed, so plays and streams agree."""
        natural = self.user_rows(m, day, user, track)
        skips = natural[~self.streams(natural)]
        n = max(plays - int(self.streams(natural).sum()), 1)
        duration = int(self.catalogue.duration_ms[track]) * 1000
        span = max(rng.uniform(5, 15) * HOUR_US, n * (duration + 5_000_000))
        gaps = rng.dirichlet(np.ones(n)) * (span - n * duration)
        step = (duration + gaps).astype(np.int64)
        offsets = np.cumsum(step) - step
        latest = DAY_US - 60_000_000 - offsets[-1] - duration
        start = min(int(rng.uniform(6.5, 13) * HOUR_US), max(latest, 0))
        rows = play_rows(
            self.catalogue, self.users, np.full(n, user), track, m, day * DAY_US + start + offsets
        )
        return rows, skips
