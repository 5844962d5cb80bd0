"""Steps shared by the chat- and text-completion paths: world info and the extension-prompt registry."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.model import Card, Lorebook
from tavo_tui.prompt.cache import PromptCache, Same, bulk
from tavo_tui.prompt.injection import BEFORE_PROMPT, IN_CHAT, IN_PROMPT, ExtensionPrompt, role_index
from tavo_tui.prompt.inputs import PromptInputs
from tavo_tui.prompt.macros import substitute
from tavo_tui.prompt.regex_scripts import WORLD_INFO, PromptRegex, RegexRun, apply_scripts
from tavo_tui.prompt.settings import AuthorsNote, PromptSettings
from tavo_tui.prompt.timed import TimedEffects
from tavo_tui.prompt.wi_index import EntryIndex
from tavo_tui.prompt.worldinfo import ScanMessage, WIEntry, WorldInfoResult, entries_of, scan_world_info

LorebookLike = Lorebook | Mapping[str, Any]


def _book_fingerprint(book: LorebookLike) -> tuple[object, ...]:
    """What tells one version of a book from the next without reading its entries: a prompt is rebuilt on every
    keystroke, and reading 300,000 entries each time is what made typing slow. Books are values: an edit makes a
    new Lorebook (or world-file dict) or a new entries list, as the card editor and the session's file reader do;
    an entry changed in place is not seen (see cache.py)."""
    if isinstance(book, Lorebook):
        return (book.name, Same(book.entries), len(book.entries))
    raw = book.get("entries")
    return (book.get("name"), Same(raw), len(raw) if isinstance(raw, Mapping | list) else 0)


class NamedBook(dict[str, Any]):
    """A world file under the name it is stored as, and the source it is active through (the subclasses). Its
    `entries` are the stored book's own object, so the caches see an unchanged book; the insertion strategy
    orders its entries against the other sources' (see `source_tiers`)."""

    def __init__(self, data: Mapping[str, Any], world: str) -> None:
        super().__init__(data)
        self.world = world


class GlobalBook(NamedBook):
    """A world file active through the global selection (SillyTavern's `world_info.globalSelect`)."""


class CharacterWorld(NamedBook):
    """The world file a card links as its own (`data.extensions.world`) and does not embed: character lore."""


def source_tiers(strategy: int) -> tuple[int, int, int]:
    """Scan-order tiers of (chat lore, character lore, global lore) for SillyTavern's insertion strategy: chat
    lore always first; then sorted evenly (0), character first (1) or global first (2)."""
    if strategy == 0:
        return (0, 1, 1)
    if strategy == 2:
        return (0, 2, 1)
    return (0, 1, 2)


def _entries_cached(book: LorebookLike, world: str | None, cache: PromptCache | None, tier: int = 0) -> list[WIEntry]:
    if cache is None:
        return _tiered(entries_of(book, world), tier)
    fingerprint = (world, tier, _book_fingerprint(book))
    found = cache.lookup("lorebook", book, fingerprint)
    if found is None:
        with bulk():
            found = cache.put("lorebook", book, fingerprint, _tiered(entries_of(book, world), tier))
    entries: list[WIEntry] = found
    return entries


def _tiered(entries: list[WIEntry], tier: int) -> list[WIEntry]:
    if tier:
        for entry in entries:  # new objects, made for this book and tier only
            entry.tier = tier
    return entries


def lorebook_entries(
    card: Card, lorebooks: Sequence[LorebookLike], settings: PromptSettings, cache: PromptCache | None = None
) -> list[WIEntry]:
    """Entries of the character's book followed by any other books (a book is not loaded twice). Books given as
    `GlobalBook` are global lore, a `CharacterWorld` the character's; the rest are the chat's.

    With a cache, the same books give back the same list object (so what is derived from it can be memoised
    too): callers must not modify it.
    """
    parts = _book_entries(card, lorebooks, settings, cache)
    if cache is None:
        return [entry for part in parts for entry in part]
    # Keyed by the card; the parts are the memoised per-book lists, compared by identity first.
    return cache.get("lorebook-set", card, tuple(parts), lambda: [entry for part in parts for entry in part])


def _book_entries(
    card: Card, lorebooks: Sequence[LorebookLike], settings: PromptSettings, cache: PromptCache | None
) -> list[list[WIEntry]]:
    entries: list[list[WIEntry]] = []
    seen: set[str] = set()
    chat_tier, character_tier, global_tier = source_tiers(settings.world_info.character_strategy)
    if settings.use_card_lorebook and card.character_book is not None:
        world = card.character_book.name or str(card.extensions.get("world") or card.name or "character")
        entries.append(_entries_cached(card.character_book, world, cache, character_tier))
        seen.add(world)
        linked = card.extensions.get("world")
        if isinstance(linked, str) and linked:
            seen.add(linked)
    for book in lorebooks:
        if isinstance(book, NamedBook):
            if book.world in seen or (isinstance(book, CharacterWorld) and not settings.use_card_lorebook):
                continue
            seen.add(book.world)
            tier = character_tier if isinstance(book, CharacterWorld) else global_tier
            entries.append(_entries_cached(book, book.world, cache, tier))
            continue
        name = book.name if isinstance(book, Lorebook) else book.get("name")
        if isinstance(name, str) and name and name in seen:
            continue
        if isinstance(name, str) and name:
            seen.add(name)
        entries.append(_entries_cached(book, None, cache, chat_tier))
    return entries


def authors_note_active(note: AuthorsNote | None, count_user_messages: Callable[[], int]) -> bool:
    """Whether the note goes in this turn. The user messages are counted only for an interval above 1, since
    counting reads every message of a long chat."""
    if note is None or not note.prompt.strip():
        return False
    if note.interval == 1:
        return True
    if note.interval <= 0:
        return False
    user_messages = count_user_messages()
    if user_messages == 0:
        return False
    return user_messages >= note.interval and user_messages % note.interval == 0


@dataclass
class Extensions:
    prompts: list[ExtensionPrompt] = field(default_factory=list)
    world: WorldInfoResult = field(default_factory=WorldInfoResult)
    regex: RegexRun = field(default_factory=RegexRun)  # what world-info regex scripts did


def regex_world(world: WorldInfoResult, regex: PromptRegex, substitute: Callable[[str], str]) -> RegexRun:
    """SillyTavern runs the world-info scripts (prompt-only ones) over each activated entry's text as it goes
    into the prompt, with the entry's depth for @depth entries; an entry left empty is dropped."""
    run = RegexRun()
    scripts = regex.world_info

    def each(texts: list[str], depth: int | None = None) -> list[str]:
        out = [apply_scripts(scripts, t, WORLD_INFO, substitute=substitute, prompt=True, depth=depth, run=run,
                             selected=True) for t in texts]
        return [t for t in out if t]

    for name in ("before", "after", "an_top", "an_bottom", "em_top", "em_bottom"):
        setattr(world, name, each(getattr(world, name)))
    world.depth = {key: kept for key, texts in world.depth.items() if (kept := each(texts, key[0]))}
    world.outlets = {name: kept for name, texts in world.outlets.items() if (kept := each(texts))}
    return run


def build_extensions(
    inputs: PromptInputs,
    entries: Sequence[WIEntry],
    *,
    settings: PromptSettings,
    note: AuthorsNote | None,
    max_prompt_tokens: int,
    count_tokens: Callable[[str], int],
    generation_type: str = "normal",
    timed: TimedEffects | None = None,
    index: EntryIndex | None = None,
    regex: PromptRegex | None = None,
) -> Extensions:
    """Run world info and register every extension prompt in SillyTavern's order of operations."""
    env = inputs.env
    prompts: list[ExtensionPrompt] = []
    note_active = authors_note_active(note, inputs.chat.user_count)
    note_text = substitute(note.prompt, env) if note is not None and note_active else ""
    card = inputs.card
    if card.depth_prompt:
        prompts.append(
            ExtensionPrompt(
                "DEPTH_PROMPT", card.depth_prompt, IN_CHAT, card.depth_prompt_depth, role_index(card.depth_prompt_role)
            )
        )
    # Extension prompts flagged for scanning: only the persona at depth by default (the character's note and
    # the Author's Note are scanned only when "allow WI scan" is on, which defaults to off).
    scan_extra: list[str] = []
    if settings.persona_position == 4 and inputs.persona:
        scan_extra.append(inputs.persona)
    if not entries:
        deepest = 0
    elif index is not None and index.entries is entries:
        deepest = max(settings.world_info.depth, index.deepest_scan)
    else:
        deepest = max([settings.world_info.depth, *(e.scan_depth or 0 for e in entries)])
    if entries and settings.world_info.min_activations > 0:
        # Minimum activations may scan deeper, up to the configured maximum or the whole chat.
        deepest = max(deepest, settings.world_info.min_activations_depth_max or len(inputs.chat))
    newest = inputs.chat[-deepest:] if deepest > 0 else []
    world = scan_world_info(
        entries,
        [ScanMessage(m.name, m.text) for m in newest],
        chat_length=len(inputs.chat),
        settings=settings.world_info,
        max_prompt_tokens=max_prompt_tokens,
        count_tokens=count_tokens,
        substitute=lambda text: substitute(text, env),
        generation_type=generation_type,
        extra_scan_text=scan_extra,
        timed=timed,
        index=index,
        sources={
            "persona": inputs.persona,
            "description": card.description,
            "personality": card.personality,
            "depth_prompt": card.depth_prompt,
            "scenario": card.scenario,
            "creator_notes": card.creator_notes,
        },
    )
    run = RegexRun()
    if regex is not None and regex.world_info and world.activated:
        run = regex_world(world, regex, lambda text: substitute(text, env))
    if note is not None and note_active:
        top = "\n".join(world.an_top)
        bottom = "\n".join(world.an_bottom)
        text = f"{top}\n{note_text}\n{bottom}"
        text = text.removeprefix("\n").removesuffix("\n")
        if settings.persona_position == 2 and inputs.persona:
            text = f"{inputs.persona}\n{text}"
        elif settings.persona_position == 3 and inputs.persona:
            text = f"{text}\n{inputs.persona}"
        position = {0: IN_PROMPT, 1: IN_CHAT, 2: BEFORE_PROMPT}.get(note.position, IN_CHAT)
        prompts.append(ExtensionPrompt("2_floating_prompt", text, position, note.depth, role_index(note.role)))
    for (depth, role), texts in sorted(world.depth.items()):
        prompts.append(ExtensionPrompt(f"customDepthWI_{depth}_{role}", "\n".join(texts), IN_CHAT, depth, role))
    if settings.persona_position == 4 and inputs.persona:
        prompts.append(
            ExtensionPrompt(
                "PERSONA_DESCRIPTION",
                inputs.persona,
                IN_CHAT,
                settings.persona_depth,
                role_index(settings.persona_role),
                scan=True,
            )
        )
    env.outlets = {name: "\n".join(texts) for name, texts in world.outlets.items()}
    env.values["authorsnote"] = note.prompt if note is not None else ""
    return Extensions(prompts, world, run)
