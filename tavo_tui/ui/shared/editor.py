"""Editing long text in the user's $EDITOR (the app is suspended while it runs).

`run_editor` (tavo_tui/session/external_edit.py) is the whole invocation: write a temp file, run
`$VISUAL`/`$EDITOR` on it, read it back; the UI does no file I/O of its own. Tests point $EDITOR at a small
script that rewrites the file.
"""

from __future__ import annotations

from textual.app import App, SuspendNotSupported

from tavo_tui.session.external_edit import DEFAULT_EDITOR, EditorError, editor_command, run_editor

__all__ = ["DEFAULT_EDITOR", "EditorError", "edit_in_editor", "editor_command", "run_editor"]


def edit_in_editor(app: App[object], text: str, suffix: str = ".md") -> str | None:
    """Suspend the app, edit `text` externally, resume. None (and a notice) when the editor failed."""
    try:
        try:
            with app.suspend():
                return run_editor(text, suffix)
        except SuspendNotSupported:  # headless (tests) or a web driver: run it without giving up the screen
            return run_editor(text, suffix)
    except EditorError as exc:
        app.notify(str(exc), markup=False, severity="error", timeout=8)
        return None
