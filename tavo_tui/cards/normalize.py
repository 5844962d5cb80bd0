"""Turn any known card JSON shape into the normalised V3-shaped `Card`, collecting warnings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.cards.backyard import backyard_to_data
from tavo_tui.cards.book import normalize_book
from tavo_tui.cards.coerce import Invalid, lf, to_int, to_str_list, to_text, unix_seconds
from tavo_tui.model.card import Card

V1_FIELDS = ("name", "description", "personality", "scenario", "first_mes", "mes_example")
TEXT_FIELDS = (
    *V1_FIELDS,
    "creator_notes",
    "system_prompt",
    "post_history_instructions",
    "creator",
    "character_version",
)
LIST_FIELDS = ("alternate_greetings", "group_only_greetings", "tags")
CARD_FIELDS = frozenset(Card.model_fields)
PYGMALION = {
    "char_name": "name",
    "char_persona": "description",
    "char_greeting": "first_mes",
    "world_scenario": "scenario",
    "example_dialogue": "mes_example",
}
ALIASES = {"first_message": "first_mes", "example_dialogue": "mes_example", "mes_examples": "mes_example"}


class NotACard(ValueError):
    """The JSON is valid but is not a character card (a lorebook, a chat, something else)."""


@dataclass
class Normalized:
    card: Card
    family: str  # v1, v2, v3, pygmalion, offspec, backyard
    envelope: dict[str, Any] = field(default_factory=dict)


def classify(obj: Any) -> str:
    """The card family of a decoded JSON value (detection order of cards.md section 1)."""
    if not isinstance(obj, dict):
        raise NotACard(f"top-level JSON is a {type(obj).__name__}, not an object")
    spec = obj.get("spec")
    if spec == "chara_card_v3" or (spec is None and _spec_major(obj.get("spec_version")) >= 3):
        return "v3"
    if spec == "chara_card_v2":
        return "v2"
    if spec == "lorebook_v3":
        raise NotACard("this is a V3 lorebook (lorebook_v3), not a character card")
    if isinstance(spec, str) and isinstance(obj.get("data"), dict):
        return "v2"  # an unknown spec label on a wrapper: read its data, warn later
    if isinstance(obj.get("data"), dict) and "name" in obj["data"]:
        return "v2"
    if isinstance(obj.get("character"), dict) and any(k in obj["character"] for k in ("aiName", "aiPersona")):
        return "backyard"
    if "char_name" in obj:
        return "pygmalion"
    if "name" in obj and any(k in obj for k in ("description", "first_mes", "personality", "mes_example")):
        return "v1"
    if any(_camel_to_snake(k) in CARD_FIELDS and _camel_to_snake(k) != k for k in obj):
        return "offspec"
    if "name" in obj:
        return "v1"
    if isinstance(obj.get("entries"), dict | list):
        raise NotACard("this is a lorebook / world info file, not a character card")
    raise NotACard("JSON object has no character card fields (no spec, name or char_name)")


def _spec_major(v: Any) -> float:
    try:
        return float(v) if v is not None else 0.0
    except (TypeError, ValueError):
        return 0.0


def _camel_to_snake(k: str) -> str:
    return ALIASES.get(s := re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", k).lower(), s)


def normalize(obj: Any, warnings: list[str]) -> Normalized:
    family = classify(obj)
    if family in ("v2", "v3"):
        return _from_wrapper(obj, family, warnings)
    if family == "backyard":
        return Normalized(card_from_data(backyard_to_data(obj, warnings), warnings), "backyard", {})
    if family == "pygmalion":
        flat = {PYGMALION.get(k, k): v for k, v in obj.items()}
    else:
        flat = _unwrap_camel(obj, warnings)
    if "creator_notes" not in flat and isinstance(flat.get("creatorcomment"), str):
        flat["creator_notes"] = flat["creatorcomment"]
    card_data = {k: v for k, v in flat.items() if k in CARD_FIELDS}
    envelope = {k: v for k, v in flat.items() if k not in CARD_FIELDS}
    return Normalized(card_from_data(card_data, warnings), family, envelope)


def _unwrap_camel(obj: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    out = dict(obj)
    mapped = []
    for k, v in obj.items():
        snake = _camel_to_snake(k)
        if snake != k and snake in CARD_FIELDS and snake not in obj:
            out[snake] = v
            del out[k]
            mapped.append(k)
    if mapped:
        warnings.append(f"off-spec field names mapped best-effort: {', '.join(sorted(mapped))}")
    return out


def _from_wrapper(obj: dict[str, Any], family: str, warnings: list[str]) -> Normalized:
    data = obj.get("data")
    if not isinstance(data, dict):
        if isinstance(obj.get("name"), str) and "data" not in obj:
            # A spec label on a flat object: read the top level as the card, like V1.
            warnings.append(f"{obj.get('spec')} card has no 'data' object; read its top-level fields")
            rest = {k: v for k, v in obj.items() if k not in ("spec", "spec_version")}
            card_data = {k: v for k, v in rest.items() if k in CARD_FIELDS}
            envelope = {k: v for k, v in rest.items() if k not in CARD_FIELDS}
            return Normalized(card_from_data(card_data, warnings), family, envelope)
        raise NotACard(f"'data' of a {obj.get('spec')} card is not an object")
    data = dict(data)
    spec = obj.get("spec")
    if spec not in ("chara_card_v2", "chara_card_v3", None):
        warnings.append(f"unknown spec {spec!r}; read as V2")
    if spec is None:
        warnings.append("card has 'data' but no 'spec'; read as V2")
    major = _spec_major(obj.get("spec_version"))
    if family == "v3" and major >= 4:
        warnings.append(f"spec_version {obj.get('spec_version')!r} is newer than 3.x; imported anyway")
    if "character_book" not in data and isinstance(obj.get("character_book"), dict):
        data["character_book"] = obj["character_book"]
        warnings.append("character_book found at the top level instead of inside data; moved")
    drift = [
        f for f in V1_FIELDS if isinstance(obj.get(f), str) and lf(obj[f]) != lf(to_text(data.get(f, "")))
    ]
    if drift:
        warnings.append(f"top-level V1 fields differ from data ({', '.join(drift)}); using data")
    envelope = {k: v for k, v in obj.items() if k not in ("spec", "spec_version", "data", *V1_FIELDS)}
    if "character_book" in envelope and "character_book" in data and data["character_book"] is obj.get(
        "character_book"
    ):
        del envelope["character_book"]
    return Normalized(card_from_data(data, warnings), family, envelope)


def card_from_data(data: dict[str, Any], warnings: list[str]) -> Card:
    """Coerce a V2/V3 `data` object (or a V1 flat object) into a Card, keeping unknown keys."""
    out: dict[str, Any] = {k: v for k, v in data.items() if k not in CARD_FIELDS}
    for f in TEXT_FIELDS:
        if f in data:
            out[f] = lf(to_text(data[f])) if f not in ("creator", "character_version") else to_text(data[f])
            if data[f] is not None and not isinstance(data[f], str):
                warnings.append(f"{f}: {type(data[f]).__name__} value converted to text")
    for f in LIST_FIELDS:
        if f in data:
            try:
                out[f] = [lf(x) for x in to_str_list(data[f], split_commas=(f == "tags"))]
            except Invalid as e:
                warnings.append(f"{f}: {e}; dropped")
            else:
                if isinstance(data[f], str) and data[f]:
                    warnings.append(f"{f}: a string where a list belongs; converted")
    if data.get("nickname") is not None:
        out["nickname"] = to_text(data["nickname"])
    if data.get("source") is not None:
        try:
            out["source"] = to_str_list(data["source"])
        except Invalid as e:
            warnings.append(f"source: {e}; dropped")
    cnm = data.get("creator_notes_multilingual")
    if isinstance(cnm, dict):
        out["creator_notes_multilingual"] = {str(k): lf(to_text(v)) for k, v in cnm.items()}
    elif cnm is not None:
        warnings.append("creator_notes_multilingual is not an object; dropped")
    for f in ("creation_date", "modification_date"):
        if data.get(f) is not None:
            try:
                out[f], was_ms = unix_seconds(data[f])
            except Invalid as e:
                warnings.append(f"{f}: {e}; dropped")
            else:
                if was_ms:
                    warnings.append(f"{f} was in milliseconds; converted to seconds")
    ext = data.get("extensions")
    if isinstance(ext, dict):
        out["extensions"] = ext
    elif ext is not None:
        warnings.append("extensions is not an object; dropped")
    book = data.get("character_book")
    if book is not None:
        nb = normalize_book(book, warnings)
        if nb is not None:
            out["character_book"] = nb
    assets = data.get("assets")
    if isinstance(assets, list):
        out["assets"] = [a for a in assets if isinstance(a, dict)]
        if len(out["assets"]) != len(assets):
            warnings.append("assets: non-object items dropped")
    elif assets is not None:
        warnings.append("assets is not a list; dropped")
    return Card.model_validate(out)


def int_or_warn(v: Any, where: str, warnings: list[str]) -> int | None:
    try:
        return to_int(v)
    except Invalid as e:
        warnings.append(f"{where}: {e}; dropped")
        return None
