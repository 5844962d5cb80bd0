"""Normalising an embedded lorebook (`character_book`) and its entries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from tavo_tui.cards.coerce import Invalid, lf, to_bool, to_int, to_str_list, to_text
from tavo_tui.model.card import Lorebook, LorebookEntry

_ENTRY_FIELDS = frozenset(LorebookEntry.model_fields)
_BOOK_FIELDS = frozenset(Lorebook.model_fields)
_ENTRY_BOOLS = ("enabled", "case_sensitive", "use_regex", "constant", "selective")
_ENTRY_INTS = ("insertion_order", "priority")
# How many entries the file being read may hold (Limits.max_book_entries of its size), set by the reader
# around one read: the lorebook is parsed deep inside a PNG chunk, a CHARX member or EXIF, far from the size.
_ENTRY_BUDGET: ContextVar[int | None] = ContextVar("entry_budget", default=None)


class TooManyEntries(ValueError):
    pass


@contextmanager
def entry_budget(entries: int) -> Iterator[None]:
    token = _ENTRY_BUDGET.set(entries)
    try:
        yield
    finally:
        _ENTRY_BUDGET.reset(token)


def normalize_book(book: Any, warnings: list[str]) -> Lorebook | None:
    if isinstance(book, list):
        book = {"entries": book}
        warnings.append("character_book is a bare list of entries; wrapped")
    if not isinstance(book, dict):
        warnings.append(f"character_book is a {type(book).__name__}, not an object; dropped")
        return None
    out: dict[str, Any] = {k: v for k, v in book.items() if k not in _BOOK_FIELDS}
    for f in ("name", "description"):
        if book.get(f) is not None:
            out[f] = to_text(book[f])
    for f in ("scan_depth", "token_budget"):
        if book.get(f) is not None:
            try:
                out[f] = to_int(book[f])
            except Invalid as e:
                warnings.append(f"character_book.{f}: {e}; dropped")
    if book.get("recursive_scanning") is not None:
        try:
            out["recursive_scanning"] = to_bool(book["recursive_scanning"])
        except Invalid as e:
            warnings.append(f"character_book.recursive_scanning: {e}; dropped")
    ext = book.get("extensions")
    out["extensions"] = ext if isinstance(ext, dict) else {}
    raw_entries = book.get("entries", [])
    if isinstance(raw_entries, dict):
        raw_entries = list(raw_entries.values())
        warnings.append("character_book.entries is an object; read its values in order")
    if not isinstance(raw_entries, list):
        warnings.append("character_book.entries is not a list; dropped")
        raw_entries = []
    budget = _ENTRY_BUDGET.get()
    if budget is not None and len(raw_entries) > budget:
        raise TooManyEntries(f"the lorebook has {len(raw_entries)} entries; a file this size may hold at most "
                             f"{budget} (the memory cap for reading cards)")
    entries = []
    for i, item in enumerate(raw_entries):
        if not isinstance(item, dict):
            warnings.append(f"character_book.entries[{i}] is not an object; dropped")
            continue
        entries.append(normalize_entry(item, f"character_book.entries[{i}]", warnings))
    out["entries"] = entries
    return Lorebook.model_validate(out)


def normalize_entry(e: dict[str, Any], where: str, warnings: list[str]) -> LorebookEntry:
    out: dict[str, Any] = {k: v for k, v in e.items() if k not in _ENTRY_FIELDS}
    for f in ("keys", "secondary_keys"):
        if f in e:
            try:
                out[f] = to_str_list(e[f], split_commas=True)
            except Invalid as err:
                warnings.append(f"{where}.{f}: {err}; dropped")
    if "content" in e:
        out["content"] = lf(to_text(e["content"]))
    ext = e.get("extensions")
    if isinstance(ext, dict):
        out["extensions"] = ext
    elif ext is not None:
        warnings.append(f"{where}.extensions is not an object; dropped")
    for f in _ENTRY_BOOLS:
        if e.get(f) is not None:
            try:
                out[f] = to_bool(e[f])
            except Invalid as err:
                warnings.append(f"{where}.{f}: {err}; dropped")
    for f in _ENTRY_INTS:
        if e.get(f) is not None:
            try:
                out[f] = to_int(e[f])
            except Invalid as err:
                warnings.append(f"{where}.{f}: {err}; dropped")
    for f in ("name", "comment"):
        if e.get(f) is not None:
            out[f] = to_text(e[f])
    if e.get("id") is not None:
        out["id"] = _entry_id(e["id"])
    pos = e.get("position")
    if pos is not None:
        if isinstance(pos, str):
            out["position"] = pos
        else:
            out["position"] = "before_char" if pos in (0, "0") else "after_char"
            warnings.append(f"{where}.position: number {pos!r} read as {out['position']!r}")
    return LorebookEntry.model_validate(out)


def _entry_id(v: Any) -> int | str:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    if isinstance(v, int | str) and not isinstance(v, bool):
        return v
    return to_text(v)
