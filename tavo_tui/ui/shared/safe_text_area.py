"""A TextArea that never writes a control character from its text to the terminal.

Editors hold untrusted text the user may change (a card field, a model reply, an impersonation): the text
itself must stay exactly as it is, so the stand-ins are applied only where lines are drawn. TextArea measures
control characters as zero cells wide; each is drawn as one cell, so the rest of such a line shifts by one
cell per control, and the line is cut at the widget's width.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import TextArea

from tavo_tui.session.visible import one_cell


class SafeTextArea(TextArea):
    """Every editor and read-only text view in the UI uses this instead of TextArea (a test checks)."""

    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        texts = [one_cell(segment.text) for segment in segments]
        if all(text is segment.text or text == segment.text for text, segment in zip(texts, segments, strict=True)):
            return strip  # the usual case: nothing to replace, the strip (and its cache) is kept
        shown = Strip([Segment(text, s.style, s.control) for text, s in zip(texts, segments, strict=True)])
        return shown.crop(0, max(strip.cell_length, self.size.width))
