"""The openai-compatible adapter against a real HTTP server on 127.0.0.1 (tests/fakes/openai_server.py)."""

from __future__ import annotations

import json
import socket
from typing import ClassVar

import pytest

from tavo_tui.backends.base import BackendError, Finish, ReasoningDelta, TextDelta
from tavo_tui.backends.openai_compat import OpenAICompatBackend
from tavo_tui.backends.transport import RetryPolicy
from tavo_tui.model import SamplerSettings
from tests.backends.helpers import chat_prompt, collect, profile, reasoning_of, text_of, text_prompt
from tests.fakes.openai_server import (
    LLAMA_401,
    LLAMA_CONTEXT_400,
    OPENAI_404_MODEL,
    OPENAI_429,
    SERVER_500,
    Canned,
    FakeOpenAIServer,
    chat_chunks,
    empty_stream,
    error,
    midstream_error,
    sse,
    sse_answer,
    stream_cut,
    words,
)

KEY = "sk-test-key-0123456789"
FAST = RetryPolicy(max_retries=2, max_wait=0.05, backoff=0.01)


@pytest.fixture
async def backend(openai_server: FakeOpenAIServer):
    b = OpenAICompatBackend(profile(openai_server.base_url), None, retry=FAST)
    yield b
    await b.aclose()


# -- prepare ------------------------------------------------------------------------------------------


def test_prepare_chat_body_is_deterministic_and_complete() -> None:
    sampler = SamplerSettings(temperature=0.7, top_p=None, top_k=40, min_p=0.05, stop=["\nYou:"])
    b = OpenAICompatBackend(profile("http://localhost:8080", sampler=sampler), KEY)
    req = b.prepare(chat_prompt(stop=["</s>", "\nYou:"]))
    assert req.url == "http://127.0.0.1:8080/v1/chat/completions"
    assert list(req.body) == [
        "model", "messages", "temperature", "top_k", "min_p", "presence_penalty", "frequency_penalty",
        "max_tokens", "stream", "stop",
    ]
    assert req.body["stop"] == ["</s>", "\nYou:"]
    assert req.body["max_tokens"] == 120 and req.body["stream"] is True
    assert req.body["messages"][-1] == {"role": "user", "content": "Hi! How are you?"}
    assert KEY not in req.url and KEY not in json.dumps(req.headers) and KEY.encode() not in req.body_bytes()
    # Same input, same bytes.
    assert b.prepare(chat_prompt(stop=["</s>", "\nYou:"])).body_bytes() == req.body_bytes()


def test_prepare_text_mode_and_stream_override() -> None:
    b = OpenAICompatBackend(profile("http://127.0.0.1:5000/v1", sampler=SamplerSettings(stop=["\n\n"])), None)
    req = b.prepare(text_prompt(stop=["\nYou:"]), stream=False)
    assert req.url == "http://127.0.0.1:5000/v1/completions"
    assert req.body["prompt"].endswith("Aria:") and "messages" not in req.body
    assert req.body["stop"] == ["\nYou:", "\n\n"]
    assert req.body["stream"] is False and req.stream is False


def test_empty_model_is_not_sent_and_profile_max_tokens_is_the_fallback() -> None:
    p = profile("http://127.0.0.1:8080").model_copy(update={"model": "", "max_tokens": 77})
    req = OpenAICompatBackend(p, None).prepare(chat_prompt(max_tokens=0))
    assert "model" not in req.body and req.body["max_tokens"] == 77


def test_unusable_base_url_is_a_clear_error() -> None:
    b = OpenAICompatBackend(profile("ftp://example.com"), None)
    with pytest.raises(BackendError) as info:
        b.prepare(chat_prompt())
    assert "http://" in info.value.message


# -- streaming ----------------------------------------------------------------------------------------


async def test_chat_stream_sends_exact_bytes_and_yields_deltas(openai_server: FakeOpenAIServer) -> None:
    openai_server.api_key = KEY
    openai_server.reasoning = "Let me think… ☕"
    b = OpenAICompatBackend(profile(openai_server.base_url), KEY)
    req = b.prepare(chat_prompt("Ça va? 🐉"))
    events = await collect(b, req)
    await b.aclose()
    sent = openai_server.requests[-1]
    assert sent.path == "/v1/chat/completions" and sent.method == "POST"
    assert sent.body == req.body_bytes()
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.headers["content-type"] == "application/json"
    assert text_of(events) == openai_server.reply
    assert reasoning_of(events) == "Let me think… ☕"
    # Reasoning arrives before the reply text.
    kinds = [type(e) for e in events]
    assert kinds.index(ReasoningDelta) < kinds.index(TextDelta)
    n = len(words(openai_server.reply))
    assert events[-1] == Finish("stop", {"prompt_tokens": 9, "completion_tokens": n, "total_tokens": 9 + n})


async def test_text_stream(openai_server: FakeOpenAIServer, backend: OpenAICompatBackend) -> None:
    req = backend.prepare(text_prompt())
    events = await collect(backend, req)
    assert openai_server.requests[-1].path == "/v1/completions"
    assert openai_server.requests[-1].body == req.body_bytes()
    assert text_of(events) == openai_server.reply
    assert events[-1] == Finish("length", {})


async def test_done_without_finish_reason_is_incomplete(openai_server: FakeOpenAIServer, backend) -> None:
    openai_server.script.append(sse_answer(sse(*chat_chunks("Half a ", finish=None, usage=False))))
    events = await collect(backend, backend.prepare(chat_prompt()))
    assert text_of(events) == "Half a "
    assert events[-1] == Finish(None, {})


async def test_crlf_stream_and_pings(openai_server: FakeOpenAIServer, backend) -> None:
    body = b": ping - 2026-01-01\r\n\r\n" + sse(*chat_chunks("Über café"), sep="\r\n")
    openai_server.script.append(sse_answer(body))
    events = await collect(backend, backend.prepare(chat_prompt()))
    assert text_of(events) == "Über café" and isinstance(events[-1], Finish)


async def test_reasoning_field_variant(openai_server: FakeOpenAIServer, backend) -> None:
    chunk = {"choices": [{"index": 0, "delta": {"reasoning": "hmm"}, "finish_reason": None}]}
    openai_server.script.append(sse_answer(sse(chunk, *chat_chunks("ok"))))
    events = await collect(backend, backend.prepare(chat_prompt()))
    assert reasoning_of(events) == "hmm" and text_of(events) == "ok"


async def test_stream_cut_mid_reply_keeps_deltas_then_network_error(openai_server, backend) -> None:
    openai_server.script.append(stream_cut("one two three four five six", after=3))
    received = []
    with pytest.raises(BackendError) as info:
        async for event in backend.stream(backend.prepare(chat_prompt())):
            received.append(event)
    assert text_of(received) == "one two three "
    assert info.value.kind == "network"
    assert "dropped mid-reply" in info.value.message


async def test_error_object_mid_stream(openai_server, backend) -> None:
    openai_server.script.append(midstream_error("Partial "))
    received = []
    with pytest.raises(BackendError) as info:
        async for event in backend.stream(backend.prepare(chat_prompt())):
            received.append(event)
    assert text_of(received) == "Partial "
    assert info.value.kind == "server" and "upstream provider failed" in info.value.message


async def test_old_llamacpp_error_field_in_stream(openai_server, backend) -> None:
    body = (
        b'error: {"code":400,"message":"the request exceeds the available context size","type":"x"}\n\n'
        b"data: [DONE]\n\n"
    )
    openai_server.script.append(sse_answer(body))
    with pytest.raises(BackendError) as info:
        await collect(backend, backend.prepare(chat_prompt()))
    assert info.value.kind == "context_length"


async def test_empty_200_stream_is_a_clear_error(openai_server, backend) -> None:
    openai_server.script.append(empty_stream())
    with pytest.raises(BackendError) as info:
        await collect(backend, backend.prepare(chat_prompt()))
    assert info.value.kind == "server"
    assert "without sending anything" in info.value.message and "context" in info.value.message


async def test_200_that_is_not_an_event_stream_says_so(openai_server, backend) -> None:
    page = b"<html><body>Welcome to my web UI</body></html>"
    openai_server.script.append(Canned(headers={"Content-Type": "text/html"}, chunks=[page]))
    with pytest.raises(BackendError) as info:
        await collect(backend, backend.prepare(chat_prompt()))
    assert "OpenAI-compatible" in info.value.message and "text/html" in info.value.message


async def test_server_ignoring_stream_flag_still_works(openai_server, backend) -> None:
    reply = {"choices": [{"index": 0, "message": {"role": "assistant", "content": "whole"}, "finish_reason": "stop"}]}
    openai_server.script.append(Canned(chunks=[json.dumps(reply).encode()]))
    events = await collect(backend, backend.prepare(chat_prompt()))
    assert events == [TextDelta("whole"), Finish("stop", {})]


# -- HTTP errors and retries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("canned", "kind", "needle"),
    [
        (error(401, LLAMA_401), "auth", "check the key in the connection settings"),
        (error(404, OPENAI_404_MODEL), "not_found_model", "does not exist"),
        (error(400, LLAMA_CONTEXT_400), "context_length", "8192"),
        (error(500, SERVER_500), "server", "model crashed"),
        (error(500, "Internal Server Error"), "server", "Internal Server Error"),
    ],
)
async def test_http_errors_are_normalised_and_not_retried(openai_server, backend, canned, kind, needle) -> None:
    openai_server.script.append(canned)
    with pytest.raises(BackendError) as info:
        await collect(backend, backend.prepare(chat_prompt()))
    assert info.value.kind == kind and needle in info.value.message
    assert len(openai_server.requests) == 1


async def test_key_echoed_by_server_is_masked(openai_server: FakeOpenAIServer) -> None:
    body = {"error": {"message": f"Incorrect API key provided: {KEY}", "code": "invalid_api_key"}}
    openai_server.script.append(error(401, body))
    b = OpenAICompatBackend(profile(openai_server.base_url), KEY, retry=FAST)
    with pytest.raises(BackendError) as info:
        await b.complete(b.prepare(chat_prompt(), stream=False))
    await b.aclose()
    assert KEY not in info.value.message and KEY not in info.value.raw


async def test_429_is_retried_after_retry_after(openai_server, backend) -> None:
    openai_server.script.append(error(429, OPENAI_429, {"Retry-After": "0"}))
    openai_server.script.append(error(503, {"error": "loading model"}))
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    backend._transport.sleep = fake_sleep
    events = await collect(backend, backend.prepare(chat_prompt()))
    assert text_of(events) == openai_server.reply
    assert len(openai_server.requests) == 3
    assert waits[0] == 0.0  # Retry-After honoured
    assert waits[1] == pytest.approx(0.02)  # no Retry-After: bounded exponential backoff


async def test_retries_are_bounded(openai_server, backend) -> None:
    for _ in range(5):
        openai_server.script.append(error(429, OPENAI_429, {"Retry-After": "30"}))
    waits: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        waits.append(seconds)

    backend._transport.sleep = fake_sleep
    with pytest.raises(BackendError) as info:
        await backend.complete(backend.prepare(chat_prompt(), stream=False))
    assert info.value.kind == "rate_limit" and info.value.retry_after == 30.0
    assert len(openai_server.requests) == 3 and waits == [0.05, 0.05]  # capped by max_wait


async def test_no_server_is_a_network_error_naming_the_address() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    b = OpenAICompatBackend(profile(f"http://localhost:{port}"), None)
    with pytest.raises(BackendError) as info:
        await collect(b, b.prepare(chat_prompt()))
    assert info.value.kind == "network"
    assert info.value.message == f"no server at http://127.0.0.1:{port} — is your server running?"
    check = await b.check()
    assert not check.ok and check.error_kind == "network" and "no server" in check.detail
    await b.aclose()


async def test_stale_keepalive_connection_is_retried_once(openai_server: FakeOpenAIServer, backend) -> None:
    models = json.dumps({"data": [{"id": "m1"}]}).encode()
    openai_server.script.append(Canned(chunks=[models], poison=True))
    assert await backend.list_models() == ["m1"]
    # The pooled connection is dropped unanswered; the request goes again on a fresh one.
    events = await collect(backend, backend.prepare(chat_prompt()))
    assert text_of(events) == openai_server.reply
    assert openai_server.paths() == ["/v1/models", "/v1/chat/completions", "/v1/chat/completions"]


# -- non-streamed, models, check, tokens ------------------------------------------------------------


async def test_complete_chat_and_text(openai_server: FakeOpenAIServer, backend) -> None:
    openai_server.reasoning = "pondering"
    req = backend.prepare(chat_prompt(), stream=False)
    reply = await backend.complete(req)
    assert openai_server.requests[-1].body == req.body_bytes()
    assert json.loads(openai_server.requests[-1].body)["stream"] is False
    assert (reply.text, reply.reasoning, reply.finish_reason) == (openai_server.reply, "pondering", "stop")
    assert reply.usage["total_tokens"] == 14
    text = await backend.complete(backend.prepare(text_prompt(), stream=False))
    assert (text.text, text.finish_reason) == (openai_server.reply, "length")


async def test_complete_accepts_a_streamed_answer(openai_server, backend) -> None:
    openai_server.reasoning = "hmm"
    req = backend.prepare(chat_prompt(), stream=True)  # complete() on a streamed body still works
    reply = await backend.complete(req)
    assert (reply.text, reply.reasoning, reply.finish_reason) == (openai_server.reply, "hmm", "stop")
    assert openai_server.requests[-1].body == req.body_bytes()


async def test_stream_of_a_non_streamed_request_yields_the_whole_reply(openai_server, backend) -> None:
    events = await collect(backend, backend.prepare(chat_prompt(), stream=False))
    assert events == [TextDelta(openai_server.reply), Finish("stop", events[-1].usage)]
    assert events[-1].usage["total_tokens"] == 14


async def test_complete_surfaces_error_in_200_body(openai_server, backend) -> None:
    body = b'{"object":"error","message":"The model `x` does not exist.","code":404}'
    openai_server.script.append(Canned(chunks=[body]))
    with pytest.raises(BackendError) as info:
        await backend.complete(backend.prepare(chat_prompt(), stream=False))
    assert info.value.kind == "not_found_model"


async def test_list_models_and_check(openai_server: FakeOpenAIServer, backend) -> None:
    assert await backend.list_models() == ["fake-model", "fake-model-2"]
    check = await backend.check()
    assert check.ok and check.models == ("fake-model", "fake-model-2")
    assert "fake-model" in check.detail and check.latency_ms >= 0
    assert openai_server.paths()[-1] == "/v1/models"


async def test_check_reports_bad_key(openai_server: FakeOpenAIServer) -> None:
    openai_server.api_key = KEY
    b = OpenAICompatBackend(profile(openai_server.base_url), "wrong-key", retry=FAST)
    check = await b.check()
    await b.aclose()
    assert not check.ok and check.error_kind == "auth" and "API key" in check.detail
    assert "wrong-key" not in check.detail


async def test_check_falls_back_to_health(openai_server: FakeOpenAIServer, backend) -> None:
    openai_server.script.append(error(404, {"detail": "Not Found"}, path="/models"))
    check = await backend.check()
    assert check.ok and "/health" in check.detail
    assert openai_server.paths() == ["/v1/models", "/health"]


@pytest.mark.parametrize(
    ("style", "path"), [("llama.cpp", "/tokenize"), ("llama-cpp-python", "/extras/tokenize/count")]
)
async def test_count_tokens_finds_and_remembers_the_endpoint(openai_server, backend, style, path) -> None:
    openai_server.tokenizer = style
    assert await backend.count_tokens("one two three") == 3
    before = len(openai_server.requests)
    assert await backend.count_tokens("a b") == 2
    assert openai_server.paths()[before:] == [path]  # no more probing of the other endpoint


async def test_count_tokens_none_when_unsupported_and_remembered(openai_server, backend) -> None:
    assert await backend.count_tokens("one two") is None
    assert openai_server.paths() == ["/tokenize", "/extras/tokenize/count"]
    assert await backend.count_tokens("one two") is None
    assert len(openai_server.requests) == 2


# -- base URL probing ------------------------------------------------------------------------------------


async def test_probe_appends_v1_when_needed_and_remembers() -> None:
    server = FakeOpenAIServer(prefix="/proxy/v1").start()
    try:
        b = OpenAICompatBackend(profile(server.root + "/proxy"), None)
        req = b.prepare(chat_prompt())
        assert req.url.endswith("/proxy/chat/completions")  # unsure until probed
        events = await collect(b, req)
        assert text_of(events) == server.reply
        assert server.paths() == ["/proxy/models", "/proxy/v1/models", "/proxy/v1/chat/completions"]
        assert server.requests[-1].body == req.body_bytes()
        assert b.prepare(chat_prompt()).url == server.root + "/proxy/v1/chat/completions"
        await collect(b, b.prepare(chat_prompt()))
        assert len(server.requests) == 4  # no second probe
        await b.aclose()
    finally:
        server.stop()


async def test_probe_keeps_typed_base_when_it_answers() -> None:
    server = FakeOpenAIServer(prefix="/openai-ish").start()
    try:
        b = OpenAICompatBackend(profile(server.root + "/openai-ish"), None)
        assert await b.list_models() == ["fake-model", "fake-model-2"]
        assert server.paths() == ["/openai-ish/models", "/openai-ish/models"]
        await b.aclose()
    finally:
        server.stop()


# -- extension hooks and keys ---------------------------------------------------------------------------


class _StrictServer(OpenAICompatBackend):
    """What a later kind looks like: only declarations and a hook, no transport code."""

    kind = "strict-test"
    sampler_fields = ("temperature", "top_p", "seed")
    sampler_renames: ClassVar[dict[str, str]] = {"seed": "random_seed"}
    max_stops = 2

    def extra_body(self, prompt, stream):
        return {"stream_options": {"include_usage": True}} if stream else {}


async def test_subclass_hooks_shape_the_body(openai_server: FakeOpenAIServer) -> None:
    sampler = SamplerSettings(temperature=0.5, top_k=5, seed=3, stop=["#a", "#b", "welcome"])
    b = _StrictServer(profile(openai_server.base_url, sampler=sampler), None)
    req = b.prepare(chat_prompt())
    assert list(req.body) == ["model", "messages", "temperature", "top_p", "random_seed", "max_tokens", "stream",
                              "stop", "stream_options"]
    assert req.body["stop"] == ["#a", "#b"]
    # The third stop string did not fit the server's cap; it is still applied client-side.
    assert text_of(await collect(b, req)) == openai_server.reply.split("welcome")[0]
    assert openai_server.requests[-1].body == req.body_bytes()
    await b.aclose()


async def test_pasted_key_whitespace_is_stripped_and_unsendable_keys_are_explained(openai_server) -> None:
    openai_server.api_key = KEY
    b = OpenAICompatBackend(profile(openai_server.base_url), f"  {KEY}\n")
    assert await b.list_models() == openai_server.models
    await b.aclose()
    bad = OpenAICompatBackend(profile(openai_server.base_url), "clé secrète")
    with pytest.raises(BackendError) as info:
        await collect(bad, bad.prepare(chat_prompt()))
    assert info.value.kind == "auth" and "re-enter" in info.value.message
    assert "clé" not in info.value.message
    check = await bad.check()
    assert not check.ok and check.error_kind == "auth"
    await bad.aclose()
