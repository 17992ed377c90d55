"""Synthetic charts with planted truth (`campaign synth --charts N`), and recall on them.

At seeds the plant sizes were not tuned on: the charts are well formed (a top N on every
market-day, floors that match the rows), every planted story is in the written chart as the
truth file says, and then `campaign facts` must rank every planted re-entry, revival, artist
moment and release in the top 5 spike-like facts of its market-day and withhold every artefact.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from campaign.cli import app
from campaign.errors import ConfigError
from campaign.schema import CHART_FLOORS, DAILY_STREAMS, TRACKS
from campaign.synth import SynthSpec, generate

SEEDS = (11, 23, 37)
DEPTH = 50
PLANTS = 3
MARKETS = ("GB", "US", "SE")
CHART_KINDS = (
    "chart_reentry",
    "chart_revival",
    "chart_artist_moment",
    "chart_release",
    "chart_album_release",
    "chart_artefact",
)
STORY_KINDS = CHART_KINDS[:-1]
ARTIST_KINDS = ("chart_revival", "chart_artist_moment", "chart_album_release")  # subject: artist
SPIKE_PACKS = ("event_spike", "release_day")  # the packs of spike-like facts before `novelty`
TOP = 5


@pytest.fixture(scope="module", params=SEEDS)
def charts(request, tmp_path_factory) -> tuple[Path, list[dict]]:
    out = tmp_path_factory.mktemp(f"charts-{request.param}") / "listens.parquet"
    spec = SynthSpec(
        plays=20_000,
        users=2_000,
        markets=MARKETS,
        plants_per_kind=PLANTS,
        seed=request.param,
        charts=DEPTH,
    )
    result = generate(spec, out)
    assert result.charts is not None
    truth = json.loads(result.truth.read_text(encoding="utf-8"))
    return result.charts, [e for e in truth if e["kind"].startswith("chart_")]


def sql(folder: Path, query: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect()
    for table in ("daily_streams", "chart_floors", "tracks"):
        con.execute(
            f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{folder}/{table}.parquet')"
        )
    return con.execute(query, params or []).fetchall()


# --- the charts and the truth, without any model -------------------------------------------------


def test_tables_have_the_canonical_schemas(charts):
    folder, _ = charts
    for table in (DAILY_STREAMS, CHART_FLOORS, TRACKS):
        described = sql(folder, f"DESCRIBE SELECT * FROM {table.name}")
        assert [(r[0], r[1]) for r in described] == [(c.name, c.type) for c in table.columns]


def test_a_top_n_on_every_market_day(charts):
    folder, _ = charts
    per_day = sql(
        folder,
        "SELECT market, count(DISTINCT day), min(n), max(n) FROM (SELECT market, day, count(*) n, "
        "count(DISTINCT track_id) d FROM daily_streams GROUP BY ALL HAVING n = d) GROUP BY market",
    )
    days = (date(2025, 1, 1) - date(2024, 1, 1)).days
    assert sorted(per_day) == [(m, days, DEPTH, DEPTH) for m in sorted(MARKETS)]
    assert sql(folder, "SELECT count(*) FROM daily_streams WHERE streams <= 0")[0][0] == 0


def test_floors_match_the_rows(charts):
    folder, _ = charts
    mismatched = sql(
        folder,
        """SELECT count(*) FROM chart_floors f FULL JOIN (
               SELECT day, market, min(streams) lo, count(*) n FROM daily_streams GROUP BY ALL
           ) s USING (day, market)
           WHERE f.floor_streams IS DISTINCT FROM s.lo OR f.depth IS DISTINCT FROM s.n
              OR f.cadence IS DISTINCT FROM 'daily'""",
    )
    assert mismatched == [(0,)]


def test_truth_lists_every_chart_kind(charts):
    _, truth = charts
    kinds = {k: sum(e["kind"] == k for e in truth) for k in CHART_KINDS}
    assert kinds == dict.fromkeys(CHART_KINDS, PLANTS)
    keys = {
        "kind",
        "market",
        "day",
        "track_name",
        "artist_name",
        "value",
        "ratio_lower_bound",
        "role",
    }
    for entry in truth:
        assert keys <= set(entry)
        assert entry["role"] == ("artefact" if entry["kind"] == "chart_artefact" else "anomaly")
        assert not {"user_id", "played_at"} & set(entry)


def level_bound(folder: Path, market: str, day: str, track_ids: list[str]) -> float:
    """The tracks' level over the 28 days before, an absent day counted at the floor (Python,
    apart from the measure's SQL)."""
    first = date.fromisoformat(day) - timedelta(days=28)
    floors = dict(
        sql(folder, "SELECT day, floor_streams FROM chart_floors WHERE market = ? AND day >= ? "
            "AND day < ?", [market, first, date.fromisoformat(day)])
    )  # fmt: skip
    listed = {
        (d, t): s
        for d, t, s in sql(
            folder,
            "SELECT day, track_id, streams FROM daily_streams WHERE market = ? AND day >= ? "
            "AND day < ? AND list_contains(?, track_id)",
            [market, first, date.fromisoformat(day), track_ids],
        )
    }
    return sum(listed.get((d, t), f) for d, f in floors.items() for t in track_ids) / len(floors)


def subject_rows(folder: Path, entry: dict) -> list[tuple]:
    """(track_id, title, streams) of the entry's subject listed on its day."""
    column = "artist_name" if entry["kind"] in ARTIST_KINDS else "track_name"
    names = entry.get("tracks") or [entry["track_name"]]
    return sql(
        folder,
        f"SELECT track_id, track_name, streams FROM daily_streams WHERE market = ? AND day = ? "
        f"AND {column} = ? AND list_contains(?, track_name)",
        [entry["market"], date.fromisoformat(entry["day"]), entry["track_name"], names],
    )


def test_planted_rows_are_in_the_chart_at_their_measured_size(charts):
    folder, truth = charts
    for entry in truth:
        rows = subject_rows(folder, entry)
        assert len(rows) == len(entry.get("tracks") or [1]), entry
        assert sum(r[2] for r in rows) == entry["value"], entry
        if entry["role"] == "anomaly":
            bound = level_bound(folder, entry["market"], entry["day"], [r[0] for r in rows])
            assert entry["value"] / bound >= 2.5, entry
            assert entry["ratio_lower_bound"] == pytest.approx(entry["value"] / bound, abs=0.01)


def test_each_kind_has_its_shape(charts):
    folder, truth = charts
    for e in truth:
        day = date.fromisoformat(e["day"])
        before = [e["market"], day - timedelta(days=28), day]
        if e["kind"] in ("chart_release", "chart_album_release"):
            assert day.weekday() == 4  # new music Friday
            titles = e.get("tracks") or [e["track_name"]]
            earlier = sql(folder, "SELECT count(*) FROM daily_streams WHERE day < ? AND "
                          "list_contains(?, track_name)", [day, titles])  # fmt: skip
            assert earlier == [(0,)]  # did not exist before
            known = sql(folder, "SELECT DISTINCT t.release_date FROM tracks t JOIN daily_streams "
                        "s USING (track_id) WHERE list_contains(?, s.track_name)",
                        [titles])  # fmt: skip
            assert known == [(day if e["release_date_known"] else None,)]
        elif e["kind"] == "chart_reentry":
            absent = sql(folder, "SELECT count(*) FROM daily_streams WHERE market = ? AND day >= ? "
                         "AND day < ? AND track_name = ?", [*before, e["track_name"]])  # fmt: skip
            assert absent == [(0,)]
        elif e["kind"] in ("chart_revival", "chart_artist_moment"):
            assert len(e["tracks"]) >= (3 if e["kind"] == "chart_revival" else 2)
        elif e["kind"] == "chart_artefact":
            dropped = sql(folder, "SELECT count(*) FROM daily_streams WHERE market = ? AND day = ? "
                          "AND track_name = ?", [e["market"], day, e["dropped"]])  # fmt: skip
            assert dropped == [(0,)]  # the sibling version is gone that day ...
            the_day_before = sql(folder, "SELECT count(*) FROM daily_streams WHERE market = ? AND "
                                 "day = ? AND track_name = ?",
                                 [e["market"], day - timedelta(days=1), e["dropped"]])  # fmt: skip
            assert the_day_before == [(1,)]  # ... and was listed the day before
            assert e["track_name"].startswith(e["dropped"])


def test_same_seed_same_chart_bytes(tmp_path):
    spec = {"plays": 5_000, "users": 500, "markets": ("GB", "NL"), "plants_per_kind": 1}
    a = generate(SynthSpec(**spec, seed=5, charts=20), tmp_path / "a" / "l.parquet")
    b = generate(SynthSpec(**spec, seed=5, charts=20), tmp_path / "b" / "l.parquet")
    assert a.charts and b.charts
    for path in a.charts.iterdir():
        assert (b.charts / path.name).read_bytes() == path.read_bytes(), path.name
    assert a.truth.read_bytes() == b.truth.read_bytes()


@pytest.mark.parametrize("depth", ["9", "0", "-5", "100000", "ten"])
def test_charts_depth_is_validated_in_one_sentence(tmp_path, depth):
    out = tmp_path / "l.parquet"
    result = CliRunner().invoke(app, ["synth", "--out", str(out), "--plays", "1000", "--users",
                                      "1000", "--charts", depth])  # fmt: skip
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    assert not out.exists()
    if depth != "ten":
        assert f"Error: --charts {depth} is not a chart depth" in result.output


# --- recall: needs the censoring-aware spike model ----------------------------------------------


@pytest.fixture(scope="module")
def ranked(charts) -> list[dict]:
    folder, _ = charts
    result = CliRunner().invoke(
        app, ["facts", "--data", str(folder), "--top", "1000000", "--json", "-q"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def spike_like(fact: dict) -> bool:
    detail = fact.get("detail") or {}
    novelty = detail.get("novelty") if isinstance(detail, dict) else None
    one_day = fact["period_start"] == fact["period_end"]
    return one_day and (novelty in ("spike", "re-entry", "release") or fact["pack"] in SPIKE_PACKS)


def matches(fact: dict, entry: dict) -> bool:
    if entry["kind"] in ARTIST_KINDS:
        return entry["track_name"] in (fact["subject_name"], fact["artist_name"])
    return (
        fact["subject_name"] == entry["track_name"] and fact["artist_name"] == entry["artist_name"]
    )


def test_the_facts_run_on_synthetic_charts(ranked):
    assert ranked  # the pipeline reads the charts folder as a dataset


def test_every_planted_story_is_in_the_top_5_of_its_market_day(charts, ranked):
    _, truth = charts
    missed = []
    for entry in (e for e in truth if e["kind"] in STORY_KINDS):
        day = [f for f in ranked if spike_like(f) and f["market"] == entry["market"]
               and f["period_start"] == entry["day"]]  # fmt: skip
        day.sort(key=lambda f: f["rank"])
        if not any(matches(f, entry) for f in day[:TOP]):
            missed.append((entry["kind"], entry["market"], entry["day"], entry["track_name"]))
    assert not missed


def test_every_planted_artefact_is_withheld(charts, ranked):
    _, truth = charts
    published = [
        e["track_name"]
        for e in truth
        if e["kind"] == "chart_artefact"
        and any(
            matches(f, e) and f["privacy"]["passed"] and f["market"] == e["market"]
            and f["period_start"] <= e["day"] <= f["period_end"] and spike_like(f)
            for f in ranked
        )
    ]  # fmt: skip
    assert not published


@settings(max_examples=40)
@given(depth=st.integers(-(10**6), 10**6))
def test_spec_takes_a_chart_depth_from_10_to_a_tenth_of_the_catalogue(depth):
    spec = {"plays": 10_000, "users": 1_000, "markets": ("GB",), "tracks": 1_000}
    if 10 <= depth <= 100:
        assert SynthSpec(**spec, charts=depth).charts == depth
    else:
        with pytest.raises(ConfigError, match=f"--charts {depth} is not a chart depth"):
            SynthSpec(**spec, charts=depth)
