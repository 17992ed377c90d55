"""Where the built-in packs, templates and assets live, in a checkout and in an installed wheel."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
ASSETS_DIR = PACKAGE_DIR / "assets"


def bundled_dir(name: str) -> Path:
    """The built-in `queries/` or `templates/` folder.

    A wheel carries them under `campaign/_bundled/`; an editable install or a checkout reads them
    from the repository root, so an analyst's edit there takes effect at once.
    """
    inside = PACKAGE_DIR / "_bundled" / name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / name
