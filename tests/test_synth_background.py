"""The natural background the cohort plants are sized against (synth/background.py) counts what
the streak and hook_point packs count: checked against a plain count, listener by listener."""

from __future__ import annotations

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from campaign.synth.background import (
    HOOK_BINGE_STREAMS,
    HOOK_MIN_STREAMS,
    HOOK_PLAYS_KEPT,
    STREAK_MIN_DAYS,
    CohortBackground,
)
from campaign.synth.kinds_playlists import (
    CONTEXT_MIN_RATIO,
    CONTEXT_RATIO_MARGIN,
    context_owners_needed,
)
from campaign.synth.plays import Plays
from campaign.synth.spec import DAY_US, MIN_STREAM_MS

N_USERS, N_TRACKS, YEAR_DAYS = 6, 3, 40


def _plays(rows: list[tuple[int, int, int, bool]]) -> Plays:
    """(user, track, day, stream) → Plays, users in order (as chunks come)."""
    rows = sorted(rows, key=lambda r: r[0])
    n = len(rows)
    return Plays(
        user=np.array([r[0] for r in rows], np.int32),
        track=np.array([r[1] for r in rows], np.int32),
        market=np.zeros(n, np.int8),
        local_us=np.array([r[2] * DAY_US + 1 for r in rows], np.int64),
        ms_played=np.array([MIN_STREAM_MS if r[3] else 1000 for r in rows], np.int32),
        skipped=np.array([not r[3] for r in rows], bool),
        platform=np.zeros(n, np.int8),
    )


def _plain(rows, eligible, user_market):
    """Streakers per (market, track) and hooked listeners per (market, track, hook play)."""
    streakers, hooked = {}, {}
    for user in range(N_USERS):
        if not eligible[user]:
            continue
        m = int(user_market[user])
        for track in range(N_TRACKS):
            days = sorted({d for u, t, d, s in rows if (u, t) == (user, track) and s})
            best = run = 0
            for i, d in enumerate(days):
                run = run + 1 if i and d == days[i - 1] + 1 else 1
                best = max(best, run)
            if best >= STREAK_MIN_DAYS:
                streakers[m, track] = streakers.get((m, track), 0) + 1
            per_day = {}
            for u, t, d, s in rows:
                if (u, t) == (user, track) and s and d < YEAR_DAYS:
                    per_day[d] = per_day.get(d, 0) + 1
            binges = [d for d in sorted(per_day) if per_day[d] >= HOOK_BINGE_STREAMS]
            if sum(per_day.values()) >= HOOK_MIN_STREAMS and binges:
                play = min(sum(n for d, n in per_day.items() if d < binges[0]), HOOK_PLAYS_KEPT - 1)
                hooked[m, track, play] = hooked.get((m, track, play), 0) + 1
    return streakers, hooked


rows_strategy = st.lists(
    st.tuples(
        st.integers(0, N_USERS - 1),
        st.integers(0, N_TRACKS - 1),
        st.integers(0, YEAR_DAYS + 2),
        st.booleans(),
    ),
    max_size=300,
)


@settings(max_examples=150)
@given(
    rows_strategy,
    st.integers(0, N_USERS),
    st.lists(st.integers(0, 1), min_size=N_USERS, max_size=N_USERS),
)
def test_background_counts_streaks_and_hooks_as_the_packs_do(rows, split, markets) -> None:
    # runs of 13 to 15 days and piles of streams too, or streaks and hooks would hardly happen
    rows = (
        rows
        + [(u, t, d, True) for u, t, d0, _ in rows[:3] for d in range(d0, d0 + 13 + u % 3)]
        + [(u, t, d0 + k % 4, True) for u, t, d0, _ in rows[3:6] for k in range(17 + u)]
    )
    eligible = np.array([u != 1 for u in range(N_USERS)])
    user_market = np.array(markets, np.int8)
    background = CohortBackground(eligible, user_market, 2, N_TRACKS, YEAR_DAYS)
    # two chunks, cut between users
    background.add(_plays([r for r in rows if r[0] < split]))
    background.add(_plays([r for r in rows if r[0] >= split]))
    streakers, hooked = _plain(rows, eligible, user_market)
    assert {k: v for k, v in np.ndenumerate(background.streakers) if v} == streakers
    assert {k: v for k, v in np.ndenumerate(background.hooked) if v} == hooked
    for m in range(2):
        assert background.top_streak(m) == max(
            [v for (mm, _), v in streakers.items() if mm == m], default=0
        )


@given(st.integers(0, 100_000), st.floats(0.0, 0.5))
@example(1, 0.2)  # 9 owners meet the margin exactly; computed, they came out as 9.000000000000002
def test_context_owners_keep_the_ratio_above_the_pack_margin(owners: int, share: float) -> None:
    """A playlist_context plant of `needed` owners on a track `owners` others list stands out
    by CONTEXT_RATIO_MARGIN over the pack's min_ratio; no plant when the share forbids it."""
    needed = context_owners_needed(owners, share)
    target = CONTEXT_RATIO_MARGIN * CONTEXT_MIN_RATIO
    if needed is None:
        assert share * target >= 1
    else:
        assert needed == 0 or needed / ((owners + needed) * share) >= target * (1 - 1e-9)
        # and no fewer would do
        assert needed == 0 or (needed - 1) / ((owners + needed - 1) * share) < target
