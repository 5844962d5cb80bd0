"""Stopping a generation closes the HTTP connection promptly; the server sees the disconnect."""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing

import pytest

from tavo_tui.backends.base import StreamEvent, TextDelta
from tavo_tui.backends.openai_compat import OpenAICompatBackend
from tests.backends.helpers import chat_prompt, profile
from tests.fakes.openai_server import FakeOpenAIServer, endless_stream


@pytest.fixture
async def backend(openai_server: FakeOpenAIServer):
    b = OpenAICompatBackend(profile(openai_server.base_url), None)
    yield b
    await b.aclose()


async def test_cancelling_the_consumer_closes_the_connection(openai_server: FakeOpenAIServer, backend) -> None:
    openai_server.script.append(endless_stream(seconds=10))
    got: list[StreamEvent] = []
    first = asyncio.Event()

    async def consume() -> None:
        async for event in backend.stream(backend.prepare(chat_prompt())):
            got.append(event)
            first.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first.wait(), timeout=5)
    started = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.monotonic() - started < 1.0
    # The server keeps writing deltas; it must notice the closed socket long before its 10 s end.
    assert await asyncio.to_thread(openai_server.disconnected.wait, 3.0)
    assert all(isinstance(e, TextDelta) for e in got) and got


async def test_breaking_out_of_an_aclosing_loop_closes_the_connection(openai_server, backend) -> None:
    openai_server.script.append(endless_stream(seconds=10))
    count = 0
    async with aclosing(backend.stream(backend.prepare(chat_prompt()))) as stream:
        async for _event in stream:
            count += 1
            if count == 3:
                break
    assert await asyncio.to_thread(openai_server.disconnected.wait, 3.0)
    # The client still works for the next request after dropping that connection.
    reply = await backend.complete(backend.prepare(chat_prompt(), stream=False))
    assert reply.text == openai_server.reply
