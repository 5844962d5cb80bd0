"""Small modal dialogs shared by the library and chat actions: confirm, ask for a line, edit text, pick one,
pick several, read a report. Every caller-supplied text arrives as `Content` (untrusted text is never markup)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Input, OptionList, SelectionList, Static, TextArea
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.editor import edit_in_editor
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

# A dialog is at most 90% of the screen. Its key hints are docked at the bottom, so they stay in sight when the
# content is taller than that and scrolls; a list or text box inside is capped at 60% of the screen (`vh`), so
# it scrolls itself (keeping its cursor in view) instead of running past the dialog's edge. 60vh + the
# dialog's frame (border, title, hints: 6 rows) fits a 24-row terminal.
DIALOG_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 80%; max-width: 100; height: auto; max-height: 90%; overflow-y: auto;
    border: round $primary; background: $surface; padding: 0 1;
}}
{name} .dialog-title {{ text-style: bold; height: auto; margin-bottom: 1; }}
{name} .dialog-help {{ dock: bottom; color: $text-muted; height: auto; margin-top: 1; }}
"""


def _help(text: str) -> Static:
    return Static(Content(text), classes="dialog-help")


class ConfirmDialog(KeyModal[bool]):
    """Yes/no. `y` or enter confirms, `n` or escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm-yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm-no"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="ConfirmDialog")

    def __init__(self, question: Content) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.question, classes="dialog-title")
            yield _help("y / enter: yes    n / esc: no")

    def action_answer(self, value: bool) -> None:
        self.dismiss(value)


class TextPrompt(KeyModal[str | None]):
    """Ask for one line (a name, a path, a search). Enter submits, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="prompt-cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="TextPrompt")

    def __init__(self, title: Content, value: str = "", placeholder: str = "", help_text: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.help_text = help_text or "enter: OK    esc: cancel"

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title")
            yield SafeInput(self.value, placeholder=self.placeholder, id="prompt-input")
            yield _help(self.help_text)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextEditDialog(KeyModal[str | None]):
    """Edit multi-line text in the app; ctrl+e hands it to $EDITOR; ctrl+s saves; escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="edit-save", priority=True),
        Binding("ctrl+e", "external", "$EDITOR", id="edit-external", priority=True),
        Binding("escape", "cancel", "Cancel", id="edit-cancel"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="TextEditDialog") + """
    TextEditDialog TextArea { height: 16; max-height: 60vh; }
    """

    def __init__(self, title: Content, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title")
            yield SafeTextArea(self.text, soft_wrap=True, tab_behavior="focus", id="edit-text")
            yield _help("ctrl+s: save    ctrl+e: open in $EDITOR    esc: cancel")

    @property
    def area(self) -> TextArea:
        return self.query_one("#edit-text", TextArea)

    def action_save(self) -> None:
        self.dismiss(self.area.text)

    def action_external(self) -> None:
        edited = edit_in_editor(self.app, self.area.text)
        if edited is not None:
            self.area.load_text(edited)
        self.area.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)


class ChoiceDialog(KeyModal[int | None]):
    """Pick one of several entries (enter); escape cancels. Dismisses with the entry's position."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel", id="choice-cancel")]
    DEFAULT_CSS = DIALOG_CSS.format(name="ChoiceDialog") + """
    ChoiceDialog OptionList { height: auto; max-height: 60vh; }
    """

    def __init__(self, title: Content, choices: Sequence[Content], highlighted: int = 0,
                 help_text: str = "enter: choose    esc: cancel") -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.start = highlighted
        self.help_text = help_text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title")
            yield OptionList(*(Option(c) for c in self.choices), id="choices")
            yield _help(self.help_text)

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if self.choices:
            options.highlighted = min(max(self.start, 0), len(self.choices) - 1)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MultiChoiceDialog(KeyModal[list[int] | None]):
    """Tick several entries (space); enter or ctrl+s accepts the ticked ones; escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s,delete", "accept", "Accept", id="multi-accept", priority=True),
        Binding("escape", "cancel", "Cancel", id="multi-cancel"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="MultiChoiceDialog") + """
    MultiChoiceDialog SelectionList { height: auto; max-height: 60vh; }
    """

    def __init__(self, title: Content, choices: Sequence[tuple[Content, int]], selected: Sequence[int] = (),
                 help_text: str = "space: tick    delete / ctrl+s: accept    esc: cancel") -> None:
        super().__init__()
        self.title_text = title
        self.choices = list(choices)
        self.selected = set(selected)
        self.help_text = help_text

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title")
            yield SelectionList[int](
                *(Selection(prompt, value, value in self.selected) for prompt, value in self.choices),
                id="multi",
            )
            yield _help(self.help_text)

    def on_mount(self) -> None:
        multi = self.query_one(SelectionList)
        values = [value for _, value in self.choices]
        for value in self.selected:
            if value in values:
                multi.highlighted = values.index(value)
        multi.focus()

    def action_accept(self) -> None:
        self.dismiss(sorted(self.query_one(SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReportDialog(KeyModal[None]):
    """A read-only report (an import summary, a message found by search). Escape or enter closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,enter,q", "close", "Close", id="report-close")]
    DEFAULT_CSS = DIALOG_CSS.format(name="ReportDialog") + """
    ReportDialog VerticalScroll { height: auto; max-height: 60vh; }
    ReportDialog VerticalScroll > Static { height: auto; }
    """

    def __init__(self, title: Content, body: Content) -> None:
        super().__init__()
        self.title_text = title
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text, classes="dialog-title")
            with VerticalScroll(id="report-body"):
                yield Static(self.body, id="report-text")
            yield _help("esc / enter: close")

    def on_mount(self) -> None:
        self.query_one("#report-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
