"""Stored chats as the fronts list and export them, beside `AppContext`'s chat methods (find, import, export,
rename, delete): the summary a chat list shows, search snippets, and writing an export file."""

from __future__ import annotations

from pathlib import Path

from tavo_tui.store.chats import ChatSummary, snippet
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write
from tavo_tui.store.interchange import EXPORT_FORMATS

__all__ = ["EXPORT_FORMATS", "ChatSummary", "greeting_range_error", "save_export", "snippet"]


def save_export(path: Path, data: bytes) -> None:
    """Write an exported chat atomically (a crash leaves the old file or the new one, never half)."""
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}") from None


def greeting_range_error(index: int, count: int) -> str | None:
    """Why greeting `index` cannot start a chat with a card of `count` greetings, or None when it can.

    A script asking for a greeting the card lacks gets told the valid range rather than silently another one."""
    if count <= 0:
        return None if index == 0 else f"greeting {index} does not exist; this card has no greetings"
    if 0 <= index < count:
        return None
    valid = "greeting 0 only" if count == 1 else f"greetings 0\u2013{count - 1}"
    return f"greeting {index} does not exist; this card has {valid}"
