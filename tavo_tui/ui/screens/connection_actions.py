"""The main screen's connection actions: switch live, pick, test, set default, add and edit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from tavo_tui.model import ConnectionProfile
from tavo_tui.ui.screens.connection_editor import ConnectionEditor, EditResult
from tavo_tui.ui.screens.connection_picker import ConnectionPicker
from tavo_tui.ui.widgets.connection_pane import ConnectionPane
from tavo_tui.ui.widgets.status_bar import StatusBar

GENERATING = "generating… (esc stops)"

if TYPE_CHECKING:
    from tavo_tui.session import AppContext, ChatSession


class ConnectionActions(Screen[None]):
    """Mixed into MainScreen; needs `ctx`, `session`, `connection_name`, `generating` and the panes."""

    if TYPE_CHECKING:
        ctx: AppContext
        session: ChatSession | None
        connection_name: str
        generating: bool

        @property
        def connection_pane(self) -> ConnectionPane: ...

        def _schedule_inspect(self, delay: float) -> None: ...

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
        self._show_status(GENERATING if self.generating else "")
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

    def on_connection_pane_action(self, event: ConnectionPane.Action) -> None:
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


def known_kinds() -> list[str]:
    """Backend kinds the editor accepts and suggests; the backend registry is the source of truth."""
    from tavo_tui.backends.registry import KINDS

    return sorted(KINDS)
