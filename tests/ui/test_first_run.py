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


async def test_the_main_screen_is_the_first_screen(ctx: AppContext, alice: Path) -> None:
    # Pushed over Textual's blank default screen, its first full paint was thrown away (start-up) and the
    # chat's title kept its unfocused colour though the composer had the focus.
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert app.screen_stack == [main(app)]
        assert app.focused is main(app).composer
        assert main(app).query_one("#centre").has_class("-has-focus")


async def test_the_title_of_the_pane_with_the_focus_is_lit_and_follows_it(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        titles = {
            "#composer": screen.query_one("#chat-title"),
            "#card-filter": screen.query_one("CardList > .pane-title"),
            "#conn-options": screen.query_one("ConnectionPane > .pane-title"),
        }
        unlit = titles["#card-filter"].styles.background
        for target in ["#card-filter", "#conn-options", "#composer", "#card-filter"]:
            screen.query_one(target).focus()
            await pilot.pause()
            lit = [key for key, title in titles.items() if title.styles.background != unlit]
            assert lit == [target]
