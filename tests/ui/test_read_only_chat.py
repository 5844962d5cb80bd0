"""A chat open in another tavo-tui: the title says read-only, a send reaches no server and keeps the text, and
the chat becomes writable once the other instance lets go (before the next send, or on the screen's timer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.session.chat_session import ChatSession
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.main import screen as main_screen
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ui.helpers import main, type_and_send, wait_for, wait_idle

READ_ONLY = "read-only: open in another tavo-tui"


def completions(server: FakeOpenAIServer) -> int:
    return sum(r.path.endswith("completions") for r in server.requests)


def other_instance(ctx: AppContext, alice: Path) -> ChatSession:
    """The chat as another tavo-tui holds it (a second lock on the file: flock is per open file, so one
    process shows it as well as two)."""
    holder = AppContext(ctx.paths, ctx.library).open_chat(alice, "fake")
    holder.insert_narrator("the other instance was here")  # creates the file and holds its lock
    return holder


def title(app: TavoApp) -> str:
    return str(main(app).query_one("#chat-title").render())


async def test_read_only_chat_refuses_to_send_then_takes_the_lock_before_the_next_send(
    ctx: AppContext, alice: Path, fake_profile: ConnectionProfile, openai_server: FakeOpenAIServer
) -> None:
    holder = other_instance(ctx, alice)
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.session is not None and screen.session.read_only
        assert READ_ONLY in title(app)
        await type_and_send(pilot, "are you there?")
        await wait_idle(pilot)
        assert completions(openai_server) == 0  # no token spent
        assert screen.composer.text == "are you there?"  # kept, to send later
        assert screen.session.messages[-1].mes == "the other instance was here"
        holder.close()  # the other instance quits
        openai_server.reply = "Writable now."
        await pilot.press("ctrl+j")
        await wait_idle(pilot)
        assert completions(openai_server) == 1 and not screen.session.read_only
        assert READ_ONLY not in title(app)
        assert [m.mes for m in screen.session.messages][-3:] == ["the other instance was here", "are you there?",
                                                                "Writable now."]


async def test_read_only_chat_becomes_writable_on_the_timer(
    ctx: AppContext, alice: Path, fake_profile: ConnectionProfile, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(main_screen, "LOCK_RETRY", 0.1)
    holder = other_instance(ctx, alice)
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert READ_ONLY in title(app)
        await pilot.pause(0.3)
        assert READ_ONLY in title(app)  # still held: the timer's tries fail quietly
        holder.insert_narrator("a last word before quitting")
        holder.close()
        # Shown as read again from the file.
        await wait_for(pilot, lambda: screen.chat_log.message_views()[-1].text == "a last word before quitting")
        assert READ_ONLY not in title(app)
        assert screen.session is not None and not screen.session.read_only
