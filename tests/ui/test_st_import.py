"""The palette's "Import from SillyTavern…": path prompt, import in a worker, summary, library listed again."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.library.card_list import CardList
from tavo_tui.ui.library.st_import import StImportScreen
from tests.session.st_folder import build_st_folder
from tests.ui.helpers import main, screen_text, wait_for


async def test_import_from_sillytavern_at_80x24(ctx: AppContext, alice: Path, tmp_path: Path, corpus: Path,
                                                reference: Path) -> None:
    user = build_st_folder(tmp_path / "st" / "data" / "default-user", corpus, reference / "st-presets")
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.screen.query_one(Input).value = "Import from SillyTavern"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, StImportScreen))
        dialog = app.screen
        assert isinstance(dialog, StImportScreen)
        dialog.query_one(Input).value = str(tmp_path / "nowhere")
        await pilot.press("enter")
        await wait_for(pilot, lambda: not dialog.busy and dialog.query_one(Input).has_focus)
        assert dialog.summary is None and app.screen is dialog  # a bad path: a notice, and the prompt again
        dialog.query_one(Input).value = str(user)
        await pilot.press("enter")
        await wait_for(pilot, lambda: dialog.summary is not None, timeout=10)
        text = screen_text(app)
        assert "Imported from" in text and "character:  4 imported, 1 skipped" in text
        await pilot.press("enter")
        await wait_for(pilot, lambda: app.screen is main(app))
        names = {path.name for path in main(app).query_one(CardList).paths}
        assert {"Aqua.png", "Seraphina.png", "Fav.json"} <= names
