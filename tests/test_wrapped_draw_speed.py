"""The card drawing's shortcuts change no pixel: the unfiltered PNG writer, and wrapping that
gives up on a size as soon as its lines outnumber the box or a word is cut."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from campaign.wrapped.draw import _wrap, font_chain
from campaign.wrapped.png import save_png


@settings(max_examples=40)
@given(
    st.integers(1, 40),
    st.integers(1, 40),
    st.binary(min_size=3, max_size=3 * 40 * 40),
)
def test_save_png_keeps_every_pixel(
    tmp_path_factory: pytest.TempPathFactory, width: int, height: int, noise: bytes
) -> None:
    pixels = (noise * (3 * width * height // len(noise) + 1))[: 3 * width * height]
    image = Image.frombytes("RGB", (width, height), pixels)
    path = tmp_path_factory.mktemp("png") / "c.png"
    save_png(image, path)
    with Image.open(path) as read:
        assert read.format == "PNG" and read.mode == "RGB"
        assert read.tobytes() == image.tobytes()


def test_save_png_refuses_what_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="RGBA"):
        save_png(Image.new("RGBA", (2, 2)), tmp_path / "c.png")


WORDS = st.lists(
    st.sampled_from(["a", "Wrapped", "Łódź", "दिल", "ทำไม", "東京", "W" * 30, "\n", "  "]),
    max_size=30,
).map(" ".join)


@settings(max_examples=40)
@given(WORDS, st.integers(20, 120), st.integers(0, 12), st.sampled_from([None, "th", "ja"]))
def test_wrap_with_room_is_wrap_or_none(text: str, size: int, room: int, locale) -> None:
    chain = font_chain("bold", locale)
    wrapped = _wrap(text, chain, size, 900)
    assert wrapped is not None
    lines, cut = wrapped
    fits = len(lines) <= room and not cut
    assert _wrap(text, chain, size, 900, room) == (wrapped if fits else None)
