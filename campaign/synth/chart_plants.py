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
from datetime import date, timedelta
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
    """Every registered chart kind, in order, each with its own random stream."""
    plants: list[ChartPlant] = []
    for kind in CHART_REGISTRY.values():
        n = kind.count(ctx.spec)
        if n > 0:
            rng = ctx.spec.rng(STREAM_CHART_PLANTS, zlib.crc32(kind.name.encode()))
            plants.extend(kind.plant(ctx, rng, n))
    return plants


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

    def iso(self, day: int) -> str:
        return (self.first + timedelta(days=day)).isoformat()

    # ---- the chart a reader sees ------------------------------------------------------------
    def bound(self, m: int, day: int, tracks: list[int]) -> float:
        """The tracks' combined level over the four weeks before `day`, each day at its listed
        streams or at the floor: an upper bound (CHART_VALUE_SQL's, on the natural chart)."""
        window = slice(day - BASELINE_DAYS, day)
        seen = np.where(
            self.top[m, window][:, tracks],
            self.natural[m, window][:, tracks],
            self.floor[m, window][:, None],
        )
        return float(seen.sum(axis=1).mean())

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
            ok = top[BASELINE_DAYS:] & catalogue[None, :] & ~self.seasonal[None, :]
            ratios.append(today[ok] / level[ok])
        values = np.concatenate(ratios) if ratios else np.zeros(1)
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
        """Planted streams of a track on a market-day, capped a little under the day's number
        one (a story is big, not bigger than the biggest song)."""
        cap = 0.95 * self.natural[m, day].max()
        self.world.counts[m, day, track] = round(min(streams, cap))
