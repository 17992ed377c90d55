"""Personal names in a title: a first name with a second identifier.

A lone first name is common and harmless in a playlist title ("Songs for Jane", "Anna's party
mix"); a first name with a family name ("Jane Smith", "Ayşe Yılmaz", "Nguyễn Văn An", "김민준",
"山田太郎") singles a person out, and so does a first name with a date of birth, a number or a
handle (find_pii joins those). Names of the markets' languages come from names-dataset's lists
and a hand-made list for scripts it lacks (campaign/assets/pii/README.md). Public names are not
personal data: the bundled artists of the real charts and any names a caller passes (the
catalogue's artists and titles) are taken out before the names are looked for, and so are the
markets' cities ("Hong Kong").
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache, lru_cache

from campaign.resources import ASSETS_DIR

_ASSETS = "pii"
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['’]s$|(?<=s)['’]$", re.IGNORECASE)
# Scripts written without spaces between a family name and a given name.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af々"  # kana, Han, Hangul
_CJK_RUN = re.compile(f"[{_CJK}](?:\\s?[{_CJK}])*")
_THAI = re.compile(r"[\u0e00-\u0e7f]+")
# Family names by their form, for those too rare for the lists ("Kierkegaard", "Korhonen"):
# patronymic and place endings of the markets' languages, and Mc-, Mac-, O'- prefixes.
_SURNAME_SHAPE = re.compile(
    r"^(?:Ma?c[A-Z]\w{2,}|O['’][A-Z]\w{2,}"
    r"|\w{2,}(?:sen|son|ssen|sson|gaard|gård|berg|ström|strom|lund|qvist|kvist|holm|mann|stein|"
    r"nen|oğlu|oglu|escu|ović|ovic|ević|evic|wicz|ski|ska|enko|ová|ides|poulos|akis)"
    r"|\w{4,}ez)$"
)
_MIN_PART = 3  # letters of each name run together in a user name ("janedoe")
# The longest run of words a known name is matched over ("Nick Cave and the Bad Seeds").
_MAX_KNOWN_WORDS = 6


@dataclass(frozen=True)
class NameLists:
    """Given names and family names by script, casefolded."""

    given: frozenset[str]
    family: frozenset[str]
    particles: frozenset[str]
    middle: frozenset[str]
    thai_given: frozenset[str]
    family_first: frozenset[str]  # family names written before the given name ("Kim Minjun")
    cjk_family: frozenset[str]
    cjk_given: frozenset[str]
    known: frozenset[tuple[str, ...]]


def _lines(name: str) -> list[str]:
    path = ASSETS_DIR / _ASSETS / name
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _fold(words: Iterable[str]) -> frozenset[str]:
    return frozenset(unicodedata.normalize("NFKC", w).casefold() for w in words)


def _words(text: str) -> tuple[str, ...]:
    return tuple(_key(w.group(0)) for w in _WORD.finditer(unicodedata.normalize("NFKC", text)))


def _key(word: str) -> str:
    """A word as the lists hold it: casefolded, without a possessive ("Anna's" is "anna")."""
    return _POSSESSIVE.sub("", word).casefold()


@cache
def name_lists() -> NameLists:
    """The bundled lists, read once."""
    path = ASSETS_DIR / _ASSETS / "extra_names.toml"
    extra = tomllib.loads(path.read_text(encoding="utf-8"))
    latin, scripts = extra["latin"], extra["scripts"]
    given = _fold([*_lines("first_names.txt"), *latin["given"]])
    return NameLists(
        given=given,
        family=_fold([*_lines("surnames.txt"), *latin["family"]]),
        particles=_fold(latin["particles"]),
        middle=_fold(latin["middle"]),
        family_first=_fold(latin["family"]),
        thai_given=_fold(scripts["thai_given"]),
        cjk_family=_fold([*scripts["han_family"], *scripts["ja_family"], *scripts["ko_family"]]),
        cjk_given=_fold([*scripts["han_given"], *scripts["ja_given"], *scripts["ko_given"]])
        | {n for n in given if _CJK_RUN.fullmatch(n)},
        known=frozenset(
            _words(line)
            for line in (*_lines("known_names.txt"), *_lines("cities.txt"))
            if not line.startswith("#")
        ),
    )


@lru_cache(maxsize=8)
def _known(names: frozenset[str]) -> frozenset[tuple[str, ...]]:
    """A caller's known names (the catalogue's, the same on every call of a run) and the
    bundled ones, as runs of words."""
    return frozenset(filter(None, map(_words, names))) | name_lists().known


def _style(word: str) -> str:
    """'lower', 'upper', 'title' or '' for scripts without case: a first and a family name are
    written alike ("Jane Doe", "jane doe"); "Summer vibes" mixes them."""
    if word.islower():
        return "lower"
    if word.isupper():
        return "upper" if len(word) > 1 else "title"
    return "title" if word[:1].isupper() else ""


def _unknown_words(text: str, known: frozenset[tuple[str, ...]]) -> list[list[str]]:
    """The text's words in runs, without those that spell a known public name."""
    words = [m.group(0) for m in _WORD.finditer(text)]
    keys = [_key(w) for w in words]
    hidden = [False] * len(words)
    for size in range(min(_MAX_KNOWN_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            if tuple(keys[start : start + size]) in known:
                hidden[start : start + size] = [True] * size
    runs: list[list[str]] = [[]]
    for word, gone in zip(words, hidden, strict=True):
        if gone:
            runs.append([])
        else:
            runs[-1].append(word)
    return [run for run in runs if run]


def _pair(first: str, second: str, lists: NameLists) -> bool:
    """Are two adjacent words a given name and a family name, in either order?"""
    if _POSSESSIVE.search(first):  # "Willy's Song", "Anna's Mix": a name and a word after
        return False
    a, b = _key(first), _key(second)
    if a == b:  # "GANG GANG", "Ai Ai Ai"
        return False
    if _style(first) != _style(second) and "" not in (_style(first), _style(second)):
        return False
    if a in lists.family_first and (b in lists.middle or b in lists.given):
        return True
    if a in lists.thai_given and _THAI.fullmatch(second):
        return True
    if a not in lists.given:
        return False
    return b in lists.family or (_style(second) == "title" and bool(_SURNAME_SHAPE.search(second)))


def _full_name_in_run(run: list[str], lists: NameLists) -> bool:
    """Given and family name side by side, particles allowed between ("Jan de Vries")."""
    for i, word in enumerate(run):
        j = i + 1
        if j < len(run) and _pair(word, run[j], lists):
            return True
        while j < len(run) - 1 and _key(run[j]) in lists.particles:
            j += 1
        if j > i + 1 and _pair(word, run[j], lists):
            return True
    return False


def _cjk_name(text: str, lists: NameLists) -> bool:
    """A family name directly before a given name in Chinese, Japanese or Korean script; a
    two-character name ("王明") only as a word of its own, since inside a longer word the pair
    is more often part of another word."""
    for match in _CJK_RUN.finditer(text):
        run = match.group(0).replace(" ", "")
        for i in range(len(run)):
            for family_len in (1, 2, 3):
                if run[i : i + family_len] not in lists.cjk_family:
                    continue
                for given_len in (1, 2, 3):
                    given = run[i + family_len : i + family_len + given_len]
                    short = family_len + given_len == 2 and len(run) != 2
                    if len(given) == given_len and given in lists.cjk_given and not short:
                        return True
    return False


@lru_cache(maxsize=8)
def _known_cjk(known: frozenset[tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(name[0] for name in known if len(name) == 1 and _CJK_RUN.fullmatch(name[0]))


def _without_known_cjk(text: str, known: frozenset[tuple[str, ...]]) -> str:
    """The text with known names in CJK script cut out ("周杰伦精选" is about an artist)."""
    for name in _known_cjk(known):
        text = text.replace(name, " ")
    return text


def holds_full_name(text: str, known_names: frozenset[str] = frozenset()) -> bool:
    """Does the text name a person with a given and a family name?"""
    lists = name_lists()
    known = _known(known_names)
    runs = _unknown_words(text, known)
    if any(_full_name_in_run(run, lists) for run in runs):
        return True
    return _cjk_name(_without_known_cjk(" | ".join(" ".join(r) for r in runs), known), lists)


def holds_first_name(text: str, known_names: frozenset[str] = frozenset()) -> bool:
    """Does the text hold a given name that is not part of a known public name?"""
    lists = name_lists()
    runs = _unknown_words(text, _known(known_names))
    return any(_key(word) in lists.given for run in runs for word in run)


def is_username(letters: str) -> bool:
    """Is a word shaped like a user name ("jane_doe", "janedoe99", "anna.k") built on a name:
    its letters a given name, or a given name and a family name run together?"""
    lists = name_lists()
    word = letters.casefold()
    return word in lists.given or any(
        word[:cut] in lists.given and word[cut:] in lists.family
        for cut in range(_MIN_PART, len(word) - _MIN_PART + 1)
    )
