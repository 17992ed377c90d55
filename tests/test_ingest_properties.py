"""Hypothesis: canonical rows round-trip; corrupt input never crashes and never loses a row."""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.errors import InputError
from campaign.ingest import ingest
from campaign.safetext import strip_unsafe
from campaign.schema import TABLES

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
SETTINGS = settings(
    # INGEST_EXAMPLES=500 for a longer hunt; kept small so the suite stays fast.
    max_examples=int(os.environ.get("INGEST_EXAMPLES", "20")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
COLUMNS = [
    "user_id", "played_at", "track_id", "track_name", "artist_name", "album_name", "market",
    "city", "ms_played", "skipped", "platform",
]  # fmt: skip

# Text as found in titles: any script, emoji, right-to-left marks (stripped from free text),
# quotes, commas, newlines.
TITLE_CHARS = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\x00"
) | st.sampled_from(list(",\"';\t\n|\u200f\u202e\ufeff🎵😀שלוםمرحبا"))
text = st.text(TITLE_CHARS, min_size=1, max_size=30).filter(lambda s: s.strip() != "")
optional_text = st.none() | text
timestamps = st.datetimes(
    min_value=datetime(1970, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
listen = st.fixed_dictionaries(
    {
        "user_id": text,
        "played_at": timestamps,
        "track_id": text,
        "track_name": text,
        "artist_name": text,
        "album_name": optional_text,
        "market": st.sampled_from(["GB", "NL", "US", "FI", "*"]),
        "city": optional_text,
        "ms_played": st.none() | st.integers(-(2**31), 2**31 - 1),
        "skipped": st.none() | st.booleans(),
        "platform": optional_text,
    }
)


def loaded_rows(out: Path) -> list[tuple]:
    con = duckdb.connect()
    files = list((out / "listens").glob("*.parquet"))
    if not files:
        return []
    rel = f"read_parquet('{out}/listens/*.parquet')"
    select = ", ".join("epoch_us(played_at)" if c == "played_at" else c for c in COLUMNS)
    return con.execute(f"SELECT {select} FROM {rel}").fetchall()


def expected(rows: list[dict]) -> list[tuple]:
    out = []
    for r in rows:
        at = r["played_at"]
        micros = int((at - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)
        micros = (at - datetime(1970, 1, 1, tzinfo=UTC)) // __import__("datetime").timedelta(
            microseconds=1
        )
        out.append(tuple(micros if c == "played_at" else _as_loaded(c, r[c]) for c in COLUMNS))
    return out


FREE_TEXT = {c.name for c in TABLES["listens"].columns if c.free_text}


def _as_loaded(column: str, value):
    """Free text loses bidi, private-use and control characters at ingest (campaign.safetext)."""
    return strip_unsafe(value) if column in FREE_TEXT and value is not None else value


def as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@SETTINGS
@given(rows=st.lists(listen, min_size=1, max_size=8))
def test_canonical_csv_round_trip(rows):
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "listens.csv"
        buf = io.StringIO()
        writer = csv.writer(buf, quoting=csv.QUOTE_ALL, lineterminator="\n")
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([as_text(r[c]) for c in COLUMNS])
        src.write_text(buf.getvalue(), encoding="utf-8")
        report = ingest([src], Path(tmp) / "out")
        counts = report.tables["listens"]
        assert (counts.rows_read, counts.rows_loaded, counts.rows_rejected) == (
            len(rows),
            len(rows),
            0,
        )
        assert sorted(loaded_rows(Path(tmp) / "out"), key=repr) == sorted(expected(rows), key=repr)


@SETTINGS
@given(rows=st.lists(listen, min_size=1, max_size=8), ascii_only=st.booleans())
def test_canonical_jsonl_round_trip(rows, ascii_only):
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "listens.jsonl"
        lines = [
            json.dumps(
                {c: (r[c].isoformat() if c == "played_at" else r[c]) for c in COLUMNS},
                ensure_ascii=ascii_only,
            )
            for r in rows
        ]
        src.write_text("\n".join(lines) + "\n", encoding="utf-8")
        report = ingest([src], Path(tmp) / "out")
        counts = report.tables["listens"]
        assert (counts.rows_read, counts.rows_loaded, counts.rows_rejected) == (
            len(rows),
            len(rows),
            0,
        )
        assert sorted(loaded_rows(Path(tmp) / "out"), key=repr) == sorted(expected(rows), key=repr)


# --- corruption -----------------------------------------------------------------------------

SAMPLES = {
    "extended": (FIXTURES / "extended" / "alice" / "Streaming_History_Audio_2024_0.json", "GB"),
    "extended-csv": (
        FIXTURES / "extended" / "alice" / "Streaming_History_Audio_2024_1.owner_converted.csv",
        "GB",
    ),
    "charts": (FIXTURES / "charts" / "us_data.csv", None),
    "xmas": (FIXTURES / "charts" / "ChristmasSongs.csv", "GB"),
    "canonical-csv": (FIXTURES / "canonical" / "listens.csv", None),
    "canonical-jsonl": (FIXTURES / "canonical" / "daily.jsonl", None),
    "account": (FIXTURES / "account" / "grace" / "StreamingHistory0.json", "GB"),
    "lastfm": (FIXTURES / "lastfm" / "heidi" / "scrobbles.csv", "GB"),
    "lastfm-1k": (
        FIXTURES / "lastfm" / "lfm1k" / "userid-timestamp-artid-artname-traid-traname.tsv",
        "GB",
    ),
    "listenbrainz": (FIXTURES / "listenbrainz" / "kim" / "listens.jsonl", "GB"),
}

JUNK = st.sampled_from(
    [
        b"\xef\xbb\xbf",  # a BOM in the middle
        b"\xff\xfe",
        b"\x00",
        b"\xe9",  # latin-1 é
        "🎵".encode(),
        "\u202eשלום".encode(),
        b'"',
        b",",
        b"\n",
        b"\r\n",
        b"{",
        b"]",
        b"NaN",
        b"-99999999999999999999",
        b"\t",
    ]
)


@st.composite
def corrupted(draw):
    name = draw(st.sampled_from(sorted(SAMPLES)))
    path, market = SAMPLES[name]
    data = bytearray(path.read_bytes())
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["truncate", "insert", "delete", "replace", "bom", "recode"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if action == "truncate":
            data = data[:pos]
        elif action == "insert":
            data[pos:pos] = draw(JUNK)
        elif action == "delete":
            del data[pos : pos + draw(st.integers(1, 20))]
        elif action == "replace":
            data[pos : pos + 1] = draw(JUNK)
        elif action == "bom":
            data[0:0] = b"\xef\xbb\xbf"
        else:
            text = bytes(data).decode("utf-8", errors="replace")
            data = bytearray(
                text.encode(
                    draw(st.sampled_from(["latin-1", "utf-16", "cp1252"])), errors="replace"
                )
            )
    explicit = draw(st.booleans())
    return path.name, bytes(data), market, explicit


@SETTINGS
@given(case=corrupted())
def test_corrupt_input_never_crashes_nor_loses_rows(case):
    name, data, market, explicit = case
    fmt = None
    if explicit:
        fmt = {
            ".json": "spotify-extended" if "Streaming" in name else "spotify-account",
        }.get(Path(name).suffix)
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "someone" / name
        src.parent.mkdir()
        src.write_bytes(data)
        out = Path(tmp) / "out"
        try:
            report = ingest([src], out, fmt=fmt, market=market)
        except InputError as exc:
            assert str(src) in str(exc)
            assert "Traceback" not in str(exc)
            return
        report.check()
        for table, counts in report.tables.items():
            assert counts.rows_read == counts.rows_loaded + counts.rows_rejected
            con = duckdb.connect()
            on_disk = 0
            if list((out / table).glob("*.parquet")):
                on_disk = con.execute(f"SELECT count(*) FROM '{out / table}/*.parquet'").fetchone()[
                    0
                ]
            assert on_disk == counts.rows_loaded
            rejects = list((out / "rejects").glob("*.csv"))
            in_rejects = 0
            if rejects:
                in_rejects = con.execute(
                    f"SELECT count(*) FROM read_csv('{out}/rejects/*.csv', all_varchar = true) "
                    f"WHERE \"table\" = '{table}'"
                ).fetchone()[0]
            assert in_rejects == counts.rows_rejected
