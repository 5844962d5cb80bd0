"""Per-session memo of derived prompt data, so re-assembly after one new message is cheap.

It lives on the TokenCounter the session layer already keeps per chat, so callers get it for free. Entries
are keyed by object identity and hold a reference to the source object (so an id cannot be reused while the
entry exists) plus the fields the derived value depends on, so a changed source is simply recomputed.

Lorebooks are the exception to "the fields it depends on": checking every entry of a 300,000-entry book on
every keystroke is the cost this memo exists to avoid, so a book is told apart by its identity, its entries
container's identity and length. Edit a book by making a new one (`model_copy`, a new dict, a new entries
list), as the card editor and the world-file reader do; an entry changed in place keeps the old conversion
until the book object changes (or `clear()`).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

# One memo table: id(source) -> (source, fingerprint, value).
Table = dict[int, tuple[Any, Any, Any]]


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large structure that is kept whole (a huge
    lorebook's entries and index): each collection it triggers walks the whole heap again and finds nothing,
    which was half the time of converting 300,000 entries. Collection resumes (if it was on) afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class Same:
    """A fingerprint part equal only to the very same object (never a deep comparison), holding it so its id
    cannot be reused while the memo entry lives."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Same) and other.obj is self.obj

    def __hash__(self) -> int:
        return id(self.obj)


class PromptCache:
    """Bounded identity-keyed memo tables, one per kind of derived data."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._tables: dict[str, Table] = {}
        self._max = max_entries

    def table(self, kind: str) -> Table:
        """The raw table of one kind, for the hottest loops (no key tuple per lookup)."""
        table = self._tables.get(kind)
        if table is None:
            table = self._tables[kind] = {}
        return table

    def get(self, kind: str, source: object, fingerprint: Hashable, build: Callable[[], T]) -> T:
        hit = self.table(kind).get(id(source))
        if hit is not None and hit[0] is source and hit[1] == fingerprint:
            value: T = hit[2]
            return value
        return self.put(kind, source, fingerprint, build())

    def lookup(self, kind: str, source: object, fingerprint: Hashable) -> Any:
        """The memoised value, or None."""
        hit = self.table(kind).get(id(source))
        if hit is not None and hit[0] is source and hit[1] == fingerprint:
            return hit[2]
        return None

    def put(self, kind: str, source: object, fingerprint: Hashable, value: T) -> T:
        table = self.table(kind)
        table[id(source)] = (source, fingerprint, value)
        if len(table) > self._max:
            del table[next(iter(table))]  # oldest first
        return value

    def clear(self) -> None:
        self._tables.clear()

    def __len__(self) -> int:
        return sum(len(table) for table in self._tables.values())
