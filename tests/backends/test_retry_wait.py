"""Retry-After is honoured up to MAX_RETRY_WAIT (it was cut to 10 s), the consumer hears each wait, and can cut
it short ("retry now") or cancel it (issue 13)."""

from __future__ import annotations

import asyncio
import time

import pytest

from tavo_tui.backends.base import BackendError
from tavo_tui.backends.registry import make_backend
from tavo_tui.backends.transport import MAX_RETRY_WAIT, RETRY_OBSERVER, RetryObserver, RetryPolicy, RetryWait
from tests.backends.helpers import chat_prompt, profile, text_of
from tests.fakes.openai_server import OPENAI_429, FakeOpenAIServer, error


def test_a_long_retry_after_is_honoured_up_to_the_documented_cap() -> None:
    policy = RetryPolicy()
    assert policy.delay(0, 45.0) == 45.0
    assert policy.delay(0, 10_000.0) == MAX_RETRY_WAIT == 120.0


async def test_the_consumer_hears_the_wait_and_can_retry_at_once(openai_server: FakeOpenAIServer) -> None:
    openai_server.script.append(error(429, OPENAI_429, {"Retry-After": "60"}))
    backend = make_backend(profile(openai_server.base_url))
    heard: list[RetryWait] = []

    def notify(wait: RetryWait) -> None:
        heard.append(wait)
        observer.skip.set()  # as the user pressing "retry now" as soon as the countdown shows

    observer = RetryObserver(notify)
    token = RETRY_OBSERVER.set(observer)
    started = time.monotonic()
    try:
        events = [e async for e in backend.stream(backend.prepare(chat_prompt()))]
    finally:
        RETRY_OBSERVER.reset(token)
        await backend.aclose()
    assert text_of(events) == openai_server.reply
    assert [(w.seconds, w.status) for w in heard] == [(60.0, 429)]
    assert time.monotonic() - started < 30  # not the 60 s the server asked for
    assert len([r for r in openai_server.requests if r.path.endswith("/chat/completions")]) == 2


async def test_cancelling_during_the_wait_stops_at_once(openai_server: FakeOpenAIServer) -> None:
    openai_server.script.append(error(429, OPENAI_429, {"Retry-After": "60"}))
    backend = make_backend(profile(openai_server.base_url))
    waiting = asyncio.Event()
    token = RETRY_OBSERVER.set(RetryObserver(lambda wait: waiting.set()))

    async def consume() -> None:
        async for _ in backend.stream(backend.prepare(chat_prompt())):
            pass

    task = asyncio.ensure_future(consume())
    RETRY_OBSERVER.reset(token)  # the task took its own copy of the context
    try:
        await asyncio.wait_for(waiting.wait(), 20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await backend.aclose()
    assert len([r for r in openai_server.requests if r.path.endswith("/chat/completions")]) == 1


async def test_without_an_observer_nothing_changes(openai_server: FakeOpenAIServer) -> None:
    for _ in range(3):
        openai_server.script.append(error(429, OPENAI_429, {"Retry-After": "1"}))
    backend = make_backend(profile(openai_server.base_url))
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    backend._transport.sleep = fake_sleep  # type: ignore[attr-defined]
    try:
        with pytest.raises(BackendError):
            async for _ in backend.stream(backend.prepare(chat_prompt())):
                pass
    finally:
        await backend.aclose()
    assert waits == [1.0, 1.0]
