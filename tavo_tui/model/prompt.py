"""The assembled prompt: named sections with provenance, and the exact request sent for it."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenCount(BaseModel):
    """A token count and how it was obtained (e.g. "tiktoken o200k_base" or "estimate (chars/4)")."""

    model_config = ConfigDict(defer_build=True)

    value: int
    method: str
    exact: bool = True


class PromptSection(BaseModel):
    """One named part of the prompt, e.g. "description", "greeting", "history[3]"."""

    model_config = ConfigDict(defer_build=True)

    name: str
    source: str
    role: Literal["system", "user", "assistant"] = "system"
    content: str
    tokens: int = 0
    # Where the text is edited when `source` names its slot rather than its owner: "card.system_prompt" for a
    # main prompt the card's system prompt replaced ("" when `source` says it).
    origin: str = ""


class AssembledPrompt(BaseModel):
    """What the prompt engine produced for one turn, before any backend shapes it into a body."""

    model_config = ConfigDict(defer_build=True)

    mode: Literal["chat", "text"]
    sections: list[PromptSection] = Field(default_factory=list)
    messages: list[dict[str, Any]] = Field(default_factory=list)
    text: str = ""
    stop: list[str] = Field(default_factory=list)
    # Words from {{banned "word"}} macros met while assembling; text-generation-webui gets them as banned strings.
    banned: list[str] = Field(default_factory=list)
    token_total: int = 0
    token_method: str = ""
    token_exact: bool = True
    max_context: int = 0
    max_tokens: int = 0
    # Added by the prompt layer: what the context budget left out, and notes such as activated lore entries.
    dropped: list[PromptSection] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    # chat_metadata keys to store once this prompt is sent (e.g. world-info sticky/cooldown state).
    chat_metadata_updates: dict[str, Any] = Field(default_factory=dict)


class PreparedRequest(BaseModel):
    """The exact HTTP request a backend will send. `headers` never hold secrets; the backend adds auth."""

    model_config = ConfigDict(defer_build=True)

    method: str = "POST"
    url: str
    body: dict[str, Any] = Field(default_factory=dict)
    headers: dict[str, str] = Field(default_factory=dict)
    stream: bool = True

    def body_bytes(self) -> bytes:
        """The body exactly as sent on the wire (and as `prompt --json` prints it)."""
        import json

        return json.dumps(self.body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
