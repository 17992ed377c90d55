"""Planted anomalies and decoys: a registry of kinds, and the context a kind plants with.

A kind is a function that gets a PlantContext (the users, the catalogue, the natural plays and
playlists, the calendar) and returns Plants: the rows it adds, the natural rows it removes, the
playlists it creates, and the truth entry it stands for. Its value is measured afterwards on the
written data, never taken from the plan: a kind registers how (`measure=`), as DuckDB SQL over
the canonical tables with the plant's keys bound as $parameters (see measuring.py).

To add a kind, write one function and register it with its measure:

    @register("streak", measure=STREAK_SQL)
    def plant_streaks(ctx: PlantContext, rng: np.random.Generator, n: int) -> list[Plant]: ...

A kind gets its own random stream, so adding one does not reshuffle the others. Kinds plant in
registration order and see what the kinds before them planted (`ctx.plants`).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from campaign.events import Event
from campaign.synth.background import CohortBackground
from campaign.synth.names import THEME_NAMES, event_theme, holiday_titles
from campaign.synth.natural_index import NaturalIndex, UserHistory
from campaign.synth.playlists import PlaylistBook
from campaign.synth.plays import Plays, play_rows
from campaign.synth.population import Catalogue, Users
from campaign.synth.rhythm import hourly_profiles
from campaign.synth.spec import DAY_US, HOUR_US, MIN_STREAM_MS, SynthSpec

STREAM_PLANTS = 100  # random stream family of the plants (see SynthSpec.rng)
BASELINE_DAYS = 28  # the spike pack compares a day with the 28 before it
SITTING_BREAK = 40 * 60_000_000  # µs between a repeat's sittings, at least

MarketEvents = list[list[tuple[int, Event]]]  # per market: (day index, event), in the year


@dataclass
class Plant:
    kind: str  # the pack that must find it (or could be fooled by it); names its measure
    role: str  # anomaly | decoy | pii | opted_out | under_age
    market: int
    day: int  # the fact's period_start: the market's local day index (0 = 1 January)
    track: int = -1  # the subject track, if the subject is a track
    user: int = -1  # for individual facts; internal only, never written to the truth file
    rows: Plays | None = None
    drop: np.ndarray | None = None  # natural row indices removed
    subject: str | None = None  # the fact's subject_name when it is not the track's title
    playlist: int = -1  # the subject playlist (index into ctx.playlists), if any
    params: dict[str, Any] = field(default_factory=dict)  # more keys for the kind's measure


@dataclass(frozen=True)
class PlantKind:
    name: str
    plant: Callable[[PlantContext, np.random.Generator, int], list[Plant]]
    count: Callable[[SynthSpec], int]
    # Runs on the catalogue before natural plays exist (e.g. to move a release day); its
    # return value reaches `plant` as ctx.prepared[name].
    prepare: Callable[[SynthSpec, Catalogue, MarketEvents, np.random.Generator, int], Any] | None


REGISTRY: dict[str, PlantKind] = {}
# Per fact kind (a pack's name): DuckDB SQL that counts a plant's value on the written data.
MEASURES: dict[str, str] = {}


def per_kind(spec: SynthSpec) -> int:
    return spec.plants_per_kind


def decoys(spec: SynthSpec) -> int:
    """One decoy of each kind for every three plants, and at least one when anything is planted."""
    return math.ceil(spec.plants_per_kind / 3)


def register(
    name: str,
    count: Callable[[SynthSpec], int] = per_kind,
    prepare: Callable[..., Any] | None = None,
    measure: str | None = None,
) -> Callable[[Callable[..., list[Plant]]], Callable[..., list[Plant]]]:
    """Register a plant kind; `measure` is the SQL that counts the value of plants whose `kind`
    is `name` (a kind that plants decoys of another kind, as release_decoy does for event_spike,
    registers none and is measured by that kind's SQL)."""

    def decorate(fn: Callable[..., list[Plant]]) -> Callable[..., list[Plant]]:
        if name in REGISTRY:
            raise ValueError(f"plant kind '{name}' is registered twice")
        REGISTRY[name] = PlantKind(name, fn, count, prepare)
        if measure is not None:
            MEASURES[name] = measure
        return fn

    return decorate


def register_with_privacy_decoys(
    name: str,
    plant: Callable[[PlantContext, np.random.Generator, int, str, Any], list[Plant]],
    size: Any,
    decoy_size: Any,
    measure: str,
    decoy_names: tuple[str, str] | None = None,
) -> None:
    """An individual kind and its two privacy decoys: the same plant, once for an eligible
    listener, once for an opted-out and once for an under-age one (who must never surface)."""
    opted_out, under_age = decoy_names or (f"{name}_opted_out", f"{name}_under_age")
    for kind, role, amount, count in (
        (name, "anomaly", size, per_kind),
        (opted_out, "opted_out", decoy_size, decoys),
        (under_age, "under_age", decoy_size, decoys),
    ):
        register(kind, count=count, measure=measure if role == "anomaly" else None)(
            lambda ctx, rng, n, role=role, amount=amount: plant(ctx, rng, n, role, amount)
        )


BACKGROUND_MARGIN = (
    1.5  # a plant's least size (listeners, plays), over the most the natural plays hold
)


def above_background(size: tuple[int, int], top: int) -> tuple[int, int]:
    """A size range moved up, if need be, so that its least is BACKGROUND_MARGIN times `top`
    (the pack's biggest natural value in the market, CohortBackground): the plant stays on top
    of its pack however many listeners the data has, and keeps its size where the background
    is small."""
    shift = max(math.ceil(BACKGROUND_MARGIN * top) - size[0], 0)
    return size[0] + shift, size[1] + shift


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
    for kind in REGISTRY.values():
        n = kind.count(ctx.spec)
        if n > 0:
            planted = kind.plant(ctx, kind_rng(ctx.spec, kind.name, 1), n)
            ctx.plants.extend(planted)
            for plant in planted:  # a track one plant streams is not another's to take
                if plant.rows is not None:
                    ctx.used_tracks.update(np.unique(plant.rows.track).tolist())
    missing = sorted({p.kind for p in ctx.plants} - set(MEASURES))
    if missing:
        raise ValueError(f"no measure registered for plant kind '{missing[0]}'")
    return ctx.plants


@dataclass
class PlantContext:
    spec: SynthSpec
    users: Users
    catalogue: Catalogue
    natural: NaturalIndex
    events: MarketEvents
    day_types: list[np.ndarray]
    history: UserHistory
    background: CohortBackground
    prepared: dict[str, Any] = field(default_factory=dict)
    day_weights: list[np.ndarray] = field(default_factory=list)  # per market, sums to 1
    playlists: PlaylistBook = field(default_factory=PlaylistBook)  # natural, then planted
    plants: list[Plant] = field(default_factory=list)  # what the kinds before planted
    used_tracks: set[int] = field(default_factory=set)
    used_users: set[int] = field(default_factory=set)
    used_artists: set[int] = field(default_factory=set)
    used_cells: set[tuple[int, int]] = field(default_factory=set)  # (market, day)

    def __post_init__(self) -> None:
        self._eligible = self.users.eligible
        # kept natural streams per track, by market: the natural plays never change, and each
        # read is a year of a market from the index on disk
        self._natural_streams: dict[int, np.ndarray] = {}
        # Christmas songs (the off_season pack's "holiday music"), by title
        self.seasonal = holiday_titles(self.catalogue.titles)
        if not self.day_weights:
            even = np.full(self.spec.days, 1 / self.spec.days)
            self.day_weights = [even] * len(self.spec.markets)
        for reserved in self.prepared.values():
            self.used_tracks.update(track for _, _, track in reserved)

    # ---- the natural data -------------------------------------------------------------------
    def rows(self, m: int, first_day: int, end_day: int) -> np.ndarray:
        """Natural rows (positions in the index) of market m on local days [first_day, end_day)."""
        return self.natural.positions(m, first_day, end_day)

    def stream_counts(self, m: int, first_day: int, end_day: int) -> np.ndarray:
        """Natural streams per track in market m on days [first_day, end_day), by listeners the
        workspace keeps (the history a pack sees)."""
        rows = self.rows(m, first_day, end_day)
        rows = rows[self.streams(rows) & self._eligible[self.natural.user[rows]]]
        return np.bincount(self.natural.track[rows], minlength=len(self.catalogue))

    def listeners(self, m: int, day: int, track: int) -> np.ndarray:
        """Distinct users streaming `track` on market m's local day (natural plays)."""
        rows = self.rows(m, day, day + 1)
        rows = rows[self.streams(rows) & (self.natural.track[rows] == track)]
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
        """Which of these natural rows are streams (at least MIN_STREAM_MS)."""
        return self.natural.ms_played[rows] >= MIN_STREAM_MS

    def history_tracks(self, user: int, before_day: int) -> np.ndarray:
        """Tracks a user streamed before a day."""
        lo, hi = self.history.bounds[user], self.history.bounds[user + 1]
        return np.unique(self.history.track[lo:hi][self.history.day[lo:hi] < before_day])

    def kept_streams(self, m: int) -> np.ndarray:
        """Streams per track in market m by listeners the workspace keeps: the natural ones and
        what the kinds before planted (the totals a yearly pack counts)."""
        if m not in self._natural_streams:
            rows = self.rows(m, 0, self.spec.days)
            rows = rows[self.streams(rows) & self._eligible[self.natural.user[rows]]]
            self._natural_streams[m] = np.bincount(
                self.natural.track[rows], minlength=len(self.catalogue)
            )
        counts = self._natural_streams[m].copy()
        for plant in self.plants:
            if plant.rows is not None:
                r = plant.rows
                ok = (r.market == m) & (r.ms_played >= MIN_STREAM_MS) & self._eligible[r.user]
                counts += np.bincount(r.track[ok], minlength=len(self.catalogue))
        return counts

    def track_rows(self, m: int, track: int) -> np.ndarray:
        """Natural row indices of a track in market m, all year."""
        rows = self.rows(m, 0, self.spec.days + 2)
        return rows[self.natural.track[rows] == track]

    # ---- choosing ---------------------------------------------------------------------------
    def listeners_pool(self, m: int, eligible: bool = True) -> np.ndarray:
        """Users of market m with some listening, eligible (or not) for facts."""
        ok = (self.users.market == m) & (self.natural.plays_per_user > 0)
        return np.flatnonzero(ok & (self._eligible if eligible else ~self._eligible))

    def active_pool(self, m: int, quantile: float = 0.5) -> np.ndarray:
        """Eligible listeners of market m who listen more than `quantile` of them do."""
        pool = self.listeners_pool(m)
        counts = self.natural.plays_per_user[pool]
        return pool[counts >= np.quantile(counts, quantile)] if pool.size else pool

    def privacy_pool(self, m: int, role: str) -> np.ndarray:
        """Listeners of market m the workspace removes: opted out, or under age."""
        pool = self.listeners_pool(m, eligible=False)
        if role == "under_age":
            return pool[self.users.birth_year[pool] > self.users.adult_born_by]
        return pool[self.users.opted_out[pool]]

    def markets_in_turn(self, rng: np.random.Generator, n: int) -> list[int]:
        """n markets, taken in turn from a random one."""
        n_markets = len(self.spec.markets)
        start = int(rng.integers(n_markets))
        return [(start + i) % n_markets for i in range(n)]

    def markets_by_size(self) -> list[int]:
        """Markets, the most listeners first (individual facts need a populous market)."""
        sizes = [self.listeners_pool(m).size for m in range(len(self.spec.markets))]
        return sorted(range(len(sizes)), key=lambda m: (-sizes[m], m))

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

    def year_round(self, tracks: np.ndarray, unused: bool = True) -> np.ndarray:
        """(Unused) tracks that are not Christmas songs: what a plant streams outside an event
        day (a Christmas song in July would be an off_season fact)."""
        tracks = self.free(np.asarray(tracks)) if unused else np.asarray(tracks)
        return tracks[~self.seasonal[tracks]]

    # ---- planting ---------------------------------------------------------------------------
    def pick_days(
        self, rng: np.random.Generator, m: int, n: int, first: int = 0, end: int | None = None
    ) -> np.ndarray:
        """n local days in [first, end), as busy as market m's days are."""
        end = self.spec.days if end is None else min(end, self.spec.days)
        p = self.day_weights[m][first:end]
        return first + rng.choice(p.size, size=n, p=p / p.sum())

    def clock(self, rng: np.random.Generator, m: int, days: np.ndarray) -> np.ndarray:
        """A local time on each of `days`, from the market's hourly rhythm that kind of day."""
        days = np.asarray(days, dtype=np.int64)
        profiles = hourly_profiles(self.spec.markets[m])
        kind = self.day_types[m][days]
        cdf = np.cumsum(profiles, axis=1)
        cdf = (cdf / cdf[:, -1:] + np.arange(4)[:, None]).ravel()
        u = kind + rng.random(days.size) * (1 - 1e-12)
        hour = np.searchsorted(cdf, u, side="right") - kind * 24
        return days * DAY_US + hour * HOUR_US + rng.integers(0, HOUR_US, days.size)

    def streams_on(
        self,
        rng: np.random.Generator,
        m: int,
        user: np.ndarray,
        track: np.ndarray,
        days: np.ndarray,
    ) -> Plays:
        """Full plays of tracks by users on days, at the market's usual hours."""
        return play_rows(self.catalogue, self.users, user, track, m, self.clock(rng, m, days))

    def times(
        self, rng: np.random.Generator, m: int, day: int, n: int, moment: float = 0.0
    ) -> np.ndarray:
        """n local times on a day, from the market's hourly rhythm; a share `moment` of them
        gathered around one hour (a broadcast, a countdown)."""
        local = self.clock(rng, m, np.full(n, day))
        around = rng.random(n) < moment
        centre = 12 + 9 * rng.random()
        hours = np.clip(rng.normal(centre, 1.2, around.sum()), 0, 23.99)
        local[around] = day * DAY_US + (hours * HOUR_US).astype(np.int64)
        return local

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
        """One listener streams a track `plays` times that local day, in three to six sittings
        spread over hours (breaks of 40 minutes or more between them: not one marathon session).
        Their natural skips of it that day are removed, so plays and streams agree."""
        natural = self.user_rows(m, day, user, track)
        skips = natural[~self.streams(natural)]
        n = max(plays - int(self.streams(natural).sum()), 1)
        duration = int(self.catalogue.duration_ms[track]) * 1000
        sittings = int(min(rng.integers(3, 7), n))
        size = 1 + rng.multinomial(n - sittings, np.full(sittings, 1 / sittings))
        step = duration + rng.integers(0, 120_000_000, n)  # back to back, or nearly
        sitting = np.repeat(np.arange(sittings), size)
        length = np.bincount(sitting, weights=step, minlength=sittings)
        free = max(rng.uniform(5, 15) * HOUR_US - length.sum() - (sittings - 1) * SITTING_BREAK, 0)
        breaks = SITTING_BREAK + rng.dirichlet(np.ones(sittings)) * free
        breaks[-1] = 0
        begins = np.cumsum(length + breaks) - (length + breaks)
        within = np.cumsum(step) - step
        first = np.cumsum(size) - size
        offsets = (begins[sitting] + within - within[first][sitting]).astype(np.int64)
        latest = DAY_US - 60_000_000 - offsets[-1] - duration
        start = min(int(rng.uniform(6.5, 13) * HOUR_US), max(latest, 0))
        rows = play_rows(
            self.catalogue, self.users, np.full(n, user), track, m, day * DAY_US + start + offsets
        )
        return rows, skips
