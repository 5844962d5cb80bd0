"""The normalised character card: V3-shaped, keeps every field it does not know."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_INT_DECORATORS = frozenset(
    {
        "activate_only_after",
        "activate_only_every",
        "depth",
        "instruct_depth",
        "reverse_depth",
        "reverse_instruct_depth",
        "scan_depth",
        "instruct_scan_depth",
        "is_greeting",
    }
)
_FLAG_DECORATORS = frozenset(
    {"keep_activate_after_match", "dont_activate_after_match", "ignore_on_max_context", "activate", "dont_activate"}
)
_LIST_DECORATORS = frozenset({"additional_keys", "exclude_keys"})
_REPEATABLE = frozenset({"additional_keys"})
_ROLES = frozenset({"assistant", "system", "user"})


class EntryDecorators(BaseModel):
    """The V3 `@@decorator` lines at the top of a lorebook entry's content, parsed.

    Unknown (app-specific) decorators land in `other` with their raw value, first occurrence kept.
    """

    model_config = ConfigDict(defer_build=True)

    activate_only_after: int | None = None
    activate_only_every: int | None = None
    keep_activate_after_match: bool = False
    dont_activate_after_match: bool = False
    depth: int | None = None
    instruct_depth: int | None = None
    reverse_depth: int | None = None
    reverse_instruct_depth: int | None = None
    role: str | None = None
    scan_depth: int | None = None
    instruct_scan_depth: int | None = None
    is_greeting: int | None = None
    position: str | None = None
    ignore_on_max_context: bool = False
    additional_keys: list[str] = Field(default_factory=list)
    exclude_keys: list[str] = Field(default_factory=list)
    is_user_icon: str | None = None
    activate: bool = False
    dont_activate: bool = False
    disable_ui_prompt: str | None = None
    other: dict[str, str] = Field(default_factory=dict)


def parse_decorators(content: str) -> tuple[EntryDecorators, str]:
    """(decorators, body): the leading block of `@@` lines parsed, and the content without it.

    Follows the V3 rules: invalid values and unknown names are ignored (unknown ones kept in
    `other`), the first occurrence wins except for repeatable ones, and a `@@@` line applies
    only when the line above it was unrecognised or ignored.
    """
    lines = content.split("\n")
    dec = EntryDecorators()
    seen: set[str] = set()
    prev_applied = True
    i = 0
    while i < len(lines) and lines[i].startswith("@@"):
        line = lines[i].rstrip("\r")
        i += 1
        fallback = line.startswith("@@@")
        if fallback and prev_applied:
            continue  # the line above took effect, so its fallback does not
        name, _, value = line.lstrip("@").partition(" ")
        prev_applied = _apply(dec, name.strip(), value.strip(), seen)
    body = "\n".join(lines[i:]) if i else content
    return dec, body.lstrip("\n") if i else body


def _apply(dec: EntryDecorators, name: str, value: str, seen: set[str]) -> bool:
    if name in seen and name not in _REPEATABLE:
        return False
    known = name in EntryDecorators.model_fields and name != "other"
    if not known:
        if name and name not in dec.other:
            dec.other[name] = value
        return False
    if name in _INT_DECORATORS:
        try:
            setattr(dec, name, int(value))
        except ValueError:
            return False
    elif name in _FLAG_DECORATORS:
        setattr(dec, name, True)
    elif name in _LIST_DECORATORS:
        items = [v.strip() for v in value.split(",") if v.strip()]
        if not items:
            return False
        getattr(dec, name).extend(items)
    elif name == "role":
        if value not in _ROLES:
            return False
        dec.role = value
    elif value:
        setattr(dec, name, value)
    else:
        return False
    seen.add(name)
    return True


class LorebookEntry(BaseModel):
    """One entry of an embedded lorebook (V2/V3 `character_book.entries[]`)."""

    model_config = ConfigDict(extra="allow", defer_build=True)

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

    def decorators(self) -> EntryDecorators:
        """The V3 decorators at the top of `content` (all defaults when there are none)."""
        return parse_decorators(self.content)[0]

    def body(self) -> str:
        """`content` without its leading decorator block: the text to insert into a prompt."""
        return parse_decorators(self.content)[1]


class Lorebook(BaseModel):
    """A V2/V3 `character_book`."""

    model_config = ConfigDict(extra="allow", defer_build=True)

    name: str | None = None
    description: str | None = None
    scan_depth: int | None = None
    token_budget: int | None = None
    recursive_scanning: bool | None = None
    extensions: dict[str, Any] = Field(default_factory=dict)
    entries: list[LorebookEntry] = Field(default_factory=list)


class Card(BaseModel):
    """A character, in the V3 field layout; unknown fields are kept verbatim (extra="allow")."""

    model_config = ConfigDict(extra="allow", defer_build=True)

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

    def char_name(self) -> str:
        """What `{{char}}` stands for: the V3 `nickname` when set, else `name`."""
        return self.nickname or self.name

    def creator_notes_for(self, lang: str) -> str:
        """Creator notes in `lang` (ISO 639-1) from `creator_notes_multilingual`, else `creator_notes`."""
        notes = self.creator_notes_multilingual or {}
        return notes.get(lang.split("-")[0].lower()) or self.creator_notes or notes.get("en", "")

    def greetings(self) -> list[str]:
        """The first message followed by the alternate greetings, in order."""
        return [self.first_mes, *self.alternate_greetings] if self.first_mes else list(self.alternate_greetings)
