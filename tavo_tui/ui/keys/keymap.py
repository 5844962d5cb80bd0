"""Checking the user's keymap.json against the bindings the UI has, before it is applied.

Reported at start-up (one warning each): an id no binding has, an id whose action has no direct key to remap
(its leader key can be: `leader.<id>`), and a key that another binding already uses where both are active.

A colliding entry is refused, not applied: the default keys of both bindings stay, so a mistake in the file never
silently takes a key away from another command (Textual itself would let the later binding drop the other's
key). The warning names both bindings; moving the other one in the same file resolves it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from textual.binding import Binding

from tavo_tui.ui.keys.registry import (
    ENTRIES,
    GLOBAL_OWNERS,
    GROUP_TITLES,
    LEADER_CONTEXTS,
    LEADER_PREFIX,
    KeyAction,
    key_label,
    leader_entries,
    live_keys,
    live_leader_keys,
    normalize_key,
)


@dataclass(frozen=True)
class Reserved:
    """A key the UI does not own but must not take: Textual's quit and palette (`owner` None: everywhere), or
    a widget's own key in one pane (the composer's f6 selects a line, a list's enter picks)."""

    key: str
    description: str
    owner: str | None = None


@dataclass
class KeymapCheck:
    keymap: dict[str, str]  # what to apply: the accepted entries, keys in Textual's names
    warnings: list[str] = field(default_factory=list)


def _overlap(a: KeyAction, b: KeyAction) -> bool:
    """Whether both bindings can be active at once: same pane, or one works everywhere."""
    return a.owner == b.owner or a.owner in GLOBAL_OWNERS or b.owner in GLOBAL_OWNERS


def _where(entry: KeyAction) -> str:
    return GROUP_TITLES[entry.group]


def _collisions(keymap: Mapping[str, str], reserved: Iterable[Reserved]) -> list[tuple[str, str, str]]:
    """(user id, key, what else has it) for each clash in the keymap applied over the defaults."""
    found: list[tuple[str, str, str]] = []
    bound = [(e, set(live_keys(e, keymap))) for e in ENTRIES if e.bound]
    reserved = list(reserved)
    for index, (entry, keys) in enumerate(bound):
        if entry.id not in keymap:
            continue
        for key in sorted(keys):
            for other_reserved in reserved:
                owner = other_reserved.owner
                if other_reserved.key == key and (owner is None or owner == entry.owner or
                                                  entry.owner in GLOBAL_OWNERS):
                    found.append((entry.id, key, other_reserved.description))
            for later, (other, other_keys) in enumerate(bound):
                if other is not entry and key in other_keys and _overlap(entry, other):
                    # A pair of user entries is reported against the later one only.
                    if other.id in keymap and later > index:
                        continue
                    found.append((entry.id, key, f"{other.description} ({other.id}) in {_where(other)}"))
    for context in LEADER_CONTEXTS:
        entries = leader_entries(context)
        for index, entry in enumerate(entries):
            if entry.leader_id not in keymap:
                continue
            for key in live_leader_keys(entry, keymap):
                for later, other in enumerate(entries):
                    if other is entry or key not in live_leader_keys(other, keymap):
                        continue
                    if other.leader_id in keymap and later > index:
                        continue
                    found.append((entry.leader_id, key, f"{other.description} ({other.leader_id}) after the leader"))
    return found


def check_keymap(user: Mapping[str, str], *, source: str = "keymap.json",
                 reserved: Callable[[], Iterable[Reserved]] | Iterable[Reserved] = (),
                 other_ids: Callable[[], set[str]] | None = None) -> KeymapCheck:
    """Accept the entries that name a binding and collide with nothing; a warning for each one that does not.

    `other_ids` lists the ids of bindings outside the registry (dialogs); it is only called when an id is not
    in the registry, so a keymap of registry ids costs no imports. `reserved` is only read for a non-empty
    keymap."""
    if not user:
        return KeymapCheck({})
    by_id = {e.id: e for e in ENTRIES}
    leader_ids = {e.leader_id: e for e in ENTRIES if e.leader}
    accepted: dict[str, str] = {}
    warnings: list[str] = []
    others: set[str] | None = None
    for binding_id, keys in user.items():
        normalized = ",".join(normalize_key(k) for k in keys.split(",") if k.strip())
        entry = by_id.get(binding_id)
        if binding_id in leader_ids or (entry is not None and entry.bound):
            accepted[binding_id] = normalized
        elif entry is not None:
            warnings.append(f"{source}: {binding_id!r} has no direct key to remap; remap its leader key "
                            f"instead: {LEADER_PREFIX + binding_id!r}" if entry.leader else
                            f"{source}: {binding_id!r} has no key to remap (the palette, ctrl+p, runs it)")
        else:
            if others is None:
                others = other_ids() if other_ids is not None else set()
            if binding_id in others:
                accepted[binding_id] = normalized  # a dialog's key: Textual applies it there
            else:
                warnings.append(f"{source}: unknown binding id {binding_id!r} (ignored; f1 lists the ids)")
    reserved = list(reserved() if callable(reserved) else reserved)
    # Refuse one colliding entry at a time: refusing it may resolve the clashes of the others.
    while clashes := _collisions(accepted, reserved):
        binding_id, key, other = clashes[0]
        warnings.append(f"{source}: {binding_id!r}: {key_label(key)} is already {other}; "
                        f"entry not applied (remap the other binding too, or pick another key)")
        del accepted[binding_id]
    return KeymapCheck(accepted, warnings)


def ui_binding_ids() -> set[str]:
    """Every binding id in the UI's classes, dialogs included. Imports each UI module: call only when needed."""
    import tavo_tui.ui as ui

    ids: set[str] = set()
    for module_info in pkgutil.walk_packages(ui.__path__, ui.__name__ + "."):
        if module_info.name.endswith("__main__"):
            continue
        try:
            module = importlib.import_module(module_info.name)
        except Exception:  # a module that cannot load has no keys to remap
            continue
        classes = [value for value in vars(module).values() if isinstance(value, type)]
        for cls in classes:
            for binding in vars(cls).get("BINDINGS", ()):
                if isinstance(binding, Binding) and binding.id:
                    ids.add(binding.id)
    return ids
