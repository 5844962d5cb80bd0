"""Create/edit a card's fields in the app; ctrl+e sends the focused long field to $EDITOR."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Input, Static, TextArea

from tavo_tui.model import Card
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.editor import edit_in_editor
from tavo_tui.ui.shared.safe_text import plain_line
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

# A line holding only this separates alternate greetings in their text box.
GREETING_SEPARATOR = "---8<---"
LINE_FIELDS = (("name", "Name"), ("creator", "Creator"), ("character_version", "Version"),
               ("tags", "Tags (comma-separated)"))
LONG_FIELDS = (
    ("description", "Description"),
    ("personality", "Personality"),
    ("scenario", "Scenario"),
    ("first_mes", "First message"),
    ("alternate_greetings", f"Alternate greetings (one per block, separated by a line {GREETING_SEPARATOR})"),
    ("mes_example", "Example dialogue"),
    ("creator_notes", "Creator notes"),
    ("system_prompt", "System prompt"),
    ("post_history_instructions", "Post-history instructions"),
)


def split_greetings(text: str) -> list[str]:
    blocks: list[list[str]] = [[]]
    for line in text.split("\n"):
        if line.strip() == GREETING_SEPARATOR:
            blocks.append([])
        else:
            blocks[-1].append(line)
    return [g for g in ("\n".join(b).strip("\n") for b in blocks) if g.strip()]


def join_greetings(greetings: list[str]) -> str:
    return f"\n{GREETING_SEPARATOR}\n".join(greetings)


class CardEditorScreen(KeyModal[Card | None]):
    """Dismisses with the edited card (every field not shown here is kept as it was) or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="card-editor-save", priority=True),
        Binding("ctrl+e", "external", "$EDITOR", id="card-editor-external", priority=True),
        Binding("escape", "cancel", "Cancel", id="card-editor-cancel"),
    ]

    DEFAULT_CSS = """
    CardEditorScreen { align: center middle; }
    CardEditorScreen > Vertical { width: 90%; max-width: 120; height: 95%; border: round $primary;
                                  background: $surface; }
    CardEditorScreen #editor-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    CardEditorScreen VerticalScroll { height: 1fr; padding: 0 1; }
    CardEditorScreen .label { height: 1; color: $text-muted; margin-top: 1; }
    CardEditorScreen TextArea { height: 6; }
    CardEditorScreen Input { height: 3; }
    """

    def __init__(self, card: Card, title: str = "Edit card") -> None:
        super().__init__()
        self.card = card
        self.title_text = title

    def compose(self) -> ComposeResult:
        card = self.card
        with Vertical():
            yield Static(Content.assemble(self.title_text, ": ", plain_line(card.name or "(new)")),
                         id="editor-title")
            with VerticalScroll():
                for name, label in LINE_FIELDS:
                    value = ", ".join(card.tags) if name == "tags" else str(getattr(card, name) or "")
                    yield Static(Content(label), classes="label")
                    yield Input(value, id=f"field-{name}")
                for name, label in LONG_FIELDS:
                    if name == "alternate_greetings":
                        value = join_greetings(card.alternate_greetings)
                    else:
                        value = str(getattr(card, name) or "")
                    yield Static(Content(label), classes="label")
                    yield SafeTextArea(value, soft_wrap=True, tab_behavior="focus", id=f"field-{name}")
            yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one("#field-name", Input).focus()

    def edited_card(self) -> Card:
        values: dict[str, object] = {}
        for name, _ in LINE_FIELDS:
            text = self.query_one(f"#field-{name}", Input).value
            values[name] = [t.strip() for t in text.split(",") if t.strip()] if name == "tags" else text.strip()
        for name, _ in LONG_FIELDS:
            text = self.query_one(f"#field-{name}", TextArea).text
            values[name] = split_greetings(text) if name == "alternate_greetings" else text
        return self.card.model_copy(update=values, deep=True)

    def action_save(self) -> None:
        card = self.edited_card()
        if not card.name.strip():
            self.notify("A card needs a name.", markup=False, severity="warning")
            self.query_one("#field-name", Input).focus()
            return
        self.dismiss(card)

    def action_external(self) -> None:
        focused = self.focused
        if not isinstance(focused, TextArea):
            self.notify("Move to a long field (description, greetings, ...) first.", markup=False)
            return
        edited = edit_in_editor(self.app, focused.text)
        if edited is not None:
            focused.load_text(edited)
        focused.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
