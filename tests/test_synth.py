"""campaign synth: schema, determinism, planted truth, and that the data looks like listening.

Every planted value is counted again here, independently of the synth's own measures and as
docs/fact-kinds.md defines it, on the data the workspace keeps (opted-out and under-age
listeners removed)."""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
from collections import Counter
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
from campaign.synth import (
    MEASURES,
    REGISTRY,
    SynthSpec,
    generate,
    output_paths,
    playlist_paths,
    register,
)
from campaign.synth.population import release_ramp
from campaign.synth.rhythm import local_to_utc_us, utc_offsets_us

SMALL = SynthSpec(plays=100_000, users=5_000, tracks=5_000, seed=7)
TINY = SynthSpec(plays=20_000, users=1_500, tracks=1_000, plants_per_kind=2, seed=3)
TZ_CASE = " ".join(f"WHEN '{m}' THEN '{market_timezone(m)}'" for m in SMALL.markets)
ADULT_BY = SMALL.adult_born_by  # surely 18 on 1 January, as the workspace judges
# The kinds of docs/fact-kinds.md: the first column of its table.
CONTRACT = Path(__file__).parent.parent / "docs" / "fact-kinds.md"
KINDS = re.findall(r"^\| (\w+) \|", CONTRACT.read_text(encoding="utf-8"), re.MULTILINE)[1:]
# Contact details in a playlist title: an e-mail address or a phone number.
PII = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+|\+?\d[\d ()-]{8,}\d")


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
    # what the workspace keeps (no opted-out or under-age listener), in the year (local days)
    con.execute(
        f"""CREATE TABLE kept_listens AS SELECT l.*, local::DATE AS day
            FROM l JOIN u USING (user_id) WHERE NOT u.opted_out AND u.birth_year <= {ADULT_BY}
              AND year(local) = {SMALL.year}"""
    )
    con.execute("CREATE VIEW kept_streams AS SELECT * FROM kept_listens WHERE ms_played >= 30000")
    con.execute(
        f"""CREATE VIEW p AS
            SELECT p.*, u.market, u.opted_out OR u.birth_year > {ADULT_BY} AS removed,
                   timezone(CASE u.market {TZ_CASE} END, p.created_at)::DATE AS day
            FROM read_parquet('{result.playlists}') p JOIN u USING (user_id)"""
    )
    con.execute(f"CREATE VIEW pt AS SELECT * FROM read_parquet('{result.playlist_tracks}')")
    truth = json.loads(result.truth.read_text())
    con.execute("CREATE TABLE subjects (name VARCHAR)")
    con.executemany("INSERT INTO subjects VALUES (?)", [[e["track_name"]] for e in truth])
    # plays of tracks and artists no plant is about: what natural listening looks like
    con.execute(
        """CREATE VIEW natural_plays AS SELECT * FROM l
           WHERE track_name NOT IN (FROM subjects) AND artist_name NOT IN (FROM subjects)"""
    )
    yield result, con, truth
    con.close()


def _planted(truth: list[dict], kind: str, role: str = "anomaly") -> list[dict]:
    return [e for e in truth if e["kind"] == kind and e["role"] == role]


def _described(path: Path) -> list[tuple[str, str]]:
    rows = duckdb.sql(f"DESCRIBE SELECT * FROM read_parquet('{path}')").fetchall()
    return [(r[0], r[1].replace("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ")) for r in rows]


def test_schema_matches_the_contract(small):
    result, con, _ = small
    assert result.listens.name == "listens.parquet"
    assert (result.truth.name, result.users.name) == ("listens.truth.json", "listens.users.parquet")
    assert output_paths(result.listens) == (result.listens, result.truth, result.users)
    assert playlist_paths(result.listens) == (result.playlists, result.playlist_tracks)
    assert (result.playlists.name, result.playlist_tracks.name) == (
        "listens.playlists.parquet",
        "listens.playlist_tracks.parquet",
    )
    tables = {
        result.listens: schema.LISTENS,
        result.users: schema.USERS,
        result.playlists: schema.PLAYLISTS,
        result.playlist_tracks: schema.PLAYLIST_TRACKS,
    }
    assert result.data_files == list(tables)
    for path, table in tables.items():
        assert _described(path) == [(c.name, c.type) for c in table.columns]
        arrow = pq.read_schema(path)
        assert arrow.names == table.names
        assert [f.name for f in arrow if not f.nullable] == table.required
    assert pq.read_schema(result.listens).field("played_at").type == pa.timestamp("us", tz="UTC")
    for path, column in ((result.playlists, "created_at"), (result.playlist_tracks, "added_at")):
        assert pq.read_schema(path).field(column).type == pa.timestamp("us", tz="UTC")
    # made and filled within the year (UTC), never filled before made, no stray entry
    n, outside = con.execute(
        f"""SELECT count(*), count(*) FILTER (WHERE year(created_at AT TIME ZONE 'UTC')
                                               <> {SMALL.year}) FROM p"""
    ).fetchone()
    assert n == result.playlist_count > 0 and outside == 0
    outside, early, stray = con.execute(
        f"""SELECT count(*) FILTER (WHERE year(added_at AT TIME ZONE 'UTC') <> {SMALL.year}),
                   count(*) FILTER (WHERE added_at < created_at),
                   count(*) FILTER (WHERE created_at IS NULL)
            FROM pt LEFT JOIN p USING (playlist_id)"""
    ).fetchone()
    assert (outside, early, stray) == (0, 0, 0)
    assert con.execute("SELECT count(*) - count(DISTINCT playlist_id) FROM p").fetchone()[0] == 0
    duplicates = con.execute(
        "SELECT count(*) - count(DISTINCT (playlist_id, track_id)) FROM pt"
    ).fetchone()[0]
    assert duplicates == 0
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
    # plays and skips as people play (the plants' own plays, full streams mostly, aside)
    short, skipped, full_median, lo, hi = con.execute(
        """SELECT avg((ms_played < 30000)::INT), avg(skipped::INT),
                  median(ms_played) FILTER (WHERE NOT skipped),
                  quantile_cont(ms_played, 0.1) FILTER (WHERE NOT skipped),
                  quantile_cont(ms_played, 0.9) FILTER (WHERE NOT skipped) FROM natural_plays"""
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
    assert len(first.data_files) == 4
    for a, b, c in zip(
        (first.truth, *first.data_files),
        (again.truth, *again.data_files),
        (other.truth, *other.data_files),
        strict=True,
    ):
        assert a.read_bytes() == b.read_bytes(), a.name
        assert a.read_bytes() != c.read_bytes(), a.name
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
    for path in (first.truth, *first.data_files):
        assert (tmp_path / "d" / path.name).read_bytes() == path.read_bytes(), path.name


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
    assert roles == {(kind, "anomaly") for kind in KINDS} | {
        ("event_spike", "decoy"),
        ("playlist_title", "pii"),
        *((kind, role) for kind in INDIVIDUAL for role in ("opted_out", "under_age")),
    }
    assert sum(e["role"] == "anomaly" for e in truth) == result.anomalies
    assert len(truth) == result.anomalies + result.decoys


INDIVIDUAL = ("repeat_on_day", "repeat_in_year", "long_session")


def test_every_kind_of_the_contract_is_planted(small):
    _, _, truth = small
    assert len(KINDS) == 14 and {"event_spike", "hook_point", "playlist_title"} <= set(KINDS)
    n = SMALL.plants_per_kind
    for kind in KINDS:
        planted = _planted(truth, kind)
        expected = min(n, len(SMALL.markets)) if kind == "market_total" else n
        assert len(planted) == expected, kind
        assert kind in MEASURES
    for kind in INDIVIDUAL:
        for role in ("opted_out", "under_age"):
            assert len(_planted(truth, kind, role)) == math.ceil(n / 3), (kind, role)


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
            assert 30 <= plays <= 60 and not opted_out and born <= SMALL.adult_born_by
        else:
            assert plays >= 70
            assert opted_out if e["role"] == "opted_out" else born > SMALL.adult_born_by
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
        # a hit among what people play (the tracks other plants made big aside)
        rank = con.execute(
            """SELECT rank FROM (SELECT track_name, rank() OVER (ORDER BY count(*) DESC) AS rank
               FROM streams WHERE market = ? AND day < ?::DATE AND day >= ?::DATE - 28
                 AND (track_name NOT IN (FROM subjects) OR track_name = ?)
               GROUP BY track_name) WHERE track_name = ?""",
            [e["market"], e["day"], e["day"], e["track_name"], e["track_name"]],
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
            WHERE NOT u.opted_out AND u.birth_year <= {ADULT_BY}"""
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


# ---- every planted value, counted again on the data the workspace keeps ------------------------
# Each test counts its kind as docs/fact-kinds.md defines it, with SQL or Python of its own (not
# the synth's measures), and checks the truth's value, the plant's size and its privacy cohort.
YEAR_START = f"{SMALL.year}-01-01"
HOLIDAY = r"\b(christmas|xmas|santa|jingle|sleigh|mistletoe|holly|reindeer|snow\w*)\b"
CONTEXT_WORDS = r"\b(running|workout|gym|sleep|study|focus|party|sad|wedding)\b"


def _runs(days: list[date]) -> list[tuple[date, int]]:
    """(first day, length) of every run of consecutive days."""
    runs: list[tuple[date, int]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][0] + timedelta(days=runs[-1][1]):
            runs[-1] = (runs[-1][0], runs[-1][1] + 1)
        else:
            runs.append((day, 1))
    return runs


def _by_listener(con, sql: str, params: list) -> dict[str, list[tuple]]:
    rows: dict[str, list[tuple]] = {}
    for user, *rest in con.execute(sql, params).fetchall():
        rows.setdefault(user, []).append(tuple(rest))
    return rows


def test_repeat_in_year_values(small):
    _, con, truth = small
    for e in _planted(truth, "repeat_in_year"):
        days = _by_listener(
            con,
            """SELECT user_id, day, count(*) FROM kept_streams WHERE market = ? AND track_name = ?
               GROUP BY ALL""",
            [e["market"], e["track_name"]],
        )
        totals = sorted(((sum(n for _, n in d), u) for u, d in days.items()), reverse=True)
        (top, user), runner_up = totals[0], totals[1][0] if len(totals) > 1 else 0
        assert top == e["value"] and 300 <= top <= 950 and e["day"] == YEAR_START
        assert runner_up < top / 5
        assert max(n for _, n in days[user]) <= 12  # never a repeat_on_day
        assert max(length for _, length in _runs([d for d, _ in days[user]])) < 14  # nor a streak


def _sessions(plays: list[tuple[int, int, str, date]]) -> list[dict]:
    """Sessions of one listener's streams (start µs, ms, artist, day) in time order: a new one
    when a stream starts 30 minutes or more after the previous one ended."""
    sessions: list[dict] = []
    end = None
    for start, ms, artist, day in plays:
        if end is None or start - end >= 30 * 60_000_000:
            sessions.append({"day": day, "start": start, "ms": 0, "artists": []})
        session = sessions[-1]
        session["ms"] += ms
        session["artists"].append(artist)
        session["end"] = end = start + ms * 1000
    return sessions


def test_long_session_values(small):
    _, con, truth = small
    for e in _planted(truth, "long_session"):
        user = con.execute(
            """SELECT user_id FROM kept_streams
               WHERE market = ? AND artist_name = ? AND day = ?::DATE
               GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""",
            [e["market"], e["track_name"], e["day"]],
        ).fetchone()[0]
        plays = con.execute(
            """SELECT epoch_us(played_at), ms_played, artist_name, day FROM kept_streams
               WHERE user_id = ? ORDER BY played_at""",
            [user],
        ).fetchall()
        theirs = [
            s
            for s in _sessions(plays)
            if s["day"].isoformat() == e["day"]
            and s["artists"].count(e["track_name"]) >= 0.8 * len(s["artists"])
        ]
        longest = max(theirs, key=lambda s: s["ms"])
        # minutes listened and minutes from first start to last end agree: back to back
        assert longest["ms"] // 60_000 == e["value"] == (longest["end"] - longest["start"]) / 6e7
        assert 300 <= e["value"] <= 480 and len(longest["artists"]) >= 60
        assert max(Counter(longest["artists"]).values()) == longest["artists"].count(
            e["track_name"]
        )


def test_off_season_values(small):
    _, con, truth = small
    for e in _planted(truth, "off_season"):
        assert e["track_name"] == "holiday music" and e["day"][5:] in ("06-01", "07-01")
        months = dict(
            con.execute(
                """SELECT month(day), count(DISTINCT user_id) FROM kept_streams
                   WHERE market = ? AND regexp_matches(track_name, ?, 'i') GROUP BY 1""",
                [e["market"], HOLIDAY],
            ).fetchall()
        )
        month = int(e["day"][5:7])
        assert months[month] == e["value"] >= 60
        quiet = [months.get(m, 0) for m in range(2, 11) if m not in (6, 7)]  # off season
        assert e["value"] >= 3 * max(quiet) and e["value"] - np.mean(quiet) >= 50


def test_streak_values(small):
    _, con, truth = small
    for e in _planted(truth, "streak"):
        days = _by_listener(
            con,
            "SELECT DISTINCT user_id, day FROM kept_streams WHERE market = ? AND track_name = ?",
            [e["market"], e["track_name"]],
        )
        streaks = {
            u: [r for r in _runs([d for (d,) in ds]) if r[1] >= 14] for u, ds in days.items()
        }
        streaks = {u: r for u, r in streaks.items() if r}
        assert len(streaks) == e["value"] and 60 <= e["value"] <= 95
        assert min(r[0] for rs in streaks.values() for r in rs).isoformat() == e["day"]
        assert min(r[1] for rs in streaks.values() for r in rs) >= 18


def test_skip_point_values(small):
    _, con, truth = small
    for e in _planted(truth, "skip_point"):
        skips = con.execute(
            """SELECT user_id, ms_played FROM kept_listens
               WHERE market = ? AND track_name = ? AND skipped AND ms_played >= 30000""",
            [e["market"], e["track_name"]],
        ).fetchall()
        # 5-second windows, cut at whole multiples of 5 s or centred on them: the same point
        for offset in (0, 2500):
            windows: dict[int, set[str]] = {}
            for user, ms in skips:
                windows.setdefault((ms + offset) // 5000, set()).add(user)
            counts = {w: len(users) for w, users in windows.items()}
            peak = max(counts.values())
            assert peak == e["value"] and 60 <= peak <= 100
            # far above the track's skips spread evenly: over the windows from 30 s to the last
            # skipped one, or over those that hold a skip
            span = max(counts) - 6 + 1
            assert peak >= 5 * sum(counts.values()) / span
            assert peak >= 3 * sum(counts.values()) / len(counts)


def test_hook_point_values(small):
    _, con, truth = small
    for e in _planted(truth, "hook_point"):
        days = _by_listener(
            con,
            """SELECT user_id, day, count(*) FROM kept_streams WHERE market = ? AND track_name = ?
               GROUP BY ALL ORDER BY day""",
            [e["market"], e["track_name"]],
        )
        hooks = []
        for per_day in days.values():
            if sum(n for _, n in per_day) >= 20 and any(n >= 3 for _, n in per_day):
                binge = min(d for d, n in per_day if n >= 3)
                hooks.append(sum(n for d, n in per_day if d < binge))
        (play, listeners), *_ = Counter(hooks).most_common()
        assert listeners == e["value"] and 60 <= listeners <= 80 and play == 2


def _track_streams(con, market: str) -> list[tuple[str, int]]:
    return con.execute(
        """SELECT track_name, count(*) AS n FROM kept_streams WHERE market = ?
           GROUP BY 1 ORDER BY n DESC, track_name""",
        [market],
    ).fetchall()


def _shares(con, track: str) -> dict[str, float]:
    """The track's share of each market's streams."""
    return dict(
        con.execute(
            """SELECT market, count(*) FILTER (WHERE track_name = ?) / count(*) FROM kept_streams
               GROUP BY 1""",
            [track],
        ).fetchall()
    )


def test_market_total_values(small):
    _, con, truth = small
    for e in _planted(truth, "market_total"):
        (top, streams), (_, runner_up), *_ = _track_streams(con, e["market"])
        assert (top, streams) == (e["track_name"], e["value"]) and streams >= 1.25 * runner_up
        shares = _shares(con, top)
        here = shares.pop(e["market"])
        assert here / np.mean(list(shares.values())) < 3  # popular elsewhere too: no contrast


def test_market_contrast_values(small):
    _, con, truth = small
    others = {e["track_name"] for e in truth} - {
        e["track_name"] for e in _planted(truth, "market_contrast")
    }
    for e in _planted(truth, "market_contrast"):
        ranking = [(t, n) for t, n in _track_streams(con, e["market"]) if t not in others]
        rank = [t for t, _ in ranking].index(e["track_name"])
        assert ranking[rank][1] == e["value"] and rank < 10  # a hit, the other plants aside
        elsewhere, listeners = con.execute(
            """SELECT count(*) FILTER (WHERE market <> ?),
                      count(DISTINCT user_id) FILTER (WHERE market = ?)
               FROM kept_streams WHERE track_name = ?""",
            [e["market"], e["market"], e["track_name"]],
        ).fetchone()
        assert elsewhere <= 1 and listeners >= 300


def test_weekday_affinity_values(small):
    _, con, truth = small
    for e in _planted(truth, "weekday_affinity"):
        weekdays = con.execute(
            """SELECT dayofweek(day), count(*), count(DISTINCT day), count(DISTINCT user_id)
               FROM kept_streams WHERE market = ? AND track_name = ? GROUP BY 1 ORDER BY 2 DESC""",
            [e["market"], e["track_name"]],
        ).fetchall()
        (_, streams, dates, listeners), *_ = weekdays
        assert streams == e["value"] and streams >= 0.8 * sum(w[1] for w in weekdays)
        assert dates >= 20 and listeners >= 60


def test_playlist_title_values(small):
    _, con, truth = small
    for e in _planted(truth, "playlist_title"):
        (market, day, tracks, removed), *others = con.execute(
            """SELECT market, day, count(DISTINCT track_id), removed FROM p
               JOIN pt USING (playlist_id) WHERE name = ? GROUP BY ALL""",
            [e["track_name"]],
        ).fetchall()
        assert not others and not removed  # one playlist of that title, its owner kept
        assert (market, day.isoformat(), tracks) == (e["market"], e["day"], e["value"])
        assert 80 <= tracks <= 150
    natural_max = con.execute(
        """SELECT max(n) FROM (SELECT count(*) AS n FROM pt JOIN p USING (playlist_id)
           WHERE name NOT IN (FROM subjects) GROUP BY playlist_id)"""
    ).fetchone()[0]
    assert natural_max < 80


def test_playlist_title_count_values(small):
    _, con, truth = small
    planted = _planted(truth, "playlist_title_count")
    for e in planted:
        titles = dict(
            con.execute(
                r"""SELECT lower(regexp_replace(trim(name), '\s+', ' ', 'g')) AS title,
                           count(DISTINCT user_id)
                    FROM p WHERE market = ? AND NOT removed GROUP BY 1""",
                [e["market"]],
            ).fetchall()
        )
        assert titles[e["track_name"]] == e["value"] >= 60
        natural = max(n for t, n in titles.items() if t not in {x["track_name"] for x in planted})
        assert e["value"] >= 1.2 * natural


def test_playlist_context_values(small):
    _, con, truth = small
    for e in _planted(truth, "playlist_context"):
        # owners who put the track on playlists of each context: the planted one stands out
        owners = con.execute(
            """SELECT regexp_extract(lower(p.name), ?, 1) AS context,
                      count(DISTINCT p.user_id) AS owners
               FROM pt JOIN p USING (playlist_id)
               WHERE p.market = ? AND NOT p.removed AND regexp_matches(p.name, ?, 'i')
                 AND pt.track_id = (SELECT any_value(track_id) FROM l WHERE track_name = ?)
               GROUP BY 1 ORDER BY owners DESC""",
            [CONTEXT_WORDS, e["market"], CONTEXT_WORDS, e["track_name"]],
        ).fetchall()
        (_, most), *others = owners
        assert most == e["value"] and 60 <= most <= 120
        assert all(n < 10 for _, n in others)


def test_privacy_decoys_of_individual_kinds(small):
    """A removed listener's extreme leaves no trace a pack could find: the listener is opted out
    or under age, and no listener the workspace keeps plays the subject that day (or year)."""
    _, con, truth = small
    for role in ("opted_out", "under_age"):
        for e in _planted(truth, "repeat_in_year", role):
            user, plays = con.execute(
                """SELECT user_id, count(*) AS n FROM streams WHERE market = ? AND track_name = ?
                   GROUP BY 1 ORDER BY n DESC LIMIT 1""",
                [e["market"], e["track_name"]],
            ).fetchone()
            assert plays == e["value"] >= 900
            kept = con.execute(
                "SELECT count(*) FROM kept_listens WHERE track_name = ?", [e["track_name"]]
            )
            assert kept.fetchone()[0] == 0
            _assert_removed(con, user, role)
        for e in _planted(truth, "long_session", role):
            user = con.execute(
                """SELECT user_id FROM streams WHERE artist_name = ? AND day = ?::DATE
                   GROUP BY 1 ORDER BY count(*) DESC LIMIT 1""",
                [e["track_name"], e["day"]],
            ).fetchone()[0]
            kept = con.execute(
                "SELECT count(*) FROM kept_listens WHERE artist_name = ? AND day = ?::DATE",
                [e["track_name"], e["day"]],
            )
            assert kept.fetchone()[0] == 0 and e["value"] >= 500
            _assert_removed(con, user, role)


def _assert_removed(con, user: str, role: str) -> None:
    opted_out, born = con.execute(
        "SELECT opted_out, birth_year FROM u WHERE user_id = ?", [user]
    ).fetchone()
    assert opted_out if role == "opted_out" else born > ADULT_BY


def test_contact_details_only_in_privacy_decoys(small):
    _, con, truth = small
    decoys = {e["track_name"] for e in _planted(truth, "playlist_title", "pii")}
    assert decoys and all(PII.search(title) for title in decoys)
    titles = [r[0] for r in con.execute("SELECT name FROM p").fetchall()]
    assert {t for t in titles if PII.search(t) or "@" in t or "http" in t} == decoys
    for e in _planted(truth, "playlist_title", "pii"):
        tracks = con.execute(
            "SELECT count(*) FROM p JOIN pt USING (playlist_id) WHERE name = ?", [e["track_name"]]
        ).fetchone()[0]
        assert tracks == e["value"] >= 80  # as extreme as an anomaly: only the screen stops it


def test_playlists_look_like_playlists(small):
    _, con, _ = small
    listeners, owners = con.execute(
        "SELECT count(DISTINCT user_id), count(DISTINCT user_id) FILTER (WHERE user_id IN "
        "(SELECT user_id FROM p)) FROM l"
    ).fetchone()
    assert 0.2 <= owners / listeners <= 0.5  # a quarter, and the plants' owners
    per_owner = [r[0] for r in con.execute("SELECT count(*) FROM p GROUP BY user_id").fetchall()]
    assert np.median(per_owner) <= 2 and max(per_owner) <= 8
    # titles: the same few words typed by many, a long tail of personal ones
    shared, biggest = con.execute(
        """WITH t AS (SELECT lower(trim(name)) AS title, count(DISTINCT user_id) AS owners
                      FROM p WHERE lower(trim(name)) NOT IN (FROM subjects) GROUP BY 1)
           SELECT sum(owners) FILTER (WHERE owners >= 2) / sum(owners),
                  max(owners) / sum(owners) FROM t"""
    ).fetchone()
    assert shared > 0.6 and biggest < 0.03
    common = "SELECT count(*) FROM p WHERE name IN ('chill', 'Chill', 'gym', 'workout')"
    japanese = r"""SELECT count(*) FROM p
                   WHERE market = 'JP' AND regexp_matches(name, '\p{Han}|\p{Katakana}')"""
    assert con.execute(common).fetchone()[0] and con.execute(japanese).fetchone()[0]
    # filled mostly with what the owner streams
    streamed = con.execute(
        """SELECT avg((s.track_id IS NOT NULL)::INT)
           FROM pt JOIN p USING (playlist_id)
           LEFT JOIN (SELECT DISTINCT user_id, track_id FROM streams) s
             ON s.user_id = p.user_id AND s.track_id = pt.track_id"""
    ).fetchone()[0]
    assert streamed > 0.5
    sizes = [r[0] for r in con.execute("SELECT count(*) FROM pt GROUP BY playlist_id").fetchall()]
    assert 5 <= np.median(sizes) <= 25


def test_plants_make_no_facts_of_other_kinds(small):
    """What the cohort and yearly plants leave behind is not a fact of another kind: no listener
    repeats a track 20 times a day, no streak, marathon session, hook, skip point or shared
    title but the planted ones, and no day of a planted track jumps as a spike does."""
    _, con, truth = small
    subjects = lambda *kinds: {e["track_name"] for e in truth if e["kind"] in kinds}  # noqa: E731
    streaks = con.execute(
        """WITH d AS (SELECT DISTINCT market, track_name, user_id, day FROM kept_streams),
                r AS (SELECT market, track_name, user_id, count(*) AS days FROM (
                        SELECT *, day - CAST(row_number() OVER (PARTITION BY market, track_name,
                                   user_id ORDER BY day) AS INTEGER) AS run FROM d)
                      GROUP BY market, track_name, user_id, run)
           SELECT DISTINCT track_name FROM r WHERE days >= 14"""
    ).fetchall()
    assert {r[0] for r in streaks} <= subjects("streak")
    skips = con.execute(
        """SELECT DISTINCT track_name FROM (
               SELECT market, track_name, ms_played // 5000, count(DISTINCT user_id) AS n
               FROM kept_listens WHERE skipped AND ms_played >= 30000 GROUP BY ALL)
           WHERE n >= 50"""
    ).fetchall()
    assert {r[0] for r in skips} <= subjects("skip_point")
    hooked = con.execute(
        """WITH d AS (SELECT market, track_name, user_id, day, count(*) AS n FROM kept_streams
                      GROUP BY ALL),
                h AS (SELECT market, track_name, user_id, sum(n) FILTER (WHERE day < first) AS play
                      FROM (SELECT *, min(day) FILTER (WHERE n >= 3) OVER listener AS first,
                                   sum(n) OVER listener AS total
                            FROM d WINDOW listener AS (PARTITION BY market, track_name, user_id))
                      WHERE total >= 20 AND first IS NOT NULL GROUP BY ALL)
           SELECT DISTINCT track_name FROM h GROUP BY market, track_name, coalesce(play, 0)
           HAVING count(*) >= 50"""
    ).fetchall()
    assert {r[0] for r in hooked} <= subjects("hook_point")
    # spikes: 50 listeners more than, and 3 times, the mean of the 28 days before
    spikes = con.execute(
        """WITH d AS (SELECT market, track_name, day, count(DISTINCT user_id) AS n
                      FROM kept_streams GROUP BY ALL),
                w AS (SELECT *, sum(n) OVER (PARTITION BY market, track_name ORDER BY day
                          RANGE BETWEEN INTERVAL 28 DAY PRECEDING AND INTERVAL 1 DAY PRECEDING)
                          / 28 AS usual FROM d)
           SELECT DISTINCT track_name FROM w
           WHERE n - coalesce(usual, 0) >= 50 AND n >= 3 * coalesce(usual, 0)"""
    ).fetchall()
    assert {r[0] for r in spikes} <= subjects("event_spike")


def test_daily_rhythm_is_local(small):
    _, con, _ = small  # natural plays: a weekday plant's Sundays would tilt the week
    for market, evening, night in con.execute(
        """SELECT market, count(*) FILTER (WHERE hour(local) BETWEEN 18 AND 23),
                  count(*) FILTER (WHERE hour(local) BETWEEN 2 AND 5)
           FROM natural_plays GROUP BY 1"""
    ).fetchall():
        assert evening > 5 * night, market
    # the same evening peak is at different UTC hours: the markets are in different zones
    peaks = dict(
        con.execute(
            """SELECT market, arg_max(h, n) FROM (SELECT market, hour(played_at AT TIME ZONE 'UTC')
               AS h, count(*) AS n FROM natural_plays GROUP BY ALL) GROUP BY market"""
        ).fetchall()
    )
    assert len(set(peaks.values())) == len(peaks)
    fri, sun = con.execute(
        """SELECT count(*) FILTER (WHERE dayofweek(local) = 5) / 52.0,
                  count(*) FILTER (WHERE dayofweek(local) = 0) / 52.0 FROM natural_plays"""
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
        """WITH c AS (SELECT user_id, count(*) AS n FROM natural_plays GROUP BY 1)
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
    assert set(KINDS) <= set(MEASURES) <= set(REGISTRY)
    with pytest.raises(ValueError, match="registered twice"):
        register("event_spike")(lambda ctx, rng, n: [])


@pytest.mark.slow
def test_default_size_is_a_million_plays(tmp_path: Path):
    """The default spec is the size the README promises; its speed is measured in bench/."""
    result = generate(SynthSpec(), tmp_path / "listens.parquet")
    assert result.plays >= 1_000_000
