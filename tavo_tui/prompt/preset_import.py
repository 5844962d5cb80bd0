"""SillyTavern chat-completion preset files (the prompt manager's prompts and order) imported as they are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from tavo_tui.prompt.settings import ChatCompletionPreset, PromptEntry, default_prompts
from tavo_tui.prompt.templates import PresetError

GLOBAL_ORDER_ID = 100001  # SillyTavern keeps the global (not per-character) prompt order under this id


def _order(data: dict[str, Any]) -> list[dict[str, Any]] | None:
    orders = [o for o in data.get("prompt_order") or [] if isinstance(o, dict) and isinstance(o.get("order"), list)]
    if not orders:
        return None
    chosen = next((o for o in orders if o.get("character_id") == GLOBAL_ORDER_ID), orders[-1])
    return [item for item in chosen["order"] if isinstance(item, dict) and item.get("identifier")]


def chat_preset_from_sillytavern(data: dict[str, Any]) -> ChatCompletionPreset:
    """The prompt manager in the preset's order with its enabled flags, plus its formatting strings."""
    defaults = {p.identifier: p for p in default_prompts()}
    prompts = {p["identifier"]: p for p in data.get("prompts") or [] if isinstance(p, dict) and p.get("identifier")}
    order = _order(data)
    entries: list[PromptEntry] = []
    if order is None:
        entries = [PromptEntry.model_validate(p) for p in prompts.values()]
    else:
        for item in order:
            ident = str(item["identifier"])
            base = prompts.get(ident) or (defaults[ident].model_dump() if ident in defaults else None)
            if base is None:
                continue  # an order entry whose prompt the file does not define
            entries.append(PromptEntry.model_validate({**base, "enabled": bool(item.get("enabled", True))}))
    fields = {k: v for k, v in data.items() if k in ChatCompletionPreset.model_fields and k != "prompts"}
    return ChatCompletionPreset.model_validate({**fields, "prompts": [e.model_dump() for e in entries] or
                                                [p.model_dump() for p in default_prompts()]})


def load_chat_preset(path: Path) -> ChatCompletionPreset:
    """Read a SillyTavern chat-completion preset (.json) file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise PresetError(f"cannot read preset {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise PresetError(f"preset {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or not ("prompts" in data or "prompt_order" in data):
        raise PresetError(f"{path} has no prompts: is it a SillyTavern chat-completion preset?")
    try:
        return chat_preset_from_sillytavern(data)
    except ValidationError as exc:
        raise PresetError(f"preset {path} is invalid: {str(exc).splitlines()[0]}") from None
