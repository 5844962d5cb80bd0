"""The contract every backend adapter fulfils, and the events a generation yields."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from tavo_tui.model import AssembledPrompt, ConnectionProfile, PreparedRequest

ErrorKind = Literal[
    "auth",
    "not_found_model",
    "rate_limit",
    "quota",
    "context_length",
    "overloaded",
    "bad_request",
    "server",
    "network",
    "unknown",
]


@dataclass(frozen=True)
class StreamTimeouts:
    """How long a streamed reply may take to send its first byte, and then how long it may go quiet (seconds)."""

    first_token: float
    idle: float


class BackendError(Exception):
    """A failure talking to a backend, normalised so a person can act on `message`."""

    def __init__(
        self,
        kind: ErrorKind,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        raw: str = "",
    ) -> None:
        super().__init__(message)
        self.kind: ErrorKind = kind
        self.message = message
        self.status = status
        self.retry_after = retry_after
        self.raw = raw


@dataclass(frozen=True)
class TextDelta:
    """A piece of the visible reply."""

    text: str


@dataclass(frozen=True)
class ReasoningDelta:
    """A piece of reasoning/thinking text, shown apart from the reply."""

    text: str


@dataclass(frozen=True)
class Finish:
    """The stream ended. `reason` is None when the server never sent a finish reason (incomplete)."""

    reason: str | None
    usage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Progress:
    """Waiting before any text (AI Horde queue): position in the queue and estimated seconds, when known.

    Consumers that do not know this event may ignore it; it never carries reply text.
    """

    queue_position: int | None
    eta_seconds: float | None
    detail: str = ""


StreamEvent = TextDelta | ReasoningDelta | Finish | Progress


@dataclass(frozen=True)
class Reply:
    """A whole, non-streamed reply."""

    text: str
    reasoning: str = ""
    finish_reason: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectionCheck:
    """Result of a connection test: the cheapest real call."""

    ok: bool
    latency_ms: float
    detail: str
    server: str = ""  # a guess at what answered, e.g. "llama.cpp server"
    models: tuple[str, ...] = ()
    error_kind: ErrorKind | None = None  # set when ok is False


@runtime_checkable
class PromptTokenCounter(Protocol):
    """A backend that can say how many tokens the server evaluates for a whole request: its chat template
    and the special tokens it adds included (llama.cpp). Optional: the session checks for it."""

    async def prompt_tokens(self, request: PreparedRequest) -> int | None:
        """The server's own count for `request`, or None when it cannot say."""
        ...


class Backend(Protocol):
    """One adapter per protocol family. Adapters hold no UI state and never print."""

    profile: ConnectionProfile

    def prepare(self, prompt: AssembledPrompt, *, stream: bool | None = None) -> PreparedRequest:
        """Shape an assembled prompt into the exact request (URL without secrets, body)."""
        ...

    def stream(self, request: PreparedRequest) -> AsyncIterator[StreamEvent]:
        """Send `request.body` byte-for-byte and yield events. Cancelling the consumer closes the stream."""
        ...

    async def complete(self, request: PreparedRequest) -> Reply:
        """Send a non-streamed request and return the whole reply."""
        ...

    async def list_models(self) -> list[str]:
        """Model ids the server offers (empty when the API has no list)."""
        ...

    async def check(self) -> ConnectionCheck:
        """The cheapest real call that proves the server answers."""
        ...

    async def count_tokens(self, text: str) -> int | None:
        """Exact count from the server's tokenizer endpoint, or None when it has none."""
        ...

    async def aclose(self) -> None:
        """Release the HTTP client."""
        ...
