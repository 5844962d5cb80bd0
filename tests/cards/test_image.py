"""Card images in the terminal: PNG decoding by hand (8-bit RGB/RGBA/grey, every filter), the half-block
drawing, and when avatars are drawn at all."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest

from tavo_tui.cards.halfblock import fit, halfblock_cells
from tavo_tui.cards.image import decode_png
from tavo_tui.cards.png import encode_rgb_png
from tavo_tui.session.avatars import avatar_cells, card_avatar, graphics_mode


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _paeth(a: int, b: int, c: int) -> int:
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def _filtered(line: bytes, prev: bytes, bpp: int, kind: int) -> bytes:
    """The PNG spec's filters, encoding side (the decoder under test undoes them)."""
    out = bytearray()
    for i, value in enumerate(line):
        left = line[i - bpp] if i >= bpp else 0
        up = prev[i]
        up_left = prev[i - bpp] if i >= bpp else 0
        predictor = (0, left, up, (left + up) >> 1, _paeth(left, up, up_left))[kind]
        out.append((value - predictor) & 0xFF)
    return bytes(out)


def make_png(width: int, height: int, pixels: list[bytes], *, colour: int = 2, depth: int = 8,
             filters: tuple[int, ...] = (0,), interlace: int = 0) -> bytes:
    bpp = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour, 1)
    raw = bytearray()
    prev = bytes(len(pixels[0]) if pixels else 0)
    for y, line in enumerate(pixels):
        kind = filters[y % len(filters)]
        raw += bytes([kind]) + _filtered(line, prev, bpp, kind)
        prev = line
    header = struct.pack(">IIBBBBB", width, height, depth, colour, 0, 0, interlace)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(bytes(raw)))
            + _chunk(b"IEND", b""))


def gradient(width: int, height: int) -> list[bytes]:
    return [bytes((x * 37 + y * 11 + c * 5) % 256 for x in range(width) for c in range(3)) for y in range(height)]


@pytest.mark.parametrize("kind", [0, 1, 2, 3, 4])
def test_every_filter_decodes_to_the_same_pixels(kind: int) -> None:
    rows = gradient(7, 5)
    image = decode_png(make_png(7, 5, rows, filters=(kind,)))
    assert image is not None and (image.width, image.height) == (7, 5)
    assert [bytes(v for x in range(7) for v in image.pixel(x, y)) for y in range(5)] == rows


def test_mixed_filters_and_the_encoder_of_the_project_agree() -> None:
    rows = gradient(9, 6)
    mixed = decode_png(make_png(9, 6, rows, filters=(4, 1, 3, 2, 0)))
    plain = decode_png(encode_rgb_png(9, 6, rows))
    assert mixed is not None and plain is not None
    assert [[mixed.pixel(x, y) for x in range(9)] for y in range(6)] == [[plain.pixel(x, y) for x in range(9)]
                                                                          for y in range(6)]


def test_alpha_is_blended_over_the_background_and_grey_is_read() -> None:
    rgba = decode_png(make_png(2, 1, [bytes([255, 0, 0, 255, 255, 0, 0, 0])], colour=6), background=(0, 0, 200))
    assert rgba is not None and rgba.pixel(0, 0) == (255, 0, 0) and rgba.pixel(1, 0) == (0, 0, 200)
    grey = decode_png(make_png(2, 1, [bytes([10, 250])], colour=0))
    assert grey is not None and grey.pixel(1, 0) == (250, 250, 250)
    grey_alpha = decode_png(make_png(1, 1, [bytes([200, 128])], colour=4))
    assert grey_alpha is not None and grey_alpha.pixel(0, 0) == (100, 100, 100)


@pytest.mark.parametrize(
    "png",
    [
        make_png(2, 1, [bytes(12)], depth=16),  # 16-bit
        make_png(2, 1, [bytes(2)], colour=3),  # palette
        make_png(2, 2, gradient(2, 2), interlace=1),
        b"\x89PNG\r\n\x1a\n" + b"garbage",
        make_png(4, 4, gradient(4, 4))[:-30],  # cut short
        b"",
    ],
)
def test_what_is_not_handled_returns_none(png: bytes) -> None:
    assert decode_png(png) is None


def test_fit_keeps_the_aspect_ratio_with_two_pixels_a_cell() -> None:
    assert fit(64, 64, 12, 6) == (12, 6)  # square: twice as many columns as rows
    assert fit(400, 600, 12, 6) == (8, 6)  # portrait: limited by the rows
    assert fit(600, 100, 12, 6) == (12, 1)
    assert fit(0, 10, 5, 5) == (0, 0)


def test_halfblock_cells_take_the_upper_and_lower_halves() -> None:
    red, blue = bytes([255, 0, 0]) * 4, bytes([0, 0, 255]) * 4
    image = decode_png(make_png(4, 4, [red, red, blue, blue]))
    assert image is not None
    cells = halfblock_cells(image, 4, 1)  # 1 row x 2 columns: the top half red, the bottom half blue
    assert cells == [[((255, 0, 0), (0, 0, 255))] * 2]
    big = halfblock_cells(image, 8, 8)  # never larger than the box, even when it could scale up
    assert len(big) <= 8 and all(len(row) <= 8 for row in big)


def test_avatars_of_the_sample_cards(sample_cards: Path) -> None:
    for path in sorted(sample_cards.iterdir()):
        cells = card_avatar(path, 12, 6)
        assert 1 <= len(cells) <= 6 and 1 <= len(cells[0]) <= 12, path.name
    png = next(sample_cards.glob("*.png"))
    colours = {cell for row in card_avatar(png, 12, 6) for cell in row}
    assert len(colours) > 4  # a picture, not a flat block


def test_a_card_without_an_image_gets_its_initial() -> None:
    cells = avatar_cells(None, "Sable", 10, 5)
    assert len(cells) == 5 and len({c for row in cells for c in row}) > 2
    assert avatar_cells(b"not a png", "", 4, 2)  # unreadable: the "?" placeholder, never an error


@pytest.mark.parametrize(
    ("setting", "env", "mode"),
    [
        ("auto", {"TERM": "xterm-256color"}, "halfblock"),
        ("auto", {"TERM": "xterm-kitty"}, "kitty"),
        ("auto", {"TERM": "xterm-256color", "KITTY_WINDOW_ID": "3"}, "kitty"),
        ("auto", {"TERM": "foot"}, "sixel"),
        ("auto", {"TERM": "xterm-256color", "TERM_PROGRAM": "WezTerm"}, "sixel"),
        ("auto", {"TERM": "tmux-256color", "KITTY_WINDOW_ID": "3"}, "halfblock"),  # tmux: no passthrough known
        ("auto", {"TERM": "screen", "TMUX": "/tmp/x"}, "halfblock"),
        ("auto", {"TERM": "xterm-kitty", "NO_COLOR": "1"}, "off"),
        ("off", {"TERM": "xterm-kitty"}, "off"),
        ("halfblock", {"TERM": "xterm-kitty"}, "halfblock"),
        ("auto", {"NO_COLOR": ""}, "halfblock"),  # NO_COLOR counts only when set to something
    ],
)
def test_graphics_mode(setting: str, env: dict[str, str], mode: str) -> None:
    assert graphics_mode(setting, env) == mode
