"""Undo the ways people hide contact details from filters, before any detector looks.

"jane [at] gmail [.] com", "ｊａｎｅ＠ｇｍａｉｌ．ｃｏｍ", "06_1234_5678" and "gmаil.com" with a
Cyrillic "а" all read as plain text here, so each detector needs only one spelling. The folds
are made so that ordinary titles keep their meaning: a bracketed "at" becomes "@", a spelled-out
"dot" or a spaced-out "." joins a word only to a top-level domain after it ("dot com", not
"dot to dot"), and look-alike letters are folded only inside words that mix scripts.
"""

from __future__ import annotations

import re
import unicodedata

# Top-level domains that bare web addresses use ("bit.ly/x", "linktr.ee", "t.me/x"): generic
# ones and the country codes of the markets a campaign runs in. A word before a dot and one of
# these is an address; "vol.2" or "feat.Drake" is not.
TLDS = (
    "com|net|org|info|biz|io|co|me|ly|tv|fm|app|dev|xyz|site|online|link|page|ee|gg|to|cc|ai|"
    "uk|nl|fr|fi|de|be|se|no|dk|es|it|pt|ie|at|ch|pl|us|ca|au|nz|br|mx|jp|in|ru|"
    "kr|cn|tw|hk|sg|my|id|th|vn|ph|tr|ar|cl|co|pe|cr|pa|py|edu|gov"
)
# Those that are also everyday words ("dot to dot", "so . in love") join a word only when
# written without spaces.
_WORDLIKE_TLDS = {"to", "me", "in", "at", "it", "be", "no", "my", "us", "id", "co", "am", "is"}
_PLAIN_TLDS = "|".join(t for t in TLDS.split("|") if t not in _WORDLIKE_TLDS)
_TLD_AHEAD = r"(?=(?:" + _PLAIN_TLDS + r")\b)"

# Brackets people put round "at" and "dot"; "d0t" and "4t" are the leetspeak that costs nothing.
_OPEN, _CLOSE = r"[\[({<]", r"[\])}>]"
_AT_WORDS = r"at|4t|@|arroba|chez|snabel-?a|miuku|klammeraffe"
_DOT_WORDS = r"dot|d0t|\.|punkt|punto|ponto|piste|titik"
_BRACKETED_AT = re.compile(rf"\s*{_OPEN}\s*(?:{_AT_WORDS})\s*{_CLOSE}\s*", re.IGNORECASE)
_BRACKETED_DOT = re.compile(rf"\s*{_OPEN}\s*(?:{_DOT_WORDS})\s*{_CLOSE}\s*", re.IGNORECASE)
# Spelled out between spaces: "jane at gmail dot com". "at" only counts when a domain follows.
_SPELLED_DOT = re.compile(rf"(?<=\w)\s+(?:{_DOT_WORDS})\s+{_TLD_AHEAD}", re.IGNORECASE)
# A dot with a space before it ("evil . com"); "feat. AU" is punctuation. After an "@" any
# spacing goes ("jane@ gmail. com").
_SPACED_DOT = re.compile(rf"(?<=\w)\s+\.\s*{_TLD_AHEAD}", re.IGNORECASE)
_EMAIL_DOT = re.compile(rf"(?<=@)([\w-]+)\s*[.,;]\s*{_TLD_AHEAD}", re.IGNORECASE)
# Letters spaced out one by one ("j a n e @ g m a i l . c o m"), joined back.
_SPACED_OUT = re.compile(r"(?<!\S)(?:\S ){3,}\S(?!\S)")
# Full stops NFKC leaves alone: the ideographic one ("gmail。com").
_FULL_STOPS = str.maketrans({"\u3002": "."})
_DOMAIN_AHEAD = rf"(?=[\w-]+\s*\.\s*(?:{TLDS})\b)"  # "gmail.com", "gmail . com"
_SPELLED_AT = re.compile(rf"(?<=\w)\s+(?:{_AT_WORDS})\s+{_DOMAIN_AHEAD}", re.IGNORECASE)
# A bracketed "a" stands for "@" only before a domain: "jane(a)gmail.com", not "Side (A)".
_BRACKETED_A = re.compile(rf"\s*{_OPEN}\s*a\s*{_CLOSE}\s*{_DOMAIN_AHEAD}", re.IGNORECASE)
_SPACED_AT = re.compile(rf"(?<=[\w.+-])\s*@\s*{_DOMAIN_AHEAD}", re.IGNORECASE)
# Inside numbers: "06_1234_5678" (read as "06-1234-5678"), a letter O for 0, "l" or "I" for 1.
_DIGIT_UNDERSCORE = re.compile(r"(?<=\d)_+(?=\d)")
_DIGIT_LOOKALIKE = re.compile(r"(?<=\d)[oOlI](?=\d)")
_LOOKALIKE_DIGITS = str.maketrans("oOlI", "0011")
# Emoji digits ("0️⃣6️⃣") leave a variation selector and a keycap behind.
_INVISIBLE_MARKS = re.compile("[\ufe00-\ufe0f\u20e3\U000e0100-\U000e01ef]")
# Cyrillic and Greek letters drawn like Latin ones, swapped only in words that also hold Latin.
_CONFUSABLES = str.maketrans(
    "аеорсхуіјѕԁһӏѵАВЕКМНОРСТХУІЈЅαοενιτκρΑΒΕΗΙΚΜΝΟΡΤΧΥΖ",
    "aeopcxyijsdhlvABEKMHOPCTXYIJSaoeviTkpABEHIKMNOPTXYZ",
)
_WORD = re.compile(r"[^\W\d_]+")


def _has_latin(word: str) -> bool:
    return any("LATIN" in unicodedata.name(c, "") for c in word)


def _fold_mixed_scripts(text: str) -> str:
    """'gmаil' with a Cyrillic 'а' becomes 'gmail'; a Russian or Greek word stays as it is."""

    def fold(match: re.Match[str]) -> str:
        word = match.group(0)
        folded = word.translate(_CONFUSABLES)
        return folded if folded != word and _has_latin(word) else word

    return _WORD.sub(fold, text)


def normalise(text: str) -> str:
    """The text with look-alikes folded, invisible characters dropped and written-out or
    bracketed '@' and '.' made plain, ready for the detectors."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    text = _INVISIBLE_MARKS.sub("", text)
    text = _fold_mixed_scripts(text).translate(_FULL_STOPS)
    text = _SPACED_OUT.sub(lambda m: m.group(0).replace(" ", ""), text)
    text = _BRACKETED_AT.sub("@", text)
    text = _BRACKETED_DOT.sub(".", text)
    text = _SPELLED_DOT.sub(".", text)
    text = _SPACED_DOT.sub(".", text)
    text = _SPELLED_AT.sub("@", text)
    text = _BRACKETED_A.sub("@", text)
    text = _SPACED_AT.sub("@", text)
    text = _EMAIL_DOT.sub(r"\1.", text)
    text = _DIGIT_UNDERSCORE.sub("-", text)
    return _DIGIT_LOOKALIKE.sub(lambda m: m.group(0).translate(_LOOKALIKE_DIGITS), text)
