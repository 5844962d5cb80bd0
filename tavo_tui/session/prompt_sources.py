"""Where a prompt section came from, in the inspector's words: a kind (for colour) and a readable origin."""

from __future__ import annotations

import re
from dataclasses import dataclass

from tavo_tui.model import PromptSection

# Kinds, in the order the inspector's legend lists them.
KINDS: tuple[str, ...] = (
    "system", "card", "world_info", "persona", "authors_note", "examples", "history", "post_history", "other",
)
KIND_LABELS: dict[str, str] = {
    "system": "system / main prompt",
    "card": "card field",
    "world_info": "world info",
    "persona": "persona",
    "authors_note": "author's note",
    "examples": "example dialogue",
    "history": "chat history",
    "post_history": "post-history",
    "other": "other",
}

_HISTORY = re.compile(r"^history\[(\d+)\]")
_SPAN = re.compile(r"^(?:greeting|history\[(\d+)\])\.\.history\[(\d+)\]")
_CARD_FIELDS = {
    "card.description": "card: description",
    "card.personality": "card: personality",
    "card.scenario": "card: scenario",
    "injection.DEPTH_PROMPT": "card: character's note (depth prompt)",
}


@dataclass(frozen=True)
class SectionOrigin:
    kind: str
    label: str


def section_origin(section: PromptSection) -> SectionOrigin:
    """Classify a section by its `source` (the engine's provenance string), falling back to its name."""
    source = section.source or section.name
    if source in _CARD_FIELDS:
        return SectionOrigin("card", _CARD_FIELDS[source])
    if source.startswith("card.mes_example") or source.startswith("example") or source == (
        "preset.new_example_chat_prompt"
    ):
        return SectionOrigin("examples", "example dialogue")
    if source.startswith("world_info."):
        return SectionOrigin("world_info", f"world info ({source.split('.', 1)[1]})")
    if source.startswith("injection.customDepthWI"):
        return SectionOrigin("world_info", "world info @depth")
    if source in ("injection.2_floating_prompt", "authorsnote"):
        return SectionOrigin("authors_note", "author's note")
    if source in ("persona", "injection.PERSONA_DESCRIPTION"):
        return SectionOrigin("persona", "persona description")
    span = _SPAN.match(source)
    if span:
        return SectionOrigin("history", f"history messages {span.group(1) or 0} to {span.group(2)}")
    match = _HISTORY.match(source)
    if match:
        return SectionOrigin("history", f"history message {match.group(1)}")
    if source.startswith("history"):
        return SectionOrigin("history", f"history {source.removeprefix('history')}".strip())
    if source == "greeting":
        return SectionOrigin("history", "history message 0 (greeting)")
    if source == "pending":
        return SectionOrigin("history", "your new message")
    if source in ("preset.jailbreak", "post_history_instructions"):
        return SectionOrigin("post_history", "post-history instructions")
    if source == "preset.main":
        return SectionOrigin("system", "main prompt")
    if source == "context.story_string":
        return SectionOrigin("system", "story string (system prompt, card fields, world info)")
    if source.startswith(("preset.", "context.", "instruct.")):
        return SectionOrigin("system", source.split(".", 1)[1].replace("_", " "))
    if source.startswith("injection."):
        return SectionOrigin("other", f"extension prompt {source.split('.', 1)[1]}")
    return SectionOrigin("other", source)


def history_index(section: PromptSection) -> int | None:
    """The chat message number a history section stands for (None for every other section)."""
    match = _HISTORY.match(section.source or section.name)
    if match:
        return int(match.group(1))
    return 0 if section.source == "greeting" else None
