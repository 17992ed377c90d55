"""Which languages a market's copy is written in: pinned by the campaign, or its country's own.

`locales = "auto"` gives each market the official and de facto languages of its country (CLDR's
territory languages, via Babel) that have copy templates, in CLDR's order (most speakers first),
so Switzerland gets de, fr and it, and Singapore en, zh-Hans and ms. A list pins every market to
those locales.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Protocol

from babel.core import get_global
from babel.languages import get_official_languages

from campaign.markets import GLOBAL_MARKET
from campaign.resources import bundled_dir
from campaign.typography import UnknownLocale, parse_locale


class LocaleSettings(Protocol):
    """What the locale choice reads of a campaign's settings (a CampaignConfig has both)."""

    @property
    def locales(self) -> tuple[str, ...]: ...

    @property
    def root(self) -> Path: ...


AUTO = "auto"
# What a global fact (market "*") and a country none of whose languages has templates are
# written in, beside the languages they lack (reported as missing translations).
FALLBACK = "en"


def is_auto(locales: Sequence[str]) -> bool:
    return tuple(locales) == (AUTO,)


def template_locales(campaign_root: Path | None = None) -> list[str]:
    """Every locale that has a copy template in any family, the campaign's own folder first."""
    found: dict[str, None] = {}
    own = [campaign_root / "templates"] if campaign_root is not None else []
    for folder in [*own, bundled_dir("templates")]:
        for path in sorted((folder / "copy").glob("*/*.j2")):
            found.setdefault(path.stem, None)
    return list(found)


# CLDR still lists the macrolanguage "no" beside Bokmål; they are one written language here.
_SAME_LANGUAGE = {"no": "nb"}


@cache
def language_key(code: str) -> str:
    """A locale's written language, as language and script: zh → zh_Hans, zh-TW → zh_Hant.

    Two codes with one key are written alike, whatever their territory (pt-BR, pt-PT).
    """
    locale = parse_locale(code)
    language = _SAME_LANGUAGE.get(locale.language, locale.language)
    script = locale.script
    if not script:
        tag = str(locale) if locale.territory else locale.language
        likely = get_global("likely_subtags")
        script = next(
            (p for p in likely.get(tag, likely.get(locale.language, "")).split("_")[1:2]), ""
        )
    return f"{language}_{script}"


def _match_table(available: Sequence[str]) -> dict[str, str]:
    """Written language → the first template locale that writes it."""
    table: dict[str, str] = {}
    for code in available:
        table.setdefault(language_key(code), code)
    return table


def country_locales(market: str, available: Sequence[str]) -> tuple[list[str], list[str]]:
    """The market's languages that have templates, and those that have none (as codes)."""
    table = _match_table(available)
    have: list[str] = []
    lack: list[str] = []
    for language in get_official_languages(market, de_facto=True):
        try:
            key = language_key(language)
        except UnknownLocale:  # CLDR lists it for the country but has no data to write it
            continue
        match = table.get(key)
        if match is None:
            lack.append(language.replace("_", "-"))
        elif match not in have:
            have.append(match)
    return have, lack


def locales_for(config: LocaleSettings, market: str) -> list[str]:
    """The locales a market's copy is written in.

    Pinned locales are used as they are. With "auto", a country whose languages have no
    templates gets its own first language (so the copywriter reports it missing) and English.
    """
    if not is_auto(config.locales):
        return list(config.locales)
    if market == GLOBAL_MARKET:
        return [FALLBACK]
    have, lack = country_locales(market, template_locales(config.root))
    if have:
        return have
    return [*lack[:1], FALLBACK]


def calendar_locales(config: LocaleSettings, markets: Iterable[str]) -> list[str]:
    """Every locale any of the markets is written in: the calendar names events in each."""
    found: dict[str, None] = {}
    for market in markets:
        found.update(dict.fromkeys(locales_for(config, market)))
    return list(found)


def check_locales(locales: Sequence[str]) -> str | None:
    """Why a `locales` setting is wrong (one sentence), or None when it is right."""
    if AUTO in locales and len(locales) > 1:
        return "setting 'locales' is either \"auto\" or a list of locales, not both"
    if not locales:
        return "setting 'locales' is empty; use \"auto\" or list at least one locale"
    for code in locales:
        if code == AUTO:
            continue
        try:
            parse_locale(code)
        except UnknownLocale as exc:
            return f"setting 'locales': {exc} (use a CLDR code such as fr, pt-PT or zh-Hant)"
    return None
