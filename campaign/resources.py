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


def template_search_path(root: Path | None) -> list[Path]:
    """The `templates/` folders a campaign reads, first match wins.

    Copy templates, the gallery, visual themes and story themes are all found through this one
    list: the campaign's own `templates/` beside its campaign.toml (if it has one), then the
    bundled folder, so a campaign overrides a built-in file by giving its own of the same name.
    """
    bundled = bundled_dir("templates")
    own = None if root is None else root / "templates"
    if own is not None and own.is_dir() and own.resolve() != bundled.resolve():
        return [own, bundled]
    return [bundled]


def find_template_files(root: Path | None, relative: str) -> list[Path]:
    """Every existing `templates/<relative>` on the search path, the campaign's own first."""
    return [d / relative for d in template_search_path(root) if (d / relative).is_file()]
