"""How replies are drawn: streamed in batches, reasoning apart, a bounded history, clean exits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import Markdown

from tavo_tui.model import ConnectionProfile, Message
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.chat.log import MAX_MOUNTED
from tavo_tui.ui.connections.picker import ConnectionPicker
from tests.fakes.openai_server import FakeOpenAIServer, endless_stream
from tests.ui.helpers import kept_for_reply, main, screen_text, type_and_send, wait_for, wait_idle


async def test_a_reply_is_streamed_not_re_rendered_per_token(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    words = [f"word{i} " for i in range(120)]
    openai_server.reply = "".join(words)
    updates: list[tuple[Markdown, str]] = []
    appends: list[tuple[Markdown, str]] = []
    real_update, real_append = Markdown.update, Markdown.append

    def counting_update(self: Markdown, markdown: str) -> Any:
        updates.append((self, markdown))
        return real_update(self, markdown)

    def counting_append(self: Markdown, markdown: str) -> Any:
        appends.append((self, markdown))
        return real_append(self, markdown)

    monkeypatch.setattr(Markdown, "update", counting_update)
    monkeypatch.setattr(Markdown, "append", counting_append)
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "count for me")
        await wait_idle(pilot)
        reply = main(app).chat_log.message_views()[-1]
        assert reply.text == openai_server.reply
        # The text reaches the reply's Markdown by appends, in batches; plain prose needs no full re-render
        # at the end (fenced code does: see the next test).
        full_renders = [text for widget, text in updates if widget is reply.body and text]
        assert full_renders == []
        streamed = [text for widget, text in appends if widget is reply.body]
        assert 1 <= len(streamed) < len(words)
        assert "".join(streamed) == openai_server.reply


async def test_a_reply_with_a_code_fence_is_rendered_once_in_full_at_the_end(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    openai_server.reply = "Here:\n```python\nprint('lamp')\n```\nDone."
    updates: list[tuple[Markdown, str]] = []
    real_update = Markdown.update

    def counting_update(self: Markdown, markdown: str) -> Any:
        updates.append((self, markdown))
        return real_update(self, markdown)

    monkeypatch.setattr(Markdown, "update", counting_update)
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "code please")
        await wait_idle(pilot)
        reply = main(app).chat_log.message_views()[-1]
        assert [text for widget, text in updates if widget is reply.body and text] == [openai_server.reply]


async def test_reasoning_is_shown_apart_from_the_reply(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.reasoning = "Let me think about lamps."
    openai_server.reply = "The lamp is lit."
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        await type_and_send(pilot, "lamp?")
        await wait_idle(pilot)
        reply = main(app).chat_log.message_views()[-1]
        assert reply.text == "The lamp is lit."
        reasoning = reply.query_one(".msg-reasoning")
        assert reasoning.display and "Let me think about lamps." in reasoning.render().plain  # type: ignore[attr-defined]


async def test_status_bar_says_when_a_reply_is_being_written(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(endless_stream(10))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "go on")
        await wait_for(pilot, lambda: "generating" in screen_text(app))
        assert "esc stops" in screen_text(app)
        # Sending again while a reply is written does nothing (the composer keeps the text).
        await type_and_send(pilot, "again")
        await pilot.pause()
        assert screen.composer.text == "again"
        await pilot.press("escape")
        await wait_idle(pilot)
        assert "generating" not in screen_text(app)


async def test_long_chats_mount_only_the_tail(ctx: AppContext, alice: Path) -> None:
    chat = ctx.new_chat(ctx.load_card(alice))
    chat.messages.extend(
        Message(name="User" if i % 2 else "Alice", is_user=bool(i % 2), mes=f"line {i}") for i in range(100)
    )
    ctx.chats.create(ctx.card_key(alice), chat)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        views = main(app).chat_log.message_views()
        assert len(views) == MAX_MOUNTED
        assert views[-1].text == "line 99"
        hidden = 101 - MAX_MOUNTED  # the greeting and 100 more, minus the mounted tail
        assert f"{hidden} earlier messages not shown" in main(app).chat_log.query_one(".older").render().plain  # type: ignore[attr-defined]
        await type_and_send(pilot, "and one more")
        await wait_idle(pilot)
        # The reply kept only the messages that fill the log; the others joined the earlier ones.
        kept = kept_for_reply(main(app).chat_log)
        older = main(app).chat_log.query_one(".older").render().plain  # type: ignore[attr-defined]
        assert f"{103 - kept} earlier messages not shown" in older  # the greeting, 100, our message, the reply


@pytest.mark.parametrize("rows", [30, 60])
async def test_a_reply_keeps_only_the_messages_that_fill_the_log(ctx: AppContext, alice: Path, rows: int) -> None:
    # Each streamed frame re-arranges every mounted message: a taller log keeps more, a short one fewer.
    chat = ctx.new_chat(ctx.load_card(alice))
    chat.messages.extend(
        Message(name="User" if i % 2 else "Alice", is_user=bool(i % 2), mes=f"line {i}") for i in range(100)
    )
    ctx.chats.create(ctx.card_key(alice), chat)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, rows)) as pilot:
        await pilot.pause()
        log = main(app).chat_log
        await type_and_send(pilot, "and one more")
        await wait_idle(pilot)
        kept = kept_for_reply(log)
        assert kept < MAX_MOUNTED if rows == 30 else kept > 20
        assert [v.text for v in log.message_views()][-3:-1] == ["line 99", "and one more"]
        # Scrolling to the top brings back the next older page, in order.
        log.scroll_home(animate=False)
        await wait_for(pilot, lambda: len(log.message_views()) > kept)
        texts = [v.text for v in log.message_views()]
        first = int(texts[0].split()[1])
        assert texts[: 100 - first] == [f"line {i}" for i in range(first, 100)]


async def test_quitting_mid_reply_exits_cleanly_and_keeps_the_partial(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(endless_stream(10))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "go on")
        await wait_for(pilot, lambda: "more" in screen.chat_log.message_views()[-1].text)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code in (0, None)
    saved = AppContext(ctx.paths, ctx.library).open_chat(alice)
    assert saved.messages[-1].mes.startswith("more ")


async def test_a_failed_save_is_reported_in_the_chat(ctx: AppContext, alice: Path) -> None:
    ctx.paths.chats_dir.parent.mkdir(parents=True, exist_ok=True)
    ctx.paths.chats_dir.write_text("not a folder")  # the chat file cannot be created
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "hello")
        await wait_idle(pilot)
        notices = screen.chat_log.notices()
        assert notices and "not saved" in notices[0].render().plain  # type: ignore[attr-defined]
        assert not notices[0].is_error
        assert len(screen.chat_log.message_views()) == 3  # the chat goes on in memory


async def test_opening_another_character_mid_reply_stops_it_and_keeps_the_partial(
    ctx: AppContext, alice: Path, bob: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.script.append(endless_stream(10))
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.pause()
        screen = main(app)
        await type_and_send(pilot, "go on")
        await wait_for(pilot, lambda: "more" in screen.chat_log.message_views()[-1].text)
        await screen.open_card(bob)
        await wait_idle(pilot)
        assert not screen.generating
        assert screen.session.card_path == bob
        assert [v.text for v in screen.chat_log.message_views()] == ["Morning! [INST] fresh rolls [/INST] today."]
        assert screen.session.profile.name == "fake"  # the chosen connection carries over
    saved = AppContext(ctx.paths, ctx.library).open_chat(alice)
    assert saved.messages[-1].mes.startswith("more ")


async def test_a_chat_growing_past_the_window_gets_an_earlier_messages_line(ctx: AppContext, alice: Path) -> None:
    chat = ctx.new_chat(ctx.load_card(alice))
    chat.messages.extend(
        Message(name="User" if i % 2 else "Alice", is_user=bool(i % 2), mes=f"line {i}")
        for i in range(MAX_MOUNTED - 2)
    )
    ctx.chats.create(ctx.card_key(alice), chat)
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        log = main(app).chat_log
        assert not log.query(".older")
        await type_and_send(pilot, "one")
        await wait_idle(pilot)
        await type_and_send(pilot, "two")
        await wait_idle(pilot)
        kept = kept_for_reply(log)
        total = MAX_MOUNTED - 1 + 4  # the greeting, the chat's messages, two sent and two replies
        assert f"{total - kept} earlier messages not shown" in log.query_one(".older").render().plain  # type: ignore[attr-defined]
        assert log.children[0] is log.query_one(".older")


def burst(app: TavoApp, *keys: str) -> None:
    """Post keys all at once, as the driver does for one read of terminal input (pilot.press waits after each)."""
    for key in keys:
        if key == " ":
            app.post_message(events.Key("space", " "))
        else:
            app.post_message(events.Key(key, key if len(key) == 1 else None))


@pytest.mark.parametrize("open_first", [True, False], ids=["picker-open", "f5-in-the-burst"])
async def test_keys_typed_right_after_picking_a_connection_reach_the_composer(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile, open_first: bool
) -> None:
    """Typing ahead over the picker: down, enter and the next message in one read. The picker used to close
    only after the keys that followed enter had gone to it, so the composer stayed empty."""
    openai_server.reply = "The fog horn answers."
    app = TavoApp(ctx, card_path=alice)  # on the demo; the picker lists demo, then fake
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.composer.focus()
        if open_first:
            await pilot.press("f5")
            await wait_for(pilot, lambda: isinstance(app.screen, ConnectionPicker))
        burst(app, *([] if open_first else ["f5"]), "down", "enter", *"next one", "ctrl+j")
        await wait_for(pilot, lambda: len(screen.session.messages) == 3 and not screen.generating)
        await wait_idle(pilot)
        assert app.screen is screen
        assert screen.session.profile.name == "fake"
        assert [m.mes for m in screen.session.messages[1:]] == ["next one", "The fog horn answers."]
        sent = [r.json() for r in openai_server.requests if r.path.endswith("/chat/completions")]
        assert len(sent) == 1 and sent[0]["messages"][-1]["content"] == "next one"
        assert screen.composer.text == ""
        assert screen.focused is screen.composer
