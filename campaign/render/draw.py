"""Drawing a computed layout with Pillow and saving the PNG atomically."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageCms, ImageDraw, PngImagePlugin

from campaign.billboard_copy import BillboardCopy
from campaign.render.formats import Format, get_format
from campaign.render.layout import Layout, layout_billboard
from campaign.render.theme import Theme


def render_billboard(
    copy: BillboardCopy, fmt: str | Format, theme: Theme, *, debug: bool = False
) -> Image.Image:
    """Draw the billboard; `debug` overlays the safe area, content area and every line's box."""
    layout = layout_billboard(copy, fmt, theme)
    return draw_layout(layout, theme, debug=debug)


def draw_layout(layout: Layout, theme: Theme, *, debug: bool = False) -> Image.Image:
    """Draw a computed layout, every run in the font of the chain that has its characters;
    emphasised runs are placed at the advance of the text before them, so a coloured run sits
    exactly where it would in the plain line."""
    image = Image.new("RGB", layout.format.size, theme.background)
    draw = ImageDraw.Draw(image)
    signoff_colour = theme.signoff_color or theme.text
    for placed in layout.lines:
        plain = theme.text if placed.role == "headline" else signoff_colour
        for start, end, emphasised in placed.line.runs():
            run = placed.text[start:end]
            if not run.strip():
                continue
            x = placed.x + placed.chain.length(placed.text[:start], placed.size)
            colour = theme.accent if emphasised else plain
            placed.chain.draw(draw, (x, placed.baseline), run, placed.size, colour)
    if layout.wordmark is not None:
        mark = layout.wordmark
        mark.chain.draw(draw, (mark.x, mark.baseline), mark.text, mark.size, theme.wordmark_color)
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


THUMB_WIDTH = 480
THUMB_QUALITY = 75
KEY_CHUNK = "campaign-render-key"  # the PNG text chunks a billboard carries (`save_billboard`)
FIT_CHUNK = "campaign-fit"


@lru_cache(maxsize=1)
def srgb_profile() -> bytes:
    """The sRGB ICC profile embedded in every file, so print and screens read the colours as
    meant; built by LittleCMS, once per process."""
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()  # type: ignore[no-any-return]


def _atomic_save(image: Image.Image, path: Path, **params: Any) -> Path:
    """Write aside, then rename, so an interrupted run leaves no half file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        image.save(tmp, icc_profile=srgb_profile(), **params)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def save_billboard(
    image: Image.Image,
    path: Path,
    compress_level: int = 1,
    key: str | None = None,
    fmt: str | Format | None = None,
    fit: float | None = None,
) -> Path:
    """Write a PNG atomically with the sRGB profile and, given its format, the format's DPI.

    Level 1, not Pillow's default 6: at 6000×3000 it saves about a third of the encode time for
    slightly larger files (PERFORMANCE.md), and encoding is most of a billboard's cost. `key`
    (see `render_key`) and `fit` (`Layout.fit`) are stored in text chunks so an unchanged
    billboard can be skipped later and still be scored.
    """
    info = PngImagePlugin.PngInfo()
    if key is not None:
        info.add_text(KEY_CHUNK, key)
    if fit is not None:
        info.add_text(FIT_CHUNK, repr(float(fit)))
    params: dict[str, Any] = {"compress_level": compress_level, "pnginfo": info}
    if fmt is not None:
        dpi = get_format(fmt).dpi
        params["dpi"] = (dpi, dpi)
    return _atomic_save(image, path, format="PNG", **params)


def save_thumbnail(image: Image.Image, path: Path, width: int = THUMB_WIDTH) -> Path:
    """A small WebP for the gallery's cards (a 6000 px PNG is megabytes; this is kilobytes).

    Reduced by whole factors first (`reducing_gap=2`) and encoded with WebP's method 2: at
    1920 px that is about a third of the time of an exact Lanczos and method 4, for a
    thumbnail within 52 dB PSNR of the exact one and about 4% larger (bench/bench_render.py
    `--stage`); the thumbnail is a billboard's second cost after its PNG.
    """
    height = max(1, round(image.height * width / image.width))
    small = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return _atomic_save(small, path, format="WEBP", quality=THUMB_QUALITY, method=2)
