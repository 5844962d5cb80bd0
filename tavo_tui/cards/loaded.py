"""The result of reading a card file: the normalised card plus what is needed to write it back."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tavo_tui.model.card import Card


@dataclass
class LoadedCard:
    """A card as read from disk.

    `card` is the normalised V3-shaped model. The other fields let a writer reproduce the file
    faithfully: `envelope` holds top-level keys found beside `spec`/`data` (V1 leftovers such as
    `avatar`, `chat`, `create_date`), `files` holds every archive member other than card.json
    verbatim (CHARX assets, module.risum), and `source_chunks`/`source_card` let an unchanged
    PNG card re-emit its original chunk payloads byte for byte.
    """

    card: Card
    format: str
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    image: bytes | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    envelope: dict[str, Any] = field(default_factory=dict)
    source_chunks: dict[str, tuple[bytes, bytes]] = field(default_factory=dict)
    source_card: Card | None = None

    def with_card(self, card: Card) -> LoadedCard:
        """The same file context with an edited card (for saving edits)."""
        return replace(self, card=card)

    @property
    def unchanged(self) -> bool:
        return self.source_card is not None and self.card == self.source_card

    def asset_bytes(self, uri: str) -> bytes | None:
        """Bytes for an embedded asset URI (`embeded://`, `embedded://`, `__asset:`), else None."""
        for prefix in ("embeded://", "embedded://"):
            if uri.startswith(prefix):
                return self.files.get(uri[len(prefix) :].lstrip("/"))
        if uri.startswith("__asset:"):
            return self.files.get(uri)
        if uri == "ccdefault:":
            return self.image
        if uri.startswith("data:"):
            return data_uri_bytes(uri)
        return None


def data_uri_bytes(uri: str, cap: int = 16 * 1024 * 1024) -> bytes | None:
    """The bytes of a base64 `data:` URI (inline V3 assets), or None if malformed or too large."""
    head, sep, body = uri.partition(",")
    if not sep or not head.endswith(";base64") or len(body) > cap * 4 // 3 + 4:
        return None
    try:
        return base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        return None
