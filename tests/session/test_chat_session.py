"""The session layer against the demo backend and a real fake OpenAI server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from tavo_tui.model import ConnectionProfile
from tavo_tui.session import AppContext, Delta, Done, Failed, Notice, Started
from tests.fakes.openai_server import LLAMA_401, FakeOpenAIServer, endless_stream, error, stream_cut

CARD = Path(__file__).resolve().parents[2] / "sample_cards" / "maren_holloway.png"


def ctx_with(home: Path, **servers: FakeOpenAIServer) -> AppContext:
    ctx = AppContext.open(home, user_name="Ann")
    for name, server in servers.items():
        ctx.profiles.save(ConnectionProfile(name=name, base_url=server.base_url, model="fake-model"))
    return ctx


async def collect(agen) -> list:  # type: ignore[no-untyped-def]
    return [event async for event in agen]


async def test_demo_send_streams_and_saves(home: Path) -> None:
    ctx = ctx_with(home)
    session = ctx.open_chat(CARD)
    session.backend.delay = 0  # type: ignore[attr-defined]
    assert session.is_demo and session.messages[0].name == session.card.name  # the greeting
    events = await collect(session.send("Hello there"))
    assert isinstance(events[0], Started)
    deltas = "".join(e.text for e in events if isinstance(e, Delta))
    done = events[-1]
    assert isinstance(done, Done) and done.message.mes == deltas and deltas
    assert done.message.extra["api"] == "demo"
    # Saved: reopening the character resumes this chat with all three messages.
    again = ctx_with(home).open_chat(CARD)
    assert [m.mes for m in again.messages][1:] == ["Hello there", deltas]
    assert again.ref == session.ref


async def test_body_sent_equals_inspected_body(home: Path, openai_server: FakeOpenAIServer) -> None:
    ctx = ctx_with(home, local=openai_server)
    session = ctx.open_chat(CARD, "local")
    expected = session.inspect(pending="Hi!").request
    events = await collect(session.send("Hi!"))
    assert isinstance(events[-1], Done)
    sent = [r for r in openai_server.requests if r.path.endswith("/chat/completions")][-1]
    assert sent.body == expected.body_bytes()
    assert events[-1].message.mes == openai_server.reply


async def test_switch_connection_mid_chat(home: Path, openai_server: FakeOpenAIServer) -> None:
    other = FakeOpenAIServer().start()
    try:
        other.reply = "from the second server"
        ctx = ctx_with(home, first=openai_server, second=other)
        ctx.profiles.save(ConnectionProfile(name="second-text", base_url=other.base_url, mode="text"))
        session = ctx.open_chat(CARD, "first")
        await collect(session.send("one"))
        session.switch_connection("second")
        events = await collect(session.send("two"))
        assert events[-1].message.mes == "from the second server"
        assert [m.mes for m in session.messages][-4:] == ["one", openai_server.reply, "two", other.reply]
        body = other.requests[-1].json()
        history = [m["content"] for m in body["messages"] if m["role"] != "system"][-3:]
        assert history == ["one", openai_server.reply, "two"]
        assert sum(r.path.endswith("/chat/completions") for r in openai_server.requests) == 1
        # The inspector follows the new mode at once.
        session.switch_connection("second-text")
        inspection = session.inspect()
        assert inspection.prompt.mode == "text"
        assert inspection.request.url.endswith("/completions") and "prompt" in inspection.request.body
    finally:
        other.stop()


async def test_stream_cut_keeps_partial(home: Path, openai_server: FakeOpenAIServer) -> None:
    ctx = ctx_with(home, local=openai_server)
    session = ctx.open_chat(CARD, "local")
    openai_server.script.append(stream_cut("one two three four five six", after=3))
    events = await collect(session.send("go"))
    partial = "".join(e.text for e in events if isinstance(e, Delta))
    assert partial
    last = events[-1]
    message = last.partial if isinstance(last, Failed) else last.message
    assert message is not None and message.mes == partial and message.extra["incomplete"] is True
    saved = ctx.chats.load(session.ref)  # type: ignore[arg-type]
    assert saved.messages[-1].mes == partial


async def test_auth_error_is_clear_and_keeps_user_message(home: Path, openai_server: FakeOpenAIServer) -> None:
    ctx = ctx_with(home, local=openai_server)
    session = ctx.open_chat(CARD, "local")
    openai_server.script.append(error(401, LLAMA_401))
    events = await collect(session.send("hello?"))
    failed = events[-1]
    assert isinstance(failed, Failed) and failed.kind == "auth" and "401" in failed.error
    assert failed.partial is None
    saved = ctx.chats.load(session.ref)  # type: ignore[arg-type]
    assert saved.messages[-1].mes == "hello?"


async def test_cancel_mid_stream_saves_partial(home: Path, openai_server: FakeOpenAIServer) -> None:
    ctx = ctx_with(home, local=openai_server)
    session = ctx.open_chat(CARD, "local")
    openai_server.script.append(endless_stream(10))
    got: list[str] = []

    async def consume() -> None:
        async for event in session.send("talk forever"):
            if isinstance(event, Delta):
                got.append(event.text)

    task = asyncio.create_task(consume())
    for _ in range(200):
        if len(got) >= 3:
            break
        await asyncio.sleep(0.02)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert openai_server.disconnected.wait(5)
    last = session.messages[-1]
    assert last.mes == "".join(got) and last.extra["incomplete"] is True
    assert ctx.chats.load(session.ref).messages[-1].mes == last.mes  # type: ignore[arg-type]


async def test_failed_save_keeps_chat_and_retries(home: Path) -> None:
    ctx = ctx_with(home)
    session = ctx.open_chat(CARD)
    session.backend.delay = 0  # type: ignore[attr-defined]
    await collect(session.send("first"))
    ref = session.ref
    assert ref is not None
    ref.path.unlink()
    ref.path.mkdir()  # the file cannot be appended to now
    events = await collect(session.send("second"))
    assert any(isinstance(e, Notice) and "not saved" in e.text for e in events)
    assert session.messages[-2].mes == "second"  # still in memory
    ref.path.rmdir()  # the disk recovers: the next save rewrites everything
    await collect(session.send("third"))
    lines = ref.path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(x)["mes"] for x in lines[1:]][-6:-4] == ["first", session.messages[2].mes]
    assert [json.loads(x).get("mes") for x in lines[1:]].count("second") == 1
    assert len(lines) - 1 == len(session.messages)


async def test_persist_false_writes_nothing(home: Path) -> None:
    ctx = ctx_with(home)
    session = ctx.open_chat(CARD, persist=False)
    session.backend.delay = 0  # type: ignore[attr-defined]
    await collect(session.send("hi"))
    assert ctx.chats.list() == []
