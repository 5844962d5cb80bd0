"""Message-list rules shared by the chat APIs that are stricter than OpenAI's (Claude, Gemini, Cohere).

Pure functions: names folded into content, a leading system block hoisted out, later system messages
turned into user turns, consecutive same-role turns merged, and a conversation that must open with the
user given a short neutral opener.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

START_PLACEHOLDER = "(The conversation begins.)"


@dataclass(frozen=True)
class Turn:
    role: str  # "user" or "assistant"
    text: str


def named_text(message: dict[str, Any]) -> str:
    """The message's text with its speaker's name in front when it has one (and does not already)."""
    content = message.get("content", "")
    if isinstance(content, list):  # typed parts: keep the text ones
        content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
    text = str(content)
    name = message.get("name")
    return f"{name}: {text}" if name and not text.startswith(f"{name}:") else text


def split_system(messages: list[dict[str, Any]], *, first_user: bool = True) -> tuple[str, list[Turn]]:
    """(leading system text, alternating user/assistant turns)."""
    system: list[str] = []
    index = 0
    while index < len(messages) and messages[index].get("role") == "system":
        system.append(named_text(messages[index]))
        index += 1
    turns: list[Turn] = []
    for message in messages[index:]:
        role = "assistant" if message.get("role") == "assistant" else "user"
        text = named_text(message)
        if turns and turns[-1].role == role:
            turns[-1] = Turn(role, f"{turns[-1].text}\n\n{text}")
        else:
            turns.append(Turn(role, text))
    if first_user and (not turns or turns[0].role != "user"):
        turns.insert(0, Turn("user", START_PLACEHOLDER))
    return "\n\n".join(s for s in system if s), turns
