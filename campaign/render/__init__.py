"""The render stage: billboard copy → PNG, for the named outdoor formats, in a visual theme.

formats.py (sizes, safe areas) · theme.py (visual themes from TOML) · textfit.py (fitting words
to a box) · layout.py (placing the copy: pure geometry) · draw.py (Pillow, atomic PNG) ·
batch.py (many billboards in a process pool, unchanged ones skipped).
"""

from campaign.render.batch import RenderCrash, RenderResult, render_all, render_key, thumb_path
from campaign.render.draw import draw_layout, render_billboard, save_billboard, save_thumbnail
from campaign.render.formats import BILLBOARD_FORMATS, Format, get_format
from campaign.render.layout import Layout, PlacedLine, layout_billboard
from campaign.render.textfit import RenderError
from campaign.render.theme import Theme, list_themes, load_theme, theme_name_for

__all__ = [
    "BILLBOARD_FORMATS",
    "Format",
    "Layout",
    "PlacedLine",
    "RenderCrash",
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
    "save_thumbnail",
    "theme_name_for",
    "thumb_path",
]
