"""The plant index on disk (synth/natural_index.py) holds what the plays in memory held: every
play once, ordered by market then local day (stable), each with its made-order seq, and each
user's streams in the order they were made."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.synth import natural_index
from campaign.synth.natural_index import NaturalIndexWriter
from campaign.synth.plays import Plays
from campaign.synth.spec import DAY_US, MIN_STREAM_MS

N_USERS, N_TRACKS, N_MARKETS, N_DAYS = 5, 4, 2, 6


def _chunk(rows: list[tuple[int, int, int, int]]) -> Plays:
    """(user, track, day, ms_played) rows → Plays; a user's market is user % N_MARKETS."""
    n = len(rows)
    user = np.array([r[0] for r in rows], np.int32)
    return Plays(
        user=user,
        track=np.array([r[1] for r in rows], np.int32),
        market=(user % N_MARKETS).astype(np.int8),
        local_us=np.array([r[2] * DAY_US + 7 for r in rows], np.int64),
        ms_played=np.array([r[3] for r in rows], np.int32),
        skipped=np.array([r[3] < MIN_STREAM_MS for r in rows], bool),
        platform=np.zeros(n, np.int8),
    )


plays = st.lists(
    st.tuples(
        st.integers(0, N_USERS - 1),
        st.integers(0, N_TRACKS - 1),
        st.integers(0, N_DAYS - 1),
        st.sampled_from([1_000, MIN_STREAM_MS, 200_000]),
    ),
    max_size=120,
)


@settings(max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plays, st.integers(1, 40))
def test_index_is_the_plays_by_market_and_day(tmp_path: Path, monkeypatch, rows, block) -> None:
    monkeypatch.setattr(natural_index, "BLOCK_ROWS", block)  # blocks cut anywhere
    rows = sorted(rows, key=lambda r: r[0])  # chunks come a user at a time
    folder = Path(tempfile.mkdtemp(dir=tmp_path))  # one per example: tmp_path is shared
    writer = NaturalIndexWriter(folder, N_USERS, N_TRACKS, N_MARKETS, N_DAYS)
    half = len(rows) // 2
    while half and half < len(rows) and rows[half][0] == rows[half - 1][0]:
        half += 1  # cut between users
    writer.append(_chunk(rows[:half]))
    writer.append(_chunk(rows[half:]))
    index, history = writer.finish()

    made = _chunk(rows) if rows else None
    expected = sorted(range(len(rows)), key=lambda i: (rows[i][0] % N_MARKETS, rows[i][2], i))
    assert index.seq[:].tolist() == expected
    if made is not None:
        assert index.user[:].tolist() == made.user[expected].tolist()
        assert index.track[:].tolist() == made.track[expected].tolist()
        assert index.skipped[:].tolist() == made.skipped[expected].tolist()
    for m in range(N_MARKETS):
        for first in range(N_DAYS):
            at = index.positions(m, first, first + 2)
            assert index.seq[at].tolist() == [
                i
                for i in expected
                if rows[i][0] % N_MARKETS == m and first <= rows[i][2] < first + 2
            ]
    assert index.plays_per_user.tolist() == [sum(r[0] == u for r in rows) for u in range(N_USERS)]
    for u in range(N_USERS):
        streams = [r[1] for r in rows if r[0] == u and r[3] >= MIN_STREAM_MS]
        assert history.tracks(u).tolist() == streams


def test_plays_out_of_user_order_are_refused(tmp_path: Path) -> None:
    writer = NaturalIndexWriter(tmp_path, N_USERS, N_TRACKS, N_MARKETS, N_DAYS)
    writer.append(_chunk([(3, 0, 0, MIN_STREAM_MS)]))
    with pytest.raises(ValueError, match="a user at a time"):
        writer.append(_chunk([(1, 0, 0, MIN_STREAM_MS)]))
