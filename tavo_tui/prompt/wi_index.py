"""What world info can work out once per lorebook set instead of on every scan: the scan order, and which
entries can only fire through a plain key match in the default scan buffer, looked up by key.

A scan then visits only the entries whose keys may occur in the buffer, plus every entry with some other way
to fire (constant, decorators, macros or regex in keys, own scan depth or sources, own matching flags) and
every entry kept active by a sticky effect; skipping the rest gives exactly what visiting them would (each of
them would stop at the key check). The lookups may let through entries whose key is not there: the scan
makes the real check. So a pass costs time in the length of the buffer and the entries found, not in the size
of the book: a 300,000-entry book costs what a 1,000-entry one does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import attrgetter

from tavo_tui.prompt.cache import PromptCache, bulk
from tavo_tui.prompt.lorebook import WIEntry

# A multi-word key is looked up by the start of its last word: if the key occurs in the buffer, its last word
# begins one of the buffer's words (it follows whitespace in the key, so in the buffer too).
PREFIX = 8
# A key of one word with other characters ("dusk-fall", "café") is looked up by its first GRAM characters,
# which occur inside one of the buffer's words wherever the key does.
GRAM = 3
# Below this many keys of a kind, testing each one against the buffer is cheaper than building its lookup set.
DIRECT = 32

# Positions of entries by key: a single int for the usual one entry per key (no list per key), else a list.
Positions = dict[str, int | list[int]]


def _add(table: Positions, key: str, position: int) -> None:
    found = table.get(key)
    if found is None:
        table[key] = position
    elif isinstance(found, int):
        if found != position:
            table[key] = [found, position]
    elif found[-1] != position:
        found.append(position)


def _collect(table: Positions, keys: Iterable[str], into: set[int]) -> None:
    for key in keys:
        found = table[key]
        if isinstance(found, int):
            into.add(found)
        else:
            into.update(found)


class KeyTable:
    """For the usual matching (whole words, any case): key -> positions in scan order of the plain entries."""

    def __init__(self, ordered: Sequence[WIEntry]) -> None:
        self.ordered = ordered
        self.words: Positions = {}
        self.phrases: Positions = {}  # start of the last word -> entries with a multi-word key ending so
        self.grams: Positions = {}  # first GRAM characters -> entries with such a one-word key
        self.gram_sizes: set[int] = set()
        self.phrase_count = 0
        self.gram_count = 0
        self.always: list[int] = []  # positions of the entries that are always visited
        words = self.words
        for position, entry in enumerate(ordered):
            if entry.disable or "@@dont_activate" in entry.decorators:
                continue  # a scan never activates these (sticky ones are found by label)
            if not _plain(entry):
                self.always.append(position)
                continue
            if not entry.plain_keys:
                continue  # no key, not constant: never fires through a key
            if entry.other_keys and any(k.startswith("/") for k in entry.other_keys):
                self.always.append(position)  # a regex key (or something shaped like one): the scan tries it
                continue
            for word in entry.word_keys_lower:
                if word in words:
                    _add(words, word, position)
                else:
                    words[word] = position  # the usual case, inline: this loop runs once per entry
            for phrase in entry.phrase_keys_lower:
                tokens = phrase.split()
                if len(tokens) < 2:
                    self.always.append(position)  # lower-casing changed its shape: not worth a lookup
                    break
                _add(self.phrases, tokens[-1][:PREFIX], position)
                self.phrase_count += 1
            for key in entry.other_keys:
                gram = key.lower()[:GRAM]
                if not gram or any(ch.isspace() for ch in gram):
                    self.always.append(position)
                    break
                _add(self.grams, gram, position)
                self.gram_sizes.add(len(gram))
                self.gram_count += 1

    def visit(self, text: str, lowered: str, lower_words: set[str], extra: Iterable[int] = ()) -> list[WIEntry]:
        """The entries of one pass worth visiting, in scan order: those always visited, `extra` (positions),
        and the plain ones with a key that may be in the buffer (`lowered` and `lower_words` are its
        lower-cased text and words)."""
        hit: set[int] = set(extra)
        if text:
            _collect(self.words, self.words.keys() & lower_words, hit)
            if self.phrases or self.grams:
                tokens = set(lowered.split())
                if self.phrases:
                    self._phrases(tokens, lowered, hit)
                if self.grams:
                    self._grams(tokens, lowered, hit)
        if not hit:
            return [self.ordered[i] for i in self.always]
        hit.update(self.always)
        ordered = self.ordered
        return [ordered[i] for i in sorted(hit)]

    def _phrases(self, tokens: set[str], lowered: str, hit: set[int]) -> None:
        if self.phrase_count <= DIRECT:
            starts: Iterable[str] = self.phrases.keys()
        else:
            starts = self.phrases.keys() & {t[:n] for t in tokens for n in range(1, min(PREFIX, len(t)) + 1)}
        found: set[int] = set()
        _collect(self.phrases, starts, found)
        ordered = self.ordered
        # The exact test the scan makes for these keys (a plain substring), so only real hits are visited.
        hit.update(p for p in found if any(k in lowered for k in ordered[p].phrase_keys_lower))

    def _grams(self, tokens: set[str], lowered: str, hit: set[int]) -> None:
        if self.gram_count <= DIRECT:
            grams: Iterable[str] = self.grams.keys()
        else:
            grams = self.grams.keys() & {
                t[i : i + n] for t in tokens for n in self.gram_sizes for i in range(len(t) - n + 1)
            }
        found: set[int] = set()
        _collect(self.grams, grams, found)
        ordered = self.ordered
        # A key that is not even a substring cannot match as a whole word; the scan makes the word test.
        hit.update(p for p in found if any(k.lower() in lowered for k in ordered[p].other_keys))


class EntryIndex:
    """Scan order and key tables of one entry list (which must not change while the index is used)."""

    def __init__(self, entries: Sequence[WIEntry]) -> None:
        self.entries = entries
        self.ordered: list[WIEntry] = scan_order(entries)
        self.deepest_scan = max((e.scan_depth or 0 for e in entries), default=0)
        self.delay_levels = sorted({e.delay_until_recursion for e in entries if e.delay_until_recursion > 0})
        self._table: KeyTable | None = None
        self._labels: dict[str, list[int]] | None = None

    def table(self, case_sensitive: bool, whole_words: bool) -> KeyTable | None:
        """The key table for the global matching flags, or None when key lookups do not apply."""
        if case_sensitive or not whole_words:
            return None  # only the usual matching (whole words, any case) has a key lookup
        if self._table is None:
            with bulk():
                self._table = KeyTable(self.ordered)
        return self._table

    def _label_positions(self) -> dict[str, list[int]]:
        # Built on first use only: needed only while some sticky or cooldown effect is stored in the chat.
        if self._labels is None:
            labels: dict[str, list[int]] = {}
            for position, entry in enumerate(self.ordered):
                labels.setdefault(f"{entry.world}.{entry.uid}", []).append(position)
            self._labels = labels
        return self._labels

    def positions(self, keys: Iterable[str]) -> list[int]:
        """Scan-order positions of the entries with these timed-effect keys ("world.uid")."""
        labels = self._label_positions()
        return [position for key in keys for position in labels.get(key, ())]

    def effect_entry(self, key: str) -> WIEntry | None:
        """The entry a timed-effect key names: of entries sharing one key, the last in book order."""
        positions = self._label_positions().get(key)
        if not positions:
            return None
        if len(positions) == 1:
            return self.ordered[positions[0]]
        wanted = {id(self.ordered[p]) for p in positions}
        return next(e for e in reversed(self.entries) if id(e) in wanted)


def scan_order(entries: Sequence[WIEntry]) -> list[WIEntry]:
    """Entries in the order a scan visits them: by source tier, then order descending; the sort is stable, so
    equal ones keep their book order (reverse=True keeps stability too)."""
    if any(e.tier for e in entries):
        return sorted(entries, key=lambda e: (e.tier, -e.order))
    return sorted(entries, key=attrgetter("order"), reverse=True)


def _plain(entry: WIEntry) -> bool:
    """Whether `entry` fires only through a key match in the default buffer (else it is always visited)."""
    return (
        entry.case_sensitive is not True
        and entry.match_whole_words is not False
        and not entry.keys_dynamic
        and not entry.constant
        and "@@activate" not in entry.decorators
        and entry.scan_depth is None
        and not entry.match_sources
    )


def entry_index(entries: Sequence[WIEntry], cache: PromptCache | None) -> EntryIndex | None:
    """The index of `entries`, memoised per list object (lorebook_entries keeps one list per unchanged set)."""
    if cache is None or not entries:
        return None
    return cache.get("wi-index", entries, len(entries), lambda: EntryIndex(entries))
