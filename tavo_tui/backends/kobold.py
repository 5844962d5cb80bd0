"""The Kobold API: KoboldCpp native (kind "koboldcpp", api native) and KoboldAI Classic/United ("koboldai").

KoboldCpp streams with `POST /api/extra/generate/stream` (SSE `event: message`, `data: {"token",
"finish_reason"}`, no `[DONE]`) and keeps generating after the client disconnects, so a cancelled or
stop-string-ended stream is followed by `POST /api/extra/abort` with the request's `genkey`.
KoboldAI United has no streaming and rejects unknown keys, so it gets only the classic parameter set.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from collections.abc import AsyncGenerator
from typing import Any, ClassVar

import httpx

from tavo_tui.backends.base import BackendError, ConnectionCheck, Finish, Reply, StreamEvent, TextDelta
from tavo_tui.backends.errors import error_from_object
from tavo_tui.backends.native import NativeBackend, json_request, listing, ok
from tavo_tui.backends.oai_events import normalise_finish
from tavo_tui.backends.transport import json_objects
from tavo_tui.backends.urls import join
from tavo_tui.model import AssembledPrompt, PreparedRequest

_ABORT_TIMEOUT = httpx.Timeout(2.0)



def _results_text(obj: Any) -> tuple[str, str | None]:
    results = obj.get("results") if isinstance(obj, dict) else None
    if not isinstance(results, list) or not results or not isinstance(results[0], dict):
        raise BackendError("unknown", "the Kobold server answered without `results` — is this a Kobold API?")
    first = results[0]
    return str(first.get("text", "")), normalise_finish(first.get("finish_reason"))


class KoboldAIBackend(NativeBackend):
    """KoboldAI Classic / United: `POST {root}/api/v1/generate`, text only, no streaming."""

    kind = "koboldai"
    default_base_url = "http://127.0.0.1:5000"
    server_name = "KoboldAI"
    root_suffixes = ("/api/latest", "/api/v1", "/api", "/v1")
    streams: ClassVar[bool] = False

    def body(self, prompt: AssembledPrompt) -> dict[str, Any]:
        body: dict[str, Any] = {
            "prompt": prompt.text,
            "max_context_length": prompt.max_context or self.profile.max_context,
            "max_length": self.max_new_tokens(prompt),
        }
        body.update(self.samplers(self.profile.sampler))
        stops = self.stops_for(prompt)
        if stops:
            body["stop_sequence"] = stops
        return body

    def body_stops(self, body: dict[str, Any]) -> Any:
        return body.get("stop_sequence")

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        self.need_mode(prompt, "text", hint="the Kobold API completes text only")
        return PreparedRequest(url=join(self.root, "api/v1/generate"), body=self.body(prompt), stream=False)

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        reply = await self._raw_complete(request)  # no streaming API: one piece, then the end
        if reply.text:
            yield TextDelta(reply.text)
        yield Finish(reply.finish_reason, reply.usage)

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        url = join(self.root, "api/v1/generate")
        text, finish = _results_text(await self.post_json(url, request.body, self.headers(request)))
        return Reply(text, "", finish or "stop")

    async def list_models(self) -> list[str]:
        data = await self.get_json(join(self.root, "api/v1/model"))
        name = data.get("result") if isinstance(data, dict) else None
        return [name] if isinstance(name, str) and name and name != "ReadOnly" else []

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            data = await self.get_json(join(self.root, "api/v1/info/version"))
            version = data.get("result") if isinstance(data, dict) else None
            server = f"KoboldAI (API {version})" if version else "KoboldAI"
            models = await self.list_models()
            return ok(f"connected to {server}; model: {listing(models)}", server, models)

        return await self.timed_check(probe)


class KoboldCppBackend(KoboldAIBackend):
    """KoboldCpp's native Kobold API with SSE streaming, abort, token counting and version detection."""

    kind = "koboldcpp"
    default_base_url = "http://127.0.0.1:5001"
    server_name = "KoboldCpp"
    streams = True

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        # Client-chosen id so abort stops this generation only (KoboldCpp can serve several users).
        self.genkey = f"tavo-{secrets.token_hex(6)}"

    def body(self, prompt: AssembledPrompt) -> dict[str, Any]:
        body = super().body(prompt)
        body["trim_stop"] = True  # otherwise the stop string itself is part of the output
        body["genkey"] = self.genkey
        return body

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        self.need_mode(prompt, "text", hint="for chat use --api openai, which talks to /v1/chat/completions")
        streaming = self.profile.stream if stream is None else stream
        path = "api/extra/generate/stream" if streaming else "api/v1/generate"
        return json_request(join(self.root, path), self.body(prompt), streaming=streaming)

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        transport = self._transport
        url = join(self.root, "api/extra/generate/stream")
        finish: str | None = None
        started = ended = False
        try:
            async with transport.open_stream(
                "POST", url, headers=self.headers(request), content=request.body_bytes()
            ) as response:
                started = True
                async for _event, obj in json_objects(transport.iter_sse(response)):
                    if obj.get("error") or obj.get("detail"):
                        raise error_from_object(obj, url=url, secrets=transport.secrets)
                    token = obj.get("token")
                    if isinstance(token, str) and token:
                        yield TextDelta(token)
                    if obj.get("finish_reason"):
                        finish = normalise_finish(obj["finish_reason"])
                        break
            ended = True
        finally:
            if started and not ended:
                await self.abort(str(request.body.get("genkey", self.genkey)))
        yield Finish(finish)

    async def abort(self, genkey: str | None = None) -> bool:
        """Tell KoboldCpp to stop generating (it does not notice a closed connection). Never raises."""
        with contextlib.suppress(Exception):
            response = await self._transport.client.post(
                join(self.root, "api/extra/abort"),
                headers=self.headers(),
                content=json.dumps({"genkey": genkey or self.genkey}).encode(),
                timeout=_ABORT_TIMEOUT,
            )
            return response.is_success
        return False

    async def chat_template(self) -> str | None:
        """The model's chat template from KoboldCpp's llama.cpp-style /props (newer builds); None without one."""
        try:
            data = await self.get_json(join(self.root, "props"))
        except BackendError as err:
            if err.status in (404, 405):
                return None
            raise
        value = data.get("chat_template") if isinstance(data, dict) else None
        return value if isinstance(value, str) and value else None

    async def version(self) -> str | None:
        """KoboldCpp's version from /api/extra/version, or None when the server is not KoboldCpp."""
        try:
            data = await self.get_json(join(self.root, "api/extra/version"))
        except BackendError as err:
            if err.status in (404, 405):
                return None
            raise
        if isinstance(data, dict) and data.get("result") == "KoboldCpp":
            return str(data.get("version", "")) or "unknown"
        return None

    async def check(self) -> ConnectionCheck:
        async def probe() -> ConnectionCheck:
            version = await self.version()
            if version is None:
                raise BackendError(
                    "bad_request",
                    f"{self.root} is not KoboldCpp (no /api/extra/version) — use kind koboldai for KoboldAI",
                )
            server = f"KoboldCpp {version}"
            models = await self.list_models()
            ctx = await self.get_json(join(self.root, "api/extra/true_max_context_length"))
            extra = f", context {ctx['value']}" if isinstance(ctx, dict) and isinstance(ctx.get("value"), int) else ""
            return ok(f"connected to {server}; model: {listing(models)}{extra}", server, models)

        return await self.timed_check(probe)

    async def count_tokens(self, text: str) -> int | None:
        data = await self.post_json(join(self.root, "api/extra/tokencount"), {"prompt": text})
        value = data.get("value") if isinstance(data, dict) else None
        return value if isinstance(value, int) else None
