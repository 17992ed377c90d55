"""The copy lint: every family's templates render for every shape of fact, in every locale, short
enough for every format.

Facts come from `assets/copy_specimens.toml` (the shapes each pack returns, with values that hit
every plural form and branch), each written on a plain day, a cultural day, a public holiday, a
news event and the day after it, in a market that speaks the locale. The same facts make the
golden copy tests (tests/golden/copy/<locale>.txt).
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from babel.core import get_global

from campaign.config import CampaignConfig
from campaign.copywriter import EM_CLOSE, EM_OPEN, Copywriter, MissingTranslation
from campaign.errors import CampaignError
from campaign.events import Event, cultural_days, public_holidays, windows
from campaign.facts import Fact
from campaign.locales import template_locales
from campaign.packs import discover_packs, pack_dirs
from campaign.resources import ASSETS_DIR, template_search_path
from campaign.typography import parse_locale

# The most a billboard can say, headline and its longest sign-off together, in character widths
# (a CJK character is two). Measured on the default theme: at these lengths the headline is still
# set about a third of the way up from the theme’s smallest size to its largest (0.34 on the
# square, the tightest).
LENGTH_BUDGET = {
    "48-sheet": 260,
    "dooh-landscape": 240,
    "dooh-portrait": 240,
    "6-sheet": 210,
    "square": 170,
}
SPECIMEN_MARKET = "GB"  # a locale with no country of its own (en) is written for this one


@dataclass(frozen=True)
class Specimen:
    """One fact to write, with the event of its day and a label that says which it is."""

    label: str
    fact: Fact
    event: Event | None


@cache
def _specimens() -> dict[str, Any]:
    return tomllib.loads((ASSETS_DIR / "copy_specimens.toml").read_text(encoding="utf-8"))


def home_market(locale: str) -> str:
    """A country whose language the locale writes (CLDR's likely territory): de → DE."""
    parsed = parse_locale(locale)
    if parsed.territory:
        return parsed.territory
    key = f"{parsed.language}_{parsed.script}" if parsed.script else parsed.language
    likely = get_global("likely_subtags").get(key, "")
    territory = likely.split("_")[-1] if likely else ""
    return territory if territory.isalpha() and territory.isupper() else SPECIMEN_MARKET


def _day_events(market: str, day: date) -> list[tuple[str, Event | None]]:
    """The event situations a fact's day can be in: none, cultural, holiday, news, day after."""
    spec = _specimens()["news"]
    news = Event(spec["day"], market, "news", dict(spec["names"]), "specimen")
    year = day.year
    valentine = next(e for e in cultural_days([year]) if e.day == date(year, 2, 14))
    holidays = public_holidays([market], [year], template_locales())
    situations: list[tuple[str, Event | None]] = [("plain day", None), ("cultural", valentine)]
    if holidays:
        situations.append(("holiday", holidays[0]))
    return [*situations, ("news", news), ("day after", windows(news)[0])]


def specimens(family: str, locale: str) -> list[Specimen]:
    """Every specimen fact of a family, as written for the locale's home market."""
    spec = _specimens().get(family)
    if spec is None:
        spec = {"audience": "cohort", "subject_name": "Specimen", "cases": []}
        spec["cases"] = [{"measure": m, "values": [1, 2, 3749]} for m in ("listeners", "streams")]
    market = home_market(locale)
    day = spec.get("period_start", date(2016, 3, 9))
    situations = _day_events(market, day) if spec.get("events") else [("plain day", None)]
    found: list[Specimen] = []
    for number, case in enumerate(spec["cases"], 1):
        for value in case["values"]:
            for where, event in situations:
                fact = Fact(
                    family,
                    spec["audience"],
                    family,
                    market,
                    event.day if event else day,
                    event.day if event else day,
                    event.event_id if event else None,
                    case.get("subject_kind", spec.get("subject_kind", "track")),
                    f"specimen-{number}",
                    spec["subject_name"],
                    "Artist",
                    case["measure"],
                    value,
                    None,
                    1 if spec["audience"] == "individual" else int(value),
                    100_000,
                    {**case.get("detail", {}), **dict.fromkeys(case.get("nulls", []))},
                )
                label = f"case {number}, {case['measure']} = {value}, {where}"
                found.append(Specimen(label, fact, event))
    return found


def display_width(text: str) -> int:
    """Characters as wide as they print: a wide (CJK) character counts twice."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _families(config: CampaignConfig) -> list[str]:
    packs = discover_packs(pack_dirs(config.packs, config.root))
    return sorted({pack.copy for pack in packs})


def _plain(text: str) -> str:
    return text.replace(EM_OPEN, "").replace(EM_CLOSE, "")


def lint_copy(config: CampaignConfig) -> list[str]:
    """Every copy problem of the campaign's families in every locale, one sentence each.

    Lengths are checked against the tightest of the campaign's formats.
    """
    writer = Copywriter(template_search_path(config.root))
    budgets = {f: LENGTH_BUDGET[f] for f in config.formats if f in LENGTH_BUDGET}
    tightest = min(budgets or LENGTH_BUDGET, key=(budgets or LENGTH_BUDGET).__getitem__)
    problems: list[str] = []
    for family in _families(config):
        for locale in template_locales(config.root):
            problems.extend(_lint_one(writer, family, locale, tightest, LENGTH_BUDGET[tightest]))
    return problems


def _lint_one(writer: Copywriter, family: str, locale: str, fmt: str, budget: int) -> Iterator[str]:
    where = f"templates/copy/{family}/{locale}.j2"
    for specimen in specimens(family, locale):
        try:
            variants = writer.variants(specimen.fact, specimen.event, locale)
        except MissingTranslation:
            yield f"{where}: missing (every family needs a template in every locale)"
            return
        except CampaignError as exc:
            yield f"{where}: {exc.message} ({specimen.label})"
            continue
        for variant in variants:
            longest = max((display_width(s) for s in variant.signoffs), default=0)
            width = display_width(_plain(variant.headline)) + longest
            if width > budget:
                yield (
                    f"{where}: variant '{variant.name}' is {width} characters wide with its "
                    f"longest sign-off, over the {fmt} budget of {budget} ({specimen.label})"
                )


def golden_copy(locale: str) -> str:
    """Every variant of every family for every specimen in one locale, as the golden file holds."""
    writer = Copywriter()
    lines: list[str] = []
    for family in sorted(_specimens().keys() - {"news"}):
        for specimen in specimens(family, locale):
            for variant in writer.variants(specimen.fact, specimen.event, locale):
                headline = variant.headline.replace(EM_OPEN, "[").replace(EM_CLOSE, "]")
                signoffs = " / ".join(variant.signoffs)
                lines.append(f"{family} {variant.name} ({specimen.label}): {headline} | {signoffs}")
    return "\n".join(lines) + "\n"
