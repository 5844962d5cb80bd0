"""Theme files as data: which `*.json` files the theme folders hold, and each one's parsed JSON.

The UI turns the data into Textual themes (tavo_tui/ui/shared/theming.py); reading the files is here so the
UI does no file I/O of its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class ThemeDataError(Exception):
    """A theme file that cannot be read or is not JSON; the message names the file and says why."""


def theme_paths(*folders: Path) -> list[Path]:
    """Every `*.json` file in the folders that exist, each folder's in name order."""
    return [path for folder in folders if folder.is_dir() for path in sorted(folder.glob("*.json"))]


def read_theme_data(path: Path) -> Any:
    """The file's JSON value (its shape is checked by the UI, which knows Textual's theme fields)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ThemeDataError(f"{path}: cannot read ({exc.strerror})") from None
    except json.JSONDecodeError as exc:
        raise ThemeDataError(f"{path}: not valid JSON ({exc.msg}, line {exc.lineno})") from None
