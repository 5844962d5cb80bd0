"""Textual stays inside tavo_tui/ui: the other layers neither import it nor load it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tavo_tui

PACKAGE = Path(tavo_tui.__file__).parent
IMPORTS_TEXTUAL = re.compile(r"^\s*(?:import textual\b|from textual\b)", re.MULTILINE)


def test_no_module_outside_the_ui_imports_textual() -> None:
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1] and IMPORTS_TEXTUAL.search(path.read_text("utf-8"))
    ]
    assert offenders == []


def test_session_and_cli_load_without_textual() -> None:
    code = (
        "import sys, tavo_tui.session, tavo_tui.cli; "
        "sys.exit(1 if any(m == 'textual' or m.startswith('textual.') for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
