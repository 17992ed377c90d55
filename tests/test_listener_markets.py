"""The one listener-by-market pass over the plays (campaign.rollups.create_listener_markets):
the market populations, the playlist owners' markets and the summary's per-listener play counts
read from it must be what grouping every play gives, on any mix of listeners and markets."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.config import CampaignConfig
from campaign.workspace import open_workspace
from tests.conftest import write_tables

MARKETS = ("GB", "JP", "US")
LISTENERS = ("a", "b", "c", "d")


def _listens(plays: list[tuple[str, str]]) -> str:
    values = ", ".join(
        f"('{user}', TIMESTAMPTZ '2024-03-{1 + i % 28:02d} 12:00:00+00', '{market}')"
        for i, (user, market) in enumerate(plays)
    )
    return (
        "SELECT user_id, played_at, 'trk' AS track_id, 'Song' AS track_name, 'Band' AS artist_name,"
        " NULL AS album_name, market, NULL AS city, 200000 AS ms_played, false AS skipped,"
        f" 'ios' AS platform FROM (VALUES {values}) AS t(user_id, played_at, market)"
    )


def _users(homes: dict[str, str]) -> str:
    values = ", ".join(f"('{user}', '{market}')" for user, market in homes.items())
    return (
        "SELECT user_id, market, 1980 AS birth_year, false AS opted_out "
        f"FROM (VALUES {values}) AS t(user_id, market)"
    )


def _expected_home(user: str, plays: list[tuple[str, str]], homes: dict[str, str]) -> str:
    """The `users` market, else the market of most of the listener's plays, first by name."""
    if user in homes:
        return homes[user]
    counts = Counter(m for u, m in plays if u == user)
    return min(counts, key=lambda m: (-counts[m], m))


@settings(max_examples=12, suppress_health_check=[HealthCheck.too_slow])
@given(
    plays=st.lists(st.tuples(st.sampled_from(LISTENERS), st.sampled_from(MARKETS)), min_size=1),
    homes=st.dictionaries(st.sampled_from(LISTENERS), st.sampled_from(MARKETS), max_size=2),
)
def test_populations_owner_markets_and_play_counts_match_the_plays(
    plays: list[tuple[str, str]], homes: dict[str, str]
) -> None:
    playlist = (
        "SELECT 'p' AS playlist_id, 'a' AS user_id, 'mix' AS name, "
        "TIMESTAMPTZ '2024-03-01 00:00:00+00' AS created_at"
    )
    tables = {"listens": _listens(plays), "playlists": playlist}  # user_markets needs playlists
    if homes:
        tables["users"] = _users(homes)
    with tempfile.TemporaryDirectory() as folder:
        ws = open_workspace(CampaignConfig(), write_tables(Path(folder), tables))
        try:
            per_listener = dict(
                ws.con.execute(
                    "SELECT user_id, sum(plays) FROM listener_markets GROUP BY user_id"
                ).fetchall()
            )
            owners = dict(ws.con.execute("SELECT user_id, market FROM user_markets").fetchall())
            population = ws.market_population
        finally:
            ws.close()
    assert per_listener == Counter(u for u, _ in plays)
    assert population == {m: len({u for u, n in plays if n == m}) for _, m in plays}
    assert owners == {u: _expected_home(u, plays, homes) for u, _ in plays}
