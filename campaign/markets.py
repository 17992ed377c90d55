"""Markets and their time zones: a fact's day is the market's local calendar day, not UTC's."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.core import get_global

from campaign.errors import ConfigError

GLOBAL_MARKET = "*"

# Countries spanning several zones: the zone where most of the country's listeners live.
# Single-zone countries need no entry; babel's CLDR data gives their zone.
_MAIN_ZONE = {
    "US": "America/New_York",
    "CA": "America/Toronto",
    "MX": "America/Mexico_City",
    "BR": "America/Sao_Paulo",
    "AR": "America/Argentina/Buenos_Aires",
    "CL": "America/Santiago",
    "AU": "Australia/Sydney",
    "NZ": "Pacific/Auckland",
    "RU": "Europe/Moscow",
    "ES": "Europe/Madrid",
    "PT": "Europe/Lisbon",
    "ID": "Asia/Jakarta",
    "KZ": "Asia/Almaty",
    "CN": "Asia/Shanghai",
    "DE": "Europe/Berlin",
    "EC": "America/Guayaquil",
    "MY": "Asia/Kuala_Lumpur",
    "UA": "Europe/Kyiv",
    "CD": "Africa/Kinshasa",
    "MN": "Asia/Ulaanbaatar",
    "PF": "Pacific/Tahiti",
    "KI": "Pacific/Tarawa",
    "FM": "Pacific/Pohnpei",
    "UZ": "Asia/Tashkent",
    "GL": "America/Nuuk",
    "CY": "Asia/Nicosia",
    "PS": "Asia/Gaza",
}

_MARKET_CODE = re.compile(r"^[A-Z]{2}$")


def normalise_market(raw: str) -> str:
    """Upper-case ISO 3166-1 alpha-2, or `*` for global data ("global", "ww", "*")."""
    code = raw.strip().upper()
    if code in {"GLOBAL", "WW", "*", "XX"}:
        return GLOBAL_MARKET
    if code == "UK":
        return "GB"
    if not _MARKET_CODE.match(code):
        raise ConfigError(f"'{raw}' is not a market code (two letters, ISO 3166-1, e.g. GB)")
    return code


def market_timezone(market: str, overrides: dict[str, str] | None = None) -> str:
    """The IANA zone whose calendar day counts as the market's day."""
    if overrides and market in overrides:
        zone = overrides[market]
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"unknown time zone '{zone}' for market {market}") from exc
        return zone
    if market == GLOBAL_MARKET:
        return "UTC"
    if market in _MAIN_ZONE:
        return _MAIN_ZONE[market]
    zones = get_global("territory_zones").get(market)
    if not zones:
        return "UTC"
    return zones[0]
