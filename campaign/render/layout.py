"""Layout: billboard copy placed in a format's safe area, as pure geometry.

The layout is computed first (`layout_billboard`, geometry a test can check without OCR) and then
drawn (`draw.py`); both are deterministic, so the same copy, format and theme give the same pixels.
Text that cannot be set readably raises `RenderError` rather than being truncated: an ellipsis
would change copy that legal approved, so the fix belongs in the copy, not here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from campaign.billboard_copy import BillboardCopy
from campaign.errors import ConfigError
from campaign.fontchain import FontChain, describe_missing
from campaign.render.formats import Box, Format, get_format
from campaign.render.textfit import (
    Line,
    Paragraph,
    RenderError,
    block_height,
    fit_pair,
    join_line,
    split_words,
)
from campaign.render.theme import Theme


@dataclass(frozen=True)
class PlacedLine:
    """A line at its position: left x and baseline y (floats, sub-pixel), and its ink box."""

    role: str  # headline | signoff | wordmark
    line: Line
    size: int
    chain: FontChain  # the theme's font for this role, then the fallbacks
    x: float
    baseline: float
    box: Box

    @property
    def text(self) -> str:
        return self.line.text


@dataclass(frozen=True)
class Layout:
    """Everything needed to draw a billboard, and what a test or the fit score needs to know."""

    format: Format
    safe_box: Box
    content_box: Box  # the safe area minus the wordmark band
    headline_size: int
    signoff_size: int
    lines: tuple[PlacedLine, ...]  # headline lines, then sign-off lines
    wordmark: PlacedLine | None
    size_range: tuple[int, int]  # the smallest and largest headline sizes the theme allows

    @property
    def headline_lines(self) -> tuple[PlacedLine, ...]:
        return tuple(p for p in self.lines if p.role == "headline")

    @property
    def fit(self) -> float:
        """How comfortably the copy fits, in [0, 1]: 1 = set at the theme's largest size,
        0 = squeezed to its smallest. A ready input for the fit score."""
        low, high = self.size_range
        return 1.0 if high <= low else (self.headline_size - low) / (high - low)


#: A format at least this much wider than tall (the 48-sheet, 2:1) sets its sign-off on the
#: bottom row beside the wordmark, as roadside posters do, instead of stacking it under the
#: headline above a wordmark band: the headline gets that height back and grows into the width
#: that short, stacked copy left empty. Narrower formats (dooh-landscape, 16:9) keep the stack.
FOOTER_ASPECT = 1.9


def _ink_box(chain: FontChain, text: str, size: int, x: float, baseline: float) -> Box:
    left, top, right, bottom = chain.bbox(text, size)
    return (
        math.floor(x + left),
        math.floor(baseline + top),
        math.ceil(x + right),
        math.ceil(baseline + bottom),
    )


def _place_wordmark(fmt: Format, theme: Theme, safe: Box) -> tuple[PlacedLine | None, int]:
    """The wordmark at the bottom-right of the safe area, and the top of the band it takes."""
    chain = FontChain.for_font(theme.wordmark_font or theme.signoff_font)
    text = theme.wordmark.strip()
    if not text:
        return None, safe[3]
    missing = chain.missing(text)
    if missing:
        raise ConfigError(f"theme field 'wordmark': {describe_missing(missing)}", theme.source)
    size = max(6, round(min(fmt.size) * theme.wordmark_scale))
    room = (safe[2] - safe[0]) / 2
    if chain.length(text, size) > room:  # a long brand name shrinks, never spills
        size = max(6, int(size * room / chain.length(text, size)))
    line = join_line(split_words(text, [False] * len(text)), chain, size)
    bottom = chain.bbox(line.text, size)[3]
    x, baseline = safe[2] - line.width, safe[3] - bottom
    box = _ink_box(chain, line.text, size, x, baseline)
    placed = PlacedLine("wordmark", line, size, chain, x, baseline, box)
    return placed, box[1] - size  # a clear band one wordmark-size high above it


def layout_billboard(copy: BillboardCopy, fmt: str | Format, theme: Theme) -> Layout:
    """Fit the copy into the format's safe area: the largest headline size at which the headline,
    and the sign-off below it at `signoff_scale` of that size, both fit, lines balanced.

    Raises RenderError when even the theme's minimum size, the smallest legible one, does not
    fit (a word too long for the line, or far too many words for the format): such copy is
    reported as not fitting rather than shrunk to nothing. Also when a character of the copy is
    in no bundled font.
    """
    fmt = get_format(fmt)
    safe = fmt.safe_box
    wordmark, band_top = _place_wordmark(fmt, theme, safe)
    footer = fmt.width >= FOOTER_ASPECT * fmt.height and bool(copy.signoff.strip())
    content: Box = (safe[0], safe[1], safe[2], safe[3] if footer else band_top)
    width, height = content[2] - content[0], content[3] - content[1]
    # beside the wordmark, one wordmark size clear of it
    sign_right = wordmark.box[0] - wordmark.size if footer and wordmark else content[2]
    head_chain = FontChain.for_font(theme.headline_font, copy.locale)
    sign_chain = FontChain.for_font(theme.signoff_font, copy.locale)
    head = Paragraph.from_text(copy.headline, copy.emphasis, head_chain)
    sign = Paragraph.from_text(copy.signoff, (), sign_chain)
    short = min(fmt.size)
    low, high = max(6, round(short * theme.min_text)), max(6, round(short * theme.max_text))
    spacing = theme.line_spacing
    # One pixel of slack each way: runs and lines are placed on whole pixels, and anti-aliasing
    # of a run at a fractional x may reach one pixel further than the measured ink.
    box = (width - 1, height - 1)
    setting = fit_pair(
        head,
        sign,
        box,
        spacing,
        theme.signoff_scale,
        theme.signoff_gap,
        (low, high),
        sign_width=sign_right - content[0] - 1,
    )
    if setting is None:
        raise RenderError(
            f"the copy does not fit the {fmt.name} format even at {low} px; shorten the headline "
            f"or the sign-off, or split a very long word: {copy.headline!r}"
        )

    slack = height - setting.height
    y = content[1] + {"top": 0.0, "center": slack / 2, "bottom": slack}[theme.valign]
    placed: list[PlacedLine] = []
    head_step = setting.size * head.line_spacing(spacing)
    for i, line in enumerate(setting.head):
        baseline = y + setting.head_extent[0] + i * head_step
        placed.append(_placed("headline", line, head_chain, setting.size, content[0], baseline))
    if setting.head:
        y += block_height(setting.head_extent, len(setting.head), head_step) + setting.gap
    sign_step = setting.sign_size * sign.line_spacing(spacing)
    if footer:  # the slack goes above the sign-off: it sits on the bottom row
        y = content[3] - block_height(setting.sign_extent, len(setting.sign), sign_step)
    for i, line in enumerate(setting.sign):
        baseline = y + setting.sign_extent[0] + i * sign_step
        placed.append(_placed("signoff", line, sign_chain, setting.sign_size, content[0], baseline))
    return Layout(
        format=fmt,
        safe_box=safe,
        content_box=content,
        headline_size=setting.size,
        signoff_size=setting.sign_size,
        lines=tuple(placed),
        wordmark=wordmark,
        size_range=(low, high),
    )


def _placed(
    role: str, line: Line, chain: FontChain, size: int, left: float, baseline: float
) -> PlacedLine:
    """A line on whole pixels with its ink, not its advance, on the left margin: no ink crosses
    it, and a line opening with a full-width bracket (「, whose ink sits in the right half of
    its em) does not look indented."""
    x, baseline = round(left - line.ink_left), round(baseline)
    box = _ink_box(chain, line.text, size, x, baseline)
    return PlacedLine(role, line, size, chain, x, baseline, box)
