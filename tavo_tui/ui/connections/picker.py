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

    # Priority bindings: the app runs them as it reads each key, in order, so a key typed after enter goes to
    # the screen below. Left to the list, enter waited in the list's queue and the keys read after it were
    # sent to the list too, before the picker closed: typed ahead, they never reached the composer.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel", priority=True),
        Binding("enter", "choose", "Use", id="picker.choose", priority=True),
        Binding("up", "move(-1)", "Up", id="picker.up", show=False, priority=True),
        Binding("down", "move(1)", "Down", id="picker.down", show=False, priority=True),
        Binding("home", "move(-1000)", "First", id="picker.first", show=False, priority=True),
        Binding("end", "move(1000)", "Last", id="picker.last", show=False, priority=True),
    ]

    DEFAULT_CSS = """
    ConnectionPicker { align: center middle; }
    ConnectionPicker > Vertical {
        width: 60; max-width: 100%; height: auto; max-height: 80%;
        background: $surface; border: round $primary; padding: 0 1;
    }
    ConnectionPicker OptionList { height: auto; max-height: 20; border: none; }
    /* Focus must not add OptionList's own border: rows were wrapped at the width without it, and the border
       then cut each wrapped row's last cells off (a probe lost the end of long connection names). */
    ConnectionPicker OptionList:focus { border: none; }
    """
    # Rows the dialog spends on its title and border: the list gets the rest of the 80% (see `_fit`).
    CHROME = 3

    def __init__(self, profiles: Sequence[ConnectionProfile], active: str) -> None:
        super().__init__()
        self.profiles = list(profiles)
        self.active = active
        names = [p.name for p in self.profiles]
        # The highlighted row lives here, not only in the list: keys can arrive before the list is mounted.
        self.index = names.index(active) if active in names else 0

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
        self._fit(self.app.size.height)
        if self.profiles:
            options.highlighted = self.index
        options.focus()

    def on_resize(self) -> None:
        self._fit(self.app.size.height)

    def _fit(self, height: int) -> None:
        """Cap the list to what the dialog can show, so it scrolls to the highlighted row instead of being
        clipped below the dialog's edge (at 24 rows the dialog is shorter than 20 rows of list)."""
        self.query_one(OptionList).styles.max_height = max(3, min(20, height * 8 // 10 - self.CHROME))

    def action_move(self, step: int) -> None:
        if self.dismissed or not self.profiles:
            return
        self.index = max(0, min(len(self.profiles) - 1, self.index + step))
        if self.is_mounted:
            self.query_one(OptionList).highlighted = self.index

    def action_choose(self) -> None:
        if self.profiles:
            self.dismiss(self.profiles[self.index].name)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()  # a click: enter is the binding above
        self.dismiss(self.profiles[event.option_index].name)

    def action_cancel(self) -> None:
        self.dismiss(None)  # KeyModal: once only, so a second enter or esc in a burst cannot pop the screen below
