"""The HTTP core every network adapter shares: one httpx client, status checks, retries, SSE streaming.

Adapters only shape bodies and interpret parsed events; everything about sockets, error bodies, retry
timing and closing streams on cancellation lives here once.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from tavo_tui.backends.base import BackendError, StreamTimeouts
from tavo_tui.backends.errors import display_url, http_error, network_error
from tavo_tui.backends.sse import SSEEvent, SSEParser

DEFAULT_TIMEOUT = httpx.Timeout(connect=10.0, read=300.0, write=30.0, pool=10.0)


# How long a server's Retry-After is honoured: longer waits are cut to this (and said so in the countdown).
MAX_RETRY_WAIT = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries for "try again later" answers. Only attempts before any reply byte are retried."""

    max_retries: int = 2
    max_wait: float = MAX_RETRY_WAIT
    backoff: float = 1.0  # first wait when the server gives no Retry-After; doubles each time
    statuses: frozenset[int] = field(default_factory=lambda: frozenset({429, 503, 529}))  # 529: Claude overloaded

    def delay(self, attempt: int, retry_after: float | None) -> float:
        wanted = retry_after if retry_after is not None else self.backoff * (2**attempt)
        return max(0.0, min(wanted, self.max_wait))


NO_RETRY = RetryPolicy(max_retries=0)


@dataclass(frozen=True)
class RetryWait:
    """A retry the transport is waiting to make: why, and for how long."""

    seconds: float
    status: int | None
    reason: str


@dataclass
class RetryObserver:
    """Set by whoever consumes a stream (the chat session) to hear about retry waits, and to cut one short.

    It travels in a context variable, so the adapters between the session and the transport need not know."""

    notify: Callable[[RetryWait], None]
    skip: asyncio.Event = field(default_factory=asyncio.Event)
    waiting: bool = False  # a retry wait is under way (what `skip` would cut short)
    # Set once a request's body has been written to the socket: the consumer can hold back costly work of its
    # own (a screen redraw) until the request is on the wire.
    sent: asyncio.Event = field(default_factory=asyncio.Event)


RETRY_OBSERVER: contextvars.ContextVar[RetryObserver | None] = contextvars.ContextVar("retry_observer", default=None)

# Hosts that are always reached directly, whatever HTTP(S)_PROXY / ALL_PROXY say: a local server must not be
# sent through a proxy (which would fail, or carry the prompt and key off the machine). 0.0.0.0 is listed
# because many servers print it as their address, and it reaches this machine.
LOOPBACK_HOSTS = ("localhost", "*.localhost", "127.0.0.1", "[::1]", "0.0.0.0")


def loopback_mounts() -> dict[str, httpx.AsyncBaseTransport | None]:
    """httpx mounts for LOOPBACK_HOSTS: `None` means "no proxy", and host patterns outrank the scheme-wide
    proxy mounts httpx takes from the environment, so remote hosts still use the proxy."""
    return {f"all://{host}": None for host in LOOPBACK_HOSTS}

# A pooled keep-alive connection the server closed just before we reused it fails like this before any
# response byte; the request never reached the model, so one immediate retry on a fresh connection is safe.
# (llama-cpp-python closes the connection after its empty-stream answer to an over-long prompt.)
_STALE = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)

Sleeper = Callable[[float], Any]


class Transport:
    """Owns (or borrows) an httpx.AsyncClient. Raises BackendError for every failure, never httpx errors."""

    def __init__(
        self,
        client: httpx.AsyncClient | None = None,
        *,
        secrets: tuple[str, ...] = (),
        retry: RetryPolicy | None = None,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
        server: str = "",
        stream_timeouts: StreamTimeouts | None = None,
    ) -> None:
        self._client = client
        self.server = server  # named in "no server at …" (see network_error)
        self.stream_timeouts = stream_timeouts
        self._opened: dict[int, float] = {}  # id(streamed response) -> when its request was sent
        self._owns_client = client is None
        self._timeout = timeout
        self.secrets = tuple(s for s in secrets if s)
        self.retry = retry or RetryPolicy()
        self.sleep: Sleeper = asyncio.sleep

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, follow_redirects=True, mounts=loopback_mounts())
        return self._client

    async def aclose(self) -> None:
        if self._client is not None and self._owns_client:
            await self._client.aclose()
            self._client = None

    def _error(self, response: httpx.Response, body: bytes) -> BackendError:
        text = body.decode("utf-8", errors="replace")
        return http_error(
            response.status_code, text, response.headers, url=str(response.request.url), secrets=self.secrets
        )

    async def _pause(self, attempt: int, err: BackendError) -> bool:
        """Sleep before the next attempt; False when this error must not be retried."""
        if err.status not in self.retry.statuses or attempt >= self.retry.max_retries:
            return False
        if err.kind == "quota":
            return False
        delay = self.retry.delay(attempt, err.retry_after)
        observer = RETRY_OBSERVER.get()
        if observer is None:
            await self.sleep(delay)
            return True
        observer.skip.clear()
        observer.waiting = True
        observer.notify(RetryWait(delay, err.status, err.message))
        sleeper = asyncio.ensure_future(self.sleep(delay))
        skipper = asyncio.ensure_future(observer.skip.wait())
        try:
            await asyncio.wait({sleeper, skipper}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            observer.waiting = False
            for task in (sleeper, skipper):
                task.cancel()
        return True

    async def request(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
        timeout: httpx.Timeout | None = None,
    ) -> httpx.Response:
        """A whole request/response. Non-2xx answers become BackendError (after retries where allowed)."""
        attempt = 0
        stale_retry = True
        while True:
            try:
                response = await self.client.request(
                    method,
                    url,
                    headers=dict(headers or {}),
                    content=content,
                    timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT,
                )
            except _STALE as exc:
                if stale_retry:
                    stale_retry = False
                    continue
                raise network_error(exc, url, secrets=self.secrets, server=self.server) from None
            except httpx.HTTPError as exc:
                raise network_error(exc, url, secrets=self.secrets, server=self.server) from None
            if response.is_success:
                return response
            err = self._error(response, response.content)
            if not await self._pause(attempt, err):
                raise err
            attempt += 1

    async def get_json(self, url: str, *, headers: Mapping[str, str] | None = None) -> Any:
        response = await self.request("GET", url, headers=headers)
        return parse_json(response.content, url)

    @asynccontextmanager
    async def open_stream(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes | None = None,
    ) -> AsyncIterator[httpx.Response]:
        """A streamed response whose status is already known to be 2xx. Leaving the block closes it."""
        attempt = 0
        stale_retry = True
        while True:
            observer = RETRY_OBSERVER.get()
            extensions = {"trace": _body_sent_tracer(observer.sent)} if observer is not None else None
            request = self.client.build_request(method, url, headers=dict(headers or {}), content=content,
                                                extensions=extensions)
            sent = time.monotonic()
            try:
                response = await self._send_within_first_token(request, url)
            except _STALE as exc:
                if stale_retry:
                    stale_retry = False
                    continue
                raise network_error(exc, url, secrets=self.secrets, server=self.server) from None
            except httpx.HTTPError as exc:
                raise network_error(exc, url, secrets=self.secrets, server=self.server) from None
            if response.is_success:
                break
            try:
                body = await response.aread()
            except httpx.HTTPError:
                body = b""
            finally:
                await response.aclose()
            err = self._error(response, body)
            if not await self._pause(attempt, err):
                raise err
            attempt += 1
        self._opened[id(response)] = sent
        try:
            yield response
        finally:
            self._opened.pop(id(response), None)
            # Also runs on cancellation: closing an unfinished response drops the connection, which is
            # how OpenAI-style servers learn to stop generating.
            await response.aclose()

    async def _send_within_first_token(self, request: httpx.Request, url: str) -> httpx.Response:
        """Send a streamed request; a server that accepts but never answers is a timeout BackendError."""
        limit = self.stream_timeouts.first_token if self.stream_timeouts else None
        try:
            async with asyncio.timeout(limit):
                return await self.client.send(request, stream=True)
        except TimeoutError:
            raise self._stalled(url, first=True) from None

    def _stalled(self, url: str, *, first: bool) -> BackendError:
        assert self.stream_timeouts is not None
        where = display_url(url)
        if first:
            seconds = self.stream_timeouts.first_token
            msg = (f"no reply from {where} within {seconds:g} s (first-token timeout) — the model may still be "
                   "loading or reading a long prompt; try again, or raise the connection's first-token timeout")
        else:
            seconds = self.stream_timeouts.idle
            msg = (f"the reply from {where} stalled: nothing for {seconds:g} s (idle timeout) — the text "
                   "received so far is kept; try again")
        return BackendError("network", msg)

    async def iter_bytes(self, response: httpx.Response) -> AsyncIterator[bytes]:
        """Body chunks; a connection that dies mid-body becomes a network BackendError, and so does one that
        sends nothing for longer than the stream timeouts allow (the first byte counts from the request)."""
        url = str(response.request.url)
        limits = self.stream_timeouts
        chunks = response.aiter_bytes()
        first = True
        try:
            while True:
                if limits is None:
                    wait = None
                elif first:
                    wait = max(0.0, limits.first_token - (time.monotonic() - self._opened.get(id(response),
                                                                                             time.monotonic())))
                else:
                    wait = limits.idle
                try:
                    async with asyncio.timeout(wait):
                        chunk = await anext(chunks)
                except StopAsyncIteration:
                    return
                except TimeoutError:
                    raise self._stalled(url, first=first) from None
                first = False
                yield chunk
        except httpx.HTTPError as exc:
            raise network_error(exc, url, mid_stream=True, secrets=self.secrets, server=self.server) from None

    async def iter_sse(self, response: httpx.Response, sample: bytearray | None = None) -> AsyncIterator[SSEEvent]:
        """Parsed events; `sample` (if given) receives the first bytes, to explain a stream with no events."""
        parser = SSEParser()
        async for chunk in self.iter_bytes(response):
            if sample is not None and len(sample) < 200:
                sample.extend(chunk[: 200 - len(sample)])
            for event in parser.feed(chunk):
                yield event
        for event in parser.close():
            yield event


def parse_json(body: bytes, url: str) -> Any:
    """Parse a 2xx body, with a clear error when a proxy or wrong URL answered with something else."""
    try:
        return json.loads(body.decode("utf-8", errors="replace"))
    except json.JSONDecodeError:
        snippet = " ".join(body.decode("utf-8", errors="replace").split())[:120]
        raise BackendError(
            "unknown",
            f"the server at {display_url(url)} answered with something that is not JSON "
            f"({snippet!r}) — check the base URL",
            raw=snippet,
        ) from None


async def json_objects(events: AsyncIterator[SSEEvent]) -> AsyncIterator[tuple[SSEEvent, dict[str, Any]]]:
    """The events whose data is a JSON object, parsed; anything else (pings, junk) is skipped."""
    async for event in events:
        try:
            obj = json.loads(event.data)
        except json.JSONDecodeError:
            continue
        if isinstance(obj, dict):
            yield event, obj


def _body_sent_tracer(sent: asyncio.Event) -> Callable[[str, dict[str, object]], Awaitable[None]]:
    """An httpcore trace hook that sets `sent` when the request body has been written (HTTP/1.1 or 2)."""
    async def trace(name: str, info: dict[str, object]) -> None:
        if name.endswith("send_request_body.complete"):
            sent.set()
    return trace
