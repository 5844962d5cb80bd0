"""The lorebook editor: one book's entries (filtered by title, key or text), each opened in the entry form.

Books: the chat's, the character's (its world file and the book embedded in the card), and every world file.
ctrl+s writes the book (SillyTavern world-info JSON, unknown keys kept; the card's book into the card) and the
inspector shows the new prompt at once. Escape with unsaved changes asks first.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.session.workshop_lore import (
    POSITIONS,
    BookDoc,
    BookRef,
    EntryFields,
    LoreError,
    books_for,
    export_world,
    import_world,
    open_book,
    save_book,
)
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.dialogs import DIALOG_CSS, ChoiceDialog, ConfirmDialog, TextPrompt
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import one_line, plain_line
from tavo_tui.ui.workshop.entry_form import EntryFormDialog

if TYPE_CHECKING:
    from tavo_tui.session import ChatSession

HELP = ("enter: edit  a: add  d: delete  /: filter  b: book  i: import  x: export  ctrl+s: save  esc: close")


def entry_row(entry_id: str, fields: EntryFields) -> Content:
    mark = ("× ", "dim") if fields.disable else ("● ", "$text-success") if fields.constant else ("○ ", "")
    title = fields.comment or ", ".join(fields.key) or "(untitled)"
    keys = ", ".join(fields.key)
    return Content.assemble(mark, plain_line(one_line(title)[:40], "bold"), (f"  #{entry_id} ", "dim"),
                            plain_line(one_line(keys)[:30], "dim"),
                            (f"  {POSITIONS.get(fields.position, fields.position)} · order {fields.order}", "dim"))


def matches(fields: EntryFields, query: str) -> bool:
    query = query.strip().lower()
    if not query:
        return True
    return any(query in text.lower() for text in (fields.comment, fields.content, *fields.key, *fields.keysecondary))


class LorebookScreen(KeyModal[bool]):
    """Dismisses with True when a book was saved (the caller refreshes what depends on it)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("a", "add", "Add", id="lore-add"),
        Binding("d,delete", "delete", "Delete", id="lore-delete"),
        Binding("slash", "filter", "Filter", id="lore-filter"),
        Binding("b", "books", "Book", id="lore-books"),
        Binding("i", "import_book", "Import", id="lore-import"),
        Binding("x", "export_book", "Export", id="lore-export"),
        Binding("ctrl+s", "save", "Save", id="lore-save", priority=True),
        Binding("escape", "close", "Close", id="lore-close"),
    ]
    DEFAULT_CSS = DIALOG_CSS.format(name="LorebookScreen") + """
    LorebookScreen > Vertical { height: 95%; max-width: 120; }
    LorebookScreen OptionList { height: 1fr; }
    LorebookScreen #lore-query { margin-bottom: 0; }
    """

    def __init__(self, session: ChatSession, ref: BookRef, *, entry: str = "",
                 on_saved: Callable[[], None] | None = None) -> None:
        super().__init__()
        self.session = session
        self.doc: BookDoc = open_book(session, ref)
        self.start_entry = entry
        self.on_saved = on_saved
        self.dirty = False
        self.saved = False
        self.shown: list[str] = []  # entry ids of the rows, in order

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("", id="lore-title", classes="dialog-title")
            yield SafeInput(placeholder="filter: title, key or text (enter: back to the list)", id="lore-query")
            yield OptionList(id="lore-entries")
            yield Static(Content(HELP), classes="dialog-help")

    @property
    def options(self) -> OptionList:
        return self.query_one("#lore-entries", OptionList)

    def on_mount(self) -> None:
        self._redraw(self.start_entry)
        self.options.focus()
        if self.start_entry:
            self._edit(self.start_entry)

    def _title(self) -> Content:
        return Content.assemble("Lorebook ", plain_line(self.doc.ref.label, "bold"),
                                (f"  {len(self.doc.entries())} entries", "dim"),
                                ("  · unsaved changes" if self.dirty else "", "$text-warning"))

    def _redraw(self, keep: str | None = None) -> None:
        query = self.query_one("#lore-query", Input).value
        rows = [(eid, fields) for eid, fields in self.doc.entries() if matches(fields, query)]
        current = keep if keep is not None else self._current()
        self.shown = [eid for eid, _ in rows]
        self.options.set_options([Option(entry_row(eid, fields)) for eid, fields in rows])
        if self.shown:
            self.options.highlighted = self.shown.index(current) if current in self.shown else 0
        self.query_one("#lore-title", Static).update(self._title())

    def _current(self) -> str | None:
        index = self.options.highlighted
        return self.shown[index] if index is not None and 0 <= index < len(self.shown) else None

    @on(Input.Changed, "#lore-query")
    def _filtered(self) -> None:
        self._redraw()

    @on(Input.Submitted, "#lore-query")
    def _filter_done(self) -> None:
        self.options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.shown):
            self._edit(self.shown[event.option_index])

    def _edit(self, entry_id: str) -> None:
        try:
            fields = self.doc.get(entry_id)
        except LoreError as exc:
            self.notify(str(exc), markup=False, severity="warning")
            return

        def done(edited: EntryFields | None) -> None:
            if edited is not None and edited != fields:
                self.doc.set(entry_id, edited)
                self.dirty = True
                self._redraw(entry_id)
            self.options.focus()

        title = f"{self.doc.ref.name} · entry #{entry_id}"
        self.app.push_screen(EntryFormDialog(fields, title), done)

    def action_add(self) -> None:
        entry_id = self.doc.add()
        self.dirty = True
        self.query_one("#lore-query", Input).value = ""
        self._redraw(entry_id)
        self._edit(entry_id)

    @work(exclusive=True, group="lore-dialog")
    async def action_delete(self) -> None:
        entry_id = self._current()
        if entry_id is None:
            return
        title = self.doc.get(entry_id).comment or f"#{entry_id}"
        if not await self.app.push_screen_wait(ConfirmDialog(Content.assemble("Delete the entry ",
                                                                               plain_line(title, "bold"), "?"))):
            return
        self.doc.delete(entry_id)
        self.dirty = True
        self._redraw()

    def action_filter(self) -> None:
        self.query_one("#lore-query", Input).focus()

    def action_save(self) -> None:
        try:
            target = save_book(self.session, self.doc)
        except LoreError as exc:
            self.notify(f"Not saved: {exc}", markup=False, severity="error")
            return
        self.dirty = False
        self.saved = True
        self._redraw()
        self.notify(f"Saved {target.name}", markup=False)
        if self.on_saved is not None:
            self.on_saved()

    @work(exclusive=True, group="lore-dialog")
    async def action_books(self) -> None:
        if self.dirty and not await self._discard():
            return
        refs = books_for(self.session)
        labels = [plain_line(ref.label) for ref in refs]
        current = next((i for i, r in enumerate(refs) if r.label == self.doc.ref.label), 0)
        choice = await self.app.push_screen_wait(ChoiceDialog(Content("Edit which lorebook?"), labels, current))
        if choice is None:
            return
        self._open(refs[choice])

    def _open(self, ref: BookRef) -> None:
        try:
            self.doc = open_book(self.session, ref)
        except LoreError as exc:
            self.notify(str(exc), markup=False, severity="error")
            return
        self.dirty = False
        self.query_one("#lore-query", Input).value = ""
        self._redraw("")

    async def _discard(self) -> bool:
        sure = await self.app.push_screen_wait(ConfirmDialog(Content("This book has unsaved changes. Discard them?")))
        return bool(sure)

    @work(exclusive=True, group="lore-dialog")
    async def action_import_book(self) -> None:
        answer = await self.app.push_screen_wait(TextPrompt(
            Content("Import a SillyTavern world-info JSON file into the worlds folder"), placeholder="~/world.json"))
        if not answer or not answer.strip():
            return
        if self.dirty and not await self._discard():
            return
        try:
            ref = import_world(self.session, Path(answer.strip()).expanduser())
        except LoreError as exc:
            self.notify(f"Not imported: {exc}", markup=False, severity="error")
            return
        self._open(ref)
        self.notify(f"Imported as {ref.name}", markup=False)

    @work(exclusive=True, group="lore-dialog")
    async def action_export_book(self) -> None:
        default = str(Path.cwd() / f"{self.doc.ref.name}.json")
        answer = await self.app.push_screen_wait(TextPrompt(
            Content("Export this book as SillyTavern world-info JSON to"), default))
        if not answer or not answer.strip():
            return
        target = Path(answer.strip()).expanduser()
        try:
            export_world(self.doc, target)
        except LoreError as exc:
            self.notify(f"Not exported: {exc}", markup=False, severity="error")
            return
        self.notify(f"Exported to {target}", markup=False)

    @work(exclusive=True, group="lore-dialog")
    async def action_close(self) -> None:
        if self.query_one("#lore-query", Input).has_focus:
            self.options.focus()
            return
        if self.dirty and not await self._discard():
            return
        self.dismiss(self.saved)
