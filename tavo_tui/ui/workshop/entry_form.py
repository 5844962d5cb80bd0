"""One lorebook entry, every field SillyTavern has for it: keys and logic, text, where it goes, timing, groups,
recursion, switches. Dismisses with the edited `EntryFields` or None."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Checkbox, Select, Static, TextArea

from tavo_tui.session.workshop_lore import LOGICS, POSITIONS, ROLES, EntryFields
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.dialogs import DIALOG_CSS
from tavo_tui.ui.shared.editor import edit_in_editor
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import plain_line
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

TRISTATE: dict[str, bool | None] = {"global setting": None, "yes": True, "no": False}
_TRI_KEYS = {None: "global setting", True: "yes", False: "no"}
# (field, label, kind) in the order shown. Kinds: text, keys, long, int, optint, bool, tri, or a dict of choices.
FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("comment", "Title / memo", "text"),
    ("key", "Keys (comma-separated; /regex/ allowed)", "keys"),
    ("keysecondary", "Secondary keys (comma-separated)", "keys"),
    ("selectiveLogic", "Secondary key logic", LOGICS),
    ("content", "Content", "long"),
    ("constant", "Constant (always inserted)", "bool"),
    ("disable", "Disabled", "bool"),
    ("selective", "Use the secondary keys (selective)", "bool"),
    ("position", "Position", POSITIONS),
    ("depth", "Depth (in chat at depth)", "int"),
    ("role", "Role (in chat at depth)", ROLES),
    ("order", "Order (higher goes later, wins the budget)", "int"),
    ("probability", "Probability (%)", "int"),
    ("useProbability", "Use probability", "bool"),
    ("sticky", "Sticky (messages it stays on)", "int"),
    ("cooldown", "Cooldown (messages it stays off)", "int"),
    ("delay", "Delay (messages before it can fire)", "int"),
    ("group", "Inclusion groups (comma-separated)", "text"),
    ("groupOverride", "Prioritise in its group", "bool"),
    ("groupWeight", "Group weight", "int"),
    ("excludeRecursion", "Not activated by other entries (exclude recursion)", "bool"),
    ("preventRecursion", "Does not activate other entries (prevent recursion)", "bool"),
    ("delayUntilRecursion", "Delay until recursion (level, 0 off)", "int"),
    ("scanDepth", "Scan depth (empty: the global setting)", "optint"),
    ("caseSensitive", "Case-sensitive", "tri"),
    ("matchWholeWords", "Match whole words", "tri"),
)


def split_keys(text: str) -> list[str]:
    return [k.strip() for k in text.split(",") if k.strip()]


class EntryFormDialog(KeyModal[EntryFields | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="entry-form-save", priority=True),
        Binding("ctrl+e", "external", "$EDITOR", id="entry-form-external", priority=True),
        Binding("escape", "cancel", "Cancel", id="entry-form-cancel"),
    ]
    AUTO_FOCUS = ""
    DEFAULT_CSS = DIALOG_CSS.format(name="EntryFormDialog") + """
    EntryFormDialog > Vertical { height: 95%; max-width: 110; }
    EntryFormDialog VerticalScroll { height: 1fr; }
    EntryFormDialog .label { color: $text-muted; height: 1; }
    EntryFormDialog TextArea { height: 8; }
    """

    def __init__(self, fields: EntryFields, title: str = "Lorebook entry", focus: str = "content") -> None:
        super().__init__()
        self.fields = fields
        self.title_text = title
        self.focus_name = focus

    def compose(self) -> ComposeResult:
        values = self.fields.model_dump()
        with Vertical():
            yield Static(plain_line(self.title_text, "bold"), classes="dialog-title")
            with VerticalScroll():
                for name, label, kind in FIELDS:
                    yield from self._field(name, label, kind, values[name])
            yield Static(Content("ctrl+s: save    ctrl+e: content in $EDITOR    esc: cancel"),
                         classes="dialog-help")

    def _field(self, name: str, label: str, kind: Any, value: Any) -> ComposeResult:
        wid = f"ef-{name}"
        if kind == "bool":
            yield Checkbox(label, bool(value), id=wid)
            return
        yield Static(Content(label), classes="label")
        if kind == "long":
            yield SafeTextArea(str(value), soft_wrap=True, tab_behavior="focus", id=wid)
        elif kind == "keys":
            yield SafeInput(", ".join(value), id=wid)
        elif kind in ("int", "optint"):
            yield SafeInput("" if value is None else str(value), type="integer", id=wid)
        elif kind == "tri":
            yield Select([(k, k) for k in TRISTATE], value=_TRI_KEYS[value], allow_blank=False, id=wid)
        elif isinstance(kind, dict):
            yield Select([(f"{v}: {text}", v) for v, text in kind.items()],
                         value=value if value in kind else next(iter(kind)), allow_blank=False, id=wid)
        else:
            yield SafeInput(str(value), id=wid)

    def on_mount(self) -> None:
        # Focused without scrolling now (before the first layout it would centre the field and hide the title),
        # then brought into view once laid out.
        widget = self.query_one(f"#ef-{self.focus_name}")
        widget.focus(scroll_visible=False)
        self.call_after_refresh(widget.scroll_visible, animate=False)

    def edited(self) -> EntryFields:
        values = self.fields.model_dump()
        for name, _label, kind in FIELDS:
            widget: Widget = self.query_one(f"#ef-{name}")
            if kind == "bool":
                values[name] = bool(widget.value)  # type: ignore[attr-defined]
            elif kind == "long":
                values[name] = widget.text  # type: ignore[attr-defined]
            elif kind == "keys":
                values[name] = split_keys(widget.value)  # type: ignore[attr-defined]
            elif kind in ("int", "optint"):
                text = widget.value.strip()  # type: ignore[attr-defined]
                if text.lstrip("-").isdigit():
                    values[name] = int(text)
                elif kind == "optint":
                    values[name] = None
            elif kind == "tri":
                values[name] = TRISTATE[str(widget.value)]  # type: ignore[attr-defined]
            elif isinstance(kind, dict):
                values[name] = widget.value  # type: ignore[attr-defined]
            else:
                values[name] = widget.value.strip() if name == "group" else widget.value  # type: ignore[attr-defined]
        return EntryFields.model_validate(values)

    def action_save(self) -> None:
        self.dismiss(self.edited())

    def action_external(self) -> None:
        area = self.query_one("#ef-content", TextArea)
        edited = edit_in_editor(self.app, area.text)
        if edited is not None:
            area.load_text(edited)

    def action_cancel(self) -> None:
        self.dismiss(None)
