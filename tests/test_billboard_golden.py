"""Same input, same pixels: golden images, and no ink outside the safe area in any format/theme.

The golden PNGs under tests/golden/billboards/ are the billboards downscaled to 240 px wide, so
they stay small; a run compares its own downscaled render with a small tolerance (anti-aliasing
may move by a grey level between Pillow or FreeType builds, a glyph moving may not). After an
intended change to the look, regenerate with `UPDATE_GOLDEN=1 .venv/bin/python -m pytest
tests/test_billboard_golden.py` and look at the images; a failure writes `<case>.actual.png`
beside the golden one: expected, actual and their difference side by side.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageChops

from campaign.billboard_copy import BillboardCopy
from campaign.render import BILLBOARD_FORMATS, list_themes, load_theme, render_billboard

GOLDEN = Path(__file__).parent / "golden" / "billboards"
GOLDEN_WIDTH = 240
MAX_MEAN_DIFF = 0.6  # mean absolute difference per channel, in grey levels of 255
MAX_CHANGED = 0.004  # share of pixels that may differ by more than 40 grey levels
SAFE_MARGIN = 0.07  # README: the safe area is the format inset by 7 % of its short side


def _copy(headline: str, signoff: str, locale: str, *emphasised: str) -> BillboardCopy:
    spans = tuple((headline.index(p), headline.index(p) + len(p)) for p in emphasised)
    return BillboardCopy(headline, signoff, locale, spans)


BREXIT = (
    "Dear 3,749 people who streamed “It’s the End of the World As We Know It” "
    "the day of the Brexit vote,"
)
HALLOWEEN = "ハロウィンの日に「Thriller」を聴いた1,204人へ"
BASTILLE = "Chers 12 480 fans qui ont écouté « La Marseillaise » le 14 juillet,"
COPIES = {
    "en": _copy(
        BREXIT, "Hang in there.", "en", "3,749", "“It’s the End of the World As We Know It”"
    ),
    "ja": _copy(HALLOWEEN, "また来年。", "ja", "「Thriller」", "1,204人"),
    "fr": _copy(BASTILLE, "Vive les vacances.", "fr", "12 480", "« La Marseillaise »"),
}
GOLDEN_THEMES = ("default", "coral", "sunflower", "mint", "grape", "magenta", "night")
# Every copy in every format; the themes rotate so each theme meets several formats and copies.
CASES = [
    (locale, fmt, GOLDEN_THEMES[(i * len(BILLBOARD_FORMATS) + j) % len(GOLDEN_THEMES)])
    for i, locale in enumerate(COPIES)
    for j, fmt in enumerate(BILLBOARD_FORMATS)
]


def downscaled(image: Image.Image) -> Image.Image:
    height = round(image.height * GOLDEN_WIDTH / image.width)
    return image.convert("RGB").resize((GOLDEN_WIDTH, height), Image.Resampling.BOX)


def side_by_side(*images: Image.Image) -> Image.Image:
    sheet = Image.new("RGB", (sum(i.width for i in images) + 8 * len(images), images[0].height))
    x = 0
    for image in images:
        sheet.paste(image, (x, 0))
        x += image.width + 8
    return sheet


@pytest.mark.parametrize(("locale", "fmt", "theme_name"), CASES)
def test_billboard_matches_its_golden_image(locale: str, fmt: str, theme_name: str) -> None:
    actual = downscaled(render_billboard(COPIES[locale], fmt, load_theme(theme_name)))
    path = GOLDEN / f"{locale}-{fmt}-{theme_name}.png"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        actual.save(path, optimize=True)
    assert path.is_file(), f"no golden image {path.name}: run with UPDATE_GOLDEN=1 and look at it"
    with Image.open(path) as stored:
        expected = stored.convert("RGB")
    assert expected.size == actual.size, (expected.size, actual.size)
    diff = np.asarray(ImageChops.difference(expected, actual), dtype=np.int16)
    mean = float(diff.mean())
    changed = float((diff.max(axis=2) > 40).mean())
    if mean > MAX_MEAN_DIFF or changed > MAX_CHANGED:
        amplified = Image.fromarray(np.clip(diff * 4, 0, 255).astype(np.uint8))
        report = path.with_suffix(".actual.png")
        side_by_side(expected, actual, amplified).save(report)
        pytest.fail(
            f"{path.name}: mean difference {mean:.2f}, {changed:.2%} of pixels changed; "
            f"expected | actual | difference in {report}"
        )


def test_golden_images_stay_small() -> None:
    files = list(GOLDEN.glob("*.png"))
    assert {p.name for p in files if not p.name.endswith(".actual.png")} >= {
        f"{locale}-{fmt}-{theme}.png" for locale, fmt, theme in CASES
    }
    assert all(p.stat().st_size < 40_000 for p in files)


def test_a_changed_pixel_block_is_caught() -> None:
    """The tolerance lets anti-aliasing through but not a moved or recoloured word."""
    image = downscaled(render_billboard(COPIES["en"], "square", load_theme("coral")))
    moved = image.copy()
    moved.paste(image.crop((20, 20, 120, 60)), (24, 20))
    diff = np.asarray(ImageChops.difference(image, moved), dtype=np.int16)
    assert float((diff.max(axis=2) > 40).mean()) > MAX_CHANGED


@pytest.mark.parametrize("theme_name", list_themes())
@pytest.mark.parametrize("fmt", list(BILLBOARD_FORMATS))
def test_nothing_is_drawn_outside_the_safe_area(fmt: str, theme_name: str) -> None:
    """Every pixel outside the safe area, stated in the README, is the theme's background; the
    copies' three scripts rotate over the formats and themes, and the safe area is derived here,
    not taken from the renderer."""
    theme = load_theme(theme_name)
    width, height = BILLBOARD_FORMATS[fmt].size
    inset = round(min(width, height) * SAFE_MARGIN)
    turn = list(BILLBOARD_FORMATS).index(fmt) + list_themes().index(theme_name)
    for copy in [list(COPIES.values())[turn % len(COPIES)]]:
        pixels = np.asarray(render_billboard(copy, fmt, theme).convert("RGB"))
        assert pixels.shape[:2] == (height, width)
        ink = np.any(pixels != np.array(theme.background, dtype=np.uint8), axis=2)
        ink[inset : height - inset, inset : width - inset] = False
        stray = np.argwhere(ink)
        assert stray.size == 0, f"{copy.locale}: ink outside the safe area at {stray[:3].tolist()}"
