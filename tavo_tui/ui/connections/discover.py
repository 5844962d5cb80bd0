"""Find LLM servers running on this machine and add the chosen ones as connection profiles.

The probe runs in a worker; what each server says about itself (not its port) names its kind. Server
names and model ids come from the network, so they are shown as literal text.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from tavo_tui.session.connections import DiscoveredServer
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.safe_text import one_line, plain_line

HELP = "space selects · enter adds the selected · r scans again · esc closes"


def server_line(server: DiscoveredServer, known_as: str | None) -> Content:
    models = ", ".join(one_line(m) for m in server.models[:3])
    if len(server.models) > 3:
        models += f" (+{len(server.models) - 3} more)"
    return Content.assemble(
        (server.kind, "bold"),
        "  ",
        plain_line(server.base_url),
        "  ",
        plain_line(server.server, "italic"),
        ("  models: ", "dim"),
        plain_line(models or "none listed", "dim"),
        (f"  (already saved as {one_line(known_as)})" if known_as else "", "dim"),
    )


class DiscoverScreen(KeyModal[list[DiscoveredServer] | None]):
    """Dismisses with the servers to add (possibly empty), or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close", id="discover.cancel"),
        Binding("enter,ctrl+s", "add", "Add selected", id="discover.add", priority=True),
        Binding("r", "scan", "Scan again", id="discover.scan"),
    ]

    DEFAULT_CSS = """
    DiscoverScreen { align: center middle; }
    DiscoverScreen > Vertical {
        width: 100; max-width: 100%; height: auto; max-height: 90%;
        background: $surface; border: round $primary; padding: 0 1;
    }
    DiscoverScreen .title { text-style: bold; height: auto; }
    DiscoverScreen .help, DiscoverScreen .discover-status { color: $text-muted; height: auto; }
    /* The key hints stay at the bottom; the list scrolls within 60% of the screen (it fits 80x24). */
    DiscoverScreen .help { dock: bottom; }
    DiscoverScreen SelectionList { height: auto; max-height: 60vh; border: none; }
    """

    def __init__(
        self,
        scan: Callable[[], Awaitable[list[DiscoveredServer]]],
        known: Callable[[DiscoveredServer], str | None],
        *,
        where: str = "127.0.0.1",
    ) -> None:
        super().__init__()
        self.scan = scan
        self.known = known
        self.where = where
        self.found: list[DiscoveredServer] = []

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Local servers"), classes="title")
            yield Static("", classes="discover-status")
            yield SelectionList[int](id="discover-list")
            yield Static(Content(HELP), classes="help")

    @property
    def selection(self) -> SelectionList[int]:
        return self.query_one("#discover-list", SelectionList)

    def on_mount(self) -> None:
        self.selection.focus()
        self.action_scan()

    def _status(self, text: str) -> None:
        self.query_one(".discover-status", Static).update(plain_line(text))

    def action_scan(self) -> None:
        self._status(f"Probing {self.where} on the usual ports…")
        self._probe()

    @work(exclusive=True, group="discover", exit_on_error=False)
    async def _probe(self) -> None:
        try:
            found = await self.scan()
        except Exception as exc:  # discovery never raises for a dead port; this is a last resort
            self._status(f"Discovery failed: {exc}")
            return
        self.found = list(found)
        selection = self.selection
        selection.clear_options()
        for index, server in enumerate(self.found):
            known_as = self.known(server)
            selection.add_option(Selection(server_line(server, known_as), index, known_as is None))
        if not self.found:
            self._status("Nothing answered. Start your server (llama.cpp, KoboldCpp, Ollama, …) and press r.")
        else:
            count = len(self.found)
            self._status(f"{count} server{'s' if count != 1 else ''} answered; the new ones are selected.")

    def action_add(self) -> None:
        chosen = set(self.selection.selected)
        self.dismiss([server for index, server in enumerate(self.found) if index in chosen])

    def action_cancel(self) -> None:
        self.dismiss(None)
