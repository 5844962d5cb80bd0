"""The chats of the current character as a tree (checkpoints and branches indented under the chat they came
from), most recent first, with the last message; open, new, rename, delete, branch. Rename and delete happen
here (through the session layer); opening is left to the main screen."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.session.chat_tree import ChatNode, chat_tree
from tavo_tui.session.chats import ChatSummary
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ConfirmDialog, TextPrompt
from tavo_tui.ui.shared.safe_text import one_line, plain_line

if TYPE_CHECKING:
    from tavo_tui.session import AppContext, ChatSession

PREVIEW = 100
MAX_INDENT = 6  # deeper checkpoints line up at this depth, so a long chain still fits at 80 columns
# ("open", id) | ("new", None) | ("branch", id) | ("reopen", None) | ("restored", id): the open chat changed
ChatsResult = tuple[str, str | None]


def count_of(n: int, noun: str) -> str:
    """`1 message`, `2 messages`."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class ChatsScreen(KeyModal[ChatsResult | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="chats-close"),
        Binding("n", "new", "New chat", id="chats-new"),
        Binding("r", "rename", "Rename", id="chats-rename"),
        Binding("delete,d", "delete", "Delete", id="chats-delete"),
        Binding("b", "branch", "Branch", id="chats-branch"),
        Binding("u", "backups", "Backups", id="chats-backups"),
        Binding("p", "parent", "Parent", id="chats-parent"),
    ]

    DEFAULT_CSS = """
    ChatsScreen { align: center middle; }
    ChatsScreen > Vertical { width: 90%; max-width: 110; height: 80%; border: round $primary; background: $surface; }
    ChatsScreen #chats-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    ChatsScreen OptionList { height: 1fr; border: none; }
    ChatsScreen .empty { color: $text-muted; padding: 1; height: auto; }
    """

    def __init__(self, ctx: AppContext, card_path: Path, card_name: str, session: ChatSession | None) -> None:
        super().__init__()
        self.ctx = ctx
        self.card_path = card_path
        self.card_name = card_name
        self.session = session
        self.summaries: list[ChatSummary] = []  # in tree order, parallel to `nodes` and the option list
        self.nodes: list[ChatNode] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.assemble("Chats with ", plain_line(self.card_name, "bold"),
                                          ("   enter: open", "dim")), id="chats-title")
            yield OptionList(id="chat-list")
            empty = Static(Content("No saved chat yet. n starts one."), classes="empty")
            empty.display = False
            yield empty
            yield Footer(compact=True)

    @property
    def current_id(self) -> str | None:
        ref = self.session.ref if self.session is not None else None
        return ref.id if ref is not None else None

    def on_mount(self) -> None:
        self.refresh_list()
        self.query_one(OptionList).focus()

    def refresh_list(self, select: str | None = None) -> None:
        try:
            self.nodes = chat_tree(self.ctx.chat_summaries(self.card_path))
        except Exception as exc:
            self.notify(f"Cannot list the chats: {exc}", markup=False, severity="error")
            self.nodes = []
        self.summaries = [node.summary for node in self.nodes]
        options = self.query_one(OptionList)
        options.set_options(Option(self._prompt(n), id=f"chat-{i}") for i, n in enumerate(self.nodes))
        self.query_one(".empty").display = not self.summaries
        ids = [s.id for s in self.summaries]
        want = select or self.current_id
        if want in ids:
            options.highlighted = ids.index(want)

    def _prompt(self, node: ChatNode) -> Content:
        summary = node.summary
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(summary.mtime))
        marker = "● " if summary.id == self.current_id else "  "
        indent = "  " * min(node.depth, MAX_INDENT)
        branch = ("└ ", "dim") if node.depth else ""
        orphan = (f"   ⤴ {one_line(summary.main_chat)} (gone)", "dim italic") if node.orphan else ""
        last = one_line(summary.last_preview)
        last = last if len(last) <= PREVIEW else last[: PREVIEW - 1] + "…"
        return Content.assemble(
            marker, indent, branch, plain_line(summary.title, "bold"),
            (f"   {count_of(summary.message_count, 'message')} · {when}", "dim"), orphan,
            "\n  ", indent, "  " if node.depth else "", plain_line(summary.last_name, "italic"),
            ": " if summary.last_name else "", last,
        )

    @property
    def highlighted(self) -> ChatSummary | None:
        index = self.query_one(OptionList).highlighted
        return self.summaries[index] if index is not None and 0 <= index < len(self.summaries) else None

    @on(OptionList.OptionSelected)
    def _open(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(("open", self.summaries[event.option_index].id))

    def action_new(self) -> None:
        self.dismiss(("new", None))

    def action_branch(self) -> None:
        chosen = self.highlighted
        if chosen is not None:
            self.dismiss(("branch", chosen.id))

    def action_close(self) -> None:
        self.dismiss(None)

    @work(exclusive=True, group="chats", exit_on_error=False)
    async def action_rename(self) -> None:
        chosen = self.highlighted
        if chosen is None:
            return
        title = await self.app.push_screen_wait(TextPrompt(Content("Rename chat"), chosen.title))
        if not title or not title.strip() or title.strip() == chosen.title:
            return
        try:
            if chosen.id == self.current_id and self.session is not None:
                self.session.rename(title.strip())
                new_id = self.session.ref.id if self.session.ref else None
            else:
                new_id = self.ctx.rename_chat(chosen.id, title.strip()).id
                if self.session is not None:  # the open chat's links to it (its parent, checkpoints) follow
                    self.session.follow_rename(chosen.title, new_id.partition("/")[2])
        except Exception as exc:
            self.notify(f"Cannot rename: {exc}", markup=False, severity="error")
            return
        self.refresh_list(new_id)

    @work(exclusive=True, group="chats", exit_on_error=False)
    async def action_delete(self) -> None:
        chosen = self.highlighted
        if chosen is None:
            return
        sure = await self.app.push_screen_wait(
            ConfirmDialog(Content.assemble("Delete the chat ", plain_line(chosen.title, "bold"),
                                           f" ({count_of(chosen.message_count, 'message')})? This cannot be undone."))
        )
        if not sure:
            return
        try:
            if chosen.id == self.current_id and self.session is not None:
                self.session.delete_chat()
                self.dismiss(("reopen", None))  # the open chat is gone: show the next one (or a new chat)
                return
            self.ctx.delete_chat(chosen.id)
        except Exception as exc:
            self.notify(f"Cannot delete: {exc}", markup=False, severity="error")
            return
        self.refresh_list()

    def action_parent(self) -> None:
        """Move the highlight to the chat the highlighted checkpoint or branch came from."""
        chosen = self.highlighted
        if chosen is None or not chosen.main_chat:
            self.notify("This chat is not a checkpoint or a branch.", markup=False)
            return
        for index, summary in enumerate(self.summaries):
            if summary.ref.card_key == chosen.ref.card_key and summary.title == chosen.main_chat:
                self.query_one(OptionList).highlighted = index
                return
        self.notify("Its parent chat no longer exists.", markup=False, severity="warning")

    @work(exclusive=True, group="chats", exit_on_error=False)
    async def action_backups(self) -> None:
        """Pick one of the highlighted chat's automatic backups and restore it (after asking)."""
        chosen = self.highlighted
        if chosen is None:
            return
        try:
            backups = self.ctx.chat_backups(chosen.id)
        except Exception as exc:
            self.notify(f"Cannot list the backups: {exc}", markup=False, severity="error")
            return
        if not backups:
            self.notify("No backup of this chat yet (one is made after each change).", markup=False)
            return
        labels = [Content.assemble((f"{b.when:%Y-%m-%d %H:%M:%S}", "bold"), (f"   {b.size} bytes", "dim"))
                  for b in backups]
        pick = await self.app.push_screen_wait(
            ChoiceDialog(Content.assemble("Restore ", plain_line(chosen.title, "bold"), " from which backup?"),
                         labels, 0))
        if pick is None:
            return
        sure = await self.app.push_screen_wait(ConfirmDialog(Content(
            "Replace the chat with this backup? Its current state is backed up first.")))
        if not sure:
            return
        backup = backups[pick].name
        try:
            if chosen.id == self.current_id and self.session is not None:
                kept = self.session.restore_backup(backup)
                self.dismiss(("restored", chosen.id))
            else:
                kept = self.ctx.restore_backup(chosen.id, backup).name
                self.refresh_list(chosen.id)
        except Exception as exc:
            self.notify(f"Cannot restore: {exc}", markup=False, severity="error")
            return
        self.notify(f"Restored. The replaced state is backup {kept}", markup=False, timeout=6)
