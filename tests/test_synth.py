"""campaign synth: schema, determinism, planted truth, and that the data looks like listening."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from campaign import schema
from campaign.events import build_calendar
from campaign.markets import market_timezone
from campaign.synth import REGISTRY, SynthSpec, generate, output_paths, register
from campaign.synth.population import release_ramp
from campaign.synth.rhythm import local_to_utc_us, utc_offsets_us

SMALL = SynthSpec(plays=100_000, users=5_000, tracks=5_000, seed=7)
TINY = SynthSpec(plays=20_000, users=1_500, tracks=1_000, plants_per_kind=2, seed=3)
TZ_CASE = " ".join(f"WHEN '{m}' THEN '{market_timezone(m)}'" for m in SMALL.markets)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    out = tmp_path_factory.mktemp("synth") / "listens.parquet"
    result = generate(SMALL, out)
    con = duckdb.connect()
    con.execute(
        f"""CREATE VIEW l AS SELECT *, timezone(CASE market {TZ_CASE} END, played_at) AS local
            FROM read_parquet('{result.listens}')"""
    )
    con.execute(f"CREATE VIEW u AS SELECT * FROM read_parquet('{result.users}')")
    con.execute(
        """CREATE VIEW streams AS SELECT l.*, local::DATE AS day FROM l WHERE ms_played >= 30000"""
    )
    truth = json.loads(result.truth.read_text())
    yield result, con, truth
    con.close()


def _described(path: Path) -> list[tuple[str, str]]:
    rows = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    return [(r[0], r[1].replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")) for r in rows]


def test_schema_matches_the_contract(small):
    result, con, _ = small
    assert result.listens.name == "listens.parquet"
    assert (result.truth.name, result.users.name) == ("listens.truth.json", "listens.users.parquet")
    assert output_paths(result.listens) == (result.listens, result.truth, result.users)
    for path, table in ((result.listens, schema.LISTENS), (result.users, schema.USERS)):
        assert _described(path) == [(c.name, c.type) for c in table.columns]
        arrow = pq.read_schema(path)
        assert arrow.names == table.names
        assert [f.name for f in arrow if not f.nullable] == table.required
    assert pq.read_schema(result.listens).field("played_at").type == pa.timestamp("us", tz="UTC")
    nulls = con.execute(
        """SELECT count(*) FILTER (WHERE user_id IS NULL OR track_id IS NULL OR market IS NULL
                  OR ms_played IS NULL OR skipped IS NULL OR platform IS NULL), count(*) FROM l"""
    ).fetchone()
    assert nulls[0] == 0 and nulls[1] == result.plays


def test_ids_names_and_plays_look_real(small):
    _, con, _ = small
    bad_track = con.execute(
        "SELECT count(*) FROM l "
        "WHERE NOT regexp_full_match(track_id, 'spotify:track:[0-9A-Za-z]{22}')"
    ).fetchone()[0]
    bad_user = con.execute(
        r"SELECT count(*) FROM u WHERE NOT regexp_full_match(user_id, 'u[0-9]+')"
    )
    assert bad_track == 0 and bad_user.fetchone()[0] == 0
    # one id, one title; titles and artists are readable words, some of them themed
    ids, names, themed = con.execute(
        """SELECT count(DISTINCT track_id), count(DISTINCT track_name),
                  count(DISTINCT track_name) FILTER (WHERE regexp_matches(track_name,
                      'Christmas|Love|Valentine|Halloween|New Year'))
           FROM l"""
    ).fetchone()
    assert ids == names and themed >= 20
    assert con.execute("SELECT count(*) FROM l WHERE album_name IS NULL").fetchone()[0] == 0
    short, skipped, full_median, lo, hi = con.execute(
        """SELECT avg((ms_played < 30000)::INT), avg(skipped::INT),
                  median(ms_played) FILTER (WHERE NOT skipped),
                  quantile_cont(ms_played, 0.1) FILTER (WHERE NOT skipped),
                  quantile_cont(ms_played, 0.9) FILTER (WHERE NOT skipped) FROM l"""
    ).fetchone()
    assert 0.12 < short < 0.35 and short <= skipped
    assert lo > 120_000 and hi < 300_000 and 150_000 < full_median < 260_000
    platforms = {r[0] for r in con.execute("SELECT DISTINCT platform FROM l").fetchall()}
    assert {"android", "ios"} <= platforms


def test_same_seed_same_bytes(tmp_path: Path):
    first = generate(TINY, tmp_path / "a" / "listens.parquet")
    again = generate(TINY, tmp_path / "b" / "listens.parquet")
    other = generate(
        SynthSpec(**{**TINY.__dict__, "seed": TINY.seed + 1}), tmp_path / "c" / "listens.parquet"
    )
    for a, b, c in zip(
        (first.listens, first.truth, first.users),
        (again.listens, again.truth, again.users),
        (other.listens, other.truth, other.users),
        strict=True,
    ):
        assert a.read_bytes() == b.read_bytes()
        assert a.read_bytes() != c.read_bytes()
    assert not list(tmp_path.glob("*/.*partial"))
    # and in another process, with another string-hash seed
    code = (
        "import sys; from pathlib import Path; from campaign.synth import SynthSpec, generate; "
        f"generate(SynthSpec(**{TINY.__dict__!r}), Path(sys.argv[1]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "d" / "listens.parquet")],
        check=True,
        env=env,
        cwd=Path(__file__).parent.parent,
    )
    assert (tmp_path / "d" / "listens.parquet").read_bytes() == first.listens.read_bytes()
    assert (tmp_path / "d" / "listens.truth.json").read_bytes() == first.truth.read_bytes()


def test_truth_file_is_sorted_and_carries_no_user_id(small):
    result, con, truth = small
    text = result.truth.read_text()
    assert text == json.dumps(truth, indent=2, ensure_ascii=False) + "\n"
    assert all(set(e) == {"kind", "market", "day", "track_name", "value", "role"} for e in truth)
    keys = [(e["kind"], e["role"], e["market"], e["day"], e["track_name"]) for e in truth]
    assert keys == sorted(keys)
    assert not re.search(r"\bu\d+\b", text)
    user_ids = {r[0] for r in con.execute("SELECT user_id FROM u").fetchall()}
    assert not any(str(v) in user_ids for e in truth for v in e.values())
    roles = {(e["kind"], e["role"]) for e in truth}
    assert roles == {
        ("event_spike", "anomaly"),
        ("event_spike", "decoy"),
        ("repeat_on_day", "anomaly"),
        ("repeat_on_day", "opted_out"),
        ("repeat_on_day", "under_age"),
    }
    n = SMALL.plants_per_kind
    assert sum(e["role"] == "anomaly" for e in truth) == 2 * n == result.anomalies


def _listeners(con, market: str, track: str, day: str) -> int:
    return con.execute(
        """SELECT count(DISTINCT user_id) FROM streams
           WHERE market = ? AND track_name = ? AND day = ?::DATE""",
        [market, track, day],
    ).fetchone()[0]


def test_event_spikes_are_in_the_data(small):
    _, con, truth = small
    spikes = [e for e in truth if e["kind"] == "event_spike" and e["role"] == "anomaly"]
    events = {(e.market, e.day.isoformat()) for e in build_calendar(SMALL.markets, [SMALL.year])}
    for e in spikes:
        assert (e["market"], e["day"]) in events
        assert _listeners(con, e["market"], e["track_name"], e["day"]) == e["value"] >= 60
        day = date.fromisoformat(e["day"])
        assert day >= date(SMALL.year, 2, 1)
        history = con.execute(
            """SELECT count(DISTINCT (user_id, day)), count(*) FROM streams
               WHERE market = ? AND track_name = ? AND day >= ?::DATE - 28 AND day < ?::DATE""",
            [e["market"], e["track_name"], e["day"], e["day"]],
        ).fetchone()
        usual = history[0] / 28
        assert history[1] > 0, "a spike needs some history"
        assert e["value"] >= 4 * max(usual, 1)
        rank = con.execute(
            """SELECT rank FROM (SELECT track_name, rank() OVER (ORDER BY count(*) DESC) AS rank
               FROM streams WHERE market = ? AND day < ?::DATE GROUP BY track_name)
               WHERE track_name = ?""",
            [e["market"], e["day"], e["track_name"]],
        ).fetchone()[0]
        assert 30 <= rank <= 3000, "a spike is a known track, not a hit"
    assert len({(e["market"], e["day"]) for e in spikes}) == len(spikes)


def test_repeats_are_in_the_data_and_spread_over_the_day(small):
    _, con, truth = small
    repeats = [e for e in truth if e["kind"] == "repeat_on_day"]
    events = {(e.market, e.day.isoformat()) for e in build_calendar(SMALL.markets, [SMALL.year])}
    for e in repeats:
        plays, user, first, last = con.execute(
            """SELECT count(*) AS n, user_id, min(local), max(local) FROM streams
               WHERE market = ? AND track_name = ? AND day = ?::DATE
               GROUP BY user_id ORDER BY n DESC LIMIT 1""",
            [e["market"], e["track_name"], e["day"]],
        ).fetchone()
        assert plays == e["value"]
        assert last - first >= timedelta(hours=3)
        opted_out, born = con.execute(
            "SELECT opted_out, birth_year FROM u WHERE user_id = ?", [user]
        ).fetchone()
        if e["role"] == "anomaly":
            assert 30 <= plays <= 60 and not opted_out and born <= SMALL.year - 18
        else:
            assert plays >= 70
            assert opted_out if e["role"] == "opted_out" else born > SMALL.year - 18
    anomalies = [e for e in repeats if e["role"] == "anomaly"]
    on_events = sum((e["market"], e["day"]) in events for e in anomalies)
    assert on_events == math.ceil(len(anomalies) / 2)


def test_decoys(small):
    _, con, truth = small
    decoys = [e for e in truth if e["kind"] == "event_spike" and e["role"] == "decoy"]
    releases = tops = 0
    for e in decoys:
        assert _listeners(con, e["market"], e["track_name"], e["day"]) == e["value"]
        before = con.execute(
            "SELECT count(*) FROM streams WHERE track_name = ? AND day < ?::DATE",
            [e["track_name"], e["day"]],
        ).fetchone()[0]
        rank = con.execute(
            """SELECT rank FROM (SELECT track_name, rank() OVER (ORDER BY count(*) DESC) AS rank
               FROM streams WHERE market = ? AND day < ?::DATE AND day >= ?::DATE - 28
               GROUP BY track_name) WHERE track_name = ?""",
            [e["market"], e["day"], e["day"], e["track_name"]],
        ).fetchone()
        if before == 0:  # a release: nothing before, a big first day
            releases += 1
            assert e["value"] >= 60
        else:  # a hit on an ordinary good day
            tops += 1
            assert rank[0] <= 15
    assert releases >= 1 and tops >= 1


def test_plants_outrank_natural_extremes(small):
    """Every anomaly ranks in the top 20 of a plain version of its pack, on the data the
    workspace keeps (opted-out and under-age listeners removed)."""
    _, con, truth = small
    con.execute(
        f"""CREATE OR REPLACE TEMP VIEW kept AS SELECT s.* FROM streams s JOIN u USING (user_id)
            WHERE NOT u.opted_out AND u.birth_year <= {SMALL.year - 18}"""
    )
    top_repeats = con.execute(
        """SELECT market, day::VARCHAR, track_name, count(*) AS n FROM kept
           GROUP BY user_id, market, day, track_name ORDER BY n DESC LIMIT 20"""
    ).fetchall()
    top_keys = {r[:3] for r in top_repeats}
    for e in truth:
        key = (e["market"], e["day"], e["track_name"])
        if e["kind"] == "repeat_on_day":
            assert (key in top_keys) == (e["role"] == "anomaly")
    natural_max = max(
        r[3]
        for r in top_repeats
        if r[:3] not in {(e["market"], e["day"], e["track_name"]) for e in truth}
    )
    assert natural_max < 30
    event_days = [(e.market, e.day) for e in build_calendar(SMALL.markets, [SMALL.year])]
    con.execute("CREATE OR REPLACE TEMP TABLE ev (market VARCHAR, day DATE)")
    con.executemany("INSERT INTO ev VALUES (?, ?)", event_days)
    top_spikes = con.execute(
        """WITH daily AS (SELECT market, day, track_name, count(DISTINCT user_id) AS n
                          FROM kept GROUP BY ALL),
                scored AS (
                  SELECT d.market, d.day::VARCHAR AS day, d.track_name, d.n,
                         (SELECT sum(h.n) FROM daily h WHERE h.market = d.market
                            AND h.track_name = d.track_name
                            AND h.day BETWEEN d.day - 28 AND d.day - 1) / 28.0 AS usual
                  FROM daily d JOIN ev USING (market, day) WHERE d.n >= 50)
           SELECT market, day, track_name, n / usual AS ratio FROM scored
           WHERE usual > 0 ORDER BY ratio DESC LIMIT 20"""
    ).fetchall()
    found = {r[:3] for r in top_spikes}
    for e in truth:
        if e["kind"] == "event_spike":
            key = (e["market"], e["day"], e["track_name"])
            assert (key in found) == (e["role"] == "anomaly"), e


def test_daily_rhythm_is_local(small):
    _, con, _ = small
    for market, evening, night in con.execute(
        """SELECT market, count(*) FILTER (WHERE hour(local) BETWEEN 18 AND 23),
                  count(*) FILTER (WHERE hour(local) BETWEEN 2 AND 5) FROM l GROUP BY 1"""
    ).fetchall():
        assert evening > 5 * night, market
    # the same evening peak is at different UTC hours: the markets are in different zones
    peaks = dict(
        con.execute(
            """SELECT market, arg_max(h, n) FROM (SELECT market, hour(played_at AT TIME ZONE 'UTC')
               AS h, count(*) AS n FROM l GROUP BY ALL) GROUP BY market"""
        ).fetchall()
    )
    assert len(set(peaks.values())) == len(peaks)
    fri, sun = con.execute(
        """SELECT count(*) FILTER (WHERE dayofweek(local) = 5) / 52.0,
                  count(*) FILTER (WHERE dayofweek(local) = 0) / 52.0 FROM l"""
    ).fetchone()
    assert fri > 1.1 * sun


def test_popularity_and_activity_are_zipf_like(small):
    _, con, _ = small
    for market, share in con.execute(
        """WITH t AS (SELECT market, track_id, count(*) AS n FROM l GROUP BY ALL),
                r AS (SELECT *, row_number() OVER (PARTITION BY market ORDER BY n DESC) AS rk,
                             count(*) OVER (PARTITION BY market) AS tracks FROM t)
           SELECT market, sum(n) FILTER (WHERE rk <= 0.01 * tracks) / sum(n) FROM r GROUP BY 1"""
    ).fetchall():
        assert share > 0.3, market
    # market-specific favourites: the markets' top-20 lists differ
    tops = con.execute(
        """SELECT market, list(track_id ORDER BY n DESC)[1:20] FROM
           (SELECT market, track_id, count(*) AS n FROM l GROUP BY ALL) GROUP BY 1"""
    ).fetchall()
    assert all(len(set(a[1]) & set(b[1])) < 15 for a in tops for b in tops if a[0] < b[0])
    top_users, median = con.execute(
        """WITH c AS (SELECT user_id, count(*) AS n FROM l GROUP BY 1)
           SELECT sum(n) FILTER (WHERE n >= (SELECT quantile_disc(n, 0.99) FROM c)) / sum(n),
                  median(n) FROM c"""
    ).fetchone()
    assert top_users > 0.08 and median < SMALL.plays / SMALL.users


def test_users_table(small):
    _, con, _ = small
    n, opted_out, under_age, oldest, youngest_adult = con.execute(
        f"""SELECT count(*), avg(opted_out::INT), avg((birth_year > {SMALL.year - 18})::INT),
                   min(birth_year), max(birth_year) FILTER (WHERE birth_year <= {SMALL.year - 18})
            FROM u"""
    ).fetchone()
    assert n == SMALL.users
    assert 0.01 < opted_out < 0.035 and 0.015 < under_age < 0.045
    assert oldest >= 1950 and youngest_adult == 2006


def test_new_releases_start_at_zero_and_ramp_up():
    ramp = release_ramp(np.arange(-5, 60))
    assert (ramp[:5] == 0).all() and ramp[5] > 0
    assert ramp[5] < ramp[12] and np.argmax(ramp) < 5 + 30 and ramp[-1] > 0.5


def test_local_time_becomes_utc_across_daylight_saving():
    spec = SynthSpec(markets=("GB",), year=2024)
    offsets = [utc_offsets_us("Europe/London", spec)]
    walls = [
        datetime(2024, 1, 15, 20),
        datetime(2024, 3, 31, 0, 30),
        datetime(2024, 3, 31, 3),
        datetime(2024, 7, 1, 23, 59),
        datetime(2024, 10, 27, 3),
        datetime(2024, 12, 31, 23),
    ]
    local = np.array([(w - datetime(2024, 1, 1)) // timedelta(microseconds=1) for w in walls])
    utc = local_to_utc_us(local, np.zeros(len(walls), dtype=np.int8), offsets, spec)
    for wall, us in zip(walls, utc.tolist(), strict=True):
        expected = wall.replace(tzinfo=ZoneInfo("Europe/London")).timestamp() * 1_000_000
        assert us == expected


def test_plant_kinds_are_a_registry():
    assert {"event_spike", "repeat_on_day"} <= set(REGISTRY)
    with pytest.raises(ValueError, match="registered twice"):
        register("event_spike")(lambda ctx, rng, n: [])


@pytest.mark.slow
def test_default_size_is_fast(tmp_path: Path):
    result = generate(SynthSpec(), tmp_path / "listens.parquet")
    assert result.plays >= 1_000_000 and result.seconds < 15
