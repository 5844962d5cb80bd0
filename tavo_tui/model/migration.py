"""What an import from a SillyTavern data folder did: one item per thing looked at, and counts per kind."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

ItemKind = Literal["character", "chat", "world", "persona", "preset", "tags", "favourites", "settings", "other"]
ItemStatus = Literal["imported", "present", "skipped"]
STATUSES: tuple[ItemStatus, ...] = ("imported", "present", "skipped")


class ImportItem(BaseModel):
    """One file or setting. `source` is relative to the SillyTavern folder, `target` to our data folder."""

    model_config = ConfigDict(defer_build=True)

    kind: ItemKind
    source: str
    status: ItemStatus
    target: str = ""
    reason: str = ""  # why it was skipped, or a note (renamed, continued here since, ...)


class KindCounts(BaseModel):
    model_config = ConfigDict(defer_build=True)

    imported: int = 0
    present: int = 0
    skipped: int = 0


class ImportSummary(BaseModel):
    """The whole import. `items` lists everything except chats imported or already present without a note (a
    folder of 20,000 chats would make that list the whole output); `counts` covers every item."""

    model_config = ConfigDict(defer_build=True)

    source: str
    layout: Literal["data", "public"]
    dry_run: bool = False
    counts: dict[str, KindCounts] = Field(default_factory=dict)
    items: list[ImportItem] = Field(default_factory=list)

    def add(self, item: ImportItem) -> None:
        counts = self.counts.setdefault(item.kind, KindCounts())
        setattr(counts, item.status, getattr(counts, item.status) + 1)
        if item.kind != "chat" or item.status == "skipped" or item.reason:
            self.items.append(item)

    def total(self, status: ItemStatus) -> int:
        return sum(getattr(c, status) for c in self.counts.values())
