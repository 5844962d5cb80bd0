"""Pictures of each pane and the main screen at 80x24 and 120x40, in the default and the light theme, with
CJK and emoji names (update with `pytest tests/ui --snapshot-update -k panes` and look at the result first).

Everything drawn is deterministic: fixed card files, the demo connection, no clocks, no cursor blink.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tests.ui.helpers import write_card

SIZES = [(80, 24), (120, 40)]
THEMES = ["tavo-dark", "tavo-light"]


@pytest.fixture
def wide_names(tmp_path: Path, home: Path) -> tuple[AppContext, Path]:
    folder = tmp_path / "names"
    folder.mkdir()
    moon = write_card(folder, "moon.json", name="李白 🌙",
                      first_mes="*抬头望月* \"床前明月光\" — the moon is bright. 🌕", tags=["诗人", "🍶"], creator="唐")
    write_card(folder, "dragon.json", name="Ænne the 🐉 Dragon", first_mes="Rawr. *smoke curls*", creator="tests")
    write_card(folder, "hiro.json", name="ヒロ 🎌", first_mes="こんにちは! 👋", creator="tests")
    return AppContext.open(home=home, library=[folder]), moon


def steady(*keys: str) -> Any:
    async def run_before(pilot: Pilot[Any]) -> None:
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.app.workers.wait_for_complete()
        for area in pilot.app.screen.query(TextArea):
            area.cursor_blink = False
        pilot.app.clear_notifications()
        await pilot.pause()

    return run_before


def app_for(ctx: AppContext, card: Path, theme: str) -> TavoApp:
    app = TavoApp(ctx, card_path=card)
    app.ui_settings.theme = theme
    return app


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
def test_panes_main_screen(snap_compare: Any, wide_names: tuple[AppContext, Path], size: tuple[int, int],
                           theme: str) -> None:
    ctx, card = wide_names
    assert snap_compare(app_for(ctx, card, theme), terminal_size=size, run_before=steady())


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("pane", ["cards", "connections"])
def test_panes_toggled_open(snap_compare: Any, wide_names: tuple[AppContext, Path], size: tuple[int, int],
                            theme: str, pane: str) -> None:
    ctx, card = wide_names
    keys = {"cards": ("alt+1",), "connections": ("alt+3",)}[pane]
    assert snap_compare(app_for(ctx, card, theme), terminal_size=size, run_before=steady(*keys))


@pytest.mark.parametrize("size", SIZES)
def test_panes_inspector(snap_compare: Any, wide_names: tuple[AppContext, Path], size: tuple[int, int]) -> None:
    ctx, card = wide_names
    assert snap_compare(app_for(ctx, card, "tavo-dark"), terminal_size=size, run_before=steady("alt+4"))


@pytest.mark.parametrize("theme", THEMES)
def test_panes_help_and_jump(snap_compare: Any, wide_names: tuple[AppContext, Path], theme: str) -> None:
    ctx, card = wide_names
    assert snap_compare(app_for(ctx, card, theme), terminal_size=(80, 24), run_before=steady("ctrl+o"))
    assert snap_compare(app_for(ctx, card, theme), terminal_size=(120, 40), run_before=steady("f1"))
