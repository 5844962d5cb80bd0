"""The first-run welcome: opened on a new home, skippable, reachable from the palette; against real servers on
127.0.0.1 it lists models, sends a test message and saves the connection as the default."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Button, Input, OptionList, Static

from tavo_tui.session import AppContext
from tavo_tui.session.ui_settings import load_ui_settings
from tavo_tui.ui.app import TavoApp
from tavo_tui.ui.connections.actions import ConnectionActions
from tavo_tui.ui.welcome.screen import WelcomeScreen
from tests.ui.helpers import main, wait_for


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(autouse=True)
def no_real_discovery(monkeypatch: pytest.MonkeyPatch) -> None:
    """Discovery probes a closed port unless a test points it at its own server."""
    monkeypatch.setattr(ConnectionActions, "discover_ports", [_free_port()])
    monkeypatch.setattr(ConnectionActions, "discover_timeout", 0.5)


def welcome(app: TavoApp) -> WelcomeScreen:
    assert isinstance(app.screen, WelcomeScreen)
    return app.screen


async def opened(pilot: Any, app: TavoApp) -> WelcomeScreen:
    """The welcome once it is on screen and composed."""
    await wait_for(pilot, lambda: isinstance(app.screen, WelcomeScreen) and app.screen.is_mounted
                   and bool(app.screen.query("#w-skip")))
    await pilot.pause()
    return welcome(app)


def text_of(screen: WelcomeScreen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_shown_at_80x24_and_esc_skips_for_good(home: Path) -> None:
    ctx = AppContext.open(home=home)
    app = TavoApp(ctx, welcome=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await opened(pilot, app)
        await wait_for(pilot, lambda: any(b.region.width > 0 for b in screen.query("#w-skip")))
        for button in ("#w-save", "#w-skip"):  # the dialog's own buttons are on the 80x24 screen
            region = screen.query_one(button, Button).region
            assert region.width > 0 and region.bottom <= 24 and region.right <= 80
        await wait_for(pilot, lambda: "none found" in text_of(screen, "#w-found-status"))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, WelcomeScreen))
        assert app.screen is main(app)
    assert load_ui_settings(ctx.paths).value.welcome_done
    assert [p.name for p in ctx.profiles.list()] == ["demo"]


async def test_not_shown_without_the_flag_and_opens_from_the_palette_action(ctx: AppContext) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert not isinstance(app.screen, WelcomeScreen)
        main(app).action_welcome()
        assert (await opened(pilot, app)).query_one("#w-url", Input) is app.focused


async def test_url_shown_as_used_models_listed_test_reply_and_saved_as_default(
    ctx: AppContext, alice: Path, openai_server: Any
) -> None:
    openai_server.models = ["tiny-chat", "big-chat"]
    openai_server.reply = "Hello from the fake server!"
    app = TavoApp(ctx, card_path=alice)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        main(app).action_welcome()
        screen = await opened(pilot, app)
        screen.query_one("#w-url", Input).value = openai_server.root  # without /v1
        await wait_for(pilot, lambda: f"{openai_server.root}/v1" in text_of(screen, "#w-used"))
        screen.query_one("#w-key", Input).value = "sk-welcome-secret-1234"
        screen.query_one("#w-list", Button).press()
        models = screen.query_one("#w-models", OptionList)
        await wait_for(pilot, lambda: models.display and models.option_count == 2)
        models.highlighted = 1
        models.action_select()
        await wait_for(pilot, lambda: screen.query_one("#w-model", Input).value == "big-chat")
        await pilot.press("ctrl+t")
        await wait_for(pilot, lambda: "Hello from the fake server!" in text_of(screen, "#w-reply"))
        sent = [r for r in openai_server.requests if r.path.endswith("/chat/completions")]
        assert sent and sent[-1].json()["model"] == "big-chat"
        assert "sk-welcome-secret-1234" not in text_of(screen, "#w-reply")
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: not isinstance(app.screen, WelcomeScreen))
        saved = ctx.profiles.get("openai-compatible")
        assert (saved.base_url, saved.model) == (openai_server.root, "big-chat")
        assert ctx.profiles.default_name == "openai-compatible"
        assert ctx.profiles.api_key(saved) == "sk-welcome-secret-1234"
        await wait_for(pilot, lambda: main(app).active_profile_name == "openai-compatible")


async def test_local_servers_found_are_offered_first(ctx: AppContext, llamacpp_server: Any) -> None:
    app = TavoApp(ctx)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen_main = main(app)
        screen_main.discover_ports = [llamacpp_server.port]
        screen_main.discover_timeout = 2.0
        screen_main.action_welcome()
        screen = await opened(pilot, app)
        found = screen.query_one("#w-found", OptionList)
        await wait_for(pilot, lambda: found.option_count == 1)
        assert app.focused is found  # first: enter takes it
        await pilot.press("enter")
        assert screen.kind == "llamacpp"
        assert screen.query_one("#w-url", Input).value == llamacpp_server.root
