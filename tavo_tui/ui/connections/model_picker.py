"""Pick a model from the server's list (fetched in a worker), or type its name when there is no list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.events import Key
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.session.connections import ModelListing, filter_models
from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import one_line, plain_line

# One line at 80 columns, so the list keeps its rows in a 24-row terminal.
HELP = "type to filter · ↓ list · enter picks · ctrl+r / r refreshes · esc cancels"


class ModelPicker(KeyModal[str | None]):
    """Dismisses with the chosen (or typed) model name, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="models.cancel"),
        Binding("ctrl+r", "refresh", "Refresh", id="models.refresh"),
        # Only reaches the screen when the list has the focus (the filter field consumes typed letters).
        Binding("r", "refresh", "Refresh", id="models.refresh-r", show=False),
        Binding("slash", "focus_filter", "Filter", id="models.filter", show=False),
    ]

    DEFAULT_CSS = """
    ModelPicker { align: center middle; }
    ModelPicker > Vertical {
        width: 80; max-width: 100%; height: auto; max-height: 90%;
        background: $surface; border: round $primary; padding: 0 1;
    }
    ModelPicker .title { text-style: bold; height: auto; }
    ModelPicker .help, ModelPicker .models-status { color: $text-muted; height: auto; }
    /* The key hints stay at the bottom; the list scrolls within 60% of the screen (it fits 80x24). */
    ModelPicker .help { dock: bottom; }
    ModelPicker .models-status { max-height: 2; }
    ModelPicker .models-status.-bad { color: $text-warning; }
    ModelPicker Input { margin: 1 0 0 0; }
    ModelPicker OptionList { height: auto; max-height: 60vh; border: none; }
    """

    def __init__(self, profile_name: str, current: str, fetch: Callable[[], Awaitable[ModelListing]]) -> None:
        super().__init__()
        self.profile_name = profile_name
        self.current = current
        self.fetch = fetch
        self.models: list[str] = []
        self.shown: list[str] = []
        self.reason = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(Content.assemble("Model for ", plain_line(self.profile_name, "bold")), classes="title")
            yield SafeInput(placeholder="filter, or type a model name", id="models-filter", compact=True,
                        select_on_focus=False)
            yield Static(Content("Fetching the model list…"), classes="models-status")
            yield OptionList(id="models-list")
            yield Static(Content(HELP), classes="help")

    @property
    def filter_input(self) -> Input:
        return self.query_one("#models-filter", Input)

    @property
    def option_list(self) -> OptionList:
        return self.query_one("#models-list", OptionList)

    def on_mount(self) -> None:
        self.filter_input.focus()
        self.action_refresh()

    def action_refresh(self) -> None:
        self._status("Fetching the model list…", bad=False)
        self._load()

    @work(exclusive=True, group="models", exit_on_error=False)
    async def _load(self) -> None:
        try:
            listing = await self.fetch()
        except Exception as exc:  # the session helper reports failures itself; this is a last resort
            listing = ModelListing((), f"could not list models: {exc}")
        self.models = list(listing.models)
        self.reason = listing.reason
        self._show()

    def _status(self, text: str, *, bad: bool) -> None:
        status = self.query_one(".models-status", Static)
        status.update(plain_line(text))
        status.set_class(bad, "-bad")

    def _show(self) -> None:
        query = self.filter_input.value
        self.shown = filter_models(self.models, query)
        self.option_list.set_options(
            Option(Content.assemble("● " if m == self.current else "  ", plain_line(m))) for m in self.shown
        )
        if self.shown:
            index = self.shown.index(self.current) if self.current in self.shown else 0
            self.option_list.highlighted = index
        if not self.models:
            self._status(f"{self.reason or 'no models listed'} — type the model name and press enter.", bad=True)
        else:
            self._status(f"{len(self.shown)} of {len(self.models)} models" + (" match" if query else ""), bad=False)

    @on(Input.Changed, "#models-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._show()

    @on(Input.Submitted, "#models-filter")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        index = self.option_list.highlighted
        if self.shown and index is not None and index < len(self.shown):
            self.dismiss(self.shown[index])
        elif one_line(event.value):
            self.dismiss(one_line(event.value))  # free text: the API has no list, or the name is not in it

    @on(OptionList.OptionSelected, "#models-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(self.shown[event.option_index])

    def on_key(self, event: Key) -> None:
        if event.key == "down" and self.filter_input.has_focus and self.shown:
            event.stop()
            self.option_list.focus()
        elif self.option_list.has_focus and event.is_printable and event.character not in (None, "r", "/"):
            # Typing in the list goes on filtering (r refreshes there, / jumps to the filter).
            event.stop()
            self.filter_input.focus()
            self.filter_input.insert_text_at_cursor(event.character or "")

    def action_focus_filter(self) -> None:
        self.filter_input.focus()

    def action_cancel(self) -> None:
        self.dismiss(None)
