"""Card library operations for front ends: import, export, duplicate, delete, create, save, sort, detail.

Every file operation on cards lives here (the TUI only calls these). Cards are written with the cards layer
(`write_card`), copied byte for byte on import, and always land in the data dir's `cards/` folder.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from tavo_tui.cards import CardError, LoadedCard, read_card, sniff, write_card
from tavo_tui.cards.library import CARD_SUFFIXES, CardSummary, is_fav
from tavo_tui.model import Card
from tavo_tui.prompt.tokens import counter_for_model
from tavo_tui.store.files import atomic_write as write_bytes_atomic

if TYPE_CHECKING:
    from tavo_tui.session.context import AppContext

SORTS = ("name", "chatted", "added", "tag")
SORT_LABELS = {"name": "name", "chatted": "recently chatted", "added": "date added", "tag": "tag"}
EXPORT_FORMATS = ("png", "json", "charx")
WRITABLE = frozenset({".png", ".json", ".charx"})
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
_SNIFFED_EXT = {"png": ".png", "json": ".json", "webp": ".webp", "jpeg": ".jpg"}
# The fields that go into every prompt (SillyTavern's "permanent" tokens); examples and greetings do not.
PERMANENT_FIELDS = ("name", "description", "personality", "scenario", "system_prompt", "post_history_instructions")


class LibraryError(Exception):
    """A library operation that could not be done; the message says why, for the user."""


@dataclass
class ImportReport:
    imported: list[Path] = field(default_factory=list)
    failed: list[tuple[Path, str]] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files in a folder that are not card files at all
    names: dict[Path, str] = field(default_factory=dict)  # imported file -> the character's name, for reports
    # With duplicates "refuse" or "skip": (source, the library file it duplicates), neither copied nor failed.
    duplicates: list[tuple[Path, Path]] = field(default_factory=list)
    replaced: list[Path] = field(default_factory=list)  # library files overwritten (duplicates="replace")

    def summary(self) -> str:
        """One line per failure after a count line; what the import screen shows."""
        head = f"Imported {len(self.imported)} card(s)"
        if self.failed:
            head += f", {len(self.failed)} failed"
        if self.duplicates:
            head += f", {len(self.duplicates)} already in the library"
        if self.skipped:
            head += f", {len(self.skipped)} other file(s) skipped"
        lines = [head + "."]
        lines += [f"{path.name}: {reason}" for path, reason in self.failed]
        return "\n".join(lines)


@dataclass
class CardDetail:
    """A fully read card plus what the detail view computes about it."""

    path: Path
    loaded: LoadedCard
    field_tokens: dict[str, int]
    permanent_tokens: int
    token_method: str
    lorebook: str

    @property
    def card(self) -> Card:
        return self.loaded.card


# ---- naming ------------------------------------------------------------------------------------------------
def safe_stem(text: str) -> str:
    return _UNSAFE.sub("_", text).strip(" ._")[:100] or "card"


def free_path(folder: Path, stem: str, ext: str) -> Path:
    """`folder/stem.ext`, or `stem (2).ext` and so on when taken (case-insensitively)."""
    taken = {p.name.lower() for p in folder.iterdir()} if folder.is_dir() else set()
    name, n = f"{stem}{ext}", 2
    while name.lower() in taken:
        name, n = f"{stem} ({n}){ext}", n + 1
    return folder / name


def _cards_dir(ctx: AppContext) -> Path:
    folder = ctx.paths.cards_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise LibraryError(f"cannot create {folder}: {exc.strerror}") from None
    return folder


def _in_library(ctx: AppContext, path: Path) -> bool:
    parent = path.absolute().parent
    return any(parent == Path(folder).absolute() for folder in ctx.card_folders())


def _refresh(ctx: AppContext) -> None:
    ctx.cards.entries()  # re-scan so the cached listing (and search) sees the change


# ---- listing -----------------------------------------------------------------------------------------------
def last_chatted(ctx: AppContext) -> dict[str, float]:
    """Card key -> mtime of its newest chat (cheap: stats chat files, parses nothing)."""
    out: dict[str, float] = {}
    for ref in ctx.chats.list():
        mtime = ref.mtime
        if mtime > out.get(ref.card_key, 0.0):
            out[ref.card_key] = mtime
    return out


def sorted_entries(ctx: AppContext, query: str = "", sort: str = "name") -> list[CardSummary]:
    """The library listing filtered by `query` (name, creator, `#tag`), favourites first, then sorted by name,
    recent chat, date added or tag.

    "chatted" puts the most recently chatted cards first (cards never chatted with follow, by name);
    "added" puts the newest files first; "tag" groups cards by their first tag (alphabetical, untagged last)."""
    if sort == "chatted":
        entries = ctx.card_entries(query, sort="name")
        recent = last_chatted(ctx)
        # Stable sort: cards without chats keep their name order after the chatted ones.
        entries = sorted(entries, key=lambda e: -recent.get(ctx.card_key(e.path), 0.0))
    elif sort == "added":
        entries = list(reversed(ctx.card_entries(query, sort="added")))
    elif sort == "tag":
        entries = sorted(ctx.card_entries(query, sort="name"), key=tag_key)
    else:
        entries = ctx.card_entries(query, sort="name")
    return favourites_first(entries)


def favourites_first(entries: list[CardSummary]) -> list[CardSummary]:
    """Favourites before the rest, each group keeping its order."""
    return sorted(entries, key=lambda e: not e.fav)


def tag_key(entry: CardSummary) -> tuple[bool, str]:
    tags = sorted(t.casefold() for t in entry.tags if t.strip())
    return not tags, tags[0] if tags else ""


@dataclass(frozen=True)
class TagFolder:
    """A tag shown as a folder in the library (SillyTavern's "tags as folders")."""

    tag: str
    count: int


class Tagged(Protocol):
    @property
    def tags(self) -> list[str]: ...


TaggedT = TypeVar("TaggedT", bound=Tagged)


def folder_view(entries: Sequence[TaggedT], folder: str = "") -> tuple[list[TagFolder], list[TaggedT]]:
    """Tags as folders. At the top (`folder` ""): every tag as a folder with its card count (alphabetical), and
    the cards without a tag. In a folder: the cards with that tag (case-insensitive), in the listing's order."""
    if folder:
        want = folder.casefold()
        return [], [e for e in entries if any(t.casefold() == want for t in e.tags)]
    spelled: dict[str, str] = {}
    counts: dict[str, int] = {}
    loose: list[TaggedT] = []
    for entry in entries:
        tags = {t.casefold(): t for t in entry.tags if t.strip()}
        if not tags:
            loose.append(entry)
        for key, tag in tags.items():
            spelled.setdefault(key, tag)
            counts[key] = counts.get(key, 0) + 1
    folders = [TagFolder(spelled[key], counts[key]) for key in sorted(spelled)]
    return folders, loose


def set_favourite(ctx: AppContext, path: Path, fav: bool) -> Path:
    """Mark or unmark a card as a favourite, in the card file as SillyTavern keeps it (data.extensions.fav)."""
    card = _load_for_edit(path)
    extensions = dict(card.extensions)
    extensions["fav"] = fav
    return save_card(ctx, path, card.model_copy(update={"extensions": extensions}))


def toggle_favourite(ctx: AppContext, path: Path) -> bool:
    """Flip the card's favourite mark; its new state."""
    fav = not is_fav(_load_for_edit(path).extensions.get("fav"))
    set_favourite(ctx, path, fav)
    return fav


def parse_tag_edit(text: str) -> tuple[list[str], list[str]]:
    """ "+a -b c" → add ["a", "c"], remove ["b"] (commas separate too)."""
    add: list[str] = []
    remove: list[str] = []
    for word in text.replace(",", " ").split():
        if word.startswith("-") and len(word) > 1:
            remove.append(word[1:])
        elif word.lstrip("+"):
            add.append(word.lstrip("+"))
    return add, remove


def edit_tags(ctx: AppContext, paths: Iterable[Path], add: Iterable[str] = (),
              remove: Iterable[str] = ()) -> list[str]:
    """Add and remove tags on several cards (remove compares case-insensitively; a tag a card has already is
    not added twice). Returns one line per card that could not be changed; the others are saved."""
    add, gone = list(add), {t.casefold() for t in remove}
    problems: list[str] = []
    for path in paths:
        try:
            card = _load_for_edit(path)
            tags = [t for t in card.tags if t.casefold() not in gone]
            tags += [t for t in add if t.casefold() not in {x.casefold() for x in tags}]
            if tags != list(card.tags):
                save_card(ctx, path, card.model_copy(update={"tags": tags}))
        except LibraryError as exc:
            problems.append(f"{Path(path).name}: {exc}")
    return problems


def _load_for_edit(path: Path) -> Card:
    if Path(path).suffix.lower() not in WRITABLE:  # save_card would write a second card, as PNG
        raise LibraryError(f"a {Path(path).suffix} card cannot be changed in place; edit it once to save it as PNG")
    try:
        return read_card(path).card
    except CardError as exc:
        raise LibraryError(str(exc)) from None


# ---- import / export ---------------------------------------------------------------------------------------
def _candidates(sources: Iterable[Path], report: ImportReport) -> list[Path]:
    files: list[Path] = []
    for source in sources:
        source = Path(source).expanduser()
        if source.is_dir():
            for child in sorted(source.iterdir()):
                if child.name.startswith(".") or not child.is_file():
                    continue
                if child.suffix.lower() in CARD_SUFFIXES:
                    files.append(child)
                else:
                    report.skipped.append(child)
        elif source.is_file():
            files.append(source)
        elif source.exists():
            report.failed.append((source, "not a regular file"))
        else:
            report.failed.append((source, "no such file or folder"))
    return files


DUPLICATE_CHOICES = ("refuse", "replace", "keep", "skip")


def find_duplicate(folder: Path, src: Path, target_name: str) -> Path | None:
    """The library file `src` would duplicate: one with the same bytes, else the one of the same file name."""
    try:
        size = src.stat().st_size
        data: bytes | None = None
        for existing in sorted(folder.iterdir()):
            if existing.is_file() and existing.stat().st_size == size:
                data = src.read_bytes() if data is None else data
                if existing.read_bytes() == data:
                    return existing
    except OSError:
        return None
    same_name = folder / target_name
    return same_name if same_name.is_file() else None


def import_cards(ctx: AppContext, sources: Iterable[Path], duplicates: str = "keep") -> ImportReport:
    """Copy card files (or every card file in a folder) into the data dir's cards/ folder.

    Each file is read fully first; one that is not a valid card is reported with the reason and not copied.
    A card already in the library (the same bytes, or the same file name) is, by `duplicates`: "keep" both
    (the new one as "name (2)"), "replace" the library's file, "skip" it, or "refuse": left for the caller to
    ask about, in `report.duplicates`."""
    if duplicates not in DUPLICATE_CHOICES:
        raise LibraryError(f"unknown duplicate choice {duplicates!r}")
    report = ImportReport()
    files = _candidates(sources, report)
    if not files:
        return report
    dest = _cards_dir(ctx)
    for src in files:
        try:
            loaded = read_card(src)
            with src.open("rb") as fh:
                head = fh.read(16)
        except CardError as exc:
            report.failed.append((src, exc.problem))
            continue
        except OSError as exc:
            report.failed.append((src, exc.strerror or str(exc)))
            continue
        kind = sniff(head)
        ext = _SNIFFED_EXT.get(kind) or (src.suffix.lower() if src.suffix.lower() in (".charx", ".byaf") else ".charx")
        same = None if duplicates == "keep" else find_duplicate(dest, src, safe_stem(src.stem) + ext)
        if same is not None and duplicates in ("refuse", "skip"):
            report.duplicates.append((src, same))
            continue
        target = same if same is not None else free_path(dest, safe_stem(src.stem), ext)
        try:
            if same is not None:
                write_bytes_atomic(target, src.read_bytes())
                report.replaced.append(target)
            else:
                shutil.copyfile(src, target)
        except OSError as exc:
            report.failed.append((src, f"cannot copy: {exc.strerror or exc}"))
            continue
        report.imported.append(target)
        report.names[target] = loaded.card.name
    _refresh(ctx)
    return report


def export_card(ctx: AppContext, path: Path, dest: Path) -> list[str]:
    """Write the card to `dest` in the format its extension names (.png, .json, .charx); returns warnings."""
    dest = Path(dest).expanduser()
    if dest.suffix.lower() not in WRITABLE:
        raise LibraryError(f"cannot export as {dest.suffix or 'a file without extension'!r}; "
                           "use .png, .json or .charx")
    if dest.absolute() == Path(path).absolute():
        raise LibraryError("the export would overwrite the card itself; choose another file name")
    try:
        loaded = read_card(path)
        return write_card(loaded, dest)
    except CardError as exc:
        raise LibraryError(str(exc)) from None
    except OSError as exc:
        raise LibraryError(f"cannot write {dest}: {exc.strerror or exc}") from None


def export_path(path: Path, fmt: str, folder: Path | None = None) -> Path:
    """The default export file for `path` in `fmt` (next to the card, or in `folder`)."""
    return (folder or path.parent) / f"{path.stem}.{fmt}"


# ---- duplicate / delete / create / save --------------------------------------------------------------------
def duplicate_card(ctx: AppContext, path: Path) -> Path:
    """A copy of the card in cards/, named "<name> (copy)"; the original file is untouched."""
    try:
        loaded = read_card(path)
    except CardError as exc:
        raise LibraryError(str(exc)) from None
    copy = loaded.card.model_copy(update={"name": f"{loaded.card.name} (copy)"}, deep=True)
    ext = path.suffix.lower() if path.suffix.lower() in WRITABLE else ".png"
    target = free_path(_cards_dir(ctx), safe_stem(f"{path.stem} (copy)"), ext)
    _write(loaded.with_card(copy), target)
    _refresh(ctx)
    return target


def delete_card(ctx: AppContext, path: Path) -> None:
    """Delete a card file from a library folder (the caller has asked the user). Its chats are kept."""
    if not _in_library(ctx, path):
        raise LibraryError(f"{path} is not in a library folder; not deleting it")
    try:
        Path(path).unlink()
    except FileNotFoundError:
        pass
    except OSError as exc:
        raise LibraryError(f"cannot delete {path}: {exc.strerror or exc}") from None
    _refresh(ctx)


def create_card(ctx: AppContext, name: str, **fields: object) -> Path:
    """A new card (V2+V3 PNG with a generated placeholder image) in cards/."""
    if not name.strip():
        raise LibraryError("a card needs a name")
    card = Card(name=name.strip(), **fields)  # type: ignore[arg-type]
    target = free_path(_cards_dir(ctx), safe_stem(name), ".png")
    _write(LoadedCard(card=card, format="new"), target)
    _refresh(ctx)
    return target


def save_card(ctx: AppContext, path: Path, card: Card) -> Path:
    """Save an edited card, keeping its image, assets and extras.

    Writable formats (PNG/JSON/CHARX) are replaced in place; others (WEBP, BYAF, ...) are saved as a new PNG
    in cards/ so the original file is never damaged. Returns the file written."""
    if not card.name.strip():
        raise LibraryError("a card needs a name")
    try:
        loaded = read_card(path)
    except CardError as exc:
        raise LibraryError(str(exc)) from None
    target = Path(path)
    if target.suffix.lower() not in WRITABLE:
        target = free_path(_cards_dir(ctx), safe_stem(target.stem), ".png")
    _write(loaded.with_card(card), target)
    _refresh(ctx)
    return target


def _write(loaded: LoadedCard, target: Path) -> None:
    try:
        write_card(loaded, target)
    except CardError as exc:
        raise LibraryError(str(exc)) from None
    except OSError as exc:
        raise LibraryError(f"cannot write {target}: {exc.strerror or exc}") from None


# ---- detail ------------------------------------------------------------------------------------------------
def lorebook_summary(card: Card) -> str:
    book = card.character_book
    if book is None or not book.entries:
        return "none"
    entries = book.entries
    constant = sum(1 for e in entries if e.constant)
    disabled = sum(1 for e in entries if not e.enabled)
    parts = [f"{len(entries)} entries"]
    if constant:
        parts.append(f"{constant} constant")
    if disabled:
        parts.append(f"{disabled} disabled")
    title = f"{book.name}: " if book.name else ""
    return title + ", ".join(parts)


def permanent_texts(card: Card) -> dict[str, str]:
    texts = {name: str(getattr(card, name) or "") for name in PERMANENT_FIELDS}
    depth = card.extensions.get("depth_prompt") if isinstance(card.extensions, dict) else None
    if isinstance(depth, dict) and isinstance(depth.get("prompt"), str):
        texts["depth_prompt"] = depth["prompt"]
    return texts


def card_detail(ctx: AppContext, path: Path, model: str = "") -> CardDetail:
    """Read one card fully and count the tokens its permanent fields cost (with `model`'s tokenizer)."""
    try:
        loaded = read_card(path)
    except CardError as exc:
        raise LibraryError(str(exc)) from None
    counter = counter_for_model(model)
    tokens = {name: counter.count(text) for name, text in permanent_texts(loaded.card).items() if text}
    return CardDetail(path=Path(path), loaded=loaded, field_tokens=tokens, permanent_tokens=sum(tokens.values()),
                      token_method=counter.method, lorebook=lorebook_summary(loaded.card))
