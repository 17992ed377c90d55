"""The cards' words, in second person, from `templates/wrapped/<locale>.j2` in a Jinja sandbox.

A locale is one file of macros: one per card kind (its first line is the headline, the rest the
body) and one per way of counting (`counted_<key>`), so adding a language is adding one file.
Numbers, days, months, plurals and quotation marks follow the locale (CLDR, via babel); a
preposition before an event's name goes through the billboards' grammar (`contract`,
`german_on`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
from babel.dates import format_date, format_skeleton
from babel.numbers import format_decimal, format_percent
from jinja2.sandbox import SandboxedEnvironment

from campaign.copywriter import display_title
from campaign.errors import ConfigError, TemplateError
from campaign.grammar import contract, german_on
from campaign.locales import FALLBACK, country_locales
from campaign.markets import GLOBAL_MARKET
from campaign.resources import bundled_dir
from campaign.typography import parse_locale, quote
from campaign.wrapped.card import Card

# A title's tail after the name: "(From ...)", "[Original ... Soundtrack]", "| Coke Studio".
_BRACKETED_TAIL = re.compile(r"\s+(?:[(\[]|\|\s).*$")


def template_dir() -> Path:
    return bundled_dir("templates") / "wrapped"


def shipped_locales() -> list[str]:
    return sorted(p.stem for p in template_dir().glob("*.j2"))


@dataclass(frozen=True)
class LocaleChoice:
    """The language the story is written in, and the market's language it lacks, if any."""

    locale: str
    missing: str | None = None  # a language of the market with no wrapped template yet


def locale_for(market: str, requested: str | None) -> LocaleChoice:
    """`--locale`, else the market's first language with a template, as the billboards choose
    (campaign.locales); a market none of whose languages has one is told in English and its
    own language is reported missing, never silently."""
    shipped = shipped_locales()
    if requested is not None:
        if requested not in shipped:
            raise ConfigError(
                f"--locale '{requested}' has no wrapped template (shipped: {', '.join(shipped)})",
                "--locale",
            )
        return LocaleChoice(requested)
    if market == GLOBAL_MARKET:
        return LocaleChoice(FALLBACK)
    have, lack = country_locales(market, shipped)
    if have:
        return LocaleChoice(have[0])
    return LocaleChoice(FALLBACK, lack[0] if lack else None)


def short_title(text: str) -> str:
    """A title for a headline: the catalogue's clutter dropped, then what follows the name in
    brackets or after a "|" ('Main Rahun (From "Parwarish") [Original Motion Picture
    Soundtrack]' → 'Main Rahun')."""
    title = display_title(text)
    short = _BRACKETED_TAIL.sub("", title).strip()
    return short or title


class WrappedCopy:
    """One sandboxed environment per locale: the filters close over the locale."""

    def __init__(self, locale: str, folder: Path | None = None) -> None:
        self.locale = locale
        self.babel = parse_locale(locale)
        self.env = SandboxedEnvironment(
            loader=jinja2.FileSystemLoader(str(folder or template_dir())),
            undefined=jinja2.StrictUndefined,
            autoescape=False,  # plain text: the story page escapes it, the PNGs draw it
            keep_trailing_newline=False,
        )
        self.env.filters.update(
            number=self.number,
            percent=self.percent,
            day=self.day,
            month=self.month,
            quote=self.quote,
            title=display_title,
            short=short_title,
            contract=self.contract,
            german_on=german_on,
        )
        self.env.globals.update(plural=self.plural)
        try:
            self.module = self.env.get_template(f"{locale}.j2").module
        except jinja2.TemplateError as exc:
            raise TemplateError(f"does not parse ({exc})", f"{locale}.j2") from None

    def number(self, value: float, digits: int = 0) -> str:
        return format_decimal(round(float(value), digits), locale=self.babel)

    def percent(self, share: float) -> str:
        """A share as the locale writes a whole percentage: 29%, 29 % (no-break), %29."""
        return format_percent(share, locale=self.babel)

    def day(self, value: date) -> str:
        return format_skeleton("MMMMd", value, locale=self.babel)

    def month(self, value: date) -> str:
        return format_date(value, "LLLL", locale=self.babel)

    def contract(self, text: str) -> str:
        """A preposition joined to a name, contracted as the language does (em o → no)."""
        return contract(text, self.locale)

    def quote(self, text: str) -> str:
        return quote(text, self.locale)

    def plural(self, count: float, one: str, other: str) -> str:
        return one if self.babel.plural_form(abs(count)) == "one" else other

    def _macro(self, name: str, *args: Any) -> str:
        macro = getattr(self.module, name, None)
        if macro is None:
            raise TemplateError(f"has no macro '{name}'", f"{self.locale}.j2")
        try:
            text = str(macro(*args))
        except jinja2.TemplateError as exc:
            raise TemplateError(f"macro '{name}' failed ({exc})", f"{self.locale}.j2") from None
        return "\n".join(line.strip() for line in text.strip().splitlines() if line.strip())

    def write(self, card: Card, story: dict[str, Any]) -> dict[str, str]:
        """headline, body and the line saying how the card was counted."""
        headline, _, body = self._macro(card.kind, card.facts, story).partition("\n")
        counted = self._macro(f"counted_{card.counted}", card.facts, story, card.source)
        return {"headline": headline, "body": body, "counted": counted}

    def write_all(self, cards: list[Card], story: dict[str, Any]) -> None:
        """Word every card of the story; when the year's data covers only part of it, the first
        card's body opens by saying which days it covers (`story["coverage"]`)."""
        for card in cards:
            card.copy = self.write(card, story)
        if cards and story["coverage"]["partial"]:
            first = cards[0].copy
            first["body"] = "\n".join(filter(None, (self._macro("partial", story), first["body"])))
