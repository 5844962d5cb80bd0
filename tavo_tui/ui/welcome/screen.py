"""The welcome dialog: local servers found first, then kind, base URL (shown as it will be used), optional API
key, model (listed by the server or typed), a test message with its reply, and "make default".

Everything from the network (server names, model ids, the reply, errors) is shown as literal text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from tavo_tui.model import ConnectionProfile
from tavo_tui.session.connections import DiscoveredServer, discover_servers, editable_kinds, list_models
from tavo_tui.session.welcome import preview_url, save_welcome_profile, send_test_message, welcome_profile
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import one_line, plain_line

if TYPE_CHECKING:
    from tavo_tui.session import AppContext
    from tavo_tui.ui.connections.actions import ConnectionActions

FIRST_KIND = "openai-compatible"
INTRO = ("The sample characters are in your library and the demo connection works now. "
         "To chat with a real model, set up a connection (esc skips; the palette's \"Set up a connection\" "
         "brings this back).")


def kind_options() -> list[tuple[Content, str]]:
    """The custom OpenAI-compatible kind first (what most servers speak), then the rest in registry order."""
    kinds = sorted(editable_kinds(), key=lambda k: k.name != FIRST_KIND)
    return [(Content(f"{k.name} — {k.description}"), k.name) for k in kinds]


def found_line(server: DiscoveredServer) -> Content:
    models = ", ".join(one_line(m) for m in server.models[:2]) or "no models listed"
    return Content.assemble((server.kind, "bold"), "  ", plain_line(server.base_url), ("  " + models, "dim"))


class WelcomeScreen(ModalScreen[str | None]):
    """Dismisses with the name of the saved connection, or None when skipped."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "skip", "Skip", id="welcome.skip"),
        Binding("ctrl+s", "save", "Save", id="welcome.save", priority=True),
        Binding("ctrl+t", "test", "Test message", id="welcome.test", priority=True),
    ]

    DEFAULT_CSS = """
    WelcomeScreen { align: center middle; }
    WelcomeScreen > Vertical {
        width: 90; max-width: 100%; height: auto; max-height: 100%;
        background: $surface; border: round $primary; padding: 0 1;
    }
    WelcomeScreen .title { text-style: bold; height: auto; }
    WelcomeScreen .intro, WelcomeScreen .used, WelcomeScreen .status { color: $text-muted; height: auto; }
    /* The form scrolls; title, intro and buttons stay on screen (it fits 80x24). */
    WelcomeScreen #welcome-form { height: auto; max-height: 60vh; }
    WelcomeScreen Label { margin-top: 1; }
    WelcomeScreen OptionList { height: auto; max-height: 5; border: none; }
    WelcomeScreen .row { height: auto; }
    WelcomeScreen .row Input { width: 1fr; }
    WelcomeScreen #w-reply { height: auto; }
    WelcomeScreen .buttons { height: auto; margin-top: 1; }
    WelcomeScreen .buttons Button { margin-right: 1; }
    """

    def __init__(self, ctx: AppContext, *, ports: Sequence[int], timeout: float) -> None:
        super().__init__()
        self.ctx = ctx
        self.ports = list(ports)
        self.timeout = timeout
        self.found: list[DiscoveredServer] = []
        self._models: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Welcome to tavo-tui"), classes="title")
            yield Static(Content(INTRO), classes="intro")
            with VerticalScroll(id="welcome-form"):
                yield Label("Found on this machine (enter uses one)")
                yield OptionList(id="w-found", compact=True)
                yield Static(Content("looking for local servers…"), classes="status", id="w-found-status")
                yield Label("Kind")
                yield Select(kind_options(), value=FIRST_KIND, allow_blank=False, id="w-kind", compact=True)
                yield Label("Base URL (with or without /v1)")
                yield SafeInput("", placeholder="http://127.0.0.1:8080", id="w-url", compact=True)
                yield Static("", classes="used", id="w-used")
                yield Label("API key (optional; stored in the private secrets file)")
                yield SafeInput("", password=True, id="w-key", compact=True)
                yield Label("Model (type it, or list the server's)")
                with Horizontal(classes="row"):
                    yield SafeInput("", id="w-model", compact=True)
                    yield Button(Content("List models"), id="w-list", compact=True)
                yield OptionList(id="w-models", compact=True)
                yield Static("", classes="status", id="w-models-status")
                with Horizontal(classes="row"):
                    yield Button(Content("Send a test message (ctrl+t)"), id="w-test", compact=True)
                yield Static("", id="w-reply")
                yield Checkbox("Make it the default connection", value=True, id="w-default", compact=True)
            with Horizontal(classes="buttons"):
                yield Button(Content("Save (ctrl+s)"), variant="primary", id="w-save", compact=True)
                yield Button(Content("Skip (esc)"), id="w-skip", compact=True)

    def on_mount(self) -> None:
        self.query_one("#w-models", OptionList).display = False
        self._show_used()
        self.query_one("#w-url", Input).focus()
        self._scan()

    # ---- fields -------------------------------------------------------------------------------------------
    @property
    def kind(self) -> str:
        value = self.query_one("#w-kind", Select).value
        return value if isinstance(value, str) else FIRST_KIND

    def profile_name(self) -> str:
        return self.kind

    def _profile(self) -> ConnectionProfile:
        return welcome_profile(self.profile_name(), self.kind, self.query_one("#w-url", Input).value,
                               self.query_one("#w-model", Input).value)

    def _key(self) -> str | None:
        return self.query_one("#w-key", Input).value.strip() or None

    def used_url(self) -> str:
        return preview_url(self.kind, self.query_one("#w-url", Input).value)

    def _show_used(self) -> None:
        self.query_one("#w-used", Static).update(Content.assemble(("will use: ", "dim"), plain_line(self.used_url())))

    @on(Input.Changed, "#w-url")
    @on(Select.Changed, "#w-kind")
    def _fields_changed(self) -> None:
        self._show_used()

    # ---- discovery: offered first ---------------------------------------------------------------------------
    @work(exclusive=True, group="welcome-scan")
    async def _scan(self) -> None:
        found = await discover_servers(self.ports, timeout=self.timeout)
        self.found = found
        options = self.query_one("#w-found", OptionList)
        options.clear_options()
        options.add_options([Option(found_line(s)) for s in found])
        status = self.query_one("#w-found-status", Static)
        status.update(Content("" if found else "none found; fill in the server below"))
        status.display = not found
        if found:
            options.highlighted = 0
            options.focus()

    @on(OptionList.OptionSelected, "#w-found")
    def _use_found(self, event: OptionList.OptionSelected) -> None:
        server = self.found[event.option_index]
        self.query_one("#w-kind", Select).value = server.kind
        self.query_one("#w-url", Input).value = server.base_url
        if server.models:
            self.query_one("#w-model", Input).value = server.models[0]
        self._show_used()
        self.query_one("#w-model", Input).focus()

    # ---- models -----------------------------------------------------------------------------------------------
    @on(Button.Pressed, "#w-list")
    def _list_pressed(self) -> None:
        self.query_one("#w-models-status", Static).update(Content("asking the server…"))
        self._list_models()

    @work(exclusive=True, group="welcome-models")
    async def _list_models(self) -> None:
        listing = await list_models(self.ctx, self._profile(), api_key=self._key())
        models = self.query_one("#w-models", OptionList)
        models.clear_options()
        models.add_options([Option(plain_line(m)) for m in listing.models])
        self._models = list(listing.models)
        models.display = listing.ok
        self.query_one("#w-models-status", Static).update(
            plain_line(f"{len(listing.models)} models; enter picks one" if listing.ok else listing.reason))
        if listing.ok:
            models.highlighted = 0
            models.focus()

    @on(OptionList.OptionSelected, "#w-models")
    def _model_picked(self, event: OptionList.OptionSelected) -> None:
        self.query_one("#w-model", Input).value = self._models[event.option_index]
        self.query_one("#w-models", OptionList).display = False
        self.query_one("#w-test", Button).focus()

    # ---- test message ---------------------------------------------------------------------------------------
    @on(Button.Pressed, "#w-test")
    def action_test(self) -> None:
        self.query_one("#w-reply", Static).update(Content("sending a test message…"))
        self._send_test()

    @work(exclusive=True, group="welcome-test")
    async def _send_test(self) -> None:
        reply = await send_test_message(self._profile(), self._key())
        label = ("reply: ", "bold green") if reply.ok else ("failed: ", "bold red")
        self.query_one("#w-reply", Static).update(Content.assemble(label, plain_line(reply.text)))

    # ---- save / skip ----------------------------------------------------------------------------------------
    @on(Button.Pressed, "#w-save")
    def action_save(self) -> None:
        default = self.query_one("#w-default", Checkbox).value
        try:
            name = save_welcome_profile(self.ctx, self._profile(), self._key(), default=default)
        except Exception as exc:  # a store error: shown, the dialog stays with everything typed
            self.query_one("#w-reply", Static).update(Content.assemble(("not saved: ", "bold red"),
                                                                       plain_line(str(exc))))
            return
        self.dismiss(name)

    @on(Button.Pressed, "#w-skip")
    def action_skip(self) -> None:
        self.dismiss(None)


def open_welcome(screen: ConnectionActions) -> None:
    """Push the welcome over the main screen; a saved connection is listed, and used when made default.
    Finished or skipped, it is not offered again at start-up."""

    def done(name: str | None) -> None:
        app = screen.app
        settings = getattr(app, "ui_settings", None)
        if settings is not None and not settings.welcome_done:
            settings.welcome_done = True
            app.save_settings()  # type: ignore[attr-defined]
        if name is None:
            return
        screen.notify(f"Saved connection {name}", markup=False, timeout=3)
        screen._refresh_connections()
        if screen.ctx.profiles.default_name == name:
            screen.switch_connection(name)

    screen.app.push_screen(WelcomeScreen(screen.ctx, ports=screen.discover_ports, timeout=screen.discover_timeout),
                           done)
