"""Small generated avatars: a soft two-colour gradient with the character's initial (for placeholders)."""

from __future__ import annotations

import hashlib

from tavo_tui.cards.png import encode_rgb_png

# 5x7 bitmap glyphs, one string per row ("#" = ink). Unknown characters fall back to a diamond.
_GLYPHS = {
    "A": [" ### ", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
    "B": ["#### ", "#   #", "#   #", "#### ", "#   #", "#   #", "#### "],
    "C": [" ### ", "#   #", "#    ", "#    ", "#    ", "#   #", " ### "],
    "D": ["#### ", "#   #", "#   #", "#   #", "#   #", "#   #", "#### "],
    "E": ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#####"],
    "F": ["#####", "#    ", "#    ", "#### ", "#    ", "#    ", "#    "],
    "G": [" ### ", "#   #", "#    ", "# ###", "#   #", "#   #", " ####"],
    "H": ["#   #", "#   #", "#   #", "#####", "#   #", "#   #", "#   #"],
    "I": [" ### ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", " ### "],
    "J": ["  ###", "   # ", "   # ", "   # ", "   # ", "#  # ", " ##  "],
    "K": ["#   #", "#  # ", "# #  ", "##   ", "# #  ", "#  # ", "#   #"],
    "L": ["#    ", "#    ", "#    ", "#    ", "#    ", "#    ", "#####"],
    "M": ["#   #", "## ##", "# # #", "# # #", "#   #", "#   #", "#   #"],
    "N": ["#   #", "##  #", "# # #", "#  ##", "#   #", "#   #", "#   #"],
    "O": [" ### ", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
    "P": ["#### ", "#   #", "#   #", "#### ", "#    ", "#    ", "#    "],
    "Q": [" ### ", "#   #", "#   #", "#   #", "# # #", "#  # ", " ## #"],
    "R": ["#### ", "#   #", "#   #", "#### ", "# #  ", "#  # ", "#   #"],
    "S": [" ####", "#    ", "#    ", " ### ", "    #", "    #", "#### "],
    "T": ["#####", "  #  ", "  #  ", "  #  ", "  #  ", "  #  ", "  #  "],
    "U": ["#   #", "#   #", "#   #", "#   #", "#   #", "#   #", " ### "],
    "V": ["#   #", "#   #", "#   #", "#   #", "#   #", " # # ", "  #  "],
    "W": ["#   #", "#   #", "#   #", "# # #", "# # #", "## ##", "#   #"],
    "X": ["#   #", "#   #", " # # ", "  #  ", " # # ", "#   #", "#   #"],
    "Y": ["#   #", "#   #", " # # ", "  #  ", "  #  ", "  #  ", "  #  "],
    "Z": ["#####", "    #", "   # ", "  #  ", " #   ", "#    ", "#####"],
    "?": ["  #  ", " ### ", "#####", "#####", "#####", " ### ", "  #  "],
}


def _palette(seed: str) -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    h = hashlib.sha256(seed.encode("utf-8")).digest()
    top = (80 + h[0] % 140, 80 + h[1] % 140, 80 + h[2] % 140)
    bottom = (top[2] // 2 + 20, top[0] // 2 + 20, top[1] // 2 + 40)
    return top, bottom


def avatar_png(name: str, size: int = 64, colours: tuple[tuple[int, int, int], ...] | None = None) -> bytes:
    """A `size`x`size` PNG: vertical gradient, the initial in white, a thin light frame."""
    top, bottom = (colours[0], colours[1]) if colours and len(colours) >= 2 else _palette(name or "?")
    letter = next((c.upper() for c in name if c.isalpha() and c.upper() in _GLYPHS), "?")
    glyph = _GLYPHS[letter]
    scale = max(1, size // 10)
    gx0 = (size - 5 * scale) // 2
    gy0 = (size - 7 * scale) // 2
    rows = []
    for y in range(size):
        t = y / max(size - 1, 1)
        bg = bytes(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        row = bytearray(bg * size)
        gy = (y - gy0) // scale if y >= gy0 else -1
        for x in range(size):
            frame = x in (1, size - 2) or y in (1, size - 2)
            gx = (x - gx0) // scale if x >= gx0 else -1
            ink = 0 <= gy < 7 and 0 <= gx < 5 and glyph[gy][gx] == "#"
            if ink or frame:
                row[3 * x : 3 * x + 3] = b"\xf5\xf2\xea" if ink else b"\xe0\xe0\xe0"
        rows.append(bytes(row))
    return encode_rgb_png(size, size, rows)
