"""Issue 8, acceptance: any campaign.toml value and any string in a user-typed field (titles,
artists, albums, playlist names, event names) end in exit 0 or in one `Error:` line with exit 1,
never a traceback; nothing outside the output folder changes; no listener id or exact time of a
play reaches the output. Few examples by default: HYPOTHESIS_PROFILE=thorough for more."""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from campaign.cli import app
from tests.conftest import write_tables

runner = CliRunner()
settings.register_profile(
    "hostile", max_examples=6, deadline=None, suppress_health_check=list(HealthCheck)
)
settings.register_profile(
    "thorough", max_examples=60, deadline=None, suppress_health_check=list(HealthCheck)
)
PROFILE = "thorough" if os.environ.get("HYPOTHESIS_PROFILE") == "thorough" else "hostile"

NASTY = [
    "[/bold]",
    "[link=https://evil.example]click[/link]",
    "=1+2",
    "@SUM(A1)",
    "\x00\x1b[31mred",
    "\u202eevil\u202c",
    "\ue000emph\ue001",
    "'; DROP TABLE listens; --",
    "{{ 7 * 7 }}{% for x in y %}",
    "../../etc/passwd",
    "%s%n%x",
    "\u0000",
    "🎉" * 40,
    "a" * 500,
    " ",
    "4:44",
]
texts = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=40))


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return (
            "nan"
            if math.isnan(value)
            else ("inf" if value > 0 else "-inf")
            if math.isinf(value)
            else repr(value)
        )
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return str(value)


privacy = st.fixed_dictionaries(
    {},
    optional={
        "k_min": st.integers(-5, 200),
        "individual_min_population": st.integers(-2, 5000),
        "min_age": st.integers(-1, 130),
        "epsilon_total": st.one_of(st.floats(allow_nan=True), st.sampled_from([0.0, 1e308, 0.5])),
        "noise": st.sampled_from(["none", "dp", "loud"]),
        "individual": st.booleans(),
        "acknowledge_below_policy": st.booleans(),
        "min_ms_played": st.integers(-10, 10**7),
    },
)
campaign = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.sampled_from(["t", "..", "", "../x", "/abs"]), texts),
        "year": st.sampled_from([2024, 2023, 1, 3000]),
        "markets": st.lists(st.sampled_from(["GB", "US", "XX", "Britain", ""]), max_size=3),
        "title": texts,
        "shortlist": st.integers(-1, 30),
    },
)
fields = st.fixed_dictionaries(
    {"track": texts, "artist": texts, "album": texts, "playlist": texts, "event": texts}
)


def _sql(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _data(folder: Path, f: dict[str, str]) -> None:
    listens = f"""
        SELECT 'listener-' || lpad(CAST(i % 120 AS VARCHAR), 4, '0') AS user_id,
               TIMESTAMPTZ '2024-02-01 10:17:43+00' + INTERVAL (i % 40) DAY
                   + INTERVAL (i % 7) SECOND AS played_at,
               't' || (i % 3) AS track_id,
               CASE WHEN i % 3 = 0 THEN {_sql(f["track"])} ELSE 'Song ' || (i % 3) END
                   AS track_name,
               {_sql(f["artist"])} AS artist_name, {_sql(f["album"])} AS album_name,
               'GB' AS market, NULL AS city, 200000 AS ms_played, false AS skipped,
               NULL AS platform
        FROM range(6000) AS r(i)
    """
    users = """SELECT 'listener-' || lpad(CAST(i AS VARCHAR), 4, '0') AS user_id, 'GB' AS market,
               1980 AS birth_year, false AS opted_out FROM range(120) AS r(i)"""
    playlists = f"""SELECT 'p' || i AS playlist_id,
               'listener-' || lpad(CAST(i AS VARCHAR), 4, '0') AS user_id,
               {_sql(f["playlist"])} AS name,
               TIMESTAMPTZ '2024-02-03 08:09:10+00' AS created_at FROM range(120) AS r(i)"""
    tracks = "SELECT 'p' || i AS playlist_id, 't' || (i % 3) AS track_id, NULL AS added_at"
    write_tables(
        folder,
        {
            "listens": listens,
            "users": users,
            "playlists": playlists,
            "playlist_tracks": tracks + " FROM range(120) AS r(i)",
        },
    )


def _tree(root: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every file but the output folder's and the noise ledger's (`.privacy/` beside the data,
    which a DP run writes by design: docs/privacy.md)."""
    return {
        str(p): (p.stat().st_size, p.stat().st_mtime_ns)
        for p in root.rglob("*")
        if p.is_file() and skip not in p.parents and ".privacy" not in p.parent.parts
    }


@settings(settings.get_profile(PROFILE))
@example(  # every field hostile, the settings fine: the run goes through and warns of the cleaning
    campaign={},
    privacy={},
    f={"track": "[/bold]", "artist": "=1+2", "album": "\x00", "playlist": "\ue000",
       "event": "\u202eevil"},
)  # fmt: skip
@given(
    # settings as written by a careful user most of the time, so most runs reach the packs
    campaign=st.one_of(st.just({"year": 2024}), st.just({}), campaign),
    privacy=st.one_of(st.just({}), st.just({"k_min": 60}), privacy),
    f=fields,
)
def test_hostile_settings_and_text_never_crash_leak_or_touch_other_files(
    campaign: dict[str, Any], privacy: dict[str, Any], f: dict[str, str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _data(root / "data", f)
        events = root / "events.csv"
        events.write_text(
            "date,name,markets\n2024-02-14," + json.dumps(f["event"]) + ",GB\n",
            encoding="utf-8",
        )
        lines = ["[campaign]", 'data = ["data"]', 'events = ["events.csv"]']
        lines += [f"{k} = {_toml_value(v)}" for k, v in campaign.items()]
        lines += ["[privacy]"] + [f"{k} = {_toml_value(v)}" for k, v in privacy.items()]
        toml = root / "campaign.toml"
        toml.write_text("\n".join(lines) + "\n", encoding="utf-8")
        before = _tree(root, root / "output")

        result = runner.invoke(app, ["facts", str(toml), "--json", "-q", "--top", "500"])

        assert not isinstance(result.exception, Exception) or isinstance(
            result.exception, SystemExit
        ), repr(result.exception)
        output = result.output  # stdout and stderr (where warnings such as text cleaned go)
        assert "Traceback" not in output
        if result.exit_code != 0:
            errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
            assert result.exit_code == 1 and len(errors) == 1, output
            assert not result.stdout.strip(), output
        else:
            json.loads(result.stdout)
        assert _tree(root, root / "output") == before
        assert "listener-" not in output
        given_texts = " ".join([*f.values(), *map(str, campaign.values())])
        for stamp in re.findall(r"\d{1,2}:\d{2}(?::\d{2})?", output):
            assert stamp in given_texts, f"an exact time {stamp} in the output"
