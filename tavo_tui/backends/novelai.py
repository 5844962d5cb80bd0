"""Kind "novelai": NovelAI's text generation (`POST /ai/generate` and `/ai/generate-stream`).

Body: `{input, model, parameters}` with NovelAI's own sampler names (`tail_free_sampling`,
`repetition_penalty_frequency`, ...). Stream: SSE `event: newToken`, `data: {"token", "ptr", "final"}`, no
`[DONE]`. NovelAI takes stop sequences only as token ids of its own tokenizers, which are not shipped here,
so stop strings are applied client-side. The account check is `GET https://api.novelai.net/user/subscription`.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Any
from urllib.parse import urlsplit

from tavo_tui.backends.base import BackendError, ConnectionCheck, Finish, Reply, StreamEvent, TextDelta
from tavo_tui.backends.errors import error_from_object
from tavo_tui.backends.native import NativeBackend, json_request, ok
from tavo_tui.backends.transport import json_objects
from tavo_tui.backends.urls import join
from tavo_tui.model import AssembledPrompt, PreparedRequest

DEFAULT_MODEL = "llama-3-erato-v1"
MODELS = ("llama-3-erato-v1", "kayra-v1", "clio-v1")
SUBSCRIPTION_URL = "https://api.novelai.net/user/subscription"


class NovelAIBackend(NativeBackend):
    kind = "novelai"
    default_base_url = "https://text.novelai.net"
    server_name = "NovelAI"
    root_suffixes = ("/ai",)

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._stops: dict[bytes, list[str]] = {}

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        self.need_mode(prompt, "text", hint="NovelAI's generate API continues a text")
        streaming = self.profile.stream if stream is None else stream
        parameters: dict[str, Any] = {"use_string": True, "max_length": self.max_new_tokens(prompt), "min_length": 1}
        parameters.update(self.samplers(self.profile.sampler))
        parameters.update(return_full_text=False, generate_until_sentence=True, use_cache=False)
        body = {"input": prompt.text, "model": self.profile.model or DEFAULT_MODEL, "parameters": parameters}
        request_stops = self.stops_for(prompt)
        path = "ai/generate-stream" if streaming else "ai/generate"
        request = json_request(join(self.root, path), body, streaming=streaming)
        self._stops[request.body_bytes()] = request_stops
        while len(self._stops) > 16:
            self._stops.pop(next(iter(self._stops)))
        return request

    def client_stops(self, request: PreparedRequest) -> list[str]:
        # The body cannot carry stop strings, so prepare() remembers them by the exact body it built.
        return self._stops.get(request.body_bytes(), list(self.profile.sampler.stop))

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        transport = self._transport
        finish: str | None = None
        async with transport.open_stream(
            "POST", request.url, headers=self.headers(request), content=request.body_bytes()
        ) as response:
            async for _event, obj in json_objects(transport.iter_sse(response)):
                if obj.get("error") or obj.get("statusCode"):
                    raise error_from_object(obj, url=request.url, secrets=transport.secrets)
                if isinstance(obj.get("token"), str) and obj["token"]:
                    yield TextDelta(obj["token"])
                if obj.get("final") is True:
                    finish = "stop"
                    break
        yield Finish(finish)

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        obj = await self.send(request)
        if not isinstance(obj, dict) or not isinstance(obj.get("output"), str):
            raise BackendError("unknown", "NovelAI answered without an `output` text")
        return Reply(obj["output"], "", "stop")

    async def list_models(self) -> list[str]:
        return list(MODELS)  # no model list endpoint

    def subscription_url(self) -> str:
        host = urlsplit(self.root).hostname or ""
        return SUBSCRIPTION_URL if host.endswith("novelai.net") else join(self.root, "user/subscription")

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            data = await self.get_json(self.subscription_url())
            tier = data.get("tier") if isinstance(data, dict) else None
            active = data.get("active") if isinstance(data, dict) else None
            state = "active" if active else "inactive"
            return ok(f"connected to NovelAI; subscription tier {tier} ({state})", "NovelAI", MODELS)

        return await self.timed_check(probe)
