"""Render stage: billboard copy → PNG, for the named outdoor formats, in a theme that is data.

The layout is computed first (`layout_billboard`, pure geometry a test can check without OCR) and
then drawn (`render_billboard`); both are deterministic, so the same copy, format and theme give
the same pixels. Text that cannot be set readably raises `RenderError` rather than being truncated:
an ellipsis would change copy that legal approved, so the fix belongs in the copy, not here.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
import tomllib
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields
from functools import lru_cache
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFont, PngImagePlugin

from campaign.billboard_copy import BillboardCopy
from campaign.errors import ConfigError
from campaign.render.textfit import (
    Line,
    Paragraph,
    RenderError,
    block_height,
    clean,
    fit_pair,
    join_line,
    load_font,
    split_words,
)
from campaign.resources import ASSETS_DIR, template_search_path

__all__ = [
    "FORMATS",
    "Format",
    "Layout",
    "PlacedLine",
    "RenderError",
    "RenderResult",
    "Theme",
    "draw_layout",
    "get_format",
    "layout_billboard",
    "list_themes",
    "load_theme",
    "render_all",
    "render_billboard",
    "render_key",
    "save_billboard",
]

RENDER_VERSION = "1"  # bump when a layout rule changes, so cached billboards are redrawn
FONTS_DIR = ASSETS_DIR / "fonts"
RGB = tuple[int, int, int]
Box = tuple[int, int, int, int]


@dataclass(frozen=True)
class Format:
    """A print or screen format: its pixel size and safe-area margin (share of the short side)."""

    name: str
    width: int
    height: int
    margin: float = 0.07

    @property
    def size(self) -> tuple[int, int]:
        return self.width, self.height

    @property
    def safe_box(self) -> Box:
        """The area text may occupy: inset equally on all sides, as a poster designer would."""
        inset = round(min(self.width, self.height) * self.margin)
        return inset, inset, self.width - inset, self.height - inset


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("48-sheet", 6000, 3000),
        Format("6-sheet", 2400, 3600),
        Format("dooh-landscape", 1920, 1080),
        Format("dooh-portrait", 1080, 1920),
        Format("square", 1080, 1080),
    )
}


def get_format(fmt: str | Format) -> Format:
    """A Format by name; an unknown name is a ConfigError listing the known ones."""
    if isinstance(fmt, Format):
        return fmt
    try:
        return FORMATS[fmt]
    except KeyError:
        known = ", ".join(FORMATS)
        raise ConfigError(f"unknown billboard format '{fmt}' (known formats: {known})") from None


# --------------------------------------------------------------------------------------------
# Themes


@dataclass(frozen=True)
class Theme:
    """Colours, fonts, wordmark and proportions of a billboard; loaded from a TOML file.

    Sizes are relative (to the headline size or the format's short side) so one theme serves
    every format.
    """

    name: str
    background: RGB
    text: RGB
    accent: RGB
    headline_font: Path
    signoff_font: Path
    wordmark: str
    wordmark_color: RGB
    line_spacing: float
    signoff_color: RGB | None = None  # None: the text colour
    wordmark_font: Path | None = None  # None: the sign-off font
    signoff_scale: float = 0.5  # sign-off size / headline size
    signoff_gap: float = 0.6  # space above the sign-off, in headline ems
    wordmark_scale: float = 0.04  # wordmark size / short side
    max_text: float = 0.2  # largest headline size / short side
    min_text: float = 0.018  # smallest headline size / short side, below which we refuse
    valign: str = "top"  # top | center | bottom: where the text block sits in the safe area
    source: Path | None = None  # the TOML file it came from


_REQUIRED = (
    "background",
    "text",
    "accent",
    "headline_font",
    "signoff_font",
    "wordmark",
    "wordmark_color",
    "line_spacing",
)
_COLOURS = {"background", "text", "accent", "wordmark_color", "signoff_color"}
_FONTS = {"headline_font", "signoff_font", "wordmark_font"}
_RANGES = {
    "line_spacing": (0.7, 3.0),
    "signoff_scale": (0.1, 1.5),
    "signoff_gap": (0.0, 5.0),
    "wordmark_scale": (0.005, 0.2),
    "max_text": (0.01, 1.0),
    "min_text": (0.001, 0.5),
}


def theme_dirs(search_dirs: Sequence[Path] | None = None) -> list[Path]:
    """Where themes are looked up, first match wins (default: the bundled templates only).

    A search dir may be a `themes` folder or a `templates` folder holding one; a run passes
    `template_search_path(config.root)`, the campaign's own folder then the bundled one.
    """
    dirs = [Path(d) for d in search_dirs or template_search_path(None)]
    return [d / "themes" if (d / "themes").is_dir() else d for d in dirs if d.is_dir()]


def list_themes(search_dirs: Sequence[Path] | None = None) -> list[str]:
    """Names of every theme reachable from `search_dirs`."""
    return sorted({p.stem for d in theme_dirs(search_dirs) for p in d.glob("*.toml")})


def load_theme(
    name_or_path: str | Path, search_dirs: Sequence[Path] | None = None, root: Path | None = None
) -> Theme:
    """Load a theme by name (searched as `<name>.toml`) or by the path of a TOML file.

    A relative path is read from `root`, the folder of the campaign.toml that names it.
    """
    text = str(name_or_path)
    if text.endswith(".toml") or "/" in text or os.sep in text:
        path = Path(text).expanduser()
        if root is not None and not path.is_absolute():
            path = root / path
        if not path.is_file():
            raise ConfigError("theme file not found", path)
    else:
        found = [
            d / f"{text}.toml" for d in theme_dirs(search_dirs) if (d / f"{text}.toml").is_file()
        ]
        if not found:
            known = ", ".join(list_themes(search_dirs)) or "none"
            raise ConfigError(f"unknown theme '{text}' (available themes: {known})")
        path = found[0]
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"theme file cannot be read as TOML: {exc}", path) from None
    return _parse_theme(data, path)


def _parse_theme(data: dict[str, Any], path: Path) -> Theme:
    allowed = {f.name for f in fields(Theme)} - {"name", "source"}
    unknown = sorted(set(data) - allowed - {"name"})
    if unknown:
        raise ConfigError(f"unknown theme field '{unknown[0]}'", path)
    missing = [key for key in _REQUIRED if key not in data]
    if missing:
        raise ConfigError(f"theme is missing the field '{missing[0]}'", path)
    values: dict[str, Any] = {"name": str(data.get("name", path.stem)), "source": path}
    for key, raw in data.items():
        if key == "name":
            continue
        if key in _COLOURS:
            values[key] = _colour(raw, key, path)
        elif key in _FONTS:
            values[key] = _font_path(raw, key, path)
        elif key in _RANGES:
            low, high = _RANGES[key]
            if isinstance(raw, bool) or not isinstance(raw, int | float) or not low <= raw <= high:
                raise ConfigError(
                    f"theme field '{key}' must be a number from {low} to {high}", path
                )
            values[key] = float(raw)
        elif key == "valign":
            if raw not in ("top", "center", "bottom"):
                raise ConfigError("theme field 'valign' must be top, center or bottom", path)
            values[key] = raw
        elif key == "wordmark":
            if not isinstance(raw, str):
                raise ConfigError("theme field 'wordmark' must be a string", path)
            values[key] = raw
    return Theme(**values)


def _colour(raw: Any, key: str, path: Path) -> RGB:
    try:
        r, g, b = ImageColor.getrgb(str(raw))[:3]
    except ValueError:
        raise ConfigError(f"theme field '{key}' is not a colour: {raw!r}", path) from None
    return r, g, b


def _font_path(raw: Any, key: str, path: Path) -> Path:
    """A font next to the theme file (relative path) or a bundled font by bare file name."""
    value = Path(str(raw))
    candidates = [value] if value.is_absolute() else [path.parent / value]
    if len(value.parts) == 1:
        candidates.append(FONTS_DIR / value)
    for candidate in candidates:
        if candidate.is_file():
            try:
                ImageFont.truetype(str(candidate), 12)
            except OSError:
                raise ConfigError(
                    f"theme field '{key}': {raw} is not a readable font", path
                ) from None
            return candidate.resolve()
    bundled = ", ".join(sorted(p.name for p in FONTS_DIR.glob("*.[ot]tf")))
    raise ConfigError(
        f"theme field '{key}': font {raw} not found next to the theme or among the bundled fonts "
        f"({bundled})",
        path,
    )


# --------------------------------------------------------------------------------------------
# Layout


@dataclass(frozen=True)
class PlacedLine:
    """A line at its position: left x and baseline y (floats, sub-pixel), and its ink box."""

    role: str  # headline | signoff | wordmark
    line: Line
    size: int
    font: Path
    x: float
    baseline: float
    box: Box

    @property
    def text(self) -> str:
        return self.line.text


@dataclass(frozen=True)
class Layout:
    """Everything needed to draw a billboard, and what a test or the fit score needs to know."""

    format: Format
    safe_box: Box
    content_box: Box  # the safe area minus the wordmark band
    headline_size: int
    signoff_size: int
    lines: tuple[PlacedLine, ...]  # headline lines, then sign-off lines
    wordmark: PlacedLine | None
    dropped: tuple[str, ...]  # characters the fonts cannot draw, left out
    size_range: tuple[int, int]  # the smallest and largest headline sizes the theme allows

    @property
    def headline_lines(self) -> tuple[PlacedLine, ...]:
        return tuple(p for p in self.lines if p.role == "headline")

    @property
    def signoff_lines(self) -> tuple[PlacedLine, ...]:
        return tuple(p for p in self.lines if p.role == "signoff")

    @property
    def fit(self) -> float:
        """How comfortably the copy fits, in [0, 1]: 1 = set at the theme's largest size,
        0 = squeezed to its smallest. A ready input for the fit score."""
        low, high = self.size_range
        return 1.0 if high <= low else (self.headline_size - low) / (high - low)


def _ink_box(font: ImageFont.FreeTypeFont, text: str, x: float, baseline: float) -> Box:
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    return (
        math.floor(x + left),
        math.floor(baseline + top),
        math.ceil(x + right),
        math.ceil(baseline + bottom),
    )


def _place_wordmark(fmt: Format, theme: Theme, safe: Box) -> tuple[PlacedLine | None, int]:
    """The wordmark at the bottom-right of the safe area, and the top of the band it takes."""
    font_path = theme.wordmark_font or theme.signoff_font
    text, _, _ = clean(
        theme.wordmark.strip(), [False] * len(theme.wordmark.strip()), str(font_path)
    )
    if not text.strip():
        return None, safe[3]
    size = max(6, round(min(fmt.size) * theme.wordmark_scale))
    font = load_font(str(font_path), size)
    if font.getlength(text) > (safe[2] - safe[0]) / 2:  # a long brand name shrinks, never spills
        size = max(6, int(size * (safe[2] - safe[0]) / 2 / font.getlength(text)))
        font = load_font(str(font_path), size)
    line = join_line(split_words(text, [False] * len(text)), font)
    _, _, _, bottom = font.getbbox(line.text, anchor="ls")
    x, baseline = safe[2] - line.width, safe[3] - bottom
    box = _ink_box(font, line.text, x, baseline)
    placed = PlacedLine("wordmark", line, size, font_path, x, baseline, box)
    return placed, box[1] - size  # a clear band one wordmark-size high above it


def layout_billboard(copy: BillboardCopy, fmt: str | Format, theme: Theme) -> Layout:
    """Fit the copy into the format's safe area: the largest headline size at which the headline,
    and the sign-off below it at `signoff_scale` of that size, both fit, lines balanced.

    Raises RenderError when even the theme's minimum size does not fit (a word too long for the
    line, or far too many words for the format).
    """
    fmt = get_format(fmt)
    safe = fmt.safe_box
    wordmark, band_top = _place_wordmark(fmt, theme, safe)
    content: Box = (safe[0], safe[1], safe[2], band_top)
    width, height = content[2] - content[0], content[3] - content[1]
    head, dropped_head = Paragraph.from_text(copy.headline, copy.emphasis, str(theme.headline_font))
    sign, dropped_sign = Paragraph.from_text(copy.signoff, (), str(theme.signoff_font))
    short = min(fmt.size)
    low, high = max(6, round(short * theme.min_text)), max(6, round(short * theme.max_text))
    spacing = theme.line_spacing
    # One pixel of slack each way: runs and lines are placed on whole pixels, and anti-aliasing
    # of a run at a fractional x may reach one pixel further than the measured ink.
    box = (width - 1, height - 1)
    setting = fit_pair(
        head, sign, box, spacing, theme.signoff_scale, theme.signoff_gap, (low, high)
    )
    if setting is None:
        raise RenderError(
            f"the copy does not fit the {fmt.name} format even at {low} px; shorten the headline "
            f"or the sign-off, or split a very long word: {copy.headline!r}"
        )

    slack = height - setting.height
    y = content[1] + {"top": 0.0, "center": slack / 2, "bottom": slack}[theme.valign]
    placed: list[PlacedLine] = []
    head_step = setting.size * spacing
    for i, line in enumerate(setting.head):
        baseline = y + setting.head_extent[0] + i * head_step
        placed.append(
            _placed("headline", line, setting.head_font, theme.headline_font, content[0], baseline)
        )
    if setting.head:
        y += block_height(setting.head_extent, len(setting.head), head_step) + setting.gap
    for i, line in enumerate(setting.sign):
        baseline = y + setting.sign_extent[0] + i * setting.sign_font.size * spacing
        placed.append(
            _placed("signoff", line, setting.sign_font, theme.signoff_font, content[0], baseline)
        )
    return Layout(
        format=fmt,
        safe_box=safe,
        content_box=content,
        headline_size=setting.size,
        signoff_size=int(setting.sign_font.size),
        lines=tuple(placed),
        wordmark=wordmark,
        dropped=dropped_head + dropped_sign,
        size_range=(low, high),
    )


def _placed(
    role: str, line: Line, font: ImageFont.FreeTypeFont, path: Path, left: float, baseline: float
) -> PlacedLine:
    """A line on whole pixels, moved right by its left overhang so no ink crosses the margin."""
    x, baseline = round(left + line.overhang), round(baseline)
    box = _ink_box(font, line.text, x, baseline)
    return PlacedLine(role, line, int(font.size), path, x, baseline, box)


# --------------------------------------------------------------------------------------------
# Drawing and saving


def render_billboard(
    copy: BillboardCopy, fmt: str | Format, theme: Theme, *, debug: bool = False
) -> Image.Image:
    """Draw the billboard; `debug` overlays the safe area, content area and every line's box."""
    layout = layout_billboard(copy, fmt, theme)
    return draw_layout(layout, theme, debug=debug)


def draw_layout(layout: Layout, theme: Theme, *, debug: bool = False) -> Image.Image:
    """Draw a computed layout; emphasised runs are placed at the advance of the text before them,
    so a coloured run sits exactly where it would in the plain line."""
    image = Image.new("RGB", layout.format.size, theme.background)
    draw = ImageDraw.Draw(image)
    signoff_colour = theme.signoff_color or theme.text
    for placed in layout.lines:
        font = load_font(str(placed.font), placed.size)
        plain = theme.text if placed.role == "headline" else signoff_colour
        for start, end, emphasised in placed.line.runs():
            run = placed.text[start:end]
            if not run.strip():
                continue
            x = placed.x + font.getlength(placed.text[:start])
            colour = theme.accent if emphasised else plain
            draw.text((x, placed.baseline), run, font=font, fill=colour, anchor="ls")
    if layout.wordmark is not None:
        mark = layout.wordmark
        font = load_font(str(mark.font), mark.size)
        draw.text(
            (mark.x, mark.baseline), mark.text, font=font, fill=theme.wordmark_color, anchor="ls"
        )
    if debug:
        _draw_debug(draw, layout)
    return image


def _draw_debug(draw: ImageDraw.ImageDraw, layout: Layout) -> None:
    stroke = max(1, min(layout.format.size) // 400)
    draw.rectangle(layout.safe_box, outline=(0, 255, 255), width=stroke)
    draw.rectangle(layout.content_box, outline=(255, 255, 0), width=stroke)
    for placed in (*layout.lines, *([layout.wordmark] if layout.wordmark else [])):
        draw.rectangle(placed.box, outline=(255, 0, 0), width=stroke)
        draw.line(
            (placed.x, placed.baseline, placed.x + placed.line.width, placed.baseline),
            fill=(255, 0, 0),
            width=stroke,
        )


def save_billboard(
    image: Image.Image, path: Path, compress_level: int = 1, key: str | None = None
) -> Path:
    """Write a PNG atomically (write aside, then rename), so an interrupted run leaves no half file.

    Level 1, not Pillow's default 6: at 6000×3000 it saves about a third of the encode time for
    slightly larger files (PERFORMANCE.md), and encoding is most of a billboard's cost. `key`
    (see `render_key`) is stored in a text chunk so an unchanged billboard can be skipped later.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = PngImagePlugin.PngInfo()
    if key is not None:
        info.add_text("campaign-render-key", key)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        image.save(tmp, format="PNG", compress_level=compress_level, pnginfo=info)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


@lru_cache(maxsize=32)
def _file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def render_key(copy: BillboardCopy, fmt: str | Format, theme: Theme) -> str:
    """A hash of everything that decides the pixels: copy, format, theme and the font files."""
    fonts = {theme.headline_font, theme.signoff_font, theme.wordmark_font or theme.signoff_font}
    parts = [
        RENDER_VERSION,
        repr(copy),
        repr(get_format(fmt)),
        repr({**vars(theme), "source": None}),
    ]
    parts += sorted(_file_digest(p) for p in fonts)
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class RenderResult:
    """The outcome of one job of `render_all`: written, skipped as unchanged, or failed."""

    path: Path
    status: str  # written | unchanged | failed
    error: str | None = None
    seconds: float = 0.0


RenderJob = tuple[BillboardCopy, str | Format, Theme, Path]


def _existing_key(path: Path) -> str | None:
    try:
        with Image.open(path) as image:
            return image.info.get("campaign-render-key")  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


def _render_job(job: RenderJob) -> RenderResult:
    copy, fmt, theme, path = job
    started = time.perf_counter()
    key = render_key(copy, fmt, theme)
    try:
        save_billboard(render_billboard(copy, fmt, theme), Path(path), key=key)
    except RenderError as exc:
        return RenderResult(Path(path), "failed", exc.describe(), time.perf_counter() - started)
    return RenderResult(Path(path), "written", None, time.perf_counter() - started)


def render_all(
    jobs: Sequence[RenderJob], workers: int = 2, skip_unchanged: bool = True
) -> list[RenderResult]:
    """Render and save many billboards, in a process pool (PNG encoding is CPU-bound).

    Two workers give about 1.8× on two cores; more workers than cores give nothing. A billboard
    whose file already carries the same render key is skipped. Copy that does not fit is reported
    as `failed` with the reason instead of stopping the batch; results follow the order of `jobs`.
    """
    results: dict[int, RenderResult] = {}
    todo: list[tuple[int, RenderJob]] = []
    for i, job in enumerate(jobs):
        copy, fmt, theme, path = job
        if (
            skip_unchanged
            and Path(path).is_file()
            and _existing_key(Path(path)) == render_key(copy, fmt, theme)
        ):
            results[i] = RenderResult(Path(path), "unchanged")
            continue
        todo.append((i, job))
    if workers <= 1 or len(todo) <= 1:
        for i, job in todo:
            results[i] = _render_job(job)
    else:
        context = get_context("spawn")  # never fork a parent that may hold DuckDB threads
        with ProcessPoolExecutor(min(workers, len(todo)), mp_context=context) as pool:
            for (i, _), result in zip(
                todo, pool.map(_render_job, [j for _, j in todo]), strict=True
            ):
                results[i] = result
    return [results[i] for i in range(len(jobs))]
