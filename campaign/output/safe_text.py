"""Data made safe for where it is shown: a spreadsheet cell, a terminal line.

Titles, artists, playlist and event names come from listeners and editors; in a CSV a cell that
starts with `=` runs as a formula, and in a terminal an ESC sequence can move the cursor or print
a clickable link. Both are neutralised here, once, for every writer and printer of data.
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls but tab, line feed and carriage return; DEL; C1 controls (0x9b is a one-byte CSI).
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_BREAKS = re.compile("[\t\n\r\u2028\u2029]+")
# What starts a formula in a spreadsheet (OWASP "CSV Injection"), with the full-width forms that
# East Asian spreadsheet settings also read as formulas.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def strip_controls(text: str) -> str:
    """`text` without control characters (tab and line breaks kept)."""
    return _CONTROLS.sub("", text)


def sheet_cell(value: Any) -> Any:
    """A CSV cell that a spreadsheet shows as text: controls removed, a formula start quoted.

    Numbers stay numbers; a string starting with one of `_FORMULA_STARTS` gets a leading single
    quote, as OWASP recommends, so `=1+2` is shown as `=1+2` and never computed.
    """
    if not isinstance(value, str):
        return value
    text = strip_controls(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def terminal_text(value: Any) -> str:
    """One line of data for a terminal: no control characters, line breaks as spaces.

    rich markup in it is not escaped here: callers hand it to rich as a `Text` (never parsed).
    """
    return _LINE_BREAKS.sub(" ", strip_controls(str(value)))
