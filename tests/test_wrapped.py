"""campaign wrapped: one listener's year, from a generated export with planted habits."""

from __future__ import annotations

import json
import re
from collections import Counter
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from campaign.cli import app
from campaign.errors import InputError
from campaign.output.folder import MARKER
from campaign.wrapped.build import make_wrapped
from tests.wrapped_export import TRACKS, generate_plays, write_export

YEAR = 2024
PLANTED = {
    "repeat_day": date(YEAR, 2, 14),
    "repeat_plays": 25,
    "streak_start": date(YEAR, 5, 1),
    "streak_days": 12,
}
runner = CliRunner()


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    plays = generate_plays(seed=3, year=YEAR, planted=PLANTED)
    folder = tmp_path_factory.mktemp("export") / "someone"
    write_export(folder, plays)
    return folder, plays


@pytest.fixture(scope="module")
def story(export, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder, _ = export
    out = tmp_path_factory.mktemp("out") / "story"
    make_wrapped([folder], out)
    return {"out": out, "json": json.loads((out / "wrapped.json").read_text())}


def _cards(story: dict) -> dict[str, dict]:
    return {card["kind"]: card for card in story["json"]["cards"]}


def test_a_story_of_cards_with_images_and_page(story: dict) -> None:
    out, record = story["out"], story["json"]
    assert record["year"] == YEAR and record["market"] == "GB"
    assert record["time_zone"] == {"zone": "Europe/London", "from": "market"}
    assert len(record["cards"]) >= 6
    for card in record["cards"]:
        assert (out / card["image"]).is_file()
        assert card["copy"]["headline"] and card["copy"]["counted"]
        assert card["sql"]
    assert (out / "index.html").is_file() and (out / MARKER).is_file()


def test_numbers_match_a_count_made_without_the_tool(export, story: dict) -> None:
    """Streams (≥ 30 s) in the listener's local year, top track and busiest day, counted here."""
    _, plays = export
    london = ZoneInfo("Europe/London")
    streams = [p for p in plays if p.ms >= 30000 and p.start.astimezone(london).year == YEAR]
    cards = _cards(story)
    assert cards["minutes"]["facts"]["streams"] == len(streams)
    assert cards["minutes"]["facts"]["minutes"] == round(sum(p.ms for p in streams) / 60000)
    by_track = Counter(p.track for p in streams)
    top = cards["top_tracks"]["facts"]["items"][0]
    assert top["streams"] == max(by_track.values())
    assert top["name"] in {TRACKS[t][0] for t, n in by_track.items() if n == top["streams"]}
    by_day = Counter(p.start.astimezone(london).date() for p in streams)
    assert cards["busiest_day"]["facts"]["streams"] == max(by_day.values())
    skips = [p for p in plays if p.start.astimezone(london).year == YEAR and p.skipped]
    assert cards["skips"]["facts"]["skips"] == len(skips)


def test_the_planted_habits_are_found_by_the_packs(story: dict) -> None:
    cards = _cards(story)
    repeat = cards["repeat_on_day"]
    assert repeat["facts"]["value"] == PLANTED["repeat_plays"]
    assert repeat["facts"]["first_day"] == PLANTED["repeat_day"].isoformat()
    assert repeat["facts"]["event"]["name"] == "Valentine's Day"
    assert "25 times on Valentine's Day" in repeat["copy"]["headline"]
    assert 0 < repeat["surprise"] <= 1
    streak = cards["streak"]
    assert streak["facts"]["value"] == PLANTED["streak_days"]
    assert streak["facts"]["subject"] == TRACKS[57][0]


def test_nothing_identifies_the_listener_or_the_moment(story: dict) -> None:
    for name in ("wrapped.json", "index.html"):
        text = (story["out"] / name).read_text()
        assert "u:" not in re.sub(r"[a-z]u:", "", text)  # no pseudonym
        assert not re.search(r"\d{2}:\d{2}:\d{2}", text)  # no exact time
        assert "someone" not in text  # not the export's folder name


def test_refuses_a_folder_it_did_not_make(export, tmp_path: Path) -> None:
    folder, _ = export
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    result = runner.invoke(app, ["wrapped", str(folder), "--out", str(mine)])
    assert result.exit_code == 1
    assert "was not made by campaign" in result.output and "Traceback" not in result.output
    assert (mine / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_replaces_its_own_folder(export, tmp_path: Path) -> None:
    folder, _ = export
    out = tmp_path / "story"
    for _ in range(2):
        result = runner.invoke(app, ["wrapped", str(folder), "--out", str(out), "--locale", "fr"])
        assert result.exit_code == 0, result.output
    assert json.loads((out / "wrapped.json").read_text())["locale"] == "fr"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["story"]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--tz", "Mars/Olympus"], "is not a time zone"),
        (["--locale", "xx"], "has no wrapped template"),
        (["--year", "1999"], "--year 1999 has no streams"),
        (["--user", "nobody", "--all"], "--all takes one ingested dataset"),
        (["--engine", "spark"], "engine spark is for the --all batch"),
        (["--engine", "spark", "--all"], "--all takes one ingested dataset"),
        (["--engine", "flink"], "must be one of duckdb, spark"),
    ],
)
def test_bad_options_are_one_sentence(export, tmp_path: Path, options, message) -> None:
    folder, _ = export
    result = runner.invoke(app, ["wrapped", str(folder), "--out", str(tmp_path / "o"), *options])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "o").exists()


def test_a_missing_source_is_one_sentence(tmp_path: Path) -> None:
    result = runner.invoke(app, ["wrapped", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "no such file or folder" in result.output


def test_same_export_same_story(export, story: dict, tmp_path: Path) -> None:
    folder, _ = export
    again = tmp_path / "again"
    make_wrapped([folder], again)
    assert (again / "wrapped.json").read_text() == (story["out"] / "wrapped.json").read_text()
    for png in sorted((story["out"] / "cards").glob("*.png")):
        assert (again / "cards" / png.name).read_bytes() == png.read_bytes()


def test_own_time_zone_moves_the_days(export, tmp_path: Path) -> None:
    """--tz is used for the listener's days: late-evening UTC plays land on the next day."""
    folder, plays = export
    out = tmp_path / "tokyo"
    make_wrapped([folder], out, tz="Asia/Tokyo")
    record = json.loads((out / "wrapped.json").read_text())
    assert record["time_zone"] == {"zone": "Asia/Tokyo", "from": "--tz"}
    tokyo = ZoneInfo("Asia/Tokyo")
    hours = Counter(
        p.start.astimezone(tokyo).hour
        for p in plays
        if p.ms >= 30000 and p.start.astimezone(tokyo).year == YEAR
    )
    clock = next(c for c in record["cards"] if c["kind"] == "clock")
    assert clock["facts"]["hours"] == [hours.get(h, 0) for h in range(24)]
    assert "your time zone (Asia/Tokyo)" in clock["copy"]["counted"]


@settings(max_examples=40)
@given(st.lists(st.dates(date(2021, 1, 1), date(2024, 12, 31)), min_size=1, max_size=600))
def test_the_year_told_is_the_last_full_one_else_the_latest_with_enough(days) -> None:
    """Full: the history spans the year (a quiet first week of January does not make it
    partial; a history that ends in May does)."""
    import duckdb

    from campaign.wrapped.cohort import (
        FULL_YEAR_SLACK_DAYS,
        MIN_YEAR_STREAMS,
        YEARS_SQL,
        YearRow,
        choose_year,
    )

    con = duckdb.connect()
    con.execute("CREATE TABLE all_listens (user_id VARCHAR, played_at TIMESTAMPTZ, ms_played INT)")
    con.execute("CREATE TABLE listener_zones AS SELECT 'u' AS user_id, 'UTC' AS tz")
    con.executemany(
        "INSERT INTO all_listens VALUES ('u', CAST(? AS TIMESTAMP) + INTERVAL 12 HOUR, 60000)",
        [[d] for d in days],
    )
    rows = [
        YearRow(*row[1:5], tuple(row[5]) if row[5] else None)
        for row in con.execute(YEARS_SQL, {"min_ms": 30000}).fetchall()
    ]
    by_year = Counter(d.year for d in days)
    enough = [y for y, n in by_year.items() if n >= MIN_YEAR_STREAMS]
    full = [
        y
        for y in enough
        if (min(days) - date(y, 1, 1)).days < FULL_YEAR_SLACK_DAYS
        and (date(y, 12, 31) - max(days)).days < FULL_YEAR_SLACK_DAYS
    ]
    if not enough:
        with pytest.raises(InputError, match="no year holds"):
            choose_year(rows, None, 30000)
        return
    assert choose_year(rows, None, 30000) == (max(full) if full else max(enough))


def test_a_market_without_copy_says_so_and_is_told_in_english(export, tmp_path: Path) -> None:
    """Poland's language has no wrapped template yet: a warning and the record say so."""
    folder, _ = export
    out = tmp_path / "pl"
    result = runner.invoke(app, ["wrapped", str(folder), "--out", str(out), "--market", "PL"])
    assert result.exit_code == 0, result.output
    assert "no wrapped copy in 'pl'" in result.output
    record = json.loads((out / "wrapped.json").read_text())
    assert record["locale"] == "en" and record["missing_translation"] == "pl"
