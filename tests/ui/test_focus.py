"""Focus rules a newcomer never has to learn: where the focus is at start, after a card opens, and after any
dialog closes, with the keys typed right after it kept (one read of terminal input often holds them all)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.pilot import Pilot

from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.library.card_list import CardList
from tavo_tui.ui.main.screen import MainScreen
from tests.ui.helpers import main, wait_for, wait_idle

CHARACTERS = {"escape": None, "enter": "\r", "space": " "}


def burst(app: TavoApp, *keys: str) -> None:
    """Post every key at once, as the driver does with one read of terminal input."""
    for key in keys:
        app.post_message(events.Key(key, CHARACTERS.get(key, key)))


async def open_dialog(pilot: Pilot[Any], opener: Callable[[Pilot[Any]], Awaitable[object]]) -> None:
    app = pilot.app
    await opener(pilot)
    await wait_for(pilot, lambda: not isinstance(app.screen, MainScreen))


def press(key: str) -> Callable[[Pilot[Any]], Awaitable[object]]:
    return lambda pilot: pilot.press(key)


def action(name: str) -> Callable[[Pilot[Any]], Awaitable[object]]:
    """Dialogs reached through the leader key or the palette: run the action those run."""
    return lambda pilot: pilot.app.run_action(name, main(pilot.app))  # type: ignore[arg-type]


async def test_a_chat_open_at_start_puts_the_focus_in_the_composer(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.focused is main(app).composer
        await pilot.press(*"hi")
        assert main(app).composer.text == "hi"


async def test_no_chat_at_start_puts_the_focus_in_the_library(ctx: AppContext) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        cards = main(app).query_one(CardList)
        assert cards.display and cards.options.has_focus
        assert cards.options.highlighted == 0  # enter opens a card straight away


@pytest.mark.parametrize("opener", [
    pytest.param(press("f5"), id="connection-picker-f5"),
    pytest.param(press("f8"), id="chats-f8"),
    pytest.param(press("f9"), id="personas-f9"),
    pytest.param(press("f1"), id="help-f1"),
    pytest.param(action("authors_note"), id="authors-note"),
    pytest.param(action("search_chat"), id="search-prompt"),
])
async def test_keys_typed_right_after_a_dialog_closes_land_in_the_composer(
    ctx: AppContext, alice: Path, opener: Callable[[Pilot[Any]], Awaitable[object]]
) -> None:
    # They went to the closing dialog, which Textual still routed them to, and were lost.
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert app.focused is screen.composer
        await open_dialog(pilot, opener)
        burst(app, "escape", "a", "b", "c")
        await wait_for(pilot, lambda: screen.composer.text == "abc")
        await wait_idle(pilot)
        assert app.screen is screen and app.focused is screen.composer and screen.composer.text == "abc"


async def test_a_dialog_opened_from_the_library_gives_the_focus_back_to_it(ctx: AppContext) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        cards = screen.query_one(CardList)
        await wait_for(pilot, lambda: cards.options.has_focus)
        await pilot.press("delete")  # the one library command left on a key of its own
        await wait_for(pilot, lambda: not isinstance(app.screen, MainScreen))
        burst(app, "escape", "a", "l")
        await wait_for(pilot, lambda: cards.filter_input.value == "al")  # the library's keys filter it
        # The listing follows the filter after a short pause (typing is not slowed by re-listing).
        await wait_for(pilot, lambda: [p.name for p in cards.paths] == ["alice.json"])
        await wait_idle(pilot)
        assert app.screen is screen and cards.filter_input.has_focus
        assert sorted(p.name for p in ctx.library[0].iterdir()) == ["alice.json", "bob.json"]  # nothing deleted


async def test_focus_returns_to_the_chat_log_after_the_chats_list(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        log = screen.query_one(ChatLog)
        log.focus()
        await pilot.pause()
        await open_dialog(pilot, press("f8"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is screen)
        await pilot.pause()
        assert app.focused is log


async def test_keys_typed_right_after_a_card_opens_go_to_the_composer(ctx: AppContext) -> None:
    # enter in the list and the first words of the message in one read: the words belong to the chat.
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = main(app)
        await wait_for(pilot, lambda: screen.query_one(CardList).options.has_focus)
        burst(app, "enter", "h", "i")
        await wait_for(pilot, lambda: screen.session is not None)
        await wait_for(pilot, lambda: screen.composer.text == "hi")
        assert app.focused is screen.composer
        assert screen.query_one(CardList).filter_input.value == ""
