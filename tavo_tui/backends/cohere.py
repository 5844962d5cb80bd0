"""Kind "cohere": Cohere's v2 chat (`POST /v2/chat`), typed SSE events, models from `/v1/models`.

Every stream event has `event: <type>` and the same `type` in its data: `content-delta` carries
`delta.message.content.text` (or `.thinking` on reasoning models) and `message-end` the finish reason and
usage. Samplers use short names (`p`, `k`); messages have no `name` field.
"""

from __future__ import annotations

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
from tavo_tui.backends.messages import named_text
from tavo_tui.backends.native import NativeBackend, json_request, listing, ok
from tavo_tui.backends.oai_events import model_ids
from tavo_tui.backends.transport import json_objects
from tavo_tui.backends.urls import join
from tavo_tui.model import AssembledPrompt, PreparedRequest

FINISH = {
    "COMPLETE": "stop",
    "STOP_SEQUENCE": "stop",
    "MAX_TOKENS": "length",
    "TOOL_CALL": "tool",
    "ERROR": "error",
    "TIMEOUT": "error",
}


def _usage(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict):
        return {}
    tokens = obj.get("tokens") if isinstance(obj.get("tokens"), dict) else obj.get("billed_units")
    if not isinstance(tokens, dict):
        return {}
    return {"prompt_tokens": tokens.get("input_tokens"), "completion_tokens": tokens.get("output_tokens")}


class CohereBackend(NativeBackend):
    kind = "cohere"
    default_base_url = "https://api.cohere.com"
    server_name = "Cohere"
    root_suffixes = ("/v2", "/v1")
    think_tags = False
    # `p` must stay below 1, and some models refuse both penalties at once: neutral values are left out.
    neutral_dropped: ClassVar[dict[str, float]] = {"top_p": 1.0, "presence_penalty": 0.0, "frequency_penalty": 0.0}

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        self.need_mode(prompt, "chat", hint="v2 chat takes a conversation")
        streaming = self.profile.stream if stream is None else stream
        roles = {"system", "user", "assistant"}
        messages = [
            {"role": m.get("role") if m.get("role") in roles else "user", "content": named_text(m)}
            for m in prompt.messages
        ]
        body: dict[str, Any] = {"model": self.profile.model, "messages": messages, "stream": streaming,
                                "max_tokens": self.max_new_tokens(prompt)}  # fmt: skip
        body.update(self.samplers(self.profile.sampler))
        stops = self.stops_for(prompt)
        if stops:
            body["stop_sequences"] = stops
        return json_request(join(self.root, "v2/chat"), body, streaming=streaming)

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
                if kind == "error" or (kind is None and obj.get("message")):
                    raise error_from_object(obj, url=request.url, secrets=transport.secrets)
                raw_delta = obj.get("delta")
                delta: dict[str, Any] = raw_delta if isinstance(raw_delta, dict) else {}
                if kind == "content-delta":
                    message = delta.get("message")
                    content = message.get("content") if isinstance(message, dict) else None
                    if isinstance(content, dict):
                        if isinstance(content.get("thinking"), str) and content["thinking"]:
                            yield ReasoningDelta(content["thinking"])
                        if isinstance(content.get("text"), str) and content["text"]:
                            yield TextDelta(content["text"])
                elif kind == "message-end":
                    finish = FINISH.get(str(delta.get("finish_reason")), "other")
                    usage = _usage(delta.get("usage"))
                    break
        yield Finish(finish, usage)

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        obj = await self.send(request)
        message = obj.get("message") if isinstance(obj, dict) else None
        if not isinstance(message, dict):
            raise BackendError("unknown", "Cohere answered without a `message`")
        text, thinking = [], []
        for part in message.get("content") or []:
            if isinstance(part, dict) and part.get("type") == "thinking":
                thinking.append(str(part.get("thinking", "")))
            elif isinstance(part, dict) and isinstance(part.get("text"), str):
                text.append(part["text"])
        return Reply("".join(text), "".join(thinking), FINISH.get(str(obj.get("finish_reason"))),
                     _usage(obj.get("usage")))  # fmt: skip

    async def list_models(self) -> list[str]:
        return model_ids(await self.get_json(join(self.root, "v1/models?endpoint=chat&page_size=1000")))

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            models = await self.list_models()
            return ok(f"connected to Cohere; models: {listing(models)}", "Cohere", models)

        return await self.timed_check(probe)

    async def count_tokens(self, text: str) -> int | None:
        if not self.profile.model:
            return None
        data = await self.post_json(join(self.root, "v1/tokenize"), {"text": text, "model": self.profile.model})
        tokens = data.get("tokens") if isinstance(data, dict) else None
        return len(tokens) if isinstance(tokens, list) else None
