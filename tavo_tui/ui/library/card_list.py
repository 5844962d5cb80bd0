"""The character list (left pane): a filter line over a virtual OptionList of the library's cards.

Only the cached library listing is used (name, tags, creator); cards are parsed fully only for the detail view.
The actions on the highlighted card (detail, import, export, duplicate, delete, create, edit) live in
`tavo_tui.ui.library.actions`; this widget owns the list, the filter and the sort order.

Typing in the list goes into the filter: a printable key never runs a command here, so someone who starts
typing in the wrong pane only narrows the list. The first match is highlighted as the filter changes, and
enter in the filter opens it (`/ sable enter`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Protocol

from textual import events, on
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.timer import Timer
from textual.visual import Visual
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.session.library import SORT_LABELS, SORTS, TagFolder, folder_view, sorted_entries
from tavo_tui.ui.keys.registry import CARD_LIST, bindings_for
from tavo_tui.ui.shared.safe_input import SafeInput
from tavo_tui.ui.shared.safe_text import one_line

if TYPE_CHECKING:
    from textual.css.styles import RulesMap
    from textual.strip import Strip
    from textual.style import Style
    from textual.visual import RenderOptions

    from tavo_tui.session import AppContext

FILTER_DELAY = 0.15
# The pane is narrow: the title names the sort briefly.
SORT_SHORT = {"chatted": "recent", "added": "added", "tag": "tag"}


class CardLike(Protocol):
    """What the list needs from a card entry (the session layer's CardEntry)."""

    path: Path
    name: str
    tags: list[str]
    creator: str


class CardOptions(OptionList):
    """The list itself; typed characters go to the filter above it (CardList.on_key)."""


class CardRow(Visual):
    """A card's prompt in the list: its name, and a dim line of creator and tags when it has any.

    The text is built when the row is first drawn, so listing thousands of cards costs little more than the
    rows on screen. The list never wraps (CSS `text-wrap: nowrap`): the height is the number of lines.
    """

    def __init__(self, entry: CardLike) -> None:
        self._entry = entry
        self._content: Content | None = None
        self._height: int | None = None

    @property
    def content(self) -> Content:
        if self._content is None:
            self._content = _card_prompt(self._entry)
        return self._content

    def __str__(self) -> str:
        return str(self.content)

    def render_strips(self, width: int, height: int | None, style: Style, options: RenderOptions) -> list[Strip]:
        return self.content.render_strips(width, height, style, options)

    def get_optimal_width(self, rules: RulesMap, container_width: int) -> int:
        return self.content.get_optimal_width(rules, container_width)

    def get_minimal_width(self, rules: RulesMap) -> int:
        return self.content.get_minimal_width(rules)

    def get_height(self, rules: RulesMap, width: int) -> int:
        if self._height is None:
            self._height = 2 if _has_detail(self._entry) else 1
        return self._height


class CardList(Vertical):
    """Lists cards; choosing one posts `CardList.Chosen` with the card's path."""

    # From the key registry: printable keys typed in the list filter it, so only delete (and enter, the list's
    # own select) are direct keys; the other commands follow the leader (ctrl+g) or are in the palette.
    BINDINGS: ClassVar[list[BindingType]] = bindings_for(CARD_LIST)

    DEFAULT_CSS = """
    CardList { width: 28; border-right: solid $panel; }
    CardList > .pane-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    CardList.-has-focus > .pane-title { background: $primary 35%; }
    CardList > Input { height: 1; border: none; padding: 0 1; margin: 0; background: $surface; }
    CardList > Input:focus { border: none; background: $primary 15%; }
    CardList > OptionList:focus { border: none; }
    CardList > OptionList { height: 1fr; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis; }
    CardList > .empty { color: $text-muted; padding: 1; height: auto; }
    """

    @dataclass
    class Chosen(Message):
        """Open the card's chat: its latest (`new` False), or a new one starting with greeting `greeting`."""

        path: Path
        new: bool = False
        greeting: int = 0

    @dataclass
    class ViewChanged(Message):
        """The sort order, the filter or the tag folder changed (the screen keeps them for the next start)."""

        sort: str
        query: str
        folders: bool = False
        folder: str = ""

    def __init__(self, ctx: AppContext | None = None, *, sort: str = "name", query: str = "",
                 folders: bool = False, folder: str = "", id: str | None = None) -> None:
        super().__init__(id=id)
        # Tags as folders (SillyTavern's): at the top a row per tag and the untagged cards; in a folder a back
        # row, then that tag's cards. A filter lists every match, folders or not. These rows come first, so
        # option index - `_lead` is the index in `_paths`.
        self.folders = folders
        self.folder = folder if folders else ""
        self._folder_rows: list[TagFolder | None] = []  # None: the back row
        self.broken: list[tuple[Path, str]] = []  # files that are not readable cards: one row after the cards
        self._lead = 0
        # The library: given by the screen that shows this pane (None lists nothing, for tests of the widget).
        self.ctx = ctx
        # The model of the connection in use: the detail view counts tokens with its tokenizer. The screen
        # keeps it up to date.
        self.model_name = ""
        self._paths: list[Path] = []
        self._names: dict[Path, str] = {}
        self._active: Path | None = None
        self.sort = sort if sort in SORTS else "name"
        self._initial_query = query
        self._listed_query = query  # the filter text the shown listing was made for
        self._filter_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content("Characters"), classes="pane-title")
        # Not select_on_focus: a key typed in the list lands here and the next one must not replace it.
        yield SafeInput(self._initial_query, placeholder="/ filter: name, creator, #tag", id="card-filter",
                    select_on_focus=False)
        yield CardOptions(id="card-options")
        empty = Static(Content("No character cards found.\nAdd .png/.json cards with --library."), classes="empty")
        empty.display = False
        yield empty

    @property
    def options(self) -> OptionList:
        return self.query_one("#card-options", OptionList)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#card-filter", Input)

    @property
    def query_text(self) -> str:
        return self.filter_input.value

    def set_cards(self, entries: Sequence[CardLike], active: Path | None = None, *, total: int | None = None) -> None:
        """Show `entries`; `total` is the library's size when they are only its first part (start-up)."""
        self._folder_rows = []
        if self.folders and not self.query_text.strip():
            tag_folders, entries = folder_view(entries, self.folder)
            self._folder_rows = [None] if self.folder else list(tag_folders)
        self._lead = len(self._folder_rows)
        self._paths = [entry.path for entry in entries]
        self._names = {entry.path: entry.name for entry in entries}
        self._active = active if active is not None else self._active
        self._listed_query = self.query_text
        # Option ids are our own indexes: untrusted names never become ids or selectors (tui.md §4.1).
        try:
            self.broken = self.ctx.card_failures() if self.ctx is not None else []
        except Exception:  # the row is a courtesy; the listing itself must still show
            self.broken = []
        self.options.set_options([
            *(Option(_folder_prompt(row, self.folder), id=f"folder-{index}")
              for index, row in enumerate(self._folder_rows)),
            *(Option(CardRow(entry), id=f"card-{index}") for index, entry in enumerate(entries)),
            *([Option(Content.assemble(("⚠ ", "bold $text-warning"),
                                       (f"{len(self.broken)} file(s) could not be read", "dim")), id="broken")]
              if self.broken and not self.query_text.strip() else []),
        ])
        empty = self.query_one(".empty", Static)
        empty.update(Content("No card matches the filter." if self.query_text.strip() and not entries
                             else "No character cards found.\nAdd .png/.json cards with --library, or press a."))
        empty.display = not self.options.option_count
        self.options.display = bool(self.options.option_count)
        self._update_title(len(entries) if total is None else total)
        self.mark_active(self._active)
        if entries and self.query_text.strip() and self.options.highlighted is None:
            self.options.highlighted = 0  # the first match, ready for enter

    def _update_title(self, count: int) -> None:
        label = f"Characters · {SORT_SHORT[self.sort]}" if self.sort in SORT_SHORT else "Characters"
        self.query_one(".pane-title", Static).update(Content(f"{label} ({count})"))

    def reload(self, select: Path | None = None) -> None:
        """List again from the library with the current filter and sort (after a change on disk)."""
        ctx = self.ctx
        if ctx is None:
            return
        try:
            entries = sorted_entries(ctx, self.query_text, self.sort)
        except Exception as exc:  # the list keeps what it had; the reason is shown
            self.notify(f"Cannot list the cards: {exc}", markup=False, severity="error")
            return
        self.show_listing(entries, select)

    def show_listing(self, entries: Sequence[CardLike], select: Path | None = None) -> None:
        """Show a fresh listing, keeping the highlight on `select` or on the card it was on; a new filter
        highlights its first match instead."""
        filter_changed = self.query_text != self._listed_query
        keep = select or (None if filter_changed else self.highlighted_path)
        self.set_cards(entries)
        if keep in self._paths:
            self.options.highlighted = self._lead + self._paths.index(keep)
        elif filter_changed and self._paths:
            self.options.highlighted = self._lead

    def mark_active(self, path: Path | None) -> None:
        self._active = path
        if path in self._paths:
            self.options.highlighted = self._lead + self._paths.index(path)

    @property
    def highlighted_path(self) -> Path | None:
        index = self.options.highlighted
        if index is None or not 0 <= index - self._lead < len(self._paths):
            return None
        return self._paths[index - self._lead]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option_index < self._lead:
            row = self._folder_rows[event.option_index]
            self.open_folder(row.tag if row is not None else "")
            return
        if event.option_index >= self._lead + len(self._paths):
            self._run("show_broken", needs_card=False)  # the "could not be read" row
            return
        self.post_message(self.Chosen(self._paths[event.option_index - self._lead]))

    # ---- tags as folders -------------------------------------------------------------------------------------
    def open_folder(self, tag: str) -> None:
        """Go into a tag's folder ("" goes back to the top), highlighting the folder just left."""
        left = self.folder
        self.folder = tag
        self.reload()
        if not tag and left:
            for index, row in enumerate(self._folder_rows):
                if row is not None and row.tag.casefold() == left.casefold():
                    self.options.highlighted = index
        elif self._paths or self._lead:
            self.options.highlighted = self._lead if self._paths else 0
        self._view_changed()

    def action_toggle_folders(self) -> None:
        self.folders = not self.folders
        self.folder = ""
        self.reload()
        self._view_changed()
        self.notify("Tags shown as folders" if self.folders else "Tags not shown as folders", markup=False,
                    timeout=2)

    def _view_changed(self, query: str | None = None) -> None:
        self.post_message(self.ViewChanged(self.sort, self.query_text if query is None else query, self.folders,
                                           self.folder))

    @property
    def paths(self) -> list[Path]:
        return list(self._paths)

    def listed_names(self) -> dict[Path, str]:
        """The listed cards' names by path (for dialogs that list them again)."""
        return dict(self._names)

    # ---- filter and sort -------------------------------------------------------------------------------------
    def action_focus_filter(self) -> None:
        self.display = True
        self.filter_input.focus()

    @on(Input.Changed, "#card-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        if event.value == self._listed_query:
            return  # nothing to list again (the restored filter as the pane mounts, or a change undone)
        self._view_changed(event.value)  # as typed: quitting at once keeps it too
        self._filter_timer = self.set_timer(FILTER_DELAY, self._apply_filter)

    def _apply_filter(self) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        self.reload()

    def _flush_filter(self) -> None:
        """List now for the filter as typed, if that listing is still waiting for its timer."""
        if self._filter_timer is not None:
            self._apply_filter()

    @on(Input.Submitted, "#card-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._flush_filter()
        path = self.highlighted_path
        if path is not None:
            self.post_message(self.Chosen(path))
        else:
            self.options.focus()

    def on_key(self, event: events.Key) -> None:
        if self.filter_input.has_focus:
            self._filter_key(event)
        elif self.options.has_focus:
            self._list_key(event)

    def _filter_key(self, event: events.Key) -> None:
        # Escape in the filter clears it; down moves into the list, on the first match at least.
        if event.key not in ("escape", "down"):
            return
        event.stop()
        if event.key == "escape" and self.filter_input.value:
            self.filter_input.value = ""
            self._apply_filter()
            self._view_changed("")
        else:
            self._flush_filter()
        if self.options.highlighted is None and self._paths:
            self.options.highlighted = 0
        self.options.focus()

    def _list_key(self, event: events.Key) -> None:
        """Typing in the list edits the filter: a printable key never runs a command on a card."""
        field = self.filter_input
        if event.key == "escape":
            if not field.value:
                return  # nothing to clear: escape means what it means elsewhere
            field.value = ""
            self._apply_filter()
            self._view_changed("")
        elif event.key == "backspace" and not field.value and self.folder:
            self.open_folder("")  # out of the tag folder, as ST's back row
        elif event.key == "backspace":
            field.value = field.value[:-1]
            field.cursor_position = len(field.value)
            field.focus()
        elif event.is_printable and event.character is not None:
            if event.key != "slash":  # `/` just goes to the filter
                field.value += event.character
                field.cursor_position = len(field.value)
            field.focus()
        else:
            return
        event.stop()
        event.prevent_default()

    def action_cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self.reload()
        self._view_changed()
        self.notify(f"Cards sorted by {SORT_LABELS[self.sort]}", markup=False, timeout=2)

    # ---- card actions (see library_actions) -------------------------------------------------------------------
    def _run(self, name: str, needs_card: bool = True) -> None:
        from tavo_tui.ui.library import actions as library_actions

        path = self.highlighted_path
        if needs_card and path is None:
            self.notify("Highlight a card first.", markup=False)
            return
        self.run_worker(getattr(library_actions, name)(self, path), group="library", exit_on_error=False)

    def action_detail(self) -> None:
        self._run("show_detail")

    def action_import_cards(self) -> None:
        self._run("import_cards", needs_card=False)

    def action_export_card(self) -> None:
        self._run("export_card")

    def action_duplicate_card(self) -> None:
        self._run("duplicate_card")

    def action_delete_card(self) -> None:
        self._run("delete_card")

    def action_create_card(self) -> None:
        self._run("create_card", needs_card=False)

    def action_edit_card(self) -> None:
        self._run("edit_card")

    def action_toggle_favourite(self) -> None:
        self._run("toggle_favourite")

    def action_edit_tags(self) -> None:
        self._run("edit_tags")


def _folder_prompt(row: TagFolder | None, folder: str) -> Content:
    if row is None:
        return Content.assemble(("‹ back", "bold"), ("  #", "dim"), (one_line(folder), "dim"))
    return Content.assemble(("▸ #", "bold"), (one_line(row.tag), "bold"), (f"  {row.count}", "dim"))


def _has_detail(entry: CardLike) -> bool:
    """Whether `_card_prompt` gives the card a second line (without building it)."""
    return bool(entry.creator.strip()) or any((t.isprintable() and t.strip()) or one_line(t) for t in entry.tags[:3])


def _card_prompt(entry: CardLike) -> Content:
    name = one_line(entry.name) or one_line(entry.path.stem)
    if getattr(entry, "fav", False):
        name = "★ " + name
    detail = ", ".join(one_line(t) for t in entry.tags[:3] if one_line(t))
    if entry.creator.strip():
        detail = f"by {one_line(entry.creator)}" + (f" · {detail}" if detail else "")
    if not detail:
        return Content(name)
    return Content.assemble((name, "bold"), "\n", (detail, "dim"))
