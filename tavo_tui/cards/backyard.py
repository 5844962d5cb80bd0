"""Backyard AI (formerly Faraday): the legacy EXIF JSON and the BYAF archive, mapped to card data."""

from __future__ import annotations

import posixpath
import re
from typing import Any

from tavo_tui.cards.coerce import to_text

_MACROS = ((re.compile(r"#\{character\}:"), "{{char}}:"), (re.compile(r"\{character\}"), "{{char}}"),
           (re.compile(r"\{user\}"), "{{user}}"))


def convert_macros(text: str) -> str:
    for pattern, repl in _MACROS:
        text = pattern.sub(repl, text)
    return text


def _lore_book(items: Any) -> dict[str, Any] | None:
    if not isinstance(items, list) or not items:
        return None
    entries = []
    for i, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        keys = [k.strip() for k in to_text(item.get("key", "")).split(",") if k.strip()]
        order = item.get("order")
        entries.append(
            {
                "keys": keys,
                "content": convert_macros(to_text(item.get("value", ""))),
                "extensions": {},
                "enabled": True,
                "insertion_order": order if isinstance(order, int) else i,
                "use_regex": False,
            }
        )
    return {"extensions": {}, "entries": entries}


def backyard_to_data(obj: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    """Legacy `{version, character: {aiName, aiPersona, ...}}` to V2-style card data."""
    ch = obj["character"]
    mapped = {"aiName", "aiDisplayName", "aiPersona", "basePrompt", "customDialogue", "scenario",
              "firstMessage", "loreItems"}
    data: dict[str, Any] = {
        "name": to_text(ch.get("aiDisplayName") or ch.get("aiName")),
        "description": convert_macros(to_text(ch.get("aiPersona"))),
        "scenario": convert_macros(to_text(ch.get("scenario"))),
        "first_mes": convert_macros(to_text(ch.get("firstMessage"))),
        "mes_example": convert_macros(to_text(ch.get("customDialogue"))),
        "system_prompt": convert_macros(to_text(ch.get("basePrompt"))),
        "extensions": {"backyard": {"version": obj.get("version"),
                                    **{k: v for k, v in ch.items() if k not in mapped}}},
    }
    book = _lore_book(ch.get("loreItems"))
    if book:
        data["character_book"] = book
    warnings.append("Backyard legacy card converted; its model settings are kept under extensions.backyard")
    return data


def _example_text(messages: Any) -> str:
    if not isinstance(messages, list):
        return ""
    parts = [f"<START>\n{convert_macros(to_text(m.get('text')))}" for m in messages if isinstance(m, dict)]
    return "\n".join(parts)


def _first_message(scenario: dict[str, Any]) -> str:
    fm = scenario.get("firstMessages")
    if isinstance(fm, list) and fm and isinstance(fm[0], dict):
        return convert_macros(to_text(fm[0].get("text")))
    return ""


def byaf_member(base: str, rel: str) -> str | None:
    """Resolve a path relative to `base` inside the archive; None if it would escape the archive."""
    if rel.startswith("/") or "\\" in rel:
        return None
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(base), rel))
    return None if joined.startswith("../") or joined == ".." else joined


def byaf_to_data(manifest: dict[str, Any], character: dict[str, Any], scenarios: list[dict[str, Any]],
                 warnings: list[str]) -> dict[str, Any]:
    """BYAF manifest + character + scenarios to card data, the way SillyTavern maps them."""
    first = scenarios[0] if scenarios else {}
    raw_author = manifest.get("author")
    author: dict[str, Any] = raw_author if isinstance(raw_author, dict) else {}
    data: dict[str, Any] = {
        "name": to_text(character.get("name") or character.get("displayName")),
        "description": convert_macros(to_text(character.get("persona"))),
        "scenario": convert_macros(to_text(first.get("narrative"))),
        "first_mes": _first_message(first),
        "mes_example": _example_text(first.get("exampleMessages")),
        "system_prompt": convert_macros(to_text(first.get("formattingInstructions"))),
        "alternate_greetings": [g for g in (_first_message(s) for s in scenarios[1:]) if g],
        "creator": to_text(author.get("name")),
        "creator_notes": to_text(author.get("backyardURL")),
        "tags": [],
        "extensions": {
            "byaf": {
                "manifest": {k: v for k, v in manifest.items() if k not in ("characters", "scenarios")},
                "character": {k: v for k, v in character.items() if k not in ("persona", "loreItems")},
                "scenarios": [{k: v for k, v in s.items() if k != "messages"} for s in scenarios],
            }
        },
    }
    if character.get("isNSFW") is True:
        data["tags"] = ["nsfw"]
    book = _lore_book(character.get("loreItems"))
    if book:
        data["character_book"] = book
    if any(s.get("messages") for s in scenarios):
        warnings.append("BYAF chat history in the scenarios was not imported")
    return data
