"""The welcome's session helpers: URL preview, the profile it builds, the test message, saving without
overwriting."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

from tavo_tui.session import AppContext
from tavo_tui.session.welcome import preview_url, save_welcome_profile, send_test_message, welcome_profile


def test_preview_shows_the_url_as_used() -> None:
    assert preview_url("openai-compatible", "localhost:1234") == "http://127.0.0.1:1234/v1"
    assert preview_url("openai-compatible", "") == "http://127.0.0.1:8080/v1"  # the kind's default
    assert preview_url("ollama", "http://127.0.0.1:11434/v1/") == "http://127.0.0.1:11434"


def test_profile_takes_the_kinds_mode() -> None:
    assert welcome_profile("", "koboldai", "", "").mode == "text"  # text-only kind
    p = welcome_profile(" mine ", "openai-compatible", " http://x:1 ", " m ")
    assert (p.name, p.base_url, p.model, p.mode) == ("mine", "http://x:1", "m", "chat")


async def test_test_message_shows_the_reply(openai_server: Any) -> None:
    openai_server.reply = "Hi there, friend."
    reply = await send_test_message(welcome_profile("t", "openai-compatible", openai_server.root, "m"), "sk-x")
    assert reply.ok and reply.text == "Hi there, friend."
    sent = openai_server.requests[-1]
    assert sent.json()["stream"] is False and sent.headers["authorization"] == "Bearer sk-x"


async def test_test_message_failure_is_one_line() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reply = await send_test_message(welcome_profile("t", "openai-compatible", f"http://127.0.0.1:{port}", "m"), None)
    assert not reply.ok and reply.text and "\n" not in reply.text


def test_saving_never_overwrites(home: Path) -> None:
    ctx = AppContext.open(home=home)
    first = save_welcome_profile(ctx, welcome_profile("", "openai-compatible", "http://a:1", ""), "k1", default=True)
    second = save_welcome_profile(ctx, welcome_profile("", "openai-compatible", "http://b:1", ""), None, default=False)
    assert (first, second) == ("openai-compatible", "openai-compatible-2")
    assert ctx.profiles.get(first).base_url == "http://a:1" and ctx.profiles.default_name == first
    assert ctx.profiles.api_key(ctx.profiles.get(first)) == "k1"
