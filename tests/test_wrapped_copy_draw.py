"""Wrapped copy (golden, every locale shipped) and cards (safe area, same input same pixels)."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from campaign.errors import ConfigError, TemplateError
from campaign.locales import template_locales
from campaign.wrapped.card import Card
from campaign.wrapped.copy import (
    LocaleChoice,
    WrappedCopy,
    locale_for,
    shipped_locales,
    short_title,
)
from campaign.wrapped.draw import MIN_SIZE, SAFE_AREA, SIZE, draw_card, fit_lines, font_chain

GOLDEN = Path(__file__).parent / "golden" / "wrapped"
STORY = {
    "year": 2024,
    "tz": "Europe/Amsterdam",
    "tz_source": "market",
    "market": "NL",
    "first_day": date(2022, 5, 3),
    "last_day": date(2024, 12, 30),
    "min_s": 30,
    "timed": True,
    "coverage": {"partial": False, "first_day": date(2024, 1, 1), "last_day": date(2024, 12, 30)},
}
# A year whose data starts in March and stops for the summer.
PARTIAL = {
    "partial": True,
    "first_day": date(2024, 3, 3),
    "last_day": date(2024, 11, 14),
    "gap": {"first_day": date(2024, 6, 2), "last_day": date(2024, 8, 30)},
}
EVENT = {"name": "Valentine's Day", "kind": "cultural"}
ITEMS = [
    {"name": "Sorry", "artist": "Justin Bieber", "streams": 1234, "minutes": 4000},
    {"name": "Despacito (feat. Daddy Yankee)", "artist": "Luis Fonsi", "streams": 1, "minutes": 3},
]
# One card of every kind the templates word, with the facts the code gives them.
CASES = [
    Card(
        "minutes",
        {
            "streams": 8391,
            "minutes": 29685,
            "days": 355,
            "artists": 577,
            "tracks": 1777,
            "timed_streams": 8391,
        },
        "",
        {},
        "streams",
    ),
    Card(
        "minutes",
        {"streams": 1, "minutes": None, "days": 1, "artists": 1, "tracks": 1, "timed_streams": 0},
        "",
        {},
        "streams",
    ),
    Card("top_artists", {"items": ITEMS}, "", {}, "streams"),
    Card("top_tracks", {"items": ITEMS}, "", {}, "streams"),
    Card("top_albums", {"items": ITEMS}, "", {}, "streams"),
    Card("clock", {"hours": [3] * 22 + [855, 1], "peak_hour": 22}, "", {}, "clock"),
    Card("clock", {"hours": [5] + [0] * 23, "peak_hour": 0}, "", {}, "clock"),
    Card(
        "busiest_day",
        {
            "day": date(2024, 3, 3),
            "streams": 105,
            "minutes": 450,
            "track": "Maahi",
            "artist": "Shaarib Toshi",
            "plays": 5,
            "mean_streams": 23.6,
        },
        "",
        {},
        "streams",
    ),
    Card(
        "days_in_a_row",
        {"first_day": date(2024, 3, 23), "last_day": date(2024, 6, 25), "days": 95},
        "",
        {},
        "days",
    ),
    Card(
        "discoveries",
        {
            "items": [
                {"name": "Soen", "first_day": date(2024, 1, 20), "streams": 209, "rank": 8},
                {"name": "1914", "first_day": date(2024, 2, 26), "streams": 110, "rank": 18},
            ]
        },
        "",
        {},
        "discoveries",
    ),
    Card("skips", {"plays": 200, "skips": 1, "most": None}, "", {}, "skips_short"),
    Card(
        "skips",
        {
            "plays": 11521,
            "skips": 5548,
            "most": {"name": "Na Tum Jaano Na Hum", "artist": "maahi", "skips": 43},
        },
        "",
        {},
        "skips_marked",
    ),
]
ANOMALY = {
    "artist": "Justin Bieber",
    "measure": "plays",
    "first_day": date(2024, 2, 14),
    "last_day": date(2024, 2, 14),
}
CASES += [
    Card(
        "repeat_on_day",
        {**ANOMALY, "subject": "Sorry", "value": 42, "event": EVENT},
        "",
        {},
        "pack",
        "repeat_on_day",
    ),
    Card(
        "repeat_on_day",
        {**ANOMALY, "subject": "Sorry", "value": 42, "event": None},
        "",
        {},
        "pack",
        "repeat_on_day",
    ),
    Card(
        "long_session",
        {**ANOMALY, "subject": "Justin Bieber", "value": 241, "event": None},
        "",
        {},
        "pack",
        "long_session",
    ),
    Card(
        "off_season",
        {
            **ANOMALY,
            "subject": "holiday music",
            "value": 6,
            "plays": 6,
            "mean": 0.2,
            "variance": 0.2,
            "track": "Last Christmas",
            "event": None,
            "first_day": date(2024, 6, 1),
        },
        "",
        {},
        "pack",
        "off_season",
    ),
    Card(
        "streak",
        {**ANOMALY, "subject": "Sorry", "value": 18, "event": None, "last_day": date(2024, 3, 3)},
        "",
        {},
        "pack",
        "streak",
    ),
    Card(
        "event_day",
        {
            "day": date(2024, 2, 14),
            "streams": 52,
            "mean": 23.6,
            "times": 2.2,
            "event": EVENT,
            "track": "Sorry",
            "artist": "Justin Bieber",
            "plays": 2,
        },
        "",
        {},
        "event",
        "calendar",
    ),
    Card(
        "market_share",
        {"track": "Sorry", "artist": "Justin Bieber", "streams": 80, "times": 12},
        "",
        {},
        "market",
        "market",
    ),
]


def render_locale(locale: str) -> str:
    """Every card kind in `locale`, then the first card with the other zones and scrobbles."""
    copy = WrappedCopy(locale)
    lines = []
    variants = ({**STORY, "tz_source": "--tz"}, {**STORY, "market": "*", "timed": False})
    for story in (STORY, *variants):
        for card in CASES if story is STORY else CASES[:1]:
            words = copy.write(card, story)
            lines.append(f"[{locale}] {card.kind}/{card.counted}")
            lines += [f"  {k}: {v}" for k, v in words.items()]
    for coverage in (PARTIAL, {**PARTIAL, "gap": None}):
        first = replace(CASES[0])
        copy.write_all([first], {**STORY, "coverage": coverage})
        lines.append(f"[{locale}] partial {'with a gap' if coverage['gap'] else 'at the ends'}")
        lines += [f"  {k}: {v}" for k, v in first.copy.items()]
    return "\n".join(lines) + "\n"


def test_every_billboard_locale_has_wrapped_copy() -> None:
    """The story speaks every language the billboards do (campaign/locales.py)."""
    assert set(template_locales()) <= set(shipped_locales())
    assert len(shipped_locales()) >= 20


def test_every_shipped_locale_has_a_golden_file() -> None:
    assert sorted(p.stem for p in GOLDEN.glob("*.txt")) == shipped_locales()


@pytest.mark.parametrize("locale", shipped_locales())
def test_golden_copy(locale: str) -> None:
    """Every card kind in the locale. After an intended change, regenerate with
    UPDATE_GOLDEN=1 and review the diff."""
    actual = render_locale(locale)
    path = GOLDEN / f"{locale}.txt"
    if os.environ.get("UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("locale", shipped_locales())
def test_copy_never_falls_back_to_english_words(locale: str) -> None:
    """A locale's cards are its own: no English sentence of en.j2 survives in another locale."""
    if locale == "en":
        return
    english = {line for line in render_locale("en").splitlines() if line.startswith("  ")}
    own = {line for line in render_locale(locale).splitlines() if line.startswith("  ")}
    # a sentence, not a list row ("1. Sorry · Justin Bieber · 1,234") nor a short line whose
    # one word is a loan ("Valentine's Day: 52 streams." in Danish)
    sentences = {line for line in own & english if " · " not in line and len(line.split()) > 5}
    assert not sentences


def test_locale_numbers_plurals_and_quotes() -> None:
    card = CASES[0]
    headlines = {loc: WrappedCopy(loc).write(card, STORY)["headline"] for loc in shipped_locales()}
    assert "29,685 minutes" in headlines["en"]
    assert "29.685 minuten" in headlines["nl"]
    assert "29\u202f685 minutes" in headlines["fr"]
    assert "29\xa0685 minuuttia" in headlines["fi"]
    single = WrappedCopy("en").write(CASES[1], STORY)["headline"]
    assert single == "You pressed play 1 time in 2024."
    assert WrappedCopy("de").write(CASES[3], STORY)["headline"] == "Dein Song 2024: „Sorry“."
    ja = WrappedCopy("ja").write(CASES[3], STORY)["headline"]
    assert ja == "あなたの2024年の一曲は「Sorry」。"
    assert "29,685 分钟" in WrappedCopy("zh-Hans").write(card, STORY)["headline"]
    assert "29.685 menit" in WrappedCopy("id").write(card, STORY)["headline"]


def test_the_market_picks_the_locale_as_the_billboards_do() -> None:
    assert locale_for("NL", None) == LocaleChoice("nl")
    assert locale_for("MX", None) == LocaleChoice("es")
    assert locale_for("JP", None) == LocaleChoice("ja")
    assert locale_for("TW", None) == LocaleChoice("zh-Hant")
    assert locale_for("BR", None) == LocaleChoice("pt")
    assert locale_for("*", None) == LocaleChoice("en")
    with pytest.raises(ConfigError, match="has no wrapped template"):
        locale_for("NL", "tlh")


def test_a_market_without_copy_is_told_in_english_and_says_which_language_lacks() -> None:
    assert locale_for("PL", None) == LocaleChoice("en", "pl")
    assert locale_for("PL", "de") == LocaleChoice("de")  # asked for: nothing is missing


def test_a_template_is_sandboxed(tmp_path: Path) -> None:
    (tmp_path / "en.j2").write_text(
        "{% macro minutes(f, x) %}{{ f.__class__.__mro__ }}{% endmacro %}"
    )
    with pytest.raises(TemplateError, match="macro 'minutes' failed"):
        WrappedCopy("en", tmp_path).write(CASES[0], STORY)


@given(st.text(max_size=80))
def test_short_title_never_returns_empty_for_a_named_track(title: str) -> None:
    short = short_title(title)
    assert (short.strip() != "") or (title.strip() == "")
    assert len(short) <= len(title) + 1


def _outside_safe_area_is_background(path: Path) -> bool:
    image = Image.open(path).convert("RGB")
    assert image.size == SIZE
    background = image.getpixel((0, 0))
    left, top, right, bottom = SAFE_AREA
    width, height = SIZE
    bands = [
        (0, 0, width, top),
        (0, bottom, width, height),
        (0, 0, left, height),
        (right, 0, width, height),
    ]
    for band in bands:
        colours = image.crop(band).getcolors(maxcolors=4)
        if colours is None or colours != [(colours[0][0], background)]:
            return False
    return True


HOSTILE = [
    "<img src=x onerror=alert(1)>",
    "W" * 400,
    "Łódź, Żółć i Gęślą jaźń · Terima kasih, sayangku",
    "\n".join(["line"] * 80),
]


@pytest.mark.parametrize("text", HOSTILE)
def test_cards_keep_to_the_safe_area(tmp_path: Path, text: str) -> None:
    for n, card in enumerate(CASES[:6]):
        card.copy = {"headline": text, "body": text, "counted": text}
        path = tmp_path / f"{n}.png"
        draw_card(card, "2024 · Wrapped", n, path)
        assert _outside_safe_area_is_background(path), card.kind


@settings(max_examples=15)
@given(st.text(min_size=1, max_size=300))
def test_any_text_stays_in_the_safe_area(tmp_path_factory, text: str) -> None:
    card = CASES[5]
    card.copy = {"headline": text, "body": text, "counted": text}
    path = tmp_path_factory.mktemp("card") / "c.png"
    draw_card(card, "2024", 2, path)
    assert _outside_safe_area_is_background(path)


WORDS = st.text(alphabet="abcdefghijklmnopqrstuvwxyzWM“”.,", min_size=1, max_size=14)


@settings(max_examples=25)
@given(st.lists(WORDS, min_size=1, max_size=8), st.integers(300, 900))
def test_a_headline_shrinks_rather_than_cut_a_word(words: list[str], width: int) -> None:
    # "The album you lived in: “Philharmonics”." was drawn with `”.` alone on the last line:
    # the text fitted the box's height, so the size was kept and the long word was cut.
    text = " ".join(words)
    chain = font_chain("bold", "en")
    lines, size = fit_lines(text, width, 2_000, 120, chain)
    if size > MIN_SIZE:
        assert [word for line in lines for word in line.split()] == text.split()


def test_same_input_same_pixels(tmp_path: Path) -> None:
    card = CASES[7]
    card.copy = WrappedCopy("en").write(card, STORY)
    draw_card(card, "2024 · Wrapped", 1, tmp_path / "a.png")
    draw_card(card, "2024 · Wrapped", 1, tmp_path / "b.png")
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    # and the text is there: the safe area is not empty
    image = Image.open(tmp_path / "a.png").convert("RGB")
    assert len(image.crop(SAFE_AREA).getcolors(maxcolors=100_000)) > 2


def test_polish_indonesian_and_devanagari_titles_draw_without_a_missing_glyph() -> None:
    """The titles of the real exports are covered by the bundled fonts and their fallbacks; a
    character no bundled font has is reported (wrapped.json `missing_glyphs`, a CLI warning),
    never boxed silently."""
    from campaign.wrapped.draw import missing_glyphs

    latin = "Łódź, Żółć i Gęślą jaźń · Kuingin Kau Tahu · Ñandú · Ærø"
    assert missing_glyphs(latin) == [] and missing_glyphs(latin, "bold") == []
    assert missing_glyphs("दिल से") == [] and missing_glyphs("ทำไม", "bold") == []
    assert missing_glyphs("melting 🫠") == ["🫠"]
    assert missing_glyphs("a\x1eb") == []


def test_draw_card_reports_what_it_cannot_draw(tmp_path: Path) -> None:
    card = CASES[3]
    card.copy = {"headline": "Tum Hi Ho · तुम ही हो 🫠", "body": "x", "counted": "y"}
    assert draw_card(card, "2024", 0, tmp_path / "c.png") == ["🫠"]
