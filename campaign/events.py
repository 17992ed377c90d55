"""The calendar stage: dated events per market that give a fact its day and its story.

Events come from three places: public holidays (the `holidays` package), dated cultural days
(`assets/cultural_days.toml`) and the campaign's own events file (a referendum, a final, a release).
"""

from __future__ import annotations

import csv
import io
import logging
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import holidays
from dateutil.easter import easter

from campaign.errors import ConfigError, InputError
from campaign.grammar import contract
from campaign.locales import language_key
from campaign.markets import GLOBAL_MARKET, normalise_market
from campaign.resources import ASSETS_DIR
from campaign.safetext import strip_unsafe

log = logging.getLogger(__name__)

KINDS = ("holiday", "cultural", "news", "release", "custom", "obituary")
# Tones an event may carry: a respectful day (a death, a tragedy) gets no joke sign-off.
TONES = ("respectful",)
RESPECTFUL = "respectful"
# When several events fall on one market-day, the fact names the most specific one. A `window`
# is derived: the days after a news or custom event ("the day after the Brexit vote").
KIND_PRIORITY = {
    "obituary": 0,
    "news": 0,
    "custom": 1,
    "release": 2,
    "holiday": 3,
    "cultural": 4,
    "window": 5,
}
# How the days after a news event are named, per locale; {name} is the event's own name. Each
# phrase reads where "on Valentine's Day" would in that locale's copy (campaign/grammar.py
# contracts a preposition with the name's article: de el → del, em o → no).
WINDOWS = {
    "day-after": (
        range(1, 2),
        {
            "en": "the day after {name}",
            "nl": "de dag na {name}",
            "fr": "le lendemain {de_name}",
            "fi": "{name}: seuraava päivä",
            "de": "am Tag nach {name}",
            "sv": "dagen efter {name}",
            "nb": "dagen etter {name}",
            "da": "dagen efter {name}",
            "es": "el día después de {name}",
            "pt": "no dia seguinte a {name}",
            "it": "il giorno dopo {name}",
            "tr": "{name}, ertesi gün",
            "id": "sehari setelah {name}",
            "ms": "sehari selepas {name}",
            "th": "วันถัดจาก{name}",
            "vi": "ngày sau {name}",
            "ko": "{name} 다음 날",
            "ja": "{name}の翌日",
            "zh-Hant": "{name}隔天",
            "zh-Hans": "{name}第二天",
        },
    ),
    "week-of": (
        range(2, 7),
        {
            "en": "the week of {name}",
            "nl": "de week van {name}",
            "fr": "la semaine {de_name}",
            "fi": "{name}: sama viikko",
            "de": "in der Woche nach {name}",
            "sv": "veckan efter {name}",
            "nb": "uka etter {name}",
            "da": "ugen efter {name}",
            "es": "la semana de {name}",
            "pt": "na semana de {name}",
            "it": "la settimana di {name}",
            "tr": "{name}, aynı hafta",
            "id": "seminggu setelah {name}",
            "ms": "seminggu selepas {name}",
            "th": "สัปดาห์หลัง{name}",
            "vi": "tuần sau {name}",
            "ko": "{name} 주간",
            "ja": "{name}の週",
            "zh-Hant": "{name}那一週",
            "zh-Hans": "{name}那一周",
        },
    ),
}


def french_de(name: str) -> str:
    """French "de" before a name, contracted with its article: du, des, d'."""
    if name.startswith("le "):
        return "du " + name[3:]
    if name.startswith("les "):
        return "des " + name[4:]
    if name[:1].lower() in "aeiouyhéèêà":
        return "d’" + name
    return "de " + name


def windows(event: Event) -> list[Event]:
    """The days after a news, custom or obituary event, as events of their own (kind `window`),
    in the tone of the event."""
    if event.kind not in ("news", "custom", "obituary"):
        return []
    derived = []
    for key, (offsets, phrasing) in WINDOWS.items():
        names = {
            locale: contract(phrasing[locale].format(name=name, de_name=french_de(name)), locale)
            for locale, name in event.names.items()
            if locale in phrasing
        }
        for offset in offsets:
            derived.append(
                Event(
                    event.day + timedelta(days=offset),
                    event.market,
                    "window",
                    names,
                    key,
                    event.tone,
                )
            )
    return derived


@dataclass(frozen=True)
class Event:
    day: date
    market: str  # ISO alpha-2, or "*" for every market
    kind: str
    names: dict[str, str] = field(hash=False, compare=False)
    source: str
    tone: str | None = None  # "respectful": copy without jokes (an obituary always is)

    @property
    def event_id(self) -> str:
        return f"{self.kind}:{self.day.isoformat()}:{self.market}:{_slug(self.name('en'))}"

    def name(self, locale: str) -> str:
        """The event's name in `locale`, falling back to English, then to any name it has."""
        return self.names.get(locale) or self.names.get("en") or next(iter(self.names.values()))


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-") or "event"


def _holiday_language(country: holidays.HolidayBase, locale: str) -> str | None:
    """The `holidays` language code that writes a copy locale's language (None = none does)."""
    wanted = language_key(locale)
    codes = [country.default_language or "", *(country.supported_languages or ())]
    return next((code for code in codes if code and language_key(code) == wanted), None)


def public_holidays(
    markets: Iterable[str], years: Iterable[int], locales: Iterable[str]
) -> list[Event]:
    """Public holidays per market, named in every locale the `holidays` package supports."""
    years = sorted(set(years))
    locales = list(dict.fromkeys(["en", *locales]))
    supported = holidays.list_supported_countries()
    events: list[Event] = []
    for market in sorted(set(markets)):
        if market == GLOBAL_MARKET or market not in supported:
            continue
        names_by_day: dict[date, dict[str, str]] = {}
        probe = holidays.country_holidays(market)
        for locale in locales:
            language = _holiday_language(probe, locale)
            if language is None:
                continue
            calendar = holidays.country_holidays(
                market, years=years, language=language, observed=False
            )
            for day, name in calendar.items():
                names_by_day.setdefault(day, {})[locale] = name.split(";")[0].strip()
        for day, names in sorted(names_by_day.items()):
            if "en" not in names:
                names["en"] = next(iter(names.values()))
            events.append(Event(day, market, "holiday", names, "holidays"))
    return events


_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _nth_weekday(year: int, month: int, weekday: str, nth: int) -> date:
    """The nth given weekday of a month; nth = -1 is the last one."""
    target = _WEEKDAYS.index(weekday.lower())
    if nth > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(target - first.weekday()) % 7 + 7 * (nth - 1))
    last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - target) % 7 + 7 * (-nth - 1))


def _rule_days(rule: dict[str, Any], year: int, key: str, path: Path) -> list[date]:
    """The days one date rule gives in a year (several for a list of explicit dates)."""
    try:
        if "date" in rule:
            month, day_of_month = (int(p) for p in rule["date"].split("-"))
            days = [date(year, month, day_of_month)]
        elif "easter" in rule:
            days = [easter(year) + timedelta(days=int(rule["easter"]))]
        elif "nth_weekday" in rule:
            spec = rule["nth_weekday"]
            days = [_nth_weekday(year, int(spec["month"]), spec["weekday"], int(spec["nth"]))]
        elif "dates" in rule:
            days = [d for d in (date.fromisoformat(x) for x in rule["dates"]) if d.year == year]
        else:
            raise ConfigError(
                f"cultural day '{key}' needs date, easter, nth_weekday or dates", path
            )
    except (KeyError, ValueError) as exc:
        raise ConfigError(f"cultural day '{key}' has a bad date rule ({exc})", path) from None
    return [d + timedelta(days=int(rule.get("offset", 0))) for d in days]


def cultural_days(years: Iterable[int], path: Path | None = None) -> list[Event]:
    """Dated cultural days (Valentine's Day, Mother's Day per country, …) for the given years."""
    path = path or ASSETS_DIR / "cultural_days.toml"
    spec = tomllib.loads(path.read_text(encoding="utf-8"))
    events: list[Event] = []
    for key, entry in spec.items():
        for rule in entry.get("rules", [entry]):
            markets = rule.get("markets", GLOBAL_MARKET)
            market_list = [GLOBAL_MARKET] if markets == GLOBAL_MARKET else list(markets)
            for year in sorted(set(years)):
                for day in _rule_days(rule, year, key, path):
                    events.extend(
                        Event(day, market, "cultural", dict(entry["names"]), "cultural")
                        for market in market_list
                    )
    return events


def load_event_file(path: Path) -> list[Event]:
    """A campaign's own events: a CSV with `date,name,markets` and optional `kind`, `tone`,
    `name_<locale>`.

    `markets` is `*` or a list separated by `;` or spaces (e.g. `GB;IE`). `tone = respectful`
    (implied by the `obituary` kind) keeps jokes off the facts of that day.
    """
    if not path.is_file():
        raise InputError("the events file does not exist", path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"is not UTF-8 text (byte {exc.start} cannot be read); save it as UTF-8", path
        ) from None
    events: list[Event] = []
    cleaned = 0
    with io.StringIO(text, newline="") as handle:
        reader = csv.DictReader(handle)
        missing = {"date", "name"} - set(reader.fieldnames or [])
        if missing:
            raise InputError(
                f"the events file needs the columns {', '.join(sorted(missing))}", path
            )
        for line, row in enumerate(reader, start=2):
            try:
                day = date.fromisoformat((row.get("date") or "").strip())
            except ValueError:
                raise InputError(
                    f"'{row.get('date')}' is not a date (YYYY-MM-DD)", path, line
                ) from None
            kind = (row.get("kind") or "news").strip() or "news"
            if kind not in KINDS:
                raise InputError(f"kind '{kind}' is not one of {', '.join(KINDS)}", path, line)
            tone = (row.get("tone") or "").strip().lower() or None
            if tone is not None and tone not in TONES:
                raise InputError(f"tone '{tone}' is not one of {', '.join(TONES)}", path, line)
            if kind == "obituary":
                tone = RESPECTFUL
            names = {"en": row.get("name") or ""}
            names.update(
                {
                    k.removeprefix("name_"): v
                    for k, v in row.items()
                    if k and k.startswith("name_") and v
                }
            )
            safe = {locale: strip_unsafe(name).strip() for locale, name in names.items()}
            cleaned += sum(safe[locale] != name.strip() for locale, name in names.items())
            names = safe
            if not names["en"]:
                raise InputError("the event has no name", path, line)
            raw_markets = (row.get("markets") or GLOBAL_MARKET).replace(";", " ").split()
            try:
                markets = [normalise_market(m) for m in raw_markets] or [GLOBAL_MARKET]
            except ConfigError as exc:
                raise InputError(exc.message, path, line) from None
            events.extend(Event(day, m, kind, names, path.name, tone) for m in markets)
    if cleaned:
        log.warning(
            "%s: %d event names cleaned of bidi, private-use or control characters",
            path.name,
            cleaned,
        )
    return events


def _markets_of(event: Event, markets: list[str]) -> list[str]:
    """The campaign markets an event applies to (none if it is another market's)."""
    if event.market == GLOBAL_MARKET:
        return markets or [GLOBAL_MARKET]
    return [event.market] if not markets or event.market in markets else []


def calendar_order(event: Event) -> tuple[date, str, int]:
    """The calendar's order: by day, then market, a holiday before a cultural day of the name."""
    return event.day, event.market, KIND_PRIORITY[event.kind]


def build_calendar(
    markets: Iterable[str],
    years: Iterable[int],
    locales: Iterable[str] = ("en",),
    event_files: Iterable[Path] = (),
) -> list[Event]:
    """Every event of the given markets and years, one per market-day-name, sorted.

    Events for every market (`*`) are expanded to each market, so that a holiday and a cultural
    day of the same name (Christmas Day) appear once, and packs join on the market alone.
    """
    markets, years = sorted(set(markets)), list(years)
    events = public_holidays(markets, years, locales) + cultural_days(years)
    for path in event_files:
        events.extend(load_event_file(path))
    events += [window for event in events for window in windows(event)]
    expanded = [replace(e, market=m) for e in events for m in _markets_of(e, markets)]
    unique: dict[tuple[date, str, str], Event] = {}
    for event in sorted(expanded, key=calendar_order):
        unique.setdefault((event.day, event.market, event.name("en").casefold()), event)
    return list(unique.values())
