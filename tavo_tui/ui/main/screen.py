"""The main screen: cards | chat + composer | connections + prompt inspector."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import aclosing
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.reactive import reactive
from textual.timer import Timer
from textual.widgets import Footer, Static, TextArea
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from tavo_tui.model import Message
from tavo_tui.session.events import ActionError, Started
from tavo_tui.session.library import sorted_entries
from tavo_tui.session.resume import remember, resume_point
from tavo_tui.ui.chat.actions import ChatActions, ReplyStarted
from tavo_tui.ui.chat.card_scripts import CardScriptsGate
from tavo_tui.ui.chat.composer import Composer
from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.chat.reply_presenter import ReplyPresenter
from tavo_tui.ui.chat.title import READ_ONLY_TITLE, chat_title
from tavo_tui.ui.connections.actions import GENERATING, ConnectionActions
from tavo_tui.ui.connections.pane import ConnectionPane
from tavo_tui.ui.inspector.pane import PromptInspector
from tavo_tui.ui.keys.registry import SCREEN, bindings_for
from tavo_tui.ui.library.card_list import CardList
from tavo_tui.ui.library.st_import import StImportActions
from tavo_tui.ui.main.key_gate import hold_keys
from tavo_tui.ui.main.layout import LayoutActions
from tavo_tui.ui.main.status_bar import StatusBar, track
from tavo_tui.ui.shared.avatar import Avatar, avatar_mode
from tavo_tui.ui.shared.safe_text import plain, plain_line
from tavo_tui.ui.workshop.actions import WorkshopActions

if TYPE_CHECKING:
    # A chat session and what it brings (prompt engine, backends) load when the first chat opens, or in the
    # warm-up after the first frame: start-up does not wait for them.
    from tavo_tui.session import AppContext, ChatSession, Inspection
    from tavo_tui.session.context import CardEntry
    from tavo_tui.session.server_tokens import ServerTokenCache
    from tavo_tui.session.ui_settings import UiSettings

# A chat open in another tavo-tui is read-only here; how often (seconds) the screen tries to take it over.
LOCK_RETRY = 2.0
# Below these widths a pane starts hidden (the user can still toggle it); the chat is always shown.
CARDS_MIN_WIDTH = 110
SIDE_MIN_WIDTH = 150
INSPECT_DELAY = 0.3
# The character's avatar beside the chat (columns, rows), shown from this terminal width up.
CHAT_AVATAR = (10, 5)
CHAT_AVATAR_MIN_WIDTH = 160
# Cards listed for the first frame: more than any screen shows; the rest follow right after it.
FIRST_FRAME_CARDS = 200


class MainScreen(ChatActions, LayoutActions, ConnectionActions, StImportActions, WorkshopActions):
    """Owns the open ChatSession and routes user actions to it."""

    # Generated from the key registry (ids, descriptions and keys live there once).
    BINDINGS: ClassVar[list[BindingType]] = bindings_for(SCREEN)

    DEFAULT_CSS = """
    MainScreen { layout: vertical; }
    MainScreen #body { height: 1fr; }
    MainScreen #centre { width: 1fr; min-width: 24; }
    MainScreen #chat-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    MainScreen #chat-avatar { dock: right; margin: 1 1 0 1; }
    MainScreen #centre.-has-focus > #chat-title { background: $primary 35%; }
    MainScreen #side { width: 40%; max-width: 64; min-width: 30; border-left: solid $panel; }
    /* Narrow terminals: side panes only appear when toggled, and then they shrink to leave the chat room. */
    MainScreen.-narrow CardList { width: 20; }
    MainScreen.-narrow #side { width: 36%; min-width: 24; }
    """

    generating: reactive[bool] = reactive(False, bindings=True)

    def __init__(self, ctx: AppContext, *, card_path: Path | None = None, connection: str | None = None,
                 settings: UiSettings | None = None) -> None:
        super().__init__()
        self.ctx = ctx
        self.session: ChatSession | None = None
        # With the app's settings, a start without --card/--connection goes back to the last chat.
        self.ui_settings = settings
        resume = resume_point(ctx, settings.last, card=card_path, connection=connection) if settings else None
        self._resume_notices = resume.notices if resume else []
        self._initial_chat = resume.chat_id if resume else None
        self.connection_name = (resume.connection if resume else connection) or self._default_connection()
        self._initial_card = resume.card if resume else card_path
        self._inspect_timer: Timer | None = None
        self._lock_timer: Timer | None = None  # runs while the open chat is read-only
        self._layout_class = ""
        self._generation: Worker[None] | None = None
        self._shown_inspection: Inspection | None = None
        self._token_caches: dict[str, ServerTokenCache] = {}  # per connection: counts depend on its tokenizer
        self._on_screen = False  # True once the first frame has reached the terminal
        self._cards_unchecked = False  # the card list shows the cached listing, files not yet checked
        self._card_scripts = CardScriptsGate()  # asks before a card's own regex scripts run

    # ---- layout ------------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            view = self.ui_settings.library if self.ui_settings else None
            yield CardList(self.ctx, sort=view.sort if view else "name", query=view.filter if view else "",
                           folders=view.folders if view else False, folder=view.folder if view else "",
                           id="cards")
            with Vertical(id="centre"):
                yield Static(Content("No character open"), id="chat-title")
                yield Avatar(None, *CHAT_AVATAR, mode=avatar_mode(self.ui_settings), id="chat-avatar")
                yield ChatLog(id="chat")
                yield Composer(id="composer", send_on_enter=self._send_on_enter())
            with Vertical(id="side"):
                yield ConnectionPane(id="connections")
                yield PromptInspector(id="inspector")
        yield StatusBar(id="status")
        yield Footer(compact=True)

    def _send_on_enter(self) -> bool:
        settings = getattr(self.app, "ui_settings", None)
        return settings is not None and settings.send_key == "enter"

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
        self._after_first_frame(self._first_frame_shown)
        self._auto_layout(self.app.size.width)
        self._load_cards()
        self._refresh_connections()
        for notice in self._resume_notices:
            self.notify(notice, markup=False, severity="warning", timeout=8)
        if self._initial_card is not None:
            await self.open_card(self._initial_card, chat_id=self._initial_chat)
        if self.session is None:
            if not self.chat_log.notices():
                await self.chat_log.show_placeholder(
                    Content("Pick a character: type to find it in the list, enter opens it (F2 shows or hides it).")
                )
            self.inspector.clear("Open a character to see the prompt.")
            self._show_status()
            cards = self.query_one(CardList)
            if cards.paths:
                # Nothing to chat with yet: put the library in front, ready for enter; typing there filters it.
                cards.display = True
                self._sync_side()
                if cards.options.highlighted is None:
                    cards.options.highlighted = 0
                cards.options.focus()
                return
        self.composer.focus()

    def _after_first_frame(self, callback: Callable[[], object]) -> None:
        """Run `callback` once a frame has reached the terminal. While the app starts, Textual draws into a
        batch it discards and runs after-refresh callbacks as that batch ends, before anything is shown; the
        app's own queue only starts then, so passing through it first waits for a frame that is shown."""
        self.app.call_later(self.call_after_refresh, callback)

    def _first_frame_shown(self) -> None:
        """What start-up leaves for after the first frame: the preview of a card opened with --card, and
        loading what the first chat will need (in a thread, so keys are not held up)."""
        self._on_screen = True
        self._check_cards()
        if self.session is not None:
            self._update_context()
            self._schedule_inspect(0)
        profile = self.active_profile
        if profile is not None:
            from tavo_tui.session.warm_up import warm_up

            self.run_worker(partial(warm_up, profile.kind, profile.model), thread=True, group="warm-up",
                            exit_on_error=False)

    def on_resize(self) -> None:
        self._auto_layout(self.app.size.width)
        self._show_chat_avatar()

    def _show_chat_avatar(self) -> None:
        """The open character's avatar beside the chat, on terminals wide enough to spare the columns."""
        wide = self.app.size.width >= CHAT_AVATAR_MIN_WIDTH
        path = self.session.card_path if self.session is not None and wide else None
        avatar = self.query_one("#chat-avatar", Avatar)
        if path != avatar.path:
            avatar.show_card(path)

    # The pane holding the focus gets the -has-focus class, which lights its title. (A `:focus-within` rule
    # on the pane's title is never re-applied when the focus moves, so the titles stayed as first drawn.)
    FOCUS_PANES = "#centre, CardList, ConnectionPane, PromptInspector"

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        self._mark_focused_pane()

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self._mark_focused_pane()

    def _mark_focused_pane(self) -> None:
        focused = self.focused
        for pane in self.query(self.FOCUS_PANES):
            pane.set_class(focused is not None and pane in focused.ancestors_with_self, "-has-focus")

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
        self.apply_saved_layout()

    def _sync_side(self) -> None:
        self.query_one("#side").display = bool(self.connection_pane.display or self.inspector.display)

    def action_toggle_cards(self) -> None:
        cards = self.query_one(CardList)
        cards.display = not cards.display
        self.remember_layout()
        if cards.display:
            cards.options.focus()

    def action_toggle_connections(self) -> None:
        self.connection_pane.display = not self.connection_pane.display
        self._sync_side()
        self.remember_layout()
        if self.connection_pane.display:
            self.connection_pane.options.focus()

    def action_toggle_inspector(self) -> None:
        self.inspector.display = not self.inspector.display
        self._sync_side()
        self.remember_layout()
        if self.inspector.display:
            self._schedule_inspect(0)

    def action_focus_pane(self, pane: str) -> None:
        # set_focus, not Widget.focus: that one waits behind the keys already read, which a burst ("leader 2
        # hello") would then type into the pane focused before.
        if pane == "cards":
            self.query_one(CardList).display = True
            self.set_focus(self.query_one(CardList).options)
        elif pane == "connections":
            self.connection_pane.display = True
            self._sync_side()
            self.set_focus(self.connection_pane.options)
        elif pane == "inspector":
            inspector = self.inspector
            inspector.display = True
            self._sync_side()
            self.set_focus(inspector.body if inspector.view == "body" else inspector.view_list(inspector.view))
            self._schedule_inspect(0)
        else:
            self.set_focus(self.composer)

    def action_scroll_chat(self, direction: int) -> None:
        if direction < 0:
            self.chat_log.scroll_page_up(animate=False)
        else:
            self.chat_log.scroll_page_down(animate=False)

    # ---- cards and chats ---------------------------------------------------------------------------------
    def _default_connection(self) -> str:
        try:
            return self.ctx.profiles.default_name
        except Exception:  # a damaged connections.json: opening a chat will explain it
            return "demo"

    def _load_cards(self) -> None:
        total = None
        try:
            # The first frame lists the library as last seen, a screenful of it; checking every file (and
            # listing the rest) waits for after it.
            cached = None if self._on_screen else self.ctx.cached_card_head(FIRST_FRAME_CARDS)
            self._cards_unchecked = cached is not None
            if cached is not None:
                entries, total = cached
            else:
                entries = self.ctx.card_entries()
        except Exception as exc:  # the list stays empty; the reason is shown, the app keeps running
            self.notify(f"Cannot list the cards: {exc}", markup=False, severity="error", timeout=10)
            entries = []
        self.query_one(CardList).set_cards(entries, self._initial_card, total=total)

    def _check_cards(self) -> None:
        """After the first frame: look at every card file (in a thread: 2,000 stats), and list again if anything
        changed on disk (or the first frame showed only the start of a long list)."""
        if not self._cards_unchecked:
            return
        self._cards_unchecked = False
        cards = self.query_one(CardList)
        self.run_worker(partial(self._list_cards, cards.query_text, cards.sort, cards.paths), thread=True,
                        group="cards-check", exit_on_error=False)

    def _list_cards(self, query: str, sort: str, shown: list[Path]) -> None:
        """The check itself (worker thread): the listing the card pane would show, handed over if it differs."""
        try:
            entries: list[CardEntry] | None = sorted_entries(self.ctx, query, sort)
            changed = [entry.path for entry in entries or []] != shown or self.ctx.cards.changed_since_cache
        except Exception:  # reload() explains a listing failure
            entries, changed = None, True
        if changed:
            self.app.call_from_thread(self._show_checked_cards, entries, query, sort)

    def _show_checked_cards(self, entries: list[CardEntry] | None, query: str, sort: str) -> None:
        cards = self.query_one(CardList)
        if entries is None:
            cards.reload()  # listing failed: listing again here shows why
        elif (cards.query_text, cards.sort) == (query, sort):
            cards.show_listing(entries)
        # else the user changed the filter or sort meanwhile, and the pane has listed for that already

    @on(CardList.Chosen)
    async def _card_chosen(self, event: CardList.Chosen) -> None:
        with hold_keys(self.app):  # keys typed after enter are the first words of the message
            await self.open_card(event.path, new=event.new, greeting_index=event.greeting)
            if self._layout_class == "narrow":
                self.query_one(CardList).display = False  # give the chat its room back
            self.composer.focus()

    async def open_card(self, path: Path, *, new: bool = False, chat_id: str | None = None,
                        greeting_index: int = 0) -> None:
        """Open the card's chat on the current connection: `chat_id`, else its latest, else (or with `new`) a new
        one starting with greeting `greeting_index`."""
        await self._stop_generation()
        try:
            session = self.ctx.open_chat(path, self.connection_name, new=new, chat_id=chat_id,
                                         greeting_index=greeting_index)
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
        self._card_scripts.check(self.app, session, lambda: self._schedule_inspect(0))

    async def _show_chat(self) -> None:
        session = self.session
        if session is None:
            return
        self._remember_where()
        from tavo_tui.session.workshop import use_saved_settings  # the editors' kept settings

        use_saved_settings(session)
        self._show_title()
        self._show_chat_avatar()
        if session.read_only and self._lock_timer is None:
            self._lock_timer = self.set_interval(LOCK_RETRY, self._retry_lock)
        await self.chat_log.set_messages(session.messages)
        self._show_status()
        self._refresh_connections()
        if not self._on_screen:  # opened at start-up: the prompt is built after the first frame
            self.inspector.clear("Building the prompt…")
            return
        self._update_context()
        self._schedule_inspect(0)

    def _show_title(self) -> None:
        """The chat pane's title: character, chat name and the parent it branched from (after a rename too)."""
        session = self.session
        if session is None:
            return
        self.query_one("#chat-title", Static).update(
            chat_title(session.card.name, session.ref.title if session.ref else None, session.parent_title,
                       session.read_only))

    def _remember_where(self, *, save: bool = False) -> None:
        """Keep the open chat and the connection in use for the next start (ui.json): saved when they changed,
        or with `save`."""
        if self.ui_settings is None:
            return
        session = self.session
        changed = remember(self.ui_settings.last, card=session.card_path if session else None,
                           chat_id=session.ref.id if session and session.ref else None,
                           connection=self.active_profile_name)
        if changed or save:
            self._save_settings()

    def switch_connection(self, name: str) -> bool:
        switched = super().switch_connection(name)
        if switched:
            self._remember_where()
        return switched

    def _show_status(self, activity: str = "") -> None:
        super()._show_status(activity)
        profile = self.active_profile
        self.query_one(CardList).model_name = profile.model if profile is not None else ""  # for its detail view

    @on(CardList.ViewChanged)
    def _library_view_changed(self, event: CardList.ViewChanged) -> None:
        """Keep the library's sort and filter for the next start: a new sort is saved at once, the filter (which
        changes as the user types) with the next save or at quit."""
        if self.ui_settings is None:
            return
        view = self.ui_settings.library
        sort_changed = (view.sort, view.folders, view.folder) != (event.sort, event.folders, event.folder)
        view.sort, view.filter = event.sort, event.query
        view.folders, view.folder = event.folders, event.folder
        if sort_changed:
            self._save_settings()

    async def action_new_chat(self) -> None:
        if self.session is None:
            self.notify("Open a character first.", markup=False)
            return
        await self.open_card(self.session.card_path, new=True)

    # ---- sending -----------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":  # hidden from the footer while idle: the 80-column footer has no room to spare
            return True if self.generating else False
        if action == "retry" and self.generating:  # only to cut short the wait before a retry (429/503)
            return True if self.session is not None and self.session.retry_pending else None
        if action in ("send", "retry"):
            return None if self.generating else True
        if action == "vim":
            return self.vim_target() is not None
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
        if not await self._writable(self.session):
            return  # the text stays in the composer, to send once the chat is writable here
        self.composer.load_text("")
        self._begin_generating()
        self._generation = self._generate(self.session, text)  # it also draws the user's message

    def _begin_generating(self) -> None:
        """`generating` on at once (a second send is refused) with what must happen before the request goes,
        but not the footer's redraw: a layout pass in a long chat (100 ms and more) would delay the request.
        `_generate` refreshes the bindings when the request is on the wire."""
        self.set_reactive(MainScreen.generating, True)
        self.watch_generating(True)

    def _display_user_message(self, text: str) -> Message:
        """A display copy of the user's message; the session creates and saves the real one."""
        name = self.session.user_name if self.session is not None else "You"
        return Message(name=name, is_user=True, mes=text)

    async def action_retry(self) -> None:
        """Ask again after a failure: with the user's message last (no reply came), a reply to it; with a reply
        cut short last (failed, stopped, or ended without a finish reason), a new version of it, the partial
        one kept one swipe back, as SillyTavern's swipe keeps it."""
        session = self.session
        if session is not None and self.generating and session.retry_now():
            self.notify("Trying again now.", markup=False, timeout=2)  # the wait after a 429/503, cut short
            return
        if self.generating or session is None:
            return
        if not await self._writable(session):
            return
        last = session.messages[-1] if session.messages else None
        if last is not None and not last.is_user and (last.extra or {}).get("incomplete") and session.can_swipe():
            self._start_stream("swipe")
            return
        if last is None or not last.is_user:
            # No key named: regenerate's keys depend on the focus and the keymap; the menus list them.
            self.notify("Nothing to retry: the last reply is complete. Regenerate (leader menu or command "
                        "palette) writes another version of it.", markup=False)
            return
        self._begin_generating()
        self._generation = self._generate(session, None)

    async def _writable(self, session: ChatSession) -> bool:
        """Before asking the model: a read-only chat tries to take the lock (the other tavo-tui may have quit);
        if it still cannot, the user is told why and nothing is sent."""
        if not session.read_only:
            return True
        if session.try_take_lock():
            await self._show_chat()  # read again from the file: the other instance may have changed it
            return True
        self.notify(session.read_only_reason or READ_ONLY_TITLE, markup=False, severity="warning", timeout=6)
        return False

    async def _retry_lock(self) -> None:
        """The timer while the chat is read-only: writable as soon as the other instance lets go."""
        session = self.session
        if session is None or not session.read_only:
            if self._lock_timer is not None:
                self._lock_timer.stop()
                self._lock_timer = None
            return
        if not self.generating and session.try_take_lock():
            await self._show_chat()
            self.notify("The other tavo-tui let go of this chat: it is writable here now.", markup=False)

    @work(exclusive=True, group="generate", exit_on_error=False)
    async def _generate(self, session: ChatSession, text: str | None) -> None:
        presenter = ReplyPresenter(self.chat_log, session.card.name, keys=self.hint_keys())
        status = self.query_one(StatusBar)
        # The user's message, the status and the footer are drawn after the session's first event: by then the
        # request is on the wire, so the layout pass they cost (tens of ms in a long chat) no longer delays it.
        unshown = [self._display_user_message(text)] if text is not None else []
        shown = False

        async def show_user_message() -> None:
            nonlocal shown
            if not shown:
                shown = True
                self.refresh_bindings()  # the footer's stop key (`generating` was set without its redraw)
                self._show_status(GENERATING)
                status.stream_started()
            while unshown:
                await self.chat_log.add_message(unshown.pop())

        events = session.send(text) if text is not None else session.generate()
        try:
            # aclosing: when the stop lands while we are drawing (not inside the generator), closing the
            # generator still runs the session's clean-up, which saves the partial reply.
            async with aclosing(events):
                async for event in events:
                    await show_user_message()
                    if isinstance(event, Started):
                        self._record_started(session, event)
                    track(status, event)
                    await presenter.handle(event)
        except asyncio.CancelledError:
            await show_user_message()
            await presenter.stopped()
            raise
        except ActionError as exc:  # refused before anything was sent or saved (e.g. the message cannot fit)
            if text is not None and not self.composer.text:
                self.composer.load_text(text)  # the text goes back, to shorten or send later
            self.notify(str(exc), markup=False, severity="warning", timeout=8)
        except Exception as exc:  # the session reports failures as events; anything else is still shown
            await show_user_message()
            await presenter.crashed(exc)
        finally:
            self.generating = False
            status.stream_ended()
            self._show_status()
            # No _update_context() here: the status bar has the figure of the prompt just sent (Started).
            self._schedule_inspect(0)

    def _stream_figures(self, phase: str, event: object = None) -> None:
        """The status bar's live figures (tokens/s, queue) for the actions ChatActions streams."""
        status = self.query_one(StatusBar)
        if phase == "start":
            status.stream_started()
        elif phase == "end":
            status.stream_ended()
        else:
            track(status, event)

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
    def _record_started(self, session: ChatSession, started: Started) -> None:
        """The request being sent, as built once by the session: the inspector's "last sent" (what its diff
        compares against) and the status bar's context figure."""
        self.inspector.record_sent(session, started.inspection)
        prompt = started.prompt
        self.query_one(StatusBar).set_context(prompt.token_total, prompt.max_context)

    @on(ReplyStarted)
    def _reply_started(self, message: ReplyStarted) -> None:
        """Swipe, continue, regenerate and impersonate (ChatActions) report their Started this way."""
        self._record_started(message.session, message.started)

    def _update_context(self) -> None:
        """Context used / max in the status bar (the prompt the next reply would send)."""
        if self.session is None:
            return
        try:
            prompt = self.session.inspect(None).prompt
        except Exception:  # the inspector reports prompt problems; the status bar just keeps its last figure
            return
        self.query_one(StatusBar).set_context(prompt.token_total, prompt.max_context)

    @on(TextArea.Changed, "#composer")
    def _composer_changed(self) -> None:
        if self.generating:  # the reply's end refreshes the preview; one built now would be stale at once
            return
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
        self._shown_inspection = inspection
        from tavo_tui.session.server_tokens import has_local_tokenizer

        if has_local_tokenizer(self.session.profile.kind) and not self.generating:
            self._count_on_server(self.session, inspection)
        from tavo_tui.session.presets import needs_derivation

        if needs_derivation(self.session.profile):
            self._derive_templates(self.session)

    @work(exclusive=True, group="derive-templates", exit_on_error=False)
    async def _derive_templates(self, session: ChatSession) -> None:
        """A profile whose instruct template is "auto": read the server's chat template, then redraw the preview
        with the derived templates (sending does this too, so a failure here only leaves the preview on ChatML)."""
        from tavo_tui.session.presets import derive_templates_for

        outcome = await derive_templates_for(session)
        if outcome is not None and outcome.derived is not None and self.session is session and not self.generating:
            self.refresh_inspector()

    @work(exclusive=True, group="server-tokens", exit_on_error=False)
    async def _count_on_server(self, session: ChatSession, inspection: Inspection) -> None:
        """Replace the offline token figures with the server tokenizer's, when the connection has one."""
        from tavo_tui.session.server_tokens import ServerTokenCache, count_on_server

        cache = self._token_caches.setdefault(session.profile.name, ServerTokenCache())
        refined = await count_on_server(session.backend, inspection, cache, label=session.profile.kind)
        if refined is not None and self._shown_inspection is inspection and not self.generating:
            self.inspector.show(refined)

    def watch_generating(self, generating: bool) -> None:
        # Single-slot servers (llama-cpp-python) cut a running reply when another request arrives.
        if generating:
            self.workers.cancel_group(self, "server-tokens")
            # A preview still pending from typing would be stale at once; the reply's end refreshes it.
            if self._inspect_timer is not None:
                self._inspect_timer.stop()
                self._inspect_timer = None

    async def on_unmount(self) -> None:
        # A chat started this run has its id only once its first message was saved; the library's filter is
        # not saved as it is typed.
        self._remember_where(save=True)
        if self.session is not None:
            await self.session.aclose()

