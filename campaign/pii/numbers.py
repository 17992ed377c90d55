"""Phone numbers and long numbers in a title.

A run of digits and separators is a phone number when Google's libphonenumber (`phonenumbers`)
reads it as a possible number in one of the markets' numbering plans, or in international form;
a grouped run of seven or more digits that is not a list of years is one too, because the screen
leans towards caution ("555-1234" is a phone number in no plan, and still a phone number). An
ungrouped run of seven digits or more that no plan accepts is a long number (an account, a card).
"""

from __future__ import annotations

import re

import phonenumbers

# The markets in the data and those a campaign runs in: their national formats are tried.
REGIONS = (
    "GB", "IE", "US", "CA", "AU", "NZ", "NL", "BE", "FR", "CH", "FI", "DE", "AT", "SE", "NO",
    "DK", "ES", "PT", "IT", "PL", "TR", "MX", "BR", "AR", "CL", "CO", "PE", "CR", "PA", "PY",
    "ID", "MY", "SG", "PH", "TH", "VN", "KR", "JP", "CN", "HK", "TW", "IN",
)  # fmt: skip
MIN_PHONE_DIGITS = 7
MAX_PHONE_DIGITS = 17  # E.164 allows 15, and a national trunk prefix or two more
# A run of digits and the separators phone numbers use: "+31 6 1234 5678", "(020) 7946-0958".
_NUMBER = re.compile(r"(?:\+|\b00)?\(?\d[\d\s().\-/]*\d\)?|\d")
_SEPARATORS = re.compile(r"[\s().\-/]+")
_YEAR = re.compile(r"(?:19|20)\d\d")
# A count written with thousands separators: "1.000.000 Lightyears", "10,000,000 streams".
_THOUSANDS = re.compile(r"[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*")
PHONE, DIGITS = "phone", "digits"


def _in_a_numbering_plan(text: str) -> bool:
    """Is the text a possible phone number, written internationally or in a market's format?"""
    regions = (None,) if text.startswith("+") else REGIONS
    for region in regions:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_possible_number(number) and phonenumbers.is_valid_number(number):
            return True
    return False


def _number_kind(candidate: str) -> str | None:
    """Is a run of digits and separators a phone number, a long number, or neither?"""
    text = candidate.strip(" ().-/")
    digits = re.sub(r"\D", "", text)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    groups = [g for g in _SEPARATORS.split(text) if g]
    # years side by side ("2019 2020", "1999-2024"), or a count and a year ("Top 100 2019")
    years_only = all(_YEAR.fullmatch(g) for g in groups) or (
        len(groups) == 2 and " " in text and any(_YEAR.fullmatch(g) for g in groups)
    )
    if candidate.startswith("+"):
        return PHONE
    if _THOUSANDS.fullmatch(text):
        return None
    if years_only:
        return DIGITS if re.search(r"\d{7,}", text) else None
    if len(digits) <= MAX_PHONE_DIGITS and _in_a_numbering_plan(candidate.strip()):
        return PHONE
    return DIGITS if len(groups) == 1 else PHONE


def find_numbers(text: str) -> set[str]:
    """PHONE and DIGITS, for the phone numbers and long numbers the text holds."""
    found = set()
    for match in _NUMBER.finditer(text):
        if kind := _number_kind(match.group(0)):
            found.add(kind)
    return found
