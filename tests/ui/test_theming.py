"""Themes are data files: the built-in one loads, broken ones are reported instead of crashing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.shared.theming import (
    BUILTIN_THEME_DIR,
    DEFAULT_THEME,
    ThemeFileError,
    load_themes,
    theme_from_data,
)


def test_builtin_default_theme_loads() -> None:
    loaded = load_themes(BUILTIN_THEME_DIR)
    assert loaded.errors == []
    names = [t.name for t in loaded.themes]
    assert DEFAULT_THEME in names
    theme = loaded.themes[names.index(DEFAULT_THEME)]
    assert theme.dark
    assert "chat-user" in theme.variables


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "JSON object"),
        ({"primary": "#fff"}, "'name'"),
        ({"name": "x"}, "'primary'"),
        ({"name": "[/INST] night", "primary": "#fff"}, "may only use letters"),
        ({"name": "x", "primary": "not-a-colour"}, "not a colour"),
        ({"name": "x", "primary": "#fff", "sparkle": 1}, "unknown keys sparkle"),
        ({"name": "x", "primary": "#fff", "variables": {"a": 1}}, "'variables'"),
    ],
)
def test_invalid_theme_data_is_rejected_with_a_reason(data: object, message: str) -> None:
    with pytest.raises(ThemeFileError, match=message):
        theme_from_data(data, "t.json")


def test_broken_files_are_reported_and_good_ones_kept(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope", encoding="utf-8")
    (tmp_path / "good.json").write_text(json.dumps({"name": "mine", "primary": "#123456"}), encoding="utf-8")
    loaded = load_themes(tmp_path)
    assert [t.name for t in loaded.themes] == ["mine"]
    assert len(loaded.errors) == 1 and "bad.json" in loaded.errors[0] and "not valid JSON" in loaded.errors[0]


async def test_app_starts_on_the_default_theme_and_survives_a_broken_theme_file(
    home: Path, tmp_path: Path
) -> None:
    themes = tmp_path / "themes"
    themes.mkdir()
    (themes / "broken.json").write_text('{"name": "[b]x", "primary": 5}', encoding="utf-8")
    app = TavoApp(AppContext.open(home=home), theme_dirs=[themes])
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.theme == DEFAULT_THEME
        assert len(app.theme_errors) == 1 and "broken.json" in app.theme_errors[0]


async def test_user_themes_in_the_config_folder_are_registered(home: Path) -> None:
    ctx = AppContext.open(home=home)
    folder = ctx.paths.config_dir / "themes"
    folder.mkdir(parents=True)
    (folder / "mine.json").write_text(json.dumps({"name": "my-night", "primary": "#336699"}), encoding="utf-8")
    app = TavoApp(ctx)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert "my-night" in app.available_themes
        app.theme = "my-night"
        await pilot.pause()
        assert app.current_theme.primary == "#336699"
