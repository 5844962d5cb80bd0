"""Import from SillyTavern: a path prompt, the import in a thread (the UI keeps drawing, with a count of the
characters done), then the summary in the same dialog. The work is `tavo_tui.session.migration`'s."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Static

from tavo_tui.session.errors import StoreError
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.library.card_list import CardList
from tavo_tui.ui.shared.dialogs import DIALOG_CSS
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import plain

if TYPE_CHECKING:
    from tavo_tui.session import AppContext
    from tavo_tui.session.migration import ImportSummary

ASK_HELP = "enter: import (the folder is only read)    esc: cancel"
BUSY_HELP = "importing… the folder is only read"
DONE_HELP = "esc / enter: close"


class StImportScreen(KeyModal[bool]):
    """Dismissed with True when anything was imported (the library is listed again)."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close", id="st-import-close")]
    DEFAULT_CSS = DIALOG_CSS.format(name="StImportScreen") + """
    StImportScreen #st-summary { height: auto; max-height: 60vh; }
    StImportScreen #st-summary > Static { height: auto; }
    """

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.summary: ImportSummary | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content("Import from SillyTavern"), classes="dialog-title")
            yield Static(Content("Its data/<user>/ folder (or the install folder; public/ for old versions):"),
                         id="st-ask")
            yield SafeInput(placeholder="~/SillyTavern/data/default-user", id="st-path")
            with VerticalScroll(id="st-summary"):
                yield Static(Content(""), id="st-report")
            yield Static(Content(ASK_HELP), classes="dialog-help", id="st-help")

    def on_mount(self) -> None:
        self.query_one("#st-summary").display = False
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        if self.busy or not event.value.strip():
            return
        if self.summary is not None:
            self.action_close()
            return
        self.busy = True
        self.query_one(Input).disabled = True
        self._help(BUSY_HELP)
        self.run_worker(self._run(Path(event.value.strip()).expanduser()), group="st-import", exclusive=True)

    async def _run(self, path: Path) -> None:
        from tavo_tui.session.migration import import_sillytavern  # loaded on first use, not at start-up

        def progress(done: int, total: int) -> None:
            self.app.call_from_thread(self._help, f"{BUSY_HELP}: character {done} of {total}")

        try:
            summary = await asyncio.to_thread(import_sillytavern, self.ctx, path, progress=progress)
        except (StoreError, OSError) as exc:
            self.busy = False
            self.query_one(Input).disabled = False
            self.query_one(Input).focus()
            self._help(ASK_HELP)
            self.notify(f"Cannot import: {exc}", markup=False, severity="error", timeout=8)
            return
        self.busy = False
        self.summary = summary
        self._show(summary)

    def _show(self, summary: ImportSummary) -> None:
        from tavo_tui.session.migration import summary_text

        self.query_one("#st-ask").display = False
        self.query_one(Input).display = False
        self.query_one("#st-report", Static).update(plain(summary_text(summary)))
        scroll = self.query_one("#st-summary")
        scroll.display = True
        scroll.focus()
        self._help(DONE_HELP)

    def _help(self, text: str) -> None:
        self.query_one("#st-help", Static).update(Content(text))

    def key_enter(self) -> None:
        if self.summary is not None:
            self.action_close()

    def action_close(self) -> None:
        if self.busy:
            self.notify("The import is still running; it stops by itself when done.", markup=False)
            return
        self.dismiss(self.summary is not None and self.summary.total("imported") > 0)


class StImportActions(Screen[None]):
    """Mixed into MainScreen: the palette's "Import from SillyTavern…"."""

    if TYPE_CHECKING:
        ctx: AppContext

    def action_import_sillytavern(self) -> None:
        def done(imported: bool | None) -> None:
            if imported:
                self.query_one(CardList).reload()

        self.app.push_screen(StImportScreen(self.ctx), done)
