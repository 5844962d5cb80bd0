"""Kind "claude": Anthropic's Messages API (`POST {base}/messages`).

Differences from OpenAI handled here: the system prompt is a top-level field, roles must alternate and
start with the user, `max_tokens` is required, a final assistant message is a prefill the reply continues
(not allowed together with extended thinking), and streams are named SSE events (`content_block_delta`
with `text_delta` / `thinking_delta`, `message_delta` with the stop reason, `event: error` mid-stream).
Options: thinking_budget (int tokens, enables extended thinking), anthropic_beta (header value).
"""

from __future__ import annotations

import re
from collections.abc import AsyncGenerator
from typing import Any, ClassVar

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
from tavo_tui.backends.native import NativeBackend, json_request, listing, ok
from tavo_tui.backends.oai_events import model_ids
from tavo_tui.backends.transport import json_objects
from tavo_tui.backends.urls import join, oai_base
from tavo_tui.model import AssembledPrompt, PreparedRequest

API_VERSION = "2023-06-01"
STOP_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool",
    "refusal": "filter",
    "pause_turn": "other",
}
_EMPTY = "\u200b"  # the API rejects empty text blocks


class ClaudeBackend(NativeBackend):
    kind = "claude"
    default_base_url = "https://api.anthropic.com/v1"
    server_name = "Anthropic"
    think_tags = False
    neutral_dropped: ClassVar[dict[str, float]] = {"top_p": 1.0}
    # Newer models take temperature or top_p, not both (data, not code: extend when Anthropic adds models).
    one_of_temperature_top_p: ClassVar[re.Pattern[str]] = re.compile(
        r"claude-(opus-4-[1-9]|sonnet-4-[5-9]|haiku-4-[5-9])"
    )

    @classmethod
    def normalise_root(cls, raw: str) -> str:
        return oai_base(raw).url  # `{base}/messages` and `{base}/models`, base ending in /v1

    def auth_headers(self) -> dict[str, str]:
        key = self.checked_key()
        headers = {"anthropic-version": API_VERSION}
        beta = self.profile.options.get("anthropic_beta")
        if isinstance(beta, str) and beta:
            headers["anthropic-beta"] = beta
        if key:
            headers["x-api-key"] = key
        return headers

    def _budget(self) -> int | None:
        budget = self.profile.options.get("thinking_budget")
        return int(budget) if isinstance(budget, int | float) and budget >= 1024 else None

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        self.need_mode(prompt, "chat", hint="the Messages API takes a conversation, not raw text")
        streaming = self.profile.stream if stream is None else stream
        budget = self._budget()
        system, turns = split_system(prompt.messages)
        messages = [{"role": t.role, "content": t.text or _EMPTY} for t in turns]
        if messages and messages[-1]["role"] == "assistant":
            if budget:
                # Prefill and extended thinking do not mix: the prefill becomes a user instruction.
                messages[-1] = {"role": "user", "content": messages[-1]["content"]}
                if len(messages) > 1 and messages[-2]["role"] == "user":
                    prev = messages.pop(-2)
                    messages[-1] = {"role": "user", "content": f"{prev['content']}\n\n{messages[-1]['content']}"}
            else:
                messages[-1]["content"] = messages[-1]["content"].rstrip() or _EMPTY  # no trailing whitespace
        max_tokens = self.max_new_tokens(prompt)
        body: dict[str, Any] = {"model": self.profile.model, "max_tokens": max_tokens, "messages": messages}
        if system:
            body["system"] = system
        samplers = self.samplers(self.profile.sampler)
        if "temperature" in samplers:
            samplers["temperature"] = min(float(samplers["temperature"]), 1.0)  # Claude's range is 0-1
        if {"temperature", "top_p"} <= samplers.keys() and self.one_of_temperature_top_p.search(self.profile.model):
            del samplers["top_p"]
        if budget:
            # With thinking on, temperature/top_k must be left out and top_p kept within 0.95-1.
            samplers = {k: v for k, v in samplers.items() if k == "top_p" and 0.95 <= float(v) <= 1}
            body["max_tokens"] = max_tokens + budget
            body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        body.update(samplers)
        stops = [s for s in self.stops_for(prompt) if s.strip()]  # whitespace-only stops are rejected
        if stops:
            body["stop_sequences"] = stops
        body["stream"] = streaming
        return json_request(join(self.root, "messages"), body, streaming=streaming)

    def body_stops(self, body: dict[str, Any]) -> Any:
        return body.get("stop_sequences")

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        transport = self._transport
        finish: str | None = None
        usage: dict[str, Any] = {}
        async with transport.open_stream(
            "POST", request.url, headers=self.headers(request), content=request.body_bytes()
        ) as response:
            async for event, obj in json_objects(transport.iter_sse(response)):
                kind = obj.get("type") or event.event
                if kind == "error" or event.event == "error":
                    raise error_from_object(obj, url=request.url, secrets=transport.secrets)
                if kind == "message_start":
                    message = obj.get("message")
                    if isinstance(message, dict) and isinstance(message.get("usage"), dict):
                        usage["input_tokens"] = message["usage"].get("input_tokens")
                elif kind == "content_block_start":
                    block = obj.get("content_block")
                    if isinstance(block, dict):
                        if block.get("type") == "text" and block.get("text"):
                            yield TextDelta(str(block["text"]))
                        elif block.get("type") == "thinking" and block.get("thinking"):
                            yield ReasoningDelta(str(block["thinking"]))
                elif kind == "content_block_delta":
                    delta = obj.get("delta")
                    if isinstance(delta, dict):
                        if delta.get("type") == "text_delta" and delta.get("text"):
                            yield TextDelta(str(delta["text"]))
                        elif delta.get("type") == "thinking_delta" and delta.get("thinking"):
                            yield ReasoningDelta(str(delta["thinking"]))
                elif kind == "message_delta":
                    delta = obj.get("delta")
                    if isinstance(delta, dict) and delta.get("stop_reason"):
                        finish = STOP_REASONS.get(str(delta["stop_reason"]), "other")
                    if isinstance(obj.get("usage"), dict):
                        usage["output_tokens"] = obj["usage"].get("output_tokens")
                elif kind == "message_stop":
                    break
        yield Finish(finish, {k: v for k, v in usage.items() if v is not None})

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        obj = await self.send(request)
        if not isinstance(obj, dict) or not isinstance(obj.get("content"), list):
            if isinstance(obj, dict) and obj.get("type") == "error":
                raise error_from_object(obj, url=request.url, secrets=self._transport.secrets)
            raise BackendError("unknown", "Claude answered without a `content` list")
        text = "".join(b.get("text", "") for b in obj["content"] if isinstance(b, dict) and b.get("type") == "text")
        thinking = "".join(
            b.get("thinking", "") for b in obj["content"] if isinstance(b, dict) and b.get("type") == "thinking"
        )
        usage = obj.get("usage") if isinstance(obj.get("usage"), dict) else {}
        return Reply(text, thinking, STOP_REASONS.get(str(obj.get("stop_reason")), None), usage or {})

    async def list_models(self) -> list[str]:
        return model_ids(await self.get_json(join(self.root, "models?limit=100")))

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            models = await self.list_models()
            return ok(f"connected to Anthropic; models: {listing(models)}", "Anthropic", models)

        return await self.timed_check(probe)

    async def count_tokens(self, text: str) -> int | None:
        if not self.profile.model:
            return None
        body = {"model": self.profile.model, "messages": [{"role": "user", "content": text or _EMPTY}]}
        data = await self.post_json(join(self.root, "messages/count_tokens"), body)
        count = data.get("input_tokens") if isinstance(data, dict) else None
        return count if isinstance(count, int) else None
