"""Drawing a computed layout with Pillow and saving the PNG atomically."""

from __future__ import annotations

import os
from pathlib import Path

from PIL import Image, ImageDraw, PngImagePlugin

from campaign.billboard_copy import BillboardCopy
from campaign.render.formats import Format
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
