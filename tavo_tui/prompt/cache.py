"""Per-session memo of derived prompt data, so re-assembly after one new message is cheap.

It lives on the TokenCounter the session layer already keeps per chat, so callers get it for free. Entries
are keyed by object identity and hold a reference to the source object (so an id cannot be reused while the
entry exists) plus the fields the derived value depends on, so a changed source is simply recomputed.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


class PromptCache:
    """A bounded identity-keyed memo: `get(source, fingerprint, build)`."""

    def __init__(self, max_entries: int = 50_000) -> None:
        self._data: OrderedDict[tuple[str, int], tuple[Any, Hashable, Any]] = OrderedDict()
        self._max = max_entries

    def get(self, kind: str, source: object, fingerprint: Hashable, build: Callable[[], T]) -> T:
        key = (kind, id(source))
        hit = self._data.get(key)
        if hit is not None and hit[0] is source and hit[1] == fingerprint:
            value: T = hit[2]
            return value
        value = build()
        self._data[key] = (source, fingerprint, value)
        if len(self._data) > self._max:
            self._data.popitem(last=False)
        return value

    @property
    def data(self) -> dict[tuple[str, int], tuple[Any, Hashable, Any]]:
        """The raw memo, for the hottest loops (entries are (source, fingerprint, value))."""
        return self._data

    def lookup(self, kind: str, source: object, fingerprint: Hashable) -> Any:
        """The memoised value, or None (for hot loops that avoid building a closure per item)."""
        hit = self._data.get((kind, id(source)))
        if hit is not None and hit[0] is source and hit[1] == fingerprint:
            return hit[2]
        return None

    def put(self, kind: str, source: object, fingerprint: Hashable, value: T) -> T:
        self._data[(kind, id(source))] = (source, fingerprint, value)
        if len(self._data) > self._max:
            self._data.popitem(last=False)
        return value

    def clear(self) -> None:
        self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
