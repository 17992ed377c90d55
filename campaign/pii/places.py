"""Postcodes and street addresses: where a listener lives.

Formats that cannot be mistaken for anything else in a title (UK "SW1A 1AA", Canadian "K1A 0B1",
US ZIP+4 "10001-1234") count on their own. Those that look like ordinary numbers (a five-digit
German, French or US code; a Dutch "1234 AB" that could be "2019 EP") count only next to a
street word or a place: "Hauptstraße 5, 10115 Berlin", "75001 Paris", "NY 10001".
"""

from __future__ import annotations

import re
from functools import cache

from campaign.resources import ASSETS_DIR

# UK: outward code, space optional, inward code (its letters never C, I, K, M, O or V).
_UK = r"\b(?:[A-PR-UWYZ][A-HK-Y]?\d[A-Z\d]?)\s?\d[ABD-HJLNP-UW-Z]{2}\b"
# Canada: letter-digit-letter digit-letter-digit, without D, F, I, O, Q or U.
_CA = r"\b[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z]\s?\d[ABCEGHJ-NPRSTV-Z]\d\b"
_ZIP4 = r"(?<![\d\-./])(?<!\d[\-./ ])\d{5}-\d{4}(?![\-./ ]?\d)"  # not inside a longer run of digits
UNMISTAKABLE = re.compile(rf"{_UK}|{_CA}|{_ZIP4}", re.IGNORECASE)

# Streets written before their house number ("Hauptstraße 5", "Calle Mayor 12", "Via Roma 10"):
# compound endings and words of the continental markets.
_STREET_SUFFIXES = (
    r"straße|strasse|str\.|gasse|allee|platz|damm|straat|laan|gracht|plein|kade|dreef|gatan|"
    r"vägen|veien|vej|katu|sokak|sokağı|caddesi"
)
_STREET_FIRST = (
    r"rue|chemin|impasse|allée|quai|via|viale|piazza|corso|calle|avenida|av\.|paseo|rua|"
    r"travessa|largo|praça|jalan|jl\.|soi|thanon|đường|phố|ngõ"
)
# Streets written after it ("12 Baker Street", "221B Abbey Road", "12 rue de Rivoli").
_STREET_LAST = (
    r"street|st\.|road|rd\.?|avenue|ave\.?|lane|drive|boulevard|blvd\.?|close|crescent|"
    r"terrace|court|way"
)
_CONTINENTAL = rf"(?:[^\W\d_]+(?:{_STREET_SUFFIXES})|(?:{_STREET_FIRST}))"
STREET_WORD = re.compile(
    rf"(?<!\w)(?:{_CONTINENTAL}|{_STREET_LAST}|postcode|zip code|apt\.?)(?!\w)", re.IGNORECASE
)
_HOUSE = r"\d{1,3}[a-z]?(?![\d])"
STREET_ADDRESS = re.compile(
    rf"(?<!\w){_CONTINENTAL}(?:\s+[^\W\d_]+){{0,2}}\s+{_HOUSE}"
    rf"|(?<![\w.,])\d{{1,4}}[a-z]?,?\s+(?:(?:{_STREET_FIRST})\s+\w+|(?:[^\W\d_]+\s+){{1,3}}"
    rf"(?:{_STREET_LAST})(?=\s*(?:,|$|\d)))",
    re.IGNORECASE,
)
# Five digits (DE, FR, ES, IT, FI, US, MY, TH, …) or the Dutch four digits and two capitals.
_AMBIGUOUS = re.compile(r"(?<![\d.,])(?:\d{5}|[1-9]\d{3}\s?[A-Z]{2})(?![\w])")
# A US state before the code ("NY 10001").
_STATE_BEFORE = re.compile(
    r"\b(?:A[KLRZ]|C[AOT]|D[CE]|FL|GA|HI|I[ADLN]|K[SY]|LA|M[ADEINOST]|N[CDEHJMVY]|O[HKR]|PA|RI|"
    r"S[CD]|T[NX]|UT|V[AT]|W[AIVY]),?\s*$"
)


@cache
def _city_after() -> re.Pattern[str]:
    """A city of the markets right after a code ("75001 Paris", "1012 AB Amsterdam")."""
    lines = (ASSETS_DIR / "pii" / "cities.txt").read_text(encoding="utf-8").splitlines()
    cities = [re.escape(c.strip()) for c in lines if c.strip() and not c.startswith("#")]
    return re.compile(rf"\s*,?\s*(?:{'|'.join(cities)})(?!\w)", re.IGNORECASE)


def _ambiguous_code_in_place(text: str, match: re.Match[str]) -> bool:
    """Is a code that could be a plain number ("10000 Hours") placed as an address: a street
    word anywhere in the text, a US state before it or a city after it?"""
    if STREET_WORD.search(text) or _STATE_BEFORE.search(text[: match.start()]):
        return True
    return bool(_city_after().match(text, match.end()))


def _postcode(match: re.Match[str]) -> bool:
    """A UK or Canadian code, unless it is a word with an ordinal after it ("No1 1st")."""
    return not re.search(r"\d(?:st|nd|rd|th)$", match.group(0))


def find_addresses(text: str) -> list[tuple[int, int]]:
    """Where the text holds a postcode or a street address."""
    spans = [m.span() for m in UNMISTAKABLE.finditer(text) if _postcode(m)]
    spans += [m.span() for m in STREET_ADDRESS.finditer(text)]
    spans += [m.span() for m in _AMBIGUOUS.finditer(text) if _ambiguous_code_in_place(text, m)]
    return spans
