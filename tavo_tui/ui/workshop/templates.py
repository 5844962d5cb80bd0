"""Text completion's templates: instruct, context and system prompt pickers, and the instruct options users
change (names, wrap, macros, first/last sequences, stop sequence), "start reply with" and custom stop strings.

Dismisses with a `TemplateChoice` (ctrl+s) or None; the caller applies and keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Checkbox, Input, Select, Static, TextArea

from tavo_tui.session.workshop import InstructTemplate, PresetError, PromptSettings, load_instruct, preset_names
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.dialogs import DIALOG_CSS
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text_area import SafeTextArea

PAIRED = "(the instruct template's own)"
NAMES = {"force": "in groups and for past personas", "always": "always", "none": "never"}
SEQUENCES = (
    ("first_output_sequence", "First assistant prefix"),
    ("last_output_sequence", "Last assistant prefix"),
    ("first_input_sequence", "First user prefix"),
    ("last_input_sequence", "Last user prefix"),
    ("stop_sequence", "Stop sequence"),
)
SWITCHES = (("wrap", "Wrap sequences with newlines"), ("macro", "Replace macros in sequences"),
            ("sequences_as_stop_strings", "Sequences as stop strings"))


@dataclass
class TemplateChoice:
    settings: PromptSettings
    instruct: str
    options: dict[str, Any] = field(default_factory=dict)


class TemplatesDialog(KeyModal[TemplateChoice | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="templates-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="templates-cancel"),
    ]
    AUTO_FOCUS = ""
    DEFAULT_CSS = DIALOG_CSS.format(name="TemplatesDialog") + """
    TemplatesDialog > Vertical { height: 95%; }
    TemplatesDialog VerticalScroll { height: 1fr; }
    TemplatesDialog .label { color: $text-muted; height: 1; }
    TemplatesDialog TextArea { height: 4; }
    """

    def __init__(self, settings: PromptSettings, instruct: InstructTemplate, focus: str = "") -> None:
        super().__init__()
        self.settings = settings
        self.instruct = instruct
        self.focus_name = focus

    def compose(self) -> ComposeResult:
        s, t = self.settings, self.instruct
        instructs = preset_names("instruct")
        if t.name and t.name not in instructs:
            instructs = [t.name, *instructs]
        contexts = [PAIRED, *preset_names("context")]
        sysprompts = preset_names("sysprompt")
        if s.sysprompt_name not in sysprompts:
            sysprompts = [s.sysprompt_name, *sysprompts]
        with Vertical():
            yield Static(Content("Text completion templates (the next prompt uses them)"), classes="dialog-title")
            with VerticalScroll():
                yield Checkbox("Instruct mode", s.instruct_enabled, id="tp-instruct-enabled")
                yield Static(Content("Instruct template"), classes="label")
                yield Select([(n, n) for n in instructs], value=t.name or instructs[0], allow_blank=False,
                             id="tp-instruct")
                yield Static(Content("Context template (story string)"), classes="label")
                yield Select([(n, n) for n in contexts], value=s.context_name or PAIRED, allow_blank=False,
                             id="tp-context")
                yield Checkbox("System prompt", s.sysprompt_enabled, id="tp-sysprompt-enabled")
                yield Static(Content("System prompt preset"), classes="label")
                yield Select([(n, n) for n in sysprompts], value=s.sysprompt_name, allow_blank=False,
                             id="tp-sysprompt")
                yield Static(Content("Include names"), classes="label")
                yield Select([(label, v) for v, label in NAMES.items()], value=t.names_behavior, allow_blank=False,
                             id="tp-names_behavior")
                for name, label in SWITCHES:
                    yield Checkbox(label, bool(getattr(t, name)), id=f"tp-{name}")
                for name, label in SEQUENCES:
                    yield Static(Content(label), classes="label")
                    yield SafeInput(_shown(getattr(t, name)), id=f"tp-{name}")
                yield Static(Content("Start reply with"), classes="label")
                yield SafeInput(s.start_reply_with, id="tp-start_reply_with")
                yield Static(Content("Custom stop strings (one per line)"), classes="label")
                yield SafeTextArea("\n".join(_shown(x) for x in s.custom_stopping_strings), id="tp-stops")
            yield Static(Content("ctrl+s: save    esc: cancel    (sequences: \\n is a newline)"),
                         classes="dialog-help")

    def on_mount(self) -> None:
        target = f"#tp-{self.focus_name}" if self.focus_name else "#tp-instruct"
        found = self.query(target)
        (found.first() if found else self.query_one("#tp-instruct")).focus(scroll_visible=False)

    @on(Select.Changed, "#tp-instruct")
    def _instruct_changed(self, event: Select.Changed) -> None:
        """Another template: its own options are shown (and saved as they are unless changed)."""
        name = str(event.value)
        if name == self.instruct.name:
            return
        try:
            template = load_instruct(name)
        except PresetError:
            return
        self.instruct = template
        self.query_one("#tp-names_behavior", Select).value = template.names_behavior
        for key, _ in SWITCHES:
            self.query_one(f"#tp-{key}", Checkbox).value = bool(getattr(template, key))
        for key, _ in SEQUENCES:
            self.query_one(f"#tp-{key}", Input).value = _shown(getattr(template, key))

    def choice(self) -> TemplateChoice:
        context = str(self.query_one("#tp-context", Select).value)
        stops = [line for line in self.query_one("#tp-stops", TextArea).text.split("\n") if line]
        settings = self.settings.model_copy(update={
            "instruct_enabled": self.query_one("#tp-instruct-enabled", Checkbox).value,
            "context_name": None if context == PAIRED else context,
            "sysprompt_enabled": self.query_one("#tp-sysprompt-enabled", Checkbox).value,
            "sysprompt_name": str(self.query_one("#tp-sysprompt", Select).value),
            "start_reply_with": self.query_one("#tp-start_reply_with", Input).value,
            "custom_stopping_strings": [_unescape(line) for line in stops],
        })
        options: dict[str, Any] = {"names_behavior": self.query_one("#tp-names_behavior", Select).value}
        for key, _ in SWITCHES:
            options[key] = self.query_one(f"#tp-{key}", Checkbox).value
        for key, _ in SEQUENCES:
            options[key] = _unescape(self.query_one(f"#tp-{key}", Input).value)
        return TemplateChoice(settings, str(self.query_one("#tp-instruct", Select).value), options)

    def action_save(self) -> None:
        self.dismiss(self.choice())

    def action_cancel(self) -> None:
        self.dismiss(None)


def _shown(text: str) -> str:
    """A sequence on one line: newlines as \\n (an Input holds one line)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _unescape(text: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(text):
        if text[i] == "\\" and i + 1 < len(text) and text[i + 1] in "n\\":
            out.append("\n" if text[i + 1] == "n" else "\\")
            i += 2
        else:
            out.append(text[i])
            i += 1
    return "".join(out)
