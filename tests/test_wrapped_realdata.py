"""Every personal export in ../shared/realdata gives a story whose numbers plain SQL agrees with.

The export is ingested on its own (campaign.ingest) and the counts are made here in DuckDB over
that Parquet, in the zone and year the story says it used: not by the code under test.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import duckdb
import pytest

from campaign.errors import InputError
from campaign.ingest import ingest
from campaign.wrapped.build import make_wrapped
from campaign.wrapped.cohort import PARTIAL_EDGE_DAYS, PARTIAL_GAP_DAYS
from tests.conftest import REALDATA

FAST = {"spotify_extended_history/mica-92"}
EXPORTS = [
    "spotify_extended_history/Efrrowini",
    "spotify_extended_history/Khushi-203006",
    "spotify_extended_history/mica-92",
    "spotify_streaminghistory_basic/achramadhan",
    "spotify_streaminghistory_basic/cosmoduende",
    "spotify_streaminghistory_basic/katarzynajanicka",
    "spotify_streaminghistory_basic/vnegi10",
    "lastfm_scrobbles/SachaWheeler",
    "lastfm_scrobbles/zsteve",
]
pytestmark = pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is absent")


def _ingested(source: Path, folder: Path) -> Path:
    try:
        ingest([source], folder)
    except InputError:  # an export naming no market: as the story does, the global one
        folder = folder.with_name(folder.name + "-global")
        ingest([source], folder, market="*")
    return folder


def _one(con: duckdb.DuckDBPyConnection, sql: str, params: list) -> tuple:
    return con.execute(sql, params).fetchone()


@pytest.mark.parametrize(
    "export",
    [e if e in FAST else pytest.param(e, marks=pytest.mark.slow) for e in EXPORTS],
)
def test_real_export_story(export: str, tmp_path: Path) -> None:
    source = REALDATA / export
    out = tmp_path / "story"
    make_wrapped([source], out)
    record = json.loads((out / "wrapped.json").read_text(encoding="utf-8"))
    cards = {c["kind"]: c for c in record["cards"]}
    assert len(record["cards"]) >= 6
    assert all((out / c["image"]).is_file() for c in record["cards"])

    dataset = _ingested(source, tmp_path / "plain")
    zone, year = record["time_zone"]["zone"], record["year"]
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE p AS SELECT *, CAST(timezone(?, played_at) AS DATE) AS d "
        f"FROM read_parquet('{dataset}/listens/*.parquet')",
        [zone],
    )
    streams = "(ms_played >= 30000 OR ms_played IS NULL) AND year(d) = ?"
    n, minutes = _one(
        con, f"SELECT count(*), round(sum(ms_played) / 60000) FROM p WHERE {streams}", [year]
    )
    assert cards["minutes"]["facts"]["streams"] == n
    assert cards["minutes"]["facts"]["minutes"] == (None if minutes is None else int(minutes))
    top_artist = _one(
        con,
        f"SELECT artist_name, count(*) AS c FROM p WHERE {streams} "
        "GROUP BY 1 ORDER BY c DESC, 1 LIMIT 1",
        [year],
    )
    first = cards["top_artists"]["facts"]["items"][0]
    assert (first["name"], first["streams"]) == top_artist
    top_track = _one(
        con,
        f"SELECT count(*) AS c FROM p WHERE {streams} GROUP BY track_id ORDER BY c DESC LIMIT 1",
        [year],
    )
    assert cards["top_tracks"]["facts"]["items"][0]["streams"] == top_track[0]
    busiest = _one(
        con,
        f"SELECT d, count(*) AS c FROM p WHERE {streams} GROUP BY d ORDER BY c DESC, d LIMIT 1",
        [year],
    )
    assert cards["busiest_day"]["facts"]["day"] == busiest[0].isoformat()
    assert cards["busiest_day"]["facts"]["streams"] == busiest[1]
    hours = con.execute(
        f"SELECT hour(timezone(?, played_at)) AS h, count(*) FROM p WHERE {streams} GROUP BY h",
        [zone, year],
    ).fetchall()
    assert cards["clock"]["facts"]["hours"] == [dict(hours).get(h, 0) for h in range(24)]
    run = _one(
        con,
        f"""
        WITH days AS (SELECT DISTINCT d FROM p WHERE {streams})
        SELECT count(*) AS c FROM (SELECT d - CAST(row_number() OVER (ORDER BY d) AS INTEGER) AS g
                                   FROM days) GROUP BY g ORDER BY c DESC LIMIT 1
        """,
        [year],
    )
    if "days_in_a_row" in cards:
        assert cards["days_in_a_row"]["facts"]["days"] == run[0]
    else:
        assert run[0] < 2
    if "skips" in cards:
        marked = _one(con, "SELECT count(skipped) FROM p WHERE year(d) = ?", [year])[0]
        skip_sql = "skipped" if marked else "ms_played < 30000"
        skips = _one(con, f"SELECT count_if({skip_sql}) FROM p WHERE year(d) = ?", [year])[0]
        assert cards["skips"]["facts"]["skips"] == skips
    if "repeat_on_day" in cards:
        facts = cards["repeat_on_day"]["facts"]
        most = _one(
            con,
            f"SELECT count(*) FROM p WHERE {streams} AND d = CAST(? AS DATE) "
            "GROUP BY track_id ORDER BY 1 DESC LIMIT 1",
            [year, facts["first_day"]],
        )
        assert facts["value"] == most[0]
    _check_coverage(con, record, year)


def _check_coverage(con: duckdb.DuckDBPyConnection, record: dict, year: int) -> None:
    """`partial` and the covered days, recomputed: the year's first and last day with a play and
    its longest stretch without one, against PARTIAL_EDGE_DAYS and PARTIAL_GAP_DAYS."""
    first, last, gap = _one(
        con,
        "SELECT min(d), max(d), max(d - previous) FROM (SELECT DISTINCT d, "
        "lag(d) OVER (ORDER BY d) AS previous FROM (SELECT DISTINCT d FROM p WHERE year(d) = ?))",
        [year],
    )
    covered = record["covered"]
    assert (covered["first_day"], covered["last_day"]) == (first.isoformat(), last.isoformat())
    partial = (
        (first - date(year, 1, 1)).days > PARTIAL_EDGE_DAYS
        or (date(year, 12, 31) - last).days > PARTIAL_EDGE_DAYS
        or (gap or 0) > PARTIAL_GAP_DAYS
    )
    assert record["partial"] is partial and covered["partial"] is partial
    if partial:  # the first card's body opens with the note naming the covered days
        note = record["cards"][0]["copy"]["body"].splitlines()[0]
        assert str(first.day) in note and str(last.day) in note
