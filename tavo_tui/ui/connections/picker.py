"""A small modal list to switch the live connection by keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.model import ConnectionProfile
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.safe_text import one_line, plain_line


class ConnectionPicker(KeyModal[str | None]):
    """Dismisses with the chosen profile's name, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="picker.cancel")]

    DEFAULT_CSS = """
    ConnectionPicker { align: center middle; }
    ConnectionPicker > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 80%;
        background: $surface; border: round $primary; padding: 0 1;
    }
    ConnectionPicker OptionList { height: auto; max-height: 20; border: none; }
    """

    def __init__(self, profiles: Sequence[ConnectionProfile], active: str) -> None:
        super().__init__()
        self.profiles = list(profiles)
        self.active = active

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Switch connection (enter to use, esc to cancel)").stylize("bold"))
            options = OptionList(
                *(
                    Option(
                        Content.assemble(
                            "● " if p.name == self.active else "  ",
                            plain_line("demo — canned replies, no model" if p.kind == "demo" else p.name),
                            ("" if p.kind == "demo" else f"  {one_line(p.kind)} · {one_line(p.model or '(no model)')}"
                             f" · {p.mode}", "dim"),
                        ),
                        id=f"pick-{i}",
                    )
                    for i, p in enumerate(self.profiles)
                ),
                id="picker-options",
            )
            yield options

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        names = [p.name for p in self.profiles]
        if self.active in names:
            options.highlighted = names.index(self.active)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.profiles[event.option_index].name)

    def action_cancel(self) -> None:
        self.dismiss(None)
