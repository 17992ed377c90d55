"""Ingest of Spotify daily chart CSVs (every dialect in realdata/) into daily_streams."""

from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.errors import InputError
from campaign.ingest import ingest
from campaign.ingest.charts import market_from_name
from campaign.schema import DAILY_STREAMS, track_id_from_names_sql

CHARTS = Path(__file__).parent / "fixtures" / "ingest" / "charts"


def rows(out: Path) -> list[tuple]:
    con = duckdb.connect()
    return con.execute(
        f"SELECT day::VARCHAR, market, track_id, track_name, artist_name, streams, listeners "
        f"FROM read_parquet('{out}/daily_streams/*.parquet') ORDER BY day, market, streams DESC"
    ).fetchall()


def derived_id(artist: str, title: str) -> str:
    con = duckdb.connect()
    sql = f"SELECT {track_id_from_names_sql('$a', '$t')}"
    return con.execute(sql, {"a": artist, "t": title}).fetchone()[0]


def counts(report) -> dict:
    return report.to_json()["tables"]["daily_streams"]


def test_url_year_month_day_region_dialect(tmp_path):
    report = ingest([CHARTS / "gb.csv"], tmp_path)
    assert report.ingested[0].format == "charts"
    assert counts(report) == {"rows_read": 4, "rows_loaded": 3, "rows_rejected": 1}
    psycho = "spotify:track:25sgk305KZfyuqVBQIahim"
    thank_u = "spotify:track:2rPE9A1vEgShuZxxzR2tZH"
    assert rows(tmp_path) == [
        ("2019-01-01", "GB", psycho, "Sweet but Psycho", "Ava Max", 334456, None),
        ("2019-01-01", "GB", thank_u, "thank u, next", "Ariana Grande", 317204, None),
        ("2019-01-02", "GB", psycho, "Sweet but Psycho", "Ava Max", 310000, None),
    ]
    assert report.ingested[0].rejects == {"no track name or artist (blank in the source)": 1}


def test_types_and_order(tmp_path):
    ingest([CHARTS / "gb.csv"], tmp_path)
    con = duckdb.connect()
    described = con.execute(
        f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/daily_streams/*.parquet')"
    ).fetchall()
    assert [(r[0], r[1]) for r in described] == [(c.name, c.type) for c in DAILY_STREAMS.columns]


def test_kaggle_dialect_market_from_file_name_and_duplicates(tmp_path):
    report = ingest([CHARTS / "us_data.csv"], tmp_path)
    assert counts(report) == {"rows_read": 5, "rows_loaded": 3, "rows_rejected": 2}
    assert report.ingested[0].rejects == {"duplicate chart row": 1, "streams is not a number": 1}
    fake_love = derived_id("Drake", "Fake Love")
    assert rows(tmp_path) == [
        ("2017-01-01", "US", derived_id("Migos", "Bad and Boujee (feat. Lil Uzi Vert)"),
         "Bad and Boujee (feat. Lil Uzi Vert)", "Migos", 1371493, None),
        ("2017-01-01", "US", fake_love, "Fake Love", "Drake", 1180074, None),
        ("2017-01-02", "US", fake_love, "Fake Love", "Drake", 1000000, None),
    ]  # fmt: skip
    rejects = (tmp_path / "rejects" / f"{report.ingested[0].source_key}.csv").read_text()
    assert "us_data.csv,daily_streams,4,3,duplicate chart row" in rejects
    assert "us_data.csv,daily_streams,5,4,streams is not a number" in rejects


def test_market_option_is_the_fallback(tmp_path):
    plain = tmp_path / "chart.csv"
    plain.write_bytes((CHARTS / "us_data.csv").read_bytes())
    with pytest.raises(InputError, match="pass --market") as info:
        ingest([plain], tmp_path / "out")
    assert str(plain) in str(info.value)
    ingest([plain], tmp_path / "out", market="nl")
    assert {r[1] for r in rows(tmp_path / "out")} == {"NL"}


def test_repeated_headers_na_block_and_gzip(tmp_path):
    report = ingest([CHARTS / "fi.csv.gz"], tmp_path)
    # 11 lines: 1 header + 2 exact repeats are not rows; 8 rows read.
    assert counts(report) == {"rows_read": 8, "rows_loaded": 4, "rows_rejected": 4}
    assert report.ingested[0].rejects == {
        "a header line in another column order": 1,
        "date is not a date": 2,
        "duplicate chart row": 1,
    }
    assert [(r[0], r[2], r[5]) for r in rows(tmp_path)] == [
        ("2017-01-06", "spotify:track:4OdVWcLwTqgFQJNAMLaur9", 106889),
        ("2017-01-06", "spotify:track:7qiZfU4dY1lWllzX7mPBI3", 94929),
        ("2017-01-13", "spotify:track:7qiZfU4dY1lWllzX7mPBI3", 90000),
        ("2017-01-27", "spotify:track:7qiZfU4dY1lWllzX7mPBI3", 80000),
    ]
    assert {r[1] for r in rows(tmp_path)} == {"FI"}


def test_christmas_dialect(tmp_path):
    report = ingest([CHARTS / "ChristmasSongs.csv"], tmp_path, market="UK")
    assert counts(report) == {"rows_read": 6, "rows_loaded": 5, "rows_rejected": 1}
    got = {(r[3], r[4], r[5]) for r in rows(tmp_path)}
    assert got == {
        ("All I Want For Christmas Is You", "Mariah Carey", 1647983),
        ("South Of The Border (Feat. Camila Cabello & Cardi B)", "Ed Sheeran", 368593),
        ("Monster Mash", 'Bobby "Boris" Pickett', 339038),
        ("Otro Trago - Remix", "Sech", 317982),
        ("Don't Fear The Reaper", "Blue öYster Cult", 72222),
    }
    assert {r[1] for r in rows(tmp_path)} == {"GB"}
    assert report.ingested[0].rejects == {"duplicate chart row": 1}


def test_kworb_combined(tmp_path):
    report = ingest([CHARTS / "kworb_dailytop50_combined.csv"], tmp_path)
    assert counts(report) == {"rows_read": 4, "rows_loaded": 2, "rows_rejected": 2}
    assert report.ingested[0].rejects == {
        "streams is not a number": 1,
        "no ' - ' between artist and title": 1,
    }
    assert [(r[1], r[3], r[4], r[5]) for r in rows(tmp_path)] == [
        ("ID", "Mangu (w/ Charita Utami)", "Fourtwnty", 1769625),
        ("SG", "NORMAL", "BTS", 42413),
    ]
    assert any("scrape dates" in n for n in report.ingested[0].notes)
    assert report.ingested[0].date_offset == 2


def test_kworb_raw_without_header(tmp_path):
    report = ingest([CHARTS / "raw"], tmp_path)
    assert counts(report) == {"rows_read": 2, "rows_loaded": 2, "rows_rejected": 0}
    assert [(r[0], r[1], r[3], r[4], r[5]) for r in rows(tmp_path)] == [
        # The file is dated 2025-09-07, a scrape date: the chart day is two days before.
        ("2025-09-05", "SG", "Don’t Say You Love Me", "Jin", 249698),
        ("2025-09-05", "SG", "Golden (w/ Ejae, AUDREY NUNA, REI AMI, KPop Demon Hunters Cast)",
         "HUNTR/X", 109430),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "market"),
    [
        ("gb.csv.gz", "GB"),
        ("global.csv", "*"),
        ("us_data.csv", "US"),
        ("sg_dailytop50_2025-09-07.csv", "SG"),
        ("ChristmasSongs.csv", None),
        ("chart.csv", None),
        ("uk.csv", "GB"),
    ],
)
def test_market_from_file_name(name, market):
    assert market_from_name(name) == market


def test_structural_csv_errors_become_rejects(tmp_path):
    bad = tmp_path / "nl.csv"
    bad.write_bytes(
        b"Position,Track Name,Artist,Streams,Date\n"
        b"1,Good,Artist,100,2020-01-01\n"
        b"2,Too,Many,Fields,200,2020-01-01,extra\n"
        b"3,Short\n"
        b'4,"Unterminated,Artist,300,2020-01-01\n'
    )
    report = ingest([bad], tmp_path / "out")
    c = counts(report)
    assert c["rows_loaded"] == 1
    assert c["rows_read"] == c["rows_loaded"] + c["rows_rejected"] >= 3


def test_every_reject_names_its_file_line(tmp_path):
    """A bad value after lines the CSV reader set aside still gets its line: the record number
    shifted by the header and by each set-aside line before it (one right after the header, two
    in a row, one after the last record)."""
    chart = tmp_path / "nl.csv"
    chart.write_bytes(
        b"Position,Track Name,Artist,Streams,Date\n"
        b"1,Short\n"
        b"2,Good,Artist,100,2020-01-01\n"
        b"3,Short\n"
        b"4,Fine,Artist,90,2020-01-01\n"
        b"5,Bad,Artist,lots,2020-01-01\n"
        b"6,Short\n"
        b"7,Short\n"
        b"8,Also bad,Artist,many,2020-01-01\n"
        b"9,Last,Artist,50,2020-01-01\n"
        b"10,Short\n"
    )
    report = ingest([chart], tmp_path / "out")
    assert counts(report) == {"rows_read": 10, "rows_loaded": 3, "rows_rejected": 7}
    key = report.ingested[0].source_key
    rejects = (tmp_path / "out" / "rejects" / f"{key}.csv").read_text().splitlines()[1:]
    lines = [int(row.split(",")[2]) for row in rejects]
    assert lines == [2, 4, 6, 7, 8, 9, 11]
    text = chart.read_text().splitlines()
    for row, line in zip(rejects, lines, strict=True):  # the line named is the one meant
        assert ("Short" in text[line - 1]) == row.endswith("missing columns")


_RECORD_KINDS = st.sampled_from(["good", "bad value", "short", "quoted newline"])


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    records=st.lists(st.tuples(_RECORD_KINDS, st.integers(0, 2)), min_size=1, max_size=12),
    crlf=st.booleans(),
    gzipped=st.booleans(),
)
def test_reject_lines_hold_across_blank_lines_and_quoted_newlines(
    tmp_path_factory, records, crlf, gzipped
):
    """The CSV reader skips blank lines and reads a quoted newline inside one record, so neither
    its record numbers nor its own line numbers are file lines: every reject still names the line
    its record starts on, whatever comes before it, line endings and gzip included."""
    folder = tmp_path_factory.mktemp("lines")
    lines = ["Position,Track Name,Artist,Streams,Date"]
    expected = []
    for position, (kind, blanks) in enumerate(records, start=1):
        lines += [""] * blanks
        if kind != "good" and kind != "quoted newline":
            expected.append(len(lines) + 1)
        lines += {
            "good": [f"{position},Song {position},Artist,100,2020-01-01"],
            "bad value": [f"{position},Song {position},Artist,lots,2020-01-01"],
            "short": [f"{position},Short"],
            "quoted newline": [f'{position},"Two', f'Lines {position}",Artist,100,2020-01-01'],
        }[kind]
    newline = "\r\n" if crlf else "\n"
    text = newline.join(lines) + newline
    chart = folder / ("nl.csv.gz" if gzipped else "nl.csv")
    chart.write_bytes(gzip.compress(text.encode()) if gzipped else text.encode())
    report = ingest([chart], folder / "out")
    rejects = folder / "out" / "rejects" / f"{report.ingested[0].source_key}.csv"
    found = (
        [int(row.split(",")[2]) for row in rejects.read_text().splitlines()[1:]]
        if rejects.exists()
        else []
    )
    assert found == expected
