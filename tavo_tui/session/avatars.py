"""Character avatars in the terminal: which way to draw them, and the card's image as cells.

Kitty's and sixel graphics are detected from the environment; every terminal gets the half-block drawing
(truecolour text, so it also works over SSH and inside tmux, where graphics need passthrough set up).
NO_COLOR or the "off" setting turns avatars off.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from tavo_tui.cards import read_card
from tavo_tui.cards.avatar import avatar_png
from tavo_tui.cards.halfblock import Cell, halfblock_cells
from tavo_tui.cards.image import RGB, decode_png

GraphicsMode = Literal["kitty", "sixel", "halfblock", "off"]
_SIXEL_TERMS = ("mlterm", "foot", "yaft", "contour", "sixel")
_SIXEL_PROGRAMS = ("WezTerm", "iTerm.app", "mintty")


def graphics_mode(setting: str, environ: Mapping[str, str]) -> GraphicsMode:
    """How this terminal can show an image: "off" (setting or NO_COLOR), "halfblock" (the setting, inside
    tmux or screen, or nothing better known), "kitty" or "sixel"."""
    if setting == "off" or environ.get("NO_COLOR", "") != "":
        return "off"
    if setting == "halfblock":
        return "halfblock"
    term = environ.get("TERM", "").lower()
    if environ.get("TMUX") or term.startswith(("screen", "tmux")):
        return "halfblock"  # a multiplexer drops graphics unless passthrough is configured
    if environ.get("KITTY_WINDOW_ID") or term == "xterm-kitty" or environ.get("TERM_PROGRAM") == "ghostty":
        return "kitty"
    if any(name in term for name in _SIXEL_TERMS) or environ.get("TERM_PROGRAM") in _SIXEL_PROGRAMS:
        return "sixel"
    return "halfblock"


def avatar_cells(image: bytes | None, name: str, max_cols: int, max_rows: int,
                 background: RGB = (0, 0, 0)) -> list[list[Cell]]:
    """The card's image as half-block cells; a PNG that cannot be decoded (or none) gets the initial."""
    decoded = decode_png(image, background) if image else None
    if decoded is None:
        decoded = decode_png(avatar_png(name or "?", 32))
    return halfblock_cells(decoded, max_cols, max_rows) if decoded else []


@lru_cache(maxsize=32)
def _card_image(path: Path, mtime_ns: int) -> tuple[bytes | None, str]:
    try:
        loaded = read_card(path)
    except Exception:  # an unreadable card still gets initials from its file name
        return None, path.stem
    return loaded.image, loaded.card.name


def card_avatar(path: Path, max_cols: int, max_rows: int) -> list[list[Cell]]:
    """The avatar of the card file at `path` (cached by path and modification time)."""
    try:
        mtime = path.stat().st_mtime_ns
    except OSError:
        mtime = 0
    image, name = _card_image(path, mtime)
    return avatar_cells(image, name, max_cols, max_rows)
