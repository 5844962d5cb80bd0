"""Lorebook entries in SillyTavern's world-info field layout, converted from card books and world files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.model import Lorebook, LorebookEntry

_WORD_ONLY = re.compile(r"^[A-Za-z0-9_]+$")
_REGEX_FORM = re.compile(r"^/((?:\\/|[^/])+)/([gimsuy]*)$")

BEFORE, AFTER, AN_TOP, AN_BOTTOM, AT_DEPTH, EM_TOP, EM_BOTTOM, OUTLET = range(8)
AND_ANY, NOT_ALL, NOT_ANY, AND_ALL = range(4)


@dataclass
class WIEntry:
    """One lorebook entry in SillyTavern's world-file field layout (normalised)."""

    uid: int | str
    world: str
    key: list[str]
    content: str
    keysecondary: list[str] = field(default_factory=list)
    comment: str = ""
    constant: bool = False
    selective: bool = True
    selective_logic: int = AND_ANY
    order: int = 100
    position: int = BEFORE
    disable: bool = False
    ignore_budget: bool = False
    exclude_recursion: bool = False
    prevent_recursion: bool = False
    delay_until_recursion: int = 0
    probability: int = 100
    use_probability: bool = True
    depth: int = 4
    role: int = 0
    outlet_name: str = ""
    group: str = ""
    group_override: bool = False
    group_weight: int = 100
    scan_depth: int | None = None
    case_sensitive: bool | None = None
    match_whole_words: bool | None = None
    use_group_scoring: bool | None = None
    delay: int = 0
    sticky: int = 0
    cooldown: int = 0
    triggers: list[str] = field(default_factory=list)
    decorators: tuple[str, ...] = ()
    # Extra texts this entry also scans (SillyTavern's matchPersonaDescription, matchCharacterDescription, ...).
    match_sources: tuple[str, ...] = ()
    plain_keys: list[str] = field(default_factory=list, repr=False)
    plain_secondary: list[str] = field(default_factory=list, repr=False)
    keys_dynamic: bool = field(default=False, repr=False)
    word_keys_lower: frozenset[str] = field(default=frozenset(), repr=False)
    phrase_keys_lower: tuple[str, ...] = field(default=(), repr=False)
    other_keys: list[str] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.decorators, self.content = split_decorators(self.content)
        self.plain_keys = [k.strip() for k in self.key if k.strip()]
        self.plain_secondary = [k.strip() for k in self.keysecondary if k.strip()]
        # Keys with macros are substituted at scan time; all others are used as they are.
        self.keys_dynamic = any("{{" in k or "<" in k for k in (*self.key, *self.keysecondary))
        # Primary keys split for whole-word matching: plain words (a set lookup) and everything else.
        self.word_keys_lower = frozenset(k.lower() for k in self.plain_keys if _WORD_ONLY.match(k))
        # Multi-word keys match as plain substrings under whole-word matching.
        self.phrase_keys_lower = tuple(
            k.lower() for k in self.plain_keys if len(k.split()) > 1 and not _REGEX_FORM.match(k)
        )
        self.other_keys = [
            k for k in self.plain_keys if not _WORD_ONLY.match(k) and k.lower() not in self.phrase_keys_lower
        ]

    @property
    def label(self) -> str:
        return f"{self.world}[{self.uid}]" + (f" {self.comment}" if self.comment else "")


_KNOWN_DECORATORS = ("@@activate", "@@dont_activate")


def split_decorators(content: str) -> tuple[tuple[str, ...], str]:
    """SillyTavern's content decorators: `@@activate` / `@@dont_activate` lines at the very top are removed."""
    if not content.startswith("@@"):
        return (), content
    found: list[str] = []
    lines = content.split("\n")
    index = 0
    while index < len(lines) and lines[index].strip() in _KNOWN_DECORATORS:
        found.append(lines[index].strip())
        index += 1
    return tuple(found), "\n".join(lines[index:])


# Scan sources in buffer order, with the world-file flag and the card-book extension key naming them.
SCAN_SOURCES = (
    ("persona", "matchPersonaDescription", "match_persona_description"),
    ("description", "matchCharacterDescription", "match_character_description"),
    ("personality", "matchCharacterPersonality", "match_character_personality"),
    ("depth_prompt", "matchCharacterDepthPrompt", "match_character_depth_prompt"),
    ("scenario", "matchScenario", "match_scenario"),
    ("creator_notes", "matchCreatorNotes", "match_creator_notes"),
)


def _sources(data: Mapping[str, Any], index: int) -> tuple[str, ...]:
    return tuple(name for name, *keys in SCAN_SOURCES if data.get(keys[index]))


def _int(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _opt_bool(value: Any) -> bool | None:
    return None if value is None else bool(value)


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value if isinstance(v, str | int | float)]
    return []


def from_card_entry(entry: LorebookEntry, world: str, index: int) -> WIEntry:
    """Convert an embedded `character_book` entry (V2/V3 shape) the way SillyTavern imports it."""
    ext = entry.extensions if isinstance(entry.extensions, dict) else {}
    if "position" in ext and ext["position"] is not None:
        position = _int(ext["position"], BEFORE)
    else:
        position = BEFORE if entry.position == "before_char" else AFTER
    return WIEntry(
        uid=entry.id if entry.id is not None else index,
        world=world,
        key=list(entry.keys),
        keysecondary=list(entry.secondary_keys),
        content=entry.content or "",
        comment=entry.comment or entry.name or "",
        constant=bool(entry.constant),
        selective=bool(entry.selective) if entry.selective is not None else False,
        selective_logic=_int(ext.get("selectiveLogic"), AND_ANY),
        order=entry.insertion_order,
        position=position,
        disable=not entry.enabled,
        ignore_budget=bool(ext.get("ignore_budget", False)),
        exclude_recursion=bool(ext.get("exclude_recursion", False)),
        prevent_recursion=bool(ext.get("prevent_recursion", False)),
        delay_until_recursion=_int(ext.get("delay_until_recursion"), 0),
        probability=_int(ext.get("probability"), 100),
        use_probability=bool(ext.get("useProbability", True)),
        depth=_int(ext.get("depth"), 4),
        role=_int(ext.get("role"), 0),
        outlet_name=str(ext.get("outlet_name") or ""),
        group=str(ext.get("group") or ""),
        group_override=bool(ext.get("group_override", False)),
        group_weight=_int(ext.get("group_weight"), 100),
        scan_depth=None if ext.get("scan_depth") is None else _int(ext.get("scan_depth"), 0),
        case_sensitive=_opt_bool(ext.get("case_sensitive", entry.case_sensitive)),
        match_whole_words=_opt_bool(ext.get("match_whole_words")),
        use_group_scoring=_opt_bool(ext.get("use_group_scoring")),
        delay=_int(ext.get("delay"), 0),
        sticky=_int(ext.get("sticky"), 0),
        cooldown=_int(ext.get("cooldown"), 0),
        triggers=_strings(ext.get("triggers")),
        match_sources=_sources(ext, 1),
    )


def from_world_entry(data: Mapping[str, Any], world: str) -> WIEntry:
    """Convert one entry of a SillyTavern world-info file (`entries.<uid>`)."""
    return WIEntry(
        uid=data.get("uid", 0),
        world=world,
        key=_strings(data.get("key")),
        keysecondary=_strings(data.get("keysecondary")),
        content=str(data.get("content") or ""),
        comment=str(data.get("comment") or ""),
        constant=bool(data.get("constant", False)),
        selective=bool(data.get("selective", True)),
        selective_logic=_int(data.get("selectiveLogic"), AND_ANY),
        order=_int(data.get("order"), 100),
        position=_int(data.get("position"), BEFORE),
        disable=bool(data.get("disable", False)),
        ignore_budget=bool(data.get("ignoreBudget", False)),
        exclude_recursion=bool(data.get("excludeRecursion", False)),
        prevent_recursion=bool(data.get("preventRecursion", False)),
        delay_until_recursion=_int(data.get("delayUntilRecursion"), 0),
        probability=_int(data.get("probability"), 100),
        use_probability=bool(data.get("useProbability", True)),
        depth=_int(data.get("depth"), 4),
        role=_int(data.get("role"), 0),
        outlet_name=str(data.get("outletName") or ""),
        group=str(data.get("group") or ""),
        group_override=bool(data.get("groupOverride", False)),
        group_weight=_int(data.get("groupWeight"), 100),
        scan_depth=None if data.get("scanDepth") is None else _int(data.get("scanDepth"), 0),
        case_sensitive=_opt_bool(data.get("caseSensitive")),
        match_whole_words=_opt_bool(data.get("matchWholeWords")),
        use_group_scoring=_opt_bool(data.get("useGroupScoring")),
        delay=_int(data.get("delay"), 0),
        sticky=_int(data.get("sticky"), 0),
        cooldown=_int(data.get("cooldown"), 0),
        triggers=_strings(data.get("triggers")),
        match_sources=_sources(data, 0),
    )


def entries_of(book: Lorebook | Mapping[str, Any], world: str | None = None) -> list[WIEntry]:
    """Entries of an embedded card book (Lorebook) or of a SillyTavern world file (dict with `entries`)."""
    if isinstance(book, Lorebook):
        name = world or book.name or "lorebook"
        return [from_card_entry(e, name, i) for i, e in enumerate(book.entries)]
    name = world or str(book.get("name") or "lorebook")
    raw = book.get("entries", {})
    items = raw.values() if isinstance(raw, Mapping) else raw if isinstance(raw, list) else []
    return [from_world_entry(e, name) for e in items if isinstance(e, Mapping)]
