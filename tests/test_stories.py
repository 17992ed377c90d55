"""The spike model on chart data: floors, censoring, novelty, tone, review, unexplained days.

Rows in → facts out, on small charts written here (the pack's own test in
queries/core/event_spike.test.toml covers re-entry, release, artist moment and artefact).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from campaign.config import CampaignConfig, PrivacySettings
from campaign.copywriter import Copywriter
from campaign.errors import InputError
from campaign.events import Event, load_event_file
from campaign.facts import Fact, collect_facts
from campaign.packs import discover_packs, pack_dirs, resolve_params
from campaign.privacy import judge
from campaign.resources import bundled_dir
from campaign.scoring import Candidate, FactsResult, Score, load_themes
from campaign.tone import REVIVAL_REVIEW, mark_tone
from campaign.unexplained import unexplained_days
from campaign.workspace import open_workspace
from tests.conftest import write_tables

CONFIG = CampaignConfig(packs=("core",))
SPIKE = next(
    p for p in discover_packs(pack_dirs(("core",), CONFIG.root)) if p.name == "event_spike"
)
THEMES = load_themes([bundled_dir("templates") / "story_themes.toml"])


def chart(rows: str, step: int = 1, days: int = 40) -> str:
    """A chart of three steady fillers (800, 900, 1000) on `days` chart days `step` days apart,
    plus `rows`: SQL selecting (d, track, artist, streams) over `d` (the chart-day index)."""
    return f"""
    SELECT DATE '2024-01-01' + INTERVAL (d * {step}) DAY AS day, 'US' AS market,
           'us-' || t AS track_id, t AS track_name, a AS artist_name, s AS streams,
           NULL AS listeners
    FROM (
        SELECT d, 'Filler' || f AS t, 'Fill' AS a, 800 + 100 * f AS s
        FROM range({days}) AS days(d), range(3) AS fillers(f)
        UNION ALL {rows}
    )
    WHERE s IS NOT NULL
    """


def spike_facts(tmp_path: Path, tables: dict[str, str], **params: object) -> list[Fact]:
    ws = open_workspace(CONFIG, write_tables(tmp_path / "data", tables))
    try:
        return collect_facts(ws, SPIKE, resolve_params(SPIKE, params), None).facts
    finally:
        ws.close()


def floors(tmp_path: Path, tables: dict[str, str]) -> list[tuple]:
    ws = open_workspace(CONFIG, write_tables(tmp_path / "data", tables))
    try:
        return ws.con.execute(
            "SELECT day, floor_streams, depth, cadence FROM chart_floors ORDER BY day"
        ).fetchall()
    finally:
        ws.close()


def test_chart_floors_are_derived_from_old_chart_data(tmp_path: Path) -> None:
    daily = floors(tmp_path / "d", {"daily_streams": chart("SELECT 0, 'x', 'y', NULL")})
    assert {(f, n, c) for _, f, n, c in daily} == {(800, 3, "daily")}
    weekly = floors(tmp_path / "w", {"daily_streams": chart("SELECT 0, 'x', 'y', NULL", 7)})
    assert {c for *_, c in weekly} == {"weekly"}


def test_complete_listener_data_has_no_floor(tmp_path: Path) -> None:
    listens = """SELECT DATE '2024-01-01' AS day, 'GB' AS market, 't' AS track_id,
                 't' AS track_name, 'a' AS artist_name, 10 AS streams, 5 AS listeners"""
    assert floors(tmp_path, {"daily_streams": listens}) == []


def test_ingested_chart_floors_are_used(tmp_path: Path) -> None:
    """A chart file that listed 200 positions, of which only some rows were kept: the floor
    ingest recorded (500) is the one an absent day is bounded by, not the lowest row kept."""
    tables = {
        "daily_streams": chart(
            "SELECT d, 'Back', 'Oldie', CASE WHEN d = 30 THEN 9000 END FROM range(40) r(d)"
        ),
        "chart_floors": """SELECT DATE '2024-01-01' + INTERVAL (d) DAY AS day, 'US' AS market,
                           500 AS floor_streams, 200 AS depth, 'daily' AS cadence
                           FROM range(40) r(d)""",
    }
    assert {f for _, f, _, _ in floors(tmp_path / "f", tables)} == {500}
    back = next(f for f in spike_facts(tmp_path, tables) if f.subject_name == "Back")
    assert back.detail["floor"] == 500
    assert back.detail["censored_days"] == back.detail["baseline_days"] == 28
    assert back.detail["level"] == 500
    assert "upper bound" in back.detail["censoring"]


def test_weekly_snapshots_take_their_level_from_the_snapshots_before(tmp_path: Path) -> None:
    rows = "SELECT d, 'Hit', 'Star', CASE WHEN d = 20 THEN 6000 ELSE 850 END FROM range(30) r(d)"
    facts = spike_facts(tmp_path, {"daily_streams": chart(rows, step=7, days=30)})
    hit = next(f for f in facts if f.subject_name == "Hit")
    assert hit.period_start == date(2024, 1, 1) + timedelta(days=140)
    assert hit.detail["baseline_days"] == 8  # baseline_snapshots, not 28 calendar days
    assert hit.detail["weekday_factor"] == 1.0
    assert hit.detail["novelty"] == "spike"


@pytest.mark.parametrize(
    ("released", "novelty"),
    [(date(2024, 1, 31), "release"), (date(2015, 5, 1), "re-entry")],
)
def test_the_catalogue_release_date_decides_release(
    tmp_path: Path, released: date, novelty: str
) -> None:
    """A debut that climbs (a shape that looks like a returning classic) is a release when the
    catalogue says it came out that day, and a re-entry when it came out years before."""
    rows = """SELECT d, 'Fresh', 'New', CASE WHEN d >= 30 THEN 3000 + 500 * (d - 30) END
              FROM range(40) r(d)"""
    tables = {
        "daily_streams": chart(rows),
        "tracks": f"SELECT 'us-Fresh' AS track_id, NULL AS explicit, NULL AS genres, "
        f"NULL AS sensitive, DATE '{released.isoformat()}' AS release_date",
    }
    first = next(
        f
        for f in spike_facts(tmp_path, tables)
        if f.subject_name == "Fresh" and f.period_start == date(2024, 1, 31)
    )
    assert first.detail["novelty"] == novelty
    assert first.detail["release_date"] == released.isoformat()


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=st.lists(st.one_of(st.none(), st.integers(800, 2000)), min_size=28, max_size=28),
    hidden=st.lists(st.integers(1, 800), min_size=28, max_size=28),
    today=st.integers(9000, 50_000),
)
def test_the_stated_ratio_is_a_lower_bound(
    tmp_path_factory: pytest.TempPathFactory, history: list, hidden: list, today: int
) -> None:
    """Whatever an absent day really had (anything up to the floor), the true ratio is at least
    the one stated: the baseline fills absent days with the floor."""
    values = ", ".join("NULL" if v is None else str(v) for v in history) + f", {today}"
    rows = f"SELECT d + 12, 'Track', 'Artist', [{values}][d + 1] FROM range(29) r(d)"
    facts = spike_facts(tmp_path_factory.mktemp("lb"), {"daily_streams": chart(rows, days=41)})
    track = next(f for f in facts if f.subject_name == "Track" and f.value == today)
    true_days = [v if v is not None else h for v, h in zip(history, hidden, strict=True)]
    true_ratio = today / (sum(true_days) / len(true_days) * track.detail["weekday_factor"])
    assert track.detail["ratio_lower"] <= true_ratio + 1e-6
    assert track.detail["censored_days"] == sum(v is None for v in history)


def fact(detail: dict, kind: str = "track", event_id: str | None = None) -> Fact:
    return Fact(
        "event_spike",
        "cohort",
        "event_spike",
        "US",
        date(2024, 3, 5),
        date(2024, 3, 5),
        event_id,
        kind,
        "t1",
        "Song",
        "Artist",
        "streams",
        5000,
        900.0,
        None,
        None,
        detail,
    )


def test_an_obituary_day_makes_its_facts_respectful(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("date,name,markets,kind\n2024-03-05,the loss of a singer,US,obituary\n")
    event = next(e for e in load_event_file(path) if e.market == "US")
    assert event.tone == "respectful"
    spike = fact({"novelty": "spike"}, event_id=event.event_id)
    mark_tone([spike], {event.event_id: event}, THEMES)
    assert spike.detail["tone"] == "respectful" and "review" not in spike.detail


def test_a_bad_tone_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("date,name,markets,tone\n2024-03-05,x,US,cheerful\n")
    with pytest.raises(InputError, match="tone 'cheerful'") as info:
        load_event_file(path)
    assert info.value.line == 2


def cluster(titles: list[str], event: Event | None = None) -> list[Fact]:
    tracks = [{"track": t, "value": 100, "baseline": 10.0, "novelty": "re-entry"} for t in titles]
    artist = fact(
        {"revival": True, "cluster": "t1", "tracks": tracks}, "artist", event and event.event_id
    )
    return [artist, fact({"revival": True, "cluster": "t1"}, event_id=event and event.event_id)]


def test_a_revival_with_no_release_waits_for_review() -> None:
    facts = cluster(["Hurt", "Sad Song"])
    mark_tone(facts, {}, THEMES)
    assert all(f.detail["review"] == [REVIVAL_REVIEW] for f in facts)
    assert all(f.detail["tone"] == "respectful" for f in facts)
    verdict = judge(facts[0], PrivacySettings(), None)
    assert verdict.passed and verdict.needs_review and verdict.status == "review"
    assert REVIVAL_REVIEW in verdict.reasons


def test_holiday_music_in_its_season_is_no_tragedy() -> None:
    seasonal = cluster(["Jingle Bells", "Silent Night"])
    christmas = Event(date(2024, 3, 5), "US", "holiday", {"en": "Christmas Day"}, "x")
    on_holiday = cluster(["Hurt", "Sad Song"], christmas)
    mark_tone(seasonal, {}, THEMES)
    mark_tone(on_holiday, {christmas.event_id: christmas}, THEMES)
    assert not any("review" in f.detail for f in seasonal + on_holiday)


def candidate(f: Fact, surprise: float = 0.9) -> Candidate:
    verdict = judge(f, PrivacySettings(), None)
    scores = {"surprise": Score(surprise), "total": Score(surprise)}
    return Candidate(f, None, scores, verdict)


def test_review_and_artefact_stay_out_of_the_shortlist() -> None:
    review = fact({"review": [REVIVAL_REVIEW]})
    artefact = fact({"artefact": "chart artefact: Song - Remix vanished"})
    plain = fact({})
    result = FactsResult(CONFIG, [], [candidate(review), candidate(artefact), candidate(plain)], {})
    assert [c.fact.detail for c in result.shortlist()] == [{}]
    withheld = judge(artefact, PrivacySettings(), None)
    assert not withheld.passed and "chart artefact" in withheld.reasons[0]


@settings(max_examples=25)
@given(
    value=st.integers(1, 10**7),
    respectful=st.booleans(),
    kind=st.sampled_from(["track", "artist"]),
    locale=st.sampled_from(["en", "nl", "fr", "fi"]),
)
def test_respectful_copy_only_and_always_for_respectful_facts(
    value: int, respectful: bool, kind: str, locale: str
) -> None:
    detail = {"novelty": "re-entry"} | ({"tone": "respectful"} if respectful else {})
    f = replace(fact(detail, kind), value=value, baseline=10.0)
    copy = Copywriter().write(f, None, locale)
    assert (copy.variant == "respectful") == respectful
    if respectful:
        assert copy.signoff == ""


def test_unexplained_days_are_the_strongest_spikes_off_the_calendar() -> None:
    def scored(
        market: str,
        day: int,
        surprise: float,
        novelty: str,
        event: str | None = None,
        artefact: str | None = None,
    ) -> SimpleNamespace:
        f = Fact(
            "event_spike",
            "cohort",
            "event_spike",
            market,
            date(2024, 3, day),
            date(2024, 3, day),
            event,
            "track",
            f"{market}{day}{novelty}",
            f"Song {day}",
            "Artist",
            "streams",
            5000,
            900.0,
            None,
            None,
            {"novelty": novelty, "ratio_lower": 5.0, "artefact": artefact},
        )
        return SimpleNamespace(fact=f, event=None, scores={"surprise": Score(surprise)})

    found = unexplained_days(
        [
            scored("US", 1, 0.5, "release"),
            scored("US", 1, 0.4, "release"),
            scored("US", 2, 0.9, "re-entry"),
            scored("US", 3, 0.99, "spike", event="holiday:x"),
            scored("US", 4, 0.99, "spike", artefact="chart artefact"),
        ]
    )
    assert [(d.day.day, d.looks_like) for d in found] == [(2, "revival"), (1, "release")]
    record = found[1].to_json()
    assert record["events_line"] == "2024-03-01,<name this day>,US,release"
    assert [s["name"] for s in record["subjects"]] == ["Song 1", "Song 1"]


def test_campaign_facts_prints_the_unexplained_days(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from campaign.cli import app

    rows = "SELECT d, 'Hit', 'Star', CASE WHEN d = 30 THEN 9000 ELSE 850 END FROM range(40) r(d)"
    files = write_tables(tmp_path, {"daily_streams": chart(rows)})
    result = CliRunner().invoke(
        app, ["facts", "--data", str(files[0]), "--unexplained", "3", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    assert "Unexplained: US 2024-01-31 looks like a spike: Hit (spike, at least" in result.output
    assert "2024-01-31,<name this day>,US,news" in result.output


def test_a_catalogue_without_release_dates_still_reads(tmp_path: Path) -> None:
    """A tracks file written before `release_date` existed: the column reads as NULL."""
    import duckdb

    files = write_tables(tmp_path, {"daily_streams": chart("SELECT 0, 'x', 'y', NULL")})
    old = tmp_path / "tracks.parquet"
    with duckdb.connect() as con:
        con.execute(
            f"COPY (SELECT 'us-Filler0' AS track_id, false AS explicit, ['pop'] AS genres, "
            f"false AS sensitive) TO '{old}' (FORMAT parquet)"
        )
    ws = open_workspace(CONFIG, [*files, old])
    try:
        assert ws.con.execute("SELECT release_date FROM tracks").fetchall() == [(None,)]
    finally:
        ws.close()
