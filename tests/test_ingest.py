"""Ingest: the API, the dataset layout, pseudonyms, errors, and the spotify-extended format."""

from __future__ import annotations

import json
import shutil
import stat
from pathlib import Path

import duckdb
import pytest

from campaign.errors import ConfigError, InputError
from campaign.ingest import FORMATS, describe_dataset, ingest
from campaign.ingest.dataset_layout import pseudonym
from campaign.schema import LISTENS, track_id_from_names_sql

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
EXTENDED = FIXTURES / "extended"
ALICE_JSON = EXTENDED / "alice" / "Streaming_History_Audio_2024_0.json"
ALICE_CSV = EXTENDED / "alice" / "Streaming_History_Audio_2024_1.owner_converted.csv"
SECRET = b"test-secret"


def read_table(out: Path, table: str, order: str = "1") -> list[tuple]:
    """Rows of a table with timestamps as UTC text (no pytz needed)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    rel = f"read_parquet('{out / table}/*.parquet')"
    cols = [r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()]
    select = ", ".join(
        f"CAST({c} AS VARCHAR)" if c in ("played_at", "created_at", "added_at") else c for c in cols
    )
    return con.execute(f"SELECT {select} FROM {rel} ORDER BY {order}").fetchall()


def derived_id(artist: str, title: str) -> str:
    con = duckdb.connect()
    return con.execute(
        f"SELECT {track_id_from_names_sql('$a', '$t')}", {"a": artist, "t": title}
    ).fetchone()[0]


def test_formats_listed():
    assert FORMATS == (
        "canonical",
        "spotify-extended",
        "spotify-account",
        "lastfm",
        "listenbrainz",
        "charts",
    )


def test_spotify_extended_json_rows_and_rejects(tmp_path):
    report = ingest([ALICE_JSON], tmp_path, secret=SECRET)
    counts = report.to_json()["tables"]["listens"]
    assert counts == {"rows_read": 7, "rows_loaded": 3, "rows_rejected": 4}
    uid = pseudonym(SECRET, "alice")
    rows = read_table(tmp_path, "listens", "played_at")
    assert rows == [
        (uid, "2024-03-01 12:00:00+00", "spotify:track:09CtPGIpYB4BrO8qb1RGsF", "Sorry",
         "Justin Bieber", "Purpose", "GB", None, 180000, False, "android"),
        (uid, "2024-03-01 12:04:00+00", "spotify:track:2mrKFykW0tJX6Q3ZSs8Rrc", "Café del Mar ☕",
         "Energy 52", None, "GB", None, 500, True, "ios"),
        (uid, "2024-03-01 23:59:00+00", derived_id("עומר אדם", "שלום"), "שלום",
         "עומר אדם", "אלבום", "NL", None, 60000, None, "web"),
    ]  # fmt: skip
    result = report.ingested[0]
    assert result.rejects == {
        "podcast episode": 1,
        "audiobook": 1,
        "ts is not a timestamp": 1,
        "no conn_country (pass --market)": 1,
    }
    rejects = (tmp_path / "rejects" / f"{result.source_key}.csv").read_text().splitlines()
    assert rejects[0] == "file,table,line,record,reason"
    assert rejects[1:] == [
        "Streaming_History_Audio_2024_0.json,listens,,4,podcast episode",
        "Streaming_History_Audio_2024_0.json,listens,,5,audiobook",
        "Streaming_History_Audio_2024_0.json,listens,,6,ts is not a timestamp",
        "Streaming_History_Audio_2024_0.json,listens,,7,no conn_country (pass --market)",
    ]


def test_canonical_column_order_and_types(tmp_path):
    ingest([ALICE_JSON], tmp_path, secret=SECRET)
    con = duckdb.connect()
    described = con.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/listens/*.parquet')"
    ).fetchall()
    assert [(r[0], r[1]) for r in described] == [
        (c.name, "TIMESTAMP WITH TIME ZONE" if c.type == "TIMESTAMPTZ" else c.type)
        for c in LISTENS.columns
    ]


def test_market_option_fills_missing_conn_country(tmp_path):
    report = ingest([ALICE_JSON], tmp_path, market="gb", secret=SECRET)
    assert report.tables["listens"].rows_loaded == 4
    markets = [r[6] for r in read_table(tmp_path, "listens", "played_at")]
    assert markets == ["GB", "GB", "NL", "GB"]


def test_spotify_extended_owner_converted_csv(tmp_path):
    report = ingest([ALICE_CSV], tmp_path, secret=SECRET)
    assert report.ingested[0].format == "spotify-extended"
    assert report.tables["listens"].to_json() == {
        "rows_read": 2,
        "rows_loaded": 1,
        "rows_rejected": 1,
    }
    assert read_table(tmp_path, "listens") == [
        (pseudonym(SECRET, "alice"), "2024-04-01 09:56:40+00",
         "spotify:track:1rgnBhdG2JDFTbYkYRZAku", "Dance, Monkey", "Tones And I",
         "The Kids Are Coming", "FR", None, 200000, False, "windows"),
    ]  # fmt: skip
    rejects = (tmp_path / "rejects" / f"{report.ingested[0].source_key}.csv").read_text()
    assert "owner_converted.csv,listens,3,2,podcast episode" in rejects


def test_user_option_names_the_listener(tmp_path):
    ingest([ALICE_JSON], tmp_path, user="someone-else", secret=SECRET)
    ids = {r[0] for r in read_table(tmp_path, "listens")}
    assert ids == {pseudonym(SECRET, "someone-else")}


def test_two_personal_exports_are_two_pseudonymous_listeners(tmp_path):
    out = tmp_path / "out"
    report = ingest([EXTENDED], out, market="GB")
    ids = {r[0] for r in read_table(out, "listens")}
    assert len(ids) == 2 and all(i.startswith("u:") and len(i) == 18 for i in ids)
    assert report.tables["listens"].rows_loaded == 4 + 1 + 2
    secret = (out / ".secret").read_bytes()
    assert ids == {pseudonym(secret, "alice"), pseudonym(secret, "bob")}
    assert stat.S_IMODE((out / ".secret").stat().st_mode) == 0o600
    for path in out.rglob("*"):
        if path.is_file() and path.name != ".secret":
            data = path.read_bytes()
            for name in (b"alice", b"bob_the_secret_user", b"10.1.2.3"):
                assert name not in data, (path, name)
    assert "alice" not in json.dumps(report.to_json())


def test_reingest_is_idempotent_and_new_files_append(tmp_path):
    first = ingest([ALICE_JSON], tmp_path, secret=SECRET)
    assert len(first.ingested) == 1
    again = ingest([ALICE_JSON], tmp_path, secret=SECRET)
    assert again.ingested == [] and len(again.skipped) == 1
    assert again.skipped[0].reason == "already in the dataset"
    assert again.tables == {}
    assert len(read_table(tmp_path, "listens")) == 3
    # A copy under another name is the same bytes: still skipped.
    copy = tmp_path / "copy" / "Streaming_History_Audio_copy.json"
    copy.parent.mkdir()
    shutil.copy(ALICE_JSON, copy)
    assert len(ingest([copy], tmp_path, secret=SECRET).skipped) == 1
    more = ingest([ALICE_CSV], tmp_path, secret=SECRET)
    assert len(more.ingested) == 1
    assert len(read_table(tmp_path, "listens")) == 4
    assert len(list((tmp_path / "listens").glob("*.parquet"))) == 2
    log = json.loads((tmp_path / "ingest.json").read_text())
    assert len(log["sources"]) == 2
    entry = log["sources"][first.ingested[0].source_key]
    assert entry["format"] == "spotify-extended"
    assert entry["tables"]["listens"] == {"rows_read": 7, "rows_loaded": 3, "rows_rejected": 4}
    assert entry["first_day"] == "2024-03-01" and entry["markets"] == ["GB", "NL"]
    assert len(entry["sha256"]) == 64 and entry["ingested_at"].endswith("Z")


def test_same_file_twice_in_one_run(tmp_path):
    report = ingest([ALICE_JSON, ALICE_JSON], tmp_path, secret=SECRET)
    assert len(report.ingested) == 1 and len(report.skipped) == 1
    assert report.tables["listens"].rows_read == 7


def test_folder_walk_reports_ignored_files(tmp_path):
    src = tmp_path / "src" / "carol"
    src.mkdir(parents=True)
    shutil.copy(ALICE_JSON, src / ALICE_JSON.name)
    (src / "notes.md").write_text("# hello\n")
    (src / "mystery.csv").write_text("a,b\n1,2\n")
    (src / "Read_Me_First.pdf").write_bytes(b"%PDF-1.4")
    report = ingest([tmp_path / "src"], tmp_path / "out", secret=SECRET)
    assert [f.path.name for f in report.ingested] == [ALICE_JSON.name]
    ignored = {f.path.name: f.reason for f in report.ignored}
    assert ignored == {
        "notes.md": "not a data file",
        "mystery.csv": "format not recognised",
        "Read_Me_First.pdf": "not a data file",
    }
    names = [f["file"] for f in report.to_json()["files"]]
    assert sorted(names) == sorted(
        [ALICE_JSON.name, "notes.md", "mystery.csv", "Read_Me_First.pdf"]
    )


def test_a_folder_with_nothing_to_read_is_one_sentence_and_writes_nothing(tmp_path):
    (tmp_path / "empty").mkdir()
    junk = tmp_path / "junk"
    junk.mkdir()
    (junk / "notes.md").write_text("# hello\n")
    with pytest.raises(InputError, match="holds no files"):
        ingest([tmp_path / "empty"], tmp_path / "out", secret=SECRET)
    with pytest.raises(InputError, match=r"1 ignored, e\.g\. notes\.md: not a data file"):
        ingest([junk], tmp_path / "out", secret=SECRET)
    assert not (tmp_path / "out").exists()


def test_gzip_is_read_transparently(tmp_path):
    import gzip

    src = tmp_path / "dave" / (ALICE_JSON.name + ".gz")
    src.parent.mkdir()
    src.write_bytes(gzip.compress(ALICE_JSON.read_bytes()))
    report = ingest([src], tmp_path / "out", secret=SECRET)
    assert report.tables["listens"].rows_loaded == 3


def test_file_names_with_glob_characters(tmp_path):
    src = tmp_path / "erin [copy]" / "Streaming_History_Audio_2024 [1].json"
    src.parent.mkdir()
    shutil.copy(ALICE_JSON, src)
    report = ingest([src], tmp_path / "out", secret=SECRET)
    assert report.tables["listens"].rows_loaded == 3


def test_describe_dataset(tmp_path):
    ingest([EXTENDED], tmp_path, market="GB", secret=SECRET)
    summary = describe_dataset(tmp_path)
    assert summary.tables == {"listens": 7}
    assert summary.first_day == "2016-06-23" and summary.last_day == "2024-04-01"
    assert summary.markets == ["FR", "GB", "NL"]
    assert len(summary.files) == 3
    assert all(f["format"] == "spotify-extended" for f in summary.files)
    assert summary.lines()[0] == "listens: 7 rows"
    json.dumps(summary.to_json())


def test_describe_dataset_errors(tmp_path):
    with pytest.raises(InputError, match="no such dataset folder"):
        describe_dataset(tmp_path / "nope")
    with pytest.raises(InputError, match="not an ingested dataset"):
        describe_dataset(tmp_path)


# --- errors ---------------------------------------------------------------------------------


def test_truncated_json_is_an_input_error(tmp_path):
    bad = FIXTURES / "errors" / "Streaming_History_Audio_2024_truncated.json"
    with pytest.raises(InputError) as info:
        ingest([bad], tmp_path, secret=SECRET)
    message = str(info.value)
    assert str(bad) in message
    assert "not valid JSON (it ends before the array is closed)" in message
    assert not list(tmp_path.glob("listens/*"))
    assert not [p for p in tmp_path.rglob("*") if ".tmp" in p.name]


def test_missing_file_is_an_input_error(tmp_path):
    missing = tmp_path / "nope" / "Streaming_History_Audio_2024.json"
    with pytest.raises(InputError, match="no such file or folder") as info:
        ingest([missing], tmp_path / "out")
    assert str(missing) in str(info.value)


def test_unknown_format_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError) as info:
        ingest([ALICE_JSON], tmp_path, fmt="spotify")
    message = str(info.value)
    assert "--format" in message and "spotify" in message
    for name in FORMATS:
        assert name in message


def test_undetectable_file_asks_for_format(tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("x,y\n1,2\n")
    with pytest.raises(InputError, match="pass --format") as info:
        ingest([odd], tmp_path / "out")
    assert str(odd) in str(info.value)


def test_wrong_explicit_format_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="does not look like --format charts") as info:
        ingest([ALICE_JSON], tmp_path, fmt="charts")
    assert str(ALICE_JSON) in str(info.value)


def test_bad_options_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="--market"):
        ingest([ALICE_JSON], tmp_path, market="Great Britain")
    with pytest.raises(ConfigError, match="--tz"):
        ingest([ALICE_JSON], tmp_path, tz="Mars/Olympus")


def test_non_object_records_are_an_input_error(tmp_path):
    bad = tmp_path / "frank" / "Streaming_History_Audio_2020.json"
    bad.parent.mkdir()
    bad.write_text('[{"ts": "2020-01-01T00:00:00Z", "ms_played": 1}, 42]')
    with pytest.raises(InputError, match="not a JSON array of objects"):
        ingest([bad], tmp_path / "out")


def test_interrupted_ingest_leaves_no_half_files(tmp_path, monkeypatch):
    import campaign.ingest.engine as engine

    def boom(tmp, final):
        raise KeyboardInterrupt

    monkeypatch.setattr(engine, "publish", boom)
    with pytest.raises(KeyboardInterrupt):
        ingest([ALICE_JSON], tmp_path, secret=SECRET)
    leftovers = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != ".secret"]
    assert leftovers == []
    monkeypatch.undo()
    report = ingest([ALICE_JSON], tmp_path, secret=SECRET)
    assert len(report.ingested) == 1


def test_dataset_inside_the_source_folder_is_not_read_back(tmp_path):
    src = tmp_path / "mallory"
    src.mkdir()
    shutil.copy(ALICE_JSON, src / ALICE_JSON.name)
    first = ingest([src], src / "dataset", secret=SECRET)
    again = ingest([src], src / "dataset", secret=SECRET)
    assert len(first.ingested) == 1 and first.ignored == []
    assert again.ingested == [] and len(again.skipped) == 1 and again.ignored == []


def test_archives_are_refused_with_a_hint(tmp_path):
    archive = tmp_path / "my_spotify_data.zip"
    archive.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match="unpack it"):
        ingest([archive], tmp_path / "out")


def test_progress_messages_name_files_not_listeners(tmp_path):
    messages: list[str] = []
    ingest([EXTENDED], tmp_path, market="GB", secret=SECRET, progress=messages.append)
    assert any("Streaming_History_Audio_2024_0.json" in m for m in messages)
    assert any(m.startswith("ingested") for m in messages)
    assert not any(pseudonym(SECRET, "alice") in m for m in messages)
