"""The main screen: cards | chat + composer | connections + prompt inspector."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Static, TextArea
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from tavo_tui.model import ConnectionProfile, Message
from tavo_tui.session import ChatSession, Delta, Done, Failed, Notice, Reasoning, Started
from tavo_tui.ui.safe_text import plain, plain_line
from tavo_tui.ui.screens.connection_editor import ConnectionEditor, EditResult
from tavo_tui.ui.screens.connection_picker import ConnectionPicker
from tavo_tui.ui.widgets.card_list import CardList
from tavo_tui.ui.widgets.chat_log import ChatLog, error_notice
from tavo_tui.ui.widgets.composer import Composer
from tavo_tui.ui.widgets.connection_pane import ConnectionPane
from tavo_tui.ui.widgets.inspector import PromptInspector
from tavo_tui.ui.widgets.message_view import MessageView
from tavo_tui.ui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tavo_tui.session import AppContext

# Below these widths a pane starts hidden (the user can still toggle it); the chat is always shown.
CARDS_MIN_WIDTH = 110
SIDE_MIN_WIDTH = 150
INSPECT_DELAY = 0.3

ERROR_HINTS = {
    "auth": "Fix the key: F3 opens connections, then Edit.",
    "not_found_model": "Set a model the server knows: F3, then Edit.",
    "rate_limit": "Wait a moment, then ctrl+r to retry.",
    "quota": "Check your account with the provider, or switch connection with F5.",
    "context_length": "Lower max context in the connection (F3, Edit) or start a new chat (ctrl+n).",
    "overloaded": "Try again shortly with ctrl+r.",
    "bad_request": "Check the connection settings (F3); F4 shows the exact request body.",
    "server": "Check the server's log; ctrl+r retries.",
    "network": "Is the server running and the URL right? Test it with ctrl+t, or switch with F5.",
}
DEFAULT_HINT = "Test the connection with ctrl+t, switch with F5, or retry with ctrl+r."


def error_hint(kind: str) -> str:
    return ERROR_HINTS.get(kind, DEFAULT_HINT)


def exception_notice(exc: Exception) -> Content:
    """A notice for an exception that escaped the session. Backend errors carry a kind and a readable message."""
    kind, message = getattr(exc, "kind", None), getattr(exc, "message", None)
    if isinstance(kind, str) and isinstance(message, str):
        return error_notice(message, kind, error_hint(kind))
    return Content.assemble(
        ("Unexpected error: ", "bold"), plain(f"{type(exc).__name__}: {exc}"), "\n", (DEFAULT_HINT, "italic")
    )


class MainScreen(Screen[None]):
    """Owns the open ChatSession and routes user actions to it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+j,ctrl+enter", "send", "Send", id="send", priority=True),
        Binding("escape", "stop", "Stop", id="stop"),
        Binding("f2", "toggle_cards", "Cards", id="toggle-cards"),
        Binding("f3", "toggle_connections", "Conns", id="toggle-connections"),
        Binding("f4", "toggle_inspector", "Inspect", id="toggle-inspector"),
        Binding("f5", "pick_connection", "Switch", id="switch-connection"),
        Binding("ctrl+t", "test_connection", "Test", id="test-connection"),
        Binding("ctrl+n", "new_chat", "New chat", id="new-chat"),
        Binding("ctrl+r", "retry", "Retry", id="retry", show=False),
        Binding("alt+1", "focus_pane('cards')", "Focus cards", id="focus-cards", show=False),
        Binding("alt+2", "focus_pane('chat')", "Focus chat", id="focus-chat", show=False),
        Binding("alt+3", "focus_pane('connections')", "Focus connections", id="focus-connections", show=False),
        Binding("alt+4", "focus_pane('inspector')", "Focus inspector", id="focus-inspector", show=False),
    ]

    DEFAULT_CSS = """
    MainScreen { layout: vertical; }
    MainScreen #body { height: 1fr; }
    MainScreen #centre { width: 1fr; min-width: 24; }
    MainScreen #chat-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    MainScreen #centre:focus-within > #chat-title { background: $primary 35%; }
    MainScreen #side { width: 40%; max-width: 64; min-width: 30; border-left: solid $panel; }
    /* Narrow terminals: side panes only appear when toggled, and then they shrink to leave the chat room. */
    MainScreen.-narrow CardList { width: 20; }
    MainScreen.-narrow #side { width: 36%; min-width: 24; }
    """

    generating: reactive[bool] = reactive(False, bindings=True)

    def __init__(self, ctx: AppContext, *, card_path: Path | None = None, connection: str | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.session: ChatSession | None = None
        self.connection_name = connection or ctx.profiles.default_name
        self._initial_card = card_path
        self._inspect_timer: Timer | None = None
        self._layout_class = ""
        self._generation: Worker[None] | None = None

    # ---- layout ------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield CardList(id="cards")
            with Vertical(id="centre"):
                yield Static(Content("No character open"), id="chat-title")
                yield ChatLog(id="chat")
                yield Composer(id="composer")
            with Vertical(id="side"):
                yield ConnectionPane(id="connections")
                yield PromptInspector(id="inspector")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    @property
    def chat_log(self) -> ChatLog:
        return self.query_one(ChatLog)

    @property
    def composer(self) -> Composer:
        return self.query_one(Composer)

    @property
    def inspector(self) -> PromptInspector:
        return self.query_one(PromptInspector)

    @property
    def connection_pane(self) -> ConnectionPane:
        return self.query_one(ConnectionPane)

    async def on_mount(self) -> None:
        self._auto_layout(self.app.size.width)
        self._load_cards()
        self._refresh_connections()
        if self._initial_card is not None:
            await self.open_card(self._initial_card)
        else:
            await self.chat_log.show_placeholder(
                Content("Pick a character from the list (F2 shows it, enter opens it).")
            )
            self.inspector.clear("Open a character to see the prompt.")
            self._show_status()
        self.composer.focus()

    def on_resize(self) -> None:
        self._auto_layout(self.app.size.width)

    def _auto_layout(self, width: int) -> None:
        """Pick default pane visibility when the width class changes; explicit toggles stick until then."""
        layout_class = "wide" if width >= SIDE_MIN_WIDTH else "medium" if width >= CARDS_MIN_WIDTH else "narrow"
        self.set_class(layout_class == "narrow", "-narrow")
        if layout_class == self._layout_class:
            return
        self._layout_class = layout_class
        self.query_one(CardList).display = layout_class != "narrow"
        self.connection_pane.display = layout_class == "wide"
        self.inspector.display = layout_class == "wide"
        self._sync_side()

    def _sync_side(self) -> None:
        self.query_one("#side").display = bool(self.connection_pane.display or self.inspector.display)

    def action_toggle_cards(self) -> None:
        cards = self.query_one(CardList)
        cards.display = not cards.display
        if cards.display:
            cards.options.focus()

    def action_toggle_connections(self) -> None:
        self.connection_pane.display = not self.connection_pane.display
        self._sync_side()
        if self.connection_pane.display:
            self.connection_pane.options.focus()

    def action_toggle_inspector(self) -> None:
        self.inspector.display = not self.inspector.display
        self._sync_side()
        if self.inspector.display:
            self._schedule_inspect(0)

    def action_focus_pane(self, pane: str) -> None:
        if pane == "cards":
            self.query_one(CardList).display = True
            self.query_one(CardList).options.focus()
        elif pane == "connections":
            self.connection_pane.display = True
            self._sync_side()
            self.connection_pane.options.focus()
        elif pane == "inspector":
            self.inspector.display = True
            self._sync_side()
            self.inspector.body.focus()
            self._schedule_inspect(0)
        else:
            self.composer.focus()

    # ---- cards and chats ---------------------------------------------------------------------------------
    def _load_cards(self) -> None:
        self.query_one(CardList).set_cards(self.ctx.card_entries(), self._initial_card)

    @on(CardList.Chosen)
    async def _card_chosen(self, event: CardList.Chosen) -> None:
        await self.open_card(event.path)
        if self._layout_class == "narrow":
            self.query_one(CardList).display = False  # give the chat its room back
        self.composer.focus()

    async def open_card(self, path: Path, *, new: bool = False) -> None:
        """Open (resume, or start with `new`) the card's chat on the current connection."""
        await self._stop_generation()
        try:
            session = self.ctx.open_chat(path, self.connection_name, new=new)
        except Exception as exc:  # any load problem becomes a notice; the previous chat stays open
            await self.chat_log.add_notice(
                Content.assemble(("Cannot open ", "bold"), plain_line(path.name), ": ", plain(str(exc)))
            )
            return
        old, self.session = self.session, session
        if old is not None:
            await old.aclose()
        self.query_one(CardList).mark_active(path)
        await self._show_chat()

    async def _show_chat(self) -> None:
        session = self.session
        if session is None:
            return
        self.query_one("#chat-title", Static).update(
            Content.assemble(("Chat with ", "dim"), plain_line(session.card.name or "(unnamed)", "bold"))
        )
        await self.chat_log.set_messages(session.messages)
        self._show_status()
        self._refresh_connections()
        self._schedule_inspect(0)

    async def action_new_chat(self) -> None:
        if self.session is None:
            self.notify("Open a character first.", markup=False)
            return
        await self.open_card(self.session.card_path, new=True)

    # ---- sending -----------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return True if self.generating else None
        if action in ("send", "retry"):
            return None if self.generating else True
        return True

    async def action_send(self) -> None:
        if self.generating:
            return
        text = self.composer.text
        if not text.strip():
            return
        if self.session is None:
            self.notify("Open a character first (F2 shows the list).", markup=False, severity="warning")
            return
        self.composer.load_text("")
        await self.chat_log.add_message(self._display_user_message(text))
        self.generating = True
        self._generation = self._generate(self.session, text)

    def _display_user_message(self, text: str) -> Message:
        """A display copy of the user's message; the session creates and saves the real one."""
        name = self.session.user_name if self.session is not None else "You"
        return Message(name=name, is_user=True, mes=text)

    async def action_retry(self) -> None:
        """Generate again after a failure (only when the chat ends with the user's message)."""
        session = self.session
        if self.generating or session is None:
            return
        if not session.messages or not session.messages[-1].is_user:
            self.notify("Retry works when the last message is yours.", markup=False)
            return
        self.generating = True
        self._generation = self._generate(session, None)

    @work(exclusive=True, group="generate", exit_on_error=False)
    async def _generate(self, session: ChatSession, text: str | None) -> None:
        log = self.chat_log
        reply: MessageView | None = None
        self._show_status("generating… (esc stops)")
        events = session.send(text) if text is not None else session.generate()
        try:
            async for event in events:
                if isinstance(event, Started):
                    reply = await log.add_reply(session.card.name)
                elif isinstance(event, Delta):
                    if reply is None:
                        reply = await log.add_reply(session.card.name)
                    await reply.add_delta(event.text)
                elif isinstance(event, Reasoning):
                    if reply is not None:
                        reply.add_reasoning(event.text)
                elif isinstance(event, Done):
                    note = "(incomplete: the stream ended without a finish reason)" if event.incomplete else ""
                    if reply is None:
                        reply = await log.add_reply(session.card.name)
                    await reply.finish(event.message.mes, note)
                elif isinstance(event, Failed):
                    await self._show_failure(reply, event)
                    reply = None
                elif isinstance(event, Notice):
                    await log.add_notice(plain(event.text), error=False)
        except asyncio.CancelledError:
            await self._finish_stopped(reply)
            raise
        except Exception as exc:  # a failure the session did not turn into an event: say so, keep the app alive
            if reply is not None and reply.streaming:
                await reply.finish(None, "(partial reply)")
            await log.add_notice(exception_notice(exc))
        finally:
            self.generating = False
            self._show_status()
            self._schedule_inspect(0)

    async def _show_failure(self, reply: MessageView | None, event: Failed) -> None:
        if reply is not None:
            if event.partial is not None:
                await reply.finish(event.partial.mes, "(partial reply kept)")
            else:
                await reply.remove()
        await self.chat_log.add_notice(error_notice(event.error, event.kind, error_hint(event.kind)))

    async def _finish_stopped(self, reply: MessageView | None) -> None:
        if reply is None:
            return
        if reply.text.strip():
            await reply.finish(None, "(stopped — partial reply kept)")
        else:
            await reply.remove()
            await self.chat_log.add_notice(Content("Stopped before any reply arrived."), error=False)

    def action_stop(self) -> None:
        if self._generation is not None and not self._generation.is_finished:
            self._generation.cancel()

    async def _stop_generation(self) -> None:
        """Stop a running reply and wait until it has been finalised (partial kept)."""
        worker = self._generation
        if worker is None or worker.is_finished:
            return
        worker.cancel()
        try:
            await worker.wait()
        except (WorkerCancelled, WorkerFailed):
            pass

    # ---- inspector ---------------------------------------------------------------------------------------
    @on(TextArea.Changed, "#composer")
    def _composer_changed(self) -> None:
        self._schedule_inspect(INSPECT_DELAY)

    def _schedule_inspect(self, delay: float) -> None:
        if self._inspect_timer is not None:
            self._inspect_timer.stop()
        self._inspect_timer = self.set_timer(delay, self.refresh_inspector) if delay else None
        if not delay:
            self.refresh_inspector()

    def refresh_inspector(self) -> None:
        """Rebuild the preview of the next request (with the composer's text as the pending message)."""
        if not self.inspector.display:
            return
        if self.session is None:
            self.inspector.clear("Open a character to see the prompt.")
            return
        try:
            inspection = self.session.inspect(self.composer.text or None)
        except Exception as exc:  # the preview must never take the app down
            self.inspector.show_error(f"{type(exc).__name__}: {exc}")
            return
        self.inspector.show(inspection)

    # ---- connections -------------------------------------------------------------------------------------
    def _profiles(self) -> list[ConnectionProfile]:
        try:
            return self.ctx.profiles.list()
        except Exception as exc:
            self.notify(f"Cannot read connections: {exc}", markup=False, severity="error")
            return []

    def _refresh_connections(self) -> None:
        try:
            default = self.ctx.profiles.default_name
        except Exception:
            default = ""
        self.connection_pane.set_profiles(self._profiles(), active=self.active_profile_name, default=default)

    @property
    def active_profile_name(self) -> str:
        return self.session.profile.name if self.session is not None else self.connection_name

    @property
    def active_profile(self) -> ConnectionProfile | None:
        if self.session is not None:
            return self.session.profile
        return next((p for p in self._profiles() if p.name == self.connection_name), None)

    def _show_status(self, activity: str = "") -> None:
        self.query_one(StatusBar).show(self.active_profile, activity)

    def switch_connection(self, name: str) -> bool:
        """Live switch: the chat stays; the next generation and the inspector use `name`."""
        try:
            if self.session is not None:
                self.session.switch_connection(name)
            else:
                self.ctx.profiles.get(name)
        except Exception as exc:
            self.notify(f"Cannot switch: {exc}", markup=False, severity="error")
            return False
        self.connection_name = name
        self._refresh_connections()
        self._show_status("generating… (esc stops)" if self.generating else "")
        self._schedule_inspect(0)
        label = "the demo (canned replies)" if name == "demo" else name
        self.notify(f"Now using {label}", markup=False, timeout=2)
        return True

    def action_pick_connection(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self.switch_connection(name)

        self.app.push_screen(ConnectionPicker(self._profiles(), self.active_profile_name), chosen)

    def action_test_connection(self) -> None:
        self._test_connection(self.connection_pane.selected_name or self.active_profile_name)

    @work(exclusive=True, group="check", exit_on_error=False)
    async def _test_connection(self, name: str) -> None:
        pane = self.connection_pane
        if self.session is None:
            pane.show_status("Open a character first, then test.", ok=None)
            return
        pane.show_status(f"Testing {name}…", ok=None)
        try:
            result = await self.session.check_connection(name)
        except Exception as exc:
            pane.show_status(f"{name}: {exc}", ok=False)
            return
        verdict = "OK" if result.ok else "FAILED"
        pane.show_status(f"{name}: {verdict} ({result.latency_ms:.0f} ms) {result.detail}", ok=result.ok)
        self.notify(f"{name}: {verdict} — {result.detail}", markup=False, severity="information" if result.ok
                    else "error")

    @on(ConnectionPane.Action)
    def _connection_action(self, event: ConnectionPane.Action) -> None:
        name = event.name
        if event.action == "use" and name:
            self.switch_connection(name)
        elif event.action == "test" and name:
            self._test_connection(name)
        elif event.action == "default" and name:
            try:
                self.ctx.profiles.set_default(name)
            except Exception as exc:
                self.notify(f"Cannot set default: {exc}", markup=False, severity="error")
            self._refresh_connections()
        elif event.action == "edit" and name:
            self.edit_connection(name)
        elif event.action == "add":
            self.edit_connection(None)

    def action_add_connection(self) -> None:
        self.edit_connection(None)

    def edit_connection(self, name: str | None) -> None:
        profile = next((p for p in self._profiles() if p.name == name), None) if name else None
        if profile is not None and profile.kind == "demo":
            self.notify("The demo connection is built in; use Add to create your own.", markup=False)
            return
        has_key = False
        if profile is not None:
            try:
                has_key = bool(self.ctx.profiles.api_key(profile))
            except Exception:
                has_key = False
        editor = ConnectionEditor(profile, kinds=known_kinds(), has_key=has_key)
        self.app.push_screen(editor, self._save_connection)

    def _save_connection(self, result: EditResult | None) -> None:
        if result is None:
            return
        try:
            self.ctx.profiles.save(result.profile, result.api_key)
        except Exception as exc:
            self.notify(f"Not saved: {exc}", markup=False, severity="error")
            return
        self.notify(f"Saved connection {result.profile.name}", markup=False, timeout=2)
        if result.profile.name == self.active_profile_name:
            # Reload the edited profile into the live session so the next request uses it.
            self.switch_connection(result.profile.name)
        self._refresh_connections()

    async def on_unmount(self) -> None:
        if self.session is not None:
            await self.session.aclose()


def known_kinds() -> list[str]:
    """Backend kinds the editor accepts and suggests; the backend registry is the source of truth."""
    from tavo_tui.backends.registry import KINDS

    return sorted(KINDS)
