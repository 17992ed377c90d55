"""The 1080×1920 story cards (Pillow). Every text goes through `draw_text`, the one place that
picks a font, wraps and shrinks: swapping in a fallback-font chain (Devanagari, Thai, CJK) is a
change to this one function. Nothing is drawn outside `SAFE_AREA`, where story apps put their
progress bar, name and reply field.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw

from campaign.fontchain import FontChain, clusters
from campaign.linebreak import pieces
from campaign.resources import ASSETS_DIR
from campaign.wrapped.card import Card
from campaign.wrapped.png import save_png

SIZE = (1080, 1920)
# left, top, right, bottom: 90 px at the sides, 250 px under the top and above the bottom.
SAFE_AREA = (90, 250, 990, 1670)
FONTS = {"regular": "Inter-Regular.otf", "bold": "Inter-Bold.otf"}
# One palette per card, chosen by the card's place in the story: (background, text, accent).
PALETTES = (
    ((30, 215, 96), (10, 10, 10), (255, 255, 255)),
    ((24, 24, 36), (245, 245, 245), (30, 215, 96)),
    ((255, 100, 80), (20, 10, 10), (255, 240, 200)),
    ((80, 60, 220), (250, 250, 255), (255, 210, 60)),
    ((245, 230, 200), (25, 25, 25), (200, 50, 90)),
    ((0, 110, 120), (240, 255, 250), (255, 200, 120)),
)
# Largest sizes (px): text shrinks from these until it fits its box.
SIZES = {"tag": 40, "headline": 120, "body": 60, "counted": 30}
LINE_SPACING = 1.18
MIN_SIZE = 18


@functools.cache
def font_chain(weight: str, locale: str | None) -> FontChain:
    """The bundled font of the weight, then the fallbacks (Thai, Devanagari, CJK, …) after it."""
    return FontChain.for_font(ASSETS_DIR / "fonts" / FONTS[weight], locale)


def missing_glyphs(text: str, weight: str = "regular", locale: str | None = None) -> list[str]:
    """The characters of `text` no bundled font can draw (they would show as boxes), in order."""
    lacking = font_chain(weight, locale).missing(_drawable(text))
    return [cluster for cluster in dict.fromkeys(clusters(_drawable(text))) if cluster in lacking]


def _drawable(text: str) -> str:
    """Control characters and lone surrogates removed (the shaper fails on them), tabs as spaces;
    line breaks kept."""
    text = text.replace("\t", " ").replace("\r\n", "\n")
    return "".join(ch for ch in text if ch == "\n" or unicodedata.category(ch) not in {"Cc", "Cs"})


def _width(chain: FontChain, text: str, size: int) -> float:
    """The ink's width from the pen position: a glyph that overhangs to the left (Ż, J) counts."""
    left, _, right, _ = chain.bbox(text, size)
    return right - min(0, left)


def _wrap(
    text: str, chain: FontChain, size: int, width: int, room: int | None = None
) -> tuple[list[str], bool] | None:
    """Greedy wrapping at the script's break opportunities (spaces, Thai words, between CJK
    characters); a piece longer than the line broken between grapheme clusters. Also says
    whether a piece had to be broken so (a word cut, or `”.` alone on a line). With `room`, None
    as soon as the lines outnumber it or a word is cut: that size will not do, and the rest of
    the text need not be measured."""
    paragraphs = text.split("\n")
    if room is not None and len(paragraphs) > room:  # a paragraph takes a line at least
        return None
    lines: list[str] = []
    cut = False

    def hopeless() -> bool:
        return room is not None and (cut or len(lines) > room)

    for paragraph in paragraphs:
        line = ""
        for piece in pieces(paragraph, chain.locale):
            if _width(chain, (line + piece).rstrip(), size) <= width:
                line += piece
                continue
            if line:
                lines.append(line.rstrip())
            line = ""
            cut = cut or _width(chain, piece.rstrip(), size) > width
            if hopeless():
                return None
            for cluster in clusters(piece):
                if line and _width(chain, (line + cluster).rstrip(), size) > width:
                    lines.append(line.rstrip())
                    line = ""
                line += cluster
        lines.append(line.rstrip())
        if hopeless():
            return None
    return lines, cut


def fit_lines(
    text: str, width: int, height: int, size: int, chain: FontChain
) -> tuple[list[str], int]:
    """The lines and the largest size up to `size` at which `text` fits the box with no word
    cut; at MIN_SIZE, whatever it takes (the caller cuts at the box's last line)."""
    while True:
        room = None if size <= MIN_SIZE else height // round(size * LINE_SPACING)
        wrapped = _wrap(text, chain, size, width, room)
        if wrapped is not None:
            return wrapped[0], size
        size = max(MIN_SIZE, int(size * 0.92))


def draw_text(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    text: str,
    size: int,
    weight: str,
    fill: tuple[int, int, int],
    locale: str | None = None,
) -> int:
    """Draw `text` in `box` as `fit_lines` lays it out; return the bottom used.

    Text that does not fit even at MIN_SIZE is cut at the box's last line, never drawn outside.
    A character no bundled font has is left out here and listed by `missing_glyphs`.
    """
    left, top, right, bottom = box
    text = _drawable(text)
    chain = font_chain(weight, locale)
    if lacking := chain.missing(text):  # reported per card by `draw_card`, never a box
        text = "".join(c for c in clusters(text) if c not in lacking)
    lines, size = fit_lines(text, right - left, bottom - top, size, chain)
    step = round(size * LINE_SPACING)
    y = top
    ascent = round(size * 0.8)  # where the baseline of a line without tall marks sits
    for line in lines:
        ink_left, ink_top, _, ink_bottom = chain.bbox(line, size)
        # an accent above the ascender or an overhang to the left moves the line into the box
        baseline = y + max(ascent, -ink_top)
        if baseline + max(ink_bottom, step - ascent) > bottom:
            break
        chain.draw(draw, (left - min(0, ink_left), baseline), line, size, fill)
        y = baseline + step - ascent
    return round(y)


def _bars(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    values: list[int],
    fill: tuple[int, int, int],
    accent: tuple[int, int, int],
) -> None:
    """The listening clock: one bar per hour, the busiest in the accent colour."""
    left, top, right, bottom = box
    peak = max(values) or 1
    slot = (right - left) / len(values)
    for hour, value in enumerate(values):
        bar_top = bottom - round((bottom - top) * value / peak)
        x0 = left + round(hour * slot) + 2
        x1 = left + round((hour + 1) * slot) - 2
        colour = accent if value == peak else fill
        draw.rectangle((x0, min(bar_top, bottom - 2), x1, bottom), fill=colour)
        if hour % 6 == 0:
            label = (x0, bottom + 8, x0 + round(slot * 3), bottom + 48)
            draw_text(draw, label, f"{hour:02d}", 30, "regular", fill)


def draw_card(card: Card, tag: str, index: int, path: Path, locale: str | None = None) -> list[str]:
    """One card as a PNG: the tag (year), the headline, the body, how it was counted. Returns
    the characters the bundled font lacks, so that a box is never drawn silently."""
    background, ink, accent = PALETTES[index % len(PALETTES)]
    image = Image.new("RGB", SIZE, background)
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = SAFE_AREA
    draw_text(draw, (left, top, right, top + 60), tag, SIZES["tag"], "bold", accent, locale)
    below = draw_text(
        draw,
        (left, top + 100, right, top + 760),
        card.copy["headline"],
        SIZES["headline"],
        "bold",
        ink,
        locale,
    )
    body_bottom = bottom - 200
    if card.kind == "clock":
        _bars(
            draw,
            (left, body_bottom - 400, right, body_bottom - 60),
            card.facts["hours"],
            ink,
            accent,
        )
        body_bottom -= 400
    body_box = (left, below + 50, right, body_bottom)
    draw_text(draw, body_box, card.copy["body"], SIZES["body"], "regular", ink, locale)
    counted_box = (left, bottom - 170, right, bottom)
    draw_text(draw, counted_box, card.copy["counted"], SIZES["counted"], "regular", ink, locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    save_png(image, path)  # fast: a batch draws thousands
    return sorted(
        set(missing_glyphs(card.copy["headline"], "bold", locale))
        | set(missing_glyphs(card.copy["body"] + card.copy["counted"], "regular", locale))
    )
