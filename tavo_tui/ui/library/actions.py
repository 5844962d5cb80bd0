"""What the library pane's keys do: each function runs in a worker started by CardList and talks to the user
through modal dialogs; every file operation is a call into `tavo_tui.session.library`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from textual.content import Content

from tavo_tui.session import library as lib
from tavo_tui.ui.library.card_detail import CardDetailScreen
from tavo_tui.ui.library.card_editor import CardEditorScreen
from tavo_tui.ui.shared.dialogs import ChoiceDialog, ConfirmDialog, MultiChoiceDialog, ReportDialog, TextPrompt
from tavo_tui.ui.shared.safe_text import plain, plain_line

if TYPE_CHECKING:
    from tavo_tui.session import AppContext
    from tavo_tui.ui.library.card_list import CardList


def _ctx(pane: CardList) -> AppContext:
    """The library the pane lists (the screen hands it down when it builds the pane)."""
    if pane.ctx is None:
        raise RuntimeError("the card list was given no library")
    return pane.ctx


def _model(pane: CardList) -> str:
    return pane.model_name


def _error(pane: CardList, what: str, exc: Exception) -> None:
    pane.notify(f"{what}: {exc}", markup=False, severity="error", timeout=8)


async def show_detail(pane: CardList, path: Path) -> None:
    try:
        detail = lib.card_detail(_ctx(pane), path, _model(pane))
    except lib.LibraryError as exc:
        _error(pane, "Cannot open the card", exc)
        return
    choice = await pane.app.push_screen_wait(CardDetailScreen(detail))
    if choice is None:
        return
    if choice.startswith("new:"):
        pane.post_message(pane.Chosen(path, new=True, greeting=int(choice[4:])))
        return
    follow = {"edit": edit_card, "export": export_card, "duplicate": duplicate_card, "delete": delete_card}
    await follow[choice](pane, path)


async def import_cards(pane: CardList, _path: Path | None = None) -> None:
    answer = await pane.app.push_screen_wait(
        TextPrompt(Content("Import cards: a card file or a folder of cards"), placeholder="~/Downloads/cards",
                   help_text="Files are copied into the library's cards/ folder.    enter: import    esc: cancel")
    )
    if not answer or not answer.strip():
        return
    sources = [Path(answer.strip()).expanduser()]
    try:
        report = lib.import_cards(_ctx(pane), sources, duplicates="refuse")
        if report.duplicates:
            report = await _resolve_duplicates(pane, report)
    except lib.LibraryError as exc:
        _error(pane, "Import failed", exc)
        return
    pane.reload(report.imported[0] if report.imported else None)
    if report.failed or not report.imported:
        await pane.app.push_screen_wait(ReportDialog(Content("Import"), plain(report.summary())))
    else:
        pane.notify(report.summary(), markup=False)


DUPLICATE_LABELS = (("Replace the library's card", "replace"), ("Keep both (the new one as 'name (2)')", "keep"),
                    ("Cancel: do not import these", "skip"))


async def _resolve_duplicates(pane: CardList, report: lib.ImportReport) -> lib.ImportReport:
    """Cards already in the library: ask once for all of them, then import them as chosen."""
    names = ", ".join(same.name for _, same in report.duplicates[:3]) + ("…" if len(report.duplicates) > 3 else "")
    choice = await pane.app.push_screen_wait(ChoiceDialog(
        Content.assemble(f"{len(report.duplicates)} card(s) already in the library: ", plain_line(names)),
        [Content(label) for label, _ in DUPLICATE_LABELS], 2))
    how = DUPLICATE_LABELS[choice][1] if choice is not None else "skip"
    again = lib.import_cards(_ctx(pane), [src for src, _ in report.duplicates], duplicates=how)
    report.imported += again.imported
    report.names.update(again.names)
    report.failed += again.failed
    report.replaced += again.replaced
    report.duplicates = again.duplicates  # what was left out (cancel)
    return report


async def export_card(pane: CardList, path: Path) -> None:
    fmt_index = await pane.app.push_screen_wait(
        ChoiceDialog(Content.assemble("Export ", plain_line(path.name), " as"),
                     [Content("PNG (V2 + V3 chunks)"), Content("JSON (V3)"), Content("CHARX (zip)")])
    )
    if fmt_index is None:
        return
    fmt = lib.EXPORT_FORMATS[fmt_index]
    default = lib.export_path(path, fmt, Path.cwd())
    answer = await pane.app.push_screen_wait(TextPrompt(Content("Export to file"), str(default)))
    if not answer or not answer.strip():
        return
    dest = Path(answer.strip()).expanduser()
    try:
        warnings = lib.export_card(_ctx(pane), path, dest)
    except lib.LibraryError as exc:
        _error(pane, "Export failed", exc)
        return
    extra = f" ({len(warnings)} warning(s): {'; '.join(warnings)})" if warnings else ""
    pane.notify(f"Exported to {dest}{extra}", markup=False)
    pane.reload(path)


async def duplicate_card(pane: CardList, path: Path) -> None:
    try:
        copy = lib.duplicate_card(_ctx(pane), path)
    except lib.LibraryError as exc:
        _error(pane, "Cannot duplicate", exc)
        return
    pane.reload(copy)
    pane.notify(f"Duplicated as {copy.name}", markup=False)


async def delete_card(pane: CardList, path: Path) -> None:
    sure = await pane.app.push_screen_wait(
        ConfirmDialog(Content.assemble("Delete the card file ", plain_line(path.name, "bold"),
                                       "? Its chats are kept."))
    )
    if not sure:
        return
    try:
        lib.delete_card(_ctx(pane), path)
    except lib.LibraryError as exc:
        _error(pane, "Cannot delete", exc)
        return
    pane.reload()
    pane.notify(f"Deleted {path.name}", markup=False)


async def create_card(pane: CardList, _path: Path | None = None) -> None:
    name = await pane.app.push_screen_wait(TextPrompt(Content("New card: the character's name")))
    if not name or not name.strip():
        return
    try:
        path = lib.create_card(_ctx(pane), name.strip())
    except lib.LibraryError as exc:
        _error(pane, "Cannot create the card", exc)
        return
    pane.reload(path)
    await edit_card(pane, path, title="New card")


async def edit_card(pane: CardList, path: Path, title: str = "Edit card") -> None:
    ctx = _ctx(pane)
    try:
        card = ctx.load_card(path)
    except Exception as exc:
        _error(pane, "Cannot open the card", exc)
        return
    edited = await pane.app.push_screen_wait(CardEditorScreen(card, title))
    if edited is None:
        return
    try:
        saved = lib.save_card(ctx, path, edited)
    except lib.LibraryError as exc:
        _error(pane, "Cannot save the card", exc)
        return
    pane.reload(saved)
    note = "" if saved == path else f" (as a new file {saved.name})"
    pane.notify(f"Saved {edited.name}{note}", markup=False)


async def toggle_favourite(pane: CardList, path: Path) -> None:
    try:
        fav = lib.toggle_favourite(_ctx(pane), path)
    except lib.LibraryError as exc:
        _error(pane, "Cannot change the card", exc)
        return
    pane.reload(path)
    pane.notify("Favourite: listed first" if fav else "No longer a favourite", markup=False, timeout=2)


async def edit_tags(pane: CardList, path: Path) -> None:
    """Bulk tag edit: tick cards among those listed (the highlighted one ticked), then "+tag -tag"."""
    paths = pane.paths
    names = pane.listed_names()
    choices = [(plain_line(names.get(p, p.stem)), i) for i, p in enumerate(paths)]
    picked = await pane.app.push_screen_wait(
        MultiChoiceDialog(Content("Edit tags of: tick the cards"), choices, [paths.index(path)],
                          help_text="space: tick    ctrl+s: accept    esc: cancel")
    )
    if not picked:
        return
    answer = await pane.app.push_screen_wait(TextPrompt(
        Content(f"Tags for {len(picked)} card(s): +tag adds, -tag removes"), placeholder="+fantasy -draft"))
    add, remove = lib.parse_tag_edit(answer or "")
    if not add and not remove:
        return
    problems = lib.edit_tags(_ctx(pane), [paths[i] for i in picked], add, remove)
    pane.reload(path)
    if problems:
        await pane.app.push_screen_wait(ReportDialog(Content("Some cards were not changed"),
                                                     plain("\n".join(problems))))
    else:
        pane.notify(f"Tags changed on {len(picked)} card(s)", markup=False, timeout=3)


async def show_broken(pane: CardList, _path: Path | None = None) -> None:
    """The files in the card folders that are not readable cards, each with the reason."""
    lines = [Content.assemble(plain_line(path.name, "bold"), ": ", plain(reason)) for path, reason in pane.broken]
    await pane.app.push_screen_wait(ReportDialog(
        Content(f"{len(lines)} file(s) in the card folders could not be read"),
        Content("\n").join(lines) if lines else Content("None.")))
