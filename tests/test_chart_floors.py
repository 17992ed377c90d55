"""chart_floors at ingest (floor, depth, cadence per market-day) and the chart date offset."""

from __future__ import annotations

import csv
import io
import itertools
import os
import statistics
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.errors import ConfigError
from campaign.ingest import IngestReport, ingest
from campaign.schema import CHART_FLOORS
from tests.conftest import REALDATA

CHARTS = Path(__file__).parent / "fixtures" / "ingest" / "charts"
HEADER = "Position,Track Name,Artist,Streams,Date\n"


def floors(out: Path) -> list[tuple]:
    return duckdb.sql(
        f"SELECT day::VARCHAR, market, floor_streams, depth, cadence "
        f"FROM read_parquet('{out}/chart_floors/*.parquet') ORDER BY market, day"
    ).fetchall()


def floors_from_rows(out: Path) -> list[tuple]:
    """What the floors must be: the min and the count of the loaded rows per market-day."""
    return duckdb.sql(
        f"SELECT day::VARCHAR, market, min(streams), count(*) "
        f"FROM read_parquet('{out}/daily_streams/*.parquet') "
        "GROUP BY day, market ORDER BY market, day"
    ).fetchall()


def chart(path: Path, rows: list[tuple[int, str, str, int, str]]) -> Path:
    body = "".join(f"{p},{t},{a},{s},{d}\n" for p, t, a, s, d in rows)
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_floor_is_the_lowest_listed_and_depth_the_rows_listed(tmp_path):
    report = ingest([CHARTS / "gb.csv"], tmp_path / "out")
    assert [f[:4] for f in floors(tmp_path / "out")] == floors_from_rows(tmp_path / "out")
    assert floors(tmp_path / "out") == [
        ("2019-01-01", "GB", 317204, 2, "daily"),
        ("2019-01-02", "GB", 310000, 1, "daily"),
    ]
    assert report.to_json()["chart_floors"] == {"market_days": 2}
    described = duckdb.sql(
        f"DESCRIBE SELECT * FROM read_parquet('{tmp_path}/out/chart_floors/*.parquet')"
    ).fetchall()
    assert [(r[0], r[1]) for r in described] == [(c.name, c.type) for c in CHART_FLOORS.columns]


def test_rejected_rows_do_not_move_the_floor_and_fridays_are_weekly(tmp_path):
    """fi.csv.gz: repeated headers, a shifted NA block, and a duplicate with 1,000 streams."""
    report = ingest([CHARTS / "fi.csv.gz"], tmp_path)
    counts = report.tables["daily_streams"]
    assert counts.rows_read == counts.rows_loaded + counts.rows_rejected
    assert floors(tmp_path) == [
        ("2017-01-06", "FI", 94929, 2, "weekly"),
        ("2017-01-13", "FI", 90000, 1, "weekly"),
        ("2017-01-27", "FI", 80000, 1, "weekly"),  # not 1,000: that row was a duplicate
    ]


def test_appending_chart_files_keeps_one_row_per_market_day(tmp_path):
    out = tmp_path / "out"
    first = chart(
        tmp_path / "nl.csv", [(1, "A", "X", 500, "2020-01-01"), (2, "B", "Y", 300, "2020-01-01")]
    )
    ingest([first], out)
    # A second download: the same day again (one track lower in the chart) and a new day.
    second = chart(
        tmp_path / "nl_more.csv",
        [(1, "A", "X", 500, "2020-01-01"), (3, "C", "Z", 100, "2020-01-01"),
         (1, "A", "X", 450, "2020-01-02")],
    )  # fmt: skip
    report = ingest([second], out)
    assert floors(out) == [
        ("2020-01-01", "NL", 100, 3, "daily"),
        ("2020-01-02", "NL", 450, 1, "daily"),
    ]
    assert report.chart_floors == 2
    # Ingesting a file already in the dataset changes nothing.
    ingest([first], out)
    assert len(floors(out)) == 2


def test_listening_data_has_no_floors(tmp_path):
    canonical = Path(__file__).parent / "fixtures" / "ingest" / "canonical"
    report = ingest([canonical / "listens.csv", canonical / "daily.jsonl"], tmp_path / "out")
    assert report.tables["daily_streams"].rows_loaded  # aggregated, but not a chart
    assert report.chart_floors is None
    assert not (tmp_path / "out" / "chart_floors").exists()


def test_kworb_dates_move_back_two_days_and_the_offset_is_reported(tmp_path):
    report = ingest([CHARTS / "kworb_dailytop50_combined.csv"], tmp_path / "a")
    assert report.ingested[0].date_offset == 2
    assert report.to_json()["files"][0]["date_offset"] == 2
    assert {f[0] for f in floors(tmp_path / "a")} == {"2026-07-17"}  # file date 2026-07-19
    assert "date offset 2 days" in "\n".join(report.lines())

    kept = ingest([CHARTS / "kworb_dailytop50_combined.csv"], tmp_path / "b", date_offset=0)
    assert kept.ingested[0].date_offset == 0
    assert {f[0] for f in floors(tmp_path / "b")} == {"2026-07-19"}


def test_other_chart_dialects_are_not_shifted(tmp_path):
    report = ingest([CHARTS / "gb.csv", CHARTS / "us_data.csv"], tmp_path)
    assert {r.date_offset for r in report.ingested} == {0}
    assert {f[0] for f in floors(tmp_path)} == {
        "2019-01-01",
        "2019-01-02",
        "2017-01-01",
        "2017-01-02",
    }


def test_date_offset_overrides_every_chart_file(tmp_path):
    report = ingest([CHARTS / "gb.csv"], tmp_path, date_offset=-1)
    assert report.ingested[0].date_offset == -1
    assert [f[0] for f in floors(tmp_path)] == ["2019-01-02", "2019-01-03"]


@pytest.mark.parametrize("offset", [32, -400])
def test_implausible_date_offset_is_one_sentence(tmp_path, offset):
    with pytest.raises(ConfigError, match="--date-offset"):
        ingest([CHARTS / "gb.csv"], tmp_path / "out", date_offset=offset)
    assert not (tmp_path / "out").exists()


def test_date_offset_without_a_chart_is_an_error(tmp_path):
    canonical = Path(__file__).parent / "fixtures" / "ingest" / "canonical"
    with pytest.raises(ConfigError, match="applies to chart files"):
        ingest([canonical / "listens.csv"], tmp_path / "out", date_offset=1)


def test_cli_date_offset(tmp_path):
    from typer.testing import CliRunner

    from campaign.cli import app

    src = CHARTS / "kworb_dailytop50_combined.csv"
    result = CliRunner().invoke(
        app, ["ingest", str(src), "--out", str(tmp_path), "--date-offset", "1"]
    )
    assert result.exit_code == 0, result.output
    assert {f[0] for f in floors(tmp_path)} == {"2026-07-18"}
    bad = CliRunner().invoke(
        app, ["ingest", str(src), "--out", str(tmp_path / "x"), "--date-offset", "99"]
    )
    assert bad.exit_code != 0
    assert "Error: --date-offset 99" in bad.output
    assert "Traceback" not in bad.output


# --- hostile and random charts -------------------------------------------------------------------

chart_row = st.tuples(
    st.integers(0, 6),  # day
    st.sampled_from(["A", "B", "C", "D", "E"]),  # title
    st.one_of(st.integers(0, 10**7).map(str), st.sampled_from(["", "NA", "-5", "1,234", "x"])),
)


@settings(
    max_examples=int(os.environ.get("INGEST_EXAMPLES", "20")),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(chart_row, min_size=1, max_size=40), weekly=st.booleans())
def test_floors_match_the_loaded_rows_of_any_chart(rows, weekly):
    step = 7 if weekly else 1
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "se.csv"
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["Position", "Track Name", "Artist", "Streams", "Date"])
        for i, (d, title, streams) in enumerate(rows):
            day = date(2021, 3, 5) + timedelta(days=d * step)
            writer.writerow([i + 1, title, "Artist", streams, day.isoformat()])
        src.write_text(buffer.getvalue(), encoding="utf-8")
        report = ingest([src], Path(tmp) / "out")
        counts = report.tables["daily_streams"]
        assert counts.rows_read == len(rows) == counts.rows_loaded + counts.rows_rejected
        if not counts.rows_loaded:
            assert report.chart_floors is None or report.chart_floors == 0
            return
        got = floors(Path(tmp) / "out")
        assert [g[:4] for g in got] == floors_from_rows(Path(tmp) / "out")
        # Cadence is told from the spacing alone: a median gap of six days or more is weekly
        # (two "daily" rows six days apart cannot be told from weekly ones either).
        days = sorted({date.fromisoformat(g[0]) for g in got})
        gaps = [(b - a).days for a, b in itertools.pairwise(days)]
        spaced = bool(gaps) and statistics.median_low(gaps) >= 6
        assert {g[4] for g in got} == {"weekly" if spaced else "daily"}
        if weekly and len(days) > 1:
            assert spaced


# --- the real chart datasets ---------------------------------------------------------------------

# folder, --market, cadence, the date range its SOURCE.md gives, the offset expected
REAL = [
    ("kaggle2017_us_daily", None, "daily", ("2017-01-01", "2018-01-09"), 0),
    ("uk_daily_xmas2019_ww2020w52", "GB", "daily", ("2019-10-31", "2020-12-31"), 0),
    # SOURCE.md: files dated 2025-06-11 … 2026-08-22, scrape dates two days after the chart day
    ("kworb_asia7_daily_top50_2025_2026", None, "daily", ("2025-06-09", "2026-08-20"), 2),
    pytest.param(
        "charts2019h1_top100_20regions", None, "daily", ("2019-01-01", "2019-06-30"), 0,
        marks=pytest.mark.slow,
    ),
    pytest.param(
        "charts_fridays_2017_2019_12regions", None, "weekly", ("2017-01-06", "2019-12-27"), 0,
        marks=pytest.mark.slow,
    ),
]  # fmt: skip


@pytest.fixture(scope="module")
def real_dataset(tmp_path_factory):
    made: dict[str, tuple[Path, IngestReport]] = {}

    def make(folder: str, market: str | None) -> tuple[Path, IngestReport]:
        if folder not in made:
            out = tmp_path_factory.mktemp(folder)
            made[folder] = out, ingest([REALDATA / folder], out, market=market)
        return made[folder]

    return make


@pytest.mark.skipif(not REALDATA.is_dir(), reason="no /work/shared/realdata")
@pytest.mark.parametrize(("folder", "market", "cadence", "dates", "offset"), REAL)
def test_real_chart_floors_and_dates(real_dataset, folder, market, cadence, dates, offset):
    out, report = real_dataset(folder, market)
    assert {f.date_offset for f in report.ingested} == {offset}
    first = min(f.first_day for f in report.ingested)
    assert (first, max(f.last_day for f in report.ingested)) == dates
    got = floors(out)
    assert [g[:4] for g in got] == floors_from_rows(out)
    assert {g[4] for g in got} == {cadence}
    keys = [(g[0], g[1]) for g in got]
    assert len(keys) == len(set(keys))


def christmas_peaks(out: Path) -> dict[str, str]:
    """Per market, the day of December on which songs titled about Christmas streamed most."""
    rows = duckdb.sql(
        f"""
        SELECT market, arg_max(day, s)::VARCHAR FROM (
            SELECT market, day, sum(streams) AS s
            FROM read_parquet('{out}/daily_streams/*.parquet')
            WHERE month(day) = 12 AND lower(track_name) LIKE '%christmas%'
            GROUP BY ALL
        ) GROUP BY ALL
        """
    ).fetchall()
    return dict(rows)


@pytest.mark.skipif(not REALDATA.is_dir(), reason="no /work/shared/realdata")
@pytest.mark.parametrize(
    ("folder", "market"),
    [("kworb_asia7_daily_top50_2025_2026", None), ("uk_daily_xmas2019_ww2020w52", "GB")],
)
def test_christmas_songs_peak_on_christmas(real_dataset, folder, market):
    """With the scrape dates moved to the chart day, Christmas songs peak on the 24th or 25th
    in every market that charts them (the kworb files alone would say the 26th or 27th), and
    the datasets that carry the chart day are left as they are."""
    peaks = christmas_peaks(real_dataset(folder, market)[0])
    assert peaks
    assert {day[5:] for day in peaks.values()} <= {"12-24", "12-25"}, peaks
