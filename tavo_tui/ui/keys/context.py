"""Where the focus is, in the key registry's terms, and which node runs an entry's action."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget

from tavo_tui.ui.chat.composer import Composer
from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.connections.pane import ConnectionPane
from tavo_tui.ui.inspector.pane import PromptInspector
from tavo_tui.ui.keys.registry import APP, CARD_LIST, CHAT_LOG, INSPECTOR, KeyAction
from tavo_tui.ui.library.card_list import CardList

PANE_GROUPS: tuple[tuple[type[DOMNode], str], ...] = (
    (CardList, "library"), (ChatLog, "chat log"), (Composer, "composer"), (ConnectionPane, "connections"),
    (PromptInspector, "inspector"),
)


def focus_group(screen: Screen[Any]) -> str | None:
    """The registry group of the pane holding the focus, if any."""
    focused = screen.focused
    if focused is None:
        return None
    for node in focused.ancestors_with_self:
        for cls, group in PANE_GROUPS:
            if isinstance(node, cls):
                return group
    return None


def leader_context(screen: Screen[Any]) -> str:
    """The library's commands follow the leader while it has the focus; elsewhere the chat's do."""
    return "library" if focus_group(screen) == "library" else "chat"


PANES: dict[str, type[Widget]] = {CARD_LIST: CardList, CHAT_LOG: ChatLog, INSPECTOR: PromptInspector}


def namespace_for(entry: KeyAction, screen: Screen[Any]) -> App[Any] | Widget | None:
    """The node whose action `entry.action` is: the app, the screen, or the pane that owns the binding."""
    if entry.owner == APP:
        return screen.app
    pane = PANES.get(entry.owner)
    if pane is None:
        return screen
    found = screen.query(pane)
    return found.first() if found else None
