"""A server that never answers, or stalls mid-reply, is caught by the first-token and idle timeouts (issue 13):
before, both were noticed only by httpx's 300 s read timeout."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tavo_tui.backends.base import BackendError, StreamEvent, TextDelta
from tavo_tui.backends.registry import (
    HOSTED_FIRST_TOKEN,
    IDLE_TIMEOUT,
    LOCAL_FIRST_TOKEN,
    make_backend,
    stream_timeouts,
)
from tavo_tui.model import ConnectionProfile
from tests.backends.helpers import chat_prompt, profile, text_prompt
from tests.fakes.local_servers import FakeLlamaCppServer
from tests.fakes.openai_server import Canned, FakeOpenAIServer, chat_chunks, sse, sse_answer


async def _stream(backend: Any, prompt: Any) -> tuple[list[StreamEvent], BackendError, float]:
    events: list[StreamEvent] = []
    start = time.monotonic()
    with pytest.raises(BackendError) as info:
        async for event in backend.stream(backend.prepare(prompt)):
            events.append(event)
    return events, info.value, time.monotonic() - start


async def test_a_server_that_accepts_and_never_answers_hits_the_first_token_timeout(
    openai_server: FakeOpenAIServer,
) -> None:
    openai_server.script.append(Canned(silent_before=30, stream=True))
    backend = make_backend(profile(openai_server.base_url, first_token_timeout=0.4))
    try:
        events, error, took = await _stream(backend, chat_prompt())
    finally:
        await backend.aclose()
    assert events == []
    assert error.kind == "network" and "first-token timeout" in error.message and "0.4 s" in error.message
    assert took < 10  # the scripted silence is 30 s


async def test_headers_then_silence_counts_against_the_first_token_too(openai_server: FakeOpenAIServer) -> None:
    openai_server.script.append(sse_answer(b"", silent_after=30))
    backend = make_backend(profile(openai_server.base_url, first_token_timeout=0.4))
    try:
        _events, error, _took = await _stream(backend, chat_prompt())
    finally:
        await backend.aclose()
    assert "first-token timeout" in error.message


async def test_a_stream_that_stalls_mid_reply_hits_the_idle_timeout_and_keeps_the_text(
    openai_server: FakeOpenAIServer,
) -> None:
    body = sse(*chat_chunks("Half a reply", finish=None, usage=False), done=False)
    openai_server.script.append(sse_answer(body, silent_after=30))
    backend = make_backend(profile(openai_server.base_url, idle_timeout=0.4))
    try:
        events, error, took = await _stream(backend, chat_prompt())
    finally:
        await backend.aclose()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "Half a reply"
    assert "idle timeout" in error.message and "stalled" in error.message and "kept" in error.message
    assert took < 10


async def test_native_llamacpp_stall_is_caught_too() -> None:
    server = FakeLlamaCppServer().start()
    try:
        server.script.append(Canned(silent_before=30, stream=True))
        p = ConnectionProfile(name="l", kind="llamacpp", base_url=server.root, mode="text", first_token_timeout=0.4)
        backend = make_backend(p)
        try:
            _events, error, _took = await _stream(backend, text_prompt())
        finally:
            await backend.aclose()
        assert "first-token timeout" in error.message
    finally:
        server.stop()


async def test_a_slow_but_steady_stream_is_not_cut(openai_server: FakeOpenAIServer) -> None:
    # Six chunks 0.25 s apart under a 1 s idle timeout: longer in total than the timeout, never idle that long.
    body = sse(*chat_chunks("one two three four five six", usage=False))
    size = len(body) // 6 + 1
    openai_server.script.append(Canned(headers={"Content-Type": "text/event-stream"}, stream=True,
                                       chunks=[body[i:i + size] for i in range(0, len(body), size)], chunk_delay=0.25))
    backend = make_backend(profile(openai_server.base_url, idle_timeout=1.0, first_token_timeout=30))
    try:
        events = [e async for e in backend.stream(backend.prepare(chat_prompt()))]
    finally:
        await backend.aclose()
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "one two three four five six"


def test_defaults_give_local_servers_longer_to_start() -> None:
    local = stream_timeouts(ConnectionProfile(name="l", kind="llamacpp"))
    hosted = stream_timeouts(ConnectionProfile(name="o", kind="openai"))
    assert (local.first_token, local.idle) == (LOCAL_FIRST_TOKEN, IDLE_TIMEOUT)
    assert (hosted.first_token, hosted.idle) == (HOSTED_FIRST_TOKEN, IDLE_TIMEOUT)
    assert LOCAL_FIRST_TOKEN > HOSTED_FIRST_TOKEN
    own = stream_timeouts(ConnectionProfile(name="o", kind="openai", first_token_timeout=7, idle_timeout=3))
    assert (own.first_token, own.idle) == (7, 3)
