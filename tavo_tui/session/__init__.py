"""Chat orchestration, shared by the TUI and the CLI: no Textual, no printing.

The names below load on first use (PEP 562): the TUI's first frame needs the app context, not the prompt
engine and backends behind a chat session, and importing those first cost about a fifth of start-up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tavo_tui.lazy import lazy_exports

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession
    from tavo_tui.session.context import AppContext, CardEntry
    from tavo_tui.session.events import (
        Delta,
        Done,
        Failed,
        Finishing,
        GenerationEvent,
        Notice,
        Reasoning,
        Retrying,
        Started,
        Waiting,
    )
    from tavo_tui.session.inspection import Inspection

_HOMES = {
    "AppContext": "context",
    "CardEntry": "context",
    "ChatSession": "chat_session",
    "Delta": "events",
    "Done": "events",
    "Failed": "events",
    "Finishing": "events",
    "GenerationEvent": "events",
    "Inspection": "inspection",
    "Notice": "events",
    "Reasoning": "events",
    "Retrying": "events",
    "Started": "events",
    "Waiting": "events",
}

__all__ = [
    "AppContext",
    "CardEntry",
    "ChatSession",
    "Delta",
    "Done",
    "Failed",
    "Finishing",
    "GenerationEvent",
    "Inspection",
    "Notice",
    "Reasoning",
    "Retrying",
    "Started",
    "Waiting",
]


__getattr__ = lazy_exports(__name__, _HOMES)
