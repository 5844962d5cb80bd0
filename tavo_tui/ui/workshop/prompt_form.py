"""One prompt-manager prompt: name, role, position (relative, or in the chat at a depth), depth, order, text."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from tavo_tui.session.workshop import PromptEntry
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.dialogs import DIALOG_CSS
from tavo_tui.ui.shared.editor import edit_in_editor
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import plain_line
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

ROLES = ("system", "user", "assistant")
POSITIONS = {0: "relative (where it is in the list)", 1: "in chat, at a depth"}


def _int(text: str, default: int) -> int:
    text = text.strip()
    return int(text) if text.lstrip("-").isdigit() else default


class PromptEntryDialog(KeyModal[PromptEntry | None]):
    """Dismisses with the edited prompt (identifier and the fields not shown kept) or None.

    A marker (chat history, character description, ...) has no text of its own: only its name and switch."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="prompt-form-save", priority=True),
        Binding("ctrl+e", "external", "$EDITOR", id="prompt-form-external", priority=True),
        Binding("escape", "cancel", "Cancel", id="prompt-form-cancel"),
    ]
    AUTO_FOCUS = ""
    DEFAULT_CSS = DIALOG_CSS.format(name="PromptEntryDialog") + """
    PromptEntryDialog > Vertical { height: 90%; }
    PromptEntryDialog VerticalScroll { height: 1fr; }
    PromptEntryDialog .label { color: $text-muted; height: 1; }
    PromptEntryDialog TextArea { height: 8; }
    """

    def __init__(self, entry: PromptEntry) -> None:
        super().__init__()
        self.entry = entry

    def compose(self) -> ComposeResult:
        entry = self.entry
        with Vertical():
            yield Static(Content.assemble("Prompt ", plain_line(entry.identifier, "bold"),
                                          " (marker: filled in by the app)" if entry.marker else ""),
                         classes="dialog-title")
            with VerticalScroll():
                yield Static(Content("Name"), classes="label")
                yield SafeInput(entry.name, id="pf-name")
                yield Checkbox("Enabled", entry.enabled, id="pf-enabled")
                if not entry.marker:
                    yield Static(Content("Role"), classes="label")
                    yield Select([(r, r) for r in ROLES], value=entry.role, allow_blank=False, id="pf-role")
                    yield Static(Content("Position"), classes="label")
                    yield Select([(label, v) for v, label in POSITIONS.items()],
                                 value=1 if entry.injection_position == 1 else 0, allow_blank=False,
                                 id="pf-position")
                    yield Static(Content("Depth (in chat: messages from the end)"), classes="label")
                    yield SafeInput(str(entry.injection_depth), type="integer", id="pf-depth")
                    yield Static(Content("Order (in chat, same depth: lower first)"), classes="label")
                    yield SafeInput(str(entry.injection_order), type="integer", id="pf-order")
                    yield Static(Content("Text"), classes="label")
                    yield SafeTextArea(entry.content, soft_wrap=True, tab_behavior="focus", id="pf-content")
            yield Static(Content("ctrl+s: save    ctrl+e: text in $EDITOR    esc: cancel"), classes="dialog-help")

    def on_mount(self) -> None:
        target = "#pf-name" if self.entry.marker else "#pf-content"
        self.query_one(target).focus(scroll_visible=False)

    def edited(self) -> PromptEntry:
        update: dict[str, object] = {
            "name": self.query_one("#pf-name", Input).value.strip() or self.entry.identifier,
            "enabled": self.query_one("#pf-enabled", Checkbox).value,
        }
        if not self.entry.marker:
            update.update(
                role=self.query_one("#pf-role", Select).value,
                injection_position=self.query_one("#pf-position", Select).value,
                injection_depth=max(0, _int(self.query_one("#pf-depth", Input).value, self.entry.injection_depth)),
                injection_order=_int(self.query_one("#pf-order", Input).value, self.entry.injection_order),
                content=self.query_one("#pf-content", TextArea).text,
            )
        return self.entry.model_copy(update=update)

    def action_save(self) -> None:
        self.dismiss(self.edited())

    def action_external(self) -> None:
        if self.entry.marker:
            return
        area = self.query_one("#pf-content", TextArea)
        edited = edit_in_editor(self.app, area.text)
        if edited is not None:
            area.load_text(edited)

    def action_cancel(self) -> None:
        self.dismiss(None)
