"""Chats in SillyTavern's JSONL shape: a header line, then one message per line."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def now_send_date() -> str:
    """SillyTavern's modern `send_date`: an ISO-8601 UTC timestamp with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Message(BaseModel):
    """One chat message. Unknown keys are kept so SillyTavern files round-trip."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    name: str = ""
    is_user: bool = False
    is_system: bool = False
    send_date: str | int = Field(default_factory=now_send_date)
    mes: str = ""
    swipes: list[str] | None = None
    swipe_id: int | None = None
    swipe_info: list[dict[str, Any]] | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @property
    def hidden(self) -> bool:
        """SillyTavern hides a message from the prompt by setting `is_system` on a user/char message."""
        return self.is_system


class ChatHeader(BaseModel):
    """The first line of a SillyTavern chat file."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    user_name: str = "User"
    character_name: str = ""
    create_date: str | int = Field(default_factory=now_send_date)  # legacy files: epoch ms
    chat_metadata: dict[str, Any] = Field(default_factory=dict)


class Chat(BaseModel):
    """A whole chat: header plus messages."""

    model_config = ConfigDict(defer_build=True)

    header: ChatHeader = Field(default_factory=ChatHeader)
    messages: list[Message] = Field(default_factory=list)
