"""Issue 8, defect 1: no listener who may have been under `min_age` on a day a fact can cover,
and no listener of unknown age in an individual fact; every listener-level view agrees."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from campaign.config import CampaignConfig
from campaign.run import find_facts
from campaign.workspace import open_workspace, pack_scope, youngest_allowed_birth_year
from tests.conftest import write_tables

REMOVED = ("under_age", "opted_out")


def _surfaced(truth: list[dict], candidates: list) -> list[dict]:
    """The truth entries of removed listeners that some candidate fact tells."""
    told = {
        (c.fact.pack, c.fact.market, str(c.fact.period_start), c.fact.subject_name)
        for c in candidates
    }
    return [
        e
        for e in truth
        if e["role"] in REMOVED and (e["kind"], e["market"], e["day"], e["track_name"]) in told
    ]


@pytest.mark.parametrize("seed", [1, 23, 7])
def test_no_under_age_or_opted_out_decoy_becomes_a_fact(synth_data, seed: int) -> None:
    files, truth = synth_data(seed)
    assert any(e["role"] == "under_age" for e in truth)
    result = find_facts(CampaignConfig(), files)
    assert _surfaced(truth, result.candidates) == []
    anomalies = [e for e in truth if e["role"] == "anomaly"]
    assert anomalies  # the filter must not remove the adults the anomalies are about


def test_birth_year_alone_is_judged_conservatively() -> None:
    # born 2006: 18 at the end of 2024 but maybe 17 on 1 January
    assert youngest_allowed_birth_year(date(2024, 1, 1), 18) == 2005
    assert youngest_allowed_birth_year(date(2024, 12, 31), 18) == 2005
    assert youngest_allowed_birth_year(date(2023, 12, 31), 18) == 2004


def _listens(rows: list[tuple[str, str, str]]) -> str:
    """A listens query from (user, UTC time, market) rows."""
    values = ", ".join(f"('{u}', TIMESTAMPTZ '{t}+00', '{m}')" for u, t, m in rows)
    return (
        "SELECT user_id, played_at, 'trk' AS track_id, 'Song' AS track_name, 'Band' AS artist_name,"
        " NULL AS album_name, market, NULL AS city, 200000 AS ms_played, false AS skipped,"
        f" 'ios' AS platform FROM (VALUES {values}) AS t(user_id, played_at, market)"
    )


def _users(rows: list[tuple[str, int | None, bool]]) -> str:
    values = ", ".join(f"('{u}', {'NULL' if b is None else b}, {o})" for u, b, o in rows)
    return (
        "SELECT user_id, 'US' AS market, CAST(birth_year AS INTEGER) AS birth_year, opted_out "
        f"FROM (VALUES {values}) AS t(user_id, birth_year, opted_out)"
    )


LISTENER_LEVEL = ("listens", "streams", "listener_track_days", "users", "playlists")


def _ids(ws, view: str) -> set[str]:
    return {r[0] for r in ws.con.execute(f"SELECT DISTINCT user_id FROM {view}").fetchall()}


def test_every_listener_view_is_filtered_alike_and_individual_views_need_a_known_age(
    tmp_path: Path,
) -> None:
    people = ["adult", "young", "out", "anon", "born05"]
    times = ["2024-03-01 12:00:00", "2026-05-01 12:00:00"]  # data running into a later year
    users = [("adult", 1980, False), ("young", 2007, False), ("out", 1980, True)]
    users += [("born05", 2005, False), ("anon", None, False)]
    playlists = (
        "SELECT 'p-' || u AS playlist_id, u AS user_id, 'mix' AS name, "
        "TIMESTAMPTZ '2024-03-01 00:00:00+00' AS created_at "
        f"FROM (VALUES {', '.join(f'({chr(39)}{p}{chr(39)})' for p in people)}) AS t(u)"
    )
    files = write_tables(
        tmp_path,
        {
            "listens": _listens([(p, t, "US") for p in people for t in times]),
            "users": _users(users),
            "playlists": playlists,
        },
    )
    ws = open_workspace(CampaignConfig(), files)
    try:
        # the US day of the first play is 2024-03-01: listeners born 2005 or earlier are of age
        for view in LISTENER_LEVEL:
            assert _ids(ws, view) == {"adult", "anon", "born05"}, view
        with pack_scope(ws.con, "individual"):
            for view in LISTENER_LEVEL:
                assert _ids(ws, view) == {"adult", "born05"}, view
        assert _ids(ws, "listens") == {"adult", "anon", "born05"}  # the scope is left again
        years = dict(ws.con.execute("SELECT year, listeners FROM market_years").fetchall())
        assert years == {2024: 3, 2026: 3}
    finally:
        ws.close()


def test_ages_are_judged_on_the_markets_local_first_day(tmp_path: Path) -> None:
    # 03:00 UTC on 1 January 2024 is still 31 December 2023 in the US: born 2005 may be 17
    files = write_tables(
        tmp_path,
        {
            "listens": _listens([(u, "2024-01-01 03:00:00", "US") for u in ("a", "b05")]),
            "users": _users([("a", 1990, False), ("b05", 2005, False)]),
        },
    )
    ws = open_workspace(CampaignConfig(), files)
    try:
        assert _ids(ws, "listens") == {"a"}
    finally:
        ws.close()
    ws = open_workspace(CampaignConfig(year=2024), files)  # facts cover 2024 days only
    try:
        assert _ids(ws, "listens") == {"a", "b05"}
    finally:
        ws.close()
