"""Where to edit a prompt section: the inspector's "edit source" key asks this which editor to open, and where.

A section's `source` (and `origin`, when a card field replaced a preset prompt) names its provenance; this maps
it onto an editable place: a card field, a lorebook (entry), a prompt-manager prompt, the Author's Note, the
text-completion templates, or the persona.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from tavo_tui.model import PromptSection

EditKind = Literal["card", "lore", "prompt", "authors_note", "templates", "persona"]

# Section sources that are card fields: source -> the card editor's field name.
CARD_SOURCES: dict[str, str] = {
    "card.description": "description",
    "card.personality": "personality",
    "card.scenario": "scenario",
    "card.mes_example": "mes_example",
    "card.system_prompt": "system_prompt",
    "card.post_history_instructions": "post_history_instructions",
    "injection.DEPTH_PROMPT": "depth_prompt",
    "greeting": "first_mes",
}
_LORE_LABEL = re.compile(r"^(?P<world>.*?)\[(?P<uid>[^\]]*)\](?= |$)")


@dataclass(frozen=True)
class EditTarget:
    kind: EditKind
    key: str = ""  # the card field, the prompt identifier, or the lorebook's name
    entry: str = ""  # a lorebook entry's uid (world file) or index (card book)


def edit_target(section: PromptSection, prompt_ids: frozenset[str] = frozenset()) -> EditTarget | None:
    """The place `section` is edited, or None (chat messages are edited in the chat log, not here).

    `prompt_ids`: the prompt manager's identifiers, so an in-chat prompt (`injection.<id>`) finds its prompt."""
    source = section.origin or section.source or section.name
    if source in CARD_SOURCES:
        return EditTarget("card", CARD_SOURCES[source])
    if source.startswith("card.mes_example") or source.startswith("example"):
        return EditTarget("card", "mes_example")
    if source.startswith(("world_info.", "injection.customDepthWI")):
        return EditTarget("lore")
    if source in ("injection.2_floating_prompt", "authorsnote"):
        return EditTarget("authors_note")
    if source in ("persona", "injection.PERSONA_DESCRIPTION"):
        return EditTarget("persona")
    if source.startswith("preset.") and source.removeprefix("preset.") in prompt_ids:
        return EditTarget("prompt", source.removeprefix("preset."))
    if source.startswith("injection.") and source.removeprefix("injection.") in prompt_ids:
        return EditTarget("prompt", source.removeprefix("injection."))
    if source == "post_history_instructions":
        return EditTarget("templates", "sysprompt")
    if source.startswith(("context.", "instruct.", "settings.start_reply_with")):
        return EditTarget("templates", source.split(".", 1)[0])
    return None


def lore_target(label: str) -> EditTarget:
    """The entry a lore report label ("<world>[<uid>] comment") names."""
    match = _LORE_LABEL.match(label)
    if match is None:
        return EditTarget("lore")
    return EditTarget("lore", match.group("world"), match.group("uid"))
