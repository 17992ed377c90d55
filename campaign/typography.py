"""Typography per locale: the marks and spaces a native typesetter would set in billboard copy.

Three jobs, all by locale: quotation marks (CLDR's delimiters), the copy's own literal text made
typographic (’ for ', French thin spaces before ; : ! ?) and a headline's last two words bound
with a no-break space so the last line never holds one orphan word. Titles and other values a
template inserts are left exactly as they are: only the template's literal text is rewritten.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from functools import cache

from babel import Locale, UnknownLocaleError
from jinja2.ext import Extension
from jinja2.lexer import Token, TokenStream

from campaign.resources import ASSETS_DIR

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
# CLDR root's delimiters: what a locale without marks of its own uses.
ROOT_QUOTES = ("“", "”")
# Scripts written without spaces between words: nothing to bind, a break may fall anywhere.
UNSPACED_SCRIPTS = {"Thai", "Hani", "Hans", "Hant", "Jpan", "Hira", "Kana", "Laoo", "Khmr", "Mymr"}
# The last two words are bound only while they are short enough to share a line comfortably.
MAX_BOUND_CHARS = 18

_STRAIGHT_APOSTROPHE = re.compile(r"(?<=\w)'|'(?=\w)")
_STRAIGHT_QUOTED = re.compile(r'"([^"\n]+)"')
_FRENCH_PUNCTUATION = re.compile(r"[ \u00a0\u202f]?([;:!?»])|(«)[ \u00a0\u202f]?")
# A space after a number (digits, with the locale's group and decimal separators) that stands
# alone and is followed by a word of letters.
_COUNTED_NUMBER = re.compile(r"(?<![^\s\u00a0\u202f])\d(?:[\d.,\u00a0\u202f]*\d)? (?=[^\W\d_])")
_COPY_TEMPLATE = re.compile(r"^copy/[^/]+/(?P<locale>[^/]+)\.j2$")


class UnknownLocale(ValueError):
    """A locale code Babel (CLDR) does not know."""


@cache
def parse_locale(code: str) -> Locale:
    """A Babel locale from a copy locale code; both `zh-Hant` and `zh_Hant` spellings work."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        raise UnknownLocale(f"unknown locale '{code}'") from None


@cache
def _quote_table() -> dict[str, tuple[str, str]]:
    raw = tomllib.loads((ASSETS_DIR / "quotation_marks.toml").read_text(encoding="utf-8"))
    return {code: (marks[0], marks[1]) for code, marks in raw.items()}


def quotation_marks(code: str) -> tuple[str, str]:
    """The locale's opening and closing quotation marks, most specific CLDR entry first."""
    locale = parse_locale(code)
    table = _quote_table()
    for key in (str(locale), f"{locale.language}_{locale.script}", locale.language):
        if key in table:
            return table[key]
    return ROOT_QUOTES


def quote(text: str, code: str) -> str:
    """`text` in the locale's quotation marks, with the spaces French sets inside « »."""
    opening, closing = quotation_marks(code)
    if parse_locale(code).language == "fr" and opening == "«":
        return f"{opening}{NARROW_NBSP}{text}{NARROW_NBSP}{closing}"
    return f"{opening}{text}{closing}"


def literal_text(text: str, code: str | None) -> str:
    """A template's own words set typographically: ’ for ', locale quotes, French spacing.

    `code` is None for text shared by every locale (the phrase macros): only the apostrophes,
    right in every language, change there.
    """
    text = _STRAIGHT_APOSTROPHE.sub("’", text)
    if code is None:
        return text
    text = _STRAIGHT_QUOTED.sub(lambda m: quote(m.group(1), code), text)
    if parse_locale(code).language == "fr":
        text = _FRENCH_PUNCTUATION.sub(_french_space, text)
    return text


def _french_space(match: re.Match[str]) -> str:
    if match.group(2):  # an opening guillemet: the space comes after it
        return f"«{NARROW_NBSP}"
    return f"{NARROW_NBSP}{match.group(1)}"


def spaced(code: str) -> bool:
    """Whether the locale's script separates words with spaces."""
    locale = parse_locale(code)
    script = locale.script or _likely_script(locale)
    return script not in UNSPACED_SCRIPTS


def _likely_script(locale: Locale) -> str:
    from babel.core import get_global

    likely = get_global("likely_subtags").get(locale.language, "")
    parts = likely.split("_")
    return parts[1] if len(parts) > 1 else ""


def bind_numbers(headline: str) -> str:
    """The headline with each number joined to the word it counts by a no-break space.

    "4 / times", "19 / June" split over two lines read as two facts; a number ending a clause
    ("in 2024. You") is left free. The string keeps its length, so emphasis ranges stay valid.
    """
    return _COUNTED_NUMBER.sub(lambda number: number.group(0)[:-1] + NBSP, headline)


def bind_last_words(headline: str, code: str) -> str:
    """The headline with its last two words joined by a no-break space (no orphan word).

    Only a headline of three words or more is bound: two words may still need two lines.

    The string keeps its length, so emphasis ranges stay valid.
    """
    if not spaced(code):
        return headline
    cut = headline.rfind(" ")
    if cut <= 0:
        return headline
    before = headline.rfind(" ", 0, cut)
    if before < 0 or len(headline) - before - 1 > MAX_BOUND_CHARS:  # too few words, too long
        return headline
    return f"{headline[:cut]}{NBSP}{headline[cut + 1 :]}"


def template_locale(name: str | None) -> str | None:
    """The locale of a copy template from its name (`copy/<family>/<locale>.j2`), if it has one."""
    match = _COPY_TEMPLATE.match(name or "")
    return match.group("locale") if match else None


class CopyTypography(Extension):
    """Rewrites the literal text of copy templates (never the values they insert) as it loads."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        locale = template_locale(stream.name)
        for token in stream:
            if token.type == "data":
                yield Token(token.lineno, "data", literal_text(token.value, locale))
            else:
                yield token
