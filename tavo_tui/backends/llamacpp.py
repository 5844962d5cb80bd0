"""Kind "llamacpp" with api "native": llama.cpp's own `/completion` (text), `/tokenize`, `/props`, `/health`.

Stream: SSE `data: {"content": "...", "stop": false}` per token, then a last event with `stop: true`,
`stop_type` (eos | word | limit) and timings; no `[DONE]` (one is tolerated). Errors inside the stream come
as `data: {"error": {...}}` (new builds) or in a non-standard `error:` field (old builds).
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator
from typing import Any

from tavo_tui.backends.base import BackendError, ConnectionCheck, Finish, Reply, StreamEvent, TextDelta
from tavo_tui.backends.errors import error_from_object
from tavo_tui.backends.native import NativeBackend, listing, ok
from tavo_tui.backends.oai_events import model_ids
from tavo_tui.backends.urls import join
from tavo_tui.model import AssembledPrompt, PreparedRequest

STOP_TYPES = {"eos": "stop", "word": "stop", "limit": "length"}


def _finish(obj: dict[str, Any]) -> str | None:
    kind = obj.get("stop_type")
    if isinstance(kind, str) and kind in STOP_TYPES:
        return STOP_TYPES[kind]
    if obj.get("stopped_limit"):
        return "length"
    if obj.get("stopped_eos") or obj.get("stopped_word"):
        return "stop"
    return "stop" if obj.get("stop") is True else None


def _usage(obj: dict[str, Any]) -> dict[str, Any]:
    usage: dict[str, Any] = {}
    if isinstance(obj.get("tokens_evaluated"), int):
        usage["prompt_tokens"] = obj["tokens_evaluated"]
    timings = obj.get("timings")
    if isinstance(timings, dict) and isinstance(timings.get("predicted_n"), int):
        usage["completion_tokens"] = timings["predicted_n"]
    elif isinstance(obj.get("tokens_predicted"), int):
        usage["completion_tokens"] = obj["tokens_predicted"]
    return usage


class LlamaCppBackend(NativeBackend):
    kind = "llamacpp"
    default_base_url = "http://127.0.0.1:8080"
    server_name = "llama.cpp server"

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        self.need_mode(prompt, "text", hint="for chat use --api openai, which talks to /v1/chat/completions")
        streaming = self.profile.stream if stream is None else stream
        body: dict[str, Any] = {"prompt": prompt.text, "n_predict": self.max_new_tokens(prompt)}
        body.update(self.samplers(self.profile.sampler))
        stops = self.stops_for(prompt)
        if stops:
            body["stop"] = stops
        body["stream"] = streaming
        body["cache_prompt"] = True  # reuse the KV cache for the unchanged start of the chat
        headers = {"Content-Type": "application/json"}
        if streaming:
            headers["Accept"] = "text/event-stream"
        return PreparedRequest(url=join(self.root, "completion"), body=body, headers=headers, stream=streaming)

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        transport = self._transport
        finish: str | None = None
        usage: dict[str, Any] = {}
        async with transport.open_stream(
            "POST", request.url, headers=self.headers(request), content=request.body_bytes()
        ) as response:
            async for event in transport.iter_sse(response):
                data = event.data.strip()
                if data == "[DONE]":
                    break
                try:
                    obj = json.loads(data)
                except json.JSONDecodeError:
                    if event.event == "error":
                        raise error_from_object(data, url=request.url, secrets=transport.secrets) from None
                    continue
                if event.event == "error" or (isinstance(obj, dict) and obj.get("error")):
                    raise error_from_object(obj, url=request.url, secrets=transport.secrets)
                if not isinstance(obj, dict):
                    continue
                if isinstance(obj.get("content"), str) and obj["content"]:
                    yield TextDelta(obj["content"])
                if obj.get("stop") is True:
                    finish, usage = _finish(obj), _usage(obj)
                    break
        yield Finish(finish, usage)

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        obj = await self.send(request)
        if not isinstance(obj, dict) or not isinstance(obj.get("content"), str):
            raise BackendError("unknown", "llama.cpp answered /completion without a `content` field")
        return Reply(obj["content"], "", _finish(obj) or "stop", _usage(obj))

    async def list_models(self) -> list[str]:
        return model_ids(await self.get_json(join(self.root, "v1/models")))

    async def props(self) -> dict[str, Any]:
        """The server's /props (n_ctx, model path, build); {} when this build has none."""
        try:
            data = await self.get_json(join(self.root, "props"))
        except BackendError as err:
            if err.status in (404, 405):
                return {}
            raise
        return data if isinstance(data, dict) else {}

    async def chat_template(self) -> str | None:
        """The model's chat template (Jinja) from /props, as SillyTavern reads it to derive templates."""
        value = (await self.props()).get("chat_template")
        return value if isinstance(value, str) and value else None

    async def context_size(self) -> int | None:
        settings = (await self.props()).get("default_generation_settings")
        n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
        return n_ctx if isinstance(n_ctx, int) else None

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            # /health is public and answers 503 while the model loads (normalised to "overloaded").
            await self._transport.request("GET", join(self.root, "health"))
            props = await self.props()
            build = props.get("build_info")
            server = f"llama.cpp server ({build})" if isinstance(build, str) and build else "llama.cpp server"
            settings = props.get("default_generation_settings")
            n_ctx = settings.get("n_ctx") if isinstance(settings, dict) else None
            models = await self.list_models()
            extra = f", context {n_ctx}" if isinstance(n_ctx, int) else ""
            return ok(f"connected to {server}; models: {listing(models)}{extra}", server, models)

        return await self.timed_check(probe)

    async def prompt_tokens(self, request: PreparedRequest) -> int | None:
        """Tokens /completion evaluates for `request`: its prompt with the special tokens (BOS) the server
        adds, which a bare /tokenize leaves out."""
        text = request.body.get("prompt")
        if not isinstance(text, str):
            return None
        data = await self.post_json(join(self.root, "tokenize"), {"content": text, "add_special": True})
        tokens = data.get("tokens") if isinstance(data, dict) else None
        return len(tokens) if isinstance(tokens, list) else None

    async def count_tokens(self, text: str) -> int | None:
        data = await self.post_json(join(self.root, "tokenize"), {"content": text})
        tokens = data.get("tokens") if isinstance(data, dict) else None
        return len(tokens) if isinstance(tokens, list) else None
