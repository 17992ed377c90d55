"""What a print vendor and a screen read from the files: size, DPI and the sRGB colour profile."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from campaign.render import (
    BILLBOARD_FORMATS,
    get_format,
    save_billboard,
    save_thumbnail,
    thumb_path,
)
from campaign.render.formats import MM_PER_INCH

PRINT = [name for name, f in BILLBOARD_FORMATS.items() if f.physical_mm is not None]


def test_the_print_formats_are_the_48_and_6_sheet() -> None:
    assert PRINT == ["48-sheet", "6-sheet"]
    assert get_format("48-sheet").physical_mm == (6096, 3048)
    assert get_format("48-sheet").dpi == 25.0


@pytest.mark.parametrize("name", PRINT)
def test_print_pixels_match_the_physical_size_at_the_stated_dpi(name: str) -> None:
    fmt = get_format(name)
    width_mm, height_mm = fmt.physical_mm or (0, 0)
    assert fmt.width / fmt.height == pytest.approx(width_mm / height_mm, rel=1e-3)
    assert fmt.width == pytest.approx(width_mm / MM_PER_INCH * fmt.dpi, abs=1)
    assert fmt.height == pytest.approx(height_mm / MM_PER_INCH * fmt.dpi, abs=1)


def profile_name(raw: bytes) -> str:
    return ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(raw))).strip()


@pytest.mark.parametrize("name", list(BILLBOARD_FORMATS))
def test_every_file_carries_its_dpi_and_the_srgb_profile(name: str, tmp_path: Path) -> None:
    """Written at a small size: the metadata comes from the format, not from the pixels."""
    fmt = get_format(name)
    image = Image.new("RGB", (fmt.width // 20, fmt.height // 20), "#FF4632")
    path = save_billboard(image, tmp_path / f"{name}.png", key="k", fmt=name)
    thumb = save_thumbnail(image, thumb_path(path), width=120)
    with Image.open(path) as png:
        assert png.format == "PNG"
        assert png.info["dpi"] == pytest.approx((fmt.dpi, fmt.dpi), abs=0.05)
        assert "sRGB" in profile_name(png.info["icc_profile"])
        assert png.info["campaign-render-key"] == "k"
    with Image.open(thumb) as webp:
        assert webp.format == "WEBP" and webp.width == 120
        assert webp.height == round(image.height * 120 / image.width)
        assert "sRGB" in profile_name(webp.info["icc_profile"])
    assert thumb == tmp_path / "thumbs" / f"{name}.webp"


def test_a_save_that_fails_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "x.png"
    with pytest.raises((OSError, ValueError)):
        save_billboard(Image.new("RGB", (4, 4)), target, compress_level=99)
    assert not list(tmp_path.iterdir())
