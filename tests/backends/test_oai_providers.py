"""Per-provider profiles of the OpenAI family against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tavo_tui.backends.base import BackendError, Finish
from tavo_tui.backends.oai_providers import START_PLACEHOLDER, strict_alternation
from tavo_tui.backends.registry import KINDS, make_backend
from tavo_tui.backends.transport import RetryPolicy
from tavo_tui.model import AssembledPrompt, ConnectionProfile, SamplerSettings
from tests.backends.helpers import chat_prompt, collect, reasoning_of, text_of, text_prompt
from tests.fakes.openai_server import Canned, FakeOpenAIServer, chat_chunks, error, sse, sse_answer

KEY = "sk-provider-key-123456"
FAST = RetryPolicy(max_retries=1, max_wait=0.02, backoff=0.01)
EVERY_KNOB = SamplerSettings(
    temperature=0.7,
    top_p=0.9,
    top_k=40,
    min_p=0.05,
    presence_penalty=0.1,
    frequency_penalty=0.2,
    repetition_penalty=1.1,
    seed=5,
    top_a=0.2,
    typical_p=0.95,
    tfs=0.9,
    repetition_penalty_range=256,
    mirostat_mode=2,
    mirostat_tau=5.0,
    mirostat_eta=0.1,
    dry_multiplier=0.8,
    dry_base=1.75,
    dry_allowed_length=2,
    xtc_threshold=0.1,
    xtc_probability=0.5,
    stop=["\nYou:"],
)


@pytest.fixture
def fake() -> Iterator[Callable[[str], FakeOpenAIServer]]:
    servers: list[FakeOpenAIServer] = []

    def start(prefix: str = "/v1") -> FakeOpenAIServer:
        server = FakeOpenAIServer(prefix=prefix).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def backend_for(kind: str, url: str, key: str | None = KEY, **kw: Any) -> Any:
    fields: dict[str, Any] = {"name": "t", "kind": kind, "base_url": url, "model": kw.pop("model", "m1")}
    fields.update(kw)
    b = make_backend(ConnectionProfile(**fields), key)
    b.retry = FAST
    return b


def body_keys(kind: str, **kw: Any) -> set[str]:
    b = backend_for(kind, KINDS[kind].default_url, sampler=EVERY_KNOB, **kw)
    mode = kw.get("mode", "chat")
    return set(b.prepare(chat_prompt() if mode == "chat" else text_prompt()).body)


# -- whitelists and names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("openai", {"temperature", "top_p", "presence_penalty", "frequency_penalty", "seed", "max_tokens"}),
        ("deepseek", {"temperature", "top_p", "presence_penalty", "frequency_penalty", "max_tokens"}),
        ("mistral", {"temperature", "top_p", "presence_penalty", "frequency_penalty", "random_seed", "max_tokens"}),
        ("ai21", {"temperature", "top_p", "max_tokens"}),
        ("perplexity", {"temperature", "top_p", "top_k", "presence_penalty", "frequency_penalty", "max_tokens"}),
        (
            "lmstudio",
            {
                "temperature",
                "top_p",
                "top_k",
                "min_p",
                "presence_penalty",
                "frequency_penalty",
                "repeat_penalty",
                "seed",
                "max_tokens",
            },
        ),
        (
            "vllm",
            {
                "temperature",
                "top_p",
                "top_k",
                "min_p",
                "presence_penalty",
                "frequency_penalty",
                "repetition_penalty",
                "seed",
                "max_tokens",
            },
        ),
    ],
)
def test_sampler_whitelist_per_provider(kind: str, expected: set[str]) -> None:
    keys = body_keys(kind) - {"model", "messages", "stream", "stop", "stream_options"}
    assert keys == expected


def test_local_servers_get_their_own_names_for_the_same_knobs() -> None:
    llama = body_keys("llamacpp", api="openai")
    assert {"repeat_penalty", "repeat_last_n", "mirostat", "tfs_z", "min_p", "dry_multiplier"} <= llama
    assert "repetition_penalty" not in llama
    kobold = body_keys("koboldcpp", api="openai")
    assert {"typical", "rep_pen_range", "mirostat", "top_a"} <= kobold
    tabby = body_keys("tabby")
    assert {"penalty_range", "typical_p", "mirostat_mode", "xtc_threshold"} <= tabby


def test_openai_reasoning_models_get_max_completion_tokens_and_no_samplers() -> None:
    b = backend_for(
        "openai", KINDS["openai"].default_url, sampler=EVERY_KNOB, model="o3-mini", options={"reasoning_effort": "low"}
    )
    body = b.prepare(chat_prompt(stop=["a", "b", "c", "d", "e"])).body
    assert "max_tokens" not in body and body["max_completion_tokens"] == 120
    assert "temperature" not in body and "top_p" not in body and body["reasoning_effort"] == "low"
    assert body["stop"] == ["a", "b", "c", "d"]  # OpenAI's cap of four
    assert body["stream_options"] == {"include_usage": True}
    plain = backend_for("openai", KINDS["openai"].default_url, model="gpt-4o").prepare(chat_prompt()).body
    assert plain["max_tokens"] == 120 and "max_completion_tokens" not in plain


def test_chat_only_kinds_refuse_text_mode_with_a_clear_message() -> None:
    b = backend_for("mistral", KINDS["mistral"].default_url, mode="text")
    with pytest.raises(BackendError) as info:
        b.prepare(text_prompt())
    assert "only has a chat API" in info.value.message and "mode to chat" in info.value.message


def test_default_urls_and_key_variables_are_offered() -> None:
    assert KINDS["openai"].key_env == "OPENAI_API_KEY" and KINDS["claude"].key_env == "ANTHROPIC_API_KEY"
    assert KINDS["gemini"].key_env == "GEMINI_API_KEY"
    for name in ("openai", "deepseek", "mistral", "openrouter", "perplexity", "ai21", "electronhub", "aimlapi"):
        assert KINDS[name].needs_key and KINDS[name].default_url.startswith("https://")
    assert backend_for("perplexity", KINDS["perplexity"].default_url).prepare(chat_prompt()).url == (
        "https://api.perplexity.ai/chat/completions"
    )
    assert backend_for("dreamgen", KINDS["dreamgen"].default_url).prepare(chat_prompt()).url == (
        "https://dreamgen.com/api/openai/v1/chat/completions"
    )
    assert backend_for("ollama", KINDS["ollama"].default_url, api="openai").prepare(chat_prompt()).url == (
        "http://127.0.0.1:11434/v1/chat/completions"
    )


# -- message rules ------------------------------------------------------------------------------------


def test_strict_alternation_for_perplexity() -> None:
    msgs = [
        {"role": "system", "content": "S1"},
        {"role": "system", "content": "S2"},
        {"role": "assistant", "content": "Greeting", "name": "Aria"},
        {"role": "system", "content": "note"},
        {"role": "user", "content": "a"},
        {"role": "user", "content": "b"},
        {"role": "assistant", "content": "prefill"},
    ]
    out = strict_alternation(msgs)
    roles = [m["role"] for m in out]
    assert roles == ["system", "user", "assistant", "user", "assistant", "user"]
    assert out[0]["content"] == "S1\n\nS2" and out[1]["content"] == START_PLACEHOLDER
    assert out[2]["content"] == "Aria: Greeting" and "name" not in out[2]
    assert out[3]["content"] == "note\n\na\n\nb"


async def test_perplexity_sends_alternating_messages_without_v1(fake) -> None:
    server = fake("")
    b = backend_for("perplexity", server.root)
    prompt = AssembledPrompt(
        mode="chat",
        messages=[{"role": "system", "content": "S"}, {"role": "assistant", "content": "Hi"}],
        max_tokens=10,
    )
    server.reply = "<think>search plan</think>Sonar says hi"
    events = await collect(b, b.prepare(prompt))
    sent = server.requests[-1]
    assert sent.path == "/chat/completions" and sent.headers["authorization"] == f"Bearer {KEY}"
    assert [m["role"] for m in sent.json()["messages"]] == ["system", "user", "assistant", "user"]
    assert "stop" not in sent.json()
    assert text_of(events) == "Sonar says hi" and reasoning_of(events) == "search plan"
    # No model list: the static one, and the connection test is a one-token chat.
    assert "sonar" in await b.list_models()
    check = await b.check()
    assert check.ok and server.requests[-1].json()["max_tokens"] == 1
    await b.aclose()


async def test_ai21_squashes_system_and_merges_turns(fake) -> None:
    server = fake("/studio/v1")
    b = backend_for("ai21", server.base_url)
    msgs = [
        {"role": "system", "content": "A"},
        {"role": "system", "content": "B"},
        {"role": "user", "content": "x"},
        {"role": "user", "content": "y", "name": "Ann"},
    ]
    reply = await b.complete(b.prepare(AssembledPrompt(mode="chat", messages=msgs, max_tokens=5), stream=False))
    sent = server.requests[-1].json()["messages"]
    assert sent == [{"role": "system", "content": "A\n\nB"}, {"role": "user", "content": "x\n\nAnn: y"}]
    assert reply.text == server.reply
    await b.aclose()


async def test_mistral_strict_body_and_magistral_thinking_parts(fake) -> None:
    server = fake()
    b = backend_for("mistral", server.base_url, sampler=SamplerSettings(seed=9, top_k=3))
    msgs = [{"role": "user", "content": "Hi", "name": "Ann"}, {"role": "assistant", "content": "Well,"}]
    parts = [
        {"type": "thinking", "thinking": [{"type": "text", "text": "consider"}]},
        {"type": "text", "text": " hello"},
    ]
    answer = {"choices": [{"index": 0, "message": {"role": "assistant", "content": parts}, "finish_reason": "stop"}]}
    server.script.append(Canned(chunks=[json.dumps(answer).encode()]))
    reply = await b.complete(b.prepare(AssembledPrompt(mode="chat", messages=msgs, max_tokens=5), stream=False))
    body = server.requests[-1].json()
    assert body["random_seed"] == 9 and "seed" not in body and "top_k" not in body
    assert body["messages"] == [
        {"role": "user", "content": "Ann: Hi"},
        {"role": "assistant", "content": "Well,", "prefix": True},
    ]
    assert (reply.text, reply.reasoning) == (" hello", "consider")
    # Streamed, the parts arrive in deltas.
    chunks = [{"choices": [{"index": 0, "delta": {"content": [p]}, "finish_reason": None}]} for p in parts]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    server.script.append(sse_answer(sse(*chunks)))
    events = await collect(b, b.prepare(chat_prompt()))
    assert text_of(events) == " hello" and reasoning_of(events) == "consider"
    await b.aclose()


async def test_mistral_extra_forbidden_422_is_a_bad_request_with_the_field(fake) -> None:
    server = fake()
    detail = [{"type": "extra_forbidden", "loc": ["body", "top_k"], "msg": "Extra inputs are not permitted"}]
    body = {"object": "error", "message": {"detail": detail}, "type": "invalid_request_error"}
    server.script.append(error(422, body))
    b = backend_for("mistral", server.base_url)
    with pytest.raises(BackendError) as info:
        await collect(b, b.prepare(chat_prompt()))
    assert info.value.kind == "bad_request" and "Extra inputs are not permitted" in info.value.message
    assert len(server.requests) == 1  # never retried
    await b.aclose()


# -- headers, routing, reasoning ---------------------------------------------------------------------


async def test_openrouter_headers_routing_and_reasoning_stream(fake) -> None:
    server = fake("/api/v1")
    options = {
        "provider": {"order": ["a", "b"], "allow_fallbacks": False},
        "reasoning": {"effort": "high"},
        "transforms": ["middle-out"],
    }
    b = backend_for("openrouter", server.base_url, options=options, sampler=SamplerSettings(top_a=0.3, min_p=0.1))
    chunks = [
        {"choices": [{"index": 0, "delta": {"reasoning": "step one. "}, "finish_reason": None}]},
        *chat_chunks("Routed reply", usage=False),
    ]
    body = b": OPENROUTER PROCESSING\n\n" + sse(*chunks)
    server.script.append(sse_answer(body))
    events = await collect(b, b.prepare(chat_prompt()))
    sent = server.requests[-1]
    assert sent.headers["http-referer"] and sent.headers["x-title"] == "tavo-tui"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    got = sent.json()
    assert got["provider"] == options["provider"] and got["reasoning"] == {"effort": "high"}
    assert got["transforms"] == ["middle-out"] and got["top_a"] == 0.3 and got["min_p"] == 0.1
    assert reasoning_of(events) == "step one. " and text_of(events) == "Routed reply"
    assert events[-1] == Finish("stop", {})
    await b.aclose()


async def test_openrouter_error_inside_a_200_stream_keeps_the_partial(fake) -> None:
    server = fake("/api/v1")
    mid = {
        "error": {"code": 502, "message": "provider down"},
        "choices": [{"index": 0, "delta": {"content": ""}, "finish_reason": "error"}],
    }
    server.script.append(sse_answer(sse(*chat_chunks("Half a ", finish=None, usage=False), mid)))
    b = backend_for("openrouter", server.base_url)
    got: list[Any] = []
    with pytest.raises(BackendError) as info:
        async for event in b.stream(b.prepare(chat_prompt())):
            got.append(event)
    assert text_of(got) == "Half a " and info.value.kind == "server" and "provider down" in info.value.message
    await b.aclose()


async def test_deepseek_reasoning_content_and_balance_error(fake) -> None:
    server = fake()
    server.reasoning = "thinking it over"
    b = backend_for("deepseek", server.base_url)
    history = chat_prompt()
    history.messages[1]["reasoning_content"] = "old thoughts"
    events = await collect(b, b.prepare(history))
    assert reasoning_of(events) == "thinking it over"
    sent = server.requests[-1].json()
    assert all("reasoning_content" not in m for m in sent["messages"])
    assert sent["stream_options"] == {"include_usage": True}
    server.script.append(error(402, {"error": {"message": "Insufficient Balance", "type": "unknown_error"}}))
    with pytest.raises(BackendError) as info:
        await b.complete(b.prepare(chat_prompt(), stream=False))
    assert info.value.kind == "quota"
    await b.aclose()


@pytest.mark.parametrize(
    ("kind", "headers"),
    [
        ("tabby", {"x-api-key": KEY, "authorization": f"Bearer {KEY}"}),
        ("mancer", {"x-api-key": KEY, "authorization": f"Bearer {KEY}"}),
        ("aphrodite", {"x-api-key": KEY, "authorization": f"Bearer {KEY}"}),
        ("aimlapi", {"authorization": f"Bearer {KEY}", "x-title": "tavo-tui"}),
        ("electronhub", {"authorization": f"Bearer {KEY}"}),
    ],
)
async def test_auth_and_extra_headers(fake, kind: str, headers: dict[str, str]) -> None:
    server = fake()
    b = backend_for(kind, server.base_url)
    await b.complete(b.prepare(chat_prompt(), stream=False))
    sent = server.requests[-1].headers
    assert {k: sent.get(k) for k in headers} == headers
    await b.list_models()
    assert all(server.requests[-1].headers.get(k) == v for k, v in headers.items())
    await b.aclose()


async def test_pollinations_marks_requests_private() -> None:
    server = FakeOpenAIServer().start()
    try:
        b = backend_for("pollinations", server.base_url, key=None)
        await b.complete(b.prepare(chat_prompt(), stream=False))
        body = server.requests[-1].json()
        assert body["private"] is True and body["referrer"] == "tavo-tui"
        assert "authorization" not in server.requests[-1].headers
        await b.aclose()
    finally:
        server.stop()


# -- cloudflare ---------------------------------------------------------------------------------------


async def test_cloudflare_model_search_and_envelope_errors(fake) -> None:
    server = fake("/client/v4/accounts/acc1/ai/v1")
    b = backend_for("cloudflare", server.base_url)
    envelope = {"success": True, "result": [{"name": "@cf/meta/llama-3.1-8b-instruct"}], "errors": [], "messages": []}
    server.script.append(Canned(chunks=[json.dumps(envelope).encode()], path="/models/search"))
    assert await b.list_models() == ["@cf/meta/llama-3.1-8b-instruct"]
    assert server.requests[-1].path == "/client/v4/accounts/acc1/ai/models/search?task=Text%20Generation"
    denied = {"success": False, "errors": [{"code": 10000, "message": "Authentication error"}], "result": None}
    server.script.append(error(401, denied))
    with pytest.raises(BackendError) as info:
        await b.complete(b.prepare(chat_prompt(), stream=False))
    assert info.value.kind == "auth" and "Authentication error" in info.value.message
    await b.aclose()


def test_cloudflare_placeholder_url_is_explained() -> None:
    b = backend_for("cloudflare", KINDS["cloudflare"].default_url)
    with pytest.raises(BackendError) as info:
        b.prepare(chat_prompt())
    assert "account id" in info.value.message


# -- tokenizers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "path", "field", "answer", "with_model"),
    [
        ("koboldcpp", "/api/extra/tokencount", "prompt", {"value": 7, "ids": [1] * 7}, False),
        ("ooba", "/v1/internal/token-count", "text", {"length": 7}, False),
        ("tabby", "/v1/token/encode", "text", {"tokens": [1] * 7, "length": 7}, False),
        ("vllm", "/tokenize", "prompt", {"count": 7, "max_model_len": 4096, "tokens": [1] * 7}, True),
        ("aphrodite", "/v1/tokenize", "prompt", {"value": 7}, True),
        ("llamacpp", "/tokenize", "content", {"tokens": [1] * 7}, False),
    ],
)
async def test_token_count_endpoints(
    fake, kind: str, path: str, field: str, answer: dict[str, Any], with_model: bool
) -> None:
    server = fake()
    server.script.append(Canned(chunks=[json.dumps(answer).encode()], path=path))
    b = backend_for(kind, server.root, api="openai")
    assert await b.count_tokens("one two three") == 7
    sent = server.requests[-1]
    assert sent.path == path and sent.json()[field] == "one two three"
    assert ("model" in sent.json()) == with_model
    await b.aclose()


async def test_hosted_kinds_without_tokenizer_do_not_probe(fake) -> None:
    server = fake()
    b = backend_for("openai", server.base_url)
    assert await b.count_tokens("hello") is None and server.requests == []
    await b.aclose()


async def test_connection_test_names_the_kind_when_the_server_does_not(fake) -> None:
    server = fake()
    b = backend_for("tabby", server.root)
    check = await b.check()
    assert check.ok and check.server == "TabbyAPI" and check.models == ("fake-model", "fake-model-2")
    generic = backend_for("openai-compatible", server.root)
    assert (await generic.check()).server.startswith("127.0.0.1")
    await b.aclose()
    await generic.aclose()


def test_perplexity_does_not_send_both_zero_penalties() -> None:
    body = backend_for("perplexity", KINDS["perplexity"].default_url).prepare(chat_prompt()).body
    assert "presence_penalty" not in body and "frequency_penalty" not in body
    mistral = backend_for("mistral", KINDS["mistral"].default_url).prepare(chat_prompt()).body
    assert mistral["presence_penalty"] == 0.0  # other providers keep taking them


def test_mistral_turns_late_system_messages_into_user_turns() -> None:
    msgs = [{"role": "system", "content": "S"}, {"role": "assistant", "content": "Hi"},
            {"role": "system", "content": "[note]"}, {"role": "user", "content": "Yo"}]  # fmt: skip
    b = backend_for("mistral", KINDS["mistral"].default_url)
    sent = b.prepare(AssembledPrompt(mode="chat", messages=msgs, max_tokens=5)).body["messages"]
    assert sent == [{"role": "system", "content": "S"}, {"role": "assistant", "content": "Hi"},
                    {"role": "user", "content": "[note]\n\nYo"}]  # fmt: skip
