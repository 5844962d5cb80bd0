"""The long part of a message body: a few text chunks with light roleplay formatting.

Streaming appends only ever redraw the last chunk; finished chunks keep their cached render, so the cost of
a flush does not grow with the reply.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from tavo_tui.ui.widgets.roleplay_text import Chunk, fence_state_after, roleplay_content, split_chunks

CHUNK_SIZE = 2_000  # characters per chunk: small enough to restyle per flush, few enough to lay out


class LightText(Vertical):
    """Text shown as `Static` chunks cut at paragraph breaks; hidden while empty."""

    DEFAULT_CSS = """
    LightText { height: auto; }
    LightText > Static { height: auto; }
    """

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self._chunks = split_chunks(text, CHUNK_SIZE) if text else []
        self.display = bool(text)

    def compose(self) -> ComposeResult:
        for chunk in self._chunks:
            yield Static(roleplay_content(chunk.text, chunk.in_fence))

    @property
    def text(self) -> str:
        return "".join(chunk.text for chunk in self._chunks)

    def set_text(self, text: str) -> None:
        """Replace everything (a finished message whose final text differs from what streamed)."""
        self._chunks = split_chunks(text, CHUNK_SIZE) if text else []
        self.remove_children()
        self.mount_all([Static(roleplay_content(c.text, c.in_fence)) for c in self._chunks])
        self.display = bool(text)

    def append(self, text: str) -> None:
        """Add streamed text: the open (last) chunk grows, and splits once it passes CHUNK_SIZE."""
        if not text:
            return
        if not self._chunks:
            self._chunks = [Chunk("")]
            self.mount(Static(""))
            self.display = True
        last = self._chunks[-1]
        pieces = split_chunks(last.text + text, CHUNK_SIZE, last.in_fence)
        statics = list(self.query_children(Static))
        statics[-1].update(roleplay_content(pieces[0].text, pieces[0].in_fence))
        self._chunks[-1] = pieces[0]
        for piece in pieces[1:]:
            self._chunks.append(piece)
            self.mount(Static(roleplay_content(piece.text, piece.in_fence)))

    def ends_in_fence(self) -> bool:
        """Whether the text so far ends inside fenced code (a test and debugging aid)."""
        last = self._chunks[-1] if self._chunks else Chunk("")
        return fence_state_after(last.text, last.in_fence)
