"""Small modals for the prompt inspector: pick a connection to compare with, and type a file name to save to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from tavo_tui.model import ConnectionProfile
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import one_line, plain_line
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 70; max-width: 100%; height: auto; max-height: 90%;
    background: $surface; border: round $primary; padding: 0 1;
}}
{name} OptionList {{ height: auto; max-height: 60vh; border: none; }}  /* scrolls itself: fits 80x24 */
{name} OptionList:focus {{ border: none; }}  /* a focus border would cut wrapped rows' ends (as in the picker) */
{name} Input {{ margin: 1 0 0 0; }}
{name} .dialog-hint {{ color: $text-muted; }}
"""


class CompareConnectionPicker(KeyModal[str | None]):
    """Dismisses with the chosen profile's name, or None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="compare.cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="CompareConnectionPicker")

    def __init__(self, profiles: Sequence[ConnectionProfile], active: str) -> None:
        super().__init__()
        self.profiles = [p for p in profiles if p.name != active] or list(profiles)
        self.active = active

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Compare this turn with another connection (enter, esc to cancel)").stylize("bold"))
            yield OptionList(
                *(
                    Option(
                        Content.assemble(plain_line(p.name), (f"  {one_line(p.kind)} · {p.mode} · "
                                                              f"{one_line(p.model or '-')}", "dim")),
                        id=f"compare-{i}",
                    )
                    for i, p in enumerate(self.profiles)
                ),
                id="compare-options",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.profiles[event.option_index].name)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SavePathPrompt(KeyModal[str | None]):
    """Asks for a file name (prefilled); dismisses with it on enter, None on escape."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="save.cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="SavePathPrompt")

    def __init__(self, default: str) -> None:
        super().__init__()
        self.default = default

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Save the request to a file").stylize("bold"))
            yield Static(Content("A name ending in .sh saves the curl command (key masked); anything else the "
                                 "JSON body. Enter saves, esc cancels."), classes="dialog-hint")
            yield SafeInput(value=self.default, id="save-path")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class SectionViewer(KeyModal[None]):
    """One prompt section in full, read-only (enter on a row of the sections or dropped list)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close", id="section.close")]
    DEFAULT_CSS = """
    SectionViewer { align: center middle; }
    SectionViewer > Vertical {
        width: 90%; height: 80%; background: $surface; border: round $primary; padding: 0 1;
    }
    SectionViewer TextArea { height: 1fr; border: none; }
    SectionViewer .dialog-hint { color: $text-muted; }
    """

    def __init__(self, title: Content, text: str) -> None:
        super().__init__()
        self.title_content = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_content)
            # TextArea never parses markup; the caller has already stripped terminal control sequences.
            yield SafeTextArea(self.text, read_only=True, soft_wrap=True, show_line_numbers=False, id="section-text")
            yield Static(Content("esc closes"), classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()

    def action_close(self) -> None:
        self.dismiss(None)
