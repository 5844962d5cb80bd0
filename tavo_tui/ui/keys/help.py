"""The key help (f1 / ?): the focused pane's keys first, then those that work everywhere, then what follows the
leader. Built from the key registry with the keymap in force, so it shows the keys the app really answers to."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from tavo_tui.ui.keys.modal import KeyModal
from tavo_tui.ui.keys.registry import (
    ENTRIES,
    GROUP_TITLES,
    LEADER_TITLES,
    documented_keys,
    key_label,
    keys_label,
    leader_key,
    leader_sections,
    live_leader_keys,
)


@dataclass(frozen=True)
class KeyRow:
    keys: str  # readable: "ctrl+j / ctrl+enter", "ctrl+g ["
    description: str
    binding_id: str
    scope: str  # the heading it is listed under: "Chat log", "ctrl+g then … Chat"


def leader_heading(leader: str, section: str) -> str:
    return f"{key_label(leader)} then … {LEADER_TITLES[section]}"


def key_rows(focused_group: str | None, leader_context: str, keymap: Mapping[str, str]) -> list[KeyRow]:
    """Every documented key: the focused pane's group, everywhere, chat, the leader's sections, the rest."""
    order = [g for g in (focused_group, "everywhere", "chat") if g]
    order += [g for g in GROUP_TITLES if g not in order]
    leader = leader_key(keymap)
    rows: list[KeyRow] = []
    for position, group in enumerate(order):
        for entry in ENTRIES:
            keys = documented_keys(entry, keymap)
            if entry.group == group and keys:
                rows.append(KeyRow(keys_label(keys), entry.description, entry.id, GROUP_TITLES[group]))
        if group == "chat" or (position == len(order) - 1 and "chat" not in order):
            for section in leader_sections(leader_context):
                for entry in ENTRIES:
                    leader_keys = live_leader_keys(entry, keymap)
                    if entry.section == section and leader_keys:
                        rows.append(KeyRow(keys_label(leader_keys, leader), entry.description, entry.leader_id,
                                           leader_heading(leader, section)))
    return rows


def help_content(rows: list[KeyRow]) -> Content:
    lines: list[Content] = []
    scope = None
    for row in rows:
        if row.scope != scope:
            scope = row.scope
            if lines:
                lines.append(Content(""))
            lines.append(Content(scope).stylize("bold $accent"))
        lines.append(Content.assemble((f"{row.keys:>16}", "bold $primary"), "  ", row.description,
                                      (f"  {row.binding_id}", "dim")))
    if not lines:
        lines.append(Content("No keys here."))
    lines.append(Content(""))
    lines.append(Content("ctrl+p: the palette lists every action · ctrl+q quits · remap a key by its id in "
                         "<config dir>/keymap.json, e.g. {\"send\": \"ctrl+s\", \"leader.regenerate\": \"x\"}")
                 .stylize("dim"))
    return Content("\n").join(lines)


class HelpScreen(KeyModal[None]):
    """Built from the focus that was current when help was asked for (so it describes that pane first)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q,question_mark", "dismiss", "Close", id="help-close"),
    ]

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 90%; max-width: 100; height: 90%; border: round $primary; background: $surface; padding: 0 1;
    }
    HelpScreen .help-title { text-style: bold; margin-bottom: 1; dock: top; }  /* "esc closes" stays on scrolling */
    """

    def __init__(self, rows: list[KeyRow]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static(Content("Keys (esc closes)"), classes="help-title")
            yield Static(help_content(self.rows), id="help-keys")

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).focus()

    async def take_key(self, event: events.Key) -> bool:
        # The closing keys are taken in the app's key order: the keys after them go to the screen below.
        if event.key in ("escape", "f1", "q", "question_mark") and not self.dismissed:
            self.dismiss()
            return True
        return False
