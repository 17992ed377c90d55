"""`campaign synth` at scale: plays made in chunks of whole users, plants that stand out at any
size (planted anomalies rank in their pack's top 20 at 1 M plays and beyond)."""

from __future__ import annotations

import itertools
import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.run import find_facts
from campaign.synth import SynthSpec, generate, plays
from campaign.synth.plays import Sessions, chunk_bounds
from tests.conftest import SMALL
from tests.plant_recall import recall_failures


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.integers(0, 30), st.integers(1, 60)), min_size=1, max_size=200),
    st.integers(1, 500),
)
def test_chunks_cover_every_session_once_and_never_split_a_user(
    sessions: list[tuple[int, int]], chunk_plays: int
) -> None:
    sessions.sort(key=lambda s: s[0])
    user = np.array([u for u, _ in sessions], dtype=np.int32)
    length = np.array([n for _, n in sessions], dtype=np.int64)
    zeros = np.zeros(user.size, dtype=np.int64)
    bounds = chunk_bounds(Sessions(user, zeros.astype(np.int8), zeros, zeros, length), chunk_plays)
    assert bounds[0][0] == 0 and bounds[-1][1] == user.size
    assert all(hi == lo for (_, hi), (lo, _) in itertools.pairwise(bounds))
    for lo, hi in bounds:
        assert hi > lo
        if hi < user.size:
            assert user[hi - 1] != user[hi]  # cut between two users
        # a chunk ends at the first user end past its share of plays: over by one user at most
        last_user = int(length[lo:hi][user[lo:hi] == user[hi - 1]].sum())
        assert int(length[lo:hi].sum()) - last_user < chunk_plays


def test_plays_made_in_many_chunks_keep_every_plant(
    small_campaign, tmp_path: Path, monkeypatch
) -> None:
    """Chunk borders fall anywhere among the plays (here some 20 chunks): every plant is still
    found where it must be, and the rows are those asked for plus the planted ones."""
    monkeypatch.setattr(plays, "CHUNK_PLAYS", SMALL["plays"] // 20)
    result = generate(SynthSpec(seed=3, **SMALL), tmp_path / "listens.parquet")
    truth = json.loads(result.truth.read_text())
    facts = find_facts(replace(small_campaign, data=tuple(result.data_files)))
    assert recall_failures(facts, truth) == []


@pytest.mark.slow
@pytest.mark.parametrize("seed", [5, 17])
def test_plants_rank_in_their_packs_top_20_at_1m_plays(
    small_campaign, tmp_path: Path, seed: int
) -> None:
    """One user per 20 plays, as bench/run.py makes them; raw counts (the plants are counted
    without noise) and individual facts, as small_campaign has them."""
    spec = SynthSpec(plays=1_000_000, users=50_000, seed=seed)
    result = generate(spec, tmp_path / "listens.parquet")
    truth = json.loads(result.truth.read_text())
    facts = find_facts(replace(small_campaign, data=tuple(result.data_files)))
    assert recall_failures(facts, truth) == []
