"""The stream's consumer hears when the request body is on the wire (so a front can redraw after it, not before),
and `Started` waits for that, but never longer than SENT_WAIT (ctrl+j to the server's receipt, issue 12)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from tavo_tui.backends.base import StreamEvent, TextDelta
from tavo_tui.backends.registry import make_backend
from tavo_tui.backends.transport import RETRY_OBSERVER, RetryObserver
from tavo_tui.session.generation import SENT_WAIT, EarlyStream
from tests.backends.helpers import chat_prompt, profile
from tests.fakes.openai_server import Canned, FakeOpenAIServer


async def test_sent_is_set_once_the_body_is_written_before_any_answer(openai_server: FakeOpenAIServer) -> None:
    openai_server.script.append(Canned(silent_before=30, stream=True))  # no answer: only the sending counts
    backend = make_backend(profile(openai_server.base_url, first_token_timeout=20))
    observer = RetryObserver(notify=lambda wait: None)
    token = RETRY_OBSERVER.set(observer)
    try:
        events = EarlyStream(backend.stream(backend.prepare(chat_prompt())))
    finally:
        RETRY_OBSERVER.reset(token)
    try:
        await asyncio.wait_for(observer.sent.wait(), 5)
        deadline = time.monotonic() + 5
        while not any(r.path.endswith("completions") for r in openai_server.requests):
            assert time.monotonic() < deadline, "the server never got the request"
            await asyncio.sleep(0.01)
        sent = next(r for r in openai_server.requests if r.path.endswith("completions"))
        assert b'"messages"' in sent.body  # the whole body arrived while the server has not answered yet
    finally:
        await events.aclose()
        await backend.aclose()


async def test_waiting_for_the_wire_ends_at_the_limit_when_nothing_reports_it() -> None:
    async def never() -> AsyncIterator[StreamEvent]:  # a backend without HTTP, that has not answered yet
        await asyncio.sleep(30)
        yield TextDelta("never")

    events = EarlyStream(never())
    began = time.monotonic()
    await events.on_the_wire(asyncio.Event(), SENT_WAIT)
    took = time.monotonic() - began
    await events.aclose()
    assert SENT_WAIT * 0.9 <= took < 2


async def test_waiting_for_the_wire_ends_at_once_when_the_body_is_sent() -> None:
    async def never() -> AsyncIterator[StreamEvent]:
        await asyncio.sleep(30)
        yield TextDelta("never")

    events = EarlyStream(never())
    sent = asyncio.Event()
    asyncio.get_running_loop().call_soon(sent.set)
    began = time.monotonic()
    await events.on_the_wire(sent, 10)
    took = time.monotonic() - began
    await events.aclose()
    assert took < 5  # far below the 10 s limit
