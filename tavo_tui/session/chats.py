"""Stored chats as the fronts list and export them, beside `AppContext`'s chat methods (find, import, export,
rename, delete): the summary a chat list shows, search snippets, and writing an export file."""

from __future__ import annotations

from pathlib import Path

from tavo_tui.store.chats import ChatSummary, snippet
from tavo_tui.store.errors import StoreError
from tavo_tui.store.files import atomic_write
from tavo_tui.store.interchange import EXPORT_FORMATS

__all__ = ["EXPORT_FORMATS", "ChatSummary", "save_export", "snippet"]


def save_export(path: Path, data: bytes) -> None:
    """Write an exported chat atomically (a crash leaves the old file or the new one, never half)."""
    try:
        atomic_write(path, data)
    except OSError as exc:
        raise StoreError(f"cannot write {path}: {exc.strerror}") from None
