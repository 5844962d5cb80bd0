"""The normalised character card: V3-shaped, keeps every field it does not know."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class LorebookEntry(BaseModel):
    """One entry of an embedded lorebook (V2/V3 `character_book.entries[]`)."""

    model_config = ConfigDict(extra="allow")

    keys: list[str] = Field(default_factory=list)
    content: str = ""
    extensions: dict[str, Any] = Field(default_factory=dict)
    enabled: bool = True
    insertion_order: int = 100
    case_sensitive: bool | None = None
    use_regex: bool = False
    constant: bool | None = None
    name: str | None = None
    priority: int | None = None
    id: int | str | None = None
    comment: str | None = None
    selective: bool | None = None
    secondary_keys: list[str] = Field(default_factory=list)
    position: str | None = None


class Lorebook(BaseModel):
    """A V2/V3 `character_book`."""

    model_config = ConfigDict(extra="allow")

    name: str | None = None
    description: str | None = None
    scan_depth: int | None = None
    token_budget: int | None = None
    recursive_scanning: bool | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)
    entries: list[LorebookEntry] = Field(default_factory=list)


class Card(BaseModel):
    """A character, in the V3 field layout; unknown fields are kept verbatim (extra="allow")."""

    model_config = ConfigDict(extra="allow")

    name: str = ""
    description: str = ""
    personality: str = ""
    scenario: str = ""
    first_mes: str = ""
    mes_example: str = ""
    creator_notes: str = ""
    system_prompt: str = ""
    post_history_instructions: str = ""
    alternate_greetings: list[str] = Field(default_factory=list)
    group_only_greetings: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    creator: str = ""
    character_version: str = ""
    nickname: str | None = None
    creator_notes_multilingual: dict[str, str] | None = None
    source: list[str] | None = None
    creation_date: int | None = None
    modification_date: int | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)
    character_book: Lorebook | None = None
    assets: list[dict[str, Any]] | None = None

    def greetings(self) -> list[str]:
        """The first message followed by the alternate greetings, in order."""
        return [self.first_mes, *self.alternate_greetings] if self.first_mes else list(self.alternate_greetings)
