"""Billboards in every script: no character dropped, every run in a font that has it, marks and
stacked vowels inside the safe area, and lines broken where the script allows."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from PIL import Image

from campaign.billboard_copy import BillboardCopy
from campaign.linebreak import break_opportunities
from campaign.render import (
    Layout,
    RenderError,
    Theme,
    draw_layout,
    layout_billboard,
    load_theme,
)
from campaign.render.textfit import split_words
from tests.test_fontchain import assert_drawn_whole

#: Real titles of the kworb Asian charts and the personal exports, in the English template and in
#: a headline of their own language, so that both mixed and single-script lines are set.
TITLES = {
    "th": "อยากจะกอดเธอนาน ๆ (HAVE A GOOD TIME)",
    "ko": "시작의 아이 ハジマリのコ (Starting With You)",
    "ja": "かくれんぼ (Hide and Seek)",
    "zh-Hans": "像晴天像雨天（电视剧《难哄》心动曲）",
    "zh-Hant": "說好不哭（with 五月天阿信）",
    "vi": "Người Im Lặng Gặp Người Hay Nói",
    "hi": "मैं रंग शरबतों का",
}
OWN_LANGUAGE = {
    "th": "ถึง 3,749 คนที่ฟังเพลง “ลืมไปแล้วว่าลืมยังไง” ในวันสงกรานต์",
    "ja": "「夜に駆ける」を大晦日に聴いた3,749人のみなさんへ",
    "ko": "설날에 “사랑은 늘 도망가”를 들은 3,749명의 여러분께",
    "zh-Hant": "致在跨年夜收聽《說好不哭（with 五月天阿信）》的3,749位朋友",
}
ALL_FORMATS = ["48-sheet", "6-sheet", "dooh-landscape", "dooh-portrait", "square"]  # DESIGN.md
PIXEL_FORMATS = ["square", "dooh-portrait", "dooh-landscape"]


def english(locale: str) -> BillboardCopy:
    title = f"“{TITLES[locale]}”"
    headline = f"12,880,481 streams of {title} here in 2025. 3 times more than anywhere else."
    start = headline.index(title)
    return BillboardCopy(
        headline, "Export product? Not yet.", locale, ((start, start + len(title)),)
    )


def own(locale: str) -> BillboardCopy:
    return BillboardCopy(OWN_LANGUAGE[locale], "3,749", locale)


COPIES = [english(loc) for loc in TITLES] + [own(loc) for loc in OWN_LANGUAGE]
IDS = [f"en-{loc}" for loc in TITLES] + [f"own-{loc}" for loc in OWN_LANGUAGE]


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme("default")


def visible(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("copy", COPIES, ids=IDS)
@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_every_character_is_set_in_a_font_that_has_it(
    copy: BillboardCopy, fmt: str, theme: Theme
) -> None:
    layout = layout_billboard(copy, fmt, theme)
    head = "".join(p.text for p in layout.headline_lines)
    sign = "".join(p.text for p in layout.lines if p.role == "signoff")
    assert visible(head) == visible(copy.headline), "a character of the headline was lost"
    assert visible(sign) == visible(copy.signoff)
    for placed in layout.lines:
        assert_drawn_whole(placed.chain, placed.text)


def ink(image: Image.Image, theme: Theme) -> np.ndarray:
    pixels = np.asarray(image.convert("RGB"))
    return np.any(pixels != np.array(theme.background, dtype=np.uint8), axis=2)


@pytest.mark.parametrize("copy", COPIES, ids=IDS)
@pytest.mark.parametrize("fmt", PIXEL_FORMATS)
def test_marks_stay_inside_the_safe_area_and_every_run_leaves_ink(
    copy: BillboardCopy, fmt: str, theme: Theme
) -> None:
    layout = layout_billboard(copy, fmt, theme)
    mask = ink(draw_layout(layout, theme), theme)
    left, top, right, bottom = layout.safe_box
    outside = mask.copy()
    outside[top:bottom, left:right] = False
    assert not outside.any(), f"ink outside the safe area at {np.argwhere(outside)[:3].tolist()}"
    for placed in layout.lines:
        x = placed.x
        for run in placed.chain.segments(placed.text):
            advance = run.face.advance(run.text, placed.size)
            if run.text.strip():
                box = mask[:, max(0, int(x)) : int(x + advance) + 1]
                band = box[int(placed.baseline - placed.size) : int(placed.baseline + placed.size)]
                assert band.any(), f"no ink for {run.text!r} in {fmt}"
            x += advance


def line_breaks(layout: Layout, text: str) -> list[int]:
    """Where in `text` (spaces removed) each headline line after the first begins."""
    flat, starts, at = visible(text), [], 0
    for placed in layout.headline_lines:
        starts.append(at)
        at += len(visible(placed.text))
    assert at == len(flat)
    return starts[1:]


@pytest.mark.parametrize("locale", ["th", "ja", "zh-Hant"])
def test_spaceless_copy_breaks_only_where_its_script_allows(locale: str, theme: Theme) -> None:
    copy = own(locale)
    layout = layout_billboard(copy, "dooh-portrait", theme)
    assert len(layout.headline_lines) >= 3
    text = copy.headline
    positions = {len(visible(text[:i])) for i in break_opportunities(text, locale)}
    assert set(line_breaks(layout, text)) <= positions


def test_a_thai_title_is_not_one_unbreakable_word(theme: Theme) -> None:
    """The issue's case: a Thai title set in English copy on a narrow format wraps inside the
    title at a Thai word boundary instead of shrinking the whole headline."""
    title = "ลืมไปแล้วว่าลืมยังไงลืมไปแล้วว่าลืมยังไง"
    copy = BillboardCopy(f"48,266,392 streams of “{title}” here in 2026", "", "en")
    layout = layout_billboard(copy, "dooh-portrait", theme)
    assert any(title[:4] in p.text and title not in p.text for p in layout.headline_lines)
    assert layout.fit > 0.3


def test_a_title_too_long_for_the_smallest_legible_size_does_not_fit(theme: Theme) -> None:
    copy = BillboardCopy("“" + "ฟ" * 300 + "”", "", "th")  # one 300-letter "word"
    with pytest.raises(RenderError, match="does not fit the square format"):
        layout_billboard(copy, "square", theme)


def test_the_copys_own_spaces_are_kept_and_control_spaces_become_breaks() -> None:
    words = split_words("ความรัก\tทำให้ 3\u2009749\u3000夜に駆ける", [False] * 25, "th")
    assert [(w.text, w.space) for w in words] == [
        ("ความ", ""),
        ("รัก", " "),  # the tab: a break opportunity, set as a space
        ("ทำให้", " "),
        ("3", "\u2009"),  # a thin space stays thin
        ("749", "\u3000"),  # an ideographic space stays full width
        ("夜に", ""),
        ("駆ける", ""),
    ]


@pytest.mark.parametrize("fmt", ALL_FORMATS)
@pytest.mark.parametrize("copy", COPIES, ids=IDS)
def test_no_line_touches_the_next(copy: BillboardCopy, fmt: str) -> None:
    """Thai tone marks stacked on vowels and Vietnamese stacked accents stay clear of the line
    above: the ink of consecutive lines never overlaps, whatever the theme's line spacing."""
    layout = layout_billboard(copy, fmt, load_theme("coral"))  # the tightest shipped spacing
    for role in ("headline", "signoff"):
        lines = [p for p in layout.lines if p.role == role]
        for upper, lower in pairwise(lines):
            assert upper.box[3] < lower.box[1], (fmt, upper.text, lower.text)
