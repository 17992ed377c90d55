"""The PII screen for text users wrote (playlist titles): DESIGN.md, "Privacy".

A playlist title is the one thing a campaign prints that a listener typed, and people put
e-mail addresses, phone numbers, handles, links, addresses, birthdays and names in them, often
disguised ("jane [at] gmail [.] com", "06_1234_5678"). `find_pii` names what a text holds; the
fact stage replaces such a title with a neutral placeholder before it can reach any output, and
the privacy gate fails the fact with the reason. The screen leans towards caution: a title it
withholds by mistake costs one candidate, a title it lets through could cost a person their
privacy. Every detector reads the text once normalised (normalise.py); each has its module.
"""

from __future__ import annotations

from collections.abc import Iterable

from campaign.pii import contacts, numbers
from campaign.pii.dates import find_dates
from campaign.pii.names import holds_first_name, holds_full_name, is_username
from campaign.pii.normalise import normalise
from campaign.pii.places import find_addresses

# What a text can hold, in the order reported; each reads after "holds" ("holds an e-mail address").
EMAIL = "e-mail address"
PHONE = "phone number"
HANDLE = "social media handle"
URL = "web address"
DIGITS = "long number"
ADDRESS = "postal address"
BIRTH_DATE = "date of birth"
NAME = "personal name"
KINDS = (EMAIL, PHONE, HANDLE, URL, DIGITS, ADDRESS, BIRTH_DATE, NAME)
_ARTICLES = {EMAIL: "an"}
# Long texts are screened in overlapping windows, so hostile input ("a.a.a…" for pages) costs
# time in proportion to its length; anything up to _OVERLAP characters long lies whole in one.
_WINDOW, _OVERLAP = 240, 120
# What a lone first name needs beside it to single a person out ("jane 17.05.1990").
_SECOND_IDENTIFIERS = {EMAIL, PHONE, HANDLE, DIGITS, ADDRESS, BIRTH_DATE}


def _blank(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """The text with the spans replaced by spaces, so no later detector reads them again."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _contacts(text: str) -> tuple[set[str], str]:
    """E-mail addresses, web addresses and handles, and the text without them."""
    found: set[str] = set()
    for kind, pattern in ((EMAIL, contacts.EMAIL), (URL, contacts.URL), (HANDLE, contacts.HANDLE)):
        spans = [m.span() for m in pattern.finditer(text)]
        if spans:
            found.add(kind)
            text = _blank(text, spans)
    for match in contacts.USERNAME_SHAPE.finditer(text):
        if is_username(match["letters"]):
            found.add(HANDLE)
            text = _blank(text, [match.span()])
    return found, text


def _windows(text: str) -> list[str]:
    """The text, or for a long one overlapping pieces that start at a word."""
    if len(text) <= _WINDOW:
        return [text]
    starts = [0]
    for nominal in range(_WINDOW - _OVERLAP, len(text) - _OVERLAP, _WINDOW - _OVERLAP):
        space = text.find(" ", nominal, nominal + _OVERLAP // 2)
        starts.append(space + 1 if space >= 0 else nominal)
    return [text[start : start + _WINDOW] for start in starts]


def find_pii(text: str | None, known_names: Iterable[str] = ()) -> list[str]:
    """The kinds of personal data a text holds (see KINDS), in a fixed order; [] when none.

    `known_names` are public names the text may mention without naming a private person: the
    catalogue's artists and titles ("Taylor Swift Mix" is about an artist). The artists of the
    real charts are known without being passed."""
    if not text:
        return []
    known = frozenset(known_names)
    found = set().union(*(_screen(window, known) for window in _windows(text)))
    return [kind for kind in KINDS if kind in found]


def _screen(text: str, known: frozenset[str]) -> set[str]:
    """What one piece of text holds."""
    rest = normalise(text)
    found, rest = _contacts(rest)
    if addresses := find_addresses(rest):
        found.add(ADDRESS)
        rest = _blank(rest, addresses)
    dates = find_dates(rest)
    if any(d.is_birth for d in dates):
        found.add(BIRTH_DATE)
    rest = _blank(rest, [(d.start, d.end) for d in dates])
    found |= {PHONE if kind == numbers.PHONE else DIGITS for kind in numbers.find_numbers(rest)}
    if holds_full_name(rest, known) or (
        found & _SECOND_IDENTIFIERS and holds_first_name(rest, known)
    ):
        found.add(NAME)
    return found


def describe(kind: str) -> str:
    """'an e-mail address', 'a phone number': for "title withheld: holds …"."""
    return f"{_ARTICLES.get(kind, 'a')} {kind}"


def placeholder(kinds: list[str]) -> str:
    """What a withheld title becomes in every output."""
    return f"[title withheld: {', '.join(kinds)}]"
