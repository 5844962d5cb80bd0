"""Command palette entries for the main screen's actions, from the key registry (titles are ours, never
untrusted text). Each entry's help ends with the keys in force for it, so a remap shows up here too."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen

from tavo_tui.ui.keys.context import namespace_for
from tavo_tui.ui.keys.registry import (
    CARD_LIST,
    CHAT_LOG,
    ENTRIES,
    INSPECTOR,
    KeyAction,
    documented_keys,
    key_label,
    keys_label,
    leader_key,
    live_leader_keys,
)

# Run in a pane: it is shown and focused first, as if the user had gone there.
FOCUS_FIRST = {CARD_LIST: "focus_pane('cards')", INSPECTOR: "focus_pane('inspector')"}
PANE_NAMES = {CHAT_LOG: "in the chat log", CARD_LIST: "in the list", INSPECTOR: "in the inspector"}


def key_hint(entry: KeyAction, keymap: Mapping[str, str]) -> str:
    """"ctrl+g r; r in the chat log": the entry's live keys, its leader sequence, and its chat log twin's."""
    parts: list[str] = []
    keys = documented_keys(entry, keymap)
    if keys:
        where = PANE_NAMES.get(entry.owner)
        parts.append(f"{keys_label(keys)} {where}" if where else keys_label(keys))
    leader_keys = live_leader_keys(entry, keymap)
    if leader_keys:
        parts.append(keys_label(leader_keys[:1], leader_key(keymap)))
    for twin in ENTRIES:
        if twin.owner == CHAT_LOG and twin.action == f"screen.{entry.action}":
            twin_keys = documented_keys(twin, keymap)
            if twin_keys:
                parts.append(f"{' '.join(key_label(k) for k in twin_keys)} in the chat log")
    return "; ".join(parts)


def command_help(entry: KeyAction, keymap: Mapping[str, str]) -> str:
    hint = key_hint(entry, keymap)
    return f"{entry.help} ({hint})" if hint else entry.help


async def run_entry(screen: Screen[Any], entry: KeyAction) -> None:
    """Run the entry's action where it belongs (in its pane, which is focused first)."""
    before = FOCUS_FIRST.get(entry.owner)
    if before is not None:
        await screen.run_action(before)
    node = namespace_for(entry, screen)
    if node is not None:
        await node.run_action(entry.action)


def main_screen_commands(screen: Screen[Any], keymap: Mapping[str, str]) -> Iterable[SystemCommand]:
    for entry in ENTRIES:
        if entry.title:
            yield SystemCommand(entry.title, command_help(entry, keymap), partial(run_entry, screen, entry))
