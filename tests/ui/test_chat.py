"""Chatting in the TUI: send, stream, stop, resume, errors — against the demo backend and a fake server."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events

from tavo_tui.backends.demo import DemoBackend
from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tests.fakes.openai_server import LLAMA_401, FakeOpenAIServer, endless_stream, error, midstream_error
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle


async def test_send_on_demo_streams_a_reply_and_saves_it(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        views = screen.chat_log.message_views()
        assert [v.speaker for v in views] == ["Alice"]  # the greeting
        await type_and_send(pilot, "Is the lamp lit?")
        await wait_idle(pilot)
        views = screen.chat_log.message_views()
        assert [(v.speaker, v.is_user) for v in views] == [("Alice", False), ("User", True), ("Alice", False)]
        reply = views[-1]
        assert not reply.streaming
        assert "lamp" in reply.text and "Is the lamp lit?" not in reply.text  # the demo answers, not echoes
        assert reply.text == screen.session.messages[-1].mes
        assert screen.composer.text == ""
        assert "Is the lamp lit?" in screen_text(app)
    # Saved as it went: a fresh context resumes the same chat.
    resumed = AppContext(ctx.paths, ctx.library).open_chat(alice)
    assert [m.mes for m in resumed.messages][1] == "Is the lamp lit?"
    assert resumed.messages[-1].mes == reply.text


async def test_reopening_the_character_resumes_the_chat_on_screen(ctx: AppContext, alice: Path) -> None:
    async with TavoApp(ctx, card_path=alice).run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "first visit")
        await wait_idle(pilot)
    app = TavoApp(AppContext(ctx.paths, ctx.library), card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        texts = [v.text for v in main(app).chat_log.message_views()]
        assert texts[1] == "first visit" and len(texts) == 3


async def test_enter_adds_a_newline_and_does_not_send(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.composer.focus()
        await pilot.press("h", "i", "enter", "y", "o")
        assert screen.composer.text == "hi\nyo"
        assert len(screen.session.messages) == 1
        await pilot.press("ctrl+j")
        await wait_idle(pilot)
        assert screen.session.messages[1].mes == "hi\nyo"
        # Terminals with the kitty keyboard protocol report ctrl+enter, which sends too.
        await pilot.press("o", "k", "ctrl+enter")
        await wait_idle(pilot)
        assert screen.session.messages[3].mes == "ok"


async def test_empty_composer_sends_nothing(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "   \n ")
        await wait_idle(pilot)
        assert len(main(app).session.messages) == 1


async def test_send_without_a_card_explains_what_to_do(ctx: AppContext) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "Pick a character" in screen_text(app)
        await type_and_send(pilot, "hello?")
        await pilot.pause()
        assert main(app).session is None
        assert any("Open a character first" in str(n.message) for n in app._notifications)


async def test_choosing_a_card_in_the_list_opens_its_chat(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        cards = screen.query_one("#cards")
        assert cards.display
        options = cards.options  # type: ignore[attr-defined]
        options.focus()
        names = [str(options.get_option_at_index(i).prompt).split("\n")[0] for i in range(options.option_count)]
        options.highlighted = names.index("Alice")
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session is not None and screen.session.card.name == "Alice"
        assert screen.chat_log.message_views()[0].text.startswith("Welcome in, traveller.")


async def test_openai_server_reply_streams_into_the_chat(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.reply = "The lamp burns *bright* tonight."
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "Is the lamp lit?")
        await wait_idle(pilot)
        reply = main(app).chat_log.message_views()[-1]
        assert reply.text == "The lamp burns *bright* tonight."
        body = openai_server.requests[-1].json()
        assert openai_server.requests[-1].path == "/v1/chat/completions"
        assert body["messages"][-1]["content"].endswith("Is the lamp lit?")
        assert "DEMO" not in screen_text(app)


async def test_stop_mid_stream_keeps_the_partial_reply(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(endless_stream(10))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "Tell me a long story")
        await wait_for(pilot, lambda: len(screen.chat_log.message_views()) == 3
                       and "more" in screen.chat_log.message_views()[-1].text)
        assert screen.generating
        await pilot.press("escape")
        await wait_idle(pilot)
        assert not screen.generating
        reply = screen.chat_log.message_views()[-1]
        assert not reply.streaming
        assert reply.text.startswith("more ")
        assert "stopped" in screen_text(app)
        last = screen.session.messages[-1]
        assert not last.is_user and last.mes.startswith("more ") and last.extra.get("incomplete") is True
    saved = AppContext(ctx.paths, ctx.library).open_chat(alice)
    assert saved.messages[-1].mes == last.mes


async def test_stop_on_the_demo_keeps_the_partial_reply(
    ctx: AppContext, alice: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(DemoBackend.__init__.__kwdefaults__, "delay", 0.05)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "slowly please")
        await wait_for(pilot, lambda: len(screen.chat_log.message_views()) == 3
                       and len(screen.chat_log.message_views()[-1].text.split()) >= 2)
        await pilot.press("escape")
        await wait_idle(pilot)
        reply = screen.chat_log.message_views()[-1]
        full_reply_words = 20
        assert 2 <= len(reply.text.split()) < full_reply_words
        assert screen.session.messages[-1].mes == reply.text
        assert screen.session.messages[-1].extra.get("incomplete") is True


async def test_server_error_is_a_clear_notice_and_the_app_keeps_running(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(error(401, LLAMA_401))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "hello")
        await wait_idle(pilot)
        notices = screen.chat_log.notices()
        assert len(notices) == 1 and notices[0].is_error
        text = screen_text(app)
        assert "Generation failed (auth)" in text
        assert "Traceback" not in text
        assert "F3" in str(notices[0].render())  # says where to fix it
        # The user's message stays; ctrl+r retries it once the server behaves.
        await pilot.press("ctrl+r")
        await wait_idle(pilot)
        assert screen.chat_log.message_views()[-1].text == openai_server.reply
        assert [m.is_user for m in screen.session.messages] == [False, True, False]


async def test_midstream_error_keeps_the_partial_reply_and_shows_a_notice(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(midstream_error("Partial words "))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "hello")
        await wait_idle(pilot)
        assert screen.chat_log.message_views()[-1].text.startswith("Partial words")
        assert len(screen.chat_log.notices()) == 1
        assert "partial reply kept" in screen_text(app)


async def test_new_chat_starts_over_with_the_greeting(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "hello")
        await wait_idle(pilot)
        assert len(screen.chat_log.message_views()) == 3
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert len(screen.chat_log.message_views()) == 1
        assert len(screen.session.messages) == 1


async def test_a_connection_with_an_unknown_kind_fails_with_a_notice(ctx: AppContext, alice: Path) -> None:
    # A hand-edited connections.json can name a kind this version does not have.
    ctx.profiles.save(ConnectionProfile(name="odd", kind="telepathy", base_url="http://127.0.0.1:9/v1"))
    app = TavoApp(ctx, card_path=alice, connection="odd")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert "Cannot build the prompt" in screen_text(app)  # the inspector says so, no crash
        await type_and_send(pilot, "hello")
        await wait_idle(pilot)
        notices = screen.chat_log.notices()
        assert len(notices) == 1 and "telepathy" in notices[0].render().plain  # type: ignore[attr-defined]
        assert "Traceback" not in screen_text(app)
        assert app.is_running


async def test_keys_typed_just_before_ctrl_j_are_all_sent(ctx: AppContext, alice: Path) -> None:
    """A fast typist (or a paste) can put the text and ctrl+j in one read: nothing may be left behind."""
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.composer.focus()
        await pilot.pause()
        text = "How bad is the storm?"
        # Post everything at once, as the driver does for one burst of terminal input.
        for char in text:
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("ctrl+j", "\n"))
        await wait_for(pilot, lambda: len(screen.session.messages) >= 3)
        await wait_idle(pilot)
        assert screen.session.messages[1].mes == text
        assert screen.composer.text == ""


async def test_a_damaged_connections_file_is_explained_not_a_crash(ctx: AppContext, alice: Path) -> None:
    ctx.paths.connections_file.parent.mkdir(parents=True, exist_ok=True)
    ctx.paths.connections_file.write_text("{ this is not json", encoding="utf-8")
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert app.is_running
        notices = screen.chat_log.notices()
        assert notices and "connections.json" in notices[0].render().plain  # type: ignore[attr-defined]
        assert "damaged" in notices[0].render().plain  # type: ignore[attr-defined]
        await pilot.press("f5")  # the picker opens (empty) rather than crashing
        await pilot.pause()
        assert app.is_running


async def test_keys_typed_just_after_ctrl_j_stay_in_the_composer(ctx: AppContext, alice: Path) -> None:
    """Typing on straight after sending: those keys start the next message, they are not sent with this one."""
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.composer.focus()
        await pilot.pause()
        for char in "first":
            app.post_message(events.Key(char, char))
        app.post_message(events.Key("ctrl+j", "\n"))
        for char in "next":
            app.post_message(events.Key(char, char))
        await wait_idle(pilot)
        await pilot.pause(0.2)
        await wait_idle(pilot)
        assert screen.session.messages[1].mes == "first"
        assert screen.composer.text == "next"
