"""Claude, Gemini/Vertex and Cohere adapters against fake servers that validate what the real APIs insist on."""

from __future__ import annotations

from typing import Any

import pytest

from tavo_tui.backends.base import BackendError, Finish
from tavo_tui.backends.claude import ClaudeBackend
from tavo_tui.backends.cohere import CohereBackend
from tavo_tui.backends.gemini import GeminiBackend, VertexBackend
from tavo_tui.backends.messages import START_PLACEHOLDER
from tavo_tui.backends.transport import RetryPolicy
from tavo_tui.model import AssembledPrompt, ConnectionProfile, SamplerSettings
from tests.backends.helpers import collect, reasoning_of, text_of
from tests.fakes.cloud_servers import (
    GEMINI_429,
    FakeClaudeServer,
    FakeCohereServer,
    FakeGeminiServer,
)
from tests.fakes.local_servers import event_stream
from tests.fakes.openai_server import error

KEY = "secret-cloud-key-42"
FAST = RetryPolicy(max_retries=2, max_wait=0.05, backoff=0.01)
RP_MESSAGES = [
    {"role": "system", "content": "You are Aria."},
    {"role": "system", "content": "Scenario: a ship."},
    {"role": "assistant", "content": "Welcome aboard.", "name": "Aria"},
    {"role": "system", "content": "[Author's note: keep it short]"},
    {"role": "user", "content": "Hi!", "name": "Ann"},
    {"role": "user", "content": "Where are we?"},
]


def prof(kind: str, url: str, **kw: Any) -> ConnectionProfile:
    return ConnectionProfile(name="t", kind=kind, base_url=url, **kw)


def chat(messages: list[dict[str, Any]] = RP_MESSAGES, **kw: Any) -> AssembledPrompt:
    return AssembledPrompt(
        mode="chat", messages=[dict(m) for m in messages], max_tokens=kw.pop("max_tokens", 100), **kw
    )


# -- Claude ---------------------------------------------------------------------------------------------


def claude(server: FakeClaudeServer, **kw: Any) -> ClaudeBackend:
    server.api_key = KEY
    b = ClaudeBackend(prof("claude", server.root, model=kw.pop("model", "claude-sonnet-4-5"), **kw), KEY)
    b.retry = FAST
    return b


async def test_claude_body_rules_and_streamed_thinking(claude_server: FakeClaudeServer) -> None:
    claude_server.thinking = "Considering the ship."
    b = claude(claude_server, sampler=SamplerSettings(temperature=1.4, top_k=20, stop=["\nAnn:", "\t"]))
    req = b.prepare(chat())
    assert req.url == claude_server.root + "/v1/messages" and KEY not in req.url
    body = req.body
    assert body["system"] == "You are Aria.\n\nScenario: a ship."
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][0]["content"] == START_PLACEHOLDER
    assert body["messages"][1]["content"] == "Aria: Welcome aboard."
    assert body["messages"][2]["content"] == "[Author's note: keep it short]\n\nAnn: Hi!\n\nWhere are we?"
    assert body["max_tokens"] == 100 and body["temperature"] == 1.0 and body["top_k"] == 20
    assert body["stop_sequences"] == ["\nAnn:"] and "frequency_penalty" not in body and "stop" not in body
    events = await collect(b, req)
    assert reasoning_of(events) == "Considering the ship." and text_of(events) == claude_server.reply
    assert events[-1] == Finish("stop", {"input_tokens": 12, "output_tokens": 6})
    sent = claude_server.requests[-1].headers
    assert sent["x-api-key"] == KEY and sent["anthropic-version"] == "2023-06-01" and "authorization" not in sent
    await b.aclose()


async def test_claude_prefill_and_thinking_budget(claude_server: FakeClaudeServer) -> None:
    msgs = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Aria smiles,  "}]
    b = claude(claude_server)
    body = b.prepare(chat(msgs)).body
    assert body["messages"][-1] == {"role": "assistant", "content": "Aria smiles,"}  # no trailing whitespace
    thinking = claude(claude_server, options={"thinking_budget": 2048}, sampler=SamplerSettings(temperature=0.5))
    req = thinking.prepare(chat(msgs))
    assert req.body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert req.body["max_tokens"] == 100 + 2048 and "temperature" not in req.body and "top_p" not in req.body
    assert req.body["messages"] == [{"role": "user", "content": "Hi\n\nAria smiles,  "}]  # prefill not allowed
    claude_server.thinking = "deep thought"
    reply = await thinking.complete(thinking.prepare(chat(msgs), stream=False))
    assert (reply.text, reply.reasoning, reply.finish_reason) == (claude_server.reply, "deep thought", "stop")
    await b.aclose()
    await thinking.aclose()


async def test_claude_errors(claude_server: FakeClaudeServer) -> None:
    b = claude(claude_server)
    claude_server.script.append(event_stream(claude_server.claude_events(error_at_end=True)))
    got: list[Any] = []
    with pytest.raises(BackendError) as info:
        async for event in b.stream(b.prepare(chat())):
            got.append(event)
    assert text_of(got) == claude_server.reply and info.value.kind == "overloaded"
    wrong = ClaudeBackend(prof("claude", claude_server.root, model="claude-sonnet-4-5"), "bad-key-0000")
    with pytest.raises(BackendError) as info:
        await wrong.complete(wrong.prepare(chat(), stream=False))
    assert info.value.kind == "auth" and "invalid x-api-key" in info.value.message
    missing = claude(claude_server, model="claude-x")
    with pytest.raises(BackendError) as info:
        await missing.complete(missing.prepare(chat(), stream=False))
    assert info.value.kind == "not_found_model"
    claude_server.script.append(
        error(
            400,
            {
                "type": "error",
                "error": {
                    "type": "invalid_request_error",
                    "message": "prompt is too long: 212345 tokens > 200000 maximum",
                },
            },
        )
    )
    with pytest.raises(BackendError) as info:
        await b.complete(b.prepare(chat(), stream=False))
    assert info.value.kind == "context_length"
    for backend in (b, wrong, missing):
        await backend.aclose()


async def test_claude_models_check_and_count(claude_server: FakeClaudeServer) -> None:
    b = claude(claude_server)
    assert await b.list_models() == claude_server.models
    assert claude_server.requests[-1].path == "/v1/models?limit=100"
    check = await b.check()
    assert check.ok and check.server == "Anthropic" and check.models == tuple(claude_server.models)
    assert await b.count_tokens("one two three four") == 4
    with pytest.raises(BackendError):
        b.prepare(AssembledPrompt(mode="text", text="x"))
    await b.aclose()


# -- Gemini / Vertex ------------------------------------------------------------------------------------


def gemini(server: FakeGeminiServer, cls: type[GeminiBackend] = GeminiBackend, **kw: Any) -> GeminiBackend:
    server.api_key = KEY
    b = cls(prof(cls.kind, server.root, model=kw.pop("model", "gemini-2.5-flash"), **kw), KEY)
    b.retry = FAST
    return b


async def test_gemini_body_and_crlf_stream_with_thoughts(gemini_server: FakeGeminiServer) -> None:
    gemini_server.thought = "**Planning** the reply"
    sampler = SamplerSettings(temperature=0.9, top_p=0.8, top_k=30, seed=1, stop=[f"s{i}" for i in range(7)])
    b = gemini(gemini_server, sampler=sampler, options={"thinking_budget": 512, "include_thoughts": True})
    req = b.prepare(chat())
    assert req.url == gemini_server.root + "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    assert KEY not in req.url
    body = req.body
    assert body["systemInstruction"] == {"parts": [{"text": "You are Aria.\n\nScenario: a ship."}]}
    assert [c["role"] for c in body["contents"]] == ["user", "model", "user"]
    config = body["generationConfig"]
    assert config["maxOutputTokens"] == 100 and config["topP"] == 0.8 and config["topK"] == 30
    assert config["stopSequences"] == ["s0", "s1", "s2", "s3", "s4"]  # the API's cap
    assert config["thinkingConfig"] == {"thinkingBudget": 512, "includeThoughts": True}
    assert {s["threshold"] for s in body["safetySettings"]} == {"BLOCK_NONE"}
    events = await collect(b, req)
    assert reasoning_of(events) == "**Planning** the reply" and text_of(events) == gemini_server.reply
    assert isinstance(events[-1], Finish) and events[-1].reason == "stop"
    assert events[-1].usage["candidatesTokenCount"] == 6
    assert gemini_server.requests[-1].headers["x-goog-api-key"] == KEY
    reply = await b.complete(b.prepare(chat(), stream=False))
    assert (reply.text, reply.reasoning) == (gemini_server.reply, "**Planning** the reply")
    await b.aclose()


async def test_gemini_block_bad_key_and_quota_retry(gemini_server: FakeGeminiServer) -> None:
    b = gemini(gemini_server)
    gemini_server.block_reason = "PROHIBITED_CONTENT"
    with pytest.raises(BackendError) as info:
        await collect(b, b.prepare(chat()))
    assert "PROHIBITED_CONTENT" in info.value.message and "blocked" in info.value.message
    gemini_server.block_reason = None
    bad = GeminiBackend(prof("gemini", gemini_server.root, model="gemini-2.5-flash"), "not-the-key")
    with pytest.raises(BackendError) as info:
        await bad.complete(bad.prepare(chat(), stream=False))
    assert info.value.kind == "auth" and info.value.status == 400
    gemini_server.script.append(error(429, GEMINI_429))
    reply = await b.complete(b.prepare(chat(), stream=False))  # retried after the body's retryDelay
    assert reply.text == gemini_server.reply and len([r for r in gemini_server.requests if "generate" in r.path]) >= 2
    gemini_server.finish = "SAFETY"
    events = await collect(b, b.prepare(chat()))
    assert events[-1].reason == "filter"  # type: ignore[union-attr]
    await b.aclose()
    await bad.aclose()


async def test_gemini_models_count_and_gemma(gemini_server: FakeGeminiServer) -> None:
    b = gemini(gemini_server)
    assert await b.list_models() == ["gemini-2.5-flash", "gemini-2.5-pro"]
    assert await b.count_tokens("a b c") == 3
    assert (await b.check()).ok
    gemma = gemini(gemini_server, model="gemma-3-27b-it")
    body = gemma.prepare(chat()).body
    assert "systemInstruction" not in body and body["contents"][0]["parts"][0]["text"].startswith("You are Aria.")
    missing = gemini(gemini_server, model="gemini-0")
    with pytest.raises(BackendError) as info:
        await missing.complete(missing.prepare(chat(), stream=False))
    assert info.value.kind == "not_found_model"
    for backend in (b, gemma, missing):
        await backend.aclose()


async def test_vertex_express_and_project_urls(gemini_server: FakeGeminiServer) -> None:
    b = gemini(gemini_server, VertexBackend)
    req = b.prepare(chat(), stream=False)
    assert req.url == gemini_server.root + "/v1/publishers/google/models/gemini-2.5-flash:generateContent"
    reply = await b.complete(req)
    assert reply.text == gemini_server.reply
    check = await b.check()
    assert check.ok and check.server == "Vertex AI" and gemini_server.requests[-1].path.endswith(":countTokens")
    scoped = gemini(gemini_server, VertexBackend, options={"project": "p1", "region": "europe-west4"})
    url = scoped.prepare(chat()).url
    assert url == (
        gemini_server.root + "/v1/projects/p1/locations/europe-west4/publishers/google/models/"
        "gemini-2.5-flash:streamGenerateContent?alt=sse"
    )
    assert text_of(await collect(scoped, scoped.prepare(chat()))) == gemini_server.reply
    default_host = VertexBackend(
        prof("vertex", "", model="gemini-2.5-pro", options={"project": "p", "region": "us-east1"})
    )
    assert default_host.prepare(chat()).url.startswith("https://us-east1-aiplatform.googleapis.com/v1/projects/p/")
    await b.aclose()
    await scoped.aclose()


# -- Cohere ----------------------------------------------------------------------------------------------


async def test_cohere_stream_body_and_thinking(cohere_server: FakeCohereServer) -> None:
    cohere_server.api_key = KEY
    cohere_server.thinking = "hmm ok"
    sampler = SamplerSettings(top_p=0.7, top_k=12, seed=3, stop=["\nAnn:"])
    b = CohereBackend(prof("cohere", cohere_server.root, model="command-a-03-2025", sampler=sampler), KEY)
    req = b.prepare(chat())
    assert req.url == cohere_server.root + "/v2/chat"
    body = req.body
    assert body["p"] == 0.7 and body["k"] == 12 and "top_p" not in body and body["stop_sequences"] == ["\nAnn:"]
    assert all("name" not in m for m in body["messages"]) and body["messages"][2]["content"].startswith("Aria: ")
    events = await collect(b, req)
    assert reasoning_of(events) == "hmm ok" and text_of(events) == cohere_server.reply
    assert events[-1] == Finish("length", {"prompt_tokens": 70, "completion_tokens": 6})
    reply = await b.complete(b.prepare(chat(), stream=False))
    assert (reply.text, reply.reasoning, reply.finish_reason) == (cohere_server.reply, "hmm ok", "stop")
    assert await b.list_models() == cohere_server.models
    assert await b.count_tokens("x y") == 2
    bad = CohereBackend(prof("cohere", cohere_server.root, model="command-a-03-2025"), "nope-nope")
    check = await bad.check()
    assert not check.ok and check.error_kind == "auth" and "invalid api token" in check.detail
    await b.aclose()
    await bad.aclose()


async def test_claude_529_overloaded_is_retried(claude_server: FakeClaudeServer) -> None:
    b = claude(claude_server)
    claude_server.script.append(
        error(529, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}})
    )
    events = await collect(b, b.prepare(chat()))
    assert text_of(events) == claude_server.reply
    assert [r.path for r in claude_server.requests].count("/v1/messages") == 2
    await b.aclose()


def test_claude_sends_temperature_or_top_p_to_models_that_take_one() -> None:
    sampler = SamplerSettings(temperature=0.7, top_p=0.9)
    newer = ClaudeBackend(prof("claude", "", model="claude-sonnet-4-5", sampler=sampler)).prepare(chat()).body
    assert newer["temperature"] == 0.7 and "top_p" not in newer
    older = ClaudeBackend(prof("claude", "", model="claude-3-7-sonnet-latest", sampler=sampler)).prepare(chat()).body
    assert older["temperature"] == 0.7 and older["top_p"] == 0.9
    neutral = ClaudeBackend(prof("claude", "", model="claude-3-7-sonnet-latest")).prepare(chat()).body
    assert "top_p" not in neutral  # 1.0 changes nothing and is not sent


def test_cohere_leaves_out_neutral_values_it_would_reject() -> None:
    body = CohereBackend(prof("cohere", "", model="command-a-03-2025")).prepare(chat()).body
    assert "p" not in body and "presence_penalty" not in body and "frequency_penalty" not in body
    assert body["temperature"] == 1.0
