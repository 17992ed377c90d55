"""long_session cuts sessions in one pass over the sorted plays (each session closed by the next
one's running totals): checked against a plain Python cut of the same plays, on plays hypothesis
makes (gaps at, under and over the silence that starts a session, overlapping plays, plays of
one listener at the same instant, which the pack takes shorter first)."""

from __future__ import annotations

import tempfile
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
from hypothesis import example, given, settings
from hypothesis import strategies as st

from campaign.config import CampaignConfig, PrivacySettings
from campaign.facts import collect_facts
from campaign.packs import parse_pack, resolve_params
from campaign.resources import bundled_dir
from campaign.workspace import open_workspace

PACK = parse_pack(bundled_dir("queries") / "core" / "long_session.sql")
PARAMS = {"min_minutes": 20, "max_gap_minutes": 10, "min_artist_share": 0.6}
START = datetime(2024, 3, 4, 9, tzinfo=UTC)
ARTISTS = ("Ada", "Bo")
LONDON = ZoneInfo("Europe/London")

# One listener's plays: (minutes after the previous play began, seconds played, artist index).
plays_of_one = st.lists(
    st.tuples(
        st.sampled_from([0, 1, 3, 4, 9, 10, 14, 15, 30, 400]),
        st.sampled_from([30, 240, 600, 900]),
        st.integers(0, 1),
    ),
    min_size=1,
    max_size=30,
)


def reference_cut(plays: list[tuple[datetime, int, str]]) -> list[tuple[datetime, int, list[str]]]:
    """Sessions as the pack defines them: a play starts one when it begins `max_gap_minutes` or
    more after the previous play ended; (start, whole minutes played, artists of its plays)."""
    sessions: list[tuple[datetime, int, list[str]]] = []
    previous_end = None
    for played_at, ms, artist in sorted(plays, key=lambda p: (p[0], p[1])):
        if previous_end is None or played_at - previous_end >= timedelta(
            minutes=PARAMS["max_gap_minutes"]
        ):
            sessions.append((played_at, 0, []))
        start, total, artists = sessions[-1]
        sessions[-1] = (start, total + ms, [*artists, artist])
        previous_end = played_at + timedelta(milliseconds=ms)
    return [(start, total // 60000, artists) for start, total, artists in sessions]


def expected_facts(listeners: list[list[tuple[datetime, int, str]]]) -> dict[tuple[date, str], int]:
    """The longest qualifying session per London day (of its start) and artist."""
    best: dict[tuple[date, str], int] = defaultdict(int)
    for plays in listeners:
        for start, minutes, artists in reference_cut(plays):
            top = max(ARTISTS, key=artists.count)
            share = artists.count(top) / len(artists)
            if minutes >= PARAMS["min_minutes"] and share >= PARAMS["min_artist_share"]:
                day = start.astimezone(LONDON).date()
                best[day, top] = max(best[day, top], minutes)
    return dict(best)


@given(st.lists(plays_of_one, min_size=1, max_size=4))
# two plays at one instant, the longer listed first, then one that starts 14 minutes on: inside
# the session only if the 15-minute play is taken as the one that ended last
@example([[(0, 900, 0), (0, 30, 0), (14, 600, 0)]])
@settings(max_examples=12)
def test_sessions_match_a_plain_cut_of_the_plays(raw: list[list[tuple[int, int, int]]]) -> None:
    listeners = []
    for steps in raw:
        at, plays = START, []
        for minutes, seconds, artist in steps:
            at += timedelta(minutes=minutes)
            plays.append((at, seconds * 1000, ARTISTS[artist]))
        listeners.append(plays)
    rows = [
        (f"u{i}", at, f"t-{artist}", f"Song of {artist}", artist, "GB", ms)
        for i, plays in enumerate(listeners)
        for at, ms, artist in plays
    ]
    config = CampaignConfig(year=2024, privacy=PrivacySettings(noise="none"))
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect() as con:
        listens, users = Path(tmp) / "listens.parquet", Path(tmp) / "users.parquet"
        con.execute(
            "CREATE TABLE l (user_id VARCHAR, played_at TIMESTAMPTZ, track_id VARCHAR, "
            "track_name VARCHAR, artist_name VARCHAR, market VARCHAR, ms_played INTEGER)"
        )
        con.executemany("INSERT INTO l VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
        con.execute(f"COPY l TO '{listens}'")
        con.execute(
            "COPY (SELECT DISTINCT user_id, 'GB' AS market, 1980 AS birth_year, "
            f"false AS opted_out FROM l) TO '{users}'"
        )
        ws = open_workspace(config, [listens, users])
        try:
            facts = collect_facts(ws, PACK, resolve_params(PACK, PARAMS), config.year).facts
            sessions = ws.con.execute(
                "SELECT count(*) FROM ("
                + PACK.sql.split("tail AS (")[0].rstrip().rstrip(",")
                + " SELECT * FROM sessions)",
                {"max_gap_minutes": PARAMS["max_gap_minutes"]},
            ).fetchone()[0]
        finally:
            ws.close()
    assert {(f.period_start, f.subject_name): f.value for f in facts} == expected_facts(listeners)
    assert sessions == sum(len(reference_cut(plays)) for plays in listeners)
    assert all(f.detail["sessions"] == sessions for f in facts)
