"""The calendar: holidays, cultural days and a campaign's own events, per market."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from campaign.errors import InputError
from campaign.events import build_calendar, load_event_file
from campaign.markets import market_timezone, normalise_market


def names_on(events, day: date, market: str) -> set[str]:
    return {e.name("en") for e in events if e.day == day and e.market == market}


def test_holidays_and_cultural_days_per_market() -> None:
    events = build_calendar(["GB", "US"], [2024])
    assert "Christmas Day" in names_on(events, date(2024, 12, 25), "GB")
    assert "Thanksgiving Day" in names_on(events, date(2024, 11, 28), "US")
    assert "Valentine's Day" in names_on(events, date(2024, 2, 14), "US")
    assert "Pancake Day" in names_on(events, date(2024, 2, 13), "GB")  # 47 days before Easter
    assert "Pancake Day" not in names_on(events, date(2024, 2, 13), "US")
    # a holiday and a cultural day of one name appear once
    assert sum(1 for e in events if e.day == date(2024, 12, 25) and e.market == "GB") == 1


def test_event_names_per_locale() -> None:
    events = build_calendar(["FR"], [2024], ["en", "fr"])
    christmas = next(e for e in events if e.day == date(2024, 12, 25))
    assert christmas.name("fr") == "Noël"
    assert christmas.name("en") == "Christmas Day"


def test_own_events_file(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text(
        "date,name,markets,name_fr\n2016-06-23,the Brexit vote,GB;IE,le vote du Brexit\n"
    )
    events = build_calendar(["GB", "US"], [2016], event_files=[path])
    brexit = [e for e in events if e.kind == "news"]
    assert [(e.day, e.market) for e in brexit] == [(date(2016, 6, 23), "GB")]
    assert brexit[0].name("fr") == "le vote du Brexit"


@pytest.mark.parametrize(
    ("content", "message", "line"),
    [
        ("date,name\n2016-13-01,x\n", "is not a date", 2),
        ("date,name,kind\n2016-01-01,x,party\n", "kind 'party'", 2),
        ("day,title\n2016-01-01,x\n", "needs the columns", None),
        ("date,name,markets\n2016-01-01,x,Narnia\n", "not a market code", 2),
    ],
)
def test_bad_events_file(tmp_path: Path, content: str, message: str, line: int | None) -> None:
    path = tmp_path / "events.csv"
    path.write_text(content)
    with pytest.raises(InputError, match=message) as info:
        load_event_file(path)
    assert info.value.line == line


def test_market_codes_and_zones() -> None:
    assert normalise_market(" gb ") == "GB"
    assert normalise_market("uk") == "GB"
    assert normalise_market("global") == "*"
    assert market_timezone("US") == "America/New_York"
    assert market_timezone("JP") == "Asia/Tokyo"
    assert market_timezone("US", {"US": "America/Chicago"}) == "America/Chicago"


def test_movable_days_per_country() -> None:
    events = build_calendar(["GB", "US", "FR", "NO", "MX", "FI"], [2017])
    mothers = {e.market: e.day for e in events if e.name("en") == "Mother's Day"}
    assert mothers == {
        "GB": date(2017, 3, 26),  # Mothering Sunday, three weeks before Easter
        "US": date(2017, 5, 14),  # second Sunday of May
        "FI": date(2017, 5, 14),
        "FR": date(2017, 5, 28),  # last Sunday of May
        "NO": date(2017, 2, 12),  # second Sunday of February
        "MX": date(2017, 5, 10),
    }
    assert names_on(events, date(2017, 11, 24), "US") >= {"Black Friday"}
    assert "the Eurovision final" in names_on(events, date(2017, 5, 13), "FI")
    assert "the Eurovision final" not in names_on(events, date(2017, 5, 13), "US")


def test_the_days_after_a_news_event(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("date,name,markets,name_fr\n2016-06-23,the Brexit vote,GB,le vote du Brexit\n")
    events = build_calendar(["GB"], [2016], ["en", "fr"], [path])
    after = next(e for e in events if e.day == date(2016, 6, 24))
    assert (after.kind, after.name("en"), after.name("fr")) == (
        "window",
        "the day after the Brexit vote",
        "le lendemain du vote du Brexit",
    )
    assert {e.name("en") for e in events if e.day == date(2016, 6, 27)} == {
        "the week of the Brexit vote"
    }
