"""The prompt manager (chat completion): the prompts in order, switched on/off, moved, edited, added, deleted.

Dismisses with the new list (ctrl+s) or None (escape: nothing changes). The caller applies and keeps it.
"""

from __future__ import annotations

import uuid
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.session.workshop import PromptEntry
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.dialogs import DIALOG_CSS
from tavo_tui.ui.shared.safe_text import plain_line
from tavo_tui.ui.workshop.prompt_form import PromptEntryDialog

HELP = ("space: on/off  enter: edit  K/J: move up/down  a: add  x: delete custom  ctrl+s: save  esc: cancel")


def prompt_row(entry: PromptEntry) -> Content:
    mark = ("[x] ", "$text-success") if entry.enabled else ("[ ] ", "dim")
    if entry.marker:
        where = "marker"
    elif entry.injection_position == 1:
        where = f"{entry.role} · in chat @ depth {entry.injection_depth}"
    else:
        where = f"{entry.role} · relative"
    size = f" · {len(entry.content)} chars" if not entry.marker else ""
    return Content.assemble(mark, plain_line(entry.name or entry.identifier, "bold" if entry.enabled else "dim"),
                            (f"  {where}{size}", "dim"))


def move(prompts: list[PromptEntry], index: int, step: int) -> int:
    """Move prompt `index` by `step` places (in place); its new index."""
    target = min(max(index + step, 0), len(prompts) - 1)
    if target != index:
        prompts.insert(target, prompts.pop(index))
    return target


class PromptManagerScreen(KeyModal[list[PromptEntry] | None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "switch", "On/off", id="prompts-toggle"),
        Binding("K,shift+up,ctrl+up", "move(-1)", "Up", id="prompts-up"),
        Binding("J,shift+down,ctrl+down", "move(1)", "Down", id="prompts-down"),
        Binding("a", "add", "Add", id="prompts-add"),
        Binding("x,delete", "delete", "Delete", id="prompts-delete"),
        Binding("ctrl+s", "save", "Save", id="prompts-save", priority=True),
        Binding("escape", "cancel", "Cancel", id="prompts-cancel"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="PromptManagerScreen") + """
    PromptManagerScreen > Vertical { height: 90%; }
    PromptManagerScreen OptionList { height: 1fr; }
    """

    def __init__(self, prompts: list[PromptEntry], focus_id: str = "") -> None:
        super().__init__()
        self.prompts = [p.model_copy() for p in prompts]
        self.focus_id = focus_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Prompt manager (chat completion): the prompts in the order they are sent"),
                         classes="dialog-title")
            yield OptionList(*[Option(prompt_row(p)) for p in self.prompts], id="prompts")
            yield Static(Content(HELP), classes="dialog-help")

    @property
    def options(self) -> OptionList:
        return self.query_one("#prompts", OptionList)

    def on_mount(self) -> None:
        ids = [p.identifier for p in self.prompts]
        self.options.highlighted = ids.index(self.focus_id) if self.focus_id in ids else 0
        self.options.focus()

    def _redraw(self, highlighted: int) -> None:
        self.options.set_options([Option(prompt_row(p)) for p in self.prompts])
        if self.prompts:
            self.options.highlighted = min(max(highlighted, 0), len(self.prompts) - 1)

    def _current(self) -> int | None:
        index = self.options.highlighted
        return index if index is not None and 0 <= index < len(self.prompts) else None

    def action_switch(self) -> None:
        index = self._current()
        if index is None:
            return
        entry = self.prompts[index]
        self.prompts[index] = entry.model_copy(update={"enabled": not entry.enabled})
        self._redraw(index)

    def action_move(self, step: int) -> None:
        index = self._current()
        if index is not None:
            self._redraw(move(self.prompts, index, step))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._edit(event.option_index)

    def _edit(self, index: int) -> None:
        if not 0 <= index < len(self.prompts):
            return

        def done(edited: PromptEntry | None) -> None:
            if edited is not None and index < len(self.prompts):
                self.prompts[index] = edited
                self._redraw(index)
            self.options.focus()

        self.app.push_screen(PromptEntryDialog(self.prompts[index]), done)

    def action_add(self) -> None:
        index = self._current()
        at = len(self.prompts) if index is None else index + 1
        entry = PromptEntry(identifier=str(uuid.uuid4()), name="New prompt", system_prompt=False)
        self.prompts.insert(at, entry)
        self._redraw(at)
        self._edit(at)

    def action_delete(self) -> None:
        index = self._current()
        if index is None:
            return
        entry = self.prompts[index]
        if entry.marker or entry.system_prompt:
            self.notify("Only prompts you added can be deleted; switch this one off with space.", markup=False,
                        severity="warning")
            return
        del self.prompts[index]
        self._redraw(index)

    def action_save(self) -> None:
        self.dismiss(self.prompts)

    def action_cancel(self) -> None:
        self.dismiss(None)
