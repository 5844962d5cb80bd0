"""Chat orchestration, shared by the TUI and the CLI: no Textual, no printing."""

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
    Started,
    Waiting,
)
from tavo_tui.session.inspection import Inspection

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
    "Started",
    "Waiting",
]
