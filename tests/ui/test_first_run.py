"""First run without --card: the library is in front and enter opens a character, at any size; what a newcomer
types there only filters it."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.library.card_list import CardList
from tests.ui.helpers import main, screen_text, wait_for

SAMPLE_CARDS = Path(__file__).resolve().parents[2] / "sample_cards"
KEY_NAMES = {" ": "space", "/": "slash", "#": "number_sign", "\r": "enter"}


def burst(app: TavoApp, text: str) -> None:
    """Post every key at once, as the driver does with one read of terminal input (typing ahead, SSH)."""
    for char in text:
        app.post_message(events.Key(KEY_NAMES.get(char, char), char))


async def type_keys(pilot: object, app: TavoApp, text: str, *, at_once: bool) -> None:
    if at_once:
        burst(app, text)
    else:
        await pilot.press(*[KEY_NAMES.get(char, char) for char in text])  # type: ignore[attr-defined]


@pytest.fixture
def samples(home: Path) -> AppContext:
    """The library the README's first steps use: the repository's sample cards."""
    return AppContext.open(home=home, library=[SAMPLE_CARDS])


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


@pytest.mark.parametrize("at_once", [False, True], ids=["keys", "burst"])
@pytest.mark.parametrize("size", [(80, 24), (200, 60)])
async def test_typing_at_start_without_a_chat_only_filters_the_library(
    ctx: AppContext, size: tuple[int, int], at_once: bool
) -> None:
    # The list's letters were commands: "hello there" opened the card editor (e), the import dialog (a) and
    # changed the sort (s).
    app = TavoApp(ctx)
    async with app.run_test(size=size) as pilot:
        screen = main(app)
        cards = screen.query_one(CardList)
        await wait_for(pilot, lambda: cards.options.has_focus)
        await type_keys(pilot, app, "hello there", at_once=at_once)
        await wait_for(pilot, lambda: cards.filter_input.value == "hello there")
        await wait_for(pilot, lambda: cards.options.option_count == 0)  # nothing matches
        assert app.screen is screen  # no dialog opened
        assert cards.sort == "name"
        assert cards.filter_input.value == "hello there" and cards.filter_input.has_focus
        await wait_for(pilot, lambda: "No card matches" in screen_text(app))
        assert "hello there" in screen_text(app)
        assert screen.session is None and not list(ctx.paths.cards_dir.glob("*"))  # nothing created


@pytest.mark.parametrize("at_once", [False, True], ids=["keys", "burst"])
async def test_slash_name_enter_opens_that_card(samples: AppContext, at_once: bool) -> None:
    app = TavoApp(samples)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = main(app)
        await wait_for(pilot, lambda: screen.query_one(CardList).options.has_focus)
        await type_keys(pilot, app, "/sable\r", at_once=at_once)
        await wait_for(pilot, lambda: screen.session is not None)
        assert screen.session is not None and screen.session.card.name == "Sable"
        await wait_for(pilot, lambda: app.focused is screen.composer)  # ready to type to her


async def test_the_first_match_is_highlighted_and_the_first_down_keeps_it(samples: AppContext) -> None:
    # The first down from the filter used to highlight nothing: opening a match took down, down, enter.
    app = TavoApp(samples)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        cards = screen.query_one(CardList)
        await wait_for(pilot, lambda: cards.options.has_focus)
        await pilot.press(*"#fantasy")
        await wait_for(pilot, lambda: cards.options.option_count == 3)
        assert cards.highlighted_path is not None and cards.highlighted_path.name == "grimble.json"
        await pilot.press("down")
        assert cards.options.has_focus and cards.options.highlighted == 0
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: screen.session is not None)
        assert screen.session is not None and screen.session.card.name == "Juniper Vale"


async def test_the_start_notice_says_how_to_open_a_card(samples: AppContext) -> None:
    app = TavoApp(samples)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "type to find it in the list" in screen_text(app)
