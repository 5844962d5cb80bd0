"""Connections against real servers on 127.0.0.1: model picker, test without a chat, discovery, live switching."""

from __future__ import annotations

import socket
from pathlib import Path

from textual.command import CommandPalette
from textual.widgets import Input

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.connections.discover import DiscoverScreen
from tavo_tui.ui.connections.model_picker import ModelPicker
from tavo_tui.ui.main.status_bar import StatusBar
from tests.fakes.local_servers import FakeLlamaCppServer
from tests.fakes.openai_server import FakeOpenAIServer
from tests.ui.helpers import main, screen_text, type_and_send, wait_for, wait_idle


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _status(app: TavoApp) -> str:
    return main(app).query_one(StatusBar).render().plain  # type: ignore[attr-defined]


def _summary(app: TavoApp) -> str:
    return main(app).inspector.query_one(".insp-summary").render().plain  # type: ignore[attr-defined]


async def _picker(app: TavoApp, pilot: object) -> ModelPicker:
    await wait_for(pilot, lambda: isinstance(app.screen, ModelPicker))  # type: ignore[arg-type]
    picker = app.screen
    assert isinstance(picker, ModelPicker)
    return picker


async def test_model_picker_lists_filters_refreshes_and_switches_the_live_chat(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.models = ["llama-3-8b-instruct", "mistral-7b", "llama-3-70b-instruct"]
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        await pilot.press("alt+m")  # the model of the connection in use
        picker = await _picker(app, pilot)
        await wait_for(pilot, lambda: len(picker.shown) == 3)
        assert "/v1/models" in openai_server.paths()
        assert "3 of 3 models" in screen_text(app)
        await pilot.press(*"70b")
        await pilot.pause()
        assert picker.shown == ["llama-3-70b-instruct"]

        openai_server.models = [*openai_server.models, "llama-3-70b-base"]
        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: len(picker.models) == 4)
        assert picker.shown == ["llama-3-70b-instruct", "llama-3-70b-base"]
        await pilot.press("down", "b")  # typing in the list goes on filtering
        await pilot.pause()
        assert picker.filter_input.has_focus and picker.filter_input.value == "70bb"
        assert picker.shown == []
        await pilot.press("backspace")
        await pilot.pause()
        assert len(picker.shown) == 2
        await pilot.press("down", "down", "enter")  # into the list, second match
        await pilot.pause()
        assert not isinstance(app.screen, ModelPicker)
        assert ctx.profiles.get("fake").model == "llama-3-70b-base"
        screen = main(app)
        assert screen.session is not None and screen.session.profile.model == "llama-3-70b-base"
        assert "llama-3-70b-base" in _status(app)  # the status bar shows the new model at once
        await type_and_send(pilot, "hello")
        await wait_idle(pilot)
        assert openai_server.requests[-1].json()["model"] == "llama-3-70b-base"


async def test_model_picker_falls_back_to_a_typed_name_with_the_reason(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    openai_server.stop()
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        main(app).pick_model("fake")
        picker = await _picker(app, pilot)
        await wait_for(pilot, lambda: "type the model name" in screen_text(app), timeout=10)
        assert "could not list models" in screen_text(app)
        await pilot.press(*"my-own-model", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, ModelPicker) and picker.models == []
        assert ctx.profiles.get("fake").model == "my-own-model"
        assert main(app).session.profile.name == "demo"  # picking a model does not switch connections


async def test_test_works_without_an_open_character(
    ctx: AppContext, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    app = TavoApp(ctx)  # no card: no chat session
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        assert screen.session is None
        screen.action_focus_pane("connections")
        screen.connection_pane.options.highlighted = 1
        await pilot.press("t")
        await wait_for(pilot, lambda: "fake: OK" in screen.connection_pane.query_one(".conn-status")
                       .render().plain)  # type: ignore[attr-defined]
        status = screen.connection_pane.query_one(".conn-status").render().plain  # type: ignore[attr-defined]
        assert " ms" in status and "fake-model" in status
        assert openai_server.paths() == ["/v1/models"]


async def test_discovery_from_the_pane_adds_what_answers(
    ctx: AppContext, alice: Path, llamacpp_server: FakeLlamaCppServer
) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.discover_ports = [_free_port(), llamacpp_server.port]
        screen.discover_timeout = 2.0
        screen.action_focus_pane("connections")
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscoverScreen))
        found = app.screen
        assert isinstance(found, DiscoverScreen)
        await wait_for(pilot, lambda: len(found.found) == 1, timeout=10)
        text = screen_text(app)
        assert "llamacpp" in text and "b6000-abc" in text and llamacpp_server.root in text
        await pilot.press("enter")
        await pilot.pause()
        name = f"llamacpp-{llamacpp_server.port}"
        assert ctx.profiles.get(name).base_url == llamacpp_server.root
        assert name in [p.name for p in screen.connection_pane.profiles]

        # Scanning again marks the saved server and does not preselect it.
        screen.action_discover_servers()
        await wait_for(pilot, lambda: isinstance(app.screen, DiscoverScreen))
        again = app.screen
        assert isinstance(again, DiscoverScreen)
        await wait_for(pilot, lambda: len(again.found) == 1, timeout=10)
        await pilot.pause()
        assert f"already saved as {name}" in str(again.selection.get_option_at_index(0).prompt)
        assert again.selection.selected == []
        await pilot.press("escape")
        await pilot.pause()
        assert [p.name for p in ctx.profiles.list()] == ["demo", name]


async def test_palette_discover_command_opens_the_discovery(ctx: AppContext, alice: Path) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        main(app).discover_ports = [_free_port()]
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.screen.query_one(Input).value = "Discover local servers"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DiscoverScreen))
        await wait_for(pilot, lambda: "Nothing answered" in screen_text(app), timeout=10)


async def test_switching_from_the_palette_updates_status_bar_and_inspector_at_once(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        assert "/4096" in _status(app) and "demo://" in _summary(app)
        await pilot.press("ctrl+p")
        await wait_for(pilot, lambda: isinstance(app.screen, CommandPalette))
        app.screen.query_one(Input).value = "Use connection: fake"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: main(app).session.profile.name == "fake")
        await pilot.pause()
        status = _status(app)
        assert "fake" in status and "fake-model" in status and "/8192" in status  # the new context size
        assert openai_server.base_url in _summary(app)
        assert openai_server.requests == []  # switching sends nothing


async def test_removing_the_connection_in_use_asks_then_falls_back_to_the_default(
    ctx: AppContext, alice: Path, openai_server: FakeOpenAIServer, fake_profile: ConnectionProfile
) -> None:
    from tavo_tui.ui.connections.confirm import ConfirmRemove
    from tavo_tui.ui.main.status_bar import DEMO_LABEL

    ctx.profiles.save(fake_profile, "sk-remove-me-1234")
    app = TavoApp(ctx, card_path=alice, connection="fake")
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        screen = main(app)
        screen.action_focus_pane("connections")
        screen.connection_pane.options.highlighted = 1
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmRemove)
        await pilot.press("n")
        await pilot.pause()
        assert "fake" in ctx.profiles.names()
        await pilot.press("x")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert ctx.profiles.names() == ["demo"] and ctx.profiles.secrets.get("fake") is None
        assert screen.session is not None and screen.session.profile.name == "demo"
        assert DEMO_LABEL in _status(app) and "demo://" in _summary(app)
