"""Prompt options a front end offers for editing: the Author's Note model, and the shipped presets' names.

The dialogs build and show these values; the session applies them (`ChatSession.set_authors_note`, profiles).
Named here so the fronts do not import the prompt engine's modules themselves.
"""

from __future__ import annotations

from tavo_tui.prompt.settings import AuthorsNote
from tavo_tui.prompt.templates import preset_names

__all__ = ["AuthorsNote", "preset_names"]
