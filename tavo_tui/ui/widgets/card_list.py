"""The character list (left pane): a virtual OptionList of the library's cards."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tavo_tui.ui.safe_text import one_line


class CardLike(Protocol):
    """What the list needs from a card entry (the session layer's CardEntry)."""

    path: Path
    name: str
    tags: list[str]
    creator: str


class CardList(Vertical):
    """Lists cards by name; choosing one posts `CardList.Chosen` with the card's path."""

    DEFAULT_CSS = """
    CardList { width: 28; border-right: solid $panel; }
    CardList > .pane-title { height: 1; padding: 0 1; background: $panel; text-style: bold; }
    CardList:focus-within > .pane-title { background: $primary 35%; }
    CardList > OptionList:focus { border: none; }
    CardList > OptionList { height: 1fr; border: none; padding: 0; text-wrap: nowrap; text-overflow: ellipsis; }
    CardList > .empty { color: $text-muted; padding: 1; height: auto; }
    """

    @dataclass
    class Chosen(Message):
        path: Path

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._paths: list[Path] = []
        self._active: Path | None = None

    def compose(self) -> ComposeResult:
        yield Static(Content("Characters"), classes="pane-title")
        yield OptionList(id="card-options")
        empty = Static(Content("No character cards found.\nAdd .png/.json cards with --library."), classes="empty")
        empty.display = False
        yield empty

    @property
    def options(self) -> OptionList:
        return self.query_one("#card-options", OptionList)

    def set_cards(self, entries: Sequence[CardLike], active: Path | None = None) -> None:
        self._paths = [entry.path for entry in entries]
        self._active = active
        # Option ids are our own indexes: untrusted names never become ids or selectors (tui.md §4.1).
        self.options.set_options(
            Option(_card_prompt(entry), id=f"card-{index}") for index, entry in enumerate(entries)
        )
        self.query_one(".empty", Static).display = not entries
        self.mark_active(active)

    def mark_active(self, path: Path | None) -> None:
        self._active = path
        if path in self._paths:
            self.options.highlighted = self._paths.index(path)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.post_message(self.Chosen(self._paths[event.option_index]))

    @property
    def paths(self) -> list[Path]:
        return list(self._paths)


def _card_prompt(entry: CardLike) -> Content:
    name = one_line(entry.name) or entry.path.stem
    detail = ", ".join(one_line(t) for t in entry.tags[:3] if one_line(t))
    if entry.creator.strip():
        detail = f"by {one_line(entry.creator)}" + (f" · {detail}" if detail else "")
    if not detail:
        return Content(name)
    return Content.assemble((name, "bold"), "\n", (detail, "dim"))
