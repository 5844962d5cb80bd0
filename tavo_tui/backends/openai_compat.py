"""Kind "openai-compatible": chat (`/chat/completions`) and text (`/completions`) over OpenAI's wire format.

This is the shared core of protocol families A and B: later kinds (OpenAI, OpenRouter, DeepSeek, LM Studio,
vLLM, TabbyAPI, ...) subclass it and override the class attributes or the small hooks (`sampler_body`,
`extra_body`, `auth_headers`) instead of re-implementing streaming.

Stream endings, decided once for every consumer:
- `[DONE]` or a clean end of body -> `Finish(reason)`; `reason` is None when the server never sent a
  finish_reason (an interrupted reply: keep the text, mark it incomplete).
- the connection drops mid-body -> BackendError(kind="network"); deltas already yielded stay valid.
- HTTP 200 with nothing at all in the body (llama-cpp-python's answer to a prompt longer than its context)
  -> BackendError(kind="server") whose message names that likely cause.
- an error object inside the stream -> BackendError normalised like an HTTP error.
Consumers should iterate inside `contextlib.aclosing(backend.stream(req))` (or cancel the task): either
closes the HTTP response at once, which is how OpenAI-style servers learn to stop generating.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from tavo_tui.backends.base import (
    BackendError,
    ConnectionCheck,
    Finish,
    ReasoningDelta,
    Reply,
    StreamEvent,
    TextDelta,
)
from tavo_tui.backends.errors import display_url
from tavo_tui.backends.oai_events import (
    DEFAULT_REASONING_FIELDS,
    StreamState,
    interpret_event,
    model_ids,
    parse_reply,
)
from tavo_tui.backends.registry import server_label, stream_timeouts
from tavo_tui.backends.sampler_table import wire_body
from tavo_tui.backends.shaping import shape_reply, shaped
from tavo_tui.backends.sse import SSEParser
from tavo_tui.backends.transport import RetryPolicy, Transport, parse_json
from tavo_tui.backends.urls import OAIBase, URLError, join, oai_base, root_url, with_v1
from tavo_tui.model import AssembledPrompt, ConnectionProfile, PreparedRequest, SamplerSettings

_UNSUPPORTED = (400, 404, 405, 422, 501)

EMPTY_STREAM_MESSAGE = (
    "the server ended the reply without sending anything — llama-cpp-python does this when the prompt "
    "is longer than its context (n_ctx); lower the context size in the connection settings or start the "
    "server with a larger context"
)


@dataclass(frozen=True)
class TokenEndpoint:
    """A server's token-count endpoint: POST {root or base}/path with {input_key: text} (+ model)."""

    name: str
    path: str
    input_key: str
    relative_to: str = "root"  # "root" (server root) or "base" (the /v1 base)
    with_model: bool = False


LLAMACPP_TOKENIZE = TokenEndpoint("llama.cpp", "tokenize", "content")
LLAMA_CPP_PYTHON_COUNT = TokenEndpoint("llama-cpp-python", "extras/tokenize/count", "input")


def merged_stops(*lists: list[str]) -> list[str]:
    """Stop strings in first-seen order, without duplicates or empty strings."""
    out: list[str] = []
    for stops in lists:
        for stop in stops:
            if stop and stop not in out:
                out.append(stop)
    return out


class OpenAICompatBackend:
    """Any server that speaks OpenAI chat/text completions: llama.cpp, llama-cpp-python, vLLM, LM Studio..."""

    kind: ClassVar[str] = "openai-compatible"
    default_base_url: ClassVar[str] = "http://127.0.0.1:8080/v1"
    # Which sampler keys this server accepts, and their wire names: the row of `kind` in sampler_table.WIRE.
    # A subclass for a server not in that table may instead list the keys here (and renames).
    sampler_fields: ClassVar[tuple[str, ...] | None] = None
    sampler_renames: ClassVar[dict[str, str]] = {}
    reasoning_fields: ClassVar[tuple[str, ...]] = DEFAULT_REASONING_FIELDS
    chat_path: ClassVar[str] = "chat/completions"
    text_path: ClassVar[str] = "completions"
    models_path: ClassVar[str] = "models"
    max_stops: ClassVar[int | None] = None  # OpenAI itself accepts at most 4
    tokenizers: ClassVar[tuple[TokenEndpoint, ...]] = (LLAMACPP_TOKENIZE, LLAMA_CPP_PYTHON_COUNT)
    static_models: ClassVar[tuple[str, ...]] = ()  # offered when the API has no model list
    has_model_list: ClassVar[bool] = True
    chat_only: ClassVar[bool] = False  # hosted chat APIs without a text-completion endpoint
    extra_headers: ClassVar[dict[str, str]] = {}
    server_name: ClassVar[str] = ""  # what the connection test calls it when the answer does not say
    # Values not sent because they change nothing and some servers reject certain combinations of them.
    neutral_dropped: ClassVar[dict[str, float]] = {}

    def __init__(
        self,
        profile: ConnectionProfile,
        api_key: str | None = None,
        *,
        client: httpx.AsyncClient | None = None,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.profile = profile
        # Pasted keys often carry a trailing newline or spaces; they are never part of a real key.
        self._api_key = api_key.strip() if api_key and api_key.strip() else None
        self._transport = Transport(client, secrets=(api_key,) if api_key else (), retry=retry,
                                    server=server_label(profile.kind), stream_timeouts=stream_timeouts(profile))
        self._base_error: str | None = None
        self._base = ""
        self._base_known = True
        try:
            found = self.normalise_base(profile.base_url or self.default_base_url)
            self._base, self._base_known = found.url, found.certain
        except URLError as exc:
            self._base_error = str(exc)
        self._tokenizer: str | None = None  # "llama.cpp", "llama-cpp-python" or "none" once known

    # -- configuration hooks for subclasses -------------------------------------------------------

    @classmethod
    def normalise_base(cls, raw: str) -> OAIBase:
        """The API base from what the user typed (hosted kinds with an unusual layout override this)."""
        return oai_base(raw)

    def models_url(self, base: str) -> str:
        return join(base, self.models_path)

    def max_tokens_field(self) -> str:
        return "max_tokens"

    def shape_messages(self, messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Per-provider message rules (alternation, no `name`, ...); the generic server takes them as is."""
        return [dict(m) for m in messages]

    def client_stops(self, request: PreparedRequest) -> list[str]:
        """Stop strings applied client-side: those in the body plus the profile's (which a cap may cut)."""
        sent = request.body.get("stop")
        listed = [sent] if isinstance(sent, str) else [s for s in sent or [] if isinstance(s, str)]
        return merged_stops(listed, self.profile.sampler.stop)

    @property
    def retry(self) -> RetryPolicy:
        return self._transport.retry

    @retry.setter
    def retry(self, policy: RetryPolicy) -> None:
        self._transport.retry = policy

    @property
    def base_url(self) -> str:
        """The normalised base (e.g. http://127.0.0.1:8080/v1); raises BackendError for an unusable URL."""
        if self._base_error is not None:
            raise BackendError("bad_request", self._base_error)
        return self._base

    def auth_headers(self) -> dict[str, str]:
        if not self._api_key:
            return {}
        if not self._api_key.isascii() or not self._api_key.isprintable() or " " in self._api_key:
            raise BackendError(
                "auth", "the API key contains spaces or non-ASCII characters, so it cannot be sent — re-enter it"
            )
        return {"Authorization": f"Bearer {self._api_key}"}

    def checked_key(self) -> str | None:
        """The key, refused when it cannot travel in a header (so subclasses can use other header names)."""
        if self._api_key and (not self._api_key.isascii() or not self._api_key.isprintable() or " " in self._api_key):
            raise BackendError(
                "auth", "the API key contains spaces or non-ASCII characters, so it cannot be sent — re-enter it"
            )
        return self._api_key

    def sampler_body(self, sampler: SamplerSettings) -> dict[str, Any]:
        """The sampler values this kind accepts (its sampler_table row) in SamplerSettings order, renamed."""
        if self.sampler_fields is not None:
            names = {name: self.sampler_renames.get(name, name) for name in self.sampler_fields}
            return wire_body(sampler, self.kind, "openai", self.neutral_dropped, names=names)
        return wire_body(sampler, self.kind, "openai", self.neutral_dropped)

    def extra_body(self, prompt: AssembledPrompt, stream: bool) -> dict[str, Any]:
        """Kind-specific extra fields appended last (none for the generic server)."""
        return {}

    # -- Backend protocol ---------------------------------------------------------------------------

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        streaming = self.profile.stream if stream is None else stream
        body: dict[str, Any] = {}
        if self.profile.model:
            body["model"] = self.profile.model
        if prompt.mode == "chat":
            path = self.chat_path
            body["messages"] = self.shape_messages(prompt.messages)
        else:
            if self.chat_only:
                raise BackendError(
                    "bad_request",
                    f"kind {self.kind!r} only has a chat API — set the connection's mode to chat",
                )
            path = self.text_path
            body["prompt"] = prompt.text
        body.update(self.sampler_body(self.profile.sampler))
        body[self.max_tokens_field()] = prompt.max_tokens or self.profile.max_tokens
        body["stream"] = streaming
        stops = merged_stops(prompt.stop, self.profile.sampler.stop)[: self.max_stops]
        if stops:
            body["stop"] = stops
        body.update(self.extra_body(prompt, streaming))
        headers = {"Content-Type": "application/json", **self.extra_headers}
        if streaming:
            headers["Accept"] = "text/event-stream"
        return PreparedRequest(url=join(self.base_url, path), body=body, headers=headers, stream=streaming)

    def stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        return shaped(self._raw_stream(request), self.client_stops(request), inside=_opens_think(request))

    async def _raw_stream(self, request: PreparedRequest) -> AsyncGenerator[StreamEvent, None]:
        url = await self._final_url(request.url)
        secrets = self._transport.secrets
        async with self._transport.open_stream(
            request.method, url, headers=self._headers(request), content=request.body_bytes()
        ) as response:
            ctype = response.headers.get("content-type", "").lower()
            if "json" in ctype and "event-stream" not in ctype:
                # The server ignored "stream": true and sent one whole reply.
                body = b"".join([chunk async for chunk in self._transport.iter_bytes(response)])
                reply = parse_reply(
                    parse_json(body, url), reasoning_fields=self.reasoning_fields, url=url, secrets=secrets
                )
                for event in _reply_events(reply):
                    yield event
                return
            state = StreamState()
            sample = bytearray()
            async for sse in self._transport.iter_sse(response, sample):
                for event in interpret_event(
                    sse, state, reasoning_fields=self.reasoning_fields, url=url, secrets=secrets
                ):
                    yield event
                if state.done:
                    break
        if state.chunks == 0 and not state.done:
            raise _no_events(bytes(sample), ctype, url)
        yield Finish(state.finish, state.usage)

    async def complete(self, request: PreparedRequest) -> Reply:
        reply = await self._raw_complete(request)
        return shape_reply(reply, self.client_stops(request), inside=_opens_think(request))

    async def _raw_complete(self, request: PreparedRequest) -> Reply:
        url = await self._final_url(request.url)
        response = await self._transport.request(
            request.method, url, headers=self._headers(request), content=request.body_bytes()
        )
        secrets = self._transport.secrets
        if "event-stream" in response.headers.get("content-type", "").lower():
            return _collect_sse(response.content, self.reasoning_fields, url, secrets)
        if not response.content.strip():
            raise BackendError("server", EMPTY_STREAM_MESSAGE, status=response.status_code)
        return parse_reply(
            parse_json(response.content, url), reasoning_fields=self.reasoning_fields, url=url, secrets=secrets
        )

    async def list_models(self) -> list[str]:
        if not self.has_model_list:
            return list(self.static_models)
        base = await self.resolve_base()
        return model_ids(await self._transport.get_json(self.models_url(base), headers=self._get_headers()))

    async def check(self) -> ConnectionCheck:
        start = time.perf_counter()

        def elapsed() -> float:
            return round((time.perf_counter() - start) * 1000, 1)

        if not self.has_model_list:
            return await self._check_by_generation(start)
        try:
            base = await self.resolve_base()
            response = await self._transport.request("GET", self.models_url(base), headers=self._get_headers())
            ids = model_ids(parse_json(response.content, str(response.url)))
            server = _server_identity(response, parse_json(response.content, str(response.url)), self.server_name)
            shown = ", ".join(ids[:3]) + (f" (+{len(ids) - 3} more)" if len(ids) > 3 else "")
            detail = f"connected to {server}; models: {shown or 'none listed'}"
            return ConnectionCheck(True, elapsed(), detail, server=server, models=tuple(ids))
        except BackendError as err:
            if err.status in (404, 405) or err.kind == "unknown":
                health = await self._health()
                if health is not None:
                    return ConnectionCheck(True, elapsed(), f"server answers /health ({health}) but lists no models")
            return ConnectionCheck(False, elapsed(), err.message, error_kind=err.kind)

    async def _check_by_generation(self, start: float) -> ConnectionCheck:
        """For APIs without a model list: the smallest real chat request (one token)."""
        prompt = AssembledPrompt(mode="chat", messages=[{"role": "user", "content": "Hi"}], max_tokens=1)
        try:
            await self._raw_complete(self.prepare(prompt, stream=False))
        except BackendError as err:
            elapsed = round((time.perf_counter() - start) * 1000, 1)
            return ConnectionCheck(False, elapsed, err.message, error_kind=err.kind)
        elapsed = round((time.perf_counter() - start) * 1000, 1)
        server = self.server_name or display_url(self.base_url)
        return ConnectionCheck(True, elapsed, f"connected to {server}; a 1-token reply worked", server=server,
                               models=self.static_models)

    async def count_tokens(self, text: str) -> int | None:
        if self._tokenizer == "none":
            return None
        for endpoint in self.tokenizers:
            if self._tokenizer not in (None, endpoint.name):
                continue
            where = root_url(self.base_url) if endpoint.relative_to == "root" else self.base_url
            payload: dict[str, Any] = {endpoint.input_key: text}
            if endpoint.with_model and self.profile.model:
                payload["model"] = self.profile.model
            count = await self._try_count(join(where, endpoint.path), payload)
            if count is not None:
                self._tokenizer = endpoint.name
                return count
        self._tokenizer = "none"
        return None

    async def aclose(self) -> None:
        await self._transport.aclose()

    # -- helpers ------------------------------------------------------------------------------------

    async def resolve_base(self) -> str:
        """Confirm an unsure base with GET {base}/models, retrying with /v1 appended on 404; remembered."""
        base = self.base_url
        if self._base_known:
            return base
        try:
            await self._transport.request("GET", self.models_url(base), headers=self._get_headers())
        except BackendError as err:
            if err.status != 404:
                raise
            candidate = with_v1(base)
            try:
                await self._transport.request("GET", self.models_url(candidate), headers=self._get_headers())
            except BackendError as again:
                if again.status != 404:
                    raise
                self._base_known = True  # neither answers /models; keep what the user typed
                return base
            self._base = candidate
        self._base_known = True
        return self._base

    async def _final_url(self, url: str) -> str:
        old = self.base_url
        new = await self.resolve_base()
        if new != old and url.startswith(old):
            return new + url[len(old) :]
        return url

    def _get_headers(self) -> dict[str, str]:
        return {**self.extra_headers, **self.auth_headers()}

    def _headers(self, request: PreparedRequest) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **self.extra_headers, **request.headers}
        headers.update(self.auth_headers())
        return headers

    async def _health(self) -> str | None:
        try:
            response = await self._transport.request("GET", join(root_url(self.base_url), "health"))
        except BackendError:
            return None
        return response.text.strip()[:60] or "ok"

    async def prompt_tokens(self, request: PreparedRequest) -> int | None:
        """Tokens a llama.cpp server evaluates for `request`: the messages through its own chat template
        (POST /apply-template) and the text tokenized with the special tokens it adds (BOS), as its
        completion handlers do. None for other servers, or a llama.cpp build without these endpoints."""
        if LLAMACPP_TOKENIZE not in self.tokenizers or self._tokenizer not in (None, LLAMACPP_TOKENIZE.name):
            return None
        root = root_url(self.base_url)
        body = request.body
        if isinstance(body.get("messages"), list):
            if getattr(self, "_no_template", False):
                return None
            templated = await self._try_json(join(root, "apply-template"), {"messages": body["messages"]})
            text = templated.get("prompt") if isinstance(templated, dict) else None
            self._no_template = text is None  # an older build (or another server): not asked again
        else:
            text = body.get("prompt")
        if not isinstance(text, str):
            return None
        tokens = await self._try_json(join(root, "tokenize"), {"content": text, "add_special": True})
        ids = tokens.get("tokens") if isinstance(tokens, dict) else None
        return len(ids) if isinstance(ids, list) else None

    async def _try_json(self, url: str, payload: dict[str, Any]) -> Any:
        """POST `payload`; the JSON answer, or None when the server has no such endpoint."""
        try:
            response = await self._transport.request(
                "POST",
                url,
                headers={"Content-Type": "application/json", **self.auth_headers()},
                content=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            )
        except BackendError as err:
            if err.status in _UNSUPPORTED:
                return None
            raise
        try:
            return response.json()
        except ValueError:
            return None

    async def _try_count(self, url: str, payload: dict[str, Any]) -> int | None:
        return token_count_of(await self._try_json(url, payload))


def token_count_of(data: Any) -> int | None:
    """A count from any tokenizer answer: {count}, {length}, {value}, {tokens: [...]} or {ids: [...]}."""
    if not isinstance(data, dict):
        return None
    for key in ("count", "length", "value"):
        if isinstance(data.get(key), int) and not isinstance(data.get(key), bool):
            return int(data[key])
    for key in ("tokens", "ids"):
        if isinstance(data.get(key), list):
            return len(data[key])
    return None


def _reply_events(reply: Reply) -> list[StreamEvent]:
    events: list[StreamEvent] = []
    if reply.reasoning:
        events.append(ReasoningDelta(reply.reasoning))
    if reply.text:
        events.append(TextDelta(reply.text))
    events.append(Finish(reply.finish_reason, reply.usage))
    return events


def _collect_sse(body: bytes, fields: tuple[str, ...], url: str, secrets: tuple[str, ...]) -> Reply:
    """A whole reply from a streamed body (for servers that stream even when asked not to)."""
    parser = SSEParser()
    state = StreamState()
    text: list[str] = []
    reasoning: list[str] = []
    for sse in [*parser.feed(body), *parser.close()]:
        for event in interpret_event(sse, state, reasoning_fields=fields, url=url, secrets=secrets):
            if isinstance(event, TextDelta):
                text.append(event.text)
            elif isinstance(event, ReasoningDelta):
                reasoning.append(event.text)
        if state.done:
            break
    if state.chunks == 0 and not state.done:
        raise _no_events(body, "text/event-stream", url)
    return Reply("".join(text), "".join(reasoning), state.finish, state.usage)


def _no_events(sample: bytes, ctype: str, url: str) -> BackendError:
    """A 2xx answer without a single event: empty (llama-cpp-python overflow) or not an event stream at all."""
    if not sample.strip():
        return BackendError("server", EMPTY_STREAM_MESSAGE, status=200)
    snippet = " ".join(sample.decode("utf-8", errors="replace").split())[:80]
    return BackendError(
        "unknown",
        f"the server at {display_url(url)} answered without any reply events (content-type "
        f"{ctype or 'none'}, starting {snippet!r}) — is the base URL an OpenAI-compatible API?",
        status=200,
        raw=snippet,
    )


def _server_identity(response: httpx.Response, data: Any, known: str = "") -> str:
    """A short guess at what is answering, from headers and the model list (for the connection test)."""
    owners = {item.get("owned_by") for item in data.get("data", []) if isinstance(item, dict)} if isinstance(
        data, dict
    ) else set()
    server = response.headers.get("server", "")
    if "llamacpp" in owners:
        return "llama.cpp server"
    if "express" in response.headers.get("x-powered-by", "").lower():
        return "LM Studio"
    if "vllm" in owners:
        return "vLLM"
    if "uvicorn" in server.lower() and owners <= {"me", None}:
        return "llama-cpp-python (or another FastAPI server)"
    if known:
        return known  # the kind says what it is (hosted APIs, or a local server that did not tell)
    host = str(response.url.host)
    return f"{host} ({server})" if server else host


def _opens_think(request: PreparedRequest) -> bool:
    """A text prompt that ends inside `<think>` (a reasoning template): the reply starts as reasoning."""
    prompt = request.body.get("prompt")
    return isinstance(prompt, str) and prompt.rstrip().endswith("<think>")
