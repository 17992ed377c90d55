"""Planted chart stories: a registry of chart kinds, and the context a kind plants with.

The chart counterpart of plants.py. A chart kind is a function that gets a ChartContext (the
chart world's natural streams, its chart and floors as a reader would see them) and changes the
streams in place, returning ChartPlants: the truth entries it stands for. Each registers the
DuckDB SQL that measures its value on the written chart (`measure=`), over `daily_streams` and
`chart_floors` with `$market`, `$day` and `$track_ids` (the plant's tracks) bound:

    @register_chart("chart_reentry", measure=CHART_VALUE_SQL)
    def plant_reentries(ctx: ChartContext, rng: np.random.Generator, n: int) -> list[ChartPlant]:

Kinds plant in registration order, each with its own random stream, on market-days no other
plant took (nor the few days around them), so that every truth entry is the story of its day.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from campaign.synth.charts import ChartWorld, floors, listed
from campaign.synth.names import holiday_titles
from campaign.synth.plants import BASELINE_DAYS
from campaign.synth.spec import SynthSpec

STREAM_CHART_PLANTS = 200  # random stream family of the chart plants (see SynthSpec.rng)
MIN_RATIO = 2.5  # every plant stands at least this far above its level (a lower bound)
RATIO_HEADROOM = 1.25  # ... and above the natural chart's own jumps (their 99.9th percentile)
FIRST_DAY = BASELINE_DAYS + 14  # a month of chart history first
SPACING = 4  # days kept free around each plant in its market
SETTLE_ROUNDS = 4
STORY_CAP = 1.2  # a story's streams stay under this many times the day's natural number one

# The plant's value on the written chart and its ratio to its level, a lower bound: each day of
# the four weeks before counts at its listed streams, or at the floor when it was not listed (a
# track absent had at most the floor, so the level is at most this and the ratio at least).
CHART_VALUE_SQL = """
WITH subject AS (SELECT unnest($track_ids) AS track_id),
before AS (
    SELECT sum(coalesce(s.streams, f.floor_streams)) / count(DISTINCT f.day) AS level
    FROM chart_floors f CROSS JOIN subject t
    LEFT JOIN daily_streams s
        ON s.market = f.market AND s.day = f.day AND s.track_id = t.track_id
    WHERE f.market = $market AND f.day >= $day - INTERVAL 28 DAY AND f.day < $day
),
today AS (
    SELECT sum(streams) AS value FROM daily_streams
    WHERE market = $market AND day = $day AND list_contains($track_ids, track_id)
)
SELECT coalesce(value, 0), round(coalesce(value, 0) / level, 2) FROM today, before
"""


@dataclass
class ChartPlant:
    kind: str  # chart_reentry | chart_revival | chart_artist_moment | chart_release | ...
    role: str  # anomaly (must rank in the top 5 of its market-day) | artefact (must be withheld)
    market: int
    day: int  # the market's local day index of the story
    subject: str  # the fact's subject_name: a track's title, or an artist's name
    artist: str
    tracks: list[int]  # chart tracks whose streams the value sums (the evidence)
    novelty: str | None = None  # spike | re-entry | release, for a one-track story
    extra: dict[str, Any] = field(default_factory=dict)  # more truth keys (the dropped version)


@dataclass(frozen=True)
class ChartKind:
    name: str
    plant: Callable[[ChartContext, np.random.Generator, int], list[ChartPlant]]
    count: Callable[[SynthSpec], int]


CHART_REGISTRY: dict[str, ChartKind] = {}
CHART_MEASURES: dict[str, str] = {}


def register_chart(
    name: str,
    measure: str,
    count: Callable[[SynthSpec], int] = lambda spec: spec.plants_per_kind,
) -> Callable[[Callable[..., list[ChartPlant]]], Callable[..., list[ChartPlant]]]:
    """Register a chart kind and the SQL that measures its plants."""

    def decorate(fn: Callable[..., list[ChartPlant]]) -> Callable[..., list[ChartPlant]]:
        if name in CHART_REGISTRY:
            raise ValueError(f"chart kind '{name}' is registered twice")
        CHART_REGISTRY[name] = ChartKind(name, fn, count)
        CHART_MEASURES[name] = measure
        return fn

    return decorate


def plant_charts(ctx: ChartContext) -> list[ChartPlant]:
    """Every registered chart kind, in order, each with its own random stream; then every
    story is settled against the chart the others left (`settle`)."""
    plants: list[ChartPlant] = []
    for kind in CHART_REGISTRY.values():
        n = kind.count(ctx.spec)
        if n > 0:
            rng = ctx.spec.rng(STREAM_CHART_PLANTS, zlib.crc32(kind.name.encode()))
            plants.extend(kind.plant(ctx, rng, n))
    return settle(ctx, plants)


def settle(ctx: ChartContext, plants: list[ChartPlant]) -> list[ChartPlant]:
    """Stories sized on the natural chart can fall short on the planted one (another story in
    the weeks before raised the floors; a short chart capped the jump): grow them on their day,
    a few rounds, and leave out of the truth the few that still fall short."""
    stories = [p for p in plants if p.role == "anomaly"]
    for _ in range(SETTLE_ROUNDS):
        short = [(p, ctx.shortfall(p)) for p in stories]
        short = [(p, f) for p, f in short if f > 1]
        if not short:
            break
        for plant, factor in short:
            for track in plant.tracks:
                grown = ctx.world.counts[plant.market, plant.day, track] * factor * 1.05
                ctx.set_streams(plant.market, plant.day, track, grown)
    return [p for p in plants if p.role != "anomaly" or ctx.shortfall(p) <= 1]


@dataclass
class ChartContext:
    """The natural chart as a reader sees it, and what the kinds already took."""

    spec: SynthSpec
    world: ChartWorld
    artists: list[str]  # the catalogue's artist names
    used_tracks: set[int] = field(default_factory=set)
    used_artists: set[int] = field(default_factory=set)
    used_cells: set[tuple[int, int]] = field(default_factory=set)  # (market, day)

    def __post_init__(self) -> None:
        self.natural = self.world.counts.copy()
        self.top = listed(self.natural, self.world.depth)
        self.floor = floors(self.natural, self.top)
        self.seasonal = holiday_titles(self.world.titles)
        # The world's season of holiday music (from mid-November) stays free of plants.
        self.last_day = min(self.spec.days - 10, (date(self.spec.year, 11, 10) - self.first).days)
        self.ratio_min = max(MIN_RATIO, RATIO_HEADROOM * self._natural_jump())

    @property
    def first(self) -> date:
        return date(self.spec.year, 1, 1)

    # ---- the chart a reader sees ------------------------------------------------------------
    def bound(self, m: int, day: int, tracks: list[int], planted: bool = False) -> float:
        """The tracks' combined level over the four weeks before `day`, each day at its listed
        streams or at the floor: an upper bound (CHART_VALUE_SQL's), on the natural chart or,
        `planted`, on the chart as the kinds left it."""
        counts = self.world.counts if planted else self.natural
        top = listed(counts[m], self.world.depth) if planted else self.top[m]
        floor = floors(counts[m], top) if planted else self.floor[m]
        window = slice(day - BASELINE_DAYS, day)
        seen = np.where(top[window][:, tracks], counts[m, window][:, tracks], floor[window, None])
        return float(seen.sum(axis=1).mean())

    def shortfall(self, plant: ChartPlant) -> float:
        """How many times its streams that day a story must grow to stand `ratio_min` above its
        level on the planted chart (1 or less: it does)."""
        m, day = plant.market, plant.day
        top = listed(self.world.counts[m, day][None], self.world.depth)[0]
        value = float(self.world.counts[m, day, plant.tracks][top[plant.tracks]].sum())
        needed = self.ratio_min * self.bound(m, day, plant.tracks, planted=True)
        return needed / value if value else float("inf")

    def _natural_jump(self) -> float:
        """The 99.9th percentile of listed catalogue tracks' streams over their level bound:
        how far the natural chart jumps by itself."""
        ratios = []
        catalogue = self.world.release_day < -BASELINE_DAYS
        for m in range(self.natural.shape[0]):
            top, counts = self.top[m], self.natural[m].astype(np.float64)
            seen = np.where(top, counts, self.floor[m][:, None])
            running = np.vstack([np.zeros((1, seen.shape[1])), np.cumsum(seen, axis=0)])
            level = (running[BASELINE_DAYS:-1] - running[: -BASELINE_DAYS - 1]) / BASELINE_DAYS
            today = counts[BASELINE_DAYS:]
            ok = top[BASELINE_DAYS:] & catalogue[None, :] & ~self.seasonal[None, :] & (level > 0)
            ratios.append(today[ok] / level[ok])
        values = np.concatenate(ratios)
        return float(np.quantile(values, 0.999)) if values.size else 1.0

    # ---- choosing ---------------------------------------------------------------------------
    def free_day(self, m: int, day: int) -> bool:
        """A plant may go on this market-day: inside the planting season, away from others."""
        if not FIRST_DAY <= day <= self.last_day:
            return False
        return all((m, d) not in self.used_cells for d in range(day - SPACING, day + SPACING + 1))

    def days_for(self, rng: np.random.Generator, m: int, fridays: bool = False) -> list[int]:
        """The market's free days in random order (Fridays, new-music day, only when asked)."""
        weekday = (self.first.weekday() + np.arange(self.spec.days)) % 7
        days = [d for d in range(self.spec.days) if (weekday[d] == 4) == fridays]
        return [d for d in rng.permutation(days).tolist() if self.free_day(m, d)]

    def take(self, m: int, day: int, tracks: list[int], artist: int | None = None) -> None:
        self.used_cells.add((m, day))
        self.used_tracks.update(tracks)
        if artist is not None:
            self.used_artists.add(artist)

    def catalogue_tracks(self, m: int, day: int) -> np.ndarray:
        """Unused back-catalogue tracks that are not holiday music, released long before."""
        world, n = self.world, self.natural.shape[2]  # versions added since are not catalogue
        ok = (world.source[:n] >= 0) & (world.release_day[:n] < day - 90) & ~self.seasonal
        ok &= self.natural[m, day - BASELINE_DAYS : day].sum(axis=0) > 0
        tracks = np.flatnonzero(ok)
        return tracks[~np.isin(tracks, list(self.used_tracks))]

    def ratio(self, rng: np.random.Generator, spread: float = 3.0) -> float:
        """A plant's jump over its level: above the natural chart's jumps, not absurdly so."""
        return float(rng.uniform(self.ratio_min * 1.1, self.ratio_min * 1.1 + spread))

    def set_streams(self, m: int, day: int, track: int, streams: float) -> None:
        """Planted streams of a track on a market-day, capped near the day's natural number
        one (a story can top the chart, but not by a mile)."""
        cap = STORY_CAP * self.natural[m, day].max()
        self.world.counts[m, day, track] = round(min(streams, cap))
