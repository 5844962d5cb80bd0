"""Error notices for the chat: what went wrong (untrusted text, shown literally) and what to do in this UI."""

from __future__ import annotations

import re
from collections.abc import Mapping

from textual.content import Content

from tavo_tui.ui.keys.registry import ENTRIES, keys_label
from tavo_tui.ui.shared.safe_text import plain

# The session's message already says what happened; these say where to fix it in the TUI. The keys are the
# ones in force (the user's keymap applied), filled in by action name: a remapped key is never misnamed.
ERROR_HINTS = {
    "auth": "Fix the key: {toggle_connections} opens connections, then Edit.",
    "not_found_model": "Set a model the server knows: {toggle_connections}, then Edit.",
    "rate_limit": "Wait a moment, then {retry} to retry.",
    "quota": "Check your account with the provider, or switch connection with {pick_connection}.",
    "context_length": "Lower max context in the connection ({toggle_connections}, Edit) or start a new chat "
                      "({new_chat}).",
    "overloaded": "Try again shortly with {retry}.",
    "bad_request": "Check the connection settings ({toggle_connections}); {toggle_inspector} shows the exact "
                   "request body.",
    "server": "Check the server's log; {retry} retries.",
    "network": "Is the server running and the URL right? Test it with {test_connection}, or switch with "
               "{pick_connection}.",
}
DEFAULT_HINT = "Test the connection with {test_connection}, switch with {pick_connection}, or retry with {retry}."
HINT_ACTIONS = ("toggle_connections", "pick_connection", "toggle_inspector", "test_connection", "new_chat", "retry")
UNBOUND = "the command palette"  # an action the keymap left without a key is still in the palette


def default_hint_keys() -> dict[str, str]:
    """The registry's default keys for HINT_ACTIONS (what the advice names when no screen is asked)."""
    return {entry.action: keys_label(entry.keys) for entry in ENTRIES if entry.action in HINT_ACTIONS and entry.keys}


def _prose(label: str) -> str:
    """Function keys as prose writes them ("F3"), the rest as the footer shows them."""
    return re.sub(r"\bf(\d{1,2})\b", r"F\1", label)


def error_hint(kind: str, keys: Mapping[str, str] | None = None) -> str:
    """The advice for an error kind, naming the keys in `keys` (action → keys as read; the defaults if None)."""
    given = default_hint_keys() if keys is None else keys
    shown = {action: _prose(given.get(action) or UNBOUND) for action in HINT_ACTIONS}
    return ERROR_HINTS.get(kind, DEFAULT_HINT).format_map(shown)


def error_notice(error: str, kind: str, hint: str | None = None) -> Content:
    """An error line the user can act on."""
    return Content.assemble(
        ("Generation failed", "bold"), f" ({kind}): ", plain(error), "\n", (hint or error_hint(kind), "italic")
    )


def exception_notice(exc: Exception, keys: Mapping[str, str] | None = None) -> Content:
    """A notice for an exception that escaped the session. Backend errors carry a kind and a readable message."""
    kind, message = getattr(exc, "kind", None), getattr(exc, "message", None)
    if isinstance(kind, str) and isinstance(message, str):
        return error_notice(message, kind, error_hint(kind, keys))
    return Content.assemble(
        ("Unexpected error: ", "bold"), plain(f"{type(exc).__name__}: {exc}"), "\n",
        (error_hint("", keys), "italic"),
    )
