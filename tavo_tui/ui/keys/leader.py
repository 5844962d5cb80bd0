"""The leader key (ctrl+g by default): a small overlay at the bottom lists what the next key does.

The overlay takes exactly one key, in the app's key order (`KeyModal.take_key`), so "leader, r" arriving in
one read regenerates just as it does typed slowly: the overlay is gone before the key after it is read, and the
action has run. Escape (or the leader again) closes it; any other key closes it with a one-line hint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.keys import _character_to_key
from textual.widgets import Static

from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.keys.registry import (
    LEADER_TITLES,
    KeyAction,
    key_label,
    leader_entries,
    leader_key,
    leader_sections,
    live_leader_keys,
)

COLUMN = 20  # one "key  description" cell


@dataclass(frozen=True)
class LeaderItem:
    keys: tuple[str, ...]  # Textual key names
    entry: KeyAction


def leader_items(context: str, keymap: Mapping[str, str]) -> list[LeaderItem]:
    """What follows the leader where the focus is ("chat" or "library"), with the user's leader keys."""
    return [LeaderItem(live_leader_keys(entry, keymap), entry) for entry in leader_entries(context)]


def _cell(item: LeaderItem) -> Content:
    keys = " ".join(key_label(key) for key in item.keys)
    text = Content.assemble((keys, "bold $accent"), " ", item.entry.description)
    if text.cell_length >= COLUMN:
        text = text.truncate(COLUMN - 1, ellipsis=True)
    return text.pad_right(COLUMN - text.cell_length)


def overlay_content(context: str, items: list[LeaderItem], width: int) -> Content:
    """The sections, each a title and its keys in as many columns as fit."""
    columns = max(1, (width - 4) // COLUMN)
    lines: list[Content] = []
    for section in leader_sections(context):
        shown = [item for item in items if item.entry.section == section and item.keys]
        if not shown:
            continue
        lines.append(Content(LEADER_TITLES[section]).stylize("bold"))
        for start in range(0, len(shown), columns):
            lines.append(Content("").join(_cell(item) for item in shown[start:start + columns]))
    return Content("\n").join(lines)


class LeaderScreen(KeyModal[KeyAction | None]):
    """Built by the app for the focused context; `run` performs the chosen entry's action."""

    DEFAULT_CSS = """
    LeaderScreen { align: center bottom; background: $background 30%; }
    LeaderScreen > #leader-box {
        dock: bottom; width: 100%; height: auto; max-height: 100%;
        border: round $primary; background: $surface; padding: 0 1;
    }
    LeaderScreen #leader-hint { color: $text-muted; }
    """

    def __init__(self, context: str, keymap: Mapping[str, str],
                 run: Callable[[KeyAction], Awaitable[object]]) -> None:
        super().__init__()
        self.context = context
        self.items = leader_items(context, keymap)
        self.leader = leader_key(keymap)
        self._run = run

    def compose(self) -> ComposeResult:
        with Vertical(id="leader-box"):
            yield Static(overlay_content(self.context, self.items, self.app.size.width), id="leader-keys")
            yield Static(Content(f"{key_label(self.leader)} then one key · esc closes · f1 lists every key"),
                         id="leader-hint")

    def item_for(self, event: events.Key) -> LeaderItem | None:
        names = {event.key}
        if event.character and event.character.isprintable():
            names.add(_character_to_key(event.character))
        return next((item for item in self.items if names & set(item.keys)), None)

    async def take_key(self, event: events.Key) -> bool:
        if self.dismissed:
            return False
        item = self.item_for(event)
        self.dismiss(item.entry if item is not None else None)
        if item is not None:
            await self._run(item.entry)  # before the next key is read: it sees the action's result
        elif event.key not in ("escape", self.leader):
            self.app.notify(f"{key_label(self.leader)} {key_label(event.key)}: nothing here; "
                            f"{key_label(self.leader)} lists the keys", markup=False, timeout=3)
        return True

    def on_key(self, event: events.Key) -> None:
        # Only keys posted to this screen directly get here; the app hands every key it reads to take_key.
        event.stop()
        event.prevent_default()
        self.dismiss(None)
