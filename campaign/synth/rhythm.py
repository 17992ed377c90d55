"""When people listen: weekly and daily rhythm in each market's local time, and local → UTC."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from campaign.events import Event
from campaign.synth.spec import HOUR_US, SynthSpec

# Relative listening per local hour (0..23). Night trough 2–5 h, commute bump, evening peak.
_WEEKDAY = [0.9, 0.5, 0.3, 0.2, 0.2, 0.4, 1.2, 2.6, 3.4, 2.4, 2.0, 2.1,
            2.5, 2.3, 2.1, 2.3, 2.8, 3.6, 4.2, 4.6, 4.8, 4.5, 3.6, 2.2]  # fmt: skip
_FRIDAY = [0.9, 0.5, 0.3, 0.2, 0.2, 0.4, 1.1, 2.4, 3.2, 2.4, 2.1, 2.2,
           2.6, 2.4, 2.3, 2.5, 3.0, 3.8, 4.4, 4.9, 5.3, 5.4, 4.8, 3.6]  # fmt: skip
_SATURDAY = [2.4, 1.8, 1.1, 0.5, 0.3, 0.3, 0.4, 0.7, 1.3, 2.2, 3.0, 3.5,
             3.7, 3.6, 3.5, 3.5, 3.6, 3.8, 4.1, 4.5, 4.8, 4.9, 4.4, 3.4]  # fmt: skip
_SUNDAY = [2.0, 1.4, 0.9, 0.4, 0.3, 0.3, 0.4, 0.7, 1.3, 2.2, 3.0, 3.4,
           3.6, 3.5, 3.4, 3.4, 3.5, 3.7, 3.9, 4.0, 3.9, 3.5, 2.8, 1.7]  # fmt: skip
DAY_TYPES = ("weekday", "friday", "saturday", "sunday")  # public holidays count as Sundays

# Listening per weekday, Monday first: Friday (new music, going out) is the busiest day.
_WEEKDAY_VOLUME = np.array([0.96, 0.97, 0.98, 1.0, 1.12, 1.05, 0.92])


def hourly_profiles(market: str) -> np.ndarray:
    """(4, 24) probabilities of a session starting in each local hour, per DAY_TYPES."""
    profiles = np.array([_WEEKDAY, _FRIDAY, _SATURDAY, _SUNDAY], dtype=np.float64)
    if market == "JP":  # long train commutes, a later evening peak
        profiles[:2, 7:9] *= 1.5
        profiles[:, 21:24] *= 1.2
    elif market == "US":  # car commutes
        profiles[:2, 16:18] *= 1.2
    return profiles / profiles.sum(axis=1, keepdims=True)


def weekday_of(spec: SynthSpec) -> np.ndarray:
    """Weekday (Monday = 0) of each local day index of the year, plus a spill-over day."""
    first = date(spec.year, 1, 1).weekday()
    return (first + np.arange(spec.days + 1)) % 7


def day_of(spec: SynthSpec, event_day: date) -> int:
    return (event_day - date(spec.year, 1, 1)).days


def day_types(spec: SynthSpec, holidays: list[int]) -> np.ndarray:
    """DAY_TYPES index of each local day: public holidays are shaped like Sundays."""
    types = np.array([0, 0, 0, 0, 1, 2, 3])[weekday_of(spec)]
    types[[d for d in holidays if 0 <= d < len(types)]] = 3
    return types


def day_weights(spec: SynthSpec, events: list[Event], rng: np.random.Generator) -> np.ndarray:
    """Relative listening volume per local day of one market: weekly rhythm, a mild season
    (December high, late summer low), day-to-day noise, a little more on festive days."""
    doy = np.arange(spec.days)
    weights = _WEEKDAY_VOLUME[weekday_of(spec)[: spec.days]]
    weights = weights * (1 + 0.06 * np.cos(2 * np.pi * (doy - 350) / spec.days))
    weights = weights * rng.lognormal(0.0, 0.03, spec.days)
    for event in events:
        d = day_of(spec, event.day)
        if 0 <= d < spec.days:
            weights[d] *= 1.06 if event.kind == "cultural" else 0.97
    return weights / weights.sum()


CHRISTMAS_OFF_SEASON = 0.12  # Christmas songs outside their season, relative to their level


def theme_season(spec: SynthSpec, theme: str) -> np.ndarray:
    """How much more (or less) an event-themed track is played on each day of the year."""
    d = np.arange(spec.days, dtype=np.float64)

    def doy(month: int, day: int) -> int:
        return (date(spec.year, month, day) - date(spec.year, 1, 1)).days

    factor = np.ones(spec.days)
    if theme == "christmas":  # hardly heard most of the year, building up through December
        factor[:] = CHRISTMAS_OFF_SEASON
        start, eve = doy(11, 15), doy(12, 24)
        ramp = (d >= start) & (d <= eve + 1)
        factor[ramp] = CHRISTMAS_OFF_SEASON + 2.6 * (d[ramp] - start) / (eve - start)
        factor[d > eve + 1] = 0.9
    elif theme == "love":
        start, peak = doy(2, 1), doy(2, 14)
        ramp = (d >= start) & (d <= peak)
        factor[ramp] = 1 + (d[ramp] - start) / (peak - start)
    elif theme == "halloween":
        start, peak = doy(10, 15), doy(10, 31)
        ramp = (d >= start) & (d <= peak)
        factor[ramp] = 1 + 1.2 * (d[ramp] - start) / (peak - start)
    elif theme == "new_year":
        factor[d >= doy(12, 27)] = 1.8
        factor[d <= 1] = 1.5
    elif theme == "fireworks":
        factor[(d >= doy(7, 1)) & (d <= doy(7, 4))] = 1.6
        factor[(d >= doy(11, 2)) & (d <= doy(11, 5))] = 1.6
    elif theme == "summer":
        factor[(d >= doy(6, 1)) & (d < doy(9, 1))] = 1.4
    return factor


def utc_offsets_us(tz: str, spec: SynthSpec) -> np.ndarray:
    """UTC offset (µs) of each local wall-clock hour, from 2 days before 1 January to 3 days
    after the year. Index with `local_us // HOUR_US + OFFSET_PAD_HOURS`."""
    zone = ZoneInfo(tz)
    start = datetime(spec.year, 1, 1) - timedelta(hours=OFFSET_PAD_HOURS)

    def offset(h: int) -> int:
        wall = (start + timedelta(hours=h)).replace(tzinfo=zone)
        return int(wall.utcoffset().total_seconds()) * 1_000_000

    n_days = spec.days + 3 + OFFSET_PAD_HOURS // 24
    midnight = np.array([offset(24 * d) for d in range(n_days + 1)], dtype=np.int64)
    offsets = np.repeat(midnight[:-1], 24)
    for d in np.flatnonzero(midnight[1:] != midnight[:-1]).tolist():  # days with a change
        offsets[24 * d : 24 * d + 24] = [offset(h) for h in range(24 * d, 24 * d + 24)]
    return offsets


OFFSET_PAD_HOURS = 48


def local_to_utc_us(
    local_us: np.ndarray, market: np.ndarray, offsets: list[np.ndarray], spec: SynthSpec
) -> np.ndarray:
    """Local wall-clock µs since 1 January 00:00 → µs since the Unix epoch, UTC.

    A wall time that does not exist (the spring-forward gap) takes the offset before the change,
    so it lands an hour later on the same local day; an ambiguous one takes the first occurrence.
    """
    epoch_day = (date(spec.year, 1, 1) - date(1970, 1, 1)).days
    utc = local_us + epoch_day * 24 * HOUR_US
    slot = local_us // HOUR_US + OFFSET_PAD_HOURS
    for m, table in enumerate(offsets):
        rows = market == m
        utc[rows] -= table[slot[rows]]
    return utc
