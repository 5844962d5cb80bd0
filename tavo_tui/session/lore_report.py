"""Which lorebook entries fired for a prompt, which did not, and a short reason for each.

The prompt engine reports the labels of the entries it inserted (and those cut by the budget) in
`AssembledPrompt.notes`; it does not record which key matched. The reasons here come from re-checking each
entry's keys against the same scan window (the newest messages plus the pending one), so they explain the
common cases (a key in the recent chat, a constant entry) and say plainly when the cause was something else.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tavo_tui.model import AssembledPrompt
from tavo_tui.prompt.common import CharacterWorld, GlobalBook, lorebook_entries
from tavo_tui.prompt.lorebook import WIEntry
from tavo_tui.prompt.settings import WorldInfoSettings
from tavo_tui.prompt.tokens import counter_for_model
from tavo_tui.prompt.worldinfo import (
    AFTER,
    AN_BOTTOM,
    AN_TOP,
    AT_DEPTH,
    BEFORE,
    EM_BOTTOM,
    EM_TOP,
    RegexTimeout,
    match_key,
)

if TYPE_CHECKING:
    from tavo_tui.session.chat_session import ChatSession

FIRED_PREFIX = "world info: "
OVER_BUDGET_PREFIX = "world info over budget"

POSITION_NAMES: dict[int, str] = {
    BEFORE: "before the character",
    AFTER: "after the character",
    AN_TOP: "top of author's note",
    AN_BOTTOM: "bottom of author's note",
    AT_DEPTH: "in the chat at depth",
    EM_TOP: "before examples",
    EM_BOTTOM: "after examples",
}

# Where each position's text ends up, as the prefix of the section `source` the engine gives it.
POSITION_SECTIONS: dict[int, str] = {
    BEFORE: "world_info.before",
    AFTER: "world_info.after",
    AN_TOP: "injection.2_floating_prompt",
    AN_BOTTOM: "injection.2_floating_prompt",
    AT_DEPTH: "injection.customDepthWI",
    EM_TOP: "card.mes_example",
    EM_BOTTOM: "card.mes_example",
}


@dataclass(frozen=True)
class LoreLine:
    label: str
    status: str  # "fired", "over budget", "not fired", "disabled"
    reason: str
    position: str
    tokens_hint: int = 0  # characters of content / 4: a rough size, shown for skipped entries too
    lands_in: str = ""  # the prompt section source (prefix) a fired entry's text goes into
    book: str = ""  # the lorebook the entry is in
    scope: str = ""  # how that book is active: "global", "character" or "chat"


def fired_labels(prompt: AssembledPrompt) -> tuple[list[str], list[str]]:
    """(inserted, cut by the budget) entry labels, from the engine's notes."""
    fired: list[str] = []
    over: list[str] = []
    for note in prompt.notes:
        if note.startswith(FIRED_PREFIX):
            fired.append(note[len(FIRED_PREFIX):])
        elif note.startswith(OVER_BUDGET_PREFIX) and ": " in note:
            over.append(note.split(": ", 1)[1])
    return fired, over


def _scan_text(texts: Sequence[str]) -> tuple[str, str]:
    joined = "\n".join(texts)
    return joined, joined.lower()


def _found_keys(entry: WIEntry, keys: Sequence[str], haystack: str, lowered: str, wi: WorldInfoSettings) -> list[str]:
    case = entry.case_sensitive if entry.case_sensitive is not None else wi.case_sensitive
    whole = entry.match_whole_words if entry.match_whole_words is not None else wi.match_whole_words
    found = []
    for key in keys:
        try:
            if key and match_key(haystack, lowered, key, case_sensitive=case, whole_words=whole):
                found.append(key)
        except RegexTimeout:  # the engine skipped it too, and says so in the prompt's notes
            continue
    return found


def explain_entry(entry: WIEntry, status: str, window: Sequence[str], wi: WorldInfoSettings) -> str:
    """A one-line reason for an entry's status, from its flags and its keys against the scan window."""
    depth = entry.scan_depth if entry.scan_depth is not None else wi.depth
    scanned = list(window[-depth:]) if depth > 0 else []
    haystack, lowered = _scan_text(scanned)
    primary = _found_keys(entry, entry.plain_keys, haystack, lowered, wi)
    secondary = _found_keys(entry, entry.plain_secondary, haystack, lowered, wi)
    where = f"the last {depth} message{'s' if depth != 1 else ''}"
    if status == "disabled":
        return "disabled in the lorebook"
    if entry.constant:
        base = "constant (always on)"
    elif primary:
        base = "key " + ", ".join(repr(k) for k in primary[:3]) + f" found in {where}"
        if secondary:
            base += "; secondary " + ", ".join(repr(k) for k in secondary[:3])
    else:
        base = ""
    if status == "fired":
        return base or "no key in the scanned messages: activated by recursion, a decorator, sticky or min-activations"
    if status == "over budget":
        return (base + "; " if base else "") + "cut: the world-info token budget was full"
    if not entry.plain_keys and not entry.constant:
        return "has no keys"
    if base:
        return base + ", but not inserted (secondary-key logic, probability, delay, cooldown or group)"
    return f"no key found in {where}"


def lore_report(session: ChatSession, prompt: AssembledPrompt, pending: str | None = None) -> list[LoreLine]:
    """Every lorebook entry the chat can use with its status for `prompt`: fired first, then over budget,
    then the rest in book order."""
    settings = session.prompt_settings()
    try:
        # The shared counter's cache holds the parsed books the prompt engine already built.
        cache = counter_for_model(session.profile.model).cache
        books = session.lorebooks()
        entries = lorebook_entries(session.card, books, settings, cache)
    except Exception:  # a damaged book must not break the inspector; the engine reports it itself
        return []
    fired, over = fired_labels(prompt)
    fired_set, over_set = set(fired), set(over)
    wi = settings.world_info
    deepest = max([wi.depth, *((e.scan_depth or 0) for e in entries)]) if entries else 0
    recent = session.messages[-deepest:] if deepest > 0 else []
    window = [f"{m.name}: {m.mes}" if wi.include_names else m.mes for m in recent if not m.is_system]
    if pending:
        window.append(pending)
    globals_ = {book.world for book in books if isinstance(book, GlobalBook)}
    card_book = session.card.character_book
    card_worlds = {book.world for book in books if isinstance(book, CharacterWorld)}
    if card_book is not None and settings.use_card_lorebook:
        card_worlds.add(card_book.name or str(session.card.extensions.get("world") or session.card.name or "character"))
    lines: list[LoreLine] = []
    for entry in entries:
        label = entry.label
        if label in fired_set:
            status = "fired"
        elif label in over_set:
            status = "over budget"
        elif entry.disable:
            status = "disabled"
        else:
            status = "not fired"
        lines.append(
            LoreLine(
                label=label,
                status=status,
                reason=explain_entry(entry, status, window, wi),
                position=POSITION_NAMES.get(entry.position, f"position {entry.position}"),
                tokens_hint=len(entry.content) // 4,
                lands_in=POSITION_SECTIONS.get(entry.position, ""),
                book=entry.world,
                scope="global" if entry.world in globals_ else "character" if entry.world in card_worlds else "chat",
            )
        )
    order = {"fired": 0, "over budget": 1, "not fired": 2, "disabled": 3}
    return sorted(lines, key=lambda line: order[line.status])


def lore_sources(lines: Sequence[LoreLine]) -> list[tuple[str, str, int]]:
    """(scope, book, entries) of the books a report's entries come from, in the engine's scan order of sources
    (the chat's, the character's, the global ones)."""
    counts: dict[tuple[str, str], int] = {}
    for line in lines:
        counts[(line.scope, line.book)] = counts.get((line.scope, line.book), 0) + 1
    rank = {"chat": 0, "character": 1, "global": 2}
    return [(scope, book, n) for (scope, book), n in sorted(counts.items(), key=lambda kv: rank.get(kv[0][0], 3))]
