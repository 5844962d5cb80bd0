"""A long chat mounts its newest messages; older ones come in a page at a time, where the user goes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Input

from tavo_tui.model import Message
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.log import MAX_MOUNTED, PAGE
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ReportDialog, TextPrompt
from tests.ui.helpers import kept_for_reply, main, type_and_send, wait_for, wait_idle

COUNT = 70  # plus the greeting; past two pages (PAGE) beyond what is mounted (MAX_MOUNTED)


def long_chat(ctx: AppContext, card: Path) -> None:
    chat = ctx.new_chat(ctx.load_card(card))
    chat.messages.extend(
        Message(name="User" if i % 2 else "Alice", is_user=bool(i % 2), mes=f"line {i}") for i in range(COUNT)
    )
    ctx.chats.create(ctx.card_key(card), chat)


def texts(app: TavoApp) -> list[str]:
    return [view.text for view in main(app).chat_log.message_views()]


async def test_k_at_the_first_shown_message_brings_in_the_previous_page(ctx: AppContext, alice: Path) -> None:
    long_chat(ctx, alice)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        log = main(app).chat_log
        hidden = COUNT + 1 - MAX_MOUNTED
        assert log.hidden_count == hidden and texts(app)[0] == f"line {COUNT - MAX_MOUNTED}"
        log.focus()
        await pilot.press("g")  # the first shown message ...
        await wait_idle(pilot)
        await pilot.press("k")  # ... and one up: the previous page is mounted, the cursor on the message above
        await wait_for(pilot, lambda: log.hidden_count == hidden - PAGE)
        await wait_idle(pilot)
        assert len(log.message_views()) == MAX_MOUNTED + PAGE
        assert log.selected_index == COUNT - MAX_MOUNTED  # "line N-1" is message N (the greeting is 0)
        assert log.selected is not None and log.selected.text == f"line {COUNT - MAX_MOUNTED - 1}"
        assert f"{hidden - PAGE} earlier messages not shown" in log.query_one(".older").render().plain  # type: ignore[attr-defined]


async def test_g_pages_up_to_the_greeting_and_the_label_goes(ctx: AppContext, alice: Path) -> None:
    long_chat(ctx, alice)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        log = main(app).chat_log
        log.focus()
        for _ in range(6):
            await pilot.press("g")
            await wait_idle(pilot)
        assert log.hidden_count == 0 and not log.query(".older")
        assert len(log.message_views()) == COUNT + 1
        assert log.selected_index == 0


async def test_scrolling_to_the_top_loads_older_messages_and_keeps_the_view_still(
    ctx: AppContext, alice: Path
) -> None:
    long_chat(ctx, alice)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        log = main(app).chat_log
        first = log.message_views()[0]
        log.scroll_home(animate=False)
        await wait_for(pilot, lambda: log.hidden_count < COUNT + 1 - MAX_MOUNTED)
        await wait_idle(pilot)
        await pilot.pause(0.1)
        # The message that was at the top is still in view: the new page went above it.
        assert log.scroll_y > 0
        assert log.scroll_y <= first.virtual_region.y <= log.scroll_y + log.size.height


async def test_sending_after_paging_up_trims_back_to_the_tail(ctx: AppContext, alice: Path) -> None:
    long_chat(ctx, alice)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        log = main(app).chat_log
        await log.load_older()
        assert len(log.message_views()) == MAX_MOUNTED + PAGE
        await type_and_send(pilot, "back to the present")
        await wait_idle(pilot)
        kept = kept_for_reply(log)
        assert kept < MAX_MOUNTED  # one-line messages: fewer fill the log
        assert texts(app)[-2] == "back to the present"
        assert log.hidden_count == COUNT + 3 - kept  # greeting + COUNT + our message + the reply


async def test_a_search_hit_older_than_the_tail_is_shown_in_place(ctx: AppContext, alice: Path) -> None:
    long_chat(ctx, alice)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await search(pilot, app, "line 5")
        await pilot.press("home", "enter")  # the oldest hit: "line 5"
        await wait_idle(pilot)
        await pilot.pause(0.1)
        assert not isinstance(app.screen, ReportDialog)
        log = screen.chat_log
        assert log.selected is not None and log.selected.text == "line 5"
        assert log.selected_index == 6
        region = log.selected.virtual_region
        assert log.scroll_y <= region.y < log.scroll_y + log.size.height  # scrolled to it


async def search(pilot: Any, app: TavoApp, query: str) -> None:
    await pilot.press("ctrl+f")
    await wait_for(pilot, lambda: isinstance(app.screen, TextPrompt))
    app.screen.query_one(Input).value = query
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))


async def test_opening_another_long_chat_mounts_only_its_tail(ctx: AppContext, alice: Path, bob: Path) -> None:
    long_chat(ctx, alice)
    long_chat(ctx, bob)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await screen.open_card(bob)  # the log is emptied (its scroll falls to 0) and refilled
        await wait_idle(pilot)
        await pilot.pause(0.2)
        assert len(screen.chat_log.message_views()) == MAX_MOUNTED
        assert screen.chat_log.hidden_count == COUNT + 1 - MAX_MOUNTED
