"""Themes as data files: JSON objects with Textual's theme fields, loaded at start-up."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import Theme

from tavo_tui.session.theme_files import ThemeDataError, read_theme_data, theme_paths


def builtin_theme_dir() -> Path:
    """The shipped `themes/` folder: <repo>/themes for a source or editable install, else the wheel's data files."""
    source = Path(__file__).resolve().parents[3] / "themes"
    if source.is_dir():
        return source
    return Path(sys.prefix) / "share" / "tavo-tui" / "themes"


BUILTIN_THEME_DIR = builtin_theme_dir()
DEFAULT_THEME = "tavo-dark"
LIGHT_THEME = "tavo-light"
FALLBACK_THEME = "textual-dark"

_COLOUR_FIELDS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)

# Variables our stylesheet uses; every theme gets these defaults so `$chat-user` always resolves.
VARIABLE_DEFAULTS: dict[str, str] = {
    "chat-user": "#7dcfff",
    "chat-character": "#bb9af7",
    "chat-notice": "#f7768e",
    "chat-dialogue": "#e0af68",
    "demo-badge": "#e0af68",
}


_THEME_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._ -]{0,63}")


class ThemeFileError(ValueError):
    """A theme file that cannot be used; the message names the file and the problem."""


@dataclass
class LoadedThemes:
    themes: list[Theme] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def theme_from_data(data: object, source: str) -> Theme:
    """Validate one theme object (already parsed from JSON) and build a Textual `Theme`."""
    if not isinstance(data, dict):
        raise ThemeFileError(f"{source}: a theme must be a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeFileError(f"{source}: 'name' must be a non-empty string")
    # Theme names appear in Textual's theme picker, which parses them as markup: keep them plain.
    if not _THEME_NAME.fullmatch(name.strip()):
        raise ThemeFileError(f"{source}: 'name' may only use letters, digits, '-', '_', '.' and spaces")
    if not isinstance(data.get("primary"), str):
        raise ThemeFileError(f"{source}: 'primary' colour is required")
    known = {*_COLOUR_FIELDS, "name", "dark", "variables"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ThemeFileError(f"{source}: unknown keys {', '.join(unknown)}")
    colours: dict[str, str] = {}
    for key in _COLOUR_FIELDS:
        value = data.get(key)
        if value is None:
            continue
        if not isinstance(value, str):
            raise ThemeFileError(f"{source}: '{key}' must be a colour string")
        try:
            Color.parse(value)
        except ColorParseError:
            raise ThemeFileError(f"{source}: '{key}' is not a colour: {value!r}") from None
        colours[key] = value
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        raise ThemeFileError(f"{source}: 'variables' must map names to strings")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeFileError(f"{source}: 'dark' must be true or false")
    return Theme(
        name=name.strip(),
        primary=colours["primary"],
        secondary=colours.get("secondary"),
        warning=colours.get("warning"),
        error=colours.get("error"),
        success=colours.get("success"),
        accent=colours.get("accent"),
        foreground=colours.get("foreground"),
        background=colours.get("background"),
        surface=colours.get("surface"),
        panel=colours.get("panel"),
        boost=colours.get("boost"),
        dark=dark,
        variables={**VARIABLE_DEFAULTS, **variables},
    )


def load_theme_file(path: Path) -> Theme:
    try:
        data = read_theme_data(path)
    except ThemeDataError as exc:
        raise ThemeFileError(str(exc)) from None
    return theme_from_data(data, str(path))


def load_themes(*folders: Path) -> LoadedThemes:
    """Every `*.json` theme in the folders, in name order; broken files are reported, not fatal."""
    loaded = LoadedThemes()
    for path in theme_paths(*folders):
        try:
            loaded.themes.append(load_theme_file(path))
        except ThemeFileError as exc:
            loaded.errors.append(str(exc))
    return loaded
