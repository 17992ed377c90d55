"""Which font draws which character: the theme's font first, then bundled fallbacks per script.

A billboard must never drop a character or show a missing-glyph box, and the theme's font
(Inter) has no Thai, Hangul, kana or ideographs. A `FontChain` splits a text into runs, each
drawn by the first font that has every character of the run, and measures and draws those runs
side by side on one baseline. The fallback families are data (`assets/fonts/fallback.toml`);
coverage comes from the fonts' own cmaps, read once per process. Runs never split a grapheme
cluster (a Thai syllable part, a Devanagari conjunct, an emoji sequence), and are shaped with
Raqm so that Thai and Devanagari marks sit where they belong.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple

import icu
from fontTools import unicodedata as uni
from fontTools.ttLib import TTFont
from PIL import ImageDraw, ImageFont

from campaign.errors import CampaignError, ConfigError
from campaign.resources import ASSETS_DIR

FALLBACK_FILE = ASSETS_DIR / "fonts" / "fallback.toml"
BOLD_WEIGHT = 600  # OS/2 weight class from which a font counts as bold
X_HEIGHT_SCALE_LIMITS = (0.85, 1.15)  # a fallback is never scaled further than this to match

#: Characters that are never drawn themselves (joiners, variation selectors, bidi and format
#: controls, soft hyphen): Unicode's Default_Ignorable_Code_Point. The shaper hides them, so a
#: font need not have them for a cluster to count as covered.
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD),
    (0x034F, 0x034F),
    (0x061C, 0x061C),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x180B, 0x180F),
    (0x200B, 0x200F),
    (0x202A, 0x202E),
    (0x2060, 0x206F),
    (0x3164, 0x3164),
    (0xFE00, 0xFE0F),
    (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0),
    (0xFFF0, 0xFFF8),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0000, 0xE0FFF),
)


class UndrawableText(CampaignError):
    """A text holds characters that none of the bundled fonts can draw."""


def is_ignorable(char: str) -> bool:
    """Whether `char` is invisible by definition, so no font needs a glyph for it."""
    code = ord(char)
    if code < DEFAULT_IGNORABLE[0][0]:  # ASCII and Latin-1 letters: asked for every character
        return False
    return any(low <= code <= high for low, high in DEFAULT_IGNORABLE)


def utf16_to_index(text: str) -> dict[int, int]:
    """Map UTF-16 offsets (what ICU reports) to indices into the Python string."""
    offsets, unit = {}, 0
    for i, char in enumerate(text):
        offsets[unit] = i
        unit += 2 if ord(char) > 0xFFFF else 1
    offsets[unit] = len(text)
    return offsets


def clusters(text: str) -> list[str]:
    """The text cut into extended grapheme clusters (ICU's rules, Unicode's UAX #29)."""
    iterator = icu.BreakIterator.createCharacterInstance(icu.Locale.getRoot())
    iterator.setText(text)
    index = utf16_to_index(text)
    cuts = [0, *(index[offset] for offset in iterator)]
    return [text[a:b] for a, b in pairwise(cuts) if b > a]


@lru_cache(maxsize=64)
def _font_facts(path: str, index: int) -> tuple[frozenset[int], int, float]:
    """A face's codepoints, OS/2 weight class and x-height per em, read once per process."""
    font = TTFont(path, fontNumber=index, lazy=True)
    cmap = frozenset(font.getBestCmap() or {})
    os2 = font.get("OS/2")
    weight = int(getattr(os2, "usWeightClass", 400))
    x_height = float(getattr(os2, "sxHeight", 0) or 0) / font["head"].unitsPerEm
    return cmap, weight, x_height


@lru_cache(maxsize=65536)
def _covers(path: str, index: int, cluster: str) -> bool:
    """Face.covers, cached: every line measured while wrapping asks again for its clusters."""
    cmap = _font_facts(path, index)[0]
    return all(ord(c) in cmap or is_ignorable(c) for c in cluster)


@lru_cache(maxsize=1024)
def load_face(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    """A face at one pixel size, laid out by Raqm (bidi, shaping, marks); cached because
    fitting asks for the same sizes over and over."""
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.RAQM)


@dataclass(frozen=True)
class Face:
    """One face of one font file, at a size relative to the chain's nominal size."""

    path: str
    index: int = 0
    scale: float = 1.0
    language: str | None = None
    features: tuple[str, ...] = ()  # OpenType features for the shaper, e.g. "palt"

    def covers(self, cluster: str) -> bool:
        """Whether this face has a glyph for every visible character of `cluster`."""
        return _covers(self.path, self.index, cluster)

    def font(self, size: float) -> ImageFont.FreeTypeFont:
        """The face at the pixel size that matches text of nominal `size`."""
        return load_face(self.path, self.index, max(1, round(size * self.scale)))

    @property
    def shaping(self) -> dict[str, Any]:
        """What Pillow's text calls need to shape a run of this face as it is drawn."""
        return {"language": self.language, "features": list(self.features) or None}

    def advance(self, text: str, size: float) -> float:
        """Advance width of a run of this face at nominal `size`."""
        return _advance(self, text, size)

    @property
    def weight(self) -> int:
        return _font_facts(self.path, self.index)[1]

    @property
    def x_height(self) -> float:
        return _font_facts(self.path, self.index)[2]


class Run(NamedTuple):
    """A stretch of text drawn by one face."""

    text: str
    face: Face


@dataclass(frozen=True)
class Family:
    """One fallback family of `fallback.toml`, its file already chosen for the weight."""

    name: str
    path: str
    faces: tuple[tuple[str, int], ...] = ()  # (lower-case locale tag, face index)
    default_face: int = 0
    match_x_height: bool = False
    language: str | None = None
    features: tuple[str, ...] = ()

    def face_index(self, tags: Sequence[str], text_hint: str | None) -> int:
        """The collection face for the locale (most specific tag first), else the text's hint."""
        by_tag = dict(self.faces)
        for tag in [*tags, *([text_hint] if text_hint else [])]:
            if tag in by_tag:
                return by_tag[tag]
        return self.default_face


def locale_tags(locale: str | None) -> list[str]:
    """`zh_Hant_HK` → ['zh-hant-hk', 'zh-hant', 'zh']: a locale from most to least specific."""
    if not locale:
        return []
    parts = locale.replace("_", "-").lower().split("-")
    return ["-".join(parts[:n]) for n in range(len(parts), 0, -1)]


def cjk_hint(text: str) -> str | None:
    """The CJK language a text's own characters reveal: kana is Japanese, Hangul Korean."""
    scripts = {uni.script(c) for c in text if ord(c) >= 0x1100}
    if scripts & {"Hira", "Kana"}:
        return "ja"
    if "Hang" in scripts:
        return "ko"
    return None


@lru_cache(maxsize=8)
def load_families(path: Path, bold: bool) -> tuple[Family, ...]:
    """The fallback families listed in `path`, each resolved to its regular or bold file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"the fallback font list cannot be read: {exc}", path) from None
    entries = data.get("fallback")
    if not isinstance(entries, list) or not entries:
        raise ConfigError("the fallback font list has no [[fallback]] entries", path)
    return tuple(_family(entry, n, path, bold) for n, entry in enumerate(entries, start=1))


def _family(entry: Any, n: int, path: Path, bold: bool) -> Family:
    where = f"[[fallback]] entry {n}"
    if not isinstance(entry, dict) or not isinstance(entry.get("regular"), str):
        raise ConfigError(f"{where} needs a 'regular' font file", path)
    name = str(entry.get("family", entry["regular"]))
    chosen = entry.get("bold", entry["regular"]) if bold else entry["regular"]
    file = path.parent / str(chosen)
    if not file.is_file():
        raise ConfigError(f"{where} ({name}): font file {chosen} not found", path)
    raw_faces = entry.get("faces", {})
    if not isinstance(raw_faces, dict) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in raw_faces.values()
    ):
        raise ConfigError(f"{where} ({name}): 'faces' must map locale tags to face numbers", path)
    faces = tuple((str(tag).lower(), int(i)) for tag, i in raw_faces.items())
    default = str(entry.get("default_face", "")).lower()
    if default and default not in dict(faces):
        raise ConfigError(f"{where} ({name}): default_face {default!r} is not in 'faces'", path)
    language = entry.get("language")
    features = entry.get("features", [])
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise ConfigError(f"{where} ({name}): 'features' must be a list of feature tags", path)
    return Family(
        name=name,
        path=str(file),
        faces=faces,
        default_face=dict(faces).get(default, 0),
        match_x_height=bool(entry.get("match_x_height", False)),
        language=None if language is None else str(language),
        features=tuple(features),
    )


@dataclass(frozen=True)
class FontChain:
    """The theme's font and the fallbacks after it, for one weight and one locale."""

    primary: Face
    families: tuple[Family, ...]
    locale: str | None = None

    @classmethod
    def for_font(
        cls, font_path: str | Path, locale: str | None = None, fallbacks: Path = FALLBACK_FILE
    ) -> FontChain:
        """The chain for a theme font: fallbacks in the font's weight (bold with bold)."""
        primary = Face(str(font_path), language=_language(locale))
        return cls(primary, load_families(Path(fallbacks), primary.weight >= BOLD_WEIGHT), locale)

    def faces(self, text: str = "") -> tuple[Face, ...]:
        """Every face in the order tried; collection faces picked by locale or by `text`."""
        return _faces(self, cjk_hint(text))

    def segments(self, text: str) -> list[Run]:
        """`text` as consecutive runs, each drawn by the first face that has all its characters.

        The runs' texts add up to `text`; clusters stay whole. Raises UndrawableText when a
        cluster is drawn by no bundled face (see `missing`).
        """
        return list(_segments(self, text))

    def missing(self, text: str) -> set[str]:
        """The grapheme clusters of `text` that no face of the chain can draw whole (usually
        single characters: an emoji newer than the bundled emoji font, a rare script)."""
        faces = self.faces(text)
        return {c for c in clusters(text) if _first_covering(faces, c, None) is None}

    def length(self, text: str, size: float) -> float:
        """Advance width of `text` at nominal `size`: the runs' advances, each in its own face."""
        return sum(run.face.advance(run.text, size) for run in self.segments(text))

    def bbox(self, text: str, size: float) -> tuple[float, float, float, float]:
        """Ink box of `text` relative to its origin on the baseline (left, top, right, bottom)."""
        return _bbox(self, text, size)

    def draw(
        self,
        draw: ImageDraw.ImageDraw,
        origin: tuple[float, float],
        text: str,
        size: float,
        fill: Any,
    ) -> float:
        """Draw `text` with its left end at `origin` on the baseline; returns the advance."""
        x0, baseline = origin
        end = x0
        for x, run, font in self._placed(text, size):
            draw.text((x0 + x, baseline), run.text, fill, font, "ls", **run.face.shaping)
            end = x0 + x + run.face.advance(run.text, size)
        return end - x0

    def _placed(
        self, text: str, size: float
    ) -> Iterator[tuple[float, Run, ImageFont.FreeTypeFont]]:
        """Each run with its x offset from the text's origin and its font at this size (the
        last run's advance is not needed, so not measured)."""
        x = 0.0
        runs = self.segments(text)
        for n, run in enumerate(runs):
            yield x, run, run.face.font(size)
            if n + 1 < len(runs):
                x += run.face.advance(run.text, size)


def _language(locale: str | None) -> str | None:
    """The language subtag of a locale, for the shaper (`pt_BR` → `pt`)."""
    tags = locale_tags(locale)
    return tags[-1] if tags else None


@lru_cache(maxsize=16384)
def _advance(face: Face, text: str, size: float) -> float:
    """A run's advance (Face.advance), cached: a line's runs are placed when it is measured
    and again when it is drawn."""
    return float(face.font(size).getlength(text, **face.shaping))


@lru_cache(maxsize=16384)
def _bbox(chain: FontChain, text: str, size: float) -> tuple[float, float, float, float]:
    """The ink box of `text` (FontChain.bbox), cached: wrapping measures a line, then drawing
    measures it again, and tags, labels and notes repeat on every card."""
    left = top = right = bottom = 0.0
    inked = False
    for x, run, font in chain._placed(text, size):
        if not run.text.strip():
            continue
        ink_l, ink_t, ink_r, ink_b = font.getbbox(run.text, anchor="ls", **run.face.shaping)
        if ink_r <= ink_l and ink_b <= ink_t:
            continue  # nothing visible (a joiner, a control)
        if not inked:
            left, top, right, bottom, inked = x + ink_l, ink_t, x + ink_r, ink_b, True
        left, top = min(left, x + ink_l), min(top, ink_t)
        right, bottom = max(right, x + ink_r), max(bottom, ink_b)
    return left, top, right, bottom


@lru_cache(maxsize=8192)
def _segments(chain: FontChain, text: str) -> tuple[Run, ...]:
    """The runs of `text`, cached: fitting measures the same words at many sizes."""
    faces = chain.faces(text)
    runs: list[Run] = []
    for cluster in clusters(text):
        face = _first_covering(faces, cluster, runs[-1].face if runs else None)
        if face is None:
            raise UndrawableText(describe_missing(chain.missing(text)))
        if runs and runs[-1].face == face:
            runs[-1] = Run(runs[-1].text + cluster, face)
        else:
            runs.append(Run(cluster, face))
    return tuple(_join_right_to_left(runs))


def _join_right_to_left(runs: list[Run]) -> list[Run]:
    """Words of a right-to-left title (Arabic, Hebrew) kept in one run with the spaces between
    them, so the shaper orders them right to left; runs are otherwise drawn left to right and
    would reverse the words."""
    out: list[Run] = []
    for run in runs:
        if (
            len(out) >= 2
            and out[-2].face == run.face
            and not out[-1].text.strip()
            and _right_to_left(run.text)
            and _right_to_left(out[-2].text)
            and run.face.covers(out[-1].text)
        ):
            space = out.pop()
            out[-1] = Run(out[-1].text + space.text + run.text, run.face)
        else:
            out.append(run)
    return out


def _right_to_left(text: str) -> bool:
    """Whether the first letter of `text` with a direction is a right-to-left one."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("L", "R", "AL"):
            return direction != "L"
    return False


@lru_cache(maxsize=256)
def _faces(chain: FontChain, hint: str | None) -> tuple[Face, ...]:
    tags = locale_tags(chain.locale)
    primary_x = chain.primary.x_height
    out = [chain.primary]
    for family in chain.families:
        index = family.face_index(tags, hint)
        scale = 1.0
        if family.match_x_height:
            scale = _x_height_scale(primary_x, _font_facts(family.path, index)[2])
        out.append(Face(family.path, index, scale, family.language, family.features))
    return tuple(out)


def _x_height_scale(primary: float, fallback: float) -> float:
    """How much to scale a fallback so its x-height equals the primary's, within limits."""
    if primary <= 0 or fallback <= 0:
        return 1.0
    low, high = X_HEIGHT_SCALE_LIMITS
    return min(high, max(low, primary / fallback))


def _first_covering(faces: Sequence[Face], cluster: str, current: Face | None) -> Face | None:
    """The face for one cluster: the current run's face for an invisible one (a joiner, a
    direction mark), else the first face that covers it. White space is not invisible here: it
    takes the theme font's space, since a fallback's may be far wider (an emoji font's is an em).
    """
    if current is not None and all(is_ignorable(c) for c in cluster):
        return current
    return next((face for face in faces if face.covers(cluster)), None)


def describe_missing(missing: set[str]) -> str:
    """One phrase naming undrawable clusters with their code points, for an error message."""
    names = ", ".join(f"{c} ({' '.join(f'U+{ord(ch):04X}' for ch in c)})" for c in sorted(missing))
    return f"no bundled font can draw {names}"
