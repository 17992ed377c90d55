"""streak over New Year: a run split evenly between two years (7 days each) still counts, since
its candidates are the listener-tracks with half a streak's days in one year."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from campaign.config import CampaignConfig
from campaign.packlint import _write_given
from campaign.packs import parse_pack, resolve_params, run_pack
from campaign.resources import bundled_dir
from campaign.workspace import open_workspace

STREAK = bundled_dir("queries") / "core" / "streak.sql"
# 50 listeners play "Turn" every day from 25 December 2023 to 7 January 2024 (14 days, 7 in
# each year); 200 others play ordinary tracks every other day of January
LISTENS = """
SELECT 'u' || u AS user_id,
       TIMESTAMPTZ '2023-12-25 12:00:00+00' + INTERVAL (d) DAY AS played_at,
       'turn' AS track_id, 'Turn' AS track_name, 'Band' AS artist_name, NULL AS album_name,
       'GB' AS market, NULL AS city, 200000 AS ms_played, false AS skipped, 'ios' AS platform
FROM range(50) AS users(u), range(14) AS days(d)
UNION ALL
SELECT 'o' || u, TIMESTAMPTZ '2024-01-01 12:00:00+00' + INTERVAL (2 * d) DAY,
       't' || (u % 37), 'Track ' || (u % 37), 'Artist', NULL, 'GB', NULL, 200000, false, 'ios'
FROM range(200) AS users(u), range(15) AS days(d)
"""


def test_a_streak_split_evenly_over_new_year_counts(tmp_path: Path) -> None:
    pack = parse_pack(STREAK)
    with duckdb.connect() as con:
        files = [_write_given(con, "listens", {"sql": LISTENS}, tmp_path, STREAK)]
    ws = open_workspace(CampaignConfig(year=2024), files)
    try:
        rows = run_pack(ws.con, pack, resolve_params(pack, {})).fetchall()
    finally:
        ws.close()
    assert [(r[0], r[1], r[2], r[6], r[9], r[13]["days"]) for r in rows] == [
        ("GB", date(2023, 12, 25), date(2024, 1, 7), "Turn", 50, 14)
    ]
