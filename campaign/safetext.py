"""Characters no user-typed text may carry into a campaign, defined once for Python and for SQL.

Bidi controls (an RTL override can reverse a title on a billboard), private-use characters (the
copywriter marks emphasis with them) and control characters (NUL, ESC and the rest of C0 and C1,
but not tab, line feed or carriage return) are stripped from every title, artist, album, playlist
name and event name: at ingest, where the report counts the values cleaned, and when the
calendar reads a campaign's events.
"""

from __future__ import annotations

import re

# (first, last) code points, inclusive.
UNSAFE_RANGES: tuple[tuple[int, int], ...] = (
    (0x00, 0x08),  # C0 controls before tab
    (0x0B, 0x0C),  # vertical tab, form feed
    (0x0E, 0x1F),  # the rest of C0, ESC among them
    (0x7F, 0x9F),  # DEL and C1
    (0x061C, 0x061C),  # Arabic letter mark
    (0x200E, 0x200F),  # left-to-right and right-to-left marks
    (0x202A, 0x202E),  # bidi embeddings and overrides
    (0x2066, 0x2069),  # bidi isolates
    (0xE000, 0xF8FF),  # private use (the copywriter's emphasis markers live here)
    (0xF0000, 0x10FFFF),  # supplementary private use planes
)

_PYTHON = re.compile(
    "[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}" for a, b in UNSAFE_RANGES) + "]"
)
# RE2 (DuckDB) spells a code point \x{...}
SQL_PATTERN = "[" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in UNSAFE_RANGES) + "]"


def strip_unsafe(text: str) -> str:
    """The text without bidi controls, private-use or control characters."""
    return _PYTHON.sub("", text)


def strip_unsafe_sql(expression: str) -> str:
    """SQL for the same cleaning of a VARCHAR expression (NULL stays NULL)."""
    return f"regexp_replace({expression}, '{SQL_PATTERN}', '', 'g')"
