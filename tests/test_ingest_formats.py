"""Ingest of canonical files, Spotify account data, Last.fm and ListenBrainz exports."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from campaign.errors import InputError
from campaign.ingest import ingest
from campaign.ingest.dataset_layout import pseudonym
from campaign.schema import track_id_from_names_sql

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SECRET = b"k"


def read(out: Path, table: str, order: str = "1") -> list[tuple]:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rel = f"read_parquet('{out / table}/*.parquet')"
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    timestamps = ("played_at", "created_at", "added_at", "day")
    select = ", ".join(f"CAST({c} AS VARCHAR)" if c in timestamps else c for c in cols)
    return con.execute(f"SELECT {select} FROM {rel} ORDER BY {order}").fetchall()


def derived_id(artist: str, title: str) -> str:
    sql = f"SELECT {track_id_from_names_sql('$a', '$t')}"
    return duckdb.connect().execute(sql, {"a": artist, "t": title}).fetchone()[0]


def table_counts(report, table: str) -> tuple[int, int, int]:
    c = report.tables[table]
    return c.rows_read, c.rows_loaded, c.rows_rejected


# --- canonical --------------------------------------------------------------------------------


def test_canonical_listens_csv(tmp_path):
    report = ingest([FIXTURES / "canonical" / "listens.csv"], tmp_path)
    assert report.ingested[0].format == "canonical"
    assert table_counts(report, "listens") == (6, 2, 4)
    assert read(tmp_path, "listens") == [
        ("u:0001", "2016-02-14 10:00:00+00", "spotify:track:09CtPGIpYB4BrO8qb1RGsF", "Sorry",
         "Justin Bieber", "Purpose", "GB", "London", 200000, False, "ios"),
        ("u:0002", "2016-02-14 10:30:00+00", "spotify:track:09CtPGIpYB4BrO8qb1RGsF", "Sorry",
         "Justin Bieber", None, "NL", None, None, None, None),
    ]  # fmt: skip
    assert report.ingested[0].rejects == {
        "played_at is not a timestamp": 1,
        "market is not a market code": 1,
        "ms_played is not an integer": 1,
        "missing user_id": 1,
    }


def test_canonical_daily_streams_jsonl(tmp_path):
    report = ingest([FIXTURES / "canonical" / "daily.jsonl"], tmp_path)
    assert table_counts(report, "daily_streams") == (5, 2, 3)
    name = "It's the End of the World as We Know It"
    uri = "spotify:track:2oSpQ7QtIKTNFfA08Cy0ku"
    assert read(tmp_path, "daily_streams") == [
        ("2016-06-23", "GB", uri, name, "R.E.M.", 3749, 3749),
        ("2016-06-24", "*", uri, name, "R.E.M.", 12000, None),
    ]
    rejects = (tmp_path / "rejects" / f"{report.ingested[0].source_key}.csv").read_text()
    assert rejects.splitlines()[1:] == [
        "daily.jsonl,daily_streams,4,4,streams is not an integer",
        "daily.jsonl,daily_streams,5,5,not valid JSON",
        "daily.jsonl,daily_streams,6,6,not a JSON object",
    ]


def test_canonical_tracks_csv_lists_and_extra_columns(tmp_path):
    report = ingest([FIXTURES / "canonical" / "tracks.csv"], tmp_path)
    assert table_counts(report, "tracks") == (3, 2, 1)
    assert read(tmp_path, "tracks") == [
        ("spotify:track:a", True, ["pop", "dance"], False, None),  # no release_date given
        ("spotify:track:b", False, ["rock", "indie"], None, None),
    ]
    assert report.ingested[0].notes == ["columns not in tracks were ignored: popularity"]


def test_canonical_parquet_users(tmp_path):
    src = tmp_path / "users.parquet"
    con = duckdb.connect()
    con.execute(
        "COPY (SELECT * FROM (VALUES ('u:1', 'gb', 1990, false), ('u:2', 'ZZZ', 2001, true),"
        " ('u:3', NULL, NULL, NULL)) t(user_id, market, birth_year, opted_out))"
        f" TO '{src}' (FORMAT parquet)"
    )
    report = ingest([src], tmp_path / "out")
    assert table_counts(report, "users") == (3, 2, 1)
    assert read(tmp_path / "out", "users") == [
        ("u:1", "GB", 1990, False),
        ("u:3", None, None, None),
    ]


def test_canonical_csv_with_wrong_columns_names_them(tmp_path):
    bad = FIXTURES / "canonical" / "wrong_columns.csv"
    for fmt in (None, "canonical"):
        with pytest.raises(InputError) as info:
            ingest([bad], tmp_path, fmt=fmt)
        message = str(info.value)
        assert str(bad) in message
        assert "track_id, track_name" in message and "missing" in message


def test_canonical_user_ids_are_kept(tmp_path):
    # The canonical schema already holds pseudonymous ids: they are not hashed again.
    ingest([FIXTURES / "canonical" / "listens.csv"], tmp_path)
    assert {r[0] for r in read(tmp_path, "listens")} == {"u:0001", "u:0002"}


# --- spotify-account ------------------------------------------------------------------------


def test_spotify_account_history(tmp_path):
    src = FIXTURES / "account" / "grace" / "StreamingHistory0.json"
    report = ingest([src], tmp_path, market="MX", secret=SECRET)
    assert table_counts(report, "listens") == (4, 2, 2)
    uid = pseudonym(SECRET, "grace")
    assert read(tmp_path, "listens", "played_at") == [
        (uid, "2020-02-14 10:01:40+00", derived_id("Justin Bieber", "Sorry"), "Sorry",
         "Justin Bieber", None, "MX", None, 200000, None, None),
        (uid, "2020-02-14 23:58:55.546+00", derived_id("Daniel, Me Estás Matando", "Fúgate"),
         "Fúgate", "Daniel, Me Estás Matando", None, "MX", None, 4454, None, None),
    ]  # fmt: skip
    assert report.ingested[0].rejects == {
        "local file (Unknown Artist / Unknown Track)": 1,
        "endTime is not a time": 1,
    }
    assert report.ingested[0].notes == [
        "endTime read as UTC (as Spotify documents; --tz changes it)"
    ]


def test_spotify_account_tz_option(tmp_path):
    src = FIXTURES / "account" / "grace" / "StreamingHistory0.json"
    report = ingest([src], tmp_path, market="MX", tz="America/Mexico_City", secret=SECRET)
    assert report.ingested[0].notes == ["endTime read as America/Mexico_City"]
    first = read(tmp_path, "listens", "played_at")[0]
    assert first[1] == "2020-02-14 16:01:40+00"


def test_spotify_account_needs_a_market(tmp_path):
    src = FIXTURES / "account" / "grace" / "StreamingHistory0.json"
    with pytest.raises(InputError, match="pass --market") as info:
        ingest([src], tmp_path)
    assert str(src) in str(info.value)


def test_spotify_account_playlists(tmp_path):
    src = FIXTURES / "account" / "grace" / "Playlist1.json"
    report = ingest([src], tmp_path, secret=SECRET)
    assert table_counts(report, "playlists") == (2, 2, 0)
    assert table_counts(report, "playlist_tracks") == (3, 1, 2)
    uid = pseudonym(SECRET, "grace")
    playlists = read(tmp_path, "playlists", "name")
    assert [(p[1], p[2], p[3]) for p in playlists] == [
        (uid, "Empty one", None),
        (uid, "Running 🏃", "2020-05-01 00:00:00+00"),
    ]
    running = playlists[1][0]
    assert read(tmp_path, "playlist_tracks") == [
        (running, "spotify:track:6habFhsOp2NvshLv26DqMb", "2020-05-01 00:00:00+00")
    ]
    assert report.ingested[0].rejects == {"podcast episode": 1, "local file": 1}


# --- lastfm -----------------------------------------------------------------------------------


def test_lastfm_uts_export(tmp_path):
    report = ingest([FIXTURES / "lastfm" / "heidi"], tmp_path, market="GB", secret=SECRET)
    assert report.ingested[0].format == "lastfm"
    assert table_counts(report, "listens") == (3, 2, 1)
    uid = pseudonym(SECRET, "heidi")
    assert read(tmp_path, "listens", "played_at") == [
        (uid, "2024-07-11 09:04:16+00", derived_id("Go‐Go’s", "This Town"), "This Town",
         "Go‐Go’s", "Beauty and the Beat", "GB", None, None, None, None),
        (uid, "2024-07-11 09:07:32+00", derived_id("The Cure", "Primary"), "Primary", "The Cure",
         "Faith", "GB", None, None, None, None),
    ]  # fmt: skip
    assert report.ingested[0].rejects == {"no time": 1}


def test_lastfm_dated_export_uses_tz(tmp_path):
    report = ingest([FIXTURES / "lastfm" / "ivan"], tmp_path, market="AU", tz="Australia/Sydney")
    assert table_counts(report, "listens") == (2, 1, 1)
    row = read(tmp_path, "listens")[0]
    assert row[1:6] == (
        "2020-04-12 19:01:31+00",
        derived_id("Dark Tranquillity", "The Same - remastered version 2009"),
        "The Same - remastered version 2009",
        "Dark Tranquillity",
        "Haven (re-issue + Bonus)",
    )


def test_lastfm_dated_export_without_tz_takes_the_markets_zone(tmp_path):
    report = ingest([FIXTURES / "lastfm" / "ivan"], tmp_path, market="AU")
    row = read(tmp_path, "listens")[0]
    assert row[1] == "2020-04-12 19:01:31+00"  # the same local time, read in Australia/Sydney
    assert any("Australia/Sydney" in note for note in report.ingested[0].notes)


def test_lastfm_headerless_export(tmp_path):
    report = ingest([FIXTURES / "lastfm" / "judy"], tmp_path, market="IS")
    assert table_counts(report, "listens") == (2, 2, 0)
    rows = read(tmp_path, "listens", "played_at")
    assert [(r[1], r[3], r[4], r[5]) for r in rows] == [
        ("2021-01-31 12:34:00+00", "Airbag", "Radiohead", "OK Computer"),
        ("2021-02-01 08:00:00+00", "Jóga", "Björk", "Homogenic"),
    ]


def test_lastfm_1k_tsv_pseudonymises_every_user(tmp_path):
    report = ingest([FIXTURES / "lastfm" / "lfm1k"], tmp_path, market="ZZ", secret=SECRET)
    assert table_counts(report, "listens") == (3, 2, 1)
    rows = read(tmp_path, "listens", "played_at")
    assert [(r[0], r[3], r[4]) for r in rows] == [
        (pseudonym(SECRET, "user_000002"), "Composition 0919 (Live_2009_4_15)", "坂本龍一"),
        (pseudonym(SECRET, "user_000001"), "Fuck Me Im Famous (Pacha Ibiza)-09-28-2007",
         "Deep Dish"),
    ]  # fmt: skip
    for path in tmp_path.rglob("*.parquet"):
        assert b"user_00000" not in path.read_bytes()


def test_lastfm_needs_a_market(tmp_path):
    with pytest.raises(InputError, match="pass --market"):
        ingest([FIXTURES / "lastfm" / "heidi" / "scrobbles.csv"], tmp_path)


# --- listenbrainz -----------------------------------------------------------------------------


def test_listenbrainz_json_lines(tmp_path):
    report = ingest([FIXTURES / "listenbrainz" / "kim"], tmp_path, market="NL", secret=SECRET)
    assert report.ingested[0].format == "listenbrainz"
    assert table_counts(report, "listens") == (5, 2, 3)
    uid = pseudonym(SECRET, "kim")
    assert read(tmp_path, "listens", "played_at") == [
        (uid, "2020-09-13 12:26:40+00", "spotify:track:3k3NWokhRRkEPhCzPmV8TW", "Roads",
         "Portishead", "Dummy", "NL", None, None, None, "Spotify"),
        (uid, "2020-09-13 12:30:00+00", derived_id("Massive Attack", "Teardrop"), "Teardrop",
         "Massive Attack", None, "NL", None, None, None, "Pano Scrobbler"),
    ]  # fmt: skip
    assert report.ingested[0].rejects == {
        "no track name or artist": 1,
        "not valid JSON": 1,
        "not a JSON object": 1,
    }


def test_listenbrainz_json_array_user_names(tmp_path):
    report = ingest([FIXTURES / "listenbrainz" / "leo"], tmp_path, market="FR", secret=SECRET)
    assert table_counts(report, "listens") == (2, 2, 0)
    rows = read(tmp_path, "listens", "played_at")
    assert [r[0] for r in rows] == [pseudonym(SECRET, "leo_lb"), pseudonym(SECRET, "other_lb")]
    assert rows[1][10] == "spotify.com"
    again = tmp_path / "again"
    ingest([FIXTURES / "listenbrainz" / "leo"], again, market="FR", user="leo", secret=SECRET)
    assert {r[0] for r in read(again, "listens")} == {pseudonym(SECRET, "leo")}
