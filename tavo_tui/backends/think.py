"""Split inline `<think>...</think>` reasoning out of reply text, even when a tag arrives in pieces.

Local reasoning models (and Perplexity's sonar-reasoning, some Pollinations models) put their thinking in the
content itself. It is shown apart from the reply and never sent back as part of the chat.
"""

from __future__ import annotations

OPEN = "<think>"
CLOSE = "</think>"


def _partial(buf: str, tag: str) -> int:
    """Length of the longest end of `buf` that is a proper prefix of `tag`."""
    for size in range(min(len(tag) - 1, len(buf)), 0, -1):
        if buf.endswith(tag[:size]):
            return size
    return 0


class ThinkSplitter:
    """Feed text pieces; get (visible, reasoning) pairs. `inside=True` starts within a thought (a text
    prompt that itself ended with `<think>`)."""

    def __init__(self, *, inside: bool = False) -> None:
        self.inside = inside
        self._held = ""
        self._strip_next = False  # drop the blank lines a model writes right after </think>

    def feed(self, text: str) -> tuple[str, str]:
        buf = self._held + text
        self._held = ""
        visible: list[str] = []
        reasoning: list[str] = []
        while buf:
            tag = CLOSE if self.inside else OPEN
            at = buf.find(tag)
            if at < 0:
                keep = _partial(buf, tag)
                piece, self._held = buf[: len(buf) - keep], buf[len(buf) - keep :]
                reasoning.append(piece) if self.inside else visible.append(self._visible(piece))
                break
            reasoning.append(buf[:at]) if self.inside else visible.append(self._visible(buf[:at]))
            buf = buf[at + len(tag) :]
            self.inside = not self.inside
            if not self.inside:
                self._strip_next = True
        return "".join(visible), "".join(reasoning)

    def flush(self) -> tuple[str, str]:
        rest, self._held = self._held, ""
        return ("", rest) if self.inside else (self._visible(rest), "")

    def _visible(self, text: str) -> str:
        if self._strip_next and text:
            text = text.lstrip("\r\n")
            if text:
                self._strip_next = False
        return text
