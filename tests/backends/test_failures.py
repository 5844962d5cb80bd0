"""Failures every family shares: a connection dropped mid-reply, and each service's recorded error bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tavo_tui.backends.base import Backend, BackendError, TextDelta
from tavo_tui.backends.errors import http_error
from tavo_tui.backends.registry import make_backend
from tavo_tui.backends.transport import NO_RETRY
from tavo_tui.model import AssembledPrompt, ConnectionProfile
from tests.backends.helpers import chat_prompt, text_prompt
from tests.fakes.cloud_servers import FakeClaudeServer, FakeCohereServer, FakeGeminiServer
from tests.fakes.local_servers import (
    FakeKoboldServer,
    FakeLlamaCppServer,
    FakeOllamaServer,
    data_events,
    event_stream,
    ndjson_stream,
)
from tests.fakes.openai_server import Canned, FakeOpenAIServer
from tests.fakes.queue_servers import FakeNovelAIServer

Case = tuple[type[FakeOpenAIServer], str, dict[str, Any], Callable[[], AssembledPrompt], Callable[[], Canned]]

CUT_CASES: dict[str, Case] = {
    "llamacpp-native": (FakeLlamaCppServer, "llamacpp", {"mode": "text", "api": "native"}, text_prompt,
                        lambda: event_stream(data_events({"content": "Hel", "stop": False}), cut=True)),
    "koboldcpp-native": (FakeKoboldServer, "koboldcpp", {"mode": "text", "api": "native"}, text_prompt,
                         lambda: event_stream(data_events({"token": "Hel", "finish_reason": None}, event="message"),
                                              cut=True)),
    "ollama-native": (FakeOllamaServer, "ollama", {"model": "qwen3:8b"}, chat_prompt,
                      lambda: ndjson_stream([{"message": {"role": "assistant", "content": "Hel"}, "done": False}],
                                            cut=True)),
    "claude": (FakeClaudeServer, "claude", {"model": "claude-sonnet-4-5"}, chat_prompt,
               lambda: event_stream(data_events({"type": "content_block_delta", "index": 0,
                                                 "delta": {"type": "text_delta", "text": "Hel"}}), cut=True)),
    "gemini": (FakeGeminiServer, "gemini", {"model": "gemini-2.5-flash"}, chat_prompt,
               lambda: event_stream(data_events({"candidates": [{"content": {"parts": [{"text": "Hel"}]}}]}),
                                    cut=True)),
    "cohere": (FakeCohereServer, "cohere", {"model": "command-a-03-2025"}, chat_prompt,
               lambda: event_stream(data_events({"type": "content-delta", "delta": {"message": {
                   "content": {"text": "Hel"}}}}), cut=True)),
    "novelai": (FakeNovelAIServer, "novelai", {"mode": "text"}, text_prompt,
                lambda: event_stream(data_events({"token": "Hel", "ptr": 0, "final": False}, event="newToken"),
                                     cut=True)),
    "openai-family": (FakeOpenAIServer, "deepseek", {}, chat_prompt,
                      lambda: event_stream(data_events({"choices": [{"index": 0, "delta": {"content": "Hel"}}]}),
                                           cut=True)),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CUT_CASES))
async def test_dropped_connection_mid_reply_keeps_the_partial(case: str) -> None:
    server_cls, kind, fields, make_prompt, answer = CUT_CASES[case]
    server = server_cls().start()
    try:
        url = server.base_url if kind == "deepseek" else server.root
        backend: Backend = make_backend(ConnectionProfile(name="c", kind=kind, base_url=url, **fields), None)
        backend.retry = NO_RETRY  # type: ignore[attr-defined]
        server.script.append(answer())
        got: list[Any] = []
        with pytest.raises(BackendError) as info:
            async for event in backend.stream(backend.prepare(make_prompt())):
                got.append(event)
        assert [e for e in got if isinstance(e, TextDelta)] == [TextDelta("Hel")]
        assert info.value.kind == "network" and "text received so far is kept" in info.value.message
        await backend.aclose()
    finally:
        server.stop()


# -- recorded error bodies (backends reference §7) -----------------------------------------------------

BODIES: list[tuple[str, int, Any, str]] = [
    ("openai quota", 429, {"error": {"message": "You exceeded your current quota", "type": "insufficient_quota",
                                     "code": "insufficient_quota"}}, "quota"),
    ("openrouter credits", 402, {"error": {"code": 402, "message": "Insufficient credits"}}, "quota"),
    ("openrouter context", 400, {"error": {"code": 400, "message": "This endpoint's maximum context length is 8192 "
                                           "tokens. However, you requested about 9000 tokens"}}, "context_length"),
    ("deepseek auth", 401, {"error": {"message": "Authentication Fails (no such user)", "type": "authentication_error",
                                      "code": "invalid_request_error"}}, "auth"),
    ("mistral 401", 401, {"message": "Unauthorized", "request_id": "r1"}, "auth"),
    ("mistral model", 400, {"object": "error", "message": "Invalid model: x", "type": "invalid_model", "code": "1500"},
     "bad_request"),
    ("perplexity html 401", 401, "<html><head><title>401 Authorization Required</title></head></html>", "auth"),
    ("vllm flat 404", 404, {"object": "error", "message": "The model `x` does not exist.", "type": "NotFoundError",
                            "code": 404}, "not_found_model"),
    ("vllm context", 400, {"error": {"message": "You passed 9000 input tokens and requested 300 output tokens. However,"
                                     " the model's maximum context length is only 8192 tokens.",
                                     "type": "BadRequestError", "code": 400}}, "context_length"),
    ("tabby 401", 401, {"detail": "Invalid API key"}, "auth"),
    ("tabby context", 400, {"error": {"message": "Prompt length 9000 exceeds the available context size of 8192 tokens",
                                      "type": "invalid_request_error", "code": "context_length_exceeded"}},
     "context_length"),
    ("ooba 422", 422, {"detail": [{"loc": ["body", "max_tokens"], "msg": "value is not a valid integer"}]},
     "bad_request"),
    ("koboldcpp busy", 503, {"detail": {"msg": "Server is busy; please try again later.",
                                        "type": "service_unavailable"}}, "overloaded"),
    ("ollama model", 404, {"error": "model 'x' not found"}, "not_found_model"),
    ("claude overloaded", 529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
     "overloaded"),
    ("gemini quota with retry", 429, {"error": {"code": 429, "message": "You exceeded your current quota",
                                                "status": "RESOURCE_EXHAUSTED", "details": [
                                                    {"retryDelay": "37s"}]}}, "rate_limit"),
    ("gemini context", 400, {"error": {"code": 400, "message": "The input token count (300000) exceeds the maximum "
                                       "number of tokens allowed (1048576).", "status": "INVALID_ARGUMENT"}},
     "context_length"),
    ("vertex auth", 401, {"error": {"code": 401, "message": "Request had invalid authentication credentials.",
                                    "status": "UNAUTHENTICATED"}}, "auth"),
    ("cohere context", 400, {"message": "too many tokens: total number of tokens in the prompt cannot exceed 128000 "
                                        "- received 130000. Try using a shorter prompt"}, "context_length"),
    ("ai21 auth", 401, {"detail": "Forbidden: Bad or missing API token."}, "auth"),
    ("horde overflow", 400, {"message": "Too many tokens requested", "rc": "TokenOverflow"}, "context_length"),
    ("horde busy", 429, {"message": "Too many concurrent prompts", "rc": "TooManyPrompts"}, "rate_limit"),
    ("novelai auth", 401, {"statusCode": 401, "message": "Access Token is incorrect."}, "auth"),
    ("pollinations", 403, {"error": "403 Forbidden", "status": 403, "details": {}}, "auth"),
    ("cloudflare", 400, {"success": False, "errors": [{"code": 5007, "message": "No such model @cf/x"}],
                         "result": None}, "bad_request"),
]  # fmt: skip


@pytest.mark.parametrize(("label", "status", "body", "kind"), BODIES, ids=[b[0] for b in BODIES])
def test_recorded_error_bodies_get_the_right_kind_and_their_message(label: str, status: int, body: Any,
                                                                     kind: str) -> None:  # fmt: skip
    raw = body if isinstance(body, str) else json.dumps(body)
    err = http_error(status, raw, {}, url="https://api.example.com/v1/chat/completions")
    assert err.kind == kind, (label, err.message)
    assert (err.message.startswith(f"{status}: ") and "server said" in err.message) or "HTML" in err.message
    if label == "gemini quota with retry":
        assert err.retry_after == 37.0


@pytest.mark.parametrize(("kind", "mode", "server"), [
    ("llamacpp", "text", "llama.cpp"), ("llamacpp", "chat", "llama.cpp"), ("koboldcpp", "text", "KoboldCpp"),
    ("ollama", "chat", "Ollama"), ("ooba", "chat", "text-generation-webui"), ("tabby", "chat", "TabbyAPI"),
    ("lmstudio", "chat", "LM Studio's server"), ("openai-compatible", "chat", "your server"),
])
async def test_nothing_listening_names_the_kinds_own_server(kind: str, mode: str, server: str) -> None:
    # "is llama.cpp running?" was said whatever the kind; each kind names the program the user starts.
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = ConnectionProfile(name="x", kind=kind, base_url=f"http://127.0.0.1:{port}", model="m", mode=mode)
    backend = make_backend(profile)
    try:
        prompt = text_prompt() if mode == "text" else chat_prompt()
        with pytest.raises(BackendError) as info:
            async for _ in backend.stream(backend.prepare(prompt)):
                pass
        assert info.value.kind == "network"
        assert info.value.message == f"no server at http://127.0.0.1:{port} — is {server} running?"
    finally:
        await backend.aclose()


async def test_a_hosted_api_that_does_not_answer_is_not_called_a_local_server() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    profile = ConnectionProfile(name="x", kind="openai", base_url=f"http://127.0.0.1:{port}/v1", model="m")
    backend = make_backend(profile, "sk-test-key")
    try:
        with pytest.raises(BackendError) as info:
            async for _ in backend.stream(backend.prepare(chat_prompt())):
                pass
        assert "running?" not in info.value.message and "check the base URL" in info.value.message
    finally:
        await backend.aclose()
