"""Stopping (esc) or failing mid-generation leaves the chat log equal to the saved chat: no empty reply block
when nothing arrived, the partial reply shown and saved when some did, for every streaming action."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile, Message
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.log import ChatLog
from tavo_tui.ui.chat.message_view import MessageView
from tavo_tui.ui.main.screen import MainScreen
from tests.fakes.openai_server import Canned, FakeOpenAIServer, endless_stream, error, stream_cut
from tests.ui.helpers import main, type_and_send, wait_for, wait_idle


def silent_stream(seconds: float = 10.0) -> Canned:
    """A 200 event stream that sends only keep-alive comments: the request is on its way, no token comes."""
    return Canned(headers={"Content-Type": "text/event-stream"}, stream=True, hold=seconds, chunk_delay=0.02,
                  hold_chunk=b": keep-alive\n\n")


def saved(ctx: AppContext, card: Path) -> list[Message]:
    """The chat as it is in its file now (read by another context, without taking the chat's lock)."""
    other = AppContext(ctx.paths, ctx.library)
    ref = other.chats.latest(other.card_key(card))
    assert ref is not None
    return list(other.chats.open(ref).messages)


def assert_log_is_the_chat(screen: MainScreen, ctx: AppContext, card: Path) -> None:
    """What the log shows is the session's chat, and that is what the file holds."""
    session = screen.session
    assert session is not None
    shown = [(view.text, view.streaming) for view in screen.chat_log.message_views()]
    assert shown == [(m.mes, False) for m in session.messages]
    assert [(m.mes, m.swipe_id) for m in saved(ctx, card)] == [(m.mes, m.swipe_id) for m in session.messages]


def notice_texts(screen: MainScreen) -> list[str]:
    return [notice.render().plain for notice in screen.chat_log.notices()]  # type: ignore[attr-defined]


async def test_a_stop_before_the_first_token_leaves_no_empty_reply(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(silent_stream())
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Anyone there?")
        await wait_for(pilot, lambda: bool(openai_server.requests) and len(screen.chat_log.message_views()) == 3)
        await pilot.press("escape")
        await wait_idle(pilot)
        assert not screen.generating
        assert [m.mes for m in screen.session.messages][1:] == ["Anyone there?"]
        assert_log_is_the_chat(screen, ctx, alice)
        assert any("Stopped before any reply arrived" in text for text in notice_texts(screen))


@pytest.mark.parametrize("action", ["send", "regenerate", "swipe", "continue"])
async def test_a_stop_landing_while_the_reply_block_is_mounted_leaves_no_empty_reply(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile,
    monkeypatch: pytest.MonkeyPatch, action: str,
) -> None:
    """The race behind the empty block: esc right after the request went out cancels the reply while its
    (empty) block is being mounted, before the presenter has it to remove."""
    app = TavoApp(ctx, card_path=alice, connection="fake")
    real_add_reply = ChatLog.add_reply

    async def add_reply_then_stop(self: ChatLog, speaker: str) -> MessageView:
        view = await real_add_reply(self, speaker)
        main(app).action_stop()
        await asyncio.sleep(0)  # the stop lands here, inside the mounting
        return view

    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await chat_with_a_reply(pilot, screen)
        openai_server.script.append(silent_stream())
        monkeypatch.setattr(ChatLog, "add_reply", add_reply_then_stop)
        if action == "send":
            await type_and_send(pilot, "Anyone there?")
        else:
            ACTIONS[action](screen)
        # Not wait_idle: it raises for a worker that ends cancelled, which a stop is.
        await wait_for(pilot, lambda: not screen.generating and all(w.is_finished for w in app.workers))
        await pilot.pause()
        assert_log_is_the_chat(screen, ctx, alice)


async def test_a_stop_after_some_text_shows_and_saves_the_partial_reply(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(endless_stream())
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Go on")
        await wait_for(pilot, lambda: "more" in screen.chat_log.message_views()[-1].text)
        await pilot.press("escape")
        await wait_idle(pilot)
        last = screen.session.messages[-1]
        assert not last.is_user and last.mes.startswith("more ") and (last.extra or {}).get("incomplete")
        assert_log_is_the_chat(screen, ctx, alice)


# Each streaming action, started from a chat that ends with a complete reply (see `chat_with_a_reply`).
ACTIONS: dict[str, Callable[[MainScreen], None]] = {
    "regenerate": MainScreen.action_regenerate,
    "swipe": MainScreen.action_new_swipe,
    "continue": MainScreen.action_continue_reply,
    "impersonate": MainScreen.action_impersonate,
}


async def chat_with_a_reply(pilot: object, screen: MainScreen) -> None:
    await type_and_send(pilot, "Tell me about the lamp.")  # type: ignore[arg-type]
    await wait_idle(pilot)  # type: ignore[arg-type]
    assert not screen.session.messages[-1].is_user


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("when", ["before-text", "after-text"])
async def test_a_stop_during_an_action_leaves_the_log_equal_to_the_chat(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile,
    action: str, when: str,
) -> None:
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await chat_with_a_reply(pilot, screen)
        before = [m.mes for m in screen.session.messages]
        openai_server.script.append(silent_stream() if when == "before-text" else endless_stream())
        ACTIONS[action](screen)
        await wait_for(pilot, lambda: len(openai_server.requests) == 2 and screen.generating)
        if when == "after-text":
            if action == "impersonate":
                await wait_for(pilot, lambda: "more" in screen.composer.text)
            else:
                await wait_for(pilot, lambda: "more" in screen.chat_log.message_views()[-1].text)
        else:
            await pilot.pause(0.1)
        await pilot.press("escape")
        await wait_idle(pilot)
        assert not screen.generating
        assert_log_is_the_chat(screen, ctx, alice)
        texts = [m.mes for m in screen.session.messages]
        if when == "before-text" or action == "impersonate":
            assert texts == before  # nothing arrived (or it went to the composer): the chat is as it was
        elif action == "continue":
            assert texts[:-1] == before[:-1] and texts[-1].startswith(before[-1]) and "more" in texts[-1]
        else:  # a new version of the reply, the old one a swipe back
            assert texts[:-1] == before[:-1] and texts[-1].startswith("more")
            assert screen.session.messages[-1].swipes[0] == before[-1]  # type: ignore[index]


@pytest.mark.parametrize("action", list(ACTIONS))
@pytest.mark.parametrize("failure", ["error", "cut"])
async def test_a_failure_during_an_action_leaves_the_log_equal_to_the_chat(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile,
    action: str, failure: str,
) -> None:
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await chat_with_a_reply(pilot, screen)
        openai_server.script.append(error(500, {"error": {"message": "boom"}}) if failure == "error"
                                    else stream_cut("Half of a reply that never ends", after=2))
        ACTIONS[action](screen)
        await wait_for(pilot, lambda: len(openai_server.requests) == 2)
        await wait_idle(pilot)
        assert not screen.generating
        assert_log_is_the_chat(screen, ctx, alice)
        assert len(notice_texts(screen)) == 1  # the failure, said once
