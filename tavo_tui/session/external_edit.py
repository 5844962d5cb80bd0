"""Editing long text in the user's $EDITOR: write a temp file, run `$VISUAL`/`$EDITOR` on it, read it back.

No terminal handling here: the TUI suspends itself around `run_editor` (tavo_tui/ui/shared/editor.py). The file
work lives in the session layer so the UI does no file I/O of its own. Tests point $EDITOR at a small script
that rewrites the file.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
from pathlib import Path

DEFAULT_EDITOR = "vi"


class EditorError(Exception):
    """The editor could not be run or exited with an error; the text is unchanged."""


def editor_command() -> list[str]:
    """`$VISUAL`, else `$EDITOR`, else vi; split like a shell would (so `code --wait` works)."""
    raw = os.environ.get("VISUAL") or os.environ.get("EDITOR") or DEFAULT_EDITOR
    try:
        parts = shlex.split(raw)
    except ValueError:
        parts = [raw]
    return parts or [DEFAULT_EDITOR]


def run_editor(text: str, suffix: str = ".md") -> str:
    """Open `text` in the editor and return what the file holds when it exits."""
    fd, name = tempfile.mkstemp(prefix="tavo-edit-", suffix=suffix)
    path = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        command = [*editor_command(), str(path)]
        try:
            result = subprocess.run(command, check=False)
        except OSError as exc:
            raise EditorError(f"cannot run {command[0]!r}: {exc.strerror or exc}; set $EDITOR") from None
        if result.returncode != 0:
            raise EditorError(f"{command[0]} exited with status {result.returncode}; the text was not changed")
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise EditorError(f"cannot read the edited text back: {exc}") from None
    finally:
        path.unlink(missing_ok=True)
