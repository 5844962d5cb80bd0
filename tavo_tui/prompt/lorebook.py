"""Lorebook entries in SillyTavern's world-info field layout, converted from card books and world files."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.model import Lorebook, LorebookEntry

_WORD_ONLY = re.compile(r"^[A-Za-z0-9_]+$")
_REGEX_FORM = re.compile(r"^/((?:\\/|[^/])+)/([gimsuy]*)$")

BEFORE, AFTER, AN_TOP, AN_BOTTOM, AT_DEPTH, EM_TOP, EM_BOTTOM, OUTLET = range(8)
AND_ANY, NOT_ALL, NOT_ANY, AND_ALL = range(4)


# Slots: a 300,000-entry book is 300,000 of these, and a per-instance __dict__ of ~45 fields tripled its memory.
@dataclass(slots=True)
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
    triggers: Sequence[str] = ()
    decorators: tuple[str, ...] = ()
    # Extra texts this entry also scans (SillyTavern's matchPersonaDescription, matchCharacterDescription, ...).
    match_sources: tuple[str, ...] = ()
    # Scan-order rank of the entry's source (chat lore first, then the insertion strategy's order of character
    # and global lore): entries are visited by (tier, order descending). See common.source_tiers.
    tier: int = 0
    # Derived from the keys in __post_init__ (read-only; empty ones share one empty tuple to save memory).
    plain_keys: list[str] = field(init=False, repr=False)
    plain_secondary: list[str] = field(init=False, repr=False)
    keys_dynamic: bool = field(init=False, repr=False)
    word_keys_lower: tuple[str, ...] = field(init=False, repr=False)
    phrase_keys_lower: tuple[str, ...] = field(init=False, repr=False)
    other_keys: tuple[str, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        # Written for speed: a huge book runs this once per entry, and most entries take the short paths.
        if self.content.startswith("@@"):
            self.decorators, self.content = split_decorators(self.content)
        else:
            self.decorators = ()
        keys = self.plain_keys = _stripped(self.key)
        secondary = self.keysecondary
        self.plain_secondary = _stripped(secondary) if secondary else []
        # Keys with macros are substituted at scan time; all others are used as they are.
        joined = "\x00".join(self.key + secondary if secondary else self.key)
        self.keys_dynamic = "{{" in joined or "<" in joined
        # Primary keys split for whole-word matching: plain words (a set lookup), multi-word keys (plain
        # substrings under whole-word matching) and everything else (the general matcher).
        words: list[str] = []
        phrases: list[str] = []
        others: list[str] = []
        for k in keys:
            if _WORD_ONLY.match(k):
                words.append(_lower(k))
            elif len(k.split()) > 1 and not _REGEX_FORM.match(k):
                phrases.append(_lower(k))
            else:
                others.append(k)
        self.word_keys_lower = tuple(words) if words else ()
        self.phrase_keys_lower = tuple(phrases) if phrases else ()
        self.other_keys = tuple(k for k in others if _lower(k) not in phrases) if others else ()

    @property
    def label(self) -> str:
        return f"{self.world}[{self.uid}]" + (f" {self.comment}" if self.comment else "")


def _stripped(keys: list[str]) -> list[str]:
    # Most keys need no stripping: keep the list itself rather than a copy per entry.
    if all(keys) and list(map(str.strip, keys)) == keys:
        return keys
    return [s for s in (k.strip() for k in keys) if s]


def _lower(text: str) -> str:
    # Keep the original string when it is already lower case (one string less per key).
    low = text.lower()
    return text if low == text else low


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
    if value is None:
        return default  # the common case, without the cost of int(None) raising
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


def _int_or(default: int) -> Callable[[Any], int]:
    return lambda value: _int(value, default)


# The card-book extension keys SillyTavern reads: key -> (WIEntry field, conversion). A book entry usually sets
# only a few of them, so conversion walks the entry's own keys instead of asking for each of these.
_CARD_EXTENSIONS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "selectiveLogic": ("selective_logic", _int_or(AND_ANY)),
    "ignore_budget": ("ignore_budget", bool),
    "exclude_recursion": ("exclude_recursion", bool),
    "prevent_recursion": ("prevent_recursion", bool),
    "delay_until_recursion": ("delay_until_recursion", _int_or(0)),
    "probability": ("probability", _int_or(100)),
    "useProbability": ("use_probability", bool),
    "depth": ("depth", _int_or(4)),
    "role": ("role", _int_or(0)),
    "outlet_name": ("outlet_name", lambda value: str(value or "")),
    "group": ("group", lambda value: str(value or "")),
    "group_override": ("group_override", bool),
    "group_weight": ("group_weight", _int_or(100)),
    "scan_depth": ("scan_depth", lambda value: None if value is None else _int(value, 0)),
    "case_sensitive": ("case_sensitive", _opt_bool),
    "match_whole_words": ("match_whole_words", _opt_bool),
    "use_group_scoring": ("use_group_scoring", _opt_bool),
    "delay": ("delay", _int_or(0)),
    "sticky": ("sticky", _int_or(0)),
    "cooldown": ("cooldown", _int_or(0)),
    "triggers": ("triggers", _strings),
}
_CARD_SOURCE_KEYS = frozenset(keys[1] for _name, *keys in SCAN_SOURCES)


def from_card_entry(entry: LorebookEntry, world: str, index: int) -> WIEntry:
    """Convert an embedded `character_book` entry (V2/V3 shape) the way SillyTavern imports it."""
    ext = entry.extensions if isinstance(entry.extensions, dict) else {}
    options: dict[str, Any] = {}
    has_sources = False
    for name, value in ext.items():
        spec = _CARD_EXTENSIONS.get(name)
        if spec is not None:
            options[spec[0]] = spec[1](value)
        elif name in _CARD_SOURCE_KEYS:
            has_sources = True
    if "case_sensitive" not in options and entry.case_sensitive is not None:
        options["case_sensitive"] = bool(entry.case_sensitive)
    if has_sources:
        options["match_sources"] = _sources(ext, 1)
    position = ext.get("position")
    return WIEntry(
        uid=entry.id if entry.id is not None else index,
        world=world,
        # The model's own lists, not copies: entries are read-only here (see cache.py on edits).
        key=entry.keys,
        keysecondary=entry.secondary_keys,
        content=entry.content or "",
        comment=entry.comment or entry.name or "",
        constant=bool(entry.constant),
        selective=bool(entry.selective) if entry.selective is not None else False,
        order=entry.insertion_order,
        position=(
            _int(position, BEFORE) if position is not None else BEFORE if entry.position == "before_char" else AFTER
        ),
        disable=not entry.enabled,
        **options,
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
