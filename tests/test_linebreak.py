"""Line breaking in scripts without spaces: Thai words, Japanese phrases, Chinese characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from campaign.fontchain import clusters
from campaign.linebreak import break_opportunities, pieces

#: Characters a line may not start with (closing brackets and punctuation, small kana, the
#: prolonged sound mark) or end with (opening brackets): the kinsoku rules of JIS X 4051.
NO_LINE_START = set("、。，．,.)）」』】》〉”’ゃゅょっぁぃぅぇぉャュョッァィゥェォー々！？!?:;：；")
NO_LINE_END = set("(（「『【《〈“‘")


def test_thai_breaks_between_dictionary_words() -> None:
    # "love makes people blind": ความ·รัก·ทำให้·คน·ตาบอด, no spaces in the text
    assert pieces("ความรักทำให้คนตาบอด", "th") == ["ความ", "รัก", "ทำให้", "คน", "ตาบอด"]


def test_thai_words_are_found_whatever_the_copy_locale() -> None:
    assert pieces("ความกลัว (Fear)", "en") == ["ความ", "กลัว ", "(Fear)"]


def test_thai_never_breaks_inside_a_syllable() -> None:
    text = "น้ำตาที่ไหลผ่าน"
    cuts = set(break_opportunities(text, "th"))
    at, inside = 0, set()
    for cluster in clusters(text):
        inside |= set(range(at + 1, at + len(cluster)))
        at += len(cluster)
    assert cuts and not cuts & inside


@pytest.mark.parametrize(
    ("text", "word"),
    [("1,945,719 สตรีม ในวันที่", "สตรีม"), ("เพลย์ลิสต์ของเรา", "เพลย์"), ("เพลย์ลิสต์", "ลิสต์")],
)
def test_no_line_starts_with_a_thai_fragment(text: str, word: str) -> None:
    """ICU's dictionary cuts loanwords (สตรี|ม, เพล|ย์): a lone consonant, or consonants ending
    in the silent mark, cannot start a line; real words after a silent mark still can."""
    assert word in [p.strip() for p in pieces(text, "th")]
    assert "นี้" in [p.strip() for p in pieces("จันทร์นี้", "th")]


def test_japanese_breaks_between_phrases_and_keeps_kinsoku() -> None:
    text = "夜に駆ける（YOASOBI）。「夢」ですね、ちょっと待って"
    got = pieces(text, "ja")
    assert got[:2] == ["夜に", "駆ける"]
    assert "（YOASOBI）。" in got  # the closing bracket and full stop stay on the line
    assert all(p[0] not in NO_LINE_START and p[-1] not in NO_LINE_END for p in got)


def test_japanese_never_starts_a_line_with_okurigana_or_a_particle() -> None:
    """ICU's phrases cut 欠|かさず and 「Thriller」|を: a line never starts with hiragana that
    ends a word or follows a closing bracket."""
    cut = [p.strip() for p in pieces("1日も欠かさず「Thriller」を聴いた人へ", "ja")]
    assert "欠かさず" in cut and "「Thriller」を" in cut and "聴いた" in cut


def test_kana_make_a_title_japanese_in_any_locale() -> None:
    assert pieces("夜に駆ける", "en") == ["夜に", "駆ける"]


def test_chinese_breaks_between_characters_but_not_before_punctuation() -> None:
    text = "我们的爱情故事，很长。“好”"
    got = pieces(text, "zh-Hans")
    assert got[:3] == ["我", "们", "的"]
    assert "事，" in got and "长。" in got
    assert all(p[0] not in NO_LINE_START and p[-1] not in NO_LINE_END for p in got)


def test_a_korean_number_stays_with_its_counter_word() -> None:
    assert pieces("들은 3,749명의 여러분께", "ko") == ["들은 ", "3,749명의 ", "여러분께"]
    assert pieces("“사랑은 늘 도망가”를 들은", "ko") == ["“사랑은 ", "늘 ", "도망가”를 ", "들은"]


@pytest.mark.parametrize("locale", ["ko", "en", None])
def test_korean_breaks_at_spaces_only(locale: str | None) -> None:
    assert pieces("첫 만남은 계획대로 되지 않아", locale) == [
        "첫 ",
        "만남은 ",
        "계획대로 ",
        "되지 ",
        "않아",
    ]


def test_spaced_scripts_break_after_spaces_never_at_no_break_spaces() -> None:
    text = "3\u202f749 personnes ont écouté «\u00a0Toxic\u00a0»"
    assert pieces(text, "fr") == [
        "3\u202f749 ",
        "personnes ",
        "ont ",
        "écouté ",
        "«\u00a0Toxic\u00a0»",
    ]
    assert pieces("Hello, world-wide", None) == ["Hello, ", "world-", "wide"]


def test_short_and_empty_text() -> None:
    assert break_opportunities("", "th") == []
    assert break_opportunities("a", None) == []


ALPHABET = st.sampled_from(
    "ab c,.!? \u00a0กขคนมยรลวสอะาำิี่้็์あいうかきっゃー、。「」（）漢字孤勇者說愛가나다라 "
    "कखगम्ािी🐾\u200d"
)


@given(st.text(ALPHABET, max_size=40), st.sampled_from(["th", "ja", "zh-Hant", "ko", "en", None]))
def test_breaks_are_ordered_inside_the_text_and_between_clusters(
    text: str, locale: str | None
) -> None:
    cuts = break_opportunities(text, locale)
    assert cuts == sorted(set(cuts))
    assert all(0 < i < len(text) for i in cuts)
    boundaries, at = set(), 0
    for cluster in clusters(text):
        at += len(cluster)
        boundaries.add(at)
    assert set(cuts) <= boundaries
    assert "".join(pieces(text, locale)) == text
    for i in cuts:
        assert text[i - 1] not in "\u00a0（「"
        if text[i - 1] != " ":  # after a space Unicode allows any break (UAX #14, LB18)
            assert text[i] not in "\u00a0、。）」ー"
