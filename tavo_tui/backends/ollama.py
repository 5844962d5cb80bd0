"""Kind "ollama" with api "native": `/api/chat` (chat) and `/api/generate` (text, raw), NDJSON streaming.

Every line is one JSON object; the last has `done: true` with `done_reason` and token counts. Errors during
a stream arrive as a line `{"error": "..."}` with HTTP 200. Thinking models send `thinking` next to
`content` (chat) or `response` (generate). Ollama silently truncates prompts longer than `num_ctx`, so the
profile's context size is always sent.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any

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
from tavo_tui.backends.native import NativeBackend, listing, ok
from tavo_tui.backends.ndjson import NDJSONError, NDJSONParser
from tavo_tui.backends.oai_events import model_ids, normalise_finish
from tavo_tui.backends.urls import join
from tavo_tui.model import AssembledPrompt, PreparedRequest


def _pieces(obj: dict[str, Any]) -> tuple[str, str]:
    """(text, thinking) of one chat or generate object."""
    message = obj.get("message")
    source = message if isinstance(message, dict) else obj
    text = source.get("content") if isinstance(message, dict) else obj.get("response")
    thinking = source.get("thinking")
    return (text if isinstance(text, str) else ""), (thinking if isinstance(thinking, str) else "")


def _usage(obj: dict[str, Any]) -> dict[str, Any]:
    usage: dict[str, Any] = {}
    if isinstance(obj.get("prompt_eval_count"), int):
        usage["prompt_tokens"] = obj["prompt_eval_count"]
    if isinstance(obj.get("eval_count"), int):
        usage["completion_tokens"] = obj["eval_count"]
    return usage


class OllamaBackend(NativeBackend):
    """Options: think (bool or "low"/"medium"/"high"), keep_alive (e.g. "10m")."""

    kind = "ollama"
    default_base_url = "http://127.0.0.1:11434"
    server_name = "Ollama"
    root_suffixes = ("/api", "/v1")

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        if not self.profile.model:
            raise BackendError("bad_request", "Ollama needs a model name — pick one from the model list (ollama list)")
        streaming = self.profile.stream if stream is None else stream
        body: dict[str, Any] = {"model": self.profile.model}
        if prompt.mode == "chat":
            path = "api/chat"
            body["messages"] = [
                {"role": m.get("role", "user"), "content": _named(m)} for m in prompt.messages
            ]
        else:
            path = "api/generate"
            body["prompt"] = prompt.text
            body["raw"] = True  # the prompt is already formatted with the instruct template
        options: dict[str, Any] = {
            "num_predict": self.max_new_tokens(prompt),
            "num_ctx": prompt.max_context or self.profile.max_context,
        }
        options.update(self.samplers(self.profile.sampler))
        stops = self.stops_for(prompt)
        if stops:
            options["stop"] = stops
        body["options"] = options
        body["stream"] = streaming  # Ollama streams unless told otherwise
        for key in ("think", "keep_alive"):
            if self.profile.options.get(key) is not None:
                body[key] = self.profile.options[key]
        return PreparedRequest(url=join(self.root, path), body=body, stream=streaming)

    def body_stops(self, body: dict[str, Any]) -> Any:
        options = body.get("options")
        return options.get("stop") if isinstance(options, dict) else None

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        transport = self._transport
        parser = NDJSONParser()
        finish: str | None = None
        usage: dict[str, Any] = {}
        done = False
        async with transport.open_stream(
            "POST", request.url, headers=self.headers(request), content=request.body_bytes()
        ) as response:
            async for chunk in transport.iter_bytes(response):
                try:
                    objs = parser.feed(chunk)
                except NDJSONError as exc:
                    raise BackendError("unknown", str(exc)) from None
                for obj in objs:
                    if not isinstance(obj, dict):
                        continue
                    if obj.get("error"):
                        raise error_from_object(obj, url=request.url, secrets=transport.secrets)
                    text, thinking = _pieces(obj)
                    if thinking:
                        yield ReasoningDelta(thinking)
                    if text:
                        yield TextDelta(text)
                    if obj.get("done") is True:
                        finish, usage, done = normalise_finish(obj.get("done_reason")) or "stop", _usage(obj), True
                        break
                if done:
                    break
        yield Finish(finish, usage)

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        obj = await self.send(request)
        if not isinstance(obj, dict):
            raise BackendError("unknown", "Ollama answered with an unexpected JSON shape")
        if obj.get("error"):
            raise error_from_object(obj, url=request.url, secrets=self._transport.secrets)
        text, thinking = _pieces(obj)
        return Reply(text, thinking, normalise_finish(obj.get("done_reason")) or "stop", _usage(obj))

    async def chat_template(self) -> str | None:
        """The model's prompt template (Go template text) from POST /api/show; None when it has none."""
        if not self.profile.model:
            return None
        data = await self.post_json(join(self.root, "api/show"), {"model": self.profile.model})
        value = data.get("template") if isinstance(data, dict) else None
        return value if isinstance(value, str) and value else None

    async def list_models(self) -> list[str]:
        return model_ids(await self.get_json(join(self.root, "api/tags")))

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            data = await self.get_json(join(self.root, "api/version"))
            version = data.get("version") if isinstance(data, dict) else None
            server = f"Ollama {version}" if version else "Ollama"
            models = await self.list_models()
            return ok(f"connected to {server}; models: {listing(models)}", server, models)

        return await self.timed_check(probe)


def _named(message: dict[str, Any]) -> str:
    content = str(message.get("content", ""))
    name = message.get("name")
    return f"{name}: {content}" if name and not content.startswith(f"{name}:") else content
