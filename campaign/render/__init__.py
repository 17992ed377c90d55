"""The render stage: billboard copy → PNG, for the named outdoor formats, in a visual theme."""

from campaign.render.layout import (
    FORMATS,
    Format,
    Layout,
    PlacedLine,
    RenderError,
    RenderResult,
    Theme,
    draw_layout,
    get_format,
    layout_billboard,
    list_themes,
    load_theme,
    render_all,
    render_billboard,
    render_key,
    save_billboard,
)

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
