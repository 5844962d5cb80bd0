"""Kinds "gemini" (Google AI Studio) and "vertex" (Vertex AI, express-mode API key): generateContent.

One wire format for both: `contents` of `{role: "user" | "model", parts: [{text}]}`, the system prompt in
`systemInstruction`, samplers in `generationConfig`, `:streamGenerateContent?alt=sse` for streaming (SSE of
whole response objects, often CRLF-separated, no `[DONE]`). Thought summaries are parts with
`thought: true`. A blocked prompt is HTTP 200 with no candidates and `promptFeedback.blockReason`; a bad
key is HTTP 400 `API_KEY_INVALID`. The key travels in the `x-goog-api-key` header, never in the URL.
Options: thinking_budget (int), include_thoughts (bool); Vertex also project and region.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any
from urllib.parse import quote

from tavo_tui.backends.base import (
    BackendError,
    ConnectionCheck,
    Finish,
    ReasoningDelta,
    Reply,
    StreamEvent,
    TextDelta,
)
from tavo_tui.backends.errors import error_from_object
from tavo_tui.backends.messages import split_system
from tavo_tui.backends.native import NativeBackend, listing, ok
from tavo_tui.backends.sse import SSEEvent
from tavo_tui.backends.transport import parse_json
from tavo_tui.backends.urls import clean_url, join
from tavo_tui.model import AssembledPrompt, PreparedRequest

FINISH = {
    "STOP": "stop",
    "MAX_TOKENS": "length",
    "SAFETY": "filter",
    "RECITATION": "filter",
    "BLOCKLIST": "filter",
    "PROHIBITED_CONTENT": "filter",
    "SPII": "filter",
    "IMAGE_SAFETY": "filter",
}
SAFETY_CATEGORIES = (
    "HARM_CATEGORY_HARASSMENT",
    "HARM_CATEGORY_HATE_SPEECH",
    "HARM_CATEGORY_SEXUALLY_EXPLICIT",
    "HARM_CATEGORY_DANGEROUS_CONTENT",
    "HARM_CATEGORY_CIVIC_INTEGRITY",
)
MAX_STOPS = 5


def interpret(obj: Any, *, url: str, secrets: tuple[str, ...]) -> tuple[list[StreamEvent], str | None, dict[str, Any]]:
    """(text/reasoning events, finish reason or None, usage) of one response object (or stream chunk)."""
    if not isinstance(obj, dict):
        return [], None, {}
    if obj.get("error"):
        raise error_from_object(obj, url=url, secrets=secrets)
    usage = obj.get("usageMetadata") if isinstance(obj.get("usageMetadata"), dict) else {}
    candidates = obj.get("candidates")
    feedback = obj.get("promptFeedback")
    if not candidates and isinstance(feedback, dict) and feedback.get("blockReason"):
        raise BackendError(
            "bad_request",
            f"Google blocked the prompt ({feedback['blockReason']}) — rephrase the last message or change "
            "the card; the safety settings sent already ask for the least blocking",
            status=200,
        )
    if not isinstance(candidates, list) or not candidates or not isinstance(candidates[0], dict):
        return [], None, usage or {}
    candidate = candidates[0]
    events: list[StreamEvent] = []
    content = candidate.get("content")
    parts = content.get("parts") if isinstance(content, dict) else None
    for part in parts if isinstance(parts, list) else []:
        if isinstance(part, dict) and isinstance(part.get("text"), str) and part["text"]:
            events.append(ReasoningDelta(part["text"]) if part.get("thought") else TextDelta(part["text"]))
    reason = candidate.get("finishReason")
    finish = FINISH.get(str(reason), "other") if reason else None
    return events, finish, usage or {}


async def _objects(events: AsyncIterator[SSEEvent]) -> AsyncIterator[Any]:
    async for event in events:
        try:
            yield json.loads(event.data)
        except json.JSONDecodeError:
            continue


async def _listed(objs: list[Any]) -> AsyncIterator[Any]:
    for obj in objs:
        yield obj


class GeminiBackend(NativeBackend):
    kind = "gemini"
    default_base_url = "https://generativelanguage.googleapis.com"
    server_name = "Google AI Studio"
    root_suffixes = ("/v1beta", "/v1")
    think_tags = False

    def auth_headers(self) -> dict[str, str]:
        key = self.checked_key()
        return {"x-goog-api-key": key} if key else {}

    def model_url(self, verb: str) -> str:
        model = self.profile.model.removeprefix("models/")
        if not model:
            raise BackendError("bad_request", f"{self.server_name} needs a model name, e.g. gemini-2.5-flash")
        return join(self.root, f"v1beta/models/{quote(model, safe='-._')}:{verb}")

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        self.need_mode(prompt, "chat", hint="generateContent takes a conversation")
        streaming = self.profile.stream if stream is None else stream
        system, turns = split_system(prompt.messages)
        no_system_field = self.profile.model.removeprefix("models/").startswith("gemma")
        if system and no_system_field:
            turns[0] = type(turns[0])("user", f"{system}\n\n{turns[0].text}")
        contents = [{"role": "model" if t.role == "assistant" else "user", "parts": [{"text": t.text}]} for t in turns]
        body: dict[str, Any] = {"contents": contents}
        if system and not no_system_field:
            body["systemInstruction"] = {"parts": [{"text": system}]}
        config: dict[str, Any] = {"candidateCount": 1, "maxOutputTokens": self.max_new_tokens(prompt)}
        config.update(self.samplers(self.profile.sampler))
        stops = self.stops_for(prompt)[:MAX_STOPS]
        if stops:
            config["stopSequences"] = stops
        thinking = self._thinking()
        if thinking:
            config["thinkingConfig"] = thinking
        body["generationConfig"] = config
        body["safetySettings"] = [{"category": c, "threshold": "BLOCK_NONE"} for c in SAFETY_CATEGORIES]
        url = self.model_url("streamGenerateContent") + "?alt=sse" if streaming else self.model_url("generateContent")
        return PreparedRequest(url=url, body=body, stream=streaming)

    def _thinking(self) -> dict[str, Any]:
        opts = self.profile.options
        out: dict[str, Any] = {}
        if isinstance(opts.get("thinking_budget"), int):
            out["thinkingBudget"] = opts["thinking_budget"]
        if opts.get("include_thoughts") is not None:
            # Vertex rejects includeThoughts together with a zero budget.
            out["includeThoughts"] = bool(opts["include_thoughts"]) and out.get("thinkingBudget") != 0
        return out

    def body_stops(self, body: dict[str, Any]) -> Any:
        config = body.get("generationConfig")
        return config.get("stopSequences") if isinstance(config, dict) else None

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        transport = self._transport
        finish: str | None = None
        usage: dict[str, Any] = {}
        async with transport.open_stream(
            "POST", request.url, headers=self.headers(request), content=request.body_bytes()
        ) as response:
            if "json" in response.headers.get("content-type", "").lower():
                # Without alt=sse (a proxy may drop it) the answer is one JSON array of the same objects.
                whole = parse_json(b"".join([c async for c in transport.iter_bytes(response)]) or b"[]", request.url)
                objs = whole if isinstance(whole, list) else [whole]
            else:
                objs = None
            async for obj in _objects(transport.iter_sse(response)) if objs is None else _listed(objs):
                events, reason, chunk_usage = interpret(obj, url=request.url, secrets=transport.secrets)
                for item in events:
                    yield item
                usage = chunk_usage or usage
                finish = reason or finish
        yield Finish(finish, usage)

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        obj = await self.send(request)
        events, finish, usage = interpret(obj, url=request.url, secrets=self._transport.secrets)
        text = "".join(e.text for e in events if isinstance(e, TextDelta))
        reasoning = "".join(e.text for e in events if isinstance(e, ReasoningDelta))
        return Reply(text, reasoning, finish, usage)

    async def list_models(self) -> list[str]:
        data = await self.get_json(join(self.root, "v1beta/models?pageSize=1000"))
        names: list[str] = []
        for item in data.get("models", []) if isinstance(data, dict) else []:
            if not isinstance(item, dict) or not isinstance(item.get("name"), str):
                continue
            methods = item.get("supportedGenerationMethods")
            if isinstance(methods, list) and "generateContent" not in methods:
                continue
            names.append(item["name"].removeprefix("models/"))
        return names

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            models = await self.list_models()
            return ok(f"connected to {self.server_name}; models: {listing(models)}", self.server_name, models)

        return await self.timed_check(probe)

    async def count_tokens(self, text: str) -> int | None:
        if not self.profile.model:
            return None
        body = {"contents": [{"role": "user", "parts": [{"text": text}]}]}
        data = await self.post_json(self.model_url("countTokens"), body)
        total = data.get("totalTokens") if isinstance(data, dict) else None
        return total if isinstance(total, int) else None


class VertexBackend(GeminiBackend):
    """Vertex AI in express mode (an API key). Options: project and region for the project-scoped URL."""

    kind = "vertex"
    default_base_url = "https://aiplatform.googleapis.com"
    server_name = "Vertex AI"
    static_models = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash")

    def model_url(self, verb: str) -> str:
        model = self.profile.model.removeprefix("models/")
        if not model:
            raise BackendError("bad_request", "Vertex AI needs a model name, e.g. gemini-2.5-flash")
        root = self.root
        project = self.profile.options.get("project")
        region = str(self.profile.options.get("region") or "global")
        if project and region != "global" and clean_url(self.default_base_url) == root:
            root = f"https://{region}-aiplatform.googleapis.com"
        path = f"publishers/google/models/{quote(model, safe='-._')}:{verb}"
        if project:
            path = f"projects/{quote(str(project))}/locations/{quote(region)}/{path}"
        return join(root, f"v1/{path}")

    async def list_models(self) -> list[str]:
        return list(self.static_models)  # publisher models have no simple list

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            tiny = {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
            await self.post_json(self.model_url("countTokens"), tiny)
            return ok(f"connected to Vertex AI; {self.profile.model} answers countTokens", "Vertex AI",
                      self.static_models)  # fmt: skip

        return await self.timed_check(probe)
