"""Fitting words to a box: breaking into pieces, greedy and balanced wrapping, size search.

Kept apart from `render` so the typesetting rules (where a line may break, how lines are balanced)
can be read and tested without any image. Text is measured through a `FontChain`, so a Thai or
Japanese title is measured in the fallback font that will draw it, and it breaks where its script
allows (`linebreak`: between Thai words and Japanese phrases too, not only at spaces).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from campaign.errors import CampaignError
from campaign.fontchain import FontChain, describe_missing
from campaign.linebreak import pieces

#: Spaces that glue their neighbours: French and Finnish thousands separators ("3 749"),
#: "M. Dupont", the space before a French "?" or inside « ». A line never breaks at them.
NON_BREAKING = frozenset("\u00a0\u202f\u2007\u2060\ufeff")
#: White space that is layout, not copy: it only marks where a line may break.
CONTROL_SPACES = frozenset("\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029")


class RenderError(CampaignError):
    """The copy cannot be set readably: it does not fit the format at the smallest legible
    size, or holds a character that no bundled font can draw."""


@dataclass(frozen=True)
class Word:
    """An unbreakable piece of a line; `marks[i]` is True where character i is emphasised.

    `space` is the white space set after it when the next word shares its line: a space between
    English words (or a thin or ideographic one, as the copy has it), nothing between two Thai
    words or two ideographs, where a line may break but no gap is drawn.
    """

    text: str
    marks: tuple[bool, ...]
    space: str = " "


def emphasis_marks(text: str, spans: Sequence[tuple[int, int]]) -> list[bool]:
    """One flag per character of `text`; spans outside the text are clipped rather than rejected."""
    marks = [False] * len(text)
    for start, end in spans:
        for i in range(max(0, start), min(len(text), end)):
            marks[i] = True
    return marks


def plain_spaces(text: str) -> str:
    """Tabs and newlines become plain spaces (break opportunities, one character for one, so
    emphasis marks stay aligned); every other space is the copy's and is kept."""
    return "".join(" " if char in CONTROL_SPACES else char for char in text)


def split_words(text: str, marks: Sequence[bool], locale: str | None = None) -> list[Word]:
    """Cut at every line break opportunity of the text's script (`linebreak.pieces`); the
    breaking white space at a cut becomes the word's `space`, a run of it counting once."""
    text = plain_spaces(text)
    words: list[Word] = []
    start = 0
    for piece in pieces(text, locale):
        end = len(piece)
        while end and piece[end - 1].isspace() and piece[end - 1] not in NON_BREAKING:
            end -= 1
        if end:
            marks_of = tuple(marks[start : start + end])
            words.append(Word(piece[:end], marks_of, space=piece[end : end + 1]))
        start += len(piece)
    return words


def gaps(words: Sequence[Word], chain: FontChain, size: float) -> list[float]:
    """The width set before each word when it shares a line with the one before it."""
    return [0.0] + [chain.length(w.space, size) if w.space else 0.0 for w in words[:-1]]


@dataclass(frozen=True)
class Line:
    """One set line: its text, per-character emphasis, advance width at the set size, and how far
    its ink reaches left and right of the origin (a "j" hangs left, a quote may pass the advance).
    """

    text: str
    marks: tuple[bool, ...]
    width: float
    ink_left: int = 0
    ink_right: int = 0

    @property
    def span(self) -> float:
        """Horizontal room the line needs: its ink, which is what is set on the margin."""
        return self.ink_right - self.ink_left

    def runs(self) -> list[tuple[int, int, bool]]:
        """Maximal (start, end, emphasised) character runs, to be drawn one colour at a time."""
        out: list[tuple[int, int, bool]] = []
        for i, mark in enumerate(self.marks):
            if out and out[-1][2] == mark:
                out[-1] = (out[-1][0], i + 1, mark)
            else:
                out.append((i, i + 1, mark))
        return out


def join_line(words: Sequence[Word], chain: FontChain, size: float) -> Line:
    """Words joined by the space that follows each (none between Thai words or ideographs); a
    space is emphasised only inside an emphasised phrase. Measured through the chain at `size`."""
    text, marks = "", []
    for i, word in enumerate(words):
        if i and words[i - 1].space:
            text += words[i - 1].space
            marks.append(bool(words[i - 1].marks[-1] and word.marks[0]))
        text += word.text
        marks.extend(word.marks)
    left, _, right, _ = chain.bbox(text, size) if text else (0, 0, 0, 0)
    return Line(text, tuple(marks), chain.length(text, size), math.floor(left), math.ceil(right))


def greedy_breaks(widths: Sequence[float], gap: Sequence[float], limit: float) -> list[int] | None:
    """Start index of each line when filling lines as full as possible; None if a word overflows.

    `gap[i]` is the width set before word i when it follows word i - 1 on the same line.
    """
    starts: list[int] = []
    current = -1.0
    for i, width in enumerate(widths):
        if width > limit:
            return None
        if current >= 0 and current + gap[i] + width <= limit:
            current += gap[i] + width
        else:
            starts.append(i)
            current = width
    return starts


def balanced_breaks(
    widths: Sequence[float], gap: Sequence[float], limit: float, n_lines: int
) -> list[int]:
    """Line starts for exactly `n_lines` lines of similar width, each within `limit`.

    Minimises the sum of squared line widths (their total is fixed, so this minimises the spread),
    with a heavy penalty on a last line holding a single word when more words could join it, and
    a lighter one on a break with no space before it (inside a Thai or Chinese title within
    English copy, after a hyphen): those are taken only when they even the lines out clearly.
    Copy with no spaces at all pays the same for every setting, so it is balanced as before.
    Dynamic programming over at most a few dozen words: microseconds.
    """
    n = len(widths)
    prefix, gap_prefix = [0.0], [0.0]
    for width, before in zip(widths, gap, strict=True):
        prefix.append(prefix[-1] + width)
        gap_prefix.append(gap_prefix[-1] + before)

    def line_width(i: int, j: int) -> float:
        return prefix[j] - prefix[i] + gap_prefix[j] - gap_prefix[i + 1]

    inf = float("inf")
    lone_penalty = (2 * limit) ** 2
    unspaced_penalty = (limit / 2) ** 2
    # best[k][j]: cost of setting words[:j] on k lines; back[k][j]: start of the k-th line.
    best = [[inf] * (n + 1) for _ in range(n_lines + 1)]
    back = [[0] * (n + 1) for _ in range(n_lines + 1)]
    best[0][0] = 0.0
    for k in range(1, n_lines + 1):
        for j in range(k, n + 1):
            for i in range(j - 1, k - 2, -1):
                width = line_width(i, j)
                if width > limit:
                    break
                if best[k - 1][i] == inf:
                    continue
                cost = best[k - 1][i] + width * width
                if k == n_lines and j == n and j - i == 1 and n > n_lines:
                    cost += lone_penalty
                if i > 0 and gap[i] == 0:
                    cost += unspaced_penalty
                if cost < best[k][j]:
                    best[k][j] = cost
                    back[k][j] = i
    if best[n_lines][n] == inf:
        raise ValueError("no balanced setting: call with the greedy line count")
    starts: list[int] = []
    j = n
    for k in range(n_lines, 0, -1):
        j = back[k][j]
        starts.append(j)
    return starts[::-1]


def _lines_from_starts(words: Sequence[Word], starts: Sequence[int]) -> list[list[Word]]:
    ends = [*starts[1:], len(words)]
    return [list(words[a:b]) for a, b in zip(starts, ends, strict=True)]


REF_SIZE = 1000  # advances scale linearly with size (measured: within 0.01 %), so measure once
#: The least clear space between one line's deepest ink and the next line's highest, in font
#: sizes. Thai stacks a tone mark on a vowel above the cap height (ที่) and hangs vowels below
#: the baseline (ญ, ฤ, ุ): at a Latin line spacing one line's marks touch the line above.
MIN_CLEARANCE = 0.02


@dataclass(frozen=True)
class Paragraph:
    """Words measured once at REF_SIZE, so the size search costs arithmetic, not shaping.

    Shaping a word with raqm costs about 0.2 ms; a binary search over sizes would otherwise
    re-measure every word at every size tried.
    """

    words: tuple[Word, ...]
    chain: FontChain
    widths: tuple[float, ...]
    gaps: tuple[float, ...]
    above: float  # ink above the baseline of the tallest glyph in the text
    below: float  # ink below the baseline of the deepest glyph

    @classmethod
    def from_text(
        cls, text: str, emphasis: Sequence[tuple[int, int]], chain: FontChain
    ) -> Paragraph:
        """Words of `text` with emphasis kept per character, measured.

        Raises RenderError when a character is in no bundled font: a billboard never drops a
        character nor shows a missing-glyph box.
        """
        marks = emphasis_marks(text, emphasis)
        lead = len(text) - len(text.lstrip())
        body = text.strip()
        missing = chain.missing(body)
        if missing:
            raise RenderError(f"the copy cannot be drawn: {describe_missing(missing)}: {body!r}")
        words = split_words(body, marks[lead : lead + len(body)], chain.locale)
        return cls.measure(words, chain)

    @classmethod
    def measure(cls, words: Sequence[Word], chain: FontChain) -> Paragraph:
        widths = tuple(chain.length(w.text, REF_SIZE) for w in words)
        above, below = ink_extent(chain, words, REF_SIZE)
        spaces = gaps(words, chain, REF_SIZE)
        return cls(tuple(words), chain, widths, tuple(spaces), above, below)

    def _scaled(self, size: int) -> tuple[list[float], list[float]]:
        k = size / REF_SIZE
        return [w * k for w in self.widths], [g * k for g in self.gaps]

    def count_lines(self, size: int, limit: float) -> int | None:
        """Lines greedy wrapping needs at `size` (estimated); None if a word overflows `limit`."""
        if not self.words:
            return 0
        widths, gap = self._scaled(size)
        starts = greedy_breaks(widths, gap, limit)
        return None if starts is None else len(starts)

    def line_spacing(self, spacing: float) -> float:
        """The theme's baseline step, widened where this text's ink would touch across lines."""
        return max(spacing, (self.above + self.below) / REF_SIZE + MIN_CLEARANCE)

    def height(self, size: int, n_lines: int, spacing: float) -> float:
        """Estimated ink height of `n_lines` lines set at `size`, baselines `spacing` apart or
        as far as `line_spacing` needs."""
        if n_lines == 0:
            return 0.0
        k = size / REF_SIZE
        return (self.above + self.below) * k + (n_lines - 1) * size * self.line_spacing(spacing)

    def set(self, size: int, limit: float) -> list[Line] | None:
        """Wrap greedily to find the fewest lines, then rebalance into that many similar lines.

        Breaks are chosen on the scaled widths; each joined line is then measured for real
        (kerning, shaping at this size) and the setting refused (None) if one overflows.
        """
        if not self.words:
            return []
        starts = self.breaks(size, limit)
        if starts is None:
            return None
        groups = _lines_from_starts(self.words, starts)
        lines = [join_line(group, self.chain, size) for group in groups]
        if any(line.span > limit for line in lines):
            return None
        return lines

    def breaks(self, size: int, limit: float) -> list[int] | None:
        """Balanced line starts at `size` from the scaled widths; None if a word overflows."""
        widths, gap = self._scaled(size)
        starts = greedy_breaks(widths, gap, limit)
        if starts is None:
            return None
        return balanced_breaks(widths, gap, limit, len(starts))

    def rag(self, size: int, limit: float) -> float:
        """Longest line over shortest in the balanced setting at `size` (1.0 = even block)."""
        starts = self.breaks(size, limit) if self.words else None
        if not starts or len(starts) == 1:
            return 1.0
        widths, gap = self._scaled(size)
        ends = [*starts[1:], len(widths)]
        lines = [sum(widths[a:b]) + sum(gap[a + 1 : b]) for a, b in zip(starts, ends, strict=True)]
        return max(lines) / max(1e-9, min(lines))


def ink_extent(chain: FontChain, words: Sequence[Word], size: float) -> tuple[int, int]:
    """Ink above and below the baseline of the tallest and deepest glyphs among `words`, every
    run in the font that draws it (a Thai tone mark or a Devanagari vowel sign reaches higher).

    Used for every line of the paragraph, so baselines keep one rhythm whatever each line holds.
    """
    if not words:
        return 0, 0
    _, top, _, bottom = chain.bbox(" ".join(w.text for w in words), size)
    return max(0, -math.floor(top)), max(0, math.ceil(bottom))


def largest_fitting(fits: Callable[[int], bool], low: int, high: int) -> int | None:
    """The largest integer size in [low, high] for which `fits` holds (binary search).

    Assumes fitting is monotone in size, which holds up to hinting noise of a pixel or so; the
    caller re-checks the result, so noise only costs a size step, never an overflow.
    """
    if high < low or not fits(low):
        return None
    while low < high:
        mid = (low + high + 1) // 2
        if fits(mid):
            low = mid
        else:
            high = mid - 1
    return low


@dataclass(frozen=True)
class Setting:
    """A headline and its sign-off set for real at one headline size, and the height they take."""

    size: int
    head: list[Line]
    sign: list[Line]
    sign_size: int
    head_extent: tuple[int, int]
    sign_extent: tuple[int, int]
    gap: float
    height: float


def block_height(extent: tuple[int, int], n_lines: int, step: float) -> float:
    """Ink height of `n_lines` lines with baselines `step` apart."""
    return 0.0 if n_lines == 0 else extent[0] + (n_lines - 1) * step + extent[1]


def fit_pair(
    head: Paragraph,
    sign: Paragraph,
    box: tuple[float, float],
    spacing: float,
    sign_scale: float,
    gap_em: float,
    sizes: tuple[int, int],
    sign_width: float | None = None,
) -> Setting | None:
    """The largest headline size in `sizes` at which the headline, a gap of `gap_em` and the
    sign-off at `sign_scale` of the headline size fit in `box` (width, height); None if none does.
    `sign_width` narrows the sign-off's lines (a sign-off beside the wordmark); default the box's.

    A binary search on sizes with the scaled estimate, then corrected by real measurement. Fitting
    both together keeps the sign-off in proportion: it is a reserved band that grows and shrinks
    with the headline rather than a fixed strip.
    """
    width, height = box
    sign_limit = width if sign_width is None else sign_width
    low, high = sizes
    both = bool(head.words and sign.words)

    def sign_size(size: int) -> int:
        return max(1, round(size * sign_scale))

    def gap(size: int) -> float:
        return gap_em * size if both else 0.0

    def estimate(size: int) -> bool:
        n_head, n_sign = (
            head.count_lines(size, width),
            sign.count_lines(sign_size(size), sign_limit),
        )
        if n_head is None or n_sign is None:
            return False
        total = head.height(size, n_head, spacing) + gap(size)
        return total + sign.height(sign_size(size), n_sign, spacing) <= height

    def real(size: int) -> Setting | None:
        head_lines, sign_lines = head.set(size, width), sign.set(sign_size(size), sign_limit)
        if head_lines is None or sign_lines is None:
            return None
        small = sign_size(size)
        he, se = ink_extent(head.chain, head.words, size), ink_extent(sign.chain, sign.words, small)
        total = block_height(he, len(head_lines), size * head.line_spacing(spacing)) + gap(size)
        total += block_height(se, len(sign_lines), small * sign.line_spacing(spacing))
        if total > height:
            return None
        return Setting(size, head_lines, sign_lines, small, he, se, gap(size), total)

    # The estimate is within a pixel or two of the truth: walk up while the next size still
    # fits for real, or down until one does.
    guess = largest_fitting(estimate, low, high)
    guess = low if guess is None else guess
    best = real(guess)
    if best is not None:
        while best.size < high and (bigger := real(best.size + 1)) is not None:
            best = bigger
        return _even_out(best, head, width, low, real)
    for size in range(guess - 1, low - 1, -1):
        if (setting := real(size)) is not None:
            return _even_out(setting, head, width, low, real)
    return None


#: A headline whose longest line is more than MAX_RAG times its shortest looks broken ("who"
#: alone on a line under "listened to"); giving up to RAG_GIVE of the size often mends it. Tried
#: on portrait formats: a tighter limit sacrifices too much size and leaves the bottom empty.
MAX_RAG = 2.0
RAG_GIVE = 0.15


def _even_out(
    best: Setting, head: Paragraph, width: float, low: int, real: Callable[[int], Setting | None]
) -> Setting:
    """The largest size within RAG_GIVE of `best` whose headline lines are even enough; `best`
    itself when it already is, or when no size nearby does better than MAX_RAG."""
    if head.rag(best.size, width) <= MAX_RAG:
        return best
    floor = max(low, math.ceil(best.size * (1 - RAG_GIVE)))
    for size in range(best.size - 1, floor - 1, -1):
        if head.rag(size, width) <= MAX_RAG and (setting := real(size)) is not None:
            return setting
    return best
