"""Shared scaffolding for the adapters that do not speak OpenAI's wire format.

Each native adapter (llama.cpp, Kobold, Ollama, Claude, Gemini, Cohere, Horde, NovelAI) subclasses
`NativeBackend` and writes only `prepare`, `_raw_stream` and `_raw_complete` (plus its model list, check and
tokenizer). Stop strings, `<think>` splitting, the HTTP client and error normalisation come from here.
"""

from __future__ import annotations

import json
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any, ClassVar

import httpx

from tavo_tui.backends.base import BackendError, ConnectionCheck, Reply, StreamEvent
from tavo_tui.backends.openai_compat import merged_stops
from tavo_tui.backends.registry import server_label, stream_timeouts
from tavo_tui.backends.sampler_table import wire_body
from tavo_tui.backends.shaping import shape_reply, shaped
from tavo_tui.backends.transport import RetryPolicy, Transport, parse_json
from tavo_tui.backends.urls import URLError, clean_url
from tavo_tui.model import AssembledPrompt, ConnectionProfile, PreparedRequest, SamplerSettings

JSON = {"Content-Type": "application/json"}


def server_root(raw: str, *suffixes: str) -> str:
    """clean_url, then drop one trailing API segment such as /v1 or /api (people paste those)."""
    url = clean_url(raw)
    lowered = url.lower()
    for suffix in suffixes:
        if lowered.endswith(suffix):
            return url[: -len(suffix)].rstrip("/")
    return url


def json_request(url: str, body: dict[str, Any], *, streaming: bool) -> PreparedRequest:
    """A JSON POST that asks for server-sent events when it streams (the shape every native adapter sends)."""
    headers = {"Content-Type": "application/json", **({"Accept": "text/event-stream"} if streaming else {})}
    return PreparedRequest(url=url, body=body, headers=headers, stream=streaming)


class NativeBackend(ABC):
    """Base for one protocol family. Subclasses declare names and write the three wire methods."""

    kind: ClassVar[str] = ""
    default_base_url: ClassVar[str] = ""
    server_name: ClassVar[str] = ""
    # SamplerSettings field -> wire name: the row of `kind` (native API) in sampler_table.WIRE.
    root_suffixes: ClassVar[tuple[str, ...]] = ("/v1",)
    # Values not sent because they change nothing and strict APIs reject some combinations of them.
    neutral_dropped: ClassVar[dict[str, float]] = {}
    think_tags: ClassVar[bool] = True

    def __init__(
        self,
        profile: ConnectionProfile,
        api_key: str | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.profile = profile
        self._api_key = api_key.strip() if api_key and api_key.strip() else None
        self._transport = Transport(client, secrets=(api_key,) if api_key else (), retry=retry,
                                    server=server_label(profile.kind), stream_timeouts=stream_timeouts(profile))
        self._root = ""
        self._root_error: str | None = None
        try:
            self._root = self.normalise_root(profile.base_url or self.default_base_url)
        except URLError as exc:
            self._root_error = str(exc)

    # -- configuration ------------------------------------------------------------------------------

    @classmethod
    def normalise_root(cls, raw: str) -> str:
        return server_root(raw, *cls.root_suffixes)

    @property
    def root(self) -> str:
        if self._root_error is not None:
            raise BackendError("bad_request", self._root_error)
        return self._root

    @property
    def retry(self) -> RetryPolicy:
        return self._transport.retry

    @retry.setter
    def retry(self, policy: RetryPolicy) -> None:
        self._transport.retry = policy

    def checked_key(self) -> str | None:
        key = self._api_key
        if key and (not key.isascii() or not key.isprintable() or " " in key):
            raise BackendError(
                "auth", "the API key contains spaces or non-ASCII characters, so it cannot be sent — re-enter it"
            )
        return key

    def auth_headers(self) -> dict[str, str]:
        key = self.checked_key()
        return {"Authorization": f"Bearer {key}"} if key else {}

    def samplers(self, sampler: SamplerSettings) -> dict[str, Any]:
        """Sampler values this API accepts (its sampler_table row), under its names, in SamplerSettings order."""
        return wire_body(sampler, self.kind, "native", self.neutral_dropped)

    def stops_for(self, prompt: AssembledPrompt) -> list[str]:
        return merged_stops(prompt.stop, self.profile.sampler.stop)

    def client_stops(self, request: PreparedRequest) -> list[str]:
        """Stop strings to apply client-side: the profile's plus those the body carries."""
        return merged_stops(_strings(self.body_stops(request.body)), self.profile.sampler.stop)

    def body_stops(self, body: dict[str, Any]) -> Any:
        return body.get("stop")

    def starts_inside_think(self, request: PreparedRequest) -> bool:
        text = request.body.get("prompt")
        return isinstance(text, str) and text.rstrip().endswith("<think>")

    def max_new_tokens(self, prompt: AssembledPrompt) -> int:
        return prompt.max_tokens or self.profile.max_tokens

    def need_mode(self, prompt: AssembledPrompt, *modes: str, hint: str = "") -> None:
        if prompt.mode not in modes:
            wanted = " or ".join(modes)
            raise BackendError(
                "bad_request",
                f"kind {self.kind!r} works in {wanted} mode here — set the connection's mode to {wanted}"
                + (f" ({hint})" if hint else ""),
            )

    # -- Backend protocol ---------------------------------------------------------------------------

    @abstractmethod
    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        """Shape the prompt into this protocol's exact request."""

    def stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        return shaped(
            self._raw_stream(request),
            self.client_stops(request),
            think=self.think_tags,
            inside=self.starts_inside_think(request),
        )

    async def complete(self, request: PreparedRequest) -> Reply:
        reply = await self._raw_complete(request)
        return shape_reply(
            reply, self.client_stops(request), think=self.think_tags, inside=self.starts_inside_think(request)
        )

    async def list_models(self) -> list[str]:
        return []

    @abstractmethod
    async def check(self) -> ConnectionCheck:
        """The protocol's cheapest real call."""

    async def count_tokens(self, text: str) -> int | None:
        return None

    async def aclose(self) -> None:
        await self._transport.aclose()

    # -- wire helpers for subclasses ----------------------------------------------------------------

    @abstractmethod
    def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        """The protocol's events before stop strings and <think> splitting are applied."""

    @abstractmethod
    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        """The protocol's whole, non-streamed reply."""

    def headers(self, request: PreparedRequest | None = None) -> dict[str, str]:
        return {**JSON, **(request.headers if request else {}), **self.auth_headers()}

    async def post_json(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> Any:
        response = await self._transport.request(
            "POST", url, headers=headers or self.headers(), content=_dump(body)
        )
        return parse_json(response.content, url)

    async def get_json(self, url: str, headers: dict[str, str] | None = None) -> Any:
        return await self._transport.get_json(url, headers=headers if headers is not None else self.auth_headers())

    async def send(self, request: PreparedRequest) -> Any:
        """The request, not streamed, as parsed JSON."""
        response = await self._transport.request(
            request.method, request.url, headers=self.headers(request), content=request.body_bytes()
        )
        return parse_json(response.content, request.url)

    async def timed_check(self, probe: Callable[[], Awaitable[ConnectionCheck]]) -> ConnectionCheck:
        """Run `probe`, measuring latency; a BackendError becomes a failed check with its message."""
        start = time.perf_counter()
        try:
            result = await probe()
        except BackendError as err:
            return ConnectionCheck(False, _ms(start), err.message, error_kind=err.kind)
        return ConnectionCheck(
            result.ok, _ms(start), result.detail, server=result.server, models=result.models,
            error_kind=result.error_kind,
        )  # fmt: skip


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _dump(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def ok(detail: str, server: str, models: list[str] | tuple[str, ...] = ()) -> ConnectionCheck:
    """A successful check (latency is filled in by `timed_check`)."""
    return ConnectionCheck(True, 0.0, detail, server=server, models=tuple(models))


def listing(models: list[str] | tuple[str, ...]) -> str:
    shown = ", ".join(models[:3]) + (f" (+{len(models) - 3} more)" if len(models) > 3 else "")
    return shown or "none listed"
