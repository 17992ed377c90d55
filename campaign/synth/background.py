"""What the natural plays already hold for the packs that follow listeners over the year
(streak, hook_point, repeat_in_year), counted as those packs count it, so that a plant of
theirs can be sized above it at any size of data.

A listener's streak or hook needs all of their year, and each natural chunk holds whole
listeners (plays.chunk_bounds): so the counts are made chunk by chunk as the plays are made, and
only per-track tallies stay in memory, whatever the number of plays.
"""

from __future__ import annotations

import numpy as np

from campaign.synth.plays import Plays
from campaign.synth.spec import MIN_STREAM_MS

STREAK_MIN_DAYS = 14  # the streak pack's min_days
HOOK_MIN_STREAMS = 20  # the hook_point pack's min_streams
HOOK_BINGE_STREAMS = 3  # … and binge_day_streams
HOOK_PLAYS_KEPT = 64  # hook plays counted one by one; more are counted together (never modal)


class CohortBackground:
    """Per market and track: natural streakers (listeners with STREAK_MIN_DAYS days in a row
    streaming it) and hooked listeners by hook play (streams before their first binge day); per
    market, the most streams of one track by one listener in the year; over the listeners the
    workspace keeps."""

    def __init__(self, eligible: np.ndarray, user_market: np.ndarray, n_markets: int,
                 n_tracks: int, year_days: int):  # fmt: skip
        self.eligible, self.user_market, self.year_days = eligible, user_market, year_days
        self.streakers = np.zeros((n_markets, n_tracks), np.int32)
        self.hooked = np.zeros((n_markets, n_tracks, HOOK_PLAYS_KEPT), np.int32)
        self.top_year_streams = np.zeros(n_markets, np.int64)  # of one track by one listener

    def add(self, plays: Plays) -> None:
        """Count the listeners of a chunk that holds all of their plays."""
        ok = (plays.ms_played >= MIN_STREAM_MS) & self.eligible[plays.user]
        user, track, day = plays.user[ok], plays.track[ok], plays.local_day[ok]
        if not user.size:
            return
        n_tracks = self.streakers.shape[1]
        pair = user.astype(np.int64) * n_tracks + track
        cell, streams = np.unique(pair * 1024 + day, return_counts=True)  # sorted: pair, day
        pair, day = cell // 1024, cell % 1024
        starts = np.r_[True, pair[1:] != pair[:-1]]
        self._streaks(pair, day, starts, n_tracks)
        in_year = day < self.year_days  # a hook is counted within a calendar year
        pair, streams = pair[in_year], streams[in_year]
        if pair.size:
            self._hooks(pair, streams, np.r_[True, pair[1:] != pair[:-1]], n_tracks)

    def _streaks(
        self, pair: np.ndarray, day: np.ndarray, starts: np.ndarray, n_tracks: int
    ) -> None:
        run_start = starts | np.r_[True, day[1:] != day[:-1] + 1]
        run = np.cumsum(run_start) - 1
        long_runs = np.flatnonzero(np.bincount(run) >= STREAK_MIN_DAYS)
        streak_pairs = np.unique(pair[run_start][long_runs])
        self._tally(self.streakers, streak_pairs, n_tracks)

    def _hooks(
        self, pair: np.ndarray, streams: np.ndarray, starts: np.ndarray, n_tracks: int
    ) -> None:
        group = np.cumsum(starts) - 1
        total = np.bincount(group, weights=streams).astype(np.int64)
        top_market = self.user_market[pair[starts] // n_tracks]
        np.maximum.at(self.top_year_streams, top_market, total)
        before = np.cumsum(streams) - streams
        before -= before[starts][group]
        binge = np.flatnonzero(streams >= HOOK_BINGE_STREAMS)
        first_binge = binge[np.unique(group[binge], return_index=True)[1]]
        hooked = first_binge[total[group[first_binge]] >= HOOK_MIN_STREAMS]
        hook_play = np.minimum(before[hooked], HOOK_PLAYS_KEPT - 1)
        user, track = pair[hooked] // n_tracks, pair[hooked] % n_tracks
        np.add.at(self.hooked, (self.user_market[user], track, hook_play), 1)

    def _tally(self, counts: np.ndarray, pairs: np.ndarray, n_tracks: int) -> None:
        user, track = pairs // n_tracks, pairs % n_tracks
        np.add.at(counts, (self.user_market[user], track), 1)

    def top_streak(self, m: int) -> int:
        """The most natural streakers any track of market m has."""
        return int(self.streakers[m].max(initial=0))

    def top_hook(self, m: int) -> int:
        """The most hooked listeners sharing one hook play, over market m's tracks (the hook
        pack's value)."""
        return int(self.hooked[m, :, : HOOK_PLAYS_KEPT - 1].max(initial=0))
