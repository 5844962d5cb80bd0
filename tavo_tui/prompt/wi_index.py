"""What world info can work out once per lorebook set instead of on every scan: the scan order, and which
entries can only fire through a plain key match in the default scan buffer, looked up by key.

A scan then visits only the entries whose keys occur in the buffer, plus every entry with some other way to
fire (constant, decorators, macros in keys, own scan depth or sources, own matching flags); skipping the rest
gives exactly what visiting them would (each of them would stop at the key check).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter

from tavo_tui.prompt.cache import PromptCache
from tavo_tui.prompt.lorebook import WIEntry


@dataclass
class KeyTable:
    """For one (case-sensitive, whole-words) setting: key -> positions in scan order of the plain entries."""

    words: dict[str, list[int]] = field(default_factory=dict)
    phrases: dict[str, list[int]] = field(default_factory=dict)
    others: list[tuple[int, WIEntry]] = field(default_factory=list)
    always: list[int] = field(default_factory=list)  # positions of the entries that are always visited


class EntryIndex:
    """Scan order and key tables of one entry list (which must not change while the index is used)."""

    def __init__(self, entries: Sequence[WIEntry]) -> None:
        self.entries = entries
        # Stable sort by order descending: equal orders keep their book order (reverse=True keeps stability).
        self.ordered: list[WIEntry] = sorted(entries, key=attrgetter("order"), reverse=True)
        self.deepest_scan = max((e.scan_depth or 0 for e in entries), default=0)
        self.delay_levels = sorted({e.delay_until_recursion for e in entries if e.delay_until_recursion > 0})
        self._tables: dict[tuple[bool, bool], KeyTable | None] = {}

    def table(self, case_sensitive: bool, whole_words: bool) -> KeyTable | None:
        """The key table for the global matching flags, or None when key lookups do not apply."""
        flags = (case_sensitive, whole_words)
        if flags not in self._tables:
            self._tables[flags] = _build_table(self.ordered, case_sensitive, whole_words)
        return self._tables[flags]


def _plain(entry: WIEntry, case_sensitive: bool, whole_words: bool) -> bool:
    """Whether `entry` fires only through a key match in the default buffer (else it is always visited)."""
    cs = entry.case_sensitive if entry.case_sensitive is not None else case_sensitive
    ww = entry.match_whole_words if entry.match_whole_words is not None else whole_words
    return (
        ww
        and not cs
        and not entry.keys_dynamic
        and not entry.constant
        and "@@activate" not in entry.decorators
        and entry.scan_depth is None
        and not entry.match_sources
    )


def _build_table(ordered: Sequence[WIEntry], case_sensitive: bool, whole_words: bool) -> KeyTable | None:
    if case_sensitive or not whole_words:
        return None  # only the usual matching (whole words, any case) has a key lookup
    table = KeyTable()
    for position, entry in enumerate(ordered):
        if not _plain(entry, case_sensitive, whole_words):
            table.always.append(position)
            continue
        for word in entry.word_keys_lower:
            table.words.setdefault(word, []).append(position)
        for phrase in entry.phrase_keys_lower:
            table.phrases.setdefault(phrase, []).append(position)
        if entry.other_keys:
            table.others.append((position, entry))
    return table


def entry_index(entries: Sequence[WIEntry], cache: PromptCache | None) -> EntryIndex | None:
    """The index of `entries`, memoised per list object (lorebook_entries keeps one list per unchanged set)."""
    if cache is None or not entries:
        return None
    return cache.get("wi-index", entries, len(entries), lambda: EntryIndex(entries))
