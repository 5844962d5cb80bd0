"""ctrl+r after a failed reply does what the error notice promises: a reply cut mid-stream is written again as a
new version of it (the partial text stays one swipe back, as a SillyTavern swipe), a reply that never came is
asked for again; the notice names the key in force."""

from __future__ import annotations

from pathlib import Path

from tavo_tui.model import ConnectionProfile, Message
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.main.screen import MainScreen
from tests.fakes.openai_server import FakeOpenAIServer, error, stream_cut
from tests.ui.helpers import main, type_and_send, wait_idle

CUT_TEXT = "The lamp is lit and the storm is rising over the cape tonight."


def saved(ctx: AppContext, card: Path) -> list[Message]:
    """The chat as it is in its file now (read by another context, without taking the chat's lock)."""
    other = AppContext(ctx.paths, ctx.library)
    ref = other.chats.latest(other.card_key(card))
    assert ref is not None
    return list(other.chats.open(ref).messages)


def shown(screen: MainScreen) -> list[str]:
    return [view.text for view in screen.chat_log.message_views()]


def notice_texts(screen: MainScreen) -> list[str]:
    return [notice.render().plain for notice in screen.chat_log.notices()]  # type: ignore[attr-defined]


def completions(server: FakeOpenAIServer) -> list[dict[str, object]]:
    return [r.json() for r in server.requests if r.path.endswith("/chat/completions")]


async def test_ctrl_r_after_a_dropped_stream_writes_the_reply_again_and_keeps_the_partial_as_a_swipe(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(stream_cut(CUT_TEXT, after=3))
    openai_server.reply = "A whole reply this time."
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Is the lamp lit?")
        await wait_idle(pilot)
        partial = screen.session.messages[-1]
        assert not partial.is_user and partial.mes == "The lamp is "  # three deltas arrived
        notices = notice_texts(screen)
        assert len(notices) == 1 and "dropped mid-reply" in notices[0]
        assert "ctrl+r writes this reply again" in notices[0]  # the key that works, named in the notice

        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        sent = completions(openai_server)
        assert len(sent) == 2
        # The new version is asked for like a swipe: the prompt leaves the partial reply out.
        assert sent[1]["messages"][-1]["content"] == "Is the lamp lit?"  # type: ignore[index]
        reply = screen.session.messages[-1]
        assert len(screen.session.messages) == 3  # greeting, question, one reply: not a second reply
        assert reply.mes == "A whole reply this time."
        assert reply.swipes == ["The lamp is ", "A whole reply this time."] and reply.swipe_id == 1
        assert not (reply.extra or {}).get("incomplete")
        assert shown(screen) == [m.mes for m in screen.session.messages]
        assert [m.mes for m in saved(ctx, alice)] == [m.mes for m in screen.session.messages]
        assert saved(ctx, alice)[-1].swipes == reply.swipes

        # The partial text is one swipe back.
        screen.chat_log.focus()
        await pilot.press("left_square_bracket")
        await wait_idle(pilot)
        assert screen.session.messages[-1].mes == "The lamp is "
        assert shown(screen)[-1] == "The lamp is "


async def test_ctrl_r_after_a_failure_with_no_reply_sends_again(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(error(500, {"error": {"message": "model crashed"}}))
    openai_server.reply = "Back on my feet."
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Hello?")
        await wait_idle(pilot)
        assert screen.session.messages[-1].is_user
        assert shown(screen) == [m.mes for m in screen.session.messages]
        notices = notice_texts(screen)
        assert len(notices) == 1 and "ctrl+r asks again" in notices[0]

        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        assert len(completions(openai_server)) == 2
        assert [m.mes for m in screen.session.messages[1:]] == ["Hello?", "Back on my feet."]
        assert shown(screen) == [m.mes for m in screen.session.messages]
        assert [m.mes for m in saved(ctx, alice)] == [m.mes for m in screen.session.messages]


async def test_the_notice_names_the_retry_key_in_force(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    ctx.paths.config_dir.mkdir(parents=True, exist_ok=True)
    (Path(ctx.paths.config_dir) / "keymap.json").write_text('{"retry": "f12"}', encoding="utf-8")
    openai_server.script.append(stream_cut(CUT_TEXT, after=2))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Is the lamp lit?")
        await wait_idle(pilot)
        notices = notice_texts(screen)
        assert len(notices) == 1 and "f12 writes this reply again" in notices[0] and "ctrl+r" not in notices[0]
        await pilot.press("f12")
        await wait_idle(pilot)
        assert len(completions(openai_server)) == 2
        assert screen.session.messages[-1].swipe_id == 1


async def test_ctrl_r_after_a_complete_reply_says_what_to_use_instead(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Hello")
        await wait_idle(pilot)
        before = [m.model_dump() for m in screen.session.messages]
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        assert len(completions(openai_server)) == 1  # nothing failed: nothing is sent
        assert [m.model_dump() for m in screen.session.messages] == before
        toasts = [n.message for n in app._notifications]
        assert any("complete" in t and "regenerate" in t.lower() for t in toasts), toasts
