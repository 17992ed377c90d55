"""The packs' calendar in a wrapped workspace: each listener's market holds exactly the events
of their home market, built once per home market, in the order build_calendar gives."""

from __future__ import annotations

import duckdb
import pytest

from campaign.events import build_calendar
from campaign.wrapped.anomalies import home_calendar
from campaign.wrapped.select import Listener

WHO = {
    "listener-0": Listener("u:a", "GB", "Europe/London", "market", 2024),
    "listener-1": Listener("u:b", "DE", "Europe/Berlin", "market", 2024),
    "listener-2": Listener("u:c", "GB", "Europe/London", "market", 2024),
}
LOCALES = ("en", "de")
YEARS = range(2023, 2025)


def test_each_listener_gets_the_events_of_their_home_market() -> None:
    with duckdb.connect() as con:
        events = home_calendar(WHO, LOCALES)(con, YEARS)
        assert events == build_calendar(["DE", "GB"], YEARS, LOCALES)
        for alias, listener in WHO.items():
            rows = con.execute(
                "SELECT event_id, day FROM events WHERE market = ? ORDER BY day, event_id", [alias]
            ).fetchall()
            home = sorted((e.event_id, e.day) for e in events if e.market == listener.market)
            assert sorted(rows) == home
        homes = con.execute("SELECT count(*) FROM events WHERE market IN ('GB', 'DE')").fetchone()
        assert homes == (0,)  # only the listeners' own markets remain
        (days,) = con.execute("SELECT count(*) FROM event_days").fetchone()
        home_days = {m: {e.day for e in events if e.market == m} for m in ("GB", "DE")}
        assert days == sum(len(home_days[x.market]) for x in WHO.values())


def test_the_calendar_of_a_home_market_is_built_once(monkeypatch: pytest.MonkeyPatch) -> None:
    import campaign.wrapped.anomalies as anomalies

    built: list[list[str]] = []
    real = anomalies.build_calendar

    def counting(markets, years, locales):
        built.append(list(markets))
        return real(markets, years, locales)

    anomalies._market_calendar.cache_clear()
    monkeypatch.setattr(anomalies, "build_calendar", counting)
    for chunk in ({"listener-0": WHO["listener-0"]}, WHO):
        with duckdb.connect() as con:
            home_calendar(chunk, LOCALES)(con, YEARS)
    assert sorted(built) == [["DE"], ["GB"]]
    anomalies._market_calendar.cache_clear()
