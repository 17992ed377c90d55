"""Top-N daily charts of the synthetic world (`campaign synth --charts N`).

A public chart is an aggregate at a scale no synthetic listens file reaches (millions of streams
a day), so the charts are drawn from the world's own popularity rather than counted from its
plays: the same catalogue, per-market Zipf ranks, release ramps, seasons (`plays.day_factors`)
and daily volume (`rhythm.day_weights`), scaled to a market's daily streams, with a slow random
drift per track (a song climbs and falls over weeks) and day-to-day noise. Only each market-day's
top N is kept, as a chart lists it; the chart kinds (kinds_charts.py) plant their stories into
the counts before the chart is cut.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from campaign.synth.plays import day_factors
from campaign.synth.population import MARKET_SIZE, Catalogue
from campaign.synth.spec import SynthSpec

DAILY_STREAMS = 1_500_000  # a market of MARKET_SIZE 1: streams a day over the whole catalogue
POOL_PER_POSITION = 12  # tracks ranked this many times deeper than the chart can ever enter it
MIN_POOL = 600
DRIFT_PERSISTENCE = 0.97  # a track's log-level drifts as AR(1): climbs and falls over weeks
DRIFT_STEP = 0.04
DAY_NOISE = 0.05  # log-normal day-to-day noise on top of the drift


@dataclass
class ChartWorld:
    """Streams per market × day × chart track (natural, then planted), and what each track is.

    `source` is the catalogue index of a track, or -1 for a chart-only version (a remix) a kind
    added; titles, artists and ids are per chart track.
    """

    depth: int
    counts: np.ndarray  # (markets, days, tracks) int64
    source: np.ndarray  # int64 per chart track
    ids: list[str]
    titles: list[str]
    artist: np.ndarray  # int64 per chart track, index into the catalogue's artists
    release_day: np.ndarray  # int64 per chart track, day index (negative: before the year)

    def add_track(
        self, track_id: str, title: str, artist: int, release_day: int, counts: np.ndarray
    ) -> int:
        """A chart-only track (a version of another), with its streams; its index."""
        self.counts = np.concatenate([self.counts, counts[:, :, None]], axis=2)
        self.source = np.r_[self.source, -1]
        self.ids.append(track_id)
        self.titles.append(title)
        self.artist = np.r_[self.artist, artist]
        self.release_day = np.r_[self.release_day, release_day]
        return len(self.ids) - 1


def natural_world(
    spec: SynthSpec,
    catalogue: Catalogue,
    day_weights: list[np.ndarray],
    depth: int,
    rng: np.random.Generator,
) -> ChartWorld:
    """The world's streams per market-day for every track that could chart."""
    pool_rank = max(POOL_PER_POSITION * depth, MIN_POOL)
    pool = np.flatnonzero(catalogue.rank.min(axis=0) < pool_rank)
    factor = day_factors(spec, catalogue)
    n_markets = len(spec.markets)
    counts = np.zeros((n_markets, spec.days, pool.size), dtype=np.int64)
    for m, code in enumerate(spec.markets):
        popularity = factor * catalogue.weight[m]
        share = popularity[:, pool] / popularity.sum(axis=1, keepdims=True)
        volume = DAILY_STREAMS * MARKET_SIZE.get(code, 1.0) * day_weights[m] * spec.days
        drift = _drift(rng, spec.days, pool.size)
        noise = rng.normal(0.0, DAY_NOISE, drift.shape)
        level = volume[:, None] * share * np.exp(drift + noise)
        counts[m] = rng.poisson(level)
    return ChartWorld(
        depth=depth,
        counts=counts,
        source=pool.astype(np.int64),
        ids=[catalogue.ids[i] for i in pool.tolist()],
        titles=[catalogue.titles[i] for i in pool.tolist()],
        artist=catalogue.artist[pool].astype(np.int64),
        release_day=catalogue.release_day[pool].astype(np.int64),
    )


def _drift(rng: np.random.Generator, days: int, tracks: int) -> np.ndarray:
    """(days, tracks) AR(1) log-levels, started from their stationary spread, mean one."""
    spread = DRIFT_STEP / np.sqrt(1 - DRIFT_PERSISTENCE**2)
    x = np.empty((days, tracks))
    x[0] = rng.normal(0.0, spread, tracks)
    steps = rng.normal(0.0, DRIFT_STEP, (days, tracks))
    for d in range(1, days):
        x[d] = DRIFT_PERSISTENCE * x[d - 1] + steps[d]
    return x - spread**2 / 2


def listed(counts: np.ndarray, depth: int) -> np.ndarray:
    """Per market-day (the last axis holds the tracks) the top `depth` tracks (ties: the lower
    index first), never a track with no streams."""
    order = np.argsort(-counts, axis=-1, kind="stable")[..., :depth]
    top = np.zeros(counts.shape, dtype=bool)
    np.put_along_axis(top, order, True, axis=-1)
    return top & (counts > 0)


def floors(counts: np.ndarray, top: np.ndarray) -> np.ndarray:
    """The lowest count listed each market-day (0 when nothing is listed), over the last axis."""
    masked = np.where(top, counts, np.iinfo(np.int64).max)
    return np.where(top.any(axis=-1), masked.min(axis=-1), 0)
