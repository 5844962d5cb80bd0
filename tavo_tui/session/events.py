"""What a generation reports to its front end (TUI or CLI), in order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tavo_tui.model import AssembledPrompt, Message, PreparedRequest

if TYPE_CHECKING:
    from tavo_tui.session.inspection import Inspection


class ActionError(Exception):
    """An action that cannot apply to the chat as it stands (e.g. continue with no message). Raised before
    any event; it lives here so a front end can catch it without loading the generation code."""


@dataclass(frozen=True)
class Started:
    """The request is about to be sent. `action`: reply, swipe, continue or impersonate; `index`: the message
    it changes (None for a new reply and for impersonate).

    `inspection` is the one assembly this generation sends: its `request` is the body the server receives,
    byte for byte. A front end records and measures this object rather than building the prompt again, which
    would cost another assembly and, with `{{random}}` in a card, give a different prompt from the one sent."""

    inspection: Inspection
    action: str = "reply"
    index: int | None = None

    @property
    def request(self) -> PreparedRequest:
        return self.inspection.request

    @property
    def prompt(self) -> AssembledPrompt:
        return self.inspection.prompt


@dataclass(frozen=True)
class Delta:
    """More of the visible reply."""

    text: str


@dataclass(frozen=True)
class Reasoning:
    """More reasoning/thinking text (shown apart, never sent back)."""

    text: str


@dataclass(frozen=True)
class Finishing:
    """The server has finished the reply (it gave a finish reason): no more text will come. Sent before the
    stream is closed and the reply saved, so a front end can show the last text without waiting for that."""

    reason: str | None = None


@dataclass(frozen=True)
class Done:
    """The reply is complete and saved. `incomplete` when the stream ended without a finish reason.

    `index` is the message's position in the chat (None for impersonate: that text goes to the composer)."""

    message: Message
    incomplete: bool = False
    action: str = "reply"
    index: int | None = None


@dataclass(frozen=True)
class Failed:
    """The generation failed; `partial` is the saved partial reply, if any text had arrived."""

    error: str
    kind: str
    partial: Message | None = None


@dataclass(frozen=True)
class Notice:
    """Something the user should know that did not stop the generation (e.g. a save that failed)."""

    text: str


@dataclass(frozen=True)
class Waiting:
    """The request is queued (AI Horde): where it stands and the estimated wait, before any text arrives."""

    queue_position: int | None
    eta_seconds: float | None
    detail: str = ""


@dataclass(frozen=True)
class Retrying:
    """The server refused for now (429, 503, ...): the request is sent again after `seconds` (its Retry-After,
    capped, or a backoff), unless `ChatSession.retry_now()` cuts the wait short. Before any text arrives."""

    seconds: float
    status: int | None
    reason: str


GenerationEvent = Started | Waiting | Retrying | Delta | Reasoning | Finishing | Done | Failed | Notice
