"""Error notices for the chat: what went wrong (untrusted text, shown literally) and what to do in this UI."""

from __future__ import annotations

from textual.content import Content

from tavo_tui.ui.shared.safe_text import plain

# The session's message already says what happened; these say where to fix it in the TUI.
ERROR_HINTS = {
    "auth": "Fix the key: F3 opens connections, then Edit.",
    "not_found_model": "Set a model the server knows: F3, then Edit.",
    "rate_limit": "Wait a moment, then ctrl+r to retry.",
    "quota": "Check your account with the provider, or switch connection with F5.",
    "context_length": "Lower max context in the connection (F3, Edit) or start a new chat (ctrl+n).",
    "overloaded": "Try again shortly with ctrl+r.",
    "bad_request": "Check the connection settings (F3); F4 shows the exact request body.",
    "server": "Check the server's log; ctrl+r retries.",
    "network": "Is the server running and the URL right? Test it with ctrl+t, or switch with F5.",
}
DEFAULT_HINT = "Test the connection with ctrl+t, switch with F5, or retry with ctrl+r."


def error_hint(kind: str) -> str:
    return ERROR_HINTS.get(kind, DEFAULT_HINT)


def error_notice(error: str, kind: str, hint: str | None = None) -> Content:
    """An error line the user can act on."""
    return Content.assemble(
        ("Generation failed", "bold"), f" ({kind}): ", plain(error), "\n", (hint or error_hint(kind), "italic")
    )


def exception_notice(exc: Exception) -> Content:
    """A notice for an exception that escaped the session. Backend errors carry a kind and a readable message."""
    kind, message = getattr(exc, "kind", None), getattr(exc, "message", None)
    if isinstance(kind, str) and isinstance(message, str):
        return error_notice(message, kind)
    return Content.assemble(
        ("Unexpected error: ", "bold"), plain(f"{type(exc).__name__}: {exc}"), "\n", (DEFAULT_HINT, "italic")
    )
