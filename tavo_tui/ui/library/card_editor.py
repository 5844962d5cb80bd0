"""Create/edit a card's fields in the app; ctrl+e sends the focused long field to $EDITOR.

Every V3 text field is here, and the character's note (`extensions.depth_prompt`: text, depth, role); fields and
extension keys not shown are kept as they were.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Footer, Input, Select, Static, TextArea

from tavo_tui.model import Card
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.editor import edit_in_editor
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import plain_line
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

# A line holding only this separates alternate greetings in their text box.
GREETING_SEPARATOR = "---8<---"
LINE_FIELDS = (("name", "Name"), ("nickname", "Nickname ({{char}} when set)"), ("creator", "Creator"),
               ("character_version", "Version"), ("tags", "Tags (comma-separated)"))
NOTE_ROLES = ("system", "user", "assistant")
DEFAULT_NOTE_DEPTH = 4
LONG_FIELDS = (
    ("description", "Description"),
    ("personality", "Personality"),
    ("scenario", "Scenario"),
    ("first_mes", "First message"),
    ("alternate_greetings", f"Alternate greetings (one per block, separated by a line {GREETING_SEPARATOR})"),
    ("group_only_greetings", f"Group-only greetings (separated by a line {GREETING_SEPARATOR})"),
    ("mes_example", "Example dialogue"),
    ("creator_notes", "Creator notes"),
    ("system_prompt", "System prompt"),
    ("post_history_instructions", "Post-history instructions"),
    ("depth_prompt", "Character's note (inserted in the chat at a depth)"),
)
_LIST_FIELDS = ("alternate_greetings", "group_only_greetings")
# Fields that `focus_field` may name besides the ones above.
NOTE_FIELDS = ("depth_prompt_depth", "depth_prompt_role")


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


def character_note(card: Card) -> tuple[str, int, str]:
    """(text, depth, role) of the card's `extensions.depth_prompt` (SillyTavern's defaults when unset)."""
    note = card.extensions.get("depth_prompt")
    if not isinstance(note, dict):
        return "", DEFAULT_NOTE_DEPTH, "system"
    try:
        depth = int(note.get("depth", DEFAULT_NOTE_DEPTH))
    except (TypeError, ValueError):
        depth = DEFAULT_NOTE_DEPTH
    role = note.get("role")
    return str(note.get("prompt") or ""), depth, role if role in NOTE_ROLES else "system"


def with_character_note(extensions: dict[str, object], text: str, depth: int, role: str) -> dict[str, object]:
    """`extensions` with the note set; its other keys (and the note's) kept. No note is added for empty text."""
    old = extensions.get("depth_prompt")
    if not isinstance(old, dict) and not text:
        return extensions
    note = dict(old) if isinstance(old, dict) else {}
    if (str(note.get("prompt") or ""), note.get("depth", DEFAULT_NOTE_DEPTH), note.get("role", "system")) != (
        text, depth, role
    ):
        note.update(prompt=text, depth=depth, role=role)
    return {**extensions, "depth_prompt": note}


class CardEditorScreen(KeyModal[Card | None]):
    """Dismisses with the edited card (every field not shown here is kept as it was) or None.

    `focus_field` opens it at a field (the inspector's "edit source"): a LINE_FIELDS/LONG_FIELDS name."""

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

    def __init__(self, card: Card, title: str = "Edit card", focus_field: str = "") -> None:
        super().__init__()
        self.card = card
        self.title_text = title
        self.focus_field = focus_field

    def compose(self) -> ComposeResult:
        card = self.card
        note, note_depth, note_role = character_note(card)
        with Vertical():
            yield Static(Content.assemble(self.title_text, ": ", plain_line(card.name or "(new)")),
                         id="editor-title")
            with VerticalScroll():
                for name, label in LINE_FIELDS:
                    value = ", ".join(card.tags) if name == "tags" else str(getattr(card, name) or "")
                    yield Static(Content(label), classes="label")
                    yield SafeInput(value, id=f"field-{name}")
                for name, label in LONG_FIELDS:
                    if name in _LIST_FIELDS:
                        value = join_greetings(getattr(card, name))
                    elif name == "depth_prompt":
                        value = note
                    else:
                        value = str(getattr(card, name) or "")
                    yield Static(Content(label), classes="label")
                    yield SafeTextArea(value, soft_wrap=True, tab_behavior="focus", id=f"field-{name}")
                yield Static(Content("Character's note depth (messages from the end)"), classes="label")
                yield SafeInput(str(note_depth), type="integer", id="field-depth_prompt_depth")
                yield Static(Content("Character's note role"), classes="label")
                yield Select([(r, r) for r in NOTE_ROLES], value=note_role, allow_blank=False,
                             id="field-depth_prompt_role")
            yield Footer(compact=True)

    def on_mount(self) -> None:
        fields = {name for name, _ in (*LINE_FIELDS, *LONG_FIELDS)} | set(NOTE_FIELDS)
        target = self.focus_field if self.focus_field in fields else "name"
        widget = self.query_one(f"#field-{target}")
        widget.focus()
        if target != "name":
            self.call_after_refresh(widget.scroll_visible, animate=False, top=True)

    def edited_card(self) -> Card:
        values: dict[str, object] = {}
        for name, _ in LINE_FIELDS:
            text = self.query_one(f"#field-{name}", Input).value
            if name == "tags":
                values[name] = [t.strip() for t in text.split(",") if t.strip()]
            elif name == "nickname":
                values[name] = text.strip() or (None if self.card.nickname is None else "")
            else:
                values[name] = text.strip()
        for name, _ in LONG_FIELDS:
            if name == "depth_prompt":
                continue
            text = self.query_one(f"#field-{name}", TextArea).text
            values[name] = split_greetings(text) if name in _LIST_FIELDS else text
        depth_text = self.query_one("#field-depth_prompt_depth", Input).value.strip()
        _, old_depth, _ = character_note(self.card)
        depth = int(depth_text) if depth_text.lstrip("-").isdigit() else old_depth
        role = str(self.query_one("#field-depth_prompt_role", Select).value)
        note = self.query_one("#field-depth_prompt", TextArea).text
        values["extensions"] = with_character_note(dict(self.card.extensions), note, max(depth, 0), role)
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
