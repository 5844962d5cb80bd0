"""The scrolling chat: message views plus notices, with a bounded number of mounted widgets."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tavo_tui.model import Message
from tavo_tui.ui.chat.message_view import MessageView, message_kind
from tavo_tui.ui.keys.registry import CHAT_LOG, bindings_for

# Mounted widgets, not text length, make streaming slow (tui.md §0.3), so only the tail is mounted.
MAX_MOUNTED = 30
# Older messages are mounted a page at a time: at the top of the log (scrolling, k, g) or for a search hit.
PAGE = 30
# A streaming reply re-arranges the log on every frame, at a cost that grows with the mounted messages: a new
# reply keeps only the newest ones that fill the log this many times over (and at least MIN_KEPT).
REPLY_SCREENS = 1.5
MIN_KEPT = 4


class Notice(Static):
    """A line in the chat that is not a message: an error with advice, or an informational note."""

    DEFAULT_CSS = """
    Notice {
        height: auto;
        margin: 0 1 1 1;
        padding: 0 1;
        border-left: thick $chat-notice;
        color: $text;
    }
    Notice.-info { border-left: thick $primary 50%; color: $text-muted; }
    """

    def __init__(self, content: Content, *, error: bool = True) -> None:
        super().__init__(content, classes="" if error else "-info")
        self.is_error = error


class ChatLog(VerticalScroll):
    """Shows the chat's messages; stays pinned to the bottom while a reply grows."""

    DEFAULT_CSS = """
    ChatLog { height: 1fr; padding: 1 0 0 0; }
    ChatLog > .older { color: $text-muted; margin: 0 1 1 1; height: auto; }
    ChatLog > .placeholder { color: $text-muted; margin: 1 2; height: auto; }
    ChatLog > MessageView.-hidden { text-opacity: 55%; }
    ChatLog > MessageView.-selected { background: $primary 12%; }
    ChatLog:focus > MessageView.-selected { background: $primary 22%; }
    """

    HELP_TITLE = "chat log"
    # j/k/g/G (screen bindings) move the message cursor; these act on the message under it (key registry).
    BINDINGS: ClassVar[list[BindingType]] = bindings_for(CHAT_LOG)

    can_focus = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._hidden = 0  # messages of this chat that are not mounted (older than the tail)
        self._source: Sequence[Message] = ()  # the chat's messages; the mounted views are its last ones
        self._loading = False
        self._reply: MessageView | None = None  # the last reply block add_reply made

    async def show_placeholder(self, text: Content) -> None:
        await self.remove_children()
        self._hidden = 0
        self._source = ()
        await self.mount(Static(text, classes="placeholder"))

    def _older_label(self) -> Content:
        return Content(f"… {self._hidden} earlier messages not shown")

    async def set_messages(self, messages: Sequence[Message]) -> None:
        """Replace everything with the given messages (only the last MAX_MOUNTED are mounted)."""
        await self.remove_children()
        self._source = messages
        self._hidden = max(0, len(messages) - MAX_MOUNTED)
        widgets: list[Static | MessageView] = []
        if self._hidden:
            widgets.append(Static(self._older_label(), classes="older"))
        # A slice: a chat read lazily from its file parses only the messages it shows.
        widgets.extend(message_view(m) for m in messages[self._hidden :])
        with self.app.batch_update():
            await self.mount_all(widgets)
        self.anchor()
        self.scroll_end(animate=False)

    async def add_message(self, message: Message) -> MessageView:
        view = message_view(message)
        await self._append(view)
        return view

    async def add_reply(self, speaker: str) -> MessageView:
        """Mount an empty reply that `MessageView.add_delta` will stream into."""
        view = MessageView(speaker, "", is_user=False)
        self._reply = view  # known before it is mounted: a stop landing during the mount can still remove it
        await self._append(view, keep=self._filling(REPLY_SCREENS) + 1)
        view.begin_stream()
        return view

    async def drop_empty_reply(self) -> bool:
        """Remove the last reply block if no text reached it (the chat holds no such message); True if it did."""
        view, self._reply = self._reply, None
        if view is None or view.text.strip() or view not in self.children:
            return False
        await view.remove()
        return True

    async def add_notice(self, content: Content, *, error: bool = True) -> Notice:
        notice = Notice(content, error=error)
        await self._append(notice)
        return notice

    def _filling(self, screens: float) -> int:
        """How many of the newest mounted messages it takes to fill the log `screens` times over."""
        need = self.size.height * screens
        views = self.message_views()
        total = 0
        for count, view in enumerate(reversed(views), 1):
            margin = view.styles.margin
            total += view.outer_size.height + margin.top + margin.bottom
            if total >= need:
                return max(count, MIN_KEPT)
        return len(views)

    async def _append(self, widget: Static | MessageView, keep: int = MAX_MOUNTED) -> None:
        await self.query(".placeholder").remove()
        await self.mount(widget)
        views = list(self.query_children(MessageView))
        keep = min(keep, MAX_MOUNTED)
        if len(views) > keep:  # back to the tail, also after older pages were loaded
            extra = views[: len(views) - keep]
            await self.remove_children(extra)
            self._hidden += len(extra)
        await self._show_older_label()
        self.anchor()
        self.scroll_end(animate=False)

    async def _show_older_label(self) -> None:
        older = self.query_children(".older")
        if not self._hidden:
            await older.remove()
        elif older:
            older.first(Static).update(self._older_label())
        else:
            await self.mount(Static(self._older_label(), classes="older"), before=0)

    @property
    def hidden_count(self) -> int:
        """Messages older than the mounted ones."""
        return self._hidden

    async def load_older(self, count: int = PAGE) -> int:
        """Mount up to `count` older messages above the others, keeping what is on screen in place."""
        count = min(count, self._hidden, max(0, len(self._source) - len(self.message_views())))
        if count <= 0 or self._loading:
            return 0
        self._loading = True
        try:
            start = self._hidden - count
            widgets = [message_view(m) for m in self._source[start : self._hidden]]
            first = next(iter(self.query_children(MessageView)), None)
            self.release_anchor()
            before_height, before_y = self.virtual_size.height, self.scroll_y
            with self.app.batch_update():
                if first is not None:
                    await self.mount_all(widgets, before=first)
                else:
                    await self.mount_all(widgets)
                self._hidden = start
                await self._show_older_label()
            # The new messages push the old ones down: follow them, so the screen does not jump.
            self.call_after_refresh(lambda: self.scroll_to(
                y=before_y + self.virtual_size.height - before_height, animate=False))
            return count
        finally:
            self._loading = False

    async def reveal(self, index: int) -> MessageView | None:
        """The view of message `index` of the chat, mounting the older ones down to it; None if out of range."""
        if not 0 <= index < len(self._source):
            return None
        if index < self._hidden:
            await self.load_older(self._hidden - index)
        views = self.message_views()
        position = index - self._hidden
        return views[position] if 0 <= position < len(views) else None

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        # Scrolled to the very top with older messages left: bring in the previous page.
        if new_value <= 0 < old_value and self._hidden and not self._loading:
            self.call_later(self.load_older)

    @property
    def selected(self) -> MessageView | None:
        """The message under the cursor (j/k in the chat log), if any."""
        for view in self.query_children(MessageView):
            if view.has_class("-selected"):
                return view
        return None

    @property
    def selected_index(self) -> int | None:
        """The selected message's index in the whole chat (older, unmounted messages counted)."""
        views = self.message_views()
        selected = self.selected
        return self._hidden + views.index(selected) if selected in views else None

    def move_cursor(self, motion: str) -> MessageView | None:
        """Move the message cursor: down, up, top or bottom. The first move from nowhere starts at the end.

        Up from the first mounted message, or top when already there, mounts the previous page of older ones."""
        views = self.message_views()
        if not views:
            return None
        current = self.selected
        last = len(views) - 1
        index = views.index(current) if current in views else None
        if self._hidden and motion in ("top", "up") and index == 0:
            self.call_later(self._page_up, motion)
            return current
        if motion == "top":
            index = 0
        elif motion == "bottom" or index is None:
            index = last
        elif motion == "down":
            index = min(last, index + 1)
        elif motion == "up":
            index = max(0, index - 1)
        self.select(views[index])
        return views[index]

    async def _page_up(self, motion: str) -> None:
        loaded = await self.load_older()
        views = self.message_views()
        if views:
            self.select(views[0] if motion == "top" else views[max(0, loaded - 1)])

    def select(self, view: MessageView | None) -> None:
        for other in self.query_children(MessageView):
            other.set_class(other is view, "-selected")
        if view is not None:
            self.release_anchor()
            self.scroll_to_widget(view, animate=False, top=view.outer_size.height > self.size.height)

    def action_copy_message(self) -> None:
        """Copy the selected (else the last) message: OSC 52 to the terminal, and the app's own clipboard."""
        views = self.message_views()
        view = self.selected or (views[-1] if views else None)
        if view is None:
            return
        self.app.copy_to_clipboard(view.text)
        self.notify(f"Copied {len(view.text)} characters", markup=False, timeout=2)

    def message_views(self) -> list[MessageView]:
        return list(self.query_children(MessageView))

    def notices(self) -> list[Notice]:
        return list(self.query_children(Notice))


def message_view(message: Message) -> MessageView:
    notes = ["(hidden from the prompt)"] if message.hidden else []
    versions = len(message.swipes or [])
    if versions > 1 and not message.is_user:  # which swipe is shown, e.g. "‹ 2/3 ›"
        notes.append(f"‹ {(message.swipe_id or 0) + 1}/{versions} ›")
    speaker = message.name or ("You" if message.is_user else "?")
    kind = message_kind(message.is_user, message.is_system, message.extra)
    view = MessageView(speaker, message.mes, is_user=message.is_user, note="  ".join(notes), kind=kind)
    view.set_class(message.hidden, "-hidden")
    return view

