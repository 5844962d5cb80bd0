"""One chat message: a name line and a Markdown body that can be streamed into."""

from __future__ import annotations

import time

from markdown_it import MarkdownIt
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownStream

from tavo_tui.ui.safe_text import one_line, plain_line, sanitize
from tavo_tui.ui.widgets.roleplay_markdown import RoleplayMarkdown

# Flushing the stream ~15 times a second keeps the UI responsive (tui.md §3.1: per-token writes cost more).
# Each flush re-lays-out the growing reply, so long replies flush less often (down to 4 times a second).
FLUSH_INTERVAL = 1 / 15
SLOWEST_FLUSH = 0.25
QUIET_FLUSH = 0.02  # a pause this long in the stream flushes what is pending
CHARS_PER_SECOND_OF_INTERVAL = 40_000


def flush_interval(chars_so_far: int) -> float:
    """Seconds between stream writes for a reply that is `chars_so_far` long."""
    return min(SLOWEST_FLUSH, max(FLUSH_INTERVAL, chars_so_far / CHARS_PER_SECOND_OF_INTERVAL))


def initials(name: str) -> str:
    """A one- or two-letter badge for a speaker: "Maren Holloway" -> "MH", "李白" -> "李", "" -> "?"."""
    words = [w for w in one_line(name).split() if w[0].isalnum()]
    if not words:
        return "?"
    if len(words) == 1 or not words[0][0].isascii():
        return words[0][0].upper()
    return (words[0][0] + words[1][0]).upper()


def needs_full_render(text: str) -> bool:
    """Streamed appends can leave block state wrong around code fences (oterm #308): re-render those replies,
    and those whose sanitising could differ piece by piece (an escape sequence split across chunks)."""
    return "```" in text or "~~~" in text or "\x1b" in text or "\x9b" in text or "\r" in text


def literal_html_parser() -> MarkdownIt:
    """Markdown without raw HTML: tags such as `<START>` or `<div>` stay visible text instead of vanishing."""
    return MarkdownIt("gfm-like", {"html": False})


class MessageView(Vertical):
    """Shows a message; `begin_stream` / `add_delta` / `finish` drive a reply as it arrives."""

    DEFAULT_CSS = """
    MessageView {
        height: auto;
        margin: 0 0 1 0;
        padding: 0 1;
    }
    MessageView > .msg-name { height: 1; text-style: bold; }
    MessageView.-user > .msg-name { color: $chat-user; }
    MessageView.-character > .msg-name { color: $chat-character; }
    MessageView.-user { border-left: thick $chat-user 40%; }
    MessageView.-character { border-left: thick $chat-character 40%; }
    MessageView > Markdown { margin: 0; padding: 0; background: transparent; }
    MessageView > .msg-reasoning { color: $text-muted; text-style: italic; height: auto; max-height: 8; }
    MessageView > .msg-note { color: $text-warning; height: auto; }
    """

    def __init__(self, name: str, text: str, *, is_user: bool, note: str = "") -> None:
        super().__init__(classes="-user" if is_user else "-character")
        self.speaker = name
        self.is_user = is_user
        self._text = text
        self._note = note
        self._reasoning: list[str] = []
        self._pieces: list[str] = []
        self._length = 0
        self._pending: list[str] = []
        self._last_flush = 0.0
        self._last_reasoning = 0.0
        self._stream: MarkdownStream | None = None
        self._last_delta = 0.0
        self._trailing: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content.assemble((f" {initials(self.speaker)} ", "reverse"), " ", plain_line(self.speaker)),
                     classes="msg-name")
        reasoning = Static("", classes="msg-reasoning")
        reasoning.display = False
        yield reasoning
        yield RoleplayMarkdown(sanitize(self._text), open_links=False, parser_factory=literal_html_parser)
        note = Static(Content(self._note), classes="msg-note")
        note.display = bool(self._note)
        yield note

    @property
    def text(self) -> str:
        """The text shown so far (sanitised)."""
        return sanitize("".join(self._pieces)) if self._stream is not None else sanitize(self._text)

    @property
    def streaming(self) -> bool:
        return self._stream is not None

    @property
    def body(self) -> Markdown:
        return self.query_one(Markdown)

    def begin_stream(self) -> None:
        self._pieces = []
        self._length = 0
        self._pending = []
        self._last_flush = time.monotonic()
        self._stream = Markdown.get_stream(self.body)

    async def add_delta(self, text: str) -> None:
        """Queue reply text; written to the Markdown at most ~15 times a second."""
        if self._stream is None:
            self.begin_stream()
        self._pieces.append(text)
        self._length += len(text)
        # Each piece is sanitised on its own; a sequence split across pieces leaves only inert
        # printable residue, which the final full `update` in `finish` cleans up.
        self._pending.append(sanitize(text))
        now = time.monotonic()
        self._last_delta = now
        if now - self._last_flush >= flush_interval(self._length):
            await self._flush(now)
        elif self._trailing is None:
            # When the stream pauses or ends, what is pending shows within QUIET_FLUSH, not a whole interval.
            self._trailing = self.set_timer(QUIET_FLUSH, self._flush_if_quiet)

    async def _flush_if_quiet(self) -> None:
        self._trailing = None
        if not self._pending or self._stream is None:
            return
        now = time.monotonic()
        if now - self._last_delta >= QUIET_FLUSH * 0.8 or now - self._last_flush >= flush_interval(self._length):
            await self._flush(now)
        else:
            self._trailing = self.set_timer(QUIET_FLUSH, self._flush_if_quiet)

    async def _flush(self, now: float) -> None:
        self._last_flush = now
        if self._pending and self._stream is not None:
            chunk = "".join(self._pending)
            self._pending.clear()
            await self._stream.write(chunk)

    def add_reasoning(self, text: str) -> None:
        """Reasoning is plain text, redrawn at most ~15 times a second (and once more in `finish`)."""
        self._reasoning.append(text)
        now = time.monotonic()
        if now - self._last_reasoning >= FLUSH_INTERVAL:
            self._last_reasoning = now
            self._show_reasoning()

    def _show_reasoning(self) -> None:
        widget = self.query_one(".msg-reasoning", Static)
        widget.display = bool(self._reasoning)
        widget.update(Content(sanitize("".join(self._reasoning)).strip()))

    @property
    def reasoning(self) -> str:
        return sanitize("".join(self._reasoning))

    async def finish(self, text: str | None = None, note: str = "") -> None:
        """End streaming: flush, stop the stream, then render the final text once in full.

        The full re-render resets any block state left by partial appends (e.g. half-open code fences).
        """
        streamed = "".join(self._pieces)
        final = streamed if text is None else text
        stream, self._stream = self._stream, None
        if stream is not None:
            # Show the last tokens at once; the full re-render below only runs when it can change something.
            if self._pending and final == streamed:
                await stream.write("".join(self._pending))
            self._pending.clear()
            await stream.stop()
        self._text = final
        if stream is None or final != streamed or needs_full_render(final):
            await self.body.update(sanitize(final))
        if self._reasoning:
            self._show_reasoning()
        self.set_note(note)

    def set_note(self, note: str) -> None:
        self._note = note
        widget = self.query_one(".msg-note", Static)
        widget.update(Content(note))
        widget.display = bool(note)
