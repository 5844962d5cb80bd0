"""The Textual application: themes, the main screen, the command palette."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Button, Input, OptionList, TextArea

from tavo_tui import heap
from tavo_tui.session.ui_settings import UiSettings, keymap_file, load_keymap, load_ui_settings, save_ui_settings
from tavo_tui.ui.keys.commands import main_screen_commands, run_entry
from tavo_tui.ui.keys.context import focus_group, leader_context
from tavo_tui.ui.keys.help import HelpScreen, key_rows
from tavo_tui.ui.keys.keymap import Reserved, check_keymap, ui_binding_ids
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.keys.palette import TavoProvider
from tavo_tui.ui.keys.registry import (
    APP,
    CARD_LIST,
    CHAT_LOG,
    COMPOSER,
    CONNECTION_PANE,
    ENTRIES,
    GROUP_TITLES,
    INSPECTOR,
    bindings_for,
)
from tavo_tui.ui.main.key_gate import KeyGate
from tavo_tui.ui.main.screen import MainScreen
from tavo_tui.ui.shared.clipboard import passthrough_copy
from tavo_tui.ui.shared.safe_text import sanitize
from tavo_tui.ui.shared.theming import BUILTIN_THEME_DIR, DEFAULT_THEME, FALLBACK_THEME, VARIABLE_DEFAULTS, load_themes

if TYPE_CHECKING:
    from tavo_tui.session import AppContext


class TavoApp(App[int]):
    """Full-screen chat client. All data access goes through `ctx` (the session layer)."""

    TITLE = "tavo-tui"
    CSS_PATH = "app.tcss"
    # Quit stays on ctrl+q; ctrl+c copies a selection (Textual's default) and never quits.
    ENABLE_COMMAND_PALETTE = True
    # One provider, so the palette lists the app's actions first (it also yields Textual's own commands).
    COMMANDS: ClassVar[set[type[Provider] | Callable[[], type[Provider]]]] = {TavoProvider}
    BINDINGS: ClassVar[list[BindingType]] = bindings_for(APP)

    def __init__(
        self,
        ctx: AppContext,
        *,
        card_path: Path | None = None,
        connection: str | None = None,
        theme_dirs: Iterable[Path] = (),
        welcome: bool = False,
    ) -> None:
        super().__init__()
        self.welcome = welcome  # open the first-run welcome over the main screen once it is up
        self.ctx = ctx
        self.card_path = card_path
        self.connection = connection
        self.last_input = 0.0  # monotonic time of the last key press
        self.tune_heap = False  # run_tui turns it on: the garbage-collector policy is for a real process only
        # Built-in themes first, then the user's (a user file may replace a built-in theme of the same name).
        self.theme_dirs = [BUILTIN_THEME_DIR, user_theme_dir(ctx), *theme_dirs]
        self.theme_errors: list[str] = []
        settings = load_ui_settings(ctx.paths)
        keymap = load_keymap(ctx.paths)
        self.ui_settings: UiSettings = settings.value
        # The keymap in force: the file's entries that name a binding and collide with none (the rest are
        # reported at start-up). Help, the palette and the composer's hint read it.
        checked = check_keymap(keymap.value, source=str(keymap_file(ctx.paths)), reserved=reserved_keys,
                               other_ids=ui_binding_ids)
        self.keymap = checked.keymap
        self.settings_errors = [*settings.errors, *keymap.errors, *checked.warnings]
        self.set_keymap(self.keymap)
        self.key_gate = KeyGate(self)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.last_input = time.monotonic()  # a streaming reply lets this key's frame go first
            # Keys read together are handled one after another (a key closing a dialog has closed it before
            # the next one is routed): the gate hands each back to this method in turn.
            if not event.is_forwarded and await self.key_gate.take(event):
                return
            # A modal that takes single keys takes them here, in the order they were read: keys of the same
            # burst after it then go where they belong, never to a modal already dismissed.
            screen = self.screen_stack[-1] if self.screen_stack else None  # none left while the app closes
            if not event.is_forwarded and isinstance(screen, KeyModal) and await screen.take_key(event):
                return
        await super().on_event(event)

    def copy_to_clipboard(self, text: str) -> None:
        # Textual keeps its own copy and writes a bare OSC 52; inside tmux/screen a wrapped copy follows,
        # because a multiplexer drops the bare one unless it is set up to take it.
        super().copy_to_clipboard(text)
        wrapped = passthrough_copy(text, os.environ)
        if wrapped is not None and self._driver is not None:
            self._driver.write(wrapped)

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notice goes through here (widgets' notify calls the app's): names, paths and server errors in
        it are untrusted, so their control characters are shown as stand-ins, never written to the terminal."""
        super().notify(sanitize(message), title=sanitize(title), severity=severity, timeout=timeout,
                       markup=markup)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        loaded = load_themes(*self.theme_dirs)
        for theme in loaded.themes:
            self.register_theme(theme)
        self.theme_errors = loaded.errors
        saved = self.ui_settings.theme
        if saved and saved in self.available_themes:
            self.theme = saved
        else:
            self.theme = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else FALLBACK_THEME
        for error in loaded.errors:
            self.notify(f"Theme skipped: {error}", markup=False, severity="warning")
        for error in self.settings_errors:
            self.notify(error, markup=False, severity="warning", timeout=8)
        # Any theme change (our palette entries or Textual's own theme picker) is remembered.
        self.watch(self, "theme", self._remember_theme, init=False)
        if self.welcome:
            self.call_after_refresh(self.main_screen.action_welcome)

    def get_default_screen(self) -> Screen[Any]:
        # The main screen is the app's first screen: pushing it over Textual's blank default screen cost a
        # second screen's compose, layout and paint before the first frame.
        return MainScreen(self.ctx, card_path=self.card_path, connection=self.connection, settings=self.ui_settings)

    def on_ready(self) -> None:
        if self.is_headless or not self.tune_heap:
            return
        heap.freeze_startup_heap()
        self.set_interval(heap.IDLE_COLLECT_SECONDS, self._collect_when_quiet)

    def _collect_when_quiet(self) -> None:
        # Never mid-reply: a full collection is a pause, and a reply's frames are what it would delay.
        screen = next((s for s in self.screen_stack if isinstance(s, MainScreen)), None)
        if screen is None or not screen.generating:
            heap.collect_if_due()

    def _remember_theme(self, theme: str) -> None:
        self.ui_settings.theme = theme
        self.save_settings()

    def save_settings(self) -> None:
        """Write ui.json; a failure is shown once and the app carries on with the settings in memory."""
        try:
            save_ui_settings(self.ctx.paths, self.ui_settings)
        except OSError as exc:
            self.notify(f"Cannot save UI settings: {exc}", markup=False, severity="warning")

    def action_show_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen(key_rows(focus_group(self.screen), leader_context(self.screen), self.keymap)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "leader":  # in a dialog the key goes on to the dialog
            return isinstance(self.screen, MainScreen)
        return True

    def action_leader(self) -> None:
        """Open the leader overlay for the focused pane; the key after the leader picks the action."""
        from tavo_tui.ui.keys.leader import LeaderScreen

        screen = self.screen
        if isinstance(screen, MainScreen):
            self.push_screen(LeaderScreen(leader_context(screen), self.keymap, partial(run_entry, screen)))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Ours first: the palette lists them in this order, before Textual's own (themes, quit, ...).
        if isinstance(screen, MainScreen):
            yield from main_screen_commands(screen, self.keymap)
        yield from super().get_system_commands(screen)

    @property
    def main_screen(self) -> MainScreen:
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        raise LookupError("the main screen is not open")


# The widgets each pane is made of: their own keys (a text field's f6 selects a line, a list's enter picks) win
# while they have the focus, so a keymap entry must not use them there.
PANE_WIDGETS: dict[str, tuple[type[Widget], ...]] = {
    COMPOSER: (TextArea,), CARD_LIST: (OptionList, Input), CONNECTION_PANE: (OptionList, Button),
    INSPECTOR: (TextArea, OptionList), CHAT_LOG: (VerticalScroll,),
}


def _keys_of(classes: Iterable[type[DOMNode]]) -> Iterator[Binding]:
    for cls in classes:
        for base in cls.__mro__:
            for binding in vars(base).get("BINDINGS", ()):
                if isinstance(binding, Binding):
                    yield binding


def reserved_keys() -> list[Reserved]:
    """Keys a keymap entry must not take: Textual's app keys (quit, the palette), and each pane's widget keys
    (except those the pane's own bindings replace on purpose, such as the composer's page up)."""
    reserved = [Reserved(TavoApp.COMMAND_PALETTE_BINDING, "the command palette")]
    for binding in _keys_of([App]):
        reserved += [Reserved(key, binding.description or binding.action) for key in binding.key.split(",")]
    for owner, classes in PANE_WIDGETS.items():
        own = {key for entry in ENTRIES if entry.owner == owner for key in entry.bound}
        pane = GROUP_TITLES[next(entry.group for entry in ENTRIES if entry.owner == owner)]
        for binding in _keys_of(classes):
            what = f"{binding.description or binding.action.replace('_', ' ')} (a built-in key) in the {pane}"
            reserved += [Reserved(key, what, owner) for key in binding.key.split(",") if key not in own]
    return reserved


def user_theme_dir(ctx: AppContext) -> Path:
    """Where users drop their own theme files: `<config dir>/themes/*.json`."""
    return Path(ctx.paths.config_dir) / "themes"


def run_tui(ctx: AppContext, card_path: Path | None = None, connection: str | None = None, *,
            welcome: bool = False) -> int:
    """Run the app until the user quits; returns the process exit code (`welcome`: open the first-run welcome)."""
    heap.tune_collector()
    app = TavoApp(ctx, card_path=card_path, connection=connection, welcome=welcome)
    app.tune_heap = True
    app.run()
    return app.return_code or 0
