"""First run without --card: the library is in front and enter opens a character, at any size."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tests.ui.helpers import main, wait_for


@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_library_is_focused_and_enter_opens_a_character(ctx: AppContext, size: tuple[int, int]) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=size) as pilot:
        screen = main(app)
        await wait_for(pilot, lambda: screen.query_one("#cards").display)
        cards = screen.query_one("#cards")
        assert app.focused is not None and cards in app.focused.ancestors_with_self
        await pilot.press("enter")
        await wait_for(pilot, lambda: screen.session is not None)
        assert app.focused is screen.composer  # ready to type


async def test_empty_library_keeps_the_composer_focused(home: Path) -> None:
    app = TavoApp(AppContext.open(home=home))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is main(app).composer
