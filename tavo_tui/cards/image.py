"""Decode the pixels of a card's PNG, for drawing it in the terminal: no imaging library, so only what cards
really use (8-bit RGB, RGBA, grey and grey+alpha, not interlaced); anything else returns None and the caller
draws initials instead."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from tavo_tui.cards.errors import DEFAULT_LIMITS
from tavo_tui.cards.png import PngFormatError, inflate_capped, split_png

RGB = tuple[int, int, int]
_CHANNELS = {0: 1, 2: 3, 4: 2, 6: 4}  # colour type -> samples per pixel (8-bit depth only)
# A bigger image is not decoded (pure-Python unfiltering costs about a second per million pixels): initials.
MAX_PIXELS = 1536 * 1536


@dataclass(frozen=True)
class Image:
    """Unfiltered scanlines; `pixel` reads one as RGB, alpha blended over `background`."""

    width: int
    height: int
    lines: list[bytes]
    colour: int  # the PNG colour type (0, 2, 4 or 6)
    background: RGB = (0, 0, 0)

    def pixel(self, x: int, y: int) -> RGB:
        return _pixel(self.lines[y], x * _CHANNELS[self.colour], self.colour, self.background)


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _unfilter(raw: bytes, width: int, height: int, bpp: int) -> list[bytes] | None:
    """The scanlines with the PNG filters undone; None when the data is short or a filter is unknown."""
    stride = width * bpp
    if len(raw) < (stride + 1) * height:
        return None
    out: list[bytes] = []
    prev = bytearray(stride)
    pos = 0
    for _ in range(height):
        kind = raw[pos]
        line = bytearray(raw[pos + 1 : pos + 1 + stride])
        pos += stride + 1
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 0xFF
        elif kind == 2:
            for i in range(stride):
                line[i] = (line[i] + prev[i]) & 0xFF
        elif kind == 3:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + ((left + prev[i]) >> 1)) & 0xFF
        elif kind == 4:
            for i in range(stride):
                left = line[i - bpp] if i >= bpp else 0
                up_left = prev[i - bpp] if i >= bpp else 0
                line[i] = (line[i] + _paeth(left, prev[i], up_left)) & 0xFF
        elif kind != 0:
            return None
        out.append(bytes(line))
        prev = line
    return out


def decode_png(data: bytes, background: RGB = (0, 0, 0)) -> Image | None:
    """The image's pixels, or None for a PNG this decoder does not handle (or a damaged one)."""
    try:
        chunks = split_png(data, DEFAULT_LIMITS)
    except (PngFormatError, ValueError):
        return None
    header = chunks[0].data if chunks and chunks[0].type == b"IHDR" else None
    if header is None or len(header) < 13:
        return None
    width, height = int.from_bytes(header[0:4], "big"), int.from_bytes(header[4:8], "big")
    depth, colour, interlace = header[8], header[9], header[12]
    if depth != 8 or colour not in _CHANNELS or interlace != 0 or not 0 < width * height <= MAX_PIXELS:
        return None
    bpp = _CHANNELS[colour]
    compressed = b"".join(c.data or b"" for c in chunks if c.type == b"IDAT")
    try:
        raw = inflate_capped(compressed, (width * bpp + 1) * height + 1)
    except (zlib.error, ValueError, PngFormatError):
        return None
    lines = _unfilter(raw, width, height, bpp)
    if lines is None:
        return None
    return Image(width, height, lines, colour, background)


def _pixel(line: bytes, i: int, colour: int, background: RGB) -> RGB:
    if colour == 2:
        return line[i], line[i + 1], line[i + 2]
    if colour == 0:
        return line[i], line[i], line[i]
    if colour == 6:
        r, g, b, a = line[i], line[i + 1], line[i + 2], line[i + 3]
    else:  # grey + alpha
        r = g = b = line[i]
        a = line[i + 1]
    return tuple(  # type: ignore[return-value]
        (v * a + bg * (255 - a)) // 255 for v, bg in zip((r, g, b), background, strict=True)
    )
