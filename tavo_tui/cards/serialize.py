"""The normalised Card back to spec JSON objects (V2 and V3 wrappers)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from tavo_tui.model.card import Card, Lorebook, LorebookEntry

# Optional fields that are omitted when unset, so a card does not grow keys it never had.
_OPTIONAL: dict[type[BaseModel], frozenset[str]] = {
    Card: frozenset(
        {
            "nickname",
            "creator_notes_multilingual",
            "source",
            "creation_date",
            "modification_date",
            "character_book",
            "assets",
        }
    ),
    Lorebook: frozenset({"name", "description", "scan_depth", "token_budget", "recursive_scanning"}),
    LorebookEntry: frozenset(
        {"case_sensitive", "constant", "name", "priority", "id", "comment", "selective", "position"}
    ),
}
V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")


def dump_model(m: BaseModel) -> dict[str, Any]:
    """A model as plain JSON data; declared optional fields left at None are omitted."""
    optional = _OPTIONAL.get(type(m), frozenset())
    out: dict[str, Any] = {}
    for name in type(m).model_fields:
        v = getattr(m, name)
        if v is None and name in optional:
            continue
        out[name] = _plain(v)
    for k, v in (m.model_extra or {}).items():
        out[k] = _plain(v)
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, BaseModel):
        return dump_model(v)
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def card_data(card: Card) -> dict[str, Any]:
    return dump_model(card)


def v3_object(card: Card, envelope: dict[str, Any] | None = None) -> dict[str, Any]:
    """`{spec: chara_card_v3, spec_version: "3.0", data}` plus any kept top-level extras."""
    obj: dict[str, Any] = {"spec": "chara_card_v3", "spec_version": "3.0", "data": card_data(card)}
    for k, v in (envelope or {}).items():
        obj.setdefault(k, v)
    return obj


def v2_object(card: Card, envelope: dict[str, Any] | None = None) -> dict[str, Any]:
    """The V2 wrapper as SillyTavern writes it: V1 fields mirrored at the top, everything in data.

    V3-only keys stay inside `data` (as SillyTavern does) so nothing is lost through a V2 file.
    """
    data = card_data(card)
    obj: dict[str, Any] = {f: data[f] for f in V1_FIELDS}
    for k, v in (envelope or {}).items():
        obj.setdefault(k, v)
    obj["spec"] = "chara_card_v2"
    obj["spec_version"] = "2.0"
    obj["data"] = data
    return obj


def to_json(obj: dict[str, Any], *, indent: int | None = 4) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=indent)
