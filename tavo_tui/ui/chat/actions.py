"""The main screen's roleplay actions on the open chat: regenerate, swipe, continue, impersonate, edit, delete,
hide, narrator, branch, greeting, plus the chats/personas/notes screens and search.

Mixed into MainScreen. Actions act on the message under the chat log's cursor (j/k there), else on the last
message. All changes go through the ChatSession; afterwards the log is redrawn from the session's messages.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable
from contextlib import aclosing
from typing import TYPE_CHECKING, Any, ClassVar

from textual.binding import BindingType
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker

from tavo_tui.session import Delta, Done, Failed, Notice, Started
from tavo_tui.session.events import ActionError, GenerationEvent
from tavo_tui.ui.chat.reply_presenter import ReplyPresenter, failure_notice
from tavo_tui.ui.keys.registry import CHAT_ACTIONS, bindings_for, keys_label
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ConfirmDialog, MultiChoiceDialog, TextEditDialog, TextPrompt
from tavo_tui.ui.shared.editor import edit_in_editor
from tavo_tui.ui.shared.errors import HINT_ACTIONS
from tavo_tui.ui.shared.safe_text import one_line, plain, plain_line

if TYPE_CHECKING:
    from pathlib import Path

    from tavo_tui.session import AppContext, ChatSession
    from tavo_tui.ui.chat.composer import Composer
    from tavo_tui.ui.chat.log import ChatLog

GENERATING_NOTE = "generating… (esc stops)"
DELETE_WINDOW = 60  # how many recent messages the delete dialog offers
PREVIEW = 90


class ReplyStarted(Message):
    """A generation's request is on its way: `started` carries the one inspection it was built from, for the
    inspector's "last sent" record and the status bar's context figure (nothing assembles the prompt again)."""

    def __init__(self, session: ChatSession, started: Started) -> None:
        super().__init__()
        self.session = session
        self.started = started


def preview(text: str, width: int = PREVIEW) -> str:
    flat = one_line(text)
    return flat if len(flat) <= width else flat[: width - 1] + "…"


class ChatActions(Screen[None]):
    """Needs `ctx`, `session`, `generating`, `_generation`, `chat_log`, `composer` and `open_card` from MainScreen."""

    if TYPE_CHECKING:
        ctx: AppContext
        session: ChatSession | None
        generating: bool
        _generation: Worker[None] | None

        @property
        def chat_log(self) -> ChatLog: ...

        @property
        def composer(self) -> Composer: ...

        async def open_card(self, path: Path, *, new: bool = False, chat_id: str | None = None,
                            greeting_index: int = 0) -> None: ...

        async def _stop_generation(self) -> None: ...

        async def _show_chat(self) -> None: ...

        def _show_status(self, activity: str = "") -> None: ...

        def _stream_figures(self, phase: str, event: object = None) -> None: ...

        def _schedule_inspect(self, delay: float) -> None: ...

    # Generated from the key registry: priority, as in a real terminal alt+x arrives with the character "x",
    # which the composer would type instead. The chat log's single keys are ChatLog's own bindings.
    BINDINGS: ClassVar[list[BindingType]] = bindings_for(CHAT_ACTIONS)

    # ---- helpers -------------------------------------------------------------------------------------------
    def _need_session(self) -> ChatSession | None:
        if self.session is None:
            self.notify("Open a character first (F2 shows the list).", markup=False)
            return None
        return self.session

    def _idle_session(self) -> ChatSession | None:
        session = self._need_session()
        if session is not None and self.generating:
            self.notify("Wait for the reply to finish, or stop it with esc.", markup=False)
            return None
        return session

    def target_index(self) -> int | None:
        """The message under the chat log's cursor, else the last message; None for an empty chat."""
        if self.session is None or not self.session.messages:
            return None
        selected = getattr(self.chat_log, "selected_index", None)
        size = len(self.session.messages)
        return selected if isinstance(selected, int) and 0 <= selected < size else size - 1

    async def redraw(self, select: int | None = None, *, measure: bool = True) -> None:
        """Show the session's messages again (after any change), keeping the cursor on `select`.

        `measure` False keeps the status bar's context figure (after a generation: its Started set it)."""
        session = self.session
        if session is None:
            return
        await self.chat_log.set_messages(session.messages)
        self._show_status()
        show_title: Callable[[], None] | None = getattr(self, "_show_title", None)
        if show_title is not None:
            show_title()  # a rename or a relinked parent shows at once
        update_context: Callable[[], None] | None = getattr(self, "_update_context", None)
        if update_context is not None and measure:
            update_context()
        self._schedule_inspect(0)
        if select is not None:
            # After the new views are laid out: scrolling to a widget with no size yet lands nowhere.
            self.call_after_refresh(self._select, select)

    def _select(self, index: int) -> None:
        log = self.chat_log
        select = getattr(log, "select", None)
        if select is None or self.session is None:
            return
        views = log.message_views()
        first = len(self.session.messages) - len(views)
        if 0 <= index - first < len(views):
            select(views[index - first])

    async def _report(self, notice: Notice | None) -> None:
        if notice is not None:
            await self.chat_log.add_notice(plain(notice.text))

    def _run(self, work: Any) -> None:
        self.run_worker(work, group="chat-actions", exit_on_error=False)

    def keys_for(self, action: str) -> str:
        """The keys bound to this screen's `action` now (the user's keymap applied), as people read them: for
        hints that name a key, so they stay true after a remap."""
        return keys_label(key for key, active in self.active_bindings.items()
                          if active.node is self and active.binding.action == action)

    def hint_keys(self) -> dict[str, str]:
        """The keys in force for the actions that error notices advise (see ui.shared.errors)."""
        return {action: self.keys_for(action) for action in HINT_ACTIONS}

    # ---- streaming actions ---------------------------------------------------------------------------------
    def action_regenerate(self) -> None:
        self._start_stream("regenerate")

    def action_new_swipe(self) -> None:
        self._start_stream("swipe")

    def action_continue_reply(self) -> None:
        self._start_stream("continue")

    def action_impersonate(self) -> None:
        self._start_stream("impersonate")

    async def action_swipe(self, direction: int) -> None:
        session = self._idle_session()
        if session is None or not session.messages:
            return
        try:
            swiped = session.swipe(direction)
        except ActionError as exc:
            self.notify(str(exc), markup=False, severity="warning")
            return
        if swiped:
            await self.redraw(len(session.messages) - 1)
        elif direction > 0 and session.can_swipe():
            self._start_stream("swipe")  # past the last version: write a new one
        else:
            self.notify("Only the character's last reply has other versions.", markup=False)

    def _start_stream(self, action: str) -> None:
        session = self._idle_session()
        if session is None:
            return
        factories: dict[str, Callable[[], AsyncGenerator[GenerationEvent, None]]] = {
            "regenerate": session.regenerate, "swipe": session.new_swipe, "continue": session.continue_last,
            "impersonate": session.impersonate,
        }
        self.generating = True
        self._generation = self.run_worker(self._stream(session, action, factories[action]), group="generate",
                                           exclusive=True, exit_on_error=False)

    async def _stream(self, session: ChatSession, action: str,
                      factory: Callable[[], AsyncGenerator[GenerationEvent, None]]) -> None:
        presenter = ReplyPresenter(self.chat_log, session.card.name, keys=self.hint_keys())
        notes: list[tuple[Content, bool]] = []
        typed: list[str] = []
        self._show_status(GENERATING_NOTE)
        self._stream_figures("start")  # the status bar's live figures, as for a send
        events = factory()
        try:
            async with aclosing(events):
                async for event in events:
                    if isinstance(event, Started):
                        self.post_message(ReplyStarted(session, event))
                    self._stream_figures("event", event)
                    if action == "impersonate":
                        self._impersonated(event, typed)
                        if isinstance(event, (Failed, Notice)):
                            notes.append(self._note_for(event))
                        continue
                    if isinstance(event, Started) and event.index is not None:
                        views = self.chat_log.message_views()
                        if views:
                            await views[-1].remove()  # the reply being replaced or extended streams anew
                        await presenter.handle(event)
                        if event.action == "continue":
                            await presenter.handle(Delta(session.messages[event.index].mes))
                        continue
                    if isinstance(event, (Failed, Notice)):
                        notes.append(self._note_for(event))
                    await presenter.handle(event)
        except asyncio.CancelledError:
            raise
        except ActionError as exc:
            notes.append((plain(str(exc)), False))
        except Exception as exc:  # the session reports failures as events; anything else is still shown
            notes.append((plain(f"{type(exc).__name__}: {exc}"), True))
        finally:
            self.generating = False
            self._stream_figures("end")
            if session is self.session:
                await self.redraw(measure=False)
                for content, error in notes:
                    await self.chat_log.add_notice(content, error=error)

    def _note_for(self, event: Failed | Notice) -> tuple[Content, bool]:
        if isinstance(event, Failed):
            return failure_notice(event, self.hint_keys()), True
        return plain(event.text), False

    def _impersonated(self, event: GenerationEvent, typed: list[str]) -> None:
        """The user's next message is written into the composer as it arrives."""
        if isinstance(event, Delta):
            typed.append(event.text)
            self.composer.load_text("".join(typed).lstrip())
        elif isinstance(event, Done):
            self.composer.load_text(event.message.mes)
            self.composer.focus()

    # ---- instant actions -----------------------------------------------------------------------------------
    def action_edit_message(self) -> None:
        self._run(self._edit_message(external=False))

    def action_edit_message_external(self) -> None:
        self._run(self._edit_message(external=True))

    async def _edit_message(self, external: bool) -> None:
        session = self._idle_session()
        index = self.target_index()
        if session is None or index is None:
            return
        message = session.messages[index]
        if external:
            text = edit_in_editor(self.app, message.mes)
        else:
            title = Content.assemble("Edit message ", str(index + 1), " by ", plain_line(message.name))
            text = await self.app.push_screen_wait(TextEditDialog(title, message.mes))
        if text is None or text == message.mes:
            return
        notice = session.edit(index, text)
        await self.redraw(index)
        await self._report(notice)

    def action_delete_messages(self) -> None:
        self._run(self._delete_messages())

    async def _delete_messages(self) -> None:
        session = self._idle_session()
        index = self.target_index()
        if session is None or index is None:
            return
        start, shown = session.window(DELETE_WINDOW)
        choices = [(Content.assemble(f"{start + i + 1}. ", plain_line(m.name, "bold"), ": ", preview(m.mes)),
                    start + i) for i, m in enumerate(shown)]
        picked = await self.app.push_screen_wait(
            MultiChoiceDialog(Content("Delete messages: tick the ones to delete"), choices, [index])
        )
        if not picked:
            return
        sure = await self.app.push_screen_wait(
            ConfirmDialog(Content(f"Delete {len(picked)} message(s)? This cannot be undone."))
        )
        if not sure:
            return
        notice = session.delete(picked)
        await self.redraw()
        await self._report(notice)

    async def action_toggle_hidden(self) -> None:
        session = self._idle_session()
        index = self.target_index()
        if session is None or index is None:
            return
        hidden = not session.messages[index].is_system
        notice = session.set_hidden(index, hidden)
        await self.redraw(index)
        await self._report(notice)
        self.notify("Hidden from the prompt" if hidden else "Back in the prompt", markup=False, timeout=2)

    def action_insert_narrator(self) -> None:
        self._run(self._insert_narrator())

    async def _insert_narrator(self) -> None:
        session = self._idle_session()
        if session is None:
            return
        text = await self.app.push_screen_wait(
            TextEditDialog(Content("Narrator / system message (goes into the prompt as a system turn)"), "")
        )
        if not text or not text.strip():
            return
        selected = getattr(self.chat_log, "selected_index", None)
        after = selected + 1 if isinstance(selected, int) and selected < len(session.messages) - 1 else None
        at, notice = session.insert_narrator(text, after)
        await self.redraw(at)
        await self._report(notice)

    async def action_branch_here(self) -> None:
        session = self._idle_session()
        index = self.target_index()
        if session is None or index is None:
            return
        try:
            branch = session.branch(index)
        except Exception as exc:
            self.notify(f"Cannot branch: {exc}", markup=False, severity="error")
            return
        await self.switch_session(branch)
        self.notify(f"Branched at message {index + 1}: {branch.title}", markup=False)

    async def action_delete_swipe(self) -> None:
        session = self._idle_session()
        index = self.target_index()
        if session is None or index is None:
            return
        try:
            gone, notice = session.remove_swipe(index)
        except ActionError as exc:
            self.notify(str(exc), markup=False, severity="warning")
            return
        await self.redraw(min(index, len(session.messages) - 1) if session.messages else None)
        await self._report(notice)
        self.notify("That was its only version: the message was deleted" if gone else "Version deleted",
                    markup=False, timeout=3)

    def action_checkpoint_here(self) -> None:
        self._run(self._checkpoint_here())

    async def _checkpoint_here(self) -> None:
        session = self._idle_session()
        index = self.target_index()
        if session is None or index is None:
            return
        name = await self.ask("Checkpoint name (empty: Checkpoint #N)")
        if name is None:
            return
        try:
            chat_id = session.checkpoint(index, name)
        except Exception as exc:
            self.notify(f"Cannot make a checkpoint: {exc}", markup=False, severity="error")
            return
        await self.redraw(index)
        self.notify(f"Checkpoint saved: {chat_id.partition('/')[2]}", markup=False)

    async def action_parent_chat(self) -> None:
        session = self._idle_session()
        if session is None:
            return
        try:
            parent = session.parent_id()
        except ActionError as exc:
            self.notify(str(exc), markup=False, severity="warning")
            return
        await self.open_card(session.card_path, chat_id=parent)

    def action_choose_greeting(self) -> None:
        self._run(self._choose_greeting())

    async def _choose_greeting(self) -> None:
        session = self._idle_session()
        if session is None:
            return
        if len(session.messages) != 1 or session.messages[0].is_user:
            self.notify("The greeting can be chosen before the conversation starts: start a new chat (ctrl+n) "
                        "or pick one in the card's details (i in the character list).", markup=False, timeout=6)
            return
        greeting = session.messages[0]
        options = greeting.swipes or [greeting.mes]
        labels = [Content.assemble(("First message" if i == 0 else f"Alternate {i}", "bold"), "\n", preview(g, 200))
                  for i, g in enumerate(options)]
        choice = await self.app.push_screen_wait(
            ChoiceDialog(Content("Start the chat with which greeting?"), labels, greeting.swipe_id or 0)
        )
        if choice is None:
            return
        try:
            notice = session.choose_greeting(choice)
        except (ValueError, IndexError) as exc:
            self.notify(str(exc), markup=False, severity="warning")
            return
        await self.redraw()
        await self._report(notice)

    async def switch_session(self, session: ChatSession) -> None:
        """Make `session` the open chat (the old one is closed)."""
        await self._stop_generation()
        old, self.session = self.session, session
        if old is not None and old is not session:
            await old.aclose()
        await self._show_chat()

    # ---- screens -------------------------------------------------------------------------------------------
    def action_chats(self) -> None:
        from tavo_tui.ui.chat.flows import open_chats

        self._run(open_chats(self))

    def action_personas(self) -> None:
        from tavo_tui.ui.chat.flows import open_personas

        self._run(open_personas(self))

    def action_authors_note(self) -> None:
        from tavo_tui.ui.chat.flows import edit_authors_note

        self._run(edit_authors_note(self))

    def action_scenario(self) -> None:
        from tavo_tui.ui.chat.flows import edit_scenario

        self._run(edit_scenario(self))

    def action_chat_lorebook(self) -> None:
        from tavo_tui.ui.chat.flows import choose_lorebook

        self._run(choose_lorebook(self))

    def action_search_chat(self) -> None:
        from tavo_tui.ui.chat.flows import search_chat

        self._run(search_chat(self))

    def action_search_all(self) -> None:
        from tavo_tui.ui.chat.flows import search_all

        self._run(search_all(self))

    async def ask(self, title: str, value: str = "") -> str | None:
        return await self.app.push_screen_wait(TextPrompt(Content(title), value))
