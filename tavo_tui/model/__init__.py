"""Pydantic data shared by every layer. No I/O lives here."""

from tavo_tui.model.card import Card, Lorebook, LorebookEntry
from tavo_tui.model.chat import Chat, ChatHeader, Message
from tavo_tui.model.connection import ConnectionProfile, SamplerSettings
from tavo_tui.model.prompt import AssembledPrompt, PreparedRequest, PromptSection, TokenCount

__all__ = [
    "AssembledPrompt",
    "Card",
    "Chat",
    "ChatHeader",
    "ConnectionProfile",
    "Lorebook",
    "LorebookEntry",
    "Message",
    "PreparedRequest",
    "PromptSection",
    "SamplerSettings",
    "TokenCount",
]
