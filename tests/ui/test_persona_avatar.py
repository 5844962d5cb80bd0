"""The persona editor's avatar field: set, kept, checked, cleared (the CLI's `persona add --avatar`)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, OptionList

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.personas_screen import PersonaEditor, PersonasScreen, avatar_path
from tests.ui.helpers import wait_for

PNG = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


def test_avatar_path_expands_home_and_empty_means_none() -> None:
    assert avatar_path("  ") is None
    assert avatar_path("~/me.png") == str(Path.home() / "me.png")
    assert avatar_path(" /tmp/a b.png ") == "/tmp/a b.png"


async def test_avatar_is_set_checked_and_cleared(ctx: AppContext, alice: Path, tmp_path: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("f9")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonasScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonaEditor))
        app.screen.query_one("#persona-name", Input).value = "Mira"
        field = app.screen.query_one("#persona-avatar", Input)
        assert field.region.bottom > 24  # below the bottom of an 80x24 terminal at first
        field.focus()
        # The dialog scrolls, so the field comes into view when focused.
        await wait_for(pilot, lambda: 0 < field.region.y and field.region.bottom <= 23)
        await pilot.press(*str(PNG))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonasScreen) and ctx.personas.list() != [])
        assert ctx.personas.find("Mira").avatar == str(PNG)

        # A path that is not a file: a warning, and the dialog keeps what was typed.
        app.screen.query_one(OptionList).highlighted = 0
        await pilot.press("e")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonaEditor))
        field = app.screen.query_one("#persona-avatar", Input)
        assert field.value == str(PNG)
        missing = str(tmp_path / "nope.png")
        field.value = missing
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PersonaEditor) and field.value == missing
        assert any("No image file" in str(n.message) for n in app._notifications)
        assert ctx.personas.find("Mira").avatar == str(PNG)

        field.value = ""
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonasScreen))
        await wait_for(pilot, lambda: ctx.personas.find("Mira").avatar is None)
