"""World info (lorebook) activation, following SillyTavern 1.18's scan rules.

Entries are matched against the newest chat messages (scan depth), optionally recursing into the content of
activated entries, limited by a token budget; the result lists entry texts per insertion position.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

import regex

from tavo_tui.prompt.lorebook import (
    AFTER,
    AN_BOTTOM,
    AN_TOP,
    AND_ALL,
    AND_ANY,
    AT_DEPTH,
    BEFORE,
    EM_BOTTOM,
    EM_TOP,
    NOT_ALL,
    NOT_ANY,
    OUTLET,
    WIEntry,
    entries_of,
    split_decorators,
)
from tavo_tui.prompt.settings import WorldInfoSettings
from tavo_tui.prompt.timed import TimedEffects
from tavo_tui.prompt.wi_index import EntryIndex, scan_order

_REGEX_KEY = re.compile(r"^/((?:\\/|[^/])+)/([gimsuy]*)$")
# A regex key comes from a card or lorebook: a catastrophic pattern such as /(a|aa)+$/ would otherwise hold the
# prompt build (and the app) for seconds to minutes. Each search stops after this long; the key is then
# skipped for the rest of the scan and reported (WorldInfoResult.timed_out_keys).
REGEX_TIMEOUT = 0.05

__all__ = [
    "AFTER",
    "AND_ALL",
    "AND_ANY",
    "AN_BOTTOM",
    "AN_TOP",
    "AT_DEPTH",
    "BEFORE",
    "EM_BOTTOM",
    "EM_TOP",
    "NOT_ALL",
    "NOT_ANY",
    "OUTLET",
    "REGEX_TIMEOUT",
    "RegexTimeout",
    "ScanMessage",
    "WIEntry",
    "WorldInfoResult",
    "entries_of",
    "match_key",
    "scan_world_info",
    "split_decorators",
]


@dataclass
class ScanMessage:
    name: str
    text: str


@dataclass
class WorldInfoResult:
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    an_top: list[str] = field(default_factory=list)
    an_bottom: list[str] = field(default_factory=list)
    em_top: list[str] = field(default_factory=list)
    em_bottom: list[str] = field(default_factory=list)
    depth: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    outlets: dict[str, list[str]] = field(default_factory=dict)
    activated: list[WIEntry] = field(default_factory=list)
    dropped_by_budget: list[WIEntry] = field(default_factory=list)
    budget: int = 0
    timed_out_keys: list[str] = field(default_factory=list)  # regex keys skipped: their search ran too long


class RegexTimeout(Exception):
    """A regex key's search ran past REGEX_TIMEOUT."""

    def __init__(self, key: str) -> None:
        super().__init__(f"the regex key {key} took longer than {REGEX_TIMEOUT * 1000:.0f} ms and was skipped")
        self.key = key


@lru_cache(maxsize=4096)
def _word_pattern(needle: str) -> re.Pattern[str]:
    return re.compile(r"(?:^|\W)(" + re.escape(needle) + r")(?:$|\W)", re.ASCII)


@lru_cache(maxsize=1024)
def _regex_key(key: str) -> regex.Pattern[str] | None:
    # The `regex` engine (already required by tiktoken) because it can stop a search after a timeout; its
    # default VERSION0 syntax is that of `re`.
    m = _REGEX_KEY.match(key)
    if m is None:
        return None
    flags = 0
    for ch in m.group(2):
        flags |= {"i": regex.IGNORECASE, "m": regex.MULTILINE, "s": regex.DOTALL}.get(ch, 0)
    try:
        return regex.compile(m.group(1), flags)
    except (regex.error, OverflowError, RecursionError):
        return None


_WORD_ONLY = re.compile(r"^[A-Za-z0-9_]+$")
_NON_WORD = re.compile(r"[^A-Za-z0-9_]+")


@lru_cache(maxsize=65536)
def _is_word(key: str) -> bool:
    return _WORD_ONLY.match(key) is not None


class _Buffer:
    """One scan buffer with lazily built lower-case text and word sets for fast whole-word lookups.

    `timed_out` is shared by every buffer of one scan: a regex key that ran too long once is not tried again."""

    def __init__(self, text: str, timed_out: set[str] | None = None) -> None:
        self.text = text
        self.timed_out = timed_out if timed_out is not None else set()
        self._lowered: str | None = None
        self._words: set[str] | None = None
        self._lower_words: set[str] | None = None

    @property
    def lower_words(self) -> set[str]:
        if self._lower_words is None:
            self._lower_words = set(_NON_WORD.split(self.lowered))
        return self._lower_words

    @property
    def lowered(self) -> str:
        if self._lowered is None:
            self._lowered = self.text.lower()
        return self._lowered

    def match_any(self, keys: Sequence[str], case_sensitive: bool, whole_words: bool) -> bool:
        for key in keys:
            if self.match(key, case_sensitive, whole_words):
                return True
        return False

    def match(self, key: str, case_sensitive: bool, whole_words: bool) -> bool:
        if whole_words and _is_word(key):
            # A key of word characters only matches exactly when it is one of the buffer's words.
            if case_sensitive:
                if self._words is None:
                    self._words = set(_NON_WORD.split(self.text))
                return key in self._words
            if self._lower_words is None:
                self._lower_words = set(_NON_WORD.split(self.lowered))
            return key.lower() in self._lower_words
        if key in self.timed_out:
            return False
        try:
            return match_key(self.text, self.lowered, key, case_sensitive=case_sensitive, whole_words=whole_words)
        except RegexTimeout:
            self.timed_out.add(key)
            return False


def match_key(haystack: str, lowered: str, key: str, *, case_sensitive: bool, whole_words: bool) -> bool:
    """Whether `key` occurs in the scan buffer (`lowered` is the buffer already lower-cased). A regex key whose
    search runs past REGEX_TIMEOUT raises RegexTimeout."""
    pattern = _regex_key(key)
    if pattern is not None:
        try:
            return pattern.search(haystack, timeout=REGEX_TIMEOUT) is not None
        except TimeoutError:
            raise RegexTimeout(key) from None
    text = haystack if case_sensitive else lowered
    needle = key if case_sensitive else key.lower()
    if whole_words and len(needle.split()) <= 1:
        return _word_pattern(needle).search(text) is not None
    return needle in text


def scan_world_info(
    entries: Sequence[WIEntry],
    chat: Sequence[ScanMessage],
    *,
    settings: WorldInfoSettings,
    max_prompt_tokens: int,
    count_tokens: Callable[[str], int],
    substitute: Callable[[str], str],
    generation_type: str = "normal",
    extra_scan_text: Sequence[str] = (),
    rng: random.Random | None = None,
    chat_length: int | None = None,
    sources: Mapping[str, str] | None = None,
    timed: TimedEffects | None = None,
    index: EntryIndex | None = None,
) -> WorldInfoResult:
    """Activate entries for one generation. `chat` is chronological; `substitute` expands macros.

    `chat` may hold only the newest messages (at least the deepest scan depth); `chat_length` is then the
    length of the whole chat (used by delayed entries). `extra_scan_text` are extension prompts scanned by every
    entry; `sources` are texts (persona, description, ...) scanned only by entries that ask for them.
    `timed` holds sticky/cooldown effects: sticky entries activate without a key match, entries cooling down
    do not activate, and effects for newly activated entries are recorded into it. `index` (see wi_index.py),
    built from this very `entries` object, lets each pass visit only the entries that can fire.
    """
    result = WorldInfoResult()
    budget = round(settings.budget * max_prompt_tokens / 100) or 1
    if settings.budget_cap > 0 and budget > settings.budget_cap:
        budget = settings.budget_cap
    result.budget = budget
    if not entries:
        return result
    if index is not None and index.entries is not entries:
        index = None
    # By source tier (the insertion strategy), then order descending; equal ones keep their book order.
    ordered = index.ordered if index is not None else scan_order(entries)
    newest_first = [(f"{m.name}: {m.text}" if settings.include_names else m.text).strip() for m in reversed(chat)]
    chat_length = len(chat) if chat_length is None else chat_length
    rng = rng or random.Random()
    activated: dict[int, WIEntry] = {}
    failed: set[int] = set()
    recursion: list[str] = []
    all_text = ""
    overflowed = False
    recursing = False
    steps = 0
    skew = 0  # extra scan depth of minimum-activation passes
    if index is not None:
        delay_levels = list(index.delay_levels)
    else:
        delay_levels = sorted({e.delay_until_recursion for e in entries if e.delay_until_recursion > 0})
    delay_level = delay_levels.pop(0) if delay_levels else 0
    scores: dict[int, int] = {}
    sticky: set[int] = set()  # entries kept active by a sticky effect
    timed_live = timed is not None and timed.any_active()
    table = index.table(settings.case_sensitive, settings.match_whole_words) if index is not None else None
    # Sticky entries fire without a key match: the index finds them by their effect key.
    stuck_positions = (
        index.positions(timed.state.get("sticky", {}).keys())
        if index is not None and table is not None and timed is not None and timed_live
        else []
    )
    buffers: dict[tuple[int, tuple[str, ...]], _Buffer] = {}
    source_texts = sources or {}
    timed_out: set[str] = set()

    def buffer_for(depth: int, wanted: tuple[str, ...], rec_text: str) -> _Buffer:
        depth = max(0, depth)
        cached = buffers.get((depth, wanted))
        if cached is None:
            if depth <= 0:
                text = ""
            else:
                text = "\x01" + "\n\x01".join(newest_first[:depth])
                for name in wanted:
                    if source_texts.get(name):
                        text += "\n\x01" + source_texts[name]
                for extra in extra_scan_text:
                    text += "\n\x01" + extra
                if rec_text:
                    text += "\n\x01" + rec_text
            cached = _Buffer(text, timed_out)
            buffers[(depth, wanted)] = cached
        return cached

    def keys_of(entry: WIEntry, secondary: bool) -> list[str]:
        if not entry.keys_dynamic:
            return entry.plain_secondary if secondary else entry.plain_keys
        raw = entry.keysecondary if secondary else entry.key
        return [k for k in (substitute(k).strip() for k in raw) if k]

    while True:
        steps += 1
        candidates: list[WIEntry] = []
        buffers.clear()
        rec_text = "" if skew else "\n\x01".join(recursion)
        visit = ordered
        if table is not None:
            scanned = buffer_for(settings.depth + skew, (), rec_text)
            visit = table.visit(scanned.text, scanned.lowered, scanned.lower_words, stuck_positions)
        for entry in visit:
            key = id(entry)
            if key in activated or key in failed or entry.disable:
                continue
            if entry.triggers and generation_type not in entry.triggers:
                continue
            if entry.delay and chat_length < entry.delay:
                continue
            if entry.delay_until_recursion and (not recursing or entry.delay_until_recursion > delay_level):
                continue
            if recursing and settings.recursive and entry.exclude_recursion:
                continue
            if "@@dont_activate" in entry.decorators:
                continue
            if timed_live and timed is not None:
                if timed.active("sticky", entry):
                    sticky.add(key)
                    candidates.append(entry)
                    continue
                if timed.active("cooldown", entry):
                    continue
            if entry.constant or "@@activate" in entry.decorators:
                candidates.append(entry)
                continue
            keys = keys_of(entry, False)
            if not keys:
                continue
            depth = (entry.scan_depth if entry.scan_depth is not None else settings.depth) + skew
            buffer = buffer_for(depth, entry.match_sources, rec_text)
            if not buffer.text:
                continue
            cs = entry.case_sensitive if entry.case_sensitive is not None else settings.case_sensitive
            ww = entry.match_whole_words if entry.match_whole_words is not None else settings.match_whole_words
            if ww and not cs and not entry.keys_dynamic:
                # Common case: word keys are set lookups, the rest go through the general matcher.
                if buffer.lower_words.isdisjoint(entry.word_keys_lower):
                    lowered = buffer.lowered
                    if not any(k in lowered for k in entry.phrase_keys_lower) and not buffer.match_any(
                        entry.other_keys, cs, ww
                    ):
                        continue
            elif not buffer.match_any(keys, cs, ww):
                continue
            secondary = keys_of(entry, True) if entry.selective and entry.keysecondary else []
            hits: list[bool] = []
            if secondary:
                hits = [buffer.match(k, cs, ww) for k in secondary]
                logic = entry.selective_logic
                ok = (
                    (logic == AND_ANY and any(hits))
                    or (logic == NOT_ALL and not all(hits))
                    or (logic == NOT_ANY and not any(hits))
                    or (logic == AND_ALL and all(hits))
                )
                if not ok:
                    continue
            if entry.group and _scoring(entry, settings):
                score = sum(1 for k in keys if buffer.match(k, cs, ww))
                if entry.selective_logic == AND_ANY or (entry.selective_logic == AND_ALL and hits and all(hits)):
                    score += sum(hits)
                scores[id(entry)] = score
            candidates.append(entry)

        if sticky:
            # Sticky entries are processed (and spend the budget) first; the sort is stable.
            candidates.sort(key=lambda e: id(e) not in sticky)
        candidates = _filter_groups(candidates, activated, rng, scores, settings, sticky)
        scanned_tokens = count_tokens(all_text) if all_text else 0
        new_content = ""
        accepted: list[WIEntry] = []
        remaining_ignoring = sum(1 for e in candidates if e.ignore_budget)
        for entry in candidates:
            if entry.ignore_budget:
                remaining_ignoring -= 1
            if overflowed and not entry.ignore_budget:
                result.dropped_by_budget.append(entry)
                if remaining_ignoring > 0:
                    continue
                break
            if (
                entry.use_probability
                and entry.probability != 100
                and id(entry) not in sticky
                and rng.random() * 100 > entry.probability
            ):
                failed.add(id(entry))
                continue
            content = substitute(entry.content)
            new_content += content + "\n"
            if not entry.ignore_budget and scanned_tokens + count_tokens(new_content) >= budget:
                overflowed = True
                result.dropped_by_budget.append(entry)
                continue
            accepted.append(entry)
            activated[id(entry)] = replace(entry, content=content)
        for entry in accepted:
            all_text = activated[id(entry)].content + "\n" + all_text
        rec_new = [activated[id(e)].content for e in accepted if not e.prevent_recursion]
        if settings.max_recursion_steps and steps >= settings.max_recursion_steps:
            break
        if settings.recursive and not overflowed and rec_new and not skew:
            recursion.extend(rec_new)
            recursing = True
            continue
        if (
            settings.min_activations > 0
            and not overflowed
            and len(activated) < settings.min_activations
            and settings.depth + skew < chat_length
            and (not settings.min_activations_depth_max or settings.depth + skew < settings.min_activations_depth_max)
        ):
            # Not enough entries fired: scan one message deeper (recursion text is not part of these passes).
            skew += 1
            continue
        if settings.recursive and not overflowed and delay_levels:
            # Entries delayed until a deeper recursion level get one extra pass per level.
            delay_level = delay_levels.pop(0)
            recursing = True
            skew = 0
            continue
        break

    final = sorted(activated.values(), key=lambda e: -e.order)
    if timed is not None:
        timed.record(final)
    for entry in final:
        result.activated.append(entry)
        text = entry.content
        if not text:
            continue
        if entry.position == BEFORE:
            result.before.insert(0, text)
        elif entry.position == AFTER:
            result.after.insert(0, text)
        elif entry.position == AN_TOP:
            result.an_top.insert(0, text)
        elif entry.position == AN_BOTTOM:
            result.an_bottom.insert(0, text)
        elif entry.position == EM_TOP:
            result.em_top.insert(0, text)
        elif entry.position == EM_BOTTOM:
            result.em_bottom.insert(0, text)
        elif entry.position == AT_DEPTH:
            result.depth.setdefault((entry.depth, entry.role), []).insert(0, text)
        elif entry.position == OUTLET and entry.outlet_name:
            result.outlets.setdefault(entry.outlet_name, []).insert(0, text)
    result.timed_out_keys = sorted(timed_out)
    return result


def _scoring(entry: WIEntry, settings: WorldInfoSettings) -> bool:
    return entry.use_group_scoring if entry.use_group_scoring is not None else settings.use_group_scoring


def _filter_groups(
    candidates: list[WIEntry],
    activated: Mapping[int, WIEntry],
    rng: random.Random,
    scores: Mapping[int, int],
    settings: WorldInfoSettings,
    sticky: set[int] | None = None,
) -> list[WIEntry]:
    """Inclusion groups: at most one member of each group activates per scan."""
    groups: dict[str, list[WIEntry]] = {}
    for entry in candidates:
        for name in (g.strip() for g in entry.group.split(",")):
            if name:
                groups.setdefault(name, []).append(entry)
    if not groups:
        return candidates
    active_groups = {g.strip() for e in activated.values() for g in e.group.split(",") if g.strip()}
    stuck_ids = sticky or set()
    removed: set[int] = set()
    for name, members in groups.items():
        if any(id(m) in stuck_ids for m in members):
            # Sticky members win their group (all of them stay).
            removed.update(id(m) for m in members if id(m) not in stuck_ids)
            continue
        if name in active_groups:
            removed.update(id(m) for m in members)
            continue
        scored = [m for m in members if _scoring(m, settings)]
        if scored:
            best = max(scores.get(id(m), 0) for m in scored)
            losers = {id(m) for m in scored if scores.get(id(m), 0) < best}
            removed.update(losers)
            members = [m for m in members if id(m) not in losers]
        if len(members) <= 1:
            continue
        overrides = [m for m in members if m.group_override]
        if overrides:
            winner = max(overrides, key=lambda m: m.order)
        else:
            total = sum(max(0, m.group_weight) for m in members)
            roll = rng.random() * total if total else 0
            winner = members[-1]
            for m in members:
                roll -= max(0, m.group_weight)
                if roll < 0:
                    winner = m
                    break
        removed.update(id(m) for m in members if m is not winner)
    return [e for e in candidates if id(e) not in removed]
