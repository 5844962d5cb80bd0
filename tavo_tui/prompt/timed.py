"""World-info timed effects: sticky and cooldown, kept in `chat_metadata.timedWorldInfo`.

An effect is `{"hash", "start", "end", "protected"}` under `sticky` or `cooldown`, keyed "world.uid". Chat length
is the number of messages taking part. The state is read here and a new state returned; the caller stores it
only when the prompt is actually sent (token counting must not advance effects).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tavo_tui.prompt.lorebook import WIEntry

EFFECTS = ("sticky", "cooldown")


def entry_key(entry: WIEntry) -> str:
    return f"{entry.world}.{entry.uid}"


def entry_hash(entry: WIEntry) -> str:
    return hashlib.sha1(f"{entry.key}\x00{entry.content}".encode()).hexdigest()[:16]


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


@dataclass
class TimedEffects:
    """Effects valid for one scan, plus what the scan changed."""

    length: int
    state: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    changed: bool = False

    @classmethod
    def load(
        cls, raw: Any, entries: Sequence[WIEntry], length: int, lookup: Callable[[str], WIEntry | None] | None = None
    ) -> TimedEffects:
        """Read stored effects and drop the ones that ended, no longer apply, or belong to a chat that went back.
        `lookup` finds the entry of an effect key (EntryIndex.effect_entry) without a pass over `entries`."""
        effects = cls(length)
        source = raw if isinstance(raw, Mapping) else {}
        if not any(source.get(kind) for kind in EFFECTS):
            return effects
        if lookup is None:
            lookup = {entry_key(e): e for e in entries}.get
        for kind in EFFECTS:
            kept: dict[str, dict[str, Any]] = {}
            stored = source.get(kind)
            for key, effect in stored.items() if isinstance(stored, Mapping) else []:
                start = _int(effect.get("start")) if isinstance(effect, Mapping) else None
                end = _int(effect.get("end")) if isinstance(effect, Mapping) else None
                if start is None or end is None or not isinstance(effect, Mapping):
                    effects.changed = True
                    continue
                protected = bool(effect.get("protected", False))
                entry = lookup(key)
                if entry is not None and not getattr(entry, kind):
                    effects.changed = True  # the entry no longer has this effect
                    continue
                if length <= start and not protected:
                    effects.changed = True  # the chat did not advance (swipe, regenerate): the effect is undone
                    continue
                if length >= end:
                    effects.changed = True
                    if kind == "sticky" and entry is not None and entry.cooldown:
                        # A sticky period that ends starts the entry's cooldown.
                        kept_cooldown = effects.state.setdefault("cooldown", {})
                        kept_cooldown[key] = _effect(entry, length, length + entry.cooldown, protected=True)
                    continue
                kept[key] = dict(effect)
            effects.state.setdefault(kind, {}).update(kept)
        return effects

    def any_active(self) -> bool:
        return any(self.state.get(kind) for kind in EFFECTS)

    def active(self, kind: str, entry: WIEntry) -> bool:
        effects = self.state.get(kind)
        if not effects:
            return False
        return entry_key(entry) in effects

    def record(self, activated: Sequence[WIEntry]) -> None:
        """Start effects for entries that just activated."""
        for entry in activated:
            key = entry_key(entry)
            if entry.sticky and key not in self.state.setdefault("sticky", {}):
                self.state["sticky"][key] = _effect(entry, self.length, self.length + entry.sticky)
                self.changed = True
            elif entry.cooldown and not entry.sticky and key not in self.state.setdefault("cooldown", {}):
                self.state["cooldown"][key] = _effect(entry, self.length, self.length + entry.cooldown)
                self.changed = True

    def as_metadata(self) -> dict[str, dict[str, dict[str, Any]]]:
        return {kind: dict(self.state.get(kind, {})) for kind in EFFECTS}


def _effect(entry: WIEntry, start: int, end: int, *, protected: bool = False) -> dict[str, Any]:
    return {"hash": entry_hash(entry), "start": start, "end": end, "protected": protected}
