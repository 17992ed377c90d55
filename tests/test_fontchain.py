"""The font chain: every character of every title is drawn by a font that has it, never dropped.

Coverage is checked glyph by glyph against the fonts' cmaps read here with fontTools (not through
the chain's own cache), on fixed hard strings in every script the real data holds and, in the slow
test, on every non-ASCII string of every file in ../shared/realdata.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import tarfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest
from fontTools import unicodedata as uni
from fontTools.ttLib import TTFont
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from campaign.errors import ConfigError
from campaign.fontchain import (
    FontChain,
    UndrawableText,
    clusters,
    is_ignorable,
    locale_tags,
)
from campaign.resources import ASSETS_DIR
from tests.conftest import REALDATA

FONTS = ASSETS_DIR / "fonts"
BOLD, REGULAR = FONTS / "Inter-Bold.otf", FONTS / "Inter-Regular.otf"

#: The hardest titles of the real data, one or more per script it holds (copied from the kworb
#: Asian charts, the 2019 charts and the personal exports), and a few of every other script the
#: bundle claims. Stacked Thai marks, Devanagari conjuncts, kana with kinsoku punctuation,
#: full-width brackets, combining accents and emoji are the cases that break naive fallback.
HARD_TITLES = {
    "Thai": ["ความกลัว (Fear)", "ที่ไม่ได้ยิน", "ลืมไปแล้วว่าลืมยังไง", "น้ำตาที่ไหลผ่าน"],
    "Hangul": ["사랑은 늘 도망가", "첫 만남은 계획대로 되지 않아", "APT. (아파트)"],
    "Japanese": ["夜に駆ける", "ベテルギウス（Betelgeuse）", "「ちょっと待って」", "うっせぇわ"],
    "Han": ["《我们的歌》", "說好不哭（with 五月天阿信）", "孤勇者", "紅蓮華"],
    "Vietnamese": ["Chúng Ta Của Hiện Tại", "Đừng Làm Trái Tim Anh Đau", "Nơi Này Có Anh"],
    "Turkish": ["Şımarık", "Gül Döktüm Yollarına", "İstanbul'da Sonbahar"],
    "Devanagari": ["मैं रंग शरबतों का", "तुम ही हो", "क्षत्रिय", "श्रीमान"],
    "Cyrillic": ["Дикая Ночь", "Звезда по имени Солнце"],
    "Greek": ["Καλή Αντάμωση", "Θάλασσα"],
    "Armenian": ["Աշխարհ ամայի"],
    "Malayalam": ["അംശം"],
    "Arabic": ["حبيبي"],
    "Hebrew": ["שלום עליכם"],
    "Bengali": ["আমার সোনার বাংলা"],
    "Tamil": ["வாத்தி கம்மிங்"],
    "Georgian": ["სულიკო"],
    "Combining": ["Sjo\u0308ra\u030a", "Jose\u0301"],
    "Symbols": ["╜⌂▌ love", "♡ forever ☮", "∆ ∞ × ÷ ™ ®", "🐾 ✨ paws", "Time ✧･ﾟ"],
    "Ignorable": ["\ufeffTitle\u200e", "Zero\u200bWidth", "Heart\u2764\ufe0e"],
}
LOCALES = [None, "en", "th", "ja", "ko", "zh-Hant", "zh-Hans", "vi", "tr", "hi"]


@cache
def cmap_of(path: str, index: int) -> frozenset[int]:
    return frozenset(TTFont(path, fontNumber=index, lazy=True).getBestCmap())


def assert_drawn_whole(chain: FontChain, text: str) -> None:
    """The runs add up to the text, split it only between clusters, and every visible
    character of a run is in the cmap of the face the run is drawn with."""
    runs = chain.segments(text)
    assert "".join(run.text for run in runs) == text
    cuts, at = set(), 0
    for cluster in clusters(text):
        at += len(cluster)
        cuts.add(at)
    at = 0
    for run in runs:
        at += len(run.text)
        assert at in cuts, f"a run of {text!r} ends inside a grapheme cluster"
        cmap = cmap_of(run.face.path, run.face.index)
        for char in run.text:
            assert is_ignorable(char) or ord(char) in cmap, (
                f"U+{ord(char):04X} of {text!r} is drawn with {Path(run.face.path).name}, "
                "which lacks it"
            )


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("font", [BOLD, REGULAR], ids=["bold", "regular"])
def test_every_hard_title_is_drawn_whole(font: Path, locale: str | None) -> None:
    chain = FontChain.for_font(font, locale)
    for script, titles in HARD_TITLES.items():
        for title in titles:
            assert chain.missing(title) == set(), (script, title)
            assert_drawn_whole(chain, title)


def test_fallbacks_match_the_weight_of_the_theme_font() -> None:
    bold = FontChain.for_font(BOLD).segments("ความกลัว 夜に駆ける")
    regular = FontChain.for_font(REGULAR).segments("ความกลัว 夜に駆ける")
    assert [Path(r.face.path).name for r in bold] == [
        "NotoSansThai-Bold.ttf",
        "Inter-Bold.otf",
        "NotoSansCJK-Bold.ttc",
    ]
    assert [Path(r.face.path).name for r in regular] == [
        "NotoSansThai-Regular.ttf",
        "Inter-Regular.otf",
        "NotoSansCJK-Regular.ttc",
    ]
    assert all(r.face.weight >= 600 for r in bold)


@pytest.mark.parametrize(
    ("locale", "text", "face"),
    [
        ("ja", "孤勇者", 0),  # the locale decides for ideographs alone
        ("ko", "孤勇者", 1),
        ("zh-Hans", "孤勇者", 2),
        ("zh_Hant_TW", "孤勇者", 3),
        ("zh-HK", "孤勇者", 4),
        ("en", "孤勇者", 2),  # no CJK locale, no kana: fallback.toml's default face
        ("en", "夜に駆ける", 0),  # kana reveal Japanese
        ("th", "사랑은", 1),  # Hangul reveals Korean
    ],
)
def test_the_cjk_face_follows_the_locale_then_the_text(locale: str, text: str, face: int) -> None:
    (run,) = FontChain.for_font(BOLD, locale).segments(text)
    assert Path(run.face.path).suffix == ".ttc"
    assert run.face.index == face


def test_latin_and_spaces_stay_with_the_theme_font() -> None:
    runs = FontChain.for_font(BOLD).segments("48,266,392 streams of “ความกลัว (Fear)”")
    assert [(r.text, Path(r.face.path).name) for r in runs] == [
        ("48,266,392 streams of “", "Inter-Bold.otf"),
        ("ความกลัว", "NotoSansThai-Bold.ttf"),
        (" (Fear)”", "Inter-Bold.otf"),
    ]


def test_a_right_to_left_title_stays_one_run_so_its_words_keep_their_order() -> None:
    runs = FontChain.for_font(BOLD).segments("Dear fans of “שלום עליכם” and “حبيبي يا عمري”")
    texts = [r.text for r in runs]
    assert "שלום עליכם" in texts and "حبيبي يا عمري" in texts
    assert FontChain.for_font(BOLD).segments("ความกลัว ที่")[1].text == " "  # LTR: theme space


def test_a_thai_syllable_is_never_split_from_its_marks() -> None:
    text = "น้ำ"  # NO NU, MAI THO (tone mark above), SARA AM: one cluster
    assert clusters(text) == [text]
    (run,) = FontChain.for_font(BOLD).segments(text)
    assert run.text == text


def test_a_character_no_font_has_is_named_not_dropped() -> None:
    chain = FontChain.for_font(BOLD)
    text = "Flamingo \U0001f9a9 dance \U000f0000"  # an emoji of Unicode 12, a private-use char
    assert chain.missing(text) == {"\U0001f9a9", "\U000f0000"}
    with pytest.raises(UndrawableText, match="U\\+1F9A9"):
        chain.segments(text)


def test_widths_add_up_run_by_run() -> None:
    chain = FontChain.for_font(BOLD)
    text = "Love ความรัก 사랑"
    total = sum(r.face.advance(r.text, 80) for r in chain.segments(text))
    assert chain.length(text, 80) == pytest.approx(total)
    assert chain.length(text, 160) == pytest.approx(2 * chain.length(text, 80), rel=0.02)


def test_cjk_runs_are_set_with_proportional_punctuation() -> None:
    """fallback.toml turns on `palt` for CJK: 「」（） and kana take their own width, not a full
    em each, as headlines in Japanese and Chinese are set."""
    chain = FontChain.for_font(BOLD, "ja")
    (run,) = chain.segments("「夜に駆ける」を")
    assert run.face.features == ("palt",)
    full_width = run.face.font(100).getlength(run.text)  # without the feature
    assert chain.length(run.text, 100) < full_width - 50


def test_latin_fallback_is_scaled_to_the_theme_x_height_within_limits() -> None:
    face = next(f for f in FontChain.for_font(BOLD).faces() if "NotoSans-" in f.path)
    assert 0.85 <= face.scale <= 1.15
    assert face.x_height * face.scale == pytest.approx(
        FontChain.for_font(BOLD).primary.x_height, rel=0.01
    )


@pytest.mark.parametrize(
    "text",
    ["ความกลัว ที่ไม่ได้ยิน", "夜に駆ける 孤勇者", "사랑은 늘 도망가", "मैं रंग शरबतों का", "🐾 ✨"],
)
def test_every_run_leaves_ink(text: str) -> None:
    """Drawn through the chain, each run puts ink where the chain says it is (no blank gap
    where a font silently drew nothing)."""
    chain = FontChain.for_font(BOLD, "en")
    size, background = 96, (0, 0, 0)
    width = int(chain.length(text, size)) + 2 * size
    image = Image.new("RGB", (width, 3 * size), background)
    draw = ImageDraw.Draw(image)
    advance = chain.draw(draw, (size, 2 * size), text, size, (255, 255, 255))
    assert advance == pytest.approx(chain.length(text, size))
    x = float(size)
    for run in chain.segments(text):
        run_width = run.face.advance(run.text, size)
        if run.text.strip():
            box = (int(x), 0, max(int(x) + 1, int(x + run_width)), image.height)
            assert image.crop(box).getbbox() is not None, f"no ink for {run.text!r}"
        x += run_width


def test_bbox_covers_every_run() -> None:
    chain = FontChain.for_font(BOLD)
    left, top, right, bottom = chain.bbox("Tiếng ความ 夜", 100)
    assert left <= 10 and top < -60 and bottom > 0
    assert right == pytest.approx(chain.length("Tiếng ความ 夜", 100), abs=12)


def test_locale_tags_go_from_specific_to_general() -> None:
    assert locale_tags("zh_Hant_HK") == ["zh-hant-hk", "zh-hant", "zh"]
    assert locale_tags(None) == []


def test_a_broken_fallback_list_is_one_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "fallback.toml"
    bad.write_text('[[fallback]]\nfamily = "X"\nregular = "nope.ttf"\n')
    with pytest.raises(ConfigError, match=r"nope\.ttf not found"):
        FontChain.for_font(BOLD, fallbacks=bad)
    bad.write_text("fallback = 3\n")
    with pytest.raises(ConfigError, match=r"no \[\[fallback\]\] entries"):
        FontChain.for_font(BOLD, fallbacks=bad)


# Characters from every script the bundle covers, marks, joiners and emoji, mixed at random.
ALPHABET = st.sampled_from(
    "aZéøŞıĐếữ ,.!?“”«»—0123456789"
    "กขคนมยรลวสอะาำิีึืุูเแโใไ่้๊๋็์"
    "あいうかがきっゃゅょーアイウッャ、。「」（）漢字孤勇者說愛"
    "가각간나다라마바사아자차카타파하"
    "कखगमनरलवसह्ािीुूेैोौंँ"
    "АБВабвΑΒΓαβγ"
    "\u0301\u0308\u200d\u200b\ufe0f\u00a0\u202f"
    "🐾✨♡∞"
)


@given(st.text(ALPHABET, max_size=40), st.sampled_from(LOCALES))
def test_any_mix_of_covered_scripts_is_drawn_whole(text: str, locale: str | None) -> None:
    chain = FontChain.for_font(BOLD, locale)
    if chain.missing(text):
        # Only a mark or joiner stacked on a base from another script can leave a cluster
        # that no single font draws; the chain then refuses rather than splitting it.
        with pytest.raises(UndrawableText):
            chain.segments(text)
        return
    assert_drawn_whole(chain, text)


# --------------------------------------------------------------------------------------------
# Every string of the real data


def realdata_strings(root: Path) -> Iterator[tuple[str, str]]:
    """(file, string) for every non-ASCII field of every data file under `root`."""
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix == ".md":
            continue
        if path.name.endswith(".tar.gz"):
            with tarfile.open(path) as archive:
                for member in archive:
                    handle = archive.extractfile(member) if member.isfile() else None
                    if handle is not None:
                        yield from _strings(f"{path.name}:{member.name}", handle.read())
        else:
            yield from _strings(str(path.relative_to(root)), path.read_bytes())


def _strings(name: str, data: bytes) -> Iterator[tuple[str, str]]:
    if name.endswith(".gz"):
        data = gzip.decompress(data)
        name = name[:-3]
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".json"):
        values = _json_strings(json.loads(text))
    else:
        delimiter = "\t" if name.endswith(".tsv") else ","
        rows = csv.reader(io.StringIO(text), delimiter=delimiter)
        values = (field for row in rows for field in row)
    for value in values:
        if not value.isascii():
            yield name, value


def _json_strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _json_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item)


@pytest.mark.slow
@pytest.mark.skipif(not REALDATA.is_dir(), reason="../shared/realdata is not here")
def test_every_string_of_the_real_data_is_drawn_whole() -> None:
    # The locale only changes which CJK face is tried, so these four cover every chain.
    locales = [None, "ja", "ko", "zh-Hant"]
    chains = [FontChain.for_font(font, locale) for font in (BOLD, REGULAR) for locale in locales]
    seen: set[str] = set()
    scripts: set[str] = set()
    for name, value in realdata_strings(REALDATA):
        if value in seen or "\ufffd" in value:  # a byte that is not UTF-8 is ingest's business
            continue
        seen.add(value)
        scripts |= {uni.script(c) for c in value}
        for chain in chains:
            assert chain.missing(value) == set(), (name, value)
            assert_drawn_whole(chain, value)
    # The scripts the bundle was chosen for are all there: the test looked at them.
    assert {"Thai", "Hani", "Hira", "Kana", "Hang", "Deva", "Cyrl", "Grek", "Latn"} <= scripts
