"""A one-line Input that never writes a control character from its value to the terminal.

Inputs are prefilled with untrusted text (a card's name in the card editor, a chat title to rename, a
connection or persona name): Textual's Input draws its value as it is, so a NUL or an `ESC ]52` in a card name
reached the terminal raw (a probe of the card editor found it). As in SafeTextArea, the value itself stays
exact; only the drawn line shows each control as a one-cell stand-in (␛, ␀, U+FFFD), so the cursor columns
still line up.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Input

from tavo_tui.session.visible import one_cell


class SafeInput(Input):
    """Every Input in the UI uses this instead of Input (a test checks)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        texts = [one_cell(segment.text) for segment in segments]
        if all(text == segment.text for text, segment in zip(texts, segments, strict=True)):
            return strip
        return Strip([Segment(text, s.style, s.control) for text, s in zip(texts, segments, strict=True)],
                     strip.cell_length)
