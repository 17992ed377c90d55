"""Issue 8, defect 3: a campaign's own pack cannot get a listener id, a pseudonym, an exact time or
a listener's city out. The guard reads the query's tree and checks every value of its output."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from campaign.cli import app
from campaign.errors import PackError
from campaign.packguard import check_output, create_guard_tables
from tests.conftest import RAW_COUNTS_TOML, write_tables

runner = CliRunner()

LISTENS = """
SELECT 'listener-' || (i % 60) AS user_id,
       TIMESTAMPTZ '2024-03-01 09:15:00+00' + INTERVAL (i % 5) DAY + INTERVAL (i) MINUTE
           AS played_at,
       't' || (i % 3) AS track_id, 'Song ' || (i % 3) AS track_name, 'Band' AS artist_name,
       NULL AS album_name, 'GB' AS market, CASE WHEN i % 2 = 0 THEN 'Leeds' END AS city,
       200000 AS ms_played, false AS skipped, 'android' AS platform
FROM range(600) AS r(i)
"""
USERS = """
SELECT 'listener-' || i AS user_id, 'GB' AS market, 1980 AS birth_year, false AS opted_out
FROM range(60) AS r(i)
"""

HEADER = """-- /// pack
-- name = "{name}"
-- title = "hostile"
-- audience = "{audience}"
-- needs = ["streams"]
-- copy = "market_total"
-- ///
"""


def _pack(subject_id: str, subject_name: str, detail: str, source: str = "streams") -> str:
    return f"""
SELECT market, day AS period_start, day AS period_end, NULL AS event_id,
       'track' AS subject_kind, {subject_id} AS subject_id, {subject_name} AS subject_name,
       artist_name, 'plays' AS measure, count(*) AS value, NULL AS baseline,
       count(DISTINCT user_id) AS cohort_size, 60 AS population, {detail} AS detail
FROM {source} GROUP BY ALL
"""


PLAIN = ("track_id", "track_name", "{'n': 1}")
# (audience, query, what the one-sentence error must name)
HOSTILE = {
    "id_as_subject": ("cohort", _pack("user_id", "track_name", "{'n': 1}"), "'subject_id'"),
    "md5_in_detail": ("cohort", _pack(*PLAIN[:2], "{'h': md5(user_id)}"), "'detail.h'"),
    "sha256_upper": (
        "cohort",
        _pack(*PLAIN[:2], "{'h': upper(sha256(user_id))}"),
        "'detail.h'",
    ),
    "time_and_id": (
        "cohort",
        _pack("track_id", "strftime(played_at, '%H:%M') || user_id", "{'n': 1}"),
        "'subject_name'",
    ),
    "id_in_words": ("cohort", _pack("track_id", "'fan ' || user_id", "{'n': 1}"), "subject_name"),
    "id_as_map_key": ("cohort", _pack(*PLAIN[:2], "MAP {user_id: 1}"), "detail."),
    "timestamp_column": ("cohort", _pack(*PLAIN[:2], "{'at': played_at}"), "'detail.at'"),
    "time_of_day": (
        "cohort",
        _pack(*PLAIN[:2], "{'when': strftime(played_at, '%H:%M')}"),
        "'detail.when'",
    ),
    "city_by_value": ("individual", _pack(*PLAIN[:2], "{'where': city}"), "'detail.where'"),
    "device_by_value": ("individual", _pack(*PLAIN[:2], "{'on': platform}"), "'detail.on'"),
    "birth_year_key": ("individual", _pack(*PLAIN[:2], "{'birth_year': 1980}"), "birth_year"),
    "raw_table": (
        "cohort",
        _pack(*PLAIN, source="(SELECT *, played_at::DATE AS day FROM raw_listens)"),
        "raw_listens",
    ),
    "qualified": ("cohort", _pack(*PLAIN, source="main.streams"), "main.streams"),
    "file_read": (
        "cohort",
        _pack(*PLAIN, source="(SELECT *, played_at::DATE AS day FROM read_parquet('x'))"),
        "read_parquet",
    ),
    "two_statements": ("cohort", _pack(*PLAIN) + ";\nSELECT 1", "one SELECT"),
}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("guarddata")
    write_tables(folder, {"listens": LISTENS, "users": USERS})
    return folder


def _campaign(tmp_path: Path, data: Path, name: str, audience: str, sql: str) -> Path:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / f"{name}.sql").write_text(HEADER.format(name=name, audience=audience) + sql)
    toml = tmp_path / "campaign.toml"
    toml.write_text(
        f'[campaign]\nname = "t"\npacks = ["core", "mine"]\ndata = ["{data}"]\n{RAW_COUNTS_TOML}',
        encoding="utf-8",
    )
    return toml


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_pack_of_the_campaign_is_refused_naming_file_and_column(
    tmp_path: Path, data: Path, name: str
) -> None:
    audience, sql, names = HOSTILE[name]
    toml = _campaign(tmp_path, data, name, audience, sql)
    result = runner.invoke(app, ["facts", str(toml), "--json", "-q"])
    assert result.exit_code == 1, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert f"mine/{name}.sql" in lines[0] and names in lines[0], lines[0]
    assert "listener-" not in result.output  # the refusal never echoes the value


def test_packs_lint_runs_the_same_guard_on_the_packs_own_test_rows(
    tmp_path: Path, data: Path
) -> None:
    audience, sql, _ = HOSTILE["md5_in_detail"]
    toml = _campaign(tmp_path, data, "md5_in_detail", audience, sql)
    given = json.dumps(LISTENS)
    (tmp_path / "mine" / "md5_in_detail.test.toml").write_text(
        f"[given.listens]\nsql = {given}\n[[expect]]\nmarket = 'GB'\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["packs", "lint", str(toml)])
    assert result.exit_code == 1
    assert "md5_in_detail.sql: column 'detail.h' holds a listener id" in result.output


def test_a_benign_pack_of_the_campaign_passes(tmp_path: Path, data: Path) -> None:
    toml = _campaign(tmp_path, data, "benign", "cohort", _pack(*PLAIN))
    result = runner.invoke(app, ["facts", str(toml), "--json", "-q"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert any(f["pack"] == "benign" for f in facts)
    assert "listener-" not in result.output


@dataclass
class _Guarded:
    """What the guard reads of a pack, for checking one output table directly."""

    path: Path = Path("own.sql")
    sql: str = ""
    sql_line: int = 1
    audience: str = "cohort"


def test_a_token_that_comes_twice_is_still_found_with_either_of_its_flags() -> None:
    """The token table is not grouped: an id that is another id's md5, and two ids that differ in
    case, give a token twice with different flags; a cell must be refused by either row."""
    short = "12345"
    digest = hashlib.md5(short.encode()).hexdigest()
    con = duckdb.connect()
    ids = ", ".join(f"('{i}')" for i in (short, digest, "Listener7x", "listener7X"))
    con.execute(
        f"CREATE TABLE raw_listens AS SELECT user_id, NULL::VARCHAR AS city, "
        f"NULL::VARCHAR AS platform FROM (VALUES {ids}) t(user_id)"
    )
    for table in ("raw_users", "raw_playlists", "events"):
        con.execute(f"CREATE TABLE {table} (user_id VARCHAR, name VARCHAR)")
    for table in ("track_names", "raw_daily_streams"):
        con.execute(f"CREATE TABLE {table} (track_name VARCHAR, artist_name VARCHAR)")
    create_guard_tables(con, lambda name, sql: con.execute(f"CREATE TABLE {name} AS {sql}"))
    repeated = "SELECT count(*) FROM guard_listener_tokens WHERE token = ?"
    assert con.execute(repeated, [digest]).fetchone()[0] == 2
    assert con.execute(repeated, ["listener7x"]).fetchone()[0] == 2
    for cell in (digest, f"by {digest} today", "hi listener7x!"):
        con.execute("CREATE OR REPLACE TABLE out AS SELECT ? AS subject_name", [cell])
        with pytest.raises(PackError, match="listener id"):
            check_output(con, _Guarded(), "out")
    for cell in (short, "top 12345 songs"):  # a short number is taken for a count, not an id
        con.execute("CREATE OR REPLACE TABLE out AS SELECT ? AS subject_name", [cell])
        check_output(con, _Guarded(), "out")
