"""The PII screen for text users wrote (playlist titles): DESIGN.md, "Privacy".

A playlist title is the one thing a campaign prints that a listener typed, and people put
e-mail addresses, phone numbers, handles and links in them. `find_pii` names what a text holds;
the fact stage replaces such a title with a neutral placeholder before it can reach any output,
and the privacy gate fails the fact. The screen leans towards caution: a title it withholds by
mistake costs one candidate, a title it lets through could cost a person their privacy. It does
not find names: a title about a person needs a reviewer's eye, which every individual fact gets.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# What a text can hold, in the order reported; each reads after "holds" ("holds an e-mail address").
EMAIL = "e-mail address"
PHONE = "phone number"
HANDLE = "social media handle"
URL = "web address"
DIGITS = "long number"
KINDS = (EMAIL, PHONE, HANDLE, URL, DIGITS)
_ARTICLES = {EMAIL: "an", PHONE: "a", HANDLE: "a", URL: "a", DIGITS: "a"}

# Top-level domains that bare web addresses use ("bit.ly/x", "linktr.ee", "example.com"): generic
# ones and the country codes of the markets a campaign runs in. A word before a dot and one of
# these is an address; "vol.2" or "feat.Drake" is not.
_TLDS = (
    "com|net|org|info|biz|io|co|me|ly|tv|fm|app|dev|xyz|site|online|link|page|ee|gg|to|cc|"
    "uk|nl|fr|fi|de|be|se|no|dk|es|it|pt|ie|at|ch|pl|us|ca|au|nz|br|mx|jp|in|ru"
)
_EMAIL = re.compile(
    r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)*"
    # written out to dodge filters: "jane (at) example (dot) com", "jane at example dot com"
    r"|[\w.+'-]+\s*[\[({<]\s*at\s*[\])}>]\s*[\w-]+\s*(?:[\[({<]\s*dot\s*[\])}>]|\.)\s*[a-z]{2,}"
    r"|\b[\w.+'-]+\s+at\s+[\w-]+\s+dot\s+(?:" + _TLDS + r")\b",
    re.IGNORECASE,
)
_URL = re.compile(
    r"\b(?:https?|ftp)://\S+|\bwww\d?\.\S+"
    r"|\b[\w-]{2,}(?:\.[\w-]+)*\.(?:" + _TLDS + r")\b(?:/\S*)?",
    re.IGNORECASE,
)
# "@" that opens a name ("@jane_doe"; "rock @ home" is not one). E-mail addresses go first.
_HANDLE = re.compile(r"(?<![\w@.])@\w(?:[\w.]*\w)?")
# A run of digits and the separators phone numbers use: "+31 6 1234 5678", "(020) 7946-0958".
_NUMBER = re.compile(r"(?:\+|\b00)?\(?\d[\d\s().\-/]*\d\)?|\d")
_SEPARATORS = re.compile(r"[\s().\-/]+")
_DIGIT_RUN = re.compile(r"\d{7,}")
_YEAR = re.compile(r"(?:19|20)\d\d")
_DATE = re.compile(
    r"\b(?:(?P<y1>\d{4})[-./](?P<m1>\d{1,2})[-./](?P<d1>\d{1,2})"
    r"|(?P<d2>\d{1,2})[-./](?P<m2>\d{1,2})[-./](?P<y2>\d{4}))\b"
)
MIN_PHONE_DIGITS = 7


def _drop_dates(text: str) -> str:
    """Blank out written dates ("2024-06-15", "15.06.2024"), which look like phone numbers."""

    def blank(match: re.Match[str]) -> str:
        y, m, d = (
            (match["y1"], match["m1"], match["d1"])
            if match["y1"]
            else (match["y2"], match["m2"], match["d2"])
        )
        for month, day in ((m, d), (d, m)):  # day-month and month-day orders
            try:
                date(int(y), int(month), int(day))
            except ValueError:
                continue
            return " "
        return match.group(0)

    return _DATE.sub(blank, text)


def _number_kind(candidate: str) -> str | None:
    """Is a run of digits and separators a phone number, a long number, or neither?"""
    text = candidate.strip(" ().-/")
    digits = re.sub(r"\D", "", text)
    if len(digits) < MIN_PHONE_DIGITS:
        return None
    if candidate.startswith("+"):
        return PHONE
    groups = [g for g in _SEPARATORS.split(text) if g]
    if len(groups) == 1:
        return DIGITS
    # years side by side ("2019 2020", "1999-2024"), or a count and a year ("Top 100 2019")
    if all(_YEAR.fullmatch(g) for g in groups):
        return None
    if len(groups) == 2 and " " in text and any(_YEAR.fullmatch(g) for g in groups):
        return DIGITS if _DIGIT_RUN.search(text) else None
    return PHONE


def _normalise(text: str) -> str:
    """Fold look-alikes (full-width digits and @) and drop invisible characters (zero-width
    spaces), so neither can hide an address from the patterns."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(c for c in folded if unicodedata.category(c) != "Cf")


def find_pii(text: str | None) -> list[str]:
    """The kinds of personal data a text holds (see KINDS), in a fixed order; [] when none."""
    if not text:
        return []
    rest = _normalise(text)
    found: set[str] = set()
    for kind, pattern in ((EMAIL, _EMAIL), (URL, _URL), (HANDLE, _HANDLE)):
        if pattern.search(rest):
            found.add(kind)
            rest = pattern.sub(" ", rest)
    for match in _NUMBER.finditer(_drop_dates(rest)):
        kind = _number_kind(match.group(0))
        if kind:
            found.add(kind)
    return [kind for kind in KINDS if kind in found]


def describe(kind: str) -> str:
    """'an e-mail address', 'a phone number': for "title withheld: holds …"."""
    return f"{_ARTICLES.get(kind, 'a')} {kind}"


def placeholder(kinds: list[str]) -> str:
    """What a withheld title becomes in every output."""
    return f"[title withheld: {', '.join(kinds)}]"
