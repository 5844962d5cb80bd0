"""Command palette entries for the main screen's actions (titles are ours, never untrusted text)."""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import Any

from textual.app import SystemCommand
from textual.screen import Screen

from tavo_tui.ui.chat.commands import chat_commands

# (title, help, action on the main screen)
MAIN_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Send message", "Send what is in the composer (ctrl+j)", "send"),
    ("Stop generation", "Stop the reply being written and keep what arrived (esc)", "stop"),
    ("Retry", "Ask for a reply again after a failure (ctrl+r)", "retry"),
    ("New chat", "Start a new chat with this character (ctrl+n)", "new_chat"),
    ("Switch connection", "Choose the connection the next reply uses (F5)", "pick_connection"),
    ("Test connection", "Check that the selected connection answers (ctrl+t)", "test_connection"),
    ("Add connection", "Create a new connection profile", "add_connection"),
    ("Edit current connection", "Change the connection the chat uses now", "edit_connection"),
    ("Pick model", "Choose the model from the server's list, or type its name (alt+m)", "pick_model"),
    ("Discover local servers", "Find LLM servers on this machine and add them as connections", "discover_servers"),
    ("Toggle character list", "Show or hide the characters pane (F2)", "toggle_cards"),
    ("Toggle connections pane", "Show or hide the connections pane (F3)", "toggle_connections"),
    ("Toggle prompt inspector", "Show or hide the prompt inspector (F4)", "toggle_inspector"),
    ("Focus characters", "Move the focus to the character list (alt+1)", "focus_pane('cards')"),
    ("Focus chat", "Move the focus to the composer (alt+2)", "focus_pane('chat')"),
    ("Focus connections", "Move the focus to the connections pane (alt+3)", "focus_pane('connections')"),
    ("Focus inspector", "Move the focus to the prompt inspector (alt+4)", "focus_pane('inspector')"),
    ("Keys", "List the keys of the focused pane (f1, or ? outside text fields)", "app.show_help"),
    ("Jump", "Show a letter on every pane; press one to move the focus there (ctrl+o)", "jump"),
    ("Wider pane", "Widen the focused side pane, or the chat when it has the focus (alt+right)", "resize_pane(2)"),
    ("Narrower pane", "Narrow the focused side pane, or the chat when it has the focus (alt+left)",
     "resize_pane(-2)"),
    ("Copy message", "Copy the selected (else the last) message to the clipboard (y in the chat log)",
     "copy_message"),
)


def main_screen_commands(screen: Screen[Any]) -> Iterable[SystemCommand]:
    for title, help_text, action in MAIN_COMMANDS:
        yield SystemCommand(title, help_text, partial(screen.run_action, action))
    yield from inspector_commands(screen)
    yield from chat_commands(screen)


# (title, help, action on the prompt inspector); each first shows and focuses the inspector.
INSPECTOR_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("Inspector: copy request as JSON", "Copy the next request's body to the clipboard (c in the inspector)",
     "copy_json"),
    ("Inspector: copy request as curl", "Copy a curl command for the next request, API key masked (u)",
     "copy_curl"),
    ("Inspector: save request to a file", "Save the body (.json) or a curl command (.sh) (s)", "save"),
    ("Inspector: diff with the last prompt sent", "What changed since the last request in this chat (d)",
     "diff_previous"),
    ("Inspector: diff with another connection", "The same turn built for another connection (o)", "diff_other"),
    ("Inspector: next view", "Request, sections, dropped & lore, diff (tab in the inspector)", "next_view"),
)


async def _run_in_inspector(screen: Screen[Any], action: str) -> None:
    from tavo_tui.ui.inspector.pane import PromptInspector

    found = screen.query(PromptInspector)
    if not found:
        return
    await screen.run_action("focus_pane('inspector')")
    await found.first().run_action(action)


def inspector_commands(screen: Screen[Any]) -> Iterable[SystemCommand]:
    for title, help_text, action in INSPECTOR_COMMANDS:
        yield SystemCommand(title, help_text, partial(_run_in_inspector, screen, action))
