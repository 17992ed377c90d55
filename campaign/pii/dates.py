"""Dates written in a title, and which of them are dates of birth.

A date a listener wrote next to "born", "geb." or "b." is a date of birth; so is a bare full date
whose year makes the person old enough to listen ("17/05/1990"), unless a word names an occasion
("Wedding 15.06.1995", "Live 22 February 2008"); a recent one is an event. Every date found is
also kept away from the phone-number check, which would otherwise read "2024-06-15" as digits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cache

from babel.dates import get_month_names

# Languages of the markets' titles whose month names a date may be written with.
_MONTH_LOCALES = ("en", "nl", "fr", "fi", "de", "sv", "nb", "da", "es", "pt", "it", "tr", "id")
YOUNGEST_LISTENER_AGE = 13  # a bare full date later than this many years ago is an event
OLDEST_BIRTH_YEAR = 1920

_BIRTH_WORDS = (
    r"born|b\.|dob|d\.o\.b\.?|date of birth|birthday|bday|b-day|"
    r"geboren|geb\.|né|née|nee|nacido|nacida|nació|nascido|nascida|nato|nata|"
    r"født|född|syntynyt|s\.|doğum tarihi|doğum|doğumlu|lahir|tgl lahir|sinh ngày|sinh|"
    r"verjaardag|anniversaire|cumpleaños|aniversário|compleanno|geburtstag|fødselsdag|"
    r"födelsedag|syntymäpäivä|เกิด|วันเกิด|生まれ|生年月日|出生|生日|생년월일|출생|생일"
)
BIRTH_WORD = re.compile(rf"(?<!\w)(?:{_BIRTH_WORDS})(?!\w)", re.IGNORECASE)
# Words that make a bare date an occasion rather than a birthday: "Live in Monterrey 22 February
# 2008", "Wedding 15.06.1995", "Rehearsal 9/23/87".
_EVENT_WORDS = (
    r"live|concert|konsert|konzert|koncert|tour|festival|fest|gig|show|session|rehearsal|"
    r"wedding|bruiloft|hochzeit|mariage|boda|matrimonio|casamento|bröllop|bryllup|häät|düğün|"
    r"party|feest|fiesta|festa|reunion|graduation|trip|vacation|holiday|vakantie|urlaub|"
    r"vacances|vacaciones|ferie|semester|loma|tatil|funeral|memorial|anniversary|jubileum"
)
EVENT_WORD = re.compile(rf"(?<!\w)(?:{_EVENT_WORDS})(?!\w)", re.IGNORECASE)
_NUMERIC = re.compile(
    r"(?<![\d.\-/])(?:(?P<y1>\d{4})\s?[-./]\s?(?P<m1>\d{1,2})\s?[-./]\s?(?P<d1>\d{1,2})"
    r"|(?P<d2>\d{1,2})\s?[-./]\s?(?P<m2>\d{1,2})\s?[-./]\s?(?P<y2>\d{4}|\d{2}))(?!\d|[-./]\d)"
)
# 19900517, 1990年5月17日, 1990년 5월 17일
_COMPACT = re.compile(
    r"(?<!\d)(?P<y>(?:19|20)\d\d)(?P<m>0[1-9]|1[0-2])(?P<d>0[1-9]|[12]\d|3[01])(?!\d)"
)
_EAST_ASIAN = re.compile(r"(?P<y>\d{4})\s?[年년]\s?(?P<m>\d{1,2})\s?[月월]\s?(?P<d>\d{1,2})")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)|(?<![\w'’])['’]\d\d(?!\d)")
# How far after a birth word its date may be: "born on the 17th of May 1990".
_AFTER_BIRTH_WORD = 24


@dataclass(frozen=True)
class Found:
    """A date (or a year after a birth word) and where it is in the text."""

    start: int
    end: int
    is_birth: bool


@cache
def _months() -> dict[str, int]:
    """Month names, full and abbreviated, in the markets' languages (CLDR, through babel)."""
    months: dict[str, int] = {}
    for locale in _MONTH_LOCALES:
        for width in ("wide", "abbreviated"):
            for number, name in get_month_names(width, locale=locale).items():
                months.setdefault(name.casefold().rstrip("."), number)
    return months


@cache
def _month_pattern() -> re.Pattern[str]:
    """Day-month-year and month-day-year with month names."""
    names = "|".join(sorted(map(re.escape, _months()), key=len, reverse=True))
    pattern = (
        rf"(?<!\w)(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th|\.)?\s*(?:of\s+|de\s+)?(?P<n1>{names})\.?"
        rf"|(?P<n2>{names})\.?\s*(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?)"
        rf"\s*(?:de\s+)?(?P<y>\d{{4}})(?!\d)"
    )
    return re.compile(pattern, re.IGNORECASE)


def _full_year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # "17.5.90": the century that puts it in the past
        century = 2000 if year <= date.today().year % 100 else 1900
        year += century
    return year


def _real(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _inside_a_number(text: str, start: int, end: int) -> bool:
    """Do more digits run on before or after ("+31 6 . 01 . 00 . 00" is a phone number)?"""
    before, after = text[:start].rstrip(" .-/"), text[end:].lstrip(" .-/")
    return before[-1:].isdigit() or after[:1].isdigit()


def _numeric_dates(text: str) -> list[tuple[int, int, int]]:
    """(start, end, year) of each numeric date, day-month or month-day order."""
    found = []
    for match in _NUMERIC.finditer(text):
        if _inside_a_number(text, *match.span()):
            continue
        y, m, d = (
            (match["y1"], match["m1"], match["d1"])
            if match["y1"]
            else match.group("y2", "m2", "d2")
        )
        year = _full_year(y)
        if _real(year, int(m), int(d)) or _real(year, int(d), int(m)):
            found.append((match.start(), match.end(), year))
    for match in (*_EAST_ASIAN.finditer(text), *_COMPACT.finditer(text)):
        if _real(int(match["y"]), int(match["m"]), int(match["d"])):
            found.append((match.start(), match.end(), int(match["y"])))
    return found


def _written_dates(text: str) -> list[tuple[int, int, int]]:
    found = []
    for match in _month_pattern().finditer(text):
        month = _months()[(match["n1"] or match["n2"]).casefold().rstrip(".")]
        day, year = int(match["d1"] or match["d2"]), int(match["y"])
        if _real(year, month, day):
            found.append((match.start(), match.end(), year))
    return found


def _could_be_born(year: int) -> bool:
    return OLDEST_BIRTH_YEAR <= year <= date.today().year - YOUNGEST_LISTENER_AGE


def find_dates(text: str) -> list[Found]:
    """Every date in the text, each marked as a date of birth or not: after a birth word, or
    bare with a year a listener could be born in and no word for an occasion. A year right
    after a birth word ("born 1990", "b. '92") counts as a date of birth too."""
    births = [m.end() for m in BIRTH_WORD.finditer(text)]
    occasion = bool(EVENT_WORD.search(text))

    def after_birth_word(start: int) -> bool:
        return any(0 <= start - end <= _AFTER_BIRTH_WORD for end in births)

    found = [
        Found(start, end, after_birth_word(start) or (_could_be_born(year) and not occasion))
        for start, end, year in _numeric_dates(text) + _written_dates(text)
    ]
    taken = [(f.start, f.end) for f in found]
    for match in _YEAR.finditer(text):
        inside = any(s <= match.start() < e for s, e in taken)
        if not inside and after_birth_word(match.start()):
            found.append(Found(match.start(), match.end(), True))
    return found
