"""Pictures of dialogs at 80x24 with content taller than the screen (update with `pytest
tests/ui/test_snapshots_dialogs.py --snapshot-update` and look at the result first).

Each dialog is shown over a bare host app in the default theme, so only the dialog's own layout is drawn: its
key hints (or buttons) at the bottom, inside the screen, and a list scrolled to its highlighted entry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, TextArea

from tavo_tui.session.connections import ModelListing
from tavo_tui.ui.chat.personas_screen import PersonaEditor
from tavo_tui.ui.connections.editor import ConnectionEditor
from tavo_tui.ui.connections.model_picker import ModelPicker
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ReportDialog
from tavo_tui.ui.shared.theming import BUILTIN_THEME_DIR, DEFAULT_THEME, VARIABLE_DEFAULTS, load_themes

APP_CSS = Path(__file__).parents[2] / "tavo_tui" / "ui" / "app.tcss"
ROWS = 60


async def _models() -> ModelListing:
    return ModelListing(tuple(f"org/model-{i}" for i in range(ROWS)), "")


DIALOGS: dict[str, Callable[[], Screen[Any]]] = {
    "choice": lambda: ChoiceDialog(Content("Pick a greeting"), [Content(f"greeting {i}") for i in range(ROWS)],
                                   highlighted=ROWS - 1),
    "report": lambda: ReportDialog(Content("Import report"), Content("\n".join(f"card {i}: ok" for i in range(ROWS)))),
    "model-picker": lambda: ModelPicker("local", f"org/model-{ROWS - 1}", _models),
    "persona-editor": lambda: PersonaEditor(None),
    "connection-editor": lambda: ConnectionEditor(None),
}


class Host(App[None]):
    CSS_PATH = APP_CSS

    def __init__(self, dialog: Callable[[], Screen[Any]]) -> None:
        super().__init__()
        self.dialog = dialog

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    def on_mount(self) -> None:
        for theme in load_themes(BUILTIN_THEME_DIR).themes:
            self.register_theme(theme)
        self.theme = DEFAULT_THEME
        self.push_screen(self.dialog())


async def steady(pilot: Pilot[Any]) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    for widget in pilot.app.screen.query("Input, TextArea"):
        if isinstance(widget, (Input, TextArea)):
            widget.cursor_blink = False
    await pilot.pause()


@pytest.mark.parametrize("name", list(DIALOGS))
def test_dialog_at_80x24(snap_compare: Any, name: str) -> None:
    assert snap_compare(Host(DIALOGS[name]), terminal_size=(80, 24), run_before=steady)
