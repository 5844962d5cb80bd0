"""The chat tree in the TUI: checkpoints indented in the chat list, the title naming the parent, jump to the
parent (ctrl+g ^), delete one swipe (x in the chat log), and restoring the open chat from a backup (u)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import OptionList, Static

from tavo_tui.model import Message
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.chats_screen import ChatsScreen
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ConfirmDialog
from tests.ui.helpers import main, wait_for, wait_idle


def seed(ctx: AppContext, card: Path) -> tuple[str, str]:
    """A main chat ending in a reply with three swipes, and a checkpoint of it (opened last, so resumed)."""
    session = ctx.open_chat(card, "demo", new=True)
    session.messages.append(Message(name="Ann", is_user=True, mes="Hi"))
    session.messages.append(Message(name="Alice", mes="B", swipes=["A", "B", "C"], swipe_id=1,
                                    swipe_info=[{"extra": {}} for _ in range(3)]))
    session.rewrite_file()
    checkpoint = session.checkpoint(2, "Fork")
    assert session.ref is not None
    main_id = session.ref.id
    session.close()
    return main_id, checkpoint


@pytest.mark.slow  # one walk through five screens: several seconds on a loaded 2-core machine
async def test_tree_title_parent_jump_and_delete_swipe(ctx: AppContext, alice: Path) -> None:
    main_id, checkpoint = seed(ctx, alice)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        await wait_for(pilot, lambda: screen.session is not None and screen.session.ref is not None)
        await screen.open_card(alice, chat_id=checkpoint)
        title = str(screen.query_one("#chat-title", Static).render())
        assert "Fork - " in title and "⤴" in title
        await pilot.press("ctrl+g", "circumflex_accent")  # back to the parent
        await wait_for(pilot, lambda: screen.session.ref is not None and screen.session.ref.id == main_id)
        # x in the chat log deletes the shown swipe of the selected (else last) message.
        screen.chat_log.focus()
        await pilot.press("x")
        await wait_idle(pilot)
        assert screen.session.messages[-1].swipes == ["A", "C"] and screen.session.messages[-1].mes == "C"
        # The chat list: the checkpoint indented under its parent.
        await pilot.press("f8")
        await wait_for(pilot, lambda: isinstance(app.screen, ChatsScreen))
        options = app.screen.query_one(OptionList)
        rows = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert "Fork - " not in rows[0] and rows[1].lstrip(" ●").startswith("└ Fork - ")
        # u restores the open chat from a backup: the one before the swipe was deleted.
        options.highlighted = 0
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ChoiceDialog))
        await pilot.press("down", "enter")  # the older backup
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.screen is screen)
        await wait_idle(pilot)
        assert screen.session.messages[-1].swipes == ["A", "B", "C"]
        assert len(ctx.chat_backups(main_id)) >= 3  # the replaced state was kept
