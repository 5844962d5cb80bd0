"""A folder-backed card library: cheap cached listing, search and sort, full load on demand.

Listing never builds full Card models: it decodes just enough of each file to get the name,
tags and creator, and remembers the result in a JSON cache keyed by path, mtime and size, so
a warm listing only has to stat the files.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from tavo_tui.cards.coerce import Invalid, to_str_list, to_text
from tavo_tui.cards.errors import DEFAULT_LIMITS, CardError, Limits
from tavo_tui.cards.loaded import LoadedCard
from tavo_tui.cards.normalize import NotACard, classify
from tavo_tui.cards.payload import PayloadError, chunk_json, parse_json
from tavo_tui.cards.png import TEXT_TYPES, PngFormatError, is_card_keyword, iter_chunks, parse_text_chunk
from tavo_tui.cards.reader import read_card, sniff

CARD_SUFFIXES = frozenset({".png", ".json", ".charx", ".byaf", ".webp", ".jpg", ".jpeg"})
CACHE_VERSION = 1
SortKey = Literal["name", "added"]


@dataclass
class CardSummary:
    """What a library list needs about one card file. `error` is set when the file is not a card."""

    path: Path
    name: str
    tags: list[str] = field(default_factory=list)
    creator: str = ""
    mtime: float = 0.0
    size: int = 0
    format: str = ""
    error: str | None = None
    fav: bool = False  # SillyTavern's favourite mark (data.extensions.fav, also the top-level `fav`)

    @property
    def added(self) -> float:
        """When the file arrived in the library (its mtime; imports copy, which sets it)."""
        return self.mtime

    def matches(self, query: str) -> bool:
        """All words must match; `#word` or `tag:word` looks only at tags. Case-insensitive."""
        hay = f"{self.name}\n{self.creator}\n{self.path.stem}".casefold()
        tags = [t.casefold() for t in self.tags]
        for word in query.casefold().split():
            if word.startswith(("#", "tag:")):
                w = word.removeprefix("#").removeprefix("tag:")
                if not any(w in t for t in tags):
                    return False
            elif word not in hay and not any(word in t for t in tags):
                return False
        return True


class CardLibrary:
    """Cards found (non-recursively) in `folders`; `cache_path` persists summaries between runs."""

    def __init__(self, folders: list[Path], cache_path: Path | None = None, *, limits: Limits = DEFAULT_LIMITS):
        self.folders = [Path(f) for f in folders]
        self.cache_path = cache_path
        self.limits = limits
        self._cache: dict[str, dict[str, Any]] | None = None
        self._dirty = False
        self._last: list[CardSummary] | None = None
        self.changed_since_cache = False  # the last entries() found a file added, changed or gone

    # -- listing -----------------------------------------------------------------------------
    def entries(self, *, sort: SortKey = "name", reverse: bool = False,
                include_errors: bool = False) -> list[CardSummary]:
        """Every card file in the folders, sorted; files that are not cards only on request."""
        cache = self._load_cache()
        seen: set[str] = set()
        out: list[CardSummary] = []
        changed = False
        for path, st in self._scan():
            key = str(path)
            seen.add(key)
            hit = cache.get(key)
            # An entry written before summaries had `fav` is read again once (the file may be a favourite).
            if (hit is not None and hit.get("mtime_ns") == st.st_mtime_ns and hit.get("size") == st.st_size
                    and "fav" in hit):
                summary = _from_cache(path, hit)
            else:
                summary = summarize(path, st.st_mtime, st.st_size, self.limits)
                cache[key] = {**_to_cache(summary), "mtime_ns": st.st_mtime_ns}
                self._dirty = changed = True
            if summary.error is None or include_errors:
                out.append(summary)
        for gone in set(cache) - seen:
            del cache[gone]
            self._dirty = changed = True
        self.changed_since_cache = changed
        self._save_cache()
        self._last = [s for s in out if s.error is None]
        return sort_summaries(out, sort, reverse)

    def cached_entries(self, *, sort: SortKey = "name", reverse: bool = False) -> list[CardSummary] | None:
        """The listing as the cache last saw it, without touching a card file; None with no cache.

        For a first screen drawn at once: `entries()` then checks every file (2,000 stats) and finds the
        changes."""
        head = self.cached_head(None, sort=sort, reverse=reverse)
        return None if head is None else head[0]

    def cached_head(self, limit: int | None, *, sort: SortKey = "name",
                    reverse: bool = False) -> tuple[list[CardSummary], int] | None:
        """The first `limit` entries of `cached_entries()` (all for None) and how many there are in all.

        Sorting the cached rows is cheap; building a summary (and its Path) per card is what a 2,000-card
        library paid for before its first frame, which shows only a screenful."""
        cache = self._load_cache()
        if not cache:
            return None
        folders = {str(folder.absolute()) for folder in self.folders}
        rows = [(key, hit) for key, hit in cache.items()
                if os.path.dirname(key) in folders and hit.get("error") is None]
        if sort == "added":
            rows.sort(key=lambda row: _added_key(_cached_mtime(row[1]), _cached_name(row[1])), reverse=reverse)
        else:
            rows.sort(key=lambda row: _name_key(_cached_name(row[1]), row[0]), reverse=reverse)
        return [_from_cache(Path(key), hit) for key, hit in rows[:limit]], len(rows)

    def failures(self) -> list[CardSummary]:
        """The files in the folders that are not readable cards, with the reason, as the last listing found
        them (from the cache: no file is read), by file name."""
        cache = self._load_cache()
        folders = {str(folder.absolute()) for folder in self.folders}
        bad = [_from_cache(Path(key), hit) for key, hit in cache.items()
               if hit.get("error") is not None and os.path.dirname(key) in folders]
        return sorted(bad, key=lambda s: s.path.name.casefold())

    def search(self, query: str, *, sort: SortKey = "name", reverse: bool = False,
               refresh: bool = False) -> list[CardSummary]:
        """Cards matching `query` (see CardSummary.matches). Reuses the last listing unless
        `refresh` is set or nothing was listed yet, so search-as-you-type costs no disk access."""
        if refresh or self._last is None:
            self.entries()
        assert self._last is not None
        return sort_summaries([s for s in self._last if s.matches(query)], sort, reverse)

    def load(self, path: Path) -> LoadedCard:
        """The full card (image and all) for the detail view or a chat."""
        return read_card(Path(path), limits=self.limits)

    def _scan(self) -> list[tuple[Path, os.stat_result]]:
        found: list[tuple[Path, os.stat_result]] = []
        done: set[str] = set()
        for folder in self.folders:
            try:
                it = os.scandir(folder)
            except OSError:
                continue
            base = folder.absolute()  # one Path per folder: parsing one per file was most of a warm listing
            with it:
                for de in it:
                    if de.name.startswith(".") or os.path.splitext(de.name)[1].lower() not in CARD_SUFFIXES:
                        continue
                    try:
                        if not de.is_file():
                            continue
                        st = de.stat()
                    except OSError:
                        continue
                    path = base / de.name
                    if str(path) not in done:
                        done.add(str(path))
                        found.append((path, st))
        return found

    # -- cache -------------------------------------------------------------------------------
    def _load_cache(self) -> dict[str, dict[str, Any]]:
        if self._cache is not None:
            return self._cache
        self._cache = {}
        if self.cache_path is not None:
            try:
                raw = json.loads(self.cache_path.read_text("utf-8"))
                ok = isinstance(raw, dict) and raw.get("version") == CACHE_VERSION
                if ok and isinstance(raw.get("entries"), dict):
                    self._cache = {k: v for k, v in raw["entries"].items() if isinstance(v, dict)}
            except (OSError, ValueError):
                pass  # a missing or corrupt cache only costs a cold listing
        return self._cache

    def _save_cache(self) -> None:
        if not self._dirty or self.cache_path is None or self._cache is None:
            return
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".cards-", dir=self.cache_path.parent)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump({"version": CACHE_VERSION, "entries": self._cache}, f, ensure_ascii=False)
            os.replace(tmp, self.cache_path)
            self._dirty = False
        except OSError:
            pass  # the cache is an optimisation; listing still worked


def sort_summaries(items: list[CardSummary], sort: SortKey, reverse: bool = False) -> list[CardSummary]:
    if sort == "added":
        return sorted(items, key=lambda s: _added_key(s.mtime, s.name), reverse=reverse)
    return sorted(items, key=lambda s: _name_key(s.name, str(s.path)), reverse=reverse)


# The two orders, shared by summaries and by the cached rows they are made from.
def _name_key(name: str, path: str) -> tuple[str, str]:
    return name.casefold(), path


def _added_key(mtime: float, name: str) -> tuple[float, str]:
    return mtime, name.casefold()


def _cached_name(d: dict[str, Any]) -> str:
    return str(d.get("name", ""))


def _cached_mtime(d: dict[str, Any]) -> float:
    return float(d.get("mtime", 0.0))


def _to_cache(s: CardSummary) -> dict[str, Any]:
    d = asdict(s)
    d["path"] = str(s.path)
    return d


def _from_cache(path: Path, d: dict[str, Any]) -> CardSummary:
    return CardSummary(
        path=path, name=_cached_name(d), tags=[str(t) for t in d.get("tags") or []],
        creator=str(d.get("creator", "")), mtime=_cached_mtime(d), size=int(d.get("size", 0)),
        format=str(d.get("format", "")), error=d.get("error"), fav=bool(d.get("fav", False)),
    )


def summarize(path: Path, mtime: float, size: int, limits: Limits = DEFAULT_LIMITS) -> CardSummary:
    """Name, tags, creator and format of one file, decoding as little as possible."""
    base = CardSummary(path=path, name=path.stem, mtime=mtime, size=size)
    try:
        if size > limits.max_file:
            raise CardError(path, "file is over the size limit")
        obj, fmt = _peek(path, size, limits)
        if obj is None:  # archives and EXIF cards: take the full reader
            loaded = read_card(path, limits=limits)
            c = loaded.card
            base.name, base.tags, base.creator, base.format = c.name, list(c.tags), c.creator, loaded.format
            base.fav = is_fav(c.extensions.get("fav"))
            return base
        _fill(base, obj, fmt)
    except CardError as e:
        base.error = e.problem
    except (PngFormatError, PayloadError, NotACard, Invalid, OSError, ValueError, TypeError) as e:
        base.error = str(e)
    except Exception as e:  # a listing must survive any one bad file
        base.error = f"unreadable ({type(e).__name__}: {e})"
    return base


def _peek(path: Path, size: int, limits: Limits) -> tuple[Any, str]:
    with path.open("rb") as f:
        kind = sniff(f.read(16))
        f.seek(0)
        if kind == "json":
            return parse_json(f.read(min(size, limits.max_json) + 1), [], limits.max_json), "json"
        if kind != "png":
            return None, ""
        found: dict[str, tuple[bytes, bytes]] = {}
        for ch in iter_chunks(f, limits, TEXT_TYPES, is_card_keyword):
            if ch.data is None:
                continue
            kw = ch.data.split(b"\0", 1)[0].decode("latin-1").lower()
            if kw in ("chara", "ccv3") and kw not in found:
                found[kw] = (ch.type, ch.data)
    if not found:
        return None, ""  # maybe a Backyard eXIf card: let the full reader decide
    for kw in ("ccv3", "chara"):
        if kw in found:
            try:
                text = parse_text_chunk(*found[kw], limits)[1]
                return chunk_json(text, [], limits.max_json), "png"
            except (PayloadError, PngFormatError):
                if kw == "chara" or "chara" not in found:
                    raise
    return None, ""


def _fill(s: CardSummary, obj: Any, container: str) -> None:
    family = classify(obj)
    d: dict[str, Any] = obj
    if family in ("v2", "v3") and isinstance(obj.get("data"), dict):
        d = obj["data"]
    elif family == "backyard":
        ch = obj["character"]
        d = {"name": ch.get("aiDisplayName") or ch.get("aiName")}
    elif family == "pygmalion":
        d = {"name": obj.get("char_name"), "tags": obj.get("tags")}
    s.name = to_text(d.get("name")) or s.path.stem
    try:
        s.tags = to_str_list(d.get("tags"), split_commas=True)
    except Invalid:
        s.tags = []
    s.creator = to_text(d.get("creator"))
    s.format = f"{container}-{family}"
    extensions = d.get("extensions")
    s.fav = is_fav(extensions.get("fav") if isinstance(extensions, dict) else None) or is_fav(obj.get("fav"))


def is_fav(value: Any) -> bool:
    """SillyTavern writes `fav` as a boolean, older versions as the string "true"."""
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")
