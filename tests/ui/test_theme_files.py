"""The shipped themes: five data files in <repo>/themes, found by the installed package, switchable live,
usable with NO_COLOR and in 16/256-colour terminals."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.color import Color

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.shared import theming
from tavo_tui.ui.shared.theming import BUILTIN_THEME_DIR, builtin_theme_dir, load_themes
from tests.ui.helpers import screen_text

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = {"tavo-dark": True, "tavo-light": False, "tavo-high-contrast": True, "lighthouse": True,
           "parchment": False}


def contrast(a: str, b: str) -> float:
    def lum(c: str) -> float:
        r, g, bl = (x / 255 for x in Color.parse(c).rgb)
        f = [v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4 for v in (r, g, bl)]
        return 0.2126 * f[0] + 0.7152 * f[1] + 0.0722 * f[2]

    hi, lo = sorted((lum(a), lum(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_five_themes_ship_as_data_files_at_the_repo_root() -> None:
    assert BUILTIN_THEME_DIR == ROOT / "themes"
    loaded = load_themes(BUILTIN_THEME_DIR)
    assert loaded.errors == []
    themes = {t.name: t for t in loaded.themes}
    assert {name: themes[name].dark for name in SHIPPED} == SHIPPED
    for theme in themes.values():
        assert "chat-dialogue" in theme.variables
        # Readable text on every background: at least WCAG AA (4.5:1); the high-contrast one far more.
        assert contrast(theme.foreground or "", theme.background or "") >= 4.5, theme.name
    assert contrast(themes["tavo-high-contrast"].foreground or "", themes["tavo-high-contrast"].background or "") > 15


def test_an_installed_wheel_finds_the_themes_under_its_prefix(monkeypatch: pytest.MonkeyPatch,
                                                               tmp_path: Path) -> None:
    fake_package = tmp_path / "site-packages" / "tavo_tui" / "ui" / "theming.py"
    monkeypatch.setattr(theming, "__file__", str(fake_package))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "prefix"))
    assert builtin_theme_dir() == tmp_path / "prefix" / "share" / "tavo-tui" / "themes"


def test_pyproject_ships_the_theme_folder() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert '"share/tavo-tui/themes" = ["themes/*.json"]' in text


@pytest.mark.parametrize("env", [{"NO_COLOR": "1"}, {"TEXTUAL_COLOR_SYSTEM": "standard"},
                                 {"TEXTUAL_COLOR_SYSTEM": "256"}])
@pytest.mark.parametrize("theme", sorted(SHIPPED))
async def test_every_theme_draws_the_main_screen_in_reduced_colour_modes(
    home: Path, alice: Path, library: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], theme: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    app = TavoApp(AppContext.open(home=home, library=[library]), card_path=alice)
    app.ui_settings.theme = theme
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.theme == theme
        text = screen_text(app)
        assert "Chat with Alice" in text and "DEMO" in text
