"""Native APIs of llama.cpp, KoboldCpp / KoboldAI and Ollama against fake servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from tavo_tui.backends.base import BackendError, Finish, ReasoningDelta, TextDelta
from tavo_tui.backends.kobold import KoboldAIBackend, KoboldCppBackend
from tavo_tui.backends.llamacpp import LlamaCppBackend
from tavo_tui.backends.oai_providers import KoboldCppOpenAIBackend, LlamaCppOpenAIBackend
from tavo_tui.backends.ollama import OllamaBackend
from tavo_tui.backends.registry import make_backend
from tavo_tui.backends.transport import RetryPolicy
from tavo_tui.model import AssembledPrompt, ConnectionProfile, SamplerSettings
from tests.backends.helpers import chat_prompt, collect, reasoning_of, text_of, text_prompt
from tests.fakes.local_servers import (
    KCPP_401,
    KCPP_BUSY,
    FakeKoboldServer,
    FakeLlamaCppServer,
    FakeOllamaServer,
    data_events,
    event_stream,
    ndjson_stream,
)
from tests.fakes.openai_server import Canned, error

FAST = RetryPolicy(max_retries=2, max_wait=0.02, backoff=0.01)
SAMPLER = SamplerSettings(
    temperature=0.6,
    top_k=30,
    min_p=0.05,
    repetition_penalty=1.1,
    seed=4,
    repetition_penalty_range=128,
    typical_p=0.9,
    stop=["\nYou:"],
)


def prof(kind: str, url: str, **kw: Any) -> ConnectionProfile:
    return ConnectionProfile(name="t", kind=kind, base_url=url, **kw)


# -- registry: which API a profile gets ---------------------------------------------------------------


def test_api_choice_for_dual_kinds() -> None:
    assert isinstance(make_backend(prof("llamacpp", "http://x:8080", mode="text")), LlamaCppBackend)
    assert isinstance(make_backend(prof("llamacpp", "http://x:8080", mode="chat")), LlamaCppOpenAIBackend)
    assert isinstance(make_backend(prof("llamacpp", "http://x:8080", mode="text", api="openai")), LlamaCppOpenAIBackend)
    assert isinstance(make_backend(prof("koboldcpp", "http://x:5001", mode="text")), KoboldCppBackend)
    assert isinstance(make_backend(prof("koboldcpp", "http://x:5001", mode="chat")), KoboldCppOpenAIBackend)
    assert isinstance(make_backend(prof("ollama", "http://x:11434", mode="chat")), OllamaBackend)
    assert isinstance(make_backend(prof("koboldai", "http://x:5000", mode="text")), KoboldAIBackend)


def test_native_text_only_apis_explain_chat_mode() -> None:
    b = make_backend(prof("llamacpp", "http://x:8080", mode="chat", api="native"))
    with pytest.raises(BackendError) as info:
        b.prepare(chat_prompt())
    assert "text mode" in info.value.message and "--api openai" in info.value.message


# -- llama.cpp native ---------------------------------------------------------------------------------


async def test_llamacpp_completion_streamed_and_not(llamacpp_server: FakeLlamaCppServer) -> None:
    b = LlamaCppBackend(prof("llamacpp", llamacpp_server.root + "/v1/", sampler=SAMPLER, mode="text"), "k-123456")
    req = b.prepare(text_prompt(stop=["</s>"]))
    assert req.url == llamacpp_server.root + "/completion"
    body = req.body
    assert body["n_predict"] == 64 and body["repeat_penalty"] == 1.1 and body["repeat_last_n"] == 128
    assert body["stop"] == ["</s>", "\nYou:"] and body["cache_prompt"] is True and "max_tokens" not in body
    events = await collect(b, req)
    assert text_of(events) == llamacpp_server.reply
    assert events[-1] == Finish("length", {"prompt_tokens": 12, "completion_tokens": 6})
    sent = llamacpp_server.requests[-1]
    assert sent.body == req.body_bytes() and sent.headers["authorization"] == "Bearer k-123456"
    llamacpp_server.stop_type = "eos"
    reply = await b.complete(b.prepare(text_prompt(), stream=False))
    assert reply.text == llamacpp_server.reply and reply.finish_reason == "stop"
    await b.aclose()


async def test_llamacpp_check_tokenize_and_props(llamacpp_server: FakeLlamaCppServer) -> None:
    b = LlamaCppBackend(prof("llamacpp", llamacpp_server.root, mode="text"))
    b.retry = FAST
    check = await b.check()
    assert check.ok and check.server == "llama.cpp server (b6000-abc)" and "context 4096" in check.detail
    assert check.models == ("fake-model", "fake-model-2")
    assert await b.count_tokens("one two three") == 3
    assert llamacpp_server.requests[-1].json() == {"content": "one two three"}
    assert await b.context_size() == 4096
    llamacpp_server.loading = True
    check = await b.check()
    assert not check.ok and check.error_kind == "overloaded" and "Loading model" in check.detail
    await b.aclose()


@pytest.mark.parametrize("style", ["data", "field"])
async def test_llamacpp_error_inside_the_stream(llamacpp_server: FakeLlamaCppServer, style: str) -> None:
    err = {"code": 400, "message": "the request exceeds the available context size", "type": "invalid_request_error"}
    first = data_events({"content": "Par", "stop": False})
    tail = data_events({"error": err}) if style == "data" else f"error: {json.dumps(err)}\n\ndata: [DONE]\n\n".encode()
    llamacpp_server.script.append(event_stream(first + tail))
    b = LlamaCppBackend(prof("llamacpp", llamacpp_server.root, mode="text"))
    got: list[Any] = []
    with pytest.raises(BackendError) as info:
        async for event in b.stream(b.prepare(text_prompt())):
            got.append(event)
    assert text_of(got) == "Par" and info.value.kind == "context_length"
    await b.aclose()


async def test_llamacpp_stream_cut_without_stop_is_incomplete(llamacpp_server: FakeLlamaCppServer) -> None:
    llamacpp_server.script.append(event_stream(data_events({"content": "Half", "stop": False})))
    b = LlamaCppBackend(prof("llamacpp", llamacpp_server.root, mode="text"))
    events = await collect(b, b.prepare(text_prompt()))
    assert text_of(events) == "Half" and events[-1] == Finish(None)
    await b.aclose()


# -- KoboldCpp / KoboldAI -----------------------------------------------------------------------------


async def test_koboldcpp_stream_and_generate(kobold_server: FakeKoboldServer) -> None:
    b = KoboldCppBackend(prof("koboldcpp", kobold_server.root + "/api", sampler=SAMPLER, mode="text", max_context=8192))
    req = b.prepare(text_prompt())
    assert req.url == kobold_server.root + "/api/extra/generate/stream"
    body = req.body
    assert body["max_length"] == 64 and body["max_context_length"] == 8192 and body["rep_pen"] == 1.1
    assert body["rep_pen_range"] == 128 and body["typical"] == 0.9 and body["sampler_seed"] == 4
    assert body["stop_sequence"] == ["\nYou:"] and body["trim_stop"] is True and body["genkey"] == b.genkey
    assert "stop" not in body and "max_tokens" not in body
    events = await collect(b, req)
    assert text_of(events) == kobold_server.reply and events[-1] == Finish("length")
    assert "/api/extra/abort" not in kobold_server.paths()  # finished normally: nothing to abort
    reply = await b.complete(b.prepare(text_prompt(), stream=False))
    assert reply.text == kobold_server.reply and kobold_server.requests[-1].path == "/api/v1/generate"
    await b.aclose()


async def test_koboldcpp_cancel_sends_abort_with_the_genkey(kobold_server: FakeKoboldServer) -> None:
    more = data_events({"token": "more ", "finish_reason": None}, event="message")
    kobold_server.script.append(
        Canned(headers={"Content-Type": "text/event-stream"}, stream=True, hold=10, chunk_delay=0.02, hold_chunk=more)
    )
    b = KoboldCppBackend(prof("koboldcpp", kobold_server.root, mode="text"))
    started = asyncio.Event()

    async def consume() -> None:
        async for _ in b.stream(b.prepare(text_prompt())):
            started.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    abort = [r for r in kobold_server.requests if r.path == "/api/extra/abort"]
    assert len(abort) == 1 and abort[0].json() == {"genkey": b.genkey}
    await b.aclose()


async def test_koboldcpp_stop_string_ends_the_stream_and_aborts(kobold_server: FakeKoboldServer) -> None:
    kobold_server.reply = "Sure thing.\nYou: and more text that never shows"
    b = KoboldCppBackend(prof("koboldcpp", kobold_server.root, mode="text", sampler=SamplerSettings(stop=["\nYou:"])))
    events = await collect(b, b.prepare(text_prompt()))
    assert text_of(events) == "Sure thing." and events[-1].reason == "stop"  # type: ignore[union-attr]
    assert "/api/extra/abort" in kobold_server.paths()
    await b.aclose()


async def test_koboldcpp_password_busy_and_version(kobold_server: FakeKoboldServer) -> None:
    kobold_server.password = "pw-secret-1"
    b = KoboldCppBackend(prof("koboldcpp", kobold_server.root, mode="text"), "wrong-pass")
    b.retry = FAST
    with pytest.raises(BackendError) as info:
        await collect(b, b.prepare(text_prompt()))
    assert info.value.kind == "auth" and "Authentication key is missing or invalid" in info.value.message
    assert KCPP_401["detail"]["type"] == "unauthorized"
    good = KoboldCppBackend(prof("koboldcpp", kobold_server.root, mode="text"), "pw-secret-1")
    good.retry = FAST
    kobold_server.script += [error(503, KCPP_BUSY, path="/api/v1/generate")] * 2
    reply = await good.complete(good.prepare(text_prompt(), stream=False))  # retried past two busy answers
    assert reply.text == kobold_server.reply
    assert await good.version() == "1.76" and await good.count_tokens("a b c d") == 4
    check = await good.check()
    assert check.ok and check.server == "KoboldCpp 1.76" and "context 8192" in check.detail
    assert check.models == ("koboldcpp/tiny-model",)
    await b.aclose()
    await good.aclose()


async def test_koboldai_classic_sends_only_classic_keys(koboldai_server: FakeKoboldServer) -> None:
    b = KoboldAIBackend(prof("koboldai", koboldai_server.root + "/api/v1", mode="text", sampler=SAMPLER))
    req = b.prepare(text_prompt())
    assert req.url == koboldai_server.root + "/api/v1/generate" and req.stream is False
    events = await collect(b, req)  # the fake rejects any non-classic key with 422
    assert text_of(events) == koboldai_server.reply and isinstance(events[-1], Finish)
    assert sum(isinstance(e, TextDelta) for e in events) == 1
    check = await b.check()
    assert check.ok and check.server == "KoboldAI (API 1.2.5)"
    kcpp_view = KoboldCppBackend(prof("koboldcpp", koboldai_server.root, mode="text"))
    assert await kcpp_view.version() is None
    assert not (await kcpp_view.check()).ok
    await b.aclose()
    await kcpp_view.aclose()


# -- Ollama native -------------------------------------------------------------------------------------


async def test_ollama_chat_ndjson_with_thinking(ollama_server: FakeOllamaServer) -> None:
    ollama_server.thinking = "Let me think."
    b = OllamaBackend(
        prof(
            "ollama",
            ollama_server.root + "/api",
            model="qwen3:8b",
            sampler=SAMPLER,
            options={"think": True},
            max_context=8192,
        )
    )
    msgs = [{"role": "system", "content": "Be Aria."}, {"role": "user", "content": "Hi", "name": "Ann"}]
    req = b.prepare(AssembledPrompt(mode="chat", messages=msgs, max_tokens=50))
    assert req.url == ollama_server.root + "/api/chat"
    body = req.body
    assert body["messages"][1] == {"role": "user", "content": "Ann: Hi"} and body["think"] is True
    opts = body["options"]
    assert opts["num_predict"] == 50 and opts["num_ctx"] == 8192 and opts["repeat_penalty"] == 1.1
    assert opts["stop"] == ["\nYou:"] and body["stream"] is True
    events = await collect(b, req)
    assert reasoning_of(events) == "Let me think." and text_of(events) == ollama_server.reply
    assert events[-1] == Finish("stop", {"prompt_tokens": 9, "completion_tokens": 6})
    reply = await b.complete(b.prepare(AssembledPrompt(mode="chat", messages=msgs, max_tokens=5), stream=False))
    assert (reply.text, reply.reasoning) == (ollama_server.reply, "Let me think.")
    await b.aclose()


async def test_ollama_generate_raw_text(ollama_server: FakeOllamaServer) -> None:
    b = OllamaBackend(prof("ollama", ollama_server.root, model="llama3.2:latest", mode="text"))
    req = b.prepare(text_prompt())
    assert req.url.endswith("/api/generate") and req.body["raw"] is True and req.body["prompt"].endswith("Aria:")
    assert text_of(await collect(b, req)) == ollama_server.reply
    await b.aclose()


async def test_ollama_errors_models_and_check(ollama_server: FakeOllamaServer) -> None:
    b = OllamaBackend(prof("ollama", ollama_server.root, model="missing:latest"))
    with pytest.raises(BackendError) as info:
        await collect(b, b.prepare(chat_prompt()))
    assert info.value.kind == "not_found_model" and "missing:latest" in info.value.message
    ok = OllamaBackend(prof("ollama", ollama_server.root, model="qwen3:8b"))
    line = {"model": "qwen3:8b", "message": {"role": "assistant", "content": "Some "}, "done": False}
    ollama_server.script.append(ndjson_stream([line, {"error": "an error was encountered while running the model"}]))
    got: list[Any] = []
    with pytest.raises(BackendError) as info:
        async for event in ok.stream(ok.prepare(chat_prompt())):
            got.append(event)
    assert text_of(got) == "Some " and "error was encountered" in info.value.message
    assert await ok.list_models() == ["llama3.2:latest", "qwen3:8b"]
    check = await ok.check()
    assert check.ok and check.server == "Ollama 0.6.2" and "qwen3:8b" in check.models
    with pytest.raises(BackendError) as info:
        OllamaBackend(prof("ollama", ollama_server.root)).prepare(chat_prompt())
    assert "model" in info.value.message
    await b.aclose()
    await ok.aclose()


async def test_ollama_think_tags_in_content_are_reasoning(ollama_server: FakeOllamaServer) -> None:
    ollama_server.reply = "<think>raw thoughts</think>Visible."
    b = OllamaBackend(prof("ollama", ollama_server.root, model="qwen3:8b"))
    events = await collect(b, b.prepare(chat_prompt()))
    assert text_of(events) == "Visible." and reasoning_of(events) == "raw thoughts"
    assert not any(isinstance(e, ReasoningDelta) and "<think>" in e.text for e in events)
    await b.aclose()
