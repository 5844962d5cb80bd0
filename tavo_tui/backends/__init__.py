"""Backend adapters: one shared HTTP/SSE core, small adapters per protocol family, a registry by kind."""

from tavo_tui.backends.base import (
    Backend,
    BackendError,
    ConnectionCheck,
    ErrorKind,
    Finish,
    Progress,
    ReasoningDelta,
    Reply,
    StreamEvent,
    TextDelta,
)
from tavo_tui.backends.registry import KINDS, KindInfo, make_backend

__all__ = [
    "KINDS",
    "Backend",
    "BackendError",
    "ConnectionCheck",
    "ErrorKind",
    "Finish",
    "KindInfo",
    "Progress",
    "ReasoningDelta",
    "Reply",
    "StreamEvent",
    "TextDelta",
    "make_backend",
]
