"""One line under the chat: which connection is live (loudly when it is the demo) and what is happening."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from tavo_tui.model import ConnectionProfile
from tavo_tui.ui.safe_text import plain_line

DEMO_LABEL = "DEMO — no model, replies are canned"


def status_content(profile: ConnectionProfile | None, activity: str) -> Content:
    if profile is None:
        conn = Content("no connection")
    elif profile.kind == "demo":
        conn = Content(f" {DEMO_LABEL} ").stylize("bold reverse $demo-badge")
    else:
        conn = Content.assemble(
            ("● ", "$text-success"),
            plain_line(profile.name, "bold"),
            ("  ", ""),
            plain_line(profile.model or profile.kind, "dim"),
        )
    if not activity:
        return conn
    return Content.assemble(conn, "   ", (activity, "italic"))


class StatusBar(Static):
    DEFAULT_CSS = """
    StatusBar { height: 1; padding: 0 1; background: $panel; }
    StatusBar.-demo { background: $demo-badge 15%; }
    """

    def show(self, profile: ConnectionProfile | None, activity: str = "") -> None:
        self.set_class(profile is not None and profile.kind == "demo", "-demo")
        self.update(status_content(profile, activity))
