"""Issue 8, defect 5 (text part): bidi controls, private-use and control characters never get
from a user-typed title, artist, album, playlist name or event name into a campaign."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from campaign.config import CampaignConfig
from campaign.events import load_event_file
from campaign.ingest import ingest
from campaign.safetext import UNSAFE_RANGES, strip_unsafe, strip_unsafe_sql
from campaign.workspace import open_workspace
from tests.conftest import write_tables

HOSTILE = "Ev\u202eil\u2066 \u200fTitle\u061c\ue000x\ue001\x00\x1b[31m\x9b\U000f0042"


def _unsafe(char: str) -> bool:
    return any(a <= ord(char) <= b for a, b in UNSAFE_RANGES)


@given(st.text())
@settings(max_examples=200)
def test_python_and_sql_strip_the_same_characters_and_nothing_else(text: str) -> None:
    clean = strip_unsafe(text)
    assert clean == "".join(c for c in text if not _unsafe(c))
    with duckdb.connect() as con:
        assert con.execute(f"SELECT {strip_unsafe_sql('?')}", [text]).fetchone()[0] == clean


def test_ordinary_text_is_kept() -> None:
    text = "Sigur Rós — Ágætis byrjun\t(שלום, مرحبا, 東京)\n"
    assert strip_unsafe(text) == text


def test_ingest_strips_and_counts_unsafe_characters(tmp_path: Path) -> None:
    source = tmp_path / "plays.jsonl"
    rows = [
        {
            "user_id": "someone",
            "played_at": "2024-03-01T10:00:00Z",
            "track_id": "t1",
            "track_name": HOSTILE,
            "artist_name": "Band\u202e",
            "album_name": "LP\x00",
            "market": "GB",
            "ms_played": 200000,
        },
        {
            "user_id": "other",
            "played_at": "2024-03-01T11:00:00Z",
            "track_id": "t2",
            "track_name": "Fine",
            "artist_name": "Band",
            "market": "GB",
            "ms_played": 200000,
        },
    ]
    source.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    report = ingest([source], tmp_path / "data", fmt="canonical")
    result = report.to_json()
    assert result["tables"]["listens"]["rows_loaded"] == 2  # nothing lost
    assert any("3 text values of listens cleaned" in n for n in result["files"][0]["notes"])
    with duckdb.connect() as con:
        names = con.execute(
            "SELECT track_name, artist_name, album_name FROM "
            f"read_parquet('{tmp_path / 'data' / 'listens'}/*.parquet') ORDER BY track_id"
        ).fetchall()
    assert names[0] == ("Evil Titlex[31m", "Band", "LP")


def test_parquet_written_elsewhere_is_read_clean(tmp_path: Path) -> None:
    listens = (
        f"SELECT 'u1' AS user_id, TIMESTAMPTZ '2024-03-01 10:00:00+00' AS played_at, 't' AS "
        f"track_id, '{HOSTILE}' AS track_name, 'B\u202eand' AS artist_name, NULL AS album_name, "
        "'GB' AS market, NULL AS city, 200000 AS ms_played, false AS skipped, NULL AS platform"
    )
    playlists = (
        "SELECT 'p' AS playlist_id, 'u1' AS user_id, 'mix\u202e\ue000' AS name, NULL AS created_at"
    )
    files = write_tables(tmp_path, {"listens": listens, "playlists": playlists})
    ws = open_workspace(CampaignConfig(), files)
    try:
        texts = ws.con.execute(
            "SELECT track_name || artist_name FROM track_names UNION ALL SELECT name FROM playlists"
        ).fetchall()
    finally:
        ws.close()
    assert all(not any(_unsafe(c) for c in t) for (t,) in texts), texts


def test_event_names_are_cleaned(tmp_path: Path, caplog) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        f"date,name,markets,name_fr\n2024-06-23,{HOSTILE},GB,Vote\u202e\n", encoding="utf-8"
    )
    (event,) = load_event_file(path)
    assert event.names == {"en": "Evil Titlex[31m", "fr": "Vote"}
    assert "2 event names cleaned" in caplog.text
