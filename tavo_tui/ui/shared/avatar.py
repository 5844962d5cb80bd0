"""A character's avatar drawn with half blocks (see session.avatars): shown in the card detail and beside the
chat. Hidden when avatars are off (the setting or NO_COLOR)."""

from __future__ import annotations

import os
from pathlib import Path

from textual import work
from textual.content import Content
from textual.style import Style
from textual.widgets import Static

from tavo_tui.session.avatars import Cell, GraphicsMode, card_avatar, graphics_mode
from tavo_tui.session.ui_settings import UiSettings


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def cells_content(cells: list[list[Cell]]) -> Content:
    """The cells as Content: "▀" in the upper pixel's colour on the lower pixel's colour."""
    parts: list[Content] = []
    for index, row in enumerate(cells):
        if index:
            parts.append(Content("\n"))
        parts.extend(Content("▀").stylize(Style.parse(f"{_hex(top)} on {_hex(bottom)}")) for top, bottom in row)
    return Content("").join(parts) if parts else Content("")


def avatar_mode(settings: UiSettings | None) -> GraphicsMode:
    return graphics_mode(settings.avatars if settings is not None else "auto", os.environ)


class Avatar(Static):
    """The avatar of one card file, at most `cols` x `rows` cells; empty and hidden when avatars are off."""

    DEFAULT_CSS = "Avatar { width: auto; height: auto; }"

    def __init__(self, path: Path | None, cols: int, rows: int, *, mode: GraphicsMode, **kwargs: object) -> None:
        super().__init__("", **kwargs)  # type: ignore[arg-type]
        self.cols, self.rows, self.mode = cols, rows, mode
        self.path: Path | None = None
        self.show_card(path)

    def show_card(self, path: Path | None) -> None:
        """Draw the card's avatar; the image is decoded in a thread (a big PNG takes a moment)."""
        self.path = path
        if self.mode == "off" or path is None:
            self.update(Content(""))
            self.display = False
            return
        self.display = True
        if self.is_mounted:
            self._draw(path)

    def on_mount(self) -> None:
        if self.display and self.path is not None:
            self._draw(self.path)

    @work(thread=True, exclusive=True, group="avatar")
    def _draw(self, path: Path) -> None:
        content = cells_content(card_avatar(path, self.cols, self.rows))
        if self.path == path:  # still the card asked for
            self.app.call_from_thread(self.update, content)
