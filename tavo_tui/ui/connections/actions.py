"""The main screen's connection actions: switch live, pick, test, set default, add and edit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.binding import BindingType
from textual.screen import Screen

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import connections as conn
from tavo_tui.session.connections import DEFAULT_PORTS, ConnectionCheck, DiscoveredServer
from tavo_tui.ui.connections.pane import ConnectionPane
from tavo_tui.ui.keys.registry import CONNECTION_ACTIONS, bindings_for
from tavo_tui.ui.main.status_bar import StatusBar
from tavo_tui.ui.shared.safe_text import one_line

GENERATING = "generating… (esc stops)"

if TYPE_CHECKING:
    from tavo_tui.session import AppContext, ChatSession
    from tavo_tui.ui.connections.editor import EditResult

# Each dialog (picker, editor, confirmation, model list, discovery) is imported by the action that opens it:
# none is needed for the first frame.


class ConnectionActions(Screen[None]):
    """Mixed into MainScreen; needs `ctx`, `session`, `connection_name`, `generating` and the panes."""

    BINDINGS: ClassVar[list[BindingType]] = bindings_for(CONNECTION_ACTIONS)  # the key registry's
    # Ports the discovery probes (tests point it at their own servers).
    discover_ports: Sequence[int] = DEFAULT_PORTS
    discover_timeout: float = 0.3

    if TYPE_CHECKING:
        ctx: AppContext
        session: ChatSession | None
        connection_name: str
        generating: bool

        @property
        def connection_pane(self) -> ConnectionPane: ...

        def _schedule_inspect(self, delay: float) -> None: ...

        def _update_context(self) -> None: ...

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
        profiles = self._profiles()
        hints = {p.name: conn.key_status(self.ctx, p) for p in profiles if p.kind != "demo"}
        self.connection_pane.set_profiles(profiles, active=self.active_profile_name, default=default, key_hints=hints)

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
        self._update_context()  # the new profile's context size, in the status bar at once
        self._schedule_inspect(0)
        label = "the demo (canned replies)" if name == "demo" else name
        self.notify(f"Now using {label}", markup=False, timeout=2)
        return True

    def action_pick_connection(self) -> None:
        def chosen(name: str | None) -> None:
            if name:
                self.switch_connection(name)

        from tavo_tui.ui.connections.picker import ConnectionPicker

        self.app.push_screen(ConnectionPicker(self._profiles(), self.active_profile_name), chosen)

    def action_test_connection(self) -> None:
        self._test_connection(self.connection_pane.selected_name or self.active_profile_name)

    @work(exclusive=True, group="check", exit_on_error=False)
    async def _test_connection(self, name: str) -> None:
        """The cheapest real call for `name`; works without an open chat."""
        pane = self.connection_pane
        pane.show_status(f"Testing {name}…", ok=None)
        try:
            result = await conn.check_profile(self.ctx, name)
        except Exception as exc:  # the helper reports server trouble itself; this is a last resort
            result = ConnectionCheck(False, 0.0, str(exc))
        from tavo_tui.ui.connections.editor import describe_check

        line = one_line(f"{name}: {describe_check(result)}")  # server text: no control sequences on screen
        pane.show_status(line, ok=result.ok)
        self.notify(line, markup=False, severity="information" if result.ok else "error")

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
        elif event.action == "model" and name:
            self.pick_model(name)
        elif event.action == "discover":
            self.action_discover_servers()
        elif event.action == "remove" and name:
            self.remove_connection(name)

    def action_add_connection(self) -> None:
        self.edit_connection(None)

    def action_welcome(self) -> None:
        from tavo_tui.ui.welcome.screen import open_welcome

        open_welcome(self)

    def edit_connection(self, name: str | None) -> None:
        profile = next((p for p in self._profiles() if p.name == name), None) if name else None
        if profile is not None and profile.kind == "demo":
            self.notify("The demo connection is built in; use Add to create your own.", markup=False)
            return
        ctx = self.ctx

        async def fetch(profile: ConnectionProfile, key: str | None) -> conn.ModelListing:
            return await conn.list_models(ctx, profile, api_key=key)

        async def check(profile: ConnectionProfile, key: str | None) -> ConnectionCheck:
            return await conn.check_profile(ctx, profile, api_key=key)

        from tavo_tui.ui.connections.editor import ConnectionEditor

        editor = ConnectionEditor(profile, kinds=known_kinds(), key_hint=conn.key_status(ctx, profile),
                                  fetch_models=fetch, check=check)  # fmt: skip
        self.app.push_screen(editor, self._save_connection)

    def remove_connection(self, name: str) -> None:
        """Remove a profile after asking; a chat using it falls back to the default connection."""
        if name == "demo":
            self.notify("The demo connection is built in and cannot be removed.", markup=False)
            return

        def answered(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.ctx.profiles.remove(name)
            except Exception as exc:
                self.notify(f"Not removed: {exc}", markup=False, severity="error")
                return
            self.notify(f"Removed connection {one_line(name)}", markup=False, timeout=2)
            if name == self.active_profile_name:
                self.switch_connection(self._fallback_connection())
            else:
                self._refresh_connections()

        from tavo_tui.ui.connections.confirm import ConfirmRemove

        self.app.push_screen(ConfirmRemove(name), answered)

    def _fallback_connection(self) -> str:
        try:
            return self.ctx.profiles.default_name
        except Exception:
            return "demo"

    def action_edit_connection(self) -> None:
        """Edit the connection the chat uses now."""
        self.edit_connection(self.active_profile_name)

    # ---- models ------------------------------------------------------------------------------------------
    def action_pick_model(self) -> None:
        """Choose the model of the selected connection (pane focused) or of the one in use."""
        pane = self.connection_pane
        focused = pane.display and pane.options.has_focus
        self.pick_model((pane.selected_name if focused else None) or self.active_profile_name)

    def pick_model(self, name: str) -> None:
        profile = next((p for p in self._profiles() if p.name == name), None)
        if profile is None or profile.kind == "demo":
            self.notify("The demo connection has no models to choose; pick another connection.", markup=False)
            return
        ctx = self.ctx

        def chosen(model: str | None) -> None:
            if not model or model == profile.model:
                return
            try:
                conn.set_model(ctx, name, model)
            except Exception as exc:
                self.notify(f"Model not saved: {exc}", markup=False, severity="error")
                return
            self.notify(one_line(f"{name} now uses model {model}"), markup=False, timeout=3)
            if name == self.active_profile_name:
                self.switch_connection(name)  # reload into the live chat; status bar and inspector follow
            else:
                self._refresh_connections()

        from tavo_tui.ui.connections.model_picker import ModelPicker

        picker = ModelPicker(name, profile.model, lambda: conn.list_models(ctx, profile))
        self.app.push_screen(picker, chosen)

    # ---- discovery ---------------------------------------------------------------------------------------
    def action_discover_servers(self) -> None:
        ctx, ports, timeout = self.ctx, list(self.discover_ports), self.discover_timeout

        def known(server: DiscoveredServer) -> str | None:
            try:
                return conn.already_known(ctx, server)
            except Exception:
                return None

        from tavo_tui.ui.connections.discover import DiscoverScreen

        screen = DiscoverScreen(lambda: conn.discover_servers(ports, timeout), known)
        self.app.push_screen(screen, self._add_discovered)

    def _add_discovered(self, servers: list[DiscoveredServer] | None) -> None:
        if not servers:
            return
        try:
            added = conn.add_discovered(self.ctx, servers)
        except Exception as exc:
            self.notify(f"Not added: {exc}", markup=False, severity="error")
            return
        self._refresh_connections()
        names = ", ".join(p.name for p in added)
        self.notify(f"Added {names}. Select one and press enter (or F5) to use it.", markup=False, timeout=4)

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
    from tavo_tui.session.connections import KINDS

    return sorted(KINDS)
