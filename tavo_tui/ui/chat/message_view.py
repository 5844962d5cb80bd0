"""One chat message: a name line and a body that can be streamed into.

The body is Markdown up to about HEAD_LIMIT characters and light text chunks after that (see
roleplay_text.py): Markdown makes a widget per block and every re-layout visits them all, so an
unbounded Markdown body makes a long or fast reply slower with every token.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Literal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Static

from tavo_tui.ui.chat.light_text import LightText
from tavo_tui.ui.chat.roleplay_text import split_head
from tavo_tui.ui.shared.safe_text import one_line, plain_line, sanitize

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from textual.widgets import Markdown
    from textual.widgets.markdown import MarkdownStream

# Flushing ~15 times a second keeps the UI responsive (tui.md §3.1: per-token writes cost more).
FLUSH_INTERVAL = 1 / 15
# A stream this fast (chars per flush, ~1,500 tokens/s) is a blur anyway: 8 frames a second leave the
# event loop free for keys between the chat's re-layouts.
FAST_CHARS = 400
FAST_FLUSH_INTERVAL = 1 / 8
# Faster still (~5,000 tokens/s: the log scrolls a screenful in a fraction of a second), 4 frames a second:
# each re-lays out and redraws the whole log, and the time between them is the typist's.
BLUR_CHARS = 2_000
BLUR_FLUSH_INTERVAL = 1 / 4
LAST_FRAME_WAIT = 0.25  # at most this long for the frame that shows a reply's last tokens
# A key pressed this recently gets its frame first: a flush now would make that frame a costly re-layout.
INPUT_GRACE = 0.05
MAX_DEFER = 0.25  # but a typist never holds the reply back longer than this
QUIET_FLUSH = 0.02  # a pause this long in the stream flushes what is pending
# A network read can hold thousands of tokens, all handled without a pause: give the event loop (a key, its
# frame) a turn at least this often while they are queued.
YIELD_EVERY = 0.001
# Markdown for the first paragraphs (typical replies entirely), light chunks after.
HEAD_LIMIT = 6_000


Kind = Literal["user", "character", "narrator", "system"]
# Names SillyTavern gives its own speakers (and "?", the log's name for no name): the label says it all, so
# they are not repeated next to it.
SYSTEM_NAMES = frozenset({"", "?", "system", "sillytavern system"})


def message_kind(is_user: bool, is_system: bool, extra: dict[str, object] | None) -> Kind:
    """Who speaks, as SillyTavern tells: `extra.type` "narrator" (alt+n, /sys) is narration; any other
    `extra.type` on a message flagged `is_system` is one of its own notes (/comment, help). A user or
    character message flagged `is_system` is only hidden from the prompt, and keeps its speaker."""
    kind = (extra or {}).get("type")
    if is_user or not kind:
        return "user" if is_user else "character"
    if kind == "narrator":
        return "narrator"
    return "system" if is_system else "character"


def speaker_label(kind: Kind, name: str) -> Content:
    """The name line: a badge of initials for people; narration and system notes say what they are instead
    (a badge there would read as the character's)."""
    if kind in ("user", "character"):
        return Content.assemble((f" {initials(name)} ", "reverse"), " ", plain_line(name))
    label = Content.styled("Narrator" if kind == "narrator" else "System", "italic")
    if one_line(name).strip().lower() in SYSTEM_NAMES:
        return label
    return Content.assemble(label, " · ", plain_line(name))


def initials(name: str) -> str:
    """A one- or two-letter badge for a speaker: "Maren Holloway" -> "MH", "李白" -> "李", "" -> "?"."""
    words = [w for w in one_line(name).split() if w[0].isalnum()]
    if not words:
        return "?"
    if len(words) == 1 or not words[0][0].isascii():
        return words[0][0].upper()
    return (words[0][0] + words[1][0]).upper()


def needs_full_render(text: str) -> bool:
    """Streamed appends can leave block state wrong around code fences (oterm #308): re-render those."""
    return "```" in text or "~~~" in text


_parser: MarkdownIt | None = None


def literal_html_parser() -> MarkdownIt:
    """Markdown as SillyTavern shows a message: raw HTML kept literal (`<START>` or `<div>` stay visible text
    instead of vanishing), and every single line break a line break, not a space.

    One parser for every message: Textual asks for one per streamed append, and building it costs ~0.6 ms.
    Parsing keeps its state in a per-call object, so sharing it (also with the update's worker thread) is safe.
    """
    global _parser
    if _parser is None:
        from markdown_it import MarkdownIt

        _parser = MarkdownIt("gfm-like", {"html": False, "breaks": True})
        _parser.core.ruler.push("hard_line_breaks", _hard_line_breaks)
        _parser.core.ruler.push("visible_entities", _visible_entities)
    return _parser


def _visible_entities(state: StateCore) -> None:
    """Show control characters that Markdown itself decoded: the text was sanitised before parsing, but a
    character reference (`&#x202e;`, `&#12;`, `&#133;` is not decoded, `&#x2028;` is) becomes the character,
    which would then reach the terminal raw (a probe found a bidi override from `&#x202e;` in a reply)."""
    from tavo_tui.session.visible import visible

    stack = [token for token in state.tokens if token.children]
    while stack:
        for child in stack.pop().children or ():
            if child.content and child.type in ("text", "text_special", "code_inline"):
                child.content = visible(child.content)
            if child.children:
                stack.append(child)


def _hard_line_breaks(state: StateCore) -> None:
    """Soft breaks become hard ones (markdown-it's `breaks` option only changes its HTML renderer, and Textual
    draws a soft break as a space): roleplay text is written line by line, and SillyTavern keeps the lines."""
    for token in state.tokens:
        if token.type == "inline" and token.children:
            for child in token.children:
                if child.type == "softbreak":
                    child.type, child.tag = "hardbreak", "br"


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
    /* Narration and system notes read apart from the speakers, as SillyTavern's system messages do. */
    MessageView.-narrator, MessageView.-system { border-left: thick $foreground 15%; }
    MessageView.-narrator > .msg-name, MessageView.-system > .msg-name { color: $text-muted; }
    MessageView.-narrator > .msg-body, MessageView.-narrator > LightText,
    MessageView.-system > .msg-body, MessageView.-system > LightText { color: $text-muted; text-style: italic; }
    MessageView > Markdown { margin: 0; padding: 0; background: transparent; }
    MessageView > .msg-reasoning { color: $text-muted; text-style: italic; height: auto; max-height: 8; }
    MessageView > .msg-note { color: $text-warning; height: auto; }
    """

    def __init__(self, name: str, text: str, *, is_user: bool, note: str = "", kind: Kind | None = None) -> None:
        self.kind: Kind = kind or ("user" if is_user else "character")
        super().__init__(classes=f"-{self.kind}")
        self.speaker = name
        self.is_user = is_user
        self._text = text
        self._note = note
        self._reasoning: list[str] = []
        self._pieces: list[str] = []  # the raw streamed text
        self._head = ""  # what the Markdown part holds (or will, once flushed)
        self._pending: list[str] = []
        self._last_flush = 0.0
        self._interval = FLUSH_INTERVAL
        self._last_reasoning = 0.0
        self._streaming = False
        self._stream: MarkdownStream | None = None  # None once the reply has outgrown its Markdown head
        self._last_delta = 0.0
        self._trailing: Timer | None = None
        self._last_yield = 0.0

    def compose(self) -> ComposeResult:
        yield Static(speaker_label(self.kind, self.speaker), classes="msg-name")
        reasoning = Static("", classes="msg-reasoning")
        reasoning.display = False
        yield reasoning
        # Imported here: Markdown (and markdown-it) cost ~50 ms of start-up, and the first frame may
        # have no chat in it.
        from tavo_tui.ui.chat.roleplay_markdown import RoleplayMarkdown

        head, rest = split_head(sanitize(self._text), HEAD_LIMIT)
        yield RoleplayMarkdown(head, open_links=False, parser_factory=literal_html_parser, classes="msg-body")
        yield LightText(rest)
        note = Static(Content(self._note), classes="msg-note")
        note.display = bool(self._note)
        yield note

    @property
    def text(self) -> str:
        """The text shown so far (sanitised)."""
        return sanitize("".join(self._pieces)) if self._streaming else sanitize(self._text)

    @property
    def streaming(self) -> bool:
        return self._streaming

    @property
    def body(self) -> Markdown:
        """The Markdown part of the body (all of it for messages under HEAD_LIMIT characters)."""
        from textual.widgets import Markdown

        return self.query_one(".msg-body", Markdown)

    @property
    def tail(self) -> LightText:
        """The light-text part of the body (empty for messages under HEAD_LIMIT characters)."""
        return self.query_one(LightText)

    def begin_stream(self) -> None:
        self._pieces = []
        self._head = ""
        self._pending = []
        self._last_flush = time.monotonic()
        self._streaming = True
        body = self.body
        self._stream = type(body).get_stream(body)

    async def add_delta(self, text: str) -> None:
        """Queue reply text; written to the screen at most ~15 times a second."""
        if not self._streaming:
            self.begin_stream()
        self._pieces.append(text)
        # Each piece is sanitised on its own; a sequence split across pieces leaves only inert
        # printable residue, which the full re-render in `finish` cleans up.
        self._pending.append(sanitize(text))
        now = time.monotonic()
        self._last_delta = now
        if now - self._last_flush >= self._interval and not self._input_first(now):
            await self._flush(now)
        elif self._trailing is None:
            # When the stream pauses or ends, what is pending shows within QUIET_FLUSH, not a whole interval.
            self._trailing = self.set_timer(QUIET_FLUSH, self._flush_if_quiet)
        if now - self._last_yield >= YIELD_EVERY:
            await asyncio.sleep(0)
            self._last_yield = time.monotonic()

    async def _flush_if_quiet(self) -> None:
        self._trailing = None
        if not self._pending or not self._streaming:
            return
        now = time.monotonic()
        due = now - self._last_delta >= QUIET_FLUSH * 0.8 or now - self._last_flush >= self._interval
        if due and not self._input_first(now):
            await self._flush(now)
        else:
            self._trailing = self.set_timer(QUIET_FLUSH, self._flush_if_quiet)

    def _input_first(self, now: float) -> bool:
        """Whether to hold this flush back for a key the user just pressed (see INPUT_GRACE)."""
        last_input = getattr(self.app, "last_input", 0.0)
        return now - last_input < INPUT_GRACE and now - self._last_flush < MAX_DEFER

    async def _flush(self, now: float) -> bool:
        """Write what is pending to the screen; False if there was nothing."""
        self._last_flush = now
        if not self._pending:
            return False
        chunk = "".join(self._pending)
        self._pending.clear()
        self._interval = (BLUR_FLUSH_INTERVAL if len(chunk) > BLUR_CHARS
                          else FAST_FLUSH_INTERVAL if len(chunk) > FAST_CHARS else FLUSH_INTERVAL)
        if self._stream is None:
            self.tail.append(chunk)
            return True
        head, rest = split_head(self._head + chunk, HEAD_LIMIT)
        if rest:  # the reply has outgrown its Markdown head: the rest goes to light chunks from now on
            await self._stream.write(head[len(self._head) :])
            await self._stop_markdown(head)
            self.tail.append(rest)
        else:
            self._head = head
            await self._stream.write(chunk)
        return True

    async def _next_frame(self) -> None:
        """Wait (briefly) until the screen has been refreshed."""
        painted: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def mark_painted() -> None:
            if not painted.done():
                painted.set_result(None)

        self.call_after_refresh(mark_painted)
        try:
            await asyncio.wait_for(painted, LAST_FRAME_WAIT)
        except TimeoutError:
            pass

    async def _stop_markdown(self, head: str) -> None:
        stream, self._stream = self._stream, None
        self._head = head
        if stream is not None:
            # Let the stream's task start first: stopping one that never ran raises CancelledError.
            await asyncio.sleep(0)
            await stream.stop()
        if needs_full_render(head):
            await self.body.update(head)

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

    async def show_pending(self) -> None:
        """No more text is coming (the server finished): show what is pending now, in a frame of its own,
        before the reply is saved and everything its end changes (footer, status bar, note) is drawn."""
        if self._streaming and await self._flush(time.monotonic()):
            await self._next_frame()

    async def finish(self, text: str | None = None, note: str = "") -> None:
        """End streaming: show the last tokens at once, then make the body match the final text.

        A re-render only happens when it can change something: a final text that differs from what was
        streamed, escape residue, or code fences in the Markdown part (whose block state appends can
        leave wrong).
        """
        streamed = "".join(self._pieces)
        final = streamed if text is None else text
        if final == streamed:
            await self.show_pending()
        shown = self._head + self.tail.text  # what reached the screen: sanitised piece by piece
        self._pending.clear()
        self._streaming = False
        self._text = final
        if self._stream is not None:
            await self._stop_markdown(self._head)
        if shown != sanitize(final):
            await self.set_body(final)
        if self._reasoning:
            self._show_reasoning()
        self.set_note(note)

    async def set_body(self, text: str) -> None:
        """Show `text` from scratch: Markdown head, light tail."""
        head, rest = split_head(sanitize(text), HEAD_LIMIT)
        self._head = head
        await self.body.update(head)
        self.tail.set_text(rest)

    def set_note(self, note: str) -> None:
        self._note = note
        widget = self.query_one(".msg-note", Static)
        widget.update(Content(note))
        widget.display = bool(note)
