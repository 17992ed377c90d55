"""Cards written as PNG fast. Pillow's encoder tries five row filters on every row of a
1080×1920 card before compressing it, which costs more than the compression itself on a card
that is mostly one colour; unfiltered rows compress about as small there and the pixels are the
same. Only 8-bit RGB is written, which is what a card is.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

SIGNATURE = b"\x89PNG\r\n\x1a\n"
RGB_8BIT = (8, 2, 0, 0, 0)  # bit depth, colour type (truecolour), compression, filter, interlace


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def save_png(image: Image.Image, path: Path, compress_level: int = 1) -> None:
    """`image` (RGB) as a PNG file at `path`: every row unfiltered (filter byte 0), one IDAT."""
    if image.mode != "RGB":
        raise ValueError(f"save_png writes RGB images, not {image.mode}")
    width, height = image.size
    rows = np.zeros((height, 1 + 3 * width), dtype=np.uint8)
    rows[:, 1:] = np.asarray(image).reshape(height, 3 * width)
    header = struct.pack(">IIBBBBB", width, height, *RGB_8BIT)
    path.write_bytes(
        SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, compress_level))
        + _chunk(b"IEND", b"")
    )
