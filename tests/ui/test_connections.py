"""Connections in the TUI: live switching, the picker, the pane's buttons, the editor, testing."""

from __future__ import annotations

import json
from pathlib import Path

from textual.widgets import Input

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.connections.editor import ConnectionEditor, build_profile
from tavo_tui.ui.connections.picker import ConnectionPicker
from tavo_tui.ui.main.status_bar import DEMO_LABEL
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle


async def test_demo_is_labelled_and_switching_mid_chat_sends_the_next_request_to_the_new_server(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.reply = "Answer from the real server."
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert DEMO_LABEL in screen_text(app)
        assert "demo://" in screen.inspector.query_one(".insp-summary").render().plain  # type: ignore[attr-defined]
        await type_and_send(pilot, "one")
        await wait_idle(pilot)
        assert openai_server.requests == []
        demo_reply = screen.session.messages[-1].mes

        # F5 opens the picker; choose "fake" with the keyboard.
        await pilot.press("f5")
        await pilot.pause()
        assert isinstance(app.screen, ConnectionPicker)
        await pilot.press("down", "enter")
        await pilot.pause()
        assert screen.session.profile.name == "fake"
        # The inspector re-rendered for the new connection at once, before any send.
        assert openai_server.base_url in screen.inspector.query_one(".insp-summary").render().plain  # type: ignore[attr-defined]
        assert DEMO_LABEL not in screen_text(app)

        await type_and_send(pilot, "two")
        await wait_idle(pilot)
        assert len(openai_server.requests) == 1
        sent = openai_server.requests[0].json()
        contents = [m["content"] for m in sent["messages"]]
        assert any(c.endswith("one") for c in contents) and demo_reply in contents  # the chat stayed
        assert contents[-1].endswith("two")
        assert screen.chat_log.message_views()[-1].text == "Answer from the real server."


async def test_switching_back_to_demo_stops_using_the_server(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.switch_connection("demo")
        await type_and_send(pilot, "offline now")
        await wait_idle(pilot)
        assert openai_server.requests == []
        assert DEMO_LABEL in screen_text(app)


async def test_connection_pane_use_and_default_buttons(
    ctx: AppContext, alice: Path, fake_profile: ConnectionProfile
) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        pane = screen.connection_pane
        names = [p.name for p in pane.profiles]
        assert names == ["demo", "fake"]
        pane.options.highlighted = 1
        await pilot.pause()
        assert await pilot.click("#conn-default")
        await pilot.pause()
        assert ctx.profiles.default_name == "fake"
        assert screen.session.profile.name == "demo"  # setting the default does not switch
        assert await pilot.click("#conn-use")
        await pilot.pause()
        assert screen.session.profile.name == "fake"
        prompt = str(pane.options.get_option_at_index(1).prompt)
        assert prompt.startswith("●★")


async def test_test_connection_reports_the_result(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t")
        await wait_idle(pilot)
        status = main(app).connection_pane.query_one(".conn-status")
        assert "fake: OK" in status.render().plain  # type: ignore[attr-defined]
        assert openai_server.requests  # it really asked the server
    openai_server.stop()
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "FAILED" in main(app).connection_pane.query_one(".conn-status")
                       .render().plain, timeout=10)  # type: ignore[attr-defined]
        await wait_idle(pilot)


async def test_add_a_connection_with_the_editor(ctx: AppContext, alice: Path, home: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert await pilot.click("#conn-add")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, ConnectionEditor)
        editor.query_one("#f-name", Input).value = "local"
        editor.query_one("#f-base_url", Input).value = "http://127.0.0.1:9/v1"
        editor.query_one("#f-model", Input).value = "tiny"
        editor.query_one("#f-max_context", Input).value = "oops"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor  # a bad number keeps the form open with a reason
        assert "max context must be a whole number" in editor.query_one(".editor-error").render().plain  # type: ignore[attr-defined]
        editor.query_one("#f-max_context", Input).value = "2048"
        editor.query_one("#f-api_key", Input).value = "sk-secret-123"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, ConnectionEditor)
        saved = ctx.profiles.get("local")
        assert (saved.base_url, saved.model, saved.max_context) == ("http://127.0.0.1:9/v1", "tiny", 2048)
        assert ctx.profiles.api_key(saved) == "sk-secret-123"
        assert "local" in [p.name for p in main(app).connection_pane.profiles]
        assert "sk-secret-123" not in screen_text(app)
    connections = next(home.rglob("connections.json"))
    assert "sk-secret-123" not in connections.read_text()
    assert json.loads(connections.read_text())["profiles"][0]["name"] == "local"


async def test_editing_the_live_connection_applies_to_the_next_request(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert await pilot.click("#conn-edit")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, ConnectionEditor)
        assert editor.query_one("#f-name", Input).value == "fake"
        editor.query_one("#f-model", Input).value = "fake-model-2"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert main(app).session.profile.model == "fake-model-2"
        await type_and_send(pilot, "hi")
        await wait_idle(pilot)
        assert openai_server.requests[-1].json()["model"] == "fake-model-2"


async def test_escape_cancels_the_editor_without_saving(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert await pilot.click("#conn-add")
        await pilot.pause()
        app.screen.query_one("#f-name", Input).value = "never"
        await pilot.press("escape")
        await pilot.pause()
        assert [p.name for p in ctx.profiles.list()] == ["demo"]


def test_build_profile_validates_and_keeps_unedited_fields() -> None:
    base = ConnectionProfile(name="a", base_url="http://x/v1", model="m", max_tokens=123)
    profile = build_profile(base, {"name": " b ", "kind": "", "base_url": "http://y/v1", "model": "n",
                                   "mode": "text", "max_context": "", "max_tokens": "", "api_key_env": ""})
    assert (profile.name, profile.kind, profile.mode, profile.max_tokens) == ("b", "openai-compatible", "text", 123)
    cases = [
        ({"name": ""}, "needs a name"),
        ({"name": "x", "max_tokens": "-1"}, "positive"),
        ({"name": "x", "kind": "telepathy"}, "unknown kind 'telepathy'; known kinds: demo, openai-compatible"),
    ]
    for values, message in cases:
        try:
            build_profile(None, values, ["demo", "openai-compatible"])
        except ValueError as exc:
            assert message in str(exc)
        else:
            raise AssertionError("no error")


async def test_switching_to_a_text_completion_profile_redraws_the_inspector_for_that_mode(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    ctx.profiles.save(fake_profile.model_copy(update={"name": "fake-text", "mode": "text"}))
    openai_server.reply = "A text-mode answer."
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.inspector.body.text.lstrip().startswith("{")  # chat mode: the JSON body
        assert screen.switch_connection("fake-text")
        await pilot.pause()
        summary = screen.inspector.query_one(".insp-summary").render().plain  # type: ignore[attr-defined]
        assert "mode: text" in summary and "/v1/completions" in summary
        body = screen.inspector.body.text
        assert not body.lstrip().startswith("{") and "Welcome in, traveller." in body  # the prompt text
        await type_and_send(pilot, "plain prompt please")
        await wait_idle(pilot)
        assert openai_server.requests[-1].path == "/v1/completions"
        assert "plain prompt please" in openai_server.requests[-1].json()["prompt"]
        assert screen.chat_log.message_views()[-1].text == "A text-mode answer."
