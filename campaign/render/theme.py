"""Visual themes: a billboard's colours, fonts, wordmark and proportions, as a TOML file.

Themes are found on the one template search path (resources.py): the campaign's own
`templates/themes/` first, then the bundled ones; a path is read from the campaign.toml's folder.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from PIL import ImageColor, ImageFont

from campaign.errors import ConfigError
from campaign.resources import ASSETS_DIR, template_search_path

FONTS_DIR = ASSETS_DIR / "fonts"
RGB = tuple[int, int, int]


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


def theme_name_for(
    default: str, by_market: dict[str, str], by_pack: dict[str, str], market: str, pack: str
) -> str:
    """The theme a fact's billboards are drawn in: its market's, else its pack's, else the
    campaign's. The market's wins because a market's theme is usually a brand or legal choice."""
    return by_market.get(market) or by_pack.get(pack) or default


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
