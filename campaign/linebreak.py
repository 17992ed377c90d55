"""Where a line may break, in every script: spaces, but also inside Thai, Japanese and Chinese.

Thai writes no spaces between words, Japanese and Chinese none between characters, so splitting
at spaces leaves a whole Thai title as one unbreakable "word". ICU's line break iterator knows
Unicode's line breaking rules (UAX #14) and finds Thai, Lao, Khmer and Burmese word boundaries
with its dictionaries. On top of the default rules, whatever the copy's locale:

- the strict rules (kinsoku shori): no line starts with closing punctuation, small kana or the
  prolonged sound mark, and none ends with opening punctuation;
- Japanese breaks between phrases (ICU's `lw=phrase`: 「夜に / 駆ける」), not between any two
  characters, when the locale is Japanese or the text holds kana;
- Korean breaks at spaces only, the way Korean headlines are set (CSS `word-break: keep-all`),
  never between two Hangul syllables nor between a number and its Hangul counter word.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import accumulate, pairwise

import icu
from fontTools import unicodedata as uni

from campaign.fontchain import cjk_hint, clusters, locale_tags, utf16_to_index


def _icu_breaks(text: str, locale: str) -> set[int]:
    """The line break positions ICU finds in `text` for an ICU locale id, as string indices."""
    iterator = icu.BreakIterator.createLineInstance(icu.Locale(locale))
    iterator.setText(text)
    index = utf16_to_index(text)
    return {index[offset] for offset in iterator if 0 < index[offset] < len(text)}


def break_opportunities(text: str, locale: str | None = None) -> list[int]:
    """Indices into `text` where a new line may start (0 < i < len(text)), in order.

    A break after a space is at the first character after it; no-break spaces (U+00A0, U+202F,
    U+2007), the word joiner and U+FEFF never allow one, and no break falls inside a grapheme
    cluster.
    """
    if len(text) < 2:
        return []
    tags = locale_tags(locale)
    language = tags[-1] if tags else "und"
    breaks = _icu_breaks(text, f"{language}@lb=strict")
    if language == "ja" or cjk_hint(text) == "ja":
        # ICU's phrase mode ignores the strict rules, so a break must satisfy both.
        breaks &= _icu_breaks(text, "ja@lw=phrase")
        breaks = {i for i in breaks if not _before_okurigana(text[i - 1], text[i])}
    bounds = set(accumulate(len(c) for c in clusters(text)))
    found = sorted(i for i in breaks & bounds if not _inside_korean_word(text[i - 1], text[i]))
    return _drop_thai_fragments(text, found)


# A Thai piece no word can start with: one consonant alone (with its tone mark), or consonants
# ending in the silent mark ์ with no vowel. ICU's dictionary lacks many loanwords and cuts
# them so: สตรี|ม (stream), เพล|ย์ (play), ลิ|สต์ (list).
_THAI_FRAGMENT = re.compile(r"[\u0e01-\u0e2e][\u0e48-\u0e4b]?|[\u0e01-\u0e2e]+\u0e4c")


def _drop_thai_fragments(text: str, found: list[int]) -> list[int]:
    """The break opportunities without those that would start a line with a Thai fragment."""
    cuts = [*found, len(text)]
    return [a for a, b in pairwise(cuts) if not _THAI_FRAGMENT.fullmatch(text[a:b].rstrip())]


def _before_okurigana(before: str, after: str) -> bool:
    """Whether a Japanese break here would start a line with the kana ending a word or with a
    particle: hiragana after a kanji, katakana, Latin letter, digit or closing bracket. ICU's
    phrases cut 欠|かさず and 「Thriller」|を."""
    hiragana = "\u3041" <= after <= "\u309f"
    return hiragana and not ("\u3041" <= before <= "\u309f")


def _inside_korean_word(before: str, after: str) -> bool:
    """Whether a break here would cut a Korean word: Hangul next to Hangul, a letter or a digit
    (`3,749명의` is one word), or a particle after a closing quote (`”를`), as CSS
    `word-break: keep-all` has it; newer ICU versions offer a break before that particle."""

    def hangul(char: str) -> bool:
        return uni.script(char) == "Hang"

    def word_char(char: str) -> bool:
        return hangul(char) or unicodedata.category(char)[0] in "LN"

    if hangul(after) and unicodedata.category(before) in ("Pe", "Pf"):
        return True
    return (hangul(before) or hangul(after)) and word_char(before) and word_char(after)


def pieces(text: str, locale: str | None = None) -> list[str]:
    """`text` cut at every break opportunity; the pieces keep their trailing spaces."""
    cuts = [0, *break_opportunities(text, locale), len(text)]
    return [text[a:b] for a, b in pairwise(cuts) if b > a]
