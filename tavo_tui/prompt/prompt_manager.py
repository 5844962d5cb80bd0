"""The prompt manager over a SillyTavern chat-completion preset ("OpenAI Settings" JSON), edited in place.

The preset's JSON object is kept whole: every edit changes only the keys it is about, so a preset read and
written back without edits is the same JSON, and an edited one differs only where it was edited. The order
that counts is SillyTavern's global one (`prompt_order` entry with character_id 100001); a preset without one
gets it, from its prompts' order, on the first edit of the order.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tavo_tui.prompt.preset_import import GLOBAL_ORDER_ID, chat_preset_from_sillytavern
from tavo_tui.prompt.settings import ChatCompletionPreset, default_prompts

ROLES = ("system", "user", "assistant")
# Prompt fields an edit may set, and the type each must have.
EDITABLE: Mapping[str, type | tuple[type, ...]] = {
    "name": str, "role": str, "content": str, "injection_position": int, "injection_depth": int,
    "injection_order": int, "injection_trigger": list, "forbid_overrides": bool,
}  # fmt: skip
# The preset's utility prompts and formatting settings (SillyTavern's keys), with the type of each.
UTILITY: Mapping[str, type | tuple[type, ...]] = {
    "impersonation_prompt": str, "new_chat_prompt": str, "new_group_chat_prompt": str,
    "new_example_chat_prompt": str, "continue_nudge_prompt": str, "group_nudge_prompt": str,
    "send_if_empty": str, "wi_format": str, "scenario_format": str, "personality_format": str,
    "names_behavior": int, "squash_system_messages": bool, "assistant_prefill": str,
    "assistant_impersonation": str, "continue_prefill": bool, "continue_postfix": str,
}  # fmt: skip


class PromptManagerError(ValueError):
    """An edit that cannot be made (unknown prompt, wrong type, a built-in prompt deleted)."""


@dataclass(frozen=True)
class PromptItem:
    """One prompt in order, as an editor lists it."""

    identifier: str
    name: str
    role: str
    content: str
    enabled: bool
    marker: bool  # filled by the program (chat history, character description, ...): no content of its own
    system_prompt: bool  # one of SillyTavern's built-in prompts (cannot be deleted)
    injection_position: int  # 0 relative (at its place), 1 in the chat at `injection_depth`
    injection_depth: int


class PromptManager:
    """Editable prompt manager of one chat-completion preset."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data: dict[str, Any] = copy.deepcopy(dict(data))

    # ---- reading -----------------------------------------------------------------------------------------
    def to_sillytavern(self) -> dict[str, Any]:
        """The preset's JSON object, edits included."""
        return copy.deepcopy(self._data)

    def to_preset(self) -> ChatCompletionPreset:
        """The preset as the prompt engine takes it."""
        return chat_preset_from_sillytavern(self._data)

    def _prompts(self) -> list[dict[str, Any]]:
        prompts = self._data.get("prompts")
        if not isinstance(prompts, list):
            prompts = [p.model_dump(exclude={"enabled"}) for p in default_prompts()]
            self._data["prompts"] = prompts
        return [p for p in prompts if isinstance(p, dict) and p.get("identifier")]

    def _prompt(self, identifier: str) -> dict[str, Any]:
        for prompt in self._prompts():
            if prompt["identifier"] == identifier:
                return prompt
        raise PromptManagerError(f"no prompt {identifier!r} in this preset")

    def _order_entry(self, *, create: bool) -> list[dict[str, Any]] | None:
        orders = self._data.get("prompt_order")
        valid = [o for o in orders or [] if isinstance(o, dict) and isinstance(o.get("order"), list)]
        chosen = next((o for o in valid if o.get("character_id") == GLOBAL_ORDER_ID), valid[-1] if valid else None)
        if chosen is None:
            if not create:
                return None
            chosen = {"character_id": GLOBAL_ORDER_ID,
                      "order": [{"identifier": p["identifier"], "enabled": bool(p.get("enabled", True))}
                                for p in self._prompts()]}  # fmt: skip
            self._data["prompt_order"] = [*(orders if isinstance(orders, list) else []), chosen]
        order: list[dict[str, Any]] = chosen["order"]
        return order

    def prompts(self) -> list[PromptItem]:
        """The prompts in the order they are sent, with their enabled flags (prompts the order does not list
        are left out, as SillyTavern leaves them out)."""
        by_id = {p["identifier"]: p for p in self._prompts()}
        order = self._order_entry(create=False)
        items = order if order is not None else [{"identifier": i, "enabled": p.get("enabled", True)}
                                                 for i, p in by_id.items()]  # fmt: skip
        out: list[PromptItem] = []
        for item in items:
            prompt = by_id.get(str(item.get("identifier")))
            if prompt is not None:
                out.append(_item(prompt, bool(item.get("enabled", True))))
        return out

    def unordered(self) -> list[PromptItem]:
        """Prompts the preset defines that its order does not use (SillyTavern's "inactive" list)."""
        used = {p.identifier for p in self.prompts()}
        return [_item(p, False) for p in self._prompts() if p["identifier"] not in used]

    def utility(self) -> dict[str, Any]:
        """The utility prompts and formatting settings: the preset's values, else SillyTavern's defaults."""
        defaults = ChatCompletionPreset().model_dump()
        return {key: self._data.get(key, defaults.get(key)) for key in UTILITY}

    # ---- editing -----------------------------------------------------------------------------------------
    def set_enabled(self, identifier: str, enabled: bool) -> None:
        self._prompt(identifier)
        order = self._order_entry(create=True) or []
        for item in order:
            if item.get("identifier") == identifier:
                item["enabled"] = enabled
                return
        order.append({"identifier": identifier, "enabled": enabled})

    def move(self, identifier: str, index: int) -> None:
        """Put the prompt at position `index` of the order (clamped; negative counts from the end)."""
        self._prompt(identifier)
        order = self._order_entry(create=True) or []
        found = next((i for i, item in enumerate(order) if item.get("identifier") == identifier), None)
        item = order.pop(found) if found is not None else {"identifier": identifier, "enabled": True}
        size = len(order) + 1
        position = index if index >= 0 else size + index
        order.insert(max(0, min(position, size - 1)), item)

    def edit(self, identifier: str, **fields: Any) -> None:
        """Change a prompt's name, role, content or injection settings."""
        prompt = self._prompt(identifier)
        for key, value in fields.items():
            kind = EDITABLE.get(key)
            if kind is None:
                raise PromptManagerError(f"{key!r} is not a prompt field an edit can set")
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise PromptManagerError(f"{key} must be {getattr(kind, '__name__', kind)}")
            if key == "role" and value not in ROLES:
                raise PromptManagerError(f"role must be one of {', '.join(ROLES)}")
            if key == "content" and prompt.get("marker"):
                raise PromptManagerError(f"{identifier!r} is filled by the program; it has no content to edit")
            prompt[key] = value

    def add(self, name: str, content: str = "", role: str = "system", *, index: int | None = None) -> str:
        """A new prompt (enabled), at `index` of the order or at its end; returns its identifier."""
        if role not in ROLES:
            raise PromptManagerError(f"role must be one of {', '.join(ROLES)}")
        identifier = str(uuid.uuid4())  # SillyTavern names user prompts by UUID too
        prompts = self._data.get("prompts")
        if not isinstance(prompts, list):
            self._prompts()
            prompts = self._data["prompts"]
        order = self._order_entry(create=True) or []
        prompts.append({"identifier": identifier, "system_prompt": False, "marker": False,
                        "name": name, "role": role, "content": content, "injection_position": 0,
                        "injection_depth": 4, "injection_order": 100, "injection_trigger": [],
                        "forbid_overrides": False})  # fmt: skip
        order.append({"identifier": identifier, "enabled": True})
        if index is not None:
            self.move(identifier, index)
        return identifier

    def delete(self, identifier: str) -> None:
        """Remove a prompt of the user's own (built-in prompts can only be disabled)."""
        prompt = self._prompt(identifier)
        if prompt.get("system_prompt") or prompt.get("marker"):
            raise PromptManagerError(f"{identifier!r} is a built-in prompt: disable it instead")
        self._data["prompts"] = [p for p in self._data["prompts"] if p is not prompt]
        for entry in self._data.get("prompt_order") or []:
            if isinstance(entry, dict) and isinstance(entry.get("order"), list):
                entry["order"] = [i for i in entry["order"] if not (isinstance(i, dict)
                                                                   and i.get("identifier") == identifier)]

    def set_utility(self, key: str, value: Any) -> None:
        kind = UTILITY.get(key)
        if kind is None:
            raise PromptManagerError(f"{key!r} is not a utility prompt or setting of a chat-completion preset")
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise PromptManagerError(f"{key} must be {getattr(kind, '__name__', kind)}")
        if key == "names_behavior" and value not in (-1, 0, 1, 2):
            raise PromptManagerError("names_behavior is -1 (none), 0 (default), 1 (in completion) or 2 (content)")
        self._data[key] = value


def _item(prompt: Mapping[str, Any], enabled: bool) -> PromptItem:
    def num(key: str, default: int) -> int:
        value = prompt.get(key, default)
        return value if isinstance(value, int) and not isinstance(value, bool) else default

    return PromptItem(
        identifier=str(prompt["identifier"]), name=str(prompt.get("name", "")), role=str(prompt.get("role", "system")),
        content=str(prompt.get("content", "") or ""), enabled=enabled, marker=bool(prompt.get("marker", False)),
        system_prompt=bool(prompt.get("system_prompt", False)), injection_position=num("injection_position", 0),
        injection_depth=num("injection_depth", 4),
    )  # fmt: skip
