"""One definition of a season: the `in_season` macro the off_season pack and Wrapped both call."""

from __future__ import annotations

import duckdb

from campaign.pack_views import create_pack_views
from campaign.packs import discover_packs
from campaign.resources import bundled_dir
from campaign.wrapped.anomalies import OFF_SEASON_PLAYS_SQL


def _season(first: int, last: int) -> set[int]:
    """The months of a season by walking the calendar from `first` to `last`."""
    months, m = {first}, first
    while m != last:
        m = m % 12 + 1
        months.add(m)
    return months


def test_in_season_walks_the_calendar_and_wraps_over_new_year() -> None:
    """Every one of the 144 seasons, against walking the months one by one."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE listener_track_days (market VARCHAR, day DATE, track_id VARCHAR, "
        "user_id VARCHAR)"
    )
    con.execute(
        "CREATE TABLE listener_track_years_plays (market VARCHAR, year INTEGER, "
        "track_id VARCHAR, user_id VARCHAR, plays BIGINT, days BIGINT)"
    )
    con.execute(
        "CREATE TABLE daily_streams (market VARCHAR, day DATE, track_id VARCHAR, "
        "track_name VARCHAR, artist_name VARCHAR)"
    )
    create_pack_views(con)
    rows = con.execute(
        "SELECT f, l, list(m ORDER BY m) FROM range(1, 13) a(f), range(1, 13) b(l), "
        "range(1, 13) c(m) WHERE in_season(m, f, l) GROUP BY ALL"
    ).fetchall()
    found = {(first, last): set(months) for first, last, months in rows}
    assert found == {(a, b): _season(a, b) for a in range(1, 13) for b in range(1, 13)}


def test_the_pack_and_the_follow_up_share_the_test() -> None:
    packs = discover_packs([bundled_dir("queries") / "core"])
    pack = next(p for p in packs if p.name == "off_season")
    for sql in (pack.sql, OFF_SEASON_PLAYS_SQL):
        assert "in_season(month(s.day), $season_start_month, $season_end_month)" in sql
        assert "BETWEEN $season_start_month" not in sql
