"""The per-track rollups are kept by an integer track key and read through views that join the
ids back (campaign.rollups): what a pack reads must be exactly what grouping the plays by track id
gives, whatever the ids look like (long URIs, ids that differ in case or only in their last
character, ids sharing a long prefix, a missing id), with and without the workspace cache; and
`daily_streams` counts every play of a track, and none without one."""

from __future__ import annotations

import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from campaign.config import CampaignConfig
from campaign.duckdb_settings import DuckDBSettings
from campaign.workspace import open_workspace
from tests.conftest import write_tables

TRACKS = (
    "spotify:track:" + "a" * 22,
    "spotify:track:" + "a" * 21 + "b",
    "T",
    "t",
    "name:x'y",
    None,
)
FIRST_DAY = date(2024, 3, 1)

Play = tuple[str, str | None, int]  # listener, track, day offset


def _listens(plays: list[Play]) -> str:
    def literal(text: str | None) -> str:
        return "NULL" if text is None else "'" + text.replace("'", "''") + "'"

    values = ", ".join(
        f"({literal(user)}, TIMESTAMPTZ '{FIRST_DAY + timedelta(days=day)} 12:00:00+00', "
        f"{literal(track)}::VARCHAR)"
        for user, track, day in plays
    )
    return (
        "SELECT user_id, played_at, track_id, 'Song ' || track_id AS track_name, "
        "'Band' AS artist_name, NULL AS album_name, 'GB' AS market, NULL AS city, "
        "200000 AS ms_played, false AS skipped, 'ios' AS platform "
        f"FROM (VALUES {values}) AS t(user_id, played_at, track_id)"
    )


def _read(config: CampaignConfig, files: list[Path]) -> tuple[Counter, Counter, set, set]:
    ws = open_workspace(config, files)
    try:
        days = Counter(
            {
                (user, track, day): plays
                for user, track, day, plays in ws.con.execute(
                    "SELECT user_id, track_id, day, plays FROM listener_track_days"
                ).fetchall()
            }
        )
        years = Counter(
            {
                (user, track, year): (plays, active)
                for user, track, year, plays, active in ws.con.execute(
                    "SELECT user_id, track_id, year, plays, days FROM listener_track_years_plays"
                ).fetchall()
            }
        )
        names = set(ws.con.execute("SELECT track_id, track_name FROM track_names").fetchall())
        daily = set(
            ws.con.execute("SELECT track_id, day, streams, listeners FROM daily_streams").fetchall()
        )
    finally:
        ws.close()
    return days, years, names, daily


@settings(max_examples=15, suppress_health_check=[HealthCheck.too_slow])
@given(
    plays=st.lists(
        st.tuples(st.sampled_from(("u1", "u2", "U1")), st.sampled_from(TRACKS), st.integers(0, 3)),
        min_size=1,
        max_size=30,
    ),
    cached=st.booleans(),
)
def test_the_keyed_rollups_read_as_grouping_the_plays_by_track_id(
    plays: list[Play], cached: bool
) -> None:
    assume(any(track for _, track, _ in plays))  # else no counts are left: the run stops
    with tempfile.TemporaryDirectory() as folder:
        files = write_tables(Path(folder) / "data", {"listens": _listens(plays)})
        cache = DuckDBSettings(cache_dir=Path(folder) / "cache") if cached else DuckDBSettings()
        config = CampaignConfig(duckdb=cache)
        first = _read(config, files)
        again = _read(config, files)  # with a cache: read from the file this time
    per_day = Counter((user, track, FIRST_DAY + timedelta(days=day)) for user, track, day in plays)
    per_year = Counter((user, track, 2024) for user, track, _ in plays)
    active = Counter((user, track, 2024) for (user, track, _) in per_day)
    assert first == again
    days, years, names, daily = first
    assert days == per_day
    assert years == Counter({key: (per_year[key], active[key]) for key in per_year})
    assert names == {(track, None if track is None else f"Song {track}") for _, track, _ in plays}
    cells = {(track, FIRST_DAY + timedelta(days=day)) for _, track, day in plays if track}
    assert daily == {
        (track, day, sum(n for (_, t, d), n in per_day.items() if (t, d) == (track, day)),
         sum(1 for (_, t, d) in per_day if (t, d) == (track, day)))
        for track, day in cells
    }  # fmt: skip


def test_the_rollups_count_in_bigint_as_the_design_says(tmp_path: Path) -> None:
    """DESIGN.md gives daily_streams' `streams` as BIGINT: a sum of counts is HUGEINT in DuckDB
    (twice as wide, slower to add up in every pack), so each rollup's sums are cast back."""
    files = write_tables(tmp_path / "data", {"listens": _listens([("u1", TRACKS[0], 0)])})
    ws = open_workspace(CampaignConfig(), files)
    try:
        types = {
            (table, column): kind
            for table, column, kind in ws.con.execute(
                "SELECT table_name, column_name, data_type FROM information_schema.columns "
                "WHERE column_name IN ('streams', 'listeners', 'plays', 'days')"
            ).fetchall()
        }
    finally:
        ws.close()
    for table in ("daily_streams", "market_days", "listener_days", "listener_track_years_plays"):
        assert {kind for (name, _), kind in types.items() if name == table} == {"BIGINT"}, table
