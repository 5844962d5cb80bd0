"""The long part of a message body: light roleplay formatting, drawn line by line from a cache.

One widget however long the text: a layout visits every mounted widget, so one widget per chunk made each
frame of a 100 KB reply cost ~45 ms. The text is kept as chunks cut at paragraph breaks; each chunk is
wrapped once per width and its lines are cached, and a streamed append re-wraps only the last chunk.
Wrapping only splits the styled text into lines (a quarter of the cost of drawing them): a line becomes
strips when it is first drawn, so a streamed append pays for the rows on screen, not for all it added.
"""

from __future__ import annotations

from bisect import bisect_right

from textual.content import Content
from textual.geometry import Size
from textual.strip import Strip
from textual.visual import Visual
from textual.widget import Widget

from tavo_tui.ui.chat.roleplay_text import Chunk, roleplay_content, split_chunks

CHUNK_SIZE = 1_000  # characters re-wrapped per streamed update at most (plus what arrived since)
DRAWN_KEPT = 2_000  # drawn lines kept for redraws (a few screens); beyond that the cache starts again


class LightText(Widget):
    """Text shown with light roleplay formatting; hidden while empty."""

    DEFAULT_CSS = """
    LightText { height: auto; }
    """

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._chunks: list[Chunk] = split_chunks(text, CHUNK_SIZE) if text else []
        self._width = -1
        self._lines: list[list[Content] | None] = []  # per chunk, wrapped for `_width`
        self._starts: list[int] = []  # first line of each chunk
        self._drawn: dict[tuple[int, int], Strip] = {}  # (chunk, line in it) -> strip, for `_width`
        self.display = bool(text)

    @property
    def text(self) -> str:
        return "".join(chunk.text for chunk in self._chunks)

    @property
    def chunk_count(self) -> int:
        return len(self._chunks)

    def set_text(self, text: str) -> None:
        """Replace everything (a finished message whose final text differs from what streamed)."""
        self._chunks = split_chunks(text, CHUNK_SIZE) if text else []
        self._forget_lines()
        self.display = bool(text)
        self.refresh(layout=True)

    def append(self, text: str) -> None:
        """Add streamed text: the last chunk grows, and splits once it passes CHUNK_SIZE."""
        if not text:
            return
        if not self._chunks:
            self._chunks = [Chunk("")]
            self.display = True
        height = self._height() if self._width >= 0 else -1
        last = self._chunks.pop()
        del self._lines[len(self._chunks) :]  # the cached lines of the chunk that grew, and of nothing earlier
        grown = len(self._chunks)
        for key in [key for key in self._drawn if key[0] >= grown]:
            del self._drawn[key]
        self._chunks.extend(split_chunks(last.text + text, CHUNK_SIZE, last.in_fence))
        # A re-layout re-arranges the whole screen: only ask for one when the text gained a line.
        self.refresh(layout=height < 0 or self._height() != height)

    # ---- drawing ---------------------------------------------------------------------------------------
    def _wrap(self, chunk: Chunk, width: int) -> list[Content]:
        # A chunk cut after a paragraph break ends in "\n\n": one newline is the break, the other would
        # add a second blank line where the next chunk starts.
        text = chunk.text[:-1] if chunk.text.endswith("\n") else chunk.text
        return roleplay_content(text, chunk.in_fence).wrap(width)

    def _draw(self, index: int, offset: int, line: Content, width: int) -> Strip:
        strip = self._drawn.get((index, offset))
        if strip is None:
            if len(self._drawn) >= DRAWN_KEPT:
                self._drawn.clear()
            strips = Visual.to_strips(self, line, width, 1, self.visual_style)
            strip = strips[0] if strips else Strip.blank(0)
            strip = self._drawn[index, offset] = strip.extend_cell_length(width, self.rich_style).crop(0, width)
        return strip

    def _layout_lines(self, width: int) -> None:
        """Wrap whatever is not cached for `width` and find where the new chunks start.

        Called for every drawn line, so it only works on chunks whose lines are not cached (an append
        drops just the last chunk's)."""
        if width != self._width:
            self._width = width
            self._lines = []
            self._starts = []
            self._drawn.clear()
        if len(self._starts) == len(self._chunks) == len(self._lines):
            return
        del self._starts[len(self._lines) :]  # a start is good while every chunk before it is
        self._lines.extend([None] * (len(self._chunks) - len(self._lines)))
        line = 0
        if self._starts:
            previous = self._lines[len(self._starts) - 1]
            line = self._starts[-1] + (len(previous) if previous else 0)
        for index in range(len(self._starts), len(self._chunks)):
            lines = self._lines[index]
            if lines is None:
                lines = self._lines[index] = self._wrap(self._chunks[index], width)
            self._starts.append(line)
            line += len(lines)

    def _height(self) -> int:
        """Lines at the current width (wrapping what is not cached)."""
        if not self._chunks:
            return 0
        self._layout_lines(self._width)
        last = self._lines[-1]
        return self._starts[-1] + (len(last) if last else 0)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if width != self._width:
            self._layout_lines(width)
        return self._height()

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        if not self._chunks or width <= 0:
            return Strip.blank(max(width, 0))
        self._layout_lines(width)
        index = bisect_right(self._starts, y) - 1
        lines = self._lines[index] if index >= 0 else None
        offset = y - self._starts[index] if index >= 0 else 0
        if not lines or offset >= len(lines):
            return Strip.blank(width, self.rich_style)
        return self._draw(index, offset, lines[offset], width)

    def notify_style_update(self) -> None:
        # A theme change restyles the text: drop the cached lines.
        super().notify_style_update()
        self._forget_lines()

    def _forget_lines(self) -> None:
        self._width = -1
        self._lines = []
        self._starts = []
        self._drawn.clear()
