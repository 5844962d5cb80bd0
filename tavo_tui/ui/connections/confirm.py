"""Ask before removing a connection profile (its stored key goes with it)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.safe_text import plain_line


class ConfirmRemove(KeyModal[bool]):
    """`y` or enter removes, `n` or escape keeps."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Remove", id="remove.yes"),
        Binding("n,escape", "answer(False)", "Keep", id="remove.no"),
    ]
    DEFAULT_CSS = """
    ConfirmRemove { align: center middle; }
    ConfirmRemove > Vertical {
        width: 64; max-width: 100%; height: auto; background: $surface; border: round $error; padding: 0 1;
    }
    ConfirmRemove .help { color: $text-muted; }
    """

    def __init__(self, name: str) -> None:
        super().__init__()
        self.profile_name = name

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.assemble("Remove the connection ", plain_line(self.profile_name, "bold"),
                                          "? Its stored API key is deleted too."))  # fmt: skip
            yield Static(Content("y / enter: remove    n / esc: keep"), classes="help")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)
