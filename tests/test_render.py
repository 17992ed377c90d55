"""Render stage: formats, themes, text fitting and pixels.

Geometry is checked through `layout_billboard` (no OCR); pixel checks compare against the theme's
background colour, so a test fails if any ink lands outside the safe area.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from campaign.billboard_copy import BillboardCopy
from campaign.errors import ConfigError
from campaign.render import (
    BILLBOARD_FORMATS,
    Format,
    Layout,
    RenderError,
    Theme,
    layout_billboard,
    load_theme,
    render_all,
    render_billboard,
    render_key,
    save_billboard,
    save_thumbnail,
    thumb_path,
)
from campaign.render.textfit import balanced_breaks, greedy_breaks
from campaign.resources import ASSETS_DIR

SMALL = ["square", "dooh-landscape", "dooh-portrait"]

HEADLINE = (
    "Dear 3,749 people who streamed “It’s the End of the World As We Know It” "
    "the day of the Brexit vote,"
)


def emphasised(headline: str, *parts: str) -> tuple[tuple[int, int], ...]:
    spans = []
    for part in parts:
        start = headline.index(part)
        spans.append((start, start + len(part)))
    return tuple(spans)


BREXIT = BillboardCopy(
    HEADLINE,
    "Hang in there.",
    "en",
    emphasised(HEADLINE, "3,749", "“It’s the End of the World As We Know It”"),
)


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme("default")


def ink_mask(image: Image.Image, theme: Theme) -> np.ndarray:
    """True where a pixel differs from the background."""
    pixels = np.asarray(image.convert("RGB"))
    return np.any(pixels != np.array(theme.background, dtype=np.uint8), axis=2)


def assert_ink_inside(image: Image.Image, layout: Layout, theme: Theme) -> None:
    mask = ink_mask(image, theme)
    left, top, right, bottom = layout.safe_box
    inside = np.zeros_like(mask)
    inside[top:bottom, left:right] = True
    stray = np.argwhere(mask & ~inside)
    assert stray.size == 0, f"ink outside the safe area at (y, x) {stray[:5].tolist()}"
    assert mask.any(), "nothing was drawn"


def assert_boxes_inside(layout: Layout) -> None:
    left, top, right, bottom = layout.content_box
    for placed in layout.lines:
        x0, y0, x1, y1 = placed.box
        assert left <= x0 and x1 <= right and top <= y0 and y1 <= bottom, (placed.text, placed.box)


# --- formats -----------------------------------------------------------------------------------


def test_fixed_format_names_and_sizes() -> None:
    assert {name: f.size for name, f in BILLBOARD_FORMATS.items()} == {
        "48-sheet": (6000, 3000),
        "6-sheet": (2400, 3600),
        "dooh-landscape": (1920, 1080),
        "dooh-portrait": (1080, 1920),
        "square": (1080, 1080),
    }


@pytest.mark.parametrize("name", list(BILLBOARD_FORMATS))
def test_image_size_equals_format(name: str, theme: Theme) -> None:
    image = render_billboard(BREXIT, name, theme)
    assert image.size == BILLBOARD_FORMATS[name].size
    assert image.mode == "RGB"


@pytest.mark.parametrize("name", SMALL)
def test_text_pixels_lie_inside_safe_area(name: str, theme: Theme) -> None:
    layout = layout_billboard(BREXIT, name, theme)
    assert_boxes_inside(layout)
    assert_ink_inside(render_billboard(BREXIT, name, theme), layout, theme)


def test_48_sheet_geometry(theme: Theme) -> None:
    layout = layout_billboard(BREXIT, "48-sheet", theme)
    assert_boxes_inside(layout)
    assert layout.safe_box == (210, 210, 5790, 2790)  # 7 % of the short side
    assert layout.headline_size > 300  # big type on the big format
    assert layout.signoff_size < layout.headline_size


def test_a_very_wide_format_sets_the_sign_off_beside_the_wordmark(theme: Theme) -> None:
    """On the 48-sheet the sign-off takes the bottom row, left of the wordmark, and the headline
    the height above it; a 16:9 screen keeps the sign-off stacked under the headline."""
    wide = layout_billboard(BREXIT, "48-sheet", theme)
    sign = [p for p in wide.lines if p.role == "signoff"]
    assert wide.wordmark is not None and sign
    mark = wide.wordmark.box
    assert all(p.box[2] < mark[0] for p in sign)  # never touches the wordmark
    assert sign[-1].box[3] > mark[1]  # on the wordmark's row
    assert max(p.box[3] for p in wide.headline_lines) < min(p.box[1] for p in sign)
    assert wide.content_box[3] == wide.safe_box[3]
    screen = layout_billboard(BREXIT, "dooh-landscape", theme)
    assert screen.wordmark is not None
    assert max(p.box[3] for p in screen.lines) < screen.wordmark.box[1]


def test_unknown_format_names_it(theme: Theme) -> None:
    with pytest.raises(ConfigError, match="96-sheet"):
        render_billboard(BREXIT, "96-sheet", theme)


def test_custom_format_object(theme: Theme) -> None:
    image = render_billboard(BREXIT, Format("banner", 800, 200, margin=0.1), theme)
    assert image.size == (800, 200)


# --- fitting -----------------------------------------------------------------------------------


def test_long_headline_still_fits(theme: Theme) -> None:
    words = ("people who streamed a rather long song title on a grey afternoon " * 4).split()[:40]
    copy = BillboardCopy("Dear " + " ".join(words) + ",", "Hang in there.", "en")
    layout = layout_billboard(copy, "square", theme)
    assert len(copy.headline.split()) == 41
    assert_boxes_inside(layout)
    assert_ink_inside(render_billboard(copy, "square", theme), layout, theme)
    assert " ".join(p.text for p in layout.headline_lines) == copy.headline


def test_shorter_copy_gets_bigger_type(theme: Theme) -> None:
    short = BillboardCopy("Dear person who played “Sorry” 42 times,", "What did you do?", "en")
    assert (
        layout_billboard(short, "square", theme).headline_size
        > layout_billboard(BREXIT, "square", theme).headline_size
    )


def test_twelve_words_wrap_balanced(theme: Theme) -> None:
    copy = BillboardCopy(
        "To the person who listened to “I Took a Pill in Ibiza” 52 times,",
        "Everyone celebrates Pancake Day differently.",
        "en",
    )
    for name in SMALL:
        widths = [p.line.width for p in layout_billboard(copy, name, theme).headline_lines]
        assert len(widths) >= 2
        assert max(widths) <= 2 * min(widths), (name, widths)


def test_balanced_breaks_avoid_a_lone_last_word() -> None:
    widths, limit = [50.0, 50, 50, 50, 50], 200.0
    greedy = greedy_breaks(widths, [0.0] + [10.0] * 4, limit)
    assert greedy == [0, 3]  # greedy leaves two words on the last line; fine
    widths, gap = [60.0, 60, 60, 30], [0.0, 10, 10, 10]
    assert greedy_breaks(widths, gap, 200) == [0, 3]  # greedy: lone last word
    starts = balanced_breaks(widths, gap, 200, 2)
    assert starts == [0, 2]  # two and two


def test_pieces_without_spaces_between_them_sit_closer() -> None:
    """Two Thai words or two ideographs on one line have no gap between them; the line
    breaker may still break there."""
    widths = [60.0, 60, 60]
    assert greedy_breaks(widths, [0.0, 10, 10], 130.0) == [0, 2]
    assert greedy_breaks(widths, [0.0, 0, 0], 180.0) == [0]
    assert greedy_breaks(widths, [0.0, 10, 10], 180.0) == [0, 2]


def test_unbreakable_word_too_long_raises(theme: Theme) -> None:
    copy = BillboardCopy("Dear " + "x" * 400 + ",", "Hang in there.", "en")
    with pytest.raises(RenderError, match="square"):
        layout_billboard(copy, "square", theme)


def test_long_word_shrinks_the_size(theme: Theme) -> None:
    plain = BillboardCopy("Dear people who streamed it,", "", "en")
    long_word = BillboardCopy(
        "Dear people who streamed Supercalifragilisticexpialidocious,", "", "en"
    )
    assert (
        layout_billboard(long_word, "square", theme).headline_size
        < layout_billboard(plain, "square", theme).headline_size
    )
    assert_boxes_inside(layout_billboard(long_word, "square", theme))


# --- emphasis ----------------------------------------------------------------------------------


def count_colour(image: Image.Image, colour: tuple[int, int, int]) -> int:
    pixels = np.asarray(image)
    return int(np.all(pixels == np.array(colour, dtype=np.uint8), axis=2).sum())


def test_emphasis_draws_accent_pixels(theme: Theme) -> None:
    assert count_colour(render_billboard(BREXIT, "square", theme), theme.accent) > 1000
    plain = BillboardCopy(HEADLINE, "Hang in there.", "en")
    assert count_colour(render_billboard(plain, "square", theme), theme.accent) == 0


def test_emphasis_does_not_move_the_text(theme: Theme) -> None:
    """A coloured run sits where it would in the plain line: same ink, different colours."""
    plain = BillboardCopy(HEADLINE, "Hang in there.", "en")
    a = ink_mask(render_billboard(BREXIT, "dooh-landscape", theme), theme)
    b = ink_mask(render_billboard(plain, "dooh-landscape", theme), theme)
    overlap = (a & b).sum() / (a | b).sum()
    assert overlap > 0.99


def test_emphasis_out_of_range_is_clipped(theme: Theme) -> None:
    copy = BillboardCopy("Dear you,", "Hi.", "en", ((5, 500), (-3, 2)))
    assert count_colour(render_billboard(copy, "square", theme), theme.accent) > 0


# --- text beyond ASCII -------------------------------------------------------------------------


def test_french_narrow_no_break_space_never_breaks(theme: Theme) -> None:
    headline = (
        "Chères 3\u202f749 personnes qui ont écouté «\u202fNe me quitte pas\u202f» "
        "le jour du vote sur le Brexit,"
    )
    copy = BillboardCopy(headline, "Accrochez-vous.", "fr", emphasised(headline, "3\u202f749"))
    for name in ["dooh-portrait", "square", "6-sheet"]:
        lines = [p.text for p in layout_billboard(copy, name, theme).headline_lines]
        assert any("3\u202f749" in line for line in lines), lines
        assert any("«\u202fNe" in line for line in lines), lines
        assert any("pas\u202f»" in line for line in lines), lines


def test_no_break_space_and_accents(theme: Theme) -> None:
    headline = "Hyvä 1\u00a0234 kuuntelijaa, jotka soittivat ”Säkkijärven polkkaa” juhannuksena,"
    copy = BillboardCopy(headline, "Ääntä!", "fi", emphasised(headline, "1\u00a0234"))
    layout = layout_billboard(copy, "dooh-portrait", theme)
    assert any("1\u00a0234" in p.text for p in layout.headline_lines)
    assert_ink_inside(render_billboard(copy, "dooh-portrait", theme), layout, theme)


def test_emoji_is_drawn_from_the_emoji_font_not_left_out(theme: Theme) -> None:
    headline = "Dear 12 people who streamed “Happy” 🎵 on a Monday,"
    copy = BillboardCopy(headline, "Same 😀", "en", emphasised(headline, "“Happy”"))
    layout = layout_billboard(copy, "square", theme)
    assert any("🎵" in p.text for p in layout.headline_lines)
    assert any("😀" in p.text for p in layout.lines if p.role == "signoff")
    assert count_colour(render_billboard(copy, "square", theme), theme.accent) > 0


def test_a_character_no_bundled_font_has_is_refused_by_name(theme: Theme) -> None:
    copy = BillboardCopy("Dear 12 people who streamed “Flamingo” \U0001f9a9,", "Hi.", "en")
    with pytest.raises(RenderError, match=r"cannot be drawn: no bundled font can draw .*U\+1F9A9"):
        layout_billboard(copy, "square", theme)


# --- determinism and saving --------------------------------------------------------------------


def test_same_input_same_pixels(theme: Theme, tmp_path: Path) -> None:
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    save_billboard(render_billboard(BREXIT, "square", theme), a)
    save_billboard(render_billboard(BREXIT, "square", theme), b)
    assert a.read_bytes() == b.read_bytes()


def test_save_is_a_png_with_its_key(theme: Theme, tmp_path: Path) -> None:
    key = render_key(BREXIT, "square", theme)
    path = save_billboard(render_billboard(BREXIT, "square", theme), tmp_path / "x/b.png", key=key)
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.info["campaign-render-key"] == key
    assert list(path.parent.iterdir()) == [path]  # no temporary file left behind


def test_render_key_changes_with_inputs(theme: Theme) -> None:
    other = BillboardCopy(HEADLINE, "Stay strong.", "en", BREXIT.emphasis)
    assert render_key(BREXIT, "square", theme) == render_key(BREXIT, "square", theme)
    assert render_key(BREXIT, "square", theme) != render_key(other, "square", theme)
    assert render_key(BREXIT, "square", theme) != render_key(BREXIT, "dooh-portrait", theme)


def test_render_all_writes_then_skips_unchanged(theme: Theme, tmp_path: Path) -> None:
    too_long = BillboardCopy("x" * 500, "", "en")
    jobs = [
        (BREXIT, "square", theme, tmp_path / "a.png"),
        (BREXIT, "dooh-portrait", theme, tmp_path / "b.png"),
        (too_long, "square", theme, tmp_path / "c.png"),
    ]
    first = render_all(jobs, workers=2)
    assert [r.status for r in first] == ["written", "written", "failed"]
    assert first[2].error and "square" in first[2].error
    assert Image.open(tmp_path / "b.png").size == (1080, 1920)
    second = render_all(jobs[:2], workers=1)
    assert [r.status for r in second] == ["unchanged", "unchanged"]


def test_render_all_reports_each_fit_as_the_layout_measures_it(
    theme: Theme, tmp_path: Path
) -> None:
    """The fit score comes from the worker's own layout, and an unchanged billboard keeps the
    fit it was drawn with (read back from its file), so nobody lays the copy out twice."""
    short = BillboardCopy("Dear 3 people,", "Hi.", "en")
    too_long = BillboardCopy("x" * 500, "", "en")
    jobs = [
        (BREXIT, "square", theme, tmp_path / "a.png"),
        (short, "dooh-landscape", theme, tmp_path / "b.png"),
        (too_long, "square", theme, tmp_path / "c.png"),
    ]
    expected = [layout_billboard(c, f, theme).fit for c, f, *_ in jobs[:2]] + [0.0]
    assert expected[0] != expected[1]
    assert [r.fit for r in render_all(jobs, workers=2)] == expected
    again = render_all(jobs, workers=1)
    assert [r.status for r in again] == ["unchanged", "unchanged", "failed"]
    assert [r.fit for r in again] == expected


def test_a_billboard_without_its_recorded_fit_is_redrawn(theme: Theme, tmp_path: Path) -> None:
    path = tmp_path / "a.png"
    image = render_billboard(BREXIT, "square", theme)
    save_billboard(image, path, key=render_key(BREXIT, "square", theme))
    save_thumbnail(image, thumb_path(path))
    (result,) = render_all([(BREXIT, "square", theme, path)], workers=1)
    assert result.status == "written"
    assert result.fit == layout_billboard(BREXIT, "square", theme).fit


def test_debug_overlay_draws_boxes(theme: Theme) -> None:
    plain = render_billboard(BREXIT, "square", theme)
    debug = render_billboard(BREXIT, "square", theme, debug=True)
    assert debug.size == plain.size
    assert count_colour(debug, (0, 255, 255)) > count_colour(plain, (0, 255, 255))


# --- themes ------------------------------------------------------------------------------------


THEME_TOML = """
background = "#FF4632"
text = "#000000"
accent = "#FFFFFF"
headline_font = "{font}"
signoff_font = "Inter-Regular.otf"
wordmark = "Acme"
wordmark_color = "#000000"
line_spacing = 1.1
"""


def test_bundled_themes_load() -> None:
    default = load_theme("default")
    assert default.headline_font.name == "Inter-Bold.otf"
    assert default.headline_font.is_file()
    assert load_theme("night").background != default.background


def test_theme_missing_field_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(THEME_TOML.format(font="Inter-Bold.otf").replace('accent = "#FFFFFF"\n', ""))
    with pytest.raises(ConfigError) as error:
        load_theme(str(path))
    assert str(path) in str(error.value)
    assert "accent" in str(error.value)


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("#FF4632", "not-a-colour"), "background"),
        (("1.1", "99"), "line_spacing"),
        (("Inter-Regular.otf", "Nope.otf"), "Nope.otf"),
        (('wordmark = "Acme"', 'wordmark = "Acme"\nfonts = 3'), "fonts"),
    ],
)
def test_theme_bad_values(tmp_path: Path, change: tuple[str, str], complaint: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(THEME_TOML.format(font="Inter-Bold.otf").replace(*change))
    with pytest.raises(ConfigError, match=complaint) as error:
        load_theme(path)
    assert error.value.path == path


def test_theme_font_relative_to_theme_file(tmp_path: Path, theme: Theme) -> None:
    (tmp_path / "fonts").mkdir()
    shutil.copy(ASSETS_DIR / "fonts" / "Inter-Regular.otf", tmp_path / "fonts" / "Brand.otf")
    (tmp_path / "brand.toml").write_text(THEME_TOML.format(font="fonts/Brand.otf"))
    brand = load_theme("brand", search_dirs=[tmp_path])
    assert brand.headline_font == (tmp_path / "fonts" / "Brand.otf").resolve()
    assert brand.name == "brand"
    assert render_billboard(BREXIT, "square", brand).getpixel((0, 0)) == (255, 70, 50)


def test_campaign_themes_come_before_bundled(tmp_path: Path) -> None:
    themes = tmp_path / "templates" / "themes"
    themes.mkdir(parents=True)
    (themes / "default.toml").write_text(THEME_TOML.format(font="Inter-Bold.otf"))
    assert load_theme("default", search_dirs=[themes]).wordmark == "Acme"
    assert load_theme("default", search_dirs=[tmp_path / "templates"]).wordmark == "Acme"
    assert load_theme("default").wordmark == "campaign"


def test_unknown_theme_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match=r"'neon'.*default"):
        load_theme("neon")


# --- property ----------------------------------------------------------------------------------

ALPHABET = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,.'“”‘’«»äöåéèëçœÄÖÉ\u202f"
)


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    headline=st.text(alphabet=ALPHABET, min_size=1, max_size=160),
    signoff=st.text(alphabet=ALPHABET, max_size=40),
    spans=st.lists(st.tuples(st.integers(0, 160), st.integers(0, 160)), max_size=3),
)
def test_layout_stays_inside_safe_area(
    theme: Theme, headline: str, signoff: str, spans: list[tuple[int, int]]
) -> None:
    copy = BillboardCopy(headline, signoff, "en", tuple(spans))
    try:
        layout = layout_billboard(copy, "square", theme)
    except RenderError:
        # allowed only when some unbreakable word cannot fit even at the minimum size
        longest = max(len(w) for w in (headline + " " + signoff).split())
        assert longest > 20
        return
    assert_boxes_inside(layout)
    assert layout.size_range[0] <= layout.headline_size <= layout.size_range[1]
